/*
 * peer.c: a test member over real QUIC; see peer.h.
 */
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dgram.h"
#include "err.h"
#include "rand.h"
#include "tls.h"

#define POLL_MAX 128
#define AGENT	 "softlan-integration-peer/" LP_VERSION

static struct peer *peers; /* every live peer, for peer_run */

/* ------------------------------------------------------------ control stream */

static void ctrl_error(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ctrl_error(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	p->ctrl_errors++;
	va_start(ap, fmt);
	vsnprintf(p->ctrl_error, sizeof(p->ctrl_error), fmt, ap);
	va_end(ap);
}

static void on_ctrl(struct peer *p, const uint8_t *body, size_t len)
{
	struct lp_ctrl_msg m;
	char err[128];

	if (lp_ctrl_decode(body, len, &m, err, sizeof(err)) < 0) {
		ctrl_error(p, "undecodable message: %s", err);
		return;
	}
	switch (m.type) {
	case LP_CTRL_WELCOME:
		if (p->welcomed || p->rejected) {
			ctrl_error(p, "%s after the answer", "welcome");
			break;
		}
		p->welcomed = true;
		p->welcome = m; /* keeps the members array */
		return;
	case LP_CTRL_REJECT:
		if (p->welcomed || p->rejected) {
			ctrl_error(p, "%s after the answer", "reject");
			break;
		}
		p->rejected = true;
		p->reject = m.reject;
		break;
	case LP_CTRL_PEER_JOINED:
		if (!p->welcomed)
			ctrl_error(p, "%s before the welcome", "peer_joined");
		else if (p->n_joined < PEER_MAX_EVENTS)
			p->joined[p->n_joined++] = m.peer_joined;
		break;
	case LP_CTRL_PEER_LEFT:
		if (!p->welcomed)
			ctrl_error(p, "%s before the welcome", "peer_left");
		else if (p->n_left < PEER_MAX_EVENTS)
			p->left[p->n_left++] = m.peer_left;
		break;
	case LP_CTRL_STATS:
		p->n_stats++;
		p->last_stats = m.stats;
		break;
	case LP_CTRL_DISCONNECT:
		p->disconnected = true;
		p->disconnect = m.disconnect;
		break;
	case LP_CTRL_HELLO:
	default:
		ctrl_error(p, "unexpected %s from the relay", lp_ctrl_type_name(m.type));
		break;
	}
	lp_ctrl_msg_free(&m);
}

static void on_stream_data(struct lp_quic_conn *c, int64_t stream_id, const uint8_t *data,
			   size_t len, bool fin, void *ud)
{
	struct peer *p = ud;

	(void)c;
	(void)fin;
	if (stream_id != 0) {
		ctrl_error(p, "data on stream %s", "other than 0");
		return;
	}
	while (len > 0) {
		const uint8_t *msg;
		size_t msglen;
		ssize_t used = lp_ctrl_reader_feed(&p->reader, data, len, &msg, &msglen);

		if (used < 0) {
			ctrl_error(p, "control stream framing broken: %s", lp_strerror((int)used));
			return;
		}
		data += used;
		len -= (size_t)used;
		if (msg)
			on_ctrl(p, msg, msglen);
	}
}

static int send_hello(struct peer *p)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_HELLO };
	struct lp_ctrl_hello *h = &m.hello;
	size_t budget = lp_quic_conn_dgram_budget(p->q);

	if (p->opts.no_hello)
		return 0;
	if (p->raw_hello)
		return peer_send_raw(p, p->raw_hello, p->opts.raw_hello_len);
	h->version = p->opts.version ? p->opts.version : LP_PROTO_VERSION;
	h->role = p->opts.role;
	snprintf(h->code, sizeof(h->code), "%s", p->code);
	h->has_mac = p->opts.has_mac;
	h->mac = p->opts.mac;
	if (budget < LP_CTRL_BUDGET_MIN)
		budget = LP_CTRL_BUDGET_MIN;
	if (budget > LP_CTRL_BUDGET_MAX)
		budget = LP_CTRL_BUDGET_MAX;
	h->datagram_budget = (uint16_t)budget;
	snprintf(h->agent, sizeof(h->agent), "%s", AGENT);
	snprintf(h->name, sizeof(h->name), "%s", p->name);
	snprintf(h->resume, sizeof(h->resume), "%s", p->resume_in);
	return peer_send_ctrl(p, &m);
}

