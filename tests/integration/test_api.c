/*
 * Integration test of the admin API (docs/api.md) against the real relay
 * binary (LP_BIN_DIR, default build/asan/bin) on loopback, through libcurl:
 * every endpoint, every error status with its error code, the headers every
 * answer carries, authentication, the body limit and the failed-attempt
 * limit. Members that some endpoints need (members, kick, bans, stats) are
 * test peers from peer.c joining over real QUIC.
 *
 * One relay serves every test. Failed authentications count per source
 * address, so each request that is meant to fail authentication comes from a
 * loopback address of its own (127.0.0.N, bound with CURLOPT_INTERFACE):
 * no test can lock another out, and the 429 test checks the count exactly on
 * a fresh address, then that 127.0.0.1 was not affected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "counters.h"
#include "ctrl.h"
#include "err.h"
#include "invite.h"
#include "mac.h"
#include "peer.h"
#include "relayproc.h"

#define START_MS  20000
#define WAIT_MS	  3000 /* for anything that should happen at once */
#define QUIET_MS  150
#define BODY_MAX  (64 * 1024) /* the API's request body limit */
#define RESP_MAX  (8u << 20)
#define NO_ROOM	  "999999" /* a room id no test creates */
#define TIME_SLOP 10	   /* seconds of difference allowed between relay and test clocks */

static struct relayproc relay;
static bool test_ok; /* set by each test's last line; teardown shows the log if not */
static int name_seq;
static unsigned src_seq = 1; /* last 127.0.0.N handed out */
static int64_t started_at;   /* unix time the relay was started */

#define PASS() (test_ok = true)

/* ------------------------------------------------------------ small helpers */

/* A path built printf-style; a few rotating buffers, so several can be live. */
static const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *P(const char *fmt, ...)
{
	static char bufs[32][512];
	static unsigned next;
	char *b = bufs[next++ % 32];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(bufs[0]))
		fail_msg("path too long: %s", fmt);
	return b;
}

/* A room name no other test uses. Rotating buffers, as P(). */
static const char *uniq(const char *what)
{
	static char bufs[4][80];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s-%d", what, ++name_seq);
	return b;
}

/* A loopback source address not used before: its failed-attempt count starts at zero. */
static const char *fresh_src(void)
{
	static char bufs[4][16];
	static unsigned next;
	char *b = bufs[next++ % 4];

	if (++src_seq > 254)
		fail_msg("out of loopback source addresses");
	snprintf(b, sizeof(bufs[0]), "127.0.0.%u", src_seq);
	return b;
}

/* The relay's failed-attempt window is a minute of CLOCK_MONOTONIC, as here. */
static uint64_t mono_minute(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec / 60;
}

/* An RFC 3339 time exactly as the API writes it ("2026-11-26T18:00:00Z"); -1 otherwise. */
static int64_t parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;

	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 20)
		return -1;
	for (int i = 0; i < 20; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		bool sep = i == 4 || i == 7 || i == 10 || i == 13 || i == 16 || i == 19;
		if (digit == sep)
			return -1;
	}
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = sec };
	return (int64_t)timegm(&tm);
}

static void format_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ------------------------------------------------------------ JSON */

static const char *jstr(const json_t *j, const char *path)
{
	return json_string_value(relayproc_json_get(j, path));
}

static char *dumps(const json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	return s ? s : strdup("(none)");
}

#define JFAIL(j, ...)                                                                              \
	do {                                                                                       \
		char *dump_ = dumps(j);                                                            \
		fprintf(stderr, "  json: %.2000s\n", dump_);                                       \
		free(dump_);                                                                       \
		fail_msg(__VA_ARGS__);                                                             \
	} while (0)

static void want_jint(const json_t *j, const char *path, int64_t want)
{
	const json_t *v = relayproc_json_get(j, path);

	if (!json_is_integer(v) || (int64_t)json_integer_value(v) != want)
		JFAIL(j, "%s: expected %lld", path, (long long)want);
}

static void want_jstr(const json_t *j, const char *path, const char *want)
{
	const char *s = jstr(j, path);

	if (!s || strcmp(s, want) != 0)
		JFAIL(j, "%s: expected \"%s\"", path, want);
}

static void want_jbool(const json_t *j, const char *path, bool want)
{
	const json_t *v = relayproc_json_get(j, path);

	if (!json_is_boolean(v) || json_is_true(v) != want)
		JFAIL(j, "%s: expected %s", path, want ? "true" : "false");
}

static void want_jnull(const json_t *j, const char *path)
{
	const json_t *v = relayproc_json_get(j, path);

	if (!json_is_null(v))
		JFAIL(j, "%s: expected null", path);
}

/* An RFC 3339 time within TIME_SLOP seconds of want. */
static void want_jtime(const json_t *j, const char *path, int64_t want)
{
	int64_t t = parse_time(jstr(j, path));

	if (t < 0 || t < want - TIME_SLOP || t > want + TIME_SLOP)
		JFAIL(j, "%s: expected a time near %lld", path, (long long)want);
}

/* The object's keys are exactly those listed (NULL-terminated). */
static void want_keys(const json_t *j, const char *path, const char *const *keys)
{
	const json_t *o = path ? relayproc_json_get(j, path) : j;
	size_t n = 0;

	if (!json_is_object(o))
		JFAIL(j, "%s: expected an object", path ? path : "(root)");
	for (; keys[n]; n++)
		if (!json_object_get(o, keys[n]))
			JFAIL(j, "%s: no key %s", path ? path : "(root)", keys[n]);
	if (json_object_size(o) != n)
		JFAIL(j, "%s: %zu keys, expected %zu", path ? path : "(root)", json_object_size(o),
		      n);
}

/* ------------------------------------------------------------ HTTP */

struct http {
	long status; /* -1: no answer */
	char *body;  /* NUL-terminated, NULL when empty */
	size_t len;
	json_t *json; /* the body parsed, or NULL */
	char ctype[128], allow[128], www_auth[128], retry_after[32];
	char cache[64], nosniff[32], xframe[32];
	char csp[512], etag[64];
	char what[400]; /* "METHOD PATH" for messages */
};

struct opts {
	const char *auth;   /* Authorization value; NULL: "Bearer <admin token>"; "": no header */
	const char *src;    /* source address; NULL: 127.0.0.1 */
	size_t body_len;    /* 0: strlen(body) */
	bool head;	    /* a HEAD request: no body expected */
	const char *header; /* one more request header ("Name: value"), or NULL */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct http *h = ud;
	size_t n = size * nmemb;

	if (h->len + n > RESP_MAX)
		return 0;
	char *b = realloc(h->body, h->len + n + 1);
	if (!b)
		return 0;
	memcpy(b + h->len, data, n);
	h->body = b;
	h->len += n;
	h->body[h->len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct http *h = ud;
	size_t n = size * nmemb;
	struct {
		const char *name;
		char *dst;
		size_t cap;
	} want[] = {
		{ "content-type", h->ctype, sizeof(h->ctype) },
		{ "allow", h->allow, sizeof(h->allow) },
		{ "www-authenticate", h->www_auth, sizeof(h->www_auth) },
		{ "retry-after", h->retry_after, sizeof(h->retry_after) },
		{ "cache-control", h->cache, sizeof(h->cache) },
		{ "x-content-type-options", h->nosniff, sizeof(h->nosniff) },
		{ "x-frame-options", h->xframe, sizeof(h->xframe) },
		{ "content-security-policy", h->csp, sizeof(h->csp) },
		{ "etag", h->etag, sizeof(h->etag) },
	};

	/* a new status line (after 100 Continue): only the final answer's headers count */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			want[i].dst[0] = '\0';
		return n;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon)
		return n;
	size_t nl = (size_t)(colon - data);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (strlen(want[i].name) != nl || strncasecmp(data, want[i].name, nl) != 0)
			continue;
		const char *v = colon + 1, *end = data + n;
		while (v < end && *v == ' ')
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		snprintf(want[i].dst, want[i].cap, "%.*s", (int)(end - v), v);
	}
	return n;
}

static void http_free(struct http *h)
{
	free(h->body);
	json_decref(h->json);
	memset(h, 0, sizeof(*h));
}

/* One request; h receives the answer (http_free it). */
static void http_do(struct http *h, const char *method, const char *path, const char *body,
		    const struct opts *o)
{
	static const struct opts none;
	char url[1024], auth[256], iface[64];
	struct curl_slist *hdrs = NULL;
	CURL *c = curl_easy_init();

	if (!o)
		o = &none;
	memset(h, 0, sizeof(*h));
	h->status = -1;
	snprintf(h->what, sizeof(h->what), "%s %.300s%s%s", method, path, o->src ? " from " : "",
		 o->src ? o->src : "");
	if (!c)
		fail_msg("curl_easy_init failed");
	snprintf(url, sizeof(url), "%s%s", relay.api_base, path);
	if (!o->auth)
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", relay.token);
	else
		snprintf(auth, sizeof(auth), "Authorization: %s", o->auth);
	if (!o->auth || o->auth[0])
		hdrs = curl_slist_append(hdrs, auth);
	/* no "Expect: 100-continue" pause before large bodies */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (o->header)
		hdrs = curl_slist_append(hdrs, o->header);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (o->src) {
		snprintf(iface, sizeof(iface), "host!%s", o->src);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(o->body_len ? o->body_len : strlen(body)));
	}
	if (o->head)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
	else
		fprintf(stderr, "  %s: %s\n", h->what, curl_easy_strerror(rc));
	if (h->len)
		h->json = json_loadb(h->body, h->len, 0, NULL);
	if (getenv("LP_INTEG_VERBOSE"))
		fprintf(stderr, "api: %s %.200s -> %ld %.300s\n", h->what, body ? body : "",
			h->status, h->body ? h->body : "");
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
}

/* The headers every JSON answer carries, and its trailing newline. */
static void want_json_headers(const struct http *h)
{
	if (strcmp(h->ctype, "application/json") != 0)
		fail_msg("%s: Content-Type \"%s\"", h->what, h->ctype);
	if (strcmp(h->cache, "no-store") != 0 || strcmp(h->nosniff, "nosniff") != 0 ||
	    strcmp(h->xframe, "DENY") != 0)
		fail_msg("%s: Cache-Control \"%s\", X-Content-Type-Options \"%s\", "
			 "X-Frame-Options \"%s\"",
			 h->what, h->cache, h->nosniff, h->xframe);
	if (!h->json || !json_is_object(h->json) || h->body[h->len - 1] != '\n')
		fail_msg("%s: not one JSON object and a newline: %.300s", h->what,
			 h->body ? h->body : "(empty)");
}

static void want_status(const struct http *h, long status)
{
	if (h->status != status)
		fail_msg("%s: status %ld, expected %ld: %.500s", h->what, h->status, status,
			 h->body ? h->body : "(empty)");
}

/*
 * An error answer: status, {"error":{"code":code,"message":"..."}} and
 * nothing else, the JSON headers. msg_sub: a substring the message must
 * hold, or NULL.
 */
static void want_error(const struct http *h, long status, const char *code, const char *msg_sub)
{
	static const char *const top[] = { "error", NULL };
	static const char *const err[] = { "code", "message", NULL };

	want_status(h, status);
	want_json_headers(h);
	want_keys(h->json, NULL, top);
	want_keys(h->json, "error", err);
	want_jstr(h->json, "error.code", code);
	const char *msg = jstr(h->json, "error.message");
	if (!msg || !msg[0] || (msg_sub && !strstr(msg, msg_sub)))
		JFAIL(h->json, "%s: message should mention \"%s\"", h->what,
		      msg_sub ? msg_sub : "something");
}

/* A request that must fail as given. */
static void expect_error(const char *method, const char *path, const char *body, long status,
			 const char *code, const char *msg_sub)
{
	struct http h;

	http_do(&h, method, path, body, NULL);
	want_error(&h, status, code, msg_sub);
	http_free(&h);
}

/* A request that must fail authentication; from a fresh source address. */
static void expect_unauthorized(const char *method, const char *path, const char *auth,
				const char *code)
{
	struct http h;
	struct opts o = { .auth = auth, .src = fresh_src() };

	http_do(&h, method, path, NULL, &o);
	want_error(&h, 401, code, NULL);
	if (strcmp(h.www_auth, "Bearer realm=\"softlan\"") != 0)
		fail_msg("%s: WWW-Authenticate \"%s\"", h.what, h.www_auth);
	http_free(&h);
}

/* A request that must succeed with status; returns the JSON answer (json_decref it). */
static json_t *expect_ok(long status, const char *method, const char *path, const char *body)
{
	struct http h;

	http_do(&h, method, path, body, NULL);
	want_status(&h, status);
	json_t *j = NULL;
	if (status == 204) {
		if (h.len != 0)
			fail_msg("%s: 204 with a body: %.200s", h.what, h.body);
		if (strcmp(h.cache, "no-store") != 0)
			fail_msg("%s: Cache-Control \"%s\"", h.what, h.cache);
	} else {
		want_json_headers(&h);
		j = json_incref(h.json);
	}
	http_free(&h);
	return j;
}

/* POST a room; 201 or fail. Returns its id. */
static int64_t room_new(const char *body)
{
	json_t *j = expect_ok(201, "POST", "/api/v1/rooms", body);
	int64_t id = relayproc_json_int(j, "id");

	if (id <= 0)
		JFAIL(j, "created room has no id");
	json_decref(j);
	return id;
}

/* A room with this name and otherwise default settings. */
static int64_t room_named(const char *name)
{
	char body[160];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	return room_new(body);
}

/* A room through relayproc (invites parsed), named uniquely after what. */
static struct relayproc_room room_with_invites(const char *what, const char *extra)
{
	struct relayproc_room room;
	char body[256];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"%s%s}", uniq(what), extra ? "," : "",
		 extra ? extra : "");
	if (relayproc_room_create(&relay, body, &room) < 0)
		fail_msg("could not create room %s", body);
	return room;
}

/* GET /api/v1/join with a room code (from a fresh address when it must fail). */
static void join_code(struct http *h, const char *code, const char *src)
{
	char auth[128];
	struct opts o = { .auth = auth, .src = src };

	snprintf(auth, sizeof(auth), "Bearer %s", code);
	http_do(h, "GET", "/api/v1/join", NULL, &o);
}

static void expect_join_ok(const char *code, int64_t room_id, const char *role)
{
	struct http h;

	join_code(&h, code, NULL);
	want_status(&h, 200);
	want_json_headers(&h);
	want_jint(h.json, "room_id", room_id);
	want_jstr(h.json, "role", role);
	http_free(&h);
}

static void expect_join_error(const char *code, long status, const char *ecode)
{
	struct http h;

	join_code(&h, code, fresh_src());
	want_error(&h, status, ecode, NULL);
	http_free(&h);
}

/* ------------------------------------------------------------ peers */

static struct lp_mac mac_n(unsigned n)
{
	struct lp_mac m = { { 0x02, 0x00, 0x5e, 0x00, (uint8_t)(n >> 8), (uint8_t)n } };
	return m;
}

static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

#define CHECK_PEER(cond, p)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s\n", peer_describe(p));                               \
			fail_msg("%s", #cond);                                                     \
		}                                                                                  \
	} while (0)

/* A member that must be admitted; mac NULL for a gateway without one. */
static struct peer *join_peer(const char *label, const struct lp_invite *inv,
			      const struct lp_mac *mac)
{
	struct peer_opts o = { .name = label };
	struct peer *p;

	if (mac) {
		o.has_mac = true;
		o.mac = *mac;
	}
	int r = peer_new(&p, label, inv, &o);
	if (r < 0)
		fail_msg("peer_new(%s): %s", label, lp_strerror(r));
	CHECK_PEER(peer_wait_answer(p, WAIT_MS), p);
	CHECK_PEER(p->welcomed, p);
	return p;
}

/* p is sent home with why. */
static void expect_disconnect(struct peer *p, enum lp_disconnect_reason why)
{
	CHECK_PEER(peer_wait_closed(p, WAIT_MS), p);
	CHECK_PEER(peer_disconnect_reason(p) == (int)why, p);
	CHECK_PEER(peer_close_app_code(p) == (int64_t)lp_disconnect_close_code(why), p);
}

