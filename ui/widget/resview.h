/* Pieces shared by the views over one model resource (rooms, a room,
 * versions, users, the document trees): their title, the notice before the
 * first data, the status text, the keys that refresh, cancel and watch,
 * and the view functions that only need the resource. */
#ifndef LB_RESVIEW_H
#define LB_RESVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "tree.h"
#include "view.h"

/* The ID of item i of the list in r (to follow the selection); buf may
 * hold it. */
typedef const char *(*list_id_fn)(const struct resource *r, int i, char *buf, size_t n);

/* A list of the items of one resource: rooms, versions, connected users. */
struct reslist {
	struct list_pos pos;
	int (*count)(const struct resource *r);
	list_id_fn id_of;
	list_match_fn match; /* ctx: the resource */
	bool paged;          /* loads more pages as the cursor nears the end */
	const char *noun;    /* "rooms" */

	/* The selected item, followed through changes of the data. */
	char *sel_id;
	int sel_index;
	unsigned sel_gen;
	bool sel_known;
	/* G on a paged list: every page is being loaded. */
	bool to_end;
	/* Loading to the end was cancelled: no page is asked for on its own
	 * until the user moves or refreshes. */
	bool more_held;
	/* The matches of the last search (item indexes, ascending). */
	char *hits_pattern;
	unsigned hits_gen;
	int hits_n;
	int *hits;
	int n_hits;
};

/* The start of the private struct of every view over one resource, so
 * that the resview_* view functions serve in its struct view_ops. */
struct resview {
	struct resource *res;
	char *room;         /* the room the view is about, NULL for none */
	int height;         /* rows of the list at the last draw */
	struct watch watch; /* off unless resview_start turns it on */
	/* A next page was asked for and has not come yet; the last one asked
	 * for failed (a reload's failure is not one: app.c tells it). */
	bool page_loading, page_failed;
	struct reslist list; /* list views: set up with resview_list_init */
};

/* The resview at the start of v's private struct. */
struct resview *resview_of(struct view *v);
/* A view with ops and a zeroed private struct of size bytes that begins
 * with a struct resview, about room (NULL for none), showing res (its
 * reference passes to the view). NULL when out of memory, res included. */
struct view *resview_new(struct app *app, const struct view_ops *ops, size_t size,
			 const char *room, struct resource *res);
/* Load v's resource now, guess the list's height until the first draw,
 * and watch it from the start when watch is set. */
void resview_start(struct view *v, bool watch);

/* struct view_ops functions: the room, the resource while it is busy, the
 * watch timer, and freeing (what the resview holds, its struct, v). */
const char *resview_current_room(struct view *v);
struct resource *resview_busy(struct view *v);
int resview_tick(struct view *v, long long now);
void resview_free(struct view *v);

/* Resource r changed: false when it is not v's; else v's watch timer
 * learns it (back-off), true. */
bool resview_settled(struct view *v, struct resource *r);

/* Make v a list of count(res) items that id_of names and match searches;
 * paged: more pages load as the cursor nears the end, and G loads them
 * all; noun: what the items are ("rooms"). */
void resview_list_init(struct view *v, int (*count)(const struct resource *r), list_id_fn id_of,
                       list_match_fn match, bool paged, const char *noun);
/* The items in the list now. */
int resview_list_count(struct view *v);
/* After the data changed: the cursor goes back to the item it was on (by
 * its ID), or when that is gone to the one that took its place (the one
 * before when it was the last); then the item under the cursor is
 * remembered. Views call it before they use the cursor. */
void resview_list_follow(struct view *v);
/* The row under the cursor, -1 when there is none (no data yet, or no
 * rows). */
int resview_list_selected(struct view *v);
/* A movement key: moves the cursor, loads ahead on a paged list; G on a
 * paged list that is not complete loads every page (progress in the
 * status, Esc stops). False when a is not a movement. */
bool resview_list_move(struct view *v, enum action a);
/* Resource r changed: follow the selection, go on loading to the end, and
 * load ahead on a paged list. */
void resview_list_changed(struct view *v, struct resource *r);
/* Find the next (dir 1), previous (-1) or first from the cursor (0)
 * match, and say which it is ("match 3 of 17"); the matches are counted
 * once per pattern and version of the data. False when none matches. */
bool resview_list_search(struct view *v, const char *pattern, int dir);
/* While every page loads after G: "loading page 3… 300 rooms, Esc
 * cancels" into out, true. */
bool resview_list_status_loading(struct view *v, char *out, size_t n);
/* Below the last row of the paged list (rows from y 1), when more pages
 * remain: more while one is loading, else "…". */
void resview_draw_more(struct view *v, WINDOW *win, const char *more);

/* "what room", the room made terminal-safe. */
void resview_title(char *out, size_t n, const char *what, const char *room);

/* The notice while r has nothing to show: its error with "press r to
 * retry", or loading (the text to show then). */
void resview_draw_pending(WINDOW *win, const struct resource *r, const char *loading);
/* While nothing is shown: "failed", "loading" or (after a cancelled
 * first load) "not loaded" into out, true. */
bool resview_status_pending(const struct resource *r, bool shown, char *out, size_t n);
/* How old r's data is: "3s ago", "stale, 3s ago". */
void resview_age(const struct resource *r, char *out, size_t n);
/* " │ watch 1s" for the status line, "" when watch is off. */
void resview_watch_status(const struct watch *w, char *out, size_t n);

/* ACTION_REFRESH refreshes r; ACTION_BACK stops loading a list to its end,
 * or cancels r's load when it is busy and cancel is set. VIEW_IGNORED for
 * anything else. */
enum view_result resview_action(struct view *v, struct resource *r, enum action a, bool cancel);
/* ACTION_WATCH toggles w; with interval ("watch", "refresh") set, the
 * faster and slower actions change it. VIEW_IGNORED for anything else. */
enum view_result resview_watch_action(struct view *v, struct watch *w, enum action a,
				      const char *interval);

/* fmt with its first %s the word a and its second b, quoted for the command
 * line ("" for NULL): run when run is set, else left on the command line
 * to finish. */
void resview_command(struct view *v, const char *fmt, const char *a, const char *b, bool run);

#endif
