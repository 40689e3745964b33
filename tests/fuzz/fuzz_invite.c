/*
 * Fuzz target for the text parsers a user pastes into: invites
 * (shared/invite.c), pins, MAC addresses (shared/mac.c) and base64
 * (shared/b64.c). Each success must round-trip: formatting what was parsed
 * and parsing it again gives the same value, and for the strict formats
 * (pin, base64) the text itself comes back byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "err.h"
#include "invite.h"
#include "mac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const char *err, size_t cap, bool empty)
{
	size_t n = strnlen(err, cap);
	if (n == cap || (n == 0) != empty)
		abort();
}

static void fuzz_invite(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';

	struct lp_invite inv;
	char err[128];
	memset(err, 'x', sizeof(err));
	int rc = lp_invite_parse(s, &inv, err, sizeof(err));
	if (rc != 0) {
		if (rc != LP_ERR_INVALID && rc != LP_ERR_TOO_BIG)
			abort();
		check_msg(err, sizeof(err), false);
		free(s);
		return;
	}
	check_msg(err, sizeof(err), true);

	char out[LP_INVITE_STRLEN];
	if (lp_invite_format(&inv, out, sizeof(out)) != 0)
		abort();
	size_t olen = strlen(out);
	if (olen > LP_INVITE_MAX_LEN || olen > strlen(s) + 64)
		abort();
	struct lp_invite again;
	if (lp_invite_parse(out, &again, NULL, 0) != 0)
		abort();
	if (!lp_invite_equal(&inv, &again) || memcmp(&inv, &again, sizeof(inv)) != 0)
		abort();
	char out2[LP_INVITE_STRLEN];
	if (lp_invite_format(&again, out2, sizeof(out2)) != 0 || strcmp(out, out2) != 0)
		abort();
	/* Every shorter buffer is refused, never overrun. */
	if (lp_invite_format(&inv, out2, olen) != LP_ERR_NOBUF || out2[0] != '\0')
		abort();
	free(s);
}

static void fuzz_pin(const uint8_t *data, size_t size)
{
	uint8_t pin[LP_PIN_LEN];
	char err[128];
	if (lp_pin_parse((const char *)data, size, pin, err, sizeof(err)) != 0) {
		check_msg(err, sizeof(err), false);
		return;
	}
	char buf[LP_PIN_STRLEN];
	lp_pin_format(pin, buf);
	if (size != LP_PIN_STRLEN - 1 || memcmp(buf, data, size) != 0)
		abort();
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void fuzz_mac(const uint8_t *data, size_t size)
{
	struct lp_mac m, m2;
	if (lp_mac_parse((const char *)data, size, &m) != 0)
		return;
	char buf[LP_MAC_STRLEN];
	lp_mac_format(&m, buf);
	if (strlen(buf) != size)
		abort();
	for (size_t i = 0; i < size; i++) {
		char want = i % 3 == 2 ? ':' : lower((char)data[i]);
		if (buf[i] != want)
			abort();
	}
	if (lp_mac_parse(buf, strlen(buf), &m2) != 0 || !lp_mac_equal(&m, &m2))
		abort();
	if (lp_mac_cast(&m) != (lp_mac_is_broadcast(&m)	  ? LP_CAST_BROADCAST
				: lp_mac_is_multicast(&m) ? LP_CAST_MULTICAST
							  : LP_CAST_UNICAST))
		abort();
}

static void fuzz_b64(const uint8_t *data, size_t size)
{
	for (int v = LP_B64_STD; v <= LP_B64_URL; v++) {
		uint8_t dec[4096];
		size_t n;
		if (lp_b64_decode((enum lp_b64_variant)v, (const char *)data, size, dec,
				  sizeof(dec), &n) != 0)
			continue;
		if (n > lp_b64_decoded_max(size))
			abort();
		char *enc = malloc(size + 1);
		if (!enc)
			return;
		if (lp_b64_encode((enum lp_b64_variant)v, dec, n, enc, size + 1) != 0 ||
		    memcmp(enc, data, size) != 0)
			abort();
		free(enc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_invite(data, size);
	fuzz_pin(data, size);
	fuzz_mac(data, size);
	fuzz_b64(data, size);
	return 0;
}
