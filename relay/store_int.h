/*
 * store_int.h: internals shared by the store's source files (store*.c) and
 * its unit tests. Not part of the store's contract: other modules include
 * store.h only.
 */
#ifndef LP_STORE_INT_H
#define LP_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* schema.sql, embedded by mk/embed.sh (NUL-terminated). */
extern const unsigned char lp_schema_sql[];
extern const size_t lp_schema_sql_len;

/*
 * Every cached statement has a slot. The SQL text lives at the one call
 * site that uses the slot; it is compiled on first use and kept.
 */
enum lp_stmt {
	LP_STMT_BEGIN,
	LP_STMT_COMMIT,
	LP_STMT_ROLLBACK,
	LP_STMT_ROOM_INSERT,
	LP_STMT_ROOM_GET,
	LP_STMT_ROOM_FIND,
	LP_STMT_ROOM_LIST,
	LP_STMT_ROOM_UPDATE,
	LP_STMT_ROOM_DELETE,
	LP_STMT_CODE_INSERT,
	LP_STMT_CODE_LOOKUP,
	LP_STMT_CODE_USE,
	LP_STMT_CODE_GET,
	LP_STMT_CODE_REVOKE,
	LP_STMT_CODE_REVOKE_ROLE,
	LP_STMT_CODE_LIST,
	LP_STMT_TOKEN_INSERT,
	LP_STMT_TOKEN_VERIFY,
	LP_STMT_TOKEN_TOUCH,
	LP_STMT_TOKEN_LIST,
	LP_STMT_TOKEN_COUNT,
	LP_STMT_TOKEN_GET,
	LP_STMT_TOKEN_REVOKE,
	LP_STMT_BAN_INSERT,
	LP_STMT_BAN_GET,
	LP_STMT_BAN_LIST,
	LP_STMT_BAN_DELETE,
	LP_STMT_BAN_CHECK,
	LP_STMT_ROOM_EXISTS,
	LP_STMT_SESSION_INSERT,
	LP_STMT_SESSION_END,
	LP_STMT_SESSION_STATE,
	LP_STMT_SESSION_TRAFFIC,
	LP_STMT_SESSION_CLOSE_OPEN,
	LP_STMT_SESSION_LIST,
	LP_STMT_SESSION_PRUNE,
	LP_STMT_COUNTER_SET,
	LP_STMT_COUNTER_LIST,
	LP_STMT_SAMPLE_SET,
	LP_STMT_SAMPLE_PRUNE,
	LP_STMT_HISTORY,
	LP_STMT__COUNT
};

#define LP_STORE_ERRMSG_MAX 256

struct lp_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[LP_STMT__COUNT];
	int64_t sample_retention;
	int64_t session_retention;
	char errmsg[LP_STORE_ERRMSG_MAX];
};

/*
 * The schema a store is opened with. lp_store_open_opts() uses the built-in
 * one (schema.sql and the migration table in store.c); tests pass their own
 * to exercise the migration runner.
 * create_sql: the latest schema, run on an empty database.
 * version: the version create_sql describes (>= 1).
 * steps: steps[k - 1] turns version k into k + 1; version - 1 entries.
 */
struct lp_store_schema {
	const char *create_sql;
	int version;
	const char *const *steps;
	uint32_t app_id;
};

int lp_st_open_schema(struct lp_store **out, const char *path, const struct lp_store_opts *opts,
		      const struct lp_store_schema *schema, char *err, size_t errlen);

/* The statement for slot id, compiled from sql on first use. Returns 0 or an error (errmsg set). */
int lp_st_prep(struct lp_store *s, enum lp_stmt id, const char *sql, sqlite3_stmt **out);
/* Reset a statement and clear its bindings, so bound strings need only live until then. */
void lp_st_reset(sqlite3_stmt *st);
/* Map a SQLite result code to an lp_err/-errno value and keep SQLite's message in s->errmsg. */
int lp_st_fail(struct lp_store *s, int rc);
/* Record a message for an invalid argument and return LP_ERR_INVALID. */
int lp_st_invalid(struct lp_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a message and return code (for NOT_FOUND, EXISTS, STATE). */
int lp_st_error(struct lp_store *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Step st to completion (no rows expected), then reset it. Returns 0 or an error. */
int lp_st_run(struct lp_store *s, sqlite3_stmt *st);

/* Write transactions (BEGIN IMMEDIATE), so a writer never has to upgrade a read lock. */
int lp_st_prep_tx(struct lp_store *s); /* at open: compile BEGIN, COMMIT, ROLLBACK */
int lp_st_begin(struct lp_store *s);
int lp_st_commit(struct lp_store *s);
void lp_st_rollback(struct lp_store *s);

/* Binding helpers; the index is SQLite's (from 1). Return SQLite codes. */
int lp_st_bind_opt(sqlite3_stmt *st, int i, int64_t v);	     /* 0 binds NULL */
int lp_st_bind_u64(sqlite3_stmt *st, int i, uint64_t v);     /* clamped to INT64_MAX */
int lp_st_bind_text(sqlite3_stmt *st, int i, const char *v); /* NULL or "" as given */
int lp_st_bind_role(sqlite3_stmt *st, int i, enum lp_store_role r);
int lp_st_bind_mac(sqlite3_stmt *st, int i, bool has, const struct lp_mac *mac); /* NULL if !has */

/* Column helpers. */
int64_t lp_st_col_opt(sqlite3_stmt *st, int i);	 /* NULL reads as 0 */
uint64_t lp_st_col_u64(sqlite3_stmt *st, int i); /* negative reads as 0 */
void lp_st_col_text(sqlite3_stmt *st, int i, char *buf, size_t cap);
enum lp_store_role lp_st_col_role(sqlite3_stmt *st, int i);
bool lp_st_col_mac(sqlite3_stmt *st, int i, struct lp_mac *mac); /* false for NULL */

/*
 * True when buf holds a NUL within cap bytes, the text before it is valid
 * UTF-8 without control characters, and its length is min..cap-1 bytes.
 */
bool lp_st_text_ok(const char *buf, size_t cap, size_t min);
bool lp_st_role_ok(enum lp_store_role r);
bool lp_st_counter_name_ok(const char *name);

#endif
