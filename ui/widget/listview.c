#include "lbconfig.h"

#include "listview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "term_safe.h"

/* Rows the wheel scrolls at a time. */
#define WHEEL_ROWS 3

struct listview *listview_of(struct view *v)
{
	return v->priv;
}

struct view *listview_new(struct app *app, const struct view_ops *ops,
                          const struct listview_spec *spec, size_t size,
                          const struct scope *scope, struct resource *res)
{
	struct view *v = resview_new(app, ops, size, scope, res);
	if (v) {
		struct listview *lv = listview_of(v);
		lv->spec = spec;
		lv->sort = -1;
		lv->base.height = 20;
	}
	return v;
}

static const struct list_table *table(const struct listview *lv)
{
	return lv->spec->table;
}

/* Every item of the resource, shown or not. */
static int items(const struct listview *lv)
{
	const struct resource *r = lv->base.res;
	return r->has_data ? table(lv)->count(r) : 0;
}

static bool filtered(const struct listview *lv)
{
	return lv->filter != NULL || lv->keep != NULL;
}

/* The rows follow the order of the pages: the next page goes below. */
static bool in_server_order(const struct listview *lv)
{
	return lv->sort < 0 && !filtered(lv);
}

/* Make the rows again when the data, the sort or the filter changed. In
 * the server's order a row is its item: no array is kept, so a list that
 * grows a page at a time costs nothing per page. A sorted or filtered
 * list loading every page (G) keeps its rows until the last page is in
 * rather than sort the whole list again for each. */
static void rows_update(struct listview *lv)
{
	const struct resource *r = lv->base.res;
	int n = items(lv);

	if (lv->rows_built && !lv->rows_stale &&
	    ((lv->rows_gen == r->generation && lv->rows_items == n) ||
	     (lv->to_end && lv->rows && n >= lv->rows_items && !model_complete(r))))
		return;
	int *rows = NULL;
	int shown = n;
	if (!in_server_order(lv) && n > 0) {
		struct list_order o = {.sort = lv->sort,
		                       .descending = lv->descending,
		                       .filter = lv->filter,
		                       .keep = lv->keep,
		                       .keep_ud = lv->keep_ud};
		shown = list_rows(table(lv), r, &o, &rows);
	}
	free(lv->rows);
	lv->rows = rows;
	/* Out of memory: no rows until the next try. */
	lv->n_rows = shown < 0 ? 0 : shown;
	lv->rows_built = shown >= 0;
	lv->rows_stale = false;
	lv->rows_gen = r->generation;
	lv->rows_items = n;
	lv->rows_version++;
}

static const void *row_item(const struct listview *lv, int row)
{
	return table(lv)->item(lv->base.res, lv->rows ? lv->rows[row] : row);
}

static const char *row_id(const struct listview *lv, int row, char *buf, size_t n)
{
	return table(lv)->id(row_item(lv, row), buf, n);
}

/* Where the item with ID id is now: at its old row when it is still
 * there (the usual case), else found by a walk; -1 when it is not shown. */
static int find_row(const struct listview *lv, const char *id, int old)
{
	char buf[64];
	if (old >= 0 && old < lv->n_rows && !strcmp(row_id(lv, old, buf, sizeof(buf)), id))
		return old;
	for (int i = 0; i < lv->n_rows; i++)
		if (!strcmp(row_id(lv, i, buf, sizeof(buf)), id))
			return i;
	return -1;
}

/* Remember the item under the cursor. */
static void remember(struct listview *lv)
{
	char buf[64];
	if (lv->pos.cursor < 0 || lv->pos.cursor >= lv->n_rows)
		return;
	const char *id = row_id(lv, lv->pos.cursor, buf, sizeof(buf));
	if (!lv->sel_id || strcmp(lv->sel_id, id)) {
		char *copy = strdup(id);
		if (!copy)
			return;
		free(lv->sel_id);
		lv->sel_id = copy;
	}
	lv->sel_index = lv->pos.cursor;
	lv->sel_version = lv->rows_version;
	lv->sel_known = true;
}

/* After the rows changed: the cursor goes back to the item it was on (by
 * its ID), or when that is gone to the one that took its place (the one
 * before when it was the last); then the item under the cursor is
 * remembered. Called before anything uses the cursor. */
