/*
 * Unit tests for client/tap_linux.c and client/routes*.c.
 *
 * The device tests need root and /dev/net/tun. They run in a forked child
 * that moves itself into a network namespace of its own
 * (unshare(CLONE_NEWNET)): every device, route and frame stays there, and
 * the namespace disappears with the child. Without root (or where a
 * namespace cannot be made) they are skipped with the reason printed; the
 * address tests run everywhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "routes.h"
#include "tap.h"

#define TEST_ETHERTYPE 0x88b5 /* IEEE 802 local experimental */

static const char *skip_reason;

#define NEED_NETNS()                                                                               \
	do {                                                                                       \
		if (skip_reason)                                                                   \
			skip();                                                                    \
	} while (0)

static const struct lp_mac test_mac = { { 0x02, 0x5e, 0x10, 0x00, 0x00, 0x01 } };

/* What tests opened, closed by teardown() when a test fails halfway. */
static struct lp_tap *open_taps[4];
static struct lp_routes *open_routes[4];

static void track(void **slots, size_t n, void *p, void *replace)
{
	for (size_t i = 0; i < n; i++)
		if (slots[i] == replace) {
			slots[i] = p;
			return;
		}
	fail_msg("too many open objects");
}

static void close_tap(struct lp_tap *t)
{
	track((void **)open_taps, 4, NULL, t);
	lp_tap_close(t);
}

static void close_routes(struct lp_routes *r)
{
	track((void **)open_routes, 4, NULL, r);
	lp_routes_del(r);
}

static struct lp_routes *new_routes(struct lp_tap *t)
{
	char err[LP_ROUTES_ERR_MAX];
	struct lp_routes *r = NULL;
	assert_int_equal(lp_routes_new(&r, lp_tap_ifindex(t), err, sizeof(err)), 0);
	track((void **)open_routes, 4, r, NULL);
	return r;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		lp_routes_del(open_routes[i]);
		open_routes[i] = NULL;
	}
	for (size_t i = 0; i < 4; i++) {
		lp_tap_close(open_taps[i]);
		open_taps[i] = NULL;
	}
	return 0;
}

static struct lp_tap *open_tap(const char *name, uint32_t mtu)
{
	struct lp_tap_config cfg = { .mac = test_mac, .mtu = mtu };
	char err[LP_TAP_ERR_MAX];
	struct lp_tap *t = NULL;
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	int ret = lp_tap_open(&t, &cfg, err, sizeof(err));
	if (ret < 0)
		print_message("lp_tap_open %s: %s\n", name, err);
	assert_int_equal(ret, 0);
	assert_string_equal(err, "");
	track((void **)open_taps, 4, t, NULL);
	return t;
}

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	int ret = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return ret;
}

/* ---------------------------------------------------------------- pure: names and addresses */

static void test_name_valid(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool ok;
	} v[] = {
		{ "lanparty0", true },
		{ "a", true },
		{ "tap-1_x.y", true },
		{ "123456789012345", true },
		{ "1234567890123456", false },
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ "a/b", false },
		{ "a:b", false },
		{ "a b", false },
		{ "a\tb", false },
		{ "a\nb", false },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_tap_name_valid(v[i].name), v[i].ok);
	assert_false(lp_tap_name_valid(NULL));
}

static void test_open_bad_config(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		struct lp_mac mac;
		uint32_t mtu;
		const char *msg;
	} v[] = {
		{ "a/b", { { 2, 0, 0, 0, 0, 1 } }, 1500, "bad TAP device name" },
		{ "1234567890123456", { { 2, 0, 0, 0, 0, 1 } }, 1500, "bad TAP device name" },
		{ "lp0", { { 3, 0, 0, 0, 0, 1 } }, 1500, "not a unicast" },
		{ "lp0", { { 0, 0, 0, 0, 0, 0 } }, 1500, "not a unicast" },
		{ "lp0", { { 2, 0, 0, 0, 0, 1 } }, 1279, "bad MTU 1279" },
		{ "lp0", { { 2, 0, 0, 0, 0, 1 } }, 9001, "bad MTU 9001" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_tap_config cfg = { .mac = v[i].mac, .mtu = v[i].mtu };
		char err[LP_TAP_ERR_MAX];
		struct lp_tap *t = NULL;
		/* a 16-character name does not fit the config: build it by hand */
		memcpy(cfg.name, v[i].name, strnlen(v[i].name, sizeof(cfg.name) - 1));
		if (strlen(v[i].name) >= sizeof(cfg.name))
			memset(cfg.name, 'x', sizeof(cfg.name)); /* no NUL at all */
		assert_int_equal(lp_tap_open(&t, &cfg, err, sizeof(err)), LP_ERR_INVALID);
		assert_null(t);
		assert_non_null(strstr(err, v[i].msg));
	}
	assert_int_equal(lp_tap_open(NULL, NULL, NULL, 0), LP_ERR_INVALID);
}

