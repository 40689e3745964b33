/*
 * routes_linux.c: routes.h over rtnetlink (the interface `ip route` and
 * `ip address` use), one request at a time, each acknowledged.
 */
#include "routes.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

enum entry_kind {
	ENTRY_ROUTE = 1, /* dst on the party device */
	ENTRY_ADDR,	 /* an address on the party device */
	ENTRY_PIN,	 /* host route through another interface */
};

/* A path the OS picked for a host: gateway (optional) and interface. */
struct path {
	bool has_gw;
	uint8_t gw[16];
	unsigned oif;
};

struct entry {
	enum entry_kind kind;
	struct lp_cidr dst;
	struct path path; /* pins only */
};

struct lp_routes {
	int fd;
	uint32_t seq;
	unsigned ifindex;
	struct entry e[LP_ROUTES_MAX];
	size_t n;
};

/* Big enough for any request below and for one route or error reply. */
#define NL_BUF 1024

struct nl_req {
	struct nlmsghdr h;
	union {
		struct rtmsg rt;
		struct ifaddrmsg ifa;
	};
	uint8_t attrs[256];
};

static size_t addr_len(enum lp_ip_family f)
{
	return f == LP_IP_V6 ? 16 : 4;
}

static uint8_t af(enum lp_ip_family f)
{
	return f == LP_IP_V6 ? AF_INET6 : AF_INET;
}

static void add_attr(struct nl_req *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((uint8_t *)req + NLMSG_ALIGN(req->h.nlmsg_len));
	/* callers add a handful of small attributes: attrs[] always has room */
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void add_u32(struct nl_req *req, unsigned short type, uint32_t v)
{
	add_attr(req, type, &v, sizeof(v));
}

/*
 * Send req and wait for its answer. With reply, the first message of the
 * answer is copied there (a lookup); otherwise the kernel's acknowledgement
 * is awaited. Returns 0 or -errno (the kernel's or the socket's).
 */
static int nl_talk(struct lp_routes *r, struct nl_req *req, struct nlmsghdr *reply, size_t replylen)
{
	req->h.nlmsg_seq = ++r->seq;
	req->h.nlmsg_flags |= NLM_F_REQUEST | (reply ? 0 : NLM_F_ACK);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(r->fd, req, req->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	union {
		uint8_t b[NL_BUF];
		struct nlmsghdr align;
	} buf;
	for (;;) {
		ssize_t n = recv(r->fd, buf.b, sizeof(buf.b), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = &buf.align; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != r->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;
			}
			if (reply) {
				if (h->nlmsg_len > replylen)
					return -EMSGSIZE;
				memcpy(reply, h, h->nlmsg_len);
				return 0;
			}
		}
	}
}

int lp_routes_new(struct lp_routes **out, unsigned ifindex, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!out || !ifindex) {
		if (err && errlen)
			snprintf(err, errlen, "no party device to route to");
		return LP_ERR_INVALID;
	}
	struct lp_routes *r = calloc(1, sizeof(*r));
	if (!r)
		return LP_ERR_NOMEM;
	r->ifindex = ifindex;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->fd < 0) {
		int ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "cannot open the routing socket: %s", strerror(-ret));
		free(r);
		return ret;
	}
	/* the kernel answers at once; a bound wait keeps a wedged stack from hanging exit */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = r;
	return 0;
}

static void route_req(struct nl_req *req, uint16_t type, uint16_t flags, const struct lp_cidr *dst)
{
	memset(req, 0, sizeof(*req));
	req->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req->h.nlmsg_type = type;
	req->h.nlmsg_flags = flags;
	req->rt.rtm_family = af(dst->family);
	req->rt.rtm_dst_len = dst->prefix;
	req->rt.rtm_table = RT_TABLE_MAIN;
	req->rt.rtm_protocol = LP_ROUTES_PROTO;
	req->rt.rtm_type = RTN_UNICAST;
	/* a deletion matches any scope; a route without gateway lives on the link */
	req->rt.rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
	add_attr(req, RTA_DST, dst->addr, addr_len(dst->family));
}

static int route_change(struct lp_routes *r, uint16_t type, const struct lp_cidr *dst,
			const struct path *p)
{
	struct nl_req req;
	route_req(&req, type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0, dst);
	if (p->has_gw) {
		if (type == RTM_NEWROUTE)
			req.rt.rtm_scope = RT_SCOPE_UNIVERSE;
		add_attr(&req, RTA_GATEWAY, p->gw, addr_len(dst->family));
	}
	add_u32(&req, RTA_OIF, p->oif);
	return nl_talk(r, &req, NULL, 0);
}

