#include "capture_linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csum.h"
#include "err.h"
#include "eth.h"
#include "mtu.h"
#include "tcp_merge.h"
#include "tso.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* The kernel's own figure for where a V2 slot's frame starts (af_packet.c). */
#define SLOT_HDR TPACKET_ALIGN(TPACKET2_HDRLEN + 16)
/* Room kept before a long frame for a VLAN tag put back, and the longest one. */
#define LP_CAPTURE_HEADROOM 4
#define LP_CAPTURE_BIG_MAX  (65535 + LP_MTU_FRAME_EXTRA)
/* Blocks of the ring: the kernel wants whole pages; 64 KiB keeps allocations small. */
#define BLOCK_MIN (64u << 10)

struct lp_capture {
	int fd;
	int ifindex;
	char ifname[IFNAMSIZ];
	bool host_traffic;
	bool kernel_filters_outgoing;

	uint8_t *ring;
	size_t ring_len;
	size_t slot_size;
	uint32_t slot_nr;
	uint32_t rx_next;

	/*
	 * Sending: frames are copied into tx_buf slots (tx_n of them) and sent
	 * as tx_nmsg messages with one sendmmsg. With a virtio-net socket
	 * (tx_fd with PACKET_VNET_HDR) a run of TCP segments of one connection
	 * becomes one message: its header, the first frame, then the payloads
	 * of the others (tcp_merge.h); tx_fd is fd otherwise.
	 */
	int tx_fd;
	bool tx_vnet;
	/*
	 * Receiving with virtio-net headers (rx_vnet): a frame the sender left
	 * for offload (a GSO super-frame from a host on a veth or virtual NIC,
	 * or a checksum to finish) is described, and cut with shared/tso.c.
	 * One longer than a ring slot comes whole through the socket's own queue
	 * (PACKET_COPY_THRESH) into rx_big, with LP_CAPTURE_HEADROOM before it.
	 */
	bool rx_vnet;
	uint8_t *rx_big;
	size_t tx_cap; /* largest frame sent */
	uint8_t *tx_buf;
	unsigned tx_n, tx_nmsg, tx_niov;
	bool tx_open; /* the last message may take more segments */
	struct lp_tcp_run tx_run;
	struct iovec tx_iov[2 * LP_CAPTURE_TX_BATCH];
	struct mmsghdr tx_msg[LP_CAPTURE_TX_BATCH];
	unsigned tx_segs[LP_CAPTURE_TX_BATCH];			    /* frames in each message */
	uint8_t tx_hdr[LP_CAPTURE_TX_BATCH][LP_TCP_MERGE_VNET_LEN]; /* each message's header */

	struct lp_capture_stats st;
};

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The interface checks, each with the one line a person needs. Runs before
 * the socket is opened so that a missing capability does not hide them.
 */
static int check_link(const struct lp_capture_cfg *cfg, struct lp_link *l, char *err, size_t errlen)
{
	const char *n = cfg->ifname;
	int rc = lp_link_query(n, l);
	if (rc == LP_ERR_INVALID) {
		snprintf(err, errlen, "'%s' is not an interface name (1 to %d characters)",
			 n ? n : "", IFNAMSIZ - 1);
		return rc;
	}
	if (rc == -ENODEV) {
		snprintf(err, errlen, "interface %s does not exist (see 'ip link')", n);
		return rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot look up interface %s: %s", n, lp_strerror(rc));
		return rc;
	}
	if (l->hwtype != ARPHRD_ETHER) {
		snprintf(err, errlen,
			 "interface %s is not an Ethernet interface (link type %u): use the port "
			 "that is plugged into the party LAN",
			 n, l->hwtype);
		return LP_ERR_UNSUPPORTED;
	}
	if (!l->up) {
		snprintf(err, errlen, "interface %s is down: bring it up with 'ip link set %s up'",
			 n, n);
		return -ENETDOWN;
	}
	if (cfg->room_mtu != 0 && l->mtu < cfg->room_mtu) {
		snprintf(err, errlen,
			 "interface %s has MTU %u, below the room MTU %u: raise it with 'ip link "
			 "set %s mtu %u' or lower the room's MTU",
			 n, l->mtu, cfg->room_mtu, n, cfg->room_mtu);
		return -EMSGSIZE;
	}
	return 0;
}

static int sockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, level, name, v, len) < 0 ? -errno : 0;
}

