/*
 * csum.h: Internet checksums (RFC 1071) of frames: finish the TCP or UDP
 * checksum of a captured frame, fold sums for the TCP segmenter (tso.h).
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

#include <stdbool.h>
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
 * An odd last byte counts as its high byte. Per data byte on the data path
 * (segmentation), so it adds native 64-bit words.
 */
uint16_t lp_csum_fold(uint32_t sum, const uint8_t *p, size_t len);

/*
 * lp_csum_finish_partial: finish a checksum the sender left partial
 * (CHECKSUM_PARTIAL, virtio's NEEDS_CSUM): the ones' complement of the sum
 * of f[start..len), whose 16-bit field at start + offset holds the
 * pseudo-header sum, stored in that field. A UDP checksum of 0 is sent as
 * 0xffff when udp is true.
 * Returns 0, or LP_ERR_INVALID when the field is not inside the frame.
 */
int lp_csum_finish_partial(uint8_t *f, size_t len, size_t start, size_t offset, bool udp);

#endif
