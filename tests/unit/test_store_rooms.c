/* Unit tests for relay/store_rooms.c: rooms and room codes, on a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_fixture.h"

#define CODE_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CODE_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define CODE_C "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define CODE_D "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"

static struct lp_store_room room_named(const char *name)
{
	struct lp_store_room r;
	lp_store_room_defaults(&r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static enum lp_store_code_state code_state(struct fx *f, const char *code, int64_t now)
{
	struct lp_store_code c;
	assert_int_equal(lp_store_code_lookup(f->s, code, strlen(code), now, &c), 0);
	return c.state;
}

/* Field by field: padding bytes of copied structs are unspecified. */
static void assert_room_equal(const struct lp_store_room *a, const struct lp_store_room *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->max_clients, b->max_clients);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->bcast_pps, b->bcast_pps);
	assert_int_equal(a->bytes_per_s, b->bytes_per_s);
	assert_int_equal(a->enabled, b->enabled);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->updated_at, b->updated_at);
}

/* ---------------------------------------------------------------- rooms */

static void test_room_defaults(void **state)
{
	(void)state;
	struct lp_store_room r;
	memset(&r, 0x55, sizeof(r));
	lp_store_room_defaults(&r);
	assert_string_equal(r.name, "");
	assert_int_equal(r.max_clients, 16);
	assert_int_equal(r.mtu, 1500);
	assert_int_equal(r.bcast_pps, 0);
	assert_int_equal(r.bytes_per_s, 0);
	assert_true(r.enabled);
	assert_int_equal(r.expires_at, 0);
}

static void test_room_create_get(void **state)
{
	struct fx *f = *state;
	struct lp_store_room in = room_named("Friday LAN"), out, got;
	in.max_clients = 30;
	in.mtu = 1280;
	in.bcast_pps = 200;
	in.bytes_per_s = 5000000;
	in.enabled = false;
	in.expires_at = T0 + 3600;
	assert_int_equal(lp_store_room_create(f->s, &in, NULL, 0, T0, &out, NULL), 0);
	assert_true(out.id > 0);
	assert_int_equal(out.created_at, T0);
	assert_int_equal(out.updated_at, T0);
	assert_int_equal(lp_store_room_get(f->s, out.id, &got), 0);
	assert_room_equal(&got, &out);
	assert_string_equal(got.name, "Friday LAN");
	assert_int_equal(got.max_clients, 30);
	assert_int_equal(got.mtu, 1280);
	assert_int_equal(got.bcast_pps, 200);
	assert_int_equal(got.bytes_per_s, 5000000);
	assert_false(got.enabled);
	assert_int_equal(got.expires_at, T0 + 3600);

	/* Names compare without ASCII case. */
	assert_int_equal(lp_store_room_find(f->s, "friday lan", &got), 0);
	assert_int_equal(got.id, out.id);
	assert_int_equal(lp_store_room_find(f->s, "friday", &got), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_room_find(f->s, "", &got), LP_ERR_INVALID);
	assert_int_equal(lp_store_room_get(f->s, out.id + 1, &got), LP_ERR_NOT_FOUND);
	assert_non_null(strstr(lp_store_errmsg(f->s), "not found"));

	/* UTF-8 names and the extreme values are accepted. */
	struct lp_store_room u = room_named("Salle de f\xc3\xaate \xe2\x9c\x93");
	u.max_clients = LP_STORE_MAX_CLIENTS_MAX;
	u.mtu = LP_STORE_MTU_MAX;
	u.bcast_pps = UINT32_MAX;
	u.bytes_per_s = INT64_MAX;
	assert_int_equal(lp_store_room_create(f->s, &u, NULL, 0, T0, &out, NULL), 0);
	assert_int_equal(lp_store_room_get(f->s, out.id, &got), 0);
	assert_string_equal(got.name, u.name);
	assert_int_equal(got.bcast_pps, UINT32_MAX);
	assert_int_equal(got.bytes_per_s, INT64_MAX);
	/* 64 bytes exactly. */
	struct lp_store_room l;
	lp_store_room_defaults(&l);
	memset(l.name, 'x', LP_STORE_NAME_MAX);
	assert_int_equal(lp_store_room_create(f->s, &l, NULL, 0, T0, NULL, NULL), 0);
}

