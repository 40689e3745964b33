/*
 * store_fixture.h: a real SQLite store in a fresh temporary directory for
 * each test (created by fx_setup, removed by fx_teardown), shared by the
 * tests of relay/store*.c. Include after cmocka.h.
 */
#ifndef LP_STORE_FIXTURE_H
#define LP_STORE_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "store.h"

/* A plausible "now": tests control time, the store never reads a clock. */
#define T0 1700000040

struct fx {
	char dir[64];
	char path[128];
	struct lp_store *s;
};

/* Remove dir and the files in it (a store's directory holds no subdirectories). */
static inline void fx_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* A temp dir and a path in it, without opening a store. */
static inline int fx_setup_empty(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/lp-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/relay.db", f->dir);
	*state = f;
	return 0;
}

static inline void fx_open(struct fx *f)
{
	char err[256];
	int ret = lp_store_open(&f->s, f->path, err, sizeof(err));
	if (ret)
		fail_msg("open %s: %d %s", f->path, ret, err);
}

static inline void fx_reopen(struct fx *f)
{
	lp_store_close(f->s);
	f->s = NULL;
	fx_open(f);
}

static inline int fx_setup(void **state)
{
	char err[256];
	if (fx_setup_empty(state))
		return -1;
	struct fx *f = *state;
	int ret = lp_store_open(&f->s, f->path, err, sizeof(err));
	if (ret) {
		print_error("open %s: %d %s\n", f->path, ret, err);
		fx_rmdir(f->dir);
		free(f);
		return -1;
	}
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;
	lp_store_close(f->s);
	fx_rmdir(f->dir);
	free(f);
	return 0;
}

/* A room with default settings and the given name; returns its id. */
static inline int64_t fx_room(struct fx *f, const char *name)
{
	struct lp_store_room r, out;
	lp_store_room_defaults(&r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(lp_store_room_create(f->s, &r, NULL, 0, T0, &out, NULL), 0);
	return out.id;
}

static inline struct lp_store_code_new fx_code(enum lp_store_role role, const char *code)
{
	struct lp_store_code_new c = { .role = role, .code = code, .len = strlen(code) };
	return c;
}

static inline struct lp_mac fx_mac(uint8_t last)
{
	struct lp_mac m = { { 0x02, 0x00, 0x00, 0x00, 0x00, last } };
	return m;
}

#endif
