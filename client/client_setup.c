/*
 * client_setup.c: the OS-free start-up steps of lanparty-client
 * (client_setup.h).
 */
#include "client_setup.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "code.h"
#include "err.h"
#include "log.h"
#include "net.h"
#include "rand.h"
#include "sys.h"

/* Addresses of the relay pinned outside the tunnel (its API host and its QUIC host). */
#define PINS_MAX 4

void lp_client_save_resume(const char *path, const char *secret)
{
	if (!path[0])
		return;
	int ret = lp_sys_write_file(path, secret, strlen(secret), 0600);
	if (ret < 0)
		log_warnx("resume_save_failed file=%s error=\"%s\"", path, lp_strerror(ret));
}

void lp_client_load_resume(const char *path, struct lp_agent_cfg *cfg)
{
	char buf[LP_CTRL_RESUME_MAX + 2];
	size_t len = 0;
	if (!path[0] || lp_sys_read_file(path, buf, sizeof(buf), &len) < 0)
		return;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len >= LP_CTRL_RESUME_MIN && len <= LP_CTRL_RESUME_MAX && lp_code_valid(buf, len))
		memcpy(cfg->resume, buf, len + 1);
}

/* Before anything is created: the device needs the room's MTU. */
int lp_client_fetch_config(const char *prog, const struct lp_invite *inv, struct lp_join_config *jc,
			   void (*sleep_ns)(uint64_t ns))
{
	char err[LP_CTRL_MESSAGE_MAX + 1];
	for (unsigned n = 0;; n++) {
		log_info("fetching_config relay=%s:%u", inv->host, inv->api_port);
		int ret =
			lp_agent_fetch_config(inv, LP_AGENT_FETCH_TIMEOUT_MS, jc, err, sizeof(err));
		if (ret == 0)
			return 0;
		if (ret != LP_ERR_AGAIN && ret != LP_ERR_LIMIT) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return ret == LP_ERR_NOT_FOUND || ret == LP_ERR_STATE ? LP_AGENT_EXIT_FINAL
									      : LP_AGENT_EXIT_ERROR;
		}
		uint32_t rnd = 0;
		(void)lp_random_bytes(&rnd, sizeof(rnd));
		uint64_t d = lp_agent_backoff(n < 16 ? n : 16, LP_AGENT_BACKOFF_MIN_NS,
					      LP_AGENT_BACKOFF_MAX_NS, rnd);
		if (ret == LP_ERR_LIMIT && d < 10ull * 1000000000ull)
			d = 10ull * 1000000000ull;
		log_warnx("config_fetch_failed error=\"%s\" retry_in_ms=%llu", err,
			  (unsigned long long)(d / 1000000ull));
		sleep_ns(d);
	}
}

/* Keep the relay's own packets out of the tunnel. */
void lp_client_pin_relay(struct lp_routes *routes, const struct lp_invite *inv,
			 const struct lp_join_config *jc)
{
	const char *hosts[2] = { inv->host, jc->quic_host };
	struct lp_cidr pinned[PINS_MAX];
	size_t n_pinned = 0;
	for (size_t h = 0; h < 2; h++) {
		struct lp_net_addr addrs[LP_NET_ADDRS_MAX];
		size_t n = 0;
		char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN];
		if (h == 1 && strcmp(hosts[0], hosts[1]) == 0)
			break;
		if (lp_net_resolve(hosts[h], 443, addrs, LP_NET_ADDRS_MAX, &n, err, sizeof(err)) <
		    0) {
			log_warnx("relay_route_not_pinned host=%s error=\"%s\"", hosts[h], err);
			continue;
		}
		for (size_t i = 0; i < n && n_pinned < PINS_MAX; i++) {
			struct lp_cidr a = { 0 };
			if (addrs[i].ss.ss_family == AF_INET) {
				const struct sockaddr_in *s4 = (const void *)&addrs[i].ss;
				a.family = LP_IP_V4;
				a.prefix = 32;
				memcpy(a.addr, &s4->sin_addr, 4);
			} else if (addrs[i].ss.ss_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)&addrs[i].ss;
				a.family = LP_IP_V6;
				a.prefix = 128;
				memcpy(a.addr, &s6->sin6_addr, 16);
			} else {
				continue;
			}
			bool dup = false;
			for (size_t k = 0; k < n_pinned; k++)
				dup |= pinned[k].family == a.family &&
				       memcmp(pinned[k].addr, a.addr, sizeof(a.addr)) == 0;
			if (dup)
				continue;
			pinned[n_pinned++] = a;
			int ret = lp_routes_pin_host(routes, &a, err, sizeof(err));
			if (ret == 1)
				log_info("relay_route_pinned dst=%s", lp_cidr_format(&a, buf));
			else if (ret < 0)
				log_warnx("relay_route_not_pinned dst=%s error=\"%s\"",
					  lp_cidr_format(&a, buf), err);
		}
	}
}

/* ---------------------------------------------------------------- the running client */

