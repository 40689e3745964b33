/* Unit tests for shared/tls.c and shared/tls_cert.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "err.h"
#include "invite.h"
#include "tls.h"

/*
 * Test vector (also in docs/.parts/quic.md): a self-signed P-256 certificate
 * for relay.example and its pin, computed independently with
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum
 */
static const char vec_cert[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBmzCCAUKgAwIBAgIQbTX7nDvlZhfcqiHUZsAOsTAKBggqhkjOPQQDAjAYMRYw\n"
			       "FAYDVQQDEw1yZWxheS5leGFtcGxlMB4XDTI2MTEyNjEwNDMxMFoXDTM2MTEyMzEx\n"
			       "NDMxMFowGDEWMBQGA1UEAxMNcmVsYXkuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqG\n"
			       "SM49AwEHA0IABF+uJqePfpw1B0Np98eyMxA6uMjpAs4TH9ihTcDgU0futgrExw5p\n"
			       "+MLa2CYf1Z5KDkqp5DPNgiytpFIWodL2o3ijbjBsMBgGA1UdEQQRMA+CDXJlbGF5\n"
			       "LmV4YW1wbGUwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAww\n"
			       "CgYIKwYBBQUHAwEwHQYDVR0OBBYEFHGzf33eTTZMC9tHO9ygWzO4f052MAoGCCqG\n"
			       "SM49BAMCA0cAMEQCIAVCYcCzWDbakqx0x9J1WU2Nzy6a48kGw8B3JOxh57g2AiAk\n"
			       "oNj6UFlIV8XCI391YAXYxylHq1slyTrOv0s+iZT83A==\n"
			       "-----END CERTIFICATE-----\n";

static const uint8_t vec_pin[LP_TLS_PIN_LEN] = {
	0xe8, 0xc2, 0x0d, 0x00, 0xba, 0xcb, 0xb9, 0xd4, 0x00, 0x19, 0x26,
	0x63, 0x7e, 0x11, 0x74, 0x2d, 0x1c, 0x2f, 0xf9, 0x08, 0xce, 0xc5,
	0x1e, 0x24, 0xfa, 0x5f, 0xba, 0x7d, 0x3a, 0x1b, 0x01, 0x52,
};

/* Its DER SubjectPublicKeyInfo: the bytes the pin hashes. */
static const uint8_t vec_spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
	0x04, 0x5f, 0xae, 0x26, 0xa7, 0x8f, 0x7e, 0x9c, 0x35, 0x07, 0x43, 0x69, 0xf7,
	0xc7, 0xb2, 0x33, 0x10, 0x3a, 0xb8, 0xc8, 0xe9, 0x02, 0xce, 0x13, 0x1f, 0xd8,
	0xa1, 0x4d, 0xc0, 0xe0, 0x53, 0x47, 0xee, 0xb6, 0x0a, 0xc4, 0xc7, 0x0e, 0x69,
	0xf8, 0xc2, 0xda, 0xd8, 0x26, 0x1f, 0xd5, 0x9e, 0x4a, 0x0e, 0x4a, 0xa9, 0xe4,
	0x33, 0xcd, 0x82, 0x2c, 0xad, 0xa4, 0x52, 0x16, 0xa1, 0xd2, 0xf6, 0xa3, 0x78,
};

/* curl's --pinnedpubkey form of vec_pin, minus the "sha256//" prefix. */
static const char vec_pin_b64[] = "6MINALrLudQAGSZjfhF0LRwv+QjOxR4k+l+6fTobAVI=";

