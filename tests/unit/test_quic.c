/*
 * Unit tests for shared/quic*.c: real QUIC over real UDP sockets on
 * 127.0.0.1, client and server in this one process, driven by a small poll
 * loop (pump) the way the relay and the agents drive them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "ctrl.h"
#include "err.h"
#include "quic.h"
#include "tls.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define RX_MAX	(256 * 1024)
#define NDGRAMS 100

struct end {
	int fd;
	struct sockaddr_in addr;
	struct lp_quic_conn *c;
	bool handshake;
	int closes;
	struct lp_quic_close close;
	size_t dgrams, dgram_bad;
	bool echo;	      /* echo datagrams back */
	const char *close_on; /* close (kicked) when stream data holds this */
	uint8_t *rx;	      /* stream bytes received */
	size_t rx_len;
	bool batch; /* write with lp_quic_conn_write_batch + GSO */
	size_t batches, batched_pkts;
};

struct h {
	struct end cli, srv;
	struct lp_tls_creds *screds, *ccreds;
	struct lp_quic_config scfg, ccfg;
	struct lp_quic_callbacks cbs;
	uint8_t secret[LP_QUIC_SECRET_LEN];
	bool retry;
	bool forget_server; /* route as a relay that lost its state */
	int retries_sent, resets_sent, vns_sent;
	struct lp_quic_initial last_ini;
};

/* ------------------------------------------------------------ callbacks */

static void on_handshake_done(struct lp_quic_conn *c, void *ud)
{
	struct end *e = ud;

	(void)c;
	e->handshake = true;
}

static void on_stream_data(struct lp_quic_conn *c, int64_t id, const uint8_t *data, size_t len,
			   bool fin, void *ud)
{
	struct end *e = ud;

	(void)fin;
	assert_int_equal(id, 0);
	assert_true(e->rx_len + len <= RX_MAX);
	memcpy(e->rx + e->rx_len, data, len);
	e->rx_len += len;
	if (e->close_on && memmem(e->rx, e->rx_len, e->close_on, strlen(e->close_on))) {
		e->close_on = NULL;
		/* From inside a callback: the close is deferred, not lost. */
		assert_int_equal(lp_quic_conn_close(c,
						    lp_disconnect_close_code(LP_DISCONNECT_KICKED),
						    "kicked by admin", lp_quic_now()),
				 0);
		assert_false(lp_quic_conn_is_open(c));
	}
}

/* Datagram i: 4-byte index, then a pattern that depends on it. */
static void fill_dgram(uint8_t *buf, size_t len, uint32_t i)
{
	for (size_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31u + k * 7u + 1u);
	if (len >= 4)
		memcpy(buf, &i, 4);
}

static bool dgram_ok(const uint8_t *buf, size_t len)
{
	uint8_t want[LP_QUIC_MAX_UDP_PAYLOAD];
	uint32_t i;

	if (len < 4 || len > sizeof(want))
		return false;
	memcpy(&i, buf, 4);
	fill_dgram(want, len, i);
	return memcmp(want, buf, len) == 0;
}

static void on_datagram(struct lp_quic_conn *c, const uint8_t *data, size_t len, void *ud)
{
	struct end *e = ud;

	e->dgrams++;
	if (!dgram_ok(data, len))
		e->dgram_bad++;
	/* Queueing from inside a callback is allowed. */
	if (e->echo)
		assert_int_equal(lp_quic_conn_send_datagram(c, data, len), 0);
}

static void on_close(struct lp_quic_conn *c, const struct lp_quic_close *info, void *ud)
{
	struct end *e = ud;

	assert_ptr_equal(info, lp_quic_conn_close_info(c));
	assert_true(lp_quic_conn_is_closed(c));
	e->closes++;
	e->close = *info;
}

/* ------------------------------------------------------------ harness */

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

static struct lp_quic_path path_of(struct end *e, const struct sockaddr *remote, socklen_t len)
{
	struct lp_quic_path p = {
		.local = (const struct sockaddr *)&e->addr,
		.local_len = sizeof(e->addr),
		.remote = remote,
		.remote_len = len,
	};
	return p;
}

static void h_setup(struct h *h)
{
	struct lp_tls_pem pem;

	memset(h, 0, sizeof(*h));
	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_int_equal(lp_tls_creds_server_new(&pem, &h->screds, NULL, 0), 0);
	lp_tls_pem_free(&pem);
	assert_int_equal(lp_tls_creds_client_pinned_new(lp_tls_creds_pin(h->screds), &h->ccreds),
			 0);
	assert_int_equal(gnutls_rnd(GNUTLS_RND_RANDOM, h->secret, sizeof(h->secret)), 0);
	h->scfg.secret = h->secret;
	h->cbs.on_handshake_done = on_handshake_done;
	h->cbs.on_stream_data = on_stream_data;
	h->cbs.on_datagram = on_datagram;
	h->cbs.on_close = on_close;
	h->cli.fd = udp_socket(&h->cli.addr);
	h->srv.fd = udp_socket(&h->srv.addr);
	h->cli.rx = malloc(RX_MAX);
	h->srv.rx = malloc(RX_MAX);
	assert_non_null(h->cli.rx);
	assert_non_null(h->srv.rx);
}

/* Start the client: after h_setup and any change to creds or configs. */
static void h_connect(struct h *h, const char *server_name)
{
	struct lp_quic_path p =
		path_of(&h->cli, (const struct sockaddr *)&h->srv.addr, sizeof(h->srv.addr));

	assert_int_equal(lp_quic_conn_client_new(&h->cli.c, h->ccreds, server_name, &h->ccfg,
						 &h->cbs, &h->cli, &p, lp_quic_now()),
			 0);
}

static void h_teardown(struct h *h)
{
	lp_quic_conn_free(h->cli.c);
	lp_quic_conn_free(h->srv.c);
	lp_tls_creds_unref(h->screds);
	lp_tls_creds_unref(h->ccreds);
	close(h->cli.fd);
	close(h->srv.fd);
	free(h->cli.rx);
	free(h->srv.rx);
}

static void send_to(int fd, const uint8_t *buf, size_t len, const struct lp_quic_addr *to)
{
	ssize_t n = sendto(fd, buf, len, 0, (const struct sockaddr *)&to->ss, to->len);

	assert_int_equal(n, (ssize_t)len);
}

