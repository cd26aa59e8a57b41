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

/* A room's Storage as a tree, with watch mode, the change log, the JSON
 * view, and keys that prefill the editing commands for the selected node. */
struct storage_view {
	char *room;
	bool simplified;
	struct resource *res;
	struct tree *tree;
	struct watch watch;
	unsigned seen_gen;
	bool seen_any;
	uint64_t body_hash;   /* of the body the tree shows */
	size_t body_len;
	bool untracked_next;  /* the next document is another format: no diff */
	bool json_detail;     /* the side pane shows the JSON of the selection */
	unsigned frame, detail_frame;
	int height;
};

static struct storage_view *priv(struct view *v)
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
	struct storage_view *sv = priv(v);
	struct resource *r = sv->res;
	if (!r->has_data || !r->doc)
		return;
	if (sv->seen_any && r->generation == sv->seen_gen)
		return;
	sv->seen_any = true;
	sv->seen_gen = r->generation;
	if (r->doc == tree_doc(sv->tree))
		return;
	uint64_t h = r->body ? hash_body(r->body, r->body_len) : 0;
	if (tree_doc(sv->tree) && !sv->untracked_next && h == sv->body_hash &&
	    r->body_len == sv->body_len)
		return; /* the same text again */
	long long now = now_ms();
	bool track = tree_doc(sv->tree) != NULL && !sv->untracked_next;
	tree_set_doc(sv->tree, r->doc, track, now);
	sv->untracked_next = false;
	sv->body_hash = h;
	sv->body_len = r->body_len;
}

static void storage_title(struct view *v, char *out, size_t n)
{
	struct storage_view *sv = priv(v);
	char *safe = ts_sanitize(sv->room, (size_t)-1);
	snprintf(out, n, "storage%s %s", sv->simplified ? " (json)" : "", safe ? safe : "");
	free(safe);
}

static void storage_draw(struct view *v, WINDOW *win, bool focused)
{
	struct storage_view *sv = priv(v);
	struct resource *r = sv->res;
	int h = getmaxy(win), w = getmaxx(win);

	sv->frame++;
	sv->height = h > 1 ? h - 1 : 1;
	take_doc(v);
	if (!tree_doc(sv->tree)) {
		char msg[700], line[800];
		if (r->gone) {
			draw_notice(win, "This room does not exist. Press q to go back.",
				    theme_attr(THEME_ERROR));
		} else if (r->state == RES_ERROR) {
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading Storage…", theme_attr(THEME_LOADING));
		}
		return;
	}
	char crumbs[1024], right[128], wd[64];
	tree_breadcrumbs(sv->tree, crumbs, sizeof(crumbs));
	watch_describe(&sv->watch, wd, sizeof(wd));
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
	tree_draw(sv->tree, win, 1, sv->height, focused, app_search_pattern(v->app));
}

static void storage_draw_detail(struct view *v, WINDOW *win, int top)
{
	struct storage_view *sv = priv(v);
	sv->detail_frame = sv->frame;
	tree_draw_detail(sv->tree, win, top, sv->json_detail);
}

/* The command line with `FMT` filled with the room and the selected path. */
static void prompt_node(struct view *v, const char *cmd, const char *tail)
{
	struct storage_view *sv = priv(v);
	char *path = tree_selected_path(sv->tree);
	char *qr = cmd_quote(sv->room);
	char *qp = path ? cmd_quote(path) : NULL;
	struct buf b;
	buf_init(&b);
	if (qr && qp && buf_printf(&b, "%s %s %s%s", cmd, qr, qp, tail ? tail : ""))
		app_prompt(v->app, b.data);
	else
		app_message(v->app, true, "out of memory");
	buf_free(&b);
	free(qr);
	free(qp);
	free(path);
}

static void edit_set(struct view *v)
{
	struct storage_view *sv = priv(v);
	const struct lson_doc *d = tree_doc(sv->tree);
	int i = tree_selected(sv->tree);
	if (i <= 0) {
		app_message(v->app, false, "select a key or an item to set");
		return;
	}
	enum lson_type ty = d->nodes[i].type;
	char *cur = NULL;
	/* A scalar starts from its current value, ready to change. */
	if (ty == LSON_STRING || ty == LSON_NUMBER || ty == LSON_BOOL || ty == LSON_NULL)
		cur = lson_subtree_json(d, i, false, false);
	char *q = cur && strlen(cur) <= 200 ? cmd_quote(cur) : NULL;
	struct buf tail;
	buf_init(&tail);
	buf_printf(&tail, " %s", q ? q : "");
	prompt_node(v, "storage set", tail.data);
	buf_free(&tail);
	free(q);
	free(cur);
}

