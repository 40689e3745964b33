/* Unit tests for shared/mss.c: reading and clamping the TCP MSS option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eth.h"
#include "mss.h"

/* ------------------------------------------------------------------ vectors
 * The MSS clamping vectors of docs/protocol.md ("TCP MSS clamping"), line
 * for line: each SYN, then the same frame clamped with max_v4 = 1360,
 * max_v6 = 1340 (room MTU 1400).
 */
static const char vec_syn4[] = "02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00\n"
			       "00 3c 12 34 40 00 40 06 14 86 0a 00 00 02 0a 00\n"
			       "00 01 c0 00 00 16 01 02 03 04 00 00 00 00 a0 02\n"
			       "fa f0 74 ef 00 00 02 04 05 b4 04 02 08 0a 00 00\n"
			       "00 01 00 00 00 00 01 03 03 07\n";
static const char vec_syn4_clamped[] = "02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00\n"
				       "00 3c 12 34 40 00 40 06 14 86 0a 00 00 02 0a 00\n"
				       "00 01 c0 00 00 16 01 02 03 04 00 00 00 00 a0 02\n"
				       "fa f0 75 53 00 00 02 04 05 50 04 02 08 0a 00 00\n"
				       "00 01 00 00 00 00 01 03 03 07\n";
static const char vec_syn6[] = "02 00 00 00 00 01 02 00 00 00 00 02 81 00 00 0a\n"
			       "86 dd 60 00 00 00 00 1c 06 40 fd 00 00 00 00 00\n"
			       "00 00 00 00 00 00 00 00 00 02 fd 00 00 00 00 00\n"
			       "00 00 00 00 00 00 00 00 00 01 c0 01 00 50 0a 0b\n"
			       "0c 0d 00 00 00 00 70 02 fd 20 1c 42 00 00 01 02\n"
			       "04 05 a0 01 01 01\n";
static const char vec_syn6_clamped[] = "02 00 00 00 00 01 02 00 00 00 00 02 81 00 00 0a\n"
				       "86 dd 60 00 00 00 00 1c 06 40 fd 00 00 00 00 00\n"
				       "00 00 00 00 00 00 00 00 00 02 fd 00 00 00 00 00\n"
				       "00 00 00 00 00 00 00 00 00 01 c0 01 00 50 0a 0b\n"
				       "0c 0d 00 00 00 00 70 02 fd 20 80 42 00 00 01 02\n"
				       "04 05 3c 01 01 01\n";

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

/* ------------------------------------------------------------------ checksums */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * The one's complement sum over pseudo-header and segment, from scratch:
 * 0xffff when the TCP checksum is right. ip: the IP header; seg, seglen: the
 * TCP segment.
 */
static uint16_t tcp_sum(const uint8_t *ip, const uint8_t *seg, size_t seglen)
{
	uint32_t s = LP_IPPROTO_TCP + (uint32_t)seglen;

	if (ip[0] >> 4 == 4)
		s = sum16(ip + 12, 8, s);
	else
		s = sum16(ip + 8, 32, s);
	return fold(sum16(seg, seglen, s));
}

/* ------------------------------------------------------------------ builder */

struct syn {
	uint8_t b[512];
	size_t n;
	size_t l3, l4;
	size_t mss_at[2]; /* frame offsets of MSS option values, 0 for none */
};

static uint32_t rng = 12345;

static uint8_t rnd8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (uint8_t)rng;
}

