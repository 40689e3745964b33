/*
 * ops.c: the admin API's callbacks (admin/api.h), on the relay's live state
 * and its store. They run inside the relay's event loop, so they read rooms
 * and members without locks.
 */
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "rand.h"

#define LIST_BATCH 64

static void room_view(struct lp_relay *r, const struct lp_store_room *sr, struct lp_room_view *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sr->id;
	struct lp_room_spec *s = &out->spec;
	snprintf(s->name, sizeof(s->name), "%s", sr->name);
	s->max_clients = sr->max_clients;
	s->mtu = sr->mtu;
	s->bcast_pps = sr->bcast_pps;
	s->bytes_per_s = sr->bytes_per_s;
	s->expires_at = sr->expires_at;
	s->enabled = sr->enabled;
	s->has_name = s->has_max_clients = s->has_mtu = s->has_bcast_pps = s->has_bytes_per_s =
		s->has_expires_at = s->has_enabled = true;
	out->created_at = sr->created_at;
	struct lp_relay_room *rr = lp_rooms_get(r, sr->id);
	if (rr) {
		struct lp_counters c;
		lp_room_counters(rr->room, &c);
		out->clients_online = rr->room->n_clients;
		out->gateway_online = rr->room->gateway != NULL;
		out->up_bytes = lp_counters_bytes(&c, LP_DIR_UP);
		out->down_bytes = lp_counters_bytes(&c, LP_DIR_DOWN);
		out->drops = lp_counters_drops(&c);
	}
}

static void store_msg(struct lp_relay *r, char *msg, size_t msglen)
{
	if (msg && msglen)
		snprintf(msg, msglen, "%s", lp_store_errmsg(r->store));
}

