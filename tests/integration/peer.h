/*
 * peer.h: a test member of a room, built on shared/ only: it opens real QUIC
 * on a UDP socket of its own (127.0.0.1, ephemeral port), sends hello on the
 * control stream, records everything the relay says, sends and receives
 * Ethernet frames as overlay datagrams (fragmenting and reassembling like a
 * real agent) and never touches a TAP device.
 *
 * Every live peer is on one process-wide list, and peer_run() drives them all
 * at once with one poll loop: a test waits for one peer while the others keep
 * answering. Every wait takes a timeout in milliseconds.
 *
 * The struct is public so tests can read what arrived; only peer.c writes it.
 * Single-threaded, like the tests that use it.
 */
#ifndef LP_TEST_PEER_H
#define LP_TEST_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"
#include "invite.h"
#include "mac.h"
#include "quic.h"
#include "reasm.h"

/* Frames kept per peer (later ones are counted, not kept). */
#define PEER_MAX_FRAMES 64
/* Largest frame a peer keeps or reassembles: a 1500-MTU frame with two VLAN tags. */
#define PEER_FRAME_MAX LP_REASM_DEFAULT_MAX_FRAME
/* peer_joined / peer_left messages kept per peer. */
#define PEER_MAX_EVENTS 32
#define PEER_LABEL_MAX	32

/* How the peer introduces itself. Zero means "the default" for every field. */
struct peer_opts {
	/* Role in hello; 0 = the invite's role (set it to test wrong_role). */
	enum lp_ctrl_role role;
	/* Room code in hello; NULL = the invite's code. */
	const char *code;
	/* The client's MAC; required for clients (has_mac), optional for gateways. */
	bool has_mac;
	struct lp_mac mac;
	const char *name;   /* hello.name; NULL = none */
	uint16_t version;   /* hello.version; 0 = LP_PROTO_VERSION */
	const char *resume; /* hello.resume; NULL = none */
	/*
	 * Bytes sent on the control stream instead of a hello (length prefix
	 * included, exactly as given), for malformed_hello; no_hello sends
	 * nothing at all.
	 */
	const uint8_t *raw_hello;
	size_t raw_hello_len;
	bool no_hello;
};

/* One received frame. */
struct peer_frame {
	size_t len;
	bool reassembled; /* arrived as FRAGMENT datagrams */
	uint8_t data[PEER_FRAME_MAX];
};

struct peer {
	char label[PEER_LABEL_MAX]; /* for messages: "gateway", "alice" */
	int fd;
	struct sockaddr_in local, remote;
	struct lp_tls_creds *creds;
	struct lp_quic_conn *q;
	struct peer_opts opts; /* strings below are copies */
	char code[LP_CODE_MAX + 1];
	char name[LP_CTRL_NAME_MAX + 1];
	char resume_in[LP_CTRL_RESUME_MAX + 1];
	uint8_t *raw_hello;

	/* Control stream. */
	struct lp_ctrl_reader reader;
	uint8_t reader_buf[LP_CTRL_MAX];
	bool handshake;		    /* QUIC handshake done */
	bool welcomed;		    /* welcome holds the relay's welcome */
	struct lp_ctrl_msg welcome; /* type LP_CTRL_WELCOME; owns its members */
	bool rejected;		    /* reject holds the relay's reject */
	struct lp_ctrl_reject reject;
	bool disconnected; /* disconnect holds the relay's disconnect */
	struct lp_ctrl_disconnect disconnect;
	struct lp_ctrl_member joined[PEER_MAX_EVENTS];
	size_t n_joined;
	struct lp_ctrl_peer_left left[PEER_MAX_EVENTS];
	size_t n_left;
	size_t n_stats;
	struct lp_ctrl_stats last_stats;
	size_t ctrl_errors; /* undecodable or out-of-place messages */
	char ctrl_error[160];

	/* Connection end. */
	bool closed;
	struct lp_quic_close close;

	/* Datagrams. */
	struct lp_reasm reasm;
	uint32_t frag_id;
	struct peer_frame *frames; /* PEER_MAX_FRAMES entries */
	size_t n_frames;	   /* kept, at most PEER_MAX_FRAMES */
	uint64_t frames_total;	   /* received, kept or not */
	uint64_t dgrams_rx, frags_rx, dgrams_bad;
	uint64_t dgrams_tx, frags_tx;

	struct peer *next; /* the list peer_run() drives */
};

/*
 * peer_new: open a UDP socket on 127.0.0.1, start QUIC to the relay named by
 * inv (host must be an IPv4 literal; pin required) and queue the hello, sent
 * as soon as the handshake is done. The peer joins the list peer_run()
 * drives; nothing happens until then.
 * out: the new peer; free with peer_free().
 * label: a short name for messages (copied, truncated); NULL = "peer".
 * opts: may be NULL (defaults; a client then has no MAC: set one).
 * Returns 0, LP_ERR_INVALID (not an IPv4 host, no pin), LP_ERR_NOMEM,
 * -errno from socket/bind, or the errors of lp_quic_conn_client_new().
 */