/* One sendmsg with UDP_SEGMENT, or one sendto per packet if GSO is refused. */
static void send_batch(int fd, const uint8_t *buf, const struct lp_quic_batch *b)
{
	char cbuf[CMSG_SPACE(sizeof(uint16_t))];
	struct iovec iov = { (void *)(uintptr_t)buf, b->len };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	uint16_t seg = (uint16_t)b->seg_size;

	if (b->count > 1) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_name = (void *)(uintptr_t)&b->to.ss;
		msg.msg_namelen = b->to.len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
		if (sendmsg(fd, &msg, 0) == (ssize_t)b->len)
			return;
	}
	for (size_t off = 0; off < b->len; off += b->seg_size) {
		size_t n = b->len - off < b->seg_size ? b->len - off : b->seg_size;

		send_to(fd, buf + off, n, &b->to);
	}
}

static void flush(struct end *e, uint64_t now)
{
	uint8_t buf[LP_QUIC_PKT_BUF * 8];
	struct lp_quic_batch b;
	struct lp_quic_addr to;
	ssize_t n;

	if (!e->c)
		return;
	if (e->batch) {
		for (;;) {
			assert_int_equal(
				lp_quic_conn_write_batch(e->c, buf, sizeof(buf), 8, &b, now), 0);
			if (b.count == 0)
				return;
			/* GSO shape: every segment full-size but the last. */
			assert_true(b.len <= b.count * b.seg_size);
			assert_true(b.len > (b.count - 1) * b.seg_size);
			e->batches++;
			e->batched_pkts += b.count;
			send_batch(e->fd, buf, &b);
		}
	}
	while ((n = lp_quic_conn_write(e->c, buf, sizeof(buf), &to, now)) > 0)
		send_to(e->fd, buf, (size_t)n, &to);
	assert_true(n == 0);
}

static void srv_packet(struct h *h, const uint8_t *pkt, size_t n, const struct sockaddr_in *from,
		       uint64_t now)
{
	const struct sockaddr *sa = (const struct sockaddr *)from;
	struct lp_quic_path p = path_of(&h->srv, sa, sizeof(*from));
	struct lp_quic_addr to = { .len = sizeof(*from) };
	uint8_t out[LP_QUIC_PKT_BUF];
	struct lp_quic_initial ini;
	struct lp_quic_ids ids;
	ssize_t m;
	int r;

	memcpy(&to.ss, from, sizeof(*from));
	r = lp_quic_decode_ids(pkt, n, &ids);
	if (r == LP_ERR_VERSION) {
		m = lp_quic_write_version_negotiation(out, sizeof(out), &ids, 0x2a);
		assert_true(m > 0);
		send_to(h->srv.fd, out, (size_t)m, &to);
		h->vns_sent++;
		return;
	}
	if (r != 0)
		return;
	if (h->srv.c && !h->forget_server) {
		(void)lp_quic_conn_read(h->srv.c, &p, pkt, n, now);
		return;
	}
	if (!ids.long_header) {
		assert_int_equal(ids.dcid_len, LP_QUIC_CID_LEN);
		m = lp_quic_write_stateless_reset(out, sizeof(out), h->secret, ids.dcid,
						  ids.dcid_len, n);
		if (m > 0) {
			assert_true((size_t)m < n);
			send_to(h->srv.fd, out, (size_t)m, &to);
			h->resets_sent++;
		}
		return;
	}
	if (h->forget_server || lp_quic_accept(pkt, n, &ini) != 0)
		return;
	if (ini.token_len) {
		if (lp_quic_retry_verify(&ini, h->secret, sa, sizeof(*from), now) != 0)
			return;
	} else if (h->retry) {
		m = lp_quic_retry_write(out, sizeof(out), &ini, h->secret, sa, sizeof(*from), now);
		assert_true(m > 0);
		send_to(h->srv.fd, out, (size_t)m, &to);
		h->retries_sent++;
		return;
	}
	h->last_ini = ini;
	h->last_ini.token = NULL;
	assert_int_equal(lp_quic_conn_server_new(&h->srv.c, h->screds, &h->scfg, &h->cbs, &h->srv,
						 &ini, &p, now),
			 0);
	(void)lp_quic_conn_read(h->srv.c, &p, pkt, n, now);
}

static void drain(struct h *h, struct end *e, uint64_t now)
{
	uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(e->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			return;
		}
		if (e == &h->srv) {
			srv_packet(h, buf, (size_t)n, &from, now);
		} else if (e->c) {
			struct lp_quic_path p = path_of(e, (struct sockaddr *)&from, fl);

			(void)lp_quic_conn_read(e->c, &p, buf, (size_t)n, now);
		}
	}
}

static uint64_t expiry_of(const struct end *e)
{
	return e->c ? lp_quic_conn_expiry(e->c) : UINT64_MAX;
}

static void run_timers(struct end *e, uint64_t now)
{
	if (e->c && lp_quic_conn_expiry(e->c) <= now)
		(void)lp_quic_conn_handle_expiry(e->c, now);
}

/* Run the loop until done(h) or max_ms pass; returns done's last answer. */
static bool pump(struct h *h, uint64_t max_ms, bool (*done)(struct h *))
{
	uint64_t deadline = lp_quic_now() + max_ms * LP_QUIC_NS_PER_MS;

	for (;;) {
		uint64_t now = lp_quic_now(), next = deadline;
		struct pollfd pfd[2] = { { h->cli.fd, POLLIN, 0 }, { h->srv.fd, POLLIN, 0 } };
		struct timespec tmo;

		run_timers(&h->cli, now);
		run_timers(&h->srv, now);
		flush(&h->cli, now);
		flush(&h->srv, now);
		if (done && done(h))
			return true;
		if (now >= deadline)
			return false;
		if (expiry_of(&h->cli) < next)
			next = expiry_of(&h->cli);
		if (expiry_of(&h->srv) < next)
			next = expiry_of(&h->srv);
		next = next > now ? next - now : 0;
		tmo.tv_sec = (time_t)(next / LP_QUIC_NS_PER_S);
		tmo.tv_nsec = (long)(next % LP_QUIC_NS_PER_S);
		assert_true(ppoll(pfd, 2, &tmo, NULL) >= 0);
		now = lp_quic_now();
		drain(h, &h->cli, now);
		drain(h, &h->srv, now);
	}
}