static int addr_change(struct lp_routes *r, uint16_t type, const struct lp_cidr *a)
{
	struct nl_req req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
	req.ifa.ifa_family = af(a->family);
	req.ifa.ifa_prefixlen = a->prefix;
	req.ifa.ifa_index = r->ifindex;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	size_t len = addr_len(a->family);
	add_attr(&req, IFA_LOCAL, a->addr, len);
	add_attr(&req, IFA_ADDRESS, a->addr, len);
	if (a->family == LP_IP_V4 && a->prefix <= 30) {
		/* as `ip address add ... brd +`: games send to the subnet's broadcast */
		uint8_t brd[4];
		for (size_t i = 0; i < 4; i++) {
			unsigned bits = a->prefix > 8 * i ? a->prefix - 8 * (unsigned)i : 0;
			uint8_t host = bits >= 8 ? 0 : (uint8_t)(0xffu >> bits);
			brd[i] = (uint8_t)(a->addr[i] | host);
		}
		add_attr(&req, IFA_BROADCAST, brd, sizeof(brd));
	}
	return nl_talk(r, &req, NULL, 0);
}

/* The path the OS picks for host now (RTM_GETROUTE, as `ip route get`). */
static int lookup(struct lp_routes *r, const struct lp_cidr *host, struct path *p,
		  unsigned char *rtype)
{
	struct nl_req req;
	struct lp_cidr h = *host;
	h.prefix = h.family == LP_IP_V6 ? 128 : 32;
	route_req(&req, RTM_GETROUTE, 0, &h);
	req.rt.rtm_table = 0;
	req.rt.rtm_protocol = 0;
	req.rt.rtm_scope = 0;
	req.rt.rtm_type = 0;
	union {
		uint8_t b[NL_BUF];
		struct nlmsghdr align;
	} buf;
	int ret = nl_talk(r, &req, &buf.align, sizeof(buf.b));
	if (ret < 0)
		return ret;
	const struct nlmsghdr *m = &buf.align;
	if (m->nlmsg_type != RTM_NEWROUTE || m->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -EPROTO;
	const struct rtmsg *rt = NLMSG_DATA(m);
	*rtype = rt->rtm_type;
	memset(p, 0, sizeof(*p));
	size_t alen = addr_len(host->family);
	unsigned len = (unsigned)RTM_PAYLOAD(m);
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t oif;
			memcpy(&oif, RTA_DATA(a), sizeof(oif));
			p->oif = oif;
		} else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == alen) {
			memcpy(p->gw, RTA_DATA(a), alen);
			p->has_gw = true;
		}
	}
	return 0;
}

static bool path_equal(const struct path *a, const struct path *b)
{
	return a->oif == b->oif && a->has_gw == b->has_gw &&
	       (!a->has_gw || memcmp(a->gw, b->gw, sizeof(a->gw)) == 0);
}

static int record(struct lp_routes *r, enum entry_kind kind, const struct lp_cidr *dst,
		  const struct path *p)
{
	if (r->n >= LP_ROUTES_MAX)
		return LP_ERR_LIMIT;
	struct entry *e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->dst = *dst;
	if (p)
		e->path = *p;
	return 0;
}

static int change_error(int ret, const char *what, const struct lp_cidr *c, char *err,
			size_t errlen)
{
	char buf[LP_IP_STRLEN];
	if (!err || !errlen)
		return ret;
	lp_cidr_format(c, buf);
	if (ret == -EPERM)
		snprintf(err, errlen,
			 "not allowed to add %s %s: lanparty-client needs CAP_NET_ADMIN", what,
			 buf);
	else if (ret == -EEXIST)
		snprintf(err, errlen, "%s %s exists already; left as it is", what, buf);
	else if (ret == LP_ERR_LIMIT)
		snprintf(err, errlen, "cannot add %s %s: more than %d changes", what, buf,
			 LP_ROUTES_MAX);
	else
		snprintf(err, errlen, "cannot add %s %s: %s", what, buf, lp_strerror(ret));
	return ret;
}

