/*
 * lanparty-gateway: bridges the party LAN into a room of the relay.
 *
 *   lanparty-gateway --invite lanparty://relay/gateway/CODE --interface eth0
 *   lanparty-gateway status
 *
 * It fetches the room config, opens the capture on the interface (whose MTU
 * must carry the room's), and runs the agent core: frames captured on the
 * LAN that remote members need go to the relay (remote.h decides), frames
 * from the relay are injected on the LAN. The capture stays open across
 * reconnects; only the set of remote MACs is forgotten while disconnected.
 */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "capture_linux.h"
#include "clock.h"
#include "err.h"
#include "link_linux.h"
#include "log.h"
#include "loop.h"
#include "mtu.h"
#include "options.h"
#include "rand.h"
#include "remote.h"

#define PROG "lanparty-gateway"
/* Frames taken from the ring per wakeup, so the QUIC socket gets its turn. */
#define READ_BUDGET 256
/* How often the capture summary is considered (logged only when something changed). */
#define SUMMARY_NS (60ull * LP_NS_PER_SEC)
/* How often the interface is looked for (a removal may come without an error). */
#define PRESENT_NS (5ull * LP_NS_PER_SEC)

struct gateway {
	struct lp_loop *loop;
	struct lp_agent *agent;
	struct lp_capture *cap;
	struct lp_io cap_io;
	struct lp_timer summary;
	struct lp_timer present;
	const char *ifname;
	uint32_t if_mtu;
	uint32_t self_id;
	bool capture_dead;
	bool stopping;
	uint64_t verdicts[LP_REMOTE__COUNT];
	uint64_t refused; /* frames the agent did not take (not connected, queue full) */
	uint64_t logged_total;
	struct lp_remote remote;
};

/* One per process; static because lp_remote is 24 KiB. */
static struct gateway gw;

static struct lp_log_rl rl_link = LP_LOG_RL_INIT(1, 10);
static struct lp_log_rl rl_inject = LP_LOG_RL_INIT(1, 10);

/* ---------------------------------------------------------------- LAN -> relay */

static void on_captured(void *arg, uint8_t *frame, size_t len)
{
	struct gateway *g = arg;
	enum lp_remote_verdict v = lp_remote_classify(&g->remote, frame, len);
	g->verdicts[v]++;
	if (lp_remote_sends(v) && lp_agent_send_frame(g->agent, frame, len) < 0)
		g->refused++;
}

static void capture_died(struct gateway *g, const char *why)
{
	log_error("capture_lost iface=%s error=\"%s\"", g->ifname, why);
	g->capture_dead = true;
	lp_loop_io_del(g->loop, &g->cap_io);
	if (!g->stopping) {
		g->stopping = true;
		lp_agent_stop(g->agent);
	}
}

static void on_capture_io(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	(void)loop;
	struct gateway *g = io->arg;
	if (events & LP_IO_ERROR) {
		int e = lp_capture_error(g->cap);
		if (e == -ENODEV) {
			capture_died(g, "the interface is gone");
			return;
		}
		if (e == -ENETDOWN)
			log_warnx_rl(&rl_link,
				     "capture_link_down iface=%s msg=\"the interface went down: "
				     "nothing is bridged until it is up again\"",
				     g->ifname);
		else if (e < 0)
			log_warnx_rl(&rl_link, "capture_error iface=%s error=\"%s\"", g->ifname,
				     lp_strerror(e));
	}
	if (events & LP_IO_READ)
		lp_capture_read(g->cap, READ_BUDGET, on_captured, g);
}

/* ---------------------------------------------------------------- relay -> LAN */

static int dev_write_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct gateway *g = ctx;
	return lp_capture_send(g->cap, frame, len);
}

static void dev_flush(void *ctx)
{
	struct gateway *g = ctx;
	int rc = lp_capture_flush(g->cap);
	if (rc < 0)
		log_warnx_rl(&rl_inject, "inject_failed iface=%s error=\"%s\"", g->ifname,
			     lp_strerror(rc));
}

static void dev_on_welcome(void *ctx, const struct lp_ctrl_welcome *w)
{
	struct gateway *g = ctx;
	g->self_id = w->member_id;
	int rc = lp_remote_load_welcome(&g->remote, w);
	if (rc < 0)
		log_warnx("remote_macs_incomplete error=\"%s\"", lp_strerror(rc));
	log_info("remote_macs count=%zu", lp_remote_count(&g->remote));
	if (w->mtu > g->if_mtu)
		log_warnx("room_mtu_too_big iface=%s iface_mtu=%u room_mtu=%u msg=\"frames over "
			  "the interface's MTU from players are dropped: raise the interface MTU\"",
			  g->ifname, g->if_mtu, w->mtu);
}

