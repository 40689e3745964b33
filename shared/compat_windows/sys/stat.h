/*
 * sys/stat.h for the mingw-w64 build: the C runtime's, plus fchmod, which
 * it lacks. Windows files carry ACLs, not POSIX modes: a new file takes its
 * directory's ACL, so fchmod has nothing to do (the client writes its
 * secrets through sys_windows.c, which sets a private ACL itself).
 */
#ifndef LP_COMPAT_SYS_STAT_H
#define LP_COMPAT_SYS_STAT_H

#include_next <sys/stat.h>

static inline int fchmod(int fd, unsigned int mode)
{
	(void)fd;
	(void)mode;
	return 0;
}

#endif