static void test_cidr_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int ret;
		uint8_t a[4];
		uint8_t prefix;
		const char *msg;
	} v[] = {
		{ "192.168.1.50/24", 0, { 192, 168, 1, 50 }, 24, NULL },
		{ "10.0.0.1/8", 0, { 10, 0, 0, 1 }, 8, NULL },
		{ "0.0.0.0/0", 0, { 0, 0, 0, 0 }, 0, NULL },
		{ "255.255.255.255/32", 0, { 255, 255, 255, 255 }, 32, NULL },
		{ "192.168.1.50", LP_ERR_INVALID, { 0 }, 0, "prefix length is missing" },
		{ "192.168.1.50/", LP_ERR_INVALID, { 0 }, 0, "must be 0 to 32" },
		{ "192.168.1.50/33", LP_ERR_INVALID, { 0 }, 0, "must be 0 to 32" },
		{ "192.168.1.50/024", LP_ERR_INVALID, { 0 }, 0, "must be 0 to 32" },
		{ "192.168.1.50/24 ", LP_ERR_INVALID, { 0 }, 0, "must be 0 to 32" },
		{ "192.168.1.050/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "256.1.1.1/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "1.2.3/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "1.2.3.4.5/24", LP_ERR_INVALID, { 0 }, 0, "prefix length is missing" },
		{ " 1.2.3.4/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "1..2.3/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "1234.1.1.1/24", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "fe80::1/64", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
		{ "", LP_ERR_INVALID, { 0 }, 0, "not an IPv4" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_cidr c = { .prefix = 99 };
		char err[128];
		assert_int_equal(lp_cidr_parse_v4(v[i].s, &c, err, sizeof(err)), v[i].ret);
		if (v[i].ret == 0) {
			assert_int_equal(c.family, LP_IP_V4);
			assert_memory_equal(c.addr, v[i].a, 4);
			assert_int_equal(c.prefix, v[i].prefix);
			assert_string_equal(err, "");
		} else {
			assert_int_equal(c.prefix, 99); /* untouched */
			assert_non_null(strstr(err, v[i].msg));
		}
	}
	assert_int_equal(lp_cidr_parse_v4(NULL, NULL, NULL, 0), LP_ERR_INVALID);
}

static void test_cidr_check_host(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const char *msg; /* NULL: accepted */
	} v[] = {
		{ "192.168.1.50/24", NULL },
		{ "10.1.2.3/32", NULL },
		{ "10.1.2.0/31", NULL }, /* RFC 3021: both addresses of a /31 are hosts */
		{ "10.1.2.1/30", NULL },
		{ "172.16.0.1/8", NULL },
		{ "192.168.1.0/24", "network address" },
		{ "192.168.1.255/24", "broadcast address" },
		{ "10.1.2.0/30", "network address" },
		{ "10.1.2.3/30", "broadcast address" },
		{ "0.1.2.3/8", "0.0.0.0/8" },
		{ "127.0.0.2/8", "loopback" },
		{ "169.254.3.4/16", "link-local" },
		{ "224.0.0.1/24", "multicast" },
		{ "240.0.0.1/24", "multicast or reserved" },
		{ "10.1.2.3/7", "too short" },
		{ "10.1.2.3/0", "too short" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_cidr c;
		char err[128];
		assert_int_equal(lp_cidr_parse_v4(v[i].s, &c, err, sizeof(err)), 0);
		int ret = lp_cidr_check_host_v4(&c, err, sizeof(err));
		if (!v[i].msg) {
			assert_int_equal(ret, 0);
			assert_string_equal(err, "");
		} else {
			assert_int_equal(ret, LP_ERR_INVALID);
			assert_non_null(strstr(err, v[i].msg));
			assert_non_null(strstr(err, v[i].s)); /* names the address */
		}
	}
	struct lp_cidr v6 = { .family = LP_IP_V6, .prefix = 64 };
	assert_int_equal(lp_cidr_check_host_v4(&v6, NULL, 0), LP_ERR_INVALID);
}

static void test_cidr_format(void **state)
{
	(void)state;
	static const struct {
		enum lp_ip_family f;
		uint8_t a[16];
		uint8_t prefix;
		const char *want;
	} v[] = {
		{ LP_IP_V4, { 255, 255, 255, 255 }, 32, "255.255.255.255/32" },
		{ LP_IP_V4, { 224 }, 4, "224.0.0.0/4" },
		{ LP_IP_V6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 128, "2001:db8::1/128" },
		{ LP_IP_V6, { 0 }, 0, "::/0" },
		{ LP_IP_V6, { [15] = 1 }, 128, "::1/128" },
		{ LP_IP_V6, { 0xfe, 0x80 }, 10, "fe80::/10" },
		{ LP_IP_V6,
		  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 1 },
		  64,
		  "2001:db8:0:1::1/64" },
		{ LP_IP_V6,
		  { 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3 },
		  128,
		  "1:0:0:2::3/128" },
		{ LP_IP_V6,
		  { 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4 },
		  128,
		  "1::2:0:0:3:4/128" },
		{ LP_IP_V6,
		  { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 },
		  128,
		  "1:2:3:4:5:6:7:8/128" },
		{ LP_IP_V6,
		  { 0, 1, 0, 0, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 },
		  128,
		  "1:0:3:4:5:6:7:8/128" },
		{ LP_IP_V6,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff },
		  128,
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_cidr c = { .family = v[i].f, .prefix = v[i].prefix };
		char buf[LP_IP_STRLEN];
		memcpy(c.addr, v[i].a, sizeof(c.addr));
		assert_string_equal(lp_cidr_format(&c, buf), v[i].want);
	}
	char buf[LP_IP_STRLEN];
	assert_string_equal(lp_cidr_format(&lp_routes_broadcast[0], buf), "255.255.255.255/32");
	assert_string_equal(lp_cidr_format(&lp_routes_broadcast[1], buf), "224.0.0.0/4");
}

/* ---------------------------------------------------------------- the device */

static void test_tap_create(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", 1400);
	struct ifreq ifr;
	assert_string_equal(lp_tap_name(t), "lptest0");
	assert_int_equal(lp_tap_ifindex(t), if_nametoindex("lptest0"));
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFHWADDR, &ifr), 0);
	assert_int_equal(ifr.ifr_hwaddr.sa_family, ARPHRD_ETHER);
	assert_memory_equal(ifr.ifr_hwaddr.sa_data, test_mac.b, 6);
	assert_true(lp_mac_equal(lp_tap_mac(t), &test_mac));
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1400);
	assert_int_equal(lp_tap_mtu(t), 1400);
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	/* a router advertised on the party LAN never becomes an IPv6 default route */
	FILE *f = fopen("/proc/sys/net/ipv6/conf/lptest0/accept_ra_defrtr", "r");
	if (f) {
		char v[8] = "";
		assert_non_null(fgets(v, sizeof(v), f));
		assert_string_equal(v, "0\n");
		fclose(f);
	}

	/* the room MTU changes at welcome */
	assert_int_equal(lp_tap_set_mtu(t, 1500), 0);
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1500);
	assert_int_equal(lp_tap_mtu(t), 1500);
	assert_int_equal(lp_tap_set_mtu(t, 1500), 0);
	assert_int_equal(lp_tap_set_mtu(t, 9000), 0);
	assert_int_equal(lp_tap_set_mtu(t, 1279), LP_ERR_INVALID);
	assert_int_equal(lp_tap_set_mtu(t, 9001), LP_ERR_INVALID);
	assert_int_equal(lp_tap_mtu(t), 9000);

	/* a device we created goes away with us */
	close_tap(t);
	assert_int_equal(if_nametoindex("lptest0"), 0);
	lp_tap_close(NULL);
}

