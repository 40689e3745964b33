/*
 * loadgen_member.c: one in-process room member: a real QUIC connection on
 * shared/quic.h with the relay's certificate pinned, a hello on the control
 * stream, and the relay's answer. After the welcome the member only counts
 * what the relay says: thousands of members each hear of every other member
 * of their room, so only the first message (welcome or reject) and a
 * disconnect are decoded in full; the others are told apart by their type.
 */
#include "loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidmap.h"
#include "dgram.h"
#include "err.h"
#include "rand.h"

/* MACs 02:4c:47:xx:xx:xx (locally administered, unicast): "LG" and the index. */
void lg_member_mac(uint32_t index, struct lp_mac *out)
{
	out->b[0] = 0x02;
	out->b[1] = 0x4c;
	out->b[2] = (uint8_t)(index >> 24 | 0x40); /* never all-zero with index 0 */
	out->b[3] = (uint8_t)(index >> 16);
	out->b[4] = (uint8_t)(index >> 8);
	out->b[5] = (uint8_t)index;
}

static void set_done(struct lg_member *m, enum lg_state st)
{
	struct lg *lg = m->lg;

	if (m->state == LG_CONNECTING && lg->connecting > 0) {
		lg->connecting--;
		lg->join_progress = lp_quic_now();
	}
	if (m->state == LG_WELCOMED && st != LG_WELCOMED) {
		m->room->n_live--;
		lg->c.lost++;
	}
	if (st == LG_WELCOMED) {
		m->room->n_live++;
		lg->c.hs_welcomed++;
		if (lg->lat_us)
			lg->lat_us[lg->n_lat++] = (uint32_t)((m->t_done - m->t_start) / 1000);
	} else if (st == LG_FAILED) {
		lg->c.hs_failed++;
	}
	m->state = st;
}

static void fail(struct lg_member *m, const char *why)
{
	if (m->q && !lp_quic_conn_is_closed(m->q))
		(void)lp_quic_conn_close(m->q,
					 lp_disconnect_close_code(LP_DISCONNECT_PROTOCOL_ERROR),
					 why, lp_quic_now());
	m->lg->c.ctrl_errors++;
}

/* ------------------------------------------------------------ control stream */

