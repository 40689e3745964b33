/*
 * routes_windows.h: what the Windows side of routes.h adds for the party
 * adapter: its interface metric (the default-route guard,
 * lp_routes_drop_defaults, is in routes.h for both OSes).
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

#endif
