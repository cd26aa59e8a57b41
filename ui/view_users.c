#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "draw.h"
#include "model_storage.h"
#include "term_safe.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* The users connected to a room, re-read like watch mode (on from the
 * start); connections that arrived since the previous look are highlighted. */
struct users_view {
	char *room;
	struct resource *res;
	struct list_pos pos;
	int height;
	struct watch watch;
	unsigned seen_gen;
	bool seen_any;
	int *known; /* connection IDs at the previous look */
	size_t n_known;
	int *fresh; /* connection IDs that are new since then */
	size_t n_fresh;
	size_t joined, left; /* at the last change */
};

static struct users_view *priv(struct view *v)
{
	return v->priv;
}

static bool has(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Compare the connections with the previous look. */
static void take(struct view *v)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	if (!r->has_data || (uv->seen_any && r->generation == uv->seen_gen))
		return;
	bool first = !uv->seen_any;
	uv->seen_any = true;
	uv->seen_gen = r->generation;
	int *now = malloc((r->n_users + 1) * sizeof(*now));
	if (!now)
		return;
	size_t joined = 0, left = 0;
	for (size_t i = 0; i < r->n_users; i++) {
		now[i] = r->users[i].connection_id;
		if (!has(uv->known, uv->n_known, now[i]))
			joined++;
	}
	for (size_t i = 0; i < uv->n_known; i++)
		if (!has(now, r->n_users, uv->known[i]))
			left++;
	if (!first && (joined || left)) {
		int *fresh = malloc((joined + 1) * sizeof(*fresh));
		if (fresh) {
			size_t k = 0;
			for (size_t i = 0; i < r->n_users; i++)
				if (!has(uv->known, uv->n_known, now[i]))
					fresh[k++] = now[i];
			free(uv->fresh);
			uv->fresh = fresh;
			uv->n_fresh = k;
		}
		uv->joined = joined;
		uv->left = left;
	}
	free(uv->known);
	uv->known = now;
	uv->n_known = r->n_users;
}

static const struct active_user *selected(struct view *v)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	if (!r->has_data || r->n_users == 0)
		return NULL;
	list_clamp(&uv->pos, (int)r->n_users, uv->height);
	return &r->users[uv->pos.cursor];
}

static bool matches(const struct active_user *u, const char *pattern)
{
	if (!pattern[0])
		return false;
	return (u->id && strcasestr(u->id, pattern)) ||
	       (u->info_json && strcasestr(u->info_json, pattern));
}

static void users_title(struct view *v, char *out, size_t n)
{
	char *safe = ts_sanitize(priv(v)->room, (size_t)-1);
	snprintf(out, n, "users %s", safe ? safe : "");
	free(safe);
}

static void users_draw(struct view *v, WINDOW *win, bool focused)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	int h = getmaxy(win);

	uv->height = h > 1 ? h - 1 : 1;
	take(v);
	if (!r->has_data) {
		if (r->state == RES_ERROR) {
			char msg[700], line[800];
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading connected users…", theme_attr(THEME_LOADING));
		}
		return;
	}
	int idw = 16;
	struct cell head[] = {
		{"CONN", 6, THEME_HEADER},
		{"USER", idw, THEME_HEADER},
		{"INFO", -1, THEME_HEADER},
	};
	draw_cells(win, 0, head, 3, 0);
	if (r->n_users == 0) {
		draw_notice(win, "Nobody is connected to this room", theme_attr(THEME_MUTED));
		return;
	}
	list_clamp(&uv->pos, (int)r->n_users, uv->height);
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < uv->height && uv->pos.top + row < (int)r->n_users; row++) {
		int i = uv->pos.top + row;
		const struct active_user *u = &r->users[i];
		char conn[16];
		snprintf(conn, sizeof(conn), "%d", u->connection_id);
		bool fresh = has(uv->fresh, uv->n_fresh, u->connection_id);
		struct cell cells[] = {
			{conn, 6, fresh ? THEME_ADDED : THEME_MUTED},
			{u->id ? u->id : "(anonymous)", idw,
			 matches(u, pattern) ? THEME_MATCH : u->id ? THEME_ID : THEME_MUTED},
			{u->info_json ? u->info_json : "", -1, THEME_VALUE},
		};
		attr_t row_attr = 0;
		if (i == uv->pos.cursor)
			row_attr = theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
		draw_cells(win, row + 1, cells, 3, row_attr);
	}
}

