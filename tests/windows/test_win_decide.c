/*
 * The Windows client's decisions (client/win_decide_windows.c) from made-up
 * listings: which TAP adapter, which interface metric, which default routes
 * must go, what to do with the party network's firewall category.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "err.h"
#include "fake_win_api.h"
#include "win_api.h"

/* ------------------------------------------------------------ TAP adapter */

static const char *busy_guid;

static bool busy_one(void *arg, const char *guid)
{
	int *calls = arg;

	(*calls)++;
	return busy_guid && strcmp(guid, busy_guid) == 0;
}

static bool busy_all(void *arg, const char *guid)
{
	(void)arg;
	(void)guid;
	return true;
}

static void listing(struct fake_win *f)
{
	fake_win_init(f);
	fake_win_adapter(f, "{11111111-0000-0000-0000-000000000001}", "pci\\ven_8086", "Ethernet");
	fake_win_adapter(f, "{22222222-0000-0000-0000-000000000002}", "tap0901", "OpenVPN TAP");
	fake_win_adapter(f, "{33333333-0000-0000-0000-000000000003}", "wintun", "Wintun");
	fake_win_adapter(f, "{44444444-0000-0000-0000-000000000004}", "TAP0901", "Party");
}

static void test_pick_first_free(void **state)
{
	struct fake_win f;
	char err[512];
	int calls = 0;

	(void)state;
	listing(&f);
	busy_guid = NULL;
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, NULL, busy_one, &calls, err, sizeof(err)),
		1);
	assert_string_equal(err, "");
	/* the first TAP adapter is taken by another VPN: the next one */
	busy_guid = "{22222222-0000-0000-0000-000000000002}";
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, "", busy_one, &calls, err, sizeof(err)),
		3);
	/* no busy check at all */
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, NULL, NULL, NULL, err, sizeof(err)), 1);
}

static void test_pick_by_name(void **state)
{
	struct fake_win f;
	char err[512];
	int calls = 0;

	(void)state;
	listing(&f);
	busy_guid = NULL;
	/* Windows compares connection names without case */
	assert_int_equal(lp_win_tap_pick(f.adapters, f.n_adapters, "party", busy_one, &calls, err,
					 sizeof(err)),
			 3);
	assert_int_equal(calls, 1);
	/* or the GUID */
	assert_int_equal(lp_win_tap_pick(f.adapters, f.n_adapters,
					 "{22222222-0000-0000-0000-000000000002}", NULL, NULL, err,
					 sizeof(err)),
			 1);
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, "Ethernet", NULL, NULL, err, sizeof(err)),
		LP_ERR_INVALID);
	assert_non_null(strstr(err, "is not a TAP adapter"));
	assert_non_null(strstr(err, "\"OpenVPN TAP\", \"Party\""));
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, "Lanparty", NULL, NULL, err, sizeof(err)),
		LP_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "no adapter named \"Lanparty\""));
	assert_non_null(strstr(err, "\"OpenVPN TAP\", \"Party\""));
	busy_guid = "{44444444-0000-0000-0000-000000000004}";
	assert_int_equal(lp_win_tap_pick(f.adapters, f.n_adapters, "Party", busy_one, &calls, err,
					 sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "in use by another program"));
}

static void test_pick_none(void **state)
{
	struct fake_win f;
	char err[512];

	(void)state;
	fake_win_init(&f);
	assert_int_equal(lp_win_tap_pick(f.adapters, 0, NULL, NULL, NULL, err, sizeof(err)),
			 LP_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "no TAP adapter is installed: install tap-windows6"));
	/* only a Wintun adapter (IP only, no Ethernet): still none */
	fake_win_adapter(&f, "{33333333-0000-0000-0000-000000000003}", "wintun", "Wintun");
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, NULL, NULL, NULL, err, sizeof(err)),
		LP_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "install tap-windows6"));
	listing(&f);
	assert_int_equal(
		lp_win_tap_pick(f.adapters, f.n_adapters, NULL, busy_all, NULL, err, sizeof(err)),
		-EBUSY);
	assert_non_null(strstr(err, "every TAP adapter is in use"));
}

/* ------------------------------------------------------------ metric */

