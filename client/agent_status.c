/*
 * agent_status.c: the status file (JSON, replaced atomically) that
 * `lanparty-client status` and `lanparty-gateway status` read, and its
 * rendering for a person.
 */
#include "agent.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "sys.h"

/* The file format's version, "version" in the JSON. */
#define STATUS_VERSION 1
#define STATUS_MAX     (16 * 1024)

static const enum lp_agent_state states[] = { LP_AGENT_CONNECTING, LP_AGENT_CONNECTED,
					      LP_AGENT_RETRYING, LP_AGENT_STOPPED };

static json_int_t jint(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

static json_t *traffic_json(const struct lp_counters *c)
{
	json_t *t = json_object();

	for (int d = 0; d < LP_DIR__COUNT && t; d++) {
		json_t *dir = json_object();

		for (int k = 0; k < LP_CAST__COUNT && dir; k++)
			json_object_set_new(dir, lp_counters_cast_name((enum lp_cast)k),
					    json_pack("{s:I,s:I}", "frames", jint(c->frames[d][k]),
						      "bytes", jint(c->bytes[d][k])));
		json_object_set_new(t, lp_dir_name((enum lp_dir)d), dir);
	}
	return t;
}

static json_t *drops_json(const struct lp_counters *c)
{
	json_t *o = json_object();

	for (int i = 0; i < LP_DROP__COUNT && o; i++)
		if (c->drops[i])
			json_object_set_new(o, lp_drop_name((enum lp_drop)i),
					    json_integer(jint(c->drops[i])));
	return o;
}

int lp_agent_status_write(const char *path, const struct lp_agent_status *s)
{
	json_t *root;
	char *text;
	int r;

	root = json_pack("{s:i,s:i,s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "version", STATUS_VERSION, "pid", s->pid, "updated_at",
			 (json_int_t)s->updated_at, "state", lp_agent_state_name(s->state), "why",
			 s->why, "relay", s->relay, "room_name", s->room_name, "room_id",
			 (json_int_t)s->room_id, "role", lp_ctrl_role_name(s->role), "member_id",
			 (json_int_t)s->member_id, "members", (json_int_t)s->members, "mtu",
			 (json_int_t)s->mtu, "rtt_us", jint(s->rtt_us), "connected_since",
			 (json_int_t)s->connected_since, "reconnects", (json_int_t)s->reconnects,
			 "next_retry_ms", jint(s->next_retry_ms));
	if (!root)
		return LP_ERR_INVALID; /* a string that is not UTF-8 */
	json_object_set_new(root, "traffic", traffic_json(&s->ctr));
	json_object_set_new(root, "drops", drops_json(&s->ctr));
	json_object_set_new(root, "relay_view",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "up_frames",
				      jint(s->relay_up_frames), "up_bytes", jint(s->relay_up_bytes),
				      "down_frames", jint(s->relay_down_frames), "down_bytes",
				      jint(s->relay_down_bytes), "drops", jint(s->relay_drops)));
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text)
		return LP_ERR_NOMEM;
	size_t n = strlen(text);
	char *line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return LP_ERR_NOMEM;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	r = lp_sys_write_file(path, line, n + 1, 0644);
	free(line);
	return r;
}

/* ------------------------------------------------------------ read */

