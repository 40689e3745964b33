/* Unit tests for gateway/remote.c: the remote MAC set and what goes to the relay. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mtu.h"
#include "remote.h"

static struct lp_remote set; /* 24 KiB: keep it off the test's stack */

static struct lp_mac mac_of(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
{
	struct lp_mac m = { { a, b, c, d, e, f } };
	return m;
}

/* A locally-administered unicast MAC made from n. */
static struct lp_mac mac_n(uint32_t n)
{
	return mac_of(0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
		      (uint8_t)n);
}

/* A 60-byte frame from src to dst (ethertype IPv4, zero payload). */
static void frame(uint8_t *f, const struct lp_mac *dst, const struct lp_mac *src)
{
	memset(f, 0, 60);
	memcpy(f, dst->b, 6);
	memcpy(f + 6, src->b, 6);
	f[12] = 0x08;
}

static const struct lp_mac lan_a = { { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c } };
static const struct lp_mac lan_b = { { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0d } };
static const struct lp_mac alice = { { 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e } };
static const struct lp_mac bob = { { 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5f } };

static int setup(void **state)
{
	(void)state;
	lp_remote_init(&set);
	return 0;
}

static void test_empty_set(void **state)
{
	(void)state;
	uint8_t f[60];
	assert_int_equal(lp_remote_count(&set), 0);
	assert_false(lp_remote_has(&set, &alice));
	frame(f, &alice, &lan_a);
	assert_int_equal(lp_remote_classify(&set, f, sizeof(f)), LP_REMOTE_LOCAL);
}

/* The decision table: destination x source, with alice and bob remote. */
static void test_classify_table(void **state)
{
	(void)state;
	assert_int_equal(lp_remote_add(&set, 2, &alice), 0);
	assert_int_equal(lp_remote_add(&set, 3, &bob), 0);
	static const struct lp_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct lp_mac mdns = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb } };
	static const struct lp_mac v6nd = { { 0x33, 0x33, 0xff, 0x0a, 0x0b, 0x0c } };
	static const struct lp_mac stp = { { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 } };
	static const struct lp_mac lldp = { { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e } };
	static const struct lp_mac gvrp = { { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x21 } };
	static const struct {
		const struct lp_mac *dst, *src;
		enum lp_remote_verdict want;
	} v[] = {
		{ &bcast, &lan_a, LP_REMOTE_BROADCAST },
		{ &mdns, &lan_a, LP_REMOTE_MULTICAST },
		{ &v6nd, &lan_a, LP_REMOTE_MULTICAST },
		{ &gvrp, &lan_a,
		  LP_REMOTE_MULTICAST }, /* 01:80:c2:00:00:2x is not bridge-filtered */
		{ &alice, &lan_a, LP_REMOTE_UNICAST },
		{ &bob, &lan_b, LP_REMOTE_UNICAST },
		{ &lan_b, &lan_a, LP_REMOTE_LOCAL },
		{ &lan_a, &lan_b, LP_REMOTE_LOCAL },
		{ &stp, &lan_a, LP_REMOTE_SWITCH_CONTROL },
		{ &lldp, &lan_a, LP_REMOTE_SWITCH_CONTROL },
		{ &bcast, &alice, LP_REMOTE_LOOP },
		{ &bob, &alice, LP_REMOTE_LOOP },
		{ &lan_a, &alice, LP_REMOTE_LOCAL }, /* stays anyway: no loop lookup needed */
	};
	uint8_t f[60];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		frame(f, v[i].dst, v[i].src);
		enum lp_remote_verdict got = lp_remote_classify(&set, f, sizeof(f));
		if (got != v[i].want)
			fail_msg("vector %zu: got %s, want %s", i, lp_remote_verdict_name(got),
				 lp_remote_verdict_name(v[i].want));
		assert_int_equal(lp_remote_sends(got), v[i].want <= LP_REMOTE_UNICAST);
	}
}

