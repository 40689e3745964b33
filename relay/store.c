/* store.c: opening the relay's database: checks, schema, migrations, pragmas. */
#include "store.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "err.h"
#include "store_int.h"

/*
 * migrations[k - 1] turns schema version k into k + 1 (SQL run inside the
 * open's transaction; PRAGMA foreign_keys cannot change there). Version 1 is
 * the first, so there is no step yet, only the NULL that ends the table.
 * Rule for a change to schema.sql: bump LP_STORE_SCHEMA_VERSION, add the
 * step here, and add a test that opens a database of the previous version.
 */
static const char *const migrations[] = {
	NULL,
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == LP_STORE_SCHEMA_VERSION,
	       "one migration step per schema version after the first, then NULL");

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *lp_store_errmsg(const struct lp_store *s)
{
	return s ? s->errmsg : "";
}

int lp_store_hash(const char *secret, size_t len, uint8_t out[LP_STORE_HASH_LEN])
{
	if (!secret && len)
		return LP_ERR_INVALID;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret ? secret : "", len, out) < 0)
		return -EIO;
	return 0;
}

/*
 * Say "not writable" before SQLite does: it would fall back to read-only, or
 * fail later with a less helpful message. access() ignores file modes for
 * root but still reports a read-only mount (EROFS).
 */
static int check_writable(const char *path, char *err, size_t errlen)
{
	char dirbuf[PATH_MAX];
	if (strlen(path) >= sizeof(dirbuf)) {
		errf(err, errlen, "database path too long: %s", path);
		return LP_ERR_INVALID;
	}
	memcpy(dirbuf, path, strlen(path) + 1);
	const char *dir = dirname(dirbuf);
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
		int e = errno;
		errf(err, errlen,
		     "database directory %s is not usable: %s (the relay must be able to create "
		     "files there: the database and its -wal and -shm files)",
		     dir, strerror(e));
		return -e;
	}
	if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) != 0 && errno != ENOENT) {
		int e = errno;
		errf(err, errlen, "database %s is not writable: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *v, int *rc_out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	*rc_out = rc;
	return rc == SQLITE_OK ? 0 : -1;
}

/* Text of the first row of a pragma into buf ("" when no row); rc_out gets SQLite's code. */
static int pragma_text(sqlite3 *db, const char *sql, char *buf, size_t cap, int *rc_out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	buf[0] = '\0';
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			lp_st_col_text(st, 0, buf, cap);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	*rc_out = rc;
	return rc == SQLITE_OK ? 0 : -1;
}

/* An error from SQLite while opening, as one line naming the file. */
static int open_fail(sqlite3 *db, int rc, const char *path, const char *what, char *err,
		     size_t errlen)
{
	int prim = rc & 0xff;
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT) {
		errf(err, errlen,
		     "database %s is not a valid SQLite database or is corrupt (%s): "
		     "refusing to use it; move it away to start empty, or restore a backup",
		     path, sqlite3_errmsg(db));
		return -EIO;
	}
	if (prim == SQLITE_READONLY) {
		errf(err, errlen,
		     "database %s is read-only (%s): the relay must be able to write "
		     "the file and create its -wal and -shm files beside it",
		     path, sqlite3_errmsg(db));
		return -EROFS;
	}
	errf(err, errlen, "database %s: %s failed: %s", path, what, sqlite3_errmsg(db));
	struct lp_store tmp = { .db = db };
	return lp_st_fail(&tmp, rc);
}

static int exec(sqlite3 *db, const char *sql, const char *path, const char *what, char *err,
		size_t errlen)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : open_fail(db, rc, path, what, err, errlen);
}

/* Bring an empty database to schema->version, or an older one forward, in one transaction. */
static int apply_schema(sqlite3 *db, const struct lp_store_schema *schema, int64_t version,
			const char *path, char *err, size_t errlen)
{
	char sql[96];
	int ret = exec(db, "BEGIN IMMEDIATE", path, "starting the schema transaction", err, errlen);
	if (ret)
		return ret;
	if (version == 0) {
		ret = exec(db, schema->create_sql, path, "creating the schema", err, errlen);
	} else {
		for (int64_t v = version; !ret && v < schema->version; v++) {
			char what[64];
			snprintf(what, sizeof(what), "migrating from schema version %lld",
				 (long long)v);
			ret = exec(db, schema->steps[v - 1], path, what, err, errlen);
		}
	}
	if (!ret) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %ld",
			 schema->version, (long)schema->app_id);
		ret = exec(db, sql, path, "recording the schema version", err, errlen);
	}
	if (!ret)
		ret = exec(db, "COMMIT", path, "committing the schema", err, errlen);
	if (ret && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* The version checks, in the order that keeps a foreign or newer file untouched. */
static int check_identity(sqlite3 *db, const struct lp_store_schema *schema, const char *path,
			  int64_t *version, char *err, size_t errlen)
{
	int64_t app_id = 0, ntables = 0;
	int rc;
	if (pragma_int(db, "PRAGMA application_id", &app_id, &rc) ||
	    pragma_int(db, "PRAGMA user_version", version, &rc) ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntables, &rc))
		return open_fail(db, rc, path, "reading the header", err, errlen);
	if (app_id != 0 && app_id != (int64_t)schema->app_id) {
		errf(err, errlen,
		     "database %s belongs to another application (application_id %#llx): refusing "
		     "to use it",
		     path, (unsigned long long)app_id);
		return LP_ERR_UNSUPPORTED;
	}
	if (*version == 0 && ntables != 0) {
		errf(err, errlen,
		     "database %s has tables but no softlan schema version: not a softlan relay "
		     "database, refusing to use it",
		     path);
		return LP_ERR_UNSUPPORTED;
	}
	if (*version > schema->version) {
		errf(err, errlen,
		     "database %s has schema version %lld, newer than this softlan supports (%d): "
		     "it was written by a newer lanparty-relay; run that version, or restore a "
		     "backup",
		     path, (long long)*version, schema->version);
		return LP_ERR_VERSION;
	}
	if (*version < 0) {
		errf(err, errlen, "database %s has an invalid schema version %lld", path,
		     (long long)*version);
		return LP_ERR_UNSUPPORTED;
	}
	return 0;
}

