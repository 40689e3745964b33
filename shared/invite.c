#include "invite.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "code.h"
#include "err.h"
#include "log.h"

/* Longest unknown query key or role the error message quotes back. */
#define ECHO_MAX 32

LP_LOG_PRINTF(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return LP_ERR_INVALID;
}

static void ok(char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
}

/* Quote user text back only when it is short and harmless on a terminal. */
static bool echoable(const char *s, size_t len)
{
	if (len == 0 || len > ECHO_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ---------------------------------------------------------------- pin */

int lp_pin_parse(const char *s, size_t len, uint8_t out[LP_PIN_LEN], char *err, size_t errlen)
{
	if (!s || !out)
		return fail(err, errlen, "no pin given");
	if (len < LP_PIN_PREFIX_LEN || memcmp(s, LP_PIN_PREFIX, LP_PIN_PREFIX_LEN) != 0)
		return fail(err, errlen, "pin must start with " LP_PIN_PREFIX);
	/* The base64 may itself start with '/': only the prefix and the length delimit it. */
	const char *b = s + LP_PIN_PREFIX_LEN;
	size_t blen = len - LP_PIN_PREFIX_LEN;
	if (memchr(b, ';', blen))
		return fail(err, errlen, "only one pin is allowed (no ';' lists)");
	if (blen != LP_PIN_B64_LEN)
		return fail(err, errlen,
			    "pin must be " LP_PIN_PREFIX " and 44 base64 characters (got %zu)",
			    blen);
	uint8_t buf[LP_PIN_LEN];
	size_t n = 0;
	if (lp_b64_decode(LP_B64_STD, b, blen, buf, sizeof(buf), &n) != 0 || n != LP_PIN_LEN)
		return fail(err, errlen, "pin is not the base64 of a 32-byte SHA-256 value");
	memcpy(out, buf, LP_PIN_LEN);
	ok(err, errlen);
	return 0;
}

char *lp_pin_format(const uint8_t pin[LP_PIN_LEN], char buf[LP_PIN_STRLEN])
{
	memcpy(buf, LP_PIN_PREFIX, LP_PIN_PREFIX_LEN);
	/* Cannot fail: 32 bytes always encode to exactly 44 characters. */
	(void)lp_b64_encode(LP_B64_STD, pin, LP_PIN_LEN, buf + LP_PIN_PREFIX_LEN,
			    LP_PIN_STRLEN - LP_PIN_PREFIX_LEN);
	return buf;
}

/* ---------------------------------------------------------------- hosts */

/* Dotted decimal, exactly four parts of 0..255, no leading zeros (which some libcs read as octal). */
static bool parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		size_t start = i;
		unsigned int v = 0;
		while (i < len && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned int)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return false;
		out[part] = (uint8_t)v;
	}
	return i == len;
}

/* RFC 4291 section 2.2 text forms, including one "::" and a dotted IPv4 tail. */
static bool parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t w[8];
	size_t n = 0;
	size_t gap = SIZE_MAX;
	size_t i = 0;

	if (len > LP_INVITE_IPV6_MAX || len < 2)
		return false;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		gap = 0;
		i = 2;
	}
	while (i < len) {
		size_t j = i;
		while (j < len && hex_value(s[j]) >= 0)
			j++;
		if (j < len && s[j] == '.') {
			uint8_t v4[4];
			if (n > 6 || !parse_ipv4(s + i, len - i, v4))
				return false;
			w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (j == i || j - i > 4 || n == 8)
			return false;
		uint16_t v = 0;
		for (size_t k = i; k < j; k++)
			v = (uint16_t)(v << 4 | hex_value(s[k]));
		w[n++] = v;
		if (j == len)
			break;
		if (s[j] != ':' || ++j == len)
			return false;
		if (s[j] == ':') {
			if (gap != SIZE_MAX)
				return false;
			gap = n;
			j++;
		}
		i = j;
	}
	if (gap == SIZE_MAX ? n != 8 : n > 7)
		return false;
	size_t zeros = 8 - n;
	for (size_t k = 0, o = 0; k < 8; k++) {
		uint16_t v;
		if (k >= gap && k < gap + zeros)
			v = 0;
		else
			v = w[o++];
		out[2 * k] = (uint8_t)(v >> 8);
		out[2 * k + 1] = (uint8_t)v;
	}
	return true;
}

/*
 * RFC 5952 text: lower-case hex without leading zeros, the longest run of two
 * or more zero groups (the first on a tie) as "::", and IPv4-mapped addresses
 * as ::ffff:a.b.c.d (section 5).
 */