static void test_tap_default_name(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("", 1500);
	assert_string_equal(lp_tap_name(t), LP_TAP_NAME_DEFAULT);
	assert_true(if_nametoindex(LP_TAP_NAME_DEFAULT) > 0);
	close_tap(t);
}

static int packet_socket(unsigned ifindex)
{
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(TEST_ETHERTYPE));
	assert_true(s >= 0);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(TEST_ETHERTYPE),
		.sll_ifindex = (int)ifindex,
	};
	assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

static size_t make_frame(uint8_t *f, size_t len, uint8_t tag)
{
	static const uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x02, 0x5e, 0x10, 0x00, 0x00, 0x99 };
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = TEST_ETHERTYPE >> 8;
	f[13] = TEST_ETHERTYPE & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(tag + i);
	return len;
}

struct got {
	size_t n;	 /* our frames */
	size_t other;	 /* anything else the kernel sent */
	uint8_t tag[16]; /* the tag byte of each of our frames, in order */
	size_t len[16];
	bool bad; /* content not as sent */
};

static void on_frame(void *arg, uint8_t *frame, size_t len)
{
	struct got *g = arg;
	if (len < 15 || frame[12] != (TEST_ETHERTYPE >> 8) ||
	    frame[13] != (TEST_ETHERTYPE & 0xff)) {
		g->other++;
		return;
	}
	uint8_t want[LP_TAP_FRAME_MAX];
	uint8_t tag = (uint8_t)(frame[14] - 14);
	make_frame(want, len, tag);
	if (memcmp(frame, want, len) != 0)
		g->bad = true;
	/* the buffer is the caller's to modify in place */
	frame[len - 1] ^= 0xff;
	if (g->n < 16) {
		g->tag[g->n] = tag;
		g->len[g->n] = len;
	}
	g->n++;
}

/* Read until want frames of ours arrived or a second passed. */
static void read_until(struct lp_tap *t, struct got *g, size_t want)
{
	uint64_t deadline = lp_now_ns() + LP_NS_PER_SEC;
	while (g->n < want && lp_now_ns() < deadline) {
		int n = lp_tap_read_batch(t, 8, on_frame, g);
		assert_true(n >= 0);
		if (n == 0)
			usleep(1000);
	}
}

static void test_tap_frames(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", 1500);
	int ps = packet_socket(lp_tap_ifindex(t));
	uint8_t f[LP_TAP_FRAME_MAX + 1], r[2048];

	/* relay -> device: a written frame arrives on the device as if from the wire */
	size_t len = make_frame(f, 1514, 7);
	assert_int_equal(lp_tap_write(t, f, len), 0);
	struct pollfd pfd = { .fd = ps, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	ssize_t n = recv(ps, r, sizeof(r), 0);
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(r, f, len);

	/* device -> relay: frames the OS sends come out of lp_tap_read_batch in order */
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = (int)lp_tap_ifindex(t),
		.sll_halen = 6,
	};
	memset(to.sll_addr, 0xff, 6);
	for (uint8_t i = 0; i < 5; i++) {
		len = make_frame(f, 60 + 100u * i, i);
		assert_int_equal(sendto(ps, f, len, 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)len);
	}
	struct got g = { 0 };
	/* a batch stops at its maximum even when more frames wait */
	uint64_t deadline = lp_now_ns() + LP_NS_PER_SEC;
	int got = 0;
	while (got == 0 && lp_now_ns() < deadline)
		if ((got = lp_tap_read_batch(t, 3, on_frame, &g)) == 0)
			usleep(1000);
	assert_int_equal(got, 3);
	read_until(t, &g, 5);
	assert_int_equal(g.n, 5);
	assert_false(g.bad);
	for (uint8_t i = 0; i < 5; i++) {
		assert_int_equal(g.tag[i], i);
		assert_int_equal(g.len[i], 60 + 100u * i);
	}
	/* nothing left: 0, not an error */
	while (lp_tap_read_batch(t, 8, on_frame, &g) > 0)
		;
	assert_int_equal(lp_tap_read_batch(t, 8, on_frame, &g), 0);

	/* bad arguments */
	assert_int_equal(lp_tap_write(t, f, 13), LP_ERR_INVALID);
	assert_int_equal(lp_tap_write(t, f, LP_TAP_FRAME_MAX + 1), LP_ERR_INVALID);
	assert_int_equal(lp_tap_write(t, NULL, 60), LP_ERR_INVALID);
	assert_int_equal(lp_tap_read_batch(t, 0, on_frame, &g), LP_ERR_INVALID);
	assert_int_equal(lp_tap_read_batch(t, LP_TAP_BATCH_MAX + 1, on_frame, &g), LP_ERR_INVALID);
	assert_int_equal(lp_tap_read_batch(t, 1, NULL, &g), LP_ERR_INVALID);

	struct lp_tap_stats st;
	lp_tap_get_stats(t, &st);
	assert_int_equal(st.frames_written, 1);
	assert_int_equal(st.bytes_written, 1514);
	assert_true(st.frames_read >= 5);
	assert_int_equal(st.write_errors, 0);
	assert_int_equal(st.read_oversize, 0);
	close(ps);
	close_tap(t);
}

