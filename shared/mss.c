#include "mss.h"

#include "err.h"

#define TCP_HDR_MIN    20
#define TCP_OFF_CSUM   16
#define TCP_OPT_EOL    0
#define TCP_OPT_NOP    1
#define TCP_OPT_MSS    2
#define TCP_OPTLEN_MSS 4

#define IPV4_MTU_MIN 68
#define IPV6_MTU_MIN 1280
#define IP_MTU_MAX   65535

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one's complement sums. */
static uint16_t csum_replace(uint16_t hc, uint16_t m, uint16_t m_new)
{
	uint32_t s = (uint32_t)(hc ^ 0xffffu) + (uint32_t)(m ^ 0xffffu) + m_new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)(s ^ 0xffffu);
}

uint16_t lp_mss_for_mtu(uint32_t ip_mtu, bool ipv6)
{
	if (ip_mtu > IP_MTU_MAX || ip_mtu < (ipv6 ? IPV6_MTU_MIN : IPV4_MTU_MIN))
		return 0;
	return (uint16_t)(ip_mtu - (ipv6 ? LP_MSS_OVERHEAD_V6 : LP_MSS_OVERHEAD_V4));
}

/*
 * The TCP header of a classified SYN, or NULL. *hl receives its length,
 * already checked to lie inside both the frame and the IP packet.
 */
static const uint8_t *syn_header(const uint8_t *f, size_t len, const struct lp_eth_info *info,
				 size_t *hl)
{
	if (!(info->flags & LP_ETH_F_TCP_SYN) || info->l4_proto != LP_IPPROTO_TCP ||
	    info->l4_off == 0 || info->l4_off > len || info->l4_len > len - info->l4_off ||
	    info->l4_len < TCP_HDR_MIN)
		return NULL;
	const uint8_t *tcp = f + info->l4_off;
	*hl = (size_t)(tcp[12] >> 4) * 4;
	if (*hl < TCP_HDR_MIN || *hl > info->l4_len)
		return NULL;
	return tcp;
}

/*
 * Find the next MSS option in tcp[*pos, hl). Returns 1 with *at = offset of
 * its 2-byte value (and *pos past it), 0 at the end of the list, or
 * LP_ERR_INVALID for an option that runs past the header or is shorter than 2.
 */
static int next_mss(const uint8_t *tcp, size_t hl, size_t *pos, size_t *at)
{
	size_t i = *pos;

	while (i < hl) {
		if (tcp[i] == TCP_OPT_EOL)
			return 0;
		if (tcp[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (hl - i < 2)
			return LP_ERR_INVALID;
		size_t olen = tcp[i + 1];
		if (olen < 2 || olen > hl - i)
			return LP_ERR_INVALID;
		if (tcp[i] == TCP_OPT_MSS && olen == TCP_OPTLEN_MSS) {
			*at = i + 2;
			*pos = i + olen;
			return 1;
		}
		i += olen;
	}
	return 0;
}

int lp_mss_get(const uint8_t *f, size_t len, uint16_t *mss)
{
	struct lp_eth_info info;
	int rc = lp_eth_classify(f, len, &info);
	if (rc < 0)
		return rc;
	size_t hl, pos = TCP_HDR_MIN, at;
	const uint8_t *tcp = syn_header(f, len, &info, &hl);
	if (!tcp)
		return LP_ERR_NOT_FOUND;

	bool found = false;
	uint16_t best = 0;
	while ((rc = next_mss(tcp, hl, &pos, &at)) == 1) {
		uint16_t v = be16(tcp + at);
		if (!found || v > best)
			best = v;
		found = true;
	}
	if (!found)
		return rc < 0 ? rc : LP_ERR_NOT_FOUND;
	if (mss)
		*mss = best;
	return 0;
}

int lp_mss_clamp_info(uint8_t *f, size_t len, const struct lp_eth_info *info, uint16_t max_v4,
		      uint16_t max_v6)
{
	if (!f || !info)
		return LP_ERR_INVALID;
	uint16_t max = info->ethertype == LP_ETH_TYPE_IPV6 ? max_v6 : max_v4;
	size_t hl, pos = TCP_HDR_MIN, at;
	if (max == 0 || !syn_header(f, len, info, &hl))
		return 0;

	/* syn_header() vouched for these bytes; write through the caller's pointer. */
	uint8_t *tcp = f + info->l4_off;
	int rc, changed = 0;
	while ((rc = next_mss(tcp, hl, &pos, &at)) == 1) {
		uint16_t old = be16(tcp + at);
		if (old <= max)
			continue;
		/*
		 * The segment is summed in 16-bit words from its first byte; a
		 * value at an odd offset straddles two words, where it counts
		 * byte-swapped.
		 */
		bool odd = at & 1;
		uint16_t hc = be16(tcp + TCP_OFF_CSUM);
		hc = csum_replace(hc, odd ? swap16(old) : old, odd ? swap16(max) : max);
		put_be16(tcp + at, max);
		put_be16(tcp + TCP_OFF_CSUM, hc);
		changed = 1;
	}
	if (rc < 0 && !changed)
		return rc;
	return changed;
}

int lp_mss_clamp(uint8_t *f, size_t len, uint16_t max_v4, uint16_t max_v6)
{
	struct lp_eth_info info;
	int rc = lp_eth_classify(f, len, &info);
	if (rc < 0)
		return rc;
	return lp_mss_clamp_info(f, len, &info, max_v4, max_v6);
}
