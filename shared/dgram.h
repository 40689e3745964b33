/*
 * dgram.h: the overlay datagram, the payload of every QUIC DATAGRAM softlan sends.
 *
 * Byte 0 holds the format version (high nibble) and the datagram type (low
 * nibble). A FRAME datagram carries one whole Ethernet frame; a FRAGMENT
 * datagram carries one piece of a frame too large for the path's datagram
 * budget, to be put back together by shared/reasm.h. docs/protocol.md has the
 * byte diagrams and test vectors.
 *
 * Pure functions: no allocation, no I/O. Every pointer returned points into a
 * buffer the caller owns.
 */
#ifndef LP_DGRAM_H
#define LP_DGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LP_DGRAM_VERSION 1

/* Header sizes: byte 0 alone for FRAME; plus id, index, count, total, offset for FRAGMENT. */
#define LP_DGRAM_HDR_FRAME    1
#define LP_DGRAM_HDR_FRAGMENT 11

/* An Ethernet frame without FCS: at least the 14-byte header. */
#define LP_DGRAM_FRAME_MIN 14
/*
 * The format's limit (the u16 total field). Room for offload "super-frames";
 * receivers configure their own lower limit (struct lp_reasm_cfg).
 */
#define LP_DGRAM_FRAME_MAX 65535

/* A fragmented frame has 2 to 64 pieces; 64 keeps the receiver's piece set in one u64. */
#define LP_FRAG_MIN_COUNT 2
#define LP_FRAG_MAX_COUNT 64

enum lp_dgram_type {
	LP_DGRAM_FRAME = 0,
	LP_DGRAM_FRAGMENT = 1,
};

/* Byte 0 of a version-1 datagram of the given type. */
#define LP_DGRAM_BYTE0(type) ((uint8_t)((LP_DGRAM_VERSION << 4) | (type)))
/*
 * Byte 0 of a whole-frame datagram. Senders that read a frame straight into
 * buf + LP_DGRAM_HDR_FRAME can set buf[0] to this and send without a copy.
 */
#define LP_DGRAM_BYTE0_FRAME LP_DGRAM_BYTE0(LP_DGRAM_FRAME)

/*
 * A decoded datagram. data/len: the whole frame (FRAME) or this piece's bytes
 * (FRAGMENT); data points into the decoded buffer. The fragment fields are
 * zero for FRAME.
 */
struct lp_dgram {
	enum lp_dgram_type type;
	const uint8_t *data;
	size_t len;
	uint32_t id;	 /* FRAGMENT: frame id, the same in every piece of one frame */
	uint16_t total;	 /* FRAGMENT: length of the whole frame */
	uint16_t offset; /* FRAGMENT: where this piece's first byte goes in the frame */
	uint8_t index;	 /* FRAGMENT: 0 .. count-1 */
	uint8_t count;	 /* FRAGMENT: LP_FRAG_MIN_COUNT .. LP_FRAG_MAX_COUNT */
};

/*
 * lp_dgram_decode: validate the datagram d (len bytes) and describe it in out.
 * out: filled on success (data points into d); untouched on error.
 * Returns 0, or
 *   LP_ERR_VERSION      the version nibble is not LP_DGRAM_VERSION;
 *   LP_ERR_UNSUPPORTED  version 1 with an unknown type;
 *   LP_ERR_INVALID      empty, truncated, a frame outside 14..65535 bytes, or
 *                       fragment fields that break a rule (count outside
 *                       2..64, index >= count, total outside 14..65535, an
 *                       empty piece, offset + piece length > total).
 * The version is checked first, then the type, then the rest.
 */
int lp_dgram_decode(const uint8_t *d, size_t len, struct lp_dgram *out);

/*
 * lp_dgram_peek_frame: the receive fast path. True when d (len bytes) is a
 * valid whole-frame datagram; then *frame and *frame_len give the Ethernet
 * frame inside d. False for anything else (a fragment, or invalid: call
 * lp_dgram_decode for the reason); the outputs are then untouched.
 * Agrees with lp_dgram_decode on every input.
 */
