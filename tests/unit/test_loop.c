/* Unit tests for shared/loop_linux.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "loop.h"

#define MS LP_NS_PER_MS

/* Run single iterations until *done or a 2-second guard, so a bug fails instead of hanging. */
static void run_until(struct lp_loop *loop, const bool *done)
{
	uint64_t end = lp_now_ns() + 2000 * MS;

	while (!*done) {
		assert_true(lp_now_ns() < end);
		assert_true(lp_loop_run_once(loop, true) >= 0);
	}
}

/* ---------------------------------------------------------------- timers */

struct rec {
	struct lp_timer t;
	int id;
	int fired;
};

static int order[64];
static int n_order;
static bool done;

static void on_rec(struct lp_loop *loop, struct lp_timer *t)
{
	struct rec *r = t->arg;

	(void)loop;
	r->fired++;
	order[n_order++] = r->id;
	if (n_order == 6)
		done = true;
}

static void test_timers_in_order(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct rec r[6];
	/* Deadlines in ms from now; equal ones fire in arming order. */
	static const uint64_t at_ms[6] = { 9, 1, 5, 5, 0, 3 };
	static const int want[6] = { 4, 1, 5, 2, 3, 0 };

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	uint64_t now = lp_now_ns();

	for (int i = 0; i < 6; i++) {
		r[i].id = i;
		r[i].fired = 0;
		lp_timer_init(&r[i].t, on_rec, &r[i]);
		assert_false(lp_timer_armed(&r[i].t));
		assert_int_equal(lp_loop_timer_arm(loop, &r[i].t, now + at_ms[i] * MS), 0);
		assert_true(lp_timer_armed(&r[i].t));
		assert_int_equal(lp_timer_deadline(&r[i].t), now + at_ms[i] * MS);
	}
	assert_int_equal(lp_loop_timers(loop), 6);
	n_order = 0;
	done = false;
	run_until(loop, &done);
	assert_memory_equal(order, want, sizeof(want));
	assert_true(lp_now_ns() >= now + 9 * MS); /* none fired early */
	assert_true(lp_loop_now(loop) >= now + 9 * MS);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(r[i].fired, 1);
		assert_false(lp_timer_armed(&r[i].t));
	}
	assert_int_equal(lp_loop_timers(loop), 0);
	lp_loop_del(loop);
}

static void test_cancel_rearm(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct rec r[3];

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	for (int i = 0; i < 3; i++) {
		r[i].id = i;
		r[i].fired = 0;
		lp_timer_init(&r[i].t, on_rec, &r[i]);
	}
	uint64_t now = lp_now_ns();

	assert_int_equal(lp_loop_timer_arm(loop, &r[0].t, now), 0);
	assert_int_equal(lp_loop_timer_arm(loop, &r[1].t, now), 0);
	assert_int_equal(lp_loop_timer_arm(loop, &r[2].t, now + 60000 * MS), 0);
	lp_loop_timer_cancel(loop, &r[0].t);
	lp_loop_timer_cancel(loop, &r[0].t); /* twice: no-op */
	assert_false(lp_timer_armed(&r[0].t));
	/* Re-arming moves the timer instead of adding it again. */
	assert_int_equal(lp_loop_timer_arm(loop, &r[2].t, now), 0);
	assert_int_equal(lp_loop_timer_arm(loop, &r[2].t, now + 1), 0);
	assert_int_equal(lp_loop_timers(loop), 2);
	n_order = 0;
	assert_int_equal(lp_loop_run_once(loop, true), 2);
	assert_int_equal(n_order, 2);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(r[0].fired, 0);
	/* Nothing left: a non-blocking iteration runs nothing. */
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	/* Re-arm into the future, then earlier. */
	assert_int_equal(lp_loop_timer_arm_in(loop, &r[0].t, 60000 * MS), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(lp_loop_timer_arm_in(loop, &r[0].t, 1 * MS), 0);
	assert_int_equal(lp_loop_run_once(loop, true), 1);
	assert_int_equal(r[0].fired, 1);
	/* arm_in saturates. */
	assert_int_equal(lp_loop_timer_arm_in(loop, &r[0].t, UINT64_MAX), 0);
	assert_int_equal(lp_timer_deadline(&r[0].t), UINT64_MAX);
	lp_loop_del(loop);
	assert_false(lp_timer_armed(&r[0].t)); /* disarmed by lp_loop_del */
}

/* A periodic timer: re-armed from its callback from the old deadline. */
static int ticks;

static void on_tick(struct lp_loop *loop, struct lp_timer *t)
{
	if (++ticks < 3)
		assert_int_equal(lp_loop_timer_arm(loop, t, lp_timer_deadline(t) + 2 * MS), 0);
	else
		lp_loop_stop(loop);
}

static void test_periodic_and_stop(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct lp_timer t;
	uint64_t start = lp_now_ns();

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	lp_timer_init(&t, on_tick, NULL);
	ticks = 0;
	assert_int_equal(lp_loop_timer_arm(loop, &t, start + 2 * MS), 0);
	assert_int_equal(lp_loop_run(loop), 0);
	assert_int_equal(ticks, 3);
	assert_true(lp_now_ns() >= start + 6 * MS);
	/* A stop requested before run is honoured at once. */
	lp_loop_stop(loop);
	assert_int_equal(lp_loop_run(loop), 0);
	lp_loop_del(loop);
}

/* A callback that re-arms itself "now" runs once per iteration, not forever. */
static void on_again(struct lp_loop *loop, struct lp_timer *t)
{
	ticks++;
	assert_int_equal(lp_loop_timer_arm(loop, t, 0), 0);
}

static void test_rearm_now_no_spin(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct lp_timer t;

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	lp_timer_init(&t, on_again, NULL);
	ticks = 0;
	assert_int_equal(lp_loop_timer_arm(loop, &t, 0), 0);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(lp_loop_run_once(loop, true), 1);
		assert_int_equal(ticks, i);
	}
	lp_loop_timer_cancel(loop, &t);
	lp_loop_del(loop);
}

