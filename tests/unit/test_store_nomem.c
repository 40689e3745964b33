/*
 * Allocation-failure tests for relay/store*.c: SQLite's allocator fails its
 * Nth call, for N = 1, 2, ... until a run no longer reaches N. Every call
 * must then fail cleanly or succeed, never crash or leak (ASan), never leave
 * a transaction open, and never leave half a change behind: a failed open
 * leaves a database that opens fine later, a failed room creation leaves
 * neither the room nor its codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store_fixture.h"
#include "store_int.h"

#define MAX_N 20000

/*
 * Every allocation point up to DENSE, then every STRIDE-th, to keep the run
 * short; LP_TORTURE_FULL=1 in the environment tests every one.
 */
#define DENSE  300
#define STRIDE 11

static long next_n(long n)
{
	static int full = -1;
	if (full < 0)
		full = getenv("LP_TORTURE_FULL") != NULL;
	return full || n < DENSE ? n + 1 : n + STRIDE;
}

static sqlite3_mem_methods real;
static long fail_at; /* 0: never fail */
static long calls;
static bool failed;

static bool fail_now(void)
{
	if (fail_at && ++calls == fail_at) {
		failed = true;
		return true;
	}
	return false;
}

static void *t_malloc(int n)
{
	return fail_now() ? NULL : real.xMalloc(n);
}

static void *t_realloc(void *p, int n)
{
	return fail_now() ? NULL : real.xRealloc(p, n);
}

static void arm(long n)
{
	calls = 0;
	failed = false;
	fail_at = n;
}

static void disarm(void)
{
	fail_at = 0;
}

static void unlink_db(const struct fx *f)
{
	char p[160];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
}

static void test_open_nomem(void **state)
{
	struct fx *f = *state;
	long n;
	size_t nfail = 0;
	for (n = 1; n < MAX_N; n = next_n(n)) {
		struct lp_store *s = NULL;
		char err[256];
		unlink_db(f);
		arm(n);
		int ret = lp_store_open(&s, f->path, err, sizeof(err));
		disarm();
		if (ret) {
			nfail++;
			assert_null(s);
			assert_true(err[0] != '\0');
		}
		lp_store_close(s);
		if (!failed)
			break;
		/* Whatever happened, the file now opens and works. */
		f->s = NULL;
		fx_open(f);
		int64_t room = fx_room(f, "after");
		assert_true(room > 0);
		lp_store_close(f->s);
		f->s = NULL;
	}
	assert_true(n < MAX_N);
	assert_true(nfail > 0);
	print_message("open: %ld allocation points reached, %zu opens failed cleanly\n", n - 1,
		      nfail);
}

