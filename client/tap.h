/*
 * tap.h: the party device of a player's PC, a virtual Ethernet adapter that
 * the operating system treats as one more LAN card.
 *
 * The agent core moves frames between this device and the relay; the device
 * itself is OS-specific and lives in one file per OS: tap_linux.c (tun/tap
 * through /dev/net/tun, IFF_TAP | IFF_NO_PI) and tap_windows.c
 * (tap-windows6). This header names no OS type, so the Windows file
 * implements the same contract, except: Windows does not create adapters
 * (tap-windows6 adapters are installed beforehand): an empty name picks
 * the first free one, the adapter keeps its own MAC (cfg.mac is not
 * applied: lp_tap_mac() tells it), and closing sets its link down
 * ("cable unplugged"), which makes Windows drop its lease and routes.
 *
 * A device is opened with its MAC and MTU already set and its link up, and
 * stays up until lp_tap_close(): reconnects to the relay do not touch it, so
 * the OS keeps the address (and DHCP lease) it gave the device.
 *
 * Frames are plain Ethernet: destination, source, EtherType, payload; no FCS
 * and no packet-information prefix. Reads go into one buffer owned by the
 * device (no allocation per frame) that the caller may modify in place
 * (the agent core clamps the TCP MSS there) until the callback returns.
 */
#ifndef LP_TAP_H
#define LP_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "mac.h"
#include "mtu.h"

/*
 * Longest device name, NUL included: Linux IFNAMSIZ; on Windows a
 * connection's name ("Local Area Connection 2"), UTF-8.
 */
#ifdef _WIN32
#define LP_TAP_NAME_MAX 256
#else
#define LP_TAP_NAME_MAX 16
#endif
#define LP_TAP_NAME_DEFAULT "lanparty0"
/* The largest frame the device hands out: a jumbo room MTU plus two VLAN tags. */
#define LP_TAP_FRAME_MAX (LP_MTU_MAX + LP_MTU_FRAME_EXTRA)
/* Frames read per wakeup by default: a busy device must not starve the relay link. */
#define LP_TAP_BATCH_DEFAULT 64
/* Hard maximum for a batch. */
#define LP_TAP_BATCH_MAX 1024
/* Longest one-line error message the functions below write. */
#define LP_TAP_ERR_MAX 256

struct lp_tap;

struct lp_tap_config {
	char name[LP_TAP_NAME_MAX]; /* "" means LP_TAP_NAME_DEFAULT */
	struct lp_mac mac;	    /* a unicast, non-zero MAC (lp_mac_is_valid_member) */
	uint32_t mtu;		    /* the room MTU, LP_MTU_MIN..LP_MTU_MAX */
};

/* Device counters, for logs and status. */
struct lp_tap_stats {
	uint64_t frames_read;
	uint64_t bytes_read;
	uint64_t frames_written;
	uint64_t bytes_written;
	uint64_t read_oversize; /* frames longer than LP_TAP_FRAME_MAX, dropped */
	uint64_t read_runt;	/* shorter than an Ethernet header, dropped */
	uint64_t super_frames;	/* offloaded TCP runs read whole, counted in frames_read as cut */
	uint64_t super_written; /* TCP runs written whole, counted in frames_written as joined */
	uint64_t write_errors;	/* frames the OS refused (counted, dropped) */
};

/*
 * A frame read from the device: frame[0..len) lies in the device's buffer,
 * writable, valid until the callback returns. len >= 14.
 */
typedef void lp_tap_frame_cb(void *arg, uint8_t *frame, size_t len);

/*
 * lp_tap_name_valid: true when name (NUL-terminated) is a device name this
 * OS accepts for a new device: on Linux 1..15 bytes, none of '/', ':' or
 * white space, not "." or "..".
 */
bool lp_tap_name_valid(const char *name);

/*
 * lp_tap_open: create the device (or attach to an existing persistent TAP of
 * that name), set its MAC and MTU, tell the OS never to take an IPv6
 * default route from router advertisements on it (best effort, logged),
 * and bring its link up.
 * cfg: copied. *out receives the device; close it with lp_tap_close().
 * err: errlen bytes for a one-line message a person can act on, naming the
 * device ("" on success); may be NULL when errlen is 0.
 * Returns 0 or:
 *   LP_ERR_INVALID  a bad name, MAC or MTU in cfg;
 *   -ENOENT         no TAP driver (/dev/net/tun missing);
 *   -EACCES         the driver's device node cannot be opened;
 *   -EPERM          not allowed to create the device (no CAP_NET_ADMIN);
 *   -EBUSY          the name is in use by another program's TAP;
 *   -EEXIST         the name belongs to a device that is not a TAP;
 *   LP_ERR_NOMEM, or another -errno from the OS.
 * Nothing is left behind on error.
 */
