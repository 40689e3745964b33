/*
 * tls_cert.c: certificates as files and PEM text: generate, check, load,
 * save, pin. The credentials built from them live in tls.c.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "err.h"
#include "log.h"

LP_LOG_PRINTF(3, 4) static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

bool lp_tls_name_is_ip(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return name && (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1);
}

static bool name_ok(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > LP_TLS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

/* Copy a gnutls datum into a fresh NUL-terminated heap string. */
static char *dup_datum(const gnutls_datum_t *d, size_t *len)
{
	char *s = malloc((size_t)d->size + 1);

	if (!s)
		return NULL;
	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	*len = d->size;
	return s;
}

static int set_name(gnutls_x509_crt_t crt, const char *name)
{
	unsigned char ip[sizeof(struct in6_addr)];
	unsigned int ip_len = 0;

	if (gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
					  (unsigned int)strlen(name)) < 0)
		return -1;
	if (inet_pton(AF_INET, name, ip) == 1)
		ip_len = 4;
	else if (inet_pton(AF_INET6, name, ip) == 1)
		ip_len = 16;
	if (ip_len)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, ip_len,
							    GNUTLS_FSAN_SET);
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
						    (unsigned int)strlen(name), GNUTLS_FSAN_SET);
}

/* Fill crt's fields for a self-signed server certificate on key. */
static int fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *name)
{
	unsigned char serial[16], keyid[64];
	size_t keyid_len = sizeof(keyid);
	time_t now = time(NULL);

	if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
		return -1;
	/* A positive, non-zero DER INTEGER. */
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + (time_t)LP_TLS_CERT_DAYS * 86400) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 || set_name(crt, name) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_get_key_id(crt, 0, keyid, &keyid_len) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, keyid, keyid_len) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
		return -1;
	return 0;
}

int lp_tls_pem_generate(const char *server_name, struct lp_tls_pem *out)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cd = { NULL, 0 }, kd = { NULL, 0 };
	int err = LP_ERR_UNSUPPORTED;

	memset(out, 0, sizeof(*out));
	if (!name_ok(server_name))
		return LP_ERR_INVALID;
	if (gnutls_x509_privkey_init(&key) < 0 || gnutls_x509_crt_init(&crt) < 0)
		goto out_free;
	if (gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
		goto out_free;
	if (fill_cert(crt, key, server_name) < 0)
		goto out_free;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
					      &kd) < 0)
		goto out_free;
	err = LP_ERR_NOMEM;
	out->cert = dup_datum(&cd, &out->cert_len);
	out->key = dup_datum(&kd, &out->key_len);
	if (!out->cert || !out->key) {
		lp_tls_pem_free(out);
		goto out_free;
	}
	err = 0;
out_free:
	if (kd.data) {
		gnutls_memset(kd.data, 0, kd.size);
		gnutls_free(kd.data);
	}
	gnutls_free(cd.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return err;
}

void lp_tls_pem_free(struct lp_tls_pem *pem)
{
	if (!pem)
		return;
	if (pem->key)
		gnutls_memset(pem->key, 0, pem->key_len);
	free(pem->key);
	free(pem->cert);
	memset(pem, 0, sizeof(*pem));
}

/* DER SubjectPublicKeyInfo of a public key; caller gnutls_free()s out->data. */
static int spki_of_pubkey(gnutls_pubkey_t pub, gnutls_datum_t *out)
{
	return gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out) < 0 ? LP_ERR_INVALID : 0;
}

static int spki_of_crt(gnutls_x509_crt_t crt, gnutls_datum_t *out)
{
	gnutls_pubkey_t pub;
	int err = LP_ERR_INVALID;

	if (gnutls_pubkey_init(&pub) < 0)
		return LP_ERR_NOMEM;
	if (gnutls_pubkey_import_x509(pub, crt, 0) >= 0)
		err = spki_of_pubkey(pub, out);
	gnutls_pubkey_deinit(pub);
	return err;
}

