/*
 * rooms.c: the relay's rooms in memory. Every room of the store is loaded at
 * start (with its counter totals, so they keep counting across restarts) and
 * kept in step by the admin API; members point at their room directly, so
 * no lookup by id happens on the frame path.
 */
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "invite.h"
#include "log.h"

int64_t lp_relay_now(void)
{
	return (int64_t)(lp_wall_ns() / 1000000000ull);
}

void lp_rooms_settings(const struct lp_store_room *sr, struct lp_room_settings *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", sr->name);
	out->max_clients = sr->max_clients;
	out->mtu = sr->mtu;
	out->bcast_pps = sr->bcast_pps;
	out->bytes_per_s = sr->bytes_per_s;
	out->enabled = sr->enabled;
	out->expires_at = sr->expires_at;
}

struct lp_relay_room *lp_rooms_get(struct lp_relay *r, int64_t id)
{
	size_t lo = 0, hi = r->n_rooms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->rooms[mid].room->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n_rooms && r->rooms[lo].room->id == id)
		return &r->rooms[lo];
	return NULL;
}

int lp_rooms_add(struct lp_relay *r, const struct lp_store_room *sr, const struct lp_counters *base)
{
	struct lp_room_settings set;
	lp_rooms_settings(sr, &set);
	if (r->n_rooms == r->cap_rooms) {
		size_t cap = r->cap_rooms ? r->cap_rooms * 2 : 16;
		struct lp_relay_room *rr = realloc(r->rooms, cap * sizeof(*rr));
		if (!rr)
			return LP_ERR_NOMEM;
		r->rooms = rr;
		r->cap_rooms = cap;
		/* members hold struct lp_room pointers, which do not move */
		for (size_t i = 0; i < r->n_rooms; i++)
			r->rooms[i].room->owner = &r->rooms[i];
	}
	struct lp_room *room = lp_room_new(sr->id, &set);
	if (!room)
		return LP_ERR_NOMEM;
	/* ids only grow, so appending keeps the array sorted */
	size_t at = r->n_rooms;
	while (at > 0 && r->rooms[at - 1].room->id > sr->id)
		at--;
	memmove(&r->rooms[at + 1], &r->rooms[at], (r->n_rooms - at) * sizeof(r->rooms[0]));
	struct lp_relay_room *rr = &r->rooms[at];
	memset(rr, 0, sizeof(*rr));
	rr->room = room;
	if (base)
		rr->base = *base;
	room->gone = rr->base;
	rr->last_sample = rr->base;
	rr->prev_flush = rr->base;
	r->n_rooms++;
	for (size_t i = 0; i < r->n_rooms; i++)
		r->rooms[i].room->owner = &r->rooms[i];
	return 0;
}

void lp_rooms_remove(struct lp_relay *r, int64_t id, enum lp_disconnect_reason why)
{
	struct lp_relay_room *rr = lp_rooms_get(r, id);
	if (!rr)
		return;
	struct lp_room *room = rr->room;
	while (room->n_members) {
		struct lp_session *s = room->members[0]->conn;
		lp_session_disconnect(s, why, NULL);
		if (room->n_members && room->members[0] == &s->member)
			lp_room_remove(room, &s->member, why); /* never loop forever */
	}
	lp_room_del(room);
	size_t at = (size_t)(rr - r->rooms);
	memmove(&r->rooms[at], &r->rooms[at + 1], (r->n_rooms - at - 1) * sizeof(r->rooms[0]));
	r->n_rooms--;
	for (size_t i = 0; i < r->n_rooms; i++)
		r->rooms[i].room->owner = &r->rooms[i];
}

void lp_rooms_free(struct lp_relay *r)
{
	for (size_t i = 0; i < r->n_rooms; i++)
		lp_room_del(r->rooms[i].room);
	free(r->rooms);
	r->rooms = NULL;
	r->n_rooms = r->cap_rooms = 0;
}

/*
 * Counter names in the store: up_unicast_frames, down_broadcast_bytes, ...,
 * drop_spoofed_mac. Stable: renaming one loses its history.
 */
