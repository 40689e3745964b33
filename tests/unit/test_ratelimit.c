/* Unit tests for shared/ratelimit.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "err.h"
#include "ratelimit.h"

#define SEC LP_NS_PER_SEC
#define MS  LP_NS_PER_MS

static void test_unlimited(void **state)
{
	(void)state;
	struct lp_ratelimit rl;

	assert_int_equal(lp_ratelimit_init(&rl, 0, 0), 0);
	assert_true(lp_ratelimit_unlimited(&rl));
	for (uint64_t t = 0; t < 1000; t++)
		assert_true(lp_ratelimit_allow(&rl, t, UINT64_MAX));
	assert_int_equal(lp_ratelimit_tokens(&rl, 5), UINT64_MAX);
	assert_int_equal(lp_ratelimit_init_interval(&rl, 0, SEC), 0);
	assert_true(lp_ratelimit_unlimited(&rl));
}

/* A script of calls: at time t, take cost, expect the answer. */
struct step {
	uint64_t t_ns;
	uint64_t cost;
	bool ok;
};

static void run_steps(struct lp_ratelimit *rl, const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool ok = lp_ratelimit_allow(rl, s[i].t_ns, s[i].cost);

		if (ok != s[i].ok)
			fail_msg("step %zu: t=%llu cost=%llu: got %d", i,
				 (unsigned long long)s[i].t_ns, (unsigned long long)s[i].cost, ok);
	}
}

static void test_per_second_script(void **state)
{
	(void)state;
	/* 10 per second, burst 5: a token every 100 ms. */
	static const struct step steps[] = {
		{ 1 * SEC, 1, true },
		{ 1 * SEC, 1, true },
		{ 1 * SEC, 3, true },
		{ 1 * SEC, 1, false }, /* burst used up */
		{ 1 * SEC + 99 * MS, 1, false },
		{ 1 * SEC + 100 * MS, 1, true },
		{ 1 * SEC + 100 * MS, 1, false },
		{ 1 * SEC + 150 * MS, 1, false },
		{ 1 * SEC + 200 * MS, 1, true },
		{ 1 * SEC + 500 * MS, 4, false }, /* only 3 came in */
		{ 1 * SEC + 500 * MS, 3, true },
		{ 1 * SEC + 500 * MS, 0, true },  /* nothing to take */
		{ 1 * SEC + 500 * MS, 6, false }, /* above the burst: never */
		{ 100 * SEC, 6, false },
		{ 100 * SEC, 5, true }, /* refilled to the burst, not beyond */
		{ 100 * SEC, 1, false },
		{ 50 * SEC, 1, false }, /* time going backwards adds nothing */
		{ 100 * SEC + 100 * MS, 1, true },
	};
	struct lp_ratelimit rl;

	assert_int_equal(lp_ratelimit_init(&rl, 10, 5), 0);
	assert_false(lp_ratelimit_unlimited(&rl));
	run_steps(&rl, steps, sizeof(steps) / sizeof(steps[0]));
}

/*
 * Rates whose token period is not a whole number of nanoseconds must not
 * drift: after T ns, exactly burst + floor(rate * T / 1e9) tokens were
 * available to a caller that polls more often than tokens come and takes
 * each as soon as it is there (burst 2, so the bucket never overflows).
 */
