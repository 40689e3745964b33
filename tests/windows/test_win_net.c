/*
 * net.h on Windows (client/net_windows.c) under wine, over loopback: name
 * resolution, a connected UDP socket, batches cut into datagrams on send
 * and read in batches on receive.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <winsock2.h>
#include <ws2tcpip.h>

#include <string.h>

#include "err.h"
#include "net.h"

static void test_resolve(void **state)
{
	struct lp_net_addr a[LP_NET_ADDRS_MAX];
	size_t n = 0;
	char err[256], buf[LP_NET_ADDR_STRLEN];

	(void)state;
	assert_int_equal(
		lp_net_resolve("127.0.0.1", 4433, a, LP_NET_ADDRS_MAX, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(lp_net_addr_format(&a[0], buf, sizeof(buf)), "127.0.0.1:4433");
	assert_int_equal(lp_net_resolve("::1", 443, a, LP_NET_ADDRS_MAX, &n, err, sizeof(err)), 0);
	assert_string_equal(lp_net_addr_format(&a[0], buf, sizeof(buf)), "[::1]:443");
	assert_int_equal(lp_net_resolve("no-such-host.invalid", 443, a, LP_NET_ADDRS_MAX, &n, err,
					sizeof(err)),
			 LP_ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "cannot resolve relay host no-such-host.invalid"));
}

static void test_udp(void **state)
{
	struct lp_net_addr relay[1];
	struct lp_net_udp *u;
	struct lp_net_pkt pkts[LP_NET_RX_BATCH];
	size_t n = 0;
	char err[256];
	uint8_t msg[2500];

	(void)state;
	/* the "relay": a socket bound on loopback */
	assert_int_equal(lp_net_resolve("127.0.0.1", 0, relay, 1, &n, err, sizeof(err)), 0);
	SOCKET r = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	int len = (int)sizeof(relay[0].ss);

	assert_int_equal(bind(r, (struct sockaddr *)&relay[0].ss, relay[0].len), 0);
	assert_int_equal(getsockname(r, (struct sockaddr *)&relay[0].ss, &len), 0);
	relay[0].len = len;

	assert_int_equal(lp_net_udp_open(&u, &relay[0]), 0);
	assert_false(lp_net_udp_gso(u));
	assert_true(lp_net_udp_fd(u) > 0);
	assert_int_equal(lp_net_udp_remote(u)->ss.ss_family, AF_INET);
	assert_int_equal(lp_net_udp_local(u)->ss.ss_family, AF_INET);
	/* nothing waiting */
	assert_int_equal(lp_net_udp_recv(u, pkts, LP_NET_RX_BATCH), 0);
	/* 2500 bytes in segments of 1000: three datagrams */
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(lp_net_udp_send(u, msg, sizeof(msg), 1000), 0);
	char got[1200];
	struct sockaddr_storage from;
	int fromlen = sizeof(from);

	assert_int_equal(recvfrom(r, got, sizeof(got), 0, (struct sockaddr *)&from, &fromlen),
			 1000);
	assert_memory_equal(got, msg, 1000);
	assert_int_equal(recv(r, got, sizeof(got), 0), 1000);
	assert_int_equal(recv(r, got, sizeof(got), 0), 500);
	assert_memory_equal(got, msg + 2000, 500);
	/* the relay answers twice: one batch of two */
	sendto(r, "one", 3, 0, (struct sockaddr *)&from, fromlen);
	sendto(r, "two!", 4, 0, (struct sockaddr *)&from, fromlen);
	Sleep(50);
	assert_int_equal(lp_net_udp_recv(u, pkts, LP_NET_RX_BATCH), 2);
	assert_int_equal(pkts[0].len, 3);
	assert_memory_equal(pkts[0].data, "one", 3);
	assert_int_equal(pkts[1].len, 4);
	assert_memory_equal(pkts[1].data, "two!", 4);
	assert_int_equal(lp_net_udp_recv(u, pkts, LP_NET_RX_BATCH), 0);
	lp_net_udp_close(u);
	lp_net_udp_close(NULL);
	closesocket(r);
}

static void test_bad_address(void **state)
{
	struct lp_net_addr a = { 0 };
	struct lp_net_udp *u;

	(void)state;
	a.len = sizeof(a.ss);
	assert_int_equal(lp_net_udp_open(&u, &a), LP_ERR_INVALID);
	assert_null(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_bad_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
