/*
 * flush.c: what goes to the store on a timer, never per frame: each room's
 * counter totals, a sample per room and minute for the charts, and the
 * traffic of live sessions, in one transaction. Also the periodic stats
 * message to every member.
 */
#include "relay.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

#define NAMES_PER_ROOM (LP_DIR__COUNT * LP_CAST__COUNT * 2 + LP_DROP__COUNT)

static struct lp_log_rl flush_rl = LP_LOG_RL_INIT(2, 60);

static void traffic_of(const struct lp_counters *c, struct lp_store_traffic *t)
{
	t->up_frames = lp_counters_frames(c, LP_DIR_UP);
	t->up_bytes = lp_counters_bytes(c, LP_DIR_UP);
	t->down_frames = lp_counters_frames(c, LP_DIR_DOWN);
	t->down_bytes = lp_counters_bytes(c, LP_DIR_DOWN);
}

void lp_flush_now(struct lp_relay *r, int64_t now)
{
	size_t nr = r->n_rooms, ns = 0;
	struct lp_store_room_counters *rooms = calloc(nr ? nr : 1, sizeof(*rooms));
	struct lp_store_counter *ctr = calloc(nr * NAMES_PER_ROOM + 1, sizeof(*ctr));
	char(*names)[LP_STORE_COUNTER_NAME_MAX + 1] =
		calloc(nr * NAMES_PER_ROOM + 1, sizeof(*names));
	struct lp_store_sample *samples = calloc(nr ? nr : 1, sizeof(*samples));
	struct lp_store_session_update *sess = calloc(r->n_sessions + 1, sizeof(*sess));
	if (!rooms || !ctr || !names || !samples || !sess)
		goto out;

	int64_t minute = now - now % 60;
	for (size_t i = 0; i < nr; i++) {
		struct lp_relay_room *rr = &r->rooms[i];
		struct lp_counters c;
		lp_room_counters(rr->room, &c);
		size_t k = lp_rooms_counter_names(&c, ctr + i * NAMES_PER_ROOM,
						  names + i * NAMES_PER_ROOM, NAMES_PER_ROOM);
		rooms[i] = (struct lp_store_room_counters){ .room_id = rr->room->id,
							    .counters = ctr + i * NAMES_PER_ROOM,
							    .n = k };
		/*
		 * The sample holds what this minute added and is rewritten at each
		 * flush; a new minute starts from the totals of the previous flush.
		 */
		if (rr->sample_minute != minute) {
			if (rr->sample_minute)
				rr->last_sample = rr->prev_flush;
			rr->sample_minute = minute;
			rr->peak_members = 0;
		}
		rr->prev_flush = c;
		struct lp_counters d;
		lp_counters_delta(&d, &c, &rr->last_sample);
		uint32_t members = (uint32_t)rr->room->n_members;
		if (members > rr->peak_members)
			rr->peak_members = members;
		samples[i] = (struct lp_store_sample){
			.room_id = rr->room->id,
			.minute = minute,
			.members = rr->peak_members,
			.up_frames = lp_counters_frames(&d, LP_DIR_UP),
			.up_bytes = lp_counters_bytes(&d, LP_DIR_UP),
			.down_frames = lp_counters_frames(&d, LP_DIR_DOWN),
			.down_bytes = lp_counters_bytes(&d, LP_DIR_DOWN),
			.drops = lp_counters_drops(&d),
		};
	}
	for (struct lp_session *s = r->sessions; s; s = s->next) {
		if (!s->admitted || s->member.session_id <= 0)
			continue;
		sess[ns].id = s->member.session_id;
		traffic_of(&s->member.ctr, &sess[ns].traffic);
		ns++;
	}
	struct lp_store_flush_batch b = {
		.now = now,
		.rooms = rooms,
		.nrooms = nr,
		.samples = samples,
		.nsamples = nr,
		.sessions = sess,
		.nsessions = ns,
	};
	int ret = lp_store_flush(r->store, &b);
	if (ret < 0) {
		r->stats.store_errors++;
		log_warnx_rl(&flush_rl, "store_flush_failed error=\"%s\" detail=\"%s\"",
			     lp_strerror(ret), lp_store_errmsg(r->store));
		goto out;
	}
out:
	free(rooms);
	free(ctr);
	free(names);
	free(samples);
	free(sess);
}

void lp_flush_on_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_relay *r = t->arg;
	lp_flush_now(r, lp_relay_now());
	lp_loop_timer_arm_in(loop, t, LP_RELAY_FLUSH_INTERVAL_S * 1000000000ull);
}

static void fill_drops(const struct lp_counters *c, struct lp_ctrl_stats *st)
{
	for (int i = 0; i < LP_DROP__COUNT && st->n_drops < LP_CTRL_MAX_DROPS; i++) {
		if (!c->drops[i])
			continue;
		struct lp_ctrl_drop *d = &st->drops[st->n_drops++];
		snprintf(d->name, sizeof(d->name), "%s", lp_drop_name((enum lp_drop)i));
		d->count = c->drops[i] > LP_CTRL_INT_MAX ? LP_CTRL_INT_MAX : c->drops[i];
	}
}

static uint64_t cap53(uint64_t v)
{
	return v > LP_CTRL_INT_MAX ? LP_CTRL_INT_MAX : v;
}

void lp_stats_on_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_relay *r = t->arg;
	for (struct lp_session *s = r->sessions; s; s = s->next) {
		if (!s->admitted || !s->member.room)
			continue;
		struct lp_member *m = &s->member;
		struct lp_quic_info qi;
		struct lp_quic_addr a;
		lp_quic_conn_get_info(s->q, &qi);
		m->rtt_us = qi.smoothed_rtt / 1000;
		lp_quic_conn_remote(s->q, &a); /* follows NAT rebinding */
		if (a.len)
			lp_session_set_remote(s, (const struct sockaddr *)&a.ss, a.len);
		struct lp_ctrl_msg msg = { .type = LP_CTRL_STATS };
		struct lp_ctrl_stats *st = &msg.stats;
		st->rtt_us = m->rtt_us;
		st->up_frames = cap53(lp_counters_frames(&m->ctr, LP_DIR_UP));
		st->up_bytes = cap53(lp_counters_bytes(&m->ctr, LP_DIR_UP));
		st->down_frames = cap53(lp_counters_frames(&m->ctr, LP_DIR_DOWN));
		st->down_bytes = cap53(lp_counters_bytes(&m->ctr, LP_DIR_DOWN));
		st->members = (uint32_t)m->room->n_members;
		fill_drops(&m->ctr, st);
		lp_session_send_ctrl(s, &msg);
	}
	lp_loop_timer_arm_in(loop, t, LP_RELAY_STATS_INTERVAL_S * 1000000000ull);
}
