/* Unit tests for shared/mtu.c. The figures table is the one in docs/.parts/mtu.md. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mtu.h"

static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(LP_MTU_FRAME_EXTRA, 22);
	assert_int_equal(LP_MTU_QUIC_FIXED, 22);
	assert_int_equal(LP_MTU_MSS_OVERHEAD_IPV4, 58);
	assert_int_equal(LP_MTU_MSS_OVERHEAD_IPV6, 78);
	assert_int_equal(LP_MTU_PATH_UDP_IPV4, 1500 - 20 - 8);
	assert_int_equal(LP_MTU_PATH_UDP_IPV6, 1500 - 40 - 8);
	/* The named worst cases are what the function computes. */
	assert_int_equal(lp_mtu_quic_overhead(16, 1400), LP_MTU_QUIC_OVERHEAD_CID16);
	assert_int_equal(lp_mtu_quic_overhead(20, 1400), LP_MTU_QUIC_OVERHEAD_WORST);
	/* ngtcp2's measured 37 (16-byte CID, 1-byte packet number) plus 3 bytes of allowance. */
	assert_int_equal(lp_mtu_quic_overhead(16, 1400) - (LP_MTU_QUIC_PN_MAX - 1), 37);
}

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		int64_t mtu;
		bool ok;
	} v[] = {
		{ 1500, true },	      { 1280, true },	     { 9000, true },   { 1279, false },
		{ 9001, false },      { 0, false },	     { -1500, false }, { INT64_MIN, false },
		{ INT64_MAX, false }, { 4294968796, false }, /* 1500 + 2^32: no silent truncation */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_mtu_valid(v[i].mtu), v[i].ok);
	assert_true(lp_mtu_valid(LP_MTU_DEFAULT));
}

static void test_frame_max(void **state)
{
	(void)state;
	assert_int_equal(lp_mtu_frame_max(1500), 1522);
	assert_int_equal(lp_mtu_frame_max(1280), 1302);
	assert_int_equal(lp_mtu_frame_max(9000), 9022);
	assert_int_equal(lp_mtu_frame_max(1279), 0);
	assert_int_equal(lp_mtu_frame_max(9001), 0);
	assert_int_equal(lp_mtu_frame_max(0), 0);
	assert_int_equal(lp_mtu_frame_max(SIZE_MAX), 0);
}

static void test_varint_len(void **state)
{
	(void)state;
	static const struct {
		uint64_t v;
		size_t len;
	} t[] = {
		{ 0, 1 },
		{ 63, 1 },
		{ 64, 2 },
		{ 16383, 2 },
		{ 16384, 4 },
		{ 1073741823, 4 },
		{ 1073741824, 8 },
		{ 4611686018427387903ull, 8 },
		{ 4611686018427387904ull, 0 },
		{ UINT64_MAX, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(lp_mtu_varint_len(t[i].v), t[i].len);
}

static void test_quic_overhead(void **state)
{
	(void)state;
	assert_int_equal(lp_mtu_quic_overhead(0, 1), 1 + 0 + 4 + 16 + 1 + 1);
	assert_int_equal(lp_mtu_quic_overhead(0, 63), 23);
	assert_int_equal(lp_mtu_quic_overhead(0, 64), 24);
	assert_int_equal(lp_mtu_quic_overhead(8, 1400), 32);
	assert_int_equal(lp_mtu_quic_overhead(20, 16383), 44);
	assert_int_equal(lp_mtu_quic_overhead(20, 16384), 46);
	assert_int_equal(lp_mtu_quic_overhead(21, 1400), 0);
}

/* The worked figures of docs/.parts/mtu.md, row by row. */
static const struct figure {
	size_t udp, dcid, budget, frame, frag;
	uint16_t mss4, mss6;
} figures[] = {
	{ 1472, 20, 1428, 1427, 1417, 1369, 1349 }, { 1472, 16, 1432, 1431, 1421, 1373, 1353 },
	{ 1452, 20, 1408, 1407, 1397, 1349, 1329 }, { 1452, 16, 1412, 1411, 1401, 1353, 1333 },
	{ 1464, 20, 1420, 1419, 1409, 1361, 1341 }, { 1444, 20, 1400, 1399, 1389, 1341, 1321 },
	{ 1232, 20, 1188, 1187, 1177, 1129, 1109 }, { 1200, 20, 1156, 1155, 1145, 1097, 1077 },
	{ 1200, 16, 1160, 1159, 1149, 1101, 1081 },
};

static void test_figures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		const struct figure *f = &figures[i];
		size_t budget = lp_mtu_datagram_budget(f->udp, f->dcid);
		assert_int_equal(budget, f->budget);
		/* The budget fills the packet exactly. */
		assert_int_equal(budget + lp_mtu_quic_overhead(f->dcid, budget), f->udp);
		size_t frame = lp_mtu_frame_budget(budget);
		assert_int_equal(frame, f->frame);
		assert_int_equal(lp_mtu_fragment_payload(budget), f->frag);
		assert_int_equal(lp_mtu_mss(frame, false), f->mss4);
		assert_int_equal(lp_mtu_mss(frame, true), f->mss6);
	}
	/* A full 1500-MTU frame (1514, or 1522 with two tags) needs two fragments on every row. */
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		assert_true(figures[i].frame < 1514);
		assert_true(2 * figures[i].frag >= lp_mtu_frame_max(1500));
	}
}

