/*
 * Unit tests for relay/store.c: opening, schema version and migrations,
 * refusing corrupt, foreign, newer and read-only databases, restart safety
 * (close/reopen and SIGKILL), hashing and secrets at rest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "store_fixture.h"
#include "store_int.h"

/* ---------------------------------------------------------------- helpers */

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Whole file into a malloc'd buffer (caller frees); *len = 0 and NULL if absent. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	*len = 0;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *buf = malloc(sz > 0 ? (size_t)sz : 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)sz, fp);
	fclose(fp);
	return buf;
}

static bool file_contains(const char *path, const char *needle)
{
	size_t len;
	uint8_t *buf = read_file(path, &len);
	bool found = buf && memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static int open_err(struct fx *f, char *err, size_t errlen)
{
	struct lp_store *s = NULL;
	int ret = lp_store_open(&s, f->path, err, errlen);
	if (ret == 0)
		lp_store_close(s);
	else
		assert_null(s);
	return ret;
}

/* Some data in every table, for the restart tests. */
static void fill(struct lp_store *s)
{
	struct lp_store_room r;
	lp_store_room_defaults(&r);
	snprintf(r.name, sizeof(r.name), "party");
	r.mtu = 1400;
	struct lp_store_code_new codes[] = {
		fx_code(LP_STORE_ROLE_CLIENT, "client-code-0123456789abcdef"),
		fx_code(LP_STORE_ROLE_GATEWAY, "gateway-code-0123456789abcdef"),
	};
	struct lp_store_room out;
	assert_int_equal(lp_store_room_create(s, &r, codes, 2, T0, &out, NULL), 0);
	assert_int_equal(lp_store_token_create(s, "admin", "admin-token-0123456789", 22, T0, NULL),
			 0);
	struct lp_store_ban b = { .room_id = out.id, .has_mac = true, .mac = fx_mac(9) };
	assert_int_equal(lp_store_ban_add(s, &b, T0, NULL), 0);
	struct lp_store_session se = { .room_id = out.id,
				       .member_id = 1,
				       .role = LP_STORE_ROLE_CLIENT,
				       .has_mac = true,
				       .mac = fx_mac(1),
				       .addr = "192.0.2.1",
				       .joined_at = T0 };
	int64_t sid;
	assert_int_equal(lp_store_session_start(s, &se, &sid), 0);
	struct lp_store_counter c[] = { { "up_unicast_frames", 42 } };
	struct lp_store_room_counters rc = { out.id, c, 1 };
	struct lp_store_sample smp = {
		.room_id = out.id, .minute = T0 - T0 % 60, .members = 1, .up_bytes = 1000
	};
	struct lp_store_session_update u = { .id = sid, .traffic = { .up_frames = 7 } };
	struct lp_store_flush_batch fb = { .now = T0,
					   .rooms = &rc,
					   .nrooms = 1,
					   .samples = &smp,
					   .nsamples = 1,
					   .sessions = &u,
					   .nsessions = 1 };
	assert_int_equal(lp_store_flush(s, &fb), 0);
}

static void check_filled(struct lp_store *s)
{
	struct lp_store_room r;
	assert_int_equal(lp_store_room_find(s, "party", &r), 0);
	assert_int_equal(r.mtu, 1400);
	struct lp_store_code c;
	assert_int_equal(lp_store_code_lookup(s, "gateway-code-0123456789abcdef", 29, T0, &c), 0);
	assert_int_equal(c.role, LP_STORE_ROLE_GATEWAY);
	assert_int_equal(c.room_id, r.id);
	int64_t tid, ban;
	assert_int_equal(lp_store_token_verify(s, "admin-token-0123456789", 22, T0, &tid), 0);
	struct lp_mac m = fx_mac(9);
	assert_int_equal(lp_store_ban_check(s, r.id, &m, NULL, T0, &ban), 0);
	assert_true(ban > 0);
	struct lp_store_session se;
	size_t n;
	assert_int_equal(lp_store_session_list(s, r.id, 0, &se, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(se.traffic.up_frames, 7);
	struct lp_store_counter_value cv;
	assert_int_equal(lp_store_counter_list(s, r.id, "", &cv, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cv.value, 42);
	struct lp_store_sample smp;
	assert_int_equal(lp_store_history(s, r.id, 0, INT64_MAX, &smp, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(smp.up_bytes, 1000);
}

/* ---------------------------------------------------------------- open */

static void test_open_new(void **state)
{
	struct fx *f = *state;
	lp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), LP_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "PRAGMA application_id"), LP_STORE_APP_ID);
	/* WAL is persistent: a plain connection sees it too. */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
					  "AND name IN ('rooms', 'codes', 'admin_tokens', 'bans', "
					  "'sessions', 'counters', 'samples')"),
			 7);
	/* Opening again applies nothing and keeps the version. */
	fx_open(f);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), LP_STORE_SCHEMA_VERSION);
}

