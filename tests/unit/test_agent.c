/*
 * Unit tests for the agent core's pure parts (client/agent_text.c,
 * client/agent_status.c) and its config checks: backoff bounds, growth, cap
 * and jitter; the words for every reject and disconnect reason; which of
 * them are final; the status file round trip and its rendering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "err.h"
#include "loop.h"
#include "sys.h"

#define MS LP_NS_PER_MS
#define S  LP_NS_PER_SEC

/* ------------------------------------------------------------ backoff */

static void test_backoff_table(void **state)
{
	static const struct {
		unsigned n;
		uint64_t min, max;
		uint32_t rnd;
		uint64_t want;
	} v[] = {
		/* rnd 0 gives the low end d/2, rnd 2^32-1 just under d. */
		{ 0, 500 * MS, 30 * S, 0, 250 * MS },
		{ 0, 500 * MS, 30 * S, 0x80000000u, 375 * MS },
		{ 1, 500 * MS, 30 * S, 0, 500 * MS },
		{ 2, 500 * MS, 30 * S, 0, 1 * S },
		{ 3, 500 * MS, 30 * S, 0, 2 * S },
		{ 5, 500 * MS, 30 * S, 0, 8 * S },
		{ 6, 500 * MS, 30 * S, 0, 15 * S }, /* 32 s capped at 30 */
		{ 7, 500 * MS, 30 * S, 0, 15 * S },
		{ 1000, 500 * MS, 30 * S, 0, 15 * S },
		{ UINT32_MAX, 500 * MS, 30 * S, 0x80000000u, 22500 * MS },
		/* 0 means the defaults: 500 ms and 30 s. */
		{ 0, 0, 0, 0, 250 * MS },
		{ 100, 0, 0, 0, 15 * S },
		/* min above max: max wins. */
		{ 0, 10 * S, 1 * S, 0, 500 * MS },
		/* huge values do not overflow. */
		{ 70, UINT64_MAX / 2, UINT64_MAX, 0, UINT64_MAX / 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t got = lp_agent_backoff(v[i].n, v[i].min, v[i].max, v[i].rnd);

		if (got != v[i].want)
			fail_msg("vector %zu: got %llu want %llu", i, (unsigned long long)got,
				 (unsigned long long)v[i].want);
	}
}

static void test_backoff_bounds_and_growth(void **state)
{
	uint64_t prev_hi = 0;

	(void)state;
	for (unsigned n = 0; n < 20; n++) {
		uint64_t d = 500 * MS;

		for (unsigned i = 0; i < n && d < 30 * S; i++)
			d *= 2;
		if (d > 30 * S)
			d = 30 * S;
		uint64_t lo = lp_agent_backoff(n, 500 * MS, 30 * S, 0);
		uint64_t hi = lp_agent_backoff(n, 500 * MS, 30 * S, UINT32_MAX);

		assert_int_equal(lo, d / 2);
		assert_true(hi <= d && hi > d - d / 1000);
		assert_true(hi >= prev_hi); /* never shrinks as attempts grow */
		prev_hi = hi;
		/* Every jitter value stays in [d/2, d]. */
		for (uint32_t r = 1; r != 0 && r < 0xfff00000u; r += 0x0fedcba9u) {
			uint64_t x = lp_agent_backoff(n, 500 * MS, 30 * S, r);

			assert_true(x >= d / 2 && x <= d);
		}
	}
}

static void test_backoff_jitter_spread(void **state)
{
	uint64_t min = UINT64_MAX, max = 0;
	uint32_t x = 12345;

	(void)state;
	/* A simple LCG stands in for lp_random_bytes: the spread covers the range. */
	for (int i = 0; i < 10000; i++) {
		x = x * 1664525u + 1013904223u;
		uint64_t d = lp_agent_backoff(4, 500 * MS, 30 * S, x);

		min = d < min ? d : min;
		max = d > max ? d : max;
	}
	assert_true(min < 4 * S + 50 * MS);
	assert_true(max > 8 * S - 50 * MS);
	assert_true(min >= 4 * S && max <= 8 * S);
}

/* ------------------------------------------------------------ rejects */

static void test_reject_text_every_reason(void **state)
{
	static const struct {
		enum lp_reject_reason r;
		const char *msg;
		bool limit, count, retry;
		const char *want;
	} v[] = {
		{ LP_REJECT_BAD_CODE, "unknown room code", 0, 0, 0,
		  "the invite code is unknown: ask the organiser for a new invite" },
		{ LP_REJECT_BAD_CODE, "", 0, 0, 0,
		  "the invite code is unknown: ask the organiser for a new invite" },
		{ LP_REJECT_BAD_CODE, "this invite was revoked", 0, 0, 0,
		  "the invite code is not accepted (this invite was revoked): ask the organiser "
		  "for a new invite" },
		{ LP_REJECT_WRONG_ROLE, "x", 0, 0, 0,
		  "this invite is for the other role (a player invite given to the LAN gateway, "
		  "or the reverse): use the right invite" },
		{ LP_REJECT_ROOM_DISABLED, "", 0, 0, 0, "room lan is closed by its organiser" },
		{ LP_REJECT_ROOM_EXPIRED, "", 0, 0, 0, "room lan has ended" },
		{ LP_REJECT_ROOM_FULL, "", 1, 1, 0, "room lan is full: 16 of 16 players" },
		{ LP_REJECT_ROOM_FULL, "", 1, 0, 0, "room lan is full: it takes 16 players" },
		{ LP_REJECT_ROOM_FULL, "", 0, 0, 0, "room lan is full" },
		{ LP_REJECT_GATEWAY_PRESENT, "", 0, 0, 0,
		  "room lan already has its LAN gateway connected (if that was this one before a "
		  "restart, the relay lets it go within a minute)" },
		{ LP_REJECT_MAC_IN_USE, "", 0, 0, 0,
		  "another member of room lan already uses this MAC address (if that was this PC "
		  "before a restart, the relay lets it go within a minute)" },
		{ LP_REJECT_BANNED, "", 0, 0, 0, "you are banned from room lan" },
		{ LP_REJECT_UNSUPPORTED_VERSION, "relay 1, agent 2", 0, 0, 0,
		  "the relay does not speak this agent's protocol version (relay 1, agent 2): "
		  "update the agent or the relay" },
		{ LP_REJECT_MALFORMED_HELLO, "hello.mac: not unicast", 0, 0, 0,
		  "the relay did not understand this agent's hello (hello.mac: not unicast): "
		  "update the agent, or report a bug" },
		{ LP_REJECT_RATE_LIMITED, "", 0, 0, 1,
		  "too many attempts to join from this address: waiting 42 s before trying again" },
		{ LP_REJECT_RATE_LIMITED, "", 0, 0, 0,
		  "too many attempts to join from this address: waiting before trying again" },
		{ LP_REJECT_INTERNAL_ERROR, "database", 0, 0, 0,
		  "the relay had an internal error (database): trying again later" },
		{ LP_REJECT_UNKNOWN, "", 0, 0, 0, "the relay refused to admit this agent" },
		{ LP_REJECT_UNKNOWN, "new reason", 0, 0, 0,
		  "the relay refused to admit this agent (new reason)" },
		{ (enum lp_reject_reason)99, "", 0, 0, 0, "the relay refused to admit this agent" },
	};
	char out[LP_CTRL_MESSAGE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_ctrl_reject rej = { .reason = v[i].r };

		snprintf(rej.message, sizeof(rej.message), "%s", v[i].msg);
		rej.has_limit = v[i].limit;
		rej.limit = 16;
		rej.has_count = v[i].count;
		rej.count = 16;
		rej.has_retry_after = v[i].retry;
		rej.retry_after = 42;
		assert_ptr_equal(lp_agent_reject_text(&rej, "lan", out, sizeof(out)), out);
		if (strcmp(out, v[i].want) != 0)
			fail_msg("vector %zu (%s):\n got  '%s'\n want '%s'", i,
				 lp_reject_reason_name(v[i].r), out, v[i].want);
	}
}

static void test_reject_text_room_unknown_and_truncation(void **state)
{
	struct lp_ctrl_reject rej = { .reason = LP_REJECT_ROOM_FULL };
	char out[LP_CTRL_MESSAGE_MAX + 1], tiny[12];

	(void)state;
	assert_string_equal(lp_agent_reject_text(&rej, NULL, out, sizeof(out)), "the room is full");
	assert_string_equal(lp_agent_reject_text(&rej, "", out, sizeof(out)), "the room is full");
	/* A long relay message still gives a NUL-terminated, cut sentence. */
	rej.reason = LP_REJECT_MALFORMED_HELLO;
	memset(rej.message, 'x', LP_CTRL_MESSAGE_MAX);
	rej.message[LP_CTRL_MESSAGE_MAX] = '\0';
	lp_agent_reject_text(&rej, "lan", out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	lp_agent_reject_text(&rej, "lan", tiny, sizeof(tiny));
	assert_string_equal(tiny, "the relay d");
}

static void test_reject_final(void **state)
{
	static const bool final[LP_REJECT__COUNT] = {
		[LP_REJECT_UNKNOWN] = false,	     [LP_REJECT_BAD_CODE] = true,
		[LP_REJECT_WRONG_ROLE] = true,	     [LP_REJECT_ROOM_DISABLED] = true,
		[LP_REJECT_ROOM_EXPIRED] = true,     [LP_REJECT_ROOM_FULL] = false,
		[LP_REJECT_GATEWAY_PRESENT] = false, [LP_REJECT_MAC_IN_USE] = false,
		[LP_REJECT_BANNED] = true,	     [LP_REJECT_UNSUPPORTED_VERSION] = true,
		[LP_REJECT_MALFORMED_HELLO] = true,  [LP_REJECT_RATE_LIMITED] = false,
		[LP_REJECT_INTERNAL_ERROR] = false,
	};

	(void)state;
	for (int r = 0; r < LP_REJECT__COUNT; r++)
		if (lp_agent_reject_is_final((enum lp_reject_reason)r) != final[r])
			fail_msg("reject %s", lp_reject_reason_name((enum lp_reject_reason)r));
	assert_false(lp_agent_reject_is_final((enum lp_reject_reason)99));
	assert_false(lp_agent_reject_is_final((enum lp_reject_reason) - 1));
}

/* ------------------------------------------------------------ disconnects */

static void test_disconnect_text_every_reason(void **state)
{
	static const struct {
		enum lp_disconnect_reason r;
		const char *msg;
		const char *want;
		bool final;
	} v[] = {
		{ LP_DISCONNECT_UNKNOWN, "", "the relay ended the session", false },
		{ LP_DISCONNECT_KICKED, "", "the organiser removed you from room lan", true },
		{ LP_DISCONNECT_KICKED, "cheating",
		  "the organiser removed you from room lan (cheating)", true },
		/* The relay's stock words add nothing. */
		{ LP_DISCONNECT_KICKED, "removed by the organiser",
		  "the organiser removed you from room lan", true },
		{ LP_DISCONNECT_BANNED, "banned by the organiser",
		  "the organiser banned you from room lan", true },
		{ LP_DISCONNECT_BANNED, "", "the organiser banned you from room lan", true },
		{ LP_DISCONNECT_ROOM_DELETED, "", "room lan was deleted by its organiser", true },
		{ LP_DISCONNECT_ROOM_DISABLED, "", "room lan was closed by its organiser", true },
		{ LP_DISCONNECT_SHUTDOWN, "", "the relay is shutting down or restarting", false },
		{ LP_DISCONNECT_REPLACED, "",
		  "another agent took over this member of room lan (is it running twice?)", true },
		{ LP_DISCONNECT_CODE_REVOKED, "",
		  "the invite code was revoked by the organiser: ask for a new invite", true },
		{ LP_DISCONNECT_IDLE, "", "the relay heard nothing from this agent for too long",
		  false },
		{ LP_DISCONNECT_PROTOCOL_ERROR, "bad frame",
		  "the relay saw a protocol error (bad frame)", false },
		{ LP_DISCONNECT_LEAVING, "", "the session was ended", false },
		{ (enum lp_disconnect_reason)77, "?", "the relay ended the session (?)", false },
	};
	char out[LP_CTRL_MESSAGE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		lp_agent_disconnect_text(v[i].r, v[i].msg, "lan", out, sizeof(out));
		if (strcmp(out, v[i].want) != 0)
			fail_msg("vector %zu: got '%s' want '%s'", i, out, v[i].want);
		if (lp_agent_disconnect_is_final(v[i].r) != v[i].final)
			fail_msg("vector %zu: final", i);
	}
	assert_string_equal(
		lp_agent_disconnect_text(LP_DISCONNECT_KICKED, NULL, NULL, out, sizeof(out)),
		"the organiser removed you from the room");
	/* Every defined reason is covered above. */
	for (int r = 0; r < LP_DISCONNECT__COUNT; r++) {
		bool seen = false;

		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			seen |= (int)v[i].r == r;
		assert_true(seen);
	}
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(lp_agent_state_name(LP_AGENT_CONNECTING), "connecting");
	assert_string_equal(lp_agent_state_name(LP_AGENT_CONNECTED), "connected");
	assert_string_equal(lp_agent_state_name(LP_AGENT_RETRYING), "retrying");
	assert_string_equal(lp_agent_state_name(LP_AGENT_STOPPED), "stopped");
	assert_string_equal(lp_agent_state_name((enum lp_agent_state)9), "?");
}

/* ------------------------------------------------------------ status file */

static char tmpdir[64];

static int status_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_agent-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int status_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static struct lp_agent_status sample(void)
{
	struct lp_agent_status s;

	memset(&s, 0, sizeof(s));
	s.state = LP_AGENT_CONNECTED;
	snprintf(s.relay, sizeof(s.relay), "relay.example:4433");
	snprintf(s.room_name, sizeof(s.room_name), "lan \"party\" Ä");
	s.room_id = 3;
	s.role = LP_CTRL_ROLE_CLIENT;
	s.member_id = 7;
	s.members = 3;
	s.mtu = 1500;
	s.rtt_us = 412;
	s.connected_since = 1795690000;
	s.reconnects = 2;
	s.ctr.frames[LP_DIR_UP][LP_CAST_UNICAST] = 1200;
	s.ctr.bytes[LP_DIR_UP][LP_CAST_UNICAST] = 1500000;
	s.ctr.frames[LP_DIR_UP][LP_CAST_BROADCAST] = 34;
	s.ctr.bytes[LP_DIR_UP][LP_CAST_BROADCAST] = 3400;
	s.ctr.frames[LP_DIR_DOWN][LP_CAST_MULTICAST] = 5678;
	s.ctr.bytes[LP_DIR_DOWN][LP_CAST_MULTICAST] = 6100000;
	s.ctr.drops[LP_DROP_QUEUE_FULL] = 3;
	s.ctr.drops[LP_DROP_NOT_ADMITTED] = 2;
	s.updated_at = 1795693723;
	s.pid = 4242;
	s.relay_up_frames = 1230;
	s.relay_up_bytes = 1503400;
	s.relay_down_frames = 5678;
	s.relay_down_bytes = 6100000;
	s.relay_drops = 1;
	return s;
}

static void test_status_round_trip(void **state)
{
	struct lp_agent_status s = sample(), r;
	char path[128];

	(void)state;
	/* Missing directories are made. */
	snprintf(path, sizeof(path), "%s/a/b/client.status", tmpdir);
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	assert_int_equal(lp_agent_status_read(path, &r), 0);
	assert_memory_equal(&s, &r, sizeof(s));

	/* Every state, and a retrying one with its reason. */
	s.state = LP_AGENT_RETRYING;
	s.next_retry_ms = 1795693727000ull;
	snprintf(s.why, sizeof(s.why), "room lan is full: 16 of 16 players");
	s.role = LP_CTRL_ROLE_GATEWAY;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	assert_int_equal(lp_agent_status_read(path, &r), 0);
	assert_memory_equal(&s, &r, sizeof(s));
	s.state = LP_AGENT_STOPPED;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	assert_int_equal(lp_agent_status_read(path, &r), 0);
	assert_int_equal(r.state, LP_AGENT_STOPPED);
	s.state = LP_AGENT_CONNECTING;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	assert_int_equal(lp_agent_status_read(path, &r), 0);
	assert_int_equal(r.state, LP_AGENT_CONNECTING);

	/* The file is readable by the status command of another user. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(lp_sys_write_file(path, text, strlen(text), 0644), 0);
}

static void test_status_read_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{}", /* no version */
		"{\"version\":2,\"state\":\"connected\",\"role\":\"client\"}",
		"{\"version\":1,\"state\":\"dancing\",\"role\":\"client\"}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"server\"}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"pid\":-1}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"pid\":\"1\"}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"members\":"
		"4294967296}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"drops\":[]}",
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"drops\":{\"loop\":-1}"
		"}",
		("{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"traffic\":{\"up\":{"
		 "\"unicast\":{\"frames\":1.5}}}}"),
		"{\"version\":1,\"state\":\"connected\",\"role\":\"client\",\"version\":1}",
	};
	struct lp_agent_status r;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.status", tmpdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i]);
		if (lp_agent_status_read(path, &r) != LP_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(r.pid, 0);
	}
	/* Unknown drop names (a newer agent) and missing fields are fine. */
	write_text(path, "{\"version\":1,\"state\":\"retrying\",\"role\":\"gateway\",\"pid\":9,"
			 "\"drops\":{\"brand_new\":5,\"loop\":2}}");
	assert_int_equal(lp_agent_status_read(path, &r), 0);
	assert_int_equal(r.state, LP_AGENT_RETRYING);
	assert_int_equal(r.pid, 9);
	assert_int_equal(r.ctr.drops[LP_DROP_LOOP], 2);
	snprintf(path, sizeof(path), "%s/none.status", tmpdir);
	assert_int_equal(lp_agent_status_read(path, &r), -ENOENT);
}

static void test_status_format(void **state)
{
	struct lp_agent_status s = sample();
	char out[2048];
	int64_t now = 1795693724; /* one second after updated_at */

	(void)state;
	s.connected_since = now - 3725;
	assert_int_equal(lp_agent_status_format(&s, now, out, sizeof(out)), 0);
	assert_string_equal(
		out, "state     connected for 1 h 2 min (since 2026-11-26T10:46:39.000Z)\n"
		     "room      lan \"party\" Ä (id 3), as client, member 7\n"
		     "members   3 online, room MTU 1500\n"
		     "relay     relay.example:4433, rtt 0.4 ms\n"
		     "traffic   up 1234 frames (1.5 MB), down 5678 frames (6.1 MB)\n"
		     "drops     5 (queue_full 3, not_admitted 2); the relay dropped 1 of ours\n"
		     "agent     pid 4242, 2 reconnects, updated 1 s ago\n");

	s.state = LP_AGENT_RETRYING;
	s.next_retry_ms = (uint64_t)now * 1000 + 3500;
	snprintf(s.why, sizeof(s.why), "room lan is full: 16 of 16 players");
	memset(&s.ctr, 0, sizeof(s.ctr));
	s.relay_drops = 0;
	s.reconnects = 1;
	assert_int_equal(lp_agent_status_format(&s, now, out, sizeof(out)), 0);
	assert_string_equal(out, "state     retrying in 4 s: room lan is full: 16 of 16 players\n"
				 "room      lan \"party\" Ä (id 3), as client\n"
				 "relay     relay.example:4433\n"
				 "traffic   up 0 frames (0 B), down 0 frames (0 B)\n"
				 "drops     0\n"
				 "agent     pid 4242, 1 reconnect, updated 1 s ago\n");

	s.state = LP_AGENT_STOPPED;
	snprintf(s.why, sizeof(s.why), "you are banned from room lan");
	assert_int_equal(lp_agent_status_format(&s, now, out, sizeof(out)), 0);
	assert_true(strncmp(out, "state     stopped: you are banned from room lan\n", 47) == 0);

	s.state = LP_AGENT_CONNECTING;
	s.room_name[0] = '\0';
	snprintf(s.why, sizeof(s.why), "not started");
	assert_int_equal(lp_agent_status_format(&s, now, out, sizeof(out)), 0);
	assert_true(strncmp(out, "state     connecting\nroom      not known yet, as client\n",
			    55) == 0);
	snprintf(s.why, sizeof(s.why), "nothing answers at 10.0.0.1:4433");
	lp_agent_status_format(&s, now, out, sizeof(out));
	assert_true(
		strncmp(out,
			"state     connecting (last attempt: nothing answers at 10.0.0.1:4433)\n",
			70) == 0);

	/* Units. */
	s = sample();
	memset(&s.ctr, 0, sizeof(s.ctr));
	s.ctr.bytes[LP_DIR_UP][0] = 999;
	s.ctr.bytes[LP_DIR_DOWN][0] = 12345678901234ull;
	s.connected_since = now - 200000;
	lp_agent_status_format(&s, now, out, sizeof(out));
	assert_non_null(strstr(out, "up 0 frames (999 B), down 0 frames (12.3 TB)"));
	assert_non_null(strstr(out, "connected for 2 d 7 h"));

	/* Too small a buffer: an error, and still a string. */
	assert_int_equal(lp_agent_status_format(&s, now, out, 40), LP_ERR_NOBUF);
	assert_true(strlen(out) < 40);
	assert_int_equal(lp_agent_status_format(&s, now, out, 0), LP_ERR_NOBUF);
}

/* ------------------------------------------------------------ agent config checks */

static void test_agent_new_checks(void **state)
{
	struct lp_loop *loop;
	struct lp_agent_cfg cfg;
	struct lp_agent *a = NULL;
	char err[128];

	(void)state;
	assert_int_equal(lp_loop_new(&loop, 0), 0);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(lp_invite_parse("lanparty://127.0.0.1:4433/client/abcdefghijklmnop?pin="
					 "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
					 &cfg.invite, err, sizeof(err)),
			 0);
	/* A client needs its MAC. */
	assert_int_equal(lp_agent_new(&a, loop, &cfg, NULL), LP_ERR_INVALID);
	assert_null(a);
	cfg.has_mac = true;
	cfg.mac = (struct lp_mac){ { 0x01, 0, 0, 0, 0, 1 } }; /* multicast */
	assert_int_equal(lp_agent_new(&a, loop, &cfg, NULL), LP_ERR_INVALID);
	cfg.mac = (struct lp_mac){ { 0x02, 0, 0, 0, 0, 1 } };
	/* A name with a control character would be refused by the relay. */
	snprintf(cfg.name, sizeof(cfg.name), "bad\tname");
	assert_int_equal(lp_agent_new(&a, loop, &cfg, NULL), LP_ERR_INVALID);
	snprintf(cfg.name, sizeof(cfg.name), "alice");
	/* A join config with an impossible MTU. */
	cfg.has_join = true;
	snprintf(cfg.join.quic_host, sizeof(cfg.join.quic_host), "127.0.0.1");
	cfg.join.quic_port = 4433;
	cfg.join.mtu = 100;
	assert_int_equal(lp_agent_new(&a, loop, &cfg, NULL), LP_ERR_INVALID);
	cfg.join.mtu = 1500;
	assert_int_equal(lp_agent_new(&a, loop, &cfg, NULL), 0);
	assert_non_null(a);
	assert_int_equal(lp_agent_state(a), LP_AGENT_CONNECTING);
	assert_int_equal(lp_agent_exit_code(a), LP_AGENT_EXIT_ERROR);
	assert_non_null(lp_agent_join(a));
	/* Not connected: frames are dropped and counted. */
	uint8_t f[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	struct lp_agent_status st;
	assert_int_equal(lp_agent_send_frame(a, f, sizeof(f)), LP_ERR_STATE);
	lp_agent_get_status(a, &st);
	assert_int_equal(st.ctr.drops[LP_DROP_NOT_ADMITTED], 1);
	assert_string_equal(st.relay, "127.0.0.1:4433");
	/* Stopping an agent never started is fine. */
	lp_agent_stop(a);
	assert_int_equal(lp_agent_state(a), LP_AGENT_STOPPED);
	assert_int_equal(lp_agent_exit_code(a), LP_AGENT_EXIT_OK);
	lp_agent_del(a);
	lp_agent_del(NULL);
	lp_loop_del(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_backoff_bounds_and_growth),
		cmocka_unit_test(test_backoff_jitter_spread),
		cmocka_unit_test(test_reject_text_every_reason),
		cmocka_unit_test(test_reject_text_room_unknown_and_truncation),
		cmocka_unit_test(test_reject_final),
		cmocka_unit_test(test_disconnect_text_every_reason),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test_setup_teardown(test_status_round_trip, status_setup,
						status_teardown),
		cmocka_unit_test_setup_teardown(test_status_read_errors, status_setup,
						status_teardown),
		cmocka_unit_test(test_status_format),
		cmocka_unit_test(test_agent_new_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
