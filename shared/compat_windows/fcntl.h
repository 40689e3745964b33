/*
 * fcntl.h for the mingw-w64 build: the C runtime's, plus the POSIX flags it
 * lacks. O_CLOEXEC maps to _O_NOINHERIT (a child process does not get the
 * handle); a Windows file is never a controlling terminal.
 */
#ifndef LP_COMPAT_FCNTL_H
#define LP_COMPAT_FCNTL_H

#include_next <fcntl.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC _O_NOINHERIT
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif
/* Directories cannot be opened as files: a best-effort directory sync skips. */
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif

#endif
