/*
 * quic_io.c: driving a connection: reading packets, writing packets (alone
 * or in GSO batches), timers, closing. The send queues they drain are in
 * quic_queue.c.
 */
#include "quic_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* -------------------------------------------------------------- closing */

void lp_quic_closed(struct lp_quic_conn *c, enum lp_quic_state state, uint64_t ts)
{
	bool first = c->state < LP_QUIC_ST_CLOSING;

	c->state = state;
	/* Closing starts its three PTOs when the CONNECTION_CLOSE first leaves
	 * (write_one): a loop that runs timers before writes, after a stall,
	 * must not reach the deadline before the packet was ever sent. */
	if (state == LP_QUIC_ST_CLOSING)
		c->close_deadline = UINT64_MAX;
	if (state == LP_QUIC_ST_DRAINING)
		c->close_deadline = ts + 3 * ngtcp2_conn_get_pto(c->conn);
	if (state != LP_QUIC_ST_CLOSING) {
		free(c->close_pkt);
		c->close_pkt = NULL;
		c->close_resend = false;
	}
	if (!first)
		return;
	/* Nothing queued will ever be sent now. */
	lp_quic_dq_clear(c);
	c->sb_acked = c->sb_sent = c->sb_tail;
	lp_quic_sb_release(c, true);
	if (c->cb.on_close)
		c->cb.on_close(c, &c->close, c->user_data);
}

static uint8_t alert_of(bool app, uint64_t code)
{
	if (app || code < NGTCP2_CRYPTO_ERROR || code > (NGTCP2_CRYPTO_ERROR | 0xff))
		return 0;
	return (uint8_t)(code & 0xff);
}

/* Write our CONNECTION_CLOSE (kept for resending) and enter closing. */
static void close_local(struct lp_quic_conn *c, const ngtcp2_ccerr *e, uint64_t ts)
{
	ngtcp2_ssize n = 0;
	ngtcp2_pkt_info pi;

	c->close.kind = LP_QUIC_CLOSE_LOCAL;
	c->close.app = e->type == NGTCP2_CCERR_TYPE_APPLICATION;
	c->close.code = e->error_code;
	c->close.tls_alert = alert_of(c->close.app, e->error_code);
	if (!c->close_pkt)
		c->close_pkt = malloc(LP_QUIC_PKT_BUF);
	if (c->close_pkt) {
		c->depth++;
		n = ngtcp2_conn_write_connection_close(c->conn, &c->ps.path, &pi, c->close_pkt,
						       LP_QUIC_PKT_BUF, e, ts);
		c->depth--;
	}
	if (n > 0) {
		c->close_pkt_len = (size_t)n;
		lp_quic_addr_from_ng(&c->ps.path.remote, &c->close_to);
		c->close_resend = true;
	}
	/* Without a packet (no keys yet, out of memory) there is nothing to wait for. */
	lp_quic_closed(c, n > 0 ? LP_QUIC_ST_CLOSING : LP_QUIC_ST_DEAD, ts);
}

static void close_app(struct lp_quic_conn *c, uint64_t code, uint64_t ts)
{
	ngtcp2_ccerr e;

	ngtcp2_ccerr_set_application_error(&e, code, (const uint8_t *)c->close.reason,
					   strlen(c->close.reason));
	c->close.liberr = 0;
	close_local(c, &e, ts);
}

static void peer_closed(struct lp_quic_conn *c, uint64_t ts)
{
	const ngtcp2_ccerr *e = ngtcp2_conn_get_ccerr(c->conn);

	if (c->stateless_reset) {
		c->close.kind = LP_QUIC_CLOSE_STATELESS_RESET;
		c->close.reason[0] = '\0';
	} else {
		c->close.kind = LP_QUIC_CLOSE_PEER;
		c->close.app = e->type == NGTCP2_CCERR_TYPE_APPLICATION;
		c->close.code = e->error_code;
		c->close.tls_alert = alert_of(c->close.app, e->error_code);
		lp_quic_reason_copy(c->close.reason, e->reason, e->reason ? e->reasonlen : 0);
	}
	lp_quic_closed(c, LP_QUIC_ST_DRAINING, ts);
}

