/* Unit tests for shared/dgram.c: the vectors of docs/protocol.md, limits, the splitter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "err.h"
#include "mtu.h"

/* mtu.h keeps its own copies of the header sizes; they must not drift. */
_Static_assert(LP_MTU_OVERLAY_HDR_FRAME == LP_DGRAM_HDR_FRAME, "mtu.h FRAME header size");
_Static_assert(LP_MTU_OVERLAY_HDR_FRAGMENT == LP_DGRAM_HDR_FRAGMENT, "mtu.h FRAGMENT header size");

/* Parse hex with optional spaces; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = 0;

		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			fail_msg("bad hex digit '%c'", *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

/* The vectors of docs/protocol.md, "Overlay datagrams": keep them identical. */
static const char vec_frame[] = "ffffffffffff 020000000001 88b5 6869";
static const char vec_frame_dgram[] = "10 ffffffffffff 020000000001 88b5 6869";
static const char vec_big_frame[] = "020000000002 020000000001 88b5 "
				    "000102030405060708090a0b0c0d0e0f10111213141516171819";
static const char *const vec_pieces[] = {
	"11 01020304 00 03 0028 0000 020000000002 020000000001 88b5",
	"11 01020304 01 03 0028 000e 000102030405060708090a0b0c",
	"11 01020304 02 03 0028 001b 0d0e0f10111213141516171819",
};
static const struct {
	const char *hex;
	int err;
	const char *why;
} vec_invalid[] = {
	{ "", LP_ERR_INVALID, "empty" },
	{ "20 ffffffffffff 020000000001 88b5", LP_ERR_VERSION, "version 2" },
	{ "00 ffffffffffff 020000000001 88b5", LP_ERR_VERSION, "version 0" },
	{ "21 01020304 00 03 0028 0000 aa", LP_ERR_VERSION, "version 2 before type" },
	{ "12 ffffffffffff 020000000001 88b5", LP_ERR_UNSUPPORTED, "type 2" },
	{ "1f ffffffffffff 020000000001 88b5", LP_ERR_UNSUPPORTED, "type 15" },
	{ "10 ffffffffffff 020000000001 88", LP_ERR_INVALID, "13-byte frame" },
	{ "10", LP_ERR_INVALID, "no frame" },
	{ "11 01020304 00 03 0028 00", LP_ERR_INVALID, "truncated header" },
	{ "11 01020304 00 03 0028 0000", LP_ERR_INVALID, "empty piece" },
	{ "11 01020304 00 01 0028 0000 aa", LP_ERR_INVALID, "count 1" },
	{ "11 01020304 00 41 0028 0000 aa", LP_ERR_INVALID, "count 65" },
	{ "11 01020304 03 03 0028 0000 aa", LP_ERR_INVALID, "index = count" },
	{ "11 01020304 00 02 000d 0000 aa", LP_ERR_INVALID, "total 13" },
	{ "11 01020304 01 02 000e 000e aa", LP_ERR_INVALID, "offset at total" },
	{ "11 01020304 01 02 000e 000d aaaa", LP_ERR_INVALID, "piece past total" },
};

static void test_vector_frame(void **state)
{
	uint8_t frame[64], want[64], out[64];
	size_t flen = unhex(vec_frame, frame, sizeof(frame));
	size_t wlen = unhex(vec_frame_dgram, want, sizeof(want));
	struct lp_dgram d;
	const uint8_t *p = NULL;
	size_t plen = 0;

	(void)state;
	assert_int_equal(flen, 16);
	assert_int_equal(lp_dgram_encode_frame(frame, flen, out, sizeof(out)), (ssize_t)wlen);
	assert_memory_equal(out, want, wlen);
	assert_int_equal(lp_dgram_decode(want, wlen, &d), 0);
	assert_int_equal(d.type, LP_DGRAM_FRAME);
	assert_ptr_equal(d.data, want + 1);
	assert_int_equal(d.len, flen);
	assert_int_equal(d.id, 0);
	assert_int_equal(d.count, 0);
	assert_true(lp_dgram_peek_frame(want, wlen, &p, &plen));
	assert_ptr_equal(p, want + 1);
	assert_int_equal(plen, flen);
	assert_int_equal(want[0], LP_DGRAM_BYTE0_FRAME);

	/* The splitter sends a frame that fits as this same datagram. */
	struct lp_dgram_split s;
	assert_int_equal(lp_dgram_split_init(&s, frame, flen, wlen, 7), 0);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), (ssize_t)wlen);
	assert_memory_equal(out, want, wlen);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), 0);
}

