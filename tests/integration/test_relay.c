/*
 * Integration test of lanparty-relay: the real binary (LP_BIN_DIR, default
 * build/asan/bin) started on loopback with a temporary data dir; test
 * members (peer.c, shared/ only, no TAP) join over real QUIC, are refused for
 * every reject reason, exchange unicast, broadcast, multicast and fragmented
 * frames through it, and the counters are read back through the admin API.
 *
 * One relay process serves every test (each makes its own room, so counters
 * start at zero); the rate limit test starts a second one of its own, since
 * it locks 127.0.0.1 out for the rest of the minute. The last test stops the
 * shared relay with SIGTERM and checks its exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "ctrl.h"
#include "dgram.h"
#include "err.h"
#include "mac.h"
#include "peer.h"
#include "relayproc.h"

#define WAIT_MS	   3000 /* for anything that should happen at once */
#define QUIET_MS   150	/* to be sure something did not happen */
#define START_MS   20000
#define STOP_MS	   10000
#define ROOM_MTU   1500
#define FRAME_FULL 1514 /* a full frame of a 1500-MTU room */

static struct relayproc main_relay; /* shared by the tests */
static struct relayproc rl_relay;   /* the rate limit test's own */
static struct relayproc *relay = &main_relay;
static bool test_ok; /* set by each test's last line; teardown shows the log if not */
static int room_seq;

/* ------------------------------------------------------------ helpers */

#define PASS() (test_ok = true)

/* Fail with the state of p (and every peer) when cond does not hold. */
#define CHECK_PEER(cond, p)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s\n", peer_describe(p));                               \
			fail_msg("%s", #cond);                                                     \
		}                                                                                  \
	} while (0)

static struct lp_mac mac_n(unsigned n)
{
	struct lp_mac m = { { 0x02, 0x00, 0x5e, 0x00, (uint8_t)(n >> 8), (uint8_t)n } };
	return m;
}

static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct lp_mac mcast = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb } };

static struct relayproc_room make_room(const char *what, unsigned max_clients, unsigned mtu)
{
	struct relayproc_room room;
	char body[256];

	snprintf(body, sizeof(body), "{\"name\":\"%s-%d\",\"max_clients\":%u,\"mtu\":%u}", what,
		 ++room_seq, max_clients, mtu);
	assert_int_equal(relayproc_room_create(relay, body, &room), 0);
	assert_int_equal(room.client.role, LP_INVITE_CLIENT);
	assert_int_equal(room.gateway.role, LP_INVITE_GATEWAY);
	assert_true(room.client.has_pin);
	assert_string_not_equal(room.client.code, room.gateway.code);
	return room;
}

static struct peer *start(const char *label, const struct lp_invite *inv,
			  const struct peer_opts *opts)
{
	struct peer *p;
	int r = peer_new(&p, label, inv, opts);

	if (r < 0)
		fail_msg("peer_new(%s): %s", label, lp_strerror(r));
	return p;
}

/* A member that must be admitted. */
static struct peer *join(const char *label, const struct lp_invite *inv,
			 const struct peer_opts *opts)
{
	struct peer *p = start(label, inv, opts);

	CHECK_PEER(peer_wait_answer(p, WAIT_MS), p);
	CHECK_PEER(p->welcomed, p);
	CHECK_PEER(p->ctrl_errors == 0, p);
	return p;
}

static struct peer *join_client(const char *label, const struct relayproc_room *room,
				struct lp_mac mac)
{
	struct peer_opts o = { .has_mac = true, .mac = mac, .name = label };
	return join(label, &room->client, &o);
}

/* A hello that must be refused with why: reject message and/or close code agree. */
static void expect_reject(const char *label, const struct lp_invite *inv,
			  const struct peer_opts *opts, enum lp_reject_reason why)
{
	struct peer *p = start(label, inv, opts);

	CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
	CHECK_PEER(!p->welcomed, p);
	CHECK_PEER(peer_reject_reason(p) == (int)why, p);
	CHECK_PEER(peer_close_app_code(p) == (int64_t)lp_reject_close_code(why), p);
	CHECK_PEER(p->ctrl_errors == 0, p);
	if (getenv("LP_INTEG_VERBOSE"))
		fprintf(stderr, "  %s\n", peer_describe(p));
	peer_free(p);
}

/* ------------------------------------------------------------ stats */

struct expect {
	uint64_t frames[LP_DIR__COUNT][LP_CAST__COUNT];
	uint64_t bytes[LP_DIR__COUNT][LP_CAST__COUNT];
};

static void expect_sent(struct expect *e, enum lp_cast cast, size_t len, unsigned receivers)
{
	e->frames[LP_DIR_UP][cast] += 1;
	e->bytes[LP_DIR_UP][cast] += len;
	e->frames[LP_DIR_DOWN][cast] += receivers;
	e->bytes[LP_DIR_DOWN][cast] += (uint64_t)len * receivers;
}

static json_t *get_stats(const struct relayproc_room *room)
{
	json_t *j = NULL;
	long st = relayproc_apif(relay, "GET", NULL, &j, "/api/v1/rooms/%lld/stats",
				 (long long)room->id);
	if (st != 200 || !j)
		fail_msg("GET stats -> %ld", st);
	return j;
}

static void dump_json(const char *what, const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	fprintf(stderr, "  %s: %s\n", what, s ? s : "?");
	free(s);
}

