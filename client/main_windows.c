/*
 * lanparty-client.exe: puts a Windows PC on the party LAN. A tap-windows6
 * adapter (the party adapter) carries the PC's Ethernet frames; the agent
 * core carries them to the relay and back, as on Linux. On top of what the
 * Linux client does, the Windows traps LAN games fall into are handled
 * (docs/windows.md): the party adapter gets the lowest interface metric so
 * broadcasts leave through it, a default route from the party's DHCP is
 * removed, the relay's path is pinned outside the tunnel, and the party
 * network is made Private for Windows Firewall. All of it is undone at exit.
 */
#include <winsock2.h>
#include <windows.h>
#include <shellapi.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "client_setup.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "macstate.h"
#include "options.h"
#include "profile_windows.h"
#include "routes_windows.h"
#include "service_windows.h"
#include "sys.h"
#include "tap_windows.h"
#include "winerr_windows.h"

#define PROG	 "lanparty-client"
#define ARGS_MAX 64

static const struct lp_agent_prog prog = {
	.name = PROG,
	.role = LP_INVITE_CLIENT,
	.summary = "Puts this PC on a LAN party's network through the relay, over a\n"
		   "tap-windows6 adapter (the party adapter). Run it as Administrator, or\n"
		   "install it as a service: " PROG " service install --invite ...",
	.extra_title = "Party adapter:",
	.epilogue = "The party LAN's DHCP server gives the adapter its address; its router\n"
		    "never becomes this PC's default route. See docs/windows.md.",
};

struct client_opts {
	const char *tap;
	struct lp_client_address address;
	bool no_broadcast_routes;
	bool no_relay_route;
	bool no_metric;
	bool no_firewall_profile;
};

static int parse_tap(const char *value, void *arg, char *err, size_t errlen)
{
	if (!lp_tap_name_valid(value)) {
		snprintf(err, errlen, "not an adapter name (1 to %d characters)",
			 LP_TAP_NAME_MAX - 1);
		return LP_ERR_INVALID;
	}
	*(const char **)arg = value;
	return 0;
}

/* ---------------------------------------------------------------- Windows hooks */

/* The firewall profile: looked at with the default-route guard until settled. */
static void profile_step(struct lp_client *c, void *arg)
{
	(void)c;
	(void)lp_win_profile_step(arg);
}

/* Put the category back while the adapter's network still exists. */
static void profile_restore(struct lp_client *c, void *arg)
{
	(void)c;
	lp_win_profile_restore(arg);
}

/* ---------------------------------------------------------------- start-up */

/* Sleeps between config fetches; a service asked to stop meanwhile exits at once. */
static void sleep_ns(uint64_t ns)
{
	if (lp_win_service_wait_stop(ns)) {
		log_info("shutdown signal=stop");
		exit(0); /* nothing is changed on the PC before the config is in */
	}
}

