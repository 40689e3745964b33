/*
 * agent_tick.c: the agent's periodic work on a 1 s timer: its own stats to
 * the relay every stats_interval, the traffic summary in the log, the
 * status file every 2 s (and at once on a state change), old partial
 * frames dropped; and the status snapshot all of them use.
 */
#include "agent_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "sys.h"

/* ------------------------------------------------------------ status */

static int64_t unix_now(void)
{
	return (int64_t)time(NULL);
}

static uint64_t cap53(uint64_t v)
{
	return v > LP_CTRL_INT_MAX ? LP_CTRL_INT_MAX : v;
}

void lp_agent_get_status(const struct lp_agent *a, struct lp_agent_status *out)
{
	memset(out, 0, sizeof(*out));
	out->state = a->state;
	snprintf(out->why, sizeof(out->why), "%s", a->why);
	snprintf(out->relay, sizeof(out->relay), "%s", a->relay_text);
	snprintf(out->room_name, sizeof(out->room_name), "%s", a->cfg.join.room_name);
	out->room_id = a->cfg.join.room_id;
	out->role = a->cfg.invite.role == LP_INVITE_GATEWAY ? LP_CTRL_ROLE_GATEWAY
							    : LP_CTRL_ROLE_CLIENT;
	out->member_id = a->member_id;
	out->members = a->state == LP_AGENT_CONNECTED ? a->members : 0;
	out->mtu = a->mtu ? a->mtu : a->cfg.join.mtu;
	if (a->q && a->welcomed) {
		struct lp_quic_info qi;

		lp_quic_conn_get_info(a->q, &qi);
		out->rtt_us = qi.smoothed_rtt / LP_NS_PER_US;
	}
	out->connected_since = a->state == LP_AGENT_CONNECTED ? a->connected_since : 0;
	out->reconnects = a->attempts > 0 ? a->attempts - 1 : 0;
	if (a->state == LP_AGENT_RETRYING && a->retry_at_unix_ms > 0)
		out->next_retry_ms = (uint64_t)a->retry_at_unix_ms;
	out->ctr = a->ctr;
	out->updated_at = unix_now();
	out->pid = lp_sys_pid();
	if (a->has_relay_stats) {
		const struct lp_ctrl_stats *s = &a->relay_stats;

		out->relay_up_frames = s->up_frames;
		out->relay_up_bytes = s->up_bytes;
		out->relay_down_frames = s->down_frames;
		out->relay_down_bytes = s->down_bytes;
		for (size_t i = 0; i < s->n_drops; i++)
			out->relay_drops += s->drops[i].count;
	}
}

static void status_write(struct lp_agent *a)
{
	struct lp_agent_status st;
	int r;

	a->status_dirty = false;
	a->next_status_ns = lp_now_ns() + LP_AGENT_STATUS_PERIOD_NS;
	if (!a->cfg.status_path[0])
		return;
	lp_agent_get_status(a, &st);
	r = lp_agent_status_write(a->cfg.status_path, &st);
	if (r < 0 && !a->status_warned) {
		/* Once: the agent works without it, and a full disk would flood the log. */
		log_warnx("status_file_failed path=%s error=\"%s\"", a->cfg.status_path,
			  lp_strerror(r));
		a->status_warned = true;
	} else if (r == 0) {
		a->status_warned = false;
	}
}

void lp_agent_status_changed(struct lp_agent *a)
{
	status_write(a);
}

/* ------------------------------------------------------------ periodic work */

static void send_stats(struct lp_agent *a)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_STATS };
	struct lp_ctrl_stats *s = &m.stats;
	struct lp_quic_info qi;

	lp_quic_conn_get_info(a->q, &qi);
	s->rtt_us = cap53(qi.smoothed_rtt / LP_NS_PER_US);
	s->up_frames = cap53(lp_counters_frames(&a->ctr, LP_DIR_UP));
	s->up_bytes = cap53(lp_counters_bytes(&a->ctr, LP_DIR_UP));
	s->down_frames = cap53(lp_counters_frames(&a->ctr, LP_DIR_DOWN));
	s->down_bytes = cap53(lp_counters_bytes(&a->ctr, LP_DIR_DOWN));
	s->members = a->members > LP_CTRL_MAX_MEMBERS ? LP_CTRL_MAX_MEMBERS : a->members;
	for (int i = 0; i < LP_DROP__COUNT && s->n_drops < LP_CTRL_MAX_DROPS; i++) {
		if (!a->ctr.drops[i])
			continue;
		snprintf(s->drops[s->n_drops].name, sizeof(s->drops[0].name), "%s",
			 lp_drop_name((enum lp_drop)i));
		s->drops[s->n_drops++].count = cap53(a->ctr.drops[i]);
	}
	if (lp_agent_conn_send_ctrl(a, &m) == 0)
		lp_agent_conn_kick(a);
}

static void summary(struct lp_agent *a)
{
	struct lp_counters d;
	double rtt_ms = 0;

	lp_counters_delta(&d, &a->ctr, &a->summary_base);
	a->summary_base = a->ctr;
	if (a->q && a->welcomed) {
		struct lp_quic_info qi;

		lp_quic_conn_get_info(a->q, &qi);
		rtt_ms = (double)qi.smoothed_rtt / 1e6;
	}
	log_info("traffic state=%s interval_s=%llu up_frames=%llu up_bytes=%llu down_frames=%llu "
		 "down_bytes=%llu drops=%llu rtt_ms=%.1f members=%u",
		 lp_agent_state_name(a->state),
		 (unsigned long long)(a->cfg.summary_interval_ns / LP_NS_PER_SEC),
		 (unsigned long long)lp_counters_frames(&d, LP_DIR_UP),
		 (unsigned long long)lp_counters_bytes(&d, LP_DIR_UP),
		 (unsigned long long)lp_counters_frames(&d, LP_DIR_DOWN),
		 (unsigned long long)lp_counters_bytes(&d, LP_DIR_DOWN),
		 (unsigned long long)lp_counters_drops(&d), rtt_ms,
		 a->state == LP_AGENT_CONNECTED ? a->members : 0);
}

void lp_agent_on_tick(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_agent *a = t->arg;
	uint64_t now = lp_now_ns();

	(void)loop;
	if (a->state == LP_AGENT_CONNECTED && a->q && now >= a->next_stats_ns) {
		a->next_stats_ns = now + (uint64_t)a->stats_interval_s * LP_NS_PER_SEC;
		send_stats(a);
	}
	if (now >= a->next_summary_ns) {
		a->next_summary_ns = now + a->cfg.summary_interval_ns;
		summary(a);
	}
	/* Half a tick of slack keeps the period at 2 s, not 3, against timer jitter. */
	if (a->status_dirty || now + LP_AGENT_TICK_NS / 2 >= a->next_status_ns)
		status_write(a);
	(void)lp_reasm_expire(&a->reasm, now);
	/* From the old deadline against drift, but no burst of ticks after a long block. */
	uint64_t next = lp_timer_deadline(t) + LP_AGENT_TICK_NS;
	if (next <= now)
		next = now + LP_AGENT_TICK_NS;
	(void)lp_loop_timer_arm(a->loop, &a->tick_timer, next);
}