static bool both_open(struct h *h)
{
	return h->cli.handshake && h->srv.handshake;
}

static bool both_closed(struct h *h)
{
	return h->cli.closes && h->srv.closes;
}

static bool both_dead(struct h *h)
{
	return (!h->cli.c || lp_quic_conn_is_dead(h->cli.c)) &&
	       (!h->srv.c || lp_quic_conn_is_dead(h->srv.c));
}

static bool client_closed(struct h *h)
{
	return h->cli.closes > 0;
}

static void h_open(struct h *h)
{
	h_connect(h, "relay.example");
	assert_true(pump(h, 3000, both_open));
	assert_true(lp_quic_conn_is_open(h->cli.c));
	assert_true(lp_quic_conn_is_open(h->srv.c));
}

/* ------------------------------------------------------------ tests */

/* The QUIC layer's codes stay out of the control protocol's ranges. */
static void test_app_codes(void **state)
{
	(void)state;
	assert_int_equal(LP_QUIC_APP_SHUTDOWN, lp_disconnect_close_code(LP_DISCONNECT_SHUTDOWN));
	assert_true(LP_QUIC_APP_ALPN < LP_CLOSE_REJECT_BASE);
	assert_string_equal(lp_quic_app_code_str(LP_QUIC_APP_NO_DATAGRAM),
			    "DATAGRAM not supported");
	assert_string_equal(lp_quic_app_code_str(LP_QUIC_APP_SHUTDOWN), "shutting down");
	assert_string_equal(lp_quic_app_code_str(lp_reject_close_code(LP_REJECT_ROOM_FULL)),
			    "rejected");
	assert_string_equal(lp_quic_app_code_str(0x300), "unknown");
	assert_string_equal(lp_quic_close_kind_str(LP_QUIC_CLOSE_IDLE), "idle timeout");
}

