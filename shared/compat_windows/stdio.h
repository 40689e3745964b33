/*
 * stdio.h for the mingw-w64 build: the C runtime's, with remove() taking
 * empty directories too, as POSIX's does (the runtime's removes files only).
 */
#ifndef LP_COMPAT_STDIO_H
#define LP_COMPAT_STDIO_H

#include_next <stdio.h>

#include <direct.h>

static inline int lp_compat_remove(const char *path)
{
	return remove(path) == 0 || _rmdir(path) == 0 ? 0 : -1;
}

#define remove(path) lp_compat_remove(path)

#endif
