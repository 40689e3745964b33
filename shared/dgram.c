#include "dgram.h"

#include <string.h>

#include "err.h"

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool frame_len_ok(size_t len)
{
	return len >= LP_DGRAM_FRAME_MIN && len <= LP_DGRAM_FRAME_MAX;
}

/* The rules shared by decode and encode, so that encode never writes what decode refuses. */
static int check(const struct lp_dgram *d)
{
	if (d->type == LP_DGRAM_FRAME)
		return frame_len_ok(d->len) ? 0 : LP_ERR_INVALID;
	if (d->type != LP_DGRAM_FRAGMENT)
		return LP_ERR_UNSUPPORTED;
	if (d->count < LP_FRAG_MIN_COUNT || d->count > LP_FRAG_MAX_COUNT || d->index >= d->count)
		return LP_ERR_INVALID;
	if (!frame_len_ok(d->total) || d->len == 0 || d->len > d->total ||
	    d->offset > d->total - d->len)
		return LP_ERR_INVALID;
	return 0;
}

int lp_dgram_decode(const uint8_t *d, size_t len, struct lp_dgram *out)
{
	struct lp_dgram g = { 0 };
	int rc;

	if (!d || len < 1)
		return LP_ERR_INVALID;
	if (d[0] >> 4 != LP_DGRAM_VERSION)
		return LP_ERR_VERSION;
	switch (d[0] & 0x0f) {
	case LP_DGRAM_FRAME:
		g.type = LP_DGRAM_FRAME;
		g.data = d + LP_DGRAM_HDR_FRAME;
		g.len = len - LP_DGRAM_HDR_FRAME;
		break;
	case LP_DGRAM_FRAGMENT:
		if (len < LP_DGRAM_HDR_FRAGMENT)
			return LP_ERR_INVALID;
		g.type = LP_DGRAM_FRAGMENT;
		g.id = get_u32(d + 1);
		g.index = d[5];
		g.count = d[6];
		g.total = get_u16(d + 7);
		g.offset = get_u16(d + 9);
		g.data = d + LP_DGRAM_HDR_FRAGMENT;
		g.len = len - LP_DGRAM_HDR_FRAGMENT;
		break;
	default:
		return LP_ERR_UNSUPPORTED;
	}
	rc = check(&g);
	if (rc < 0)
		return rc;
	*out = g;
	return 0;
}

int lp_dgram_check(const struct lp_dgram *d)
{
	if (!d || (d->len && !d->data))
		return LP_ERR_INVALID;
	return check(d);
}

ssize_t lp_dgram_encode(const struct lp_dgram *d, uint8_t *out, size_t outlen)
{
	size_t hdr;

	if (lp_dgram_check(d) < 0)
		return LP_ERR_INVALID;
	hdr = d->type == LP_DGRAM_FRAME ? LP_DGRAM_HDR_FRAME : LP_DGRAM_HDR_FRAGMENT;
	if (!out || outlen < hdr || outlen - hdr < d->len)
		return LP_ERR_NOBUF;
	out[0] = LP_DGRAM_BYTE0(d->type);
	if (d->type == LP_DGRAM_FRAGMENT) {
		put_u32(out + 1, d->id);
		out[5] = d->index;
		out[6] = d->count;
		put_u16(out + 7, d->total);
		put_u16(out + 9, d->offset);
	}
	memcpy(out + hdr, d->data, d->len);
	return (ssize_t)(hdr + d->len);
}

ssize_t lp_dgram_encode_frame(const uint8_t *frame, size_t len, uint8_t *out, size_t outlen)
{
	struct lp_dgram d = { .type = LP_DGRAM_FRAME, .data = frame, .len = len };

	return lp_dgram_encode(&d, out, outlen);
}

int lp_dgram_split_count(size_t len, size_t budget)
{
	size_t cap, n;

	if (!frame_len_ok(len))
		return LP_ERR_INVALID;
	if (budget > LP_DGRAM_HDR_FRAME && len <= budget - LP_DGRAM_HDR_FRAME)
		return 1;
	if (budget <= LP_DGRAM_HDR_FRAGMENT)
		return LP_ERR_TOO_BIG;
	cap = budget - LP_DGRAM_HDR_FRAGMENT;
	n = (len + cap - 1) / cap;
	/* len > budget - 1 >= cap, so n >= 2 here. */
	if (n > LP_FRAG_MAX_COUNT)
		return LP_ERR_TOO_BIG;
	return (int)n;
}

size_t lp_dgram_frame_max(size_t budget)
{
	size_t whole, split = 0, max;

	whole = budget > LP_DGRAM_HDR_FRAME ? budget - LP_DGRAM_HDR_FRAME : 0;
	if (budget > LP_DGRAM_HDR_FRAGMENT) {
		size_t cap = budget - LP_DGRAM_HDR_FRAGMENT;

		/* Guard the multiplication: a cap past the format's limit allows it all. */
		split = cap >= LP_DGRAM_FRAME_MAX ? LP_DGRAM_FRAME_MAX : cap * LP_FRAG_MAX_COUNT;
	}
	max = whole > split ? whole : split;
	if (max > LP_DGRAM_FRAME_MAX)
		max = LP_DGRAM_FRAME_MAX;
	return max < LP_DGRAM_FRAME_MIN ? 0 : max;
}

int lp_dgram_split_init(struct lp_dgram_split *s, const uint8_t *frame, size_t len, size_t budget,
			uint32_t id)
{
	int n;

	if (!s)
		return LP_ERR_INVALID;
	memset(s, 0, sizeof(*s));
	if (!frame)
		return LP_ERR_INVALID;
	n = lp_dgram_split_count(len, budget);
	if (n < 0)
		return n;
	s->frame = frame;
	s->len = len;
	s->id = id;
	s->count = (uint8_t)n;
	/* Even pieces: len = base * n + extra, the first `extra` pieces carry base + 1. */
	s->base = (uint16_t)(len / (size_t)n);
	s->extra = (uint8_t)(len % (size_t)n);
	return 0;
}

ssize_t lp_dgram_split_next(struct lp_dgram_split *s, uint8_t *out, size_t outlen)
{
	struct lp_dgram d = { 0 };
	ssize_t n;

	if (!s || s->count == 0)
		return LP_ERR_STATE;
	if (s->next >= s->count)
		return 0;
	if (s->count == 1) {
		d.type = LP_DGRAM_FRAME;
		d.data = s->frame;
		d.len = s->len;
	} else {
		d.type = LP_DGRAM_FRAGMENT;
		d.id = s->id;
		d.index = s->next;
		d.count = s->count;
		d.total = (uint16_t)s->len;
		d.offset = (uint16_t)s->off;
		d.data = s->frame + s->off;
		d.len = (size_t)s->base + (s->next < s->extra ? 1 : 0);
	}
	n = lp_dgram_encode(&d, out, outlen);
	if (n < 0)
		return n;
	s->off += d.len;
	s->next++;
	return n;
}
