/* Unit tests for shared/reasm.c: round trips, loss, duplicates, order, overlap, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "err.h"
#include "reasm.h"

#define MS 1000000ull

/* Every datagram a split produced, decoded, pointing into buf. */
struct pieces {
	uint8_t *buf;
	struct lp_dgram d[LP_FRAG_MAX_COUNT];
	int n;
};

static uint32_t rng_state = 2463534242u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill(uint8_t *frame, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 131 + (i >> 8));
}

static void split(struct pieces *p, const uint8_t *frame, size_t len, size_t budget, uint32_t id)
{
	struct lp_dgram_split s;
	size_t at = 0;
	ssize_t w;

	p->buf = malloc((size_t)LP_FRAG_MAX_COUNT * budget + budget);
	assert_non_null(p->buf);
	p->n = 0;
	assert_int_equal(lp_dgram_split_init(&s, frame, len, budget, id), 0);
	while ((w = lp_dgram_split_next(&s, p->buf + at, budget)) > 0) {
		assert_int_equal(lp_dgram_decode(p->buf + at, (size_t)w, &p->d[p->n]), 0);
		p->n++;
		at += (size_t)w;
	}
	assert_int_equal(w, 0);
}

/* A hand-made piece of frame at [off, off + len). */
static struct lp_dgram piece(const uint8_t *frame, uint32_t id, uint8_t index, uint8_t count,
			     uint16_t total, uint16_t off, size_t len)
{
	struct lp_dgram d = { .type = LP_DGRAM_FRAGMENT,
			      .data = frame + off,
			      .len = len,
			      .id = id,
			      .total = total,
			      .offset = off,
			      .index = index,
			      .count = count };
	return d;
}

static void init_big(struct lp_reasm *r)
{
	struct lp_reasm_cfg c = { .slots = 4,
				  .max_frame = LP_DGRAM_FRAME_MAX,
				  .max_bytes = 2 * 65536,
				  .timeout_ns = 1000 * MS };

	assert_int_equal(lp_reasm_init(r, &c), 0);
}