static int setup(sqlite3 *db, const struct lp_store_schema *schema, const char *path, char *err,
		 size_t errlen)
{
	char buf[128];
	int64_t version = 0;
	int rc;
	int ret = check_identity(db, schema, path, &version, err, errlen);
	if (ret)
		return ret;
	if (pragma_text(db, "PRAGMA journal_mode = WAL", buf, sizeof(buf), &rc))
		return open_fail(db, rc, path, "switching to WAL mode", err, errlen);
	if (strcmp(buf, "wal") != 0) {
		errf(err, errlen, "database %s: cannot use WAL mode (journal mode stays '%s')",
		     path, buf);
		return LP_ERR_UNSUPPORTED;
	}
	if (pragma_text(db, "PRAGMA quick_check", buf, sizeof(buf), &rc))
		return open_fail(db, rc, path, "checking integrity", err, errlen);
	if (strcmp(buf, "ok") != 0) {
		errf(err, errlen,
		     "database %s is corrupt (quick_check: %s): refusing to use it; restore a "
		     "backup or move it away to start empty",
		     path, buf);
		return -EIO;
	}
	ret = exec(db,
		   "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
		   "PRAGMA trusted_schema = OFF; PRAGMA journal_size_limit = 67108864",
		   path, "setting pragmas", err, errlen);
	if (ret)
		return ret;
	if (version < schema->version) {
		ret = apply_schema(db, schema, version, path, err, errlen);
		if (ret)
			return ret;
	}
	if (pragma_text(db, "PRAGMA foreign_key_check", buf, sizeof(buf), &rc))
		return open_fail(db, rc, path, "checking foreign keys", err, errlen);
	if (buf[0]) {
		errf(err, errlen,
		     "database %s is inconsistent: a row of table %s refers to a "
		     "missing row",
		     path, buf);
		return -EIO;
	}
	return 0;
}

static int opts_resolve(const struct lp_store_opts *in, struct lp_store_opts *o)
{
	static const struct lp_store_opts none;
	if (!in)
		in = &none;
	if (in->busy_timeout_ms < 0 || in->sample_retention < 0 || in->session_retention < 0)
		return LP_ERR_INVALID;
	o->busy_timeout_ms = in->busy_timeout_ms ? in->busy_timeout_ms : LP_STORE_DEFAULT_BUSY_MS;
	o->sample_retention =
		in->sample_retention ? in->sample_retention : LP_STORE_DEFAULT_SAMPLE_RETENTION;
	o->session_retention =
		in->session_retention ? in->session_retention : LP_STORE_DEFAULT_SESSION_RETENTION;
	return 0;
}

int lp_st_open_schema(struct lp_store **out, const char *path, const struct lp_store_opts *opts,
		      const struct lp_store_schema *schema, char *err, size_t errlen)
{
	struct lp_store_opts o;
	sqlite3 *db = NULL;
	int ret;
	errf(err, errlen, "%s", "");
	if (!out || !path || !path[0] || !schema || schema->version < 1) {
		errf(err, errlen, "lp_store_open: invalid arguments");
		return LP_ERR_INVALID;
	}
	if (opts_resolve(opts, &o)) {
		errf(err, errlen, "lp_store_open: negative option");
		return LP_ERR_INVALID;
	}
	ret = check_writable(path, err, errlen);
	if (ret)
		return ret;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		ret = db ? open_fail(db, rc, path, "opening", err, errlen) : LP_ERR_NOMEM;
		if (!db)
			errf(err, errlen, "database %s: out of memory", path);
		goto close_db;
	}
	if (sqlite3_db_readonly(db, "main") == 1) {
		errf(err, errlen,
		     "database %s could only be opened read-only: the relay must "
		     "be able to write it",
		     path);
		ret = -EROFS;
		goto close_db;
	}
	sqlite3_busy_timeout(db, o.busy_timeout_ms);
	ret = setup(db, schema, path, err, errlen);
	if (ret)
		goto close_db;

	struct lp_store *s = calloc(1, sizeof(*s));
	if (!s) {
		errf(err, errlen, "database %s: out of memory", path);
		ret = LP_ERR_NOMEM;
		goto close_db;
	}
	s->db = db;
	s->sample_retention = o.sample_retention;
	s->session_retention = o.session_retention;
	ret = lp_st_prep_tx(s);
	if (ret) {
		errf(err, errlen, "database %s: %s", path, s->errmsg);
		lp_store_close(s);
		return ret;
	}
	*out = s;
	return 0;

close_db:
	sqlite3_close_v2(db);
	return ret;
}

int lp_store_open_opts(struct lp_store **out, const char *path, const struct lp_store_opts *opts,
		       char *err, size_t errlen)
{
	static const struct lp_store_schema builtin = {
		.create_sql = (const char *)lp_schema_sql,
		.version = LP_STORE_SCHEMA_VERSION,
		.steps = migrations,
		.app_id = LP_STORE_APP_ID,
	};
	return lp_st_open_schema(out, path, opts, &builtin, err, errlen);
}

int lp_store_open(struct lp_store **out, const char *path, char *err, size_t errlen)
{
	return lp_store_open_opts(out, path, NULL, err, errlen);
}

void lp_store_close(struct lp_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < LP_STMT__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close_v2(s->db);
	free(s);
}
