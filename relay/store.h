/*
 * store.h: the relay's SQLite store: rooms, room codes, admin tokens, bans,
 * the member session log, counters and per-minute samples.
 *
 * One struct lp_store per process, used from the relay's single event-loop
 * thread (the handle is not thread-safe). Nothing here reads a clock: every
 * time is unix seconds passed in by the caller (`now`), so tests control
 * time. Frequent statements are prepared once and cached for the life of
 * the handle. SQLite never runs on the forwarding path: counters, samples
 * and session traffic are written by lp_store_flush() from a timer, in one
 * transaction.
 *
 * Conventions for every function below:
 *  - s must be an open store; out pointers must be non-NULL unless said.
 *  - Returns 0 or a negative code: LP_ERR_* from err.h or -errno:
 *      LP_ERR_INVALID    a value out of range or malformed (nothing written)
 *      LP_ERR_NOT_FOUND  no such object (or the room it names does not exist)
 *      LP_ERR_EXISTS     a unique value is taken (room name, code, ban)
 *      LP_ERR_STATE      the object is in a state that forbids the call
 *      LP_ERR_NOMEM      SQLite ran out of memory
 *      -EBUSY            the database is locked by another process longer
 *                        than the busy timeout
 *      -ENOSPC, -EROFS, -EACCES, -EIO  disk full, read-only, permission,
 *                        I/O error or corruption found while running
 *    lp_store_errmsg() then says more (SQLite's own message).
 *  - A failed call leaves the database as it was (each write is atomic).
 *  - Strings in structs are fixed, NUL-terminated arrays; input strings
 *    must fit (else LP_ERR_INVALID). Names, reasons and agent versions must
 *    be valid UTF-8 without control characters.
 *  - Lists fill at most cap entries of out, set *n to the number filled, and
 *    take a cursor (after_id / before_id / after_name / from) so a caller
 *    pages by repeating the call from the last entry until *n < cap.
 *  - Optional times are 0 for "none" (never expires, not revoked, ...).
 */
#ifndef LP_STORE_H
#define LP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

/* PRAGMA user_version of a database this code writes. */
#define LP_STORE_SCHEMA_VERSION 1
/* PRAGMA application_id of a softlan relay database ("LPRS"). */
#define LP_STORE_APP_ID 0x4c505253

#define LP_STORE_NAME_MAX	  64  /* bytes: room, token and member names */
#define LP_STORE_REASON_MAX	  128 /* bytes: ban and session-end reasons */
#define LP_STORE_AGENT_MAX	  64  /* bytes: agent version string */
#define LP_STORE_COUNTER_NAME_MAX 48  /* bytes, [a-z0-9_] */
#define LP_STORE_ADDR_MAX	  46  /* INET6_ADDRSTRLEN: the text plus NUL */
#define LP_STORE_PREFIX_LEN	  8   /* characters of a secret kept for display */
#define LP_STORE_HASH_LEN	  32  /* SHA-256 */
#define LP_STORE_TOKEN_MIN	  16
#define LP_STORE_TOKEN_MAX	  128

#define LP_STORE_MAX_CLIENTS_MAX     1000
#define LP_STORE_MTU_MIN	     1280
#define LP_STORE_MTU_MAX	     9000
#define LP_STORE_DEFAULT_MAX_CLIENTS 16
#define LP_STORE_DEFAULT_MTU	     1500

#define LP_STORE_DEFAULT_SAMPLE_RETENTION  (7 * 86400)	/* seconds */
#define LP_STORE_DEFAULT_SESSION_RETENTION (90 * 86400) /* seconds after leaving */
#define LP_STORE_DEFAULT_BUSY_MS	   2000
/* A token's last_used_at is rewritten only when older than this (seconds). */
#define LP_STORE_TOKEN_TOUCH_SECS 60

struct lp_store;

enum lp_store_role {
	LP_STORE_ROLE_CLIENT = 0,
	LP_STORE_ROLE_GATEWAY = 1,
};

/* "client" or "gateway"; "?" for any other value. */
const char *lp_store_role_name(enum lp_store_role role);

/* ---------------------------------------------------------------- open */