static void test_room_create_invalid(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *name;
		uint32_t max_clients, mtu;
		uint64_t bytes_per_s;
		int64_t expires_at;
	} v[] = {
		{ "", 16, 1500, 0, 0 },
		{ "tab\there", 16, 1500, 0, 0 },
		{ "nl\n", 16, 1500, 0, 0 },
		{ "del\x7f", 16, 1500, 0, 0 },
		{ "bad \xff utf8", 16, 1500, 0, 0 },
		{ "overlong \xc0\xaf", 16, 1500, 0, 0 },
		{ "truncated \xe2\x9c", 16, 1500, 0, 0 },
		{ "surrogate \xed\xa0\x80", 16, 1500, 0, 0 },
		{ "c1 \xc2\x85", 16, 1500, 0, 0 },
		{ "ok", 0, 1500, 0, 0 },
		{ "ok", LP_STORE_MAX_CLIENTS_MAX + 1, 1500, 0, 0 },
		{ "ok", 16, 1279, 0, 0 },
		{ "ok", 16, 9001, 0, 0 },
		{ "ok", 16, 0, 0, 0 },
		{ "ok", 16, 1500, (uint64_t)INT64_MAX + 1, 0 },
		{ "ok", 16, 1500, 0, T0 },
		{ "ok", 16, 1500, 0, T0 - 1 },
		{ "ok", 16, 1500, 0, -1 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_store_room r = room_named(v[i].name);
		r.max_clients = v[i].max_clients;
		r.mtu = v[i].mtu;
		r.bytes_per_s = v[i].bytes_per_s;
		r.expires_at = v[i].expires_at;
		assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL),
				 LP_ERR_INVALID);
		assert_true(lp_store_errmsg(f->s)[0] != '\0');
	}
	/* A name filling the array with no NUL. */
	struct lp_store_room r;
	lp_store_room_defaults(&r);
	memset(r.name, 'x', sizeof(r.name));
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL), LP_ERR_INVALID);
	r = room_named("ok");
	assert_int_equal(lp_store_room_create(f->s, NULL, NULL, 0, T0, NULL, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, 0, NULL, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 1, T0, NULL, NULL), LP_ERR_INVALID);
	size_t n;
	assert_int_equal(lp_store_room_list(f->s, 0, &r, 1, &n), 0);
	assert_int_equal(n, 0);
}

static void test_room_create_duplicate(void **state)
{
	struct fx *f = *state;
	struct lp_store_room r = room_named("party");
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL), 0);
	r = room_named("PARTY");
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL), LP_ERR_EXISTS);
	assert_non_null(strstr(lp_store_errmsg(f->s), "exists"));
}