static int new_codes(struct lp_relay *r, bool client, bool gateway, struct lp_store_code_new *codes,
		     char secrets[2][LP_CODE_GEN_LEN + 1], struct lp_invites *inv, size_t *n)
{
	*n = 0;
	for (int i = 0; i < 2; i++) {
		bool gw = i == 1;
		if ((gw && !gateway) || (!gw && !client))
			continue;
		if (lp_random_secret(secrets[i], LP_CODE_GEN_LEN + 1, LP_CODE_GEN_LEN) < 0)
			return LP_ERR_STATE;
		codes[*n] = (struct lp_store_code_new){
			.role = gw ? LP_STORE_ROLE_GATEWAY : LP_STORE_ROLE_CLIENT,
			.code = secrets[i],
			.len = LP_CODE_GEN_LEN,
		};
		(*n)++;
		char *dst = gw ? inv->gateway : inv->client;
		int ret = lp_rooms_invite(r, gw, secrets[i], dst, LP_API_INVITE_MAX);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int op_room_create(void *ctx, const struct lp_room_spec *spec, struct lp_room_view *out,
			  struct lp_invites *inv, char *msg, size_t msglen)
{
	struct lp_relay *r = ctx;
	struct lp_store_room in, stored;
	struct lp_store_code_new codes[2];
	char secrets[2][LP_CODE_GEN_LEN + 1];
	size_t n;
	int64_t now = lp_relay_now();

	if (spec->expires_at && spec->expires_at <= now) {
		snprintf(msg, msglen, "expires_at: must be in the future");
		return LP_ERR_INVALID;
	}
	lp_store_room_defaults(&in);
	snprintf(in.name, sizeof(in.name), "%s", spec->name);
	in.max_clients = spec->max_clients;
	in.mtu = spec->mtu;
	in.bcast_pps = spec->bcast_pps;
	in.bytes_per_s = spec->bytes_per_s;
	in.enabled = spec->enabled;
	in.expires_at = spec->expires_at;
	int ret = new_codes(r, true, true, codes, secrets, inv, &n);
	if (ret < 0)
		return ret;
	ret = lp_store_room_create(r->store, &in, codes, n, now, &stored, NULL);
	memset(secrets, 0, sizeof(secrets));
	if (ret == LP_ERR_EXISTS) {
		snprintf(msg, msglen, "a room named '%s' exists", spec->name);
		return ret;
	}
	if (ret < 0) {
		store_msg(r, msg, msglen);
		return ret;
	}
	ret = lp_rooms_add(r, &stored, NULL);
	if (ret < 0)
		return ret;
	room_view(r, &stored, out);
	char qname[2 * LP_STORE_NAME_MAX + 3];
	log_info("room_created room=%lld name=%s max_clients=%u mtu=%u", (long long)stored.id,
		 lp_log_quote(qname, sizeof(qname), stored.name), stored.max_clients, stored.mtu);
	return 0;
}

static int op_room_list(void *ctx, struct lp_room_view **out, size_t *n)
{
	struct lp_relay *r = ctx;
	struct lp_store_room batch[LIST_BATCH];
	size_t got, cap = 0;
	int64_t after = 0;
	*out = NULL;
	*n = 0;
	do {
		int ret = lp_store_room_list(r->store, after, batch, LIST_BATCH, &got);
		if (ret < 0) {
			free(*out);
			*out = NULL;
			return ret;
		}
		if (*n + got > cap) {
			cap = (*n + got) * 2;
			struct lp_room_view *v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				free(*out);
				*out = NULL;
				return LP_ERR_NOMEM;
			}
			*out = v;
		}
		for (size_t i = 0; i < got; i++)
			room_view(r, &batch[i], &(*out)[(*n)++]);
		if (got)
			after = batch[got - 1].id;
	} while (got == LIST_BATCH);
	return 0;
}

static int op_room_get(void *ctx, int64_t id, struct lp_room_view *out)
{
	struct lp_relay *r = ctx;
	struct lp_store_room sr;
	int ret = lp_store_room_get(r->store, id, &sr);
	if (ret < 0)
		return ret;
	room_view(r, &sr, out);
	return 0;
}

static int op_room_update(void *ctx, int64_t id, const struct lp_room_spec *spec,
			  struct lp_room_view *out, char *msg, size_t msglen)
{
	struct lp_relay *r = ctx;
	struct lp_store_room in, stored;
	unsigned fields = 0;
	int64_t now = lp_relay_now();
	struct lp_relay_room *rr = lp_rooms_get(r, id);

	memset(&in, 0, sizeof(in));
	if (spec->has_name) {
		snprintf(in.name, sizeof(in.name), "%s", spec->name);
		fields |= LP_STORE_ROOM_NAME;
	}
	if (spec->has_max_clients) {
		in.max_clients = spec->max_clients;
		fields |= LP_STORE_ROOM_MAX_CLIENTS;
	}
	if (spec->has_mtu) {
		if (rr && rr->room->n_members && spec->mtu != rr->room->set.mtu) {
			snprintf(msg, msglen, "mtu: cannot change while members are connected");
			return LP_ERR_STATE;
		}
		in.mtu = spec->mtu;
		fields |= LP_STORE_ROOM_MTU;
	}
	if (spec->has_bcast_pps) {
		in.bcast_pps = spec->bcast_pps;
		fields |= LP_STORE_ROOM_BCAST_PPS;
	}
	if (spec->has_bytes_per_s) {
		in.bytes_per_s = spec->bytes_per_s;
		fields |= LP_STORE_ROOM_BYTES_PER_S;
	}
	if (spec->has_enabled) {
		in.enabled = spec->enabled;
		fields |= LP_STORE_ROOM_ENABLED;
	}
	if (spec->has_expires_at) {
		if (spec->expires_at && spec->expires_at <= now) {
			snprintf(msg, msglen, "expires_at: must be in the future");
			return LP_ERR_INVALID;
		}
		in.expires_at = spec->expires_at;
		fields |= LP_STORE_ROOM_EXPIRES_AT;
	}
	if (!fields) {
		snprintf(msg, msglen, "nothing to change");
		return LP_ERR_INVALID;
	}
	int ret = lp_store_room_update(r->store, id, &in, fields, now, &stored);
	if (ret == LP_ERR_EXISTS) {
		snprintf(msg, msglen, "a room named '%s' exists", spec->name);
		return ret;
	}
	if (ret < 0) {
		if (ret != LP_ERR_NOT_FOUND)
			store_msg(r, msg, msglen);
		return ret;
	}
	if (rr) {
		struct lp_room_settings set;
		lp_rooms_settings(&stored, &set);
		lp_room_apply(rr->room, &set);
		/* a disabled room sends its members home */
		if (!set.enabled)
			while (rr->room->n_members)
				lp_session_disconnect(rr->room->members[0]->conn,
						      LP_DISCONNECT_ROOM_DISABLED, NULL);
	}
	room_view(r, &stored, out);
	return 0;
}

static int op_room_delete(void *ctx, int64_t id)
{
	struct lp_relay *r = ctx;
	int ret = lp_store_room_delete(r->store, id);
	if (ret < 0)
		return ret;
	lp_rooms_remove(r, id, LP_DISCONNECT_ROOM_DELETED);
	log_info("room_deleted room=%lld", (long long)id);
	return 0;
}

static int op_room_rotate(void *ctx, int64_t id, bool client, bool gateway, struct lp_invites *inv)
{
	struct lp_relay *r = ctx;
	struct lp_store_code_new codes[2];
	char secrets[2][LP_CODE_GEN_LEN + 1];
	size_t n;
	if (!lp_rooms_get(r, id))
		return LP_ERR_NOT_FOUND;
	int ret = new_codes(r, client, gateway, codes, secrets, inv, &n);
	if (ret < 0)
		return ret;
	ret = lp_store_code_rotate(r->store, id, codes, n, lp_relay_now(), NULL);
	memset(secrets, 0, sizeof(secrets));
	if (ret == 0)
		log_info("codes_rotated room=%lld client=%s gateway=%s", (long long)id,
			 client ? "yes" : "no", gateway ? "yes" : "no");
	return ret;
}

static int op_member_list(void *ctx, int64_t room_id, struct lp_member_view **out, size_t *n)
{
	struct lp_relay *r = ctx;
	struct lp_relay_room *rr = lp_rooms_get(r, room_id);
	*out = NULL;
	*n = 0;
	if (!rr)
		return LP_ERR_NOT_FOUND;
	struct lp_room *room = rr->room;
	if (!room->n_members)
		return 0;
	*out = calloc(room->n_members, sizeof(**out));
	if (!*out)
		return LP_ERR_NOMEM;
	for (size_t i = 0; i < room->n_members; i++) {
		const struct lp_member *m = room->members[i];
		const struct lp_session *s = m->conn;
		struct lp_member_view *v = &(*out)[i];
		struct lp_quic_info qi;
		v->id = m->id;
		v->gateway = m->gateway;
		v->has_mac = m->has_mac;
		v->mac = m->mac;
		snprintf(v->name, sizeof(v->name), "%s", m->name);
		snprintf(v->agent, sizeof(v->agent), "%s", m->agent);
		snprintf(v->remote, sizeof(v->remote), "%s", s->addr);
		lp_quic_conn_get_info(s->q, &qi);
		v->rtt_us = qi.smoothed_rtt / 1000;
		v->connected_at = m->connected_at;
		v->ctr = m->ctr;
	}
	*n = room->n_members;
	return 0;
}

static int op_member_kick(void *ctx, int64_t room_id, uint32_t member)
{
	struct lp_relay *r = ctx;
	struct lp_relay_room *rr = lp_rooms_get(r, room_id);
	if (!rr)
		return LP_ERR_NOT_FOUND;
	struct lp_member *m = lp_room_find(rr->room, member);
	if (!m)
		return LP_ERR_NOT_FOUND;
	log_info("member_kicked room=%lld member=%u", (long long)room_id, member);
	lp_session_disconnect(m->conn, LP_DISCONNECT_KICKED, "removed by the organiser");
	return 0;
}

static void ban_view(const struct lp_store_ban *b, struct lp_ban_view *out)
{
	memset(out, 0, sizeof(*out));
	out->id = b->id;
	out->spec.has_mac = b->has_mac;
	out->spec.mac = b->mac;
	snprintf(out->spec.addr, sizeof(out->spec.addr), "%s", b->addr);
	snprintf(out->spec.reason, sizeof(out->spec.reason), "%s", b->reason);
	out->spec.expires_at = b->expires_at;
	out->created_at = b->created_at;
}

static int op_ban_add(void *ctx, int64_t room_id, const struct lp_ban_spec *spec,
		      struct lp_ban_view *out)
{
	struct lp_relay *r = ctx;
	struct lp_relay_room *rr = lp_rooms_get(r, room_id);
	int64_t now = lp_relay_now();
	if (!rr)
		return LP_ERR_NOT_FOUND;
	struct lp_store_ban b = { .room_id = room_id,
				  .has_mac = spec->has_mac,
				  .mac = spec->mac,
				  .expires_at = spec->expires_at };
	if (spec->addr[0] && lp_store_addr_canon(spec->addr, b.addr) < 0)
		return LP_ERR_INVALID;
	snprintf(b.reason, sizeof(b.reason), "%s", spec->reason);
	int ret = lp_store_ban_add(r->store, &b, now, &b.id);
	if (ret < 0)
		return ret;
	b.created_at = now;
	ban_view(&b, out);
	/* whoever the ban names leaves now */
	struct lp_room *room = rr->room;
	for (size_t i = 0; i < room->n_members;) {
		struct lp_member *m = room->members[i];
		struct lp_session *s = m->conn;
		bool hit =
			(b.has_mac && m->has_mac && !m->gateway && lp_mac_equal(&m->mac, &b.mac)) ||
			(b.addr[0] && strcmp(s->ip, b.addr) == 0);
		if (hit)
			lp_session_disconnect(s, LP_DISCONNECT_BANNED, "banned by the organiser");
		else
			i++;
	}
	log_info("ban_added room=%lld ban=%lld", (long long)room_id, (long long)b.id);
	return 0;
}

static int op_ban_list(void *ctx, int64_t room_id, struct lp_ban_view **out, size_t *n)
{
	struct lp_relay *r = ctx;
	struct lp_store_ban batch[LIST_BATCH];
	size_t got, cap = 0;
	int64_t after = 0;
	*out = NULL;
	*n = 0;
	if (!lp_rooms_get(r, room_id))
		return LP_ERR_NOT_FOUND;
	do {
		int ret = lp_store_ban_list(r->store, room_id, after, batch, LIST_BATCH, &got);
		if (ret < 0) {
			free(*out);
			*out = NULL;
			return ret;
		}
		if (*n + got > cap) {
			cap = (*n + got) * 2;
			struct lp_ban_view *v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				free(*out);
				*out = NULL;
				return LP_ERR_NOMEM;
			}
			*out = v;
		}
		for (size_t i = 0; i < got; i++)
			ban_view(&batch[i], &(*out)[(*n)++]);
		if (got)
			after = batch[got - 1].id;
	} while (got == LIST_BATCH);
	return 0;
}

