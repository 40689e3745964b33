/*
 * Unit tests for relay/store_stats.c: the session log, counters, samples,
 * the one-transaction flush and retention, on a real SQLite file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store_fixture.h"

#define MINUTE(t) ((t) - (t) % 60)

static struct lp_store_session client(int64_t room, uint32_t member, uint8_t mac, int64_t at)
{
	struct lp_store_session s = { .room_id = room,
				      .member_id = member,
				      .role = LP_STORE_ROLE_CLIENT,
				      .has_mac = true,
				      .mac = fx_mac(mac),
				      .joined_at = at };
	snprintf(s.addr, sizeof(s.addr), "198.51.100.%u", mac);
	snprintf(s.agent_version, sizeof(s.agent_version), "lanparty-client 0.1.0");
	snprintf(s.name, sizeof(s.name), "player-%u", member);
	return s;
}

static size_t nsamples(struct fx *f, int64_t room)
{
	struct lp_store_sample out[16];
	size_t n;
	assert_int_equal(lp_store_history(f->s, room, 0, INT64_MAX, out, 16, &n), 0);
	return n;
}

static uint64_t counter(struct fx *f, int64_t room, const char *name)
{
	struct lp_store_counter_value v[32];
	size_t n;
	assert_int_equal(lp_store_counter_list(f->s, room, "", v, 32, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	return UINT64_MAX;
}

/* ---------------------------------------------------------------- sessions */

