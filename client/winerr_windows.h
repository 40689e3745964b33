/*
 * winerr_windows.h: Win32 error codes as the -errno values softlan's
 * headers promise, and UTF-8 <-> UTF-16 for the wide Win32 calls.
 */
#ifndef LP_WINERR_WINDOWS_H
#define LP_WINERR_WINDOWS_H

#include <stddef.h>
#include <wchar.h>

/* lp_win_errno: -errno for a GetLastError() value (-EIO for the unknown ones). */
int lp_win_errno(unsigned long err);

/* lp_win_last_errno: lp_win_errno(GetLastError()). */
int lp_win_last_errno(void);

/*
 * lp_win_widen: UTF-8 s to UTF-16 in out (n wide characters).
 * Returns 0, LP_ERR_INVALID (not UTF-8) or LP_ERR_TOO_BIG.
 */
int lp_win_widen(const char *s, wchar_t *out, size_t n);

/*
 * lp_win_narrow: UTF-16 s to UTF-8 in out (n bytes).
 * Returns 0, LP_ERR_INVALID or LP_ERR_TOO_BIG.
 */
int lp_win_narrow(const wchar_t *s, char *out, size_t n);

#endif
