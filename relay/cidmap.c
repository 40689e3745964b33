#include "cidmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rand.h"

#define START_CAP 1024

struct slot {
	void *value; /* NULL = empty */
	uint8_t len;
	uint8_t id[LP_QUIC_CID_MAX];
};

struct cid_map {
	struct slot *slots;
	size_t mask;
	size_t used;
	uint64_t seed;
};

static size_t hash(const struct cid_map *m, const uint8_t *id, size_t len)
{
	/* FNV-1a folded with a keyed finaliser: cheap, and the seed hides the layout. */
	uint64_t h = 0xcbf29ce484222325ull ^ m->seed;
	for (size_t i = 0; i < len; i++) {
		h ^= id[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ull;
	h ^= h >> 27;
	return (size_t)h & m->mask;
}

static struct slot *find(const struct cid_map *m, const uint8_t *id, size_t len)
{
	size_t i = hash(m, id, len);
	for (;;) {
		struct slot *s = &m->slots[i];
		if (!s->value || (s->len == len && memcmp(s->id, id, len) == 0))
			return s;
		i = (i + 1) & m->mask;
	}
}

struct cid_map *cid_map_new(void)
{
	struct cid_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->slots = calloc(START_CAP, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	m->mask = START_CAP - 1;
	if (lp_random_bytes(&m->seed, sizeof(m->seed)) < 0)
		m->seed = (uint64_t)(uintptr_t)m;
	return m;
}

void cid_map_del(struct cid_map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

void *cid_map_get(const struct cid_map *m, const uint8_t *id, size_t len)
{
	if (len == 0 || len > LP_QUIC_CID_MAX)
		return NULL;
	return find(m, id, len)->value;
}

static int grow(struct cid_map *m)
{
	size_t cap = (m->mask + 1) * 2;
	struct slot *old = m->slots;
	size_t old_cap = m->mask + 1;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return LP_ERR_NOMEM;
	}
	m->mask = cap - 1;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].value)
			*find(m, old[i].id, old[i].len) = old[i];
	free(old);
	return 0;
}

int cid_map_put(struct cid_map *m, const uint8_t *id, size_t len, void *value)
{
	if (len == 0 || len > LP_QUIC_CID_MAX || !value)
		return LP_ERR_INVALID;
	if ((m->used + 1) * 2 > m->mask + 1 && grow(m) < 0)
		return LP_ERR_NOMEM;
	struct slot *s = find(m, id, len);
	if (!s->value) {
		s->len = (uint8_t)len;
		memcpy(s->id, id, len);
		m->used++;
	}
	s->value = value;
	return 0;
}

void cid_map_remove(struct cid_map *m, const uint8_t *id, size_t len, const void *value)
{
	if (len == 0 || len > LP_QUIC_CID_MAX)
		return;
	struct slot *s = find(m, id, len);
	if (!s->value || s->value != value)
		return;
	/* backward-shift deletion keeps probe runs whole without tombstones */
	size_t hole = (size_t)(s - m->slots), i = hole;
	for (;;) {
		i = (i + 1) & m->mask;
		struct slot *e = &m->slots[i];
		if (!e->value)
			break;
		size_t home = hash(m, e->id, e->len);
		if (((i - home) & m->mask) >= ((i - hole) & m->mask)) {
			m->slots[hole] = *e;
			hole = i;
		}
	}
	memset(&m->slots[hole], 0, sizeof(m->slots[hole]));
	m->used--;
}

size_t cid_map_count(const struct cid_map *m)
{
	return m->used;
}
