#include "mac.h"

#include <string.h>

#include "err.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lp_mac_parse(const char *s, size_t len, struct lp_mac *out)
{
	if (!s || !out || len != LP_MAC_STRLEN - 1)
		return LP_ERR_INVALID;
	char sep = s[2];
	if (sep != ':' && sep != '-')
		return LP_ERR_INVALID;
	struct lp_mac m;
	for (size_t i = 0; i < LP_MAC_LEN; i++) {
		const char *g = s + i * 3;
		int hi = hex_value(g[0]);
		int lo = hex_value(g[1]);
		if (hi < 0 || lo < 0)
			return LP_ERR_INVALID;
		if (i + 1 < LP_MAC_LEN && g[2] != sep)
			return LP_ERR_INVALID;
		m.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return 0;
}

char *lp_mac_format(const struct lp_mac *mac, char buf[LP_MAC_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < LP_MAC_LEN; i++) {
		buf[i * 3] = hex[mac->b[i] >> 4];
		buf[i * 3 + 1] = hex[mac->b[i] & 0xf];
		buf[i * 3 + 2] = i + 1 < LP_MAC_LEN ? ':' : '\0';
	}
	return buf;
}

bool lp_mac_is_broadcast(const struct lp_mac *mac)
{
	for (size_t i = 0; i < LP_MAC_LEN; i++)
		if (mac->b[i] != 0xff)
			return false;
	return true;
}

bool lp_mac_is_multicast(const struct lp_mac *mac)
{
	return mac->b[0] & 0x01;
}

bool lp_mac_is_unicast(const struct lp_mac *mac)
{
	return !lp_mac_is_multicast(mac);
}

bool lp_mac_is_local(const struct lp_mac *mac)
{
	return mac->b[0] & 0x02;
}

bool lp_mac_is_zero(const struct lp_mac *mac)
{
	for (size_t i = 0; i < LP_MAC_LEN; i++)
		if (mac->b[i])
			return false;
	return true;
}

bool lp_mac_is_valid_member(const struct lp_mac *mac)
{
	return lp_mac_is_unicast(mac) && !lp_mac_is_zero(mac);
}

enum lp_cast lp_mac_cast(const struct lp_mac *mac)
{
	if (!lp_mac_is_multicast(mac))
		return LP_CAST_UNICAST;
	return lp_mac_is_broadcast(mac) ? LP_CAST_BROADCAST : LP_CAST_MULTICAST;
}

bool lp_mac_equal(const struct lp_mac *a, const struct lp_mac *b)
{
	return memcmp(a->b, b->b, LP_MAC_LEN) == 0;
}

void lp_mac_from_random(const uint8_t rnd[LP_MAC_LEN], struct lp_mac *out)
{
	memcpy(out->b, rnd, LP_MAC_LEN);
	/* IEEE 802: bit 0 of the first octet is I/G (group), bit 1 is U/L (local). */
	out->b[0] = (uint8_t)((out->b[0] & ~0x01u) | 0x02u);
}
