/* store_rooms.c: rooms and their codes. */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "code.h"
#include "err.h"
#include "store_int.h"

#define ROOM_COLS                                                                                  \
	"id, name, max_clients, mtu, bcast_pps, bytes_per_s, enabled, expires_at, created_at, "    \
	"updated_at"
#define CODE_COLS "id, room_id, role, prefix, expires_at, max_uses, uses, revoked_at, created_at"

void lp_store_room_defaults(struct lp_store_room *r)
{
	memset(r, 0, sizeof(*r));
	r->max_clients = LP_STORE_DEFAULT_MAX_CLIENTS;
	r->mtu = LP_STORE_DEFAULT_MTU;
	r->enabled = true;
}

static void room_row(sqlite3_stmt *st, struct lp_store_room *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	lp_st_col_text(st, 1, r->name, sizeof(r->name));
	r->max_clients = (uint32_t)sqlite3_column_int64(st, 2);
	r->mtu = (uint32_t)sqlite3_column_int64(st, 3);
	r->bcast_pps = (uint32_t)sqlite3_column_int64(st, 4);
	r->bytes_per_s = lp_st_col_u64(st, 5);
	r->enabled = sqlite3_column_int64(st, 6) != 0;
	r->expires_at = lp_st_col_opt(st, 7);
	r->created_at = sqlite3_column_int64(st, 8);
	r->updated_at = sqlite3_column_int64(st, 9);
}

/* Validate the fields of r named in fields; an expiry being set must lie after now. */
static int room_check(struct lp_store *s, const struct lp_store_room *r, unsigned fields,
		      int64_t now)
{
	if ((fields & LP_STORE_ROOM_NAME) && !lp_st_text_ok(r->name, sizeof(r->name), 1))
		return lp_st_invalid(s,
				     "room name must be 1 to %d bytes of UTF-8 text without "
				     "control characters",
				     LP_STORE_NAME_MAX);
	if ((fields & LP_STORE_ROOM_MAX_CLIENTS) &&
	    (r->max_clients < 1 || r->max_clients > LP_STORE_MAX_CLIENTS_MAX))
		return lp_st_invalid(s, "max_clients %u is outside 1..%d", r->max_clients,
				     LP_STORE_MAX_CLIENTS_MAX);
	if ((fields & LP_STORE_ROOM_MTU) &&
	    (r->mtu < LP_STORE_MTU_MIN || r->mtu > LP_STORE_MTU_MAX))
		return lp_st_invalid(s, "mtu %u is outside %d..%d", r->mtu, LP_STORE_MTU_MIN,
				     LP_STORE_MTU_MAX);
	if ((fields & LP_STORE_ROOM_BYTES_PER_S) && r->bytes_per_s > INT64_MAX)
		return lp_st_invalid(s, "bytes_per_s is too large");
	if ((fields & LP_STORE_ROOM_EXPIRES_AT) && r->expires_at != 0 && r->expires_at <= now)
		return lp_st_invalid(s, "expires_at must be 0 (never) or in the future");
	return 0;
}

static int code_check(struct lp_store *s, const struct lp_store_code_new *c, int64_t now)
{
	if (!c || !lp_st_role_ok(c->role))
		return lp_st_invalid(s, "code role must be client or gateway");
	if (!lp_code_valid(c->code, c->len))
		return lp_st_invalid(s, "code must be %d to %d characters of [A-Za-z0-9_-]",
				     LP_CODE_MIN, LP_CODE_MAX);
	if (c->expires_at != 0 && c->expires_at <= now)
		return lp_st_invalid(s, "code expires_at must be 0 (never) or in the future");
	return 0;
}

static int codes_check(struct lp_store *s, const struct lp_store_code_new *codes, size_t n,
		       int64_t now)
{
	if (n && !codes)
		return lp_st_invalid(s, "codes missing");
	for (size_t i = 0; i < n; i++) {
		int ret = code_check(s, &codes[i], now);
		if (ret)
			return ret;
	}
	return 0;
}