static void test_room_create_with_codes(void **state)
{
	struct fx *f = *state;
	struct lp_store_room r = room_named("party"), out;
	struct lp_store_code_new codes[] = { fx_code(LP_STORE_ROLE_CLIENT, CODE_A),
					     fx_code(LP_STORE_ROLE_GATEWAY, CODE_B) };
	codes[0].max_uses = 10;
	codes[0].expires_at = T0 + 60;
	int64_t ids[2] = { 0, 0 };
	assert_int_equal(lp_store_room_create(f->s, &r, codes, 2, T0, &out, ids), 0);
	assert_true(ids[0] > 0 && ids[1] > ids[0]);
	struct lp_store_code c;
	assert_int_equal(lp_store_code_lookup(f->s, CODE_A, 32, T0, &c), 0);
	assert_int_equal(c.id, ids[0]);
	assert_int_equal(c.room_id, out.id);
	assert_int_equal(c.role, LP_STORE_ROLE_CLIENT);
	assert_string_equal(c.prefix, "AAAAAAAA");
	assert_int_equal(c.max_uses, 10);
	assert_int_equal(c.uses, 0);
	assert_int_equal(c.expires_at, T0 + 60);
	assert_int_equal(c.revoked_at, 0);
	assert_int_equal(c.created_at, T0);
	assert_int_equal(c.state, LP_STORE_CODE_VALID);
	assert_int_equal(lp_store_code_lookup(f->s, CODE_B, 32, T0, &c), 0);
	assert_int_equal(c.role, LP_STORE_ROLE_GATEWAY);

	/* A code already stored: neither the room nor its other code is created. */
	struct lp_store_room r2 = room_named("second");
	struct lp_store_code_new dup[] = { fx_code(LP_STORE_ROLE_CLIENT, CODE_C),
					   fx_code(LP_STORE_ROLE_GATEWAY, CODE_A) };
	assert_int_equal(lp_store_room_create(f->s, &r2, dup, 2, T0, NULL, NULL), LP_ERR_EXISTS);
	assert_int_equal(lp_store_room_find(f->s, "second", &out), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_code_lookup(f->s, CODE_C, 32, T0, &c), LP_ERR_NOT_FOUND);
	/* The same code twice in one call. */
	struct lp_store_code_new twice[] = { fx_code(LP_STORE_ROLE_CLIENT, CODE_D),
					     fx_code(LP_STORE_ROLE_GATEWAY, CODE_D) };
	assert_int_equal(lp_store_room_create(f->s, &r2, twice, 2, T0, NULL, NULL), LP_ERR_EXISTS);
	assert_int_equal(lp_store_room_find(f->s, "second", &out), LP_ERR_NOT_FOUND);

	/* Invalid codes are refused before anything is written. */
	struct lp_store_code_new bad[] = {
		fx_code(LP_STORE_ROLE_CLIENT, "short"),
		fx_code(LP_STORE_ROLE_CLIENT, "has space in the middle of it!!"),
		fx_code((enum lp_store_role)7, CODE_C),
		{ .role = LP_STORE_ROLE_CLIENT, .code = CODE_C, .len = 32, .expires_at = T0 },
		{ .role = LP_STORE_ROLE_CLIENT, .code = NULL, .len = 32 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lp_store_room_create(f->s, &r2, &bad[i], 1, T0, NULL, NULL),
				 LP_ERR_INVALID);
	assert_int_equal(lp_store_room_find(f->s, "second", &out), LP_ERR_NOT_FOUND);
}

static void test_room_list(void **state)
{
	struct fx *f = *state;
	int64_t ids[5];
	char name[32];
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		ids[i] = fx_room(f, name);
	}
	struct lp_store_room out[2];
	size_t n, total = 0;
	int64_t after = 0;
	do {
		assert_int_equal(lp_store_room_list(f->s, after, out, 2, &n), 0);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(out[k].id, ids[total]);
			snprintf(name, sizeof(name), "r%zu", total);
			assert_string_equal(out[k].name, name);
			total++;
		}
		if (n)
			after = out[n - 1].id;
	} while (n == 2);
	assert_int_equal(total, 5);
	assert_int_equal(lp_store_room_list(f->s, 0, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lp_store_room_list(f->s, 0, NULL, 3, &n), LP_ERR_INVALID);
}

