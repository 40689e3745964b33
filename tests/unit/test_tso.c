/* Unit tests for shared/tso.c: cutting TAP super-frames into ordinary frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "csum.h"
#include "err.h"
#include "tso.h"

#define PAYLOAD_MAX 20000

static uint8_t frame[14 + 4 + 40 + 32 + PAYLOAD_MAX];
static uint8_t payload[PAYLOAD_MAX];

/* What the callback saw. */
static struct {
	int n;
	size_t len[64];
	uint32_t seq[64];
	uint8_t flags[64];
	uint16_t ip_id[64];
	uint8_t data[PAYLOAD_MAX];
	size_t data_len;
	bool csum_ok, ip_csum_ok;
	size_t l3, l4, hl;
	bool v4;
} seen;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void on_frame(void *arg, uint8_t *f, size_t len)
{
	uint8_t copy[2048];
	int i = seen.n++;

	(void)arg;
	assert_true(i < 64);
	assert_true(len <= sizeof(copy));
	seen.len[i] = len;
	seen.seq[i] = rd32(f + seen.l4 + 4);
	seen.flags[i] = f[seen.l4 + 13];
	if (seen.v4) {
		seen.ip_id[i] = rd16(f + seen.l3 + 4);
		assert_int_equal(rd16(f + seen.l3 + 2), len - seen.l3);
		/* A valid IPv4 header sums to 0xffff. */
		if (lp_csum_fold(0, f + seen.l3, seen.l4 - seen.l3) != 0xffff)
			seen.ip_csum_ok = false;
	} else {
		assert_int_equal(rd16(f + seen.l3 + 4), len - seen.l3 - 40);
	}
	/* The TCP checksum is what an independent recomputation writes. */
	memcpy(copy, f, len);
	assert_int_equal(lp_csum_complete(copy, len), 1);
	if (memcmp(copy + seen.l4 + 16, f + seen.l4 + 16, 2) != 0)
		seen.csum_ok = false;
	memcpy(seen.data + seen.data_len, f + seen.hl, len - seen.hl);
	seen.data_len += len - seen.hl;
}

static void reset_seen(size_t l3, size_t l4, size_t hl, bool v4)
{
	memset(&seen, 0, sizeof(seen));
	seen.csum_ok = seen.ip_csum_ok = true;
	seen.l3 = l3;
	seen.l4 = l4;
	seen.hl = hl;
	seen.v4 = v4;
}

/* An Ethernet (+ optional VLAN) + IPv4/IPv6 + TCP super-frame with pay payload bytes. */
static size_t build(bool v4, bool vlan, size_t pay, uint8_t flags, size_t *l3, size_t *l4)
{
	size_t o = 12;

	memset(frame, 0, sizeof(frame));
	memcpy(frame, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (vlan) {
		memcpy(frame + o, "\x81\x00\x00\x64", 4);
		o += 4;
	}
	memcpy(frame + o, v4 ? "\x08\x00" : "\x86\xdd", 2);
	o += 2;
	*l3 = o;
	if (v4) {
		uint8_t *ip = frame + o;
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + 32 + pay) >> 8);
		ip[3] = (uint8_t)(20 + 32 + pay);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\x4d\x00\xc9\x0a\x4d\x00\x0a", 8);
		o += 20;
	} else {
		uint8_t *ip = frame + o;
		ip[0] = 0x60;
		ip[4] = (uint8_t)((32 + pay) >> 8);
		ip[5] = (uint8_t)(32 + pay);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
		o += 40;
	}
	*l4 = o;
	uint8_t *tcp = frame + o;
	tcp[0] = 0x9c;
	tcp[1] = 0x40;
	tcp[2] = 0x14;
	tcp[3] = 0x51;
	tcp[4] = 0xff; /* a sequence number that wraps during the run */
	tcp[5] = 0xff;
	tcp[6] = 0xf0;
	tcp[12] = 8 << 4; /* 32 bytes: with a timestamp option */
	tcp[13] = flags;
	tcp[14] = 0x01;
	memcpy(tcp + 20, "\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02", 12);
	o += 32;
	for (size_t i = 0; i < pay; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	memcpy(frame + o, payload, pay);
	return o + pay;
}