/* Jumbo frames: the device takes and hands out LP_TAP_FRAME_MAX bytes. */
static void test_tap_jumbo(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", LP_MTU_MAX);
	int ps = packet_socket(lp_tap_ifindex(t));
	static uint8_t f[LP_TAP_FRAME_MAX], r[LP_TAP_FRAME_MAX + 100];
	size_t len = make_frame(f, LP_MTU_MAX + 14, 3);
	assert_int_equal(lp_tap_write(t, f, len), 0);
	struct pollfd pfd = { .fd = ps, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(recv(ps, r, sizeof(r), 0), (ssize_t)len);
	assert_memory_equal(r, f, len);
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = (int)lp_tap_ifindex(t),
				  .sll_halen = 6 };
	assert_int_equal(sendto(ps, f, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	struct got g = { 0 };
	read_until(t, &g, 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], len);
	assert_false(g.bad);
	close(ps);
	close_tap(t);
}

struct watch_ctx {
	struct got g;
	int gone_err;
	int gone_calls;
	struct lp_loop *loop;
};

static void on_watch_frame(void *arg, uint8_t *frame, size_t len)
{
	struct watch_ctx *w = arg;
	on_frame(&w->g, frame, len);
	if (w->g.n >= 3)
		lp_loop_stop(w->loop);
}

static void on_gone(void *arg, int err)
{
	struct watch_ctx *w = arg;
	w->gone_err = err;
	w->gone_calls++;
	lp_loop_stop(w->loop);
}

static void on_deadline(struct lp_loop *loop, struct lp_timer *timer)
{
	(void)timer;
	lp_loop_stop(loop);
}

/* Delete a device by index, as `ip link del` does. */
static int link_del(unsigned ifindex)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
		.h = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = RTM_DELLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		       .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex },
	};
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(s >= 0);
	assert_int_equal(send(s, &req, sizeof(req), 0), (ssize_t)sizeof(req));
	char buf[512];
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	close(s);
	assert_true(n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *)buf);
	return e->error;
}

static void test_tap_watch(void **state)
{
	(void)state;
	NEED_NETNS();
	struct watch_ctx w = { 0 };
	assert_int_equal(lp_loop_new(&w.loop, 0), 0);
	struct lp_timer deadline;
	lp_timer_init(&deadline, on_deadline, NULL);
	struct lp_tap *t = open_tap("lptest0", 1500);
	int ps = packet_socket(lp_tap_ifindex(t));

	assert_int_equal(lp_tap_watch(t, NULL, 0, on_watch_frame, on_gone, &w), LP_ERR_INVALID);
	assert_int_equal(lp_tap_watch(t, w.loop, LP_TAP_BATCH_MAX + 1, on_watch_frame, on_gone, &w),
			 LP_ERR_INVALID);
	assert_int_equal(lp_tap_watch(t, w.loop, 2, on_watch_frame, on_gone, &w), 0);
	assert_int_equal(lp_tap_watch(t, w.loop, 2, on_watch_frame, on_gone, &w), LP_ERR_STATE);

	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = (int)lp_tap_ifindex(t),
				  .sll_halen = 6 };
	uint8_t f[128];
	for (uint8_t i = 0; i < 3; i++) {
		size_t len = make_frame(f, 64, i);
		assert_int_equal(sendto(ps, f, len, 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)len);
	}
	lp_loop_timer_arm_in(w.loop, &deadline, 2 * LP_NS_PER_SEC);
	assert_int_equal(lp_loop_run(w.loop), 0);
	assert_int_equal(w.g.n, 3);
	assert_false(w.g.bad);
	assert_int_equal(w.gone_calls, 0);

	/* the device deleted under us: the watch ends and says so, once */
	assert_int_equal(link_del(lp_tap_ifindex(t)), 0);
	lp_loop_timer_arm_in(w.loop, &deadline, 2 * LP_NS_PER_SEC);
	assert_int_equal(lp_loop_run(w.loop), 0);
	assert_int_equal(w.gone_calls, 1);
	assert_int_equal(w.gone_err, -EBADFD);
	/* nothing spins afterwards */
	lp_loop_timer_arm_in(w.loop, &deadline, 50 * LP_NS_PER_MS);
	assert_int_equal(lp_loop_run(w.loop), 0);
	assert_int_equal(w.gone_calls, 1);
	lp_tap_unwatch(t); /* no-op now */
	assert_int_equal(lp_tap_write(t, f, 64) < 0, 1);

	lp_loop_timer_cancel(w.loop, &deadline);
	close(ps);
	close_tap(t);
	lp_loop_del(w.loop);
}