int lp_routes_add(struct lp_routes *r, const struct lp_cidr *dst, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !dst || dst->prefix > 8 * addr_len(dst->family))
		return LP_ERR_INVALID;
	if (r->n >= LP_ROUTES_MAX)
		return change_error(LP_ERR_LIMIT, "route", dst, err, errlen);
	struct path p = { .oif = r->ifindex };
	int ret = route_change(r, RTM_NEWROUTE, dst, &p);
	if (ret < 0)
		return change_error(ret, "route", dst, err, errlen);
	return record(r, ENTRY_ROUTE, dst, &p);
}

int lp_routes_add_address(struct lp_routes *r, const struct lp_cidr *addr, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!r || !addr || addr->prefix > 8 * addr_len(addr->family))
		return LP_ERR_INVALID;
	if (r->n >= LP_ROUTES_MAX)
		return change_error(LP_ERR_LIMIT, "address", addr, err, errlen);
	int ret = addr_change(r, RTM_NEWADDR, addr);
	if (ret < 0)
		return change_error(ret, "address", addr, err, errlen);
	return record(r, ENTRY_ADDR, addr, NULL);
}

/* A pin for host along p; 1 when added, 0 when the route existed, or -errno. */
static int pin_add(struct lp_routes *r, const struct lp_cidr *host, const struct path *p)
{
	int ret = route_change(r, RTM_NEWROUTE, host, p);
	if (ret == -EEXIST)
		return 0;
	return ret < 0 ? ret : 1;
}

int lp_routes_pin_host(struct lp_routes *r, const struct lp_cidr *host, char *err, size_t errlen)
{
	char buf[LP_IP_STRLEN];
	if (err && errlen)
		err[0] = '\0';
	if (!r || !host || (host->family != LP_IP_V4 && host->family != LP_IP_V6))
		return LP_ERR_INVALID;
	struct lp_cidr h = *host;
	h.prefix = h.family == LP_IP_V6 ? 128 : 32;
	lp_cidr_format(&h, buf);
	if (r->n >= LP_ROUTES_MAX)
		return change_error(LP_ERR_LIMIT, "host route", &h, err, errlen);
	struct path p;
	unsigned char rtype;
	int ret = lookup(r, &h, &p, &rtype);
	if (ret < 0) {
		if (err && errlen)
			snprintf(err, errlen, "no route to the relay %s: %s", buf, strerror(-ret));
		return ret;
	}
	if (rtype == RTN_LOCAL)
		return 0; /* the relay runs on this machine */
	if (rtype != RTN_UNICAST || !p.oif) {
		if (err && errlen)
			snprintf(err, errlen, "no route to the relay %s", buf);
		return -ENETUNREACH;
	}
	if (p.oif == r->ifindex) {
		if (err && errlen)
			snprintf(err, errlen,
				 "the route to the relay %s runs through the party device itself",
				 buf);
		return LP_ERR_STATE;
	}
	ret = pin_add(r, &h, &p);
	if (ret < 0)
		return change_error(ret, "host route", &h, err, errlen);
	if (ret == 1)
		record(r, ENTRY_PIN, &h, &p);
	return ret;
}

int lp_routes_pin_refresh(struct lp_routes *r)
{
	int moved = 0, first_err = 0;
	char buf[LP_IP_STRLEN];
	for (size_t i = 0; r && i < r->n; i++) {
		struct entry *e = &r->e[i];
		if (e->kind != ENTRY_PIN)
			continue;
		lp_cidr_format(&e->dst, buf);
		int ret = route_change(r, RTM_DELROUTE, &e->dst, &e->path);
		if (ret < 0 && ret != -ESRCH && ret != -ENODEV) {
			errno = -ret;
			log_warn("relay_route_refresh_failed dst=%s", buf);
			first_err = first_err ? first_err : ret;
			continue;
		}
		struct path p;
		unsigned char rtype;
		ret = lookup(r, &e->dst, &p, &rtype);
		bool usable = ret == 0 && rtype == RTN_UNICAST && p.oif && p.oif != r->ifindex;
		if (usable && !path_equal(&p, &e->path)) {
			ret = pin_add(r, &e->dst, &p);
			if (ret >= 0) {
				e->path = p;
				moved++;
				log_info("relay_route_moved dst=%s", buf);
				continue;
			}
		}
		/* the old path, or nothing better: keep the relay out of the tunnel */
		ret = pin_add(r, &e->dst, &e->path);
		if (ret < 0) {
			errno = -ret;
			log_warn("relay_route_restore_failed dst=%s", buf);
			first_err = first_err ? first_err : ret;
		}
	}
	return first_err ? first_err : moved;
}

