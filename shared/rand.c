/*
 * rand.c: what randomness is made into, on top of the OS source in
 * rand_<os>.c: secrets in the URL-safe base64 alphabet.
 */
#include "rand.h"

#include <string.h>

#include "b64.h"
#include "err.h"

int lp_random_secret(char *out, size_t outlen, size_t nchars)
{
	if (!out || !nchars)
		return LP_ERR_INVALID;
	if (outlen <= nchars) {
		if (outlen)
			out[0] = '\0';
		return LP_ERR_NOBUF;
	}
	/*
	 * One random byte per character, its low 6 bits kept: 64 divides 256,
	 * so each character is exactly uniform. Bits are cheap; bias is not.
	 */
	unsigned char rnd[64];
	size_t done = 0;
	while (done < nchars) {
		size_t n = nchars - done < sizeof(rnd) ? nchars - done : sizeof(rnd);
		int rc = lp_random_bytes(rnd, n);
		if (rc < 0) {
			explicit_bzero(rnd, sizeof(rnd));
			explicit_bzero(out, done);
			out[0] = '\0';
			return rc;
		}
		for (size_t i = 0; i < n; i++)
			out[done + i] = lp_b64url_char(rnd[i]);
		done += n;
	}
	out[nchars] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}
