/*
 * relayproc.c: the relay as a child process; see relayproc.h.
 */
#include "relayproc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "rand.h"

#define REGISTRY_MAX  8
#define BODY_MAX      (1u << 20)
#define LOG_READ_MAX  (64u << 20)
#define START_RETRIES 3

static struct relayproc *registry[REGISTRY_MAX];
static bool atexit_done, curl_done;

/* ------------------------------------------------------------ bookkeeping */

static void cleanup_all(void)
{
	for (size_t i = 0; i < REGISTRY_MAX; i++)
		if (registry[i])
			relayproc_cleanup(registry[i]);
}

static int registry_add(struct relayproc *rp)
{
	if (!atexit_done) {
		if (atexit(cleanup_all) != 0)
			return -ENOMEM;
		atexit_done = true;
	}
	for (size_t i = 0; i < REGISTRY_MAX; i++) {
		if (registry[i] == rp)
			return 0;
	}
	for (size_t i = 0; i < REGISTRY_MAX; i++) {
		if (!registry[i]) {
			registry[i] = rp;
			return 0;
		}
	}
	return -ENOSPC;
}

static void registry_del(struct relayproc *rp)
{
	for (size_t i = 0; i < REGISTRY_MAX; i++)
		if (registry[i] == rp)
			registry[i] = NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A port the kernel considers free now on 127.0.0.1 for this socket type. */
static int free_port(int type, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		r = -errno;
	else
		*port = ntohs(a.sin_port);
	close(fd);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int path_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/* ------------------------------------------------------------ process */

static void exit_status_of(struct relayproc *rp, int ws)
{
	if (WIFEXITED(ws))
		rp->exit_status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		rp->exit_status = 128 + WTERMSIG(ws);
	else
		rp->exit_status = -1;
}

bool relayproc_alive(struct relayproc *rp)
{
	int ws;

	if (rp->pid <= 0)
		return false;
	pid_t r = waitpid(rp->pid, &ws, WNOHANG);
	if (r == 0)
		return true;
	if (r == rp->pid)
		exit_status_of(rp, ws);
	rp->pid = 0;
	return false;
}

static int spawn(struct relayproc *rp, const char *const *extra)
{
	char listen[64], api[64], quic_port[8];
	const char *argv[32 + RELAYPROC_MAX_EXTRA];
	size_t n = 0;
	pid_t parent = getpid(), pid;

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", rp->quic_port);
	snprintf(api, sizeof(api), "http://127.0.0.1:%u", rp->api_port);
	snprintf(quic_port, sizeof(quic_port), "%u", rp->quic_port);
	argv[n++] = rp->bin;
	argv[n++] = "--data-dir";
	argv[n++] = rp->data_dir;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--api-listen";
	argv[n++] = api;
	argv[n++] = "--admin-token-file";
	argv[n++] = rp->token_path;
	argv[n++] = "--public-host";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--retry";
	argv[n++] = "never";
	argv[n++] = "--log-level";
	argv[n++] = "debug";
	for (size_t i = 0; extra && extra[i]; i++) {
		if (i == RELAYPROC_MAX_EXTRA)
			return -E2BIG;
		argv[n++] = extra[i];
	}
	argv[n] = NULL;

	int logfd = open(rp->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	{
		FILE *f = fdopen(dup(logfd), "a");
		if (f) {
			fputs("==== relayproc:", f);
			for (size_t i = 0; argv[i]; i++)
				fprintf(f, " %s", argv[i]);
			fputc('\n', f);
			fclose(f);
		}
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(logfd);
		return e;
	}
	if (pid == 0) {
		/* The relay must not outlive a test process that crashed or was killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		setenv("ASAN_OPTIONS", "abort_on_error=0:detect_leaks=1", 0);
		execv(rp->bin, (char *const *)(uintptr_t)argv);
		dprintf(2, "relayproc: exec %s: %s\n", rp->bin, strerror(errno));
		_exit(127);
	}
	close(logfd);
	rp->pid = pid;
	return 0;
}

static int prepare(struct relayproc *rp)
{
	const char *bindir = getenv("LP_BIN_DIR");
	const char *tmp = getenv("TMPDIR");
	int r, fd;

	memset(rp, 0, sizeof(*rp));
	rp->exit_status = -1;
	if (!bindir || !bindir[0])
		bindir = "build/asan/bin";
	if ((r = path_join(rp->bin, sizeof(rp->bin), bindir, "lanparty-relay")) < 0)
		return r;
	if (access(rp->bin, X_OK) < 0) {
		fprintf(stderr, "relayproc: no relay binary at %s (set LP_BIN_DIR)\n", rp->bin);
		return LP_ERR_NOT_FOUND;
	}
	if (!tmp || !tmp[0])
		tmp = "/tmp";
	snprintf(rp->dir, sizeof(rp->dir), "%s/lp-integ-XXXXXX", tmp);
	if (!mkdtemp(rp->dir)) {
		rp->dir[0] = '\0';
		return -errno;
	}
	if ((r = registry_add(rp)) < 0)
		return r;
	if ((r = path_join(rp->data_dir, sizeof(rp->data_dir), rp->dir, "data")) < 0 ||
	    (r = path_join(rp->log_path, sizeof(rp->log_path), rp->dir, "relay.log")) < 0 ||
	    (r = path_join(rp->token_path, sizeof(rp->token_path), rp->dir, "admin-token")) < 0)
		return r;
	if (mkdir(rp->data_dir, 0700) < 0)
		return -errno;
	if ((r = lp_random_secret(rp->token, sizeof(rp->token), RELAYPROC_TOKEN_LEN)) < 0)
		return r;
	fd = open(rp->token_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = dprintf(fd, "%s\n", rp->token) < 0 ? -EIO : 0;
	close(fd);
	return r;
}

static long health(struct relayproc *rp)
{
	return relayproc_api(rp, "GET", "/healthz", NULL, NULL);
}

int relayproc_start(struct relayproc *rp, const char *const *extra, int timeout_ms)
{
	int r = prepare(rp);

	if (r < 0)
		goto fail;
	for (int attempt = 0; attempt < START_RETRIES; attempt++) {
		if ((r = free_port(SOCK_DGRAM, &rp->quic_port)) < 0 ||
		    (r = free_port(SOCK_STREAM, &rp->api_port)) < 0)
			goto fail;
		snprintf(rp->api_base, sizeof(rp->api_base), "http://127.0.0.1:%u", rp->api_port);
		if ((r = spawn(rp, extra)) < 0)
			goto fail;
		uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
		while (relayproc_alive(rp) && now_ms() < deadline) {
			if (health(rp) == 200)
				return 0;
			sleep_ms(50);
		}
		if (relayproc_alive(rp)) {
			fprintf(stderr, "relayproc: relay not ready after %d ms\n", timeout_ms);
			r = LP_ERR_AGAIN;
			goto fail;
		}
		/* Exit status 2 at start may be a port taken since we looked: try others. */
		if (rp->exit_status != 2)
			break;
	}
	fprintf(stderr, "relayproc: relay exited at start with status %d\n", rp->exit_status);
	r = LP_ERR_STATE;
fail:
	relayproc_dump_log(rp, 40);
	if (rp->pid > 0) {
		kill(rp->pid, SIGKILL);
		waitpid(rp->pid, NULL, 0);
		rp->pid = 0;
	}
	return r;
}

int relayproc_wait(struct relayproc *rp, int timeout_ms)
{
	int ws;

	if (rp->pid <= 0)
		return -1;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	while (now_ms() < deadline) {
		pid_t r = waitpid(rp->pid, &ws, WNOHANG);
		if (r == rp->pid) {
			exit_status_of(rp, ws);
			rp->pid = 0;
			return rp->exit_status;
		}
		if (r < 0)
			break;
		sleep_ms(10);
	}
	fprintf(stderr, "relayproc: relay still running after %d ms: SIGKILL\n", timeout_ms);
	kill(rp->pid, SIGKILL);
	if (waitpid(rp->pid, &ws, 0) == rp->pid)
		exit_status_of(rp, ws);
	rp->pid = 0;
	return rp->exit_status;
}

int relayproc_stop(struct relayproc *rp, int timeout_ms)
{
	if (rp->pid <= 0)
		return -1;
	kill(rp->pid, SIGTERM);
	return relayproc_wait(rp, timeout_ms);
}

void relayproc_cleanup(struct relayproc *rp)
{
	if (rp->pid > 0) {
		kill(rp->pid, SIGKILL);
		waitpid(rp->pid, NULL, 0);
		rp->pid = 0;
	}
	if (rp->dir[0] && !getenv("LP_INTEG_KEEP"))
		nftw(rp->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	rp->dir[0] = '\0';
	registry_del(rp);
}

/* ------------------------------------------------------------ the log */

/* The log's last max bytes, NUL-terminated, in a malloc'd buffer; NULL if unreadable. */
static char *read_tail(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0)
		goto out;
	size_t want = (size_t)size < max ? (size_t)size : max;
	if (fseek(f, (long)((size_t)size - want), SEEK_SET) < 0)
		goto out;
	buf = malloc(want + 1);
	if (!buf)
		goto out;
	*len = fread(buf, 1, want, f);
	buf[*len] = '\0';
out:
	fclose(f);
	return buf;
}

void relayproc_dump_log(const struct relayproc *rp, size_t max_lines)
{
	size_t len = 0, lines = 0;
	char *buf;

	if (!rp->log_path[0] || !(buf = read_tail(rp->log_path, 256 * 1024, &len)))
		return;
	size_t start = len;
	while (start > 0) {
		if (buf[start - 1] == '\n' && start != len && ++lines > max_lines)
			break;
		start--;
	}
	fprintf(stderr, "---- last lines of %s ----\n%s%s---- end of relay log ----\n",
		rp->log_path, buf + start, len && buf[len - 1] != '\n' ? "\n" : "");
	free(buf);
}

bool relayproc_log_contains(const struct relayproc *rp, const char *needle)
{
	size_t len = 0;
	char *buf = read_tail(rp->log_path, LOG_READ_MAX, &len);
	bool found = buf && memmem(buf, len, needle, strlen(needle)) != NULL;

	free(buf);
	return found;
}

/* ------------------------------------------------------------ the API */

struct body {
	char *buf;
	size_t len;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;

	if (b->len + n > BODY_MAX) {
		b->overflow = true;
		return 0;
	}
	char *nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

long relayproc_api(struct relayproc *rp, const char *method, const char *path, const char *body,
		   json_t **out)
{
	char url[512], auth[128];
	struct curl_slist *hdrs = NULL;
	struct body b = { 0 };
	long status = -1;
	CURL *c;

	if (out)
		*out = NULL;
	if (!curl_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return -1;
		curl_done = true;
	}
	snprintf(url, sizeof(url), "%s%s", rp->api_base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", rp->token);
	c = curl_easy_init();
	if (!c)
		return -1;
	hdrs = curl_slist_append(hdrs, auth);
	if (body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (out && b.len > 0)
		*out = json_loadb(b.buf, b.len, 0, NULL);
	if (getenv("LP_INTEG_VERBOSE"))
		fprintf(stderr, "api: %s %s %s -> %ld %.300s\n", method, path, body ? body : "",
			status, b.buf ? b.buf : "");
	free(b.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return status;
}

long relayproc_apif(struct relayproc *rp, const char *method, const char *body, json_t **out,
		    const char *pathfmt, ...)
{
	char path[256];
	va_list ap;
	int n;

	va_start(ap, pathfmt);
	n = vsnprintf(path, sizeof(path), pathfmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return relayproc_api(rp, method, path, body, out);
}

static int parse_invite(const json_t *root, const char *key, struct lp_invite *inv, char *text,
			size_t textlen)
{
	const char *s = json_string_value(relayproc_json_get(root, key));
	char err[128];

	if (!s) {
		fprintf(stderr, "relayproc: room answer has no %s\n", key);
		return -1;
	}
	snprintf(text, textlen, "%s", s);
	if (lp_invite_parse(s, inv, err, sizeof(err)) < 0) {
		fprintf(stderr, "relayproc: %s does not parse: %s\n", key, err);
		return -1;
	}
	return 0;
}

int relayproc_room_create(struct relayproc *rp, const char *body, struct relayproc_room *out)
{
	json_t *j = NULL;
	long st = relayproc_api(rp, "POST", "/api/v1/rooms", body, &j);
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (st != 201 || !j) {
		char *dump = j ? json_dumps(j, JSON_COMPACT) : NULL;
		fprintf(stderr, "relayproc: POST /api/v1/rooms %s -> %ld %s\n", body, st,
			dump ? dump : "");
		free(dump);
		goto out;
	}
	out->id = relayproc_json_int(j, "id");
	if (out->id <= 0) {
		fprintf(stderr, "relayproc: room answer has no id\n");
		goto out;
	}
	if (parse_invite(j, "invites.client", &out->client, out->client_text,
			 sizeof(out->client_text)) < 0 ||
	    parse_invite(j, "invites.gateway", &out->gateway, out->gateway_text,
			 sizeof(out->gateway_text)) < 0)
		goto out;
	r = 0;
out:
	json_decref(j);
	return r;
}

const json_t *relayproc_json_get(const json_t *root, const char *path)
{
	char key[64];
	const json_t *cur = root;

	while (cur && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		path += n + (path[n] == '.');
		if (json_is_array(cur)) {
			char *end;
			unsigned long i = strtoul(key, &end, 10);
			cur = *end || end == key ? NULL : json_array_get(cur, i);
		} else {
			cur = json_object_get(cur, key);
		}
	}
	return cur;
}

int64_t relayproc_json_int(const json_t *root, const char *path)
{
	const json_t *v = relayproc_json_get(root, path);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

int relayproc_restart(struct relayproc *rp, const char *const *extra, int timeout_ms)
{
	int r;
	if (rp->pid > 0)
		return LP_ERR_STATE;
	/* the old process is gone, so its ports are free again */
	if ((r = spawn(rp, extra)) < 0)
		return r;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	while (relayproc_alive(rp) && now_ms() < deadline) {
		if (health(rp) == 200)
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "relayproc: restarted relay not ready (exit status %d)\n", rp->exit_status);
	relayproc_dump_log(rp, 40);
	if (rp->pid > 0) {
		kill(rp->pid, SIGKILL);
		waitpid(rp->pid, NULL, 0);
		rp->pid = 0;
	}
	return LP_ERR_STATE;
}

void relayproc_kill(struct relayproc *rp)
{
	int ws;
	if (rp->pid <= 0)
		return;
	kill(rp->pid, SIGKILL);
	if (waitpid(rp->pid, &ws, 0) == rp->pid)
		exit_status_of(rp, ws);
	rp->pid = 0;
}