int peer_new(struct peer **out, const char *label, const struct lp_invite *inv,
	     const struct peer_opts *opts);

/*
 * peer_free: take p off the list and free it. A connection still open is
 * closed first with disconnect reason leaving (the CONNECTION_CLOSE is sent
 * once, without waiting). NULL is fine.
 */
void peer_free(struct peer *p);

/*
 * peer_drop: take p off the list and free it without sending anything, as
 * when a player's network goes away. NULL is fine.
 */
void peer_drop(struct peer *p);

/* peer_free_all: peer_free() every peer still on the list (test teardown). */
void peer_free_all(void);

/*
 * peer_leave: send disconnect (leaving) on the control stream and close the
 * connection with 0x200 + leaving, as an agent that quits does. Drive the
 * peers afterwards so the close goes out. Returns 0 or LP_ERR_STATE (closed).
 */
int peer_leave(struct peer *p);

/*
 * peer_run: drive every peer on the list (read, timers, write) until
 * done(arg) returns true or ms milliseconds pass. done may be NULL (run the
 * whole time). Returns done's last answer (false for NULL).
 */
bool peer_run(int ms, bool (*done)(void *arg), void *arg);

/* peer_pump: peer_run(ms, NULL, NULL). */
void peer_pump(int ms);

/* Waits, each driving every peer; true when the condition held in time. */
bool peer_wait_answer(struct peer *p, int ms); /* welcome, reject or close */
bool peer_wait_closed(struct peer *p, int ms);
bool peer_wait_frames(struct peer *p, uint64_t n, int ms); /* frames_total >= n */
bool peer_wait_joined(struct peer *p, uint32_t member_id, int ms);
bool peer_wait_left(struct peer *p, uint32_t member_id, int ms);
bool peer_wait_disconnect(struct peer *p, int ms); /* disconnect message or close */

/*
 * peer_send_frame: send one Ethernet frame (len 14..65535) as the relay
 * expects: one FRAME datagram when it fits the connection's datagram budget,
 * else FRAGMENT datagrams. Returns the number of datagrams queued,
 * LP_ERR_STATE (not open), or the errors of lp_dgram_split_init() and
 * lp_quic_conn_send_datagram().
 */
int peer_send_frame(struct peer *p, const uint8_t *frame, size_t len);

/* peer_send_ctrl: encode m and append it to the control stream. Returns 0 or a negative code. */
int peer_send_ctrl(struct peer *p, const struct lp_ctrl_msg *m);

/* peer_send_raw: append len raw bytes to the control stream. Returns 0 or a negative code. */
int peer_send_raw(struct peer *p, const uint8_t *data, size_t len);

/* peer_budget: the connection's datagram budget now (0 before the handshake). */
size_t peer_budget(const struct peer *p);

/* peer_id: the member id from the welcome, 0 without one. */
uint32_t peer_id(const struct peer *p);

/*
 * peer_reject_reason: the reason of the reject message when one arrived,
 * else the one the close code names; -1 when neither says.
 */
int peer_reject_reason(const struct peer *p);

/* peer_disconnect_reason: as peer_reject_reason, for disconnect. */
int peer_disconnect_reason(const struct peer *p);

/*
 * peer_close_app_code: the application close code the connection ended
 * with, or -1 (still open, or a transport close).
 */
int64_t peer_close_app_code(const struct peer *p);

/* peer_count_frame: how many received frames equal frame (len bytes) exactly. */
size_t peer_count_frame(const struct peer *p, const uint8_t *frame, size_t len);

/* peer_find_joined: the peer_joined entry for member id, or NULL. */
const struct lp_ctrl_member *peer_find_joined(const struct peer *p, uint32_t id);

/* peer_find_left: the peer_left entry for member id, or NULL. */
const struct lp_ctrl_peer_left *peer_find_left(const struct peer *p, uint32_t id);

/* peer_find_member: the welcome's members entry with this id, or NULL. */
const struct lp_ctrl_member *peer_find_member(const struct peer *p, uint32_t id);

/*
 * peer_frame_build: write a test frame of len bytes (14..cap) into buf:
 * dst, src, ethertype, then a payload pattern that depends on seq, so frames
 * of different seq differ. Returns len, or 0 when len is out of range.
 */
size_t peer_frame_build(uint8_t *buf, size_t cap, size_t len, const struct lp_mac *dst,
			const struct lp_mac *src, uint16_t ethertype, uint32_t seq);

/*
 * peer_frame_dhcp_offer: write a minimal DHCP server reply (IPv4 UDP
 * 67 -> 68, broadcast) from src into buf (cap bytes, at least 342).
 * Returns its length or 0.
 */
size_t peer_frame_dhcp_offer(uint8_t *buf, size_t cap, const struct lp_mac *src);

/* peer_describe: one line of p's state for failure messages (static buffer). */
const char *peer_describe(const struct peer *p);

/* peer_dump_all: peer_describe() every live peer to stderr (after a failure). */
void peer_dump_all(void);

#endif
