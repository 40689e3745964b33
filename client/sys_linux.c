/*
 * sys_linux.c: sys.h on Linux (POSIX files, kill(2) for liveness).
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

/* The directory part of path into dir; "." when there is none. */
static int dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, len, ".");
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return LP_ERR_TOO_BIG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/* mkdir -p dir (mode 0755 for each level made). */
static int make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return n ? LP_ERR_TOO_BIG : 0;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The status file may live in a directory under /tmp, where another user
 * could have made it first: write only into a real directory of ours (or
 * root's).
 */
static int dir_trusted(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return -EPERM;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int lp_sys_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int r, fd, n;

	if ((r = dir_of(path, dir, sizeof(dir))) < 0)
		return r;
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return LP_ERR_TOO_BIG;
	if ((r = make_dirs(dir)) < 0 || (r = dir_trusted(dir)) < 0)
		return r;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, (mode_t)mode) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int lp_sys_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	size_t have = 0;
	int fd, r = 0;

	*len = 0;
	if (cap > 0)
		buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (have + 1 >= cap || have >= LP_SYS_FILE_MAX) {
			char c;
			ssize_t n = read(fd, &c, 1);

			r = n == 0 ? 0 : LP_ERR_TOO_BIG;
			break;
		}
		ssize_t n = read(fd, buf + have, cap - 1 - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		if (cap > 0)
			buf[0] = '\0';
		return r;
	}
	buf[have] = '\0';
	*len = have;
	return 0;
}

int lp_sys_unlink(const char *path)
{
	return unlink(path) < 0 ? -errno : 0;
}

const char *lp_sys_os_name(void)
{
	return "linux";
}

int lp_sys_pid(void)
{
	return (int)getpid();
}

bool lp_sys_pid_alive(int pid)
{
	if (pid <= 0)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int lp_sys_hostname(char *buf, size_t len)
{
	char h[256];

	if (len == 0)
		return LP_ERR_NOBUF;
	buf[0] = '\0';
	if (gethostname(h, sizeof(h)) < 0)
		return -errno;
	h[sizeof(h) - 1] = '\0';
	h[strcspn(h, ".")] = '\0';
	snprintf(buf, len, "%s", h);
	return 0;
}

int lp_sys_status_path(const char *prog, char *out, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0 || access(LP_SYS_STATUS_DIR, W_OK) == 0)
		n = snprintf(out, len, "%s/%s.status", LP_SYS_STATUS_DIR, prog);
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, len, "%s/softlan/%s.status", xdg, prog);
	else
		n = snprintf(out, len, "/tmp/softlan-%u/%s.status", (unsigned)geteuid(), prog);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		return LP_ERR_NOBUF;
	}
	return 0;
}

bool lp_sys_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}
