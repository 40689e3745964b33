/*
 * sys.h: the few operating-system services the agent core needs besides the
 * UDP socket (net.h): files written atomically, process ids, the host name
 * and the default place of the status file. One implementation file per OS
 * (sys_linux.c); a Windows file replaces it later, so nothing here names a
 * POSIX type.
 */
#ifndef LP_SYS_H
#define LP_SYS_H

#include <stdbool.h>
#include <stddef.h>

/* Largest file lp_sys_read_file() reads (status files are a few hundred bytes). */
#define LP_SYS_FILE_MAX (64 * 1024)

/*
 * lp_sys_write_file: replace the file at path with len bytes of data,
 * atomically for readers: a temporary file in the same directory, then a
 * rename over path. Missing parent directories are created (mode 0755).
 * mode: permissions of a new file (e.g. 0644).
 * Returns 0, LP_ERR_TOO_BIG (path too long for the temporary name) or -errno
 * (mkdir, open, write, rename).
 */
int lp_sys_write_file(const char *path, const void *data, size_t len, unsigned mode);

/*
 * lp_sys_read_file: read the whole file at path into buf (cap bytes) and
 * NUL-terminate it; *len receives its length without the NUL.
 * Returns 0, -errno (-ENOENT: no such file), LP_ERR_TOO_BIG (the file does
 * not fit buf with its NUL, or exceeds LP_SYS_FILE_MAX).
 */
int lp_sys_read_file(const char *path, char *buf, size_t cap, size_t *len);

/* lp_sys_unlink: remove the file at path. Returns 0 or -errno. */
int lp_sys_unlink(const char *path);

/* lp_sys_os_name: the OS as agents name it in hello.agent: "linux". */
const char *lp_sys_os_name(void);

/* lp_sys_pid: this process's id. */
int lp_sys_pid(void);

/*
 * lp_sys_pid_alive: true when a process with this id exists (also one
 * this user may not signal). False for pid <= 0.
 */
bool lp_sys_pid_alive(int pid);

/*
 * lp_sys_hostname: the host's name (the first label only, as people call
 * their PC), cut to len - 1 bytes. Returns 0 or -errno (buf then holds "").
 */
int lp_sys_hostname(char *buf, size_t len);

/* The system-wide status directory (root, or a service with RuntimeDirectory=softlan). */
#define LP_SYS_STATUS_DIR "/run/softlan"

/*
 * lp_sys_status_path: the default status file of program prog:
 * /run/softlan/PROG.status when running as root or when that directory is
 * writable (a systemd service with RuntimeDirectory=softlan), else
 * $XDG_RUNTIME_DIR/softlan/PROG.status when that variable names an absolute
 * directory, else /tmp/softlan-UID/PROG.status.
 * Returns 0 or LP_ERR_NOBUF (out then holds "").
 */
int lp_sys_status_path(const char *prog, char *out, size_t len);

/* lp_sys_exists: true when path names an existing file. */
bool lp_sys_exists(const char *path);

#endif
