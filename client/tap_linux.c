/*
 * tap_linux.c: the party device on Linux, a TAP interface from the tun
 * driver (/dev/net/tun, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR).
 *
 * With virtio-net headers the device is offered checksum and TCP
 * segmentation offload: the player's TCP stack then hands over up to 64 KiB
 * of a connection in one read, which shared/tso.c cuts into room-MTU frames
 * here. A bulk upload costs one system call per super-frame instead of one
 * per frame, and the frames leaving this file are the same as without
 * offload. The other way, a run of TCP segments of one connection from the
 * relay (a download from a LAN server) is joined (shared/tcp_merge.c) and
 * written as one super-frame that the player's stack takes whole, as if its
 * own GRO had built it; every other frame is written at once with an
 * all-zero header (a plain frame).
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "eth.h"
#include "log.h"
#include "tcp_merge.h"
#include "tso.h"

#define TUN_PATH "/dev/net/tun"
/* A TCP super-frame: 64 KiB of IP packet behind an Ethernet header with two tags. */
#define LP_TAP_SUPER_MAX (65535 + LP_MTU_FRAME_EXTRA)

struct lp_tap {
	int fd;	 /* the TAP queue */
	int ctl; /* a datagram socket for the interface ioctls */
	char name[LP_TAP_NAME_MAX];
	unsigned ifindex;
	uint32_t mtu;
	struct lp_mac mac;
	bool attached; /* a persistent TAP existed before us: it outlives us */

	struct lp_loop *loop;
	struct lp_io io;
	unsigned batch;
	lp_tap_frame_cb *cb;
	lp_tap_gone_cb *gone;
	void *arg;
	struct lp_log_rl read_rl;

	struct lp_tap_stats st;
	bool offload; /* the kernel accepted TSO: reads may be super-frames */
	/* Writing: an open run of TCP segments joined in tx_buf (the first
	 * frame, then the others' payloads), written by lp_tap_flush() or when
	 * a frame does not continue it. */
	bool tx_open;
	struct lp_tcp_run tx_run;
	size_t tx_len;
	uint8_t *tx_buf; /* LP_TAP_SUPER_MAX bytes, with offload only */
	/* The virtio-net header, then the largest super-frame, then one byte
	 * more, so an over-long read shows as one. */
	uint8_t buf[LP_TSO_VNET_HDR_LEN + LP_TAP_SUPER_MAX + 1];
};

