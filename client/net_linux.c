/*
 * net_linux.c: net.h on Linux: getaddrinfo, a connected nonblocking UDP
 * socket, recvmmsg batches and UDP_SEGMENT (GSO) sends.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* GSO takes at most 64 segments per call (UDP_MAX_SEGMENTS). */
#define GSO_MAX_SEGS 64
#define SOCK_BUF     (2 * 1024 * 1024)

struct lp_net_udp {
	int fd;
	bool gso;
	struct lp_net_addr local, remote;
	struct mmsghdr msgs[LP_NET_RX_BATCH];
	struct iovec iov[LP_NET_RX_BATCH];
	uint8_t buf[LP_NET_RX_BATCH][LP_NET_RX_BUF];
};

int lp_net_resolve(const char *host, uint16_t port, struct lp_net_addr *out, size_t max, size_t *n,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char portstr[8];
	int r;

	*n = 0;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r == EAI_ADDRFAMILY || r == EAI_NONAME || r == EAI_NODATA) {
		/* AI_ADDRCONFIG hides loopback-only hosts' addresses: try once without it. */
		hints.ai_flags = 0;
		r = getaddrinfo(host, portstr, &hints, &res);
	}
	if (r != 0) {
		bool again = r == EAI_AGAIN || r == EAI_SYSTEM || r == EAI_MEMORY;

		snprintf(err, errlen, "cannot resolve relay host %s: %s", host, gai_strerror(r));
		return again ? LP_ERR_AGAIN : LP_ERR_NOT_FOUND;
	}
	for (struct addrinfo *ai = res; ai && *n < max; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(out[0].ss))
			continue;
		memset(&out[*n], 0, sizeof(out[*n]));
		memcpy(&out[*n].ss, ai->ai_addr, ai->ai_addrlen);
		out[*n].len = ai->ai_addrlen;
		(*n)++;
	}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(err, errlen, "relay host %s has no IPv4 or IPv6 address", host);
		return LP_ERR_NOT_FOUND;
	}
	return 0;
}

char *lp_net_addr_format(const struct lp_net_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

static void tune(int fd)
{
	int v = SOCK_BUF;

	/* Best effort: the kernel caps these at net.core.[rw]mem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static bool gso_supported(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &v, &len) == 0;
}

int lp_net_udp_open(struct lp_net_udp **out, const struct lp_net_addr *remote)
{
	struct lp_net_udp *u;
	int family = remote->ss.ss_family, r;

	*out = NULL;
	if ((family != AF_INET && family != AF_INET6) || remote->len > sizeof(remote->ss))
		return LP_ERR_INVALID;
	u = calloc(1, sizeof(*u));
	if (!u)
		return LP_ERR_NOMEM;
	u->remote = *remote;
	u->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (u->fd < 0) {
		r = -errno;
		free(u);
		return r;
	}
	tune(u->fd);
	u->local.len = sizeof(u->local.ss);
	if (connect(u->fd, (const struct sockaddr *)&remote->ss, remote->len) < 0 ||
	    getsockname(u->fd, (struct sockaddr *)&u->local.ss, &u->local.len) < 0) {
		r = -errno;
		lp_net_udp_close(u);
		return r;
	}
	u->gso = gso_supported(u->fd);
	for (size_t i = 0; i < LP_NET_RX_BATCH; i++) {
		u->iov[i].iov_base = u->buf[i];
		u->iov[i].iov_len = LP_NET_RX_BUF;
		u->msgs[i].msg_hdr.msg_iov = &u->iov[i];
		u->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	*out = u;
	return 0;
}

void lp_net_udp_close(struct lp_net_udp *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

int lp_net_udp_fd(const struct lp_net_udp *u)
{
	return u->fd;
}

const struct lp_net_addr *lp_net_udp_local(const struct lp_net_udp *u)
{
	return &u->local;
}

const struct lp_net_addr *lp_net_udp_remote(const struct lp_net_udp *u)
{
	return &u->remote;
}

bool lp_net_udp_gso(const struct lp_net_udp *u)
{
	return u->gso;
}

ssize_t lp_net_udp_recv(struct lp_net_udp *u, struct lp_net_pkt *pkts, size_t max)
{
	int n;

	if (max > LP_NET_RX_BATCH)
		max = LP_NET_RX_BATCH;
	if (max == 0)
		return 0;
	for (size_t i = 0; i < max; i++)
		u->msgs[i].msg_len = 0;
	do
		n = recvmmsg(u->fd, u->msgs, (unsigned)max, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		pkts[i].data = u->buf[i];
		pkts[i].len = u->msgs[i].msg_len;
	}
	return n;
}

static int send_one(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static int send_gso(int fd, const uint8_t *buf, size_t len, size_t seg_size)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	uint16_t seg = (uint16_t)seg_size;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = IPPROTO_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	do
		n = sendmsg(fd, &msg, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int lp_net_udp_send(struct lp_net_udp *u, const uint8_t *buf, size_t len, size_t seg_size)
{
	int r;

	if (seg_size == 0 || seg_size >= len)
		return send_one(u->fd, buf, len);
	if (u->gso && seg_size <= UINT16_MAX && (len + seg_size - 1) / seg_size <= GSO_MAX_SEGS) {
		r = send_gso(u->fd, buf, len, seg_size);
		/* EIO: the device cannot checksum segments; EINVAL/ENOPROTOOPT: no GSO here. */
		if (r != -EIO && r != -EINVAL && r != -ENOPROTOOPT)
			return r;
		u->gso = false;
	}
	for (size_t off = 0; off < len; off += seg_size) {
		size_t n = len - off < seg_size ? len - off : seg_size;

		if ((r = send_one(u->fd, buf + off, n)) < 0)
			return r;
	}
	return 0;
}
