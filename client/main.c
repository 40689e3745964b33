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
/* While the relay cannot be reached, look its path up again this often. */
#define PIN_REFRESH_NS (10ull * 1000000000ull)
/* How often a default route through the party device is looked for. */
#define GUARD_NS (2ull * 1000000000ull)

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
	const char *address;
	bool no_broadcast_routes;
	bool no_relay_route;
	struct lp_cidr addr; /* --address, parsed */
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

static int parse_address(const char *value, void *arg, char *err, size_t errlen)
{
	struct client_opts *co = arg;
	char why[LP_ROUTES_ERR_MAX];
	if (lp_cidr_parse_v4(value, &co->addr, why, sizeof(why)) < 0 ||
	    lp_cidr_check_host_v4(&co->addr, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return LP_ERR_INVALID;
	}
	co->address = value;
	return 0;
}

struct client {
	struct lp_loop *loop;
	struct lp_agent *agent;
	struct lp_tap *tap;
	struct lp_routes *routes;
	struct lp_timer pin_timer, guard_timer;
	char resume_path[LP_MACSTATE_PATH_MAX + 8]; /* beside the MAC file; "" = not kept */
	bool stopping;
	bool device_gone;
};

/* ---------------------------------------------------------------- frames */

static void on_tap_frame(void *arg, uint8_t *frame, size_t len)
{
	struct client *c = arg;
	/* drops (not connected, queue full) are counted by the core */
	(void)lp_agent_send_frame(c->agent, frame, len);
}

static void on_tap_gone(void *arg, int err)
{
	struct client *c = arg;
	log_error("party_device_gone dev=%s error=\"%s\" hint=\"something deleted the device; "
		  "leaving the room\"",
		  lp_tap_name(c->tap), strerror(-err));
	c->device_gone = true;
	c->stopping = true;
	lp_agent_stop(c->agent);
}

static int dev_write_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct client *c = ctx;
	return lp_tap_write(c->tap, frame, len);
}

static void dev_on_welcome(void *ctx, const struct lp_ctrl_welcome *w)
{
	struct client *c = ctx;
	lp_client_save_resume(c->resume_path, w->resume);
	if (w->mtu == lp_tap_mtu(c->tap))
		return;
	uint32_t old = lp_tap_mtu(c->tap);
	int ret = lp_tap_set_mtu(c->tap, w->mtu);
	if (ret < 0)
		log_warnx("party_device_mtu_failed dev=%s mtu=%u error=\"%s\"", lp_tap_name(c->tap),
			  w->mtu, lp_strerror(ret));
	else
		log_info("party_device_mtu dev=%s mtu=%u was=%u", lp_tap_name(c->tap), w->mtu, old);
}

static void dev_on_disconnected(void *ctx)
{
	struct client *c = ctx;
	/* the PC may have changed networks: the relay's path may have moved */
	if (c->routes)
		(void)lp_routes_pin_refresh(c->routes);
}

/*
 * A PC that woke up on another network may not have lost a connection
 * since (it had none): while the relay cannot be reached, its pin is
 * refreshed now and then. Not while connected: the path works.
 */
static void on_pin_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct client *c = t->arg;
	if (lp_agent_state(c->agent) != LP_AGENT_CONNECTED && !c->stopping)
		(void)lp_routes_pin_refresh(c->routes);
	lp_loop_timer_arm_in(loop, t, PIN_REFRESH_NS);
}

/* A DHCP lease on the party device can come, and be renewed, at any time. */
static void on_guard_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct client *c = t->arg;
	(void)lp_routes_drop_defaults(c->routes);
	lp_loop_timer_arm_in(loop, t, GUARD_NS);
}

/* ---------------------------------------------------------------- signals */

