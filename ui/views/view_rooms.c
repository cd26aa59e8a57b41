#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "listview.h"
#include "output.h"
#include "term_safe.h"
#include "view.h"

/* The list of rooms for one filter, with the selected room beside it. */

/* The rooms of the list's resource: the one place that knows where the
 * model keeps them. */
static int rooms_count(const void *data)
{
	return (int)model_count(data);
}

static const void *room_at(const void *data, int i)
{
	return model_room_at(data, (size_t)i);
}

static const char *room_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	const struct room *room = item;
	return room->id ? room->id : "";
}

static const char *id_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return room_id(item, buf, n);
}

/* A time to the minute, or the date alone in a column too narrow. */
static const char *time_text(long long s, int width, char *buf, size_t n)
{
	output_time(s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static const char *created_text(const void *item, int width, char *buf, size_t n)
{
	return time_text(((const struct room *)item)->created_s, width, buf, n);
}

static long long created_number(const void *item)
{
	return ((const struct room *)item)->created_s;
}

static const char *last_text(const void *item, int width, char *buf, size_t n)
{
	return time_text(((const struct room *)item)->last_connection_s, width, buf, n);
}

static long long last_number(const void *item)
{
	return ((const struct room *)item)->last_connection_s;
}

static const char *access_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	room_access_summary(item, buf, n);
	return buf;
}

static const char *metadata_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	room_metadata_summary(item, buf, n);
	return buf;
}

/* By priority: the ID first, then the date it was created (the date alone
 * when space is short), its access, its metadata (what is left), and the
 * last connection only when there is room. */
/* clang-format off */
static const struct list_column columns[] = {
    {.name = "id", .title = "ID", .want = 2, .min = 16, .prio = 0, .fit = true, .middle = true,
     .el = THEME_ID, .text = id_text},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 1, .el = THEME_DATE,
     .text = created_text, .number = created_number},
    {.name = "lastConnectionAt", .title = "LAST CONNECTION", .want = 16, .min = 16, .prio = 4,
     .el = THEME_DATE, .text = last_text, .number = last_number},
    {.name = "access", .title = "ACCESS", .want = 9, .min = 9, .prio = 2, .el = THEME_VALUE,
     .text = access_text},
    {.name = "metadata", .title = "METADATA", .want = 30, .min = 12, .prio = 3, .rest = true,
     .el = THEME_MUTED, .text = metadata_text},
};
/* clang-format on */

static const struct list_table rooms_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = rooms_count,
    .item = room_at,
    .id = room_id,
};

static const struct room *selected(struct view *v)
{
	return listview_selected(v);
}

static void rooms_title(struct view *v, char *out, size_t n)
{
	char desc[256];
	room_filter_describe(model_rooms_filter(resview_of(v)->res), desc, sizeof(desc));
	char *safe = ts_sanitize(desc, (size_t)-1);
	if (safe && safe[0])
		snprintf(out, n, "rooms [%s]", safe);
	else
		snprintf(out, n, "rooms");
	free(safe);
}

/* "No rooms match roomId^"acme-"", or none at all. */
static void rooms_empty(struct view *v, char *out, size_t n)
{
	char desc[256];
	room_filter_describe(model_rooms_filter(resview_of(v)->res), desc, sizeof(desc));
	if (desc[0])
		snprintf(out, n, "No rooms match %s", desc);
	else
		snprintf(out, n, "No rooms yet — press c to create one");
}

static void rooms_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct room *room = selected(v);
	char **lines;
	if (!room)
		return;
	size_t n = output_room_lines(room, &lines);
	draw_field_lines(win, lines, (int)n, top);
	output_lines_free(&lines, n);
}

static enum view_result rooms_action(struct view *v, enum action a)
{
	struct resource *r = resview_of(v)->res;

	switch (a) {
	case ACTION_ENTER: {
		const struct room *room = selected(v);
		if (room)
			app_open_room(v->app, room->id);
		return VIEW_HANDLED;
	}
	default:
		break;
	}
	if (view_action_is(a, "room-filter")) {
		/* The current filter, to refine. */
		size_t cursor;
		char *line = cmd_rooms_line(model_rooms_filter(r), &cursor);
		if (line)
			app_prompt_at(v->app, line, cursor);
		free(line);
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

/* The selected room: what `room show` and the navigator's entries are
 * about. */
static void rooms_scope(struct view *v, struct scope *out)
{
	const struct room *room = selected(v);
	*out = (struct scope){.room = room ? room->id : NULL};
}

static const struct listview_spec rooms_spec = {
    .table = &rooms_table,
    .noun = "rooms",
    .loading = "Loading rooms…",
    .loading_more = "Loading more rooms…",
    .paged = true,
    .cancel_reload = true,
    .empty = rooms_empty,
};

static const struct view_ops rooms_ops = {
    .name = "rooms",
    .title = rooms_title,
    .draw = listview_draw,
    .draw_detail = rooms_draw_detail,
    .action = rooms_action,
    .changed = listview_changed,
    .search = listview_search,
    .scope = rooms_scope,
    .status = listview_status,
    .busy = resview_busy,
    .free = listview_free,
    .mouse = listview_mouse,
    .filter = listview_filter,
    .export_rows = listview_export,
    .selected_id = listview_selected_id,
};

struct view *view_rooms_new(struct app *app, const struct room_filter *f)
{
	struct room_filter want;

	/* A shallow copy (the model copies it deeply) with big pages: fewer
	 * requests while scrolling a long list. */
	if (f)
		want = *f;
	else
		memset(&want, 0, sizeof(want));
	if (want.limit == 0)
		want.limit = 100;
	return listview_new(app, &rooms_ops, &rooms_spec, sizeof(struct listview), NULL,
	                    model_rooms(app_model(app), &want));
}

/* opts: the filter (struct room_filter), NULL for every room. */
static struct view *rooms_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	(void)where;
	(void)watch;
	return view_rooms_new(app, opts);
}

/* %r is the selected room. */
static const struct view_command rooms_commands[] = {
    {"room-create", "Create a room (command line)", "room create ", false},
    {"room-update", "Update the selected room (command line)", "room update %r ", false},
    {"room-delete", "Delete the selected room (asks first)", "room delete %r", true},
    {"room-filter", "Filter rooms on the server (command line)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key rooms_keys[] = {
    {'c', "room-create"},
    {'e', "room-update"},
    {'D', "room-delete"},
    {'F', "room-filter"},
    {0, NULL},
};

const struct view_info view_info_rooms = {
    .name = "rooms",
    .keys_title = "Keys in the rooms list",
    .open = rooms_open,
    .nav_label = "Rooms",
    .item_view = "room",
    .item = "room",
    .keysets = VIEW_KEYS_LIST,
    .keys = rooms_keys,
    .commands = rooms_commands,
    .place = true,
};