static void test_vector_fragments(void **state)
{
	uint8_t frame[64], want[64], out[64];
	size_t flen = unhex(vec_big_frame, frame, sizeof(frame));
	struct lp_dgram_split s;
	static const uint16_t offs[] = { 0, 14, 27 }, lens[] = { 14, 13, 13 };

	(void)state;
	assert_int_equal(flen, 40);
	assert_int_equal(lp_dgram_split_count(flen, 25), 3);
	assert_int_equal(lp_dgram_split_init(&s, frame, flen, 25, 0x01020304), 0);
	for (size_t i = 0; i < 3; i++) {
		size_t wlen = unhex(vec_pieces[i], want, sizeof(want));
		struct lp_dgram d;
		const uint8_t *p;
		size_t plen;

		assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), (ssize_t)wlen);
		assert_memory_equal(out, want, wlen);
		assert_int_equal(lp_dgram_decode(want, wlen, &d), 0);
		assert_int_equal(d.type, LP_DGRAM_FRAGMENT);
		assert_int_equal(d.id, 0x01020304);
		assert_int_equal(d.index, i);
		assert_int_equal(d.count, 3);
		assert_int_equal(d.total, 40);
		assert_int_equal(d.offset, offs[i]);
		assert_int_equal(d.len, lens[i]);
		assert_ptr_equal(d.data, want + LP_DGRAM_HDR_FRAGMENT);
		assert_memory_equal(d.data, frame + offs[i], lens[i]);
		assert_false(lp_dgram_peek_frame(want, wlen, &p, &plen));
		assert_int_equal(lp_dgram_encode(&d, out, sizeof(out)), (ssize_t)wlen);
		assert_memory_equal(out, want, wlen);
	}
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), 0);
}

static void test_vector_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec_invalid) / sizeof(vec_invalid[0]); i++) {
		uint8_t buf[64];
		size_t len = unhex(vec_invalid[i].hex, buf, sizeof(buf));
		struct lp_dgram d = { .id = 0xdeadbeef };
		const uint8_t *p = NULL;
		size_t plen = 99;

		if (lp_dgram_decode(buf, len, &d) != vec_invalid[i].err)
			fail_msg("%s: got %d", vec_invalid[i].why, lp_dgram_decode(buf, len, &d));
		assert_int_equal(d.id, 0xdeadbeef); /* untouched */
		assert_false(lp_dgram_peek_frame(buf, len, &p, &plen));
		assert_null(p);
		assert_int_equal(plen, 99);
	}
	/* The same with the piece ending exactly at total is valid. */
	uint8_t buf[32];
	size_t len = unhex("11 01020304 01 02 000e 000d aa", buf, sizeof(buf));
	struct lp_dgram d;
	assert_int_equal(lp_dgram_decode(buf, len, &d), 0);
	assert_int_equal(d.offset + d.len, d.total);
	assert_int_equal(lp_dgram_decode(NULL, 5, &d), LP_ERR_INVALID);
}

