#include "lbconfig.h"

#include "resview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "term_safe.h"
#include "util.h"

struct resview *resview_of(struct view *v)
{
	return v->priv;
}

struct view *resview_new(struct app *app, const struct view_ops *ops, size_t size,
			 const char *room, struct resource *res)
{
	struct view *v = calloc(1, sizeof(*v));
	struct resview *rv = calloc(1, size);

	if (!v || !rv || !res || (room && !(rv->room = strdup(room)))) {
		model_release(app_model(app), &res);
		free(rv);
		free(v);
		return NULL;
	}
	rv->res = res;
	v->ops = ops;
	v->app = app;
	v->priv = rv;
	return v;
}

void resview_start(struct view *v, bool watch)
{
	struct resview *rv = resview_of(v);
	model_need(app_model(v->app), rv->res);
	rv->height = 20;
	watch_init(&rv->watch, watch, now_ms());
}

const char *resview_current_room(struct view *v)
{
	return resview_of(v)->room;
}

struct resource *resview_busy(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	return r->busy ? r : NULL;
}

int resview_tick(struct view *v, long long now)
{
	struct resview *rv = resview_of(v);
	return watch_tick(&rv->watch, app_model(v->app), rv->res, now);
}

bool resview_settled(struct view *v, struct resource *r)
{
	struct resview *rv = resview_of(v);
	if (r != rv->res)
		return false;
	watch_settled(&rv->watch, r, now_ms());
	return true;
}

void resview_list_init(struct view *v, int (*count)(const struct resource *r), list_id_fn id_of,
                       list_match_fn match, bool paged, const char *noun)
{
	struct reslist *l = &resview_of(v)->list;
	l->count = count;
	l->id_of = id_of;
	l->match = match;
	l->paged = paged;
	l->noun = noun;
}

int resview_list_count(struct view *v)
{
	struct resview *rv = resview_of(v);
	return rv->res->has_data ? rv->list.count(rv->res) : 0;
}

/* Where the item with ID id is now: at its old index when it is still
 * there (the usual case), else found by a walk; -1 when gone. */
static int find_item(const struct reslist *l, const struct resource *r, int n, const char *id,
                     int old)
{
	char buf[64];
	if (old >= 0 && old < n && !strcmp(l->id_of(r, old, buf, sizeof(buf)), id))
		return old;
	for (int i = 0; i < n; i++)
		if (!strcmp(l->id_of(r, i, buf, sizeof(buf)), id))
			return i;
	return -1;
}

/* Remember the item under the cursor. */
static void remember(struct reslist *l, const struct resource *r, int n)
{
	char buf[64];
	if (l->pos.cursor < 0 || l->pos.cursor >= n)
		return;
	const char *id = l->id_of(r, l->pos.cursor, buf, sizeof(buf));
	if (!l->sel_id || strcmp(l->sel_id, id)) {
		char *copy = strdup(id);
		if (!copy)
			return;
		free(l->sel_id);
		l->sel_id = copy;
	}
	l->sel_index = l->pos.cursor;
	l->sel_gen = r->generation;
	l->sel_known = true;
}

void resview_list_follow(struct view *v)
{
	struct resview *rv = resview_of(v);
	struct reslist *l = &rv->list;
	struct resource *r = rv->res;
	int n = resview_list_count(v);

	/* Nothing to show: the selection waits for the data to come back. */
	if (!l->id_of || n <= 0)
		return;
	if (l->sel_known && l->sel_id && r->generation != l->sel_gen) {
		int at = find_item(l, r, n, l->sel_id, l->sel_index);
		if (at < 0)
			at = l->sel_index < n ? l->sel_index : n - 1;
		/* The row stays where it was on the screen. */
		l->pos.top += at - l->pos.cursor;
		l->pos.cursor = at;
	}
	list_clamp(&l->pos, n, rv->height);
	remember(l, r, n);
}

int resview_list_selected(struct view *v)
{
	if (resview_list_count(v) == 0)
		return -1;
	resview_list_follow(v);
	return resview_of(v)->list.pos.cursor;
}

/* Ask for the next page, remembering that it is one (its answer may come
 * before model_more returns). */
static void ask_more(struct view *v, struct resource *r)
{
	struct resview *rv = resview_of(v);
	rv->page_loading = true;
	model_more(app_model(v->app), r);
	if (!r->busy || !r->paging)
		rv->page_loading = false;
}

/* Load the next page before the cursor gets near the end. */
static void load_ahead(struct view *v)
{
	struct resview *rv = resview_of(v);
	struct resource *r = rv->res;
	int n = resview_list_count(v);
	if (rv->list.paged && !rv->list.more_held && r->has_data && !r->complete && !r->paging &&
	    !r->busy && rv->list.pos.cursor + 2 * rv->height >= n)
		ask_more(v, r);
}