static void edit_insert(struct view *v)
{
	struct storage_view *sv = priv(v);
	const struct lson_doc *d = tree_doc(sv->tree);
	int i = tree_selected(sv->tree);
	if (i < 0)
		return;
	const struct lson_node *nd = &d->nodes[i];
	if (nd->type == LSON_LIVE_LIST) {
		prompt_node(v, "storage insert", " ");
		return;
	}
	if (nd->parent >= 0 && d->nodes[nd->parent].type == LSON_LIVE_LIST) {
		/* Before the selected item: the list's path and its index. */
		char *path = lson_path(d, nd->parent);
		char *qr = cmd_quote(sv->room);
		char *qp = path ? cmd_quote(path) : NULL;
		struct buf b;
		buf_init(&b);
		if (qr && qp &&
		    buf_printf(&b, "storage insert %s %s --at %d ", qr, qp, nd->index))
			app_prompt(v->app, b.data);
		buf_free(&b);
		free(qr);
		free(qp);
		free(path);
		return;
	}
	app_message(v->app, false, "select a LiveList or one of its items to insert");
}

static void edit_move(struct view *v)
{
	struct storage_view *sv = priv(v);
	const struct lson_doc *d = tree_doc(sv->tree);
	int i = tree_selected(sv->tree);
	if (i <= 0) {
		app_message(v->app, false, "select a key or an item to move");
		return;
	}
	/* The destination starts as the parent's path: type the new key or
	 * index after it. */
	char *parent = lson_path(d, d->nodes[i].parent);
	struct buf tail;
	buf_init(&tail);
	buf_printf(&tail, " %s/", parent ? parent : "");
	prompt_node(v, "storage move", tail.data);
	buf_free(&tail);
	free(parent);
}

static void copy(struct view *v, bool json)
{
	struct storage_view *sv = priv(v);
	char *text = json ? tree_selected_json(sv->tree, false) : tree_selected_path(sv->tree);
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
	struct storage_view *sv = priv(v);
	/* With the side pane on screen the JSON goes there; else a view of
	 * its own. */
	if (sv->detail_frame == sv->frame && sv->frame) {
		sv->json_detail = !sv->json_detail;
		return;
	}
	char *json = tree_selected_json(sv->tree, true);
	char *path = tree_selected_path(sv->tree);
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
	struct storage_view *sv = priv(v);
	char *path = tree_selected_path(sv->tree);
	char *log = tree_change_log(sv->tree, path ? path : "", now_ms());
	if (log && log[0]) {
		char title[512];
		snprintf(title, sizeof(title), "changes %s", path && path[0] ? path : "/");
		app_push(v->app, view_help_new(v->app, title, log));
	} else {
		app_message(v->app, false, "%s", sv->watch.on ? "no changes seen here yet"
							      : "no changes seen: press w to watch");
	}
	free(log);
	free(path);
}

static void toggle_format(struct view *v)
{
	struct storage_view *sv = priv(v);
	struct model *m = app_model(v->app);
	struct resource *r = model_storage(m, sv->room, !sv->simplified);
	if (!r) {
		app_message(v->app, true, "out of memory");
		return;
	}
	model_release(m, &sv->res);
	sv->res = r;
	sv->simplified = !sv->simplified;
	sv->untracked_next = true;
	sv->seen_any = false;
	model_need(m, r);
	take_doc(v);
	app_message(v->app, false, "%s", sv->simplified ? "simplified JSON (?format=json)"
							: "plain LSON");
}

static enum view_result storage_action(struct view *v, enum action a)
{
	struct storage_view *sv = priv(v);
	struct model *m = app_model(v->app);
	long long now = now_ms();

