/*
 * setup.c: what the relay needs before its loop runs: a writable data dir,
 * the certificate (given, or generated once and kept so the pin stays the
 * same), the QUIC secret (kept, so stateless resets work across restarts),
 * the first admin token, and its sockets, bound before privileges are
 * dropped. Every failure is one clear line for the operator.
 */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "invite.h"
#include "log.h"
#include "rand.h"

#define TOKEN_LEN 43

static void path_in(const struct lp_relay *r, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", r->cfg.data_dir, name);
}

int lp_relay_setup_data_dir(struct lp_relay *r)
{
	const char *d = r->cfg.data_dir;
	struct stat st;
	if (mkdir(d, 0700) < 0 && errno != EEXIST) {
		log_error("data_dir_failed dir=%s error=\"cannot create: %s\"", d, strerror(errno));
		return -errno;
	}
	if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("data_dir_failed dir=%s error=\"not a directory\"", d);
		return LP_ERR_INVALID;
	}
	/* root ignores modes, so try a real write */
	char probe[LP_RELAY_PATH_MAX + 32];
	path_in(r, ".write-test", probe, sizeof(probe));
	int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		log_error("data_dir_failed dir=%s error=\"not writable: %s\"", d, strerror(e));
		return -e;
	}
	close(fd);
	unlink(probe);
	return 0;
}

static int read_file(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (int)n;
}

