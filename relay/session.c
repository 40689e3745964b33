/*
 * session.c: one QUIC connection at the relay: the control stream (hello,
 * then control messages), DATAGRAMs in (reassembled, then forwarded by the
 * room) and Ethernet frames out (split into datagrams for this member's
 * path).
 */
#include "relay.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "err.h"
#include "log.h"
#include "mtu.h"
#include "rand.h"

static struct lp_log_rl proto_rl = LP_LOG_RL_INIT(10, 10);

static void addr_text(const struct lp_quic_addr *a, char *addr, size_t addrlen, char *ip,
		      size_t iplen)
{
	char host[INET6_ADDRSTRLEN + 2] = "?";
	unsigned port = 0;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(addr, addrlen, "%s:%u", host, port);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host, sizeof(host));
			snprintf(addr, addrlen, "%s:%u", host, ntohs(s6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			snprintf(addr, addrlen, "[%s]:%u", host, ntohs(s6->sin6_port));
		}
	}
	snprintf(ip, iplen, "%.45s", host);
}

struct lp_session *lp_session_new(struct lp_relay *r, struct lp_udp *u)
{
	struct lp_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->relay = r;
	s->udp = u;
	s->created_ns = lp_loop_now(r->loop);
	lp_timer_init(&s->timer, lp_endpoint_on_timer, s);
	s->member.io = &lp_session_io;
	s->member.conn = s;
	if (lp_random_bytes(&s->frag_id, sizeof(s->frag_id)) < 0)
		s->frag_id = (uint32_t)(uintptr_t)s;
	s->next = r->sessions;
	if (r->sessions)
		r->sessions->prev = s;
	r->sessions = s;
	r->n_sessions++;
	return s;
}

