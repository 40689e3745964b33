/*
 * lanparty-client: puts a player's PC on the party LAN. A TAP device (the
 * party device) carries the PC's Ethernet frames; the agent core carries
 * them to the relay and back. The device, its routes and address live as
 * long as the process, across any number of reconnects.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "client_setup.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "macstate.h"
#include "net.h"
#include "options.h"
#include "routes.h"
#include "sys.h"
#include "tap.h"

#define PROG "lanparty-client"

static const struct lp_agent_prog prog = {
	.name = PROG,
	.role = LP_INVITE_CLIENT,
	.summary = "Puts this PC on a LAN party's network through the relay: a virtual\n"
		   "network card (the party device) whose frames travel to the party LAN.\n"
		   "Needs CAP_NET_ADMIN (root, setcap cap_net_admin+ep, or the systemd unit).",
	.extra_title = "Party device:",
	.epilogue = "The party LAN's DHCP server hands out the address: run your DHCP client\n"
		    "on the party device without taking its router as default route, or give\n"
		    "--address. See docs/client.md.",
};

/* The client's own flags. */
struct client_opts {
	const char *tap;
	const char *mac;
	const char *state_dir;
	struct lp_client_address address;
	bool no_broadcast_routes;
	bool no_relay_route;
};

static int parse_tap(const char *value, void *arg, char *err, size_t errlen)
{
	if (!lp_tap_name_valid(value)) {
		snprintf(err, errlen,
			 "not a device name (1 to %d characters, no '/', ':' or spaces)",
			 LP_TAP_NAME_MAX - 1);
		return LP_ERR_INVALID;
	}
	*(const char **)arg = value;
	return 0;
}

static int parse_mac(const char *value, void *arg, char *err, size_t errlen)
{
	struct lp_mac m;
	if (lp_mac_parse(value, strlen(value), &m) < 0) {
		snprintf(err, errlen, "not a MAC address like 02:12:34:56:78:9a");
		return LP_ERR_INVALID;
	}
	if (!lp_mac_is_valid_member(&m)) {
		snprintf(err, errlen, "a multicast or all-zero MAC cannot be a device's address");
		return LP_ERR_INVALID;
	}
	*(const char **)arg = value;
	return 0;
}

/* ---------------------------------------------------------------- start-up */

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* mkdir -p for the state directory. */
static int make_dirs(const char *dir)
{
	char p[LP_MACSTATE_PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char end = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = end;
		if (!end)
			return 0;
	}
}

static int get_mac(const struct client_opts *co, const char *dev, struct lp_mac *mac,
		   char *resume_path, size_t rlen)
{
	char dir[LP_MACSTATE_PATH_MAX], path[LP_MACSTATE_PATH_MAX], err[LP_MACSTATE_ERR_MAX];
	char m[LP_MAC_STRLEN];
	enum lp_macstate_source src;
	int ret;
	path[0] = '\0';
	if (!co->mac) {
		if (co->state_dir) {
			snprintf(dir, sizeof(dir), "%s", co->state_dir);
		} else {
			struct lp_macstate_env env = {
				.root = geteuid() == 0,
				.state_directory = getenv("STATE_DIRECTORY"),
				.xdg_state_home = getenv("XDG_STATE_HOME"),
				.home = getenv("HOME"),
			};
			if (lp_macstate_default_dir(&env, dir, sizeof(dir)) < 0) {
				fprintf(stderr, PROG ": no place for the MAC state file: give "
						     "--state-dir DIR or --mac MAC\n");
				return LP_ERR_NOT_FOUND;
			}
		}
		if ((ret = make_dirs(dir)) < 0) {
			fprintf(stderr, PROG ": state directory %s: %s\n", dir, strerror(-ret));
			return ret;
		}
		if ((ret = lp_macstate_path(dir, dev, path, sizeof(path))) < 0) {
			fprintf(stderr, PROG ": state directory %s: path too long\n", dir);
			return ret;
		}
	}
	if ((ret = lp_macstate_get(path, co->mac, mac, &src, err, sizeof(err))) < 0) {
		fprintf(stderr, PROG ": MAC state file %s\n", err);
		return ret;
	}
	/* the resume secret lives beside the MAC: DIR/DEV.mac -> DIR/DEV.resume */
	size_t n = strlen(path);
	if (n > 4 && strcmp(path + n - 4, ".mac") == 0)
		snprintf(resume_path, rlen, "%.*s.resume", (int)(n - 4), path);
	log_info("party_device_mac mac=%s source=%s%s%s", lp_mac_format(mac, m),
		 src == LP_MACSTATE_OVERRIDE  ? "--mac"
		 : src == LP_MACSTATE_CREATED ? "new"
					      : "state",
		 path[0] ? " file=" : "", path);
	return 0;
}