static void test_room_update(void **state)
{
	struct fx *f = *state;
	int64_t id = fx_room(f, "party");
	fx_room(f, "other");
	struct lp_store_room in, out;
	memset(&in, 0, sizeof(in));
	in.mtu = 1400;
	in.bcast_pps = 100;
	assert_int_equal(lp_store_room_update(f->s, id, &in,
					      LP_STORE_ROOM_MTU | LP_STORE_ROOM_BCAST_PPS, T0 + 10,
					      &out),
			 0);
	assert_int_equal(out.mtu, 1400);
	assert_int_equal(out.bcast_pps, 100);
	assert_string_equal(out.name, "party"); /* untouched fields keep their values */
	assert_int_equal(out.max_clients, 16);
	assert_true(out.enabled);
	assert_int_equal(out.created_at, T0);
	assert_int_equal(out.updated_at, T0 + 10);
	struct lp_store_room got;
	assert_int_equal(lp_store_room_get(f->s, id, &got), 0);
	assert_room_equal(&got, &out);

	/* Every field at once. */
	snprintf(in.name, sizeof(in.name), "renamed");
	in.max_clients = 4;
	in.mtu = 9000;
	in.bcast_pps = 0;
	in.bytes_per_s = 1000;
	in.enabled = false;
	in.expires_at = T0 + 100;
	assert_int_equal(lp_store_room_update(f->s, id, &in, LP_STORE_ROOM_ALL, T0 + 20, &out), 0);
	assert_string_equal(out.name, "renamed");
	assert_int_equal(out.max_clients, 4);
	assert_int_equal(out.mtu, 9000);
	assert_int_equal(out.bytes_per_s, 1000);
	assert_false(out.enabled);
	assert_int_equal(out.expires_at, T0 + 100);
	/* Back to "never", and a rename to its own name in other case is fine. */
	in.expires_at = 0;
	snprintf(in.name, sizeof(in.name), "RENAMED");
	assert_int_equal(lp_store_room_update(f->s, id, &in,
					      LP_STORE_ROOM_EXPIRES_AT | LP_STORE_ROOM_NAME,
					      T0 + 30, NULL),
			 0);
	assert_int_equal(lp_store_room_get(f->s, id, &got), 0);
	assert_int_equal(got.expires_at, 0);
	assert_string_equal(got.name, "RENAMED");

	/* Errors leave the room as it was. */
	snprintf(in.name, sizeof(in.name), "Other");
	assert_int_equal(lp_store_room_update(f->s, id, &in, LP_STORE_ROOM_NAME, T0 + 40, NULL),
			 LP_ERR_EXISTS);
	in.mtu = 100;
	assert_int_equal(lp_store_room_update(f->s, id, &in, LP_STORE_ROOM_MTU, T0 + 40, NULL),
			 LP_ERR_INVALID);
	in.expires_at = T0 + 40;
	assert_int_equal(
		lp_store_room_update(f->s, id, &in, LP_STORE_ROOM_EXPIRES_AT, T0 + 40, NULL),
		LP_ERR_INVALID);
	assert_int_equal(lp_store_room_update(f->s, id, &in, 0, T0 + 40, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_room_update(f->s, id, &in, 1u << 7, T0 + 40, NULL),
			 LP_ERR_INVALID);
	assert_int_equal(lp_store_room_update(f->s, id, NULL, LP_STORE_ROOM_MTU, T0 + 40, NULL),
			 LP_ERR_INVALID);
	in.mtu = 1500;
	assert_int_equal(
		lp_store_room_update(f->s, id + 100, &in, LP_STORE_ROOM_MTU, T0 + 40, NULL),
		LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_room_get(f->s, id, &out), 0);
	assert_room_equal(&got, &out);
	/* A field not being set is not validated (e.g. an expiry already past). */
	in.mtu = 1300;
	assert_int_equal(lp_store_room_update(f->s, id, &in, LP_STORE_ROOM_MTU, T0 + 50, &out), 0);
}

static void test_room_delete_cascades(void **state)
{
	struct fx *f = *state;
	struct lp_store_room r = room_named("party"), out;
	struct lp_store_code_new codes[] = { fx_code(LP_STORE_ROLE_CLIENT, CODE_A) };
	assert_int_equal(lp_store_room_create(f->s, &r, codes, 1, T0, &out, NULL), 0);
	int64_t keep = fx_room(f, "keep");
	struct lp_store_ban b = { .room_id = out.id, .addr = "192.0.2.7" };
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), 0);
	b.room_id = keep;
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), 0);
	struct lp_store_session se = { .room_id = out.id,
				       .role = LP_STORE_ROLE_GATEWAY,
				       .addr = "2001:db8::1",
				       .joined_at = T0 };
	int64_t sid;
	assert_int_equal(lp_store_session_start(f->s, &se, &sid), 0);
	struct lp_store_counter c[] = { { "up_unicast_frames", 1 } };
	struct lp_store_room_counters rc = { out.id, c, 1 };
	struct lp_store_sample smp = { .room_id = out.id, .minute = T0 };
	struct lp_store_flush_batch fb = {
		.now = T0, .rooms = &rc, .nrooms = 1, .samples = &smp, .nsamples = 1
	};
	assert_int_equal(lp_store_flush(f->s, &fb), 0);

	assert_int_equal(lp_store_room_delete(f->s, out.id), 0);
	assert_int_equal(lp_store_room_get(f->s, out.id, &r), LP_ERR_NOT_FOUND);
	struct lp_store_code code;
	assert_int_equal(lp_store_code_lookup(f->s, CODE_A, 32, T0, &code), LP_ERR_NOT_FOUND);
	size_t n;
	struct lp_store_ban bans[2];
	assert_int_equal(lp_store_ban_list(f->s, out.id, 0, bans, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lp_store_ban_list(f->s, keep, 0, bans, 2, &n), 0);
	assert_int_equal(n, 1); /* the other room's ban stays */
	struct lp_store_session ses;
	assert_int_equal(lp_store_session_list(f->s, out.id, 0, &ses, 1, &n), 0);
	assert_int_equal(n, 0);
	struct lp_store_counter_value cv;
	assert_int_equal(lp_store_counter_list(f->s, out.id, "", &cv, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lp_store_history(f->s, out.id, 0, INT64_MAX, &smp, 1, &n), 0);
	assert_int_equal(n, 0);
	/* The code is free again, and ids are not reused. */
	int64_t id2;
	assert_int_equal(lp_store_code_create(f->s, keep, &codes[0], T0, &id2), 0);
	assert_int_equal(lp_store_room_delete(f->s, out.id), LP_ERR_NOT_FOUND);
	assert_true(fx_room(f, "party") > keep);
}

/* ---------------------------------------------------------------- codes */

static void test_code_create_errors(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_code_new c = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	int64_t id = 0;
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, &id), 0);
	assert_true(id > 0);
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, NULL), LP_ERR_EXISTS);
	c = fx_code(LP_STORE_ROLE_CLIENT, CODE_B);
	assert_int_equal(lp_store_code_create(f->s, room + 1, &c, T0, NULL), LP_ERR_NOT_FOUND);
	assert_non_null(strstr(lp_store_errmsg(f->s), "room"));
	assert_int_equal(lp_store_code_create(f->s, room, NULL, T0, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_code_create(f->s, room, &c, 0, NULL), LP_ERR_INVALID);
	c.len = 15;
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, NULL), LP_ERR_INVALID);
	c.len = 65;
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, NULL), LP_ERR_INVALID);
	c = fx_code(LP_STORE_ROLE_CLIENT, CODE_B);
	c.expires_at = T0;
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, NULL), LP_ERR_INVALID);
	/* Minimum length code: prefix still 8. */
	c = fx_code(LP_STORE_ROLE_GATEWAY, "0123456789abcdef");
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, &id), 0);
	struct lp_store_code got;
	assert_int_equal(lp_store_code_lookup(f->s, "0123456789abcdef", 16, T0, &got), 0);
	assert_string_equal(got.prefix, "01234567");
	assert_int_equal(got.role, LP_STORE_ROLE_GATEWAY);
}

