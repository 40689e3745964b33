/*
 * capture_linux.h: the gateway's device: an AF_PACKET socket on the party
 * LAN's interface that captures every frame (promiscuous mode) and injects
 * the frames that come from the relay.
 *
 * Receive: a TPACKET_V2 ring shared with the kernel (mmap). One wakeup
 * hands over every frame that has arrived since the last one, with no
 * system call and no copy per frame. TPACKET_V3 batches more, but the kernel
 * wakes its reader only when a whole block is full or its timer (1 ms at
 * best, rounded to jiffies) expires: a game's lone packet would wait for it.
 * V2 wakes per frame when idle and batches by itself under load.
 *
 * Send: frames are copied into a fixed batch and leave with one sendmmsg(2)
 * per lp_capture_flush() (the agent's flush, once per batch from the relay),
 * or when the batch is full.
 *
 * No loops: the kernel never shows a packet socket the frames it sent
 * itself, and with PACKET_IGNORE_OUTGOING (Linux 4.20) it hides every
 * frame this host sends on the interface; on older kernels the capture
 * skips those by their packet type. cfg.host_traffic keeps the host's own
 * frames (the gateway box also serves the LAN).
 *
 * VLANs: the kernel takes the outer 802.1Q/802.1ad tag off before a packet
 * socket sees the frame and reports it beside the frame; the capture puts
 * it back, so the relay gets the frame as it was on the wire.
 *
 * Checksums: frames that never crossed real hardware (veth, bridges, virtual
 * NICs) can carry an unfinished TCP/UDP checksum; the capture finishes it
 * (csum.h).
 *
 * No allocation and no logging per frame; what is dropped is counted.
 * Single-threaded: call everything from the loop's thread.
 */
#ifndef LP_CAPTURE_LINUX_H
#define LP_CAPTURE_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link_linux.h"

/* Frames one lp_capture_flush() sends at most with one system call. */
#define LP_CAPTURE_TX_BATCH 64
/* Default RX ring size in bytes (slots of 2 KiB for a 1500-byte MTU: 2048 frames). */
#define LP_CAPTURE_RING_BYTES (4u << 20)
/* Hard maximum for cfg.ring_frames. */
#define LP_CAPTURE_RING_FRAMES_MAX 65536u

struct lp_capture;

struct lp_capture_cfg {
	const char *ifname;   /* the party LAN's interface */
	uint32_t room_mtu;    /* the interface's MTU must be at least this; 0: no check */
	bool host_traffic;    /* also capture frames this host sends on the interface */
	uint32_t ring_frames; /* RX ring slots; 0: LP_CAPTURE_RING_BYTES worth */
	/* Tests: skip the host's frames by packet type, as on kernels before 4.20. */
	bool no_ignore_outgoing;
};

struct lp_capture_stats {
	uint64_t rx_frames; /* handed to the callback */
	uint64_t rx_bytes;
	uint64_t rx_outgoing;  /* skipped: sent by this host (kernels before 4.20) */
	uint64_t rx_truncated; /* dropped: longer than a ring slot (GRO/LRO super-frames) */
	uint64_t rx_ring_full; /* dropped by the kernel: the ring was full */
	uint64_t rx_vlan;      /* VLAN tag put back */
	uint64_t rx_csum;      /* unfinished checksum finished */
	uint64_t rx_super;     /* GSO super-frames from the LAN, cut into frames (rx_frames) */
	uint64_t tx_frames;    /* accepted by the kernel */
	uint64_t tx_bytes;
	uint64_t tx_oversize; /* dropped: longer than the interface allows */
	uint64_t tx_failed;   /* dropped: refused by the kernel (link down, buffers full) */
	uint64_t tx_merged;   /* super-frames sent, each a run of TCP segments (tcp_merge.h) */
};