static void test_budget_vectors(void **state)
{
	static const struct {
		size_t path, dcid;
		uint64_t peer;
		size_t want;
	} v[] = {
		{ 1452, 16, 65535, 1412 }, /* PMTUD reached 1452, softlan CIDs */
		{ 1200, 16, 65535, 1160 }, /* before PMTUD */
		{ 1452, 20, 65535, 1408 },
		{ 1452, 0, 65535, 1428 },
		{ 1452, 16, 0, 0 }, /* peer has no DATAGRAM */
		{ 1452, 16, 3, 0 },
		{ 1452, 16, 100, 97 }, /* bounded by the peer's frame size */
		{ 1452, 16, 1415, 1412 },
		{ 1452, 16, 1414, 1411 },
		{ 40, 16, 65535, 0 },
		{ 41, 16, 65535, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(lp_quic_dgram_budget(v[i].path, v[i].dcid, v[i].peer), v[i].want);
}

static void test_version_negotiation(void **state)
{
	/* Vector (docs/.parts/quic.md): a long header of unknown version
	 * 0x1a2a3a4a, DCID 01..08, SCID a1..a4, padded to 1200 bytes. */
	static const uint8_t head[] = { 0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 0x08, 0x01, 0x02, 0x03, 0x04,
					0x05, 0x06, 0x07, 0x08, 0x04, 0xa1, 0xa2, 0xa3, 0xa4 };
	static const uint8_t want[] = { 0xea, 0x00, 0x00, 0x00, 0x00, 0x04, 0xa1, 0xa2,
					0xa3, 0xa4, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05,
					0x06, 0x07, 0x08, 0x00, 0x00, 0x00, 0x01 };
	uint8_t pkt[1200] = { 0 }, out[64];
	struct lp_quic_ids ids;

	(void)state;
	memcpy(pkt, head, sizeof(head));
	assert_int_equal(lp_quic_decode_ids(pkt, sizeof(pkt), &ids), LP_ERR_VERSION);
	assert_true(ids.long_header);
	assert_int_equal(ids.version, 0x1a2a3a4a);
	assert_int_equal(ids.dcid_len, 8);
	assert_ptr_equal(ids.dcid, pkt + 6);
	assert_int_equal(ids.scid_len, 4);
	assert_ptr_equal(ids.scid, pkt + 15);
	assert_int_equal(lp_quic_write_version_negotiation(out, sizeof(out), &ids, 0x2a),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* High bits of the random byte are ignored. */
	assert_int_equal(lp_quic_write_version_negotiation(out, sizeof(out), &ids, 0xea),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(lp_quic_write_version_negotiation(out, sizeof(want) - 1, &ids, 0),
			 LP_ERR_NOBUF);

	/* Too small to deserve an answer (no amplification). */
	assert_int_equal(lp_quic_decode_ids(pkt, 1199, &ids), LP_ERR_INVALID);
	/* QUIC v2 is not softlan's either. */
	pkt[1] = 0x6b;
	pkt[2] = 0x33;
	pkt[3] = 0x43;
	pkt[4] = 0xcf;
	assert_int_equal(lp_quic_decode_ids(pkt, sizeof(pkt), &ids), LP_ERR_VERSION);
	/* Version 0 is a Version Negotiation packet: never for a server. */
	memset(pkt + 1, 0, 4);
	assert_int_equal(lp_quic_decode_ids(pkt, sizeof(pkt), &ids), LP_ERR_INVALID);
	/* QUIC v1 decodes; a short header takes LP_QUIC_CID_LEN bytes of DCID. */
	pkt[4] = 0x01;
	assert_int_equal(lp_quic_decode_ids(pkt, 40, &ids), 0);
	assert_int_equal(ids.version, 1);
	pkt[0] = 0x40;
	assert_int_equal(lp_quic_decode_ids(pkt, 1 + LP_QUIC_CID_LEN, &ids), 0);
	assert_false(ids.long_header);
	assert_int_equal(ids.dcid_len, LP_QUIC_CID_LEN);
	assert_ptr_equal(ids.dcid, pkt + 1);
	assert_null(ids.scid);
	assert_int_equal(lp_quic_decode_ids(pkt, LP_QUIC_CID_LEN, &ids), LP_ERR_INVALID);
	assert_int_equal(lp_quic_decode_ids(pkt, 0, &ids), LP_ERR_INVALID);
	/* A short header is not an Initial; nor is a small v1 long header. */
	struct lp_quic_initial ini;

	assert_int_equal(lp_quic_accept(pkt, sizeof(pkt), &ini), LP_ERR_INVALID);
	pkt[0] = 0xc0;
	assert_int_equal(lp_quic_accept(pkt, 100, &ini), LP_ERR_INVALID);
	/* An Initial with a token but a DCID too short for any CID of ours
	 * (found by fuzz_quic_hdr: no Retry can be built for it). */
	{
		static const uint8_t short_dcid[] = { 0xc0, 0x00, 0x00, 0x00, 0x01, 0x00,
						      0x00, 0x05, 0xb1, 0x10, 0x05, 0xb1,
						      0xe9, 0x44, 0x00, 0x00 };
		uint8_t ipkt[1200] = { 0 };

		memcpy(ipkt, short_dcid, sizeof(short_dcid));
		assert_int_equal(lp_quic_decode_ids(ipkt, sizeof(ipkt), &ids), 0);
		assert_int_equal(ids.dcid_len, 0);
		assert_int_equal(lp_quic_accept(ipkt, sizeof(ipkt), &ini), LP_ERR_INVALID);
		/* The same with a 4-byte DCID. */
		memmove(ipkt + 10, ipkt + 6, sizeof(short_dcid) - 6);
		memcpy(ipkt + 5, "\x04\xd1\xd2\xd3\xd4", 5);
		assert_int_equal(lp_quic_decode_ids(ipkt, sizeof(ipkt), &ids), 0);
		assert_int_equal(ids.dcid_len, 4);
		assert_int_equal(lp_quic_accept(ipkt, sizeof(ipkt), &ini), LP_ERR_INVALID);
		/* Version Negotiation answers long headers only. */
		ipkt[0] = 0x40;
		assert_int_equal(lp_quic_decode_ids(ipkt, sizeof(ipkt), &ids), 0);
		assert_int_equal(lp_quic_write_version_negotiation(out, sizeof(out), &ids, 0),
				 LP_ERR_INVALID);
	}
}

static void test_stateless_reset_writer(void **state)
{
	uint8_t secret[LP_QUIC_SECRET_LEN] = { 1 }, dcid[LP_QUIC_CID_LEN] = { 2 };
	uint8_t a[LP_QUIC_PKT_BUF], b[LP_QUIC_PKT_BUF];

	(void)state;
	/* Never as long as the packet it answers. */
	assert_int_equal(
		lp_quic_write_stateless_reset(a, sizeof(a), secret, dcid, sizeof(dcid), 21), 0);
	assert_int_equal(
		lp_quic_write_stateless_reset(a, sizeof(a), secret, dcid, sizeof(dcid), 22), 21);
	assert_int_equal(
		lp_quic_write_stateless_reset(a, sizeof(a), secret, dcid, sizeof(dcid), 50), 49);
	assert_int_equal(
		lp_quic_write_stateless_reset(a, sizeof(a), secret, dcid, sizeof(dcid), 1400), 64);
	/* Short header form, and the token (last 16 bytes) depends only on secret and CID. */
	assert_int_equal(a[0] & 0xc0, 0x40);
	assert_int_equal(
		lp_quic_write_stateless_reset(b, sizeof(b), secret, dcid, sizeof(dcid), 1400), 64);
	assert_memory_equal(a + 48, b + 48, 16);
	dcid[0] ^= 1;
	assert_int_equal(
		lp_quic_write_stateless_reset(b, sizeof(b), secret, dcid, sizeof(dcid), 1400), 64);
	assert_memory_not_equal(a + 48, b + 48, 16);
	assert_int_equal(lp_quic_write_stateless_reset(a, 10, secret, dcid, sizeof(dcid), 1400),
			 LP_ERR_NOBUF);
	assert_int_equal(lp_quic_write_stateless_reset(a, sizeof(a), secret, dcid, 0, 1400),
			 LP_ERR_INVALID);
}

static void test_config_errors(void **state)
{
	struct h h;
	struct lp_quic_conn *c = NULL;
	struct lp_quic_path p;
	struct lp_quic_initial ini = { .version = 1, .dcid = { .len = 8 }, .scid = { .len = 8 } };

	(void)state;
	h_setup(&h);
	p = path_of(&h.cli, (const struct sockaddr *)&h.srv.addr, sizeof(h.srv.addr));
	h.ccfg.max_udp_payload = 1000;
	assert_int_equal(lp_quic_conn_client_new(&c, h.ccreds, NULL, &h.ccfg, NULL, NULL, &p, 1),
			 LP_ERR_INVALID);
	h.ccfg.max_udp_payload = 1500;
	assert_int_equal(lp_quic_conn_client_new(&c, h.ccreds, NULL, &h.ccfg, NULL, NULL, &p, 1),
			 LP_ERR_INVALID);
	h.ccfg.max_udp_payload = 0;
	h.ccfg.dgram_queue = LP_QUIC_DGRAM_QUEUE_MAX + 1;
	assert_int_equal(lp_quic_conn_client_new(&c, h.ccreds, NULL, &h.ccfg, NULL, NULL, &p, 1),
			 LP_ERR_INVALID);
	h.ccfg.dgram_queue = 0;
	/* Server credentials on a client, and the reverse. */
	assert_int_equal(lp_quic_conn_client_new(&c, h.screds, NULL, &h.ccfg, NULL, NULL, &p, 1),
			 LP_ERR_INVALID);
	assert_int_equal(lp_quic_conn_server_new(&c, h.ccreds, &h.scfg, NULL, NULL, &ini, &p, 1),
			 LP_ERR_INVALID);
	/* A server needs the persistent secret. */
	assert_int_equal(lp_quic_conn_server_new(&c, h.screds, &h.ccfg, NULL, NULL, &ini, &p, 1),
			 LP_ERR_INVALID);
	p.remote = NULL;
	assert_int_equal(lp_quic_conn_client_new(&c, h.ccreds, NULL, &h.ccfg, NULL, NULL, &p, 1),
			 LP_ERR_INVALID);
	assert_null(c);
	lp_quic_conn_free(NULL);
	h_teardown(&h);
}

static void test_handshake(void **state)
{
	struct lp_quic_cid scids[8];
	struct lp_quic_info info;
	struct lp_quic_addr remote;
	char alpn[32];
	size_t n;
	struct h h;

	(void)state;
	h_setup(&h);
	h_open(&h);
	assert_int_equal(lp_quic_conn_get_alpn(h.cli.c, alpn, sizeof(alpn)), 0);
	assert_string_equal(alpn, LP_ALPN);
	assert_int_equal(lp_quic_conn_get_alpn(h.srv.c, alpn, sizeof(alpn)), 0);
	assert_string_equal(alpn, "lanparty/1");
	assert_int_equal(lp_quic_conn_get_alpn(h.srv.c, alpn, 5), LP_ERR_NOBUF);
	assert_false(lp_quic_conn_is_server(h.cli.c));
	assert_true(lp_quic_conn_is_server(h.srv.c));
	assert_ptr_equal(lp_quic_conn_user_data(h.srv.c), &h.srv);

	/* Routing material: the server's CIDs are all LP_QUIC_CID_LEN long. */
	n = lp_quic_conn_scids(h.srv.c, scids, 8);
	assert_true(n >= 1 && n <= 8);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(scids[i].len, LP_QUIC_CID_LEN);
	assert_memory_equal(lp_quic_conn_initial_dcid(h.srv.c), &h.last_ini.dcid,
			    sizeof(h.last_ini.dcid));
	assert_int_equal(lp_quic_conn_initial_dcid(h.cli.c)->len, LP_QUIC_CID_LEN);
	lp_quic_conn_remote(h.srv.c, &remote);
	assert_int_equal(remote.len, sizeof(h.cli.addr));
	assert_memory_equal(&remote.ss, &h.cli.addr, sizeof(h.cli.addr));

	/* PMTUD probes 1452 straight away; loopback takes it. */
	pump(&h, 200, NULL);
	lp_quic_conn_get_info(h.cli.c, &info);
	assert_int_equal(info.path_max_udp_payload, LP_QUIC_MAX_UDP_PAYLOAD);
	assert_int_equal(info.dgram_budget, lp_quic_dgram_budget(1452, LP_QUIC_CID_LEN, 65535));
	assert_int_equal(lp_quic_conn_dgram_budget(h.srv.c), 1412);
	assert_true(info.smoothed_rtt > 0);
	assert_true(info.cwnd > 0);
	assert_int_equal(h.cli.closes + h.srv.closes, 0);
	assert_true(lp_quic_conn_stats(h.cli.c)->pkts_sent > 0);
	assert_true(lp_quic_conn_stats(h.srv.c)->pkts_recv > 0);
	h_teardown(&h);
}

static bool echoes_done(struct h *h)
{
	return h->cli.dgrams >= NDGRAMS;
}

static void test_datagrams(void **state)
{
	uint8_t buf[LP_QUIC_MAX_UDP_PAYLOAD + 1];
	const struct lp_quic_stats *st;
	size_t budget, len;
	struct h h;

	(void)state;
	h_setup(&h);
	h.srv.echo = true;
	h.srv.batch = true;
	h_open(&h);
	pump(&h, 100, NULL);
	budget = lp_quic_conn_dgram_budget(h.cli.c);
	assert_true(budget >= 1160);

	for (uint32_t i = 0; i < NDGRAMS; i++) {
		/* Sizes over the whole range, including exactly the budget. */
		len = i % 10 == 9 ? budget : 4 + (i * 97u) % (budget - 3);
		fill_dgram(buf, len, i);
		while (lp_quic_conn_dgram_queue_room(h.cli.c) == 0)
			pump(&h, 2, NULL);
		assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, len), 0);
		if (i % 8 == 7)
			pump(&h, 1, NULL);
	}
	pump(&h, 2000, echoes_done);
	/* Loopback loses nothing in practice; allow a little. */
	assert_true(h.srv.dgrams >= NDGRAMS * 95 / 100);
	assert_true(h.cli.dgrams >= NDGRAMS * 90 / 100);
	assert_int_equal(h.srv.dgram_bad, 0);
	assert_int_equal(h.cli.dgram_bad, 0);
	assert_true(h.srv.batches > 0);

	/* One byte over the budget is refused and counted. */
	st = lp_quic_conn_stats(h.cli.c);
	fill_dgram(buf, budget + 1, 0);
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, budget + 1), LP_ERR_TOO_BIG);
	assert_int_equal(st->dgrams_drop_too_big, 1);
	assert_true(st->dgrams_sent >= NDGRAMS);
	assert_int_equal(st->dgrams_drop_full, 0);

	/* Pieces are concatenated. */
	{
		uint8_t part[10];
		struct iovec iov[2];

		fill_dgram(buf, 20, 12345);
		memcpy(part, buf, 10);
		iov[0].iov_base = part;
		iov[0].iov_len = 10;
		iov[1].iov_base = buf + 10;
		iov[1].iov_len = 10;
		h.srv.echo = false;
		h.srv.dgram_bad = 0;
		len = h.srv.dgrams;
		assert_int_equal(lp_quic_conn_send_datagramv(h.cli.c, iov, 2), 0);
		pump(&h, 200, NULL);
		assert_int_equal(h.srv.dgrams, len + 1);
		assert_int_equal(h.srv.dgram_bad, 0);
	}
	h_teardown(&h);
}