/* An ngtcp2 call failed with rv: close the way ngtcp2's docs ask. */
static int fail(struct lp_quic_conn *c, int rv, uint64_t ts)
{
	ngtcp2_ccerr e;
	uint8_t alert;

	if (c->state >= LP_QUIC_ST_CLOSING)
		return LP_ERR_STATE;
	c->close.liberr = rv;
	c->close.reason[0] = '\0';
	switch (rv) {
	case NGTCP2_ERR_DRAINING:
		peer_closed(c, ts);
		return LP_ERR_STATE;
	case NGTCP2_ERR_IDLE_CLOSE:
		c->close.kind = LP_QUIC_CLOSE_IDLE;
		lp_quic_closed(c, LP_QUIC_ST_DEAD, ts);
		return LP_ERR_STATE;
	case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
		c->close.kind = LP_QUIC_CLOSE_HANDSHAKE_TIMEOUT;
		lp_quic_closed(c, LP_QUIC_ST_DEAD, ts);
		return LP_ERR_STATE;
	case NGTCP2_ERR_DROP_CONN:
	case NGTCP2_ERR_RETRY:
		c->close.kind = LP_QUIC_CLOSE_DROPPED;
		lp_quic_closed(c, LP_QUIC_ST_DEAD, ts);
		return LP_ERR_STATE;
	case NGTCP2_ERR_CRYPTO:
		alert = ngtcp2_conn_get_tls_alert(c->conn);
		/* 80: internal_error, when gnutls failed without an alert. */
		ngtcp2_ccerr_set_tls_alert(&e, alert ? alert : 80, NULL, 0);
		break;
	default:
		ngtcp2_ccerr_set_liberr(&e, rv, NULL, 0);
		break;
	}
	close_local(c, &e, ts);
	return LP_ERR_STATE;
}

/* The handshake finished: softlan's own conditions on it. */
static uint64_t check_handshake(struct lp_quic_conn *c)
{
	const ngtcp2_transport_params *rp = ngtcp2_conn_get_remote_transport_params(c->conn);
	gnutls_datum_t d;
	size_t len = strlen(c->alpn);

	if (gnutls_alpn_get_selected_protocol(c->tls, &d) < 0 || d.size != len ||
	    memcmp(d.data, c->alpn, len) != 0) {
		lp_quic_reason_copy(c->close.reason, (const uint8_t *)"ALPN mismatch", 13);
		return LP_QUIC_APP_ALPN;
	}
	if (!rp || rp->max_datagram_frame_size == 0) {
		lp_quic_reason_copy(c->close.reason, (const uint8_t *)"DATAGRAM required", 17);
		return LP_QUIC_APP_NO_DATAGRAM;
	}
	return LP_QUIC_APP_NO_ERROR;
}

/* After an ngtcp2 call returned: run what the callbacks only noted. */
static int settle(struct lp_quic_conn *c, uint64_t ts)
{
	uint64_t code;

	if (c->handshake_seen && c->state == LP_QUIC_ST_HANDSHAKE) {
		c->handshake_seen = false;
		code = check_handshake(c);
		if (code != LP_QUIC_APP_NO_ERROR) {
			close_app(c, code, ts);
			return LP_ERR_STATE;
		}
		c->state = LP_QUIC_ST_OPEN;
		if (c->cb.on_handshake_done)
			c->cb.on_handshake_done(c, c->user_data);
	}
	if (c->close_deferred && c->state < LP_QUIC_ST_CLOSING) {
		c->close_deferred = false;
		close_app(c, c->deferred_code, ts);
	}
	return c->state >= LP_QUIC_ST_CLOSING ? LP_ERR_STATE : 0;
}

int lp_quic_conn_close(struct lp_quic_conn *c, uint64_t app_code, const char *reason, uint64_t ts)
{
	if (c->state >= LP_QUIC_ST_CLOSING || c->close_deferred)
		return LP_ERR_STATE;
	lp_quic_reason_copy(c->close.reason, (const uint8_t *)reason, reason ? strlen(reason) : 0);
	if (c->depth > 0) {
		c->close_deferred = true;
		c->deferred_code = app_code;
		return 0;
	}
	close_app(c, app_code, ts);
	return 0;
}

/* -------------------------------------------------------------- reading */

int lp_quic_conn_read(struct lp_quic_conn *c, const struct lp_quic_path *path, const uint8_t *pkt,
		      size_t len, uint64_t ts)
{
	ngtcp2_pkt_info pi = { 0 };
	ngtcp2_path np;
	int rv;

	if (c->state == LP_QUIC_ST_CLOSING) {
		/* Answer late packets with our close again, ever more sparingly. */
		if (++c->close_rx >= c->close_rx_next) {
			c->close_rx_next *= 2;
			c->close_resend = true;
		}
		return LP_ERR_STATE;
	}
	if (c->state > LP_QUIC_ST_CLOSING)
		return LP_ERR_STATE;
	if (!path || !path->local || !path->remote || !pkt || len == 0)
		return LP_ERR_INVALID;
	np.local.addr = (ngtcp2_sockaddr *)(uintptr_t)path->local;
	np.local.addrlen = path->local_len;
	np.remote.addr = (ngtcp2_sockaddr *)(uintptr_t)path->remote;
	np.remote.addrlen = path->remote_len;
	np.user_data = NULL;
	c->stats.pkts_recv++;
	c->depth++;
	rv = ngtcp2_conn_read_pkt(c->conn, &np, &pi, pkt, len, ts);
	c->depth--;
	if (rv != 0)
		return fail(c, rv, ts);
	return settle(c, ts);
}

