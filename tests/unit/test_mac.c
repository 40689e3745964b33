/* Unit tests for shared/mac.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "mac.h"

static void test_parse_valid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint8_t b[LP_MAC_LEN];
	} v[] = {
		{ "aa:bb:cc:dd:ee:ff", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "AA:BB:CC:DD:EE:FF", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "aA-0b-C9-d8-7E-f6", { 0xaa, 0x0b, 0xc9, 0xd8, 0x7e, 0xf6 } },
		{ "00:00:00:00:00:00", { 0, 0, 0, 0, 0, 0 } },
		{ "ff-ff-ff-ff-ff-ff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ "02:00:5e:10:00:01", { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 } },
		{ "01:80:C2:00:00:0E", { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e } },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_mac m;
		memset(&m, 0x55, sizeof(m));
		assert_int_equal(lp_mac_parse(v[i].s, strlen(v[i].s), &m), 0);
		assert_memory_equal(m.b, v[i].b, LP_MAC_LEN);
	}
}

static void test_parse_not_nul_terminated(void **state)
{
	(void)state;
	const char buf[] = "02:11:22:33:44:55 trailing";
	struct lp_mac m;
	assert_int_equal(lp_mac_parse(buf, 17, &m), 0);
	assert_int_equal(m.b[5], 0x55);
	assert_int_equal(lp_mac_parse(buf, 18, &m), LP_ERR_INVALID);
}

static void test_parse_invalid(void **state)
{
	(void)state;
	static const char *const v[] = {
		"",
		"aa:bb:cc:dd:ee",	   /* too short */
		"aa:bb:cc:dd:ee:f",	   /* 16 chars */
		"aa:bb:cc:dd:ee:ff:",	   /* 18 chars */
		"aa:bb:cc:dd:ee:ff:00",	   /* seven groups */
		"aa:bb-cc:dd:ee:ff",	   /* mixed separators */
		"aa-bb-cc-dd-ee:ff",	   /* mixed, last */
		"aa.bb.cc.dd.ee.ff",	   /* wrong separator */
		"aabb.ccdd.eeff.xx",	   /* Cisco style is not accepted */
		"aa:bb:cc:dd:ee:fg",	   /* non-hex */
		"g0:bb:cc:dd:ee:ff",	   /* non-hex first */
		" a:bb:cc:dd:ee:ff",	   /* space */
		"aa:bb:cc:dd:ee: f",	   /* space */
		"aabbccddeeff00000",	   /* no separators */
		"a:bb:cc:dd:ee:fff",	   /* group widths off */
		"aa::bb:cc:dd:ee:f",	   /* group widths off */
		"+a:bb:cc:dd:ee:ff",	   /* sign */
		"aa:bb:cc:dd:ee:\xff\x66", /* high byte */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_mac m;
		memset(&m, 0x55, sizeof(m));
		assert_int_equal(lp_mac_parse(v[i], strlen(v[i]), &m), LP_ERR_INVALID);
		for (size_t k = 0; k < LP_MAC_LEN; k++)
			assert_int_equal(m.b[k], 0x55); /* untouched on error */
	}
	struct lp_mac m;
	assert_int_equal(lp_mac_parse(NULL, 17, &m), LP_ERR_INVALID);
	/* An embedded NUL is just a wrong character. */
	assert_int_equal(lp_mac_parse("aa:bb:cc\0dd:ee:ff", 17, &m), LP_ERR_INVALID);
}