/* /stats traffic equals e, counter by counter. */
static void check_traffic(const struct relayproc_room *room, const struct expect *e)
{
	json_t *j = get_stats(room);
	char path[96];
	bool ok = true;

	for (int d = 0; d < LP_DIR__COUNT; d++) {
		for (int c = 0; c < LP_CAST__COUNT; c++) {
			const char *dn = lp_dir_name((enum lp_dir)d);
			const char *cn = lp_counters_cast_name((enum lp_cast)c);
			snprintf(path, sizeof(path), "traffic.%s.%s.frames", dn, cn);
			int64_t f = relayproc_json_int(j, path);
			snprintf(path, sizeof(path), "traffic.%s.%s.bytes", dn, cn);
			int64_t b = relayproc_json_int(j, path);
			if (f != (int64_t)e->frames[d][c] || b != (int64_t)e->bytes[d][c]) {
				fprintf(stderr,
					"  %s %s: frames %lld bytes %lld, expected %llu %llu\n", dn,
					cn, (long long)f, (long long)b,
					(unsigned long long)e->frames[d][c],
					(unsigned long long)e->bytes[d][c]);
				ok = false;
			}
		}
	}
	if (!ok) {
		dump_json("stats", j);
		json_decref(j);
		fail_msg("room counters differ from what was sent");
	}
	json_decref(j);
}

/* drops.<name> in /stats. */
static int64_t stat_drop(const struct relayproc_room *room, const char *name)
{
	json_t *j = get_stats(room);
	char path[64];

	snprintf(path, sizeof(path), "drops.%s", name);
	int64_t v = relayproc_json_int(j, path);
	if (v < 0)
		dump_json("stats", j);
	json_decref(j);
	return v;
}

static json_t *get_members(const struct relayproc_room *room)
{
	json_t *j = NULL;
	long st = relayproc_apif(relay, "GET", NULL, &j, "/api/v1/rooms/%lld/members",
				 (long long)room->id);
	if (st != 200 || !json_is_array(relayproc_json_get(j, "members")))
		fail_msg("GET members -> %ld", st);
	return j;
}

/* The /members entry with this id, or NULL. Borrowed from j. */
static const json_t *member_entry(const json_t *j, uint32_t id)
{
	const json_t *arr = relayproc_json_get(j, "members");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *m = json_array_get(arr, i);
		if (relayproc_json_int(m, "id") == (int64_t)id)
			return m;
	}
	return NULL;
}

/* ------------------------------------------------------------ a room of three */

/* A gateway with one LAN host behind it, and two players. */
struct trio {
	struct relayproc_room room;
	struct peer *gw, *a, *b;
	struct lp_mac lan, amac, bmac; /* lan: a host on the party LAN, behind gw */
	struct expect e;
};

static void trio_join(struct trio *t, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->room = make_room(what, 8, ROOM_MTU);
	t->lan = mac_n(0x100);
	t->amac = mac_n(0xa);
	t->bmac = mac_n(0xb);
	t->gw = join("gateway", &t->room.gateway, NULL);
	t->a = join_client("alice", &t->room, t->amac);
	t->b = join_client("bob", &t->room, t->bmac);
	/* everyone has seen everyone: admission is complete on the relay */
	CHECK_PEER(peer_wait_joined(t->gw, peer_id(t->b), WAIT_MS), t->gw);
	CHECK_PEER(peer_wait_joined(t->a, peer_id(t->b), WAIT_MS), t->a);
}

/* Send and check that exactly the peers in want (NULL-terminated) get the frame. */
static void send_expect(struct trio *t, struct peer *from, const uint8_t *f, size_t len,
			struct peer *const *want)
{
	struct peer *all[] = { t->gw, t->a, t->b };
	uint64_t before[3];
	unsigned n = 0;

	for (int i = 0; i < 3; i++)
		before[i] = all[i]->frames_total;
	int d = peer_send_frame(from, f, len);
	CHECK_PEER(d >= 1, from);
	for (int i = 0; i < 3; i++) {
		bool wanted = false;
		for (unsigned k = 0; want[k]; k++)
			wanted |= want[k] == all[i];
		if (!wanted)
			continue;
		n++;
		CHECK_PEER(peer_wait_frames(all[i], before[i] + 1, WAIT_MS), all[i]);
	}
	peer_pump(QUIET_MS);
	for (int i = 0; i < 3; i++) {
		bool wanted = false;
		for (unsigned k = 0; want[k]; k++)
			wanted |= want[k] == all[i];
		CHECK_PEER(all[i]->frames_total == before[i] + (wanted ? 1 : 0), all[i]);
		if (wanted)
			CHECK_PEER(peer_count_frame(all[i], f, len) >= 1, all[i]);
	}
	struct lp_mac dst;
	memcpy(dst.b, f, LP_MAC_LEN);
	if (n)
		expect_sent(&t->e, lp_mac_cast(&dst), len, n);
}

/* Send a frame the relay must drop: nobody gets it. */
static void send_dropped(struct trio *t, struct peer *from, const uint8_t *f, size_t len)
{
	static struct peer *const none[] = { NULL };
	send_expect(t, from, f, len, none);
}

/* ------------------------------------------------------------ fixtures */

static int group_setup(void **state)
{
	(void)state;
	return relayproc_start(&main_relay, NULL, START_MS) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	peer_free_all();
	relayproc_cleanup(&rl_relay);
	relayproc_cleanup(&main_relay);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	test_ok = false;
	relay = &main_relay;
	if (!relayproc_alive(relay)) {
		fprintf(stderr, "relay is not running (exit status %d)\n", relay->exit_status);
		relayproc_dump_log(relay, 60);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!test_ok) {
		peer_dump_all();
		relayproc_dump_log(relay, 60);
	}
	peer_free_all();
	relayproc_cleanup(&rl_relay);
	relay = &main_relay;
	return 0;
}

/* ------------------------------------------------------------ admission */

