/* Unit tests for relay/fdb.c: the forwarding database. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fdb.h"

#define SEC 1000000000ull

static struct lp_mac mac_n(uint32_t n)
{
	struct lp_mac m = { { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			      (uint8_t)n } };
	return m;
}

static void test_init_limits(void **state)
{
	(void)state;
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, 0), LP_ERR_INVALID);
	assert_int_equal(lp_fdb_init(&t, (1u << 20) + 1), LP_ERR_INVALID);
	assert_int_equal(lp_fdb_init(&t, 10), 0);
	lp_fdb_free(&t);
	lp_fdb_free(&t);
}

static void test_learn_lookup_age(void **state)
{
	(void)state;
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, 64), 0);
	struct lp_mac a = mac_n(1), b = mac_n(2);
	assert_int_equal(lp_fdb_lookup(&t, &a, 0), 0);
	assert_int_equal(lp_fdb_learn(&t, &a, 7, NULL, 10 * SEC), 0);
	assert_int_equal(lp_fdb_lookup(&t, &a, 10 * SEC), 7);
	assert_int_equal(lp_fdb_lookup(&t, &b, 10 * SEC), 0);
	int x;
	assert_int_equal(lp_fdb_learn(&t, &b, 9, &x, 10 * SEC), 0);
	assert_ptr_equal(lp_fdb_lookup_ref(&t, &b, 10 * SEC), &x);
	assert_null(lp_fdb_lookup_ref(&t, &a, 10 * SEC));
	assert_null(lp_fdb_lookup_ref(&t, &b, 400 * SEC));
	assert_int_equal(lp_fdb_forget_member(&t, 9), 1);
	/* still there at exactly the age limit, gone after */
	assert_int_equal(lp_fdb_lookup(&t, &a, 310 * SEC), 7);
	assert_int_equal(lp_fdb_lookup(&t, &a, 311 * SEC), 0);
	/* refreshed by learning again; moves to another member */
	assert_int_equal(lp_fdb_learn(&t, &a, 8, NULL, 400 * SEC), 0);
	assert_int_equal(lp_fdb_lookup(&t, &a, 401 * SEC), 8);
	assert_int_equal(t.used, 1);
	assert_int_equal(lp_fdb_sweep(&t, 800 * SEC), 1);
	assert_int_equal(t.used, 0);
	lp_fdb_free(&t);
}

static void test_pinned(void **state)
{
	(void)state;
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, 64), 0);
	struct lp_mac a = mac_n(1);
	assert_int_equal(lp_fdb_learn(&t, &a, 1, NULL, 0), 0);
	/* pinning takes over a learned entry */
	assert_int_equal(lp_fdb_pin(&t, &a, 5, NULL), 0);
	assert_int_equal(lp_fdb_lookup(&t, &a, 1000000 * SEC), 5); /* never ages */
	assert_int_equal(lp_fdb_learn(&t, &a, 1, NULL, 0), LP_ERR_EXISTS);
	assert_int_equal(lp_fdb_pin(&t, &a, 6, NULL), LP_ERR_EXISTS);
	assert_int_equal(lp_fdb_learn(&t, &a, 5, NULL, 0), 0); /* its owner may send */
	assert_int_equal(lp_fdb_pin(&t, &a, 5, NULL), 0);
	assert_int_equal(lp_fdb_sweep(&t, 1000000 * SEC), 0);
	assert_int_equal(lp_fdb_forget_member(&t, 5), 1);
	assert_int_equal(lp_fdb_lookup(&t, &a, 0), 0);
	assert_int_equal(lp_fdb_pin(&t, &a, 6, NULL), 0);
	lp_fdb_free(&t);
}

static void test_full_table(void **state)
{
	(void)state;
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, 100), 0);
	size_t learned = 0;
	int r = 0;
	for (uint32_t i = 1; i < 100000 && r == 0; i++) {
		struct lp_mac m = mac_n(i);
		r = lp_fdb_learn(&t, &m, 1, NULL, 0);
		if (r == 0)
			learned++;
	}
	assert_int_equal(r, LP_ERR_LIMIT);
	assert_true(learned >= 100);
	assert_int_equal(t.used, learned);
	struct lp_mac extra = mac_n(999999);
	assert_int_equal(lp_fdb_pin(&t, &extra, 2, NULL), LP_ERR_LIMIT);
	/* existing entries still refresh when full */
	struct lp_mac first = mac_n(1);
	assert_int_equal(lp_fdb_learn(&t, &first, 3, NULL, 0), 0);
	lp_fdb_free(&t);
}

