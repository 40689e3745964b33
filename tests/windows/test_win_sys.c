/*
 * sys.h, clock.h and rand.h on Windows (client/sys_windows.c,
 * shared/clock_windows.c, shared/rand_windows.c) under wine: atomic file
 * writes with their directories, reads with limits, process liveness, the
 * host name, the status file's place, both clocks and the CSPRNG.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "rand.h"
#include "sys.h"

static char dir[MAX_PATH];

static int setup(void **state)
{
	char tmp[MAX_PATH];

	(void)state;
	assert_true(GetTempPathA(sizeof(tmp), tmp) > 0);
	snprintf(dir, sizeof(dir), "%ssoftlan-test-%lu", tmp, GetCurrentProcessId());
	return 0;
}

static void test_write_read(void **state)
{
	char path[MAX_PATH + 64], buf[64];
	size_t len = 99;

	(void)state;
	/* missing directories are made, both separators work */
	snprintf(path, sizeof(path), "%s\\a/b\\state.txt", dir);
	assert_int_equal(lp_sys_read_file(path, buf, sizeof(buf), &len), -ENOENT);
	assert_int_equal(len, 0);
	assert_false(lp_sys_exists(path));
	assert_int_equal(lp_sys_write_file(path, "hello", 5, 0644), 0);
	assert_true(lp_sys_exists(path));
	assert_int_equal(lp_sys_read_file(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "hello");
	/* replaced whole, also as a private (0600) file */
	assert_int_equal(lp_sys_write_file(path, "secret-2", 8, 0600), 0);
	assert_int_equal(lp_sys_read_file(path, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "secret-2");
	/* too big for the buffer: nothing is returned */
	assert_int_equal(lp_sys_read_file(path, buf, 8, &len), LP_ERR_TOO_BIG);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	assert_int_equal(lp_sys_write_file(path, "", 0, 0644), 0);
	assert_int_equal(lp_sys_read_file(path, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(lp_sys_unlink(path), 0);
	assert_int_equal(lp_sys_unlink(path), -ENOENT);
	assert_false(lp_sys_exists(path));
}

static void test_process_and_host(void **state)
{
	char host[64], path[512];

	(void)state;
	assert_int_equal(lp_sys_pid(), (int)GetCurrentProcessId());
	assert_true(lp_sys_pid_alive(lp_sys_pid()));
	assert_false(lp_sys_pid_alive(0));
	assert_false(lp_sys_pid_alive(-5));
	assert_false(lp_sys_pid_alive(0x7ffffff0));
	assert_string_equal(lp_sys_os_name(), "windows");
	assert_int_equal(lp_sys_hostname(host, sizeof(host)), 0);
	assert_true(strlen(host) > 0);
	assert_null(strchr(host, '.'));
	assert_int_equal(lp_sys_status_path("lanparty-client", path, sizeof(path)), 0);
	const char *tail = "\\softlan\\lanparty-client.status";

	assert_true(strlen(path) > strlen(tail));
	assert_string_equal(path + strlen(path) - strlen(tail), tail);
	assert_int_equal(lp_sys_status_path("lanparty-client", path, 8), LP_ERR_NOBUF);
	assert_string_equal(path, "");
}

static void test_clocks_and_random(void **state)
{
	char t[LP_TIME_UTC_LEN];
	uint8_t a[32] = { 0 }, b[32] = { 0 };

	(void)state;
	uint64_t m1 = lp_now_ns();

	Sleep(20);
	uint64_t m2 = lp_now_ns();

	assert_true(m2 - m1 >= 15 * LP_NS_PER_MS);
	assert_true(m2 - m1 < 2 * LP_NS_PER_SEC);
	/* after 2020-01-01 */
	assert_true(lp_wall_ns() > 1577836800ull * LP_NS_PER_SEC);
	assert_string_equal(lp_time_format_utc(0, t), "1970-01-01T00:00:00.000Z");
	assert_string_equal(lp_time_format_utc(1764156710123456789ull, t),
			    "2025-11-26T11:31:50.123Z");
	assert_string_equal(lp_time_format_utc(UINT64_MAX, t), "2554-07-21T23:34:33.709Z");
	assert_int_equal(lp_random_bytes(a, sizeof(a)), 0);
	assert_int_equal(lp_random_bytes(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(lp_random_bytes(NULL, 1), LP_ERR_INVALID);
	assert_int_equal(lp_random_bytes(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_process_and_host),
		cmocka_unit_test(test_clocks_and_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