static void dev_on_peer_joined(void *ctx, const struct lp_ctrl_member *m)
{
	struct gateway *g = ctx;
	int rc = lp_remote_add_member(&g->remote, m, g->self_id);
	if (rc < 0)
		log_warnx("remote_mac_not_added member=%u error=\"%s\"", m->id, lp_strerror(rc));
	else
		log_debug("remote_macs count=%zu", lp_remote_count(&g->remote));
}

static void dev_on_peer_left(void *ctx, uint32_t member_id)
{
	struct gateway *g = ctx;
	if (lp_remote_del(&g->remote, member_id) == 0)
		log_debug("remote_macs count=%zu", lp_remote_count(&g->remote));
}

static void dev_on_disconnected(void *ctx)
{
	struct gateway *g = ctx;
	/* Until the next welcome nobody is known to be remote: unicast stays home. */
	lp_remote_clear(&g->remote);
}

/* ---------------------------------------------------------------- summary, signals */

static void on_summary(struct lp_loop *loop, struct lp_timer *t)
{
	struct gateway *g = t->arg;
	struct lp_capture_stats s;
	lp_capture_stats(g->cap, &s);
	uint64_t total = s.rx_frames + s.rx_truncated + s.rx_ring_full + s.tx_frames + s.tx_failed +
			 s.tx_oversize;
	if (total != g->logged_total) {
		g->logged_total = total;
		const uint64_t *v = g->verdicts;
		log_info("capture_summary iface=%s captured=%llu sent=%llu local=%llu loop=%llu "
			 "oversize=%llu switch_control=%llu refused=%llu ring_full=%llu "
			 "truncated=%llu injected=%llu inject_failed=%llu inject_oversize=%llu",
			 g->ifname, (unsigned long long)s.rx_frames,
			 (unsigned long long)(v[LP_REMOTE_BROADCAST] + v[LP_REMOTE_MULTICAST] +
					      v[LP_REMOTE_UNICAST]),
			 (unsigned long long)v[LP_REMOTE_LOCAL],
			 (unsigned long long)v[LP_REMOTE_LOOP],
			 (unsigned long long)v[LP_REMOTE_OVERSIZE],
			 (unsigned long long)v[LP_REMOTE_SWITCH_CONTROL],
			 (unsigned long long)g->refused, (unsigned long long)s.rx_ring_full,
			 (unsigned long long)s.rx_truncated, (unsigned long long)s.tx_frames,
			 (unsigned long long)s.tx_failed, (unsigned long long)s.tx_oversize);
	}
	lp_loop_timer_arm(loop, t, lp_timer_deadline(t) + SUMMARY_NS);
}

static void on_present(struct lp_loop *loop, struct lp_timer *t)
{
	struct gateway *g = t->arg;
	if (g->capture_dead)
		return;
	if (!lp_capture_present(g->cap)) {
		capture_died(g, "the interface is gone");
		return;
	}
	lp_loop_timer_arm(loop, t, lp_timer_deadline(t) + PRESENT_NS);
}

static void on_stop_signal(struct lp_loop *loop, int signo, void *arg)
{
	struct gateway *g = arg;
	if (g->stopping) {
		/* A second signal: the user does not want to wait for the goodbye. */
		log_info("stop_now signal=%d", signo);
		lp_loop_stop(loop);
		return;
	}
	log_info("stopping signal=%d", signo);
	g->stopping = true;
	lp_agent_stop(g->agent);
}

static void on_hup(struct lp_loop *loop, int signo, void *arg)
{
	(void)loop;
	(void)signo;
	(void)arg;
	int rc = lp_log_reopen();
	if (rc < 0)
		log_warnx("log_reopen_failed error=\"%s\"", lp_strerror(rc));
}

/* ---------------------------------------------------------------- start-up */

struct gw_flags {
	const char *interface;
	bool host_traffic;
	bool keep_offloads;
};

static const struct lp_agent_prog prog = {
	.name = PROG,
	.role = LP_INVITE_GATEWAY,
	.summary = "Bridges the party LAN on IFACE into a room of a lanparty-relay: broadcast,\n"
		   "multicast and frames for remote players go to the relay, frames from the\n"
		   "players are put on the LAN. Needs CAP_NET_RAW (and CAP_NET_ADMIN to turn\n"
		   "off receive offloads that merge frames).",
	.extra_title = "LAN:",
	.epilogue = "Run `" PROG " status` to see the running gateway's state.\n"
		    "Documentation: docs/gateway.md",
};