static void follow(struct listview *lv)
{
	rows_update(lv);
	int n = lv->n_rows;
	/* Nothing to show: the selection waits for rows to come back. */
	if (n <= 0)
		return;
	if (lv->sel_known && lv->sel_id && lv->rows_version != lv->sel_version) {
		int at = find_row(lv, lv->sel_id, lv->sel_index);
		if (at < 0)
			at = lv->sel_index < n ? lv->sel_index : n - 1;
		/* The row stays where it was on the screen. */
		lv->pos.top += at - lv->pos.cursor;
		lv->pos.cursor = at;
	}
	list_clamp(&lv->pos, n, lv->base.height);
	remember(lv);
}

const void *listview_selected(struct view *v)
{
	struct listview *lv = listview_of(v);
	follow(lv);
	return lv->n_rows > 0 ? row_item(lv, lv->pos.cursor) : NULL;
}

bool listview_selected_id(struct view *v, char *out, size_t n)
{
	const void *item = listview_selected(v);
	const char *id = item ? table(listview_of(v))->id(item, out, n) : NULL;

	if (!id || !*id)
		return false;
	if (id != out)
		snprintf(out, n, "%s", id);
	return true;
}

/* Ask for the next page, remembering that it is one (its answer may come
 * before model_more returns). */
static void ask_more(struct view *v, struct resource *r)
{
	struct listview *lv = listview_of(v);
	lv->page_loading = true;
	model_more(app_model(v->app), r);
	if (!r->busy || !model_paging(r))
		lv->page_loading = false;
}

/* Load the next page before the cursor gets near the end (of the rows in
 * the server's order: sorted or filtered rows have no such end). */
static void load_ahead(struct view *v)
{
	struct listview *lv = listview_of(v);
	struct resource *r = lv->base.res;
	if (lv->spec->paged && in_server_order(lv) && !lv->more_held && r->has_data &&
	    !model_complete(r) && !model_paging(r) && !r->busy &&
	    lv->pos.cursor + 2 * lv->base.height >= lv->n_rows)
		ask_more(v, r);
}

static bool move_cursor(struct view *v, enum action a)
{
	struct listview *lv = listview_of(v);
	struct resource *r = lv->base.res;

	follow(lv);
	if (!list_move(&lv->pos, lv->n_rows, lv->base.height, a))
		return false;
	lv->to_end = lv->spec->paged && a == ACTION_MOVE_LAST && r->has_data && !model_complete(r);
	lv->more_held = false;
	follow(lv);
	if (lv->to_end && !r->busy)
		ask_more(v, r);
	else
		load_ahead(v);
	return true;
}

/* Loading to the end: the cursor goes with the last row; the next page
 * is asked for until there is none. False when that is over. */
static bool go_on_to_end(struct view *v, struct resource *r)
{
	struct listview *lv = listview_of(v);
	if (!lv->to_end)
		return false;
	if (lv->n_rows > 0) {
		lv->pos.cursor = lv->n_rows - 1;
		list_clamp(&lv->pos, lv->n_rows, lv->base.height);
		remember(lv);
	}
	if (model_complete(r) || (r->err.status != LB_OK && !r->busy)) {
		lv->to_end = false;
		return false;
	}
	if (!r->busy)
		ask_more(v, r);
	return true;
}

void listview_changed(struct view *v, struct resource *r)
{
	if (!resview_settled(v, r))
		return;
	struct listview *lv = listview_of(v);
	bool page_done = false;
	if (r->busy) {
		if (!lv->page_loading)
			lv->page_failed = false; /* a reload tries again */
	} else if (lv->page_loading) {
		lv->page_loading = false;
		lv->page_failed = r->err.status != LB_OK;
		page_done = true;
	}
	follow(lv);
	if (!lv->spec->paged || go_on_to_end(v, r))
		return;
	/* After a failed page the next try waits for the user (a move, or r):
	 * asking again from here would repeat the failure without end. Each
	 * failed page is told, in case the last row is out of view, until r
	 * loads again. */
	if (r->err.status == LB_OK) {
		lv->page_failed = false;
		load_ahead(v);
	} else if (page_done && r->has_data && !model_complete(r)) {
		char msg[700];
		lb_error_format(&r->err, msg, sizeof(msg));
		app_error_about(v->app, r,
		                "could not load more: %s — move down or press r to retry", msg);
	}
}