/* Insert one checked code; no transaction of its own. */
static int code_insert(struct lp_store *s, int64_t room_id, const struct lp_store_code_new *c,
		       int64_t now, int64_t *id)
{
	uint8_t hash[LP_STORE_HASH_LEN];
	sqlite3_stmt *st;
	int ret = lp_store_hash(c->code, c->len, hash);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_CODE_INSERT,
				 "INSERT INTO codes (room_id, role, hash, prefix, expires_at, "
				 "max_uses, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				 &st);
	if (ret)
		return ret;
	int rc = sqlite3_bind_int64(st, 1, room_id) | lp_st_bind_role(st, 2, c->role) |
		 sqlite3_bind_blob(st, 3, hash, sizeof(hash), SQLITE_STATIC) |
		 sqlite3_bind_text(st, 4, c->code, LP_STORE_PREFIX_LEN, SQLITE_STATIC) |
		 lp_st_bind_opt(st, 5, c->expires_at) | lp_st_bind_opt(st, 6, c->max_uses) |
		 sqlite3_bind_int64(st, 7, now);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_NOT_FOUND)
		return lp_st_error(s, ret, "room %lld not found", (long long)room_id);
	if (ret == LP_ERR_EXISTS)
		return lp_st_error(s, ret, "this code is already stored");
	if (!ret && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

int lp_store_room_create(struct lp_store *s, const struct lp_store_room *in,
			 const struct lp_store_code_new *codes, size_t ncodes, int64_t now,
			 struct lp_store_room *out, int64_t *code_ids)
{
	sqlite3_stmt *st;
	if (!in || now <= 0)
		return lp_st_invalid(s, "room or time missing");
	int ret = room_check(s, in, LP_STORE_ROOM_ALL, now);
	if (!ret)
		ret = codes_check(s, codes, ncodes, now);
	if (!ret)
		ret = lp_st_prep(
			s, LP_STMT_ROOM_INSERT,
			"INSERT INTO rooms (name, max_clients, mtu, bcast_pps, bytes_per_s, "
			"enabled, expires_at, created_at, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
			&st);
	if (!ret)
		ret = lp_st_begin(s);
	if (ret)
		return ret;
	int rc = lp_st_bind_text(st, 1, in->name) | sqlite3_bind_int64(st, 2, in->max_clients) |
		 sqlite3_bind_int64(st, 3, in->mtu) | sqlite3_bind_int64(st, 4, in->bcast_pps) |
		 lp_st_bind_u64(st, 5, in->bytes_per_s) | sqlite3_bind_int(st, 6, in->enabled) |
		 lp_st_bind_opt(st, 7, in->expires_at) | sqlite3_bind_int64(st, 8, now);
	if (rc) {
		lp_st_reset(st);
		ret = lp_st_fail(s, rc);
		goto rollback;
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_EXISTS)
		lp_st_error(s, ret, "a room named '%s' exists", in->name);
	if (ret)
		goto rollback;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < ncodes; i++) {
		ret = code_insert(s, id, &codes[i], now, code_ids ? &code_ids[i] : NULL);
		if (ret)
			goto rollback;
	}
	ret = lp_st_commit(s);
	/* Read back: out then holds exactly what a later get returns. */
	return ret || !out ? ret : lp_store_room_get(s, id, out);

rollback:
	lp_st_rollback(s);
	return ret;
}

/* Run a single-row room query bound to one value (id or name). */
static int room_one(struct lp_store *s, sqlite3_stmt *st, struct lp_store_room *out,
		    const char *what)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW)
		room_row(st, out);
	else if (rc == SQLITE_DONE)
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "room %s not found", what);
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_room_get(struct lp_store *s, int64_t id, struct lp_store_room *out)
{
	sqlite3_stmt *st;
	char what[24];
	int ret = lp_st_prep(s, LP_STMT_ROOM_GET, "SELECT " ROOM_COLS " FROM rooms WHERE id = ?1",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "%lld", (long long)id);
	return room_one(s, st, out, what);
}

int lp_store_room_find(struct lp_store *s, const char *name, struct lp_store_room *out)
{
	sqlite3_stmt *st;
	if (!lp_st_text_ok(name, LP_STORE_NAME_MAX + 1, 1))
		return lp_st_invalid(s, "invalid room name");
	int ret = lp_st_prep(s, LP_STMT_ROOM_FIND,
			     "SELECT " ROOM_COLS " FROM rooms WHERE name = ?1", &st);
	if (ret)
		return ret;
	lp_st_bind_text(st, 1, name);
	return room_one(s, st, out, name);
}

