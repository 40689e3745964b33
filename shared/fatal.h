/*
 * fatal.h: log an error and exit(2). For start-up and config loading in the
 * binaries' main.c only: a bad flag, a config file that does not parse, a
 * port that cannot be bound. Never for anything that arrives from the
 * network, and never from shared/ library code, which returns errors instead.
 */
#ifndef LP_FATAL_H
#define LP_FATAL_H

#include "log.h"

/* Exit status of fatal() and fatalx(). */
#define LP_FATAL_EXIT 2

/*
 * lp_fatal: write an error line, with error="<strerror(err)>" appended when
 * err >= 0 (LP_LOG_NO_ERRNO: nothing), and exit(LP_FATAL_EXIT).
 * Use it through fatal() (appends errno) and fatalx() (does not).
 */
void lp_fatal(int err, const char *fmt, ...) __attribute__((noreturn)) LP_LOG_PRINTF(2, 3);

/* errno is read before the arguments are evaluated, so they cannot clobber it. */
#define fatal(...)                                                                                 \
	do {                                                                                       \
		int lp_fatal_errno_ = errno;                                                       \
		lp_fatal(lp_fatal_errno_, __VA_ARGS__);                                            \
	} while (0)
#define fatalx(...) lp_fatal(LP_LOG_NO_ERRNO, __VA_ARGS__)

#endif