static int op_ban_delete(void *ctx, int64_t room_id, int64_t ban)
{
	struct lp_relay *r = ctx;
	struct lp_store_ban b;
	int ret = lp_store_ban_get(r->store, ban, &b);
	if (ret < 0)
		return ret;
	if (b.room_id != room_id)
		return LP_ERR_NOT_FOUND;
	return lp_store_ban_delete(r->store, ban);
}

static int op_room_stats(void *ctx, int64_t room_id, struct lp_counters *out)
{
	struct lp_relay *r = ctx;
	struct lp_relay_room *rr = lp_rooms_get(r, room_id);
	if (!rr)
		return LP_ERR_NOT_FOUND;
	lp_room_counters(rr->room, out);
	return 0;
}

static int op_room_history(void *ctx, int64_t room_id, int64_t since, int64_t until,
			   struct lp_sample **out, size_t *n)
{
	struct lp_relay *r = ctx;
	size_t cap = (size_t)((until - since) / 60 + 2), got = 0;
	*out = NULL;
	*n = 0;
	if (!lp_rooms_get(r, room_id))
		return LP_ERR_NOT_FOUND;
	struct lp_store_sample *ss = calloc(cap, sizeof(*ss));
	if (!ss)
		return LP_ERR_NOMEM;
	int ret = lp_store_history(r->store, room_id, since, until, ss, cap, &got);
	if (ret < 0) {
		free(ss);
		return ret;
	}
	*out = calloc(got ? got : 1, sizeof(**out));
	if (!*out) {
		free(ss);
		return LP_ERR_NOMEM;
	}
	for (size_t i = 0; i < got; i++) {
		(*out)[i] = (struct lp_sample){
			.minute = ss[i].minute,
			.members = ss[i].members,
			.up_bytes = ss[i].up_bytes,
			.down_bytes = ss[i].down_bytes,
			.up_frames = ss[i].up_frames,
			.down_frames = ss[i].down_frames,
			.drops = ss[i].drops,
		};
	}
	*n = got;
	free(ss);
	return 0;
}

