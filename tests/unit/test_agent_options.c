/*
 * Unit tests for client/options.c: the agents' common command line (every
 * flag, good and bad, invites whole and in parts, the binaries' own
 * options) and the `status` subcommand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mac.h"
#include "options.h"
#include "sys.h"

#define CODE	  "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi"
#define GW_CODE	  "R2F0ZXdheUNvZGUxMjM0NTY3ODkwYWJj"
#define PIN	  "sha256//lJG7g/oLPe+s7ZmetzfV0Wbm/EoDmAQx8hDmtZejSbM="
#define INVITE	  "lanparty://relay.example.net:24433/client/" CODE "?pin=" PIN
#define GW_INVITE "lanparty://relay.example.net:24433/gateway/" GW_CODE "?pin=" PIN

static const struct lp_agent_prog client_prog = {
	.name = "lanparty-client",
	.role = LP_INVITE_CLIENT,
	.summary = "Puts this PC on the party LAN.",
	.extra_title = "Device:",
	.epilogue = "Addressing: see docs/client.md.",
};

/* The binary's own options, as the client would declare them. */
static const char *tap_name;
static bool no_routes;
static struct lp_mac mac;
static unsigned n_addresses;

static int parse_mac(const char *value, void *arg, char *err, size_t errlen)
{
	if (lp_mac_parse(value, strlen(value), arg) < 0) {
		snprintf(err, errlen, "not a MAC address (aa:bb:cc:dd:ee:ff)");
		return LP_ERR_INVALID;
	}
	return 0;
}

static int count_address(const char *value, void *arg, char *err, size_t errlen)
{
	(void)value;
	(void)err;
	(void)errlen;
	(*(unsigned *)arg)++;
	return 0;
}

static const struct lp_agent_extra_opt extras[] = {
	{ "tap", "NAME", "the TAP device's name", false, false, NULL, &tap_name },
	{ "mac", "MAC", "the device's MAC", false, false, parse_mac, &mac },
	{ "no-broadcast-routes", NULL, "no 255.255.255.255 and 224.0.0.0/4 routes", false, false,
	  NULL, &no_routes },
	{ "address", "CIDR", "a static address", false, true, count_address, &n_addresses },
};
#define N_EXTRAS (sizeof(extras) / sizeof(extras[0]))

static struct lp_agent_options o;
static char err[256];
static char *outbuf;
static size_t outlen;

static int reset(void **state)
{
	(void)state;
	tap_name = NULL;
	no_routes = false;
	memset(&mac, 0, sizeof(mac));
	n_addresses = 0;
	return 0;
}

/* Parse a NULL-terminated argument list (argv[0] added). */
static int parse_with(const struct lp_agent_prog *prog, const struct lp_agent_extra_opt *x,
		      size_t nx, const char *first, ...)
{
	char *argv[32];
	int argc = 0, r;
	va_list ap;
	FILE *out;

	argv[argc++] = (char *)(uintptr_t)prog->name;
	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	free(outbuf);
	outbuf = NULL;
	out = open_memstream(&outbuf, &outlen);
	assert_non_null(out);
	memset(err, 0, sizeof(err));
	r = lp_agent_options_parse(&o, argc, argv, prog, x, nx, out, err, sizeof(err));
	fclose(out);
	return r;
}

#define parse(...) parse_with(&client_prog, extras, N_EXTRAS, __VA_ARGS__, NULL)

static void expect_error(int r, const char *want)
{
	assert_int_equal(r, LP_ERR_INVALID);
	if (strcmp(err, want) != 0)
		fail_msg("error:\n got  '%s'\n want '%s'", err, want);
	assert_null(strstr(err, CODE)); /* never quotes a room code */
}

/* ------------------------------------------------------------ help, version */

