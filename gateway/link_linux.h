/*
 * link_linux.h: facts about the gateway's LAN interface, and the one
 * setting the gateway may change on it.
 *
 * The capture refuses an interface that is missing, down, not Ethernet or
 * smaller than the room MTU, and the gateway warns about two traps: Wi-Fi
 * (an access point drops frames from MACs that did not associate with it,
 * i.e. every player's) and receive offloads. GRO and LRO merge a TCP stream
 * into super-frames of up to 64 KiB before AF_PACKET sees them; such a
 * frame is far over the room MTU and could only be dropped, so a LAN host's
 * downloads to a player would stall. lp_link_rx_merge_off() turns them off.
 *
 * Reads need no privilege; changing an offload needs CAP_NET_ADMIN.
 */
#ifndef LP_LINK_LINUX_H
#define LP_LINK_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "mac.h"

struct lp_link {
	int ifindex;
	bool up;	 /* IFF_UP: administratively up */
	bool running;	 /* IFF_RUNNING: carrier */
	uint32_t mtu;	 /* IP MTU */
	uint16_t hwtype; /* ARPHRD_*; ARPHRD_ETHER (1) for Ethernet, veth, bridges */
	struct lp_mac mac;
	bool wireless; /* answers wireless-extension requests: a Wi-Fi interface */
	bool gro;      /* generic receive offload on (false when unknown) */
	bool lro;      /* large receive offload on (false when unknown) */
};

/*
 * lp_link_query: look up interface ifname.
 * out: filled on success.
 * Returns 0; LP_ERR_INVALID for an empty name or one longer than 15
 * characters; -ENODEV when there is no such interface; other -errno from
 * socket(2) or ioctl(2).
 */
int lp_link_query(const char *ifname, struct lp_link *out);

/*
 * lp_link_rx_merge_off: turn GRO and LRO off on ifname where they are on.
 * changed: set to true when something was switched off.
 * Returns 0 when neither is on any more; -EPERM without CAP_NET_ADMIN;
 * -EOPNOTSUPP when the driver cannot switch one off; other -errno.
 */
int lp_link_rx_merge_off(const char *ifname, bool *changed);

#endif
