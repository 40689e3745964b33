/* Room stats and history, the agents' join endpoint, health and metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "code.h"
#include "err.h"

#define METRICS_MAX	  (16u << 20)
#define HISTORY_DEFAULT_S 3600
#define HISTORY_MAX_S	  (7 * 86400)

static int h_stats(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_counters c;
	int64_t room;
	if (lp_http_param_id(req, 0, &room) < 0)
		return lp_http_error(resp, 404, "not_found", "no room '%s'", req->params[0]);
	int r = a->ops->room_stats(a->ctx, room, &c);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	resp->status = 200;
	resp->json = json_pack("{s:I,s:o,s:o,s:I}", "room_id", (json_int_t)room, "traffic",
			       lp_admin_counters_json(&c), "drops", lp_admin_drops_json(&c),
			       "drops_total", (json_int_t)lp_counters_drops(&c));
	return 0;
}

/* ?since= and ?until= as RFC 3339 times or unix seconds. */
static int query_time(struct lp_http_req *req, const char *key, int64_t *out,
		      struct lp_http_resp *resp)
{
	const char *s = lp_http_query(req, key);
	if (!s)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	/* the last second RFC 3339 can write: 9999-12-31T23:59:59Z */
	if (*s && !*end && !errno && v >= 0 && v <= 253402300799LL) {
		*out = v;
		return 1;
	}
	if (*s && !*end)
		goto bad;
	if (lp_admin_parse_time(s, out) == 0)
		return 1;
bad:
	lp_http_error(resp, 400, "bad_request", "%s: expected unix seconds or 2026-11-26T18:00:00Z",
		      key);
	return -1;
}

static int h_history(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_sample *s = NULL;
	size_t n = 0;
	int64_t room, until = lp_admin_now(), since;
	if (lp_http_param_id(req, 0, &room) < 0)
		return lp_http_error(resp, 404, "not_found", "no room '%s'", req->params[0]);
	if (query_time(req, "until", &until, resp) < 0)
		return 0;
	since = until > HISTORY_DEFAULT_S ? until - HISTORY_DEFAULT_S : 0;
	if (query_time(req, "since", &since, resp) < 0)
		return 0;
	if (since > until || until - since > HISTORY_MAX_S)
		return lp_http_error(resp, 400, "bad_request",
				     "since must be before until, at most 7 days apart");
	int r = a->ops->room_history(a->ctx, room, since, until, &s, &n);
	if (r < 0)
		return lp_admin_fail(resp, r, "no such room", NULL);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:o,s:I,s:i,s:I,s:I,s:I,s:I,s:I}", "t",
						     lp_admin_time(s[i].minute), "ts",
						     (json_int_t)s[i].minute, "members",
						     (int)s[i].members, "up_bytes",
						     (json_int_t)s[i].up_bytes, "down_bytes",
						     (json_int_t)s[i].down_bytes, "up_frames",
						     (json_int_t)s[i].up_frames, "down_frames",
						     (json_int_t)s[i].down_frames, "drops",
						     (json_int_t)s[i].drops));
	free(s);
	resp->status = 200;
	resp->json = json_pack("{s:I,s:o,s:o,s:i,s:o}", "room_id", (json_int_t)room, "since",
			       lp_admin_time(since), "until", lp_admin_time(until), "step_s", 60,
			       "samples", arr);
	return 0;
}

static int h_join(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_join_info j;
	if (lp_http_blocked(req->http, req->client_addr))
		return lp_http_error(resp, 429, "too_many_attempts",
				     "too many failed attempts from this address; wait a minute");
	if (!req->bearer || !lp_code_valid(req->bearer, strlen(req->bearer))) {
		lp_http_note_failure(req->http, req->client_addr);
		return lp_http_error(resp, 401, "bad_code",
				     "a room code is required (Authorization: Bearer CODE)");
	}
	memset(&j, 0, sizeof(j));
	int r = a->ops->join(a->ctx, req->bearer, &j);
	if (r == LP_ERR_NOT_FOUND) {
		lp_http_note_failure(req->http, req->client_addr);
		return lp_http_error(resp, 401, "bad_code", "unknown room code");
	}
	if (r == LP_ERR_STATE)
		return lp_http_error(resp, 403, "room_closed",
				     "the room is disabled or expired, or the code was revoked");
	if (r < 0)
		return lp_admin_fail(resp, r, "join", NULL);
	resp->status = 200;
	resp->json = json_pack("{s:i,s:I,s:s,s:s,s:i,s:i,s:{s:i,s:I},s:{s:s,s:i},s:s}",
			       "protocol_version", 1, "room_id", (json_int_t)j.room_id, "room_name",
			       j.room_name, "role", j.gateway ? "gateway" : "client", "mtu",
			       (int)j.mtu, "max_clients", (int)j.max_clients, "limits",
			       "broadcast_pps", (int)j.bcast_pps, "bytes_per_s",
			       (json_int_t)j.bytes_per_s, "quic", "host", j.quic_host, "port",
			       (int)j.quic_port, "server_name", j.server_name);
	return 0;
}

static int h_health(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	char msg[128] = "";
	(void)req;
	bool ok = a->ops->healthy(a->ctx, msg, sizeof(msg));
	resp->status = ok ? 200 : 503;
	resp->json = json_pack("{s:s,s:s}", "status", ok ? "ok" : "unavailable", "detail", msg);
	return 0;
}

static int h_metrics(void *hctx, struct lp_http_req *req, struct lp_http_resp *resp)
{
	struct lp_admin *a = hctx;
	struct lp_text t = { .max = METRICS_MAX };
	(void)req;
	int r = a->ops->metrics(a->ctx, &t);
	if (r < 0 || t.overflow) {
		free(t.buf);
		return lp_admin_fail(resp, r < 0 ? r : LP_ERR_TOO_BIG, "metrics", NULL);
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->raw = t.buf ? t.buf : "";
	resp->raw_len = t.len;
	resp->raw_owned = t.buf != NULL;
	return 0;
}

int lp_admin_stats_register(struct lp_admin *a)
{
	struct lp_http *h = a->http;
	if (lp_http_route(h, "GET", "/api/v1/rooms/{id}/stats", LP_HTTP_ADMIN, false, h_stats) <
		    0 ||
	    lp_http_route(h, "GET", "/api/v1/rooms/{id}/history", LP_HTTP_ADMIN, false, h_history) <
		    0 ||
	    lp_http_route(h, "GET", "/api/v1/join", LP_HTTP_PUBLIC, false, h_join) < 0 ||
	    lp_http_route(h, "GET", "/healthz", LP_HTTP_PUBLIC, false, h_health) < 0 ||
	    lp_http_route(h, "GET", "/metrics", LP_HTTP_ADMIN, false, h_metrics) < 0)
		return LP_ERR_LIMIT;
	return 0;
}
