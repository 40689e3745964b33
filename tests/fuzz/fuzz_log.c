/*
 * Fuzz target for the log formatter (shared/log.c): messages carry strings
 * from peers (agent versions, room names), so the text escaper, the JSON
 * tokenizer and the truncation must hold for any bytes.
 *
 * Input: byte 0 selects the mode (bit 0: JSON; bits 1-3: level; bit 4: wrap
 * the rest with lp_log_quote() as the value of a pair), the rest is the
 * message. Checked: one line, newline-terminated, at most LP_LOG_LINE_MAX
 * bytes; text lines are valid UTF-8 without control characters; JSON lines
 * parse (jansson checks UTF-8) into an object of strings (and
 * "truncated":true); a quoted value of printable UTF-8 comes back unchanged.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int mfd = -1;

static uint64_t fixed_wall(void)
{
	return 1795692710123000000ull;
}

static void init(void)
{
	char path[64];

	mfd = memfd_create("fuzz_log", MFD_CLOEXEC);
	if (mfd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	lp_log_init("fuzz");
	lp_log_set_clock(fixed_wall, NULL);
	if (lp_log_open(path) != 0)
		abort();
}

/* Length of the well-formed UTF-8 character at s, or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80		      ? 1
		     : c >= 0xc2 && c <= 0xdf ? 2
		     : c >= 0xe0 && c <= 0xef ? 3
		     : c >= 0xf0 && c <= 0xf4 ? 4
					      : 0;
	if (len == 0 || len > n)
		return 0;
	if (len > 1) {
		unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;

		if (s[1] < lo || s[1] > hi)
			return 0;
		for (size_t i = 2; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		}
	}
	return len;
}

/* True when s is valid UTF-8, and (unless ctl_ok) free of control characters and DEL. */
static bool utf8_ok(const char *s, size_t n, bool ctl_ok)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_char(u + i, n - i);

		if (len == 0 || (!ctl_ok && (u[i] < 0x20 || u[i] == 0x7f)))
			return false;
		i += len;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LP_LOG_LINE_MAX + 64];
	char msg[4096], q[512];

	if (mfd < 0)
		init();
	if (size < 1)
		return 0;
	bool json = data[0] & 1;
	enum lp_log_level level = (enum lp_log_level)(((data[0] >> 1) & 7) % LP_LOG__COUNT);
	bool quote = data[0] & 0x10;
	size_t n = size - 1 < sizeof(msg) - 1 ? size - 1 : sizeof(msg) - 1;

	memcpy(msg, data + 1, n);
	msg[n] = '\0';
	n = strlen(msg);
	lp_log_set_format(json ? LP_LOG_JSON : LP_LOG_TEXT);
	lp_log_set_level(LP_LOG_TRACE);
	if (quote)
		lp_log_write(level, "ev k=%s", lp_log_quote(q, sizeof(q), msg));
	else
		lp_log_write(level, "%s", msg);

	ssize_t got = pread(mfd, line, sizeof(line), 0);

	if (ftruncate(mfd, 0) != 0)
		abort();
	if (got <= 0 || (size_t)got > LP_LOG_LINE_MAX || line[got - 1] != '\n')
		abort();
	if (memchr(line, '\n', (size_t)got - 1))
		abort();
	line[got] = '\0';
	if (!json) {
		if (!utf8_ok(line, (size_t)got - 1, false))
			abort();
		return 0;
	}
	json_error_t err;
	json_t *o = json_loadb(line, (size_t)got, 0, &err);

	if (!o || !json_is_object(o))
		abort();
	const char *key;
	json_t *v;
	bool truncated = false;

	json_object_foreach(o, key, v)
	{
		if (strcmp(key, "truncated") == 0) {
			if (!json_is_true(v))
				abort();
			truncated = true;
		} else if (!json_is_string(v)) {
			abort();
		}
	}
	if (!json_is_string(json_object_get(o, "ts")) ||
	    strcmp(json_string_value(json_object_get(o, "level")), lp_log_level_name(level)) != 0 ||
	    strcmp(json_string_value(json_object_get(o, "prog")), "fuzz") != 0)
		abort();
	/* Round trip: a string lp_log_quote() kept whole comes back as it was. */
	size_t escapes = 0;

	for (size_t i = 0; i < n; i++)
		escapes += msg[i] == '"' || msg[i] == '\\';
	if (quote && !truncated && strlen(q) == n + escapes + 2 && utf8_ok(msg, n, true)) {
		json_t *k = json_object_get(o, "k");

		if (!k || strcmp(json_string_value(k), msg) != 0)
			abort();
	}
	json_decref(o);
	return 0;
}
