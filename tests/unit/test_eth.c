/* Unit tests for shared/eth.c: Ethernet parsing and the frame classifier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eth.h"

/* ------------------------------------------------------------------ vectors
 * These hex strings are the test vectors of docs/protocol.md ("Frame
 * classes"), line for line.
 */
static const char vec_lldp[] = "01 80 c2 00 00 0e 02 00 00 00 00 01 88 cc 02 07\n"
			       "04 02 00 00 00 00 01 04 03 05 70 31 06 02 00 78\n"
			       "00 00\n";
static const char vec_dhcp[] = "ff ff ff ff ff ff 02 00 00 00 00 02 81 00 00 0a\n"
			       "08 00 46 00 00 24 12 34 00 00 40 11 11 e8 c0 a8\n"
			       "01 01 ff ff ff ff 94 04 00 00 00 43 00 44 00 0c\n"
			       "35 a5 02 01 06 00 00 00 00 00 00 00\n";
static const char vec_dhcp6[] = "02 00 00 00 00 03 02 00 00 00 00 04 86 dd 60 00\n"
				"00 00 00 0c 11 ff fe 80 00 00 00 00 00 00 00 00\n"
				"00 00 00 00 00 01 fe 80 00 00 00 00 00 00 00 00\n"
				"00 00 00 00 00 02 02 23 02 22 00 0c 2d f2 02 ab\n"
				"cd ef\n";
static const char vec_ra[] = "33 33 00 00 00 01 02 00 00 00 00 05 88 a8 00 64\n"
			     "81 00 00 0a 86 dd 60 00 00 00 00 18 00 ff fe 80\n"
			     "00 00 00 00 00 00 00 00 00 00 00 00 00 01 ff 02\n"
			     "00 00 00 00 00 00 00 00 00 00 00 00 00 01 3a 00\n"
			     "01 04 00 00 00 00 86 00 35 27 40 00 07 08 00 00\n"
			     "00 00 00 00 00 00\n";
static const char vec_syn4[] = "02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00\n"
			       "00 3c 12 34 40 00 40 06 14 86 0a 00 00 02 0a 00\n"
			       "00 01 c0 00 00 16 01 02 03 04 00 00 00 00 a0 02\n"
			       "fa f0 74 ef 00 00 02 04 05 b4 04 02 08 0a 00 00\n"
			       "00 01 00 00 00 00 01 03 03 07\n";
static const char vec_syn6[] = "02 00 00 00 00 01 02 00 00 00 00 02 81 00 00 0a\n"
			       "86 dd 60 00 00 00 00 1c 06 40 fd 00 00 00 00 00\n"
			       "00 00 00 00 00 00 00 00 00 02 fd 00 00 00 00 00\n"
			       "00 00 00 00 00 00 00 00 00 01 c0 01 00 50 0a 0b\n"
			       "0c 0d 00 00 00 00 70 02 fd 20 1c 42 00 00 01 02\n"
			       "04 05 a0 01 01 01\n";
static const char vec_dhcp_client[] = "ff ff ff ff ff ff 02 00 00 00 00 02 08 00 45 00\n"
				      "00 20 00 01 00 00 40 11 7a cd 00 00 00 00 ff ff\n"
				      "ff ff 00 44 00 43 00 0c 00 00 01 01 06 00\n";

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

/* ------------------------------------------------------------------ builder */

struct frame {
	uint8_t b[1600];
	size_t n;
	size_t l3;    /* offset of the IP header */
	size_t ipend; /* 0: the IP packet runs to the end of the frame */
};

static const uint8_t mac_uni[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa };

static void put(struct frame *fr, const void *p, size_t n)
{
	assert_true(n <= sizeof(fr->b) - fr->n);
	memcpy(fr->b + fr->n, p, n);
	fr->n += n;
}

static void put8(struct frame *fr, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(fr, &b, 1);
}

static void put16(struct frame *fr, unsigned v)
{
	put8(fr, v >> 8);
	put8(fr, v);
}

static void zeros(struct frame *fr, size_t n)
{
	while (n--)
		put8(fr, 0);
}

/* Ethernet header with ntags tags (802.1ad outside 802.1Q when there are two). */
static void eth(struct frame *fr, const uint8_t *dst, unsigned ntags, unsigned type)
{
	memset(fr, 0, sizeof(*fr));
	put(fr, dst ? dst : mac_uni, 6);
	put(fr, mac_src, 6);
	if (ntags == 2) {
		put16(fr, LP_ETH_TYPE_QINQ);
		put16(fr, 100);
	}
	if (ntags >= 1) {
		put16(fr, LP_ETH_TYPE_VLAN);
		put16(fr, 0xa00a); /* PCP 5, VLAN 10 */
	}
	put16(fr, type);
	fr->l3 = fr->n;
}