static void test_metric_plan(void **state)
{
	struct fake_win f;
	struct lp_win_metric_plan p;

	(void)state;
	fake_win_init(&f);
	fake_win_iface(&f, 1, "Loopback Pseudo-Interface 1", 75, false, true);
	fake_win_iface(&f, 3, "Ethernet", 25, true, true);
	fake_win_iface(&f, 4, "Wi-Fi", 50, true, true);
	fake_win_iface(&f, 5, "Cable unplugged", 5, true, false);
	fake_win_iface(&f, 10, "Party", 35, true, true);
	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 10, &p), 0);
	/* one below the Ethernet; the unplugged adapter does not count */
	assert_true(p.change);
	assert_int_equal(p.metric, 24);
	assert_false(p.tie);
	assert_int_equal(p.rival, 3);
	assert_string_equal(p.rival_name, "Ethernet");

	/* already lowest with a fixed metric: left alone */
	f.ifaces[4].metric = 7;
	f.ifaces[4].auto_metric = false;
	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 10, &p), 0);
	assert_false(p.change);
	assert_int_equal(p.metric, 7);

	/* fixed but not lowest: lowered */
	f.ifaces[4].metric = 30;
	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 10, &p), 0);
	assert_true(p.change);
	assert_int_equal(p.metric, 24);

	/* another VPN's adapter at 1: a tie that is named */
	fake_win_iface(&f, 6, "OpenVPN Data Channel Offload", 1, false, true);
	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 10, &p), 0);
	assert_true(p.change);
	assert_int_equal(p.metric, LP_WIN_METRIC_MIN);
	assert_true(p.tie);
	assert_int_equal(p.rival, 6);
	assert_int_equal(p.rival_metric, 1);
	assert_string_equal(p.rival_name, "OpenVPN Data Channel Offload");

	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 99, &p), LP_ERR_NOT_FOUND);
}

static void test_metric_alone(void **state)
{
	struct fake_win f;
	struct lp_win_metric_plan p;

	(void)state;
	fake_win_init(&f);
	fake_win_iface(&f, 1, "Loopback Pseudo-Interface 1", 75, false, true);
	fake_win_iface(&f, 10, "Party", 35, true, true);
	assert_int_equal(lp_win_metric_plan(f.ifaces, f.n_ifaces, 10, &p), 0);
	assert_true(p.change);
	assert_int_equal(p.metric, LP_WIN_METRIC_MIN);
	assert_int_equal(p.rival, 0);
}

/* ------------------------------------------------------------ default routes */

static void test_default_routes(void **state)
{
	struct fake_win f;
	size_t idx[8];

	(void)state;
	fake_win_init(&f);
	fake_win_route(&f, "0.0.0.0/0", "192.168.1.1", 3, 0);
	fake_win_route(&f, "0.0.0.0/0", "10.77.0.1", 10, 0);
	fake_win_route(&f, "10.77.0.0/24", NULL, 10, 256);
	fake_win_route(&f, "255.255.255.255/32", NULL, 10, 256);
	f.routes[f.n_routes] =
		(struct lp_win_route){ .dst = { .family = LP_IP_V6, .prefix = 0 }, .ifindex = 10 };
	f.n_routes++;
	size_t n = lp_win_default_routes(f.routes, f.n_routes, 10, idx, 8);

	assert_int_equal(n, 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 4);
	assert_int_equal(lp_win_default_routes(f.routes, f.n_routes, 10, idx, 1), 1);
	assert_int_equal(lp_win_default_routes(f.routes, f.n_routes, 7, idx, 8), 0);
}

/* ------------------------------------------------------------ firewall */

static void test_profile_decide(void **state)
{
	(void)state;
	assert_int_equal(lp_win_profile_decide(-ENOENT, LP_WIN_PUBLIC), LP_WIN_PROFILE_WAIT);
	assert_int_equal(lp_win_profile_decide(0, LP_WIN_PUBLIC), LP_WIN_PROFILE_SET_PRIVATE);
	assert_int_equal(lp_win_profile_decide(0, LP_WIN_PRIVATE), LP_WIN_PROFILE_KEEP);
	assert_int_equal(lp_win_profile_decide(0, LP_WIN_DOMAIN), LP_WIN_PROFILE_KEEP);
	assert_int_equal(lp_win_profile_decide(-EACCES, LP_WIN_PUBLIC), LP_WIN_PROFILE_KEEP);
	assert_string_equal(lp_win_category_name(LP_WIN_PUBLIC), "Public");
	assert_string_equal(lp_win_category_name(LP_WIN_PRIVATE), "Private");
	assert_string_equal(lp_win_category_name(LP_WIN_DOMAIN), "Domain");
	assert_string_equal(lp_win_category_name((enum lp_win_category)7), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_first_free), cmocka_unit_test(test_pick_by_name),
		cmocka_unit_test(test_pick_none),	cmocka_unit_test(test_metric_plan),
		cmocka_unit_test(test_metric_alone),	cmocka_unit_test(test_default_routes),
		cmocka_unit_test(test_profile_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
