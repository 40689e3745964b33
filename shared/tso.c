/*
 * tso.c: software TCP segmentation of TAP super-frames (tso.h).
 */
#include "tso.h"

#include <string.h>

#include "csum.h"
#include "err.h"
#include "eth.h"

/* virtio_net_hdr (include/uapi/linux/virtio_net.h): flags, gso_type, then four le16. */
#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE	  0
#define VNET_GSO_TCPV4	  1
#define VNET_GSO_TCPV6	  4
#define VNET_GSO_ECN	  0x80

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

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

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int lp_tso_parse_vnet(const uint8_t *hdr, struct lp_tso *out)
{
	uint8_t type = hdr[1] & (uint8_t)~VNET_GSO_ECN;

	memset(out, 0, sizeof(*out));
	out->needs_csum = hdr[0] & VNET_F_NEEDS_CSUM;
	/* hdr[2..4) is hdr_len: a hint only, the headers are parsed instead. */
	out->gso_size = le16(hdr + 4);
	out->csum_start = le16(hdr + 6);
	out->csum_offset = le16(hdr + 8);
	if (type == VNET_GSO_NONE)
		out->type = LP_TSO_NONE;
	else if (type == VNET_GSO_TCPV4)
		out->type = LP_TSO_TCPV4;
	else if (type == VNET_GSO_TCPV6)
		out->type = LP_TSO_TCPV6;
	else
		return LP_ERR_UNSUPPORTED;
	return 0;
}

/* Where the headers of a TCP super-frame are, checked against the frame. */
struct layout {
	size_t l3, l4, hl; /* IP header, TCP header, payload start */
	bool v4;
};

static int layout_of(const uint8_t *f, size_t len, const struct lp_tso *t, struct layout *lo)
{
	struct lp_eth_info info;

	if (t->gso_size == 0 || lp_eth_classify(f, len, &info) < 0)
		return LP_ERR_INVALID;
	lo->v4 = t->type == LP_TSO_TCPV4;
	if (info.ethertype != (lo->v4 ? LP_ETH_TYPE_IPV4 : LP_ETH_TYPE_IPV6) ||
	    info.l4_proto != LP_IPPROTO_TCP || info.l4_off == 0 || info.l4_len < 20 ||
	    (info.flags & (LP_ETH_F_FRAGMENT | LP_ETH_F_UNPARSED)))
		return LP_ERR_INVALID;
	lo->l3 = info.l3_off;
	lo->l4 = info.l4_off;
	lo->hl = lo->l4 + (size_t)(f[lo->l4 + 12] >> 4) * 4;
	/* The IP packet must end where the frame does: no padding to carry along. */
	/* Headers longer than a segment's payload are fine: segment k's headers
	 * only overwrite bytes of segments already handed out. */
	if (lo->hl < lo->l4 + 20 || lo->hl > lo->l4 + info.l4_len || lo->hl > LP_TSO_HDR_MAX ||
	    info.l4_off + info.l4_len != len)
		return LP_ERR_INVALID;
	return 0;
}

/* Rewrite the headers at f for a segment of len bytes; the headers were copied there. */
static void fix_segment(uint8_t *f, size_t len, const struct layout *lo, uint16_t id, uint32_t seq,
			uint8_t flags)
{
	uint8_t *ip = f + lo->l3, *tcp = f + lo->l4;
	size_t tcp_len = len - lo->l4;
	uint32_t sum;

	if (lo->v4) {
		put16(ip + 2, (uint16_t)(len - lo->l3));
		put16(ip + 4, id);
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~lp_csum_fold(0, ip, lo->l4 - lo->l3));
		sum = lp_csum_fold(0, ip + 12, 8);
	} else {
		put16(ip + 4, (uint16_t)(len - lo->l3 - 40));
		sum = lp_csum_fold(0, ip + 8, 32);
	}
	put32(tcp + 4, seq);
	tcp[13] = flags;
	sum += LP_IPPROTO_TCP + (uint32_t)tcp_len;
	put16(tcp + 16, 0);
	put16(tcp + 16, (uint16_t)~lp_csum_fold(sum, tcp, tcp_len));
}

static int split_tcp(uint8_t *f, size_t len, const struct lp_tso *t, lp_tso_frame_cb *cb, void *arg)
{
	uint8_t hdr[LP_TSO_HDR_MAX];
	struct layout lo;
	size_t mss = t->gso_size, off;
	uint16_t id;
	uint32_t seq;
	uint8_t flags;
	int n = 0;

	if (layout_of(f, len, t, &lo) < 0)
		return LP_ERR_INVALID;
	memcpy(hdr, f, lo.hl);
	id = lo.v4 ? be16(f + lo.l3 + 4) : 0;
	seq = be32(f + lo.l4 + 4);
	flags = f[lo.l4 + 13];
	for (off = lo.hl; off < len || n == 0; off += mss) {
		size_t pay = len - off < mss ? len - off : mss;
		bool last = off + pay >= len;
		uint8_t fl = flags;
		uint8_t *seg = f + off - lo.hl;

		if (!last)
			fl &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (n > 0) {
			fl &= (uint8_t)~TCP_CWR;
			memcpy(seg, hdr, lo.hl); /* over bytes the previous segment handed out */
		}
		fix_segment(seg, lo.hl + pay, &lo, (uint16_t)(id + n),
			    seq + (uint32_t)(off - lo.hl), fl);
		cb(arg, seg, lo.hl + pay);
		n++;
		if (last)
			break;
	}
	return n;
}

int lp_tso_split(uint8_t *f, size_t len, const struct lp_tso *t, lp_tso_frame_cb *cb, void *arg)
{
	if (len < LP_ETH_HDR_LEN)
		return LP_ERR_INVALID;
	if (t->type != LP_TSO_NONE)
		return split_tcp(f, len, t, cb, arg);
	if (t->needs_csum) {
		/* UDP's zero means "no checksum": a field 6 bytes in is UDP's. */
		if (lp_csum_finish_partial(f, len, t->csum_start, t->csum_offset,
					   t->csum_offset == 6) < 0)
			return LP_ERR_INVALID;
	}
	cb(arg, f, len);
	return 1;
}
