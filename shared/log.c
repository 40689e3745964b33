#include "log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"

enum lp_log_level lp_log_max_level = LP_LOG_INFO;

static struct {
	char prog[LP_LOG_PROG_MAX];
	enum lp_log_format format;
	int fd;	     /* where lines go */
	bool own_fd; /* fd is a log file we opened (not stderr) */
	char path[LP_LOG_PATH_MAX];
	uint64_t (*wall_ns)(void);
	uint64_t (*mono_ns)(void);
} g = {
	.prog = "softlan",
	.format = LP_LOG_TEXT,
	.fd = STDERR_FILENO,
	.wall_ns = lp_wall_ns,
	.mono_ns = lp_now_ns,
};

static const char *const level_names[LP_LOG__COUNT] = {
	[LP_LOG_ERROR] = "error", [LP_LOG_WARN] = "warn",   [LP_LOG_INFO] = "info",
	[LP_LOG_DEBUG] = "debug", [LP_LOG_TRACE] = "trace",
};

/* Room kept free at the end of a line for what closes it: see line_finish(). */
#define LINE_RESERVE 24
#define TRUNC_TEXT   " [truncated]"
#define TRUNC_JSON   ",\"truncated\":true"
/* error="<strerror>" and suppressed=<n>, appended after the message. */
#define EXTRA_MAX 160

/* ---------------------------------------------------------------- settings */

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void lp_log_init(const char *prog)
{
	copy_str(g.prog, sizeof(g.prog), prog ? prog : "softlan");
	lp_log_max_level = LP_LOG_INFO;
	g.format = LP_LOG_TEXT;
}

void lp_log_set_level(enum lp_log_level level)
{
	if ((unsigned)level < LP_LOG__COUNT)
		lp_log_max_level = level;
}

enum lp_log_level lp_log_get_level(void)
{
	return lp_log_max_level;
}

void lp_log_set_format(enum lp_log_format format)
{
	if (format == LP_LOG_TEXT || format == LP_LOG_JSON)
		g.format = format;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);

	return fd < 0 ? -errno : fd;
}

static void use_fd(int fd, bool own)
{
	if (g.own_fd && g.fd != fd)
		close(g.fd);
	g.fd = fd;
	g.own_fd = own;
}

int lp_log_open(const char *path)
{
	if (!path) {
		lp_log_close();
		return 0;
	}
	if (path[0] == '\0')
		return LP_ERR_INVALID;
	if (strnlen(path, LP_LOG_PATH_MAX) >= LP_LOG_PATH_MAX)
		return LP_ERR_TOO_BIG;
	int fd = open_log(path);

	if (fd < 0)
		return fd;
	use_fd(fd, true);
	copy_str(g.path, sizeof(g.path), path);
	return 0;
}

int lp_log_reopen(void)
{
	if (!g.own_fd)
		return 0;
	int fd = open_log(g.path);

	if (fd < 0)
		return fd;
	use_fd(fd, true);
	return 0;
}

void lp_log_close(void)
{
	use_fd(STDERR_FILENO, false);
	g.path[0] = '\0';
}

int lp_log_level_parse(const char *s, enum lp_log_level *out)
{
	if (!s)
		return LP_ERR_INVALID;
	for (size_t i = 0; i < LP_LOG__COUNT; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum lp_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LP_LOG_WARN;
		return 0;
	}
	return LP_ERR_INVALID;
}

int lp_log_format_parse(const char *s, enum lp_log_format *out)
{
	if (s && strcasecmp(s, "text") == 0)
		*out = LP_LOG_TEXT;
	else if (s && strcasecmp(s, "json") == 0)
		*out = LP_LOG_JSON;
	else
		return LP_ERR_INVALID;
	return 0;
}

const char *lp_log_level_name(enum lp_log_level level)
{
	return (unsigned)level < LP_LOG__COUNT ? level_names[level] : NULL;
}

void lp_log_set_clock(uint64_t (*wall_ns)(void), uint64_t (*mono_ns)(void))
{
	g.wall_ns = wall_ns ? wall_ns : lp_wall_ns;
	g.mono_ns = mono_ns ? mono_ns : lp_now_ns;
}

