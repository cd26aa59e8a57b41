#include "lbconfig.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "inbox.h"
#include "listview.h"
#include "output.h"
#include "view.h"

/* A user's inbox notifications in the sections Unread, Mentions, Threads
 * and Custom, as gh-dash groups its own; a page at a time. Enter reads
 * the thread a notification points to. */

static const char *const sections[] = {"unread", "mention", "thread", "custom"};
#define N_SECTIONS (sizeof(sections) / sizeof(*sections))

/* Notification i of the list in section order: the server's order
 * (newest first) within each section. */
static const void *note_at(const void *data, int i)
{
	size_t n = model_count(data);

	for (size_t s = 0; s < N_SECTIONS; s++)
		for (size_t k = 0; k < n; k++) {
			const struct inbox_note *note = model_inbox_at(data, k);

			if (!strcmp(inbox_note_section(note), sections[s]) && i-- == 0)
				return note;
		}
	return NULL;
}

static int notes_count(const void *data)
{
	return (int)model_count(data);
}

static const char *note_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return ((const struct inbox_note *)item)->id;
}

static const char *section_text(const void *item, int width, char *buf, size_t n)
{
	static const char *const titles[] = {"Unread", "Mentions", "Threads", "Custom"};
	const char *s = inbox_note_section(item);

	(void)width;
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (!strcmp(s, sections[i]))
			snprintf(buf, n, "%s", titles[i]);
	return buf;
}

/* Sorting by section keeps the sections' order, not the alphabet's. */
static long long section_number(const void *item)
{
	const char *s = inbox_note_section(item);

	for (size_t i = 0; i < N_SECTIONS; i++)
		if (!strcmp(s, sections[i]))
			return (long long)i;
	return (long long)N_SECTIONS;
}

static const char *kind_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct inbox_note *)item)->kind;
}

static const char *room_text(const void *item, int width, char *buf, size_t n)
{
	const char *room = ((const struct inbox_note *)item)->room_id;

	(void)width;
	(void)buf;
	(void)n;
	return room ? room : "-";
}

static const char *subject_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return inbox_note_subject(item);
}

static const char *notified_text(const void *item, int width, char *buf, size_t n)
{
	output_time(((const struct inbox_note *)item)->notified_s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static long long notified_number(const void *item)
{
	return ((const struct inbox_note *)item)->notified_s;
}

static const char *state_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct inbox_note *)item)->unread ? "unread" : "read";
}

/* Who mentioned, or what the last activity said. */
static const char *detail_text(const void *item, int width, char *buf, size_t n)
{
	const struct inbox_note *note = item;

	(void)width;
	if (note->k == INBOX_MENTION)
		snprintf(buf, n, "by %s", note->created_by ? note->created_by : "?");
	else if (note->k == INBOX_CUSTOM)
		snprintf(buf, n, "%zu× %s", note->activities,
		         note->last_data ? note->last_data : "");
	else
		snprintf(buf, n, "-");
	return buf;
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "section", .title = "SECTION", .want = 8, .min = 6, .prio = 0, .el = THEME_KEY,
     .text = section_text, .number = section_number},
    {.name = "kind", .title = "KIND", .want = 11, .min = 6, .prio = 1, .el = THEME_VALUE,
     .text = kind_text},
    {.name = "roomId", .title = "ROOM", .want = 16, .min = 8, .prio = 2, .fit = true,
     .middle = true, .el = THEME_ID, .text = room_text},
    {.name = "subject", .title = "SUBJECT", .want = 24, .min = 8, .prio = 3, .fit = true,
     .middle = true, .el = THEME_ID, .text = subject_text},
    {.name = "notifiedAt", .title = "NOTIFIED", .want = 16, .min = 10, .prio = 4,
     .el = THEME_DATE, .text = notified_text, .number = notified_number},
    {.name = "state", .title = "STATE", .want = 6, .min = 4, .prio = 5, .el = THEME_VALUE,
     .text = state_text},
    {.name = "detail", .title = "DETAIL", .want = 20, .min = 8, .prio = 6, .rest = true,
     .el = THEME_VALUE, .text = detail_text},
};
/* clang-format on */