struct lp_store_opts {
	int busy_timeout_ms;	   /* 0: LP_STORE_DEFAULT_BUSY_MS */
	int64_t sample_retention;  /* seconds, 0: LP_STORE_DEFAULT_SAMPLE_RETENTION */
	int64_t session_retention; /* seconds, 0: LP_STORE_DEFAULT_SESSION_RETENTION */
};

/*
 * lp_store_open: open (creating if missing) the database at path with default
 * options. Same as lp_store_open_opts(out, path, NULL, err, errlen).
 */
int lp_store_open(struct lp_store **out, const char *path, char *err, size_t errlen);

/*
 * lp_store_open_opts: open the database at path and make it ready:
 *  - a missing or empty file gets schema.sql (embedded in the binary), the
 *    schema version and the application id;
 *  - an older schema version is migrated forward, all steps in one
 *    transaction (on failure the file stays at its old version);
 *  - WAL mode, synchronous=NORMAL, foreign keys on, busy timeout set;
 *  - PRAGMA quick_check must pass.
 * out: receives the handle, to be closed with lp_store_close(); untouched on error.
 * opts: NULL for defaults; negative values are LP_ERR_INVALID.
 * err: receives one line saying what is wrong and with which file (errlen
 *      bytes, always NUL-terminated when errlen > 0); may be NULL if errlen is 0.
 * Returns 0, or
 *   LP_ERR_INVALID      bad arguments (NULL or empty path, bad opts)
 *   -EACCES / -EROFS    the file or its directory is not writable (SQLite
 *                       must create PATH-wal and PATH-shm beside the file);
 *                       -ENOENT when the directory does not exist
 *   -EIO                not a database, or corrupt (quick_check failed)
 *   LP_ERR_UNSUPPORTED  a SQLite database that is not a softlan store
 *                       (another application id, or tables but no version)
 *   LP_ERR_VERSION      written by a newer softlan (user_version greater
 *                       than LP_STORE_SCHEMA_VERSION): never touched
 *   LP_ERR_NOMEM, -EBUSY, or another code from the list above.
 * Nothing is ever deleted or rewritten to get past an error.
 */
int lp_store_open_opts(struct lp_store **out, const char *path, const struct lp_store_opts *opts,
		       char *err, size_t errlen);

/* lp_store_close: finalize statements and close the database. Accepts NULL. */
void lp_store_close(struct lp_store *s);

/*
 * lp_store_errmsg: what went wrong in the last failed call, in words fit for
 * a log line or an API error message (which value was invalid, or SQLite's
 * own message); "" if nothing failed yet. Owned by s, valid until the next call.
 */
const char *lp_store_errmsg(const struct lp_store *s);

/*
 * lp_store_hash: SHA-256 of a secret (room code or admin token), the form in
 * which the store keeps it. Returns 0, or LP_ERR_INVALID for a NULL secret
 * with len > 0, or -EIO if gnutls fails.
 */
int lp_store_hash(const char *secret, size_t len, uint8_t out[LP_STORE_HASH_LEN]);

/* ---------------------------------------------------------------- rooms */

struct lp_store_room {
	int64_t id;
	char name[LP_STORE_NAME_MAX + 1]; /* unique, compared case-insensitively (ASCII) */
	uint32_t max_clients;		  /* 1..LP_STORE_MAX_CLIENTS_MAX; the gateway is extra */
	uint32_t mtu;			  /* LP_STORE_MTU_MIN..LP_STORE_MTU_MAX */
	uint32_t bcast_pps;   /* broadcast+multicast frames/s per member, 0 = unlimited */
	uint64_t bytes_per_s; /* all bytes/s per member, 0 = unlimited (max INT64_MAX) */
	bool enabled;
	int64_t expires_at; /* 0 = never */
	int64_t created_at;
	int64_t updated_at;
};

/* Field bits for lp_store_room_update(). */
enum {
	LP_STORE_ROOM_NAME = 1u << 0,
	LP_STORE_ROOM_MAX_CLIENTS = 1u << 1,
	LP_STORE_ROOM_MTU = 1u << 2,
	LP_STORE_ROOM_BCAST_PPS = 1u << 3,
	LP_STORE_ROOM_BYTES_PER_S = 1u << 4,
	LP_STORE_ROOM_ENABLED = 1u << 5,
	LP_STORE_ROOM_EXPIRES_AT = 1u << 6,
	LP_STORE_ROOM_ALL = (1u << 7) - 1,
};