static void test_dgram_queue_full(void **state)
{
	uint8_t buf[100];
	struct h h;

	(void)state;
	h_setup(&h);
	h.ccfg.dgram_queue = 4;
	h_open(&h);
	fill_dgram(buf, sizeof(buf), 1);
	assert_int_equal(lp_quic_conn_dgram_queue_room(h.cli.c), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), LP_ERR_LIMIT);
	assert_int_equal(lp_quic_conn_stats(h.cli.c)->dgrams_drop_full, 1);
	/* Several datagrams share a packet: four small ones take at most two
	 * writes (the first may be taken by pending control frames). */
	{
		uint8_t pkt[LP_QUIC_PKT_BUF];
		struct lp_quic_addr to;
		int writes = 0, waits = 0;

		assert_int_equal(lp_quic_conn_write(h.cli.c, pkt, 100, &to, lp_quic_now()),
				 LP_ERR_NOBUF);
		while (lp_quic_conn_dgram_queue_room(h.cli.c) < 4) {
			uint64_t now = lp_quic_now();
			ssize_t n = lp_quic_conn_write(h.cli.c, pkt, sizeof(pkt), &to, now);

			assert_true(n >= 0);
			if (n > 0) {
				send_to(h.cli.fd, pkt, (size_t)n, &to);
				writes++;
				continue;
			}
			/* Paced or congestion-limited: wait for the timer, as a loop would. */
			assert_true(++waits < 100);
			while (lp_quic_now() < lp_quic_conn_expiry(h.cli.c) &&
			       lp_quic_now() < now + 20 * LP_QUIC_NS_PER_MS)
				nanosleep(&(struct timespec){ 0, 100000 }, NULL);
			(void)lp_quic_conn_handle_expiry(h.cli.c, lp_quic_now());
		}
		assert_true(writes <= 2);
	}
	pump(&h, 100, NULL);
	assert_int_equal(h.srv.dgrams, 4);
	h_teardown(&h);
}