/* A TUN (or TAP) device made the way `ip tuntap add` makes one. */
static int make_persistent(const char *name, short type)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	struct ifreq ifr = { .ifr_flags = (short)(type | IFF_NO_PI) };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
	return 0;
}

static void drop_persistent(const char *name, short type)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	struct ifreq ifr = { .ifr_flags = (short)(type | IFF_NO_PI) };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 0), 0);
	close(fd);
}

static void test_tap_name_taken(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap_config cfg = { .name = "lptest0", .mac = test_mac, .mtu = 1500 };
	char err[LP_TAP_ERR_MAX];
	struct lp_tap *t = open_tap("lptest0", 1500), *t2 = NULL;

	/* another client has it */
	assert_int_equal(lp_tap_open(&t2, &cfg, err, sizeof(err)), -EBUSY);
	assert_null(t2);
	assert_non_null(strstr(err, "lptest0 is in use"));
	assert_non_null(strstr(err, "--tap"));
	close_tap(t);

	/* a device that is no TAP: loopback, a TUN */
	snprintf(cfg.name, sizeof(cfg.name), "lo");
	assert_int_equal(lp_tap_open(&t2, &cfg, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "the name lo is taken"));
	make_persistent("lptun0", IFF_TUN);
	snprintf(cfg.name, sizeof(cfg.name), "lptun0");
	assert_int_equal(lp_tap_open(&t2, &cfg, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not a TAP"));
	drop_persistent("lptun0", IFF_TUN);
	assert_int_equal(if_nametoindex("lptun0"), 0);
}

/* A persistent TAP (`ip tuntap add mode tap`) is attached to, set up, and outlives the client. */
static void test_tap_persistent(void **state)
{
	(void)state;
	NEED_NETNS();
	make_persistent("lppers0", IFF_TAP);
	struct ifreq ifr;
	/* up already, as a previous run may have left it: the MAC still changes */
	assert_int_equal(ifreq_ioctl("lppers0", SIOCGIFFLAGS, &ifr), 0);
	short flags = (short)(ifr.ifr_flags | IFF_UP);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ifr.ifr_flags = flags;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);

	struct lp_tap *t = open_tap("lppers0", 1300);
	assert_int_equal(ifreq_ioctl("lppers0", SIOCGIFHWADDR, &ifr), 0);
	assert_memory_equal(ifr.ifr_hwaddr.sa_data, test_mac.b, 6);
	assert_int_equal(ifreq_ioctl("lppers0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1300);
	assert_int_equal(ifreq_ioctl("lppers0", SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	close_tap(t);
	assert_true(if_nametoindex("lppers0") > 0);
	drop_persistent("lppers0", IFF_TAP);
	assert_int_equal(if_nametoindex("lppers0"), 0);
}

static int capability_set(int cap, bool on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (on)
		d[cap / 32].effective |= 1u << (cap % 32);
	else
		d[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* Without CAP_NET_ADMIN the message says what the program needs. */
static void test_tap_no_capability(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap_config cfg = { .name = "lptest0", .mac = test_mac, .mtu = 1500 };
	char err[LP_TAP_ERR_MAX];
	struct lp_tap *t = NULL;
	assert_int_equal(capability_set(CAP_NET_ADMIN, false), 0);
	int ret = lp_tap_open(&t, &cfg, err, sizeof(err));
	assert_int_equal(capability_set(CAP_NET_ADMIN, true), 0);
	assert_int_equal(ret, -EPERM);
	assert_null(t);
	assert_non_null(strstr(err, "CAP_NET_ADMIN"));
	assert_non_null(strstr(err, "setcap"));
	assert_int_equal(if_nametoindex("lptest0"), 0);
}

/* ---------------------------------------------------------------- routes */

/* Is there a main-table IPv4 route dst/plen via gw ("0.0.0.0": none) on dev? (/proc/net/route) */
static bool has_route(const char *dev, const char *dst, unsigned plen, const char *gw)
{
	FILE *f = fopen("/proc/net/route", "r");
	assert_non_null(f);
	char line[256];
	bool found = false;
	uint32_t want_dst = inet_addr(dst), want_gw = inet_addr(gw);
	uint32_t want_mask = plen ? htonl(~0u << (32 - plen)) : 0;
	while (fgets(line, sizeof(line), f)) {
		char name[IFNAMSIZ + 1];
		unsigned d, g, flags, mask;
		if (sscanf(line, "%16s %X %X %X %*d %*d %*d %X", name, &d, &g, &flags, &mask) != 5)
			continue;
		if (strcmp(name, dev) == 0 && d == want_dst && mask == want_mask && g == want_gw)
			found = true;
	}
	fclose(f);
	return found;
}

/* The source address the OS picks for dst: which interface a packet to dst leaves by. */
static uint32_t source_for(const char *dst)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	assert_true(s >= 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	to.sin_addr.s_addr = inet_addr(dst);
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	uint32_t src = 0;
	if (connect(s, (struct sockaddr *)&to, sizeof(to)) == 0 &&
	    getsockname(s, (struct sockaddr *)&me, &len) == 0)
		src = me.sin_addr.s_addr;
	close(s);
	return src;
}

/* A route with a gateway, as a DHCP client or the OS adds one; IPv4 or IPv6 (dst has ':'). */
static int route_gw(int type, const char *dst, unsigned plen, const char *gw, unsigned oif,
		    uint32_t metric)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		uint8_t attrs[128];
	} req;
	int family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint8_t d[16], g[16];
	assert_int_equal(inet_pton(family, dst, d), 1);
	assert_int_equal(inet_pton(family, gw, g), 1);
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.h.nlmsg_type = (uint16_t)type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWROUTE ? NLM_F_CREATE : 0);
	req.rt = (struct rtmsg){ .rtm_family = (uint8_t)family,
				 .rtm_dst_len = (uint8_t)plen,
				 .rtm_table = RT_TABLE_MAIN,
				 .rtm_protocol = RTPROT_BOOT,
				 .rtm_scope = RT_SCOPE_UNIVERSE,
				 .rtm_type = RTN_UNICAST };
	const struct {
		unsigned short type;
		const void *v;
		size_t len;
	} a[4] = { { RTA_DST, d, alen },
		   { RTA_GATEWAY, g, alen },
		   { RTA_OIF, &oif, 4 },
		   { RTA_PRIORITY, &metric, 4 } };
	for (size_t i = 0; i < 4; i++) {
		struct rtattr *rta = (struct rtattr *)((uint8_t *)&req + req.h.nlmsg_len);
		rta->rta_type = a[i].type;
		rta->rta_len = (unsigned short)RTA_LENGTH(a[i].len);
		memcpy(RTA_DATA(rta), a[i].v, a[i].len);
		req.h.nlmsg_len += RTA_ALIGN(rta->rta_len);
	}
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(s >= 0);
	assert_int_equal(send(s, &req, req.h.nlmsg_len, 0), (ssize_t)req.h.nlmsg_len);
	char buf[512];
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	close(s);
	assert_true(n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	return ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)buf))->error;
}

/* Is there an IPv6 route dst/plen via gw ("::": none) on dev? (/proc/net/ipv6_route) */
static bool has_route6(const char *dev, const char *dst, unsigned plen, const char *gw)
{
	uint8_t d[16], g[16];
	char want_d[33], want_g[33];
	assert_int_equal(inet_pton(AF_INET6, dst, d), 1);
	assert_int_equal(inet_pton(AF_INET6, gw, g), 1);
	for (int i = 0; i < 16; i++) {
		snprintf(want_d + 2 * i, 3, "%02x", d[i]);
		snprintf(want_g + 2 * i, 3, "%02x", g[i]);
	}
	FILE *f = fopen("/proc/net/ipv6_route", "r");
	assert_non_null(f);
	char line[256];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		char rd[33], rg[33], name[IFNAMSIZ + 1];
		unsigned rplen;
		if (sscanf(line, "%32s %x %*s %*x %32s %*x %*x %*x %*x %16s", rd, &rplen, rg,
			   name) != 4)
			continue;
		if (strcmp(name, dev) == 0 && rplen == plen && strcmp(rd, want_d) == 0 &&
		    strcmp(rg, want_g) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

static void set_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(value, f);
	assert_int_equal(fclose(f), 0);
}

static struct lp_cidr v4(const char *s)
{
	struct lp_cidr c;
	assert_int_equal(lp_cidr_parse_v4(s, &c, NULL, 0), 0);
	return c;
}

static void test_routes_broadcast(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = NULL;
	char err[LP_ROUTES_ERR_MAX];
	assert_int_equal(lp_routes_new(&r, 0, err, sizeof(err)), LP_ERR_INVALID);
	r = new_routes(t);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[i], err, sizeof(err)), 0);
	assert_true(has_route("lptest0", "255.255.255.255", 32, "0.0.0.0"));
	assert_true(has_route("lptest0", "224.0.0.0", 4, "0.0.0.0"));
	assert_int_equal(lp_routes_count(r), 2);
	/* limited broadcast and multicast now leave through the party device */
	struct lp_cidr a = v4("192.168.77.50/24");
	assert_int_equal(lp_routes_add_address(r, &a, err, sizeof(err)), 0);
	assert_int_equal(source_for("255.255.255.255"), inet_addr("192.168.77.50"));
	assert_int_equal(source_for("239.255.255.250"), inet_addr("192.168.77.50"));

	/* a route that exists is left alone and not recorded */
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[1], err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "224.0.0.0/4 exists already"));
	assert_int_equal(lp_routes_count(r), 3);

	/* everything goes on lp_routes_del, while the device stays */
	close_routes(r);
	assert_false(has_route("lptest0", "255.255.255.255", 32, "0.0.0.0"));
	assert_false(has_route("lptest0", "224.0.0.0", 4, "0.0.0.0"));
	assert_false(has_route("lptest0", "192.168.77.0", 24, "0.0.0.0"));
	assert_true(if_nametoindex("lptest0") > 0);
	lp_routes_del(NULL);
	close_tap(t);
}

