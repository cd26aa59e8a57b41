#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "model_storage.h"
#include "output.h"
#include "term_safe.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* The version history of a room's Yjs document, a page at a time. */
struct versions_view {
	char *room;
	struct resource *res;
	struct list_pos pos;
	int height;
	struct watch watch;
};

static struct versions_view *priv(struct view *v)
{
	return v->priv;
}

static const struct version *selected(struct view *v)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	if (!r->has_data || r->n_versions == 0)
		return NULL;
	list_clamp(&vv->pos, (int)r->n_versions, vv->height);
	return &r->versions[vv->pos.cursor];
}

/* Load the next page before the cursor reaches the end. */
static void maybe_more(struct view *v)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	if (r->has_data && !r->complete && !r->paging && !r->busy &&
	    vv->pos.cursor + 2 * vv->height >= (int)r->n_versions)
		model_more(app_model(v->app), r);
}

static void authors(const struct version *ver, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ver->authors.n && used < n; i++) {
		int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", ver->authors.v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static bool matches(const struct version *ver, const char *pattern)
{
	if (!pattern[0])
		return false;
	if (ver->id && strcasestr(ver->id, pattern))
		return true;
	for (size_t i = 0; i < ver->authors.n; i++)
		if (strcasestr(ver->authors.v[i], pattern))
			return true;
	return false;
}

static void versions_title(struct view *v, char *out, size_t n)
{
	char *safe = ts_sanitize(priv(v)->room, (size_t)-1);
	snprintf(out, n, "versions %s", safe ? safe : "");
	free(safe);
}

static void versions_draw(struct view *v, WINDOW *win, bool focused)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	int h = getmaxy(win), w = getmaxx(win);

	vv->height = h > 1 ? h - 1 : 1;
	if (!r->has_data) {
		if (r->state == RES_ERROR) {
			char msg[700], line[800];
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading versions…", theme_attr(THEME_LOADING));
		}
		return;
	}
	int idw = 12;
	for (int i = vv->pos.top; i < (int)r->n_versions && i < vv->pos.top + vv->height; i++) {
		char *safe = ts_sanitize(r->versions[i].id ? r->versions[i].id : "", (size_t)-1);
		if (safe) {
			if (ts_width(safe) > idw)
				idw = ts_width(safe);
			free(safe);
		}
	}
	if (idw > w / 2)
		idw = w / 2;
	struct cell head[] = {
		{"ID", idw, THEME_HEADER},
		{"CREATED", 16, THEME_HEADER},
		{"AUTHORS", -1, THEME_HEADER},
	};
	draw_cells(win, 0, head, 3, 0);
	if (r->n_versions == 0) {
		draw_notice(win, "No versions yet — press c to create a snapshot",
			    theme_attr(THEME_MUTED));
		return;
	}
	list_clamp(&vv->pos, (int)r->n_versions, vv->height);
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < vv->height; row++) {
		int i = vv->pos.top + row;
		if (i >= (int)r->n_versions) {
			if (i == (int)r->n_versions && !r->complete)
				draw_text(win, row + 1, 0, w,
					  r->paging ? "Loading more versions…" : "…",
					  theme_attr(THEME_LOADING));
			break;
		}
		const struct version *ver = &r->versions[i];
		char created[32], who[1024];
		output_time(ver->created_s, created, sizeof(created));
		authors(ver, who, sizeof(who));
		struct cell cells[] = {
			{ver->id ? ver->id : "", idw,
			 matches(ver, pattern) ? THEME_MATCH : THEME_ID},
			{created, 16, THEME_DATE},
			{who, -1, THEME_VALUE},
		};
		attr_t row_attr = 0;
		if (i == vv->pos.cursor)
			row_attr = theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
		draw_cells(win, row + 1, cells, 3, row_attr);
	}
}

static void versions_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct version *ver = selected(v);
	if (!ver)
		return;
	int h = getmaxy(win), w = getmaxx(win);
	char created[32];
	output_time(ver->created_s, created, sizeof(created));
	struct {
		const char *key, *value;
	} lines[64];
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
	for (int row = 0; row < h && top + row < n; row++) {
		draw_safe(win, row, 1, 9, lines[top + row].key, theme_attr(THEME_KEY));
		draw_text(win, row, 11, w - 11, lines[top + row].value,
			  theme_attr(top + row == n - 1 ? THEME_MUTED : THEME_VALUE));
	}
}

