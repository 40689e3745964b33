/*
 * udp.c: the relay's UDP sockets. Receives in batches (recvmmsg, with
 * UDP_GRO so one buffer may hold many packets of one flow) and sends with
 * UDP_SEGMENT (GSO) so one sendmsg carries a whole batch of a connection.
 */
#include "relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
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

#define SOCK_BUF (4 << 20)

int lp_udp_open(struct lp_udp *u, const struct lp_sockaddr *addr, char *err, size_t errlen)
{
	char shown[80];
	int one = 1, zero = 0, size = SOCK_BUF;
	int fd = socket(addr->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	lp_sockaddr_format(addr, shown, sizeof(shown));
	if (fd < 0) {
		snprintf(err, errlen, "UDP socket for %s: %s", shown, strerror(errno));
		return -errno;
	}
	if (addr->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)); /* dual stack */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
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
	return 0;
}

void lp_udp_close(struct lp_udp *u)
{
	if (u->fd > 0)
		close(u->fd);
	u->fd = -1;
}

int lp_udp_send(struct lp_udp *u, const uint8_t *buf, size_t n, size_t seg,
		const struct lp_quic_addr *to)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = n };
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctrl;
	struct msghdr msg = {
		.msg_name = (void *)(uintptr_t)&to->ss,
		.msg_namelen = to->len,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	if (n > seg && u->gso) {
		memset(&ctrl, 0, sizeof(ctrl));
		msg.msg_control = ctrl.buf;
		msg.msg_controllen = sizeof(ctrl.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		uint16_t s = (uint16_t)seg;
		memcpy(CMSG_DATA(cm), &s, sizeof(s));
		u->relay->stats.gso_sends++;
	} else if (n > seg) {
		/* no GSO: one sendmsg per packet */
		for (size_t off = 0; off < n; off += seg) {
			size_t k = n - off < seg ? n - off : seg;
			int r = lp_udp_send(u, buf + off, k, k, to);
			if (r < 0)
				return r;
		}
		return 0;
	}
	for (;;) {
		ssize_t w = sendmsg(u->fd, &msg, 0);
		if (w >= 0) {
			u->relay->stats.tx_bytes += n;
			u->relay->stats.tx_packets += seg ? (n + seg - 1) / seg : 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		/* EAGAIN: the socket buffer is full; QUIC recovers what is lost. */
		if (errno == EIO && msg.msg_controllen) {
			/* the device refused GSO (checksum offload missing): stop using it */
			u->gso = false;
			return lp_udp_send(u, buf, n, seg, to);
		}
		return -errno;
	}
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
