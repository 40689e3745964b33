/* store_access.c: who may do what: admin tokens and bans. */
#include "store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "store_int.h"

#define TOKEN_COLS "id, name, prefix, created_at, last_used_at, revoked_at"
#define BAN_COLS   "id, room_id, mac, addr, reason, created_at, expires_at"

static bool token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool lp_store_token_valid(const char *token, size_t len)
{
	if (!token || len < LP_STORE_TOKEN_MIN || len > LP_STORE_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!token_char(token[i]))
			return false;
	return true;
}

int lp_store_token_create(struct lp_store *s, const char *name, const char *token, size_t len,
			  int64_t now, int64_t *id)
{
	uint8_t hash[LP_STORE_HASH_LEN];
	sqlite3_stmt *st;
	if (now <= 0)
		return lp_st_invalid(s, "time missing");
	if (!lp_st_text_ok(name, LP_STORE_NAME_MAX + 1, 1))
		return lp_st_invalid(s,
				     "token name must be 1 to %d bytes of UTF-8 text without "
				     "control characters",
				     LP_STORE_NAME_MAX);
	if (!lp_store_token_valid(token, len))
		return lp_st_invalid(s, "token must be %d to %d characters of [A-Za-z0-9-._~+/=]",
				     LP_STORE_TOKEN_MIN, LP_STORE_TOKEN_MAX);
	int ret = lp_store_hash(token, len, hash);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_TOKEN_INSERT,
				 "INSERT INTO admin_tokens (name, hash, prefix, created_at) "
				 "VALUES (?1, ?2, ?3, ?4)",
				 &st);
	if (ret)
		return ret;
	int rc = lp_st_bind_text(st, 1, name) |
		 sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC) |
		 sqlite3_bind_text(st, 3, token, LP_STORE_PREFIX_LEN, SQLITE_STATIC) |
		 sqlite3_bind_int64(st, 4, now);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_EXISTS)
		return lp_st_error(s, ret, "this token is already stored");
	if (!ret && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

static int token_touch(struct lp_store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_TOKEN_TOUCH,
			     "UPDATE admin_tokens SET last_used_at = ?2 WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return lp_st_run(s, st);
}

int lp_store_token_verify(struct lp_store *s, const char *token, size_t len, int64_t now,
			  int64_t *id)
{
	uint8_t hash[LP_STORE_HASH_LEN];
	sqlite3_stmt *st;
	if (now <= 0)
		return lp_st_invalid(s, "time missing");
	if (!lp_store_token_valid(token, len))
		return lp_st_invalid(s, "malformed token");
	int ret = lp_store_hash(token, len, hash);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_TOKEN_VERIFY,
				 "SELECT id, last_used_at, revoked_at FROM admin_tokens "
				 "WHERE hash = ?1",
				 &st);
	if (ret)
		return ret;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t tid = 0, last = 0, revoked = 0;
	if (rc == SQLITE_ROW) {
		tid = sqlite3_column_int64(st, 0);
		last = lp_st_col_opt(st, 1);
		revoked = lp_st_col_opt(st, 2);
	} else if (rc == SQLITE_DONE) {
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "unknown token");
	} else {
		ret = lp_st_fail(s, rc);
	}
	lp_st_reset(st);
	if (ret)
		return ret;
	if (revoked)
		return lp_st_error(s, LP_ERR_STATE, "token %lld is revoked", (long long)tid);
	/* Lazily: an API request should not cost a disk write. A clock that went back also counts. */
	if (last == 0 || now - last >= LP_STORE_TOKEN_TOUCH_SECS || now < last)
		ret = token_touch(s, tid, now);
	if (!ret)
		*id = tid;
	return ret;
}

static void token_row(sqlite3_stmt *st, struct lp_store_token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	lp_st_col_text(st, 1, t->name, sizeof(t->name));
	lp_st_col_text(st, 2, t->prefix, sizeof(t->prefix));
	t->created_at = sqlite3_column_int64(st, 3);
	t->last_used_at = lp_st_col_opt(st, 4);
	t->revoked_at = lp_st_col_opt(st, 5);
}