/*
 * The room config, before anything else: its MTU decides whether the
 * interface can serve. A relay that cannot be reached yet (the box booted
 * before the network) is retried; an answer that retrying cannot change
 * ends the gateway.
 */
static int fetch_join(const struct lp_invite *inv, struct lp_join_config *join)
{
	char err[512], q[600];
	for (unsigned attempt = 0;; attempt++) {
		int rc = lp_agent_fetch_config(inv, LP_AGENT_FETCH_TIMEOUT_MS, join, err,
					       sizeof(err));
		if (rc == 0)
			return LP_AGENT_EXIT_OK;
		if (rc != LP_ERR_AGAIN && rc != LP_ERR_LIMIT) {
			log_error("join_config_failed msg=%s", lp_log_quote(q, sizeof(q), err));
			return rc == LP_ERR_NOT_FOUND || rc == LP_ERR_STATE ? LP_AGENT_EXIT_FINAL
									    : LP_AGENT_EXIT_ERROR;
		}
		uint32_t rnd = 0;
		(void)lp_random_bytes(&rnd, sizeof(rnd));
		uint64_t d = lp_agent_backoff(attempt, LP_AGENT_BACKOFF_MIN_NS,
					      LP_AGENT_BACKOFF_MAX_NS, rnd);
		log_warnx("join_config_retry msg=%s retry_in_ms=%llu",
			  lp_log_quote(q, sizeof(q), err), (unsigned long long)(d / LP_NS_PER_MS));
		struct timespec ts = { .tv_sec = (time_t)(d / LP_NS_PER_SEC),
				       .tv_nsec = (long)(d % LP_NS_PER_SEC) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* GRO/LRO merge frames past the room MTU: switch them off, or say how. */
static void check_offloads(const struct lp_link *l, const char *ifname, bool keep)
{
	if (!l->gro && !l->lro)
		return;
	if (keep) {
		log_warnx("rx_offload_on iface=%s gro=%d lro=%d msg=\"merged TCP frames are too "
			  "big to forward: run 'ethtool -K %s gro off lro off'\"",
			  ifname, l->gro, l->lro, ifname);
		return;
	}
	bool changed;
	int rc = lp_link_rx_merge_off(ifname, &changed);
	if (rc == 0)
		log_info("rx_offload_off iface=%s gro=off lro=off msg=\"merged frames would be "
			 "too big to forward\"",
			 ifname);
	else
		log_warnx("rx_offload_on iface=%s error=\"%s\" msg=\"could not turn off GRO/LRO "
			  "(needs CAP_NET_ADMIN): run 'ethtool -K %s gro off lro off', or "
			  "downloads from the LAN to players will stall\"",
			  ifname, lp_strerror(rc), ifname);
}

/*
 * Capabilities serve only the start: CAP_NET_RAW to open the packet socket,
 * CAP_NET_ADMIN to turn offloads off. The open socket keeps working
 * without them, so a bug later on can use neither.
 */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d) < 0)
		log_warn("capabilities_kept msg=\"could not drop capabilities\"");
	else
		log_debug("capabilities_dropped");
}

