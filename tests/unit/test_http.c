/*
 * Unit tests for admin/http.c: real HTTP on loopback through libcurl. The
 * daemon runs in a helper thread that polls its epoll descriptor, as the
 * relay's loop does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "http.h"

static struct lp_http *http;
static pthread_t thread;
static atomic_bool stop;
static unsigned port;
static int handler_calls;

static int64_t auth(void *ctx, const char *token)
{
	(void)ctx;
	return strcmp(token, "good-token") == 0 ? 42 : -1;
}

static int h_hello(void *ctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	(void)ctx;
	handler_calls++;
	resp->status = 200;
	resp->json = json_pack("{s:s,s:I}", "hello", "world", "token", (json_int_t)req->token_id);
	return 0;
}

static int h_item(void *ctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	(void)ctx;
	int64_t id;
	if (lp_http_param_id(req, 0, &id) < 0)
		return lp_http_error(resp, 400, "bad_id", "bad id '%s'", req->params[0]);
	const char *q = lp_http_query(req, "q");
	resp->status = 200;
	resp->json = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "sub", req->params[1], "q",
			       q ? q : "");
	return 0;
}

static int h_echo(void *ctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	(void)ctx;
	resp->status = 201;
	resp->json = json_incref(req->json);
	return 0;
}

static void *serve(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int fds[4];
		size_t n = lp_http_fds(http, fds, 4);
		struct pollfd p[4];
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		poll(p, n, 20);
		lp_http_run(http);
	}
	return NULL;
}

static int listen_loopback(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	return fd;
}

static int setup(void **state)
{
	(void)state;
	struct lp_http_cfg cfg = { .auth = auth, .fail_rate = 5 };
	http = lp_http_new(&cfg);
	assert_non_null(http);
	assert_int_equal(lp_http_route(http, "GET", "/hello", LP_HTTP_PUBLIC, false, h_hello), 0);
	assert_int_equal(lp_http_route(http, "GET", "/admin", LP_HTTP_ADMIN, false, h_hello), 0);
	assert_int_equal(
		lp_http_route(http, "GET", "/items/{id}/{sub}", LP_HTTP_PUBLIC, false, h_item), 0);
	assert_int_equal(lp_http_route(http, "POST", "/echo", LP_HTTP_PUBLIC, true, h_echo), 0);
	assert_int_equal(lp_http_route(http, "GET", "bad", LP_HTTP_PUBLIC, false, h_echo),
			 LP_ERR_INVALID);
	assert_int_equal(lp_http_listen(http, listen_loopback(), false), 0);
	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&thread, NULL, serve, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	atomic_store(&stop, true);
	pthread_join(thread, NULL);
	lp_http_del(http);
	return 0;
}

struct reply {
	long status;
	char body[8192];
	size_t len;
};

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	struct reply *r = ud;
	size_t k = sz * n;
	if (r->len + k >= sizeof(r->body))
		k = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return sz * n;
}

static void request(const char *method, const char *path, const char *token, const char *body,
		    size_t body_len, struct reply *r)
{
	char url[256], hdr[128];
	CURL *c = curl_easy_init();
	struct curl_slist *hs = NULL;
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (token) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
		hs = curl_slist_append(hs, hdr);
	}
	if (body) {
		hs = curl_slist_append(hs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
}

static void assert_error(const struct reply *r, long status, const char *code)
{
	assert_int_equal(r->status, status);
	json_t *j = json_loads(r->body, 0, NULL);
	assert_non_null(j);
	const char *got = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	assert_non_null(got);
	assert_string_equal(got, code);
	assert_non_null(json_string_value(json_object_get(json_object_get(j, "error"), "message")));
	json_decref(j);
}

static void test_public_route(void **state)
{
	(void)state;
	struct reply r;
	request("GET", "/hello", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"hello\":\"world\",\"token\":-1}\n");
}

static void test_not_found_and_method(void **state)
{
	(void)state;
	struct reply r;
	request("GET", "/nope", NULL, NULL, 0, &r);
	assert_error(&r, 404, "not_found");
	request("GET", "/hello/extra", NULL, NULL, 0, &r);
	assert_error(&r, 404, "not_found");
	request("DELETE", "/hello", NULL, NULL, 0, &r);
	assert_error(&r, 405, "method_not_allowed");
	request("GET", "/items/1", NULL, NULL, 0, &r);
	assert_error(&r, 404, "not_found");
}

static void test_params_and_query(void **state)
{
	(void)state;
	struct reply r;
	request("GET", "/items/17/abc?q=x%20y", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"id\":17,\"sub\":\"abc\",\"q\":\"x y\"}\n");
	request("GET", "/items/-1/abc", NULL, NULL, 0, &r);
	assert_error(&r, 400, "bad_id");
	request("GET", "/items/0/abc", NULL, NULL, 0, &r);
	assert_error(&r, 400, "bad_id");
	request("GET", "/items/99999999999999999999/abc", NULL, NULL, 0, &r);
	assert_error(&r, 400, "bad_id");
}

static void test_auth(void **state)
{
	(void)state;
	struct reply r;
	handler_calls = 0;
	request("GET", "/admin", "good-token", NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"hello\":\"world\",\"token\":42}\n");
	request("GET", "/admin", NULL, NULL, 0, &r);
	assert_error(&r, 401, "unauthorized");
	request("GET", "/admin", "bad-token", NULL, 0, &r);
	assert_error(&r, 401, "unauthorized");
	assert_int_equal(handler_calls, 1);
}

static void test_json_body(void **state)
{
	(void)state;
	struct reply r;
	request("POST", "/echo", NULL, "{\"a\":1}", 7, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "{\"a\":1}\n");
	request("POST", "/echo", NULL, "{\"a\":", 5, &r);
	assert_error(&r, 400, "bad_json");
	request("POST", "/echo", NULL, "[1,2]", 5, &r);
	assert_error(&r, 400, "bad_json");
	request("POST", "/echo", NULL, "{\"a\":1,\"a\":2}", 13, &r);
	assert_error(&r, 400, "bad_json");
	request("POST", "/echo", NULL, "", 0, &r);
	assert_error(&r, 400, "bad_request");
}

static void test_body_limit(void **state)
{
	(void)state;
	struct reply r;
	size_t n = LP_HTTP_MAX_BODY + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	request("POST", "/echo", NULL, big, n, &r);
	assert_error(&r, 413, "body_too_large");
	/* just under the limit is accepted */
	request("POST", "/echo", NULL, big, LP_HTTP_MAX_BODY - 1, &r);
	assert_error(&r, 400, "bad_json");
	free(big);
}