/* An LLC/SNAP header after an 802.3 length field written by eth(). */
static void snap(struct frame *fr, unsigned oui_last, unsigned type)
{
	const uint8_t h[6] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, (uint8_t)oui_last };
	put(fr, h, 6);
	put16(fr, type);
	fr->l3 = fr->n;
}

/* IPv4 header with optlen bytes of NOP options; total length set by done(). */
static void ip4(struct frame *fr, unsigned proto, size_t optlen, unsigned frag)
{
	put8(fr, 0x40 | (unsigned)((20 + optlen) / 4));
	put8(fr, 0);
	put16(fr, 0); /* total length */
	put16(fr, 0x1234);
	put16(fr, frag);
	put8(fr, 64);
	put8(fr, proto);
	put16(fr, 0);
	const uint8_t a[8] = { 10, 0, 0, 2, 10, 0, 0, 1 };
	put(fr, a, 8);
	for (size_t i = 0; i < optlen; i++)
		put8(fr, 1);
}

static void ip6(struct frame *fr, unsigned nh)
{
	put16(fr, 0x6000);
	put16(fr, 0);
	put16(fr, 0); /* payload length */
	put8(fr, nh);
	put8(fr, 255);
	uint8_t a[32] = { 0xfe, 0x80 };
	a[15] = 1;
	a[16] = 0xff;
	a[17] = 0x02;
	a[31] = 1;
	put(fr, a, 32);
}

/* A generic extension header (hop-by-hop, routing, dest options) of len bytes (a multiple of 8). */
static void ext6(struct frame *fr, unsigned nh, size_t len)
{
	put8(fr, nh);
	put8(fr, (unsigned)(len / 8 - 1));
	zeros(fr, len - 2);
}

static void frag6(struct frame *fr, unsigned nh, unsigned offset8, bool more)
{
	put8(fr, nh);
	put8(fr, 0);
	put16(fr, offset8 << 3 | (more ? 1u : 0u));
	put16(fr, 0xabcd);
	put16(fr, 0xef01);
}

static void udp(struct frame *fr, unsigned sport, unsigned dport)
{
	put16(fr, sport);
	put16(fr, dport);
	put16(fr, 12);
	put16(fr, 0);
	put16(fr, 0x0201);
	put16(fr, 0x0600);
}

static void tcp(struct frame *fr, unsigned flags)
{
	put16(fr, 40000);
	put16(fr, 80);
	put16(fr, 0);
	put16(fr, 1);
	zeros(fr, 4);
	put8(fr, 6 << 4);
	put8(fr, flags);
	put16(fr, 65535);
	zeros(fr, 4);
	const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	put(fr, mss, 4);
}

static void icmp6(struct frame *fr, unsigned type)
{
	put8(fr, type);
	zeros(fr, 15);
}

/* Fill in the IP length fields for a packet that runs to the end of the frame. */
static void done(struct frame *fr)
{
	uint8_t *ip = fr->b + fr->l3;
	size_t len = fr->n - fr->l3;

	if (ip[0] >> 4 == 4) {
		ip[2] = (uint8_t)(len >> 8);
		ip[3] = (uint8_t)len;
	} else {
		ip[4] = (uint8_t)((len - 40) >> 8);
		ip[5] = (uint8_t)(len - 40);
	}
	fr->ipend = fr->n;
}

/* Classify an exact-size heap copy so ASan catches any read past the end. */
static int classify(const uint8_t *f, size_t len, struct lp_eth_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, f, len);
	int rc = lp_eth_classify(copy, len, info);
	free(copy);
	return rc;
}

static unsigned flags_of(const struct frame *fr)
{
	struct lp_eth_info info;
	assert_int_equal(classify(fr->b, fr->n, &info), 0);
	return info.flags;
}

/* ------------------------------------------------------------------ tests */

static void check_prefixes(const uint8_t *f, size_t len, size_t ipend);