static void test_vectors_all_orders(void **state)
{
	/* docs/protocol.md's 3-piece vector (see test_dgram.c), in all six orders. */
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					  { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	uint8_t frame[40];
	struct pieces p;
	struct lp_reasm r;

	(void)state;
	memcpy(frame, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x88\xb5", 14);
	for (int i = 0; i < 26; i++)
		frame[14 + i] = (uint8_t)i;
	split(&p, frame, sizeof(frame), 25, 0x01020304);
	assert_int_equal(p.n, 3);
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	for (int o = 0; o < 6; o++) {
		const uint8_t *f = NULL;
		size_t flen = 0;

		for (int k = 0; k < 3; k++) {
			/* Each order 2 s apart: the id is forgotten after the 1 s timeout. */
			int rc = lp_reasm_push(&r, &p.d[orders[o][k]], (uint64_t)o * 2000 * MS, &f,
					       &flen);

			assert_int_equal(rc, k == 2 ? 1 : 0);
		}
		assert_int_equal(flen, sizeof(frame));
		assert_memory_equal(f, frame, sizeof(frame));
	}
	assert_int_equal(r.stats.completed, 6);
	lp_reasm_free(&r);
	free(p.buf);
}

enum order {
	FORWARD,
	REVERSE,
	SHUFFLED,
	DUPLICATED,
	ORDER_COUNT
};

/* Push every piece of p in the given order; exactly one push must complete the frame. */
static void deliver(struct lp_reasm *r, struct pieces *p, enum order how, const uint8_t *frame,
		    size_t len, uint64_t now)
{
	int seq[2 * LP_FRAG_MAX_COUNT], n = 0, done = 0;
	uint64_t dup0 = r->stats.duplicates;

	for (int i = 0; i < p->n; i++)
		seq[n++] = how == REVERSE ? p->n - 1 - i : i;
	if (how == DUPLICATED && p->n > 1)
		for (int i = 0; i < p->n; i++)
			seq[n++] = i;
	if (how == SHUFFLED || how == DUPLICATED)
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(rnd() % (uint32_t)(i + 1)), t = seq[i];

			seq[i] = seq[j];
			seq[j] = t;
		}
	for (int k = 0; k < n; k++) {
		const uint8_t *f = NULL;
		size_t flen = 0;
		int rc = lp_reasm_push(r, &p->d[seq[k]], now, &f, &flen);

		assert_true(rc == 0 || rc == 1);
		if (rc == 1) {
			assert_int_equal(done, 0);
			done = 1;
			assert_int_equal(flen, len);
			assert_memory_equal(f, frame, len);
		} else {
			assert_null(f);
			assert_int_equal(flen, 0);
		}
	}
	assert_int_equal(done, 1);
	if (how == DUPLICATED && p->n > 1)
		assert_int_equal(r->stats.duplicates - dup0, (uint64_t)p->n);
	assert_int_equal(lp_reasm_pending(r), 0);
}

static void test_round_trips(void **state)
{
	static const size_t budgets[] = { 12, 25, 100, 576, 1200, 1280, 1400, 1452, 9000 };
	uint8_t *frame = malloc(LP_DGRAM_FRAME_MAX);
	struct lp_reasm r;
	uint32_t id = 1;
	uint64_t now = 0;

	(void)state;
	assert_non_null(frame);
	init_big(&r);
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		for (size_t len = 14; len <= 9018; len += len < 100 ? 1 : 97) {
			for (int how = 0; how < ORDER_COUNT; how++) {
				struct pieces p;

				if (lp_dgram_split_count(len, budgets[b]) < 0)
					continue;
				fill(frame, len, id);
				split(&p, frame, len, budgets[b], id++);
				deliver(&r, &p, (enum order)how, frame, len, now);
				now += MS;
				free(p.buf);
			}
		}
	}
	/* The largest frames the format allows, also in exactly 64 pieces. */
	static const size_t big_budgets[] = { 1035, 1200, 1400, 65536 };
	for (size_t b = 0; b < sizeof(big_budgets) / sizeof(big_budgets[0]); b++) {
		for (int how = 0; how < ORDER_COUNT; how++) {
			struct pieces p;

			fill(frame, LP_DGRAM_FRAME_MAX, id);
			split(&p, frame, LP_DGRAM_FRAME_MAX, big_budgets[b], id++);
			if (big_budgets[b] == 1035)
				assert_int_equal(p.n, 64);
			deliver(&r, &p, (enum order)how, frame, LP_DGRAM_FRAME_MAX, now);
			free(p.buf);
		}
	}
	assert_int_equal(r.stats.invalid, 0);
	assert_int_equal(r.stats.evicted, 0);
	assert_int_equal(r.stats.expired, 0);
	lp_reasm_free(&r);
	free(frame);
}

/* Several frames' pieces interleaved, as when a peer sends quickly. */
static void test_interleaved(void **state)
{
	uint8_t frames[4][3000];
	struct pieces p[4];
	struct lp_reasm r;
	int done = 0;

	(void)state;
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	for (int f = 0; f < 4; f++) {
		fill(frames[f], 1514, (uint32_t)f * 77);
		split(&p[f], frames[f], 1514, 600, 100 + (uint32_t)f);
		assert_int_equal(p[f].n, 3);
	}
	for (int k = 0; k < 3; k++)
		for (int f = 0; f < 4; f++) {
			const uint8_t *out;
			size_t len;
			int rc = lp_reasm_push(&r, &p[f].d[2 - k], 5, &out, &len);

			if (k < 2) {
				assert_int_equal(rc, 0);
				continue;
			}
			assert_int_equal(rc, 1);
			assert_int_equal(len, 1514);
			assert_memory_equal(out, frames[f], 1514);
			done++;
		}
	assert_int_equal(done, 4);
	lp_reasm_free(&r);
	for (int f = 0; f < 4; f++)
		free(p[f].buf);
}

