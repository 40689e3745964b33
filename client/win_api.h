/*
 * win_api.h: the Win32 calls of the Windows client's network setup, behind
 * a table of functions, so the decisions above them (which TAP adapter,
 * which metric, which routes, which firewall category) run the same with
 * the real calls (win_api_windows.c) and with the fakes of the tests: wine
 * lacks several of these calls and has no TAP driver.
 *
 * Every function returns 0 or a negative code (-errno from the Win32
 * error, or an LP_ERR_*); ctx is the table's own.
 */
#ifndef LP_WIN_API_H
#define LP_WIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routes.h"

/* "{4D36E972-E325-11CE-BFC1-08002BE10318}" and a NUL. */
#define LP_WIN_GUID_MAX 39
/* A connection's name as the Network Connections folder shows it, UTF-8. */
#define LP_WIN_NAME_MAX 256
/* The ComponentId of tap-windows6, the TAP driver OpenVPN ships. */
#define LP_WIN_TAP_COMPONENT "tap0901"
/* Most adapters, interfaces and routes one listing returns. */
#define LP_WIN_LIST_MAX 256

/* A network adapter from the registry's network adapter class. */
struct lp_win_adapter {
	char guid[LP_WIN_GUID_MAX]; /* NetCfgInstanceId, with braces */
	char component[64];	    /* ComponentId, e.g. tap0901 */
	char name[LP_WIN_NAME_MAX]; /* connection name, e.g. "Ethernet 2"; may be "" */
};

/* An IPv4 interface, as the routing table sees it. */
struct lp_win_iface {
	uint32_t ifindex;
	uint32_t metric;  /* the interface metric in use */
	bool auto_metric; /* Windows picks the metric from the link speed */
	bool connected;	  /* operational status up */
	bool loopback;
	char name[LP_WIN_NAME_MAX];
};

/* A route: destination, next hop (none: on-link), interface, route metric. */
struct lp_win_route {
	struct lp_cidr dst;
	bool has_gw;
	uint8_t gw[16];
	uint32_t ifindex;
	uint32_t metric;
};

/* Windows Firewall network categories (NLM_NETWORK_CATEGORY). */
enum lp_win_category {
	LP_WIN_PUBLIC = 0,
	LP_WIN_PRIVATE = 1,
	LP_WIN_DOMAIN = 2,
};

struct lp_win_api {
	void *ctx;
	/* The adapters of the network adapter class key, with component id and name. */
	int (*list_adapters)(void *ctx, struct lp_win_adapter *out, size_t max, size_t *n);
	/* The interface index of the adapter with this GUID (-ENOENT: not there). */
	int (*adapter_ifindex)(void *ctx, const char *guid, uint32_t *ifindex);
	/* Every IPv4 interface. */
	int (*list_ifaces)(void *ctx, struct lp_win_iface *out, size_t max, size_t *n);
	/* Set an interface's IPv4 metric, or give it back to Windows (automatic). */
	int (*set_metric)(void *ctx, uint32_t ifindex, bool automatic, uint32_t metric);
	/* Set the IP MTU (IPv4, and IPv6 where the adapter has it). */
	int (*set_mtu)(void *ctx, uint32_t ifindex, uint32_t mtu);
	/* Every route of both families. */
	int (*list_routes)(void *ctx, struct lp_win_route *out, size_t max, size_t *n);
	/* The route Windows picks for dst now (-ENETUNREACH: none). *local: dst is ours. */
	int (*best_route)(void *ctx, const struct lp_cidr *dst, struct lp_win_route *out,
			  bool *local);
	int (*add_route)(void *ctx, const struct lp_win_route *r); /* -EEXIST: there */
	int (*del_route)(void *ctx, const struct lp_win_route *r); /* -ENOENT: gone */
	int (*add_address)(void *ctx, uint32_t ifindex, const struct lp_cidr *a);
	int (*del_address)(void *ctx, uint32_t ifindex, const struct lp_cidr *a);
	/*
	 * The firewall category of the network the adapter (GUID) is
	 * connected to; -ENOENT while Windows has not identified one yet.
	 */
	int (*get_category)(void *ctx, const char *guid, enum lp_win_category *out);
	int (*set_category)(void *ctx, const char *guid, enum lp_win_category c);
};

