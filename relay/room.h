/*
 * room.h: a room's live state in the relay: its members, its forwarding
 * database, and the forwarding of Ethernet frames between members with the
 * L2 safety filters.
 *
 * A room knows nothing of QUIC: each member carries a struct lp_member_io
 * through which the transport takes frames and control messages, so the
 * forwarding rules are tested with plain in-memory members.
 */
#ifndef LP_RELAY_ROOM_H
#define LP_RELAY_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "ctrl.h"
#include "fdb.h"
#include "mac.h"
#include "ratelimit.h"

#define LP_ROOM_NAME_MAX   64
#define LP_MEMBER_ADDR_MAX 64
#define LP_ROOM_FDB_SIZE   4096 /* MACs per room, LAN hosts included */

struct lp_member;

/* What a member's transport must do for the room. */
struct lp_member_io {
	/*
	 * Queue one Ethernet frame for the member; the transport splits it into
	 * datagrams for the member's path. Returns 0, or a negative code when
	 * the frame cannot be queued (queue full, connection closing): the
	 * room counts it as a queue_full drop.
	 */
	int (*send_frame)(void *conn, const uint8_t *frame, size_t len);
	/* Send a control message on the member's control stream. */
	int (*send_ctrl)(void *conn, const struct lp_ctrl_msg *m);
};

struct lp_room;

struct lp_member {
	uint32_t id;
	struct lp_room *room;
	bool gateway;
	bool has_mac;
	struct lp_mac mac; /* a client's registered MAC, pinned in the room's fdb */
	char name[LP_CTRL_NAME_MAX + 1];
	char agent[LP_CTRL_AGENT_MAX + 1];
	char remote[LP_MEMBER_ADDR_MAX]; /* "addr:port" as last seen */
	int64_t connected_at;		 /* unix seconds */
	uint64_t rtt_us;
	int64_t session_id; /* the store's session log row */
	uint8_t resume_hash[32];
	struct lp_counters ctr;
	struct lp_ratelimit bcast_rl; /* broadcast+multicast frames from the member */
	struct lp_ratelimit bytes_rl; /* all bytes from the member */
	const struct lp_member_io *io;
	void *conn;
	size_t index; /* in room->members */
};

struct lp_room_settings {
	char name[LP_ROOM_NAME_MAX + 1];
	uint32_t max_clients;
	uint32_t mtu;
	uint32_t bcast_pps;
	uint64_t bytes_per_s;
	bool enabled;
	int64_t expires_at; /* 0 = never */
};

struct lp_room {
	int64_t id;
	struct lp_room_settings set;
	size_t max_frame; /* largest Ethernet frame for set.mtu */
	struct lp_member **members;
	size_t n_members;
	size_t cap_members;
	struct lp_member *gateway;
	uint32_t n_clients;
	struct lp_fdb fdb;
	struct lp_counters gone; /* counters of members that have left */
	void *owner;		 /* the relay's per-room data */
};

/* lp_room_new: a room with no members. Returns NULL on allocation failure. */
struct lp_room *lp_room_new(int64_t id, const struct lp_room_settings *set);

/* lp_room_del: free the room; members must have been removed. NULL-safe. */
void lp_room_del(struct lp_room *r);

/*
 * lp_room_apply: take new settings (rate limits of live members follow).
 * The MTU of a room with members stays until it is empty (frames in flight
 * were sized for it); returns LP_ERR_STATE then, after applying the rest.
 */
int lp_room_apply(struct lp_room *r, const struct lp_room_settings *set);

/*
 * lp_room_add: admit m (id, role, MAC, io and conn filled by the caller) and
 * tell the other members (peer_joined). Returns 0, LP_ERR_EXISTS (a second
 * gateway, or the MAC is held by another member), LP_ERR_LIMIT (room full)
 * or LP_ERR_NOMEM. The caller keeps ownership of m until lp_room_remove.
 */
int lp_room_add(struct lp_room *r, struct lp_member *m, uint64_t now_ns);

/*
 * lp_room_remove: take m out of the room and out of every forwarding entry
 * at once, fold its counters into the room's, and tell the others
 * (peer_left with why).
 */
void lp_room_remove(struct lp_room *r, struct lp_member *m, enum lp_disconnect_reason why);

/*
 * lp_room_replace: nm takes old's place (a resumed session): same id, MAC,
 * forwarding entries and (a copy of the) counters; nobody is told. old leaves the room
 * without a peer_left. Returns 0, or LP_ERR_INVALID when old is not in r or
 * their ids, roles or MACs differ.
 */
int lp_room_replace(struct lp_room *r, struct lp_member *old, struct lp_member *nm);

/* lp_room_find: the live member with this id, or NULL. */
struct lp_member *lp_room_find(const struct lp_room *r, uint32_t id);

/* lp_room_find_mac: the live client whose registered MAC is mac, or NULL. */
struct lp_member *lp_room_find_mac(const struct lp_room *r, const struct lp_mac *mac);

/*
 * lp_room_forward: one Ethernet frame received from src. Applies the filters
 * (oversize, switch control, DHCP server replies and router advertisements
 * from clients, a client's spoofed source MAC, a source MAC pinned to another
 * member, group source MACs), the member's rate limits, learns the source,
 * and delivers: unicast to a known MAC to its member only; broadcast,
 * multicast and unknown unicast to every other member; never back to src.
 * Every frame is counted (up on src, down on each receiver) or dropped with
 * a reason on src. frame is not modified and not kept.
 */
void lp_room_forward(struct lp_room *r, struct lp_member *src, const uint8_t *frame, size_t len,
		     uint64_t now_ns);

/* lp_room_counters: the room's totals: members that left plus live members. */
void lp_room_counters(const struct lp_room *r, struct lp_counters *out);

/* lp_member_info: fill a control-message member entry for m. */
void lp_member_info(const struct lp_member *m, struct lp_ctrl_member *out);

/*
 * lp_member_limits: set m's rate limits from the room's settings. fresh: a
 * full bucket (a new member); otherwise the current level is kept. Limits
 * are at most LP_RATELIMIT_MAX per second (the API refuses more).
 */
void lp_member_limits(struct lp_member *m, const struct lp_room_settings *set, bool fresh);

#endif