static int setup(struct gateway *g, const struct lp_agent_options *o, const struct gw_flags *f,
		 const struct lp_join_config *join)
{
	struct lp_capture_cfg cc = {
		.ifname = f->interface,
		.room_mtu = join->mtu,
		.host_traffic = f->host_traffic,
	};
	struct lp_link link;
	char err[512];
	int rc = lp_capture_open(&g->cap, &cc, &link, err, sizeof(err));
	if (rc < 0) {
		char q[600];
		log_error("capture_failed msg=%s", lp_log_quote(q, sizeof(q), err));
		return rc;
	}
	g->ifname = f->interface;
	g->if_mtu = link.mtu;
	if (link.wireless)
		log_warnx("wireless_interface iface=%s msg=\"Wi-Fi access points drop frames "
			  "from MACs that did not associate with them (every player's): use a "
			  "wired port\"",
			  f->interface);
	if (!link.running)
		log_warnx("no_carrier iface=%s msg=\"the interface has no link: is the cable "
			  "plugged into the party switch?\"",
			  f->interface);
	check_offloads(&link, f->interface, f->keep_offloads);
	const char *own = "skipped";
	if (f->host_traffic)
		own = "captured";
	else if (lp_capture_kernel_filters_outgoing(g->cap))
		own = "kernel-filtered";
	log_info("capture_open iface=%s mtu=%u room_mtu=%u promiscuous=yes own_frames=%s",
		 f->interface, link.mtu, join->mtu, own);
	drop_capabilities();
	lp_remote_init(&g->remote);
	(void)lp_remote_set_mtu(&g->remote, join->mtu);

	rc = lp_loop_new(&g->loop, 0);
	if (rc < 0) {
		log_error("loop_failed error=\"%s\"", lp_strerror(rc));
		return rc;
	}
	struct lp_agent_cfg cfg;
	lp_agent_cfg_from_options(&cfg, o, &prog);
	cfg.clamp_mss = true;
	cfg.has_join = true;
	cfg.join = *join;
	struct lp_agent_device dev = {
		.ctx = g,
		.write_frame = dev_write_frame,
		.flush = dev_flush,
		.on_welcome = dev_on_welcome,
		.on_peer_joined = dev_on_peer_joined,
		.on_peer_left = dev_on_peer_left,
		.on_disconnected = dev_on_disconnected,
	};
	rc = lp_agent_new(&g->agent, g->loop, &cfg, &dev);
	if (rc < 0) {
		log_error("agent_failed error=\"%s\"", lp_strerror(rc));
		return rc;
	}
	lp_io_init(&g->cap_io, lp_capture_fd(g->cap), on_capture_io, g);
	rc = lp_loop_io_add(g->loop, &g->cap_io, LP_IO_READ);
	if (rc == 0)
		rc = lp_loop_signal_add(g->loop, SIGINT, on_stop_signal, g);
	if (rc == 0)
		rc = lp_loop_signal_add(g->loop, SIGTERM, on_stop_signal, g);
	if (rc == 0)
		rc = lp_loop_signal_add(g->loop, SIGHUP, on_hup, g);
	if (rc < 0) {
		log_error("loop_setup_failed error=\"%s\"", lp_strerror(rc));
		return rc;
	}
	lp_timer_init(&g->summary, on_summary, g);
	(void)lp_loop_timer_arm_in(g->loop, &g->summary, SUMMARY_NS);
	lp_timer_init(&g->present, on_present, g);
	(void)lp_loop_timer_arm_in(g->loop, &g->present, PRESENT_NS);
	return 0;
}

static void teardown(struct gateway *g)
{
	if (g->loop) {
		lp_loop_io_del(g->loop, &g->cap_io);
		lp_loop_timer_cancel(g->loop, &g->summary);
		lp_loop_timer_cancel(g->loop, &g->present);
	}
	lp_agent_del(g->agent);
	lp_capture_close(g->cap);
	lp_loop_del(g->loop);
}

int main(int argc, char **argv)
{
	struct gw_flags f = { 0 };
	const struct lp_agent_extra_opt extra[] = {
		{ .name = "interface",
		  .metavar = "IFACE",
		  .help = "the Ethernet interface on the party LAN (required)",
		  .required = true,
		  .arg = &f.interface },
		{ .name = "host-traffic",
		  .help = "also bridge this machine's own frames on IFACE (it serves the LAN)",
		  .arg = &f.host_traffic },
		{ .name = "keep-offloads",
		  .help = "leave GRO/LRO on IFACE as they are (only warn)",
		  .arg = &f.keep_offloads },
	};
	struct lp_agent_options o;
	char err[512];

	lp_log_init(PROG);
	int r = lp_agent_options_parse(&o, argc, argv, &prog, extra,
				       sizeof(extra) / sizeof(extra[0]), stdout, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return LP_AGENT_EXIT_USAGE;
	}
	if (r == LP_AGENT_OPT_EXIT)
		return LP_AGENT_EXIT_OK;
	if (r == LP_AGENT_OPT_STATUS)
		return lp_agent_status_cmd(&prog, o.status_path, stdout, stderr);
	lp_log_set_level(o.log_level);
	lp_log_set_format(o.log_format);

	struct lp_join_config join;
	int code = fetch_join(&o.invite, &join);
	if (code != LP_AGENT_EXIT_OK)
		return code;
	if (setup(&gw, &o, &f, &join) < 0) {
		teardown(&gw);
		return LP_AGENT_EXIT_ERROR;
	}
	r = lp_agent_start(gw.agent);
	if (r < 0) {
		log_error("agent_start_failed error=\"%s\"", lp_strerror(r));
		teardown(&gw);
		return LP_AGENT_EXIT_ERROR;
	}
	r = lp_loop_run(gw.loop);
	if (r < 0)
		log_error("loop_failed error=\"%s\"", lp_strerror(r));
	code = gw.capture_dead || r < 0 ? LP_AGENT_EXIT_ERROR : lp_agent_exit_code(gw.agent);
	teardown(&gw);
	return code;
}
