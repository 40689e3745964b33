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
#include <getopt.h>
#include <math.h>
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

#define DRAIN_NS	(300 * LP_QUIC_NS_PER_MS)
#define JOIN_TICK_NS	(1 * LP_QUIC_NS_PER_MS)
#define JOIN_STALL_NS	(30 * LP_QUIC_NS_PER_S)
#define DEFAULT_MEMBERS 20
#define ROOM_DEFAULT	50 /* members per room when --rooms is not given */

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

static void usage(FILE *f)
{
	fputs("usage: lanparty-loadgen (--api URL [--token T] | --invite INVITE...) [--relay "
	      "HOST:PORT]\n"
	      "         [--pin sha256//B64] [--rooms R] [--members K] [--gateways] [--rate FPS]\n"
	      "         [--frame-size BYTES] [--broadcast PCT] [--duration S] [--handshake-rate "
	      "HPS]\n"
	      "         [--inflight N] [--join-timeout S] [--settle S] [--sockets N]\n"
	      "         [--relay-pid PID] [--keep-rooms] [--json] [--quiet]\n"
	      "Joins K in-process members into R rooms of a softlan relay, sends frames between\n"
	      "them, and reports handshakes/s, members held, frames/s and relay memory per "
	      "member.\n"
	      "See the top of tests/bench/loadgen.c for every flag and the JSON report.\n",
	      f);
}

/* ------------------------------------------------------------ flags */

static int bad(const char *flag, const char *why)
{
	fprintf(stderr, "lanparty-loadgen: %s: %s\n", flag, why);
	return -1;
}

static int num(const char *flag, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "expected a number from %g to %g", lo, hi);
		return bad(flag, why);
	}
	*out = v;
	return 0;
}

static int whole(const char *flag, const char *s, double lo, double hi, unsigned *out)
{
	double v;

	if (num(flag, s, lo, hi, &v) < 0)
		return -1;
	if (v != (double)(unsigned long long)v)
		return bad(flag, "expected a whole number");
	*out = (unsigned)v;
	return 0;
}

static int parse_relay(struct lg_opts *o, const char *s)
{
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	unsigned port;

	if (!colon || (size_t)(colon - s) >= sizeof(o->relay_host))
		return bad("--relay", "expected IPV4:PORT, e.g. 127.0.0.1:4433");
	memcpy(o->relay_host, s, (size_t)(colon - s));
	o->relay_host[colon - s] = '\0';
	if (inet_pton(AF_INET, o->relay_host, &a) != 1)
		return bad("--relay", "the host must be an IPv4 address");
	if (whole("--relay", colon + 1, 1, 65535, &port) < 0)
		return -1;
	o->relay_port = (uint16_t)port;
	return 0;
}

enum {
	OPT_RELAY = 256,
	OPT_API,
	OPT_TOKEN,
	OPT_PIN,
	OPT_INVITE,
	OPT_ROOMS,
	OPT_MEMBERS,
	OPT_GATEWAYS,
	OPT_RATE,
	OPT_FRAME,
	OPT_BCAST,
	OPT_DURATION,
	OPT_HSRATE,
	OPT_INFLIGHT,
	OPT_JOIN_TIMEOUT,
	OPT_SETTLE,
	OPT_SOCKETS,
	OPT_PID,
	OPT_KEEP,
	OPT_JSON,
	OPT_QUIET,
};