static void test_session_start_end(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_session in = client(room, 7, 0x11, T0);
	snprintf(in.addr, sizeof(in.addr), "::ffff:198.51.100.17");
	int64_t id;
	assert_int_equal(lp_store_session_start(f->s, &in, &id), 0);
	struct lp_store_session gw = { .room_id = room,
				       .member_id = 1,
				       .role = LP_STORE_ROLE_GATEWAY,
				       .addr = "2001:db8::9",
				       .joined_at = T0 + 1 };
	int64_t gid;
	assert_int_equal(lp_store_session_start(f->s, &gw, &gid), 0);
	assert_true(gid > id);

	struct lp_store_session out[3];
	size_t n;
	assert_int_equal(lp_store_session_list(f->s, room, 0, out, 3, &n), 0);
	assert_int_equal(n, 2);
	/* Newest first. */
	assert_int_equal(out[0].id, gid);
	assert_int_equal(out[0].role, LP_STORE_ROLE_GATEWAY);
	assert_false(out[0].has_mac);
	assert_string_equal(out[0].addr, "2001:db8::9");
	assert_string_equal(out[0].agent_version, "");
	assert_int_equal(out[1].id, id);
	assert_int_equal(out[1].room_id, room);
	assert_int_equal(out[1].member_id, 7);
	assert_int_equal(out[1].role, LP_STORE_ROLE_CLIENT);
	assert_true(out[1].has_mac);
	assert_memory_equal(&out[1].mac, &in.mac, sizeof(in.mac));
	assert_string_equal(out[1].addr, "198.51.100.17");
	assert_string_equal(out[1].agent_version, "lanparty-client 0.1.0");
	assert_string_equal(out[1].name, "player-7");
	assert_int_equal(out[1].joined_at, T0);
	assert_int_equal(out[1].left_at, 0);
	assert_string_equal(out[1].reason, "");

	struct lp_store_traffic t = { 10, 1000, 20, (uint64_t)INT64_MAX + 5 };
	assert_int_equal(lp_store_session_end(f->s, id, T0 + 90, &t, "kicked"), 0);
	assert_int_equal(lp_store_session_end(f->s, id, T0 + 91, &t, "kicked"), LP_ERR_STATE);
	assert_int_equal(lp_store_session_end(f->s, gid + 1, T0 + 91, &t, "x"), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_store_session_end(f->s, gid, T0 + 91, &t, ""), LP_ERR_INVALID);
	assert_int_equal(lp_store_session_end(f->s, gid, T0 + 91, &t, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_store_session_end(f->s, gid, T0 + 91, NULL, "x"), LP_ERR_INVALID);
	assert_int_equal(lp_store_session_end(f->s, gid, 0, &t, "x"), LP_ERR_INVALID);
	/* A leave before the join (clock step) is stored as the join time. */
	assert_int_equal(lp_store_session_end(f->s, gid, T0 - 50, &t, "timeout"), 0);

	assert_int_equal(lp_store_session_list(f->s, room, 0, out, 3, &n), 0);
	assert_int_equal(out[0].left_at, T0 + 1);
	assert_string_equal(out[0].reason, "timeout");
	assert_int_equal(out[1].left_at, T0 + 90);
	assert_string_equal(out[1].reason, "kicked");
	assert_int_equal(out[1].traffic.up_frames, 10);
	assert_int_equal(out[1].traffic.up_bytes, 1000);
	assert_int_equal(out[1].traffic.down_frames, 20);
	assert_int_equal(out[1].traffic.down_bytes, INT64_MAX); /* clamped */
}

static void test_session_start_invalid(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), id;
	struct lp_store_session s = client(room + 10, 1, 1, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &id), LP_ERR_NOT_FOUND);
	struct lp_store_session bad[8];
	for (int i = 0; i < 8; i++)
		bad[i] = client(room, 1, 1, T0);
	bad[0].room_id = 0;
	bad[1].joined_at = 0;
	bad[2].role = (enum lp_store_role)3;
	bad[3].mac = (struct lp_mac){ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	snprintf(bad[4].addr, sizeof(bad[4].addr), "198.51.100.1:4433");
	bad[5].addr[0] = '\0';
	snprintf(bad[6].name, sizeof(bad[6].name), "evil\r\nname");
	memset(bad[7].agent_version, 'v', sizeof(bad[7].agent_version));
	for (int i = 0; i < 8; i++)
		if (lp_store_session_start(f->s, &bad[i], &id) != LP_ERR_INVALID)
			fail_msg("bad session %d accepted", i);
	assert_int_equal(lp_store_session_start(f->s, NULL, &id), LP_ERR_INVALID);
	struct lp_store_session out;
	size_t n;
	assert_int_equal(lp_store_session_list(f->s, room, 0, &out, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lp_store_session_list(f->s, room, 0, NULL, 1, &n), LP_ERR_INVALID);
}

static void test_session_list_paging(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), other = fx_room(f, "other");
	int64_t ids[7], id;
	for (uint32_t i = 0; i < 7; i++) {
		struct lp_store_session s = client(room, i, (uint8_t)(i + 1), T0 + i);
		assert_int_equal(lp_store_session_start(f->s, &s, &ids[i]), 0);
		s.room_id = other;
		assert_int_equal(lp_store_session_start(f->s, &s, &id), 0);
	}
	struct lp_store_session out[3];
	size_t n, seen = 0;
	int64_t before = 0;
	do {
		assert_int_equal(lp_store_session_list(f->s, room, before, out, 3, &n), 0);
		for (size_t k = 0; k < n; k++, seen++) {
			assert_int_equal(out[k].id, ids[6 - seen]);
			assert_int_equal(out[k].room_id, room);
		}
		if (n)
			before = out[n - 1].id;
	} while (n == 3);
	assert_int_equal(seen, 7);
}

static void test_session_close_open(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), a, b;
	struct lp_store_session s = client(room, 1, 1, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &a), 0);
	s = client(room, 2, 2, T0 + 100);
	assert_int_equal(lp_store_session_start(f->s, &s, &b), 0);
	struct lp_store_traffic t = { 1, 2, 3, 4 };
	assert_int_equal(lp_store_session_end(f->s, a, T0 + 10, &t, "left"), 0);
	size_t n;
	assert_int_equal(lp_store_session_close_open(f->s, T0 + 50, "relay_restart", &n), 0);
	assert_int_equal(n, 1);
	struct lp_store_session out[2];
	assert_int_equal(lp_store_session_list(f->s, room, 0, out, 2, &n), 0);
	assert_int_equal(out[0].left_at, T0 + 100); /* never before its join */
	assert_string_equal(out[0].reason, "relay_restart");
	assert_string_equal(out[1].reason, "left");
	assert_int_equal(out[1].left_at, T0 + 10);
	assert_int_equal(lp_store_session_close_open(f->s, T0 + 60, "relay_restart", NULL), 0);
	assert_int_equal(lp_store_session_close_open(f->s, T0, "", &n), LP_ERR_INVALID);
	assert_int_equal(lp_store_session_close_open(f->s, 0, "x", &n), LP_ERR_INVALID);
}