static void test_open_invalid_args(void **state)
{
	struct fx *f = *state;
	struct lp_store *s = NULL;
	char err[128];
	assert_int_equal(lp_store_open(NULL, f->path, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_store_open(&s, NULL, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_store_open(&s, "", err, sizeof(err)), LP_ERR_INVALID);
	assert_true(err[0] != '\0');
	struct lp_store_opts o = { .busy_timeout_ms = -1 };
	assert_int_equal(lp_store_open_opts(&s, f->path, &o, err, sizeof(err)), LP_ERR_INVALID);
	o = (struct lp_store_opts){ .sample_retention = -5 };
	assert_int_equal(lp_store_open_opts(&s, f->path, &o, NULL, 0), LP_ERR_INVALID);
	assert_null(s);
	assert_string_equal(lp_store_errmsg(NULL), "");
}

static void test_open_missing_dir(void **state)
{
	struct fx *f = *state;
	char path[256], err[256];
	struct lp_store *s = NULL;
	snprintf(path, sizeof(path), "%s/no/such/dir/relay.db", f->dir);
	assert_int_equal(lp_store_open(&s, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "directory"));
	assert_null(s);
}

static void test_open_empty_file(void **state)
{
	struct fx *f = *state;
	char err[256];
	write_file(f->path, "", 0);
	assert_int_equal(open_err(f, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), LP_STORE_SCHEMA_VERSION);
}

static void test_open_garbage_refused(void **state)
{
	struct fx *f = *state;
	char err[512];
	uint8_t junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	write_file(f->path, junk, sizeof(junk));
	assert_int_equal(open_err(f, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "not a valid SQLite database"));
	assert_non_null(strstr(err, f->path));
	/* Never silently replaced. */
	size_t len;
	uint8_t *after = read_file(f->path, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(after, junk, sizeof(junk));
	free(after);

	write_file(f->path, "hello, world\n", 13);
	assert_int_equal(open_err(f, err, sizeof(err)), -EIO);
}

static void test_open_corrupt_page_refused(void **state)
{
	struct fx *f = *state;
	char err[512];
	fill(f->s);
	lp_store_close(f->s); /* checkpoints the WAL into the file */
	f->s = NULL;
	int64_t page = raw_int(f->path, "PRAGMA page_size");
	assert_true(page >= 512);
	/* Scramble page 2 (the first table's root), keeping the header page intact. */
	size_t len;
	uint8_t *db = read_file(f->path, &len);
	assert_true(len >= 3 * (size_t)page);
	for (int64_t i = 0; i < page; i++)
		db[page + i] = (uint8_t)(0xA5 ^ i);
	write_file(f->path, db, len);
	assert_int_equal(open_err(f, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "corrupt"));
	size_t len2;
	uint8_t *after = read_file(f->path, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(after, db, len);
	free(after);
	free(db);
}

static void test_open_foreign_refused(void **state)
{
	struct fx *f = *state;
	char err[512];
	raw_exec(f->path, "CREATE TABLE notes (body TEXT)");
	assert_int_equal(open_err(f, err, sizeof(err)), LP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err, "not a softlan"));
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);

	unlink(f->path);
	raw_exec(f->path, "PRAGMA application_id = 1234");
	assert_int_equal(open_err(f, err, sizeof(err)), LP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err, "another application"));
}

static void test_open_newer_refused(void **state)
{
	struct fx *f = *state;
	char err[512];
	lp_store_close(f->s);
	f->s = NULL;
	raw_exec(f->path, "PRAGMA user_version = 2");
	assert_int_equal(open_err(f, err, sizeof(err)), LP_ERR_VERSION);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "version 2"));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 2);
	raw_exec(f->path, "PRAGMA user_version = 1");
	assert_int_equal(open_err(f, err, sizeof(err)), 0);
}