static void format_ipv6(const uint8_t a[16], char out[LP_INVITE_IPV6_MAX + 1])
{
	uint16_t w[8];
	for (size_t k = 0; k < 8; k++)
		w[k] = (uint16_t)(a[2 * k] << 8 | a[2 * k + 1]);

	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		snprintf(out, LP_INVITE_IPV6_MAX + 1, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14],
			 a[15]);
		return;
	}

	size_t best = 8, best_len = 0;
	for (size_t k = 0; k < 8;) {
		if (w[k]) {
			k++;
			continue;
		}
		size_t e = k;
		while (e < 8 && !w[e])
			e++;
		if (e - k > best_len && e - k >= 2) {
			best = k;
			best_len = e - k;
		}
		k = e;
	}

	size_t o = 0;
	const size_t cap = LP_INVITE_IPV6_MAX + 1;
	for (size_t k = 0; k < 8; k++) {
		if (k == best) {
			o += (size_t)snprintf(out + o, cap - o, "::");
			k += best_len - 1;
			continue;
		}
		if (k > 0 && k != best + best_len)
			out[o++] = ':';
		o += (size_t)snprintf(out + o, cap - o, "%x", w[k]);
	}
	out[o] = '\0';
}

/* LDH labels of 1..63 characters, no '-' at either end, at most 253 in all. */
static int check_dns(const char *s, size_t len, char *err, size_t errlen)
{
	if (len > LP_INVITE_HOST_MAX)
		return fail(err, errlen, "host name is longer than %d characters",
			    LP_INVITE_HOST_MAX);
	size_t start = 0;
	bool all_digits = true;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			char c = s[i];
			if (!is_digit(c))
				all_digits = false;
			if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '-'))
				return fail(
					err, errlen,
					"host name may only contain letters, digits, '-' and '.'");
			continue;
		}
		size_t l = i - start;
		if (l == 0)
			return fail(err, errlen, "host name has an empty label");
		if (l > 63)
			return fail(err, errlen, "host name has a label longer than 63 characters");
		if (s[start] == '-' || s[i - 1] == '-')
			return fail(err, errlen,
				    "host name has a label that starts or ends with '-'");
		if (i < len) {
			all_digits = true;
			start = i + 1;
		}
	}
	/* A numeric last label means an IPv4 address was meant (WHATWG URL does the same). */
	if (all_digits)
		return fail(err, errlen, "host is not a valid IPv4 address");
	return 0;
}

/*
 * Validate host text (brackets already removed when bracketed) and store its
 * canonical form and type in inv.
 */
static int parse_host(const char *s, size_t len, bool bracketed, struct lp_invite *inv, char *err,
		      size_t errlen)
{
	if (bracketed) {
		uint8_t a[16];
		if (memchr(s, '%', len))
			return fail(err, errlen, "IPv6 zone IDs ('%%') are not supported");
		if (!parse_ipv6(s, len, a))
			return fail(err, errlen, "invalid IPv6 address in brackets");
		format_ipv6(a, inv->host);
		inv->host_type = LP_INVITE_HOST_IPV6;
		return 0;
	}
	if (len == 0)
		return fail(err, errlen, "missing host");
	uint8_t a4[4];
	if (parse_ipv4(s, len, a4)) {
		memcpy(inv->host, s, len);
		inv->host[len] = '\0';
		inv->host_type = LP_INVITE_HOST_IPV4;
		return 0;
	}
	int rc = check_dns(s, len, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < len; i++)
		inv->host[i] = lower(s[i]);
	inv->host[len] = '\0';
	inv->host_type = LP_INVITE_HOST_DNS;
	return 0;
}

/* ---------------------------------------------------------------- invite */

