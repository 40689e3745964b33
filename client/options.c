/*
 * options.c: the agents' common command line; see options.h.
 */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "code.h"
#include "err.h"
#include "sys.h"

enum common_id {
	O_INVITE,
	O_INVITE_FILE,
	O_RELAY,
	O_ROOM,
	O_PIN,
	O_API_PORT,
	O_NAME,
	O_STATUS_FILE,
	O_LOG_LEVEL,
	O_LOG_FORMAT,
	O_HELP,
	O_VERSION,
	O__COUNT
};

struct common_opt {
	const char *name, *metavar, *help;
};

static const struct common_opt common[O__COUNT] = {
	[O_INVITE] = { "invite", "STRING", "the invite from the organiser (lanparty://...)" },
	[O_INVITE_FILE] = { "invite-file", "FILE",
			    "read the invite from FILE (keeps the room code out of ps)" },
	[O_RELAY] = { "relay", "HOST[:PORT]",
		      "without an invite: the relay (port 4433 if left out)" },
	[O_ROOM] = { "room", "CODE", "without an invite: the room code" },
	[O_PIN] = { "pin", "sha256//B64",
		    "without an invite: the relay certificate's pin (else system CAs)" },
	[O_API_PORT] = { "api-port", "PORT",
			 "without an invite: the relay's HTTPS API port (default: PORT)" },
	[O_NAME] = { "name", "NAME", "the name the others see (default: this host's name)" },
	[O_STATUS_FILE] = { "status-file", "PATH", "where to keep the status (see below)" },
	[O_LOG_LEVEL] = { "log-level", "LEVEL", "error, warn, info (default), debug or trace" },
	[O_LOG_FORMAT] = { "log-format", "FORMAT", "text (default) or json lines" },
	[O_HELP] = { "help", NULL, "this text (also -h)" },
	[O_VERSION] = { "version", NULL, "the version (also -V)" },
};

static int fail(char *err, size_t errlen, const char *fmt, ...) LP_LOG_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return LP_ERR_INVALID;
}

static const char *role_word(enum lp_invite_role r)
{
	return r == LP_INVITE_GATEWAY ? "LAN gateway" : "player";
}

/* ------------------------------------------------------------ help */

static void print_opt(FILE *out, const char *name, const char *metavar, const char *help)
{
	char left[48];

	snprintf(left, sizeof(left), "--%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
	fprintf(out, "  %-26s %s\n", left, help ? help : "");
}

void lp_agent_options_usage(const struct lp_agent_prog *prog,
			    const struct lp_agent_extra_opt *extra, size_t n_extra, FILE *out)
{
	char path[LP_AGENT_PATH_MAX];

	fprintf(out,
		"usage: %s [options] --invite STRING\n"
		"       %s [options] --relay HOST[:PORT] --room CODE [--pin sha256//B64]\n"
		"       %s status [--status-file PATH]\n\n",
		prog->name, prog->name, prog->name);
	if (prog->summary)
		fprintf(out, "%s\n\n", prog->summary);
	fprintf(out, "Joining:\n");
	for (int i = O_INVITE; i <= O_NAME; i++)
		print_opt(out, common[i].name, common[i].metavar, common[i].help);
	if (n_extra > 0) {
		fprintf(out, "\n%s\n", prog->extra_title ? prog->extra_title : "Other options:");
		for (size_t i = 0; i < n_extra; i++)
			print_opt(out, extra[i].name, extra[i].metavar, extra[i].help);
	}
	fprintf(out, "\nStatus, logs, help:\n");
	for (int i = O_STATUS_FILE; i < O__COUNT; i++)
		print_opt(out, common[i].name, common[i].metavar, common[i].help);
	if (lp_sys_status_path(prog->name, path, sizeof(path)) == 0)
		fprintf(out,
			"\nThe status file (for `%s status`) is, for this user:\n  %s\n"
			"(as root, or with a writable /run/softlan: /run/softlan/%s.status;\n"
			"otherwise under $XDG_RUNTIME_DIR/softlan, or /tmp/softlan-UID).\n",
			prog->name, path, prog->name);
	if (prog->epilogue)
		fprintf(out, "\n%s\n", prog->epilogue);
	fprintf(out,
		"\nExit status: 0 after SIGINT or SIGTERM (the agent leaves the room cleanly),\n"
		"1 on an error of this machine, 2 for bad options, 3 when the relay refuses\n"
		"for good (unknown code, wrong invite, banned, kicked, room closed or gone).\n");
}

/* ------------------------------------------------------------ checks */

/* 1..64 bytes of UTF-8 without control characters, as hello.name wants. */
static bool name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len == 0 || len > LP_CTRL_NAME_MAX)
		return false;
	while (*p) {
		unsigned c = *p, n, cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0x80 && cp <= 0x9f))
			return false;
		p += n + 1;
	}
	return true;
}