static void test_lost_piece(void **state)
{
	uint8_t frame[1514];
	struct pieces p;
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;

	(void)state;
	fill(frame, sizeof(frame), 3);
	split(&p, frame, sizeof(frame), 400, 42);
	assert_int_equal(p.n, 4);
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			assert_int_equal(lp_reasm_push(&r, &p.d[i], 10 * MS, &f, &flen), 0);
	assert_int_equal(lp_reasm_pending(&r), 1);
	assert_int_equal(lp_reasm_next_expiry(&r), 10 * MS + LP_REASM_DEFAULT_TIMEOUT_NS + 1);
	assert_int_equal(lp_reasm_expire(&r, 10 * MS + LP_REASM_DEFAULT_TIMEOUT_NS), 0);
	assert_int_equal(lp_reasm_expire(&r, 10 * MS + LP_REASM_DEFAULT_TIMEOUT_NS + 1), 1);
	assert_int_equal(lp_reasm_pending(&r), 0);
	assert_int_equal(lp_reasm_next_expiry(&r), UINT64_MAX);
	assert_int_equal(r.stats.expired, 1);
	/* The lost piece turning up late does not start a frame that cannot complete. */
	assert_int_equal(lp_reasm_push(&r, &p.d[2], 1100 * MS, &f, &flen), 0);
	assert_int_equal(lp_reasm_pending(&r), 0);
	assert_int_equal(r.stats.stale, 1);
	assert_int_equal(r.stats.completed, 0);
	lp_reasm_free(&r);
	free(p.buf);
}

static void test_duplicates(void **state)
{
	uint8_t frame[1000];
	struct pieces p;
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;

	(void)state;
	fill(frame, sizeof(frame), 9);
	split(&p, frame, sizeof(frame), 511, 7);
	assert_int_equal(p.n, 2);
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	assert_int_equal(lp_reasm_push(&r, &p.d[0], 0, &f, &flen), 0);
	assert_int_equal(lp_reasm_push(&r, &p.d[0], 0, &f, &flen), 0);
	assert_int_equal(r.stats.duplicates, 1);
	assert_int_equal(lp_reasm_push(&r, &p.d[1], 0, &f, &flen), 1);
	assert_memory_equal(f, frame, sizeof(frame));
	/* Late copies of a completed frame are duplicates, and hold no slot. */
	assert_int_equal(lp_reasm_push(&r, &p.d[1], 1, &f, &flen), 0);
	assert_null(f);
	assert_int_equal(lp_reasm_push(&r, &p.d[0], 2, &f, &flen), 0);
	assert_int_equal(r.stats.duplicates, 3);
	assert_int_equal(lp_reasm_pending(&r), 0);
	/* Once the memory of it is older than the timeout, the id is new again. */
	assert_int_equal(lp_reasm_push(&r, &p.d[0], 2000 * MS, &f, &flen), 0);
	assert_int_equal(lp_reasm_pending(&r), 1);
	assert_int_equal(lp_reasm_push(&r, &p.d[1], 2000 * MS, &f, &flen), 1);
	assert_int_equal(r.stats.completed, 2);
	lp_reasm_free(&r);
	free(p.buf);
}

static void test_overlap(void **state)
{
	uint8_t frame[100], other[100];
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;

	(void)state;
	fill(frame, sizeof(frame), 1);
	memset(other, 0xee, sizeof(other));
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	/* Three pieces overlapping in [30,40) and [60,70); the last write wins. */
	d = piece(other, 5, 1, 3, 100, 30, 40);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 5, 0, 3, 100, 0, 40);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 5, 2, 3, 100, 60, 40);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_int_equal(flen, 100);
	assert_memory_equal(f, frame, 40);
	assert_memory_equal(f + 40, other + 40, 20);
	assert_memory_equal(f + 60, frame + 60, 40);
	/* One piece covering the whole frame plus a redundant one. */
	d = piece(frame, 6, 1, 2, 100, 50, 1);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 6, 0, 2, 100, 0, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_memory_equal(f, frame, 100);
	assert_int_equal(r.stats.invalid, 0);
	lp_reasm_free(&r);
}

