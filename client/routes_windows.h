/*
 * routes_windows.h: what the Windows side of routes.h adds for the party
 * adapter: its interface metric, and the guard that keeps a party DHCP
 * server's router from becoming the player's default route.
 */
#ifndef LP_ROUTES_WINDOWS_H
#define LP_ROUTES_WINDOWS_H

#include "routes.h"
#include "win_api.h"

/*
 * lp_routes_set_metric: give the party adapter the lowest interface metric
 * (lp_win_metric_plan), remembering the old one for lp_routes_del(), which
 * puts it back. plan receives the decision (for the log line).
 * Returns 0 (also when nothing had to change), or the Win32 error as -errno
 * (-EACCES: not run as Administrator). err says which.
 */
int lp_routes_set_metric(struct lp_routes *r, struct lp_win_metric_plan *plan, char *err,
			 size_t errlen);

/*
 * lp_routes_drop_defaults: remove every default route (0.0.0.0/0, ::/0)
 * through the party adapter: the party LAN's DHCP server or router
 * advertisements put them there, and the player's internet traffic must
 * keep its own. Called at start and then periodically, since a lease comes
 * (and is renewed) at any time. Not restored at exit: the lease ends with
 * the adapter's link. Returns how many were removed, or -errno.
 */
int lp_routes_drop_defaults(struct lp_routes *r);

#endif
