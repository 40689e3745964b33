/*
 * quic.c: creating and freeing connections, ngtcp2 settings and transport
 * parameters, getters and small helpers. The ngtcp2 callbacks are in
 * quic_cb.c, packet I/O in quic_io.c, send queues in quic_queue.c, the
 * server's stateless helpers in quic_server.c.
 */
#include "quic_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "err.h"
#include "tls.h"

uint64_t lp_quic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LP_QUIC_NS_PER_S + (uint64_t)ts.tv_nsec;
}

int lp_quic_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void lp_quic_cid_to_ng(const struct lp_quic_cid *in, ngtcp2_cid *out)
{
	ngtcp2_cid_init(out, in->data, in->len);
}

void lp_quic_cid_from_ng(const ngtcp2_cid *in, struct lp_quic_cid *out)
{
	memset(out, 0, sizeof(*out));
	out->len = (uint8_t)in->datalen;
	memcpy(out->data, in->data, in->datalen);
}

void lp_quic_addr_from_ng(const ngtcp2_addr *in, struct lp_quic_addr *out)
{
	size_t len = (size_t)in->addrlen; /* a signed int on Windows, never negative */

	memset(out, 0, sizeof(*out));
	if (len > sizeof(out->ss))
		len = sizeof(out->ss);
	memcpy(&out->ss, in->addr, len);
	out->len = (socklen_t)len;
}