bool resview_list_move(struct view *v, enum action a)
{
	struct resview *rv = resview_of(v);
	struct reslist *l = &rv->list;
	struct resource *r = rv->res;

	resview_list_follow(v);
	if (!list_move(&l->pos, resview_list_count(v), rv->height, a))
		return false;
	l->to_end = l->paged && a == ACTION_MOVE_LAST && r->has_data && !r->complete;
	l->more_held = false;
	resview_list_follow(v);
	if (l->to_end && !r->busy)
		ask_more(v, r);
	else
		load_ahead(v);
	return true;
}

/* Loading to the end: the cursor goes with the last row; the next page
 * is asked for until there is none. False when that is over. */
static bool go_on_to_end(struct view *v, struct resource *r)
{
	struct resview *rv = resview_of(v);
	struct reslist *l = &rv->list;
	int n = resview_list_count(v);
	if (!l->to_end)
		return false;
	if (n > 0) {
		l->pos.cursor = n - 1;
		list_clamp(&l->pos, n, rv->height);
		remember(l, r, n);
	}
	if (r->complete || (r->err.status != LB_OK && !r->busy)) {
		l->to_end = false;
		return false;
	}
	if (!r->busy)
		ask_more(v, r);
	return true;
}

void resview_list_changed(struct view *v, struct resource *r)
{
	if (!resview_settled(v, r))
		return;
	struct resview *rv = resview_of(v);
	bool page_done = false;
	if (r->busy) {
		if (!rv->page_loading)
			rv->page_failed = false; /* a reload tries again */
	} else if (rv->page_loading) {
		rv->page_loading = false;
		rv->page_failed = r->err.status != LB_OK;
		page_done = true;
	}
	resview_list_follow(v);
	if (!rv->list.paged || go_on_to_end(v, r))
		return;
	/* After a failed page the next try waits for the user (a move, or r):
	 * asking again from here would repeat the failure without end. Each
	 * failed page is told, in case the last row is out of view, until r
	 * loads again. */
	if (r->err.status == LB_OK) {
		rv->page_failed = false;
		load_ahead(v);
	} else if (page_done && r->has_data && !r->complete) {
		char msg[700];
		lb_error_format(&r->err, msg, sizeof(msg));
		app_error_about(v->app, r,
		                "could not load more: %s — move down or press r to retry", msg);
	}
}

/* The matches of pattern in the list, counted once per pattern and
 * version of the data. False when out of memory. */
static bool count_hits(struct view *v, const char *pattern)
{
	struct resview *rv = resview_of(v);
	struct reslist *l = &rv->list;
	int n = resview_list_count(v);
	if (l->hits_pattern && !strcmp(l->hits_pattern, pattern) &&
	    l->hits_gen == rv->res->generation && l->hits_n == n)
		return true;
	free(l->hits_pattern);
	free(l->hits);
	l->hits = NULL;
	l->n_hits = 0;
	l->hits_pattern = strdup(pattern);
	int *hits = malloc(((size_t)n + 1) * sizeof(*hits));
	if (!l->hits_pattern || !hits) {
		free(hits);
		free(l->hits_pattern);
		l->hits_pattern = NULL;
		return false;
	}
	for (int i = 0; i < n; i++)
		if (l->match(rv->res, i, pattern))
			hits[l->n_hits++] = i;
	l->hits = hits;
	l->hits_gen = rv->res->generation;
	l->hits_n = n;
	return true;
}

/* The position in hits of the first match after (dir 1), before (-1) or
 * at or after (0) item from, wrapping around. */
