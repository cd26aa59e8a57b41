#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "output.h"
#include "term_safe.h"
#include "thread_cells.h"
#include "threads.h"
#include "view.h"

/* A room's comment threads, newest first as the server sends them: who
 * started each, its first line, how many comments and reactions, whether
 * it is resolved, its metadata, when it was made and last changed. */

static int threads_count(const void *data)
{
	return (int)model_count(data);
}

static const void *thread_at(const void *data, int i)
{
	return model_thread_at(data, (size_t)i);
}

/* Who and what first; the counts and the state next; the dates and the
 * ID go first when the terminal is narrow. */
/* clang-format off */
static const struct list_column columns[] = {
    {.name = "author", .title = "AUTHOR", .want = 12, .min = 6, .prio = 0, .fit = true,
     .el = THEME_ID, .text = thread_cell_author},
    {.name = "text", .title = "FIRST LINE", .want = 30, .min = 12, .prio = 0, .rest = true,
     .el = THEME_VALUE, .text = thread_cell_first_line},
    {.name = "comments", .title = "#", .want = 3, .min = 3, .prio = 1, .el = THEME_VALUE,
     .text = thread_cell_comments, .number = thread_comments_number},
    {.name = "reactions", .title = "REACT", .want = 5, .min = 5, .prio = 1, .el = THEME_VALUE,
     .text = thread_cell_reactions, .number = thread_reactions_number},
    {.name = "resolved", .title = "STATE", .want = 8, .min = 4, .prio = 1, .el = THEME_KEY,
     .text = thread_cell_state},
    {.name = "metadata", .title = "METADATA", .want = 20, .min = 8, .prio = 3,
     .el = THEME_MUTED, .text = thread_cell_metadata},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 2, .el = THEME_DATE,
     .text = thread_cell_created, .number = thread_created_number},
    {.name = "updatedAt", .title = "UPDATED", .want = 16, .min = 10, .prio = 5, .el = THEME_DATE,
     .text = thread_cell_updated, .number = thread_updated_number},
    {.name = "id", .title = "ID", .want = 12, .min = 8, .prio = 6, .fit = true, .middle = true,
     .el = THEME_ID, .text = thread_cell_id},
};
/* clang-format on */

static const struct list_table threads_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = threads_count,
    .item = thread_at,
    .id = thread_cell_key,
};

static const struct thread *selected(struct view *v)
{
	return listview_selected(v);
}

/* "threads ROOM", then the query when there is one: the same room with
 * another query is another place. */
static void threads_title(struct view *v, char *out, size_t n)
{
	const char *query = resview_of(v)->res->args;
	resview_title(v, out, n, "threads");
	if (query && *query) {
		char *safe = ts_sanitize(query, strlen(query));
		size_t len = strlen(out);
		if (len < n)
			snprintf(out + len, n - len, " %s", safe ? safe : "");
		free(safe);
	}
}

static void threads_empty(struct view *v, char *out, size_t n)
{
	const struct resource *r = resview_of(v)->res;
	if (r->args)
		snprintf(out, n, "No threads match %s — press c to start one",
		         (const char *)r->args);
	else
		snprintf(out, n, "No threads yet — press c to start one");
}

static void threads_count_status(struct view *v, char *out, size_t n)
{
	const struct resource *r = resview_of(v)->res;
	size_t open = 0;
	for (size_t i = 0; i < model_count(r); i++)
		open += !model_thread_at(r, i)->resolved;
	snprintf(out, n, "%zu threads, %zu open", model_count(r), open);
}

/* A resolved thread reads as done: its state column muted. */
static enum theme_element threads_element(struct view *v, int col, const void *item)
{
	(void)v;
	if (strcmp(columns[col].name, "resolved") == 0)
		return thread_state_element(item);
	return columns[col].el;
}

/* The selected thread beside the list: its facts, then the start of each
 * comment. */
static void threads_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct thread *t = selected(v);
	if (t)
		thread_draw_summary(
		    win, top, t, false,
		    "Enter: read · c: new thread · a: reply · x: resolve · d: delete");
}

/* x resolves an open thread and reopens a resolved one. */
static enum view_result threads_action(struct view *v, enum action a)
{
	const struct thread *t = selected(v);

	if (a == ACTION_ENTER && app_view_action(v->app, "thread-open"))
		return VIEW_HANDLED;
	if (view_action_is(a, "thread-toggle-resolved")) {
		if (!t)
			app_message(v->app, false, "no thread selected");
		else
			app_view_action(v->app,
			                t->resolved ? "thread-unresolve" : "thread-resolve");
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

static const struct listview_spec threads_spec = {
    .table = &threads_table,
    .noun = "threads",
    .loading = "Loading threads…",
    .watch = true,
    .watch_interval = "refresh",
    .empty = threads_empty,
    .count_status = threads_count_status,
    .element = threads_element,
};

static const struct view_ops threads_ops = {
    .name = "threads",
    .title = threads_title,
    LISTVIEW_OPS,
    .draw_detail = threads_draw_detail,
    .action = threads_action,
};

/* opts: the thread query (NULL: every thread). */
static struct view *threads_open(struct app *app, const struct scope *where, const void *opts,
                                 bool watch)
{
	struct view *v = listview_new(app, &threads_ops, &threads_spec, sizeof(struct listview),
	                              &(struct scope){.room = where->room},
	                              model_threads(app_model(app), where->room, opts));
	if (v)
		resview_start(v, watch);
	return v;
}

static const struct view_command threads_commands[] = {
    {"thread-open", "Read the selected thread", "thread show %r %i", true},
    {"thread-create", "Start a thread (command line; --edit for $EDITOR)", "thread create %r ",
     false},
    {"thread-reply", "Reply to the selected thread (command line; --edit for $EDITOR)",
     "comment add %r %i ", false},
    {"thread-resolve", "Resolve the selected thread (command line)", "thread resolve %r %i", false},
    {"thread-unresolve", "Reopen the selected thread (command line)", "thread unresolve %r %i",
     false},
    {"thread-toggle-resolved", "Resolve the selected thread, or reopen a resolved one", NULL,
     false},
    {"thread-metadata", "Set metadata on the selected thread (command line)",
     "thread metadata %r %i --set ", false},
    {"thread-delete", "Delete the selected thread (asks first; saves it first)",
     "thread delete %r %i", true},
    {NULL, NULL, NULL, false},
};

static const struct view_key threads_keys[] = {
    {'c', "thread-create"},   {'a', "thread-reply"},  {'x', "thread-toggle-resolved"},
    {'m', "thread-metadata"}, {'d', "thread-delete"}, {'w', "watch"},
    {'+', "watch-faster"},    {'-', "watch-slower"},  {0, NULL},
};

const struct view_info view_info_threads = {
    .name = "threads",
    .keys_title = "Keys in a room's threads",
    .open = threads_open,
    .nav_label = "Threads",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-threads",
    .open_key = 't',
    .open_help = "Open the room's comment threads",
    .open_hint = "t threads",
    .item = "thread",
    .keysets = VIEW_KEYS_LIST,
    .keys = threads_keys,
    .commands = threads_commands,
    .place = true,
};
