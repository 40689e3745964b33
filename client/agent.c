/*
 * agent.c: the agent's life cycle: the room config, connection attempts
 * with backoff, the welcome, the end of a connection (retry or stop), the
 * clean stop. The periodic work is in agent_tick.c.
 */
#include "agent_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "mtu.h"
#include "rand.h"
#include "sys.h"
#include "tls.h"

static void state_set(struct lp_agent *a, enum lp_agent_state s)
{
	a->state = s;
	lp_agent_status_changed(a);
}

/* ------------------------------------------------------------ attempts */

static void attempt(struct lp_agent *a);

static void apply_join(struct lp_agent *a)
{
	const struct lp_join_config *j = &a->cfg.join;
	bool v6 = strchr(j->quic_host, ':') != NULL;

	a->cfg.has_join = true;
	snprintf(a->relay_text, sizeof(a->relay_text), "%s%s%s:%u", v6 ? "[" : "", j->quic_host,
		 v6 ? "]" : "", j->quic_port);
	if (!a->mtu)
		a->mtu = j->mtu;
	a->frame_max = lp_mtu_frame_max(a->mtu);
}

/* Stop for good: the relay or the config said retrying cannot help. */
static void stop_final(struct lp_agent *a, const char *why)
{
	char q[2 * LP_CTRL_MESSAGE_MAX + 3];

	snprintf(a->why, sizeof(a->why), "%s", why);
	log_error("stopped reason=final why=%s hint=\"retrying cannot fix this\"",
		  lp_log_quote(q, sizeof(q), why));
	a->exit_code = LP_AGENT_EXIT_FINAL;
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	lp_loop_timer_cancel(a->loop, &a->tick_timer);
	state_set(a, LP_AGENT_STOPPED);
	lp_loop_stop(a->loop);
}

static void retry_later(struct lp_agent *a, bool was_connected, uint32_t min_delay_s,
			const char *why)
{
	uint64_t now = lp_now_ns(), delay;
	uint32_t rnd = 0;
	char q[2 * LP_CTRL_MESSAGE_MAX + 3];

	snprintf(a->why, sizeof(a->why), "%s", why);
	(void)lp_random_bytes(&rnd, sizeof(rnd));
	/* A connection that held for a while starts the backoff over. */
	if (was_connected && now - a->connected_ns >= LP_AGENT_STABLE_NS)
		a->attempt = 0;
	delay = lp_agent_backoff(a->attempt, a->cfg.backoff_min_ns, a->cfg.backoff_max_ns, rnd);
	if (a->attempt < 64)
		a->attempt++;
	if ((uint64_t)min_delay_s * LP_NS_PER_SEC > delay)
		delay = (uint64_t)min_delay_s * LP_NS_PER_SEC;
	a->retry_at_ns = now + delay;
	a->retry_at_unix_ms = (int64_t)(lp_wall_ns() / LP_NS_PER_MS + delay / LP_NS_PER_MS);
	lp_log_quote(q, sizeof(q), why);
	if (was_connected)
		log_warnx("disconnected why=%s retry_in_ms=%llu", q,
			  (unsigned long long)(delay / LP_NS_PER_MS));
	else
		log_warnx("connect_failed why=%s attempt=%u retry_in_ms=%llu", q, a->attempts,
			  (unsigned long long)(delay / LP_NS_PER_MS));
	(void)lp_loop_timer_arm(a->loop, &a->state_timer, a->retry_at_ns);
	state_set(a, LP_AGENT_RETRYING);
}

/* The attempt or the connection is over for the reason in a->end (or why). */
static void ended(struct lp_agent *a, bool final, uint32_t min_delay_s, const char *why)
{
	bool was_connected = a->welcomed;

	lp_agent_conn_teardown(a);
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	a->members = 0;
	if (was_connected && a->dev.on_disconnected)
		a->dev.on_disconnected(a->dev.ctx);
	if (a->stopping || a->stop_requested) {
		/* A stop asked for while the connection was ending: nothing left to wait for. */
		a->stop_requested = false;
		a->stopping = true;
		lp_agent_stop_progress(a);
		return;
	}
	if (final)
		stop_final(a, why);
	else
		retry_later(a, was_connected, min_delay_s, why);
}

