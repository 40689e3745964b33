/* Unit tests for relay/store_access.c: admin tokens, addresses and bans, on a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_fixture.h"

#define TOK_A "lpa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define TOK_B "lpa_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

static int verify(struct fx *f, const char *tok, int64_t now, int64_t *id)
{
	return lp_store_token_verify(f->s, tok, strlen(tok), now, id);
}

/* ---------------------------------------------------------------- tokens */

static void test_token_valid(void **state)
{
	(void)state;
	static const struct {
		const char *t;
		bool ok;
	} v[] = {
		{ "abcdefghijklmnop", true },	       { "abcdefghijklmno", false },
		{ "A-._~+/=0123456789abcdef", true },  { "abcdefghijklmnop qrs", false },
		{ "abcdefghijklmnop\"", false },       { "abcdefghijklmnop:", false },
		{ "abcdefghijklmnop\xc3\xa9", false }, { "", false },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_store_token_valid(v[i].t, strlen(v[i].t)), v[i].ok);
	char big[LP_STORE_TOKEN_MAX + 1];
	memset(big, 'a', sizeof(big));
	assert_true(lp_store_token_valid(big, LP_STORE_TOKEN_MAX));
	assert_false(lp_store_token_valid(big, LP_STORE_TOKEN_MAX + 1));
	assert_false(lp_store_token_valid(NULL, 20));
}

