/*
 * Fuzz target for shared/eth.c and shared/mss.c: classify arbitrary bytes as
 * an Ethernet frame and clamp the MSS of a copy, checking the invariants the
 * relay relies on (abort() on any violation):
 * - the classifier's offsets stay inside the frame and agree with
 *   lp_eth_parse(); classes match their definitions;
 * - clamping changes nothing but MSS option values and the TCP checksum,
 *   returns exactly what an independent option walk predicts, leaves every
 *   MSS at or below the maximum, and keeps a right checksum right;
 * - clamping twice changes nothing more.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "eth.h"
#include "mss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ------------------------------------------------------------------ reference */

static uint16_t ones_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* True when the whole segment is in f and its checksum is right (destination as in the IP header). */
static bool tcp_csum_ok(const uint8_t *f, const struct lp_eth_info *info)
{
	const uint8_t *ip = f + info->l3_off;
	uint32_t s = LP_IPPROTO_TCP + (uint32_t)info->l4_len;

	if (info->ethertype == LP_ETH_TYPE_IPV4)
		s = ones_sum(ip + 12, 8, s);
	else
		s = ones_sum(ip + 8, 32, s);
	return ones_sum(f + info->l4_off, info->l4_len, s) == 0xffff;
}

struct opts {
	size_t at[20]; /* MSS option values, offsets from the TCP header */
	size_t n;
	bool malformed;
};

/* The option walk, written again from the spec: NOP, EOL, MSS only when its length is 4. */
static void walk(const uint8_t *t, size_t hl, struct opts *o)
{
	o->n = 0;
	o->malformed = false;
	for (size_t i = 20; i < hl;) {
		if (t[i] == 0)
			return;
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (i + 2 > hl || t[i + 1] < 2 || i + t[i + 1] > hl) {
			o->malformed = true;
			return;
		}
		if (t[i] == 2 && t[i + 1] == 4)
			o->at[o->n++] = i + 2;
		i += t[i + 1];
	}
}

static bool switch_ctrl(const uint8_t *d)
{
	return d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xc2 && d[3] == 0 && d[4] == 0 &&
	       d[5] <= 0x0f;
}

/* ------------------------------------------------------------------ checks */

static void check_info(const uint8_t *f, size_t len, const struct lp_eth_info *info)
{
	const unsigned known = LP_ETH_F_SWITCH_CTRL | LP_ETH_F_DHCP_SERVER | LP_ETH_F_DHCP6_SERVER |
			       LP_ETH_F_IPV6_RA | LP_ETH_F_TCP_SYN | LP_ETH_F_FRAGMENT |
			       LP_ETH_F_UNPARSED | LP_ETH_F_SRC_GROUP;
	unsigned fl = info->flags;

	CHECK((fl & ~known) == 0);
	CHECK(info->ntags <= LP_ETH_MAX_TAGS);
	CHECK(info->l3_off ==
	      LP_ETH_HDR_LEN + LP_ETH_TAG_LEN * info->ntags + (info->snap ? LP_ETH_SNAP_LEN : 0));
	if (info->snap)
		CHECK(rd16(f + info->l3_off - 10) < LP_ETH_TYPE_MIN &&
		      memcmp(f + info->l3_off - 8, "\xaa\xaa\x03\x00\x00", 5) == 0);
	CHECK(info->l3_off <= len && info->l3_off + info->l3_len == len);
	CHECK(info->ethertype == rd16(f + info->l3_off - 2));
	CHECK(memcmp(info->dst.b, f, 6) == 0 && memcmp(info->src.b, f + 6, 6) == 0);

	bool mcast = f[0] & 1;
	bool bcast = mcast && memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0;
	CHECK(info->cast == (bcast   ? LP_CAST_BROADCAST
			     : mcast ? LP_CAST_MULTICAST
				     : LP_CAST_UNICAST));
	CHECK(!!(fl & LP_ETH_F_SWITCH_CTRL) == switch_ctrl(f));
	CHECK(!!(fl & LP_ETH_F_SRC_GROUP) == (f[6] & 1));

	bool v4 = info->ethertype == LP_ETH_TYPE_IPV4, v6 = info->ethertype == LP_ETH_TYPE_IPV6;
	if (!v4 && !v6)
		CHECK((fl & ~(LP_ETH_F_SWITCH_CTRL | LP_ETH_F_SRC_GROUP)) == 0);
	if (info->l4_off) {
		CHECK(v4 || v6);
		CHECK(info->l4_off >= info->l3_off + (v4 ? 20 : 40));
		CHECK(info->l4_off <= len && info->l4_len <= len - info->l4_off);
	} else {
		CHECK(info->l4_len == 0 && info->l4_proto == 0);
	}
	const uint8_t *l4 = f + info->l4_off;
	if (fl & (LP_ETH_F_DHCP_SERVER | LP_ETH_F_DHCP6_SERVER)) {
		CHECK(info->l4_off && info->l4_proto == LP_IPPROTO_UDP && info->l4_len >= 4);
		uint16_t sp = rd16(l4), dp = rd16(l4 + 2);
		if (fl & LP_ETH_F_DHCP_SERVER)
			CHECK(v4 && sp == 67 && (dp == 68 || dp == 67));
		if (fl & LP_ETH_F_DHCP6_SERVER)
			CHECK(v6 && sp == 547 && (dp == 546 || dp == 547));
	}
	if (fl & LP_ETH_F_IPV6_RA)
		CHECK(v6 && info->l4_off && info->l4_proto == 58 && info->l4_len >= 1 &&
		      l4[0] == 134);
	if (fl & LP_ETH_F_TCP_SYN)
		CHECK(info->l4_off && info->l4_proto == LP_IPPROTO_TCP && info->l4_len >= 20 &&
		      (size_t)(l4[12] >> 4) * 4 >= 20 &&
		      (size_t)(l4[12] >> 4) * 4 <= info->l4_len && (l4[13] & 0x02));
	if (fl & LP_ETH_F_FRAGMENT)
		CHECK(v4 || v6);

	/* lp_eth_parse() sees the same Ethernet header, with no classes. */
	struct lp_eth_info p;
	CHECK(lp_eth_parse(f, len, &p) == 0);
	CHECK(p.flags == 0 && p.l4_off == 0 && p.ntags == info->ntags && p.snap == info->snap &&
	      p.ethertype == info->ethertype && p.l3_off == info->l3_off &&
	      p.l3_len == info->l3_len && p.cast == info->cast);
	for (unsigned i = 0; i < p.ntags; i++)
		CHECK(p.tpid[i] == info->tpid[i] && p.tci[i] == info->tci[i]);
}