int lp_tap_open(struct lp_tap **out, const struct lp_tap_config *cfg, char *err, size_t errlen);

/*
 * lp_tap_close: stop watching (if watched), close the device and free t.
 * A device the program created disappears, and the OS drops its addresses
 * and routes with it; an attached persistent TAP stays. NULL-safe.
 */
void lp_tap_close(struct lp_tap *t);

/* lp_tap_name: the device's name as the OS reports it (owned by t). */
const char *lp_tap_name(const struct lp_tap *t);

/* lp_tap_ifindex: the OS's interface index of the device (for routes). */
unsigned lp_tap_ifindex(const struct lp_tap *t);

/* lp_tap_mtu: the device's current MTU. */
uint32_t lp_tap_mtu(const struct lp_tap *t);

/* lp_tap_mac: the device's MAC. */
const struct lp_mac *lp_tap_mac(const struct lp_tap *t);

/*
 * lp_tap_set_mtu: change the MTU (the room's MTU changed since the config
 * was fetched). Returns 0, LP_ERR_INVALID for an MTU out of range, or -errno.
 */
int lp_tap_set_mtu(struct lp_tap *t, uint32_t mtu);

/*
 * lp_tap_read_batch: read the frames waiting on the device, at most max
 * (1..LP_TAP_BATCH_MAX), calling cb(arg, frame, len) for each, and stop
 * early when none is left. Frames too short or too long are dropped and
 * counted instead. Where the OS hands out TCP super-frames (Linux with
 * offload), one read is cut into frames of the device's MTU first.
 * Returns the number of reads (0 when none was waiting), or -errno
 * when reading fails (frames already passed to cb stay passed).
 * LP_ERR_INVALID for max out of range or a NULL cb.
 */
int lp_tap_read_batch(struct lp_tap *t, unsigned max, lp_tap_frame_cb *cb, void *arg);

/*
 * lp_tap_write: hand one Ethernet frame (14..LP_TAP_FRAME_MAX bytes) to the
 * OS, as if it came in from the wire. Never blocks. The frame is copied:
 * the caller's buffer is free on return. Where the OS takes super-frames
 * (Linux with offload), a run of TCP segments of one connection waits in
 * the device until a frame that does not continue it, or lp_tap_flush():
 * call that once the frames at hand are written.
 * Returns 0; LP_ERR_INVALID for a bad length; -errno when the OS refused
 * it or the run written before it (-EAGAIN: queue full); refused frames are
 * counted in write_errors.
 */
int lp_tap_write(struct lp_tap *t, const uint8_t *frame, size_t len);

/* lp_tap_flush: write what lp_tap_write() holds back. Returns 0 or -errno as lp_tap_write. */
int lp_tap_flush(struct lp_tap *t);

/*
 * Called once when the device stopped working for good (it was deleted
 * under the program, e.g. by `ip link del`); the watch is already removed.
 * err: the OS error, as -errno.
 */
typedef void lp_tap_gone_cb(void *arg, int err);

/*
 * lp_tap_watch: read the device from loop: whenever frames are waiting,
 * call lp_tap_read_batch(t, batch, cb, arg) (batch 0: LP_TAP_BATCH_DEFAULT).
 * Passing read errors are logged at a rate limit and the device stays
 * watched; when the device is gone the watch ends and gone(arg, err) runs
 * (gone may be NULL).
 * Returns 0, LP_ERR_INVALID (NULL loop or cb, batch over LP_TAP_BATCH_MAX),
 * LP_ERR_STATE when already watched, or the error of lp_loop_io_add().
 */
int lp_tap_watch(struct lp_tap *t, struct lp_loop *loop, unsigned batch, lp_tap_frame_cb *cb,
		 lp_tap_gone_cb *gone, void *arg);

/* lp_tap_unwatch: stop reading from the loop. No-op when not watched. */
void lp_tap_unwatch(struct lp_tap *t);

/* lp_tap_get_stats: a copy of the device's counters. */
void lp_tap_get_stats(const struct lp_tap *t, struct lp_tap_stats *out);

#endif
