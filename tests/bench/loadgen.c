/*
 * lanparty-loadgen: relay capacity load generator (issue 7, item 3).
 *
 * One process, one event loop, K in-process room members (real QUIC + TLS
 * with the relay's pin, real hello/welcome, no TAP device) joined into R
 * rooms, then Ethernet frames between them at a set rate. It reports
 * handshakes per second, members held, frames per second sent and received
 * (forwarded by the relay) and the relay's memory per member.
 *
 *   make loadgen            -> build/bin/lanparty-loadgen (-O2)
 *   lanparty-loadgen --api http://127.0.0.1:8080 --token "$(cat var/admin-token)" \
 *       --members 1000 --rooms 20 --rate 20000 --duration 5 --relay-pid "$(pidof lanparty-relay)" --json
 *
 * Flags (defaults in brackets):
 *   --relay HOST:PORT    the relay's QUIC address, an IPv4 literal [the invites' host:port]
 *   --api URL            admin API base, e.g. http://127.0.0.1:8080; rooms are created there
 *                        (and deleted at the end, unless --keep-rooms)
 *   --token TOKEN        admin token [$LP_ADMIN_TOKEN]
 *   --pin sha256//B64    the relay's certificate pin [the invites' pin]
 *   --invite INV[,INV]   join existing rooms instead (repeatable, one room each; no API
 *                        needed): a client invite, a gateway invite, or both of one room
 *                        joined by a comma; a room's gateway invite takes one member
 *   --rooms R            rooms to create [ceil(K / 50)]; each takes at most 255 clients
 *   --members K          members in all, gateways included [20]
 *   --gateways           the first member of each room joins as its gateway
 *   --rate FPS           frames per second, all members together [1000]; 0: no traffic
 *   --frame-size BYTES   Ethernet frame length, 60..1514 [64]; over the path's datagram
 *                        budget (about 1411) frames travel as two fragments
 *   --broadcast PCT      share of frames sent as broadcast, 0..100 [1]
 *   --duration S         seconds of traffic [5]
 *   --handshake-rate HPS handshakes started per second [500]
 *   --inflight N         handshakes under way at once, at most [256]
 *   --join-timeout S     give up on joins still under way after S seconds [600], or
 *                        when no handshake has ended (welcome or failure) for 30 s
 *   --settle S           pause between the last join and the traffic [1]
 *   --sockets N          UDP sockets the members share, 1..256 [min(K, 16)]
 *   --relay-pid PID      read the relay's VmRSS and CPU from /proc/PID
 *   --keep-rooms         leave the created rooms on the relay
 *   --json               JSON report on stdout (the human summary goes to stderr)
 *   --quiet              no progress lines
 *
 * Exit status: 0 with a report (whatever it says), 1 when the run could not
 * be made (API, sockets, TLS), 2 for bad flags.
 *
 * JSON report on stdout (one object, one line; times in seconds, memory in KiB):
 *   {"tool":"lanparty-loadgen","version":"0.1.0",
 *    "config":{"rooms":R,"members":K,"gateways":false,"rate":1000,"frame_size":64,
 *              "broadcast_pct":1,"duration":5,"handshake_rate":500,"inflight":256,"sockets":16},
 *    "handshakes":{"started":K,"not_started":0,"welcomed":K,"failed":0,"seconds":2.01,
 *                  "per_s":497.5,
 *                  "latency_ms":{"p50":2.1,"p99":9.8,"max":15.0},
 *                  "rejects":{"unknown":0,"bad_code":0,...,"room_full":0,...}},
 *    "members":{"target":K,"held_after_join":K,"held_end":K,"lost":0,
 *               "relay_online_after_join":K,"relay_online_end":K},
 *    "frames":{"sent":N,"sent_per_s":F,"broadcast_sent":B,"expected":E,"received":N2,
 *              "received_per_s":F2,"delivery":0.999,"dropped_local":0,"skipped":0,"behind":0,
 *              "misdelivered":0,"bad":0},
 *    "control":{"messages":M,"peer_joined":J,"peer_left":L,"stats":S,"disconnects":D,"errors":0},
 *    "relay":{"pid":P,"rss_kb_before":A,"rss_kb_joined":B,"rss_kb_end":C,
 *             "kb_per_member_joined":(B-A)/K,"kb_per_member_end":(C-A)/K,
 *             "cpu_s_join":X,"cpu_ms_per_join":H,"cpu_s_traffic":T,"wait_s_join":W,
 *             "wait_s_traffic":W2,"cpu_us_per_frame":U,
 *             "udp_drops_join":0,"udp_drops_traffic":0},
 *    "loadgen":{"cpu_s_join":X,"cpu_s_traffic":Y,"wait_s_join":W,"wait_s_traffic":W2,
 *               "udp_drops_join":0,"udp_drops_traffic":0,
 *               "udp_rx_traffic":N,"udp_tx_traffic":N,"udp_rx":N,"udp_tx":N,"udp_tx_errors":0,
 *               "udp_rx_unknown":0}}
 * Meanings:
 * - handshakes: "seconds" runs from the first handshake started to the last welcome;
 *   per_s = welcomed / seconds; latency from the first packet to the welcome (a Retry
 *   and lost Initials included). failed = rejected (by reason in "rejects"), closed, or
 *   not answered within --join-timeout; not_started = members never tried because the
 *   join phase ended first (--join-timeout, or 30 s without progress).
 * - members: held_* = welcomed and still open (after the joins and --settle; at the end
 *   of the traffic); relay_online_* = what GET /api/v1/rooms says for our rooms (null
 *   with --invite); lost = closed by the relay or timed out after the welcome.
 * - frames: "received" counts frames delivered to members from the start of the traffic
 *   until 0.3 s after it stops; "expected" is what the relay should deliver for the frames
 *   sent (one per unicast, live room members - 1 per broadcast), delivery = received /
 *   expected. dropped_local: a member's QUIC datagram queue was full; behind: frames not
 *   sent because the generator's loop fell over 100 ms behind (it is then the limit);
 *   misdelivered: unicast that reached a member it was not addressed to (a relay bug).
 * - relay: null without --relay-pid. Memory is VmRSS; kb_per_member_* divide its growth
 *   since before the joins by K. cpu_ms_per_join = its CPU time while joining / members
 *   welcomed (handshake, Retry, admission, peer_joined to the room, logs): on a machine
 *   shared with other work it says more than per_s. cpu_us_per_frame = its CPU time
 *   during the traffic window / frames received. wait_s_* = time it was runnable but
 *   had no CPU (/proc/PID/schedstat): large values mean the machine, not the relay, was
 *   the limit in that phase. udp_drops_* are the kernel's receive-buffer drops
 *   on the relay's QUIC port (/proc/net/udp, this network namespace) in each phase:
 *   packets the relay never saw because it did not read fast enough.
 * - loadgen: this process's own CPU and socket drops, to tell when it is the bottleneck;
 *   QUIC packets it received and sent (the *_traffic ones in the traffic window): with
 *   frames sent and received they give the packets the relay handles per frame.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cidmap.h"
#include "err.h"
#include "log.h"
#include "tls.h"

#define DRAIN_NS      (300 * LP_QUIC_NS_PER_MS)
#define JOIN_TICK_NS  (1 * LP_QUIC_NS_PER_MS)
#define JOIN_STALL_NS (30 * LP_QUIC_NS_PER_S)
#define ROOM_DEFAULT  50 /* members per room when --rooms is not given */

