/*
 * agent_config.c: GET /api/v1/join over HTTPS with libcurl: the room config
 * an agent needs before it opens QUIC. The relay's certificate is checked
 * against the invite's pin (curl's --pinnedpubkey) or, without a pin,
 * against the system trust store and the host name.
 */
#include "agent_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "err.h"
#include "mtu.h"

/* A join answer is a few hundred bytes; anything much larger is not the relay. */
#define BODY_MAX (16 * 1024)

struct body {
	char buf[BODY_MAX + 1];
	size_t len;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > BODY_MAX - b->len) {
		b->overflow = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static bool curl_ready(void)
{
	static bool done, ok;

	if (!done) {
		ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
		done = true;
	}
	return ok;
}

/* The error object's message of an API answer, or "". */
static void api_message(const struct body *b, char *out, size_t len)
{
	json_t *root = json_loadb(b->buf, b->len, 0, NULL);
	const char *m = NULL;

	if (root)
		m = json_string_value(json_object_get(json_object_get(root, "error"), "message"));
	snprintf(out, len, "%s", m ? m : "");
	json_decref(root);
}

static int get_str(json_t *o, const char *key, char *out, size_t cap, bool empty_ok)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t n;

	if (!s)
		return LP_ERR_INVALID;
	n = json_string_length(v);
	if (n >= cap || (!empty_ok && n == 0) || strlen(s) != n)
		return LP_ERR_INVALID;
	memcpy(out, s, n + 1);
	return 0;
}

static int get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return LP_ERR_INVALID;
	*out = (int64_t)json_integer_value(v);
	return *out < min || *out > max ? LP_ERR_INVALID : 0;
}

static int parse_join(const struct body *b, struct lp_join_config *out, const char **field)
{
	json_error_t je;
	json_t *root = json_loadb(b->buf, b->len, JSON_REJECT_DUPLICATES, &je), *quic;
	char role[16];
	int64_t v;
	int r = LP_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	*field = "the body (not JSON)";
	if (!json_is_object(root))
		goto out;
	quic = json_object_get(root, "quic");
	if ((*field = "room_id", get_int(root, *field, 1, (int64_t)LP_CTRL_INT_MAX, &v)) < 0)
		goto out;
	out->room_id = v;
	if ((*field = "room_name",
	     get_str(root, *field, out->room_name, sizeof(out->room_name), false)) < 0)
		goto out;
	if ((*field = "role", get_str(root, *field, role, sizeof(role), false)) < 0)
		goto out;
	if (strcmp(role, "client") == 0)
		out->role = LP_CTRL_ROLE_CLIENT;
	else if (strcmp(role, "gateway") == 0)
		out->role = LP_CTRL_ROLE_GATEWAY;
	else
		goto out;
	if ((*field = "mtu", get_int(root, *field, LP_MTU_MIN, LP_MTU_MAX, &v)) < 0)
		goto out;
	out->mtu = (uint32_t)v;
	if ((*field = "max_clients", get_int(root, *field, 0, UINT32_MAX, &v)) < 0)
		goto out;
	out->max_clients = (uint32_t)v;
	if ((*field = "quic.host",
	     get_str(quic, "host", out->quic_host, sizeof(out->quic_host), false)) < 0)
		goto out;
	if ((*field = "quic.port", get_int(quic, "port", 1, 65535, &v)) < 0)
		goto out;
	out->quic_port = (uint16_t)v;
	if ((*field = "server_name",
	     get_str(root, *field, out->server_name, sizeof(out->server_name), true)) < 0)
		goto out;
	*field = NULL;
	r = 0;
out:
	json_decref(root);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

static int curl_error(CURLcode cc, const char *url, const char *host, uint16_t port, int timeout_ms,
		      const char *detail, char *err, size_t errlen)
{
	switch (cc) {
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		snprintf(err, errlen,
			 "the relay's certificate at %s does not match the pin in the invite "
			 "(another server, or the relay has a new certificate: ask for a new "
			 "invite)",
			 url);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, errlen,
			 "the relay's certificate at %s is not trusted by this system (%s); an "
			 "invite with a pin avoids this",
			 url, detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, errlen, "cannot resolve the relay's host name %s", host);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen,
			 "cannot connect to the relay's API at %s (is the relay running, and TCP "
			 "port %u open?)",
			 url, port);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "no answer from the relay's API at %s within %d s", url,
			 (timeout_ms + 999) / 1000);
		break;
	case CURLE_WRITE_ERROR:
		snprintf(err, errlen, "the answer from %s is too large to be the relay's", url);
		return LP_ERR_INVALID;
	case CURLE_OUT_OF_MEMORY:
		snprintf(err, errlen, "out of memory");
		return LP_ERR_NOMEM;
	default:
		snprintf(err, errlen, "cannot fetch the room config from %s: %s", url,
			 detail[0] ? detail : curl_easy_strerror(cc));
		break;
	}
	return LP_ERR_AGAIN;
}

