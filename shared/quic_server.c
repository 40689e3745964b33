/*
 * quic_server.c: the stateless pieces of a QUIC server: reading a packet's
 * version and connection IDs for routing, Version Negotiation, accepting an
 * Initial, Retry tokens, Stateless Reset. No connection state here.
 */
#include "quic_int.h"

#include <string.h>

#include "err.h"

int lp_quic_decode_ids(const uint8_t *pkt, size_t len, struct lp_quic_ids *out)
{
	ngtcp2_version_cid vc;
	int rv;

	memset(out, 0, sizeof(*out));
	if (!pkt || len == 0)
		return LP_ERR_INVALID;
	rv = ngtcp2_pkt_decode_version_cid(&vc, pkt, len, LP_QUIC_CID_LEN);
	if (rv != 0 && rv != NGTCP2_ERR_VERSION_NEGOTIATION)
		return LP_ERR_INVALID;
	out->long_header = (pkt[0] & 0x80) != 0;
	out->version = vc.version;
	out->dcid = vc.dcid;
	out->dcid_len = vc.dcidlen;
	out->scid = vc.scid;
	out->scid_len = vc.scidlen;
	if (rv == NGTCP2_ERR_VERSION_NEGOTIATION)
		return LP_ERR_VERSION;
	if (!out->long_header)
		return 0;
	/* A Version Negotiation packet is never for a server. */
	if (vc.version == 0)
		return LP_ERR_INVALID;
	/* ngtcp2 also speaks v2; softlan is QUIC v1 only. Like ngtcp2, only
	 * answer datagrams big enough that the answer amplifies nothing. */
	if (vc.version != NGTCP2_PROTO_VER_V1)
		return len >= LP_QUIC_MIN_UDP_PAYLOAD ? LP_ERR_VERSION : LP_ERR_INVALID;
	return 0;
}

ssize_t lp_quic_write_version_negotiation(uint8_t *buf, size_t buflen,
					  const struct lp_quic_ids *ids, uint8_t unused_random)
{
	static const uint32_t versions[] = { NGTCP2_PROTO_VER_V1 };
	ngtcp2_ssize n;

	if (!buf || !ids || !ids->long_header || ids->dcid_len > 255 || ids->scid_len > 255)
		return LP_ERR_INVALID;
	/* The answer swaps the client's CIDs. */
	n = ngtcp2_pkt_write_version_negotiation(buf, buflen, (uint8_t)(unused_random & 0x3f),
						 ids->scid, ids->scid_len, ids->dcid, ids->dcid_len,
						 versions, 1);
	return n < 0 ? LP_ERR_NOBUF : n;
}

int lp_quic_accept(const uint8_t *pkt, size_t len, struct lp_quic_initial *out)
{
	ngtcp2_pkt_hd hd;

	memset(out, 0, sizeof(*out));
	if (!pkt || len == 0 || ngtcp2_accept(&hd, pkt, len) != 0 ||
	    hd.version != NGTCP2_PROTO_VER_V1)
		return LP_ERR_INVALID;
	/* ngtcp2 lets a short DCID through when a token is present (after a
	 * Retry the DCID is the server's choice), but every CID softlan issues
	 * is LP_QUIC_CID_LEN long, and RFC 9000 wants at least 8 bytes anyway. */
	if (hd.dcid.datalen < NGTCP2_MIN_INITIAL_DCIDLEN)
		return LP_ERR_INVALID;
	out->version = hd.version;
	lp_quic_cid_from_ng(&hd.dcid, &out->dcid);
	lp_quic_cid_from_ng(&hd.scid, &out->scid);
	out->token = hd.tokenlen ? hd.token : NULL;
	out->token_len = hd.tokenlen;
	return 0;
}

