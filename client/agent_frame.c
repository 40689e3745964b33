/*
 * agent_frame.c: Ethernet frames between the device and the relay: whole
 * FRAME datagrams or fragments out, reassembly in, TCP MSS clamping both
 * ways, and the traffic counters. No allocation and no log line per frame
 * (log_trace only).
 */
#include "agent_int.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "clock.h"
#include "dgram.h"
#include "err.h"
#include "mss.h"
#include "mtu.h"
#include "rand.h"

void lp_agent_frames_reset(struct lp_agent *a)
{
	/* A fresh id space per connection: the relay's reassembler starts anew too. */
	if (lp_random_bytes(&a->frag_id, sizeof(a->frag_id)) < 0)
		a->frag_id = (uint32_t)lp_now_ns();
	a->mss_budget = 0;
	a->dev_dirty = false;
}

/*
 * The MSS limits: what the room MTU allows, and what one whole datagram on
 * this path carries (so that inner TCP never needs fragments); the smaller.
 */
static void mss_update(struct lp_agent *a, size_t budget)
{
	size_t fb;
	uint16_t p4, p6;

	if (budget == a->mss_budget)
		return;
	a->mss_budget = budget;
	fb = lp_mtu_frame_budget(budget);
	a->mss_v4 = lp_mss_for_mtu(a->mtu, false);
	a->mss_v6 = lp_mss_for_mtu(a->mtu, true);
	p4 = lp_mtu_mss(fb, false);
	p6 = lp_mtu_mss(fb, true);
	if (p4 && (p4 < a->mss_v4 || !a->mss_v4))
		a->mss_v4 = p4;
	if (p6 && (p6 < a->mss_v6 || !a->mss_v6))
		a->mss_v6 = p6;
	log_debug("mss_clamp budget=%zu mss_v4=%u mss_v6=%u", budget, a->mss_v4, a->mss_v6);
}

static enum lp_cast cast_of(const uint8_t *frame)
{
	struct lp_mac dst;

	memcpy(dst.b, frame, LP_MAC_LEN);
	return lp_mac_cast(&dst);
}

static int drop(struct lp_agent *a, enum lp_drop why, int r)
{
	lp_counters_drop(&a->ctr, why);
	log_trace("frame_dropped reason=%s", lp_drop_name(why));
	return r;
}

int lp_agent_send_frame(struct lp_agent *a, uint8_t *frame, size_t len)
{
	uint8_t buf[LP_QUIC_PKT_BUF];
	struct lp_dgram_split sp;
	size_t budget;
	int pieces, r;
	ssize_t n;

	if (!a->q || !a->welcomed || a->stopping || !lp_quic_conn_is_open(a->q))
		return drop(a, LP_DROP_NOT_ADMITTED, LP_ERR_STATE);
	if (len < LP_DGRAM_FRAME_MIN)
		return drop(a, LP_DROP_MALFORMED, LP_ERR_INVALID);
	if (len > a->frame_max)
		return drop(a, LP_DROP_OVERSIZE, LP_ERR_TOO_BIG);
	budget = lp_quic_conn_dgram_budget(a->q);
	if (budget > sizeof(buf))
		budget = sizeof(buf);
	if (a->cfg.clamp_mss) {
		mss_update(a, budget);
		(void)lp_mss_clamp(frame, len, a->mss_v4, a->mss_v6);
	}
	pieces = lp_dgram_split_count(len, budget);
	if (pieces < 0)
		return drop(a, LP_DROP_OVERSIZE, pieces);
	if (lp_quic_conn_dgram_queue_room(a->q) < (size_t)pieces && !a->busy) {
		lp_agent_conn_write(a); /* a long burst from the device: make room first */
		if (a->end_pending)
			lp_agent_conn_kick(a); /* the write ended the connection: act on it */
	}
	if (lp_quic_conn_dgram_queue_room(a->q) < (size_t)pieces)
		return drop(a, LP_DROP_QUEUE_FULL, LP_ERR_LIMIT);
	if (pieces == 1) {
		/* The header byte and the frame as two pieces: no copy of the frame here. */
		uint8_t hdr = LP_DGRAM_BYTE0_FRAME;
		struct iovec iov[2] = { { &hdr, 1 }, { frame, len } };

		r = lp_quic_conn_send_datagramv(a->q, iov, 2);
	} else {
		r = lp_dgram_split_init(&sp, frame, len, budget, a->frag_id++);
		while (r == 0 && (n = lp_dgram_split_next(&sp, buf, sizeof(buf))) != 0)
			r = n < 0 ? (int)n : lp_quic_conn_send_datagram(a->q, buf, (size_t)n);
	}
	if (r < 0)
		return drop(a, r == LP_ERR_LIMIT ? LP_DROP_QUEUE_FULL : LP_DROP_SEND_FAILED, r);
	lp_counters_add(&a->ctr, LP_DIR_UP, cast_of(frame), len);
	log_trace("frame_up len=%zu pieces=%d", len, pieces);
	lp_agent_conn_kick(a);
	return 0;
}

void lp_agent_flush(struct lp_agent *a)
{
	lp_agent_conn_after_io(a);
}

void lp_agent_dev_flush(struct lp_agent *a)
{
	if (a->dev_dirty && a->dev.flush)
		a->dev.flush(a->dev.ctx);
	a->dev_dirty = false;
}

static void deliver(struct lp_agent *a, const uint8_t *frame, size_t len)
{
	uint16_t mss;
	int r;

	/* Only SYNs are copied, to clamp them: the relay's frames are read-only here. */
	if (a->cfg.clamp_mss && len <= LP_AGENT_FRAME_MAX && lp_mss_get(frame, len, &mss) == 0) {
		mss_update(a, lp_quic_conn_dgram_budget(a->q));
		memcpy(a->scratch, frame, len);
		if (lp_mss_clamp(a->scratch, len, a->mss_v4, a->mss_v6) == 1)
			frame = a->scratch;
	}
	if (a->dev.write_frame) {
		r = a->dev.write_frame(a->dev.ctx, frame, len);
		a->dev_dirty = true;
		if (r < 0) {
			drop(a,
			     r == LP_ERR_LIMIT || r == -EAGAIN ? LP_DROP_QUEUE_FULL
							       : LP_DROP_SEND_FAILED,
			     r);
			return;
		}
	}
	lp_counters_add(&a->ctr, LP_DIR_DOWN, cast_of(frame), len);
	log_trace("frame_down len=%zu", len);
}

void lp_agent_on_datagram(struct lp_agent *a, const uint8_t *data, size_t len)
{
	const uint8_t *frame;
	size_t flen;
	struct lp_dgram d;
	int r;

	if (!a->welcomed) {
		drop(a, LP_DROP_NOT_ADMITTED, 0);
		return;
	}
	if (lp_dgram_peek_frame(data, len, &frame, &flen)) {
		deliver(a, frame, flen);
		return;
	}
	if (lp_dgram_decode(data, len, &d) < 0) {
		drop(a, LP_DROP_MALFORMED, 0);
		return;
	}
	r = lp_reasm_push(&a->reasm, &d, lp_now_ns(), &frame, &flen);
	if (r == 1)
		deliver(a, frame, flen);
	else if (r == LP_ERR_TOO_BIG && d.index == 0)
		drop(a, LP_DROP_OVERSIZE, 0); /* once per frame, not per piece */
	else if (r < 0 && r != LP_ERR_TOO_BIG)
		drop(a, LP_DROP_FRAGMENT, 0);
}
