#include "lbconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "model_storage.h"
#include "term_safe.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* A room's Yjs document (GET /ydoc, as JSON) as a tree, with watch mode,
 * the change log and the JSON view. */
struct ydoc_view {
	char *room;
	struct resource *res;
	struct tree *tree;
	struct watch watch;
	unsigned seen_gen;
	bool seen_any;
	uint64_t body_hash;   /* of the body the tree shows */
	size_t body_len;
	bool json_detail;     /* the side pane shows the JSON of the selection */
	unsigned frame, detail_frame;
	int height;
};

static struct ydoc_view *priv(struct view *v)
{
	return v->priv;
}

static uint64_t hash_body(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Show the model's document when it is new. */
static void take_doc(struct view *v)
{
	struct ydoc_view *yv = priv(v);
	struct resource *r = yv->res;
	if (!r->has_data || !r->doc)
		return;
	if (yv->seen_any && r->generation == yv->seen_gen)
		return;
	yv->seen_any = true;
	yv->seen_gen = r->generation;
	if (r->doc == tree_doc(yv->tree))
		return;
	uint64_t h = r->body ? hash_body(r->body, r->body_len) : 0;
	if (tree_doc(yv->tree) && h == yv->body_hash &&
	    r->body_len == yv->body_len)
		return; /* the same text again */
	long long now = now_ms();
	bool track = tree_doc(yv->tree) != NULL;
	tree_set_doc(yv->tree, r->doc, track, now);
	yv->body_hash = h;
	yv->body_len = r->body_len;
}

static void ydoc_title(struct view *v, char *out, size_t n)
{
	struct ydoc_view *yv = priv(v);
	char *safe = ts_sanitize(yv->room, (size_t)-1);
	snprintf(out, n, "ydoc %s", safe ? safe : "");
	free(safe);
}

static void ydoc_draw(struct view *v, WINDOW *win, bool focused)
{
	struct ydoc_view *yv = priv(v);
	struct resource *r = yv->res;
	int h = getmaxy(win), w = getmaxx(win);

	yv->frame++;
	yv->height = h > 1 ? h - 1 : 1;
	take_doc(v);
	if (!tree_doc(yv->tree)) {
		char msg[700], line[800];
		if (r->gone) {
			draw_notice(win, "This room does not exist. Press q to go back.",
				    theme_attr(THEME_ERROR));
		} else if (r->state == RES_ERROR) {
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading the Yjs document…", theme_attr(THEME_LOADING));
		}
		return;
	}
	char crumbs[1024], right[128], wd[64];
	tree_breadcrumbs(yv->tree, crumbs, sizeof(crumbs));
	watch_describe(&yv->watch, wd, sizeof(wd));
	snprintf(right, sizeof(right), "%s%s%s", wd[0] ? "[" : "", wd, wd[0] ? "]" : "");
	char *safe = ts_sanitize(crumbs, (size_t)-1);
	int rw = ts_width(right);
	draw_blank(win, 0, theme_attr(THEME_DEFAULT));
	if (safe) {
		/* The end of a long path matters most. */
		const char *shown = safe;
		while (ts_width(shown) > w - rw - 2 && *shown) {
			shown++;
			while ((*shown & 0xC0) == 0x80)
				shown++;
		}
		draw_safe(win, 0, 1, w - rw - 2, shown, theme_attr(THEME_BREADCRUMB));
		free(safe);
	}
	if (rw)
		draw_safe(win, 0, w - rw, rw, right, theme_attr(THEME_LOADING));
	tree_draw(yv->tree, win, 1, yv->height, focused, app_search_pattern(v->app));
}

static void ydoc_draw_detail(struct view *v, WINDOW *win, int top)
{
	struct ydoc_view *yv = priv(v);
	yv->detail_frame = yv->frame;
	tree_draw_detail(yv->tree, win, top, yv->json_detail);
}

static void copy(struct view *v, bool json)
{
	struct ydoc_view *yv = priv(v);
	char *text = json ? tree_selected_json(yv->tree, false) : tree_selected_path(yv->tree);
	if (!text)
		return;
	size_t len = strlen(text);
	if (tree_clipboard_copy(text, len)) {
		if (json)
			app_message(v->app, false, "copied %zu bytes of JSON", len);
		else
			app_message(v->app, false, "copied %s",
				    len ? text : "the root's path (empty)");
	} else {
		app_message(v->app, true, "could not copy: %zu bytes is too much for the terminal",
			    len);
	}
	free(text);
}

static void show_json(struct view *v)
{
	struct ydoc_view *yv = priv(v);
	/* With the side pane on screen the JSON goes there; else a view of
	 * its own. */
	if (yv->detail_frame == yv->frame && yv->frame) {
		yv->json_detail = !yv->json_detail;
		return;
	}
	char *json = tree_selected_json(yv->tree, true);
	char *path = tree_selected_path(yv->tree);
	if (json && path) {
		char title[512];
		snprintf(title, sizeof(title), "json %s", path[0] ? path : "/");
		app_push(v->app, view_help_new(v->app, title, json));
	}
	free(json);
	free(path);
}

static void change_log(struct view *v)
{
	struct ydoc_view *yv = priv(v);
	char *path = tree_selected_path(yv->tree);
	char *log = tree_change_log(yv->tree, path ? path : "", now_ms());
	if (log && log[0]) {
		char title[512];
		snprintf(title, sizeof(title), "changes %s", path && path[0] ? path : "/");
		app_push(v->app, view_help_new(v->app, title, log));
	} else {
		app_message(v->app, false, "%s", yv->watch.on ? "no changes seen here yet"
							      : "no changes seen: press w to watch");
	}
	free(log);
	free(path);
}

static enum view_result ydoc_action(struct view *v, enum action a)
{
	struct ydoc_view *yv = priv(v);
	struct model *m = app_model(v->app);
	long long now = now_ms();

	if (tree_action(yv->tree, a, yv->height))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_REFRESH:
		model_refresh(m, yv->res);
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (yv->res->busy && !tree_doc(yv->tree)) {
			model_cancel(m, yv->res);
			app_message(v->app, false, "cancelled");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	case ACTION_WATCH:
		watch_toggle(&yv->watch, now);
		app_message(v->app, false, "%s", yv->watch.on ? "watching" : "watch off");
		return VIEW_HANDLED;
	case ACTION_WATCH_FASTER:
	case ACTION_WATCH_SLOWER: {
		char iv[32];
		watch_adjust(&yv->watch, a == ACTION_WATCH_FASTER ? 1 : -1, now);
		snprintf(iv, sizeof(iv), "%.2g", yv->watch.interval_ms / 1000.0);
		app_message(v->app, false, "watch interval %ss", iv);
		return VIEW_HANDLED;
	}
	case ACTION_TREE_JSON:
		if (tree_doc(yv->tree))
			show_json(v);
		return VIEW_HANDLED;
	case ACTION_COPY_PATH:
	case ACTION_COPY_JSON:
		copy(v, a == ACTION_COPY_JSON);
		return VIEW_HANDLED;
	case ACTION_CHANGE_LOG:
		change_log(v);
		return VIEW_HANDLED;
	case ACTION_CLEAR_MARKS:
		tree_clear_marks(yv->tree);
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
}

static void ydoc_changed(struct view *v, struct resource *r)
{
	struct ydoc_view *yv = priv(v);
	if (r != yv->res)
		return;
	watch_settled(&yv->watch, r, now_ms());
	take_doc(v);
}

static bool ydoc_search(struct view *v, const char *pattern, int dir)
{
	struct ydoc_view *yv = priv(v);
	return tree_search(yv->tree, pattern, dir, yv->height);
}

static const char *ydoc_current_room(struct view *v)
{
	return priv(v)->room;
}

static void ydoc_status(struct view *v, char *out, size_t n)
{
	struct ydoc_view *yv = priv(v);
	struct resource *r = yv->res;
	const struct lson_doc *d = tree_doc(yv->tree);
	char age[32], wd[64], marks[64] = "";
	if (!d) {
		snprintf(out, n, "%s", r->state == RES_ERROR ? "failed" : "loading");
		return;
	}
	watch_describe(&yv->watch, wd, sizeof(wd));
	if (tree_marks(yv->tree))
		snprintf(marks, sizeof(marks), " │ %zu changed (L log, M clear)",
			 tree_marks(yv->tree));
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%zu nodes%s%s%s │ %s%s ago", d->n, wd[0] ? " │ " : "", wd, marks,
		 r->state == RES_STALE ? "stale, " : "", age);
}

static struct resource *ydoc_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	return r->busy ? r : NULL;
}

