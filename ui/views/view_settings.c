#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "notify_settings.h"
#include "resview.h"
#include "view.h"

/* A user's notification settings as a grid: a row a kind (thread,
 * textMention, the custom $kinds), a column a channel. The cursor is a
 * cell; Space or Enter toggles it in place with the partial update of
 * that one channel.kind: pending until the server answers, then its
 * answer, or back as it was with the reason. R resets, after asking. A
 * channel the project has not enabled is off and muted, never an error. */

/* A cell toggled on the screen: pending until the server answers, then
 * what it answered, until the settings are read again. */
struct cell_change {
	int ch;
	char *kind;
	bool on;      /* what is shown */
	bool pending; /* the update is in flight */
	struct cell_change *next;
};

struct settings_view;

/* One update in flight; outlives the view when it goes first. */
struct toggle {
	struct settings_view *sv; /* NULL once the view is gone */
	struct app *app;
	int ch;
	char *kind;
	bool had;    /* a change was shown before this one */
	bool was_on; /* what the cell showed before */
	struct toggle *next;
};

struct settings_view {
	struct resview base;
	int row, col;
	struct cell_change *changes;
	struct toggle *toggles;
	unsigned seen; /* the generation of the settings the changes are over */
};

#define KIND_COL  2
#define CHANNEL_W 10

static struct settings_view *priv(struct view *v)
{
	return v->priv;
}

static const struct notify_settings *grid_of(struct view *v)
{
	return model_notification_settings_of(priv(v)->base.res);
}

static struct cell_change *change_of(struct settings_view *sv, int ch, const char *kind)
{
	for (struct cell_change *c = sv->changes; c; c = c->next)
		if (c->ch == ch && !strcmp(c->kind, kind))
			return c;
	return NULL;
}

static void changes_free(struct settings_view *sv)
{
	while (sv->changes) {
		struct cell_change *c = sv->changes;

		sv->changes = c->next;
		free(c->kind);
		free(c);
	}
}

/* What cell (ch, kind) shows, and whether it is pending. */
static bool cell_on(struct view *v, int ch, const char *kind, bool *pending)
{
	struct cell_change *c = change_of(priv(v), ch, kind);

	*pending = c && c->pending;
	return c ? c->on : notify_settings_on(grid_of(v), ch, kind);
}

static void settings_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "settings");
}

static int kind_width(const struct notify_settings *s)
{
	int w = 12;

	for (size_t k = 0; k < s->kinds.n; k++) {
		int dw = draw_width(s->kinds.v[k]);

		if (dw > w)
			w = dw;
	}
	return w > 40 ? 40 : w;
}

static void draw_cell(struct view *v, WINDOW *win, int y, int x, int ch, const char *kind,
                      bool cursor, bool focused)
{
	const struct notify_settings *s = grid_of(v);
	bool pending, on = cell_on(v, ch, kind, &pending);
	char text[16];
	attr_t attr;

	snprintf(text, sizeof(text), "%s%s", on ? "on" : "off", pending ? "…" : "");
	if (pending)
		attr = theme_attr(THEME_LOADING);
	else if (!s->enabled[ch])
		attr = theme_attr(THEME_MUTED);
	else
		attr = theme_attr(on ? THEME_ADDED : THEME_VALUE);
	if (cursor)
		attr = theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
	mvwhline(win, y, x, ' ' | attr, CHANNEL_W - 2);
	draw_safe(win, y, x + 1, CHANNEL_W - 3, text, attr);
}

static void settings_draw(struct view *v, WINDOW *win, bool focused)
{
	struct settings_view *sv = priv(v);
	const struct notify_settings *s = grid_of(v);
	int w = getmaxx(win), h = getmaxy(win), kw, y = 0;
	char line[256];

	werase(win);
	if (!s) {
		resview_draw_pending(win, sv->base.res, "Loading notification settings…");
		return;
	}
	kw = kind_width(s);
	draw_text(win, y, KIND_COL, kw, "KIND", theme_attr(THEME_HEADER));
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++)
		draw_text(win, y, KIND_COL + kw + 2 + ch * CHANNEL_W + 1, CHANNEL_W - 2,
		          notify_channels[ch], theme_attr(THEME_HEADER));
	y++;
	for (size_t k = 0; k < s->kinds.n && y < h - 3; k++, y++) {
		draw_text(win, y, KIND_COL, kw, s->kinds.v[k], theme_attr(THEME_KEY));
		for (int ch = 0; ch < NOTIFY_CHANNELS; ch++)
			draw_cell(v, win, y, KIND_COL + kw + 2 + ch * CHANNEL_W, ch, s->kinds.v[k],
			          (int)k == sv->row && ch == sv->col, focused);
	}
	y++;
	for (int ch = 0; ch < NOTIFY_CHANNELS && y < h - 1; ch++) {
		if (s->enabled[ch])
			continue;
		snprintf(line, sizeof(line), "%s: not enabled for this project",
		         notify_channels[ch]);
		draw_text(win, y++, KIND_COL, w - KIND_COL, line, theme_attr(THEME_MUTED));
	}
	if (y < h)
		draw_text(win, h - 1, KIND_COL, w - KIND_COL,
		          "Space/Enter: toggle · arrows/hjkl: move · R: reset to the defaults",
		          theme_attr(THEME_MUTED));
}