static void test_code_lookup_states(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_code_new a = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	struct lp_store_code_new b = fx_code(LP_STORE_ROLE_CLIENT, CODE_B);
	struct lp_store_code_new c = fx_code(LP_STORE_ROLE_CLIENT, CODE_C);
	struct lp_store_code_new d = fx_code(LP_STORE_ROLE_CLIENT, CODE_D);
	b.expires_at = T0 + 100;
	c.max_uses = 2;
	d.expires_at = T0 + 100;
	int64_t ida, idb, idc, idd;
	assert_int_equal(lp_store_code_create(f->s, room, &a, T0, &ida), 0);
	assert_int_equal(lp_store_code_create(f->s, room, &b, T0, &idb), 0);
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, &idc), 0);
	assert_int_equal(lp_store_code_create(f->s, room, &d, T0, &idd), 0);

	/* valid */
	assert_int_equal(code_state(f, CODE_A, T0), LP_STORE_CODE_VALID);
	/* expired: the expiry second itself is already expired */
	assert_int_equal(code_state(f, CODE_B, T0 + 99), LP_STORE_CODE_VALID);
	assert_int_equal(code_state(f, CODE_B, T0 + 100), LP_STORE_CODE_EXPIRED);
	/* exhausted */
	assert_int_equal(lp_store_code_use(f->s, idc, T0), 0);
	assert_int_equal(code_state(f, CODE_C, T0), LP_STORE_CODE_VALID);
	assert_int_equal(lp_store_code_use(f->s, idc, T0), 0);
	assert_int_equal(code_state(f, CODE_C, T0), LP_STORE_CODE_EXHAUSTED);
	struct lp_store_code got;
	assert_int_equal(lp_store_code_lookup(f->s, CODE_C, 32, T0, &got), 0);
	assert_int_equal(got.uses, 2);
	/* revoked, and revoked wins over expired */
	assert_int_equal(lp_store_code_revoke(f->s, ida, T0 + 1), 0);
	assert_int_equal(code_state(f, CODE_A, T0 + 1), LP_STORE_CODE_REVOKED);
	assert_int_equal(lp_store_code_revoke(f->s, idd, T0 + 1), 0);
	assert_int_equal(code_state(f, CODE_D, T0 + 500), LP_STORE_CODE_REVOKED);
	assert_int_equal(lp_store_code_lookup(f->s, CODE_A, 32, T0, &got), 0);
	assert_int_equal(got.revoked_at, T0 + 1);

	/* unknown, malformed */
	assert_int_equal(
		lp_store_code_lookup(f->s, "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", 32, T0, &got),
		LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_code_lookup(f->s, "short", 5, T0, &got), LP_ERR_INVALID);
	assert_int_equal(lp_store_code_lookup(f->s, NULL, 32, T0, &got), LP_ERR_INVALID);
	assert_int_equal(
		lp_store_code_lookup(f->s, "AAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAA", 32, T0, &got),
		LP_ERR_INVALID);
}