/* A device name as a log value: quoted when it holds spaces (Windows adapters). */
static const char *dev_value(const struct lp_client *c, char *buf, size_t len)
{
	const char *name = lp_tap_name(c->tap);
	if (!strpbrk(name, " \"\\="))
		return name;
	return lp_log_quote(buf, len, name);
}

static void broadcast_routes(struct lp_client *c)
{
	char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN], q[LP_TAP_NAME_MAX + 8];
	for (size_t i = 0; i < 2; i++) {
		const struct lp_cidr *r = &lp_routes_broadcast[i];
		int ret = lp_routes_add(c->routes, r, err, sizeof(err));
		if (ret == 0)
			log_info("broadcast_route dst=%s dev=%s", lp_cidr_format(r, buf),
				 dev_value(c, q, sizeof(q)));
		else
			log_warnx("broadcast_route_failed dst=%s error=\"%s\" hint=\"LAN games "
				  "may not find each other\"",
				  lp_cidr_format(r, buf), err);
	}
}

int lp_client_parse_address(const char *value, void *arg, char *err, size_t errlen)
{
	struct lp_client_address *a = arg;
	char why[LP_ROUTES_ERR_MAX];
	if (lp_cidr_parse_v4(value, &a->cidr, why, sizeof(why)) < 0 ||
	    lp_cidr_check_host_v4(&a->cidr, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return LP_ERR_INVALID;
	}
	a->set = true;
	return 0;
}

int lp_client_routes(struct lp_client *c, const struct lp_invite *inv,
		     const struct lp_join_config *jc, bool relay_route, bool broadcast,
		     const struct lp_cidr *address)
{
	char err[LP_ROUTES_ERR_MAX], buf[LP_IP_STRLEN], q[LP_TAP_NAME_MAX + 8];
	int ret;
	if (!c->routes &&
	    (ret = lp_routes_new(&c->routes, lp_tap_ifindex(c->tap), err, sizeof(err))) < 0) {
		fprintf(stderr, "%s: %s\n", c->prog, err);
		return ret;
	}
	if (relay_route)
		lp_client_pin_relay(c->routes, inv, jc);
	if (broadcast)
		broadcast_routes(c);
	if (address) {
		ret = lp_routes_add_address(c->routes, address, err, sizeof(err));
		if (ret < 0 && ret != -EEXIST) {
			fprintf(stderr, "%s: --address: %s\n", c->prog, err);
			return ret;
		}
		log_info("party_device_address address=%s dev=%s", lp_cidr_format(address, buf),
			 dev_value(c, q, sizeof(q)));
	}
	(void)lp_routes_drop_defaults(c->routes);
	return 0;
}

static void on_tap_frame(void *arg, uint8_t *frame, size_t len)
{
	struct lp_client *c = arg;
	/* drops (not connected, queue full) are counted by the core */
	(void)lp_agent_send_frame(c->agent, frame, len);
}

static void on_tap_gone(void *arg, int err)
{
	struct lp_client *c = arg;
	char q[LP_TAP_NAME_MAX + 8];
	log_error("party_device_gone dev=%s error=\"%s\" hint=\"the party device was deleted or "
		  "disabled under the client; leaving the room\"",
		  dev_value(c, q, sizeof(q)), lp_strerror(err));
	c->device_gone = true;
	c->stopping = true;
	lp_agent_stop(c->agent);
}

static int dev_write_frame(void *ctx, const uint8_t *frame, size_t len)
{
	struct lp_client *c = ctx;
	return lp_tap_write(c->tap, frame, len);
}

/* After the frames of one read from the relay: a joined TCP run waits for this. */
static void dev_flush(void *ctx)
{
	struct lp_client *c = ctx;
	(void)lp_tap_flush(c->tap);
}

static void dev_on_welcome(void *ctx, const struct lp_ctrl_welcome *w)
{
	struct lp_client *c = ctx;
	char q[LP_TAP_NAME_MAX + 8];
	lp_client_save_resume(c->resume_path, w->resume);
	if (w->mtu == lp_tap_mtu(c->tap))
		return;
	uint32_t old = lp_tap_mtu(c->tap);
	int ret = lp_tap_set_mtu(c->tap, w->mtu);
	if (ret < 0)
		log_warnx("party_device_mtu_failed dev=%s mtu=%u error=\"%s\"",
			  dev_value(c, q, sizeof(q)), w->mtu, lp_strerror(ret));
	else
		log_info("party_device_mtu dev=%s mtu=%u was=%u", dev_value(c, q, sizeof(q)),
			 w->mtu, old);
}

static void dev_on_disconnected(void *ctx)
{
	struct lp_client *c = ctx;
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
	struct lp_client *c = t->arg;
	if (lp_agent_state(c->agent) != LP_AGENT_CONNECTED && !c->stopping)
		(void)lp_routes_pin_refresh(c->routes);
	lp_loop_timer_arm_in(loop, t, LP_CLIENT_PIN_REFRESH_NS);
}

/* A DHCP lease on the party device can come, and be renewed, at any time. */
static void on_guard_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_client *c = t->arg;
	(void)lp_routes_drop_defaults(c->routes);
	if (c->guard_hook)
		c->guard_hook(c, c->hook_arg);
	lp_loop_timer_arm_in(loop, t, LP_CLIENT_GUARD_NS);
}