static void test_admission(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("admission", 4, 1420);
	struct lp_mac lanbox = mac_n(1), amac = mac_n(2), bmac = mac_n(3);
	struct peer_opts go = { .has_mac = true, .mac = lanbox, .name = "lanbox" };

	struct peer *gw = join("gateway", &room.gateway, &go);
	const struct lp_ctrl_welcome *w = &gw->welcome.welcome;
	CHECK_PEER(w->member_id >= 1, gw);
	CHECK_PEER(w->room_id == (uint64_t)room.id, gw);
	CHECK_PEER(strncmp(w->room_name, "admission-", 10) == 0, gw);
	CHECK_PEER(w->mtu == 1420, gw);
	CHECK_PEER(w->n_members == 1 && w->members[0].id == w->member_id, gw);
	CHECK_PEER(w->members[0].role == LP_CTRL_ROLE_GATEWAY, gw);
	CHECK_PEER(strcmp(w->members[0].name, "lanbox") == 0, gw);
	CHECK_PEER(strlen(w->resume) >= LP_CTRL_RESUME_MIN, gw);
	CHECK_PEER(w->stats_interval >= 1, gw);

	struct peer *a = join_client("alice", &room, amac);
	const struct lp_ctrl_welcome *wa = &a->welcome.welcome;
	CHECK_PEER(wa->member_id != w->member_id, a);
	CHECK_PEER(wa->room_id == (uint64_t)room.id && wa->mtu == 1420, a);
	CHECK_PEER(wa->n_members == 2, a);
	CHECK_PEER(peer_find_member(a, w->member_id) &&
			   peer_find_member(a, w->member_id)->role == LP_CTRL_ROLE_GATEWAY,
		   a);
	const struct lp_ctrl_member *self = peer_find_member(a, wa->member_id);
	CHECK_PEER(self && self->role == LP_CTRL_ROLE_CLIENT && self->has_mac &&
			   lp_mac_equal(&self->mac, &amac) && strcmp(self->name, "alice") == 0,
		   a);
	CHECK_PEER(strcmp(wa->resume, w->resume) != 0, a);

	/* the gateway learns of alice, with her MAC (a remote MAC for it) */
	CHECK_PEER(peer_wait_joined(gw, wa->member_id, WAIT_MS), gw);
	const struct lp_ctrl_member *j = peer_find_joined(gw, wa->member_id);
	CHECK_PEER(j->role == LP_CTRL_ROLE_CLIENT && j->has_mac && lp_mac_equal(&j->mac, &amac),
		   gw);

	struct peer *b = join_client("bob", &room, bmac);
	const struct lp_ctrl_welcome *wb = &b->welcome.welcome;
	CHECK_PEER(wb->n_members == 3, b);
	CHECK_PEER(wb->member_id != w->member_id && wb->member_id != wa->member_id, b);
	CHECK_PEER(peer_find_member(b, wa->member_id) &&
			   lp_mac_equal(&peer_find_member(b, wa->member_id)->mac, &amac),
		   b);
	CHECK_PEER(peer_wait_joined(gw, wb->member_id, WAIT_MS), gw);
	CHECK_PEER(peer_wait_joined(a, wb->member_id, WAIT_MS), a);
	/* nobody hears of itself, and bob heard of nobody: he got the list */
	CHECK_PEER(!peer_find_joined(a, wa->member_id), a);
	CHECK_PEER(b->n_joined == 0, b);

	/* the API sees the same three */
	json_t *m = get_members(&room);
	assert_int_equal(json_array_size(relayproc_json_get(m, "members")), 3);
	const json_t *ma = member_entry(m, wa->member_id), *mg = member_entry(m, w->member_id);
	assert_non_null(ma);
	assert_non_null(mg);
	assert_string_equal(json_string_value(json_object_get(ma, "role")), "client");
	assert_string_equal(json_string_value(json_object_get(ma, "mac")), "02:00:5e:00:00:02");
	assert_string_equal(json_string_value(json_object_get(ma, "name")), "alice");
	assert_string_equal(json_string_value(json_object_get(mg, "role")), "gateway");
	/* where the member connects from, as the relay saw it */
	char remote[32];
	snprintf(remote, sizeof(remote), "127.0.0.1:%u", ntohs(a->local.sin_port));
	const char *seen = json_string_value(json_object_get(ma, "remote"));
	if (!seen || strcmp(seen, remote) != 0)
		fail_msg("members[alice].remote is \"%s\", expected \"%s\"", seen ? seen : "(none)",
			 remote);
	json_decref(m);
	PASS();
}

static void test_leave(void **state)
{
	(void)state;
	struct trio t;
	trio_join(&t, "leave");
	uint32_t bid = peer_id(t.b);

	assert_int_equal(peer_leave(t.b), 0);
	CHECK_PEER(peer_wait_left(t.gw, bid, WAIT_MS), t.gw);
	CHECK_PEER(peer_wait_left(t.a, bid, WAIT_MS), t.a);
	CHECK_PEER(peer_find_left(t.gw, bid)->reason == LP_DISCONNECT_LEAVING, t.gw);
	CHECK_PEER(peer_find_left(t.a, bid)->reason == LP_DISCONNECT_LEAVING, t.a);
	json_t *m = get_members(&t.room);
	assert_int_equal(json_array_size(relayproc_json_get(m, "members")), 2);
	assert_null(member_entry(m, bid));
	json_decref(m);
	PASS();
}

/* ------------------------------------------------------------ rejects */

static void test_reject_bad_code(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("badcode", 4, ROOM_MTU);
	struct peer_opts o = { .has_mac = true,
			       .mac = mac_n(1),
			       .code = "Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz" };

	expect_reject("badcode", &room.client, &o, LP_REJECT_BAD_CODE);
	PASS();
}

static void test_reject_wrong_role(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("wrongrole", 4, ROOM_MTU);
	struct peer_opts as_gw = { .role = LP_CTRL_ROLE_GATEWAY };
	struct peer_opts as_client = { .role = LP_CTRL_ROLE_CLIENT,
				       .has_mac = true,
				       .mac = mac_n(1) };

	expect_reject("client-code-as-gw", &room.client, &as_gw, LP_REJECT_WRONG_ROLE);
	expect_reject("gw-code-as-client", &room.gateway, &as_client, LP_REJECT_WRONG_ROLE);
	PASS();
}

