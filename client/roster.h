/*
 * roster.h: who else is in the room, as the relay said (the welcome's list,
 * then peer_joined and peer_left), so that an agent's log of a member
 * leaving names its role and MAC as the join did. Control path only: a
 * fixed table, linear search. No allocation, no OS.
 */
#ifndef LP_ROSTER_H
#define LP_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"

struct lp_roster_entry {
	uint32_t id;
	enum lp_ctrl_role role;
	bool has_mac;
	struct lp_mac mac;
};

struct lp_roster {
	size_t n;
	struct lp_roster_entry e[LP_CTRL_MAX_MEMBERS];
};

/* lp_roster_reset: forget everyone (a new session). */
void lp_roster_reset(struct lp_roster *r);

/*
 * lp_roster_add: remember m (replacing an entry of the same id). Returns
 * false when the table is full (more members than a welcome can list).
 */
bool lp_roster_add(struct lp_roster *r, const struct lp_ctrl_member *m);

/* lp_roster_remove: forget id; *out receives its entry. Returns false when id is unknown. */
bool lp_roster_remove(struct lp_roster *r, uint32_t id, struct lp_roster_entry *out);

#endif
