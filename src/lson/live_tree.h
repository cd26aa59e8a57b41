/* A room's Storage as its clients hold it: the node map the room's socket
 * fills (compact nodes [id, type, parentId, parentKey, data?] from the
 * Storage messages) and changes op by op, as @liveblocks/core applies a
 * remote op. Lists are ordered by their items' position strings; a list
 * insert at a taken position shifts the item that held it, as the SDK
 * does. The tree is printed as the REST API gives Storage (plain LSON or
 * simplified JSON) so that what the socket built can be compared with a
 * re-read. No network, no curses. */
#ifndef LB_LIVE_TREE_H
#define LB_LIVE_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "error.h"
#include "lson.h"

/* The op codes of the protocol (@liveblocks/core's OpCode). */
enum live_op {
	LIVE_OP_INIT = 0,
	LIVE_OP_SET_PARENT_KEY = 1,
	LIVE_OP_CREATE_LIST = 2,
	LIVE_OP_UPDATE_OBJECT = 3,
	LIVE_OP_CREATE_OBJECT = 4,
	LIVE_OP_DELETE_CRDT = 5,
	LIVE_OP_DELETE_OBJECT_KEY = 6,
	LIVE_OP_CREATE_MAP = 7,
	LIVE_OP_CREATE_REGISTER = 8,
};

/* What one op did, for the change log: the JSON Pointer of what changed
 * (as the REST tree has it: list items by index) and its value before and
 * after as compact plain JSON (NULL: there was none, or is none). */
struct live_change {
	int op;        /* enum live_op */
	int actor;     /* the connection that made it (its opId), -1 when unknown */
	char *path;
	char *from;    /* a move: where the item was */
	char *before;
	char *after;
};
void live_change_clear(struct live_change *c);

struct live_tree;

struct live_tree *live_tree_new(void);
void live_tree_free(struct live_tree **t);

/* Loading: add the compact nodes of one Storage message (an array), then
 * link them once the last has come; false with err on a node that is
 * not one (nothing is kept of that message's bad node). */
bool live_tree_add_nodes(struct live_tree *t, const cJSON *nodes, struct lb_error *err);
/* The same, taking the nodes out of the array as they are added (their
 * data moves, not copied): a large Storage message is not held twice. */
bool live_tree_take_nodes(struct live_tree *t, cJSON *nodes, struct lb_error *err);
bool live_tree_link(struct live_tree *t, struct lb_error *err);

/* Apply one op from the server. True when it changed the tree (*out says
 * what; clear it); false when it changed nothing: an op about a node the
 * tree does not hold, one already applied, or one of a type it does not
 * apply (*ignored then true, for the status line's count). err is set
 * only when out of memory. */
bool live_tree_apply(struct live_tree *t, const cJSON *op, struct live_change *out, bool *ignored,
                     struct lb_error *err);

/* The tree as GET /v2/rooms/{id}/storage gives it: plain LSON (the
 * {"liveblocksType": ...} wrappers) or, with plain_json, simplified JSON.
 * NULL when out of memory, or before the root came. Caller frees
 * (cJSON_Delete). */
cJSON *live_tree_to_json(const struct live_tree *t, bool plain_json);

/* The tree as a document, made without JSON text: the document
 * lson_parse(cJSON_PrintUnformatted(live_tree_to_json(t, plain_json)),
 * !plain_json) gives, for a fraction of the time. NULL with err before
 * the root came (LB_DECODE), when nested too deeply for a document, or
 * when out of memory. */
struct lson_doc *live_tree_to_doc(const struct live_tree *t, bool plain_json, struct lb_error *err);

/* How many nodes it holds. */
size_t live_tree_size(const struct live_tree *t);

/* Positions, as @liveblocks/core makes them (exported for the tests):
 * one strictly between lo and hi (either may be NULL: before hi, after
 * lo, or the first). Caller frees; NULL when out of memory. */
char *live_position(const char *lo, const char *hi);

#endif
