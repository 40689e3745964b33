/*
 * fuzz_dgram: overlay datagram decoding, reassembly and splitting.
 *
 * Input: byte 0 picks a budget, then records [u16 BE length][u8 clock step in
 * ms][length bytes], each one datagram. Every datagram goes through
 * lp_dgram_decode, lp_dgram_peek_frame and a reassembler with small limits.
 * Then the whole input, taken as an Ethernet frame, is split with a budget
 * from the input, delivered in an order drawn from the input (with
 * duplicates), and must come back identical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "err.h"
#include "reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS 1000000ull

static void check(int ok)
{
	if (!ok)
		abort();
}

static void feed_datagrams(const uint8_t *data, size_t size)
{
	struct lp_reasm_cfg cfg = {
		.slots = 3, .max_frame = 2048, .max_bytes = 4096, .timeout_ns = 20 * MS
	};
	struct lp_reasm r;
	uint8_t enc[2048 + LP_DGRAM_HDR_FRAGMENT];
	uint64_t now = 0;
	size_t at = 1;

	check(lp_reasm_init(&r, &cfg) == 0);
	while (size - at >= 3) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		const uint8_t *dg = data + at + 3, *pf = NULL, *frame = NULL;
		size_t pflen = 0, flen = 0;
		struct lp_dgram d;
		int rc, drc;

		now += data[at + 2] * MS;
		at += 3;
		if (len > size - at)
			len = size - at;
		at += len;

		drc = lp_dgram_decode(dg, len, &d);
		check(drc == 0 || drc == LP_ERR_INVALID || drc == LP_ERR_VERSION ||
		      drc == LP_ERR_UNSUPPORTED);
		check(lp_dgram_peek_frame(dg, len, &pf, &pflen) ==
		      (drc == 0 && d.type == LP_DGRAM_FRAME));
		if (drc < 0)
			continue;
		if (d.type == LP_DGRAM_FRAME)
			check(pf == dg + 1 && pflen == len - 1 && d.data == pf && d.len == pflen);
		else
			check(d.data == dg + LP_DGRAM_HDR_FRAGMENT && d.offset + d.len <= d.total);
		/* The encoding is canonical: re-encoding gives the same bytes. */
		if (len <= sizeof(enc)) {
			check(lp_dgram_encode(&d, enc, sizeof(enc)) == (ssize_t)len);
			check(memcmp(enc, dg, len) == 0);
		}

		rc = lp_reasm_push(&r, &d, now, &frame, &flen);
		check(rc == 1 || rc == 0 || rc == LP_ERR_INVALID || rc == LP_ERR_TOO_BIG);
		if (rc == 1) {
			check(frame != NULL && flen <= cfg.max_frame);
			if (d.type == LP_DGRAM_FRAME) {
				check(frame == d.data && flen == d.len);
			} else {
				/* The completing piece was written last, so its bytes are there. */
				check(flen == d.total);
				check(memcmp(frame + d.offset, d.data, d.len) == 0);
			}
		} else {
			check(frame == NULL && flen == 0);
		}
		check(r.nfree <= r.nchunks && lp_reasm_pending(&r) <= cfg.slots);
		if (lp_reasm_pending(&r))
			check(lp_reasm_next_expiry(&r) > now);
	}
	lp_reasm_expire(&r, now + cfg.timeout_ns + 1);
	check(lp_reasm_pending(&r) == 0 && r.nfree == r.nchunks);
	lp_reasm_free(&r);
}

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void round_trip(const uint8_t *data, size_t size)
{
	struct lp_reasm_cfg cfg = {
		.slots = 2, .max_frame = LP_DGRAM_FRAME_MAX, .max_bytes = 65536, .timeout_ns = MS
	};
	size_t len = size > LP_DGRAM_FRAME_MAX ? LP_DGRAM_FRAME_MAX : size;
	size_t budget = 12 + (data[0] * 37u + data[size - 1]) % 1600;
	struct lp_dgram pieces[2 * LP_FRAG_MAX_COUNT];
	struct lp_dgram_split s;
	struct lp_reasm r;
	uint8_t *buf;
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)size;
	int n, total, done = 0;
	size_t at = 0;
	ssize_t w;

	if (len < LP_DGRAM_FRAME_MIN)
		return;
	n = lp_dgram_split_count(len, budget);
	if (n < 0) {
		check(n == LP_ERR_TOO_BIG && lp_dgram_frame_max(budget) < len);
		/* The least budget that carries it in 64 pieces, plus a bit from the input. */
		budget = LP_DGRAM_HDR_FRAGMENT + (len + LP_FRAG_MAX_COUNT - 1) / LP_FRAG_MAX_COUNT +
			 data[1] % 8;
		n = lp_dgram_split_count(len, budget);
	}
	check(n >= 1 && n <= LP_FRAG_MAX_COUNT && lp_dgram_frame_max(budget) >= len);
	buf = malloc((size_t)n * budget);
	check(buf != NULL);
	check(lp_dgram_split_init(&s, data, len, budget, (uint32_t)data[2] << 8 | data[3]) == 0);
	total = 0;
	while ((w = lp_dgram_split_next(&s, buf + at, budget)) > 0) {
		check((size_t)w <= budget && total < n);
		check(lp_dgram_decode(buf + at, (size_t)w, &pieces[total]) == 0);
		at += (size_t)w;
		total++;
	}
	check(w == 0 && total == n);
	for (size_t i = 0; i < size; i++)
		seed = seed * 31 + data[i];
	/* Duplicate a few pieces (never a lone FRAME: that would complete twice), then shuffle. */
	if (n > 1)
		for (int k = 0; k < n && k < data[4] % 4; k++)
			pieces[total++] = pieces[next_rand(&seed) % (uint32_t)n];
	for (int i = total - 1; i > 0; i--) {
		int j = (int)(next_rand(&seed) % (uint32_t)(i + 1));
		struct lp_dgram t = pieces[i];

		pieces[i] = pieces[j];
		pieces[j] = t;
	}
	check(lp_reasm_init(&r, &cfg) == 0);
	for (int i = 0; i < total; i++) {
		const uint8_t *frame;
		size_t flen;
		int rc = lp_reasm_push(&r, &pieces[i], 0, &frame, &flen);

		check(rc == 0 || rc == 1);
		if (rc == 1) {
			check(!done && flen == len && memcmp(frame, data, len) == 0);
			done = 1;
		}
	}
	check(done);
	check(r.stats.invalid == 0 && r.stats.evicted == 0 && lp_reasm_pending(&r) == 0);
	lp_reasm_free(&r);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	feed_datagrams(data, size);
	round_trip(data, size);
	return 0;
}