static void test_code_use(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_code_new a = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	struct lp_store_code_new b = fx_code(LP_STORE_ROLE_GATEWAY, CODE_B);
	a.max_uses = 1;
	b.expires_at = T0 + 10;
	int64_t ida, idb, idc;
	assert_int_equal(lp_store_code_create(f->s, room, &a, T0, &ida), 0);
	assert_int_equal(lp_store_code_create(f->s, room, &b, T0, &idb), 0);
	struct lp_store_code_new c = fx_code(LP_STORE_ROLE_CLIENT, CODE_C);
	assert_int_equal(lp_store_code_create(f->s, room, &c, T0, &idc), 0);

	assert_int_equal(lp_store_code_use(f->s, ida, T0), 0);
	assert_int_equal(lp_store_code_use(f->s, ida, T0), LP_ERR_STATE);
	assert_non_null(strstr(lp_store_errmsg(f->s), "exhausted"));
	assert_int_equal(lp_store_code_use(f->s, idb, T0 + 9), 0);
	assert_int_equal(lp_store_code_use(f->s, idb, T0 + 10), LP_ERR_STATE);
	assert_non_null(strstr(lp_store_errmsg(f->s), "expired"));
	for (int i = 0; i < 100; i++) /* unlimited */
		assert_int_equal(lp_store_code_use(f->s, idc, T0), 0);
	assert_int_equal(lp_store_code_revoke(f->s, idc, T0), 0);
	assert_int_equal(lp_store_code_use(f->s, idc, T0), LP_ERR_STATE);
	assert_non_null(strstr(lp_store_errmsg(f->s), "revoked"));
	struct lp_store_code got;
	assert_int_equal(lp_store_code_lookup(f->s, CODE_C, 32, T0, &got), 0);
	assert_int_equal(got.uses, 100);
	assert_int_equal(lp_store_code_use(f->s, idc + 100, T0), LP_ERR_NOT_FOUND);
}

static void test_code_revoke(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_code_new a = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	int64_t id;
	assert_int_equal(lp_store_code_create(f->s, room, &a, T0, &id), 0);
	assert_int_equal(lp_store_code_revoke(f->s, id, T0 + 5), 0);
	assert_int_equal(lp_store_code_revoke(f->s, id, T0 + 6), LP_ERR_STATE);
	assert_int_equal(lp_store_code_revoke(f->s, id + 1, T0 + 6), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_code_revoke(f->s, id, 0), LP_ERR_INVALID);
	struct lp_store_code got;
	assert_int_equal(lp_store_code_lookup(f->s, CODE_A, 32, T0 + 7, &got), 0);
	assert_int_equal(got.revoked_at, T0 + 5); /* the first revocation stands */
}

