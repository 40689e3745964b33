/*
 * quic.h: QUIC connections the softlan way, on ngtcp2 1.x + gnutls.
 *
 * One struct lp_quic_conn wraps an ngtcp2_conn, its gnutls session and the
 * small queues softlan needs: a bounded queue of outgoing DATAGRAMs (dropped
 * and counted when full) and a bounded send buffer for the one control
 * stream. The module owns no socket, no timer and no event loop: it works on
 * packets in buffers and on CLOCK_MONOTONIC nanosecond timestamps, so the
 * relay (one UDP socket, thousands of connections, GSO batches) and the
 * agents (one connection) drive it the same way:
 *
 *   on a packet:  lp_quic_conn_read(c, &path, pkt, n, now);
 *   after reads, sends and timers, until it returns 0:
 *                 n = lp_quic_conn_write(c, buf, sizeof(buf), &to, now); sendto(...)
 *                 (or lp_quic_conn_write_batch() for one GSO sendmsg)
 *   then:         arm the connection's timer at lp_quic_conn_expiry(c);
 *   when it fires: lp_quic_conn_handle_expiry(c, now), then write again.
 *
 * Server side, the relay routes packets by connection ID itself; the
 * building blocks are in the "Server: routing and accepting" section below.
 *
 * Callbacks. The lp_quic_callbacks run from inside lp_quic_conn_read(),
 * lp_quic_conn_write*(), lp_quic_conn_handle_expiry() and lp_quic_conn_close().
 * In any of them you may call lp_quic_conn_send_datagram*(),
 * lp_quic_conn_stream_send() and lp_quic_conn_close() (on this or any other
 * connection: they only queue), and the getters. You must not call
 * lp_quic_conn_read(), lp_quic_conn_write*(), lp_quic_conn_handle_expiry()
 * or lp_quic_conn_free() on the connection being called back.
 *
 * Life cycle. handshake -> open (on_handshake_done) -> closed (on_close,
 * exactly once, whatever the reason) -> dead. After on_close, keep calling
 * lp_quic_conn_write() to send the CONNECTION_CLOSE, then free the
 * connection when lp_quic_conn_is_dead() (closing/draining lasts three PTOs)
 * or at once if answering late packets does not matter.
 *
 * Thread safety: none.
 */
#ifndef LP_QUIC_H
#define LP_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

struct lp_tls_creds;

/* The one ALPN protocol; a peer that does not offer it fails the handshake. */
#define LP_ALPN "lanparty/1"

#define LP_QUIC_NS_PER_MS 1000000ull
#define LP_QUIC_NS_PER_S  1000000000ull

/* Every connection ID softlan issues has this length (the relay routes on it). */
#define LP_QUIC_CID_LEN 16
/* QUIC's own limit on connection IDs of version 1. */
#define LP_QUIC_CID_MAX 20
/* Persistent secret for stateless reset tokens and Retry tokens. */
#define LP_QUIC_SECRET_LEN 32

/* UDP payload limits: 1452 = 1500-byte MTU - 40 (IPv6) - 8 (UDP). */
#define LP_QUIC_MAX_UDP_PAYLOAD 1452
#define LP_QUIC_MIN_UDP_PAYLOAD 1200
/* Output buffers passed to the write calls hold at least this many bytes. */
#define LP_QUIC_PKT_BUF LP_QUIC_MAX_UDP_PAYLOAD
/* What softlan advertises as max_datagram_frame_size (DATAGRAM is required). */
#define LP_QUIC_MAX_DATAGRAM_FRAME 65535
/*
 * Bytes of a 1-RTT packet around a DATAGRAM payload, besides the DCID:
 * 1 header byte + 4 packet number (worst case) + 16 AEAD tag + 1 frame type
 * + 2 length bytes.
 */
#define LP_QUIC_DGRAM_OVERHEAD 24

#define LP_QUIC_IDLE_TIMEOUT_DEFAULT	  (30 * LP_QUIC_NS_PER_S)
#define LP_QUIC_HANDSHAKE_TIMEOUT_DEFAULT (10 * LP_QUIC_NS_PER_S)
#define LP_QUIC_RETRY_TOKEN_TIMEOUT	  (10 * LP_QUIC_NS_PER_S)

