/*
 * Unit tests for relay/room.c: membership and the forwarding rules, with
 * in-memory members that record what the room hands them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "room.h"

#define SEC	 1000000000ull
#define MAX_SEEN 64

struct peer {
	struct lp_member m;
	size_t frames;
	size_t last_len;
	uint8_t last[2048];
	size_t ctrl;
	struct lp_ctrl_msg last_ctrl;
	bool full; /* refuse frames, as a full queue does */
};

static int io_frame(void *conn, const uint8_t *frame, size_t len)
{
	struct peer *p = conn;
	if (p->full)
		return LP_ERR_LIMIT;
	p->frames++;
	p->last_len = len;
	memcpy(p->last, frame, len < sizeof(p->last) ? len : sizeof(p->last));
	return 0;
}

static int io_ctrl(void *conn, const struct lp_ctrl_msg *m)
{
	struct peer *p = conn;
	p->ctrl++;
	p->last_ctrl = *m;
	return 0;
}

static const struct lp_member_io io = { io_frame, io_ctrl };

static struct lp_room *room;
static struct peer gw, c1, c2;

static void peer_init(struct peer *p, uint32_t id, bool gateway, uint8_t last_mac_byte)
{
	memset(p, 0, sizeof(*p));
	p->m.id = id;
	p->m.gateway = gateway;
	p->m.io = &io;
	p->m.conn = p;
	if (!gateway) {
		p->m.has_mac = true;
		p->m.mac = (struct lp_mac){ { 0x02, 0, 0, 0, 0, last_mac_byte } };
	}
}

static struct lp_room_settings settings(void)
{
	struct lp_room_settings s = { .max_clients = 2, .mtu = 1500, .enabled = true };
	memcpy(s.name, "lan", 4);
	return s;
}

static int setup(void **state)
{
	(void)state;
	struct lp_room_settings s = settings();
	room = lp_room_new(1, &s);
	assert_non_null(room);
	peer_init(&gw, 1, true, 0);
	peer_init(&c1, 2, false, 1);
	peer_init(&c2, 3, false, 2);
	assert_int_equal(lp_room_add(room, &gw.m, 0), 0);
	assert_int_equal(lp_room_add(room, &c1.m, 0), 0);
	assert_int_equal(lp_room_add(room, &c2.m, 0), 0);
	gw.frames = c1.frames = c2.frames = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (room->n_members)
		lp_room_remove(room, room->members[0], LP_DISCONNECT_SHUTDOWN);
	lp_room_del(room);
	return 0;
}

/* A frame of len bytes from src to dst with the given ethertype, zero payload. */
static size_t eth(uint8_t *f, size_t len, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return len;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t lanhost[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };

static void test_membership(void **state)
{
	(void)state;
	/* peer_joined reached the earlier members; the newest saw nothing */
	assert_int_equal(gw.ctrl, 2);
	assert_int_equal(gw.last_ctrl.type, LP_CTRL_PEER_JOINED);
	assert_int_equal(gw.last_ctrl.peer_joined.id, 3);
	assert_true(gw.last_ctrl.peer_joined.has_mac);
	assert_int_equal(c2.ctrl, 0);
	assert_int_equal(room->n_clients, 2);
	assert_ptr_equal(room->gateway, &gw.m);

	struct peer g2, c3, dup;
	peer_init(&g2, 4, true, 0);
	assert_int_equal(lp_room_add(room, &g2.m, 0), LP_ERR_EXISTS);
	peer_init(&c3, 5, false, 9);
	assert_int_equal(lp_room_add(room, &c3.m, 0), LP_ERR_LIMIT);
	/* a freed seat; then a duplicate MAC is refused */
	lp_room_remove(room, &c2.m, LP_DISCONNECT_KICKED);
	assert_int_equal(gw.last_ctrl.type, LP_CTRL_PEER_LEFT);
	assert_int_equal(gw.last_ctrl.peer_left.member_id, 3);
	assert_int_equal(gw.last_ctrl.peer_left.reason, LP_DISCONNECT_KICKED);
	peer_init(&dup, 6, false, 1);
	assert_int_equal(lp_room_add(room, &dup.m, 0), LP_ERR_EXISTS);
	assert_int_equal(lp_room_add(room, &c2.m, 0), 0);
	assert_ptr_equal(lp_room_find(room, 3), &c2.m);
	assert_null(lp_room_find(room, 99));
	assert_ptr_equal(lp_room_find_mac(room, &c1.m.mac), &c1.m);
}

static void test_broadcast_and_learning(void **state)
{
	(void)state;
	uint8_t f[128];
	/* ARP broadcast from client 1 reaches the gateway and client 2, not itself */
	eth(f, 60, bcast, c1.m.mac.b, 0x0806);
	lp_room_forward(room, &c1.m, f, 60, SEC);
	assert_int_equal(gw.frames, 1);
	assert_int_equal(c2.frames, 1);
	assert_int_equal(c1.frames, 0);
	assert_int_equal(c1.m.ctr.frames[LP_DIR_UP][LP_CAST_BROADCAST], 1);
	assert_int_equal(gw.m.ctr.frames[LP_DIR_DOWN][LP_CAST_BROADCAST], 1);
	assert_int_equal(gw.m.ctr.bytes[LP_DIR_DOWN][LP_CAST_BROADCAST], 60);

	/* unknown unicast from the LAN floods to both clients */
	eth(f, 60, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x77 }, lanhost, 0x88b5);
	lp_room_forward(room, &gw.m, f, 60, SEC);
	assert_int_equal(c1.frames, 1);
	assert_int_equal(c2.frames, 2);

	/* the reply to client 1 goes to client 1 only (its MAC is pinned) */
	eth(f, 60, c1.m.mac.b, lanhost, 0x88b5);
	lp_room_forward(room, &gw.m, f, 60, SEC);
	assert_int_equal(c1.frames, 2);
	assert_int_equal(c2.frames, 2);
	assert_memory_equal(c1.last, f, 60);

	/* the LAN host was learned behind the gateway: unicast to it goes there alone */
	eth(f, 60, lanhost, c2.m.mac.b, 0x88b5);
	lp_room_forward(room, &c2.m, f, 60, SEC);
	assert_int_equal(gw.frames, 2);
	assert_int_equal(c1.frames, 2);

	/* multicast (mDNS) floods */
	eth(f, 60, (const uint8_t[6]){ 0x01, 0x00, 0x5e, 0, 0, 0xfb }, c2.m.mac.b, 0x88b5);
	lp_room_forward(room, &c2.m, f, 60, SEC);
	assert_int_equal(gw.frames, 3);
	assert_int_equal(c1.frames, 3);
	assert_int_equal(c2.m.ctr.frames[LP_DIR_UP][LP_CAST_MULTICAST], 1);
}

