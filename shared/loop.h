/*
 * loop.h: a small single-threaded event loop (after Redis's ae.c).
 *
 * One loop per process. It watches file descriptors, runs timers, turns
 * signals into ordinary events, and calls a hook once per wakeup before it
 * sleeps (QUIC flushes its batched writes there). The backend is one file
 * per OS: loop_linux.c uses epoll (level-triggered), a binary min-heap of
 * timers and a signalfd.
 *
 * Watches (struct lp_io) and timers (struct lp_timer) are embedded in their
 * owner's struct; the loop keeps pointers to them and never allocates per
 * event. An owner must remove its watch and cancel its timer before freeing
 * them; doing so from inside any callback is safe, including a watch's own
 * callback. Time is monotonic nanoseconds (clock.h).
 *
 * Callbacks run on the thread that called lp_loop_run(); the loop takes no
 * locks, so everything it touches belongs to that thread.
 */
#ifndef LP_LOOP_H
#define LP_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lp_loop;
struct lp_io;
struct lp_timer;

/* Events of a watch, as a mask. */
#define LP_IO_READ  0x1u
#define LP_IO_WRITE 0x2u
/* Only in callbacks: an error or hang-up on the fd; READ/WRITE as registered are set too. */
#define LP_IO_ERROR 0x4u

/* Default and hard maximum for the number of armed timers. */
#define LP_LOOP_TIMERS_DEFAULT 65536u
#define LP_LOOP_TIMERS_MAX     (1u << 24)

/*
 * io callback: events holds the LP_IO_* bits that are ready (never a bit that
 * is not registered, except LP_IO_ERROR).
 */
typedef void lp_io_cb(struct lp_loop *loop, struct lp_io *io, uint32_t events);
typedef void lp_timer_cb(struct lp_loop *loop, struct lp_timer *timer);
typedef void lp_signal_cb(struct lp_loop *loop, int signo, void *arg);
typedef void lp_loop_hook(struct lp_loop *loop, void *arg);

/* A watched fd. Fields are private except arg; set them with lp_io_init(). */
struct lp_io {
	int fd;
	uint32_t events; /* registered LP_IO_READ | LP_IO_WRITE */
	bool added;
	lp_io_cb *cb;
	void *arg; /* the owner's, for the callback */
};

/* A timer. Fields are private except arg; set them with lp_timer_init(). */
struct lp_timer {
	uint64_t deadline_ns;
	uint64_t seq;	   /* arming order: equal deadlines fire first-armed first */
	uint32_t heap_idx; /* LP_TIMER_IDLE when not armed */
	lp_timer_cb *cb;
	void *arg; /* the owner's, for the callback */
};

#define LP_TIMER_IDLE UINT32_MAX

/*
 * lp_loop_new: create a loop that accepts up to max_timers armed timers at
 * once (0: LP_LOOP_TIMERS_DEFAULT; at most LP_LOOP_TIMERS_MAX). *out receives
 * it; free it with lp_loop_del().
 * Returns 0, LP_ERR_INVALID for max_timers over the maximum, LP_ERR_NOMEM,
 * or -errno from epoll_create1(2).
 */
int lp_loop_new(struct lp_loop **out, size_t max_timers);

/*
 * lp_loop_del: close the loop's own fds, unblock the signals it blocked, and
 * free it. Watched fds are not closed and timers are left disarmed.
 * NULL is accepted. Not from inside a callback of that loop.
 */
void lp_loop_del(struct lp_loop *loop);

/*
 * lp_loop_run: wait for events and dispatch them until lp_loop_stop().
 * Returns 0 after a stop, or -errno when waiting fails (other than EINTR).
 * A stop requested before the call is honoured at once.
 */
int lp_loop_run(struct lp_loop *loop);

/*
 * lp_loop_run_once: one iteration: run the before-sleep hook, wait (at most
 * until the next timer; not at all when block is false), dispatch what is
 * ready. Returns the number of callbacks run (watches, timers, signals), or
 * -errno when waiting fails. For tests and for embedding in another loop.
 */
int lp_loop_run_once(struct lp_loop *loop, bool block);

/*
 * lp_loop_stop: make lp_loop_run() return once the running callback returns;
 * events not yet dispatched wait for the next run. Callable from callbacks.
 */
void lp_loop_stop(struct lp_loop *loop);

/* lp_loop_now: monotonic time taken when the loop last woke up (cheap). */
uint64_t lp_loop_now(const struct lp_loop *loop);