/* ------------------------------------------------------------ QUIC callbacks */

static void on_handshake_done(struct lp_quic_conn *c, void *ud)
{
	struct peer *p = ud;
	int r;

	(void)c;
	p->handshake = true;
	r = send_hello(p);
	if (r < 0)
		ctrl_error(p, "hello not sent: %s", lp_strerror(r));
}

static void keep_frame(struct peer *p, const uint8_t *frame, size_t len, bool reassembled)
{
	p->frames_total++;
	if (p->n_frames == PEER_MAX_FRAMES || len > PEER_FRAME_MAX)
		return;
	struct peer_frame *f = &p->frames[p->n_frames++];
	f->len = len;
	f->reassembled = reassembled;
	memcpy(f->data, frame, len);
}

static void on_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len, void *ud)
{
	struct peer *p = ud;
	struct lp_dgram d;
	const uint8_t *frame;
	size_t flen;

	(void)c;
	p->dgrams_rx++;
	if (lp_dgram_decode(data, len, &d) < 0) {
		p->dgrams_bad++;
		return;
	}
	if (d.type == LP_DGRAM_FRAME) {
		keep_frame(p, d.data, d.len, false);
		return;
	}
	p->frags_rx++;
	int r = lp_reasm_push(&p->reasm, &d, lp_quic_now(), &frame, &flen);
	if (r == 1)
		keep_frame(p, frame, flen, true);
	else if (r < 0)
		p->dgrams_bad++;
}

static void on_close(struct lp_quic_conn *c, const struct lp_quic_close *info, void *ud)
{
	struct peer *p = ud;

	(void)c;
	p->closed = true;
	p->close = *info;
}

static const struct lp_quic_callbacks callbacks = {
	.on_handshake_done = on_handshake_done,
	.on_stream_data = on_stream_data,
	.on_datagram = on_datagram,
	.on_close = on_close,
};

/* ------------------------------------------------------------ life cycle */

static int dup_str(char *dst, size_t dstlen, const char *src)
{
	if (!src)
		return 0;
	if (strlen(src) >= dstlen)
		return LP_ERR_INVALID;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int open_socket(struct peer *p)
{
	socklen_t len = sizeof(p->local);

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	p->local.sin_family = AF_INET;
	p->local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(p->fd, (struct sockaddr *)&p->local, sizeof(p->local)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&p->local, &len) < 0)
		return -errno;
	return 0;
}