bool lp_tap_name_valid(const char *name)
{
	if (!name)
		return false;
	size_t len = strnlen(name, LP_TAP_NAME_MAX);
	if (len == 0 || len >= LP_TAP_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	/* the kernel's dev_valid_name(): '/' and ':' have meanings in sysfs and aliases */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

static void ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	/* name was validated (or came from the kernel): it fits with its NUL */
	memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
}

static int set_mac(struct lp_tap *t, const struct lp_mac *mac)
{
	struct ifreq ifr;
	ifr_init(&ifr, t->name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac->b, LP_MAC_LEN);
	if (ioctl(t->ctl, SIOCSIFHWADDR, &ifr) < 0)
		return -errno;
	t->mac = *mac;
	return 0;
}

static int get_flags(struct lp_tap *t, short *flags)
{
	struct ifreq ifr;
	ifr_init(&ifr, t->name);
	if (ioctl(t->ctl, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	*flags = ifr.ifr_flags;
	return 0;
}

static int set_flags(struct lp_tap *t, short flags)
{
	struct ifreq ifr;
	ifr_init(&ifr, t->name);
	ifr.ifr_flags = flags;
	if (ioctl(t->ctl, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

static int set_mtu(struct lp_tap *t, uint32_t mtu)
{
	struct ifreq ifr;
	ifr_init(&ifr, t->name);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(t->ctl, SIOCSIFMTU, &ifr) < 0)
		return -errno;
	t->mtu = mtu;
	return 0;
}

/* One line for the person starting the client: what failed and what to do. */
static int open_error(int ret, const char *name, char *err, size_t errlen)
{
	switch (ret) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		snprintf(err, errlen,
			 "no TAP driver: %s is missing (load it with `modprobe tun`; in a "
			 "container, pass the device in)",
			 TUN_PATH);
		return -ENOENT;
	case -EACCES:
		snprintf(err, errlen,
			 "cannot open %s: permission denied (it is usually mode 0666; "
			 "systemd units need DeviceAllow=%s rw)",
			 TUN_PATH, TUN_PATH);
		return ret;
	case -EPERM:
		snprintf(err, errlen,
			 "not allowed to create TAP device %s: lanparty-client needs "
			 "CAP_NET_ADMIN (run it as root, `setcap cap_net_admin+ep` on the "
			 "binary, or use the systemd unit)",
			 name);
		return ret;
	case -EBUSY:
		snprintf(err, errlen,
			 "TAP device %s is in use by another program (is another "
			 "lanparty-client running? pick another name with --tap)",
			 name);
		return ret;
	case -EEXIST:
		snprintf(err, errlen,
			 "the name %s is taken by a network device that is not a TAP "
			 "(see `ip link show %s`; pick another name with --tap)",
			 name, name);
		return ret;
	default:
		snprintf(err, errlen, "cannot create TAP device %s: %s", name, strerror(-ret));
		return ret;
	}
}

/*
 * Offer checksum and TCP segmentation offload. Without it (an old kernel)
 * every read is one frame with its checksum done: slower, still correct.
 */
static void enable_offload(struct lp_tap *t)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	/* shared/tso.c reads the headers little-endian, as on x86 and arm. */
	return;
#endif
	int hdr = LP_TSO_VNET_HDR_LEN;
	unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(t->fd, TUNSETOFFLOAD, off) < 0) {
		log_info("tap_offload dev=%s enabled=no error=\"%s\"", t->name, strerror(errno));
		(void)ioctl(t->fd, TUNSETOFFLOAD, 0u);
		return;
	}
	t->offload = true;
	/* Best effort too: without it every frame is written on its own. */
	t->tx_buf = malloc(LP_TAP_SUPER_MAX);
}

static int create(struct lp_tap *t, const char *name, char *err, size_t errlen)
{
	t->fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return open_error(-errno, name, err, errlen);
	/* an existing device: a persistent TAP we attach to, or a name taken by something else */
	bool existed = if_nametoindex(name) != 0;
	struct ifreq ifr;
	ifr_init(&ifr, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int ret = -errno;
		/* TUNSETIFF answers EINVAL for a name held by a non-TAP device */
		if (ret == -EINVAL && existed)
			ret = -EEXIST;
		return open_error(ret, name, err, errlen);
	}
	t->attached = existed;
	memcpy(t->name, ifr.ifr_name, sizeof(t->name) - 1);
	t->name[sizeof(t->name) - 1] = '\0';
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ctl < 0) {
		int ret = -errno;
		snprintf(err, errlen, "cannot configure TAP device %s: socket: %s", t->name,
			 strerror(-ret));
		return ret;
	}
	t->ifindex = if_nametoindex(t->name);
	if (!t->ifindex) {
		int ret = -errno;
		snprintf(err, errlen, "TAP device %s vanished while being set up", t->name);
		return ret;
	}
	enable_offload(t);
	return 0;
}

/*
 * The party LAN's IPv6 router advertisements must not give the player a
 * default route through the party (the IPv6 twin of a DHCP lease's router):
 * accept_ra_defrtr=0 keeps SLAAC addresses and on-link prefixes but not the
 * router. Best effort: without IPv6 there is nothing to guard.
 */
static void ignore_ra_router(struct lp_tap *t)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra_defrtr", t->name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		log_warn("ipv6_router_not_ignored dev=%s file=%s hint=\"a router advertised on the "
			 "party LAN may become an IPv6 default route\"",
			 t->name, path);
	}
	if (fd >= 0)
		close(fd);
}

static bool has_mac(struct lp_tap *t, const struct lp_mac *mac)
{
	struct ifreq ifr;
	ifr_init(&ifr, t->name);
	return ioctl(t->ctl, SIOCGIFHWADDR, &ifr) == 0 &&
	       memcmp(ifr.ifr_hwaddr.sa_data, mac->b, LP_MAC_LEN) == 0;
}

static int configure(struct lp_tap *t, const struct lp_tap_config *cfg, char *err, size_t errlen)
{
	short flags = 0;
	int ret = get_flags(t, &flags);
	const char *what = "read flags";
	bool same_mac = has_mac(t, &cfg->mac);
	/*
	 * A MAC changes with the link down on some kernels; an attached
	 * persistent TAP may be up. Only flap it when the MAC must change.
	 */
	if (ret == 0 && (flags & IFF_UP) && !same_mac) {
		what = "take link down";
		ret = set_flags(t, (short)(flags & ~IFF_UP));
		flags = (short)(flags & ~IFF_UP);
	}
	if (ret == 0 && !same_mac) {
		what = "set MAC";
		ret = set_mac(t, &cfg->mac);
	}
	if (ret == 0 && same_mac)
		t->mac = cfg->mac;
	if (ret == 0) {
		what = "set MTU";
		ret = set_mtu(t, cfg->mtu);
	}
	if (ret == 0) {
		ignore_ra_router(t);
		what = "bring link up";
		ret = set_flags(t, (short)(flags | IFF_UP));
	}
	if (ret < 0) {
		char m[LP_MAC_STRLEN];
		snprintf(err, errlen, "cannot %s on TAP device %s (mac %s, mtu %u): %s", what,
			 t->name, lp_mac_format(&cfg->mac, m), cfg->mtu, strerror(-ret));
		if (ret == -EPERM)
			snprintf(err, errlen,
				 "not allowed to %s on TAP device %s: lanparty-client needs "
				 "CAP_NET_ADMIN",
				 what, t->name);
	}
	return ret;
}