static json_t *get_members(int64_t room)
{
	json_t *j = expect_ok(200, "GET", P("/api/v1/rooms/%lld/members", (long long)room), NULL);

	if (!json_is_array(relayproc_json_get(j, "members")))
		JFAIL(j, "members: expected an array");
	return j;
}

static const json_t *member_entry(const json_t *j, uint32_t id)
{
	const json_t *arr = relayproc_json_get(j, "members");

	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *m = json_array_get(arr, i);
		if (relayproc_json_int(m, "id") == (int64_t)id)
			return m;
	}
	return NULL;
}

/* Poll GET path until the integer at key is want (the relay counts as frames arrive). */
static void wait_jint(const char *path, const char *key, int64_t want)
{
	json_t *j = NULL;

	for (int i = 0; i < WAIT_MS / 50; i++) {
		json_decref(j);
		j = expect_ok(200, "GET", path, NULL);
		if (relayproc_json_int(j, key) == want)
			break;
		peer_pump(50);
	}
	want_jint(j, key, want);
	json_decref(j);
}

/* ------------------------------------------------------------ metrics text */

static bool metric_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha =
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

#define FAM_MAX 64

struct family {
	char name[96];
	char type[16];
	bool help, samples, closed;
};

static struct family *fam_get(struct family *f, size_t *n, const char *name, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen(f[i].name) == len && strncmp(f[i].name, name, len) == 0)
			return &f[i];
	if (*n == FAM_MAX || len >= sizeof(f[0].name))
		return NULL;
	memset(&f[*n], 0, sizeof(f[0]));
	memcpy(f[*n].name, name, len);
	return &f[(*n)++];
}

/*
 * Check text as the Prometheus text format 0.0.4 and the lint rules of
 * `promtool check metrics`: HELP and TYPE once per family and before its
 * samples, families contiguous, counters named *_total, valid names and
 * label syntax (only \\, \" and \n escapes), no label twice, numeric
 * values, a final newline, no series twice. Returns NULL or a message.
 */
static const char *check_exposition(const char *text, size_t len)
{
	static char msg[300];
	struct family fam[FAM_MAX];
	size_t nfam = 0;
	struct family *cur = NULL;
	char **series = NULL;
	size_t nseries = 0;
	const char *p = text, *end = text + len;
	int line = 0;

#define BAD(...)                                                                                   \
	do {                                                                                       \
		int o_ = snprintf(msg, sizeof(msg), "line %d: ", line);                            \
		snprintf(msg + o_, sizeof(msg) - (size_t)o_, __VA_ARGS__);                         \
		goto out;                                                                          \
	} while (0)

	msg[0] = '\0';
	if (len == 0 || text[len - 1] != '\n') {
		snprintf(msg, sizeof(msg), "empty or no final newline");
		return msg;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(eol - p);
		line++;
		if (n == 0)
			BAD("empty line");
		if (p[0] == '#') {
			bool help = n > 7 && strncmp(p, "# HELP ", 7) == 0;
			bool type = n > 7 && strncmp(p, "# TYPE ", 7) == 0;
			if (help || type) {
				const char *name = p + 7;
				const char *sp = memchr(name, ' ', (size_t)(eol - name));
				if (!sp || !metric_name_ok(name, (size_t)(sp - name)))
					BAD("bad %s line", help ? "HELP" : "TYPE");
				struct family *f = fam_get(fam, &nfam, name, (size_t)(sp - name));
				if (!f)
					BAD("too many families");
				if (f->samples)
					BAD("%s for %s after its samples", help ? "HELP" : "TYPE",
					    f->name);
				if (help) {
					if (f->help)
						BAD("second HELP for %s", f->name);
					f->help = true;
				} else {
					size_t tl = (size_t)(eol - sp - 1);
					if (f->type[0])
						BAD("second TYPE for %s", f->name);
					if (tl >= sizeof(f->type))
						BAD("bad type");
					memcpy(f->type, sp + 1, tl);
					f->type[tl] = '\0';
					if (strcmp(f->type, "counter") &&
					    strcmp(f->type, "gauge") &&
					    strcmp(f->type, "untyped") &&
					    strcmp(f->type, "histogram") &&
					    strcmp(f->type, "summary"))
						BAD("unknown type %s", f->type);
				}
			}
			p = eol + 1;
			continue;
		}
		/* a sample: name[{labels}] value [timestamp] */
		const char *q = p;
		while (q < eol && *q != '{' && *q != ' ')
			q++;
		if (!metric_name_ok(p, (size_t)(q - p)))
			BAD("bad metric name");
		struct family *f = fam_get(fam, &nfam, p, (size_t)(q - p));
		if (!f)
			BAD("too many families");
		if (cur != f) {
			if (f->closed)
				BAD("samples of %s are not together", f->name);
			if (cur)
				cur->closed = true;
			cur = f;
		}
		f->samples = true;
		if (!f->type[0] || !f->help)
			BAD("%s has no TYPE or no HELP", f->name);
		if (strcmp(f->type, "counter") == 0 &&
		    (strlen(f->name) < 6 || strcmp(f->name + strlen(f->name) - 6, "_total") != 0))
			BAD("counter %s does not end in _total", f->name);
		char labels[16][64];
		size_t nl = 0;
		if (q < eol && *q == '{') {
			q++;
			while (q < eol && *q != '}') {
				const char *ln = q;
				while (q < eol && *q != '=')
					q++;
				if (q >= eol || !metric_name_ok(ln, (size_t)(q - ln)) ||
				    (size_t)(q - ln) >= sizeof(labels[0]) || nl == 16)
					BAD("bad label name");
				for (size_t k = 0; k < nl; k++)
					if (strlen(labels[k]) == (size_t)(q - ln) &&
					    strncmp(labels[k], ln, (size_t)(q - ln)) == 0)
						BAD("label %.*s twice", (int)(q - ln), ln);
				snprintf(labels[nl++], sizeof(labels[0]), "%.*s", (int)(q - ln),
					 ln);
				if (++q >= eol || *q != '"')
					BAD("label value not quoted");
				for (q++; q < eol && *q != '"'; q++) {
					if (*q == '\\') {
						q++;
						if (q >= eol ||
						    (*q != '\\' && *q != '"' && *q != 'n'))
							BAD("bad escape in a label value");
					}
				}
				if (q >= eol)
					BAD("unterminated label value");
				q++;
				if (q < eol && *q == ',')
					q++;
				else if (q < eol && *q != '}')
					BAD("expected , or }");
			}
			if (q >= eol)
				BAD("unterminated labels");
			q++;
		}
		/* the series (name and labels) must be new */
		size_t sl = (size_t)(q - p);
		for (size_t k = 0; k < nseries; k++)
			if (strlen(series[k]) == sl && strncmp(series[k], p, sl) == 0)
				BAD("series %.*s twice", (int)sl, p);
		char **ns = realloc(series, (nseries + 1) * sizeof(*series));
		if (!ns || !(ns[nseries] = strndup(p, sl))) {
			series = ns ? ns : series;
			BAD("out of memory");
		}
		series = ns;
		nseries++;
		if (q >= eol || *q != ' ')
			BAD("no value");
		q++;
		char val[64], *vend;
		size_t vl = 0;
		while (q + vl < eol && q[vl] != ' ')
			vl++;
		if (vl == 0 || vl >= sizeof(val))
			BAD("bad value");
		memcpy(val, q, vl);
		val[vl] = '\0';
		if (strcmp(val, "NaN") && strcmp(val, "+Inf") && strcmp(val, "-Inf")) {
			(void)strtod(val, &vend);
			if (*vend)
				BAD("value %s is not a number", val);
		}
		q += vl;
		if (q < eol) {
			q++;
			char *tend;
			(void)strtoll(q, &tend, 10);
			if (tend != eol)
				BAD("bad timestamp");
		}
		p = eol + 1;
	}
	for (size_t i = 0; i < nfam; i++)
		if (!fam[i].type[0])
			BAD("HELP without TYPE for %s", fam[i].name);
out:
#undef BAD
	for (size_t k = 0; k < nseries; k++)
		free(series[k]);
	free(series);
	return msg[0] ? msg : NULL;
}

/* The value of the sample "name{labels}" (exactly as written) in an exposition, or -1. */
static double metric_value(const char *body, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = body; (p = strstr(p, series)) != NULL; p += n) {
		if ((p == body || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	}
	return -1;
}

/* promtool's path when it is on PATH, else NULL. */
static const char *find_promtool(char *buf, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/promtool", (int)n, path);
		if (n && access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* ------------------------------------------------------------ fixtures */

/* check_exposition() itself: it must pass good text and catch each kind of bad text. */
static void test_exposition_checker(void **state)
{
	(void)state;
	static const char *const good[] = {
		"# HELP a x\n# TYPE a gauge\na 1\n",
		"# HELP a_total x y z\n# TYPE a_total counter\na_total{l=\"v\"} 1\n"
		"a_total{l=\"w\",m=\"q\\\"u\\\\o\\nte\"} 2.5 1700000000000\n",
		"# a comment\n# HELP a x\n# TYPE a gauge\na NaN\n# HELP b y\n# TYPE b "
		"gauge\nb{x=\"\"} -Inf\n",
	};
	static const char *const bad[] = {
		"",
		"# HELP a x\n# TYPE a gauge\na 1",
		"a 1\n",
		"# TYPE a gauge\na 1\n",
		"# HELP a x\n# TYPE a counter\na 1\n",
		"# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n",
		"# HELP a x\n# HELP a x\n# TYPE a gauge\na 1\n",
		"# HELP a x\n# TYPE a gauge\na 1\n# HELP a y\n",
		"# HELP a x\n# TYPE a gauge\n# HELP b x\n# TYPE b gauge\na 1\nb 1\na{l=\"2\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"\\x\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v\",l=\"w\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=\"v\"} 1\na{l=\"v\"} 2\n",
		"# HELP a x\n# TYPE a gauge\na abc\n",
		"# HELP a x\n# TYPE a gauge\na\n",
		"# HELP a x\n# TYPE a gauge\n\na 1\n",
		"# HELP a x\n# TYPE a wibble\na 1\n",
		"# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",
		"# HELP a x\n# TYPE a gauge\na{1l=\"v\"} 1\n",
		"# HELP a x\n# TYPE a gauge\na{l=v} 1\n",
		"# HELP a x\n# TYPE a gauge\na 1 soon\n",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *m = check_exposition(good[i], strlen(good[i]));
		if (m)
			fail_msg("good text %zu refused: %s", i, m);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!check_exposition(bad[i], strlen(bad[i])))
			fail_msg("bad text %zu passed: %s", i, bad[i]);
	PASS();
}

static int group_setup(void **state)
{
	(void)state;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	started_at = (int64_t)time(NULL);
	return relayproc_start(&relay, NULL, START_MS) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	peer_free_all();
	int st = relayproc_stop(&relay, 10000);
	bool clean = st == 0 && !relayproc_log_contains(&relay, "AddressSanitizer") &&
		     !relayproc_log_contains(&relay, "LeakSanitizer") &&
		     !relayproc_log_contains(&relay, "runtime error:");
	if (!clean) {
		fprintf(stderr, "relay exit status %d, or a sanitizer report in its log\n", st);
		relayproc_dump_log(&relay, 80);
	}
	relayproc_cleanup(&relay);
	curl_global_cleanup();
	return clean ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	test_ok = false;
	if (!relayproc_alive(&relay)) {
		fprintf(stderr, "relay is not running (exit status %d)\n", relay.exit_status);
		relayproc_dump_log(&relay, 60);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!test_ok) {
		peer_dump_all();
		relayproc_dump_log(&relay, 40);
	}
	peer_free_all();
	return 0;
}

/* ------------------------------------------------------------ healthz */

static void test_healthz(void **state)
{
	(void)state;
	static const char *const keys[] = { "status", "detail", NULL };
	struct http h;

	/* no token needed; a wrong one is ignored and not counted */
	const char *src = fresh_src();
	struct opts none = { .auth = "" },
		    wrong = { .auth = "Bearer wrong-token-0123456789", .src = src };
	http_do(&h, "GET", "/healthz", NULL, &none);
	want_status(&h, 200);
	want_json_headers(&h);
	want_keys(h.json, NULL, keys);
	want_jstr(h.json, "status", "ok");
	if (!jstr(h.json, "detail"))
		JFAIL(h.json, "detail: expected a string");
	http_free(&h);
	for (int i = 0; i < 12; i++) {
		http_do(&h, "GET", "/healthz", NULL, &wrong);
		want_status(&h, 200);
		http_free(&h);
	}
	struct opts from = { .src = src };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &from);
	want_status(&h, 200);
	http_free(&h);

	/* only GET: HEAD and POST are 405 */
	struct opts head = { .auth = "", .head = true };
	http_do(&h, "HEAD", "/healthz", NULL, &head);
	want_status(&h, 405);
	if (strcmp(h.allow, "GET") != 0)
		fail_msg("HEAD /healthz: Allow \"%s\"", h.allow);
	http_free(&h);
	http_do(&h, "POST", "/healthz", "{}", &none);
	want_error(&h, 405, "method_not_allowed", "POST");
	if (strcmp(h.allow, "GET") != 0)
		fail_msg("POST /healthz: Allow \"%s\"", h.allow);
	http_free(&h);
	PASS();
}

/* ------------------------------------------------------------ rooms */

static const char *const room_keys[] = { "id",	   "name",    "max_clients", "mtu",
					 "limits", "enabled", "expires_at",  "created_at",
					 "online", "traffic", "drops",	     NULL };

/* The shape of a room object (plus invites when with_invites) and its fresh counters. */
static void want_room_shape(const json_t *j, bool with_invites)
{
	static const char *const limits[] = { "broadcast_pps", "bytes_per_s", NULL };
	static const char *const online[] = { "clients", "gateway", NULL };
	static const char *const traffic[] = { "up_bytes", "down_bytes", NULL };
	static const char *const invites[] = { "client", "gateway", NULL };

	if (with_invites) {
		json_t *copy = json_deep_copy(j);
		json_object_del(copy, "invites");
		want_keys(copy, NULL, room_keys);
		json_decref(copy);
		want_keys(j, "invites", invites);
	} else {
		want_keys(j, NULL, room_keys);
	}
	want_keys(j, "limits", limits);
	want_keys(j, "online", online);
	want_keys(j, "traffic", traffic);
	want_jtime(j, "created_at", now_s());
}

static void test_room_create_defaults(void **state)
{
	(void)state;
	const char *name = uniq("defaults");
	char body[128], err[128];

	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	json_t *j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_room_shape(j, true);
	want_jstr(j, "name", name);
	want_jint(j, "max_clients", 16);
	want_jint(j, "mtu", 1500);
	want_jint(j, "limits.broadcast_pps", 1000);
	want_jint(j, "limits.bytes_per_s", 0);
	want_jbool(j, "enabled", true);
	want_jnull(j, "expires_at");
	want_jint(j, "online.clients", 0);
	want_jbool(j, "online.gateway", false);
	want_jint(j, "traffic.up_bytes", 0);
	want_jint(j, "traffic.down_bytes", 0);
	want_jint(j, "drops", 0);

	/* both invites parse, name this relay, carry its pin and a code each */
	struct lp_invite ci, gi;
	if (lp_invite_parse(jstr(j, "invites.client"), &ci, err, sizeof(err)) < 0 ||
	    lp_invite_parse(jstr(j, "invites.gateway"), &gi, err, sizeof(err)) < 0)
		JFAIL(j, "an invite does not parse: %s", err);
	assert_int_equal(ci.role, LP_INVITE_CLIENT);
	assert_int_equal(gi.role, LP_INVITE_GATEWAY);
	assert_string_equal(ci.host, "127.0.0.1");
	assert_int_equal(ci.port, relay.quic_port);
	assert_int_equal(gi.port, relay.quic_port);
	assert_true(ci.has_pin && gi.has_pin);
	assert_memory_equal(ci.pin, gi.pin, LP_PIN_LEN);
	char pin[LP_PIN_STRLEN];
	lp_pin_format(ci.pin, pin);
	if (!relayproc_log_contains(&relay, pin))
		fail_msg("the invites' pin %s is not the one the relay printed", pin);
	assert_int_equal(strlen(ci.code), 32);
	assert_string_not_equal(ci.code, gi.code);

	/* GET answers the same room, without invites */
	int64_t id = relayproc_json_int(j, "id");
	json_t *g = expect_ok(200, "GET", P("/api/v1/rooms/%lld", (long long)id), NULL);
	json_object_del(j, "invites");
	if (!json_equal(j, g))
		JFAIL(g, "GET differs from the created room");
	json_decref(g);
	json_decref(j);
	PASS();
}

static void test_room_create_fields(void **state)
{
	(void)state;
	char body[512], name64[65];
	const char *name = uniq("fields");

	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"max_clients\":8,\"mtu\":1420,\"limits\":{\"broadcast_pps\":"
		 "500,\"bytes_per_s\":5000000},\"enabled\":false,\"expires_in\":86400}",
		 name);
	json_t *j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_room_shape(j, true);
	want_jint(j, "max_clients", 8);
	want_jint(j, "mtu", 1420);
	want_jint(j, "limits.broadcast_pps", 500);
	want_jint(j, "limits.bytes_per_s", 5000000);
	want_jbool(j, "enabled", false);
	want_jtime(j, "expires_at", now_s() + 86400);
	json_decref(j);

	/* only one limit given: the other keeps its default */
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"limits\":{\"bytes_per_s\":7}}",
		 uniq("onelimit"));
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_jint(j, "limits.broadcast_pps", 1000);
	want_jint(j, "limits.bytes_per_s", 7);
	json_decref(j);

	/* every range's both ends are accepted */
	int nn = snprintf(name64, sizeof(name64), "n%d-", ++name_seq);
	memset(name64 + nn, 'n', 64 - (size_t)nn);
	name64[64] = '\0';
	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"max_clients\":1,\"mtu\":1280,\"limits\":{\"broadcast_pps\":"
		 "0,\"bytes_per_s\":0},\"expires_in\":60}",
		 name64);
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_jstr(j, "name", name64);
	want_jint(j, "max_clients", 1);
	want_jint(j, "mtu", 1280);
	want_jint(j, "limits.broadcast_pps", 0);
	want_jtime(j, "expires_at", now_s() + 60);
	json_decref(j);
	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"max_clients\":255,\"mtu\":9000,\"limits\":{\"broadcast_pps\":"
		 "1000000,\"bytes_per_s\":4000000000},\"expires_in\":31622400,\"enabled\":true}",
		 uniq("max"));
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_jint(j, "max_clients", 255);
	want_jint(j, "mtu", 9000);
	want_jint(j, "limits.broadcast_pps", 1000000);
	want_jint(j, "limits.bytes_per_s", 4000000000LL);
	want_jtime(j, "expires_at", now_s() + 31622400);
	json_decref(j);

	/* an explicit expiry time, and null */
	char when[32];
	format_time(now_s() + 7200, when);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"expires_at\":\"%s\"}", uniq("at"), when);
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_jstr(j, "expires_at", when);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"expires_at\":null}", uniq("never"));
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	want_jnull(j, "expires_at");
	json_decref(j);

	/* UTF-8 names are kept as given */
	snprintf(body, sizeof(body), "{\"name\":\"Caf\\u00e9 \\u2615 %d\"}", ++name_seq);
	j = expect_ok(201, "POST", "/api/v1/rooms", body);
	snprintf(body, sizeof(body), "Caf\xc3\xa9 \xe2\x98\x95 %d", name_seq);
	want_jstr(j, "name", body);
	json_decref(j);
	PASS();
}