static void test_routes_address(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = new_routes(t);
	char err[LP_ROUTES_ERR_MAX];
	struct lp_cidr a = v4("192.168.77.50/20");
	assert_int_equal(lp_routes_add_address(r, &a, err, sizeof(err)), 0);
	struct ifreq ifr;
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFADDR, &ifr), 0);
	assert_int_equal(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr,
			 inet_addr("192.168.77.50"));
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFNETMASK, &ifr), 0);
	assert_int_equal(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr,
			 inet_addr("255.255.240.0"));
	/* the subnet's broadcast, as `ip address add ... brd +` sets it */
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFBRDADDR, &ifr), 0);
	assert_int_equal(((struct sockaddr_in *)&ifr.ifr_broadaddr)->sin_addr.s_addr,
			 inet_addr("192.168.79.255"));
	assert_true(has_route("lptest0", "192.168.64.0", 20, "0.0.0.0"));
	assert_int_equal(lp_routes_add_address(r, &a, err, sizeof(err)), -EEXIST);
	assert_int_equal(lp_routes_count(r), 1);
	close_routes(r);
	assert_int_equal(ifreq_ioctl("lptest0", SIOCGIFADDR, &ifr), -EADDRNOTAVAIL);
	assert_false(has_route("lptest0", "192.168.64.0", 20, "0.0.0.0"));

	/* the device gone first (a crash of the TAP side): removal is quiet */
	r = new_routes(t);
	assert_int_equal(lp_routes_add_address(r, &a, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_add(r, &lp_routes_broadcast[0], err, sizeof(err)), 0);
	close_tap(t);
	close_routes(r);
}

