#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

static const char usage_text[] =
	"usage: lanparty-relay [options]\n"
	"\n"
	"The softlan relay: admits each room's gateway and players over QUIC, forwards\n"
	"their Ethernet frames with L2 safety filters, and serves the admin API.\n"
	"\n"
	"  --listen ADDR:PORT|PORT/udp   QUIC socket (repeatable; default 4433/udp,\n"
	"                                all IPv6 and IPv4 addresses)\n"
	"  --api-listen URL              admin API: https://ADDR:PORT (relay certificate)\n"
	"                                or http://ADDR:PORT on loopback only (repeatable;\n"
	"                                default https://[::]:4433 and http://127.0.0.1:8080)\n"
	"  --data-dir DIR                database, certificate, secrets (default ./var)\n"
	"  --cert FILE --key FILE        PEM certificate chain and key (default: a\n"
	"                                self-signed certificate kept in the data dir)\n"
	"  --admin-token-file FILE       an admin token to accept (for automation)\n"
	"  --public-host NAME[:PORT]     the host invites name (default: the --listen\n"
	"                                address when it is a specific one)\n"
	"  --retry always|auto|never     QUIC Retry address validation (default auto:\n"
	"                                above --retry-rate handshakes per second)\n"
	"  --retry-rate N                (default 200)\n"
	"  --log-level error|warn|info|debug|trace   (default info)\n"
	"  --log-format text|json        (default text)\n"
	"  --log-file FILE               log here instead of stderr (reopened on SIGHUP)\n"
	"  --user NAME                   drop privileges to NAME after binding\n"
	"  -n, --check                   check the flags, print the result, exit\n"
	"  -h, --help                    this text\n"
	"  -V, --version                 the version\n";

enum {
	OPT_LISTEN = 256,
	OPT_API,
	OPT_DATA,
	OPT_CERT,
	OPT_KEY,
	OPT_TOKEN,
	OPT_PUBLIC,
	OPT_RETRY,
	OPT_RETRY_RATE,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_LOG_FILE,
	OPT_USER,
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "api-listen", required_argument, NULL, OPT_API },
	{ "data-dir", required_argument, NULL, OPT_DATA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "admin-token-file", required_argument, NULL, OPT_TOKEN },
	{ "public-host", required_argument, NULL, OPT_PUBLIC },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "retry-rate", required_argument, NULL, OPT_RETRY_RATE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "check", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return LP_ERR_INVALID;
}

static int copy_arg(char *dst, size_t dstlen, const char *src, const char *flag, char *err,
		    size_t errlen)
{
	size_t n = strlen(src);
	if (n == 0)
		return fail(err, errlen, "%s: empty value", flag);
	if (n >= dstlen)
		return fail(err, errlen, "%s: value longer than %zu characters", flag, dstlen - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	if (len == 0 || len > 5)
		return LP_ERR_INVALID;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return LP_ERR_INVALID;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return LP_ERR_INVALID;
	*port = (uint16_t)v;
	return 0;
}

/* Fill out from a numeric host (IPv4, or IPv6 without brackets) and a port. */
static int make_addr(const char *host, size_t hostlen, uint16_t port, struct lp_sockaddr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (hostlen == 0 || hostlen >= sizeof(buf))
		return LP_ERR_INVALID;
	memcpy(buf, host, hostlen);
	buf[hostlen] = '\0';
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, buf, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		out->len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		out->len = sizeof(*a6);
		return 0;
	}
	return LP_ERR_INVALID;
}

/* "ADDR:PORT" or "[V6]:PORT" (ADDR may be "localhost"). */
static int parse_hostport(const char *s, struct lp_sockaddr *out)
{
	const char *host, *port;
	size_t hostlen;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return LP_ERR_INVALID;
		host = s + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
		if (!memchr(host, ':', hostlen))
			return LP_ERR_INVALID; /* brackets are for IPv6 only */
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return LP_ERR_INVALID; /* bare IPv6 needs brackets */
		host = s;
		hostlen = (size_t)(colon - s);
		port = colon + 1;
	}
	uint16_t p;
	if (parse_port(port, strlen(port), &p) < 0)
		return LP_ERR_INVALID;
	if (hostlen == 9 && memcmp(host, "localhost", 9) == 0)
		return make_addr("127.0.0.1", 9, p, out);
	return make_addr(host, hostlen, p, out);
}

