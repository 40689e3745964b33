/*
 * api.h: the admin API's contract with the relay.
 *
 * admin/ owns the HTTP resources (routes, input validation, JSON); the relay
 * owns rooms, members and the store. The relay fills a struct lp_admin_ops
 * with callbacks and starts the API with it, so arrows run one way
 * (relay -> admin -> shared) and the API can be tested against the relay's
 * real state without a QUIC endpoint.
 *
 * Every callback returns 0 or a negative enum lp_err:
 *   LP_ERR_NOT_FOUND -> 404, LP_ERR_EXISTS -> 409, LP_ERR_INVALID -> 422,
 *   LP_ERR_STATE -> 409, LP_ERR_LIMIT -> 429 (join) or 409, others -> 500.
 * A callback may put a human message in msg (msglen bytes) to go with it.
 */
#ifndef LP_ADMIN_API_H
#define LP_ADMIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "http.h"
#include "mac.h"

#define LP_API_NAME_MAX	  65  /* room and member names: 64 bytes + NUL */
#define LP_API_INVITE_MAX 512 /* an invite string */
#define LP_API_ADDR_MAX	  64  /* "[v6]:port" */
#define LP_API_AGENT_MAX  65
#define LP_API_REASON_MAX 129
#define LP_API_TOKEN_MAX  80

/* Room settings; in an update only the fields whose has_ flag is set change. */
struct lp_room_spec {
	char name[LP_API_NAME_MAX];
	uint32_t max_clients; /* 1..1000 */
	uint32_t mtu;	      /* 1280..9000 */
	uint32_t bcast_pps;   /* broadcast+multicast frames/s per member, 0 = unlimited */
	uint64_t bytes_per_s; /* total bytes/s per member, 0 = unlimited */
	int64_t expires_at;   /* unix seconds, 0 = never */
	bool enabled;
	bool has_name, has_max_clients, has_mtu, has_bcast_pps, has_bytes_per_s, has_expires_at,
		has_enabled;
};

struct lp_room_view {
	int64_t id;
	struct lp_room_spec spec; /* every has_ flag set */
	int64_t created_at;
	uint32_t clients_online;
	bool gateway_online;
	uint64_t up_bytes, down_bytes; /* since the room was created */
	uint64_t drops;
};

struct lp_invites {
	char client[LP_API_INVITE_MAX];
	char gateway[LP_API_INVITE_MAX];
};

struct lp_member_view {
	uint32_t id;
	bool gateway;
	struct lp_mac mac;
	bool has_mac;
	char name[LP_API_NAME_MAX];
	char agent[LP_API_AGENT_MAX];
	char remote[LP_API_ADDR_MAX];
	uint64_t rtt_us;
	int64_t connected_at; /* unix seconds */
	struct lp_counters ctr;
};

struct lp_ban_spec {
	struct lp_mac mac;
	bool has_mac;
	char addr[LP_API_ADDR_MAX]; /* an IP address, no port; "" = any */
	char reason[LP_API_REASON_MAX];
	int64_t expires_at; /* 0 = never */
};

struct lp_ban_view {
	int64_t id;
	struct lp_ban_spec spec;
	int64_t created_at;
};

struct lp_sample {
	int64_t minute; /* unix seconds at the start of the minute */
	uint32_t members;
	uint64_t up_bytes, down_bytes, up_frames, down_frames, drops;
};

struct lp_join_info {
	int64_t room_id;
	char room_name[LP_API_NAME_MAX];
	bool gateway; /* the role the code admits */
	uint32_t mtu;
	uint32_t max_clients;
	uint32_t bcast_pps;
	uint64_t bytes_per_s;
	char quic_host[256]; /* where agents open QUIC */
	uint16_t quic_port;
	char server_name[256]; /* TLS server name */
};

struct lp_token_view {
	int64_t id;
	char name[LP_API_NAME_MAX];
	char prefix[16];
	int64_t created_at;
	int64_t last_used_at; /* 0 = never */
};

/* A growable text buffer for /metrics, with a hard maximum. */
struct lp_text {
	char *buf;
	size_t len, cap, max;
	bool overflow;
};

struct lp_admin_ops {
	/* Rooms. Lists are heap arrays that the caller frees with free(). */
	int (*room_create)(void *ctx, const struct lp_room_spec *spec, struct lp_room_view *out,
			   struct lp_invites *inv, char *msg, size_t msglen);
	int (*room_list)(void *ctx, struct lp_room_view **out, size_t *n);
	int (*room_get)(void *ctx, int64_t id, struct lp_room_view *out);
	int (*room_update)(void *ctx, int64_t id, const struct lp_room_spec *spec,
			   struct lp_room_view *out, char *msg, size_t msglen);
	int (*room_delete)(void *ctx, int64_t id);
	int (*room_rotate)(void *ctx, int64_t id, bool client, bool gateway,
			   struct lp_invites *inv);
	/* Live members, and kick (which also disconnects the member with reason "kicked"). */
	int (*member_list)(void *ctx, int64_t room, struct lp_member_view **out, size_t *n);
	int (*member_kick)(void *ctx, int64_t room, uint32_t member);
	/* Bans: a banned MAC or address is refused at hello and kicked when online. */
	int (*ban_add)(void *ctx, int64_t room, const struct lp_ban_spec *spec,
		       struct lp_ban_view *out);
	int (*ban_list)(void *ctx, int64_t room, struct lp_ban_view **out, size_t *n);
	int (*ban_delete)(void *ctx, int64_t room, int64_t ban);
	/* Counters since the room was created (live members included), and history. */
	int (*room_stats)(void *ctx, int64_t room, struct lp_counters *out);
	int (*room_history)(void *ctx, int64_t room, int64_t since, int64_t until,
			    struct lp_sample **out, size_t *n);
	/* Agent config for a room code; failures count against the source address. */
	int (*join)(void *ctx, const char *code, struct lp_join_info *out);
	/* Admin tokens: the new token's text goes to token (shown once). */
	int (*token_create)(void *ctx, const char *name, struct lp_token_view *out, char *token,
			    size_t tokenlen);
	int (*token_list)(void *ctx, struct lp_token_view **out, size_t *n);
	int (*token_revoke)(void *ctx, int64_t id);
	/* Bearer token check: the token id or a negative value. */
	int64_t (*auth)(void *ctx, const char *token);
	/* Prometheus text exposition of every metric. */
	int (*metrics)(void *ctx, struct lp_text *out);
	/* Health: true when the relay serves; detail goes into msg. */
	bool (*healthy)(void *ctx, char *msg, size_t msglen);
};

struct lp_admin;

/*
 * lp_admin_new: the admin API with every route registered, calling ops with
 * ctx (ops must outlive it). cert_pem/key_pem: for https listeners (may be
 * NULL when only plain loopback listeners are used). fail_rate: failed
 * token or code attempts allowed per source address per minute.
 * Returns NULL on allocation failure.
 */
struct lp_admin *lp_admin_new(const struct lp_admin_ops *ops, void *ctx, const char *cert_pem,
			      const char *key_pem, uint32_t fail_rate);

/* lp_admin_del: stop serving and free. NULL-safe. */
void lp_admin_del(struct lp_admin *a);

/* lp_admin_http: the HTTP layer, for listening sockets and the event loop. */
struct lp_http *lp_admin_http(struct lp_admin *a);

/* lp_text_printf: append to t; on passing t->max sets t->overflow and drops the rest. */
void lp_text_printf(struct lp_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