static void test_token_lifecycle(void **state)
{
	struct fx *f = *state;
	size_t n;
	assert_int_equal(lp_store_token_count(f->s, &n), 0);
	assert_int_equal(n, 0); /* first start: the relay generates one */
	int64_t ida = 0, idb = 0, id = 0;
	assert_int_equal(lp_store_token_create(f->s, "first", TOK_A, strlen(TOK_A), T0, &ida), 0);
	assert_int_equal(lp_store_token_create(f->s, "ci bot", TOK_B, strlen(TOK_B), T0, &idb), 0);
	assert_true(ida > 0 && idb > ida);
	assert_int_equal(lp_store_token_count(f->s, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(verify(f, TOK_A, T0 + 1, &id), 0);
	assert_int_equal(id, ida);
	assert_int_equal(verify(f, TOK_B, T0 + 1, &id), 0);
	assert_int_equal(id, idb);

	struct lp_store_token t[3];
	assert_int_equal(lp_store_token_list(f->s, 0, t, 3, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].id, ida);
	assert_string_equal(t[0].name, "first");
	assert_string_equal(t[0].prefix, "lpa_AAAA");
	assert_int_equal(t[0].created_at, T0);
	assert_int_equal(t[0].last_used_at, T0 + 1);
	assert_int_equal(t[0].revoked_at, 0);
	assert_string_equal(t[1].name, "ci bot");
	assert_int_equal(lp_store_token_list(f->s, ida, t, 3, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].id, idb);

	assert_int_equal(lp_store_token_revoke(f->s, ida, T0 + 2), 0);
	assert_int_equal(verify(f, TOK_A, T0 + 3, &id), LP_ERR_STATE);
	assert_non_null(strstr(lp_store_errmsg(f->s), "revoked"));
	assert_int_equal(verify(f, TOK_B, T0 + 3, &id), 0);
	assert_int_equal(lp_store_token_count(f->s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lp_store_token_revoke(f->s, ida, T0 + 4), LP_ERR_STATE);
	assert_int_equal(lp_store_token_revoke(f->s, idb + 1, T0 + 4), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_token_revoke(f->s, idb, 0), LP_ERR_INVALID);
	assert_int_equal(lp_store_token_list(f->s, 0, t, 3, &n), 0);
	assert_int_equal(t[0].revoked_at, T0 + 2);
	assert_int_equal(lp_store_token_list(f->s, 0, NULL, 3, &n), LP_ERR_INVALID);
}

static void test_token_touch_lazy(void **state)
{
	struct fx *f = *state;
	int64_t id;
	struct lp_store_token t;
	size_t n;
	assert_int_equal(lp_store_token_create(f->s, "a", TOK_A, strlen(TOK_A), T0, NULL), 0);
	assert_int_equal(lp_store_token_list(f->s, 0, &t, 1, &n), 0);
	assert_int_equal(t.last_used_at, 0);
	static const struct {
		int64_t now, expect;
	} steps[] = {
		{ T0 + 100, T0 + 100 },				/* first use is written */
		{ T0 + 120, T0 + 100 },				/* within a minute: not rewritten */
		{ T0 + 159, T0 + 100 }, { T0 + 160, T0 + 160 }, /* a minute later: written */
		{ T0 + 10, T0 + 10 },				/* the clock went back: written */
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(verify(f, TOK_A, steps[i].now, &id), 0);
		assert_int_equal(lp_store_token_list(f->s, 0, &t, 1, &n), 0);
		assert_int_equal(t.last_used_at, steps[i].expect);
	}
}

static void test_token_errors(void **state)
{
	struct fx *f = *state;
	int64_t id;
	assert_int_equal(lp_store_token_create(f->s, "a", TOK_A, strlen(TOK_A), T0, NULL), 0);
	assert_int_equal(lp_store_token_create(f->s, "b", TOK_A, strlen(TOK_A), T0, NULL),
			 LP_ERR_EXISTS);
	assert_int_equal(lp_store_token_create(f->s, "", TOK_B, strlen(TOK_B), T0, NULL),
			 LP_ERR_INVALID);
	assert_int_equal(lp_store_token_create(f->s, NULL, TOK_B, strlen(TOK_B), T0, NULL),
			 LP_ERR_INVALID);
	assert_int_equal(lp_store_token_create(f->s, "x\x01", TOK_B, strlen(TOK_B), T0, NULL),
			 LP_ERR_INVALID);
	char longname[LP_STORE_NAME_MAX + 2];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(lp_store_token_create(f->s, longname, TOK_B, strlen(TOK_B), T0, NULL),
			 LP_ERR_INVALID);
	longname[LP_STORE_NAME_MAX] = '\0';
	assert_int_equal(lp_store_token_create(f->s, longname, TOK_B, strlen(TOK_B), T0, NULL), 0);
	assert_int_equal(lp_store_token_create(f->s, "a", "short", 5, T0, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_token_create(f->s, "a", NULL, 20, T0, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_token_create(f->s, "a", "lpa_CCCCCCCCCCCCCCCCCCCC", 24, 0, NULL),
			 LP_ERR_INVALID);

	assert_int_equal(verify(f, "lpa_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", T0, &id),
			 LP_ERR_NOT_FOUND);
	assert_int_equal(verify(f, "bad token with spaces", T0, &id), LP_ERR_INVALID);
	assert_int_equal(verify(f, TOK_A, 0, &id), LP_ERR_INVALID);
	/* A prefix or an extension of a token is not the token. */
	assert_int_equal(lp_store_token_verify(f->s, TOK_A, strlen(TOK_A) - 1, T0, &id),
			 LP_ERR_NOT_FOUND);
	assert_int_equal(verify(f, TOK_A "x", T0, &id), LP_ERR_NOT_FOUND);
}

/* ---------------------------------------------------------------- addresses */

static void test_addr_canon(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "192.0.2.1", "192.0.2.1" },
		{ "::ffff:192.0.2.1", "192.0.2.1" },
		{ "::FFFF:c000:0201", "192.0.2.1" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "::1", "::1" },
		{ "fe80::1", "fe80::1" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "192.0.2.1:443", NULL },
		{ "[2001:db8::1]", NULL },
		{ "fe80::1%eth0", NULL },
		{ "192.0.2", NULL },
		{ "192.0.2.256", NULL },
		{ "host.example", NULL },
		{ " 192.0.2.1", NULL },
		{ "", NULL },
	};
	char out[LP_STORE_ADDR_MAX];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int ret = lp_store_addr_canon(v[i].in, out);
		if (v[i].out) {
			assert_int_equal(ret, 0);
			assert_string_equal(out, v[i].out);
		} else {
			assert_int_equal(ret, LP_ERR_INVALID);
		}
	}
	assert_int_equal(lp_store_addr_canon(NULL, out), LP_ERR_INVALID);
	char longs[LP_STORE_ADDR_MAX + 4];
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_int_equal(lp_store_addr_canon(longs, out), LP_ERR_INVALID);
}

/* ---------------------------------------------------------------- bans */

static int64_t ban(struct fx *f, int64_t room, const struct lp_mac *mac, const char *addr,
		   int64_t expires_at)
{
	struct lp_store_ban b = { .room_id = room, .expires_at = expires_at };
	int64_t id = 0;
	if (mac) {
		b.has_mac = true;
		b.mac = *mac;
	}
	if (addr)
		snprintf(b.addr, sizeof(b.addr), "%s", addr);
	snprintf(b.reason, sizeof(b.reason), "test");
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, &id), 0);
	return id;
}

