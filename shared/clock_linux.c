#include "clock.h"

#include <stdio.h>
#include <time.h>

static uint64_t timespec_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * LP_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t lp_now_ns(void)
{
	return timespec_ns(CLOCK_MONOTONIC);
}

uint64_t lp_wall_ns(void)
{
	return timespec_ns(CLOCK_REALTIME);
}

char *lp_time_format_utc(uint64_t unix_ns, char buf[LP_TIME_UTC_LEN])
{
	/* 2^64 ns is about 584 years: the year always has four digits. */
	time_t t = (time_t)(unix_ns / LP_NS_PER_SEC);
	unsigned ms = (unsigned)(unix_ns / LP_NS_PER_MS % 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, LP_TIME_UTC_LEN, "0000-00-00T00:00:00.000Z");
		return buf;
	}
	/* Every field is range-checked by gmtime_r; the masks tell the compiler. */
	snprintf(buf, LP_TIME_UTC_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u, ms % 1000u);
	return buf;
}
