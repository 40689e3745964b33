/*
 * agent_int.h: the agent core's private state, shared by its files:
 * agent.c (life cycle, attempts, backoff, timers), agent_conn.c (the QUIC
 * connection and the control stream), agent_frame.c (frames both ways),
 * agent_status.c (status file), agent_text.c (words and policy),
 * agent_config.c (the join fetch).
 */
#ifndef LP_AGENT_INT_H
#define LP_AGENT_INT_H

#include "agent.h"
#include "log.h"
#include "net.h"
#include "quic.h"
#include "reasm.h"
#include "roster.h"

struct lp_tls_creds;

/* Packets per GSO batch written at once, and the buffer they are written into. */
#define LP_AGENT_TX_PKTS 32
#define LP_AGENT_TX_BUF	 (LP_AGENT_TX_PKTS * LP_QUIC_PKT_BUF)
/* Outgoing datagrams QUIC may hold (bounded; full means drop and count).
 * One TAP read of a TCP super-frame queues up to 45 frames at once; slots are
 * allocated as the queue first grows, so a quiet player never pays for them. */
#define LP_AGENT_DGRAM_QUEUE 1024
/* Receive batches handled per readable event before other fds get a turn. */
#define LP_AGENT_RX_ROUNDS 8
/* The period of the timer that runs the agent's periodic work (agent_tick.c). */
#define LP_AGENT_TICK_NS 1000000000ull
/* Largest frame the agent reassembles or clamps: the largest room MTU's frame. */
#define LP_AGENT_FRAME_MAX (9000 + 22)

/* How a connection ended, worked out from messages and the QUIC close. */
struct lp_agent_end {
	bool final;	      /* retrying cannot help */
	uint32_t min_delay_s; /* the relay's retry_after, 0 if none */
	char why[LP_CTRL_MESSAGE_MAX + 1];
};

struct lp_agent {
	struct lp_loop *loop;
	struct lp_agent_cfg cfg;
	struct lp_agent_device dev;
	struct lp_tls_creds *creds;
	char relay_text[300]; /* quic host:port, for logs and status */

	enum lp_agent_state state;
	bool started, stopping;
	bool stop_requested; /* lp_agent_stop() from inside a QUIC call: act after it */
	unsigned busy;	     /* inside a QUIC call: the connection must not be freed */
	int exit_code;
	char why[LP_CTRL_MESSAGE_MAX + 1];

	/* Attempts and backoff. */
	unsigned attempt;  /* failed attempts in a row: the backoff exponent */
	uint32_t attempts; /* connection attempts made in all */
	uint64_t retry_at_ns;
	int64_t retry_at_unix_ms;
	struct lp_net_addr addrs[LP_NET_ADDRS_MAX];
	size_t n_addrs, addr_next;

	/* The connection (NULL between attempts). */
	struct lp_net_udp *udp;
	struct lp_io io;
	bool io_added;
	struct lp_quic_conn *q;
	uint64_t attempt_started_ns;
	bool hello_sent, welcomed;
	bool end_pending; /* a reject, disconnect, close or protocol error to act on */
	struct lp_agent_end end;
	bool stop_sent;	      /* stopping: disconnect "leaving" is queued */
	bool stop_grace_over; /* stopping: close without waiting any longer */
	struct lp_ctrl_reader reader;
	uint8_t reader_buf[LP_CTRL_MAX]; /* the relay's messages: a welcome may be 64 KiB */

	/* Timers: the connection's QUIC expiry; a state timer (answer
	 * deadline, retry, stop grace); a kick to write after frames were
	 * queued; a 1 s tick for stats, status and summaries. */
	struct lp_timer quic_timer, state_timer, kick_timer, tick_timer;

	/* The room, from the join config and the welcome. */
	uint32_t member_id, members, mtu, stats_interval_s;
	struct lp_roster roster; /* the other members, for the log of their leaving */
	size_t frame_max;	 /* largest frame the room carries */
	char resume[LP_CTRL_RESUME_MAX + 1];
	uint64_t connected_ns;
	int64_t connected_since;

	/* Frames. */
	uint32_t frag_id;
	size_t mss_budget; /* datagram budget the clamp values were computed for */
	uint16_t mss_v4, mss_v6;
	bool dev_dirty; /* write_frame ran since the last flush */
	struct lp_reasm reasm;
	struct lp_counters ctr;
	uint8_t *tx;	  /* LP_AGENT_TX_BUF */
	uint8_t *scratch; /* LP_AGENT_FRAME_MAX: an incoming SYN to clamp */
	struct lp_net_pkt rx[LP_NET_RX_BATCH];

	/* Periodic work, counted in ticks of the 1 s timer. */
	uint64_t next_status_ns, next_stats_ns, next_summary_ns;
	struct lp_counters summary_base;
	struct lp_ctrl_stats relay_stats;
	bool has_relay_stats;
	bool status_dirty;
	bool status_warned;
};

/* agent.c */
void lp_agent_conn_ended(struct lp_agent *a);
void lp_agent_on_welcome(struct lp_agent *a, const struct lp_ctrl_welcome *w);
void lp_agent_stop_progress(struct lp_agent *a);

/* agent_conn.c */
int lp_agent_conn_open(struct lp_agent *a, const struct lp_net_addr *addr, char *err,
		       size_t errlen);
void lp_agent_conn_teardown(struct lp_agent *a);
void lp_agent_conn_timers_init(struct lp_agent *a);
void lp_agent_conn_kick(struct lp_agent *a);
void lp_agent_conn_write(struct lp_agent *a);
void lp_agent_conn_after_io(struct lp_agent *a);
int lp_agent_conn_send_ctrl(struct lp_agent *a, const struct lp_ctrl_msg *m);
void lp_agent_conn_close(struct lp_agent *a, uint64_t code, const char *reason);
void lp_agent_end_set(struct lp_agent *a, bool final, uint32_t min_delay_s, const char *fmt, ...)
	LP_LOG_PRINTF(4, 5);

/* agent_tick.c: the 1 s timer's callback; a state change writes the status at once. */
void lp_agent_on_tick(struct lp_loop *loop, struct lp_timer *t);
void lp_agent_status_changed(struct lp_agent *a);

/* agent_config.c: lp_agent_fetch_config() that also returns a 429's Retry-After. */
int lp_agent_fetch_config_ra(const struct lp_invite *inv, int timeout_ms,
			     struct lp_join_config *out, uint32_t *retry_after, char *err,
			     size_t errlen);

/* agent_frame.c */
void lp_agent_frames_reset(struct lp_agent *a);
void lp_agent_on_datagram(struct lp_agent *a, const uint8_t *data, size_t len);
void lp_agent_dev_flush(struct lp_agent *a);

#endif