void lp_agent_conn_ended(struct lp_agent *a)
{
	struct lp_agent_end e = a->end;

	lp_agent_conn_close(a, LP_QUIC_APP_NO_ERROR, NULL);
	lp_agent_conn_write(a); /* our CONNECTION_CLOSE, if any */
	ended(a, e.final, e.min_delay_s, e.why);
}

static void attempt(struct lp_agent *a)
{
	char err[LP_CTRL_MESSAGE_MAX + 1] = "";
	uint64_t now = lp_now_ns();
	int r;

	a->attempts++;
	if (!a->cfg.has_join) {
		bool v6 = a->cfg.invite.host_type == LP_INVITE_HOST_IPV6;
		uint32_t ra = 0;

		log_info("fetching_config api=https://%s%s%s:%u", v6 ? "[" : "", a->cfg.invite.host,
			 v6 ? "]" : "", a->cfg.invite.api_port);
		r = lp_agent_fetch_config_ra(&a->cfg.invite, LP_AGENT_FETCH_TIMEOUT_MS,
					     &a->cfg.join, &ra, err, sizeof(err));
		if (r < 0) {
			if (ra == 0 && r == LP_ERR_LIMIT)
				ra = 60;
			ended(a, r == LP_ERR_NOT_FOUND || r == LP_ERR_STATE, ra, err);
			return;
		}
		apply_join(a);
	}
	if (a->addr_next >= a->n_addrs) {
		/* Look the name up again once every address has been tried. */
		r = lp_net_resolve(a->cfg.join.quic_host, a->cfg.join.quic_port, a->addrs,
				   LP_NET_ADDRS_MAX, &a->n_addrs, err, sizeof(err));
		a->addr_next = 0;
		if (r < 0) {
			a->n_addrs = 0;
			ended(a, false, 0, err);
			return;
		}
	}
	r = lp_agent_conn_open(a, &a->addrs[a->addr_next++], err, sizeof(err));
	if (r < 0) {
		ended(a, false, 0, err);
		return;
	}
	a->attempt_started_ns = now;
	(void)lp_loop_timer_arm(a->loop, &a->state_timer, now + LP_AGENT_ANSWER_TIMEOUT_NS);
	log_info("connecting relay=%s attempt=%u", a->relay_text, a->attempts);
	state_set(a, LP_AGENT_CONNECTING);
	lp_agent_conn_after_io(a);
}

static void on_state_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_agent *a = t->arg;

	(void)loop;
	if (a->stopping) {
		/* The grace period is over: close whether or not "leaving" was acknowledged. */
		a->stop_grace_over = true;
		lp_agent_stop_progress(a);
		return;
	}
	switch (a->state) {
	case LP_AGENT_RETRYING:
		attempt(a);
		break;
	case LP_AGENT_CONNECTING:
		lp_agent_end_set(a, false, 0, "no answer from the relay at %s in %llu s",
				 a->relay_text,
				 (unsigned long long)(LP_AGENT_ANSWER_TIMEOUT_NS / LP_NS_PER_SEC));
		lp_agent_conn_close(a, LP_QUIC_APP_NO_ERROR, NULL);
		lp_agent_conn_after_io(a);
		break;
	case LP_AGENT_CONNECTED:
	case LP_AGENT_STOPPED:
	default:
		break;
	}
}

/* ------------------------------------------------------------ welcome */

/* value, quoted when it holds anything a key=value reader would split on. */
static const char *logval(char *buf, size_t len, const char *s)
{
	if (s[0] && !strpbrk(s, " \"=\\"))
		return s;
	return lp_log_quote(buf, len, s);
}