/*
 * lp_loop_set_before_sleep: call hook(loop, arg) once per iteration, before
 * the loop computes its timeout and sleeps; it may arm timers and watch fds.
 * NULL removes it.
 */
void lp_loop_set_before_sleep(struct lp_loop *loop, lp_loop_hook *hook, void *arg);

/* --- file descriptors --- */

/* lp_io_init: prepare a watch of fd; nothing is registered yet. */
void lp_io_init(struct lp_io *io, int fd, lp_io_cb *cb, void *arg);

/*
 * lp_loop_io_add: start watching io->fd for events (LP_IO_READ and/or
 * LP_IO_WRITE; 0 registers the fd for errors only). io must stay valid until
 * lp_loop_io_del(). The loop watches an fd at most once.
 * Returns 0; LP_ERR_INVALID for other event bits; LP_ERR_STATE when io is
 * already added; -errno from epoll_ctl(2) (-EEXIST: fd already watched,
 * -EPERM: an fd epoll cannot watch, such as a regular file).
 */
int lp_loop_io_add(struct lp_loop *loop, struct lp_io *io, uint32_t events);

/*
 * lp_loop_io_modify: change the events watched (a level-triggered write
 * watch fires as long as the fd is writable: watch LP_IO_WRITE only while
 * output is queued). Returns 0, LP_ERR_INVALID, LP_ERR_STATE when io is not
 * added, or -errno from epoll_ctl(2).
 */
int lp_loop_io_modify(struct lp_loop *loop, struct lp_io *io, uint32_t events);

/*
 * lp_loop_io_del: stop watching io; events already collected for it are
 * dropped. Call before closing the fd. No-op (0) when io is not added.
 * Returns 0, or -errno from epoll_ctl(2) (io is forgotten anyway).
 */
int lp_loop_io_del(struct lp_loop *loop, struct lp_io *io);

/* --- timers --- */

/* lp_timer_init: prepare a disarmed timer. */
void lp_timer_init(struct lp_timer *t, lp_timer_cb *cb, void *arg);

/*
 * lp_loop_timer_arm: (re-)arm t to fire once at deadline_ns (monotonic;
 * a deadline in the past fires on the next iteration). Re-arming an armed
 * timer moves it. O(log n). To repeat, arm again from the callback, from the
 * old deadline to avoid drift.
 * Returns 0, LP_ERR_LIMIT when max_timers are armed, or LP_ERR_NOMEM when the
 * heap could not grow; t is then disarmed.
 */
int lp_loop_timer_arm(struct lp_loop *loop, struct lp_timer *t, uint64_t deadline_ns);

/* lp_loop_timer_arm_in: lp_loop_timer_arm at lp_now_ns() + delay_ns (saturating). */
int lp_loop_timer_arm_in(struct lp_loop *loop, struct lp_timer *t, uint64_t delay_ns);

/* lp_loop_timer_cancel: disarm t; no-op when it is not armed. O(log n). */
void lp_loop_timer_cancel(struct lp_loop *loop, struct lp_timer *t);

/* lp_timer_armed: true while t waits to fire. */
bool lp_timer_armed(const struct lp_timer *t);

/* lp_timer_deadline: the deadline t was last armed with. */
uint64_t lp_timer_deadline(const struct lp_timer *t);

/* lp_loop_timers: how many timers are armed. */
size_t lp_loop_timers(const struct lp_loop *loop);

/* --- signals --- */

/*
 * lp_loop_signal_add: deliver signo as a loop event: cb(loop, signo, arg)
 * runs from the loop, not in a signal handler. The signal is blocked for the
 * calling thread (do this at start-up, before any thread is created, so all
 * threads inherit the mask) and read from a signalfd. Adding a signal again
 * replaces its callback. Meant for SIGINT, SIGTERM, SIGHUP and the like.
 * Returns 0; LP_ERR_INVALID for a signal out of range, SIGKILL, SIGSTOP or a
 * NULL cb; -errno from sigprocmask(2) or signalfd(2).
 */
int lp_loop_signal_add(struct lp_loop *loop, int signo, lp_signal_cb *cb, void *arg);

/*
 * lp_loop_signal_del: stop delivering signo and restore its blocked state as
 * it was before lp_loop_signal_add() (a pending signal may then act at once).
 * Returns 0, LP_ERR_NOT_FOUND when signo was not added, or -errno.
 */
int lp_loop_signal_del(struct lp_loop *loop, int signo);

#endif
