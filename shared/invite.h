/*
 * invite.h: the invite, one pasteable string that tells an agent where the
 * relay is, which room to join in which role, and how to trust the relay:
 *
 *     lanparty://HOST[:PORT]/ROLE/CODE[?pin=sha256//BASE64][&api=PORT]
 *
 * and the certificate pin on its own (the agents' --pin flag, the relay's
 * start-up message). docs/protocol.md ("Invites") has the grammar and examples.
 *
 * Parsing is lenient only where pasting needs it (surrounding whitespace, a
 * trailing newline, the scheme's case) and strict everywhere else, with a
 * message that says what is wrong. The message never quotes the room code.
 *
 * Pure functions: no allocation, no I/O.
 */
#ifndef LP_INVITE_H
#define LP_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"

/* ---- certificate pin: SHA-256 of the relay certificate's SubjectPublicKeyInfo */

#define LP_PIN_LEN    32
#define LP_PIN_PREFIX "sha256//"
/* The prefix's length, and the standard base64 of 32 bytes: 43 characters and one '='. */
#define LP_PIN_PREFIX_LEN 8
#define LP_PIN_B64_LEN	  44
/* "sha256//" + 44 characters + NUL. */
#define LP_PIN_STRLEN (LP_PIN_PREFIX_LEN + LP_PIN_B64_LEN + 1)

/*
 * lp_pin_parse: parse a pin written as curl's --pinnedpubkey takes it:
 * "sha256//" then exactly 44 characters of standard, padded base64 (which may
 * itself start with '/' or contain '+'). Nothing may follow; curl's
 * ';'-separated pin lists are not accepted.
 * s: len bytes, no NUL needed. out: receives the 32 bytes; untouched on error.
 * err: errlen bytes for a message ("" on success); may be NULL if errlen is 0.
 * Returns 0 or LP_ERR_INVALID (wrong prefix, wrong length, not canonical
 * base64, a list of pins).
 */
int lp_pin_parse(const char *s, size_t len, uint8_t out[LP_PIN_LEN], char *err, size_t errlen);

/* lp_pin_format: write "sha256//BASE64" for pin into buf (LP_PIN_STRLEN bytes). Returns buf. */
char *lp_pin_format(const uint8_t pin[LP_PIN_LEN], char buf[LP_PIN_STRLEN]);

/* ---- invite */

#define LP_INVITE_SCHEME     "lanparty://"
#define LP_INVITE_SCHEME_LEN 11
/* The relay's UDP port for QUIC; its HTTPS API listens on the same TCP port unless api= says. */
#define LP_INVITE_PORT_DEFAULT 4433
/* The DNS limit for a name in text form (RFC 1035, without the root dot). */
#define LP_INVITE_HOST_MAX 253
/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define LP_INVITE_IPV6_MAX 45
/*
 * The longest invite (without NUL): scheme, a 253-character host, ":65535",
 * "/gateway/", a 64-character code, "?pin=" and a pin, "&api=65535": 410.
 * Longer input is refused before any other check.
 */
#define LP_INVITE_MAX_LEN                                                                          \
	(LP_INVITE_SCHEME_LEN + LP_INVITE_HOST_MAX + 6 + 9 + LP_CODE_MAX + 5 + LP_PIN_STRLEN - 1 + \
	 10)
#define LP_INVITE_STRLEN (LP_INVITE_MAX_LEN + 1)

enum lp_invite_role {
	LP_INVITE_CLIENT = 1,  /* "client": a player */
	LP_INVITE_GATEWAY = 2, /* "gateway": the LAN box */
};

enum lp_invite_host {
	LP_INVITE_HOST_DNS = 1,	 /* a DNS name: letters, digits, '-', dot-separated labels */
	LP_INVITE_HOST_IPV4 = 2, /* dotted decimal, no leading zeros */
	LP_INVITE_HOST_IPV6 = 3, /* written in brackets in the invite */
};

/*
 * A parsed invite. lp_invite_parse zero-fills it first, so two parses of
 * equivalent strings compare equal with memcmp as well as lp_invite_equal.
 */
struct lp_invite {
	/*
	 * Canonical text: a lower-case name, a dotted quad, or an RFC 5952
	 * IPv6 address without brackets (lower-case, zeros compressed).
	 */
	char host[LP_INVITE_HOST_MAX + 1];
	enum lp_invite_host host_type;
	uint16_t port;	   /* QUIC, UDP; LP_INVITE_PORT_DEFAULT when absent */
	uint16_t api_port; /* HTTPS API, TCP; equal to port when api= is absent */
	enum lp_invite_role role;
	char code[LP_CODE_MAX + 1]; /* the room code: a secret, never log it */
	bool has_pin;
	uint8_t pin[LP_PIN_LEN]; /* all zero when !has_pin */
};

/*
 * lp_invite_parse: parse the NUL-terminated string s into out.
 * Leading and trailing spaces, tabs, CRs and LFs are ignored, and the scheme
 * is matched without regard to case; nothing else is forgiven: unknown or
 * repeated query keys, empty parts, bad ports, invalid hosts or codes and
 * over-long strings are errors.
 * out: untouched on error. err: errlen bytes for a one-line English message
 * saying what is wrong ("" on success); may be NULL if errlen is 0.
 * Returns 0, LP_ERR_TOO_BIG when the trimmed string is longer than
 * LP_INVITE_MAX_LEN, or LP_ERR_INVALID for everything else (NULL s or out too).
 */
int lp_invite_parse(const char *s, struct lp_invite *out, char *err, size_t errlen);

/*
 * lp_invite_format: write inv as its canonical invite string into out:
 * the port and api= only when they differ from their defaults, pin before
 * api, the host as described in struct lp_invite (IPv6 in brackets).
 * lp_invite_parse of the result gives back inv, and formatting any parse
 * result gives the same string as formatting a parse of that string.
 * out: outlen bytes; LP_INVITE_STRLEN always suffices.
 * Returns 0, LP_ERR_INVALID when inv does not hold a valid invite (a host
 * that does not match host_type or is not canonical, a zero port, an unknown
 * role, an invalid code), or LP_ERR_NOBUF (out then holds "" if outlen > 0).
 */
int lp_invite_format(const struct lp_invite *inv, char *out, size_t outlen);

/*
 * lp_invite_equal: true when a and b hold the same invite: every field, the
 * strings up to their NUL, the pin bytes only when has_pin.
 */
bool lp_invite_equal(const struct lp_invite *a, const struct lp_invite *b);

/* lp_invite_role_name: "client", "gateway", or NULL for any other value. */
const char *lp_invite_role_name(enum lp_invite_role role);

/*
 * lp_invite_role_parse: map "client" or "gateway" (exact, len bytes, no NUL
 * needed) to the role in *out. Returns 0 or LP_ERR_INVALID (out untouched).
 */
int lp_invite_role_parse(const char *s, size_t len, enum lp_invite_role *out);

#endif