static void test_room_list_get(void **state)
{
	(void)state;
	/* more than two of the relay's list batches (64): none may be lost between them */
	static int64_t many[130];
	for (size_t i = 0; i < 130; i++)
		many[i] = room_named(uniq("list-many"));
	int64_t a = room_named(uniq("list-a")), b = room_named(uniq("list-b"));

	json_t *l = expect_ok(200, "GET", "/api/v1/rooms", NULL);
	const json_t *rooms = relayproc_json_get(l, "rooms");
	if (!json_is_array(rooms) || json_object_size(l) != 1)
		JFAIL(l, "expected {\"rooms\":[...]}");
	int64_t last = 0;
	const json_t *ra = NULL, *rb = NULL;
	for (size_t i = 0; i < json_array_size(rooms); i++) {
		const json_t *r = json_array_get(rooms, i);
		int64_t id = relayproc_json_int(r, "id");
		want_keys(r, NULL, room_keys);
		if (id <= last)
			JFAIL(l, "rooms not in id order");
		last = id;
		if (id == a)
			ra = r;
		if (id == b)
			rb = r;
	}
	if (!ra || !rb)
		JFAIL(l, "rooms %lld and %lld not listed", (long long)a, (long long)b);
	for (size_t k = 0; k < 130; k++) {
		bool listed = false;
		for (size_t i = 0; i < json_array_size(rooms) && !listed; i++)
			listed = relayproc_json_int(json_array_get(rooms, i), "id") == many[k];
		if (!listed)
			JFAIL(l, "room %lld not listed", (long long)many[k]);
	}
	json_t *ga = expect_ok(200, "GET", P("/api/v1/rooms/%lld", (long long)a), NULL);
	if (!json_equal(ga, ra))
		JFAIL(ga, "GET differs from the list's entry");
	json_decref(ga);
	json_decref(l);
	PASS();
}

static void test_room_patch(void **state)
{
	(void)state;
	int64_t id = room_named(uniq("patch"));
	const char *path = P("/api/v1/rooms/%lld", (long long)id);
	char body[256], when[32];
	json_t *j;

	/* each field on its own; the others keep their value */
	const char *newname = uniq("renamed");
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", newname);
	json_decref(expect_ok(200, "PATCH", path, body));
	json_decref(expect_ok(200, "PATCH", path, "{\"max_clients\":24}"));
	json_decref(expect_ok(200, "PATCH", path, "{\"mtu\":1400}"));
	json_decref(expect_ok(200, "PATCH", path, "{\"limits\":{\"bytes_per_s\":2000000}}"));
	json_decref(expect_ok(200, "PATCH", path, "{\"enabled\":false}"));
	format_time(now_s() + 3600, when);
	snprintf(body, sizeof(body), "{\"expires_at\":\"%s\"}", when);
	j = expect_ok(200, "PATCH", path, body);
	want_room_shape(j, false);
	want_jstr(j, "name", newname);
	want_jint(j, "max_clients", 24);
	want_jint(j, "mtu", 1400);
	want_jint(j, "limits.broadcast_pps", 1000); /* kept inside limits too */
	want_jint(j, "limits.bytes_per_s", 2000000);
	want_jbool(j, "enabled", false);
	want_jstr(j, "expires_at", when);
	json_t *g = expect_ok(200, "GET", path, NULL);
	if (!json_equal(j, g))
		JFAIL(g, "GET differs from the PATCH answer");
	json_decref(g);
	json_decref(j);

	j = expect_ok(200, "PATCH", path, "{\"limits\":{\"broadcast_pps\":5},\"enabled\":true}");
	want_jint(j, "limits.broadcast_pps", 5);
	want_jint(j, "limits.bytes_per_s", 2000000);
	want_jbool(j, "enabled", true);
	json_decref(j);
	j = expect_ok(200, "PATCH", path, "{\"expires_in\":600}");
	want_jtime(j, "expires_at", now_s() + 600);
	json_decref(j);
	j = expect_ok(200, "PATCH", path, "{\"expires_at\":null}");
	want_jnull(j, "expires_at");
	json_decref(j);
	/* the same name, in another case, is its own */
	char upper[80];
	snprintf(upper, sizeof(upper), "%s", newname);
	upper[0] = 'R';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", upper);
	j = expect_ok(200, "PATCH", path, body);
	want_jstr(j, "name", upper);
	json_decref(j);

	/* nothing to change */
	expect_error("PATCH", path, "{}", 422, "invalid", "nothing to change");
	expect_error("PATCH", path, "{\"limits\":{}}", 422, "invalid", "nothing to change");
	/* checked like a create */
	expect_error("PATCH", path, "{\"mtu\":1279}", 422, "invalid", "mtu");
	expect_error("PATCH", path, "{\"name\":\"\"}", 422, "invalid", "name");
	expect_error("PATCH", path, "{\"max_clients\":256}", 422, "invalid", "max_clients");
	expect_error("PATCH", path, "{\"bogus\":1}", 422, "invalid", "bogus");
	expect_error("PATCH", path, "{\"expires_at\":\"2020-01-01T00:00:00Z\"}", 422, "invalid",
		     "expires_at");
	expect_error("PATCH", path, "{\"expires_in\":3600,\"expires_at\":null}", 422, "invalid",
		     "not both");
	/* a name another room has (in any case) */
	const char *other = uniq("taken");
	room_named(other);
	char shout[80];
	snprintf(shout, sizeof(shout), "%s", other);
	for (char *c = shout; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", shout);
	expect_error("PATCH", path, body, 409, "conflict", NULL);
	/* nothing changed by the refused requests */
	j = expect_ok(200, "GET", path, NULL);
	want_jstr(j, "name", upper);
	want_jint(j, "mtu", 1400);
	json_decref(j);
	PASS();
}

static void test_room_delete(void **state)
{
	(void)state;
	struct relayproc_room room = room_with_invites("delete", NULL);
	const char *path = P("/api/v1/rooms/%lld", (long long)room.id);

	expect_ok(204, "DELETE", path, NULL);
	expect_error("GET", path, NULL, 404, "not_found", NULL);
	expect_error("DELETE", path, NULL, 404, "not_found", NULL);
	expect_error("PATCH", path, "{\"max_clients\":3}", 404, "not_found", NULL);
	/* everything under it is gone too */
	static const char *const subs[][2] = {
		{ "POST", "rotate-codes" }, { "GET", "members" },   { "DELETE", "members/1" },
		{ "GET", "bans" },	    { "DELETE", "bans/1" }, { "GET", "stats" },
		{ "GET", "history" },
	};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		expect_error(subs[i][0], P("%s/%s", path, subs[i][1]), NULL, 404, "not_found",
			     NULL);
	expect_error("POST", P("%s/bans", path), "{\"mac\":\"02:00:00:00:00:01\"}", 404,
		     "not_found", NULL);
	/* its codes are unknown now */
	expect_join_error(room.client.code, 401, "bad_code");
	expect_join_error(room.gateway.code, 401, "bad_code");
	/* ids are never reused */
	int64_t next = room_named(uniq("after-delete"));
	assert_true(next > room.id);
	PASS();
}

/* Parse invites.<role> of j into inv (must be there). */
static void invite_of(const json_t *j, const char *role, struct lp_invite *inv)
{
	char key[32], err[128];

	snprintf(key, sizeof(key), "invites.%s", role);
	const char *s = jstr(j, key);
	if (!s || lp_invite_parse(s, inv, err, sizeof(err)) < 0)
		JFAIL(j, "%s: missing or does not parse", key);
	assert_true(inv->has_pin);
}

static void test_room_rotate(void **state)
{
	(void)state;
	static const char *const both[] = { "client", "gateway", NULL };
	static const char *const client_only[] = { "client", NULL };
	static const char *const gateway_only[] = { "gateway", NULL };
	struct relayproc_room room = room_with_invites("rotate", NULL);
	const char *path = P("/api/v1/rooms/%lld/rotate-codes", (long long)room.id);
	struct lp_invite c1, g1, c2, g3;

	expect_join_ok(room.client.code, room.id, "client");
	expect_join_ok(room.gateway.code, room.id, "gateway");

	/* both; no body needed */
	json_t *j = expect_ok(200, "POST", path, NULL);
	want_keys(j, NULL, (const char *const[]){ "invites", NULL });
	want_keys(j, "invites", both);
	invite_of(j, "client", &c1);
	invite_of(j, "gateway", &g1);
	json_decref(j);
	assert_int_equal(c1.role, LP_INVITE_CLIENT);
	assert_int_equal(g1.role, LP_INVITE_GATEWAY);
	assert_memory_equal(c1.pin, room.client.pin, LP_PIN_LEN);
	assert_string_not_equal(c1.code, room.client.code);
	assert_string_not_equal(g1.code, room.gateway.code);
	/* old codes are revoked (docs/api.md: 403 room_closed), new ones work */
	expect_join_error(room.client.code, 403, "room_closed");
	expect_join_error(room.gateway.code, 403, "room_closed");
	expect_join_ok(c1.code, room.id, "client");
	expect_join_ok(g1.code, room.id, "gateway");

	/* one role: the other's code stays valid */
	j = expect_ok(200, "POST", P("%s?role=client", path), NULL);
	want_keys(j, "invites", client_only);
	invite_of(j, "client", &c2);
	json_decref(j);
	assert_int_equal(c2.role, LP_INVITE_CLIENT);
	expect_join_error(c1.code, 403, "room_closed");
	expect_join_ok(c2.code, room.id, "client");
	expect_join_ok(g1.code, room.id, "gateway");

	j = expect_ok(200, "POST", P("%s?role=gateway", path), NULL);
	want_keys(j, "invites", gateway_only);
	invite_of(j, "gateway", &g3);
	json_decref(j);
	assert_int_equal(g3.role, LP_INVITE_GATEWAY);
	expect_join_error(g1.code, 403, "room_closed");
	expect_join_ok(g3.code, room.id, "gateway");
	expect_join_ok(c2.code, room.id, "client");

	/* another role, or none at all */
	expect_error("POST", P("%s?role=player", path), NULL, 422, "invalid", "role");
	expect_error("POST", P("%s?role=", path), NULL, 422, "invalid", "role");
	expect_error("POST", P("%s?role=CLIENT", path), NULL, 422, "invalid", "role");
	expect_join_ok(c2.code, room.id, "client"); /* the refusals rotated nothing */
	expect_error("POST", "/api/v1/rooms/" NO_ROOM "/rotate-codes", NULL, 404, "not_found",
		     NULL);
	expect_error("POST", "/api/v1/rooms/abc/rotate-codes", NULL, 404, "not_found", NULL);
	PASS();
}

/* ------------------------------------------------------------ validation: 422 */

struct bad_body {
	const char *body;
	const char *msg; /* a substring of the message */
};

static void test_room_validation(void **state)
{
	(void)state;
	static const struct bad_body bad[] = {
		/* name */
		{ "{\"max_clients\":4}", "name: required" },
		{ "{\"name\":\"\"}", "name" },
		{ "{\"name\":null}", "name" },
		{ "{\"name\":5}", "name" },
		{ "{\"name\":[\"q\"]}", "name" },
		{ "{\"name\":\"a\\u0007b\"}", "control characters" },
		{ "{\"name\":\"a\\nb\"}", "control characters" },
		{ "{\"name\":\"a\\tb\"}", "control characters" },
		{ "{\"name\":\"a\\u001fb\"}", "control characters" },
		{ "{\"name\":\"a\\u007fb\"}", "control characters" },
		/* max_clients */
		{ "{\"name\":\"q\",\"max_clients\":0}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":256}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":-1}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":\"4\"}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":4.0}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":true}", "max_clients" },
		{ "{\"name\":\"q\",\"max_clients\":null}", "max_clients" },
		/* mtu */
		{ "{\"name\":\"q\",\"mtu\":1279}", "mtu" },
		{ "{\"name\":\"q\",\"mtu\":9001}", "mtu" },
		{ "{\"name\":\"q\",\"mtu\":0}", "mtu" },
		{ "{\"name\":\"q\",\"mtu\":1500.5}", "mtu" },
		{ "{\"name\":\"q\",\"mtu\":\"1500\"}", "mtu" },
		/* limits */
		{ "{\"name\":\"q\",\"limits\":5}", "limits" },
		{ "{\"name\":\"q\",\"limits\":[]}", "limits" },
		{ "{\"name\":\"q\",\"limits\":\"none\"}", "limits" },
		{ "{\"name\":\"q\",\"limits\":null}", "limits" },
		{ "{\"name\":\"q\",\"limits\":{\"broadcast_pps\":1000001}}", "broadcast_pps" },
		{ "{\"name\":\"q\",\"limits\":{\"broadcast_pps\":-1}}", "broadcast_pps" },
		{ "{\"name\":\"q\",\"limits\":{\"broadcast_pps\":\"10\"}}", "broadcast_pps" },
		{ "{\"name\":\"q\",\"limits\":{\"broadcast_pps\":1.5}}", "broadcast_pps" },
		{ "{\"name\":\"q\",\"limits\":{\"bytes_per_s\":4000000001}}", "bytes_per_s" },
		{ "{\"name\":\"q\",\"limits\":{\"bytes_per_s\":-5}}", "bytes_per_s" },
		{ "{\"name\":\"q\",\"limits\":{\"bytes_per_s\":false}}", "bytes_per_s" },
		{ "{\"name\":\"q\",\"limits\":{\"pps\":1}}", "unknown field 'pps'" },
		/* enabled */
		{ "{\"name\":\"q\",\"enabled\":\"yes\"}", "enabled" },
		{ "{\"name\":\"q\",\"enabled\":1}", "enabled" },
		{ "{\"name\":\"q\",\"enabled\":null}", "enabled" },
		/* expires_at */
		{ "{\"name\":\"q\",\"expires_at\":\"2027-01-01 00:00\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-13-01T00:00:00Z\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-02-30T00:00:00Z\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-01-01T24:00:00Z\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-01-01T00:00:00+01:00\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-01-01T00:00:00.5Z\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2099-01-01t00:00:00z\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"\"}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":4102444800}", "expires_at" },
		{ "{\"name\":\"q\",\"expires_at\":\"2020-01-01T00:00:00Z\"}", "in the future" },
		{ "{\"name\":\"q\",\"expires_at\":\"1970-01-01T00:00:01Z\"}", "in the future" },
		/* expires_in */
		{ "{\"name\":\"q\",\"expires_in\":59}", "expires_in" },
		{ "{\"name\":\"q\",\"expires_in\":0}", "expires_in" },
		{ "{\"name\":\"q\",\"expires_in\":31622401}", "expires_in" },
		{ "{\"name\":\"q\",\"expires_in\":\"3600\"}", "expires_in" },
		{ "{\"name\":\"q\",\"expires_in\":null}", "expires_in" },
		{ "{\"name\":\"q\",\"expires_in\":3600,\"expires_at\":null}", "not both" },
		{ "{\"name\":\"q\",\"expires_in\":3600,\"expires_at\":\"2099-01-01T00:00:00Z\"}",
		  "not both" },
		/* unknown fields */
		{ "{\"name\":\"q\",\"maxclients\":4}", "unknown field 'maxclients'" },
		{ "{\"name\":\"q\",\"id\":4}", "unknown field 'id'" },
		{ "{\"name\":\"q\",\"invites\":{}}", "unknown field 'invites'" },
	};
	char body[400], name[80];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error("POST", "/api/v1/rooms", bad[i].body, 422, "invalid", bad[i].msg);
	/* 65 bytes of name: one too many (64 are accepted in test_room_create_fields) */
	memset(name, 'x', 65);
	name[65] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	expect_error("POST", "/api/v1/rooms", body, 422, "invalid", "name");
	/* lengths are in bytes: 32 two-byte characters are 64, 33 are 66 */
	for (int chars = 32; chars <= 33; chars++) {
		size_t n = (size_t)snprintf(body, sizeof(body), "{\"name\":\"");
		for (int k = 0; k < chars; k++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "\\u00e9");
		snprintf(body + n, sizeof(body) - n, "\"}");
		if (chars == 32)
			json_decref(expect_ok(201, "POST", "/api/v1/rooms", body));
		else
			expect_error("POST", "/api/v1/rooms", body, 422, "invalid", "name");
	}
	/* none of them made a room */
	json_t *l = expect_ok(200, "GET", "/api/v1/rooms", NULL);
	const json_t *rooms = relayproc_json_get(l, "rooms");
	for (size_t i = 0; i < json_array_size(rooms); i++)
		if (strcmp(jstr(json_array_get(rooms, i), "name"), "q") == 0)
			JFAIL(l, "a refused body made room 'q'");
	json_decref(l);
	PASS();
}

