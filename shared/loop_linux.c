#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "loop_timers.h"

/* Events taken per wait; more stay queued in the kernel for the next one. */
#define EVENTS_MAX 64
/* Linux signals are 1..64. */
#define SIGNALS_MAX 65
/* Longest single sleep: keeps far deadlines within a 32-bit time_t. */
#define WAIT_MAX_NS (3600 * LP_NS_PER_SEC)

struct sig_slot {
	lp_signal_cb *cb;
	void *arg;
	bool was_blocked; /* before lp_loop_signal_add blocked it */
};

struct lp_loop {
	int epfd;
	bool stop;
	uint64_t now_ns;
	unsigned ran; /* callbacks run in this iteration */

	struct lp_timer_heap timers;

	/* The batch being dispatched; lp_loop_io_del() scrubs entries after cur. */
	struct epoll_event events[EVENTS_MAX];
	int n_events;
	int cur_event;

	int sigfd; /* -1 until the first signal is added */
	struct lp_io sig_io;
	sigset_t sigmask;
	struct sig_slot sigs[SIGNALS_MAX];

	lp_loop_hook *before_sleep;
	void *before_sleep_arg;
};

/* ---------------------------------------------------------------- timers */

struct lp_timer_heap *lp_loop_timer_heap(struct lp_loop *l)
{
	return &l->timers;
}

/* ---------------------------------------------------------------- fds */

static uint32_t to_epoll(uint32_t events)
{
	return ((events & LP_IO_READ) ? (uint32_t)EPOLLIN : 0) |
	       ((events & LP_IO_WRITE) ? (uint32_t)EPOLLOUT : 0);
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
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = io };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) != 0)
		return -errno;
	io->events = events;
	io->added = true;
	return 0;
}

int lp_loop_io_modify(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	if (events & ~(LP_IO_READ | LP_IO_WRITE))
		return LP_ERR_INVALID;
	if (!io->added)
		return LP_ERR_STATE;
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = io };

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) != 0)
		return -errno;
	io->events = events;
	return 0;
}

int lp_loop_io_del(struct lp_loop *l, struct lp_io *io)
{
	if (!io->added)
		return 0;
	int rc = epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL) != 0 ? -errno : 0;

	io->added = false;
	io->events = 0;
	/* The owner may free io as soon as we return: forget its pending events. */
	for (int i = l->cur_event + 1; i < l->n_events; i++) {
		if (l->events[i].data.ptr == io)
			l->events[i].data.ptr = NULL;
	}
	return rc;
}

static void dispatch_io(struct lp_loop *l)
{
	for (l->cur_event = 0; l->cur_event < l->n_events && !l->stop; l->cur_event++) {
		struct epoll_event *ev = &l->events[l->cur_event];
		struct lp_io *io = ev->data.ptr;

		if (!io)
			continue;
		uint32_t mask = 0;

		if (ev->events & (EPOLLIN | EPOLLPRI | EPOLLRDHUP))
			mask |= LP_IO_READ;
		if (ev->events & EPOLLOUT)
			mask |= LP_IO_WRITE;
		/* Report errors to whoever reads or writes, so they see EOF or the error. */
		if (ev->events & (EPOLLERR | EPOLLHUP))
			mask |= LP_IO_ERROR | io->events;
		mask &= io->events | LP_IO_ERROR;
		if (mask == 0)
			continue;
		if (io != &l->sig_io)
			l->ran++;
		io->cb(l, io, mask);
	}
	l->n_events = 0;
	l->cur_event = 0;
}

/* ---------------------------------------------------------------- signals */

static void on_signal(struct lp_loop *l, struct lp_io *io, uint32_t events)
{
	struct signalfd_siginfo si[8];

	(void)events;
	for (;;) {
		ssize_t r = read(io->fd, si, sizeof(si));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return; /* EAGAIN: all read */
		size_t n = (size_t)r / sizeof(si[0]);

		/* Every signal read is delivered: it is gone from the kernel. */
		for (size_t i = 0; i < n; i++) {
			uint32_t signo = si[i].ssi_signo;

			if (signo < SIGNALS_MAX && l->sigs[signo].cb) {
				l->ran++;
				l->sigs[signo].cb(l, (int)signo, l->sigs[signo].arg);
			}
		}
		if (n < sizeof(si) / sizeof(si[0]) || l->stop)
			return;
	}
}

static int sig_set_blocked(int signo, bool block)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, signo);
	return sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &one, NULL) != 0 ? -errno : 0;
}

