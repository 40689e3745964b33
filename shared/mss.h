/*
 * mss.h: TCP MSS clamping, so that TCP through the room never needs
 * fragments (what OpenVPN's --mssfix and tinc's ClampMSS do).
 *
 * The MSS option of a TCP SYN (or SYN-ACK) larger than the room allows is
 * rewritten in place and the TCP checksum updated incrementally (RFC 1624),
 * over IPv4 (options honoured) and IPv6 (extension headers walked), with up to
 * two VLAN tags. Pure functions: no allocation, no I/O; frames are the
 * caller's and are only written inside the MSS option values and the TCP
 * checksum field. docs/protocol.md ("TCP MSS clamping") has the vectors.
 */
#ifndef LP_MSS_H
#define LP_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eth.h"

/* IP + TCP header bytes an MSS leaves out of the IP MTU. */
#define LP_MSS_OVERHEAD_V4 40
#define LP_MSS_OVERHEAD_V6 60

/*
 * lp_mss_for_mtu: the MSS to clamp to for an IP MTU (the Ethernet payload
 * size, i.e. the room MTU): mtu - 40 for IPv4, mtu - 60 for IPv6.
 * Returns 0 (meaning "do not clamp") when ip_mtu is below the protocol's
 * minimum MTU (68 for IPv4, 1280 for IPv6) or above 65535.
 */
uint16_t lp_mss_for_mtu(uint32_t ip_mtu, bool ipv6);

/*
 * lp_mss_get: read the MSS option of a TCP SYN in Ethernet frame f.
 * f, len: the frame; not modified. mss: receives the value; with several MSS
 * options (no sane stack sends that) the largest.
 * Returns 0; LP_ERR_NOT_FOUND when f is no TCP SYN or the SYN has no MSS
 * option; LP_ERR_INVALID when the option list is malformed before any MSS
 * option, or lp_eth_classify() fails (LP_ERR_UNSUPPORTED too).
 */
int lp_mss_get(const uint8_t *f, size_t len, uint16_t *mss);

/*
 * lp_mss_clamp: lower every MSS option of a TCP SYN in frame f to at most
 * max_v4 (over IPv4) or max_v6 (over IPv6) and fix the TCP checksum, so a
 * segment whose checksum was right stays right. A maximum of 0 turns clamping
 * off for that IP version. Options are walked as a receiver does: NOP, EOL
 * ends the list; an MSS option whose length is not 4 is skipped (Linux
 * ignores it); a length below 2 or past the header ends the walk as malformed.
 * f, len: the frame, modified in place.
 * Returns 1 when something was rewritten (the MSS options before a malformed
 * one are still clamped); 0 when there was nothing to do (no TCP SYN, no MSS
 * option, MSS already small enough, clamping off); LP_ERR_INVALID when the
 * options are malformed and nothing was changed, or on the errors of
 * lp_eth_classify(). The frame is unchanged unless 1 is returned.
 */
int lp_mss_clamp(uint8_t *f, size_t len, uint16_t max_v4, uint16_t max_v6);

/*
 * lp_mss_clamp_info: lp_mss_clamp() for a frame the caller has already run
 * through lp_eth_classify() (the relay's hot path: no second parse).
 * info: the result of lp_eth_classify(f, len, info) for these very bytes;
 * its offsets are still checked against len. Same returns as lp_mss_clamp().
 */
int lp_mss_clamp_info(uint8_t *f, size_t len, const struct lp_eth_info *info, uint16_t max_v4,
		      uint16_t max_v6);

#endif