/* A frame whose every index arrived but whose ranges leave a gap is never handed out. */
static void test_gap_never_leaks(void **state)
{
	uint8_t secret[1514], frame[1514];
	struct pieces p;
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;

	(void)state;
	struct lp_reasm_cfg c = {
		.slots = 1, .max_frame = 1536, .max_bytes = 1536, .timeout_ns = 1000 * MS
	};
	assert_int_equal(lp_reasm_init(&r, &c), 0);
	/* Fill the whole arena with a "secret" earlier frame. */
	memset(secret, 0x5a, sizeof(secret));
	split(&p, secret, sizeof(secret), 800, 1);
	for (int i = 0; i < p.n; i++)
		lp_reasm_push(&r, &p.d[i], 0, &f, &flen);
	assert_int_equal(r.stats.completed, 1);
	/* Now all indices of a frame whose pieces skip [700, 800). */
	fill(frame, sizeof(frame), 4);
	d = piece(frame, 2, 0, 2, 1514, 0, 700);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 2, 1, 2, 1514, 800, 714);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	assert_null(f);
	assert_int_equal(r.stats.invalid, 1);
	assert_int_equal(lp_reasm_pending(&r), 0);
	/* A gap at the start, and one at the end. */
	d = piece(frame, 3, 0, 2, 1514, 1, 700);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 3, 1, 2, 1514, 701, 813);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	d = piece(frame, 4, 0, 2, 1514, 0, 700);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 4, 1, 2, 1514, 700, 813);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	/* Late pieces of a discarded frame are stale, not a new frame. */
	d = piece(frame, 4, 1, 2, 1514, 700, 814);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	assert_int_equal(r.stats.stale, 1);
	assert_int_equal(r.stats.completed, 1);
	assert_int_equal(lp_reasm_pending(&r), 0);
	lp_reasm_free(&r);
	free(p.buf);
}

static void test_conflicts(void **state)
{
	uint8_t frame[300];
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;

	(void)state;
	fill(frame, sizeof(frame), 8);
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	/* Another count for the same id. */
	d = piece(frame, 1, 0, 3, 300, 0, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 1, 1, 2, 300, 100, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	assert_int_equal(lp_reasm_pending(&r), 0);
	/* Another total. */
	d = piece(frame, 2, 0, 3, 300, 0, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 2, 1, 3, 299, 100, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	assert_int_equal(lp_reasm_pending(&r), 0);
	/* The same index with another range. */
	d = piece(frame, 3, 0, 3, 300, 0, 100);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 3, 0, 3, 300, 0, 101);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	assert_int_equal(lp_reasm_pending(&r), 0);
	assert_int_equal(r.stats.invalid, 3);
	/* Other frames in flight are not disturbed by a conflict. */
	d = piece(frame, 10, 0, 2, 300, 0, 150);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 11, 0, 2, 300, 0, 150);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	d = piece(frame, 11, 0, 3, 300, 0, 150);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	d = piece(frame, 10, 1, 2, 300, 150, 150);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_memory_equal(f, frame, 300);
	lp_reasm_free(&r);
}

static void test_evict_slots(void **state)
{
	uint8_t frame[1000];
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;
	struct lp_reasm_cfg c;

	(void)state;
	fill(frame, sizeof(frame), 2);
	lp_reasm_cfg_default(&c);
	c.slots = 2;
	assert_int_equal(lp_reasm_init(&r, &c), 0);
	for (uint32_t id = 1; id <= 3; id++) {
		d = piece(frame, id, 0, 2, 1000, 0, 500);
		assert_int_equal(lp_reasm_push(&r, &d, id, &f, &flen), 0);
	}
	assert_int_equal(r.stats.evicted, 1);
	assert_int_equal(lp_reasm_pending(&r), 2);
	/* Frame 1 was the oldest: its second piece is stale now. */
	d = piece(frame, 1, 1, 2, 1000, 500, 500);
	assert_int_equal(lp_reasm_push(&r, &d, 4, &f, &flen), 0);
	assert_int_equal(r.stats.stale, 1);
	for (uint32_t id = 2; id <= 3; id++) {
		d = piece(frame, id, 1, 2, 1000, 500, 500);
		assert_int_equal(lp_reasm_push(&r, &d, 5, &f, &flen), 1);
		assert_memory_equal(f, frame, 1000);
	}
	assert_int_equal(lp_reasm_pending(&r), 0);
	lp_reasm_free(&r);
}

