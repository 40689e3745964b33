/*
 * Unit tests for shared/invite.c. The example invites and pins are the ones in
 * docs/.parts/invite.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "invite.h"

#define CODE  "k3J9x_Qm2-Vb7Rt5Yw8Nc4Hd6Jf1Gs0A"
#define CODE2 "Gw7-pR2_xT9qL4mZ8vN3cK6hY1bF5dJ0"

/* SHA-256 of the empty string: has '+' and '/' inside. */
#define PIN_E "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
/* SHA-256 of "softlan-8650": the base64 starts with "//". */
#define PIN_S "sha256////AxlZa7cy62uZjKX6cqxdYbnIC1KGeGYiitACkhzx4="
/* SHA-256 of "softlan-123": the base64 starts with '+'. */
#define PIN_P "sha256//+rG+sRLZPESXnEf92c/QGnhKqC9CKRRttGLtT/m8k4o="

static const uint8_t pin_e[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
	0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
	0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};
static const uint8_t pin_s[32] = {
	0xff, 0xf0, 0x31, 0x95, 0x96, 0xbb, 0x73, 0x2e, 0xb6, 0xb9, 0x98,
	0xca, 0x5f, 0xa7, 0x2a, 0xc5, 0xd6, 0x1b, 0x9c, 0x80, 0xb5, 0x28,
	0x67, 0x86, 0x62, 0x28, 0xad, 0x00, 0x29, 0x21, 0xcf, 0x1e,
};
static const uint8_t pin_p[32] = {
	0xfa, 0xb1, 0xbe, 0xb1, 0x12, 0xd9, 0x3c, 0x44, 0x97, 0x9c, 0x47,
	0xfd, 0xd9, 0xcf, 0xd0, 0x1a, 0x78, 0x4a, 0xa8, 0x2f, 0x42, 0x29,
	0x14, 0x6d, 0xb4, 0x62, 0xed, 0x4f, 0xf9, 0xbc, 0x93, 0x8a,
};

/* ---------------------------------------------------------------- pins */

static void test_pin_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const uint8_t *b;
	} v[] = {
		{ PIN_E, pin_e },
		{ PIN_S, pin_s },
		{ PIN_P, pin_p },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t out[LP_PIN_LEN];
		char err[128] = "x";
		assert_int_equal(lp_pin_parse(v[i].s, strlen(v[i].s), out, err, sizeof(err)), 0);
		assert_string_equal(err, "");
		assert_memory_equal(out, v[i].b, LP_PIN_LEN);
		char buf[LP_PIN_STRLEN];
		assert_ptr_equal(lp_pin_format(v[i].b, buf), buf);
		assert_string_equal(buf, v[i].s);
		assert_int_equal(strlen(buf), LP_PIN_STRLEN - 1);
	}
}

