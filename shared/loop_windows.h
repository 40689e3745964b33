/*
 * loop_windows.h: what the Windows backend of loop.h (loop_windows.c) adds.
 *
 * On Windows the loop waits with WaitForMultipleObjects on event objects:
 * a watched socket (struct lp_io's fd) gets an event of the loop's own
 * through WSAEventSelect, and an owner with overlapped I/O (the TAP device)
 * hands the loop its own event with lp_loop_event_add(). At most
 * LP_LOOP_WATCHES_MAX watches of both kinds together.
 *
 * Signals: SIGINT (Ctrl-C), SIGBREAK (Ctrl-Break) and SIGTERM (the console
 * closed, log-off, shutdown) come from a console control handler; another
 * thread (a service's control handler) may raise any signal with
 * lp_loop_raise(). They are delivered to the callbacks of
 * lp_loop_signal_add() on the loop's thread. When the console is closed,
 * Windows ends the process once the handler returns: the handler waits for
 * lp_loop_del() (at most LP_LOOP_CLOSE_WAIT_MS) so the program can undo its
 * changes first.
 */
#ifndef LP_LOOP_WINDOWS_H
#define LP_LOOP_WINDOWS_H

#include "loop.h"

/* WaitForMultipleObjects takes 64 handles; one is the loop's signal event. */
#define LP_LOOP_WATCHES_MAX 63
/* How long a closing console waits for the program to clean up. */
#define LP_LOOP_CLOSE_WAIT_MS 4500

/*
 * lp_loop_event_add: watch a Win32 event object (a HANDLE passed as void *,
 * manual-reset): while it is signalled, io's callback runs with LP_IO_READ
 * on each iteration, so the callback must reset it (or start the I/O that
 * resets it). io's fd is not used; remove the watch with lp_loop_io_del().
 * Returns 0; LP_ERR_INVALID for a NULL event; LP_ERR_STATE when io is
 * already added; LP_ERR_LIMIT when LP_LOOP_WATCHES_MAX are watched.
 */
int lp_loop_event_add(struct lp_loop *loop, struct lp_io *io, void *event);

/*
 * lp_loop_raise: deliver signo to the loop that has a callback for it, as
 * if the signal had come: safe from any thread. Returns 0, LP_ERR_INVALID
 * for a signal out of range, or LP_ERR_NOT_FOUND when no loop takes
 * signals yet.
 */
int lp_loop_raise(int signo);

#endif
