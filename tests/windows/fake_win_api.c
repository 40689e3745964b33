/*
 * fake_win_api.c: the fake Win32 network calls (fake_win_api.h). Route
 * choice follows Windows: the longest prefix, then the lowest sum of route
 * and interface metric, among connected interfaces.
 */
#include "fake_win_api.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void note(struct fake_win *f, const char *fmt, ...)
	__attribute__((format(gnu_printf, 2, 3)));

static void note(struct fake_win *f, const char *fmt, ...)
{
	va_list ap;

	if (f->n_log >= 64)
		return;
	va_start(ap, fmt);
	vsnprintf(f->log[f->n_log++], sizeof(f->log[0]), fmt, ap);
	va_end(ap);
}

struct lp_cidr fake_cidr(const char *s)
{
	struct lp_cidr c;
	char err[LP_ROUTES_ERR_MAX];

	assert_int_equal(lp_cidr_parse_v4(s, &c, err, sizeof(err)), 0);
	return c;
}

static bool same_dst(const struct lp_cidr *a, const struct lp_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, a->family == LP_IP_V6 ? 16 : 4) == 0;
}

static bool covers(const struct lp_cidr *net, const struct lp_cidr *host)
{
	if (net->family != host->family)
		return false;
	for (unsigned bit = 0; bit < net->prefix; bit++) {
		unsigned m = 0x80u >> (bit % 8);

		if ((net->addr[bit / 8] & m) != (host->addr[bit / 8] & m))
			return false;
	}
	return true;
}

static struct lp_win_iface *iface(struct fake_win *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->n_ifaces; i++) {
		if (f->ifaces[i].ifindex == ifindex)
			return &f->ifaces[i];
	}
	return NULL;
}

static int list_adapters(void *ctx, struct lp_win_adapter *out, size_t max, size_t *n)
{
	struct fake_win *f = ctx;

	*n = 0;
	for (size_t i = 0; i < f->n_adapters && *n < max; i++)
		out[(*n)++] = f->adapters[i];
	return 0;
}

static int adapter_ifindex(void *ctx, const char *guid, uint32_t *ifindex)
{
	struct fake_win *f = ctx;

	for (size_t i = 0; i < f->n_adapters; i++) {
		if (strcmp(f->adapters[i].guid, guid) == 0) {
			*ifindex = (uint32_t)(i + 10);
			return 0;
		}
	}
	return -ENOENT;
}

static int list_ifaces(void *ctx, struct lp_win_iface *out, size_t max, size_t *n)
{
	struct fake_win *f = ctx;

	*n = 0;
	for (size_t i = 0; i < f->n_ifaces && *n < max; i++)
		out[(*n)++] = f->ifaces[i];
	return 0;
}

static int set_metric(void *ctx, uint32_t ifindex, bool automatic, uint32_t metric)
{
	struct fake_win *f = ctx;
	struct lp_win_iface *i = iface(f, ifindex);

	note(f, "set_metric if %u %s %u", ifindex, automatic ? "auto" : "fixed", metric);
	if (f->set_metric_err)
		return f->set_metric_err;
	if (!i)
		return -ENOENT;
	i->auto_metric = automatic;
	/* Windows picks an automatic metric from the link speed: 25 stands for it. */
	i->metric = automatic ? 25 : metric;
	return 0;
}

static int set_mtu(void *ctx, uint32_t ifindex, uint32_t mtu)
{
	note(ctx, "set_mtu if %u %u", ifindex, mtu);
	return 0;
}

static int list_routes(void *ctx, struct lp_win_route *out, size_t max, size_t *n)
{
	struct fake_win *f = ctx;

	*n = 0;
	for (size_t i = 0; i < f->n_routes && *n < max; i++)
		out[(*n)++] = f->routes[i];
	return 0;
}

static int best_route(void *ctx, const struct lp_cidr *dst, struct lp_win_route *out, bool *local)
{
	struct fake_win *f = ctx;
	const struct lp_win_route *best = NULL;
	uint32_t best_metric = 0;

	*local = false;
	for (size_t i = 0; i < f->n_addrs; i++)
		*local |= f->addrs[i].family == dst->family &&
			  memcmp(f->addrs[i].addr, dst->addr, 4) == 0;
	if (*local)
		return 0;
	for (size_t i = 0; i < f->n_routes; i++) {
		const struct lp_win_route *r = &f->routes[i];
		const struct lp_win_iface *ifc = iface(f, r->ifindex);

		if (!ifc || !ifc->connected || !covers(&r->dst, dst))
			continue;
		uint32_t m = r->metric + ifc->metric;

		if (!best || r->dst.prefix > best->dst.prefix ||
		    (r->dst.prefix == best->dst.prefix && m < best_metric)) {
			best = r;
			best_metric = m;
		}
	}
	if (!best)
		return -ENETUNREACH;
	*out = *best;
	return 0;
}

static void route_text(const struct lp_win_route *r, char *out, size_t len)
{
	char d[LP_IP_STRLEN];

	lp_cidr_format(&r->dst, d);
	if (r->has_gw)
		snprintf(out, len, "%s via %u.%u.%u.%u if %u", d, r->gw[0], r->gw[1], r->gw[2],
			 r->gw[3], r->ifindex);
	else
		snprintf(out, len, "%s if %u", d, r->ifindex);
}

static int find(const struct fake_win *f, const struct lp_win_route *r)
{
	for (size_t i = 0; i < f->n_routes; i++) {
		const struct lp_win_route *x = &f->routes[i];

		if (same_dst(&x->dst, &r->dst) && x->ifindex == r->ifindex &&
		    x->has_gw == r->has_gw && (!x->has_gw || memcmp(x->gw, r->gw, 4) == 0))
			return (int)i;
	}
	return -1;
}