static void expect_drop(struct peer *src, uint8_t *f, size_t len, enum lp_drop why)
{
	size_t before = gw.frames + c1.frames + c2.frames;
	uint64_t drops = src->m.ctr.drops[why];
	lp_room_forward(room, &src->m, f, len, 2 * SEC);
	if (gw.frames + c1.frames + c2.frames != before)
		fail_msg("frame of %zu bytes delivered, expected a %s drop", len,
			 lp_drop_name(why));
	assert_int_equal(src->m.ctr.drops[why], drops + 1);
}

static void test_filters(void **state)
{
	(void)state;
	uint8_t f[2048];

	/* over the room MTU: 1500 + 14 + 8 is the largest frame */
	eth(f, 1523, bcast, c1.m.mac.b, 0x88b5);
	expect_drop(&c1, f, 1523, LP_DROP_OVERSIZE);
	lp_room_forward(room, &c1.m, f, 1522, 2 * SEC);
	assert_int_equal(gw.frames, 1);

	/* spanning tree BPDU, from either side */
	eth(f, 60, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0 }, c1.m.mac.b, 0x0026);
	expect_drop(&c1, f, 60, LP_DROP_SWITCH_CONTROL);
	eth(f, 60, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, lanhost, 0x88cc);
	expect_drop(&gw, f, 60, LP_DROP_SWITCH_CONTROL);

	/* a client sending from another MAC */
	eth(f, 60, bcast, (const uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x99 }, 0x0806);
	expect_drop(&c1, f, 60, LP_DROP_SPOOFED_MAC);
	/* ... or from client 2's MAC */
	eth(f, 60, bcast, c2.m.mac.b, 0x0806);
	expect_drop(&c1, f, 60, LP_DROP_SPOOFED_MAC);
	/* the LAN side sending from a client's pinned MAC: a loop or a spoof */
	eth(f, 60, bcast, c1.m.mac.b, 0x0806);
	expect_drop(&gw, f, 60, LP_DROP_LOOP);
	/* a group source address */
	eth(f, 60, bcast, (const uint8_t[6]){ 0x01, 0, 0, 0, 0, 1 }, 0x0806);
	expect_drop(&gw, f, 60, LP_DROP_SPOOFED_MAC);

	/* a DHCP server reply (IPv4 UDP 67 -> 68) from a client; allowed from the LAN */
	size_t n = eth(f, 14 + 20 + 8 + 240, bcast, c1.m.mac.b, 0x0800);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((n - 14) >> 8);
	ip[3] = (uint8_t)(n - 14);
	ip[8] = 64;
	ip[9] = 17;
	uint8_t *udp = ip + 20;
	udp[1] = 67;
	udp[3] = 68;
	udp[5] = 8 + 240;
	expect_drop(&c1, f, n, LP_DROP_DHCP_SERVER);
	memcpy(f + 6, lanhost, 6);
	size_t before = c1.frames;
	lp_room_forward(room, &gw.m, f, n, 2 * SEC);
	assert_int_equal(c1.frames, before + 1);

	/* an IPv6 router advertisement from a client */
	n = eth(f, 14 + 40 + 16, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }, c1.m.mac.b, 0x86dd);
	ip = f + 14;
	ip[0] = 0x60;
	ip[5] = 16;
	ip[6] = 58;
	ip[7] = 255;
	ip[8] = 0xfe;
	ip[9] = 0x80;
	ip[24] = 0xff;
	ip[25] = 0x02;
	ip[39] = 1;
	ip[40] = 134;
	expect_drop(&c1, f, n, LP_DROP_IPV6_RA);

	/* runt frame */
	expect_drop(&c1, f, 10, LP_DROP_MALFORMED);
}

