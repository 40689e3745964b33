/*
 * relayproc.h: the real lanparty-relay as a child process for integration
 * tests: a temporary data dir, free loopback ports, a known admin token,
 * start and wait until /healthz answers, stop, and admin API calls through
 * libcurl with JSON (jansson) in and out.
 *
 * The binary is $LP_BIN_DIR/lanparty-relay (default build/asan/bin). The
 * child dies with the test process (PR_SET_PDEATHSIG), and an atexit handler
 * kills every relay still running and removes its temporary directory, so a
 * failed assertion never leaves a relay or files behind.
 *
 * Single-threaded, like the tests that use it.
 */
#ifndef LP_TEST_RELAYPROC_H
#define LP_TEST_RELAYPROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "invite.h"

#define RELAYPROC_TOKEN_LEN 40
/* Longest extra argument list relayproc_start() takes. */
#define RELAYPROC_MAX_EXTRA 16

struct relayproc {
	pid_t pid;		 /* 0 when not running */
	char dir[PATH_MAX];	 /* temporary directory: data/, relay.log, admin-token */
	char data_dir[PATH_MAX]; /* --data-dir */
	char log_path[PATH_MAX]; /* the relay's stdout and stderr */
	char token_path[PATH_MAX];
	char token[RELAYPROC_TOKEN_LEN + 1]; /* the admin token it accepts */
	char bin[PATH_MAX];
	uint16_t quic_port; /* UDP, 127.0.0.1 */
	uint16_t api_port;  /* TCP, plain http on 127.0.0.1 */
	char api_base[64];  /* "http://127.0.0.1:PORT" */
	int exit_status;    /* after relayproc_stop: exit code, or 128 + signal */
};

/* A room made with relayproc_room_create(). */
struct relayproc_room {
	int64_t id;
	struct lp_invite client;
	struct lp_invite gateway;
	char client_text[LP_INVITE_STRLEN];
	char gateway_text[LP_INVITE_STRLEN];
};

/*
 * relayproc_start: make a temporary directory, pick free ports, write an
 * admin token file, start the relay with
 *   --data-dir --listen 127.0.0.1:Q --api-listen http://127.0.0.1:A
 *   --admin-token-file --public-host 127.0.0.1 --retry never --log-level debug
 * plus extra (NULL-terminated, may be NULL; later flags win where the relay
 * allows repeats), and wait up to timeout_ms for GET /healthz to answer 200.
 * Retries with other ports when the relay exits at once (a port taken in
 * between). On failure the log's tail goes to stderr and nothing is left
 * running.
 * Returns 0, -errno, LP_ERR_NOT_FOUND (no binary), LP_ERR_STATE (the relay
 * exited; rp->exit_status says how) or LP_ERR_AGAIN (not ready in time).
 */
int relayproc_start(struct relayproc *rp, const char *const *extra, int timeout_ms);

/* relayproc_alive: true while the child runs (reaps it, setting exit_status, once it has exited). */
bool relayproc_alive(struct relayproc *rp);
/*
 * relayproc_restart: start the relay again on the same data dir and ports
 * (after relayproc_stop or relayproc_kill) and wait for /healthz.
 * Returns 0 or a negative code (the log is dumped).
 */
int relayproc_restart(struct relayproc *rp, const char *const *extra, int timeout_ms);
/* relayproc_kill: SIGKILL the relay and reap it, as a crash would end it. */
void relayproc_kill(struct relayproc *rp);

/*
 * relayproc_stop: SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the
 * exit status (exit code, or 128 + signal number; also in rp->exit_status),
 * or -1 when it was not running.
 */
int relayproc_stop(struct relayproc *rp, int timeout_ms);

/*
 * relayproc_wait: wait up to timeout_ms for the relay to exit by itself
 * (after a signal the test sent), then SIGKILL. Returns as relayproc_stop.
 */
int relayproc_wait(struct relayproc *rp, int timeout_ms);

/* relayproc_cleanup: kill the relay if it runs and remove its directory. */
void relayproc_cleanup(struct relayproc *rp);

/* relayproc_dump_log: copy the last max_lines lines of the relay's log to stderr. */
void relayproc_dump_log(const struct relayproc *rp, size_t max_lines);

/*
 * relayproc_log_contains: true when the relay's log holds needle (for
 * sanitizer reports and the like).
 */
bool relayproc_log_contains(const struct relayproc *rp, const char *needle);

/*
 * relayproc_api: one admin API request with the admin token.
 * method: "GET", "POST", "PATCH", "DELETE". path: from "/api/...".
 * body: JSON text or NULL. out: receives the parsed JSON answer (NULL when
 * the body is empty or not JSON; the caller json_decref()s it); may be NULL.
 * Returns the HTTP status, or -1 when no answer came (timeout 10 s).
 */
long relayproc_api(struct relayproc *rp, const char *method, const char *path, const char *body,
		   json_t **out);

/*
 * relayproc_apif: relayproc_api with a printf-style path (at most 255 characters).
 */
long relayproc_apif(struct relayproc *rp, const char *method, const char *body, json_t **out,
		    const char *pathfmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * relayproc_room_create: POST /api/v1/rooms with body (JSON text), then
 * parse the id and both invites into out.
 * Returns 0, or -1 with a message on stderr (status other than 201,
 * missing fields, an invite that does not parse).
 */
int relayproc_room_create(struct relayproc *rp, const char *body, struct relayproc_room *out);

/*
 * relayproc_json_int: the integer at a dotted path in root, e.g.
 * "traffic.up.unicast.frames"; -1 when absent or not an integer.
 */
int64_t relayproc_json_int(const json_t *root, const char *path);

/* relayproc_json_get: the value at a dotted path, or NULL. Borrowed from root. */
const json_t *relayproc_json_get(const json_t *root, const char *path);

#endif
