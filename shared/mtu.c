#include "mtu.h"

/* The largest value each QUIC varint length can carry (RFC 9000 section 16). */
static const struct {
	size_t len;
	uint64_t max;
} varint_sizes[] = {
	{ 1, 63 },
	{ 2, 16383 },
	{ 4, 1073741823 },
	{ 8, 4611686018427387903 },
};

#define NSIZES (sizeof(varint_sizes) / sizeof(varint_sizes[0]))

bool lp_mtu_valid(int64_t mtu)
{
	return mtu >= LP_MTU_MIN && mtu <= LP_MTU_MAX;
}

size_t lp_mtu_frame_max(size_t mtu)
{
	if (mtu < LP_MTU_MIN || mtu > LP_MTU_MAX)
		return 0;
	return mtu + LP_MTU_FRAME_EXTRA;
}

size_t lp_mtu_varint_len(uint64_t v)
{
	for (size_t i = 0; i < NSIZES; i++)
		if (v <= varint_sizes[i].max)
			return varint_sizes[i].len;
	return 0;
}

size_t lp_mtu_quic_overhead(size_t dcid_len, size_t payload_len)
{
	size_t vl = lp_mtu_varint_len(payload_len);
	if (dcid_len > LP_MTU_QUIC_CID_MAX || !vl)
		return 0;
	return LP_MTU_QUIC_FIXED + dcid_len + vl;
}

/*
 * The largest p with p + varint_len(p) <= avail. Not simply avail minus the
 * varint length of avail: just above a size boundary (16384 + 2, say) the
 * answer is the boundary's largest value with the shorter varint.
 */
static size_t largest_payload(uint64_t avail)
{
	uint64_t best = 0;
	for (size_t i = 0; i < NSIZES; i++) {
		if (avail <= varint_sizes[i].len)
			break;
		uint64_t p = avail - varint_sizes[i].len;
		if (p > varint_sizes[i].max)
			p = varint_sizes[i].max;
		if (p > best)
			best = p;
	}
	return best > SIZE_MAX ? SIZE_MAX : (size_t)best;
}

size_t lp_mtu_datagram_budget(size_t max_udp_payload, size_t dcid_len)
{
	if (max_udp_payload < LP_MTU_QUIC_MIN_UDP || max_udp_payload > LP_MTU_QUIC_MAX_UDP ||
	    dcid_len > LP_MTU_QUIC_CID_MAX)
		return 0;
	return largest_payload(max_udp_payload - LP_MTU_QUIC_FIXED - dcid_len);
}

size_t lp_mtu_dgram_frame_payload(uint64_t max_frame)
{
	if (max_frame <= LP_MTU_QUIC_DGRAM_TYPE)
		return 0;
	return largest_payload(max_frame - LP_MTU_QUIC_DGRAM_TYPE);
}

size_t lp_mtu_frame_budget(size_t datagram_budget)
{
	if (datagram_budget < LP_MTU_OVERLAY_HDR_FRAME + LP_MTU_ETH_HDR)
		return 0;
	return datagram_budget - LP_MTU_OVERLAY_HDR_FRAME;
}

size_t lp_mtu_fragment_payload(size_t datagram_budget)
{
	if (datagram_budget <= LP_MTU_OVERLAY_HDR_FRAGMENT)
		return 0;
	return datagram_budget - LP_MTU_OVERLAY_HDR_FRAGMENT;
}

uint16_t lp_mtu_mss(size_t frame_budget, bool ipv6)
{
	size_t hdr = ipv6 ? LP_MTU_MSS_OVERHEAD_IPV6 : LP_MTU_MSS_OVERHEAD_IPV4;
	if (frame_budget <= hdr)
		return 0;
	size_t mss = frame_budget - hdr;
	return mss > UINT16_MAX ? UINT16_MAX : (uint16_t)mss;
}
