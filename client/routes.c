/*
 * routes.c: the OS-free part of routes.h: address text and checks.
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

const struct lp_cidr lp_routes_broadcast[2] = {
	{ .family = LP_IP_V4, .addr = { 255, 255, 255, 255 }, .prefix = 32 },
	{ .family = LP_IP_V4, .addr = { 224, 0, 0, 0 }, .prefix = 4 },
};

static void set_err(char *err, size_t errlen, const char *msg, const char *s)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", s, msg);
}

/* A decimal 0..max without leading zeros; advances *p. */
static bool parse_dec(const char **p, unsigned max, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 3)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > max)
		return false;
	*p = s + n;
	*out = v;
	return true;
}

int lp_cidr_parse_v4(const char *s, struct lp_cidr *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!s || !out) {
		set_err(err, errlen, "no address", "--address");
		return LP_ERR_INVALID;
	}
	struct lp_cidr c = { .family = LP_IP_V4 };
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		unsigned v;
		if (!parse_dec(&p, 255, &v)) {
			set_err(err, errlen,
				"not an IPv4 address with a prefix, like 192.168.1.50/24", s);
			return LP_ERR_INVALID;
		}
		c.addr[i] = (uint8_t)v;
		if (i < 3 && *p++ != '.') {
			set_err(err, errlen,
				"not an IPv4 address with a prefix, like 192.168.1.50/24", s);
			return LP_ERR_INVALID;
		}
	}
	if (*p != '/') {
		set_err(err, errlen, "the prefix length is missing (like /24)", s);
		return LP_ERR_INVALID;
	}
	p++;
	unsigned plen;
	if (!parse_dec(&p, 32, &plen) || *p) {
		set_err(err, errlen, "the prefix length must be 0 to 32", s);
		return LP_ERR_INVALID;
	}
	c.prefix = (uint8_t)plen;
	*out = c;
	return 0;
}

int lp_cidr_check_host_v4(const struct lp_cidr *c, char *err, size_t errlen)
{
	char buf[LP_IP_STRLEN];
	if (err && errlen)
		err[0] = '\0';
	if (!c || c->family != LP_IP_V4 || c->prefix > 32) {
		set_err(err, errlen, "not an IPv4 address", "--address");
		return LP_ERR_INVALID;
	}
	lp_cidr_format(c, buf);
	const uint8_t *a = c->addr;
	const char *why = NULL;
	uint32_t ip = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	uint32_t mask = c->prefix ? ~(uint32_t)0 << (32 - c->prefix) : 0;
	if (a[0] == 0)
		why = "0.0.0.0/8 is not a host address";
	else if (a[0] == 127)
		why = "a loopback address cannot be used on the party device";
	else if (a[0] == 169 && a[1] == 254)
		why = "a link-local address (169.254/16) is not for --address";
	else if (a[0] >= 224)
		why = "a multicast or reserved address is not a host address";
	else if (c->prefix < 8)
		why = "the prefix is too short for a LAN (at least /8)";
	else if (c->prefix <= 30 && (ip & ~mask) == 0)
		why = "this is the subnet's network address, not a host address";
	else if (c->prefix <= 30 && (ip & ~mask) == ~mask)
		why = "this is the subnet's broadcast address, not a host address";
	if (why) {
		set_err(err, errlen, why, buf);
		return LP_ERR_INVALID;
	}
	return 0;
}

/* RFC 5952 text: lower-case hex, the longest run of two or more zero groups as "::". */
static void format_v6(const uint8_t *a, char *out, size_t len)
{
	unsigned g[8];
	int best = -1, best_len = 0;
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < 8 && n < len; i++) {
		if (i == best) {
			n += (size_t)snprintf(out + n, len - n, "::");
			i += best_len - 1;
			continue;
		}
		bool colon = i > 0 && i != best + best_len;
		n += (size_t)snprintf(out + n, len - n, "%s%x", colon ? ":" : "", g[i]);
	}
}

char *lp_cidr_format(const struct lp_cidr *c, char buf[LP_IP_STRLEN])
{
	char a[LP_IP_STRLEN - 4];
	if (c->family == LP_IP_V6)
		format_v6(c->addr, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "%u.%u.%u.%u", c->addr[0], c->addr[1], c->addr[2],
			 c->addr[3]);
	snprintf(buf, LP_IP_STRLEN, "%s/%u", a, c->prefix);
	return buf;
}
