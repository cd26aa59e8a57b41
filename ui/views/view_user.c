#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "groups.h"
#include "inbox.h"
#include "notify_settings.h"
#include "output.h"
#include "resview.h"
#include "view.h"

/* One user in one place: their inbox (how many unread, the newest), the
 * groups they are in, their notification settings (the grid, compact) and
 * their room subscription settings across rooms. The four load at once
 * and each shows its own error without hiding the others. Enter on a
 * section, or its key (i, g, s, r), opens its full view. */

enum section { SEC_INBOX, SEC_GROUPS, SEC_SETTINGS, SEC_SUBSCRIPTIONS, SECTIONS };

static const struct {
	const char *title;
	const char *key;     /* the key that opens it, for the header */
	const char *command; /* what opens its full view, %s the user */
	const char *action;  /* the view's own action */
} sections[SECTIONS] = {
    [SEC_INBOX] = {"Inbox", "i", "inbox %s", "user-inbox"},
    [SEC_GROUPS] = {"Groups", "g", "user-groups %s", "user-groups"},
    [SEC_SETTINGS] = {"Notification settings", "s", "settings %s", "user-settings"},
    [SEC_SUBSCRIPTIONS] = {"Room subscription settings", "r", "subscriptions %s",
                           "user-subscriptions"},
};

/* The newest notifications shown, the groups and rooms listed. */
#define NEWEST 5
#define LISTED 4

struct user_view {
	struct resview base; /* its resource: the inbox */
	struct resource *res[SECTIONS];
	int cursor; /* the section selected */
};

static struct user_view *priv(struct view *v)
{
	return v->priv;
}

static const char *user_of(struct view *v)
{
	return priv(v)->base.scope.user;
}

static void user_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "user");
}

/* One line of a section's body, indented. */
static void body_line(WINDOW *win, int *y, const char *text, enum theme_element el)
{
	if (*y < getmaxy(win) - 1)
		draw_text(win, (*y)++, 4, getmaxx(win) - 5, text, theme_attr(el));
}

/* While r has nothing to show: its error, or that it loads. True then. */
static bool body_pending(WINDOW *win, int *y, const struct resource *r)
{
	char msg[700], line[800];

	if (r->has_data)
		return false;
	if (r->state == RES_ERROR) {
		lb_error_format(&r->err, msg, sizeof(msg));
		snprintf(line, sizeof(line), "%s — press F5 to retry", msg);
		body_line(win, y, line, THEME_ERROR);
	} else {
		body_line(win, y, r->busy ? "Loading…" : "Not loaded", THEME_LOADING);
	}
	return true;
}

static void summary_inbox(const struct resource *r, char *out, size_t n)
{
	size_t unread = 0;
	bool more = !model_complete(r);

	for (size_t i = 0; i < model_count(r); i++)
		unread += model_inbox_at(r, i)->unread;
	snprintf(out, n, "%zu%s unread of %zu%s notifications", unread, more ? "+" : "",
	         model_count(r), more ? "+" : "");
}

static void draw_inbox(WINDOW *win, int *y, const struct resource *r)
{
	for (size_t i = 0; i < model_count(r) && i < NEWEST && *y < getmaxy(win) - 1; i++) {
		const struct inbox_note *note = model_inbox_at(r, i);
		char when[32];

		output_time(note->notified_s, when, sizeof(when));
		const struct cell cells[] = {
		    {"", 3, THEME_DEFAULT, false},
		    {note->unread ? "unread" : "read", 6, note->unread ? THEME_KEY : THEME_MUTED,
		     false},
		    {note->kind, 14, THEME_VALUE, false},
		    {note->room_id ? note->room_id : "-", 20, THEME_ID, true},
		    {inbox_note_subject(note), 24, THEME_ID, true},
		    {when, -1, THEME_DATE, false},
		};

		draw_cells(win, (*y)++, cells, (int)(sizeof(cells) / sizeof(*cells)), 0);
	}
	if (model_count(r) == 0)
		body_line(win, y, "No notifications", THEME_MUTED);
}

/* A row of cells, indented like the body lines. */
static void body_cells(WINDOW *win, int *y, struct cell *cells, int n)
{
	if (*y < getmaxy(win) - 1)
		draw_cells(win, (*y)++, cells, n, 0);
}

static void draw_groups(WINDOW *win, int *y, const struct resource *r)
{
	char line[64];

	for (size_t i = 0; i < model_count(r) && i < LISTED; i++) {
		const struct group_info *g = model_group_at(r, i);
		struct cell cells[] = {
		    {"", 3, THEME_DEFAULT, false},
		    {g->id, 24, THEME_ID, true},
		    {line, -1, THEME_VALUE, false},
		};

		snprintf(line, sizeof(line), "%zu member%s", g->members.n,
		         g->members.n == 1 ? "" : "s");
		body_cells(win, y, cells, 3);
	}
	if (model_count(r) > LISTED) {
		snprintf(line, sizeof(line), "… and %zu more", model_count(r) - LISTED);
		body_line(win, y, line, THEME_MUTED);
	}
	if (model_count(r) == 0)
		body_line(win, y, "In no group", THEME_MUTED);
}