static void check_split(bool v4, bool vlan, size_t pay, uint16_t mss)
{
	size_t l3, l4,
		len = build(v4, vlan, pay, 0x18 | 0x01 | 0x80, &l3, &l4); /* PSH ACK FIN CWR */
	struct lp_tso t = { v4 ? LP_TSO_TCPV4 : LP_TSO_TCPV6, true, (uint16_t)l4, 16, mss };
	int expect = pay ? (int)((pay + mss - 1) / mss) : 1;

	reset_seen(l3, l4, l4 + 32, v4);
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), expect);
	assert_int_equal(seen.n, expect);
	assert_true(seen.csum_ok);
	assert_true(seen.ip_csum_ok);
	assert_int_equal(seen.data_len, pay);
	assert_memory_equal(seen.data, payload, pay);
	for (int i = 0; i < seen.n; i++) {
		bool last = i == seen.n - 1;
		assert_int_equal(seen.seq[i], 0xfffff000u + (uint32_t)i * mss);
		assert_int_equal(seen.flags[i] & 0x01, last ? 0x01 : 0);
		assert_int_equal(seen.flags[i] & 0x08, last ? 0x08 : 0);
		assert_int_equal(seen.flags[i] & 0x80, i == 0 ? 0x80 : 0);
		assert_int_equal(seen.flags[i] & 0x10, 0x10); /* ACK on every one */
		if (!last)
			assert_int_equal(seen.len[i], l4 + 32 + mss);
		if (v4)
			assert_int_equal(seen.ip_id[i], 0x1234 + i);
	}
}

static void test_split_ipv4(void **state)
{
	(void)state;
	check_split(true, false, 14480, 1448);
	check_split(true, false, 14481, 1448); /* a short last segment */
	check_split(true, true, 3000, 1444);   /* behind a VLAN tag */
	check_split(true, false, 100, 1448);   /* smaller than one segment */
	check_split(true, false, 200, 40);     /* segments shorter than the headers */
}

static void test_split_ipv6(void **state)
{
	(void)state;
	check_split(false, false, 14280, 1428);
	check_split(false, true, 5000, 1000);
}

static void test_vnet_header(void **state)
{
	struct lp_tso t;
	/* NEEDS_CSUM, TCPv4 with ECN, hdr_len 66, gso_size 1448, start 34, offset 16. */
	static const uint8_t h[10] = { 1, 0x81, 66, 0, 0xa8, 0x05, 34, 0, 16, 0 };
	static const uint8_t udp[10] = { 0, 5, 0, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(lp_tso_parse_vnet(h, &t), 0);
	assert_int_equal(t.type, LP_TSO_TCPV4);
	assert_true(t.needs_csum);
	assert_int_equal(t.gso_size, 1448);
	assert_int_equal(t.csum_start, 34);
	assert_int_equal(t.csum_offset, 16);
	assert_int_equal(lp_tso_parse_vnet(udp, &t), LP_ERR_UNSUPPORTED);
}

/* A frame with a partial checksum is finished and passed on whole. */
static void test_finish_partial(void **state)
{
	size_t l3, l4, len = build(true, false, 333, 0x18, &l3, &l4);
	uint8_t ref[2048];
	struct lp_tso t = { LP_TSO_NONE, true, (uint16_t)l4, 16, 0 };

	(void)state;
	memcpy(ref, frame, len);
	assert_int_equal(lp_csum_complete(ref, len), 1);
	/* What a sender with offload leaves: the pseudo-header sum only. */
	uint32_t ph = lp_csum_fold(0, frame + l3 + 12, 8) + 6 + (uint32_t)(len - l4);
	uint16_t p = lp_csum_fold(ph, NULL, 0);
	frame[l4 + 16] = (uint8_t)(p >> 8);
	frame[l4 + 17] = (uint8_t)p;
	reset_seen(l3, l4, l4 + 32, true);
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), 1);
	assert_memory_equal(frame, ref, len);
	/* A checksum field outside the frame. */
	t.csum_offset = 2000;
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), LP_ERR_INVALID);
}

static void test_bad_descriptions(void **state)
{
	size_t l3, l4, len = build(true, false, 3000, 0x10, &l3, &l4);
	struct lp_tso t = { LP_TSO_TCPV6, true, (uint16_t)l4, 16, 1448 };

	(void)state;
	reset_seen(l3, l4, l4 + 32, true);
	/* IPv6 said, IPv4 found. */
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), LP_ERR_INVALID);
	t.type = LP_TSO_TCPV4;
	t.gso_size = 0;
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), LP_ERR_INVALID);
	t.gso_size = 1448;
	/* Padding after the IP packet. */
	assert_int_equal(lp_tso_split(frame, len + 1, &t, on_frame, NULL), LP_ERR_INVALID);
	/* Not TCP. */
	frame[l3 + 9] = 17;
	assert_int_equal(lp_tso_split(frame, len, &t, on_frame, NULL), LP_ERR_INVALID);
	/* Cut inside the headers. */
	assert_int_equal(lp_tso_split(frame, 30, &t, on_frame, NULL), LP_ERR_INVALID);
	assert_int_equal(seen.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_ipv4),	 cmocka_unit_test(test_split_ipv6),
		cmocka_unit_test(test_vnet_header),	 cmocka_unit_test(test_finish_partial),
		cmocka_unit_test(test_bad_descriptions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
