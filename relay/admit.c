/*
 * admit.c: the relay's answer to a hello: welcome, or reject with a reason
 * code the agent shows in words. Checks run from the cheapest and least
 * revealing (rate limit, version) to the ones that need the room.
 */
#include "relay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "rand.h"

#define RESUME_LEN    43 /* 258 random bits in the code alphabet */
#define REPLACED_TEXT "a newer session of this member took over"

static uint64_t minute_now(struct lp_relay *r)
{
	return lp_loop_now(r->loop) / (60ull * 1000000000ull);
}

static struct lp_fail_slot *fail_find(struct lp_relay *r, const char *ip, bool create)
{
	for (size_t i = 0; i < LP_RELAY_FAIL_SLOTS; i++)
		if (r->fails[i].ip[0] && strcmp(r->fails[i].ip, ip) == 0)
			return &r->fails[i];
	if (!create)
		return NULL;
	struct lp_fail_slot *s = &r->fails[r->fail_next];
	r->fail_next = (r->fail_next + 1) % LP_RELAY_FAIL_SLOTS;
	snprintf(s->ip, sizeof(s->ip), "%s", ip);
	s->minute = 0;
	s->count = 0;
	return s;
}

bool lp_admit_blocked(struct lp_relay *r, const char *ip)
{
	struct lp_fail_slot *s = fail_find(r, ip, false);
	return s && s->minute == minute_now(r) && s->count >= LP_RELAY_FAILS_PER_MIN;
}

void lp_admit_note_failure(struct lp_relay *r, const char *ip)
{
	struct lp_fail_slot *s = fail_find(r, ip, true);
	uint64_t m = minute_now(r);
	if (s->minute != m) {
		s->minute = m;
		s->count = 0;
	}
	s->count++;
}

/* One hello being decided: what the member_rejected log line says about it. */
struct admission {
	struct lp_session *s;
	const struct lp_ctrl_hello *h;
	int64_t room; /* 0 until the code names a room */
};

/*
 * One line per refused hello, with what the hello claimed. Rate-limited: a
 * peer can send hellos as fast as it can finish handshakes, and every reject
 * is counted in lanparty_relay_rejects_total whatever the log says.
 */
static void log_reject(const struct admission *ax, enum lp_reject_reason why)
{
	static struct lp_log_rl rl = LP_LOG_RL_INIT(20, 10);
	char room[24] = "-", mac[LP_MAC_STRLEN] = "-", name[2 * LP_CTRL_NAME_MAX + 3];
	if (ax->room > 0)
		snprintf(room, sizeof(room), "%lld", (long long)ax->room);
	if (ax->h->has_mac)
		lp_mac_format(&ax->h->mac, mac);
	log_info_rl(&rl, "member_rejected room=%s role=%s mac=%s name=%s addr=%s reason=%s", room,
		    lp_ctrl_role_name(ax->h->role), mac,
		    lp_log_quote(name, sizeof(name), ax->h->name[0] ? ax->h->name : "-"),
		    ax->s->addr, lp_reject_reason_name(why));
}

static int reject(const struct admission *ax, enum lp_reject_reason why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(const struct admission *ax, enum lp_reject_reason why, const char *fmt, ...)
{
	struct lp_ctrl_reject rej = { .reason = why };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rej.message, sizeof(rej.message), fmt, ap);
	va_end(ap);
	ax->s->relay->stats.rejects[why]++;
	log_reject(ax, why);
	lp_session_reject(ax->s, &rej);
	return 0;
}

static int reject_full(const struct admission *ax, struct lp_room *room)
{
	struct lp_ctrl_reject rej = { .reason = LP_REJECT_ROOM_FULL };
	snprintf(rej.message, sizeof(rej.message), "room %s is full: %u of %u players",
		 room->set.name, room->n_clients, room->set.max_clients);
	rej.has_limit = rej.has_count = true;
	rej.limit = room->set.max_clients;
	rej.count = room->n_clients;
	ax->s->relay->stats.rejects[LP_REJECT_ROOM_FULL]++;
	log_reject(ax, LP_REJECT_ROOM_FULL);
	lp_session_reject(ax->s, &rej);
	return 0;
}

/* The live member of room whose resume secret hashes to hash, or NULL. */
static struct lp_session *resumable(struct lp_room *room, const uint8_t hash[32], bool gateway)
{
	for (size_t i = 0; i < room->n_members; i++) {
		struct lp_member *m = room->members[i];
		if (m->gateway == gateway && lp_tls_pin_equal(m->resume_hash, hash))
			return m->conn;
	}
	return NULL;
}

