/*
 * cidmap.h: connection ID -> session, the relay's packet router.
 *
 * Open addressing with linear probing over a power-of-two table, keyed with
 * a random seed so peers cannot choose colliding IDs. It doubles when half
 * full (connection IDs arrive at handshake time, never per frame) and never
 * shrinks below its start size.
 */
#ifndef LP_RELAY_CIDMAP_H
#define LP_RELAY_CIDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "quic.h"

struct cid_map;

/* cid_map_new: an empty map. Returns NULL on allocation failure. */
struct cid_map *cid_map_new(void);
void cid_map_del(struct cid_map *m);

/* cid_map_get: the value stored for the id, or NULL. */
void *cid_map_get(const struct cid_map *m, const uint8_t *id, size_t len);

/*
 * cid_map_put: map id to value (replacing an existing mapping). Returns 0,
 * LP_ERR_INVALID (len 0 or over LP_QUIC_CID_MAX) or LP_ERR_NOMEM.
 */
int cid_map_put(struct cid_map *m, const uint8_t *id, size_t len, void *value);

/* cid_map_remove: drop the mapping of id if it maps to value. */
void cid_map_remove(struct cid_map *m, const uint8_t *id, size_t len, const void *value);

/* cid_map_count: how many ids are mapped. */
size_t cid_map_count(const struct cid_map *m);

#endif
