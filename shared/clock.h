/*
 * clock.h: time sources.
 *
 * Protocol and event-loop time is a uint64_t count of nanoseconds from
 * CLOCK_MONOTONIC (ngtcp2's convention): it never jumps with the wall clock.
 * Wall-clock time is used only for what humans read (log timestamps).
 */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include <stdint.h>

#define LP_NS_PER_SEC 1000000000ull
#define LP_NS_PER_MS  1000000ull
#define LP_NS_PER_US  1000ull

/* "2026-11-26T11:31:50.123Z": 24 characters and a NUL. */
#define LP_TIME_UTC_LEN 25

/*
 * lp_now_ns: the monotonic clock in nanoseconds, from an arbitrary origin
 * (boot). Never fails on Linux; returns 0 only if the clock is missing.
 */
uint64_t lp_now_ns(void);

/*
 * lp_wall_ns: the wall clock (CLOCK_REALTIME) in nanoseconds since
 * 1970-01-01T00:00:00Z; 0 for a clock set before 1970. For display only:
 * it can jump in both directions.
 */
uint64_t lp_wall_ns(void);

/*
 * lp_time_format_utc: write unix_ns as ISO 8601 UTC with milliseconds,
 * "YYYY-MM-DDTHH:MM:SS.mmmZ", into buf (LP_TIME_UTC_LEN bytes, always
 * NUL-terminated; UINT64_MAX is 2554-07-21T23:34:33.709Z). Returns buf.
 */
char *lp_time_format_utc(uint64_t unix_ns, char buf[LP_TIME_UTC_LEN]);

#endif
