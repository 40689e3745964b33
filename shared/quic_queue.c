/*
 * quic_queue.c: what the application hands a connection to send: queued
 * datagrams (a FIFO of pool slots, dropped and counted when full) and
 * control stream bytes (a list of chunks whose sent, unacknowledged bytes
 * never move, because ngtcp2 keeps pointers into them until they are
 * acknowledged; a chunk is freed once acknowledged).
 */
#include "quic_int.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

int lp_quic_conn_send_datagramv(struct lp_quic_conn *c, const struct iovec *iov, size_t iovcnt)
{
	struct lp_quic_dgram_slot *s;
	size_t total = 0, budget, off = 0;

	if (!lp_quic_conn_is_open(c))
		return LP_ERR_STATE;
	budget = lp_quic_conn_dgram_budget(c);
	for (size_t i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > budget || total + iov[i].iov_len > budget) {
			c->stats.dgrams_drop_too_big++;
			return LP_ERR_TOO_BIG;
		}
		total += iov[i].iov_len;
	}
	if (c->dq_count == c->dq_cap) {
		c->stats.dgrams_drop_full++;
		return LP_ERR_LIMIT;
	}
	if (!c->pool) {
		int err = lp_quic_dgram_pool_new(&c->pool, c->dq_cap);
		if (err)
			return err;
		c->own_pool = true;
	}
	/* A busy pool keeps room for every connection's fair share. */
	if (!c->own_pool && c->dq_count >= LP_QUIC_DGRAM_FAIR_SHARE &&
	    c->pool->in_use > c->pool->max_slots / 2) {
		c->stats.dgrams_drop_full++;
		return LP_ERR_LIMIT;
	}
	s = lp_quic_dgram_pool_get(c->pool);
	if (!s) {
		/* The shared pool is exhausted: as full as a queue can be. */
		c->stats.dgrams_drop_full++;
		return LP_ERR_LIMIT;
	}
	for (size_t i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(s->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	s->len = (uint16_t)total;
	s->next = NULL;
	if (c->dq_tail)
		c->dq_tail->next = s;
	else
		c->dq_head = s;
	c->dq_tail = s;
	c->dq_count++;
	return 0;
}

int lp_quic_conn_send_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len)
{
	struct iovec iov = { (void *)(uintptr_t)data, len };

	return lp_quic_conn_send_datagramv(c, &iov, 1);
}

void lp_quic_dq_clear(struct lp_quic_conn *c)
{
	if (c->dq_head)
		lp_quic_dgram_pool_put(c->pool, c->dq_head, c->dq_tail, c->dq_count);
	c->dq_head = c->dq_tail = NULL;
	c->dq_count = 0;
}

size_t lp_quic_conn_dgram_queue_room(const struct lp_quic_conn *c)
{
	return lp_quic_conn_is_open(c) ? c->dq_cap - c->dq_count : 0;
}

int lp_quic_conn_stream_send(struct lp_quic_conn *c, const uint8_t *data, size_t len)
{
	struct lp_quic_sb_chunk *last = c->sb_last;

	if (c->state >= LP_QUIC_ST_CLOSING || c->close_deferred || c->stream_gone ||
	    (c->server && c->stream_id < 0))
		return LP_ERR_STATE;
	if (len > c->sb_cap)
		return LP_ERR_TOO_BIG;
	if (c->sb_tail - c->sb_acked + len > c->sb_cap)
		return LP_ERR_LIMIT;
	if (len == 0)
		return 0;
	/* Appending after the last chunk's bytes moves none that ngtcp2 holds. */
	if (!last || last->cap - last->used < len) {
		size_t cap = len < LP_QUIC_SB_CHUNK_MIN ? LP_QUIC_SB_CHUNK_MIN : len;
		struct lp_quic_sb_chunk *ch = malloc(sizeof(*ch) + cap);

		if (!ch)
			return LP_ERR_NOMEM;
		ch->next = NULL;
		ch->off = c->sb_tail;
		ch->used = 0;
		ch->cap = cap;
		if (last)
			last->next = ch;
		else
			c->sb_head = ch;
		c->sb_last = last = ch;
	}
	memcpy(last->data + last->used, data, len);
	last->used += len;
	c->sb_tail += len;
	return 0;
}

void lp_quic_sb_release(struct lp_quic_conn *c, bool all)
{
	while (c->sb_head && (all || c->sb_head->off + c->sb_head->used <= c->sb_acked)) {
		struct lp_quic_sb_chunk *next = c->sb_head->next;

		free(c->sb_head);
		c->sb_head = next;
	}
	if (!c->sb_head)
		c->sb_last = NULL;
}

size_t lp_quic_sb_vecs(const struct lp_quic_conn *c, ngtcp2_vec *v, size_t max)
{
	size_t n = 0;

	for (struct lp_quic_sb_chunk *ch = c->sb_head; ch && n < max; ch = ch->next) {
		uint64_t end = ch->off + ch->used;

		if (end <= c->sb_sent)
			continue;
		size_t skip = c->sb_sent > ch->off ? (size_t)(c->sb_sent - ch->off) : 0;
		v[n].base = ch->data + skip;
		v[n].len = ch->used - skip;
		n++;
	}
	return n;
}

size_t lp_quic_conn_stream_pending(const struct lp_quic_conn *c)
{
	return (size_t)(c->sb_tail - c->sb_acked);
}
