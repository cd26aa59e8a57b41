#include "lbconfig.h"

#include "treeview.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clipboard.h"
#include "draw.h"
#include "live_watch.h"
#include "model_storage.h"
#include "resview.h"
#include "term_safe.h"
#include "util.h"

struct treeview *treeview_of(struct view *v)
{
	return v->priv;
}

struct view *treeview_open(struct view *v, const char *loading, bool watch)
{
	if (!v)
		return NULL;
	struct treeview *tv = treeview_of(v);
	tv->loading = loading;
	if (!(tv->tree = tree_new())) {
		/* The view's own free: its struct may hold more than a treeview. */
		v->ops->free(v);
		return NULL;
	}
	if (watch && tv->live_room) {
		/* Storage comes over the socket: no re-read unless push fails. */
		tv->base.height = 20;
		watch_init(&tv->base.watch, false, now_ms());
		treeview_live_start(v);
		/* Taking the resource began a read the socket makes needless. */
		if (treeview_live_pushing(tv) && tv->base.res->busy)
			model_cancel(app_model(v->app), tv->base.res);
	} else {
		resview_start(v, watch);
	}
	treeview_take_doc(v);
	return v;
}

/* How long an empty document must stay empty, over more than one read,
 * before watch mode shows it. */
#define EMPTY_HOLD_MS 2000

/* Whether a document has nothing under its root. */
static bool doc_empty(const struct lson_doc *d)
{
	return d->n == 0 || d->nodes[0].n_children == 0;
}

/* Watch mode, an empty document over a full one: held back (true) until a
 * later read, EMPTY_HOLD_MS after the first, finds it empty still. */
static bool hold_empty(struct treeview *tv, const struct resource *r, long long now)
{
	const struct lson_doc *shown = tree_doc(tv->tree);
	if (!tv->base.watch.on || !shown || doc_empty(shown) || !doc_empty(model_document(r)) ||
	    tv->untracked_next) {
		tv->empty_held = false;
		return false;
	}
	if (!tv->empty_held) {
		tv->empty_held = true;
		tv->empty_since_ms = now;
		tv->empty_fetched_ms = r->fetched_ms;
		return true;
	}
	if (r->fetched_ms == tv->empty_fetched_ms || now - tv->empty_since_ms < EMPTY_HOLD_MS)
		return true;
	tv->empty_held = false;
	return false;
}

void treeview_take_doc(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	struct resource *r = tv->base.res;
	struct lson_doc *doc = model_document(r);
	if (treeview_live_pushing(tv)) {
		treeview_live_take(v);
		return;
	}
	if (!r->has_data || !doc)
		return;
	if (tv->seen_any && r->generation == tv->seen_gen)
		return;
	tv->seen_any = true;
	tv->seen_gen = r->generation;
	if (doc == tree_doc(tv->tree))
		return;
	if (hold_empty(tv, r, now_ms()))
		return;
	size_t len;
	const char *body = model_body(r, &len);
	uint64_t h = body ? tree_hash_bytes(body, len) : 0;
	if (tree_doc(tv->tree) && !tv->untracked_next && h == tv->body_hash && len == tv->body_len)
		return; /* the same text again */
	long long now = now_ms();
	bool track = tree_doc(tv->tree) != NULL && !tv->untracked_next;
	tree_set_doc(tv->tree, doc, track, now);
	tv->untracked_next = false;
	tv->body_hash = h;
	tv->body_len = len;
}

void treeview_draw(struct view *v, WINDOW *win, bool focused)
{
	struct treeview *tv = treeview_of(v);
	struct resource *r = tv->base.res;
	int h = getmaxy(win), w = getmaxx(win);

	tv->base.height = h > 1 ? h - 1 : 1;
	tv->width = w;
	treeview_take_doc(v);
	tree_expire(tv->tree, now_ms());
	if (!tree_doc(tv->tree)) {
		if (r->gone)
			draw_notice(win, "This room does not exist. Press q to go back.",
				    theme_attr(THEME_ERROR));
		else if (treeview_live_pushing(tv))
			draw_notice(win, "Loading Storage over the room's socket…",
				    theme_attr(THEME_LOADING));
		else
			resview_draw_pending(win, r, tv->loading);
		return;
	}
	char crumbs[1024], right[128], wd[64];
	tree_breadcrumbs(tv->tree, crumbs, sizeof(crumbs));
	if (!treeview_live_describe(tv, false, wd, sizeof(wd)))
		watch_describe(&tv->base.watch, wd, sizeof(wd));
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
	tree_draw(tv->tree, win, 1, tv->base.height, focused, app_search_pattern(v->app));
}