/* ---- sort and filter ------------------------------------------------------ */

/* "loaded so far" while pages remain: sorting and filtering see only those. */
static bool partial(const struct listview *lv)
{
	return lv->spec->paged && !model_complete(lv->base.res);
}

static void sort_by(struct view *v, int col, bool descending)
{
	struct listview *lv = listview_of(v);
	follow(lv);
	lv->sort = col;
	lv->descending = col >= 0 && descending;
	lv->rows_stale = true;
	follow(lv);
	if (col < 0) {
		app_note(v->app, "in the server's order");
		return;
	}
	const char *how = lv->descending ? "descending" : "ascending";
	const char *title = table(lv)->cols[col].title;
	if (partial(lv))
		app_note(v->app, "sorted by %s, %s: the %d %s loaded so far (G loads the rest)",
		         title, how, items(lv), lv->spec->noun);
	else
		app_note(v->app, "sorted by %s, %s", title, how);
}

void listview_filter(struct view *v, const char *text)
{
	struct listview *lv = listview_of(v);
	bool had = lv->filter != NULL;

	follow(lv);
	free(lv->filter);
	lv->filter = text && text[0] ? strdup(text) : NULL;
	lv->rows_stale = true;
	follow(lv);
	if (lv->filter) {
		char *safe = ts_sanitize(lv->filter, (size_t)-1);
		app_note(v->app, "filter: %s (%d of %d%s)", safe ? safe : "", lv->n_rows, items(lv),
		         partial(lv) ? " loaded" : "");
		free(safe);
	} else if (had) {
		app_note(v->app, "filter cleared: every row is shown");
	}
}

/* ---- keys ------------------------------------------------------------------ */

enum view_result listview_action(struct view *v, enum action a)
{
	struct listview *lv = listview_of(v);
	struct resource *r = lv->base.res;

	if (move_cursor(v, a))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_SORT_PREV:
	case ACTION_SORT_NEXT:
		sort_by(v,
		        list_sort_step(lv->sort, table(lv)->n_cols, a == ACTION_SORT_NEXT ? 1 : -1),
		        false);
		return VIEW_HANDLED;
	case ACTION_SORT_INVERT:
		if (lv->sort < 0)
			app_note(v->app, "no sort column: < or > chooses one");
		else
			sort_by(v, lv->sort, !lv->descending);
		return VIEW_HANDLED;
	case ACTION_FILTER:
		app_filter_prompt(v->app, lv->filter);
		return VIEW_HANDLED;
	case ACTION_REFRESH:
		lv->more_held = false;
		break;
	case ACTION_BACK:
		if (lv->to_end) {
			/* The cursor stays on the last row loaded; no page is asked
			 * for again until the user moves. */
			lv->to_end = false;
			lv->more_held = true;
			if (model_paging(r))
				model_cancel(app_model(v->app), r);
			app_message(v->app, false,
			            "stopped loading at %d %s — move down to load more", items(lv),
			            lv->spec->noun);
			return VIEW_HANDLED;
		}
		if (lv->filter) {
			listview_filter(v, NULL);
			return VIEW_HANDLED;
		}
		break;
	default:
		break;
	}
	if (lv->spec->watch &&
	    resview_watch_action(v, &lv->base.watch, a, lv->spec->watch_interval) == VIEW_HANDLED)
		return VIEW_HANDLED;
	return resview_action(v, r, a, lv->spec->cancel_reload || !r->has_data);
}

/* ---- search ---------------------------------------------------------------- */

/* The rows that match pattern, counted once per pattern and version of
 * the rows. False when out of memory. */
static bool count_hits(struct listview *lv, const char *pattern)
{
	if (lv->hits_pattern && !strcmp(lv->hits_pattern, pattern) &&
	    lv->hits_version == lv->rows_version)
		return true;
	free(lv->hits_pattern);
	free(lv->hits);
	lv->hits = NULL;
	lv->n_hits = 0;
	lv->hits_pattern = strdup(pattern);
	int *hits = malloc(((size_t)lv->n_rows + 1) * sizeof(*hits));
	if (!lv->hits_pattern || !hits) {
		free(hits);
		free(lv->hits_pattern);
		lv->hits_pattern = NULL;
		return false;
	}
	for (int i = 0; i < lv->n_rows; i++)
		if (list_item_matches(table(lv), row_item(lv, i), pattern))
			hits[lv->n_hits++] = i;
	lv->hits = hits;
	lv->hits_version = lv->rows_version;
	return true;
}