/* 10,000 timers in random order, some cancelled, some moved. */
#define MANY 10000

struct many {
	struct lp_timer t;
	uint64_t deadline;
	bool cancelled;
	int fired;
};

static struct many many[MANY];
static uint64_t last_deadline;
static uint64_t last_seq_at_deadline;
static int many_fired;

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void on_many(struct lp_loop *loop, struct lp_timer *t)
{
	struct many *m = t->arg;

	(void)loop;
	assert_false(m->cancelled);
	assert_int_equal(lp_timer_deadline(t), m->deadline);
	assert_true(m->deadline >= last_deadline);
	if (m->deadline == last_deadline)
		assert_true(t->seq > last_seq_at_deadline); /* ties: arming order */
	last_deadline = m->deadline;
	last_seq_at_deadline = t->seq;
	m->fired++;
	many_fired++;
}

static void test_many_timers(void **state)
{
	(void)state;
	struct lp_loop *loop;
	int expect = 0;

	assert_int_equal(lp_loop_new(&loop, MANY), 0);
	/* Deadlines in the past (1..2000 ns since boot), with many ties. */
	for (int i = 0; i < MANY; i++) {
		many[i] = (struct many){ .deadline = 1 + rnd() % 2000 };
		lp_timer_init(&many[i].t, on_many, &many[i]);
		assert_int_equal(lp_loop_timer_arm(loop, &many[i].t, many[i].deadline), 0);
	}
	for (int i = 0; i < MANY; i++) {
		uint64_t r = rnd() % 10;

		if (r < 3) {
			lp_loop_timer_cancel(loop, &many[i].t);
			many[i].cancelled = true;
		} else if (r < 5) {
			many[i].deadline = 1 + rnd() % 2000;
			assert_int_equal(lp_loop_timer_arm(loop, &many[i].t, many[i].deadline), 0);
		}
	}
	for (int i = 0; i < MANY; i++)
		expect += !many[i].cancelled;
	assert_int_equal(lp_loop_timers(loop), (size_t)expect);
	last_deadline = 0;
	last_seq_at_deadline = 0;
	many_fired = 0;
	assert_int_equal(lp_loop_run_once(loop, false), expect);
	assert_int_equal(many_fired, expect);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(many[i].fired, many[i].cancelled ? 0 : 1);
	assert_int_equal(lp_loop_timers(loop), 0);
	lp_loop_del(loop);
}