static void put(struct syn *s, const void *p, size_t n)
{
	assert_true(n <= sizeof(s->b) - s->n);
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void put8(struct syn *s, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(s, &b, 1);
}

static void put16(struct syn *s, unsigned v)
{
	put8(s, v >> 8);
	put8(s, v);
}

static void putrnd(struct syn *s, size_t n)
{
	while (n--)
		put8(s, rnd8());
}

/*
 * A TCP SYN over IPv4 (l3ext bytes of IPv4 options) or IPv6 (l3ext 1..3:
 * hop-by-hop; plus destination options; plus an atomic fragment header),
 * carrying TCP options opts (a multiple of 4 bytes) and datalen random bytes,
 * with a correct TCP checksum. Addresses, ports and sequence numbers random.
 */
static void build(struct syn *s, bool v6, unsigned tags, unsigned l3ext, const uint8_t *opts,
		  size_t optlen, size_t datalen, unsigned tcp_flags)
{
	memset(s, 0, sizeof(*s));
	putrnd(s, 12);
	s->b[0] &= 0xfe;
	s->b[6] &= 0xfe;
	if (tags == 2) {
		put16(s, LP_ETH_TYPE_QINQ);
		put16(s, 100);
	}
	if (tags >= 1) {
		put16(s, LP_ETH_TYPE_VLAN);
		put16(s, 10);
	}
	put16(s, v6 ? LP_ETH_TYPE_IPV6 : LP_ETH_TYPE_IPV4);
	s->l3 = s->n;
	if (!v6) {
		put8(s, 0x40 | (5 + l3ext / 4));
		put8(s, 0);
		put16(s, 0);
		put16(s, 0x1234);
		put16(s, 0x4000);
		put8(s, 64);
		put8(s, LP_IPPROTO_TCP);
		put16(s, 0);
		putrnd(s, 8);
		for (unsigned i = 0; i < l3ext; i++)
			put8(s, 1);
	} else {
		static const uint8_t first[4] = { LP_IPPROTO_TCP, 0, 0, 0 };
		put16(s, 0x6000);
		put16(s, 0);
		put16(s, 0);
		put8(s, first[l3ext]);
		put8(s, 64);
		putrnd(s, 32);
		if (l3ext >= 1) {
			put8(s, l3ext >= 2 ? 60 : LP_IPPROTO_TCP);
			put8(s, 0);
			static const uint8_t padn[6] = { 1, 4 };
			put(s, padn, 6);
		}
		if (l3ext >= 2) {
			put8(s, l3ext >= 3 ? 44 : LP_IPPROTO_TCP);
			put8(s, 1);
			static const uint8_t padn[14] = { 1, 12 };
			put(s, padn, 14);
		}
		if (l3ext >= 3) {
			put8(s, LP_IPPROTO_TCP);
			put8(s, 0);
			put16(s, 0);
			putrnd(s, 4);
		}
	}
	s->l4 = s->n;
	putrnd(s, 12); /* ports, sequence, acknowledgement */
	put8(s, (unsigned)(20 + optlen) / 4 << 4);
	put8(s, tcp_flags);
	putrnd(s, 2);
	put16(s, 0); /* checksum */
	put16(s, 0);
	put(s, opts, optlen);
	putrnd(s, datalen);

	uint8_t *ip = s->b + s->l3;
	size_t iplen = s->n - s->l3;
	if (!v6) {
		ip[2] = (uint8_t)(iplen >> 8);
		ip[3] = (uint8_t)iplen;
	} else {
		ip[4] = (uint8_t)((iplen - 40) >> 8);
		ip[5] = (uint8_t)(iplen - 40);
	}
	uint8_t *th = s->b + s->l4;
	uint16_t c = (uint16_t)~tcp_sum(ip, th, s->n - s->l4);
	th[16] = (uint8_t)(c >> 8);
	th[17] = (uint8_t)c;
	assert_int_equal(tcp_sum(ip, th, s->n - s->l4), 0xffff);
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool csum_ok(const struct syn *s, const uint8_t *f)
{
	return tcp_sum(f + s->l3, f + s->l4, s->n - s->l4) == 0xffff;
}

/* ------------------------------------------------------------------ tests */

static void test_for_mtu(void **state)
{
	(void)state;
	static const struct {
		uint32_t mtu;
		bool v6;
		uint16_t mss;
	} v[] = {
		{ 1500, false, 1460 },	 { 1500, true, 1440 },	 { 1400, false, 1360 },
		{ 1400, true, 1340 },	 { 68, false, 28 },	 { 67, false, 0 },
		{ 1280, true, 1220 },	 { 1279, true, 0 },	 { 576, false, 536 },
		{ 65535, false, 65495 }, { 65535, true, 65475 }, { 65536, false, 0 },
		{ 65536, true, 0 },	 { 0, false, 0 },	 { 0xffffffff, true, 0 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_mss_for_mtu(v[i].mtu, v[i].v6), v[i].mss);
}

static void test_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		uint16_t before, after;
	} v[] = {
		{ vec_syn4, vec_syn4_clamped, 1460, 1360 },
		{ vec_syn6, vec_syn6_clamped, 1440, 1340 },
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t f[128], want[128];
		size_t n = unhex(v[i].in, f, sizeof(f));
		assert_int_equal(unhex(v[i].out, want, sizeof(want)), n);

		struct lp_eth_info info;
		assert_int_equal(lp_eth_classify(f, n, &info), 0);
		assert_int_equal(tcp_sum(f + info.l3_off, f + info.l4_off, info.l4_len), 0xffff);
		assert_int_equal(tcp_sum(want + info.l3_off, want + info.l4_off, info.l4_len),
				 0xffff);

		uint16_t mss = 0;
		assert_int_equal(lp_mss_get(f, n, &mss), 0);
		assert_int_equal(mss, v[i].before);
		assert_int_equal(lp_mss_clamp(f, n, 1360, 1340), 1);
		assert_memory_equal(f, want, n);
		assert_int_equal(lp_mss_get(f, n, &mss), 0);
		assert_int_equal(mss, v[i].after);
		assert_int_equal(lp_mss_clamp(f, n, 1360, 1340), 0);
		assert_memory_equal(f, want, n);

		/* the hot-path variant, on the classifier's result */
		n = unhex(v[i].in, f, sizeof(f));
		assert_int_equal(lp_eth_classify(f, n, &info), 0);
		assert_int_equal(lp_mss_clamp_info(f, n, &info, 1360, 1340), 1);
		assert_memory_equal(f, want, n);
	}
}

/*
 * Clamp a copy of s to max and check: return value, MSS values, a right
 * checksum, and nothing else touched.
 */
static void check_clamp(const struct syn *s, uint16_t max_v4, uint16_t max_v6, int want_rc)
{
	bool v6 = s->b[s->l3] >> 4 == 6;
	uint16_t max = v6 ? max_v6 : max_v4;
	uint8_t *f = malloc(s->n);
	assert_non_null(f);
	memcpy(f, s->b, s->n);

	int rc = lp_mss_clamp(f, s->n, max_v4, max_v6);
	assert_int_equal(rc, want_rc);
	assert_true(csum_ok(s, f));
	for (size_t i = 0; i < s->n; i++) {
		bool mss_byte = false;
		for (size_t k = 0; k < 2; k++)
			if (s->mss_at[k] && (i == s->mss_at[k] || i == s->mss_at[k] + 1))
				mss_byte = true;
		if (rc == 1 && (mss_byte || i == s->l4 + 16 || i == s->l4 + 17))
			continue;
		assert_int_equal(f[i], s->b[i]);
	}
	for (size_t k = 0; k < 2 && s->mss_at[k]; k++) {
		uint16_t old = be16_at(s->b + s->mss_at[k]);
		uint16_t want = max && old > max ? max : old;
		assert_int_equal(be16_at(f + s->mss_at[k]), want);
	}
	free(f);
}

/*
 * One SYN of the matrix: nops NOPs shift the MSS option onto odd and even
 * offsets, timestamps follow it, datalen bytes of data after the header.
 */
static void clamp_case(bool v6, unsigned tags, unsigned l3ext, unsigned nops, uint16_t old,
		       size_t datalen)
{
	uint8_t opts[20] = { 0 };
	size_t o = 0;

	for (unsigned k = 0; k < nops; k++)
		opts[o++] = 1;
	opts[o++] = 2;
	opts[o++] = 4;
	opts[o++] = (uint8_t)(old >> 8);
	opts[o++] = (uint8_t)old;
	opts[o++] = 8;
	opts[o++] = 10;
	o += 8;
	o = (o + 3) & ~(size_t)3;

	struct syn s;
	build(&s, v6, tags, l3ext, opts, o, datalen, datalen & 1 ? 0x12 : 0x02);
	s.mss_at[0] = s.l4 + 20 + nops + 2;
	uint16_t max = v6 ? 1340 : 1360;
	check_clamp(&s, 1360, 1340, old > max);
	check_clamp(&s, 1, 1, old > 1);
	check_clamp(&s, 0, 0, 0);
	/* only the packet's own IP version's maximum counts */
	check_clamp(&s, v6 ? 1 : 0, v6 ? 0 : 1, 0);
}

static void test_clamp_matrix(void **state)
{
	(void)state;
	static const uint16_t mss_values[] = {
		0, 1, 536, 1220, 1339, 1340, 1341, 1360, 1361, 1440, 1460, 8960, 65535,
	};
	static const unsigned v4_opts[] = { 0, 4, 12, 40 };
	const size_t nmss = sizeof(mss_values) / sizeof(mss_values[0]);

	for (unsigned v6 = 0; v6 <= 1; v6++)
		for (unsigned tags = 0; tags <= 2; tags++)
			for (unsigned ext = 0; ext < 4; ext++)
				for (unsigned nops = 0; nops < 4; nops++)
					for (size_t m = 0; m < nmss; m++)
						for (size_t data = 0; data <= 14; data += 7)
							clamp_case(v6, tags,
								   v6 ? ext : v4_opts[ext], nops,
								   mss_values[m], data);
}

/* Random frames, to catch carries the fixed cases miss. */
static void test_clamp_random(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 20000; i++) {
		uint8_t opts[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
		size_t nops = rnd8() & 3;
		uint16_t old = (uint16_t)(rnd8() << 8 | rnd8());
		uint16_t max = (uint16_t)(rnd8() << 8 | rnd8());
		opts[nops] = 2;
		opts[nops + 1] = 4;
		opts[nops + 2] = (uint8_t)(old >> 8);
		opts[nops + 3] = (uint8_t)old;

		struct syn s;
		bool v6 = rnd8() & 1;
		build(&s, v6, rnd8() % 3, v6 ? rnd8() % 4 : (rnd8() % 11) * 4, opts, 8, rnd8() % 9,
		      0x02);
		s.mss_at[0] = s.l4 + 20 + nops + 2;
		check_clamp(&s, max, max, max && old > max);
	}
}

static void test_options(void **state)
{
	(void)state;
	static const struct {
		const char *opts;
		int rc;	    /* of lp_mss_clamp() to 1360 */
		int get_rc; /* of lp_mss_get() before */
		uint16_t get;
		size_t at[2]; /* MSS value offsets within the options */
	} v[] = {
		{ "02 04 05 b4", 1, 0, 1460, { 2, 0 } },
		{ "01 02 04 05 b4 00 00 00", 1, 0, 1460, { 3, 0 } },
		{ "02 04 05 b4 02 04 07 d0", 1, 0, 2000, { 2, 6 } }, /* both clamped */
		{ "02 04 05 b4 03 00 00 00",
		  1,
		  0,
		  1460,
		  { 2, 0 } }, /* clamped before the bad one */
		{ "02 04 05 b4 03 09 00 00", 1, 0, 1460, { 2, 0 } },
		{ "02 04 05 00", 0, 0, 1280, { 2, 0 } },			 /* small enough */
		{ "00 00 00 00 02 04 05 b4", 0, LP_ERR_NOT_FOUND, 0, { 0, 0 } }, /* after EOL */
		{ "01 01 01 01", 0, LP_ERR_NOT_FOUND, 0, { 0, 0 } },
		{ "", 0, LP_ERR_NOT_FOUND, 0, { 0, 0 } },
		{ "02 03 05 01", 0, LP_ERR_NOT_FOUND, 0, { 0, 0 } }, /* length 3: not an MSS */
		{ "02 05 05 b4 00 00 00 00", 0, LP_ERR_NOT_FOUND, 0, { 0, 0 } },
		{ "03 00 02 04 05 b4 00 00", LP_ERR_INVALID, LP_ERR_INVALID, 0, { 0, 0 } },
		{ "03 01 02 04 05 b4 00 00", LP_ERR_INVALID, LP_ERR_INVALID, 0, { 0, 0 } },
		{ "03 09 00 00", LP_ERR_INVALID, LP_ERR_INVALID, 0, { 0, 0 } },
		{ "01 01 01 02", LP_ERR_INVALID, LP_ERR_INVALID, 0, { 0, 0 } },
		{ "01 01 02 04", LP_ERR_INVALID, LP_ERR_INVALID, 0, { 0, 0 } },
		{ "01 01 01 01 01 01 02 04 05 b4 00 00", 1, 0, 1460, { 8, 0 } },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t opts[40];
		size_t n = unhex(v[i].opts, opts, sizeof(opts));
		for (unsigned v6 = 0; v6 <= 1; v6++) {
			struct syn s;
			build(&s, v6, 1, v6 ? 1 : 8, opts, n, 5, 0x02);
			for (size_t k = 0; k < 2; k++)
				s.mss_at[k] = v[i].at[k] ? s.l4 + 20 + v[i].at[k] : 0;
			uint16_t mss = 0;
			assert_int_equal(lp_mss_get(s.b, s.n, &mss), v[i].get_rc);
			assert_int_equal(mss, v[i].get);
			check_clamp(&s, 1360, 1360, v[i].rc);
		}
	}
}

static void test_nothing_to_do(void **state)
{
	(void)state;
	static const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	struct syn s;
	uint16_t mss;

	/* not a SYN */
	build(&s, false, 0, 0, opts, 4, 0, 0x10);
	assert_int_equal(lp_mss_get(s.b, s.n, &mss), LP_ERR_NOT_FOUND);
	check_clamp(&s, 1360, 1340, 0);

	/* UDP with the same bytes */
	build(&s, false, 0, 0, opts, 4, 0, 0x02);
	s.b[s.l3 + 9] = LP_IPPROTO_UDP;
	assert_int_equal(lp_mss_get(s.b, s.n, &mss), LP_ERR_NOT_FOUND);
	check_clamp(&s, 1360, 1340, 0);

	/* a later IPv4 fragment */
	build(&s, false, 0, 0, opts, 4, 0, 0x02);
	s.b[s.l3 + 6] = 0x00;
	s.b[s.l3 + 7] = 0x01;
	assert_int_equal(lp_mss_get(s.b, s.n, &mss), LP_ERR_NOT_FOUND);
	check_clamp(&s, 1360, 1340, 0);

	/* not IP at all */
	build(&s, false, 0, 0, opts, 4, 0, 0x02);
	s.b[12] = 0x08;
	s.b[13] = 0x06;
	check_clamp(&s, 1360, 1340, 0);

	/* too short for Ethernet, three tags, NULL */
	assert_int_equal(lp_mss_clamp(s.b, 13, 1360, 1340), LP_ERR_INVALID);
	assert_int_equal(lp_mss_get(s.b, 13, &mss), LP_ERR_INVALID);
	assert_int_equal(lp_mss_clamp(NULL, 60, 1360, 1340), LP_ERR_INVALID);
	uint8_t tags3[30] = { 0 };
	for (size_t i = 12; i < 24; i += 4) {
		tags3[i] = 0x81;
		tags3[i + 1] = 0x00;
	}
	assert_int_equal(lp_mss_clamp(tags3, sizeof(tags3), 1360, 1340), LP_ERR_UNSUPPORTED);
}

static void test_clamp_info_checks(void **state)
{
	(void)state;
	static const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	struct syn s;
	struct lp_eth_info info;

	build(&s, true, 2, 2, opts, 4, 3, 0x02);
	s.mss_at[0] = s.l4 + 22;
	assert_int_equal(lp_eth_classify(s.b, s.n, &info), 0);
	assert_int_equal(lp_mss_clamp_info(NULL, s.n, &info, 1360, 1340), LP_ERR_INVALID);
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, NULL, 1360, 1340), LP_ERR_INVALID);

	/* offsets that do not fit the length given are refused, not followed */
	struct lp_eth_info bad = info;
	bad.l4_off = s.n + 1;
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &bad, 1360, 1340), 0);
	bad = info;
	bad.l4_len = s.n;
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &bad, 1360, 1340), 0);
	bad = info;
	bad.l4_len = 20; /* shorter than the data offset says */
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &bad, 1360, 1340), 0);
	bad = info;
	bad.l4_len = 19;
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &bad, 1360, 1340), 0);
	assert_int_equal(lp_mss_clamp_info(s.b, s.l4 + 23, &info, 1360, 1340), 0);
	bad = info;
	bad.l4_off = 0;
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &bad, 1360, 1340), 0);
	check_clamp(&s, 1360, 1340, 1);
	assert_int_equal(lp_mss_clamp_info(s.b, s.n, &info, 1360, 1340), 1);
	assert_true(csum_ok(&s, s.b));
}

