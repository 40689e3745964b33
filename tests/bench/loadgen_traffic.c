/*
 * loadgen_traffic.c: Ethernet frames between members at a paced rate, and
 * the count of what comes back.
 *
 * Every frame is a well-formed IPv4/UDP packet from the member's own MAC
 * (the relay pins it) and address 10.x.y.z: unicast to another member of
 * the same room (its MAC and address) on UDP port 9, or, every Nth frame,
 * broadcast to ff:ff:ff:ff:ff:ff and 255.255.255.255 on port 27015, like a
 * game's server discovery. No class the relay filters (DHCP server, RA,
 * switch control) is ever sent, so every frame sent should come out.
 *
 * A tick timer every millisecond sends the frames due since the start
 * (rate x elapsed), visiting the live members in turn.
 */
#include "loadgen.h"

#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "err.h"

#define TICK_NS	     (1000 * 1000ull)
#define PORT_UNICAST 9	   /* discard */
#define PORT_BCAST   27015 /* a game's LAN discovery */
#define HDRS	     (14 + 20 + 8)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_ip(uint8_t *p, uint32_t index)
{
	uint32_t host = index + 1; /* 10.0.0.0 is not a host */

	p[0] = 10;
	p[1] = (uint8_t)(host >> 16);
	p[2] = (uint8_t)(host >> 8);
	p[3] = (uint8_t)host;
}

static uint16_t ip_sum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t lg_traffic_build(uint8_t *buf, size_t size, const struct lg_member *src,
			const struct lg_member *dst, uint32_t seq, const uint8_t *payload)
{
	uint8_t *ip = buf + 14, *udp = ip + 20;

	if (size < LG_FRAME_MIN || size > LG_FRAME_MAX)
		return 0;
	if (dst) {
		memcpy(buf, dst->mac.b, LP_MAC_LEN);
	} else {
		memset(buf, 0xff, LP_MAC_LEN);
	}
	memcpy(buf + 6, src->mac.b, LP_MAC_LEN);
	put16(buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(size - 14));
	put16(ip + 4, (uint16_t)seq);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	put_ip(ip + 12, src->index);
	if (dst)
		put_ip(ip + 16, dst->index);
	else
		memset(ip + 16, 0xff, 4);
	put16(ip + 10, ip_sum(ip));
	put16(udp, 40000);
	put16(udp + 2, dst ? PORT_UNICAST : PORT_BCAST);
	put16(udp + 4, (uint16_t)(size - 14 - 20));
	put16(udp + 6, 0); /* no UDP checksum: allowed over IPv4 */
	memcpy(udp + 8, payload, size - HDRS);
	return size;
}

int lg_traffic_init(struct lg *lg)
{
	lg->payload = malloc(LG_FRAME_MAX);
	if (!lg->payload)
		return LP_ERR_NOMEM;
	for (size_t i = 0; i < LG_FRAME_MAX; i++)
		lg->payload[i] = (uint8_t)(i * 7 + 3);
	lg->bcast_every =
		lg->o.broadcast_pct > 0 ? (uint32_t)(100.0 / lg->o.broadcast_pct + 0.5) : 0;
	if (lg->o.broadcast_pct > 0 && lg->bcast_every == 0)
		lg->bcast_every = 1;
	return 0;
}

void lg_traffic_free(struct lg *lg)
{
	free(lg->payload);
	lg->payload = NULL;
}

/* Another live member of m's room, or NULL. */
static struct lg_member *pick_peer(struct lg_member *m)
{
	struct lg_room *room = m->room;

	if (room->n_live < 2)
		return NULL;
	for (uint32_t tries = 1; tries < room->n_members && tries <= 8; tries++) {
		uint32_t step = 1 + (m->seq + tries) % (room->n_members - 1);
		struct lg_member *p = room->members[(m->slot + step) % room->n_members];

		if (p->state == LG_WELCOMED)
			return p;
	}
	return NULL;
}