/* Flow-control window of the control stream and of the connection's streams. */
#define LP_QUIC_STREAM_WINDOW (64 * 1024)
/* Two control messages of the largest size (ctrl.h: 4 + 65536 bytes). */
#define LP_QUIC_STREAM_BUF_DEFAULT  (2 * (4 + 65536))
#define LP_QUIC_STREAM_BUF_MAX	    (1024 * 1024)
#define LP_QUIC_DGRAM_QUEUE_DEFAULT 32
#define LP_QUIC_DGRAM_QUEUE_MAX	    1024

/* Longest close reason phrase kept or sent (printable ASCII). */
#define LP_QUIC_REASON_MAX 127

/*
 * Application close codes (CONNECTION_CLOSE type 0x1d). The control protocol
 * owns 0x100 + reject reason and 0x200 + disconnect reason (ctrl.h:
 * LP_CLOSE_REJECT_BASE, LP_CLOSE_DISCONNECT_BASE); the QUIC layer's own
 * codes stay below 0x100.
 */
enum lp_quic_app_code {
	LP_QUIC_APP_NO_ERROR = 0x0,    /* closed with no reason to give */
	LP_QUIC_APP_INTERNAL = 0x1,    /* local failure before the control protocol could say why */
	LP_QUIC_APP_NO_DATAGRAM = 0x2, /* the peer did not enable DATAGRAM (RFC 9221) */
	LP_QUIC_APP_ALPN = 0x3,	       /* no ALPN, or not the expected one, after the handshake */
	/* The relay stopping: ctrl.h's 0x200 + LP_DISCONNECT_SHUTDOWN (test_quic checks). */
	LP_QUIC_APP_SHUTDOWN = 0x205,
};

/* A connection ID. */
struct lp_quic_cid {
	uint8_t len;
	uint8_t data[LP_QUIC_CID_MAX];
};

/* Where a packet came from / went to; the module copies what it keeps. */
struct lp_quic_path {
	const struct sockaddr *local;
	socklen_t local_len;
	const struct sockaddr *remote;
	socklen_t remote_len;
};

/* An address filled in by the module (the destination of a written packet). */
struct lp_quic_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * A pool of datagram slots that connections queue their outgoing DATAGRAMs
 * in. A server shares one among all its connections, so that memory follows
 * the datagrams waiting to be sent, not the number of connections: an idle
 * member costs no queue memory. Slots come in chunks allocated as the pool
 * grows (never per datagram) and stay for reuse until the pool is deleted.
 * When more than half of the pool is in use, a connection holding 64
 * datagrams or more gets no more (counted as a full queue): a few stalled
 * receivers cannot starve the others.
 */
struct lp_quic_dgram_pool;

/* Slots allocated at once when a pool grows. */
#define LP_QUIC_DGRAM_POOL_CHUNK 64

/*
 * lp_quic_dgram_pool_new: a pool that holds at most max_slots datagrams
 * (>= 1) across its connections; a datagram beyond is dropped and counted
 * as a full queue. Returns 0, LP_ERR_INVALID or LP_ERR_NOMEM.
 */
int lp_quic_dgram_pool_new(struct lp_quic_dgram_pool **out, size_t max_slots);

/* lp_quic_dgram_pool_del: free the pool. Its connections must be freed first. NULL-safe. */
void lp_quic_dgram_pool_del(struct lp_quic_dgram_pool *p);

/* lp_quic_dgram_pool_bytes: memory the pool holds now (slots in use and free). */
size_t lp_quic_dgram_pool_bytes(const struct lp_quic_dgram_pool *p);