/* ---------------------------------------------------------------- rate limits */

int lp_log_rl_init(struct lp_log_rl *lrl, uint64_t lines, uint64_t interval_ns)
{
	lrl->suppressed = 0;
	return lp_ratelimit_init_interval(&lrl->rl, lines, interval_ns);
}

bool lp_log_rl_take(struct lp_log_rl *lrl, uint64_t *suppressed)
{
	if (!lp_ratelimit_allow(&lrl->rl, g.mono_ns(), 1)) {
		lrl->suppressed++;
		return false;
	}
	*suppressed = lrl->suppressed;
	lrl->suppressed = 0;
	return true;
}

/* ---------------------------------------------------------------- UTF-8 */

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 when
 * the bytes there are not one (RFC 3629: no overlongs, no surrogates, nothing
 * above U+10FFFF).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return len;
}

/* ---------------------------------------------------------------- line building */

/*
 * A line under construction. Content stops at cap, LINE_RESERVE short of the
 * buffer, so that whatever closes the line (a quote, the truncation mark,
 * "}", the newline) always fits: put_force() writes into that reserve.
 */
struct line {
	char buf[LP_LOG_LINE_MAX];
	size_t len;
	size_t cap;
	bool full; /* something did not fit: the line is truncated */
};

static bool put(struct line *l, const char *s, size_t n)
{
	if (l->full || l->len > l->cap || n > l->cap - l->len) {
		l->full = true;
		return false;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return true;
}

static void put_force(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) -
		    l->len; /* cannot happen with LINE_RESERVE; stay in bounds anyway */
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

enum esc {
	ESC_TEXT, /* control characters and invalid UTF-8 as \n, \t, \xHH */
	ESC_JSON, /* a JSON string body; invalid UTF-8 as \ufffd */
};

static const char hex[] = "0123456789abcdef";

/*
 * Append s[0..n) escaped for mode. unquote: s is the inside of a quoted
 * message value, where \" and \\ stand for " and \. Each character goes in
 * whole or not at all, so a cut line never ends inside an escape or a UTF-8
 * sequence.
 */
static void put_escaped(struct line *l, const char *s, size_t n, enum esc mode, bool unquote)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && !l->full) {
		unsigned char c = u[i];
		char e[6];
		size_t elen = 0;

		if (unquote && c == '\\' && i + 1 < n && (u[i + 1] == '"' || u[i + 1] == '\\')) {
			c = u[i + 1];
			i++;
		}
		if (c >= 0x80) {
			size_t len = utf8_len(u + i, n - i);

			if (len > 0) {
				put(l, s + i, len);
				i += len;
				continue;
			}
			if (mode == ESC_JSON) {
				put(l, "\\ufffd", 6);
				i++;
				continue;
			}
		}
		switch (c) {
		case '\n':
			memcpy(e, "\\n", 2);
			elen = 2;
			break;
		case '\r':
			memcpy(e, "\\r", 2);
			elen = 2;
			break;
		case '\t':
			memcpy(e, "\\t", 2);
			elen = 2;
			break;
		case '"':
		case '\\':
			if (mode == ESC_JSON) {
				e[0] = '\\';
				e[1] = (char)c;
				elen = 2;
			}
			break;
		default:
			break;
		}
		if (elen == 0 && (c < 0x20 || c >= 0x7f)) {
			if (mode == ESC_JSON && c < 0x20) {
				memcpy(e, "\\u00", 4);
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				elen = 6;
			} else if (mode == ESC_TEXT) {
				e[0] = '\\';
				e[1] = 'x';
				e[2] = hex[c >> 4];
				e[3] = hex[c & 15];
				elen = 4;
			}
		}
		if (elen > 0)
			put(l, e, elen);
		else
			put(l, (const char *)&c, 1);
		i++;
	}
}

/* ---------------------------------------------------------------- message tokens */

