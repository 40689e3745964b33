/*
 * ctrl_json.c: control messages to and from JSON (jansson), by walking the
 * schemas of ctrl_schema.c.
 */
#include "ctrl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_int.h"
#include "err.h"

/* Both directions: reject duplicate keys (two "code"s must not mean either). */
#define LOAD_FLAGS JSON_REJECT_DUPLICATES
/* Sorted compact output: the encoding of a message is one fixed byte string. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

static int decode_object(struct lp_ctrl_errbuf *e, const char *path, const json_t *obj,
			 const struct lp_ctrl_schema *s, void *base);

static void set_flag(void *base, size_t off)
{
	bool t = true;
	memcpy((char *)base + off, &t, sizeof(t));
}

static void set_count(void *base, size_t off, size_t n)
{
	memcpy((char *)base + off, &n, sizeof(n));
}

static int decode_uint(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       const json_t *v, void *base)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return lp_ctrl_rule_range(e, path, f);
	uint64_t u = (uint64_t)json_integer_value(v);
	int rc = lp_ctrl_rule_uint(e, path, f, u);
	if (rc)
		return rc;
	lp_ctrl_set_uint((char *)base + f->off, f->size, u);
	if (f->aux != LP_CTRL_NO_AUX)
		set_flag(base, f->aux);
	return 0;
}

static int decode_str(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		      const json_t *v, void *base)
{
	if (!json_is_string(v))
		return lp_ctrl_fail(e, path, f->key, "must be a string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	int rc = lp_ctrl_rule_str(e, path, f, s, len);
	if (rc)
		return rc;
	/* The rule's maximum is below the array size; the check keeps that visible. */
	if (len >= f->size)
		return lp_ctrl_fail(e, path, f->key, "too long");
	memcpy((char *)base + f->off, s, len);
	((char *)base)[f->off + len] = '\0';
	return 0;
}

static int decode_role(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       const json_t *v, void *base)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	enum lp_ctrl_role r;
	if (strcmp(s, "client") == 0)
		r = LP_CTRL_ROLE_CLIENT;
	else if (strcmp(s, "gateway") == 0)
		r = LP_CTRL_ROLE_GATEWAY;
	else
		return lp_ctrl_fail(e, path, f->key, "must be \"client\" or \"gateway\"");
	memcpy((char *)base + f->off, &r, sizeof(r));
	return 0;
}

static int decode_mac(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		      const json_t *v, void *base)
{
	struct lp_mac mac;
	if (!json_is_string(v) ||
	    lp_mac_parse(json_string_value(v), json_string_length(v), &mac) != 0)
		return lp_ctrl_fail(e, path, f->key, "not a MAC address (aa:bb:cc:dd:ee:ff)");
	int rc = lp_ctrl_rule_mac(e, path, f, &mac);
	if (rc)
		return rc;
	memcpy((char *)base + f->off, &mac, sizeof(mac));
	set_flag(base, f->aux);
	return 0;
}

/* A reason this build does not know is kept as *_UNKNOWN: newer peers add reasons. */
static int decode_reason(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			 const json_t *v, void *base)
{
	if (!json_is_string(v) || !lp_ctrl_token_valid(json_string_value(v), json_string_length(v)))
		return lp_ctrl_fail(e, path, f->key, "not a reason name");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (f->kind == LP_CTRL_K_REJECT) {
		enum lp_reject_reason r = lp_reject_reason_parse(s, len);
		memcpy((char *)base + f->off, &r, sizeof(r));
	} else {
		enum lp_disconnect_reason r = lp_disconnect_reason_parse(s, len);
		memcpy((char *)base + f->off, &r, sizeof(r));
	}
	return 0;
}

