/*
 * relay.h: the relay process's state and the internal interfaces between its
 * files. One struct lp_relay per process, driven by one event loop.
 *
 *   main.c      start-up, signals, shutdown
 *   setup.c     data dir, certificate, secrets, first admin token, sockets
 *   udp.c       UDP sockets: batched receive (recvmmsg + GRO), GSO send
 *   endpoint.c  connection table by CID, accept, Retry, timers, writes
 *   session.c   one member's connection: control stream, datagrams, frames
 *   admit.c     hello -> welcome or reject
 *   rooms.c     rooms in memory, loaded from and saved to the store
 *   ops.c       the admin API's callbacks
 *   flush.c     counters, samples and sessions to the store on a timer
 *   metrics.c   the Prometheus exposition
 */
#ifndef LP_RELAY_H
#define LP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "config.h"
#include "ctrl.h"
#include "loop.h"
#include "quic.h"
#include "reasm.h"
#include "room.h"
#include "store.h"
#include "tls.h"

#define LP_RELAY_RX_BATCH	  32
#define LP_RELAY_RX_BUF		  65536 /* one GRO super-datagram */
#define LP_RELAY_GSO_MAX	  32
#define LP_RELAY_TX_MSGS	  1024 /* messages per sendmmsg: the kernel's most (UIO_MAXIOV) */
#define LP_RELAY_TX_ARENA	  (1024 * 1024) /* packet bytes one flush carries at most */
#define LP_RELAY_HELLO_TIMEOUT_NS (10ull * 1000000000ull)
#define LP_RELAY_STATS_INTERVAL_S 10
#define LP_RELAY_FLUSH_INTERVAL_S 10
#define LP_RELAY_FAIL_SLOTS	  4096
#define LP_RELAY_FAILS_PER_MIN	  10 /* failed hellos per source address per minute */
/* Datagrams queued per member: room for a player's TCP bursts (a super-frame
 * is 45 frames) toward a slower leg; ~12 ms at 1 Gbit/s when full. */
#define LP_RELAY_DGRAM_QUEUE 1024
/* Datagrams queued across all members (~1.5 KB each, ~96 MB at most): the
 * slots are shared, so an idle member holds none. */
#define LP_RELAY_DGRAM_POOL 65536
#define LP_RELAY_MAX_CONNS  20000

struct lp_relay;

/* A UDP socket the relay listens on. */
struct lp_udp {
	struct lp_relay *relay;
	int fd;
	struct lp_io io;
	struct lp_sockaddr local;
	bool gso;	     /* UDP_SEGMENT works on this socket */
	bool gro;	     /* UDP_GRO is on */
	uint64_t tx_msgs;    /* messages sent (a GSO train is one) */
	uint64_t tx_calls;   /* sendmmsg and sendmsg calls */
	uint64_t tx_dropped; /* packets dropped: socket buffer full (EAGAIN, ENOBUFS) */
	uint64_t tx_errors;  /* packets refused by the kernel for another reason */
};

struct lp_udp_txq_slot;
struct mmsghdr;

/*
 * The packets written in one loop iteration, across sessions, waiting for
 * sendmmsg (udp.c): an arena of packet bytes and one message per GSO train,
 * allocated once. Nothing in the arena is reused before the flush that sends it.
 */
struct lp_udp_txq {
	uint8_t *arena; /* LP_RELAY_TX_ARENA bytes */
	size_t used;
	struct lp_udp_txq_slot *slots; /* LP_RELAY_TX_MSGS of each */
	struct mmsghdr *msgs;
	size_t n;
};

/* One QUIC connection, and the member it becomes once admitted. */
struct lp_session {
	struct lp_relay *relay;
	struct lp_quic_conn *q;
	struct lp_udp *udp;
	struct lp_timer timer;
	struct lp_ctrl_reader reader;
	/* LP_CTRL_UP_MAX bytes while a control message is being read (members
	 * send few: a hello, a goodbye), NULL between messages. */
	uint8_t *reader_buf;
	struct lp_member member; /* in a room once admitted */
	bool admitted;
	int64_t room_id;    /* of the room it was admitted to, for logs */
	bool closing;	    /* the session is ending: no more frames or messages */
	bool close_pending; /* the QUIC close waits for the last message to be acked */
	uint64_t close_code;
	const char *close_reason; /* a static string */
	uint64_t close_deadline;  /* close then, acked or not */
	bool dirty;		  /* has something to write: on the relay's dirty list */
	bool reasm_init;	  /* reasm holds buffers */
	struct lp_reasm reasm;
	uint32_t frag_id;
	uint64_t created_ns;
	enum lp_disconnect_reason leave_reason;
	struct lp_session *prev, *next; /* all sessions */
	struct lp_session *dirty_next;	/* sessions with writes pending */
	char addr[LP_MEMBER_ADDR_MAX];	/* remote "ip:port" */
	char ip[LP_STORE_ADDR_MAX];	/* remote ip, canonical */
};