static void unlink_peer(struct peer *p)
{
	for (struct peer **pp = &peers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

static void destroy(struct peer *p)
{
	unlink_peer(p);
	lp_quic_conn_free(p->q);
	lp_tls_creds_unref(p->creds);
	if (p->fd >= 0)
		close(p->fd);
	lp_ctrl_msg_free(&p->welcome);
	lp_reasm_free(&p->reasm);
	free(p->frames);
	free(p->raw_hello);
	free(p);
}

int peer_new(struct peer **out, const char *label, const struct lp_invite *inv,
	     const struct peer_opts *opts)
{
	static const struct peer_opts none;
	struct lp_quic_config cfg = { 0 };
	struct peer *p;
	int r;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (inv->host_type != LP_INVITE_HOST_IPV4 || !inv->has_pin)
		return LP_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (!p)
		return LP_ERR_NOMEM;
	p->fd = -1;
	snprintf(p->label, sizeof(p->label), "%s", label ? label : "peer");
	p->opts = *opts;
	if (!p->opts.role)
		p->opts.role =
			inv->role == LP_INVITE_GATEWAY ? LP_CTRL_ROLE_GATEWAY : LP_CTRL_ROLE_CLIENT;
	if ((r = dup_str(p->code, sizeof(p->code), opts->code ? opts->code : inv->code)) < 0 ||
	    (r = dup_str(p->name, sizeof(p->name), opts->name)) < 0 ||
	    (r = dup_str(p->resume_in, sizeof(p->resume_in), opts->resume)) < 0)
		goto fail;
	p->opts.code = p->opts.name = p->opts.resume = NULL;
	p->opts.raw_hello = NULL;
	if (opts->raw_hello) {
		r = LP_ERR_NOMEM;
		p->raw_hello = malloc(opts->raw_hello_len ? opts->raw_hello_len : 1);
		if (!p->raw_hello)
			goto fail;
		memcpy(p->raw_hello, opts->raw_hello, opts->raw_hello_len);
	}
	lp_ctrl_reader_init(&p->reader, p->reader_buf, sizeof(p->reader_buf));
	r = LP_ERR_NOMEM;
	p->frames = calloc(PEER_MAX_FRAMES, sizeof(*p->frames));
	if (!p->frames)
		goto fail;
	if ((r = lp_reasm_init(&p->reasm, NULL)) < 0)
		goto fail;
	if ((r = lp_random_bytes(&p->frag_id, sizeof(p->frag_id))) < 0)
		goto fail;
	if ((r = open_socket(p)) < 0)
		goto fail;
	p->remote.sin_family = AF_INET;
	p->remote.sin_port = htons(inv->port);
	if (inet_pton(AF_INET, inv->host, &p->remote.sin_addr) != 1) {
		r = LP_ERR_INVALID;
		goto fail;
	}
	if ((r = lp_tls_creds_client_pinned_new(inv->pin, &p->creds)) < 0)
		goto fail;

	struct lp_quic_path path = {
		.local = (const struct sockaddr *)&p->local,
		.local_len = sizeof(p->local),
		.remote = (const struct sockaddr *)&p->remote,
		.remote_len = sizeof(p->remote),
	};
	if ((r = lp_quic_conn_client_new(&p->q, p->creds, NULL, &cfg, &callbacks, p, &path,
					 lp_quic_now())) < 0)
		goto fail;
	p->next = peers;
	peers = p;
	*out = p;
	return 0;
fail:
	destroy(p);
	return r;
}

static void send_pkt(struct peer *p, const uint8_t *buf, size_t len, const struct lp_quic_addr *to)
{
	/* Losses are QUIC's business: a full socket buffer is one more lost packet. */
	(void)sendto(p->fd, buf, len, 0, (const struct sockaddr *)&to->ss, to->len);
}

static void flush(struct peer *p, uint64_t now)
{
	uint8_t buf[LP_QUIC_PKT_BUF];
	struct lp_quic_addr to;
	ssize_t n;

	if (!p->q || lp_quic_conn_is_dead(p->q))
		return;
	while ((n = lp_quic_conn_write(p->q, buf, sizeof(buf), &to, now)) > 0)
		send_pkt(p, buf, (size_t)n, &to);
}

void peer_free(struct peer *p)
{
	if (!p)
		return;
	if (p->q && !lp_quic_conn_is_closed(p->q)) {
		uint64_t now = lp_quic_now();

		lp_quic_conn_close(p->q, lp_disconnect_close_code(LP_DISCONNECT_LEAVING), "leaving",
				   now);
		flush(p, now);
	}
	destroy(p);
}

void peer_drop(struct peer *p)
{
	if (p)
		destroy(p);
}

void peer_free_all(void)
{
	while (peers)
		peer_free(peers);
}

int peer_leave(struct peer *p)
{
	struct lp_ctrl_msg m = { .type = LP_CTRL_DISCONNECT };

	if (!p->q || lp_quic_conn_is_closed(p->q))
		return LP_ERR_STATE;
	m.disconnect.reason = LP_DISCONNECT_LEAVING;
	(void)peer_send_ctrl(p, &m);
	return lp_quic_conn_close(p->q, lp_disconnect_close_code(LP_DISCONNECT_LEAVING), "leaving",
				  lp_quic_now());
}

/* ------------------------------------------------------------ the loop */

static void drain(struct peer *p, uint64_t now)
{
	static uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error: nothing more to read */
		if (!p->q || lp_quic_conn_is_dead(p->q))
			continue;
		struct lp_quic_path path = {
			.local = (const struct sockaddr *)&p->local,
			.local_len = sizeof(p->local),
			.remote = (const struct sockaddr *)&from,
			.remote_len = fl,
		};
		(void)lp_quic_conn_read(p->q, &path, buf, (size_t)n, now);
	}
}

static uint64_t expiry(const struct peer *p)
{
	if (!p->q || lp_quic_conn_is_dead(p->q))
		return UINT64_MAX;
	return lp_quic_conn_expiry(p->q);
}

bool peer_run(int ms, bool (*done)(void *arg), void *arg)
{
	uint64_t deadline = lp_quic_now() + (uint64_t)(ms > 0 ? ms : 0) * LP_QUIC_NS_PER_MS;
	struct pollfd pfd[POLL_MAX];
	struct peer *who[POLL_MAX];

	for (;;) {
		uint64_t now = lp_quic_now(), next = deadline;
		nfds_t n = 0;

		for (struct peer *p = peers; p; p = p->next) {
			if (expiry(p) <= now)
				(void)lp_quic_conn_handle_expiry(p->q, now);
			flush(p, now);
		}
		if (done && done(arg))
			return true;
		if (now >= deadline)
			return false;
		for (struct peer *p = peers; p && n < POLL_MAX; p = p->next) {
			if (expiry(p) < next)
				next = expiry(p);
			pfd[n].fd = p->fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			who[n++] = p;
		}
		next = next > now ? next - now : 0;
		struct timespec tmo = {
			.tv_sec = (time_t)(next / LP_QUIC_NS_PER_S),
			.tv_nsec = (long)(next % LP_QUIC_NS_PER_S),
		};
		if (ppoll(pfd, n, &tmo, NULL) < 0 && errno != EINTR)
			return false;
		now = lp_quic_now();
		for (nfds_t i = 0; i < n; i++)
			if (pfd[i].revents)
				drain(who[i], now);
	}
}

void peer_pump(int ms)
{
	(void)peer_run(ms, NULL, NULL);
}

static bool answered(void *arg)
{
	const struct peer *p = arg;
	return p->welcomed || p->rejected || p->closed;
}

bool peer_wait_answer(struct peer *p, int ms)
{
	return peer_run(ms, answered, p);
}

static bool is_closed(void *arg)
{
	return ((const struct peer *)arg)->closed;
}

bool peer_wait_closed(struct peer *p, int ms)
{
	return peer_run(ms, is_closed, p);
}

static bool got_disconnect(void *arg)
{
	const struct peer *p = arg;
	return p->disconnected || p->closed;
}

bool peer_wait_disconnect(struct peer *p, int ms)
{
	return peer_run(ms, got_disconnect, p);
}

struct wait_n {
	struct peer *p;
	uint64_t n;
};

static bool got_frames(void *arg)
{
	const struct wait_n *w = arg;
	return w->p->frames_total >= w->n;
}

bool peer_wait_frames(struct peer *p, uint64_t n, int ms)
{
	struct wait_n w = { p, n };
	return peer_run(ms, got_frames, &w);
}

static bool got_joined(void *arg)
{
	const struct wait_n *w = arg;
	return peer_find_joined(w->p, (uint32_t)w->n) != NULL;
}

bool peer_wait_joined(struct peer *p, uint32_t member_id, int ms)
{
	struct wait_n w = { p, member_id };
	return peer_run(ms, got_joined, &w);
}

static bool got_left(void *arg)
{
	const struct wait_n *w = arg;
	return peer_find_left(w->p, (uint32_t)w->n) != NULL;
}

bool peer_wait_left(struct peer *p, uint32_t member_id, int ms)
{
	struct wait_n w = { p, member_id };
	return peer_run(ms, got_left, &w);
}

/* ------------------------------------------------------------ sending */

int peer_send_frame(struct peer *p, const uint8_t *frame, size_t len)
{
	uint8_t buf[LP_QUIC_PKT_BUF];
	struct lp_dgram_split sp;
	size_t budget = lp_quic_conn_dgram_budget(p->q);
	int count = 0, r;
	ssize_t n;

	if (!lp_quic_conn_is_open(p->q))
		return LP_ERR_STATE;
	if (budget > sizeof(buf))
		budget = sizeof(buf);
	if ((r = lp_dgram_split_init(&sp, frame, len, budget, p->frag_id++)) < 0)
		return r;
	while ((n = lp_dgram_split_next(&sp, buf, sizeof(buf))) > 0) {
		if ((r = lp_quic_conn_send_datagram(p->q, buf, (size_t)n)) < 0)
			return r;
		count++;
	}
	if (n < 0)
		return (int)n;
	p->dgrams_tx += (uint64_t)count;
	if (count > 1)
		p->frags_tx += (uint64_t)count;
	return count;
}

int peer_send_ctrl(struct peer *p, const struct lp_ctrl_msg *m)
{
	uint8_t buf[LP_CTRL_HDR_LEN + 4096];
	ssize_t n = lp_ctrl_encode(m, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return peer_send_raw(p, buf, (size_t)n);
}

int peer_send_raw(struct peer *p, const uint8_t *data, size_t len)
{
	return lp_quic_conn_stream_send(p->q, data, len);
}

/* ------------------------------------------------------------ queries */

size_t peer_budget(const struct peer *p)
{
	return p->q ? lp_quic_conn_dgram_budget(p->q) : 0;
}

uint32_t peer_id(const struct peer *p)
{
	return p->welcomed ? p->welcome.welcome.member_id : 0;
}

int64_t peer_close_app_code(const struct peer *p)
{
	if (!p->closed || !p->close.app)
		return -1;
	return (int64_t)p->close.code;
}

int peer_reject_reason(const struct peer *p)
{
	enum lp_reject_reason r;

	if (p->rejected)
		return (int)p->reject.reason;
	if (p->closed && p->close.app && lp_reject_from_close_code(p->close.code, &r))
		return (int)r;
	return -1;
}

int peer_disconnect_reason(const struct peer *p)
{
	enum lp_disconnect_reason r;

	if (p->disconnected)
		return (int)p->disconnect.reason;
	if (p->closed && p->close.app && lp_disconnect_from_close_code(p->close.code, &r))
		return (int)r;
	return -1;
}

size_t peer_count_frame(const struct peer *p, const uint8_t *frame, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_frames; i++)
		if (p->frames[i].len == len && memcmp(p->frames[i].data, frame, len) == 0)
			n++;
	return n;
}

const struct lp_ctrl_member *peer_find_joined(const struct peer *p, uint32_t id)
{
	for (size_t i = 0; i < p->n_joined; i++)
		if (p->joined[i].id == id)
			return &p->joined[i];
	return NULL;
}

const struct lp_ctrl_peer_left *peer_find_left(const struct peer *p, uint32_t id)
{
	for (size_t i = 0; i < p->n_left; i++)
		if (p->left[i].member_id == id)
			return &p->left[i];
	return NULL;
}

const struct lp_ctrl_member *peer_find_member(const struct peer *p, uint32_t id)
{
	if (!p->welcomed)
		return NULL;
	for (size_t i = 0; i < p->welcome.welcome.n_members; i++)
		if (p->welcome.welcome.members[i].id == id)
			return &p->welcome.welcome.members[i];
	return NULL;
}

/* ------------------------------------------------------------ frames */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

size_t peer_frame_build(uint8_t *buf, size_t cap, size_t len, const struct lp_mac *dst,
			const struct lp_mac *src, uint16_t ethertype, uint32_t seq)
{
	if (len < 14 || len > cap)
		return 0;
	memcpy(buf, dst->b, LP_MAC_LEN);
	memcpy(buf + 6, src->b, LP_MAC_LEN);
	put16(buf + 12, ethertype);
	for (size_t i = 14; i < len; i++)
		buf[i] = (uint8_t)(seq * 131u + i * 7u + (i >> 8));
	if (len >= 18) {
		buf[14] = (uint8_t)(seq >> 24);
		buf[15] = (uint8_t)(seq >> 16);
		buf[16] = (uint8_t)(seq >> 8);
		buf[17] = (uint8_t)seq;
	}
	return len;
}

/* The ones' complement sum of the IPv4 header. */
static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t peer_frame_dhcp_offer(uint8_t *buf, size_t cap, const struct lp_mac *src)
{
	/* Ethernet 14 + IPv4 20 + UDP 8 + BOOTP 236 + magic and options 64. */
	const size_t bootp = 236 + 64, udp = 8 + bootp, ip = 20 + udp, len = 14 + ip;
	static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t *h = buf + 14, *u = h + 20, *b = u + 8;

	if (cap < len)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, bcast.b, LP_MAC_LEN);
	memcpy(buf + 6, src->b, LP_MAC_LEN);
	put16(buf + 12, 0x0800);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)ip);
	h[8] = 64;
	h[9] = 17; /* UDP */
	memcpy(h + 12, (const uint8_t[]){ 192, 168, 1, 1 }, 4);
	memcpy(h + 16, (const uint8_t[]){ 255, 255, 255, 255 }, 4);
	put16(h + 10, ip_checksum(h, 20));
	put16(u, 67);
	put16(u + 2, 68);
	put16(u + 4, (uint16_t)udp);
	b[0] = 2; /* BOOTREPLY */
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 16, (const uint8_t[]){ 192, 168, 1, 50 }, 4);		 /* yiaddr */
	memcpy(b + 236, (const uint8_t[]){ 99, 130, 83, 99, 53, 1, 2, 255 }, 8); /* OFFER */
	return len;
}

