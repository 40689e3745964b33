/*
 * The service's command line (client/service_windows.c): every argument
 * quoted so that Windows' own parser (CommandLineToArgvW, real under wine)
 * gives it back unchanged, whatever spaces, quotes and backslashes it holds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <windows.h>
#include <shellapi.h>

#include <string.h>

#include "err.h"
#include "service_windows.h"
#include "winerr_windows.h"

static void test_round_trip(void **state)
{
	static const char *args[] = {
		"C:\\Program Files\\softlan\\lanparty-client.exe",
		"service",
		"run",
		"--invite-file",
		"C:\\ProgramData\\softlan\\service.invite",
		"--name",
		"Ann's PC",
		"",
		"say \"hi\"",
		"trailing\\",
		"C:\\dir with space\\",
		"back\\\\\"slash",
		"a\\\\b",
		"tab\there",
		"lanparty://relay.example.net/client/Xy3?pin=sha256//lJG7=",
		"Ünïcödé",
	};
	const size_t n = sizeof(args) / sizeof(args[0]);
	char line[2048];
	size_t pos = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lp_win_quote_arg(args[i], line, sizeof(line), &pos), 0);
	assert_int_equal(strlen(line), pos);

	wchar_t wline[2048];
	int argc = 0;

	assert_int_equal(lp_win_widen(line, wline, 2048), 0);
	wchar_t **argv = CommandLineToArgvW(wline, &argc);

	assert_non_null(argv);
	assert_int_equal(argc, (int)n);
	for (size_t i = 0; i < n; i++) {
		char back[512];

		assert_int_equal(lp_win_narrow(argv[i], back, sizeof(back)), 0);
		assert_string_equal(back, args[i]);
	}
	LocalFree(argv);
}

static void test_simple_and_nobuf(void **state)
{
	char line[16];
	size_t pos = 0;

	(void)state;
	assert_int_equal(lp_win_quote_arg("plain", line, sizeof(line), &pos), 0);
	assert_int_equal(lp_win_quote_arg("a b", line, sizeof(line), &pos), 0);
	assert_string_equal(line, "plain \"a b\"");
	/* too long: nothing of it is kept */
	assert_int_equal(lp_win_quote_arg("0123456789", line, sizeof(line), &pos), LP_ERR_NOBUF);
	assert_string_equal(line, "plain \"a b\"");
	assert_int_equal(pos, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_simple_and_nobuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