ssize_t lp_quic_retry_write(uint8_t *buf, size_t buflen, const struct lp_quic_initial *ini,
			    const uint8_t *secret, const struct sockaddr *remote,
			    socklen_t remote_len, uint64_t ts)
{
	uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
	ngtcp2_cid retry_scid, odcid, client_scid;
	ngtcp2_ssize tl, n;

	if (!buf || !ini || !secret || !remote || ini->dcid.len < NGTCP2_MIN_INITIAL_DCIDLEN ||
	    ini->dcid.len > LP_QUIC_CID_MAX || ini->scid.len > LP_QUIC_CID_MAX)
		return LP_ERR_INVALID;
	retry_scid.datalen = LP_QUIC_CID_LEN;
	if (lp_quic_random(retry_scid.data, retry_scid.datalen) != 0)
		return LP_ERR_UNSUPPORTED;
	lp_quic_cid_to_ng(&ini->dcid, &odcid);
	lp_quic_cid_to_ng(&ini->scid, &client_scid);
	tl = ngtcp2_crypto_generate_retry_token(token, secret, LP_QUIC_SECRET_LEN, ini->version,
						(const ngtcp2_sockaddr *)remote, remote_len,
						&retry_scid, &odcid, ts);
	if (tl < 0)
		return LP_ERR_UNSUPPORTED;
	n = ngtcp2_crypto_write_retry(buf, buflen, ini->version, &client_scid, &retry_scid, &odcid,
				      token, (size_t)tl);
	if (n < 0)
		return buflen < LP_QUIC_MIN_UDP_PAYLOAD ? LP_ERR_NOBUF : LP_ERR_UNSUPPORTED;
	return n;
}

int lp_quic_retry_verify(struct lp_quic_initial *ini, const uint8_t *secret,
			 const struct sockaddr *remote, socklen_t remote_len, uint64_t ts)
{
	ngtcp2_cid dcid, odcid;

	if (!ini || !secret || !remote)
		return LP_ERR_INVALID;
	/* Tokens from NEW_TOKEN frames would start otherwise: softlan sends none. */
	if (!ini->token || ini->token_len == 0 || ini->token[0] != NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY)
		return LP_ERR_NOT_FOUND;
	lp_quic_cid_to_ng(&ini->dcid, &dcid);
	if (ngtcp2_crypto_verify_retry_token(&odcid, ini->token, ini->token_len, secret,
					     LP_QUIC_SECRET_LEN, ini->version,
					     (const ngtcp2_sockaddr *)remote, remote_len, &dcid,
					     LP_QUIC_RETRY_TOKEN_TIMEOUT, ts) != 0)
		return LP_ERR_INVALID;
	ini->retried = true;
	lp_quic_cid_from_ng(&odcid, &ini->odcid);
	return 0;
}

/* Longest Stateless Reset sent: enough to look like any short packet. */
#define RESET_LEN_MAX 64
#define RESET_LEN_MIN (NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN)

ssize_t lp_quic_write_stateless_reset(uint8_t *buf, size_t buflen, const uint8_t *secret,
				      const uint8_t *dcid, size_t dcid_len, size_t rx_len)
{
	uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
	uint8_t rnd[RESET_LEN_MAX];
	ngtcp2_cid cid;
	size_t len;
	ngtcp2_ssize n;

	if (!buf || !secret || !dcid || dcid_len == 0 || dcid_len > LP_QUIC_CID_MAX)
		return LP_ERR_INVALID;
	/* Always shorter than what triggered it, so two resets cannot loop. */
	if (rx_len <= RESET_LEN_MIN)
		return 0;
	len = rx_len - 1 < RESET_LEN_MAX ? rx_len - 1 : RESET_LEN_MAX;
	if (buflen < len)
		return LP_ERR_NOBUF;
	ngtcp2_cid_init(&cid, dcid, dcid_len);
	if (ngtcp2_crypto_generate_stateless_reset_token(token, secret, LP_QUIC_SECRET_LEN, &cid) !=
		    0 ||
	    lp_quic_random(rnd, len - NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
		return LP_ERR_UNSUPPORTED;
	n = ngtcp2_pkt_write_stateless_reset(buf, len, token, rnd,
					     len - NGTCP2_STATELESS_RESET_TOKENLEN);
	return n < 0 ? LP_ERR_NOBUF : n;
}
