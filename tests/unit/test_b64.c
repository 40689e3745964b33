/* Unit tests for shared/b64.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "b64.h"
#include "err.h"

/* RFC 4648 section 10 test vectors. */
static const struct {
	const char *raw, *std, *url;
} rfc[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void test_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		size_t n = strlen(rfc[i].raw);
		char out[16];
		uint8_t dec[16];
		size_t dn = 99;

		assert_int_equal(lp_b64_encoded_len(n, LP_B64_STD), strlen(rfc[i].std));
		assert_int_equal(lp_b64_encoded_len(n, LP_B64_URL), strlen(rfc[i].url));
		assert_int_equal(lp_b64_encode(LP_B64_STD, rfc[i].raw, n, out, sizeof(out)), 0);
		assert_string_equal(out, rfc[i].std);
		assert_int_equal(lp_b64_encode(LP_B64_URL, rfc[i].raw, n, out, sizeof(out)), 0);
		assert_string_equal(out, rfc[i].url);

		assert_int_equal(lp_b64_decode(LP_B64_STD, rfc[i].std, strlen(rfc[i].std), dec,
					       sizeof(dec), &dn),
				 0);
		assert_int_equal(dn, n);
		assert_memory_equal(dec, rfc[i].raw, n);
		assert_int_equal(lp_b64_decode(LP_B64_URL, rfc[i].url, strlen(rfc[i].url), dec,
					       sizeof(dec), &dn),
				 0);
		assert_int_equal(dn, n);
		assert_memory_equal(dec, rfc[i].raw, n);
	}
}

/* Bytes that use the two alphabet-specific characters: 0xfb 0xff 0xbf -> "+/+/" vs "-_-_". */
static void test_alphabets(void **state)
{
	(void)state;
	static const uint8_t raw[] = { 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf };
	char out[16];
	assert_int_equal(lp_b64_encode(LP_B64_STD, raw, sizeof(raw), out, sizeof(out)), 0);
	assert_string_equal(out, "+/+/+/+/");
	assert_int_equal(lp_b64_encode(LP_B64_URL, raw, sizeof(raw), out, sizeof(out)), 0);
	assert_string_equal(out, "-_-_-_-_");
	uint8_t dec[8];
	size_t dn;
	assert_int_equal(lp_b64_decode(LP_B64_STD, "-_-_", 4, dec, sizeof(dec), &dn),
			 LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode(LP_B64_URL, "+/+/", 4, dec, sizeof(dec), &dn),
			 LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode(LP_B64_URL, "-_-_", 4, dec, sizeof(dec), &dn), 0);
	assert_int_equal(dn, 3);
	assert_memory_equal(dec, raw, 3);
}

