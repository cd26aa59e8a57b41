/* Storage trees: a room's Storage decoded from plain LSON (or the
 * simplified ?format=json) into a flat preorder array of nodes, so a
 * 100,000-node document is one allocation to walk, draw, search and diff.
 * Also JSON Pointer paths, JSON Patch construction and application, and
 * the difference between two trees. No curses, no network. */
#ifndef LB_LSON_H
#define LB_LSON_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* X-macro: type, name shown to the user. */
#define LSON_TYPES(_) \
	_(LIVE_OBJECT, "LiveObject") \
	_(LIVE_LIST,   "LiveList") \
	_(LIVE_MAP,    "LiveMap") \
	_(LIVE_TEXT,   "LiveText") \
	_(LIVE_FILE,   "LiveFile") \
	_(OBJECT,      "object") \
	_(ARRAY,       "array") \
	_(STRING,      "string") \
	_(NUMBER,      "number") \
	_(BOOL,        "boolean") \
	_(NULL,        "null")

enum lson_type {
#define LSON_TYPE_ENUM(t, name) LSON_##t,
	LSON_TYPES(LSON_TYPE_ENUM)
#undef LSON_TYPE_ENUM
	LSON_TYPE_COUNT
};

/* One node. Children of node i are the nodes i+1 .. i+subtree (preorder);
 * the first child is i+1, the next sibling of a child c is c+1+c.subtree. */
struct lson_node {
	enum lson_type type;
	int parent;       /* -1 for the root */
	int depth;        /* 0 for the root */
	int n_children;
	int subtree;      /* number of descendants */
	int index;        /* position among the parent's children */
	const char *key;  /* key in an object/map parent; NULL for list items and the root */
	/* Scalars: the string's text, the number as written, "true"/"false",
	 * "null". LiveText: its plain text. LiveFile: its name. Else NULL. */
	const char *value;
};

struct lson_doc {
	struct lson_node *nodes; /* nodes[0] is the root */
	size_t n;
	bool plain_lson;         /* decoded from plain LSON (else simplified JSON) */
	/* internal: the string pool and the reference count */
	struct lson_internal *priv;
};

/* Decode a document. plain_lson: the body of GET /storage (plain-lson
 * format), whose {"liveblocksType": ...} wrappers become Live* nodes; false
 * for ?format=json, where everything is plain JSON. The root must be an
 * object. Returns a document with one reference, or NULL with err set
 * (LB_DECODE, naming what was wrong and where: "... at line 3, column 7:
 * expected ',' or '}'").
 * Details: strict RFC 8259 JSON, nested at most 1000 deep. A wrapper is
 * decoded where the server reads one (the root and the children of Live
 * containers; inside plain JSON it stays plain JSON). A wrapper with an
 * unknown liveblocksType, data of the wrong JSON type or other members
 * (LiveText may have "version") is shown as the plain object it is, so
 * nothing is lost; lson_validate_document rejects it. LiveText and
 * LiveFile are leaves. Numbers keep their text; \u0000 and lone
 * surrogates in strings become U+FFFD (values are C strings). Costs one
 * node array and one string pool, about 60 bytes a node. */
struct lson_doc *lson_parse(const char *json, size_t len, bool plain_lson, struct lb_error *err);
/* References: a view can keep the document it drew while the model holds a
 * newer one. lson_unref frees at zero and NULLs the pointer. */
struct lson_doc *lson_ref(struct lson_doc *d);
void lson_unref(struct lson_doc **d);

const char *lson_type_name(enum lson_type t);
/* True for LiveObject, LiveList, LiveMap, object, array. */
bool lson_is_container(enum lson_type t);

/* The node's JSON Pointer ("" for the root, "/shapes/3/x"), with RFC 6901
 * escaping (~0, ~1). Caller frees. */
char *lson_path(const struct lson_doc *d, int i);
/* The node at a JSON Pointer, -1 if none. */
int lson_find(const struct lson_doc *d, const char *pointer);
/* Split a JSON Pointer into unescaped tokens; false with err on a pointer
 * that does not start with '/' (the empty pointer gives no tokens). Free
 * with lson_tokens_free. */
bool lson_pointer_split(const char *pointer, char ***tokens, size_t *n, struct lb_error *err);
void lson_tokens_free(char ***tokens, size_t n);

