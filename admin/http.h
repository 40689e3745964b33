/*
 * http.h: the admin API's HTTP layer: libmicrohttpd run from the relay's own
 * event loop (no thread of its own), a small router, JSON bodies with a size
 * limit, bearer-token authentication, and errors in one JSON shape:
 *
 *     {"error":{"code":"not_found","message":"no room 7"}}
 *
 * The layer knows nothing of rooms: resources register routes (admin/api.c).
 */
#ifndef LP_ADMIN_HTTP_H
#define LP_ADMIN_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_HTTP_MAX_BODY    (64 * 1024) /* larger bodies get 413 */
#define LP_HTTP_MAX_PARAMS  4
#define LP_HTTP_MAX_ROUTES  48
#define LP_HTTP_MAX_DAEMONS 4
#define LP_HTTP_ADDR_MAX    64
#define LP_HTTP_MAX_HEADERS 6 /* extra response headers a handler may add */

struct lp_http;
struct MHD_Connection;

struct lp_http_req {
	const char *method;
	const char *path;
	const char *params[LP_HTTP_MAX_PARAMS]; /* the {name} segments of the route, in order */
	size_t n_params;
	const uint8_t *body;
	size_t body_len;
	json_t *json;			    /* the parsed body, when the route takes JSON */
	char client_addr[LP_HTTP_ADDR_MAX]; /* the peer's IP address, no port */
	int64_t token_id;		    /* the authenticated admin token, or -1 */
	const char *bearer;		    /* raw bearer token (never log it), or NULL */
	struct MHD_Connection *conn;
	struct lp_http *http;
};

struct lp_http_resp {
	unsigned status;
	json_t *json;		  /* owned by the response; serialised compactly */
	const char *content_type; /* for raw bodies */
	const void *raw;	  /* static or owned (raw_owned) bytes instead of json */
	size_t raw_len;
	bool raw_owned; /* free(raw) after sending */
	const char *cache_control;
	char allow[64]; /* Allow header of a 405 */
	/* Extra headers (name, value), static strings: see lp_http_add_header(). */
	const char *headers[LP_HTTP_MAX_HEADERS][2];
	size_t n_headers;
};

/* A route's handler: fill resp (status, json or raw). Return 0. */
typedef int (*lp_http_handler)(void *ctx, struct lp_http_req *req, struct lp_http_resp *resp);

enum lp_http_auth {
	LP_HTTP_PUBLIC = 0, /* no token */
	LP_HTTP_ADMIN,	    /* a valid admin bearer token */
};

/*
 * Authentication hook, implemented by the relay: return the token id (>= 0)
 * for a valid admin token, or a negative value.
 */
typedef int64_t (*lp_http_auth_fn)(void *ctx, const char *token);

struct lp_http_cfg {
	lp_http_auth_fn auth;
	void *ctx;		  /* passed to auth and to every handler */
	uint32_t fail_rate;	  /* failed authentications allowed per source per minute */
	const char *tls_cert_pem; /* for https listeners */
	const char *tls_key_pem;
};

/* lp_http_new: an HTTP layer with no listener yet. Returns NULL on allocation failure. */
struct lp_http *lp_http_new(const struct lp_http_cfg *cfg);

/* lp_http_del: stop every daemon and free everything. NULL-safe. */
void lp_http_del(struct lp_http *h);

/*
 * lp_http_route: register a handler for METHOD and a path pattern whose
 * segments are literal or "{name}", e.g. "/api/v1/rooms/{id}". json_body:
 * the body must be a JSON object (400 otherwise). Returns 0, or LP_ERR_LIMIT
 * when LP_HTTP_MAX_ROUTES are registered, LP_ERR_INVALID for a bad pattern.
 */
int lp_http_route(struct lp_http *h, const char *method, const char *pattern,
		  enum lp_http_auth auth, bool json_body, lp_http_handler fn);

/*
 * lp_http_listen: serve on an already bound and listening TCP socket (the
 * relay binds before dropping privileges, and reports busy ports itself).
 * tls: serve HTTPS with the configured certificate. Takes ownership of fd.
 * Returns 0, LP_ERR_LIMIT, or LP_ERR_INVALID when libmicrohttpd refuses.
 */
int lp_http_listen(struct lp_http *h, int fd, bool tls);

/*
 * lp_http_set_tls: replace the certificate for daemons started from now on
 * (SIGHUP reload). The strings are copied. Returns 0 or LP_ERR_NOMEM.
 */
int lp_http_set_tls(struct lp_http *h, const char *cert_pem, const char *key_pem);

/* lp_http_fds: the epoll descriptors to watch for reading, one per daemon. Returns the count. */
size_t lp_http_fds(const struct lp_http *h, int *fds, size_t max);

/* lp_http_run: let every daemon do its pending work (call when a fd is readable or on timeout). */
void lp_http_run(struct lp_http *h);

/* lp_http_timeout_ms: how long the loop may sleep before lp_http_run, or -1 for no limit. */
int64_t lp_http_timeout_ms(struct lp_http *h);

/*
 * lp_http_error: set resp to {"error":{"code":code,"message":...}} with the
 * given status. Returns 0 so handlers can `return lp_http_error(...)`.
 */
int lp_http_error(struct lp_http_resp *resp, unsigned status, const char *code, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

/*
 * Failed attempts per source address (bad admin tokens, bad room codes):
 * lp_http_note_failure counts one; lp_http_blocked is true once a source has
 * fail_rate failures within the current minute. Admin routes check it
 * themselves; other handlers (join) call both.
 */
void lp_http_note_failure(struct lp_http *h, const char *addr);
bool lp_http_blocked(struct lp_http *h, const char *addr);

/*
 * lp_http_add_header: add a response header. name and value must outlive the
 * response (static strings). Returns 0, or LP_ERR_LIMIT when
 * LP_HTTP_MAX_HEADERS are set already.
 */
int lp_http_add_header(struct lp_http_resp *resp, const char *name, const char *value);

/* lp_http_header: the value of request header name (case-insensitive), or NULL. */
const char *lp_http_header(const struct lp_http_req *req, const char *name);

/* lp_http_query: the value of query parameter name, or NULL. */
const char *lp_http_query(const struct lp_http_req *req, const char *name);

/* lp_http_param_id: parse params[i] as a positive integer id. Returns 0 or LP_ERR_INVALID. */
int lp_http_param_id(const struct lp_http_req *req, size_t i, int64_t *out);

#endif