int lp_store_room_list(struct lp_store *s, int64_t after_id, struct lp_store_room *out, size_t cap,
		       size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_ROOM_LIST,
			     "SELECT " ROOM_COLS " FROM rooms WHERE id > ?1 ORDER BY id LIMIT ?2",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, after_id);
	lp_st_bind_u64(st, 2, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		room_row(st, &out[(*n)++]);
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

static void room_merge(struct lp_store_room *r, const struct lp_store_room *in, unsigned fields)
{
	if (fields & LP_STORE_ROOM_NAME)
		memcpy(r->name, in->name, sizeof(r->name));
	if (fields & LP_STORE_ROOM_MAX_CLIENTS)
		r->max_clients = in->max_clients;
	if (fields & LP_STORE_ROOM_MTU)
		r->mtu = in->mtu;
	if (fields & LP_STORE_ROOM_BCAST_PPS)
		r->bcast_pps = in->bcast_pps;
	if (fields & LP_STORE_ROOM_BYTES_PER_S)
		r->bytes_per_s = in->bytes_per_s;
	if (fields & LP_STORE_ROOM_ENABLED)
		r->enabled = in->enabled;
	if (fields & LP_STORE_ROOM_EXPIRES_AT)
		r->expires_at = in->expires_at;
}

int lp_store_room_update(struct lp_store *s, int64_t id, const struct lp_store_room *in,
			 unsigned fields, int64_t now, struct lp_store_room *out)
{
	struct lp_store_room r;
	sqlite3_stmt *st;
	if (!in || now <= 0 || fields == 0 || (fields & ~(unsigned)LP_STORE_ROOM_ALL))
		return lp_st_invalid(s, "nothing to update, or unknown fields");
	int ret = room_check(s, in, fields, now);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_ROOM_UPDATE,
				 "UPDATE rooms SET name = ?2, max_clients = ?3, mtu = ?4, "
				 "bcast_pps = ?5, bytes_per_s = ?6, enabled = ?7, expires_at = ?8, "
				 "updated_at = ?9 WHERE id = ?1",
				 &st);
	if (!ret)
		ret = lp_st_begin(s);
	if (ret)
		return ret;
	ret = lp_store_room_get(s, id, &r);
	if (ret)
		goto rollback;
	room_merge(&r, in, fields);
	r.updated_at = now;
	int rc = sqlite3_bind_int64(st, 1, id) | lp_st_bind_text(st, 2, r.name) |
		 sqlite3_bind_int64(st, 3, r.max_clients) | sqlite3_bind_int64(st, 4, r.mtu) |
		 sqlite3_bind_int64(st, 5, r.bcast_pps) | lp_st_bind_u64(st, 6, r.bytes_per_s) |
		 sqlite3_bind_int(st, 7, r.enabled) | lp_st_bind_opt(st, 8, r.expires_at) |
		 sqlite3_bind_int64(st, 9, now);
	if (rc) {
		lp_st_reset(st);
		ret = lp_st_fail(s, rc);
		goto rollback;
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_EXISTS)
		lp_st_error(s, ret, "a room named '%s' exists", r.name);
	if (ret)
		goto rollback;
	ret = lp_st_commit(s);
	if (!ret && out)
		*out = r;
	return ret;

rollback:
	lp_st_rollback(s);
	return ret;
}

int lp_store_room_delete(struct lp_store *s, int64_t id)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_ROOM_DELETE, "DELETE FROM rooms WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	ret = lp_st_run(s, st);
	if (!ret && sqlite3_changes(s->db) == 0)
		return lp_st_error(s, LP_ERR_NOT_FOUND, "room %lld not found", (long long)id);
	return ret;
}

/* ---------------------------------------------------------------- codes */

static void code_row(sqlite3_stmt *st, int64_t now, struct lp_store_code *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->room_id = sqlite3_column_int64(st, 1);
	c->role = lp_st_col_role(st, 2);
	lp_st_col_text(st, 3, c->prefix, sizeof(c->prefix));
	c->expires_at = lp_st_col_opt(st, 4);
	c->max_uses = (uint32_t)lp_st_col_opt(st, 5);
	c->uses = (uint32_t)sqlite3_column_int64(st, 6);
	c->revoked_at = lp_st_col_opt(st, 7);
	c->created_at = sqlite3_column_int64(st, 8);
	if (c->revoked_at)
		c->state = LP_STORE_CODE_REVOKED;
	else if (c->expires_at && c->expires_at <= now)
		c->state = LP_STORE_CODE_EXPIRED;
	else if (c->max_uses && c->uses >= c->max_uses)
		c->state = LP_STORE_CODE_EXHAUSTED;
	else
		c->state = LP_STORE_CODE_VALID;
}

int lp_store_code_create(struct lp_store *s, int64_t room_id, const struct lp_store_code_new *c,
			 int64_t now, int64_t *id)
{
	if (now <= 0)
		return lp_st_invalid(s, "time missing");
	int ret = code_check(s, c, now);
	return ret ? ret : code_insert(s, room_id, c, now, id);
}