/* 1..65535 in plain decimal: no sign, no leading zeros, so each port has one spelling. */
static bool parse_port(const char *s, size_t len, uint16_t *out)
{
	if (len == 0 || len > 5 || s[0] == '0')
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool scheme_matches(const char *s, size_t len)
{
	if (len < LP_INVITE_SCHEME_LEN)
		return false;
	for (size_t i = 0; i < LP_INVITE_SCHEME_LEN; i++)
		if (lower(s[i]) != LP_INVITE_SCHEME[i])
			return false;
	return true;
}

static int parse_query(const char *q, size_t len, struct lp_invite *inv, bool *api_seen, char *err,
		       size_t errlen)
{
	bool pin_seen = false;
	size_t i = 0;
	for (;;) {
		const char *amp = memchr(q + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - q) : len;
		const char *p = q + i;
		size_t plen = end - i;
		if (plen == 0)
			return fail(err, errlen, "empty query parameter (stray '?' or '&')");
		const char *eq = memchr(p, '=', plen);
		size_t klen = eq ? (size_t)(eq - p) : plen;
		if (klen == 0)
			return fail(err, errlen, "query parameter without a name");
		const char *v = eq ? eq + 1 : NULL;
		size_t vlen = eq ? plen - klen - 1 : 0;
		bool is_pin = klen == 3 && memcmp(p, "pin", 3) == 0;
		bool is_api = klen == 3 && memcmp(p, "api", 3) == 0;
		if (!is_pin && !is_api) {
			if (echoable(p, klen))
				return fail(err, errlen,
					    "unknown query parameter '%.*s' (expected pin or api)",
					    (int)klen, p);
			return fail(err, errlen, "unknown query parameter (expected pin or api)");
		}
		if ((is_pin && pin_seen) || (is_api && *api_seen))
			return fail(err, errlen, "query parameter '%s' given twice",
				    is_pin ? "pin" : "api");
		if (!v || vlen == 0)
			return fail(err, errlen, "query parameter '%s' has no value",
				    is_pin ? "pin" : "api");
		if (is_pin) {
			char perr[128];
			if (lp_pin_parse(v, vlen, inv->pin, perr, sizeof(perr)) != 0)
				return fail(err, errlen, "%s", perr);
			inv->has_pin = true;
			pin_seen = true;
		} else {
			if (!parse_port(v, vlen, &inv->api_port))
				return fail(err, errlen,
					    "api port must be a number from 1 to 65535");
			*api_seen = true;
		}
		if (!amp)
			return 0;
		i = end + 1;
	}
}

int lp_invite_parse(const char *s, struct lp_invite *out, char *err, size_t errlen)
{
	if (!s || !out)
		return fail(err, errlen, "no invite given");
	size_t len = strlen(s);
	while (len && is_space(s[len - 1]))
		len--;
	while (len && is_space(*s)) {
		s++;
		len--;
	}
	if (len == 0)
		return fail(err, errlen, "invite is empty");
	if (len > LP_INVITE_MAX_LEN) {
		fail(err, errlen, "invite is longer than %d characters", LP_INVITE_MAX_LEN);
		return LP_ERR_TOO_BIG;
	}
	if (!scheme_matches(s, len))
		return fail(err, errlen, "invite must start with " LP_INVITE_SCHEME);

	struct lp_invite inv;
	memset(&inv, 0, sizeof(inv));
	const char *p = s + LP_INVITE_SCHEME_LEN;
	const char *end = s + len;
	int rc;

	/* Host: "[...]" for IPv6, else up to ':', '/', '?' or the end. */
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return fail(err, errlen, "IPv6 address is missing its closing ']'");
		rc = parse_host(p + 1, (size_t)(close - p - 1), true, &inv, err, errlen);
		p = close + 1;
		if (!rc && p < end && *p != ':' && *p != '/' && *p != '?')
			return fail(err, errlen, "unexpected text after the IPv6 address's ']'");
	} else {
		const char *h = p;
		while (p < end && *p != ':' && *p != '/' && *p != '?')
			p++;
		if (p < end && *p == ':') {
			const char *q = p + 1;
			while (q < end && *q != '/' && *q != '?' && *q != ':')
				q++;
			if (q < end && *q == ':')
				return fail(err, errlen,
					    "an IPv6 address must be written in brackets: [addr]");
		}
		rc = parse_host(h, (size_t)(p - h), false, &inv, err, errlen);
	}
	if (rc)
		return rc;

	inv.port = LP_INVITE_PORT_DEFAULT;
	if (p < end && *p == ':') {
		const char *ps = ++p;
		while (p < end && *p != '/' && *p != '?')
			p++;
		if (p == ps)
			return fail(err, errlen, "empty port after ':'");
		if (!parse_port(ps, (size_t)(p - ps), &inv.port))
			return fail(err, errlen, "port must be a number from 1 to 65535");
	}

	if (p == end || *p != '/')
		return fail(err, errlen,
			    "missing role after the host (expected /client/ or /gateway/)");
	const char *role = ++p;
	while (p < end && *p != '/' && *p != '?')
		p++;
	size_t rlen = (size_t)(p - role);
	if (rlen == 0)
		return fail(err, errlen, "missing role (expected client or gateway)");
	if (lp_invite_role_parse(role, rlen, &inv.role) != 0) {
		if (echoable(role, rlen))
			return fail(err, errlen, "unknown role '%.*s' (expected client or gateway)",
				    (int)rlen, role);
		return fail(err, errlen, "unknown role (expected client or gateway)");
	}

	if (p == end || *p != '/')
		return fail(err, errlen, "missing room code after the role");
	const char *code = ++p;
	while (p < end && *p != '?' && *p != '/')
		p++;
	size_t clen = (size_t)(p - code);
	if (clen == 0)
		return fail(err, errlen, "missing room code after the role");
	if (p < end && *p == '/')
		return fail(err, errlen, "unexpected '/' after the room code");
	if (!lp_code_valid(code, clen))
		return fail(err, errlen,
			    "invalid room code (%d to %d characters of A-Z a-z 0-9 _ -, got %zu)",
			    LP_CODE_MIN, LP_CODE_MAX, clen);
	memcpy(inv.code, code, clen);
	inv.code[clen] = '\0';

	bool api_seen = false;
	if (p < end) {
		/* Only '?' can be here. */
		p++;
		rc = parse_query(p, (size_t)(end - p), &inv, &api_seen, err, errlen);
		if (rc)
			return rc;
	}
	if (!api_seen)
		inv.api_port = inv.port;

	*out = inv;
	ok(err, errlen);
	return 0;
}

