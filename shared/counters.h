/*
 * counters.h: traffic counters for rooms and members.
 *
 * One struct lp_counters per member and one per room; the forwarding path
 * bumps them with the inline functions below (an add or two, no call), and
 * the store, the admin API and /metrics read them by name. Pure; no I/O.
 *
 * Names are part of the admin API, the Prometheus labels and the SQLite
 * schema: never rename one. Enum values are not stored anywhere, but new
 * reasons are still appended at the end to keep diffs of old logs readable.
 */
#ifndef LP_COUNTERS_H
#define LP_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

/* Direction, seen from the relay (or from an agent's view of its relay link). */
enum lp_dir {
	LP_DIR_UP = 0,	 /* from a member into the relay */
	LP_DIR_DOWN = 1, /* from the relay to a member */
	LP_DIR__COUNT = 2
};

/* Why a frame was not forwarded. Meanings in docs (lp_drop_describe()). */
enum lp_drop {
	LP_DROP_OVERSIZE = 0,	    /* "oversize": larger than the room MTU */
	LP_DROP_SWITCH_CONTROL = 1, /* "switch_control": to 01:80:c2:00:00:0x */
	LP_DROP_DHCP_SERVER = 2,    /* "dhcp_server": DHCP server reply from a client */
	LP_DROP_IPV6_RA = 3,	    /* "ipv6_ra": router advertisement from a client */
	LP_DROP_SPOOFED_MAC = 4,    /* "spoofed_mac": client sent from a MAC not its own */
	LP_DROP_LOOP = 5,	    /* "loop": source MAC belongs to another member */
	LP_DROP_RATE_BROADCAST = 6, /* "rate_broadcast": broadcast/multicast limit */
	LP_DROP_RATE_TOTAL = 7,	    /* "rate_total": total frames/bytes limit */
	LP_DROP_QUEUE_FULL = 8,	    /* "queue_full": member's send queue full */
	LP_DROP_MALFORMED = 9,	    /* "malformed": bad overlay header or Ethernet frame */
	LP_DROP_FRAGMENT = 10,	    /* "fragment": reassembly failed or timed out */
	LP_DROP_NO_ROUTE = 11,	    /* "no_route": nobody to deliver to */
	LP_DROP_NOT_ADMITTED = 12,  /* "not_admitted": datagram before welcome or after leave */
	LP_DROP_SEND_FAILED = 13,   /* "send_failed": the transport refused the datagram */
	LP_DROP__COUNT = 14
};

struct lp_counters {
	uint64_t frames[LP_DIR__COUNT][LP_CAST__COUNT];
	uint64_t bytes[LP_DIR__COUNT][LP_CAST__COUNT];
	uint64_t drops[LP_DROP__COUNT];
};

/*
 * lp_counters_add: count one frame of len bytes (the Ethernet frame, without
 * overlay or QUIC overhead) in direction dir, by destination cast.
 * dir and cast must be valid (< __COUNT): not checked, this is the hot path.
 */
static inline void lp_counters_add(struct lp_counters *c, enum lp_dir dir, enum lp_cast cast,
				   size_t len)
{
	c->frames[dir][cast] += 1;
	c->bytes[dir][cast] += (uint64_t)len;
}

/* lp_counters_drop: count one dropped frame; why must be < LP_DROP__COUNT. */
static inline void lp_counters_drop(struct lp_counters *c, enum lp_drop why)
{
	c->drops[why] += 1;
}

/* lp_counters_reset: zero every counter. */
void lp_counters_reset(struct lp_counters *c);

/* lp_counters_merge: dst += src, counter by counter (a member's into its room). */
void lp_counters_merge(struct lp_counters *dst, const struct lp_counters *src);

/*
 * lp_counters_delta: out = now - before, counter by counter, for flushing
 * what changed since the last snapshot. A counter that went down (reset in
 * between) yields its value in now. out may alias now, not before.
 */
void lp_counters_delta(struct lp_counters *out, const struct lp_counters *now,
		       const struct lp_counters *before);

/* Totals over every cast in one direction (dir < LP_DIR__COUNT). */
uint64_t lp_counters_frames(const struct lp_counters *c, enum lp_dir dir);
uint64_t lp_counters_bytes(const struct lp_counters *c, enum lp_dir dir);
/* lp_counters_drops: dropped frames, all reasons together. */
uint64_t lp_counters_drops(const struct lp_counters *c);
/* lp_counters_is_zero: true when no counter has counted anything. */
bool lp_counters_is_zero(const struct lp_counters *c);

/*
 * Names: lower snake_case ASCII, static strings. The *_name functions return
 * NULL for a value out of range; the *_from_name functions take a
 * NUL-terminated exact name and return 0, or LP_ERR_INVALID (out untouched).
 */
const char *lp_dir_name(enum lp_dir dir); /* "up", "down" */
int lp_dir_from_name(const char *name, enum lp_dir *out);
/* "unicast", "multicast", "broadcast" for enum lp_cast of mac.h. */
const char *lp_counters_cast_name(enum lp_cast cast);
int lp_counters_cast_from_name(const char *name, enum lp_cast *out);
const char *lp_drop_name(enum lp_drop why);
int lp_drop_from_name(const char *name, enum lp_drop *out);
/* lp_drop_describe: one English sentence for operators; NULL when out of range. */
const char *lp_drop_describe(enum lp_drop why);

#endif
