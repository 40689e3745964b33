/* Unit tests for shared/log.c, shared/fatal.c and the time helpers of shared/clock_linux.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "fatal.h"
#include "log.h"

/* 2026-11-26T11:31:50.123Z */
#define TS_NS 1795692710123000000ull
#define TS    "2026-11-26T11:31:50.123Z"

static char dir[64];
static char path[128];
static uint64_t mono_now;

static uint64_t fake_wall(void)
{
	return TS_NS;
}

static uint64_t fake_mono(void)
{
	return mono_now;
}

/* Everything logged since the last call; the file is emptied. */
static const char *out(void)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	assert_int_equal(truncate(path, 0), 0);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_log.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/log", dir);
	lp_log_init("lanparty-relay");
	lp_log_set_clock(fake_wall, fake_mono);
	mono_now = 0;
	return lp_log_open(path);
}

static int teardown(void **state)
{
	char old[160];

	(void)state;
	lp_log_close();
	lp_log_set_clock(NULL, NULL);
	unlink(path);
	snprintf(old, sizeof(old), "%s.1", path);
	unlink(old);
	rmdir(dir);
	return 0;
}

/* The examples of docs/.parts/log.md, byte for byte. */
static const char doc_text[] =
	"2026-11-26T11:31:50.123Z info  member_joined room=lan1 member=7 role=client "
	"mac=02:5e:10:00:00:07 addr=198.51.100.23:51820\n"
	"2026-11-26T11:31:50.123Z warn  hello_rejected reason=room_full agent=\"softlan 0.1 "
	"(\\\"beta\\\")\" addr=198.51.100.23:51820\n"
	"2026-11-26T11:31:50.123Z warn  bind_failed port=4433 error=\"Permission denied\"\n"
	"2026-11-26T11:31:50.123Z warn  storm member=7 n=5 suppressed=3\n"
	"2026-11-26T11:31:50.123Z info  listening on 0.0.0.0:4433 proto=quic\n"
	"2026-11-26T11:31:50.123Z info  ev k=\\x01\\xff\n";

static const char doc_json[] =
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"info\",\"prog\":\"lanparty-relay\","
	"\"event\":\"member_joined\",\"room\":\"lan1\",\"member\":\"7\",\"role\":\"client\","
	"\"mac\":\"02:5e:10:00:00:07\",\"addr\":\"198.51.100.23:51820\"}\n"
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"warn\",\"prog\":\"lanparty-relay\","
	"\"event\":\"hello_rejected\",\"reason\":\"room_full\",\"agent\":\"softlan 0.1 "
	"(\\\"beta\\\")\",\"addr\":\"198.51.100.23:51820\"}\n"
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"warn\",\"prog\":\"lanparty-relay\","
	"\"event\":\"bind_failed\",\"port\":\"4433\",\"error\":\"Permission denied\"}\n"
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"warn\",\"prog\":\"lanparty-relay\","
	"\"event\":\"storm\",\"member\":\"7\",\"n\":\"5\",\"suppressed\":\"3\"}\n"
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"info\",\"prog\":\"lanparty-relay\","
	"\"event\":\"listening\",\"proto\":\"quic\",\"msg\":\"on 0.0.0.0:4433\"}\n"
	"{\"ts\":\"2026-11-26T11:31:50.123Z\",\"level\":\"info\",\"prog\":\"lanparty-relay\","
	"\"event\":\"ev\",\"k\":\"\\u0001\\ufffd\"}\n";

static void test_doc_examples(void **state)
{
	(void)state;
	char q[64];

	for (int f = 0; f < 2; f++) {
		lp_log_set_format(f ? LP_LOG_JSON : LP_LOG_TEXT);
		log_info("member_joined room=%s member=%u role=%s mac=%s addr=%s", "lan1", 7u,
			 "client", "02:5e:10:00:00:07", "198.51.100.23:51820");
		log_warnx("hello_rejected reason=%s agent=%s addr=%s", "room_full",
			  lp_log_quote(q, sizeof(q), "softlan 0.1 (\"beta\")"),
			  "198.51.100.23:51820");
		errno = EACCES;
		log_warn("bind_failed port=%d", 4433);
		lp_log_emit(LP_LOG_WARN, LP_LOG_NO_ERRNO, 3, "storm member=7 n=5");
		log_info("listening on 0.0.0.0:4433 proto=quic");
		log_info("ev k=\x01\xff");
		assert_string_equal(out(), f ? doc_json : doc_text);
	}
}

