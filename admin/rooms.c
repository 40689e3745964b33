/* Rooms: create, list, show, update, delete, rotate codes. */
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "err.h"

static json_t *room_json(const struct lp_room_view *r)
{
	const struct lp_room_spec *s = &r->spec;
	return json_pack("{s:I,s:s,s:i,s:i,s:{s:i,s:I},s:b,s:o,s:o,s:{s:i,s:b},s:{s:I,s:I},s:I}",
			 "id", (json_int_t)r->id, "name", s->name, "max_clients",
			 (int)s->max_clients, "mtu", (int)s->mtu, "limits", "broadcast_pps",
			 (int)s->bcast_pps, "bytes_per_s", (json_int_t)s->bytes_per_s, "enabled",
			 s->enabled, "expires_at", lp_admin_time(s->expires_at), "created_at",
			 lp_admin_time(r->created_at), "online", "clients", (int)r->clients_online,
			 "gateway", r->gateway_online, "traffic", "up_bytes",
			 (json_int_t)r->up_bytes, "down_bytes", (json_int_t)r->down_bytes, "drops",
			 (json_int_t)r->drops);
}

static json_t *invites_json(const struct lp_invites *inv)
{
	json_t *o = json_object();
	if (inv->client[0])
		json_object_set_new(o, "client", json_string(inv->client));
	if (inv->gateway[0])
		json_object_set_new(o, "gateway", json_string(inv->gateway));
	return o;
}

/* Read a room spec from a request body; for a create, fill in the defaults. */
static int read_spec(json_t *body, bool create, struct lp_room_spec *s, struct lp_http_resp *resp)
{
	static const char *const keys[] = { "name",    "max_clients", "mtu",	    "limits",
					    "enabled", "expires_at",  "expires_in", NULL };
	static const char *const limit_keys[] = { "broadcast_pps", "bytes_per_s", NULL };
	uint64_t v;
	int r;

	memset(s, 0, sizeof(*s));
	if (lp_admin_only_keys(body, keys, resp) < 0)
		return -1;
	if ((r = lp_admin_get_str(body, "name", s->name, sizeof(s->name), resp)) < 0)
		return -1;
	s->has_name = r;
	if (create && !s->has_name) {
		lp_http_error(resp, 422, "invalid", "name: required");
		return -1;
	}
	if ((r = lp_admin_get_uint(body, "max_clients", 1, 255, &v, resp)) < 0)
		return -1;
	s->has_max_clients = r;
	s->max_clients = r ? (uint32_t)v : 16;
	if ((r = lp_admin_get_uint(body, "mtu", 1280, 9000, &v, resp)) < 0)
		return -1;
	s->has_mtu = r;
	s->mtu = r ? (uint32_t)v : 1500;
	json_t *limits = json_object_get(body, "limits");
	if (limits) {
		if (!json_is_object(limits)) {
			lp_http_error(resp, 422, "invalid", "limits: must be an object");
			return -1;
		}
		if (lp_admin_only_keys(limits, limit_keys, resp) < 0)
			return -1;
		if ((r = lp_admin_get_uint(limits, "broadcast_pps", 0, 1000000, &v, resp)) < 0)
			return -1;
		s->has_bcast_pps = r;
		s->bcast_pps = r ? (uint32_t)v : 0;
		if ((r = lp_admin_get_uint(limits, "bytes_per_s", 0, 4000000000ull, &v, resp)) < 0)
			return -1;
		s->has_bytes_per_s = r;
		s->bytes_per_s = r ? v : 0;
	}
	if (create && !s->has_bcast_pps) {
		s->bcast_pps = 1000; /* generous for games, stops a broadcast storm */
		s->has_bcast_pps = true;
	}
	if ((r = lp_admin_get_bool(body, "enabled", &s->enabled, resp)) < 0)
		return -1;
	s->has_enabled = r;
	if (!r)
		s->enabled = true;
	if ((r = lp_admin_get_time(body, "expires_at", &s->expires_at, resp)) < 0)
		return -1;
	s->has_expires_at = r;
	if ((r = lp_admin_get_uint(body, "expires_in", 60, 366ull * 86400, &v, resp)) < 0)
		return -1;
	if (r) {
		if (s->has_expires_at) {
			lp_http_error(resp, 422, "invalid",
				      "give expires_at or expires_in, not both");
			return -1;
		}
		s->expires_at = lp_admin_now() + (int64_t)v;
		s->has_expires_at = true;
	}
	if (create) {
		s->has_max_clients = s->has_mtu = s->has_bytes_per_s = s->has_enabled = true;
		s->has_expires_at = true;
	}
	return 0;
}

