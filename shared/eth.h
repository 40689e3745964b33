/*
 * eth.h: Ethernet II frame parsing and the one-pass classifier behind the
 * relay's safety filters (switch control, DHCP and DHCPv6 server messages,
 * IPv6 router advertisements) and TCP MSS clamping (shared/mss.h).
 *
 * Frames come from peers, so every function here reads only inside
 * [f, f + len) whatever the bytes say. Pure functions: no allocation, no I/O,
 * no copying of the frame; the caller owns the frame and the info struct.
 * docs/protocol.md ("Frame classes") gives the exact definition of each class.
 */
#ifndef LP_ETH_H
#define LP_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define LP_ETH_HDR_LEN	14 /* destination, source, ethertype; no FCS */
#define LP_ETH_TAG_LEN	4  /* TPID + TCI of one VLAN tag */
#define LP_ETH_MAX_TAGS 2  /* 802.1Q, or 802.1ad outer + 802.1Q inner */
/* IPv6 extension headers walked before the classifier gives up (LP_ETH_F_UNPARSED). */
#define LP_ETH_MAX_EXT 8

#define LP_ETH_TYPE_IPV4      0x0800
#define LP_ETH_TYPE_ARP	      0x0806
#define LP_ETH_TYPE_VLAN      0x8100 /* 802.1Q C-tag */
#define LP_ETH_TYPE_QINQ      0x88A8 /* 802.1ad S-tag */
#define LP_ETH_TYPE_QINQ_9100 0x9100 /* pre-standard S-tag */
#define LP_ETH_TYPE_IPV6      0x86DD
/* Type/length values below this are 802.3 length fields (LLC frames: STP...). */
#define LP_ETH_TYPE_MIN 0x0600
/* AA-AA-03 + OUI 00-00-00 or 00-00-F8 + ethertype: an LLC/SNAP-wrapped ethertype. */
#define LP_ETH_SNAP_LEN 8

/* IP protocol / IPv6 next-header numbers the classifier looks at. */
#define LP_IPPROTO_TCP	  6
#define LP_IPPROTO_UDP	  17
#define LP_IPPROTO_ICMPV6 58

/*
 * Classes found by lp_eth_classify(), OR-ed into lp_eth_info.flags.
 * A frame may carry several (an RA to a switch-control address, say).
 */
/* Destination 01:80:C2:00:00:00..0F: bridge-filtered (STP, pause, LACP, 802.1X, LLDP). */
#define LP_ETH_F_SWITCH_CTRL 0x0001u
/* IPv4 UDP from port 67 to port 68 or 67: a DHCP server (or relay agent) message. */
#define LP_ETH_F_DHCP_SERVER 0x0002u
/* IPv6 UDP from port 547 to port 546 or 547: a DHCPv6 server (or relay agent) message. */
#define LP_ETH_F_DHCP6_SERVER 0x0004u
/* IPv6 ICMPv6 type 134, also behind extension headers: a router advertisement. */
#define LP_ETH_F_IPV6_RA 0x0008u
/* TCP segment with SYN set whose whole TCP header is in the frame: lp_mss_clamp() candidate. */
#define LP_ETH_F_TCP_SYN 0x0010u
/* The IPv4 or IPv6 packet is a fragment (first or later). */
#define LP_ETH_F_FRAGMENT 0x0020u
/*
 * The IPv4/IPv6 header chain could not be followed to a complete upper-layer
 * header: bad version or header length, truncated header, too many extension
 * headers, IP length beyond the frame. Whether the packet is one of the
 * classes above is then unknown: a safety filter should treat it as suspect.
 */
#define LP_ETH_F_UNPARSED 0x0040u
/* Source MAC has the group bit set: no station may send from such an address. */
#define LP_ETH_F_SRC_GROUP 0x0080u

/*
 * What lp_eth_parse() and lp_eth_classify() learned about one frame.
 * Offsets are from the first byte of the frame.
 */
struct lp_eth_info {
	struct lp_mac dst;
	struct lp_mac src;
	enum lp_cast cast;		/* of dst */
	unsigned flags;			/* LP_ETH_F_*; only lp_eth_classify() sets any */
	unsigned ntags;			/* VLAN tags, 0..LP_ETH_MAX_TAGS */
	uint16_t tpid[LP_ETH_MAX_TAGS]; /* outermost first */
	uint16_t tci[LP_ETH_MAX_TAGS];	/* PCP, DEI, VLAN id */
	uint16_t ethertype; /* after the tags (and SNAP); < LP_ETH_TYPE_MIN: 802.3 length */
	bool snap;	    /* ethertype came from an LLC/SNAP header (RFC 1042, 802.1H) */
	size_t l3_off;	    /* first byte after the ethertype */
	size_t l3_len;	    /* len - l3_off, Ethernet padding included */
	/*
	 * The upper-layer header (TCP, UDP, ICMPv6...) of an unfragmented packet
	 * or first fragment, set by lp_eth_classify(); l4_off is 0 when there is
	 * none. l4_len counts the bytes from l4_off to the end of the IP packet
	 * or of the frame, whichever comes first.
	 */
	uint8_t l4_proto;
	size_t l4_off;
	size_t l4_len;
};

/*
 * lp_eth_parse: decode the Ethernet header of f: addresses, up to
 * LP_ETH_MAX_TAGS VLAN tags (TPID 0x8100, 0x88A8 or 0x9100, in any order)
 * and the ethertype after them. When that is an 802.3 length followed by an
 * LLC/SNAP header carrying an ethertype (RFC 1042, 802.1H), the SNAP
 * ethertype is reported and l3_off points past the SNAP header. Reads at
 * most the header, tags and SNAP header.
 * f, len: the frame without FCS; not modified, not retained.
 * out: filled on success (flags 0, no upper-layer header); unspecified on error.
 * Returns 0; LP_ERR_INVALID when f or out is NULL, len < LP_ETH_HDR_LEN or a
 * tag is cut short; LP_ERR_UNSUPPORTED for more than LP_ETH_MAX_TAGS tags or
 * a VLAN tag inside SNAP.
 */
int lp_eth_parse(const uint8_t *f, size_t len, struct lp_eth_info *out);

/*
 * lp_eth_classify: lp_eth_parse() plus, in the same single pass, the
 * LP_ETH_F_* classes and the upper-layer header fields. Never reads past
 * len, nor past the IP packet's own length (padding is ignored).
 * Returns 0 (info->flags may be 0), or the errors of lp_eth_parse(). A frame
 * whose IP part is malformed is not an error: it gets LP_ETH_F_UNPARSED.
 */
int lp_eth_classify(const uint8_t *f, size_t len, struct lp_eth_info *info);

/* lp_eth_cast: how destination dst (6 bytes) is delivered: broadcast, multicast or unicast. */
enum lp_cast lp_eth_cast(const uint8_t *dst);

/* lp_eth_is_switch_ctrl: true when dst (6 bytes) is in 01:80:C2:00:00:00..0F. */
bool lp_eth_is_switch_ctrl(const uint8_t *dst);

#endif
