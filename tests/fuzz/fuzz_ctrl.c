/*
 * Fuzz target for the control stream: framing reader and JSON codec.
 *
 * Input: byte 0 picks the largest piece size, byte 1 seeds the split
 * pattern, the rest is the stream. The stream goes through one reader in
 * those pieces and through a second reader in one piece; both must yield the
 * same messages and the same error. Each message is decoded; a message that
 * decodes must re-encode, decode to an equal message and re-encode to the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lp_ctrl_reader split_reader, whole_reader;
static uint8_t split_buf[LP_CTRL_MAX], whole_buf[LP_CTRL_MAX];
static uint8_t enc1[LP_CTRL_HDR_LEN + LP_CTRL_MAX], enc2[LP_CTRL_HDR_LEN + LP_CTRL_MAX];

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_message(const uint8_t *msg, size_t len)
{
	struct lp_ctrl_msg m1, m2;
	char err[256];

	memset(err, 'X', sizeof(err));
	int rc = lp_ctrl_decode(msg, len, &m1, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc != 0) {
		CHECK(rc == LP_ERR_INVALID || rc == LP_ERR_NOMEM);
		CHECK(err[0] != '\0');
		CHECK(m1.type == 0);
		return;
	}
	CHECK(lp_ctrl_check(&m1, NULL, 0) == 0);

	/*
	 * Re-encoding drops whitespace, unknown fields and needless escapes; it
	 * grows only where an unknown reason name (at least 1 byte) becomes "unknown".
	 */
	ssize_t n1 = lp_ctrl_encode(&m1, enc1, sizeof(enc1));
	CHECK(n1 > LP_CTRL_HDR_LEN && (size_t)n1 <= LP_CTRL_HDR_LEN + len + 6);
	size_t body = (size_t)n1 - LP_CTRL_HDR_LEN;
	CHECK(((size_t)enc1[0] << 24 | (size_t)enc1[1] << 16 | (size_t)enc1[2] << 8 | enc1[3]) ==
	      body);

	CHECK(lp_ctrl_decode(enc1 + LP_CTRL_HDR_LEN, body, &m2, err, sizeof(err)) == 0);
	CHECK(lp_ctrl_msg_equal(&m1, &m2));
	ssize_t n2 = lp_ctrl_encode(&m2, enc2, sizeof(enc2));
	CHECK(n2 == n1 && memcmp(enc1, enc2, (size_t)n1) == 0);
	/* One byte short must be refused, never truncated. */
	CHECK(lp_ctrl_encode(&m2, enc2, (size_t)n1 - 1) == LP_ERR_NOBUF);
	lp_ctrl_msg_free(&m1);
	lp_ctrl_msg_free(&m2);
}

/* Pulls the next message out of the whole-stream reader; returns its error or 0. */
static ssize_t whole_next(const uint8_t **data, size_t *left, const uint8_t **msg, size_t *len)
{
	for (;;) {
		ssize_t n = lp_ctrl_reader_feed(&whole_reader, *data, *left, msg, len);
		if (n < 0)
			return n;
		*data += n;
		*left -= (size_t)n;
		if (*msg || *left == 0)
			return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max_piece = (size_t)data[0] + 1;
	uint32_t x = 0x9e3779b9u ^ data[1];
	data += 2;
	size -= 2;

	/* Both readers get the same cap: the agents' full one or the relay's small one. */
	size_t cap = (data[-1] & 1) ? LP_CTRL_UP_MAX : LP_CTRL_MAX;
	lp_ctrl_reader_init(&split_reader, split_buf, cap);
	lp_ctrl_reader_init(&whole_reader, whole_buf, cap);
	const uint8_t *wdata = data;
	size_t wleft = size;
	size_t pos = 0;
	ssize_t split_err = 0;

	while (pos < size && split_err == 0) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t piece = max_piece == 256 ? size - pos : 1 + x % max_piece;
		if (piece > size - pos)
			piece = size - pos;
		size_t off = 0;
		while (off < piece) {
			const uint8_t *msg, *wmsg;
			size_t len, wlen;
			ssize_t n = lp_ctrl_reader_feed(&split_reader, data + pos + off,
							piece - off, &msg, &len);
			if (n < 0) {
				CHECK(n == LP_ERR_INVALID || n == LP_ERR_TOO_BIG);
				split_err = n;
				break;
			}
			CHECK((size_t)n <= piece - off);
			off += (size_t)n;
			if (!msg) {
				CHECK(off == piece);
				break;
			}
			CHECK(len >= 1 && len <= LP_CTRL_MAX);
			CHECK(whole_next(&wdata, &wleft, &wmsg, &wlen) == 0);
			CHECK(wmsg && wlen == len && memcmp(wmsg, msg, len) == 0);
			/* Both readers stand at the same place in the stream. */
			CHECK((size_t)(wdata - data) == pos + off);
			check_message(msg, len);
		}
		pos += off;
	}

	/* The whole reader agrees on the end: the same error, or no further message. */
	const uint8_t *wmsg;
	size_t wlen;
	ssize_t werr = whole_next(&wdata, &wleft, &wmsg, &wlen);
	CHECK(werr == split_err);
	if (!split_err) {
		CHECK(wmsg == NULL);
		CHECK(lp_ctrl_reader_idle(&split_reader) == lp_ctrl_reader_idle(&whole_reader));
	}
	return 0;
}