void lp_quic_reason_copy(char *dst, const uint8_t *src, size_t len)
{
	if (len > LP_QUIC_REASON_MAX)
		len = LP_QUIC_REASON_MAX;
	for (size_t i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[len] = '\0';
}

size_t lp_quic_dgram_budget(size_t path_max_udp, size_t dcid_len, uint64_t peer_max_frame)
{
	size_t budget;

	if (peer_max_frame <= 3 || path_max_udp <= LP_QUIC_DGRAM_OVERHEAD + dcid_len)
		return 0;
	budget = path_max_udp - LP_QUIC_DGRAM_OVERHEAD - dcid_len;
	if (peer_max_frame - 3 < budget)
		budget = (size_t)(peer_max_frame - 3);
	return budget;
}

/* ------------------------------------------------------------ set-up */

static bool config_ok(const struct lp_quic_config *cfg, bool server)
{
	if (!cfg)
		return false;
	if (cfg->max_udp_payload && (cfg->max_udp_payload < LP_QUIC_MIN_UDP_PAYLOAD ||
				     cfg->max_udp_payload > LP_QUIC_MAX_UDP_PAYLOAD))
		return false;
	if (cfg->dgram_queue > LP_QUIC_DGRAM_QUEUE_MAX || cfg->stream_buf > LP_QUIC_STREAM_BUF_MAX)
		return false;
	if (cfg->idle_timeout == UINT64_MAX)
		return false;
	if (cfg->alpn && (strlen(cfg->alpn) == 0 || strlen(cfg->alpn) >= LP_QUIC_ALPN_MAX))
		return false;
	return !server || cfg->secret;
}

static int conn_alloc(struct lp_quic_conn **out, struct lp_tls_creds *creds,
		      const struct lp_quic_config *cfg, const struct lp_quic_callbacks *cb,
		      void *user_data, bool server)
{
	struct lp_quic_conn *c;
	const char *alpn;

	*out = NULL;
	if (!creds || !config_ok(cfg, server) || lp_tls_creds_is_server(creds) != server)
		return LP_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return LP_ERR_NOMEM;
	if (cfg->secret)
		memcpy(c->secret, cfg->secret, sizeof(c->secret));
	else if (lp_quic_random(c->secret, sizeof(c->secret)) != 0) {
		free(c);
		return LP_ERR_UNSUPPORTED;
	}
	c->creds = lp_tls_creds_ref(creds);
	c->server = server;
	c->state = LP_QUIC_ST_HANDSHAKE;
	c->stream_id = -1;
	c->close_rx_next = 1;
	c->max_udp_payload = cfg->max_udp_payload ? cfg->max_udp_payload : LP_QUIC_MAX_UDP_PAYLOAD;
	c->dq_cap = cfg->dgram_queue ? cfg->dgram_queue : LP_QUIC_DGRAM_QUEUE_DEFAULT;
	c->pool = cfg->dgram_pool;
	c->sb_cap = cfg->stream_buf ? cfg->stream_buf : LP_QUIC_STREAM_BUF_DEFAULT;
	alpn = cfg->alpn ? cfg->alpn : LP_ALPN;
	memcpy(c->alpn, alpn, strlen(alpn) + 1);
	if (cb)
		c->cb = *cb;
	c->user_data = user_data;
	ngtcp2_path_storage_zero(&c->ps);
	*out = c;
	return 0;
}

static uint64_t idle_timeout(const struct lp_quic_config *cfg)
{
	return cfg->idle_timeout ? cfg->idle_timeout : LP_QUIC_IDLE_TIMEOUT_DEFAULT;
}

static void conn_settings(struct lp_quic_conn *c, const struct lp_quic_config *cfg,
			  ngtcp2_settings *s, ngtcp2_transport_params *p, uint64_t ts)
{
	ngtcp2_settings_default(s);
	s->initial_ts = ts;
	s->max_tx_udp_payload_size = c->max_udp_payload;
	/* One probe straight at the target size: the path is there right
	 * after the handshake when the network allows it (ngtcp2.md). */
	if (c->max_udp_payload > LP_QUIC_MIN_UDP_PAYLOAD) {
		c->pmtud_probe = (uint16_t)c->max_udp_payload;
		s->pmtud_probes = &c->pmtud_probe;
		s->pmtud_probeslen = 1;
	}
	/* Datagrams are never retransmitted, so an ACK only feeds congestion
	 * control and loss detection: one per LP_QUIC_ACK_THRESH packets (or
	 * after max_ack_delay) saves both ends a packet, its crypto and its
	 * bookkeeping for most data packets. */
	s->ack_thresh = LP_QUIC_ACK_THRESH;
	s->handshake_timeout =
		cfg->handshake_timeout ? cfg->handshake_timeout : LP_QUIC_HANDSHAKE_TIMEOUT_DEFAULT;

	ngtcp2_transport_params_default(p);
	p->max_idle_timeout = idle_timeout(cfg);
	p->max_datagram_frame_size = LP_QUIC_MAX_DATAGRAM_FRAME;
	/* One control stream, opened by the client. */
	p->initial_max_streams_bidi = c->server ? 1 : 0;
	p->initial_max_streams_uni = 0;
	p->initial_max_stream_data_bidi_local = LP_QUIC_STREAM_WINDOW;
	p->initial_max_stream_data_bidi_remote = LP_QUIC_STREAM_WINDOW;
	p->initial_max_stream_data_uni = 0;
	p->initial_max_data = 2 * LP_QUIC_STREAM_WINDOW;
}

static void to_ng_path(const struct lp_quic_path *path, ngtcp2_path *np)
{
	memset(np, 0, sizeof(*np));
	np->local.addr = (ngtcp2_sockaddr *)(uintptr_t)path->local;
	np->local.addrlen = path->local_len;
	np->remote.addr = (ngtcp2_sockaddr *)(uintptr_t)path->remote;
	np->remote.addrlen = path->remote_len;
}

static bool path_ok(const struct lp_quic_path *path)
{
	/* socklen_t is a signed int on Windows: compare as sizes once positive. */
	return path && path->local && path->remote && path->local_len > 0 &&
	       (size_t)path->local_len <= sizeof(struct sockaddr_storage) && path->remote_len > 0 &&
	       (size_t)path->remote_len <= sizeof(struct sockaddr_storage);
}

/* The gnutls side: a session on the creds, wired to ngtcp2. */
static int conn_tls(struct lp_quic_conn *c, const char *server_name)
{
	int err, rv;

	err = lp_tls_session_new(c->creds, server_name, c->alpn, &c->tls);
	if (err)
		return err;
	c->conn_ref.get_conn = lp_quic_get_conn;
	c->conn_ref.user_data = c;
	gnutls_session_set_ptr(c->tls, &c->conn_ref);
	rv = c->server ? ngtcp2_crypto_gnutls_configure_server_session(c->tls)
		       : ngtcp2_crypto_gnutls_configure_client_session(c->tls);
	if (rv != 0)
		return LP_ERR_UNSUPPORTED;
	ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
	return 0;
}

static int ng_err(int rv)
{
	return rv == NGTCP2_ERR_NOMEM ? LP_ERR_NOMEM : LP_ERR_UNSUPPORTED;
}

int lp_quic_conn_client_new(struct lp_quic_conn **out, struct lp_tls_creds *creds,
			    const char *server_name, const struct lp_quic_config *cfg,
			    const struct lp_quic_callbacks *cb, void *user_data,
			    const struct lp_quic_path *path, uint64_t ts)
{
	struct lp_quic_conn *c;
	ngtcp2_callbacks callbacks;
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_cid dcid, scid;
	ngtcp2_path np;
	uint64_t ka;
	int err, rv;

	if (!path_ok(path))
		return LP_ERR_INVALID;
	err = conn_alloc(&c, creds, cfg, cb, user_data, false);
	if (err)
		return err;
	dcid.datalen = LP_QUIC_CID_LEN;
	scid.datalen = LP_QUIC_CID_LEN;
	err = LP_ERR_UNSUPPORTED;
	if (lp_quic_random(dcid.data, dcid.datalen) || lp_quic_random(scid.data, scid.datalen))
		goto out_free;
	lp_quic_cid_from_ng(&dcid, &c->initial_dcid);
	lp_quic_set_callbacks(&callbacks, false);
	conn_settings(c, cfg, &settings, &params, ts);
	to_ng_path(path, &np);
	rv = ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &np, NGTCP2_PROTO_VER_V1, &callbacks,
				    &settings, &params, NULL, c);
	if (rv != 0) {
		err = ng_err(rv);
		goto out_free;
	}
	ka = cfg->keep_alive ? cfg->keep_alive : idle_timeout(cfg) / 3;
	if (ka != UINT64_MAX)
		ngtcp2_conn_set_keep_alive_timeout(c->conn, ka);
	err = conn_tls(c, server_name);
	if (err)
		goto out_free;
	*out = c;
	return 0;
out_free:
	lp_quic_conn_free(c);
	return err;
}