static void test_classify_lengths(void **state)
{
	(void)state;
	uint8_t f[LP_MTU_MAX + 64];
	const struct lp_mac bcast = mac_of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	frame(f, &bcast, &lan_a);
	assert_int_equal(lp_remote_classify(&set, f, 0), LP_REMOTE_RUNT);
	assert_int_equal(lp_remote_classify(&set, f, 13), LP_REMOTE_RUNT);
	assert_int_equal(lp_remote_classify(&set, f, 14), LP_REMOTE_BROADCAST);
	/* No limit until an MTU is set. */
	assert_int_equal(lp_remote_classify(&set, f, sizeof(f)), LP_REMOTE_BROADCAST);
	assert_int_equal(lp_remote_set_mtu(&set, 1500), 0);
	assert_int_equal(lp_remote_classify(&set, f, 1522), LP_REMOTE_BROADCAST);
	assert_int_equal(lp_remote_classify(&set, f, 1523), LP_REMOTE_OVERSIZE);
	/* A GRO super-frame. */
	assert_int_equal(lp_remote_classify(&set, f, 9000), LP_REMOTE_OVERSIZE);
	assert_int_equal(lp_remote_set_mtu(&set, 9000), 0);
	assert_int_equal(lp_remote_classify(&set, f, 9022), LP_REMOTE_BROADCAST);
	assert_int_equal(lp_remote_classify(&set, f, 9023), LP_REMOTE_OVERSIZE);
	/* Out-of-range MTUs leave the limit alone. */
	assert_int_equal(lp_remote_set_mtu(&set, 1279), LP_ERR_INVALID);
	assert_int_equal(lp_remote_set_mtu(&set, 9001), LP_ERR_INVALID);
	assert_int_equal(lp_remote_classify(&set, f, 9023), LP_REMOTE_OVERSIZE);
	assert_int_equal(lp_remote_set_mtu(&set, 0), 0);
	assert_int_equal(lp_remote_classify(&set, f, 9023), LP_REMOTE_BROADCAST);
	/* clear() forgets MACs but keeps the limit; init() resets both. */
	assert_int_equal(lp_remote_set_mtu(&set, 1280), 0);
	lp_remote_clear(&set);
	assert_int_equal(lp_remote_classify(&set, f, 1303), LP_REMOTE_OVERSIZE);
	lp_remote_init(&set);
	assert_int_equal(lp_remote_classify(&set, f, 1303), LP_REMOTE_BROADCAST);
}

static void test_add_del(void **state)
{
	(void)state;
	assert_int_equal(lp_remote_add(&set, 2, &alice), 0);
	assert_int_equal(lp_remote_add(&set, 2, &alice), 0); /* idempotent */
	assert_int_equal(lp_remote_count(&set), 1);
	assert_true(lp_remote_has(&set, &alice));
	assert_false(lp_remote_has(&set, &bob));
	assert_int_equal(lp_remote_add(&set, 3, &bob), 0);
	assert_int_equal(lp_remote_count(&set), 2);

	assert_int_equal(lp_remote_del(&set, 2), 0);
	assert_false(lp_remote_has(&set, &alice));
	assert_true(lp_remote_has(&set, &bob));
	assert_int_equal(lp_remote_del(&set, 2), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_del(&set, 0), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_del(&set, 99), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_count(&set), 1);

	/* The relay is the authority: a MAC that changes hands moves. */
	assert_int_equal(lp_remote_add(&set, 4, &bob), 0);
	assert_int_equal(lp_remote_count(&set), 1);
	assert_int_equal(lp_remote_del(&set, 3), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_del(&set, 4), 0);
	assert_int_equal(lp_remote_count(&set), 0);

	/* A member that shows up with another MAC keeps only the new one. */
	assert_int_equal(lp_remote_add(&set, 5, &alice), 0);
	assert_int_equal(lp_remote_add(&set, 5, &bob), 0);
	assert_int_equal(lp_remote_count(&set), 1);
	assert_false(lp_remote_has(&set, &alice));
	assert_true(lp_remote_has(&set, &bob));
	/* Both at once: member 6 moves to the MAC member 5 holds. */
	assert_int_equal(lp_remote_add(&set, 6, &alice), 0);
	assert_int_equal(lp_remote_add(&set, 6, &bob), 0);
	assert_int_equal(lp_remote_count(&set), 1);
	assert_int_equal(lp_remote_del(&set, 5), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_del(&set, 6), 0);
}