/* One round of the operations the relay and the API perform, with names unique to round n. */
static int round_ops(struct lp_store *s, long n)
{
	char name[32], code_c[40], code_g[40], tok[40];
	int first = 0, ret;
	snprintf(name, sizeof(name), "room-%ld", n);
	snprintf(code_c, sizeof(code_c), "client-code-%020ld", n);
	snprintf(code_g, sizeof(code_g), "gateway-code-%020ld", n);
	snprintf(tok, sizeof(tok), "token-%020ld", n);
#define STEP(call)                                                                                 \
	do {                                                                                       \
		ret = (call);                                                                      \
		if (ret && !first)                                                                 \
			first = ret;                                                               \
	} while (0)
	struct lp_store_room r, out;
	lp_store_room_defaults(&r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	struct lp_store_code_new codes[] = { fx_code(LP_STORE_ROLE_CLIENT, code_c),
					     fx_code(LP_STORE_ROLE_GATEWAY, code_g) };
	memset(&out, 0, sizeof(out));
	STEP(lp_store_room_create(s, &r, codes, 2, T0, &out, NULL));
	struct lp_store_code c;
	if (lp_store_code_lookup(s, code_c, strlen(code_c), T0, &c) == 0)
		STEP(lp_store_code_use(s, c.id, T0));
	int64_t id;
	STEP(lp_store_token_create(s, "t", tok, strlen(tok), T0, NULL));
	STEP(lp_store_token_verify(s, tok, strlen(tok), T0, &id));
	if (out.id) {
		struct lp_store_ban b = { .room_id = out.id, .addr = "192.0.2.1" };
		STEP(lp_store_ban_add(s, &b, T0, NULL));
		STEP(lp_store_ban_check(s, out.id, NULL, "192.0.2.1", T0, &id));
		struct lp_store_session se = { .room_id = out.id,
					       .role = LP_STORE_ROLE_GATEWAY,
					       .addr = "192.0.2.1",
					       .joined_at = T0 };
		int64_t sid = 0;
		STEP(lp_store_session_start(s, &se, &sid));
		struct lp_store_counter cnt[] = { { "up_unicast_frames", 1 } };
		struct lp_store_room_counters rc = { out.id, cnt, 1 };
		struct lp_store_sample smp = { .room_id = out.id, .minute = T0 - T0 % 60 };
		struct lp_store_session_update u = { .id = sid, .left_at = T0, .reason = "x" };
		struct lp_store_flush_batch fb = { .now = T0,
						   .rooms = &rc,
						   .nrooms = 1,
						   .samples = &smp,
						   .nsamples = 1,
						   .sessions = &u,
						   .nsessions = sid ? 1 : 0 };
		STEP(lp_store_flush(s, &fb));
		struct lp_store_sample h;
		size_t k;
		STEP(lp_store_history(s, out.id, 0, INT64_MAX, &h, 1, &k));
		struct lp_store_code_new rot = fx_code(LP_STORE_ROLE_CLIENT, tok);
		STEP(lp_store_code_rotate(s, out.id, &rot, 1, T0 + 1, NULL));
		r.mtu = 1400;
		STEP(lp_store_room_update(s, out.id, &r, LP_STORE_ROOM_MTU, T0 + 1, NULL));
		STEP(lp_store_room_delete(s, out.id));
	}
#undef STEP
	return first;
}

static void test_ops_nomem(void **state)
{
	struct fx *f = *state;
	long n;
	size_t nfail = 0;
	for (n = 1; n < MAX_N; n = next_n(n)) {
		char name[32], code_c[40], code_g[40];
		/* A fresh handle each round, so compiling each statement can fail too. */
		fx_reopen(f);
		arm(n);
		int ret = round_ops(f->s, n);
		disarm();
		nfail += ret != 0;
		/* Never a transaction left open. */
		assert_int_equal(sqlite3_get_autocommit(f->s->db), 1);
		/* The room and its codes exist together or not at all (if not deleted at the end). */
		struct lp_store_room r;
		struct lp_store_code c;
		snprintf(name, sizeof(name), "room-%ld", n);
		snprintf(code_c, sizeof(code_c), "client-code-%020ld", n);
		snprintf(code_g, sizeof(code_g), "gateway-code-%020ld", n);
		int has_room = lp_store_room_find(f->s, name, &r);
		int has_c = lp_store_code_lookup(f->s, code_c, strlen(code_c), T0, &c);
		int has_g = lp_store_code_lookup(f->s, code_g, strlen(code_g), T0, &c);
		assert_true(has_room == 0 || has_room == LP_ERR_NOT_FOUND);
		assert_int_equal(has_c, has_g);
		if (has_room == 0)
			assert_int_equal(has_c, 0);
		if (!failed)
			break;
	}
	assert_true(n < MAX_N);
	assert_true(nfail > 0);
	/* And the store still works normally. */
	assert_int_equal(round_ops(f->s, MAX_N + 1), 0);
	print_message("ops: %ld allocation points reached, %zu rounds saw an error\n", n - 1,
		      nfail);
}

int main(void)
{
	static sqlite3_mem_methods torture;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real) != SQLITE_OK)
		return 1;
	torture = real;
	torture.xMalloc = t_malloc;
	torture.xRealloc = t_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &torture) != SQLITE_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_nomem, fx_setup_empty, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ops_nomem, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
