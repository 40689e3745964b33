/*
 * csum.c: Internet checksums over frames (RFC 1071). The sum is order
 * independent, so the data is added in native words and folded once.
 */
#include "csum.h"

#include <string.h>

#include "err.h"
#include "eth.h"

/*
 * The ones' complement sum does not depend on byte order (RFC 1071 2.B):
 * adding native 16-bit words gives the big-endian sum byte-swapped on a
 * little-endian machine. So the data is added 8 bytes at a time as two
 * 32-bit halves into a 64-bit accumulator (no carry is lost before 2^32
 * words), folded, and swapped once.
 */
static uint16_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)acc;
}

static uint16_t sum_data(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint16_t s;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	if (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd last byte is the high byte of a big-endian word. */
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	s = fold64(acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s << 8 | s >> 8);
#endif
	return s;
}

uint16_t lp_csum_fold(uint32_t sum, const uint8_t *p, size_t len)
{
	return fold64((uint64_t)sum + (len ? sum_data(p, len) : 0));
}

int lp_csum_finish_partial(uint8_t *f, size_t len, size_t start, size_t offset, bool udp)
{
	if (start >= len || offset > len - start || len - start - offset < 2)
		return LP_ERR_INVALID;
	uint16_t c = (uint16_t)~lp_csum_fold(0, f + start, len - start);
	if (udp && c == 0)
		c = 0xffff;
	f[start + offset] = (uint8_t)(c >> 8);
	f[start + offset + 1] = (uint8_t)c;
	return 0;
}

int lp_csum_complete(uint8_t *f, size_t len)
{
	struct lp_eth_info info;
	int rc = lp_eth_classify(f, len, &info);
	if (rc < 0)
		return rc;
	if (info.l4_off == 0 || (info.flags & (LP_ETH_F_FRAGMENT | LP_ETH_F_UNPARSED)))
		return 0;
	size_t field;
	bool udp;
	if (info.l4_proto == LP_IPPROTO_TCP && info.l4_len >= 20) {
		field = info.l4_off + 16;
		udp = false;
	} else if (info.l4_proto == LP_IPPROTO_UDP && info.l4_len >= 8) {
		field = info.l4_off + 6;
		udp = true;
	} else {
		return 0;
	}
	/* Pseudo-header: addresses, protocol, upper-layer length. */
	const uint8_t *addrs;
	size_t addrs_len;
	if (info.ethertype == LP_ETH_TYPE_IPV4) {
		addrs = f + info.l3_off + 12;
		addrs_len = 8;
	} else if (info.ethertype == LP_ETH_TYPE_IPV6) {
		addrs = f + info.l3_off + 8;
		addrs_len = 32;
	} else {
		return 0;
	}
	uint32_t sum = lp_csum_fold(0, addrs, addrs_len);
	sum += info.l4_proto;
	sum += (uint32_t)(info.l4_len >> 16) + (uint32_t)(info.l4_len & 0xffff);
	f[field] = 0;
	f[field + 1] = 0;
	uint16_t c = (uint16_t)~lp_csum_fold(sum, f + info.l4_off, info.l4_len);
	if (udp && c == 0)
		c = 0xffff;
	f[field] = (uint8_t)(c >> 8);
	f[field + 1] = (uint8_t)c;
	return 1;
}
