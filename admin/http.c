#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define MAX_SEGMENTS 8
#define FAIL_SLOTS   1024 /* sources tracked for failed attempts; the oldest is reused */

struct route {
	const char *method;
	char *segs[MAX_SEGMENTS]; /* NULL entry = "{param}" */
	size_t n_segs;
	enum lp_http_auth auth;
	bool json_body;
	lp_http_handler fn;
};

struct fail_slot {
	char addr[LP_HTTP_ADDR_MAX];
	uint64_t window; /* minute number of the count */
	uint32_t count;
};

struct lp_http {
	struct lp_http_cfg cfg;
	char *cert_pem;
	char *key_pem;
	struct MHD_Daemon *daemons[LP_HTTP_MAX_DAEMONS];
	size_t n_daemons;
	struct route routes[LP_HTTP_MAX_ROUTES];
	size_t n_routes;
	struct fail_slot fails[FAIL_SLOTS];
	size_t fail_next;
};

/* Per-request state kept by libmicrohttpd between calls of the access handler. */
struct request {
	uint8_t *body;
	size_t len;
	size_t cap;
	bool too_big;
};

static uint64_t now_minute(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec / 60;
}

static struct fail_slot *fail_find(struct lp_http *h, const char *addr, bool create)
{
	for (size_t i = 0; i < FAIL_SLOTS; i++)
		if (h->fails[i].addr[0] && strcmp(h->fails[i].addr, addr) == 0)
			return &h->fails[i];
	if (!create)
		return NULL;
	struct fail_slot *s = &h->fails[h->fail_next];
	h->fail_next = (h->fail_next + 1) % FAIL_SLOTS;
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	s->window = 0;
	s->count = 0;
	return s;
}

bool lp_http_blocked(struct lp_http *h, const char *addr)
{
	struct fail_slot *s = fail_find(h, addr, false);
	return s && s->window == now_minute() && s->count >= h->cfg.fail_rate;
}

void lp_http_note_failure(struct lp_http *h, const char *addr)
{
	struct fail_slot *s = fail_find(h, addr, true);
	uint64_t m = now_minute();
	if (s->window != m) {
		s->window = m;
		s->count = 0;
	}
	if (s->count < UINT32_MAX)
		s->count++;
}

struct lp_http *lp_http_new(const struct lp_http_cfg *cfg)
{
	struct lp_http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->cfg = *cfg;
	if (h->cfg.fail_rate == 0)
		h->cfg.fail_rate = 10;
	if (cfg->tls_cert_pem && lp_http_set_tls(h, cfg->tls_cert_pem, cfg->tls_key_pem) < 0) {
		free(h);
		return NULL;
	}
	return h;
}

void lp_http_del(struct lp_http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_daemons; i++)
		MHD_stop_daemon(h->daemons[i]);
	for (size_t i = 0; i < h->n_routes; i++)
		for (size_t j = 0; j < h->routes[i].n_segs; j++)
			free(h->routes[i].segs[j]);
	free(h->cert_pem);
	free(h->key_pem);
	free(h);
}

int lp_http_set_tls(struct lp_http *h, const char *cert_pem, const char *key_pem)
{
	char *c = strdup(cert_pem), *k = strdup(key_pem);
	if (!c || !k) {
		free(c);
		free(k);
		return LP_ERR_NOMEM;
	}
	free(h->cert_pem);
	free(h->key_pem);
	h->cert_pem = c;
	h->key_pem = k;
	return 0;
}

int lp_http_route(struct lp_http *h, const char *method, const char *pattern,
		  enum lp_http_auth auth, bool json_body, lp_http_handler fn)
{
	if (h->n_routes == LP_HTTP_MAX_ROUTES)
		return LP_ERR_LIMIT;
	if (pattern[0] != '/')
		return LP_ERR_INVALID;
	struct route *r = &h->routes[h->n_routes];
	memset(r, 0, sizeof(*r));
	const char *p = pattern + 1;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (r->n_segs == MAX_SEGMENTS || n == 0)
			goto invalid;
		if (p[0] == '{') {
			if (p[n - 1] != '}')
				goto invalid;
			r->segs[r->n_segs++] = NULL;
		} else {
			char *seg = strndup(p, n);
			if (!seg)
				goto invalid;
			r->segs[r->n_segs++] = seg;
		}
		p += n + (slash ? 1 : 0);
	}
	r->method = method;
	r->auth = auth;
	r->json_body = json_body;
	r->fn = fn;
	h->n_routes++;
	return 0;
invalid:
	for (size_t j = 0; j < r->n_segs; j++)
		free(r->segs[j]);
	return LP_ERR_INVALID;
}

/*
 * Match path against a route. Fills params. Returns true on a match.
 * Parameters point into scratch, a writable copy of the path.
 */
