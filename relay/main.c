/*
 * lanparty-relay: admits each room's gateway and players over QUIC, forwards
 * their Ethernet frames with L2 safety filters, and serves the admin API,
 * all from one event loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "invite.h"
#include "log.h"
#include "relay.h"

static void on_http(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lp_relay *r = io->arg;
	(void)loop;
	(void)events;
	lp_http_run(lp_admin_http(r->admin));
}

static void on_http_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_relay *r = t->arg;
	(void)loop;
	lp_http_run(lp_admin_http(r->admin));
}

/* Once per loop iteration: send what sessions queued; keep the API's timeouts. */
static void before_sleep(struct lp_loop *loop, void *arg)
{
	struct lp_relay *r = arg;
	lp_endpoint_flush(loop, r);
	int64_t ms = lp_http_timeout_ms(lp_admin_http(r->admin));
	if (ms < 0 || ms > 1000)
		ms = 1000;
	lp_loop_timer_arm_in(loop, &r->http_timer, (uint64_t)ms * 1000000ull);
}

static void on_sweep(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_relay *r = t->arg;
	uint64_t now = lp_loop_now(loop);
	int64_t unix_now = lp_relay_now();
	for (size_t i = 0; i < r->n_rooms; i++) {
		struct lp_room *room = r->rooms[i].room;
		lp_fdb_sweep(&room->fdb, now);
		/* an expired room sends its members home */
		if (room->set.expires_at && room->set.expires_at <= unix_now)
			while (room->n_members)
				lp_session_disconnect(room->members[0]->conn,
						      LP_DISCONNECT_ROOM_DISABLED,
						      "the room has ended");
	}
	/* connections that never said hello */
	for (struct lp_session *s = r->sessions; s; s = s->next)
		if (!s->admitted && !s->closing &&
		    now - s->created_ns > LP_RELAY_HELLO_TIMEOUT_NS) {
			s->closing = true;
			lp_quic_conn_close(s->q, lp_reject_close_code(LP_REJECT_MALFORMED_HELLO),
					   "no hello in time", now);
			lp_endpoint_dirty(s);
		}
	lp_loop_timer_arm_in(loop, t, 5ull * 1000000000ull);
}

#define SHUTDOWN_GRACE_NS (1500ull * 1000000ull)

/* Stop once every session's close is out, or at the deadline. */
static void on_stop_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_relay *r = t->arg;
	bool waiting = false;
	for (struct lp_session *s = r->sessions; s; s = s->next)
		if (s->close_pending)
			waiting = true;
	if (!waiting || lp_loop_now(loop) >= r->stop_deadline) {
		lp_endpoint_flush(loop, r);
		lp_loop_stop(loop);
		return;
	}
	lp_loop_timer_arm_in(loop, t, 20ull * 1000000ull);
}

static void on_signal(struct lp_loop *loop, int signo, void *arg)
{
	struct lp_relay *r = arg;
	if (signo == SIGHUP) {
		char why[LP_TLS_WHY_LEN];
		if (lp_log_reopen() < 0)
			log_warn("log_reopen_failed");
		if (r->cfg.cert_file[0]) {
			if (lp_tls_creds_reload(&r->creds, r->cfg.cert_file, r->cfg.key_file, why,
						sizeof(why)) < 0)
				log_warnx("certificate_reload_failed error=\"%s\" kept=old", why);
			else
				log_info("certificate_reloaded cert=%s", r->cfg.cert_file);
			const uint8_t *pin = lp_tls_creds_pin(r->creds);
			if (memcmp(pin, r->pin, sizeof(r->pin)) != 0) {
				char p[LP_PIN_STRLEN];
				memcpy(r->pin, pin, sizeof(r->pin));
				log_warnx(
					"certificate_pin_changed pin=%s hint=\"invites handed out "
					"before carry the old pin; rotate codes or reuse the key\"",
					lp_pin_format(r->pin, p));
			}
		}
		return;
	}
	if (r->stopping)
		return;
	log_info("shutdown signal=%s members=%zu", signo == SIGINT ? "SIGINT" : "SIGTERM",
		 r->n_sessions);
	r->stopping = true;
	lp_endpoint_close_all(r, LP_DISCONNECT_SHUTDOWN);
	lp_flush_now(r, lp_relay_now());
	/* let members read why and receive their close, for at most a little while */
	r->stop_deadline = lp_loop_now(loop) + SHUTDOWN_GRACE_NS;
	lp_timer_init(&r->stop_timer, on_stop_timer, r);
	lp_loop_timer_arm_in(loop, &r->stop_timer, 0);
}

