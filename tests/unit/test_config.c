/* Unit tests for relay/config.c: lanparty-relay's command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "err.h"

static struct lp_relay_config cfg;
static char err[256];

/* Parse a NULL-terminated list of arguments after the program name. */
static int parse(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	argv[argc++] = (char *)"lanparty-relay";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	FILE *out = fopen("/dev/null", "w");
	int r = lp_relay_config_parse(&cfg, argc, argv, out, err, sizeof(err));
	fclose(out);
	return r;
}

static const char *fmt(const struct lp_sockaddr *a)
{
	static char buf[64];
	return lp_sockaddr_format(a, buf, sizeof(buf));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), LP_CONFIG_RUN);
	assert_int_equal(cfg.n_listen, 1);
	assert_string_equal(fmt(&cfg.listen[0]), "[::]:4433");
	assert_int_equal(cfg.n_api, 2);
	assert_true(cfg.api[0].tls);
	assert_string_equal(fmt(&cfg.api[0].addr), "[::]:4433");
	assert_false(cfg.api[1].tls);
	assert_string_equal(fmt(&cfg.api[1].addr), "127.0.0.1:8080");
	assert_string_equal(cfg.data_dir, "var");
	assert_int_equal(cfg.log_level, LP_LOG_INFO);
	assert_int_equal(cfg.log_format, LP_LOG_TEXT);
	assert_int_equal(cfg.retry, LP_RETRY_AUTO);
	assert_string_equal(cfg.cert_file, "");
}

static void test_listen_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("--listen", "443/udp", "--listen", "192.0.2.1:5000", "--listen",
			       "[2001:db8::1]:6000", "--listen", "localhost:7000", NULL),
			 LP_CONFIG_RUN);
	assert_int_equal(cfg.n_listen, 4);
	assert_string_equal(fmt(&cfg.listen[0]), "[::]:443");
	assert_string_equal(fmt(&cfg.listen[1]), "192.0.2.1:5000");
	assert_string_equal(fmt(&cfg.listen[2]), "[2001:db8::1]:6000");
	assert_string_equal(fmt(&cfg.listen[3]), "127.0.0.1:7000");
	static const char *bad[] = { "443",	 "0/udp",	   "65536/udp",	 "x/udp",
				     "1.2.3.4",	 "1.2.3.4:0",	   "::1:443",	 "[1.2.3.4]:5",
				     "[::1]443", "host.example:1", "1.2.3.4:-1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse("--listen", bad[i], NULL), LP_ERR_INVALID);
		assert_non_null(strstr(err, "--listen"));
	}
	assert_int_equal(parse("--listen", "1/udp", "--listen", "2/udp", "--listen", "3/udp",
			       "--listen", "4/udp", "--listen", "5/udp", NULL),
			 LP_ERR_INVALID);
}

static void test_api_urls(void **state)
{
	(void)state;
	assert_int_equal(parse("--api-listen", "https://0.0.0.0:443", "--api-listen",
			       "http://[::1]:8080/", NULL),
			 LP_CONFIG_RUN);
	assert_int_equal(cfg.n_api, 2);
	assert_true(cfg.api[0].tls);
	assert_false(cfg.api[1].tls);
	assert_string_equal(fmt(&cfg.api[1].addr), "[::1]:8080");
	assert_int_equal(parse("--api-listen", "http://0.0.0.0:8080", NULL), LP_ERR_INVALID);
	assert_non_null(strstr(err, "loopback"));
	assert_int_equal(parse("--api-listen", "http://192.0.2.5:80", NULL), LP_ERR_INVALID);
	assert_int_equal(parse("--api-listen", "ftp://127.0.0.1:1", NULL), LP_ERR_INVALID);
	assert_int_equal(parse("--api-listen", "https://example.com:443", NULL), LP_ERR_INVALID);
	assert_int_equal(parse("--api-listen", "http://localhost:8080", NULL), LP_CONFIG_RUN);
}

