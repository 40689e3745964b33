/*
 * ctrl_int.h: internals shared by the ctrl_*.c files; not part of the
 * module's contract (that is ctrl.h).
 *
 * Each message type is described once, by a table of fields (a schema).
 * Decoding, encoding, checking and comparing all walk the same tables, so the
 * rules the decoder enforces and the encoder checks cannot drift apart.
 */
#ifndef LP_CTRL_INT_H
#define LP_CTRL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl.h"
#include "log.h"

enum lp_ctrl_kind {
	LP_CTRL_K_UINT,	   /* uint16/32/64 by size, range min..max */
	LP_CTRL_K_TEXT,	   /* char[size], UTF-8 text, min..max bytes */
	LP_CTRL_K_SECRET,  /* char[size], code alphabet, min..max characters */
	LP_CTRL_K_ROLE,	   /* enum lp_ctrl_role */
	LP_CTRL_K_MAC,	   /* struct lp_mac, presence flag at aux */
	LP_CTRL_K_REJECT,  /* enum lp_reject_reason */
	LP_CTRL_K_DISC,	   /* enum lp_disconnect_reason */
	LP_CTRL_K_MEMBER,  /* struct lp_ctrl_member */
	LP_CTRL_K_MEMBERS, /* struct lp_ctrl_member *, count (size_t) at aux */
	LP_CTRL_K_DROPS	   /* struct lp_ctrl_drop[], count (size_t) at aux */
};

#define LP_CTRL_NO_AUX SIZE_MAX

struct lp_ctrl_field {
	const char *key;
	enum lp_ctrl_kind kind;
	bool required; /* optional text is absent when empty */
	size_t off;    /* of the value in the message struct */
	size_t size;   /* of the value */
	size_t aux;    /* presence flag (bool) of an optional UINT or MAC, or a count */
	uint64_t min, max;
};

struct lp_ctrl_errbuf {
	char *buf;
	size_t len;
};

struct lp_ctrl_schema;
typedef int (*lp_ctrl_cross_fn)(struct lp_ctrl_errbuf *e, const char *path, const void *base);

struct lp_ctrl_schema {
	const char *name; /* the wire "type"; "member" for the nested object */
	enum lp_ctrl_type type;
	const struct lp_ctrl_field *fields;
	size_t n_fields;
	lp_ctrl_cross_fn cross; /* rules between fields, after each field passed */
};

extern const struct lp_ctrl_schema lp_ctrl_member_schema;

/* The schema of a message type, or NULL. */
const struct lp_ctrl_schema *lp_ctrl_schema_of(enum lp_ctrl_type t);
/* The schema whose wire name is s (len bytes), or NULL. */
const struct lp_ctrl_schema *lp_ctrl_schema_by_name(const char *s, size_t len);

/* Writes "path.field: message" (or "field: message" for an empty path). */
LP_LOG_PRINTF(4, 5)
int lp_ctrl_fail(struct lp_ctrl_errbuf *e, const char *path, const char *field, const char *fmt,
		 ...);

/* Field rules; each returns 0 or LP_ERR_INVALID with the error written. */
int lp_ctrl_rule_range(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f);
int lp_ctrl_rule_uint(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		      uint64_t v);
int lp_ctrl_rule_str(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		     const char *s, size_t len);
int lp_ctrl_rule_mac(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		     const struct lp_mac *mac);
int lp_ctrl_rule_members(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
			 size_t n);
int lp_ctrl_rule_drops(struct lp_ctrl_errbuf *e, const char *path, const struct lp_ctrl_field *f,
		       size_t n);
/* One stats drop: name (len bytes) must be a token, count an integer in range. */
int lp_ctrl_rule_drop(struct lp_ctrl_errbuf *e, const char *path, const char *name, size_t len,
		      bool is_uint, uint64_t count);

/* [a-z][a-z0-9_]* of 1..LP_CTRL_TOKEN_MAX bytes: drop and reason names. */
bool lp_ctrl_token_valid(const char *s, size_t len);

/* Reads or writes an unsigned integer field of size 1, 2, 4 or 8 bytes. */
uint64_t lp_ctrl_get_uint(const void *p, size_t size);
void lp_ctrl_set_uint(void *p, size_t size, uint64_t v);

/* Sorts stats drops by name so that a decoded message has one form. */
void lp_ctrl_sort_drops(struct lp_ctrl_drop *d, size_t n);

#endif
