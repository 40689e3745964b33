#include "reasm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/*
 * A partial frame. off/len record each arrived piece's byte range so that
 * completion can prove the ranges cover the frame: the arena's chunks are
 * reused, and a byte no piece wrote would leak an earlier frame's data.
 */
struct lp_reasm_slot {
	uint64_t seq; /* 0: free */
	uint64_t first_ns;
	uint64_t have; /* bit i: piece i arrived */
	uint32_t id;
	uint16_t total;
	uint8_t count;
	uint8_t npieces;
	uint16_t off[LP_FRAG_MAX_COUNT];
	uint16_t len[LP_FRAG_MAX_COUNT];
};

void lp_reasm_cfg_default(struct lp_reasm_cfg *cfg)
{
	cfg->slots = LP_REASM_DEFAULT_SLOTS;
	cfg->max_frame = LP_REASM_DEFAULT_MAX_FRAME;
	cfg->max_bytes = LP_REASM_DEFAULT_MAX_BYTES;
	cfg->timeout_ns = LP_REASM_DEFAULT_TIMEOUT_NS;
}

static uint32_t chunks_for(size_t bytes)
{
	return (uint32_t)((bytes + LP_REASM_CHUNK - 1) / LP_REASM_CHUNK);
}

static bool cfg_valid(const struct lp_reasm_cfg *c)
{
	return c->slots >= 1 && c->slots <= LP_REASM_SLOTS_MAX &&
	       c->max_frame >= LP_DGRAM_FRAME_MIN && c->max_frame <= LP_DGRAM_FRAME_MAX &&
	       c->max_bytes <= LP_REASM_MAX_BYTES_MAX &&
	       c->max_bytes / LP_REASM_CHUNK >= chunks_for(c->max_frame) && c->timeout_ns > 0;
}

int lp_reasm_init(struct lp_reasm *r, const struct lp_reasm_cfg *cfg)
{
	struct lp_reasm_cfg c;

	if (!r)
		return LP_ERR_INVALID;
	memset(r, 0, sizeof(*r));
	if (cfg)
		c = *cfg;
	else
		lp_reasm_cfg_default(&c);
	if (!cfg_valid(&c))
		return LP_ERR_INVALID;
	r->nchunks = (uint32_t)(c.max_bytes / LP_REASM_CHUNK);
	r->frame_chunks = chunks_for(c.max_frame);
	c.max_bytes = (size_t)r->nchunks * LP_REASM_CHUNK;
	r->cfg = c;

	r->slots = calloc(c.slots, sizeof(*r->slots));
	r->chunk_map = calloc((size_t)c.slots * r->frame_chunks, sizeof(*r->chunk_map));
	r->chunk_free = calloc(r->nchunks, sizeof(*r->chunk_free));
	r->arena = calloc(r->nchunks, LP_REASM_CHUNK);
	r->out = malloc(c.max_frame);
	if (!r->slots || !r->chunk_map || !r->chunk_free || !r->arena || !r->out) {
		lp_reasm_free(r);
		return LP_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < r->nchunks; i++)
		r->chunk_free[i] = r->nchunks - 1 - i;
	r->nfree = r->nchunks;
	return 0;
}

void lp_reasm_free(struct lp_reasm *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r->chunk_map);
	free(r->chunk_free);
	free(r->arena);
	free(r->out);
	r->slots = NULL;
	r->chunk_map = NULL;
	r->chunk_free = NULL;
	r->arena = NULL;
	r->out = NULL;
	r->nchunks = 0;
	r->nfree = 0;
}

static uint32_t *slot_chunks(struct lp_reasm *r, unsigned i)
{
	return r->chunk_map + (size_t)i * r->frame_chunks;
}

/* A clock that went backwards gives age 0: a frame is never dropped early for it. */
static uint64_t age(uint64_t then, uint64_t now)
{
	return now > then ? now - then : 0;
}

static void remember(struct lp_reasm *r, uint32_t id, uint64_t now, bool completed)
{
	unsigned k = r->recent_next;

	r->recent[k].at_ns = now;
	r->recent[k].id = id;
	r->recent[k].used = 1;
	r->recent[k].completed = completed;
	r->recent_next = (k + 1) % LP_REASM_RECENT;
}

