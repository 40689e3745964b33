/*
 * Unit tests for shared/tcp_merge.c: runs of TCP segments joined into one
 * super-frame. The round trip is checked against shared/tso.c: segments cut
 * from a super-frame, joined again, and cut again must come out the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "csum.h"
#include "tcp_merge.h"
#include "tso.h"

#define SEGS_MAX 64
#define SEG_MAX	 2048

static uint8_t super[70000];
static uint8_t segs[SEGS_MAX][SEG_MAX];
static size_t seg_len[SEGS_MAX];
static int nsegs;

static void collect(void *arg, uint8_t *f, size_t len)
{
	(void)arg;
	assert_true(nsegs < SEGS_MAX && len <= SEG_MAX);
	memcpy(segs[nsegs], f, len);
	seg_len[nsegs++] = len;
}

/* A super-frame of pay bytes (IPv4 with DF, or IPv6), cut into segments of mss. */
static void make_segments(bool v4, size_t pay, uint16_t mss, uint8_t last_flags)
{
	size_t o = 14, l4;

	memset(super, 0, sizeof(super));
	memcpy(super, "\x02\x00\x00\x00\x00\x0a\x02\x00\x00\x00\x00\xc9", 12);
	if (v4) {
		memcpy(super + 12, "\x08\x00", 2);
		super[o] = 0x45;
		super[o + 2] = (uint8_t)((20 + 32 + pay) >> 8);
		super[o + 3] = (uint8_t)(20 + 32 + pay);
		super[o + 4] = 0x77;
		super[o + 6] = 0x40;
		super[o + 8] = 64;
		super[o + 9] = 6;
		memcpy(super + o + 12, "\x0a\x4d\x00\xc9\x0a\x4d\x00\x0a", 8);
		l4 = o + 20;
	} else {
		memcpy(super + 12, "\x86\xdd", 2);
		super[o] = 0x60;
		super[o + 4] = (uint8_t)((32 + pay) >> 8);
		super[o + 5] = (uint8_t)(32 + pay);
		super[o + 6] = 6;
		super[o + 7] = 64;
		super[o + 8] = 0xfd;
		super[o + 23] = 0xc9;
		super[o + 24] = 0xfd;
		super[o + 39] = 0x0a;
		l4 = o + 40;
	}
	super[l4] = 0xa4;
	super[l4 + 1] = 0x10;
	super[l4 + 2] = 0x14;
	super[l4 + 3] = 0x51;
	super[l4 + 4] = 0x7f;
	super[l4 + 8] = 0x11;
	super[l4 + 12] = 8 << 4;
	super[l4 + 13] = last_flags;
	super[l4 + 14] = 0x20;
	memcpy(super + l4 + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", 12);
	for (size_t i = 0; i < pay; i++)
		super[l4 + 32 + i] = (uint8_t)(i * 13 + 1);
	struct lp_tso t = { v4 ? LP_TSO_TCPV4 : LP_TSO_TCPV6, true, (uint16_t)l4, 16, mss };
	nsegs = 0;
	assert_true(lp_tso_split(super, l4 + 32 + pay, &t, collect, NULL) > 0);
}

/* Join segs[from..), returning how many joined; the joined frame goes to out. */
static int join(int from, uint8_t *out, size_t *out_len, uint8_t vnet[LP_TCP_MERGE_VNET_LEN])
{
	struct lp_tcp_run r;
	int n = 1;

	memcpy(out, segs[from], seg_len[from]);
	*out_len = seg_len[from];
	if (!lp_tcp_run_start(&r, out, *out_len)) {
		memset(vnet, 0, LP_TCP_MERGE_VNET_LEN);
		return 1;
	}
	while (from + n < nsegs && lp_tcp_run_append(&r, out, segs[from + n], seg_len[from + n])) {
		memcpy(out + *out_len, segs[from + n] + r.hl, seg_len[from + n] - r.hl);
		*out_len += seg_len[from + n] - r.hl;
		n++;
	}
	lp_tcp_run_finish(&r, out, vnet);
	assert_int_equal((int)r.segs, n);
	return n;
}

static uint8_t joined[70000];
static uint8_t again[SEGS_MAX][SEG_MAX];
static size_t again_len[SEGS_MAX];
static int nagain;

static void collect_again(void *arg, uint8_t *f, size_t len)
{
	(void)arg;
	assert_true(nagain < SEGS_MAX && len <= SEG_MAX);
	memcpy(again[nagain], f, len);
	again_len[nagain++] = len;
}

/* Join everything, cut it again the way the kernel would, compare with the originals. */
static void round_trip(int expect_runs)
{
	int from = 0, runs = 0;

	nagain = 0;
	while (from < nsegs) {
		uint8_t vnet[LP_TCP_MERGE_VNET_LEN];
		struct lp_tso t;
		size_t len;
		int n = join(from, joined, &len, vnet);

		assert_int_equal(lp_tso_parse_vnet(vnet, &t), 0);
		if (n > 1) {
			assert_int_not_equal(t.type, LP_TSO_NONE);
			assert_true(t.needs_csum);
		} else {
			assert_int_equal(t.type, LP_TSO_NONE);
			assert_false(t.needs_csum);
		}
		assert_int_equal(lp_tso_split(joined, len, &t, collect_again, NULL), n);
		from += n;
		runs++;
	}
	assert_int_equal(runs, expect_runs);
	assert_int_equal(nagain, nsegs);
	for (int i = 0; i < nsegs; i++) {
		assert_int_equal(again_len[i], seg_len[i]);
		assert_memory_equal(again[i], segs[i], seg_len[i]);
	}
}

static void test_round_trip_v4(void **state)
{
	(void)state;
	make_segments(true, 20 * 1448, 1448, 0x18);
	round_trip(1);
	make_segments(true, 20 * 1448 + 100, 1448, 0x18); /* a short last segment */
	round_trip(1);
	make_segments(true, 50 * 1200, 1200, 0x10); /* more segments than one run takes */
	round_trip(2);
}

static void test_round_trip_v6(void **state)
{
	(void)state;
	make_segments(false, 10 * 1428 + 7, 1428, 0x18);
	round_trip(1);
}

/* Anything that does not continue the run starts a new one (or goes alone). */
static void test_breaks(void **state)
{
	(void)state;
	/* A gap in the sequence. */
	make_segments(true, 6 * 1000, 1000, 0x10);
	memcpy(segs[3], segs[4], seg_len[4]);
	nsegs = 4;
	{
		uint8_t vnet[LP_TCP_MERGE_VNET_LEN];
		size_t len;
		assert_int_equal(join(0, joined, &len, vnet), 3);
	}
	/* Another port. */
	make_segments(true, 6 * 1000, 1000, 0x10);
	segs[2][14 + 20 + 1] ^= 1;
	assert_int_equal(lp_csum_complete(segs[2], seg_len[2]), 1);
	round_trip(3);
	/* PSH in the middle ends a run there. */
	make_segments(true, 6 * 1000, 1000, 0x10);
	segs[1][14 + 20 + 13] |= 0x08;
	assert_int_equal(lp_csum_complete(segs[1], seg_len[1]), 1);
	round_trip(2);
	/* A short segment in the middle ends a run there (its successor starts anew). */
	make_segments(true, 6 * 1000, 1000, 0x10);
	{
		uint8_t vnet[LP_TCP_MERGE_VNET_LEN];
		size_t len;
		uint8_t *ip = segs[1] + 14;
		uint16_t tot = (uint16_t)((ip[2] << 8 | ip[3]) - 10);
		seg_len[1] -= 10;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[10] = ip[11] = 0;
		uint16_t c = (uint16_t)~lp_csum_fold(0, ip, 20);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
		assert_int_equal(lp_csum_complete(segs[1], seg_len[1]), 1);
		assert_int_equal(join(0, joined, &len, vnet), 2);
		assert_int_equal(join(2, joined, &len, vnet), 4);
	}
	/* Another window. */
	make_segments(true, 4 * 1000, 1000, 0x10);
	segs[3][14 + 20 + 15] ^= 1;
	assert_int_equal(lp_csum_complete(segs[3], seg_len[3]), 1);
	round_trip(2);
}

static void test_not_started(void **state)
{
	struct lp_tcp_run r;

	(void)state;
	make_segments(true, 3000, 1000, 0x10);
	/* No DF. */
	segs[0][14 + 6] = 0;
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0]));
	/* SYN, FIN, RST. */
	make_segments(true, 3000, 1000, 0x10);
	segs[0][14 + 20 + 13] = 0x12;
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0]));
	segs[0][14 + 20 + 13] = 0x11;
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0]));
	/* Ethernet padding after the IP packet. */
	make_segments(true, 3000, 1000, 0x10);
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0] + 1));
	/* A pure ACK: no data to join. */
	make_segments(true, 0, 1000, 0x10);
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0]));
	/* UDP. */
	make_segments(true, 3000, 1000, 0x10);
	segs[0][14 + 9] = 17;
	assert_false(lp_tcp_run_start(&r, segs[0], seg_len[0]));
	/* A run of one: an all-zero header and the frame untouched. */
	make_segments(true, 500, 1000, 0x18);
	{
		uint8_t vnet[LP_TCP_MERGE_VNET_LEN], zero[LP_TCP_MERGE_VNET_LEN] = { 0 };
		uint8_t copy[SEG_MAX];
		memcpy(copy, segs[0], seg_len[0]);
		assert_true(lp_tcp_run_start(&r, segs[0], seg_len[0]));
		lp_tcp_run_finish(&r, segs[0], vnet);
		assert_memory_equal(vnet, zero, sizeof(zero));
		assert_memory_equal(copy, segs[0], seg_len[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_v4),
		cmocka_unit_test(test_round_trip_v6),
		cmocka_unit_test(test_breaks),
		cmocka_unit_test(test_not_started),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