static void test_timer_limits(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct lp_timer t[5];

	assert_int_equal(lp_loop_new(&loop, LP_LOOP_TIMERS_MAX + 1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_new(&loop, 4), 0);
	for (int i = 0; i < 5; i++)
		lp_timer_init(&t[i], on_rec, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(lp_loop_timer_arm(loop, &t[i], UINT64_MAX), 0);
	assert_int_equal(lp_loop_timer_arm(loop, &t[4], 1), LP_ERR_LIMIT);
	assert_false(lp_timer_armed(&t[4]));
	assert_int_equal(lp_loop_timer_arm(loop, &t[3], 5), 0); /* moving one still works */
	lp_loop_timer_cancel(loop, &t[0]);
	assert_int_equal(lp_loop_timer_arm(loop, &t[4], UINT64_MAX), 0);
	assert_int_equal(lp_loop_timers(loop), 4);
	lp_loop_del(loop);
	lp_loop_del(NULL);
}

/* ---------------------------------------------------------------- fds */

struct watch {
	struct lp_io io;
	int calls;
	uint32_t events;
	struct watch *other; /* deleted by this one's callback */
	bool del_self;
};

static void on_watch(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct watch *w = io->arg;

	w->calls++;
	w->events = events;
	if (w->other)
		assert_int_equal(lp_loop_io_del(loop, &w->other->io), 0);
	if (w->del_self)
		assert_int_equal(lp_loop_io_del(loop, io), 0);
}

static void test_fd_readiness(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct watch r = { 0 }, e = { 0 };
	int p[2];
	char c = 'x';
	uint64_t one = 1;

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	lp_io_init(&r.io, p[0], on_watch, &r);
	assert_int_equal(lp_loop_io_add(loop, &r.io, LP_IO_READ | 0x10), LP_ERR_INVALID);
	assert_int_equal(lp_loop_io_modify(loop, &r.io, LP_IO_READ), LP_ERR_STATE);
	assert_int_equal(lp_loop_io_del(loop, &r.io), 0);
	assert_int_equal(lp_loop_io_add(loop, &r.io, LP_IO_READ), 0);
	assert_int_equal(lp_loop_io_add(loop, &r.io, LP_IO_READ), LP_ERR_STATE);
	assert_int_equal(lp_loop_io_modify(loop, &r.io, LP_IO_WRITE | 0x8), LP_ERR_INVALID);

	/* Not readable yet. */
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(write(p[1], &c, 1), 1);
	assert_int_equal(lp_loop_run_once(loop, true), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.events, LP_IO_READ);
	/* Level-triggered: still readable until read. */
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(r.calls, 2);

	/* An eventfd is writable at once; switch it to read. */
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	assert_true(efd >= 0);
	lp_io_init(&e.io, efd, on_watch, &e);
	assert_int_equal(lp_loop_io_add(loop, &e.io, LP_IO_WRITE), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(e.events, LP_IO_WRITE);
	assert_int_equal(lp_loop_io_modify(loop, &e.io, LP_IO_READ), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(e.events, LP_IO_READ);
	assert_int_equal(lp_loop_io_modify(loop, &e.io, LP_IO_READ | LP_IO_WRITE), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(e.events, LP_IO_READ | LP_IO_WRITE);
	/* A timer far away does not keep a ready fd waiting. */
	struct lp_timer far;

	lp_timer_init(&far, on_rec, NULL);
	assert_int_equal(lp_loop_timer_arm(loop, &far, UINT64_MAX), 0);
	assert_int_equal(lp_loop_run_once(loop, true), 1);
	lp_loop_timer_cancel(loop, &far);
	/* Deleted: no more callbacks. */
	assert_int_equal(lp_loop_io_del(loop, &e.io), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(e.calls, 4);
	/* The same fd twice: -EEXIST from epoll. */
	struct watch dup = { 0 };

	lp_io_init(&dup.io, p[0], on_watch, &dup);
	assert_int_equal(lp_loop_io_add(loop, &dup.io, LP_IO_READ), -EEXIST);

	/* Hang-up: the writer goes away, the reader sees READ | ERROR. */
	close(p[1]);
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(r.events, LP_IO_READ | LP_IO_ERROR);
	assert_int_equal(read(p[0], &c, 1), 0);
	assert_int_equal(lp_loop_io_del(loop, &r.io), 0);

	/* A regular file cannot be watched. */
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct watch f = { 0 };

	assert_true(fd >= 0);
	lp_io_init(&f.io, fd, on_watch, &f);
	assert_int_equal(lp_loop_io_add(loop, &f.io, LP_IO_READ), -EPERM);
	close(fd);
	close(efd);
	close(p[0]);
	lp_loop_del(loop);
}

/* Two fds ready in one batch; the first callback deletes (and frees) the other. */
static void test_fd_delete_in_callback(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct watch *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	int pa[2], pb[2];
	char c = 'x';

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(lp_loop_new(&loop, 0), 0);
	assert_int_equal(pipe2(pa, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(pipe2(pb, O_NONBLOCK | O_CLOEXEC), 0);
	lp_io_init(&a->io, pa[0], on_watch, a);
	lp_io_init(&b->io, pb[0], on_watch, b);
	a->other = b;
	b->other = a;
	assert_int_equal(lp_loop_io_add(loop, &a->io, LP_IO_READ), 0);
	assert_int_equal(lp_loop_io_add(loop, &b->io, LP_IO_READ), 0);
	assert_int_equal(write(pa[1], &c, 1), 1);
	assert_int_equal(write(pb[1], &c, 1), 1);
	assert_int_equal(lp_loop_run_once(loop, true), 1);
	assert_int_equal(a->calls + b->calls, 1);
	/* The survivor is deleted too; neither is watched any more. */
	struct watch *survivor = a->calls ? a : b;

	assert_false(survivor->other->io.added);
	assert_int_equal(lp_loop_io_del(loop, &survivor->io), 0);
	free(a);
	free(b);
	assert_int_equal(lp_loop_run_once(loop, false), 0);

	/* A callback deleting its own watch. */
	struct watch self = { .del_self = true };

	lp_io_init(&self.io, pa[0], on_watch, &self);
	assert_int_equal(lp_loop_io_add(loop, &self.io, LP_IO_READ), 0);
	assert_int_equal(lp_loop_run_once(loop, false), 1);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(self.calls, 1);
	assert_false(self.io.added);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
	lp_loop_del(loop);
}

/* ---------------------------------------------------------------- signals */

static int sig_count[65];
static int sig_last_arg;

static void on_sig(struct lp_loop *loop, int signo, void *arg)
{
	(void)loop;
	sig_count[signo]++;
	sig_last_arg = *(int *)arg;
}

static bool is_blocked(int signo)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, signo) == 1;
}

static void test_signals(void **state)
{
	(void)state;
	struct lp_loop *loop;
	int arg1 = 1, arg2 = 2;
	sigset_t hup;

	memset(sig_count, 0, sizeof(sig_count));
	assert_int_equal(lp_loop_new(&loop, 0), 0);
	assert_int_equal(lp_loop_signal_add(loop, SIGKILL, on_sig, &arg1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_add(loop, SIGSTOP, on_sig, &arg1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_add(loop, 0, on_sig, &arg1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_add(loop, 65, on_sig, &arg1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_add(loop, SIGUSR1, NULL, &arg1), LP_ERR_INVALID);
	assert_int_equal(lp_loop_signal_del(loop, SIGUSR1), LP_ERR_NOT_FOUND);

	/* SIGHUP is blocked by the program beforehand and must stay so. */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	assert_int_equal(sigprocmask(SIG_BLOCK, &hup, NULL), 0);
	assert_false(is_blocked(SIGUSR1));
	assert_int_equal(lp_loop_signal_add(loop, SIGUSR1, on_sig, &arg1), 0);
	assert_int_equal(lp_loop_signal_add(loop, SIGUSR2, on_sig, &arg1), 0);
	assert_int_equal(lp_loop_signal_add(loop, SIGHUP, on_sig, &arg1), 0);
	assert_true(is_blocked(SIGUSR1));

	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(lp_loop_run_once(loop, true), 1);
	assert_int_equal(sig_count[SIGUSR1], 1);
	assert_int_equal(sig_last_arg, 1);

	/* Several at once; adding again replaces the callback's argument. */
	assert_int_equal(lp_loop_signal_add(loop, SIGUSR2, on_sig, &arg2), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(raise(SIGHUP), 0);
	assert_int_equal(lp_loop_run_once(loop, true), 2);
	assert_int_equal(sig_count[SIGUSR2], 1);
	assert_int_equal(sig_count[SIGHUP], 1);
	assert_int_equal(lp_loop_run_once(loop, false), 0);

	/* Removed: the mask is as it was. */
	assert_int_equal(lp_loop_signal_del(loop, SIGUSR1), 0);
	assert_false(is_blocked(SIGUSR1));
	assert_int_equal(lp_loop_signal_del(loop, SIGHUP), 0);
	assert_true(is_blocked(SIGHUP));
	assert_true(is_blocked(SIGUSR2));
	lp_loop_del(loop); /* removes SIGUSR2 */
	assert_false(is_blocked(SIGUSR2));
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &hup, NULL), 0);
}

static void on_sig_stop(struct lp_loop *loop, int signo, void *arg)
{
	(void)arg;
	sig_count[signo]++;
	lp_loop_stop(loop);
}

/* The shape of every main(): SIGTERM stops lp_loop_run(). */
static void on_raise_term(struct lp_loop *loop, struct lp_timer *t)
{
	(void)loop;
	(void)t;
	assert_int_equal(raise(SIGTERM), 0);
}

static void test_signal_stops_run(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct lp_timer t;

	memset(sig_count, 0, sizeof(sig_count));
	assert_int_equal(lp_loop_new(&loop, 0), 0);
	assert_int_equal(lp_loop_signal_add(loop, SIGTERM, on_sig_stop, NULL), 0);
	lp_timer_init(&t, on_raise_term, NULL);
	assert_int_equal(lp_loop_timer_arm_in(loop, &t, 1 * MS), 0);
	assert_int_equal(lp_loop_run(loop), 0);
	assert_int_equal(sig_count[SIGTERM], 1);
	lp_loop_del(loop);
	assert_false(is_blocked(SIGTERM));
}

/* ---------------------------------------------------------------- stop, hook */

static int hook_calls;
static struct lp_timer hook_timer;
static int hook_timer_fired;

static void on_hook_timer(struct lp_loop *loop, struct lp_timer *t)
{
	(void)t;
	hook_timer_fired++;
	lp_loop_stop(loop);
}

/* Like QUIC: flush, then re-arm the expiry timer, once per wakeup. */
static void before_sleep(struct lp_loop *loop, void *arg)
{
	(void)arg;
	hook_calls++;
	if (hook_calls == 1)
		assert_int_equal(lp_loop_timer_arm_in(loop, &hook_timer, 2 * MS), 0);
}

static void test_before_sleep(void **state)
{
	(void)state;
	struct lp_loop *loop;

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	lp_timer_init(&hook_timer, on_hook_timer, NULL);
	hook_calls = hook_timer_fired = 0;
	lp_loop_set_before_sleep(loop, before_sleep, NULL);
	/* No timer before the hook runs: the loop must still wake for the hook's timer. */
	assert_int_equal(lp_loop_run(loop), 0);
	assert_int_equal(hook_timer_fired, 1);
	assert_true(hook_calls >= 1);
	int calls = hook_calls;

	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(hook_calls, calls + 1);
	lp_loop_set_before_sleep(loop, NULL, NULL);
	assert_int_equal(lp_loop_run_once(loop, false), 0);
	assert_int_equal(hook_calls, calls + 1);
	lp_loop_del(loop);
}

/* A stop from a callback ends the iteration: later due timers wait for the next run. */
static void on_stopper(struct lp_loop *loop, struct lp_timer *t)
{
	struct rec *r = t->arg;

	r->fired++;
	lp_loop_stop(loop);
}

static void test_stop_from_callback(void **state)
{
	(void)state;
	struct lp_loop *loop;
	struct rec a = { .id = 0 }, b = { .id = 1 };

	assert_int_equal(lp_loop_new(&loop, 0), 0);
	lp_timer_init(&a.t, on_stopper, &a);
	lp_timer_init(&b.t, on_stopper, &b);
	assert_int_equal(lp_loop_timer_arm(loop, &a.t, 1), 0);
	assert_int_equal(lp_loop_timer_arm(loop, &b.t, 2), 0);
	assert_int_equal(lp_loop_run(loop), 0);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_true(lp_timer_armed(&b.t));
	assert_int_equal(lp_loop_run(loop), 0);
	assert_int_equal(b.fired, 1);
	lp_loop_del(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_cancel_rearm),
		cmocka_unit_test(test_periodic_and_stop),
		cmocka_unit_test(test_rearm_now_no_spin),
		cmocka_unit_test(test_many_timers),
		cmocka_unit_test(test_timer_limits),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_fd_delete_in_callback),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_signal_stops_run),
		cmocka_unit_test(test_before_sleep),
		cmocka_unit_test(test_stop_from_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
