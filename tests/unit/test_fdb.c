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

/* Random learning, forgetting and sweeping checked against a plain array model. */
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
		cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
