/* Live members of a room (list, kick) and bans (add, list, delete). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "err.h"

static int ids(struct lp_http_req *req, struct lp_http_resp *resp, int64_t *room, int64_t *sub)
{
	if (lp_http_param_id(req, 0, room) < 0) {
		lp_http_error(resp, 404, "not_found", "no room '%s'", req->params[0]);
		return -1;
	}
	if (sub && lp_http_param_id(req, 1, sub) < 0) {
		lp_http_error(resp, 404, "not_found", "no such id '%s'", req->params[1]);
		return -1;
	}
	return 0;
}

static json_t *member_json(const struct lp_member_view *m)
{
	char mac[LP_MAC_STRLEN];
	json_t *o = json_pack("{s:i,s:s,s:s?,s:s?,s:s,s:s,s:I,s:o,s:{s:I,s:I,s:I,s:I},s:o,s:I}",
			      "id", (int)m->id, "role", m->gateway ? "gateway" : "client", "mac",
			      m->has_mac ? lp_mac_format(&m->mac, mac) : NULL, "name",
			      m->name[0] ? m->name : NULL, "agent", m->agent, "remote", m->remote,
			      "rtt_us", (json_int_t)m->rtt_us, "connected_at",
			      lp_admin_time(m->connected_at), "traffic", "up_frames",
			      (json_int_t)lp_counters_frames(&m->ctr, LP_DIR_UP), "up_bytes",
			      (json_int_t)lp_counters_bytes(&m->ctr, LP_DIR_UP), "down_frames",
			      (json_int_t)lp_counters_frames(&m->ctr, LP_DIR_DOWN), "down_bytes",
			      (json_int_t)lp_counters_bytes(&m->ctr, LP_DIR_DOWN), "drops",
			      lp_admin_drops_json(&m->ctr), "drops_total",
			      (json_int_t)lp_counters_drops(&m->ctr));
	return o;
}

static int h_members(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_member_view *ms = NULL;
	size_t n = 0;
	int64_t room;
	if (ids(req, resp, &room, NULL) < 0)
		return 0;
	int r = a->ops->member_list(a->ctx, room, &ms, &n);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, member_json(&ms[i]));
	free(ms);
	resp->status = 200;
	resp->json = json_pack("{s:o}", "members", arr);
	return 0;
}

static int h_kick(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	int64_t room, member;
	if (ids(req, resp, &room, &member) < 0)
		return 0;
	if (member > UINT32_MAX)
		return lp_http_error(resp, 404, "not_found", "no member %lld", (long long)member);
	int r = a->ops->member_kick(a->ctx, room, (uint32_t)member);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room or member online", NULL);
	resp->status = 204;
	return 0;
}

static json_t *ban_json(const struct lp_ban_view *b)
{
	char mac[LP_MAC_STRLEN];
	return json_pack("{s:I,s:s?,s:s?,s:s?,s:o,s:o}", "id", (json_int_t)b->id, "mac",
			 b->spec.has_mac ? lp_mac_format(&b->spec.mac, mac) : NULL, "addr",
			 b->spec.addr[0] ? b->spec.addr : NULL, "reason",
			 b->spec.reason[0] ? b->spec.reason : NULL, "created_at",
			 lp_admin_time(b->created_at), "expires_at",
			 lp_admin_time(b->spec.expires_at));
}

static int read_ban(json_t *body, struct lp_ban_spec *b, struct lp_http_resp *resp)
{
	static const char *const keys[] = { "mac",	  "addr",	"reason",
					    "expires_at", "expires_in", NULL };
	char mac[32];
	uint64_t secs;
	int r;
	memset(b, 0, sizeof(*b));
	if (lp_admin_only_keys(body, keys, resp) < 0)
		return -1;
	if ((r = lp_admin_get_str(body, "mac", mac, sizeof(mac), resp)) < 0)
		return -1;
	if (r) {
		if (lp_mac_parse(mac, strlen(mac), &b->mac) < 0 ||
		    !lp_mac_is_valid_member(&b->mac)) {
			lp_http_error(resp, 422, "invalid", "mac: not a unicast MAC address");
			return -1;
		}
		b->has_mac = true;
	}
	if ((r = lp_admin_get_str(body, "addr", b->addr, sizeof(b->addr), resp)) < 0)
		return -1;
	if (r) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, b->addr, buf) != 1 &&
		    inet_pton(AF_INET6, b->addr, buf) != 1) {
			lp_http_error(resp, 422, "invalid", "addr: not an IP address");
			return -1;
		}
	}
	if (!b->has_mac && !b->addr[0]) {
		lp_http_error(resp, 422, "invalid", "a ban needs a mac, an addr, or both");
		return -1;
	}
	if (lp_admin_get_str(body, "reason", b->reason, sizeof(b->reason), resp) < 0 ||
	    lp_admin_get_time(body, "expires_at", &b->expires_at, resp) < 0)
		return -1;
	bool has_at = json_object_get(body, "expires_at") != NULL;
	if ((r = lp_admin_get_uint(body, "expires_in", 1, 366ull * 86400, &secs, resp)) < 0)
		return -1;
	if (r && has_at) {
		lp_http_error(resp, 422, "invalid", "give expires_at or expires_in, not both");
		return -1;
	}
	if (r)
		b->expires_at = lp_admin_now() + (int64_t)secs;
	if (b->expires_at && b->expires_at <= lp_admin_now()) {
		lp_http_error(resp, 422, "invalid", "expires_at: must be in the future");
		return -1;
	}
	return 0;
}

static int h_ban_add(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_ban_spec spec;
	struct lp_ban_view view;
	int64_t room;
	if (ids(req, resp, &room, NULL) < 0 || read_ban(req->json, &spec, resp) < 0)
		return 0;
	int r = a->ops->ban_add(a->ctx, room, &spec, &view);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	resp->status = 201;
	resp->json = ban_json(&view);
	return 0;
}

static int h_ban_list(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_ban_view *bans = NULL;
	size_t n = 0;
	int64_t room;
	if (ids(req, resp, &room, NULL) < 0)
		return 0;
	int r = a->ops->ban_list(a->ctx, room, &bans, &n);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, ban_json(&bans[i]));
	free(bans);
	resp->status = 200;
	resp->json = json_pack("{s:o}", "bans", arr);
	return 0;
}

static int h_ban_delete(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	int64_t room, ban;
	if (ids(req, resp, &room, &ban) < 0)
		return 0;
	int r = a->ops->ban_delete(a->ctx, room, ban);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room or ban", NULL);
	resp->status = 204;
	return 0;
}

int lp_admin_members_register(struct lp_admin *a)
{
	struct lp_http *h = a->http;
	if (lp_http_route(h, "GET", "/api/v1/rooms/{id}/members", LP_HTTP_ADMIN, false, h_members) <
		    0 ||
	    lp_http_route(h, "DELETE", "/api/v1/rooms/{id}/members/{member}", LP_HTTP_ADMIN, false,
			  h_kick) < 0 ||
	    lp_http_route(h, "POST", "/api/v1/rooms/{id}/bans", LP_HTTP_ADMIN, true, h_ban_add) <
		    0 ||
	    lp_http_route(h, "GET", "/api/v1/rooms/{id}/bans", LP_HTTP_ADMIN, false, h_ban_list) <
		    0 ||
	    lp_http_route(h, "DELETE", "/api/v1/rooms/{id}/bans/{ban}", LP_HTTP_ADMIN, false,
			  h_ban_delete) < 0)
		return LP_ERR_LIMIT;
	return 0;
}
