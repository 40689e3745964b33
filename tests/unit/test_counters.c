/* Unit tests for shared/counters.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "counters.h"
#include "err.h"

/* The names are an interface (API, metrics, SQLite): pin every one. */
static const struct {
	enum lp_drop why;
	const char *name;
} drop_vectors[] = {
	{ LP_DROP_OVERSIZE, "oversize" },
	{ LP_DROP_SWITCH_CONTROL, "switch_control" },
	{ LP_DROP_DHCP_SERVER, "dhcp_server" },
	{ LP_DROP_IPV6_RA, "ipv6_ra" },
	{ LP_DROP_SPOOFED_MAC, "spoofed_mac" },
	{ LP_DROP_LOOP, "loop" },
	{ LP_DROP_RATE_BROADCAST, "rate_broadcast" },
	{ LP_DROP_RATE_TOTAL, "rate_total" },
	{ LP_DROP_QUEUE_FULL, "queue_full" },
	{ LP_DROP_MALFORMED, "malformed" },
	{ LP_DROP_FRAGMENT, "fragment" },
	{ LP_DROP_NO_ROUTE, "no_route" },
	{ LP_DROP_NOT_ADMITTED, "not_admitted" },
	{ LP_DROP_SEND_FAILED, "send_failed" },
};

static void test_drop_names(void **state)
{
	(void)state;
	assert_int_equal(sizeof(drop_vectors) / sizeof(drop_vectors[0]), LP_DROP__COUNT);
	for (size_t i = 0; i < LP_DROP__COUNT; i++) {
		enum lp_drop got = LP_DROP__COUNT;

		assert_int_equal(drop_vectors[i].why, (enum lp_drop)i);
		assert_string_equal(lp_drop_name(drop_vectors[i].why), drop_vectors[i].name);
		assert_int_equal(lp_drop_from_name(drop_vectors[i].name, &got), 0);
		assert_int_equal(got, drop_vectors[i].why);
		const char *text = lp_drop_describe(drop_vectors[i].why);

		assert_non_null(text);
		assert_true(strlen(text) > 10);
		/* snake_case ASCII: usable as a JSON key and a Prometheus label value. */
		for (const char *p = drop_vectors[i].name; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
				    *p == '_');
	}
	assert_null(lp_drop_name(LP_DROP__COUNT));
	assert_null(lp_drop_name((enum lp_drop) - 1));
	assert_null(lp_drop_describe(LP_DROP__COUNT));
}

static void test_names_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = { "",	 "Oversize", "oversize ", "over",      "up2",
					   "UP", "drop",     "unicas",	  "broadcasts" };
	enum lp_drop d = LP_DROP_LOOP;
	enum lp_dir dir = LP_DIR_DOWN;
	enum lp_cast c = LP_CAST_MULTICAST;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lp_drop_from_name(bad[i], &d), LP_ERR_INVALID);
		assert_int_equal(lp_dir_from_name(bad[i], &dir), LP_ERR_INVALID);
		assert_int_equal(lp_counters_cast_from_name(bad[i], &c), LP_ERR_INVALID);
	}
	assert_int_equal(lp_drop_from_name(NULL, &d), LP_ERR_INVALID);
	assert_int_equal(lp_dir_from_name(NULL, &dir), LP_ERR_INVALID);
	assert_int_equal(lp_counters_cast_from_name(NULL, &c), LP_ERR_INVALID);
	/* Untouched on error. */
	assert_int_equal(d, LP_DROP_LOOP);
	assert_int_equal(dir, LP_DIR_DOWN);
	assert_int_equal(c, LP_CAST_MULTICAST);
}

static void test_dir_cast_names(void **state)
{
	(void)state;
	static const struct {
		enum lp_dir dir;
		const char *name;
	} dirs[] = { { LP_DIR_UP, "up" }, { LP_DIR_DOWN, "down" } };
	static const struct {
		enum lp_cast cast;
		const char *name;
	} casts[] = {
		{ LP_CAST_UNICAST, "unicast" },
		{ LP_CAST_MULTICAST, "multicast" },
		{ LP_CAST_BROADCAST, "broadcast" },
	};
	for (size_t i = 0; i < LP_DIR__COUNT; i++) {
		enum lp_dir got;

		assert_string_equal(lp_dir_name(dirs[i].dir), dirs[i].name);
		assert_int_equal(lp_dir_from_name(dirs[i].name, &got), 0);
		assert_int_equal(got, dirs[i].dir);
	}
	for (size_t i = 0; i < LP_CAST__COUNT; i++) {
		enum lp_cast got;

		assert_string_equal(lp_counters_cast_name(casts[i].cast), casts[i].name);
		assert_int_equal(lp_counters_cast_from_name(casts[i].name, &got), 0);
		assert_int_equal(got, casts[i].cast);
	}
	assert_null(lp_dir_name(LP_DIR__COUNT));
	assert_null(lp_counters_cast_name(LP_CAST__COUNT));
}

