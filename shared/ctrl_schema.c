/*
 * ctrl_schema.c: the field tables of every control message and the rules
 * that apply to each field, shared by decode, encode and check.
 */
#include "ctrl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "code.h"
#include "ctrl_int.h"
#include "err.h"
#include "mac.h"

#define FIELD(st, k, kind, req, fld, aux, lo, hi)                                                  \
	{                                                                                          \
		k, kind, req, offsetof(st, fld), sizeof(((st *)0)->fld), aux, lo, hi               \
	}
#define UINT(st, fld, lo, hi) FIELD(st, #fld, LP_CTRL_K_UINT, true, fld, LP_CTRL_NO_AUX, lo, hi)
#define UINT_OPT(st, fld, lo, hi)                                                                  \
	FIELD(st, #fld, LP_CTRL_K_UINT, false, fld, offsetof(st, has_##fld), lo, hi)
#define TEXT(st, fld, req, lo, hi) FIELD(st, #fld, LP_CTRL_K_TEXT, req, fld, LP_CTRL_NO_AUX, lo, hi)
#define SECRET(st, fld, req, lo, hi)                                                               \
	FIELD(st, #fld, LP_CTRL_K_SECRET, req, fld, LP_CTRL_NO_AUX, lo, hi)
#define ENUM(st, fld, kind) FIELD(st, #fld, kind, true, fld, LP_CTRL_NO_AUX, 0, 0)
#define MAC(st)		    FIELD(st, "mac", LP_CTRL_K_MAC, false, mac, offsetof(st, has_mac), 0, 0)

static const struct lp_ctrl_field member_fields[] = {
	UINT(struct lp_ctrl_member, id, 1, LP_CTRL_MEMBER_ID_MAX),
	ENUM(struct lp_ctrl_member, role, LP_CTRL_K_ROLE),
	MAC(struct lp_ctrl_member),
	TEXT(struct lp_ctrl_member, name, false, 1, LP_CTRL_NAME_MAX),
};

static const struct lp_ctrl_field hello_fields[] = {
	UINT(struct lp_ctrl_hello, version, 1, UINT16_MAX),
	ENUM(struct lp_ctrl_hello, role, LP_CTRL_K_ROLE),
	SECRET(struct lp_ctrl_hello, code, true, LP_CODE_MIN, LP_CODE_MAX),
	MAC(struct lp_ctrl_hello),
	UINT(struct lp_ctrl_hello, datagram_budget, LP_CTRL_BUDGET_MIN, LP_CTRL_BUDGET_MAX),
	TEXT(struct lp_ctrl_hello, agent, true, 1, LP_CTRL_AGENT_MAX),
	TEXT(struct lp_ctrl_hello, name, false, 1, LP_CTRL_NAME_MAX),
	SECRET(struct lp_ctrl_hello, resume, false, LP_CTRL_RESUME_MIN, LP_CTRL_RESUME_MAX),
};

static const struct lp_ctrl_field welcome_fields[] = {
	UINT(struct lp_ctrl_welcome, member_id, 1, LP_CTRL_MEMBER_ID_MAX),
	UINT(struct lp_ctrl_welcome, room_id, 1, LP_CTRL_INT_MAX),
	TEXT(struct lp_ctrl_welcome, room_name, true, 1, LP_CTRL_NAME_MAX),
	UINT(struct lp_ctrl_welcome, mtu, LP_CTRL_MTU_MIN, LP_CTRL_MTU_MAX),
	FIELD(struct lp_ctrl_welcome, "members", LP_CTRL_K_MEMBERS, true, members,
	      offsetof(struct lp_ctrl_welcome, n_members), 1, LP_CTRL_MAX_MEMBERS),
	SECRET(struct lp_ctrl_welcome, resume, true, LP_CTRL_RESUME_MIN, LP_CTRL_RESUME_MAX),
	UINT(struct lp_ctrl_welcome, stats_interval, 1, LP_CTRL_STATS_INTERVAL_MAX),
};

static const struct lp_ctrl_field reject_fields[] = {
	ENUM(struct lp_ctrl_reject, reason, LP_CTRL_K_REJECT),
	TEXT(struct lp_ctrl_reject, message, true, 0, LP_CTRL_MESSAGE_MAX),
	UINT_OPT(struct lp_ctrl_reject, limit, 0, LP_CTRL_COUNT_MAX),
	UINT_OPT(struct lp_ctrl_reject, count, 0, LP_CTRL_COUNT_MAX),
	UINT_OPT(struct lp_ctrl_reject, retry_after, 1, LP_CTRL_RETRY_AFTER_MAX),
};

/* peer_joined is a member object under the key "member". */
static const struct lp_ctrl_field peer_joined_fields[] = {
	{ "member", LP_CTRL_K_MEMBER, true, 0, sizeof(struct lp_ctrl_member), LP_CTRL_NO_AUX, 0,
	  0 },
};

static const struct lp_ctrl_field peer_left_fields[] = {
	UINT(struct lp_ctrl_peer_left, member_id, 1, LP_CTRL_MEMBER_ID_MAX),
	ENUM(struct lp_ctrl_peer_left, reason, LP_CTRL_K_DISC),
};

static const struct lp_ctrl_field stats_fields[] = {
	UINT(struct lp_ctrl_stats, rtt_us, 0, LP_CTRL_INT_MAX),
	UINT(struct lp_ctrl_stats, up_frames, 0, LP_CTRL_INT_MAX),
	UINT(struct lp_ctrl_stats, up_bytes, 0, LP_CTRL_INT_MAX),
	UINT(struct lp_ctrl_stats, down_frames, 0, LP_CTRL_INT_MAX),
	UINT(struct lp_ctrl_stats, down_bytes, 0, LP_CTRL_INT_MAX),
	UINT(struct lp_ctrl_stats, members, 0, LP_CTRL_MAX_MEMBERS),
	FIELD(struct lp_ctrl_stats, "drops", LP_CTRL_K_DROPS, true, drops,
	      offsetof(struct lp_ctrl_stats, n_drops), 0, LP_CTRL_MAX_DROPS),
};

static const struct lp_ctrl_field disconnect_fields[] = {
	ENUM(struct lp_ctrl_disconnect, reason, LP_CTRL_K_DISC),
	TEXT(struct lp_ctrl_disconnect, message, false, 1, LP_CTRL_MESSAGE_MAX),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int client_needs_mac(struct lp_ctrl_errbuf *e, const char *path, enum lp_ctrl_role role,
			    bool has_mac)
{
	if (role == LP_CTRL_ROLE_CLIENT && !has_mac)
		return lp_ctrl_fail(e, path, "mac", "required for a client");
	return 0;
}

static int member_cross(struct lp_ctrl_errbuf *e, const char *path, const void *base)
{
	const struct lp_ctrl_member *m = base;
	return client_needs_mac(e, path, m->role, m->has_mac);
}

static int hello_cross(struct lp_ctrl_errbuf *e, const char *path, const void *base)
{
	const struct lp_ctrl_hello *h = base;
	return client_needs_mac(e, path, h->role, h->has_mac);
}

/*
 * The relay's room invariants, checked so that an agent's tables can rely on
 * them: one entry per id and per MAC, at most one gateway, and the receiver
 * itself listed. Quadratic, but bounded by LP_CTRL_MAX_MEMBERS.
 */
static int welcome_cross(struct lp_ctrl_errbuf *e, const char *path, const void *base)
{
	const struct lp_ctrl_welcome *w = base;
	bool self = false;
	size_t gateways = 0;

	for (size_t i = 0; i < w->n_members; i++) {
		const struct lp_ctrl_member *a = &w->members[i];
		self |= a->id == w->member_id;
		gateways += a->role == LP_CTRL_ROLE_GATEWAY;
		for (size_t j = 0; j < i; j++) {
			const struct lp_ctrl_member *b = &w->members[j];
			if (a->id == b->id)
				return lp_ctrl_fail(e, path, "members", "id %u listed twice",
						    (unsigned)a->id);
			if (a->has_mac && b->has_mac && lp_mac_equal(&a->mac, &b->mac))
				return lp_ctrl_fail(e, path, "members",
						    "members %u and %u share a MAC address",
						    (unsigned)b->id, (unsigned)a->id);
		}
	}
	if (gateways > 1)
		return lp_ctrl_fail(e, path, "members", "more than one gateway");
	if (!self)
		return lp_ctrl_fail(e, path, "members", "does not list member_id");
	return 0;
}

static int stats_cross(struct lp_ctrl_errbuf *e, const char *path, const void *base)
{
	const struct lp_ctrl_stats *s = base;
	for (size_t i = 0; i < s->n_drops; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->drops[i].name, s->drops[j].name) == 0)
				return lp_ctrl_fail(e, path, "drops", "reason %s listed twice",
						    s->drops[i].name);
	return 0;
}

const struct lp_ctrl_schema lp_ctrl_member_schema = {
	"member", 0, member_fields, N(member_fields), member_cross,
};

static const struct lp_ctrl_schema schemas[] = {
	{ "hello", LP_CTRL_HELLO, hello_fields, N(hello_fields), hello_cross },
	{ "welcome", LP_CTRL_WELCOME, welcome_fields, N(welcome_fields), welcome_cross },
	{ "reject", LP_CTRL_REJECT, reject_fields, N(reject_fields), NULL },
	{ "peer_joined", LP_CTRL_PEER_JOINED, peer_joined_fields, N(peer_joined_fields), NULL },
	{ "peer_left", LP_CTRL_PEER_LEFT, peer_left_fields, N(peer_left_fields), NULL },
	{ "stats", LP_CTRL_STATS, stats_fields, N(stats_fields), stats_cross },
	{ "disconnect", LP_CTRL_DISCONNECT, disconnect_fields, N(disconnect_fields), NULL },
};

const struct lp_ctrl_schema *lp_ctrl_schema_of(enum lp_ctrl_type t)
{
	for (size_t i = 0; i < N(schemas); i++)
		if (schemas[i].type == t)
			return &schemas[i];
	return NULL;
}

const struct lp_ctrl_schema *lp_ctrl_schema_by_name(const char *s, size_t len)
{
	for (size_t i = 0; i < N(schemas); i++)
		if (strlen(schemas[i].name) == len && memcmp(schemas[i].name, s, len) == 0)
			return &schemas[i];
	return NULL;
}

const char *lp_ctrl_type_name(enum lp_ctrl_type t)
{
	const struct lp_ctrl_schema *s = lp_ctrl_schema_of(t);
	return s ? s->name : "?";
}

const char *lp_ctrl_role_name(enum lp_ctrl_role r)
{
	switch (r) {
	case LP_CTRL_ROLE_CLIENT:
		return "client";
	case LP_CTRL_ROLE_GATEWAY:
		return "gateway";
	}
	return "?";
}

int lp_ctrl_fail(struct lp_ctrl_errbuf *e, const char *path, const char *field, const char *fmt,
		 ...)
{
	if (!e->buf || e->len == 0)
		return LP_ERR_INVALID;
	int n = snprintf(e->buf, e->len, "%s%s%s: ", path, *path ? "." : "", field);
	if (n >= 0 && (size_t)n < e->len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return LP_ERR_INVALID;
}

int lp_ctrl_rule_range(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f)
{
	return lp_ctrl_fail(e, path, f->key, "must be an integer in %llu..%llu",
			    (unsigned long long)f->min, (unsigned long long)f->max);
}

int lp_ctrl_rule_uint(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		      uint64_t v)
{
	if (v < f->min || v > f->max)
		return lp_ctrl_rule_range(e, path, f);
	return 0;
}

bool lp_ctrl_token_valid(const char *s, size_t len)
{
	if (len < 1 || len > LP_CTRL_TOKEN_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) and
 * no C0/C1 control characters or DEL: names end up in terminals and logs.
 * Returns the byte offset of the first bad sequence, or len when all is well.
 */
static size_t text_scan(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return i;
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (len - i < n)
			return i;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return i;
		i += n;
	}
	return len;
}

int lp_ctrl_rule_str(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		     const char *s, size_t len)
{
	if (f->kind == LP_CTRL_K_SECRET) {
		/* Never echo a secret, not even its length. */
		if (len < f->min || len > f->max || !lp_code_valid(s, len))
			return lp_ctrl_fail(e, path, f->key,
					    "must be %llu..%llu characters from [A-Za-z0-9_-]",
					    (unsigned long long)f->min, (unsigned long long)f->max);
		return 0;
	}
	if (len < f->min || len > f->max)
		return lp_ctrl_fail(e, path, f->key, "length %zu not in %llu..%llu bytes", len,
				    (unsigned long long)f->min, (unsigned long long)f->max);
	size_t bad = text_scan(s, len);
	if (bad != len)
		return lp_ctrl_fail(e, path, f->key,
				    "invalid UTF-8 or control character at byte %zu", bad);
	return 0;
}

int lp_ctrl_rule_mac(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		     const struct lp_mac *mac)
{
	if (lp_mac_is_multicast(mac))
		return lp_ctrl_fail(e, path, f->key, "not a unicast MAC address");
	if (!lp_mac_is_valid_member(mac))
		return lp_ctrl_fail(e, path, f->key, "not a usable member MAC address");
	return 0;
}

int lp_ctrl_rule_members(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			 size_t n)
{
	if (n < f->min || n > f->max)
		return lp_ctrl_fail(e, path, f->key, "must hold %llu..%llu members",
				    (unsigned long long)f->min, (unsigned long long)f->max);
	return 0;
}

int lp_ctrl_rule_drops(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       size_t n)
{
	if (n > f->max)
		return lp_ctrl_fail(e, path, f->key, "more than %llu entries",
				    (unsigned long long)f->max);
	return 0;
}

int lp_ctrl_rule_drop(struct lp_ctrl_errbuf *e, const char *path, const char *name, size_t len,
		      bool is_uint, uint64_t count)
{
	if (!lp_ctrl_token_valid(name, len))
		return lp_ctrl_fail(e, path, "drops", "reason name must match [a-z][a-z0-9_]{0,%d}",
				    LP_CTRL_TOKEN_MAX - 1);
	if (!is_uint || count > LP_CTRL_INT_MAX) {
		char sub[48];
		snprintf(sub, sizeof(sub), "%s.drops", path);
		return lp_ctrl_fail(e, sub, name, "must be an integer in 0..%llu",
				    (unsigned long long)LP_CTRL_INT_MAX);
	}
	return 0;
}

uint64_t lp_ctrl_get_uint(const void *p, size_t size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

void lp_ctrl_set_uint(void *p, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	switch (size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

void lp_ctrl_sort_drops(struct lp_ctrl_drop *d, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct lp_ctrl_drop x = d[i];
		size_t j = i;
		for (; j > 0 && strcmp(d[j - 1].name, x.name) > 0; j--)
			d[j] = d[j - 1];
		d[j] = x;
	}
}