/* A shared pool caps datagrams across connections, and sending gives its slots back. */
static void test_dgram_shared_pool(void **state)
{
	struct lp_quic_dgram_pool *pool;
	uint8_t buf[100];
	struct h h;

	(void)state;
	assert_int_equal(lp_quic_dgram_pool_new(&pool, 0), LP_ERR_INVALID);
	assert_int_equal(lp_quic_dgram_pool_new(&pool, 3), 0);
	assert_int_equal(lp_quic_dgram_pool_bytes(pool), 0);
	h_setup(&h);
	h.ccfg.dgram_queue = 8;
	h.ccfg.dgram_pool = pool;
	h_open(&h);
	fill_dgram(buf, sizeof(buf), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	assert_true(lp_quic_dgram_pool_bytes(pool) > 0);
	/* The queue has room, the pool has not. */
	assert_int_equal(lp_quic_conn_dgram_queue_room(h.cli.c), 5);
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), LP_ERR_LIMIT);
	assert_int_equal(lp_quic_conn_stats(h.cli.c)->dgrams_drop_full, 1);
	pump(&h, 100, NULL);
	assert_int_equal(h.srv.dgrams, 3);
	/* Sent: the slots are free again, and no new memory is needed for them. */
	size_t bytes = lp_quic_dgram_pool_bytes(pool);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 3; i++)
			assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
		pump(&h, 100, NULL);
	}
	assert_int_equal(h.srv.dgrams, 12);
	assert_int_equal(lp_quic_dgram_pool_bytes(pool), bytes);
	/* Queued datagrams of a freed connection go back to the pool. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	h_teardown(&h);
	lp_quic_dgram_pool_del(pool);
}

/* Over half a shared pool in use, one connection gets no more than its fair share. */
static void test_dgram_pool_fair_share(void **state)
{
	struct lp_quic_dgram_pool *pool;
	uint8_t buf[100];
	struct h h;
	int i;

	(void)state;
	assert_int_equal(lp_quic_dgram_pool_new(&pool, 100), 0);
	h_setup(&h);
	h.ccfg.dgram_queue = 90;
	h.ccfg.dgram_pool = pool;
	h_open(&h);
	fill_dgram(buf, sizeof(buf), 1);
	for (i = 0; i < 90; i++)
		if (lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)) != 0)
			break;
	/* 64 fit; past half the pool the 65th is refused though the queue has room. */
	assert_int_equal(i, 64);
	assert_int_equal(lp_quic_conn_stats(h.cli.c)->dgrams_drop_full, 1);
	assert_true(lp_quic_conn_dgram_queue_room(h.cli.c) > 0);
	h_teardown(&h);
	lp_quic_dgram_pool_del(pool);

	/* A pool with room to spare imposes nothing. */
	assert_int_equal(lp_quic_dgram_pool_new(&pool, 1000), 0);
	h_setup(&h);
	h.ccfg.dgram_queue = 90;
	h.ccfg.dgram_pool = pool;
	h_open(&h);
	for (i = 0; i < 90; i++)
		assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	h_teardown(&h);
	lp_quic_dgram_pool_del(pool);
}

static bool srv_got_all(struct h *h)
{
	return h->srv.rx_len >= 150000 && h->cli.rx_len >= 100000;
}

static void stream_send_all(struct h *h, struct lp_quic_conn *c, const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t chunk = len - off < 5000 ? len - off : 5000;
		int r = lp_quic_conn_stream_send(c, data + off, chunk);

		if (r == LP_ERR_LIMIT) {
			pump(h, 5, NULL);
			continue;
		}
		assert_int_equal(r, 0);
		off += chunk;
	}
}

static void test_stream(void **state)
{
	uint8_t *big = malloc(150000);
	struct h h;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < 150000; i++)
		big[i] = (uint8_t)(i * 13 + i / 256);
	h_setup(&h);
	/* Queued before the handshake: sent once the stream can open. */
	h_connect(&h, "relay.example");
	assert_int_equal(lp_quic_conn_stream_send(h.cli.c, big, 1000), 0);
	assert_true(pump(&h, 3000, both_open));
	/* The server can only answer on the client's stream. */
	if (h.srv.rx_len == 0)
		assert_int_equal(lp_quic_conn_stream_send(h.srv.c, big, 10), LP_ERR_STATE);
	assert_int_equal(lp_quic_conn_stream_send(h.cli.c, big, LP_QUIC_STREAM_BUF_DEFAULT + 1),
			 LP_ERR_TOO_BIG);
	stream_send_all(&h, h.cli.c, big + 1000, 149000);
	while (h.srv.rx_len == 0)
		pump(&h, 5, NULL);
	stream_send_all(&h, h.srv.c, big, 100000);
	assert_true(pump(&h, 3000, srv_got_all));
	assert_int_equal(h.srv.rx_len, 150000);
	assert_memory_equal(h.srv.rx, big, 150000);
	assert_int_equal(h.cli.rx_len, 100000);
	assert_memory_equal(h.cli.rx, big, 100000);
	pump(&h, 100, NULL);
	assert_int_equal(lp_quic_conn_stream_pending(h.cli.c), 0);
	assert_int_equal(lp_quic_conn_stream_pending(h.srv.c), 0);
	assert_int_equal(lp_quic_conn_stats(h.cli.c)->stream_bytes_sent, 150000);
	assert_int_equal(lp_quic_conn_stats(h.srv.c)->stream_bytes_recv, 150000);
	h_teardown(&h);
	free(big);
}