	if (tree_action(sv->tree, a, sv->height))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_REFRESH:
		model_refresh(m, sv->res);
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (sv->res->busy && !tree_doc(sv->tree)) {
			model_cancel(m, sv->res);
			app_message(v->app, false, "cancelled");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	case ACTION_WATCH:
		watch_toggle(&sv->watch, now);
		app_message(v->app, false, "%s", sv->watch.on ? "watching" : "watch off");
		return VIEW_HANDLED;
	case ACTION_WATCH_FASTER:
	case ACTION_WATCH_SLOWER: {
		char iv[32];
		watch_adjust(&sv->watch, a == ACTION_WATCH_FASTER ? 1 : -1, now);
		snprintf(iv, sizeof(iv), "%.2g", sv->watch.interval_ms / 1000.0);
		app_message(v->app, false, "watch interval %ss", iv);
		return VIEW_HANDLED;
	}
	case ACTION_TREE_JSON:
		if (tree_doc(sv->tree))
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
		tree_clear_marks(sv->tree);
		return VIEW_HANDLED;
	case ACTION_TOGGLE_FORMAT:
		toggle_format(v);
		return VIEW_HANDLED;
	case ACTION_STORAGE_SET:
		if (tree_doc(sv->tree))
			edit_set(v);
		return VIEW_HANDLED;
	case ACTION_STORAGE_INSERT:
		if (tree_doc(sv->tree))
			edit_insert(v);
		return VIEW_HANDLED;
	case ACTION_STORAGE_DELETE:
		if (tree_selected(sv->tree) > 0)
			prompt_node(v, "storage delete", NULL);
		else if (tree_doc(sv->tree))
			app_message(v->app, false, "select a key or an item to delete");
		return VIEW_HANDLED;
	case ACTION_STORAGE_MOVE:
		if (tree_doc(sv->tree))
			edit_move(v);
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
}

static void storage_changed(struct view *v, struct resource *r)
{
	struct storage_view *sv = priv(v);
	if (r != sv->res)
		return;
	watch_settled(&sv->watch, r, now_ms());
	take_doc(v);
}

static bool storage_search(struct view *v, const char *pattern, int dir)
{
	struct storage_view *sv = priv(v);
	return tree_search(sv->tree, pattern, dir, sv->height);
}

static const char *storage_current_room(struct view *v)
{
	return priv(v)->room;
}

static void storage_status(struct view *v, char *out, size_t n)
{
	struct storage_view *sv = priv(v);
	struct resource *r = sv->res;
	const struct lson_doc *d = tree_doc(sv->tree);
	char age[32], wd[64], marks[64] = "";
	if (!d) {
		snprintf(out, n, "%s", r->state == RES_ERROR ? "failed" : "loading");
		return;
	}
	watch_describe(&sv->watch, wd, sizeof(wd));
	if (tree_marks(sv->tree))
		snprintf(marks, sizeof(marks), " │ %zu changed (L log, M clear)",
			 tree_marks(sv->tree));
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%zu nodes%s%s%s │ %s%s ago", d->n, wd[0] ? " │ " : "", wd, marks,
		 r->state == RES_STALE ? "stale, " : "", age);
}

static struct resource *storage_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	return r->busy ? r : NULL;
}

static int storage_tick(struct view *v, long long now)
{
	struct storage_view *sv = priv(v);
	return watch_tick(&sv->watch, app_model(v->app), sv->res, now);
}

static void storage_free(struct view *v)
{
	struct storage_view *sv = priv(v);
	model_release(app_model(v->app), &sv->res);
	tree_free(&sv->tree);
	free(sv->room);
	free(sv);
	free(v);
}

static const struct view_ops storage_ops = {
	.name = "storage",
	.title = storage_title,
	.draw = storage_draw,
	.draw_detail = storage_draw_detail,
	.action = storage_action,
	.changed = storage_changed,
	.search = storage_search,
	.current_room = storage_current_room,
	.status = storage_status,
	.busy = storage_busy,
	.tick = storage_tick,
	.free = storage_free,
};

struct view *view_storage_new(struct app *app, const char *room, bool simplified, bool watch)
{
	struct view *v = calloc(1, sizeof(*v));
	struct storage_view *sv = calloc(1, sizeof(*sv));

	if (!v || !sv || !(sv->room = strdup(room)) || !(sv->tree = tree_new()))
		goto fail;
	sv->simplified = simplified;
	sv->res = model_storage(app_model(app), room, simplified);
	if (!sv->res)
		goto fail;
	model_need(app_model(app), sv->res);
	sv->height = 20;
	watch_init(&sv->watch, watch, now_ms());
	v->ops = &storage_ops;
	v->app = app;
	v->priv = sv;
	take_doc(v);
	return v;
fail:
	if (sv) {
		tree_free(&sv->tree);
		free(sv->room);
	}
	free(sv);
	free(v);
	return NULL;
}
