/*
 * agent_conn.c: the agent's QUIC connection to the relay: the UDP socket on
 * the event loop, reads, writes (GSO batches), the connection's timer, the
 * hello and every control message from the relay.
 *
 * QUIC callbacks only record what happened (welcome, reject, disconnect,
 * close); lp_agent_conn_after_io() acts on it once the QUIC call has
 * returned, because the connection may not be freed from its own callback.
 */
#include "agent_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "rand.h"
#include "tls.h"

/* Largest control message the agent sends: a stats message with every drop name. */
#define CTRL_OUT_MAX (LP_CTRL_HDR_LEN + 4096)

void lp_agent_end_set(struct lp_agent *a, bool final, uint32_t min_delay_s, const char *fmt, ...)
{
	va_list ap;

	/* The first reason wins: a disconnect message explains the close that follows. */
	if (a->end_pending)
		return;
	a->end_pending = true;
	a->end.final = final;
	a->end.min_delay_s = min_delay_s;
	va_start(ap, fmt);
	vsnprintf(a->end.why, sizeof(a->end.why), fmt, ap);
	va_end(ap);
}

void lp_agent_conn_close(struct lp_agent *a, uint64_t code, const char *reason)
{
	if (a->q && !lp_quic_conn_is_closed(a->q))
		(void)lp_quic_conn_close(a->q, code, reason, lp_now_ns());
}

int lp_agent_conn_send_ctrl(struct lp_agent *a, const struct lp_ctrl_msg *m)
{
	uint8_t buf[CTRL_OUT_MAX];
	ssize_t n;

	if (!a->q)
		return LP_ERR_STATE;
	n = lp_ctrl_encode(m, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return lp_quic_conn_stream_send(a->q, buf, (size_t)n);
}

static void protocol_error(struct lp_agent *a, const char *what)
{
	lp_agent_end_set(a, false, 0, "the relay broke the protocol: %s", what);
	lp_agent_conn_close(a, lp_disconnect_close_code(LP_DISCONNECT_PROTOCOL_ERROR),
			    "protocol_error");
}

/* ------------------------------------------------------------ hello */

static void send_hello(struct lp_agent *a)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_HELLO };
	struct lp_ctrl_hello *h = &m.hello;
	size_t budget = lp_quic_conn_dgram_budget(a->q);
	int r;

	h->version = LP_PROTO_VERSION;
	h->role = a->cfg.invite.role == LP_INVITE_GATEWAY ? LP_CTRL_ROLE_GATEWAY
							  : LP_CTRL_ROLE_CLIENT;
	memcpy(h->code, a->cfg.invite.code, sizeof(h->code));
	h->has_mac = a->cfg.has_mac;
	h->mac = a->cfg.mac;
	if (budget < LP_CTRL_BUDGET_MIN)
		budget = LP_CTRL_BUDGET_MIN;
	if (budget > LP_CTRL_BUDGET_MAX)
		budget = LP_CTRL_BUDGET_MAX;
	h->datagram_budget = (uint16_t)budget;
	memcpy(h->agent, a->cfg.agent, sizeof(h->agent));
	memcpy(h->name, a->cfg.name, sizeof(h->name));
	memcpy(h->resume, a->resume, sizeof(h->resume));
	r = lp_agent_conn_send_ctrl(a, &m);
	explicit_bzero(&m, sizeof(m));
	if (r < 0) {
		lp_agent_end_set(a, false, 0, "the hello could not be sent: %s", lp_strerror(r));
		lp_agent_conn_close(a, LP_QUIC_APP_INTERNAL, "hello");
		return;
	}
	a->hello_sent = true;
	log_debug("hello_sent relay=%s resume=%s budget=%zu", a->relay_text,
		  a->resume[0] ? "yes" : "no", budget);
}

/* ------------------------------------------------------------ control messages */

static const char *room_name(const struct lp_agent *a)
{
	return a->cfg.join.room_name;
}