static int setup_ring(struct lp_capture *c, size_t frame_cap, uint32_t want_frames)
{
	int v = TPACKET_V2;
	int rc = sockopt(c->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v));
	if (rc < 0)
		return rc;
	size_t slot = pow2_at_least(SLOT_HDR + frame_cap);
	long page = sysconf(_SC_PAGESIZE);
	size_t block = BLOCK_MIN;
	if (page > 0 && (size_t)page > block)
		block = (size_t)page;
	if (slot > block)
		block = slot;
	size_t frames = want_frames ? want_frames : LP_CAPTURE_RING_BYTES / slot;
	size_t per_block = block / slot;
	size_t blocks = (frames + per_block - 1) / per_block;
	if (blocks == 0)
		blocks = 1;
	struct tpacket_req req = {
		.tp_block_size = (unsigned)block,
		.tp_block_nr = (unsigned)blocks,
		.tp_frame_size = (unsigned)slot,
		.tp_frame_nr = (unsigned)(blocks * per_block),
	};
	rc = sockopt(c->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
	if (rc < 0)
		return rc;
	size_t len = block * blocks;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	c->ring = p;
	c->ring_len = len;
	c->slot_size = slot;
	c->slot_nr = req.tp_frame_nr;
	return 0;
}

/*
 * A second socket for sending, with virtio-net headers, so that runs of TCP
 * segments go down as one super-frame. Protocol 0: it receives nothing.
 * Best effort: without it every frame is sent on its own.
 */
static void setup_vnet_tx(struct lp_capture *c)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = c->ifindex };
	int one = 1, sndbuf = 4 << 20;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return;
	}
	/* The gateway's frames need no queueing discipline of this host. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->tx_fd = fd;
	c->tx_vnet = true;
}

/*
 * Virtio-net headers for receiving only with the sending socket in place:
 * the receive side's header would also sit before every frame the capture
 * socket itself sent.
 */
static void setup_vnet(struct lp_capture *c)
{
	int one = 1, rcvbuf = 8 << 20;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	/* shared/tso.c reads the headers little-endian, as on x86 and arm. */
	return;
#endif

	setup_vnet_tx(c);
	if (!c->tx_vnet)
		return;
	c->rx_big = malloc(LP_CAPTURE_HEADROOM + LP_CAPTURE_BIG_MAX);
	if (!c->rx_big || sockopt(c->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) {
		free(c->rx_big);
		c->rx_big = NULL;
		return;
	}
	/* Best effort: without it a long frame is counted as truncated. Copies
	 * wait in the socket's receive buffer: room for a burst of them. */
	(void)sockopt(c->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one));
	if (sockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)sockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	c->rx_vnet = true;
}

/* Open, configure, bind; err names the step that failed. */
static int setup_socket(struct lp_capture *c, const struct lp_capture_cfg *cfg, size_t frame_cap,
			char *err, size_t errlen)
{
	const char *n = cfg->ifname;
	/* Protocol 0: nothing is queued before bind() picks the interface. */
	c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES) {
			snprintf(err, errlen,
				 "no permission to capture on %s: lanparty-gateway needs "
				 "CAP_NET_RAW "
				 "(run it as root, 'setcap cap_net_raw+ep' the binary, or use the "
				 "systemd unit)",
				 n);
			return -EPERM;
		}
		snprintf(err, errlen, "cannot open a packet socket: %s", strerror(e));
		return -e;
	}
	const char *step;
	int rc;
	if (!cfg->host_traffic && !cfg->no_ignore_outgoing) {
		int one = 1;
		c->kernel_filters_outgoing =
			sockopt(c->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == 0;
	}
	/* Host traffic mode captures outgoing frames: keep them frame-sized. */
	if (!cfg->host_traffic)
		setup_vnet(c);
	step = "PACKET_RX_RING";
	rc = setup_ring(c, frame_cap + (c->rx_vnet ? LP_TSO_VNET_HDR_LEN : 0), cfg->ring_frames);
	if (rc < 0)
		goto fail;
	/* Best effort: a deeper send buffer absorbs a burst from the relay. */
	int sndbuf = 1 << 20;
	(void)sockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = c->ifindex,
	};
	step = "bind";
	if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		goto fail;
	}
	struct packet_mreq mr = { .mr_ifindex = c->ifindex, .mr_type = PACKET_MR_PROMISC };
	step = "promiscuous mode";
	rc = sockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	if (rc < 0)
		goto fail;
	return 0;
fail:
	if (rc == -ENODEV)
		snprintf(err, errlen, "interface %s disappeared while opening the capture", n);
	else if (rc == -ENETDOWN)
		snprintf(err, errlen, "interface %s went down while opening the capture", n);
	else
		snprintf(err, errlen, "cannot open the capture on %s: %s: %s", n, step,
			 lp_strerror(rc));
	return rc;
}