/* lp_win_api_real: the table of real Win32 calls (win_api_windows.c). */
const struct lp_win_api *lp_win_api_real(void);

/*
 * lp_win_api_use: the table routes_windows.c and the other users take from
 * now on (tests install their fakes); NULL: the real one.
 */
void lp_win_api_use(const struct lp_win_api *api);

/* lp_win_api: the table in use. */
const struct lp_win_api *lp_win_api(void);

/* ---------------------------------------------------------------- decisions */

/*
 * lp_win_tap_pick: the TAP adapter to use among adapters[0..n): the one
 * whose connection name is want (compared without case), or, with want
 * NULL or "", the first tap-windows6 adapter (component LP_WIN_TAP_COMPONENT)
 * for which busy(arg, guid) is false (busy may be NULL: none is busy).
 * Returns its index; LP_ERR_NOT_FOUND (no tap-windows6 adapter at all:
 * err says how to install one; or none of that name: err lists the TAP
 * adapters there are); LP_ERR_INVALID (want names an adapter that is not
 * a tap-windows6 one); -EBUSY (every TAP adapter is in use, or the wanted
 * one is). err: errlen bytes for a sentence a player can act on.
 */
int lp_win_tap_pick(const struct lp_win_adapter *adapters, size_t n, const char *want,
		    bool (*busy)(void *arg, const char *guid), void *arg, char *err, size_t errlen);

/* The lowest interface metric the party adapter takes (Windows allows 1). */
#define LP_WIN_METRIC_MIN 1

/* What lp_win_metric_plan decided. */
struct lp_win_metric_plan {
	bool change;	 /* set the party adapter's metric to metric */
	uint32_t metric; /* its metric after the change (or now) */
	bool tie;	 /* another interface keeps an equal metric: it may win */
	uint32_t rival;	 /* that (or the lowest other) interface's index, 0: none */
	uint32_t rival_metric;
	char rival_name[LP_WIN_NAME_MAX];
};

/*
 * lp_win_metric_plan: the metric that makes the party adapter (tap_ifindex)
 * the lowest of the connected IPv4 interfaces (loopback aside), so that
 * games' broadcasts to 255.255.255.255 leave through it: one below the
 * lowest other, at least LP_WIN_METRIC_MIN; no change when it is already
 * the lowest with a fixed metric. An interface already at the minimum
 * leaves a tie (another VPN's adapter): plan->tie names it.
 * Returns 0, or LP_ERR_NOT_FOUND when tap_ifindex is not among ifaces.
 */
int lp_win_metric_plan(const struct lp_win_iface *ifaces, size_t n, uint32_t tap_ifindex,
		       struct lp_win_metric_plan *plan);

/*
 * lp_win_default_routes: the indexes (into routes) of the default routes
 * (0.0.0.0/0, ::/0) through the party adapter, which a party LAN's DHCP
 * server or router advertisement put there: they must go, or the player's
 * internet traffic would leave through the party. At most max indexes.
 * Returns how many.
 */
size_t lp_win_default_routes(const struct lp_win_route *routes, size_t n, uint32_t tap_ifindex,
			     size_t *idx, size_t max);

/* What lp_win_profile_decide tells the caller to do. */
enum lp_win_profile_action {
	LP_WIN_PROFILE_WAIT = 0,    /* no network identified yet: look again later */
	LP_WIN_PROFILE_KEEP,	    /* Private or Domain already: nothing to change */
	LP_WIN_PROFILE_SET_PRIVATE, /* Public: make it Private, and put it back at exit */
};

/*
 * lp_win_profile_decide: from what get_category answered (ret, and *cat
 * when ret is 0): -ENOENT waits; Public is changed; Private and Domain are
 * kept; any other error is LP_WIN_PROFILE_KEEP (the caller logs it).
 */
enum lp_win_profile_action lp_win_profile_decide(int ret, enum lp_win_category cat);

/* lp_win_category_name: "Public", "Private", "Domain", or "?". */
const char *lp_win_category_name(enum lp_win_category c);

#endif
