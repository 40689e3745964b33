/* Unit tests for client/macstate.c: the client's MAC kept in a state file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "mac.h"
#include "macstate.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/lp-macstate-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/lanparty0.mac", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];
	remove(f->path);
	snprintf(p, sizeof(p), "%s.tmp", f->path);
	remove(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *content, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(content, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return n;
}

static void test_create_then_reload(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX];
	struct lp_mac a, b;
	enum lp_macstate_source src = 0;

	assert_int_equal(lp_macstate_get(f->path, NULL, &a, &src, err, sizeof(err)), 0);
	assert_int_equal(src, LP_MACSTATE_CREATED);
	assert_string_equal(err, "");
	/* the bits: unicast (group bit clear) and locally administered */
	assert_int_equal(a.b[0] & 0x01, 0);
	assert_int_equal(a.b[0] & 0x02, 0x02);
	assert_true(lp_mac_is_unicast(&a));
	assert_true(lp_mac_is_local(&a));
	assert_true(lp_mac_is_valid_member(&a));

	/* the file: comments and the MAC on its own line; no temporary left */
	char text[512], m[LP_MAC_STRLEN], line[32];
	read_file(f->path, text, sizeof(text));
	snprintf(line, sizeof(line), "\n%s\n", lp_mac_format(&a, m));
	assert_non_null(strstr(text, line));
	assert_int_equal(text[0], '#');
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(access(tmp, F_OK), -1);

	/* every later run reads the same MAC back */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(lp_macstate_get(f->path, NULL, &b, &src, err, sizeof(err)), 0);
		assert_int_equal(src, LP_MACSTATE_LOADED);
		assert_true(lp_mac_equal(&a, &b));
	}
	assert_int_equal(lp_macstate_load(f->path, &b, err, sizeof(err)), 0);
	assert_true(lp_mac_equal(&a, &b));
}

static void test_random_differs(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX], other[160];
	struct lp_mac a, b;
	snprintf(other, sizeof(other), "%s/other.mac", f->dir);
	assert_int_equal(lp_macstate_get(f->path, NULL, &a, NULL, err, sizeof(err)), 0);
	assert_int_equal(lp_macstate_get(other, NULL, &b, NULL, err, sizeof(err)), 0);
	/* 46 random bits: equal only if the generator is broken */
	assert_false(lp_mac_equal(&a, &b));
	remove(other);
}

static void test_override(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX];
	struct lp_mac m;
	enum lp_macstate_source src = 0;
	static const struct {
		const char *text;
		int ret;
		uint8_t mac[6];
	} v[] = {
		{ "02:00:5e:10:20:30", 0, { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 } },
		{ "0A-1B-2C-3D-4E-5F", 0, { 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f } },
		/* a globally administered MAC is the player's choice (a cloned NIC) */
		{ "00:11:22:33:44:55", 0, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 } },
		{ "01:00:5e:00:00:01", LP_ERR_INVALID, { 0 } }, /* multicast */
		{ "ff:ff:ff:ff:ff:ff", LP_ERR_INVALID, { 0 } }, /* broadcast */
		{ "00:00:00:00:00:00", LP_ERR_INVALID, { 0 } },
		{ "02:00:5e:10:20", LP_ERR_INVALID, { 0 } },
		{ "02:00:5e:10:20:3g", LP_ERR_INVALID, { 0 } },
		{ "", LP_ERR_INVALID, { 0 } },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int ret = lp_macstate_get(f->path, v[i].text, &m, &src, err, sizeof(err));
		assert_int_equal(ret, v[i].ret);
		if (ret == 0) {
			assert_int_equal(src, LP_MACSTATE_OVERRIDE);
			assert_memory_equal(m.b, v[i].mac, 6);
		} else {
			assert_non_null(strstr(err, "--mac"));
		}
	}
	/* an override neither reads nor writes the state file */
	assert_int_equal(access(f->path, F_OK), -1);
	write_file(f->path, "junk\n", 5);
	assert_int_equal(lp_macstate_get(f->path, "02:00:00:00:00:01", &m, &src, err, sizeof(err)),
			 0);
	char text[16];
	read_file(f->path, text, sizeof(text));
	assert_string_equal(text, "junk\n");
}

