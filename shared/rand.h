/*
 * rand.h: cryptographically secure random bytes and random text secrets.
 *
 * One implementation file per OS (rand_linux.c: getrandom(2)); this header
 * stays free of OS headers. Every secret softlan makes (room codes, resume
 * secrets, admin tokens) and every random MAC comes from here.
 */
#ifndef LP_RAND_H
#define LP_RAND_H

#include <stddef.h>

/*
 * lp_random_bytes: fill buf with len bytes from the operating system's
 * CSPRNG. Blocks only at early boot, until the kernel's pool is seeded.
 * buf: len bytes owned by the caller; len 0 is a no-op.
 * Returns 0, LP_ERR_INVALID for a NULL buf with len > 0, or -errno when the
 * OS call fails (e.g. -ENOSYS on a kernel without getrandom); buf's contents
 * are unspecified on error.
 */
int lp_random_bytes(void *buf, size_t len);

/*
 * lp_random_secret: write nchars random characters of the URL-safe base64
 * alphabet [A-Za-z0-9_-] (6 uniformly random bits each) and a NUL into out.
 * A 32-character secret carries 192 bits. Callers compare secrets in constant
 * time and never log them.
 * out: outlen bytes owned by the caller; needs nchars + 1.
 * Returns 0, LP_ERR_INVALID for nchars 0 or a NULL out, LP_ERR_NOBUF when
 * outlen < nchars + 1 (out then holds "" if outlen > 0), or -errno as
 * lp_random_bytes (out then holds "").
 */
int lp_random_secret(char *out, size_t outlen, size_t nchars);

#endif
