/*
 * capture_test: checks gateway/capture_linux.c against a veth pair, driven
 * by tests/e2e/test_capture.sh, which makes the namespaces.
 *
 *   capture_test open IFACE ROOM_MTU
 *	open the capture, print "ok" or the error line, exit 0 or 1
 *   capture_test run IFACE PEER_NETNS PEER_IFACE PEER_IP BCAST_IP GONE_IFACE
 *	the capture on IFACE (in this namespace) and a peer socket on
 *	PEER_IFACE in /run/netns/PEER_NETNS: frames from the peer are captured
 *	as sent (VLAN tags back in place, checksums finished), frames injected
 *	reach the peer and are never captured back, nor is this host's own
 *	traffic; a run of TCP segments leaves as one super-frame, whose
 *	long copy a capture without PACKET_IGNORE_OUTGOING reads away; the
 *	capture survives its link going down and up; the
 *	removal of GONE_IFACE (a spare veth, deleted here) is seen as such.
 *
 * Prints one "ok N - what" or "not ok N - what" line per check (TAP).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture_linux.h"
#include "csum.h"
#include "err.h"
#include "tcp_merge.h"

/* IEEE 802 local experimental ethertype: nothing else on the link uses it. */
#define ETH_TEST 0x88b5

static int checks, failures;