LP_LOG_PRINTF(4, 5) static bool append(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *pos, outlen - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *pos)
		return false;
	*pos += (size_t)n;
	return true;
}

/* The host as inv holds it must be exactly what parsing would store. */
static bool host_canonical(const struct lp_invite *inv)
{
	size_t len = strnlen(inv->host, sizeof(inv->host));
	if (len == sizeof(inv->host))
		return false;
	struct lp_invite tmp;
	memset(&tmp, 0, sizeof(tmp));
	bool br = inv->host_type == LP_INVITE_HOST_IPV6;
	if (parse_host(inv->host, len, br, &tmp, NULL, 0) != 0)
		return false;
	return tmp.host_type == inv->host_type && strcmp(tmp.host, inv->host) == 0;
}

int lp_invite_format(const struct lp_invite *inv, char *out, size_t outlen)
{
	if (!inv || !out)
		return LP_ERR_INVALID;
	if (outlen)
		out[0] = '\0';
	const char *role = lp_invite_role_name(inv->role);
	size_t clen = strnlen(inv->code, sizeof(inv->code));
	if (!role || !inv->port || !inv->api_port || !host_canonical(inv) ||
	    !lp_code_valid(inv->code, clen))
		return LP_ERR_INVALID;
	if (!outlen)
		return LP_ERR_NOBUF;

	bool v6 = inv->host_type == LP_INVITE_HOST_IPV6;
	size_t pos = 0;
	bool fits = append(out, outlen, &pos, LP_INVITE_SCHEME "%s%s%s", v6 ? "[" : "", inv->host,
			   v6 ? "]" : "");
	if (fits && inv->port != LP_INVITE_PORT_DEFAULT)
		fits = append(out, outlen, &pos, ":%u", inv->port);
	fits = fits && append(out, outlen, &pos, "/%s/%s", role, inv->code);
	char sep = '?';
	if (fits && inv->has_pin) {
		char pin[LP_PIN_STRLEN];
		fits = append(out, outlen, &pos, "%cpin=%s", sep, lp_pin_format(inv->pin, pin));
		sep = '&';
	}
	if (fits && inv->api_port != inv->port)
		fits = append(out, outlen, &pos, "%capi=%u", sep, inv->api_port);
	if (!fits) {
		out[0] = '\0';
		return LP_ERR_NOBUF;
	}
	return 0;
}

bool lp_invite_equal(const struct lp_invite *a, const struct lp_invite *b)
{
	return strcmp(a->host, b->host) == 0 && a->host_type == b->host_type &&
	       a->port == b->port && a->api_port == b->api_port && a->role == b->role &&
	       strcmp(a->code, b->code) == 0 && a->has_pin == b->has_pin &&
	       (!a->has_pin || memcmp(a->pin, b->pin, LP_PIN_LEN) == 0);
}

const char *lp_invite_role_name(enum lp_invite_role role)
{
	switch (role) {
	case LP_INVITE_CLIENT:
		return "client";
	case LP_INVITE_GATEWAY:
		return "gateway";
	}
	return NULL;
}

int lp_invite_role_parse(const char *s, size_t len, enum lp_invite_role *out)
{
	if (!s || !out)
		return LP_ERR_INVALID;
	if (len == 6 && memcmp(s, "client", 6) == 0)
		*out = LP_INVITE_CLIENT;
	else if (len == 7 && memcmp(s, "gateway", 7) == 0)
		*out = LP_INVITE_GATEWAY;
	else
		return LP_ERR_INVALID;
	return 0;
}