int lp_quic_conn_server_new(struct lp_quic_conn **out, struct lp_tls_creds *creds,
			    const struct lp_quic_config *cfg, const struct lp_quic_callbacks *cb,
			    void *user_data, const struct lp_quic_initial *ini,
			    const struct lp_quic_path *path, uint64_t ts)
{
	struct lp_quic_conn *c;
	ngtcp2_callbacks callbacks;
	ngtcp2_settings settings;
	ngtcp2_transport_params params;
	ngtcp2_cid client_scid, scid;
	ngtcp2_path np;
	int err, rv;

	if (!path_ok(path) || !ini || ini->dcid.len > LP_QUIC_CID_MAX ||
	    ini->scid.len > LP_QUIC_CID_MAX || ini->odcid.len > LP_QUIC_CID_MAX)
		return LP_ERR_INVALID;
	err = conn_alloc(&c, creds, cfg, cb, user_data, true);
	if (err)
		return err;
	c->initial_dcid = ini->dcid;
	scid.datalen = LP_QUIC_CID_LEN;
	err = LP_ERR_UNSUPPORTED;
	if (lp_quic_random(scid.data, scid.datalen))
		goto out_free;
	lp_quic_cid_to_ng(&ini->scid, &client_scid);
	lp_quic_set_callbacks(&callbacks, true);
	conn_settings(c, cfg, &settings, &params, ts);
	/* The server must echo the client's first DCID (forgetting _present
	 * fails the handshake); after a Retry it also names the Retry's SCID. */
	if (ini->retried) {
		lp_quic_cid_to_ng(&ini->odcid, &params.original_dcid);
		lp_quic_cid_to_ng(&ini->dcid, &params.retry_scid);
		params.retry_scid_present = 1;
		settings.token = ini->token;
		settings.tokenlen = ini->token_len;
		settings.token_type = NGTCP2_TOKEN_TYPE_RETRY;
	} else {
		lp_quic_cid_to_ng(&ini->dcid, &params.original_dcid);
	}
	params.original_dcid_present = 1;
	if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token, c->secret,
							 sizeof(c->secret), &scid))
		goto out_free;
	params.stateless_reset_token_present = 1;
	to_ng_path(path, &np);
	rv = ngtcp2_conn_server_new(&c->conn, &client_scid, &scid, &np, ini->version, &callbacks,
				    &settings, &params, NULL, c);
	if (rv != 0) {
		err = ng_err(rv);
		goto out_free;
	}
	/* Servers stay quiet unless asked: the clients keep NAT mappings alive. */
	if (cfg->keep_alive && cfg->keep_alive != UINT64_MAX)
		ngtcp2_conn_set_keep_alive_timeout(c->conn, cfg->keep_alive);
	err = conn_tls(c, NULL);
	if (err)
		goto out_free;
	*out = c;
	return 0;
