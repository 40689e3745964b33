/*
 * udp.c: the relay's UDP sockets. Receives in batches (recvmmsg, with
 * UDP_GRO so one buffer may hold many packets of one flow) and sends a loop
 * iteration's packets of every connection together: sendmmsg, one message
 * per connection's GSO train (UDP_SEGMENT), so one system call carries up
 * to LP_RELAY_TX_MSGS connections' writes.
 */
#include "relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/*
 * 16 MiB each way: at 10,000 members a burst of a few thousand packets must
 * wait in the receive buffer while the loop writes. SO_RCVBUFFORCE and
 * SO_SNDBUFFORCE (root or CAP_NET_ADMIN) pass net.core.rmem_max and
 * wmem_max (often 208 KiB to 4 MiB); without them the kernel caps the plain
 * option at those limits.
 */
#define SOCK_BUF (16 << 20)

/* Set a socket buffer size: forced if allowed, else as large as the limit lets. */
static bool set_buf(int fd, int force_opt, int opt, int *got)
{
	int size = SOCK_BUF;
	socklen_t len = sizeof(*got);
	bool forced = setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0;
	if (!forced)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
	*got = 0;
	if (getsockopt(fd, SOL_SOCKET, opt, got, &len) == 0)
		*got /= 2; /* the kernel reports twice the size asked: its bookkeeping */
	return forced;
}

int lp_udp_open(struct lp_udp *u, const struct lp_sockaddr *addr, char *err, size_t errlen)
{
	char shown[80];
	int one = 1, zero = 0, rcv, snd;
	int fd = socket(addr->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	lp_sockaddr_format(addr, shown, sizeof(shown));
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "UDP socket for %s: %s", shown, strerror(e));
		return -e;
	}
	if (addr->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)); /* dual stack */
	bool rcv_forced = set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, &rcv);
	bool snd_forced = set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, &snd);
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on UDP %s: %s", shown,
			 e == EADDRINUSE ? "the port is busy (another relay running?)"
					 : strerror(e));
		close(fd);
		return -e;
	}
	memset(u, 0, sizeof(*u));
	u->fd = fd;
	u->local = *addr;
	socklen_t len = sizeof(u->local.ss);
	if (getsockname(fd, (struct sockaddr *)&u->local.ss, &len) == 0)
		u->local.len = len;
	/* GSO needs kernel 4.18+, GRO 5.0+; without them the relay still works, slower. */
	int seg = 1200;
	u->gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) == 0;
	if (u->gso) {
		seg = 0;
		setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
	}
	u->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	lp_sockaddr_format(&u->local, shown, sizeof(shown));
	log_info("udp_socket addr=%s rcvbuf=%d sndbuf=%d forced=%s gso=%s gro=%s", shown, rcv, snd,
		 rcv_forced && snd_forced ? "yes" : "no", u->gso ? "yes" : "no",
		 u->gro ? "yes" : "no");
	return 0;
}

void lp_udp_close(struct lp_udp *u)
{
	if (u->fd > 0 && u->tx_calls) {
		char shown[80];
		lp_sockaddr_format(&u->local, shown, sizeof(shown));
		/* messages / calls says how well sends were batched */
		log_info("udp_socket_closed addr=%s messages=%llu calls=%llu dropped=%llu "
			 "errors=%llu",
			 shown, (unsigned long long)u->tx_msgs, (unsigned long long)u->tx_calls,
			 (unsigned long long)u->tx_dropped, (unsigned long long)u->tx_errors);
	}
	if (u->fd > 0)
		close(u->fd);
	u->fd = -1;
}

static struct lp_log_rl full_rl = LP_LOG_RL_INIT(1, 10);

/* One queued message: a packet, or a GSO train of packets to one address. */
struct lp_udp_txq_slot {
	struct lp_udp *udp;
	struct lp_quic_addr to;
	struct iovec iov;
	size_t seg; /* segment size of a GSO train; 0 for a single packet */
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctrl;
};