static void test_app_close(void **state)
{
	struct h h;

	(void)state;
	h_setup(&h);
	h.srv.close_on = "kick me";
	h_open(&h);
	assert_int_equal(lp_quic_conn_stream_send(h.cli.c, (const uint8_t *)"please kick me", 14),
			 0);
	assert_true(pump(&h, 2000, both_closed));
	assert_int_equal(h.srv.closes, 1);
	assert_int_equal(h.srv.close.kind, LP_QUIC_CLOSE_LOCAL);
	assert_true(h.srv.close.app);
	assert_int_equal(h.srv.close.code, 0x201); /* 0x200 + kicked */
	assert_int_equal(h.cli.closes, 1);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_PEER);
	assert_true(h.cli.close.app);
	assert_int_equal(h.cli.close.code, 0x201);
	assert_string_equal(h.cli.close.reason, "kicked by admin");
	assert_string_equal(lp_quic_app_code_str(h.cli.close.code), "disconnected");
	assert_string_equal(lp_quic_close_kind_str(h.cli.close.kind), "closed by peer");
	/* Closed connections queue nothing and close once. */
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, (const uint8_t *)"x", 1),
			 LP_ERR_STATE);
	assert_int_equal(lp_quic_conn_stream_send(h.cli.c, (const uint8_t *)"x", 1), LP_ERR_STATE);
	assert_int_equal(lp_quic_conn_close(h.cli.c, 0, NULL, lp_quic_now()), LP_ERR_STATE);
	assert_int_equal(lp_quic_conn_dgram_budget(h.cli.c), 0);
	/* Closing and draining end after three PTOs. */
	assert_true(pump(&h, 2000, both_dead));
	assert_int_equal(h.cli.closes + h.srv.closes, 2);
	assert_int_equal(lp_quic_conn_expiry(h.cli.c), UINT64_MAX);
	h_teardown(&h);
}

static void test_local_close_reason(void **state)
{
	char reason[300];
	struct h h;

	(void)state;
	h_setup(&h);
	h_open(&h);
	/* Over-long and non-printable reasons are cut and cleaned. */
	memset(reason, 'r', sizeof(reason));
	reason[0] = '\n';
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(lp_quic_conn_close(h.cli.c, LP_QUIC_APP_SHUTDOWN, reason, lp_quic_now()),
			 0);
	assert_int_equal(h.cli.closes, 1);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_LOCAL);
	/* The CONNECTION_CLOSE is waiting: the timer says "now"... */
	assert_int_equal(lp_quic_conn_expiry(h.cli.c), 0);
	/* ...and a loop that runs timers first, even long after (a stalled
	 * process), must still get to send it. */
	assert_int_equal(lp_quic_conn_handle_expiry(h.cli.c, lp_quic_now() + 10 * LP_QUIC_NS_PER_S),
			 LP_ERR_STATE);
	assert_false(lp_quic_conn_is_dead(h.cli.c));
	assert_true(pump(&h, 2000, both_closed));
	assert_int_equal(h.srv.close.kind, LP_QUIC_CLOSE_PEER);
	assert_int_equal(h.srv.close.code, LP_QUIC_APP_SHUTDOWN);
	assert_int_equal(strlen(h.srv.close.reason), LP_QUIC_REASON_MAX);
	assert_int_equal(h.srv.close.reason[0], '?');
	assert_int_equal(h.srv.close.reason[1], 'r');
	h_teardown(&h);
}

static void test_wrong_pin(void **state)
{
	uint8_t pin[LP_TLS_PIN_LEN];
	struct h h;

	(void)state;
	h_setup(&h);
	memcpy(pin, lp_tls_creds_pin(h.screds), sizeof(pin));
	pin[31] ^= 1;
	lp_tls_creds_unref(h.ccreds);
	assert_int_equal(lp_tls_creds_client_pinned_new(pin, &h.ccreds), 0);
	h_connect(&h, "relay.example");
	assert_true(pump(&h, 3000, client_closed));
	assert_false(h.cli.handshake);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_LOCAL);
	assert_false(h.cli.close.app);
	assert_int_equal(h.cli.close.tls_alert, 42); /* bad_certificate */
	assert_int_equal(h.cli.close.code, 0x100 + 42);
	/* The server hears why. */
	assert_true(pump(&h, 2000, both_closed));
	assert_false(h.srv.handshake);
	assert_int_equal(h.srv.close.kind, LP_QUIC_CLOSE_PEER);
	assert_int_equal(h.srv.close.tls_alert, 42);
	h_teardown(&h);
}

static void test_system_trust_rejects_self_signed(void **state)
{
	char why[LP_TLS_WHY_LEN];
	struct h h;
	int err;

	(void)state;
	h_setup(&h);
	lp_tls_creds_unref(h.ccreds);
	err = lp_tls_creds_client_system_new(&h.ccreds, why, sizeof(why));
	if (err == LP_ERR_NOT_FOUND) {
		h.ccreds = NULL;
		h_teardown(&h);
		skip();
		return;
	}
	assert_int_equal(err, 0);
	h_connect(&h, "relay.example");
	assert_true(pump(&h, 3000, client_closed));
	assert_false(h.cli.handshake);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_LOCAL);
	assert_true(h.cli.close.tls_alert != 0);
	h_teardown(&h);
}

static void test_alpn_mismatch(void **state)
{
	struct h h;

	(void)state;
	h_setup(&h);
	h.ccfg.alpn = "lanparty/9";
	h_connect(&h, "relay.example");
	assert_true(pump(&h, 3000, both_closed));
	assert_false(h.cli.handshake);
	assert_false(h.srv.handshake);
	assert_int_equal(h.srv.close.kind, LP_QUIC_CLOSE_LOCAL);
	assert_int_equal(h.srv.close.tls_alert, 120); /* no_application_protocol */
	assert_int_equal(h.cli.close.tls_alert, 120);
	h_teardown(&h);
}

