/*
 * string.h for the mingw-w64 build: the C runtime's, plus explicit_bzero,
 * which it lacks. The volatile stores cannot be optimised away, which is
 * all explicit_bzero promises (secrets wiped before memory is reused).
 */
#ifndef LP_COMPAT_STRING_H
#define LP_COMPAT_STRING_H

#include_next <string.h>

static inline void explicit_bzero(void *p, size_t n)
{
	volatile unsigned char *v = (volatile unsigned char *)p;

	while (n--)
		*v++ = 0;
}

#endif
