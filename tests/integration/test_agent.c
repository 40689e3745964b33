/*
 * Integration test of the agent core (client/agent*.c) against the real
 * lanparty-relay on loopback, without devices: the relay's HTTPS API serves
 * the join config (pinned), and a client agent and a gateway agent with
 * fake devices that record frames run on one event loop in this process.
 *
 * Covered: the config fetch (right pin, wrong pin, unknown code, the other
 * role's code); hello and welcome; frames both ways, whole and fragmented,
 * with TCP MSS clamping; a reconnect with the resume secret (same member
 * id); a relay crash and restart (the agents come back by themselves with
 * the same MAC); room_full retried until a place frees up; a bad code and a
 * kick ending the agent with exit code 3; lp_agent_stop() leaving cleanly
 * (the relay and the other member see the member go).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "mss.h"
#include "peer.h"
#include "relayproc.h"

#define WAIT_MS	     5000
#define START_MS     20000
#define STOP_MS	     10000
#define FRAME_MAXREC 1600
#define REC_MAX	     32

static struct relayproc relay;
static const char *relay_extra[3];
static char api_listen[64];
static struct lp_loop *loop;
static struct lp_timer poll_timer;
static int room_seq;
static bool test_ok;

#define PASS() (test_ok = true)

/* ------------------------------------------------------------ fake device */

struct fakedev {
	const char *label;
	uint64_t frames_total;
	size_t n_frames;
	struct {
		size_t len;
		uint8_t data[FRAME_MAXREC];
	} frames[REC_MAX];
	unsigned welcomes, disconnects, flushes;
	uint32_t member_id;
	size_t welcome_members;
	uint32_t joined[REC_MAX], left[REC_MAX];
	size_t n_joined, n_left;
	char resume[LP_CTRL_RESUME_MAX + 1]; /* the last welcome's secret */
	struct lp_agent *self;		     /* for stop_on_welcome */
	bool stop_on_welcome;
};

static int dev_write(void *ctx, const uint8_t *frame, size_t len)
{
	struct fakedev *d = ctx;

	d->frames_total++;
	if (d->n_frames < REC_MAX && len <= FRAME_MAXREC) {
		d->frames[d->n_frames].len = len;
		memcpy(d->frames[d->n_frames].data, frame, len);
		d->n_frames++;
	}
	return 0;
}

static void dev_flush(void *ctx)
{
	((struct fakedev *)ctx)->flushes++;
}

static void dev_welcome(void *ctx, const struct lp_ctrl_welcome *w)
{
	struct fakedev *d = ctx;

	d->welcomes++;
	d->member_id = w->member_id;
	d->welcome_members = w->n_members;
	memcpy(d->resume, w->resume, sizeof(d->resume));
	/* From inside the core's QUIC processing: acted on once that returns. */
	if (d->stop_on_welcome)
		lp_agent_stop(d->self);
}

static void dev_joined(void *ctx, const struct lp_ctrl_member *m)
{
	struct fakedev *d = ctx;

	if (d->n_joined < REC_MAX)
		d->joined[d->n_joined++] = m->id;
}

static void dev_left(void *ctx, uint32_t id)
{
	struct fakedev *d = ctx;

	if (d->n_left < REC_MAX)
		d->left[d->n_left++] = id;
}

static void dev_disconnected(void *ctx)
{
	((struct fakedev *)ctx)->disconnects++;
}

static size_t count_frame(const struct fakedev *d, const uint8_t *f, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_frames; i++)
		if (d->frames[i].len == len && memcmp(d->frames[i].data, f, len) == 0)
			n++;
	return n;
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* ------------------------------------------------------------ loop helpers */

static void on_poll(struct lp_loop *l, struct lp_timer *t)
{
	/* Bounds each blocking wait, so conditions are checked often. */
	(void)lp_loop_timer_arm_in(l, t, 10 * LP_NS_PER_MS);
}

static bool run_until(bool (*cond)(void *), void *arg, int ms)
{
	uint64_t deadline = lp_now_ns() + (uint64_t)ms * LP_NS_PER_MS;

	(void)lp_loop_timer_arm_in(loop, &poll_timer, 10 * LP_NS_PER_MS);
	while (!(cond && cond(arg))) {
		if (lp_now_ns() >= deadline)
			return false;
		if (lp_loop_run_once(loop, true) < 0)
			return false;
	}
	return true;
}

