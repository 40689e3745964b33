/*
 * Unit tests for the control stream's incremental reader (shared/ctrl_frame.c):
 * a stream of several messages fed whole, one byte at a time and in random
 * splits; zero and oversized lengths; the largest message; idle state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "err.h"

#define NMSG 5

static struct lp_ctrl_reader reader;
static uint8_t reader_buf[LP_CTRL_MAX];
static uint8_t stream[4096];
static size_t stream_len;
static size_t msg_end[NMSG]; /* offset just past each message in stream */
static struct lp_ctrl_msg sent[NMSG];

static void build_stream(void)
{
	memset(sent, 0, sizeof(sent));
	sent[0].type = LP_CTRL_DISCONNECT;
	sent[0].disconnect.reason = LP_DISCONNECT_KICKED;
	sent[1].type = LP_CTRL_PEER_LEFT;
	sent[1].peer_left.member_id = 9;
	sent[1].peer_left.reason = LP_DISCONNECT_IDLE;
	sent[2].type = LP_CTRL_STATS;
	sent[2].stats.rtt_us = 1500;
	sent[2].stats.members = 3;
	sent[2].stats.n_drops = 1;
	memcpy(sent[2].stats.drops[0].name, "over_mtu", 9);
	sent[2].stats.drops[0].count = 4;
	sent[3].type = LP_CTRL_PEER_JOINED;
	sent[3].peer_joined.id = 4;
	sent[3].peer_joined.role = LP_CTRL_ROLE_GATEWAY;
	sent[4].type = LP_CTRL_REJECT;
	sent[4].reject.reason = LP_REJECT_BANNED;
	memcpy(sent[4].reject.message, "no", 3);

	stream_len = 0;
	for (size_t i = 0; i < NMSG; i++) {
		ssize_t n =
			lp_ctrl_encode(&sent[i], stream + stream_len, sizeof(stream) - stream_len);
		assert_true(n > 0);
		stream_len += (size_t)n;
		msg_end[i] = stream_len;
	}
}

/* Check a message handed out by the reader against what was sent. */
static void expect_msg(size_t idx, const uint8_t *msg, size_t len)
{
	assert_true(idx < NMSG);
	size_t start = (idx ? msg_end[idx - 1] : 0) + LP_CTRL_HDR_LEN;
	assert_int_equal(len, msg_end[idx] - start);
	assert_memory_equal(msg, stream + start, len);
	struct lp_ctrl_msg m;
	assert_int_equal(lp_ctrl_decode(msg, len, &m, NULL, 0), 0);
	assert_true(lp_ctrl_msg_equal(&m, &sent[idx]));
	lp_ctrl_msg_free(&m);
}

/* Feed the stream in pieces of the sizes next() returns; all messages must come out. */
static void feed_split(size_t (*next)(void *), void *arg)
{
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	size_t pos = 0, got = 0;
	while (pos < stream_len) {
		size_t piece = next(arg);
		if (piece > stream_len - pos)
			piece = stream_len - pos;
		const uint8_t *p = stream + pos;
		size_t left = piece;
		do {
			const uint8_t *msg;
			size_t len;
			ssize_t n = lp_ctrl_reader_feed(&reader, p, left, &msg, &len);
			assert_true(n >= 0 && (size_t)n <= left);
			p += n;
			left -= (size_t)n;
			if (msg) {
				expect_msg(got, msg, len);
				/* A message ends exactly where the stream says it does. */
				assert_int_equal((size_t)(p - stream), msg_end[got]);
				got++;
				assert_true(lp_ctrl_reader_idle(&reader));
			} else {
				assert_int_equal(left, 0);
				assert_null(msg);
				assert_int_equal(len, 0);
			}
		} while (left > 0);
		pos += piece;
	}
	assert_int_equal(got, NMSG);
	assert_true(lp_ctrl_reader_idle(&reader));
}

static size_t piece_one(void *arg)
{
	(void)arg;
	return 1;
}

static size_t piece_all(void *arg)
{
	(void)arg;
	return SIZE_MAX;
}

