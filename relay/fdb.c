#include "fdb.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rand.h"

#define FDB_MAX_ENTRIES (1u << 20)
/*
 * A new table holds 12 entries (16 slots, 512 bytes): a room's gateway and
 * its first clients. It doubles as MACs are learned, up to the capacity for
 * max_entries; a room of 50 players and a busy LAN settles at a few KiB
 * instead of the 256 KiB a 4096-entry table takes.
 */
#define FDB_START_CAP 16u
#define FDB_MIN_CAP   8u

/*
 * The hash is keyed with a random seed per table, so hosts on the party LAN
 * cannot choose MACs that all land in one probe run.
 */
static size_t fdb_hash(const struct lp_fdb *t, const struct lp_mac *m)
{
	uint64_t x = 0;
	memcpy(&x, m->b, LP_MAC_LEN);
	x ^= t->seed;
	x *= 0x9E3779B97F4A7C15ull;
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	return (size_t)x & t->mask;
}

/* Slots for n entries at the load limit of 3/4: a power of two. */
static size_t fdb_cap_for(size_t n)
{
	size_t cap = FDB_MIN_CAP;
	while (cap < n + n / 3 + 1)
		cap <<= 1;
	return cap;
}

int lp_fdb_init(struct lp_fdb *t, size_t max_entries)
{
	memset(t, 0, sizeof(*t));
	if (max_entries == 0 || max_entries > FDB_MAX_ENTRIES)
		return LP_ERR_INVALID;
	size_t max_cap = fdb_cap_for(max_entries);
	size_t cap = FDB_START_CAP < max_cap ? FDB_START_CAP : max_cap;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return LP_ERR_NOMEM;
	t->mask = cap - 1;
	t->max_mask = max_cap - 1;
	t->grow_at = cap / 4 * 3;
	t->max_used = max_cap / 4 * 3;
	t->age_ns = LP_FDB_AGE_NS;
	if (lp_random_bytes(&t->seed, sizeof(t->seed)) < 0)
		t->seed =
			(uint64_t)(uintptr_t)t->slots; /* still unpredictable enough; never fatal */
	return 0;
}

void lp_fdb_free(struct lp_fdb *t)
{
	free(t->slots);
	t->slots = NULL;
	t->used = 0;
	t->mask = 0;
	t->grow_at = 0;
}

/* The slot holding mac, or the empty slot where it would go. */
static struct lp_fdb_entry *fdb_find(const struct lp_fdb *t, const struct lp_mac *mac)
{
	size_t i = fdb_hash(t, mac);
	for (;;) {
		struct lp_fdb_entry *e = &t->slots[i];
		if (!e->used || lp_mac_equal(&e->mac, mac))
			return e;
		i = (i + 1) & t->mask;
	}
}

/*
 * Double the table (rehash every entry into a new array). Runs when a new
 * MAC would push the load past 3/4: at most log2(max/start) times in a
 * room's life, so the frame path allocates only then, never per frame.
 */
static int fdb_grow(struct lp_fdb *t)
{
	size_t cap = (t->mask + 1) * 2;
	struct lp_fdb_entry *old = t->slots;
	size_t old_cap = t->mask + 1;
	struct lp_fdb_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return LP_ERR_NOMEM;
	t->slots = slots;
	t->mask = cap - 1;
	t->grow_at = cap / 4 * 3;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].used)
			*fdb_find(t, &old[i].mac) = old[i];
	free(old);
	return 0;
}

/*
 * Room for one more entry: 0, 1 when the table grew (slot pointers taken
 * before are stale), LP_ERR_LIMIT at the table's maximum,
 * LP_ERR_NOMEM when it should grow and cannot (the MAC is then not learned,
 * and frames to it are flooded, which is still correct).
 */
static int fdb_reserve(struct lp_fdb *t)
{
	if (t->used >= t->max_used)
		return LP_ERR_LIMIT;
	if (t->used < t->grow_at)
		return 0;
	if (t->mask >= t->max_mask)
		return 0;
	int ret = fdb_grow(t);
	return ret < 0 ? ret : 1;
}

static bool fdb_live(const struct lp_fdb *t, const struct lp_fdb_entry *e, uint64_t now_ns)
{
	return e->pinned || now_ns - e->seen_ns <= t->age_ns;
}

uint32_t lp_fdb_lookup(const struct lp_fdb *t, const struct lp_mac *mac, uint64_t now_ns)
{
	if (!t->slots)
		return 0;
	const struct lp_fdb_entry *e = fdb_find(t, mac);
	if (!e->used || !fdb_live(t, e, now_ns))
		return 0;
	return e->member;
}