static void test_reject_room_disabled(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("disabled", 4, ROOM_MTU);
	struct peer *gw = join("gateway", &room.gateway, NULL);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(1) };

	long st = relayproc_apif(relay, "PATCH", "{\"enabled\":false}", NULL, "/api/v1/rooms/%lld",
				 (long long)room.id);
	assert_int_equal(st, 200);
	/* the member online is sent home */
	CHECK_PEER(peer_wait_closed(gw, WAIT_MS), gw);
	CHECK_PEER(peer_disconnect_reason(gw) == LP_DISCONNECT_ROOM_DISABLED, gw);
	CHECK_PEER(peer_close_app_code(gw) ==
			   (int64_t)lp_disconnect_close_code(LP_DISCONNECT_ROOM_DISABLED),
		   gw);
	expect_reject("disabled", &room.client, &o, LP_REJECT_ROOM_DISABLED);
	expect_reject("disabled-gw", &room.gateway, NULL, LP_REJECT_ROOM_DISABLED);

	/* and enabled again, it admits */
	st = relayproc_apif(relay, "PATCH", "{\"enabled\":true}", NULL, "/api/v1/rooms/%lld",
			    (long long)room.id);
	assert_int_equal(st, 200);
	join_client("alice", &room, mac_n(1));
	PASS();
}

static void test_reject_room_expired(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("expired", 4, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(1) };
	char body[96], when[32];
	time_t at = 0;
	long st = 0;

	/*
	 * The API refuses an expiry in the past, so set one 2 s ahead and wait
	 * it out (retry once if a second ticked over between our clock and the
	 * relay's check).
	 */
	for (int i = 0; i < 2 && st != 200; i++) {
		struct tm tm;
		at = time(NULL) + 2;
		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(body, sizeof(body), "{\"expires_at\":\"%s\"}", when);
		st = relayproc_apif(relay, "PATCH", body, NULL, "/api/v1/rooms/%lld",
				    (long long)room.id);
	}
	assert_int_equal(st, 200);
	while (time(NULL) <= at)
		peer_pump(100);
	expect_reject("expired", &room.client, &o, LP_REJECT_ROOM_EXPIRED);
	expect_reject("expired-gw", &room.gateway, NULL, LP_REJECT_ROOM_EXPIRED);
	PASS();
}

static void test_reject_room_full(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("full", 1, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(2) };

	join_client("first", &room, mac_n(1));
	struct peer *p = start("second", &room.client, &o);
	CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
	CHECK_PEER(peer_reject_reason(p) == LP_REJECT_ROOM_FULL, p);
	CHECK_PEER(peer_close_app_code(p) == (int64_t)lp_reject_close_code(LP_REJECT_ROOM_FULL), p);
	/* when the message arrives, it says how full */
	if (p->rejected)
		CHECK_PEER(p->reject.has_limit && p->reject.limit == 1 && p->reject.has_count &&
				   p->reject.count == 1,
			   p);
	/* the gateway does not count against max_clients */
	join("gateway", &room.gateway, NULL);
	PASS();
}

static void test_reject_gateway_present(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("gwpresent", 4, ROOM_MTU);

	join("gateway", &room.gateway, NULL);
	expect_reject("gateway2", &room.gateway, NULL, LP_REJECT_GATEWAY_PRESENT);
	PASS();
}

static void test_reject_mac_in_use(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("macinuse", 4, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(7) };

	join_client("first", &room, mac_n(7));
	expect_reject("same-mac", &room.client, &o, LP_REJECT_MAC_IN_USE);
	PASS();
}

static void test_reject_banned(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("banned", 4, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(0x66) };
	json_t *j = NULL;

	long st = relayproc_apif(relay, "POST", "{\"mac\":\"02:00:5e:00:00:66\"}", &j,
				 "/api/v1/rooms/%lld/bans", (long long)room.id);
	assert_int_equal(st, 201);
	assert_true(relayproc_json_int(j, "id") > 0);
	json_decref(j);
	expect_reject("banned", &room.client, &o, LP_REJECT_BANNED);
	/* another MAC from the same address is welcome */
	struct peer *other = join_client("other", &room, mac_n(0x67));

	/* a ban by address refuses any MAC from it, and sends the online member home */
	st = relayproc_apif(relay, "POST", "{\"addr\":\"127.0.0.1\"}", NULL,
			    "/api/v1/rooms/%lld/bans", (long long)room.id);
	assert_int_equal(st, 201);
	CHECK_PEER(peer_wait_closed(other, WAIT_MS), other);
	CHECK_PEER(peer_disconnect_reason(other) == LP_DISCONNECT_BANNED, other);
	o.mac = mac_n(0x68);
	expect_reject("banned-addr", &room.client, &o, LP_REJECT_BANNED);
	PASS();
}

static void test_reject_unsupported_version(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("version", 4, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(1), .version = 2 };

	expect_reject("v2", &room.client, &o, LP_REJECT_UNSUPPORTED_VERSION);
	PASS();
}

static void test_reject_malformed_hello(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("malformed", 4, ROOM_MTU);
	static const uint8_t garbage[] = {
		0, 0, 0, 9, '{', '"', 't', 'y', 'p', 'e', '"', ':', '['
	};
	static const uint8_t zero_len[] = { 0, 0, 0, 0 };
	static const uint8_t not_hello[] = "\x00\x00\x00\x28"
					   "{\"type\":\"disconnect\",\"reason\":\"leaving\"}";
	static const uint8_t no_mac[] =
		"\x00\x00\x00\x8d{\"agent\":\"t\",\"code\":\"Xq3v9LmT2pR8sK4wYb6nHc1dZf7gJe5a\","
		"\"datagram_budget\":1200,\"role\":\"client\",\"type\":\"hello\",\"version\":1,"
		"\"x\":\"yyyyyyyyyyyyy\"}";
	const struct {
		const char *label;
		const uint8_t *raw;
		size_t len;
	} cases[] = {
		{ "garbage-json", garbage, sizeof(garbage) },
		{ "zero-length", zero_len, sizeof(zero_len) },
		{ "disconnect-first", not_hello, sizeof(not_hello) - 1 },
		{ "client-without-mac", no_mac, sizeof(no_mac) - 1 },
	};

	assert_int_equal(sizeof(not_hello) - 1, 4 + 0x28);
	assert_int_equal(sizeof(no_mac) - 1, 4 + 0x8d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct peer_opts o = { .raw_hello = cases[i].raw, .raw_hello_len = cases[i].len };
		expect_reject(cases[i].label, &room.client, &o, LP_REJECT_MALFORMED_HELLO);
	}
	PASS();
}

