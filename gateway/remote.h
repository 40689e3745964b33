/*
 * remote.h: which frames captured on the party LAN go to the relay.
 *
 * The gateway sends the relay only what remote members can need: broadcast,
 * multicast, and unicast to a MAC the relay reported as remote (the clients'
 * MACs from welcome.members and peer_joined). Unicast between two LAN hosts
 * stays on the LAN, which is most of a LAN party's traffic. A few more
 * frames stay home because the relay would only drop them: switch-control
 * frames, frames over the room's size limit, and frames whose source is a
 * remote member's MAC (a frame that came back: a loop).
 *
 * struct lp_remote is a fixed-size open-addressing table (no allocation,
 * embed it); the set is keyed by MAC for the per-frame lookup and entries
 * remember their member id because peer_left names only the id.
 * Pure module: no I/O.
 */
#ifndef LP_REMOTE_H
#define LP_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"
#include "mac.h"

/* The most remote MACs held: one per member of the largest room. */
#define LP_REMOTE_MAX LP_CTRL_MAX_MEMBERS
/* Slots: a power of two, at least twice LP_REMOTE_MAX so probes stay short. */
#define LP_REMOTE_SLOTS (2 * LP_REMOTE_MAX)

/* What to do with one captured frame; indexes counters, so keep it dense. */
enum lp_remote_verdict {
	LP_REMOTE_BROADCAST = 0,  /* send: ff:ff:ff:ff:ff:ff */
	LP_REMOTE_MULTICAST,	  /* send: group bit set */
	LP_REMOTE_UNICAST,	  /* send: to a remote member's MAC */
	LP_REMOTE_LOCAL,	  /* stay: unicast to a MAC not known to be remote */
	LP_REMOTE_SWITCH_CONTROL, /* stay: 01:80:c2:00:00:0x (STP, LACP...), the relay drops it */
	LP_REMOTE_OVERSIZE,	  /* stay: over room MTU + 22, the relay drops it */
	LP_REMOTE_LOOP,		  /* stay: source is a remote member's MAC */
	LP_REMOTE_RUNT,		  /* stay: shorter than an Ethernet header */
	LP_REMOTE__COUNT
};

struct lp_remote_slot {
	uint32_t id; /* member id; 0: slot free (ids start at 1) */
	struct lp_mac mac;
};

struct lp_remote {
	size_t count;
	size_t frame_max; /* largest frame sent; 0: no limit */
	struct lp_remote_slot slot[LP_REMOTE_SLOTS];
};

/*
 * lp_remote_init: an empty set without a size limit. Also resets a used
 * set (on disconnect: until the next welcome nothing is known to be remote).
 */
void lp_remote_init(struct lp_remote *r);

/* lp_remote_clear: forget every MAC; keeps the size limit. */
void lp_remote_clear(struct lp_remote *r);

/*
 * lp_remote_set_mtu: frames longer than lp_mtu_frame_max(mtu) (room MTU +
 * 14-byte header + two VLAN tags) get LP_REMOTE_OVERSIZE.
 * mtu: the room MTU from the join config or the welcome; 0 removes the limit.
 * Returns 0, or LP_ERR_INVALID for an MTU out of LP_MTU_MIN..LP_MTU_MAX
 * (the limit is then unchanged).
 */
int lp_remote_set_mtu(struct lp_remote *r, uint32_t mtu);

/*
 * lp_remote_add: member_id owns mac, a remote MAC. Adding a MAC that is
 * already held moves it to member_id (the relay is the authority); adding a
 * second MAC for a member replaces its first.
 * member_id: 1..LP_CTRL_MEMBER_ID_MAX. mac: a valid member MAC (unicast,
 * not zero).
 * Returns 0; LP_ERR_INVALID for a bad id or MAC; LP_ERR_LIMIT when
 * LP_REMOTE_MAX MACs are held already (the set is unchanged).
 */
int lp_remote_add(struct lp_remote *r, uint32_t member_id, const struct lp_mac *mac);

/*
 * lp_remote_del: forget the MAC of member member_id (peer_left).
 * Returns 0, or LP_ERR_NOT_FOUND when the member has no MAC in the set
 * (the gateway itself, a member without a MAC, an unknown id).
 */
int lp_remote_del(struct lp_remote *r, uint32_t member_id);

/*
 * lp_remote_add_member: lp_remote_add for a member of a welcome or a
 * peer_joined, when it is remote: a client with a MAC other than self_id.
 * Other members (the gateway, self) are skipped.
 * Returns 0 (added or skipped), or the errors of lp_remote_add().
 */
int lp_remote_add_member(struct lp_remote *r, const struct lp_ctrl_member *m, uint32_t self_id);

/*
 * lp_remote_load_welcome: replace the set with the remote members of w
 * (lp_remote_add_member for each, w->member_id as self) and take w->mtu as
 * the size limit. On an error the members before the failing one are kept.
 * Returns 0, or the first error of lp_remote_add_member / lp_remote_set_mtu.
 */
int lp_remote_load_welcome(struct lp_remote *r, const struct lp_ctrl_welcome *w);

/* lp_remote_has: true when mac is a remote member's MAC. */
bool lp_remote_has(const struct lp_remote *r, const struct lp_mac *mac);

/* lp_remote_count: how many remote MACs are held. */
size_t lp_remote_count(const struct lp_remote *r);

/*
 * lp_remote_classify: the verdict for a frame captured on the LAN.
 * frame, len: the Ethernet frame (no FCS, VLAN tags in place); only the
 * first 12 bytes are read.
 */
enum lp_remote_verdict lp_remote_classify(const struct lp_remote *r, const uint8_t *frame,
					  size_t len);

/* lp_remote_sends: true for the verdicts that send the frame to the relay. */
static inline bool lp_remote_sends(enum lp_remote_verdict v)
{
	return v <= LP_REMOTE_UNICAST;
}

/* lp_remote_verdict_name: "broadcast", "local", "loop"...; NULL when out of range. */
const char *lp_remote_verdict_name(enum lp_remote_verdict v);

#endif