static int get_u64(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0; /* optional: stays 0 */
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return LP_ERR_INVALID;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_u32(json_t *o, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	int r = get_u64(o, key, &v);

	if (r < 0 || v > UINT32_MAX)
		return LP_ERR_INVALID;
	*out = (uint32_t)v;
	return 0;
}

static int get_i64(json_t *o, const char *key, int64_t *out)
{
	uint64_t v = 0;
	int r = get_u64(o, key, &v);

	*out = (int64_t)v;
	return r;
}

static int get_str(json_t *o, const char *key, char *out, size_t cap)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return LP_ERR_INVALID;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int read_traffic(json_t *t, struct lp_counters *c)
{
	for (int d = 0; d < LP_DIR__COUNT; d++) {
		json_t *dir = json_object_get(t, lp_dir_name((enum lp_dir)d));

		for (int k = 0; k < LP_CAST__COUNT; k++) {
			json_t *e = json_object_get(dir, lp_counters_cast_name((enum lp_cast)k));

			if (get_u64(e, "frames", &c->frames[d][k]) < 0 ||
			    get_u64(e, "bytes", &c->bytes[d][k]) < 0)
				return LP_ERR_INVALID;
		}
	}
	return 0;
}

static int read_drops(json_t *o, struct lp_counters *c)
{
	const char *key;
	json_t *v;
	enum lp_drop why;

	if (o && !json_is_object(o))
		return LP_ERR_INVALID;
	json_object_foreach(o, key, v)
	{
		/* A newer agent's reason this reader does not know is left out. */
		if (lp_drop_from_name(key, &why) < 0)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return LP_ERR_INVALID;
		c->drops[why] = (uint64_t)json_integer_value(v);
	}
	return 0;
}

static int parse_status(json_t *root, struct lp_agent_status *out)
{
	char state[16] = "", role[16] = "";
	json_t *rv;
	int64_t pid = 0;
	uint64_t ver = 0;
	size_t i;

	if (!json_is_object(root) || get_u64(root, "version", &ver) < 0 || ver != STATUS_VERSION)
		return LP_ERR_INVALID;
	if (get_str(root, "state", state, sizeof(state)) < 0 ||
	    get_str(root, "role", role, sizeof(role)) < 0 || get_i64(root, "pid", &pid) < 0 ||
	    pid > INT32_MAX || get_i64(root, "updated_at", &out->updated_at) < 0 ||
	    get_str(root, "why", out->why, sizeof(out->why)) < 0 ||
	    get_str(root, "relay", out->relay, sizeof(out->relay)) < 0 ||
	    get_str(root, "room_name", out->room_name, sizeof(out->room_name)) < 0 ||
	    get_i64(root, "room_id", &out->room_id) < 0 ||
	    get_u32(root, "member_id", &out->member_id) < 0 ||
	    get_u32(root, "members", &out->members) < 0 || get_u32(root, "mtu", &out->mtu) < 0 ||
	    get_u64(root, "rtt_us", &out->rtt_us) < 0 ||
	    get_i64(root, "connected_since", &out->connected_since) < 0 ||
	    get_u32(root, "reconnects", &out->reconnects) < 0 ||
	    get_u64(root, "next_retry_ms", &out->next_retry_ms) < 0 ||
	    read_traffic(json_object_get(root, "traffic"), &out->ctr) < 0 ||
	    read_drops(json_object_get(root, "drops"), &out->ctr) < 0)
		return LP_ERR_INVALID;
	rv = json_object_get(root, "relay_view");
	if (get_u64(rv, "up_frames", &out->relay_up_frames) < 0 ||
	    get_u64(rv, "up_bytes", &out->relay_up_bytes) < 0 ||
	    get_u64(rv, "down_frames", &out->relay_down_frames) < 0 ||
	    get_u64(rv, "down_bytes", &out->relay_down_bytes) < 0 ||
	    get_u64(rv, "drops", &out->relay_drops) < 0)
		return LP_ERR_INVALID;
	out->pid = (int)pid;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(state, lp_agent_state_name(states[i])) == 0)
			break;
	if (i == sizeof(states) / sizeof(states[0]))
		return LP_ERR_INVALID;
	out->state = states[i];
	if (strcmp(role, "gateway") == 0)
		out->role = LP_CTRL_ROLE_GATEWAY;
	else if (strcmp(role, "client") == 0)
		out->role = LP_CTRL_ROLE_CLIENT;
	else
		return LP_ERR_INVALID;
	return 0;
}

int lp_agent_status_read(const char *path, struct lp_agent_status *out)
{
	char *buf;
	size_t len;
	json_t *root;
	int r;

	memset(out, 0, sizeof(*out));
	buf = malloc(STATUS_MAX + 1);
	if (!buf)
		return LP_ERR_NOMEM;
	r = lp_sys_read_file(path, buf, STATUS_MAX + 1, &len);
	if (r == 0) {
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
		r = root ? parse_status(root, out) : LP_ERR_INVALID;
		json_decref(root);
	}
	free(buf);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

/* ------------------------------------------------------------ format */

struct out {
	char *buf;
	size_t len, used;
	bool overflow;
};

static void put(struct out *o, const char *fmt, ...) LP_LOG_PRINTF(2, 3);

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used) {
		o->overflow = true;
		return;
	}
	o->used += (size_t)n;
}

