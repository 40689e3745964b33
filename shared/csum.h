/*
 * csum.h: finish the TCP or UDP checksum of a captured frame.
 *
 * A host sending through a device with checksum offload leaves the TCP or
 * UDP checksum for the hardware to finish (CHECKSUM_PARTIAL: the field holds
 * only the pseudo-header sum). Frames that never reach real hardware stay
 * that way: on a veth pair, a Linux bridge, a virtual NIC, an AF_PACKET
 * socket sees them unfinished (TP_STATUS_CSUMNOTREADY) and a remote player's
 * stack would drop them. The capture finishes them before they leave.
 *
 * Pure function: no allocation, no I/O.
 */
#ifndef LP_CSUM_H
#define LP_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * lp_csum_complete: compute and store the TCP or UDP checksum of the IPv4 or
 * IPv6 packet in Ethernet frame f (VLAN tags allowed), whatever the field
 * held before. A UDP checksum that computes to 0 is sent as 0xffff
 * (RFC 768).
 * f, len: the frame, modified in place (only the two checksum bytes).
 * Returns 1 when a checksum was written; 0 when there is nothing to finish
 * (not TCP or UDP, an IP fragment, a header cut short); LP_ERR_INVALID when
 * the Ethernet header cannot be read (lp_eth_classify's errors).
 */
int lp_csum_complete(uint8_t *f, size_t len);

/*
 * lp_csum_fold: the 16-bit ones' complement sum of len bytes at p, added to
 * sum (a running 32-bit sum, not yet folded), folded, not complemented.
 * An odd last byte counts as its high byte. Exposed for tests.
 */
uint16_t lp_csum_fold(uint32_t sum, const uint8_t *p, size_t len);

#endif
