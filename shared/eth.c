#include "eth.h"

#include <string.h>

#include "err.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN  8
#define TCP_HDR_MIN  20
#define ICMPV6_HDR   4
#define TCP_FLAG_SYN 0x02

#define ICMPV6_ROUTER_ADVERT 134

#define PORT_DHCP_SERVER  67
#define PORT_DHCP_CLIENT  68
#define PORT_DHCP6_CLIENT 546
#define PORT_DHCP6_SERVER 547

/* IPv6 next-header values that are extension headers. */
#define NH_HOPOPTS  0
#define NH_ROUTING  43
#define NH_FRAGMENT 44
#define NH_AH	    51
#define NH_NONE	    59
#define NH_DSTOPTS  60
#define NH_MOBILITY 135
#define NH_HIP	    139
#define NH_SHIM6    140
#define NH_EXP1	    253
#define NH_EXP2	    254

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/*
 * An LLC/SNAP header that wraps an ethertype: RFC 1042 (OUI 00-00-00) or
 * 802.1H (OUI 00-00-F8). Windows' TCP/IP has long received IP in this form
 * as well as in Ethernet II (Microsoft KB Q140913), so a filter that only
 * looked at Ethernet II could be walked around.
 */
static bool is_snap(const uint8_t *p)
{
	return p[0] == 0xaa && p[1] == 0xaa && p[2] == 0x03 && p[3] == 0x00 && p[4] == 0x00 &&
	       (p[5] == 0x00 || p[5] == 0xf8);
}

static bool is_tpid(uint16_t t)
{
	return t == LP_ETH_TYPE_VLAN || t == LP_ETH_TYPE_QINQ || t == LP_ETH_TYPE_QINQ_9100;
}

enum lp_cast lp_eth_cast(const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!(dst[0] & 0x01))
		return LP_CAST_UNICAST;
	return memcmp(dst, bcast, sizeof(bcast)) == 0 ? LP_CAST_BROADCAST : LP_CAST_MULTICAST;
}

bool lp_eth_is_switch_ctrl(const uint8_t *dst)
{
	static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };

	return memcmp(dst, prefix, sizeof(prefix)) == 0 && (dst[5] & 0xf0) == 0;
}

int lp_eth_parse(const uint8_t *f, size_t len, struct lp_eth_info *out)
{
	if (!f || !out || len < LP_ETH_HDR_LEN)
		return LP_ERR_INVALID;
	memcpy(out->dst.b, f, LP_MAC_LEN);
	memcpy(out->src.b, f + LP_MAC_LEN, LP_MAC_LEN);
	out->cast = lp_eth_cast(f);
	out->flags = 0;
	out->ntags = 0;
	out->l4_proto = 0;
	out->l4_off = 0;
	out->l4_len = 0;

	size_t off = 2 * LP_MAC_LEN; /* at the type field */
	uint16_t type = be16(f + off);
	while (is_tpid(type)) {
		if (out->ntags == LP_ETH_MAX_TAGS)
			return LP_ERR_UNSUPPORTED;
		/* TPID at off, TCI at off + 2, the next type at off + 4. */
		if (len - off < LP_ETH_TAG_LEN + 2)
			return LP_ERR_INVALID;
		out->tpid[out->ntags] = type;
		out->tci[out->ntags] = be16(f + off + 2);
		out->ntags++;
		off += LP_ETH_TAG_LEN;
		type = be16(f + off);
	}
	for (unsigned i = out->ntags; i < LP_ETH_MAX_TAGS; i++)
		out->tpid[i] = out->tci[i] = 0;
	out->snap = false;
	if (type < LP_ETH_TYPE_MIN && len - off - 2 >= LP_ETH_SNAP_LEN && is_snap(f + off + 2)) {
		off += LP_ETH_SNAP_LEN; /* the SNAP type field takes the place of the ethertype */
		type = be16(f + off);
		if (is_tpid(type))
			return LP_ERR_UNSUPPORTED;
		out->snap = true;
	}
	out->ethertype = type;
	out->l3_off = off + 2;
	out->l3_len = len - out->l3_off;
	return 0;
}

/*
 * Classify the upper-layer header at info->l4_off. ipv6 selects which DHCP
 * flavour a UDP datagram can be and whether ICMPv6 means anything.
 */