/* A code to add: for lp_store_room_create(), lp_store_code_create(), lp_store_code_rotate(). */
struct lp_store_code_new {
	enum lp_store_role role;
	const char *code;   /* the secret; must pass lp_code_valid() (shared/code.h) */
	size_t len;	    /* its length */
	int64_t expires_at; /* 0 = never, else must be > now */
	uint32_t max_uses;  /* 0 = unlimited */
};

/* lp_store_room_defaults: an empty name, 16 clients, MTU 1500, no limits, enabled, no expiry. */
void lp_store_room_defaults(struct lp_store_room *r);

/*
 * lp_store_room_create: add a room and, in the same transaction, its codes.
 * in: name, max_clients, mtu, bcast_pps, bytes_per_s, enabled, expires_at
 *     (0 or > now); its id and times are ignored.
 * codes, ncodes: codes to create with the room (codes may be NULL if ncodes is 0).
 * code_ids: NULL, or ncodes entries receiving the new codes' ids.
 * out: NULL, or receives the stored room (id, created_at = updated_at = now).
 * Returns 0, LP_ERR_INVALID, LP_ERR_EXISTS (name taken, or a code already
 * stored), or a storage error; on error neither the room nor any code exists.
 */
int lp_store_room_create(struct lp_store *s, const struct lp_store_room *in,
			 const struct lp_store_code_new *codes, size_t ncodes, int64_t now,
			 struct lp_store_room *out, int64_t *code_ids);

/* lp_store_room_get: the room with this id. Returns 0, LP_ERR_NOT_FOUND or a storage error. */
int lp_store_room_get(struct lp_store *s, int64_t id, struct lp_store_room *out);

/* lp_store_room_find: the room with this name (case-insensitive). Errors as lp_store_room_get. */
int lp_store_room_find(struct lp_store *s, const char *name, struct lp_store_room *out);

/* lp_store_room_list: rooms with id > after_id, by id. */
int lp_store_room_list(struct lp_store *s, int64_t after_id, struct lp_store_room *out, size_t cap,
		       size_t *n);

/*
 * lp_store_room_update: change the fields of room id named by the bits in
 * fields (LP_STORE_ROOM_*) to their values in in; other fields keep their
 * values. A new expires_at must be 0 or > now. updated_at becomes now.
 * out: NULL, or receives the room after the change.
 * Returns 0, LP_ERR_INVALID (also for fields == 0 or unknown bits),
 * LP_ERR_NOT_FOUND, LP_ERR_EXISTS (new name taken) or a storage error.
 */
int lp_store_room_update(struct lp_store *s, int64_t id, const struct lp_store_room *in,
			 unsigned fields, int64_t now, struct lp_store_room *out);

/*
 * lp_store_room_delete: delete the room and everything that belongs to it:
 * codes, bans, session log, counters and samples. Room ids are never reused.
 * Returns 0, LP_ERR_NOT_FOUND or a storage error.
 */
int lp_store_room_delete(struct lp_store *s, int64_t id);

/* ---------------------------------------------------------------- codes */

/* Whether a code admits now. A revoked code is REVOKED even if also expired. */
enum lp_store_code_state {
	LP_STORE_CODE_VALID = 0,
	LP_STORE_CODE_REVOKED = 1,   /* revoked_at set */
	LP_STORE_CODE_EXPIRED = 2,   /* expires_at <= now */
	LP_STORE_CODE_EXHAUSTED = 3, /* uses >= max_uses */
};

struct lp_store_code {
	int64_t id;
	int64_t room_id;
	enum lp_store_role role;
	char prefix[LP_STORE_PREFIX_LEN + 1]; /* the code's first characters, for display */
	int64_t expires_at;		      /* 0 = never */
	uint32_t max_uses;		      /* 0 = unlimited */
	uint32_t uses;
	int64_t revoked_at; /* 0 = not revoked */
	int64_t created_at;
	enum lp_store_code_state state; /* as of the call's now */
};

/*
 * lp_store_code_create: add a code to room room_id; only its SHA-256 and
 * its first LP_STORE_PREFIX_LEN characters are stored.
 * id: NULL, or receives the new code's id.
 * Returns 0, LP_ERR_INVALID, LP_ERR_NOT_FOUND (no such room), LP_ERR_EXISTS
 * (the same code is already stored, for any room) or a storage error.
 */