/* A one-line summary of a collapsed node for the tree: "12 items",
 * "{x: 10, y: 20, …}", "\"text…\"", "42". Raw text (sanitize before
 * drawing); at most n bytes. Lists: "0 items", "1 item", "12 items".
 * Objects and maps: the members that fit, "{a: 1, s: \"hi\", o: {…},
 * l: […], e: []}", cut with ", …}"; "{}" when empty. Strings and
 * LiveText: quoted and JSON-escaped, cut with "…\"". LiveFile:
 * "name (12.1 KiB, image/png)". Cuts never split a UTF-8 sequence. */
void lson_summary(const struct lson_doc *d, int i, char *out, size_t n);

/* The subtree at i as JSON text: plain LSON (Live* wrappers kept) when
 * as_plain_lson and the document is plain LSON, else simplified JSON.
 * pretty: indented, one value per line. Caller frees. Pretty output is
 * stable: 2-space indent, keys in document order, "key": value, empty
 * containers as {} and [], no final newline; a LiveText's or LiveFile's
 * data stays on one line ("data": [["Hello ", {"bold": true}]]). Parsing
 * the output gives the same tree. */
char *lson_subtree_json(const struct lson_doc *d, int i, bool as_plain_lson, bool pretty);

/* Search keys and scalar values (case-insensitive substring) from node
 * `from` in direction dir (1 forward, -1 backward), excluding `from`
 * itself; wraps around. Returns the node, or -1. */
int lson_search(const struct lson_doc *d, const char *needle, int from, int dir);
/* Does node i match (its key or its value)? */
bool lson_matches(const struct lson_doc *d, int i, const char *needle);
/* Every node that matches, ascending, in one walk: the count, with *out a
 * malloc'd array to free (NULL when none match). (size_t)-1 on OOM. */
size_t lson_search_all(const struct lson_doc *d, const char *needle, int **out);

/* ---- a document written value by value --------------------------------- */

/* A document built without JSON text in between (a room's live tree):
 * values in preorder, each container opened, filled and closed. The result
 * is the document lson_parse gives for the JSON text of the same values
 * (node for node, key for key, value for value), and works with every
 * function here as one.
 * - plain_lson: as lson_parse's. Then Live containers may be opened
 *   directly (their children sit where a Live node can be); LiveText and
 *   LiveFile are written as their wrapper, a plain object
 *   {"liveblocksType": "LiveText", "data": ...}, and, like any wrapper
 *   written as a plain object where a Live node can be, decoded as
 *   lson_parse decodes it. Without plain_lson only plain JSON types.
 * - keys: members of objects and maps have one (a C string), list items
 *   and the root none.
 * - leaves: a string's text is len bytes (a NUL byte becomes U+FFFD, as
 *   lson_parse reads \u0000; other bytes are kept as they are); a number
 *   is its JSON text as written; a boolean "true" or "false"; null takes
 *   no value.
 * - the root is an object (or a Live container), nesting is limited as
 *   lson_parse's.
 * The first misuse or failure makes every later call return false and
 * lson_builder_finish say why (LB_USAGE for misuse, LB_DECODE for a root
 * that is not an object or nesting too deep, LB_NOMEM, LB_TOO_LARGE).
 * hint_nodes: how many nodes to make room for (0: grow as needed). */
struct lson_builder;
struct lson_builder *lson_builder_new(bool plain_lson, size_t hint_nodes);
/* Open a container (an object, array or Live container) as the next value. */
bool lson_builder_open(struct lson_builder *b, enum lson_type t, const char *key);
/* A string, number, boolean or null as the next value. */
bool lson_builder_leaf(struct lson_builder *b, enum lson_type t, const char *key, const char *value,
                       size_t len);
/* Close the innermost open container. */
bool lson_builder_close(struct lson_builder *b);
/* The document, with one reference (NULL with err when something failed
 * or the root is not closed). Frees the builder and NULLs the pointer. */
struct lson_doc *lson_builder_finish(struct lson_builder **b, struct lb_error *err);
/* Drop a builder without finishing it. */
void lson_builder_free(struct lson_builder **b);

/* ---- differences between two versions of a document ------------------- */

enum lson_change { LSON_ADDED, LSON_CHANGED, LSON_REMOVED };

struct lson_delta {
	enum lson_change kind;
	char *path;   /* JSON Pointer */
	char *before; /* compact JSON of the old value, NULL when added */
	char *after;  /* compact JSON of the new value, NULL when removed */
};

/* What changed from a to b, matched by path: scalars whose value or type
 * changed, nodes added or removed (a removed/added container is one delta,
 * not one per descendant). Sorted by path. Returns the count; *out is a
 * malloc'd array to free with lson_deltas_free.
 * Details: any type change (LiveObject vs object too) is one CHANGED for
 * the whole value; list items are compared by index; object and map keys
 * by name, in any order. before/after are compact plain LSON when the
 * document is plain LSON. "Sorted by path" is token by token, numeric
 * tokens by value (/l/2 before /l/10). Linear in the documents' size;
 * returns 0 with *out NULL on OOM. */