static int pin_of_crt(gnutls_x509_crt_t crt, uint8_t pin[LP_TLS_PIN_LEN])
{
	gnutls_datum_t spki = { NULL, 0 };
	int err = spki_of_crt(crt, &spki);

	if (err)
		return err;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, pin) < 0)
		err = LP_ERR_UNSUPPORTED;
	gnutls_free(spki.data);
	return err;
}

int lp_tls_pin_from_der(const uint8_t *der, size_t len, uint8_t pin[LP_TLS_PIN_LEN])
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)der, (unsigned int)len };
	int err = LP_ERR_INVALID;

	if (!der || len == 0 || len > LP_TLS_PEM_MAX)
		return LP_ERR_INVALID;
	if (gnutls_x509_crt_init(&crt) < 0)
		return LP_ERR_NOMEM;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0)
		err = pin_of_crt(crt, pin);
	gnutls_x509_crt_deinit(crt);
	return err;
}

int lp_tls_pin_from_pem(const char *pem, size_t len, uint8_t pin[LP_TLS_PIN_LEN])
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem, (unsigned int)len };
	int err = LP_ERR_INVALID;

	if (!pem || len == 0 || len > LP_TLS_PEM_MAX)
		return LP_ERR_INVALID;
	if (gnutls_x509_crt_init(&crt) < 0)
		return LP_ERR_NOMEM;
	/* gnutls imports the first PEM certificate of the text: the leaf. */
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0)
		err = pin_of_crt(crt, pin);
	gnutls_x509_crt_deinit(crt);
	return err;
}

bool lp_tls_pin_equal(const uint8_t a[LP_TLS_PIN_LEN], const uint8_t b[LP_TLS_PIN_LEN])
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < LP_TLS_PIN_LEN; i++)
		diff = (uint8_t)(diff | (a[i] ^ b[i]));
	return diff == 0;
}

static int import_key(const struct lp_tls_pem *pem, const char *label, gnutls_privkey_t *out,
		      char *why, size_t whylen)
{
	gnutls_datum_t d = { (unsigned char *)pem->key, (unsigned int)pem->key_len };
	gnutls_privkey_t key;

	if (!pem->key || pem->key_len == 0 || pem->key_len > LP_TLS_PEM_MAX ||
	    !strstr(pem->key, "-----BEGIN ")) {
		say(why, whylen, "%s: no PEM private key found", label);
		return LP_ERR_INVALID;
	}
	if (strstr(pem->key, "ENCRYPTED")) {
		say(why, whylen, "%s: encrypted private keys are not supported", label);
		return LP_ERR_UNSUPPORTED;
	}
	if (gnutls_privkey_init(&key) < 0)
		return LP_ERR_NOMEM;
	if (gnutls_privkey_import_x509_raw(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
		gnutls_privkey_deinit(key);
		say(why, whylen, "%s: not a valid PEM private key", label);
		return LP_ERR_INVALID;
	}
	*out = key;
	return 0;
}

/* 0 when key's public half is the SPKI of crt. */
static int match_key(gnutls_privkey_t key, gnutls_x509_crt_t crt)
{
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	gnutls_pubkey_t pub;
	int err;

	if (gnutls_pubkey_init(&pub) < 0)
		return LP_ERR_NOMEM;
	err = gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ? LP_ERR_INVALID : 0;
	if (!err)
		err = spki_of_pubkey(pub, &a);
	if (!err)
		err = spki_of_crt(crt, &b);
	if (!err && (a.size != b.size || memcmp(a.data, b.data, a.size) != 0))
		err = LP_ERR_INVALID;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pub);
	return err;
}

