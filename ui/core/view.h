/* One view per file behind this interface (tig's view_ops). Views fill and
 * draw their pane and turn actions into model calls; they never paint
 * outside their window, and the loop redraws after every handled action or
 * model change. */
#ifndef LB_VIEW_H
#define LB_VIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "model.h"
#include "scope.h"

struct app;
struct ydoc_options; /* model_storage.h */

enum view_result { VIEW_IGNORED, VIEW_HANDLED };

/* What the mouse did, where: row y, column x of the view's window. */
enum mouse_kind { MOUSE_CLICK, MOUSE_DOUBLE_CLICK, MOUSE_WHEEL_UP, MOUSE_WHEEL_DOWN };
struct mouse_event {
	enum mouse_kind kind;
	int y, x;
};

struct view {
	const struct view_ops *ops;
	struct app *app;
	void *priv;
};

struct view_ops {
	const char *name; /* keymap context, e.g. "rooms" */
	/* This view's breadcrumb segment (terminal-safe). */
	void (*title)(struct view *v, char *out, size_t n);
	/* Draw into win (its whole size). */
	void (*draw)(struct view *v, WINDOW *win, bool focused);
	/* Draw the selected item in the side pane; NULL when the view has none. */
	void (*draw_detail)(struct view *v, WINDOW *win, int top);
	enum view_result (*action)(struct view *v, enum action a);
	/* A resource changed; the loop redraws anyway. */
	void (*changed)(struct view *v, struct resource *r);
	/* Find the next (dir 1), previous (-1) or first from here (0) match. */
	bool (*search)(struct view *v, const char *pattern, int dir);
	/* What this view is about, or has selected (a list): its room ...;
	 * the strings are the view's, good until it changes. NULL: about
	 * nothing (help, a text, the request log). */
	void (*scope)(struct view *v, struct scope *out);
	/* A short line for the status bar: "120 rooms · 3s ago". */
	void (*status)(struct view *v, char *out, size_t n);
	/* The resource in flight for this view, to show progress. */
	struct resource *(*busy)(struct view *v);
	/* Called every loop pass with the monotonic time (watch mode); returns
	 * the ms until it wants to be called again, -1 for never. May be NULL. */
	int (*tick)(struct view *v, long long now_ms);
	void (*free)(struct view *v);
	/* The mouse in the view's window (NULL: the wheel moves, as the keys
	 * that move do). */
	enum view_result (*mouse)(struct view *v, const struct mouse_event *ev);
	/* Show only the rows that contain text; NULL or "" shows every row. */
	void (*filter)(struct view *v, const char *text);
	/* :export: write the rows shown to path (CSV or JSON by its extension;
	 * over a file that exists only with force) and say what was written
	 * into done (n bytes). False with err. NULL: the view is no list. */
	bool (*export_rows)(struct view *v, const char *path, bool force, char *done, size_t n,
			    struct lb_error *err);
};

struct view *view_rooms_new(struct app *app, const struct room_filter *f);
struct view *view_room_new(struct app *app, const char *id);
/* A room's Storage tree (simplified: from ?format=json); watch: start in
 * watch mode. */
struct view *view_storage_new(struct app *app, const char *room, bool simplified, bool watch);
/* A room's Yjs document as a tree, with watch mode; o: formatting, a
 * single key, a type override (copied), NULL for the whole document. */
struct view *view_ydoc_new(struct app *app, const char *room, const struct ydoc_options *o,
			   bool watch);
/* Version history of a room's Yjs document. */
struct view *view_versions_new(struct app *app, const char *room);
/* Users connected to a room, refreshed like watch mode. */
struct view *view_users_new(struct app *app, const char *room);

/* The keys and commands (text NULL), or the given text under title. */
struct view *view_help_new(struct app *app, const char *title, const char *text);
/* A preview of a change under title: lines of a diff, + and - coloured. */
struct view *view_preview_new(struct app *app, const char *title, const char *text);
/* Whether v is the keys and commands (view_help_new without text). */
bool view_help_is_keys(const struct view *v);

/* Raw text read whole: wrapped at the width, scrolled, searched. */
struct view *view_pager_new(struct app *app, const char *title, const char *text);
/* The recent messages (app_messages_text), kept current while shown. */
struct view *view_messages_new(struct app *app);

/* The request log (reqlog.h), newest first, kept current while shown. */
struct reqlog;
struct view *view_requests_new(struct app *app, struct reqlog *log);

#endif