int lp_capture_open(struct lp_capture **out, const struct lp_capture_cfg *cfg, struct lp_link *link,
		    char *err, size_t errlen)
{
	char dummy[1];
	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	*out = NULL;
	if (cfg->ring_frames > LP_CAPTURE_RING_FRAMES_MAX ||
	    (cfg->room_mtu != 0 && !lp_mtu_valid(cfg->room_mtu))) {
		snprintf(err, errlen, "invalid capture settings");
		return LP_ERR_INVALID;
	}
	struct lp_link l;
	int rc = check_link(cfg, &l, err, errlen);
	if (link)
		*link = l;
	if (rc < 0)
		return rc;

	struct lp_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return LP_ERR_NOMEM;
	}
	c->fd = -1;
	c->tx_fd = -1;
	c->ifindex = l.ifindex;
	c->host_traffic = cfg->host_traffic;
	memcpy(c->ifname, cfg->ifname, strlen(cfg->ifname) + 1);
	/* Whichever is larger carries: the LAN's MTU bounds what arrives. */
	uint32_t mtu = l.mtu > cfg->room_mtu ? l.mtu : cfg->room_mtu;
	if (mtu < LP_MTU_MIN)
		mtu = LP_MTU_MIN;
	if (mtu > LP_MTU_MAX)
		mtu = LP_MTU_MAX;
	c->tx_cap = (size_t)mtu + LP_MTU_FRAME_EXTRA;
	c->tx_buf = malloc(c->tx_cap * LP_CAPTURE_TX_BATCH);
	if (!c->tx_buf) {
		snprintf(err, errlen, "out of memory");
		rc = LP_ERR_NOMEM;
		goto out_free;
	}
	rc = setup_socket(c, cfg, c->tx_cap, err, errlen);
	if (rc < 0)
		goto out_free;
	if (c->tx_fd < 0)
		c->tx_fd = c->fd;
	*out = c;
	return 0;
out_free:
	lp_capture_close(c);
	return rc;
}

void lp_capture_close(struct lp_capture *c)
{
	if (!c)
		return;
	if (c->ring)
		munmap(c->ring, c->ring_len);
	if (c->tx_fd >= 0 && c->tx_fd != c->fd)
		close(c->tx_fd);
	if (c->fd >= 0)
		close(c->fd);
	free(c->tx_buf);
	free(c->rx_big);
	free(c);
}

int lp_capture_fd(const struct lp_capture *c)
{
	return c->fd;
}

bool lp_capture_kernel_filters_outgoing(const struct lp_capture *c)
{
	return c->kernel_filters_outgoing;
}

/* Passes frames cut from one capture up, counting them. */
struct rx_ctx {
	struct lp_capture *c;
	lp_capture_cb *cb;
	void *arg;
};

static void rx_frame(void *arg, uint8_t *f, size_t len)
{
	struct rx_ctx *rc = arg;

	rc->c->st.rx_frames++;
	rc->c->st.rx_bytes += len;
	rc->cb(rc->arg, f, len);
}

/*
 * One captured frame: put its VLAN tag back (f has 4 bytes of room before
 * it), finish or cut what the sender left for offload, pass it up.
 * vnet: its virtio-net header, or NULL.
 */
static void take_frame(struct lp_capture *c, uint8_t *f, size_t len, const uint8_t *vnet,
		       uint32_t status, uint16_t tci, uint16_t tpid, struct rx_ctx *rc)
{
	struct lp_tso t = { 0 };
	bool tagged = false;

	if ((status & TP_STATUS_VLAN_VALID) && len >= 2 * LP_MAC_LEN) {
		/* Shift the MACs, not the payload. */
		memmove(f - 4, f, 2 * LP_MAC_LEN);
		f -= 4;
		put16(f + 2 * LP_MAC_LEN,
		      (status & TP_STATUS_VLAN_TPID_VALID) && tpid ? tpid : ETH_P_8021Q);
		put16(f + 2 * LP_MAC_LEN + 2, tci);
		len += 4;
		tagged = true;
		c->st.rx_vlan++;
	}
	if (vnet && lp_tso_parse_vnet(vnet, &t) < 0) {
		/* A kind of super-frame no room can carry (UDP segmentation). */
		c->st.rx_truncated++;
		return;
	}
	if (vnet && (t.type != LP_TSO_NONE || t.needs_csum)) {
		if (tagged)
			t.csum_start = (uint16_t)(t.csum_start + 4);
		if (t.type != LP_TSO_NONE)
			c->st.rx_super++;
		else
			c->st.rx_csum++;
		if (lp_tso_split(f, len, &t, rx_frame, rc) < 0)
			c->st.rx_truncated++;
		return;
	}
	if ((status & TP_STATUS_CSUMNOTREADY) && lp_csum_complete(f, len) == 1)
		c->st.rx_csum++;
	rx_frame(rc, f, len);
}