static void users_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct active_user *u = selected(v);
	if (!u)
		return;
	int w = getmaxx(win);
	char conn[16];
	snprintf(conn, sizeof(conn), "%d", u->connection_id);
	const char *keys[] = {"User", "Conn", "Info"};
	const char *vals[] = {u->id ? u->id : "(anonymous)", conn,
			      u->info_json ? u->info_json : "(none)"};
	for (int row = 0; row < 3 - top && row < getmaxy(win); row++) {
		draw_safe(win, row, 1, 6, keys[top + row], theme_attr(THEME_KEY));
		draw_text(win, row, 8, w - 8, vals[top + row], theme_attr(THEME_VALUE));
	}
}

static enum view_result users_action(struct view *v, enum action a)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	struct model *m = app_model(v->app);
	long long now = now_ms();

	if (list_move(&uv->pos, (int)r->n_users, uv->height, a))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_REFRESH:
		model_refresh(m, r);
		return VIEW_HANDLED;
	case ACTION_WATCH:
		watch_toggle(&uv->watch, now);
		app_message(v->app, false, "%s", uv->watch.on ? "watching" : "watch off");
		return VIEW_HANDLED;
	case ACTION_WATCH_FASTER:
	case ACTION_WATCH_SLOWER: {
		char iv[32];
		watch_adjust(&uv->watch, a == ACTION_WATCH_FASTER ? 1 : -1, now);
		snprintf(iv, sizeof(iv), "%.2g", uv->watch.interval_ms / 1000.0);
		app_message(v->app, false, "refresh interval %ss", iv);
		return VIEW_HANDLED;
	}
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

static void users_changed(struct view *v, struct resource *r)
{
	struct users_view *uv = priv(v);
	if (r != uv->res)
		return;
	watch_settled(&uv->watch, r, now_ms());
	take(v);
}

static bool users_search(struct view *v, const char *pattern, int dir)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	int n = (int)r->n_users;
	if (n == 0)
		return false;
	int start = uv->pos.cursor + (dir == 0 ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int i = ((start + (dir < 0 ? -k : k)) % n + n) % n;
		if (matches(&r->users[i], pattern)) {
			uv->pos.cursor = i;
			list_clamp(&uv->pos, n, uv->height);
			return true;
		}
	}
	return false;
}

static const char *users_current_room(struct view *v)
{
	return priv(v)->room;
}

static void users_status(struct view *v, char *out, size_t n)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->res;
	char age[32], wd[64], delta[64] = "";
	if (!r->has_data) {
		snprintf(out, n, "%s", r->state == RES_ERROR ? "failed" : "loading");
		return;
	}
	watch_describe(&uv->watch, wd, sizeof(wd));
	if (uv->joined || uv->left)
		snprintf(delta, sizeof(delta), " │ +%zu −%zu", uv->joined, uv->left);
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%zu connected%s%s%s │ %s ago", r->n_users, delta, wd[0] ? " │ " : "", wd,
		 age);
}

static struct resource *users_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	/* The periodic refresh is not worth a spinner once there is data. */
	return r->busy && !r->has_data ? r : NULL;
}

static int users_tick(struct view *v, long long now)
{
	struct users_view *uv = priv(v);
	return watch_tick(&uv->watch, app_model(v->app), uv->res, now);
}

static void users_free(struct view *v)
{
	struct users_view *uv = priv(v);
	model_release(app_model(v->app), &uv->res);
	free(uv->known);
	free(uv->fresh);
	free(uv->room);
	free(uv);
	free(v);
}

static const struct view_ops users_ops = {
	.name = "users",
	.title = users_title,
	.draw = users_draw,
	.draw_detail = users_draw_detail,
	.action = users_action,
	.changed = users_changed,
	.search = users_search,
	.current_room = users_current_room,
	.status = users_status,
	.busy = users_busy,
	.tick = users_tick,
	.free = users_free,
};

struct view *view_users_new(struct app *app, const char *room)
{
	struct view *v = calloc(1, sizeof(*v));
	struct users_view *uv = calloc(1, sizeof(*uv));

	if (!v || !uv || !(uv->room = strdup(room)))
		goto fail;
	uv->res = model_active_users(app_model(app), room);
	if (!uv->res)
		goto fail;
	model_need(app_model(app), uv->res);
	uv->height = 20;
	watch_init(&uv->watch, true, now_ms());
	v->ops = &users_ops;
	v->app = app;
	v->priv = uv;
	return v;
fail:
	if (uv)
		free(uv->room);
	free(uv);
	free(v);
	return NULL;
}
