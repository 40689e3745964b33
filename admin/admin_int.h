/*
 * admin_int.h: what the admin API's resource files share. Not for the relay:
 * it uses api.h only.
 */
#ifndef LP_ADMIN_INT_H
#define LP_ADMIN_INT_H

#include <jansson.h>

#include "api.h"
#include "http.h"

struct lp_admin {
	const struct lp_admin_ops *ops;
	void *ctx;
	struct lp_http *http;
};

/* Map a callback's error to a status and an error body; msg may be empty. */
int lp_admin_fail(struct lp_http_resp *resp, int err, const char *what, const char *msg);

/* Unix seconds as "2026-11-26T11:31:50Z", or JSON null for 0. */
json_t *lp_admin_time(int64_t t);

/*
 * Parse an RFC 3339 UTC time ("2026-11-26T11:31:50Z") into unix seconds.
 * Returns 0 or LP_ERR_INVALID.
 */
int lp_admin_parse_time(const char *s, int64_t *out);

/* Current unix time in seconds. */
int64_t lp_admin_now(void);

/*
 * Field readers for request bodies: each returns 1 when the field is present
 * and valid (value in *out), 0 when absent, or sets a 422 error in resp and
 * returns -1. Integers must be JSON integers within [min, max].
 */
int lp_admin_get_uint(json_t *obj, const char *key, uint64_t min, uint64_t max, uint64_t *out,
		      struct lp_http_resp *resp);
int lp_admin_get_bool(json_t *obj, const char *key, bool *out, struct lp_http_resp *resp);
/* Strings: 1..max-1 bytes of UTF-8 without control characters. */
int lp_admin_get_str(json_t *obj, const char *key, char *out, size_t max,
		     struct lp_http_resp *resp);
/* A time: an RFC 3339 string, or null (-> 0, "never"). */
int lp_admin_get_time(json_t *obj, const char *key, int64_t *out, struct lp_http_resp *resp);

/* Refuse keys not in the NULL-terminated list (a typo must not pass silently). */
int lp_admin_only_keys(json_t *obj, const char *const *keys, struct lp_http_resp *resp);

json_t *lp_admin_counters_json(const struct lp_counters *c);
json_t *lp_admin_drops_json(const struct lp_counters *c);

/* Route registration, one per resource file. */
int lp_admin_rooms_register(struct lp_admin *a);
int lp_admin_members_register(struct lp_admin *a);
int lp_admin_stats_register(struct lp_admin *a);
int lp_admin_tokens_register(struct lp_admin *a);
/* The dashboard's embedded files at /, /app.js, /app.css, /favicon.svg. */
int lp_admin_dashboard_register(struct lp_admin *a);

#endif