static const struct list_table inbox_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = notes_count,
    .item = note_at,
    .id = note_id,
};

static void inbox_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "inbox");
}

static void inbox_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "No notifications");
}

static void inbox_count_status(struct view *v, char *out, size_t n)
{
	const struct resource *r = resview_of(v)->res;
	size_t unread = 0;

	for (size_t i = 0; i < model_count(r); i++)
		unread += model_inbox_at(r, i)->unread;
	snprintf(out, n, "%zu%s notifications, %zu unread", model_count(r),
	         model_complete(r) ? "" : "+", unread);
}

/* Read ones muted. */
static enum theme_element inbox_element(struct view *v, int col, const void *item)
{
	(void)v;
	if (!((const struct inbox_note *)item)->unread)
		return THEME_MUTED;
	return columns[col].el;
}

static void inbox_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct inbox_note *note = listview_selected(v);
	char when[32], detail[512];

	if (!note)
		return;
	output_time(note->notified_s, when, sizeof(when));
	detail_text(note, 0, detail, sizeof(detail));
	const struct detail_line lines[] = {
	    {"ID", note->id},
	    {"Kind", note->kind},
	    {"Room", note->room_id ? note->room_id : "-"},
	    {"Subject", inbox_note_subject(note)},
	    {"Notified", when},
	    {"State", note->unread ? "unread" : "read"},
	    {"Detail", detail},
	    {"", ""},
	    {"", note->thread_id ? "Enter: read the thread · d: delete · D: delete all"
	                         : "d: delete · D: delete all"},
	};
	draw_detail_lines(win, top, lines, (int)(sizeof(lines) / sizeof(lines[0])));
}

static const char *user_of(struct view *v)
{
	struct scope s = {0};

	resview_scope(v, &s);
	return s.user;
}

static enum view_result inbox_action(struct view *v, enum action a)
{
	const struct inbox_note *note = listview_selected(v);

	if (a == ACTION_ENTER && note) {
		if (note->thread_id && note->room_id)
			resview_command(v, "thread show %s %s", note->room_id, note->thread_id,
			                true);
		else
			app_note(v->app, "a custom notification points to no thread");
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "notification-delete") && note) {
		resview_command(v, "notification delete %s %s", user_of(v), note->id, true);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "notification-delete-all")) {
		resview_command(v, "notification delete-all %s%s", user_of(v), NULL, true);
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

static const struct listview_spec inbox_spec = {
    .table = &inbox_table,
    .noun = "notifications",
    .loading = "Loading notifications…",
    .loading_more = "Loading more notifications…",
    .paged = true,
    .watch = true,
    .empty = inbox_empty,
    .count_status = inbox_count_status,
    .element = inbox_element,
};

static const struct view_ops inbox_ops = {
    .name = "inbox",
    .title = inbox_title,
    LISTVIEW_OPS,
    .draw_detail = inbox_draw_detail,
    .action = inbox_action,
};

/* opts: struct inbox_view_opts (the filters of `inbox`), or NULL. */
static struct view *inbox_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	const struct inbox_view_opts *o = opts;
	struct view *v;

	if (!where->user)
		return NULL;
	v = listview_new(
	    app, &inbox_ops, &inbox_spec, sizeof(struct listview),
	    &(struct scope){.user = where->user},
	    model_inbox(app_model(app), where->user, o && o->unread, o ? o->org : NULL));
	if (v)
		resview_start(v, watch);
	return v;
}

static const struct view_command inbox_commands[] = {
    {"notification-delete", "Delete the selected notification (asks first)", NULL, false},
    {"notification-delete-all", "Delete every notification of the user (asks first)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key inbox_keys[] = {
    {'d', "notification-delete"},
    {'D', "notification-delete-all"},
    {'w', "watch"},
    {0, NULL},
};

const struct view_info view_info_inbox = {
    .name = "inbox",
    .keys_title = "Keys in the inbox",
    .open = inbox_open,
    .nav_label = "Inbox",
    .nav_part = SCOPE_USER,
    .item = "notification",
    .keysets = VIEW_KEYS_LIST,
    .keys = inbox_keys,
    .commands = inbox_commands,
    .place = true,
};