static void test_routes_limit(void **state)
{
	(void)state;
	NEED_NETNS();
	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = new_routes(t);
	char err[LP_ROUTES_ERR_MAX];
	for (unsigned i = 0; i < LP_ROUTES_MAX; i++) {
		struct lp_cidr c = { .family = LP_IP_V4,
				     .addr = { 10, 200, 0, (uint8_t)i },
				     .prefix = 32 };
		assert_int_equal(lp_routes_add(r, &c, err, sizeof(err)), 0);
	}
	struct lp_cidr c = v4("10.200.1.0/32");
	assert_int_equal(lp_routes_add(r, &c, err, sizeof(err)), LP_ERR_LIMIT);
	assert_non_null(strstr(err, "10.200.1.0/32"));
	assert_false(has_route("lptest0", "10.200.1.0", 32, "0.0.0.0"));
	assert_int_equal(lp_routes_add_address(r, &c, err, sizeof(err)), LP_ERR_LIMIT);
	assert_int_equal(lp_routes_pin_host(r, &c, err, sizeof(err)), LP_ERR_LIMIT);
	struct lp_cidr bad = { .family = LP_IP_V4, .prefix = 33 };
	assert_int_equal(lp_routes_add(r, &bad, err, sizeof(err)), LP_ERR_INVALID);
	close_routes(r);
	assert_false(has_route("lptest0", "10.200.0.0", 32, "0.0.0.0"));
	assert_false(has_route("lptest0", "10.200.0.15", 32, "0.0.0.0"));
	close_tap(t);
}

/*
 * The relay's host route: pinned through the uplink, it keeps the relay out
 * of the tunnel when a DHCP lease on the party device brings a default route
 * that wins otherwise; refreshed when the uplink's gateway changes.
 */
static void test_routes_pin(void **state)
{
	(void)state;
	NEED_NETNS();
	char err[LP_ROUTES_ERR_MAX];
	/* the player's real network: 10.9.0.2/24, default via 10.9.0.1, metric 100 */
	struct lp_tap *up = open_tap("lpup0", 1500);
	struct lp_routes *ru = new_routes(up);
	struct lp_cidr ua = v4("10.9.0.2/24");
	assert_int_equal(lp_routes_add_address(ru, &ua, err, sizeof(err)), 0);
	assert_int_equal(route_gw(RTM_NEWROUTE, "0.0.0.0", 0, "10.9.0.1", lp_tap_ifindex(up), 100),
			 0);

	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = new_routes(t);
	struct lp_cidr relay = v4("203.0.113.7/32"), onlink = v4("10.9.0.77/32");
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 1);
	assert_true(has_route("lpup0", "203.0.113.7", 32, "10.9.0.1"));
	assert_int_equal(lp_routes_pin_host(r, &onlink, err, sizeof(err)), 1);
	assert_true(has_route("lpup0", "10.9.0.77", 32, "0.0.0.0"));
	/* the relay on this machine, or pinned already: nothing to do */
	struct lp_cidr self = v4("10.9.0.2/32");
	assert_int_equal(lp_routes_pin_host(r, &self, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 0);
	assert_int_equal(lp_routes_count(r), 2);

	/* a lease on the party device with a router: its default route wins (metric 0) ... */
	struct lp_cidr pa = v4("192.168.77.50/24");
	assert_int_equal(lp_routes_add_address(r, &pa, err, sizeof(err)), 0);
	assert_int_equal(route_gw(RTM_NEWROUTE, "0.0.0.0", 0, "192.168.77.1", lp_tap_ifindex(t), 0),
			 0);
	assert_int_equal(source_for("198.51.100.9"), inet_addr("192.168.77.50"));
	/* ... but not for the relay */
	assert_int_equal(source_for("203.0.113.7"), inet_addr("10.9.0.2"));
	/* a host whose path already runs through the party device cannot be pinned */
	struct lp_cidr other = v4("198.51.100.9/32");
	assert_int_equal(lp_routes_pin_host(r, &other, err, sizeof(err)), LP_ERR_STATE);
	assert_non_null(strstr(err, "through the party device"));

	/* refresh while the party default wins: the pins stay where they were */
	assert_int_equal(lp_routes_pin_refresh(r), 0);
	assert_true(has_route("lpup0", "203.0.113.7", 32, "10.9.0.1"));
	assert_int_equal(source_for("203.0.113.7"), inet_addr("10.9.0.2"));

	/* the uplink moves to another gateway; the party default is gone: the pin follows */
	assert_int_equal(route_gw(RTM_DELROUTE, "0.0.0.0", 0, "192.168.77.1", lp_tap_ifindex(t), 0),
			 0);
	assert_int_equal(route_gw(RTM_DELROUTE, "0.0.0.0", 0, "10.9.0.1", lp_tap_ifindex(up), 100),
			 0);
	assert_int_equal(
		route_gw(RTM_NEWROUTE, "0.0.0.0", 0, "10.9.0.254", lp_tap_ifindex(up), 100), 0);
	assert_int_equal(lp_routes_pin_refresh(r), 1);
	assert_true(has_route("lpup0", "203.0.113.7", 32, "10.9.0.254"));
	assert_false(has_route("lpup0", "203.0.113.7", 32, "10.9.0.1"));
	assert_true(has_route("lpup0", "10.9.0.77", 32, "0.0.0.0"));

	/* exit removes the pins, which live on another interface than the party device */
	close_routes(r);
	assert_false(has_route("lpup0", "203.0.113.7", 32, "10.9.0.254"));
	assert_false(has_route("lpup0", "10.9.0.77", 32, "0.0.0.0"));
	assert_true(has_route("lpup0", "0.0.0.0", 0, "10.9.0.254"));
	close_tap(t);
	close_routes(ru);
	close_tap(up);
}

