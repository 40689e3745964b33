/*
 * winerr_windows.c: Win32 errors as -errno, and UTF-8 conversions.
 */
#include "winerr_windows.h"

#include <errno.h>
#include <limits.h>
#include <windows.h>

#include "err.h"

int lp_win_errno(unsigned long err)
{
	switch (err) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_NOT_FOUND:
		return -ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_PRIVILEGE_NOT_HELD:
		return -EACCES;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
	case ERROR_OBJECT_ALREADY_EXISTS:
		return -EEXIST;
	case ERROR_SHARING_VIOLATION:
	case ERROR_BUSY:
		return -EBUSY;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return -ENOMEM;
	case ERROR_INVALID_PARAMETER:
		return -EINVAL;
	case ERROR_NOT_SUPPORTED:
	case ERROR_CALL_NOT_IMPLEMENTED:
		return -ENOSYS;
	case ERROR_DEV_NOT_EXIST:
	case ERROR_GEN_FAILURE:
		return -ENODEV;
	case ERROR_IO_PENDING:
		return -EAGAIN;
	case ERROR_FILENAME_EXCED_RANGE:
		return -ENAMETOOLONG;
	default:
		return -EIO;
	}
}

int lp_win_last_errno(void)
{
	return lp_win_errno(GetLastError());
}

int lp_win_widen(const char *s, wchar_t *out, size_t n)
{
	if (n == 0 || n > INT_MAX)
		return LP_ERR_TOO_BIG;
	int r = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, (int)n);

	if (r > 0)
		return 0;
	out[0] = L'\0';
	return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? LP_ERR_TOO_BIG : LP_ERR_INVALID;
}

int lp_win_narrow(const wchar_t *s, char *out, size_t n)
{
	if (n == 0 || n > INT_MAX)
		return LP_ERR_TOO_BIG;
	int r = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, s, -1, out, (int)n, NULL, NULL);

	if (r > 0)
		return 0;
	out[0] = '\0';
	return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? LP_ERR_TOO_BIG : LP_ERR_INVALID;
}