static int send_hello(struct lg_member *m)
{
	struct lp_ctrl_msg msg = { .type = LP_CTRL_HELLO };
	struct lp_ctrl_hello *h = &msg.hello;
	const struct lp_invite *inv = m->gateway ? &m->room->gateway : &m->room->client;
	size_t budget = lp_quic_conn_dgram_budget(m->q);
	uint8_t buf[LP_CTRL_HDR_LEN + 1024];
	ssize_t n;

	h->version = LP_PROTO_VERSION;
	h->role = m->gateway ? LP_CTRL_ROLE_GATEWAY : LP_CTRL_ROLE_CLIENT;
	memcpy(h->code, inv->code, sizeof(h->code));
	h->has_mac = true;
	h->mac = m->mac;
	if (budget < LP_CTRL_BUDGET_MIN)
		budget = LP_CTRL_BUDGET_MIN;
	if (budget > LP_CTRL_BUDGET_MAX)
		budget = LP_CTRL_BUDGET_MAX;
	h->datagram_budget = (uint16_t)budget;
	snprintf(h->agent, sizeof(h->agent), "%s", LG_AGENT);
	n = lp_ctrl_encode(&msg, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return lp_quic_conn_stream_send(m->q, buf, (size_t)n);
}

/* The answer to the hello: the only message decoded in full. */
static void on_answer(struct lg_member *m, const uint8_t *body, size_t len)
{
	struct lp_ctrl_msg msg;
	char err[128];

	if (lp_ctrl_decode(body, len, &msg, err, sizeof(err)) < 0) {
		fail(m, "undecodable answer");
		return;
	}
	m->t_done = lp_quic_now();
	if (msg.type == LP_CTRL_WELCOME) {
		m->member_id = msg.welcome.member_id;
		set_done(m, LG_WELCOMED);
	} else if (msg.type == LP_CTRL_REJECT) {
		m->reject = (int)msg.reject.reason;
		m->lg->c.rejects[msg.reject.reason]++;
		set_done(m, LG_FAILED);
	} else {
		fail(m, "first message is neither welcome nor reject");
	}
	lp_ctrl_msg_free(&msg);
}

static bool has_type(const uint8_t *body, size_t len, const char *type)
{
	char pat[48];
	int n = snprintf(pat, sizeof(pat), "\"type\":\"%s\"", type);

	return n > 0 && memmem(body, len, pat, (size_t)n) != NULL;
}

static void on_message(struct lg_member *m, const uint8_t *body, size_t len)
{
	struct lg_count *c = &m->lg->c;

	c->ctrl_msgs++;
	if (m->ctrl_msgs++ == 0) {
		on_answer(m, body, len);
		return;
	}
	/* The relay writes compact JSON, so the type is one exact substring. */
	if (has_type(body, len, "peer_joined"))
		c->peer_joined++;
	else if (has_type(body, len, "peer_left"))
		c->peer_left++;
	else if (has_type(body, len, "stats"))
		c->stats_msgs++;
	else if (has_type(body, len, "disconnect"))
		c->disconnects++;
	else
		fail(m, "unexpected control message");
}

/*
 * Framing by hand rather than with lp_ctrl_reader: its body buffer is the
 * largest message (64 KiB), and 10,000 members would hold 640 MiB of them.
 * A body is allocated for the message being read and freed once handled.
 */
static void on_stream_data(struct lp_quic_conn *c, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *ud)
{
	struct lg_member *m = ud;

	(void)c;
	(void)fin;
	if (stream_id != 0) {
		fail(m, "data on a stream other than 0");
		return;
	}
	while (len > 0) {
		if (m->hdr_have < LP_CTRL_HDR_LEN) {
			m->hdr[m->hdr_have++] = *data++;
			len--;
			if (m->hdr_have < LP_CTRL_HDR_LEN)
				continue;
			m->body_len = (uint32_t)m->hdr[0] << 24 | (uint32_t)m->hdr[1] << 16 |
				      (uint32_t)m->hdr[2] << 8 | m->hdr[3];
			if (m->body_len == 0 || m->body_len > LP_CTRL_MAX) {
				fail(m, "control framing broken");
				return;
			}
			m->body = malloc(m->body_len);
			if (!m->body) {
				fail(m, "out of memory");
				return;
			}
			m->body_have = 0;
			continue;
		}
		size_t take = m->body_len - m->body_have;

		if (take > len)
			take = len;
		memcpy(m->body + m->body_have, data, take);
		m->body_have += (uint32_t)take;
		data += take;
		len -= take;
		if (m->body_have < m->body_len)
			continue;
		on_message(m, m->body, m->body_len);
		free(m->body);
		m->body = NULL;
		m->hdr_have = 0;
	}
}

/* ------------------------------------------------------------ QUIC callbacks */

static void on_handshake_done(struct lp_quic_conn *c, void *ud)
{
	struct lg_member *m = ud;

	(void)c;
	if (send_hello(m) < 0)
		fail(m, "hello not sent");
}

static void on_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len, void *ud)
{
	struct lg_member *m = ud;
	const uint8_t *frame;
	struct lp_dgram d;
	size_t flen;

	(void)c;
	if (lp_dgram_decode(data, len, &d) < 0) {
		m->lg->c.rx_bad++;
		return;
	}
	if (d.type == LP_DGRAM_FRAME) {
		lg_traffic_on_frame(m, d.data, d.len);
		return;
	}
	if (!m->reasm) {
		m->reasm = calloc(1, sizeof(*m->reasm));
		if (!m->reasm || lp_reasm_init(m->reasm, NULL) < 0) {
			free(m->reasm);
			m->reasm = NULL;
			m->lg->c.rx_bad++;
			return;
		}
	}
	int r = lp_reasm_push(m->reasm, &d, lp_quic_now(), &frame, &flen);
	if (r == 1)
		lg_traffic_on_frame(m, frame, flen);
	else if (r < 0)
		m->lg->c.rx_bad++;
}

static void on_close(struct lp_quic_conn *c, const struct lp_quic_close *info, void *ud)
{
	struct lg_member *m = ud;
	enum lp_reject_reason why;

	(void)c;
	m->close = *info;
	if (m->state == LG_CONNECTING) {
		m->t_done = lp_quic_now();
		/* A reject whose message was lost still names its reason in the close code. */
		if (m->reject < 0 && info->app && lp_reject_from_close_code(info->code, &why)) {
			m->reject = (int)why;
			m->lg->c.rejects[why]++;
		}
		set_done(m, LG_FAILED);
	} else if (m->state == LG_WELCOMED) {
		set_done(m, LG_LOST);
	}
}

