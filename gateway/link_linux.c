#include "link_linux.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"

/* From <linux/wireless.h>, which does not mix with <net/if.h>. */
#ifndef SIOCGIWNAME
#define SIOCGIWNAME 0x8B01
#endif

static bool name_ok(const char *ifname)
{
	size_t n = ifname ? strnlen(ifname, IFNAMSIZ) : 0;
	return n > 0 && n < IFNAMSIZ;
}

static void ifr_init(struct ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, ifname, strlen(ifname) + 1);
}

/* Interface ioctls work on any socket; a datagram one needs no privilege. */
static int ctl_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int ethtool_get(int fd, const char *ifname, uint32_t cmd, uint32_t *val)
{
	struct ifreq ifr;
	struct ethtool_value ev = { .cmd = cmd };
	ifr_init(&ifr, ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	*val = ev.data;
	return 0;
}

static int ethtool_set(int fd, const char *ifname, uint32_t cmd, uint32_t val)
{
	struct ifreq ifr;
	struct ethtool_value ev = { .cmd = cmd, .data = val };
	ifr_init(&ifr, ifname);
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

int lp_link_query(const char *ifname, struct lp_link *out)
{
	if (!name_ok(ifname))
		return LP_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	unsigned idx = if_nametoindex(ifname);
	if (idx == 0)
		return errno == ENODEV || errno == ENXIO ? -ENODEV : -errno;
	out->ifindex = (int)idx;

	int fd = ctl_socket();
	if (fd < 0)
		return fd;
	int rc = 0;
	struct ifreq ifr;
	ifr_init(&ifr, ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		rc = errno == ENXIO ? -ENODEV : -errno;
		goto out_close;
	}
	out->up = ifr.ifr_flags & IFF_UP;
	out->running = ifr.ifr_flags & IFF_RUNNING;
	ifr_init(&ifr, ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out_close;
	}
	out->mtu = ifr.ifr_mtu > 0 ? (uint32_t)ifr.ifr_mtu : 0;
	ifr_init(&ifr, ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
		goto out_close;
	}
	out->hwtype = (uint16_t)ifr.ifr_hwaddr.sa_family;
	memcpy(out->mac.b, ifr.ifr_hwaddr.sa_data, LP_MAC_LEN);
	ifr_init(&ifr, ifname);
	out->wireless = ioctl(fd, SIOCGIWNAME, &ifr) == 0;
	/* Unknown offload state reads as off: nothing to warn about or fix. */
	uint32_t v;
	out->gro = ethtool_get(fd, ifname, ETHTOOL_GGRO, &v) == 0 && v;
	out->lro = ethtool_get(fd, ifname, ETHTOOL_GFLAGS, &v) == 0 && (v & ETH_FLAG_LRO);
out_close:
	close(fd);
	return rc;
}

int lp_link_rx_merge_off(const char *ifname, bool *changed)
{
	*changed = false;
	if (!name_ok(ifname))
		return LP_ERR_INVALID;
	int fd = ctl_socket();
	if (fd < 0)
		return fd;
	int rc = 0;
	uint32_t v;
	if (ethtool_get(fd, ifname, ETHTOOL_GGRO, &v) == 0 && v) {
		rc = ethtool_set(fd, ifname, ETHTOOL_SGRO, 0);
		if (rc < 0)
			goto out_close;
		*changed = true;
	}
	if (ethtool_get(fd, ifname, ETHTOOL_GFLAGS, &v) == 0 && (v & ETH_FLAG_LRO)) {
		rc = ethtool_set(fd, ifname, ETHTOOL_SFLAGS, v & ~(uint32_t)ETH_FLAG_LRO);
		if (rc < 0)
			goto out_close;
		*changed = true;
	}
	/* Some drivers accept the request and keep the feature on. */
	if ((ethtool_get(fd, ifname, ETHTOOL_GGRO, &v) == 0 && v) ||
	    (ethtool_get(fd, ifname, ETHTOOL_GFLAGS, &v) == 0 && (v & ETH_FLAG_LRO)))
		rc = -EOPNOTSUPP;
out_close:
	close(fd);
	return rc;
}
