/*
 * Unit tests for relay/udp.c's send queue: packets of many connections
 * leave in few sendmmsg calls, GSO trains arrive as their packets, and a
 * message the kernel refuses costs only itself. Real UDP sockets on
 * loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"

struct fixture {
	struct lp_relay *relay;
	struct lp_udp *u;
	int rx[3];
	struct lp_quic_addr to[3];
};

static int open_receiver(struct lp_quic_addr *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int size = 8 << 20;
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	memset(a, 0, sizeof(*a));
	a->len = sizeof(a->ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a->ss, &a->len), 0);
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lp_sockaddr local = { .len = sizeof(struct sockaddr_in) };
	char err[128];
	struct sockaddr_in *sin = (struct sockaddr_in *)&local.ss;
	assert_non_null(f);
	f->relay = calloc(1, sizeof(*f->relay));
	assert_non_null(f->relay);
	f->u = &f->relay->udp[0];
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(lp_udp_open(f->u, &local, err, sizeof(err)), 0);
	f->u->relay = f->relay;
	f->relay->n_udp = 1;
	assert_int_equal(lp_udp_txq_init(&f->relay->txq), 0);
	for (int i = 0; i < 3; i++)
		f->rx[i] = open_receiver(&f->to[i]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lp_udp_txq_free(&f->relay->txq);
	lp_udp_txq_free(&f->relay->txq); /* twice is fine */
	lp_udp_close(f->u);
	for (int i = 0; i < 3; i++)
		close(f->rx[i]);
	free(f->relay);
	free(f);
	return 0;
}

/* Queue one packet of len bytes, each byte tag, to to. */
static void queue_packet(struct fixture *f, size_t len, uint8_t tag, const struct lp_quic_addr *to)
{
	size_t room;
	uint8_t *buf = lp_udp_txq_space(&f->relay->txq, &room);
	assert_true(room >= LP_QUIC_PKT_BUF);
	memset(buf, tag, len);
	lp_udp_txq_add(&f->relay->txq, f->u, len, len, to);
}

/* Read one datagram from fd (waiting up to a second); returns its length, or -1. */
static ssize_t recv_one(int fd, uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 1000) != 1)
		return -1;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

static bool nothing_waiting(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 50) == 0;
}

/* More packets than the queue's slots: all arrive, in order per receiver, in 2 calls. */
static void test_many_connections(void **state)
{
	struct fixture *f = *state;
	enum {
		N = 1500
	};
	uint8_t buf[2048];
	for (size_t i = 0; i < N; i++)
		queue_packet(f, 40 + i % 1000, (uint8_t)i, &f->to[i % 3]);
	/* the queue sent the first part on its own when its slots ran short */
	assert_true(f->u->tx_calls >= 1);
	lp_udp_txq_flush(&f->relay->txq);
	assert_int_equal(f->relay->txq.n, 0);
	assert_int_equal(f->relay->txq.used, 0);
	assert_int_equal(f->u->tx_msgs, N);
	assert_int_equal(f->u->tx_calls, 2);
	assert_int_equal(f->relay->stats.tx_packets, N);
	for (size_t i = 0; i < N; i++) {
		ssize_t n = recv_one(f->rx[i % 3], buf, sizeof(buf));
		assert_int_equal(n, 40 + i % 1000);
		assert_int_equal(buf[0], (uint8_t)i);
		assert_int_equal(buf[n - 1], (uint8_t)i);
	}
	for (int i = 0; i < 3; i++)
		assert_true(nothing_waiting(f->rx[i]));
	/* an empty flush sends nothing */
	lp_udp_txq_flush(&f->relay->txq);
	assert_int_equal(f->u->tx_calls, 2);
}