struct tok {
	const char *p; /* the whole token */
	size_t n;
	bool pair;
	const char *key, *val;
	size_t klen, vlen;
	bool quoted;
};

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static bool is_reserved(const char *k, size_t n)
{
	static const char *const reserved[] = {
		"ts", "level", "prog", "event", "msg", "truncated"
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strlen(reserved[i]) == n && memcmp(reserved[i], k, n) == 0)
			return true;
	}
	return false;
}

/*
 * Next space-separated token of [*cur, end): key=value, key="quoted value"
 * (closed by a '"' followed by a space or the end), or a plain word.
 */
static bool next_tok(const char **cur, const char *end, struct tok *t)
{
	const char *p = *cur;

	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	*t = (struct tok){ .p = p };
	const char *k = p;

	while (p < end && is_key_char(*p))
		p++;
	if (p > k && p < end && *p == '=' && !is_reserved(k, (size_t)(p - k))) {
		t->key = k;
		t->klen = (size_t)(p - k);
		p++;
		if (p < end && *p == '"') {
			const char *q = p + 1;

			while (q < end && *q != '"')
				q += (*q == '\\' && q + 1 < end) ? 2 : 1;
			if (q < end && (q + 1 == end || q[1] == ' ')) {
				t->pair = t->quoted = true;
				t->val = p + 1;
				t->vlen = (size_t)(q - t->val);
				t->n = (size_t)(q + 1 - t->p);
				*cur = q + 1;
				return true;
			}
		} else {
			const char *v = p;

			while (p < end && *p != ' ')
				p++;
			t->pair = true;
			t->val = v;
			t->vlen = (size_t)(p - v);
			t->n = (size_t)(p - t->p);
			*cur = p;
			return true;
		}
	}
	p = t->p;
	while (p < end && *p != ' ')
		p++;
	t->key = t->val = NULL;
	t->klen = t->vlen = 0;
	t->n = (size_t)(p - t->p);
	*cur = p;
	return true;
}

/* The first word is the event when it is a plain word of key characters. */
static bool is_event(const struct tok *t)
{
	if (t->pair)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_key_char(t->p[i]))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- formatters */

static void format_text(struct line *l, const char *ts, enum lp_log_level level, const char *msg,
			size_t msg_len)
{
	const char *name = level_names[level];
	size_t n = strlen(name);

	put_str(l, ts);
	put(l, " ", 1);
	put(l, name, n);
	put(l, "      ", 6 - n);
	put_escaped(l, msg, msg_len, ESC_TEXT, false);
}

/*
 * Opens ,"key":" atomically: either all of it or nothing, and the line is
 * full. The string's closing quote is set aside from cap until json_close().
 */
static bool json_open(struct line *l, const char *key, size_t klen)
{
	size_t mark = l->len;

	if (l->full)
		return false;
	put(l, ",\"", 2);
	put_escaped(l, key, klen, ESC_JSON, false);
	put(l, "\":\"", 3);
	if (l->full || l->len == l->cap) {
		l->len = mark;
		l->full = true;
		return false;
	}
	l->cap--;
	return true;
}

static void json_close(struct line *l)
{
	l->cap++;
	put_force(l, "\"", 1);
}

static void json_field(struct line *l, const char *key, size_t klen, const char *val, size_t vlen,
		       bool unquote)
{
	if (!json_open(l, key, klen))
		return;
	put_escaped(l, val, vlen, ESC_JSON, unquote);
	json_close(l);
}

static void format_json(struct line *l, const char *ts, enum lp_log_level level, const char *msg,
			size_t msg_len)
{
	const char *end = msg + msg_len;
	const char *cur = msg;
	struct tok t;
	bool first = true, msg_open = false;

	put_str(l, "{\"ts\":\"");
	put_str(l, ts);
	put_str(l, "\",\"level\":\"");
	put_str(l, level_names[level]);
	put_str(l, "\",\"prog\":\"");
	put_escaped(l, g.prog, strlen(g.prog), ESC_JSON, false);
	put_str(l, "\"");
	/* First pass: event and pairs; second pass: the other words, as msg. */
	while (next_tok(&cur, end, &t)) {
		if (first && is_event(&t))
			json_field(l, "event", 5, t.p, t.n, false);
		else if (t.pair)
			json_field(l, t.key, t.klen, t.val, t.vlen, t.quoted);
		first = false;
	}
	cur = msg;
	first = true;
	while (next_tok(&cur, end, &t)) {
		if (!(first && is_event(&t)) && !t.pair) {
			size_t mark = l->len;

			if (msg_open)
				put(l, " ", 1);
			else
				msg_open = json_open(l, "msg", 3);
			if (msg_open)
				put_escaped(l, t.p, t.n, ESC_JSON, false);
			if (l->full && l->len == mark + 1)
				l->len = mark; /* no space before nothing */
		}
		first = false;
	}
	if (msg_open)
		json_close(l);
}

