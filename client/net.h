/*
 * net.h: the agent's UDP socket to the relay. One implementation file per
 * OS (net_linux.c: a connected, nonblocking socket, recvmmsg batches and
 * UDP GSO when the kernel has it); the agent core calls nothing else of the
 * OS for its traffic.
 *
 * The socket is connect()ed to the relay's address, so it only ever
 * receives the relay's packets and the kernel reports ICMP errors
 * (-ECONNREFUSED: nothing listens there) on it.
 */
#ifndef LP_NET_H
#define LP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Addresses kept from one name lookup. */
#define LP_NET_ADDRS_MAX 8
/* Datagrams read per lp_net_udp_recv() call, and the size of each buffer. */
#define LP_NET_RX_BATCH 32
#define LP_NET_RX_BUF	2048
/* "[ffff:...:255.255.255.255]:65535" and a NUL. */
#define LP_NET_ADDR_STRLEN 56

struct lp_net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* One received datagram; data points into the socket's own buffers. */
struct lp_net_pkt {
	const uint8_t *data;
	size_t len;
};

struct lp_net_udp;

/*
 * lp_net_resolve: look host up (a DNS name or an IPv4/IPv6 literal) for UDP
 * port port. Blocks while the system resolver works (names are usually
 * cached; literals never wait).
 * out, max: up to max addresses in the resolver's order of preference;
 *   *n receives how many.
 * err, errlen: a sentence for the user on failure.
 * Returns 0; LP_ERR_NOT_FOUND (no such name, or no address of a usable
 * family); LP_ERR_AGAIN (temporary resolver failure: retry later).
 */
int lp_net_resolve(const char *host, uint16_t port, struct lp_net_addr *out, size_t max, size_t *n,
		   char *err, size_t errlen);

/* lp_net_addr_format: "1.2.3.4:4433" or "[2001:db8::1]:4433" into buf (LP_NET_ADDR_STRLEN). */
char *lp_net_addr_format(const struct lp_net_addr *a, char *buf, size_t len);

/*
 * lp_net_udp_open: a nonblocking UDP socket connected to remote, with
 * large socket buffers (best effort).
 * out: the socket; close with lp_net_udp_close().
 * Returns 0, LP_ERR_INVALID (not an IPv4/IPv6 address), LP_ERR_NOMEM, or
 * -errno from socket(2)/connect(2) (-ENETUNREACH: no route to the relay).
 */
int lp_net_udp_open(struct lp_net_udp **out, const struct lp_net_addr *remote);

/* lp_net_udp_close: close the socket and free u. NULL is fine. */
void lp_net_udp_close(struct lp_net_udp *u);

/* lp_net_udp_fd: the descriptor to watch for reading in the event loop. */
int lp_net_udp_fd(const struct lp_net_udp *u);

/* lp_net_udp_local / lp_net_udp_remote: the socket's two addresses (for QUIC's path). */
const struct lp_net_addr *lp_net_udp_local(const struct lp_net_udp *u);
const struct lp_net_addr *lp_net_udp_remote(const struct lp_net_udp *u);

/*
 * lp_net_udp_recv: read up to max (at most LP_NET_RX_BATCH) waiting
 * datagrams into pkts without blocking. The data stays valid until the next
 * call on u. Datagrams larger than LP_NET_RX_BUF are cut (QUIC drops them).
 * Returns the number read (0: none waiting), or -errno: -ECONNREFUSED when
 * an ICMP error said nothing listens at the relay's address.
 */
ssize_t lp_net_udp_recv(struct lp_net_udp *u, struct lp_net_pkt *pkts, size_t max);

/*
 * lp_net_udp_send: send buf (len bytes) to the relay: one datagram, or,
 * when seg_size < len, a batch of datagrams of seg_size bytes each (the last
 * may be shorter) in one call with UDP GSO where the kernel has it, one by
 * one otherwise.
 * Returns 0, or -errno of the first failure (-EAGAIN: the socket buffer is
 * full; the rest of the batch is lost, as QUIC expects of UDP).
 */
int lp_net_udp_send(struct lp_net_udp *u, const uint8_t *buf, size_t len, size_t seg_size);

/* lp_net_udp_gso: true while UDP GSO is in use on u. */
bool lp_net_udp_gso(const struct lp_net_udp *u);

#endif