size_t lp_rooms_counter_names(const struct lp_counters *c, struct lp_store_counter *out,
			      char names[][LP_STORE_COUNTER_NAME_MAX + 1], size_t max)
{
	size_t n = 0;
	for (int d = 0; d < LP_DIR__COUNT; d++) {
		for (int k = 0; k < LP_CAST__COUNT && n + 2 <= max; k++) {
			snprintf(names[n], sizeof(names[n]), "%s_%s_frames",
				 lp_dir_name((enum lp_dir)d),
				 lp_counters_cast_name((enum lp_cast)k));
			out[n].name = names[n];
			out[n].value = c->frames[d][k];
			n++;
			snprintf(names[n], sizeof(names[n]), "%s_%s_bytes",
				 lp_dir_name((enum lp_dir)d),
				 lp_counters_cast_name((enum lp_cast)k));
			out[n].name = names[n];
			out[n].value = c->bytes[d][k];
			n++;
		}
	}
	for (int i = 0; i < LP_DROP__COUNT && n < max; i++) {
		snprintf(names[n], sizeof(names[n]), "drop_%s", lp_drop_name((enum lp_drop)i));
		out[n].name = names[n];
		out[n].value = c->drops[i];
		n++;
	}
	return n;
}

void lp_rooms_counters_from_store(struct lp_counters *c, const char *name, uint64_t value)
{
	char want[LP_STORE_COUNTER_NAME_MAX + 1];
	for (int d = 0; d < LP_DIR__COUNT; d++) {
		for (int k = 0; k < LP_CAST__COUNT; k++) {
			snprintf(want, sizeof(want), "%s_%s_frames", lp_dir_name((enum lp_dir)d),
				 lp_counters_cast_name((enum lp_cast)k));
			if (strcmp(want, name) == 0)
				c->frames[d][k] = value;
			snprintf(want, sizeof(want), "%s_%s_bytes", lp_dir_name((enum lp_dir)d),
				 lp_counters_cast_name((enum lp_cast)k));
			if (strcmp(want, name) == 0)
				c->bytes[d][k] = value;
		}
	}
	enum lp_drop why;
	if (strncmp(name, "drop_", 5) == 0 && lp_drop_from_name(name + 5, &why) == 0)
		c->drops[why] = value;
}

static int load_counters(struct lp_relay *r, int64_t room_id, struct lp_counters *c)
{
	struct lp_store_counter_value v[32];
	char after[LP_STORE_COUNTER_NAME_MAX + 1] = "";
	size_t n;
	memset(c, 0, sizeof(*c));
	do {
		int ret = lp_store_counter_list(r->store, room_id, after, v, 32, &n);
		if (ret < 0)
			return ret;
		for (size_t i = 0; i < n; i++)
			lp_rooms_counters_from_store(c, v[i].name, v[i].value);
		if (n)
			snprintf(after, sizeof(after), "%s", v[n - 1].name);
	} while (n == 32);
	return 0;
}

int lp_rooms_load(struct lp_relay *r)
{
	struct lp_store_room batch[64];
	int64_t after = 0;
	size_t n;
	do {
		int ret = lp_store_room_list(r->store, after, batch, 64, &n);
		if (ret < 0)
			return ret;
		for (size_t i = 0; i < n; i++) {
			struct lp_counters c;
			if ((ret = load_counters(r, batch[i].id, &c)) < 0 ||
			    (ret = lp_rooms_add(r, &batch[i], &c)) < 0)
				return ret;
			after = batch[i].id;
		}
	} while (n == 64);
	return 0;
}

int lp_rooms_invite(struct lp_relay *r, bool gateway, const char *code, char *out, size_t outlen)
{
	struct lp_invite inv;
	char err[128];
	char text[LP_INVITE_STRLEN];
	/* parse a minimal invite to fill host fields canonically, then set the rest */
	snprintf(text, sizeof(text), "lanparty://%s:%u/%s/%s", r->public_host, r->public_port,
		 gateway ? "gateway" : "client", code);
	if (lp_invite_parse(text, &inv, err, sizeof(err)) < 0) {
		log_warnx("invite_failed error=\"%s\"", err);
		return LP_ERR_INVALID;
	}
	inv.has_pin = true;
	memcpy(inv.pin, r->pin, sizeof(inv.pin));
	inv.api_port = r->api_port ? r->api_port : r->public_port;
	return lp_invite_format(&inv, out, outlen);
}