struct lp_quic_config {
	/* Idle timeout in ns (both ends advertise it; the smaller wins);
	 * 0 = LP_QUIC_IDLE_TIMEOUT_DEFAULT. */
	uint64_t idle_timeout;
	/* Send a PING after this long without sending, in ns; 0 = default
	 * (clients: idle_timeout / 3, servers: off); UINT64_MAX = off. */
	uint64_t keep_alive;
	/* Give up a handshake after this long, in ns; 0 = default. */
	uint64_t handshake_timeout;
	/* Largest UDP payload sent and PMTUD probe, in
	 * [LP_QUIC_MIN_UDP_PAYLOAD, LP_QUIC_MAX_UDP_PAYLOAD]; 0 = the maximum. */
	size_t max_udp_payload;
	/* Outgoing DATAGRAM queue length, 1..LP_QUIC_DGRAM_QUEUE_MAX; 0 = default. */
	size_t dgram_queue;
	/* Where queued datagrams are kept: a pool shared by many connections
	 * (it must outlive them), or NULL for one of the connection's own. */
	struct lp_quic_dgram_pool *dgram_pool;
	/* Control stream send buffer in bytes, up to LP_QUIC_STREAM_BUF_MAX; 0 = default. */
	size_t stream_buf;
	/* LP_QUIC_SECRET_LEN bytes for stateless reset tokens (copied). Servers:
	 * required, and persistent across restarts so old clients can be reset.
	 * Clients: NULL = a random one per connection. */
	const uint8_t *secret;
	/* ALPN to offer / require; NULL = LP_ALPN. */
	const char *alpn;
};

/* Why a connection ended. */
enum lp_quic_close_kind {
	LP_QUIC_CLOSE_NONE = 0,		 /* still open */
	LP_QUIC_CLOSE_LOCAL,		 /* this end sent CONNECTION_CLOSE */
	LP_QUIC_CLOSE_PEER,		 /* the peer sent CONNECTION_CLOSE */
	LP_QUIC_CLOSE_IDLE,		 /* idle timeout; nothing is sent */
	LP_QUIC_CLOSE_HANDSHAKE_TIMEOUT, /* handshake did not finish in time */
	LP_QUIC_CLOSE_STATELESS_RESET,	 /* the peer lost its state */
	LP_QUIC_CLOSE_DROPPED,		 /* ngtcp2 asked to drop silently */
};

struct lp_quic_close {
	enum lp_quic_close_kind kind;
	bool app;	   /* code is an application code (enum lp_quic_app_code) */
	uint64_t code;	   /* application code, or QUIC transport error code */
	uint8_t tls_alert; /* TLS alert when code is CRYPTO_ERROR (0x100 + alert), else 0 */
	int liberr;	   /* ngtcp2 error behind a local close, else 0 */
	char reason[LP_QUIC_REASON_MAX + 1]; /* printable ASCII, may be empty */
};

struct lp_quic_conn;

struct lp_quic_callbacks {
	/* Handshake complete, ALPN and DATAGRAM checked: the connection is open. */
	void (*on_handshake_done)(struct lp_quic_conn *c, void *user_data);
	/* In-order bytes of stream stream_id, valid during the call. fin: the
	 * peer finished the stream. Flow control credit is returned at once, so
	 * consume (or copy, bounded) before returning. */
	void (*on_stream_data)(struct lp_quic_conn *c, int64_t stream_id, const uint8_t *data,
			       size_t len, bool fin, void *user_data);
	/* One DATAGRAM payload, valid during the call. */
	void (*on_datagram)(struct lp_quic_conn *c, const uint8_t *data, size_t len,
			    void *user_data);
	/* The connection closed; info is also lp_quic_conn_close_info(c). */
	void (*on_close)(struct lp_quic_conn *c, const struct lp_quic_close *info, void *user_data);
	/* Server routing: a new connection ID of ours the peer may use... */
	void (*on_cid_new)(struct lp_quic_conn *c, const struct lp_quic_cid *cid, void *user_data);
	/* ...and one it may no longer use. */
	void (*on_cid_retired)(struct lp_quic_conn *c, const struct lp_quic_cid *cid,
			       void *user_data);
};

/* Counters of one connection. */
struct lp_quic_stats {
	uint64_t pkts_recv, pkts_sent;
	uint64_t dgrams_recv, dgrams_sent, dgrams_acked, dgrams_lost;
	uint64_t dgrams_drop_full;    /* refused: send queue full */
	uint64_t dgrams_drop_too_big; /* refused or dropped: larger than the budget */
	uint64_t stream_bytes_recv, stream_bytes_sent;
};

