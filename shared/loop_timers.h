/*
 * loop_timers.h: the event loop's timers, shared by its OS backends
 * (loop_linux.c, loop_windows.c): a binary min-heap of armed timers ordered
 * by (deadline, arming order). Internal to the loop: users see loop.h.
 */
#ifndef LP_LOOP_TIMERS_H
#define LP_LOOP_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"

struct lp_timer_heap {
	struct lp_timer **heap; /* min-heap on (deadline_ns, seq) */
	uint32_t n, cap, max;
	uint64_t seq; /* next timer arming number */
};

/*
 * lp_loop_timer_heap: the heap of loop l; each backend defines it, so the
 * timer functions of loop.h live once, in loop_timers.c.
 */
struct lp_timer_heap *lp_loop_timer_heap(struct lp_loop *l);

/* lp_timer_heap_init: an empty heap for up to max timers. */
void lp_timer_heap_init(struct lp_timer_heap *h, uint32_t max);

/* lp_timer_heap_free: disarm every timer left and free the heap. */
void lp_timer_heap_free(struct lp_timer_heap *h);

/*
 * lp_timer_heap_run: fire the timers due at now, in order, until one is
 * not due or *stop is set. A timer armed by a callback of this pass waits
 * for the next one even when due, so a callback that re-arms itself "now"
 * cannot spin here. Returns how many callbacks ran.
 */
unsigned lp_timer_heap_run(struct lp_timer_heap *h, struct lp_loop *l, uint64_t now,
			   const bool *stop);

/*
 * lp_timer_heap_wait_ns: how long the loop may sleep: until the first
 * deadline from now, at most max_ns; UINT64_MAX when no timer is armed.
 */
uint64_t lp_timer_heap_wait_ns(const struct lp_timer_heap *h, uint64_t now, uint64_t max_ns);

#endif
