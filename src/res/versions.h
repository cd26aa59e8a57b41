/* A room's Yjs version history (src/res/versions.c): the versions a page
 * at a time, a version's binary, a new snapshot. Same rules as
 * model_storage.h. */
#ifndef LB_VERSIONS_H
#define LB_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "model_storage.h"
#include "strv.h"

struct version {
	char *id;          /* "vh_..." */
	char *created_at;
	long long created_s;
	struct strv authors;
};

/* Decoders, pure; false with err set (LB_DECODE) on bad input.
 * {nextCursor, data:[{id, createdAt, authors:[{id}]}]}: */
bool version_page_decode(const char *json, size_t len, struct version **out, size_t *n,
                         char **next_cursor, struct lb_error *err);
/* {"data":{"id":"vh_..."}} (the id is also accepted at the top level). */
bool version_id_decode(const char *json, size_t len, char **id, struct lb_error *err);
/* Free an array the decoder made, or what one version holds (not the
 * struct itself); approximate heap bytes an array holds. */
void versions_free(struct version *v, size_t n);
void version_clear(struct version *v);
size_t versions_bytes(const struct version *v, size_t n);

/* GET /versions (paginated with model_more). New reference. */
struct resource *model_versions(struct model *m, const char *room_id);
/* Version i of a version history; NULL for another resource. */
const struct version *model_version_at(const struct resource *r, size_t i);

/* GET /versions/{id}/yjs (binary) and POST /versions (a snapshot; the new
 * ID in storage_result.id); where the server has only the reference's
 * GET /version/{id} and POST /version, those, and the model remembers
 * which answered. */
http_id model_version_binary(struct model *m, const char *room_id, const char *version_id,
                             storage_done_fn done, void *ud);
http_id model_version_create(struct model *m, const char *room_id, storage_done_fn done,
                             void *ud);

#endif
