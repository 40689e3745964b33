/*
 * ratelimit.h: a token bucket in integer arithmetic.
 *
 * Used for storm control on the relay (per-member broadcast frames/s and
 * bytes/s) and for rate-limited log lines. Pure: the caller passes the time
 * (monotonic nanoseconds, see clock.h), so tests drive it directly.
 *
 * The level is kept in "units" where one token is `scale` units and every
 * nanosecond adds `inc` units. With rate r per second, scale = 10^9 and
 * inc = r: each nanosecond adds exactly r/10^9 tokens, so nothing is rounded
 * away and the limit does not drift however often it is called. With n per
 * interval, scale = interval_ns and inc = n, which also covers fractional
 * per-second rates (1 line per minute). All checks are O(1) and overflow-free
 * within the limits below.
 */
#ifndef LP_RATELIMIT_H
#define LP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Largest rate (per second) and burst accepted: 2^32, i.e. 34 Gbit/s in bytes. */
#define LP_RATELIMIT_MAX (1ull << 32)

/* Fields are private: use the functions below. inc == 0 means unlimited. */
struct lp_ratelimit {
	uint64_t level;	  /* units in the bucket, <= cap */
	uint64_t cap;	  /* burst * scale */
	uint64_t burst;	  /* cap in tokens */
	uint64_t scale;	  /* units per token */
	uint64_t inc;	  /* units added per nanosecond */
	uint64_t last_ns; /* time level was last brought up to date */
};

/*
 * Static initialiser for count tokens per interval_ns, starting full, for
 * rate limiters that live in static storage (one per log call site). Both
 * arguments must be constants within the limits of lp_ratelimit_init_interval.
 */
#define LP_RATELIMIT_INIT_INTERVAL(count, interval_ns)                                             \
	{                                                                                          \
		.level = (uint64_t)(count) * (uint64_t)(interval_ns),                              \
		.cap = (uint64_t)(count) * (uint64_t)(interval_ns), .burst = (uint64_t)(count),    \
		.scale = (uint64_t)(interval_ns), .inc = (uint64_t)(count), .last_ns = 0           \
	}

/*
 * lp_ratelimit_init: rate_per_s tokens per second, at most burst at once.
 * The bucket starts full. rate_per_s == 0 means unlimited (burst ignored).
 * Returns 0, or LP_ERR_INVALID when rate_per_s or burst exceeds
 * LP_RATELIMIT_MAX or a limited bucket has burst 0; rl is then unlimited.
 */
int lp_ratelimit_init(struct lp_ratelimit *rl, uint64_t rate_per_s, uint64_t burst);

/*
 * lp_ratelimit_init_interval: count tokens per interval_ns, burst count, the
 * bucket starting full (e.g. 10 log lines per 5 s). count == 0 means
 * unlimited. Returns 0, or LP_ERR_INVALID when count > LP_RATELIMIT_MAX,
 * interval_ns is 0, or (count + 1) * interval_ns does not fit in 64 bits
 * (about 584 years for one token); rl is then unlimited.
 */
int lp_ratelimit_init_interval(struct lp_ratelimit *rl, uint64_t count, uint64_t interval_ns);

/*
 * lp_ratelimit_set: change the limits of a per-second bucket at run time (a
 * room's limits edited by the organiser) without refilling it: the level is
 * kept, clipped to the new burst; a bucket that was unlimited, or set up with
 * lp_ratelimit_init_interval, starts full. Same arguments and errors as
 * lp_ratelimit_init; on error rl is left unchanged.
 */
int lp_ratelimit_set(struct lp_ratelimit *rl, uint64_t rate_per_s, uint64_t burst);

/*
 * lp_ratelimit_allow: take cost tokens at time now_ns (monotonic) if the
 * bucket holds them. Returns true (tokens taken) or false (nothing taken).
 * Always true when unlimited. A cost above the burst never passes, so set the
 * burst of a byte limit to at least the largest frame. A now_ns earlier than
 * a previous call adds nothing.
 */
bool lp_ratelimit_allow(struct lp_ratelimit *rl, uint64_t now_ns, uint64_t cost);

/* lp_ratelimit_unlimited: true when rl lets everything through. */
bool lp_ratelimit_unlimited(const struct lp_ratelimit *rl);

/*
 * lp_ratelimit_tokens: whole tokens available at now_ns (refills rl up to
 * now_ns first); UINT64_MAX when unlimited. For statistics and tests.
 */
uint64_t lp_ratelimit_tokens(struct lp_ratelimit *rl, uint64_t now_ns);

#endif
