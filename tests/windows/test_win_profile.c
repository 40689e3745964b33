/*
 * The party network's firewall category (client/profile_windows.c) over the
 * fake Network List Manager: wait for the network, make a Public one
 * Private, leave Private and Domain alone, put back what was changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "fake_win_api.h"
#include "profile_windows.h"

#define GUID "{44444444-0000-0000-0000-000000000004}"

static size_t count(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < fake.n_log; i++)
		n += strncmp(fake.log[i], prefix, strlen(prefix)) == 0;
	return n;
}

static void test_public_made_private_and_back(void **state)
{
	struct lp_win_profile p;

	(void)state;
	lp_win_profile_init(&p, GUID, "Party");
	/* no address yet, so no network: look again later */
	assert_false(lp_win_profile_step(&p));
	assert_false(lp_win_profile_step(&p));
	fake.has_network = true;
	fake.category = LP_WIN_PUBLIC;
	assert_true(lp_win_profile_step(&p));
	assert_int_equal(fake.category, LP_WIN_PRIVATE);
	assert_true(p.changed);
	/* done: no more calls */
	size_t n = fake.n_log;

	assert_true(lp_win_profile_step(&p));
	assert_int_equal(fake.n_log, n);
	lp_win_profile_restore(&p);
	assert_int_equal(fake.category, LP_WIN_PUBLIC);
	assert_string_equal(fake.log[fake.n_log - 1], "set_category " GUID " Public");
	/* once only */
	lp_win_profile_restore(&p);
	assert_int_equal(count("set_category"), 2);
}

static void test_private_and_domain_kept(void **state)
{
	struct lp_win_profile p;
	static const enum lp_win_category keep[] = { LP_WIN_PRIVATE, LP_WIN_DOMAIN };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		fake.has_network = true;
		fake.category = keep[i];
		lp_win_profile_init(&p, GUID, "Party");
		assert_true(lp_win_profile_step(&p));
		assert_false(p.changed);
		lp_win_profile_restore(&p);
		assert_int_equal(fake.category, keep[i]);
	}
	assert_int_equal(count("set_category"), 0);
}

static void test_set_refused(void **state)
{
	struct lp_win_profile p;

	(void)state;
	/* wine answers E_NOTIMPL; a user without rights, E_ACCESSDENIED */
	fake.has_network = true;
	fake.category = LP_WIN_PUBLIC;
	fake.set_category_err = -ENOSYS;
	lp_win_profile_init(&p, GUID, "Party");
	assert_true(lp_win_profile_step(&p));
	assert_false(p.changed);
	lp_win_profile_restore(&p);
	assert_int_equal(count("set_category"), 1);
	assert_int_equal(fake.category, LP_WIN_PUBLIC);
}

static void test_never_identified(void **state)
{
	struct lp_win_profile p;
	unsigned steps = 1;

	(void)state;
	lp_win_profile_init(&p, GUID, "Party");
	while (!lp_win_profile_step(&p))
		steps++;
	assert_int_equal(steps, LP_WIN_PROFILE_TRIES);
	assert_false(p.changed);
	assert_int_equal(count("get_category"), LP_WIN_PROFILE_TRIES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_public_made_private_and_back, fake_win_setup,
						fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_private_and_domain_kept, fake_win_setup,
						fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_set_refused, fake_win_setup,
						fake_win_teardown),
		cmocka_unit_test_setup_teardown(test_never_identified, fake_win_setup,
						fake_win_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
