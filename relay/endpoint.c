/*
 * endpoint.c: the relay's QUIC endpoint: routes each packet to its session
 * by connection ID, accepts new connections (with Retry address validation
 * always or above a handshake rate), answers unknown connections with a
 * stateless reset, and writes every session that has something to send once
 * per loop iteration: all of their packets go into the relay's send queue
 * (udp.c) and leave together, a sendmmsg per 1024 GSO trains.
 */
#include "relay.h"

#include <string.h>

#include "cidmap.h"
#include "err.h"
#include "log.h"
#include "rand.h"

static struct lp_log_rl drop_rl = LP_LOG_RL_INIT(5, 10);

int lp_endpoint_init(struct lp_relay *r)
{
	int ret = lp_udp_txq_init(&r->txq);
	if (ret < 0)
		return ret;
	r->cids = cid_map_new();
	return r->cids ? 0 : LP_ERR_NOMEM;
}

void lp_endpoint_free(struct lp_relay *r)
{
	while (r->sessions)
		lp_session_free(r->sessions);
	cid_map_del(r->cids);
	r->cids = NULL;
	lp_udp_txq_free(&r->txq);
}

void lp_endpoint_dirty(struct lp_session *s)
{
	if (s->dirty)
		return;
	s->dirty = true;
	s->dirty_next = s->relay->dirty;
	s->relay->dirty = s;
}

/*
 * Queue a packet the endpoint wrote itself (Retry, version negotiation,
 * stateless reset) at the send queue's space: n bytes to to.
 */
static void queue_own(struct lp_relay *r, struct lp_udp *u, const struct sockaddr *to,
		      socklen_t tolen, size_t n)
{
	struct lp_quic_addr a;
	if (tolen > sizeof(a.ss))
		return;
	memcpy(&a.ss, to, tolen);
	a.len = tolen;
	lp_udp_txq_add(&r->txq, u, n, n, &a);
}

/* Where to write such a packet: LP_QUIC_PKT_BUF bytes at the send queue's space. */
static uint8_t *own_buf(struct lp_relay *r)
{
	size_t room;
	return lp_udp_txq_space(&r->txq, &room);
}

/* Retry in auto mode once more than retry_rate handshakes start in a second. */
static bool want_retry(struct lp_relay *r, uint64_t now)
{
	if (r->cfg.retry == LP_RETRY_ALWAYS)
		return true;
	if (r->cfg.retry == LP_RETRY_NEVER)
		return false;
	uint64_t sec = now / 1000000000ull;
	if (sec != r->hs_second) {
		r->hs_second = sec;
		r->hs_count = 0;
	}
	return ++r->hs_count > r->cfg.retry_rate;
}

static void map_session_cids(struct lp_relay *r, struct lp_session *s)
{
	struct lp_quic_cid ids[16];
	size_t n = lp_quic_conn_scids(s->q, ids, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		cid_map_put(r->cids, ids[i].data, ids[i].len, s);
	const struct lp_quic_cid *init = lp_quic_conn_initial_dcid(s->q);
	if (init)
		cid_map_put(r->cids, init->data, init->len, s);
}

static void accept_new(struct lp_relay *r, struct lp_udp *u, const struct sockaddr *from,
		       socklen_t fromlen, uint8_t *pkt, size_t len, uint64_t now)
{
	struct lp_quic_initial ini;
	if (r->stopping || lp_quic_accept(pkt, len, &ini) < 0) {
		r->stats.rx_dropped++;
		return;
	}
	int v = lp_quic_retry_verify(&ini, r->secret, from, fromlen, now);
	if (v == LP_ERR_INVALID) {
		r->stats.rx_dropped++;
		return;
	}
	if (v == LP_ERR_NOT_FOUND && want_retry(r, now)) {
		ssize_t n = lp_quic_retry_write(own_buf(r), LP_QUIC_PKT_BUF, &ini, r->secret, from,
						fromlen, now);
		if (n > 0) {
			queue_own(r, u, from, fromlen, (size_t)n);
			r->stats.retries_sent++;
		}
		return;
	}
	if (r->n_sessions >= LP_RELAY_MAX_CONNS) {
		log_warnx_rl(&drop_rl, "connection_refused reason=too_many_connections count=%zu",
			     r->n_sessions);
		return;
	}
	struct lp_session *s = lp_session_new(r, u);
	if (!s)
		return;
	lp_session_set_remote(s, from, fromlen);
	struct lp_quic_path path = {
		.local = (const struct sockaddr *)&u->local.ss,
		.local_len = u->local.len,
		.remote = from,
		.remote_len = fromlen,
	};
	if (lp_quic_conn_server_new(&s->q, r->creds, &r->qcfg, &lp_session_callbacks, s, &ini,
				    &path, now) < 0) {
		r->stats.handshake_failures++;
		lp_session_free(s);
		return;
	}
	map_session_cids(r, s);
	lp_quic_conn_read(s->q, &path, pkt, len, now);
	lp_endpoint_dirty(s);
}

void lp_endpoint_packet(struct lp_relay *r, struct lp_udp *u, const struct sockaddr *from,
			socklen_t fromlen, uint8_t *pkt, size_t len, uint64_t now)
{
	struct lp_quic_ids ids;
	int ret = lp_quic_decode_ids(pkt, len, &ids);
	if (ret == LP_ERR_VERSION) {
		uint8_t rnd = 0;
		lp_random_bytes(&rnd, 1);
		ssize_t n =
			lp_quic_write_version_negotiation(own_buf(r), LP_QUIC_PKT_BUF, &ids, rnd);
		if (n > 0) {
			queue_own(r, u, from, fromlen, (size_t)n);
			r->stats.version_negotiations++;
		}
		return;
	}
	if (ret < 0) {
		r->stats.rx_dropped++;
		return;
	}
	struct lp_session *s = cid_map_get(r->cids, ids.dcid, ids.dcid_len);
	if (s) {
		struct lp_quic_path path = {
			.local = (const struct sockaddr *)&u->local.ss,
			.local_len = u->local.len,
			.remote = from,
			.remote_len = fromlen,
		};
		s->udp = u; /* a migrated peer may arrive on another socket */
		lp_quic_conn_read(s->q, &path, pkt, len, now);
		lp_endpoint_dirty(s);
		return;
	}
	if (ids.long_header) {
		accept_new(r, u, from, fromlen, pkt, len, now);
		return;
	}
	/* A short header for no connection: the peer lost us (relay restart). */
	ssize_t n = lp_quic_write_stateless_reset(own_buf(r), LP_QUIC_PKT_BUF, r->secret, ids.dcid,
						  ids.dcid_len, len);
	if (n > 0) {
		queue_own(r, u, from, fromlen, (size_t)n);
		r->stats.stateless_resets++;
	}
}

void lp_endpoint_on_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_session *s = t->arg;
	lp_quic_conn_handle_expiry(s->q, lp_loop_now(loop));
	lp_endpoint_dirty(s);
}