static void tap_free(struct lp_tap *t)
{
	free(t->tx_buf);
	if (t->ctl >= 0)
		close(t->ctl);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

int lp_tap_open(struct lp_tap **out, const struct lp_tap_config *cfg, char *err, size_t errlen)
{
	char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!out || !cfg) {
		snprintf(err, errlen, "no TAP configuration");
		return LP_ERR_INVALID;
	}
	const char *name = cfg->name[0] ? cfg->name : LP_TAP_NAME_DEFAULT;
	if (!lp_tap_name_valid(name)) {
		snprintf(err, errlen,
			 "bad TAP device name: 1 to %d characters without '/', ':' or spaces",
			 LP_TAP_NAME_MAX - 1);
		return LP_ERR_INVALID;
	}
	if (!lp_mac_is_valid_member(&cfg->mac)) {
		snprintf(err, errlen, "bad MAC for TAP device %s: not a unicast address", name);
		return LP_ERR_INVALID;
	}
	if (cfg->mtu < LP_MTU_MIN || cfg->mtu > LP_MTU_MAX) {
		snprintf(err, errlen, "bad MTU %u for TAP device %s: allowed %u..%u", cfg->mtu,
			 name, LP_MTU_MIN, LP_MTU_MAX);
		return LP_ERR_INVALID;
	}
	struct lp_tap *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return LP_ERR_NOMEM;
	}
	t->fd = -1;
	t->ctl = -1;
	lp_log_rl_init(&t->read_rl, 5, 10ull * 1000000000ull);
	int ret = create(t, name, err, errlen);
	if (ret == 0)
		ret = configure(t, cfg, err, errlen);
	if (ret < 0) {
		tap_free(t);
		return ret;
	}
	if (t->attached)
		log_info("tap_attached dev=%s persistent=yes hint=\"the device outlives the "
			 "client\"",
			 t->name);
	*out = t;
	return 0;
}

void lp_tap_close(struct lp_tap *t)
{
	if (!t)
		return;
	(void)lp_tap_flush(t);
	lp_tap_unwatch(t);
	/* A persistent TAP outlives us: its next user may not read vnet headers. */
	if (t->attached && t->offload)
		(void)ioctl(t->fd, TUNSETOFFLOAD, 0u);
	tap_free(t);
}

const char *lp_tap_name(const struct lp_tap *t)
{
	return t->name;
}

unsigned lp_tap_ifindex(const struct lp_tap *t)
{
	return t->ifindex;
}

uint32_t lp_tap_mtu(const struct lp_tap *t)
{
	return t->mtu;
}

const struct lp_mac *lp_tap_mac(const struct lp_tap *t)
{
	return &t->mac;
}

int lp_tap_set_mtu(struct lp_tap *t, uint32_t mtu)
{
	if (mtu < LP_MTU_MIN || mtu > LP_MTU_MAX)
		return LP_ERR_INVALID;
	if (mtu == t->mtu)
		return 0;
	return set_mtu(t, mtu);
}

/* Counts the frames a read turned into and passes them on. */
struct read_ctx {
	struct lp_tap *t;
	lp_tap_frame_cb *cb;
	void *arg;
};

static void on_segment(void *arg, uint8_t *f, size_t len)
{
	struct read_ctx *rc = arg;

	if (len > LP_TAP_FRAME_MAX) {
		/* A plain frame over the largest this device takes: not one of ours to send. */
		rc->t->st.read_oversize++;
		return;
	}
	rc->t->st.frames_read++;
	rc->t->st.bytes_read += (uint64_t)len;
	rc->cb(rc->arg, f, len);
}

int lp_tap_read_batch(struct lp_tap *t, unsigned max, lp_tap_frame_cb *cb, void *arg)
{
	if (!cb || max == 0 || max > LP_TAP_BATCH_MAX)
		return LP_ERR_INVALID;
	struct read_ctx rc = { t, cb, arg };
	int n = 0;
	/* one frame or super-frame per read(2): the tun driver has no multi-packet read */
	while ((unsigned)n < max) {
		ssize_t len = read(t->fd, t->buf, sizeof(t->buf));
		struct lp_tso tso;
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		n++;
		if ((size_t)len > LP_TSO_VNET_HDR_LEN + LP_TAP_SUPER_MAX) {
			t->st.read_oversize++;
			continue;
		}
		if ((size_t)len < LP_TSO_VNET_HDR_LEN + LP_ETH_HDR_LEN ||
		    lp_tso_parse_vnet(t->buf, &tso) < 0) {
			t->st.read_runt++;
			continue;
		}
		if (tso.type != LP_TSO_NONE)
			t->st.super_frames++;
		if (lp_tso_split(t->buf + LP_TSO_VNET_HDR_LEN, (size_t)len - LP_TSO_VNET_HDR_LEN,
				 &tso, on_segment, &rc) < 0)
			t->st.read_runt++;
	}
	return n;
}

