/*
 * Integration test of lanparty-loadgen (tests/bench/): the real binary
 * ($LP_BIN_DIR, default build/asan/bin) against the real relay on loopback,
 * with a small K, and its JSON report checked against what happened:
 * members held, frames forwarded, the relay's memory read, its rooms
 * created and deleted through the API; a full room's rejects counted; bad
 * flags refused. A few seconds in all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "relayproc.h"

#define START_MS 20000
#define RUN_MS	 30000 /* the generator's whole run, set-up to report */
#define OUT_MAX	 (256 * 1024)

static struct relayproc relay;
static bool test_ok;

struct run {
	int status; /* exit code, or 128 + signal */
	char out[OUT_MAX];
	char err[OUT_MAX];
	json_t *report; /* stdout parsed, or NULL */
};

static const char *loadgen_bin(void)
{
	static char path[PATH_MAX];
	const char *dir = getenv("LP_BIN_DIR");

	snprintf(path, sizeof(path), "%s/lanparty-loadgen", dir ? dir : "build/asan/bin");
	return path;
}

static void drain_fd(int fd, char *buf, size_t *len, bool *open)
{
	ssize_t n = read(fd, buf + *len, OUT_MAX - 1 - *len);

	if (n > 0)
		*len += (size_t)n;
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		*open = false;
	buf[*len] = '\0';
}

