/*
 * code.h: room codes, the secrets that admit an agent to a room.
 *
 * A room code is 16 to 64 characters from the URL-safe base64 alphabet
 * [A-Za-z0-9_-], so it can be pasted, put in a URL or a JSON string unescaped.
 * The relay generates 32-character codes (192 random bits).
 */
#ifndef LP_CODE_H
#define LP_CODE_H

#include <stdbool.h>
#include <stddef.h>

#define LP_CODE_MIN	16
#define LP_CODE_MAX	64
#define LP_CODE_GEN_LEN 32

/* lp_code_valid: true when s (len bytes, no NUL needed) is a well-formed room code. */
bool lp_code_valid(const char *s, size_t len);

#endif