size_t lson_diff(const struct lson_doc *a, const struct lson_doc *b, struct lson_delta **out);
void lson_deltas_free(struct lson_delta **v, size_t n);

/* ---- JSON Patch (RFC 6902) ---------------------------------------------- */

enum patch_kind { PATCH_ADD, PATCH_REMOVE, PATCH_REPLACE, PATCH_MOVE, PATCH_COPY, PATCH_TEST };

struct patch_op {
	enum patch_kind kind;
	char *path;
	char *from;  /* move, copy */
	char *value; /* JSON text: add, replace, test */
};

struct patch {
	struct patch_op *ops;
	size_t n;
};

/* Append an op (strings are copied); false on OOM. */
bool patch_add(struct patch *p, enum patch_kind kind, const char *path, const char *from,
	       const char *value);
void patch_clear(struct patch *p);
/* The request body: a JSON array of ops, {"op","from"?,"path","value"?}
 * with values minified as typed. Caller frees; NULL if a value is not
 * valid JSON, or on OOM. */
char *patch_to_json(const struct patch *p);

/* How a JSON value typed by the user becomes Storage: objects as
 * LiveObject (or LiveMap), arrays as LiveList, or everything as plain
 * JSON. */
enum lson_wrap { LSON_WRAP_LIVE, LSON_WRAP_LIVE_MAP, LSON_WRAP_PLAIN };

/* Convert a JSON value into plain LSON text according to wrap (nested
 * objects and arrays too). Validates the JSON; NULL with err on bad input.
 * Caller frees. LSON_WRAP_LIVE: as the server's JSON Patch reads a value
 * (arrays become LiveLists, objects LiveObjects, wrappers already there
 * are kept). LSON_WRAP_LIVE_MAP: the same, except that a top-level object
 * becomes a LiveMap (its values stay LiveObjects: a map of records).
 * LSON_WRAP_PLAIN: the JSON as typed, minified. Note that JSON Patch (on
 * the server and in lson_patch_apply) turns objects and arrays in values
 * into LiveObjects and LiveLists anyway; only lson_patch_apply_opts with
 * LSON_PATCH_LITERAL keeps them plain. */
char *lson_from_json(const char *json, enum lson_wrap wrap, struct lb_error *err);

/* ---- a change to one place ------------------------------------------------ */

/* What `storage set`, `insert`, `delete PATH` and `move` do. */
enum lson_edit_kind { LSON_EDIT_SET, LSON_EDIT_INSERT, LSON_EDIT_REMOVE, LSON_EDIT_MOVE };

struct lson_edit {
	enum lson_edit_kind kind;
	const char *path;  /* set, remove: the place; insert: the LiveList; move: where to */
	const char *from;  /* move: what moves */
	const char *at;    /* insert: "-" (the end) or an index */
	const char *value; /* set, insert: plain LSON (lson_from_json) */
	bool literal;      /* the value as it is (LSON_PATCH_LITERAL: plain JSON stays plain) */
	const char *where; /* the document in messages: "the Storage of room r1" */
};

/* A change as a JSON patch with its preview. */
struct lson_edit_preview {
	struct patch patch; /* one op: add, replace, remove or move */
	char *what;         /* "replace /a", "add /a", "insert into /l at 2", "append to /l",
	                     * "delete /a", "move /a to /b" */
	bool unchanged;     /* the document holds that already: nothing to send */
	char *diff;         /* a unified diff (3 lines of context) of the pretty JSON of the
	                     * closest container holding what changes; NULL when unchanged */
};

/* Turn e into a patch for doc (parsed from the plain LSON text[0..len)),
 * apply it to the text as the server would, and diff the subtree it
 * touches. False with err when what e names is not there ("there is no
 * /x in the Storage of room r1"; a set's parent must exist, an insert's
 * place be a LiveList and its index at most its length) or the patch does
 * not apply (LB_USAGE), or out of memory. Free with
 * lson_edit_preview_clear. */
bool lson_edit_preview(const struct lson_doc *doc, const char *text, size_t len,
                       const struct lson_edit *e, struct lson_edit_preview *out,
                       struct lb_error *err);
void lson_edit_preview_clear(struct lson_edit_preview *p);

/* The JSON Pointer of a pointer's parent ("" for a top-level key); the
 * longest common ancestor of two pointers, by whole tokens ("/a" is no
 * ancestor of "/ab"). Caller frees. */