static void test_room_name_conflict(void **state)
{
	(void)state;
	char body[128], name[80];

	snprintf(name, sizeof(name), "%s", uniq("Dup"));
	room_named(name);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	expect_error("POST", "/api/v1/rooms", body, 409, "conflict", name);
	/* names are compared without regard to ASCII case */
	name[0] = 'd';
	name[1] = 'U';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"mtu\":1400}", name);
	expect_error("POST", "/api/v1/rooms", body, 409, "conflict", NULL);
	PASS();
}

/* ------------------------------------------------------------ 400: bodies */

static void test_bad_bodies(void **state)
{
	(void)state;
	int64_t id = room_named(uniq("bodies"));
	const char *const paths[][2] = {
		{ "POST", "/api/v1/rooms" },
		{ "PATCH", P("/api/v1/rooms/%lld", (long long)id) },
		{ "POST", P("/api/v1/rooms/%lld/bans", (long long)id) },
		{ "POST", "/api/v1/tokens" },
	};
	static const char *const not_json[] = {
		"{\"name\":\"x\",}",
		"{",
		"{\"name\":\"x\"",
		"name=x",
		" ",
		"{\"name\":\"x\"} {}",
		"{\"name\":\"x\"}garbage",
		"{'name':'x'}",
		"{\"name\":\"\xff\xfe\"}",
		"{\"name\":\"x\",\"max_clients\":99999999999999999999999}",
	};
	static const char *const not_object[] = {
		"[\"lan\"]", "[]", "\"lan\"", "42", "null", "true"
	};
	static const char *const duplicates[] = {
		"{\"name\":\"a\",\"name\":\"b\"}",
		"{\"name\":\"a\",\"name\":\"a\"}",
		"{\"mac\":\"02:00:00:00:00:01\",\"mac\":\"02:00:00:00:00:02\"}",
		"{\"name\":\"q\",\"limits\":{\"bytes_per_s\":1,\"bytes_per_s\":2}}",
	};
	struct http h;

	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		const char *m = paths[p][0], *path = paths[p][1];
		/* no body, and an empty one */
		expect_error(m, path, NULL, 400, "bad_request", "body is required");
		struct opts empty = { .body_len = 0 };
		http_do(&h, m, path, "", &empty);
		want_error(&h, 400, "bad_request", "body is required");
		http_free(&h);
		for (size_t i = 0; i < sizeof(not_json) / sizeof(not_json[0]); i++)
			expect_error(m, path, not_json[i], 400, "bad_json", "not valid JSON");
		for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++)
			expect_error(m, path, not_object[i], 400, "bad_json", NULL);
		for (size_t i = 0; i < sizeof(duplicates) / sizeof(duplicates[0]); i++)
			expect_error(m, path, duplicates[i], 400, "bad_json", "duplicate");
	}
	/* a NUL inside the body is not JSON either */
	struct opts nul = { .body_len = 16 };
	http_do(&h, "POST", "/api/v1/rooms", "{\"name\":\"a\0b\"}  ", &nul);
	want_error(&h, 400, "bad_json", NULL);
	http_free(&h);
	/* the JSON checks come after authentication: no token is 401, not 400 */
	expect_unauthorized("POST", "/api/v1/rooms", "", "unauthorized");
	/* endpoints without a body ignore one */
	json_decref(expect_ok(200, "GET", "/api/v1/rooms", "not json at all"));
	json_decref(expect_ok(200, "GET", P("/api/v1/rooms/%lld/stats", (long long)id), "{\"x\":"));
	PASS();
}

/* ------------------------------------------------------------ 413 */

/* A valid room body padded with spaces to exactly len bytes (caller frees). */
static char *padded_room(size_t len, const char *name)
{
	char *b = malloc(len + 1);
	int n = snprintf(b, len + 1, "{\"name\":\"%s\",\"max_clients\":4}", name);

	assert_true(n > 0 && (size_t)n < len);
	memset(b + n, ' ', len - (size_t)n);
	b[len] = '\0';
	return b;
}

static void test_body_limit(void **state)
{
	(void)state;
	struct http h;
	const char *name = uniq("limit");

	/* exactly 64 KiB is accepted */
	char *b = padded_room(BODY_MAX, name);
	json_t *j = expect_ok(201, "POST", "/api/v1/rooms", b);
	want_jstr(j, "name", name);
	int64_t id = relayproc_json_int(j, "id");
	json_decref(j);
	free(b);

	/* one byte more is not, and creates nothing */
	const char *name2 = uniq("limit");
	b = padded_room(BODY_MAX + 1, name2);
	expect_error("POST", "/api/v1/rooms", b, 413, "body_too_large", "65536");
	expect_error("PATCH", P("/api/v1/rooms/%lld", (long long)id), b, 413, "body_too_large",
		     NULL);
	expect_error("POST", P("/api/v1/rooms/%lld/bans", (long long)id), b, 413, "body_too_large",
		     NULL);
	expect_error("POST", "/api/v1/tokens", b, 413, "body_too_large", NULL);
	/* on a route that takes no body too */
	expect_error("GET", "/api/v1/rooms", b, 413, "body_too_large", NULL);
	/* before authentication: no token still gets 413, and it is not a failed attempt */
	const char *src = fresh_src();
	struct opts anon = { .auth = "", .src = src };
	for (int i = 0; i < 11; i++) {
		http_do(&h, "POST", "/api/v1/rooms", b, &anon);
		want_error(&h, 413, "body_too_large", NULL);
		http_free(&h);
	}
	struct opts from = { .src = src };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &from);
	want_status(&h, 200);
	http_free(&h);
	free(b);

	/* a much larger one (a string of 70000 bytes, and 1 MiB), on a connection that survives */
	b = malloc((1u << 20) + 1);
	int n = snprintf(b, 16, "{\"name\":\"");
	memset(b + n, 'x', 70000);
	snprintf(b + n + 70000, 4, "\"}");
	expect_error("POST", "/api/v1/rooms", b, 413, "body_too_large", NULL);
	memset(b, ' ', 1u << 20);
	b[1u << 20] = '\0';
	expect_error("POST", "/api/v1/rooms", b, 413, "body_too_large", NULL);
	free(b);
	j = expect_ok(200, "GET", "/api/v1/rooms", NULL);
	const json_t *rooms = relayproc_json_get(j, "rooms");
	for (size_t i = 0; i < json_array_size(rooms); i++)
		if (strcmp(jstr(json_array_get(rooms, i), "name"), name2) == 0)
			JFAIL(j, "a refused body made room %s", name2);
	json_decref(j);
	PASS();
}

/* ------------------------------------------------------------ 404, 405 */

static void test_not_found(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"/index.html",
		"/app.js/",
		"/favicon.ico",
		"/api",
		"/api/v1",
		"/api/v1/",
		"/api/v1/nothing",
		"/api/v2/rooms",
		"/API/v1/rooms",
		"/api/v1/rooms/",
		"/api/v1/rooms//members",
		"/api/v1/rooms/1/",
		"/api/v1/rooms/1/nothing",
		"/api/v1/rooms/1/members/1/more",
		"/api/v1/tokens/",
		"/healthz/",
		"/metricsx",
		"/api/v1/join/1",
	};
	/* ids: positive decimal integers only; anything else is no room */
	static const char *const ids[] = { "abc", "0",	  "-1",
					   "1.5", "0x10", "1e3",
					   "+1",  "%20",  "9999999999999999",
					   "01x", NO_ROOM };
	char longpath[700];
	struct http h;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		expect_error("GET", paths[i], NULL, 404, "not_found", "no such path");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	expect_error("GET", longpath, NULL, 404, "not_found", NULL);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *id = ids[i];
		expect_error("GET", P("/api/v1/rooms/%s", id), NULL, 404, "not_found", NULL);
		expect_error("PATCH", P("/api/v1/rooms/%s", id), "{\"mtu\":1400}", 404, "not_found",
			     NULL);
		expect_error("DELETE", P("/api/v1/rooms/%s", id), NULL, 404, "not_found", NULL);
		expect_error("POST", P("/api/v1/rooms/%s/rotate-codes", id), NULL, 404, "not_found",
			     NULL);
		expect_error("GET", P("/api/v1/rooms/%s/members", id), NULL, 404, "not_found",
			     NULL);
		expect_error("DELETE", P("/api/v1/rooms/%s/members/1", id), NULL, 404, "not_found",
			     NULL);
		expect_error("POST", P("/api/v1/rooms/%s/bans", id),
			     "{\"mac\":\"02:00:00:00:00:01\"}", 404, "not_found", NULL);
		expect_error("GET", P("/api/v1/rooms/%s/bans", id), NULL, 404, "not_found", NULL);
		expect_error("DELETE", P("/api/v1/rooms/%s/bans/1", id), NULL, 404, "not_found",
			     NULL);
		expect_error("GET", P("/api/v1/rooms/%s/stats", id), NULL, 404, "not_found", NULL);
		expect_error("GET", P("/api/v1/rooms/%s/history", id), NULL, 404, "not_found",
			     NULL);
		expect_error("DELETE", P("/api/v1/tokens/%s", id), NULL, 404, "not_found", NULL);
	}
	/* the path is checked before the token: not a failed attempt either */
	const char *src = fresh_src();
	struct opts anon = { .auth = "", .src = src };
	for (int i = 0; i < 11; i++) {
		http_do(&h, "GET", "/api/v1/nothing", NULL, &anon);
		want_error(&h, 404, "not_found", NULL);
		http_free(&h);
	}
	struct opts from = { .src = src };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &from);
	want_status(&h, 200);
	http_free(&h);

	/*
	 * a NUL (%00) after a valid id is not that id: MHD unescapes the path,
	 * and a NUL-terminated match would answer room <id> (or delete it)
	 */
	int64_t id = room_named(uniq("nul"));
	expect_error("GET", P("/api/v1/rooms/%lld%%00", (long long)id), NULL, 404, "not_found",
		     NULL);
	expect_error("GET", P("/api/v1/rooms/%lld%%00/members", (long long)id), NULL, 404,
		     "not_found", NULL);
	json_decref(expect_ok(200, "GET", P("/api/v1/rooms/%lld", (long long)id), NULL));
	PASS();
}

/* "A, B" and "B, A" name the same methods. */
static bool same_methods(const char *got, const char *want)
{
	char a[128], b[128];
	size_t na = 0, nb = 0;
	const char *ma[8], *mb[8];

	snprintf(a, sizeof(a), "%s", got);
	snprintf(b, sizeof(b), "%s", want);
	for (char *p = a; *p && na < 8;) {
		while (*p == ' ' || *p == ',')
			*p++ = '\0';
		if (!*p)
			break;
		ma[na++] = p;
		while (*p && *p != ',' && *p != ' ')
			p++;
	}
	for (char *p = b; *p && nb < 8;) {
		while (*p == ' ' || *p == ',')
			*p++ = '\0';
		if (!*p)
			break;
		mb[nb++] = p;
		while (*p && *p != ',' && *p != ' ')
			p++;
	}
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = false;
		for (size_t k = 0; k < nb; k++)
			found |= strcmp(ma[i], mb[k]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static void test_method_not_allowed(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{ "PUT", "/api/v1/rooms/1", "GET, PATCH, DELETE" },
		{ "POST", "/api/v1/rooms/1", "GET, PATCH, DELETE" },
		{ "DELETE", "/api/v1/rooms", "POST, GET" },
		{ "PATCH", "/api/v1/rooms", "POST, GET" },
		{ "GET", "/api/v1/rooms/1/rotate-codes", "POST" },
		{ "POST", "/api/v1/rooms/1/members", "GET" },
		{ "GET", "/api/v1/rooms/1/members/2", "DELETE" },
		{ "PUT", "/api/v1/rooms/1/bans", "POST, GET" },
		{ "GET", "/api/v1/rooms/1/bans/2", "DELETE" },
		{ "POST", "/api/v1/rooms/1/stats", "GET" },
		{ "DELETE", "/api/v1/rooms/1/history", "GET" },
		{ "PUT", "/api/v1/tokens", "POST, GET" },
		{ "GET", "/api/v1/tokens/1", "DELETE" },
		{ "POST", "/api/v1/join", "GET" },
		{ "DELETE", "/healthz", "GET" },
		{ "POST", "/metrics", "GET" },
		{ "OPTIONS", "/api/v1/rooms", "POST, GET" },
	};
	struct http h;
	const char *src = fresh_src();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* with the admin token, and with none (405 comes before authentication) */
		for (int anon = 0; anon < 2; anon++) {
			struct opts o = { .auth = anon ? "" : NULL, .src = anon ? src : NULL };
			http_do(&h, cases[i][0], cases[i][1], "{}", &o);
			want_error(&h, 405, "method_not_allowed", cases[i][0]);
			if (!same_methods(h.allow, cases[i][2]))
				fail_msg("%s: Allow \"%s\", expected \"%s\"", h.what, h.allow,
					 cases[i][2]);
			http_free(&h);
		}
	}
	/* none of that counted as a failed attempt */
	struct opts from = { .src = src };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &from);
	want_status(&h, 200);
	http_free(&h);
	PASS();
}

