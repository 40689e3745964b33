/*
 * agent.h: the agent core shared by lanparty-client and lanparty-gateway
 * (and, later, the Windows client): it fetches the room config from the
 * relay's API, keeps one QUIC connection to the relay (hello, welcome or
 * reject, control messages, reconnects with backoff and the resume secret),
 * and moves Ethernet frames between the relay and a device that the binary
 * provides (a TAP device, an AF_PACKET socket).
 *
 * The core runs on the caller's event loop (shared/loop.h) and makes no
 * device calls itself: the device side is a table of callbacks. Sockets go
 * through client/net.h, one file per OS. It leaves the loop's before-sleep
 * hook alone (the device may use it; several agents may share a loop).
 */
#ifndef LP_AGENT_H
#define LP_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "ctrl.h"
#include "invite.h"
#include "loop.h"
#include "mac.h"

#define LP_AGENT_PATH_MAX 512

/* The room config from GET /api/v1/join. */
struct lp_join_config {
	int64_t room_id;
	char room_name[LP_CTRL_NAME_MAX + 1];
	enum lp_ctrl_role role;
	uint32_t mtu;
	uint32_t max_clients;
	char quic_host[256];
	uint16_t quic_port;
	char server_name[256];
};

struct lp_agent_cfg {
	struct lp_invite invite; /* relay host, QUIC port, API port, role, code, optional pin */
	bool has_mac;		 /* clients: their MAC (hello.mac) */
	struct lp_mac mac;
	char name[LP_CTRL_NAME_MAX + 1];     /* display name (hostname), may be empty */
	char agent[LP_CTRL_AGENT_MAX + 1];   /* "lanparty-client/0.1.0 linux" */
	char status_path[LP_AGENT_PATH_MAX]; /* status file to keep current; "" = none */
	bool clamp_mss;		      /* clamp TCP MSS of SYNs both ways to avoid fragments */
	uint64_t backoff_min_ns;      /* 0: 500 ms */
	uint64_t backoff_max_ns;      /* 0: 30 s */
	uint64_t summary_interval_ns; /* traffic summary log line; 0: 60 s */
	/*
	 * The room config, when the binary fetched it already (it needs the
	 * MTU before it makes its device): lp_agent_start() then uses it
	 * instead of fetching it again. Without it lp_agent_start() fetches.
	 */
	bool has_join;
	struct lp_join_config join;
	uint64_t idle_timeout_ns; /* QUIC idle timeout; 0: 30 s (keep-alive every third) */
	/*
	 * A resume secret from an earlier run (welcome.resume, seen in
	 * on_welcome), presented in the first hello: a restarted agent then
	 * takes over its old session at once instead of meeting mac_in_use or
	 * gateway_present until the relay drops it. A secret: keep it like the
	 * room code (mode 0600). "" = none.
	 */
	char resume[LP_CTRL_RESUME_MAX + 1];
};

/*
 * What the device side does for the core. Any callback may be NULL. They
 * run on the loop, from inside the core's QUIC processing: they may call
 * lp_agent_send_frame() and lp_agent_stop() (acted on once the core's call
 * returns), but must not call lp_agent_del().
 */
struct lp_agent_device {
	void *ctx;
	/* A frame from the relay, to put on the LAN or the TAP (valid during
	 * the call). Return 0, or a negative code when it was dropped:
	 * LP_ERR_LIMIT or -EAGAIN count as queue_full, anything else as
	 * send_failed. */
	int (*write_frame)(void *ctx, const uint8_t *frame, size_t len);
	/* End of a batch of write_frame calls (once per batch of datagrams
	 * read from the socket): flush batched writes. */
	void (*flush)(void *ctx);
	/* Admitted (also after each reconnect): the room, its MTU, every
	 * member (this one included, with w->member_id; others' MACs are the
	 * remote ones). w and its members are valid during the call. */
	void (*on_welcome)(void *ctx, const struct lp_ctrl_welcome *w);
	void (*on_peer_joined)(void *ctx, const struct lp_ctrl_member *m);
	void (*on_peer_left)(void *ctx, uint32_t member_id);
	/* The connection to the relay is gone (after a welcome); the core
	 * retries by itself unless the reason is final. Not called by
	 * lp_agent_stop(). */
	void (*on_disconnected)(void *ctx);
};

