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
	/* Live watching (treeview_live.c): a Storage tree's room, NULL for a
	 * document that cannot be watched live; the watch while it is on. */
	const char *live_room;
	bool live_plain_json, live_poll;
	struct live_watch *live;
	unsigned live_gen; /* of the live document shown */
	unsigned live_reread_gen; /* of the resource last compared with it */
	long long live_sec; /* the second the status line was drawn for */
};

/* The treeview of v. */
struct treeview *treeview_of(struct view *v);

/* Finish v from resview_new (NULL passes through): its tree, loading the
 * notice until the first document, watching from the start when watch is
 * set. NULL, with v freed, when out of memory. */
struct view *treeview_open(struct view *v, const char *loading, bool watch);

/* Show the model's document when it is new (the live one while a live
 * watch pushes). */
void treeview_take_doc(struct view *v);

/* ---- live watching (treeview_live.c) ---------------------------------------- */

/* Watch tv's live_room through its socket (push), or by polling when
 * push is not available or tv->live_poll is set; the reason is said once.
 * With no document yet and push on its way, nothing is read over REST.
 * False when out of memory (said). */
bool treeview_live_start(struct view *v);
void treeview_live_stop(struct view *v);
/* Whether the live watch pushes (or is getting ready to). */
bool treeview_live_pushing(const struct treeview *tv);
/* Whether the rate or the sparkline still change from second to second
 * (ops came in the time they show): redraws each second only then. */
bool treeview_live_moving(const struct treeview *tv, long long now);
/* The resource was re-read while the socket pushes (after an edit through
 * REST, which the server may not push): when it disagrees with the live
 * document, Storage is fetched again over the socket, and that is said. */
void treeview_live_reread(struct view *v);
/* The live document when it is newer than the one shown: true, shown. */
bool treeview_live_take(struct view *v);
/* "live (push)" or "polling every 1 s" for the breadcrumb line; for the
 * status line the rate and the sparkline ("12 ops/s ▁▂▅") or the polling
 * interval: into out, false when no live watch is on. */
bool treeview_live_describe(const struct treeview *tv, bool status, char *out, size_t n);
/* The op log at or below path, newest message first: text for a view. */
char *treeview_live_log(const struct treeview *tv, const char *path);

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