void treeview_draw_detail(struct view *v, WINDOW *win, int top)
{
	struct treeview *tv = treeview_of(v);
	tree_draw_detail(tv->tree, win, top, tv->json_detail);
}

static void copy(struct view *v, bool json)
{
	struct treeview *tv = treeview_of(v);
	char *text = json ? tree_selected_json(tv->tree, false) : tree_selected_path(tv->tree);
	if (!text)
		return;
	size_t len = strlen(text);
	int rc = clipboard_copy(text, len);
	if (rc == 0) {
		if (json)
			app_message(v->app, false, "copied %zu bytes of JSON", len);
		else
			app_message(v->app, false, "copied %s",
				    len ? text : "the root's path (empty)");
	} else if (rc == E2BIG) {
		app_message(v->app, true,
			    "could not copy: %zu bytes is too much for the terminal (at most %d)",
			    len, CLIPBOARD_MAX);
	} else if (rc == ENOMEM) {
		app_message(v->app, true, "could not copy: out of memory");
	} else {
		app_message(v->app, true, "could not copy: cannot write to the terminal: %s",
			    strerror(rc));
	}
	free(text);
}

static void show_json(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	/* With the side pane on screen the JSON goes there; else a view of
	 * its own. */
	if (app_detail_pane(v->app)) {
		tv->json_detail = !tv->json_detail;
		return;
	}
	char *json = tree_selected_json(tv->tree, true);
	char *path = tree_selected_path(tv->tree);
	if (json && path) {
		char title[512];
		snprintf(title, sizeof(title), "json %s", path[0] ? path : "/");
		app_push(v->app, view_help_new(v->app, title, json));
	}
	free(json);
	free(path);
}

static void show_value(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	const struct lson_doc *d = tree_doc(tv->tree);
	int i = tree_selected(tv->tree);
	char *path = tree_selected_path(tv->tree);
	if (path && i >= 0) {
		char title[512];
		snprintf(title, sizeof(title), "value %s", path[0] ? path : "/");
		app_push(v->app, view_pager_new(v->app, title, d->nodes[i].value));
	}
	free(path);
}

static void change_log(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	char *path = tree_selected_path(tv->tree);
	char *log = treeview_live_pushing(tv) ? treeview_live_log(tv, path ? path : "")
	                     : tree_change_log(tv->tree, path ? path : "", now_ms(), 0);
	if (log && log[0]) {
		char title[512];
		snprintf(title, sizeof(title), "changes %s", path && path[0] ? path : "/");
		app_push(v->app, view_help_new(v->app, title, log));
	} else {
		app_message(v->app, false, "%s",
			    tv->base.watch.on || tv->live ? "no changes seen here yet"
							  : "no changes seen: press w to watch");
	}
	free(log);
	free(path);
}

int treeview_tick(struct view *v, long long now)
{
	struct tree *t = treeview_of(v)->tree;
	int wait = resview_tick(v, now);
	size_t shown = tree_ghosts(t);
	int next = tree_expire(t, now);
	if (tree_ghosts(t) != shown)
		app_dirty(v->app);
	if (next >= 0 && (wait < 0 || next < wait))
		wait = next;
	struct treeview *tv = treeview_of(v);
	if (treeview_live_moving(tv, now)) {
		/* The rate and the sparkline move on each second. */
		int second = (int)(1000 - now % 1000);
		if (now / 1000 != tv->live_sec) {
			tv->live_sec = now / 1000;
			app_dirty(v->app);
		}
		if (wait < 0 || second < wait)
			wait = second;
	}
	return wait;
}