static void test_code_rotate(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), other = fx_room(f, "other");
	struct lp_store_code_new a = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	struct lp_store_code_new b = fx_code(LP_STORE_ROLE_GATEWAY, CODE_B);
	struct lp_store_code_new o = fx_code(LP_STORE_ROLE_CLIENT, "other-room-code-0123456789");
	assert_int_equal(lp_store_code_create(f->s, room, &a, T0, NULL), 0);
	assert_int_equal(lp_store_code_create(f->s, room, &b, T0, NULL), 0);
	assert_int_equal(lp_store_code_create(f->s, other, &o, T0, NULL), 0);

	/* Client role only: the gateway code and the other room are untouched. */
	struct lp_store_code_new c = fx_code(LP_STORE_ROLE_CLIENT, CODE_C);
	int64_t idc = 0;
	assert_int_equal(lp_store_code_rotate(f->s, room, &c, 1, T0 + 1, &idc), 0);
	assert_true(idc > 0);
	assert_int_equal(code_state(f, CODE_A, T0 + 1), LP_STORE_CODE_REVOKED);
	assert_int_equal(code_state(f, CODE_B, T0 + 1), LP_STORE_CODE_VALID);
	assert_int_equal(code_state(f, CODE_C, T0 + 1), LP_STORE_CODE_VALID);
	assert_int_equal(code_state(f, "other-room-code-0123456789", T0 + 1), LP_STORE_CODE_VALID);

	/* Both roles at once. */
	struct lp_store_code_new both[] = { fx_code(LP_STORE_ROLE_CLIENT, CODE_D),
					    fx_code(LP_STORE_ROLE_GATEWAY,
						    "new-gateway-code-0123456789") };
	int64_t ids[2];
	assert_int_equal(lp_store_code_rotate(f->s, room, both, 2, T0 + 2, ids), 0);
	assert_int_equal(code_state(f, CODE_B, T0 + 2), LP_STORE_CODE_REVOKED);
	assert_int_equal(code_state(f, CODE_C, T0 + 2), LP_STORE_CODE_REVOKED);
	assert_int_equal(code_state(f, CODE_D, T0 + 2), LP_STORE_CODE_VALID);
	assert_int_equal(code_state(f, "new-gateway-code-0123456789", T0 + 2), LP_STORE_CODE_VALID);

	/* A failure (duplicate code) undoes the revocations too. */
	struct lp_store_code_new dup = fx_code(LP_STORE_ROLE_CLIENT, CODE_A);
	assert_int_equal(lp_store_code_rotate(f->s, room, &dup, 1, T0 + 3, NULL), LP_ERR_EXISTS);
	assert_int_equal(code_state(f, CODE_D, T0 + 3), LP_STORE_CODE_VALID);
	/* No such room: nothing revoked anywhere. */
	struct lp_store_code_new e = fx_code(LP_STORE_ROLE_CLIENT, "EEEEEEEEEEEEEEEEEEEEEEEE");
	assert_int_equal(lp_store_code_rotate(f->s, other + 10, &e, 1, T0 + 3, NULL),
			 LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_code_rotate(f->s, room, &e, 0, T0 + 3, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_code_rotate(f->s, room, NULL, 1, T0 + 3, NULL), LP_ERR_INVALID);
	e.len = 3;
	assert_int_equal(lp_store_code_rotate(f->s, room, &e, 1, T0 + 3, NULL), LP_ERR_INVALID);
	assert_int_equal(code_state(f, CODE_D, T0 + 3), LP_STORE_CODE_VALID);
}

static void test_code_list(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), other = fx_room(f, "other");
	const char *codes[] = { CODE_A, CODE_B, CODE_C };
	for (int i = 0; i < 3; i++) {
		struct lp_store_code_new c =
			fx_code(i == 1 ? LP_STORE_ROLE_GATEWAY : LP_STORE_ROLE_CLIENT, codes[i]);
		c.expires_at = i == 2 ? T0 + 5 : 0;
		assert_int_equal(lp_store_code_create(f->s, room, &c, T0, NULL), 0);
	}
	struct lp_store_code_new d = fx_code(LP_STORE_ROLE_CLIENT, CODE_D);
	assert_int_equal(lp_store_code_create(f->s, other, &d, T0, NULL), 0);
	struct lp_store_code out[4];
	size_t n;
	assert_int_equal(lp_store_code_list(f->s, room, 0, T0 + 10, out, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].prefix, "AAAAAAAA");
	assert_int_equal(out[1].role, LP_STORE_ROLE_GATEWAY);
	assert_int_equal(out[2].state, LP_STORE_CODE_EXPIRED);
	assert_int_equal(lp_store_code_list(f->s, room, out[0].id, T0, out, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].prefix, "BBBBBBBB");
	assert_int_equal(lp_store_code_list(f->s, room, 0, T0, NULL, 1, &n), LP_ERR_INVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_defaults),
		T(test_room_create_get),
		T(test_room_create_invalid),
		T(test_room_create_duplicate),
		T(test_room_create_with_codes),
		T(test_room_list),
		T(test_room_update),
		T(test_room_delete_cascades),
		T(test_code_create_errors),
		T(test_code_lookup_states),
		T(test_code_use),
		T(test_code_revoke),
		T(test_code_rotate),
		T(test_code_list),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