struct vec {
	enum lp_log_format format;
	enum lp_log_level level;
	const char *msg;
	const char *line; /* after the timestamp and a space */
};

#define J(level) "{\"ts\":\"" TS "\",\"level\":\"" level "\",\"prog\":\"lanparty-relay\""

static const struct vec vectors[] = {
	/* Levels and their padding. */
	{ LP_LOG_TEXT, LP_LOG_ERROR, "e", "error e\n" },
	{ LP_LOG_TEXT, LP_LOG_WARN, "w", "warn  w\n" },
	{ LP_LOG_TEXT, LP_LOG_INFO, "i", "info  i\n" },
	{ LP_LOG_TEXT, LP_LOG_DEBUG, "d", "debug d\n" },
	{ LP_LOG_TEXT, LP_LOG_TRACE, "t", "trace t\n" },
	{ LP_LOG_JSON, LP_LOG_ERROR, "e", J("error") ",\"event\":\"e\"}\n" },
	{ LP_LOG_JSON, LP_LOG_TRACE, "t", J("trace") ",\"event\":\"t\"}\n" },
	/* Text: control characters escaped, quotes and UTF-8 kept, bad UTF-8 as \x. */
	{ LP_LOG_TEXT, LP_LOG_INFO, "a\nb\tc\rd\x01\x7f", "info  a\\nb\\tc\\rd\\x01\\x7f\n" },
	{ LP_LOG_TEXT, LP_LOG_INFO, "k=\"v w\" \\ \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	  "info  k=\"v w\" \\ \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n" },
	{ LP_LOG_TEXT, LP_LOG_INFO, "x\xff\xc0\xaf", "info  x\\xff\\xc0\\xaf\n" },
	{ LP_LOG_TEXT, LP_LOG_INFO, "", "info  \n" },
	/* JSON: event, pairs, quoted values, msg words. */
	{ LP_LOG_JSON, LP_LOG_INFO, "started", J("info") ",\"event\":\"started\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "", J("info") "}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "  ev   a=1    b=2  ",
	  J("info") ",\"event\":\"ev\",\"a\":\"1\",\"b\":\"2\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev name=\"two words\" empty= q=\"\"",
	  J("info") ",\"event\":\"ev\",\"name\":\"two words\",\"empty\":\"\",\"q\":\"\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev v=\"say \\\"hi\\\" \\\\ \\n\"",
	  J("info") ",\"event\":\"ev\",\"v\":\"say \\\"hi\\\" \\\\ \\\\n\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "listening on 0.0.0.0:4433 proto=quic",
	  J("info") ",\"event\":\"listening\",\"proto\":\"quic\",\"msg\":\"on 0.0.0.0:4433\"}\n" },
	/* No event when the first word is a pair or not an identifier. */
	{ LP_LOG_JSON, LP_LOG_INFO, "a=1 b", J("info") ",\"a\":\"1\",\"msg\":\"b\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "/etc/x: bad", J("info") ",\"msg\":\"/etc/x: bad\"}\n" },
	/* Reserved keys and malformed pairs become msg words. */
	{ LP_LOG_JSON, LP_LOG_INFO, "ev level=9 ts=1 msg=x k=v",
	  J("info") ",\"event\":\"ev\",\"k\":\"v\",\"msg\":\"level=9 ts=1 msg=x\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev =x k!=y k=\"open quote",
	  J("info") ",\"event\":\"ev\",\"msg\":\"=x k!=y k=\\\"open quote\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev k=\"a\"b c",
	  J("info") ",\"event\":\"ev\",\"msg\":\"k=\\\"a\\\"b c\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev k=v=w x.y-z_1=2",
	  J("info") ",\"event\":\"ev\",\"k\":\"v=w\",\"x.y-z_1\":\"2\"}\n" },
	/* JSON escaping: control characters, valid and invalid UTF-8. */
	{ LP_LOG_JSON, LP_LOG_INFO, "ev k=\x01\x1f\x7f\n\t\r\b\f",
	  J("info") ",\"event\":\"ev\",\"k\":\"\\u0001\\u001f\x7f\\n\\t\\r\\u0008\\u000c\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev k=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	  J("info") ",\"event\":\"ev\",\"k\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev k=\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82",
	  J("info") ",\"event\":\"ev\",\"k\":\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
		    "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"}\n" },
	{ LP_LOG_JSON, LP_LOG_INFO, "ev\xff k=v",
	  J("info") ",\"k\":\"v\",\"msg\":\"ev\\ufffd\"}\n" },
};

