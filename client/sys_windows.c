/*
 * sys_windows.c: sys.h on Windows (wide Win32 file calls with UTF-8 paths,
 * OpenProcess for liveness). The status file lives in
 * %ProgramData%\softlan, where the client (an administrator's program or a
 * service) writes it and any user's `lanparty-client status` reads it.
 */
#include "sys.h"

#include <windows.h>
#include <sddl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "winerr_windows.h"

#define WPATH_MAX 1024

static bool is_sep(wchar_t c)
{
	return c == L'\\' || c == L'/';
}

/* mkdir -p for the directory part of path (wide, writable in place). */
static int make_parent_dirs(wchar_t *path)
{
	wchar_t *last = NULL;

	for (wchar_t *p = path; *p; p++) {
		if (is_sep(*p))
			last = p;
	}
	if (!last)
		return 0;
	/* Skip a drive ("C:\") or a UNC share's first separators. */
	wchar_t *p = path;

	if (p[0] && p[1] == L':')
		p += 2;
	while (is_sep(*p))
		p++;
	for (; p <= last; p++) {
		if (!is_sep(*p))
			continue;
		wchar_t c = *p;

		*p = L'\0';
		bool ok = CreateDirectoryW(path, NULL) || GetLastError() == ERROR_ALREADY_EXISTS;

		*p = c;
		if (!ok)
			return lp_win_last_errno();
	}
	return 0;
}

/*
 * A file of mode 0600 (a secret) gets a DACL of its own: SYSTEM and the
 * Administrators only; others inherit their directory's.
 */
static PSECURITY_DESCRIPTOR private_sd(unsigned mode)
{
	PSECURITY_DESCRIPTOR sd = NULL;

	if (mode & 0044)
		return NULL;
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)",
								  SDDL_REVISION_1, &sd, NULL))
		return NULL;
	return sd;
}

int lp_sys_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	wchar_t wpath[WPATH_MAX], tmp[WPATH_MAX + 16];
	int r = lp_win_widen(path, wpath, WPATH_MAX);

	if (r < 0)
		return r == LP_ERR_TOO_BIG ? r : -EINVAL;
	if (len > MAXDWORD)
		return LP_ERR_TOO_BIG;
	if (swprintf(tmp, WPATH_MAX + 16, L"%ls.%lu.tmp", wpath, GetCurrentProcessId()) < 0)
		return LP_ERR_TOO_BIG;
	if ((r = make_parent_dirs(wpath)) < 0)
		return r;
	SECURITY_ATTRIBUTES sa = { .nLength = sizeof(sa),
				   .lpSecurityDescriptor = private_sd(mode) };
	HANDLE h =
		CreateFileW(tmp, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);

	if (h == INVALID_HANDLE_VALUE) {
		r = lp_win_last_errno();
		LocalFree(sa.lpSecurityDescriptor);
		return r;
	}
	DWORD n = 0;

	if (len && (!WriteFile(h, data, (DWORD)len, &n, NULL) || n != len))
		r = lp_win_last_errno();
	CloseHandle(h);
	LocalFree(sa.lpSecurityDescriptor);
	if (r == 0 && !MoveFileExW(tmp, wpath, MOVEFILE_REPLACE_EXISTING))
		r = lp_win_last_errno();
	if (r < 0)
		DeleteFileW(tmp);
	return r;
}

int lp_sys_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	wchar_t wpath[WPATH_MAX];
	int r = lp_win_widen(path, wpath, WPATH_MAX);

	*len = 0;
	if (cap > 0)
		buf[0] = '\0';
	if (r < 0)
		return r == LP_ERR_TOO_BIG ? r : -EINVAL;
	HANDLE h = CreateFileW(wpath, GENERIC_READ,
			       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);

	if (h == INVALID_HANDLE_VALUE)
		return lp_win_last_errno();
	LARGE_INTEGER size;

	if (!GetFileSizeEx(h, &size)) {
		r = lp_win_last_errno();
	} else if (size.QuadPart < 0 || (uint64_t)size.QuadPart >= cap ||
		   size.QuadPart > LP_SYS_FILE_MAX) {
		r = LP_ERR_TOO_BIG;
	} else {
		DWORD n = 0;

		if (!ReadFile(h, buf, (DWORD)size.QuadPart, &n, NULL))
			r = lp_win_last_errno();
		else
			*len = n;
	}
	CloseHandle(h);
	buf[r < 0 ? 0 : *len] = '\0';
	if (r < 0)
		*len = 0;
	return r;
}

int lp_sys_unlink(const char *path)
{
	wchar_t wpath[WPATH_MAX];

	if (lp_win_widen(path, wpath, WPATH_MAX) < 0)
		return -EINVAL;
	return DeleteFileW(wpath) ? 0 : lp_win_last_errno();
}

const char *lp_sys_os_name(void)
{
	return "windows";
}

int lp_sys_pid(void)
{
	return (int)GetCurrentProcessId();
}

bool lp_sys_pid_alive(int pid)
{
	if (pid <= 0)
		return false;
	HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);

	if (!h)
		return GetLastError() == ERROR_ACCESS_DENIED;
	DWORD code = 0;
	bool alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;

	CloseHandle(h);
	return alive;
}

int lp_sys_hostname(char *buf, size_t len)
{
	wchar_t w[256];
	DWORD n = 256;

	if (len == 0)
		return LP_ERR_NOBUF;
	buf[0] = '\0';
	if (!GetComputerNameExW(ComputerNameDnsHostname, w, &n))
		return lp_win_last_errno();
	char h[768];

	if (lp_win_narrow(w, h, sizeof(h)) < 0)
		return -EINVAL;
	h[strcspn(h, ".")] = '\0';
	snprintf(buf, len, "%s", h);
	return 0;
}

int lp_sys_status_path(const char *prog, char *out, size_t len)
{
	const char *base = getenv("ProgramData");
	int n = snprintf(out, len, "%s\\softlan\\%s.status",
			 base && base[0] ? base : "C:\\ProgramData", prog);

	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		return LP_ERR_NOBUF;
	}
	return 0;
}

bool lp_sys_exists(const char *path)
{
	wchar_t wpath[WPATH_MAX];

	return lp_win_widen(path, wpath, WPATH_MAX) == 0 &&
	       GetFileAttributesW(wpath) != INVALID_FILE_ATTRIBUTES;
}
