#include "lbconfig.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "groups.h"
#include "listview.h"
#include "output.h"
#include "view.h"

/* The project's groups, a page at a time; Enter shows a group's members. */

static int groups_count(const void *data)
{
	return (int)model_count(data);
}

static const void *group_at(const void *data, int i)
{
	return model_group_at(data, (size_t)i);
}

static const char *group_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return ((const struct group_info *)item)->id;
}

static const char *id_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return group_id(item, buf, n);
}

static const char *created_text(const void *item, int width, char *buf, size_t n)
{
	output_time(((const struct group_info *)item)->created_s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static long long created_number(const void *item)
{
	return ((const struct group_info *)item)->created_s;
}

static const char *members_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	strv_join(&((const struct group_info *)item)->members, ", ", buf, n);
	return buf;
}

static long long members_number(const void *item)
{
	return (long long)((const struct group_info *)item)->members.n;
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "id", .title = "ID", .want = 2, .min = 12, .prio = 0, .fit = true, .middle = true,
     .el = THEME_ID, .text = id_text},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 1, .el = THEME_DATE,
     .text = created_text, .number = created_number},
    {.name = "members", .title = "MEMBERS", .want = 20, .min = 8, .prio = 2, .rest = true,
     .el = THEME_VALUE, .text = members_text, .number = members_number},
};
/* clang-format on */

static const struct list_table groups_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = groups_count,
    .item = group_at,
    .id = group_id,
};

static void groups_title(struct view *v, char *out, size_t n)
{
	if (resview_of(v)->scope.user)
		resview_title(v, out, n, "groups of");
	else
		snprintf(out, n, "groups");
}

static void groups_empty(struct view *v, char *out, size_t n)
{
	if (resview_of(v)->scope.user)
		snprintf(out, n, "In no group — :group add GROUP_ID USER");
	else
		snprintf(out, n, "No groups yet — :group create ID --member USER");
}

/* The selected group: its organization, when it was made, its members. */
static void groups_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct group_info *g = listview_selected(v);
	if (!g)
		return;
	char created[32], count[32];
	output_time(g->created_s, created, sizeof(created));
	snprintf(count, sizeof(count), "%zu", g->members.n);
	struct detail_line lines[64];
	int n = 0;
	lines[n].key = "ID";
	lines[n++].value = g->id;
	lines[n].key = "Org";
	lines[n++].value = g->organization_id ? g->organization_id : "-";
	lines[n].key = "Created";
	lines[n++].value = created;
	lines[n].key = "Members";
	lines[n++].value = count;
	for (size_t i = 0; i < g->members.n && n < 60; i++) {
		lines[n].key = "";
		lines[n++].value = g->members.v[i];
	}
	lines[n].key = "";
	lines[n++].value = "";
	lines[n].key = "";
	lines[n++].value = "Enter: the members · d: delete";
	draw_detail_lines(win, top, lines, n);
}

/* Enter shows the selected group and its members. */
static enum view_result groups_action(struct view *v, enum action a)
{
	if (a == ACTION_ENTER && app_view_action(v->app, "group-show"))
		return VIEW_HANDLED;
	return listview_action(v, a);
}

static const struct listview_spec groups_spec = {
    .table = &groups_table,
    .noun = "groups",
    .loading = "Loading groups…",
    .loading_more = "Loading more groups…",
    .paged = true,
    .watch = true,
    .empty = groups_empty,
};

static const struct view_ops groups_ops = {
    .name = "groups",
    .title = groups_title,
    LISTVIEW_OPS,
    .draw_detail = groups_draw_detail,
    .action = groups_action,
};

static struct view *groups_open(struct app *app, const struct scope *where, const void *opts,
                                bool watch)
{
	(void)opts;
	(void)watch;
	/* A user's groups when where names a user, else the project's. */
	const char *user = where ? where->user : NULL;
	struct view *v = listview_new(
	    app, &groups_ops, &groups_spec, sizeof(struct listview), &(struct scope){.user = user},
	    user ? model_user_groups(app_model(app), user) : model_groups(app_model(app)));
	if (v)
		resview_start(v, false);
	return v;
}

static const struct view_command groups_commands[] = {
    {"group-show", "Show the selected group and its members", "group show %i", true},
    {"group-delete", "Delete the selected group (asks to type its ID)", "group delete %i", true},
    {NULL, NULL, NULL, false},
};

static const struct view_key groups_keys[] = {
    {'d', "group-delete"},
    {0, NULL},
};

const struct view_info view_info_groups = {
    .name = "groups",
    .keys_title = "Keys in the groups",
    .open = groups_open,
    .item = "group",
    .keysets = VIEW_KEYS_LIST,
    .keys = groups_keys,
    .commands = groups_commands,
    .place = true,
};