/* A table starts at 16 slots and doubles as MACs arrive, keeping every entry. */
static void test_growth(void **state)
{
	(void)state;
	struct lp_fdb t;
	static int refs[6144];
	assert_int_equal(lp_fdb_init(&t, 4096), 0);
	assert_int_equal(t.mask + 1, 16);
	assert_int_equal(t.max_mask + 1, 8192);
	assert_int_equal(t.max_used, 6144);
	for (uint32_t i = 0; i < 12; i++) {
		struct lp_mac m = mac_n(i + 1);
		assert_int_equal(lp_fdb_learn(&t, &m, i + 1, &refs[i], SEC), 0);
	}
	assert_int_equal(t.mask + 1, 16); /* 12 = 3/4 of 16: not grown yet */
	struct lp_mac pinned = mac_n(12 + 1);
	assert_int_equal(lp_fdb_pin(&t, &pinned, 13, &refs[12]), 0); /* a pin grows it too */
	assert_int_equal(t.mask + 1, 32);
	size_t cap = t.mask + 1;
	uint32_t n = 13;
	for (; n < 6144; n++) {
		struct lp_mac m = mac_n(n + 1);
		assert_int_equal(lp_fdb_learn(&t, &m, n + 1, &refs[n], SEC), 0);
		if (t.mask + 1 != cap) {
			/* doubled exactly when the load passed 3/4 */
			assert_int_equal(t.mask + 1, cap * 2);
			assert_int_equal(n, cap / 4 * 3);
			cap *= 2;
		}
		assert_true(t.used <= t.grow_at);
	}
	assert_int_equal(t.mask + 1, 8192);
	assert_int_equal(t.used, 6144);
	/* every entry survived every rehash, the pin included */
	for (uint32_t i = 0; i < 6144; i++) {
		struct lp_mac m = mac_n(i + 1);
		assert_int_equal(lp_fdb_lookup(&t, &m, 2 * SEC), i + 1);
		assert_ptr_equal(lp_fdb_lookup_ref(&t, &m, 2 * SEC), &refs[i]);
	}
	assert_int_equal(lp_fdb_lookup(&t, &pinned, 1000 * SEC), 13);
	struct lp_mac more = mac_n(100000);
	assert_int_equal(lp_fdb_learn(&t, &more, 1, NULL, SEC), LP_ERR_LIMIT);
	assert_int_equal(t.mask + 1, 8192); /* never beyond the maximum */
	/* removal, sweep and rebind work over the grown table */
	assert_int_equal(lp_fdb_rebind(&t, 13, &refs[0]), 1);
	assert_ptr_equal(lp_fdb_lookup_ref(&t, &pinned, SEC), &refs[0]);
	assert_int_equal(lp_fdb_forget_member(&t, 7), 1);
	assert_int_equal(lp_fdb_sweep(&t, 1000 * SEC), 6142); /* all but the pin */
	assert_int_equal(t.used, 1);
	assert_int_equal(lp_fdb_lookup(&t, &pinned, 1000 * SEC), 13);
	lp_fdb_free(&t);
	assert_int_equal(lp_fdb_learn(&t, &more, 1, NULL, SEC), LP_ERR_STATE);
	assert_int_equal(lp_fdb_pin(&t, &more, 1, NULL), LP_ERR_STATE);
	assert_int_equal(lp_fdb_lookup(&t, &more, SEC), 0);
}

/* A small maximum: the first table is already the largest; it never grows. */
static void test_small_max(void **state)
{
	(void)state;
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, 5), 0);
	assert_int_equal(t.mask, t.max_mask);
	assert_int_equal(t.mask + 1, 8);
	uint32_t i = 0;
	for (;; i++) {
		struct lp_mac m = mac_n(i + 1);
		int r = lp_fdb_learn(&t, &m, 1, NULL, 0);
		if (r < 0) {
			assert_int_equal(r, LP_ERR_LIMIT);
			break;
		}
	}
	assert_int_equal(i, 6);
	assert_int_equal(t.mask + 1, 8);
	lp_fdb_free(&t);
}

/*
 * Random learning, forgetting and sweeping checked against a plain array
 * model; the table starts small, so this runs across its doublings too.
 */
static void test_against_model(void **state)
{
	(void)state;
	enum {
		N = 3000
	};
	static uint32_t owner[N]; /* 0 = absent */
	static uint64_t seen[N];
	struct lp_fdb t;
	assert_int_equal(lp_fdb_init(&t, N), 0);
	memset(owner, 0, sizeof(owner));
	srand(7);
	uint64_t now = 0;
	for (int step = 0; step < 200000; step++) {
		uint32_t k = (uint32_t)rand() % N;
		struct lp_mac m = mac_n(k);
		int op = rand() % 100;
		now += SEC / 10;
		if (op < 70) {
			uint32_t mem = 1 + (uint32_t)rand() % 20;
			assert_int_equal(lp_fdb_learn(&t, &m, mem, NULL, now), 0);
			owner[k] = mem;
			seen[k] = now;
		} else if (op < 72) {
			uint32_t mem = 1 + (uint32_t)rand() % 20;
			size_t want = 0;
			for (int i = 0; i < N; i++)
				if (owner[i] == mem) {
					want++;
					owner[i] = 0;
				}
			assert_int_equal(lp_fdb_forget_member(&t, mem), want);
		} else if (op < 73) {
			size_t want = 0;
			for (int i = 0; i < N; i++)
				if (owner[i] && now - seen[i] > LP_FDB_AGE_NS) {
					want++;
					owner[i] = 0;
				}
			assert_int_equal(lp_fdb_sweep(&t, now), want);
		} else {
			uint32_t want = owner[k] && now - seen[k] <= LP_FDB_AGE_NS ? owner[k] : 0;
			assert_int_equal(lp_fdb_lookup(&t, &m, now), want);
		}
	}
	size_t live = 0;
	for (int i = 0; i < N; i++)
		live += owner[i] != 0;
	assert_int_equal(t.used, live);
	lp_fdb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_limits),   cmocka_unit_test(test_learn_lookup_age),
		cmocka_unit_test(test_pinned),	      cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_growth),	      cmocka_unit_test(test_small_max),
		cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