static const struct option long_opts[] = {
	{ "relay", required_argument, NULL, OPT_RELAY },
	{ "api", required_argument, NULL, OPT_API },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "invite", required_argument, NULL, OPT_INVITE },
	{ "rooms", required_argument, NULL, OPT_ROOMS },
	{ "members", required_argument, NULL, OPT_MEMBERS },
	{ "gateways", no_argument, NULL, OPT_GATEWAYS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "frame-size", required_argument, NULL, OPT_FRAME },
	{ "broadcast", required_argument, NULL, OPT_BCAST },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "handshake-rate", required_argument, NULL, OPT_HSRATE },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "join-timeout", required_argument, NULL, OPT_JOIN_TIMEOUT },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "sockets", required_argument, NULL, OPT_SOCKETS },
	{ "relay-pid", required_argument, NULL, OPT_PID },
	{ "keep-rooms", no_argument, NULL, OPT_KEEP },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int copy_str(const char *flag, char *dst, size_t dstlen, const char *src)
{
	if (strlen(src) >= dstlen || !*src)
		return bad(flag, "empty or too long");
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* Returns 0 to run, 1 after --help/--version, -1 for a bad flag. */
static int parse_flag(struct lg_opts *o, int c, const char *arg)
{
	unsigned u;
	char err[160];

	switch (c) {
	case OPT_RELAY:
		return parse_relay(o, arg);
	case OPT_API:
		return copy_str("--api", o->api, sizeof(o->api), arg);
	case OPT_TOKEN:
		return copy_str("--token", o->token, sizeof(o->token), arg);
	case OPT_PIN:
		if (lp_pin_parse(arg, strlen(arg), o->pin, err, sizeof(err)) < 0)
			return bad("--pin", err);
		o->has_pin = true;
		return 0;
	case OPT_INVITE:
		if (o->n_invites == LG_MAX_INVITES)
			return bad("--invite", "too many");
		o->invites[o->n_invites++] = arg;
		return 0;
	case OPT_ROOMS:
		return whole("--rooms", arg, 1, 100000, &o->rooms);
	case OPT_MEMBERS:
		return whole("--members", arg, 1, LG_MAX_MEMBERS, &o->members);
	case OPT_GATEWAYS:
		o->gateways = true;
		return 0;
	case OPT_RATE:
		return num("--rate", arg, 0, 1e8, &o->rate);
	case OPT_FRAME:
		return whole("--frame-size", arg, LG_FRAME_MIN, LG_FRAME_MAX, &o->frame_size);
	case OPT_BCAST:
		return num("--broadcast", arg, 0, 100, &o->broadcast_pct);
	case OPT_DURATION:
		return num("--duration", arg, 0.1, 86400, &o->duration);
	case OPT_HSRATE:
		return num("--handshake-rate", arg, 1, 1e6, &o->handshake_rate);
	case OPT_INFLIGHT:
		return whole("--inflight", arg, 1, 100000, &o->inflight);
	case OPT_JOIN_TIMEOUT:
		return num("--join-timeout", arg, 1, 86400, &o->join_timeout);
	case OPT_SETTLE:
		return num("--settle", arg, 0, 3600, &o->settle);
	case OPT_SOCKETS:
		return whole("--sockets", arg, 1, LG_MAX_SOCKETS, &o->sockets);
	case OPT_PID:
		if (whole("--relay-pid", arg, 1, 4194304, &u) < 0)
			return -1;
		o->relay_pid = (pid_t)u;
		return 0;
	case OPT_KEEP:
		o->keep_rooms = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case 'h':
		usage(stdout);
		return 1;
	case 'V':
		printf("lanparty-loadgen %s\n", LP_VERSION);
		return 1;
	default:
		usage(stderr);
		return -1;
	}
}

static int parse_args(struct lg_opts *o, int argc, char **argv)
{
	const char *env = getenv("LP_ADMIN_TOKEN");
	int c, r;

	*o = (struct lg_opts){
		.members = DEFAULT_MEMBERS,
		.rate = 1000,
		.frame_size = 64,
		.broadcast_pct = 1,
		.duration = 5,
		.handshake_rate = 500,
		.inflight = 256,
		.settle = 1,
	};
	if (env && strlen(env) < sizeof(o->token))
		memcpy(o->token, env, strlen(env) + 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
		if (c == '?') {
			fprintf(stderr, "lanparty-loadgen: unknown flag or missing value: %s\n",
				argv[optind - 1]);
			return -1;
		}
		if ((r = parse_flag(o, c, optarg)) != 0)
			return r;
	}
	if (optind < argc) {
		fprintf(stderr, "lanparty-loadgen: unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (!o->n_invites && !o->api[0])
		return bad("--api", "give the admin API (or --invite for existing rooms)");
	if (o->n_invites && o->api[0])
		return bad("--invite", "either --api (new rooms) or --invite (existing ones)");
	if (o->api[0] && !o->token[0])
		return bad("--token", "the API needs an admin token (--token or $LP_ADMIN_TOKEN)");
	if (!o->sockets)
		o->sockets = o->members < 16 ? o->members : 16;
	if (!o->join_timeout)
		o->join_timeout = 600;
	return 0;
}

/* ------------------------------------------------------------ set-up */

/* One --invite: a client invite, a gateway invite, or both of one room joined by a comma. */
static int parse_room_invites(struct lg_room *room, const char *text)
{
	char buf[2 * LP_INVITE_STRLEN + 2], err[160];
	char *save = NULL;

	if (strlen(text) >= sizeof(buf))
		return bad("--invite", "too long");
	memcpy(buf, text, strlen(text) + 1);
	for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		struct lp_invite inv;

		if (lp_invite_parse(part, &inv, err, sizeof(err)) < 0)
			return bad("--invite", err);
		bool gw = inv.role == LP_INVITE_GATEWAY;
		if (gw ? room->has_gateway : room->has_client)
			return bad("--invite", "two invites of the same role for one room");
		*(gw ? &room->gateway : &room->client) = inv;
		*(gw ? &room->has_gateway : &room->has_client) = true;
	}
	if (!room->has_gateway && !room->has_client)
		return bad("--invite", "empty");
	return 0;
}

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
			if (parse_room_invites(room, o->invites[i]) < 0)
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
	if (k < lg->n_members && client_rooms == 0)
		return bad("--invite", "more members than gateway invites: give a client invite");
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

/* ------------------------------------------------------------ report */

struct report {
	double hs_seconds, hs_per_s;
	double lat_p50, lat_p99, lat_max; /* ms */
	size_t held_join, held_end;
	long online_join, online_end;
	long rss_before, rss_joined, rss_end;
	double relay_cpu_join, relay_cpu_traffic, lg_cpu_join, lg_cpu_traffic;
	/* Time runnable but not running (schedstat): the machine, not the code. */
	double relay_wait_join, relay_wait_traffic, lg_wait_join, lg_wait_traffic;
	/* Kernel drops on full receive buffers (/proc/net/udp): relay's socket, ours. */
	long long relay_drops_join, relay_drops_traffic, lg_drops_join, lg_drops_traffic;
	double traffic_s;
	struct lg_count at_start, at_end; /* counters around the traffic window */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

static void json_num_or_null(FILE *f, const char *key, double v, bool ok, int decimals)
{
	fprintf(f, "\"%s\":", key);
	if (ok)
		fprintf(f, "%.*f", decimals, v);
	else
		fputs("null", f);
}

static void print_json(const struct lg *lg, const struct report *r, FILE *f)
{
	const struct lg_opts *o = &lg->o;
	const struct lg_count *c = &lg->c, *a = &r->at_start, *e = &r->at_end;
	uint64_t sent = e->tx_frames - a->tx_frames, recv = e->rx_frames - a->rx_frames;
	uint64_t expected = e->tx_expected - a->tx_expected;
	bool pid = o->relay_pid > 0 && r->rss_before >= 0;
	double dur = r->traffic_s > 0 ? r->traffic_s : 1;

	fprintf(f, "{\"tool\":\"lanparty-loadgen\",\"version\":\"%s\",", LP_VERSION);
	fprintf(f,
		"\"config\":{\"rooms\":%zu,\"members\":%zu,\"gateways\":%s,\"rate\":%.0f,"
		"\"frame_size\":%u,\"broadcast_pct\":%g,\"duration\":%g,\"handshake_rate\":%g,"
		"\"inflight\":%u,\"sockets\":%zu},",
		lg->n_rooms, lg->n_members, o->gateways ? "true" : "false", o->rate, o->frame_size,
		o->broadcast_pct, o->duration, o->handshake_rate, o->inflight, lg->n_socks);
	fprintf(f,
		"\"handshakes\":{\"started\":%llu,\"not_started\":%llu,\"welcomed\":%llu,"
		"\"failed\":%llu,"
		"\"seconds\":%.3f,\"per_s\":%.1f,\"latency_ms\":{\"p50\":%.2f,\"p99\":%.2f,"
		"\"max\":%.2f},\"rejects\":{",
		(unsigned long long)c->hs_started,
		(unsigned long long)(lg->n_members - c->hs_started),
		(unsigned long long)c->hs_welcomed, (unsigned long long)c->hs_failed, r->hs_seconds,
		r->hs_per_s, r->lat_p50, r->lat_p99, r->lat_max);
	for (int i = 0; i < LP_REJECT__COUNT; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "",
			lp_reject_reason_name((enum lp_reject_reason)i),
			(unsigned long long)c->rejects[i]);
	fprintf(f,
		"}},\"members\":{\"target\":%zu,\"held_after_join\":%zu,\"held_end\":%zu,"
		"\"lost\":%llu,",
		lg->n_members, r->held_join, r->held_end, (unsigned long long)c->lost);
	json_num_or_null(f, "relay_online_after_join", (double)r->online_join, r->online_join >= 0,
			 0);
	fputc(',', f);
	json_num_or_null(f, "relay_online_end", (double)r->online_end, r->online_end >= 0, 0);
	fprintf(f,
		"},\"frames\":{\"sent\":%llu,\"sent_per_s\":%.1f,\"broadcast_sent\":%llu,"
		"\"expected\":%llu,\"received\":%llu,\"received_per_s\":%.1f,",
		(unsigned long long)sent, (double)sent / dur,
		(unsigned long long)(e->tx_bcast - a->tx_bcast), (unsigned long long)expected,
		(unsigned long long)recv, (double)recv / dur);
	json_num_or_null(f, "delivery", expected ? (double)recv / (double)expected : 0,
			 expected > 0, 4);
	fprintf(f, ",\"dropped_local\":%llu,\"skipped\":%llu,\"misdelivered\":%llu,\"bad\":%llu},",
		(unsigned long long)(e->tx_drop_queue - a->tx_drop_queue),
		(unsigned long long)(e->tx_skip - a->tx_skip),
		(unsigned long long)c->rx_misdelivered, (unsigned long long)c->rx_bad);
	fprintf(f,
		"\"control\":{\"messages\":%llu,\"peer_joined\":%llu,\"peer_left\":%llu,"
		"\"stats\":%llu,\"disconnects\":%llu,\"errors\":%llu},",
		(unsigned long long)c->ctrl_msgs, (unsigned long long)c->peer_joined,
		(unsigned long long)c->peer_left, (unsigned long long)c->stats_msgs,
		(unsigned long long)c->disconnects, (unsigned long long)c->ctrl_errors);
	fputs("\"relay\":{", f);
	json_num_or_null(f, "pid", (double)o->relay_pid, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_before", (double)r->rss_before, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_joined", (double)r->rss_joined, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "rss_kb_end", (double)r->rss_end, pid, 0);
	fputc(',', f);
	json_num_or_null(f, "kb_per_member_joined",
			 (double)(r->rss_joined - r->rss_before) / (double)lg->n_members, pid, 2);
	fputc(',', f);
	json_num_or_null(f, "kb_per_member_end",
			 (double)(r->rss_end - r->rss_before) / (double)lg->n_members, pid, 2);
	fputc(',', f);
	json_num_or_null(f, "cpu_s_join", r->relay_cpu_join, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_ms_per_join",
			 c->hs_welcomed ? r->relay_cpu_join * 1e3 / (double)c->hs_welcomed : 0,
			 pid && c->hs_welcomed, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_s_traffic", r->relay_cpu_traffic, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "wait_s_join", r->relay_wait_join, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "wait_s_traffic", r->relay_wait_traffic, pid, 3);
	fputc(',', f);
	json_num_or_null(f, "cpu_us_per_frame",
			 recv ? r->relay_cpu_traffic * 1e6 / (double)recv : 0, pid && recv, 3);
	fprintf(f, ",\"udp_drops_join\":%lld,\"udp_drops_traffic\":%lld", r->relay_drops_join,
		r->relay_drops_traffic);
	fprintf(f,
		"},\"loadgen\":{\"cpu_s_join\":%.3f,\"cpu_s_traffic\":%.3f,\"wait_s_join\":%.3f,"
		"\"wait_s_traffic\":%.3f,\"udp_drops_join\":%lld,"
		"\"udp_drops_traffic\":%lld,\"udp_rx_traffic\":%llu,\"udp_tx_traffic\":%llu,"
		"\"udp_rx\":%llu,\"udp_tx\":%llu,\"udp_tx_errors\":%llu,\"udp_rx_unknown\":%llu}}"
		"\n",
		r->lg_cpu_join, r->lg_cpu_traffic, r->lg_wait_join, r->lg_wait_traffic,
		r->lg_drops_join, r->lg_drops_traffic, (unsigned long long)(e->udp_rx - a->udp_rx),
		(unsigned long long)(e->udp_tx - a->udp_tx), (unsigned long long)c->udp_rx,
		(unsigned long long)c->udp_tx, (unsigned long long)c->udp_tx_err,
		(unsigned long long)c->udp_rx_unknown);
}

static void print_human(const struct lg *lg, const struct report *r, FILE *f)
{
	const struct lg_count *c = &lg->c, *a = &r->at_start, *e = &r->at_end;
	uint64_t sent = e->tx_frames - a->tx_frames, recv = e->rx_frames - a->rx_frames;
	uint64_t expected = e->tx_expected - a->tx_expected;
	double dur = r->traffic_s > 0 ? r->traffic_s : 1;

	fprintf(f, "lanparty-loadgen: %zu members in %zu rooms, %zu sockets\n", lg->n_members,
		lg->n_rooms, lg->n_socks);
	fprintf(f,
		"  handshakes   %llu welcomed, %llu failed in %.2f s: %.0f/s "
		"(latency p50 %.1f ms, p99 %.1f ms, max %.1f ms)\n",
		(unsigned long long)c->hs_welcomed, (unsigned long long)c->hs_failed, r->hs_seconds,
		r->hs_per_s, r->lat_p50, r->lat_p99, r->lat_max);
	if (c->hs_started < lg->n_members)
		fprintf(f, "               not started: %llu (the join phase ended first)\n",
			(unsigned long long)(lg->n_members - c->hs_started));
	for (int i = 0; i < LP_REJECT__COUNT; i++)
		if (c->rejects[i])
			fprintf(f, "               rejected %s: %llu\n",
				lp_reject_reason_name((enum lp_reject_reason)i),
				(unsigned long long)c->rejects[i]);
	fprintf(f, "  members      held %zu of %zu after the joins, %zu at the end", r->held_join,
		lg->n_members, r->held_end);
	if (r->online_end >= 0)
		fprintf(f, " (the relay says %ld online)", r->online_end);
	fputc('\n', f);
	fprintf(f,
		"  frames       sent %llu (%.0f/s, %u bytes, %llu broadcast), received %llu "
		"(%.0f/s) of %llu expected",
		(unsigned long long)sent, (double)sent / dur, lg->o.frame_size,
		(unsigned long long)(e->tx_bcast - a->tx_bcast), (unsigned long long)recv,
		(double)recv / dur, (unsigned long long)expected);
	if (expected)
		fprintf(f, " (%.1f%%)", 100.0 * (double)recv / (double)expected);
	fputc('\n', f);
	if (e->tx_drop_queue - a->tx_drop_queue || e->tx_behind - a->tx_behind ||
	    c->rx_misdelivered || c->rx_bad)
		fprintf(f,
			"               dropped locally %llu, not sent (loop behind) %llu, "
			"misdelivered %llu, bad %llu\n",
			(unsigned long long)(e->tx_drop_queue - a->tx_drop_queue),
			(unsigned long long)(e->tx_behind - a->tx_behind),
			(unsigned long long)c->rx_misdelivered, (unsigned long long)c->rx_bad);
	if (lg->o.relay_pid > 0 && r->rss_before >= 0) {
		fprintf(f,
			"  relay memory %ld KiB before, %ld KiB joined (%.1f KiB/member), %ld KiB "
			"at the end (%.1f KiB/member)\n",
			r->rss_before, r->rss_joined,
			(double)(r->rss_joined - r->rss_before) / (double)lg->n_members, r->rss_end,
			(double)(r->rss_end - r->rss_before) / (double)lg->n_members);
		fprintf(f,
			"  relay CPU    %.2f s joining (%.2f ms per join), %.2f s during the "
			"traffic",
			r->relay_cpu_join,
			c->hs_welcomed ? r->relay_cpu_join * 1e3 / (double)c->hs_welcomed : 0,
			r->relay_cpu_traffic);
		if (recv)
			fprintf(f, ": %.2f us per frame received",
				r->relay_cpu_traffic * 1e6 / (double)recv);
		fputc('\n', f);
		fprintf(f,
			"               kept off the CPU (runnable) %.2f s joining, %.2f s "
			"traffic\n",
			r->relay_wait_join, r->relay_wait_traffic);
	}
	if (sent && recv)
		fprintf(f,
			"  packets      %.2f to the relay per frame sent, %.2f from it per frame "
			"received (data, ACKs, control)\n",
			(double)(e->udp_tx - a->udp_tx) / (double)sent,
			(double)(e->udp_rx - a->udp_rx) / (double)recv);
	fprintf(f, "  UDP drops    relay socket %lld joining, %lld traffic; loadgen %lld, %lld\n",
		r->relay_drops_join, r->relay_drops_traffic, r->lg_drops_join, r->lg_drops_traffic);
	fprintf(f,
		"  loadgen CPU  %.2f s joining, %.2f s during the traffic (kept off %.2f s, %.2f "
		"s)\n",
		r->lg_cpu_join, r->lg_cpu_traffic, r->lg_wait_join, r->lg_wait_traffic);
}

/* ------------------------------------------------------------ main */

static int run(struct lg *lg, struct report *rep)
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
	qsort(lg->lat_us, lg->n_lat, sizeof(*lg->lat_us), cmp_u32);
	rep->lat_p50 = pct(lg->lat_us, lg->n_lat, 0.50);
	rep->lat_p99 = pct(lg->lat_us, lg->n_lat, 0.99);
	rep->lat_max = pct(lg->lat_us, lg->n_lat, 1.0);
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
	struct report rep = { .rss_before = -1, .online_join = -1, .online_end = -1 };
	int r;

	lp_log_init("lanparty-loadgen");
	lp_log_set_level(LP_LOG_ERROR);
	r = parse_args(&lg.o, argc, argv);
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
			print_json(&lg, &rep, stdout);
			print_human(&lg, &rep, stderr);
		} else {
			print_human(&lg, &rep, stdout);
		}
	} else {
		fprintf(stderr, "lanparty-loadgen: run failed: %s\n", lp_strerror(r));
	}
	teardown(&lg);
	curl_global_cleanup();
	return r == 0 ? 0 : 1;
}