void lp_session_free(struct lp_session *s)
{
	struct lp_relay *r = s->relay;
	lp_session_leave(s, s->leave_reason ? s->leave_reason : LP_DISCONNECT_UNKNOWN);
	lp_endpoint_unmap(r, s);
	lp_loop_timer_cancel(r->loop, &s->timer);
	if (s->dirty) {
		/* unlink from the dirty list */
		for (struct lp_session **p = &r->dirty; *p; p = &(*p)->dirty_next) {
			if (*p == s) {
				*p = s->dirty_next;
				break;
			}
		}
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		r->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	r->n_sessions--;
	if (s->reasm_init)
		lp_reasm_free(&s->reasm);
	free(s->reader_buf);
	lp_quic_conn_free(s->q);
	free(s);
}

int lp_session_send_ctrl(struct lp_session *s, const struct lp_ctrl_msg *m)
{
	uint8_t buf[LP_CTRL_HDR_LEN + LP_CTRL_MAX];
	ssize_t n = lp_ctrl_encode(m, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("ctrl_encode_failed type=%s error=\"%s\"", lp_ctrl_type_name(m->type),
			  lp_strerror((int)n));
		return (int)n;
	}
	int r = lp_quic_conn_stream_send(s->q, buf, (size_t)n);
	if (r == LP_ERR_LIMIT && s->admitted) {
		/* a member that does not read its control stream cannot stay */
		lp_session_disconnect(s, LP_DISCONNECT_PROTOCOL_ERROR, "control stream stalled");
	}
	lp_endpoint_dirty(s);
	return r;
}

void lp_session_leave(struct lp_session *s, enum lp_disconnect_reason why)
{
	struct lp_relay *r = s->relay;
	if (!s->admitted)
		return;
	s->admitted = false;
	struct lp_member *m = &s->member;
	struct lp_room *room = m->room;
	if (room)
		lp_room_remove(room, m, why);
	int64_t now = lp_relay_now();
	if (m->session_id > 0) {
		struct lp_store_traffic t = {
			.up_frames = lp_counters_frames(&m->ctr, LP_DIR_UP),
			.up_bytes = lp_counters_bytes(&m->ctr, LP_DIR_UP),
			.down_frames = lp_counters_frames(&m->ctr, LP_DIR_DOWN),
			.down_bytes = lp_counters_bytes(&m->ctr, LP_DIR_DOWN),
		};
		if (lp_store_session_end(r->store, m->session_id, now, &t,
					 lp_disconnect_reason_name(why)) < 0)
			r->stats.store_errors++;
		m->session_id = 0;
	}
	char mac[LP_MAC_STRLEN] = "-";
	if (m->has_mac)
		lp_mac_format(&m->mac, mac);
	log_info("member_left room=%lld member=%u role=%s mac=%s addr=%s reason=%s up_bytes=%llu "
		 "down_bytes=%llu",
		 (long long)s->room_id, m->id, m->gateway ? "gateway" : "client", mac, s->addr,
		 lp_disconnect_reason_name(why),
		 (unsigned long long)lp_counters_bytes(&m->ctr, LP_DIR_UP),
		 (unsigned long long)lp_counters_bytes(&m->ctr, LP_DIR_DOWN));
}

static uint64_t close_code(enum lp_disconnect_reason why)
{
	return lp_disconnect_close_code(why);
}

void lp_session_disconnect(struct lp_session *s, enum lp_disconnect_reason why, const char *message)
{
	if (s->closing) {
		lp_session_leave(s, why);
		return;
	}
	if (s->admitted) {
		struct lp_ctrl_msg m = { .type = LP_CTRL_DISCONNECT };
		m.disconnect.reason = why;
		if (message)
			snprintf(m.disconnect.message, sizeof(m.disconnect.message), "%s", message);
		uint8_t buf[LP_CTRL_HDR_LEN + 512];
		ssize_t n = lp_ctrl_encode(&m, buf, sizeof(buf));
		if (n > 0)
			lp_quic_conn_stream_send(s->q, buf, (size_t)n);
	}
	s->leave_reason = why;
	lp_session_leave(s, why);
	lp_session_close_after_flush(s, close_code(why), lp_disconnect_reason_name(why));
}

void lp_session_close_after_flush(struct lp_session *s, uint64_t code, const char *reason)
{
	s->closing = true;
	s->close_pending = true;
	s->close_code = code;
	s->close_reason = reason;
	s->close_deadline = lp_loop_now(s->relay->loop) + 1000000000ull;
	lp_endpoint_dirty(s);
}

uint64_t lp_session_pending_close(struct lp_session *s, uint64_t now)
{
	if (!s->close_pending)
		return UINT64_MAX;
	if (lp_quic_conn_is_closed(s->q)) {
		s->close_pending = false;
		return UINT64_MAX;
	}
	if (lp_quic_conn_stream_pending(s->q) == 0 || now >= s->close_deadline) {
		s->close_pending = false;
		lp_quic_conn_close(s->q, s->close_code, s->close_reason, now);
		return UINT64_MAX;
	}
	return s->close_deadline;
}

void lp_session_reject(struct lp_session *s, const struct lp_ctrl_reject *rej)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_REJECT };
	m.reject = *rej;
	uint8_t buf[LP_CTRL_HDR_LEN + 1024];
	ssize_t n = lp_ctrl_encode(&m, buf, sizeof(buf));
	if (n > 0)
		lp_quic_conn_stream_send(s->q, buf, (size_t)n);
	lp_session_close_after_flush(s, lp_reject_close_code(rej->reason),
				     lp_reject_reason_name(rej->reason));
}

/* ------------------------------------------------------------ QUIC callbacks */

void lp_session_set_remote(struct lp_session *s, const struct sockaddr *sa, socklen_t len)
{
	struct lp_quic_addr a;
	if (len > sizeof(a.ss))
		return;
	memcpy(&a.ss, sa, len);
	a.len = len;
	addr_text(&a, s->addr, sizeof(s->addr), s->ip, sizeof(s->ip));
	char canon[LP_STORE_ADDR_MAX];
	if (lp_store_addr_canon(s->ip, canon) == 0)
		memcpy(s->ip, canon, sizeof(canon));
	snprintf(s->member.remote, sizeof(s->member.remote), "%s", s->addr);
}

static void on_handshake_done(struct lp_quic_conn *c, void *ud)
{
	struct lp_session *s = ud;
	(void)c;
	s->relay->stats.handshakes++;
	log_debug("handshake_done addr=%s", s->addr);
}

