/*
 * Fuzz target for shared/tso.c (and shared/csum.c): a virtio_net_hdr and a
 * frame as a TAP device could hand them out, checking what the client relies
 * on (abort() on any violation):
 * - every frame handed out lies inside the input frame's buffer and is at
 *   least an Ethernet header long;
 * - a TCP super-frame becomes segments of at most headers + gso_size bytes
 *   whose payloads, joined, are the original payload, each with a TCP
 *   checksum an independent computation agrees with;
 * - an error hands out nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "err.h"
#include "eth.h"
#include "tso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static uint8_t buf[70000], orig[70000], joined[70000];

static struct {
	const struct lp_tso *t;
	size_t len, hl, joined_len;
	int n;
} st;

static void on_frame(void *arg, uint8_t *f, size_t len)
{
	(void)arg;
	CHECK(f >= buf && f + len <= buf + st.len);
	CHECK(len >= LP_ETH_HDR_LEN);
	st.n++;
	if (st.t->type == LP_TSO_NONE)
		return;
	CHECK(len >= st.hl && len - st.hl <= st.t->gso_size);
	memcpy(joined + st.joined_len, f + st.hl, len - st.hl);
	st.joined_len += len - st.hl;
	uint8_t copy[70000];
	memcpy(copy, f, len);
	CHECK(lp_csum_complete(copy, len) == 1);
	CHECK(memcmp(copy, f, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_tso t;
	struct lp_eth_info info;

	if (size < LP_TSO_VNET_HDR_LEN || size - LP_TSO_VNET_HDR_LEN > sizeof(buf))
		return 0;
	if (lp_tso_parse_vnet(data, &t) < 0)
		return 0;
	st.len = size - LP_TSO_VNET_HDR_LEN;
	memcpy(buf, data + LP_TSO_VNET_HDR_LEN, st.len);
	memcpy(orig, buf, st.len);
	st.t = &t;
	st.n = 0;
	st.joined_len = 0;
	st.hl = 0;
	if (t.type != LP_TSO_NONE && lp_eth_classify(buf, st.len, &info) == 0 && info.l4_off &&
	    info.l4_len >= 20)
		st.hl = info.l4_off + (size_t)(buf[info.l4_off + 12] >> 4) * 4;
	int r = lp_tso_split(buf, st.len, &t, on_frame, NULL);
	if (r < 0) {
		CHECK(st.n == 0);
		return 0;
	}
	CHECK(r == st.n && r >= 1);
	if (t.type != LP_TSO_NONE) {
		CHECK(st.joined_len == st.len - st.hl);
		CHECK(memcmp(joined, orig + st.hl, st.joined_len) == 0);
	}
	return 0;
}