static void test_vectors(void **state)
{
	(void)state;
	lp_log_set_level(LP_LOG_TRACE);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		char want[2048];

		lp_log_set_format(v->format);
		lp_log_write(v->level, "%s", v->msg);
		if (v->format == LP_LOG_TEXT)
			snprintf(want, sizeof(want), "%s %s", TS, v->line);
		else
			snprintf(want, sizeof(want), "%s", v->line);
		const char *got = out();

		if (strcmp(got, want) != 0)
			fail_msg("vector %zu:\n got  %s want %s", i, got, want);
		if (v->format == LP_LOG_JSON) {
			json_error_t err;
			json_t *j = json_loads(got, 0, &err);

			if (!j)
				fail_msg("vector %zu: not JSON: %s", i, err.text);
			json_decref(j);
		}
	}
}

static int side_effects;

static const char *touch(void)
{
	side_effects++;
	errno = EPERM;
	return "x";
}

static void test_levels_and_lazy_arguments(void **state)
{
	(void)state;
	lp_log_set_format(LP_LOG_TEXT);
	assert_int_equal(lp_log_get_level(), LP_LOG_INFO);
	side_effects = 0;
	log_debug("d v=%s", touch());
	log_trace("t v=%s", touch());
	assert_int_equal(side_effects, 0);
	assert_string_equal(out(), "");
	log_info("i v=%s", touch());
	log_warnx("w v=%s", touch());
	log_error("e v=%s", touch());
	assert_int_equal(side_effects, 3);
	assert_string_equal(out(), TS " info  i v=x\n" TS " warn  w v=x\n" TS " error e v=x\n");

	lp_log_set_level(LP_LOG_ERROR);
	log_warn("w v=%s", touch());
	log_info("i v=%s", touch());
	assert_int_equal(side_effects, 3);
	log_error("e");
	assert_string_equal(out(), TS " error e\n");

	lp_log_set_level(LP_LOG_TRACE);
	log_trace("t v=%s", touch());
	assert_int_equal(side_effects, 4);
	assert_string_equal(out(), TS " trace t v=x\n");

	lp_log_set_level((enum lp_log_level)99);
	assert_int_equal(lp_log_get_level(), LP_LOG_TRACE);
	/* Levels out of range are never written. */
	lp_log_write((enum lp_log_level)7, "x");
	lp_log_write((enum lp_log_level) - 1, "x");
	assert_string_equal(out(), "");
	lp_log_set_level(LP_LOG_INFO);
}

static void test_warn_errno(void **state)
{
	(void)state;
	lp_log_set_format(LP_LOG_TEXT);
	/* errno is taken before the arguments run (touch() sets EPERM), and kept. */
	errno = ENOENT;
	log_warn("open_failed path=%s", touch());
	assert_int_equal(errno, EPERM);
	assert_string_equal(out(),
			    TS " warn  open_failed path=x error=\"No such file or directory\"\n");

	errno = EACCES;
	lp_log_set_format(LP_LOG_JSON);
	log_warn("bind_failed port=%d", 4433);
	assert_int_equal(errno, EACCES);
	assert_string_equal(out(), J("warn") ",\"event\":\"bind_failed\",\"port\":\"4433\","
					     "\"error\":\"Permission denied\"}\n");

	lp_log_emit(LP_LOG_INFO, LP_LOG_NO_ERRNO, 12, "ev");
	assert_string_equal(out(), J("info") ",\"event\":\"ev\",\"suppressed\":\"12\"}\n");
}

