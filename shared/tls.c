/*
 * tls.c: gnutls credentials (server, pinned client, system-trust client)
 * and the sessions built on them. Certificates and pins: tls_cert.c.
 */
#include "tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#include "err.h"
#include "log.h"

enum creds_kind {
	CREDS_SERVER,
	CREDS_CLIENT_PIN,
	CREDS_CLIENT_SYSTEM,
};

struct lp_tls_creds {
	unsigned int refs;
	enum creds_kind kind;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	uint8_t pin[LP_TLS_PIN_LEN];
	struct lp_tls_pem pem; /* server only */
};

LP_LOG_PRINTF(3, 4) static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static void creds_free(struct lp_tls_creds *c)
{
	if (c->prio)
		gnutls_priority_deinit(c->prio);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	lp_tls_pem_free(&c->pem);
	free(c);
}

static int creds_alloc(enum creds_kind kind, struct lp_tls_creds **out)
{
	struct lp_tls_creds *c = calloc(1, sizeof(*c));

	if (!c)
		return LP_ERR_NOMEM;
	c->refs = 1;
	c->kind = kind;
	if (gnutls_certificate_allocate_credentials(&c->cred) < 0) {
		free(c);
		return LP_ERR_NOMEM;
	}
	if (gnutls_priority_init2(&c->prio, LP_TLS_PRIORITY, NULL, 0) < 0) {
		creds_free(c);
		return LP_ERR_UNSUPPORTED;
	}
	*out = c;
	return 0;
}

