/*
 * win_decide_windows.c: the Windows client's decisions about adapters,
 * metrics, default routes and firewall categories (win_api.h). Pure
 * functions of what the Win32 calls listed, so the tests check them with
 * made-up listings under wine.
 */
#include "win_api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const struct lp_win_api *api_in_use;

void lp_win_api_use(const struct lp_win_api *api)
{
	api_in_use = api;
}

const struct lp_win_api *lp_win_api(void)
{
	return api_in_use ? api_in_use : lp_win_api_real();
}

/* ---------------------------------------------------------------- TAP adapter */

/* Connection names are compared as Windows does, without ASCII case. */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool is_tap(const struct lp_win_adapter *a)
{
	return same_name(a->component, LP_WIN_TAP_COMPONENT);
}

/* "A", "B" and "C": the TAP adapters' names, for a message. */
static void list_taps(const struct lp_win_adapter *ad, size_t n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		if (!is_tap(&ad[i]))
			continue;
		int w = snprintf(out + used, len - used, "%s\"%s\"", used ? ", " : "",
				 ad[i].name[0] ? ad[i].name : ad[i].guid);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int lp_win_tap_pick(const struct lp_win_adapter *ad, size_t n, const char *want,
		    bool (*busy)(void *arg, const char *guid), void *arg, char *err, size_t errlen)
{
	char names[512];
	size_t taps = 0;

	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; i < n; i++)
		taps += is_tap(&ad[i]);
	if (taps == 0) {
		snprintf(err, errlen,
			 "no TAP adapter is installed: install tap-windows6 (the TAP driver of "
			 "OpenVPN, \"TAP-Windows\" in its installer, or tapctl.exe create) and "
			 "run lanparty-client again; see docs/windows.md");
		return LP_ERR_NOT_FOUND;
	}
	list_taps(ad, n, names, sizeof(names));
	if (want && want[0]) {
		for (size_t i = 0; i < n; i++) {
			if (!same_name(ad[i].name, want) && !same_name(ad[i].guid, want))
				continue;
			if (!is_tap(&ad[i])) {
				snprintf(err, errlen,
					 "adapter \"%s\" is not a TAP adapter (its driver is %s); "
					 "TAP adapters here: %s",
					 want, ad[i].component[0] ? ad[i].component : "unknown",
					 names);
				return LP_ERR_INVALID;
			}
			if (busy && busy(arg, ad[i].guid)) {
				snprintf(err, errlen,
					 "TAP adapter \"%s\" is in use by another program (another "
					 "VPN, or lanparty-client running already)",
					 want);
				return -EBUSY;
			}
			return (int)i;
		}
		snprintf(err, errlen, "no adapter named \"%s\"; TAP adapters here: %s", want,
			 names);
		return LP_ERR_NOT_FOUND;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_tap(&ad[i]) && !(busy && busy(arg, ad[i].guid)))
			return (int)i;
	}
	snprintf(err, errlen,
		 "every TAP adapter is in use (%s): close the program using it, or add one "
		 "more with tapctl.exe create",
		 names);
	return -EBUSY;
}

/* ---------------------------------------------------------------- metric */

int lp_win_metric_plan(const struct lp_win_iface *ifs, size_t n, uint32_t tap_ifindex,
		       struct lp_win_metric_plan *plan)
{
	const struct lp_win_iface *tap = NULL, *low = NULL;

	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < n; i++) {
		if (ifs[i].ifindex == tap_ifindex) {
			tap = &ifs[i];
			continue;
		}
		if (!ifs[i].connected || ifs[i].loopback)
			continue;
		if (!low || ifs[i].metric < low->metric)
			low = &ifs[i];
	}
	if (!tap)
		return LP_ERR_NOT_FOUND;
	plan->metric = tap->metric;
	if (!low) {
		/* Alone: still pin the metric, so an adapter plugged in later does not win. */
		plan->change = tap->auto_metric || tap->metric > LP_WIN_METRIC_MIN;
		plan->metric = plan->change ? LP_WIN_METRIC_MIN : tap->metric;
		return 0;
	}
	plan->rival = low->ifindex;
	plan->rival_metric = low->metric;
	snprintf(plan->rival_name, sizeof(plan->rival_name), "%s", low->name);
	uint32_t want = low->metric > LP_WIN_METRIC_MIN ? low->metric - 1 : LP_WIN_METRIC_MIN;

	plan->change = tap->auto_metric || tap->metric > want;
	plan->metric = plan->change ? want : tap->metric;
	plan->tie = plan->metric >= low->metric;
	return 0;
}

/* ---------------------------------------------------------------- default routes */

size_t lp_win_default_routes(const struct lp_win_route *routes, size_t n, uint32_t tap_ifindex,
			     size_t *idx, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		if (routes[i].dst.prefix == 0 && routes[i].ifindex == tap_ifindex)
			idx[k++] = i;
	}
	return k;
}

/* ---------------------------------------------------------------- firewall */

enum lp_win_profile_action lp_win_profile_decide(int ret, enum lp_win_category cat)
{
	if (ret == -ENOENT)
		return LP_WIN_PROFILE_WAIT;
	if (ret < 0)
		return LP_WIN_PROFILE_KEEP;
	return cat == LP_WIN_PUBLIC ? LP_WIN_PROFILE_SET_PRIVATE : LP_WIN_PROFILE_KEEP;
}

const char *lp_win_category_name(enum lp_win_category c)
{
	switch (c) {
	case LP_WIN_PUBLIC:
		return "Public";
	case LP_WIN_PRIVATE:
		return "Private";
	case LP_WIN_DOMAIN:
		return "Domain";
	default:
		return "?";
	}
}
