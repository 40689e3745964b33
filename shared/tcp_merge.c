/*
 * tcp_merge.c: joining runs of TCP segments into GSO super-frames
 * (tcp_merge.h).
 */
#include "tcp_merge.h"

#include <string.h>

#include "csum.h"
#include "eth.h"

#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define IPV4_DF 0x40

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* ACK, or ACK with PSH: nothing that changes the connection's state. */
static bool plain_flags(uint8_t flags)
{
	return flags == TCP_ACK || flags == (TCP_ACK | TCP_PSH);
}

/*
 * The segment's checksums hold. The run leaves as CHECKSUM_PARTIAL, which a
 * receiving stack does not verify: as GRO does, only verified segments join.
 */
static bool checksums_ok(const struct lp_tcp_run *r, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + r->l3;
	size_t tcp_len = len - r->l4;
	uint32_t sum;

	if (r->v4) {
		if (lp_csum_fold(0, ip, 20) != 0xffff)
			return false;
		sum = lp_csum_fold(0, ip + 12, 8);
	} else {
		sum = lp_csum_fold(0, ip + 8, 32);
	}
	sum += LP_IPPROTO_TCP + (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff);
	return lp_csum_fold(sum, f + r->l4, tcp_len) == 0xffff;
}

bool lp_tcp_run_start(struct lp_tcp_run *r, const uint8_t *f, size_t len)
{
	struct lp_eth_info info;

	memset(r, 0, sizeof(*r));
	if (lp_eth_classify(f, len, &info) < 0 || info.ntags || info.snap ||
	    info.l4_proto != LP_IPPROTO_TCP || info.l4_off == 0 || info.l4_len < 20 ||
	    (info.flags & (LP_ETH_F_FRAGMENT | LP_ETH_F_UNPARSED)))
		return false;
	r->l3 = info.l3_off;
	r->l4 = info.l4_off;
	if (info.ethertype == LP_ETH_TYPE_IPV4) {
		const uint8_t *ip = f + r->l3;
		/* No options, DF set, not a fragment: GSO can repeat this header. */
		if (ip[0] != 0x45 || (ip[6] & ~IPV4_DF) != 0 || ip[7] != 0 || !(ip[6] & IPV4_DF) ||
		    r->l3 + be16(ip + 2) != len)
			return false;
		r->v4 = true;
	} else if (info.ethertype == LP_ETH_TYPE_IPV6) {
		/* No extension headers between IPv6 and TCP. */
		if (r->l4 != r->l3 + 40 || r->l3 + 40 + be16(f + r->l3 + 4) != len)
			return false;
	} else {
		return false;
	}
	r->hl = r->l4 + (size_t)(f[r->l4 + 12] >> 4) * 4;
	if (r->hl < r->l4 + 20 || r->hl >= len || !plain_flags(f[r->l4 + 13]) ||
	    !checksums_ok(r, f, len))
		return false;
	r->mss = (uint16_t)(len - r->hl);
	r->next_seq = be32(f + r->l4 + 4) + r->mss;
	r->ip_len = len - r->l3;
	r->segs = 1;
	r->psh = (f[r->l4 + 13] & TCP_PSH) != 0;
	r->closed = r->psh;
	return true;
}

/* f's headers equal head's in everything a run shares. */
static bool same_headers(const struct lp_tcp_run *r, const uint8_t *head, const uint8_t *f)
{
	const uint8_t *hi = head + r->l3, *fi = f + r->l3;
	const uint8_t *ht = head + r->l4, *ft = f + r->l4;

	if (memcmp(head, f, r->l3) != 0)
		return false;
	if (r->v4) {
		/* Version to TOS, flags and fragment, TTL and protocol, addresses. */
		if (memcmp(hi, fi, 2) != 0 || memcmp(hi + 6, fi + 6, 4) != 0 ||
		    memcmp(hi + 12, fi + 12, 8) != 0)
			return false;
	} else if (memcmp(hi, fi, 4) != 0 || memcmp(hi + 6, fi + 6, 34) != 0) {
		return false;
	}
	/* Ports; acknowledgment and header length; window, urgent pointer and options. */
	return memcmp(ht, ft, 4) == 0 && memcmp(ht + 8, ft + 8, 5) == 0 &&
	       memcmp(ht + 14, ft + 14, 2) == 0 &&
	       memcmp(ht + 18, ft + 18, r->hl - r->l4 - 18) == 0;
}

bool lp_tcp_run_append(struct lp_tcp_run *r, const uint8_t *head, const uint8_t *f, size_t len)
{
	size_t pay;
	uint8_t flags;

	if (r->closed || r->segs >= LP_TCP_MERGE_SEGS_MAX || len <= r->hl)
		return false;
	pay = len - r->hl;
	if (pay > r->mss || r->ip_len + pay > LP_TCP_MERGE_IP_MAX)
		return false;
	/* The IP packet must end where the frame does: no padding joins a run. */
	if (r->v4 ? r->l3 + be16(f + r->l3 + 2) != len : r->l3 + 40 + be16(f + r->l3 + 4) != len)
		return false;
	flags = f[r->l4 + 13];
	if (!plain_flags(flags) || be32(f + r->l4 + 4) != r->next_seq ||
	    !same_headers(r, head, f) || !checksums_ok(r, f, len))
		return false;
	r->next_seq += (uint32_t)pay;
	r->ip_len += pay;
	r->segs++;
	r->psh = (flags & TCP_PSH) != 0;
	r->closed = r->psh || pay < r->mss;
	return true;
}

void lp_tcp_run_finish(const struct lp_tcp_run *r, uint8_t *head,
		       uint8_t vnet[LP_TCP_MERGE_VNET_LEN])
{
	uint8_t *ip = head + r->l3, *tcp = head + r->l4;
	size_t tcp_len = r->ip_len - (r->l4 - r->l3);
	uint32_t sum;

	memset(vnet, 0, LP_TCP_MERGE_VNET_LEN);
	if (r->segs < 2)
		return;
	if (r->v4) {
		put16(ip + 2, (uint16_t)r->ip_len);
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~lp_csum_fold(0, ip, 20));
		sum = lp_csum_fold(0, ip + 12, 8);
	} else {
		put16(ip + 4, (uint16_t)(r->ip_len - 40));
		sum = lp_csum_fold(0, ip + 8, 32);
	}
	if (r->psh)
		tcp[13] |= TCP_PSH;
	/* CHECKSUM_PARTIAL: the pseudo-header sum, folded, not complemented. */
	sum += LP_IPPROTO_TCP + (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff);
	put16(tcp + 16, lp_csum_fold(sum, NULL, 0));
	vnet[0] = 1;		 /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	vnet[1] = r->v4 ? 1 : 4; /* VIRTIO_NET_HDR_GSO_TCPV4 / _TCPV6 */
	put16le(vnet + 2, (uint16_t)r->hl);
	put16le(vnet + 4, r->mss);
	put16le(vnet + 6, (uint16_t)r->l4);
	put16le(vnet + 8, 16);
}
