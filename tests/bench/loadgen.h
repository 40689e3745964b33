/*
 * loadgen.h: the relay capacity load generator's internals, shared by its
 * files (flags and output are documented at the top of loadgen.c).
 *
 *   loadgen.c          the phases: rooms, joins, traffic, leaving
 *   loadgen_flags.c    the command line
 *   loadgen_report.c   the report, JSON and text
 *   loadgen_api.c      rooms through the admin API (libcurl + jansson)
 *   loadgen_net.c      UDP sockets, batched receive and send, CID routing
 *   loadgen_member.c   one in-process member: QUIC, control stream, hello
 *   loadgen_traffic.c  Ethernet frames out at a paced rate, and counted in
 *   loadgen_proc.c     /proc readings (relay memory and CPU), rlimits
 *
 * One process, one lp_loop, every member on it. Members share a few UDP
 * sockets; packets are routed to their member by destination connection ID
 * (every softlan CID is LP_QUIC_CID_LEN bytes), so 10,000 members need 16
 * sockets, not 10,000.
 */
#ifndef LP_LOADGEN_H
#define LP_LOADGEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ctrl.h"
#include "invite.h"
#include "loop.h"
#include "mac.h"
#include "quic.h"
#include "reasm.h"

#define LG_AGENT	    "lanparty-loadgen/" LP_VERSION
#define LG_MAX_INVITES	    256
#define LG_MAX_MEMBERS	    100000
#define LG_MAX_SOCKETS	    256
#define LG_ROOM_MAX_CLIENTS 255	 /* the API's max_clients ceiling */
#define LG_FRAME_MIN	    60	 /* Ethernet minimum without FCS */
#define LG_FRAME_MAX	    1514 /* a 1500-MTU room's untagged frame */
#define LG_RX_BATCH	    32
#define LG_RX_BUF	    65536 /* one GRO super-datagram */
#define LG_TX_SLOTS	    64	  /* messages per sendmmsg */
#define LG_TX_SLOT_PKTS	    8	  /* packets per message (GSO) */

struct cid_map;

struct lg_opts {
	char relay_host[64]; /* IPv4 literal; empty: from the API's invites */
	uint16_t relay_port;
	char api[256];	 /* admin API base URL; empty with --invite */
	char token[256]; /* admin token */
	bool has_pin;
	uint8_t pin[LP_PIN_LEN];
	unsigned rooms;
	unsigned members;
	double rate;	     /* frames per second, all members together */
	unsigned frame_size; /* Ethernet bytes */
	double duration;     /* seconds of traffic */
	double handshake_rate;
	unsigned inflight; /* handshakes under way at once */
	pid_t relay_pid;
	bool json;
	bool gateways; /* one gateway member per room */
	double broadcast_pct;
	unsigned sockets;
	double settle;	     /* seconds between joins and traffic */
	double join_timeout; /* seconds for the whole join phase */
	bool keep_rooms;
	const char *invites[LG_MAX_INVITES];
	size_t n_invites;
	bool quiet;
};

enum lg_state {
	LG_IDLE = 0,   /* not started */
	LG_CONNECTING, /* handshake or hello under way */
	LG_WELCOMED,   /* admitted, open */
	LG_FAILED,     /* rejected, timed out or closed before the welcome */
	LG_LOST,       /* closed after the welcome, not by us */
	LG_LEFT,       /* we closed it (the end of the run) */
};

struct lg_room {
	int64_t id; /* API id; 0 for a room given as an invite */
	char name[64];
	bool has_client, has_gateway;
	struct lp_invite client, gateway;
	struct lg_member **members; /* assigned, n_members of them */
	uint32_t n_members;
	uint32_t n_live; /* welcomed and open */
};

struct lg_sock {
	struct lg *lg;
	int fd;
	struct lp_io io;
	struct sockaddr_in local;
	bool gso, gro;
	struct lg_member *dirty; /* members of this socket with packets to write */
};

struct lg_member {
	struct lg *lg;
	struct lp_quic_conn *q;
	struct lg_sock *sock;
	struct lg_room *room;
	struct lp_timer timer;
	uint32_t index; /* 0..K-1, also in the MAC and IPv4 address */
	uint32_t slot;	/* position in room->members */
	bool gateway;
	struct lp_mac mac;
	enum lg_state state;
	uint64_t t_start, t_done; /* handshake start, welcome or failure */
	uint32_t member_id;
	int reject; /* reject reason, -1 for none */
	struct lp_quic_close close;

	/* Control stream framing: a 4-byte length, then the body. */
	uint8_t hdr[LP_CTRL_HDR_LEN];
	uint8_t hdr_have;
	uint32_t body_len, body_have;
	uint8_t *body; /* only while a message is being read */
	uint32_t ctrl_msgs;

	bool dirty;
	struct lg_member *dirty_next;
	struct lp_reasm *reasm; /* made when the first FRAGMENT arrives */
	uint32_t frag_id;
	uint32_t seq;
};

/* Counters over the whole run; the report takes differences of snapshots. */
struct lg_count {
	uint64_t hs_started, hs_welcomed, hs_failed;
	uint64_t rejects[LP_REJECT__COUNT];
	uint64_t lost; /* closed after the welcome */
	uint64_t ctrl_msgs, ctrl_errors;
	uint64_t peer_joined, peer_left, stats_msgs, disconnects;
	uint64_t tx_frames, tx_bcast, tx_bytes, tx_expected;
	uint64_t tx_drop_queue; /* the member's datagram queue was full */
	uint64_t tx_skip;	/* no live destination in the room */
	uint64_t tx_behind;	/* not sent: the loop fell more than 100 ms behind */
	uint64_t rx_frames, rx_bcast, rx_bytes, rx_misdelivered, rx_bad;
	uint64_t udp_rx, udp_tx, udp_tx_err, udp_rx_unknown;
};

