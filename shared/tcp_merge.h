/*
 * tcp_merge.h: join runs of TCP segments into one super-frame before they
 * are injected on the party LAN (generic receive offload, done before the
 * kernel sees the frames).
 *
 * A player's bulk TCP transfer reaches the gateway as a stream of
 * full-size segments of one connection. Handed to the kernel one by one,
 * each costs a trip through the LAN side (bridge, driver, the receiving
 * host's stack on a virtual LAN). Joined, a run of up to 44 segments goes
 * down as one frame described by a virtio-net header (PACKET_VNET_HDR): the
 * kernel or the NIC cuts it again only where a real wire needs it, and a
 * host on a virtual LAN takes it whole, as if its own GRO had built it.
 *
 * Only what GRO itself would join is joined: segments whose IP and TCP
 * checksums hold (the run leaves with a partial checksum that no receiver
 * verifies), the same Ethernet and IP
 * header fields (IPv4 without options and with DF; IPv6 without extension
 * headers), the same TCP ports, acknowledgment, window, options and header
 * length, contiguous sequence numbers, only ACK set on all but the last
 * segment (which may add PSH), every segment but the last exactly as long
 * as the first. Frames come from the relay (a peer's bytes): every check
 * is against the frames, never assumed. No allocation, no I/O.
 */
#ifndef LP_TCP_MERGE_H
#define LP_TCP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Segments in one run at most, and the largest IP packet a run builds. */
#define LP_TCP_MERGE_SEGS_MAX 44
#define LP_TCP_MERGE_IP_MAX   65000
/* The virtio_net_hdr written for a run (legacy layout, 10 bytes). */
#define LP_TCP_MERGE_VNET_LEN 10

/* An open run: where its first frame's headers are, and what may follow. */
struct lp_tcp_run {
	size_t l3, l4, hl; /* IP header, TCP header, payload offsets in the first frame */
	bool v4;
	uint16_t mss;	   /* payload bytes of the first segment */
	uint32_t next_seq; /* the sequence number the next segment must have */
	size_t ip_len;	   /* IP packet length of the run so far */
	unsigned segs;
	bool closed; /* the last segment was short or had PSH: nothing more joins */
	bool psh;    /* the last segment had PSH */
};

/*
 * lp_tcp_run_start: open a run with frame f (len bytes) as its first
 * segment. Returns true when f can start one (a TCP segment carrying data
 * with mergeable headers); false otherwise (send f alone).
 */
bool lp_tcp_run_start(struct lp_tcp_run *r, const uint8_t *f, size_t len);

/*
 * lp_tcp_run_append: add frame f to the run whose first frame is head
 * (unchanged since lp_tcp_run_start). Returns true when f joined (its
 * payload, f[r->hl..len), is the run's next bytes); false when f does not
 * continue the run (the run is then complete: finish it and start anew).
 */
bool lp_tcp_run_append(struct lp_tcp_run *r, const uint8_t *head, const uint8_t *f, size_t len);

/*
 * lp_tcp_run_finish: turn the first frame's headers into those of the whole
 * run and fill vnet (LP_TCP_MERGE_VNET_LEN bytes): for a run of one segment
 * an all-zero header and head untouched; for more, IPv4 total length and
 * header checksum or IPv6 payload length, PSH as the last segment had it,
 * the TCP checksum field set to the pseudo-header sum (partial, for the
 * kernel or NIC to finish per segment), and a TCPv4/TCPv6 GSO header with
 * gso_size = the first segment's payload.
 */
void lp_tcp_run_finish(const struct lp_tcp_run *r, uint8_t *head,
		       uint8_t vnet[LP_TCP_MERGE_VNET_LEN]);

#endif
