/*
 * loadgen_net.c: the load generator's UDP side. A few sockets on 127.0.0.1
 * carry every member: received packets come in recvmmsg batches (UDP_GRO
 * when the kernel has it) and go to their member by connection ID; packets
 * to send are gathered from every member with something to write and leave
 * in sendmmsg batches, each message a GSO train of one member's packets.
 * The load generator must cost less than the relay it measures, so no
 * packet costs a syscall of its own.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cidmap.h"
#include "err.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* Kernel socket buffers: a join storm of peer_joined messages must not overflow them. */
#define LG_SOCK_BUF (16 << 20)

/* Receive buffers, shared by every socket (one loop, one thread). */
static uint8_t rx_bufs[LG_RX_BATCH][LG_RX_BUF];

/* Send batch: LG_TX_SLOTS messages of up to LG_TX_SLOT_PKTS packets each. */
static uint8_t tx_bufs[LG_TX_SLOTS][LG_TX_SLOT_PKTS * LP_QUIC_PKT_BUF];
static struct mmsghdr tx_msgs[LG_TX_SLOTS];
static struct iovec tx_iov[LG_TX_SLOTS];
static struct lp_quic_addr tx_to[LG_TX_SLOTS];
static union {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
} tx_ctrl[LG_TX_SLOTS];
static size_t tx_n;

static void set_buf(int fd, int opt_force, int opt)
{
	int size = LG_SOCK_BUF;

	/* As root the FORCE variant passes net.core.[rw]mem_max; else take what is allowed. */
	if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static size_t gro_size(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		int v;

		if (cm->cmsg_level != SOL_UDP || cm->cmsg_type != UDP_GRO)
			continue;
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		return v > 0 ? (size_t)v : 0;
	}
	return 0;
}

static void on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lg_sock *s = io->arg;
	struct lg *lg = s->lg;
	struct mmsghdr mm[LG_RX_BATCH];
	struct iovec iov[LG_RX_BATCH];
	struct sockaddr_in from[LG_RX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf[LG_RX_BATCH];

	(void)events;
	/* A few batches per wakeup, then let the other sockets and the timers run. */
	for (int round = 0; round < 4; round++) {
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < LG_RX_BATCH; i++) {
			iov[i] = (struct iovec){ rx_bufs[i], LG_RX_BUF };
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = cbuf[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
		}
		int n = recvmmsg(s->fd, mm, LG_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		uint64_t now = lp_loop_now(loop);
		for (int i = 0; i < n; i++) {
			size_t total = mm[i].msg_len;
			size_t seg = s->gro ? gro_size(&mm[i].msg_hdr) : 0;

			if (seg == 0 || seg > total)
				seg = total;
			for (size_t off = 0; off < total; off += seg) {
				size_t len = total - off < seg ? total - off : seg;

				lg->c.udp_rx++;
				lg_member_packet(lg, s, &from[i], rx_bufs[i] + off, len, now);
			}
		}
		if (n < LG_RX_BATCH)
			return;
	}
}

static int open_one(struct lg *lg, struct lg_sock *s)
{
	socklen_t len = sizeof(s->local);
	int one = 1, seg = 1200, zero = 0;

	s->lg = lg;
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	set_buf(s->fd, SO_RCVBUFFORCE, SO_RCVBUF);
	set_buf(s->fd, SO_SNDBUFFORCE, SO_SNDBUF);
	s->local.sin_family = AF_INET;
	s->local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->fd, (struct sockaddr *)&s->local, sizeof(s->local)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&s->local, &len) < 0)
		return -errno;
	/* Probe GSO with a socket-wide size, then clear it: sizes go per message. */
	s->gso = setsockopt(s->fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) == 0;
	if (s->gso)
		(void)setsockopt(s->fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero));
	s->gro = setsockopt(s->fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	lp_io_init(&s->io, s->fd, on_readable, s);
	return lp_loop_io_add(lg->loop, &s->io, LP_IO_READ);
}