static void pump(int ms)
{
	(void)run_until(NULL, NULL, ms);
}

static bool is_connected(void *arg)
{
	return lp_agent_state(arg) == LP_AGENT_CONNECTED;
}

static bool is_stopped(void *arg)
{
	return lp_agent_state(arg) == LP_AGENT_STOPPED;
}

static bool is_retrying(void *arg)
{
	return lp_agent_state(arg) == LP_AGENT_RETRYING;
}

struct frames_wait {
	struct fakedev *d;
	uint64_t n;
};

static bool got_frames(void *arg)
{
	struct frames_wait *w = arg;
	return w->d->frames_total >= w->n;
}

static bool wait_frames(struct fakedev *d, uint64_t n)
{
	struct frames_wait w = { d, n };
	return run_until(got_frames, &w, WAIT_MS);
}

struct id_wait {
	const uint32_t *ids;
	const size_t *n;
	uint32_t id;
};

static bool got_id(void *arg)
{
	struct id_wait *w = arg;
	return has_id(w->ids, *w->n, w->id);
}

static bool wait_left(struct fakedev *d, uint32_t id)
{
	struct id_wait w = { d->left, &d->n_left, id };
	return run_until(got_id, &w, WAIT_MS);
}

static bool wait_joined(struct fakedev *d, uint32_t id)
{
	struct id_wait w = { d->joined, &d->n_joined, id };
	return run_until(got_id, &w, WAIT_MS);
}

struct welcome_wait {
	struct fakedev *d;
	unsigned n;
	struct lp_agent *a;
};

static bool got_welcomes(void *arg)
{
	struct welcome_wait *w = arg;
	return w->d->welcomes >= w->n && lp_agent_state(w->a) == LP_AGENT_CONNECTED;
}

/* ------------------------------------------------------------ agents and rooms */

static struct lp_mac mac_n(unsigned n)
{
	struct lp_mac m = { { 0x02, 0x00, 0x5e, 0x10, (uint8_t)(n >> 8), (uint8_t)n } };
	return m;
}

static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

static struct relayproc_room make_room(const char *what, unsigned max_clients)
{
	struct relayproc_room room;
	char body[256];

	snprintf(body, sizeof(body), "{\"name\":\"%s-%d\",\"max_clients\":%u,\"mtu\":1500}", what,
		 ++room_seq, max_clients);
	assert_int_equal(relayproc_room_create(&relay, body, &room), 0);
	assert_true(room.client.has_pin);
	return room;
}

static struct lp_join_config fetch(const struct lp_invite *inv)
{
	struct lp_join_config j;
	char err[256];
	int r = lp_agent_fetch_config(inv, 5000, &j, err, sizeof(err));

	if (r < 0)
		fail_msg("fetch: %s (%s)", lp_strerror(r), err);
	return j;
}

static struct lp_agent *make_agent_resume(const struct lp_invite *inv, unsigned macn,
					  const char *name, struct fakedev *d,
					  const struct lp_join_config *join, const char *resume)
{
	struct lp_agent_cfg cfg;
	struct lp_agent_device dev = {
		.ctx = d,
		.write_frame = dev_write,
		.flush = dev_flush,
		.on_welcome = dev_welcome,
		.on_peer_joined = dev_joined,
		.on_peer_left = dev_left,
		.on_disconnected = dev_disconnected,
	};
	struct lp_agent *a;
	int r;

	memset(d, 0, sizeof(*d));
	d->label = name;
	memset(&cfg, 0, sizeof(cfg));
	cfg.invite = *inv;
	cfg.has_mac = inv->role == LP_INVITE_CLIENT;
	cfg.mac = mac_n(macn);
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	snprintf(cfg.agent, sizeof(cfg.agent), "softlan-test-agent/%s", LP_VERSION);
	snprintf(cfg.status_path, sizeof(cfg.status_path), "%.400s/%.40s.status", relay.dir, name);
	cfg.clamp_mss = true;
	cfg.backoff_min_ns = 100 * LP_NS_PER_MS;
	cfg.backoff_max_ns = 1000 * LP_NS_PER_MS;
	cfg.idle_timeout_ns = 5 * LP_NS_PER_SEC;
	if (join) {
		cfg.has_join = true;
		cfg.join = *join;
	}
	if (resume)
		snprintf(cfg.resume, sizeof(cfg.resume), "%s", resume);
	r = lp_agent_new(&a, loop, &cfg, &dev);
	if (r < 0)
		fail_msg("lp_agent_new(%s): %s", name, lp_strerror(r));
	assert_int_equal(lp_agent_start(a), 0);
	return a;
}