static void change_drop(struct settings_view *sv, struct cell_change *c)
{
	struct cell_change **q = &sv->changes;

	while (*q != c)
		q = &(*q)->next;
	*q = c->next;
	free(c->kind);
	free(c);
}

/* The server answered a toggle: its answer shows (the settings it sent
 * back), or the cell goes back as it was and the message says why. */
static void toggle_done(const struct storage_result *res, void *ud)
{
	struct toggle *t = ud, **p;
	struct settings_view *sv = t->sv;
	struct notify_settings answer;
	struct lb_error err = res->err;
	struct cell_change *c = sv ? change_of(sv, t->ch, t->kind) : NULL;

	if (sv) {
		for (p = &sv->toggles; *p && *p != t; p = &(*p)->next)
			;
		if (*p)
			*p = t->next;
	}
	if (c && err.status == LB_OK &&
	    notify_settings_decode(res->body, res->body_len, &answer, &err)) {
		c->on = notify_settings_on(&answer, t->ch, t->kind);
		c->pending = false;
		notify_settings_clear(&answer);
	} else if (c) {
		char msg[700];

		if (t->had) {
			c->on = t->was_on;
			c->pending = false;
		} else {
			change_drop(sv, c);
		}
		lb_error_format(&err, msg, sizeof(msg));
		app_message(t->app, true, "%s.%s not changed: %s", notify_channels[t->ch], t->kind,
		            msg);
	}
	if (sv)
		app_dirty(t->app);
	free(t->kind);
	free(t);
}

/* Toggle the cell under the cursor: shown pending at once, then the
 * server's answer. */
static void toggle_cell(struct view *v)
{
	struct settings_view *sv = priv(v);
	const struct notify_settings *s = grid_of(v);
	struct cell_change *c;
	struct toggle *t;
	const char *kind;
	bool pending, on;

	if (!s || sv->row < 0 || (size_t)sv->row >= s->kinds.n)
		return;
	kind = s->kinds.v[sv->row];
	if (!s->enabled[sv->col]) {
		app_message(v->app, false,
		            "%s is not enabled for this project: its settings cannot change",
		            notify_channels[sv->col]);
		return;
	}
	on = cell_on(v, sv->col, kind, &pending);
	if (pending) {
		app_message(v->app, false, "%s.%s: the last change is still on its way",
		            notify_channels[sv->col], kind);
		return;
	}
	c = change_of(sv, sv->col, kind);
	t = calloc(1, sizeof(*t));
	if (!t || !(t->kind = strdup(kind)) ||
	    (!c && (!(c = calloc(1, sizeof(*c))) || !(c->kind = strdup(kind))))) {
		if (c && !c->kind)
			free(c);
		if (t)
			free(t->kind);
		free(t);
		app_message(v->app, true, "out of memory");
		return;
	}
	t->had = change_of(sv, sv->col, kind) != NULL;
	if (!t->had) {
		c->ch = sv->col;
		c->next = sv->changes;
		sv->changes = c;
	}
	t->sv = sv;
	t->app = v->app;
	t->ch = sv->col;
	t->was_on = on;
	c->on = !on;
	c->pending = true;
	t->next = sv->toggles;
	sv->toggles = t;
	model_notification_setting_set(app_model(v->app), sv->base.scope.user, sv->col, kind, !on,
	                               toggle_done, t);
}

static enum view_result settings_action(struct view *v, enum action a)
{
	struct settings_view *sv = priv(v);
	const struct notify_settings *s = grid_of(v);
	int rows = s ? (int)s->kinds.n : 0;

