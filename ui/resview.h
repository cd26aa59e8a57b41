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

/* The start of the private struct of every view over one resource, so
 * that the resview_* view functions serve in its struct view_ops. */
struct resview {
	struct resource *res;
	char *room;         /* the room the view is about, NULL for none */
	int height;         /* rows of the list at the last draw */
	struct watch watch; /* off unless resview_start turns it on */
	bool more_failed;   /* the failure of the next page was told */
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

/* The row under the cursor p of v's list of n rows, -1 when there is
 * none (no data yet, or no rows). */
int resview_selected(struct view *v, struct list_pos *p, int n);
/* list_search over the n rows of v's list (the resource is match's ctx);
 * a paged list loads ahead of a match (resview_more). */
bool resview_search(struct view *v, struct list_pos *p, int n, int dir, list_match_fn match,
		    const char *pattern, bool paged);
/* Load the next page of v's list before the cursor at p gets near the
 * end of its n rows. */
void resview_more(struct view *v, const struct list_pos *p, int n);
/* Resource r changed (resview_settled): a paged list keeps its cursor p in
 * its n rows and loads ahead. */
void resview_paged_changed(struct view *v, struct resource *r, struct list_pos *p, int n);

/* "what room", the room made terminal-safe. */
void resview_title(char *out, size_t n, const char *what, const char *room);

/* The notice while r has nothing to show: its error with "press r to
 * retry", or loading (the text to show then). */
void resview_draw_pending(WINDOW *win, const struct resource *r, const char *loading);
/* Below the last of the n rows of v's paged list (rows from y 1, cursor
 * and scroll in p), when more pages remain: more while one is loading,
 * else "…". */
void resview_draw_more(struct view *v, WINDOW *win, const struct list_pos *p, int n,
		       const char *more);

/* While nothing is shown: "failed" or "loading" into out, true. */
bool resview_status_pending(const struct resource *r, bool shown, char *out, size_t n);
/* How old r's data is: "3s ago", "stale, 3s ago". */
void resview_age(const struct resource *r, char *out, size_t n);
/* " │ watch 1s" for the status line, "" when watch is off. */
void resview_watch_status(const struct watch *w, char *out, size_t n);

/* ACTION_REFRESH refreshes r; ACTION_BACK cancels r's load when it is busy
 * and cancel is set. VIEW_IGNORED for anything else. */
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