/* The position in hits of the first match after (dir 1), before (-1) or
 * at or after (0) row from, wrapping around. */
static int next_hit(const struct listview *lv, int from, int dir)
{
	int lo = 0, hi = lv->n_hits;
	/* lo: the first match at or after from */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (lv->hits[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (dir < 0)
		return lo > 0 ? lo - 1 : lv->n_hits - 1;
	if (dir > 0 && lo < lv->n_hits && lv->hits[lo] == from)
		lo++;
	return lo < lv->n_hits ? lo : 0;
}

bool listview_search(struct view *v, const char *pattern, int dir)
{
	struct listview *lv = listview_of(v);

	follow(lv);
	if (!pattern[0] || !count_hits(lv, pattern) || lv->n_hits == 0)
		return false;
	int k = next_hit(lv, lv->pos.cursor, dir);
	lv->pos.cursor = lv->hits[k];
	list_clamp(&lv->pos, lv->n_rows, lv->base.height);
	remember(lv);
	if (filtered(lv))
		app_note(v->app, "match %d of %d in the %d %s shown", k + 1, lv->n_hits, lv->n_rows,
		         lv->spec->noun);
	else if (partial(lv))
		app_note(v->app, "match %d of %d in the %d %s loaded so far", k + 1, lv->n_hits,
		         lv->n_rows, lv->spec->noun);
	else
		app_note(v->app, "match %d of %d", k + 1, lv->n_hits);
	lv->more_held = false;
	load_ahead(v);
	return true;
}

/* ---- drawing --------------------------------------------------------------- */

/* The widest whole text of column c among the rows on screen. */
static int widest_on_screen(const struct listview *lv, int c, char *buf)
{
	const struct list_column *col = &table(lv)->cols[c];
	int widest = 0;
	for (int row = lv->pos.top; row < lv->n_rows && row < lv->pos.top + lv->base.height;
	     row++) {
		int w = draw_width(col->text(row_item(lv, row), 0, buf, LIST_TEXT_MAX));
		if (w > widest)
			widest = w;
	}
	return widest;
}

/* Share w columns among the table's columns by priority. A column that
 * fits its text (an ID) wants its widest text on screen, but however
 * long that is it leaves room for the columns of the next priority (the
 * date beside an ID). The sort column stays as long as the first: the
 * header shows which column sorts. */
static void fit_columns(const struct listview *lv, int w, struct column *cols, char *buf)
{
	const struct list_table *t = table(lv);
	int next = 0;
	for (int c = 0; c < t->n_cols; c++)
		if (t->cols[c].prio == 1)
			next += t->cols[c].min + 1;
	for (int c = 0; c < t->n_cols; c++) {
		const struct list_column *col = &t->cols[c];
		int want = col->want;
		int title = draw_width(col->title) + (c == lv->sort ? 1 : 0);
		if (col->fit) {
			int widest = widest_on_screen(lv, c, buf);
			if (widest > want)
				want = widest;
			if (col->prio == 0 && want > w - next)
				want = w - next > col->min ? w - next : col->min;
		}
		if (title > want)
			want = title;
		cols[c] = (struct column){.want = want,
		                          .min = col->min,
		                          .prio = c == lv->sort ? 0 : col->prio,
		                          .rest = col->rest};
	}
	columns_fit(cols, t->n_cols, w);
}

/* The header: each title, the sort column's marked with its direction. */
static void draw_header(struct listview *lv, WINDOW *win, const struct column *cols)
{
	const struct list_table *t = table(lv);
	struct cell head[LIST_MAX_COLS];
	char sorted[64];

	for (int c = 0; c < t->n_cols; c++) {
		head[c] = (struct cell){t->cols[c].title, cols[c].width, THEME_HEADER, false};
		if (c != lv->sort || cols[c].width <= 0)
			continue;
		/* The arrow stays when the title must be cut. */
		char fit[48];
		ts_fit(t->cols[c].title, cols[c].width - 1, fit, sizeof(fit));
		snprintf(sorted, sizeof(sorted), "%s%s", cols[c].width > 1 ? fit : "",
		         lv->descending ? "▼" : "▲");
		head[c].text = sorted;
		head[c].el = THEME_HEADER_SORT;
	}
	draw_cells(win, 0, head, t->n_cols, 0);
	/* Where each cell went, as draw_cells places them. */
	int x = 0, w = getmaxx(win);
	for (int c = 0; c < t->n_cols; c++) {
		lv->col_x[c] = x;
		lv->col_w[c] = cols[c].width > 0 && x < w ? cols[c].width : 0;
		if (lv->col_w[c] > 0)
			x += cols[c].width + 1;
	}
}

/* Whether the whole text of a cell holds pattern (it is drawn as a match). */
static bool cell_matches(const struct list_column *col, const void *item, const char *pattern,
                         char *buf)
{
	return pattern && pattern[0] && strcasestr(col->text(item, 0, buf, LIST_TEXT_MAX), pattern);
}

static void draw_row(struct view *v, WINDOW *win, int y, int row, const struct column *cols,
                     attr_t attr, char *texts, char *scratch)
{
	struct listview *lv = listview_of(v);
	const struct list_table *t = table(lv);
	const void *item = row_item(lv, row);
	const char *pattern = app_search_pattern(v->app);
	struct cell cells[LIST_MAX_COLS];
	bool tagged = lv->spec->taggable && listview_is_tagged(v, item);

	for (int c = 0; c < t->n_cols; c++) {
		const struct list_column *col = &t->cols[c];
		enum theme_element el = lv->spec->element ? lv->spec->element(v, c, item) : col->el;
		if (cols[c].width > 0 && cell_matches(col, item, pattern, scratch))
			el = THEME_MATCH;
		const char *text = cols[c].width > 0
		                       ? col->text(item, cols[c].width,
		                                   texts + (size_t)c * LIST_TEXT_MAX, LIST_TEXT_MAX)
		                       : "";
		if (lv->spec->taggable && !strcmp(col->name, "tag")) {
			text = tagged ? "*" : "";
			el = THEME_TAGGED;
		} else if (tagged && el != THEME_MATCH) {
			el = THEME_TAGGED;
		}
		cells[c] = (struct cell){text, cols[c].width, el, col->middle};
	}
	draw_cells(win, y, cells, t->n_cols, attr);
}

/* Below the last row of a paged list in the server's order, when more
 * pages remain: the spec's loading_more while one loads, else "…". */
static void draw_more(struct listview *lv, WINDOW *win)
{
	const struct resource *r = lv->base.res;
	int row = lv->n_rows - lv->pos.top;
	if (!lv->spec->paged || !in_server_order(lv) || row >= lv->base.height || model_complete(r))
		return;
	if (!model_paging(r) && lv->page_failed && r->err.status != LB_OK) {
		char msg[700], line[800];
		lb_error_format(&r->err, msg, sizeof(msg));
		snprintf(line, sizeof(line),
		         "could not load more: %s — move down or press r to retry", msg);
		draw_text(win, row + 1, 0, getmaxx(win), line, theme_attr(THEME_ERROR));
		return;
	}
	draw_text(win, row + 1, 0, getmaxx(win), model_paging(r) ? lv->spec->loading_more : "…",
	          theme_attr(THEME_LOADING));
}

static void draw_empty(struct view *v, WINDOW *win)
{
	struct listview *lv = listview_of(v);
	char line[512];
	if (items(lv) == 0) {
		lv->spec->empty(v, line, sizeof(line));
	} else {
		char *safe = ts_sanitize(lv->filter ? lv->filter : "", (size_t)-1);
		snprintf(line, sizeof(line), "No %s contain \"%s\" — Esc clears the filter",
		         lv->spec->noun, safe ? safe : "");
		free(safe);
	}
	draw_notice(win, line, theme_attr(THEME_MUTED));
}

void listview_draw(struct view *v, WINDOW *win, bool focused)
{
	struct listview *lv = listview_of(v);
	const struct resource *r = lv->base.res;
	int h = getmaxy(win), w = getmaxx(win);

	lv->base.height = h > 1 ? h - 1 : 1;
	memset(lv->col_w, 0, sizeof(lv->col_w));
	if (!r->has_data) {
		resview_draw_pending(win, r, lv->spec->loading);
		return;
	}
	follow(lv);
	int n_cols = table(lv)->n_cols;
	/* A buffer for each column's text, one to look for matches in. */
	char *texts = malloc((size_t)(n_cols + 1) * LIST_TEXT_MAX);
	if (!texts)
		return;
	char *scratch = texts + (size_t)n_cols * LIST_TEXT_MAX;
	struct column cols[LIST_MAX_COLS];
	fit_columns(lv, w, cols, scratch);
	draw_header(lv, win, cols);
	if (lv->n_rows == 0) {
		draw_empty(v, win);
	} else {
		for (int y = 0; y < lv->base.height && lv->pos.top + y < lv->n_rows; y++) {
			int row = lv->pos.top + y;
			draw_row(v, win, y + 1, row, cols, list_row_attr(&lv->pos, row, focused),
			         texts, scratch);
		}
		draw_more(lv, win);
	}
	free(texts);
}

/* ---- status ---------------------------------------------------------------- */

void listview_status(struct view *v, char *out, size_t n)
{
	struct listview *lv = listview_of(v);
	struct resource *r = lv->base.res;
	char head[256], filter[320] = "", sorted[96] = "", wd[80] = "", age[64];

	if (resview_status_pending(r, r->has_data, out, n))
		return;
	follow(lv);
	if (lv->to_end) {
		snprintf(out, n, "loading page %d… %d %s, Esc cancels", model_pages(r) + 1,
		         items(lv), lv->spec->noun);
		return;
	}
	if (lv->spec->count_status)
		lv->spec->count_status(v, head, sizeof(head));
	else
		snprintf(head, sizeof(head), "%d%s %s", items(lv), model_complete(r) ? "" : "+",
		         lv->spec->noun);
	if (lv->filter) {
		char *safe = ts_sanitize(lv->filter, (size_t)-1);
		snprintf(filter, sizeof(filter), " │ filter: %.200s (%d of %d%s)", safe ? safe : "",
		         lv->n_rows, items(lv), partial(lv) ? " loaded" : "");
		free(safe);
	}
	if (lv->sort >= 0 && partial(lv))
		snprintf(sorted, sizeof(sorted), " │ sorted: the %d loaded (G loads all)",
		         items(lv));
	if (lv->spec->watch)
		resview_watch_status(&lv->base.watch, wd, sizeof(wd));
	resview_age(r, age, sizeof(age));
	snprintf(out, n, "%s%s%s%s │ %s", head, filter, sorted, wd, age);
}

/* ---- the mouse ------------------------------------------------------------- */

/* The column drawn at x of the header (the space after a cell counts as
 * its own), -1 when none. */
static int column_at(const struct listview *lv, int x)
{
	for (int c = 0; c < table(lv)->n_cols; c++)
		if (lv->col_w[c] > 0 && x >= lv->col_x[c] && x <= lv->col_x[c] + lv->col_w[c])
			return c;
	return -1;
}

/* The wheel moves what is shown by rows (up when negative); the cursor
 * stays on its row while that is on screen, else on the nearest one. */
static void scroll_rows(struct view *v, int rows)
{
	struct listview *lv = listview_of(v);
	struct list_pos *p = &lv->pos;
	int h = lv->base.height;

	p->top += rows;
	if (p->top > lv->n_rows - h)
		p->top = lv->n_rows - h;
	if (p->top < 0)
		p->top = 0;
	if (p->cursor < p->top)
		p->cursor = p->top;
	if (p->cursor >= p->top + h)
		p->cursor = p->top + h - 1;
	list_clamp(p, lv->n_rows, h);
	remember(lv);
	lv->more_held = false;
	load_ahead(v);
}

enum view_result listview_mouse(struct view *v, const struct mouse_event *ev)
{
	struct listview *lv = listview_of(v);

	if (!lv->base.res->has_data)
		return VIEW_IGNORED;
	follow(lv);
	if (ev->kind == MOUSE_WHEEL_UP || ev->kind == MOUSE_WHEEL_DOWN) {
		scroll_rows(v, ev->kind == MOUSE_WHEEL_UP ? -WHEEL_ROWS : WHEEL_ROWS);
		return VIEW_HANDLED;
	}
	if (ev->y == 0) {
		/* A title sorts by its column; again, the other way. */
		int c = column_at(lv, ev->x);
		if (c < 0)
			return VIEW_IGNORED;
		sort_by(v, c, c == lv->sort ? !lv->descending : false);
		return VIEW_HANDLED;
	}
	int row = lv->pos.top + ev->y - 1;
	if (row < 0 || row >= lv->n_rows)
		return VIEW_IGNORED;
	lv->pos.cursor = row;
	list_clamp(&lv->pos, lv->n_rows, lv->base.height);
	remember(lv);
	lv->more_held = false;
	load_ahead(v);
	if (ev->kind == MOUSE_DOUBLE_CLICK)
		v->ops->action(v, ACTION_ENTER);
	return VIEW_HANDLED;
}

/* ---- export ---------------------------------------------------------------- */

bool listview_export(struct view *v, const char *path, bool force, char *done, size_t n,
                     struct lb_error *err)
{
	struct listview *lv = listview_of(v);

	if (!lv->base.res->has_data) {
		lb_error_set(err, LB_USAGE, "nothing to export yet: the %s have not loaded",
		             lv->spec->noun);
		return false;
	}
	follow(lv);
	if (!list_export_file(table(lv), lv->base.res, lv->rows, lv->n_rows, path, force, err))
		return false;
	snprintf(done, n, "wrote %d %s to %s%s", lv->n_rows, lv->n_rows == 1 ? "row" : "rows", path,
	         partial(lv) ? " (of the pages loaded so far: G loads the rest)" : "");
	return true;
}

void listview_keep(struct view *v, bool (*keep)(const void *item, void *ud), void *ud)
{
	struct listview *lv = listview_of(v);

	follow(lv);
	lv->keep = keep;
	lv->keep_ud = ud;
	lv->rows_stale = true;
	follow(lv);
}

int listview_rows(struct view *v)
{
	struct listview *lv = listview_of(v);

	if (!lv->base.res->has_data)
		return 0;
	follow(lv);
	return lv->n_rows;
}

const void *listview_row_item(struct view *v, int row)
{
	struct listview *lv = listview_of(v);

	return row >= 0 && row < lv->n_rows ? row_item(lv, row) : NULL;
}

/* ---- tags ------------------------------------------------------------------ */

/* Where id is in the sorted tags, or where it would go (*found false). */
static size_t tag_find(const struct listview *lv, const char *id, bool *found)
{
	size_t lo = 0, hi = lv->n_tags;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(lv->tags[mid], id);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool listview_is_tagged(struct view *v, const void *item)
{
	struct listview *lv = listview_of(v);
	char buf[LIST_TEXT_MAX];
	bool found = false;

	if (item && lv->n_tags)
		tag_find(lv, table(lv)->id(item, buf, sizeof(buf)), &found);
	return found;
}

bool listview_tag_set(struct view *v, const void *item, bool tagged)
{
	struct listview *lv = listview_of(v);
	char buf[LIST_TEXT_MAX];
	bool found;

	if (!item)
		return true;
	const char *id = table(lv)->id(item, buf, sizeof(buf));
	size_t at = tag_find(lv, id, &found);
	if (found == tagged)
		return true;
	if (!tagged) {
		free(lv->tags[at]);
		memmove(lv->tags + at, lv->tags + at + 1, (lv->n_tags - at - 1) * sizeof(*lv->tags));
		lv->n_tags--;
		return true;
	}
	if (lv->n_tags == lv->cap_tags) {
		size_t cap = lv->cap_tags ? lv->cap_tags * 2 : 16;
		char **more = realloc(lv->tags, cap * sizeof(*more));
		if (!more)
			return false;
		lv->tags = more;
		lv->cap_tags = cap;
	}
	char *copy = strdup(id);
	if (!copy)
		return false;
	memmove(lv->tags + at + 1, lv->tags + at, (lv->n_tags - at) * sizeof(*lv->tags));
	lv->tags[at] = copy;
	lv->n_tags++;
	return true;
}

void listview_untag_all(struct view *v)
{
	struct listview *lv = listview_of(v);

	for (size_t i = 0; i < lv->n_tags; i++)
		free(lv->tags[i]);
	lv->n_tags = 0;
}

size_t listview_tag_count(struct view *v)
{
	return listview_of(v)->n_tags;
}

void listview_free(struct view *v)
{
	struct listview *lv = listview_of(v);
	listview_untag_all(v);
	free(lv->tags);
	free(lv->rows);
	free(lv->filter);
	free(lv->sel_id);
	free(lv->hits_pattern);
	free(lv->hits);
	resview_free(v);
}