/* Queue one frame from m; the relay sends it on to expected receivers. */
static void send_one(struct lg *lg, struct lg_member *m, bool bcast)
{
	uint8_t frame[LG_FRAME_MAX], dg[LP_QUIC_PKT_BUF];
	struct lg_member *dst = bcast ? NULL : pick_peer(m);
	size_t budget = lp_quic_conn_dgram_budget(m->q);
	struct lp_dgram_split sp;
	ssize_t n;

	if (!bcast && !dst) {
		lg->c.tx_skip++;
		return;
	}
	size_t len = lg_traffic_build(frame, lg->o.frame_size, m, dst, m->seq++, lg->payload);
	if (budget > sizeof(dg))
		budget = sizeof(dg);
	int pieces = lp_dgram_split_count(len, budget);
	if (pieces < 1 || lp_quic_conn_dgram_queue_room(m->q) < (size_t)pieces ||
	    lp_dgram_split_init(&sp, frame, len, budget, m->frag_id) < 0) {
		lg->c.tx_drop_queue++;
		return;
	}
	if (pieces > 1)
		m->frag_id++;
	while ((n = lp_dgram_split_next(&sp, dg, sizeof(dg))) > 0) {
		if (lp_quic_conn_send_datagram(m->q, dg, (size_t)n) < 0) {
			lg->c.tx_drop_queue++;
			return;
		}
	}
	lg->c.tx_frames++;
	lg->c.tx_bytes += len;
	if (bcast) {
		lg->c.tx_bcast++;
		lg->c.tx_expected += m->room->n_live - 1;
	} else {
		lg->c.tx_expected++;
	}
	lg_mark_dirty(m);
}

/* The next live member after the cursor, or NULL when none is left. */
static struct lg_member *next_sender(struct lg *lg)
{
	for (size_t i = 0; i < lg->n_members; i++) {
		struct lg_member *m = &lg->members[lg->cursor];

		lg->cursor = (lg->cursor + 1) % lg->n_members;
		if (m->state == LG_WELCOMED)
			return m;
	}
	return NULL;
}

static void on_tick(struct lp_loop *loop, struct lp_timer *t)
{
	struct lg *lg = t->arg;
	uint64_t now = lp_loop_now(loop);
	double elapsed = (double)(now - lg->traffic_t0) / 1e9;
	uint64_t due = (uint64_t)(elapsed * lg->o.rate);
	uint64_t done = lg->frames_due_base;

	/* At most 100 ms of frames at once: a stalled loop does not burst a second's worth. */
	if (due > done + (uint64_t)(lg->o.rate / 10) + 1) {
		uint64_t skip_to = due - (uint64_t)(lg->o.rate / 10) - 1;

		lg->c.tx_behind += skip_to - done;
		done = skip_to;
	}
	for (; done < due; done++) {
		struct lg_member *m = next_sender(lg);

		if (!m)
			break;
		/* The frame's number in the run, not the member's: every Nth frame overall. */
		bool bcast = lg->bcast_every && done % lg->bcast_every == lg->bcast_every - 1;
		send_one(lg, m, bcast);
	}
	lg->frames_due_base = due;
	if (lg->sending)
		(void)lp_loop_timer_arm(loop, t, lp_timer_deadline(t) + TICK_NS);
}

void lg_traffic_start(struct lg *lg)
{
	lg->sending = true;
	lg->traffic_t0 = lp_quic_now();
	lg->frames_due_base = 0;
	lp_timer_init(&lg->tick, on_tick, lg);
	(void)lp_loop_timer_arm(lg->loop, &lg->tick, lg->traffic_t0 + TICK_NS);
}

void lg_traffic_stop(struct lg *lg)
{
	lg->sending = false;
	lp_loop_timer_cancel(lg->loop, &lg->tick);
}

void lg_traffic_on_frame(struct lg_member *m, const uint8_t *frame, size_t len)
{
	struct lg_count *c = &m->lg->c;

	c->rx_frames++;
	c->rx_bytes += len;
	if (len < 14) {
		c->rx_bad++;
		return;
	}
	if (memcmp(frame, "\xff\xff\xff\xff\xff\xff", LP_MAC_LEN) == 0)
		c->rx_bcast++;
	else if (memcmp(frame, m->mac.b, LP_MAC_LEN) != 0)
		c->rx_misdelivered++; /* unicast for another member: a relay bug */
}