int lp_parse_listen(const char *s, struct lp_sockaddr *out)
{
	size_t n = strlen(s);
	if (n > 4 && strcmp(s + n - 4, "/udp") == 0) {
		uint16_t p;
		if (parse_port(s, n - 4, &p) < 0)
			return LP_ERR_INVALID;
		return make_addr("::", 2, p, out);
	}
	return parse_hostport(s, out);
}

int lp_parse_api_url(const char *s, struct lp_api_listen *out, char *err, size_t errlen)
{
	const char *rest;
	if (strncmp(s, "https://", 8) == 0) {
		out->tls = true;
		rest = s + 8;
	} else if (strncmp(s, "http://", 7) == 0) {
		out->tls = false;
		rest = s + 7;
	} else {
		return fail(err, errlen, "'%s': must start with https:// or http://", s);
	}
	size_t n = strlen(rest);
	if (n > 0 && rest[n - 1] == '/')
		n--;
	char buf[128];
	if (n >= sizeof(buf))
		return fail(err, errlen, "'%s': address too long", s);
	memcpy(buf, rest, n);
	buf[n] = '\0';
	if (parse_hostport(buf, &out->addr) < 0)
		return fail(err, errlen, "'%s': expected ADDR:PORT with a numeric address", s);
	if (!out->tls && !lp_sockaddr_is_loopback(&out->addr))
		return fail(err, errlen,
			    "'%s': plain http is only allowed on a loopback address; use https://",
			    s);
	return 0;
}

char *lp_sockaddr_format(const struct lp_sockaddr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a4->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

bool lp_sockaddr_is_loopback(const struct lp_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->ss;
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) && a6->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

bool lp_sockaddr_is_any(const struct lp_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return false;
}

static void set_defaults(struct lp_relay_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "var");
	cfg->log_level = LP_LOG_INFO;
	cfg->log_format = LP_LOG_TEXT;
	cfg->retry = LP_RETRY_AUTO;
	cfg->retry_rate = 200;
}

static void add_defaults(struct lp_relay_config *cfg)
{
	if (cfg->n_listen == 0) {
		lp_parse_listen("4433/udp", &cfg->listen[0]);
		cfg->n_listen = 1;
	}
	if (cfg->n_api == 0) {
		char e[8];
		lp_parse_api_url("https://[::]:4433", &cfg->api[0], e, sizeof(e));
		lp_parse_api_url("http://127.0.0.1:8080", &cfg->api[1], e, sizeof(e));
		cfg->n_api = 2;
	}
}

static int parse_public_host(const char *s, char *err, size_t errlen)
{
	/* NAME, NAME:PORT, [V6] or [V6]:PORT; names are checked by the invite builder. */
	const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	if (s[0] == '[' && !strchr(s, ']'))
		return fail(err, errlen, "--public-host: '%s': unclosed '['", s);
	if (colon) {
		const char *port = colon + (s[0] == '[' ? 2 : 1);
		uint16_t p;
		if (parse_port(port, strlen(port), &p) < 0)
			return fail(err, errlen, "--public-host: '%s': bad port", s);
	}
	return 0;
}

