/*
 * quic_int.h: internals shared by quic.c (set-up, getters), quic_cb.c
 * (ngtcp2 callbacks), quic_io.c (read, write, timers, close), quic_queue.c
 * (send queues) and quic_server.c. Not part of the module's contract:
 * include quic.h.
 */
#ifndef LP_QUIC_INT_H
#define LP_QUIC_INT_H

#include "quic.h"

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

enum lp_quic_state {
	LP_QUIC_ST_HANDSHAKE,
	LP_QUIC_ST_OPEN,
	LP_QUIC_ST_CLOSING,  /* we sent CONNECTION_CLOSE; resend it on late packets */
	LP_QUIC_ST_DRAINING, /* the peer closed; send nothing */
	LP_QUIC_ST_DEAD,
};

/* Ack-eliciting packets received before an immediate ACK (ngtcp2's default is 2). */
#ifndef LP_QUIC_ACK_THRESH
#define LP_QUIC_ACK_THRESH 10
#endif

/* Longest ALPN protocol name kept, with its NUL. */
#define LP_QUIC_ALPN_MAX 64

struct lp_quic_dgram_slot {
	struct lp_quic_dgram_slot *next; /* in a connection's queue or the pool's free list */
	uint16_t len;
	uint8_t data[LP_QUIC_MAX_UDP_PAYLOAD];
};

/* Control stream bytes from stream offset off: used of cap bytes filled. */
struct lp_quic_sb_chunk {
	struct lp_quic_sb_chunk *next;
	uint64_t off;
	size_t used, cap;
	uint8_t data[];
};

/* Stream vectors offered to ngtcp2 per packet written. */
#define LP_QUIC_SB_VECS 8

/* Smallest chunk: control messages that follow each other share one. */
#define LP_QUIC_SB_CHUNK_MIN 1024

/* Free the chunks whose bytes are all acknowledged (all chunks when all is true). */
void lp_quic_sb_release(struct lp_quic_conn *c, bool all);

/* Stream bytes from sb_sent on, as up to max vectors into the chunks; returns the count. */
size_t lp_quic_sb_vecs(const struct lp_quic_conn *c, ngtcp2_vec *v, size_t max);

/* A pool: a free list over chunks of slots (quic_pool.c). */
struct lp_quic_dgram_chunk {
	struct lp_quic_dgram_chunk *next;
	size_t n;
	struct lp_quic_dgram_slot slots[];
};

struct lp_quic_dgram_pool {
	struct lp_quic_dgram_slot *free;
	struct lp_quic_dgram_chunk *chunks;
	size_t n_slots, max_slots;
	size_t in_use; /* slots in connections' queues */
};

/*
 * A connection's share of a pool more than half full: past it, its
 * datagrams are refused as a full queue, so that a few stalled connections
 * cannot take every slot from the others.
 */
#define LP_QUIC_DGRAM_FAIR_SHARE 64

/* A free slot from p, growing it by a chunk when needed; NULL when p is full or out of memory. */
struct lp_quic_dgram_slot *lp_quic_dgram_pool_get(struct lp_quic_dgram_pool *p);

/* Give the n slots of a list (first..last, linked by next) back to p. */
void lp_quic_dgram_pool_put(struct lp_quic_dgram_pool *p, struct lp_quic_dgram_slot *first,
			    struct lp_quic_dgram_slot *last, size_t n);

struct lp_quic_conn {
	ngtcp2_conn *conn;
	gnutls_session_t tls;
	/* gnutls_session_set_ptr() points here: ngtcp2's crypto helper needs it. */
	ngtcp2_crypto_conn_ref conn_ref;
	struct lp_tls_creds *creds;
	struct lp_quic_callbacks cb;
	void *user_data;
	char alpn[LP_QUIC_ALPN_MAX];
	bool server;
	enum lp_quic_state state;
	unsigned int depth;   /* > 0 while an ngtcp2 call that may call back runs */
	bool handshake_seen;  /* ngtcp2 reported completion; not handled yet */
	bool stateless_reset; /* a Stateless Reset ended the connection */
	bool close_deferred;  /* lp_quic_conn_close() ran inside a callback */
	uint64_t deferred_code;
	struct lp_quic_close close;
	uint64_t close_deadline;
	uint8_t *close_pkt; /* the CONNECTION_CLOSE, kept to answer late packets */
	size_t close_pkt_len;
	struct lp_quic_addr close_to;
	bool close_resend;
	uint64_t close_rx, close_rx_next;
	uint8_t secret[LP_QUIC_SECRET_LEN];
	struct lp_quic_cid initial_dcid;
	uint16_t pmtud_probe;
	size_t max_udp_payload;
	ngtcp2_path_storage ps; /* where the packet being written goes */
	/* A written packet that could not join a GSO batch. */
	uint8_t *stash; /* LP_QUIC_PKT_BUF bytes, allocated the first time one is needed */
	size_t stash_len;
	struct lp_quic_addr stash_to;
	/* Outgoing datagrams: a FIFO of at most dq_cap slots taken from pool
	 * (a shared one, or own_pool made on first use). */
	struct lp_quic_dgram_pool *pool;
	bool own_pool;
	struct lp_quic_dgram_slot *dq_head, *dq_tail;
	size_t dq_cap, dq_count;
	/* Control stream bytes not yet acknowledged: [sb_acked, sb_tail) by
	 * stream offset, in a list of chunks. ngtcp2 keeps pointers into
	 * [sb_acked, sb_sent) until they are acked, so bytes never move; a
	 * chunk is freed once all its bytes are acked. Memory follows the bytes
	 * in flight: an idle connection holds none. At most sb_cap pending. */
	int64_t stream_id;
	bool stream_gone; /* the peer reset or ended the control stream */
	struct lp_quic_sb_chunk *sb_head, *sb_last;
	size_t sb_cap;
	uint64_t sb_acked, sb_sent, sb_tail;
	struct lp_quic_stats stats;
};

/* Drop every queued datagram (back to the pool). */
void lp_quic_dq_clear(struct lp_quic_conn *c);

/* Fill buf with len random bytes; 0 or -errno. */
int lp_quic_random(void *buf, size_t len);

/* Convert between the public CID and ngtcp2's. */
void lp_quic_cid_to_ng(const struct lp_quic_cid *in, ngtcp2_cid *out);
void lp_quic_cid_from_ng(const ngtcp2_cid *in, struct lp_quic_cid *out);

/* Copy an ngtcp2 address into a public one. */
void lp_quic_addr_from_ng(const ngtcp2_addr *in, struct lp_quic_addr *out);

/* Sanitised copy of a reason phrase into dst (LP_QUIC_REASON_MAX + 1 bytes). */
void lp_quic_reason_copy(char *dst, const uint8_t *src, size_t len);

/* conn_ref's get_conn: the ngtcp2_conn of the lp_quic_conn in ref->user_data. */
ngtcp2_conn *lp_quic_get_conn(ngtcp2_crypto_conn_ref *ref);

/* Fill cb with the crypto helper's callbacks and quic_cb.c's own. */
void lp_quic_set_callbacks(ngtcp2_callbacks *cb, bool server);

/* Record why c closed, switch state and call on_close (once). */
void lp_quic_closed(struct lp_quic_conn *c, enum lp_quic_state state, uint64_t ts);

#endif