static void test_pin_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const char *msg;
	} v[] = {
		{ "", "must start with sha256//" },
		{ "sha256/", "must start with sha256//" },
		{ "SHA256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "must start with" },
		{ "sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "must start with" },
		{ "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "must start with" },
		{ " sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "must start with" },
		{ "sha256//", "44 base64 characters (got 0)" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "(got 43)" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==", "(got 45)" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "(got 45)" },
		{ "sha256//47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "not the base64" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", "not the base64" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==", "not the base64" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA", "not the base64" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3h uFU=", "not the base64" },
		{ "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "(got 48)" },
		{ "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
		  "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		  "only one pin" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t out[LP_PIN_LEN];
		memset(out, 0x5a, sizeof(out));
		char err[128] = "";
		assert_int_equal(lp_pin_parse(v[i].s, strlen(v[i].s), out, err, sizeof(err)),
				 LP_ERR_INVALID);
		if (!strstr(err, v[i].msg))
			fail_msg("pin %zu: message '%s' lacks '%s'", i, err, v[i].msg);
		for (size_t k = 0; k < LP_PIN_LEN; k++)
			assert_int_equal(out[k], 0x5a);
	}
	uint8_t out[LP_PIN_LEN];
	assert_int_equal(lp_pin_parse(NULL, 0, out, NULL, 0), LP_ERR_INVALID);
	assert_int_equal(lp_pin_parse(PIN_E, strlen(PIN_E), NULL, NULL, 0), LP_ERR_INVALID);
	/* No NUL needed: the length decides. */
	assert_int_equal(lp_pin_parse(PIN_E "&api=1", strlen(PIN_E), out, NULL, 0), 0);
	assert_memory_equal(out, pin_e, LP_PIN_LEN);
}

/* ---------------------------------------------------------------- invites */

struct good {
	const char *in;
	const char *canon;
	const char *host;
	enum lp_invite_host type;
	uint16_t port, api;
	enum lp_invite_role role;
	const char *code;
	const uint8_t *pin;
};

static const struct good good[] = {
	/* The examples of docs/.parts/invite.md. */
	{ "lanparty://relay.example.net/client/" CODE "?pin=" PIN_E,
	  "lanparty://relay.example.net/client/" CODE "?pin=" PIN_E, "relay.example.net",
	  LP_INVITE_HOST_DNS, 4433, 4433, LP_INVITE_CLIENT, CODE, pin_e },
	{ "lanparty://[2001:db8::7]:5000/gateway/" CODE2 "?pin=" PIN_S "&api=8443",
	  "lanparty://[2001:db8::7]:5000/gateway/" CODE2 "?pin=" PIN_S "&api=8443", "2001:db8::7",
	  LP_INVITE_HOST_IPV6, 5000, 8443, LP_INVITE_GATEWAY, CODE2, pin_s },
	{ "lanparty://lan.example.org/client/" CODE, "lanparty://lan.example.org/client/" CODE,
	  "lan.example.org", LP_INVITE_HOST_DNS, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://203.0.113.7:443/client/" CODE "?pin=" PIN_P,
	  "lanparty://203.0.113.7:443/client/" CODE "?pin=" PIN_P, "203.0.113.7",
	  LP_INVITE_HOST_IPV4, 443, 443, LP_INVITE_CLIENT, CODE, pin_p },
	/* Canonicalisation: whitespace, scheme case, host case, default port, api = port. */
	{ "  \tLanParty://Relay.Example.NET:4433/client/" CODE "?api=4433\r\n",
	  "lanparty://relay.example.net/client/" CODE, "relay.example.net", LP_INVITE_HOST_DNS,
	  4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "LANPARTY://localhost:9999/gateway/" CODE "?api=9999",
	  "lanparty://localhost:9999/gateway/" CODE, "localhost", LP_INVITE_HOST_DNS, 9999, 9999,
	  LP_INVITE_GATEWAY, CODE, NULL },
	/* api alone; pin after api is reordered. */
	{ "lanparty://h/client/" CODE "?api=443", "lanparty://h/client/" CODE "?api=443", "h",
	  LP_INVITE_HOST_DNS, 4433, 443, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://h:1/client/" CODE "?api=65535&pin=" PIN_S,
	  "lanparty://h:1/client/" CODE "?pin=" PIN_S "&api=65535", "h", LP_INVITE_HOST_DNS, 1,
	  65535, LP_INVITE_CLIENT, CODE, pin_s },
	{ "lanparty://h:65535/client/" CODE, "lanparty://h:65535/client/" CODE, "h",
	  LP_INVITE_HOST_DNS, 65535, 65535, LP_INVITE_CLIENT, CODE, NULL },
	/* IPv6 forms: RFC 5952 output. */
	{ "lanparty://[2001:DB8:0:0:0:0:0:7]/client/" CODE, "lanparty://[2001:db8::7]/client/" CODE,
	  "2001:db8::7", LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[::1]:4433/client/" CODE, "lanparty://[::1]/client/" CODE, "::1",
	  LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[::]/client/" CODE, "lanparty://[::]/client/" CODE, "::", LP_INVITE_HOST_IPV6,
	  4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[1:0:0:2:0:0:0:3]/client/" CODE, "lanparty://[1:0:0:2::3]/client/" CODE,
	  "1:0:0:2::3", LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[1:0:0:2:0:0:3:4]/client/" CODE, "lanparty://[1::2:0:0:3:4]/client/" CODE,
	  "1::2:0:0:3:4", LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[1:2:3:4:5:6:7::]/client/" CODE, "lanparty://[1:2:3:4:5:6:7:0]/client/" CODE,
	  "1:2:3:4:5:6:7:0", LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[0001:0db8::00a0]/client/" CODE, "lanparty://[1:db8::a0]/client/" CODE,
	  "1:db8::a0", LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[::FFFF:c000:0201]/client/" CODE,
	  "lanparty://[::ffff:192.0.2.1]/client/" CODE, "::ffff:192.0.2.1", LP_INVITE_HOST_IPV6,
	  4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[::1.2.3.4]/client/" CODE, "lanparty://[::102:304]/client/" CODE, "::102:304",
	  LP_INVITE_HOST_IPV6, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://[fe80::1:2:3:4:5:6]/client/" CODE,
	  "lanparty://[fe80:0:1:2:3:4:5:6]/client/" CODE, "fe80:0:1:2:3:4:5:6", LP_INVITE_HOST_IPV6,
	  4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	/* Edge hosts. */
	{ "lanparty://0.0.0.0/client/" CODE, "lanparty://0.0.0.0/client/" CODE, "0.0.0.0",
	  LP_INVITE_HOST_IPV4, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://255.255.255.255/client/" CODE, "lanparty://255.255.255.255/client/" CODE,
	  "255.255.255.255", LP_INVITE_HOST_IPV4, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://1-2.x9/client/" CODE, "lanparty://1-2.x9/client/" CODE, "1-2.x9",
	  LP_INVITE_HOST_DNS, 4433, 4433, LP_INVITE_CLIENT, CODE, NULL },
	{ "lanparty://h/client/abcdefghijklmnop", "lanparty://h/client/abcdefghijklmnop", "h",
	  LP_INVITE_HOST_DNS, 4433, 4433, LP_INVITE_CLIENT, "abcdefghijklmnop", NULL },
};

static void test_parse_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good *g = &good[i];
		struct lp_invite inv;
		char err[160] = "x";
		int rc = lp_invite_parse(g->in, &inv, err, sizeof(err));
		if (rc)
			fail_msg("good %zu: %s", i, err);
		assert_string_equal(err, "");
		assert_string_equal(inv.host, g->host);
		assert_int_equal(inv.host_type, g->type);
		assert_int_equal(inv.port, g->port);
		assert_int_equal(inv.api_port, g->api);
		assert_int_equal(inv.role, g->role);
		assert_string_equal(inv.code, g->code);
		assert_int_equal(inv.has_pin, g->pin != NULL);
		if (g->pin)
			assert_memory_equal(inv.pin, g->pin, LP_PIN_LEN);

		char out[LP_INVITE_STRLEN];
		assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
		assert_string_equal(out, g->canon);

		/* format(parse(x)) is a fixed point, byte-identical struct included. */
		struct lp_invite again;
		assert_int_equal(lp_invite_parse(out, &again, NULL, 0), 0);
		assert_true(lp_invite_equal(&inv, &again));
		assert_memory_equal(&inv, &again, sizeof(inv));
		char out2[LP_INVITE_STRLEN];
		assert_int_equal(lp_invite_format(&again, out2, sizeof(out2)), 0);
		assert_string_equal(out, out2);
	}
}

struct bad {
	const char *in;
	int rc;
	const char *msg;
};

#define B(in, msg)                                                                                 \
	{                                                                                          \
		in, LP_ERR_INVALID, msg                                                            \
	}

static const struct bad bad[] = {
	B("", "empty"),
	B(" \r\n\t ", "empty"),
	B("relay.example.net/client/" CODE, "must start with lanparty://"),
	B("https://relay.example.net/client/" CODE, "must start with lanparty://"),
	B("lanparty:/relay/client/" CODE, "must start with lanparty://"),
	B("lanparty//relay/client/" CODE, "must start with lanparty://"),
	B("xlanparty://relay/client/" CODE, "must start with lanparty://"),
	B("\"lanparty://relay/client/" CODE "\"", "must start with lanparty://"),
	/* host */
	B("lanparty://", "missing host"),
	B("lanparty:///client/" CODE, "missing host"),
	B("lanparty://:4433/client/" CODE, "missing host"),
	B("lanparty://?pin=x", "missing host"),
	B("lanparty://relay_1.example/client/" CODE, "only contain letters"),
	B("lanparty://user@relay/client/" CODE, "only contain letters"),
	B("lanparty://r%41y/client/" CODE, "only contain letters"),
	B("lanparty://relay example/client/" CODE, "only contain letters"),
	B("lanparty://r\xc3\xa9lay/client/" CODE, "only contain letters"),
	B("lanparty://relay#x/client/" CODE, "only contain letters"),
	B("lanparty://relay..example/client/" CODE, "empty label"),
	B("lanparty://.relay/client/" CODE, "empty label"),
	B("lanparty://relay.example./client/" CODE, "empty label"),
	B("lanparty://-relay/client/" CODE, "starts or ends with '-'"),
	B("lanparty://relay-.example/client/" CODE, "starts or ends with '-'"),
	B("lanparty://a.b-/client/" CODE, "starts or ends with '-'"),
	B("lanparty://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x/"
	  "client/" CODE,
	  "longer than 63"),
	B("lanparty://256.1.1.1/client/" CODE, "not a valid IPv4"),
	B("lanparty://1.2.3/client/" CODE, "not a valid IPv4"),
	B("lanparty://1.2.3.4.5/client/" CODE, "not a valid IPv4"),
	B("lanparty://01.2.3.4/client/" CODE, "not a valid IPv4"),
	B("lanparty://1.2.3.04/client/" CODE, "not a valid IPv4"),
	B("lanparty://1.2.3.0004/client/" CODE, "not a valid IPv4"),
	B("lanparty://12345/client/" CODE, "not a valid IPv4"),
	B("lanparty://relay.123/client/" CODE, "not a valid IPv4"),
	B("lanparty://[::1/client/" CODE, "closing ']'"),
	B("lanparty://[]/client/" CODE, "invalid IPv6"),
	B("lanparty://[:]/client/" CODE, "invalid IPv6"),
	B("lanparty://[:::]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1::2::3]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1:2:3:4:5:6:7:8:9]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1:2:3:4:5:6:7]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1:2:3:4:5:6:7:8::]/client/" CODE, "invalid IPv6"),
	B("lanparty://[::1:2:3:4:5:6:7:8]/client/" CODE, "invalid IPv6"),
	B("lanparty://[12345::]/client/" CODE, "invalid IPv6"),
	B("lanparty://[:1::]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1:]/client/" CODE, "invalid IPv6"),
	B("lanparty://[g::1]/client/" CODE, "invalid IPv6"),
	B("lanparty://[::1.2.3]/client/" CODE, "invalid IPv6"),
	B("lanparty://[::1.2.3.4:5]/client/" CODE, "invalid IPv6"),
	B("lanparty://[1:2:3:4:5:6:7:1.2.3.4]/client/" CODE, "invalid IPv6"),
	B("lanparty://[::01.2.3.4]/client/" CODE, "invalid IPv6"),
	B("lanparty://[127.0.0.1]/client/" CODE, "invalid IPv6"),
	B("lanparty://[relay]/client/" CODE, "invalid IPv6"),
	B("lanparty://[0000:0000:0000:0000:0000:0000:0000:0000:0]/client/" CODE, "invalid IPv6"),
	B("lanparty://[fe80::1%eth0]/client/" CODE, "zone IDs"),
	B("lanparty://[fe80::1%25eth0]/client/" CODE, "zone IDs"),
	B("lanparty://[::1]x/client/" CODE, "after the IPv6 address"),
	B("lanparty://[::1]]/client/" CODE, "after the IPv6 address"),
	B("lanparty://::1/client/" CODE, "must be written in brackets"),
	B("lanparty://2001:db8::1/client/" CODE, "must be written in brackets"),
	B("lanparty://fe80::1:4433/client/" CODE, "must be written in brackets"),
	/* port */
	B("lanparty://relay:/client/" CODE, "empty port"),
	B("lanparty://relay:0/client/" CODE, "port must be a number from 1 to 65535"),
	B("lanparty://relay:65536/client/" CODE, "port must be"),
	B("lanparty://relay:99999/client/" CODE, "port must be"),
	B("lanparty://relay:04433/client/" CODE, "port must be"),
	B("lanparty://relay:+443/client/" CODE, "port must be"),
	B("lanparty://relay:443a/client/" CODE, "port must be"),
	B("lanparty://relay:4433:1/client/" CODE, "must be written in brackets"),
	B("lanparty://relay:100000000000000000000/client/" CODE, "port must be"),
	B("lanparty://[::1]:/client/" CODE, "empty port"),
	B("lanparty://[::1]:0/client/" CODE, "port must be"),
	/* path */
	B("lanparty://relay", "missing role"),
	B("lanparty://relay:4433", "missing role"),
	B("lanparty://relay?pin=" PIN_E, "missing role"),
	B("lanparty://relay/", "missing role"),
	B("lanparty://relay//" CODE, "missing role"),
	B("lanparty://relay/player/" CODE, "unknown role 'player'"),
	B("lanparty://relay/Client/" CODE, "unknown role 'Client'"),
	B("lanparty://relay/client%20/" CODE, "unknown role (expected"),
	B("lanparty://relay/client", "missing room code"),
	B("lanparty://relay/client/", "missing room code"),
	B("lanparty://relay/client?pin=" PIN_E, "missing room code"),
	B("lanparty://relay/client/?pin=" PIN_E, "missing room code"),
	B("lanparty://relay/client/" CODE "/", "unexpected '/' after the room code"),
	B("lanparty://relay/client/" CODE "/x", "unexpected '/' after the room code"),
	B("lanparty://relay/client/abcdefghijklmno", "invalid room code (16 to 64 characters"),
	B("lanparty://relay/client/" CODE CODE "x", "got 65"),
	B("lanparty://relay/client/" CODE "#frag", "invalid room code"),
	B("lanparty://relay/client/" CODE "=", "invalid room code"),
	B("lanparty://relay/client/k3J9x+Qm2-Vb7Rt5Yw8Nc4Hd6Jf1Gs0A", "invalid room code"),
	B("lanparty://relay/client/k3J9x%5FQm2-Vb7Rt5Yw8Nc4Hd6Jf1Gs0A", "invalid room code"),
	B("lanparty://relay/client/k3J9x Qm2-Vb7Rt5Yw8Nc4Hd6Jf1Gs0A", "invalid room code"),
	/* query */
	B("lanparty://relay/client/" CODE "?", "empty query parameter"),
	B("lanparty://relay/client/" CODE "?&api=1", "empty query parameter"),
	B("lanparty://relay/client/" CODE "?api=1&", "empty query parameter"),
	B("lanparty://relay/client/" CODE "?api=1&&pin=" PIN_E, "empty query parameter"),
	B("lanparty://relay/client/" CODE "??api=1", "unknown query parameter (expected"),
	B("lanparty://relay/client/" CODE "?=1", "without a name"),
	B("lanparty://relay/client/" CODE "?pin", "'pin' has no value"),
	B("lanparty://relay/client/" CODE "?pin=", "'pin' has no value"),
	B("lanparty://relay/client/" CODE "?api", "'api' has no value"),
	B("lanparty://relay/client/" CODE "?api=", "'api' has no value"),
	B("lanparty://relay/client/" CODE "?room=x", "unknown query parameter 'room'"),
	B("lanparty://relay/client/" CODE "?PIN=" PIN_E, "unknown query parameter 'PIN'"),
	B("lanparty://relay/client/" CODE "?pin%3D=" PIN_E, "unknown query parameter (expected"),
	B("lanparty://relay/client/" CODE "?api=443&api=443", "'api' given twice"),
	B("lanparty://relay/client/" CODE "?pin=" PIN_E "&pin=" PIN_E, "'pin' given twice"),
	B("lanparty://relay/client/" CODE "?pin=" PIN_E "&pin=" PIN_S, "'pin' given twice"),
	B("lanparty://relay/client/" CODE "?api=0", "api port must be"),
	B("lanparty://relay/client/" CODE "?api=65536", "api port must be"),
	B("lanparty://relay/client/" CODE "?api=0443", "api port must be"),
	B("lanparty://relay/client/" CODE "?api=-1", "api port must be"),
	B("lanparty://relay/client/" CODE "?api=443 ", NULL), /* trailing space trimmed: valid */
	B("lanparty://relay/client/" CODE "?api=4 43", "api port must be"),
	B("lanparty://relay/client/" CODE "?pin=sha256//x", "44 base64 characters (got 1)"),
	B("lanparty://relay/client/" CODE "?pin=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	  "pin must start with sha256//"),
	B("lanparty://relay/client/" CODE
	  "?pin=sha256%2F%2F47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	  "pin must start with sha256//"),
	B("lanparty://relay/client/" CODE "?pin=" PIN_E ";" PIN_S, "only one pin"),
	B("lanparty://relay/client/" CODE
	  "?pin=sha256//47DEQpj8HBSa%2B/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	  "(got 46)"),
	B("lanparty://relay/client/" CODE
	  "?pin=sha256//47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
	  "not the base64"),
	B("lanparty://relay/client/" CODE "#?api=1", "invalid room code"),
};

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad *b = &bad[i];
		struct lp_invite inv;
		memset(&inv, 0x5a, sizeof(inv));
		char err[160] = "";
		int rc = lp_invite_parse(b->in, &inv, err, sizeof(err));
		if (!b->msg) {
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != b->rc)
			fail_msg("bad %zu (%s): rc %d", i, b->in, rc);
		if (!strstr(err, b->msg))
			fail_msg("bad %zu (%s): message '%s' lacks '%s'", i, b->in, err, b->msg);
		/* out untouched; the secret code never echoed back. */
		for (size_t k = 0; k < sizeof(inv); k++)
			assert_int_equal(((unsigned char *)&inv)[k], 0x5a);
		assert_null(strstr(err, CODE));
		assert_null(strstr(err, "k3J9x"));
	}
}

/* The longest invite there is: a 253-character host, every optional part, max ports. */
static void build_longest(char *buf, size_t len)
{
	char host[LP_INVITE_HOST_MAX + 1];
	memset(host, 'a', LP_INVITE_HOST_MAX);
	host[63] = host[127] = host[191] = '.';
	host[LP_INVITE_HOST_MAX] = '\0';
	snprintf(buf, len, "lanparty://%s:65535/gateway/%s%s?pin=%s&api=65534", host, CODE, CODE,
		 PIN_E);
}

static void test_lengths(void **state)
{
	(void)state;
	char buf[1024];
	struct lp_invite inv;
	char err[160];

	build_longest(buf, sizeof(buf));
	assert_int_equal(strlen(buf), LP_INVITE_MAX_LEN);
	assert_int_equal(LP_INVITE_MAX_LEN, 410);
	assert_int_equal(lp_invite_parse(buf, &inv, err, sizeof(err)), 0);
	assert_int_equal(strlen(inv.host), LP_INVITE_HOST_MAX);
	char out[LP_INVITE_STRLEN];
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	assert_string_equal(out, buf);
	/* One byte short of each possible output size fails cleanly. */
	for (size_t n = 0; n < LP_INVITE_STRLEN; n++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(lp_invite_format(&inv, out, n), LP_ERR_NOBUF);
		if (n)
			assert_string_equal(out, "");
	}

	/* Whitespace around the longest invite does not count. */
	char padded[1200];
	snprintf(padded, sizeof(padded), "   \t%s\r\n\n   ", buf);
	assert_int_equal(lp_invite_parse(padded, &inv, err, sizeof(err)), 0);

	/* One more character anywhere: too long, before any other check. */
	size_t l = strlen(buf);
	buf[l] = '0';
	buf[l + 1] = '\0';
	assert_int_equal(lp_invite_parse(buf, &inv, err, sizeof(err)), LP_ERR_TOO_BIG);
	assert_string_equal(err, "invite is longer than 410 characters");
	memset(buf, 'x', 1000);
	buf[1000] = '\0';
	assert_int_equal(lp_invite_parse(buf, &inv, err, sizeof(err)), LP_ERR_TOO_BIG);

	/* A 254-character name is refused on its own. */
	char host[300];
	memset(host, 'b', 254);
	host[63] = host[127] = host[191] = '.';
	host[254] = '\0';
	snprintf(buf, sizeof(buf), "lanparty://%s/client/%s", host, CODE);
	assert_int_equal(lp_invite_parse(buf, &inv, err, sizeof(err)), LP_ERR_INVALID);
	assert_string_equal(err, "host name is longer than 253 characters");
}

static void test_err_buffer(void **state)
{
	(void)state;
	struct lp_invite inv;
	/* NULL or tiny message buffers are fine. */
	assert_int_equal(lp_invite_parse("lanparty://relay/x/" CODE, &inv, NULL, 0),
			 LP_ERR_INVALID);
	char err[8];
	assert_int_equal(lp_invite_parse("lanparty://relay/x/" CODE, &inv, err, sizeof(err)),
			 LP_ERR_INVALID);
	assert_string_equal(err, "unknown");
	char one[1] = { 'x' };
	assert_int_equal(lp_invite_parse("", &inv, one, 1), LP_ERR_INVALID);
	assert_int_equal(one[0], '\0');
	assert_int_equal(lp_invite_parse(NULL, &inv, NULL, 0), LP_ERR_INVALID);
	assert_int_equal(lp_invite_parse("lanparty://h/client/" CODE, NULL, NULL, 0),
			 LP_ERR_INVALID);
	/* An exact message, to pin the wording the doc quotes. */
	char msg[160];
	assert_int_equal(lp_invite_parse("lanparty://relay:0/client/" CODE, &inv, msg, sizeof(msg)),
			 LP_ERR_INVALID);
	assert_string_equal(msg, "port must be a number from 1 to 65535");
}

static void base_invite(struct lp_invite *inv)
{
	assert_int_equal(lp_invite_parse("lanparty://relay.example.net/client/" CODE, inv, NULL, 0),
			 0);
}

static void test_format_invalid(void **state)
{
	(void)state;
	struct lp_invite inv;
	char out[LP_INVITE_STRLEN];

	base_invite(&inv);
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	assert_int_equal(lp_invite_format(NULL, out, sizeof(out)), LP_ERR_INVALID);
	assert_int_equal(lp_invite_format(&inv, NULL, 10), LP_ERR_INVALID);

	static const char *const hosts[] = {
		"Relay.example.net", "", "relay..net", "::1", "[::1]", "relay_x", "1.2.3.04",
	};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		base_invite(&inv);
		snprintf(inv.host, sizeof(inv.host), "%s", hosts[i]);
		memset(out, 'x', sizeof(out));
		assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
		assert_string_equal(out, "");
	}
	/* host_type must match the host. */
	base_invite(&inv);
	inv.host_type = LP_INVITE_HOST_IPV4;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	base_invite(&inv);
	snprintf(inv.host, sizeof(inv.host), "2001:db8::7");
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	inv.host_type = LP_INVITE_HOST_IPV6;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	assert_string_equal(out, "lanparty://[2001:db8::7]/client/" CODE);
	snprintf(inv.host, sizeof(inv.host), "2001:db8:0::7"); /* not canonical */
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	base_invite(&inv);
	snprintf(inv.host, sizeof(inv.host), "10.0.0.1");
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	inv.host_type = LP_INVITE_HOST_IPV4;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	/* An unterminated host. */
	base_invite(&inv);
	memset(inv.host, 'a', sizeof(inv.host));
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);

	base_invite(&inv);
	inv.port = 0;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	base_invite(&inv);
	inv.api_port = 0;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	base_invite(&inv);
	inv.role = (enum lp_invite_role)0;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	inv.role = (enum lp_invite_role)3;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	base_invite(&inv);
	snprintf(inv.code, sizeof(inv.code), "short");
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	snprintf(inv.code, sizeof(inv.code), "%s", "k3J9x+Qm2-Vb7Rt5Yw8Nc4Hd6Jf1Gs0A");
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
	memset(inv.code, 'a', sizeof(inv.code));
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), LP_ERR_INVALID);
}

static void test_format_build(void **state)
{
	(void)state;
	/* A struct built by hand (as the relay does for POST /rooms). */
	struct lp_invite inv;
	memset(&inv, 0, sizeof(inv));
	snprintf(inv.host, sizeof(inv.host), "relay.example.net");
	inv.host_type = LP_INVITE_HOST_DNS;
	inv.port = 4433;
	inv.api_port = 443;
	inv.role = LP_INVITE_GATEWAY;
	snprintf(inv.code, sizeof(inv.code), "%s", CODE2);
	inv.has_pin = true;
	memcpy(inv.pin, pin_p, LP_PIN_LEN);
	char out[LP_INVITE_STRLEN];
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	assert_string_equal(out,
			    "lanparty://relay.example.net/gateway/" CODE2 "?pin=" PIN_P "&api=443");
	struct lp_invite back;
	assert_int_equal(lp_invite_parse(out, &back, NULL, 0), 0);
	assert_true(lp_invite_equal(&inv, &back));

	/* Without a pin, stale pin bytes are neither written nor compared. */
	inv.has_pin = false;
	assert_int_equal(lp_invite_format(&inv, out, sizeof(out)), 0);
	assert_string_equal(out, "lanparty://relay.example.net/gateway/" CODE2 "?api=443");
	assert_int_equal(lp_invite_parse(out, &back, NULL, 0), 0);
	assert_true(lp_invite_equal(&inv, &back));
	back.port = 1;
	assert_false(lp_invite_equal(&inv, &back));
}

static void test_roles(void **state)
{
	(void)state;
	enum lp_invite_role r = LP_INVITE_CLIENT;
	assert_string_equal(lp_invite_role_name(LP_INVITE_CLIENT), "client");
	assert_string_equal(lp_invite_role_name(LP_INVITE_GATEWAY), "gateway");
	assert_null(lp_invite_role_name((enum lp_invite_role)0));
	assert_int_equal(lp_invite_role_parse("gateway", 7, &r), 0);
	assert_int_equal(r, LP_INVITE_GATEWAY);
	assert_int_equal(lp_invite_role_parse("client", 6, &r), 0);
	assert_int_equal(r, LP_INVITE_CLIENT);
	assert_int_equal(lp_invite_role_parse("clients", 6, &r), 0);
	assert_int_equal(lp_invite_role_parse("clients", 7, &r), LP_ERR_INVALID);
	assert_int_equal(lp_invite_role_parse("GATEWAY", 7, &r), LP_ERR_INVALID);
	assert_int_equal(lp_invite_role_parse("", 0, &r), LP_ERR_INVALID);
	assert_int_equal(lp_invite_role_parse(NULL, 0, &r), LP_ERR_INVALID);
	assert_int_equal(r, LP_INVITE_CLIENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_vectors),    cmocka_unit_test(test_pin_invalid),
		cmocka_unit_test(test_parse_good),     cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_lengths),	       cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_format_invalid), cmocka_unit_test(test_format_build),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
