/*
 * quic_pool.c: the datagram slot pool behind connections' send queues.
 * Growing by chunks keeps malloc off the per-datagram path; sharing one pool
 * among a server's connections keeps idle connections free of queue memory.
 */
#include "quic_int.h"

#include <stdlib.h>

#include "err.h"

int lp_quic_dgram_pool_new(struct lp_quic_dgram_pool **out, size_t max_slots)
{
	struct lp_quic_dgram_pool *p;

	*out = NULL;
	if (max_slots == 0)
		return LP_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (!p)
		return LP_ERR_NOMEM;
	p->max_slots = max_slots;
	*out = p;
	return 0;
}

void lp_quic_dgram_pool_del(struct lp_quic_dgram_pool *p)
{
	if (!p)
		return;
	while (p->chunks) {
		struct lp_quic_dgram_chunk *next = p->chunks->next;
		free(p->chunks);
		p->chunks = next;
	}
	free(p);
}

size_t lp_quic_dgram_pool_bytes(const struct lp_quic_dgram_pool *p)
{
	size_t bytes = 0;

	for (const struct lp_quic_dgram_chunk *ch = p->chunks; ch; ch = ch->next)
		bytes += sizeof(*ch) + ch->n * sizeof(ch->slots[0]);
	return bytes;
}

static bool grow(struct lp_quic_dgram_pool *p)
{
	size_t n = p->max_slots - p->n_slots;
	struct lp_quic_dgram_chunk *ch;

	if (n == 0)
		return false;
	if (n > LP_QUIC_DGRAM_POOL_CHUNK)
		n = LP_QUIC_DGRAM_POOL_CHUNK;
	ch = malloc(sizeof(*ch) + n * sizeof(ch->slots[0]));
	if (!ch)
		return false;
	ch->n = n;
	ch->next = p->chunks;
	p->chunks = ch;
	for (size_t i = 0; i < n; i++)
		ch->slots[i].next = i + 1 < n ? &ch->slots[i + 1] : p->free;
	p->free = &ch->slots[0];
	p->n_slots += n;
	return true;
}

struct lp_quic_dgram_slot *lp_quic_dgram_pool_get(struct lp_quic_dgram_pool *p)
{
	struct lp_quic_dgram_slot *s;

	if (!p->free && !grow(p))
		return NULL;
	s = p->free;
	p->free = s->next;
	p->in_use++;
	return s;
}

void lp_quic_dgram_pool_put(struct lp_quic_dgram_pool *p, struct lp_quic_dgram_slot *first,
			    struct lp_quic_dgram_slot *last, size_t n)
{
	last->next = p->free;
	p->free = first;
	p->in_use -= n;
}