static int code_step_one(struct lp_store *s, sqlite3_stmt *st, int64_t now,
			 struct lp_store_code *out)
{
	int rc = sqlite3_step(st);
	int ret = 0;
	if (rc == SQLITE_ROW)
		code_row(st, now, out);
	else if (rc == SQLITE_DONE)
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "no such code");
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_code_lookup(struct lp_store *s, const char *code, size_t len, int64_t now,
			 struct lp_store_code *out)
{
	uint8_t hash[LP_STORE_HASH_LEN];
	sqlite3_stmt *st;
	if (!lp_code_valid(code, len))
		return lp_st_invalid(s, "malformed code");
	int ret = lp_store_hash(code, len, hash);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_CODE_LOOKUP,
				 "SELECT " CODE_COLS " FROM codes WHERE hash = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	return code_step_one(s, st, now, out);
}

static int code_get(struct lp_store *s, int64_t id, int64_t now, struct lp_store_code *out)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_CODE_GET, "SELECT " CODE_COLS " FROM codes WHERE id = ?1",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	return code_step_one(s, st, now, out);
}

/* After an UPDATE that matched nothing: tell "no such code" from "wrong state". */
static int code_why_not(struct lp_store *s, int64_t id, int64_t now)
{
	static const char *const names[] = { "valid", "revoked", "expired", "exhausted" };
	struct lp_store_code c;
	int ret = code_get(s, id, now, &c);
	return ret ? ret
		   : lp_st_error(s, LP_ERR_STATE, "code %lld is %s", (long long)id, names[c.state]);
}

int lp_store_code_use(struct lp_store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int ret =
		lp_st_prep(s, LP_STMT_CODE_USE,
			   "UPDATE codes SET uses = uses + 1 WHERE id = ?1 AND revoked_at IS NULL "
			   "AND (expires_at IS NULL OR expires_at > ?2) "
			   "AND (max_uses IS NULL OR uses < max_uses)",
			   &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	ret = lp_st_run(s, st);
	if (!ret && sqlite3_changes(s->db) == 0)
		return code_why_not(s, id, now);
	return ret;
}

int lp_store_code_revoke(struct lp_store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	if (now <= 0)
		return lp_st_invalid(s, "time missing");
	int ret = lp_st_prep(
		s, LP_STMT_CODE_REVOKE,
		"UPDATE codes SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	ret = lp_st_run(s, st);
	if (!ret && sqlite3_changes(s->db) == 0)
		return code_why_not(s, id, now);
	return ret;
}

static int revoke_role(struct lp_store *s, int64_t room_id, enum lp_store_role role, int64_t now)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_CODE_REVOKE_ROLE,
			     "UPDATE codes SET revoked_at = ?3 WHERE room_id = ?1 AND role = ?2 "
			     "AND revoked_at IS NULL",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, room_id);
	lp_st_bind_role(st, 2, role);
	sqlite3_bind_int64(st, 3, now);
	return lp_st_run(s, st);
}

int lp_store_code_rotate(struct lp_store *s, int64_t room_id, const struct lp_store_code_new *codes,
			 size_t n, int64_t now, int64_t *ids)
{
	static const enum lp_store_role roles[] = { LP_STORE_ROLE_CLIENT, LP_STORE_ROLE_GATEWAY };
	if (n == 0 || now <= 0)
		return lp_st_invalid(s, "no new code, or time missing");
	int ret = codes_check(s, codes, n, now);
	if (!ret)
		ret = lp_st_begin(s);
	if (ret)
		return ret;
	for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
		bool named = false;
		for (size_t i = 0; i < n; i++)
			named |= codes[i].role == roles[r];
		ret = named ? revoke_role(s, room_id, roles[r], now) : 0;
		if (ret)
			goto rollback;
	}
	for (size_t i = 0; i < n; i++) {
		ret = code_insert(s, room_id, &codes[i], now, ids ? &ids[i] : NULL);
		if (ret)
			goto rollback;
	}
	return lp_st_commit(s);

rollback:
	lp_st_rollback(s);
	return ret;
}

int lp_store_code_list(struct lp_store *s, int64_t room_id, int64_t after_id, int64_t now,
		       struct lp_store_code *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_CODE_LIST,
			     "SELECT " CODE_COLS " FROM codes WHERE room_id = ?1 AND id > ?2 "
			     "ORDER BY id LIMIT ?3",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, room_id);
	sqlite3_bind_int64(st, 2, after_id);
	lp_st_bind_u64(st, 3, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		code_row(st, now, &out[(*n)++]);
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}