static int open_device(struct lp_client *c, const struct client_opts *co, uint32_t mtu)
{
	struct lp_tap_config tc = { .mtu = mtu };
	char err[LP_TAP_ERR_MAX], m[LP_MAC_STRLEN], dir[LP_MACSTATE_PATH_MAX];

	snprintf(tc.name, sizeof(tc.name), "%s", co->tap ? co->tap : "");
	int ret = lp_tap_open(&c->tap, &tc, err, sizeof(err));

	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	log_info("party_device dev=\"%s\" mac=%s mtu=%u", lp_tap_name(c->tap),
		 lp_mac_format(lp_tap_mac(c->tap), m), lp_tap_mtu(c->tap));
	/* The resume secret of this adapter, where the status file lives. */
	const char *base = getenv("ProgramData");
	char path[LP_MACSTATE_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s\\softlan", base && base[0] ? base : "C:\\ProgramData");
	if (lp_macstate_path(dir, lp_tap_name(c->tap), path, sizeof(path)) == 0) {
		size_t n = strlen(path);

		snprintf(c->resume_path, sizeof(c->resume_path), "%.*s.resume", (int)(n - 4), path);
	}
	return 0;
}

static void set_metric(struct lp_client *c)
{
	struct lp_win_metric_plan plan;
	char err[LP_ROUTES_ERR_MAX];

	if (lp_routes_set_metric(c->routes, &plan, err, sizeof(err)) < 0) {
		log_warnx("party_adapter_metric_failed error=\"%s\" hint=\"broadcasts may leave "
			  "through another adapter\"",
			  err);
		return;
	}
	log_info("party_adapter_metric dev=\"%s\" metric=%u changed=%s", lp_tap_name(c->tap),
		 plan.metric, plan.change ? "yes" : "no");
	if (plan.tie)
		log_warnx("party_adapter_metric_tie other=\"%s\" other_metric=%u hint=\"another "
			  "adapter (often another VPN's) has as low a metric and may take LAN "
			  "games' broadcasts: raise its metric or disable it (docs/windows.md)\"",
			  plan.rival_name, plan.rival_metric);
}

static int setup_network(struct lp_client *c, struct lp_win_profile *profile,
			 const struct client_opts *co, const struct lp_invite *inv,
			 const struct lp_join_config *jc)
{
	char err[LP_ROUTES_ERR_MAX];
	int ret = lp_routes_new(&c->routes, lp_tap_ifindex(c->tap), err, sizeof(err));

	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	if (!co->no_metric)
		set_metric(c);
	ret = lp_client_routes(c, inv, jc, !co->no_relay_route, !co->no_broadcast_routes,
			       co->address.set ? &co->address.cidr : NULL);
	if (ret < 0)
		return ret;
	if (!co->no_firewall_profile) {
		lp_win_profile_init(profile, lp_tap_guid(c->tap), lp_tap_name(c->tap));
		c->guard_hook = profile_step;
		c->cleanup_hook = profile_restore;
		c->hook_arg = profile;
	}
	return 0;
}

static int run(struct lp_client *c, struct lp_win_profile *profile,
	       const struct lp_agent_options *o, const struct client_opts *co)
{
	struct lp_join_config jc;
	int code = lp_client_fetch_config(PROG, &o->invite, &jc, sleep_ns);

	if (code != 0)
		return code;
	log_info("room_config room=%s mtu=%u quic=%s:%u", jc.room_name, jc.mtu, jc.quic_host,
		 jc.quic_port);
	if (open_device(c, co, jc.mtu) < 0 || setup_network(c, profile, co, &o->invite, &jc) < 0)
		return LP_AGENT_EXIT_ERROR;
	return lp_client_run(c, o, &prog, &jc);
}

/* ---------------------------------------------------------------- main */

/* Parse; 0 to run, or an exit code with *done set. */
static int parse(int argc, char **argv, struct lp_agent_options *o, struct client_opts *co,
		 bool *done)
{
	const struct lp_agent_extra_opt extra[] = {
		{ "tap", "NAME", "the TAP adapter's name (default: the first free one)", false,
		  false, parse_tap, &co->tap },
		{ "address", "CIDR", "a static IPv4 address, e.g. 192.168.1.77/24 (default: DHCP)",
		  false, false, lp_client_parse_address, &co->address },
		{ "no-broadcast-routes", NULL,
		  "no routes for 255.255.255.255/32 and 224.0.0.0/4 on the adapter", false, false,
		  NULL, &co->no_broadcast_routes },
		{ "no-relay-route", NULL, "no host route that keeps the relay out of the tunnel",
		  false, false, NULL, &co->no_relay_route },
		{ "no-metric", NULL, "leave the adapter's interface metric alone", false, false,
		  NULL, &co->no_metric },
		{ "no-firewall-profile", NULL, "leave the party network's firewall category alone",
		  false, false, NULL, &co->no_firewall_profile },
	};
	char err[512];
	int ret =
		lp_agent_options_parse(o, argc, argv, &prog, extra,
				       sizeof(extra) / sizeof(extra[0]), stdout, err, sizeof(err));

	*done = true;
	if (ret == LP_AGENT_OPT_EXIT)
		return 0;
	if (ret == LP_AGENT_OPT_STATUS)
		return lp_agent_status_cmd(&prog, o->status_path, stdout, stderr);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return LP_AGENT_EXIT_USAGE;
	}
	*done = false;
	return 0;
}

static int check_flags(int argc, char **argv)
{
	struct lp_agent_options o;
	struct client_opts co = { 0 };
	bool done;
	int code = parse(argc, argv, &o, &co, &done);

	memset(&o.invite, 0, sizeof(o.invite));
	return done && code == 0 ? LP_AGENT_EXIT_USAGE : code;
}

static int client_main(int argc, char **argv)
{
	struct lp_agent_options o;
	struct client_opts co = { 0 };
	bool done;
	int code = parse(argc, argv, &o, &co, &done);

	if (done)
		return code;
	lp_log_set_level(o.log_level);
	lp_log_set_format(o.log_format);
	struct lp_client c;
	struct lp_win_profile profile;

	lp_client_init(&c, PROG);
	c.stop_signals[0] = (struct lp_client_signal){ SIGINT, "Ctrl-C" };
	c.stop_signals[1] = (struct lp_client_signal){ SIGBREAK, "Ctrl-Break" };
	c.stop_signals[2] = (struct lp_client_signal){ SIGTERM, "stop" };
	c.n_stop_signals = 3;
	c.pin_refresh = !co.no_relay_route;
	code = run(&c, &profile, &o, &co);
	lp_client_cleanup(&c);
	memset(&o.invite, 0, sizeof(o.invite)); /* the room code */
	return code;
}

/* The command line as UTF-8 (main's argv is in the ANSI code page). */
static int utf8_args(char **argv, int max)
{
	static char buf[32768];
	int n = 0;
	wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
	size_t used = 0;

	if (!w)
		return -1;
	for (int i = 0; i < n && i < max; i++) {
		if (lp_win_narrow(w[i], buf + used, sizeof(buf) - used) < 0) {
			LocalFree(w);
			return -1;
		}
		argv[i] = buf + used;
		used += strlen(argv[i]) + 1;
	}
	LocalFree(w);
	return n < max ? n : max;
}

int main(void)
{
	static char *argv[ARGS_MAX + 1];
	static const struct lp_win_client_main m = { .check = check_flags, .run = client_main };

	SetConsoleOutputCP(CP_UTF8);
	lp_log_init(PROG);
	int argc = utf8_args(argv, ARGS_MAX);

	if (argc < 1) {
		fprintf(stderr, PROG ": cannot read the command line\n");
		return LP_AGENT_EXIT_USAGE;
	}
	if (argc >= 2 && strcmp(argv[1], "service") == 0)
		return lp_win_service_cmd(argc, argv, &m);
	return client_main(argc, argv);
}
