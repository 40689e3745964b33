/*
 * loadgen_api.c: the load generator's rooms, made and removed through the
 * relay's admin API (libcurl, one kept-alive connection; JSON with jansson).
 */
#include "loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "err.h"

#define BODY_MAX (4u << 20)

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static CURL *curl;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;

	if (b->len + add > BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	char *grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* One request; *out gets the parsed answer (or NULL). Returns the HTTP status or -1. */
static long request(struct lg *lg, const char *method, const char *path, const char *body,
		    json_t **out)
{
	char url[512], auth[300];
	struct curl_slist *hdrs = NULL;
	struct body b = { 0 };
	long status = -1;

	if (out)
		*out = NULL;
	if (!curl && !(curl = curl_easy_init()))
		return -1;
	snprintf(url, sizeof(url), "%s%s", lg->o.api, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", lg->o.token);
	hdrs = curl_slist_append(hdrs, auth);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (lg->o.has_pin) {
		/* An https:// API presents the relay's certificate: the QUIC pin checks it. */
		char pin[LP_PIN_STRLEN];

		curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, lp_pin_format(lg->o.pin, pin));
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "loadgen: %s %s: %s\n", method, url, curl_easy_strerror(rc));
	curl_slist_free_all(hdrs);
	if (out && b.data)
		*out = json_loadb(b.data, b.len, 0, NULL);
	if (status >= 400 && b.data)
		fprintf(stderr, "loadgen: %s %s: HTTP %ld %s\n", method, path, status, b.data);
	free(b.data);
	return status;
}

static int take_invite(const json_t *room, const char *role, struct lp_invite *out)
{
	const char *text =
		json_string_value(json_object_get(json_object_get(room, "invites"), role));
	char err[160];

	if (!text || lp_invite_parse(text, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "loadgen: the API's %s invite does not parse: %s\n", role,
			text ? err : "missing");
		return LP_ERR_INVALID;
	}
	return 0;
}

int lg_api_create_rooms(struct lg *lg)
{
	for (size_t i = 0; i < lg->n_rooms; i++) {
		struct lg_room *room = &lg->rooms[i];
		uint32_t clients = room->n_members - (room->has_gateway ? 1 : 0);
		char body[256];
		json_t *ans;

		snprintf(room->name, sizeof(room->name), "loadgen-%ld-%zu", (long)getpid(), i + 1);
		/* No broadcast limit: the run measures the relay, not the room's storm control. */
		snprintf(body, sizeof(body),
			 "{\"name\":\"%s\",\"max_clients\":%u,\"limits\":{\"broadcast_pps\":0}}",
			 room->name, clients);
		long st = request(lg, "POST", "/api/v1/rooms", body, &ans);
		if (st != 201 || !ans) {
			json_decref(ans);
			fprintf(stderr, "loadgen: creating room %s failed (HTTP %ld)\n", room->name,
				st);
			return LP_ERR_INVALID;
		}
		room->id = json_integer_value(json_object_get(ans, "id"));
		int r = take_invite(ans, "client", &room->client);
		if (r == 0)
			r = take_invite(ans, "gateway", &room->gateway);
		json_decref(ans);
		if (r < 0 || room->id <= 0)
			return LP_ERR_INVALID;
	}
	return 0;
}

long lg_api_online(struct lg *lg)
{
	json_t *ans, *rooms;
	long total = 0;
	size_t i;

	if (!lg->o.api[0] || !lg->o.token[0])
		return -1;
	if (request(lg, "GET", "/api/v1/rooms", NULL, &ans) != 200 || !ans) {
		json_decref(ans);
		return -1;
	}
	rooms = json_object_get(ans, "rooms");
	json_t *r;
	json_array_foreach(rooms, i, r)
	{
		json_int_t id = json_integer_value(json_object_get(r, "id"));
		const json_t *on = json_object_get(r, "online");

		for (size_t k = 0; k < lg->n_rooms; k++) {
			if (lg->rooms[k].id != id || id <= 0)
				continue;
			total += (long)json_integer_value(json_object_get(on, "clients"));
			total += json_is_true(json_object_get(on, "gateway")) ? 1 : 0;
		}
	}
	json_decref(ans);
	return total;
}

void lg_api_delete_rooms(struct lg *lg)
{
	char path[64];

	for (size_t i = 0; i < lg->n_rooms; i++) {
		if (lg->rooms[i].id <= 0)
			continue;
		snprintf(path, sizeof(path), "/api/v1/rooms/%lld", (long long)lg->rooms[i].id);
		(void)request(lg, "DELETE", path, NULL, NULL);
	}
	if (curl)
		curl_easy_cleanup(curl);
	curl = NULL;
}