struct lp_quic_info {
	uint64_t smoothed_rtt, min_rtt, rttvar; /* ns */
	uint64_t cwnd, bytes_in_flight;
	size_t path_max_udp_payload; /* current, raised by PMTUD */
	size_t dgram_budget;	     /* lp_quic_conn_dgram_budget() */
};

/* lp_quic_now: CLOCK_MONOTONIC in nanoseconds, the module's clock. */
uint64_t lp_quic_now(void);

/*
 * lp_quic_dgram_budget: the largest DATAGRAM payload that fits one packet:
 * path_max_udp - (LP_QUIC_DGRAM_OVERHEAD + dcid_len), at most
 * peer_max_frame - 3 (frame type and a 2-byte length); 0 when
 * peer_max_frame is 0 (no DATAGRAM) or the path is too small. Pure.
 */
size_t lp_quic_dgram_budget(size_t path_max_udp, size_t dcid_len, uint64_t peer_max_frame);

/*
 * lp_quic_conn_client_new: start a client connection (the first packets
 * come from lp_quic_conn_write()).
 * out: receives the connection; free it with lp_quic_conn_free().
 * creds: client credentials (pinned or system trust); a reference is taken.
 * server_name: SNI / hostname to verify (see lp_tls_session_new()); may be
 *   NULL with pinned credentials.
 * cfg: settings (copied); cb: callbacks (copied, any may be NULL);
 * user_data: passed to the callbacks.
 * path: local and remote address of the UDP socket (copied).
 * ts: now (lp_quic_now()).
 * Returns 0, LP_ERR_INVALID (bad cfg or creds kind), LP_ERR_NOMEM,
 * LP_ERR_UNSUPPORTED (gnutls or ngtcp2 refused a setting).
 */
int lp_quic_conn_client_new(struct lp_quic_conn **out, struct lp_tls_creds *creds,
			    const char *server_name, const struct lp_quic_config *cfg,
			    const struct lp_quic_callbacks *cb, void *user_data,
			    const struct lp_quic_path *path, uint64_t ts);

/* lp_quic_conn_free: free c (no packet is sent) and drop its creds reference. NULL is fine. */
void lp_quic_conn_free(struct lp_quic_conn *c);

/*
 * lp_quic_conn_read: feed one received UDP payload to c.
 * Returns 0 while the connection lives; LP_ERR_STATE when it is closed (now
 * or before: on_close tells why); LP_ERR_INVALID for a NULL or empty
 * argument. Bad packets are dropped silently, as QUIC wants. Write
 * afterwards: the read may have produced ACKs or a close.
 */
int lp_quic_conn_read(struct lp_quic_conn *c, const struct lp_quic_path *path, const uint8_t *pkt,
		      size_t len, uint64_t ts);

/*
 * lp_quic_conn_write: produce the next packet to send: handshake, ACKs,
 * pending control stream bytes, queued datagrams (several per packet when
 * they fit), or the CONNECTION_CLOSE of a closed connection.
 * buf, buflen: output, at least LP_QUIC_PKT_BUF bytes.
 * to: receives the destination address.
 * Returns the packet length (send it to *to), 0 when there is nothing to
 * send now (idle, congestion or pacing: wait for a read or the expiry),
 * LP_ERR_NOBUF (buflen too small). A fatal ngtcp2 error closes the
 * connection (on_close) and the call returns its CONNECTION_CLOSE packet.
 */
ssize_t lp_quic_conn_write(struct lp_quic_conn *c, uint8_t *buf, size_t buflen,
			   struct lp_quic_addr *to, uint64_t ts);

struct lp_quic_batch {
	size_t len;	 /* bytes written into the buffer */
	size_t seg_size; /* size of every packet but the last (UDP_SEGMENT) */
	size_t count;	 /* packets in the batch */
	struct lp_quic_addr to;
};

/*
 * lp_quic_conn_write_batch: write up to max_pkts packets back to back into
 * buf for one sendmsg with UDP_SEGMENT (GSO): all packets but the last are
 * out->seg_size bytes, the last may be shorter, all go to out->to. Stops at
 * a short packet, a path change, the send quantum, max_pkts, or when buf
 * cannot hold another LP_QUIC_PKT_BUF bytes. A packet that cannot join the
 * batch is kept and comes first next time: call until out->count is 0.
 * Calls ngtcp2_conn_update_pkt_tx_time() once per batch, as pacing wants.
 * Returns 0 (out->count may be 0: nothing to send) or LP_ERR_NOBUF.
 */