static void test_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *hex;
		size_t len;
		unsigned flags;
		enum lp_cast cast;
		unsigned ntags;
		uint16_t tci0, tci1;
		uint16_t ethertype;
		size_t l3_off;
		uint8_t l4_proto;
		size_t l4_off, l4_len;
	} v[] = {
		{ vec_lldp, 34, LP_ETH_F_SWITCH_CTRL, LP_CAST_MULTICAST, 0, 0, 0, 0x88cc, 14, 0, 0,
		  0 },
		{ vec_dhcp, 60, LP_ETH_F_DHCP_SERVER, LP_CAST_BROADCAST, 1, 0x000a, 0, 0x0800, 18,
		  17, 42, 12 },
		{ vec_dhcp6, 66, LP_ETH_F_DHCP6_SERVER, LP_CAST_UNICAST, 0, 0, 0, 0x86dd, 14, 17,
		  54, 12 },
		{ vec_ra, 86, LP_ETH_F_IPV6_RA, LP_CAST_MULTICAST, 2, 0x0064, 0x000a, 0x86dd, 22,
		  58, 70, 16 },
		{ vec_syn4, 74, LP_ETH_F_TCP_SYN, LP_CAST_UNICAST, 0, 0, 0, 0x0800, 14, 6, 34, 40 },
		{ vec_syn6, 86, LP_ETH_F_TCP_SYN, LP_CAST_UNICAST, 1, 0x000a, 0, 0x86dd, 18, 6, 58,
		  28 },
		{ vec_dhcp_client, 46, 0, LP_CAST_BROADCAST, 0, 0, 0, 0x0800, 14, 17, 34, 12 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t f[128];
		struct lp_eth_info info;
		size_t n = unhex(v[i].hex, f, sizeof(f));

		assert_int_equal(n, v[i].len);
		assert_int_equal(classify(f, n, &info), 0);
		assert_int_equal(info.flags, v[i].flags);
		assert_int_equal(info.cast, v[i].cast);
		assert_int_equal(info.ntags, v[i].ntags);
		assert_int_equal(info.tci[0], v[i].tci0);
		assert_int_equal(info.tci[1], v[i].tci1);
		assert_int_equal(info.ethertype, v[i].ethertype);
		assert_int_equal(info.l3_off, v[i].l3_off);
		assert_int_equal(info.l3_len, n - v[i].l3_off);
		assert_int_equal(info.l4_proto, v[i].l4_proto);
		assert_int_equal(info.l4_off, v[i].l4_off);
		assert_int_equal(info.l4_len, v[i].l4_len);
		assert_memory_equal(info.dst.b, f, 6);
		assert_memory_equal(info.src.b, f + 6, 6);
	}
}

