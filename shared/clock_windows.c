/*
 * clock_windows.c: clock.h on Windows: QueryPerformanceCounter for the
 * monotonic clock, the precise system time for the wall clock.
 */
#include "clock.h"

#include <stdio.h>
#include <time.h>
#include <windows.h>

uint64_t lp_now_ns(void)
{
	static uint64_t freq;
	LARGE_INTEGER c;

	if (!freq) {
		LARGE_INTEGER f;

		/* Never fails on Windows XP and later; the frequency is fixed at boot. */
		if (!QueryPerformanceFrequency(&f) || f.QuadPart <= 0)
			return 0;
		freq = (uint64_t)f.QuadPart;
	}
	if (!QueryPerformanceCounter(&c) || c.QuadPart < 0)
		return 0;
	uint64_t t = (uint64_t)c.QuadPart;
	/* Split so that ticks * 1e9 cannot overflow 64 bits. */
	return t / freq * LP_NS_PER_SEC + t % freq * LP_NS_PER_SEC / freq;
}

/* 100 ns intervals from 1601-01-01 (FILETIME) to 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000ull

uint64_t lp_wall_ns(void)
{
	FILETIME ft;

	GetSystemTimePreciseAsFileTime(&ft);
	uint64_t t = (uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime;

	return t < FILETIME_UNIX_EPOCH ? 0 : (t - FILETIME_UNIX_EPOCH) * 100;
}

char *lp_time_format_utc(uint64_t unix_ns, char buf[LP_TIME_UTC_LEN])
{
	/* FILETIME holds the year 30828 at most: SYSTEMTIME's fields are bounded. */
	uint64_t ft = unix_ns / 100 + FILETIME_UNIX_EPOCH;
	FILETIME f = { .dwLowDateTime = (DWORD)ft, .dwHighDateTime = (DWORD)(ft >> 32) };
	SYSTEMTIME st;

	if (!FileTimeToSystemTime(&f, &st)) {
		snprintf(buf, LP_TIME_UTC_LEN, "0000-00-00T00:00:00.000Z");
		return buf;
	}
	snprintf(buf, LP_TIME_UTC_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)st.wYear % 10000u, (unsigned)st.wMonth % 100u, (unsigned)st.wDay % 100u,
		 (unsigned)st.wHour % 100u, (unsigned)st.wMinute % 100u,
		 (unsigned)st.wSecond % 100u, (unsigned)(unix_ns / LP_NS_PER_MS % 1000));
	return buf;
}