static void check_truncated(const char *got, const char *suffix, enum lp_log_format f)
{
	size_t n = strlen(got), s = strlen(suffix);

	assert_true(n <= LP_LOG_LINE_MAX);
	assert_true(n > LP_LOG_LINE_MAX - 64 || f == LP_LOG_TEXT);
	assert_true(n >= s);
	if (strcmp(got + n - s, suffix) != 0)
		fail_msg("line ends with: %s", got + (n > 80 ? n - 80 : 0));
	assert_null(memchr(got, '\n', n - 1));
	if (f == LP_LOG_JSON) {
		json_error_t err;
		json_t *j = json_loads(got, 0, &err);

		if (!j)
			fail_msg("not JSON: %s: %s", err.text, got);
		assert_true(json_is_true(json_object_get(j, "truncated")));
		json_decref(j);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	char big[5000];

	/* A message beyond LP_LOG_MSG_MAX is cut by printf, and marked. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lp_log_set_format(LP_LOG_TEXT);
	log_info("%s", big);
	const char *got = out();

	assert_int_equal(strlen(got), 24 + 7 + LP_LOG_MSG_MAX - 1 + strlen(" [truncated]\n"));
	check_truncated(got, "aaa [truncated]\n", LP_LOG_TEXT);
	/* errno text still fits after a cut message. */
	errno = ENOENT;
	log_warn("%s", big);
	check_truncated(out(), "aaa error=\"No such file or directory\" [truncated]\n",
			LP_LOG_TEXT);

	/* Escaping makes the line too long: cut on an escape boundary. */
	memset(big, 1, 1000);
	big[1000] = '\0';
	log_info("%s", big);
	check_truncated(out(), "\\x01\\x01 [truncated]\n", LP_LOG_TEXT);

	lp_log_set_format(LP_LOG_JSON);
	log_info("ev k=%s", big);
	check_truncated(out(), "\\u0001\",\"truncated\":true}\n", LP_LOG_JSON);

	/* Invalid UTF-8 grows six-fold in JSON. */
	memset(big, 0xff, 1000);
	log_info("ev k=\"%s\"", big);
	check_truncated(out(), "\\ufffd\",\"truncated\":true}\n", LP_LOG_JSON);

	/* Many pairs: the cut falls between fields or inside one, never inside a key. */
	for (int extra = 0; extra < 40; extra++) {
		size_t len = 0;

		len += (size_t)snprintf(big + len, sizeof(big) - len, "ev");
		for (int k = 0; len < 900; k++)
			len += (size_t)snprintf(big + len, sizeof(big) - len, " key%d=\x01\x01%.*s",
						k, extra % 7, "\x02\x02\x02\x02\x02\x02\x02");
		len += (size_t)snprintf(big + len, sizeof(big) - len, " w%d", extra);
		log_info("%s", big);
		check_truncated(out(), "\",\"truncated\":true}\n", LP_LOG_JSON);
	}

	/*
	 * A value that fills the line to the last byte, then more fields: the
	 * closing quote must still fit and nothing may be written past the end
	 * (found by fuzz_log).
	 */
	for (size_t m = 305; m < 335; m++) {
		for (size_t pad = 0; pad < 6; pad++) {
			memset(big, 1, m);
			memset(big + m, 'a', pad);
			big[m + pad] = '\0';
			log_info("ev k=%s z=1 y=2 w", big);
			got = out();
			if (strstr(got, "\"truncated\""))
				check_truncated(got, "\",\"truncated\":true}\n", LP_LOG_JSON);
			else
				assert_non_null(
					strstr(got, "\"z\":\"1\",\"y\":\"2\",\"msg\":\"w\"}\n"));
		}
	}

	/* msg words are cut too. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < 1000; i += 2) {
		big[i] = '\x03';
		big[i + 1] = ' ';
	}
	log_info("ev %s", big);
	check_truncated(out(), "\\u0003\",\"truncated\":true}\n", LP_LOG_JSON);
}

static void test_quote(void **state)
{
	(void)state;
	static const struct {
		size_t size;
		const char *in, *want;
	} v[] = {
		{ 64, "two words", "\"two words\"" },
		{ 64, "", "\"\"" },
		{ 64, NULL, "\"\"" },
		{ 64, "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ 3, "abc", "\"\"" },
		{ 4, "abc", "\"a\"" },
		{ 6, "abc", "\"abc\"" },
		{ 5, "a\"", "\"a\"" }, /* the escape does not fit whole */
		{ 6, "a\"", "\"a\\\"\"" },
		{ 6, "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ 5, "\xe2\x82\xac", "\"\"" }, /* a character is not cut */
		{ 8, "x\xe2\x82\xac", "\"x\xe2\x82\xac\"" },
		{ 6, "\xff\xfe", "\"\xff\xfe\"" },
		{ 2, "abc", "" },
	};
	char buf[80];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		assert_ptr_equal(lp_log_quote(buf, v[i].size, v[i].in), buf);
		if (strcmp(buf, v[i].want) != 0)
			fail_msg("quote %zu: got %s want %s", i, buf, v[i].want);
		assert_true(strlen(buf) < v[i].size);
		assert_int_equal(buf[v[i].size], 'Z');
	}
	memset(buf, 'Z', sizeof(buf));
	lp_log_quote(buf, 0, "x");
	assert_int_equal(buf[0], 'Z');
}