/* Queue a train of count packets of seg bytes (the last one half) to to. */
static size_t queue_train(struct fixture *f, size_t count, size_t seg,
			  const struct lp_quic_addr *to)
{
	size_t room, n = (count - 1) * seg + seg / 2;
	uint8_t *buf = lp_udp_txq_space(&f->relay->txq, &room);
	assert_true(room >= n);
	for (size_t i = 0; i < count; i++)
		memset(buf + i * seg, (int)(0xa0 + i), i + 1 < count ? seg : seg / 2);
	lp_udp_txq_add(&f->relay->txq, f->u, n, seg, to);
	return n;
}

static void expect_train(struct fixture *f, int fd, size_t count, size_t seg)
{
	uint8_t buf[2048];
	for (size_t i = 0; i < count; i++) {
		ssize_t n = recv_one(fd, buf, sizeof(buf));
		assert_int_equal(n, i + 1 < count ? seg : seg / 2);
		assert_int_equal(buf[0], 0xa0 + i);
		assert_int_equal(buf[n - 1], 0xa0 + i);
	}
	assert_true(nothing_waiting(fd));
	(void)f;
}

/* A GSO train is one message and arrives as its packets; without GSO, one message each. */
static void test_trains(void **state)
{
	struct fixture *f = *state;
	bool gso = f->u->gso;
	queue_train(f, 10, 1200, &f->to[0]);
	assert_int_equal(f->relay->txq.n, gso ? 1 : 10);
	f->u->gso = false;
	queue_train(f, 7, 1000, &f->to[1]);
	assert_int_equal(f->relay->txq.n, (gso ? 1 : 10) + 7);
	lp_udp_txq_flush(&f->relay->txq);
	assert_int_equal(f->u->tx_calls, 1);
	assert_int_equal(f->relay->stats.tx_packets, 17);
	assert_int_equal(f->relay->stats.gso_sends, gso ? 1 : 0);
	expect_train(f, f->rx[0], 10, 1200);
	expect_train(f, f->rx[1], 7, 1000);
}

/*
 * A message the kernel refuses (port 0 is EINVAL) is counted and skipped;
 * a refused GSO train is tried again packet by packet; the messages around
 * it still go, in one more call.
 */
static void test_refused_message(void **state)
{
	struct fixture *f = *state;
	struct lp_quic_addr bad = f->to[2];
	((struct sockaddr_in *)&bad.ss)->sin_port = 0;
	uint8_t buf[2048];
	queue_packet(f, 100, 1, &f->to[0]);
	queue_packet(f, 100, 2, &bad);
	queue_packet(f, 100, 3, &f->to[0]);
	queue_train(f, 4, 1000, &bad);
	queue_packet(f, 100, 4, &f->to[0]);
	lp_udp_txq_flush(&f->relay->txq);
	assert_int_equal(f->u->tx_errors, 1 + 4);
	assert_int_equal(f->u->tx_msgs, 3);
	assert_int_equal(f->relay->stats.tx_packets, 3);
	for (uint8_t tag = 1; tag <= 4; tag++) {
		if (tag == 2)
			continue;
		assert_int_equal(recv_one(f->rx[0], buf, sizeof(buf)), 100);
		assert_int_equal(buf[0], tag);
	}
	assert_true(nothing_waiting(f->rx[0]));
	assert_true(f->u->gso || f->u->tx_calls >= 3);
}

/*
 * The socket gets its 16 MiB buffers when the process may force them (root
 * or CAP_NET_ADMIN), else what net.core.rmem_max and wmem_max allow.
 */
static void test_buffers(void **state)
{
	struct fixture *f = *state;
	int rcv = 0, snd = 0, probe = 1 << 20;
	socklen_t len = sizeof(rcv);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	bool may_force = setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &probe, sizeof(probe)) == 0;
	close(fd);
	assert_int_equal(getsockopt(f->u->fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len), 0);
	assert_int_equal(getsockopt(f->u->fd, SOL_SOCKET, SO_SNDBUF, &snd, &len), 0);
	if (may_force) {
		assert_int_equal(rcv, 2 * (16 << 20)); /* the kernel reports twice the size */
		assert_int_equal(snd, 2 * (16 << 20));
	} else {
		assert_true(rcv > 0 && snd > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