static void test_add_totals(void **state)
{
	(void)state;
	struct lp_counters c;

	lp_counters_reset(&c);
	assert_true(lp_counters_is_zero(&c));
	lp_counters_add(&c, LP_DIR_UP, LP_CAST_UNICAST, 1514);
	lp_counters_add(&c, LP_DIR_UP, LP_CAST_UNICAST, 60);
	lp_counters_add(&c, LP_DIR_UP, LP_CAST_BROADCAST, 342);
	lp_counters_add(&c, LP_DIR_DOWN, LP_CAST_MULTICAST, 90);
	lp_counters_drop(&c, LP_DROP_OVERSIZE);
	lp_counters_drop(&c, LP_DROP_SEND_FAILED);
	lp_counters_drop(&c, LP_DROP_SEND_FAILED);
	assert_false(lp_counters_is_zero(&c));

	assert_int_equal(c.frames[LP_DIR_UP][LP_CAST_UNICAST], 2);
	assert_int_equal(c.bytes[LP_DIR_UP][LP_CAST_UNICAST], 1574);
	assert_int_equal(c.frames[LP_DIR_UP][LP_CAST_BROADCAST], 1);
	assert_int_equal(c.frames[LP_DIR_UP][LP_CAST_MULTICAST], 0);
	assert_int_equal(lp_counters_frames(&c, LP_DIR_UP), 3);
	assert_int_equal(lp_counters_bytes(&c, LP_DIR_UP), 1916);
	assert_int_equal(lp_counters_frames(&c, LP_DIR_DOWN), 1);
	assert_int_equal(lp_counters_bytes(&c, LP_DIR_DOWN), 90);
	assert_int_equal(lp_counters_drops(&c), 3);
	assert_int_equal(c.drops[LP_DROP_SEND_FAILED], 2);

	lp_counters_reset(&c);
	assert_true(lp_counters_is_zero(&c));
	assert_int_equal(lp_counters_drops(&c), 0);
}

static void test_merge_delta(void **state)
{
	(void)state;
	struct lp_counters room, a, b, snap, d;

	lp_counters_reset(&room);
	lp_counters_reset(&a);
	lp_counters_reset(&b);
	lp_counters_add(&a, LP_DIR_UP, LP_CAST_UNICAST, 100);
	lp_counters_add(&b, LP_DIR_UP, LP_CAST_UNICAST, 200);
	lp_counters_add(&b, LP_DIR_DOWN, LP_CAST_BROADCAST, 64);
	lp_counters_drop(&a, LP_DROP_LOOP);
	lp_counters_drop(&b, LP_DROP_LOOP);
	lp_counters_merge(&room, &a);
	lp_counters_merge(&room, &b);
	assert_int_equal(room.frames[LP_DIR_UP][LP_CAST_UNICAST], 2);
	assert_int_equal(room.bytes[LP_DIR_UP][LP_CAST_UNICAST], 300);
	assert_int_equal(room.bytes[LP_DIR_DOWN][LP_CAST_BROADCAST], 64);
	assert_int_equal(room.drops[LP_DROP_LOOP], 2);

	/* Delta since a snapshot: only what happened in between. */
	snap = room;
	lp_counters_add(&room, LP_DIR_DOWN, LP_CAST_MULTICAST, 1000);
	lp_counters_drop(&room, LP_DROP_QUEUE_FULL);
	lp_counters_delta(&d, &room, &snap);
	assert_int_equal(lp_counters_frames(&d, LP_DIR_UP), 0);
	assert_int_equal(d.frames[LP_DIR_DOWN][LP_CAST_MULTICAST], 1);
	assert_int_equal(d.bytes[LP_DIR_DOWN][LP_CAST_MULTICAST], 1000);
	assert_int_equal(lp_counters_drops(&d), 1);
	assert_int_equal(d.drops[LP_DROP_QUEUE_FULL], 1);

	/* A counter that went down was reset: its whole value is new. */
	lp_counters_reset(&a);
	lp_counters_add(&a, LP_DIR_UP, LP_CAST_UNICAST, 7);
	lp_counters_delta(&a, &a, &snap);
	assert_int_equal(a.bytes[LP_DIR_UP][LP_CAST_UNICAST], 7);
	assert_int_equal(a.drops[LP_DROP_LOOP], 0);

	/* Merging into itself doubles. */
	lp_counters_merge(&room, &room);
	assert_int_equal(room.drops[LP_DROP_LOOP], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_names),     cmocka_unit_test(test_names_invalid),
		cmocka_unit_test(test_dir_cast_names), cmocka_unit_test(test_add_totals),
		cmocka_unit_test(test_merge_delta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
