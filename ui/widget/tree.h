/* The tree widget over a Storage or Yjs document (struct lson_doc): rows
 * for the visible nodes only, expansion kept by JSON Pointer path so it
 * survives updates, highlights and a change log of what changed between
 * two versions, a detail pane and a JSON view. Drawing and moving cost
 * what the visible rows cost; the visible-row array is rebuilt (O(nodes
 * shown)) only when the expansion or the document changes.
 */
#ifndef LB_TREE_H
#define LB_TREE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actions.h"
#include "lson.h"
#include "model.h"

struct tree;

/* One change seen between two versions of the document. */
struct tree_change {
	long long at_ms;      /* monotonic time it was seen */
	enum lson_change kind;
	char *path;           /* JSON Pointer */
	char *before, *after; /* compact JSON (cut when long), NULL when none */
};

struct tree *tree_new(void);
void tree_free(struct tree **t);

/* Show doc (the tree takes its own reference). When a document was shown
 * before, expanded nodes and the cursor follow their paths; with track,
 * what changed is highlighted and logged, and what was removed stays on
 * screen for a while as a row of its own, dim and marked "deleted 3s
 * ago" (until tree_expire drops it, it is back, or its parent is gone).
 * Returns the number of changes (0 without track or without a previous
 * document). */
size_t tree_set_doc(struct tree *t, struct lson_doc *doc, bool track, long long now);
/* The document shown, NULL before the first. */
const struct lson_doc *tree_doc(const struct tree *t);

/* Visible rows, and the node under the cursor (-1 when none, or when it
 * is a removed node's row). */
int tree_rows(const struct tree *t);
int tree_selected(const struct tree *t);
/* Whether the cursor is on a removed node's row (nothing to edit there). */
bool tree_selected_ghost(const struct tree *t);
/* JSON Pointer of the selected node ("" for the root); caller frees. */
char *tree_selected_path(const struct tree *t);

/* Apply a movement or tree action; height is the number of rows shown.
 * False when a is not for the tree (or does nothing here). */
bool tree_action(struct tree *t, enum action a, int height);
/* Move the cursor to node i, expanding its ancestors. */
void tree_reveal(struct tree *t, int i, int height);
/* Find the next (1), previous (-1) or first from the cursor (0) node whose
 * key or value contains pattern, and reveal it. The matches are found
 * once per pattern and document. */
bool tree_search(struct tree *t, const char *pattern, int dir, int height);
/* The matches of the last search, and which of them (from 1) it went to. */
size_t tree_search_count(const struct tree *t, size_t *rank);

/* Draw rows into win from row y0 (height rows), matches of pattern
 * highlighted. */
void tree_draw(struct tree *t, WINDOW *win, int y0, int height, bool focused, const char *pattern);
/* Whether the selected node is a value its row (width columns) cuts. */
bool tree_selected_cut(const struct tree *t, int width);
/* "/ › shapes › 3 › x" for the selected node (raw text: sanitize). */
void tree_breadcrumbs(const struct tree *t, char *out, size_t n);
/* The selected node in the side pane: path, type, value, its recent
 * changes; or its JSON when json is set. */
void tree_draw_detail(struct tree *t, WINDOW *win, int top, bool json);

/* JSON of the selected subtree (plain LSON when the document is), pretty
 * or compact; caller frees. NULL when nothing is selected. */
char *tree_selected_json(const struct tree *t, bool pretty);

/* Highlights: how many nodes are marked; how many changes were seen (every
 * path added, changed or removed, each time); how many removed nodes are
 * shown. tree_clear_marks forgets them all. */
size_t tree_marks(const struct tree *t);
size_t tree_change_count(const struct tree *t);
size_t tree_ghosts(const struct tree *t);
void tree_clear_marks(struct tree *t);
/* Drop the removed nodes shown longer than their time. Returns the ms
 * until the next one goes, -1 when none is shown. */
int tree_expire(struct tree *t, long long now);

/* The change log, oldest first. */
const struct tree_change *tree_changes(const struct tree *t, size_t *n);
/* The changes at or below path ("" for all), newest first, at most max
 * lines (0: all), one per line:
 * "/shapes/3/x: 10 → 42, 2s ago". Raw text; caller frees. */
char *tree_change_log(const struct tree *t, const char *path, long long now, size_t max);

/* How many bytes of s to keep to cut it to at most max bytes without
 * splitting a UTF-8 sequence (strlen(s) when it is no longer). */
size_t tree_utf8_cut(const char *s, size_t max);

/* FNV-1a hash of n bytes. */
uint64_t tree_hash_bytes(const char *s, size_t n);

#endif