static void test_help_and_version(void **state)
{
	(void)state;
	assert_int_equal(parse("--help"), LP_AGENT_OPT_EXIT);
	assert_non_null(strstr(outbuf, "usage: lanparty-client [options] --invite STRING\n"));
	assert_non_null(strstr(outbuf, "lanparty-client status [--status-file PATH]"));
	assert_non_null(strstr(outbuf, "Puts this PC on the party LAN."));
	assert_non_null(strstr(outbuf, "Device:\n  --tap NAME"));
	assert_non_null(strstr(outbuf, "  --no-broadcast-routes "));
	assert_non_null(strstr(outbuf, "--invite-file FILE"));
	assert_non_null(strstr(outbuf, "Addressing: see docs/client.md."));
	assert_non_null(strstr(outbuf, "Exit status: 0 after SIGINT"));
	assert_int_equal(parse("-h"), LP_AGENT_OPT_EXIT);
	/* --help wins over what comes after it. */
	assert_int_equal(parse("--help", "--bogus"), LP_AGENT_OPT_EXIT);
	assert_int_equal(parse("--version"), LP_AGENT_OPT_EXIT);
	assert_string_equal(outbuf, "lanparty-client " LP_VERSION " (softlan, protocol 1)\n");
	assert_int_equal(parse("-V"), LP_AGENT_OPT_EXIT);
	expect_error(parse("--help=yes"), "--help takes no value");
}

/* ------------------------------------------------------------ invites */

static void test_invite_good(void **state)
{
	struct lp_invite want;
	char e[128];

	(void)state;
	assert_int_equal(lp_invite_parse(INVITE, &want, e, sizeof(e)), 0);
	assert_int_equal(parse("--invite", INVITE), LP_AGENT_OPT_RUN);
	assert_true(lp_invite_equal(&o.invite, &want));
	assert_int_equal(o.invite.role, LP_INVITE_CLIENT);
	assert_int_equal(o.log_level, LP_LOG_INFO);
	assert_int_equal(o.log_format, LP_LOG_TEXT);
	/* --flag=value, and the blanks of a paste. */
	assert_int_equal(parse("--invite=  " INVITE "\n"), LP_AGENT_OPT_RUN);
	assert_true(lp_invite_equal(&o.invite, &want));
}

static void test_invite_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"http://relay.example.net/client/" CODE,
		"lanparty://relay.example.net/client/short",
		"lanparty://relay.example.net/player/" CODE,
		"lanparty://relay.example.net:0/client/" CODE,
		"lanparty://relay..example.net/client/" CODE,
		"lanparty://relay.example.net/client/" CODE "?pin=sha256//abc",
		"lanparty://relay.example.net/client/" CODE "?foo=1",
		"lanparty://[::1/client/" CODE,
	};
	char want[256], why[160];
	struct lp_invite inv;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(lp_invite_parse(bad[i], &inv, why, sizeof(why)) < 0);
		snprintf(want, sizeof(want), "--invite: %s", why);
		expect_error(parse("--invite", bad[i]), want);
		assert_int_equal(o.invite.role, 0); /* nothing half-parsed left behind */
	}
	/* A LAN gateway's invite is not a player's. */
	expect_error(parse("--invite", GW_INVITE),
		     "--invite: this is a LAN gateway invite, but lanparty-client needs a player "
		     "invite (.../client/...)");
}

static void test_invite_file(void **state)
{
	char path[] = "/tmp/test_agent_options-XXXXXX";
	int fd = mkstemp(path);
	struct lp_invite want;
	char e[128];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lp_invite_parse(INVITE, &want, e, sizeof(e)), 0);
	assert_int_equal(lp_sys_write_file(path, INVITE "\n# more\n", strlen(INVITE) + 8, 0600), 0);
	assert_int_equal(parse("--invite-file", path), LP_AGENT_OPT_RUN);
	assert_true(lp_invite_equal(&o.invite, &want));
	assert_int_equal(lp_sys_write_file(path, GW_INVITE, strlen(GW_INVITE), 0600), 0);
	assert_int_equal(parse("--invite-file", path), LP_ERR_INVALID);
	assert_non_null(strstr(err, "--invite-file: this is a LAN gateway invite"));
	unlink(path);
	char want_err[300];
	snprintf(want_err, sizeof(want_err), "--invite-file: %s: %s", path, strerror(ENOENT));
	expect_error(parse("--invite-file", path), want_err);
	expect_error(parse("--invite", INVITE, "--invite-file", path),
		     "--invite and --invite-file: give one of them");
}