static int check_role(struct lp_invite *inv, const struct lp_agent_prog *prog, const char *flag,
		      char *err, size_t errlen)
{
	if (inv->role == prog->role)
		return 0;
	return fail(err, errlen, "%s: this is a %s invite, but %s needs a %s invite (.../%s/...)",
		    flag, role_word(inv->role), prog->name, role_word(prog->role),
		    lp_invite_role_name(prog->role));
}

static int invite_from_string(struct lp_agent_options *o, const char *s,
			      const struct lp_agent_prog *prog, const char *flag, char *err,
			      size_t errlen)
{
	char why[160];

	if (lp_invite_parse(s, &o->invite, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s: %s", flag, why);
	return check_role(&o->invite, prog, flag, err, errlen);
}

static int invite_from_file(struct lp_agent_options *o, const char *path,
			    const struct lp_agent_prog *prog, char *err, size_t errlen)
{
	char buf[LP_INVITE_STRLEN + 64];
	size_t len;
	int r = lp_sys_read_file(path, buf, sizeof(buf), &len);

	if (r < 0)
		return fail(err, errlen, "--invite-file: %s: %s", path,
			    r == LP_ERR_TOO_BIG ? "too large to hold an invite" : lp_strerror(r));
	/* The first line; the invite parser forgives the surrounding blanks. */
	buf[strcspn(buf, "\n")] = '\0';
	r = invite_from_string(o, buf, prog, "--invite-file", err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v;

	if (!s[0] || s[0] == '+' || s[0] == '-' || s[0] == ' ')
		return LP_ERR_INVALID;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return LP_ERR_INVALID;
	*out = (uint16_t)v;
	return 0;
}

/* --relay --room [--pin] [--api-port] into an invite, through the invite parser. */
static int invite_from_parts(struct lp_agent_options *o, const char *relay, const char *room,
			     const char *pin, const char *api, const struct lp_agent_prog *prog,
			     char *err, size_t errlen)
{
	char text[LP_INVITE_STRLEN + 16], why[160];
	uint8_t pinbuf[LP_PIN_LEN];
	uint16_t api_port = 0;
	int r, n;

	if (!lp_code_valid(room, strlen(room)))
		return fail(err, errlen,
			    "--room: a room code is 16 to 64 characters of A-Z, a-z, 0-9, '-' and "
			    "'_'");
	if (pin && lp_pin_parse(pin, strlen(pin), pinbuf, why, sizeof(why)) < 0)
		return fail(err, errlen, "--pin: %s", why);
	if (api && parse_port(api, &api_port) < 0)
		return fail(err, errlen, "--api-port: expected a port number, 1 to 65535");
	if (!relay[0] || strchr(relay, '/') || strchr(relay, '?') || strchr(relay, '&') ||
	    strchr(relay, '#') || strchr(relay, '@'))
		return fail(err, errlen,
			    "--relay: expected HOST or HOST:PORT (an IPv6 address in brackets: "
			    "[2001:db8::1]:4433)");
	n = snprintf(text, sizeof(text), "%s%s/%s/%s", LP_INVITE_SCHEME, relay,
		     lp_invite_role_name(prog->role), room);
	if (n > 0 && (size_t)n < sizeof(text) && pin)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "?pin=%s", pin);
	if (n > 0 && (size_t)n < sizeof(text) && api)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%sapi=%u", pin ? "&" : "?",
			      api_port);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		explicit_bzero(text, sizeof(text));
		return fail(err, errlen, "--relay: the host name is too long");
	}
	r = lp_invite_parse(text, &o->invite, why, sizeof(why));
	explicit_bzero(text, sizeof(text));
	/* Code and pin passed their own checks: what is left to fail is the relay. */
	if (r < 0)
		return fail(err, errlen, "--relay: %s", why);
	return 0;
}