static void check(bool ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%sok %d - %s\n", ok ? "" : "not ", checks, what);
	fflush(stdout);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- capture side */

#define MAX_SEEN 512

struct seen {
	size_t n;
	size_t len[MAX_SEEN];
	uint8_t f[MAX_SEEN][1600];
};

static struct seen seen;

/* Keeps the test's own frames (and IPv4 UDP to port 9999); ignores ND, MLD... */
static bool interesting(const uint8_t *f, size_t len)
{
	size_t off = 12;
	while (len >= off + 2 && (f[off] == 0x81 || f[off] == 0x88) &&
	       (f[off + 1] == 0x00 || f[off + 1] == 0xa8))
		off += 4;
	if (len < off + 2)
		return false;
	uint16_t et = (uint16_t)(f[off] << 8 | f[off + 1]);
	if (et == ETH_TEST)
		return true;
	return et == 0x0800 && len >= off + 2 + 24 && f[off + 2 + 9] == 17 &&
	       f[off + 2 + 22] == 0x27 && f[off + 2 + 23] == 0x0f;
}

static void on_frame(void *arg, uint8_t *frame, size_t len)
{
	(void)arg;
	if (!interesting(frame, len) || seen.n == MAX_SEEN || len > sizeof(seen.f[0]))
		return;
	memcpy(seen.f[seen.n], frame, len);
	seen.len[seen.n] = len;
	seen.n++;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Read the capture until want interesting frames arrived or ms passed. */
static void collect(struct lp_capture *c, size_t want, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	while (seen.n < want) {
		uint64_t t = now_ms();
		if (t >= end)
			break;
		if (readable(lp_capture_fd(c), (int)(end - t)))
			lp_capture_read(c, 64, on_frame, NULL);
	}
}

/* ---------------------------------------------------------------- peer side */

static int peer_fd = -1;
static int peer_ifindex;

static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

static int raw_socket(const char *ifname, int *ifindex)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	*ifindex = (int)if_nametoindex(ifname);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = *ifindex };
	if (*ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void raw_send(int fd, const uint8_t *f, size_t len)
{
	if (send(fd, f, len, 0) != (ssize_t)len)
		perror("send");
}

/* The next incoming frame of the test's ethertype on the peer, or 0 after ms. */
static size_t peer_recv(uint8_t *buf, size_t cap, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	for (;;) {
		uint64_t t = now_ms();
		if (t >= end || !readable(peer_fd, (int)(end - t)))
			return 0;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n =
			recvfrom(peer_fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 14 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (buf[12] == (ETH_TEST >> 8) && buf[13] == (ETH_TEST & 0xff))
			return (size_t)n;
	}
}

static size_t test_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t seq,
			 size_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETH_TEST >> 8;
	f[13] = ETH_TEST & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i);
	f[14] = (uint8_t)(seq >> 8);
	f[15] = (uint8_t)seq;
	return len;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t peer_src[6] = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t other[6] = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x77 };
static const uint8_t remote_src[6] = { 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e };

/* ---------------------------------------------------------------- checks */

static void check_rx(struct lp_capture *c)
{
	uint8_t f[1600];

	seen.n = 0;
	size_t n = test_frame(f, bcast, peer_src, 1, 60);
	raw_send(peer_fd, f, n);
	collect(c, 1, 2000);
	check(seen.n == 1 && seen.len[0] == n && memcmp(seen.f[0], f, n) == 0,
	      "a broadcast from the peer is captured as sent");

	seen.n = 0;
	n = test_frame(f, other, peer_src, 2, 1514);
	raw_send(peer_fd, f, n);
	collect(c, 1, 2000);
	check(seen.n == 1 && seen.len[0] == n && memcmp(seen.f[0], f, n) == 0,
	      "a full-size unicast to another MAC is captured (promiscuous)");

	/* 802.1Q VLAN 100, priority 5: the kernel strips it, the capture puts it back. */
	seen.n = 0;
	uint8_t t[1600];
	memcpy(t, bcast, 6);
	memcpy(t + 6, peer_src, 6);
	memcpy(t + 12, "\x81\x00\xa0\x64", 4);
	n = test_frame(f, bcast, peer_src, 3, 100);
	memcpy(t + 16, f + 12, n - 12);
	raw_send(peer_fd, t, n + 4);
	collect(c, 1, 2000);
	check(seen.n == 1 && seen.len[0] == n + 4 && memcmp(seen.f[0], t, n + 4) == 0,
	      "an 802.1Q-tagged frame is captured with its tag");

	/* QinQ: 802.1ad S-tag 200 outside, 802.1Q C-tag 100 inside. */
	seen.n = 0;
	memcpy(t + 12, "\x88\xa8\x00\xc8\x81\x00\x00\x64", 8);
	memcpy(t + 20, f + 12, n - 12);
	raw_send(peer_fd, t, n + 8);
	collect(c, 1, 2000);
	check(seen.n == 1 && seen.len[0] == n + 8 && memcmp(seen.f[0], t, n + 8) == 0,
	      "a double-tagged (802.1ad) frame is captured with both tags");

	/* A burst read in small pieces: the socket stays readable, order holds. */
	seen.n = 0;
	for (uint32_t i = 0; i < 100; i++) {
		n = test_frame(f, bcast, peer_src, 1000 + i, 64 + i);
		raw_send(peer_fd, f, n);
	}
	uint64_t end = now_ms() + 3000;
	bool stayed_readable = true;
	while (seen.n < 100 && now_ms() < end) {
		if (!readable(lp_capture_fd(c), 500))
			continue;
		size_t before = seen.n;
		lp_capture_read(c, 7, on_frame, NULL);
		if (seen.n - before == 7 && seen.n < 100 && !readable(lp_capture_fd(c), 0))
			stayed_readable = false;
	}
	bool in_order = seen.n == 100;
	for (size_t i = 0; in_order && i < 100; i++)
		in_order = seen.len[i] == 64 + i &&
			   (seen.f[i][14] << 8 | seen.f[i][15]) == (int)(1000 + i);
	check(in_order, "a burst of 100 frames arrives whole and in order");
	check(stayed_readable, "frames left in the ring keep the socket readable");
}

/* UDP sent by the peer's stack leaves veth with its checksum unfinished. */
static void check_csum(struct lp_capture *c, const char *peer_ns, const char *bcast_ip)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (enter_netns(peer_ns) < 0) {
		check(false, "enter the peer namespace for UDP");
		return;
	}
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(self, CLONE_NEWNET) < 0)
		perror("setns");
	close(self);
	int one = 1;
	setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9999) };
	inet_pton(AF_INET, bcast_ip, &to.sin_addr);
	struct lp_capture_stats before, after;
	lp_capture_stats(c, &before);
	seen.n = 0;
	static const char msg[] = "checksum please";
	if (sendto(u, msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		perror("sendto");
	close(u);
	collect(c, 1, 2000);
	lp_capture_stats(c, &after);
	bool ok = seen.n == 1;
	if (ok) {
		/* Zero the field and let lp_csum_complete recompute: the same bytes must come back. */
		uint8_t copy[1600];
		memcpy(copy, seen.f[0], seen.len[0]);
		copy[14 + 20 + 6] = 0;
		copy[14 + 20 + 7] = 0;
		ok = lp_csum_complete(copy, seen.len[0]) == 1 &&
		     memcmp(copy, seen.f[0], seen.len[0]) == 0;
	}
	check(ok, "a UDP broadcast from the peer's stack is captured with a valid checksum");
	printf("# checksums finished by the capture: %llu\n",
	       (unsigned long long)(after.rx_csum - before.rx_csum));
}

static void check_tx(struct lp_capture *c)
{
	uint8_t f[1600], r[1600];
	struct lp_capture_stats before, after;
	lp_capture_stats(c, &before);
	seen.n = 0;
	int got = 0;
	for (uint32_t i = 0; i < 20; i++) {
		size_t n = test_frame(f, i % 2 ? bcast : peer_src, remote_src, 2000 + i,
				      i == 19 ? 1514 : 60 + i);
		if (lp_capture_send(c, f, n) < 0)
			break;
	}
	int rc = lp_capture_flush(c);
	check(rc == 0, "a batch of 20 frames is flushed");
	for (uint32_t i = 0; i < 20; i++) {
		size_t want = test_frame(f, i % 2 ? bcast : peer_src, remote_src, 2000 + i,
					 i == 19 ? 1514 : 60 + i);
		size_t n = peer_recv(r, sizeof(r), 2000);
		if (n == want && memcmp(r, f, n) == 0)
			got++;
	}
	check(got == 20, "all 20 injected frames reach the peer intact");
	collect(c, 1, 300);
	check(seen.n == 0, "injected frames are not captured back");
	lp_capture_stats(c, &after);
	check(after.tx_frames - before.tx_frames == 20 && after.tx_failed == before.tx_failed,
	      "tx counters: 20 sent, none failed");

	/* A full batch leaves by itself. */
	for (uint32_t i = 0; i < LP_CAPTURE_TX_BATCH; i++) {
		size_t n = test_frame(f, bcast, remote_src, 3000 + i, 60);
		lp_capture_send(c, f, n);
	}
	got = 0;
	while (peer_recv(r, sizeof(r), 500) > 0)
		got++;
	check(got == LP_CAPTURE_TX_BATCH, "a full batch is sent without a flush");

	size_t big = 1500 + 22 + 1;
	memset(f, 0, sizeof(f));
	check(lp_capture_send(c, f, big) == LP_ERR_TOO_BIG, "an oversize frame is refused");
	check(lp_capture_send(c, f, 13) == LP_ERR_INVALID, "a runt frame is refused");
	lp_capture_stats(c, &after);
	check(after.tx_oversize == before.tx_oversize + 1, "the oversize frame is counted");
}

static struct lp_capture *open_more(const char *ifname, bool host_traffic, bool no_ignore);

/* TCP segment i of a run: IPv4 with DF, 1000 bytes of payload, checksums right. */
static size_t tcp_segment(uint8_t *f, uint32_t i, uint8_t flags)
{
	size_t len = 14 + 20 + 20 + 1000;
	memset(f, 0, len);
	memcpy(f, peer_src, 6);
	memcpy(f + 6, remote_src, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *tcp = f + 34;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[4] = (uint8_t)i;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x63\x00\x09\x0a\x63\x00\x02", 8);
	uint16_t c = (uint16_t)~lp_csum_fold(0, ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[0] = 0x9c;
	tcp[1] = 0x40;
	tcp[3] = 9; /* port 9 (discard) */
	uint32_t seq = 1000 * i;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[14] = 0x20;
	for (size_t k = 0; k < 1000; k++)
		tcp[20 + k] = (uint8_t)(i + k);
	lp_csum_complete(f, len);
	return len;
}

/*
 * A run of TCP segments goes down as one GSO super-frame, and the peer gets
 * all its payload. A capture that sees its own box's frames by packet type
 * (no PACKET_IGNORE_OUTGOING) gets the super-frame's whole copy on its
 * queue: it must read it away with the ring slot, or the queue falls out of
 * step and later long frames come late or not at all.
 */
static void check_merge(struct lp_capture *c, const char *ifname)
{
	static uint8_t f[1600], r[70000];
	struct lp_capture_stats before, after, obefore, oafter;
	struct lp_capture *old = open_more(ifname, false, true);
	if (!old) {
		check(false, "open a capture without PACKET_IGNORE_OUTGOING");
		return;
	}
	lp_capture_stats(c, &before);
	lp_capture_stats(old, &obefore);
	for (uint32_t i = 0; i < 10; i++)
		lp_capture_send(c, f, tcp_segment(f, i, i == 9 ? 0x18 : 0x10));
	check(lp_capture_flush(c) == 0, "a run of 10 TCP segments is flushed");
	lp_capture_stats(c, &after);
	check(after.tx_merged == before.tx_merged + 1 && after.tx_frames == before.tx_frames + 10,
	      "the run leaves as one super-frame (counted as 10 frames)");
	size_t payload = 0;
	uint64_t end = now_ms() + 2000;
	while (payload < 10000 && now_ms() < end && readable(peer_fd, 200)) {
		ssize_t n = recv(peer_fd, r, sizeof(r), MSG_DONTWAIT);
		if (n > 54 && r[12] == 0x08 && r[13] == 0 && r[14 + 9] == 6 && r[34 + 3] == 9)
			payload += (size_t)n - 54;
	}
	check(payload == 10000, "the peer gets the run's 10,000 bytes of payload");
	/* The gateway's injections bypass the queueing layer, so no packet
	 * socket sees them; the box's own TCP does not: send a super-frame as
	 * the box's stack would, on a virtio-net packet socket. */
	seen.n = 0;
	collect(old, 1, 300);
	check(seen.n == 0, "the injected run is not captured back");
	static uint8_t run[70000];
	uint8_t vnet[LP_TCP_MERGE_VNET_LEN];
	struct lp_tcp_run tr;
	size_t rl = tcp_segment(run, 0, 0x10);
	bool ok = lp_tcp_run_start(&tr, run, rl);
	for (uint32_t i = 1; ok && i < 10; i++) {
		size_t sl = tcp_segment(f, i, i == 9 ? 0x18 : 0x10);
		ok = lp_tcp_run_append(&tr, run, f, sl);
		memcpy(run + rl, f + tr.hl, sl - tr.hl);
		rl += sl - tr.hl;
	}
	lp_tcp_run_finish(&tr, run, vnet);
	int one = 1, vfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)if_nametoindex(ifname) };
	struct iovec iov[2] = { { vnet, sizeof(vnet) }, { run, rl } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ok = ok && vfd >= 0 &&
	     setsockopt(vfd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0 &&
	     bind(vfd, (struct sockaddr *)&sll, sizeof(sll)) == 0 &&
	     sendmsg(vfd, &m, 0) == (ssize_t)(sizeof(vnet) + rl);
	check(ok, "the box sends a 10-segment super-frame of its own");
	if (vfd >= 0)
		close(vfd);
	seen.n = 0;
	collect(old, 1, 300);
	lp_capture_stats(old, &oafter);
	check(seen.n == 0 && oafter.rx_outgoing > obefore.rx_outgoing,
	      "seen by packet type as the box's own frame, not captured");
	uint8_t probe[16];
	errno = 0;
	check(recv(lp_capture_fd(old), probe, sizeof(probe), MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "its long copy was read away: the copy queue is in step with the ring");
	while (peer_recv(r, sizeof(r), 200) > 0)
		;
	/* And the capture goes on: a frame from the peer arrives as sent. */
	size_t n = test_frame(f, bcast, peer_src, 5000, 64);
	raw_send(peer_fd, f, n);
	seen.n = 0;
	collect(old, 1, 2000);
	check(seen.n == 1 && seen.len[0] == n && memcmp(seen.f[0], f, n) == 0,
	      "the next frame from the LAN is captured as sent");
	lp_capture_read(c, 64, on_frame, NULL);
	lp_capture_close(old);
}

/* Open a second capture on ifname with cfg's options. */
static struct lp_capture *open_more(const char *ifname, bool host_traffic, bool no_ignore)
{
	struct lp_capture_cfg cfg = { .ifname = ifname,
				      .room_mtu = 1500,
				      .host_traffic = host_traffic,
				      .no_ignore_outgoing = no_ignore };
	struct lp_capture *c;
	char err[256];
	if (lp_capture_open(&c, &cfg, NULL, err, sizeof(err)) < 0) {
		printf("# %s\n", err);
		return NULL;
	}
	return c;
}

/*
 * This host's own frames on the interface stay out of the capture, with
 * PACKET_IGNORE_OUTGOING or by packet type; with host_traffic they are
 * captured, but a capture's own injections never are.
 */
static void check_host_traffic(struct lp_capture *c, const char *ifname)
{
	int idx;
	int fd = raw_socket(ifname, &idx);
	struct lp_capture *old = open_more(ifname, false, true);
	struct lp_capture *host = open_more(ifname, true, false);
	if (fd < 0 || !old || !host) {
		check(false, "open more sockets on the interface");
		return;
	}
	check(lp_capture_kernel_filters_outgoing(c), "PACKET_IGNORE_OUTGOING is in use");
	check(!lp_capture_kernel_filters_outgoing(old) && !lp_capture_kernel_filters_outgoing(host),
	      "not with no_ignore_outgoing nor host_traffic");
	uint8_t f[64], r[1600];
	size_t n = test_frame(f, bcast, other, 4000, 64);
	raw_send(fd, f, n);
	size_t got = peer_recv(r, sizeof(r), 2000);
	check(got == n, "the host's own frame reaches the peer");
	seen.n = 0;
	collect(c, 1, 300);
	check(seen.n == 0, "the host's own frames are not captured (kernel filter)");
	struct lp_capture_stats st;
	seen.n = 0;
	collect(old, 1, 300);
	lp_capture_stats(old, &st);
	/* At least ours: the host's IPv6 stack may send on the link too. */
	check(seen.n == 0 && st.rx_outgoing >= 1,
	      "the host's own frames are not captured (packet type, counted)");
	seen.n = 0;
	collect(host, 1, 300);
	check(seen.n == 1 && seen.len[0] == n && memcmp(seen.f[0], f, n) == 0,
	      "host_traffic: the host's own frames are captured");
	/* The injections of the host_traffic capture: seen by the others' view, not by itself. */
	n = test_frame(f, bcast, remote_src, 4001, 64);
	lp_capture_send(host, f, n);
	lp_capture_flush(host);
	got = peer_recv(r, sizeof(r), 2000);
	seen.n = 0;
	collect(host, 1, 300);
	check(got == n && seen.n == 0, "host_traffic: its own injections are not captured back");
	/* Drain what the others saw of it, so later checks start clean. */
	lp_capture_read(old, 64, on_frame, NULL);
	lp_capture_read(c, 64, on_frame, NULL);
	lp_capture_close(old);
	lp_capture_close(host);
	close(fd);
}

static bool set_link(const char *ifname, bool up)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

/* SIOCGIFFLAGS shows only promiscuity set by hand; sysfs shows the device's own flags. */
static bool promisc(const char *ifname)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/flags", ifname);
	FILE *fp = fopen(path, "r");
	unsigned flags = 0;
	bool ok = fp && fscanf(fp, "%x", &flags) == 1;
	if (fp)
		fclose(fp);
	return ok && (flags & IFF_PROMISC);
}

/* The capture stays open when its link goes down and comes back. */
static void check_link_flap(struct lp_capture *c, const char *ifname)
{
	check(set_link(ifname, false), "take the interface down");
	struct pollfd p = { .fd = lp_capture_fd(c), .events = POLLIN };
	bool err = poll(&p, 1, 1000) == 1 && (p.revents & POLLERR);
	int e = lp_capture_error(c);
	check(err && e == -ENETDOWN, "link down shows as an error: ENETDOWN");
	check(lp_capture_error(c) == 0, "reading the error clears it");
	check(set_link(ifname, true), "bring the interface up");
	usleep(200 * 1000);
	uint8_t f[64];
	size_t n = test_frame(f, bcast, peer_src, 5000, 64);
	seen.n = 0;
	for (int i = 0; i < 20 && seen.n == 0; i++) {
		raw_send(peer_fd, f, n);
		collect(c, 1, 250);
	}
	check(seen.n >= 1, "capture resumes after the link comes back");
}

/* A removed interface reads as gone, not as down; its capture is dead. */
static void check_link_gone(const char *ifname)
{
	struct lp_capture_cfg cfg = { .ifname = ifname, .room_mtu = 1500 };
	struct lp_capture *c;
	char err[256], cmd[128];
	if (lp_capture_open(&c, &cfg, NULL, err, sizeof(err)) < 0) {
		printf("# %s\n", err);
		check(false, "open a capture on a second interface");
		return;
	}
	check(lp_capture_present(c), "a capture's interface is present");
	snprintf(cmd, sizeof(cmd), "ip link del %s", ifname);
	check(system(cmd) == 0, "delete the interface");
	struct pollfd p = { .fd = lp_capture_fd(c), .events = POLLIN };
	bool err_seen = poll(&p, 1, 1000) == 1 && (p.revents & POLLERR);
	check(err_seen && lp_capture_error(c) == -ENODEV, "removal shows as ENODEV");
	check(!lp_capture_present(c), "the capture's interface is no longer present");
	lp_capture_close(c);
}

static int run(char **argv)
{
	const char *ifname = argv[0], *peer_ns = argv[1], *peer_if = argv[2];
	const char *bcast_ip = argv[4];
	char path[256];
	snprintf(path, sizeof(path), "/run/netns/%s", peer_ns);

	struct lp_capture_cfg cfg = { .ifname = ifname, .room_mtu = 1500 };
	struct lp_capture *c;
	struct lp_link link;
	char err[256];
	int rc = lp_capture_open(&c, &cfg, &link, err, sizeof(err));
	check(rc == 0, "open the capture");
	if (rc < 0) {
		printf("# %s\n", err);
		return 1;
	}
	check(promisc(ifname), "the interface is in promiscuous mode");

	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (enter_netns(path) < 0) {
		check(false, "enter the peer namespace");
		return 1;
	}
	peer_fd = raw_socket(peer_if, &peer_ifindex);
	if (setns(self, CLONE_NEWNET) < 0)
		perror("setns");
	close(self);
	check(peer_fd >= 0, "open the peer's socket");
	if (peer_fd < 0)
		return 1;

	check_rx(c);
	check_csum(c, path, bcast_ip);
	check_tx(c);
	check_host_traffic(c, ifname);
	check_merge(c, ifname);
	check_link_flap(c, ifname);
	check_link_gone(argv[5]);

	struct lp_capture_stats st;
	lp_capture_stats(c, &st);
	printf("# rx %llu frames, %llu vlan, %llu csum, %llu outgoing, %llu truncated, %llu ring "
	       "full; tx %llu frames, %llu failed, %llu oversize\n",
	       (unsigned long long)st.rx_frames, (unsigned long long)st.rx_vlan,
	       (unsigned long long)st.rx_csum, (unsigned long long)st.rx_outgoing,
	       (unsigned long long)st.rx_truncated, (unsigned long long)st.rx_ring_full,
	       (unsigned long long)st.tx_frames, (unsigned long long)st.tx_failed,
	       (unsigned long long)st.tx_oversize);
	lp_capture_close(c);
	check(!promisc(ifname), "promiscuous mode ends with the capture");
	close(peer_fd);
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "open") == 0) {
		struct lp_capture_cfg cfg = { .ifname = argv[2],
					      .room_mtu = (uint32_t)strtoul(argv[3], NULL, 10) };
		struct lp_capture *c;
		char err[256];
		int rc = lp_capture_open(&c, &cfg, NULL, err, sizeof(err));
		if (rc < 0) {
			printf("%s (%s)\n", err, lp_strerror(rc));
			return 1;
		}
		printf("ok\n");
		lp_capture_close(c);
		return 0;
	}
	if (argc == 8 && strcmp(argv[1], "run") == 0)
		return run(argv + 2);
	fprintf(stderr, "usage: capture_test open IFACE ROOM_MTU\n"
			"       capture_test run IFACE PEER_NETNS PEER_IFACE PEER_IP BCAST_IP "
			"GONE_IFACE\n");
	return 2;
}