struct fixture {
	char dir[64];
	char cert[128], key[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_tls.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
		chmod(path, 0600);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_vector_pin(void **state)
{
	uint8_t pin[LP_TLS_PIN_LEN];
	gnutls_datum_t pem = { (unsigned char *)(uintptr_t)vec_cert, sizeof(vec_cert) - 1 };
	gnutls_datum_t der, b64;

	(void)state;
	assert_int_equal(lp_tls_pin_from_pem(vec_cert, strlen(vec_cert), pin), 0);
	assert_memory_equal(pin, vec_pin, LP_TLS_PIN_LEN);

	/* The SPKI is what openssl printed, and hashes to the pin. */
	{
		gnutls_x509_crt_t crt;
		gnutls_pubkey_t pub;
		gnutls_datum_t spki;
		uint8_t h[32];

		assert_int_equal(gnutls_x509_crt_init(&crt), 0);
		assert_int_equal(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
		assert_int_equal(gnutls_pubkey_init(&pub), 0);
		assert_int_equal(gnutls_pubkey_import_x509(pub, crt, 0), 0);
		assert_int_equal(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki), 0);
		assert_int_equal(spki.size, sizeof(vec_spki));
		assert_memory_equal(spki.data, vec_spki, sizeof(vec_spki));
		assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, vec_spki, sizeof(vec_spki), h),
				 0);
		assert_memory_equal(h, vec_pin, sizeof(h));
		gnutls_free(spki.data);
		gnutls_pubkey_deinit(pub);
		gnutls_x509_crt_deinit(crt);
	}

	/* The same from DER. */
	assert_int_equal(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der), 0);
	memset(pin, 0, sizeof(pin));
	assert_int_equal(lp_tls_pin_from_der(der.data, der.size, pin), 0);
	assert_memory_equal(pin, vec_pin, LP_TLS_PIN_LEN);
	gnutls_free(der.data);

	/* Its base64 is what curl --pinnedpubkey takes (gnutls' encoder, not ours). */
	der.data = pin;
	der.size = LP_TLS_PIN_LEN;
	assert_int_equal(gnutls_base64_encode2(&der, &b64), 0);
	assert_int_equal(b64.size, strlen(vec_pin_b64));
	assert_memory_equal(b64.data, vec_pin_b64, b64.size);
	gnutls_free(b64.data);
}

/* invite.h writes and reads the same pin in curl's form. */
static void test_vector_pin_invite(void **state)
{
	char text[LP_PIN_STRLEN];
	uint8_t back[LP_PIN_LEN];

	(void)state;
	assert_int_equal(LP_PIN_LEN, LP_TLS_PIN_LEN);
	lp_pin_format(vec_pin, text);
	assert_string_equal(text, "sha256//6MINALrLudQAGSZjfhF0LRwv+QjOxR4k+l+6fTobAVI=");
	assert_int_equal(lp_pin_parse(text, strlen(text), back, NULL, 0), 0);
	assert_memory_equal(back, vec_pin, LP_PIN_LEN);
}

static void test_pin_errors(void **state)
{
	uint8_t pin[LP_TLS_PIN_LEN];
	static const uint8_t junk[] = { 0x30, 0x82, 0x01, 0x00, 0x01, 0x02 };

	(void)state;
	assert_int_equal(lp_tls_pin_from_pem("", 0, pin), LP_ERR_INVALID);
	assert_int_equal(lp_tls_pin_from_pem("hello", 5, pin), LP_ERR_INVALID);
	assert_int_equal(lp_tls_pin_from_pem(NULL, 5, pin), LP_ERR_INVALID);
	assert_int_equal(lp_tls_pin_from_der(junk, sizeof(junk), pin), LP_ERR_INVALID);
	assert_int_equal(lp_tls_pin_from_der(NULL, 0, pin), LP_ERR_INVALID);
	/* A truncated certificate. */
	assert_int_equal(lp_tls_pin_from_pem(vec_cert, 200, pin), LP_ERR_INVALID);
}

static void test_pin_equal(void **state)
{
	uint8_t a[LP_TLS_PIN_LEN], b[LP_TLS_PIN_LEN];

	(void)state;
	memcpy(a, vec_pin, sizeof(a));
	memcpy(b, vec_pin, sizeof(b));
	assert_true(lp_tls_pin_equal(a, b));
	for (size_t i = 0; i < LP_TLS_PIN_LEN; i++) {
		b[i] ^= 0x01;
		assert_false(lp_tls_pin_equal(a, b));
		b[i] ^= 0x81;
		assert_false(lp_tls_pin_equal(a, b));
		b[i] ^= 0x80;
	}
	assert_true(lp_tls_pin_equal(a, b));
}