/* -1: not finished lately; 0: dropped; 1: completed. The newest entry for id wins. */
static int recent_state(const struct lp_reasm *r, uint32_t id, uint64_t now)
{
	for (unsigned n = 1; n <= LP_REASM_RECENT; n++) {
		unsigned k = (r->recent_next + LP_REASM_RECENT - n) % LP_REASM_RECENT;

		if (r->recent[k].used && r->recent[k].id == id &&
		    age(r->recent[k].at_ns, now) <= r->cfg.timeout_ns)
			return r->recent[k].completed;
	}
	return -1;
}

static void slot_release(struct lp_reasm *r, unsigned i)
{
	struct lp_reasm_slot *s = &r->slots[i];
	uint32_t n = chunks_for(s->total);
	uint32_t *map = slot_chunks(r, i);

	for (uint32_t c = 0; c < n; c++)
		r->chunk_free[r->nfree++] = map[c];
	s->seq = 0;
}

/* Drop a partial frame for good: its later pieces are then counted as stale. */
static void slot_drop(struct lp_reasm *r, unsigned i, uint64_t now)
{
	remember(r, r->slots[i].id, now, false);
	slot_release(r, i);
}

static int find_slot(const struct lp_reasm *r, uint32_t id)
{
	for (unsigned i = 0; i < r->cfg.slots; i++)
		if (r->slots[i].seq && r->slots[i].id == id)
			return (int)i;
	return -1;
}

/* A free slot with `need` free chunks, evicting the oldest partial frames as needed. */
static int make_room(struct lp_reasm *r, uint32_t need, uint64_t now)
{
	for (;;) {
		int free_slot = -1, oldest = -1;

		for (unsigned i = 0; i < r->cfg.slots; i++) {
			if (!r->slots[i].seq) {
				if (free_slot < 0)
					free_slot = (int)i;
			} else if (oldest < 0 || r->slots[i].seq < r->slots[oldest].seq) {
				oldest = (int)i;
			}
		}
		if (free_slot >= 0 && r->nfree >= need)
			return free_slot;
		/* cfg_valid makes the arena hold one max_frame frame, so this ends. */
		if (oldest < 0)
			return -1;
		slot_drop(r, (unsigned)oldest, now);
		r->stats.evicted++;
	}
}

static void slot_start(struct lp_reasm *r, unsigned i, const struct lp_dgram *d, uint64_t now)
{
	struct lp_reasm_slot *s = &r->slots[i];
	uint32_t n = chunks_for(d->total);
	uint32_t *map = slot_chunks(r, i);

	s->seq = ++r->seq;
	s->first_ns = now;
	s->have = 0;
	s->id = d->id;
	s->total = d->total;
	s->count = d->count;
	s->npieces = 0;
	for (uint32_t c = 0; c < n; c++)
		map[c] = r->chunk_free[--r->nfree];
}

/* Where frame byte off of slot i lives; *room: bytes from there to the chunk's end. */
static uint8_t *chunk_at(struct lp_reasm *r, unsigned i, size_t off, size_t *room)
{
	size_t in = off % LP_REASM_CHUNK;

	*room = LP_REASM_CHUNK - in;
	return r->arena + (size_t)slot_chunks(r, i)[off / LP_REASM_CHUNK] * LP_REASM_CHUNK + in;
}

static void write_piece(struct lp_reasm *r, unsigned i, size_t off, const uint8_t *src, size_t len)
{
	while (len) {
		size_t n;
		uint8_t *a = chunk_at(r, i, off, &n);

		if (n > len)
			n = len;
		memcpy(a, src, n);
		off += n;
		src += n;
		len -= n;
	}
}

/* Gather slot i's whole frame into r->out, which is contiguous unlike the chunks. */
static void gather(struct lp_reasm *r, unsigned i, size_t total)
{
	for (size_t off = 0; off < total;) {
		size_t n;
		const uint8_t *a = chunk_at(r, i, off, &n);

		if (n > total - off)
			n = total - off;
		memcpy(r->out + off, a, n);
		off += n;
	}
}

/* True when the arrived pieces' ranges leave no byte of [0, total) unwritten. */
static bool covered(const struct lp_reasm_slot *s)
{
	uint16_t off[LP_FRAG_MAX_COUNT], len[LP_FRAG_MAX_COUNT];
	unsigned n = 0;
	size_t reach = 0;

	/* Insertion sort by offset: at most 64 entries, once per frame. */
	for (unsigned k = 0; k < s->count; k++) {
		unsigned j = n++;

		while (j > 0 && off[j - 1] > s->off[k]) {
			off[j] = off[j - 1];
			len[j] = len[j - 1];
			j--;
		}
		off[j] = s->off[k];
		len[j] = s->len[k];
	}
	for (unsigned k = 0; k < n; k++) {
		if (off[k] > reach)
			return false;
		if ((size_t)off[k] + len[k] > reach)
			reach = (size_t)off[k] + len[k];
	}
	return reach == s->total;
}