static void test_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int rc;
		enum lp_log_level level;
	} lv[] = {
		{ "error", 0, LP_LOG_ERROR },	{ "warn", 0, LP_LOG_WARN },
		{ "WARNING", 0, LP_LOG_WARN },	{ "Info", 0, LP_LOG_INFO },
		{ "debug", 0, LP_LOG_DEBUG },	{ "trace", 0, LP_LOG_TRACE },
		{ "", LP_ERR_INVALID, 0 },	{ "inf", LP_ERR_INVALID, 0 },
		{ "info ", LP_ERR_INVALID, 0 }, { "2", LP_ERR_INVALID, 0 },
	};
	for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		enum lp_log_level got = (enum lp_log_level)42;

		assert_int_equal(lp_log_level_parse(lv[i].s, &got), lv[i].rc);
		assert_int_equal(got, lv[i].rc ? (enum lp_log_level)42 : lv[i].level);
	}
	enum lp_log_level l;
	enum lp_log_format f = (enum lp_log_format)42;

	assert_int_equal(lp_log_level_parse(NULL, &l), LP_ERR_INVALID);
	assert_int_equal(lp_log_format_parse("json", &f), 0);
	assert_int_equal(f, LP_LOG_JSON);
	assert_int_equal(lp_log_format_parse("TEXT", &f), 0);
	assert_int_equal(f, LP_LOG_TEXT);
	assert_int_equal(lp_log_format_parse("jsonl", &f), LP_ERR_INVALID);
	assert_int_equal(lp_log_format_parse(NULL, &f), LP_ERR_INVALID);
	assert_int_equal(f, LP_LOG_TEXT);
	assert_string_equal(lp_log_level_name(LP_LOG_WARN), "warn");
	assert_null(lp_log_level_name(LP_LOG__COUNT));

	/* Bad formats are ignored. */
	lp_log_set_format((enum lp_log_format)5);
	log_info("x");
	assert_string_equal(out(), TS " info  x\n");
}

static void test_open_reopen(void **state)
{
	(void)state;
	char old[160], longp[LP_LOG_PATH_MAX + 8];
	char buf[256];

	lp_log_set_format(LP_LOG_TEXT);
	assert_int_equal(lp_log_open(""), LP_ERR_INVALID);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(lp_log_open(longp), LP_ERR_TOO_BIG);
	assert_int_equal(lp_log_open("/nonexistent-dir/x/log"), -ENOENT);
	/* Still logging to the same file. */
	log_info("still_here");
	assert_string_equal(out(), TS " info  still_here\n");

	/* Rotation: rename away, reopen, the next line goes to a new file. */
	log_info("before_rotation");
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(rename(path, old), 0);
	log_info("late_line");
	assert_int_equal(lp_log_reopen(), 0);
	log_info("after_rotation");
	assert_string_equal(out(), TS " info  after_rotation\n");
	int fd = open(old, O_RDONLY);

	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, TS " info  before_rotation\n" TS " info  late_line\n");

	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* A reopen that fails keeps the old file (a directory took the path). */
	assert_int_equal(rename(path, old), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(lp_log_reopen(), -EISDIR);
	log_info("kept");
	assert_int_equal(rmdir(path), 0);
	fd = open(old, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, TS " info  kept\n"); /* after_rotation was read by out() */
	assert_int_equal(lp_log_open(path), 0);

	/* stderr: reopen is a no-op. */
	lp_log_close();
	assert_int_equal(lp_log_reopen(), 0);
	assert_int_equal(lp_log_open(NULL), 0);
	assert_int_equal(lp_log_open(path), 0);
}

