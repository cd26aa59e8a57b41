/* What tree.c (rows, expansion, changes, ghosts, search) and tree_draw.c
 * (rows, the detail pane and the JSON view on the screen) share of the
 * tree widget. Internal to those files. */
#ifndef LB_TREE_IMPL_H
#define LB_TREE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "lson.h"
#include "tree.h"

/* Per-node flags of the document shown. */
#define F_EXPANDED 0x01
#define F_ADDED 0x02
#define F_CHANGED 0x04
#define F_INSIDE 0x08 /* a descendant is added or changed */

/* The change log keeps this many entries; values are cut to this size. */
#define LOG_MAX 2000
#define LOG_VALUE_MAX 160

/* A node someone else removed stays on screen this long, as a ghost row;
 * at most this many at a time (the change log has them all). */
#define GHOST_MS  10000
#define GHOST_MAX 200

/* A removed node, shown where it was: before the sibling that followed it
 * (when that is still there), else at the end of its parent. */
struct ghost {
	char *path; /* its JSON Pointer */
	char *parent_path;
	char *next_path; /* the sibling after it when it went, NULL when none */
	char *label;     /* its key, or "[3]" for an item */
	char *was;       /* its value, as the change log shows it */
	long long at_ms; /* when it was seen gone */
	unsigned serial; /* names it while the ghosts are renumbered */
	int old_index;   /* its place among its siblings before it went */
	int depth;
	int parent; /* in the document shown */
	int anchor; /* the node it is shown before (doc->n: after the last) */
};

struct tree {
	struct lson_doc *doc;
	unsigned char *flags; /* doc->n entries */
	/* Each visible row: a node index (ascending), or -(g + 1) for ghost g
	 * (just before the node it is anchored to). */
	int *vis;
	int n_vis;
	size_t cap_vis;
	struct list_pos pos;
	int height;

	size_t n_marked;  /* nodes of doc carrying F_ADDED or F_CHANGED */
	size_t n_changes; /* every change seen since the marks were cleared */

	struct ghost *ghosts; /* by anchor, deeper first at the same anchor */
	size_t n_ghosts;
	unsigned ghost_serial;

	/* The matches of the last search (node indexes, ascending), found
	 * once per pattern and document; hit_rank: the one the cursor went to
	 * (from 1). */
	char *hits_pattern;
	int *hits;
	size_t n_hits;
	size_t hit_rank;

	struct tree_change *log;
	size_t n_log, cap_log;

	/* The JSON view of one node, kept until the node or document changes. */
	const struct lson_doc *json_doc;
	int json_node;
	char *json;
	size_t *json_lines; /* start offsets */
	size_t n_json_lines;
};

/* Forget the JSON view kept for one node. */
void tree_json_drop(struct tree *t);
/* The ghost row under the cursor, NULL when the cursor is on a node. */
const struct ghost *tree_cursor_ghost(const struct tree *t);
/* Can nd be opened (a container with something in it)? */
bool tree_node_expandable(const struct lson_node *nd);

#endif