void lp_agent_on_welcome(struct lp_agent *a, const struct lp_ctrl_welcome *w)
{
	char room[2 * LP_CTRL_NAME_MAX + 3];
	struct lp_quic_info qi;
	uint64_t now = lp_now_ns();

	a->welcomed = true;
	log_debug("welcome member=%u resume_presented=%s", w->member_id,
		  a->resume[0] ? "yes" : "no");
	/* The secret of this session, presented again on every reconnect. */
	memcpy(a->resume, w->resume, sizeof(a->resume));
	a->member_id = w->member_id;
	a->members = (uint32_t)w->n_members;
	lp_roster_reset(&a->roster);
	for (size_t i = 0; i < w->n_members; i++)
		if (w->members[i].id != w->member_id)
			(void)lp_roster_add(&a->roster, &w->members[i]);
	if (a->mtu && w->mtu != a->mtu)
		log_warnx("room_mtu_changed from=%u to=%u", a->mtu, w->mtu);
	a->mtu = w->mtu;
	a->frame_max = lp_mtu_frame_max(a->mtu);
	a->mss_budget = 0;
	a->stats_interval_s = w->stats_interval ? w->stats_interval : 10;
	a->connected_ns = now;
	/* The relay's counters are per session: its last report is void now. */
	a->has_relay_stats = false;
	memset(&a->relay_stats, 0, sizeof(a->relay_stats));
	a->connected_since = (int64_t)time(NULL);
	a->next_stats_ns = now + (uint64_t)a->stats_interval_s * LP_NS_PER_SEC;
	a->why[0] = '\0';
	snprintf(a->cfg.join.room_name, sizeof(a->cfg.join.room_name), "%s", w->room_name);
	a->cfg.join.room_id = (int64_t)w->room_id;
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	lp_quic_conn_get_info(a->q, &qi);
	log_info("connected room=%s role=%s mtu=%u rtt_ms=%.1f members=%u relay=%s member=%u",
		 logval(room, sizeof(room), w->room_name),
		 a->cfg.invite.role == LP_INVITE_GATEWAY ? "gateway" : "client", a->mtu,
		 (double)qi.smoothed_rtt / 1e6, a->members, a->relay_text, a->member_id);
	state_set(a, LP_AGENT_CONNECTED);
	if (a->dev.on_welcome)
		a->dev.on_welcome(a->dev.ctx, w);
}

/* ------------------------------------------------------------ stop */

static void finish_stop(struct lp_agent *a)
{
	if (a->q) {
		lp_agent_conn_close(a, lp_disconnect_close_code(LP_DISCONNECT_LEAVING), "leaving");
		lp_agent_conn_write(a); /* the CONNECTION_CLOSE goes out now */
		lp_agent_conn_teardown(a);
	}
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	lp_loop_timer_cancel(a->loop, &a->tick_timer);
	a->exit_code = LP_AGENT_EXIT_OK;
	snprintf(a->why, sizeof(a->why), "the agent left the room");
	log_info("stopped reason=leaving up_bytes=%llu down_bytes=%llu",
		 (unsigned long long)lp_counters_bytes(&a->ctr, LP_DIR_UP),
		 (unsigned long long)lp_counters_bytes(&a->ctr, LP_DIR_DOWN));
	state_set(a, LP_AGENT_STOPPED);
	lp_loop_stop(a->loop);
}

void lp_agent_stop_progress(struct lp_agent *a)
{
	if (a->busy)
		return;
	if (a->stop_requested && !a->stopping) {
		a->stop_requested = false;
		lp_agent_stop(a);
		return;
	}
	if (!a->stopping || a->state == LP_AGENT_STOPPED)
		return;
	/* Leave once the relay has "leaving" (acknowledged), or the grace is over. */
	if (!a->q || !a->stop_sent || a->stop_grace_over || lp_quic_conn_is_closed(a->q) ||
	    lp_quic_conn_stream_pending(a->q) == 0)
		finish_stop(a);
}