static int add_route(void *ctx, const struct lp_win_route *r)
{
	struct fake_win *f = ctx;
	char t[80];

	route_text(r, t, sizeof(t));
	note(f, "add_route %s", t);
	if (f->add_route_err) {
		int e = f->add_route_err;

		f->add_route_err = 0;
		return e;
	}
	if (find(f, r) >= 0)
		return -EEXIST;
	if (f->n_routes == FAKE_MAX)
		return -ENOMEM;
	f->routes[f->n_routes++] = *r;
	return 0;
}

static int del_route(void *ctx, const struct lp_win_route *r)
{
	struct fake_win *f = ctx;
	char t[80];
	int i = find(f, r);

	route_text(r, t, sizeof(t));
	note(f, "del_route %s", t);
	if (i < 0)
		return -ENOENT;
	f->routes[i] = f->routes[--f->n_routes];
	return 0;
}

static int add_address(void *ctx, uint32_t ifindex, const struct lp_cidr *a)
{
	struct fake_win *f = ctx;
	char t[LP_IP_STRLEN];

	note(f, "add_address %s if %u", lp_cidr_format(a, t), ifindex);
	if (f->n_addrs == FAKE_MAX)
		return -ENOMEM;
	f->addrs[f->n_addrs++] = *a;
	return 0;
}

static int del_address(void *ctx, uint32_t ifindex, const struct lp_cidr *a)
{
	struct fake_win *f = ctx;
	char t[LP_IP_STRLEN];

	note(f, "del_address %s if %u", lp_cidr_format(a, t), ifindex);
	for (size_t i = 0; i < f->n_addrs; i++) {
		if (same_dst(&f->addrs[i], a)) {
			f->addrs[i] = f->addrs[--f->n_addrs];
			return 0;
		}
	}
	return -ENOENT;
}

static int get_category(void *ctx, const char *guid, enum lp_win_category *out)
{
	struct fake_win *f = ctx;

	note(f, "get_category %s", guid);
	if (!f->has_network)
		return -ENOENT;
	*out = f->category;
	return 0;
}

static int set_category(void *ctx, const char *guid, enum lp_win_category c)
{
	struct fake_win *f = ctx;

	note(f, "set_category %s %s", guid, lp_win_category_name(c));
	if (f->set_category_err)
		return f->set_category_err;
	if (!f->has_network)
		return -ENOENT;
	f->category = c;
	return 0;
}

void fake_win_init(struct fake_win *f)
{
	memset(f, 0, sizeof(*f));
	f->api = (struct lp_win_api){
		.ctx = f,
		.list_adapters = list_adapters,
		.adapter_ifindex = adapter_ifindex,
		.list_ifaces = list_ifaces,
		.set_metric = set_metric,
		.set_mtu = set_mtu,
		.list_routes = list_routes,
		.best_route = best_route,
		.add_route = add_route,
		.del_route = del_route,
		.add_address = add_address,
		.del_address = del_address,
		.get_category = get_category,
		.set_category = set_category,
	};
}

struct fake_win fake;

int fake_win_setup(void **state)
{
	(void)state;
	fake_win_init(&fake);
	lp_win_api_use(&fake.api);
	return 0;
}

int fake_win_teardown(void **state)
{
	(void)state;
	lp_win_api_use(NULL);
	return 0;
}

void fake_win_iface(struct fake_win *f, uint32_t ifindex, const char *name, uint32_t metric,
		    bool auto_metric, bool connected)
{
	struct lp_win_iface *i = &f->ifaces[f->n_ifaces++];

	*i = (struct lp_win_iface){ .ifindex = ifindex,
				    .metric = metric,
				    .auto_metric = auto_metric,
				    .connected = connected,
				    .loopback = ifindex == 1 };
	snprintf(i->name, sizeof(i->name), "%s", name);
}

void fake_win_route(struct fake_win *f, const char *cidr, const char *gw, uint32_t ifindex,
		    uint32_t metric)
{
	struct lp_win_route *r = &f->routes[f->n_routes++];

	*r = (struct lp_win_route){ .dst = fake_cidr(cidr), .ifindex = ifindex, .metric = metric };
	if (gw) {
		char host[32];

		snprintf(host, sizeof(host), "%s/32", gw);
		struct lp_cidr g = fake_cidr(host);

		r->has_gw = true;
		memcpy(r->gw, g.addr, 4);
	}
}

void fake_win_adapter(struct fake_win *f, const char *guid, const char *component, const char *name)
{
	struct lp_win_adapter *a = &f->adapters[f->n_adapters++];

	memset(a, 0, sizeof(*a));
	snprintf(a->guid, sizeof(a->guid), "%s", guid);
	snprintf(a->component, sizeof(a->component), "%s", component);
	snprintf(a->name, sizeof(a->name), "%s", name);
}

int fake_win_find_route(const struct fake_win *f, const char *cidr, uint32_t ifindex)
{
	struct lp_cidr c = fake_cidr(cidr);

	for (size_t i = 0; i < f->n_routes; i++) {
		if (same_dst(&f->routes[i].dst, &c) && f->routes[i].ifindex == ifindex)
			return (int)i;
	}
	return -1;
}

uint32_t fake_win_metric(const struct fake_win *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->n_ifaces; i++) {
		if (f->ifaces[i].ifindex == ifindex)
			return f->ifaces[i].metric;
	}
	return 0;
}