/* ------------------------------------------------------------ auth */

static void test_auth(void **state)
{
	(void)state;
	int64_t id = room_named(uniq("auth"));
	const char *room = P("/api/v1/rooms/%lld", (long long)id);
	char badtoken[80];
	struct http h;

	/* no header, a wrong token, another scheme, an empty bearer */
	snprintf(badtoken, sizeof(badtoken), "Bearer %s", relay.token);
	badtoken[strlen(badtoken) - 1] ^= 1; /* one character off */
	expect_unauthorized("GET", "/api/v1/rooms", "", "unauthorized");
	expect_unauthorized("GET", "/api/v1/rooms", badtoken, "unauthorized");
	expect_unauthorized("GET", "/api/v1/rooms", "Bearer wrong-token-0123456789",
			    "unauthorized");
	expect_unauthorized("GET", "/api/v1/rooms", "Bearer x", "unauthorized");
	expect_unauthorized("GET", "/api/v1/rooms", "Bearer ", "unauthorized");
	expect_unauthorized("GET", "/api/v1/rooms", "Basic YWRtaW46YWRtaW4=", "unauthorized");
	char raw[80];
	snprintf(raw, sizeof(raw), "%s", relay.token); /* the token without "Bearer " */
	expect_unauthorized("GET", "/api/v1/rooms", raw, "unauthorized");
	/* a room code is not an admin token */
	struct relayproc_room r = room_with_invites("auth-code", NULL);
	char code_auth[96];
	snprintf(code_auth, sizeof(code_auth), "Bearer %s", r.client.code);
	expect_unauthorized("GET", "/api/v1/rooms", code_auth, "unauthorized");

	/* the messages tell the two cases apart */
	struct opts o = { .auth = "", .src = fresh_src() };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &o);
	want_error(&h, 401, "unauthorized", "required");
	http_free(&h);
	o = (struct opts){ .auth = "Bearer wrong-token-0123456789", .src = fresh_src() };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &o);
	want_error(&h, 401, "unauthorized", "invalid");
	http_free(&h);

	/* every admin route asks for it */
	const char *const routes[][3] = {
		{ "POST", "/api/v1/rooms", "{\"name\":\"noauth\"}" },
		{ "GET", "/api/v1/rooms", NULL },
		{ "GET", room, NULL },
		{ "PATCH", room, "{\"max_clients\":2}" },
		{ "DELETE", room, NULL },
		{ "POST", P("%s/rotate-codes", room), NULL },
		{ "GET", P("%s/members", room), NULL },
		{ "DELETE", P("%s/members/1", room), NULL },
		{ "POST", P("%s/bans", room), "{\"mac\":\"02:00:00:00:00:01\"}" },
		{ "GET", P("%s/bans", room), NULL },
		{ "DELETE", P("%s/bans/1", room), NULL },
		{ "GET", P("%s/stats", room), NULL },
		{ "GET", P("%s/history", room), NULL },
		{ "POST", "/api/v1/tokens", "{\"name\":\"noauth\"}" },
		{ "GET", "/api/v1/tokens", NULL },
		{ "DELETE", "/api/v1/tokens/1", NULL },
		{ "GET", "/metrics", NULL },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		for (int k = 0; k < 2; k++) {
			struct opts a = { .auth = k ? "Bearer wrong-token-0123456789" : "",
					  .src = fresh_src() };
			http_do(&h, routes[i][0], routes[i][1], routes[i][2], &a);
			want_error(&h, 401, "unauthorized", NULL);
			if (strcmp(h.www_auth, "Bearer realm=\"softlan\"") != 0)
				fail_msg("%s: WWW-Authenticate \"%s\"", h.what, h.www_auth);
			http_free(&h);
		}
	}
	/* and none of them did anything */
	json_t *j = expect_ok(200, "GET", room, NULL);
	want_jint(j, "max_clients", 16);
	json_decref(j);
	expect_join_ok(r.client.code, r.id, "client");

	/* the scheme name is case-insensitive (RFC 9110), the token is not */
	snprintf(code_auth, sizeof(code_auth), "bearer %s", relay.token);
	o = (struct opts){ .auth = code_auth };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &o);
	want_status(&h, 200);
	http_free(&h);
	PASS();
}

/* ------------------------------------------------------------ tokens */

static void test_tokens(void **state)
{
	(void)state;
	static const char *const tok_keys[] = { "id",	      "name",	      "prefix",
						"created_at", "last_used_at", NULL };
	static const char *const new_keys[] = { "id",		"name",	 "prefix", "created_at",
						"last_used_at", "token", NULL };
	char auth[96], name64[65], body[128];
	struct http h;

	json_t *j = expect_ok(201, "POST", "/api/v1/tokens", "{\"name\":\"ci\"}");
	want_keys(j, NULL, new_keys);
	want_jstr(j, "name", "ci");
	want_jnull(j, "last_used_at");
	want_jtime(j, "created_at", now_s());
	const char *tok = jstr(j, "token"), *prefix = jstr(j, "prefix");
	int64_t tid = relayproc_json_int(j, "id");
	if (!tok || strlen(tok) != 43 || !prefix || strlen(prefix) != 8 ||
	    strncmp(tok, prefix, 8) != 0 || tid <= 0)
		JFAIL(j, "token: 43 characters, prefix its first 8, a positive id");
	char token[64], pfx[16];
	snprintf(token, sizeof(token), "%s", tok);
	snprintf(pfx, sizeof(pfx), "%s", prefix);
	json_decref(j);

	/* it works as an admin token */
	snprintf(auth, sizeof(auth), "Bearer %s", token);
	struct opts as_new = { .auth = auth };
	http_do(&h, "GET", "/api/v1/rooms", NULL, &as_new);
	want_status(&h, 200);
	http_free(&h);
	http_do(&h, "POST", "/api/v1/rooms", "{\"name\":\"by-ci-token\"}", &as_new);
	want_status(&h, 201);
	http_free(&h);

	/* names need not be unique */
	j = expect_ok(201, "POST", "/api/v1/tokens", "{\"name\":\"ci\"}");
	int64_t tid2 = relayproc_json_int(j, "id");
	assert_true(tid2 > tid);
	assert_string_not_equal(jstr(j, "token"), token);
	json_decref(j);

	/* the list shows prefixes, never the tokens */
	j = expect_ok(200, "GET", "/api/v1/tokens", NULL);
	const json_t *arr = relayproc_json_get(j, "tokens");
	const json_t *mine = NULL, *file = NULL;
	if (!json_is_array(arr) || json_object_size(j) != 1)
		JFAIL(j, "expected {\"tokens\":[...]}");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *t = json_array_get(arr, i);
		want_keys(t, NULL, tok_keys);
		if (relayproc_json_int(t, "id") == tid)
			mine = t;
		if (strcmp(jstr(t, "name"), "token-file") == 0)
			file = t;
	}
	char *text = json_dumps(j, JSON_COMPACT);
	if (!mine || !file || strstr(text, token) || strstr(text, relay.token))
		JFAIL(j, "the list lacks a token or shows a secret");
	free(text);
	want_jstr(mine, "prefix", pfx);
	want_jstr(mine, "name", "ci");
	char filepfx[16];
	snprintf(filepfx, sizeof(filepfx), "%.8s", relay.token);
	want_jstr(file, "prefix", filepfx);
	/* both have been used: the new one just now, the file's since the relay started */
	want_jtime(mine, "last_used_at", now_s());
	int64_t used = parse_time(jstr(file, "last_used_at"));
	if (used < started_at - TIME_SLOP || used > now_s() + TIME_SLOP)
		JFAIL(j, "token-file: last_used_at should be since the relay started");
	json_decref(j);

	/* revoke: 204, then it stops working at once; a second revoke finds nothing */
	expect_ok(204, "DELETE", P("/api/v1/tokens/%lld", (long long)tid), NULL);
	expect_unauthorized("GET", "/api/v1/rooms", auth, "unauthorized");
	expect_error("DELETE", P("/api/v1/tokens/%lld", (long long)tid), NULL, 404, "not_found",
		     NULL);
	expect_error("DELETE", "/api/v1/tokens/" NO_ROOM, NULL, 404, "not_found", NULL);
	expect_error("DELETE", "/api/v1/tokens/abc", NULL, 404, "not_found", NULL);
	expect_error("DELETE", "/api/v1/tokens/0", NULL, 404, "not_found", NULL);
	j = expect_ok(200, "GET", "/api/v1/tokens", NULL);
	arr = relayproc_json_get(j, "tokens");
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (relayproc_json_int(json_array_get(arr, i), "id") == tid)
			JFAIL(j, "a revoked token is still listed");
	json_decref(j);
	expect_ok(204, "DELETE", P("/api/v1/tokens/%lld", (long long)tid2), NULL);

	/* more than two list batches (64), some revoked in between: the rest all listed */
	static int64_t ids[140];
	for (size_t i = 0; i < 140; i++) {
		j = expect_ok(201, "POST", "/api/v1/tokens", "{\"name\":\"bulk\"}");
		ids[i] = relayproc_json_int(j, "id");
		json_decref(j);
	}
	for (size_t i = 0; i < 140; i += 3)
		expect_ok(204, "DELETE", P("/api/v1/tokens/%lld", (long long)ids[i]), NULL);
	j = expect_ok(200, "GET", "/api/v1/tokens", NULL);
	arr = relayproc_json_get(j, "tokens");
	for (size_t k = 0; k < 140; k++) {
		bool listed = false;
		for (size_t i = 0; i < json_array_size(arr) && !listed; i++)
			listed = relayproc_json_int(json_array_get(arr, i), "id") == ids[k];
		if (listed != (k % 3 != 0))
			JFAIL(j, "token %lld: listed %d, revoked %d", (long long)ids[k], listed,
			      k % 3 == 0);
	}
	json_decref(j);
	for (size_t i = 0; i < 140; i++)
		if (i % 3)
			expect_ok(204, "DELETE", P("/api/v1/tokens/%lld", (long long)ids[i]), NULL);

	/* validation */
	expect_error("POST", "/api/v1/tokens", "{}", 422, "invalid", "name: required");
	expect_error("POST", "/api/v1/tokens", "{\"name\":\"\"}", 422, "invalid", "name");
	expect_error("POST", "/api/v1/tokens", "{\"name\":5}", 422, "invalid", "name");
	expect_error("POST", "/api/v1/tokens", "{\"name\":null}", 422, "invalid", "name");
	expect_error("POST", "/api/v1/tokens", "{\"name\":\"a\\u0001\"}", 422, "invalid",
		     "control characters");
	expect_error("POST", "/api/v1/tokens", "{\"name\":\"x\",\"admin\":true}", 422, "invalid",
		     "unknown field 'admin'");
	expect_error("POST", "/api/v1/tokens", "{\"name\":\"x\",\"token\":\"mine\"}", 422,
		     "invalid", "unknown field 'token'");
	memset(name64, 't', 64);
	name64[64] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name64);
	j = expect_ok(201, "POST", "/api/v1/tokens", body);
	want_jstr(j, "name", name64);
	int64_t tid3 = relayproc_json_int(j, "id");
	json_decref(j);
	expect_ok(204, "DELETE", P("/api/v1/tokens/%lld", (long long)tid3), NULL);
	snprintf(body, sizeof(body), "{\"name\":\"%st\"}", name64);
	expect_error("POST", "/api/v1/tokens", body, 422, "invalid", "name");
	PASS();
}

/* ------------------------------------------------------------ bans */

