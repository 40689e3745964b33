/*
 * The dashboard's static files (admin/dashboard/), embedded into the relay by
 * mk/dashboard.mk and served at / without authentication: the page holds no
 * data; everything it shows comes from the API with the token the person
 * types in.
 *
 * Each file carries a strong ETag (a hash of its bytes) and "no-cache", so a
 * browser revalidates on every load and gets 304 while the relay is the same
 * build. The Content-Security-Policy allows scripts, styles and fetches from
 * the relay itself only, no inline script or style and no DOM sinks that take
 * strings (Trusted Types): the dashboard builds its DOM with textContent.
 */
#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "err.h"

extern const unsigned char lp_dash_index_html[], lp_dash_app_js[], lp_dash_app_css[],
	lp_dash_favicon_svg[];
extern const size_t lp_dash_index_html_len, lp_dash_app_js_len, lp_dash_app_css_len,
	lp_dash_favicon_svg_len;

#define DASH_CSP                                                                                   \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "        \
	"require-trusted-types-for 'script'; trusted-types 'none'"

struct asset {
	const char *path;
	const char *type;
	const unsigned char *data;
	const size_t *len;
	char etag[20]; /* "\"" + 16 hex digits + "\"", filled at registration */
};

static struct asset assets[] = {
	{ "/", "text/html; charset=utf-8", lp_dash_index_html, &lp_dash_index_html_len, "" },
	{ "/app.js", "text/javascript; charset=utf-8", lp_dash_app_js, &lp_dash_app_js_len, "" },
	{ "/app.css", "text/css; charset=utf-8", lp_dash_app_css, &lp_dash_app_css_len, "" },
	{ "/favicon.svg", "image/svg+xml", lp_dash_favicon_svg, &lp_dash_favicon_svg_len, "" },
};

/* FNV-1a, 64 bits: not for security, only to tell builds of a file apart. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* If-None-Match holds tag (alone, in a list, or weak), or is "*". */
static bool etag_matches(const char *inm, const char *tag)
{
	size_t n = strlen(tag);
	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	for (const char *p = strstr(inm, tag); p; p = strstr(p + 1, tag)) {
		char after = p[n];
		if (after == '\0' || after == ',' || after == ' ')
			return true;
	}
	return false;
}

static int h_asset(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	(void)hctx;
	const struct asset *a = NULL;
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]) && !a; i++)
		if (strcmp(assets[i].path, req->path) == 0)
			a = &assets[i];
	if (!a)
		return lp_http_error(resp, 404, "not_found", "no such path");
	resp->cache_control = "no-cache";
	lp_http_add_header(resp, "ETag", a->etag);
	lp_http_add_header(resp, "Content-Security-Policy", DASH_CSP);
	lp_http_add_header(resp, "Referrer-Policy", "no-referrer");
	lp_http_add_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	lp_http_add_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	if (etag_matches(lp_http_header(req, "If-None-Match"), a->etag)) {
		resp->status = 304;
		resp->raw = "";
		resp->raw_len = 0;
		return 0;
	}
	resp->status = 200;
	resp->content_type = a->type;
	resp->raw = a->data;
	resp->raw_len = *a->len;
	return 0;
}

int lp_admin_dashboard_register(struct lp_admin *a)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		struct asset *s = &assets[i];
		snprintf(s->etag, sizeof(s->etag), "\"%016llx\"",
			 (unsigned long long)fnv1a(s->data, *s->len));
		if (lp_http_route(a->http, "GET", s->path, LP_HTTP_PUBLIC, false, h_asset) < 0)
			return LP_ERR_LIMIT;
	}
	return 0;
}