/*
 * The whole frame behind a ring slot marked TP_STATUS_COPY, from the
 * socket's queue (queued before the slot was marked, so in order). It is
 * always read, so the queue stays in step with the ring, and dropped when
 * the slot says it is outgoing (the copy's own address is blank). The VLAN
 * tag comes from the slot, which has the same one.
 */
static void take_copy(struct lp_capture *c, const struct tpacket2_hdr *h, uint32_t status,
		      bool outgoing, struct rx_ctx *rc)
{
	uint8_t vnet[LP_TSO_VNET_HDR_LEN];
	struct iovec iov[2] = { { vnet, sizeof(vnet) },
				{ c->rx_big + LP_CAPTURE_HEADROOM, LP_CAPTURE_BIG_MAX } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_TRUNC);

	if (outgoing) {
		c->st.rx_outgoing++;
		return;
	}
	if (n < (ssize_t)(sizeof(vnet) + LP_ETH_HDR_LEN) || (m.msg_flags & MSG_TRUNC) ||
	    (size_t)n > sizeof(vnet) + LP_CAPTURE_BIG_MAX) {
		c->st.rx_truncated++;
		return;
	}
	take_frame(c, c->rx_big + LP_CAPTURE_HEADROOM, (size_t)n - sizeof(vnet), vnet, status,
		   h->tp_vlan_tci, h->tp_vlan_tpid, rc);
}

/* One ring slot the kernel handed over: skip, drop or pass it up. */
static void take_slot(struct lp_capture *c, struct tpacket2_hdr *h, uint32_t status,
		      struct rx_ctx *rc)
{
	const struct sockaddr_ll *sll =
		(const struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));
	bool outgoing = sll->sll_pkttype == PACKET_OUTGOING && !c->host_traffic;
	/* Longer than a slot: the kernel queued the whole frame too. */
	if ((status & TP_STATUS_COPY) && c->rx_big) {
		take_copy(c, h, status, outgoing, rc);
		return;
	}
	if (outgoing) {
		c->st.rx_outgoing++;
		return;
	}
	if (h->tp_snaplen < h->tp_len) {
		c->st.rx_truncated++;
		return;
	}
	uint8_t *f = (uint8_t *)h + h->tp_mac;
	size_t len = h->tp_snaplen;
	/* The kernel leaves room before the frame: the slot header's, and the vnet header's. */
	size_t room = h->tp_mac - (c->rx_vnet ? LP_TSO_VNET_HDR_LEN : 0);
	if (room < TPACKET2_HDRLEN + 4)
		status &= ~(uint32_t)TP_STATUS_VLAN_VALID;
	uint8_t vnet[LP_TSO_VNET_HDR_LEN];
	if (c->rx_vnet)
		memcpy(vnet, f - LP_TSO_VNET_HDR_LEN,
		       sizeof(vnet)); /* before the tag overwrites it */
	take_frame(c, f, len, c->rx_vnet ? vnet : NULL, status, h->tp_vlan_tci, h->tp_vlan_tpid,
		   rc);
}

size_t lp_capture_read(struct lp_capture *c, size_t max, lp_capture_cb *cb, void *arg)
{
	struct rx_ctx rc = { c, cb, arg };
	size_t n = 0;
	bool losing = false;
	while (n < max) {
		struct tpacket2_hdr *h =
			(struct tpacket2_hdr *)(c->ring + (size_t)c->rx_next * c->slot_size);
		uint32_t status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (!(status & TP_STATUS_USER))
			break;
		losing |= status & TP_STATUS_LOSING;
		take_slot(c, h, status, &rc);
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		c->rx_next = c->rx_next + 1 == c->slot_nr ? 0 : c->rx_next + 1;
		n++;
	}
	if (losing) {
		struct lp_capture_stats s;
		lp_capture_stats(c, &s);
	}
	return n;
}

/* Close the last message: a run of several segments gets its headers and GSO header. */
static void tx_close_msg(struct lp_capture *c)
{
	unsigned m = c->tx_nmsg - 1;

	if (!c->tx_open)
		return;
	c->tx_open = false;
	if (c->tx_segs[m] > 1)
		lp_tcp_run_finish(&c->tx_run, c->tx_msg[m].msg_hdr.msg_iov[1].iov_base,
				  c->tx_hdr[m]);
}

