/* sys/uio.h for the mingw-w64 build: only struct iovec, as POSIX defines it. */
#ifndef LP_COMPAT_SYS_UIO_H
#define LP_COMPAT_SYS_UIO_H

#include <stddef.h>

struct iovec {
	void *iov_base;
	size_t iov_len;
};

#endif