const char *peer_describe(const struct peer *p)
{
	static char buf[1024];
	char rej[96] = "", disc[96] = "", cls[96] = "open";

	if (p->rejected)
		snprintf(rej, sizeof(rej), " reject=%s(\"%.60s\")",
			 lp_reject_reason_name(p->reject.reason), p->reject.message);
	if (p->disconnected)
		snprintf(disc, sizeof(disc), " disconnect=%s",
			 lp_disconnect_reason_name(p->disconnect.reason));
	if (p->closed)
		snprintf(cls, sizeof(cls), "closed(%s %s0x%llx \"%.40s\")",
			 lp_quic_close_kind_str(p->close.kind), p->close.app ? "app " : "",
			 (unsigned long long)p->close.code, p->close.reason);
	snprintf(buf, sizeof(buf),
		 "%s: handshake=%d member=%u%s%s %s frames=%llu dgrams=%llu frags=%llu bad=%llu "
		 "ctrl_errors=%zu%s%s",
		 p->label, p->handshake, peer_id(p), rej, disc, cls,
		 (unsigned long long)p->frames_total, (unsigned long long)p->dgrams_rx,
		 (unsigned long long)p->frags_rx, (unsigned long long)p->dgrams_bad, p->ctrl_errors,
		 p->ctrl_errors ? " last: " : "", p->ctrl_error);
	return buf;
}

void peer_dump_all(void)
{
	for (const struct peer *p = peers; p; p = p->next)
		fprintf(stderr, "  peer %s\n", peer_describe(p));
}
