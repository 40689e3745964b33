/*
 * quic_cb.c: the ngtcp2 callbacks of every connection. They only note
 * events, count, and pass data to the lp_quic_callbacks; anything that
 * writes packets waits until ngtcp2 returns (quic_io.c: settle).
 */
#include "quic_int.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

ngtcp2_conn *lp_quic_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct lp_quic_conn *c = ref->user_data;

	return c->conn;
}

static void rand_cb(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	/* No way to report failure here: fall back on gnutls' generator. */
	if (lp_quic_random(dest, len) != 0)
		(void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
		      void *user_data)
{
	struct lp_quic_conn *c = user_data;
	struct lp_quic_cid pub;

	(void)conn;
	if (lp_quic_random(cid->data, cidlen) != 0)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	cid->datalen = cidlen;
	if (ngtcp2_crypto_generate_stateless_reset_token(token, c->secret, sizeof(c->secret), cid))
		return NGTCP2_ERR_CALLBACK_FAILURE;
	if (c->cb.on_cid_new) {
		lp_quic_cid_from_ng(cid, &pub);
		c->cb.on_cid_new(c, &pub, c->user_data);
	}
	return 0;
}

static int remove_cid_cb(ngtcp2_conn *conn, const ngtcp2_cid *cid, void *user_data)
{
	struct lp_quic_conn *c = user_data;
	struct lp_quic_cid pub;

	(void)conn;
	if (c->cb.on_cid_retired) {
		lp_quic_cid_from_ng(cid, &pub);
		c->cb.on_cid_retired(c, &pub, c->user_data);
	}
	return 0;
}

static int handshake_completed_cb(ngtcp2_conn *conn, void *user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	/* Checked and reported once ngtcp2 returns (quic_io.c: settle). */
	c->handshake_seen = true;
	return 0;
}

static int recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			       uint64_t offset, const uint8_t *data, size_t len, void *user_data,
			       void *stream_user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)offset;
	(void)stream_user_data;
	/* The first client-initiated bidirectional stream is the control stream. */
	if (c->server && c->stream_id < 0 && (stream_id & 0x3) == 0)
		c->stream_id = stream_id;
	c->stats.stream_bytes_recv += len;
	if (c->cb.on_stream_data)
		c->cb.on_stream_data(c, stream_id, data, len,
				     (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0, c->user_data);
	/* The callback consumed the bytes: hand the credit back at once. */
	(void)ngtcp2_conn_extend_max_stream_offset(conn, stream_id, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	return 0;
}

static int acked_stream_data_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t len,
				void *user_data, void *stream_user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)stream_user_data;
	if (stream_id != c->stream_id)
		return 0;
	/* ngtcp2 reports the contiguous acknowledged prefix, in order. */
	if (offset + len > c->sb_acked)
		c->sb_acked = offset + len;
	lp_quic_sb_release(c, false);
	return 0;
}

static int stream_close_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id,
			   uint64_t app_error_code, void *user_data, void *stream_user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)flags;
	(void)app_error_code;
	(void)stream_user_data;
	if (stream_id == c->stream_id) {
		/* softlan never ends the control stream on purpose: a peer that
		 * resets it gets no more stream data from us. */
		c->stream_gone = true;
		c->sb_acked = c->sb_sent = c->sb_tail;
		lp_quic_sb_release(c, true);
	}
	return 0;
}

static int recv_datagram_cb(ngtcp2_conn *conn, uint32_t flags, const uint8_t *data, size_t len,
			    void *user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)flags;
	c->stats.dgrams_recv++;
	if (c->cb.on_datagram)
		c->cb.on_datagram(c, data, len, c->user_data);
	return 0;
}

static int ack_datagram_cb(ngtcp2_conn *conn, uint64_t id, void *user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)id;
	c->stats.dgrams_acked++;
	return 0;
}

static int lost_datagram_cb(ngtcp2_conn *conn, uint64_t id, void *user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)id;
	c->stats.dgrams_lost++;
	return 0;
}

static int recv_stateless_reset_cb(ngtcp2_conn *conn, const ngtcp2_pkt_stateless_reset *sr,
				   void *user_data)
{
	struct lp_quic_conn *c = user_data;

	(void)conn;
	(void)sr;
	c->stateless_reset = true;
	return 0;
}

void lp_quic_set_callbacks(ngtcp2_callbacks *cb, bool server)
{
	memset(cb, 0, sizeof(*cb));
	if (server) {
		cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	} else {
		cb->client_initial = ngtcp2_crypto_client_initial_cb;
		cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
	}
	cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb->encrypt = ngtcp2_crypto_encrypt_cb;
	cb->decrypt = ngtcp2_crypto_decrypt_cb;
	cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb->update_key = ngtcp2_crypto_update_key_cb;
	cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb->rand = rand_cb;
	cb->get_new_connection_id = new_cid_cb;
	cb->remove_connection_id = remove_cid_cb;
	cb->handshake_completed = handshake_completed_cb;
	cb->recv_stream_data = recv_stream_data_cb;
	cb->acked_stream_data_offset = acked_stream_data_cb;
	cb->stream_close = stream_close_cb;
	cb->recv_datagram = recv_datagram_cb;
	cb->ack_datagram = ack_datagram_cb;
	cb->lost_datagram = lost_datagram_cb;
	cb->recv_stateless_reset = recv_stateless_reset_cb;
}