enum lp_agent_state {
	LP_AGENT_CONNECTING = 0, /* handshake and hello under way */
	LP_AGENT_CONNECTED,	 /* welcomed: frames flow */
	LP_AGENT_RETRYING,	 /* waiting for the next attempt (backoff) */
	LP_AGENT_STOPPED,	 /* stopped: by a signal, or a reject retrying cannot fix */
};

/* What `lanparty-client status` shows; also written to the status file. */
struct lp_agent_status {
	enum lp_agent_state state;
	char why[LP_CTRL_MESSAGE_MAX + 1]; /* last error or reject, in words */
	char relay[300];		   /* host:port */
	char room_name[LP_CTRL_NAME_MAX + 1];
	int64_t room_id;
	enum lp_ctrl_role role;
	uint32_t member_id;
	uint32_t members;
	uint32_t mtu;
	uint64_t rtt_us;
	int64_t connected_since; /* unix seconds, 0 when not connected */
	uint32_t reconnects;
	uint64_t next_retry_ms; /* when RETRYING: unix time in ms of the next attempt */
	struct lp_counters ctr; /* up = agent to relay */
	int64_t updated_at;	/* unix seconds */
	int pid;
	/* What the relay last said about this member (stats message); "up" = to the relay. */
	uint64_t relay_up_frames, relay_up_bytes;
	uint64_t relay_down_frames, relay_down_bytes;
	uint64_t relay_drops; /* frames of ours the relay dropped, all reasons */
};

/* Exit codes of the agents (lp_agent_exit_code(), and 2 for bad flags). */
#define LP_AGENT_EXIT_OK    0
#define LP_AGENT_EXIT_ERROR 1 /* a fatal error of this machine (device, memory) */
#define LP_AGENT_EXIT_USAGE 2 /* bad flags or invite */
#define LP_AGENT_EXIT_FINAL 3 /* refused for good: code, role, ban, kick, room gone */

/* Defaults of the intervals above, and the status file's refresh. */
#define LP_AGENT_BACKOFF_MIN_NS	  (500ull * 1000000ull)
#define LP_AGENT_BACKOFF_MAX_NS	  (30ull * 1000000000ull)
#define LP_AGENT_SUMMARY_NS	  (60ull * 1000000000ull)
#define LP_AGENT_STATUS_PERIOD_NS (2ull * 1000000000ull)
#define LP_AGENT_FETCH_TIMEOUT_MS 10000
/* lp_agent_stop() waits this long at most for the relay to acknowledge "leaving". */
#define LP_AGENT_STOP_GRACE_NS (1000ull * 1000000ull)
/* An attempt that gets no welcome or reject in this time is given up. */
#define LP_AGENT_ANSWER_TIMEOUT_NS (15ull * 1000000000ull)
/* A connection that lasted this long resets the backoff to its first step. */
#define LP_AGENT_STABLE_NS (30ull * 1000000000ull)

struct lp_agent;

/*
 * lp_agent_fetch_config: GET https://HOST:API_PORT/api/v1/join with the room
 * code as bearer token, the relay's certificate checked against the pin (or
 * the system trust store when the invite has none). Blocking, with a
 * timeout of timeout_ms. err receives a sentence for the user.
 * Returns 0; LP_ERR_NOT_FOUND (unknown code: retrying cannot fix),
 * LP_ERR_STATE (room closed or code revoked, or the code is for the other
 * role than inv->role: cannot fix), LP_ERR_LIMIT (rate limited), LP_ERR_AGAIN
 * (unreachable, timeout, TLS or pin failure, a server error: may be
 * retried), LP_ERR_INVALID (a malformed answer), LP_ERR_NOMEM.
 */
