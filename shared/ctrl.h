/*
 * ctrl.h: control messages on the control stream (the first bidirectional
 * QUIC stream): their C form, JSON codec, stream framing, and reason codes.
 *
 * On the wire each message is a 4-byte big-endian length N (1..LP_CTRL_MAX)
 * followed by N bytes of UTF-8 JSON: one object whose "type" names the message.
 * docs/protocol.md ("Control messages") is the specification; this header is
 * the C contract.
 *
 * Strings in the structs are NUL-terminated in fixed arrays. Lengths are in
 * bytes of UTF-8. Every string must be valid UTF-8 without control characters
 * (U+0000..U+001F, U+007F..U+009F). An optional string is absent when empty.
 *
 * Pure module: no I/O. Decoding and encoding allocate through jansson (the
 * control stream is not a per-frame path); the reader never allocates.
 */
#ifndef LP_CTRL_H
#define LP_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "code.h"
#include "mac.h"

/* The protocol version this build speaks, sent in hello.version. */
#define LP_PROTO_VERSION 1

/* Framing: a 4-byte length, then at most LP_CTRL_MAX bytes of JSON. */
#define LP_CTRL_HDR_LEN 4
#define LP_CTRL_MAX	65536

/* Limits shared by the codec, the tests and the documentation. */
#define LP_CTRL_INT_MAX	      9007199254740991ull /* 2^53 - 1: exact in every JSON reader */
#define LP_CTRL_MEMBER_ID_MAX 2147483647u	  /* 2^31 - 1 */
#define LP_CTRL_MAX_MEMBERS   1024
/*
 * A welcome must also fit LP_CTRL_MAX: a room of up to this many members
 * always does, whatever their names; beyond it only if names are short.
 * Relays cap room sizes at this value.
 */
#define LP_CTRL_ROOM_SAFE_MEMBERS  256
#define LP_CTRL_MAX_DROPS	   32
#define LP_CTRL_NAME_MAX	   64 /* display names: member, room */
#define LP_CTRL_AGENT_MAX	   64
#define LP_CTRL_MESSAGE_MAX	   256
#define LP_CTRL_TOKEN_MAX	   32 /* drop and reason names: [a-z][a-z0-9_]* */
#define LP_CTRL_RESUME_MIN	   32
#define LP_CTRL_RESUME_MAX	   64
#define LP_CTRL_BUDGET_MIN	   1024
#define LP_CTRL_BUDGET_MAX	   65535
#define LP_CTRL_MTU_MIN		   1280
#define LP_CTRL_MTU_MAX		   9000
#define LP_CTRL_STATS_INTERVAL_MAX 3600
#define LP_CTRL_RETRY_AFTER_MAX	   86400
#define LP_CTRL_COUNT_MAX	   2147483647u /* reject.limit and reject.count */

/* QUIC application error codes: close code = base + reason value. */
#define LP_CLOSE_REJECT_BASE	 0x100u
#define LP_CLOSE_DISCONNECT_BASE 0x200u

enum lp_ctrl_type {
	LP_CTRL_HELLO = 1,
	LP_CTRL_WELCOME = 2,
	LP_CTRL_REJECT = 3,
	LP_CTRL_PEER_JOINED = 4,
	LP_CTRL_PEER_LEFT = 5,
	LP_CTRL_STATS = 6,
	LP_CTRL_DISCONNECT = 7
};

enum lp_ctrl_role {
	LP_CTRL_ROLE_CLIENT = 1,
	LP_CTRL_ROLE_GATEWAY = 2
};

/*
 * Why the relay refused a hello. The values are stable (they appear in QUIC
 * close codes, logs and the store): never renumber, only append.
 * LP_REJECT_UNKNOWN is what a reason this build does not know decodes to;
 * it is sent as "unknown".
 */