char *lson_pointer_parent(const char *p);
char *lson_pointer_common(const char *a, const char *b);

/* Check that text is a valid plain LSON document for POST /storage: a
 * LiveObject root, well-formed Live* wrappers all the way down. False with
 * err (LB_USAGE, "not a valid Storage document: at /a/0: LiveList data
 * must be an array"). Where the server reads a Live node (below the root
 * and Live containers) an object with a "liveblocksType" member must be
 * a wrapper with a known type, data of the right shape and no other
 * members; a LiveText's data is [[text, {attributes}?], ...], a LiveFile's
 * {id, name, size, mimeType}. Plain JSON values may hold anything. */
bool lson_validate_document(const char *json, size_t len, struct lb_error *err);

/* Apply a patch to a plain LSON document, atomically, with the semantics
 * of the server's JSON-patch endpoint: every parent must be a LiveObject,
 * LiveList or LiveMap; "-" appends to a LiveList; add/replace values are
 * plain LSON (use lson_from_json) or plain JSON (objects become
 * LiveObjects, arrays LiveLists); test compares type and value. Returns the
 * new document (compact plain LSON), or NULL with err (LB_USAGE, naming the
 * failing op and path) leaving nothing changed. Caller frees. Used for
 * read-modify-write when the server has no JSON-patch endpoint, and to
 * preview a change before it is sent.
 * Details: the same accept/reject decisions and results as the emulator
 * (tests/emulator/lson.mjs). Errors read "op 2 (remove /a/b): no such key
 * \"b\"" or "op 0 (move /a -> /b/c): ..." with the op's 0-based index in
 * the patch, as the server counts. A document that is not JSON or whose
 * root is not a LiveObject gives LB_DECODE. Numbers in the result are
 * re-printed (1.50 becomes 1.5). */
char *lson_patch_apply(const char *plain_lson, size_t len, const struct patch *p,
		       struct lb_error *err);

/* Flags of lson_patch_apply_opts. */
enum {
	/* add/replace values are plain LSON taken as they are, as POST
	 * /storage reads a document: an object or array without a
	 * liveblocksType wrapper stays plain JSON, wrappers become Live
	 * nodes (and so on inside Live containers). A malformed wrapper is
	 * refused: "op 0 (add /x): not valid plain LSON: at /x/l: LiveList
	 * data must be an array". No server endpoint applies a patch this
	 * way: the result is for a read-modify-write (POST /storage). */
	LSON_PATCH_LITERAL = 1u << 0,
};

/* lson_patch_apply with flags (0: the same as lson_patch_apply). The rules
 * about parents do not change: every parent must be a Live container, so
 * plain JSON is never traversed. Caller frees. */
char *lson_patch_apply_opts(const char *plain_lson, size_t len, const struct patch *p,
			    unsigned flags, struct lb_error *err);

/* The patch p guarded for the document it was made from (plain_lson, the
 * document the user was shown): before each op, test ops for what the op
 * depends on there, so that a server applies it only to that document
 * and refuses it atomically otherwise. Into out (empty on entry): tests
 * and ops in order; false with err (as lson_patch_apply_opts, flags the
 * same) when p does not apply to the document.
 * What is tested, in the document as each op finds it (ops before it
 * applied): the item at every list index on the op's pointers (an index
 * names whatever sits there now, so the whole item is pinned); the old
 * value of what the op removes, replaces, moves, copies or overwrites
 * (add to an existing key); for an insertion into a list, the items on
 * either side of the place. A test whose path lies inside another test's
 * is left out. Keyed parents are not tested: a test compares a whole
 * value, so testing a parent would refuse every change to its siblings;
 * a keyed parent that turned into a list or plain JSON makes the op or
 * its tests fail anyway. The absence of a key an add creates cannot be
 * tested (a test of a missing path fails). */
bool lson_patch_guard(const char *plain_lson, size_t len, const struct patch *p, unsigned flags,
		      struct patch *out, struct lb_error *err);

/* The paths of the test ops of p that fail on the document, ", "-joined
 * in patch order ("" when none; *count says how many): p is applied in
 * order, a failing test is counted and passed over, a failing op of
 * another kind ends the walk. NULL with err when the document is not
 * plain LSON, or on OOM. Caller frees. Tells which parts of a document
 * changed since a guarded patch was made. */
char *lson_patch_test_failures(const char *plain_lson, size_t len, const struct patch *p,
			       unsigned flags, size_t *count, struct lb_error *err);

#endif