static void test_bans(void **state)
{
	(void)state;
	static const char *const ban_keys[] = { "id",	      "mac",	    "addr", "reason",
						"created_at", "expires_at", NULL };
	int64_t id = room_named(uniq("bans")), other = room_named(uniq("bans-other"));
	const char *bans = P("/api/v1/rooms/%lld/bans", (long long)id);
	char body[256], when[32];

	/* by MAC (upper case and dashes accepted, shown canonically), with a reason and expiry */
	json_t *j = expect_ok(201, "POST", bans,
			      "{\"mac\":\"02-1A-2B-3C-4D-5E\",\"reason\":\"flooding\","
			      "\"expires_in\":3600}");
	want_keys(j, NULL, ban_keys);
	want_jstr(j, "mac", "02:1a:2b:3c:4d:5e");
	want_jnull(j, "addr");
	want_jstr(j, "reason", "flooding");
	want_jtime(j, "created_at", now_s());
	want_jtime(j, "expires_at", now_s() + 3600);
	int64_t b1 = relayproc_json_int(j, "id");
	json_decref(j);
	/* by address, stored canonically */
	j = expect_ok(201, "POST", bans, "{\"addr\":\"::ffff:198.51.100.7\"}");
	want_jnull(j, "mac");
	want_jstr(j, "addr", "198.51.100.7");
	want_jnull(j, "reason");
	want_jnull(j, "expires_at");
	int64_t b2 = relayproc_json_int(j, "id");
	json_decref(j);
	/* both, with an explicit expiry time */
	format_time(now_s() + 86400, when);
	snprintf(body, sizeof(body),
		 "{\"mac\":\"02:1a:2b:3c:4d:5e\",\"addr\":\"2001:DB8:0:0::42\",\"expires_at\":"
		 "\"%s\"}",
		 when);
	j = expect_ok(201, "POST", bans, body);
	want_jstr(j, "mac", "02:1a:2b:3c:4d:5e");
	want_jstr(j, "addr", "2001:db8::42");
	want_jstr(j, "expires_at", when);
	int64_t b3 = relayproc_json_int(j, "id");
	json_decref(j);
	j = expect_ok(201, "POST", bans, "{\"addr\":\"203.0.113.9\",\"expires_at\":null}");
	want_jnull(j, "expires_at");
	int64_t b4 = relayproc_json_int(j, "id");
	json_decref(j);
	assert_true(b1 < b2 && b2 < b3 && b3 < b4);

	/* the same ban twice */
	expect_error("POST", bans, "{\"addr\":\"198.51.100.7\"}", 409, "conflict", NULL);
	expect_error("POST", bans, "{\"mac\":\"02:1a:2b:3c:4d:5e\",\"reason\":\"again\"}", 409,
		     "conflict", NULL);

	/* validation */
	static const struct bad_body bad[] = {
		{ "{}", "needs a mac, an addr" },
		{ "{\"reason\":\"x\"}", "needs a mac, an addr" },
		{ "{\"expires_in\":60}", "needs a mac, an addr" },
		{ "{\"mac\":\"01:00:5e:00:00:01\"}", "mac" },
		{ "{\"mac\":\"ff:ff:ff:ff:ff:ff\"}", "mac" },
		{ "{\"mac\":\"00:00:00:00:00:00\"}", "mac" },
		{ "{\"mac\":\"02:1a:2b:3c:4d\"}", "mac" },
		{ "{\"mac\":\"02:1a:2b:3c:4d:5e:6f\"}", "mac" },
		{ "{\"mac\":\"02:1a-2b:3c:4d:5e\"}", "mac" },
		{ "{\"mac\":\"zz:1a:2b:3c:4d:5e\"}", "mac" },
		{ "{\"mac\":\"\"}", "mac" },
		{ "{\"mac\":2}", "mac" },
		{ "{\"mac\":null}", "mac" },
		{ "{\"addr\":\"10.0.0.1:5000\"}", "addr" },
		{ "{\"addr\":\"[::1]\"}", "addr" },
		{ "{\"addr\":\"[::1]:443\"}", "addr" },
		{ "{\"addr\":\"10.0.0.256\"}", "addr" },
		{ "{\"addr\":\"10.0.0.0/8\"}", "addr" },
		{ "{\"addr\":\"relay.example.net\"}", "addr" },
		{ "{\"addr\":\"\"}", "addr" },
		{ "{\"addr\":7}", "addr" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"reason\":\"\"}", "reason" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"reason\":7}", "reason" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"reason\":\"a\\u0000b\"}", NULL },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_at\":\"2020-01-01T00:00:00Z\"}",
		  "in the future" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_at\":\"tomorrow\"}", "expires_at" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_at\":5}", "expires_at" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_in\":0}", "expires_in" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_in\":31622401}", "expires_in" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_in\":\"60\"}", "expires_in" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_in\":60,\"expires_at\":null}",
		  "not both" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"expires_in\":60,\"expires_at\":"
		  "\"2099-01-01T00:00:00Z\"}",
		  "not both" },
		{ "{\"mac\":\"02:00:00:00:00:09\",\"room\":1}", "unknown field 'room'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http h;
		http_do(&h, "POST", bans, bad[i].body, NULL);
		/* a NUL in a string is not JSON jansson takes: 400 is as right as 422 */
		if (!bad[i].msg && h.status == 400)
			want_error(&h, 400, "bad_json", NULL);
		else
			want_error(&h, 422, "invalid", bad[i].msg);
		http_free(&h);
	}
	char reason[140];
	memset(reason, 'r', 128);
	reason[128] = '\0';
	snprintf(body, sizeof(body), "{\"mac\":\"02:00:00:00:00:0a\",\"reason\":\"%s\"}", reason);
	json_decref(expect_ok(201, "POST", bans, body));
	snprintf(body, sizeof(body), "{\"mac\":\"02:00:00:00:00:0b\",\"reason\":\"%sr\"}", reason);
	expect_error("POST", bans, body, 422, "invalid", "reason");
	j = expect_ok(201, "POST", bans, "{\"mac\":\"02:00:00:00:00:0c\",\"expires_in\":1}");
	want_jtime(j, "expires_at", now_s() + 1);
	int64_t b_short = relayproc_json_int(j, "id");
	int64_t short_expiry = parse_time(jstr(j, "expires_at"));
	json_decref(j);

	/* the list: every ban, by id, in the same shape */
	j = expect_ok(200, "GET", bans, NULL);
	const json_t *arr = relayproc_json_get(j, "bans");
	if (!json_is_array(arr) || json_array_size(arr) != 6 || json_object_size(j) != 1)
		JFAIL(j, "expected {\"bans\":[6 bans]}");
	int64_t want_ids[] = { b1, b2, b3, b4 };
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *b = json_array_get(arr, i);
		want_keys(b, NULL, ban_keys);
		if (i < 4 && relayproc_json_int(b, "id") != want_ids[i])
			JFAIL(j, "bans not in id order");
	}
	want_jstr(j, "bans.1.addr", "198.51.100.7");
	want_jstr(j, "bans.0.reason", "flooding");
	want_jint(j, "bans.5.id", b_short);
	json_decref(j);
	/* another room's list is its own */
	j = expect_ok(200, "GET", P("/api/v1/rooms/%lld/bans", (long long)other), NULL);
	if (json_array_size(relayproc_json_get(j, "bans")) != 0)
		JFAIL(j, "expected no bans");
	json_decref(j);

	/* lift: 204, then it is gone; a ban is found only through its own room */
	expect_error("DELETE", P("/api/v1/rooms/%lld/bans/%lld", (long long)other, (long long)b2),
		     NULL, 404, "not_found", NULL);
	expect_ok(204, "DELETE", P("%s/%lld", bans, (long long)b2), NULL);
	expect_error("DELETE", P("%s/%lld", bans, (long long)b2), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/" NO_ROOM, bans), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/abc", bans), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/0", bans), NULL, 404, "not_found", NULL);
	j = expect_ok(200, "GET", bans, NULL);
	arr = relayproc_json_get(j, "bans");
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (relayproc_json_int(json_array_get(arr, i), "id") == b2)
			JFAIL(j, "a lifted ban is still listed");
	json_decref(j);
	/* lifted, it may be added again */
	json_decref(expect_ok(201, "POST", bans, "{\"addr\":\"198.51.100.7\"}"));

	/* more than two of the relay's list batches (64), all listed, in order */
	const char *many = P("/api/v1/rooms/%lld/bans", (long long)other);
	for (unsigned i = 0; i < 130; i++) {
		snprintf(body, sizeof(body), "{\"addr\":\"10.9.%u.%u\"}", i / 200, i % 200 + 1);
		json_decref(expect_ok(201, "POST", many, body));
	}
	j = expect_ok(200, "GET", many, NULL);
	arr = relayproc_json_get(j, "bans");
	if (json_array_size(arr) != 130)
		JFAIL(j, "expected 130 bans");
	for (size_t i = 1; i < 130; i++)
		if (relayproc_json_int(json_array_get(arr, i), "id") <=
		    relayproc_json_int(json_array_get(arr, i - 1), "id"))
			JFAIL(j, "bans not in id order");
	json_decref(j);

	/* an expired ban stays listed */
	while (now_s() <= short_expiry)
		peer_pump(100);
	j = expect_ok(200, "GET", bans, NULL);
	arr = relayproc_json_get(j, "bans");
	bool listed = false;
	for (size_t i = 0; i < json_array_size(arr); i++)
		listed |= relayproc_json_int(json_array_get(arr, i), "id") == b_short;
	if (!listed)
		JFAIL(j, "an expired ban is no longer listed");
	json_decref(j);
	PASS();
}

/* ------------------------------------------------------------ members */

static const char *const member_keys[] = { "id",      "role",	"mac",	       "name",
					   "agent",   "remote", "rtt_us",      "connected_at",
					   "traffic", "drops",	"drops_total", NULL };

/* Every drop reason of shared/counters.h, and nothing else, in drops_path. */
static void want_drop_names(const json_t *j, const char *drops_path)
{
	const char *names[LP_DROP__COUNT + 1];

	for (int i = 0; i < LP_DROP__COUNT; i++)
		names[i] = lp_drop_name((enum lp_drop)i);
	names[LP_DROP__COUNT] = NULL;
	want_keys(j, drops_path, names);
	const json_t *d = relayproc_json_get(j, drops_path);
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)d, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			JFAIL(j, "%s.%s: expected a count", drops_path, k);
	}
}

static void test_members(void **state)
{
	(void)state;
	static const char *const traffic[] = { "up_frames", "up_bytes", "down_frames", "down_bytes",
					       NULL };
	struct relayproc_room room = room_with_invites("members", "\"max_clients\":4");
	struct lp_mac amac = mac_n(0xa), spoof = mac_n(0x99);
	char macs[LP_MAC_STRLEN], remote[32];
	uint8_t f[200];

	/* an empty room */
	json_t *j = get_members(room.id);
	if (json_array_size(relayproc_json_get(j, "members")) != 0 || json_object_size(j) != 1)
		JFAIL(j, "expected {\"members\":[]}");
	json_decref(j);

	struct peer *gw = join_peer("lanbox", &room.gateway, NULL);
	struct peer *a = join_peer("alice", &room.client, &amac);
	CHECK_PEER(peer_wait_joined(gw, peer_id(a), WAIT_MS), gw);

	/* alice broadcasts once (to the gateway), and once from a MAC not hers (dropped) */
	peer_frame_build(f, sizeof(f), 100, &bcast, &amac, 0x88b5, 1);
	CHECK_PEER(peer_send_frame(a, f, 100) >= 1, a);
	CHECK_PEER(peer_wait_frames(gw, 1, WAIT_MS), gw);
	peer_frame_build(f, sizeof(f), 80, &bcast, &spoof, 0x88b5, 2);
	CHECK_PEER(peer_send_frame(a, f, 80) >= 1, a);
	wait_jint(P("/api/v1/rooms/%lld/stats", (long long)room.id), "drops.spoofed_mac", 1);

	j = get_members(room.id);
	assert_int_equal(json_array_size(relayproc_json_get(j, "members")), 2);
	const json_t *ma = member_entry(j, peer_id(a)), *mg = member_entry(j, peer_id(gw));
	if (!ma || !mg)
		JFAIL(j, "members %u and %u not listed", peer_id(a), peer_id(gw));
	for (int k = 0; k < 2; k++) {
		const json_t *m = k ? mg : ma;
		want_keys(m, NULL, member_keys);
		want_keys(m, "traffic", traffic);
		want_drop_names(m, "drops");
		want_jtime(m, "connected_at", now_s());
		const json_t *rtt = relayproc_json_get(m, "rtt_us");
		if (!json_is_integer(rtt) || json_integer_value(rtt) < 0 ||
		    json_integer_value(rtt) > 5000000)
			JFAIL(j, "rtt_us: expected microseconds");
		const char *agent = jstr(m, "agent");
		if (!agent || strncmp(agent, "softlan-integration-peer/", 25) != 0)
			JFAIL(j, "agent: expected the peer's hello");
	}
	want_jstr(ma, "role", "client");
	want_jstr(ma, "mac", lp_mac_format(&amac, macs));
	want_jstr(ma, "name", "alice");
	snprintf(remote, sizeof(remote), "127.0.0.1:%u", ntohs(a->local.sin_port));
	want_jstr(ma, "remote", remote);
	want_jint(ma, "traffic.up_frames", 1);
	want_jint(ma, "traffic.up_bytes", 100);
	want_jint(ma, "traffic.down_frames", 0);
	want_jint(ma, "traffic.down_bytes", 0);
	want_jint(ma, "drops.spoofed_mac", 1);
	want_jint(ma, "drops_total", 1);
	want_jstr(mg, "role", "gateway");
	want_jnull(mg, "mac");
	want_jstr(mg, "name", "lanbox");
	snprintf(remote, sizeof(remote), "127.0.0.1:%u", ntohs(gw->local.sin_port));
	want_jstr(mg, "remote", remote);
	want_jint(mg, "traffic.up_frames", 0);
	want_jint(mg, "traffic.down_frames", 1);
	want_jint(mg, "traffic.down_bytes", 100);
	want_jint(mg, "drops_total", 0);
	json_decref(j);

	/* the room's view of the same */
	j = expect_ok(200, "GET", P("/api/v1/rooms/%lld", (long long)room.id), NULL);
	want_jint(j, "online.clients", 1);
	want_jbool(j, "online.gateway", true);
	want_jint(j, "traffic.up_bytes", 100);
	want_jint(j, "traffic.down_bytes", 100);
	want_jint(j, "drops", 1);
	json_decref(j);
	j = expect_ok(200, "GET", P("/api/v1/rooms/%lld/stats", (long long)room.id), NULL);
	want_jint(j, "traffic.up.broadcast.frames", 1);
	want_jint(j, "traffic.up.broadcast.bytes", 100);
	want_jint(j, "traffic.down.broadcast.frames", 1);
	want_jint(j, "traffic.down.broadcast.bytes", 100);
	want_jint(j, "traffic.up.unicast.frames", 0);
	want_jint(j, "drops_total", 1);
	json_decref(j);

	/* and in /metrics */
	struct http h;
	char line[200];
	http_do(&h, "GET", "/metrics", NULL, NULL);
	want_status(&h, 200);
	static const char *const want[][3] = {
		{ "lanparty_room_members", "role=\"client\"", "1" },
		{ "lanparty_room_members", "role=\"gateway\"", "1" },
		{ "lanparty_room_frames_total", "direction=\"up\",cast=\"broadcast\"", "1" },
		{ "lanparty_room_frames_total", "direction=\"down\",cast=\"broadcast\"", "1" },
		{ "lanparty_room_bytes_total", "direction=\"down\",cast=\"broadcast\"", "100" },
		{ "lanparty_room_drops_total", "reason=\"spoofed_mac\"", "1" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(line, sizeof(line), "\n%s{room=\"%lld\",%s} %s\n", want[i][0],
			 (long long)room.id, want[i][1], want[i][2]);
		if (!strstr(h.body, line))
			fail_msg("/metrics lacks%s", line);
	}
	snprintf(line, sizeof(line),
		 "lanparty_member_rtt_seconds{room=\"%lld\",member=\"%u\",role=\"client\"}",
		 (long long)room.id, peer_id(a));
	double rtt = metric_value(h.body, line);
	if (!(rtt > 0 && rtt < 5))
		fail_msg("/metrics: %s is %g", line, rtt);
	/* relay-wide: members by role, handshakes, admissions (other rooms may add to them) */
	static const char *const at_least_one[] = {
		"lanparty_relay_members{role=\"client\"}",
		"lanparty_relay_members{role=\"gateway\"}",
		"lanparty_relay_handshakes_total",
		"lanparty_relay_admissions_total{role=\"client\"}",
		"lanparty_relay_admissions_total{role=\"gateway\"}",
		"lanparty_relay_connections",
	};
	for (size_t i = 0; i < sizeof(at_least_one) / sizeof(at_least_one[0]); i++)
		if (!(metric_value(h.body, at_least_one[i]) >= 1))
			fail_msg("/metrics: %s is %g, expected at least 1", at_least_one[i],
				 metric_value(h.body, at_least_one[i]));
	const char *bad = check_exposition(h.body, h.len);
	if (bad)
		fail_msg("/metrics with members online: %s", bad);
	http_free(&h);
	PASS();
}

static void test_kick_and_mtu(void **state)
{
	(void)state;
	struct relayproc_room room = room_with_invites("kick", NULL);
	const char *rpath = P("/api/v1/rooms/%lld", (long long)room.id);
	struct lp_mac amac = mac_n(0xa), bmac = mac_n(0xb);

	struct peer *gw = join_peer("gateway", &room.gateway, NULL);
	struct peer *a = join_peer("alice", &room.client, &amac);
	struct peer *b = join_peer("bob", &room.client, &bmac);
	uint32_t aid = peer_id(a);

	/* the MTU is fixed while anyone is connected; the same value is no change */
	expect_error("PATCH", rpath, "{\"mtu\":1400}", 409, "conflict", "mtu");
	expect_error("PATCH", rpath, "{\"mtu\":1400,\"max_clients\":5}", 409, "conflict", "mtu");
	json_t *j = expect_ok(200, "PATCH", rpath, "{\"mtu\":1500,\"max_clients\":6}");
	want_jint(j, "mtu", 1500);
	want_jint(j, "max_clients", 6);
	json_decref(j);

	/* kick: 204, the member is sent home, the others hear of it */
	expect_ok(204, "DELETE", P("%s/members/%u", rpath, aid), NULL);
	expect_disconnect(a, LP_DISCONNECT_KICKED);
	CHECK_PEER(peer_wait_left(gw, aid, WAIT_MS), gw);
	CHECK_PEER(peer_find_left(gw, aid)->reason == LP_DISCONNECT_KICKED, gw);
	CHECK_PEER(peer_wait_left(b, aid, WAIT_MS), b);
	j = get_members(room.id);
	assert_int_equal(json_array_size(relayproc_json_get(j, "members")), 2);
	assert_null(member_entry(j, aid));
	json_decref(j);
	/* again: not online any more; never online; ids out of range or not ids */
	expect_error("DELETE", P("%s/members/%u", rpath, aid), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/members/4000000000", rpath), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/members/4294967296", rpath), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/members/4294967297", rpath), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/members/abc", rpath), NULL, 404, "not_found", NULL);
	expect_error("DELETE", P("%s/members/0", rpath), NULL, 404, "not_found", NULL);
	/* a member of another room is not found through this one */
	struct relayproc_room other = room_with_invites("kick-other", NULL);
	expect_error("DELETE", P("/api/v1/rooms/%lld/members/%u", (long long)other.id, peer_id(b)),
		     NULL, 404, "not_found", NULL);
	CHECK_PEER(!b->closed, b);

	/* a kicked member may come back at once */
	a = join_peer("alice-again", &room.client, &amac);

	/* a ban by MAC sends its owner home at once, and nobody else */
	json_decref(expect_ok(201, "POST", P("%s/bans", rpath), "{\"mac\":\"02:00:5e:00:00:0a\"}"));
	expect_disconnect(a, LP_DISCONNECT_BANNED);
	peer_pump(QUIET_MS);
	CHECK_PEER(!b->closed && !gw->closed, b);

	/* disabling the room sends everyone home; then the MTU may change */
	j = expect_ok(200, "PATCH", rpath, "{\"enabled\":false}");
	want_jbool(j, "enabled", false);
	json_decref(j);
	expect_disconnect(gw, LP_DISCONNECT_ROOM_DISABLED);
	expect_disconnect(b, LP_DISCONNECT_ROOM_DISABLED);
	j = get_members(room.id);
	assert_int_equal(json_array_size(relayproc_json_get(j, "members")), 0);
	json_decref(j);
	j = expect_ok(200, "PATCH", rpath, "{\"mtu\":1400}");
	want_jint(j, "mtu", 1400);
	want_jint(j, "online.clients", 0);
	want_jbool(j, "online.gateway", false);
	json_decref(j);
	PASS();
}

