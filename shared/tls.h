/*
 * tls.h: certificates, pins and gnutls credentials for softlan.
 *
 * softlan speaks TLS 1.3 only (inside QUIC, and on the HTTPS API). The relay
 * either loads a certificate chain + key from PEM files (for example Let's
 * Encrypt's fullchain.pem + privkey.pem) or generates a self-signed ECDSA
 * P-256 certificate at first start. Agents trust the relay either by a pin or
 * by the system trust store plus hostname verification.
 *
 * The pin is the SHA-256 of the leaf certificate's DER SubjectPublicKeyInfo,
 * 32 raw bytes: the value curl's --pinnedpubkey checks. Its text form
 * (sha256//BASE64) belongs to invite.h, not here.
 *
 * Files: tls_cert.c (generate, load, save, pin) and tls.c (credentials and
 * sessions). Nothing here logs: errors come back as codes, and the calls that
 * read user-supplied files also fill an optional "why" buffer with one line
 * of English naming the file and the problem, fit for the operator.
 *
 * Thread safety: none; softlan processes are single-threaded.
 */
#ifndef LP_TLS_H
#define LP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define LP_TLS_PIN_LEN 32
/* Hard maximum for one PEM file: a certificate chain is a few KiB. */
#define LP_TLS_PEM_MAX (256 * 1024)
/* Longest server name accepted for a certificate or SNI (a DNS name). */
#define LP_TLS_NAME_MAX 253
/* Validity of generated certificates: pins, not expiry, carry the trust. */
#define LP_TLS_CERT_DAYS 3650
/* A good size for the optional "why" buffers. */
#define LP_TLS_WHY_LEN 256

/*
 * TLS 1.3 only, AEADs QUIC can use, common groups, no middlebox compat mode
 * (QUIC forbids it).
 */
#define LP_TLS_PRIORITY                                                                            \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"                     \
	"+CHACHA20-POLY1305:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"           \
	"%DISABLE_TLS13_COMPAT_MODE"

/*
 * A certificate chain and its private key as PEM text. Both strings are
 * NUL-terminated (libmicrohttpd takes them as C strings) and heap-owned by
 * the struct; cert holds the leaf first, then any intermediates.
 */
struct lp_tls_pem {
	char *cert;
	size_t cert_len; /* strlen(cert) */
	char *key;	 /* wiped before it is freed */
	size_t key_len;	 /* strlen(key) */
};

/*
 * lp_tls_pem_generate: make a fresh ECDSA P-256 key and a self-signed
 * certificate for server_name, valid from an hour ago for LP_TLS_CERT_DAYS.
 * server_name: a DNS name (CN and subjectAltName dNSName) or an IPv4/IPv6
 *   literal (CN and subjectAltName iPAddress); 1..LP_TLS_NAME_MAX printable
 *   characters without spaces.
 * out: filled on success; the caller frees it with lp_tls_pem_free().
 * Returns 0, LP_ERR_INVALID (bad name), LP_ERR_NOMEM, or LP_ERR_UNSUPPORTED
 * when gnutls fails (it has no finer error to pass on).
 */
int lp_tls_pem_generate(const char *server_name, struct lp_tls_pem *out);

/*
 * lp_tls_pem_check: verify that pem holds at least one PEM certificate and a
 * PEM private key (PKCS#8, SEC1 EC or PKCS#1 RSA, not encrypted) whose public
 * key is the leaf certificate's, and compute the leaf's pin.
 * pin: receives the pin; may be NULL.
 * why, whylen: optional (NULL, 0) one-line explanation on failure.
 * Returns 0; LP_ERR_INVALID for no certificate, a garbled certificate or key,
 * or a key that does not match the leaf; LP_ERR_UNSUPPORTED for an encrypted
 * key; LP_ERR_NOMEM.
 */
int lp_tls_pem_check(const struct lp_tls_pem *pem, uint8_t pin[LP_TLS_PIN_LEN], char *why,
		     size_t whylen);

/*
 * lp_tls_pem_load: read cert_path and key_path (at most LP_TLS_PEM_MAX bytes
 * each) and check them as lp_tls_pem_check() does.
 * out: filled on success (free with lp_tls_pem_free()); zeroed on failure.
 * pin: optional, receives the leaf's pin.
 * Returns 0; -ENOENT (missing file), -EACCES (unreadable), -EISDIR or other
 * -errno from open/read; LP_ERR_TOO_BIG (file over LP_TLS_PEM_MAX);
 * LP_ERR_INVALID (not PEM, garbled, key/certificate mismatch);
 * LP_ERR_UNSUPPORTED (encrypted key); LP_ERR_NOMEM. why says which file.
 */
int lp_tls_pem_load(const char *cert_path, const char *key_path, struct lp_tls_pem *out,
		    uint8_t pin[LP_TLS_PIN_LEN], char *why, size_t whylen);

/*
 * lp_tls_pem_save: write pem->cert to cert_path (mode 0644) and pem->key to
 * key_path (mode 0600), each atomically: a temporary file in the same
 * directory, fsync, rename over the target, fsync of the directory. The key
 * is written first; a crash between the two renames leaves a mismatched
 * pair, which lp_tls_pem_load() reports as such.
 * Returns 0, -errno (open, write, rename...), or LP_ERR_TOO_BIG when a path
 * is longer than PATH_MAX allows with the temporary suffix.
 */
int lp_tls_pem_save(const struct lp_tls_pem *pem, const char *cert_path, const char *key_path);

/* lp_tls_pem_free: wipe the key, free both strings, zero *pem. NULL is fine. */
void lp_tls_pem_free(struct lp_tls_pem *pem);

