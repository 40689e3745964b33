/*
 * loop_timers.c: the timer half of loop.h, the same for every OS backend.
 */
#include "loop_timers.h"

#include <stdlib.h>

#include "clock.h"
#include "err.h"

#define HEAP_MIN 64u

static bool before(const struct lp_timer *a, const struct lp_timer *b)
{
	return a->deadline_ns < b->deadline_ns ||
	       (a->deadline_ns == b->deadline_ns && a->seq < b->seq);
}

static void heap_put(struct lp_timer_heap *h, uint32_t i, struct lp_timer *t)
{
	h->heap[i] = t;
	t->heap_idx = i;
}

static void sift_up(struct lp_timer_heap *h, uint32_t i)
{
	struct lp_timer *t = h->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!before(t, h->heap[parent]))
			break;
		heap_put(h, i, h->heap[parent]);
		i = parent;
	}
	heap_put(h, i, t);
}

static void sift_down(struct lp_timer_heap *h, uint32_t i)
{
	struct lp_timer *t = h->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->heap[c + 1], h->heap[c]))
			c++;
		if (!before(h->heap[c], t))
			break;
		heap_put(h, i, h->heap[c]);
		i = c;
	}
	heap_put(h, i, t);
}

/* Restore the heap order around i after heap[i] changed. */
static void heap_fix(struct lp_timer_heap *h, uint32_t i)
{
	if (i > 0 && before(h->heap[i], h->heap[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

static void heap_remove(struct lp_timer_heap *h, struct lp_timer *t)
{
	uint32_t i = t->heap_idx;
	uint32_t last = --h->n;

	t->heap_idx = LP_TIMER_IDLE;
	if (i != last) {
		heap_put(h, i, h->heap[last]);
		heap_fix(h, i);
	}
}

static int heap_grow(struct lp_timer_heap *h)
{
	if (h->cap >= h->max)
		return LP_ERR_LIMIT;
	uint32_t cap = h->cap < HEAP_MIN ? HEAP_MIN : h->cap * 2;

	if (cap > h->max)
		cap = h->max;
	struct lp_timer **heap = realloc(h->heap, (size_t)cap * sizeof(*heap));

	if (!heap)
		return LP_ERR_NOMEM;
	h->heap = heap;
	h->cap = cap;
	return 0;
}

void lp_timer_heap_init(struct lp_timer_heap *h, uint32_t max)
{
	*h = (struct lp_timer_heap){ .max = max };
}

void lp_timer_heap_free(struct lp_timer_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->heap[i]->heap_idx = LP_TIMER_IDLE;
	free(h->heap);
	*h = (struct lp_timer_heap){ 0 };
}

unsigned lp_timer_heap_run(struct lp_timer_heap *h, struct lp_loop *l, uint64_t now,
			   const bool *stop)
{
	uint64_t pass_seq = h->seq;
	unsigned ran = 0;

	while (h->n > 0 && !*stop) {
		struct lp_timer *t = h->heap[0];

		if (t->deadline_ns > now || t->seq >= pass_seq)
			break;
		heap_remove(h, t);
		ran++;
		t->cb(l, t);
	}
	return ran;
}

uint64_t lp_timer_heap_wait_ns(const struct lp_timer_heap *h, uint64_t now, uint64_t max_ns)
{
	if (h->n == 0)
		return UINT64_MAX;
	uint64_t deadline = h->heap[0]->deadline_ns;
	uint64_t wait = deadline > now ? deadline - now : 0;

	return wait > max_ns ? max_ns : wait;
}

void lp_timer_init(struct lp_timer *t, lp_timer_cb *cb, void *arg)
{
	*t = (struct lp_timer){ .heap_idx = LP_TIMER_IDLE, .cb = cb, .arg = arg };
}

int lp_loop_timer_arm(struct lp_loop *l, struct lp_timer *t, uint64_t deadline_ns)
{
	struct lp_timer_heap *h = lp_loop_timer_heap(l);

	t->deadline_ns = deadline_ns;
	t->seq = h->seq++;
	if (t->heap_idx != LP_TIMER_IDLE) {
		heap_fix(h, t->heap_idx);
		return 0;
	}
	if (h->n == h->cap) {
		int rc = heap_grow(h);

		if (rc != 0)
			return rc;
	}
	heap_put(h, h->n++, t);
	sift_up(h, t->heap_idx);
	return 0;
}

int lp_loop_timer_arm_in(struct lp_loop *l, struct lp_timer *t, uint64_t delay_ns)
{
	uint64_t now = lp_now_ns();
	uint64_t deadline = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;

	return lp_loop_timer_arm(l, t, deadline);
}

void lp_loop_timer_cancel(struct lp_loop *l, struct lp_timer *t)
{
	if (t->heap_idx != LP_TIMER_IDLE)
		heap_remove(lp_loop_timer_heap(l), t);
}

bool lp_timer_armed(const struct lp_timer *t)
{
	return t->heap_idx != LP_TIMER_IDLE;
}

uint64_t lp_timer_deadline(const struct lp_timer *t)
{
	return t->deadline_ns;
}

size_t lp_loop_timers(const struct lp_loop *l)
{
	return lp_loop_timer_heap((struct lp_loop *)l)->n;
}
