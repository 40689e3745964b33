/*
 * rand_windows.c: the OS source of rand.h on Windows: the system's preferred
 * CSPRNG through BCryptGenRandom (no provider handle to open or leak).
 */
#include "rand.h"

#include <errno.h>
#include <windows.h>
#include <bcrypt.h>

#include "err.h"

int lp_random_bytes(void *buf, size_t len)
{
	if (!buf && len)
		return LP_ERR_INVALID;
	unsigned char *p = buf;

	while (len) {
		/* BCryptGenRandom takes a ULONG count: large requests go in pieces. */
		ULONG n = len > 0x40000000u ? 0x40000000u : (ULONG)len;

		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}
