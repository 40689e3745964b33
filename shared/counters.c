#include "counters.h"

#include <string.h>

#include "err.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const dir_names[LP_DIR__COUNT] = {
	[LP_DIR_UP] = "up",
	[LP_DIR_DOWN] = "down",
};

static const char *const cast_names[LP_CAST__COUNT] = {
	[LP_CAST_UNICAST] = "unicast",
	[LP_CAST_MULTICAST] = "multicast",
	[LP_CAST_BROADCAST] = "broadcast",
};

static const char *const drop_names[LP_DROP__COUNT] = {
	[LP_DROP_OVERSIZE] = "oversize",
	[LP_DROP_SWITCH_CONTROL] = "switch_control",
	[LP_DROP_DHCP_SERVER] = "dhcp_server",
	[LP_DROP_IPV6_RA] = "ipv6_ra",
	[LP_DROP_SPOOFED_MAC] = "spoofed_mac",
	[LP_DROP_LOOP] = "loop",
	[LP_DROP_RATE_BROADCAST] = "rate_broadcast",
	[LP_DROP_RATE_TOTAL] = "rate_total",
	[LP_DROP_QUEUE_FULL] = "queue_full",
	[LP_DROP_MALFORMED] = "malformed",
	[LP_DROP_FRAGMENT] = "fragment",
	[LP_DROP_NO_ROUTE] = "no_route",
	[LP_DROP_NOT_ADMITTED] = "not_admitted",
	[LP_DROP_SEND_FAILED] = "send_failed",
};

static const char *const drop_texts[LP_DROP__COUNT] = {
	[LP_DROP_OVERSIZE] = "frame larger than the room MTU",
	[LP_DROP_SWITCH_CONTROL] = "switch-control frame to 01:80:c2:00:00:0x "
				   "(STP, pause, LACP, LLDP, 802.1X)",
	[LP_DROP_DHCP_SERVER] = "DHCP server reply (UDP 67 to 68) from a client",
	[LP_DROP_IPV6_RA] = "IPv6 router advertisement from a client",
	[LP_DROP_SPOOFED_MAC] = "client sent from a MAC address that is not its own",
	[LP_DROP_LOOP] = "source MAC address belongs to another member "
			 "(a frame coming back, or a MAC collision)",
	[LP_DROP_RATE_BROADCAST] = "over the member's broadcast and multicast rate limit",
	[LP_DROP_RATE_TOTAL] = "over the member's total rate limit",
	[LP_DROP_QUEUE_FULL] = "the receiving member's send queue was full",
	[LP_DROP_MALFORMED] = "malformed overlay header or Ethernet frame",
	[LP_DROP_FRAGMENT] =
		"fragment reassembly failed (timeout, inconsistent or too many fragments)",
	[LP_DROP_NO_ROUTE] = "no member to deliver to",
	[LP_DROP_NOT_ADMITTED] = "datagram from a connection not admitted to a room "
				 "(before welcome or after leave)",
	[LP_DROP_SEND_FAILED] = "the QUIC connection refused the datagram "
				"(too large for the path, or closing)",
};

void lp_counters_reset(struct lp_counters *c)
{
	memset(c, 0, sizeof(*c));
}

void lp_counters_merge(struct lp_counters *dst, const struct lp_counters *src)
{
	for (size_t d = 0; d < LP_DIR__COUNT; d++) {
		for (size_t k = 0; k < LP_CAST__COUNT; k++) {
			dst->frames[d][k] += src->frames[d][k];
			dst->bytes[d][k] += src->bytes[d][k];
		}
	}
	for (size_t r = 0; r < LP_DROP__COUNT; r++)
		dst->drops[r] += src->drops[r];
}

static uint64_t sub(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

void lp_counters_delta(struct lp_counters *out, const struct lp_counters *now,
		       const struct lp_counters *before)
{
	for (size_t d = 0; d < LP_DIR__COUNT; d++) {
		for (size_t k = 0; k < LP_CAST__COUNT; k++) {
			out->frames[d][k] = sub(now->frames[d][k], before->frames[d][k]);
			out->bytes[d][k] = sub(now->bytes[d][k], before->bytes[d][k]);
		}
	}
	for (size_t r = 0; r < LP_DROP__COUNT; r++)
		out->drops[r] = sub(now->drops[r], before->drops[r]);
}

uint64_t lp_counters_frames(const struct lp_counters *c, enum lp_dir dir)
{
	uint64_t sum = 0;

	for (size_t k = 0; k < LP_CAST__COUNT; k++)
		sum += c->frames[dir][k];
	return sum;
}

uint64_t lp_counters_bytes(const struct lp_counters *c, enum lp_dir dir)
{
	uint64_t sum = 0;

	for (size_t k = 0; k < LP_CAST__COUNT; k++)
		sum += c->bytes[dir][k];
	return sum;
}

uint64_t lp_counters_drops(const struct lp_counters *c)
{
	uint64_t sum = 0;

	for (size_t r = 0; r < LP_DROP__COUNT; r++)
		sum += c->drops[r];
	return sum;
}

bool lp_counters_is_zero(const struct lp_counters *c)
{
	static const struct lp_counters zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

/* Index of name in a table of n names, or -1. */
static int lookup(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *lp_dir_name(enum lp_dir dir)
{
	return (unsigned)dir < LP_DIR__COUNT ? dir_names[dir] : NULL;
}

int lp_dir_from_name(const char *name, enum lp_dir *out)
{
	int i = lookup(dir_names, COUNT_OF(dir_names), name);

	if (i < 0)
		return LP_ERR_INVALID;
	*out = (enum lp_dir)i;
	return 0;
}

const char *lp_counters_cast_name(enum lp_cast cast)
{
	return (unsigned)cast < LP_CAST__COUNT ? cast_names[cast] : NULL;
}

int lp_counters_cast_from_name(const char *name, enum lp_cast *out)
{
	int i = lookup(cast_names, COUNT_OF(cast_names), name);

	if (i < 0)
		return LP_ERR_INVALID;
	*out = (enum lp_cast)i;
	return 0;
}

const char *lp_drop_name(enum lp_drop why)
{
	return (unsigned)why < LP_DROP__COUNT ? drop_names[why] : NULL;
}

int lp_drop_from_name(const char *name, enum lp_drop *out)
{
	int i = lookup(drop_names, COUNT_OF(drop_names), name);

	if (i < 0)
		return LP_ERR_INVALID;
	*out = (enum lp_drop)i;
	return 0;
}

const char *lp_drop_describe(enum lp_drop why)
{
	return (unsigned)why < LP_DROP__COUNT ? drop_texts[why] : NULL;
}