/* lp_tls_pem_check with the names the messages use for the two parts. */
static int check_pem(const struct lp_tls_pem *pem, const char *cert_label, const char *key_label,
		     uint8_t pin[LP_TLS_PIN_LEN], char *why, size_t whylen)
{
	gnutls_x509_crt_t *list = NULL;
	unsigned int n = 0;
	gnutls_privkey_t key = NULL;
	gnutls_datum_t d;
	int err;

	if (!pem || !pem->cert || pem->cert_len == 0 || pem->cert_len > LP_TLS_PEM_MAX ||
	    !strstr(pem->cert, "-----BEGIN CERTIFICATE-----")) {
		say(why, whylen, "%s: no PEM certificate found", cert_label);
		return LP_ERR_INVALID;
	}
	d.data = (unsigned char *)pem->cert;
	d.size = (unsigned int)pem->cert_len;
	if (gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0) < 0 || n == 0) {
		say(why, whylen, "%s: not a valid PEM certificate", cert_label);
		return LP_ERR_INVALID;
	}
	err = import_key(pem, key_label, &key, why, whylen);
	if (!err) {
		err = match_key(key, list[0]);
		if (err == LP_ERR_INVALID)
			say(why, whylen, "%s does not match the certificate in %s", key_label,
			    cert_label);
	}
	if (!err && pin)
		err = pin_of_crt(list[0], pin);
	if (key)
		gnutls_privkey_deinit(key);
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return err;
}

int lp_tls_pem_check(const struct lp_tls_pem *pem, uint8_t pin[LP_TLS_PIN_LEN], char *why,
		     size_t whylen)
{
	return check_pem(pem, "certificate", "private key", pin, why, whylen);
}

/* Read a whole file of at most LP_TLS_PEM_MAX bytes into a NUL-terminated string. */
static int read_file(const char *path, char **out, size_t *out_len, char *why, size_t whylen)
{
	size_t len = 0;
	char *buf, *small;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		say(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	/* One byte more than allowed tells "too big" from "exactly the limit". */
	buf = malloc(LP_TLS_PEM_MAX + 2);
	if (!buf) {
		close(fd);
		return LP_ERR_NOMEM;
	}
	while (len < LP_TLS_PEM_MAX + 1) {
		ssize_t n = read(fd, buf + len, LP_TLS_PEM_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			say(why, whylen, "%s: %s", path, strerror(-err));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!err && len > LP_TLS_PEM_MAX) {
		err = LP_ERR_TOO_BIG;
		say(why, whylen, "%s: larger than %d bytes", path, LP_TLS_PEM_MAX);
	}
	if (err) {
		gnutls_memset(buf, 0, len);
		free(buf);
		return err;
	}
	buf[len] = '\0';
	small = realloc(buf, len + 1);
	*out = small ? small : buf;
	*out_len = len;
	return 0;
}

int lp_tls_pem_load(const char *cert_path, const char *key_path, struct lp_tls_pem *out,
		    uint8_t pin[LP_TLS_PIN_LEN], char *why, size_t whylen)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (!cert_path || !key_path)
		return LP_ERR_INVALID;
	err = read_file(cert_path, &out->cert, &out->cert_len, why, whylen);
	if (!err)
		err = read_file(key_path, &out->key, &out->key_len, why, whylen);
	if (!err)
		err = check_pem(out, cert_path, key_path, pin, why, whylen);
	if (err)
		lp_tls_pem_free(out);
	return err;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		dir[0] = '.';
		dir[1] = '\0';
	} else if (slash == path) {
		dir[0] = '/';
		dir[1] = '\0';
	} else {
		size_t n = (size_t)(slash - path);

		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Best effort: the data itself is already synced. */
	(void)fsync(fd);
	close(fd);
}

static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int n, fd, err;

	n = snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return LP_ERR_TOO_BIG;
	/* mkstemp creates the file 0600 whatever the umask: the key never leaks. */
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	sync_dir(path);
	return 0;
}

int lp_tls_pem_save(const struct lp_tls_pem *pem, const char *cert_path, const char *key_path)
{
	int err;

	if (!pem || !pem->cert || !pem->key || !cert_path || !key_path)
		return LP_ERR_INVALID;
	err = write_atomic(key_path, pem->key, pem->key_len, 0600);
	if (!err)
		err = write_atomic(cert_path, pem->cert, pem->cert_len, 0644);
	return err;
}