enum lp_reject_reason {
	LP_REJECT_UNKNOWN = 0,
	LP_REJECT_BAD_CODE = 1,
	LP_REJECT_WRONG_ROLE = 2,
	LP_REJECT_ROOM_DISABLED = 3,
	LP_REJECT_ROOM_EXPIRED = 4,
	LP_REJECT_ROOM_FULL = 5,
	LP_REJECT_GATEWAY_PRESENT = 6,
	LP_REJECT_MAC_IN_USE = 7,
	LP_REJECT_BANNED = 8,
	LP_REJECT_UNSUPPORTED_VERSION = 9,
	LP_REJECT_MALFORMED_HELLO = 10,
	LP_REJECT_RATE_LIMITED = 11,
	LP_REJECT_INTERNAL_ERROR = 12,
	LP_REJECT__COUNT = 13
};

/* Why a session ended (disconnect, peer_left). Stable values as above. */
enum lp_disconnect_reason {
	LP_DISCONNECT_UNKNOWN = 0,
	LP_DISCONNECT_KICKED = 1,
	LP_DISCONNECT_BANNED = 2,
	LP_DISCONNECT_ROOM_DELETED = 3,
	LP_DISCONNECT_ROOM_DISABLED = 4,
	LP_DISCONNECT_SHUTDOWN = 5,
	LP_DISCONNECT_REPLACED = 6,
	LP_DISCONNECT_CODE_REVOKED = 7,
	LP_DISCONNECT_IDLE = 8,
	LP_DISCONNECT_PROTOCOL_ERROR = 9,
	LP_DISCONNECT_LEAVING = 10,
	LP_DISCONNECT__COUNT = 11
};

/* One member of a room: in welcome.members and in peer_joined. */
struct lp_ctrl_member {
	uint32_t id; /* 1..LP_CTRL_MEMBER_ID_MAX */
	enum lp_ctrl_role role;
	bool has_mac; /* required for clients, optional for the gateway */
	struct lp_mac mac;
	char name[LP_CTRL_NAME_MAX + 1]; /* optional */
};

struct lp_ctrl_hello {
	uint16_t version; /* 1..65535 */
	enum lp_ctrl_role role;
	char code[LP_CODE_MAX + 1];	     /* room code, lp_code_valid */
	bool has_mac;			     /* required for clients */
	struct lp_mac mac;		     /* lp_mac_is_valid_member */
	uint16_t datagram_budget;	     /* LP_CTRL_BUDGET_MIN..LP_CTRL_BUDGET_MAX */
	char agent[LP_CTRL_AGENT_MAX + 1];   /* 1..64 bytes */
	char name[LP_CTRL_NAME_MAX + 1];     /* optional */
	char resume[LP_CTRL_RESUME_MAX + 1]; /* optional, 32..64 code chars */
};

struct lp_ctrl_welcome {
	uint32_t member_id;		      /* the receiver's own id */
	uint64_t room_id;		      /* 1..LP_CTRL_INT_MAX */
	char room_name[LP_CTRL_NAME_MAX + 1]; /* 1..64 bytes */
	uint16_t mtu;			      /* LP_CTRL_MTU_MIN..LP_CTRL_MTU_MAX */
	struct lp_ctrl_member *members;	      /* n_members entries, see lp_ctrl_msg_free */
	size_t n_members;		      /* 1..LP_CTRL_MAX_MEMBERS */
	char resume[LP_CTRL_RESUME_MAX + 1];  /* 32..64 code chars */
	uint16_t stats_interval;	      /* seconds, 1..LP_CTRL_STATS_INTERVAL_MAX */
};

struct lp_ctrl_reject {
	enum lp_reject_reason reason;
	char message[LP_CTRL_MESSAGE_MAX + 1]; /* may be empty */
	bool has_limit;
	uint32_t limit; /* 0..LP_CTRL_COUNT_MAX */
	bool has_count;
	uint32_t count; /* 0..LP_CTRL_COUNT_MAX */
	bool has_retry_after;
	uint32_t retry_after; /* seconds, 1..LP_CTRL_RETRY_AFTER_MAX */
};

struct lp_ctrl_peer_left {
	uint32_t member_id;
	enum lp_disconnect_reason reason;
};

struct lp_ctrl_drop {
	char name[LP_CTRL_TOKEN_MAX + 1]; /* [a-z][a-z0-9_]{0,31} */
	uint64_t count;			  /* 0..LP_CTRL_INT_MAX */
};

