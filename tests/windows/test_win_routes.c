/*
 * routes.h on Windows (client/routes_windows.c) over the fake IP Helper:
 * the relay's pin through the original gateway, the party adapter's
 * lowest metric, the default route a party DHCP server hands out removed,
 * and everything put back at exit.
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
#include "routes.h"
#include "routes_windows.h"

#define ETH  3
#define WIFI 4
#define TAP  10

/* A PC on its home LAN (Ethernet, gateway 192.168.1.1) with a party adapter. */
static int setup(void **state)
{
	fake_win_setup(state);
	fake_win_iface(&fake, 1, "Loopback Pseudo-Interface 1", 75, false, true);
	fake_win_iface(&fake, ETH, "Ethernet", 25, true, true);
	fake_win_iface(&fake, WIFI, "Wi-Fi", 50, true, true);
	fake_win_iface(&fake, TAP, "Party", 35, true, true);
	fake_win_route(&fake, "0.0.0.0/0", "192.168.1.1", ETH, 0);
	fake_win_route(&fake, "192.168.1.0/24", NULL, ETH, 256);
	fake_win_route(&fake, "10.77.0.0/24", NULL, TAP, 256);
	/* Windows has an on-link limited-broadcast route on every interface */
	fake_win_route(&fake, "255.255.255.255/32", NULL, ETH, 256);
	fake_win_route(&fake, "255.255.255.255/32", NULL, TAP, 256);
	return 0;
}

static uint32_t path_if(const char *host)
{
	struct lp_cidr h = fake_cidr(host);
	struct lp_win_route r;
	bool local;

	assert_int_equal(fake.api.best_route(&fake, &h, &r, &local), 0);
	return r.ifindex;
}

static void test_pin_and_party_dhcp(void **state)
{
	struct lp_routes *r;
	struct lp_win_metric_plan plan;
	char err[LP_ROUTES_ERR_MAX];
	struct lp_cidr relay = fake_cidr("203.0.113.10/32");

	(void)state;
	assert_int_equal(lp_routes_new(&r, TAP, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 1);
	int pin = fake_win_find_route(&fake, "203.0.113.10/32", ETH);

	assert_true(pin >= 0);
	assert_true(fake.routes[pin].has_gw);
	assert_memory_equal(fake.routes[pin].gw, ((uint8_t[]){ 192, 168, 1, 1 }), 4);
	/* pinned again: already there, not recorded twice */
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 0);

	/* the party adapter becomes the lowest metric: broadcasts leave through it */
	assert_int_equal(path_if("255.255.255.255/32"), ETH);
	assert_int_equal(lp_routes_set_metric(r, &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.metric, 24);
	assert_int_equal(fake_win_metric(&fake, TAP), 24);
	assert_int_equal(path_if("255.255.255.255/32"), TAP);
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[1], err, sizeof(err)), 0);
	assert_int_equal(path_if("239.255.255.250/32"), TAP);

	/* the party's DHCP server hands out a router: with the lowest metric it would win */
	fake_win_route(&fake, "0.0.0.0/0", "10.77.0.1", TAP, 0);
	assert_int_equal(path_if("198.51.100.7/32"), TAP);
	/* the relay stays outside the tunnel all along, thanks to its pin */
	assert_int_equal(path_if("203.0.113.10/32"), ETH);
	/* the guard removes the party's default route; the home one is untouched */
	assert_int_equal(lp_routes_drop_defaults(r), 1);
	assert_int_equal(path_if("198.51.100.7/32"), ETH);
	assert_int_equal(fake_win_find_route(&fake, "0.0.0.0/0", TAP), -1);
	assert_true(fake_win_find_route(&fake, "0.0.0.0/0", ETH) >= 0);
	assert_int_equal(lp_routes_drop_defaults(r), 0);

	/* exit: the broadcast route and the pin go, newest first; the metric goes back */
	size_t before = fake.n_log;

	lp_routes_del(r);
	assert_string_equal(fake.log[before], "del_route 224.0.0.0/4 if 10");
	assert_string_equal(fake.log[before + 1], "del_route 203.0.113.10/32 via 192.168.1.1 if 3");
	assert_string_equal(fake.log[before + 2], "set_metric if 10 auto 35");
	assert_int_equal(fake_win_find_route(&fake, "203.0.113.10/32", ETH), -1);
	assert_true(fake.ifaces[3].auto_metric);
}

