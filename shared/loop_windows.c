/*
 * loop_windows.c: loop.h on Windows (see loop_windows.h): one
 * WaitForMultipleObjects over the watches' event objects and a signal
 * event, timers from loop_timers.c.
 */
#include "loop.h"

#include <winsock2.h>
#include <windows.h>
#include <mmsystem.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "loop_timers.h"
#include "loop_windows.h"

/* Signal numbers a loop takes (the C runtime's are below 32). */
#define SIGNALS_MAX 32
/* Longest single wait, as on Linux. */
#define WAIT_MAX_NS (3600 * LP_NS_PER_SEC)

struct watch {
	struct lp_io *io;
	HANDLE event;
	bool socket; /* event is the loop's own, bound with WSAEventSelect */
};

struct sig_slot {
	lp_signal_cb *cb;
	void *arg;
};

struct lp_loop {
	bool stop;
	uint64_t now_ns;
	unsigned ran; /* callbacks run in this iteration */
	struct lp_timer_heap timers;

	struct watch w[LP_LOOP_WATCHES_MAX];
	size_t n_watch;
	/* The watches found ready in this iteration; lp_loop_io_del() scrubs them. */
	struct lp_io *ready[LP_LOOP_WATCHES_MAX];
	uint32_t ready_mask[LP_LOOP_WATCHES_MAX];
	size_t n_ready, cur_ready;

	struct sig_slot sigs[SIGNALS_MAX];
	bool console_handler;
	bool timer_period; /* timeBeginPeriod(1) in force */

	lp_loop_hook *before_sleep;
	void *before_sleep_arg;
};

/*
 * The signal path between threads: one loop per process takes signals.
 * Bits of raised signals, set by any thread, taken by the loop's thread.
 */
static volatile LONG sig_pending;
static HANDLE sig_event; /* manual-reset: set while bits may be pending */
static HANDLE sig_done;	 /* set by lp_loop_del(): a closing console may go on */
static struct lp_loop *sig_loop;

/* ---------------------------------------------------------------- timers */

struct lp_timer_heap *lp_loop_timer_heap(struct lp_loop *l)
{
	return &l->timers;
}

/* ---------------------------------------------------------------- watches */

static struct watch *find_watch(struct lp_loop *l, const struct lp_io *io)
{
	for (size_t i = 0; i < l->n_watch; i++) {
		if (l->w[i].io == io)
			return &l->w[i];
	}
	return NULL;
}

static long to_wsa(uint32_t events)
{
	return FD_CLOSE | ((events & LP_IO_READ) ? FD_READ : 0) |
	       ((events & LP_IO_WRITE) ? FD_WRITE : 0);
}

static int wsa_errno(void)
{
	int e = WSAGetLastError();

	return e == WSAENOTSOCK ? -EBADF : e == WSAENOBUFS ? -ENOMEM : -EINVAL;
}

void lp_io_init(struct lp_io *io, int fd, lp_io_cb *cb, void *arg)
{
	*io = (struct lp_io){ .fd = fd, .cb = cb, .arg = arg };
}

int lp_loop_io_add(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	if (events & ~(LP_IO_READ | LP_IO_WRITE))
		return LP_ERR_INVALID;
	if (io->added)
		return LP_ERR_STATE;
	if (l->n_watch == LP_LOOP_WATCHES_MAX)
		return LP_ERR_LIMIT;
	for (size_t i = 0; i < l->n_watch; i++) {
		if (l->w[i].socket && l->w[i].io->fd == io->fd)
			return -EEXIST;
	}
	WSAEVENT ev = WSACreateEvent();

	if (ev == WSA_INVALID_EVENT)
		return -ENOMEM;
	/* This also makes the socket nonblocking, as the Linux callers have it. */
	if (WSAEventSelect((SOCKET)io->fd, ev, to_wsa(events)) != 0) {
		int rc = wsa_errno();

		WSACloseEvent(ev);
		return rc;
	}
	l->w[l->n_watch++] = (struct watch){ .io = io, .event = ev, .socket = true };
	io->events = events;
	io->added = true;
	return 0;
}

int lp_loop_event_add(struct lp_loop *l, struct lp_io *io, void *event)
{
	if (!event)
		return LP_ERR_INVALID;
	if (io->added)
		return LP_ERR_STATE;
	if (l->n_watch == LP_LOOP_WATCHES_MAX)
		return LP_ERR_LIMIT;
	l->w[l->n_watch++] = (struct watch){ .io = io, .event = event };
	io->events = LP_IO_READ;
	io->added = true;
	return 0;
}

