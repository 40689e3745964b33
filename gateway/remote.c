#include "remote.h"

#include <string.h>

#include "err.h"
#include "eth.h"
#include "mtu.h"

#define SLOT_MASK (LP_REMOTE_SLOTS - 1)

_Static_assert((LP_REMOTE_SLOTS & SLOT_MASK) == 0, "LP_REMOTE_SLOTS must be a power of two");
_Static_assert(LP_REMOTE_SLOTS >= 2 * LP_REMOTE_MAX, "keep the table at most half full");

/*
 * Fibonacci hashing of all six bytes: clients pick random MACs, but a
 * vendor's MACs differ only in their last bytes, and multiplying spreads
 * every input bit into the top bits taken as the index.
 */
static size_t slot_of(const uint8_t *mac)
{
	uint64_t k = 0;
	for (size_t i = 0; i < LP_MAC_LEN; i++)
		k = k << 8 | mac[i];
	k *= 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 40) & SLOT_MASK;
}

/* The slot holding mac, or the free slot where it would go. */
static size_t find(const struct lp_remote *r, const uint8_t *mac)
{
	size_t i = slot_of(mac);
	while (r->slot[i].id != 0 && memcmp(r->slot[i].mac.b, mac, LP_MAC_LEN) != 0)
		i = (i + 1) & SLOT_MASK;
	return i;
}

/*
 * Linear-probing deletion without tombstones (Knuth's algorithm R): move
 * later entries of the same probe run back into the hole so that every
 * lookup still reaches its entry before a free slot.
 */
static void remove_at(struct lp_remote *r, size_t hole)
{
	size_t i = hole;
	for (;;) {
		i = (i + 1) & SLOT_MASK;
		if (r->slot[i].id == 0)
			break;
		size_t home = slot_of(r->slot[i].mac.b);
		/* Leave entry i alone when its home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
		if (stays)
			continue;
		r->slot[hole] = r->slot[i];
		hole = i;
	}
	r->slot[hole].id = 0;
	memset(r->slot[hole].mac.b, 0, LP_MAC_LEN);
	r->count--;
}

/* Member ids are few and peer_left is rare: a scan beats a second index. */
static size_t find_id(const struct lp_remote *r, uint32_t member_id)
{
	for (size_t i = 0; i < LP_REMOTE_SLOTS; i++)
		if (r->slot[i].id == member_id)
			return i;
	return LP_REMOTE_SLOTS;
}

void lp_remote_init(struct lp_remote *r)
{
	memset(r, 0, sizeof(*r));
}

void lp_remote_clear(struct lp_remote *r)
{
	memset(r->slot, 0, sizeof(r->slot));
	r->count = 0;
}

int lp_remote_set_mtu(struct lp_remote *r, uint32_t mtu)
{
	if (mtu == 0) {
		r->frame_max = 0;
		return 0;
	}
	size_t max = lp_mtu_frame_max(mtu);
	if (max == 0)
		return LP_ERR_INVALID;
	r->frame_max = max;
	return 0;
}

int lp_remote_add(struct lp_remote *r, uint32_t member_id, const struct lp_mac *mac)
{
	if (member_id == 0 || member_id > LP_CTRL_MEMBER_ID_MAX || !mac ||
	    !lp_mac_is_valid_member(mac))
		return LP_ERR_INVALID;
	size_t i = find(r, mac->b);
	if (r->slot[i].id == member_id)
		return 0;
	if (r->slot[i].id != 0)
		remove_at(r, i); /* the MAC changed hands */
	size_t old = find_id(r, member_id);
	if (old < LP_REMOTE_SLOTS)
		remove_at(r, old); /* the member's previous MAC */
	else if (r->count >= LP_REMOTE_MAX)
		return LP_ERR_LIMIT;
	i = find(r, mac->b);
	r->slot[i].id = member_id;
	r->slot[i].mac = *mac;
	r->count++;
	return 0;
}

int lp_remote_del(struct lp_remote *r, uint32_t member_id)
{
	if (member_id == 0)
		return LP_ERR_NOT_FOUND;
	size_t i = find_id(r, member_id);
	if (i == LP_REMOTE_SLOTS)
		return LP_ERR_NOT_FOUND;
	remove_at(r, i);
	return 0;
}

int lp_remote_add_member(struct lp_remote *r, const struct lp_ctrl_member *m, uint32_t self_id)
{
	if (m->id == self_id || m->role != LP_CTRL_ROLE_CLIENT || !m->has_mac)
		return 0;
	return lp_remote_add(r, m->id, &m->mac);
}

int lp_remote_load_welcome(struct lp_remote *r, const struct lp_ctrl_welcome *w)
{
	lp_remote_clear(r);
	int rc = lp_remote_set_mtu(r, w->mtu);
	for (size_t i = 0; i < w->n_members; i++) {
		int e = lp_remote_add_member(r, &w->members[i], w->member_id);
		if (e < 0 && rc == 0)
			rc = e;
	}
	return rc;
}

static bool has_raw(const struct lp_remote *r, const uint8_t *mac)
{
	return r->count != 0 && r->slot[find(r, mac)].id != 0;
}

bool lp_remote_has(const struct lp_remote *r, const struct lp_mac *mac)
{
	return has_raw(r, mac->b);
}

size_t lp_remote_count(const struct lp_remote *r)
{
	return r->count;
}

enum lp_remote_verdict lp_remote_classify(const struct lp_remote *r, const uint8_t *frame,
					  size_t len)
{
	if (len < LP_ETH_HDR_LEN)
		return LP_REMOTE_RUNT;
	if (r->frame_max != 0 && len > r->frame_max)
		return LP_REMOTE_OVERSIZE;
	const uint8_t *dst = frame;
	const uint8_t *src = frame + LP_MAC_LEN;
	enum lp_remote_verdict v;
	switch (lp_eth_cast(dst)) {
	case LP_CAST_BROADCAST:
		v = LP_REMOTE_BROADCAST;
		break;
	case LP_CAST_MULTICAST:
		if (lp_eth_is_switch_ctrl(dst))
			return LP_REMOTE_SWITCH_CONTROL;
		v = LP_REMOTE_MULTICAST;
		break;
	default:
		if (!has_raw(r, dst))
			return LP_REMOTE_LOCAL;
		v = LP_REMOTE_UNICAST;
		break;
	}
	/* Only frames about to leave pay for the second lookup. */
	if (has_raw(r, src))
		return LP_REMOTE_LOOP;
	return v;
}

const char *lp_remote_verdict_name(enum lp_remote_verdict v)
{
	static const char *const names[LP_REMOTE__COUNT] = {
		[LP_REMOTE_BROADCAST] = "broadcast",
		[LP_REMOTE_MULTICAST] = "multicast",
		[LP_REMOTE_UNICAST] = "unicast",
		[LP_REMOTE_LOCAL] = "local",
		[LP_REMOTE_SWITCH_CONTROL] = "switch_control",
		[LP_REMOTE_OVERSIZE] = "oversize",
		[LP_REMOTE_LOOP] = "loop",
		[LP_REMOTE_RUNT] = "runt",
	};
	if ((unsigned)v >= LP_REMOTE__COUNT)
		return NULL;
	return names[v];
}