static int push_frame(struct lp_reasm *r, const struct lp_dgram *d, const uint8_t **frame,
		      size_t *frame_len)
{
	if (d->len > r->cfg.max_frame) {
		r->stats.too_big++;
		return LP_ERR_TOO_BIG;
	}
	*frame = d->data;
	*frame_len = d->len;
	return 1;
}

static int push_piece(struct lp_reasm *r, const struct lp_dgram *d, uint64_t now,
		      const uint8_t **frame, size_t *frame_len)
{
	struct lp_reasm_slot *s;
	int found, prior;
	unsigned i;

	if (d->total > r->cfg.max_frame) {
		r->stats.too_big++;
		return LP_ERR_TOO_BIG;
	}
	found = find_slot(r, d->id);
	if (found < 0) {
		prior = recent_state(r, d->id, now);
		if (prior >= 0) {
			if (prior)
				r->stats.duplicates++;
			else
				r->stats.stale++;
			return 0;
		}
		found = make_room(r, chunks_for(d->total), now);
		if (found < 0) {
			r->stats.invalid++;
			return LP_ERR_STATE;
		}
		slot_start(r, (unsigned)found, d, now);
	}
	i = (unsigned)found;
	s = &r->slots[i];
	if (s->count != d->count || s->total != d->total)
		goto conflict;
	if (s->have & (1ull << d->index)) {
		if (s->off[d->index] != d->offset || s->len[d->index] != d->len)
			goto conflict;
		r->stats.duplicates++;
		return 0;
	}
	/* Overlapping ranges are allowed: the later piece's bytes win. */
	write_piece(r, i, d->offset, d->data, d->len);
	s->have |= 1ull << d->index;
	s->off[d->index] = d->offset;
	s->len[d->index] = (uint16_t)d->len;
	if (++s->npieces < s->count)
		return 0;
	if (!covered(s))
		goto conflict;
	gather(r, i, s->total);
	*frame = r->out;
	*frame_len = s->total;
	remember(r, s->id, now, true);
	slot_release(r, i);
	r->stats.completed++;
	return 1;

conflict:
	slot_drop(r, i, now);
	r->stats.invalid++;
	return LP_ERR_INVALID;
}

int lp_reasm_push(struct lp_reasm *r, const struct lp_dgram *d, uint64_t now_ns,
		  const uint8_t **frame, size_t *frame_len)
{
	int rc;

	if (!r || !r->slots)
		return LP_ERR_STATE;
	if (!frame || !frame_len)
		return LP_ERR_INVALID;
	*frame = NULL;
	*frame_len = 0;
	lp_reasm_expire(r, now_ns);
	rc = lp_dgram_check(d);
	if (rc < 0) {
		r->stats.invalid++;
		return rc;
	}
	if (d->type == LP_DGRAM_FRAME)
		return push_frame(r, d, frame, frame_len);
	return push_piece(r, d, now_ns, frame, frame_len);
}

int lp_reasm_expire(struct lp_reasm *r, uint64_t now_ns)
{
	int n = 0;

	if (!r || !r->slots)
		return 0;
	for (unsigned i = 0; i < r->cfg.slots; i++) {
		if (r->slots[i].seq && age(r->slots[i].first_ns, now_ns) > r->cfg.timeout_ns) {
			slot_drop(r, i, now_ns);
			r->stats.expired++;
			n++;
		}
	}
	return n;
}

uint64_t lp_reasm_next_expiry(const struct lp_reasm *r)
{
	uint64_t next = UINT64_MAX;

	if (!r || !r->slots)
		return next;
	for (unsigned i = 0; i < r->cfg.slots; i++) {
		const struct lp_reasm_slot *s = &r->slots[i];
		uint64_t t;

		if (!s->seq)
			continue;
		t = s->first_ns + r->cfg.timeout_ns;
		/* Saturate: a deadline past the end of time is "never". */
		t = t < s->first_ns || t == UINT64_MAX ? UINT64_MAX : t + 1;
		if (t < next)
			next = t;
	}
	return next;
}

unsigned lp_reasm_pending(const struct lp_reasm *r)
{
	unsigned n = 0;

	if (!r || !r->slots)
		return 0;
	for (unsigned i = 0; i < r->cfg.slots; i++)
		if (r->slots[i].seq)
			n++;
	return n;
}