/*
 * The reject and disconnect messages go out before the connection closes, so
 * the agent can show the relay's words and numbers (limit, count,
 * retry_after), not only the close code's reason.
 */
static void test_messages_before_close(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("messages", 1, ROOM_MTU);
	struct peer_opts o = { .has_mac = true, .mac = mac_n(2) };

	struct peer *first = join_client("first", &room, mac_n(1));
	struct peer *p = start("second", &room.client, &o);
	CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
	CHECK_PEER(p->rejected, p);
	CHECK_PEER(p->reject.reason == LP_REJECT_ROOM_FULL && p->reject.message[0], p);
	CHECK_PEER(p->reject.has_limit && p->reject.limit == 1, p);

	long st = relayproc_apif(relay, "DELETE", NULL, NULL, "/api/v1/rooms/%lld/members/%u",
				 (long long)room.id, peer_id(first));
	assert_int_equal(st, 204);
	CHECK_PEER(peer_wait_closed(first, WAIT_MS), first);
	CHECK_PEER(first->disconnected && first->disconnect.reason == LP_DISCONNECT_KICKED, first);
	PASS();
}

/* ------------------------------------------------------------ forwarding */

static void test_forward_broadcast(void **state)
{
	(void)state;
	struct trio t;
	uint8_t f[200];
	trio_join(&t, "bcast");

	/* from a player: the gateway and the other player, never back to the sender */
	peer_frame_build(f, sizeof(f), 60, &bcast, &t.amac, 0x88b5, 1);
	send_expect(&t, t.a, f, 60, (struct peer *const[]){ t.gw, t.b, NULL });
	/* multicast the same way */
	peer_frame_build(f, sizeof(f), 120, &mcast, &t.bmac, 0x88b5, 2);
	send_expect(&t, t.b, f, 120, (struct peer *const[]){ t.gw, t.a, NULL });
	/* from the LAN: both players */
	peer_frame_build(f, sizeof(f), 200, &bcast, &t.lan, 0x0806, 3);
	send_expect(&t, t.gw, f, 200, (struct peer *const[]){ t.a, t.b, NULL });
	check_traffic(&t.room, &t.e);
	PASS();
}

static void test_forward_unicast(void **state)
{
	(void)state;
	struct trio t;
	uint8_t f[100];
	trio_join(&t, "ucast");

	/* a player's MAC is pinned to it from the hello: no learning needed */
	peer_frame_build(f, sizeof(f), 64, &t.bmac, &t.amac, 0x88b5, 1);
	send_expect(&t, t.a, f, 64, (struct peer *const[]){ t.b, NULL });
	peer_frame_build(f, sizeof(f), 65, &t.amac, &t.lan, 0x88b5, 2);
	send_expect(&t, t.gw, f, 65, (struct peer *const[]){ t.a, NULL });
	/* the LAN host's MAC was learned from that frame: unicast to it reaches the gateway only */
	peer_frame_build(f, sizeof(f), 66, &t.lan, &t.bmac, 0x88b5, 3);
	send_expect(&t, t.b, f, 66, (struct peer *const[]){ t.gw, NULL });
	peer_frame_build(f, sizeof(f), 67, &t.lan, &t.amac, 0x88b5, 4);
	send_expect(&t, t.a, f, 67, (struct peer *const[]){ t.gw, NULL });
	check_traffic(&t.room, &t.e);
	PASS();
}

static void test_forward_flood_unknown(void **state)
{
	(void)state;
	struct trio t;
	struct lp_mac unknown = mac_n(0x999);
	uint8_t f[100];
	trio_join(&t, "flood");

	/* unknown unicast from the LAN floods to every player */
	peer_frame_build(f, sizeof(f), 90, &unknown, &t.lan, 0x88b5, 1);
	send_expect(&t, t.gw, f, 90, (struct peer *const[]){ t.a, t.b, NULL });
	/* and from a player to the gateway and the other player */
	peer_frame_build(f, sizeof(f), 91, &unknown, &t.amac, 0x88b5, 2);
	send_expect(&t, t.a, f, 91, (struct peer *const[]){ t.gw, t.b, NULL });
	check_traffic(&t.room, &t.e);
	PASS();
}

static void test_forward_fragmented(void **state)
{
	(void)state;
	struct trio t;
	static uint8_t f[1600];
	trio_join(&t, "frag");

	/* the frame must exceed the datagram budget, or this tests nothing */
	size_t budget = peer_budget(t.a);
	assert_true(budget > 0);
	assert_true(FRAME_FULL + LP_DGRAM_HDR_FRAME > budget);

	peer_frame_build(f, sizeof(f), FRAME_FULL, &t.bmac, &t.amac, 0x88b5, 1);
	uint64_t frags_before = t.a->frags_tx;
	send_expect(&t, t.a, f, FRAME_FULL, (struct peer *const[]){ t.b, NULL });
	CHECK_PEER(t.a->frags_tx >= frags_before + 2, t.a);
	/* the relay re-split it for bob's path, and it arrived whole */
	CHECK_PEER(t.b->frames[t.b->n_frames - 1].reassembled, t.b);

	peer_frame_build(f, sizeof(f), FRAME_FULL, &bcast, &t.lan, 0x88b5, 2);
	send_expect(&t, t.gw, f, FRAME_FULL, (struct peer *const[]){ t.a, t.b, NULL });
	peer_frame_build(f, sizeof(f), FRAME_FULL, &t.lan, &t.bmac, 0x88b5, 3);
	send_expect(&t, t.b, f, FRAME_FULL, (struct peer *const[]){ t.gw, NULL });
	check_traffic(&t.room, &t.e);

	/* over the room MTU (1500 + 14 + two tags = 1522): dropped as oversize */
	peer_frame_build(f, sizeof(f), 1600, &t.bmac, &t.amac, 0x88b5, 4);
	send_dropped(&t, t.a, f, 1600);
	assert_int_equal(stat_drop(&t.room, "oversize"), 1);
	check_traffic(&t.room, &t.e);
	PASS();
}

