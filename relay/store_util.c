/* store_util.c: statement cache, error mapping, transactions, bind/column and validation helpers. */
#include "store_int.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int lp_st_prep(struct lp_store *s, enum lp_stmt id, const char *sql, sqlite3_stmt **out)
{
	if (!s->stmt[id]) {
		int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id],
					    NULL);
		if (rc != SQLITE_OK) {
			s->stmt[id] = NULL;
			return lp_st_fail(s, rc);
		}
	}
	/* One slot, one call site: a slot reused for other SQL is a programming error. */
	assert(strcmp(sqlite3_sql(s->stmt[id]), sql) == 0);
	*out = s->stmt[id];
	return 0;
}

void lp_st_reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int map_rc(int rc)
{
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return LP_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return LP_ERR_NOT_FOUND;
	case SQLITE_TOOBIG:
		return LP_ERR_TOO_BIG;
	case SQLITE_RANGE:
	case SQLITE_MISMATCH:
		return LP_ERR_INVALID;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return LP_ERR_INVALID;
	case SQLITE_NOMEM:
		return LP_ERR_NOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	default:
		/* IOERR, CORRUPT, NOTADB, and anything unexpected (a bug: still never silent). */
		return -EIO;
	}
}

int lp_st_fail(struct lp_store *s, int rc)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s", sqlite3_errmsg(s->db));
	return map_rc(rc);
}

int lp_st_invalid(struct lp_store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return LP_ERR_INVALID;
}

int lp_st_error(struct lp_store *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

int lp_st_run(struct lp_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE ? 0 : lp_st_fail(s, rc);
	lp_st_reset(st);
	return ret;
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

int lp_st_prep_tx(struct lp_store *s)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_BEGIN, sql_begin, &st);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_COMMIT, sql_commit, &st);
	if (!ret)
		ret = lp_st_prep(s, LP_STMT_ROLLBACK, sql_rollback, &st);
	return ret;
}

int lp_st_begin(struct lp_store *s)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_BEGIN, sql_begin, &st);
	return ret ? ret : lp_st_run(s, st);
}

int lp_st_commit(struct lp_store *s)
{
	sqlite3_stmt *st;
	int ret = lp_st_prep(s, LP_STMT_COMMIT, sql_commit, &st);
	if (!ret)
		ret = lp_st_run(s, st);
	if (ret)
		lp_st_rollback(s);
	return ret;
}

void lp_st_rollback(struct lp_store *s)
{
	sqlite3_stmt *st;
	/* SQLite may already have rolled back (e.g. on SQLITE_FULL): then there is nothing to undo. */
	if (sqlite3_get_autocommit(s->db))
		return;
	/* Prepared at open (lp_st_prep_tx), so a rollback never fails for want of memory. */
	if (lp_st_prep(s, LP_STMT_ROLLBACK, sql_rollback, &st) == 0) {
		sqlite3_step(st);
		lp_st_reset(st);
	}
}

int lp_st_bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int lp_st_bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

int lp_st_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

const char *lp_store_role_name(enum lp_store_role role)
{
	switch (role) {
	case LP_STORE_ROLE_CLIENT:
		return "client";
	case LP_STORE_ROLE_GATEWAY:
		return "gateway";
	}
	return "?";
}

int lp_st_bind_role(sqlite3_stmt *st, int i, enum lp_store_role r)
{
	return sqlite3_bind_text(st, i, lp_store_role_name(r), -1, SQLITE_STATIC);
}

int lp_st_bind_mac(sqlite3_stmt *st, int i, bool has, const struct lp_mac *mac)
{
	char buf[LP_MAC_STRLEN];
	if (!has)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, lp_mac_format(mac, buf), -1, SQLITE_TRANSIENT);
}

int64_t lp_st_col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

uint64_t lp_st_col_u64(sqlite3_stmt *st, int i)
{
	int64_t v = sqlite3_column_int64(st, i);
	return v < 0 ? 0 : (uint64_t)v;
}

void lp_st_col_text(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t len = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(buf, t, len);
	buf[len] = '\0';
}

enum lp_store_role lp_st_col_role(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t && strcmp((const char *)t, "gateway") == 0 ? LP_STORE_ROLE_GATEWAY
							    : LP_STORE_ROLE_CLIENT;
}

bool lp_st_col_mac(sqlite3_stmt *st, int i, struct lp_mac *mac)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	memset(mac, 0, sizeof(*mac));
	return t && lp_mac_parse((const char *)t, (size_t)sqlite3_column_bytes(st, i), mac) == 0;
}

/* Length of the UTF-8 sequence at p (n bytes available), or 0 if invalid or a control character. */
static size_t utf8_char(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return c >= 0x20 && c != 0x7f ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF, and C1 controls. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

bool lp_st_text_ok(const char *buf, size_t cap, size_t min)
{
	if (!buf)
		return false;
	size_t len = strnlen(buf, cap);
	if (len == cap || len < min)
		return false;
	const unsigned char *p = (const unsigned char *)buf;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_char(p + i, len - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

bool lp_st_role_ok(enum lp_store_role r)
{
	return r == LP_STORE_ROLE_CLIENT || r == LP_STORE_ROLE_GATEWAY;
}

bool lp_st_counter_name_ok(const char *name)
{
	if (!name)
		return false;
	size_t len = strnlen(name, LP_STORE_COUNTER_NAME_MAX + 1);
	if (len == 0 || len > LP_STORE_COUNTER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}