/* -------------------------------------------------------------- writing */

static bool stream_has_data(const struct lp_quic_conn *c)
{
	return c->stream_id >= 0 && !c->stream_gone && c->sb_sent < c->sb_tail;
}

static void dq_pop(struct lp_quic_conn *c)
{
	struct lp_quic_dgram_slot *s = c->dq_head;

	c->dq_head = s->next;
	if (!c->dq_head)
		c->dq_tail = NULL;
	c->dq_count--;
	lp_quic_dgram_pool_put(c->pool, s, s, 1);
}

/*
 * One packet: control stream bytes first (they are small and gate the
 * session), then as many queued datagrams as fit, then whatever ngtcp2
 * still has (ACKs, handshake, retransmissions, PINGs).
 */
static ngtcp2_ssize write_pkt(struct lp_quic_conn *c, uint8_t *buf, size_t buflen, uint64_t ts)
{
	bool open = c->state == LP_QUIC_ST_OPEN;
	size_t budget = lp_quic_conn_dgram_budget(c);
	bool stream_tried = false;
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n, nd;
	ngtcp2_vec v[LP_QUIC_SB_VECS];
	int64_t id;

	if (open && !c->server && c->stream_id < 0 && !c->stream_gone && c->sb_tail > 0 &&
	    ngtcp2_conn_open_bidi_stream(c->conn, &id, NULL) == 0)
		c->stream_id = id;
	for (;;) {
		if (open && !stream_tried && stream_has_data(c)) {
			size_t nv = lp_quic_sb_vecs(c, v, LP_QUIC_SB_VECS);

			stream_tried = true;
			nd = -1;
			n = ngtcp2_conn_writev_stream(c->conn, &c->ps.path, &pi, buf, buflen, &nd,
						      NGTCP2_WRITE_STREAM_FLAG_MORE, c->stream_id,
						      v, nv, ts);
			if (nd > 0) {
				c->sb_sent += (uint64_t)nd;
				c->stats.stream_bytes_sent += (uint64_t)nd;
			}
			if (n == NGTCP2_ERR_WRITE_MORE || n == NGTCP2_ERR_STREAM_DATA_BLOCKED ||
			    n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND)
				continue;
			return n;
		}
		if (open && c->dq_count > 0) {
			struct lp_quic_dgram_slot *s = c->dq_head;
			int accepted = 0;

			/* An oversized datagram would make ngtcp2 return 0 forever. */
			if (s->len > budget) {
				dq_pop(c);
				c->stats.dgrams_drop_too_big++;
				continue;
			}
			v[0].base = s->data;
			v[0].len = s->len;
			n = ngtcp2_conn_writev_datagram(c->conn, &c->ps.path, &pi, buf, buflen,
							&accepted, NGTCP2_WRITE_DATAGRAM_FLAG_MORE,
							0, v, 1, ts);
			if (accepted) {
				dq_pop(c);
				c->stats.dgrams_sent++;
			}
			if (n == NGTCP2_ERR_WRITE_MORE)
				continue;
			if (n == NGTCP2_ERR_INVALID_ARGUMENT && !accepted) {
				/* Larger than the peer's max_datagram_frame_size. */
				dq_pop(c);
				c->stats.dgrams_drop_too_big++;
				continue;
			}
			/* > 0: a full packet (an unaccepted datagram waits for the
			 * next one); 0: congestion or pacing; < 0: fatal. */
			return n;
		}
		return ngtcp2_conn_writev_stream(c->conn, &c->ps.path, &pi, buf, buflen, NULL,
						 NGTCP2_WRITE_STREAM_FLAG_NONE, -1, NULL, 0, ts);
	}
}

static ssize_t write_one(struct lp_quic_conn *c, uint8_t *buf, size_t buflen,
			 struct lp_quic_addr *to, uint64_t ts)
{
	ngtcp2_ssize n;