static bool route_match(const struct route *r, char *scratch, struct lp_http_req *req)
{
	char *p = scratch;
	size_t i = 0;
	req->n_params = 0;
	if (*p != '/')
		return false;
	p++;
	if (*p == '\0')
		return r->n_segs == 0;
	for (;;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		if (i == r->n_segs || *p == '\0')
			return false;
		if (r->segs[i]) {
			if (strcmp(r->segs[i], p) != 0)
				return false;
		} else {
			if (req->n_params == LP_HTTP_MAX_PARAMS)
				return false;
			req->params[req->n_params++] = p;
		}
		i++;
		if (!slash)
			break;
		p = slash + 1;
	}
	return i == r->n_segs;
}

int lp_http_error(struct lp_http_resp *resp, unsigned status, const char *code, const char *fmt,
		  ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(resp->json);
	resp->status = status;
	resp->json = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	return 0;
}

int lp_http_add_header(struct lp_http_resp *resp, const char *name, const char *value)
{
	if (resp->n_headers == LP_HTTP_MAX_HEADERS)
		return LP_ERR_LIMIT;
	resp->headers[resp->n_headers][0] = name;
	resp->headers[resp->n_headers][1] = value;
	resp->n_headers++;
	return 0;
}

const char *lp_http_header(const struct lp_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *lp_http_query(const struct lp_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int lp_http_param_id(const struct lp_http_req *req, size_t i, int64_t *out)
{
	if (i >= req->n_params)
		return LP_ERR_INVALID;
	const char *s = req->params[i];
	int64_t v = 0;
	if (!*s || strlen(s) > 15)
		return LP_ERR_INVALID;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return LP_ERR_INVALID;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0)
		return LP_ERR_INVALID;
	*out = v;
	return 0;
}

static void client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, len, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)len);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
		else
			inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	}
}