int lp_store_token_list(struct lp_store *s, int64_t after_id, struct lp_store_token *out,
			size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_TOKEN_LIST,
			     "SELECT " TOKEN_COLS " FROM admin_tokens WHERE id > ?1 ORDER BY id "
			     "LIMIT ?2",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, after_id);
	lp_st_bind_u64(st, 2, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		token_row(st, &out[(*n)++]);
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_token_count(struct lp_store *s, size_t *n)
{
	sqlite3_stmt *st;
	*n = 0;
	int ret = lp_st_prep(s, LP_STMT_TOKEN_COUNT,
			     "SELECT count(*) FROM admin_tokens WHERE revoked_at IS NULL", &st);
	if (ret)
		return ret;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (size_t)lp_st_col_u64(st, 0);
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_token_revoke(struct lp_store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	if (now <= 0)
		return lp_st_invalid(s, "time missing");
	int ret = lp_st_prep(s, LP_STMT_TOKEN_REVOKE,
			     "UPDATE admin_tokens SET revoked_at = ?2 WHERE id = ?1 "
			     "AND revoked_at IS NULL",
			     &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	ret = lp_st_run(s, st);
	if (ret || sqlite3_changes(s->db) == 1)
		return ret;
	/* Nothing matched: unknown, or revoked before. */
	ret = lp_st_prep(s, LP_STMT_TOKEN_GET, "SELECT 1 FROM admin_tokens WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = lp_st_error(s, LP_ERR_STATE, "token %lld is already revoked", (long long)id);
	else if (rc == SQLITE_DONE)
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "token %lld not found", (long long)id);
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

/* ---------------------------------------------------------------- bans */

int lp_store_addr_canon(const char *addr, char out[LP_STORE_ADDR_MAX])
{
	struct in_addr a4;
	struct in6_addr a6;
	const char *r = NULL;
	if (!addr || strnlen(addr, LP_STORE_ADDR_MAX) == LP_STORE_ADDR_MAX)
		return LP_ERR_INVALID;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		r = inet_ntop(AF_INET, &a4, out, LP_STORE_ADDR_MAX);
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
			r = inet_ntop(AF_INET, &a4, out, LP_STORE_ADDR_MAX);
		} else {
			r = inet_ntop(AF_INET6, &a6, out, LP_STORE_ADDR_MAX);
		}
	}
	return r ? 0 : LP_ERR_INVALID;
}

static void ban_row(sqlite3_stmt *st, struct lp_store_ban *b)
{
	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(st, 0);
	b->room_id = lp_st_col_opt(st, 1);
	b->has_mac = lp_st_col_mac(st, 2, &b->mac);
	lp_st_col_text(st, 3, b->addr, sizeof(b->addr));
	lp_st_col_text(st, 4, b->reason, sizeof(b->reason));
	b->created_at = sqlite3_column_int64(st, 5);
	b->expires_at = lp_st_col_opt(st, 6);
}

int lp_store_ban_add(struct lp_store *s, const struct lp_store_ban *in, int64_t now, int64_t *id)
{
	char addr[LP_STORE_ADDR_MAX] = "";
	sqlite3_stmt *st;
	if (!in || now <= 0 || in->room_id < 0)
		return lp_st_invalid(s, "ban, room or time missing");
	if (in->has_mac && !lp_mac_is_valid_member(&in->mac))
		return lp_st_invalid(s, "a banned MAC must be unicast and not zero");
	if (strnlen(in->addr, sizeof(in->addr)) == sizeof(in->addr) ||
	    (in->addr[0] && lp_store_addr_canon(in->addr, addr)))
		return lp_st_invalid(s, "a banned address must be an IPv4 or IPv6 address");
	if (!in->has_mac && !addr[0])
		return lp_st_invalid(s, "a ban needs a MAC, an address, or both");
	if (!lp_st_text_ok(in->reason, sizeof(in->reason), 0))
		return lp_st_invalid(s,
				     "ban reason must be at most %d bytes of UTF-8 text without "
				     "control characters",
				     LP_STORE_REASON_MAX);
	if (in->expires_at != 0 && in->expires_at <= now)
		return lp_st_invalid(s, "ban expires_at must be 0 (never) or in the future");
	int ret =
		lp_st_prep(s, LP_STMT_BAN_INSERT,
			   "INSERT INTO bans (room_id, mac, addr, reason, created_at, expires_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			   &st);
	if (ret)
		return ret;
	int rc = lp_st_bind_opt(st, 1, in->room_id) | lp_st_bind_mac(st, 2, in->has_mac, &in->mac) |
		 lp_st_bind_text(st, 3, addr[0] ? addr : NULL) |
		 lp_st_bind_text(st, 4, in->reason) | sqlite3_bind_int64(st, 5, now) |
		 lp_st_bind_opt(st, 6, in->expires_at);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	ret = lp_st_run(s, st);
	if (ret == LP_ERR_NOT_FOUND)
		return lp_st_error(s, ret, "room %lld not found", (long long)in->room_id);
	if (ret == LP_ERR_EXISTS)
		return lp_st_error(s, ret, "the same ban exists");
	if (!ret && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

int lp_store_ban_get(struct lp_store *s, int64_t id, struct lp_store_ban *out)
{
	sqlite3_stmt *st;
	int ret =
		lp_st_prep(s, LP_STMT_BAN_GET, "SELECT " BAN_COLS " FROM bans WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ban_row(st, out);
	else if (rc == SQLITE_DONE)
		ret = lp_st_error(s, LP_ERR_NOT_FOUND, "ban %lld not found", (long long)id);
	else
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_ban_list(struct lp_store *s, int64_t room_id, int64_t after_id,
		      struct lp_store_ban *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (cap && !out)
		return lp_st_invalid(s, "no output array");
	int ret = lp_st_prep(s, LP_STMT_BAN_LIST,
			     "SELECT " BAN_COLS " FROM bans WHERE room_id IS ?1 AND id > ?2 "
			     "ORDER BY id LIMIT ?3",
			     &st);
	if (ret)
		return ret;
	lp_st_bind_opt(st, 1, room_id);
	sqlite3_bind_int64(st, 2, after_id);
	lp_st_bind_u64(st, 3, cap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ban_row(st, &out[(*n)++]);
	ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

int lp_store_ban_delete(struct lp_store *s, int64_t id)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_BAN_DELETE, "DELETE FROM bans WHERE id = ?1", &st);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	ret = lp_st_run(s, st);
	if (!ret && sqlite3_changes(s->db) == 0)
		return lp_st_error(s, LP_ERR_NOT_FOUND, "ban %lld not found", (long long)id);
	return ret;
}

int lp_store_ban_check(struct lp_store *s, int64_t room_id, const struct lp_mac *mac,
		       const char *addr, int64_t now, int64_t *ban_id)
{
	char canon[LP_STORE_ADDR_MAX] = "";
	sqlite3_stmt *st;
	*ban_id = 0;
	if (addr && addr[0] && lp_store_addr_canon(addr, canon))
		return lp_st_invalid(s, "invalid address");
	if (!mac && !canon[0])
		return 0;
	int ret = lp_st_prep(s, LP_STMT_BAN_CHECK,
			     "SELECT id FROM bans WHERE (room_id = ?1 OR room_id IS NULL) "
			     "AND (expires_at IS NULL OR expires_at > ?4) "
			     "AND (mac = ?2 OR addr = ?3) ORDER BY id LIMIT 1",
			     &st);
	if (ret)
		return ret;
	int rc = sqlite3_bind_int64(st, 1, room_id) | lp_st_bind_mac(st, 2, mac != NULL, mac) |
		 lp_st_bind_text(st, 3, canon[0] ? canon : NULL) | sqlite3_bind_int64(st, 4, now);
	if (rc) {
		lp_st_reset(st);
		return lp_st_fail(s, rc);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ban_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}