static void on_control(struct lp_session *s, const uint8_t *body, size_t len)
{
	struct lp_ctrl_msg m;
	char err[160];
	int r = lp_ctrl_decode(body, len, &m, err, sizeof(err));
	if (r < 0) {
		log_warnx_rl(&proto_rl, "ctrl_malformed addr=%s error=\"%s\"", s->addr, err);
		if (!s->admitted) {
			struct lp_ctrl_reject rej = { .reason = LP_REJECT_MALFORMED_HELLO };
			snprintf(rej.message, sizeof(rej.message), "%s", err);
			s->relay->stats.rejects[LP_REJECT_MALFORMED_HELLO]++;
			lp_session_reject(s, &rej);
		} else {
			lp_session_disconnect(s, LP_DISCONNECT_PROTOCOL_ERROR, err);
		}
		return;
	}
	if (!s->admitted) {
		if (m.type != LP_CTRL_HELLO) {
			struct lp_ctrl_reject rej = { .reason = LP_REJECT_MALFORMED_HELLO };
			snprintf(rej.message, sizeof(rej.message), "expected hello, got %s",
				 lp_ctrl_type_name(m.type));
			s->relay->stats.rejects[LP_REJECT_MALFORMED_HELLO]++;
			lp_session_reject(s, &rej);
		} else {
			lp_admit_hello(s, &m.hello);
		}
		lp_ctrl_msg_free(&m);
		return;
	}
	switch (m.type) {
	case LP_CTRL_DISCONNECT:
		/* the agent leaves: the connection close follows from its side */
		s->leave_reason = m.disconnect.reason == LP_DISCONNECT_UNKNOWN
					  ? LP_DISCONNECT_LEAVING
					  : m.disconnect.reason;
		lp_session_leave(s, s->leave_reason);
		break;
	case LP_CTRL_STATS:
		/* the agent's own view (its RTT to us); ours comes from QUIC */
		break;
	default:
		lp_session_disconnect(s, LP_DISCONNECT_PROTOCOL_ERROR, "unexpected message");
		break;
	}
	lp_ctrl_msg_free(&m);
}

static void on_stream_data(struct lp_quic_conn *c, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *ud)
{
	struct lp_session *s = ud;
	(void)c;
	(void)fin;
	if (stream_id != 0 || s->closing)
		return;
	if (!s->reader_buf) {
		s->reader_buf = malloc(LP_CTRL_UP_MAX);
		if (!s->reader_buf) {
			lp_session_disconnect(s, LP_DISCONNECT_UNKNOWN, "relay out of memory");
			return;
		}
		lp_ctrl_reader_init(&s->reader, s->reader_buf, LP_CTRL_UP_MAX);
	}
	while (len > 0 && !s->closing) {
		const uint8_t *msg;
		size_t msglen;
		ssize_t used = lp_ctrl_reader_feed(&s->reader, data, len, &msg, &msglen);
		if (used < 0) {
			log_warnx_rl(&proto_rl, "ctrl_stream_error addr=%s error=\"%s\"", s->addr,
				     lp_strerror((int)used));
			if (s->admitted) {
				lp_session_disconnect(s, LP_DISCONNECT_PROTOCOL_ERROR,
						      "bad control stream");
			} else {
				struct lp_ctrl_reject rej = { .reason = LP_REJECT_MALFORMED_HELLO };
				snprintf(rej.message, sizeof(rej.message), "bad control framing");
				s->relay->stats.rejects[LP_REJECT_MALFORMED_HELLO]++;
				lp_session_reject(s, &rej);
			}
			return;
		}
		data += used;
		len -= (size_t)used;
		if (msg)
			on_control(s, msg, msglen);
	}
	/* Between messages the buffer holds nothing: an idle member costs none. */
	if (lp_ctrl_reader_idle(&s->reader)) {
		free(s->reader_buf);
		s->reader_buf = NULL;
	}
}

static void on_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len, void *ud)
{
	struct lp_session *s = ud;
	struct lp_member *m = &s->member;
	const uint8_t *frame;
	size_t flen;
	(void)c;
	if (!s->admitted || !m->room) {
		lp_counters_drop(&m->ctr, LP_DROP_NOT_ADMITTED);
		return;
	}
	uint64_t now = lp_loop_now(s->relay->loop);
	/* the hot path: a whole frame, no copy */
	if (lp_dgram_peek_frame(data, len, &frame, &flen)) {
		lp_room_forward(m->room, m, frame, flen, now);
		return;
	}
	struct lp_dgram d;
	if (lp_dgram_decode(data, len, &d) < 0) {
		lp_counters_drop(&m->ctr, LP_DROP_MALFORMED);
		return;
	}
	if (!s->reasm_init) {
		struct lp_reasm_cfg cfg;
		lp_reasm_cfg_default(&cfg);
		cfg.max_frame = m->room->max_frame;
		if (cfg.max_bytes < cfg.max_frame * 4)
			cfg.max_bytes = cfg.max_frame * 4;
		if (lp_reasm_init(&s->reasm, &cfg) < 0) {
			lp_counters_drop(&m->ctr, LP_DROP_FRAGMENT);
			return;
		}
		s->reasm_init = true;
	}
	int r = lp_reasm_push(&s->reasm, &d, now, &frame, &flen);
	if (r == 1)
		lp_room_forward(m->room, m, frame, flen, now);
	else if (r == LP_ERR_TOO_BIG && d.index == 0)
		lp_counters_drop(&m->ctr, LP_DROP_OVERSIZE); /* once per frame, not per piece */
	else if (r < 0 && r != LP_ERR_TOO_BIG)
		lp_counters_drop(&m->ctr, LP_DROP_FRAGMENT);
}