static char *dup_str(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

int lp_tls_creds_server_new(const struct lp_tls_pem *pem, struct lp_tls_creds **out, char *why,
			    size_t whylen)
{
	struct lp_tls_creds *c;
	gnutls_datum_t cd, kd;
	int err, rv;

	*out = NULL;
	err = creds_alloc(CREDS_SERVER, &c);
	if (err)
		return err;
	err = lp_tls_pem_check(pem, c->pin, why, whylen);
	if (err)
		goto out_free;
	c->pem.cert = dup_str(pem->cert, pem->cert_len);
	c->pem.cert_len = pem->cert_len;
	c->pem.key = dup_str(pem->key, pem->key_len);
	c->pem.key_len = pem->key_len;
	err = LP_ERR_NOMEM;
	if (!c->pem.cert || !c->pem.key)
		goto out_free;
	cd.data = (unsigned char *)c->pem.cert;
	cd.size = (unsigned int)c->pem.cert_len;
	kd.data = (unsigned char *)c->pem.key;
	kd.size = (unsigned int)c->pem.key_len;
	rv = gnutls_certificate_set_x509_key_mem2(c->cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rv < 0) {
		say(why, whylen, "gnutls refused the certificate: %s", gnutls_strerror(rv));
		err = LP_ERR_UNSUPPORTED;
		goto out_free;
	}
	*out = c;
	return 0;
out_free:
	creds_free(c);
	return err;
}

int lp_tls_creds_server_load(const char *cert_path, const char *key_path, struct lp_tls_creds **out,
			     char *why, size_t whylen)
{
	struct lp_tls_pem pem;
	int err;

	*out = NULL;
	err = lp_tls_pem_load(cert_path, key_path, &pem, NULL, why, whylen);
	if (err)
		return err;
	err = lp_tls_creds_server_new(&pem, out, why, whylen);
	lp_tls_pem_free(&pem);
	return err;
}

int lp_tls_creds_reload(struct lp_tls_creds **slot, const char *cert_path, const char *key_path,
			char *why, size_t whylen)
{
	struct lp_tls_creds *fresh;
	int err = lp_tls_creds_server_load(cert_path, key_path, &fresh, why, whylen);

	if (err)
		return err;
	lp_tls_creds_unref(*slot);
	*slot = fresh;
	return 0;
}

/*
 * Runs inside the handshake when the server's certificate arrives. The
 * session's db pointer carries the credentials (see lp_tls_session_new):
 * the session pointer itself belongs to ngtcp2's conn_ref.
 */
static int verify_pin(gnutls_session_t s)
{
	const struct lp_tls_creds *c = gnutls_db_get_ptr(s);
	const gnutls_datum_t *peers;
	unsigned int n = 0;
	uint8_t pin[LP_TLS_PIN_LEN];

	if (!c || c->kind != CREDS_CLIENT_PIN || gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
		return GNUTLS_E_CERTIFICATE_ERROR;
	peers = gnutls_certificate_get_peers(s, &n);
	if (!peers || n == 0)
		return GNUTLS_E_CERTIFICATE_ERROR;
	if (lp_tls_pin_from_der(peers[0].data, peers[0].size, pin) != 0)
		return GNUTLS_E_CERTIFICATE_ERROR;
	return lp_tls_pin_equal(pin, c->pin) ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
}

int lp_tls_creds_client_pinned_new(const uint8_t pin[LP_TLS_PIN_LEN], struct lp_tls_creds **out)
{
	struct lp_tls_creds *c;
	int err;

	*out = NULL;
	err = creds_alloc(CREDS_CLIENT_PIN, &c);
	if (err)
		return err;
	memcpy(c->pin, pin, LP_TLS_PIN_LEN);
	gnutls_certificate_set_verify_function(c->cred, verify_pin);
	*out = c;
	return 0;
}

int lp_tls_creds_client_system_new(struct lp_tls_creds **out, char *why, size_t whylen)
{
	struct lp_tls_creds *c;
	int err, rv;

	*out = NULL;
	err = creds_alloc(CREDS_CLIENT_SYSTEM, &c);
	if (err)
		return err;
	rv = gnutls_certificate_set_x509_system_trust(c->cred);
	if (rv <= 0) {
		say(why, whylen, "no system trust anchors: %s",
		    rv < 0 ? gnutls_strerror(rv) : "the store is empty");
		creds_free(c);
		return LP_ERR_NOT_FOUND;
	}
	*out = c;
	return 0;
}

struct lp_tls_creds *lp_tls_creds_ref(struct lp_tls_creds *c)
{
	c->refs++;
	return c;
}

void lp_tls_creds_unref(struct lp_tls_creds *c)
{
	if (c && --c->refs == 0)
		creds_free(c);
}

bool lp_tls_creds_is_server(const struct lp_tls_creds *c)
{
	return c->kind == CREDS_SERVER;
}

const struct lp_tls_pem *lp_tls_creds_pem(const struct lp_tls_creds *c)
{
	return c->kind == CREDS_SERVER ? &c->pem : NULL;
}

const uint8_t *lp_tls_creds_pin(const struct lp_tls_creds *c)
{
	return c->kind == CREDS_CLIENT_SYSTEM ? NULL : c->pin;
}

static int client_setup(struct lp_tls_creds *c, gnutls_session_t s, const char *server_name)
{
	bool ip = lp_tls_name_is_ip(server_name);

	if (server_name && (strlen(server_name) == 0 || strlen(server_name) > LP_TLS_NAME_MAX))
		return LP_ERR_INVALID;
	/* RFC 6066: SNI carries host names only, never address literals. */
	if (server_name && !ip &&
	    gnutls_server_name_set(s, GNUTLS_NAME_DNS, server_name, strlen(server_name)) < 0)
		return LP_ERR_UNSUPPORTED;
	if (c->kind == CREDS_CLIENT_SYSTEM) {
		if (!server_name)
			return LP_ERR_INVALID;
		gnutls_session_set_verify_cert(s, server_name, 0);
	} else {
		gnutls_db_set_ptr(s, c);
	}
	return 0;
}

int lp_tls_session_new(struct lp_tls_creds *c, const char *server_name, const char *alpn,
		       gnutls_session_t *out)
{
	unsigned int flags, alpn_flags = GNUTLS_ALPN_MANDATORY;
	gnutls_datum_t proto;
	gnutls_session_t s;
	int err = LP_ERR_UNSUPPORTED;

	*out = NULL;
	if (!alpn || strlen(alpn) == 0 || strlen(alpn) > 255)
		return LP_ERR_INVALID;
	if (c->kind == CREDS_SERVER) {
		/* No session tickets: there is no resumption, and QUIC carries no
		 * EndOfEarlyData. */
		flags = GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA;
		alpn_flags |= GNUTLS_ALPN_SERVER_PRECEDENCE;
	} else {
		flags = GNUTLS_CLIENT;
	}
	if (gnutls_init(&s, flags) < 0)
		return LP_ERR_NOMEM;
	proto.data = (unsigned char *)(uintptr_t)alpn;
	proto.size = (unsigned int)strlen(alpn);
	if (gnutls_priority_set(s, c->prio) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->cred) < 0 ||
	    gnutls_alpn_set_protocols(s, &proto, 1, alpn_flags) < 0)
		goto out_deinit;
	if (c->kind != CREDS_SERVER) {
		err = client_setup(c, s, server_name);
		if (err)
			goto out_deinit;
	}
	*out = s;
	return 0;
out_deinit:
	gnutls_deinit(s);
	return err;
}
