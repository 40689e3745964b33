/*
 * fdb.h: a room's forwarding database, MAC -> member, like a switch's.
 *
 * Entries are learned from the source MACs of frames and age out (default
 * 300 s, as a switch does); a client's registered MAC is pinned to it: it
 * never ages, and no other member can take it over by sending from it.
 *
 * Open addressing with linear probing and backward-shift deletion over a
 * power-of-two table: O(1) lookups and learning. The table starts at 16
 * slots and doubles (one rehash) when a new MAC would load it past 3/4, up
 * to the capacity for the room's maximum, so an idle or small room costs
 * little; the frame path allocates only on those few doublings. When the
 * table is at its maximum, learning refuses new MACs (they are then flooded
 * as unknown unicast, which is always correct).
 */
#ifndef LP_RELAY_FDB_H
#define LP_RELAY_FDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define LP_FDB_AGE_NS (300ull * 1000000000ull)

struct lp_fdb_entry {
	struct lp_mac mac;
	bool used;
	bool pinned;
	uint32_t member; /* member id; 0 is never a member */
	void *ref;	 /* the caller's pointer for that member */
	uint64_t seen_ns;
};

struct lp_fdb {
	struct lp_fdb_entry *slots;
	size_t mask; /* capacity - 1 */
	size_t used;
	size_t grow_at;	 /* double the table beyond this load (3/4 of capacity) */
	size_t max_mask; /* the largest capacity - 1 it may grow to */
	size_t max_used; /* refuse learning beyond this load (3/4 of the largest capacity) */
	uint64_t age_ns;
	uint64_t seed; /* keys the hash */
};

/*
 * lp_fdb_init: a table that grows to hold at least max_entries MACs (it
 * starts small). Returns 0, LP_ERR_INVALID (0 or more than 1<<20 entries)
 * or LP_ERR_NOMEM.
 */
int lp_fdb_init(struct lp_fdb *t, size_t max_entries);

/* lp_fdb_free: release the table. Safe on a zeroed or freed table. */
void lp_fdb_free(struct lp_fdb *t);

/*
 * lp_fdb_lookup: the member that owns mac, or 0 when unknown or aged out
 * (an aged entry is treated as absent; the sweep removes it later).
 */
uint32_t lp_fdb_lookup(const struct lp_fdb *t, const struct lp_mac *mac, uint64_t now_ns);

/*
 * lp_fdb_lookup_ref: like lp_fdb_lookup, but the ref given when the entry
 * was learned or pinned (NULL when unknown or aged out): lets the caller
 * reach the member in O(1).
 */
void *lp_fdb_lookup_ref(const struct lp_fdb *t, const struct lp_mac *mac, uint64_t now_ns);

/*
 * lp_fdb_learn: record that mac was seen from member (with ref) at now_ns.
 * Returns 0 (learned or refreshed), LP_ERR_EXISTS when the MAC is pinned to
 * another member (the frame is a spoof: the caller drops it), LP_ERR_LIMIT
 * when the table is full, or LP_ERR_NOMEM when it had to grow and could not.
 */
int lp_fdb_learn(struct lp_fdb *t, const struct lp_mac *mac, uint32_t member, void *ref,
		 uint64_t now_ns);

/*
 * lp_fdb_pin: pin mac to member (a client's registered MAC). Replaces a
 * learned entry of another member. Returns 0, LP_ERR_EXISTS when pinned to
 * another member, LP_ERR_LIMIT when full, LP_ERR_NOMEM when it could not grow.
 */
int lp_fdb_pin(struct lp_fdb *t, const struct lp_mac *mac, uint32_t member, void *ref);

/* lp_fdb_forget_member: remove every entry, pinned or learned, of member. Returns how many. */
size_t lp_fdb_forget_member(struct lp_fdb *t, uint32_t member);

/* lp_fdb_rebind: point every entry of member at ref (its new session). Returns how many. */
size_t lp_fdb_rebind(struct lp_fdb *t, uint32_t member, void *ref);

/* lp_fdb_sweep: remove learned entries older than the age limit. Returns how many. */
size_t lp_fdb_sweep(struct lp_fdb *t, uint64_t now_ns);

#endif
