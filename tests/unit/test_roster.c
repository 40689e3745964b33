/* Unit tests for client/roster.c: the room's other members as the agent heard them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "roster.h"

static struct lp_roster roster;

static struct lp_ctrl_member member(uint32_t id, enum lp_ctrl_role role, uint8_t last)
{
	struct lp_ctrl_member m;
	memset(&m, 0, sizeof(m));
	m.id = id;
	m.role = role;
	m.has_mac = true;
	m.mac.b[0] = 0x02;
	m.mac.b[5] = last;
	return m;
}

static void test_add_remove(void **state)
{
	struct lp_roster_entry e;
	(void)state;
	lp_roster_reset(&roster);
	struct lp_ctrl_member gw = member(1, LP_CTRL_ROLE_GATEWAY, 1);
	struct lp_ctrl_member p2 = member(2, LP_CTRL_ROLE_CLIENT, 2);
	struct lp_ctrl_member p3 = member(3, LP_CTRL_ROLE_CLIENT, 3);
	assert_true(lp_roster_add(&roster, &gw));
	assert_true(lp_roster_add(&roster, &p2));
	assert_true(lp_roster_add(&roster, &p3));
	/* The same id again replaces (a resumed member with a new MAC). */
	p2.mac.b[5] = 9;
	assert_true(lp_roster_add(&roster, &p2));
	assert_int_equal(roster.n, 3);
	assert_true(lp_roster_remove(&roster, 2, &e));
	assert_int_equal(e.role, LP_CTRL_ROLE_CLIENT);
	assert_int_equal(e.mac.b[5], 9);
	assert_false(lp_roster_remove(&roster, 2, &e));
	assert_true(lp_roster_remove(&roster, 1, &e));
	assert_int_equal(e.role, LP_CTRL_ROLE_GATEWAY);
	assert_true(lp_roster_remove(&roster, 3, &e));
	assert_int_equal(roster.n, 0);
	assert_false(lp_roster_remove(&roster, 7, &e));
}

static void test_full(void **state)
{
	(void)state;
	lp_roster_reset(&roster);
	for (uint32_t i = 1; i <= LP_CTRL_MAX_MEMBERS; i++) {
		struct lp_ctrl_member m = member(i, LP_CTRL_ROLE_CLIENT, (uint8_t)i);
		assert_true(lp_roster_add(&roster, &m));
	}
	struct lp_ctrl_member extra = member(LP_CTRL_MAX_MEMBERS + 1, LP_CTRL_ROLE_CLIENT, 1);
	assert_false(lp_roster_add(&roster, &extra));
	lp_roster_reset(&roster);
	assert_int_equal(roster.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