static int status_error(long status, const struct body *b, const char *url, uint32_t retry_after,
			char *err, size_t errlen)
{
	char msg[LP_CTRL_MESSAGE_MAX + 1];

	api_message(b, msg, sizeof(msg));
	switch (status) {
	case 401:
		snprintf(err, errlen,
			 "the invite code is unknown: ask the organiser for a new invite");
		return LP_ERR_NOT_FOUND;
	case 403:
		snprintf(err, errlen, "the room is closed: %s",
			 msg[0] ? msg : "it is disabled or has ended, or the code was revoked");
		return LP_ERR_STATE;
	case 429:
		if (retry_after)
			snprintf(err, errlen,
				 "the relay refuses joins from this address for now (too many "
				 "failed attempts): retry in %u s",
				 retry_after);
		else
			snprintf(err, errlen,
				 "the relay refuses joins from this address for now (too many "
				 "failed attempts)");
		return LP_ERR_LIMIT;
	case 404:
		snprintf(err, errlen,
			 "%s answered 404: is this the relay's API port (the invite's api=)?", url);
		return LP_ERR_AGAIN;
	default:
		snprintf(err, errlen, "the relay's API at %s answered %ld%s%s", url, status,
			 msg[0] ? ": " : "", msg);
		return LP_ERR_AGAIN;
	}
}

int lp_agent_fetch_config_ra(const struct lp_invite *inv, int timeout_ms,
			     struct lp_join_config *out, uint32_t *retry_after, char *err,
			     size_t errlen)
{
	char url[LP_INVITE_HOST_MAX + 48], auth[LP_CODE_MAX + 32], pin[LP_PIN_STRLEN];
	char curlerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	struct body *b;
	const char *field;
	long status = 0;
	curl_off_t ra = 0;
	CURLcode cc;
	CURL *h;
	int r;

	memset(out, 0, sizeof(*out));
	*retry_after = 0;
	if (errlen > 0)
		err[0] = '\0';
	if (!curl_ready()) {
		snprintf(err, errlen, "libcurl failed to initialise");
		return LP_ERR_NOMEM;
	}
	snprintf(url, sizeof(url), "https://%s%s%s:%u/api/v1/join",
		 inv->host_type == LP_INVITE_HOST_IPV6 ? "[" : "", inv->host,
		 inv->host_type == LP_INVITE_HOST_IPV6 ? "]" : "", inv->api_port);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", inv->code);
	b = calloc(1, sizeof(*b));
	h = curl_easy_init();
	hdrs = curl_slist_append(NULL, auth);
	if (hdrs)
		hdrs = curl_slist_append(hdrs, "Accept: application/json");
	explicit_bzero(auth, sizeof(auth));
	if (!b || !h || !hdrs) {
		snprintf(err, errlen, "out of memory");
		r = LP_ERR_NOMEM;
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "softlan-agent/" LP_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	if (inv->has_pin) {
		/* The pin replaces CA trust for a self-signed relay; curl still checks it. */
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, lp_pin_format(inv->pin, pin));
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		r = curl_error(cc, url, inv->host, inv->api_port, timeout_ms, curlerr, err, errlen);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		*retry_after =
			ra > LP_CTRL_RETRY_AFTER_MAX ? LP_CTRL_RETRY_AFTER_MAX : (uint32_t)ra;
	if (status != 200) {
		r = status_error(status, b, url, *retry_after, err, errlen);
		goto out;
	}
	if ((r = parse_join(b, out, &field)) < 0) {
		snprintf(err, errlen, "the room config from %s is malformed: bad %s", url, field);
		goto out;
	}
	if ((out->role == LP_CTRL_ROLE_GATEWAY) != (inv->role == LP_INVITE_GATEWAY)) {
		snprintf(err, errlen,
			 "the relay says this invite's code admits a %s, but this is the %s "
			 "agent: use the right invite",
			 out->role == LP_CTRL_ROLE_GATEWAY ? "LAN gateway" : "player",
			 inv->role == LP_INVITE_GATEWAY ? "gateway" : "player");
		memset(out, 0, sizeof(*out));
		r = LP_ERR_STATE;
		goto out;
	}
	r = 0;
out:
	curl_slist_free_all(hdrs);
	if (h)
		curl_easy_cleanup(h);
	free(b);
	return r;
}

int lp_agent_fetch_config(const struct lp_invite *inv, int timeout_ms, struct lp_join_config *out,
			  char *err, size_t errlen)
{
	uint32_t ra;

	return lp_agent_fetch_config_ra(inv, timeout_ms, out, &ra, err, errlen);
}