/* Run the generator with args (NULL-terminated), collecting stdout and stderr. */
static void run_loadgen(struct run *r, const char *const *args)
{
	const char *argv[48];
	int out[2], err[2];
	size_t n = 0, olen = 0, elen = 0;
	bool oopen = true, eopen = true;

	argv[n++] = loadgen_bin();
	for (size_t i = 0; args[i] && n < 47; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (oopen || eopen) {
		struct pollfd p[2] = { { oopen ? out[0] : -1, POLLIN, 0 },
				       { eopen ? err[0] : -1, POLLIN, 0 } };
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms > RUN_MS) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents)
			drain_fd(out[0], r->out, &olen, &oopen);
		if (p[1].revents)
			drain_fd(err[0], r->err, &elen, &eopen);
	}
	close(out[0]);
	close(err[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->report = json_loads(r->out, 0, NULL);
	/* Exit 2 (bad flags) is what some tests want; anything else unexpected is shown. */
	if (r->status != 2 && (r->status != 0 || !r->report))
		fprintf(stderr, "loadgen exit %d\n--- stdout\n%s\n--- stderr\n%s\n", r->status,
			r->out, r->err);
}

static void run_free(struct run *r)
{
	json_decref(r->report);
	r->report = NULL;
}

static int64_t field(const struct run *r, const char *path)
{
	int64_t v = relayproc_json_int(r->report, path);

	if (v < 0)
		fprintf(stderr, "report field %s: %lld\n%s\n", path, (long long)v, r->out);
	return v;
}

/* ------------------------------------------------------------ tests */

/* Rooms through the API, K = 20 in 2 rooms, 1 s of traffic. */
static void test_api_rooms(void **state)
{
	(void)state;
	static struct run r;
	char pid[16];
	json_t *rooms = NULL;

	snprintf(pid, sizeof(pid), "%d", (int)relay.pid);
	const char *args[] = { "--api",	    relay.api_base, "--token",	   relay.token,
			       "--members", "20",	    "--rooms",	   "2",
			       "--rate",    "2000",	    "--duration",  "1",
			       "--settle",  "0.3",	    "--relay-pid", pid,
			       "--json",    "--quiet",	    NULL };
	run_loadgen(&r, args);
	assert_int_equal(r.status, 0);
	assert_non_null(r.report);
	assert_int_equal(field(&r, "config.members"), 20);
	assert_int_equal(field(&r, "config.rooms"), 2);
	assert_int_equal(field(&r, "handshakes.welcomed"), 20);
	assert_int_equal(field(&r, "handshakes.failed"), 0);
	assert_int_equal(field(&r, "members.held_after_join"), 20);
	assert_int_equal(field(&r, "members.held_end"), 20);
	assert_int_equal(field(&r, "members.lost"), 0);
	/* The relay's own count, read through its API. */
	assert_int_equal(field(&r, "members.relay_online_end"), 20);
	/* Each member of a room of 10 hears of the members after it: 2 x (9 + ... + 0). */
	assert_int_equal(field(&r, "control.peer_joined"), 90);
	assert_int_equal(field(&r, "control.errors"), 0);
	int64_t sent = field(&r, "frames.sent"), recv = field(&r, "frames.received");
	assert_true(sent > 1000);
	assert_true(recv > 0);
	assert_true(recv <= field(&r, "frames.expected"));
	assert_int_equal(field(&r, "frames.misdelivered"), 0);
	assert_int_equal(field(&r, "frames.bad"), 0);
	/* The relay's memory was read from /proc, before and after the joins. */
	assert_true(field(&r, "relay.rss_kb_before") > 0);
	assert_true(field(&r, "relay.rss_kb_joined") > 0);
	assert_true(json_is_real(relayproc_json_get(r.report, "relay.kb_per_member_joined")));
	/* The text summary went to stderr. */
	assert_non_null(strstr(r.err, "held 20 of 20"));
	run_free(&r);

	/* Its rooms are gone afterwards. */
	assert_int_equal(relayproc_api(&relay, "GET", "/api/v1/rooms", NULL, &rooms), 200);
	assert_int_equal(json_array_size(json_object_get(rooms, "rooms")), 0);
	json_decref(rooms);
	test_ok = true;
}

/* Both invites of an existing room of 4 players: 6 members = gateway + 4 clients + 1 refused. */
static void test_invites_room_full(void **state)
{
	(void)state;
	static struct run r;
	struct relayproc_room room;

	assert_int_equal(
		relayproc_room_create(&relay, "{\"name\":\"full\",\"max_clients\":4}", &room), 0);
	char both[2 * LP_INVITE_STRLEN + 2];

	snprintf(both, sizeof(both), "%s,%s", room.client_text, room.gateway_text);
	const char *args[] = { "--invite", both,	 "--members", "6",	  "--rate",
			       "500",	   "--duration", "0.5",	      "--settle", "0.2",
			       "--json",   "--quiet",	 NULL };
	run_loadgen(&r, args);
	assert_int_equal(r.status, 0);
	assert_non_null(r.report);
	assert_int_equal(field(&r, "handshakes.welcomed"), 5);
	assert_int_equal(field(&r, "handshakes.failed"), 1);
	assert_int_equal(field(&r, "handshakes.rejects.room_full"), 1);
	assert_int_equal(field(&r, "members.held_end"), 5);
	assert_true(field(&r, "frames.received") > 0);
	assert_true(field(&r, "frames.received") <= field(&r, "frames.expected"));
	assert_int_equal(field(&r, "frames.misdelivered"), 0);
	/* No --relay-pid, no API: those fields are null, not made up. */
	assert_true(json_is_null(relayproc_json_get(r.report, "relay.rss_kb_joined")));
	assert_true(json_is_null(relayproc_json_get(r.report, "members.relay_online_end")));
	run_free(&r);
	assert_int_equal(relayproc_apif(&relay, "DELETE", NULL, NULL, "/api/v1/rooms/%lld",
					(long long)room.id),
			 204);
	test_ok = true;
}

static void test_bad_flags(void **state)
{
	(void)state;
	static struct run r;
	const char *size[] = { "--api", "http://127.0.0.1:1", "--token", "t", "--frame-size", "20",
			       NULL };
	const char *none[] = { "--members", "5", NULL };
	const char *full[] = {
		"--api", "http://127.0.0.1:1", "--token", "t", "--members", "600", "--rooms", "2",
		NULL
	};

	run_loadgen(&r, size);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--frame-size"));
	run_loadgen(&r, none);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--api"));
	/* 300 clients a room is over the relay's limit of 255: said before anything starts. */
	run_loadgen(&r, full);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--rooms 3"));
	test_ok = true;
}

static int group_setup(void **state)
{
	(void)state;
	if (access(loadgen_bin(), X_OK) != 0) {
		fprintf(stderr, "%s: not built (make loadgen)\n", loadgen_bin());
		return -1;
	}
	return relayproc_start(&relay, NULL, START_MS) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	relayproc_cleanup(&relay);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	test_ok = false;
	return relayproc_alive(&relay) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (!test_ok)
		relayproc_dump_log(&relay, 40);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_rooms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invites_room_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_flags, setup, teardown),
	};
	return cmocka_run_group_tests_name("loadgen", tests, group_setup, group_teardown);
}