static void test_evict_bytes(void **state)
{
	uint8_t *frame = malloc(9018);
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;
	struct lp_reasm_cfg c = { .slots = 8,
				  .max_frame = 9018,
				  .max_bytes =
					  20000, /* 78 chunks: two 9018-byte frames (36 each) */
				  .timeout_ns = 1000 * MS };

	(void)state;
	assert_non_null(frame);
	fill(frame, 9018, 6);
	assert_int_equal(lp_reasm_init(&r, &c), 0);
	assert_int_equal(r.cfg.max_bytes, 78 * LP_REASM_CHUNK);
	for (uint32_t id = 1; id <= 2; id++) {
		d = piece(frame, id, 0, 2, 9018, 0, 4509);
		assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	}
	/* Small frames still fit in the 6 chunks left. */
	d = piece(frame, 3, 0, 2, 1514, 0, 757);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	assert_int_equal(r.stats.evicted, 0);
	/* A third big frame needs the oldest one's chunks. */
	d = piece(frame, 4, 0, 2, 9018, 0, 4509);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	assert_int_equal(r.stats.evicted, 1);
	assert_int_equal(lp_reasm_pending(&r), 3);
	d = piece(frame, 4, 1, 2, 9018, 4509, 4509);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_memory_equal(f, frame, 9018);
	d = piece(frame, 2, 1, 2, 9018, 4509, 4509);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_memory_equal(f, frame, 9018);
	d = piece(frame, 3, 1, 2, 1514, 757, 757);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_memory_equal(f, frame, 1514);
	assert_int_equal(r.nfree, r.nchunks);
	lp_reasm_free(&r);
	free(frame);
}

static void test_timeout(void **state)
{
	uint8_t frame[1000];
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;
	struct lp_reasm_cfg c;

	(void)state;
	fill(frame, sizeof(frame), 5);
	lp_reasm_cfg_default(&c);
	c.timeout_ns = 100 * MS;
	assert_int_equal(lp_reasm_init(&r, &c), 0);
	d = piece(frame, 1, 0, 2, 1000, 0, 500);
	assert_int_equal(lp_reasm_push(&r, &d, 1000 * MS, &f, &flen), 0);
	d = piece(frame, 2, 0, 2, 1000, 0, 500);
	assert_int_equal(lp_reasm_push(&r, &d, 1050 * MS, &f, &flen), 0);
	assert_int_equal(lp_reasm_next_expiry(&r), 1100 * MS + 1);
	/* Exactly at the timeout the frame still completes. */
	d = piece(frame, 1, 1, 2, 1000, 500, 500);
	assert_int_equal(lp_reasm_push(&r, &d, 1100 * MS, &f, &flen), 1);
	/* A clock that went backwards drops nothing. */
	assert_int_equal(lp_reasm_expire(&r, 5), 0);
	/* Past its timeout, frame 2 is dropped lazily by the next push. */
	d = piece(frame, 2, 1, 2, 1000, 500, 500);
	assert_int_equal(lp_reasm_push(&r, &d, 1150 * MS + 1, &f, &flen), 0);
	assert_int_equal(r.stats.expired, 1);
	assert_int_equal(r.stats.stale, 1);
	assert_int_equal(lp_reasm_pending(&r), 0);
	/* A time near the end of the clock does not overflow the deadline. */
	d = piece(frame, 9, 0, 2, 1000, 0, 500);
	assert_int_equal(lp_reasm_push(&r, &d, UINT64_MAX - 5, &f, &flen), 0);
	assert_int_equal(lp_reasm_next_expiry(&r), UINT64_MAX);
	assert_int_equal(lp_reasm_expire(&r, UINT64_MAX), 0);
	lp_reasm_free(&r);
}

