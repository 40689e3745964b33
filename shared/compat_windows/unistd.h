/*
 * unistd.h for the mingw-w64 build: the C runtime's, with read and write
 * taking a size_t count as POSIX has them (the runtime's take an unsigned
 * int; no caller here moves more than a few kilobytes at once), and fsync.
 */
#ifndef LP_COMPAT_UNISTD_H
#define LP_COMPAT_UNISTD_H

#include_next <unistd.h>

#include <io.h>
#include <limits.h>
#include <stddef.h>

static inline int lp_compat_read(int fd, void *buf, size_t n)
{
	return _read(fd, buf, n > INT_MAX ? (unsigned)INT_MAX : (unsigned)n);
}

static inline int lp_compat_write(int fd, const void *buf, size_t n)
{
	return _write(fd, buf, n > INT_MAX ? (unsigned)INT_MAX : (unsigned)n);
}

/* fsync: flush the file to disk (the runtime calls it _commit). */
static inline int fsync(int fd)
{
	return _commit(fd);
}

#define read(fd, buf, n)  lp_compat_read((fd), (buf), (n))
#define write(fd, buf, n) lp_compat_write((fd), (buf), (n))

#endif