int lp_quic_conn_write_batch(struct lp_quic_conn *c, uint8_t *buf, size_t buflen, size_t max_pkts,
			     struct lp_quic_batch *out, uint64_t ts);

/*
 * lp_quic_conn_expiry: when lp_quic_conn_handle_expiry() must run next
 * (ns timestamp, possibly in the past: 0 when a packet is waiting to be
 * written), or UINT64_MAX for never.
 */
uint64_t lp_quic_conn_expiry(const struct lp_quic_conn *c);

/*
 * lp_quic_conn_handle_expiry: run c's timers (loss recovery, PTO, idle,
 * keep-alive, pacing, end of closing/draining). Call when the expiry has
 * passed, then write. Returns 0 while the connection lives, LP_ERR_STATE
 * once it is closed (idle and handshake timeouts close it here).
 */
int lp_quic_conn_handle_expiry(struct lp_quic_conn *c, uint64_t ts);

/*
 * lp_quic_conn_close: close c with an application code (enum
 * lp_quic_app_code) and a reason phrase (may be NULL; truncated to
 * LP_QUIC_REASON_MAX and made printable). The CONNECTION_CLOSE comes out of
 * the next lp_quic_conn_write(); on_close runs now, or, when called from a
 * callback of c, as soon as the ngtcp2 call under way returns.
 * Returns 0, or LP_ERR_STATE when c is already closed.
 */
int lp_quic_conn_close(struct lp_quic_conn *c, uint64_t app_code, const char *reason, uint64_t ts);

/*
 * lp_quic_conn_send_datagram: queue one DATAGRAM payload (copied).
 * Returns 0; LP_ERR_STATE (handshake not done, or closed); LP_ERR_TOO_BIG
 * (larger than lp_quic_conn_dgram_budget(): split it; counted);
 * LP_ERR_LIMIT (queue full: dropped and counted).
 */
int lp_quic_conn_send_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len);

/* lp_quic_conn_send_datagramv: the same with the payload in iovcnt pieces. */
int lp_quic_conn_send_datagramv(struct lp_quic_conn *c, const struct iovec *iov, size_t iovcnt);

/*
 * lp_quic_conn_dgram_budget: largest DATAGRAM payload that fits one packet
 * on c's current path (lp_quic_dgram_budget() on the live values), 0 before
 * the handshake is done or after close. It grows when PMTUD succeeds and
 * no event says so: poll it.
 */
size_t lp_quic_conn_dgram_budget(const struct lp_quic_conn *c);

/* lp_quic_conn_dgram_queue_room: datagrams that can be queued right now. */
size_t lp_quic_conn_dgram_queue_room(const struct lp_quic_conn *c);

/*
 * lp_quic_conn_stream_send: append bytes (copied) to the control stream:
 * the first client-initiated bidirectional stream. A client opens it once
 * the handshake is done (data queued earlier waits); a server can only
 * answer on it after the client has sent on it.
 * Returns 0; LP_ERR_STATE (closed, or server before the client's stream);
 * LP_ERR_LIMIT (not enough room in the send buffer now: nothing was queued,
 * retry after writes and acks); LP_ERR_TOO_BIG (len exceeds the whole buffer);
 * LP_ERR_NOMEM.
 */
int lp_quic_conn_stream_send(struct lp_quic_conn *c, const uint8_t *data, size_t len);

/* lp_quic_conn_stream_pending: control stream bytes queued and not yet acknowledged. */
size_t lp_quic_conn_stream_pending(const struct lp_quic_conn *c);

/* True once the handshake is done and until the connection closes. */
bool lp_quic_conn_is_open(const struct lp_quic_conn *c);
/* True once on_close has run. */
bool lp_quic_conn_is_closed(const struct lp_quic_conn *c);
/* True when nothing is left to do: free it. */
bool lp_quic_conn_is_dead(const struct lp_quic_conn *c);
bool lp_quic_conn_is_server(const struct lp_quic_conn *c);