static void test_too_big_and_frames(void **state)
{
	uint8_t *frame = calloc(1, 2000);
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d;

	(void)state;
	assert_non_null(frame);
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	d = piece(frame, 1, 0, 2, 1537, 0, 700);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_TOO_BIG);
	assert_int_equal(r.stats.too_big, 1);
	assert_int_equal(lp_reasm_pending(&r), 0);
	d = piece(frame, 1, 0, 2, 1536, 0, 700);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 0);
	/* A whole FRAME datagram passes through, pointing into the caller's buffer. */
	d = (struct lp_dgram){ .type = LP_DGRAM_FRAME, .data = frame, .len = 1536 };
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), 1);
	assert_ptr_equal(f, frame);
	assert_int_equal(flen, 1536);
	d.len = 1537;
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_TOO_BIG);
	assert_null(f);
	assert_int_equal(r.stats.too_big, 2);
	assert_int_equal(r.stats.completed, 0);
	lp_reasm_free(&r);
	free(frame);
}

static void test_malformed_structs(void **state)
{
	uint8_t frame[100] = { 0 };
	struct lp_reasm r;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram bad[] = {
		piece(frame, 1, 2, 2, 100, 0, 10),  /* index = count */
		piece(frame, 1, 0, 1, 100, 0, 10),  /* count 1 */
		piece(frame, 1, 0, 65, 100, 0, 10), /* count 65 */
		piece(frame, 1, 0, 2, 100, 95, 10), /* past total */
		piece(frame, 1, 0, 2, 13, 0, 10),   /* total 13 */
		piece(frame, 1, 0, 2, 100, 0, 0),   /* empty */
	};
	struct lp_dgram d;

	(void)state;
	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lp_reasm_push(&r, &bad[i], 0, &f, &flen), LP_ERR_INVALID);
	d = piece(frame, 1, 0, 2, 100, 0, 10);
	d.data = NULL;
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_INVALID);
	d.type = (enum lp_dgram_type)3;
	d.data = frame;
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_UNSUPPORTED);
	assert_int_equal(lp_reasm_push(&r, NULL, 0, &f, &flen), LP_ERR_INVALID);
	assert_int_equal(r.stats.invalid, 9);
	assert_int_equal(lp_reasm_pending(&r), 0);
	d = piece(frame, 1, 0, 2, 100, 0, 10);
	assert_int_equal(lp_reasm_push(&r, &d, 0, NULL, &flen), LP_ERR_INVALID);
	assert_int_equal(lp_reasm_push(&r, &d, 0, &f, NULL), LP_ERR_INVALID);
	lp_reasm_free(&r);
}