static void test_parse_tags(void **state)
{
	(void)state;
	struct lp_eth_info info;
	uint8_t f[64] = { 0 };

	assert_int_equal(lp_eth_parse(NULL, 14, &info), LP_ERR_INVALID);
	assert_int_equal(lp_eth_parse(f, 14, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_eth_parse(f, 13, &info), LP_ERR_INVALID);
	assert_int_equal(lp_eth_classify(NULL, 60, &info), LP_ERR_INVALID);
	assert_int_equal(lp_eth_parse(f, 14, &info), 0);
	assert_int_equal(info.ethertype, 0); /* an 802.3 length field: no L3 parsing */
	assert_int_equal(info.l3_off, 14);
	assert_int_equal(info.l3_len, 0);

	static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	for (size_t a = 0; a < 3; a++) {
		/* one tag */
		memset(f, 0, sizeof(f));
		f[12] = (uint8_t)(tpids[a] >> 8);
		f[13] = (uint8_t)tpids[a];
		f[14] = 0x20;
		f[15] = 0x05;
		f[16] = 0x08;
		f[17] = 0x06;
		for (size_t n = 14; n < 18; n++)
			assert_int_equal(classify(f, n, &info), LP_ERR_INVALID);
		assert_int_equal(classify(f, 18, &info), 0);
		assert_int_equal(info.ntags, 1);
		assert_int_equal(info.tpid[0], tpids[a]);
		assert_int_equal(info.tci[0], 0x2005);
		assert_int_equal(info.tci[1], 0);
		assert_int_equal(info.ethertype, LP_ETH_TYPE_ARP);
		assert_int_equal(info.l3_off, 18);
		assert_int_equal(info.l3_len, 0);
		for (size_t b = 0; b < 3; b++) {
			/* two tags */
			f[16] = (uint8_t)(tpids[b] >> 8);
			f[17] = (uint8_t)tpids[b];
			f[18] = 0x00;
			f[19] = 0x0a;
			f[20] = 0x86;
			f[21] = 0xdd;
			for (size_t n = 18; n < 22; n++)
				assert_int_equal(classify(f, n, &info), LP_ERR_INVALID);
			assert_int_equal(classify(f, 22, &info), 0);
			assert_int_equal(info.ntags, 2);
			assert_int_equal(info.tpid[0], tpids[a]);
			assert_int_equal(info.tpid[1], tpids[b]);
			assert_int_equal(info.tci[1], 0x000a);
			assert_int_equal(info.ethertype, LP_ETH_TYPE_IPV6);
			assert_int_equal(info.l3_off, 22);
			/* an IPv6 ethertype with no IPv6 header behind it */
			assert_int_equal(info.flags, LP_ETH_F_UNPARSED);
			/* a third tag is refused, complete or not */
			f[20] = 0x81;
			f[21] = 0x00;
			for (size_t n = 22; n <= 26; n++)
				assert_int_equal(classify(f, n, &info), LP_ERR_UNSUPPORTED);
			f[20] = 0x86;
			f[21] = 0xdd;
		}
		f[16] = 0x08;
		f[17] = 0x06;
	}
}

/* IP wrapped in LLC/SNAP is classified like Ethernet II; other SNAP is left alone. */
static void test_snap(void **state)
{
	(void)state;
	struct frame fr;
	struct lp_eth_info info;

	for (unsigned tags = 0; tags <= 2; tags++) {
		for (unsigned oui = 0; oui <= 0xf8; oui += 0xf8) {
			eth(&fr, NULL, tags, 0x0030);
			snap(&fr, oui, LP_ETH_TYPE_IPV4);
			ip4(&fr, LP_IPPROTO_UDP, 0, 0);
			udp(&fr, 67, 68);
			done(&fr);
			assert_int_equal(classify(fr.b, fr.n, &info), 0);
			assert_true(info.snap);
			assert_int_equal(info.ethertype, LP_ETH_TYPE_IPV4);
			assert_int_equal(info.l3_off, 14 + 4 * tags + 8);
			assert_int_equal(info.flags, LP_ETH_F_DHCP_SERVER);
			check_prefixes(fr.b, fr.n, fr.ipend);

			eth(&fr, NULL, tags, 0x0030);
			snap(&fr, oui, LP_ETH_TYPE_IPV6);
			ip6(&fr, 0);
			ext6(&fr, LP_IPPROTO_ICMPV6, 8);
			icmp6(&fr, 134);
			done(&fr);
			assert_int_equal(flags_of(&fr), LP_ETH_F_IPV6_RA);
			check_prefixes(fr.b, fr.n, fr.ipend);
		}

		/* another OUI (Cisco's, CDP): not an ethertype */
		eth(&fr, NULL, tags, 0x0030);
		snap(&fr, 0x0c, LP_ETH_TYPE_IPV4);
		ip4(&fr, LP_IPPROTO_UDP, 0, 0);
		fr.b[fr.l3 - 3] = 0x0c;
		fr.b[fr.l3 - 4] = 0x00;
		udp(&fr, 67, 68);
		done(&fr);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_false(info.snap);
		assert_int_equal(info.ethertype, 0x0030);
		assert_int_equal(info.l3_off, 14 + 4 * tags);
		assert_int_equal(info.flags, 0);

		/* a VLAN tag inside SNAP is refused */
		eth(&fr, NULL, tags, 0x0030);
		snap(&fr, 0, LP_ETH_TYPE_VLAN);
		zeros(&fr, 30);
		assert_int_equal(classify(fr.b, fr.n, &info), LP_ERR_UNSUPPORTED);

		/* SNAP needs a length field, and all 8 bytes */
		eth(&fr, NULL, tags, LP_ETH_TYPE_MIN);
		snap(&fr, 0, LP_ETH_TYPE_IPV4);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_false(info.snap);
		assert_int_equal(info.ethertype, LP_ETH_TYPE_MIN);
		eth(&fr, NULL, tags, 0x0030);
		snap(&fr, 0, LP_ETH_TYPE_IPV4);
		assert_int_equal(classify(fr.b, fr.n - 1, &info), 0);
		assert_false(info.snap);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_true(info.snap);
		assert_int_equal(info.flags, LP_ETH_F_UNPARSED);
	}
}

static void test_cast_and_switch_ctrl(void **state)
{
	(void)state;
	static const struct {
		uint8_t mac[6];
		enum lp_cast cast;
		bool ctrl;
	} v[] = {
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, LP_CAST_BROADCAST, false },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, LP_CAST_MULTICAST, false },
		{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, LP_CAST_MULTICAST, false },
		{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, LP_CAST_MULTICAST, false },
		{ { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, LP_CAST_UNICAST, false },
		{ { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff }, LP_CAST_UNICAST, false },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, LP_CAST_MULTICAST, true }, /* STP */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x01 }, LP_CAST_MULTICAST, true }, /* pause */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 }, LP_CAST_MULTICAST, true }, /* LACP */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 }, LP_CAST_MULTICAST, true }, /* 802.1X */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e }, LP_CAST_MULTICAST, true }, /* LLDP */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f }, LP_CAST_MULTICAST, true },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x10 }, LP_CAST_MULTICAST, false },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x21 }, LP_CAST_MULTICAST, false }, /* GVRP */
		{ { 0x01, 0x80, 0xc2, 0x00, 0x01, 0x00 }, LP_CAST_MULTICAST, false },
		{ { 0x01, 0x80, 0xc3, 0x00, 0x00, 0x00 }, LP_CAST_MULTICAST, false },
		{ { 0x00, 0x80, 0xc2, 0x00, 0x00, 0x00 }, LP_CAST_UNICAST, false },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct frame fr;
		struct lp_eth_info info;

		assert_int_equal(lp_eth_cast(v[i].mac), v[i].cast);
		assert_int_equal(lp_eth_is_switch_ctrl(v[i].mac), v[i].ctrl);
		eth(&fr, v[i].mac, i % 3, 0x88cc);
		zeros(&fr, 46);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_int_equal(info.cast, v[i].cast);
		assert_int_equal(info.flags, v[i].ctrl ? LP_ETH_F_SWITCH_CTRL : 0u);
	}

	/* A group source address is flagged, with or without tags. */
	struct frame fr;
	eth(&fr, NULL, 1, 0x0806);
	zeros(&fr, 28);
	fr.b[6] = 0x01;
	assert_int_equal(flags_of(&fr), LP_ETH_F_SRC_GROUP);
	fr.b[6] = 0x03;
	assert_int_equal(flags_of(&fr), LP_ETH_F_SRC_GROUP);
	fr.b[6] = 0x02;
	assert_int_equal(flags_of(&fr), 0);
}