static void test_add_invalid(void **state)
{
	(void)state;
	const struct lp_mac zero = mac_of(0, 0, 0, 0, 0, 0);
	const struct lp_mac group = mac_of(0x01, 0x00, 0x5e, 0x00, 0x00, 0x01);
	const struct lp_mac bcast = mac_of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	assert_int_equal(lp_remote_add(&set, 0, &alice), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, LP_CTRL_MEMBER_ID_MAX + 1u, &alice), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, UINT32_MAX, &alice), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, 1, &zero), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, 1, &group), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, 1, &bcast), LP_ERR_INVALID);
	assert_int_equal(lp_remote_add(&set, 1, NULL), LP_ERR_INVALID);
	assert_int_equal(lp_remote_count(&set), 0);
	assert_int_equal(lp_remote_add(&set, LP_CTRL_MEMBER_ID_MAX, &alice), 0);
	assert_int_equal(lp_remote_count(&set), 1);
}

static void test_members(void **state)
{
	(void)state;
	struct lp_ctrl_member m[] = {
		{ .id = 1, .role = LP_CTRL_ROLE_GATEWAY, .has_mac = true, .mac = lan_a },
		{ .id = 2, .role = LP_CTRL_ROLE_CLIENT, .has_mac = true, .mac = alice },
		{ .id = 3, .role = LP_CTRL_ROLE_CLIENT, .has_mac = true, .mac = bob },
		{ .id = 4, .role = LP_CTRL_ROLE_CLIENT, .has_mac = false },
	};
	struct lp_ctrl_welcome w = {
		.member_id = 1, .room_id = 7, .mtu = 1500, .members = m, .n_members = 4
	};
	assert_int_equal(lp_remote_add(&set, 9, &lan_b), 0); /* stale: replaced */
	assert_int_equal(lp_remote_load_welcome(&set, &w), 0);
	assert_int_equal(lp_remote_count(&set), 2);
	assert_false(lp_remote_has(&set, &lan_a)); /* the gateway itself */
	assert_false(lp_remote_has(&set, &lan_b));
	assert_true(lp_remote_has(&set, &alice));
	assert_true(lp_remote_has(&set, &bob));
	uint8_t f[1600];
	const struct lp_mac bcast = mac_of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	frame(f, &bcast, &lan_a);
	assert_int_equal(lp_remote_classify(&set, f, 1523), LP_REMOTE_OVERSIZE);

	/* peer_joined / peer_left. */
	const struct lp_mac carol = mac_of(0x06, 0x11, 0x22, 0x33, 0x44, 0x55);
	struct lp_ctrl_member j = {
		.id = 5, .role = LP_CTRL_ROLE_CLIENT, .has_mac = true, .mac = carol
	};
	assert_int_equal(lp_remote_add_member(&set, &j, 1), 0);
	assert_true(lp_remote_has(&set, &carol));
	j.id = 1; /* ourselves: skipped */
	j.mac = lan_b;
	assert_int_equal(lp_remote_add_member(&set, &j, 1), 0);
	assert_false(lp_remote_has(&set, &lan_b));
	j.id = 6;
	j.role = LP_CTRL_ROLE_GATEWAY;
	assert_int_equal(lp_remote_add_member(&set, &j, 1), 0);
	assert_false(lp_remote_has(&set, &lan_b));
	j.role = LP_CTRL_ROLE_CLIENT;
	j.mac = mac_of(0x01, 0, 0, 0, 0, 1);
	assert_int_equal(lp_remote_add_member(&set, &j, 1), LP_ERR_INVALID);
	assert_int_equal(lp_remote_count(&set), 3);
	assert_int_equal(lp_remote_del(&set, 5), 0);
	assert_int_equal(lp_remote_del(&set, 1), LP_ERR_NOT_FOUND);
	assert_int_equal(lp_remote_count(&set), 2);

	/* A later welcome (after a reconnect) replaces everything. */
	w.n_members = 2;
	w.mtu = 9000;
	assert_int_equal(lp_remote_load_welcome(&set, &w), 0);
	assert_int_equal(lp_remote_count(&set), 1);
	assert_false(lp_remote_has(&set, &bob));
	assert_int_equal(lp_remote_classify(&set, f, 1523), LP_REMOTE_BROADCAST);

	/* A bad member is reported; the good ones are kept. */
	m[1].mac = mac_of(0, 0, 0, 0, 0, 0);
	w.n_members = 3;
	assert_int_equal(lp_remote_load_welcome(&set, &w), LP_ERR_INVALID);
	assert_int_equal(lp_remote_count(&set), 1);
	assert_true(lp_remote_has(&set, &bob));
}

