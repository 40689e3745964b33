/*
 * routes_windows.c: routes.h on Windows, over the IP Helper calls of
 * win_api.h (so the tests drive it with fakes), plus the party adapter's
 * metric and the default-route guard (routes_windows.h).
 */
#include "routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "routes_windows.h"
#include "win_api.h"

enum entry_kind {
	ENTRY_ROUTE = 1, /* dst on the party adapter */
	ENTRY_ADDR,	 /* an address on the party adapter */
	ENTRY_PIN,	 /* host route through another interface */
};

struct entry {
	enum entry_kind kind;
	struct lp_win_route route; /* for addresses: dst and ifindex */
};

struct lp_routes {
	const struct lp_win_api *api;
	uint32_t ifindex;
	struct entry e[LP_ROUTES_MAX];
	size_t n;
	/* The metric found before lp_routes_set_metric changed it. */
	bool metric_changed;
	bool old_auto_metric;
	uint32_t old_metric;
};

static void say(char *err, size_t errlen, const char *what, const struct lp_cidr *c, int ret)
{
	char buf[LP_IP_STRLEN];

	if (!err || !errlen)
		return;
	lp_cidr_format(c, buf);
	if (ret == -EACCES)
		snprintf(err, errlen,
			 "not allowed to add %s %s: run lanparty-client as Administrator", what,
			 buf);
	else if (ret == -EEXIST)
		snprintf(err, errlen, "%s %s exists already; left as it is", what, buf);
	else if (ret == LP_ERR_LIMIT)
		snprintf(err, errlen, "cannot add %s %s: more than %d changes", what, buf,
			 LP_ROUTES_MAX);
	else
		snprintf(err, errlen, "cannot add %s %s: %s", what, buf, lp_strerror(ret));
}

int lp_routes_new(struct lp_routes **out, unsigned ifindex, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out || !ifindex) {
		if (err && errlen)
			snprintf(err, errlen, "no party adapter to route to");
		return LP_ERR_INVALID;
	}
	struct lp_routes *r = calloc(1, sizeof(*r));

	if (!r)
		return LP_ERR_NOMEM;
	r->api = lp_win_api();
	r->ifindex = ifindex;
	*out = r;
	return 0;
}

static int record(struct lp_routes *r, enum entry_kind kind, const struct lp_win_route *route)
{
	if (r->n >= LP_ROUTES_MAX)
		return LP_ERR_LIMIT;
	r->e[r->n++] = (struct entry){ .kind = kind, .route = *route };
	return 0;
}

static size_t addr_bits(enum lp_ip_family f)
{
	return f == LP_IP_V6 ? 128 : 32;
}

int lp_routes_add(struct lp_routes *r, const struct lp_cidr *dst, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !dst || dst->prefix > addr_bits(dst->family))
		return LP_ERR_INVALID;
	if (r->n >= LP_ROUTES_MAX) {
		say(err, errlen, "route", dst, LP_ERR_LIMIT);
		return LP_ERR_LIMIT;
	}
	/* On-link, route metric 0: with the lowest interface metric it wins. */
	struct lp_win_route route = { .dst = *dst, .ifindex = r->ifindex };
	int ret = r->api->add_route(r->api->ctx, &route);

	if (ret < 0) {
		say(err, errlen, "route", dst, ret);
		return ret;
	}
	return record(r, ENTRY_ROUTE, &route);
}

int lp_routes_add_address(struct lp_routes *r, const struct lp_cidr *addr, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !addr || addr->prefix > addr_bits(addr->family))
		return LP_ERR_INVALID;
	if (r->n >= LP_ROUTES_MAX) {
		say(err, errlen, "address", addr, LP_ERR_LIMIT);
		return LP_ERR_LIMIT;
	}
	int ret = r->api->add_address(r->api->ctx, r->ifindex, addr);

	if (ret < 0) {
		say(err, errlen, "address", addr, ret);
		return ret;
	}
	struct lp_win_route a = { .dst = *addr, .ifindex = r->ifindex };

	return record(r, ENTRY_ADDR, &a);
}