static void classify_l4(const uint8_t *f, struct lp_eth_info *info, bool ipv6)
{
	const uint8_t *p = f + info->l4_off;
	size_t n = info->l4_len;

	switch (info->l4_proto) {
	case LP_IPPROTO_UDP:
		if (n < UDP_HDR_LEN)
			info->flags |= LP_ETH_F_UNPARSED;
		if (n >= 4) {
			uint16_t sport = be16(p), dport = be16(p + 2);

			/* Relay-agent traffic (server port to server port) is no player's business either. */
			if (!ipv6 && sport == PORT_DHCP_SERVER &&
			    (dport == PORT_DHCP_CLIENT || dport == PORT_DHCP_SERVER))
				info->flags |= LP_ETH_F_DHCP_SERVER;
			if (ipv6 && sport == PORT_DHCP6_SERVER &&
			    (dport == PORT_DHCP6_CLIENT || dport == PORT_DHCP6_SERVER))
				info->flags |= LP_ETH_F_DHCP6_SERVER;
		}
		break;
	case LP_IPPROTO_TCP: {
		size_t hl = n >= TCP_HDR_MIN ? (size_t)(p[12] >> 4) * 4 : 0;

		if (hl < TCP_HDR_MIN || hl > n)
			info->flags |= LP_ETH_F_UNPARSED;
		else if (p[13] & TCP_FLAG_SYN)
			info->flags |= LP_ETH_F_TCP_SYN;
		break;
	}
	case LP_IPPROTO_ICMPV6:
		if (!ipv6)
			break;
		if (n < ICMPV6_HDR)
			info->flags |= LP_ETH_F_UNPARSED;
		/* Any code, hop limit or length: hosts may be lax, the filter is not. */
		if (n >= 1 && p[0] == ICMPV6_ROUTER_ADVERT)
			info->flags |= LP_ETH_F_IPV6_RA;
		break;
	default:
		break;
	}
}

static void classify_ipv4(const uint8_t *f, struct lp_eth_info *info)
{
	const uint8_t *p = f + info->l3_off;
	size_t n = info->l3_len;

	if (n < IPV4_HDR_MIN || p[0] >> 4 != 4) {
		info->flags |= LP_ETH_F_UNPARSED;
		return;
	}
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	size_t end = be16(p + 2);
	if (ihl < IPV4_HDR_MIN || end < ihl) {
		info->flags |= LP_ETH_F_UNPARSED;
		return;
	}
	/* Cut short on the wire: say so, but still look at what is there. */
	if (end > n) {
		info->flags |= LP_ETH_F_UNPARSED;
		end = n;
	}
	if (ihl > end)
		return;

	uint16_t frag = be16(p + 6);
	if (frag & 0x3fff) /* MF or a fragment offset */
		info->flags |= LP_ETH_F_FRAGMENT;
	/* Only the first fragment holds the upper-layer header. */
	if (frag & 0x1fff)
		return;
	info->l4_proto = p[9];
	info->l4_off = info->l3_off + ihl;
	info->l4_len = end - ihl;
	classify_l4(f, info, false);
}

static void classify_ipv6(const uint8_t *f, struct lp_eth_info *info)
{
	const uint8_t *p = f + info->l3_off;
	size_t n = info->l3_len;

	if (n < IPV6_HDR_LEN || p[0] >> 4 != 6) {
		info->flags |= LP_ETH_F_UNPARSED;
		return;
	}
	size_t end = IPV6_HDR_LEN + (size_t)be16(p + 4);
	if (end > n) {
		info->flags |= LP_ETH_F_UNPARSED;
		end = n;
	}

	uint8_t nh = p[6];
	size_t off = IPV6_HDR_LEN;
	for (unsigned walked = 0;; walked++) {
		size_t hl;

		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_MOBILITY:
		case NH_HIP:
		case NH_SHIM6:
		case NH_EXP1:
		case NH_EXP2:
			hl = end - off >= 2 ? ((size_t)p[off + 1] + 1) * 8 : 0;
			break;
		case NH_AH:
			hl = end - off >= 2 ? ((size_t)p[off + 1] + 2) * 4 : 0;
			break;
		case NH_FRAGMENT:
			hl = 8;
			if (end - off >= hl) {
				uint16_t fo = be16(p + off + 2);

				info->flags |= LP_ETH_F_FRAGMENT;
				if (fo & 0xfff8)
					return; /* not the first fragment */
			}
			break;
		case NH_NONE:
			return;
		default:
			info->l4_proto = nh;
			info->l4_off = info->l3_off + off;
			info->l4_len = end - off;
			classify_l4(f, info, true);
			return;
		}
		/* Too deep, or the chain runs off the packet (RFC 7112 forbids that, too). */
		if (walked == LP_ETH_MAX_EXT || hl == 0 || hl > end - off) {
			info->flags |= LP_ETH_F_UNPARSED;
			return;
		}
		nh = p[off];
		off += hl;
	}
}

int lp_eth_classify(const uint8_t *f, size_t len, struct lp_eth_info *info)
{
	int rc = lp_eth_parse(f, len, info);
	if (rc < 0)
		return rc;
	if (lp_eth_is_switch_ctrl(f))
		info->flags |= LP_ETH_F_SWITCH_CTRL;
	if (f[LP_MAC_LEN] & 0x01)
		info->flags |= LP_ETH_F_SRC_GROUP;
	if (info->ethertype == LP_ETH_TYPE_IPV4)
		classify_ipv4(f, info);
	else if (info->ethertype == LP_ETH_TYPE_IPV6)
		classify_ipv6(f, info);
	return 0;
}