static void test_many(void **state)
{
	(void)state;
	/* Vendor-style MACs that differ in the last bytes only. */
	for (uint32_t i = 0; i < LP_REMOTE_MAX; i++)
		assert_int_equal(
			lp_remote_add(&set, i + 1,
				      &(struct lp_mac){ { 0x00, 0x1b, 0x21, 0x00, (uint8_t)(i >> 8),
							  (uint8_t)i } }),
			0);
	assert_int_equal(lp_remote_count(&set), LP_REMOTE_MAX);
	struct lp_mac extra = mac_n(0xfffff);
	assert_int_equal(lp_remote_add(&set, LP_REMOTE_MAX + 1, &extra), LP_ERR_LIMIT);
	assert_false(lp_remote_has(&set, &extra));
	assert_int_equal(lp_remote_count(&set), LP_REMOTE_MAX);
	/* Moving a held MAC to a new id is no growth. */
	struct lp_mac first = { { 0x00, 0x1b, 0x21, 0x00, 0x00, 0x00 } };
	assert_int_equal(lp_remote_add(&set, LP_REMOTE_MAX + 1, &first), 0);
	assert_int_equal(lp_remote_count(&set), LP_REMOTE_MAX);
	assert_int_equal(lp_remote_del(&set, 1), LP_ERR_NOT_FOUND);
	for (uint32_t i = 0; i < LP_REMOTE_MAX; i += 2)
		assert_int_equal(lp_remote_del(&set, i == 0 ? LP_REMOTE_MAX + 1 : i + 1), 0);
	for (uint32_t i = 0; i < LP_REMOTE_MAX; i++) {
		struct lp_mac m = { { 0x00, 0x1b, 0x21, 0x00, (uint8_t)(i >> 8), (uint8_t)i } };
		assert_int_equal(lp_remote_has(&set, &m), i % 2 == 1);
	}
	assert_int_equal(lp_remote_count(&set), LP_REMOTE_MAX / 2);
}

/* The table's own hash (remote.c): used only to build colliding MACs. */
static size_t home_of(const struct lp_mac *m)
{
	uint64_t k = 0;
	for (size_t i = 0; i < LP_MAC_LEN; i++)
		k = k << 8 | m->b[i];
	k *= 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 40) & (LP_REMOTE_SLOTS - 1);
}

/*
 * Deletion in the middle of long probe runs, also ones that wrap around the
 * end of the table: entries with two home slots, the last slot and slot 0,
 * interleaved, then removed in every order a reference model can check.
 */
static void test_collisions(void **state)
{
	(void)state;
	struct lp_mac macs[24];
	size_t n = 0;
	for (uint32_t i = 0; n < 24 && i < 50000000u; i++) {
		struct lp_mac m = mac_n(i);
		size_t h = home_of(&m);
		if ((h == LP_REMOTE_SLOTS - 1 && n % 2 == 0) || (h == 0 && n % 2 == 1))
			macs[n++] = m;
	}
	assert_int_equal(n, 24);
	for (unsigned round = 0; round < 64; round++) {
		lp_remote_init(&set);
		bool in[24] = { false };
		srand(round);
		for (unsigned step = 0; step < 400; step++) {
			size_t k = (size_t)rand() % n;
			if (in[k]) {
				assert_int_equal(lp_remote_del(&set, (uint32_t)k + 1), 0);
				in[k] = false;
			} else {
				assert_int_equal(lp_remote_add(&set, (uint32_t)k + 1, &macs[k]), 0);
				in[k] = true;
			}
			size_t count = 0;
			for (size_t j = 0; j < n; j++) {
				assert_int_equal(lp_remote_has(&set, &macs[j]), in[j]);
				count += in[j];
			}
			assert_int_equal(lp_remote_count(&set), count);
		}
	}
}

