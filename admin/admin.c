#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"
#include "err.h"

static int64_t admin_auth(void *ctx, const char *token)
{
	struct lp_admin *a = ctx;
	return a->ops->auth(a->ctx, token);
}

struct lp_admin *lp_admin_new(const struct lp_admin_ops *ops, void *ctx, const char *cert_pem,
			      const char *key_pem, uint32_t fail_rate)
{
	struct lp_admin *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->ops = ops;
	a->ctx = ctx;
	struct lp_http_cfg cfg = {
		.auth = admin_auth,
		.ctx = a,
		.fail_rate = fail_rate,
		.tls_cert_pem = cert_pem,
		.tls_key_pem = key_pem,
	};
	a->http = lp_http_new(&cfg);
	if (!a->http)
		goto fail;
	if (lp_admin_rooms_register(a) < 0 || lp_admin_members_register(a) < 0 ||
	    lp_admin_stats_register(a) < 0 || lp_admin_tokens_register(a) < 0 ||
	    lp_admin_dashboard_register(a) < 0)
		goto fail;
	return a;
fail:
	lp_admin_del(a);
	return NULL;
}

void lp_admin_del(struct lp_admin *a)
{
	if (!a)
		return;
	lp_http_del(a->http);
	free(a);
}

struct lp_http *lp_admin_http(struct lp_admin *a)
{
	return a->http;
}

int lp_admin_fail(struct lp_http_resp *resp, int err, const char *what, const char *msg)
{
	const char *m = msg && msg[0] ? msg : NULL;
	switch (err) {
	case LP_ERR_NOT_FOUND:
		return lp_http_error(resp, 404, "not_found", "%s", m ? m : what);
	case LP_ERR_EXISTS:
		return lp_http_error(resp, 409, "conflict", "%s", m ? m : "already exists");
	case LP_ERR_STATE:
		return lp_http_error(resp, 409, "conflict", "%s", m ? m : "not in this state");
	case LP_ERR_LIMIT:
		return lp_http_error(resp, 409, "limit", "%s", m ? m : "limit reached");
	case LP_ERR_INVALID:
		return lp_http_error(resp, 422, "invalid", "%s", m ? m : "invalid value");
	default:
		return lp_http_error(resp, 500, "internal_error", "%s: %s", what, lp_strerror(err));
	}
}

json_t *lp_admin_time(int64_t t)
{
	if (t == 0)
		return json_null();
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

int lp_admin_parse_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 20)
		return LP_ERR_INVALID;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0)
		return LP_ERR_INVALID;
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = sec };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return LP_ERR_INVALID; /* 31 February and the like */
	*out = (int64_t)t;
	return 0;
}

int64_t lp_admin_now(void)
{
	return (int64_t)time(NULL);
}

int lp_admin_get_uint(json_t *obj, const char *key, uint64_t min, uint64_t max, uint64_t *out,
		      struct lp_http_resp *resp)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min || (uint64_t)json_integer_value(v) > max) {
		lp_http_error(resp, 422, "invalid", "%s: must be an integer from %llu to %llu", key,
			      (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

int lp_admin_get_bool(json_t *obj, const char *key, bool *out, struct lp_http_resp *resp)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		lp_http_error(resp, 422, "invalid", "%s: must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

int lp_admin_get_str(json_t *obj, const char *key, char *out, size_t max, struct lp_http_resp *resp)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (!s || n == 0 || n >= max) {
		lp_http_error(resp, 422, "invalid", "%s: must be a string of 1 to %zu bytes", key,
			      max - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			lp_http_error(resp, 422, "invalid",
				      "%s: control characters are not allowed", key);
			return -1;
		}
	}
	memcpy(out, s, n + 1);
	return 1;
}

int lp_admin_get_time(json_t *obj, const char *key, int64_t *out, struct lp_http_resp *resp)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (json_is_null(v)) {
		*out = 0;
		return 1;
	}
	if (!json_is_string(v) || lp_admin_parse_time(json_string_value(v), out) < 0) {
		lp_http_error(resp, 422, "invalid",
			      "%s: must be null or a UTC time like 2026-11-26T18:00:00Z", key);
		return -1;
	}
	return 1;
}

int lp_admin_only_keys(json_t *obj, const char *const *keys, struct lp_http_resp *resp)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k) != 0)
			i++;
		if (!keys[i]) {
			char shown[64];
			snprintf(shown, sizeof(shown), "%s", k);
			lp_http_error(resp, 422, "invalid", "unknown field '%s'", shown);
			return -1;
		}
	}
	return 0;
}

json_t *lp_admin_counters_json(const struct lp_counters *c)
{
	json_t *o = json_object();
	for (int d = 0; d < LP_DIR__COUNT; d++) {
		json_t *dir = json_object();
		for (int k = 0; k < LP_CAST__COUNT; k++)
			json_object_set_new(dir, lp_counters_cast_name((enum lp_cast)k),
					    json_pack("{s:I,s:I}", "frames",
						      (json_int_t)c->frames[d][k], "bytes",
						      (json_int_t)c->bytes[d][k]));
		json_object_set_new(o, lp_dir_name((enum lp_dir)d), dir);
	}
	return o;
}

json_t *lp_admin_drops_json(const struct lp_counters *c)
{
	json_t *o = json_object();
	for (int i = 0; i < LP_DROP__COUNT; i++)
		json_object_set_new(o, lp_drop_name((enum lp_drop)i),
				    json_integer((json_int_t)c->drops[i]));
	return o;
}

void lp_text_printf(struct lp_text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->overflow)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->overflow = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		if (cap > t->max) {
			t->overflow = true;
			return;
		}
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->overflow = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}