static bool same_path(const struct lp_win_route *a, const struct lp_win_route *b)
{
	return a->ifindex == b->ifindex && a->has_gw == b->has_gw &&
	       (!a->has_gw || memcmp(a->gw, b->gw, sizeof(a->gw)) == 0);
}

/* The pin for host along path: a host route with path's next hop and interface. */
static struct lp_win_route pin_of(const struct lp_cidr *host, const struct lp_win_route *path)
{
	struct lp_win_route pin = *path;

	pin.dst = *host;
	pin.dst.prefix = (uint8_t)addr_bits(host->family);
	pin.metric = 0;
	return pin;
}

int lp_routes_pin_host(struct lp_routes *r, const struct lp_cidr *host, char *err, size_t errlen)
{
	char buf[LP_IP_STRLEN];

	if (err && errlen)
		err[0] = '\0';
	if (!r || !host || (host->family != LP_IP_V4 && host->family != LP_IP_V6))
		return LP_ERR_INVALID;
	struct lp_cidr h = *host;

	h.prefix = (uint8_t)addr_bits(h.family);
	lp_cidr_format(&h, buf);
	if (r->n >= LP_ROUTES_MAX) {
		say(err, errlen, "host route", &h, LP_ERR_LIMIT);
		return LP_ERR_LIMIT;
	}
	struct lp_win_route path;
	bool local = false;
	int ret = r->api->best_route(r->api->ctx, &h, &path, &local);

	if (ret < 0) {
		if (err && errlen)
			snprintf(err, errlen, "no route to the relay %s: %s", buf,
				 lp_strerror(ret));
		return ret;
	}
	if (local)
		return 0; /* the relay runs on this machine */
	if (path.ifindex == r->ifindex) {
		if (err && errlen)
			snprintf(err, errlen,
				 "the route to the relay %s runs through the party adapter itself",
				 buf);
		return LP_ERR_STATE;
	}
	struct lp_win_route pin = pin_of(&h, &path);

	ret = r->api->add_route(r->api->ctx, &pin);
	if (ret == -EEXIST)
		return 0;
	if (ret < 0) {
		say(err, errlen, "host route", &h, ret);
		return ret;
	}
	record(r, ENTRY_PIN, &pin);
	return 1;
}

int lp_routes_pin_refresh(struct lp_routes *r)
{
	int moved = 0, first_err = 0;
	char buf[LP_IP_STRLEN];

	for (size_t i = 0; r && i < r->n; i++) {
		struct entry *e = &r->e[i];

		if (e->kind != ENTRY_PIN)
			continue;
		lp_cidr_format(&e->route.dst, buf);
		int ret = r->api->del_route(r->api->ctx, &e->route);

		if (ret < 0 && ret != -ENOENT) {
			log_warnx("relay_route_refresh_failed dst=%s error=\"%s\"", buf,
				  lp_strerror(ret));
			first_err = first_err ? first_err : ret;
			continue;
		}
		struct lp_win_route path;
		bool local = false;

		ret = r->api->best_route(r->api->ctx, &e->route.dst, &path, &local);
		bool usable = ret == 0 && !local && path.ifindex != r->ifindex;

		if (usable && !same_path(&path, &e->route)) {
			struct lp_win_route pin = pin_of(&e->route.dst, &path);

			ret = r->api->add_route(r->api->ctx, &pin);
			if (ret >= 0 || ret == -EEXIST) {
				e->route = pin;
				moved++;
				log_info("relay_route_moved dst=%s", buf);
				continue;
			}
		}
		/* the old path, or nothing better: keep the relay out of the tunnel */
		ret = r->api->add_route(r->api->ctx, &e->route);
		if (ret < 0 && ret != -EEXIST) {
			log_warnx("relay_route_restore_failed dst=%s error=\"%s\"", buf,
				  lp_strerror(ret));
			first_err = first_err ? first_err : ret;
		}
	}
	return first_err ? first_err : moved;
}

