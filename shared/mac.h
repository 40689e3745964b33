/*
 * mac.h: Ethernet MAC addresses: parse, format, classify, generate.
 * Pure functions; no I/O.
 */
#ifndef LP_MAC_H
#define LP_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LP_MAC_LEN 6
/* "aa:bb:cc:dd:ee:ff" plus the terminating NUL. */
#define LP_MAC_STRLEN 18

struct lp_mac {
	uint8_t b[LP_MAC_LEN];
};

/* How a destination address is delivered; indexes counters, so keep it dense. */
enum lp_cast {
	LP_CAST_UNICAST = 0,
	LP_CAST_MULTICAST = 1, /* group bit set, not broadcast */
	LP_CAST_BROADCAST = 2,
	LP_CAST__COUNT = 3
};

/*
 * lp_mac_parse: parse a MAC written as six two-digit hex groups separated by
 * ':' or '-' (one separator style throughout), case-insensitive.
 * s: the text, len bytes long (need not be NUL-terminated).
 * out: receives the address; untouched on error.
 * Returns 0, or LP_ERR_INVALID for anything else (wrong length, mixed
 * separators, non-hex digits).
 */
int lp_mac_parse(const char *s, size_t len, struct lp_mac *out);

/*
 * lp_mac_format: write mac as lower-case "aa:bb:cc:dd:ee:ff" into buf, which
 * must hold LP_MAC_STRLEN bytes. Returns buf.
 */
char *lp_mac_format(const struct lp_mac *mac, char buf[LP_MAC_STRLEN]);

/* True for ff:ff:ff:ff:ff:ff. */
bool lp_mac_is_broadcast(const struct lp_mac *mac);
/* True when the group bit (least significant bit of the first byte) is set; broadcast included. */
bool lp_mac_is_multicast(const struct lp_mac *mac);
/* True when the group bit is clear. */
bool lp_mac_is_unicast(const struct lp_mac *mac);
/* True when the locally-administered bit (0x02 of the first byte) is set. */
bool lp_mac_is_local(const struct lp_mac *mac);
/* True for 00:00:00:00:00:00. */
bool lp_mac_is_zero(const struct lp_mac *mac);
/* True when a member may own this address: unicast and not all-zero. */
bool lp_mac_is_valid_member(const struct lp_mac *mac);
/* lp_mac_cast: broadcast, multicast (group bit, not broadcast) or unicast. */
enum lp_cast lp_mac_cast(const struct lp_mac *mac);
bool lp_mac_equal(const struct lp_mac *a, const struct lp_mac *b);

/*
 * lp_mac_from_random: turn six random bytes into a locally-administered
 * unicast MAC (clears the group bit, sets the local bit).
 */
void lp_mac_from_random(const uint8_t rnd[LP_MAC_LEN], struct lp_mac *out);

#endif