static void test_no_drift(void **state)
{
	(void)state;
	static const struct {
		uint64_t rate, step_ns, steps;
	} v[] = {
		{ 3, 1 * MS, 10000 }, /* a token every 333333333.3 ns */
		{ 7, 37 * MS, 27028 },
		{ 1000003, 997, 200000 }, /* a prime rate, prime step */
		{ 1, 999999999, 1000 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_ratelimit rl;
		uint64_t got = 0, t = 0;

		assert_int_equal(lp_ratelimit_init(&rl, v[i].rate, 2), 0);
		for (uint64_t k = 0; k <= v[i].steps; k++) {
			t = k * v[i].step_ns;
			while (lp_ratelimit_allow(&rl, t, 1))
				got++;
		}
		assert_int_equal(got, 2 + v[i].rate * t / SEC);
	}
}

static void test_bytes_large_rates(void **state)
{
	(void)state;
	struct lp_ratelimit rl;

	/* 10 Gbit/s of 1500-byte frames, burst of 64 frames. */
	assert_int_equal(lp_ratelimit_init(&rl, 1250000000, 1500 * 64), 0);
	for (int i = 0; i < 64; i++)
		assert_true(lp_ratelimit_allow(&rl, SEC, 1500));
	assert_false(lp_ratelimit_allow(&rl, SEC, 1500));
	assert_false(lp_ratelimit_allow(&rl, SEC + 1199, 1500)); /* 1.2 us per frame */
	assert_true(lp_ratelimit_allow(&rl, SEC + 1200, 1500));

	/* The largest limits, and a very long idle time, do not overflow. */
	assert_int_equal(lp_ratelimit_init(&rl, LP_RATELIMIT_MAX, LP_RATELIMIT_MAX), 0);
	assert_true(lp_ratelimit_allow(&rl, 1, LP_RATELIMIT_MAX));
	assert_false(lp_ratelimit_allow(&rl, 1, 1));
	assert_true(lp_ratelimit_allow(&rl, 1 + SEC, LP_RATELIMIT_MAX));
	assert_int_equal(lp_ratelimit_tokens(&rl, UINT64_MAX - 1), LP_RATELIMIT_MAX);
	assert_true(lp_ratelimit_allow(&rl, UINT64_MAX, LP_RATELIMIT_MAX));
	assert_false(lp_ratelimit_allow(&rl, UINT64_MAX, 1));
	assert_false(lp_ratelimit_allow(&rl, UINT64_MAX, UINT64_MAX));

	/* 1 per second with a huge burst: slow refill of a deep bucket. */
	assert_int_equal(lp_ratelimit_init(&rl, 1, LP_RATELIMIT_MAX), 0);
	assert_true(lp_ratelimit_allow(&rl, 0, LP_RATELIMIT_MAX));
	assert_int_equal(lp_ratelimit_tokens(&rl, 3 * SEC + 1), 3);
}

static void test_init_invalid(void **state)
{
	(void)state;
	static const struct {
		uint64_t rate, burst;
		int rc;
	} v[] = {
		{ 1, 1, 0 },
		{ LP_RATELIMIT_MAX, 1, 0 },
		{ 1, LP_RATELIMIT_MAX, 0 },
		{ 0, UINT64_MAX, 0 }, /* unlimited: burst ignored */
		{ LP_RATELIMIT_MAX + 1, 1, LP_ERR_INVALID },
		{ 1, LP_RATELIMIT_MAX + 1, LP_ERR_INVALID },
		{ 1, 0, LP_ERR_INVALID },
		{ UINT64_MAX, UINT64_MAX, LP_ERR_INVALID },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_ratelimit rl;

		memset(&rl, 0xa5, sizeof(rl));
		assert_int_equal(lp_ratelimit_init(&rl, v[i].rate, v[i].burst), v[i].rc);
		if (v[i].rc != 0)
			assert_true(lp_ratelimit_unlimited(&rl));
	}
}

static void test_interval(void **state)
{
	(void)state;
	/* 2 per 10 s: one token every 5 s. */
	static const struct step steps[] = {
		{ 0, 1, true },		  { 0, 1, true },
		{ 0, 1, false },	  { 5 * SEC - 1, 1, false },
		{ 5 * SEC, 1, true },	  { 5 * SEC, 1, false },
		{ 10 * SEC, 1, true },	  { 3600 * SEC, 2, true },
		{ 3600 * SEC, 1, false },
	};
	struct lp_ratelimit rl;
	struct lp_ratelimit st = LP_RATELIMIT_INIT_INTERVAL(2, 10 * SEC);

	assert_int_equal(lp_ratelimit_init_interval(&rl, 2, 10 * SEC), 0);
	assert_memory_equal(&rl, &st, sizeof(rl));
	run_steps(&rl, steps, sizeof(steps) / sizeof(steps[0]));
	run_steps(&st, steps, sizeof(steps) / sizeof(steps[0]));

	/* 1 per minute: a fractional per-second rate. */
	assert_int_equal(lp_ratelimit_init_interval(&rl, 1, 60 * SEC), 0);
	assert_true(lp_ratelimit_allow(&rl, 1, 1));
	assert_false(lp_ratelimit_allow(&rl, 60 * SEC, 1));
	assert_true(lp_ratelimit_allow(&rl, 60 * SEC + 1, 1));

	assert_int_equal(lp_ratelimit_init_interval(&rl, 1, 0), LP_ERR_INVALID);
	assert_true(lp_ratelimit_unlimited(&rl));
	assert_int_equal(lp_ratelimit_init_interval(&rl, LP_RATELIMIT_MAX + 1, SEC),
			 LP_ERR_INVALID);
	assert_int_equal(lp_ratelimit_init_interval(&rl, 1000, UINT64_MAX / 1000), LP_ERR_INVALID);
	assert_int_equal(lp_ratelimit_init_interval(&rl, 1, UINT64_MAX / 2 - 1), 0);
	assert_true(lp_ratelimit_allow(&rl, 0, 1));
	assert_false(lp_ratelimit_allow(&rl, UINT64_MAX / 2 - 2, 1));
	assert_true(lp_ratelimit_allow(&rl, UINT64_MAX / 2 - 1, 1));
	assert_true(lp_ratelimit_allow(&rl, UINT64_MAX, 1));
	assert_false(lp_ratelimit_allow(&rl, UINT64_MAX, 1));
}

static void test_set(void **state)
{
	(void)state;
	struct lp_ratelimit rl, before;

	assert_int_equal(lp_ratelimit_init(&rl, 10, 10), 0);
	assert_true(lp_ratelimit_allow(&rl, SEC, 10));
	/* New limits keep the empty bucket: no free refill by editing. */
	assert_int_equal(lp_ratelimit_set(&rl, 20, 5), 0);
	assert_int_equal(lp_ratelimit_tokens(&rl, SEC), 0);
	assert_int_equal(lp_ratelimit_tokens(&rl, SEC + 100 * MS), 2);
	assert_int_equal(lp_ratelimit_tokens(&rl, 100 * SEC), 5);
	/* A smaller burst clips the level. */
	assert_int_equal(lp_ratelimit_set(&rl, 20, 3), 0);
	assert_int_equal(lp_ratelimit_tokens(&rl, 100 * SEC), 3);
	/* Invalid limits leave it alone. */
	before = rl;
	assert_int_equal(lp_ratelimit_set(&rl, 20, 0), LP_ERR_INVALID);
	assert_memory_equal(&rl, &before, sizeof(rl));
	/* Unlimited and back: starts full. */
	assert_int_equal(lp_ratelimit_set(&rl, 0, 0), 0);
	assert_true(lp_ratelimit_unlimited(&rl));
	assert_int_equal(lp_ratelimit_set(&rl, 1, 4), 0);
	assert_int_equal(lp_ratelimit_tokens(&rl, 0), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited),    cmocka_unit_test(test_per_second_script),
		cmocka_unit_test(test_no_drift),     cmocka_unit_test(test_bytes_large_rates),
		cmocka_unit_test(test_init_invalid), cmocka_unit_test(test_interval),
		cmocka_unit_test(test_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