/* A relay-side room: the forwarding state plus what the store needs. */
struct lp_relay_room {
	struct lp_room *room;
	struct lp_counters base;	/* totals loaded from the store at start */
	struct lp_counters last_sample; /* totals when the current sample minute began */
	struct lp_counters prev_flush;	/* totals at the previous flush */
	int64_t sample_minute;		/* the minute samples are written for */
	uint32_t peak_members;		/* within the current sample minute */
	bool deleted;
};

/* Relay-wide counters for /metrics. */
struct lp_relay_stats {
	uint64_t handshakes; /* completed */
	uint64_t handshake_failures;
	uint64_t retries_sent;
	uint64_t version_negotiations;
	uint64_t stateless_resets;
	uint64_t rejects[LP_REJECT__COUNT];
	uint64_t admitted[2]; /* by role: client, gateway */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped; /* packets for no connection, malformed */
	uint64_t gso_sends;
	uint64_t store_errors;
};

struct lp_fail_slot {
	char ip[LP_STORE_ADDR_MAX];
	uint64_t minute;
	uint32_t count;
};

struct lp_relay {
	struct lp_relay_config cfg;
	struct lp_loop *loop;
	struct lp_store *store;
	struct lp_tls_creds *creds;
	uint8_t pin[LP_TLS_PIN_LEN];
	uint8_t secret[LP_QUIC_SECRET_LEN];
	char server_name[256]; /* what the certificate names and agents send as SNI */
	char public_host[256]; /* what invites name */
	uint16_t public_port;
	uint16_t api_port; /* the HTTPS API's port, for invites */
	struct lp_quic_config qcfg;
	struct lp_quic_dgram_pool *dgram_pool; /* queued datagrams of all sessions */

	struct lp_udp udp[LP_RELAY_MAX_LISTEN];
	size_t n_udp;
	int api_fds[LP_RELAY_MAX_API];
	bool api_tls[LP_RELAY_MAX_API];
	size_t n_api;

	struct lp_admin *admin;
	struct lp_admin_ops ops;
	struct lp_io http_io[LP_HTTP_MAX_DAEMONS];
	size_t n_http_io;
	struct lp_timer http_timer;

	/* connections */
	struct lp_session *sessions; /* list head */
	size_t n_sessions;
	struct lp_session *dirty; /* list of sessions to write */
	struct cid_map *cids;
	uint32_t next_member_id;

	/* rooms, by id; few enough that a sorted array serves */
	struct lp_relay_room *rooms;
	size_t n_rooms, cap_rooms;

	struct lp_fail_slot fails[LP_RELAY_FAIL_SLOTS];
	size_t fail_next;

	/* Retry in auto mode: handshakes started in the current second */
	uint64_t hs_second;
	uint32_t hs_count;

	struct lp_timer flush_timer;
	struct lp_timer stats_timer;
	struct lp_timer sweep_timer;
	struct lp_timer stop_timer;
	uint64_t stop_deadline;
	struct lp_relay_stats stats;
	uint64_t started_ns;
	int64_t started_at;
	bool stopping;

	uint8_t rx_bufs[LP_RELAY_RX_BATCH][LP_RELAY_RX_BUF];
	struct lp_udp_txq txq; /* every packet the relay sends */
};

/* setup.c */
int lp_relay_setup_data_dir(struct lp_relay *r);
int lp_relay_setup_tls(struct lp_relay *r);
int lp_relay_setup_secret(struct lp_relay *r);
int lp_relay_setup_token(struct lp_relay *r);
int lp_relay_setup_sockets(struct lp_relay *r);
int lp_relay_setup_public(struct lp_relay *r);
int lp_relay_drop_privileges(struct lp_relay *r);

/* udp.c */
int lp_udp_open(struct lp_udp *u, const struct lp_sockaddr *addr, char *err, size_t errlen);
void lp_udp_close(struct lp_udp *u);
int lp_udp_txq_init(struct lp_udp_txq *q);
void lp_udp_txq_free(struct lp_udp_txq *q);
/*
 * Where to write the next packets: at least LP_QUIC_PKT_BUF bytes (*len says
 * how many), and message slots for a train of LP_RELAY_GSO_MAX; sends what
 * is queued first when the arena or the slots are short.
 */
uint8_t *lp_udp_txq_space(struct lp_udp_txq *q, size_t *len);
/*
 * Queue the n bytes just written at lp_udp_txq_space(): packets of seg bytes
 * (the last may be shorter) to to, on u: one message (a GSO train when u has
 * GSO), or one per packet.
 */