out_free:
	lp_quic_conn_free(c);
	return err;
}

void lp_quic_conn_free(struct lp_quic_conn *c)
{
	if (!c)
		return;
	/* ngtcp2 first: it frees crypto contexts through its callbacks. */
	if (c->conn)
		ngtcp2_conn_del(c->conn);
	if (c->tls)
		gnutls_deinit(c->tls);
	lp_tls_creds_unref(c->creds);
	lp_quic_dq_clear(c);
	if (c->own_pool)
		lp_quic_dgram_pool_del(c->pool);
	lp_quic_sb_release(c, true);
	free(c->close_pkt);
	free(c->stash);
	free(c);
}

/* ------------------------------------------------------------ getters */

size_t lp_quic_conn_dgram_budget(const struct lp_quic_conn *c)
{
	const ngtcp2_transport_params *rp;
	size_t budget;

	if (c->state != LP_QUIC_ST_OPEN)
		return 0;
	rp = ngtcp2_conn_get_remote_transport_params(c->conn);
	if (!rp)
		return 0;
	budget = lp_quic_dgram_budget(ngtcp2_conn_get_path_max_tx_udp_payload_size(c->conn),
				      ngtcp2_conn_get_dcid(c->conn)->datalen,
				      rp->max_datagram_frame_size);
	/* A queue slot holds at most this much. */
	if (budget > LP_QUIC_MAX_UDP_PAYLOAD)
		budget = LP_QUIC_MAX_UDP_PAYLOAD;
	return budget;
}

bool lp_quic_conn_is_open(const struct lp_quic_conn *c)
{
	return c->state == LP_QUIC_ST_OPEN && !c->close_deferred;
}

bool lp_quic_conn_is_closed(const struct lp_quic_conn *c)
{
	return c->state >= LP_QUIC_ST_CLOSING;
}

bool lp_quic_conn_is_dead(const struct lp_quic_conn *c)
{
	return c->state == LP_QUIC_ST_DEAD;
}

bool lp_quic_conn_is_server(const struct lp_quic_conn *c)
{
	return c->server;
}

const struct lp_quic_close *lp_quic_conn_close_info(const struct lp_quic_conn *c)
{
	return &c->close;
}