/* ------------------------------------------------------------ stats, history */

static void test_stats(void **state)
{
	(void)state;
	static const char *const top[] = { "room_id", "traffic", "drops", "drops_total", NULL };
	static const char *const dirs[] = { "up", "down", NULL };
	int64_t id = room_named(uniq("stats"));
	char path[64];

	json_t *j = expect_ok(200, "GET", P("/api/v1/rooms/%lld/stats", (long long)id), NULL);
	want_keys(j, NULL, top);
	want_jint(j, "room_id", id);
	want_keys(j, "traffic", dirs);
	for (int d = 0; d < LP_DIR__COUNT; d++) {
		const char *casts[LP_CAST__COUNT + 1];
		for (int c = 0; c < LP_CAST__COUNT; c++)
			casts[c] = lp_counters_cast_name((enum lp_cast)c);
		casts[LP_CAST__COUNT] = NULL;
		snprintf(path, sizeof(path), "traffic.%s", lp_dir_name((enum lp_dir)d));
		want_keys(j, path, casts);
		for (int c = 0; c < LP_CAST__COUNT; c++) {
			snprintf(path, sizeof(path), "traffic.%s.%s", lp_dir_name((enum lp_dir)d),
				 casts[c]);
			want_keys(j, path, (const char *const[]){ "frames", "bytes", NULL });
			snprintf(path, sizeof(path), "traffic.%s.%s.frames",
				 lp_dir_name((enum lp_dir)d), casts[c]);
			want_jint(j, path, 0);
			snprintf(path, sizeof(path), "traffic.%s.%s.bytes",
				 lp_dir_name((enum lp_dir)d), casts[c]);
			want_jint(j, path, 0);
		}
	}
	want_drop_names(j, "drops");
	for (int i = 0; i < LP_DROP__COUNT; i++) {
		snprintf(path, sizeof(path), "drops.%s", lp_drop_name((enum lp_drop)i));
		want_jint(j, path, 0);
	}
	want_jint(j, "drops_total", 0);
	want_jint(j, "traffic.up.unicast.frames", 0); /* the path the brief names */
	json_decref(j);
	PASS();
}

static void test_history(void **state)
{
	(void)state;
	static const char *const top[] = { "room_id", "since", "until", "step_s", "samples", NULL };
	int64_t id = room_named(uniq("history"));
	/* a copy: P() reuses its buffers after 32 calls */
	char hp[64];
	snprintf(hp, sizeof(hp), "/api/v1/rooms/%lld/history", (long long)id);
	char a[32], b[32];

	/* defaults: the last hour */
	json_t *j = expect_ok(200, "GET", hp, NULL);
	want_keys(j, NULL, top);
	want_jint(j, "room_id", id);
	want_jint(j, "step_s", 60);
	if (!json_is_array(relayproc_json_get(j, "samples")))
		JFAIL(j, "samples: expected an array");
	int64_t until = parse_time(jstr(j, "until")), since = parse_time(jstr(j, "since"));
	if (until < now_s() - TIME_SLOP || until > now_s() + TIME_SLOP || until - since != 3600)
		JFAIL(j, "expected the last hour");
	json_decref(j);

	/* unix seconds and RFC 3339, either way round; answered in RFC 3339 */
	int64_t t0 = now_s() - 7200, t1 = now_s() - 60;
	format_time(t0, a);
	format_time(t1, b);
	j = expect_ok(200, "GET", P("%s?since=%lld&until=%lld", hp, (long long)t0, (long long)t1),
		      NULL);
	want_jstr(j, "since", a);
	want_jstr(j, "until", b);
	json_decref(j);
	j = expect_ok(200, "GET", P("%s?since=%s&until=%s", hp, a, b), NULL);
	want_jstr(j, "since", a);
	want_jstr(j, "until", b);
	json_decref(j);
	j = expect_ok(200, "GET", P("%s?since=%s&until=%lld", hp, a, (long long)t1), NULL);
	want_jstr(j, "until", b);
	json_decref(j);
	/* only since: until is now */
	j = expect_ok(200, "GET", P("%s?since=%s", hp, a), NULL);
	want_jstr(j, "since", a);
	want_jtime(j, "until", now_s());
	json_decref(j);
	/* only until: since is an hour before it */
	j = expect_ok(200, "GET", P("%s?until=%lld", hp, (long long)t1), NULL);
	format_time(t1 - 3600, a);
	want_jstr(j, "since", a);
	json_decref(j);
	/* an empty range and exactly seven days are fine */
	json_decref(expect_ok(
		200, "GET", P("%s?since=%lld&until=%lld", hp, (long long)t1, (long long)t1), NULL));
	json_decref(expect_ok(
		200, "GET",
		P("%s?since=%lld&until=%lld", hp, (long long)(t1 - 7 * 86400), (long long)t1),
		NULL));
	/* the last second RFC 3339 can write */
	j = expect_ok(200, "GET", P("%s?until=253402300799", hp), NULL);
	want_jstr(j, "until", "9999-12-31T23:59:59Z");
	json_decref(j);

	/* since after until; more than seven days; not a time */
	expect_error("GET", P("%s?since=%lld&until=%lld", hp, (long long)t1, (long long)t0), NULL,
		     400, "bad_request", "since");
	expect_error(
		"GET",
		P("%s?since=%lld&until=%lld", hp, (long long)(t1 - 7 * 86400 - 1), (long long)t1),
		NULL, 400, "bad_request", "7 days");
	expect_error("GET", P("%s?since=0", hp), NULL, 400, "bad_request", "7 days");
	static const char *const bad[] = { "yesterday",
					   "-5",
					   "",
					   "1e5",
					   "12abc",
					   "2026-13-01T00:00:00Z",
					   "2026-11-26T12:00:00",
					   "2026-11-26T12:00:00%2B01:00",
					   "2026-11-26%2012:00:00Z" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_error("GET", P("%s?since=%s", hp, bad[i]), NULL, 400, "bad_request",
			     "since");
		expect_error("GET", P("%s?until=%s", hp, bad[i]), NULL, 400, "bad_request",
			     "until");
	}
	/*
	 * unix seconds the answer cannot write back as RFC 3339 (after year
	 * 9999), up to past the range of int64: a bad value, not a range of
	 * nulls or 5-digit years
	 */
	static const char *const huge[] = { "253402300800", "100000000000000000",
					    "9223372036854775807", "9223372036854775808",
					    "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++)
		expect_error("GET", P("%s?until=%s", hp, huge[i]), NULL, 400, "bad_request",
			     "until");
	PASS();
}

/* ------------------------------------------------------------ join */

static void test_join(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"protocol_version", "room_id", "room_name", "role",	   "mtu",
		"max_clients",	    "limits",  "quic",	    "server_name", NULL
	};
	struct relayproc_room room = room_with_invites(
		"join", "\"max_clients\":6,\"mtu\":1400,\"limits\":{\"broadcast_pps\":300,"
			"\"bytes_per_s\":9000000}");
	const char *rpath = P("/api/v1/rooms/%lld", (long long)room.id);
	struct http h;

	/* no admin token needed: the code is the credential */
	for (int g = 0; g < 2; g++) {
		join_code(&h, g ? room.gateway.code : room.client.code, NULL);
		want_status(&h, 200);
		want_json_headers(&h);
		want_keys(h.json, NULL, keys);
		want_keys(h.json, "quic", (const char *const[]){ "host", "port", NULL });
		want_keys(h.json, "limits",
			  (const char *const[]){ "broadcast_pps", "bytes_per_s", NULL });
		want_jint(h.json, "protocol_version", 1);
		want_jint(h.json, "room_id", room.id);
		json_t *r = expect_ok(200, "GET", rpath, NULL);
		want_jstr(h.json, "room_name", jstr(r, "name"));
		json_decref(r);
		want_jstr(h.json, "role", g ? "gateway" : "client");
		want_jint(h.json, "mtu", 1400);
		want_jint(h.json, "max_clients", 6);
		want_jint(h.json, "limits.broadcast_pps", 300);
		want_jint(h.json, "limits.bytes_per_s", 9000000);
		want_jstr(h.json, "quic.host", "127.0.0.1");
		want_jint(h.json, "quic.port", relay.quic_port);
		const char *sn = jstr(h.json, "server_name");
		if (!sn || !sn[0])
			JFAIL(h.json, "server_name: expected a name");
		http_free(&h);
	}
	/* the answer follows the room's settings */
	json_decref(expect_ok(200, "PATCH", rpath, "{\"mtu\":1300,\"max_clients\":3}"));
	join_code(&h, room.client.code, NULL);
	want_status(&h, 200);
	want_jint(h.json, "mtu", 1300);
	want_jint(h.json, "max_clients", 3);
	http_free(&h);

	/* 401 bad_code: no code, not a code, no such code, an admin token */
	struct opts none = { .auth = "", .src = fresh_src() };
	http_do(&h, "GET", "/api/v1/join", NULL, &none);
	want_error(&h, 401, "bad_code", "required");
	http_free(&h);
	expect_join_error("abc", 401, "bad_code");
	expect_join_error("not a code at all, with spaces!", 401, "bad_code");
	expect_join_error("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401, "bad_code");
	char off[LP_CODE_MAX + 1];
	snprintf(off, sizeof(off), "%s", room.client.code);
	off[0] = off[0] == 'A' ? 'B' : 'A';
	expect_join_error(off, 401, "bad_code");
	expect_join_error(relay.token, 401, "bad_code");
	struct opts basic = { .auth = "Basic YWRtaW46YWRtaW4=", .src = fresh_src() };
	http_do(&h, "GET", "/api/v1/join", NULL, &basic);
	want_error(&h, 401, "bad_code", NULL);
	http_free(&h);

	/* 403 room_closed: a disabled room, for both codes; open again, admitted again */
	json_decref(expect_ok(200, "PATCH", rpath, "{\"enabled\":false}"));
	expect_join_error(room.client.code, 403, "room_closed");
	expect_join_error(room.gateway.code, 403, "room_closed");
	/* 403 does not count as a failed attempt */
	const char *src = fresh_src();
	for (int i = 0; i < 11; i++) {
		join_code(&h, room.client.code, src);
		want_error(&h, 403, "room_closed", NULL);
		http_free(&h);
	}
	json_decref(expect_ok(200, "PATCH", rpath, "{\"enabled\":true}"));
	join_code(&h, room.client.code, src);
	want_status(&h, 200);
	http_free(&h);
	PASS();
}

/* ------------------------------------------------------------ dashboard */

/*
 * The dashboard's files (docs/dashboard.md): served without a token, with
 * their types, a strict Content-Security-Policy, an ETag that answers 304,
 * and "no-cache" so a new relay build is picked up at once.
 */
static void test_dashboard(void **state)
{
	(void)state;
	static const struct {
		const char *path, *ctype, *needle;
	} files[] = {
		{ "/", "text/html; charset=utf-8", "<script src=\"/app.js\" defer></script>" },
		{ "/app.js", "text/javascript; charset=utf-8", "sessionStorage" },
		{ "/app.css", "text/css; charset=utf-8", "@media (max-width" },
		{ "/favicon.svg", "image/svg+xml", "<svg" },
	};
	static const struct opts anon = { .auth = "" };
	struct http h;
	char inm[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		http_do(&h, "GET", files[i].path, NULL, &anon);
		want_status(&h, 200);
		if (strcmp(h.ctype, files[i].ctype) != 0)
			fail_msg("%s: Content-Type \"%s\"", h.what, h.ctype);
		if (!h.body || !strstr(h.body, files[i].needle))
			fail_msg("%s: body lacks %s", h.what, files[i].needle);
		if (!strstr(h.csp, "default-src 'none'") || !strstr(h.csp, "script-src 'self';") ||
		    !strstr(h.csp, "require-trusted-types-for 'script'") ||
		    strstr(h.csp, "unsafe") || strstr(h.csp, "http"))
			fail_msg("%s: Content-Security-Policy \"%s\"", h.what, h.csp);
		if (strcmp(h.cache, "no-cache") != 0 || strcmp(h.nosniff, "nosniff") != 0 ||
		    strcmp(h.xframe, "DENY") != 0 || strlen(h.etag) != 18 || h.etag[0] != '"')
			fail_msg(
				"%s: Cache-Control \"%s\", nosniff \"%s\", X-Frame-Options \"%s\", "
				"ETag \"%s\"",
				h.what, h.cache, h.nosniff, h.xframe, h.etag);
		/* the same ETag revalidates to 304 without a body; another one does not */
		snprintf(inm, sizeof(inm), "If-None-Match: W/\"x\", %s", h.etag);
		struct opts cond = { .auth = "", .header = inm };
		http_free(&h);
		http_do(&h, "GET", files[i].path, NULL, &cond);
		want_status(&h, 304);
		if (h.len)
			fail_msg("%s: 304 with a body", h.what);
		http_free(&h);
		cond.header = "If-None-Match: \"0000000000000000\"";
		http_do(&h, "GET", files[i].path, NULL, &cond);
		want_status(&h, 200);
		http_free(&h);
	}
	/* a file is only read */
	expect_error("POST", "/", "{}", 405, "method_not_allowed", NULL);
	expect_error("DELETE", "/app.js", NULL, 405, "method_not_allowed", NULL);
	/* the page is public; what it shows needs the token */
	http_do(&h, "GET", "/", NULL, &(struct opts){ .auth = "Bearer wrong-token-0123456789" });
	want_status(&h, 200);
	http_free(&h);
	PASS();
}

/* ------------------------------------------------------------ metrics */

/*
 * run_promtool: write text to a temporary file and run `promtool ARGS FILE`
 * (args may end in "<" to give the file on stdin). Returns promtool's exit
 * status, or -1 when promtool is not on PATH.
 */
static int run_promtool(const char *args, const char *text, size_t len)
{
	char pbuf[4096], tmp[] = "/tmp/lp-promtool-XXXXXX", cmd[4400 + sizeof(tmp)];
	const char *promtool = find_promtool(pbuf, sizeof(pbuf));

	if (!promtool)
		return -1;
	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >&2", promtool, args, tmp);
	int st = system(cmd);
	unlink(tmp);
	return st == -1 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define METRICS_DOC "docs/metrics.md"

/* The whole of a text file (NUL-terminated; free() it), or fail. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open (tests run from the top of the checkout)", path);
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * docs/metrics.md and a scrape agree: every "| `name` | type |" row of its
 * tables is served with that # TYPE, and every # TYPE served has a row.
 */
static void want_metrics_documented(const char *scrape)
{
	char *doc = slurp(METRICS_DOC), line[200];
	size_t rows = 0;

	for (const char *p = doc; (p = strstr(p, "\n| `lanparty_")) != NULL; p++) {
		char name[100], type[20];
		if (sscanf(p, "\n| `%99[a-z_]` | %19[a-z] |", name, type) != 2)
			fail_msg("%s: a metrics row not in the form | `name` | type |: %.60s",
				 METRICS_DOC, p + 1);
		snprintf(line, sizeof(line), "\n# TYPE %s %s\n", name, type);
		if (!strstr(scrape, line))
			fail_msg("%s lists %s as a %s, /metrics does not serve it so", METRICS_DOC,
				 name, type);
		rows++;
	}
	for (const char *p = scrape; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		char name[100];
		if (sscanf(p, "# TYPE %99s", name) != 1)
			fail_msg("/metrics: a bad TYPE line");
		snprintf(line, sizeof(line), "\n| `%s` |", name);
		if (!strstr(doc, line))
			fail_msg("/metrics serves %s, %s does not list it", name, METRICS_DOC);
	}
	if (rows < 20)
		fail_msg("%s: only %zu metrics rows found", METRICS_DOC, rows);
	free(doc);
}

static void test_metrics(void **state)
{
	(void)state;
	static const char *const documented[] = {
		"lanparty_relay_info",
		"lanparty_relay_start_time_seconds",
		"lanparty_relay_connections",
		"lanparty_relay_rooms",
		"lanparty_relay_members",
		"lanparty_relay_handshakes_total",
		"lanparty_relay_handshake_failures_total",
		"lanparty_relay_retries_total",
		"lanparty_relay_stateless_resets_total",
		"lanparty_relay_version_negotiations_total",
		"lanparty_relay_admissions_total",
		"lanparty_relay_rejects_total",
		"lanparty_relay_udp_packets_total",
		"lanparty_relay_udp_bytes_total",
		"lanparty_relay_udp_dropped_total",
		"lanparty_relay_store_errors_total",
		"lanparty_room_info",
		"lanparty_room_members",
		"lanparty_room_frames_total",
		"lanparty_room_bytes_total",
		"lanparty_room_drops_total",
		"lanparty_member_rtt_seconds",
	};
	/*
	 * names that need escaping in a label value: a quote and a backslash;
	 * 64 quotes (the longest name, each byte escaped: 128 bytes in the label)
	 */
	char body[600], esc64[200];
	int64_t id = room_named(uniq("metrics"));
	int64_t q = room_new("{\"name\":\"q\\\"uote\\\\back\"}");
	size_t n = (size_t)snprintf(body, sizeof(body), "{\"name\":\"");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "\\\"");
	snprintf(body + n, sizeof(body) - n, "\"}");
	int64_t q64 = room_new(body);
	struct http h;
	char line[400];

	http_do(&h, "GET", "/metrics", NULL, NULL);
	want_status(&h, 200);
	if (strcmp(h.ctype, "text/plain; version=0.0.4; charset=utf-8") != 0)
		fail_msg("/metrics: Content-Type \"%s\"", h.ctype);
	if (!h.body)
		fail_msg("/metrics: empty");
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++) {
		snprintf(line, sizeof(line), "# TYPE %s ", documented[i]);
		if (!strstr(h.body, line))
			fail_msg("/metrics has no %s", documented[i]);
	}
	snprintf(
		line, sizeof(line),
		"\nlanparty_room_frames_total{room=\"%lld\",direction=\"up\",cast=\"unicast\"} 0\n",
		(long long)id);
	if (!strstr(h.body, line))
		fail_msg("/metrics lacks%s", line);
	snprintf(line, sizeof(line),
		 "\nlanparty_room_info{room=\"%lld\",name=\"q\\\"uote\\\\back\",mtu=\"1500\","
		 "enabled=\"true\"} 1\n",
		 (long long)q);
	if (!strstr(h.body, line))
		fail_msg("/metrics lacks%s", line);
	const char *bad = check_exposition(h.body, h.len);
	if (bad)
		fail_msg("/metrics is not valid exposition format: %s", bad);

	int st = run_promtool("check metrics <", h.body, h.len);
	if (st > 0)
		fail_msg("promtool check metrics failed (status %d)", st);
	if (st < 0)
		fprintf(stderr, "  note: promtool is not on PATH: `promtool check metrics` skipped "
				"(the built-in format check ran)\n");
	want_metrics_documented(h.body);

	/* the admin token is required */
	expect_unauthorized("GET", "/metrics", "", "unauthorized");
	expect_unauthorized("GET", "/metrics", "Bearer wrong-token-0123456789", "unauthorized");

	/* a 64-byte name of characters that each need escaping comes out whole */
	for (int i = 0; i < 64; i++)
		memcpy(esc64 + 2 * i, "\\\"", 2);
	esc64[128] = '\0';
	snprintf(line, sizeof(line), "\nlanparty_room_info{room=\"%lld\",name=\"%s\",",
		 (long long)q64, esc64);
	if (!strstr(h.body, line)) {
		snprintf(line, sizeof(line), "lanparty_room_info{room=\"%lld\",", (long long)q64);
		const char *at = strstr(h.body, line);
		const char *eol = at ? strchr(at, '\n') : NULL;
		fail_msg("/metrics: a 64-byte room name of quotes is not whole in its label: %.*s",
			 eol ? (int)(eol - at) : 0, at ? at : "");
	}
	http_free(&h);
	PASS();
}

