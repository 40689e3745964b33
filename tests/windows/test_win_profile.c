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

static struct fake_win f;

static int setup(void **state)
{
	(void)state;
	fake_win_init(&f);
	lp_win_api_use(&f.api);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lp_win_api_use(NULL);
	return 0;
}

static size_t count(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < f.n_log; i++)
		n += strncmp(f.log[i], prefix, strlen(prefix)) == 0;
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
	f.has_network = true;
	f.category = LP_WIN_PUBLIC;
	assert_true(lp_win_profile_step(&p));
	assert_int_equal(f.category, LP_WIN_PRIVATE);
	assert_true(p.changed);
	/* done: no more calls */
	size_t n = f.n_log;

	assert_true(lp_win_profile_step(&p));
	assert_int_equal(f.n_log, n);
	lp_win_profile_restore(&p);
	assert_int_equal(f.category, LP_WIN_PUBLIC);
	assert_string_equal(f.log[f.n_log - 1], "set_category " GUID " Public");
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
		f.has_network = true;
		f.category = keep[i];
		lp_win_profile_init(&p, GUID, "Party");
		assert_true(lp_win_profile_step(&p));
		assert_false(p.changed);
		lp_win_profile_restore(&p);
		assert_int_equal(f.category, keep[i]);
	}
	assert_int_equal(count("set_category"), 0);
}

static void test_set_refused(void **state)
{
	struct lp_win_profile p;

	(void)state;
	/* wine answers E_NOTIMPL; a user without rights, E_ACCESSDENIED */
	f.has_network = true;
	f.category = LP_WIN_PUBLIC;
	f.set_category_err = -ENOSYS;
	lp_win_profile_init(&p, GUID, "Party");
	assert_true(lp_win_profile_step(&p));
	assert_false(p.changed);
	lp_win_profile_restore(&p);
	assert_int_equal(count("set_category"), 1);
	assert_int_equal(f.category, LP_WIN_PUBLIC);
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
		cmocka_unit_test_setup_teardown(test_public_made_private_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_and_domain_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_identified, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