static void test_rate_limits(void **state)
{
	(void)state;
	struct lp_room_settings s = settings();
	s.bcast_pps = 40;
	s.bytes_per_s = 100000;
	assert_int_equal(lp_room_apply(room, &s), 0);
	uint8_t f[1514];
	eth(f, 100, bcast, c1.m.mac.b, 0x0806);
	size_t passed = 0;
	for (int i = 0; i < 100; i++) {
		size_t before = gw.frames;
		lp_room_forward(room, &c1.m, f, 100, 5 * SEC);
		passed += gw.frames - before;
	}
	assert_int_equal(passed, 40); /* the burst; no time has passed */
	assert_int_equal(c1.m.ctr.drops[LP_DROP_RATE_BROADCAST], 60);
	/* a second later the bucket refilled */
	size_t before = gw.frames;
	lp_room_forward(room, &c1.m, f, 100, 6 * SEC);
	assert_int_equal(gw.frames, before + 1);

	/* unicast is not limited by the broadcast limit, but by bytes */
	eth(f, 1514, lanhost, c2.m.mac.b, 0x88b5);
	uint64_t sent = 0;
	for (int i = 0; i < 200; i++) {
		size_t b = gw.frames;
		lp_room_forward(room, &c2.m, f, 1514, 7 * SEC);
		sent += (gw.frames - b) * 1514;
	}
	assert_true(sent <= 100000);
	assert_true(sent >= 100000 - 1514);
	assert_true(c2.m.ctr.drops[LP_DROP_RATE_TOTAL] > 0);

	/* the MTU cannot change under live members */
	s.mtu = 1400;
	assert_int_equal(lp_room_apply(room, &s), LP_ERR_STATE);
	assert_int_equal(room->set.mtu, 1500);
}

static void test_queue_full_and_leave(void **state)
{
	(void)state;
	uint8_t f[64];
	c2.full = true;
	eth(f, 60, bcast, c1.m.mac.b, 0x0806);
	lp_room_forward(room, &c1.m, f, 60, SEC);
	assert_int_equal(c2.m.ctr.drops[LP_DROP_QUEUE_FULL], 1);
	assert_int_equal(gw.frames, 1);
	c2.full = false;

	/* learn the LAN host, then the gateway leaves: its MACs leave with it */
	eth(f, 60, c1.m.mac.b, lanhost, 0x88b5);
	lp_room_forward(room, &gw.m, f, 60, SEC);
	lp_room_remove(room, &gw.m, LP_DISCONNECT_LEAVING);
	assert_null(room->gateway);
	eth(f, 60, lanhost, c1.m.mac.b, 0x88b5);
	size_t before = c2.frames;
	lp_room_forward(room, &c1.m, f, 60, SEC); /* unknown again: floods to client 2 */
	assert_int_equal(c2.frames, before + 1);

	/* room totals keep the departed gateway's counters */
	struct lp_counters t;
	lp_room_counters(room, &t);
	assert_int_equal(t.frames[LP_DIR_UP][LP_CAST_UNICAST], 2);
	assert_int_equal(t.frames[LP_DIR_UP][LP_CAST_BROADCAST], 1);
	assert_int_equal(t.drops[LP_DROP_QUEUE_FULL], 1);

	/* alone in a room: nowhere to go */
	lp_room_remove(room, &c2.m, LP_DISCONNECT_LEAVING);
	eth(f, 60, bcast, c1.m.mac.b, 0x0806);
	lp_room_forward(room, &c1.m, f, 60, SEC);
	assert_int_equal(c1.m.ctr.drops[LP_DROP_NO_ROUTE], 1);
	/* removing twice is harmless */
	lp_room_remove(room, &c2.m, LP_DISCONNECT_LEAVING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_and_learning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_and_leave, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