/*
 * A file or directory the relay cannot write. Tests run as root, which file
 * modes do not stop, so the check runs in a child that drops to nobody (the
 * situation of a relay started with --user); as another user it runs here.
 * Returns the child's lp_store_open() result.
 */
static int open_as_unprivileged(const char *path, char *err, size_t errlen)
{
	int fds[2];
	if (geteuid() != 0) {
		struct lp_store *s = NULL;
		int ret = lp_store_open(&s, path, err, errlen);
		lp_store_close(s);
		return ret;
	}
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lp_store *s = NULL;
		char msg[512] = "";
		int ret = -1;
		close(fds[0]);
		if (setgid(65534) == 0 && setuid(65534) == 0)
			ret = lp_store_open(&s, path, msg, sizeof(msg));
		lp_store_close(s);
		if (write(fds[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(fds[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	int ret = 0, status;
	char msg[512];
	assert_int_equal(read(fds[0], &ret, sizeof(ret)), sizeof(ret));
	assert_int_equal(read(fds[0], msg, sizeof(msg)), sizeof(msg));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(err, errlen, "%s", msg);
	return ret;
}

static void test_open_readonly_refused(void **state)
{
	struct fx *f = *state;
	char err[512];
	fill(f->s);
	lp_store_close(f->s);
	f->s = NULL;
	/* The file is read-only (the directory is writable). */
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(chmod(f->path, 0444), 0);
	assert_int_equal(open_as_unprivileged(f->path, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "not writable"));

	/* The file is writable but the directory is not: no -wal/-shm can be made. */
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(chmod(f->dir, 0555), 0);
	assert_int_equal(open_as_unprivileged(f->path, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "directory"));
	assert_int_equal(chmod(f->dir, 0700), 0);

	/* Nothing was lost on the way. */
	fx_open(f);
	check_filled(f->s);
}

/* ---------------------------------------------------------------- restart */

static void test_reopen_keeps_everything(void **state)
{
	struct fx *f = *state;
	fill(f->s);
	fx_reopen(f);
	check_filled(f->s);
	fx_reopen(f);
	check_filled(f->s);
}

static void test_sigkill_keeps_committed(void **state)
{
	struct fx *f = *state;
	int fds[2];
	/* No connection may cross fork(): the child opens its own. */
	lp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lp_store *s = NULL;
		close(fds[0]);
		if (lp_store_open(&s, f->path, NULL, 0) != 0)
			_exit(1);
		fill(s);
		/* Tell the parent everything is committed, then wait to be killed. */
		if (write(fds[1], "k", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(fds[1]);
	char c;
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	fx_open(f);
	check_filled(f->s);
	/* The relay ends what the killed process left open. */
	size_t n;
	assert_int_equal(lp_store_session_close_open(f->s, T0 + 5, "relay_restart", &n), 0);
	assert_int_equal(n, 1);
}

/* ---------------------------------------------------------------- migrations */

static int open_schema(struct fx *f, const struct lp_store_schema *sc, char *err, size_t errlen)
{
	struct lp_store *s = NULL;
	int ret = lp_st_open_schema(&s, f->path, NULL, sc, err, errlen);
	lp_store_close(s);
	return ret;
}

static void test_migrations(void **state)
{
	struct fx *f = *state;
	char err[512];
	static const char *const steps[] = {
		"ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 7",
		"CREATE TABLE u (x INTEGER); INSERT INTO u SELECT a FROM t",
		NULL,
	};
	struct lp_store_schema v1 = { .create_sql = "CREATE TABLE t (a INTEGER)",
				      .version = 1,
				      .steps = steps,
				      .app_id = 0x54455354 };
	assert_int_equal(open_schema(f, &v1, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	raw_exec(f->path, "INSERT INTO t VALUES (5)");

	/* A step that fails rolls back every step of this open: still version 1. */
	static const char *const bad_steps[] = {
		"ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 7",
		"CREATE TABLE u (x INTEGER); INSERT INTO no_such_table VALUES (1)",
		NULL,
	};
	struct lp_store_schema bad = {
		.create_sql = "unused", .version = 3, .steps = bad_steps, .app_id = 0x54455354
	};
	assert_int_equal(open_schema(f, &bad, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "migrating from schema version 2"));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('t')"), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'u'"),
			 0);

	/* Version 1 to 3 runs both steps, in order, keeping the data. */
	struct lp_store_schema v3 = {
		.create_sql = "unused", .version = 3, .steps = steps, .app_id = 0x54455354
	};
	assert_int_equal(open_schema(f, &v3, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 3);
	assert_int_equal(raw_int(f->path, "SELECT b FROM t"), 7);
	assert_int_equal(raw_int(f->path, "SELECT x FROM u"), 5);
	/* And opening again at 3 runs nothing. */
	assert_int_equal(open_schema(f, &v3, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM u"), 1);

	/* The version-1 code now refuses this file as newer. */
	assert_int_equal(open_schema(f, &v1, err, sizeof(err)), LP_ERR_VERSION);
	/* And the real store refuses it as another application's. */
	assert_int_equal(open_err(f, err, sizeof(err)), LP_ERR_UNSUPPORTED);
}

static void test_schema_failure_leaves_empty(void **state)
{
	struct fx *f = *state;
	char err[512];
	struct lp_store_schema broken = { .create_sql = "CREATE TABLE a (x); CREATE TABLE a (y)",
					  .version = 1,
					  .app_id = 0x54455354 };
	assert_int_equal(open_schema(f, &broken, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "creating the schema"));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"), 0);
}

/* ---------------------------------------------------------------- hashing, secrets */

static void test_hash_vectors(void **state)
{
	(void)state;
	/* FIPS 180-2 examples. */
	static const uint8_t abc[LP_STORE_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const uint8_t empty[LP_STORE_HASH_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	uint8_t h[LP_STORE_HASH_LEN];
	assert_int_equal(lp_store_hash("abc", 3, h), 0);
	assert_memory_equal(h, abc, sizeof(h));
	assert_int_equal(lp_store_hash(NULL, 0, h), 0);
	assert_memory_equal(h, empty, sizeof(h));
	assert_int_equal(lp_store_hash(NULL, 3, h), LP_ERR_INVALID);
}

static void test_secrets_not_stored(void **state)
{
	struct fx *f = *state;
	char wal[160];
	fill(f->s);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	/* Before and after the checkpoint at close: never in the file nor the WAL. */
	for (int round = 0; round < 2; round++) {
		assert_false(file_contains(f->path, "client-code-0123456789abcdef"));
		assert_false(file_contains(wal, "client-code-0123456789abcdef"));
		assert_false(file_contains(f->path, "admin-token-0123456789"));
		assert_false(file_contains(wal, "admin-token-0123456789"));
		lp_store_close(f->s);
		f->s = NULL;
	}
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM codes WHERE prefix = 'client-c'"),
			 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM admin_tokens "
					  "WHERE prefix = 'admin-to' AND length(hash) = 32"),
			 1);
}

static void test_busy(void **state)
{
	struct fx *f = *state;
	struct lp_store_opts o = { .busy_timeout_ms = 20 };
	char err[256];
	lp_store_close(f->s);
	f->s = NULL;
	assert_int_equal(lp_store_open_opts(&f->s, f->path, &o, err, sizeof(err)), 0);
	/* Another process (here: connection) holds the write lock: a clear -EBUSY, not a hang. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	struct lp_store_room r;
	lp_store_room_defaults(&r);
	snprintf(r.name, sizeof(r.name), "busy");
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL), -EBUSY);
	assert_non_null(strstr(lp_store_errmsg(f->s), "locked"));
	struct lp_store_flush_batch b = { .now = T0 };
	assert_int_equal(lp_store_flush(f->s, &b), -EBUSY);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, NULL, NULL), 0);
	assert_int_equal(lp_store_flush(f->s, &b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_new, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_invalid_args, fx_setup_empty,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_dir, fx_setup_empty, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_empty_file, fx_setup_empty, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_garbage_refused, fx_setup_empty,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_corrupt_page_refused, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign_refused, fx_setup_empty,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_readonly_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_sigkill_keeps_committed, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_migrations, fx_setup_empty, fx_teardown),
		cmocka_unit_test_setup_teardown(test_schema_failure_leaves_empty, fx_setup_empty,
						fx_teardown),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test_setup_teardown(test_secrets_not_stored, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_busy, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
