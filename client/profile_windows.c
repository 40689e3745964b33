/*
 * profile_windows.c: the party network's firewall category
 * (profile_windows.h).
 */
#include "profile_windows.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "log.h"

void lp_win_profile_init(struct lp_win_profile *p, const char *guid, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->api = lp_win_api();
	snprintf(p->guid, sizeof(p->guid), "%s", guid);
	snprintf(p->name, sizeof(p->name), "%s", name);
}

bool lp_win_profile_step(struct lp_win_profile *p)
{
	enum lp_win_category cat = LP_WIN_PUBLIC;

	if (p->done)
		return true;
	int ret = p->api->get_category(p->api->ctx, p->guid, &cat);

	switch (lp_win_profile_decide(ret, cat)) {
	case LP_WIN_PROFILE_WAIT:
		if (++p->tries < LP_WIN_PROFILE_TRIES)
			return false;
		log_warnx("firewall_profile_unknown dev=\"%s\" hint=\"Windows has not identified "
			  "the party network; if games do not see each other, set it to Private "
			  "(docs/windows.md)\"",
			  p->name);
		break;
	case LP_WIN_PROFILE_KEEP:
		if (ret < 0)
			log_warnx("firewall_profile_unknown dev=\"%s\" error=\"%s\"", p->name,
				  lp_strerror(ret));
		else
			log_info("firewall_profile dev=\"%s\" category=%s changed=no", p->name,
				 lp_win_category_name(cat));
		break;
	case LP_WIN_PROFILE_SET_PRIVATE:
		ret = p->api->set_category(p->api->ctx, p->guid, LP_WIN_PRIVATE);
		if (ret < 0) {
			log_warnx("firewall_profile_public dev=\"%s\" error=\"%s\" hint=\"Windows "
				  "Firewall blocks LAN discovery on Public networks: set the party "
				  "network to Private by hand (docs/windows.md)\"",
				  p->name, lp_strerror(ret));
			break;
		}
		p->changed = true;
		p->old = cat;
		log_info("firewall_profile dev=\"%s\" category=Private was=%s changed=yes "
			 "why=\"Windows Firewall lets LAN discovery through on Private networks; "
			 "put back at exit\"",
			 p->name, lp_win_category_name(cat));
		break;
	}
	p->done = true;
	return true;
}

void lp_win_profile_restore(struct lp_win_profile *p)
{
	if (!p->changed)
		return;
	int ret = p->api->set_category(p->api->ctx, p->guid, p->old);

	/* The adapter's link is down by now, its network may be gone: nothing to restore. */
	if (ret < 0 && ret != -ENOENT)
		log_warnx("firewall_profile_restore_failed dev=\"%s\" error=\"%s\"", p->name,
			  lp_strerror(ret));
	else
		log_info("firewall_profile_restored dev=\"%s\" category=%s", p->name,
			 lp_win_category_name(p->old));
	p->changed = false;
}