int lp_agent_fetch_config(const struct lp_invite *inv, int timeout_ms, struct lp_join_config *out,
			  char *err, size_t errlen);

/*
 * lp_agent_new: an agent on loop for cfg (copied) and dev (copied; NULL:
 * no device). Makes the TLS credentials (the invite's pin, or the system
 * trust store) and the buffers; no I/O yet.
 * Returns 0; LP_ERR_INVALID (no loop or cfg, a role other than client or
 * gateway, an empty host or zero port, a client without a valid unicast
 * MAC, a name or agent string the relay would refuse, a join config
 * without host, port or a valid MTU); LP_ERR_NOMEM; LP_ERR_NOT_FOUND (no
 * pin and no system trust store).
 */
int lp_agent_new(struct lp_agent **out, struct lp_loop *loop, const struct lp_agent_cfg *cfg,
		 const struct lp_agent_device *dev);

/*
 * lp_agent_del: close everything and free. A connection still open is
 * closed (leaving) without waiting: call lp_agent_stop() and run the loop
 * first for a clean exit. NULL-safe. Not from a device callback.
 */
void lp_agent_del(struct lp_agent *a);

/*
 * lp_agent_start: begin: fetch the room config unless cfg.has_join (this
 * blocks, at most LP_AGENT_FETCH_TIMEOUT_MS), then connect, and keep
 * reconnecting with backoff. A final refusal (unknown code, wrong role,
 * room closed) stops the agent at once (state STOPPED, exit code 3, the
 * loop asked to stop, so lp_loop_run() returns at once); a failure that may
 * pass (relay unreachable) is retried like a lost connection.
 * Returns 0, or LP_ERR_STATE when already started.
 */
int lp_agent_start(struct lp_agent *a);

/*
 * lp_agent_stop: leave the room: send disconnect "leaving", wait until the
 * relay has it (at most LP_AGENT_STOP_GRACE_NS; a second call does not
 * wait), close the connection with 0x200 + leaving, then set state STOPPED,
 * exit code 0, and stop the loop. Without a connection it does all of it
 * at once. For SIGINT and SIGTERM, and for a binary that must exit.
 */
void lp_agent_stop(struct lp_agent *a);

/*
 * lp_agent_reconnect: drop the connection at once, without a word to the
 * relay, and connect again now presenting the resume secret, so the relay
 * hands this member (same member id) over to the new connection: for a
 * network change, when the old path is gone anyway. on_disconnected runs.
 * No-op unless connected.
 */
void lp_agent_reconnect(struct lp_agent *a);

/*
 * lp_agent_send_frame: one Ethernet frame from the device to the relay:
 * one FRAME datagram, or fragments when it is larger than the path's
 * datagram budget. frame is writable so the core can clamp the TCP MSS in
 * place (cfg.clamp_mss); it is copied, so it may be reused at once.
 * Returns 0, or a negative code when it was dropped and counted:
 * LP_ERR_STATE (not connected: not_admitted), LP_ERR_INVALID (shorter than
 * 14 bytes: malformed), LP_ERR_TOO_BIG (larger than the room MTU allows:
 * oversize), LP_ERR_LIMIT (the send queue is full: queue_full), or the
 * QUIC layer's error (send_failed).
 */
int lp_agent_send_frame(struct lp_agent *a, uint8_t *frame, size_t len);

/*
 * lp_agent_flush: hand what lp_agent_send_frame() queued to the socket now.
 * Optional: the core also flushes once per loop iteration, after the
 * device's callbacks, so a batch read from the device leaves in few packets.
 */
void lp_agent_flush(struct lp_agent *a);

/* lp_agent_get_status: a snapshot of the agent's state. */
void lp_agent_get_status(const struct lp_agent *a, struct lp_agent_status *out);

/* lp_agent_join: the room config in use, or NULL before it was fetched. Owned by a. */
const struct lp_join_config *lp_agent_join(const struct lp_agent *a);