static void draw_settings(WINDOW *win, int *y, const struct notify_settings *s)
{
	struct cell cells[2 + NOTIFY_CHANNELS] = {{"", 3, THEME_DEFAULT, false},
	                                          {"", 18, THEME_HEADER, false}};
	char line[128];

	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++)
		cells[2 + ch] = (struct cell){notify_channels[ch], 8, THEME_HEADER, false};
	body_cells(win, y, cells, 2 + NOTIFY_CHANNELS);
	for (size_t k = 0; k < s->kinds.n; k++) {
		cells[1] = (struct cell){s->kinds.v[k], 18, THEME_KEY, false};
		for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
			bool on = notify_settings_on(s, ch, s->kinds.v[k]);

			cells[2 + ch] = (struct cell){on ? "on" : "off", 8,
			                              !s->enabled[ch] ? THEME_MUTED
			                              : on            ? THEME_ID
			                                              : THEME_VALUE,
			                              false};
		}
		body_cells(win, y, cells, 2 + NOTIFY_CHANNELS);
	}
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		if (s->enabled[ch])
			continue;
		snprintf(line, sizeof(line), "%s: not enabled for this project",
		         notify_channels[ch]);
		body_line(win, y, line, THEME_MUTED);
	}
}

static void draw_subscriptions(WINDOW *win, int *y, const struct resource *r)
{
	char line[64];

	for (size_t i = 0; i < model_count(r) && i < LISTED; i++) {
		const struct room_subscription *s = model_room_subscription_at(r, i);
		struct cell cells[] = {
		    {"", 3, THEME_DEFAULT, false},     {s->room_id, 24, THEME_ID, true},
		    {"threads", 7, THEME_KEY, false},  {s->threads, 20, THEME_VALUE, false},
		    {"mentions", 8, THEME_KEY, false}, {s->mentions, -1, THEME_VALUE, false},
		};

		body_cells(win, y, cells, 6);
	}
	if (model_count(r) > LISTED) {
		snprintf(line, sizeof(line), "… and %zu%s more", model_count(r) - LISTED,
		         model_complete(r) ? "" : "+");
		body_line(win, y, line, THEME_MUTED);
	}
	if (model_count(r) == 0)
		body_line(win, y, "None: the defaults apply in every room", THEME_MUTED);
}

/* A section's header: its title, what it holds in a word, its key. */
static void draw_header(struct view *v, WINDOW *win, int y, enum section s, bool focused)
{
	const struct resource *r = priv(v)->res[s];
	bool selected = priv(v)->cursor == (int)s;
	attr_t attr = selected ? theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR) : 0;
	char what[128] = "", head[256];

	if (r->has_data && s == SEC_INBOX)
		summary_inbox(r, what, sizeof(what));
	else if (r->has_data && s == SEC_GROUPS)
		snprintf(what, sizeof(what), "in %zu%s", model_count(r),
		         model_complete(r) ? "" : "+");
	else if (r->has_data && s == SEC_SUBSCRIPTIONS)
		snprintf(what, sizeof(what), "%zu%s rooms", model_count(r),
		         model_complete(r) ? "" : "+");
	else if (r->state == RES_ERROR)
		snprintf(what, sizeof(what), "failed");
	snprintf(head, sizeof(head), "%s %s", selected ? "▸" : " ", sections[s].title);
	if (attr)
		draw_blank(win, y, attr);
	draw_text(win, y, 1, 32, head, attr ? attr : theme_attr(THEME_HEADER));
	if (getmaxx(win) > 44)
		draw_text(win, y, 34, getmaxx(win) - 44, what,
		          attr ? attr
		               : theme_attr(r->state == RES_ERROR ? THEME_ERROR : THEME_VALUE));
	snprintf(head, sizeof(head), "%s: open", sections[s].key);
	if (getmaxx(win) > 44)
		draw_text(win, y, getmaxx(win) - 9, 8, head, attr ? attr : theme_attr(THEME_MUTED));
}

static void user_draw(struct view *v, WINDOW *win, bool focused)
{
	struct user_view *uv = priv(v);
	int y = 0;

	werase(win);
	for (int s = 0; s < SECTIONS && y < getmaxy(win) - 1; s++) {
		const struct resource *r = uv->res[s];

		draw_header(v, win, y++, (enum section)s, focused);
		if (!body_pending(win, &y, r)) {
			if (s == SEC_INBOX)
				draw_inbox(win, &y, r);
			else if (s == SEC_GROUPS)
				draw_groups(win, &y, r);
			else if (s == SEC_SETTINGS)
				draw_settings(win, &y, model_notification_settings_of(r));
			else
				draw_subscriptions(win, &y, r);
		}
		y++;
	}
	draw_text(
	    win, getmaxy(win) - 1, 1, getmaxx(win) - 2,
	    "↑↓ a section · Enter: open it · i inbox · g groups · s settings · r subscriptions",
	    theme_attr(THEME_MUTED));
}