static size_t piece_random(void *arg)
{
	uint32_t *x = arg; /* xorshift32: repeatable splits */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	switch (*x % 4) {
	case 0:
		return 1 + *x % 3; /* header split inside */
	case 1:
		return 1 + *x % 40;
	default:
		return 1 + *x % 300; /* several messages per piece */
	}
}

static void test_one_byte_at_a_time(void **state)
{
	(void)state;
	build_stream();
	feed_split(piece_one, NULL);
}

static void test_whole_stream(void **state)
{
	(void)state;
	build_stream();
	feed_split(piece_all, NULL);
}

static void test_random_splits(void **state)
{
	(void)state;
	build_stream();
	for (uint32_t seed = 1; seed <= 500; seed++) {
		uint32_t x = seed * 2654435761u;
		feed_split(piece_random, &x);
	}
}

static void test_empty_feed(void **state)
{
	(void)state;
	const uint8_t *msg = (const uint8_t *)"x";
	size_t len = 7;
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	assert_int_equal(lp_ctrl_reader_feed(&reader, NULL, 0, &msg, &len), 0);
	assert_null(msg);
	assert_int_equal(len, 0);
	assert_true(lp_ctrl_reader_idle(&reader));
}

static void expect_broken(const uint8_t *data, size_t len, int err)
{
	const uint8_t *msg;
	size_t mlen;
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	ssize_t n = 0;
	size_t i;
	/* Byte by byte, so that the failure lands on the header's last byte. */
	for (i = 0; i < len; i++) {
		n = lp_ctrl_reader_feed(&reader, data + i, 1, &msg, &mlen);
		if (n < 0)
			break;
		assert_int_equal(n, 1);
		assert_false(lp_ctrl_reader_idle(&reader));
	}
	assert_int_equal(n, err);
	assert_int_equal(i, 3);
	assert_null(msg);
	assert_false(lp_ctrl_reader_idle(&reader));
	/* Sticky: later bytes, even a valid message, are refused. */
	build_stream();
	assert_int_equal(lp_ctrl_reader_feed(&reader, stream, stream_len, &msg, &mlen), err);
	assert_int_equal(lp_ctrl_reader_feed(&reader, NULL, 0, &msg, &mlen), err);

	/* The same in one piece. */
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data, len, &msg, &mlen), err);
	/* init recovers the reader for a new stream. */
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	assert_true(lp_ctrl_reader_idle(&reader));
}

static void test_zero_length(void **state)
{
	(void)state;
	static const uint8_t zero[] = { 0, 0, 0, 0, '{', '}' };
	expect_broken(zero, sizeof(zero), LP_ERR_INVALID);
}

static void test_oversized_length(void **state)
{
	(void)state;
	static const uint8_t over[] = { 0x00, 0x01, 0x00, 0x01, '{' }; /* 65537 */
	expect_broken(over, sizeof(over), LP_ERR_TOO_BIG);
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
	expect_broken(huge, sizeof(huge), LP_ERR_TOO_BIG);
	static const uint8_t high[] = { 0x80, 0x00, 0x00, 0x01 };
	expect_broken(high, sizeof(high), LP_ERR_TOO_BIG);
}

/* A reader with the relay's small cap takes a message of exactly that size and refuses one more. */
static void test_small_cap(void **state)
{
	(void)state;
	static uint8_t small[LP_CTRL_UP_MAX];
	static uint8_t data[LP_CTRL_HDR_LEN + LP_CTRL_UP_MAX + 1];
	const uint8_t *msg;
	size_t mlen;

	memset(data, ' ', sizeof(data));
	data[0] = data[1] = 0;
	data[2] = LP_CTRL_UP_MAX >> 8;
	data[3] = LP_CTRL_UP_MAX & 0xff;
	lp_ctrl_reader_init(&reader, small, sizeof(small));
	assert_int_equal(
		lp_ctrl_reader_feed(&reader, data, LP_CTRL_HDR_LEN + LP_CTRL_UP_MAX, &msg, &mlen),
		LP_CTRL_HDR_LEN + LP_CTRL_UP_MAX);
	assert_ptr_equal(msg, small);
	assert_int_equal(mlen, LP_CTRL_UP_MAX);

	data[2] = (LP_CTRL_UP_MAX + 1) >> 8;
	data[3] = (LP_CTRL_UP_MAX + 1) & 0xff;
	lp_ctrl_reader_init(&reader, small, sizeof(small));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data, sizeof(data), &msg, &mlen),
			 LP_ERR_TOO_BIG);
	assert_null(msg);
}