int lp_routes_set_metric(struct lp_routes *r, struct lp_win_metric_plan *plan, char *err,
			 size_t errlen)
{
	struct lp_win_iface ifs[LP_WIN_LIST_MAX];
	size_t n = 0;

	if (err && errlen)
		err[0] = '\0';
	int ret = r->api->list_ifaces(r->api->ctx, ifs, LP_WIN_LIST_MAX, &n);

	if (ret == 0)
		ret = lp_win_metric_plan(ifs, n, r->ifindex, plan);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read the interface metrics: %s", lp_strerror(ret));
		return ret;
	}
	if (!plan->change)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (ifs[i].ifindex != r->ifindex || r->metric_changed)
			continue;
		r->old_metric = ifs[i].metric;
		r->old_auto_metric = ifs[i].auto_metric;
	}
	ret = r->api->set_metric(r->api->ctx, r->ifindex, false, plan->metric);
	if (ret < 0) {
		snprintf(err, errlen, "cannot set the party adapter's metric to %u: %s%s",
			 plan->metric, lp_strerror(ret),
			 ret == -EACCES ? " (run as Administrator)" : "");
		return ret;
	}
	r->metric_changed = true;
	return 0;
}

int lp_routes_drop_defaults(struct lp_routes *r)
{
	static struct lp_win_route routes[LP_WIN_LIST_MAX]; /* one loop thread */
	size_t n = 0, idx[8];
	char buf[LP_IP_STRLEN];
	int ret = r->api->list_routes(r->api->ctx, routes, LP_WIN_LIST_MAX, &n);

	if (ret < 0)
		return ret;
	size_t k = lp_win_default_routes(routes, n, r->ifindex, idx, 8);
	int dropped = 0;

	for (size_t i = 0; i < k; i++) {
		const struct lp_win_route *d = &routes[idx[i]];

		ret = r->api->del_route(r->api->ctx, d);
		if (ret < 0 && ret != -ENOENT) {
			log_warnx("party_default_route_kept dst=%s error=\"%s\" hint=\"internet "
				  "traffic may go to the party LAN\"",
				  lp_cidr_format(&d->dst, buf), lp_strerror(ret));
			continue;
		}
		dropped++;
		log_info("party_default_route_removed dst=%s why=\"the party LAN's router must "
			 "not carry this PC's internet traffic\"",
			 lp_cidr_format(&d->dst, buf));
	}
	return dropped;
}

size_t lp_routes_count(const struct lp_routes *r)
{
	return r ? r->n : 0;
}

void lp_routes_del(struct lp_routes *r)
{
	if (!r)
		return;
	char buf[LP_IP_STRLEN];

	while (r->n) {
		struct entry *e = &r->e[--r->n];
		int ret = e->kind == ENTRY_ADDR
				  ? r->api->del_address(r->api->ctx, r->ifindex, &e->route.dst)
				  : r->api->del_route(r->api->ctx, &e->route);

		/* an adapter that went away took its routes and addresses with it */
		if (ret < 0 && ret != -ENOENT)
			log_warnx("route_remove_failed what=%s dst=%s error=\"%s\"",
				  e->kind == ENTRY_ADDR ? "address" : "route",
				  lp_cidr_format(&e->route.dst, buf), lp_strerror(ret));
	}
	if (r->metric_changed) {
		int ret = r->api->set_metric(r->api->ctx, r->ifindex, r->old_auto_metric,
					     r->old_metric);

		if (ret < 0)
			log_warnx("metric_restore_failed error=\"%s\"", lp_strerror(ret));
		else
			log_info("party_adapter_metric_restored metric=%s",
				 r->old_auto_metric ? "automatic" : "fixed");
	}
	free(r);
}