int lp_relay_config_parse(struct lp_relay_config *cfg, int argc, char **argv, void *out, char *err,
			  size_t errlen)
{
	FILE *f = out;
	int c, r;
	char sub[256];
	unsigned long v;
	char *end;
	enum lp_log_level level;
	enum lp_log_format format;

	set_defaults(cfg);
	optind = 0; /* full re-initialisation, so tests can parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":nhV", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			if (cfg->n_listen == LP_RELAY_MAX_LISTEN)
				return fail(err, errlen, "--listen: at most %d sockets",
					    LP_RELAY_MAX_LISTEN);
			if (lp_parse_listen(optarg, &cfg->listen[cfg->n_listen]) < 0)
				return fail(err, errlen,
					    "--listen: '%s': expected ADDR:PORT, [V6ADDR]:PORT or "
					    "PORT/udp",
					    optarg);
			cfg->n_listen++;
			break;
		case OPT_API:
			if (cfg->n_api == LP_RELAY_MAX_API)
				return fail(err, errlen, "--api-listen: at most %d listeners",
					    LP_RELAY_MAX_API);
			if (lp_parse_api_url(optarg, &cfg->api[cfg->n_api], sub, sizeof(sub)) < 0)
				return fail(err, errlen, "--api-listen: %s", sub);
			cfg->n_api++;
			break;
		case OPT_DATA:
			if ((r = copy_arg(cfg->data_dir, sizeof(cfg->data_dir), optarg,
					  "--data-dir", err, errlen)) < 0)
				return r;
			break;
		case OPT_CERT:
			if ((r = copy_arg(cfg->cert_file, sizeof(cfg->cert_file), optarg, "--cert",
					  err, errlen)) < 0)
				return r;
			break;
		case OPT_KEY:
			if ((r = copy_arg(cfg->key_file, sizeof(cfg->key_file), optarg, "--key",
					  err, errlen)) < 0)
				return r;
			break;
		case OPT_TOKEN:
			if ((r = copy_arg(cfg->admin_token_file, sizeof(cfg->admin_token_file),
					  optarg, "--admin-token-file", err, errlen)) < 0)
				return r;
			break;
		case OPT_PUBLIC:
			if ((r = copy_arg(cfg->public_host, sizeof(cfg->public_host), optarg,
					  "--public-host", err, errlen)) < 0)
				return r;
			if ((r = parse_public_host(optarg, err, errlen)) < 0)
				return r;
			break;
		case OPT_RETRY:
			if (strcmp(optarg, "auto") == 0)
				cfg->retry = LP_RETRY_AUTO;
			else if (strcmp(optarg, "always") == 0)
				cfg->retry = LP_RETRY_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				cfg->retry = LP_RETRY_NEVER;
			else
				return fail(err, errlen,
					    "--retry: '%s': expected always, auto or never",
					    optarg);
			break;
		case OPT_RETRY_RATE:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || v == 0 ||
			    v > 1000000)
				return fail(err, errlen,
					    "--retry-rate: '%s': expected 1..1000000 handshakes/s",
					    optarg);
			cfg->retry_rate = (uint32_t)v;
			break;
		case OPT_LOG_LEVEL:
			if (lp_log_level_parse(optarg, &level) < 0)
				return fail(err, errlen,
					    "--log-level: '%s': expected error, warn, info, debug "
					    "or trace",
					    optarg);
			cfg->log_level = level;
			break;
		case OPT_LOG_FORMAT:
			if (lp_log_format_parse(optarg, &format) < 0)
				return fail(err, errlen,
					    "--log-format: '%s': expected text or json", optarg);
			cfg->log_format = format;
			break;
		case OPT_LOG_FILE:
			if ((r = copy_arg(cfg->log_file, sizeof(cfg->log_file), optarg,
					  "--log-file", err, errlen)) < 0)
				return r;
			break;
		case OPT_USER:
			if ((r = copy_arg(cfg->user, sizeof(cfg->user), optarg, "--user", err,
					  errlen)) < 0)
				return r;
			break;
		case 'n':
			cfg->check_only = true;
			break;
		case 'h':
			fputs(usage_text, f);
			return LP_CONFIG_EXIT_OK;
		case 'V':
			fprintf(f, "lanparty-relay %s\n", LP_VERSION);
			return LP_CONFIG_EXIT_OK;
		case ':':
			return fail(err, errlen, "%s: missing value", argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option '%s' (see --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!!cfg->cert_file[0] != !!cfg->key_file[0])
		return fail(err, errlen, "--cert and --key go together");
	add_defaults(cfg);
	return LP_CONFIG_RUN;
}