static void on_signal(struct lp_loop *loop, int signo, void *arg)
{
	struct client *c = arg;
	if (signo == SIGHUP) {
		if (lp_log_reopen() < 0)
			log_warn("log_reopen_failed");
		return;
	}
	if (c->stopping) {
		/* a second Ctrl-C: do not wait for the relay */
		log_info("shutdown_now signal=%s", signo == SIGINT ? "SIGINT" : "SIGTERM");
		lp_loop_stop(loop);
		return;
	}
	log_info("shutdown signal=%s", signo == SIGINT ? "SIGINT" : "SIGTERM");
	c->stopping = true;
	lp_agent_stop(c->agent);
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

/* The device's routes and address; only --address failing is fatal. */
static int setup_routes(struct client *c, const struct client_opts *co, const struct lp_invite *inv,
			const struct lp_join_config *jc)
{
	char err[LP_ROUTES_ERR_MAX];
	int ret = lp_routes_new(&c->routes, lp_tap_ifindex(c->tap), err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	if (!co->no_relay_route)
		lp_client_pin_relay(c->routes, inv, jc);
	if (!co->no_broadcast_routes)
		lp_client_broadcast_routes(c->routes, lp_tap_name(c->tap));
	if (co->address) {
		ret = lp_routes_add_address(c->routes, &co->addr, err, sizeof(err));
		if (ret < 0 && ret != -EEXIST) {
			fprintf(stderr, PROG ": --address: %s\n", err);
			return ret;
		}
		log_info("party_device_address address=%s dev=%s", co->address,
			 lp_tap_name(c->tap));
	}
	(void)lp_routes_drop_defaults(c->routes);
	return 0;
}

static int open_device(struct client *c, const struct client_opts *co, uint32_t mtu)
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

static int run(struct client *c, const struct lp_agent_options *o, const struct client_opts *co)
{
	struct lp_join_config jc;
	int code = lp_client_fetch_config(PROG, &o->invite, &jc, sleep_ns);
	if (code != 0)
		return code;
	log_info("room_config room=%s mtu=%u quic=%s:%u", jc.room_name, jc.mtu, jc.quic_host,
		 jc.quic_port);
	if (open_device(c, co, jc.mtu) < 0 || setup_routes(c, co, &o->invite, &jc) < 0)
		return LP_AGENT_EXIT_ERROR;

	struct lp_agent_cfg cfg;
	lp_agent_cfg_from_options(&cfg, o, &prog);
	cfg.has_mac = true;
	cfg.mac = *lp_tap_mac(c->tap);
	cfg.clamp_mss = true;
	cfg.has_join = true;
	cfg.join = jc;
	lp_client_load_resume(c->resume_path, &cfg);
	const struct lp_agent_device dev = {
		.ctx = c,
		.write_frame = dev_write_frame,
		.on_welcome = dev_on_welcome,
		.on_disconnected = dev_on_disconnected,
	};
	int ret;
	if ((ret = lp_loop_new(&c->loop, 0)) < 0 ||
	    (ret = lp_agent_new(&c->agent, c->loop, &cfg, &dev)) < 0 ||
	    (ret = lp_tap_watch(c->tap, c->loop, 0, on_tap_frame, on_tap_gone, c)) < 0 ||
	    (ret = lp_loop_signal_add(c->loop, SIGINT, on_signal, c)) < 0 ||
	    (ret = lp_loop_signal_add(c->loop, SIGTERM, on_signal, c)) < 0 ||
	    (ret = lp_loop_signal_add(c->loop, SIGHUP, on_signal, c)) < 0 ||
	    (ret = lp_agent_start(c->agent)) < 0) {
		fprintf(stderr, PROG ": cannot start: %s\n", lp_strerror(ret));
		return LP_AGENT_EXIT_ERROR;
	}
	if ((ret = lp_loop_timer_arm_in(c->loop, &c->guard_timer, GUARD_NS)) < 0 ||
	    (!co->no_relay_route &&
	     (ret = lp_loop_timer_arm_in(c->loop, &c->pin_timer, PIN_REFRESH_NS)) < 0)) {
		fprintf(stderr, PROG ": cannot start: %s\n", lp_strerror(ret));
		return LP_AGENT_EXIT_ERROR;
	}
	ret = lp_loop_run(c->loop);
	if (ret < 0) {
		errno = -ret;
		log_warn("loop_failed");
		return LP_AGENT_EXIT_ERROR;
	}
	return c->device_gone ? LP_AGENT_EXIT_ERROR : lp_agent_exit_code(c->agent);
}

/* Undo everything, newest first: the agent, the routes and address, the device. */
static void cleanup(struct client *c)
{
	if (c->loop) {
		lp_loop_timer_cancel(c->loop, &c->pin_timer);
		lp_loop_timer_cancel(c->loop, &c->guard_timer);
	}
	lp_tap_unwatch(c->tap);
	lp_agent_del(c->agent);
	lp_routes_del(c->routes);
	if (c->tap) {
		struct lp_tap_stats st;
		lp_tap_get_stats(c->tap, &st);
		log_info("party_device_removed dev=%s read=%llu written=%llu write_errors=%llu "
			 "oversize=%llu",
			 lp_tap_name(c->tap), (unsigned long long)st.frames_read,
			 (unsigned long long)st.frames_written, (unsigned long long)st.write_errors,
			 (unsigned long long)(st.read_oversize + st.read_runt));
	}
	lp_tap_close(c->tap);
	lp_loop_del(c->loop);
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
		  false, false, parse_address, &co },
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

	struct client c = { 0 };
	lp_timer_init(&c.pin_timer, on_pin_timer, &c);
	lp_timer_init(&c.guard_timer, on_guard_timer, &c);
	int code = run(&c, &o, &co);
	cleanup(&c);
	memset(&o.invite, 0, sizeof(o.invite)); /* the room code */
	return code;
}