static void test_idle_timeout(void **state)
{
	uint64_t t0;
	struct h h;

	(void)state;
	h_setup(&h);
	h.ccfg.idle_timeout = 300 * LP_QUIC_NS_PER_MS;
	h.scfg.idle_timeout = 300 * LP_QUIC_NS_PER_MS;
	h.ccfg.keep_alive = UINT64_MAX;
	h_open(&h);
	t0 = lp_quic_now();
	assert_true(pump(&h, 3000, both_closed));
	assert_true(lp_quic_now() - t0 >= 250 * LP_QUIC_NS_PER_MS);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_IDLE);
	assert_int_equal(h.srv.close.kind, LP_QUIC_CLOSE_IDLE);
	/* Nothing to send, nothing to wait for. */
	assert_true(lp_quic_conn_is_dead(h.cli.c));
	assert_true(lp_quic_conn_is_dead(h.srv.c));
	h_teardown(&h);
}

static void test_keep_alive(void **state)
{
	struct h h;

	(void)state;
	h_setup(&h);
	h.ccfg.idle_timeout = 300 * LP_QUIC_NS_PER_MS;
	h.scfg.idle_timeout = 300 * LP_QUIC_NS_PER_MS;
	h.ccfg.keep_alive = 60 * LP_QUIC_NS_PER_MS;
	h_open(&h);
	assert_false(pump(&h, 1000, both_closed));
	assert_true(lp_quic_conn_is_open(h.cli.c));
	assert_true(lp_quic_conn_is_open(h.srv.c));
	h_teardown(&h);
}

static void test_handshake_timeout(void **state)
{
	struct h h;

	(void)state;
	h_setup(&h);
	h.ccfg.handshake_timeout = 200 * LP_QUIC_NS_PER_MS;
	/* A server that never answers. */
	h.forget_server = true;
	h_connect(&h, "relay.example");
	assert_true(pump(&h, 3000, client_closed));
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_HANDSHAKE_TIMEOUT);
	assert_true(lp_quic_conn_is_dead(h.cli.c));
	h_teardown(&h);
}

static void test_retry(void **state)
{
	uint8_t buf[64];
	struct h h;

	(void)state;
	h_setup(&h);
	h.retry = true;
	h_open(&h);
	assert_int_equal(h.retries_sent, 1);
	assert_true(h.last_ini.retried);
	assert_int_equal(h.last_ini.odcid.len, LP_QUIC_CID_LEN);
	/* The client's Initial after the Retry is addressed to the Retry's SCID. */
	assert_int_equal(h.last_ini.dcid.len, LP_QUIC_CID_LEN);
	assert_memory_not_equal(h.last_ini.dcid.data, h.last_ini.odcid.data, LP_QUIC_CID_LEN);
	fill_dgram(buf, sizeof(buf), 7);
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	pump(&h, 200, NULL);
	assert_int_equal(h.srv.dgrams, 1);
	h_teardown(&h);
}

static void test_retry_token_checks(void **state)
{
	struct lp_quic_initial ini = { 0 };
	uint8_t secret[LP_QUIC_SECRET_LEN] = { 9 }, pkt[LP_QUIC_PKT_BUF];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1234) };
	static const uint8_t not_retry[] = { 0x36, 1, 2, 3 };

	(void)state;
	ini.version = 1;
	ini.dcid.len = 8;
	ini.scid.len = 8;
	assert_int_equal(lp_quic_retry_verify(&ini, secret, (struct sockaddr *)&a, sizeof(a), 1),
			 LP_ERR_NOT_FOUND);
	ini.token = not_retry;
	ini.token_len = sizeof(not_retry);
	assert_int_equal(lp_quic_retry_verify(&ini, secret, (struct sockaddr *)&a, sizeof(a), 1),
			 LP_ERR_NOT_FOUND);
	/* A forged Retry token. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0xb6;
	ini.token = pkt;
	ini.token_len = 60;
	assert_int_equal(lp_quic_retry_verify(&ini, secret, (struct sockaddr *)&a, sizeof(a), 1),
			 LP_ERR_INVALID);
	assert_false(ini.retried);
	assert_true(lp_quic_retry_write(pkt, sizeof(pkt), &ini, secret, (struct sockaddr *)&a,
					sizeof(a), 1) > 0);
}

static void test_stateless_reset(void **state)
{
	uint8_t buf[200];
	struct h h;

	(void)state;
	h_setup(&h);
	h_open(&h);
	/* The relay restarts: same secret, no state. */
	lp_quic_conn_free(h.srv.c);
	h.srv.c = NULL;
	h.forget_server = true;
	fill_dgram(buf, sizeof(buf), 3);
	assert_int_equal(lp_quic_conn_send_datagram(h.cli.c, buf, sizeof(buf)), 0);
	assert_true(pump(&h, 2000, client_closed));
	assert_true(h.resets_sent >= 1);
	assert_int_equal(h.cli.close.kind, LP_QUIC_CLOSE_STATELESS_RESET);
	h_teardown(&h);
}

static void test_client_version_negotiation(void **state)
{
	struct h h;

	(void)state;
	h_setup(&h);
	h_open(&h);
	/* The loop answered nothing with Version Negotiation: the client spoke v1. */
	assert_int_equal(h.vns_sent, 0);
	h_teardown(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_app_codes),
		cmocka_unit_test(test_budget_vectors),
		cmocka_unit_test(test_version_negotiation),
		cmocka_unit_test(test_stateless_reset_writer),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_datagrams),
		cmocka_unit_test(test_dgram_queue_full),
		cmocka_unit_test(test_dgram_shared_pool),
		cmocka_unit_test(test_dgram_pool_fair_share),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_app_close),
		cmocka_unit_test(test_local_close_reason),
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_system_trust_rejects_self_signed),
		cmocka_unit_test(test_alpn_mismatch),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_handshake_timeout),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_retry_token_checks),
		cmocka_unit_test(test_stateless_reset),
		cmocka_unit_test(test_client_version_negotiation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
