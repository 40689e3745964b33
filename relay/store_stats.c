/* store_stats.c: the session log, counters, per-minute samples and the batched flush. */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "store_int.h"

#define SESSION_COLS                                                                               \
	"id, room_id, member_id, role, mac, addr, agent_version, name, joined_at, left_at, "       \
	"up_frames, up_bytes, down_frames, down_bytes, reason"
#define SAMPLE_COLS "room_id, minute, members, up_frames, up_bytes, down_frames, down_bytes, drops"

static bool reason_ok(const char *reason)
{
	return lp_st_text_ok(reason, LP_STORE_REASON_MAX + 1, 1);
}

int lp_store_session_start(struct lp_store *s, const struct lp_store_session *in, int64_t *id)
{
	char addr[LP_STORE_ADDR_MAX];
	sqlite3_stmt *st;
	if (!in || in->room_id <= 0 || in->joined_at <= 0 || !lp_st_role_ok(in->role))
		return lp_st_invalid(s, "session room, role or joined_at missing");
	if (in->has_mac && !lp_mac_is_valid_member(&in->mac))
		return lp_st_invalid(s, "a member MAC must be unicast and not zero");
	if (strnlen(in->addr, sizeof(in->addr)) == sizeof(in->addr) ||
	    lp_store_addr_canon(in->addr, addr))
		return lp_st_invalid(s, "session address must be an IPv4 or IPv6 address");
	if (!lp_st_text_ok(in->agent_version, sizeof(in->agent_version), 0) ||
	    !lp_st_text_ok(in->name, sizeof(in->name), 0))
		return lp_st_invalid(s, "agent version and member name must be UTF-8 text without "
					"control characters");
	int ret = lp_st_prep(
		s, LP_STMT_SESSION_INSERT,
		"INSERT INTO sessions (room_id, member_id, role, mac, addr, "
		"agent_version, name, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		&st);
	if (ret)
		return ret;
	int rc = sqlite3_bind_int64(st, 1, in->room_id) | sqlite3_bind_int64(st, 2, in->member_id) |
		 lp_st_bind_role(st, 3, in->role) | lp_st_bind_mac(st, 4, in->has_mac, &in->mac) |
		 lp_st_bind_text(st, 5, addr) | lp_st_bind_text(st, 6, in->agent_version) |
		 lp_st_bind_text(st, 7, in->name) | sqlite3_bind_int64(st, 8, in->joined_at);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_NOT_FOUND)
		return lp_st_error(s, ret, "room %lld not found", (long long)in->room_id);
	if (!ret)
		*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

/*
 * Write the traffic of an open session, and end it when left_at is set (a
 * left_at before joined_at, from a clock step, is stored as joined_at).
 * *changed: whether an open session matched.
 */
static int session_write(struct lp_store *s, int64_t id, const struct lp_store_traffic *t,
			 int64_t left_at, const char *reason, bool *changed)
{
	sqlite3_stmt *st;
	int ret = left_at ? lp_st_prep(s, LP_STMT_SESSION_END,
				       "UPDATE sessions SET up_frames = ?2, up_bytes = ?3, "
				       "down_frames = ?4, down_bytes = ?5, "
				       "left_at = max(?6, joined_at), reason = ?7 "
				       "WHERE id = ?1 AND left_at IS NULL",
				       &st)
			  : lp_st_prep(s, LP_STMT_SESSION_TRAFFIC,
				       "UPDATE sessions SET up_frames = ?2, up_bytes = ?3, "
				       "down_frames = ?4, down_bytes = ?5 "
				       "WHERE id = ?1 AND left_at IS NULL",
				       &st);
	if (ret)
		return ret;
	int rc = sqlite3_bind_int64(st, 1, id) | lp_st_bind_u64(st, 2, t->up_frames) |
		 lp_st_bind_u64(st, 3, t->up_bytes) | lp_st_bind_u64(st, 4, t->down_frames) |
		 lp_st_bind_u64(st, 5, t->down_bytes);
	if (left_at)
		rc |= sqlite3_bind_int64(st, 6, left_at) | lp_st_bind_text(st, 7, reason);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	ret = lp_st_run(s, st);
	*changed = !ret && sqlite3_changes(s->db) > 0;
	return ret;
}

int lp_store_session_end(struct lp_store *s, int64_t id, int64_t left_at,
			 const struct lp_store_traffic *t, const char *reason)
{
	sqlite3_stmt *st;
	bool changed;
	if (!t || left_at <= 0 || !reason_ok(reason))
		return lp_st_invalid(s,
				     "session end needs traffic, left_at and a reason of 1 to %d "
				     "bytes",
				     LP_STORE_REASON_MAX);
	int ret = session_write(s, id, t, left_at, reason, &changed);
	if (ret || changed)
		return ret;
	ret = lp_st_prep(s, LP_STMT_SESSION_STATE, "SELECT 1 FROM sessions WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = lp_st_error(s, LP_ERR_STATE, "session %lld has ended", (long long)id);
	else if (rc == SQLITE_DONE)
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "session %lld not found", (long long)id);
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_session_close_open(struct lp_store *s, int64_t now, const char *reason, size_t *n)
{
	sqlite3_stmt *st;
	if (n)
		*n = 0;
	if (now <= 0 || !reason_ok(reason))
		return lp_st_invalid(s, "time or reason missing");
	int ret = lp_st_prep(s, LP_STMT_SESSION_CLOSE_OPEN,
			     "UPDATE sessions SET left_at = max(?1, joined_at), reason = ?2 "
			     "WHERE left_at IS NULL",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, now);
	lp_st_bind_text(st, 2, reason);
	ret = lp_st_run(s, st);
	if (!ret && n)
		*n = (size_t)sqlite3_changes64(s->db);
	return ret;
}

static void session_row(sqlite3_stmt *st, struct lp_store_session *x)
{
	memset(x, 0, sizeof(*x));
	x->id = sqlite3_column_int64(st, 0);
	x->room_id = sqlite3_column_int64(st, 1);
	x->member_id = (uint32_t)sqlite3_column_int64(st, 2);
	x->role = lp_st_col_role(st, 3);
	x->has_mac = lp_st_col_mac(st, 4, &x->mac);
	lp_st_col_text(st, 5, x->addr, sizeof(x->addr));
	lp_st_col_text(st, 6, x->agent_version, sizeof(x->agent_version));
	lp_st_col_text(st, 7, x->name, sizeof(x->name));
	x->joined_at = sqlite3_column_int64(st, 8);
	x->left_at = lp_st_col_opt(st, 9);
	x->traffic.up_frames = lp_st_col_u64(st, 10);
	x->traffic.up_bytes = lp_st_col_u64(st, 11);
	x->traffic.down_frames = lp_st_col_u64(st, 12);
	x->traffic.down_bytes = lp_st_col_u64(st, 13);
	lp_st_col_text(st, 14, x->reason, sizeof(x->reason));
}

int lp_store_session_list(struct lp_store *s, int64_t room_id, int64_t before_id,
			  struct lp_store_session *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_SESSION_LIST,
			     "SELECT " SESSION_COLS " FROM sessions WHERE room_id = ?1 AND id < ?2 "
			     "ORDER BY id DESC LIMIT ?3",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, room_id);
	sqlite3_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
	lp_st_bind_u64(st, 3, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		session_row(st, &out[(*n)++]);
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

/* ---------------------------------------------------------------- flush */

static int flush_check(struct lp_store *s, const struct lp_store_flush_batch *b)
{
	if (!b || b->now <= 0)
		return lp_st_invalid(s, "flush batch or time missing");
	if ((b->nrooms && !b->rooms) || (b->nsamples && !b->samples) ||
	    (b->nsessions && !b->sessions))
		return lp_st_invalid(s, "flush batch array missing");
	for (size_t i = 0; i < b->nrooms; i++) {
		const struct lp_store_room_counters *r = &b->rooms[i];
		if (r->n && !r->counters)
			return lp_st_invalid(s, "counters of room %lld missing",
					     (long long)r->room_id);
		for (size_t k = 0; k < r->n; k++)
			if (!lp_st_counter_name_ok(r->counters[k].name))
				return lp_st_invalid(s,
						     "counter names must be 1 to %d characters "
						     "of [a-z0-9_]",
						     LP_STORE_COUNTER_NAME_MAX);
	}
	for (size_t i = 0; i < b->nsamples; i++) {
		int64_t m = b->samples[i].minute;
		if (m <= 0 || m % 60 != 0)
			return lp_st_invalid(s, "sample minute %lld is not the start of a minute",
					     (long long)m);
	}
	for (size_t i = 0; i < b->nsessions; i++) {
		const struct lp_store_session_update *u = &b->sessions[i];
		if (u->left_at < 0 || (u->left_at > 0 && !reason_ok(u->reason)))
			return lp_st_invalid(s, "session %lld: bad left_at or reason",
					     (long long)u->id);
	}
	return 0;
}

static int room_exists(struct lp_store *s, int64_t id, bool *exists)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_ROOM_EXISTS, "SELECT 1 FROM rooms WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

static int flush_counters(struct lp_store *s, const struct lp_store_room_counters *r, int64_t now)
{
	sqlite3_stmt *st;
	bool exists;
	int ret = room_exists(s, r->room_id, &exists);
	if (ret || !exists || r->n == 0)
		return ret;
	ret = lp_st_prep(s, LP_STMT_COUNTER_SET,
			 "INSERT INTO counters (room_id, name, value, updated_at) "
			 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (room_id, name) DO UPDATE SET "
			 "value = excluded.value, updated_at = excluded.updated_at",
			 &st);
	for (size_t k = 0; !ret && k < r->n; k++) {
		int rc = sqlite3_bind_int64(st, 1, r->room_id) |
			 lp_st_bind_text(st, 2, r->counters[k].name) |
			 lp_st_bind_u64(st, 3, r->counters[k].value) |
			 sqlite3_bind_int64(st, 4, now);
		if (rc) {
			lp_st_reset(st);
			return lp_st_fail(s, rc);
		}
		ret = lp_st_run(s, st);
	}
	return ret;
}

static int flush_sample(struct lp_store *s, const struct lp_store_sample *x)
{
	sqlite3_stmt *st;
	bool exists;
	int ret = room_exists(s, x->room_id, &exists);
	if (ret || !exists)
		return ret;
	ret = lp_st_prep(s, LP_STMT_SAMPLE_SET,
			 "INSERT OR REPLACE INTO samples (" SAMPLE_COLS ") "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			 &st);
	if (ret)
		return ret;
	int rc = sqlite3_bind_int64(st, 1, x->room_id) | sqlite3_bind_int64(st, 2, x->minute) |
		 sqlite3_bind_int64(st, 3, x->members) | lp_st_bind_u64(st, 4, x->up_frames) |
		 lp_st_bind_u64(st, 5, x->up_bytes) | lp_st_bind_u64(st, 6, x->down_frames) |
		 lp_st_bind_u64(st, 7, x->down_bytes) | lp_st_bind_u64(st, 8, x->drops);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	return lp_st_run(s, st);
}

/* Delete rows older than now - retention from one table, by a cached DELETE ... < ?1. */
static int prune(struct lp_store *s, enum lp_stmt id, const char *sql, int64_t now,
		 int64_t retention)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, id, sql, &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, now - retention);
	return lp_st_run(s, st);
}

static int flush_body(struct lp_store *s, const struct lp_store_flush_batch *b)
{
	int ret = 0;
	for (size_t i = 0; !ret && i < b->nrooms; i++)
		ret = flush_counters(s, &b->rooms[i], b->now);
	for (size_t i = 0; !ret && i < b->nsamples; i++)
		ret = flush_sample(s, &b->samples[i]);
	for (size_t i = 0; !ret && i < b->nsessions; i++) {
		const struct lp_store_session_update *u = &b->sessions[i];
		bool changed;
		ret = session_write(s, u->id, &u->traffic, u->left_at, u->reason, &changed);
	}
	if (!ret)
		ret = prune(s, LP_STMT_SAMPLE_PRUNE, "DELETE FROM samples WHERE minute < ?1",
			    b->now, s->sample_retention);
	if (!ret)
		ret = prune(s, LP_STMT_SESSION_PRUNE, "DELETE FROM sessions WHERE left_at < ?1",
			    b->now, s->session_retention);
	return ret;
}

int lp_store_flush(struct lp_store *s, const struct lp_store_flush_batch *b)
{
	int ret = flush_check(s, b);
	if (!ret)
		ret = lp_st_begin(s);
	if (ret)
		return ret;
	ret = flush_body(s, b);
	if (ret) {
		lp_st_rollback(s);
		return ret;
	}
	return lp_st_commit(s);
}

int lp_store_counter_list(struct lp_store *s, int64_t room_id, const char *after_name,
			  struct lp_store_counter_value *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if ((cap && !out) || !after_name)
		return lp_st_invalid(s, "no output array or cursor");
	int ret = lp_st_prep(s, LP_STMT_COUNTER_LIST,
			     "SELECT name, value, updated_at FROM counters WHERE room_id = ?1 "
			     "AND name > ?2 ORDER BY name LIMIT ?3",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, room_id);
	lp_st_bind_text(st, 2, after_name);
	lp_st_bind_u64(st, 3, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lp_store_counter_value *c = &out[(*n)++];
		memset(c, 0, sizeof(*c));
		lp_st_col_text(st, 0, c->name, sizeof(c->name));
		c->value = lp_st_col_u64(st, 1);
		c->updated_at = sqlite3_column_int64(st, 2);
	}
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_history(struct lp_store *s, int64_t room_id, int64_t from, int64_t to,
		     struct lp_store_sample *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_HISTORY,
			     "SELECT " SAMPLE_COLS " FROM samples WHERE room_id = ?1 "
			     "AND minute >= ?2 AND minute < ?3 ORDER BY minute LIMIT ?4",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, room_id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	lp_st_bind_u64(st, 4, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lp_store_sample *x = &out[(*n)++];
		memset(x, 0, sizeof(*x));
		x->room_id = sqlite3_column_int64(st, 0);
		x->minute = sqlite3_column_int64(st, 1);
		x->members = (uint32_t)sqlite3_column_int64(st, 2);
		x->up_frames = lp_st_col_u64(st, 3);
		x->up_bytes = lp_st_col_u64(st, 4);
		x->down_frames = lp_st_col_u64(st, 5);
		x->down_bytes = lp_st_col_u64(st, 6);
		x->drops = lp_st_col_u64(st, 7);
	}
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}