static int decode_members(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			  const json_t *v, void *base)
{
	if (!json_is_array(v))
		return lp_ctrl_fail(e, path, f->key, "must be an array");
	size_t n = json_array_size(v);
	int rc = lp_ctrl_rule_members(e, path, f, n);
	if (rc)
		return rc;
	struct lp_ctrl_member *m = calloc(n, sizeof(*m));
	if (!m) {
		lp_ctrl_fail(e, path, f->key, "out of memory");
		return LP_ERR_NOMEM;
	}
	/* Stored before filling, so that the caller's cleanup frees it on error. */
	memcpy((char *)base + f->off, &m, sizeof(m));
	set_count(base, f->aux, n);
	for (size_t i = 0; i < n; i++) {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.%s[%zu]", path, f->key, i);
		const json_t *o = json_array_get(v, i);
		if (!json_is_object(o))
			return lp_ctrl_fail(e, path, f->key, "element %zu must be an object", i);
		rc = decode_object(e, sub, o, &lp_ctrl_member_schema, &m[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int decode_drops(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			const json_t *v, void *base)
{
	if (!json_is_object(v))
		return lp_ctrl_fail(e, path, f->key, "must be an object");
	size_t n = json_object_size(v);
	int rc = lp_ctrl_rule_drops(e, path, f, n);
	if (rc)
		return rc;
	struct lp_ctrl_drop *d = (void *)((char *)base + f->off);
	size_t i = 0;
	const char *key;
	size_t klen;
	json_t *val;
	json_object_keylen_foreach((json_t *)v, key, klen, val)
	{
		json_int_t iv = json_is_integer(val) ? json_integer_value(val) : -1;
		rc = lp_ctrl_rule_drop(e, path, key, klen, iv >= 0, (uint64_t)(iv >= 0 ? iv : 0));
		if (rc)
			return rc;
		memcpy(d[i].name, key, klen);
		d[i].name[klen] = '\0';
		d[i].count = (uint64_t)iv;
		i++;
	}
	lp_ctrl_sort_drops(d, i);
	set_count(base, f->aux, i);
	return 0;
}

static int decode_field(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			const json_t *v, void *base)
{
	switch (f->kind) {
	case LP_CTRL_K_UINT:
		return decode_uint(e, path, f, v, base);
	case LP_CTRL_K_TEXT:
	case LP_CTRL_K_SECRET:
		return decode_str(e, path, f, v, base);
	case LP_CTRL_K_ROLE:
		return decode_role(e, path, f, v, base);
	case LP_CTRL_K_MAC:
		return decode_mac(e, path, f, v, base);
	case LP_CTRL_K_REJECT:
	case LP_CTRL_K_DISC:
		return decode_reason(e, path, f, v, base);
	case LP_CTRL_K_MEMBER: {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		if (!json_is_object(v))
			return lp_ctrl_fail(e, path, f->key, "must be an object");
		return decode_object(e, sub, v, &lp_ctrl_member_schema, (char *)base + f->off);
	}
	case LP_CTRL_K_MEMBERS:
		return decode_members(e, path, f, v, base);
	case LP_CTRL_K_DROPS:
		return decode_drops(e, path, f, v, base);
	}
	return lp_ctrl_fail(e, path, f->key, "unknown field kind");
}

/* Fields this build does not know are ignored: newer peers may add some. */
static int decode_object(struct lp_ctrl_errbuf *e, const char *path, const json_t *obj,
			 const struct lp_ctrl_schema *s, void *base)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct lp_ctrl_field *f = &s->fields[i];
		const json_t *v = json_object_get(obj, f->key);
		int rc;
		if (!v) {
			if (f->required)
				return lp_ctrl_fail(e, path, f->key, "missing");
			continue;
		}
		rc = decode_field(e, path, f, v, base);
		if (rc)
			return rc;
	}
	return s->cross ? s->cross(e, path, base) : 0;
}

/*
 * jansson's message ends in " near '<token>'", which may quote a room code or
 * resume secret: keep only the description and the byte offset.
 */
static int json_error(struct lp_ctrl_errbuf *e, const json_error_t *jerr)
{
	char text[JSON_ERROR_TEXT_LENGTH];
	memcpy(text, jerr->text, sizeof(text));
	text[sizeof(text) - 1] = '\0';
	char *near = strstr(text, " near ");
	if (near)
		*near = '\0';
	/* jansson 2.14 reports most allocation failures while parsing without any text. */
	if (json_error_code(jerr) == json_error_out_of_memory || text[0] == '\0') {
		lp_ctrl_fail(e, "", "json", "out of memory");
		return LP_ERR_NOMEM;
	}
	return lp_ctrl_fail(e, "", "json", "%s at byte %d", text, jerr->position);
}

int lp_ctrl_decode(const uint8_t *json, size_t len, struct lp_ctrl_msg *out, char *err,
		   size_t errlen)
{
	struct lp_ctrl_errbuf e = { err, errlen };
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return lp_ctrl_fail(&e, "", "msg", "NULL output");
	memset(out, 0, sizeof(*out));
	if (!json || len == 0)
		return lp_ctrl_fail(&e, "", "json", "empty message");
	if (len > LP_CTRL_MAX) {
		lp_ctrl_fail(&e, "", "json", "message over %d bytes", LP_CTRL_MAX);
		return LP_ERR_TOO_BIG;
	}

	json_error_t jerr;
	json_t *root = json_loadb((const char *)json, len, LOAD_FLAGS, &jerr);
	if (!root)
		return json_error(&e, &jerr);

	int rc;
	const json_t *type = json_object_get(root, "type");
	const struct lp_ctrl_schema *s = NULL;
	if (!json_is_object(root)) {
		rc = lp_ctrl_fail(&e, "", "json", "not an object");
	} else if (!type) {
		rc = lp_ctrl_fail(&e, "", "type", "missing");
	} else if (!json_is_string(type)) {
		rc = lp_ctrl_fail(&e, "", "type", "must be a string");
	} else if (!(s = lp_ctrl_schema_by_name(json_string_value(type),
						json_string_length(type)))) {
		const char *t = json_string_value(type);
		/* Echo the name only when it is harmless. */
		if (lp_ctrl_token_valid(t, json_string_length(type)))
			rc = lp_ctrl_fail(&e, "", "type", "unknown message type \"%s\"", t);
		else
			rc = lp_ctrl_fail(&e, "", "type", "unknown message type");
	} else {
		out->type = s->type;
		rc = decode_object(&e, s->name, root, s, &out->hello);
	}
	json_decref(root);
	if (rc)
		lp_ctrl_msg_free(out);
	return rc;
}

static int encode_object(json_t *obj, const struct lp_ctrl_schema *s, const void *base);

/* Only an optional UINT or MAC has a presence flag; aux of a list is its count. */
static bool present(const struct lp_ctrl_field *f, const void *base)
{
	bool b = true;
	if ((f->kind == LP_CTRL_K_UINT || f->kind == LP_CTRL_K_MAC) && f->aux != LP_CTRL_NO_AUX)
		memcpy(&b, (const char *)base + f->aux, sizeof(b));
	return b;
}

static size_t count_of(const struct lp_ctrl_field *f, const void *base)
{
	size_t n;
	memcpy(&n, (const char *)base + f->aux, sizeof(n));
	return n;
}

static json_t *encode_members(const struct lp_ctrl_field *f, const void *base)
{
	const struct lp_ctrl_member *m;
	memcpy(&m, (const char *)base + f->off, sizeof(m));
	json_t *a = json_array();
	for (size_t i = 0; a && i < count_of(f, base); i++) {
		json_t *o = json_object();
		if (!o || encode_object(o, &lp_ctrl_member_schema, &m[i]) != 0 ||
		    json_array_append_new(a, o) != 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *encode_drops(const struct lp_ctrl_field *f, const void *base)
{
	const struct lp_ctrl_drop *d = (const void *)((const char *)base + f->off);
	json_t *o = json_object();
	for (size_t i = 0; o && i < count_of(f, base); i++) {
		if (json_object_set_new(o, d[i].name, json_integer((json_int_t)d[i].count))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The JSON value of a field, NULL when it is absent or memory ran out (*oom). */
static json_t *encode_field(const struct lp_ctrl_field *f, const void *base, bool *oom)
{
	const void *p = (const char *)base + f->off;
	json_t *v = NULL;
	int en;
	char mac[LP_MAC_STRLEN];

	*oom = false;
	if (!present(f, base))
		return NULL;
	switch (f->kind) {
	case LP_CTRL_K_UINT:
		v = json_integer((json_int_t)lp_ctrl_get_uint(p, f->size));
		break;
	case LP_CTRL_K_TEXT:
	case LP_CTRL_K_SECRET:
		if (!f->required && *(const char *)p == '\0')
			return NULL;
		v = json_string(p);
		break;
	case LP_CTRL_K_ROLE:
		memcpy(&en, p, sizeof(en));
		v = json_string(lp_ctrl_role_name((enum lp_ctrl_role)en));
		break;
	case LP_CTRL_K_MAC:
		v = json_string(lp_mac_format(p, mac));
		break;
	case LP_CTRL_K_REJECT:
		memcpy(&en, p, sizeof(en));
		v = json_string(lp_reject_reason_name((enum lp_reject_reason)en));
		break;
	case LP_CTRL_K_DISC:
		memcpy(&en, p, sizeof(en));
		v = json_string(lp_disconnect_reason_name((enum lp_disconnect_reason)en));
		break;
	case LP_CTRL_K_MEMBER:
		v = json_object();
		if (v && encode_object(v, &lp_ctrl_member_schema, p) != 0) {
			json_decref(v);
			v = NULL;
		}
		break;
	case LP_CTRL_K_MEMBERS:
		v = encode_members(f, base);
		break;
	case LP_CTRL_K_DROPS:
		v = encode_drops(f, base);
		break;
	}
	*oom = !v;
	return v;
}

static int encode_object(json_t *obj, const struct lp_ctrl_schema *s, const void *base)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		bool oom;
		json_t *v = encode_field(&s->fields[i], base, &oom);
		if (oom || (v && json_object_set_new(obj, s->fields[i].key, v) != 0))
			return LP_ERR_NOMEM;
	}
	return 0;
}

ssize_t lp_ctrl_encode(const struct lp_ctrl_msg *m, uint8_t *out, size_t outlen)
{
	int rc = lp_ctrl_check(m, NULL, 0);
	if (rc)
		return rc;
	const struct lp_ctrl_schema *s = lp_ctrl_schema_of(m->type);
	json_t *root = json_object();
	if (!root || json_object_set_new(root, "type", json_string(s->name)) != 0 ||
	    encode_object(root, s, &m->hello) != 0) {
		json_decref(root);
		return LP_ERR_NOMEM;
	}
	size_t avail = out && outlen > LP_CTRL_HDR_LEN ? outlen - LP_CTRL_HDR_LEN : 0;
	size_t n =
		json_dumpb(root, avail ? (char *)out + LP_CTRL_HDR_LEN : NULL, avail, DUMP_FLAGS);
	json_decref(root);
	if (n == 0)
		return LP_ERR_NOMEM;
	if (n > LP_CTRL_MAX)
		return LP_ERR_TOO_BIG;
	if (n > avail)
		return LP_ERR_NOBUF;
	out[0] = (uint8_t)(n >> 24);
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	return (ssize_t)(LP_CTRL_HDR_LEN + n);
}