static void print_banner(struct lp_relay *r)
{
	char pin[LP_PIN_STRLEN], addr[80];
	lp_pin_format(r->pin, pin);
	lp_sockaddr_format(&r->udp[0].local, addr, sizeof(addr));
	log_info("relay_ready quic=%s public=%s:%u pin=%s rooms=%zu", addr, r->public_host,
		 r->public_port, pin, r->n_rooms);
	fprintf(stderr, "\n  softlan relay %s ready\n  QUIC        udp %s\n", LP_VERSION, addr);
	char http_url[80] = "";
	for (size_t i = 0; i < r->cfg.n_api; i++) {
		lp_sockaddr_format(&r->cfg.api[i].addr, addr, sizeof(addr));
		fprintf(stderr, "  API         %s://%s\n", r->cfg.api[i].tls ? "https" : "http",
			addr);
		if (!r->cfg.api[i].tls && !http_url[0])
			snprintf(http_url, sizeof(http_url), "%s", addr);
	}
	/* as invites write it: the default port is left out */
	char port[8] = "";
	if (r->public_port != LP_INVITE_PORT_DEFAULT)
		snprintf(port, sizeof(port), ":%u", r->public_port);
	fprintf(stderr, "  invites     lanparty://%s%s/...\n  pin         %s\n\n", r->public_host,
		port, pin);
	char tok[LP_RELAY_PATH_MAX + 32];
	snprintf(tok, sizeof(tok), "%s/admin-token", r->cfg.data_dir);
	if (http_url[0] && access(tok, R_OK) == 0)
		fprintf(stderr,
			"  Create a room:\n"
			"    curl -s -X POST http://%s/api/v1/rooms \\\n"
			"      -H \"Authorization: Bearer $(cat %s)\" \\\n"
			"      -d '{\"name\":\"lan\",\"max_clients\":16}'\n\n",
			http_url, tok);
}

static int start_api(struct lp_relay *r)
{
	const struct lp_tls_pem *pem = lp_tls_creds_pem(r->creds);
	r->admin = lp_admin_new(&r->ops, r, pem->cert, pem->key, LP_RELAY_FAILS_PER_MIN);
	if (!r->admin)
		return LP_ERR_NOMEM;
	struct lp_http *h = lp_admin_http(r->admin);
	for (size_t i = 0; i < r->n_api; i++) {
		if (lp_http_listen(h, r->api_fds[i], r->api_tls[i]) < 0) {
			log_error("api_failed error=\"the HTTP server did not start\"");
			return LP_ERR_INVALID;
		}
		r->api_fds[i] = -1;
	}
	int fds[LP_HTTP_MAX_DAEMONS];
	r->n_http_io = lp_http_fds(h, fds, LP_HTTP_MAX_DAEMONS);
	for (size_t i = 0; i < r->n_http_io; i++) {
		lp_io_init(&r->http_io[i], fds[i], on_http, r);
		if (lp_loop_io_add(r->loop, &r->http_io[i], LP_IO_READ) < 0)
			return LP_ERR_STATE;
	}
	lp_timer_init(&r->http_timer, on_http_timer, r);
	return 0;
}