/* A new message for the frame in slot (len bytes). */
static void tx_new_msg(struct lp_capture *c, uint8_t *slot, size_t len)
{
	unsigned m = c->tx_nmsg++;
	struct iovec *iov = &c->tx_iov[c->tx_niov];
	struct msghdr *h = &c->tx_msg[m].msg_hdr;

	memset(h, 0, sizeof(*h));
	h->msg_iov = iov;
	c->tx_segs[m] = 1;
	if (c->tx_vnet) {
		memset(c->tx_hdr[m], 0, LP_TCP_MERGE_VNET_LEN);
		iov[h->msg_iovlen++] = (struct iovec){ c->tx_hdr[m], LP_TCP_MERGE_VNET_LEN };
		c->tx_open = lp_tcp_run_start(&c->tx_run, slot, len);
	}
	iov[h->msg_iovlen++] = (struct iovec){ slot, len };
	c->tx_niov += (unsigned)h->msg_iovlen;
}

int lp_capture_send(struct lp_capture *c, const uint8_t *frame, size_t len)
{
	if (len < 2 * LP_MAC_LEN + 2)
		return LP_ERR_INVALID;
	if (len > c->tx_cap) {
		c->st.tx_oversize++;
		return LP_ERR_TOO_BIG;
	}
	uint8_t *slot = c->tx_buf + c->tx_n * c->tx_cap;
	memcpy(slot, frame, len);
	c->tx_n++;
	if (c->tx_open) {
		unsigned m = c->tx_nmsg - 1;
		struct msghdr *h = &c->tx_msg[m].msg_hdr;
		uint8_t *head = h->msg_iov[1].iov_base;

		if (lp_tcp_run_append(&c->tx_run, head, slot, len)) {
			/* Only the payload: the run's first frame carries the headers. */
			h->msg_iov[h->msg_iovlen++] =
				(struct iovec){ slot + c->tx_run.hl, len - c->tx_run.hl };
			c->tx_niov++;
			c->tx_segs[m]++;
			goto queued;
		}
		tx_close_msg(c);
	}
	tx_new_msg(c, slot, len);
queued:
	if (c->tx_n == LP_CAPTURE_TX_BATCH)
		(void)lp_capture_flush(c);
	return 0;
}

/* Errors after which the rest of the batch would fail the same way. */
static bool drops_batch(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == ENETDOWN || e == ENXIO ||
	       e == ENODEV;
}

static size_t msg_bytes(const struct msghdr *h, bool vnet)
{
	size_t n = 0;

	for (size_t i = vnet ? 1 : 0; i < h->msg_iovlen; i++)
		n += h->msg_iov[i].iov_len;
	return n;
}

int lp_capture_flush(struct lp_capture *c)
{
	int first = 0;
	unsigned done = 0;

	tx_close_msg(c);
	while (done < c->tx_nmsg) {
		int sent = sendmmsg(c->tx_fd, c->tx_msg + done, c->tx_nmsg - done, MSG_DONTWAIT);
		if (sent > 0) {
			for (unsigned i = done; i < done + (unsigned)sent; i++) {
				c->st.tx_bytes += msg_bytes(&c->tx_msg[i].msg_hdr, c->tx_vnet);
				c->st.tx_frames += c->tx_segs[i];
				if (c->tx_segs[i] > 1)
					c->st.tx_merged++;
			}
			done += (unsigned)sent;
			continue;
		}
		int e = sent < 0 ? errno : EIO;
		if (e == EINTR)
			continue;
		if (!first)
			first = -e;
		/* A message the kernel refuses on its own (EMSGSIZE...) costs just itself. */
		unsigned drop = drops_batch(e) ? c->tx_nmsg - done : 1;
		for (unsigned i = done; i < done + drop; i++)
			c->st.tx_failed += c->tx_segs[i];
		done += drop;
	}
	c->tx_n = c->tx_nmsg = c->tx_niov = 0;
	return first;
}

int lp_capture_error(struct lp_capture *c)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return -errno;
	/* Removal shows as ENETDOWN too. */
	if (e == ENETDOWN && !lp_capture_present(c))
		return -ENODEV;
	return -e;
}

bool lp_capture_present(const struct lp_capture *c)
{
	return if_nametoindex(c->ifname) == (unsigned)c->ifindex;
}

void lp_capture_stats(struct lp_capture *c, struct lp_capture_stats *out)
{
	struct tpacket_stats ks;
	socklen_t len = sizeof(ks);
	/* Reading resets the kernel's counters: add them up here. */
	if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &ks, &len) == 0)
		c->st.rx_ring_full += ks.tp_drops;
	*out = c->st;
}