static void test_decode_invalid(void **state)
{
	(void)state;
	static const struct {
		enum lp_b64_variant v;
		const char *s;
	} bad[] = {
		{ LP_B64_STD, "Zg" },	/* padding missing */
		{ LP_B64_STD, "Zg=" },	/* length not a multiple of 4 */
		{ LP_B64_STD, "Z===" }, /* three '=' */
		{ LP_B64_STD, "====" },	      { LP_B64_STD, "Zg=a" }, /* '=' inside */
		{ LP_B64_STD, "Z=g=" },	      { LP_B64_STD, "=Zg=" },
		{ LP_B64_STD, "Zh==" },	  /* non-zero unused bits ("Zg==" is canonical) */
		{ LP_B64_STD, "Zm9=" },	  /* non-zero unused bits ("Zm8=") */
		{ LP_B64_STD, "Zm9v\n" }, /* whitespace */
		{ LP_B64_STD, "Zm 9v" },      { LP_B64_STD, "Zm9v====" },
		{ LP_B64_STD, "Zg==Zg==" }, /* padding in the middle */
		{ LP_B64_URL, "Zg==" },	    /* padding in the URL variant */
		{ LP_B64_URL, "Z" },	    /* 1 mod 4 */
		{ LP_B64_URL, "Zm9vY" },      { LP_B64_URL, "Zh" },
		{ LP_B64_URL, "Zm9" },	      { LP_B64_URL, "Zm.v" },
		{ LP_B64_URL, "\xc3\xa9xx" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t dec[16];
		size_t dn;
		assert_int_equal(
			lp_b64_decode(bad[i].v, bad[i].s, strlen(bad[i].s), dec, sizeof(dec), &dn),
			LP_ERR_INVALID);
	}
	/* An embedded NUL is just an invalid character. */
	uint8_t dec[4];
	size_t dn;
	assert_int_equal(lp_b64_decode(LP_B64_STD, "Zm\0v", 4, dec, sizeof(dec), &dn),
			 LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode((enum lp_b64_variant)7, "Zm9v", 4, dec, sizeof(dec), &dn),
			 LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode(LP_B64_STD, "Zm9v", 4, dec, sizeof(dec), NULL),
			 LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode(LP_B64_STD, NULL, 4, dec, sizeof(dec), &dn), LP_ERR_INVALID);
	assert_int_equal(lp_b64_decode(LP_B64_STD, NULL, 0, dec, sizeof(dec), &dn), 0);
	assert_int_equal(dn, 0);
}

static void test_buffers(void **state)
{
	(void)state;
	char out[9];
	/* "foobar" needs 8 + NUL. */
	assert_int_equal(lp_b64_encode(LP_B64_STD, "foobar", 6, out, 8), LP_ERR_NOBUF);
	assert_string_equal(out, "");
	assert_int_equal(lp_b64_encode(LP_B64_STD, "foobar", 6, out, 9), 0);
	assert_int_equal(lp_b64_encode(LP_B64_STD, "", 0, out, 0), LP_ERR_NOBUF);
	assert_int_equal(lp_b64_encode(LP_B64_STD, NULL, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(lp_b64_encode(LP_B64_STD, NULL, 1, out, sizeof(out)), LP_ERR_INVALID);
	assert_int_equal(lp_b64_encode(LP_B64_STD, "f", 1, NULL, 8), LP_ERR_INVALID);
	assert_int_equal(lp_b64_encode((enum lp_b64_variant)2, "f", 1, out, sizeof(out)),
			 LP_ERR_INVALID);

	uint8_t dec[6];
	size_t dn;
	assert_int_equal(lp_b64_decode(LP_B64_STD, "Zm9vYmFy", 8, dec, 5, &dn), LP_ERR_NOBUF);
	assert_int_equal(lp_b64_decode(LP_B64_STD, "Zm9vYmE=", 8, dec, 5, &dn), 0);
	assert_int_equal(dn, 5);
	assert_int_equal(lp_b64_decode(LP_B64_URL, "Zm9vYmE", 7, dec, 4, &dn), LP_ERR_NOBUF);

	assert_int_equal(lp_b64_decoded_max(0), 0);
	assert_int_equal(lp_b64_decoded_max(2), 1);
	assert_int_equal(lp_b64_decoded_max(3), 2);
	assert_int_equal(lp_b64_decoded_max(4), 3);
	assert_int_equal(lp_b64_decoded_max(44), 33);
	assert_int_equal(lp_b64_encoded_len(32, LP_B64_STD), 44);
	assert_int_equal(lp_b64_encoded_len(32, LP_B64_URL), 43);
	assert_int_equal(lp_b64_encoded_len(SIZE_MAX, LP_B64_STD), 0);
}

/* Every length 0..40 of every byte pattern round-trips in both variants. */
static void test_round_trip(void **state)
{
	(void)state;
	uint8_t raw[40];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 151 + 7);
	for (int v = LP_B64_STD; v <= LP_B64_URL; v++) {
		for (size_t n = 0; n <= sizeof(raw); n++) {
			char text[64];
			uint8_t dec[40];
			size_t dn;
			assert_int_equal(
				lp_b64_encode((enum lp_b64_variant)v, raw, n, text, sizeof(text)),
				0);
			assert_int_equal(strlen(text),
					 lp_b64_encoded_len(n, (enum lp_b64_variant)v));
			assert_int_equal(lp_b64_decode((enum lp_b64_variant)v, text, strlen(text),
						       dec, sizeof(dec), &dn),
					 0);
			assert_int_equal(dn, n);
			assert_memory_equal(dec, raw, n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648),	       cmocka_unit_test(test_alphabets),
		cmocka_unit_test(test_decode_invalid), cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