static void test_datagram_budget_bounds(void **state)
{
	(void)state;
	assert_int_equal(lp_mtu_datagram_budget(1199, 0), 0);
	assert_int_equal(lp_mtu_datagram_budget(65528, 0), 0);
	assert_int_equal(lp_mtu_datagram_budget(1472, 21), 0);
	assert_int_equal(lp_mtu_datagram_budget(0, 0), 0);
	assert_int_equal(lp_mtu_datagram_budget(SIZE_MAX, 0), 0);
	/* The largest path: 65527 - 22 - 20 - 4-byte varint. */
	assert_int_equal(lp_mtu_datagram_budget(65527, 20), 65481);
	assert_int_equal(lp_mtu_datagram_budget(65527, 20) + lp_mtu_quic_overhead(20, 65481),
			 65527);
}

/*
 * Around the varint's 2 -> 4 byte step: avail = max_udp - 22 - dcid. With
 * avail 16385 (payload 16383 + 2), one byte more (16386) must still give
 * 16383, not 16382 (16386 - 4): the largest payload, not avail minus the
 * longer varint. Checked by brute force over a range.
 */
static void test_varint_boundary(void **state)
{
	(void)state;
	for (size_t udp = 16380 + 22; udp < 16400 + 22; udp++) {
		size_t got = lp_mtu_datagram_budget(udp, 0);
		size_t want = 0;
		for (size_t p = 1; p < udp; p++)
			if (p + lp_mtu_quic_overhead(0, p) <= udp)
				want = p;
		assert_int_equal(got, want);
	}
	assert_int_equal(lp_mtu_datagram_budget(16383 + 2 + 22, 0), 16383);
	assert_int_equal(lp_mtu_datagram_budget(16383 + 3 + 22, 0), 16383);
	assert_int_equal(lp_mtu_datagram_budget(16383 + 4 + 22, 0), 16383);
	assert_int_equal(lp_mtu_datagram_budget(16384 + 4 + 22, 0), 16384);
}

static void test_dgram_frame_payload(void **state)
{
	(void)state;
	static const struct {
		uint64_t max;
		size_t payload;
	} v[] = {
		{ 0, 0 },	  { 1, 0 },	    { 2, 0 },	      { 3, 1 },
		{ 65, 63 },	  { 66, 63 },	    { 67, 64 },	      { 1200, 1197 },
		{ 16386, 16383 }, { 16387, 16383 }, { 16389, 16384 }, { 16390, 16385 },
		{ 65535, 65530 }, { 65536, 65531 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_mtu_dgram_frame_payload(v[i].max), v[i].payload);
	/* The largest value: the result is capped to what size_t holds, never wraps. */
	assert_true(lp_mtu_dgram_frame_payload(UINT64_MAX) > 0);
}

static void test_small_budgets(void **state)
{
	(void)state;
	assert_int_equal(lp_mtu_frame_budget(0), 0);
	assert_int_equal(lp_mtu_frame_budget(14), 0);
	assert_int_equal(lp_mtu_frame_budget(15), 14);
	assert_int_equal(lp_mtu_fragment_payload(11), 0);
	assert_int_equal(lp_mtu_fragment_payload(12), 1);
	assert_int_equal(lp_mtu_fragment_payload(0), 0);
	assert_int_equal(lp_mtu_mss(58, false), 0);
	assert_int_equal(lp_mtu_mss(59, false), 1);
	assert_int_equal(lp_mtu_mss(78, true), 0);
	assert_int_equal(lp_mtu_mss(79, true), 1);
	assert_int_equal(lp_mtu_mss(0, true), 0);
	assert_int_equal(lp_mtu_mss(SIZE_MAX, false), 65535);
	/* A 1500-MTU LAN's own frames: 1514 - 58 = 1456, 4 below the usual 1460 (the VLAN allowance). */
	assert_int_equal(lp_mtu_mss(1514, false), 1456);
	assert_int_equal(lp_mtu_mss(1514, true), 1436);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_frame_max),
		cmocka_unit_test(test_varint_len),
		cmocka_unit_test(test_quic_overhead),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_datagram_budget_bounds),
		cmocka_unit_test(test_varint_boundary),
		cmocka_unit_test(test_dgram_frame_payload),
		cmocka_unit_test(test_small_budgets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
