/*
 * tso.h: TCP segmentation of a super-frame in software.
 *
 * A TAP device opened with virtio-net headers and TCP segmentation offload
 * hands out one Ethernet frame of up to 64 KiB for a run of TCP segments
 * (and frames whose checksum is left for the "hardware" to finish). One
 * read(2) then stands for dozens of frames: the expensive part of moving
 * full-size frames through a TAP is the per-frame system call, not the copy.
 * The relay and the party LAN see only ordinary frames of the room MTU:
 * lp_tso_split cuts the super-frame into them, in place, with headers and
 * checksums as a NIC would write them.
 *
 * The description of the super-frame (struct lp_tso) comes from the
 * virtio_net_hdr that precedes it; both are checked against the frame, so a
 * wrong description drops the frame rather than sending garbage.
 * No allocation, no I/O.
 */
#ifndef LP_TSO_H
#define LP_TSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lp_tso_type {
	LP_TSO_NONE = 0, /* one frame (its checksum may still need finishing) */
	LP_TSO_TCPV4,
	LP_TSO_TCPV6,
};

/* What the virtio_net_hdr says about a frame, in host order. */
struct lp_tso {
	enum lp_tso_type type;
	bool needs_csum;      /* the L4 checksum is partial: finish it */
	uint16_t csum_start;  /* from the frame's first byte */
	uint16_t csum_offset; /* of the checksum field, from csum_start */
	uint16_t gso_size;    /* TCP payload bytes per segment */
};

/* The size of the legacy virtio_net_hdr before each frame (TUNSETVNETHDRSZ default). */
#define LP_TSO_VNET_HDR_LEN 10

/* Most bytes of Ethernet, IP and TCP headers a super-frame may carry. */
#define LP_TSO_HDR_MAX 256

/*
 * lp_tso_parse_vnet: decode a virtio_net_hdr (LP_TSO_VNET_HDR_LEN bytes,
 * little-endian fields as the tun driver writes them on x86 and arm).
 * Returns 0, or LP_ERR_UNSUPPORTED for a GSO type other than none, TCPv4
 * and TCPv6 (UDP segmentation, which the device was not offered).
 */
int lp_tso_parse_vnet(const uint8_t *hdr, struct lp_tso *out);

/* One finished frame: f[0..len) is writable until the callback returns. */
typedef void lp_tso_frame_cb(void *arg, uint8_t *f, size_t len);

/*
 * lp_tso_split: turn the frame f (len bytes) described by t into ordinary
 * frames and call cb for each, in order: for LP_TSO_NONE the frame itself
 * (its checksum finished when t->needs_csum); for TCP, segments of at most
 * t->gso_size payload bytes each, with IPv4 total length, id (+1 per
 * segment) and header checksum, or IPv6 payload length, TCP sequence
 * number, flags (FIN and PSH only on the last segment, CWR only on the
 * first) and TCP checksum rewritten. f is overwritten as it goes: segment k's
 * headers are written just before its payload, over bytes already handed out.
 * Returns the number of frames delivered, or LP_ERR_INVALID when the
 * description does not match the frame (then none was delivered): a frame
 * shorter than an Ethernet header, headers
 * that do not parse as Ethernet + IPv4/IPv6 + TCP with the type's IP
 * version, headers longer than LP_TSO_HDR_MAX, a checksum
 * field outside the frame, a gso_size of 0.
 */
int lp_tso_split(uint8_t *f, size_t len, const struct lp_tso *t, lp_tso_frame_cb *cb, void *arg);

#endif