static volatile sig_atomic_t interrupted;

static void progress(const struct lg *lg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(const struct lg *lg, const char *fmt, ...)
{
	va_list ap;

	if (lg->o.quiet)
		return;
	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------ set-up */

/*
 * Assign members to rooms: each room's gateway first (one member), then the
 * clients round robin over the rooms that take clients, so rooms differ by
 * at most one member.
 */
static int plan(struct lg *lg)
{
	const struct lg_opts *o = &lg->o;
	size_t client_rooms = 0, k = 0;

	if (o->n_invites) {
		lg->n_rooms = o->n_invites;
	} else {
		lg->n_rooms = o->rooms ? o->rooms : (o->members + ROOM_DEFAULT - 1) / ROOM_DEFAULT;
		if (lg->n_rooms > o->members)
			lg->n_rooms = o->members;
	}
	lg->rooms = calloc(lg->n_rooms, sizeof(*lg->rooms));
	lg->members = calloc(o->members, sizeof(*lg->members));
	lg->lat_us = calloc(o->members, sizeof(*lg->lat_us));
	if (!lg->rooms || !lg->members || !lg->lat_us)
		return LP_ERR_NOMEM;
	lg->n_members = o->members;
	for (size_t i = 0; i < lg->n_rooms; i++) {
		struct lg_room *room = &lg->rooms[i];

		if (o->n_invites) {
			if (lg_parse_room_invites(room, o->invites[i]) < 0)
				return LP_ERR_INVALID;
			snprintf(room->name, sizeof(room->name), "invite-%zu", i + 1);
		} else {
			/* The API fills in the invites. */
			room->has_client = true;
			room->has_gateway = o->gateways;
		}
		client_rooms += room->has_client;
		room->members = calloc(o->members / lg->n_rooms + 2, sizeof(struct lg_member *));
		if (!room->members)
			return LP_ERR_NOMEM;
	}
	for (size_t i = 0; i < lg->n_rooms && k < lg->n_members; i++) {
		if (!lg->rooms[i].has_gateway)
			continue;
		lg->members[k].gateway = true;
		lg->members[k++].room = &lg->rooms[i];
	}
	if (k < lg->n_members && client_rooms == 0) {
		fprintf(stderr, "lanparty-loadgen: --invite: more members than gateway invites: "
				"give a client invite\n");
		return LP_ERR_INVALID;
	}
	for (size_t next = 0; k < lg->n_members; k++) {
		while (!lg->rooms[next % lg->n_rooms].has_client)
			next++;
		lg->members[k].room = &lg->rooms[next++ % lg->n_rooms];
	}
	for (k = 0; k < lg->n_members; k++) {
		struct lg_member *m = &lg->members[k];

		m->lg = lg;
		m->index = (uint32_t)k;
		m->slot = m->room->n_members;
		m->room->members[m->room->n_members++] = m;
		lg_member_mac(m->index, &m->mac);
	}
	for (size_t i = 0; i < lg->n_rooms && !o->n_invites; i++) {
		const struct lg_room *room = &lg->rooms[i];
		uint32_t clients = room->n_members - (room->has_gateway ? 1 : 0);

		if (clients > LG_ROOM_MAX_CLIENTS) {
			fprintf(stderr,
				"lanparty-loadgen: %u clients in a room, over the relay's limit of "
				"%u: use --rooms %zu or more\n",
				clients, LG_ROOM_MAX_CLIENTS,
				(size_t)(o->members + LG_ROOM_MAX_CLIENTS - 1) /
					LG_ROOM_MAX_CLIENTS);
			return LP_ERR_LIMIT;
		}
		if (clients < 1) {
			fprintf(stderr, "lanparty-loadgen: a room with only its gateway: use fewer "
					"--rooms\n");
			return LP_ERR_LIMIT;
		}
	}
	return 0;
}

/* The relay's address and pin: the flags win, else the first invite's. */
static int relay_target(struct lg *lg)
{
	const struct lp_invite *inv = NULL;

	for (size_t i = 0; i < lg->n_rooms && !inv; i++)
		inv = lg->rooms[i].has_client	 ? &lg->rooms[i].client
		      : lg->rooms[i].has_gateway ? &lg->rooms[i].gateway
						 : NULL;
	if (!lg->o.relay_host[0]) {
		if (!inv || inv->host_type != LP_INVITE_HOST_IPV4) {
			fprintf(stderr,
				"lanparty-loadgen: the invites name %s, not an IPv4 address: "
				"give --relay IPV4:PORT\n",
				inv ? inv->host : "no host");
			return LP_ERR_INVALID;
		}
		snprintf(lg->o.relay_host, sizeof(lg->o.relay_host), "%.63s", inv->host);
		lg->o.relay_port = inv->port;
	}
	if (!lg->o.has_pin) {
		if (!inv || !inv->has_pin) {
			fprintf(stderr, "lanparty-loadgen: no pin: give --pin sha256//...\n");
			return LP_ERR_INVALID;
		}
		memcpy(lg->o.pin, inv->pin, LP_PIN_LEN);
		lg->o.has_pin = true;
	}
	lg->relay.sin_family = AF_INET;
	lg->relay.sin_port = htons(lg->o.relay_port);
	inet_pton(AF_INET, lg->o.relay_host, &lg->relay.sin_addr);
	return lp_tls_creds_client_pinned_new(lg->o.pin, &lg->creds);
}

/* ------------------------------------------------------------ phases */

static void before_sleep(struct lp_loop *loop, void *arg)
{
	(void)loop;
	lg_net_flush(arg);
}

static void on_signal(struct lp_loop *loop, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	interrupted = 1;
	lp_loop_stop(loop);
}

static void on_wake(struct lp_loop *loop, struct lp_timer *t)
{
	(void)loop;
	(void)t;
}

/* Run the loop until deadline (absolute ns) or until done(lg) holds. */
static void run_until(struct lg *lg, uint64_t deadline, bool (*done)(const struct lg *))
{
	struct lp_timer wake;

	lp_timer_init(&wake, on_wake, NULL);
	while (!interrupted && lp_quic_now() < deadline && !(done && done(lg))) {
		/* A timer at the deadline bounds the sleep. */
		if (!lp_timer_armed(&wake))
			(void)lp_loop_timer_arm(lg->loop, &wake, deadline);
		if (lp_loop_run_once(lg->loop, true) < 0)
			break;
	}
	lp_loop_timer_cancel(lg->loop, &wake);
}

static void on_join_tick(struct lp_loop *loop, struct lp_timer *t)
{
	struct lg *lg = t->arg;
	double elapsed = (double)(lp_loop_now(loop) - lg->join_t0) / 1e9;
	size_t due = (size_t)(elapsed * lg->o.handshake_rate) + 1;

	while (lg->next_start < lg->n_members && lg->next_start < due &&
	       lg->connecting < lg->o.inflight) {
		struct lg_member *m = &lg->members[lg->next_start++];

		if (lg_member_start(m) < 0)
			continue;
	}
	if (lg->next_start < lg->n_members)
		(void)lp_loop_timer_arm(loop, t, lp_timer_deadline(t) + JOIN_TICK_NS);
}

static bool joins_done(const struct lg *lg)
{
	if (lg->next_start == lg->n_members && lg->connecting == 0)
		return true;
	/* Stalled: nothing answered for a while (a relay that stopped admitting). */
	return lp_quic_now() - lg->join_progress > JOIN_STALL_NS;
}

static size_t held(const struct lg *lg)
{
	size_t n = 0;

	for (size_t i = 0; i < lg->n_members; i++)
		if (lg->members[i].state == LG_WELCOMED && lp_quic_conn_is_open(lg->members[i].q))
			n++;
	return n;
}

static bool all_dead(const struct lg *lg)
{
	for (size_t i = 0; i < lg->n_members; i++)
		if (lg->members[i].q && !lp_quic_conn_is_dead(lg->members[i].q))
			return false;
	return true;
}

/* Kernel receive-buffer drops so far: the relay's QUIC port, or all of our sockets. */
static long long drops_now(const struct lg *lg, bool relay)
{
	long long sum = 0;

	if (relay)
		return lg_proc_udp_drops(lg->o.relay_port);
	for (size_t i = 0; i < lg->n_socks; i++) {
		long long d = lg_proc_udp_drops(ntohs(lg->socks[i].local.sin_port));

		if (d > 0)
			sum += d;
	}
	return sum;
}

/* ------------------------------------------------------------ main */

static int run(struct lg *lg, struct lg_report *rep)
{
	const struct lg_opts *o = &lg->o;
	pid_t pid = o->relay_pid;
	int r;

	if ((r = lp_loop_new(&lg->loop, lg->n_members + 64)) < 0)
		return r;
	lp_loop_signal_add(lg->loop, SIGINT, on_signal, lg);
	lp_loop_signal_add(lg->loop, SIGTERM, on_signal, lg);
	lp_loop_set_before_sleep(lg->loop, before_sleep, lg);
	if (o->api[0]) {
		progress(lg, "creating %zu rooms through %s", lg->n_rooms, o->api);
		if ((r = lg_api_create_rooms(lg)) < 0)
			return r;
	}
	if ((r = relay_target(lg)) < 0)
		return r;
	if ((r = lg_net_open(lg)) < 0) {
		fprintf(stderr, "lanparty-loadgen: UDP sockets: %s\n", lp_strerror(r));
		return r;
	}
	for (size_t k = 0; k < lg->n_members; k++)
		lg->members[k].sock = &lg->socks[k % lg->n_socks];
	if ((r = lg_traffic_init(lg)) < 0)
		return r;

	rep->rss_before = pid ? lg_proc_rss_kb(pid) : -1;
	progress(lg, "joining %zu members to %s:%u at %g handshakes/s", lg->n_members,
		 o->relay_host, o->relay_port, o->handshake_rate);
	double cpu0 = lg_proc_cpu_s(0), rcpu0 = pid ? lg_proc_cpu_s(pid) : 0;
	double wait0 = lg_proc_wait_s(0), rwait0 = pid ? lg_proc_wait_s(pid) : 0;
	long long rdrops0 = drops_now(lg, true), drops0 = drops_now(lg, false);
	lg->join_t0 = lg->join_progress = lp_quic_now();
	lp_timer_init(&lg->join_timer, on_join_tick, lg);
	(void)lp_loop_timer_arm(lg->loop, &lg->join_timer, lg->join_t0);
	run_until(lg, lg->join_t0 + (uint64_t)(o->join_timeout * 1e9), joins_done);
	lp_loop_timer_cancel(lg->loop, &lg->join_timer);

	uint64_t last = lg->join_t0;
	for (size_t k = 0; k < lg->n_members; k++) {
		struct lg_member *m = &lg->members[k];

		if (m->state == LG_WELCOMED && m->t_done > last)
			last = m->t_done;
		if (m->state == LG_CONNECTING)
			lg_member_abandon(m); /* never answered in time: a failure */
	}
	rep->hs_seconds = (double)(last - lg->join_t0) / 1e9;
	rep->hs_per_s = rep->hs_seconds > 0 ? (double)lg->c.hs_welcomed / rep->hs_seconds : 0;
	lg_report_latency(lg, rep);
	progress(lg, "%llu welcomed, %llu failed in %.2f s (%.0f/s); settling %.1f s",
		 (unsigned long long)lg->c.hs_welcomed, (unsigned long long)lg->c.hs_failed,
		 rep->hs_seconds, rep->hs_per_s, o->settle);
	run_until(lg, lp_quic_now() + (uint64_t)(o->settle * 1e9), NULL);
	rep->lg_cpu_join = lg_proc_cpu_s(0) - cpu0;
	rep->relay_cpu_join = pid ? lg_proc_cpu_s(pid) - rcpu0 : 0;
	rep->relay_wait_join = pid ? lg_proc_wait_s(pid) - rwait0 : 0;
	rep->lg_wait_join = lg_proc_wait_s(0) - wait0;
	rep->relay_drops_join = drops_now(lg, true) - rdrops0;
	rep->lg_drops_join = drops_now(lg, false) - drops0;
	rep->held_join = held(lg);
	rep->rss_joined = pid ? lg_proc_rss_kb(pid) : -1;
	rep->online_join = lg_api_online(lg);

	if (o->rate > 0 && !interrupted) {
		progress(lg, "sending %g frames/s of %u bytes for %g s", o->rate, o->frame_size,
			 o->duration);
		rcpu0 = pid ? lg_proc_cpu_s(pid) : 0;
		cpu0 = lg_proc_cpu_s(0);
		rwait0 = pid ? lg_proc_wait_s(pid) : 0;
		wait0 = lg_proc_wait_s(0);
		rdrops0 = drops_now(lg, true);
		drops0 = drops_now(lg, false);
		rep->at_start = lg->c;
		lg_traffic_start(lg);
		uint64_t t0 = lg->traffic_t0;
		run_until(lg, t0 + (uint64_t)(o->duration * 1e9), NULL);
		lg_traffic_stop(lg);
		rep->traffic_s = (double)(lp_quic_now() - t0) / 1e9;
		run_until(lg, lp_quic_now() + DRAIN_NS, NULL);
		rep->at_end = lg->c;
		rep->relay_cpu_traffic = pid ? lg_proc_cpu_s(pid) - rcpu0 : 0;
		rep->lg_cpu_traffic = lg_proc_cpu_s(0) - cpu0;
		rep->relay_wait_traffic = pid ? lg_proc_wait_s(pid) - rwait0 : 0;
		rep->lg_wait_traffic = lg_proc_wait_s(0) - wait0;
		rep->relay_drops_traffic = drops_now(lg, true) - rdrops0;
		rep->lg_drops_traffic = drops_now(lg, false) - drops0;
	} else {
		rep->at_start = rep->at_end = lg->c;
	}
	rep->held_end = held(lg);
	rep->rss_end = pid ? lg_proc_rss_kb(pid) : -1;
	rep->online_end = lg_api_online(lg);

	/* Leave like agents that quit, so the relay frees every session at once. */
	for (size_t k = 0; k < lg->n_members; k++)
		lg_member_leave(&lg->members[k]);
	run_until(lg, lp_quic_now() + 500 * LP_QUIC_NS_PER_MS, all_dead);
	return 0;
}

static void teardown(struct lg *lg)
{
	if (lg->o.api[0] && !lg->o.keep_rooms)
		lg_api_delete_rooms(lg);
	for (size_t k = 0; k < lg->n_members; k++)
		lg_member_free(&lg->members[k]);
	if (lg->loop)
		lg_net_close(lg);
	lg_traffic_free(lg);
	for (size_t i = 0; i < lg->n_rooms; i++)
		free(lg->rooms[i].members);
	free(lg->rooms);
	free(lg->members);
	free(lg->lat_us);
	lp_tls_creds_unref(lg->creds);
	lp_loop_del(lg->loop);
}

int main(int argc, char **argv)
{
	static struct lg lg;
	struct lg_report rep = { .rss_before = -1, .online_join = -1, .online_end = -1 };
	int r;

	lp_log_init("lanparty-loadgen");
	lp_log_set_level(LP_LOG_ERROR);
	r = lg_parse_args(&lg.o, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (plan(&lg) < 0) {
		teardown(&lg);
		return 2;
	}
	r = lg_proc_raise_nofile(lg.o.sockets + 256);
	if (r < 0)
		fprintf(stderr, "lanparty-loadgen: RLIMIT_NOFILE: %s\n", lp_strerror(r));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = run(&lg, &rep);
	if (r == 0) {
		if (lg.o.json) {
			lg_report_json(&lg, &rep, stdout);
			lg_report_text(&lg, &rep, stderr);
		} else {
			lg_report_text(&lg, &rep, stdout);
		}
	} else {
		fprintf(stderr, "lanparty-loadgen: run failed: %s\n", lp_strerror(r));
	}
	teardown(&lg);
	curl_global_cleanup();
	return r == 0 ? 0 : 1;
}