static void test_filter_spoofed_mac(void **state)
{
	(void)state;
	struct trio t;
	struct lp_mac other = mac_n(0xee);
	uint8_t f[100];
	trio_join(&t, "spoof");

	peer_frame_build(f, sizeof(f), 60, &bcast, &other, 0x88b5, 1);
	send_dropped(&t, t.a, f, 60);
	/* bob's MAC from alice */
	peer_frame_build(f, sizeof(f), 61, &t.lan, &t.bmac, 0x88b5, 2);
	send_dropped(&t, t.a, f, 61);
	assert_int_equal(stat_drop(&t.room, "spoofed_mac"), 2);

	json_t *m = get_members(&t.room);
	const json_t *ma = member_entry(m, peer_id(t.a));
	assert_non_null(ma);
	assert_int_equal(relayproc_json_int(ma, "drops.spoofed_mac"), 2);
	json_decref(m);
	check_traffic(&t.room, &t.e); /* nothing counted as traffic */

	/* alice's own MAC still works */
	peer_frame_build(f, sizeof(f), 62, &bcast, &t.amac, 0x88b5, 3);
	send_expect(&t, t.a, f, 62, (struct peer *const[]){ t.gw, t.b, NULL });
	check_traffic(&t.room, &t.e);
	PASS();
}

static void test_filter_dhcp_server(void **state)
{
	(void)state;
	struct trio t;
	uint8_t f[400];
	trio_join(&t, "dhcp");

	size_t n = peer_frame_dhcp_offer(f, sizeof(f), &t.amac);
	assert_true(n > 0);
	send_dropped(&t, t.a, f, n);
	assert_int_equal(stat_drop(&t.room, "dhcp_server"), 1);
	check_traffic(&t.room, &t.e);

	/* the party LAN's own DHCP server is what players must hear */
	n = peer_frame_dhcp_offer(f, sizeof(f), &t.lan);
	send_expect(&t, t.gw, f, n, (struct peer *const[]){ t.a, t.b, NULL });
	check_traffic(&t.room, &t.e);
	assert_int_equal(stat_drop(&t.room, "dhcp_server"), 1);
	PASS();
}

static void test_counters(void **state)
{
	(void)state;
	struct trio t;
	static uint8_t f[FRAME_FULL];
	trio_join(&t, "counters");

	/* a mix of every cast and size, from every member */
	for (uint32_t i = 0; i < 5; i++) {
		size_t len = 60 + i * 100;
		peer_frame_build(f, sizeof(f), len, &bcast, &t.amac, 0x88b5, i);
		send_expect(&t, t.a, f, len, (struct peer *const[]){ t.gw, t.b, NULL });
		peer_frame_build(f, sizeof(f), len + 1, &mcast, &t.lan, 0x88b5, 100 + i);
		send_expect(&t, t.gw, f, len + 1, (struct peer *const[]){ t.a, t.b, NULL });
		peer_frame_build(f, sizeof(f), len + 2, &t.amac, &t.bmac, 0x88b5, 200 + i);
		send_expect(&t, t.b, f, len + 2, (struct peer *const[]){ t.a, NULL });
	}
	peer_frame_build(f, sizeof(f), FRAME_FULL, &t.lan, &t.amac, 0x88b5, 300);
	send_expect(&t, t.a, f, FRAME_FULL, (struct peer *const[]){ t.gw, NULL });
	check_traffic(&t.room, &t.e);

	/* members' own counters: alice sent 6 frames */
	json_t *m = get_members(&t.room);
	const json_t *ma = member_entry(m, peer_id(t.a));
	assert_non_null(ma);
	assert_int_equal(relayproc_json_int(ma, "traffic.up_frames"), 6);
	assert_int_equal(relayproc_json_int(ma, "traffic.down_frames"), 10);
	json_decref(m);

	/* a member's counters stay in the room's after it leaves */
	assert_int_equal(peer_leave(t.b), 0);
	CHECK_PEER(peer_wait_left(t.a, peer_id(t.b), WAIT_MS), t.a);
	check_traffic(&t.room, &t.e);
	PASS();
}

/* ------------------------------------------------------------ resume, kick */

/* The replacement session of alice, with her resume secret. */
static struct peer *resume_alice(struct trio *t)
{
	struct peer_opts o = { .has_mac = true,
			       .mac = t->amac,
			       .name = "alice",
			       .resume = t->a->welcome.welcome.resume };
	return join("alice-again", &t->room.client, &o);
}