int lp_loop_signal_add(struct lp_loop *l, int signo, lp_signal_cb *cb, void *arg)
{
	if (signo <= 0 || signo >= SIGNALS_MAX || signo == SIGKILL || signo == SIGSTOP || !cb)
		return LP_ERR_INVALID;
	struct sig_slot *s = &l->sigs[signo];

	if (s->cb) {
		s->cb = cb;
		s->arg = arg;
		return 0;
	}
	sigset_t one, old;
	int rc;

	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, &old) != 0)
		return -errno;
	bool was_blocked = sigismember(&old, signo) == 1;

	sigaddset(&l->sigmask, signo);
	int fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0) {
		rc = -errno;
		goto undo_mask;
	}
	if (l->sigfd < 0) {
		lp_io_init(&l->sig_io, fd, on_signal, NULL);
		rc = lp_loop_io_add(l, &l->sig_io, LP_IO_READ);
		if (rc != 0) {
			close(fd);
			goto undo_mask;
		}
		l->sigfd = fd;
	}
	*s = (struct sig_slot){ .cb = cb, .arg = arg, .was_blocked = was_blocked };
	return 0;

undo_mask:
	sigdelset(&l->sigmask, signo);
	if (!was_blocked)
		sig_set_blocked(signo, false);
	return rc;
}

int lp_loop_signal_del(struct lp_loop *l, int signo)
{
	if (signo <= 0 || signo >= SIGNALS_MAX || !l->sigs[signo].cb)
		return LP_ERR_NOT_FOUND;
	struct sig_slot *s = &l->sigs[signo];
	int rc = 0;

	sigdelset(&l->sigmask, signo);
	if (signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC) < 0)
		rc = -errno;
	if (!s->was_blocked) {
		int rc2 = sig_set_blocked(signo, false);

		rc = rc ? rc : rc2;
	}
	*s = (struct sig_slot){ 0 };
	return rc;
}

/* ---------------------------------------------------------------- the loop */

int lp_loop_new(struct lp_loop **out, size_t max_timers)
{
	if (max_timers > LP_LOOP_TIMERS_MAX)
		return LP_ERR_INVALID;
	struct lp_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return LP_ERR_NOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int rc = -errno;

		free(l);
		return rc;
	}
	lp_timer_heap_init(&l->timers, max_timers ? (uint32_t)max_timers : LP_LOOP_TIMERS_DEFAULT);
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	l->now_ns = lp_now_ns();
	*out = l;
	return 0;
}

void lp_loop_del(struct lp_loop *l)
{
	if (!l)
		return;
	for (int signo = 1; signo < SIGNALS_MAX; signo++) {
		if (l->sigs[signo].cb)
			lp_loop_signal_del(l, signo);
	}
	if (l->sigfd >= 0)
		close(l->sigfd);
	lp_timer_heap_free(&l->timers);
	close(l->epfd);
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

/* Kernels before 5.11 lack epoll_pwait2; then waits are rounded up to ms. */
static bool have_pwait2 = true;

static int wait_events(struct lp_loop *l, bool block)
{
	struct timespec ts = { 0, 0 };
	const struct timespec *tsp = &ts;
	uint64_t wait_ns = 0;

	if (block && !l->stop) {
		wait_ns = lp_timer_heap_wait_ns(&l->timers, lp_now_ns(), WAIT_MAX_NS);
		if (wait_ns == UINT64_MAX) {
			tsp = NULL;
		} else {
			ts.tv_sec = (time_t)(wait_ns / LP_NS_PER_SEC);
			ts.tv_nsec = (long)(wait_ns % LP_NS_PER_SEC);
		}
	}
	if (have_pwait2) {
		int n = epoll_pwait2(l->epfd, l->events, EVENTS_MAX, tsp, NULL);

		if (n >= 0 || errno != ENOSYS)
			return n;
		have_pwait2 = false;
	}
	int ms = -1;

	if (tsp) {
		uint64_t m = (wait_ns + LP_NS_PER_MS - 1) / LP_NS_PER_MS;

		ms = m > INT_MAX ? INT_MAX : (int)m;
	}
	return epoll_wait(l->epfd, l->events, EVENTS_MAX, ms);
}

/* One iteration; the stop flag is left for the caller to consume. */
static int iterate(struct lp_loop *l, bool block)
{
	l->ran = 0;
	if (l->before_sleep)
		l->before_sleep(l, l->before_sleep_arg);
	if (l->stop)
		return 0;
	int n = wait_events(l, block);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->now_ns = lp_now_ns();
	l->n_events = n;
	dispatch_io(l);
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