static int run(struct lp_relay *r)
{
	char err[256];
	int ret;

	/* sockets and the database first: either fails before anything is written */
	if ((ret = lp_relay_setup_sockets(r)) < 0 || (ret = lp_relay_setup_data_dir(r)) < 0 ||
	    (ret = lp_relay_setup_public(r)) < 0)
		return ret;
	char db[LP_RELAY_PATH_MAX + 16];
	snprintf(db, sizeof(db), "%s/relay.db", r->cfg.data_dir);
	if ((ret = lp_store_open(&r->store, db, err, sizeof(err))) < 0) {
		log_error("database_failed file=%s error=\"%s\"", db, err);
		return ret;
	}
	if ((ret = lp_relay_setup_tls(r)) < 0 || (ret = lp_relay_setup_secret(r)) < 0)
		return ret;
	size_t closed = 0;
	lp_store_session_close_open(r->store, lp_relay_now(), "relay_restart", &closed);
	if ((ret = lp_relay_setup_token(r)) < 0 || (ret = lp_relay_drop_privileges(r)) < 0)
		return ret;
	if ((ret = lp_rooms_load(r)) < 0) {
		log_error("database_failed file=%s error=\"cannot load rooms: %s\"", db,
			  lp_strerror(ret));
		return ret;
	}
	if ((ret = lp_loop_new(&r->loop, 0)) < 0 || (ret = lp_endpoint_init(r)) < 0 ||
	    (ret = lp_quic_dgram_pool_new(&r->dgram_pool, LP_RELAY_DGRAM_POOL)) < 0)
		return ret;
	r->qcfg = (struct lp_quic_config){
		.secret = r->secret,
		.dgram_queue = LP_RELAY_DGRAM_QUEUE,
		.dgram_pool = r->dgram_pool,
		.keep_alive = UINT64_MAX,
	};
	for (size_t i = 0; i < r->n_udp; i++) {
		lp_io_init(&r->udp[i].io, r->udp[i].fd, lp_udp_on_readable, &r->udp[i]);
		if (lp_loop_io_add(r->loop, &r->udp[i].io, LP_IO_READ) < 0)
			return LP_ERR_STATE;
	}
	lp_ops_init(r);
	if ((ret = start_api(r)) < 0)
		return ret;
	lp_loop_set_before_sleep(r->loop, before_sleep, r);
	lp_timer_init(&r->flush_timer, lp_flush_on_timer, r);
	lp_timer_init(&r->stats_timer, lp_stats_on_timer, r);
	lp_timer_init(&r->sweep_timer, on_sweep, r);
	lp_loop_timer_arm_in(r->loop, &r->flush_timer, LP_RELAY_FLUSH_INTERVAL_S * 1000000000ull);
	lp_loop_timer_arm_in(r->loop, &r->stats_timer, LP_RELAY_STATS_INTERVAL_S * 1000000000ull);
	lp_loop_timer_arm_in(r->loop, &r->sweep_timer, 5ull * 1000000000ull);
	if (lp_loop_signal_add(r->loop, SIGTERM, on_signal, r) < 0 ||
	    lp_loop_signal_add(r->loop, SIGINT, on_signal, r) < 0 ||
	    lp_loop_signal_add(r->loop, SIGHUP, on_signal, r) < 0)
		return LP_ERR_STATE;
	r->started_ns = lp_loop_now(r->loop);
	r->started_at = lp_relay_now();
	print_banner(r);
	ret = lp_loop_run(r->loop);
	log_info("relay_stopped");
	return ret < 0 ? ret : 0;
}

static void cleanup(struct lp_relay *r)
{
	if (r->loop)
		lp_endpoint_free(r);
	lp_quic_dgram_pool_del(r->dgram_pool); /* after the sessions that queue in it */
	lp_admin_del(r->admin);
	lp_rooms_free(r);
	for (size_t i = 0; i < r->n_udp; i++)
		lp_udp_close(&r->udp[i]);
	for (size_t i = 0; i < r->n_api; i++)
		if (r->api_fds[i] >= 0)
			close(r->api_fds[i]);
	lp_store_close(r->store);
	lp_tls_creds_unref(r->creds);
	lp_loop_del(r->loop);
	free(r);
}

int main(int argc, char **argv)
{
	char err[512];
	struct lp_relay *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "lanparty-relay: out of memory\n");
		return 2;
	}
	lp_log_init("lanparty-relay");
	int ret = lp_relay_config_parse(&r->cfg, argc, argv, stdout, err, sizeof(err));
	if (ret == LP_CONFIG_EXIT_OK) {
		free(r);
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "lanparty-relay: %s\n", err);
		free(r);
		return 2;
	}
	lp_log_set_level(r->cfg.log_level);
	lp_log_set_format(r->cfg.log_format);
	if (r->cfg.log_file[0] && lp_log_open(r->cfg.log_file) < 0) {
		fprintf(stderr, "lanparty-relay: --log-file %s: %s\n", r->cfg.log_file,
			strerror(errno));
		free(r);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (r->cfg.check_only) {
		char addr[80];
		for (size_t i = 0; i < r->cfg.n_listen; i++)
			printf("listen udp %s\n",
			       lp_sockaddr_format(&r->cfg.listen[i], addr, sizeof(addr)));
		for (size_t i = 0; i < r->cfg.n_api; i++)
			printf("api %s://%s\n", r->cfg.api[i].tls ? "https" : "http",
			       lp_sockaddr_format(&r->cfg.api[i].addr, addr, sizeof(addr)));
		printf("data-dir %s\n", r->cfg.data_dir);
		free(r);
		return 0;
	}
	ret = run(r);
	cleanup(r);
	return ret < 0 ? 2 : 0;
}