/* Counters are 0..LP_CTRL_INT_MAX: a sender saturates rather than exceed it. */
struct lp_ctrl_stats {
	uint64_t rtt_us;
	uint64_t up_frames; /* "up": agent to relay, whichever side reports */
	uint64_t up_bytes;
	uint64_t down_frames;
	uint64_t down_bytes;
	uint32_t members; /* online members, 0..LP_CTRL_MAX_MEMBERS */
	size_t n_drops;	  /* 0..LP_CTRL_MAX_DROPS; decode sorts drops by name */
	struct lp_ctrl_drop drops[LP_CTRL_MAX_DROPS];
};

struct lp_ctrl_disconnect {
	enum lp_disconnect_reason reason;
	char message[LP_CTRL_MESSAGE_MAX + 1]; /* optional */
};

/*
 * A control message. Build one by zeroing it, setting type and filling the
 * matching union member. Only welcome owns heap memory (members).
 */
struct lp_ctrl_msg {
	enum lp_ctrl_type type;
	union {
		struct lp_ctrl_hello hello;
		struct lp_ctrl_welcome welcome;
		struct lp_ctrl_reject reject;
		struct lp_ctrl_member peer_joined;
		struct lp_ctrl_peer_left peer_left;
		struct lp_ctrl_stats stats;
		struct lp_ctrl_disconnect disconnect;
	};
};

/*
 * lp_ctrl_decode: parse and strictly validate one message body (the JSON
 * after the length prefix). Unknown fields are ignored; an unknown "type" is
 * an error; unknown reject/disconnect reasons decode as *_UNKNOWN.
 * json, len: the body; len 1..LP_CTRL_MAX.
 * out: receives the message; on success it may own heap memory (welcome):
 *   release it with lp_ctrl_msg_free(). On error it is zeroed and owns nothing.
 * err, errlen: receive a one-line English reason naming the field, e.g.
 *   "hello.mac: not a unicast MAC address"; never contains the input's
 *   secrets. err may be NULL (errlen is then ignored).
 * Returns 0, LP_ERR_INVALID (malformed or out of range), LP_ERR_TOO_BIG
 * (len > LP_CTRL_MAX) or LP_ERR_NOMEM. jansson reports some allocation
 * failures as syntax errors: those come back as LP_ERR_INVALID.
 */
int lp_ctrl_decode(const uint8_t *json, size_t len, struct lp_ctrl_msg *out, char *err,
		   size_t errlen);

/*
 * lp_ctrl_encode: validate m exactly as lp_ctrl_decode would, then write it
 * framed (length prefix and compact JSON with sorted keys: the output is
 * deterministic) into out.
 * m: the message; not modified. out, outlen: the caller's buffer; its
 *   contents are unspecified after an error.
 * Returns the number of bytes written (LP_CTRL_HDR_LEN + JSON length), or
 * LP_ERR_INVALID (m breaks a rule: lp_ctrl_check says which), LP_ERR_TOO_BIG
 * (the JSON would exceed LP_CTRL_MAX), LP_ERR_NOBUF (outlen too small) or
 * LP_ERR_NOMEM.
 */
ssize_t lp_ctrl_encode(const struct lp_ctrl_msg *m, uint8_t *out, size_t outlen);

/*
 * lp_ctrl_check: validate m against every rule of its type (ranges, string
 * lengths and contents, MACs, codes, member-list consistency).
 * err, errlen: as for lp_ctrl_decode.
 * Returns 0 or LP_ERR_INVALID.
 */
int lp_ctrl_check(const struct lp_ctrl_msg *m, char *err, size_t errlen);

/*
 * lp_ctrl_msg_equal: true when a and b carry the same message (compares
 * field values, not padding or bytes after a string's NUL).
 */
bool lp_ctrl_msg_equal(const struct lp_ctrl_msg *a, const struct lp_ctrl_msg *b);

/*
 * lp_ctrl_msg_free: release what m owns (a welcome's members, with free())
 * and zero it. m may be NULL. Callers that built a welcome over members they
 * own themselves simply do not call it.
 */
void lp_ctrl_msg_free(struct lp_ctrl_msg *m);