static int h_create(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_room_spec spec;
	struct lp_room_view view;
	struct lp_invites inv = { { 0 }, { 0 } };
	char msg[256] = "";
	if (read_spec(req->json, true, &spec, resp) < 0)
		return 0;
	int r = a->ops->room_create(a->ctx, &spec, &view, &inv, msg, sizeof(msg));
	if (r < 0)
		return lp_admin_fail(resp, r, "room", msg);
	resp->status = 201;
	resp->json = room_json(&view);
	json_object_set_new(resp->json, "invites", invites_json(&inv));
	return 0;
}

static int h_list(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_room_view *rooms = NULL;
	size_t n = 0;
	(void)req;
	int r = a->ops->room_list(a->ctx, &rooms, &n);
	if (r < 0)
		return lp_admin_fail(resp, r, "rooms", NULL);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, room_json(&rooms[i]));
	free(rooms);
	resp->status = 200;
	resp->json = json_pack("{s:o}", "rooms", arr);
	return 0;
}

static int room_id(struct lp_http_req *req, struct lp_http_resp *resp, int64_t *id)
{
	if (lp_http_param_id(req, 0, id) < 0) {
		lp_http_error(resp, 404, "not_found", "no room '%s'", req->params[0]);
		return -1;
	}
	return 0;
}

static int h_get(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_room_view view;
	int64_t id;
	if (room_id(req, resp, &id) < 0)
		return 0;
	int r = a->ops->room_get(a->ctx, id, &view);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	resp->status = 200;
	resp->json = room_json(&view);
	return 0;
}

static int h_update(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_room_spec spec;
	struct lp_room_view view;
	char msg[256] = "";
	int64_t id;
	if (room_id(req, resp, &id) < 0 || read_spec(req->json, false, &spec, resp) < 0)
		return 0;
	int r = a->ops->room_update(a->ctx, id, &spec, &view, msg, sizeof(msg));
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", msg);
	resp->status = 200;
	resp->json = room_json(&view);
	return 0;
}

static int h_delete(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	int64_t id;
	if (room_id(req, resp, &id) < 0)
		return 0;
	int r = a->ops->room_delete(a->ctx, id);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	resp->status = 204;
	return 0;
}

static int h_rotate(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_invites inv = { { 0 }, { 0 } };
	int64_t id;
	bool client = true, gateway = true;
	if (room_id(req, resp, &id) < 0)
		return 0;
	/* ?role=client or ?role=gateway rotates one; default both */
	const char *role = lp_http_query(req, "role");
	if (role) {
		if (strcmp(role, "client") == 0)
			gateway = false;
		else if (strcmp(role, "gateway") == 0)
			client = false;
		else
			return lp_http_error(resp, 422, "invalid",
					     "role: must be client or gateway");
	}
	int r = a->ops->room_rotate(a->ctx, id, client, gateway, &inv);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	resp->status = 200;
	resp->json = json_pack("{s:o}", "invites", invites_json(&inv));
	return 0;
}

int lp_admin_rooms_register(struct lp_admin *a)
{
	struct lp_http *h = a->http;
	const char *one = "/api/v1/rooms/{id}";
	if (lp_http_route(h, "POST", "/api/v1/rooms", LP_HTTP_ADMIN, true, h_create) < 0 ||
	    lp_http_route(h, "GET", "/api/v1/rooms", LP_HTTP_ADMIN, false, h_list) < 0 ||
	    lp_http_route(h, "GET", one, LP_HTTP_ADMIN, false, h_get) < 0 ||
	    lp_http_route(h, "PATCH", one, LP_HTTP_ADMIN, true, h_update) < 0 ||
	    lp_http_route(h, "DELETE", one, LP_HTTP_ADMIN, false, h_delete) < 0 ||
	    lp_http_route(h, "POST", "/api/v1/rooms/{id}/rotate-codes", LP_HTTP_ADMIN, false,
			  h_rotate) < 0)
		return LP_ERR_LIMIT;
	return 0;
}
