/* What the document views (Storage, Yjs) share: the tree of a resource's
 * document, with watch mode, the change log, the JSON view and copying.
 * A view's priv points to a struct treeview, or to a struct that begins
 * with one; the treeview_* view functions below, and resview's, go
 * straight into its struct view_ops. */
#ifndef LB_TREEVIEW_H
#define LB_TREEVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resview.h"
#include "tree.h"
#include "view.h"

struct treeview {
	struct resview base; /* first: resview_of finds it */
	struct tree *tree;
	unsigned seen_gen;
	bool seen_any;
	uint64_t body_hash;   /* of the body the tree shows */
	size_t body_len;
	bool untracked_next;  /* the next document is another format: no diff */
	/* Watch mode: an empty document came while a full one is shown (a
	 * rewrite between its DELETE and its POST, most often). It is held
	 * back until a later read, EMPTY_HOLD_MS on, still finds it empty;
	 * the next full one is compared with the full one shown. */
	bool empty_held;
	long long empty_since_ms;
	long long empty_fetched_ms;
	bool json_detail;     /* the side pane shows the JSON of the selection */
	const char *loading;  /* the notice before the first document */
	int width;            /* of the tree's rows at the last draw */
};

/* The treeview of v. */
struct treeview *treeview_of(struct view *v);

/* Finish v from resview_new (NULL passes through): its tree, loading the
 * notice until the first document, watching from the start when watch is
 * set. NULL, with v freed, when out of memory. */
struct view *treeview_open(struct view *v, const char *loading, bool watch);

/* Show the model's document when it is new. */
void treeview_take_doc(struct view *v);

/* struct view_ops functions. treeview_action handles the tree's own keys,
 * refresh, cancel, watch, the JSON view, copying and the change log. */
void treeview_draw(struct view *v, WINDOW *win, bool focused);
void treeview_draw_detail(struct view *v, WINDOW *win, int top);
enum view_result treeview_action(struct view *v, enum action a);
void treeview_changed(struct view *v, struct resource *r);
bool treeview_search(struct view *v, const char *pattern, int dir);
void treeview_status(struct view *v, char *out, size_t n);
/* Watch mode's timer, and the removed nodes' time on screen. */
int treeview_tick(struct view *v, long long now);
void treeview_free(struct view *v);

/* The struct view_ops members of a tree view but its name, title, action
 * and free (a view whose struct holds more frees that, then calls
 * treeview_free). */
#define TREEVIEW_OPS_BUT_FREE                                                                \
	.draw = treeview_draw, .draw_detail = treeview_draw_detail, .changed = treeview_changed, \
	.search = treeview_search, .scope = resview_scope,                               \
	.status = treeview_status, .busy = resview_busy, .tick = treeview_tick

/* The struct view_ops members of a tree view but its name, title and
 * action. */
#define TREEVIEW_OPS TREEVIEW_OPS_BUT_FREE, .free = treeview_free

#endif
