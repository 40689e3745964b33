/*
 * sys/random.h for the mingw-w64 build: getrandom(2) over the OS's CSPRNG
 * (rand_windows.c), for the OS-free code that calls it directly.
 */
#ifndef LP_COMPAT_SYS_RANDOM_H
#define LP_COMPAT_SYS_RANDOM_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

#include "rand.h"

static inline ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	int ret = lp_random_bytes(buf, len);
	if (ret < 0) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)len;
}

#endif
