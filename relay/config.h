/*
 * config.h: lanparty-relay's command line.
 *
 * Every flag has an embedded default, so `lanparty-relay` alone starts a
 * working relay (data in ./var, QUIC on UDP 4433, HTTPS API on TCP 4433,
 * plain HTTP API on 127.0.0.1:8080).
 */
#ifndef LP_RELAY_CONFIG_H
#define LP_RELAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "log.h"

#define LP_RELAY_MAX_LISTEN   4
#define LP_RELAY_MAX_API      4
#define LP_RELAY_DEFAULT_PORT 4433
#define LP_RELAY_PATH_MAX     1024
#define LP_RELAY_HOST_MAX     256

struct lp_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct lp_api_listen {
	bool tls; /* https:// (relay certificate) or http:// (loopback only) */
	struct lp_sockaddr addr;
};

enum lp_retry_mode {
	LP_RETRY_AUTO = 0, /* Retry only above retry_rate handshakes per second */
	LP_RETRY_ALWAYS,
	LP_RETRY_NEVER,
};

struct lp_relay_config {
	struct lp_sockaddr listen[LP_RELAY_MAX_LISTEN];
	size_t n_listen;
	struct lp_api_listen api[LP_RELAY_MAX_API];
	size_t n_api;
	char data_dir[LP_RELAY_PATH_MAX];
	char cert_file[LP_RELAY_PATH_MAX]; /* empty: generated self-signed in data_dir */
	char key_file[LP_RELAY_PATH_MAX];
	char admin_token_file[LP_RELAY_PATH_MAX];
	char public_host[LP_RELAY_HOST_MAX]; /* NAME or NAME:PORT; empty: from listen */
	char log_file[LP_RELAY_PATH_MAX];    /* empty: stderr */
	char user[64];			     /* empty: keep the current user */
	enum lp_log_level log_level;
	enum lp_log_format log_format;
	enum lp_retry_mode retry;
	uint32_t retry_rate; /* handshakes/s above which AUTO sends Retry */
	bool check_only;     /* -n: parse, print the effective config, exit */
};

enum lp_config_result {
	LP_CONFIG_RUN = 0,
	LP_CONFIG_EXIT_OK = 1, /* --help or --version was printed */
};

/*
 * lp_relay_config_parse: fill cfg from argv, on top of the defaults.
 * On a bad flag or value, writes one line naming it into err and returns a
 * negative code (the caller exits with status 2). Returns LP_CONFIG_EXIT_OK
 * after printing --help or --version to out, LP_CONFIG_RUN otherwise.
 */
int lp_relay_config_parse(struct lp_relay_config *cfg, int argc, char **argv, void *out, char *err,
			  size_t errlen);

/*
 * lp_parse_listen: parse "ADDR:PORT", "[V6ADDR]:PORT" or the "PORT/udp"
 * shorthand (all addresses, IPv6 and IPv4). Returns 0 or LP_ERR_INVALID.
 */
int lp_parse_listen(const char *s, struct lp_sockaddr *out);

/*
 * lp_parse_api_url: parse "https://ADDR:PORT" or "http://ADDR:PORT"; plain
 * http is refused unless ADDR is a loopback address. ADDR is numeric (IPv4,
 * [IPv6]) or "localhost". Returns 0 or LP_ERR_INVALID with a reason in err.
 */
int lp_parse_api_url(const char *s, struct lp_api_listen *out, char *err, size_t errlen);

/* lp_sockaddr_format: "1.2.3.4:5" or "[::1]:5" into buf. Returns buf. */
char *lp_sockaddr_format(const struct lp_sockaddr *a, char *buf, size_t len);

/* lp_sockaddr_is_loopback: 127.0.0.0/8, ::1 or ::ffff:127.x. */
bool lp_sockaddr_is_loopback(const struct lp_sockaddr *a);

/* lp_sockaddr_is_any: 0.0.0.0 or ::. */
bool lp_sockaddr_is_any(const struct lp_sockaddr *a);

#endif