static void check_san(const struct lp_tls_pem *pem, unsigned int want_type, const void *want,
		      size_t want_len)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)pem->cert, (unsigned int)pem->cert_len };
	char san[256];
	size_t san_len = sizeof(san);
	unsigned int critical;

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_crt_get_subject_alt_name(crt, 0, san, &san_len, &critical),
			 (int)want_type);
	assert_int_equal(san_len, want_len);
	assert_memory_equal(san, want, want_len);
	assert_true(gnutls_x509_crt_get_expiration_time(crt) >
		    gnutls_x509_crt_get_activation_time(crt) + 3000L * 86400);
	assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, NULL), GNUTLS_PK_ECDSA);
	gnutls_x509_crt_deinit(crt);
}

static void test_generate(void **state)
{
	struct lp_tls_pem pem;
	uint8_t pin1[LP_TLS_PIN_LEN], pin2[LP_TLS_PIN_LEN];
	static const uint8_t ip4[] = { 192, 0, 2, 7 };
	static const uint8_t ip6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	(void)state;
	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_non_null(strstr(pem.cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(pem.key, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(strlen(pem.cert), pem.cert_len);
	assert_int_equal(strlen(pem.key), pem.key_len);
	assert_int_equal(lp_tls_pem_check(&pem, pin1, NULL, 0), 0);
	assert_int_equal(lp_tls_pin_from_pem(pem.cert, pem.cert_len, pin2), 0);
	assert_memory_equal(pin1, pin2, LP_TLS_PIN_LEN);
	check_san(&pem, GNUTLS_SAN_DNSNAME, "relay.example", 13);
	lp_tls_pem_free(&pem);
	assert_null(pem.cert);

	assert_int_equal(lp_tls_pem_generate("192.0.2.7", &pem), 0);
	check_san(&pem, GNUTLS_SAN_IPADDRESS, ip4, sizeof(ip4));
	lp_tls_pem_free(&pem);
	assert_int_equal(lp_tls_pem_generate("2001:db8::1", &pem), 0);
	check_san(&pem, GNUTLS_SAN_IPADDRESS, ip6, sizeof(ip6));
	lp_tls_pem_free(&pem);

	/* Two certificates never share a key. */
	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_int_equal(lp_tls_pem_check(&pem, pin2, NULL, 0), 0);
	assert_memory_not_equal(pin1, pin2, LP_TLS_PIN_LEN);
	lp_tls_pem_free(&pem);
	lp_tls_pem_free(NULL);
}

static void test_generate_bad_names(void **state)
{
	struct lp_tls_pem pem;
	char longname[LP_TLS_NAME_MAX + 2];
	static const char *const bad[] = { "", "a b", "tab\tname", "caf\xc3\xa9.example", "x\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lp_tls_pem_generate(bad[i], &pem), LP_ERR_INVALID);
	assert_int_equal(lp_tls_pem_generate(NULL, &pem), LP_ERR_INVALID);
	memset(longname, 'a', sizeof(longname));
	longname[LP_TLS_NAME_MAX + 1] = '\0';
	assert_int_equal(lp_tls_pem_generate(longname, &pem), LP_ERR_INVALID);
	longname[LP_TLS_NAME_MAX] = '\0';
	assert_int_equal(lp_tls_pem_generate(longname, &pem), 0);
	lp_tls_pem_free(&pem);
}

static void test_name_is_ip(void **state)
{
	(void)state;
	assert_true(lp_tls_name_is_ip("127.0.0.1"));
	assert_true(lp_tls_name_is_ip("::1"));
	assert_false(lp_tls_name_is_ip("localhost"));
	assert_false(lp_tls_name_is_ip("1.2.3"));
	assert_false(lp_tls_name_is_ip(NULL));
}

static void test_save_load(void **state)
{
	struct fixture *f = *state;
	struct lp_tls_pem pem, back;
	uint8_t pin[LP_TLS_PIN_LEN], pin_back[LP_TLS_PIN_LEN];
	char why[LP_TLS_WHY_LEN];
	struct stat st;

	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_int_equal(lp_tls_pem_check(&pem, pin, NULL, 0), 0);
	assert_int_equal(lp_tls_pem_save(&pem, f->cert, f->key), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(f->cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* No temporary file left behind. */
	assert_int_equal(count_files(f->dir), 2);

	why[0] = '\0';
	assert_int_equal(lp_tls_pem_load(f->cert, f->key, &back, pin_back, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_memory_equal(pin, pin_back, LP_TLS_PIN_LEN);
	assert_string_equal(back.cert, pem.cert);
	assert_string_equal(back.key, pem.key);
	lp_tls_pem_free(&back);

	/* Saving again replaces both files atomically. */
	assert_int_equal(lp_tls_pem_save(&pem, f->cert, f->key), 0);
	assert_int_equal(count_files(f->dir), 2);
	lp_tls_pem_free(&pem);

	assert_int_equal(lp_tls_pem_save(&pem, f->cert, f->key), LP_ERR_INVALID);
}

static void test_save_errors(void **state)
{
	struct fixture *f = *state;
	struct lp_tls_pem pem;

	(void)f;
	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_int_equal(
		lp_tls_pem_save(&pem, "/nonexistent/dir/cert.pem", "/nonexistent/dir/key.pem"),
		-ENOENT);
	lp_tls_pem_free(&pem);
}

/* Expect lp_tls_pem_load to fail with err and a why mentioning needle. */
static void expect_load_error(const char *cert, const char *key, int err, const char *needle)
{
	struct lp_tls_pem pem;
	char why[LP_TLS_WHY_LEN] = "";

	assert_int_equal(lp_tls_pem_load(cert, key, &pem, NULL, why, sizeof(why)), err);
	assert_null(pem.cert);
	assert_null(pem.key);
	if (!strstr(why, needle))
		fail_msg("why \"%s\" lacks \"%s\"", why, needle);
}

static void test_load_errors(void **state)
{
	struct fixture *f = *state;
	struct lp_tls_pem a, b;
	char other_key[160], garbage[160], empty[160], big[160], der[160], enc[160];
	gnutls_datum_t pem_d, der_d;
	char *huge;

	assert_int_equal(lp_tls_pem_generate("relay.example", &a), 0);
	assert_int_equal(lp_tls_pem_generate("relay.example", &b), 0);
	assert_int_equal(lp_tls_pem_save(&a, f->cert, f->key), 0);
	snprintf(other_key, sizeof(other_key), "%s/other.key", f->dir);
	snprintf(garbage, sizeof(garbage), "%s/garbage", f->dir);
	snprintf(empty, sizeof(empty), "%s/empty", f->dir);
	snprintf(big, sizeof(big), "%s/big", f->dir);
	snprintf(der, sizeof(der), "%s/cert.der", f->dir);
	snprintf(enc, sizeof(enc), "%s/enc.key", f->dir);
	write_text(other_key, b.key, b.key_len);
	write_text(garbage, "this is not PEM at all\n", 23);
	write_text(empty, "", 0);
	write_text(enc,
		   "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE "
		   "KEY-----\n",
		   79);

	expect_load_error("/nonexistent/cert.pem", f->key, -ENOENT, "/nonexistent/cert.pem");
	expect_load_error(f->cert, "/nonexistent/key.pem", -ENOENT, "/nonexistent/key.pem");
	expect_load_error(f->dir, f->key, -EISDIR, f->dir);
	expect_load_error(garbage, f->key, LP_ERR_INVALID, "no PEM certificate");
	expect_load_error(empty, f->key, LP_ERR_INVALID, "no PEM certificate");
	expect_load_error(f->cert, garbage, LP_ERR_INVALID, "no PEM private key");
	expect_load_error(f->cert, empty, LP_ERR_INVALID, "no PEM private key");
	expect_load_error(f->cert, f->cert, LP_ERR_INVALID, "not a valid PEM private key");
	expect_load_error(f->cert, other_key, LP_ERR_INVALID, "does not match");
	expect_load_error(f->cert, enc, LP_ERR_UNSUPPORTED, "encrypted");

	/* A DER certificate is not PEM. */
	pem_d.data = (unsigned char *)a.cert;
	pem_d.size = (unsigned int)a.cert_len;
	assert_int_equal(gnutls_pem_base64_decode2("CERTIFICATE", &pem_d, &der_d), 0);
	write_text(der, (const char *)der_d.data, der_d.size);
	gnutls_free(der_d.data);
	expect_load_error(der, f->key, LP_ERR_INVALID, "no PEM certificate");

	/* A corrupted body inside valid PEM armour. */
	{
		char *bad = strdup(a.cert);

		assert_non_null(bad);
		bad[40] = bad[40] == 'A' ? 'B' : 'A';
		bad[41] = '!';
		write_text(garbage, bad, strlen(bad));
		free(bad);
		expect_load_error(garbage, f->key, LP_ERR_INVALID, "not a valid PEM certificate");
	}

	/* Over the hard maximum. */
	huge = malloc(LP_TLS_PEM_MAX + 1);
	assert_non_null(huge);
	memset(huge, 'A', LP_TLS_PEM_MAX + 1);
	write_text(big, huge, LP_TLS_PEM_MAX + 1);
	free(huge);
	expect_load_error(big, f->key, LP_ERR_TOO_BIG, "larger than");

	/* Unreadable: only meaningful when not root. */
	if (geteuid() != 0) {
		assert_int_equal(chmod(f->key, 0), 0);
		expect_load_error(f->cert, f->key, -EACCES, f->key);
		assert_int_equal(chmod(f->key, 0600), 0);
	}
	lp_tls_pem_free(&a);
	lp_tls_pem_free(&b);
}

static void test_chain(void **state)
{
	struct fixture *f = *state;
	struct lp_tls_pem leaf, pem;
	uint8_t pin[LP_TLS_PIN_LEN], leaf_pin[LP_TLS_PIN_LEN];
	char chain[8192];
	int n;

	assert_int_equal(lp_tls_pem_generate("relay.example", &leaf), 0);
	assert_int_equal(lp_tls_pem_check(&leaf, leaf_pin, NULL, 0), 0);
	/* fullchain.pem: the leaf, then an "intermediate". */
	n = snprintf(chain, sizeof(chain), "%s%s", leaf.cert, vec_cert);
	assert_true(n > 0 && (size_t)n < sizeof(chain));
	write_text(f->cert, chain, (size_t)n);
	write_text(f->key, leaf.key, leaf.key_len);
	assert_int_equal(lp_tls_pem_load(f->cert, f->key, &pem, pin, NULL, 0), 0);
	assert_memory_equal(pin, leaf_pin, LP_TLS_PIN_LEN);
	lp_tls_pem_free(&pem);

	/* The leaf must come first. */
	n = snprintf(chain, sizeof(chain), "%s%s", vec_cert, leaf.cert);
	write_text(f->cert, chain, (size_t)n);
	expect_load_error(f->cert, f->key, LP_ERR_INVALID, "does not match");
	lp_tls_pem_free(&leaf);
}

static void test_creds_server(void **state)
{
	struct fixture *f = *state;
	struct lp_tls_pem a, b, garbage = { 0 };
	struct lp_tls_creds *creds, *old;
	uint8_t pin_a[LP_TLS_PIN_LEN], pin_b[LP_TLS_PIN_LEN];
	char why[LP_TLS_WHY_LEN];

	assert_int_equal(lp_tls_pem_generate("relay.example", &a), 0);
	assert_int_equal(lp_tls_pem_generate("relay.example", &b), 0);
	assert_int_equal(lp_tls_pem_check(&a, pin_a, NULL, 0), 0);
	assert_int_equal(lp_tls_pem_check(&b, pin_b, NULL, 0), 0);

	assert_int_equal(lp_tls_creds_server_new(&garbage, &creds, why, sizeof(why)),
			 LP_ERR_INVALID);
	assert_null(creds);

	assert_int_equal(lp_tls_pem_save(&a, f->cert, f->key), 0);
	assert_int_equal(lp_tls_creds_server_load(f->cert, f->key, &creds, why, sizeof(why)), 0);
	assert_true(lp_tls_creds_is_server(creds));
	assert_memory_equal(lp_tls_creds_pin(creds), pin_a, LP_TLS_PIN_LEN);
	assert_string_equal(lp_tls_creds_pem(creds)->cert, a.cert);
	assert_string_equal(lp_tls_creds_pem(creds)->key, a.key);

	/* A connection holds the old credentials across a reload. */
	old = lp_tls_creds_ref(creds);

	/* Reload with a broken key: old credentials stay, why explains. */
	write_text(f->key, "garbage\n", 8);
	why[0] = '\0';
	assert_int_equal(lp_tls_creds_reload(&creds, f->cert, f->key, why, sizeof(why)),
			 LP_ERR_INVALID);
	assert_ptr_equal(creds, old);
	assert_non_null(strstr(why, f->key));
	assert_memory_equal(lp_tls_creds_pin(creds), pin_a, LP_TLS_PIN_LEN);

	/* Reload with the same files: same pin (the pin is stable). */
	assert_int_equal(lp_tls_pem_save(&a, f->cert, f->key), 0);
	assert_int_equal(lp_tls_creds_reload(&creds, f->cert, f->key, why, sizeof(why)), 0);
	assert_ptr_not_equal(creds, old);
	assert_memory_equal(lp_tls_creds_pin(creds), pin_a, LP_TLS_PIN_LEN);

	/* Reload with new files: new pin; the old object lives until unref. */
	assert_int_equal(lp_tls_pem_save(&b, f->cert, f->key), 0);
	assert_int_equal(lp_tls_creds_reload(&creds, f->cert, f->key, why, sizeof(why)), 0);
	assert_memory_equal(lp_tls_creds_pin(creds), pin_b, LP_TLS_PIN_LEN);
	assert_memory_equal(lp_tls_creds_pin(old), pin_a, LP_TLS_PIN_LEN);
	lp_tls_creds_unref(old);
	lp_tls_creds_unref(creds);
	lp_tls_creds_unref(NULL);
	lp_tls_pem_free(&a);
	lp_tls_pem_free(&b);
}

static void test_creds_client(void **state)
{
	struct lp_tls_creds *pinned, *sys;
	gnutls_session_t s;
	char why[LP_TLS_WHY_LEN];
	int err;

	(void)state;
	assert_int_equal(lp_tls_creds_client_pinned_new(vec_pin, &pinned), 0);
	assert_false(lp_tls_creds_is_server(pinned));
	assert_null(lp_tls_creds_pem(pinned));
	assert_memory_equal(lp_tls_creds_pin(pinned), vec_pin, LP_TLS_PIN_LEN);

	assert_int_equal(lp_tls_session_new(pinned, NULL, "lanparty/1", &s), 0);
	gnutls_deinit(s);
	assert_int_equal(lp_tls_session_new(pinned, "relay.example", "lanparty/1", &s), 0);
	gnutls_deinit(s);
	assert_int_equal(lp_tls_session_new(pinned, "10.0.0.1", "lanparty/1", &s), 0);
	gnutls_deinit(s);
	assert_int_equal(lp_tls_session_new(pinned, "relay.example", NULL, &s), LP_ERR_INVALID);
	assert_int_equal(lp_tls_session_new(pinned, "relay.example", "", &s), LP_ERR_INVALID);
	assert_int_equal(lp_tls_session_new(pinned, "", "lanparty/1", &s), LP_ERR_INVALID);
	lp_tls_creds_unref(pinned);

	err = lp_tls_creds_client_system_new(&sys, why, sizeof(why));
	if (err == LP_ERR_NOT_FOUND) {
		skip();
		return;
	}
	assert_int_equal(err, 0);
	assert_null(lp_tls_creds_pin(sys));
	/* System trust checks the name: a name is required. */
	assert_int_equal(lp_tls_session_new(sys, NULL, "lanparty/1", &s), LP_ERR_INVALID);
	assert_int_equal(lp_tls_session_new(sys, "relay.example", "lanparty/1", &s), 0);
	gnutls_deinit(s);
	lp_tls_creds_unref(sys);
}

static void test_session_server(void **state)
{
	struct lp_tls_pem pem;
	struct lp_tls_creds *creds;
	gnutls_session_t s;

	(void)state;
	assert_int_equal(lp_tls_pem_generate("relay.example", &pem), 0);
	assert_int_equal(lp_tls_creds_server_new(&pem, &creds, NULL, 0), 0);
	lp_tls_pem_free(&pem);
	assert_int_equal(lp_tls_session_new(creds, NULL, "lanparty/1", &s), 0);
	gnutls_deinit(s);
	lp_tls_creds_unref(creds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_pin),
		cmocka_unit_test(test_vector_pin_invite),
		cmocka_unit_test(test_pin_errors),
		cmocka_unit_test(test_pin_equal),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_generate_bad_names),
		cmocka_unit_test(test_name_is_ip),
		cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_server, setup, teardown),
		cmocka_unit_test(test_creds_client),
		cmocka_unit_test(test_session_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