static void test_invite_parts(void **state)
{
	struct lp_invite want;
	char e[128];

	(void)state;
	assert_int_equal(parse("--relay", "relay.example.net:24433", "--room", CODE, "--pin", PIN),
			 LP_AGENT_OPT_RUN);
	assert_int_equal(lp_invite_parse(INVITE, &want, e, sizeof(e)), 0);
	assert_true(lp_invite_equal(&o.invite, &want));

	/* The default port, no pin (system trust), an API port, IPv6. */
	assert_int_equal(parse("--relay", "Relay.Example.NET", "--room", CODE), LP_AGENT_OPT_RUN);
	assert_string_equal(o.invite.host, "relay.example.net");
	assert_int_equal(o.invite.port, 4433);
	assert_int_equal(o.invite.api_port, 4433);
	assert_false(o.invite.has_pin);
	assert_int_equal(
		parse("--relay", "[2001:db8::1]:5000", "--room", CODE, "--api-port", "8443"),
		LP_AGENT_OPT_RUN);
	assert_string_equal(o.invite.host, "2001:db8::1");
	assert_int_equal(o.invite.port, 5000);
	assert_int_equal(o.invite.api_port, 8443);
	assert_int_equal(
		parse("--relay", "10.0.0.1", "--room", CODE, "--pin", PIN, "--api-port", "443"),
		LP_AGENT_OPT_RUN);
	assert_int_equal(o.invite.api_port, 443);
	assert_true(o.invite.has_pin);
	assert_int_equal(o.invite.role, LP_INVITE_CLIENT);
}

static void test_invite_parts_bad(void **state)
{
	char why[160], want[256];
	uint8_t pin[LP_PIN_LEN];

	(void)state;
	expect_error(parse("--relay", "r.example", "--room", "tooshort"),
		     "--room: a room code is 16 to 64 characters of A-Z, a-z, 0-9, '-' and '_'");
	expect_error(parse("--relay", "r.example", "--room", CODE "!"),
		     "--room: a room code is 16 to 64 characters of A-Z, a-z, 0-9, '-' and '_'");
	assert_true(lp_pin_parse("sha256//abc", 11, pin, why, sizeof(why)) < 0);
	snprintf(want, sizeof(want), "--pin: %s", why);
	expect_error(parse("--relay", "r.example", "--room", CODE, "--pin", "sha256//abc"), want);
	expect_error(parse("--relay", "r.example", "--room", CODE, "--api-port", "0"),
		     "--api-port: expected a port number, 1 to 65535");
	expect_error(parse("--relay", "r.example", "--room", CODE, "--api-port", "65536"),
		     "--api-port: expected a port number, 1 to 65535");
	expect_error(parse("--relay", "r.example", "--room", CODE, "--api-port", "12a"),
		     "--api-port: expected a port number, 1 to 65535");
	expect_error(parse("--relay", "r.example", "--room", CODE, "--api-port", "-1"),
		     "--api-port: expected a port number, 1 to 65535");
	static const char *const relays[] = { "", "r.example/x", "r.example?pin=x",
					      "user@r.example", "r.example#x" };
	for (size_t i = 0; i < sizeof(relays) / sizeof(relays[0]); i++)
		expect_error(parse("--relay", relays[i], "--room", CODE),
			     "--relay: expected HOST or HOST:PORT (an IPv6 address in brackets: "
			     "[2001:db8::1]:4433)");
	/* Host errors come from the invite parser, prefixed. */
	assert_int_equal(parse("--relay", "bad_host!", "--room", CODE), LP_ERR_INVALID);
	assert_true(strncmp(err, "--relay: ", 9) == 0);
	assert_null(strstr(err, CODE));
	assert_int_equal(parse("--relay", "r.example:99999", "--room", CODE), LP_ERR_INVALID);
	assert_true(strncmp(err, "--relay: ", 9) == 0);
	char host[300];
	memset(host, 'a', 299);
	host[299] = '\0';
	assert_int_equal(parse("--relay", host, "--room", CODE), LP_ERR_INVALID);
	assert_true(strncmp(err, "--relay: ", 9) == 0);

	/* Combinations. */
	expect_error(parse("--invite", INVITE, "--relay", "r.example"),
		     "--invite and --relay/--room/--pin/--api-port are two ways to say the same: "
		     "give one");
	expect_error(parse("--invite", INVITE, "--pin", PIN),
		     "--invite and --relay/--room/--pin/--api-port are two ways to say the same: "
		     "give one");
	expect_error(parse("--room", CODE), "--relay HOST[:PORT] is needed with --room");
	expect_error(parse("--relay", "r.example"), "--room CODE is needed with --relay");
	expect_error(parse("--pin", PIN), "--relay HOST[:PORT] is needed with --room");
	expect_error(parse("--name", "x"),
		     "no invite: give --invite STRING (or --relay HOST:PORT --room CODE)");
}

