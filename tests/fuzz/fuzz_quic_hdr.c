/*
 * Fuzz the relay's stateless receive path (shared/quic_server.c): decode
 * version and CIDs, answer with Version Negotiation or Stateless Reset,
 * accept an Initial and check its Retry token, as lp_quic's header
 * describes. Invariants: every pointer stays inside the packet, answers
 * have the documented shape and size, nothing forged passes as a token.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "err.h"
#include "quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_inside(const uint8_t *pkt, size_t len, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	check(p != NULL && p >= pkt && p <= pkt + len && n <= (size_t)(pkt + len - p));
}

static const uint8_t secret[LP_QUIC_SECRET_LEN] = { 0x5e, 0xc2, 0xe7 };

static void answer_version(size_t len, const struct lp_quic_ids *ids)
{
	uint8_t out[600];
	ssize_t n = lp_quic_write_version_negotiation(out, sizeof(out), ids, 0x55);

	check(ids->long_header && ids->version != 1 && ids->version != 0);
	check(len >= LP_QUIC_MIN_UDP_PAYLOAD);
	check(n == (ssize_t)(1 + 4 + 1 + ids->scid_len + 1 + ids->dcid_len + 4));
	/* Version 0, the client's CIDs swapped, then QUIC v1. */
	check((out[0] & 0x80) && !out[1] && !out[2] && !out[3] && !out[4]);
	check(out[5] == ids->scid_len && memcmp(out + 6, ids->scid, ids->scid_len) == 0);
	check(out[6 + ids->scid_len] == ids->dcid_len);
	check(memcmp(out + 7 + ids->scid_len, ids->dcid, ids->dcid_len) == 0);
	check(memcmp(out + n - 4, "\x00\x00\x00\x01", 4) == 0);
}

static void answer_reset(const struct lp_quic_ids *ids, size_t len)
{
	uint8_t out[LP_QUIC_PKT_BUF];
	ssize_t n = lp_quic_write_stateless_reset(out, sizeof(out), secret, ids->dcid,
						  ids->dcid_len, len);

	check(n >= 0);
	if (n > 0)
		check((size_t)n < len && n >= 21 && (out[0] & 0xc0) == 0x40);
}

static void accept_initial(const uint8_t *pkt, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4433) };
	struct lp_quic_initial ini;
	uint8_t out[LP_QUIC_PKT_BUF];
	ssize_t n;
	int r;

	if (lp_quic_accept(pkt, len, &ini) != 0)
		return;
	check(len >= LP_QUIC_MIN_UDP_PAYLOAD && ini.version == 1);
	check(ini.dcid.len <= LP_QUIC_CID_MAX && ini.scid.len <= LP_QUIC_CID_MAX);
	check_inside(pkt, len, ini.token, ini.token_len);
	check(!ini.retried);
	r = lp_quic_retry_verify(&ini, secret, (struct sockaddr *)&a, sizeof(a), 1000);
	check(r == 0 || r == LP_ERR_NOT_FOUND || r == LP_ERR_INVALID);
	check(ini.retried == (r == 0));
	if (r == 0)
		check(ini.odcid.len <= LP_QUIC_CID_MAX);
	if (r == LP_ERR_NOT_FOUND) {
		n = lp_quic_retry_write(out, sizeof(out), &ini, secret, (struct sockaddr *)&a,
					sizeof(a), 1000);
		check(n > 0 && (size_t)n <= sizeof(out) && (out[0] & 0xf0) == 0xf0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_quic_ids ids;
	uint8_t *pkt;
	int r;

	/* A private copy, so ASan sees any read past the packet. */
	pkt = malloc(size ? size : 1);
	if (!pkt)
		return 0;
	if (size)
		memcpy(pkt, data, size);
	r = lp_quic_decode_ids(pkt, size, &ids);
	check(r == 0 || r == LP_ERR_VERSION || r == LP_ERR_INVALID);
	if (r != LP_ERR_INVALID) {
		check(ids.long_header == ((pkt[0] & 0x80) != 0));
		check_inside(pkt, size, ids.dcid, ids.dcid_len);
		check_inside(pkt, size, ids.scid, ids.scid_len);
		if (!ids.long_header)
			check(ids.dcid_len == LP_QUIC_CID_LEN && ids.scid == NULL);
	}
	if (r == LP_ERR_VERSION)
		answer_version(size, &ids);
	else if (r == 0 && !ids.long_header)
		answer_reset(&ids, size);
	else if (r == 0)
		accept_initial(pkt, size);
	free(pkt);
	return 0;
}