static void test_rate_limited(void **state)
{
	(void)state;
	static struct lp_log_rl rl = LP_LOG_RL_INIT(2, 10);
	struct lp_log_rl rl2;

	lp_log_set_format(LP_LOG_TEXT);
	mono_now = 0;
	for (int i = 0; i < 5; i++)
		log_warnx_rl(&rl, "storm member=%d n=%d", 7, i);
	assert_string_equal(out(),
			    TS " warn  storm member=7 n=0\n" TS " warn  storm member=7 n=1\n");
	mono_now = 5 * LP_NS_PER_SEC; /* one line's worth */
	log_warnx_rl(&rl, "storm member=%d n=%d", 7, 5);
	log_warnx_rl(&rl, "storm member=%d n=%d", 7, 6);
	assert_string_equal(out(), TS " warn  storm member=7 n=5 suppressed=3\n");
	mono_now = 10 * LP_NS_PER_SEC;
	errno = EAGAIN;
	log_warn_rl(&rl, "send_failed member=%d", 7);
	assert_string_equal(out(), TS " warn  send_failed member=7 error=\"Resource temporarily "
				      "unavailable\" suppressed=1\n");

	/* A disabled level neither prints nor uses up the budget. */
	assert_int_equal(lp_log_rl_init(&rl2, 1, LP_NS_PER_SEC), 0);
	lp_log_set_level(LP_LOG_WARN);
	log_info_rl(&rl2, "quiet");
	lp_log_set_level(LP_LOG_INFO);
	log_info_rl(&rl2, "first");
	log_info_rl(&rl2, "second");
	assert_string_equal(out(), TS " info  first\n");
	assert_int_equal(rl2.suppressed, 1);
	assert_int_equal(lp_log_rl_init(&rl2, 1, 0), LP_ERR_INVALID);
	/* lines == 0: unlimited. */
	assert_int_equal(lp_log_rl_init(&rl2, 0, LP_NS_PER_SEC), 0);
	for (int i = 0; i < 3; i++)
		log_info_rl(&rl2, "n=%d", i);
	assert_string_equal(out(), TS " info  n=0\n" TS " info  n=1\n" TS " info  n=2\n");
}

static void test_fatal(void **state)
{
	(void)state;
	static const struct {
		bool with_errno;
		const char *want;
	} v[] = {
		{ false, TS " error config_invalid line=3\n" },
		{ true, TS " error bind_failed port=4433 error=\"Address already in use\"\n" },
	};
	for (size_t i = 0; i < 2; i++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			lp_log_set_format(LP_LOG_TEXT);
			if (v[i].with_errno) {
				errno = EADDRINUSE;
				fatal("bind_failed port=%d", 4433);
			}
			fatalx("config_invalid line=%d", 3);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), LP_FATAL_EXIT);
		assert_string_equal(out(), v[i].want);
	}
}

static void test_time_format(void **state)
{
	(void)state;
	static const struct {
		uint64_t ns;
		const char *want;
	} v[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 999999, "1970-01-01T00:00:00.000Z" },
		{ 1000000, "1970-01-01T00:00:00.001Z" },
		{ TS_NS, TS },
		{ 951782400999999999ull, "2000-02-29T00:00:00.999Z" },
		{ 4102444799999999999ull, "2099-12-31T23:59:59.999Z" },
		{ UINT64_MAX, "2554-07-21T23:34:33.709Z" },
	};
	char buf[LP_TIME_UTC_LEN];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_ptr_equal(lp_time_format_utc(v[i].ns, buf), buf);
		assert_string_equal(buf, v[i].want);
	}
	/* The real clocks run. */
	uint64_t a = lp_now_ns(), b = lp_now_ns();

	assert_true(a > 0 && b >= a);
	assert_true(lp_wall_ns() > 1700000000ull * LP_NS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_doc_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels_and_lazy_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warn_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fatal, setup, teardown),
		cmocka_unit_test(test_time_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
