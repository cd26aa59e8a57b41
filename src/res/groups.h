/* Groups (the groups family, src/res/groups.c): a group as the API sends
 * it, a page of groups, and the requests outside any room that groups and
 * tokens send. The thread view reads a group's members through it too. */
#ifndef LB_GROUPS_H
#define LB_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "model_storage.h"
#include "strv.h"
#include "util.h"

/* A group as GET /v2/groups/{id} answers it: {type: "group", id,
 * organizationId, createdAt, updatedAt, scopes, members: [{id, addedAt}]}. */
struct group_info {
	char *id;
	char *organization_id; /* NULL when not sent */
	long long created_s;   /* -1 when not sent */
	struct strv members;   /* member IDs, in the server's order */
};

/* Decode a group (pure): false with err (LB_DECODE) when json is not one,
 * out empty then. */
bool group_decode(const char *json, size_t len, struct group_info *out, struct lb_error *err);
void group_info_clear(struct group_info *g);
void groups_free(struct group_info *g, size_t n);

/* {data: [group], nextCursor} (pure): the groups and the cursor of the
 * next page (NULL on the last). False with err, nothing kept, otherwise. */
bool group_page_decode(const char *json, size_t len, struct group_info **out, size_t *n,
                       char **next_cursor, struct lb_error *err);

/* The project's groups, a page of 100 at a time (the view's list). */
struct resource *model_groups(struct model *m);
const struct group_info *model_group_at(const struct resource *r, size_t i);
/* The groups a user is in (GET /v2/users/{userId}/groups), a page of 100
 * at a time; model_group_at reads them. */
struct resource *model_user_groups(struct model *m, const char *user);

/* One request outside any room: ep with up to two path parameters (p0,
 * p1, NULL for none), an encoded query and a JSON body (NULL for none).
 * done hears the answer's body or why not. A change is refused in
 * read-only mode and goes out at most once. */
http_id model_send_outside(struct model *m, enum endpoint_id ep, const char *p0, const char *p1,
                           const char *query, const char *body, storage_done_fn done, void *ud);

/* GET /v2/groups/{groupId}: a 404 is LB_HTTP with http_status 404. */
http_id model_group_get(struct model *m, const char *group_id, storage_done_fn done, void *ud);

#endif
