/* Admin tokens: create (shown once), list by prefix, revoke. */
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "err.h"

static json_t *token_json(const struct lp_token_view *t)
{
	return json_pack("{s:I,s:s,s:s,s:o,s:o}", "id", (json_int_t)t->id, "name", t->name,
			 "prefix", t->prefix, "created_at", lp_admin_time(t->created_at),
			 "last_used_at", lp_admin_time(t->last_used_at));
}

static int h_create(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	static const char *const keys[] = { "name", NULL };
	char name[LP_API_NAME_MAX] = "";
	char token[LP_API_TOKEN_MAX];
	struct lp_token_view view;
	if (lp_admin_only_keys(req->json, keys, resp) < 0)
		return 0;
	int r = lp_admin_get_str(req->json, "name", name, sizeof(name), resp);
	if (r < 0)
		return 0;
	if (r == 0)
		return lp_http_error(resp, 422, "invalid", "name: required");
	r = a->ops->token_create(a->ctx, name, &view, token, sizeof(token));
	if (r < 0)
		return lp_admin_fail(resp, r, "token", NULL);
	resp->status = 201;
	resp->json = token_json(&view);
	json_object_set_new(resp->json, "token", json_string(token));
	memset(token, 0, sizeof(token));
	return 0;
}

static int h_list(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_token_view *ts = NULL;
	size_t n = 0;
	(void)req;
	int r = a->ops->token_list(a->ctx, &ts, &n);
	if (r < 0)
		return lp_admin_fail(resp, r, "tokens", NULL);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, token_json(&ts[i]));
	free(ts);
	resp->status = 200;
	resp->json = json_pack("{s:o}", "tokens", arr);
	return 0;
}

static int h_revoke(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	int64_t id;
	if (lp_http_param_id(req, 0, &id) < 0)
		return lp_http_error(resp, 404, "not_found", "no token '%s'", req->params[0]);
	int r = a->ops->token_revoke(a->ctx, id);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such token", NULL);
	resp->status = 204;
	return 0;
}

int lp_admin_tokens_register(struct lp_admin *a)
{
	struct lp_http *h = a->http;
	if (lp_http_route(h, "POST", "/api/v1/tokens", LP_HTTP_ADMIN, true, h_create) < 0 ||
	    lp_http_route(h, "GET", "/api/v1/tokens", LP_HTTP_ADMIN, false, h_list) < 0 ||
	    lp_http_route(h, "DELETE", "/api/v1/tokens/{id}", LP_HTTP_ADMIN, false, h_revoke) < 0)
		return LP_ERR_LIMIT;
	return 0;
}