/* lp_ctrl_type_name: the wire "type" string, or "?" for an invalid value. */
const char *lp_ctrl_type_name(enum lp_ctrl_type t);

/* lp_ctrl_role_name: "client" or "gateway", or "?" for an invalid value. */
const char *lp_ctrl_role_name(enum lp_ctrl_role r);

/*
 * Reason codes. _name: the wire string ("bad_code"); "unknown" for
 * LP_*_UNKNOWN and for out-of-range values. _parse: the reason for the wire
 * string s (len bytes), LP_*_UNKNOWN when not known. _text: an English
 * sentence for the user. _close_code: the QUIC application error code a
 * connection ending for this reason is closed with (base + value; unknown
 * and out-of-range values give the base). _from_close_code: the reason for
 * a close code in this reason's range; false (and *out untouched) otherwise.
 */
const char *lp_reject_reason_name(enum lp_reject_reason r);
enum lp_reject_reason lp_reject_reason_parse(const char *s, size_t len);
const char *lp_reject_reason_text(enum lp_reject_reason r);
uint64_t lp_reject_close_code(enum lp_reject_reason r);
bool lp_reject_from_close_code(uint64_t code, enum lp_reject_reason *out);

const char *lp_disconnect_reason_name(enum lp_disconnect_reason r);
enum lp_disconnect_reason lp_disconnect_reason_parse(const char *s, size_t len);
const char *lp_disconnect_reason_text(enum lp_disconnect_reason r);
uint64_t lp_disconnect_close_code(enum lp_disconnect_reason r);
bool lp_disconnect_from_close_code(uint64_t code, enum lp_disconnect_reason *out);

/*
 * The largest message a member sends to the relay (hello, disconnect): the
 * relay reads members' streams with buffers this big, so that 10,000
 * members do not cost 64 KiB each. Agents read the relay's messages
 * (a welcome lists up to LP_CTRL_MAX_MEMBERS members) with LP_CTRL_MAX.
 */
#define LP_CTRL_UP_MAX 2048

/*
 * Incremental reader for the control stream. It never allocates: the
 * message body goes into a buffer its owner provides (LP_CTRL_MAX bytes to
 * accept every message, fewer to refuse longer ones); lp_ctrl_reader_init()
 * it first.
 */
struct lp_ctrl_reader {
	int err;		      /* sticky error, 0 while healthy */
	uint32_t len;		      /* body length from the header */
	size_t have;		      /* bytes of header + body buffered */
	bool done;		      /* the buffered message was handed out */
	uint8_t hdr[LP_CTRL_HDR_LEN]; /* length prefix being assembled */
	uint32_t cap;		      /* bytes at body, at most LP_CTRL_MAX */
	uint8_t *body;
};

/*
 * lp_ctrl_reader_init: reset r to expect the first byte of a message, with
 * buf (cap bytes, kept by the caller while r is used) for message bodies;
 * a cap over LP_CTRL_MAX counts as LP_CTRL_MAX.
 */
void lp_ctrl_reader_init(struct lp_ctrl_reader *r, uint8_t *buf, size_t cap);

/*
 * lp_ctrl_reader_feed: consume stream bytes until one message is complete or
 * data runs out; call again with the rest of data (data + return value).
 * data, len: the next bytes of the stream, in any split (len may be 0).
 * msg, msglen: set to the complete message body when one is ready, else to
 *   NULL and 0. The body lives in r and stays valid until the next call.
 * Returns the number of bytes consumed (at most len), or on a zero length
 * LP_ERR_INVALID, on a length over the reader's cap LP_ERR_TOO_BIG: the
 * stream is broken and must be closed; every later call returns the same
 * error.
 */
ssize_t lp_ctrl_reader_feed(struct lp_ctrl_reader *r, const uint8_t *data, size_t len,
			    const uint8_t **msg, size_t *msglen);

/*
 * lp_ctrl_reader_idle: true when r holds no partial message and has not
 * failed, i.e. the stream may end here without losing a message.
 */
bool lp_ctrl_reader_idle(const struct lp_ctrl_reader *r);

#endif
