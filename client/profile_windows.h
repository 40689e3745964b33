/*
 * profile_windows.h: the firewall category of the party network. Windows
 * puts an unidentified network (the party LAN is one) in the Public
 * category, where Windows Firewall blocks the discovery traffic LAN games
 * rely on. The client makes it Private, says so, and puts it back at exit
 * when it changed it. Through win_api.h, so tests run it with fakes.
 */
#ifndef LP_PROFILE_WINDOWS_H
#define LP_PROFILE_WINDOWS_H

#include <stdbool.h>

#include "tap.h"
#include "win_api.h"

/* Tries before giving up on a network that never gets identified. */
#define LP_WIN_PROFILE_TRIES 60

struct lp_win_profile {
	const struct lp_win_api *api;
	char guid[LP_WIN_GUID_MAX];
	char name[LP_TAP_NAME_MAX];
	bool done;    /* nothing more to do until exit */
	bool changed; /* the category was changed: restore at exit */
	enum lp_win_category old;
	unsigned tries;
};

/* lp_win_profile_init: for the adapter guid (named name in messages), with the api in use. */
void lp_win_profile_init(struct lp_win_profile *p, const char *guid, const char *name);

/*
 * lp_win_profile_step: look at the party network once and act
 * (lp_win_profile_decide), logging what changed or why not. Call it again
 * later until it returns true: the network appears only once the adapter
 * has an address (DHCP can take a while). Gives up after
 * LP_WIN_PROFILE_TRIES looks.
 */
bool lp_win_profile_step(struct lp_win_profile *p);

/* lp_win_profile_restore: put the category back if lp_win_profile_step changed it. */
void lp_win_profile_restore(struct lp_win_profile *p);

#endif