/* One write(2) of a header and a frame; counts segs frames on success or failure. */
static int write_vnet(struct lp_tap *t, const uint8_t *hdr, const uint8_t *frame, size_t len,
		      unsigned segs)
{
	/* An all-zero virtio-net header: a plain frame, checksums complete. */
	static const uint8_t plain[LP_TSO_VNET_HDR_LEN];
	struct iovec iov[2] = { { (void *)(hdr ? hdr : plain), LP_TSO_VNET_HDR_LEN },
				{ (void *)frame, len } };

	for (;;) {
		ssize_t n = writev(t->fd, iov, 2);
		if (n >= 0) {
			t->st.frames_written += segs;
			t->st.bytes_written += len;
			return 0;
		}
		if (errno != EINTR)
			break;
	}
	int ret = -errno;
	t->st.write_errors += segs;
	return ret;
}

int lp_tap_flush(struct lp_tap *t)
{
	uint8_t hdr[LP_TCP_MERGE_VNET_LEN];

	if (!t->tx_open)
		return 0;
	t->tx_open = false;
	lp_tcp_run_finish(&t->tx_run, t->tx_buf, hdr);
	if (t->tx_run.segs > 1)
		t->st.super_written++;
	return write_vnet(t, hdr, t->tx_buf, t->tx_len, t->tx_run.segs);
}

int lp_tap_write(struct lp_tap *t, const uint8_t *frame, size_t len)
{
	int ret = 0;

	if (!frame || len < LP_ETH_HDR_LEN || len > LP_TAP_FRAME_MAX)
		return LP_ERR_INVALID;
	if (!t->tx_buf)
		return write_vnet(t, NULL, frame, len, 1);
	if (t->tx_open) {
		if (lp_tcp_run_append(&t->tx_run, t->tx_buf, frame, len)) {
			memcpy(t->tx_buf + t->tx_len, frame + t->tx_run.hl, len - t->tx_run.hl);
			t->tx_len += len - t->tx_run.hl;
			return 0;
		}
		/* Order is kept: the run goes first. Its error is the caller's too. */
		ret = lp_tap_flush(t);
	}
	if (!lp_tcp_run_start(&t->tx_run, frame, len)) {
		int r = write_vnet(t, NULL, frame, len, 1);
		return r < 0 ? r : ret;
	}
	memcpy(t->tx_buf, frame, len);
	t->tx_len = len;
	t->tx_open = true;
	return ret;
}

static void on_readable(struct lp_loop *loop, struct lp_io *io, uint32_t events)
{
	struct lp_tap *t = io->arg;
	(void)loop;
	(void)events;
	int ret = lp_tap_read_batch(t, t->batch, t->cb, t->arg);
	if (ret >= 0)
		return;
	/* EBADFD: the device was deleted under us; the queue is detached for good */
	if (ret == -EBADFD || ret == -EBADF) {
		log_error("tap_gone dev=%s error=\"%s\"", t->name, strerror(-ret));
		lp_tap_gone_cb *gone = t->gone;
		void *arg = t->arg;
		lp_tap_unwatch(t);
		if (gone)
			gone(arg, ret);
		return;
	}
	errno = -ret;
	log_warn_rl(&t->read_rl, "tap_read_failed dev=%s", t->name);
}

int lp_tap_watch(struct lp_tap *t, struct lp_loop *loop, unsigned batch, lp_tap_frame_cb *cb,
		 lp_tap_gone_cb *gone, void *arg)
{
	if (!t || !loop || !cb || batch > LP_TAP_BATCH_MAX)
		return LP_ERR_INVALID;
	if (t->loop)
		return LP_ERR_STATE;
	t->batch = batch ? batch : LP_TAP_BATCH_DEFAULT;
	t->cb = cb;
	t->gone = gone;
	t->arg = arg;
	lp_io_init(&t->io, t->fd, on_readable, t);
	int ret = lp_loop_io_add(loop, &t->io, LP_IO_READ);
	if (ret < 0)
		return ret;
	t->loop = loop;
	return 0;
}

void lp_tap_unwatch(struct lp_tap *t)
{
	if (!t || !t->loop)
		return;
	lp_loop_io_del(t->loop, &t->io);
	t->loop = NULL;
}

void lp_tap_get_stats(const struct lp_tap *t, struct lp_tap_stats *out)
{
	*out = t->st;
}