static void test_format(void **state)
{
	(void)state;
	struct lp_mac m = { { 0xAA, 0x0B, 0xC9, 0x00, 0x7E, 0xF6 } };
	char buf[LP_MAC_STRLEN];
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(lp_mac_format(&m, buf), buf);
	assert_string_equal(buf, "aa:0b:c9:00:7e:f6");
	assert_int_equal(strlen(buf), LP_MAC_STRLEN - 1);

	/* Every byte value round-trips through text, in every position. */
	for (unsigned int v = 0; v < 256; v++) {
		struct lp_mac a, b;
		for (size_t k = 0; k < LP_MAC_LEN; k++)
			a.b[k] = (uint8_t)(v + k * 37);
		lp_mac_format(&a, buf);
		assert_int_equal(lp_mac_parse(buf, strlen(buf), &b), 0);
		assert_true(lp_mac_equal(&a, &b));
	}
}

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool bcast, mcast, ucast, local, zero, member;
		enum lp_cast cast;
	} v[] = {
		{ "ff:ff:ff:ff:ff:ff", true, true, false, true, false, false, LP_CAST_BROADCAST },
		{ "01:00:5e:00:00:fb", false, true, false, false, false, false, LP_CAST_MULTICAST },
		{ "33:33:00:00:00:01", false, true, false, true, false, false, LP_CAST_MULTICAST },
		{ "01:80:c2:00:00:00", false, true, false, false, false, false, LP_CAST_MULTICAST },
		{ "ff:ff:ff:ff:ff:fe", false, true, false, true, false, false, LP_CAST_MULTICAST },
		{ "00:00:00:00:00:00", false, false, true, false, true, false, LP_CAST_UNICAST },
		{ "00:1b:21:3a:4f:5e", false, false, true, false, false, true, LP_CAST_UNICAST },
		{ "02:00:00:00:00:00", false, false, true, true, false, true, LP_CAST_UNICAST },
		{ "fe:ff:ff:ff:ff:ff", false, false, true, true, false, true, LP_CAST_UNICAST },
		{ "00:00:00:00:00:01", false, false, true, false, false, true, LP_CAST_UNICAST },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_mac m;
		assert_int_equal(lp_mac_parse(v[i].s, strlen(v[i].s), &m), 0);
		assert_int_equal(lp_mac_is_broadcast(&m), v[i].bcast);
		assert_int_equal(lp_mac_is_multicast(&m), v[i].mcast);
		assert_int_equal(lp_mac_is_unicast(&m), v[i].ucast);
		assert_int_equal(lp_mac_is_local(&m), v[i].local);
		assert_int_equal(lp_mac_is_zero(&m), v[i].zero);
		assert_int_equal(lp_mac_is_valid_member(&m), v[i].member);
		assert_int_equal(lp_mac_cast(&m), v[i].cast);
	}
}

static void test_equal(void **state)
{
	(void)state;
	struct lp_mac a = { { 1, 2, 3, 4, 5, 6 } };
	struct lp_mac b = a;
	assert_true(lp_mac_equal(&a, &b));
	for (size_t k = 0; k < LP_MAC_LEN; k++) {
		b = a;
		b.b[k] ^= 0x80;
		assert_false(lp_mac_equal(&a, &b));
	}
}

static void test_from_random(void **state)
{
	(void)state;
	/* Every first-byte value: group bit cleared, local bit set, other bits and bytes kept. */
	for (unsigned int v = 0; v < 256; v++) {
		uint8_t rnd[LP_MAC_LEN] = { (uint8_t)v, 0x00, 0xff, 0x12, 0x34, (uint8_t)~v };
		struct lp_mac m;
		lp_mac_from_random(rnd, &m);
		assert_int_equal(m.b[0], (v & 0xfc) | 0x02);
		assert_memory_equal(m.b + 1, rnd + 1, LP_MAC_LEN - 1);
		assert_true(lp_mac_is_unicast(&m));
		assert_true(lp_mac_is_local(&m));
		assert_true(lp_mac_is_valid_member(&m));
		assert_int_equal(lp_mac_cast(&m), LP_CAST_UNICAST);
	}
	/* All-zero and all-one input still make a usable member address. */
	uint8_t zeros[LP_MAC_LEN] = { 0 };
	uint8_t ones[LP_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct lp_mac m;
	char buf[LP_MAC_STRLEN];
	lp_mac_from_random(zeros, &m);
	assert_string_equal(lp_mac_format(&m, buf), "02:00:00:00:00:00");
	lp_mac_from_random(ones, &m);
	assert_string_equal(lp_mac_format(&m, buf), "fe:ff:ff:ff:ff:ff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_not_nul_terminated),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_from_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
