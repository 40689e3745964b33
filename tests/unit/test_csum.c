/* Unit tests for shared/csum.c: finishing TCP and UDP checksums of captured frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "err.h"

/* Vectors made by an independent implementation (Python, struct + sum). */

/* UDP 67 -> 68 over IPv4 behind VLAN 100, 9 payload bytes (odd), padded to 64. */
static const char udp4_hex[] =
	"ffffffffffff001b210a0b0c81000064080045000025123400004011a6ebc0a80101ffffffff0043"
	"004400116bde6c616e706172747921000000000000000000";
#define UDP4_CSUM_OFF 44

/* TCP ACK+PSH 1234 -> 80 over IPv6, 5 data bytes. */
static const char tcp6_hex[] =
	"02000000000200000000000186dd6000000000190640fe80000000000000000000000000000"
	"1fe80000000000000000000000000000204d2005000000001000000025018ffff69cc000068656c"
	"6c6f";
#define TCP6_CSUM_OFF 70

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void check_vector(const char *hex, size_t off)
{
	uint8_t want[128], f[128];
	size_t n = unhex(hex, want, sizeof(want));
	/* Whatever the field held: zero, a pseudo-header sum, garbage. */
	static const uint16_t starts[] = { 0x0000, 0x1234, 0xffff };
	for (size_t i = 0; i < 3; i++) {
		memcpy(f, want, n);
		f[off] = (uint8_t)(starts[i] >> 8);
		f[off + 1] = (uint8_t)starts[i];
		assert_int_equal(lp_csum_complete(f, n), 1);
		assert_memory_equal(f, want, n);
	}
}

static void test_udp4_vector(void **state)
{
	(void)state;
	check_vector(udp4_hex, UDP4_CSUM_OFF);
}

static void test_tcp6_vector(void **state)
{
	(void)state;
	check_vector(tcp6_hex, TCP6_CSUM_OFF);
}

/* A UDP checksum that computes to zero goes out as 0xffff. */
static void test_udp_zero(void **state)
{
	(void)state;
	uint8_t f[128];
	size_t n = unhex(udp4_hex, f, sizeof(f));
	/* Payload bytes 0-1 (frame 46-47) as the word that cancels the sum. */
	f[46] = 0;
	f[47] = 0;
	assert_int_equal(lp_csum_complete(f, n), 1);
	uint16_t c = (uint16_t)(f[UDP4_CSUM_OFF] << 8 | f[UDP4_CSUM_OFF + 1]);
	f[46] = (uint8_t)(c >> 8);
	f[47] = (uint8_t)c;
	assert_int_equal(lp_csum_complete(f, n), 1);
	assert_int_equal(f[UDP4_CSUM_OFF], 0xff);
	assert_int_equal(f[UDP4_CSUM_OFF + 1], 0xff);
}

static void test_nothing_to_do(void **state)
{
	(void)state;
	uint8_t f[128], orig[128];
	size_t n = unhex(udp4_hex, orig, sizeof(orig));

	/* An IPv4 fragment (MF set): the checksum covers other frames too. */
	memcpy(f, orig, n);
	f[18 + 6] = 0x20;
	assert_int_equal(lp_csum_complete(f, n), 0);
	assert_int_equal(f[UDP4_CSUM_OFF], orig[UDP4_CSUM_OFF]);
	/* ICMP. */
	memcpy(f, orig, n);
	f[18 + 9] = 1;
	assert_int_equal(lp_csum_complete(f, n), 0);
	assert_memory_equal(f + 19 + 9, orig + 19 + 9, n - 19 - 9);
	/* The IP packet runs past the frame. */
	memcpy(f, orig, n);
	assert_int_equal(lp_csum_complete(f, 50), 0);
	assert_memory_equal(f, orig, n);
	/* UDP header cut short by the IP length. */
	memcpy(f, orig, n);
	f[18 + 3] = 20 + 7;
	assert_int_equal(lp_csum_complete(f, n), 0);
	/* ARP. */
	memcpy(f, orig, n);
	f[16] = 0x08;
	f[17] = 0x06;
	assert_int_equal(lp_csum_complete(f, n), 0);
	/* Not even an Ethernet header. */
	assert_int_equal(lp_csum_complete(f, 13), LP_ERR_INVALID);
	assert_int_equal(lp_csum_complete(f, 0), LP_ERR_INVALID);

	/* TCP header cut short. */
	n = unhex(tcp6_hex, orig, sizeof(orig));
	memcpy(f, orig, n);
	f[14 + 5] = 19; /* payload length */
	assert_int_equal(lp_csum_complete(f, n), 0);
}

