/*
 * loadgen_flags.c: the load generator's command line (every flag is
 * described at the top of loadgen.c): checked ranges, clear errors, and the
 * defaults filled in.
 */
#include "loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MEMBERS 20

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

int lg_parse_args(struct lg_opts *o, int argc, char **argv)
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

/* One --invite: a client invite, a gateway invite, or both of one room joined by a comma. */
int lg_parse_room_invites(struct lg_room *room, const char *text)
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