int lp_store_code_create(struct lp_store *s, int64_t room_id, const struct lp_store_code_new *c,
			 int64_t now, int64_t *id);

/*
 * lp_store_code_lookup: find a code by the SHA-256 of the given secret and
 * say whether it admits now (out->state). Counts nothing: call
 * lp_store_code_use() once the member is admitted.
 * Returns 0 (also for a revoked, expired or exhausted code: see out->state),
 * LP_ERR_INVALID (code fails lp_code_valid()), LP_ERR_NOT_FOUND (no such
 * code) or a storage error.
 */
int lp_store_code_lookup(struct lp_store *s, const char *code, size_t len, int64_t now,
			 struct lp_store_code *out);

/*
 * lp_store_code_use: count one use of code id, atomically, if it is still
 * valid at now. Returns 0, LP_ERR_NOT_FOUND, LP_ERR_STATE (revoked, expired
 * or exhausted: nothing counted) or a storage error.
 */
int lp_store_code_use(struct lp_store *s, int64_t id, int64_t now);

/* lp_store_code_revoke: revoke code id at now. Returns 0, LP_ERR_NOT_FOUND, LP_ERR_STATE (already revoked). */
int lp_store_code_revoke(struct lp_store *s, int64_t id, int64_t now);

/*
 * lp_store_code_rotate: in one transaction, revoke every unrevoked code of
 * room_id whose role appears in codes, then add codes.
 * codes, n: at least one new code. ids: NULL, or n entries receiving the new ids.
 * Returns 0, LP_ERR_INVALID, LP_ERR_NOT_FOUND (no such room), LP_ERR_EXISTS
 * or a storage error; on error nothing changed.
 */
int lp_store_code_rotate(struct lp_store *s, int64_t room_id, const struct lp_store_code_new *codes,
			 size_t n, int64_t now, int64_t *ids);

/* lp_store_code_list: codes of room_id with id > after_id, by id; state as of now. */
int lp_store_code_list(struct lp_store *s, int64_t room_id, int64_t after_id, int64_t now,
		       struct lp_store_code *out, size_t cap, size_t *n);

/* ---------------------------------------------------------------- admin tokens */

struct lp_store_token {
	int64_t id;
	char name[LP_STORE_NAME_MAX + 1];
	char prefix[LP_STORE_PREFIX_LEN + 1];
	int64_t created_at;
	int64_t last_used_at; /* 0 = never; at most LP_STORE_TOKEN_TOUCH_SECS stale */
	int64_t revoked_at;   /* 0 = not revoked */
};

/*
 * lp_store_token_valid: true when token (len bytes) is acceptable as an
 * admin token: LP_STORE_TOKEN_MIN..LP_STORE_TOKEN_MAX characters from
 * RFC 6750's token68 set [A-Za-z0-9-._~+/=].
 */
bool lp_store_token_valid(const char *token, size_t len);

/*
 * lp_store_token_create: store an admin token (its SHA-256 and prefix only).
 * name: 1..LP_STORE_NAME_MAX bytes, need not be unique. id: NULL or receives the id.
 * Returns 0, LP_ERR_INVALID, LP_ERR_EXISTS (the same token is stored) or a storage error.
 */
int lp_store_token_create(struct lp_store *s, const char *name, const char *token, size_t len,
			  int64_t now, int64_t *id);

/*
 * lp_store_token_verify: authenticate a bearer token. On success *id is the
 * token's id, and last_used_at is set to now if it was older than
 * LP_STORE_TOKEN_TOUCH_SECS (so verification rarely writes).
 * Returns 0, LP_ERR_INVALID (malformed), LP_ERR_NOT_FOUND (unknown),
 * LP_ERR_STATE (revoked) or a storage error.
 */
int lp_store_token_verify(struct lp_store *s, const char *token, size_t len, int64_t now,
			  int64_t *id);

/* lp_store_token_list: tokens (revoked ones too) with id > after_id, by id. */
int lp_store_token_list(struct lp_store *s, int64_t after_id, struct lp_store_token *out,
			size_t cap, size_t *n);

/* lp_store_token_count: *n = number of tokens not revoked (0 at first start). */
int lp_store_token_count(struct lp_store *s, size_t *n);