static void test_file_formats(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX];
	static const struct {
		const char *content;
		int ret;
		const char *msg; /* part of the error, or NULL */
	} v[] = {
		{ "02:11:22:33:44:55\n", 0, NULL },
		{ "02:11:22:33:44:55", 0, NULL },
		{ "  02:11:22:33:44:55 \t\r\n", 0, NULL },
		{ "# a comment\n\n02-11-22-33-44-55\n# another\n", 0, NULL },
		{ "", LP_ERR_NOT_FOUND, "holds no MAC" },
		{ "\n\n  \n", LP_ERR_NOT_FOUND, "holds no MAC" },
		{ "# only a comment\n", LP_ERR_NOT_FOUND, "holds no MAC" },
		{ "hello\n", LP_ERR_INVALID, "not a MAC address" },
		{ "02:11:22:33:44\n", LP_ERR_INVALID, "not a MAC address" },
		{ "02:11:22:33:44:55 extra\n", LP_ERR_INVALID, "not a MAC address" },
		{ "02:11:22:33:44:55\n02:11:22:33:44:56\n", LP_ERR_INVALID, "more than one" },
		{ "03:11:22:33:44:55\n", LP_ERR_INVALID, "not a unicast" },
		{ "00:00:00:00:00:00\n", LP_ERR_INVALID, "not a unicast" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lp_mac m;
		write_file(f->path, v[i].content, strlen(v[i].content));
		int ret = lp_macstate_load(f->path, &m, err, sizeof(err));
		assert_int_equal(ret, v[i].ret);
		if (ret == 0) {
			static const uint8_t want[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
			assert_memory_equal(m.b, want, 6);
			assert_string_equal(err, "");
		} else {
			/* errors name the file */
			assert_non_null(strstr(err, f->path));
			assert_non_null(strstr(err, v[i].msg));
		}
	}
	/* binary content with a NUL inside a line */
	struct lp_mac m;
	write_file(f->path, "02:11\0:22:33:44:55\n", 19);
	assert_int_equal(lp_macstate_load(f->path, &m, err, sizeof(err)), LP_ERR_INVALID);
}

/* A corrupt file is an error that names it, and the file is kept for the person to look at. */
static void test_corrupt_is_kept(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX], text[64];
	struct lp_mac m;
	write_file(f->path, "02:11:22:33:44:zz\n", 18);
	assert_int_equal(lp_macstate_get(f->path, NULL, &m, NULL, err, sizeof(err)),
			 LP_ERR_INVALID);
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "delete it to get a new MAC"));
	read_file(f->path, text, sizeof(text));
	assert_string_equal(text, "02:11:22:33:44:zz\n");
}

/* An empty file (a crash between create and write) holds no identity: a new MAC replaces it. */
static void test_empty_regenerates(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX];
	struct lp_mac a, b;
	enum lp_macstate_source src = 0;
	write_file(f->path, "", 0);
	assert_int_equal(lp_macstate_get(f->path, NULL, &a, &src, err, sizeof(err)), 0);
	assert_int_equal(src, LP_MACSTATE_CREATED);
	assert_int_equal(lp_macstate_get(f->path, NULL, &b, &src, err, sizeof(err)), 0);
	assert_int_equal(src, LP_MACSTATE_LOADED);
	assert_true(lp_mac_equal(&a, &b));
}

static void test_too_big(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX];
	static char big[LP_MACSTATE_FILE_MAX + 1];
	memset(big, '#', sizeof(big));
	struct lp_mac m;
	write_file(f->path, big, sizeof(big));
	assert_int_equal(lp_macstate_load(f->path, &m, err, sizeof(err)), LP_ERR_TOO_BIG);
	assert_non_null(strstr(err, "too large"));
	/* exactly the limit is fine (and only comments: no MAC) */
	write_file(f->path, big, LP_MACSTATE_FILE_MAX);
	assert_int_equal(lp_macstate_load(f->path, &m, err, sizeof(err)), LP_ERR_NOT_FOUND);
}

