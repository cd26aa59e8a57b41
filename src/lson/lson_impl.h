/* What the parts of the Storage module (src/lson/lson*.c) share: the
 * strings every plain-LSON document repeats, walking the node array and
 * JSON Pointers. Not for use outside src/lson. */
#ifndef LB_LSON_IMPL_H
#define LB_LSON_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "lson.h"
#include "util.h"

struct cJSON;

/* One static copy of each string plain LSON repeats: the decoder stores
 * these instead of pool copies, so that a key or a type can be compared by
 * pointer. lson_intern gives the copy for s[0..len), or NULL. */
extern const char lson_s_lbtype[];
extern const char lson_s_data[];
extern const char lson_s_version[];
extern const char lson_s_live_object[];
extern const char lson_s_live_list[];
extern const char lson_s_live_map[];
extern const char lson_s_live_text[];
extern const char lson_s_live_file[];
extern const char lson_s_empty[];
const char *lson_intern(const char *s, size_t len);
/* The Live type an interned liveblocksType names; LSON_TYPE_COUNT if none. */
enum lson_type lson_live_type_of(const char *name);

static inline bool lson_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool lson_is_list(enum lson_type t)
{
	return t == LSON_LIVE_LIST || t == LSON_ARRAY;
}

static inline bool lson_valid_node(const struct lson_doc *d, int i)
{
	return d && i >= 0 && (size_t)i < d->n;
}

static inline int lson_next_sibling(const struct lson_node *nodes, int c)
{
	return c + nodes[c].subtree + 1;
}

/* LiveText and LiveFile keep, after their value in the pool, the compact
 * JSON of their data and an extra string (LiveText: its "version" JSON or
 * ""; LiveFile: its summary). */
static inline const char *lson_live_data(const struct lson_node *nd)
{
	return nd->value + strlen(nd->value) + 1;
}

static inline const char *lson_live_extra(const struct lson_node *nd)
{
	const char *data = lson_live_data(nd);

	return data + strlen(data) + 1;
}

static inline bool lson_has_live_data(const struct lson_doc *d, const struct lson_node *nd)
{
	return d->plain_lson && (nd->type == LSON_LIVE_TEXT || nd->type == LSON_LIVE_FILE);
}

/* ---- what the decoder shares with the builder (lson_parse.c) ------------ */

/* Containers nest at most this deep in a document's JSON text (a Live
 * container counts twice: its wrapper and its data). */
#define LSON_MAX_DEPTH 1000

/* A document's string pool (and reference count). */
struct lson_internal;
struct lson_internal *lson_internal_new(void);
/* n bytes that live as long as the pool; NULL when out of memory. */
char *lson_pool_alloc(struct lson_internal *in, size_t n);
void lson_internal_free(struct lson_internal **in);

/* The growing node array of phase 1: raw nodes in preorder, each with its
 * type, key, value, and for containers n_children and subtree. Plain JSON
 * types, except that a Live container may stand for its decoded wrapper. */
struct lson_nodes {
	struct lson_node *nodes;
	size_t n, cap;
};
/* Append a node with zero counts: its index, or -1 with *why ("out of
 * memory", "too many values"). */
int lson_node_emit(struct lson_nodes *v, enum lson_type t, const char *key, const char *value,
                   const char **why);
/* Phase 2: wrappers where a Live node can be become Live nodes, parents,
 * depths and indexes are set, and the document made of v and in (both
 * taken, also on failure: NULL with err, out of memory). */
struct lson_doc *lson_doc_make(struct lson_nodes *v, struct lson_internal **in, bool plain_lson,
                               struct lb_error *err);

/* Append a pointer token with RFC 6901 escaping. */
bool lson_pointer_append(struct buf *b, const char *tok);
/* An array index token [t, e): "0" or digits without a leading zero; -1
 * if not. */
long lson_parse_index(const char *t, const char *e);
/* Four hex digits at p (before end) into *out; false when they are not. */
bool lson_read_hex4(const char *p, const char *end, unsigned *out);

/* Is json[0..len) exactly one valid JSON value (RFC 8259)? cJSON is
 * lenient (it takes "01", "1.", raw control characters and bad \u
 * escapes), so everything handed to cJSON is checked here first. On
 * failure, msg says what and where. (lson_parse.c) */
bool lson_json_check(const char *json, size_t len, char *msg, size_t msgn);

/* The liveblocksType of a cJSON value ("LiveObject"...), or NULL.
 * (lson_patch.c) */
const char *lson_cj_live_type(const struct cJSON *v);

/* A patch value taken literally (LSON_PATCH_LITERAL) is read where a Live
 * node may be: its wrappers must be well formed. False with err
 * (LB_USAGE, naming the place below path) when one is not.
 * (lson_validate.c) */
bool lson_literal_check(const struct cJSON *v, const char *path, struct lb_error *err);

#endif