static void on_reject(struct lp_agent *a, const struct lp_ctrl_reject *rej)
{
	char text[LP_CTRL_MESSAGE_MAX + 1];
	uint32_t delay = rej->has_retry_after ? rej->retry_after : 0;

	lp_agent_reject_text(rej, room_name(a), text, sizeof(text));
	/* Rate limits count per minute at the relay. */
	if (rej->reason == LP_REJECT_RATE_LIMITED && delay == 0)
		delay = 60;
	lp_agent_end_set(a, lp_agent_reject_is_final(rej->reason), delay, "%s", text);
	log_debug("rejected reason=%s", lp_reject_reason_name(rej->reason));
	lp_agent_conn_close(a, LP_QUIC_APP_NO_ERROR, NULL);
}

static void on_disconnect(struct lp_agent *a, const struct lp_ctrl_disconnect *d)
{
	char text[LP_CTRL_MESSAGE_MAX + 1];

	lp_agent_disconnect_text(d->reason, d->message, room_name(a), text, sizeof(text));
	lp_agent_end_set(a, lp_agent_disconnect_is_final(d->reason), 0, "%s", text);
	log_debug("disconnect_received reason=%s", lp_disconnect_reason_name(d->reason));
	lp_agent_conn_close(a, LP_QUIC_APP_NO_ERROR, NULL);
}

static void member_log(const char *event, const struct lp_ctrl_member *m)
{
	char mac[LP_MAC_STRLEN] = "-", name[2 * LP_CTRL_NAME_MAX + 3];

	if (m->has_mac)
		lp_mac_format(&m->mac, mac);
	log_info("%s member=%u role=%s mac=%s name=%s", event, m->id, lp_ctrl_role_name(m->role),
		 mac, lp_log_quote(name, sizeof(name), m->name));
}

/* The leaving member as its joining was logged: role and MAC from the roster. */
static void peer_left_log(struct lp_agent *a, const struct lp_ctrl_peer_left *p)
{
	struct lp_roster_entry e;
	char mac[LP_MAC_STRLEN] = "-";
	const char *role = "-";

	if (lp_roster_remove(&a->roster, p->member_id, &e)) {
		role = lp_ctrl_role_name(e.role);
		if (e.has_mac)
			lp_mac_format(&e.mac, mac);
	}
	log_info("peer_left member=%u role=%s mac=%s reason=%s", p->member_id, role, mac,
		 lp_disconnect_reason_name(p->reason));
}

static void on_admitted_msg(struct lp_agent *a, const struct lp_ctrl_msg *m)
{
	switch (m->type) {
	case LP_CTRL_PEER_JOINED:
		a->members++;
		(void)lp_roster_add(&a->roster, &m->peer_joined);
		member_log("peer_joined", &m->peer_joined);
		if (a->dev.on_peer_joined)
			a->dev.on_peer_joined(a->dev.ctx, &m->peer_joined);
		a->status_dirty = true;
		break;
	case LP_CTRL_PEER_LEFT:
		if (a->members > 1)
			a->members--;
		peer_left_log(a, &m->peer_left);
		if (a->dev.on_peer_left)
			a->dev.on_peer_left(a->dev.ctx, m->peer_left.member_id);
		a->status_dirty = true;
		break;
	case LP_CTRL_STATS:
		a->relay_stats = m->stats;
		a->has_relay_stats = true;
		if (m->stats.members > 0)
			a->members = m->stats.members;
		break;
	case LP_CTRL_DISCONNECT:
		on_disconnect(a, &m->disconnect);
		break;
	case LP_CTRL_HELLO:
	case LP_CTRL_WELCOME:
	case LP_CTRL_REJECT:
	default:
		protocol_error(a, "an unexpected message after the welcome");
		break;
	}
}

static void on_ctrl(struct lp_agent *a, const uint8_t *body, size_t len)
{
	struct lp_ctrl_msg m;
	char err[160];

	if (lp_ctrl_decode(body, len, &m, err, sizeof(err)) < 0) {
		protocol_error(a, err);
		return;
	}
	if (a->welcomed) {
		on_admitted_msg(a, &m);
	} else if (m.type == LP_CTRL_WELCOME) {
		lp_agent_on_welcome(a, &m.welcome);
	} else if (m.type == LP_CTRL_REJECT) {
		on_reject(a, &m.reject);
	} else if (m.type == LP_CTRL_DISCONNECT) {
		on_disconnect(a, &m.disconnect);
	} else {
		protocol_error(a, "a message before the welcome");
	}
	lp_ctrl_msg_free(&m);
}