/*
 * Percent-decoding of the request path that keeps "%00" (and malformed
 * escapes) as they are: libmicrohttpd hands us a NUL-terminated path, and a
 * decoded NUL would cut "/rooms/1%00x" down to "/rooms/1".
 */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *out = s;
	(void)cls;
	(void)c;
	for (const char *in = s; *in;) {
		int hi = in[0] == '%' ? hexval(in[1]) : -1;
		int lo = hi >= 0 ? hexval(in[2]) : -1;
		if (lo >= 0 && (hi | lo) != 0) {
			*out++ = (char)(hi * 16 + lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct lp_http_resp *resp)
{
	struct MHD_Response *r;
	const char *ctype = "application/json";
	if (resp->json) {
		char *text = json_dumps(resp->json, JSON_COMPACT);
		json_decref(resp->json);
		resp->json = NULL;
		if (!text)
			return MHD_NO;
		size_t n = strlen(text);
		/* A trailing newline makes curl output readable. */
		char *body = realloc(text, n + 2);
		if (!body) {
			free(text);
			return MHD_NO;
		}
		body[n] = '\n';
		body[n + 1] = '\0';
		r = MHD_create_response_from_buffer(n + 1, body, MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(body);
	} else if (resp->raw) {
		ctype = resp->content_type ? resp->content_type : "application/octet-stream";
		r = MHD_create_response_from_buffer(resp->raw_len, (void *)(uintptr_t)resp->raw,
						    resp->raw_owned ? MHD_RESPMEM_MUST_FREE
								    : MHD_RESPMEM_PERSISTENT);
		if (!r && resp->raw_owned)
			free((void *)(uintptr_t)resp->raw);
	} else {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO;
	if (resp->status != 204 && resp->status != 304)
		MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control",
				resp->cache_control ? resp->cache_control : "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (resp->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"softlan\"");
	if (resp->status == 429)
		MHD_add_response_header(r, "Retry-After", "60");
	if (resp->allow[0])
		MHD_add_response_header(r, "Allow", resp->allow);
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	enum MHD_Result ret = MHD_queue_response(c, resp->status ? resp->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *bearer_token(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!a || strncasecmp(a, "Bearer ", 7) != 0)
		return NULL;
	a += 7;
	while (*a == ' ')
		a++;
	return *a ? a : NULL;
}

/* The methods routes offer for url, comma-separated, for the Allow header. */
static void allowed_methods(struct lp_http *h, const char *url, char *out, size_t len)
{
	struct lp_http_req req = { 0 };
	char scratch[512];
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < h->n_routes; i++) {
		snprintf(scratch, sizeof(scratch), "%s", url);
		if (!route_match(&h->routes[i], scratch, &req) || strstr(out, h->routes[i].method))
			continue;
		int n = snprintf(out + o, len - o, "%s%s", o ? ", " : "", h->routes[i].method);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

static void dispatch(struct lp_http *h, struct MHD_Connection *c, const char *url,
		     const char *method, struct request *rq, struct lp_http_resp *resp)
{
	struct lp_http_req req = {
		.method = method, .path = url, .conn = c, .token_id = -1, .http = h
	};
	char scratch[512];
	const struct route *match = NULL;
	bool path_known = false;

	client_addr(c, req.client_addr, sizeof(req.client_addr));
	if (strlen(url) >= sizeof(scratch)) {
		lp_http_error(resp, 404, "not_found", "no such path");
		return;
	}
	for (size_t i = 0; i < h->n_routes && !match; i++) {
		snprintf(scratch, sizeof(scratch), "%s", url);
		if (!route_match(&h->routes[i], scratch, &req))
			continue;
		path_known = true;
		if (strcmp(h->routes[i].method, method) == 0)
			match = &h->routes[i];
	}
	if (!match) {
		if (path_known) {
			lp_http_error(resp, 405, "method_not_allowed", "%s is not allowed here",
				      method);
			allowed_methods(h, url, resp->allow, sizeof(resp->allow));
		} else
			lp_http_error(resp, 404, "not_found", "no such path");
		return;
	}
	if (rq->too_big) {
		lp_http_error(resp, 413, "body_too_large", "request body over %d bytes",
			      LP_HTTP_MAX_BODY);
		return;
	}
	req.bearer = bearer_token(c);
	if (match->auth == LP_HTTP_ADMIN) {
		if (lp_http_blocked(h, req.client_addr)) {
			lp_http_error(resp, 429, "too_many_attempts",
				      "too many failed attempts from this address; wait a minute");
			return;
		}
		req.token_id = req.bearer ? h->cfg.auth(h->cfg.ctx, req.bearer) : -1;
		if (req.token_id < 0) {
			lp_http_note_failure(h, req.client_addr);
			log_info("api_auth_failed addr=%s path=%s", req.client_addr, url);
			lp_http_error(resp, 401, "unauthorized",
				      req.bearer ? "invalid admin token"
						 : "an admin token is required (Authorization: "
						   "Bearer TOKEN)");
			return;
		}
	}
	req.body = rq->body;
	req.body_len = rq->len;
	if (match->json_body) {
		json_error_t jerr;
		if (rq->len == 0) {
			lp_http_error(resp, 400, "bad_request", "a JSON object body is required");
			return;
		}
		req.json =
			json_loadb((const char *)rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
		if (!req.json) {
			lp_http_error(resp, 400, "bad_json",
				      "body is not valid JSON: %s at line %d", jerr.text,
				      jerr.line);
			return;
		}
		if (!json_is_object(req.json)) {
			json_decref(req.json);
			lp_http_error(resp, 400, "bad_json", "body must be a JSON object");
			return;
		}
	}
	match->fn(h->cfg.ctx, &req, resp);
	json_decref(req.json);
	if (!resp->status)
		lp_http_error(resp, 500, "internal_error", "handler gave no answer");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct lp_http *h = cls;
	struct request *rq = *con_cls;
	(void)version;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (rq->too_big || rq->len + n > LP_HTTP_MAX_BODY) {
			rq->too_big = true; /* keep reading, answer 413 at the end */
			return MHD_YES;
		}
		if (rq->len + n > rq->cap) {
			size_t cap = rq->cap ? rq->cap : 1024;
			while (cap < rq->len + n)
				cap *= 2;
			uint8_t *b = realloc(rq->body, cap);
			if (!b)
				return MHD_NO;
			rq->body = b;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload_data, n);
		rq->len += n;
		return MHD_YES;
	}
	struct lp_http_resp resp = { 0 };
	dispatch(h, c, url, method, rq, &resp);
	return send_resp(c, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

int lp_http_listen(struct lp_http *h, int fd, bool tls)
{
	if (h->n_daemons == LP_HTTP_MAX_DAEMONS) {
		close(fd);
		return LP_ERR_LIMIT;
	}
	if (tls && (!h->cert_pem || !h->key_pem)) {
		close(fd);
		return LP_ERR_INVALID;
	}
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, h->key_pem },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
		  (void *)(uintptr_t) "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3" },
		{ MHD_OPTION_END, 0, NULL },
	};
	struct MHD_OptionItem no_opts[] = { { MHD_OPTION_END, 0, NULL } };
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_UNESCAPE_CALLBACK,
		unescape, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
		MHD_OPTION_ARRAY, tls ? tls_opts : no_opts, MHD_OPTION_END);
	if (!d) {
		close(fd);
		return LP_ERR_INVALID;
	}
	h->daemons[h->n_daemons++] = d;
	return 0;
}

size_t lp_http_fds(const struct lp_http *h, int *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n_daemons && n < max; i++) {
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(h->daemons[i], MHD_DAEMON_INFO_EPOLL_FD);
		if (di)
			fds[n++] = di->epoll_fd;
	}
	return n;
}

void lp_http_run(struct lp_http *h)
{
	for (size_t i = 0; i < h->n_daemons; i++)
		MHD_run(h->daemons[i]);
}

int64_t lp_http_timeout_ms(struct lp_http *h)
{
	int64_t best = -1;
	for (size_t i = 0; i < h->n_daemons; i++) {
		MHD_UNSIGNED_LONG_LONG t;
		if (MHD_get_timeout(h->daemons[i], &t) == MHD_YES) {
			int64_t v = t > INT64_MAX ? INT64_MAX : (int64_t)t;
			if (best < 0 || v < best)
				best = v;
		}
	}
	return best;
}