/* ------------------------------------------------------------ parsing */

struct seen {
	const char *val[O__COUNT];
	bool common[O__COUNT];
	unsigned extra[LP_AGENT_EXTRA_MAX];
};

static int lookup_common(const char *name, size_t len)
{
	for (int i = 0; i < O__COUNT; i++)
		if (strlen(common[i].name) == len && memcmp(common[i].name, name, len) == 0)
			return i;
	return -1;
}

static int lookup_extra(const struct lp_agent_extra_opt *extra, size_t n, const char *name,
			size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(extra[i].name) == len && memcmp(extra[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int run_extra(const struct lp_agent_extra_opt *x, const char *value, char *err,
		     size_t errlen)
{
	char why[160] = "";
	int r;

	if (!x->parse) {
		if (x->metavar)
			*(const char **)x->arg = value;
		else
			*(bool *)x->arg = true;
		return 0;
	}
	r = x->parse(value, x->arg, why, sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "--%s: %s", x->name, why[0] ? why : lp_strerror(r));
		return r;
	}
	return 0;
}

static int parse_status_args(struct lp_agent_options *o, int argc, char **argv,
			     const struct lp_agent_prog *prog, FILE *out, char *err, size_t errlen)
{
	const char *path = NULL;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fprintf(out,
				"usage: %s status [--status-file PATH]\n\n"
				"Prints the state of the %s running on this machine (connected or\n"
				"retrying and why, room, members, RTT, traffic, drops). Exit "
				"status 0\n"
				"when it runs, 1 when it does not.\n",
				prog->name, prog->name);
			return LP_AGENT_OPT_EXIT;
		}
		if (strncmp(a, "--status-file=", 14) == 0) {
			path = a + 14;
		} else if (strcmp(a, "--status-file") == 0) {
			if (i + 1 >= argc)
				return fail(err, errlen, "--status-file needs a value (PATH)");
			path = argv[++i];
		} else {
			return fail(err, errlen, "status: unexpected argument '%s'", a);
		}
	}
	if (path) {
		if (!path[0] || strlen(path) >= sizeof(o->status_path))
			return fail(err, errlen, "--status-file: empty or too long");
		memcpy(o->status_path, path, strlen(path) + 1);
	} else if (lp_sys_status_path(prog->name, o->status_path, sizeof(o->status_path)) < 0) {
		return fail(err, errlen,
			    "the default status file's path is too long: use --status-file");
	} else if (!lp_sys_exists(o->status_path)) {
		/* A person asking about the agent a service runs: look where services write. */
		char sys[LP_AGENT_PATH_MAX];
		int n = snprintf(sys, sizeof(sys), "%s/%s.status", LP_SYS_STATUS_DIR, prog->name);

		if (n > 0 && (size_t)n < sizeof(sys) && lp_sys_exists(sys))
			memcpy(o->status_path, sys, (size_t)n + 1);
	}
	return LP_AGENT_OPT_STATUS;
}

