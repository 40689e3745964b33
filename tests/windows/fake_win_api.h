/*
 * fake_win_api.h: a win_api.h table over plain arrays, for the tests of the
 * Windows backend under wine (which lacks the IP Helper writes, the Network
 * List Manager's SetCategory and any TAP driver). It keeps a route table,
 * interfaces with metrics, adapters and firewall categories, applies the
 * calls to them as Windows would, and records every call in order.
 */
#ifndef LP_FAKE_WIN_API_H
#define LP_FAKE_WIN_API_H

#include "win_api.h"

#define FAKE_MAX 32

struct fake_win {
	struct lp_win_adapter adapters[FAKE_MAX];
	size_t n_adapters;
	struct lp_win_iface ifaces[FAKE_MAX];
	size_t n_ifaces;
	struct lp_win_route routes[FAKE_MAX];
	size_t n_routes;
	struct lp_cidr addrs[FAKE_MAX];
	size_t n_addrs;
	/* the firewall category of the network on the party adapter */
	bool has_network;
	enum lp_win_category category;
	int set_category_err; /* e.g. -ENOSYS, as wine answers */
	int set_metric_err;
	int add_route_err; /* returned by add_route when set (once) */
	/* calls, one short line each: "add_route 10.0.0.1/32 via 192.168.1.1 if 3" */
	char log[64][96];
	size_t n_log;
	struct lp_win_api api;
};

/* The fake the setup below installs. */
extern struct fake_win fake;

/* cmocka setup and teardown: fake emptied and installed (lp_win_api_use), then removed. */
int fake_win_setup(void **state);
int fake_win_teardown(void **state);

/* fake_win_init: empty tables and an api whose ctx is f. */
void fake_win_init(struct fake_win *f);

/* Helpers to fill the tables. */
void fake_win_iface(struct fake_win *f, uint32_t ifindex, const char *name, uint32_t metric,
		    bool auto_metric, bool connected);
void fake_win_route(struct fake_win *f, const char *cidr, const char *gw, uint32_t ifindex,
		    uint32_t metric);
void fake_win_adapter(struct fake_win *f, const char *guid, const char *component,
		      const char *name);

/* fake_win_find_route: the index of the route to cidr through ifindex, or -1. */
int fake_win_find_route(const struct fake_win *f, const char *cidr, uint32_t ifindex);

/* fake_win_metric: the interface's current metric (0 when not found). */
uint32_t fake_win_metric(const struct fake_win *f, uint32_t ifindex);

/* fake_cidr: "a.b.c.d/n" parsed (the test fails on a bad one). */
struct lp_cidr fake_cidr(const char *s);

#endif