/* Random adds, moves and deletes against a reference model. */
static void test_random_model(void **state)
{
	(void)state;
	enum {
		IDS = 1500,
		POOL = 3000
	};
	static uint32_t owner_of_mac[POOL]; /* member id + 0, 0: none */
	static uint32_t mac_of_id[IDS + 1]; /* pool index + 1, 0: none */
	memset(owner_of_mac, 0, sizeof(owner_of_mac));
	memset(mac_of_id, 0, sizeof(mac_of_id));
	size_t count = 0;
	srand(42);
	for (unsigned step = 0; step < 200000; step++) {
		uint32_t id = (uint32_t)(rand() % IDS) + 1;
		uint32_t p = (uint32_t)(rand() % POOL);
		struct lp_mac m = mac_n(p * 7919u);
		if (rand() % 4 == 0) { /* adds win: the set runs into its limit */
			int rc = lp_remote_del(&set, id);
			if (mac_of_id[id]) {
				assert_int_equal(rc, 0);
				owner_of_mac[mac_of_id[id] - 1] = 0;
				mac_of_id[id] = 0;
				count--;
			} else {
				assert_int_equal(rc, LP_ERR_NOT_FOUND);
			}
		} else {
			size_t after = count + 1;
			if (owner_of_mac[p] == id)
				after = count;
			else {
				if (owner_of_mac[p])
					after--;
				if (mac_of_id[id])
					after--;
			}
			int rc = lp_remote_add(&set, id, &m);
			if (after > LP_REMOTE_MAX) {
				assert_int_equal(rc, LP_ERR_LIMIT);
			} else {
				assert_int_equal(rc, 0);
				if (owner_of_mac[p] && owner_of_mac[p] != id)
					mac_of_id[owner_of_mac[p]] = 0;
				if (mac_of_id[id])
					owner_of_mac[mac_of_id[id] - 1] = 0;
				owner_of_mac[p] = id;
				mac_of_id[id] = p + 1;
				count = after;
			}
		}
		assert_int_equal(lp_remote_count(&set), count);
		if (step % 997 == 0)
			for (uint32_t q = 0; q < POOL; q++) {
				struct lp_mac mq = mac_n(q * 7919u);
				assert_int_equal(lp_remote_has(&set, &mq), owner_of_mac[q] != 0);
			}
	}
}

static void test_names(void **state)
{
	(void)state;
	static const char *const want[LP_REMOTE__COUNT] = {
		"broadcast",	  "multicast", "unicast", "local",
		"switch_control", "oversize",  "loop",	  "runt",
	};
	for (int v = 0; v < LP_REMOTE__COUNT; v++)
		assert_string_equal(lp_remote_verdict_name((enum lp_remote_verdict)v), want[v]);
	assert_null(lp_remote_verdict_name(LP_REMOTE__COUNT));
	assert_null(lp_remote_verdict_name((enum lp_remote_verdict) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_set, setup),
		cmocka_unit_test_setup(test_classify_table, setup),
		cmocka_unit_test_setup(test_classify_lengths, setup),
		cmocka_unit_test_setup(test_add_del, setup),
		cmocka_unit_test_setup(test_add_invalid, setup),
		cmocka_unit_test_setup(test_members, setup),
		cmocka_unit_test_setup(test_many, setup),
		cmocka_unit_test_setup(test_collisions, setup),
		cmocka_unit_test_setup(test_random_model, setup),
		cmocka_unit_test_setup(test_names, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