/*
 * lp_capture_open: open the capture on cfg->ifname: check the interface
 * (exists, Ethernet, up, MTU >= cfg->room_mtu), open and bind the packet
 * socket, map the ring, enter promiscuous mode.
 * out: receives the capture; close it with lp_capture_close().
 * link: when not NULL, receives the interface's facts (also on the errors
 *   that come after the lookup).
 * err: errlen bytes for one line a person can act on ("" on success), e.g.
 *   "interface eth0 is down: bring it up with 'ip link set eth0 up'".
 * Returns 0 or:
 *   LP_ERR_INVALID   no or a too long interface name, bad ring_frames;
 *   -ENODEV          no such interface;
 *   LP_ERR_UNSUPPORTED not an Ethernet interface;
 *   -ENETDOWN        the interface is down;
 *   -EMSGSIZE        its MTU is below cfg->room_mtu;
 *   -EPERM           no CAP_NET_RAW;
 *   LP_ERR_NOMEM, or another -errno from the socket, ring or bind calls.
 */
int lp_capture_open(struct lp_capture **out, const struct lp_capture_cfg *cfg, struct lp_link *link,
		    char *err, size_t errlen);

/* lp_capture_close: flush nothing, unmap, close, free. NULL-safe. */
void lp_capture_close(struct lp_capture *c);

/* lp_capture_fd: the socket, to watch for LP_IO_READ on the loop. */
int lp_capture_fd(const struct lp_capture *c);

/* lp_capture_kernel_filters_outgoing: true when PACKET_IGNORE_OUTGOING is in use. */
bool lp_capture_kernel_filters_outgoing(const struct lp_capture *c);

/*
 * Called for each captured frame. frame: len bytes in the ring, writable
 * (the agent clamps the TCP MSS in place), valid only during the call.
 */
typedef void lp_capture_cb(void *arg, uint8_t *frame, size_t len);

/*
 * lp_capture_read: hand the frames waiting in the ring to cb, oldest first,
 * at most max of them (the rest wait for the next call; the socket stays
 * readable). cb must not close the capture.
 * Returns the number of ring slots consumed (frames skipped or dropped
 * included), 0 when none was waiting.
 */
size_t lp_capture_read(struct lp_capture *c, size_t max, lp_capture_cb *cb, void *arg);

/*
 * lp_capture_send: queue frame (copied) for injection on the LAN; it leaves
 * with the next lp_capture_flush(), at once when the batch is full (what
 * that flush fails to send is counted in tx_failed).
 * Returns 0 (queued); LP_ERR_INVALID for a frame shorter than an Ethernet
 * header; LP_ERR_TOO_BIG for one the interface cannot carry (counted in
 * tx_oversize).
 */
int lp_capture_send(struct lp_capture *c, const uint8_t *frame, size_t len);

/*
 * lp_capture_flush: send the queued frames. Frames the kernel refuses are
 * dropped and counted (tx_failed); the queue is empty afterwards.
 * Returns 0, or the first -errno the kernel gave (-ENETDOWN, -ENOBUFS...).
 */
int lp_capture_flush(struct lp_capture *c);

/*
 * lp_capture_error: fetch and clear the socket's pending error, after the
 * loop reported LP_IO_ERROR. Returns 0 (none), -ENETDOWN (the interface
 * went down; capture resumes by itself when it comes back up), -ENODEV (the
 * interface is gone: the capture is dead), or another -errno.
 */
int lp_capture_error(struct lp_capture *c);

/*
 * lp_capture_present: true while the interface the capture was opened on
 * exists (same name, same index). The kernel reports a removed interface
 * only as "down", and not at all when it was down already, and never binds
 * the socket to a new interface of the same name (a USB adapter plugged
 * back in): poll this now and then, and start anew when it turns false.
 */
bool lp_capture_present(const struct lp_capture *c);

/* lp_capture_stats: the counters so far (asks the kernel for its ring drops first). */
void lp_capture_stats(struct lp_capture *c, struct lp_capture_stats *out);

#endif