static void test_decode_limits(void **state)
{
	size_t cap = LP_DGRAM_HDR_FRAGMENT + LP_DGRAM_FRAME_MAX + 1;
	uint8_t *buf = calloc(1, cap);
	struct lp_dgram d;

	(void)state;
	assert_non_null(buf);
	buf[0] = LP_DGRAM_BYTE0_FRAME;
	assert_int_equal(lp_dgram_decode(buf, 1 + 13, &d), LP_ERR_INVALID);
	assert_int_equal(lp_dgram_decode(buf, 1 + 14, &d), 0);
	assert_int_equal(lp_dgram_decode(buf, 1 + 65535, &d), 0);
	assert_int_equal(d.len, 65535);
	assert_int_equal(lp_dgram_decode(buf, 1 + 65536, &d), LP_ERR_INVALID);

	/* Fragment: count 64, last index, total 65535, piece reaching the end. */
	static const uint8_t hdr[] = {
		0x11, 0xff, 0xff, 0xff, 0xff, 63, 64, 0xff, 0xff, 0xff, 0xfe
	};
	memcpy(buf, hdr, sizeof(hdr));
	assert_int_equal(lp_dgram_decode(buf, sizeof(hdr) + 1, &d), 0);
	assert_int_equal(d.id, 0xffffffffu);
	assert_int_equal(d.index, 63);
	assert_int_equal(d.count, 64);
	assert_int_equal(d.total, 65535);
	assert_int_equal(d.offset, 65534);
	assert_int_equal(lp_dgram_decode(buf, sizeof(hdr) + 2, &d), LP_ERR_INVALID);
	/* A piece may be the whole frame (decode does not judge the sender's split). */
	buf[9] = 0;
	buf[10] = 0;
	assert_int_equal(lp_dgram_decode(buf, sizeof(hdr) + 65535, &d), 0);
	assert_int_equal(lp_dgram_decode(buf, sizeof(hdr) + 65536, &d), LP_ERR_INVALID);
	free(buf);
}

static void test_peek_agrees(void **state)
{
	uint8_t buf[40] = { 0 };

	(void)state;
	for (unsigned b0 = 0; b0 < 256; b0++) {
		buf[0] = (uint8_t)b0;
		for (size_t len = 0; len <= sizeof(buf); len++) {
			struct lp_dgram d;
			const uint8_t *p;
			size_t plen;
			bool whole = lp_dgram_decode(buf, len, &d) == 0 && d.type == LP_DGRAM_FRAME;

			assert_int_equal(lp_dgram_peek_frame(buf, len, &p, &plen), whole);
		}
	}
}

static void test_encode_errors(void **state)
{
	uint8_t piece[4] = { 1, 2, 3, 4 }, out[32];
	struct lp_dgram ok = { .type = LP_DGRAM_FRAGMENT,
			       .data = piece,
			       .len = 4,
			       .id = 9,
			       .total = 20,
			       .offset = 16,
			       .index = 1,
			       .count = 2 };
	struct lp_dgram d;

	(void)state;
	assert_int_equal(lp_dgram_check(&ok), 0);
	assert_int_equal(lp_dgram_encode(&ok, out, 15), 15);
	assert_int_equal(lp_dgram_encode(&ok, out, 14), LP_ERR_NOBUF);
	assert_int_equal(lp_dgram_encode(&ok, NULL, 0), LP_ERR_NOBUF);
	assert_int_equal(lp_dgram_encode(NULL, out, sizeof(out)), LP_ERR_INVALID);

	d = ok;
	d.offset = 17;
	assert_int_equal(lp_dgram_encode(&d, out, sizeof(out)), LP_ERR_INVALID);
	d = ok;
	d.index = 2;
	assert_int_equal(lp_dgram_encode(&d, out, sizeof(out)), LP_ERR_INVALID);
	d = ok;
	d.count = 65;
	d.index = 0;
	assert_int_equal(lp_dgram_encode(&d, out, sizeof(out)), LP_ERR_INVALID);
	d = ok;
	d.data = NULL;
	assert_int_equal(lp_dgram_check(&d), LP_ERR_INVALID);
	d = ok;
	d.len = 0;
	assert_int_equal(lp_dgram_check(&d), LP_ERR_INVALID);
	d = ok;
	d.type = (enum lp_dgram_type)5;
	assert_int_equal(lp_dgram_check(&d), LP_ERR_UNSUPPORTED);
	assert_int_equal(lp_dgram_encode(&d, out, sizeof(out)), LP_ERR_INVALID);
	assert_int_equal(lp_dgram_check(NULL), LP_ERR_INVALID);

	uint8_t frame[14] = { 0 };
	assert_int_equal(lp_dgram_encode_frame(frame, 13, out, sizeof(out)), LP_ERR_INVALID);
	assert_int_equal(lp_dgram_encode_frame(frame, 14, out, 14), LP_ERR_NOBUF);
	assert_int_equal(lp_dgram_encode_frame(frame, 14, out, 15), 15);
	assert_int_equal(lp_dgram_encode_frame(NULL, 14, out, 15), LP_ERR_INVALID);
}

