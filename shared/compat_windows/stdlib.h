/*
 * stdlib.h for the mingw-w64 build: the C runtime's, plus mkdtemp (POSIX),
 * which the tests use for scratch directories: the runtime's _mktemp_s
 * picks an unused name, _mkdir makes it (retried if another process raced).
 */
#ifndef LP_COMPAT_STDLIB_H
#define LP_COMPAT_STDLIB_H

#include_next <stdlib.h>

#include <direct.h>
#include <errno.h>
#include <string.h>

static inline char *mkdtemp(char *tmpl)
{
	size_t n = strlen(tmpl);

	if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return NULL;
	}
	for (int tries = 0; tries < 100; tries++) {
		memcpy(tmpl + n - 6, "XXXXXX", 6);
		if (_mktemp_s(tmpl, n + 1) != 0)
			return NULL;
		if (_mkdir(tmpl) == 0)
			return tmpl;
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

#endif