void lp_agent_stop(struct lp_agent *a)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_DISCONNECT };
	char room[2 * LP_CTRL_NAME_MAX + 3];

	if (!a)
		return;
	if (a->busy) {
		a->stop_requested = true;
		lp_agent_conn_kick(a);
		return;
	}
	if (a->state == LP_AGENT_STOPPED) {
		lp_loop_stop(a->loop);
		return;
	}
	if (a->stopping) {
		/* A second signal: leave at once. */
		a->stop_grace_over = true;
		lp_agent_stop_progress(a);
		return;
	}
	a->stopping = true;
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	if (a->q && a->welcomed && lp_quic_conn_is_open(a->q)) {
		m.disconnect.reason = LP_DISCONNECT_LEAVING;
		if (lp_agent_conn_send_ctrl(a, &m) == 0)
			a->stop_sent = true;
		log_info("leaving room=%s", logval(room, sizeof(room), a->cfg.join.room_name));
		(void)lp_loop_timer_arm(a->loop, &a->state_timer,
					lp_now_ns() + LP_AGENT_STOP_GRACE_NS);
		lp_agent_conn_after_io(a);
		return;
	}
	finish_stop(a);
}

void lp_agent_reconnect(struct lp_agent *a)
{
	if (!a || !a->q || !a->welcomed || a->stopping || a->busy)
		return;
	/* No CONNECTION_CLOSE: that would end the session the resume takes over. */
	lp_agent_conn_teardown(a);
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	a->members = 0;
	if (a->dev.on_disconnected)
		a->dev.on_disconnected(a->dev.ctx);
	log_info("reconnecting why=\"asked to (network change)\"");
	a->addr_next = a->n_addrs; /* the network changed: look the name up again */
	attempt(a);
}

/* ------------------------------------------------------------ life cycle */

static int check_cfg(const struct lp_agent_cfg *c)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_HELLO };
	struct lp_ctrl_hello *h = &m.hello;

	if (c->invite.role != LP_INVITE_CLIENT && c->invite.role != LP_INVITE_GATEWAY)
		return LP_ERR_INVALID;
	if (!c->invite.host[0] || !c->invite.port || !c->invite.api_port)
		return LP_ERR_INVALID;
	if (c->has_join &&
	    (!c->join.quic_host[0] || !c->join.quic_port || !lp_mtu_valid((int64_t)c->join.mtu)))
		return LP_ERR_INVALID;
	/* The hello this config makes must pass the relay's own checks. */
	h->version = LP_PROTO_VERSION;
	h->role = c->invite.role == LP_INVITE_GATEWAY ? LP_CTRL_ROLE_GATEWAY : LP_CTRL_ROLE_CLIENT;
	memcpy(h->code, c->invite.code, sizeof(h->code));
	h->has_mac = c->has_mac;
	h->mac = c->mac;
	h->datagram_budget = LP_CTRL_BUDGET_MIN;
	memcpy(h->agent, c->agent, sizeof(h->agent));
	if (!h->agent[0])
		snprintf(h->agent, sizeof(h->agent), "softlan-agent/%s", LP_VERSION);
	memcpy(h->name, c->name, sizeof(h->name));
	memcpy(h->resume, c->resume, sizeof(h->resume));
	h->code[sizeof(h->code) - 1] = h->agent[sizeof(h->agent) - 1] = '\0';
	h->name[sizeof(h->name) - 1] = h->resume[sizeof(h->resume) - 1] = '\0';
	int r = lp_ctrl_check(&m, NULL, 0);

	explicit_bzero(&m, sizeof(m)); /* the code and the resume secret */
	return r;
}