static inline bool lp_dgram_peek_frame(const uint8_t *d, size_t len, const uint8_t **frame,
				       size_t *frame_len)
{
	if (len < LP_DGRAM_HDR_FRAME + LP_DGRAM_FRAME_MIN ||
	    len > LP_DGRAM_HDR_FRAME + LP_DGRAM_FRAME_MAX || d[0] != LP_DGRAM_BYTE0_FRAME)
		return false;
	*frame = d + LP_DGRAM_HDR_FRAME;
	*frame_len = len - LP_DGRAM_HDR_FRAME;
	return true;
}

/*
 * lp_dgram_check: whether d obeys the rules lp_dgram_decode enforces, for a
 * struct that did not come from lp_dgram_decode.
 * Returns 0, LP_ERR_UNSUPPORTED (unknown type) or LP_ERR_INVALID (NULL d, a
 * NULL data with a non-zero len, or a broken rule).
 */
int lp_dgram_check(const struct lp_dgram *d);

/*
 * lp_dgram_encode: write the datagram described by d into out (outlen bytes).
 * d: a FRAME (data/len = the frame) or a FRAGMENT (data/len = the piece plus
 * the fragment fields); it must obey the rules lp_dgram_decode checks.
 * Returns the number of bytes written (header + data), or
 *   LP_ERR_INVALID      d breaks a rule, or an unknown type;
 *   LP_ERR_NOBUF        outlen is too small (nothing is written).
 * lp_dgram_decode of the result gives back d.
 */
ssize_t lp_dgram_encode(const struct lp_dgram *d, uint8_t *out, size_t outlen);

/*
 * lp_dgram_encode_frame: write frame (len bytes, 14..65535) as one FRAME
 * datagram into out (outlen bytes, at least len + 1).
 * Returns len + 1, LP_ERR_INVALID for a bad length, or LP_ERR_NOBUF.
 */
ssize_t lp_dgram_encode_frame(const uint8_t *frame, size_t len, uint8_t *out, size_t outlen);

/*
 * lp_dgram_split_count: how many datagrams a frame of len bytes takes when no
 * datagram may exceed budget bytes (the largest DATAGRAM payload of the path).
 * Returns 1 when len + 1 <= budget (a FRAME datagram), else the fewest pieces
 * of at most budget - 11 bytes (2..64), or
 *   LP_ERR_INVALID      len outside 14..65535;
 *   LP_ERR_TOO_BIG      the frame cannot cross this path: the budget cannot
 *                       hold even a 1-byte piece, or more than 64 are needed.
 */
int lp_dgram_split_count(size_t len, size_t budget);

/*
 * lp_dgram_frame_max: the largest frame a path with this budget can carry
 * (whole or in up to 64 pieces); 0 when the budget cannot carry a 14-byte frame.
 */
size_t lp_dgram_frame_max(size_t budget);

/* Splitter state; fill with lp_dgram_split_init. Fields are private. */
struct lp_dgram_split {
	const uint8_t *frame;
	size_t len;
	size_t off; /* first frame byte of the next piece */
	uint32_t id;
	uint16_t base; /* piece length; the first `extra` pieces are one byte longer */
	uint8_t count; /* datagrams in all: 1 = one FRAME datagram; 0 = not ready */
	uint8_t extra;
	uint8_t next; /* index of the next datagram */
};

/*
 * lp_dgram_split_init: prepare to send frame (len bytes) over a path whose
 * datagrams hold at most budget bytes. A frame that fits goes as one FRAME
 * datagram; a larger one as the fewest FRAGMENT datagrams that fit, the
 * pieces evenly sized (lengths differ by at most one byte, longer ones first).
 * id: the frame id for the pieces; the caller picks a new one for every frame
 * that lp_dgram_split_count says needs more than one datagram (ids of frames
 * that go whole are not used, so the caller may keep them).
 * frame must stay valid and unchanged until the last lp_dgram_split_next.
 * Returns 0, or the errors of lp_dgram_split_count (s is then not ready).
 */
int lp_dgram_split_init(struct lp_dgram_split *s, const uint8_t *frame, size_t len, size_t budget,
			uint32_t id);

/*
 * lp_dgram_split_next: write the next datagram into out (outlen bytes; budget
 * bytes always suffice).
 * Returns the datagram's length (at most budget), 0 when all have been
 * written, or LP_ERR_NOBUF (outlen too small; the same datagram is produced
 * by the next call) or LP_ERR_STATE (s was never successfully initialised).
 */
ssize_t lp_dgram_split_next(struct lp_dgram_split *s, uint8_t *out, size_t outlen);

#endif