const struct lp_quic_stats *lp_quic_conn_stats(const struct lp_quic_conn *c)
{
	return &c->stats;
}

void lp_quic_conn_get_info(const struct lp_quic_conn *c, struct lp_quic_info *out)
{
	ngtcp2_conn_info ci;

	memset(out, 0, sizeof(*out));
	ngtcp2_conn_get_conn_info(c->conn, &ci);
	out->smoothed_rtt = ci.smoothed_rtt;
	out->min_rtt = ci.min_rtt;
	out->rttvar = ci.rttvar;
	out->cwnd = ci.cwnd;
	out->bytes_in_flight = ci.bytes_in_flight;
	out->path_max_udp_payload = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->conn);
	out->dgram_budget = lp_quic_conn_dgram_budget(c);
}

int lp_quic_conn_get_alpn(const struct lp_quic_conn *c, char *buf, size_t buflen)
{
	gnutls_datum_t d;

	if (gnutls_alpn_get_selected_protocol(c->tls, &d) < 0)
		return LP_ERR_STATE;
	if ((size_t)d.size + 1 > buflen)
		return LP_ERR_NOBUF;
	memcpy(buf, d.data, d.size);
	buf[d.size] = '\0';
	return 0;
}

void lp_quic_conn_remote(const struct lp_quic_conn *c, struct lp_quic_addr *out)
{
	lp_quic_addr_from_ng(&ngtcp2_conn_get_path(c->conn)->remote, out);
}

void *lp_quic_conn_user_data(const struct lp_quic_conn *c)
{
	return c->user_data;
}

void lp_quic_conn_set_user_data(struct lp_quic_conn *c, void *user_data)
{
	c->user_data = user_data;
}

size_t lp_quic_conn_scids(const struct lp_quic_conn *c, struct lp_quic_cid *out, size_t max)
{
	ngtcp2_cid small[16], *all = small;
	size_t n = ngtcp2_conn_get_scid(c->conn, NULL);

	if (n > 16) {
		all = calloc(n, sizeof(*all));
		if (!all)
			return 0;
	}
	n = ngtcp2_conn_get_scid(c->conn, all);
	for (size_t i = 0; i < n && i < max; i++)
		lp_quic_cid_from_ng(&all[i], &out[i]);
	if (all != small)
		free(all);
	return n;
}

const struct lp_quic_cid *lp_quic_conn_initial_dcid(const struct lp_quic_conn *c)
{
	return &c->initial_dcid;
}

const char *lp_quic_close_kind_str(enum lp_quic_close_kind kind)
{
	switch (kind) {
	case LP_QUIC_CLOSE_NONE:
		return "open";
	case LP_QUIC_CLOSE_LOCAL:
		return "closed locally";
	case LP_QUIC_CLOSE_PEER:
		return "closed by peer";
	case LP_QUIC_CLOSE_IDLE:
		return "idle timeout";
	case LP_QUIC_CLOSE_HANDSHAKE_TIMEOUT:
		return "handshake timeout";
	case LP_QUIC_CLOSE_STATELESS_RESET:
		return "stateless reset";
	case LP_QUIC_CLOSE_DROPPED:
		return "dropped";
	}
	return "unknown";
}

const char *lp_quic_app_code_str(uint64_t code)
{
	switch (code) {
	case LP_QUIC_APP_NO_ERROR:
		return "no error";
	case LP_QUIC_APP_INTERNAL:
		return "internal error";
	case LP_QUIC_APP_NO_DATAGRAM:
		return "DATAGRAM not supported";
	case LP_QUIC_APP_ALPN:
		return "wrong ALPN";
	case LP_QUIC_APP_SHUTDOWN:
		return "shutting down";
	}
	if (code >= 0x100 && code < 0x200)
		return "rejected";
	if (code >= 0x200 && code < 0x300)
		return "disconnected";
	return "unknown";
}