static int64_t check(struct fx *f, int64_t room, const struct lp_mac *mac, const char *addr,
		     int64_t now)
{
	int64_t id = -1;
	assert_int_equal(lp_store_ban_check(f->s, room, mac, addr, now, &id), 0);
	return id;
}

static void test_ban_matching(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), other = fx_room(f, "other");
	struct lp_mac m1 = fx_mac(1), m2 = fx_mac(2), m3 = fx_mac(3), m4 = fx_mac(4);
	int64_t by_mac = ban(f, room, &m1, NULL, 0);
	int64_t by_addr = ban(f, room, NULL, "192.0.2.10", 0);
	int64_t by_both = ban(f, room, &m2, "2001:db8::2", 0);
	int64_t global = ban(f, 0, &m3, NULL, 0);
	int64_t expiring = ban(f, room, &m4, NULL, T0 + 60);

	static const struct {
		int mac;	  /* 0 = none, else fx_mac(n) */
		const char *addr; /* NULL = none */
		int64_t now;
		int which; /* 0 none, 1 by_mac, 2 by_addr, 3 by_both, 4 global, 5 expiring */
	} v[] = {
		{ 1, NULL, T0, 1 },
		{ 1, "198.51.100.1", T0, 1 },	   /* the MAC alone suffices */
		{ 9, "192.0.2.10", T0, 2 },	   /* the address alone suffices */
		{ 0, "192.0.2.10", T0, 2 },	   /* a gateway has no MAC */
		{ 0, "::ffff:192.0.2.10", T0, 2 }, /* from a dual-stack socket */
		{ 2, NULL, T0, 3 },		   /* both-ban: MAC matches */
		{ 9, "2001:DB8:0::2", T0, 3 },	   /* both-ban: address matches (any spelling) */
		{ 2, "2001:db8::2", T0, 3 },
		{ 3, NULL, T0, 4 }, /* every-room ban */
		{ 4, NULL, T0 + 59, 5 },
		{ 4, NULL, T0 + 60, 0 }, /* expired bans do not count */
		{ 9, "192.0.2.11", T0, 0 },
		{ 9, NULL, T0, 0 },
		{ 0, NULL, T0, 0 },
		{ 0, "", T0, 0 },
	};
	const int64_t ids[] = { 0, by_mac, by_addr, by_both, global, expiring };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_mac m = fx_mac((uint8_t)v[i].mac);
		int64_t got = check(f, room, v[i].mac ? &m : NULL, v[i].addr, v[i].now);
		if (got != ids[v[i].which])
			fail_msg("case %zu: ban %lld, expected %lld", i, (long long)got,
				 (long long)ids[v[i].which]);
	}
	/* Another room sees only the every-room ban. */
	assert_int_equal(check(f, other, &m1, "192.0.2.10", T0), 0);
	assert_int_equal(check(f, other, &m3, NULL, T0), global);
	/* The oldest of several matching bans. */
	int64_t later = ban(f, room, &m1, "203.0.113.5", 0);
	assert_int_equal(check(f, room, &m1, "203.0.113.5", T0), by_mac);
	assert_int_equal(lp_store_ban_delete(f->s, by_mac), 0);
	assert_int_equal(check(f, room, &m1, NULL, T0), later);
	int64_t id;
	assert_int_equal(lp_store_ban_check(f->s, room, NULL, "not-an-ip", T0, &id),
			 LP_ERR_INVALID);
	assert_int_equal(id, 0);
}

