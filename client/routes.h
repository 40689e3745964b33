/*
 * routes.h: the routes and addresses lanparty-client puts on the party
 * device, and the host route that keeps the relay out of the tunnel.
 *
 * - Broadcast routes: Linux sends 255.255.255.255 and multicast by the
 *   routing table, which (without these routes) points at the default
 *   route's interface: LAN games would shout at the player's home network.
 *   255.255.255.255/32 and 224.0.0.0/4 on the party device fix that.
 * - A static address (--address CIDR) for parties without DHCP.
 * - A pinned host route to the relay through the path it takes now, so a
 *   route that later appears on the party device (a DHCP lease's router, a
 *   subnet that covers the relay's address) can never pull the relay's own
 *   packets into the tunnel: every VPN pins its server this way.
 *
 * An lp_routes remembers exactly what it added and lp_routes_del() removes
 * just that, newest first; a route or address that already existed is
 * left alone and not recorded. The implementation is one file per OS
 * (routes_linux.c: rtnetlink); this header names no OS type.
 */
#ifndef LP_ROUTES_H
#define LP_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most routes, addresses and pins one lp_routes records. */
#define LP_ROUTES_MAX 16
/* Longest one-line error message the functions below write. */
#define LP_ROUTES_ERR_MAX 256
/* "255.255.255.255/32" or an IPv6 address with "/128", plus NUL. */
#define LP_IP_STRLEN 50
/*
 * The routing protocol number the Linux routes carry ("proto 76" in
 * `ip route`), so a person (or a later run) can find what a client added:
 * `ip route show proto 76`.
 */
#define LP_ROUTES_PROTO 76

enum lp_ip_family {
	LP_IP_V4 = 4,
	LP_IP_V6 = 6
};

/* An IP address (network byte order) with a prefix length. */
struct lp_cidr {
	enum lp_ip_family family;
	uint8_t addr[16]; /* 4 bytes used for IPv4 */
	uint8_t prefix;	  /* 0..32 or 0..128 */
};

/* The routes that carry LAN games' broadcasts and multicasts. */
extern const struct lp_cidr lp_routes_broadcast[2];

/*
 * lp_cidr_parse_v4: parse "A.B.C.D/N" (N 0..32; dotted decimal, no leading
 * zeros) into out. err: errlen bytes for a one-line message ("" on success).
 * Returns 0 or LP_ERR_INVALID (out untouched).
 */
int lp_cidr_parse_v4(const char *s, struct lp_cidr *out, char *err, size_t errlen);

/*
 * lp_cidr_check_host_v4: is c usable as the party device's own address?
 * Refuses 0.0.0.0/8, loopback, link-local 169.254/16, multicast and
 * reserved 224/3, prefixes below 8, and the network and broadcast addresses
 * of prefixes up to /30. err as above.
 * Returns 0 or LP_ERR_INVALID.
 */
int lp_cidr_check_host_v4(const struct lp_cidr *c, char *err, size_t errlen);

/* lp_cidr_format: "A.B.C.D/N" or "ADDR/N" for IPv6 into buf. Returns buf. */
char *lp_cidr_format(const struct lp_cidr *c, char buf[LP_IP_STRLEN]);

struct lp_routes;

/*
 * lp_routes_new: a route keeper for the device with interface index ifindex.
 * err: errlen bytes for a one-line message. Returns 0, LP_ERR_INVALID for
 * ifindex 0, LP_ERR_NOMEM, or -errno (the OS's routing interface).
 */
int lp_routes_new(struct lp_routes **out, unsigned ifindex, char *err, size_t errlen);

/*
 * lp_routes_del: remove every route, address and pin r added, newest first,
 * and free r. Removal errors are logged (a device already gone took its
 * routes with it and is not an error). NULL-safe.
 */
void lp_routes_del(struct lp_routes *r);

/*
 * lp_routes_add: a route to dst through the device (no gateway: the party
 * LAN is one link).
 * Returns 0; -EEXIST when such a route exists already (left alone, not
 * recorded); LP_ERR_LIMIT when LP_ROUTES_MAX are recorded; -errno (-EPERM:
 * no CAP_NET_ADMIN). err names the route on any error.
 */
int lp_routes_add(struct lp_routes *r, const struct lp_cidr *dst, char *err, size_t errlen);

/*
 * lp_routes_add_address: put addr (host address and prefix) on the device;
 * the OS adds the prefix's subnet route with it.
 * Returns 0; -EEXIST when the device has it already (not recorded);
 * LP_ERR_LIMIT; -errno. err as above.
 */
int lp_routes_add_address(struct lp_routes *r, const struct lp_cidr *addr, char *err,
			  size_t errlen);

/*
 * lp_routes_pin_host: pin the path to host (prefix ignored: the address
 * alone is pinned) as it is now: a host route (/32 or /128) with the same
 * gateway and interface as the route the OS picks for host today.
 * Returns 1 when a pin was added; 0 when nothing was needed (host is an
 * address of this machine, or such a host route exists already);
 * LP_ERR_STATE when the path to host already runs through the party
 * device (nothing to pin it to); LP_ERR_LIMIT; -ENETUNREACH when the OS has
 * no route to host; other -errno. err says which.
 */
int lp_routes_pin_host(struct lp_routes *r, const struct lp_cidr *host, char *err, size_t errlen);

/*
 * lp_routes_pin_refresh: after the relay connection was lost (the machine
 * may have moved networks): look up each pinned host's path again without
 * the pin and move the pin there. A pin whose new path would run through
 * the party device, or which has no path at all, is put back as it was.
 * Returns how many pins moved, or -errno when the OS refused a change
 * (logged).
 */
int lp_routes_pin_refresh(struct lp_routes *r);

/*
 * lp_routes_drop_defaults: remove every default route (0.0.0.0/0, ::/0)
 * through the party device. A DHCP client run on the device (dhclient's
 * stock script, NetworkManager, systemd-networkd) installs the party
 * router as a default route, often with a lower metric than the PC's own:
 * the player's internet traffic would then leave through the party. Call
 * it at start and then periodically: a lease comes, and is renewed, at
 * any time. Not restored at exit (the lease's route was never ours).
 * Returns how many were removed (each logged), or -errno.
 */
int lp_routes_drop_defaults(struct lp_routes *r);

/* lp_routes_count: how many routes, addresses and pins r holds. */
size_t lp_routes_count(const struct lp_routes *r);

#endif