int lp_udp_txq_init(struct lp_udp_txq *q)
{
	memset(q, 0, sizeof(*q));
	q->arena = malloc(LP_RELAY_TX_ARENA);
	q->slots = calloc(LP_RELAY_TX_MSGS, sizeof(*q->slots));
	q->msgs = calloc(LP_RELAY_TX_MSGS, sizeof(*q->msgs));
	if (!q->arena || !q->slots || !q->msgs) {
		lp_udp_txq_free(q);
		return LP_ERR_NOMEM;
	}
	return 0;
}

void lp_udp_txq_free(struct lp_udp_txq *q)
{
	free(q->arena);
	free(q->slots);
	free(q->msgs);
	memset(q, 0, sizeof(*q));
}

uint8_t *lp_udp_txq_space(struct lp_udp_txq *q, size_t *len)
{
	if (LP_RELAY_TX_ARENA - q->used < LP_QUIC_PKT_BUF ||
	    LP_RELAY_TX_MSGS - q->n < LP_RELAY_GSO_MAX)
		lp_udp_txq_flush(q);
	*len = LP_RELAY_TX_ARENA - q->used;
	return q->arena + q->used;
}

static void txq_push(struct lp_udp_txq *q, struct lp_udp *u, uint8_t *buf, size_t n, size_t seg,
		     const struct lp_quic_addr *to)
{
	struct lp_udp_txq_slot *sl = &q->slots[q->n];
	struct msghdr *h = &q->msgs[q->n].msg_hdr;
	sl->udp = u;
	sl->to = *to;
	sl->iov = (struct iovec){ .iov_base = buf, .iov_len = n };
	sl->seg = seg;
	*h = (struct msghdr){
		.msg_name = &sl->to.ss,
		.msg_namelen = sl->to.len,
		.msg_iov = &sl->iov,
		.msg_iovlen = 1,
	};
	if (seg) {
		h->msg_control = sl->ctrl.buf;
		h->msg_controllen = sizeof(sl->ctrl.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(h);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		uint16_t s = (uint16_t)seg;
		memcpy(CMSG_DATA(cm), &s, sizeof(s));
	}
	q->n++;
}

void lp_udp_txq_add(struct lp_udp_txq *q, struct lp_udp *u, size_t n, size_t seg,
		    const struct lp_quic_addr *to)
{
	uint8_t *buf = q->arena + q->used;
	if (n == 0 || n > LP_RELAY_TX_ARENA - q->used)
		return;
	if (seg == 0 || seg > n)
		seg = n;
	q->used += n;
	if (n == seg || u->gso) {
		txq_push(q, u, buf, n, n > seg ? seg : 0, to);
		return;
	}
	/* no GSO: a message per packet */
	for (size_t off = 0; off < n && q->n < LP_RELAY_TX_MSGS; off += seg)
		txq_push(q, u, buf + off, n - off < seg ? n - off : seg, 0, to);
}

static size_t slot_packets(const struct lp_udp_txq_slot *sl)
{
	return sl->seg ? (sl->iov.iov_len + sl->seg - 1) / sl->seg : 1;
}

static void count_sent(struct lp_udp *u, const struct lp_udp_txq_slot *sl)
{
	u->tx_msgs++;
	u->relay->stats.tx_bytes += sl->iov.iov_len;
	u->relay->stats.tx_packets += slot_packets(sl);
	if (sl->seg)
		u->relay->stats.gso_sends++;
}

/*
 * A GSO train the kernel refused (EIO: the device cannot checksum GSO
 * segments; EINVAL: a segment count or size it does not take): its packets
 * one sendmsg each.
 */
static void send_train_split(struct lp_udp *u, struct lp_udp_txq_slot *sl)
{
	const uint8_t *buf = sl->iov.iov_base;
	size_t n = sl->iov.iov_len;
	for (size_t off = 0; off < n; off += sl->seg) {
		struct lp_udp_txq_slot one = { .udp = u, .to = sl->to };
		one.iov = (struct iovec){ .iov_base = (void *)(uintptr_t)(buf + off),
					  .iov_len = n - off < sl->seg ? n - off : sl->seg };
		struct msghdr h = {
			.msg_name = &one.to.ss,
			.msg_namelen = one.to.len,
			.msg_iov = &one.iov,
			.msg_iovlen = 1,
		};
		ssize_t w;
		do {
			u->tx_calls++;
			w = sendmsg(u->fd, &h, 0);
		} while (w < 0 && errno == EINTR);
		if (w >= 0) {
			count_sent(u, &one);
		} else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			u->tx_dropped += (n - off + sl->seg - 1) / sl->seg;
			return;
		} else {
			u->tx_errors++;
		}
	}
}

