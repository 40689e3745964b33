/*
 * net_windows.c: net.h on Windows: Winsock's getaddrinfo and a connected,
 * nonblocking UDP socket (the loop's WSAEventSelect makes it nonblocking).
 * Windows has neither recvmmsg nor UDP GSO: datagrams go one call each.
 */
#include "net.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define SOCK_BUF (2 * 1024 * 1024)

struct lp_net_udp {
	SOCKET s;
	struct lp_net_addr local, remote;
	uint8_t buf[LP_NET_RX_BATCH][LP_NET_RX_BUF];
};

/* Winsock must be started once per process before any call; never stopped. */
static int wsa_start(void)
{
	static bool started;
	WSADATA d;

	if (!started && WSAStartup(MAKEWORD(2, 2), &d) == 0)
		started = true;
	return started ? 0 : -ENOSYS;
}

/* A Winsock error as the -errno net.h promises. */
static int wsa_err(int e)
{
	switch (e) {
	case WSAEWOULDBLOCK:
		return -EAGAIN;
	case WSAECONNRESET: /* an ICMP port unreachable, on UDP */
	case WSAECONNREFUSED:
		return -ECONNREFUSED;
	case WSAENETUNREACH:
		return -ENETUNREACH;
	case WSAEHOSTUNREACH:
		return -EHOSTUNREACH;
	case WSAENOBUFS:
		return -ENOBUFS;
	case WSAEAFNOSUPPORT:
		return -EAFNOSUPPORT;
	case WSAEADDRNOTAVAIL:
		return -EADDRNOTAVAIL;
	case WSAEINTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

int lp_net_resolve(const char *host, uint16_t port, struct lp_net_addr *out, size_t max, size_t *n,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char portstr[8];

	*n = 0;
	if (wsa_start() < 0) {
		snprintf(err, errlen, "cannot start Winsock");
		return LP_ERR_AGAIN;
	}
	snprintf(portstr, sizeof(portstr), "%u", port);
	int r = getaddrinfo(host, portstr, &hints, &res);

	if (r != 0) {
		bool again = r == WSATRY_AGAIN || r == WSA_NOT_ENOUGH_MEMORY;

		snprintf(err, errlen, "cannot resolve relay host %s: %s", host, gai_strerrorA(r));
		return again ? LP_ERR_AGAIN : LP_ERR_NOT_FOUND;
	}
	for (struct addrinfo *ai = res; ai && *n < max; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(out[0].ss))
			continue;
		memset(&out[*n], 0, sizeof(out[*n]));
		memcpy(&out[*n].ss, ai->ai_addr, ai->ai_addrlen);
		out[*n].len = (socklen_t)ai->ai_addrlen;
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

int lp_net_udp_open(struct lp_net_udp **out, const struct lp_net_addr *remote)
{
	int family = remote->ss.ss_family, r;

	*out = NULL;
	if ((family != AF_INET && family != AF_INET6) || remote->len <= 0 ||
	    (size_t)remote->len > sizeof(remote->ss))
		return LP_ERR_INVALID;
	if ((r = wsa_start()) < 0)
		return r;
	struct lp_net_udp *u = calloc(1, sizeof(*u));

	if (!u)
		return LP_ERR_NOMEM;
	u->remote = *remote;
	/* Not inheritable: a child process must not keep the relay's socket. */
	u->s = WSASocketW(family, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
	if (u->s == INVALID_SOCKET) {
		r = wsa_err(WSAGetLastError());
		free(u);
		return r;
	}
	/* The loop's watches carry an int: socket handles are small. */
	if (u->s > INT_MAX) {
		lp_net_udp_close(u);
		return -EMFILE;
	}
	u_long nonblocking = 1;
	int v = SOCK_BUF;

	ioctlsocket(u->s, (long)FIONBIO, &nonblocking);
	(void)setsockopt(u->s, SOL_SOCKET, SO_RCVBUF, (const char *)&v, sizeof(v));
	(void)setsockopt(u->s, SOL_SOCKET, SO_SNDBUF, (const char *)&v, sizeof(v));
	u->local.len = sizeof(u->local.ss);
	if (connect(u->s, (const struct sockaddr *)&remote->ss, remote->len) != 0 ||
	    getsockname(u->s, (struct sockaddr *)&u->local.ss, &u->local.len) != 0) {
		r = wsa_err(WSAGetLastError());
		lp_net_udp_close(u);
		return r;
	}
	*out = u;
	return 0;
}

void lp_net_udp_close(struct lp_net_udp *u)
{
	if (!u)
		return;
	if (u->s != INVALID_SOCKET)
		closesocket(u->s);
	free(u);
}

int lp_net_udp_fd(const struct lp_net_udp *u)
{
	return (int)u->s;
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
	(void)u;
	return false;
}

ssize_t lp_net_udp_recv(struct lp_net_udp *u, struct lp_net_pkt *pkts, size_t max)
{
	size_t n = 0;

	if (max > LP_NET_RX_BATCH)
		max = LP_NET_RX_BATCH;
	while (n < max) {
		int r = recv(u->s, (char *)u->buf[n], LP_NET_RX_BUF, 0);

		if (r < 0) {
			int e = WSAGetLastError();

			if (e == WSAEMSGSIZE) {
				r = LP_NET_RX_BUF; /* cut, as on Linux: QUIC drops it */
			} else if (n > 0 || e == WSAEWOULDBLOCK) {
				break; /* an error after data waits for the next call */
			} else {
				return wsa_err(e);
			}
		}
		pkts[n].data = u->buf[n];
		pkts[n].len = (size_t)r;
		n++;
	}
	return (ssize_t)n;
}

static int send_one(SOCKET s, const uint8_t *buf, size_t len)
{
	if (len > INT_MAX)
		return -EMSGSIZE;
	return send(s, (const char *)buf, (int)len, 0) < 0 ? wsa_err(WSAGetLastError()) : 0;
}

int lp_net_udp_send(struct lp_net_udp *u, const uint8_t *buf, size_t len, size_t seg_size)
{
	if (seg_size == 0 || seg_size >= len)
		return send_one(u->s, buf, len);
	for (size_t off = 0; off < len; off += seg_size) {
		size_t n = len - off < seg_size ? len - off : seg_size;
		int r = send_one(u->s, buf + off, n);

		if (r < 0)
			return r;
	}
	return 0;
}
