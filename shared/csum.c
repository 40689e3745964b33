/*
 * csum.c: Internet checksums over frames (RFC 1071). The sum is order
 * independent within 16-bit words, so big-endian 32-bit words are added into
 * a 64-bit accumulator and folded once at the end.
 */
#include "csum.h"

#include "err.h"
#include "eth.h"

uint16_t lp_csum_fold(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 4 <= len; i += 4)
		s += (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 |
		     p[i + 3];
	for (; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
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