static void on_signal(struct lp_loop *loop, int signo, void *arg)
{
	struct lp_client *c = arg;
	const char *name = "?";
	if (signo == c->reopen_signal) {
		if (lp_log_reopen() < 0)
			log_warn("log_reopen_failed");
		return;
	}
	for (size_t i = 0; i < c->n_stop_signals; i++) {
		if (c->stop_signals[i].signo == signo)
			name = c->stop_signals[i].name;
	}
	if (c->stopping) {
		/* a second Ctrl-C: do not wait for the relay */
		log_info("shutdown_now signal=%s", name);
		lp_loop_stop(loop);
		return;
	}
	log_info("shutdown signal=%s", name);
	c->stopping = true;
	lp_agent_stop(c->agent);
}

void lp_client_init(struct lp_client *c, const char *prog)
{
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	lp_timer_init(&c->pin_timer, on_pin_timer, c);
	lp_timer_init(&c->guard_timer, on_guard_timer, c);
}

static int start(struct lp_client *c, const struct lp_agent_cfg *cfg)
{
	const struct lp_agent_device dev = {
		.ctx = c,
		.write_frame = dev_write_frame,
		.flush = dev_flush,
		.on_welcome = dev_on_welcome,
		.on_disconnected = dev_on_disconnected,
	};
	int ret;
	if ((ret = lp_loop_new(&c->loop, 0)) < 0 ||
	    (ret = lp_agent_new(&c->agent, c->loop, cfg, &dev)) < 0 ||
	    (ret = lp_tap_watch(c->tap, c->loop, 0, on_tap_frame, on_tap_gone, c)) < 0)
		return ret;
	for (size_t i = 0; i < c->n_stop_signals; i++) {
		if ((ret = lp_loop_signal_add(c->loop, c->stop_signals[i].signo, on_signal, c)) < 0)
			return ret;
	}
	if ((c->reopen_signal &&
	     (ret = lp_loop_signal_add(c->loop, c->reopen_signal, on_signal, c)) < 0) ||
	    (ret = lp_agent_start(c->agent)) < 0 ||
	    (ret = lp_loop_timer_arm_in(c->loop, &c->guard_timer, LP_CLIENT_GUARD_NS)) < 0)
		return ret;
	if (c->pin_refresh)
		return lp_loop_timer_arm_in(c->loop, &c->pin_timer, LP_CLIENT_PIN_REFRESH_NS);
	return 0;
}

int lp_client_run(struct lp_client *c, const struct lp_agent_options *o,
		  const struct lp_agent_prog *prog, const struct lp_join_config *jc)
{
	struct lp_agent_cfg cfg;
	lp_agent_cfg_from_options(&cfg, o, prog);
	cfg.has_mac = true;
	cfg.mac = *lp_tap_mac(c->tap);
	cfg.clamp_mss = true;
	cfg.has_join = true;
	cfg.join = *jc;
	lp_client_load_resume(c->resume_path, &cfg);
	int ret = start(c, &cfg);
	if (ret < 0) {
		fprintf(stderr, "%s: cannot start: %s\n", c->prog, lp_strerror(ret));
		return LP_AGENT_EXIT_ERROR;
	}
	ret = lp_loop_run(c->loop);
	if (ret < 0) {
		log_warnx("loop_failed error=\"%s\"", lp_strerror(ret));
		return LP_AGENT_EXIT_ERROR;
	}
	return c->device_gone ? LP_AGENT_EXIT_ERROR : lp_agent_exit_code(c->agent);
}

void lp_client_cleanup(struct lp_client *c)
{
	char q[LP_TAP_NAME_MAX + 8];
	if (c->loop) {
		lp_loop_timer_cancel(c->loop, &c->pin_timer);
		lp_loop_timer_cancel(c->loop, &c->guard_timer);
	}
	lp_tap_unwatch(c->tap);
	lp_agent_del(c->agent);
	if (c->cleanup_hook)
		c->cleanup_hook(c, c->hook_arg);
	lp_routes_del(c->routes);
	if (c->tap) {
		struct lp_tap_stats st;
		lp_tap_get_stats(c->tap, &st);
		log_info("party_device_removed dev=%s read=%llu written=%llu write_errors=%llu "
			 "oversize=%llu",
			 dev_value(c, q, sizeof(q)), (unsigned long long)st.frames_read,
			 (unsigned long long)st.frames_written, (unsigned long long)st.write_errors,
			 (unsigned long long)(st.read_oversize + st.read_runt));
	}
	lp_tap_close(c->tap);
	lp_loop_del(c->loop);
	c->agent = NULL;
	c->routes = NULL;
	c->tap = NULL;
	c->loop = NULL;
}