int lp_loop_io_modify(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	if (events & ~(LP_IO_READ | LP_IO_WRITE))
		return LP_ERR_INVALID;
	struct watch *w = io->added ? find_watch(l, io) : NULL;

	if (!w)
		return LP_ERR_STATE;
	if (w->socket && WSAEventSelect((SOCKET)io->fd, w->event, to_wsa(events)) != 0)
		return wsa_errno();
	io->events = events;
	return 0;
}

int lp_loop_io_del(struct lp_loop *l, struct lp_io *io)
{
	if (!io->added)
		return 0;
	struct watch *w = find_watch(l, io);
	int rc = 0;

	io->added = false;
	io->events = 0;
	if (w) {
		if (w->socket) {
			if (WSAEventSelect((SOCKET)io->fd, NULL, 0) != 0)
				rc = wsa_errno();
			WSACloseEvent(w->event);
		}
		*w = l->w[--l->n_watch];
	}
	/* The owner may free io as soon as we return: forget its pending events. */
	for (size_t i = l->cur_ready + 1; i < l->n_ready; i++) {
		if (l->ready[i] == io)
			l->ready[i] = NULL;
	}
	return rc;
}

/* What is ready on w now; resets a socket's event. 0 when nothing. */
static uint32_t poll_watch(struct watch *w)
{
	struct lp_io *io = w->io;
	uint32_t mask = 0;

	if (!w->socket) {
		if (WaitForSingleObject(w->event, 0) == WAIT_OBJECT_0)
			mask = LP_IO_READ;
	} else {
		WSANETWORKEVENTS ne;

		if (WSAEnumNetworkEvents((SOCKET)io->fd, w->event, &ne) != 0)
			return LP_IO_ERROR | io->events;
		if (ne.lNetworkEvents & FD_READ)
			mask |= LP_IO_READ;
		if (ne.lNetworkEvents & FD_CLOSE)
			mask |= LP_IO_ERROR | io->events;
		if ((ne.lNetworkEvents & FD_READ) && ne.iErrorCode[FD_READ_BIT])
			mask |= LP_IO_ERROR;
		/* FD_WRITE is edge-triggered: a UDP socket counts as writable. */
		if (io->events & LP_IO_WRITE)
			mask |= LP_IO_WRITE;
	}
	return mask & (io->events | LP_IO_ERROR);
}

static void collect(struct lp_loop *l)
{
	l->n_ready = 0;
	for (size_t i = 0; i < l->n_watch; i++) {
		uint32_t mask = poll_watch(&l->w[i]);

		if (mask) {
			l->ready[l->n_ready] = l->w[i].io;
			l->ready_mask[l->n_ready++] = mask;
		}
	}
}

static void dispatch_io(struct lp_loop *l)
{
	for (l->cur_ready = 0; l->cur_ready < l->n_ready && !l->stop; l->cur_ready++) {
		struct lp_io *io = l->ready[l->cur_ready];

		if (!io)
			continue;
		l->ran++;
		io->cb(l, io, l->ready_mask[l->cur_ready]);
	}
	l->n_ready = 0;
	l->cur_ready = 0;
}

/* ---------------------------------------------------------------- signals */

static void raise_bit(int signo)
{
	InterlockedOr(&sig_pending, (LONG)(1ul << signo));
	SetEvent(sig_event);
}

int lp_loop_raise(int signo)
{
	if (signo <= 0 || signo >= SIGNALS_MAX)
		return LP_ERR_INVALID;
	if (!sig_event)
		return LP_ERR_NOT_FOUND;
	raise_bit(signo);
	return 0;
}

static BOOL WINAPI on_console(DWORD type)
{
	switch (type) {
	case CTRL_C_EVENT:
		raise_bit(SIGINT);
		return TRUE;
	case CTRL_BREAK_EVENT:
		raise_bit(SIGBREAK);
		return TRUE;
	default:
		/* Close, log-off, shutdown: the process ends when we return. */
		raise_bit(SIGTERM);
		WaitForSingleObject(sig_done, LP_LOOP_CLOSE_WAIT_MS);
		return TRUE;
	}
}

static void deliver_signals(struct lp_loop *l)
{
	ResetEvent(sig_event);
	LONG bits = InterlockedExchange(&sig_pending, 0);

	for (int signo = 1; signo < SIGNALS_MAX && bits; signo++) {
		if (!(bits & (LONG)(1ul << signo)) || !l->sigs[signo].cb)
			continue;
		l->ran++;
		l->sigs[signo].cb(l, signo, l->sigs[signo].arg);
	}
}