/* ------------------------------------------------------------ QUIC callbacks */

static void on_handshake_done(struct lp_quic_conn *c, void *ud)
{
	struct lp_agent *a = ud;

	(void)c;
	log_debug("handshake_done relay=%s", a->relay_text);
	send_hello(a);
}

static void on_stream_data(struct lp_quic_conn *c, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *ud)
{
	struct lp_agent *a = ud;

	(void)c;
	if (stream_id != 0) {
		protocol_error(a, "data on a stream other than the control stream");
		return;
	}
	while (len > 0 && !a->end_pending) {
		const uint8_t *msg;
		size_t msglen;
		ssize_t used = lp_ctrl_reader_feed(&a->reader, data, len, &msg, &msglen);

		if (used < 0) {
			protocol_error(a, "the control stream's framing is broken");
			return;
		}
		data += used;
		len -= (size_t)used;
		if (msg)
			on_ctrl(a, msg, msglen);
	}
	if (fin && !a->end_pending)
		lp_agent_end_set(a, false, 0, "the relay ended the control stream");
}

static void on_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len, void *ud)
{
	(void)c;
	lp_agent_on_datagram(ud, data, len);
}

static const char *alert_text(uint8_t alert, bool pinned)
{
	switch (alert) {
	case 42: /* bad_certificate: what a pin mismatch sends */
	case 43: /* unsupported_certificate */
	case 44: /* certificate_revoked */
	case 45: /* certificate_expired */
	case 46: /* certificate_unknown */
	case 48: /* unknown_ca */
		return pinned ? "the relay's certificate does not match the pin in the invite "
				"(another server, or the relay has a new certificate: ask for a "
				"new invite)"
			      : "the relay's certificate is not trusted by this system (an "
				"invite with a pin avoids this)";
	case 120:
		return "the relay does not speak the softlan protocol (no ALPN lanparty/1)";
	default:
		return NULL;
	}
}

/* Words for a close that no reject or disconnect message explained. */
static void describe_close(struct lp_agent *a, const struct lp_quic_close *ci)
{
	bool handshake = a->hello_sent;
	enum lp_reject_reason rr;
	enum lp_disconnect_reason dr;
	const char *t;

	switch (ci->kind) {
	case LP_QUIC_CLOSE_PEER:
		if (ci->app && lp_reject_from_close_code(ci->code, &rr)) {
			struct lp_ctrl_reject rej = { .reason = rr };
			char text[LP_CTRL_MESSAGE_MAX + 1];

			lp_agent_reject_text(&rej, room_name(a), text, sizeof(text));
			lp_agent_end_set(a, lp_agent_reject_is_final(rr), 0, "%s", text);
		} else if (ci->app && lp_disconnect_from_close_code(ci->code, &dr)) {
			char text[LP_CTRL_MESSAGE_MAX + 1];

			lp_agent_disconnect_text(dr, NULL, room_name(a), text, sizeof(text));
			lp_agent_end_set(a, lp_agent_disconnect_is_final(dr), 0, "%s", text);
		} else if (!ci->app && ci->tls_alert && (t = alert_text(ci->tls_alert, false))) {
			lp_agent_end_set(a, false, 0, "the relay refused the TLS handshake: %s", t);
		} else {
			lp_agent_end_set(a, false, 0,
					 "the relay closed the connection (%s 0x%llx%s%s)",
					 ci->app ? lp_quic_app_code_str(ci->code) : "QUIC error",
					 (unsigned long long)ci->code, ci->reason[0] ? ": " : "",
					 ci->reason);
		}
		break;
	case LP_QUIC_CLOSE_IDLE:
		if (handshake)
			lp_agent_end_set(a, false, 0,
					 "the relay stopped answering (no packet within the idle "
					 "timeout)");
		else
			lp_agent_end_set(a, false, 0, "no answer from the relay at %s",
					 a->relay_text);
		break;
	case LP_QUIC_CLOSE_HANDSHAKE_TIMEOUT:
		lp_agent_end_set(a, false, 0,
				 "no answer from the relay at %s (is UDP port %u reachable?)",
				 a->relay_text, a->cfg.join.quic_port);
		break;
	case LP_QUIC_CLOSE_STATELESS_RESET:
		lp_agent_end_set(a, false, 0, "the relay lost this session (it restarted)");
		break;
	case LP_QUIC_CLOSE_LOCAL:
		if (ci->tls_alert && (t = alert_text(ci->tls_alert, a->cfg.invite.has_pin)))
			lp_agent_end_set(a, false, 0, "%s", t);
		else if (ci->tls_alert)
			lp_agent_end_set(a, false, 0,
					 "the TLS handshake with the relay failed (alert %u)",
					 ci->tls_alert);
		else
			lp_agent_end_set(a, false, 0, "the connection failed (QUIC error %d)",
					 ci->liberr);
		break;
	case LP_QUIC_CLOSE_DROPPED:
	case LP_QUIC_CLOSE_NONE:
	default:
		lp_agent_end_set(a, false, 0, "the connection to the relay was dropped");
		break;
	}
}