static void test_fold(void **state)
{
	(void)state;
	static const uint8_t a[] = { 0xff, 0xff, 0x00, 0x01 };
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
	assert_int_equal(lp_csum_fold(0, a, 0), 0);
	assert_int_equal(lp_csum_fold(0, a, 2), 0xffff);
	assert_int_equal(lp_csum_fold(0, a, 4), 0x0001); /* end-around carry */
	assert_int_equal(lp_csum_fold(0, odd, 3), 0x1234 + 0x5600);
	assert_int_equal(lp_csum_fold(0xffffffffu, a, 0), 0xffff);
}

/* The receiver's check: pseudo-header plus segment sums to 0xffff. */
/* The word-at-a-time sum agrees with the textbook one, at every length and alignment. */
static uint16_t ref_fold(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_fold_reference(void **state)
{
	static uint8_t buf[4096];
	(void)state;
	srand(7);
	for (int round = 0; round < 3000; round++) {
		size_t off = (size_t)(rand() % 8), len = (size_t)(rand() % 3000);
		uint32_t sum = (uint32_t)rand() * 3u;
		for (size_t i = 0; i < off + len; i++)
			buf[i] = (uint8_t)(round % 7 == 0 ? 0xff : rand());
		assert_int_equal(lp_csum_fold(sum, buf + off, len), ref_fold(sum, buf + off, len));
	}
}

static bool verifies(const uint8_t *f, size_t l3, bool v6, uint8_t proto, size_t l4, size_t len)
{
	uint32_t sum = v6 ? lp_csum_fold(0, f + l3 + 8, 32) : lp_csum_fold(0, f + l3 + 12, 8);
	sum += proto + (uint32_t)len;
	return lp_csum_fold(sum, f + l4, len) == 0xffff;
}

static void test_random(void **state)
{
	(void)state;
	uint8_t f[1600];
	srand(7);
	for (int round = 0; round < 5000; round++) {
		bool v6 = rand() & 1, tcp = rand() & 1, tag = rand() & 1;
		size_t hl = tcp ? 20 : 8;
		size_t data = (size_t)rand() % 1400;
		for (size_t i = 0; i < sizeof(f); i++)
			f[i] = (uint8_t)rand();
		f[0] &= 0xfe;
		size_t l3 = 14;
		if (tag) {
			f[12] = 0x81;
			f[13] = 0x00;
			l3 = 18;
		}
		uint8_t proto = tcp ? 6 : 17;
		size_t l4, seg = hl + data;
		if (v6) {
			f[l3 - 2] = 0x86;
			f[l3 - 1] = 0xdd;
			f[l3] = 0x60;
			f[l3 + 4] = (uint8_t)(seg >> 8);
			f[l3 + 5] = (uint8_t)seg;
			f[l3 + 6] = proto;
			l4 = l3 + 40;
		} else {
			f[l3 - 2] = 0x08;
			f[l3 - 1] = 0x00;
			f[l3] = 0x45;
			f[l3 + 2] = (uint8_t)((20 + seg) >> 8);
			f[l3 + 3] = (uint8_t)(20 + seg);
			f[l3 + 6] = 0x40; /* DF, not a fragment */
			f[l3 + 7] = 0;
			f[l3 + 9] = proto;
			l4 = l3 + 20;
		}
		if (tcp)
			f[l4 + 12] = 0x50;
		else {
			f[l4 + 4] = (uint8_t)(seg >> 8);
			f[l4 + 5] = (uint8_t)seg;
		}
		size_t len = l4 + seg + (size_t)(rand() % 8); /* Ethernet padding */
		assert_int_equal(lp_csum_complete(f, len), 1);
		assert_true(verifies(f, l3, v6, proto, l4, seg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_vector), cmocka_unit_test(test_tcp6_vector),
		cmocka_unit_test(test_udp_zero),    cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_fold),	    cmocka_unit_test(test_fold_reference),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