int lp_loop_signal_add(struct lp_loop *l, int signo, lp_signal_cb *cb, void *arg)
{
	if (signo <= 0 || signo >= SIGNALS_MAX || !cb)
		return LP_ERR_INVALID;
	if (sig_loop && sig_loop != l)
		return LP_ERR_STATE; /* one loop per process takes signals */
	if (!sig_event) {
		sig_event = CreateEventW(NULL, TRUE, FALSE, NULL);
		sig_done = CreateEventW(NULL, TRUE, FALSE, NULL);
		if (!sig_event || !sig_done)
			return -ENOMEM;
	}
	ResetEvent(sig_done);
	sig_loop = l;
	bool console = signo == SIGINT || signo == SIGBREAK || signo == SIGTERM;

	/* A service has no console: the call then fails, and is not needed. */
	if (console && !l->console_handler && SetConsoleCtrlHandler(on_console, TRUE))
		l->console_handler = true;
	l->sigs[signo] = (struct sig_slot){ .cb = cb, .arg = arg };
	return 0;
}

int lp_loop_signal_del(struct lp_loop *l, int signo)
{
	if (signo <= 0 || signo >= SIGNALS_MAX || !l->sigs[signo].cb)
		return LP_ERR_NOT_FOUND;
	l->sigs[signo] = (struct sig_slot){ 0 };
	return 0;
}

/* ---------------------------------------------------------------- the loop */

int lp_loop_new(struct lp_loop **out, size_t max_timers)
{
	if (max_timers > LP_LOOP_TIMERS_MAX)
		return LP_ERR_INVALID;
	struct lp_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return LP_ERR_NOMEM;
	lp_timer_heap_init(&l->timers, max_timers ? (uint32_t)max_timers : LP_LOOP_TIMERS_DEFAULT);
	/* The default 15.6 ms tick would round every QUIC timer up to it. */
	l->timer_period = timeBeginPeriod(1) == TIMERR_NOERROR;
	l->now_ns = lp_now_ns();
	*out = l;
	return 0;
}

void lp_loop_del(struct lp_loop *l)
{
	if (!l)
		return;
	while (l->n_watch)
		lp_loop_io_del(l, l->w[l->n_watch - 1].io);
	if (l->console_handler)
		SetConsoleCtrlHandler(on_console, FALSE);
	if (sig_loop == l) {
		sig_loop = NULL;
		SetEvent(sig_done);
	}
	if (l->timer_period)
		timeEndPeriod(1);
	lp_timer_heap_free(&l->timers);
	free(l);
}

void lp_loop_stop(struct lp_loop *l)
{
	l->stop = true;
}

uint64_t lp_loop_now(const struct lp_loop *l)
{
	return l->now_ns;
}

void lp_loop_set_before_sleep(struct lp_loop *l, lp_loop_hook *hook, void *arg)
{
	l->before_sleep = hook;
	l->before_sleep_arg = arg;
}

static DWORD wait_ms(struct lp_loop *l, bool block)
{
	if (!block || l->stop)
		return 0;
	for (size_t i = 0; i < l->n_watch; i++) {
		if (l->w[i].socket && (l->w[i].io->events & LP_IO_WRITE))
			return 0; /* a write watch is ready at once */
	}
	uint64_t ns = lp_timer_heap_wait_ns(&l->timers, lp_now_ns(), WAIT_MAX_NS);

	if (ns == UINT64_MAX)
		return INFINITE;
	/* Rounded up: waking before the deadline would only spin. */
	return (DWORD)((ns + LP_NS_PER_MS - 1) / LP_NS_PER_MS);
}

/* One iteration; the stop flag is left for the caller to consume. */
static int iterate(struct lp_loop *l, bool block)
{
	HANDLE h[LP_LOOP_WATCHES_MAX + 1];
	DWORD n = 0;

	l->ran = 0;
	if (l->before_sleep)
		l->before_sleep(l, l->before_sleep_arg);
	if (l->stop)
		return 0;
	if (sig_loop == l)
		h[n++] = sig_event;
	for (size_t i = 0; i < l->n_watch; i++)
		h[n++] = l->w[i].event;
	DWORD ms = wait_ms(l, block);
	if (n == 0)
		Sleep(ms);
	else if (WaitForMultipleObjects(n, h, FALSE, ms) == WAIT_FAILED)
		return -EINVAL;
	l->now_ns = lp_now_ns();
	if (sig_loop == l && WaitForSingleObject(sig_event, 0) == WAIT_OBJECT_0)
		deliver_signals(l);
	if (!l->stop) {
		collect(l);
		dispatch_io(l);
	}
	l->ran += lp_timer_heap_run(&l->timers, l, l->now_ns, &l->stop);
	return (int)(l->ran > INT_MAX ? INT_MAX : l->ran);
}

int lp_loop_run_once(struct lp_loop *l, bool block)
{
	int rc = iterate(l, block);

	l->stop = false;
	return rc;
}

int lp_loop_run(struct lp_loop *l)
{
	while (!l->stop) {
		int rc = iterate(l, true);

		if (rc < 0) {
			l->stop = false;
			return rc;
		}
	}
	l->stop = false;
	return 0;
}
