#include "b64.h"

#include "err.h"

static const char std_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c in variant v, or -1. A switch, not a table: no locale, no signedness traps. */
static int b64_value(enum lp_b64_variant v, char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (v == LP_B64_STD) {
		if (c == '+')
			return 62;
		if (c == '/')
			return 63;
	} else {
		if (c == '-')
			return 62;
		if (c == '_')
			return 63;
	}
	return -1;
}

size_t lp_b64_encoded_len(size_t n, enum lp_b64_variant v)
{
	if (n > SIZE_MAX / 2)
		return 0;
	size_t full = n / 3 * 4;
	size_t rem = n % 3;
	if (rem == 0)
		return full;
	return full + (v == LP_B64_STD ? 4 : rem + 1);
}

size_t lp_b64_decoded_max(size_t len)
{
	size_t rem = len % 4;
	return len / 4 * 3 + (rem ? rem - 1 : 0);
}

int lp_b64_encode(enum lp_b64_variant v, const void *in, size_t n, char *out, size_t outlen)
{
	if ((v != LP_B64_STD && v != LP_B64_URL) || !out || (!in && n))
		return LP_ERR_INVALID;
	size_t need = lp_b64_encoded_len(n, v);
	if (n && !need)
		return LP_ERR_INVALID;
	if (outlen < need + 1) {
		if (outlen)
			out[0] = '\0';
		return LP_ERR_NOBUF;
	}
	const char *alpha = v == LP_B64_STD ? std_alpha : url_alpha;
	const uint8_t *p = in;
	size_t o = 0;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = alpha[w >> 18 & 63];
		out[o++] = alpha[w >> 12 & 63];
		out[o++] = alpha[w >> 6 & 63];
		out[o++] = alpha[w & 63];
	}
	if (n - i == 1) {
		uint32_t w = (uint32_t)p[i] << 16;
		out[o++] = alpha[w >> 18 & 63];
		out[o++] = alpha[w >> 12 & 63];
		if (v == LP_B64_STD) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = alpha[w >> 18 & 63];
		out[o++] = alpha[w >> 12 & 63];
		out[o++] = alpha[w >> 6 & 63];
		if (v == LP_B64_STD)
			out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

int lp_b64_decode(enum lp_b64_variant v, const char *in, size_t len, uint8_t *out, size_t outlen,
		  size_t *outn)
{
	if ((v != LP_B64_STD && v != LP_B64_URL) || (!in && len) || !outn || (!out && outlen))
		return LP_ERR_INVALID;
	size_t data = len;
	if (v == LP_B64_STD) {
		if (len % 4)
			return LP_ERR_INVALID;
		/* At most two '=', and only at the end: any other '=' fails the alphabet check. */
		if (data && in[data - 1] == '=')
			data--;
		if (data && in[data - 1] == '=' && len - data == 1)
			data--;
		if (len - data && data % 4 < 2)
			return LP_ERR_INVALID;
	} else if (len % 4 == 1) {
		return LP_ERR_INVALID;
	}
	size_t need = lp_b64_decoded_max(data);
	if (need > outlen)
		return LP_ERR_NOBUF;

	size_t o = 0;
	uint32_t w = 0;
	size_t k = 0;
	for (size_t i = 0; i < data; i++) {
		int c = b64_value(v, in[i]);
		if (c < 0)
			return LP_ERR_INVALID;
		w = w << 6 | (uint32_t)c;
		if (++k == 4) {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
			w = 0;
			k = 0;
		}
	}
	/* A tail of 2 or 3 characters: 12 or 18 bits carry 8 or 16; the rest must be zero. */
	if (k == 2) {
		if (w & 0xf)
			return LP_ERR_INVALID;
		out[o++] = (uint8_t)(w >> 4);
	} else if (k == 3) {
		if (w & 0x3)
			return LP_ERR_INVALID;
		out[o++] = (uint8_t)(w >> 10);
		out[o++] = (uint8_t)(w >> 2);
	}
	*outn = o;
	return 0;
}

char lp_b64url_char(unsigned int v)
{
	return url_alpha[v & 63];
}