static struct lp_agent *make_agent(const struct lp_invite *inv, unsigned macn, const char *name,
				   struct fakedev *d, const struct lp_join_config *join)
{
	return make_agent_resume(inv, macn, name, d, join, NULL);
}

static void describe(const char *label, const struct lp_agent *a)
{
	struct lp_agent_status st;
	char text[2048];

	lp_agent_get_status(a, &st);
	lp_agent_status_format(&st, (int64_t)time(NULL), text, sizeof(text));
	fprintf(stderr, "  --- %s:\n%s", label, text);
}

#define CHECK_AGENT(cond, a)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			describe(#a, a);                                                           \
			fail_msg("%s", #cond);                                                     \
		}                                                                                  \
	} while (0)

static void connect_both(const struct relayproc_room *room, struct lp_agent **cl,
			 struct fakedev *dc, struct lp_agent **gw, struct fakedev *dg)
{
	struct lp_join_config jc = fetch(&room->client), jg = fetch(&room->gateway);

	*gw = make_agent(&room->gateway, 0, "lanbox", dg, &jg);
	CHECK_AGENT(run_until(is_connected, *gw, WAIT_MS), *gw);
	*cl = make_agent(&room->client, 1, "alice", dc, &jc);
	CHECK_AGENT(run_until(is_connected, *cl, WAIT_MS), *cl);
	assert_true(wait_joined(dg, dc->member_id));
	assert_int_equal(dc->welcome_members, 2);
}

/* ------------------------------------------------------------ fixtures */

static int free_tcp_port(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		r = -errno;
	else
		*port = ntohs(a.sin_port);
	close(fd);
	return r;
}

static int group_setup(void **state)
{
	uint16_t port = 0;

	(void)state;
	lp_log_init("test_agent");
	lp_log_set_level(getenv("LP_INTEG_VERBOSE") ? LP_LOG_DEBUG : LP_LOG_ERROR);
	if (free_tcp_port(&port) < 0)
		return -1;
	/* The agents fetch their config over HTTPS, with the pin, as in production. */
	snprintf(api_listen, sizeof(api_listen), "https://127.0.0.1:%u", port);
	relay_extra[0] = "--api-listen";
	relay_extra[1] = api_listen;
	relay_extra[2] = NULL;
	if (relayproc_start(&relay, relay_extra, START_MS) < 0)
		return -1;
	if (lp_loop_new(&loop, 0) < 0)
		return -1;
	lp_timer_init(&poll_timer, on_poll, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	lp_loop_timer_cancel(loop, &poll_timer);
	lp_loop_del(loop);
	relayproc_stop(&relay, STOP_MS);
	relayproc_cleanup(&relay);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	test_ok = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!test_ok)
		relayproc_dump_log(&relay, 60);
	return 0;
}

/* ------------------------------------------------------------ tests */

static void test_fetch_config(void **state)
{
	struct relayproc_room room = make_room("fetch", 4);
	struct lp_join_config j;
	struct lp_invite inv;
	char err[256];
	int r;

	(void)state;
	j = fetch(&room.client);
	assert_int_equal(j.room_id, room.id);
	assert_int_equal(j.role, LP_CTRL_ROLE_CLIENT);
	assert_int_equal(j.mtu, 1500);
	assert_int_equal(j.max_clients, 4);
	assert_string_equal(j.quic_host, "127.0.0.1");
	assert_int_equal(j.quic_port, relay.quic_port);
	assert_true(strncmp(j.room_name, "fetch-", 6) == 0);
	j = fetch(&room.gateway);
	assert_int_equal(j.role, LP_CTRL_ROLE_GATEWAY);

	/* A wrong pin: the certificate check fails, clearly, and may be retried. */
	inv = room.client;
	inv.pin[0] ^= 0x55;
	r = lp_agent_fetch_config(&inv, 5000, &j, err, sizeof(err));
	assert_int_equal(r, LP_ERR_AGAIN);
	assert_non_null(strstr(err, "does not match the pin"));
	assert_int_equal(j.room_id, 0);

	/* The gateway's code with a client invite: the other role, final. */
	inv = room.client;
	memcpy(inv.code, room.gateway.code, sizeof(inv.code));
	r = lp_agent_fetch_config(&inv, 5000, &j, err, sizeof(err));
	assert_int_equal(r, LP_ERR_STATE);
	assert_non_null(strstr(err, "LAN gateway"));

	/* An unknown code: final. */
	inv = room.client;
	memset(inv.code, 'A', 32);
	inv.code[32] = '\0';
	r = lp_agent_fetch_config(&inv, 5000, &j, err, sizeof(err));
	assert_int_equal(r, LP_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "invite code is unknown"));

	/* Nothing listening: may be retried. */
	inv = room.client;
	inv.api_port = relay.api_port == 1 ? 2 : 1;
	r = lp_agent_fetch_config(&inv, 2000, &j, err, sizeof(err));
	assert_int_equal(r, LP_ERR_AGAIN);
	assert_non_null(strstr(err, "cannot connect"));
	PASS();
}

