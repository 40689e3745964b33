/*
 * log.h: leveled logging as readable text or JSON lines.
 *
 * A message is an event word and then key=value pairs:
 *
 *	log_info("member_joined room=%s member=%u role=%s", room, id, role);
 *
 * Text output (the default) writes the message as rendered, after a UTC
 * timestamp and the level:
 *
 *	2026-11-26T11:31:50.123Z info  member_joined room=lan1 member=7 role=client
 *
 * JSON output writes one object per line; the first word becomes "event",
 * each key=value pair a string field, and any other word goes, in order,
 * into a "msg" field:
 *
 *	{"ts":"2026-11-26T11:31:50.123Z","level":"info","prog":"lanparty-relay",
 *	 "event":"member_joined","room":"lan1","member":"7","role":"client"}
 *
 * A value holding spaces is written quoted, key="two words" (lp_log_quote()
 * does it for strings from peers); JSON gets it unquoted. Keys are
 * [A-Za-z0-9_.-]+; ts, level, prog, event, msg and truncated are reserved,
 * and a pair using one of them is treated as a plain word.
 *
 * The level is checked before the arguments are evaluated, so a disabled
 * log_trace() in the forwarding path costs one load and one compare.
 * Lines are built in fixed buffers on the stack (no allocation) and written
 * with one write(2) each; a line longer than LP_LOG_LINE_MAX is cut and
 * marked (text: " [truncated]", JSON: "truncated":true). Control characters
 * and invalid UTF-8 are escaped, so a peer's string can neither split a line
 * nor break the JSON. Single-threaded: call from the event loop's thread.
 */
#ifndef LP_LOG_H
#define LP_LOG_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"

enum lp_log_level {
	LP_LOG_ERROR = 0,
	LP_LOG_WARN = 1,
	LP_LOG_INFO = 2,
	LP_LOG_DEBUG = 3,
	LP_LOG_TRACE = 4, /* per-frame detail */
	LP_LOG__COUNT = 5
};

enum lp_log_format {
	LP_LOG_TEXT = 0,
	LP_LOG_JSON = 1
};

/* Longest message as rendered by printf, before error= and suppressed= are added. */
#define LP_LOG_MSG_MAX 1024
/* Longest output line, newline included. Below PIPE_BUF so a line is written atomically. */
#define LP_LOG_LINE_MAX 2048
/* Longest program name kept (longer ones are cut). */
#define LP_LOG_PROG_MAX 32
/* Longest log file path. */
#define LP_LOG_PATH_MAX 4096
/* Pass as err to lp_log_emit() for "no errno to report". */
#define LP_LOG_NO_ERRNO (-1)

/* mingw-w64 builds use its C99 printf (__USE_MINGW_ANSI_STDIO), not msvcrt's. */
#ifdef __MINGW32__
#define LP_LOG_PRINTF(fmt_idx, arg_idx) __attribute__((format(gnu_printf, fmt_idx, arg_idx)))
#else
#define LP_LOG_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#endif

/* Private: the most verbose level written. Set it with lp_log_set_level(). */
extern enum lp_log_level lp_log_max_level;

/* lp_log_enabled: true when lines at level are written. */
static inline bool lp_log_enabled(enum lp_log_level level)
{
	return level <= lp_log_max_level;
}

/*
 * lp_log_init: name the program for JSON output ("prog") and reset level and
 * format to info and text. prog is copied (cut to LP_LOG_PROG_MAX - 1 bytes);
 * NULL keeps "softlan". The output is left as it is (stderr until
 * lp_log_open()).
 */
void lp_log_init(const char *prog);

/* lp_log_set_level: write lines at level and below; out-of-range values are ignored. */
void lp_log_set_level(enum lp_log_level level);
enum lp_log_level lp_log_get_level(void);

/* lp_log_set_format: text or JSON lines; out-of-range values are ignored. */
void lp_log_set_format(enum lp_log_format format);

/*
 * lp_log_open: send lines to the file at path (created 0640, appended to) or,
 * for NULL, to stderr. The path is copied for lp_log_reopen(). The previous
 * log file, if any, is closed once the new one is open.
 * Returns 0; LP_ERR_INVALID for an empty path; LP_ERR_TOO_BIG for a path of
 * LP_LOG_PATH_MAX bytes or more; -errno from open(2). On error the previous
 * output stays in use.
 */
int lp_log_open(const char *path);

/*
 * lp_log_reopen: open the log file's path again, for rotation on SIGHUP
 * (the old file was renamed away). No-op when logging to stderr.
 * Returns 0, or -errno from open(2); the old file then stays in use.
 */
int lp_log_reopen(void);

/* lp_log_close: close the log file, if any, and go back to stderr. */
void lp_log_close(void);

/*
 * lp_log_level_parse: "error", "warn" (or "warning"), "info", "debug" or
 * "trace", any case, for --log-level. Returns 0, or LP_ERR_INVALID for
 * anything else or NULL (out untouched).
 */
int lp_log_level_parse(const char *s, enum lp_log_level *out);

/*
 * lp_log_format_parse: "text" or "json", any case, for --log-format.
 * Returns 0, or LP_ERR_INVALID (out untouched).
 */
int lp_log_format_parse(const char *s, enum lp_log_format *out);

/* lp_log_level_name: "error" ... "trace"; NULL when out of range. */
const char *lp_log_level_name(enum lp_log_level level);

/*
 * lp_log_write: format and write one line at level (if enabled). Use the
 * log_* macros, which skip evaluating the arguments when disabled.
 * Preserves errno.
 */
void lp_log_write(enum lp_log_level level, const char *fmt, ...) LP_LOG_PRINTF(2, 3);