/* ------------------------------------------------------------ other common flags */

static void test_name(void **state)
{
	char host[LP_CTRL_NAME_MAX + 1];
	char longname[LP_CTRL_NAME_MAX + 2];

	(void)state;
	assert_int_equal(parse("--invite", INVITE), LP_AGENT_OPT_RUN);
	assert_int_equal(lp_sys_hostname(host, sizeof(host)), 0);
	assert_string_equal(o.name, host);
	assert_int_equal(parse("--invite", INVITE, "--name", "Jürgen's PC"), LP_AGENT_OPT_RUN);
	assert_string_equal(o.name, "Jürgen's PC");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	static const char *const bad[] = { "",
					   "tab\there",
					   "bad\xff",
					   "\xc3",
					   "del\x7f",
					   "\xc2\x85" /* U+0085, a C1 control */,
					   "\xed\xa0\x80" /* a surrogate */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(parse("--invite", INVITE, "--name", bad[i]),
			     "--name: 1 to 64 bytes of text, without control characters");
	expect_error(parse("--invite", INVITE, "--name", longname),
		     "--name: 1 to 64 bytes of text, without control characters");
	longname[LP_CTRL_NAME_MAX] = '\0';
	assert_int_equal(parse("--invite", INVITE, "--name", longname), LP_AGENT_OPT_RUN);
}

static void test_status_file_and_logs(void **state)
{
	char def[LP_AGENT_PATH_MAX], longpath[LP_AGENT_PATH_MAX + 2];

	(void)state;
	assert_int_equal(lp_sys_status_path("lanparty-client", def, sizeof(def)), 0);
	assert_int_equal(parse("--invite", INVITE), LP_AGENT_OPT_RUN);
	assert_string_equal(o.status_path, def);
	assert_non_null(strstr(def, "lanparty-client.status"));
	assert_int_equal(parse("--invite", INVITE, "--status-file", "/tmp/x.status"),
			 LP_AGENT_OPT_RUN);
	assert_string_equal(o.status_path, "/tmp/x.status");
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	expect_error(parse("--invite", INVITE, "--status-file", longpath),
		     "--status-file: empty, or longer than 511 bytes");
	expect_error(parse("--invite", INVITE, "--status-file", ""),
		     "--status-file: empty, or longer than 511 bytes");

	assert_int_equal(parse("--invite", INVITE, "--log-level", "DEBUG", "--log-format", "json"),
			 LP_AGENT_OPT_RUN);
	assert_int_equal(o.log_level, LP_LOG_DEBUG);
	assert_int_equal(o.log_format, LP_LOG_JSON);
	expect_error(parse("--invite", INVITE, "--log-level", "loud"),
		     "--log-level: expected error, warn, info, debug or trace");
	expect_error(parse("--invite", INVITE, "--log-format", "xml"),
		     "--log-format: expected text or json");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error(parse("--invite", INVITE, "--bogus"), "unknown option '--bogus' (see --help)");
	expect_error(parse("--invite", INVITE, "--bogus=1"),
		     "unknown option '--bogus' (see --help)");
	expect_error(parse("-x"), "unexpected argument '-x' (see --help)");
	expect_error(parse("--"), "unexpected argument '--' (see --help)");
	expect_error(parse("--invite", INVITE, "extra"),
		     "unexpected argument 'extra' (see --help)");
	expect_error(parse("--invite", INVITE, "status"),
		     "'status' is a subcommand: lanparty-client status [--status-file PATH]");
	expect_error(parse("--invite"), "--invite needs a value (STRING)");
	expect_error(parse("--invite", INVITE, "--name"), "--name needs a value (NAME)");
	expect_error(parse("--invite", INVITE, "--name", "a", "--name", "b"),
		     "--name is given twice");
	expect_error(parse("--invite", INVITE, "--invite", INVITE), "--invite is given twice");
	expect_error(parse("--version=2"), "--version takes no value");
}

/* ------------------------------------------------------------ extra options */

static void test_extras(void **state)
{
	(void)state;
	assert_int_equal(parse("--invite", INVITE, "--tap", "party0", "--mac=02:aa:bb:cc:dd:ee",
			       "--no-broadcast-routes", "--address", "10.0.0.5/24", "--address",
			       "10.0.0.6/24"),
			 LP_AGENT_OPT_RUN);
	assert_string_equal(tap_name, "party0");
	assert_int_equal(mac.b[0], 0x02);
	assert_int_equal(mac.b[5], 0xee);
	assert_true(no_routes);
	assert_int_equal(n_addresses, 2);
	expect_error(parse("--invite", INVITE, "--mac", "nope"),
		     "--mac: not a MAC address (aa:bb:cc:dd:ee:ff)");
	expect_error(parse("--invite", INVITE, "--tap", "a", "--tap", "b"), "--tap is given twice");
	expect_error(parse("--invite", INVITE, "--no-broadcast-routes=1"),
		     "--no-broadcast-routes takes no value");
	expect_error(parse("--invite", INVITE, "--tap"), "--tap needs a value (NAME)");

	/* A required option, as the gateway's --interface. */
	static const char *iface;
	static const struct lp_agent_extra_opt gw_extra[] = {
		{ "interface", "IFACE", "the LAN interface", true, false, NULL, &iface },
	};
	static const struct lp_agent_prog gw = { .name = "lanparty-gateway",
						 .role = LP_INVITE_GATEWAY };
	assert_int_equal(parse_with(&gw, gw_extra, 1, "--invite", GW_INVITE, NULL), LP_ERR_INVALID);
	assert_string_equal(err, "--interface IFACE is required (see --help)");
	assert_int_equal(
		parse_with(&gw, gw_extra, 1, "--invite", GW_INVITE, "--interface", "eth1", NULL),
		LP_AGENT_OPT_RUN);
	assert_string_equal(iface, "eth1");
	assert_int_equal(o.invite.role, LP_INVITE_GATEWAY);
	assert_int_equal(
		parse_with(&gw, gw_extra, 1, "--interface", "eth1", "--invite", INVITE, NULL),
		LP_ERR_INVALID);
	assert_string_equal(err, "--invite: this is a player invite, but lanparty-gateway needs a "
				 "LAN gateway invite (.../gateway/...)");
	/* No extras at all. */
	assert_int_equal(parse_with(&gw, NULL, 0, "--invite", GW_INVITE, NULL), LP_AGENT_OPT_RUN);

	/* The agent config made from the options. */
	struct lp_agent_cfg cfg;
	assert_int_equal(parse("--invite", INVITE, "--name", "alice"), LP_AGENT_OPT_RUN);
	lp_agent_cfg_from_options(&cfg, &o, &client_prog);
	assert_string_equal(cfg.agent, "lanparty-client/" LP_VERSION " linux");
	assert_string_equal(cfg.name, "alice");
	assert_string_equal(cfg.status_path, o.status_path);
	assert_true(lp_invite_equal(&cfg.invite, &o.invite));
	assert_false(cfg.has_mac);
}

/* ------------------------------------------------------------ status subcommand */

static void test_status_args(void **state)
{
	char def[LP_AGENT_PATH_MAX];

	(void)state;
	assert_int_equal(lp_sys_status_path("lanparty-client", def, sizeof(def)), 0);
	assert_int_equal(parse("status"), LP_AGENT_OPT_STATUS);
	assert_string_equal(o.status_path, def);
	assert_int_equal(parse("status", "--status-file", "/tmp/s"), LP_AGENT_OPT_STATUS);
	assert_string_equal(o.status_path, "/tmp/s");
	assert_int_equal(parse("status", "--status-file=/tmp/t"), LP_AGENT_OPT_STATUS);
	assert_string_equal(o.status_path, "/tmp/t");
	assert_int_equal(parse("status", "--help"), LP_AGENT_OPT_EXIT);
	assert_non_null(strstr(outbuf, "usage: lanparty-client status [--status-file PATH]"));
	expect_error(parse("status", "--invite", INVITE), "status: unexpected argument '--invite'");
	expect_error(parse("status", "--status-file"), "--status-file needs a value (PATH)");
}

static char *run_cmd(const char *path, int *rc, char **errtext)
{
	static char *o1, *e1;
	size_t l1, l2;
	FILE *out, *errout;

	free(o1);
	free(e1);
	out = open_memstream(&o1, &l1);
	errout = open_memstream(&e1, &l2);
	*rc = lp_agent_status_cmd(&client_prog, path, out, errout);
	fclose(out);
	fclose(errout);
	*errtext = e1;
	return o1;
}

static void test_status_cmd(void **state)
{
	char path[] = "/tmp/test_agent_status-XXXXXX";
	struct lp_agent_status s;
	char *text, *errtext;
	int fd = mkstemp(path), rc;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 1);
	assert_string_equal(text, "");
	assert_non_null(strstr(errtext, "lanparty-client: not running (no status file at /tmp/"));

	memset(&s, 0, sizeof(s));
	s.state = LP_AGENT_CONNECTED;
	s.role = LP_CTRL_ROLE_CLIENT;
	snprintf(s.room_name, sizeof(s.room_name), "lan");
	snprintf(s.relay, sizeof(s.relay), "relay.example:4433");
	s.members = 3;
	s.pid = getpid();
	s.updated_at = (int64_t)time(NULL);
	s.connected_since = s.updated_at - 10;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 0);
	assert_string_equal(errtext, "");
	/* 10 s, or 11 if the clock ticked in between. */
	assert_true(strncmp(text, "state     connected for 10 s", 28) == 0 ||
		    strncmp(text, "state     connected for 11 s", 28) == 0);
	assert_non_null(strstr(text, "members   3 online"));

	/* Stale: not rewritten for minutes. */
	s.updated_at -= 600;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(errtext, "was last written 60")); /* 600 or 601 s */

	/* Stopped for good. */
	s.updated_at += 600;
	s.state = LP_AGENT_STOPPED;
	snprintf(s.why, sizeof(s.why), "you are banned from room lan");
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(errtext, "not running (pid"));
	assert_non_null(strstr(errtext, "state     stopped: you are banned from room lan"));

	/* Its process is gone (a pid no process has). */
	s.state = LP_AGENT_CONNECTED;
	s.pid = 0x3ffffff0;
	assert_int_equal(lp_agent_status_write(path, &s), 0);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(errtext, "is gone"));

	/* Not a status file. */
	assert_int_equal(lp_sys_write_file(path, "hello", 5, 0644), 0);
	text = run_cmd(path, &rc, &errtext);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(errtext, "not a status file"));
	unlink(path);
}

static int group_teardown(void **state)
{
	(void)state;
	free(outbuf);
	outbuf = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_help_and_version, reset),
		cmocka_unit_test_setup(test_invite_good, reset),
		cmocka_unit_test_setup(test_invite_bad, reset),
		cmocka_unit_test_setup(test_invite_file, reset),
		cmocka_unit_test_setup(test_invite_parts, reset),
		cmocka_unit_test_setup(test_invite_parts_bad, reset),
		cmocka_unit_test_setup(test_name, reset),
		cmocka_unit_test_setup(test_status_file_and_logs, reset),
		cmocka_unit_test_setup(test_syntax_errors, reset),
		cmocka_unit_test_setup(test_extras, reset),
		cmocka_unit_test_setup(test_status_args, reset),
		cmocka_unit_test_setup(test_status_cmd, reset),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