void lp_udp_txq_add(struct lp_udp_txq *q, struct lp_udp *u, size_t n, size_t seg,
		    const struct lp_quic_addr *to);
/* Send everything queued, with as few sendmmsg calls as possible; empties q. */
void lp_udp_txq_flush(struct lp_udp_txq *q);
/* Read all that is waiting; hands each packet to lp_endpoint_packet. */
void lp_udp_on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events);

/* endpoint.c */
int lp_endpoint_init(struct lp_relay *r);
void lp_endpoint_free(struct lp_relay *r);
void lp_endpoint_packet(struct lp_relay *r, struct lp_udp *u, const struct sockaddr *from,
			socklen_t fromlen, uint8_t *pkt, size_t len, uint64_t now);
/* Mark s as having something to send (written before the loop sleeps). */
void lp_endpoint_dirty(struct lp_session *s);
/* Write every dirty session, re-arm timers, free dead sessions. */
void lp_endpoint_flush(struct lp_loop *loop, void *arg);
/* Close every session with code (shutdown) and flush the closes out. */
void lp_endpoint_close_all(struct lp_relay *r, enum lp_disconnect_reason why);
/* A session's QUIC timer expired. */
void lp_endpoint_on_timer(struct lp_loop *loop, struct lp_timer *t);
/* Connection ID routing of one session. */
void lp_endpoint_unmap(struct lp_relay *r, struct lp_session *s);
void lp_endpoint_map_cid(struct lp_relay *r, struct lp_session *s, const struct lp_quic_cid *cid);
void lp_endpoint_unmap_cid(struct lp_relay *r, struct lp_session *s, const struct lp_quic_cid *cid);

/* session.c */
extern const struct lp_quic_callbacks lp_session_callbacks;
extern const struct lp_member_io lp_session_io;
struct lp_session *lp_session_new(struct lp_relay *r, struct lp_udp *u);
/* Record the peer's address (at accept, and when it moves). */
void lp_session_set_remote(struct lp_session *s, const struct sockaddr *sa, socklen_t len);
void lp_session_free(struct lp_session *s);
/* Send a control message; the session closes if it cannot be queued. */
int lp_session_send_ctrl(struct lp_session *s, const struct lp_ctrl_msg *m);
/* Tell the member why (disconnect), leave the room, close the connection. */
void lp_session_disconnect(struct lp_session *s, enum lp_disconnect_reason why,
			   const char *message);
/* Send a reject and close. */
void lp_session_reject(struct lp_session *s, const struct lp_ctrl_reject *rej);
/*
 * End the connection with code once the control stream's last message is
 * acknowledged (or after a second), so the agent reads why before the close.
 */
void lp_session_close_after_flush(struct lp_session *s, uint64_t code, const char *reason);
/* Issue a pending close when its time has come; returns its deadline or UINT64_MAX. */
uint64_t lp_session_pending_close(struct lp_session *s, uint64_t now);
/* Leave the room (if admitted) and end the store session. Idempotent. */
void lp_session_leave(struct lp_session *s, enum lp_disconnect_reason why);

/* admit.c */
void lp_admit_hello(struct lp_session *s, const struct lp_ctrl_hello *h);
bool lp_admit_blocked(struct lp_relay *r, const char *ip);
void lp_admit_note_failure(struct lp_relay *r, const char *ip);

/* rooms.c */
int lp_rooms_load(struct lp_relay *r);
void lp_rooms_free(struct lp_relay *r);
struct lp_relay_room *lp_rooms_get(struct lp_relay *r, int64_t id);
int lp_rooms_add(struct lp_relay *r, const struct lp_store_room *sr,
		 const struct lp_counters *base);
void lp_rooms_remove(struct lp_relay *r, int64_t id, enum lp_disconnect_reason why);
void lp_rooms_settings(const struct lp_store_room *sr, struct lp_room_settings *out);
/* Build an invite for a room code. */
int lp_rooms_invite(struct lp_relay *r, bool gateway, const char *code, char *out, size_t outlen);
/* Counter names in the store for lp_counters fields; fills up to max entries. */
size_t lp_rooms_counter_names(const struct lp_counters *c, struct lp_store_counter *out,
			      char names[][LP_STORE_COUNTER_NAME_MAX + 1], size_t max);
void lp_rooms_counters_from_store(struct lp_counters *c, const char *name, uint64_t value);

/* ops.c */
void lp_ops_init(struct lp_relay *r);

/* flush.c */
void lp_flush_now(struct lp_relay *r, int64_t now);
void lp_flush_on_timer(struct lp_loop *loop, struct lp_timer *t);
void lp_stats_on_timer(struct lp_loop *loop, struct lp_timer *t);

/* metrics.c */
int lp_metrics_render(struct lp_relay *r, struct lp_text *out);

/* Unix time now, in seconds. */
int64_t lp_relay_now(void);

#endif