/*
 * lp_tls_pin_from_der: pin of one DER X.509 certificate.
 * Returns 0, LP_ERR_INVALID (not a certificate), LP_ERR_NOMEM.
 */
int lp_tls_pin_from_der(const uint8_t *der, size_t len, uint8_t pin[LP_TLS_PIN_LEN]);

/*
 * lp_tls_pin_from_pem: pin of the first certificate in PEM text pem (len
 * bytes, NUL not needed). Returns 0, LP_ERR_INVALID, LP_ERR_NOMEM.
 */
int lp_tls_pin_from_pem(const char *pem, size_t len, uint8_t pin[LP_TLS_PIN_LEN]);

/* lp_tls_pin_equal: compare two pins in constant time. */
bool lp_tls_pin_equal(const uint8_t a[LP_TLS_PIN_LEN], const uint8_t b[LP_TLS_PIN_LEN]);

/*
 * Credentials: gnutls certificate credentials, the priority cache and, for a
 * server, the PEM text they were built from. Reference-counted because a
 * gnutls session points at its credentials for its whole life: every QUIC
 * connection holds a reference, so a reload (SIGHUP) can swap in new
 * credentials while old connections finish on the old ones.
 */
struct lp_tls_creds;

/*
 * lp_tls_creds_server_new: server credentials from pem (copied).
 * out: receives the new object with one reference.
 * Returns 0, the errors of lp_tls_pem_check(), LP_ERR_NOMEM, or
 * LP_ERR_UNSUPPORTED when gnutls refuses the pair.
 */
int lp_tls_creds_server_new(const struct lp_tls_pem *pem, struct lp_tls_creds **out, char *why,
			    size_t whylen);

/*
 * lp_tls_creds_server_load: lp_tls_pem_load() then lp_tls_creds_server_new().
 * Returns the errors of both.
 */
int lp_tls_creds_server_load(const char *cert_path, const char *key_path, struct lp_tls_creds **out,
			     char *why, size_t whylen);

/*
 * lp_tls_creds_reload: load new server credentials from the files; on
 * success drop the caller's reference to *slot and store the new object
 * there; on failure leave *slot untouched (the old credentials stay in
 * service) and return the error, with why saying what is wrong.
 * Returns the errors of lp_tls_creds_server_load().
 */
int lp_tls_creds_reload(struct lp_tls_creds **slot, const char *cert_path, const char *key_path,
			char *why, size_t whylen);

/*
 * lp_tls_creds_client_pinned_new: client credentials that accept exactly the
 * server whose leaf certificate has this pin (copied). Chain, expiry and
 * names are not checked: the pin is the whole trust decision. A mismatch
 * fails the handshake with GNUTLS_E_CERTIFICATE_ERROR (TLS alert 42,
 * bad_certificate). Returns 0 or LP_ERR_NOMEM.
 */
int lp_tls_creds_client_pinned_new(const uint8_t pin[LP_TLS_PIN_LEN], struct lp_tls_creds **out);

/*
 * lp_tls_creds_client_system_new: client credentials that verify the chain
 * against the system trust store and the certificate against the server
 * name given to lp_tls_session_new().
 * Returns 0, LP_ERR_NOMEM, or LP_ERR_NOT_FOUND when no trust anchors load.
 */
int lp_tls_creds_client_system_new(struct lp_tls_creds **out, char *why, size_t whylen);

/* lp_tls_creds_ref: take one more reference; returns c. */
struct lp_tls_creds *lp_tls_creds_ref(struct lp_tls_creds *c);

/* lp_tls_creds_unref: drop a reference, freeing on the last. NULL is fine. */
void lp_tls_creds_unref(struct lp_tls_creds *c);

/* lp_tls_creds_is_server: true for server credentials. */
bool lp_tls_creds_is_server(const struct lp_tls_creds *c);

/*
 * lp_tls_creds_pem: the PEM text server credentials were built from (for the
 * HTTPS API), owned by c; NULL for client credentials.
 */
const struct lp_tls_pem *lp_tls_creds_pem(const struct lp_tls_creds *c);

/*
 * lp_tls_creds_pin: the server's own pin, or the pin a pinned client
 * expects; NULL for system-trust clients. Owned by c.
 */
const uint8_t *lp_tls_creds_pin(const struct lp_tls_creds *c);

/*
 * lp_tls_session_new: a gnutls session on credentials c: server or client
 * by c's kind, LP_TLS_PRIORITY, ALPN alpn offered as the only protocol and
 * mandatory (the server also takes precedence).
 * server_name: client only: sent as SNI when it is a DNS name (not for IP
 *   literals), and checked against the certificate with system-trust
 *   credentials. May be NULL for a pinned client; ignored by a server.
 * out: the session; the caller owns it (gnutls_deinit) and must keep c
 *   referenced at least as long.
 * The session's gnutls "db" pointer holds c (pin lookup): callers must not
 * use gnutls_db_set_ptr on client sessions. The session pointer
 * (gnutls_session_set_ptr) is left for ngtcp2's conn_ref.
 * Returns 0, LP_ERR_INVALID (missing alpn, or system-trust client without
 * server_name), LP_ERR_NOMEM, LP_ERR_UNSUPPORTED (gnutls refused a setting).
 */
int lp_tls_session_new(struct lp_tls_creds *c, const char *server_name, const char *alpn,
		       gnutls_session_t *out);

/*
 * lp_tls_name_is_ip: true when name is an IPv4 or IPv6 literal; such names
 * get an iPAddress subjectAltName and are never sent as SNI.
 */
bool lp_tls_name_is_ip(const char *name);

#endif
