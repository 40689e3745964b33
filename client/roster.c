/*
 * roster.c: the room's other members as the agent last heard (roster.h).
 */
#include "roster.h"

#include <string.h>

void lp_roster_reset(struct lp_roster *r)
{
	r->n = 0;
}

static struct lp_roster_entry *find(struct lp_roster *r, uint32_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].id == id)
			return &r->e[i];
	return NULL;
}

bool lp_roster_add(struct lp_roster *r, const struct lp_ctrl_member *m)
{
	struct lp_roster_entry *e = find(r, m->id);

	if (!e) {
		if (r->n == LP_CTRL_MAX_MEMBERS)
			return false;
		e = &r->e[r->n++];
	}
	e->id = m->id;
	e->role = m->role;
	e->has_mac = m->has_mac;
	e->mac = m->mac;
	return true;
}

bool lp_roster_remove(struct lp_roster *r, uint32_t id, struct lp_roster_entry *out)
{
	struct lp_roster_entry *e = find(r, id);

	if (!e)
		return false;
	*out = *e;
	/* Order does not matter: the last entry fills the hole. */
	*e = r->e[--r->n];
	return true;
}
