/* Unit tests for relay/cidmap.c: the connection ID router. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cidmap.h"
#include "err.h"

static void cid_n(uint32_t n, uint8_t *id, size_t len)
{
	memset(id, 0xab, len);
	memcpy(id, &n, sizeof(n));
}

static void test_basic(void **state)
{
	(void)state;
	struct cid_map *m = cid_map_new();
	assert_non_null(m);
	uint8_t a[16], b[8];
	int x, y;
	cid_n(1, a, sizeof(a));
	cid_n(1, b, sizeof(b)); /* same leading bytes, other length: another id */
	assert_null(cid_map_get(m, a, sizeof(a)));
	assert_int_equal(cid_map_put(m, a, sizeof(a), &x), 0);
	assert_int_equal(cid_map_put(m, b, sizeof(b), &y), 0);
	assert_ptr_equal(cid_map_get(m, a, sizeof(a)), &x);
	assert_ptr_equal(cid_map_get(m, b, sizeof(b)), &y);
	assert_int_equal(cid_map_count(m), 2);
	/* removal only when the value matches */
	cid_map_remove(m, a, sizeof(a), &y);
	assert_ptr_equal(cid_map_get(m, a, sizeof(a)), &x);
	cid_map_remove(m, a, sizeof(a), &x);
	assert_null(cid_map_get(m, a, sizeof(a)));
	assert_int_equal(cid_map_count(m), 1);
	/* bad lengths */
	uint8_t big[21] = { 0 };
	assert_int_equal(cid_map_put(m, big, 21, &x), LP_ERR_INVALID);
	assert_int_equal(cid_map_put(m, big, 0, &x), LP_ERR_INVALID);
	assert_int_equal(cid_map_put(m, big, 4, NULL), LP_ERR_INVALID);
	assert_null(cid_map_get(m, big, 21));
	cid_map_remove(m, big, 21, &x);
	cid_map_del(m);
	cid_map_del(NULL);
}

/* Growth and random removal, against a plain array. */
static void test_many(void **state)
{
	(void)state;
	enum {
		N = 50000
	};
	struct cid_map *m = cid_map_new();
	static char present[N];
	static int vals[N];
	uint8_t id[16];
	memset(present, 0, sizeof(present));
	srand(3);
	for (int step = 0; step < 300000; step++) {
		uint32_t k = (uint32_t)rand() % N;
		cid_n(k, id, sizeof(id));
		int op = rand() % 3;
		if (op == 0) {
			assert_int_equal(cid_map_put(m, id, sizeof(id), &vals[k]), 0);
			present[k] = 1;
		} else if (op == 1) {
			cid_map_remove(m, id, sizeof(id), &vals[k]);
			present[k] = 0;
		} else {
			assert_ptr_equal(cid_map_get(m, id, sizeof(id)),
					 present[k] ? &vals[k] : NULL);
		}
	}
	size_t live = 0;
	for (int i = 0; i < N; i++) {
		live += (size_t)present[i];
		cid_n((uint32_t)i, id, sizeof(id));
		assert_ptr_equal(cid_map_get(m, id, sizeof(id)), present[i] ? &vals[i] : NULL);
	}
	assert_int_equal(cid_map_count(m), live);
	cid_map_del(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