static void test_pin_refused(void **state)
{
	struct lp_routes *r;
	char err[LP_ROUTES_ERR_MAX];
	struct lp_cidr in_party = fake_cidr("10.77.0.5/32");
	struct lp_cidr nowhere = fake_cidr("198.51.100.1/32");

	(void)state;
	assert_int_equal(lp_routes_new(&r, TAP, err, sizeof(err)), 0);
	/* a relay reached through the party adapter cannot be pinned to it */
	assert_int_equal(lp_routes_pin_host(r, &in_party, err, sizeof(err)), LP_ERR_STATE);
	assert_non_null(strstr(err, "runs through the party adapter itself"));
	/* no route at all */
	fake.n_routes = 0;
	assert_int_equal(lp_routes_pin_host(r, &nowhere, err, sizeof(err)), -ENETUNREACH);
	assert_non_null(strstr(err, "no route to the relay 198.51.100.1/32"));
	/* a relay on this PC needs no pin */
	fake.addrs[fake.n_addrs++] = fake_cidr("192.168.1.20/24");
	struct lp_cidr self = fake_cidr("192.168.1.20/32");

	assert_int_equal(lp_routes_pin_host(r, &self, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_count(r), 0);
	lp_routes_del(r);
}

static void test_pin_refresh_moves(void **state)
{
	struct lp_routes *r;
	char err[LP_ROUTES_ERR_MAX];
	struct lp_cidr relay = fake_cidr("203.0.113.10/32");

	(void)state;
	assert_int_equal(lp_routes_new(&r, TAP, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 1);
	/* nothing changed: the pin stays */
	assert_int_equal(lp_routes_pin_refresh(r), 0);
	assert_true(fake_win_find_route(&fake, "203.0.113.10/32", ETH) >= 0);
	/* the laptop moves from the cable to Wi-Fi */
	fake.ifaces[1].connected = false;
	fake_win_route(&fake, "0.0.0.0/0", "192.168.7.1", WIFI, 0);
	assert_int_equal(lp_routes_pin_refresh(r), 1);
	assert_int_equal(fake_win_find_route(&fake, "203.0.113.10/32", ETH), -1);
	assert_true(fake_win_find_route(&fake, "203.0.113.10/32", WIFI) >= 0);
	/* only the party's route is left: the old pin is put back, never the tunnel */
	fake.ifaces[2].connected = false;
	fake_win_route(&fake, "0.0.0.0/0", "10.77.0.1", TAP, 0);
	assert_int_equal(lp_routes_pin_refresh(r), 0);
	assert_true(fake_win_find_route(&fake, "203.0.113.10/32", WIFI) >= 0);
	lp_routes_del(r);
	assert_int_equal(fake_win_find_route(&fake, "203.0.113.10/32", WIFI), -1);
}

static void test_address_and_errors(void **state)
{
	struct lp_routes *r;
	struct lp_win_metric_plan plan;
	char err[LP_ROUTES_ERR_MAX];
	struct lp_cidr a = fake_cidr("10.77.0.50/24");

	(void)state;
	assert_int_equal(lp_routes_new(&r, 0, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_routes_new(&r, TAP, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_add_address(r, &a, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[1], err, sizeof(err)), 0);
	/* the same route again: left as it is */
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[1], err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "exists already"));
	fake.add_route_err = -EACCES;
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[0], err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "run lanparty-client as Administrator"));
	fake.set_metric_err = -EACCES;
	assert_int_equal(lp_routes_set_metric(r, &plan, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "Administrator"));
	assert_int_equal(lp_routes_count(r), 2);
	fake.set_metric_err = 0;
	size_t before = fake.n_log;

	lp_routes_del(r);
	/* newest first; the metric was never changed, so it is not touched */
	assert_string_equal(fake.log[before], "del_route 224.0.0.0/4 if 10");
	assert_string_equal(fake.log[before + 1], "del_address 10.77.0.50/24 if 10");
	assert_int_equal(fake.n_log, before + 2);
	assert_int_equal(fake.n_addrs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_and_party_dhcp, setup, fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_pin_refused, setup, fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_pin_refresh_moves, setup, fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_address_and_errors, setup, fake_win_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