	if (a == ACTION_ENTER || view_action_is(a, "setting-toggle")) {
		toggle_cell(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "settings-reset")) {
		resview_command(v, "settings %s --reset", sv->base.scope.user, NULL, true);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "cell-left") || view_action_is(a, "cell-right")) {
		sv->col += view_action_is(a, "cell-left") ? -1 : 1;
		sv->col = sv->col < 0                  ? 0
		          : sv->col >= NOTIFY_CHANNELS ? NOTIFY_CHANNELS - 1
		                                       : sv->col;
		return VIEW_HANDLED;
	}
	if (a == ACTION_MOVE_UP || a == ACTION_MOVE_DOWN || a == ACTION_MOVE_FIRST ||
	    a == ACTION_MOVE_LAST) {
		sv->row = a == ACTION_MOVE_UP      ? sv->row - 1
		          : a == ACTION_MOVE_DOWN  ? sv->row + 1
		          : a == ACTION_MOVE_FIRST ? 0
		                                   : rows - 1;
		sv->row = sv->row >= rows ? rows - 1 : sv->row;
		sv->row = sv->row < 0 ? 0 : sv->row;
		return VIEW_HANDLED;
	}
	return resview_action(v, sv->base.res, a, true);
}

/* The settings were read again: what the grid shows is theirs, but for
 * the cells still on their way. */
static void settings_changed(struct view *v, struct resource *r)
{
	struct settings_view *sv = priv(v);
	const struct notify_settings *s = model_notification_settings_of(r);

	if (!resview_settled(v, r) || !s || r->generation == sv->seen)
		return;
	sv->seen = r->generation;
	/* The custom kinds may have changed: keep the cursor on a row. */
	if (sv->row >= (int)s->kinds.n)
		sv->row = s->kinds.n ? (int)s->kinds.n - 1 : 0;
	for (struct cell_change *c = sv->changes, *next; c; c = next) {
		next = c->next;
		if (!c->pending)
			change_drop(sv, c);
	}
}

static void settings_status(struct view *v, char *out, size_t n)
{
	struct resource *r = priv(v)->base.res;
	const struct notify_settings *s = grid_of(v);
	size_t pending = 0;
	char age[64];

	if (resview_status_pending(r, s != NULL, out, n))
		return;
	for (struct toggle *t = priv(v)->toggles; t; t = t->next)
		pending++;
	resview_age(r, age, sizeof(age));
	if (pending)
		snprintf(out, n, "%zu kinds × %d channels │ %zu pending │ %s", s->kinds.n,
		         NOTIFY_CHANNELS, pending, age);
	else
		snprintf(out, n, "%zu kinds × %d channels │ %s", s->kinds.n, NOTIFY_CHANNELS, age);
}

static void settings_free(struct view *v)
{
	struct settings_view *sv = priv(v);

	/* Updates still in flight finish without the view. */
	for (struct toggle *t = sv->toggles; t; t = t->next)
		t->sv = NULL;
	changes_free(sv);
	resview_free(v);
}

static const struct view_ops settings_ops = {
    .name = "settings",
    .title = settings_title,
    .draw = settings_draw,
    .action = settings_action,
    .changed = settings_changed,
    .scope = resview_scope,
    .status = settings_status,
    .busy = resview_busy,
    .free = settings_free,
};

static struct view *settings_open(struct app *app, const struct scope *where, const void *opts,
                                  bool watch)
{
	struct view *v;

	(void)opts;
	(void)watch;
	if (!where->user)
		return NULL;
	v = resview_new(app, &settings_ops, sizeof(struct settings_view),
	                &(struct scope){.user = where->user},
	                model_notification_settings(app_model(app), where->user));
	if (v)
		resview_start(v, false);
	return v;
}

static const struct view_command settings_commands[] = {
    {"setting-toggle", "Turn the selected channel × kind on or off (sent at once)", NULL, false},
    {"settings-reset", "Reset the settings to the project's defaults (asks first)", NULL, false},
    {"cell-left", "Move to the channel on the left", NULL, false},
    {"cell-right", "Move to the channel on the right", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key settings_keys[] = {
    {' ', "setting-toggle"}, {'R', "settings-reset"},   {'h', "cell-left"}, {KEY_LEFT, "cell-left"},
    {'l', "cell-right"},     {KEY_RIGHT, "cell-right"}, {0, NULL},
};

const struct view_info view_info_settings = {
    .name = "settings",
    .keys_title = "Keys in the notification settings",
    .open = settings_open,
    .item = "setting",
    .keys = settings_keys,
    .commands = settings_commands,
    .place = true,
};