/* Every prefix of SYN frames: no read or write past the end, and only 1 changes bytes. */
static void test_prefixes(void **state)
{
	(void)state;
	static const uint8_t opts[12] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0 };
	for (unsigned v6 = 0; v6 <= 1; v6++) {
		for (unsigned tags = 0; tags <= 2; tags++) {
			struct syn s;
			build(&s, v6, tags, v6 ? 3 : 8, opts, sizeof(opts), 4, 0x02);
			for (size_t n = 0; n <= s.n; n++) {
				uint8_t *f = malloc(n ? n : 1);
				assert_non_null(f);
				memcpy(f, s.b, n);
				uint16_t mss = 0;
				int get = lp_mss_get(f, n, &mss);
				int rc = lp_mss_clamp(f, n, 1360, 1340);
				/* The option is intact once the TCP header is. */
				bool hdr = n >= s.l4 + 20 + sizeof(opts);
				assert_int_equal(rc, hdr ? 1 : n < s.l3 ? LP_ERR_INVALID : 0);
				assert_int_equal(get, hdr	 ? 0
						      : n < s.l3 ? LP_ERR_INVALID
								 : LP_ERR_NOT_FOUND);
				if (hdr)
					assert_int_equal(mss, 1460);
				if (rc != 1)
					assert_memory_equal(f, s.b, n);
				free(f);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_for_mtu),		  cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_clamp_matrix),	  cmocka_unit_test(test_clamp_random),
		cmocka_unit_test(test_options),		  cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_clamp_info_checks), cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