/* After a valid message, a broken header still fails. */
static void test_break_after_message(void **state)
{
	(void)state;
	build_stream();
	static uint8_t data[sizeof(stream) + 4];
	memcpy(data, stream, msg_end[0]);
	memset(data + msg_end[0], 0, 4);
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	const uint8_t *msg;
	size_t len;
	ssize_t n = lp_ctrl_reader_feed(&reader, data, msg_end[0] + 4, &msg, &len);
	assert_int_equal(n, msg_end[0]);
	expect_msg(0, msg, len);
	assert_int_equal(lp_ctrl_reader_feed(&reader, data + n, 4, &msg, &len), LP_ERR_INVALID);
	assert_null(msg);
}

/* The largest body, LP_CTRL_MAX bytes, passes the reader whole. */
static void test_largest_message(void **state)
{
	(void)state;
	size_t total = LP_CTRL_HDR_LEN + LP_CTRL_MAX;
	uint8_t *data = malloc(total + 1);
	assert_non_null(data);
	data[0] = 0x00;
	data[1] = 0x01;
	data[2] = 0x00;
	data[3] = 0x00;
	for (size_t i = LP_CTRL_HDR_LEN; i < total; i++)
		data[i] = (uint8_t)(i * 7);
	data[total] = 0x00; /* first byte of the next header */

	const uint8_t *msg;
	size_t len;
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data, 1000, &msg, &len), 1000);
	assert_null(msg);
	assert_false(lp_ctrl_reader_idle(&reader));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data + 1000, total + 1 - 1000, &msg, &len),
			 total - 1000);
	assert_non_null(msg);
	assert_int_equal(len, LP_CTRL_MAX);
	assert_memory_equal(msg, data + LP_CTRL_HDR_LEN, LP_CTRL_MAX);
	assert_true(lp_ctrl_reader_idle(&reader));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data + total, 1, &msg, &len), 1);
	assert_null(msg);
	assert_false(lp_ctrl_reader_idle(&reader)); /* a partial header is pending */
	free(data);
}

/* A one-byte body right after another message, both in one piece. */
static void test_tiny_messages(void **state)
{
	(void)state;
	static const uint8_t data[] = { 0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'c', 0, 0 };
	const uint8_t *msg;
	size_t len;
	lp_ctrl_reader_init(&reader, reader_buf, sizeof(reader_buf));
	assert_int_equal(lp_ctrl_reader_feed(&reader, data, sizeof(data), &msg, &len), 5);
	assert_int_equal(len, 1);
	assert_int_equal(msg[0], 'a');
	assert_int_equal(lp_ctrl_reader_feed(&reader, data + 5, sizeof(data) - 5, &msg, &len), 6);
	assert_int_equal(len, 2);
	assert_memory_equal(msg, "bc", 2);
	assert_int_equal(lp_ctrl_reader_feed(&reader, data + 11, 2, &msg, &len), 2);
	assert_null(msg);
	assert_false(lp_ctrl_reader_idle(&reader));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_byte_at_a_time),  cmocka_unit_test(test_whole_stream),
		cmocka_unit_test(test_random_splits),	    cmocka_unit_test(test_empty_feed),
		cmocka_unit_test(test_zero_length),	    cmocka_unit_test(test_oversized_length),
		cmocka_unit_test(test_break_after_message), cmocka_unit_test(test_largest_message),
		cmocka_unit_test(test_tiny_messages),	    cmocka_unit_test(test_small_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