static void on_close(struct lp_quic_conn *c, const struct lp_quic_close *info, void *ud)
{
	struct lp_agent *a = ud;

	(void)c;
	log_debug("connection_closed kind=\"%s\" app=%d code=0x%llx",
		  lp_quic_close_kind_str(info->kind), info->app, (unsigned long long)info->code);
	if (!a->end_pending)
		describe_close(a, info);
}

static const struct lp_quic_callbacks callbacks = {
	.on_handshake_done = on_handshake_done,
	.on_stream_data = on_stream_data,
	.on_datagram = on_datagram,
	.on_close = on_close,
};

/* ------------------------------------------------------------ I/O */

static struct lp_quic_path path_of(const struct lp_agent *a)
{
	const struct lp_net_addr *l = lp_net_udp_local(a->udp), *r = lp_net_udp_remote(a->udp);
	struct lp_quic_path p = {
		.local = (const struct sockaddr *)&l->ss,
		.local_len = l->len,
		.remote = (const struct sockaddr *)&r->ss,
		.remote_len = r->len,
	};
	return p;
}

void lp_agent_conn_write(struct lp_agent *a)
{
	uint64_t now = lp_now_ns(), expiry;

	if (!a->q)
		return;
	a->busy++;
	/* Congestion control and pacing bound this; the cap keeps other fds served. */
	for (int i = 0; i < 64; i++) {
		struct lp_quic_batch b;

		if (lp_quic_conn_write_batch(a->q, a->tx, LP_AGENT_TX_BUF, LP_AGENT_TX_PKTS, &b,
					     now) < 0 ||
		    b.count == 0)
			break;
		/* A full socket buffer is one more loss for QUIC to recover. */
		(void)lp_net_udp_send(a->udp, a->tx, b.len, b.count > 1 ? b.seg_size : 0);
	}
	a->busy--;
	expiry = lp_quic_conn_expiry(a->q);
	if (expiry == UINT64_MAX) {
		lp_loop_timer_cancel(a->loop, &a->quic_timer);
		return;
	}
	/* A deadline not yet reached by this iteration's clock: no spin within one pass. */
	if (expiry <= lp_loop_now(a->loop))
		expiry = lp_loop_now(a->loop) + 1;
	(void)lp_loop_timer_arm(a->loop, &a->quic_timer, expiry);
}

void lp_agent_conn_after_io(struct lp_agent *a)
{
	if (!a->q || a->busy)
		return;
	lp_agent_conn_write(a);
	if (a->end_pending) {
		lp_agent_conn_ended(a);
		return;
	}
	if (a->stop_requested || a->stopping)
		lp_agent_stop_progress(a);
}

static void on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lp_agent *a = io->arg;

	(void)loop;
	(void)events;
	a->busy++;
	for (int round = 0; round < LP_AGENT_RX_ROUNDS && a->q; round++) {
		ssize_t n = lp_net_udp_recv(a->udp, a->rx, LP_NET_RX_BATCH);
		struct lp_quic_path path = path_of(a);
		uint64_t now = lp_now_ns();

		if (n == -ECONNREFUSED && !lp_quic_conn_is_open(a->q)) {
			/* Only before the handshake: later, QUIC itself decides. */
			lp_agent_end_set(a, false, 0,
					 "nothing answers at %s (is the relay running?)",
					 a->relay_text);
			lp_agent_conn_close(a, LP_QUIC_APP_NO_ERROR, NULL);
			break;
		}
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (lp_quic_conn_read(a->q, &path, a->rx[i].data, a->rx[i].len, now) ==
			    LP_ERR_STATE)
				break;
		if (n < LP_NET_RX_BATCH || lp_quic_conn_is_closed(a->q))
			break;
	}
	a->busy--;
	lp_agent_dev_flush(a);
	lp_agent_conn_after_io(a);
}