/* Send messages [i, end) of q, all on u. */
static void send_run(struct lp_udp_txq *q, struct lp_udp *u, size_t i, size_t end)
{
	while (i < end) {
		u->tx_calls++;
		int w = sendmmsg(u->fd, &q->msgs[i], (unsigned int)(end - i), 0);
		if (w > 0) {
			/* a short count: message i + w failed, and the next call says why */
			for (size_t k = i; k < i + (size_t)w; k++)
				count_sent(u, &q->slots[k]);
			i += (size_t)w;
			continue;
		}
		int e = w < 0 ? errno : EAGAIN;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
			/* The socket buffer is full: drop the rest as UDP would; QUIC recovers. */
			size_t dropped = 0;
			for (; i < end; i++)
				dropped += slot_packets(&q->slots[i]);
			u->tx_dropped += dropped;
			log_warnx_rl(&full_rl, "udp_send_dropped packets=%zu total=%llu reason=%s",
				     dropped, (unsigned long long)u->tx_dropped,
				     "socket_buffer_full");
			return;
		}
		struct lp_udp_txq_slot *sl = &q->slots[i];
		if (sl->seg && (e == EIO || e == EINVAL)) {
			if (e == EIO)
				u->gso = false; /* the device refuses GSO: stop using it */
			send_train_split(u, sl);
		} else {
			/* this message alone (EMSGSIZE, EPERM from a firewall, ...) */
			u->tx_errors += slot_packets(sl);
		}
		i++;
	}
}

void lp_udp_txq_flush(struct lp_udp_txq *q)
{
	/* One sendmmsg run per socket in the order written; most relays have one. */
	for (size_t i = 0; i < q->n;) {
		size_t end = i + 1;
		while (end < q->n && q->slots[end].udp == q->slots[i].udp)
			end++;
		send_run(q, q->slots[i].udp, i, end);
		i = end;
	}
	q->n = 0;
	q->used = 0;
}

static size_t gro_segment(struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			int seg;
			memcpy(&seg, CMSG_DATA(cm), sizeof(seg));
			return seg > 0 ? (size_t)seg : 0;
		}
	}
	return 0;
}

void lp_udp_on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lp_udp *u = io->arg;
	struct lp_relay *r = u->relay;
	struct mmsghdr msgs[LP_RELAY_RX_BATCH];
	struct iovec iov[LP_RELAY_RX_BATCH];
	struct sockaddr_storage from[LP_RELAY_RX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctrl[LP_RELAY_RX_BATCH];
	(void)events;

	/* Bounded: a flood must not starve timers and the API. */
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < LP_RELAY_RX_BATCH; i++) {
			iov[i].iov_base = r->rx_bufs[i];
			iov[i].iov_len = LP_RELAY_RX_BUF;
			msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i],
				.msg_iovlen = 1,
				.msg_control = ctrl[i].buf,
				.msg_controllen = sizeof(ctrl[i].buf),
			};
			msgs[i].msg_len = 0;
		}
		int n = recvmmsg(u->fd, msgs, LP_RELAY_RX_BATCH, 0, NULL);
		if (n <= 0)
			return;
		uint64_t now = lp_loop_now(loop);
		for (int i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len;
			size_t seg = u->gro ? gro_segment(&msgs[i].msg_hdr) : 0;
			if (!seg || seg > len)
				seg = len;
			for (size_t off = 0; off < len; off += seg) {
				size_t k = len - off < seg ? len - off : seg;
				r->stats.rx_packets++;
				r->stats.rx_bytes += k;
				lp_endpoint_packet(r, u, (struct sockaddr *)&from[i],
						   msgs[i].msg_hdr.msg_namelen, r->rx_bufs[i] + off,
						   k, now);
			}
		}
		if (n < LP_RELAY_RX_BATCH)
			return;
	}
}