static void line_finish(struct line *l, bool truncated)
{
	if (g.format == LP_LOG_JSON) {
		if (truncated)
			put_force(l, TRUNC_JSON, sizeof(TRUNC_JSON) - 1);
		put_force(l, "}", 1);
	} else if (truncated) {
		put_force(l, TRUNC_TEXT, sizeof(TRUNC_TEXT) - 1);
	}
	put_force(l, "\n", 1);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		p += w;
		n -= (size_t)w;
	}
}

/* ---------------------------------------------------------------- entry points */

void lp_log_vemit(enum lp_log_level level, int err, uint64_t suppressed, const char *fmt,
		  va_list ap)
{
	if ((unsigned)level >= LP_LOG__COUNT || !lp_log_enabled(level))
		return;
	int saved_errno = errno;
	char msg[LP_LOG_MSG_MAX + EXTRA_MAX];
	char ts[LP_TIME_UTC_LEN];
	struct line l;
	bool truncated = false;
	int n = vsnprintf(msg, LP_LOG_MSG_MAX, fmt, ap);
	size_t len;

	if (n < 0) {
		len = 0;
		msg[0] = '\0';
		truncated = true;
	} else if ((size_t)n >= LP_LOG_MSG_MAX) {
		len = LP_LOG_MSG_MAX - 1;
		truncated = true;
	} else {
		len = (size_t)n;
	}
	if (err >= 0) {
		n = snprintf(msg + len, EXTRA_MAX / 2, " error=\"%s\"", strerror(err));
		len += n < 0 ? 0 : (size_t)n >= EXTRA_MAX / 2 ? EXTRA_MAX / 2 - 1 : (size_t)n;
	}
	if (suppressed > 0) {
		n = snprintf(msg + len, EXTRA_MAX / 2, " suppressed=%llu",
			     (unsigned long long)suppressed);
		len += n < 0 ? 0 : (size_t)n >= EXTRA_MAX / 2 ? EXTRA_MAX / 2 - 1 : (size_t)n;
	}

	lp_time_format_utc(g.wall_ns(), ts);
	l.len = 0;
	l.cap = sizeof(l.buf) - LINE_RESERVE;
	l.full = false;
	if (g.format == LP_LOG_JSON)
		format_json(&l, ts, level, msg, len);
	else
		format_text(&l, ts, level, msg, len);
	line_finish(&l, truncated || l.full);
	write_all(g.fd, l.buf, l.len);
	errno = saved_errno;
}

void lp_log_emit(enum lp_log_level level, int err, uint64_t suppressed, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lp_log_vemit(level, err, suppressed, fmt, ap);
	va_end(ap);
}

void lp_log_write(enum lp_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lp_log_vemit(level, LP_LOG_NO_ERRNO, 0, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- quoting */

char *lp_log_quote(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	if (size < 3) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (size_t i = 0; s && s[i] != '\0';) {
		size_t unit = 1;
		bool esc = s[i] == '"' || s[i] == '\\';

		/* A lead byte takes its continuation bytes along: never cut a character. */
		if ((unsigned char)s[i] >= 0xc0) {
			while (unit < 4 && ((unsigned char)s[i + unit] & 0xc0) == 0x80)
				unit++;
		}
		if (o + unit + (esc ? 1 : 0) + 2 > size)
			break;
		if (esc)
			buf[o++] = '\\';
		memcpy(buf + o, s + i, unit);
		o += unit;
		i += unit;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
