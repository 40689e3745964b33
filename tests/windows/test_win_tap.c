/*
 * The party adapter's start-up (client/tap_windows.c) under wine, where no
 * TAP driver exists: the adapters come from the fake registry listing, and
 * each failure a player can meet ends in a sentence that says what to do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fake_win_api.h"
#include "tap.h"

static struct lp_tap_config config(const char *name)
{
	struct lp_tap_config c = { .mtu = 1500 };

	snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

static void test_no_adapter(void **state)
{
	struct lp_tap *t = NULL;
	struct lp_tap_config c = config("");
	char err[LP_TAP_ERR_MAX];

	(void)state;
	fake_win_adapter(&fake, "{11111111-0000-0000-0000-000000000001}", "pci\\ven_8086",
			 "Ethernet");
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), LP_ERR_NOT_FOUND);
	assert_null(t);
	assert_non_null(strstr(err, "no TAP adapter is installed: install tap-windows6"));
}

static void test_adapter_without_driver(void **state)
{
	struct lp_tap *t = NULL;
	struct lp_tap_config c = config("Party");
	char err[LP_TAP_ERR_MAX];

	(void)state;
	/* listed in the registry, but its device cannot be opened (no driver in wine) */
	fake_win_adapter(&fake, "{44444444-0000-0000-0000-000000000004}", "tap0901", "Party");
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), -ENOENT);
	assert_null(t);
	assert_non_null(strstr(err, "cannot open the TAP adapter \"Party\""));
	assert_non_null(strstr(err, "disabled"));
	c = config("");
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open the TAP adapter:"));
	c = config("Other");
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), LP_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "no adapter named \"Other\"; TAP adapters here: \"Party\""));
}

static void test_bad_config(void **state)
{
	struct lp_tap *t = NULL;
	struct lp_tap_config c = config("");
	char err[LP_TAP_ERR_MAX];

	(void)state;
	c.mtu = 10;
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), LP_ERR_INVALID);
	c = config("bad\tname");
	assert_int_equal(lp_tap_open(&t, &c, err, sizeof(err)), LP_ERR_INVALID);
	assert_true(lp_tap_name_valid("Local Area Connection 2"));
	assert_true(lp_tap_name_valid("Ethernet (Partei) ü"));
	assert_false(lp_tap_name_valid(""));
	assert_false(lp_tap_name_valid("tab\there"));
	lp_tap_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_adapter, fake_win_setup, fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_adapter_without_driver, fake_win_setup,
						fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, fake_win_setup, fake_win_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