/* lp_store_token_revoke: revoke token id. Returns 0, LP_ERR_NOT_FOUND, LP_ERR_STATE (already revoked). */
int lp_store_token_revoke(struct lp_store *s, int64_t id, int64_t now);

/* ---------------------------------------------------------------- bans */

/*
 * A ban names a MAC, an address, or both; it matches a member when ANY of
 * the named values matches (banning a member by both keeps them out after
 * they change either one).
 */
struct lp_store_ban {
	int64_t id;
	int64_t room_id; /* 0 = every room */
	bool has_mac;
	struct lp_mac mac;	      /* unicast, not zero; meaningful if has_mac */
	char addr[LP_STORE_ADDR_MAX]; /* IPv4 or IPv6 text without port, "" = none */
	char reason[LP_STORE_REASON_MAX + 1];
	int64_t created_at;
	int64_t expires_at; /* 0 = never */
};

/*
 * lp_store_addr_canon: check an IP address text (no port, no brackets, no
 * zone) and write its canonical form to out: inet_ntop's text, with an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
 * reports) written as plain IPv4, so bans match either way.
 * Returns 0 or LP_ERR_INVALID.
 */
int lp_store_addr_canon(const char *addr, char out[LP_STORE_ADDR_MAX]);

/*
 * lp_store_ban_add: add a ban. in: room_id, mac and/or addr, reason,
 * expires_at (0 or > now); id and created_at ignored. id: NULL or receives the id.
 * Returns 0, LP_ERR_INVALID (neither MAC nor address, bad MAC or address),
 * LP_ERR_NOT_FOUND (no such room), LP_ERR_EXISTS (same room, MAC and
 * address already banned) or a storage error.
 */
int lp_store_ban_add(struct lp_store *s, const struct lp_store_ban *in, int64_t now, int64_t *id);

/* lp_store_ban_get: the ban with this id. Returns 0, LP_ERR_NOT_FOUND or a storage error. */
int lp_store_ban_get(struct lp_store *s, int64_t id, struct lp_store_ban *out);

/* lp_store_ban_list: bans of room_id exactly (0: the every-room bans), id > after_id, by id; expired ones too. */
int lp_store_ban_list(struct lp_store *s, int64_t room_id, int64_t after_id,
		      struct lp_store_ban *out, size_t cap, size_t *n);

/* lp_store_ban_delete: lift ban id. Returns 0, LP_ERR_NOT_FOUND or a storage error. */
int lp_store_ban_delete(struct lp_store *s, int64_t id);

/*
 * lp_store_ban_check: is a member with this MAC and/or address banned from
 * room_id at now? Bans of the room and every-room bans count; expired ones not.
 * mac: NULL for none (a gateway). addr: NULL or "" for none.
 * ban_id: receives the id of a matching ban (the oldest), or 0 when not banned.
 * Returns 0 (banned or not: see *ban_id), LP_ERR_INVALID (bad address) or a storage error.
 */
int lp_store_ban_check(struct lp_store *s, int64_t room_id, const struct lp_mac *mac,
		       const char *addr, int64_t now, int64_t *ban_id);

/* ---------------------------------------------------------------- sessions */

/* Traffic of one member: up = member to relay, down = relay to member. Max INT64_MAX each. */
struct lp_store_traffic {
	uint64_t up_frames;
	uint64_t up_bytes;
	uint64_t down_frames;
	uint64_t down_bytes;
};

struct lp_store_session {
	int64_t id;
	int64_t room_id;
	uint32_t member_id;
	enum lp_store_role role;
	bool has_mac; /* clients have one; a gateway has none */
	struct lp_mac mac;
	char addr[LP_STORE_ADDR_MAX]; /* remote address, no port */
	char agent_version[LP_STORE_AGENT_MAX + 1];
	char name[LP_STORE_NAME_MAX + 1]; /* the member's display name, may be "" */
	int64_t joined_at;
	int64_t left_at; /* 0 while connected */
	struct lp_store_traffic traffic;
	char reason[LP_STORE_REASON_MAX + 1]; /* why it ended; "" while connected */
};