/* ---------------------------------------------------------------- flush */

static void test_flush_counters_samples_sessions(void **state)
{
	struct fx *f = *state;
	int64_t r1 = fx_room(f, "one"), r2 = fx_room(f, "two"), sid, sid2;
	struct lp_store_session s = client(r1, 1, 1, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &sid), 0);
	s = client(r1, 2, 2, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &sid2), 0);

	struct lp_store_counter c1[] = { { "up_unicast_frames", 5 },
					 { "drop_spoofed_mac", 1 },
					 { "big", UINT64_MAX } };
	struct lp_store_counter c2[] = { { "up_unicast_frames", 9 } };
	struct lp_store_room_counters rooms[] = { { r1, c1, 3 }, { r2, c2, 1 }, { r2, NULL, 0 } };
	struct lp_store_sample smp[] = {
		{ .room_id = r1,
		  .minute = MINUTE(T0),
		  .members = 2,
		  .up_frames = 1,
		  .up_bytes = 2,
		  .down_frames = 3,
		  .down_bytes = 4,
		  .drops = 5 },
		{ .room_id = r2, .minute = MINUTE(T0), .members = 0 },
	};
	struct lp_store_session_update up[] = {
		{ .id = sid, .traffic = { 1, 100, 2, 200 } },
		{ .id = sid2,
		  .traffic = { 3, 300, 4, 400 },
		  .left_at = T0 + 30,
		  .reason = "timeout" },
	};
	struct lp_store_flush_batch b = { .now = T0 + 30,
					  .rooms = rooms,
					  .nrooms = 3,
					  .samples = smp,
					  .nsamples = 2,
					  .sessions = up,
					  .nsessions = 2 };
	assert_int_equal(lp_store_flush(f->s, &b), 0);

	assert_int_equal(counter(f, r1, "up_unicast_frames"), 5);
	assert_int_equal(counter(f, r1, "drop_spoofed_mac"), 1);
	assert_int_equal(counter(f, r1, "big"), INT64_MAX);
	assert_int_equal(counter(f, r2, "up_unicast_frames"), 9);
	struct lp_store_sample h;
	size_t n;
	assert_int_equal(lp_store_history(f->s, r1, 0, INT64_MAX, &h, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h.room_id, r1);
	assert_int_equal(h.minute, MINUTE(T0));
	assert_int_equal(h.members, 2);
	assert_int_equal(h.up_frames, 1);
	assert_int_equal(h.up_bytes, 2);
	assert_int_equal(h.down_frames, 3);
	assert_int_equal(h.down_bytes, 4);
	assert_int_equal(h.drops, 5);
	struct lp_store_session out[2];
	assert_int_equal(lp_store_session_list(f->s, r1, 0, out, 2, &n), 0);
	assert_int_equal(out[0].id, sid2);
	assert_int_equal(out[0].left_at, T0 + 30);
	assert_string_equal(out[0].reason, "timeout");
	assert_int_equal(out[0].traffic.down_bytes, 400);
	assert_int_equal(out[1].left_at, 0); /* still connected, traffic so far */
	assert_int_equal(out[1].traffic.up_bytes, 100);

	/* The next flush overwrites totals and the minute's sample, and leaves ended sessions be. */
	c1[0].value = 50;
	smp[0].members = 1;
	smp[0].up_bytes = 20;
	up[0].traffic.up_bytes = 1000;
	up[1].traffic.up_bytes = 9999;
	b.now = T0 + 45;
	b.nrooms = 1;
	b.nsamples = 1;
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	assert_int_equal(counter(f, r1, "up_unicast_frames"), 50);
	struct lp_store_counter_value cv[3];
	assert_int_equal(lp_store_counter_list(f->s, r1, "", cv, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(cv[0].name, "big"); /* by name */
	assert_string_equal(cv[2].name, "up_unicast_frames");
	assert_int_equal(cv[2].updated_at, T0 + 45);
	assert_int_equal(lp_store_counter_list(f->s, r1, "drop_spoofed_mac", cv, 3, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cv[0].name, "up_unicast_frames");
	assert_int_equal(lp_store_counter_list(f->s, r1, NULL, cv, 3, &n), LP_ERR_INVALID);
	assert_int_equal(nsamples(f, r1), 1);
	assert_int_equal(lp_store_history(f->s, r1, 0, INT64_MAX, &h, 1, &n), 0);
	assert_int_equal(h.members, 1);
	assert_int_equal(h.up_bytes, 20);
	assert_int_equal(lp_store_session_list(f->s, r1, 0, out, 2, &n), 0);
	assert_int_equal(out[0].traffic.up_bytes, 300);
	assert_int_equal(out[1].traffic.up_bytes, 1000);

	/* An empty batch is a valid no-op (it still prunes). */
	struct lp_store_flush_batch empty = { .now = T0 + 60 };
	assert_int_equal(lp_store_flush(f->s, &empty), 0);
}

static void test_flush_deleted_room_skipped(void **state)
{
	struct fx *f = *state;
	int64_t gone = fx_room(f, "gone"), kept = fx_room(f, "kept"), sid;
	struct lp_store_session s = client(gone, 1, 1, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &sid), 0);
	assert_int_equal(lp_store_room_delete(f->s, gone), 0);
	struct lp_store_counter c[] = { { "up_unicast_frames", 5 } };
	struct lp_store_room_counters rooms[] = { { gone, c, 1 }, { kept, c, 1 } };
	struct lp_store_sample smp[] = { { .room_id = gone, .minute = MINUTE(T0) },
					 { .room_id = kept, .minute = MINUTE(T0) } };
	struct lp_store_session_update up = { .id = sid, .left_at = T0 + 1, .reason = "deleted" };
	struct lp_store_flush_batch b = { .now = T0,
					  .rooms = rooms,
					  .nrooms = 2,
					  .samples = smp,
					  .nsamples = 2,
					  .sessions = &up,
					  .nsessions = 1 };
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	assert_int_equal(counter(f, kept, "up_unicast_frames"), 5);
	assert_int_equal(counter(f, gone, "up_unicast_frames"), UINT64_MAX);
	assert_int_equal(nsamples(f, kept), 1);
	assert_int_equal(nsamples(f, gone), 0);
}

static void test_flush_invalid_writes_nothing(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party");
	struct lp_store_counter good[] = { { "ok_name", 1 } };
	struct lp_store_counter badname[] = { { "ok_name", 1 }, { "Bad-Name", 2 } };
	struct lp_store_counter nullname[] = { { NULL, 2 } };
	struct lp_store_counter longname[] = {
		{ "a_counter_name_that_is_longer_than_forty_eight_ch", 2 }
	};
	struct lp_store_room_counters rc_good = { room, good, 1 };
	struct lp_store_room_counters rc_bad[] = { { room, badname, 2 },
						   { room, nullname, 1 },
						   { room, longname, 1 },
						   { room, NULL, 1 } };
	for (size_t i = 0; i < sizeof(rc_bad) / sizeof(rc_bad[0]); i++) {
		struct lp_store_flush_batch b = { .now = T0, .rooms = &rc_bad[i], .nrooms = 1 };
		assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	}
	struct lp_store_sample bad_minute[] = { { .room_id = room, .minute = T0 + 1 },
						{ .room_id = room, .minute = 0 },
						{ .room_id = room, .minute = -60 } };
	for (size_t i = 0; i < 3; i++) {
		struct lp_store_flush_batch b = { .now = T0,
						  .rooms = &rc_good,
						  .nrooms = 1,
						  .samples = &bad_minute[i],
						  .nsamples = 1 };
		assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	}
	struct lp_store_session_update bad_up[] = { { .id = 1, .left_at = T0, .reason = NULL },
						    { .id = 1, .left_at = T0, .reason = "" },
						    { .id = 1, .left_at = -1 } };
	for (size_t i = 0; i < 3; i++) {
		struct lp_store_flush_batch b = { .now = T0,
						  .rooms = &rc_good,
						  .nrooms = 1,
						  .sessions = &bad_up[i],
						  .nsessions = 1 };
		assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	}
	struct lp_store_flush_batch b = { .now = 0, .rooms = &rc_good, .nrooms = 1 };
	assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	assert_int_equal(lp_store_flush(f->s, NULL), LP_ERR_INVALID);
	b = (struct lp_store_flush_batch){ .now = T0, .nrooms = 1 };
	assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	b = (struct lp_store_flush_batch){ .now = T0, .nsamples = 1 };
	assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	b = (struct lp_store_flush_batch){ .now = T0, .nsessions = 1 };
	assert_int_equal(lp_store_flush(f->s, &b), LP_ERR_INVALID);
	/* 48 characters is the most a name may have. */
	struct lp_store_counter max48[] = { { "a_counter_name_that_is_exactly_forty_eight_chars",
					      3 } };
	struct lp_store_room_counters rc48 = { room, max48, 1 };
	b = (struct lp_store_flush_batch){ .now = T0, .rooms = &rc48, .nrooms = 1 };
	assert_int_equal(strlen(max48[0].name), LP_STORE_COUNTER_NAME_MAX);
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	/* Not even the valid parts of the refused batches were written. */
	assert_int_equal(counter(f, room, "ok_name"), UINT64_MAX);
	assert_int_equal(nsamples(f, room), 0);
}

/* A failure in the middle of a batch (forced by a trigger) rolls back all of it. */
static void test_flush_atomic(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), sid;
	struct lp_store_session s = client(room, 1, 1, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &sid), 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(db,
			     "CREATE TRIGGER boom BEFORE INSERT ON samples "
			     "WHEN NEW.members = 666 BEGIN SELECT RAISE(ABORT, 'boom'); END",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	struct lp_store_counter c[] = { { "up_unicast_frames", 5 } };
	struct lp_store_room_counters rc = { room, c, 1 };
	struct lp_store_sample smp[] = {
		{ .room_id = room, .minute = MINUTE(T0) - 60 },
		{ .room_id = room, .minute = MINUTE(T0), .members = 666 }
	};
	struct lp_store_session_update up = { .id = sid, .traffic = { 1, 2, 3, 4 } };
	struct lp_store_flush_batch b = { .now = T0,
					  .rooms = &rc,
					  .nrooms = 1,
					  .samples = smp,
					  .nsamples = 2,
					  .sessions = &up,
					  .nsessions = 1 };
	assert_int_not_equal(lp_store_flush(f->s, &b), 0);
	assert_non_null(strstr(lp_store_errmsg(f->s), "boom"));
	assert_int_equal(counter(f, room, "up_unicast_frames"), UINT64_MAX);
	assert_int_equal(nsamples(f, room), 0);
	struct lp_store_session out;
	size_t n;
	assert_int_equal(lp_store_session_list(f->s, room, 0, &out, 1, &n), 0);
	assert_int_equal(out.traffic.up_frames, 0);
	/* The store is usable afterwards, and the same totals go through next time. */
	smp[1].members = 2;
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	assert_int_equal(counter(f, room, "up_unicast_frames"), 5);
	assert_int_equal(nsamples(f, room), 2);
}

static void test_flush_retention(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), old_sid, new_sid, open_sid;
	const int64_t now = T0 + 30 * 86400;
	const int64_t keep_from = now - LP_STORE_DEFAULT_SAMPLE_RETENTION;
	struct lp_store_sample smp[] = {
		{ .room_id = room, .minute = MINUTE(keep_from) - 60 }, /* older than 7 days */
		{ .room_id = room, .minute = MINUTE(keep_from) + 60 },
		{ .room_id = room, .minute = MINUTE(now) },
	};
	struct lp_store_flush_batch b = { .now = T0, .samples = smp, .nsamples = 3 };
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	assert_int_equal(nsamples(f, room), 3);

	/* Sessions: one that left long ago, one that left recently, one still open. */
	struct lp_store_traffic t = { 0, 0, 0, 0 };
	struct lp_store_session s = client(room, 1, 1, T0 - 100 * 86400);
	assert_int_equal(lp_store_session_start(f->s, &s, &old_sid), 0);
	assert_int_equal(lp_store_session_end(f->s, old_sid, T0 - 95 * 86400, &t, "left"), 0);
	s = client(room, 2, 2, T0 - 100 * 86400);
	assert_int_equal(lp_store_session_start(f->s, &s, &open_sid), 0);
	s = client(room, 3, 3, T0);
	assert_int_equal(lp_store_session_start(f->s, &s, &new_sid), 0);
	assert_int_equal(lp_store_session_end(f->s, new_sid, T0 + 10, &t, "left"), 0);

	b = (struct lp_store_flush_batch){ .now = now };
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	struct lp_store_sample h[4];
	size_t n;
	assert_int_equal(lp_store_history(f->s, room, 0, INT64_MAX, h, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].minute, smp[1].minute);
	assert_int_equal(h[1].minute, smp[2].minute);
	struct lp_store_session out[4];
	assert_int_equal(lp_store_session_list(f->s, room, 0, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].id, new_sid);
	assert_int_equal(out[1].id, open_sid);

	/* Shorter retention from the options. */
	lp_store_close(f->s);
	struct lp_store_opts o = { .sample_retention = 60, .session_retention = 5 };
	char err[256];
	assert_int_equal(lp_store_open_opts(&f->s, f->path, &o, err, sizeof(err)), 0);
	b.now = MINUTE(now) + 60;
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	assert_int_equal(lp_store_history(f->s, room, 0, INT64_MAX, h, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].minute, MINUTE(now));
	assert_int_equal(lp_store_session_list(f->s, room, 0, out, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].id, open_sid); /* open sessions are never pruned */
}

static void test_history_range(void **state)
{
	struct fx *f = *state;
	int64_t room = fx_room(f, "party"), other = fx_room(f, "other");
	struct lp_store_sample smp[10];
	const int64_t base = MINUTE(T0);
	for (int i = 0; i < 10; i++)
		smp[i] = (struct lp_store_sample){ .room_id = i == 9 ? other : room,
						   .minute = base + 60 * i,
						   .up_frames = (uint64_t)i };
	struct lp_store_flush_batch b = { .now = base + 600, .samples = smp, .nsamples = 10 };
	assert_int_equal(lp_store_flush(f->s, &b), 0);
	struct lp_store_sample h[4];
	size_t n;
	/* [from, to): the end is exclusive. */
	assert_int_equal(lp_store_history(f->s, room, base + 60, base + 240, h, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(h[0].up_frames, 1);
	assert_int_equal(h[2].up_frames, 3);
	/* Paging by moving from. */
	size_t seen = 0;
	int64_t from = 0;
	do {
		assert_int_equal(lp_store_history(f->s, room, from, INT64_MAX, h, 4, &n), 0);
		for (size_t k = 0; k < n; k++, seen++)
			assert_int_equal(h[k].up_frames, seen);
		if (n)
			from = h[n - 1].minute + 60;
	} while (n == 4);
	assert_int_equal(seen, 9);
	assert_int_equal(lp_store_history(f->s, room, base + 600, base, h, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lp_store_history(f->s, room, 0, INT64_MAX, NULL, 4, &n), LP_ERR_INVALID);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_session_start_end),
		T(test_session_start_invalid),
		T(test_session_list_paging),
		T(test_session_close_open),
		T(test_flush_counters_samples_sessions),
		T(test_flush_deleted_room_skipped),
		T(test_flush_invalid_writes_nothing),
		T(test_flush_atomic),
		T(test_flush_retention),
		T(test_history_range),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
