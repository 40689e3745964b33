#include "rand.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "err.h"

int lp_random_bytes(void *buf, size_t len)
{
	if (!buf && len)
		return LP_ERR_INVALID;
	unsigned char *p = buf;
	while (len) {
		/* Flags 0: the urandom pool, which blocks only until it is first seeded. */
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Large requests and signals return short counts; 0 would never advance. */
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
