/*
 * b64.h: base64 (RFC 4648) encode and decode, in two variants.
 *
 * LP_B64_STD is what curl's --pinnedpubkey and `openssl ... | base64` print:
 * alphabet A-Z a-z 0-9 + /, padded with '=' to a multiple of 4 characters.
 * LP_B64_URL is the URL- and filename-safe alphabet (- and _ in place of + and
 * /), unpadded: the characters of room codes, secrets and tokens.
 *
 * Decoding is strict so that every byte string has exactly one text form:
 * no whitespace, no line breaks, padding exactly where the variant wants it,
 * and the unused low bits of the last character must be zero.
 *
 * Pure functions: no allocation, no I/O.
 */
#ifndef LP_B64_H
#define LP_B64_H

#include <stddef.h>
#include <stdint.h>

enum lp_b64_variant {
	LP_B64_STD = 0, /* RFC 4648 section 4, '=' padding */
	LP_B64_URL = 1, /* RFC 4648 section 5, no padding */
};

/*
 * lp_b64_encoded_len: the number of characters (without the NUL) that
 * encoding n bytes produces in variant v. n is at most SIZE_MAX / 2 (larger
 * values return 0, as no buffer could hold the text anyway).
 */
size_t lp_b64_encoded_len(size_t n, enum lp_b64_variant v);

/*
 * lp_b64_decoded_max: an upper bound on the bytes that len characters decode to
 * (exact for well-formed text in either variant).
 */
size_t lp_b64_decoded_max(size_t len);

/*
 * lp_b64_encode: encode n bytes from in as variant v text into out, followed
 * by a NUL. in may be NULL when n is 0.
 * out: outlen bytes; needs lp_b64_encoded_len(n, v) + 1.
 * Returns 0, LP_ERR_INVALID for an unknown variant or a NULL pointer, or
 * LP_ERR_NOBUF when out is too small (out then holds "" if outlen > 0).
 */
int lp_b64_encode(enum lp_b64_variant v, const void *in, size_t n, char *out, size_t outlen);

/*
 * lp_b64_decode: decode len characters of variant v text (no NUL needed).
 * out: outlen bytes; on success *outn is set to the number written.
 * Returns 0, or
 *   LP_ERR_INVALID  a character outside the alphabet, a length no encoding
 *                   produces, padding missing (STD) or present (URL) or
 *                   misplaced, non-zero unused bits in the last character;
 *   LP_ERR_NOBUF    the decoded bytes do not fit in outlen.
 * out and *outn are unspecified on error.
 */
int lp_b64_decode(enum lp_b64_variant v, const char *in, size_t len, uint8_t *out, size_t outlen,
		  size_t *outn);

/*
 * lp_b64url_char: the URL-safe alphabet's character for the 6-bit value
 * v & 63 (so any random byte maps to a uniformly random character when its
 * high two bits are dropped).
 */
char lp_b64url_char(unsigned int v);

#endif
