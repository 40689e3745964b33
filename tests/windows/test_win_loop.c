/*
 * The Windows event loop (shared/loop_windows.c) under wine: timers in
 * order, an event object watch (the TAP device's kind), a UDP socket watch
 * over loopback (the relay socket's kind), signals raised from another
 * thread, and watches removed from inside callbacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <signal.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "loop.h"
#include "loop_windows.h"

static int order[8];
static int n_order;

static void on_timer(struct lp_loop *l, struct lp_timer *t)
{
	(void)l;
	order[n_order++] = (int)(intptr_t)t->arg;
}

static void test_timers(void **state)
{
	struct lp_loop *l;
	struct lp_timer t[3];
	uint64_t now = lp_now_ns();

	(void)state;
	n_order = 0;
	assert_int_equal(lp_loop_new(&l, 0), 0);
	for (int i = 0; i < 3; i++)
		lp_timer_init(&t[i], on_timer, (void *)(intptr_t)i);
	assert_int_equal(lp_loop_timer_arm(l, &t[0], now + 30 * LP_NS_PER_MS), 0);
	assert_int_equal(lp_loop_timer_arm(l, &t[1], now + 10 * LP_NS_PER_MS), 0);
	assert_int_equal(lp_loop_timer_arm(l, &t[2], now + 20 * LP_NS_PER_MS), 0);
	assert_int_equal(lp_loop_timers(l), 3);
	lp_loop_timer_cancel(l, &t[2]);
	while (n_order < 2)
		assert_true(lp_loop_run_once(l, true) >= 0);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 0);
	/* a 10 ms timer does not wait for the 15.6 ms system tick twice */
	assert_true(lp_now_ns() - now >= 30 * LP_NS_PER_MS);
	assert_true(lp_now_ns() - now < 500 * LP_NS_PER_MS);
	lp_loop_del(l);
}

struct ev_watch {
	struct lp_io io;
	HANDLE ev;
	int fired;
	bool reset;
	bool remove;
};

static void on_event(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	struct ev_watch *w = io->arg;

	assert_int_equal(events, LP_IO_READ);
	w->fired++;
	if (w->reset)
		ResetEvent(w->ev);
	if (w->remove)
		assert_int_equal(lp_loop_io_del(l, io), 0);
}

static void test_event_watch(void **state)
{
	struct lp_loop *l;
	struct ev_watch w = { .reset = true };

	(void)state;
	assert_int_equal(lp_loop_new(&l, 0), 0);
	w.ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	lp_io_init(&w.io, -1, on_event, &w);
	assert_int_equal(lp_loop_event_add(l, &w.io, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_loop_event_add(l, &w.io, w.ev), 0);
	assert_int_equal(lp_loop_event_add(l, &w.io, w.ev), LP_ERR_STATE);
	assert_int_equal(lp_loop_run_once(l, false), 0);
	SetEvent(w.ev);
	assert_int_equal(lp_loop_run_once(l, true), 1);
	assert_int_equal(w.fired, 1);
	/* reset by the callback: quiet again */
	assert_int_equal(lp_loop_run_once(l, false), 0);
	/* level-triggered: an event left set fires on every iteration */
	w.reset = false;
	SetEvent(w.ev);
	assert_int_equal(lp_loop_run_once(l, false), 1);
	assert_int_equal(lp_loop_run_once(l, false), 1);
	/* removed from its own callback */
	w.remove = true;
	assert_int_equal(lp_loop_run_once(l, false), 1);
	assert_false(w.io.added);
	assert_int_equal(lp_loop_run_once(l, false), 0);
	assert_int_equal(w.fired, 4);
	lp_loop_del(l);
	CloseHandle(w.ev);
}

struct sock_watch {
	struct lp_io io;
	SOCKET s;
	int got;
	char buf[64];
};

static void on_sock(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	struct sock_watch *w = io->arg;

	(void)l;
	assert_true(events & LP_IO_READ);
	while (recv(w->s, w->buf, sizeof(w->buf), 0) > 0)
		w->got++;
}

static SOCKET udp_bound(struct sockaddr_in *a)
{
	SOCKET s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	int len = sizeof(*a);

	assert_true(s != INVALID_SOCKET);
	*a = (struct sockaddr_in){ .sin_family = AF_INET };
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)a, &len), 0);
	return s;
}