static void test_config(void **state)
{
	struct lp_reasm r;
	struct lp_reasm_cfg c, bad;
	const uint8_t *f;
	size_t flen;
	struct lp_dgram d = { .type = LP_DGRAM_FRAME };

	(void)state;
	lp_reasm_cfg_default(&c);
	assert_int_equal(c.slots, LP_REASM_DEFAULT_SLOTS);
	assert_int_equal(c.max_frame, 1536);
	assert_int_equal(c.timeout_ns, 1000 * MS);
	assert_int_equal(lp_reasm_init(NULL, &c), LP_ERR_INVALID);

	struct {
		size_t field;
		size_t value;
	} v[] = {
		{ 0, 0 },    { 0, LP_REASM_SLOTS_MAX + 1 },	{ 1, 13 }, { 1, 65536 },
		{ 2, 1535 }, { 2, LP_REASM_MAX_BYTES_MAX + 1 }, { 3, 0 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		bad = c;
		if (v[i].field == 0)
			bad.slots = (unsigned)v[i].value;
		else if (v[i].field == 1)
			bad.max_frame = v[i].value;
		else if (v[i].field == 2)
			bad.max_bytes = v[i].value;
		else
			bad.timeout_ns = v[i].value;
		assert_int_equal(lp_reasm_init(&r, &bad), LP_ERR_INVALID);
		/* A failed init leaves nothing to free and refuses use. */
		assert_null(r.slots);
		assert_int_equal(lp_reasm_push(&r, &d, 0, &f, &flen), LP_ERR_STATE);
		lp_reasm_free(&r);
	}
	/* The limits themselves are accepted; max_bytes rounds down to whole chunks. */
	bad = c;
	bad.slots = LP_REASM_SLOTS_MAX;
	bad.max_frame = LP_DGRAM_FRAME_MAX;
	bad.max_bytes = LP_REASM_MAX_BYTES_MAX;
	assert_int_equal(lp_reasm_init(&r, &bad), 0);
	lp_reasm_free(&r);
	bad = c;
	bad.max_frame = 14;
	bad.max_bytes = 256 + 255;
	assert_int_equal(lp_reasm_init(&r, &bad), 0);
	assert_int_equal(r.cfg.max_bytes, 256);
	lp_reasm_free(&r);
	lp_reasm_free(&r);
	lp_reasm_free(NULL);
	assert_int_equal(lp_reasm_expire(&r, 0), 0);
	assert_int_equal(lp_reasm_pending(&r), 0);
	assert_int_equal(lp_reasm_next_expiry(&r), UINT64_MAX);
	assert_int_equal(lp_reasm_push(NULL, &d, 0, &f, &flen), LP_ERR_STATE);

	assert_int_equal(lp_reasm_init(&r, NULL), 0);
	assert_int_equal(r.cfg.max_bytes, LP_REASM_DEFAULT_MAX_BYTES);
	lp_reasm_free(&r);
}

/* Random pieces of a few ids with random ranges: never out of bounds, never an unwritten byte. */
static void test_random_pieces(void **state)
{
	uint8_t frame[600];
	struct lp_reasm r;
	struct lp_reasm_cfg c = {
		.slots = 3, .max_frame = 600, .max_bytes = 1024, .timeout_ns = 50
	};
	uint64_t now = 0;

	(void)state;
	/* Every byte of every frame is 0x11; the arena starts as zeros and other garbage. */
	memset(frame, 0x11, sizeof(frame));
	assert_int_equal(lp_reasm_init(&r, &c), 0);
	memset(r.arena, 0xcc, (size_t)r.nchunks * LP_REASM_CHUNK);
	for (uint32_t k = 0; k < 200000; k++) {
		/* A few ids at a time, each with its own total and count; random ranges. */
		uint32_t id = rnd() % 4 + 4 * (k / 500);
		uint16_t total = (uint16_t)(14 + id * 2654435761u % 587);
		uint8_t count = (uint8_t)(2 + id % 3);
		uint8_t index = (uint8_t)(rnd() % count);
		/* Mostly the same range for the same piece, so that frames do complete. */
		uint32_t h = rnd() % 50 ? (id * 64 + index) * 2246822519u : rnd();
		uint16_t off = index == 0 ? 0 : (uint16_t)(h % total);
		size_t len = 1 + (h >> 16) % (uint32_t)(total - off);
		struct lp_dgram d = piece(frame, id, index, count, total, off, len);

		const uint8_t *f;
		size_t flen;
		int rc;

		now += rnd() % 4;
		rc = lp_reasm_push(&r, &d, now, &f, &flen);
		if (rc == 1) {
			assert_int_equal(flen, total);
			for (size_t i = 0; i < flen; i++)
				assert_int_equal(f[i], 0x11);
		}
		assert_true(r.nfree <= r.nchunks);
	}
	assert_true(r.stats.completed > 100);
	assert_true(r.stats.invalid > 100);
	assert_true(r.stats.evicted > 100);
	assert_true(r.stats.expired > 100);
	lp_reasm_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_all_orders),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_lost_piece),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_gap_never_leaks),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_evict_slots),
		cmocka_unit_test(test_evict_bytes),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_too_big_and_frames),
		cmocka_unit_test(test_malformed_structs),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_random_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
