#include "lbconfig.h"

#include <string.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "versions.h"
#include "output.h"
#include "view.h"

/* The version history of a room's Yjs document, a page at a time. */

/* The versions of the list's resource: the one place that knows where
 * the model keeps them. */
static int versions_count(const void *data)
{
	return (int)model_count(data);
}

static const void *version_at(const void *data, int i)
{
	return model_version_at(data, (size_t)i);
}

static const char *version_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	const struct version *ver = item;
	return ver->id ? ver->id : "";
}

static const char *id_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return version_id(item, buf, n);
}

/* When it was made to the minute, or the date alone when space is short. */
static const char *created_text(const void *item, int width, char *buf, size_t n)
{
	output_time(((const struct version *)item)->created_s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static long long created_number(const void *item)
{
	return ((const struct version *)item)->created_s;
}

static const char *authors_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	const struct version *ver = item;
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ver->authors.n && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", ver->authors.v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* The ID first, then when it was made, then who made it. */
/* clang-format off */
static const struct list_column columns[] = {
    {.name = "id", .title = "ID", .want = 2, .min = 12, .prio = 0, .fit = true, .middle = true,
     .el = THEME_ID, .text = id_text},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 1, .el = THEME_DATE,
     .text = created_text, .number = created_number},
    {.name = "authors", .title = "AUTHORS", .want = 20, .min = 8, .prio = 2, .rest = true,
     .el = THEME_VALUE, .text = authors_text},
};
/* clang-format on */

static const struct list_table versions_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = versions_count,
    .item = version_at,
    .id = version_id,
};

static const struct version *selected(struct view *v)
{
	return listview_selected(v);
}

static void versions_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "versions");
}

static void versions_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "No versions yet — press c to create a snapshot");
}

static void versions_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct version *ver = selected(v);
	if (!ver)
		return;
	char created[32];
	output_time(ver->created_s, created, sizeof(created));
	struct detail_line lines[64];
	int n = 0;
	lines[n].key = "ID";
	lines[n++].value = ver->id ? ver->id : "";
	lines[n].key = "Created";
	lines[n++].value = ver->created_at ? ver->created_at : created;
	lines[n].key = "Authors";
	lines[n++].value = ver->authors.n ? "" : "(none)";
	for (size_t i = 0; i < ver->authors.n && n < 60; i++) {
		lines[n].key = "";
		lines[n++].value = ver->authors.v[i];
	}
	lines[n].key = "";
	lines[n++].value = "";
	lines[n].key = "";
	lines[n++].value = "Enter or x: export to a file · c: new snapshot";
	draw_detail_lines(win, top, lines, n);
}

/* Enter exports the selected version, as x does. */
static enum view_result versions_action(struct view *v, enum action a)
{
	if (a == ACTION_ENTER && app_view_action(v->app, "version-export"))
		return VIEW_HANDLED;
	return listview_action(v, a);
}

/* w alone here: this view has no interval keys. */
static const struct listview_spec versions_spec = {
    .table = &versions_table,
    .noun = "versions",
    .loading = "Loading versions…",
    .loading_more = "Loading more versions…",
    .paged = true,
    .watch = true,
    .empty = versions_empty,
};

static const struct view_ops versions_ops = {
    .name = "versions",
    .title = versions_title,
    LISTVIEW_OPS,
    .draw_detail = versions_draw_detail,
    .action = versions_action,
};

static struct view *versions_open(struct app *app, const struct scope *where, const void *opts,
                                  bool watch)
{
	(void)opts;
	(void)watch;
	struct view *v = listview_new(app, &versions_ops, &versions_spec, sizeof(struct listview),
	                              &(struct scope){.room = where->room},
	                              model_versions(app_model(app), where->room));
	if (v)
		resview_start(v, false);
	return v;
}

static const struct view_command versions_commands[] = {
    {"version-export", "Export the selected version to a file (command line)",
     "versions export %r %i ", false},
    {"version-create", "Create a snapshot of the Yjs document (command line)",
     "versions create %r", false},
    {NULL, NULL, NULL, false},
};

static const struct view_key versions_keys[] = {
    {'x', "version-export"},
    {'c', "version-create"},
    {'w', "watch"},
    {0, NULL},
};

const struct view_info view_info_versions = {
    .name = "versions",
    .keys_title = "Keys in the version history",
    .open = versions_open,
    .nav_label = "Versions",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-versions",
    .open_key = 'v',
    .open_help = "Open the room's Yjs version history",
    .open_hint = "v versions",
    .item = "version",
    .keysets = VIEW_KEYS_LIST,
    .keys = versions_keys,
    .commands = versions_commands,
    .place = true,
};
