/* Unit tests for shared/rand_linux.c (and the alphabet helper in shared/b64.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "code.h"
#include "err.h"
#include "rand.h"

static bool url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int url_index(char c)
{
	for (unsigned int v = 0; v < 64; v++)
		if (lp_b64url_char(v) == c)
			return (int)v;
	return -1;
}

static void test_bytes_basic(void **state)
{
	(void)state;
	assert_int_equal(lp_random_bytes(NULL, 0), 0);
	assert_int_equal(lp_random_bytes(NULL, 1), LP_ERR_INVALID);

	uint8_t a[32], b[32];
	assert_int_equal(lp_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(lp_random_bytes(b, sizeof(b)), 0);
	/* 2^-256 chance of a false failure. */
	assert_memory_not_equal(a, b, sizeof(a));

	/* Only the requested bytes are written. */
	uint8_t c[16];
	memset(c, 0xa5, sizeof(c));
	assert_int_equal(lp_random_bytes(c + 4, 8), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(c[i], 0xa5);
		assert_int_equal(c[12 + i], 0xa5);
	}
}

/*
 * 1 MiB: more than one getrandom call may return on some kernels. Sanity only:
 * the bit count is within 6 standard deviations (sigma = sqrt(n)/2, n = 8 Mi bits).
 */
static void test_bytes_large(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	uint8_t *buf = calloc(1, n);
	assert_non_null(buf);
	assert_int_equal(lp_random_bytes(buf, n), 0);
	uint64_t ones = 0;
	for (size_t i = 0; i < n; i++)
		ones += (uint64_t)__builtin_popcount(buf[i]);
	uint64_t bits = (uint64_t)n * 8;
	assert_in_range(ones, bits / 2 - 6 * 1449, bits / 2 + 6 * 1449);
	/* No long runs of zero bytes (a buffer left unwritten). */
	size_t zeros = 0;
	for (size_t i = 0; i < n; i++)
		zeros += buf[i] == 0;
	assert_in_range(zeros, n / 256 - 6 * 64, n / 256 + 6 * 64);
	free(buf);
}

static void test_secret_length_and_alphabet(void **state)
{
	(void)state;
	static const size_t lens[] = { 1, 2, 16, 32, 43, 63, 64, 65, 127, 128, 129, 1000 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char buf[1002];
		memset(buf, '!', sizeof(buf));
		assert_int_equal(lp_random_secret(buf, lens[i] + 1, lens[i]), 0);
		assert_int_equal(strlen(buf), lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			assert_true(url_char(buf[k]));
		assert_int_equal(buf[lens[i] + 1], '!'); /* nothing past the NUL */
	}
	/* A generated room code is a valid room code. */
	char code[LP_CODE_GEN_LEN + 1];
	assert_int_equal(lp_random_secret(code, sizeof(code), LP_CODE_GEN_LEN), 0);
	assert_true(lp_code_valid(code, strlen(code)));
}

static void test_secret_errors(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, '!', sizeof(buf));
	assert_int_equal(lp_random_secret(buf, sizeof(buf), 8), LP_ERR_NOBUF);
	assert_string_equal(buf, "");
	assert_int_equal(lp_random_secret(buf, 0, 4), LP_ERR_NOBUF);
	assert_int_equal(lp_random_secret(buf, sizeof(buf), 0), LP_ERR_INVALID);
	assert_int_equal(lp_random_secret(NULL, 8, 4), LP_ERR_INVALID);
	assert_int_equal(lp_random_secret(buf, sizeof(buf), 7), 0);
	assert_int_equal(strlen(buf), 7);
}

static void test_secret_differs(void **state)
{
	(void)state;
	char a[33], b[33];
	assert_int_equal(lp_random_secret(a, sizeof(a), 32), 0);
	assert_int_equal(lp_random_secret(b, sizeof(b), 32), 0);
	assert_string_not_equal(a, b); /* 2^-192 */
}

/*
 * Each of the 64 characters is equally likely: 64,000 characters, about 1000
 * of each; sigma is about 31, so a 6-sigma band never fails by chance in practice.
 * Every character must occur (the alphabet is complete).
 */
static void test_secret_distribution(void **state)
{
	(void)state;
	enum {
		N = 64000
	};
	char *buf = malloc(N + 1);
	assert_non_null(buf);
	assert_int_equal(lp_random_secret(buf, N + 1, N), 0);
	unsigned int count[64] = { 0 };
	for (size_t i = 0; i < N; i++) {
		int v = url_index(buf[i]);
		assert_true(v >= 0);
		count[v]++;
	}
	for (size_t v = 0; v < 64; v++)
		assert_in_range(count[v], 1000 - 6 * 31, 1000 + 6 * 31);
	free(buf);
}

static void test_url_alphabet(void **state)
{
	(void)state;
	static const char want[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (unsigned int v = 0; v < 64; v++) {
		assert_int_equal(lp_b64url_char(v), want[v]);
		assert_int_equal(lp_b64url_char(v + 64), want[v]); /* high bits ignored */
		assert_int_equal(lp_b64url_char(v | 0xc0), want[v]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_basic),
		cmocka_unit_test(test_bytes_large),
		cmocka_unit_test(test_secret_length_and_alphabet),
		cmocka_unit_test(test_secret_errors),
		cmocka_unit_test(test_secret_differs),
		cmocka_unit_test(test_secret_distribution),
		cmocka_unit_test(test_url_alphabet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
