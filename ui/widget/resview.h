/* Pieces shared by the views over one model resource (the lists, a room,
 * the document trees): their title, the notice before the first data, the
 * status text, the keys that refresh, cancel and watch, and the view
 * functions that only need the resource. The lists build on it in
 * listview.h. */
#ifndef LB_RESVIEW_H
#define LB_RESVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "draw.h"
#include "tree.h"
#include "view.h"
#include "watch.h"

/* The start of the private struct of every view over one resource, so
 * that the resview_* view functions serve in its struct view_ops. */
struct resview {
	struct resource *res;
	struct scope scope; /* what the view is about (its own copy) */
	int height;         /* rows of the list at the last draw */
	struct watch watch; /* off unless resview_start turns it on */
};

/* The resview at the start of v's private struct. */
struct resview *resview_of(struct view *v);
/* A view with ops and a zeroed private struct of size bytes that begins
 * with a struct resview, about scope (copied; NULL for nothing), showing
 * res (its reference passes to the view). NULL when out of memory, res
 * included. */
struct view *resview_new(struct app *app, const struct view_ops *ops, size_t size,
			 const struct scope *scope, struct resource *res);
/* Load v's resource now, guess the list's height until the first draw,
 * and watch it from the start when watch is set. */
void resview_start(struct view *v, bool watch);

/* struct view_ops functions: the scope, the resource while it is busy,
 * the watch timer, and freeing (what the resview holds, its struct, v). */
void resview_scope(struct view *v, struct scope *out);
struct resource *resview_busy(struct view *v);
int resview_tick(struct view *v, long long now);
void resview_free(struct view *v);

/* Resource r changed: false when it is not v's; else v's watch timer
 * learns it (back-off), true. */
bool resview_settled(struct view *v, struct resource *r);

/* "what ROOM": what, then v's scope (scope_name: terminal-safe). */
void resview_title(struct view *v, char *out, size_t n, const char *what);

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

/* ACTION_REFRESH refreshes r; ACTION_BACK cancels r's load when it is
 * busy and cancel is set. VIEW_IGNORED for anything else. */
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
