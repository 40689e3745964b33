#include "ratelimit.h"

#include <stddef.h>

#include "clock.h"
#include "err.h"

static void set_unlimited(struct lp_ratelimit *rl)
{
	*rl = (struct lp_ratelimit){ 0 };
}

/* The bucket arithmetic needs cap + inc <= UINT64_MAX; see refill(). */
static bool fits(uint64_t burst, uint64_t scale, uint64_t inc)
{
	return scale != 0 && burst <= (UINT64_MAX - inc) / scale;
}

int lp_ratelimit_init(struct lp_ratelimit *rl, uint64_t rate_per_s, uint64_t burst)
{
	set_unlimited(rl);
	if (rate_per_s == 0)
		return 0;
	if (rate_per_s > LP_RATELIMIT_MAX || burst > LP_RATELIMIT_MAX || burst == 0)
		return LP_ERR_INVALID;
	rl->scale = LP_NS_PER_SEC;
	rl->inc = rate_per_s;
	rl->burst = burst;
	rl->cap = burst * rl->scale;
	rl->level = rl->cap;
	return 0;
}

int lp_ratelimit_init_interval(struct lp_ratelimit *rl, uint64_t count, uint64_t interval_ns)
{
	set_unlimited(rl);
	if (count == 0)
		return 0;
	if (count > LP_RATELIMIT_MAX || !fits(count, interval_ns, count))
		return LP_ERR_INVALID;
	rl->scale = interval_ns;
	rl->inc = count;
	rl->burst = count;
	rl->cap = count * interval_ns;
	rl->level = rl->cap;
	return 0;
}

int lp_ratelimit_set(struct lp_ratelimit *rl, uint64_t rate_per_s, uint64_t burst)
{
	struct lp_ratelimit next;
	int rc = lp_ratelimit_init(&next, rate_per_s, burst);

	if (rc != 0)
		return rc;
	if (!lp_ratelimit_unlimited(rl) && !lp_ratelimit_unlimited(&next) &&
	    rl->scale == next.scale) {
		next.level = rl->level < next.cap ? rl->level : next.cap;
		next.last_ns = rl->last_ns;
	}
	*rl = next;
	return 0;
}

bool lp_ratelimit_unlimited(const struct lp_ratelimit *rl)
{
	return rl->inc == 0;
}

/*
 * Bring the level up to now_ns. elapsed * inc is only computed when it is at
 * most cap - level, so it cannot overflow; past that the bucket is full.
 */
static void refill(struct lp_ratelimit *rl, uint64_t now_ns)
{
	if (now_ns <= rl->last_ns)
		return;
	uint64_t elapsed = now_ns - rl->last_ns;
	uint64_t room = rl->cap - rl->level;

	rl->last_ns = now_ns;
	if (elapsed > room / rl->inc)
		rl->level = rl->cap;
	else
		rl->level += elapsed * rl->inc;
}

bool lp_ratelimit_allow(struct lp_ratelimit *rl, uint64_t now_ns, uint64_t cost)
{
	if (rl->inc == 0)
		return true;
	if (cost > rl->burst)
		return false;
	refill(rl, now_ns);
	uint64_t need = cost * rl->scale;

	if (rl->level < need)
		return false;
	rl->level -= need;
	return true;
}

uint64_t lp_ratelimit_tokens(struct lp_ratelimit *rl, uint64_t now_ns)
{
	if (rl->inc == 0)
		return UINT64_MAX;
	refill(rl, now_ns);
	return rl->level / rl->scale;
}
