/*
 * mtu.h: the size rules of a room, from the room MTU down to one QUIC packet.
 *
 *   room MTU (IP MTU of the virtual LAN, what `ip link` shows on the TAP)
 *     + Ethernet header (and VLAN tags)            = largest Ethernet frame
 *   path's max UDP payload - QUIC per-packet cost  = datagram budget
 *   datagram budget - overlay header               = frame budget
 *   frame budget - Ethernet, IP and TCP headers    = TCP MSS to clamp to
 *
 * A frame larger than the frame budget is cut into fragments (shared/dgram.h);
 * MSS clamping keeps inner TCP from needing them. docs/protocol.md ("MTU")
 * has the worked figures.
 *
 * All sizes are bytes. Functions that compute a size return 0 when no size
 * exists (input out of range or too small to carry anything), so one test
 * covers every failure. Pure functions: no allocation, no I/O.
 */
#ifndef LP_MTU_H
#define LP_MTU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- room MTU: the IP MTU of the virtual LAN */

/* What every Ethernet LAN and every game assumes. */
#define LP_MTU_DEFAULT 1500
/* IPv6 requires links of at least 1280 (RFC 8200 section 5); below it IPv6 stops working. */
#define LP_MTU_MIN 1280
/* The common jumbo-frame size; beyond it NICs and switches disagree. */
#define LP_MTU_MAX 9000

/* ---- Ethernet framing around an IP packet (no FCS: it never crosses the tunnel) */

/* Destination MAC, source MAC, EtherType. */
#define LP_MTU_ETH_HDR 14
/* One 802.1Q tag (TPID + TCI). */
#define LP_MTU_VLAN_TAG 4
/* Up to two tags (802.1ad QinQ): a trunk port on the party LAN may carry them. */
#define LP_MTU_VLAN_TAGS_MAX 2
/* Bytes a frame adds to an IP packet at most: 14 + 2 * 4 = 22. */
#define LP_MTU_FRAME_EXTRA (LP_MTU_ETH_HDR + LP_MTU_VLAN_TAGS_MAX * LP_MTU_VLAN_TAG)

/* ---- QUIC: what one short-header packet carrying one DATAGRAM frame costs */

/* Every QUIC path carries UDP payloads of at least 1200 bytes (RFC 9000 section 14). */
#define LP_MTU_QUIC_MIN_UDP 1200
/* The largest max_udp_payload_size a peer may announce (RFC 9000 section 18.2). */
#define LP_MTU_QUIC_MAX_UDP 65527
/* Short-header first byte: header form, fixed bit, spin, key phase, packet number length. */
#define LP_MTU_QUIC_FLAGS 1
/* Destination connection IDs are 0 to 20 bytes (RFC 9000 section 17.2). */
#define LP_MTU_QUIC_CID_MAX 20
/*
 * Packet numbers are encoded in 1 to 4 bytes depending on how many packets
 * are in flight; ngtcp2 picks the length per packet, so assume the worst.
 */
#define LP_MTU_QUIC_PN_MAX 4
/* AES-GCM and ChaCha20-Poly1305 both append a 16-byte tag (RFC 9001 section 5.3). */
#define LP_MTU_QUIC_AEAD_TAG 16
/* DATAGRAM frame type 0x31 (with length), one varint byte (RFC 9221 section 4). */
#define LP_MTU_QUIC_DGRAM_TYPE 1
/*
 * Per-packet cost without the DCID and the DATAGRAM length varint:
 * 1 + 4 + 16 + 1 = 22. The length varint is 2 bytes for every payload of
 * 64..16383 bytes, which covers all real paths.
 */
#define LP_MTU_QUIC_FIXED                                                                          \
	(LP_MTU_QUIC_FLAGS + LP_MTU_QUIC_PN_MAX + LP_MTU_QUIC_AEAD_TAG + LP_MTU_QUIC_DGRAM_TYPE)
/*
 * Worst case with a 16-byte DCID: 22 + 16 + 2 = 40. ngtcp2 measured 37 with a
 * 16-byte DCID and 1-byte packet numbers; the 3 bytes are the packet-number
 * allowance. With a 20-byte DCID the worst case is 44.
 */
#define LP_MTU_QUIC_OVERHEAD_CID16 40
#define LP_MTU_QUIC_OVERHEAD_WORST 44

/* ---- overlay datagram header (shared/dgram.h) */

/*
 * These must equal LP_DGRAM_HDR_FRAME and LP_DGRAM_HDR_FRAGMENT in
 * shared/dgram.h (a static assertion elsewhere checks it); mtu.h keeps its
 * own copies so the size rules read on their own.
 */
#define LP_MTU_OVERLAY_HDR_FRAME    1  /* version/type byte */
#define LP_MTU_OVERLAY_HDR_FRAGMENT 11 /* plus id, index, count, total, offset */

/* ---- inner IP and TCP, for MSS clamping */

