#include "room.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eth.h"
#include "log.h"
#include "mtu.h"

/* Burst allowances: a second's worth, so short bursts of discovery pass. */
#define BCAST_BURST_MIN 32

struct lp_room *lp_room_new(int64_t id, const struct lp_room_settings *set)
{
	struct lp_room *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->id = id;
	r->set = *set;
	r->max_frame = lp_mtu_frame_max(set->mtu);
	if (lp_fdb_init(&r->fdb, LP_ROOM_FDB_SIZE) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

void lp_room_del(struct lp_room *r)
{
	if (!r)
		return;
	lp_fdb_free(&r->fdb);
	free(r->members);
	free(r);
}

void lp_member_limits(struct lp_member *m, const struct lp_room_settings *set, bool fresh)
{
	uint64_t burst = set->bcast_pps < BCAST_BURST_MIN ? BCAST_BURST_MIN : set->bcast_pps;
	uint64_t bytes_burst = set->bytes_per_s < 65536 ? 65536 : set->bytes_per_s;
	/*
	 * Rate 0 is "unlimited". A new member starts with a full bucket; a
	 * change of settings keeps the current level, so it hands out no burst.
	 */
	if (fresh) {
		lp_ratelimit_init(&m->bcast_rl, set->bcast_pps, burst);
		lp_ratelimit_init(&m->bytes_rl, set->bytes_per_s, bytes_burst);
	} else {
		lp_ratelimit_set(&m->bcast_rl, set->bcast_pps, burst);
		lp_ratelimit_set(&m->bytes_rl, set->bytes_per_s, bytes_burst);
	}
}

int lp_room_apply(struct lp_room *r, const struct lp_room_settings *set)
{
	int ret = 0;
	uint32_t mtu = r->set.mtu;
	r->set = *set;
	if (r->n_members && set->mtu != mtu) {
		r->set.mtu = mtu;
		ret = LP_ERR_STATE;
	}
	r->max_frame = lp_mtu_frame_max(r->set.mtu);
	for (size_t i = 0; i < r->n_members; i++)
		lp_member_limits(r->members[i], &r->set, false);
	return ret;
}

struct lp_member *lp_room_find(const struct lp_room *r, uint32_t id)
{
	for (size_t i = 0; i < r->n_members; i++)
		if (r->members[i]->id == id)
			return r->members[i];
	return NULL;
}

struct lp_member *lp_room_find_mac(const struct lp_room *r, const struct lp_mac *mac)
{
	for (size_t i = 0; i < r->n_members; i++) {
		struct lp_member *m = r->members[i];
		if (m->has_mac && !m->gateway && lp_mac_equal(&m->mac, mac))
			return m;
	}
	return NULL;
}

void lp_member_info(const struct lp_member *m, struct lp_ctrl_member *out)
{
	memset(out, 0, sizeof(*out));
	out->id = m->id;
	out->role = m->gateway ? LP_CTRL_ROLE_GATEWAY : LP_CTRL_ROLE_CLIENT;
	out->has_mac = m->has_mac;
	out->mac = m->mac;
	memcpy(out->name, m->name, sizeof(out->name));
}

static void tell_others(struct lp_room *r, const struct lp_member *except,
			const struct lp_ctrl_msg *msg)
{
	for (size_t i = 0; i < r->n_members; i++) {
		struct lp_member *o = r->members[i];
		if (o != except)
			o->io->send_ctrl(o->conn, msg);
	}
}

int lp_room_add(struct lp_room *r, struct lp_member *m, uint64_t now_ns)
{
	(void)now_ns;
	if (m->gateway && r->gateway)
		return LP_ERR_EXISTS;
	if (!m->gateway && r->n_clients >= r->set.max_clients)
		return LP_ERR_LIMIT;
	if (!m->gateway && m->has_mac && lp_room_find_mac(r, &m->mac))
		return LP_ERR_EXISTS;
	if (r->n_members == r->cap_members) {
		size_t cap = r->cap_members ? r->cap_members * 2 : 8;
		struct lp_member **mm = realloc(r->members, cap * sizeof(*mm));
		if (!mm)
			return LP_ERR_NOMEM;
		r->members = mm;
		r->cap_members = cap;
	}
	if (!m->gateway && m->has_mac) {
		int ret = lp_fdb_pin(&r->fdb, &m->mac, m->id, m);
		if (ret < 0)
			return ret;
	}
	m->room = r;
	lp_member_limits(m, &r->set, true);
	m->index = r->n_members;
	r->members[r->n_members++] = m;
	if (m->gateway)
		r->gateway = m;
	else
		r->n_clients++;

	struct lp_ctrl_msg msg = { .type = LP_CTRL_PEER_JOINED };
	lp_member_info(m, &msg.peer_joined);
	tell_others(r, m, &msg);
	return 0;
}

int lp_room_replace(struct lp_room *r, struct lp_member *old, struct lp_member *nm)
{
	if (old->room != r || old->index >= r->n_members || r->members[old->index] != old ||
	    old->id != nm->id || old->gateway != nm->gateway || old->has_mac != nm->has_mac ||
	    (old->has_mac && !lp_mac_equal(&old->mac, &nm->mac)))
		return LP_ERR_INVALID;
	nm->room = r;
	nm->index = old->index;
	nm->ctr = old->ctr;
	nm->bcast_rl = old->bcast_rl;
	nm->bytes_rl = old->bytes_rl;
	r->members[nm->index] = nm;
	if (r->gateway == old)
		r->gateway = nm;
	lp_fdb_rebind(&r->fdb, nm->id, nm);
	old->room = NULL; /* its counters stay its own, for its session record */
	return 0;
}

void lp_room_remove(struct lp_room *r, struct lp_member *m, enum lp_disconnect_reason why)
{
	if (m->room != r || m->index >= r->n_members || r->members[m->index] != m)
		return;
	r->members[m->index] = r->members[r->n_members - 1];
	r->members[m->index]->index = m->index;
	r->n_members--;
	if (r->gateway == m)
		r->gateway = NULL;
	else
		r->n_clients--;
	lp_fdb_forget_member(&r->fdb, m->id);
	lp_counters_merge(&r->gone, &m->ctr);
	m->room = NULL;

	struct lp_ctrl_msg msg = { .type = LP_CTRL_PEER_LEFT };
	msg.peer_left.member_id = m->id;
	msg.peer_left.reason = why;
	tell_others(r, NULL, &msg);
}

void lp_room_counters(const struct lp_room *r, struct lp_counters *out)
{
	*out = r->gone;
	for (size_t i = 0; i < r->n_members; i++)
		lp_counters_merge(out, &r->members[i]->ctr);
}

/* Which filter, if any, stops a frame from src. LP_DROP__COUNT: none. */
static enum lp_drop ingress_filter(struct lp_room *r, struct lp_member *src, const uint8_t *frame,
				   size_t len, struct lp_eth_info *info, uint64_t now_ns)
{
	if (len > r->max_frame)
		return LP_DROP_OVERSIZE;
	if (lp_eth_classify(frame, len, info) < 0)
		return LP_DROP_MALFORMED;
	if (info->flags & LP_ETH_F_SWITCH_CTRL)
		return LP_DROP_SWITCH_CONTROL;
	if (info->flags & LP_ETH_F_SRC_GROUP)
		return LP_DROP_SPOOFED_MAC;
	if (!src->gateway) {
		if (!src->has_mac || !lp_mac_equal(&info->src, &src->mac))
			return LP_DROP_SPOOFED_MAC;
		if (info->flags & (LP_ETH_F_DHCP_SERVER | LP_ETH_F_DHCP6_SERVER))
			return LP_DROP_DHCP_SERVER;
		if (info->flags & LP_ETH_F_IPV6_RA)
			return LP_DROP_IPV6_RA;
		/* an IP header chain the classifier cannot follow could hide either */
		if (info->flags & LP_ETH_F_UNPARSED)
			return LP_DROP_MALFORMED;
	}
	if (info->cast != LP_CAST_UNICAST && !lp_ratelimit_allow(&src->bcast_rl, now_ns, 1))
		return LP_DROP_RATE_BROADCAST;
	if (!lp_ratelimit_allow(&src->bytes_rl, now_ns, len))
		return LP_DROP_RATE_TOTAL;
	/* Learn the source; a MAC pinned to another member means a spoof or a loop. */
	int ret = lp_fdb_learn(&r->fdb, &info->src, src->id, src, now_ns);
	if (ret == LP_ERR_EXISTS)
		return LP_DROP_LOOP;
	return LP_DROP__COUNT;
}

static void deliver(struct lp_member *dst, const uint8_t *frame, size_t len, enum lp_cast cast)
{
	if (dst->io->send_frame(dst->conn, frame, len) == 0)
		lp_counters_add(&dst->ctr, LP_DIR_DOWN, cast, len);
	else
		lp_counters_drop(&dst->ctr, LP_DROP_QUEUE_FULL);
}

void lp_room_forward(struct lp_room *r, struct lp_member *src, const uint8_t *frame, size_t len,
		     uint64_t now_ns)
{
	struct lp_eth_info info;
	enum lp_drop why = ingress_filter(r, src, frame, len, &info, now_ns);
	if (why != LP_DROP__COUNT) {
		lp_counters_drop(&src->ctr, why);
		log_trace("frame_dropped room=%lld member=%u len=%zu reason=%s", (long long)r->id,
			  src->id, len, lp_drop_name(why));
		return;
	}
	lp_counters_add(&src->ctr, LP_DIR_UP, info.cast, len);

	if (info.cast == LP_CAST_UNICAST) {
		struct lp_member *dst = lp_fdb_lookup_ref(&r->fdb, &info.dst, now_ns);
		if (dst == src) {
			/* the destination sits behind the sender: nothing to do */
			lp_counters_drop(&src->ctr, LP_DROP_NO_ROUTE);
			return;
		}
		if (dst) {
			deliver(dst, frame, len, info.cast);
			return;
		}
	}
	size_t delivered = 0;
	for (size_t i = 0; i < r->n_members; i++) {
		struct lp_member *dst = r->members[i];
		if (dst == src)
			continue;
		deliver(dst, frame, len, info.cast);
		delivered++;
	}
	if (!delivered)
		lp_counters_drop(&src->ctr, LP_DROP_NO_ROUTE);
}