	if (c->stash_len) {
		n = (ngtcp2_ssize)c->stash_len;
		memcpy(buf, c->stash, c->stash_len);
		*to = c->stash_to;
		c->stash_len = 0;
		return n;
	}
	if (c->state == LP_QUIC_ST_CLOSING) {
		if (!c->close_resend)
			return 0;
		c->close_resend = false;
		if (c->close_deadline == UINT64_MAX)
			c->close_deadline = ts + 3 * ngtcp2_conn_get_pto(c->conn);
		memcpy(buf, c->close_pkt, c->close_pkt_len);
		*to = c->close_to;
		c->stats.pkts_sent++;
		return (ssize_t)c->close_pkt_len;
	}
	if (c->state > LP_QUIC_ST_CLOSING)
		return 0;
	c->depth++;
	n = write_pkt(c, buf, buflen, ts);
	c->depth--;
	if (n < 0) {
		(void)fail(c, (int)n, ts);
		/* Now closing (our CONNECTION_CLOSE is next) or dead. */
		return write_one(c, buf, buflen, to, ts);
	}
	if (n > 0) {
		lp_quic_addr_from_ng(&c->ps.path.remote, to);
		c->stats.pkts_sent++;
	}
	return n;
}

ssize_t lp_quic_conn_write(struct lp_quic_conn *c, uint8_t *buf, size_t buflen,
			   struct lp_quic_addr *to, uint64_t ts)
{
	ssize_t n;

	if (buflen < LP_QUIC_PKT_BUF)
		return LP_ERR_NOBUF;
	n = write_one(c, buf, buflen, to, ts);
	if (c->state <= LP_QUIC_ST_OPEN) {
		ngtcp2_conn_update_pkt_tx_time(c->conn, ts);
		(void)settle(c, ts);
	}
	return n;
}

static bool addr_equal(const struct lp_quic_addr *a, const struct lp_quic_addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, (size_t)a->len) == 0;
}

int lp_quic_conn_write_batch(struct lp_quic_conn *c, uint8_t *buf, size_t buflen, size_t max_pkts,
			     struct lp_quic_batch *out, uint64_t ts)
{
	size_t quantum = SIZE_MAX;
	struct lp_quic_addr to;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (buflen < LP_QUIC_PKT_BUF)
		return LP_ERR_NOBUF;
	if (c->state <= LP_QUIC_ST_OPEN)
		quantum = ngtcp2_conn_get_send_quantum(c->conn);
	while (out->count < max_pkts && buflen - out->len >= LP_QUIC_PKT_BUF &&
	       (out->count == 0 || out->len < quantum)) {
		n = write_one(c, buf + out->len, buflen - out->len, &to, ts);
		if (n <= 0)
			break;
		if (out->count == 0) {
			out->seg_size = (size_t)n;
			out->to = to;
		} else if (!addr_equal(&to, &out->to) || (size_t)n > out->seg_size) {
			/* GSO needs one destination and no segment larger than the first.
			 * Without memory for the stash the packet is lost, as on a
			 * network: QUIC recovers. */
			if (!c->stash)
				c->stash = malloc(LP_QUIC_PKT_BUF);
			if (c->stash) {
				memcpy(c->stash, buf + out->len, (size_t)n);
				c->stash_len = (size_t)n;
				c->stash_to = to;
			}
			break;
		}
		out->len += (size_t)n;
		out->count++;
		if ((size_t)n < out->seg_size)
			break;
	}
	if (c->state <= LP_QUIC_ST_OPEN) {
		ngtcp2_conn_update_pkt_tx_time(c->conn, ts);
		(void)settle(c, ts);
	}
	return 0;
}

/* -------------------------------------------------------------- timers */

uint64_t lp_quic_conn_expiry(const struct lp_quic_conn *c)
{
	/* A packet is waiting: a caller that only writes on timers gets it out. */
	if (c->stash_len || c->close_resend)
		return 0;
	switch (c->state) {
	case LP_QUIC_ST_HANDSHAKE:
	case LP_QUIC_ST_OPEN:
		return ngtcp2_conn_get_expiry(c->conn);
	case LP_QUIC_ST_CLOSING:
	case LP_QUIC_ST_DRAINING:
		return c->close_deadline;
	case LP_QUIC_ST_DEAD:
		break;
	}
	return UINT64_MAX;
}

int lp_quic_conn_handle_expiry(struct lp_quic_conn *c, uint64_t ts)
{
	int rv;

	if (c->state == LP_QUIC_ST_CLOSING || c->state == LP_QUIC_ST_DRAINING) {
		if (ts >= c->close_deadline)
			lp_quic_closed(c, LP_QUIC_ST_DEAD, ts);
		return LP_ERR_STATE;
	}
	if (c->state == LP_QUIC_ST_DEAD)
		return LP_ERR_STATE;
	c->depth++;
	rv = ngtcp2_conn_handle_expiry(c->conn, ts);
	c->depth--;
	if (rv != 0)
		return fail(c, rv, ts);
	return settle(c, ts);
}