static void test_ban_crud(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_mac m = { { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee } };
	struct lp_store_ban in = { .room_id = room,
				   .has_mac = true,
				   .mac = m,
				   .addr = "::ffff:198.51.100.7",
				   .reason = "spamming broadcasts",
				   .expires_at = T0 + 3600 };
	int64_t id;
	assert_int_equal(lp_store_ban_add(f->s, &in, T0, &id), 0);
	struct lp_store_ban got;
	assert_int_equal(lp_store_ban_get(f->s, id, &got), 0);
	assert_int_equal(got.id, id);
	assert_int_equal(got.room_id, room);
	assert_true(got.has_mac);
	assert_memory_equal(&got.mac, &m, sizeof(m));
	assert_string_equal(got.addr, "198.51.100.7"); /* stored canonical */
	assert_string_equal(got.reason, "spamming broadcasts");
	assert_int_equal(got.created_at, T0);
	assert_int_equal(got.expires_at, T0 + 3600);
	int64_t id2 = ban(f, room, NULL, "198.51.100.8", 0);
	int64_t idg = ban(f, 0, NULL, "198.51.100.9", 0);
	assert_int_equal(lp_store_ban_get(f->s, id2, &got), 0);
	assert_false(got.has_mac);
	assert_int_equal(got.expires_at, 0);

	struct lp_store_ban list[4];
	size_t n;
	assert_int_equal(lp_store_ban_list(f->s, room, 0, list, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id);
	assert_int_equal(list[1].id, id2);
	assert_int_equal(lp_store_ban_list(f->s, room, id, list, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lp_store_ban_list(f->s, 0, 0, list, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, idg);
	assert_int_equal(list[0].room_id, 0);

	assert_int_equal(lp_store_ban_delete(f->s, id), 0);
	assert_int_equal(lp_store_ban_delete(f->s, id), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_ban_get(f->s, id, &got), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_ban_list(f->s, room, 0, list, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lp_store_ban_list(f->s, room, 0, NULL, 4, &n), LP_ERR_INVALID);
}

static void test_ban_errors(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_ban b = { .room_id = room, .addr = "192.0.2.1" };
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), 0);
	/* Same room and address, in another spelling. */
	snprintf(b.addr, sizeof(b.addr), "::ffff:192.0.2.1");
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), LP_ERR_EXISTS);
	/* The same address with a MAC, or in another room, is another ban. */
	b.has_mac = true;
	b.mac = fx_mac(1);
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), 0);
	b.has_mac = false;
	b.room_id = 0;
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), 0);
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), LP_ERR_EXISTS);

	b.room_id = room + 100;
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), LP_ERR_NOT_FOUND);
	b.room_id = -1;
	assert_int_equal(lp_store_ban_add(f->s, &b, T0, NULL), LP_ERR_INVALID);

	struct lp_store_ban bad[7];
	memset(bad, 0, sizeof(bad));
	for (size_t i = 0; i < 7; i++)
		bad[i].room_id = room;
	/* 0: neither MAC nor address */
	bad[1].has_mac = true; /* 1: zero MAC */
	bad[2].has_mac = true; /* 2: multicast MAC */
	bad[2].mac = (struct lp_mac){ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	snprintf(bad[3].addr, sizeof(bad[3].addr), "192.0.2.1:80"); /* 3: port */
	snprintf(bad[4].addr, sizeof(bad[4].addr), "192.0.2.4");    /* 4: past expiry */
	bad[4].expires_at = T0;
	snprintf(bad[5].addr, sizeof(bad[5].addr), "192.0.2.5"); /* 5: control char in reason */
	snprintf(bad[5].reason, sizeof(bad[5].reason), "bad\x1b[31m");
	memset(bad[6].addr, '1', sizeof(bad[6].addr)); /* 6: no NUL */
	for (size_t i = 0; i < 7; i++)
		if (lp_store_ban_add(f->s, &bad[i], T0, NULL) != LP_ERR_INVALID)
			fail_msg("bad ban %zu accepted", i);
	assert_int_equal(lp_store_ban_add(f->s, NULL, T0, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_ban_add(f->s, &b, 0, NULL), LP_ERR_INVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_valid),
		T(test_token_lifecycle),
		T(test_token_touch_lazy),
		T(test_token_errors),
		cmocka_unit_test(test_addr_canon),
		T(test_ban_matching),
		T(test_ban_crud),
		T(test_ban_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