static void test_socket_watch(void **state)
{
	struct lp_loop *l;
	struct sock_watch w = { 0 };
	struct sockaddr_in a, b;
	WSADATA d;

	(void)state;
	assert_int_equal(WSAStartup(MAKEWORD(2, 2), &d), 0);
	assert_int_equal(lp_loop_new(&l, 0), 0);
	w.s = udp_bound(&a);
	SOCKET peer = udp_bound(&b);

	lp_io_init(&w.io, (int)w.s, on_sock, &w);
	assert_int_equal(lp_loop_io_add(l, &w.io, LP_IO_READ), 0);
	struct lp_io again;

	lp_io_init(&again, (int)w.s, on_sock, &w);
	assert_int_equal(lp_loop_io_add(l, &again, LP_IO_READ), -EEXIST);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sendto(peer, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)), 4);
	uint64_t deadline = lp_now_ns() + 2 * LP_NS_PER_SEC;
	struct lp_timer guard;

	lp_timer_init(&guard, on_timer, NULL);
	lp_loop_timer_arm(l, &guard, deadline);
	while (w.got < 3 && lp_now_ns() < deadline)
		assert_true(lp_loop_run_once(l, true) >= 0);
	assert_int_equal(w.got, 3);
	assert_memory_equal(w.buf, "ping", 4);
	/* after removal the socket is quiet for the loop */
	assert_int_equal(lp_loop_io_del(l, &w.io), 0);
	sendto(peer, "late", 4, 0, (struct sockaddr *)&a, sizeof(a));
	lp_loop_timer_cancel(l, &guard);
	assert_int_equal(lp_loop_run_once(l, false), 0);
	assert_int_equal(w.got, 3);
	lp_loop_del(l);
	closesocket(w.s);
	closesocket(peer);
}

static int sig_seen;

static void on_sig(struct lp_loop *l, int signo, void *arg)
{
	(void)arg;
	sig_seen = signo;
	lp_loop_stop(l);
}

static DWORD WINAPI raiser(void *arg)
{
	(void)arg;
	Sleep(20);
	lp_loop_raise(SIGTERM);
	return 0;
}

static void test_signal_from_thread(void **state)
{
	struct lp_loop *l;

	(void)state;
	assert_int_equal(lp_loop_new(&l, 0), 0);
	assert_int_equal(lp_loop_signal_add(l, 0, on_sig, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_add(l, SIGTERM, on_sig, NULL), 0);
	assert_int_equal(lp_loop_raise(99), LP_ERR_INVALID);
	HANDLE th = CreateThread(NULL, 0, raiser, NULL, 0, NULL);

	assert_non_null(th);
	/* blocks with no timer until the other thread raises the signal */
	assert_int_equal(lp_loop_run(l), 0);
	assert_int_equal(sig_seen, SIGTERM);
	WaitForSingleObject(th, INFINITE);
	CloseHandle(th);
	/* a signal nobody takes is dropped */
	sig_seen = 0;
	assert_int_equal(lp_loop_signal_del(l, SIGTERM), 0);
	assert_int_equal(lp_loop_signal_del(l, SIGTERM), LP_ERR_NOT_FOUND);
	lp_loop_raise(SIGTERM);
	assert_int_equal(lp_loop_run_once(l, false), 0);
	assert_int_equal(sig_seen, 0);
	lp_loop_del(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_event_watch),
		cmocka_unit_test(test_socket_watch),
		cmocka_unit_test(test_signal_from_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
