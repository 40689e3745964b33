/* Unit tests for shared/err.c and shared/code.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "code.h"
#include "err.h"

static void test_strerror_known(void **state)
{
	(void)state;
	assert_string_equal(lp_strerror(0), "success");
	assert_string_equal(lp_strerror(LP_ERR_INVALID), "invalid input");
	assert_string_equal(lp_strerror(LP_ERR_UNSUPPORTED), "not supported");
	assert_string_equal(lp_strerror(-ENOENT), strerror(ENOENT));
}

static void test_strerror_unknown(void **state)
{
	(void)state;
	assert_string_equal(lp_strerror(LP_ERR_BASE), "unknown error");
	assert_string_equal(lp_strerror(LP_ERR_LAST), "unknown error");
	assert_string_equal(lp_strerror(-99999), "unknown error");
	assert_string_equal(lp_strerror(5), "unknown error");
}

static void test_code_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
	} v[] = {
		{ "abcdefghijklmnop", true },
		{ "abcdefghijklmno", false }, /* 15: too short */
		{ "ABCDEF0123456789_-xyz", true },
		{ "abcdefghijklmnop=", false },
		{ "abcdefgh ijklmnop", false },
		{ "abcdefghijklmnop/", false },
		{ "", false },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_code_valid(v[i].s, strlen(v[i].s)), v[i].ok);
	char long_code[LP_CODE_MAX + 2];
	memset(long_code, 'a', sizeof(long_code));
	assert_true(lp_code_valid(long_code, LP_CODE_MAX));
	assert_false(lp_code_valid(long_code, LP_CODE_MAX + 1));
	assert_false(lp_code_valid(NULL, 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_known),
		cmocka_unit_test(test_strerror_unknown),
		cmocka_unit_test(test_code_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
