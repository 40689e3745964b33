/*
 * Fuzz target for shared/tcp_merge.c: frames as the relay could deliver
 * them (a peer's bytes), joined into runs the way the gateway's capture
 * does, checking (abort() on any violation):
 * - a run never reads outside its frames, and every joined payload is
 *   exactly what the frames carried, in order;
 * - a finished run of several segments, cut again by shared/tso.c as the
 *   kernel would from its virtio-net header, gives back as many segments
 *   as joined, with the same payload bytes and lengths.
 * Input: frames, each a 2-byte big-endian length and that many bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_merge.h"
#include "tso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FRAME_MAX 2048

static uint8_t head[70000], payload[70000], cut_payload[70000];
static size_t seg_lens[LP_TCP_MERGE_SEGS_MAX + 1];
static size_t head_len, payload_len, cut_len;
static unsigned cut_n;
static size_t cut_hl;

static void on_cut(void *arg, uint8_t *f, size_t len)
{
	(void)arg;
	CHECK(len >= cut_hl && cut_n <= LP_TCP_MERGE_SEGS_MAX);
	CHECK(len == seg_lens[cut_n]);
	memcpy(cut_payload + cut_len, f + cut_hl, len - cut_hl);
	cut_len += len - cut_hl;
	cut_n++;
}

static void finish(struct lp_tcp_run *r)
{
	uint8_t vnet[LP_TCP_MERGE_VNET_LEN];
	struct lp_tso t;
	size_t total = head_len + payload_len;
	unsigned segs = r->segs;
	size_t hl = r->hl;

	if (segs < 2)
		return;
	memcpy(head + head_len, payload, payload_len);
	lp_tcp_run_finish(r, head, vnet);
	CHECK(lp_tso_parse_vnet(vnet, &t) == 0 && t.type != LP_TSO_NONE);
	/* Everything the run holds, payload of the first segment included. */
	memmove(payload + (head_len - hl), payload, payload_len);
	memcpy(payload, head + hl, head_len - hl);
	payload_len += head_len - hl;
	cut_len = 0;
	cut_n = 0;
	cut_hl = hl;
	CHECK(lp_tso_split(head, total, &t, on_cut, NULL) == (int)segs);
	CHECK(cut_n == segs && cut_len == payload_len);
	CHECK(memcmp(cut_payload, payload, payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_tcp_run r;
	bool open = false;
	uint8_t frame[FRAME_MAX];

	while (size >= 2) {
		size_t len = (size_t)(data[0] << 8 | data[1]) % FRAME_MAX;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		memcpy(frame, data, len);
		data += len;
		size -= len;
		if (open && lp_tcp_run_append(&r, head, frame, len)) {
			CHECK(len > r.hl);
			memcpy(payload + payload_len, frame + r.hl, len - r.hl);
			payload_len += len - r.hl;
			seg_lens[r.segs - 1] = len;
			continue;
		}
		if (open)
			finish(&r);
		open = lp_tcp_run_start(&r, frame, len);
		if (open) {
			memcpy(head, frame, len);
			head_len = len;
			payload_len = 0;
			seg_lens[0] = len;
		}
	}
	if (open)
		finish(&r);
	return 0;
}