static void test_dhcp(void **state)
{
	(void)state;
	struct frame fr;
	struct lp_eth_info info;

	for (unsigned tags = 0; tags <= 2; tags++) {
		for (size_t opt = 0; opt <= 40; opt += 4) {
			eth(&fr, NULL, tags, LP_ETH_TYPE_IPV4);
			ip4(&fr, LP_IPPROTO_UDP, opt, 0x4000);
			udp(&fr, 67, 68);
			done(&fr);
			assert_int_equal(classify(fr.b, fr.n, &info), 0);
			assert_int_equal(info.flags, LP_ETH_F_DHCP_SERVER);
			assert_int_equal(info.l4_off, fr.l3 + 20 + opt);
			assert_int_equal(info.l4_len, 12);
			/* Ethernet padding after the packet is not part of it. */
			zeros(&fr, 20);
			assert_int_equal(classify(fr.b, fr.n, &info), 0);
			assert_int_equal(info.flags, LP_ETH_F_DHCP_SERVER);
			assert_int_equal(info.l4_len, 12);
		}
	}

	static const struct {
		unsigned proto, sport, dport, frag;
		unsigned flags;
	} v[] = {
		{ LP_IPPROTO_UDP, 67, 68, 0x0000, LP_ETH_F_DHCP_SERVER },
		{ LP_IPPROTO_UDP, 67, 67, 0x0000, LP_ETH_F_DHCP_SERVER }, /* to a relay agent */
		{ LP_IPPROTO_UDP, 68, 67, 0x0000, 0 },			  /* client request */
		{ LP_IPPROTO_UDP, 67, 69, 0x0000, 0 },
		{ LP_IPPROTO_UDP, 68, 68, 0x0000, 0 },
		{ LP_IPPROTO_UDP, 547, 546, 0x0000, 0 }, /* DHCPv6 ports over IPv4 */
		{ LP_IPPROTO_TCP, 67, 68, 0x0000, 0 },
		/* first fragment: the UDP header is there */
		{ LP_IPPROTO_UDP, 67, 68, 0x2000, LP_ETH_F_DHCP_SERVER | LP_ETH_F_FRAGMENT },
		/* later fragments carry no UDP header, whatever their bytes say */
		{ LP_IPPROTO_UDP, 67, 68, 0x2001, LP_ETH_F_FRAGMENT },
		{ LP_IPPROTO_UDP, 67, 68, 0x0001, LP_ETH_F_FRAGMENT },
		{ LP_IPPROTO_UDP, 67, 68, 0x1fff, LP_ETH_F_FRAGMENT },
		{ LP_IPPROTO_UDP, 67, 68, 0x4000, LP_ETH_F_DHCP_SERVER }, /* DF */
		{ LP_IPPROTO_UDP, 67, 68, 0x8000, LP_ETH_F_DHCP_SERVER }, /* reserved bit */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		eth(&fr, NULL, 1, LP_ETH_TYPE_IPV4);
		ip4(&fr, v[i].proto, 8, v[i].frag);
		if (v[i].proto == LP_IPPROTO_UDP)
			udp(&fr, v[i].sport, v[i].dport);
		else
			tcp(&fr, 0x10);
		memcpy(fr.b + fr.l3 + 28,
		       (uint8_t[]){ (uint8_t)(v[i].sport >> 8), (uint8_t)v[i].sport,
				    (uint8_t)(v[i].dport >> 8), (uint8_t)v[i].dport },
		       4);
		done(&fr);
		assert_int_equal(flags_of(&fr), v[i].flags);
	}

	/* Malformed IPv4 headers. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV4);
	ip4(&fr, LP_IPPROTO_UDP, 0, 0);
	udp(&fr, 67, 68);
	done(&fr);
	uint8_t *ip = fr.b + fr.l3;
	ip[0] = 0x65; /* IPv6 version under an IPv4 ethertype */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[0] = 0x44; /* IHL below 5 */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[0] = 0x47; /* IHL past the packet */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[0] = 0x4f;
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[0] = 0x45;
	ip[3] = 19; /* total length below the header */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[3] = 24; /* UDP header cut short by the IP length: ports still seen */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED | LP_ETH_F_DHCP_SERVER);
	ip[3] = 22; /* not even the ports */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[3] = 20; /* an empty packet */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	ip[3] = 33; /* longer than the frame: suspect, and still classified */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED | LP_ETH_F_DHCP_SERVER);
	ip[2] = 0xff;
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED | LP_ETH_F_DHCP_SERVER);
	ip[2] = 0;
	ip[3] = 32;
	assert_int_equal(flags_of(&fr), LP_ETH_F_DHCP_SERVER);
	fr.n = fr.l3 + 19; /* IPv4 header cut short */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
}

