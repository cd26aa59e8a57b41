#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "output.h"
#include "term_safe.h"
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

static const char *thread_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	const struct thread *t = item;
	return t->id ? t->id : "";
}

/* The comment that started it, or NULL. */
static const struct comment *first(const struct thread *t)
{
	return t->n_comments ? &t->comments[0] : NULL;
}

static const char *author_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct comment *c = first(item);
	return c && c->user_id ? c->user_id : "";
}

static const char *first_line_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct comment *c = first(item);
	if (!c)
		return "";
	if (c->deleted_at)
		return "(deleted)";
	return c->preview ? c->preview : "";
}

/* Comments that are not deleted. */
static long long comments_number(const void *item)
{
	const struct thread *t = item;
	long long n = 0;
	for (size_t i = 0; i < t->n_comments; i++)
		n += !t->comments[i].deleted_at;
	return n;
}

static const char *comments_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	snprintf(buf, n, "%lld", comments_number(item));
	return buf;
}

static long long reactions_number(const void *item)
{
	const struct thread *t = item;
	size_t sum = 0;
	for (size_t i = 0; i < t->n_comments; i++)
		sum += comment_reaction_count(&t->comments[i]);
	return (long long)sum;
}

static const char *reactions_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	long long k = reactions_number(item);
	if (k == 0)
		return "";
	snprintf(buf, n, "%lld", k);
	return buf;
}

static const char *resolved_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct thread *)item)->resolved ? "resolved" : "open";
}

static const char *metadata_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	thread_metadata_summary(((const struct thread *)item)->metadata_json, buf, n);
	return buf;
}

/* To the minute, or the date alone when space is short. */
static const char *when(long long s, int width, char *buf, size_t n)
{
	output_time(s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static const char *id_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return thread_id(item, buf, n);
}

static const char *created_text(const void *item, int width, char *buf, size_t n)
{
	return when(((const struct thread *)item)->created_s, width, buf, n);
}

static long long created_number(const void *item)
{
	return ((const struct thread *)item)->created_s;
}

static const char *updated_text(const void *item, int width, char *buf, size_t n)
{
	return when(((const struct thread *)item)->updated_s, width, buf, n);
}

static long long updated_number(const void *item)
{
	return ((const struct thread *)item)->updated_s;
}

/* Who and what first; the counts and the state next; the dates and the
 * ID go first when the terminal is narrow. */
/* clang-format off */
static const struct list_column columns[] = {
    {.name = "author", .title = "AUTHOR", .want = 12, .min = 6, .prio = 0, .fit = true,
     .el = THEME_ID, .text = author_text},
    {.name = "text", .title = "FIRST LINE", .want = 30, .min = 12, .prio = 0, .rest = true,
     .el = THEME_VALUE, .text = first_line_text},
    {.name = "comments", .title = "#", .want = 3, .min = 3, .prio = 1, .el = THEME_VALUE,
     .text = comments_text, .number = comments_number},
    {.name = "reactions", .title = "REACT", .want = 5, .min = 5, .prio = 1, .el = THEME_VALUE,
     .text = reactions_text, .number = reactions_number},
    {.name = "resolved", .title = "STATE", .want = 8, .min = 4, .prio = 1, .el = THEME_KEY,
     .text = resolved_text},
    {.name = "metadata", .title = "METADATA", .want = 20, .min = 8, .prio = 3,
     .el = THEME_MUTED, .text = metadata_text},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 2, .el = THEME_DATE,
     .text = created_text, .number = created_number},
    {.name = "updatedAt", .title = "UPDATED", .want = 16, .min = 10, .prio = 5, .el = THEME_DATE,
     .text = updated_text, .number = updated_number},
    {.name = "id", .title = "ID", .want = 12, .min = 8, .prio = 6, .fit = true, .middle = true,
     .el = THEME_ID, .text = id_text},
};
/* clang-format on */

static const struct list_table threads_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = threads_count,
    .item = thread_at,
    .id = thread_id,
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
		return ((const struct thread *)item)->resolved ? THEME_MUTED : THEME_KEY;
	return columns[col].el;
}

/* The selected thread beside the list: its facts, then the start of each
 * comment. */
static void threads_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct thread *t = selected(v);
	if (!t)
		return;
	int h = getmaxy(win), w = getmaxx(win), row = -top;
	char created[32], updated[32], meta[1024], count[32];

	output_time(t->created_s, created, sizeof(created));
	output_time(t->updated_s, updated, sizeof(updated));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	snprintf(count, sizeof(count), "%lld", comments_number(t));
	const char *keys[] = {"Thread", "State", "Created", "Updated", "Comments", "Metadata"};
	const char *vals[] = {
	    t->id ? t->id : "",       t->resolved ? "resolved" : "open", created, updated, count,
	    meta[0] ? meta : "(none)"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++, row++) {
		if (row < 0 || row >= h)
			continue;
		draw_safe(win, row, 1, 9, keys[i], theme_attr(THEME_KEY));
		draw_text(win, row, 11, w - 11, vals[i], theme_attr(THEME_VALUE));
	}
	row++;
	for (size_t i = 0; i < t->n_comments && row < h; i++, row++) {
		const struct comment *c = &t->comments[i];
		if (row < 0)
			continue;
		draw_safe(win, row, 1, 12, c->user_id ? c->user_id : "-", theme_attr(THEME_ID));
		draw_text(win, row, 14, w - 14, c->deleted_at ? "(deleted)" : c->preview,
		          theme_attr(c->deleted_at ? THEME_MUTED : THEME_VALUE));
	}
	if (row >= 0 && row + 1 < h)
		draw_text(win, row + 1, 1, w - 1,
		          "Enter: read · c: new thread · a: reply · x: resolve · d: delete",
		          theme_attr(THEME_MUTED));
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
    .draw = listview_draw,
    .draw_detail = threads_draw_detail,
    .action = threads_action,
    .changed = listview_changed,
    .search = listview_search,
    .scope = resview_scope,
    .status = listview_status,
    .busy = resview_busy,
    .tick = resview_tick,
    .free = listview_free,
    .mouse = listview_mouse,
    .filter = listview_filter,
    .export_rows = listview_export,
    .selected_id = listview_selected_id,
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