/*
 * lp_log_emit: lp_log_write with extras appended to the message:
 * err >= 0 adds error="<strerror(err)>"; suppressed > 0 adds suppressed=<n>.
 * Preserves errno.
 */
void lp_log_emit(enum lp_log_level level, int err, uint64_t suppressed, const char *fmt, ...)
	LP_LOG_PRINTF(4, 5);
/* lp_log_vemit: lp_log_emit with a va_list (for fatal() and wrappers). */
void lp_log_vemit(enum lp_log_level level, int err, uint64_t suppressed, const char *fmt,
		  va_list ap) LP_LOG_PRINTF(4, 0);

/*
 * lp_log_quote: write s as a quoted message value into buf (size bytes):
 * '"', s with '"' and '\' escaped by '\', '"', NUL. A string too long for buf
 * is cut on a character boundary and still closed. s == NULL writes "".
 * With size < 3, buf gets an empty string (if size > 0). Returns buf, so it
 * can be used as a printf argument:
 *	char q[64];
 *	log_info("hello agent=%s", lp_log_quote(q, sizeof(q), agent));
 */
char *lp_log_quote(char *buf, size_t size, const char *s);

/* --- rate-limited lines --- */

/*
 * State of one rate-limited log site: at most `lines` lines per interval;
 * the next line written after some were skipped carries suppressed=<count>.
 * Nothing is printed by itself when the interval ends: the count waits for
 * the next line (as the kernel's printk_ratelimit does).
 */
struct lp_log_rl {
	struct lp_ratelimit rl;
	uint64_t suppressed;
};

/* Static initialiser: `static struct lp_log_rl rl = LP_LOG_RL_INIT(10, 5);` (lines, seconds). */
#define LP_LOG_RL_INIT(lines, seconds)                                                             \
	{                                                                                          \
		.rl = LP_RATELIMIT_INIT_INTERVAL((lines), (uint64_t)(seconds)*1000000000ull),      \
		.suppressed = 0                                                                    \
	}

/*
 * lp_log_rl_init: at most lines lines per interval_ns (lines == 0: no limit).
 * Returns 0, or LP_ERR_INVALID as lp_ratelimit_init_interval(); lrl is then
 * unlimited.
 */
int lp_log_rl_init(struct lp_log_rl *lrl, uint64_t lines, uint64_t interval_ns);

/*
 * lp_log_rl_take: may a line be written now (monotonic clock)? If so,
 * returns true and moves the number of lines skipped since the last one into
 * *suppressed; otherwise counts one more skipped line and returns false.
 */
bool lp_log_rl_take(struct lp_log_rl *lrl, uint64_t *suppressed);

/*
 * lp_log_set_clock: tests only. Replace the wall clock used for timestamps
 * and the monotonic clock used by rate limits; NULL restores the real one.
 */
void lp_log_set_clock(uint64_t (*wall_ns)(void), uint64_t (*mono_ns)(void));

/* --- the macros to use --- */

#define LP_LOG_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define lp_log_at_(level, ...)                                                                     \
	do {                                                                                       \
		if (lp_log_enabled(level))                                                         \
			lp_log_write((level), __VA_ARGS__);                                        \
	} while (0)

/* errno is read before the arguments are evaluated, so they cannot clobber it. */
#define lp_log_errno_at_(level, ...)                                                               \
	do {                                                                                       \
		if (lp_log_enabled(level)) {                                                       \
			int lp_log_errno_ = errno;                                                 \
			lp_log_emit((level), lp_log_errno_, 0, __VA_ARGS__);                       \
		}                                                                                  \
	} while (0)

#define lp_log_rl_at_(level, err_expr, lrl, ...)                                                   \
	do {                                                                                       \
		if (lp_log_enabled(level)) {                                                       \
			int lp_log_errno_ = (err_expr);                                            \
			uint64_t lp_log_supp_;                                                     \
			if (lp_log_rl_take((lrl), &lp_log_supp_))                                  \
				lp_log_emit((level), lp_log_errno_, lp_log_supp_, __VA_ARGS__);    \
		}                                                                                  \
	} while (0)

#define log_error(...) lp_log_at_(LP_LOG_ERROR, __VA_ARGS__)
/* log_warn: appends error="<strerror(errno)>". */
#define log_warn(...)  lp_log_errno_at_(LP_LOG_WARN, __VA_ARGS__)
#define log_warnx(...) lp_log_at_(LP_LOG_WARN, __VA_ARGS__)
#define log_info(...)  lp_log_at_(LP_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (LP_LOG_UNLIKELY(lp_log_enabled(LP_LOG_DEBUG)))                                 \
			lp_log_write(LP_LOG_DEBUG, __VA_ARGS__);                                   \
	} while (0)
#define log_trace(...)                                                                             \
	do {                                                                                       \
		if (LP_LOG_UNLIKELY(lp_log_enabled(LP_LOG_TRACE)))                                 \
			lp_log_write(LP_LOG_TRACE, __VA_ARGS__);                                   \
	} while (0)

/* Rate-limited variants; lrl is a struct lp_log_rl *, one per call site or per peer. */
#define log_warn_rl(lrl, ...)  lp_log_rl_at_(LP_LOG_WARN, errno, lrl, __VA_ARGS__)
#define log_warnx_rl(lrl, ...) lp_log_rl_at_(LP_LOG_WARN, LP_LOG_NO_ERRNO, lrl, __VA_ARGS__)
#define log_info_rl(lrl, ...)  lp_log_rl_at_(LP_LOG_INFO, LP_LOG_NO_ERRNO, lrl, __VA_ARGS__)

#endif