struct lg {
	struct lg_opts o;
	struct lp_loop *loop;
	struct lp_tls_creds *creds;
	struct sockaddr_in relay;
	struct lg_sock socks[LG_MAX_SOCKETS];
	size_t n_socks;
	struct cid_map *cids;
	struct lg_member *members;
	size_t n_members;
	struct lg_room *rooms;
	size_t n_rooms;
	struct lg_count c;

	/* Join phase. */
	size_t next_start; /* members[next_start] is the next to start */
	size_t connecting;
	struct lp_timer join_timer;
	uint64_t join_t0;
	uint64_t join_progress; /* when a handshake last ended (or the joins began) */

	/* Traffic phase. */
	bool sending;
	struct lp_timer tick;
	uint64_t traffic_t0;
	uint64_t frames_due_base;
	size_t cursor;
	uint32_t bcast_every; /* every Nth frame is broadcast; 0 = none */
	uint8_t *payload;     /* pattern the frames' payloads are cut from */

	/* Per-handshake latencies in microseconds, for percentiles. */
	uint32_t *lat_us;
	size_t n_lat;
};

/* What a run measured, besides the counters in struct lg. */
struct lg_report {
	double hs_seconds, hs_per_s;
	double lat_p50, lat_p99, lat_max; /* ms */
	size_t held_join, held_end;
	long online_join, online_end;
	long rss_before, rss_joined, rss_end;
	double relay_cpu_join, relay_cpu_traffic, lg_cpu_join, lg_cpu_traffic;
	/* Time runnable but not running (schedstat): the machine, not the code. */
	double relay_wait_join, relay_wait_traffic, lg_wait_join, lg_wait_traffic;
	/* Kernel drops on full receive buffers (/proc/net/udp): relay's socket, ours. */
	long long relay_drops_join, relay_drops_traffic, lg_drops_join, lg_drops_traffic;
	double traffic_s;
	struct lg_count at_start, at_end; /* counters around the traffic window */
};

/* loadgen_flags.c */
/* lg_parse_args: flags into o, defaults filled in. Returns 0 to run, 1 after --help or
 * --version, -1 for a bad flag (said on stderr). */
int lg_parse_args(struct lg_opts *o, int argc, char **argv);
/* lg_parse_room_invites: one --invite (client, gateway, or both joined by a comma). */
int lg_parse_room_invites(struct lg_room *room, const char *text);

/* loadgen_report.c */
/* lg_report_latency: sort the handshake latencies and take p50, p99 and max into r. */
void lg_report_latency(struct lg *lg, struct lg_report *r);
void lg_report_json(const struct lg *lg, const struct lg_report *r, FILE *f);
void lg_report_text(const struct lg *lg, const struct lg_report *r, FILE *f);

/* loadgen_net.c */
int lg_net_open(struct lg *lg);
void lg_net_close(struct lg *lg);
void lg_net_flush(struct lg *lg);
void lg_mark_dirty(struct lg_member *m);

/* loadgen_member.c */
int lg_member_start(struct lg_member *m);
void lg_member_leave(struct lg_member *m);
/* lg_member_abandon: count a handshake still under way as failed, and close it. */
void lg_member_abandon(struct lg_member *m);
void lg_member_free(struct lg_member *m);
/* lg_member_packet: route one received QUIC packet (CID lookup, read). */
void lg_member_packet(struct lg *lg, struct lg_sock *s, const struct sockaddr_in *from,
		      uint8_t *pkt, size_t len, uint64_t now);
void lg_member_on_timer(struct lp_loop *loop, struct lp_timer *t);
void lg_member_mac(uint32_t index, struct lp_mac *out);

/* loadgen_traffic.c */
int lg_traffic_init(struct lg *lg);
void lg_traffic_free(struct lg *lg);
void lg_traffic_start(struct lg *lg);
void lg_traffic_stop(struct lg *lg);
void lg_traffic_on_frame(struct lg_member *m, const uint8_t *frame, size_t len);
size_t lg_traffic_build(uint8_t *buf, size_t size, const struct lg_member *src,
			const struct lg_member *dst, uint32_t seq, const uint8_t *payload);

/* loadgen_api.c */
int lg_api_create_rooms(struct lg *lg);
void lg_api_delete_rooms(struct lg *lg);
/* lg_api_online: members the relay says are online in our rooms, or -1. */
long lg_api_online(struct lg *lg);

/* loadgen_proc.c */
/* lg_proc_rss_kb: VmRSS of pid in KiB, or -1. */
long lg_proc_rss_kb(pid_t pid);
/* lg_proc_cpu_s: user + system CPU seconds of pid (0: this process), or -1. */
double lg_proc_cpu_s(pid_t pid);
/*
 * lg_proc_wait_s: seconds pid's main thread has spent runnable but waiting
 * for a CPU (/proc/PID/schedstat; 0: this process), or -1. On a machine
 * shared with other work this says how much of a phase it was kept off.
 */
double lg_proc_wait_s(pid_t pid);
/*
 * lg_proc_udp_drops: packets the kernel dropped (full receive buffer) on the
 * UDP sockets of this network namespace bound to port, or -1 when none is.
 */
long long lg_proc_udp_drops(uint16_t port);
/* lg_proc_raise_nofile: raise RLIMIT_NOFILE to at least want. Returns 0 or -errno. */
int lg_proc_raise_nofile(unsigned long want);

#endif