static void test_dhcp6(void **state)
{
	(void)state;
	static const struct {
		unsigned sport, dport, flags;
	} v[] = {
		{ 547, 546, LP_ETH_F_DHCP6_SERVER },
		{ 547, 547, LP_ETH_F_DHCP6_SERVER },
		{ 546, 547, 0 }, /* client to server */
		{ 547, 548, 0 },
		{ 67, 68, 0 }, /* DHCPv4 ports over IPv6 */
	};
	for (unsigned tags = 0; tags <= 2; tags++) {
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			struct frame fr;

			eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
			ip6(&fr, LP_IPPROTO_UDP);
			udp(&fr, v[i].sport, v[i].dport);
			done(&fr);
			assert_int_equal(flags_of(&fr), v[i].flags);

			/* behind a destination options header */
			eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
			ip6(&fr, 60);
			ext6(&fr, LP_IPPROTO_UDP, 16);
			udp(&fr, v[i].sport, v[i].dport);
			done(&fr);
			assert_int_equal(flags_of(&fr), v[i].flags);
		}
	}
}

static void test_ra(void **state)
{
	(void)state;
	struct frame fr;
	struct lp_eth_info info;

	for (unsigned tags = 0; tags <= 2; tags++) {
		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, LP_IPPROTO_ICMPV6);
		icmp6(&fr, 134);
		done(&fr);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_int_equal(info.flags, LP_ETH_F_IPV6_RA);
		assert_int_equal(info.l4_proto, LP_IPPROTO_ICMPV6);
		assert_int_equal(info.l4_off, fr.l3 + 40);
		assert_int_equal(info.l4_len, 16);

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, LP_IPPROTO_ICMPV6);
		icmp6(&fr, 133); /* router solicitation */
		done(&fr);
		assert_int_equal(flags_of(&fr), 0);

		/* hop-by-hop, routing, fragment (offset 0), AH, dest options */
		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, 0);
		ext6(&fr, 43, 8);
		ext6(&fr, 44, 24);
		frag6(&fr, 51, 0, true);
		put8(&fr, 60); /* AH: 12-byte header + 4 bytes ICV = (2 + 2) * 4 */
		put8(&fr, 2);
		zeros(&fr, 14);
		ext6(&fr, LP_IPPROTO_ICMPV6, 8);
		icmp6(&fr, 134);
		done(&fr);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_int_equal(info.flags, LP_ETH_F_IPV6_RA | LP_ETH_F_FRAGMENT);
		assert_int_equal(info.l4_off, fr.n - 16);

		/* an atomic fragment (offset 0, no more) is a fragment header too */
		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, 44);
		frag6(&fr, LP_IPPROTO_ICMPV6, 0, false);
		icmp6(&fr, 134);
		done(&fr);
		assert_int_equal(flags_of(&fr), LP_ETH_F_IPV6_RA | LP_ETH_F_FRAGMENT);

		/* a later fragment has no ICMPv6 header, whatever it holds */
		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, 44);
		frag6(&fr, LP_IPPROTO_ICMPV6, 1, false);
		icmp6(&fr, 134);
		done(&fr);
		assert_int_equal(classify(fr.b, fr.n, &info), 0);
		assert_int_equal(info.flags, LP_ETH_F_FRAGMENT);
		assert_int_equal(info.l4_off, 0);
	}

	/* Exactly LP_ETH_MAX_EXT extension headers are walked; one more is suspect. */
	for (unsigned next = LP_ETH_MAX_EXT; next <= LP_ETH_MAX_EXT + 1; next++) {
		eth(&fr, NULL, 0, LP_ETH_TYPE_IPV6);
		ip6(&fr, 60);
		for (unsigned i = 1; i < next; i++)
			ext6(&fr, 60, 8);
		ext6(&fr, LP_IPPROTO_ICMPV6, 8);
		icmp6(&fr, 134);
		done(&fr);
		assert_int_equal(flags_of(&fr),
				 next == LP_ETH_MAX_EXT ? LP_ETH_F_IPV6_RA : LP_ETH_F_UNPARSED);
	}

	/* An extension header that claims more than the packet holds. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV6);
	ip6(&fr, 0);
	ext6(&fr, LP_IPPROTO_ICMPV6, 8);
	icmp6(&fr, 134);
	done(&fr);
	fr.b[fr.l3 + 41] = 3; /* 32 bytes */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	fr.b[fr.l3 + 41] = 1; /* 16 bytes: then the next header is the RA's body */
	assert_int_equal(flags_of(&fr), 0);

	/* The IPv6 payload length decides where the packet ends. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV6);
	ip6(&fr, LP_IPPROTO_ICMPV6);
	icmp6(&fr, 134);
	done(&fr);
	fr.b[fr.l3 + 5] = 0; /* payload length 0: no room for the ICMPv6 header */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	fr.b[fr.l3 + 5] = 1;
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED | LP_ETH_F_IPV6_RA);
	fr.b[fr.l3 + 5] = 17; /* past the frame */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED | LP_ETH_F_IPV6_RA);
	fr.b[fr.l3 + 5] = 16;
	fr.b[fr.l3] = 0x45; /* IPv4 version under the IPv6 ethertype */
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	fr.b[fr.l3] = 0x60;
	fr.b[fr.l3 + 6] = 59; /* no next header */
	assert_int_equal(flags_of(&fr), 0);

	/* Other upper layers are found and left alone. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV4);
	ip4(&fr, 1, 0, 0); /* ICMP */
	icmp6(&fr, 8);
	done(&fr);
	assert_int_equal(classify(fr.b, fr.n, &info), 0);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.l4_proto, 1);
	assert_int_equal(info.l4_len, 16);

	/* ICMPv6 numbers mean nothing over IPv4. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV4);
	ip4(&fr, LP_IPPROTO_ICMPV6, 0, 0);
	icmp6(&fr, 134);
	done(&fr);
	assert_int_equal(flags_of(&fr), 0);
}

static void test_tcp_syn(void **state)
{
	(void)state;
	struct frame fr;

	static const struct {
		unsigned tcp_flags, flags;
	} v[] = {
		{ 0x02, LP_ETH_F_TCP_SYN }, /* SYN */
		{ 0x12, LP_ETH_F_TCP_SYN }, /* SYN-ACK */
		{ 0x10, 0 },		    /* ACK */
		{ 0x11, 0 },		    /* FIN-ACK */
		{ 0x04, 0 },		    /* RST */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		eth(&fr, NULL, 1, LP_ETH_TYPE_IPV4);
		ip4(&fr, LP_IPPROTO_TCP, 4, 0x4000);
		tcp(&fr, v[i].tcp_flags);
		done(&fr);
		assert_int_equal(flags_of(&fr), v[i].flags);

		eth(&fr, NULL, 2, LP_ETH_TYPE_IPV6);
		ip6(&fr, 0);
		ext6(&fr, LP_IPPROTO_TCP, 8);
		tcp(&fr, v[i].tcp_flags);
		done(&fr);
		assert_int_equal(flags_of(&fr), v[i].flags);
	}

	/* Data offset below 5 or past the packet. */
	eth(&fr, NULL, 0, LP_ETH_TYPE_IPV4);
	ip4(&fr, LP_IPPROTO_TCP, 0, 0);
	tcp(&fr, 0x02);
	done(&fr);
	uint8_t *th = fr.b + fr.l3 + 20;
	th[12] = 4 << 4;
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	th[12] = 7 << 4;
	assert_int_equal(flags_of(&fr), LP_ETH_F_UNPARSED);
	th[12] = 5 << 4;
	assert_int_equal(flags_of(&fr), LP_ETH_F_TCP_SYN);
}