static void test_flags(void **state)
{
	(void)state;
	assert_int_equal(parse("--data-dir", "/tmp/x", "--cert", "c.pem", "--key", "k.pem",
			       "--admin-token-file", "t", "--public-host", "relay.example:443",
			       "--log-level", "debug", "--log-format", "json", "--user", "nobody",
			       "--retry", "always", "--retry-rate", "50", "-n", NULL),
			 LP_CONFIG_RUN);
	assert_string_equal(cfg.data_dir, "/tmp/x");
	assert_string_equal(cfg.cert_file, "c.pem");
	assert_string_equal(cfg.public_host, "relay.example:443");
	assert_int_equal(cfg.log_level, LP_LOG_DEBUG);
	assert_int_equal(cfg.log_format, LP_LOG_JSON);
	assert_int_equal(cfg.retry, LP_RETRY_ALWAYS);
	assert_int_equal(cfg.retry_rate, 50);
	assert_true(cfg.check_only);
	assert_string_equal(cfg.user, "nobody");
}

static void test_bad_flags(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b, *want;
	} v[] = {
		{ "--bogus", NULL, "unknown option '--bogus'" },
		{ "--data-dir", NULL, "--data-dir: missing value" },
		{ "--data-dir", "", "--data-dir: empty value" },
		{ "--cert", "c.pem", "--cert and --key go together" },
		{ "--log-level", "loud", "--log-level: 'loud'" },
		{ "--log-format", "xml", "--log-format: 'xml'" },
		{ "--retry", "sometimes", "--retry: 'sometimes'" },
		{ "--retry-rate", "0", "--retry-rate: '0'" },
		{ "--retry-rate", "-5", "--retry-rate: '-5'" },
		{ "--retry-rate", "12x", "--retry-rate: '12x'" },
		{ "--public-host", "relay:99999", "--public-host" },
		{ "--public-host", "[::1", "--public-host" },
		{ "stray", NULL, "unexpected argument 'stray'" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(parse(v[i].a, v[i].b, NULL), LP_ERR_INVALID);
		if (!strstr(err, v[i].want))
			fail_msg("case %zu: error '%s' lacks '%s'", i, err, v[i].want);
	}
	char longpath[2000];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(parse("--data-dir", longpath, NULL), LP_ERR_INVALID);
	assert_non_null(strstr(err, "longer than"));
}

static void test_help_version(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), LP_CONFIG_EXIT_OK);
	assert_int_equal(parse("-V", NULL), LP_CONFIG_EXIT_OK);
	assert_int_equal(parse("--version", "--bogus", NULL), LP_CONFIG_EXIT_OK);
}

static void test_sockaddr_preds(void **state)
{
	(void)state;
	struct lp_sockaddr a;
	assert_int_equal(lp_parse_listen("127.9.9.9:1", &a), 0);
	assert_true(lp_sockaddr_is_loopback(&a));
	assert_int_equal(lp_parse_listen("[::1]:1", &a), 0);
	assert_true(lp_sockaddr_is_loopback(&a));
	assert_int_equal(lp_parse_listen("[::ffff:127.0.0.1]:1", &a), 0);
	assert_true(lp_sockaddr_is_loopback(&a));
	assert_int_equal(lp_parse_listen("128.0.0.1:1", &a), 0);
	assert_false(lp_sockaddr_is_loopback(&a));
	assert_false(lp_sockaddr_is_any(&a));
	assert_int_equal(lp_parse_listen("0.0.0.0:1", &a), 0);
	assert_true(lp_sockaddr_is_any(&a));
	assert_int_equal(lp_parse_listen("1/udp", &a), 0);
	assert_true(lp_sockaddr_is_any(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),       cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_api_urls),       cmocka_unit_test(test_flags),
		cmocka_unit_test(test_bad_flags),      cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_sockaddr_preds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