static void test_resume(void **state)
{
	(void)state;
	struct trio t;
	uint8_t f[100];
	trio_join(&t, "resume");
	uint32_t aid = peer_id(t.a);

	/* a new connection with the secret: welcomed at once, same member id */
	struct peer *a2 = resume_alice(&t);
	CHECK_PEER(peer_id(a2) == aid, a2);
	CHECK_PEER(a2->welcome.welcome.n_members == 3, a2);
	/* the old session is ended for good, with the reason */
	CHECK_PEER(peer_wait_closed(t.a, WAIT_MS), t.a);
	CHECK_PEER(peer_disconnect_reason(t.a) == LP_DISCONNECT_REPLACED, t.a);
	CHECK_PEER(peer_close_app_code(t.a) ==
			   (int64_t)lp_disconnect_close_code(LP_DISCONNECT_REPLACED),
		   t.a);

	/* frames for alice's MAC now reach the new session */
	peer_frame_build(f, sizeof(f), 70, &t.amac, &t.lan, 0x88b5, 1);
	uint64_t before = a2->frames_total;
	CHECK_PEER(peer_send_frame(t.gw, f, 70) == 1, t.gw);
	CHECK_PEER(peer_wait_frames(a2, before + 1, WAIT_MS), a2);
	CHECK_PEER(peer_count_frame(a2, f, 70) == 1, a2);

	json_t *m = get_members(&t.room);
	assert_int_equal(json_array_size(relayproc_json_get(m, "members")), 3);
	assert_non_null(member_entry(m, aid));
	json_decref(m);

	/* a wrong secret is no resume: the MAC is then in use */
	struct peer_opts o = { .has_mac = true,
			       .mac = t.amac,
			       .resume = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	expect_reject("alice-forged", &t.room.client, &o, LP_REJECT_MAC_IN_USE);
	PASS();
}

/*
 * docs/protocol.md: on a resume with the same MAC and name "the other members
 * see no peer_left/peer_joined".
 */
static void test_resume_invisible_to_others(void **state)
{
	(void)state;
	struct trio t;
	trio_join(&t, "resume-quiet");
	uint32_t aid = peer_id(t.a);
	/* alice's first join was announced; nothing after the resume may be */
	size_t gw_joined = t.gw->n_joined, b_joined = t.b->n_joined;

	struct peer *a2 = resume_alice(&t);
	CHECK_PEER(peer_wait_closed(t.a, WAIT_MS), t.a);
	peer_pump(QUIET_MS);
	(void)a2;
	CHECK_PEER(!peer_find_left(t.gw, aid), t.gw);
	CHECK_PEER(!peer_find_left(t.b, aid), t.b);
	CHECK_PEER(t.gw->n_joined == gw_joined, t.gw);
	CHECK_PEER(t.b->n_joined == b_joined, t.b);
	PASS();
}

static void test_kick(void **state)
{
	(void)state;
	struct trio t;
	trio_join(&t, "kick");
	uint32_t aid = peer_id(t.a);

	long st = relayproc_apif(relay, "DELETE", NULL, NULL, "/api/v1/rooms/%lld/members/%u",
				 (long long)t.room.id, aid);
	assert_int_equal(st, 204);
	CHECK_PEER(peer_wait_closed(t.a, WAIT_MS), t.a);
	CHECK_PEER(peer_disconnect_reason(t.a) == LP_DISCONNECT_KICKED, t.a);
	CHECK_PEER(peer_close_app_code(t.a) ==
			   (int64_t)lp_disconnect_close_code(LP_DISCONNECT_KICKED),
		   t.a);
	CHECK_PEER(peer_wait_left(t.gw, aid, WAIT_MS), t.gw);
	CHECK_PEER(peer_find_left(t.gw, aid)->reason == LP_DISCONNECT_KICKED, t.gw);
	CHECK_PEER(peer_wait_left(t.b, aid, WAIT_MS), t.b);

	json_t *m = get_members(&t.room);
	assert_int_equal(json_array_size(relayproc_json_get(m, "members")), 2);
	assert_null(member_entry(m, aid));
	json_decref(m);

	/* kicking again: no such member online */
	st = relayproc_apif(relay, "DELETE", NULL, NULL, "/api/v1/rooms/%lld/members/%u",
			    (long long)t.room.id, aid);
	assert_int_equal(st, 404);
	PASS();
}

/* Rotated codes: the old invites stop working, the new ones admit; deletion sends members home. */
static void test_rotate_and_delete(void **state)
{
	(void)state;
	struct relayproc_room room = make_room("rotate", 4, ROOM_MTU);
	struct relayproc_room fresh = room;
	struct peer_opts o = { .has_mac = true, .mac = mac_n(1) };
	char err[128];
	json_t *j = NULL;

	long st = relayproc_apif(relay, "POST", NULL, &j, "/api/v1/rooms/%lld/rotate-codes",
				 (long long)room.id);
	assert_int_equal(st, 200);
	const char *ci = json_string_value(relayproc_json_get(j, "invites.client"));
	const char *gi = json_string_value(relayproc_json_get(j, "invites.gateway"));
	assert_non_null(ci);
	assert_non_null(gi);
	if (lp_invite_parse(ci, &fresh.client, err, sizeof(err)) < 0 ||
	    lp_invite_parse(gi, &fresh.gateway, err, sizeof(err)) < 0)
		fail_msg("rotated invite: %s", err);
	json_decref(j);
	assert_string_not_equal(fresh.client.code, room.client.code);
	assert_string_not_equal(fresh.gateway.code, room.gateway.code);

	expect_reject("old-client-code", &room.client, &o, LP_REJECT_BAD_CODE);
	expect_reject("old-gw-code", &room.gateway, NULL, LP_REJECT_BAD_CODE);
	struct peer *gw = join("gateway", &fresh.gateway, NULL);
	struct peer *a = join_client("alice", &fresh, mac_n(1));

	st = relayproc_apif(relay, "DELETE", NULL, NULL, "/api/v1/rooms/%lld", (long long)room.id);
	assert_int_equal(st, 204);
	CHECK_PEER(peer_wait_closed(gw, WAIT_MS), gw);
	CHECK_PEER(peer_wait_closed(a, WAIT_MS), a);
	CHECK_PEER(peer_disconnect_reason(gw) == LP_DISCONNECT_ROOM_DELETED, gw);
	CHECK_PEER(peer_disconnect_reason(a) == LP_DISCONNECT_ROOM_DELETED, a);
	CHECK_PEER(peer_close_app_code(a) ==
			   (int64_t)lp_disconnect_close_code(LP_DISCONNECT_ROOM_DELETED),
		   a);
	expect_reject("deleted", &fresh.client, &o, LP_REJECT_BAD_CODE);
	PASS();
}

/* ------------------------------------------------------------ shutdown */

/*
 * SIGTERM: an online member gets disconnect (shutdown) and the close code;
 * the relay exits 0 with no sanitizer report. with_member is false after the
 * rate limit test, which leaves 127.0.0.1 locked out.
 */
static void stop_cleanly(bool with_member)
{
	struct peer *a = NULL;

	if (with_member) {
		struct relayproc_room room = make_room("shutdown", 4, ROOM_MTU);
		a = join_client("alice", &room, mac_n(1));
	}
	assert_int_equal(kill(relay->pid, SIGTERM), 0);
	if (a) {
		CHECK_PEER(peer_wait_disconnect(a, WAIT_MS), a);
		CHECK_PEER(peer_disconnect_reason(a) == LP_DISCONNECT_SHUTDOWN, a);
	}
	int status = relayproc_wait(relay, STOP_MS);
	if (status != 0)
		fail_msg("relay exit status %d after SIGTERM", status);
	assert_false(relayproc_log_contains(relay, "AddressSanitizer"));
	assert_false(relayproc_log_contains(relay, "LeakSanitizer"));
	assert_false(relayproc_log_contains(relay, "runtime error:"));
	if (a) {
		(void)peer_wait_closed(a, QUIET_MS);
		if (peer_close_app_code(a) !=
		    (int64_t)lp_disconnect_close_code(LP_DISCONNECT_SHUTDOWN)) {
			fprintf(stderr, "  %s\n", peer_describe(a));
			fail_msg("the relay exited without sending CONNECTION_CLOSE (0x205)");
		}
	}
}

/*
 * A crash (SIGKILL) and a restart on the same data dir: rooms, codes and
 * bans survive; members of the old process learn it is gone (stateless
 * reset) and the same invite admits again at once.
 */
static void test_restart_keeps_state(void **state)
{
	(void)state;
	struct trio t;
	trio_join(&t, "restart");
	long st = relayproc_apif(relay, "POST", "{\"mac\":\"02:00:5e:00:0b:ad\"}", NULL,
				 "/api/v1/rooms/%lld/bans", (long long)t.room.id);
	assert_int_equal(st, 201);

	relayproc_kill(relay);
	assert_int_equal(relayproc_restart(relay, NULL, 10000), 0);

	/* the old connection hears of the restart as soon as it sends */
	struct lp_mac bc = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t f[64];
	size_t n = peer_frame_build(f, sizeof(f), 60, &bc, &t.amac, 0x88b5, 9);
	peer_send_frame(t.a, f, n);
	CHECK_PEER(peer_wait_closed(t.a, WAIT_MS), t.a);
	CHECK_PEER(t.a->close.kind == LP_QUIC_CLOSE_STATELESS_RESET, t.a);

	json_t *room = NULL;
	st = relayproc_apif(relay, "GET", NULL, &room, "/api/v1/rooms/%lld", (long long)t.room.id);
	assert_int_equal(st, 200);
	json_decref(room);
	/* the same invite admits; the ban still refuses */
	struct peer *again = join_client("alice-again", &t.room, t.amac);
	CHECK_PEER(again->welcomed, again);
	struct peer_opts banned = { .has_mac = true, .mac = { { 0x02, 0, 0x5e, 0, 0x0b, 0xad } } };
	struct peer *p = start("banned", &t.room.client, &banned);
	CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
	CHECK_PEER(peer_reject_reason(p) == LP_REJECT_BANNED, p);
	PASS();
}

static void test_shutdown(void **state)
{
	(void)state;
	stop_cleanly(true);
	PASS();
}

/* ------------------------------------------------------------ rate limit */

static const char *reason_name(int r)
{
	return r < 0 ? "none" : lp_reject_reason_name((enum lp_reject_reason)r);
}

/*
 * Failed hellos are limited to 10 per address per minute; the relay's minute
 * is a clock bucket, so a round may straddle two: then try another round.
 * With a relay of its own, since it locks 127.0.0.1 out for the minute.
 */
static void rate_limited(void)
{
	struct relayproc_room room = make_room("ratelimit", 4, ROOM_MTU);
	struct peer_opts bad = { .has_mac = true,
				 .mac = mac_n(1),
				 .code = "Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz0Zz" };
	struct peer_opts good = { .has_mac = true, .mac = mac_n(2) };

	for (int round = 0; round < 2; round++) {
		int attempts = 0, r = -1;
		while (attempts < 25) {
			struct peer *p = start("bad", &room.client, &bad);
			CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
			r = peer_reject_reason(p);
			CHECK_PEER(r == LP_REJECT_BAD_CODE || r == LP_REJECT_RATE_LIMITED, p);
			CHECK_PEER(peer_close_app_code(p) ==
					   (int64_t)lp_reject_close_code((enum lp_reject_reason)r),
				   p);
			if (r == LP_REJECT_RATE_LIMITED && p->rejected)
				CHECK_PEER(!p->reject.has_retry_after || p->reject.retry_after >= 1,
					   p);
			peer_free(p);
			attempts++;
			if (r == LP_REJECT_RATE_LIMITED)
				break;
		}
		if (r != LP_REJECT_RATE_LIMITED)
			fail_msg("no rate_limited after %d bad codes (last: %s)", attempts,
				 reason_name(r));
		/* 10 failures allowed: the 11th is refused, or later if a minute turned */
		if (attempts < 11)
			fail_msg("rate_limited after only %d attempts", attempts);
		/* the address is locked out: even a good code is refused now */
		struct peer *p = start("good", &room.client, &good);
		CHECK_PEER(peer_wait_answer(p, WAIT_MS), p);
		if (p->welcomed) {
			/* the minute turned just now: one more round settles it */
			peer_free(p);
			continue;
		}
		CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
		CHECK_PEER(peer_reject_reason(p) == LP_REJECT_RATE_LIMITED, p);
		peer_free(p);
		return;
	}
	fail_msg("a good code was admitted right after rate_limited, twice");
}

static void test_reject_rate_limited(void **state)
{
	(void)state;
	assert_int_equal(relayproc_start(&rl_relay, NULL, START_MS), 0);
	relay = &rl_relay;
	rate_limited();
	stop_cleanly(false);
	relay = &main_relay;
	PASS();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_admission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_bad_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_wrong_role, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_room_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_room_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_room_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_gateway_present, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_mac_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_banned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_unsupported_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_malformed_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages_before_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_unicast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_flood_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_spoofed_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_dhcp_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_invisible_to_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_state, setup, teardown),
		/* last: it stops the shared relay */
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
	};
	return cmocka_run_group_tests_name("relay", tests, group_setup, group_teardown);
}