static void check_clamp(const uint8_t *f, size_t len, const struct lp_eth_info *info,
			uint16_t max_v4, uint16_t max_v6)
{
	uint8_t *c = malloc(len);
	CHECK(c != NULL);
	memcpy(c, f, len);
	int rc = lp_mss_clamp(c, len, max_v4, max_v6);

	uint16_t max = info->ethertype == LP_ETH_TYPE_IPV6 ? max_v6 : max_v4;
	bool syn = info->flags & LP_ETH_F_TCP_SYN;
	struct opts o = { .n = 0 };
	size_t hl = 0;
	if (syn) {
		hl = (size_t)(f[info->l4_off + 12] >> 4) * 4;
		walk(f + info->l4_off, hl, &o);
	}
	bool big = false;
	for (size_t i = 0; i < o.n; i++)
		big |= rd16(f + info->l4_off + o.at[i]) > max;
	int want = !syn || max == 0 ? 0 : big ? 1 : o.malformed ? LP_ERR_INVALID : 0;
	CHECK(rc == want);

	if (rc != 1) {
		CHECK(memcmp(c, f, len) == 0);
	} else {
		/* Only MSS values and the checksum may differ. */
		const uint8_t *t = f + info->l4_off, *tc = c + info->l4_off;
		for (size_t i = 0; i < info->l4_off; i++)
			CHECK(c[i] == f[i]);
		for (size_t i = 0; i < len - info->l4_off; i++) {
			bool may = i == 16 || i == 17;
			for (size_t k = 0; k < o.n; k++)
				may |= i == o.at[k] || i == o.at[k] + 1;
			if (!may)
				CHECK(tc[i] == t[i]);
		}
		for (size_t k = 0; k < o.n; k++) {
			uint16_t old = rd16(t + o.at[k]);
			CHECK(rd16(tc + o.at[k]) == (old > max ? max : old));
		}
		/* A right checksum stays right when the whole segment is here to sum. */
		if (!(info->flags & (LP_ETH_F_UNPARSED | LP_ETH_F_FRAGMENT)) &&
		    tcp_csum_ok(f, info))
			CHECK(tcp_csum_ok(c, info));
		uint16_t mss;
		CHECK(lp_mss_get(c, len, &mss) == 0 && mss <= max);
	}

	/* Clamping again finds nothing more to do. */
	uint8_t *c2 = malloc(len);
	CHECK(c2 != NULL);
	memcpy(c2, c, len);
	int rc2 = lp_mss_clamp(c2, len, max_v4, max_v6);
	CHECK(rc2 == 0 || rc2 == LP_ERR_INVALID);
	CHECK(memcmp(c2, c, len) == 0);

	/* The hot-path variant on the classifier's result does the same. */
	memcpy(c2, f, len);
	CHECK(lp_mss_clamp_info(c2, len, info, max_v4, max_v6) == rc);
	CHECK(memcmp(c2, c, len) == 0);
	free(c2);
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_eth_info info, again;
	int rc = lp_eth_classify(data, size, &info);

	if (rc < 0) {
		CHECK(rc == LP_ERR_INVALID || rc == LP_ERR_UNSUPPORTED);
		CHECK(size >= LP_ETH_HDR_LEN || rc == LP_ERR_INVALID);
		if (size) {
			uint8_t *c = malloc(size);
			CHECK(c != NULL);
			memcpy(c, data, size);
			CHECK(lp_mss_clamp(c, size, 1360, 1340) == rc);
			CHECK(memcmp(c, data, size) == 0);
			free(c);
		}
		return 0;
	}
	check_info(data, size, &info);
	CHECK(lp_eth_classify(data, size, &again) == 0 && again.flags == info.flags &&
	      again.l4_off == info.l4_off && again.l4_len == info.l4_len &&
	      again.l4_proto == info.l4_proto);

	uint16_t mss;
	int g = lp_mss_get(data, size, &mss);
	CHECK(g == 0 || g == LP_ERR_NOT_FOUND || g == LP_ERR_INVALID);
	CHECK(g == LP_ERR_NOT_FOUND || (info.flags & LP_ETH_F_TCP_SYN));

	check_clamp(data, size, &info, 1360, 1340);
	check_clamp(data, size, &info, rd16(data), rd16(data + 2)); /* maxima from the input */
	return 0;
}