/* Queue all s has to send; then re-arm its timer or free it. */
static void write_session(struct lp_relay *r, struct lp_session *s, uint64_t now)
{
	struct lp_quic_batch b;
	uint64_t close_at = lp_session_pending_close(s, now);
	for (int i = 0; i < 64; i++) {
		size_t room;
		uint8_t *buf = lp_udp_txq_space(&r->txq, &room);
		if (lp_quic_conn_write_batch(s->q, buf, room, LP_RELAY_GSO_MAX, &b, now) < 0 ||
		    b.count == 0)
			break;
		lp_udp_txq_add(&r->txq, s->udp, b.len, b.seg_size ? b.seg_size : b.len, &b.to);
	}
	if (lp_quic_conn_is_dead(s->q) || (s->closing && lp_quic_conn_is_closed(s->q) &&
					   lp_quic_conn_expiry(s->q) == UINT64_MAX)) {
		lp_session_free(s);
		return;
	}
	uint64_t exp = lp_quic_conn_expiry(s->q);
	if (close_at < exp)
		exp = close_at;
	if (exp == UINT64_MAX) {
		lp_loop_timer_cancel(r->loop, &s->timer);
		return;
	}
	/* Most writes leave the expiry where it was: spare the timer heap a fix-up. */
	if (!lp_timer_armed(&s->timer) || lp_timer_deadline(&s->timer) != exp)
		lp_loop_timer_arm(r->loop, &s->timer, exp);
}

void lp_endpoint_flush(struct lp_loop *loop, void *arg)
{
	struct lp_relay *r = arg;
	uint64_t now = lp_loop_now(loop);
	while (r->dirty) {
		struct lp_session *s = r->dirty;
		r->dirty = s->dirty_next;
		s->dirty = false;
		s->dirty_next = NULL;
		write_session(r, s, now);
	}
	lp_udp_txq_flush(&r->txq);
}

void lp_endpoint_close_all(struct lp_relay *r, enum lp_disconnect_reason why)
{
	for (struct lp_session *s = r->sessions; s; s = s->next) {
		if (s->admitted)
			lp_session_disconnect(s, why, NULL);
		else if (!lp_quic_conn_is_closed(s->q))
			lp_quic_conn_close(s->q, LP_QUIC_APP_SHUTDOWN, "shutdown",
					   lp_loop_now(r->loop));
		lp_endpoint_dirty(s);
	}
	lp_endpoint_flush(r->loop, r);
}

void lp_endpoint_unmap(struct lp_relay *r, struct lp_session *s)
{
	if (!s->q)
		return;
	struct lp_quic_cid ids[16];
	size_t n = lp_quic_conn_scids(s->q, ids, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		cid_map_remove(r->cids, ids[i].data, ids[i].len, s);
	const struct lp_quic_cid *init = lp_quic_conn_initial_dcid(s->q);
	if (init)
		cid_map_remove(r->cids, init->data, init->len, s);
}

void lp_endpoint_map_cid(struct lp_relay *r, struct lp_session *s, const struct lp_quic_cid *cid)
{
	cid_map_put(r->cids, cid->data, cid->len, s);
}

void lp_endpoint_unmap_cid(struct lp_relay *r, struct lp_session *s, const struct lp_quic_cid *cid)
{
	cid_map_remove(r->cids, cid->data, cid->len, s);
}