static void test_split_count(void **state)
{
	static const struct {
		size_t len, budget;
		int want;
	} v[] = {
		{ 14, 15, 1 },
		{ 14, 14, 5 }, /* pieces of up to 3 bytes */
		{ 1514, 1515, 1 },
		{ 1514, 1514, 2 },
		{ 1514, 1200, 2 },
		{ 9018, 1200, 8 },
		{ 1514, 11, LP_ERR_TOO_BIG },
		{ 1514, 12, LP_ERR_TOO_BIG },
		{ 64, 12, 64 },
		{ 65, 12, LP_ERR_TOO_BIG },
		{ 14, 0, LP_ERR_TOO_BIG },
		{ 14, 1, LP_ERR_TOO_BIG },
		{ 13, 100, LP_ERR_INVALID },
		{ 0, 100, LP_ERR_INVALID },
		{ 65536, 70000, LP_ERR_INVALID },
		{ 65535, 65536, 1 },
		{ 65535, 65535, 2 },
		{ 65535, 1035, 64 },
		{ 65535, 1034, LP_ERR_TOO_BIG },
		{ 65535, (size_t)-1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (lp_dgram_split_count(v[i].len, v[i].budget) != v[i].want)
			fail_msg("len %zu budget %zu: got %d want %d", v[i].len, v[i].budget,
				 lp_dgram_split_count(v[i].len, v[i].budget), v[i].want);
}

static void test_frame_max(void **state)
{
	(void)state;
	assert_int_equal(lp_dgram_frame_max(0), 0);
	assert_int_equal(lp_dgram_frame_max(11), 0);
	assert_int_equal(lp_dgram_frame_max(12), 64);
	assert_int_equal(lp_dgram_frame_max(14), 192);
	assert_int_equal(lp_dgram_frame_max(1035), 65535);
	assert_int_equal(lp_dgram_frame_max((size_t)-1), 65535);
	for (size_t b = 0; b <= 2100; b++) {
		size_t m = lp_dgram_frame_max(b);

		if (m == 0) {
			assert_true(lp_dgram_split_count(LP_DGRAM_FRAME_MIN, b) < 0);
			continue;
		}
		assert_true(lp_dgram_split_count(m, b) > 0);
		if (m < LP_DGRAM_FRAME_MAX)
			assert_int_equal(lp_dgram_split_count(m + 1, b), LP_ERR_TOO_BIG);
	}
}

/* Split len bytes at budget and check every property the header promises. */
static void check_split(const uint8_t *frame, size_t len, size_t budget, uint8_t *out)
{
	struct lp_dgram_split s;
	int n = lp_dgram_split_count(len, budget);
	size_t off = 0, minp = SIZE_MAX, maxp = 0, prev = SIZE_MAX;
	int got = 0;
	ssize_t w;

	if (n < 0) {
		assert_int_equal(lp_dgram_split_init(&s, frame, len, budget, 1), n);
		assert_int_equal(lp_dgram_split_next(&s, out, budget), LP_ERR_STATE);
		return;
	}
	assert_int_equal(lp_dgram_split_init(&s, frame, len, budget, 0xabcdef01), 0);
	while ((w = lp_dgram_split_next(&s, out, budget)) > 0) {
		struct lp_dgram d;

		assert_true((size_t)w <= budget);
		assert_int_equal(lp_dgram_decode(out, (size_t)w, &d), 0);
		if (n == 1) {
			assert_int_equal(d.type, LP_DGRAM_FRAME);
			assert_int_equal(d.len, len);
			assert_memory_equal(d.data, frame, len);
		} else {
			assert_int_equal(d.type, LP_DGRAM_FRAGMENT);
			assert_int_equal(d.id, 0xabcdef01);
			assert_int_equal(d.index, got);
			assert_int_equal(d.count, n);
			assert_int_equal(d.total, len);
			assert_int_equal(d.offset, off);
			assert_memory_equal(d.data, frame + off, d.len);
			/* Longer pieces first, so lengths never grow. */
			assert_true(d.len <= prev);
			prev = d.len;
			minp = d.len < minp ? d.len : minp;
			maxp = d.len > maxp ? d.len : maxp;
			off += d.len;
		}
		got++;
	}
	assert_int_equal(w, 0);
	assert_int_equal(got, n);
	assert_int_equal(lp_dgram_split_next(&s, out, budget), 0);
	if (n > 1) {
		assert_int_equal(off, len);
		assert_true(maxp - minp <= 1);
		/* Fewest pieces: one fewer could not hold the frame. */
		assert_true((size_t)(n - 1) * (budget - LP_DGRAM_HDR_FRAGMENT) < len);
	}
}

static void test_split_many(void **state)
{
	static const size_t budgets[] = { 12,	13,   14,   25,	  100,	576,  1199, 1200,
					  1252, 1280, 1350, 1400, 1452, 1500, 9000, 65536 };
	size_t max = LP_DGRAM_FRAME_MAX;
	uint8_t *frame = malloc(max), *out = malloc(max + 1);

	(void)state;
	assert_non_null(frame);
	assert_non_null(out);
	for (size_t i = 0; i < max; i++)
		frame[i] = (uint8_t)(i * 7 + (i >> 8));
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		for (size_t len = 14; len <= 9018; len += len < 200 ? 1 : 37)
			check_split(frame, len, budgets[b], out);
		check_split(frame, 1514, budgets[b], out);
		check_split(frame, 9018, budgets[b], out);
		check_split(frame, 65535, budgets[b], out);
	}
	free(frame);
	free(out);
}

static void test_split_errors(void **state)
{
	uint8_t frame[100] = { 0 }, out[64];
	struct lp_dgram_split s;

	(void)state;
	assert_int_equal(lp_dgram_split_init(NULL, frame, 20, 100, 0), LP_ERR_INVALID);
	assert_int_equal(lp_dgram_split_init(&s, NULL, 20, 100, 0), LP_ERR_INVALID);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), LP_ERR_STATE);
	assert_int_equal(lp_dgram_split_next(NULL, out, sizeof(out)), LP_ERR_STATE);
	assert_int_equal(lp_dgram_split_init(&s, frame, 100, 12, 0), LP_ERR_TOO_BIG);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), LP_ERR_STATE);

	/* A short buffer does not advance the splitter. */
	assert_int_equal(lp_dgram_split_init(&s, frame, 100, 61, 5), 0);
	assert_int_equal(lp_dgram_split_next(&s, out, 10), LP_ERR_NOBUF);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), 61);
	assert_int_equal(out[5], 0);
	assert_int_equal(lp_dgram_split_next(&s, out, 60), LP_ERR_NOBUF);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), 61);
	assert_int_equal(out[5], 1);
	assert_int_equal(lp_dgram_split_next(&s, out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_frame),   cmocka_unit_test(test_vector_fragments),
		cmocka_unit_test(test_vector_invalid), cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_peek_agrees),    cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_split_count),    cmocka_unit_test(test_frame_max),
		cmocka_unit_test(test_split_many),     cmocka_unit_test(test_split_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