static void open_section(struct view *v, enum section s)
{
	resview_command(v, sections[s].command, user_of(v), NULL, true);
}

static enum view_result user_action(struct view *v, enum action a)
{
	struct user_view *uv = priv(v);

	for (int s = 0; s < SECTIONS; s++)
		if (view_action_is(a, sections[s].action)) {
			uv->cursor = s;
			open_section(v, (enum section)s);
			return VIEW_HANDLED;
		}
	switch (a) {
	case ACTION_ENTER:
		open_section(v, (enum section)uv->cursor);
		return VIEW_HANDLED;
	case ACTION_MOVE_UP:
		uv->cursor = uv->cursor > 0 ? uv->cursor - 1 : 0;
		return VIEW_HANDLED;
	case ACTION_MOVE_DOWN:
		uv->cursor = uv->cursor < SECTIONS - 1 ? uv->cursor + 1 : SECTIONS - 1;
		return VIEW_HANDLED;
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		uv->cursor = a == ACTION_MOVE_FIRST ? 0 : SECTIONS - 1;
		return VIEW_HANDLED;
	case ACTION_REFRESH:
		for (int s = 0; s < SECTIONS; s++)
			model_refresh(app_model(v->app), uv->res[s]);
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
}

static struct resource *user_busy(struct view *v)
{
	for (int s = 0; s < SECTIONS; s++)
		if (priv(v)->res[s]->busy)
			return priv(v)->res[s];
	return NULL;
}

static void user_status(struct view *v, char *out, size_t n)
{
	int failed = 0, loading = 0;
	char age[64];

	for (int s = 0; s < SECTIONS; s++) {
		const struct resource *r = priv(v)->res[s];

		failed += r->state == RES_ERROR;
		loading += r->busy && !r->has_data;
	}
	resview_age(priv(v)->base.res, age, sizeof(age));
	if (loading)
		snprintf(out, n, "%d of %d sections loading │ %s", loading, SECTIONS, age);
	else if (failed)
		snprintf(out, n, "%d of %d sections failed │ %s", failed, SECTIONS, age);
	else
		snprintf(out, n, "%d sections │ %s", SECTIONS, age);
}

static void user_free(struct view *v)
{
	struct user_view *uv = priv(v);

	/* The inbox is the resview's own. */
	for (int s = SEC_GROUPS; s < SECTIONS; s++)
		model_release(app_model(v->app), &uv->res[s]);
	resview_free(v);
}

static const struct view_ops user_ops = {
    .name = "user",
    .title = user_title,
    .draw = user_draw,
    .action = user_action,
    .scope = resview_scope,
    .status = user_status,
    .busy = user_busy,
    .free = user_free,
};

static struct view *user_open(struct app *app, const struct scope *where, const void *opts,
                              bool watch)
{
	struct model *m = app_model(app);
	struct resource *more[SECTIONS] = {0};
	struct user_view *uv;
	struct view *v;

	(void)opts;
	(void)watch;
	if (!where->user)
		return NULL;
	more[SEC_GROUPS] = model_user_groups(m, where->user);
	more[SEC_SETTINGS] = model_notification_settings(m, where->user);
	more[SEC_SUBSCRIPTIONS] = model_room_subscriptions(m, where->user);
	v = more[SEC_GROUPS] && more[SEC_SETTINGS] && more[SEC_SUBSCRIPTIONS]
	        ? resview_new(app, &user_ops, sizeof(struct user_view),
	                      &(struct scope){.user = where->user},
	                      model_inbox(m, where->user, false, NULL))
	        : NULL;
	if (!v) {
		for (int s = SEC_GROUPS; s < SECTIONS; s++)
			if (more[s])
				model_release(m, &more[s]);
		return NULL;
	}
	uv = priv(v);
	uv->res[SEC_INBOX] = uv->base.res;
	for (int s = SEC_GROUPS; s < SECTIONS; s++)
		uv->res[s] = more[s];
	/* All four at once: each answers on its own. */
	resview_start(v, false);
	for (int s = SEC_GROUPS; s < SECTIONS; s++)
		model_need(m, uv->res[s]);
	return v;
}

static const struct view_command user_commands[] = {
    {"user-inbox", "Open the user's inbox", NULL, false},
    {"user-groups", "Open the groups the user is in", NULL, false},
    {"user-settings", "Open the user's notification settings grid", NULL, false},
    {"user-subscriptions", "Open the user's room subscription settings", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key user_keys[] = {
    {'i', "user-inbox"}, {'g', "user-groups"}, {'s', "user-settings"}, {'r', "user-subscriptions"},
    {0, NULL},
};

const struct view_info view_info_user = {
    .name = "user",
    .keys_title = "Keys in the user view",
    .open = user_open,
    .item = "section",
    .keys = user_keys,
    .commands = user_commands,
    .place = true,
};