static int open_device(struct lp_client *c, const struct client_opts *co, uint32_t mtu)
{
	struct lp_tap_config tc = { .mtu = mtu };
	char err[LP_TAP_ERR_MAX], m[LP_MAC_STRLEN];
	snprintf(tc.name, sizeof(tc.name), "%s", co->tap ? co->tap : LP_TAP_NAME_DEFAULT);
	int ret = get_mac(co, tc.name, &tc.mac, c->resume_path, sizeof(c->resume_path));
	if (ret < 0)
		return ret;
	ret = lp_tap_open(&c->tap, &tc, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	log_info("party_device dev=%s mac=%s mtu=%u", lp_tap_name(c->tap),
		 lp_mac_format(lp_tap_mac(c->tap), m), lp_tap_mtu(c->tap));
	return 0;
}

static int run(struct lp_client *c, const struct lp_agent_options *o, const struct client_opts *co)
{
	struct lp_join_config jc;
	int code = lp_client_fetch_config(PROG, &o->invite, &jc, sleep_ns);
	if (code != 0)
		return code;
	log_info("room_config room=%s mtu=%u quic=%s:%u", jc.room_name, jc.mtu, jc.quic_host,
		 jc.quic_port);
	if (open_device(c, co, jc.mtu) < 0 ||
	    lp_client_routes(c, &o->invite, &jc, !co->no_relay_route, !co->no_broadcast_routes,
			     co->address.set ? &co->address.cidr : NULL) < 0)
		return LP_AGENT_EXIT_ERROR;
	return lp_client_run(c, o, &prog, &jc);
}

int main(int argc, char **argv)
{
	struct client_opts co = { 0 };
	const struct lp_agent_extra_opt extra[] = {
		{ "tap", "NAME", "party device name (default " LP_TAP_NAME_DEFAULT ")", false,
		  false, parse_tap, &co.tap },
		{ "mac", "MAC", "the device's MAC (default: random, kept in the state directory)",
		  false, false, parse_mac, &co.mac },
		{ "state-dir", "DIR", "where the MAC is kept (root: " LP_MACSTATE_ROOT_DIR ")",
		  false, false, NULL, &co.state_dir },
		{ "address", "CIDR", "a static IPv4 address, e.g. 192.168.1.77/24 (default: DHCP)",
		  false, false, lp_client_parse_address, &co.address },
		{ "no-broadcast-routes", NULL,
		  "no routes for 255.255.255.255/32 and 224.0.0.0/4 on the device", false, false,
		  NULL, &co.no_broadcast_routes },
		{ "no-relay-route", NULL, "no host route that keeps the relay out of the tunnel",
		  false, false, NULL, &co.no_relay_route },
	};
	struct lp_agent_options o;
	char err[512];

	lp_log_init(PROG);
	int ret =
		lp_agent_options_parse(&o, argc, argv, &prog, extra,
				       sizeof(extra) / sizeof(extra[0]), stdout, err, sizeof(err));
	if (ret == LP_AGENT_OPT_EXIT)
		return 0;
	if (ret == LP_AGENT_OPT_STATUS)
		return lp_agent_status_cmd(&prog, o.status_path, stdout, stderr);
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return LP_AGENT_EXIT_USAGE;
	}
	lp_log_set_level(o.log_level);
	lp_log_set_format(o.log_format);
	signal(SIGPIPE, SIG_IGN);
	/* a log rotation's SIGHUP before the loop takes signals over must not kill us */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, NULL);

	struct lp_client c;
	lp_client_init(&c, PROG);
	c.stop_signals[0] = (struct lp_client_signal){ SIGINT, "SIGINT" };
	c.stop_signals[1] = (struct lp_client_signal){ SIGTERM, "SIGTERM" };
	c.n_stop_signals = 2;
	c.reopen_signal = SIGHUP;
	c.pin_refresh = !co.no_relay_route;
	int code = run(&c, &o, &co);
	lp_client_cleanup(&c);
	memset(&o.invite, 0, sizeof(o.invite)); /* the room code */
	return code;
}