static int op_join(void *ctx, const char *code, struct lp_join_info *out)
{
	struct lp_relay *r = ctx;
	struct lp_store_code c;
	int64_t now = lp_relay_now();
	int ret = lp_store_code_lookup(r->store, code, strlen(code), now, &c);
	if (ret == LP_ERR_INVALID)
		return LP_ERR_NOT_FOUND;
	if (ret < 0)
		return ret;
	struct lp_relay_room *rr = lp_rooms_get(r, c.room_id);
	if (!rr)
		return LP_ERR_NOT_FOUND;
	const struct lp_room_settings *set = &rr->room->set;
	if (c.state != LP_STORE_CODE_VALID || !set->enabled ||
	    (set->expires_at && set->expires_at <= now))
		return LP_ERR_STATE;
	out->room_id = c.room_id;
	snprintf(out->room_name, sizeof(out->room_name), "%s", set->name);
	out->gateway = c.role == LP_STORE_ROLE_GATEWAY;
	out->mtu = set->mtu;
	out->max_clients = set->max_clients;
	out->bcast_pps = set->bcast_pps;
	out->bytes_per_s = set->bytes_per_s;
	snprintf(out->quic_host, sizeof(out->quic_host), "%s", r->public_host);
	out->quic_port = r->public_port;
	snprintf(out->server_name, sizeof(out->server_name), "%s", r->server_name);
	return 0;
}