static int next_hit(const struct reslist *l, int from, int dir)
{
	int lo = 0, hi = l->n_hits;
	/* lo: the first match at or after from */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (l->hits[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (dir < 0)
		return lo > 0 ? lo - 1 : l->n_hits - 1;
	if (dir > 0 && lo < l->n_hits && l->hits[lo] == from)
		lo++;
	return lo < l->n_hits ? lo : 0;
}

bool resview_list_search(struct view *v, const char *pattern, int dir)
{
	struct resview *rv = resview_of(v);
	struct reslist *l = &rv->list;
	struct resource *r = rv->res;

	resview_list_follow(v);
	if (!pattern[0] || !count_hits(v, pattern) || l->n_hits == 0)
		return false;
	int k = next_hit(l, l->pos.cursor, dir);
	l->pos.cursor = l->hits[k];
	list_clamp(&l->pos, resview_list_count(v), rv->height);
	resview_list_follow(v);
	if (l->paged && !r->complete)
		app_note(v->app, "match %d of %d in the %d %s loaded so far", k + 1, l->n_hits,
		         l->hits_n, l->noun);
	else
		app_note(v->app, "match %d of %d", k + 1, l->n_hits);
	l->more_held = false;
	load_ahead(v);
	return true;
}

bool resview_list_status_loading(struct view *v, char *out, size_t n)
{
	struct resview *rv = resview_of(v);
	if (!rv->list.to_end)
		return false;
	snprintf(out, n, "loading page %d… %d %s, Esc cancels", model_pages(rv->res) + 1,
	         resview_list_count(v), rv->list.noun);
	return true;
}

void resview_free(struct view *v)
{
	struct resview *rv = resview_of(v);
	model_release(app_model(v->app), &rv->res);
	free(rv->room);
	free(rv->list.sel_id);
	free(rv->list.hits_pattern);
	free(rv->list.hits);
	free(rv);
	free(v);
}

void resview_title(char *out, size_t n, const char *what, const char *room)
{
	char *safe = ts_sanitize(room, (size_t)-1);
	snprintf(out, n, "%s %s", what, safe ? safe : "");
	free(safe);
}

void resview_draw_pending(WINDOW *win, const struct resource *r, const char *loading)
{
	if (r->state == RES_ERROR) {
		char msg[700], line[800];
		lb_error_format(&r->err, msg, sizeof(msg));
		snprintf(line, sizeof(line), "%s — press r to retry", msg);
		draw_notice(win, line, theme_attr(THEME_ERROR));
	} else if (!r->busy && r->state == RES_EMPTY) {
		/* The load was cancelled before anything arrived. */
		draw_notice(win, "Not loaded — press r to load, q to go back",
			    theme_attr(THEME_MUTED));
	} else {
		draw_notice(win, loading, theme_attr(THEME_LOADING));
	}
}

void resview_draw_more(struct view *v, WINDOW *win, const char *more)
{
	struct resview *rv = resview_of(v);
	const struct resource *r = rv->res;
	int row = resview_list_count(v) - rv->list.pos.top;
	if (row >= rv->height || r->complete)
		return;
	if (!r->paging && rv->page_failed && r->err.status != LB_OK) {
		char msg[700], line[800];
		lb_error_format(&r->err, msg, sizeof(msg));
		snprintf(line, sizeof(line), "could not load more: %s — move down or press r to retry",
			 msg);
		draw_text(win, row + 1, 0, getmaxx(win), line, theme_attr(THEME_ERROR));
		return;
	}
	draw_text(win, row + 1, 0, getmaxx(win), r->paging ? more : "…", theme_attr(THEME_LOADING));
}

bool resview_status_pending(const struct resource *r, bool shown, char *out, size_t n)
{
	if (shown)
		return false;
	snprintf(out, n, "%s",
	         r->state == RES_ERROR               ? "failed"
	         : !r->busy && r->state == RES_EMPTY ? "not loaded"
	                                             : "loading");
	return true;
}

void resview_age(const struct resource *r, char *out, size_t n)
{
	char age[32];
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%s%s ago", r->state == RES_STALE ? "stale, " : "", age);
}

void resview_watch_status(const struct watch *w, char *out, size_t n)
{
	char wd[64];
	watch_describe(w, wd, sizeof(wd));
	snprintf(out, n, "%s%s", wd[0] ? " │ " : "", wd);
}

enum view_result resview_action(struct view *v, struct resource *r, enum action a, bool cancel)
{
	struct model *m = app_model(v->app);

	struct reslist *l = &resview_of(v)->list;

	switch (a) {
	case ACTION_REFRESH:
		l->more_held = false;
		model_refresh(m, r);
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (l->to_end) {
			/* The cursor stays on the last row loaded; no page is asked
			 * for again until the user moves. */
			l->to_end = false;
			l->more_held = true;
			if (r->paging)
				model_cancel(m, r);
			app_message(v->app, false,
			            "stopped loading at %d %s — move down to load more",
			            resview_list_count(v), l->noun);
			return VIEW_HANDLED;
		}
		if (cancel && r->busy) {
			model_cancel(m, r);
			app_message(v->app, false, "cancelled");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	default:
		return VIEW_IGNORED;
	}
}

enum view_result resview_watch_action(struct view *v, struct watch *w, enum action a,
				      const char *interval)
{
	long long now = now_ms();

	switch (a) {
	case ACTION_WATCH:
		watch_toggle(w, now);
		app_message(v->app, false, "%s", w->on ? "watching" : "watch off");
		return VIEW_HANDLED;
	case ACTION_WATCH_FASTER:
	case ACTION_WATCH_SLOWER: {
		char iv[32];
		if (!interval)
			return VIEW_IGNORED;
		watch_adjust(w, a == ACTION_WATCH_FASTER ? 1 : -1, now);
		snprintf(iv, sizeof(iv), "%.2g", w->interval_ms / 1000.0);
		app_message(v->app, false, "%s interval %ss", interval, iv);
		return VIEW_HANDLED;
	}
	default:
		return VIEW_IGNORED;
	}
}

void resview_command(struct view *v, const char *fmt, const char *a, const char *b, bool run)
{
	char *qa = a ? cmd_quote(a) : NULL;
	char *qb = b ? cmd_quote(b) : NULL;
	char line[1024];
	snprintf(line, sizeof(line), fmt, qa ? qa : "", qb ? qb : "");
	free(qa);
	free(qb);
	if (run)
		app_command(v->app, line);
	else
		app_prompt(v->app, line);
}