int lp_agent_new(struct lp_agent **out, struct lp_loop *loop, const struct lp_agent_cfg *cfg,
		 const struct lp_agent_device *dev)
{
	struct lp_reasm_cfg rc;
	struct lp_agent *a;
	int r;

	*out = NULL;
	if (!loop || !cfg || (r = check_cfg(cfg)) < 0)
		return LP_ERR_INVALID;
	a = calloc(1, sizeof(*a));
	if (!a)
		return LP_ERR_NOMEM;
	a->loop = loop;
	a->cfg = *cfg;
	if (dev)
		a->dev = *dev;
	memcpy(a->resume, a->cfg.resume, sizeof(a->resume));
	explicit_bzero(a->cfg.resume, sizeof(a->cfg.resume));
	if (!a->cfg.agent[0])
		snprintf(a->cfg.agent, sizeof(a->cfg.agent), "softlan-agent/%s", LP_VERSION);
	if (!a->cfg.summary_interval_ns)
		a->cfg.summary_interval_ns = LP_AGENT_SUMMARY_NS;
	a->exit_code = LP_AGENT_EXIT_ERROR;
	a->state = LP_AGENT_CONNECTING;
	snprintf(a->why, sizeof(a->why), "not started");
	snprintf(a->relay_text, sizeof(a->relay_text), "%s%s%s:%u",
		 a->cfg.invite.host_type == LP_INVITE_HOST_IPV6 ? "[" : "", a->cfg.invite.host,
		 a->cfg.invite.host_type == LP_INVITE_HOST_IPV6 ? "]" : "", a->cfg.invite.port);
	if (a->cfg.has_join)
		apply_join(a);
	lp_timer_init(&a->state_timer, on_state_timer, a);
	lp_timer_init(&a->tick_timer, lp_agent_on_tick, a);
	lp_agent_conn_timers_init(a);
	lp_ctrl_reader_init(&a->reader, a->reader_buf, sizeof(a->reader_buf));
	lp_reasm_cfg_default(&rc);
	rc.max_frame = LP_AGENT_FRAME_MAX;
	rc.max_bytes = 4 * LP_AGENT_FRAME_MAX;
	r = LP_ERR_NOMEM;
	a->tx = malloc(LP_AGENT_TX_BUF);
	a->scratch = malloc(LP_AGENT_FRAME_MAX);
	if (!a->tx || !a->scratch || lp_reasm_init(&a->reasm, &rc) < 0)
		goto fail;
	if (a->cfg.invite.has_pin) {
		r = lp_tls_creds_client_pinned_new(a->cfg.invite.pin, &a->creds);
	} else {
		char why[LP_TLS_WHY_LEN];

		r = lp_tls_creds_client_system_new(&a->creds, why, sizeof(why));
		if (r < 0)
			log_error("no_trust_store error=\"%s\"", why);
	}
	if (r < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	lp_agent_del(a);
	return r;
}

void lp_agent_del(struct lp_agent *a)
{
	if (!a)
		return;
	if (a->q && !lp_quic_conn_is_closed(a->q)) {
		lp_agent_conn_close(a, lp_disconnect_close_code(LP_DISCONNECT_LEAVING), "leaving");
		lp_agent_conn_write(a);
	}
	lp_agent_conn_teardown(a);
	lp_loop_timer_cancel(a->loop, &a->state_timer);
	lp_loop_timer_cancel(a->loop, &a->tick_timer);
	lp_reasm_free(&a->reasm);
	lp_tls_creds_unref(a->creds);
	explicit_bzero(a->resume, sizeof(a->resume));
	explicit_bzero(&a->cfg.invite, sizeof(a->cfg.invite));
	free(a->tx);
	free(a->scratch);
	free(a);
}

int lp_agent_start(struct lp_agent *a)
{
	uint64_t now = lp_now_ns();

	if (!a || a->started)
		return LP_ERR_STATE;
	a->started = true;
	a->next_summary_ns = now + a->cfg.summary_interval_ns;
	a->next_status_ns = now;
	(void)lp_loop_timer_arm(a->loop, &a->tick_timer, now + LP_AGENT_TICK_NS);
	attempt(a);
	return 0;
}

int lp_agent_exit_code(const struct lp_agent *a)
{
	return a ? a->exit_code : LP_AGENT_EXIT_ERROR;
}

const struct lp_join_config *lp_agent_join(const struct lp_agent *a)
{
	return a->cfg.has_join ? &a->cfg.join : NULL;
}

enum lp_agent_state lp_agent_state(const struct lp_agent *a)
{
	return a->state;
}