static void on_cid_new(struct lp_quic_conn *c, const struct lp_quic_cid *cid, void *ud)
{
	struct lg_member *m = ud;

	(void)c;
	(void)cid_map_put(m->lg->cids, cid->data, cid->len, m);
}

static void on_cid_retired(struct lp_quic_conn *c, const struct lp_quic_cid *cid, void *ud)
{
	struct lg_member *m = ud;

	(void)c;
	cid_map_remove(m->lg->cids, cid->data, cid->len, m);
}

static const struct lp_quic_callbacks callbacks = {
	.on_handshake_done = on_handshake_done,
	.on_stream_data = on_stream_data,
	.on_datagram = on_datagram,
	.on_close = on_close,
	.on_cid_new = on_cid_new,
	.on_cid_retired = on_cid_retired,
};

/* ------------------------------------------------------------ life cycle */

void lg_member_on_timer(struct lp_loop *loop, struct lp_timer *t)
{
	struct lg_member *m = t->arg;

	(void)lp_quic_conn_handle_expiry(m->q, lp_loop_now(loop));
	lg_mark_dirty(m);
}

int lg_member_start(struct lg_member *m)
{
	struct lg *lg = m->lg;
	struct lp_quic_config cfg = { 0 };
	struct lp_quic_cid ids[4];
	struct lp_quic_path path = {
		.local = (const struct sockaddr *)&m->sock->local,
		.local_len = sizeof(m->sock->local),
		.remote = (const struct sockaddr *)&lg->relay,
		.remote_len = sizeof(lg->relay),
	};
	int r;

	m->reject = -1;
	m->state = LG_CONNECTING;
	m->t_start = lp_quic_now();
	lg->connecting++;
	lg->c.hs_started++;
	lp_timer_init(&m->timer, lg_member_on_timer, m);
	(void)lp_random_bytes(&m->frag_id, sizeof(m->frag_id));
	r = lp_quic_conn_client_new(&m->q, lg->creds, NULL, &cfg, &callbacks, m, &path, m->t_start);
	if (r < 0) {
		m->q = NULL;
		m->t_done = m->t_start;
		set_done(m, LG_FAILED);
		return r;
	}
	size_t n = lp_quic_conn_scids(m->q, ids, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		(void)cid_map_put(lg->cids, ids[i].data, ids[i].len, m);
	lg_mark_dirty(m);
	return 0;
}

void lg_member_packet(struct lg *lg, struct lg_sock *s, const struct sockaddr_in *from,
		      uint8_t *pkt, size_t len, uint64_t now)
{
	struct lp_quic_ids ids;
	struct lg_member *m;

	if (lp_quic_decode_ids(pkt, len, &ids) < 0 ||
	    !(m = cid_map_get(lg->cids, ids.dcid, ids.dcid_len)) || !m->q) {
		lg->c.udp_rx_unknown++;
		return;
	}
	struct lp_quic_path path = {
		.local = (const struct sockaddr *)&s->local,
		.local_len = sizeof(s->local),
		.remote = (const struct sockaddr *)from,
		.remote_len = sizeof(*from),
	};
	(void)lp_quic_conn_read(m->q, &path, pkt, len, now);
	lg_mark_dirty(m);
}

void lg_member_leave(struct lg_member *m)
{
	if (!m->q || lp_quic_conn_is_closed(m->q))
		return;
	if (m->state == LG_WELCOMED) {
		m->room->n_live--;
		m->state = LG_LEFT;
	}
	(void)lp_quic_conn_close(m->q, lp_disconnect_close_code(LP_DISCONNECT_LEAVING), "leaving",
				 lp_quic_now());
	lg_mark_dirty(m);
}

void lg_member_abandon(struct lg_member *m)
{
	if (m->state != LG_CONNECTING)
		return;
	m->t_done = lp_quic_now();
	set_done(m, LG_FAILED);
	lg_member_leave(m);
}

void lg_member_free(struct lg_member *m)
{
	struct lp_quic_cid ids[8];

	if (m->q) {
		size_t n = lp_quic_conn_scids(m->q, ids, 8);

		for (size_t i = 0; i < n && i < 8; i++)
			cid_map_remove(m->lg->cids, ids[i].data, ids[i].len, m);
		lp_loop_timer_cancel(m->lg->loop, &m->timer);
		lp_quic_conn_free(m->q);
		m->q = NULL;
	}
	free(m->body);
	m->body = NULL;
	if (m->reasm) {
		lp_reasm_free(m->reasm);
		free(m->reasm);
		m->reasm = NULL;
	}
}