static void test_routes_pin_unreachable(void **state)
{
	(void)state;
	NEED_NETNS();
	char err[LP_ROUTES_ERR_MAX];
	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = new_routes(t);
	/* a namespace with no default route */
	struct lp_cidr relay = v4("203.0.113.7/32");
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), -ENETUNREACH);
	assert_non_null(strstr(err, "203.0.113.7"));
	assert_int_equal(lp_routes_count(r), 0);
	close_routes(r);
	close_tap(t);
}

/* A relay reached over IPv6: the pin is a /128 through the uplink's IPv6 gateway. */
static void test_routes_pin_v6(void **state)
{
	(void)state;
	NEED_NETNS();
	char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN];
	struct lp_tap *up = open_tap("lpup0", 1500);
	set_sysctl("/proc/sys/net/ipv6/conf/lpup0/disable_ipv6", "0\n");
	struct lp_routes *ru = new_routes(up);
	struct lp_cidr ua = { .family = LP_IP_V6, .prefix = 64 };
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:9::2", ua.addr), 1);
	assert_int_equal(lp_routes_add_address(ru, &ua, err, sizeof(err)), 0);
	assert_int_equal(route_gw(RTM_NEWROUTE, "::", 0, "2001:db8:9::1", lp_tap_ifindex(up), 100),
			 0);

	struct lp_tap *t = open_tap("lptest0", 1500);
	struct lp_routes *r = new_routes(t);
	struct lp_cidr relay = { .family = LP_IP_V6, .prefix = 128 };
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:77::7", relay.addr), 1);
	assert_string_equal(lp_cidr_format(&relay, buf), "2001:db8:77::7/128");
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 1);
	assert_true(has_route6("lpup0", "2001:db8:77::7", 128, "2001:db8:9::1"));
	assert_int_equal(lp_routes_pin_host(r, &relay, err, sizeof(err)), 0); /* pinned already */
	assert_int_equal(lp_routes_pin_refresh(r), 0);
	assert_true(has_route6("lpup0", "2001:db8:77::7", 128, "2001:db8:9::1"));
	close_routes(r);
	assert_false(has_route6("lpup0", "2001:db8:77::7", 128, "2001:db8:9::1"));
	close_tap(t);
	close_routes(ru);
	close_tap(up);
}

/* ---------------------------------------------------------------- main */

/* Quiet IPv6 on new devices: no router solicitations or MLD reports among the test's frames. */
static void quiet_ipv6(void)
{
	const char *p[] = { "/proc/sys/net/ipv6/conf/default/disable_ipv6",
			    "/proc/sys/net/ipv6/conf/all/disable_ipv6" };
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(p[i], "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
}

static int run_all(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_open_bad_config),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_check_host),
		cmocka_unit_test(test_cidr_format),
		cmocka_unit_test_teardown(test_tap_create, teardown),
		cmocka_unit_test_teardown(test_tap_default_name, teardown),
		cmocka_unit_test_teardown(test_tap_frames, teardown),
		cmocka_unit_test_teardown(test_tap_jumbo, teardown),
		cmocka_unit_test_teardown(test_tap_watch, teardown),
		cmocka_unit_test_teardown(test_tap_name_taken, teardown),
		cmocka_unit_test_teardown(test_tap_persistent, teardown),
		cmocka_unit_test_teardown(test_tap_no_capability, teardown),
		cmocka_unit_test_teardown(test_routes_broadcast, teardown),
		cmocka_unit_test_teardown(test_routes_address, teardown),
		cmocka_unit_test_teardown(test_routes_limit, teardown),
		cmocka_unit_test_teardown(test_routes_pin, teardown),
		cmocka_unit_test_teardown(test_routes_pin_unreachable, teardown),
		cmocka_unit_test_teardown(test_routes_pin_v6, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

int main(void)
{
	lp_log_init("test_tap");
	/* only errors: the test provokes warnings on purpose */
	lp_log_set_level(LP_LOG_ERROR);
	if (geteuid() != 0)
		skip_reason = "needs root (a network namespace and CAP_NET_ADMIN)";
	else if (access("/dev/net/tun", R_OK | W_OK) != 0)
		skip_reason = "no /dev/net/tun on this machine";
	if (skip_reason) {
		printf("test_tap: device tests skipped: %s\n", skip_reason);
		return run_all();
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			skip_reason = "cannot make a network namespace (unshare CLONE_NEWNET)";
			printf("test_tap: device tests skipped: %s: %s\n", skip_reason,
			       strerror(errno));
		} else {
			quiet_ipv6();
		}
		fflush(stdout);
		exit(run_all() == 0 ? 0 : 1);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "test_tap: child killed by signal %d\n", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}