#define LP_MTU_IPV4_HDR 20 /* without options */
#define LP_MTU_IPV6_HDR 40 /* without extension headers */
#define LP_MTU_TCP_HDR	20 /* without options: MSS excludes them (RFC 6691) */
/*
 * MSS clamping assumes one VLAN tag on every frame, tagged or not: the
 * clamper sees the SYN but not how the data frames of the connection will be
 * tagged where they enter the tunnel. 4 bytes (0.3%) is cheap insurance;
 * a double-tagged frame that still does not fit is fragmented, not lost.
 */
#define LP_MTU_MSS_L2 (LP_MTU_ETH_HDR + LP_MTU_VLAN_TAG)
/* A frame budget minus these is the MSS: 18 + 20 + 20 = 58 (IPv4), 78 (IPv6). */
#define LP_MTU_MSS_OVERHEAD_IPV4 (LP_MTU_MSS_L2 + LP_MTU_IPV4_HDR + LP_MTU_TCP_HDR)
#define LP_MTU_MSS_OVERHEAD_IPV6 (LP_MTU_MSS_L2 + LP_MTU_IPV6_HDR + LP_MTU_TCP_HDR)

/* ---- typical path figures (for docs, defaults and tests) */

/* A 1500-byte internet path minus the outer IP and UDP headers. */
#define LP_MTU_PATH_UDP_IPV4 1472 /* 1500 - 20 - 8 */
#define LP_MTU_PATH_UDP_IPV6 1452 /* 1500 - 40 - 8 */

/*
 * lp_mtu_valid: true when mtu is an allowed room MTU, LP_MTU_MIN..LP_MTU_MAX.
 * mtu: any integer, so a value straight from JSON or a flag can be checked
 * before it is narrowed.
 */
bool lp_mtu_valid(int64_t mtu);

/*
 * lp_mtu_frame_max: the largest Ethernet frame (no FCS) a room with IP MTU
 * mtu carries: mtu + 14-byte header + two VLAN tags. The relay drops larger
 * frames. Returns 0 when !lp_mtu_valid(mtu).
 */
size_t lp_mtu_frame_max(size_t mtu);

/*
 * lp_mtu_varint_len: bytes of the QUIC variable-length integer encoding of v
 * (RFC 9000 section 16): 1, 2, 4 or 8; 0 when v >= 2^62 (not encodable).
 */
size_t lp_mtu_varint_len(uint64_t v);

/*
 * lp_mtu_quic_overhead: bytes a short-header packet adds around a DATAGRAM
 * payload of payload_len bytes: flags + dcid_len + 4 (packet number, worst
 * case) + 16 (AEAD tag) + 1 (frame type) + the length varint.
 * Returns 0 when dcid_len > LP_MTU_QUIC_CID_MAX or payload_len is not encodable.
 */
size_t lp_mtu_quic_overhead(size_t dcid_len, size_t payload_len);

/*
 * lp_mtu_datagram_budget: the largest DATAGRAM payload that fits in one QUIC
 * packet of at most max_udp_payload bytes with a dcid_len-byte destination
 * connection ID; the largest overlay datagram the sender may hand to QUIC.
 * max_udp_payload: the path's current limit (the smaller of our and the
 * peer's max_udp_payload_size, or what PMTUD found), LP_MTU_QUIC_MIN_UDP ..
 * LP_MTU_QUIC_MAX_UDP.
 * Returns 0 when either argument is out of range. The caller also takes the
 * minimum with lp_mtu_dgram_frame_payload() of the peer's
 * max_datagram_frame_size transport parameter.
 */
size_t lp_mtu_datagram_budget(size_t max_udp_payload, size_t dcid_len);

/*
 * lp_mtu_dgram_frame_payload: the largest payload of a DATAGRAM frame (type
 * 0x31 + length varint + payload) of at most max_frame bytes, the limit a peer
 * announces in max_datagram_frame_size. Returns 0 when not even one payload
 * byte fits.
 */
size_t lp_mtu_dgram_frame_payload(uint64_t max_frame);

/*
 * lp_mtu_frame_budget: the largest Ethernet frame that travels whole (one
 * FRAME datagram, no fragments) within a datagram budget: budget minus the
 * 1-byte overlay header. Returns 0 when the result could not hold an
 * Ethernet header (14 bytes).
 */
size_t lp_mtu_frame_budget(size_t datagram_budget);

/*
 * lp_mtu_fragment_payload: the frame bytes one FRAGMENT datagram carries
 * within a datagram budget: budget minus the 11-byte fragment header.
 * Returns 0 when budget <= 11.
 */
size_t lp_mtu_fragment_payload(size_t datagram_budget);

/*
 * lp_mtu_mss: the TCP MSS to clamp SYNs to so that a full-size segment, in a
 * frame with one VLAN tag, fits the frame budget whole: frame_budget - 58
 * (IPv4) or - 78 (ipv6 true). Clamping only ever lowers a SYN's MSS. Where
 * a segment crosses two paths (peer -> relay -> peer) use the smaller of the
 * two frame budgets.
 * Returns 0 when frame_budget is too small; at most 65535.
 */
uint16_t lp_mtu_mss(size_t frame_budget, bool ipv6);

#endif