/*
 * The default routes of the main table through the party device, by
 * family and gateway, from a route dump. Returns how many (at most max),
 * or -errno.
 */
struct found_default {
	enum lp_ip_family family;
	struct path path;
};

static size_t parse_default(const struct nlmsghdr *h, unsigned ifindex, struct found_default *out)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) ||
	    rt->rtm_dst_len != 0 || rt->rtm_table != RT_TABLE_MAIN ||
	    (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6))
		return 0;
	enum lp_ip_family f = rt->rtm_family == AF_INET6 ? LP_IP_V6 : LP_IP_V4;
	struct path p = { 0 };
	unsigned len = (unsigned)RTM_PAYLOAD(h);
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t oif;
			memcpy(&oif, RTA_DATA(a), sizeof(oif));
			p.oif = oif;
		} else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == addr_len(f)) {
			memcpy(p.gw, RTA_DATA(a), addr_len(f));
			p.has_gw = true;
		}
	}
	if (p.oif != ifindex)
		return 0;
	*out = (struct found_default){ .family = f, .path = p };
	return 1;
}

static int dump_defaults(struct lp_routes *r, struct found_default *out, size_t max)
{
	struct nl_req req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++r->seq;
	req.rt.rtm_family = AF_UNSPEC;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(r->fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	/* a dump comes in several datagrams of many routes each, ended by NLMSG_DONE */
	static union {
		uint8_t b[32768];
		struct nlmsghdr align;
	} buf;
	size_t n = 0;
	for (;;) {
		ssize_t got = recv(r->fd, buf.b, sizeof(buf.b), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		size_t left = (size_t)got;
		for (struct nlmsghdr *h = &buf.align; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != r->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return (int)n;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ? -EPROTO : e->error;
			}
			if (n < max)
				n += parse_default(h, r->ifindex, &out[n]);
		}
	}
}

int lp_routes_drop_defaults(struct lp_routes *r)
{
	struct found_default d[8];
	char buf[LP_IP_STRLEN];
	int n = dump_defaults(r, d, sizeof(d) / sizeof(d[0]));
	if (n < 0)
		return n;
	int dropped = 0;
	for (int i = 0; i < n; i++) {
		struct lp_cidr dst = { .family = d[i].family, .prefix = 0 };
		struct nl_req req;
		route_req(&req, RTM_DELROUTE, 0, &dst);
		/* whoever added it: the DHCP client, not us */
		req.rt.rtm_protocol = RTPROT_UNSPEC;
		if (d[i].path.has_gw)
			add_attr(&req, RTA_GATEWAY, d[i].path.gw, addr_len(dst.family));
		add_u32(&req, RTA_OIF, d[i].path.oif);
		int ret = nl_talk(r, &req, NULL, 0);
		lp_cidr_format(&dst, buf);
		if (ret < 0 && ret != -ESRCH) {
			errno = -ret;
			log_warn("party_default_route_kept dst=%s hint=\"internet traffic may go "
				 "to the "
				 "party LAN\"",
				 buf);
			continue;
		}
		dropped++;
		log_info("party_default_route_removed dst=%s why=\"the party LAN's router must not "
			 "carry this PC's internet traffic\"",
			 buf);
	}
	return dropped;
}

size_t lp_routes_count(const struct lp_routes *r)
{
	return r ? r->n : 0;
}

void lp_routes_del(struct lp_routes *r)
{
	if (!r)
		return;
	char buf[LP_IP_STRLEN];
	while (r->n) {
		struct entry *e = &r->e[--r->n];
		int ret;
		if (e->kind == ENTRY_ADDR)
			ret = addr_change(r, RTM_DELADDR, &e->dst);
		else
			ret = route_change(r, RTM_DELROUTE, &e->dst, &e->path);
		/* the device may be gone already, and its routes and addresses with it */
		if (ret < 0 && ret != -ESRCH && ret != -ENODEV && ret != -EADDRNOTAVAIL) {
			errno = -ret;
			log_warn("route_remove_failed what=%s dst=%s",
				 e->kind == ENTRY_ADDR ? "address" : "route",
				 lp_cidr_format(&e->dst, buf));
		}
	}
	close(r->fd);
	free(r);
}
