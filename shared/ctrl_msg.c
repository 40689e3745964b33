/*
 * ctrl_msg.c: checking, comparing and freeing message structs, by walking
 * the schemas of ctrl_schema.c.
 */
#include "ctrl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_int.h"
#include "err.h"

static int check_object(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_schema *s,
			const void *base);

static bool flag_at(const void *base, size_t off)
{
	bool b;
	memcpy(&b, (const char *)base + off, sizeof(b));
	return b;
}

static size_t count_at(const void *base, size_t off)
{
	size_t n;
	memcpy(&n, (const char *)base + off, sizeof(n));
	return n;
}

/* Only an optional UINT or MAC has a presence flag; aux of a list is its count. */
static bool is_present(const struct lp_ctrl_field *f, const void *base)
{
	if (f->kind != LP_CTRL_K_UINT && f->kind != LP_CTRL_K_MAC)
		return true;
	return f->aux == LP_CTRL_NO_AUX || flag_at(base, f->aux);
}

_Static_assert(sizeof(enum lp_ctrl_role) == sizeof(int) &&
		       sizeof(enum lp_reject_reason) == sizeof(int) &&
		       sizeof(enum lp_disconnect_reason) == sizeof(int),
	       "enums are read and written as int");

/* Read as int: a struct being checked may hold a value outside the enum. */
static int enum_at(const void *p)
{
	int v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static int check_str(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		     const char *s)
{
	size_t len = strnlen(s, f->size);
	if (len == f->size)
		return lp_ctrl_fail(e, path, f->key, "not NUL-terminated");
	if (len == 0 && !f->required)
		return 0;
	return lp_ctrl_rule_str(e, path, f, s, len);
}

static int check_members(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			 const void *base)
{
	size_t n = count_at(base, f->aux);
	int rc = lp_ctrl_rule_members(e, path, f, n);
	if (rc)
		return rc;
	const struct lp_ctrl_member *m;
	memcpy(&m, (const char *)base + f->off, sizeof(m));
	if (!m)
		return lp_ctrl_fail(e, path, f->key, "NULL member array");
	for (size_t i = 0; i < n; i++) {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.%s[%zu]", path, f->key, i);
		rc = check_object(e, sub, &lp_ctrl_member_schema, &m[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_drops(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       const void *base)
{
	size_t n = count_at(base, f->aux);
	int rc = lp_ctrl_rule_drops(e, path, f, n);
	if (rc)
		return rc;
	const struct lp_ctrl_drop *d = (const void *)((const char *)base + f->off);
	for (size_t i = 0; i < n; i++) {
		rc = lp_ctrl_rule_drop(e, path, d[i].name, strnlen(d[i].name, sizeof(d[i].name)),
				       true, d[i].count);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_field(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       const void *base)
{
	const void *p = (const char *)base + f->off;
	int v;

	switch (f->kind) {
	case LP_CTRL_K_UINT:
		if (!is_present(f, base))
			return 0;
		return lp_ctrl_rule_uint(e, path, f, lp_ctrl_get_uint(p, f->size));
	case LP_CTRL_K_TEXT:
	case LP_CTRL_K_SECRET:
		return check_str(e, path, f, p);
	case LP_CTRL_K_ROLE:
		v = enum_at(p);
		if (v != LP_CTRL_ROLE_CLIENT && v != LP_CTRL_ROLE_GATEWAY)
			return lp_ctrl_fail(e, path, f->key, "invalid role %d", v);
		return 0;
	case LP_CTRL_K_MAC:
		return is_present(f, base) ? lp_ctrl_rule_mac(e, path, f, p) : 0;
	case LP_CTRL_K_REJECT:
		v = enum_at(p);
		if (v < 0 || v >= LP_REJECT__COUNT)
			return lp_ctrl_fail(e, path, f->key, "invalid reject reason %d", v);
		return 0;
	case LP_CTRL_K_DISC:
		v = enum_at(p);
		if (v < 0 || v >= LP_DISCONNECT__COUNT)
			return lp_ctrl_fail(e, path, f->key, "invalid disconnect reason %d", v);
		return 0;
	case LP_CTRL_K_MEMBER: {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		return check_object(e, sub, &lp_ctrl_member_schema, p);
	}
	case LP_CTRL_K_MEMBERS:
		return check_members(e, path, f, base);
	case LP_CTRL_K_DROPS:
		return check_drops(e, path, f, base);
	}
	return lp_ctrl_fail(e, path, f->key, "unknown field kind");
}

static int check_object(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_schema *s,
			const void *base)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		int rc = check_field(e, path, &s->fields[i], base);
		if (rc)
			return rc;
	}
	return s->cross ? s->cross(e, path, base) : 0;
}

int lp_ctrl_check(const struct lp_ctrl_msg *m, char *err, size_t errlen)
{
	struct lp_ctrl_errbuf e = { err, errlen };
	if (err && errlen)
		err[0] = '\0';
	if (!m)
		return lp_ctrl_fail(&e, "", "msg", "NULL message");
	const struct lp_ctrl_schema *s = lp_ctrl_schema_of(m->type);
	if (!s)
		return lp_ctrl_fail(&e, "", "type", "invalid message type %d", (int)m->type);
	return check_object(&e, s->name, s, &m->hello);
}

static bool equal_object(const struct lp_ctrl_schema *s, const void *a, const void *b);

static bool equal_str(const char *a, const char *b, size_t size)
{
	size_t la = strnlen(a, size);
	return la == strnlen(b, size) && memcmp(a, b, la) == 0;
}

static bool equal_members(const struct lp_ctrl_field *f, const void *a, const void *b)
{
	size_t n = count_at(a, f->aux);
	if (n != count_at(b, f->aux))
		return false;
	const struct lp_ctrl_member *ma, *mb;
	memcpy(&ma, (const char *)a + f->off, sizeof(ma));
	memcpy(&mb, (const char *)b + f->off, sizeof(mb));
	if (n && (!ma || !mb))
		return ma == mb;
	for (size_t i = 0; i < n; i++)
		if (!equal_object(&lp_ctrl_member_schema, &ma[i], &mb[i]))
			return false;
	return true;
}

static bool equal_drops(const struct lp_ctrl_field *f, const void *a, const void *b)
{
	size_t n = count_at(a, f->aux);
	if (n != count_at(b, f->aux))
		return false;
	const struct lp_ctrl_drop *da = (const void *)((const char *)a + f->off);
	const struct lp_ctrl_drop *db = (const void *)((const char *)b + f->off);
	for (size_t i = 0; i < n; i++)
		if (da[i].count != db[i].count ||
		    !equal_str(da[i].name, db[i].name, sizeof(da[i].name)))
			return false;
	return true;
}

static bool equal_field(const struct lp_ctrl_field *f, const void *a, const void *b)
{
	const void *pa = (const char *)a + f->off;
	const void *pb = (const char *)b + f->off;
	bool has = is_present(f, a);

	switch (f->kind) {
	case LP_CTRL_K_UINT:
		return has == is_present(f, b) &&
		       (!has || lp_ctrl_get_uint(pa, f->size) == lp_ctrl_get_uint(pb, f->size));
	case LP_CTRL_K_TEXT:
	case LP_CTRL_K_SECRET:
		return equal_str(pa, pb, f->size);
	case LP_CTRL_K_ROLE:
	case LP_CTRL_K_REJECT:
	case LP_CTRL_K_DISC:
		return enum_at(pa) == enum_at(pb);
	case LP_CTRL_K_MAC:
		return has == is_present(f, b) && (!has || lp_mac_equal(pa, pb));
	case LP_CTRL_K_MEMBER:
		return equal_object(&lp_ctrl_member_schema, pa, pb);
	case LP_CTRL_K_MEMBERS:
		return equal_members(f, a, b);
	case LP_CTRL_K_DROPS:
		return equal_drops(f, a, b);
	}
	return false;
}

static bool equal_object(const struct lp_ctrl_schema *s, const void *a, const void *b)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (!equal_field(&s->fields[i], a, b))
			return false;
	return true;
}

bool lp_ctrl_msg_equal(const struct lp_ctrl_msg *a, const struct lp_ctrl_msg *b)
{
	if (!a || !b || a->type != b->type)
		return false;
	const struct lp_ctrl_schema *s = lp_ctrl_schema_of(a->type);
	return s && equal_object(s, &a->hello, &b->hello);
}

void lp_ctrl_msg_free(struct lp_ctrl_msg *m)
{
	if (!m)
		return;
	if (m->type == LP_CTRL_WELCOME)
		free(m->welcome.members);
	memset(m, 0, sizeof(*m));
}