/* Write a secret file atomically with mode 0600. */
static int write_secret(const char *path, const void *data, size_t len)
{
	char tmp[LP_RELAY_PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return -e;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

int lp_relay_setup_secret(struct lp_relay *r)
{
	char path[LP_RELAY_PATH_MAX + 32];
	path_in(r, "quic-secret", path, sizeof(path));
	int n = read_file(path, r->secret, sizeof(r->secret));
	if (n == (int)sizeof(r->secret))
		return 0;
	if (n >= 0 || n != -ENOENT) {
		log_error("secret_failed file=%s error=\"%s\"", path,
			  n >= 0 ? "wrong size (delete it to make a new one)" : strerror(-n));
		return n >= 0 ? LP_ERR_INVALID : n;
	}
	if (lp_random_bytes(r->secret, sizeof(r->secret)) < 0)
		return LP_ERR_STATE;
	int ret = write_secret(path, r->secret, sizeof(r->secret));
	if (ret < 0)
		log_error("secret_failed file=%s error=\"%s\"", path, strerror(-ret));
	return ret;
}

int lp_relay_setup_tls(struct lp_relay *r)
{
	char why[LP_TLS_WHY_LEN];
	if (r->cfg.cert_file[0]) {
		if (lp_tls_creds_server_load(r->cfg.cert_file, r->cfg.key_file, &r->creds, why,
					     sizeof(why)) < 0) {
			log_error("certificate_failed cert=%s key=%s error=\"%s\"",
				  r->cfg.cert_file, r->cfg.key_file, why);
			return LP_ERR_INVALID;
		}
	} else {
		char cert[LP_RELAY_PATH_MAX + 32], key[LP_RELAY_PATH_MAX + 32];
		path_in(r, "cert.pem", cert, sizeof(cert));
		path_in(r, "key.pem", key, sizeof(key));
		if (access(cert, F_OK) != 0) {
			struct lp_tls_pem pem;
			int ret = lp_tls_pem_generate(r->server_name, &pem);
			if (ret == 0)
				ret = lp_tls_pem_save(&pem, cert, key);
			lp_tls_pem_free(&pem);
			if (ret < 0) {
				log_error(
					"certificate_failed cert=%s error=\"cannot generate: %s\"",
					cert, lp_strerror(ret));
				return ret;
			}
			log_info("certificate_generated cert=%s name=%s", cert, r->server_name);
		}
		if (lp_tls_creds_server_load(cert, key, &r->creds, why, sizeof(why)) < 0) {
			log_error("certificate_failed cert=%s error=\"%s\"", cert, why);
			return LP_ERR_INVALID;
		}
	}
	memcpy(r->pin, lp_tls_creds_pin(r->creds), sizeof(r->pin));
	return 0;
}

int lp_relay_setup_token(struct lp_relay *r)
{
	int64_t now = lp_relay_now(), id;
	char token[LP_STORE_TOKEN_MAX + 2];
	if (r->cfg.admin_token_file[0]) {
		int n = read_file(r->cfg.admin_token_file, (uint8_t *)token, sizeof(token) - 1);
		if (n < 0) {
			log_error("admin_token_failed file=%s error=\"%s\"",
				  r->cfg.admin_token_file, strerror(-n));
			return n;
		}
		while (n > 0 &&
		       (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
			n--;
		token[n] = '\0';
		if (!lp_store_token_valid(token, (size_t)n)) {
			log_error(
				"admin_token_failed file=%s error=\"a token is %d to %d characters "
				"of A-Z a-z 0-9 - . _ ~ + / =\"",
				r->cfg.admin_token_file, LP_STORE_TOKEN_MIN, LP_STORE_TOKEN_MAX);
			return LP_ERR_INVALID;
		}
		if (lp_store_token_verify(r->store, token, (size_t)n, now, &id) == 0)
			return 0;
		int ret = lp_store_token_create(r->store, "token-file", token, (size_t)n, now, &id);
		memset(token, 0, sizeof(token));
		if (ret == LP_ERR_EXISTS)
			log_warnx(
				"admin_token_revoked file=%s hint=\"the token in this file was "
				"revoked through the API and stays revoked; put a new one in it\"",
				r->cfg.admin_token_file);
		else if (ret < 0) {
			log_error("admin_token_failed error=\"%s\"", lp_strerror(ret));
			return ret;
		}
		return 0;
	}
	size_t count;
	if (lp_store_token_count(r->store, &count) < 0)
		return LP_ERR_STATE;
	if (count > 0)
		return 0;
	if (lp_random_secret(token, sizeof(token), TOKEN_LEN) < 0)
		return LP_ERR_STATE;
	int ret = lp_store_token_create(r->store, "first", token, TOKEN_LEN, now, &id);
	if (ret < 0) {
		log_error("admin_token_failed error=\"%s\"", lp_strerror(ret));
		return ret;
	}
	char path[LP_RELAY_PATH_MAX + 32], line[sizeof(token) + 2];
	path_in(r, "admin-token", path, sizeof(path));
	snprintf(line, sizeof(line), "%s\n", token);
	ret = write_secret(path, line, strlen(line));
	if (ret < 0)
		log_warnx("admin_token_not_saved file=%s error=\"%s\"", path, strerror(-ret));
	/* printed once, on the terminal, not in the log */
	fprintf(stderr, "\n  Admin token (shown once; also saved in %s):\n\n    %s\n\n", path,
		token);
	memset(token, 0, sizeof(token));
	return 0;
}

static int open_tcp(const struct lp_sockaddr *a, char *err, size_t errlen)
{
	char shown[80];
	int one = 1, zero = 0;
	lp_sockaddr_format(a, shown, sizeof(shown));
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "TCP socket for %s: %s", shown, strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on TCP %s: %s", shown,
			 e == EADDRINUSE ? "the port is busy" : strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int lp_relay_setup_sockets(struct lp_relay *r)
{
	char err[256];
	for (size_t i = 0; i < r->cfg.n_listen; i++) {
		if (lp_udp_open(&r->udp[i], &r->cfg.listen[i], err, sizeof(err)) < 0) {
			log_error("listen_failed error=\"%s\"", err);
			return LP_ERR_INVALID;
		}
		r->udp[i].relay = r;
		r->n_udp++;
	}
	for (size_t i = 0; i < r->cfg.n_api; i++) {
		int fd = open_tcp(&r->cfg.api[i].addr, err, sizeof(err));
		if (fd < 0) {
			log_error("listen_failed error=\"%s\"", err);
			return LP_ERR_INVALID;
		}
		r->api_fds[i] = fd;
		r->api_tls[i] = r->cfg.api[i].tls;
		r->n_api++;
	}
	return 0;
}

static uint16_t port_of(const struct lp_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

/* Host part of a socket address, bracketed for IPv6. */
static void host_of(const struct lp_sockaddr *a, char *out, size_t len)
{
	char buf[64];
	lp_sockaddr_format(a, buf, sizeof(buf));
	char *colon = strrchr(buf, ':');
	if (colon)
		*colon = '\0';
	snprintf(out, len, "%s", buf);
}

int lp_relay_setup_public(struct lp_relay *r)
{
	const struct lp_sockaddr *first = &r->cfg.listen[0];
	r->public_port = port_of(first);
	for (size_t i = 0; i < r->cfg.n_api; i++)
		if (r->cfg.api[i].tls) {
			r->api_port = port_of(&r->cfg.api[i].addr);
			break;
		}
	if (!r->api_port)
		r->api_port = r->public_port;
	if (r->cfg.public_host[0]) {
		/* NAME, NAME:PORT, [V6] or [V6]:PORT */
		char buf[LP_RELAY_HOST_MAX];
		snprintf(buf, sizeof(buf), "%s", r->cfg.public_host);
		char *port = NULL;
		if (buf[0] == '[') {
			char *close = strchr(buf, ']');
			if (close && close[1] == ':') {
				close[1] = '\0';
				port = close + 2;
			}
		} else {
			port = strrchr(buf, ':');
			if (port)
				*port++ = '\0';
		}
		if (port) {
			r->public_port = (uint16_t)strtoul(port, NULL, 10);
		}
		if (buf[0] != '[' && strchr(buf, ':'))
			snprintf(r->public_host, sizeof(r->public_host), "[%.250s]", buf);
		else
			snprintf(r->public_host, sizeof(r->public_host), "%s", buf);
	} else if (!lp_sockaddr_is_any(first)) {
		host_of(first, r->public_host, sizeof(r->public_host));
	} else {
		char name[256];
		if (gethostname(name, sizeof(name)) < 0 || !name[0])
			snprintf(name, sizeof(name), "localhost");
		name[sizeof(name) - 1] = '\0';
		snprintf(r->public_host, sizeof(r->public_host), "%s", name);
		log_warnx("public_host_guessed host=%s hint=\"invites name this host; set "
			  "--public-host to the name players can reach\"",
			  name);
	}
	/* check that invites can be built with it */
	struct lp_invite inv;
	char text[LP_INVITE_STRLEN], err[160];
	snprintf(text, sizeof(text), "lanparty://%s:%u/client/AAAAAAAAAAAAAAAAAAAAAAAA",
		 r->public_host, r->public_port);
	if (lp_invite_parse(text, &inv, err, sizeof(err)) < 0) {
		log_error("public_host_invalid host=%s error=\"%s\"", r->public_host, err);
		return LP_ERR_INVALID;
	}
	/* the certificate names the public host; brackets are not part of a name */
	size_t n = strlen(r->public_host);
	if (r->public_host[0] == '[' && n > 2)
		snprintf(r->server_name, sizeof(r->server_name), "%.*s", (int)(n - 2),
			 r->public_host + 1);
	else
		snprintf(r->server_name, sizeof(r->server_name), "%s", r->public_host);
	return 0;
}

int lp_relay_drop_privileges(struct lp_relay *r)
{
	if (!r->cfg.user[0])
		return 0;
	struct passwd *pw = getpwnam(r->cfg.user);
	if (!pw) {
		log_error("user_failed user=%s error=\"no such user\"", r->cfg.user);
		return LP_ERR_INVALID;
	}
	/* the data dir and what is in it must stay the relay's after a restart */
	static const char *const files[] = { "relay.db", "relay.db-wal", "relay.db-shm", "cert.pem",
					     "key.pem",	 "quic-secret",	 "admin-token" };
	if (chown(r->cfg.data_dir, pw->pw_uid, pw->pw_gid) < 0)
		log_warn("user_chown_failed dir=%s", r->cfg.data_dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[LP_RELAY_PATH_MAX + 32];
		path_in(r, files[i], path, sizeof(path));
		if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
			log_warn("user_chown_failed file=%s", path);
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("user_failed user=%s error=\"%s\"", r->cfg.user, strerror(errno));
		return -errno;
	}
	if (setuid(0) == 0) {
		log_error("user_failed user=%s error=\"could regain root\"", r->cfg.user);
		return LP_ERR_STATE;
	}
	log_info("privileges_dropped user=%s uid=%u", r->cfg.user, (unsigned)pw->pw_uid);
	return 0;
}