/* lp_agent_state: the current state (cheaper than lp_agent_get_status). */
enum lp_agent_state lp_agent_state(const struct lp_agent *a);

/*
 * lp_agent_exit_code: after the loop ends: LP_AGENT_EXIT_OK (0) after
 * lp_agent_stop; LP_AGENT_EXIT_FINAL (3) when a refusal retrying cannot
 * fix ended the agent (lp_agent_reject_is_final(),
 * lp_agent_disconnect_is_final(), or the config fetch: unknown code, room
 * closed, wrong role); LP_AGENT_EXIT_ERROR (1) while neither happened.
 */
int lp_agent_exit_code(const struct lp_agent *a);

/* ---------------------------------------------------------------- pure helpers */

/*
 * lp_agent_backoff: the delay before attempt n (0-based) with jitter:
 * min * 2^n capped at max, then a random point in [d/2, d]; rnd is a
 * uniform random 32-bit value (tests pass their own).
 */
uint64_t lp_agent_backoff(unsigned n, uint64_t min_ns, uint64_t max_ns, uint32_t rnd);

/*
 * lp_agent_reject_text: the words a player reads for a reject, e.g.
 * "room lan is full: 16 of 16 players". Returns out.
 */
char *lp_agent_reject_text(const struct lp_ctrl_reject *rej, const char *room, char *out,
			   size_t len);

/*
 * lp_agent_reject_is_final: true when retrying cannot help: bad_code,
 * wrong_role, room_disabled, room_expired, banned, unsupported_version,
 * malformed_hello. The others (room_full, gateway_present, mac_in_use,
 * rate_limited, internal_error, unknown) are retried with backoff.
 */
bool lp_agent_reject_is_final(enum lp_reject_reason r);

/*
 * lp_agent_disconnect_text: the words a player reads when the relay ends the
 * session for reason r, e.g. "the organiser removed you from room lan".
 * message: the relay's own words (may be NULL or empty); room: may be NULL.
 * Returns out.
 */
char *lp_agent_disconnect_text(enum lp_disconnect_reason r, const char *message, const char *room,
			       char *out, size_t len);

/*
 * lp_agent_disconnect_is_final: true when the agent must not come back:
 * kicked, banned, room_deleted, room_disabled, code_revoked, replaced
 * (another agent holds this member's resume secret: two of them would take
 * turns for ever). shutdown, idle, protocol_error, leaving, unknown: reconnect.
 */
bool lp_agent_disconnect_is_final(enum lp_disconnect_reason r);

/* lp_agent_state_name: "connecting", "connected", "retrying", "stopped"; "?" otherwise. */
const char *lp_agent_state_name(enum lp_agent_state s);

/*
 * Status file (agent_status.c; docs/.parts/agent.md has the format).
 * lp_agent_status_write: write s as one line of JSON, atomically (a
 *   temporary file and a rename; missing directories are made, mode 0644,
 *   the directory must be the user's or root's). Returns 0, LP_ERR_INVALID
 *   (a string that is not UTF-8), LP_ERR_NOMEM, LP_ERR_TOO_BIG or -errno.
 * lp_agent_status_read: read one back into out (zeroed on error; unknown
 *   drop names are skipped, missing fields read as 0). Returns 0, -ENOENT
 *   (no file), other -errno, LP_ERR_TOO_BIG, LP_ERR_INVALID (not a status
 *   file of this version), LP_ERR_NOMEM.
 * lp_agent_status_format: render s for a person, a few "key value" lines
 *   (state and why, room, members, relay and RTT, traffic, drops, pid);
 *   now: unix seconds, for "connected for", "retrying in" and "updated
 *   ago". Returns 0, or LP_ERR_NOBUF when len was too small (out then
 *   holds what fitted).
 */
int lp_agent_status_write(const char *path, const struct lp_agent_status *s);
int lp_agent_status_read(const char *path, struct lp_agent_status *out);
int lp_agent_status_format(const struct lp_agent_status *s, int64_t now, char *out, size_t len);

#endif