/* Everything given is in s; check the combination and fill o. */
static int finish(struct lp_agent_options *o, struct seen *s, const struct lp_agent_prog *prog,
		  const struct lp_agent_extra_opt *extra, size_t n_extra, char *err, size_t errlen)
{
	const char **v = s->val;
	bool parts = v[O_RELAY] || v[O_ROOM] || v[O_PIN] || v[O_API_PORT];
	int r;

	if (v[O_INVITE] && v[O_INVITE_FILE])
		return fail(err, errlen, "--invite and --invite-file: give one of them");
	if ((v[O_INVITE] || v[O_INVITE_FILE]) && parts)
		return fail(err, errlen,
			    "%s and --relay/--room/--pin/--api-port are two ways to say the same: "
			    "give one",
			    v[O_INVITE] ? "--invite" : "--invite-file");
	if (v[O_INVITE])
		r = invite_from_string(o, v[O_INVITE], prog, "--invite", err, errlen);
	else if (v[O_INVITE_FILE])
		r = invite_from_file(o, v[O_INVITE_FILE], prog, err, errlen);
	else if (!parts)
		r = fail(err, errlen,
			 "no invite: give --invite STRING (or --relay HOST:PORT --room CODE)");
	else if (!v[O_RELAY])
		r = fail(err, errlen, "--relay HOST[:PORT] is needed with --room");
	else if (!v[O_ROOM])
		r = fail(err, errlen, "--room CODE is needed with --relay");
	else
		r = invite_from_parts(o, v[O_RELAY], v[O_ROOM], v[O_PIN], v[O_API_PORT], prog, err,
				      errlen);
	if (r < 0)
		return r;
	if (v[O_NAME]) {
		if (!name_ok(v[O_NAME]))
			return fail(err, errlen,
				    "--name: 1 to %d bytes of text, without control characters",
				    LP_CTRL_NAME_MAX);
		memcpy(o->name, v[O_NAME], strlen(v[O_NAME]) + 1);
	} else if (lp_sys_hostname(o->name, sizeof(o->name)) < 0 || !name_ok(o->name)) {
		o->name[0] = '\0'; /* the name is optional in hello */
	}
	if (v[O_STATUS_FILE]) {
		if (!v[O_STATUS_FILE][0] || strlen(v[O_STATUS_FILE]) >= sizeof(o->status_path))
			return fail(err, errlen, "--status-file: empty, or longer than %d bytes",
				    LP_AGENT_PATH_MAX - 1);
		memcpy(o->status_path, v[O_STATUS_FILE], strlen(v[O_STATUS_FILE]) + 1);
	} else if (lp_sys_status_path(prog->name, o->status_path, sizeof(o->status_path)) < 0) {
		return fail(err, errlen,
			    "the default status file's path is too long: use --status-file");
	}
	if (v[O_LOG_LEVEL] && lp_log_level_parse(v[O_LOG_LEVEL], &o->log_level) < 0)
		return fail(err, errlen, "--log-level: expected error, warn, info, debug or trace");
	if (v[O_LOG_FORMAT] && lp_log_format_parse(v[O_LOG_FORMAT], &o->log_format) < 0)
		return fail(err, errlen, "--log-format: expected text or json");
	for (size_t i = 0; i < n_extra; i++)
		if (extra[i].required && !s->extra[i])
			return fail(err, errlen, "--%s%s%s is required (see --help)", extra[i].name,
				    extra[i].metavar ? " " : "",
				    extra[i].metavar ? extra[i].metavar : "");
	return LP_AGENT_OPT_RUN;
}