/* lp_quic_conn_close_info: why c closed (kind LP_QUIC_CLOSE_NONE while open). */
const struct lp_quic_close *lp_quic_conn_close_info(const struct lp_quic_conn *c);

/* lp_quic_conn_stats: c's counters, owned by c. */
const struct lp_quic_stats *lp_quic_conn_stats(const struct lp_quic_conn *c);

/* lp_quic_conn_get_info: RTT, congestion window and sizes of c now. */
void lp_quic_conn_get_info(const struct lp_quic_conn *c, struct lp_quic_info *out);

/*
 * lp_quic_conn_get_alpn: the negotiated ALPN as a C string in buf.
 * Returns 0, LP_ERR_STATE (none negotiated yet), LP_ERR_NOBUF.
 */
int lp_quic_conn_get_alpn(const struct lp_quic_conn *c, char *buf, size_t buflen);

/* lp_quic_conn_remote: the peer's current address (follows NAT rebinding). */
void lp_quic_conn_remote(const struct lp_quic_conn *c, struct lp_quic_addr *out);

void *lp_quic_conn_user_data(const struct lp_quic_conn *c);
void lp_quic_conn_set_user_data(struct lp_quic_conn *c, void *user_data);

/* lp_quic_close_kind_str: a short English name of a close kind. */
const char *lp_quic_close_kind_str(enum lp_quic_close_kind kind);

/*
 * lp_quic_app_code_str: a short English name of an application code of the
 * QUIC layer; "rejected" and "disconnected" for the control protocol's
 * ranges (ctrl.h names those reasons); "unknown" otherwise.
 */
const char *lp_quic_app_code_str(uint64_t code);

/* ---------------------------------------------------------------------------
 * Server: routing and accepting.
 *
 * The relay's receive path, per datagram (all server CIDs are
 * LP_QUIC_CID_LEN bytes, so short headers decode without a lookup):
 *
 *   r = lp_quic_decode_ids(pkt, n, &ids);
 *   LP_ERR_VERSION -> lp_quic_write_version_negotiation(), send, done
 *   other error    -> drop
 *   c = lookup(ids.dcid, ids.dcid_len)   (the relay's own hash table)
 *   found          -> lp_quic_conn_read(c, ...)
 *   short header   -> lp_quic_write_stateless_reset() (rate-limited), send
 *   long header    -> lp_quic_accept(pkt, n, &ini); error -> drop
 *                     r = lp_quic_retry_verify(&ini, ...):
 *                       LP_ERR_INVALID -> drop
 *                       LP_ERR_NOT_FOUND (no Retry token) and the relay
 *                       wants address validation now (under load, or
 *                       always): lp_quic_retry_write(), send, done
 *                     lp_quic_conn_server_new(&c, ..., &ini, ...)
 *                     map ini.dcid and every lp_quic_conn_scids() to c
 *                     lp_quic_conn_read(c, ...)
 *
 * Afterwards map each on_cid_new and unmap each on_cid_retired; on free,
 * unmap ini.dcid (lp_quic_conn_initial_dcid()) and lp_quic_conn_scids().
 * ------------------------------------------------------------------------ */

/* Version and connection IDs of a packet; the pointers point into it. */
struct lp_quic_ids {
	uint32_t version; /* 0 for a short header */
	bool long_header;
	const uint8_t *dcid; /* up to 255 bytes for unknown versions */
	size_t dcid_len;
	const uint8_t *scid; /* NULL for a short header */
	size_t scid_len;
};

/*
 * lp_quic_decode_ids: read version and CIDs (short headers: DCID of
 * LP_QUIC_CID_LEN bytes). Returns 0; LP_ERR_VERSION when a long header
 * carries a version other than QUIC v1 and the packet is big enough to
 * deserve a Version Negotiation (out is filled); LP_ERR_INVALID otherwise
 * (too short, a Version Negotiation packet, garbage): drop it.
 */
int lp_quic_decode_ids(const uint8_t *pkt, size_t len, struct lp_quic_ids *out);

/*
 * lp_quic_write_version_negotiation: a Version Negotiation packet offering
 * QUIC v1, answering the packet ids were decoded from. unused_random: a
 * random byte (its low 7 bits go in the first byte).
 * Returns the length, or LP_ERR_NOBUF / LP_ERR_INVALID.
 */
