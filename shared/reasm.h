/*
 * reasm.h: bounded reassembly of fragmented frames, one instance per peer.
 *
 * Pieces (FRAGMENT datagrams decoded by shared/dgram.h) may arrive lost,
 * duplicated, reordered or overlapping, or be hostile. A frame is handed out
 * only when every index 0..count-1 has arrived AND the pieces' byte ranges
 * cover the whole frame, so a frame never contains a byte no piece wrote.
 *
 * Memory is allocated once by lp_reasm_init and bounded by the config: the
 * partial frames live in an arena of max_bytes bytes cut into LP_REASM_CHUNK
 * byte chunks, and a completed frame is gathered into one max_frame buffer.
 * When slots or chunks run out the oldest partial frame is evicted; a partial
 * frame is dropped once it is older than the timeout.
 *
 * Time is uint64_t nanoseconds (CLOCK_MONOTONIC); the module never reads a clock.
 * Not thread-safe: one instance belongs to one thread.
 */
#ifndef LP_REASM_H
#define LP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "dgram.h"

/* Arena granule: a partial frame of total bytes holds ceil(total / LP_REASM_CHUNK) chunks. */
#define LP_REASM_CHUNK 256

#define LP_REASM_DEFAULT_SLOTS 8
/* 1500-byte payload + 14-byte header + two VLAN tags, rounded up to whole chunks. */
#define LP_REASM_DEFAULT_MAX_FRAME  1536
#define LP_REASM_DEFAULT_MAX_BYTES  (LP_REASM_DEFAULT_SLOTS * LP_REASM_DEFAULT_MAX_FRAME)
#define LP_REASM_DEFAULT_TIMEOUT_NS 1000000000ull

/* Hard limits on the config, so one peer's reassembler cannot be sized absurdly. */
#define LP_REASM_SLOTS_MAX     256
#define LP_REASM_MAX_BYTES_MAX (64u * 1024 * 1024)

/*
 * How many ids of recently finished frames are remembered, so late pieces of
 * a frame already completed or dropped are not mistaken for a new frame.
 */
#define LP_REASM_RECENT 16

struct lp_reasm_cfg {
	unsigned slots;	  /* partial frames in flight, 1..LP_REASM_SLOTS_MAX */
	size_t max_frame; /* largest frame accepted, 14..65535 (LP_DGRAM_FRAME_MIN..MAX) */
	/*
	 * Arena for partial frames, rounded down to whole chunks: at least
	 * max_frame rounded up to whole chunks, at most LP_REASM_MAX_BYTES_MAX.
	 */
	size_t max_bytes;
	uint64_t timeout_ns; /* lifetime of a partial frame from its first piece, > 0 */
};

/* Counters; each only grows. */
struct lp_reasm_stats {
	uint64_t completed;  /* frames reassembled and handed out */
	uint64_t duplicates; /* pieces already held, or of a frame already completed */
	uint64_t stale;	     /* pieces of a frame already evicted, expired or discarded */
	uint64_t evicted;    /* partial frames dropped to make room for a new one */
	uint64_t expired;    /* partial frames dropped for age */
	uint64_t invalid;    /* pieces refused (bad fields, or conflicting with their frame) */
	uint64_t too_big;    /* frames or pieces refused for a total over max_frame */
};

struct lp_reasm_slot;

/*
 * One reassembler: embed it, lp_reasm_init it, lp_reasm_free it. Callers read
 * stats and cfg (the config in force); the other fields are private.
 */
struct lp_reasm {
	struct lp_reasm_cfg cfg;
	struct lp_reasm_stats stats;
	struct lp_reasm_slot *slots; /* cfg.slots entries */
	uint32_t *chunk_map;	     /* slot i's chunks: chunk_map[i * frame_chunks ...] */
	uint32_t *chunk_free;	     /* stack of free chunk numbers */
	uint8_t *arena;		     /* nchunks * LP_REASM_CHUNK bytes */
	uint8_t *out;		     /* cfg.max_frame bytes: the last completed frame */
	uint32_t nchunks;
	uint32_t nfree;
	uint32_t frame_chunks; /* chunks of a max_frame frame */
	uint64_t seq;	       /* creation order of partial frames, for eviction */
	struct {
		uint64_t at_ns;
		uint32_t id;
		uint8_t used;
		uint8_t completed;
	} recent[LP_REASM_RECENT];
	unsigned recent_next;
};

/* lp_reasm_cfg_default: fill cfg with the LP_REASM_DEFAULT_* values. */
void lp_reasm_cfg_default(struct lp_reasm_cfg *cfg);

/*
 * lp_reasm_init: set up r with cfg (NULL = defaults), allocating all its
 * memory now; nothing is allocated later.
 * Returns 0, LP_ERR_INVALID (r is NULL or cfg breaks a limit above), or
 * LP_ERR_NOMEM. On error r holds no memory, and lp_reasm_free(r) is harmless.
 */
int lp_reasm_init(struct lp_reasm *r, const struct lp_reasm_cfg *cfg);

/* lp_reasm_free: release r's memory. Accepts NULL; calling it twice is harmless. */
void lp_reasm_free(struct lp_reasm *r);

/*
 * lp_reasm_push: take one decoded datagram.
 * d: from lp_dgram_decode (its fields are checked again, so a hand-made one
 * cannot make r read or write out of bounds). A FRAME datagram is passed
 * through: it completes at once. A FRAGMENT is stored with the other pieces
 * of the same id.
 * now_ns: the current time; partial frames past their timeout are dropped
 * first, as by lp_reasm_expire.
 * frame, frame_len: on 1, the completed frame. For a FRAME datagram that is
 * d->data itself (the caller's buffer); for a reassembled frame it is r's
 * buffer, valid until the next lp_reasm_push, lp_reasm_expire or
 * lp_reasm_free. Set to NULL/0 otherwise.
 * Returns
 *   1                   a frame is complete;
 *   0                   the piece was stored, or ignored as a duplicate or
 *                       a late piece of a frame already finished (counted);
 *   LP_ERR_INVALID      the piece breaks a format rule, or conflicts with the
 *                       pieces of its frame held so far (another count or
 *                       total, the same index with another range), or all
 *                       indices arrived but their ranges leave a gap; in the
 *                       last two cases the partial frame is discarded;
 *   LP_ERR_UNSUPPORTED  an unknown datagram type;
 *   LP_ERR_TOO_BIG      the frame's length exceeds cfg.max_frame;
 *   LP_ERR_STATE        r is not initialised.
 * Every refusal is also counted in r->stats.
 */
int lp_reasm_push(struct lp_reasm *r, const struct lp_dgram *d, uint64_t now_ns,
		  const uint8_t **frame, size_t *frame_len);

/*
 * lp_reasm_expire: drop the partial frames whose first piece arrived more
 * than cfg.timeout_ns before now_ns (counted in stats.expired). A clock that
 * went backwards makes a frame younger, never older.
 * Returns the number of partial frames dropped (0 for an uninitialised r).
 */
int lp_reasm_expire(struct lp_reasm *r, uint64_t now_ns);

/*
 * lp_reasm_next_expiry: when the oldest partial frame times out (first piece
 * time + timeout + 1), for arming a timer; UINT64_MAX when none is held.
 */
uint64_t lp_reasm_next_expiry(const struct lp_reasm *r);

/* lp_reasm_pending: the number of partial frames held. */
unsigned lp_reasm_pending(const struct lp_reasm *r);

#endif