/* 1234567 -> "1.2 MB" (decimal units, as network tools count). */
static const char *bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB", "PB" };
	double d = (double)v;
	int u = -1;

	if (v < 1000) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= 1000 && u < 4) {
		d /= 1000;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}

static const char *duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%" PRId64 " s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 " min", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRId64 " h %" PRId64 " min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 " d %" PRId64 " h", s / 86400, s % 86400 / 3600);
	return buf;
}

static void state_line(struct out *o, const struct lp_agent_status *s, int64_t now)
{
	char d[32], ts[LP_TIME_UTC_LEN];

	switch (s->state) {
	case LP_AGENT_CONNECTED:
		lp_time_format_utc((uint64_t)(s->connected_since > 0 ? s->connected_since : 0) *
					   LP_NS_PER_SEC,
				   ts);
		put(o, "state     connected for %s (since %s)\n",
		    duration(now - s->connected_since, d, sizeof(d)), ts);
		break;
	case LP_AGENT_RETRYING: {
		int64_t ms = (int64_t)s->next_retry_ms - now * 1000;
		int64_t in = ms > 0 ? (ms + 999) / 1000 : 0;

		put(o, "state     retrying in %" PRId64 " s%s%s\n", in, s->why[0] ? ": " : "",
		    s->why);
		break;
	}
	case LP_AGENT_STOPPED:
		put(o, "state     stopped%s%s\n", s->why[0] ? ": " : "", s->why);
		break;
	case LP_AGENT_CONNECTING:
	default:
		if (s->why[0] && strcmp(s->why, "not started") != 0)
			put(o, "state     connecting (last attempt: %s)\n", s->why);
		else
			put(o, "state     connecting\n");
		break;
	}
}

int lp_agent_status_format(const struct lp_agent_status *s, int64_t now, char *out, size_t len)
{
	struct out o = { .buf = out, .len = len };
	char up[32], down[32], ago[32];
	bool on = s->state == LP_AGENT_CONNECTED;
	uint64_t drops = lp_counters_drops(&s->ctr);

	if (len == 0)
		return LP_ERR_NOBUF;
	out[0] = '\0';
	state_line(&o, s, now);
	if (s->room_name[0])
		put(&o, "room      %s (id %" PRId64 "), as %s", s->room_name, s->room_id,
		    lp_ctrl_role_name(s->role));
	else
		put(&o, "room      not known yet, as %s", lp_ctrl_role_name(s->role));
	if (on && s->member_id)
		put(&o, ", member %u", s->member_id);
	put(&o, "\n");
	if (on)
		put(&o, "members   %u online, room MTU %u\n", s->members, s->mtu);
	put(&o, "relay     %s", s->relay[0] ? s->relay : "?");
	if (on)
		put(&o, ", rtt %.1f ms", (double)s->rtt_us / 1000.0);
	put(&o, "\n");
	put(&o, "traffic   up %" PRIu64 " frames (%s), down %" PRIu64 " frames (%s)\n",
	    lp_counters_frames(&s->ctr, LP_DIR_UP),
	    bytes(lp_counters_bytes(&s->ctr, LP_DIR_UP), up, sizeof(up)),
	    lp_counters_frames(&s->ctr, LP_DIR_DOWN),
	    bytes(lp_counters_bytes(&s->ctr, LP_DIR_DOWN), down, sizeof(down)));
	put(&o, "drops     %" PRIu64, drops);
	for (int i = 0, n = 0; i < LP_DROP__COUNT; i++) {
		if (!s->ctr.drops[i])
			continue;
		put(&o, "%s%s %" PRIu64, n++ ? ", " : " (", lp_drop_name((enum lp_drop)i),
		    s->ctr.drops[i]);
	}
	put(&o, "%s", drops ? ")" : "");
	if (s->relay_drops)
		put(&o, "; the relay dropped %" PRIu64 " of ours", s->relay_drops);
	put(&o, "\n");
	put(&o, "agent     pid %d, %u reconnect%s, updated %s ago\n", s->pid, s->reconnects,
	    s->reconnects == 1 ? "" : "s", duration(now - s->updated_at, ago, sizeof(ago)));
	return o.overflow ? LP_ERR_NOBUF : 0;
}