static void test_io_errors(void **state)
{
	struct fixture *f = *state;
	char err[LP_MACSTATE_ERR_MAX], p[160];
	struct lp_mac m;
	/* missing directory: reading says "not found", creating fails with the OS error */
	snprintf(p, sizeof(p), "%s/missing/lanparty0.mac", f->dir);
	assert_int_equal(lp_macstate_load(p, &m, err, sizeof(err)), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_macstate_get(p, NULL, &m, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing/lanparty0.mac"));
	/* a directory where the file should be */
	snprintf(p, sizeof(p), "%s/adir.mac", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_true(lp_macstate_load(p, &m, err, sizeof(err)) < 0);
	assert_int_equal(lp_macstate_get(p, NULL, &m, NULL, err, sizeof(err)) < 0, 1);
	rmdir(p);
	/* bad arguments */
	assert_int_equal(lp_macstate_load(NULL, &m, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_macstate_load("", &m, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_macstate_get(f->path, NULL, NULL, NULL, err, sizeof(err)),
			 LP_ERR_INVALID);
	struct lp_mac mc = { { 0x01, 0, 0, 0, 0, 1 } };
	assert_int_equal(lp_macstate_save(f->path, &mc, err, sizeof(err)), LP_ERR_INVALID);
	/* a path too long for the temporary file's name */
	static char longp[LP_MACSTATE_PATH_MAX + 8];
	memset(longp, 'a', sizeof(longp) - 1);
	struct lp_mac ok = { { 0x02, 0, 0, 0, 0, 1 } };
	assert_int_equal(lp_macstate_save(longp, &ok, err, sizeof(err)), LP_ERR_TOO_BIG);
	/* NULL err is accepted everywhere */
	assert_int_equal(lp_macstate_get(f->path, "zz", &m, NULL, NULL, 0), LP_ERR_INVALID);
}

static void test_default_dir(void **state)
{
	(void)state;
	static const struct {
		struct lp_macstate_env env;
		int ret;
		const char *want;
	} v[] = {
		{ { true, NULL, NULL, "/root" }, 0, "/var/lib/softlan" },
		{ { false, NULL, NULL, "/home/ann" }, 0, "/home/ann/.local/state/softlan" },
		{ { false, NULL, "/home/ann/st", "/home/ann" }, 0, "/home/ann/st/softlan" },
		/* a relative XDG_STATE_HOME is invalid per the XDG spec */
		{ { false, NULL, "rel", "/home/ann" }, 0, "/home/ann/.local/state/softlan" },
		{ { false, NULL, "", "/home/ann" }, 0, "/home/ann/.local/state/softlan" },
		/* systemd's StateDirectory= wins, also over root */
		{ { true, "/var/lib/softlan", NULL, NULL }, 0, "/var/lib/softlan" },
		{ { false, "/var/lib/private/softlan:/var/lib/other", NULL, NULL },
		  0,
		  "/var/lib/private/softlan" },
		{ { false, "", NULL, "/h" }, 0, "/h/.local/state/softlan" },
		{ { false, NULL, NULL, NULL }, LP_ERR_NOT_FOUND, "" },
		{ { false, NULL, NULL, "" }, LP_ERR_NOT_FOUND, "" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[LP_MACSTATE_PATH_MAX];
		assert_int_equal(lp_macstate_default_dir(&v[i].env, out, sizeof(out)), v[i].ret);
		assert_string_equal(out, v[i].want);
	}
	char small[20];
	struct lp_macstate_env e = { false, NULL, NULL, "/home/somebody" };
	assert_int_equal(lp_macstate_default_dir(&e, small, sizeof(small)), LP_ERR_TOO_BIG);
	assert_string_equal(small, "");
	struct lp_macstate_env s = { false, "/a/very/long/state/directory", NULL, NULL };
	assert_int_equal(lp_macstate_default_dir(&s, small, sizeof(small)), LP_ERR_TOO_BIG);
	assert_int_equal(lp_macstate_default_dir(NULL, small, sizeof(small)), LP_ERR_INVALID);
}

static void test_path(void **state)
{
	(void)state;
	static const struct {
		const char *dir, *dev;
		int ret;
		const char *want;
	} v[] = {
		{ "/var/lib/softlan", "lanparty0", 0, "/var/lib/softlan/lanparty0.mac" },
		{ "/var/lib/softlan/", "lanparty0", 0, "/var/lib/softlan/lanparty0.mac" },
		{ "d", "Ethernet 2", 0, "d/Ethernet_2.mac" },
		{ "d", "a/../b", 0, "d/a_.._b.mac" },
		{ "d", "..", 0, "d/_..mac" },
		{ "d", ".hidden", 0, "d/_hidden.mac" },
		{ "d", "tap-1_x.y", 0, "d/tap-1_x.y.mac" },
		{ "", "lanparty0", LP_ERR_INVALID, NULL },
		{ "d", "", LP_ERR_INVALID, NULL },
		{ NULL, "x", LP_ERR_INVALID, NULL },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[64];
		assert_int_equal(lp_macstate_path(v[i].dir, v[i].dev, out, sizeof(out)), v[i].ret);
		if (v[i].want)
			assert_string_equal(out, v[i].want);
	}
	/* exactly fitting, and one byte short */
	char fit[14];
	assert_int_equal(lp_macstate_path("/d", "abcdef", fit, sizeof(fit)), 0);
	assert_string_equal(fit, "/d/abcdef.mac");
	assert_int_equal(lp_macstate_path("/d", "abcdef", fit, sizeof(fit) - 1), LP_ERR_TOO_BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_then_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_differs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_regenerates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_errors, setup, teardown),
		cmocka_unit_test(test_default_dir),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