/* Runs last: it blocks 127.0.0.1 for the rest of the minute. */
static void test_failed_auth_rate_limit(void **state)
{
	(void)state;
	struct reply r;
	/* test_auth already failed twice from 127.0.0.1; fail_rate is 5 */
	for (int i = 0; i < 3; i++) {
		request("GET", "/admin", "wrong", NULL, 0, &r);
		assert_error(&r, 401, "unauthorized");
	}
	request("GET", "/admin", "good-token", NULL, 0, &r);
	assert_error(&r, 429, "too_many_attempts");
	/* public routes stay reachable */
	request("GET", "/hello", NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
}

static void test_failure_table(void **state)
{
	(void)state;
	struct lp_http_cfg cfg = { .auth = auth, .fail_rate = 2 };
	struct lp_http *h = lp_http_new(&cfg);
	assert_false(lp_http_blocked(h, "10.0.0.1"));
	lp_http_note_failure(h, "10.0.0.1");
	assert_false(lp_http_blocked(h, "10.0.0.1"));
	lp_http_note_failure(h, "10.0.0.1");
	assert_true(lp_http_blocked(h, "10.0.0.1"));
	assert_false(lp_http_blocked(h, "10.0.0.2"));
	/* many sources: the table reuses its oldest slots, never grows */
	char a[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", i);
		lp_http_note_failure(h, a);
	}
	assert_false(lp_http_blocked(h, "10.0.0.1"));
	lp_http_del(h);
	lp_http_del(NULL);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_route),
		cmocka_unit_test(test_not_found_and_method),
		cmocka_unit_test(test_params_and_query),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_failed_auth_rate_limit),
		cmocka_unit_test(test_failure_table),
	};
	int r = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return r;
}