static int send_welcome(struct lp_session *s, struct lp_room *room, const char *resume)
{
	struct lp_ctrl_msg msg = { .type = LP_CTRL_WELCOME };
	struct lp_ctrl_welcome *w = &msg.welcome;
	w->member_id = s->member.id;
	w->room_id = (uint64_t)room->id;
	snprintf(w->room_name, sizeof(w->room_name), "%s", room->set.name);
	w->mtu = (uint16_t)room->set.mtu;
	w->stats_interval = LP_RELAY_STATS_INTERVAL_S;
	snprintf(w->resume, sizeof(w->resume), "%s", resume);
	w->members = calloc(room->n_members, sizeof(*w->members));
	if (!w->members)
		return LP_ERR_NOMEM;
	for (size_t i = 0; i < room->n_members; i++)
		lp_member_info(room->members[i], &w->members[w->n_members++]);
	int r = lp_session_send_ctrl(s, &msg);
	free(w->members);
	return r;
}

static int admit(struct lp_session *s, const struct lp_ctrl_hello *h)
{
	struct lp_relay *r = s->relay;
	int64_t now = lp_relay_now();
	bool gateway = h->role == LP_CTRL_ROLE_GATEWAY;
	struct lp_store_code code;
	struct admission adm = { .s = s, .h = h }, *ax = &adm;

	if (lp_admit_blocked(r, s->ip))
		return reject(ax, LP_REJECT_RATE_LIMITED,
			      "too many failed attempts from your address; try again in a minute");
	if (h->version != LP_PROTO_VERSION)
		return reject(ax, LP_REJECT_UNSUPPORTED_VERSION,
			      "this relay speaks protocol version %d, the agent %u",
			      LP_PROTO_VERSION, h->version);
	int ret = lp_store_code_lookup(r->store, h->code, strlen(h->code), now, &code);
	if (ret == LP_ERR_NOT_FOUND || ret == LP_ERR_INVALID) {
		lp_admit_note_failure(r, s->ip);
		return reject(ax, LP_REJECT_BAD_CODE, "unknown room code");
	}
	if (ret < 0) {
		r->stats.store_errors++;
		return reject(ax, LP_REJECT_INTERNAL_ERROR,
			      "the relay could not read its database");
	}
	adm.room = code.room_id;
	if ((code.role == LP_STORE_ROLE_GATEWAY) != gateway) {
		lp_admit_note_failure(r, s->ip);
		return reject(ax, LP_REJECT_WRONG_ROLE, "this is a %s invite, not a %s one",
			      lp_store_role_name(code.role), gateway ? "gateway" : "client");
	}
	if (code.state != LP_STORE_CODE_VALID)
		return reject(ax, LP_REJECT_BAD_CODE, "this invite was %s",
			      code.state == LP_STORE_CODE_REVOKED   ? "revoked"
			      : code.state == LP_STORE_CODE_EXPIRED ? "valid until a time now past"
								    : "used up");
	struct lp_relay_room *rr = lp_rooms_get(r, code.room_id);
	if (!rr)
		return reject(ax, LP_REJECT_BAD_CODE, "unknown room code");
	struct lp_room *room = rr->room;
	if (!room->set.enabled)
		return reject(ax, LP_REJECT_ROOM_DISABLED, "room %s is closed by its organiser",
			      room->set.name);
	if (room->set.expires_at && room->set.expires_at <= now)
		return reject(ax, LP_REJECT_ROOM_EXPIRED, "room %s has ended", room->set.name);
	if (!gateway && !h->has_mac)
		return reject(ax, LP_REJECT_MALFORMED_HELLO, "a client must give its MAC address");
	int64_t ban_id = 0;
	ret = lp_store_ban_check(r->store, room->id, gateway ? NULL : &h->mac, s->ip, now, &ban_id);
	if (ret == 0 && ban_id > 0)
		return reject(ax, LP_REJECT_BANNED, "you are banned from room %s", room->set.name);

	/* A member coming back with its resume secret replaces its old session at once. */
	struct lp_session *old = NULL;
	uint8_t hash[32];
	if (h->resume[0] && lp_store_hash(h->resume, strlen(h->resume), hash) == 0)
		old = resumable(room, hash, gateway);
	/* Others see nothing of a resume unless the member's MAC or name changed. */
	bool silent = false;
	if (old) {
		const struct lp_member *om = &old->member;
		s->member.id = om->id;
		silent = om->has_mac == h->has_mac &&
			 (!h->has_mac || lp_mac_equal(&om->mac, &h->mac)) &&
			 strcmp(om->name, h->name) == 0;
		if (!silent)
			lp_session_disconnect(old, LP_DISCONNECT_REPLACED, REPLACED_TEXT);
	} else {
		if (gateway && room->gateway)
			return reject(ax, LP_REJECT_GATEWAY_PRESENT,
				      "room %s already has its LAN gateway", room->set.name);
		if (!gateway && room->n_clients >= room->set.max_clients)
			return reject_full(ax, room);
		if (!gateway && lp_room_find_mac(room, &h->mac)) {
			char mac[LP_MAC_STRLEN];
			return reject(ax, LP_REJECT_MAC_IN_USE,
				      "MAC %s is already used by another player in room %s",
				      lp_mac_format(&h->mac, mac), room->set.name);
		}
		ret = lp_store_code_use(r->store, code.id, now);
		if (ret < 0)
			return reject(ax, LP_REJECT_BAD_CODE, "this invite is no longer valid");
		s->member.id = ++r->next_member_id;
	}

	struct lp_member *m = &s->member;
	m->gateway = gateway;
	m->has_mac = h->has_mac;
	m->mac = h->mac;
	snprintf(m->name, sizeof(m->name), "%s", h->name);
	snprintf(m->agent, sizeof(m->agent), "%s", h->agent);
	snprintf(m->remote, sizeof(m->remote), "%s", s->addr);
	m->connected_at = now;
	char resume[RESUME_LEN + 1];
	if (lp_random_secret(resume, sizeof(resume), RESUME_LEN) < 0 ||
	    lp_store_hash(resume, RESUME_LEN, m->resume_hash) < 0)
		return reject(ax, LP_REJECT_INTERNAL_ERROR, "the relay could not make a secret");
	ret = silent ? lp_room_replace(room, &old->member, m) : LP_ERR_INVALID;
	if (silent)
		lp_session_disconnect(old, LP_DISCONNECT_REPLACED, REPLACED_TEXT);
	if (ret < 0)
		ret = lp_room_add(room, m, lp_loop_now(r->loop));
	if (ret == LP_ERR_EXISTS && !gateway)
		return reject(ax, LP_REJECT_MAC_IN_USE, "MAC already in use in room %s",
			      room->set.name);
	if (ret == LP_ERR_EXISTS)
		return reject(ax, LP_REJECT_GATEWAY_PRESENT, "room already has its gateway");
	if (ret == LP_ERR_LIMIT)
		return reject_full(ax, room);
	if (ret < 0)
		return reject(ax, LP_REJECT_INTERNAL_ERROR, "the relay is out of memory");
	s->admitted = true;
	s->room_id = room->id;

	struct lp_store_session ss = {
		.room_id = room->id,
		.member_id = m->id,
		.role = gateway ? LP_STORE_ROLE_GATEWAY : LP_STORE_ROLE_CLIENT,
		.has_mac = m->has_mac && !gateway,
		.mac = m->mac,
		.joined_at = now,
	};
	snprintf(ss.addr, sizeof(ss.addr), "%s", s->ip);
	snprintf(ss.agent_version, sizeof(ss.agent_version), "%s", m->agent);
	snprintf(ss.name, sizeof(ss.name), "%s", m->name);
	if (lp_store_session_start(r->store, &ss, &m->session_id) < 0) {
		r->stats.store_errors++;
		m->session_id = 0;
	}
	r->stats.admitted[gateway ? 1 : 0]++;
	if (send_welcome(s, room, resume) < 0) {
		lp_session_disconnect(s, LP_DISCONNECT_UNKNOWN, "welcome could not be sent");
		return 0;
	}
	char mac[LP_MAC_STRLEN] = "-", agent[2 * LP_CTRL_AGENT_MAX + 3],
	     name[2 * LP_CTRL_NAME_MAX + 3];
	if (m->has_mac)
		lp_mac_format(&m->mac, mac);
	log_info("member_joined room=%lld member=%u role=%s mac=%s name=%s addr=%s agent=%s "
		 "resumed=%s",
		 (long long)room->id, m->id, gateway ? "gateway" : "client", mac,
		 lp_log_quote(name, sizeof(name), m->name[0] ? m->name : "-"), s->addr,
		 lp_log_quote(agent, sizeof(agent), m->agent[0] ? m->agent : "-"),
		 old ? "yes" : "no");
	return 0;
}

void lp_admit_hello(struct lp_session *s, const struct lp_ctrl_hello *h)
{
	admit(s, h);
}