/*
 * Every series the metrics promise, and that the relay-wide ones count real
 * events: a room_full reject, handshakes, admissions and members by role,
 * with peers joining over QUIC.
 */
static const char *scrape(struct http *h)
{
	http_do(h, "GET", "/metrics", NULL, NULL);
	want_status(h, 200);
	if (!h->body)
		fail_msg("/metrics: empty");
	return h->body;
}

static void test_metrics_series(void **state)
{
	(void)state;
	struct relayproc_room room = room_with_invites("series", "\"max_clients\":1");
	struct lp_mac amac = mac_n(0x51), bmac = mac_n(0x52);
	struct http h;
	char s[200];

	const char *body = scrape(&h);
	for (int i = 1; i < LP_REJECT__COUNT; i++) {
		snprintf(s, sizeof(s), "lanparty_relay_rejects_total{reason=\"%s\"}",
			 lp_reject_reason_name((enum lp_reject_reason)i));
		if (metric_value(body, s) < 0)
			fail_msg("/metrics lacks %s", s);
	}
	for (int i = 0; i < LP_DROP__COUNT; i++) {
		snprintf(s, sizeof(s), "lanparty_room_drops_total{room=\"%lld\",reason=\"%s\"}",
			 (long long)room.id, lp_drop_name((enum lp_drop)i));
		if (metric_value(body, s) != 0)
			fail_msg("/metrics: %s is not 0 in a new room", s);
	}
	static const char *const fam[] = { "frames", "bytes" };
	for (int f = 0; f < 2; f++)
		for (int d = 0; d < LP_DIR__COUNT; d++)
			for (int k = 0; k < LP_CAST__COUNT; k++) {
				snprintf(s, sizeof(s),
					 "lanparty_room_%s_total{room=\"%lld\",direction=\"%s\","
					 "cast=\"%s\"}",
					 fam[f], (long long)room.id, lp_dir_name((enum lp_dir)d),
					 lp_counters_cast_name((enum lp_cast)k));
				if (metric_value(body, s) != 0)
					fail_msg("/metrics: %s is not 0 in a new room", s);
			}
	double full0 = metric_value(body, "lanparty_relay_rejects_total{reason=\"room_full\"}");
	double hs0 = metric_value(body, "lanparty_relay_handshakes_total");
	double adm0 = metric_value(body, "lanparty_relay_admissions_total{role=\"client\"}");
	double cl0 = metric_value(body, "lanparty_relay_members{role=\"client\"}");
	double gw0 = metric_value(body, "lanparty_relay_members{role=\"gateway\"}");
	http_free(&h);

	/* a gateway and a player join; a second player finds the room full */
	struct peer *gw = join_peer("series-gw", &room.gateway, NULL);
	struct peer *a = join_peer("series-a", &room.client, &amac);
	struct peer_opts o = { .name = "series-b", .has_mac = true, .mac = bmac };
	struct peer *b;
	assert_int_equal(peer_new(&b, "series-b", &room.client, &o), 0);
	CHECK_PEER(peer_wait_answer(b, WAIT_MS), b);
	CHECK_PEER(peer_reject_reason(b) == LP_REJECT_ROOM_FULL, b);

	body = scrape(&h);
	struct {
		const char *series;
		double want;
	} moved[] = {
		{ "lanparty_relay_rejects_total{reason=\"room_full\"}", full0 + 1 },
		{ "lanparty_relay_handshakes_total", hs0 + 3 },
		{ "lanparty_relay_admissions_total{role=\"client\"}", adm0 + 1 },
		{ "lanparty_relay_members{role=\"client\"}", cl0 + 1 },
		{ "lanparty_relay_members{role=\"gateway\"}", gw0 + 1 },
	};
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
		if (metric_value(body, moved[i].series) != moved[i].want)
			fail_msg("/metrics: %s is %g, expected %g", moved[i].series,
				 metric_value(body, moved[i].series), moved[i].want);
	snprintf(s, sizeof(s), "lanparty_room_members{room=\"%lld\",role=\"client\"}",
		 (long long)room.id);
	if (metric_value(body, s) != 1)
		fail_msg("/metrics: %s is %g", s, metric_value(body, s));
	for (unsigned i = 0; i < 2; i++) {
		const struct peer *p = i ? a : gw;
		snprintf(s, sizeof(s),
			 "lanparty_member_rtt_seconds{room=\"%lld\",member=\"%u\",role=\"%s\"}",
			 (long long)room.id, peer_id(p), i ? "client" : "gateway");
		double rtt = metric_value(body, s);
		if (!(rtt > 0 && rtt < 5))
			fail_msg("/metrics: %s is %g", s, rtt);
	}
	http_free(&h);

	/* members leave: the gauges go back, the RTT series go away */
	peer_free(b);
	peer_leave(a);
	peer_leave(gw);
	peer_wait_closed(a, WAIT_MS);
	peer_wait_closed(gw, WAIT_MS);
	peer_pump(QUIET_MS);
	body = scrape(&h);
	if (metric_value(body, "lanparty_relay_members{role=\"client\"}") != cl0 ||
	    metric_value(body, "lanparty_relay_members{role=\"gateway\"}") != gw0)
		fail_msg("/metrics: members did not go back to %g clients, %g gateways", cl0, gw0);
	snprintf(s, sizeof(s), "lanparty_member_rtt_seconds{room=\"%lld\",", (long long)room.id);
	if (strstr(body, s))
		fail_msg("/metrics: an RTT series outlived its member: %s", s);
	http_free(&h);
	peer_free(a);
	peer_free(gw);
	PASS();
}

/* The alert rules in docs/metrics.md (the ```yaml block with "groups:") pass promtool. */
static void test_metrics_doc_rules(void **state)
{
	(void)state;
	char *doc = slurp(METRICS_DOC);
	const char *start = NULL, *end = NULL;

	for (const char *p = doc; (p = strstr(p, "```yaml\n")) != NULL; p++) {
		const char *close = strstr(p + 8, "\n```");
		const char *groups = strstr(p, "\ngroups:");
		if (close && groups && groups < close) {
			start = p + 8;
			end = close + 1;
			break;
		}
	}
	if (!start)
		fail_msg("%s: no ```yaml block with the alert rules (groups:)", METRICS_DOC);
	/* each rule's metric names exist (a typo would make the rule silently never fire) */
	static const char *const used[] = { "lanparty_room_members",
					    "lanparty_relay_rejects_total",
					    "lanparty_relay_handshake_failures_total",
					    "lanparty_room_drops_total",
					    "lanparty_member_rtt_seconds",
					    "lanparty_relay_store_errors_total" };
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		char row[100];
		snprintf(row, sizeof(row), "\n| `%s` |", used[i]);
		if (!strstr(doc, row))
			fail_msg("the alert rules use %s, which is not a documented metric",
				 used[i]);
	}
	int st = run_promtool("check rules", start, (size_t)(end - start));
	if (st > 0)
		fail_msg("promtool check rules on %s failed (status %d)", METRICS_DOC, st);
	if (st < 0)
		fprintf(stderr,
			"  note: promtool is not on PATH: `promtool check rules` skipped\n");
	free(doc);
	PASS();
}

/* ------------------------------------------------------------ 429 */

/*
 * Ten failed attempts a minute per address, admin and join together: the
 * 11th gets 429 with Retry-After, and so does everything else from there,
 * a valid token and a valid code included, except /healthz and the answers
 * that come before the limit (404, 405, 413). Other addresses are not
 * affected. The relay's minute is a CLOCK_MONOTONIC bucket, as ours: a round
 * that straddles two minutes is repeated from a fresh address.
 */
static void test_rate_limit(void **state)
{
	(void)state;
	struct relayproc_room room = room_with_invites("ratelimit", NULL);
	struct http h;

	for (int round = 0; round < 3; round++) {
		char src[16];
		snprintf(src, sizeof(src), "%s", fresh_src());
		uint64_t m0 = mono_minute();
		int fails = 0;
		bool limited = false;

		for (int i = 0; i < 25 && !limited; i++) {
			if (i % 2) {
				join_code(&h, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", src);
			} else {
				struct opts o = { .auth = "Bearer wrong-token-0123456789",
						  .src = src };
				http_do(&h, "GET", "/api/v1/rooms", NULL, &o);
			}
			if (h.status == 429) {
				want_error(&h, 429, "too_many_attempts", NULL);
				if (strcmp(h.retry_after, "60") != 0)
					fail_msg("%s: Retry-After \"%s\"", h.what, h.retry_after);
				limited = true;
			} else {
				want_error(&h, 401, i % 2 ? "bad_code" : "unauthorized", NULL);
				fails++;
			}
			http_free(&h);
		}
		if (!limited)
			fail_msg("no 429 after %d failed attempts", fails);

		/* locked out: a valid token, a valid code */
		struct opts good = { .src = src };
		http_do(&h, "GET", "/api/v1/rooms", NULL, &good);
		long good_status = h.status;
		if (good_status == 429) {
			want_error(&h, 429, "too_many_attempts", NULL);
			if (strcmp(h.retry_after, "60") != 0)
				fail_msg("%s: Retry-After \"%s\"", h.what, h.retry_after);
		}
		http_free(&h);
		join_code(&h, room.client.code, src);
		long join_status = h.status;
		if (join_status == 429)
			want_error(&h, 429, "too_many_attempts", NULL);
		http_free(&h);
		/* never limited: health, and what is answered before the limit */
		struct opts anon = { .auth = "", .src = src };
		http_do(&h, "GET", "/healthz", NULL, &anon);
		want_status(&h, 200);
		http_free(&h);
		http_do(&h, "GET", "/api/v1/nothing", NULL, &good);
		want_error(&h, 404, "not_found", NULL);
		http_free(&h);
		http_do(&h, "PUT", "/api/v1/rooms", NULL, &good);
		want_error(&h, 405, "method_not_allowed", NULL);
		http_free(&h);
		/* another address is not affected */
		json_decref(expect_ok(200, "GET", "/api/v1/rooms", NULL));
		expect_join_ok(room.client.code, room.id, "client");

		if (mono_minute() != m0) {
			fprintf(stderr, "  note: a minute turned during round %d; again\n", round);
			continue;
		}
		if (fails != 10)
			fail_msg("429 after %d failed attempts, expected after 10", fails);
		if (good_status != 429 || join_status != 429)
			fail_msg("locked-out address: valid token -> %ld, valid code -> %ld, "
				 "expected 429 for both",
				 good_status, join_status);
		PASS();
		return;
	}
	fail_msg("every round straddled a minute");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exposition_checker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_create_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_create_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_list_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_patch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_room_name_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_and_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_doc_rules, setup, teardown),
		/* last, though it locks out only an address of its own */
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("api", tests, group_setup, group_teardown);
	if (failed) {
		/*
		 * A failed assertion longjmps past the frees of its test: skip
		 * LeakSanitizer's report of those (exit handlers included).
		 */
		peer_free_all();
		relayproc_cleanup(&relay);
		fflush(NULL);
		_exit(1);
	}
	return 0;
}