static size_t syn_frame(uint8_t *f, const struct lp_mac *dst, const struct lp_mac *src,
			uint16_t mss)
{
	memset(f, 0, 60);
	memcpy(f, dst->b, 6);
	memcpy(f + 6, src->b, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 44; /* IPv4 total length: 20 + 24 */
	f[22] = 64;
	f[23] = 6; /* TCP */
	memcpy(f + 26, (const uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	f[34] = 0x9c; /* ports 40000 -> 80 */
	f[35] = 0x40;
	f[37] = 80;
	f[46] = 6 << 4; /* data offset: 24 bytes */
	f[47] = 0x02;	/* SYN */
	f[48] = 0xff;
	f[54] = 2; /* MSS option */
	f[55] = 4;
	f[56] = (uint8_t)(mss >> 8);
	f[57] = (uint8_t)mss;
	return 60;
}

static void test_frames_both_ways(void **state)
{
	struct relayproc_room room = make_room("frames", 4);
	struct fakedev dc, dg;
	struct lp_agent *cl, *gw;
	struct lp_agent_status st;
	struct lp_mac lanhost = mac_n(0x100), me = mac_n(1);
	uint8_t small[100], full[1514], back[1514], syn[60];
	uint16_t mss = 0;

	(void)state;
	connect_both(&room, &cl, &dc, &gw, &dg);

	/* Client to the LAN: a broadcast, whole, and a full-size frame in fragments. */
	peer_frame_build(small, sizeof(small), sizeof(small), &bcast, &me, 0x88b5, 1);
	peer_frame_build(full, sizeof(full), sizeof(full), &lanhost, &me, 0x88b5, 2);
	assert_int_equal(lp_agent_send_frame(cl, small, sizeof(small)), 0);
	assert_int_equal(lp_agent_send_frame(cl, full, sizeof(full)), 0);
	CHECK_AGENT(wait_frames(&dg, 2), gw);
	assert_int_equal(count_frame(&dg, small, sizeof(small)), 1);
	assert_int_equal(count_frame(&dg, full, sizeof(full)), 1);
	assert_true(dg.flushes >= 1);

	/* The LAN to the client: unicast to its MAC, whole and fragmented. */
	peer_frame_build(small, sizeof(small), sizeof(small), &me, &lanhost, 0x88b5, 3);
	peer_frame_build(back, sizeof(back), sizeof(back), &me, &lanhost, 0x88b5, 4);
	assert_int_equal(lp_agent_send_frame(gw, small, sizeof(small)), 0);
	assert_int_equal(lp_agent_send_frame(gw, back, sizeof(back)), 0);
	CHECK_AGENT(wait_frames(&dc, 2), cl);
	assert_int_equal(count_frame(&dc, small, sizeof(small)), 1);
	assert_int_equal(count_frame(&dc, back, sizeof(back)), 1);

	/* A SYN's MSS is clamped to what one datagram carries whole. */
	syn_frame(syn, &lanhost, &me, 1460);
	assert_int_equal(lp_agent_send_frame(cl, syn, sizeof(syn)), 0);
	CHECK_AGENT(wait_frames(&dg, 3), gw);
	assert_int_equal(lp_mss_get(dg.frames[2].data, dg.frames[2].len, &mss), 0);
	assert_true(mss < 1460 && mss >= 1200);

	/* Counters, and a frame refused for its size. */
	lp_agent_get_status(cl, &st);
	assert_int_equal(st.state, LP_AGENT_CONNECTED);
	assert_int_equal(lp_counters_frames(&st.ctr, LP_DIR_UP), 3);
	assert_int_equal(lp_counters_frames(&st.ctr, LP_DIR_DOWN), 2);
	assert_int_equal(st.members, 2);
	assert_int_equal(st.mtu, 1500);
	assert_int_equal(st.member_id, dc.member_id);
	uint8_t *huge = calloc(1, 2000);
	assert_non_null(huge);
	memcpy(huge, small, 14);
	assert_int_equal(lp_agent_send_frame(cl, huge, 2000), LP_ERR_TOO_BIG);
	free(huge);
	lp_agent_get_status(cl, &st);
	assert_int_equal(st.ctr.drops[LP_DROP_OVERSIZE], 1);

	/* The status file is kept current and reads back. */
	pump(2100);
	char path[LP_AGENT_PATH_MAX];
	snprintf(path, sizeof(path), "%.400s/alice.status", relay.dir);
	assert_int_equal(lp_agent_status_read(path, &st), 0);
	assert_int_equal(st.state, LP_AGENT_CONNECTED);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(lp_counters_frames(&st.ctr, LP_DIR_UP), 3);
	assert_int_equal(st.role, LP_CTRL_ROLE_CLIENT);

	lp_agent_del(cl);
	lp_agent_del(gw);
	PASS();
}

static void test_resume(void **state)
{
	struct relayproc_room room = make_room("resume", 4);
	struct fakedev dc, dg;
	struct lp_agent *cl, *gw;
	uint32_t id;
	struct lp_mac me = mac_n(1);
	uint8_t f[200];

	(void)state;
	connect_both(&room, &cl, &dc, &gw, &dg);
	id = dc.member_id;
	/* A network change: the old connection is abandoned without a word. */
	lp_agent_reconnect(cl);
	assert_int_equal(dc.disconnects, 1);
	struct welcome_wait w = { &dc, 2, cl };
	CHECK_AGENT(run_until(got_welcomes, &w, WAIT_MS), cl);
	/* The resume secret made the relay hand the member over: same id, nobody left. */
	assert_int_equal(dc.member_id, id);
	pump(300);
	assert_int_equal(dg.n_left, 0);
	peer_frame_build(f, sizeof(f), sizeof(f), &bcast, &me, 0x88b5, 9);
	assert_int_equal(lp_agent_send_frame(cl, f, sizeof(f)), 0);
	CHECK_AGENT(wait_frames(&dg, 1), gw);
	assert_int_equal(count_frame(&dg, f, sizeof(f)), 1);
	lp_agent_del(cl);
	lp_agent_del(gw);
	PASS();
}

static void test_resume_from_earlier_run(void **state)
{
	struct relayproc_room room = make_room("rerun", 4);
	struct lp_join_config jc = fetch(&room.client);
	struct fakedev dc, dc2, dg;
	struct lp_agent *cl, *cl2, *gw;
	struct lp_agent_status st;

	(void)state;
	connect_both(&room, &cl, &dc, &gw, &dg);
	/* A second run with the secret the first one kept: it takes the member over at once. */
	cl2 = make_agent_resume(&room.client, 1, "alice", &dc2, &jc, dc.resume);
	CHECK_AGENT(run_until(is_connected, cl2, WAIT_MS), cl2);
	assert_int_equal(dc2.member_id, dc.member_id);
	/* The first one is told another agent took over: final, so they do not take turns. */
	CHECK_AGENT(run_until(is_stopped, cl, WAIT_MS), cl);
	assert_int_equal(lp_agent_exit_code(cl), LP_AGENT_EXIT_FINAL);
	lp_agent_get_status(cl, &st);
	assert_non_null(strstr(st.why, "another agent took over this member"));
	pump(300);
	assert_int_equal(lp_agent_state(cl2), LP_AGENT_CONNECTED);
	assert_int_equal(dg.n_left, 0);
	lp_agent_del(cl);
	lp_agent_del(cl2);
	lp_agent_del(gw);
	PASS();
}

static bool both_back(void *arg)
{
	struct lp_agent **a = arg;
	struct lp_agent_status s0, s1;

	lp_agent_get_status(a[0], &s0);
	lp_agent_get_status(a[1], &s1);
	return s0.state == LP_AGENT_CONNECTED && s1.state == LP_AGENT_CONNECTED &&
	       s0.reconnects > 0 && s1.reconnects > 0;
}

static void test_relay_restart(void **state)
{
	struct relayproc_room room = make_room("restart", 4);
	struct fakedev dc, dg;
	struct lp_agent *cl, *gw;
	struct lp_mac me = mac_n(1), lanhost = mac_n(0x100);
	uint8_t f[300];
	json_t *js = NULL;

	(void)state;
	connect_both(&room, &cl, &dc, &gw, &dg);
	relayproc_kill(&relay);
	assert_int_equal(relayproc_restart(&relay, relay_extra, START_MS), 0);

	/* Either a keep-alive meets a stateless reset or the idle timeout fires. */
	struct lp_agent *both[2] = { cl, gw };
	if (!run_until(both_back, both, 15000)) {
		describe("client", cl);
		describe("gateway", gw);
		fail_msg("the agents did not come back after the relay restarted");
	}
	assert_int_equal(dc.disconnects, 1);
	assert_int_equal(dg.disconnects, 1);
	assert_true(dc.welcomes >= 2 && dg.welcomes >= 2);

	/* Same MAC, frames flow again. */
	long st = relayproc_apif(&relay, "GET", NULL, &js, "/api/v1/rooms/%lld/members",
				 (long long)room.id);
	assert_int_equal(st, 200);
	char *txt = json_dumps(js, 0);
	assert_non_null(strstr(txt, "02:00:5e:10:00:01"));
	free(txt);
	json_decref(js);
	peer_frame_build(f, sizeof(f), sizeof(f), &me, &lanhost, 0x88b5, 11);
	uint64_t before = dc.frames_total;
	assert_int_equal(lp_agent_send_frame(gw, f, sizeof(f)), 0);
	CHECK_AGENT(wait_frames(&dc, before + 1), cl);
	lp_agent_del(cl);
	lp_agent_del(gw);
	PASS();
}

static void test_room_full_retried(void **state)
{
	struct relayproc_room room = make_room("full", 1);
	struct lp_join_config j = fetch(&room.client);
	struct fakedev d1, d2, dg;
	struct lp_agent *a1, *a2, *gw;
	struct lp_agent_status st;

	(void)state;
	struct lp_join_config jg = fetch(&room.gateway);
	gw = make_agent(&room.gateway, 0, "lanbox", &dg, &jg);
	a1 = make_agent(&room.client, 1, "alice", &d1, &j);
	CHECK_AGENT(run_until(is_connected, a1, WAIT_MS), a1);
	CHECK_AGENT(run_until(is_connected, gw, WAIT_MS), gw);
	a2 = make_agent(&room.client, 2, "bob", &d2, &j);
	CHECK_AGENT(run_until(is_retrying, a2, WAIT_MS), a2);
	lp_agent_get_status(a2, &st);
	char want[96];
	snprintf(want, sizeof(want), "room %s is full: 1 of 1 players", j.room_name);
	CHECK_AGENT(strcmp(st.why, want) == 0, a2);
	assert_true(st.next_retry_ms > 0);

	/* alice leaves: the relay and the gateway see her go, bob gets in. */
	uint32_t id1 = d1.member_id;
	lp_agent_stop(a1);
	CHECK_AGENT(run_until(is_stopped, a1, 2000), a1);
	assert_int_equal(lp_agent_exit_code(a1), LP_AGENT_EXIT_OK);
	assert_true(wait_left(&dg, id1));
	json_t *js = NULL;
	assert_int_equal(relayproc_apif(&relay, "GET", NULL, &js, "/api/v1/rooms/%lld/members",
					(long long)room.id),
			 200);
	char *txt = json_dumps(js, 0);
	assert_null(strstr(txt, "alice"));
	free(txt);
	json_decref(js);
	CHECK_AGENT(run_until(is_connected, a2, WAIT_MS), a2);
	lp_agent_del(a1);
	lp_agent_del(a2);
	lp_agent_del(gw);
	PASS();
}

static void test_final_bad_code(void **state)
{
	struct relayproc_room room = make_room("badcode", 4);
	struct lp_join_config j = fetch(&room.client);
	struct lp_invite inv = room.client;
	struct fakedev d1, d2;
	struct lp_agent *a1, *a2;
	struct lp_agent_status st;

	(void)state;
	memset(inv.code, 'B', 40);
	inv.code[40] = '\0';
	/* With the config given, the relay refuses the hello: reject bad_code. */
	a1 = make_agent(&inv, 1, "mallory", &d1, &j);
	CHECK_AGENT(run_until(is_stopped, a1, WAIT_MS), a1);
	assert_int_equal(lp_agent_exit_code(a1), LP_AGENT_EXIT_FINAL);
	lp_agent_get_status(a1, &st);
	assert_string_equal(st.why,
			    "the invite code is unknown: ask the organiser for a new invite");

	/* Without it, the config fetch refuses the code: final too. */
	a2 = make_agent(&inv, 2, "mallory2", &d2, NULL);
	assert_int_equal(lp_agent_state(a2), LP_AGENT_STOPPED);
	assert_int_equal(lp_agent_exit_code(a2), LP_AGENT_EXIT_FINAL);
	/* The loop was asked to stop: lp_loop_run() returns at once. */
	assert_int_equal(lp_loop_run(loop), 0);
	lp_agent_del(a1);
	lp_agent_del(a2);
	PASS();
}

static void test_kicked_is_final(void **state)
{
	struct relayproc_room room = make_room("kick", 4);
	struct fakedev dc, dg;
	struct lp_agent *cl, *gw;
	struct lp_agent_status st;

	(void)state;
	connect_both(&room, &cl, &dc, &gw, &dg);
	assert_int_equal(relayproc_apif(&relay, "DELETE", NULL, NULL,
					"/api/v1/rooms/%lld/members/%u", (long long)room.id,
					dc.member_id),
			 204);
	CHECK_AGENT(run_until(is_stopped, cl, WAIT_MS), cl);
	assert_int_equal(lp_agent_exit_code(cl), LP_AGENT_EXIT_FINAL);
	lp_agent_get_status(cl, &st);
	assert_non_null(strstr(st.why, "the organiser removed you from room kick-"));
	assert_int_equal(dc.disconnects, 1);
	assert_true(wait_left(&dg, dc.member_id));
	assert_int_equal(lp_agent_state(gw), LP_AGENT_CONNECTED);
	lp_agent_del(cl);
	lp_agent_del(gw);
	PASS();
}

static void test_stop_without_connection(void **state)
{
	struct relayproc_room room = make_room("stopearly", 4);
	struct lp_join_config j = fetch(&room.client);
	struct fakedev d;
	struct lp_agent *a;

	(void)state;
	/* A relay that is not there: the agent retries until told to stop. */
	j.quic_port = (uint16_t)(relay.quic_port == 1 ? 2 : 1);
	a = make_agent(&room.client, 5, "carol", &d, &j);
	CHECK_AGENT(run_until(is_retrying, a, WAIT_MS), a);
	lp_agent_stop(a);
	assert_int_equal(lp_agent_state(a), LP_AGENT_STOPPED);
	assert_int_equal(lp_agent_exit_code(a), LP_AGENT_EXIT_OK);
	assert_int_equal(lp_loop_run(loop), 0);
	lp_agent_del(a);
	PASS();
}

static void test_stop_from_device_callback(void **state)
{
	struct relayproc_room room = make_room("cbstop", 4);
	struct lp_join_config jc = fetch(&room.client), jg = fetch(&room.gateway);
	struct fakedev dc, dg;
	struct lp_agent *cl, *gw;

	(void)state;
	gw = make_agent(&room.gateway, 0, "lanbox", &dg, &jg);
	CHECK_AGENT(run_until(is_connected, gw, WAIT_MS), gw);
	cl = make_agent(&room.client, 1, "alice", &dc, &jc);
	dc.self = cl;
	dc.stop_on_welcome = true;
	CHECK_AGENT(run_until(is_stopped, cl, WAIT_MS), cl);
	assert_int_equal(dc.welcomes, 1);
	assert_int_equal(lp_agent_exit_code(cl), LP_AGENT_EXIT_OK);
	/* It left properly: the gateway saw it come and go. */
	assert_true(wait_left(&dg, dc.member_id));
	lp_agent_del(cl);
	lp_agent_del(gw);
	PASS();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_from_earlier_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_full_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_final_bad_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kicked_is_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_without_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_from_device_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_restart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