int lp_agent_options_parse(struct lp_agent_options *o, int argc, char **argv,
			   const struct lp_agent_prog *prog, const struct lp_agent_extra_opt *extra,
			   size_t n_extra, FILE *out, char *err, size_t errlen)
{
	struct seen s;
	int r;

	memset(o, 0, sizeof(*o));
	memset(&s, 0, sizeof(s));
	o->log_level = LP_LOG_INFO;
	o->log_format = LP_LOG_TEXT;
	if (errlen > 0)
		err[0] = '\0';
	if (n_extra > LP_AGENT_EXTRA_MAX)
		return fail(err, errlen, "internal: too many options");
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return parse_status_args(o, argc, argv, prog, out, err, errlen);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *value = NULL;
		size_t len;
		int c = -1, x = -1;
		bool takes_value;

		if (strcmp(a, "-h") == 0)
			c = O_HELP;
		else if (strcmp(a, "-V") == 0)
			c = O_VERSION;
		if (c < 0 && (strncmp(a, "--", 2) != 0 || !a[2])) {
			if (strcmp(a, "status") == 0)
				return fail(
					err, errlen,
					"'status' is a subcommand: %s status [--status-file PATH]",
					prog->name);
			return fail(err, errlen, "unexpected argument '%s' (see --help)", a);
		}
		if (c < 0) {
			name = a + 2;
			eq = strchr(name, '=');
			len = eq ? (size_t)(eq - name) : strlen(name);
			c = lookup_common(name, len);
			if (c < 0)
				x = lookup_extra(extra, n_extra, name, len);
			if (c < 0 && x < 0)
				return fail(err, errlen, "unknown option '--%.*s' (see --help)",
					    (int)(len > 64 ? 64 : len), name);
			takes_value = c >= 0 ? common[c].metavar != NULL : extra[x].metavar != NULL;
			if (takes_value) {
				if (eq)
					value = eq + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else
					return fail(err, errlen, "--%.*s needs a value (%s)",
						    (int)len, name,
						    c >= 0 ? common[c].metavar : extra[x].metavar);
			} else if (eq) {
				return fail(err, errlen, "--%.*s takes no value", (int)len, name);
			}
		}
		if (c == O_HELP) {
			lp_agent_options_usage(prog, extra, n_extra, out);
			return LP_AGENT_OPT_EXIT;
		}
		if (c == O_VERSION) {
			fprintf(out, "%s %s (softlan, protocol %d)\n", prog->name, LP_VERSION,
				LP_PROTO_VERSION);
			return LP_AGENT_OPT_EXIT;
		}
		if (c >= 0) {
			if (s.common[c])
				return fail(err, errlen, "--%s is given twice", common[c].name);
			s.common[c] = true;
			s.val[c] = value;
			continue;
		}
		if (s.extra[x] && !extra[x].repeatable)
			return fail(err, errlen, "--%s is given twice", extra[x].name);
		s.extra[x]++;
		if ((r = run_extra(&extra[x], value, err, errlen)) < 0)
			return r;
	}
	r = finish(o, &s, prog, extra, n_extra, err, errlen);
	if (r < 0)
		explicit_bzero(&o->invite, sizeof(o->invite));
	return r;
}

void lp_agent_cfg_from_options(struct lp_agent_cfg *cfg, const struct lp_agent_options *o,
			       const struct lp_agent_prog *prog)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->invite = o->invite;
	memcpy(cfg->name, o->name, sizeof(cfg->name));
	memcpy(cfg->status_path, o->status_path, sizeof(cfg->status_path));
	snprintf(cfg->agent, sizeof(cfg->agent), "%.40s/%s %s", prog->name, LP_VERSION,
		 lp_sys_os_name());
}

/* ------------------------------------------------------------ status command */

int lp_agent_status_cmd(const struct lp_agent_prog *prog, const char *path, FILE *out, FILE *errout)
{
	struct lp_agent_status st;
	char text[2048];
	int64_t now = (int64_t)time(NULL);
	int r = lp_agent_status_read(path, &st);

	if (r == -ENOENT) {
		fprintf(errout, "%s: not running (no status file at %s)\n", prog->name, path);
		return 1;
	}
	if (r < 0) {
		fprintf(errout, "%s: cannot read the status file %s: %s\n", prog->name, path,
			r == LP_ERR_INVALID ? "not a status file" : lp_strerror(r));
		return 1;
	}
	lp_agent_status_format(&st, now, text, sizeof(text));
	if (st.state == LP_AGENT_STOPPED || !lp_sys_pid_alive(st.pid)) {
		fprintf(errout, "%s: not running (pid %d %s); its last status:\n", prog->name,
			st.pid, lp_sys_pid_alive(st.pid) ? "has stopped" : "is gone");
		fputs(text, errout);
		return 1;
	}
	if (now - st.updated_at > LP_AGENT_STATUS_STALE_S) {
		fprintf(errout,
			"%s: the status file %s was last written %lld s ago: the agent (pid %d) "
			"is stuck or another process has its pid; its last status:\n",
			prog->name, path, (long long)(now - st.updated_at), st.pid);
		fputs(text, errout);
		return 1;
	}
	fputs(text, out);
	return 0;
}