static int op_token_create(void *ctx, const char *name, struct lp_token_view *out, char *token,
			   size_t tokenlen)
{
	struct lp_relay *r = ctx;
	int64_t now = lp_relay_now();
	if (tokenlen < 44)
		return LP_ERR_NOBUF;
	if (lp_random_secret(token, tokenlen, 43) < 0)
		return LP_ERR_STATE;
	int ret = lp_store_token_create(r->store, name, token, 43, now, &out->id);
	if (ret < 0) {
		memset(token, 0, tokenlen);
		return ret;
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->prefix, sizeof(out->prefix), "%.*s", LP_STORE_PREFIX_LEN, token);
	out->created_at = now;
	out->last_used_at = 0;
	log_info("token_created token=%lld prefix=%s", (long long)out->id, out->prefix);
	return 0;
}

static int op_token_list(void *ctx, struct lp_token_view **out, size_t *n)
{
	struct lp_relay *r = ctx;
	struct lp_store_token batch[LIST_BATCH];
	size_t got, cap = 0;
	int64_t after = 0;
	*out = NULL;
	*n = 0;
	do {
		int ret = lp_store_token_list(r->store, after, batch, LIST_BATCH, &got);
		if (ret < 0) {
			free(*out);
			*out = NULL;
			return ret;
		}
		if (*n + got > cap) {
			cap = (*n + got) * 2;
			struct lp_token_view *v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				free(*out);
				*out = NULL;
				return LP_ERR_NOMEM;
			}
			*out = v;
		}
		for (size_t i = 0; i < got; i++) {
			if (batch[i].revoked_at)
				continue;
			struct lp_token_view *t = &(*out)[(*n)++];
			t->id = batch[i].id;
			snprintf(t->name, sizeof(t->name), "%s", batch[i].name);
			snprintf(t->prefix, sizeof(t->prefix), "%s", batch[i].prefix);
			t->created_at = batch[i].created_at;
			t->last_used_at = batch[i].last_used_at;
		}
		if (got)
			after = batch[got - 1].id;
	} while (got == LIST_BATCH);
	return 0;
}

static int op_token_revoke(void *ctx, int64_t id)
{
	struct lp_relay *r = ctx;
	int ret = lp_store_token_revoke(r->store, id, lp_relay_now());
	if (ret == LP_ERR_STATE)
		return LP_ERR_NOT_FOUND; /* already revoked: as good as gone */
	if (ret == 0)
		log_info("token_revoked token=%lld", (long long)id);
	return ret;
}

static int64_t op_auth(void *ctx, const char *token)
{
	struct lp_relay *r = ctx;
	int64_t id;
	size_t len = strlen(token);
	if (!lp_store_token_valid(token, len))
		return -1;
	if (lp_store_token_verify(r->store, token, len, lp_relay_now(), &id) < 0)
		return -1;
	return id;
}

static int op_metrics(void *ctx, struct lp_text *out)
{
	return lp_metrics_render(ctx, out);
}

static bool op_healthy(void *ctx, char *msg, size_t msglen)
{
	struct lp_relay *r = ctx;
	snprintf(msg, msglen, "%zu rooms, %zu connections, up %llds", r->n_rooms, r->n_sessions,
		 (long long)(lp_relay_now() - r->started_at));
	return !r->stopping;
}

void lp_ops_init(struct lp_relay *r)
{
	r->ops = (struct lp_admin_ops){
		.room_create = op_room_create,
		.room_list = op_room_list,
		.room_get = op_room_get,
		.room_update = op_room_update,
		.room_delete = op_room_delete,
		.room_rotate = op_room_rotate,
		.member_list = op_member_list,
		.member_kick = op_member_kick,
		.ban_add = op_ban_add,
		.ban_list = op_ban_list,
		.ban_delete = op_ban_delete,
		.room_stats = op_room_stats,
		.room_history = op_room_history,
		.join = op_join,
		.token_create = op_token_create,
		.token_list = op_token_list,
		.token_revoke = op_token_revoke,
		.auth = op_auth,
		.metrics = op_metrics,
		.healthy = op_healthy,
	};
}