/*
 * lp_store_session_start: log a member joining. in: room_id, member_id,
 * role, has_mac/mac, addr (required; canonicalised as lp_store_addr_canon),
 * agent_version, name, joined_at (> 0); other fields ignored.
 * id: receives the session id, for lp_store_session_end() and flush updates.
 * Returns 0, LP_ERR_INVALID, LP_ERR_NOT_FOUND (no such room) or a storage error.
 */
int lp_store_session_start(struct lp_store *s, const struct lp_store_session *in, int64_t *id);

/*
 * lp_store_session_end: log a member leaving: left_at (> 0; a time before
 * joined_at, from a clock step, is stored as joined_at), its final traffic
 * and reason (1..LP_STORE_REASON_MAX bytes, e.g. "kicked").
 * Returns 0, LP_ERR_INVALID, LP_ERR_NOT_FOUND, LP_ERR_STATE (already ended)
 * or a storage error.
 */
int lp_store_session_end(struct lp_store *s, int64_t id, int64_t left_at,
			 const struct lp_store_traffic *t, const char *reason);

/*
 * lp_store_session_close_open: end every session still open (left by a
 * crash or SIGKILL) with left_at = now and reason, keeping the traffic last
 * flushed. The relay calls it at start. n: NULL or receives how many.
 */
int lp_store_session_close_open(struct lp_store *s, int64_t now, const char *reason, size_t *n);

/* lp_store_session_list: sessions of room_id with id < before_id (0: from the newest), newest first. */
int lp_store_session_list(struct lp_store *s, int64_t room_id, int64_t before_id,
			  struct lp_store_session *out, size_t cap, size_t *n);

/* ---------------------------------------------------------------- counters, samples, flush */

/* A counter to write: name is [a-z0-9_]{1,48}, e.g. "up_unicast_frames". */
struct lp_store_counter {
	const char *name;
	uint64_t
		value; /* the running total (not a delta); above INT64_MAX is stored as INT64_MAX */
};

struct lp_store_room_counters {
	int64_t room_id;
	const struct lp_store_counter *counters;
	size_t n;
};

/* A counter as read back. */
struct lp_store_counter_value {
	char name[LP_STORE_COUNTER_NAME_MAX + 1];
	uint64_t value;
	int64_t updated_at;
};

/* One minute of one room. All traffic values are for that minute alone. */
struct lp_store_sample {
	int64_t room_id;
	int64_t minute; /* unix seconds of the minute's start: > 0, a multiple of 60 */
	uint32_t members;
	uint64_t up_frames;
	uint64_t up_bytes;
	uint64_t down_frames;
	uint64_t down_bytes;
	uint64_t drops;
};

/* Traffic so far of an open session, or its end when left_at is set. */
struct lp_store_session_update {
	int64_t id;
	struct lp_store_traffic traffic;
	int64_t left_at;    /* 0: still connected, only traffic is written */
	const char *reason; /* when left_at is set: as lp_store_session_end() */
};

struct lp_store_flush_batch {
	int64_t now;
	const struct lp_store_room_counters *rooms;
	size_t nrooms;
	const struct lp_store_sample *samples;
	size_t nsamples;
	const struct lp_store_session_update *sessions;
	size_t nsessions;
};

/*
 * lp_store_flush: in ONE transaction: set each counter of each room to its
 * total (insert or replace), insert or replace each sample, write each
 * session's traffic and end those with left_at, then drop samples older than
 * now - sample retention and sessions that left before now - session
 * retention. Rooms deleted since the batch was built are skipped, as are
 * sessions already ended or gone. Every entry is validated before anything
 * is written. Arrays may be NULL when their count is 0.
 * Returns 0, LP_ERR_INVALID (batch NULL, now <= 0, a bad counter name,
 * sample minute or reason) or a storage error; on error nothing is written,
 * so the caller keeps its totals and simply flushes again later.
 */
int lp_store_flush(struct lp_store *s, const struct lp_store_flush_batch *b);

/* lp_store_counter_list: counters of room_id with name > after_name ("" from the start), by name. */
int lp_store_counter_list(struct lp_store *s, int64_t room_id, const char *after_name,
			  struct lp_store_counter_value *out, size_t cap, size_t *n);

/* lp_store_history: samples of room_id with from <= minute < to, oldest first. */
int lp_store_history(struct lp_store *s, int64_t room_id, int64_t from, int64_t to,
		     struct lp_store_sample *out, size_t cap, size_t *n);

#endif