/* w on a tree that can be watched live: the room's socket on or off. */
static void toggle_live(struct view *v)
{
	struct treeview *tv = treeview_of(v);

	if (tv->live) {
		treeview_live_stop(v);
		app_message(v->app, false, "watch off");
		return;
	}
	if (treeview_live_start(v) && treeview_live_pushing(tv))
		app_message(v->app, false, "watching live (push)");
}

enum view_result treeview_action(struct view *v, enum action a)
{
	struct treeview *tv = treeview_of(v);

	if (tv->live_room && a == ACTION_WATCH) {
		toggle_live(v);
		return VIEW_HANDLED;
	}
	if (treeview_live_pushing(tv) && a == ACTION_REFRESH) {
		/* A re-read is a check of the live tree, not a replacement. */
		live_watch_verify(tv->live);
		app_message(v->app, false, "checking the live tree against a re-read…");
		return VIEW_HANDLED;
	}
	if (tree_action(tv->tree, a, tv->base.height) ||
	    resview_action(v, tv->base.res, a, !tree_doc(tv->tree)) == VIEW_HANDLED ||
	    resview_watch_action(v, &tv->base.watch, a, "watch") == VIEW_HANDLED)
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_ENTER:
		/* A container expands (tree_action); a value cut on its row
		 * opens whole. */
		if (tree_doc(tv->tree) && tree_selected_cut(tv->tree, tv->width))
			show_value(v);
		return VIEW_HANDLED;
	case ACTION_TREE_JSON:
		if (tree_doc(tv->tree))
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
		tree_clear_marks(tv->tree);
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
}

void treeview_changed(struct view *v, struct resource *r)
{
	if (!resview_settled(v, r))
		return;
	if (treeview_live_pushing(treeview_of(v)))
		treeview_live_reread(v);
	treeview_take_doc(v);
}

bool treeview_search(struct view *v, const char *pattern, int dir)
{
	struct treeview *tv = treeview_of(v);
	if (!tree_search(tv->tree, pattern, dir, tv->base.height))
		return false;
	size_t rank, total = tree_search_count(tv->tree, &rank);
	app_note(v->app, "match %zu of %zu", rank, total);
	return true;
}

void treeview_status(struct view *v, char *out, size_t n)
{
	struct treeview *tv = treeview_of(v);
	const struct lson_doc *d = tree_doc(tv->tree);
	char age[64], wd[80], marks[96] = "", deleted[32] = "", held[48] = "";
	if (!d && treeview_live_pushing(tv)) {
		snprintf(out, n, "%s", "loading over the room's socket");
		return;
	}
	if (resview_status_pending(tv->base.res, d != NULL, out, n))
		return;
	char live[300];
	bool is_live = treeview_live_describe(tv, true, live, sizeof(live));
	if (!is_live)
		resview_watch_status(&tv->base.watch, wd, sizeof(wd));
	else
		wd[0] = '\0';
	size_t changes = tree_change_count(tv->tree), ghosts = tree_ghosts(tv->tree);
	if (ghosts)
		snprintf(deleted, sizeof(deleted), ", %zu deleted", ghosts);
	if (changes || ghosts)
		snprintf(marks, sizeof(marks), " │ %zu change%s%s (L log, M clear)", changes,
		         changes == 1 ? "" : "s", deleted);
	if (tv->empty_held)
		snprintf(held, sizeof(held), " │ empty on the server? checking");
	if (treeview_live_pushing(tv)) {
		/* What is shown is as of the last op: no age. */
		snprintf(out, n, "%zu node%s%s%s │ %s", d->n, d->n == 1 ? "" : "s", held, marks, live);
		return;
	}
	resview_age(tv->base.res, age, sizeof(age));
	snprintf(out, n, "%zu node%s%s%s%s%s%s │ %s", d->n, d->n == 1 ? "" : "s", wd,
	         is_live ? " │ " : "", is_live ? live : "", held, marks, age);
}

void treeview_free(struct view *v)
{
	treeview_live_stop(v);
	tree_free(&treeview_of(v)->tree);
	resview_free(v);
}