/*
 * Every prefix of every frame: no read past the end (the classifier sees an
 * exact-size heap copy), offsets inside the prefix, a cut IP packet never
 * passes as whole, and no class appears that the whole frame lacks.
 */
static void check_prefixes(const uint8_t *f, size_t len, size_t ipend)
{
	struct lp_eth_info whole;
	assert_int_equal(classify(f, len, &whole), 0);

	for (size_t n = 0; n <= len; n++) {
		struct lp_eth_info info;
		int rc = classify(f, n, &info);

		if (n < LP_ETH_HDR_LEN + LP_ETH_TAG_LEN * whole.ntags) {
			assert_int_equal(rc, LP_ERR_INVALID);
			continue;
		}
		if (n < whole.l3_off) { /* the SNAP header cut short: plain 802.3 */
			assert_int_equal(rc, 0);
			assert_false(info.snap);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(info.l3_off, whole.l3_off);
		assert_int_equal(info.l3_off + info.l3_len, n);
		if (info.l4_off) {
			assert_true(info.l4_off >= info.l3_off);
			assert_true(info.l4_off <= n);
			assert_true(info.l4_len <= n - info.l4_off);
		} else {
			assert_int_equal(info.l4_len, 0);
		}
		assert_int_equal(info.flags & ~(whole.flags | LP_ETH_F_UNPARSED), 0);
		if (ipend && n < ipend)
			assert_true(info.flags & LP_ETH_F_UNPARSED);
		if (n == len)
			assert_int_equal(info.flags, whole.flags);
	}
}

static void test_prefixes(void **state)
{
	(void)state;
	const char *vecs[] = { vec_lldp, vec_dhcp, vec_dhcp6,	   vec_ra,
			       vec_syn4, vec_syn6, vec_dhcp_client };
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t f[128];
		size_t n = unhex(vecs[i], f, sizeof(f));
		struct lp_eth_info info;

		assert_int_equal(classify(f, n, &info), 0);
		size_t ipend = 0;
		if (info.ethertype == LP_ETH_TYPE_IPV4)
			ipend = info.l3_off +
				((size_t)f[info.l3_off + 2] << 8 | f[info.l3_off + 3]);
		else if (info.ethertype == LP_ETH_TYPE_IPV6)
			ipend = info.l3_off + 40 +
				((size_t)f[info.l3_off + 4] << 8 | f[info.l3_off + 5]);
		check_prefixes(f, n, ipend);
	}

	/* Built frames: each class, tagged, with options and extension headers. */
	for (unsigned tags = 0; tags <= 2; tags++) {
		struct frame fr;

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV4);
		ip4(&fr, LP_IPPROTO_UDP, 12, 0x2000);
		udp(&fr, 67, 68);
		done(&fr);
		check_prefixes(fr.b, fr.n, fr.ipend);

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV4);
		ip4(&fr, LP_IPPROTO_TCP, 40, 0);
		tcp(&fr, 0x02);
		done(&fr);
		check_prefixes(fr.b, fr.n, fr.ipend);

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, 0);
		ext6(&fr, 44, 16);
		frag6(&fr, 60, 0, true);
		ext6(&fr, LP_IPPROTO_ICMPV6, 8);
		icmp6(&fr, 134);
		done(&fr);
		check_prefixes(fr.b, fr.n, fr.ipend);

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, 60);
		ext6(&fr, LP_IPPROTO_TCP, 8);
		tcp(&fr, 0x12);
		done(&fr);
		check_prefixes(fr.b, fr.n, fr.ipend);

		eth(&fr, NULL, tags, LP_ETH_TYPE_IPV6);
		ip6(&fr, LP_IPPROTO_UDP);
		udp(&fr, 547, 546);
		done(&fr);
		check_prefixes(fr.b, fr.n, fr.ipend);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),	 cmocka_unit_test(test_parse_tags),
		cmocka_unit_test(test_snap),	 cmocka_unit_test(test_cast_and_switch_ctrl),
		cmocka_unit_test(test_dhcp),	 cmocka_unit_test(test_dhcp6),
		cmocka_unit_test(test_ra),	 cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
