#include "lbconfig.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "notify_settings.h"
#include "view.h"

/* A user's room subscription settings across rooms, a page at a time:
 * which threads and mentions of each room notify them. Enter reads the
 * selected room's; d deletes them (back to the defaults, after asking). */

static int subs_count(const void *data)
{
	return (int)model_count(data);
}

static const void *sub_at(const void *data, int i)
{
	return model_room_subscription_at(data, (size_t)i);
}

static const char *sub_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return ((const struct room_subscription *)item)->room_id;
}

static const char *room_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return sub_id(item, buf, n);
}

static const char *threads_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct room_subscription *)item)->threads;
}

static const char *mentions_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct room_subscription *)item)->mentions;
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "roomId", .title = "ROOM", .want = 24, .min = 12, .prio = 0, .fit = true,
     .middle = true, .el = THEME_ID, .text = room_text},
    {.name = "threads", .title = "THREADS", .want = 20, .min = 8, .prio = 1, .el = THEME_VALUE,
     .text = threads_text},
    {.name = "textMentions", .title = "MENTIONS", .want = 8, .min = 6, .prio = 2, .rest = true,
     .el = THEME_VALUE, .text = mentions_text},
};
/* clang-format on */

static const struct list_table subs_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = subs_count,
    .item = sub_at,
    .id = sub_id,
};

static void subs_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "subscriptions");
}

static void subs_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "No room subscription settings: the defaults apply everywhere");
}

static enum view_result subs_action(struct view *v, enum action a)
{
	const struct room_subscription *s = listview_selected(v);
	const char *user = resview_of(v)->scope.user;

	if (a == ACTION_ENTER && s) {
		resview_command(v, "subscription %s %s", s->room_id, user, true);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "subscription-delete") && s) {
		resview_command(v, "subscription %s %s --delete", s->room_id, user, true);
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

static const struct listview_spec subs_spec = {
    .table = &subs_table,
    .noun = "rooms",
    .loading = "Loading room subscription settings…",
    .loading_more = "Loading more rooms…",
    .paged = true,
    .watch = true,
    .empty = subs_empty,
};

static const struct view_ops subs_ops = {
    .name = "subscriptions",
    .title = subs_title,
    LISTVIEW_OPS,
    .action = subs_action,
};

static struct view *subs_open(struct app *app, const struct scope *where, const void *opts,
                              bool watch)
{
	struct view *v;

	(void)opts;
	if (!where->user)
		return NULL;
	v = listview_new(app, &subs_ops, &subs_spec, sizeof(struct listview),
	                 &(struct scope){.user = where->user},
	                 model_room_subscriptions(app_model(app), where->user));
	if (v)
		resview_start(v, watch);
	return v;
}

static const struct view_command subs_commands[] = {
    {"subscription-delete", "Delete the selected room's settings (asks first)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key subs_keys[] = {
    {'d', "subscription-delete"},
    {0, NULL},
};

const struct view_info view_info_subscriptions = {
    .name = "subscriptions",
    .keys_title = "Keys in a user's room subscription settings",
    .open = subs_open,
    .item = "room subscription",
    .keysets = VIEW_KEYS_LIST,
    .keys = subs_keys,
    .commands = subs_commands,
    .place = true,
};