static void prompt(struct view *v, const char *fmt, const char *id)
{
	char *qr = cmd_quote(priv(v)->room);
	char *qi = id ? cmd_quote(id) : NULL;
	char line[1024];
	snprintf(line, sizeof(line), fmt, qr ? qr : "", qi ? qi : "");
	free(qr);
	free(qi);
	app_prompt(v->app, line);
}

static enum view_result versions_action(struct view *v, enum action a)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	struct model *m = app_model(v->app);

	if (list_move(&vv->pos, (int)r->n_versions, vv->height, a)) {
		maybe_more(v);
		return VIEW_HANDLED;
	}
	switch (a) {
	case ACTION_ENTER:
	case ACTION_VERSION_EXPORT: {
		const struct version *ver = selected(v);
		if (!ver || !ver->id)
			app_message(v->app, false, "no version selected");
		else
			prompt(v, "versions export %s %s ", ver->id);
		return VIEW_HANDLED;
	}
	case ACTION_VERSION_CREATE:
		prompt(v, "versions create %s%s", NULL);
		return VIEW_HANDLED;
	case ACTION_REFRESH:
		model_refresh(m, r);
		return VIEW_HANDLED;
	case ACTION_WATCH:
		watch_toggle(&vv->watch, now_ms());
		app_message(v->app, false, "%s", vv->watch.on ? "watching" : "watch off");
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (r->busy && !r->has_data) {
			model_cancel(m, r);
			app_message(v->app, false, "cancelled");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	default:
		return VIEW_IGNORED;
	}
}

static void versions_changed(struct view *v, struct resource *r)
{
	struct versions_view *vv = priv(v);
	if (r != vv->res)
		return;
	watch_settled(&vv->watch, r, now_ms());
	if (r->has_data)
		list_clamp(&vv->pos, (int)r->n_versions, vv->height);
	maybe_more(v);
}

static bool versions_search(struct view *v, const char *pattern, int dir)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	int n = (int)r->n_versions;
	if (n == 0)
		return false;
	int start = vv->pos.cursor + (dir == 0 ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int i = ((start + (dir < 0 ? -k : k)) % n + n) % n;
		if (matches(&r->versions[i], pattern)) {
			vv->pos.cursor = i;
			list_clamp(&vv->pos, n, vv->height);
			maybe_more(v);
			return true;
		}
	}
	return false;
}

static const char *versions_current_room(struct view *v)
{
	return priv(v)->room;
}

static void versions_status(struct view *v, char *out, size_t n)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->res;
	char age[32], wd[64];
	if (!r->has_data) {
		snprintf(out, n, "%s", r->state == RES_ERROR ? "failed" : "loading");
		return;
	}
	watch_describe(&vv->watch, wd, sizeof(wd));
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%zu%s versions%s%s │ %s%s ago", r->n_versions, r->complete ? "" : "+",
		 wd[0] ? " │ " : "", wd, r->state == RES_STALE ? "stale, " : "", age);
}

static struct resource *versions_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	return r->busy ? r : NULL;
}

static int versions_tick(struct view *v, long long now)
{
	struct versions_view *vv = priv(v);
	return watch_tick(&vv->watch, app_model(v->app), vv->res, now);
}

static void versions_free(struct view *v)
{
	struct versions_view *vv = priv(v);
	model_release(app_model(v->app), &vv->res);
	free(vv->room);
	free(vv);
	free(v);
}

static const struct view_ops versions_ops = {
	.name = "versions",
	.title = versions_title,
	.draw = versions_draw,
	.draw_detail = versions_draw_detail,
	.action = versions_action,
	.changed = versions_changed,
	.search = versions_search,
	.current_room = versions_current_room,
	.status = versions_status,
	.busy = versions_busy,
	.tick = versions_tick,
	.free = versions_free,
};

struct view *view_versions_new(struct app *app, const char *room)
{
	struct view *v = calloc(1, sizeof(*v));
	struct versions_view *vv = calloc(1, sizeof(*vv));

	if (!v || !vv || !(vv->room = strdup(room)))
		goto fail;
	vv->res = model_versions(app_model(app), room);
	if (!vv->res)
		goto fail;
	model_need(app_model(app), vv->res);
	vv->height = 20;
	watch_init(&vv->watch, false, now_ms());
	v->ops = &versions_ops;
	v->app = app;
	v->priv = vv;
	return v;
fail:
	if (vv)
		free(vv->room);
	free(vv);
	free(v);
	return NULL;
}
