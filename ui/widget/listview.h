/* The list view: the items of one model resource drawn through a column
 * table (list.h), with what every list does — movement, / search, sort by
 * any column (< > I), a local filter (\), the mouse, :export, the
 * selection that follows its item by ID, more pages as the cursor nears
 * the end and G loading them all. A list is its table, its notices and
 * its actions (view_rooms.c, view_versions.c, view_users.c). */
#ifndef LB_LISTVIEW_H
#define LB_LISTVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "list.h"
#include "resview.h"

struct listview_spec {
	const struct list_table *table; /* its data: the view's resource */
	const char *noun;               /* "rooms" */
	const char *loading;            /* "Loading rooms…" */
	const char *loading_more;       /* "Loading more rooms…" */
	bool paged;         /* more pages load as the cursor nears the end; G loads them all */
	bool cancel_reload; /* Esc cancels a reload over the rows shown, not only a first load */
	bool watch;         /* w watches */
	const char *watch_interval; /* what + and - change ("refresh"); NULL: they do nothing */
	/* The notice when the resource has no item at all. */
	void (*empty)(struct view *v, char *out, size_t n);
	/* The start of the status line: "3 connected │ +1 −0"; NULL: how
	 * many items are loaded, "+" while there are more, and noun ("6
	 * rooms", "50+ versions"). */
	void (*count_status)(struct view *v, char *out, size_t n);
	/* A cell's element when it depends on the item; NULL: the column's. */
	enum theme_element (*element)(struct view *v, int col, const void *item);
	/* Rows can be tagged (mutt's t): the column named "tag" shows a mark
	 * on a tagged row, which is drawn in the theme's "tagged". */
	bool taggable;
};

/* The start of every list view's private struct. */
struct listview {
	struct resview base; /* first: resview_of finds it */
	const struct listview_spec *spec;
	struct list_pos pos; /* over the rows shown */

	/* The rows shown (item indexes), made again when the data, the sort
	 * or the filter change; rows_version counts the times. */
	int *rows;
	int n_rows;
	bool rows_built, rows_stale;
	unsigned rows_gen;
	int rows_items;
	unsigned rows_version;
	int sort; /* the sort column, -1: the server's order */
	bool descending;
	char *filter; /* NULL: every row */
	/* The view's own filter (listview_keep); NULL: none. */
	bool (*keep)(const void *item, void *ud);
	void *keep_ud;
	/* The IDs of the tagged items, sorted (strcmp). */
	char **tags;
	size_t n_tags, cap_tags;

	/* The selected item, followed through every change of the rows. */
	char *sel_id;
	int sel_index;
	unsigned sel_version;
	bool sel_known;
	bool to_end;    /* G on a paged list: every page is being loaded */
	bool more_held; /* loading to the end was cancelled: no page until the user moves */
	/* A next page was asked for and has not come yet; the last one asked
	 * for failed (a reload's failure is not one: app.c tells it). */
	bool page_loading, page_failed;

	/* The matches of the last search (rows, ascending). */
	char *hits_pattern;
	unsigned hits_version;
	int *hits;
	int n_hits;

	/* Where each column was drawn (width 0: not shown), for the mouse. */
	int col_x[LIST_MAX_COLS], col_w[LIST_MAX_COLS];
};

struct listview *listview_of(struct view *v);
/* A list view with ops, spec and a zeroed private struct of size bytes
 * (at least a struct listview, which it begins with), about scope
 * (copied; NULL for nothing), showing res (its reference passes to the
 * view). NULL when out of memory, res included. */
struct view *listview_new(struct app *app, const struct view_ops *ops,
                          const struct listview_spec *spec, size_t size,
                          const struct scope *scope, struct resource *res);

/* The item under the cursor, NULL when there is none. */
const void *listview_selected(struct view *v);
/* The keys every list has: movement (loading ahead; G loads every page),
 * < > I sort, \ filter, r, Esc (stops loading to the end, clears the
 * filter, cancels a load), w + - when the list watches. */
enum view_result listview_action(struct view *v, enum action a);

/* struct view_ops functions. */
void listview_draw(struct view *v, WINDOW *win, bool focused);
bool listview_selected_id(struct view *v, char *out, size_t n);
void listview_changed(struct view *v, struct resource *r);
bool listview_search(struct view *v, const char *pattern, int dir);
void listview_status(struct view *v, char *out, size_t n);
enum view_result listview_mouse(struct view *v, const struct mouse_event *ev);
void listview_filter(struct view *v, const char *text);
bool listview_export(struct view *v, const char *path, bool force, char *done, size_t n,
                     struct lb_error *err);
void listview_free(struct view *v);

/* Show only the items keep keeps (with the text filter, if any); NULL
 * shows them all again. */
void listview_keep(struct view *v, bool (*keep)(const void *item, void *ud), void *ud);
/* The rows shown, and the item of one. */
int listview_rows(struct view *v);
const void *listview_row_item(struct view *v, int row);

/* Tags (spec.taggable): whether item is tagged; tag or untag it (false
 * when out of memory); untag every item; how many IDs are tagged. Tags
 * are kept by the items' IDs, so they hold through reloads and sorts. */
bool listview_is_tagged(struct view *v, const void *item);
bool listview_tag_set(struct view *v, const void *item, bool tagged);
void listview_untag_all(struct view *v);
size_t listview_tag_count(struct view *v);

/* The view_ops members every list view has alike, for its table
 * (`LISTVIEW_OPS, .title = ..., .action = ...`): a view that does one of
 * these its own way lists its members one by one. */
#define LISTVIEW_OPS                                                                           \
	.draw = listview_draw, .changed = listview_changed, .search = listview_search,          \
	.scope = resview_scope, .status = listview_status, .busy = resview_busy,               \
	.tick = resview_tick, .free = listview_free, .mouse = listview_mouse,                  \
	.filter = listview_filter, .export_rows = listview_export,                             \
	.selected_id = listview_selected_id

#endif
