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
	/* The ID of the selected item into out (%i of a view command); false
	 * when none is selected. NULL: the view has no items. */
	bool (*selected_id)(struct view *v, char *out, size_t n);
	/* Show only the rows that contain text; NULL or "" shows every row. */
	void (*filter)(struct view *v, const char *text);
	/* :export: write the rows shown to path (CSV or JSON by its extension;
	 * over a file that exists only with force) and say what was written
	 * into done (n bytes). False with err. NULL: the view is no list. */
	bool (*export_rows)(struct view *v, const char *path, bool force, char *done, size_t n,
			    struct lb_error *err);
};

/* A view's own action: a command line built from what the view is on and
 * put on the command line (or run), or, without a line, one the view's
 * action callback handles (view_action_is). Bound to keys like the
 * built-in actions (`bind VIEW KEY NAME`) and listed in the help. */
struct view_command {
	const char *name; /* "version-export"; NULL ends a table */
	const char *help;
	/* %r: the room, %i: the ID of the selected item, each quoted as a
	 * word; NULL: the view handles it. */
	const char *line;
	bool run; /* run it at once (it asks first itself) rather than prefill */
};

/* A key a view has by default: one of its own commands or a built-in
 * action, by name. */
struct view_key {
	int key;
	const char *action; /* NULL ends a table */
};

/* Key sets views share. */
enum view_keyset { VIEW_KEYS_LIST = 1 << 0, VIEW_KEYS_TREE = 1 << 1 };

/* A view registers itself with one of these (in its own file) and a row
 * VIEW(name) in ui/views/views.def: the app, the keymap, the navigator
 * and the help read every view from there. */
struct view_info {
	const char *name;       /* "versions": its keymap context, show_view's name */
	const char *keys_title; /* its section of the help ("Keys in ..."); NULL: none */
	/* Open it about where (the part its scope is), with its own options
	 * (cmd_host.show_view), watching or not; NULL when out of memory. */
	struct view *(*open)(struct app *a, const struct scope *where, const void *opts,
	                     bool watch);
	/* Its entry in the navigator ("Versions"), shown while the scope in
	 * front holds nav_part (SCOPE_NONE: always); NULL: none. */
	const char *nav_label;
	enum scope_part nav_part;
	/* The view of one of its items, drawn as where the user is too. */
	const char *item_view;
	/* The action that opens it from the view of its part ("room" for a
	 * room's): its name ("open-versions"), default key, help, and hint
	 * in that view ("v versions"); NULL name: none. */
	const char *open_action;
	int open_key;
	const char *open_help;
	const char *open_hint;
	const char *item;                    /* what its items are: "version" */
	unsigned keysets;                    /* enum view_keyset */
	const struct view_key *keys;         /* its other default keys */
	const struct view_command *commands; /* its own actions */
	/* Going to one that is on the stack goes back to it (a list, a
	 * room, what is in a room), rather than opening another. */
	bool place;
	/* The part of a scope it is the view of (the room view: SCOPE_ROOM):
	 * where the open actions of what belongs to that part are bound. */
	enum scope_part view_of;
};

/* Every view, in the navigator's order (views.def), then NULL. */
extern const struct view_info *const lb_views[];
/* The view registered under name, or NULL. */
const struct view_info *view_info_find(const char *name);
/* The view of a part of a scope (the room view for SCOPE_ROOM), or NULL. */
const struct view_info *view_of_part(enum scope_part p);
/* The view that offers action (an ID above ACTION_COUNT: its open-NAME
 * action or one of its commands); *command is the command, NULL for the
 * open action. NULL for a built-in action. */
const struct view_info *view_action_owner(enum action a, const struct view_command **command);
/* The ID of a view's action by name ("open-versions", "version-export"),
 * ACTION_NONE when no view has one. */
enum action view_action_id(const char *name);
/* The ID of vi's own command of that name, ACTION_NONE when it has
 * none: a view's keys name its own commands first, whatever another view
 * calls its own. */
enum action view_key_action(const struct view_info *vi, const char *name);
/* Whether action a is the view's own command name. */
bool view_action_is(enum action a, const char *name);
/* The views' actions: how many there are after ACTION_COUNT. */
int view_action_count(void);

struct view *view_rooms_new(struct app *app, const struct room_filter *f);
struct view *view_room_new(struct app *app, const char *id);

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