ssize_t lp_quic_write_version_negotiation(uint8_t *buf, size_t buflen,
					  const struct lp_quic_ids *ids, uint8_t unused_random);

/* What lp_quic_accept() learns from a client's first Initial packet. */
struct lp_quic_initial {
	uint32_t version;
	struct lp_quic_cid dcid; /* DCID of this Initial: map it to the new conn */
	struct lp_quic_cid scid; /* the client's SCID */
	const uint8_t *token;	 /* token in the packet (NULL if none): points into it */
	size_t token_len;
	bool retried;		  /* the token was verified as our Retry token */
	struct lp_quic_cid odcid; /* when retried: DCID of the client's first Initial */
};

/*
 * lp_quic_accept: decide whether pkt may open a new connection (an Initial
 * of QUIC v1 in a datagram of at least 1200 bytes, DCID of 8 to 20 bytes).
 * Returns 0 with out filled (retried false), or LP_ERR_INVALID: drop.
 */
int lp_quic_accept(const uint8_t *pkt, size_t len, struct lp_quic_initial *out);

/*
 * lp_quic_retry_write: a Retry packet for ini, whose token binds the
 * client's address and ini->dcid under secret (LP_QUIC_SECRET_LEN bytes),
 * valid for LP_QUIC_RETRY_TOKEN_TIMEOUT. Returns the length, LP_ERR_NOBUF,
 * LP_ERR_INVALID (ini not from lp_quic_accept()), or LP_ERR_UNSUPPORTED
 * (crypto failure).
 */
ssize_t lp_quic_retry_write(uint8_t *buf, size_t buflen, const struct lp_quic_initial *ini,
			    const uint8_t *secret, const struct sockaddr *remote,
			    socklen_t remote_len, uint64_t ts);

/*
 * lp_quic_retry_verify: check ini's token as a Retry token of ours for this
 * client address; on success set ini->retried and ini->odcid.
 * Returns 0; LP_ERR_NOT_FOUND (no token, or not a Retry token: treat as
 * none); LP_ERR_INVALID (forged, expired, other address: drop).
 */
int lp_quic_retry_verify(struct lp_quic_initial *ini, const uint8_t *secret,
			 const struct sockaddr *remote, socklen_t remote_len, uint64_t ts);

/*
 * lp_quic_conn_server_new: a server connection for an accepted Initial
 * (feed that packet to lp_quic_conn_read() next). Arguments as for
 * lp_quic_conn_client_new(); creds are server credentials; cfg->secret is
 * required; ini comes from lp_quic_accept() (and lp_quic_retry_verify());
 * its token is copied. Returns 0, LP_ERR_INVALID, LP_ERR_NOMEM,
 * LP_ERR_UNSUPPORTED.
 */
int lp_quic_conn_server_new(struct lp_quic_conn **out, struct lp_tls_creds *creds,
			    const struct lp_quic_config *cfg, const struct lp_quic_callbacks *cb,
			    void *user_data, const struct lp_quic_initial *ini,
			    const struct lp_quic_path *path, uint64_t ts);

/*
 * lp_quic_conn_scids: copy up to max of c's current own connection IDs
 * (those the peer may send to) into out. Returns how many there are (may
 * exceed max; 0 only when out of memory).
 */
size_t lp_quic_conn_scids(const struct lp_quic_conn *c, struct lp_quic_cid *out, size_t max);

/* lp_quic_conn_initial_dcid: server: ini->dcid it was created with; client: its first DCID. */
const struct lp_quic_cid *lp_quic_conn_initial_dcid(const struct lp_quic_conn *c);

/*
 * lp_quic_write_stateless_reset: a Stateless Reset answering a short-header
 * packet of rx_len bytes to unknown DCID dcid, with the token derived from
 * secret, shorter than rx_len (no reset loops). Returns the length, 0 when
 * rx_len is too small to answer, LP_ERR_NOBUF, LP_ERR_INVALID.
 */
ssize_t lp_quic_write_stateless_reset(uint8_t *buf, size_t buflen, const uint8_t *secret,
				      const uint8_t *dcid, size_t dcid_len, size_t rx_len);

#endif