int lg_net_open(struct lg *lg)
{
	lg->cids = cid_map_new();
	if (!lg->cids)
		return LP_ERR_NOMEM;
	for (size_t i = 0; i < lg->o.sockets; i++) {
		lg->socks[i].fd = -1;
		lg->n_socks = i + 1;
		int r = open_one(lg, &lg->socks[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void lg_net_close(struct lg *lg)
{
	for (size_t i = 0; i < lg->n_socks; i++) {
		struct lg_sock *s = &lg->socks[i];

		if (s->fd < 0)
			continue;
		lp_loop_io_del(lg->loop, &s->io);
		close(s->fd);
		s->fd = -1;
	}
	cid_map_del(lg->cids);
	lg->cids = NULL;
}

void lg_mark_dirty(struct lg_member *m)
{
	if (m->dirty || !m->q)
		return;
	m->dirty = true;
	m->dirty_next = m->sock->dirty;
	m->sock->dirty = m;
}

/* Send what is gathered; a full socket buffer loses packets, and QUIC recovers. */
static void tx_send(struct lg *lg, struct lg_sock *s)
{
	size_t done = 0;

	while (done < tx_n) {
		int n = sendmmsg(s->fd, tx_msgs + done, (unsigned)(tx_n - done), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			lg->c.udp_tx_err += tx_n - done;
			break;
		}
		done += (size_t)n;
	}
	tx_n = 0;
}

/* One member's batch becomes one message: a GSO train when the socket can. */
static void tx_add(struct lg *lg, struct lg_sock *s, const struct lp_quic_batch *b)
{
	struct msghdr *mh = &tx_msgs[tx_n].msg_hdr;

	tx_to[tx_n] = b->to;
	tx_iov[tx_n] = (struct iovec){ tx_bufs[tx_n], b->len };
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &tx_to[tx_n].ss;
	mh->msg_namelen = tx_to[tx_n].len;
	mh->msg_iov = &tx_iov[tx_n];
	mh->msg_iovlen = 1;
	if (b->count > 1) {
		uint16_t seg = (uint16_t)b->seg_size;
		struct cmsghdr *cm;

		mh->msg_control = tx_ctrl[tx_n].buf;
		mh->msg_controllen = sizeof(tx_ctrl[tx_n].buf);
		cm = CMSG_FIRSTHDR(mh);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	}
	lg->c.udp_tx += b->count;
	if (++tx_n == LG_TX_SLOTS)
		tx_send(lg, s);
}

static void rearm(struct lg *lg, struct lg_member *m)
{
	uint64_t at = lp_quic_conn_expiry(m->q);

	if (at == UINT64_MAX)
		lp_loop_timer_cancel(lg->loop, &m->timer);
	else if (!lp_timer_armed(&m->timer) || lp_timer_deadline(&m->timer) != at)
		(void)lp_loop_timer_arm(lg->loop, &m->timer, at);
}

static void flush_member(struct lg *lg, struct lg_sock *s, struct lg_member *m, uint64_t now)
{
	size_t max = s->gso ? LG_TX_SLOT_PKTS : 1;
	struct lp_quic_batch b;

	/* Bounded, so one member with a deep queue cannot hold up the rest. */
	for (int i = 0; i < 16; i++) {
		if (lp_quic_conn_write_batch(m->q, tx_bufs[tx_n], sizeof(tx_bufs[0]), max, &b,
					     now) < 0 ||
		    b.count == 0)
			break;
		tx_add(lg, s, &b);
	}
	rearm(lg, m);
}

void lg_net_flush(struct lg *lg)
{
	uint64_t now = lp_quic_now();

	for (size_t i = 0; i < lg->n_socks; i++) {
		struct lg_sock *s = &lg->socks[i];
		struct lg_member *m = s->dirty;

		s->dirty = NULL;
		while (m) {
			struct lg_member *next = m->dirty_next;

			m->dirty = false;
			m->dirty_next = NULL;
			if (m->q && !lp_quic_conn_is_dead(m->q))
				flush_member(lg, s, m, now);
			m = next;
		}
		if (tx_n)
			tx_send(lg, s);
	}
}