static void on_quic_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lp_agent *a = t->arg;

	(void)loop;
	if (!a->q)
		return;
	a->busy++;
	(void)lp_quic_conn_handle_expiry(a->q, lp_now_ns());
	a->busy--;
	lp_agent_dev_flush(a);
	lp_agent_conn_after_io(a);
}

static void on_kick(struct lp_loop *loop, struct lp_timer *t)
{
	(void)loop;
	lp_agent_conn_after_io(t->arg);
}

void lp_agent_conn_timers_init(struct lp_agent *a)
{
	lp_timer_init(&a->quic_timer, on_quic_timer, a);
	lp_timer_init(&a->kick_timer, on_kick, a);
}

void lp_agent_conn_kick(struct lp_agent *a)
{
	if (!a->busy && !lp_timer_armed(&a->kick_timer))
		(void)lp_loop_timer_arm(a->loop, &a->kick_timer, 0);
}

/* ------------------------------------------------------------ open, teardown */

int lp_agent_conn_open(struct lp_agent *a, const struct lp_net_addr *addr, char *err, size_t errlen)
{
	struct lp_quic_config qc = {
		.idle_timeout = a->cfg.idle_timeout_ns,
		.dgram_queue = LP_AGENT_DGRAM_QUEUE,
	};
	const char *sni = a->cfg.join.server_name[0] ? a->cfg.join.server_name : NULL;
	char at[LP_NET_ADDR_STRLEN];
	struct lp_quic_path path;
	int r;

	lp_net_addr_format(addr, at, sizeof(at));
	if (!sni && !a->cfg.invite.has_pin)
		sni = a->cfg.join.quic_host;
	if ((r = lp_net_udp_open(&a->udp, addr)) < 0) {
		snprintf(err, errlen, "cannot open a UDP socket to %s: %s", at, lp_strerror(r));
		return r;
	}
	lp_io_init(&a->io, lp_net_udp_fd(a->udp), on_readable, a);
	if ((r = lp_loop_io_add(a->loop, &a->io, LP_IO_READ)) < 0) {
		snprintf(err, errlen, "cannot watch the UDP socket: %s", lp_strerror(r));
		goto fail;
	}
	a->io_added = true;
	path = path_of(a);
	lp_ctrl_reader_init(&a->reader, a->reader_buf, sizeof(a->reader_buf));
	a->hello_sent = a->welcomed = a->end_pending = false;
	memset(&a->end, 0, sizeof(a->end));
	if ((r = lp_quic_conn_client_new(&a->q, a->creds, sni, &qc, &callbacks, a, &path,
					 lp_now_ns())) < 0) {
		snprintf(err, errlen, "cannot start QUIC to %s: %s", at, lp_strerror(r));
		goto fail;
	}
	lp_agent_frames_reset(a);
	log_debug("quic_start relay=%s addr=%s gso=%s", a->relay_text, at,
		  lp_net_udp_gso(a->udp) ? "yes" : "no");
	return 0;
fail:
	lp_agent_conn_teardown(a);
	return r;
}

void lp_agent_conn_teardown(struct lp_agent *a)
{
	if (a->io_added)
		(void)lp_loop_io_del(a->loop, &a->io);
	a->io_added = false;
	lp_loop_timer_cancel(a->loop, &a->quic_timer);
	lp_loop_timer_cancel(a->loop, &a->kick_timer);
	lp_quic_conn_free(a->q);
	a->q = NULL;
	lp_net_udp_close(a->udp);
	a->udp = NULL;
	a->hello_sent = a->welcomed = false;
	a->end_pending = false;
	lp_ctrl_reader_init(&a->reader, a->reader_buf, sizeof(a->reader_buf));
}