static void on_close(struct lp_quic_conn *c, const struct lp_quic_close *info, void *ud)
{
	struct lp_session *s = ud;
	(void)c;
	enum lp_disconnect_reason why = s->leave_reason;
	if (!why) {
		if (info->kind == LP_QUIC_CLOSE_IDLE)
			why = LP_DISCONNECT_IDLE;
		else if (info->kind == LP_QUIC_CLOSE_PEER)
			why = LP_DISCONNECT_LEAVING;
		else
			why = LP_DISCONNECT_UNKNOWN;
	}
	if (!lp_quic_conn_is_open(c) && !s->admitted && info->kind != LP_QUIC_CLOSE_LOCAL)
		s->relay->stats.handshake_failures += s->addr[0] ? 0 : 1;
	s->leave_reason = why;
	lp_session_leave(s, why);
	s->closing = true;
	lp_endpoint_dirty(s);
}

static void on_cid_new(struct lp_quic_conn *c, const struct lp_quic_cid *cid, void *ud)
{
	(void)c;
	struct lp_session *s = ud;
	lp_endpoint_map_cid(s->relay, s, cid);
}

static void on_cid_retired(struct lp_quic_conn *c, const struct lp_quic_cid *cid, void *ud)
{
	(void)c;
	struct lp_session *s = ud;
	lp_endpoint_unmap_cid(s->relay, s, cid);
}

const struct lp_quic_callbacks lp_session_callbacks = {
	.on_handshake_done = on_handshake_done,
	.on_stream_data = on_stream_data,
	.on_datagram = on_datagram,
	.on_close = on_close,
	.on_cid_new = on_cid_new,
	.on_cid_retired = on_cid_retired,
};

/* ------------------------------------------------------------ member io */

static int io_send_frame(void *conn, const uint8_t *frame, size_t len)
{
	struct lp_session *s = conn;
	uint8_t buf[LP_QUIC_PKT_BUF];
	if (s->closing)
		return LP_ERR_STATE;
	size_t budget = lp_quic_conn_dgram_budget(s->q);
	if (budget > sizeof(buf))
		budget = sizeof(buf);
	int pieces = lp_dgram_split_count(len, budget);
	if (pieces < 0)
		return pieces;
	if (lp_quic_conn_dgram_queue_room(s->q) < (size_t)pieces)
		return LP_ERR_LIMIT;
	if (pieces == 1) {
		/* header byte + frame as two pieces: no copy of the frame here */
		uint8_t hdr = LP_DGRAM_BYTE0_FRAME;
		struct iovec iov[2] = { { &hdr, 1 }, { (void *)(uintptr_t)frame, len } };
		int r = lp_quic_conn_send_datagramv(s->q, iov, 2);
		if (r == 0)
			lp_endpoint_dirty(s);
		return r;
	}
	struct lp_dgram_split sp;
	int r = lp_dgram_split_init(&sp, frame, len, budget, s->frag_id++);
	if (r < 0)
		return r;
	ssize_t n;
	while ((n = lp_dgram_split_next(&sp, buf, sizeof(buf))) > 0) {
		r = lp_quic_conn_send_datagram(s->q, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	lp_endpoint_dirty(s);
	return n < 0 ? (int)n : 0;
}

static int io_send_ctrl(void *conn, const struct lp_ctrl_msg *m)
{
	return lp_session_send_ctrl(conn, m);
}

const struct lp_member_io lp_session_io = {
	.send_frame = io_send_frame,
	.send_ctrl = io_send_ctrl,
};