static int ydoc_tick(struct view *v, long long now)
{
	struct ydoc_view *yv = priv(v);
	return watch_tick(&yv->watch, app_model(v->app), yv->res, now);
}

static void ydoc_free(struct view *v)
{
	struct ydoc_view *yv = priv(v);
	model_release(app_model(v->app), &yv->res);
	tree_free(&yv->tree);
	free(yv->room);
	free(yv);
	free(v);
}

static const struct view_ops ydoc_ops = {
	.name = "ydoc",
	.title = ydoc_title,
	.draw = ydoc_draw,
	.draw_detail = ydoc_draw_detail,
	.action = ydoc_action,
	.changed = ydoc_changed,
	.search = ydoc_search,
	.current_room = ydoc_current_room,
	.status = ydoc_status,
	.busy = ydoc_busy,
	.tick = ydoc_tick,
	.free = ydoc_free,
};

struct view *view_ydoc_new(struct app *app, const char *room, bool watch)
{
	struct view *v = calloc(1, sizeof(*v));
	struct ydoc_view *yv = calloc(1, sizeof(*yv));

	if (!v || !yv || !(yv->room = strdup(room)) || !(yv->tree = tree_new()))
		goto fail;
	struct ydoc_options o;
	memset(&o, 0, sizeof(o));
	yv->res = model_ydoc(app_model(app), room, &o);
	if (!yv->res)
		goto fail;
	model_need(app_model(app), yv->res);
	yv->height = 20;
	watch_init(&yv->watch, watch, now_ms());
	v->ops = &ydoc_ops;
	v->app = app;
	v->priv = yv;
	take_doc(v);
	return v;
fail:
	if (yv) {
		tree_free(&yv->tree);
		free(yv->room);
	}
	free(yv);
	free(v);
	return NULL;
}