void *lp_fdb_lookup_ref(const struct lp_fdb *t, const struct lp_mac *mac, uint64_t now_ns)
{
	if (!t->slots)
		return NULL;
	const struct lp_fdb_entry *e = fdb_find(t, mac);
	if (!e->used || !fdb_live(t, e, now_ns))
		return NULL;
	return e->ref;
}

int lp_fdb_learn(struct lp_fdb *t, const struct lp_mac *mac, uint32_t member, void *ref,
		 uint64_t now_ns)
{
	if (!t->slots)
		return LP_ERR_STATE;
	struct lp_fdb_entry *e = fdb_find(t, mac);
	if (e->used) {
		if (e->pinned && e->member != member)
			return LP_ERR_EXISTS;
		/* A host that moved (LAN to a client's side, say) takes its entry with it. */
		e->member = member;
		e->ref = ref;
		e->seen_ns = now_ns;
		return 0;
	}
	int ret = fdb_reserve(t);
	if (ret < 0)
		return ret;
	if (ret > 0)
		e = fdb_find(t, mac); /* the table grew: its slot moved */
	e->used = true;
	e->pinned = false;
	e->mac = *mac;
	e->member = member;
	e->ref = ref;
	e->seen_ns = now_ns;
	t->used++;
	return 0;
}

int lp_fdb_pin(struct lp_fdb *t, const struct lp_mac *mac, uint32_t member, void *ref)
{
	if (!t->slots)
		return LP_ERR_STATE;
	struct lp_fdb_entry *e = fdb_find(t, mac);
	if (e->used) {
		if (e->pinned && e->member != member)
			return LP_ERR_EXISTS;
	} else {
		int ret = fdb_reserve(t);
		if (ret < 0)
			return ret;
		if (ret > 0)
			e = fdb_find(t, mac);
		e->used = true;
		e->mac = *mac;
		t->used++;
	}
	e->pinned = true;
	e->member = member;
	e->ref = ref;
	e->seen_ns = 0;
	return 0;
}

/*
 * Backward-shift deletion: move later entries of the probe run into the hole
 * so lookups never need tombstones.
 */
static void fdb_remove_at(struct lp_fdb *t, size_t hole)
{
	size_t i = hole;
	for (;;) {
		i = (i + 1) & t->mask;
		struct lp_fdb_entry *e = &t->slots[i];
		if (!e->used)
			break;
		size_t home = fdb_hash(t, &e->mac);
		/* e may fill the hole if its home is not cyclically in (hole, i]. */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			t->slots[hole] = *e;
			hole = i;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->used--;
}

static size_t fdb_remove_if(struct lp_fdb *t,
			    bool (*pred)(const struct lp_fdb *, const struct lp_fdb_entry *,
					 uint64_t),
			    uint64_t arg)
{
	size_t removed = 0;
	if (!t->slots)
		return 0;
	/*
	 * Removal shifts entries backwards, possibly into slots already visited;
	 * re-check a slot after each removal, and wrap once so runs that cross
	 * the end of the table are seen whole.
	 */
	for (size_t n = 0, i = 0; n <= t->mask; n++) {
		while (t->slots[i].used && pred(t, &t->slots[i], arg)) {
			fdb_remove_at(t, i);
			removed++;
		}
		i = (i + 1) & t->mask;
	}
	return removed;
}

static bool is_member(const struct lp_fdb *t, const struct lp_fdb_entry *e, uint64_t member)
{
	(void)t;
	return e->member == member;
}

static bool is_aged(const struct lp_fdb *t, const struct lp_fdb_entry *e, uint64_t now_ns)
{
	return !fdb_live(t, e, now_ns);
}

size_t lp_fdb_forget_member(struct lp_fdb *t, uint32_t member)
{
	return fdb_remove_if(t, is_member, member);
}

size_t lp_fdb_sweep(struct lp_fdb *t, uint64_t now_ns)
{
	return fdb_remove_if(t, is_aged, now_ns);
}

size_t lp_fdb_rebind(struct lp_fdb *t, uint32_t member, void *ref)
{
	size_t n = 0;
	if (!t->slots)
		return 0;
	for (size_t i = 0; i <= t->mask; i++) {
		if (t->slots[i].used && t->slots[i].member == member) {
			t->slots[i].ref = ref;
			n++;
		}
	}
	return n;
}
