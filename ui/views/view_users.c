#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "live_watch.h"
#include "model_storage.h"
#include "term_safe.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* The users connected to a room, as htop shows processes: live through
 * the room's socket (live_watch.h), each connection with its presence as
 * it changes, joins and leaves noted under the list. When push is not
 * available or not wanted (--poll, watch = poll), the list is re-read like
 * watch mode (on from the start) and connections that arrived since the
 * previous look are highlighted. The watcher itself is not listed: the
 * socket's room state names the others only. */
struct users_view {
	struct listview list; /* first: listview_of finds it */
	unsigned seen_gen;
	bool seen_any;
	int *known; /* connection IDs at the previous look, ascending */
	size_t n_known;
	int *fresh; /* connection IDs that are new since then, ascending */
	size_t n_fresh;
	size_t joined, left; /* at the last change */

	/* The room's socket; NULL when it could not be opened (polled). */
	struct live_watch *live;
	bool polling;          /* the list is re-read: push is not available */
	long long opened_wall; /* when the view opened (ms since the epoch) */
	struct list_pos live_pos;
	int live_height;
	int *live_rows; /* indexes of the live users shown (sorted by connection, filtered) */
	int n_live_rows;
	int sel_actor; /* the connection under the cursor; -1: none yet */
	int live_sort; /* the sort column of the live list, -1: by connection */
	bool live_descending;
	long long redraw_ms; /* when the highlights and the rate are drawn again */
};

/* A connection that joined stays highlighted this long, and a presence
 * that changed; the joins and leaves noted under the list. */
#define JOINED_FRESH_MS   30000
#define PRESENCE_FRESH_MS 2000
#define NOTES_SHOWN       5

static struct users_view *priv(struct view *v)
{
	return v->priv;
}

/* The connections of the list's resource: the one place that knows where
 * the model keeps them. */
static int users_count(const void *data)
{
	return (int)model_count(data);
}

static const void *user_at(const void *data, int i)
{
	return model_user_at(data, (size_t)i);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Is x in the ascending array v of n? */
static bool has(const int *v, size_t n, int x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_int);
}

/* The connection of user i. */
static int connection_at(const struct resource *r, int i)
{
	return ((const struct active_user *)user_at(r, i))->connection_id;
}

/* Compare the connections with the previous look. */
static void take(struct view *v)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->list.base.res;
	if (!r->has_data || (uv->seen_any && r->generation == uv->seen_gen))
		return;
	bool first = !uv->seen_any;
	uv->seen_any = true;
	uv->seen_gen = r->generation;
	size_t n = (size_t)users_count(r);
	int *now = malloc((n + 1) * sizeof(*now));
	if (!now)
		return;
	size_t joined = 0, left = 0;
	for (size_t i = 0; i < n; i++)
		now[i] = connection_at(r, (int)i);
	/* Sorted, so that a refresh of thousands of connections costs
	 * O(n log n). */
	qsort(now, n, sizeof(*now), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (!has(uv->known, uv->n_known, now[i]))
			joined++;
	for (size_t i = 0; i < uv->n_known; i++)
		if (!has(now, n, uv->known[i]))
			left++;
	if (!first && (joined || left)) {
		int *fresh = malloc((joined + 1) * sizeof(*fresh));
		if (fresh) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
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
	uv->n_known = n;
}

/* A connection is one user's tab: the same user may be there twice. */
static const char *connection_id(const void *item, char *buf, size_t n)
{
	snprintf(buf, n, "%d", ((const struct active_user *)item)->connection_id);
	return buf;
}

static const char *conn_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return connection_id(item, buf, n);
}

static long long conn_number(const void *item)
{
	return ((const struct active_user *)item)->connection_id;
}

static const char *user_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct active_user *u = item;
	return u->id ? u->id : "(anonymous)";
}

static const char *info_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct active_user *u = item;
	return u->info_json ? u->info_json : "";
}

/* The user first, then the connection, then what the app says. */
enum { COL_CONN, COL_USER, COL_INFO };
/* clang-format off */
static const struct list_column columns[] = {
    [COL_CONN] = {.name = "connectionId", .title = "CONN", .want = 6, .min = 4, .prio = 1,
                  .el = THEME_MUTED, .text = conn_text, .number = conn_number},
    [COL_USER] = {.name = "id", .title = "USER", .want = 11, .min = 11, .prio = 0, .fit = true,
                  .middle = true, .el = THEME_ID, .text = user_text},
    [COL_INFO] = {.name = "info", .title = "INFO", .want = 20, .min = 8, .prio = 2,
                  .rest = true, .el = THEME_VALUE, .text = info_text},
};
/* clang-format on */

static const struct list_table users_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = users_count,
    .item = user_at,
    .id = connection_id,
};

static const struct active_user *selected(struct view *v)
{
	return listview_selected(v);
}

/* New connections stand out; an anonymous user is muted. */
static enum theme_element users_element(struct view *v, int col, const void *item)
{
	const struct users_view *uv = priv(v);
	const struct active_user *u = item;
	if (col == COL_CONN)
		return has(uv->fresh, uv->n_fresh, u->connection_id) ? THEME_ADDED : THEME_MUTED;
	if (col == COL_USER)
		return u->id ? THEME_ID : THEME_MUTED;
	return columns[col].el;
}

/* ---- live through the room's socket ------------------------------------- */

/* "14:05:09" of ms since the epoch, local time; "" for 0. */
static const char *clock_text(long long ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !localtime_r(&t, &tm) || !strftime(buf, n, "%H:%M:%S", &tm))
		buf[0] = '\0';
	return buf;
}

/* Whether the list shows the socket's users rather than the ones re-read
 * through REST. */
static bool is_live(const struct users_view *uv)
{
	return uv->live && !uv->polling;
}

static int live_count(const void *data)
{
	return (int)live_watch_user_count(data);
}

static const void *live_at(const void *data, int i)
{
	return live_watch_user(data, (size_t)i);
}

static const char *live_id(const void *item, char *buf, size_t n)
{
	snprintf(buf, n, "%d", ((const struct live_user *)item)->actor);
	return buf;
}

static const char *live_conn_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return live_id(item, buf, n);
}

static long long live_conn_number(const void *item)
{
	return ((const struct live_user *)item)->actor;
}

static const char *live_user_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct live_user *u = item;
	return u->user_id ? u->user_id : "(anonymous)";
}

static const char *live_info_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct live_user *)item)->info;
}

static const char *live_presence_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct live_user *)item)->presence;
}

static const char *live_joined_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	const struct live_user *u = item;
	return u->joined_ms ? clock_text(u->joined_ms, buf, n) : "before";
}

static long long live_joined_number(const void *item)
{
	return ((const struct live_user *)item)->joined_ms;
}

enum { LIVE_CONN, LIVE_USER, LIVE_INFO, LIVE_PRESENCE, LIVE_JOINED, LIVE_COLS };
/* clang-format off */
static const struct list_column live_columns[] = {
    [LIVE_CONN] = {.name = "connectionId", .title = "CONN", .want = 6, .min = 4, .prio = 1,
                   .el = THEME_MUTED, .text = live_conn_text, .number = live_conn_number},
    [LIVE_USER] = {.name = "id", .title = "USER", .want = 11, .min = 11, .prio = 0, .fit = true,
                   .middle = true, .el = THEME_ID, .text = live_user_text},
    [LIVE_INFO] = {.name = "info", .title = "INFO", .want = 16, .min = 8, .prio = 3,
                   .el = THEME_VALUE, .text = live_info_text},
    [LIVE_PRESENCE] = {.name = "presence", .title = "PRESENCE", .want = 24, .min = 10,
                       .prio = 1, .rest = true, .el = THEME_VALUE, .text = live_presence_text},
    [LIVE_JOINED] = {.name = "joined", .title = "JOINED", .want = 8, .min = 8, .prio = 2,
                     .el = THEME_DATE, .text = live_joined_text, .number = live_joined_number},
};
/* clang-format on */

/* The socket's users: the data is the struct live_watch. */
static const struct list_table live_table = {
    .cols = live_columns,
    .n_cols = LIVE_COLS,
    .count = live_count,
    .item = live_at,
    .id = live_id,
};

/* The rows shown again (every change: a few hundred connections at most),
 * the cursor kept on its connection. */
static void live_rows(struct view *v)
{
	struct users_view *uv = priv(v);
	struct list_order o = {
	    .sort = uv->live_sort, .descending = uv->live_descending, .filter = uv->list.filter};
	int *rows = NULL;
	int n = list_rows(&live_table, uv->live, &o, &rows);

	if (n < 0) {
		n = 0;
		rows = NULL;
	}
	free(uv->live_rows);
	uv->live_rows = rows;
	uv->n_live_rows = n;
	for (int i = 0; uv->sel_actor >= 0 && i < n; i++)
		if (live_watch_user(uv->live, (size_t)rows[i])->actor == uv->sel_actor) {
			uv->live_pos.cursor = i;
			break;
		}
	list_clamp(&uv->live_pos, n, uv->live_height);
}

static const struct live_user *live_row(struct users_view *uv, int row)
{
	if (row < 0 || row >= uv->n_live_rows)
		return NULL;
	return live_watch_user(uv->live, (size_t)uv->live_rows[row]);
}

static const struct live_user *live_selected(struct view *v)
{
	struct users_view *uv = priv(v);
	live_rows(v);
	return live_row(uv, uv->live_pos.cursor);
}

/* A connection of a token made for the profile's watch_user: an lbtui
 * watching the room (another one, or another socket of this one), said
 * so rather than taken for a person. */
static bool is_watcher(struct view *v, const struct live_user *u)
{
	const char *w = model_options_of(app_model(v->app))->watch_user;
	return u->user_id && !strcmp(u->user_id, w ? w : "lbtui");
}

static const char *user_shown(struct view *v, const struct live_user *u, char *buf, size_t n)
{
	if (!is_watcher(v, u))
		return live_user_text(u, 0, buf, n);
	snprintf(buf, n, "%s (watcher)", u->user_id);
	return buf;
}

/* Remember the connection under the cursor after it moved. */
static void live_pin(struct users_view *uv)
{
	const struct live_user *u = live_row(uv, uv->live_pos.cursor);
	uv->sel_actor = u ? u->actor : -1;
}

/* Joins and leaves since the view opened. */
static void live_changes(const struct users_view *uv, size_t *joined, size_t *left)
{
	*joined = *left = 0;
	for (size_t i = live_watch_note_count(uv->live); i-- > 0;) {
		const struct live_note *nt = live_watch_note(uv->live, i);
		if (nt->wall_ms < uv->opened_wall)
			break;
		if (nt->joined)
			(*joined)++;
		else
			(*left)++;
	}
}

/* A user as the notes name them: "alice (connection 12)". */
static void who_text(const char *user_id, int actor, char *out, size_t n)
{
	snprintf(out, n, "%s (connection %d)", user_id ? user_id : "(anonymous)", actor);
}

/* The last joins and leaves under the list, oldest first, from row y. */
static void draw_notes(struct users_view *uv, WINDOW *win, int y, int shown)
{
	size_t n = live_watch_note_count(uv->live);
	int w = getmaxx(win);

	draw_safe(win, y++, 0, w, "JOINS AND LEAVES", theme_attr(THEME_HEADER));
	for (size_t i = n - (size_t)shown; i < n; i++, y++) {
		const struct live_note *nt = live_watch_note(uv->live, i);
		char when[16], who[512], line[600];
		clock_text(nt->wall_ms, when, sizeof(when));
		who_text(nt->user_id, nt->actor, who, sizeof(who));
		snprintf(line, sizeof(line), "%s %s", nt->joined ? "+ joined" : "− left  ", who);
		draw_safe(win, y, 0, 8, when, theme_attr(THEME_DATE));
		draw_text(win, y, 10, w - 10, line,
		          theme_attr(nt->joined ? THEME_DIFF_ADD : THEME_DIFF_DEL));
	}
}

/* New connections and presences that just changed stand out. */
static enum theme_element live_element(const struct live_user *u, int col, long long now)
{
	switch (col) {
	case LIVE_CONN:
		return u->joined_ms && now - u->joined_ms < JOINED_FRESH_MS ? THEME_ADDED
		                                                            : THEME_MUTED;
	case LIVE_USER:
		return u->user_id ? THEME_ID : THEME_MUTED;
	case LIVE_PRESENCE:
		return u->updated_ms && now - u->updated_ms < PRESENCE_FRESH_MS ? THEME_CHANGED
		                                                                : THEME_VALUE;
	default:
		return live_columns[col].el;
	}
}

static void live_draw(struct view *v, WINDOW *win, bool focused)
{
	struct users_view *uv = priv(v);
	int h = getmaxy(win), w = getmaxx(win);
	size_t n_notes = live_watch_note_count(uv->live);
	/* The notes take the bottom, never more than a third of the pane. */
	int shown = (int)(n_notes < NOTES_SHOWN ? n_notes : NOTES_SHOWN);
	if (shown > (h - 2) / 3 - 1)
		shown = (h - 2) / 3 - 1;
	if (shown < 0)
		shown = 0;
	int notes_rows = shown ? shown + 2 : 0;
	long long now = wall_ms();

	uv->live_height = h - 1 - notes_rows > 1 ? h - 1 - notes_rows : 1;
	live_rows(v);
	struct column cols[LIVE_COLS];
	for (int c = 0; c < LIVE_COLS; c++)
		cols[c] = (struct column){.want = live_columns[c].want,
		                          .min = live_columns[c].min,
		                          .prio = live_columns[c].prio,
		                          .rest = live_columns[c].rest};
	for (int i = uv->live_pos.top;
	     i < uv->n_live_rows && i < uv->live_pos.top + uv->live_height; i++) {
		char buf[600];
		int cw = draw_width(user_shown(v, live_row(uv, i), buf, sizeof(buf)));
		if (cw > cols[LIVE_USER].want)
			cols[LIVE_USER].want = cw;
	}
	columns_fit(cols, LIVE_COLS, w);
	struct cell cells[LIVE_COLS];
	char sorted[48];
	for (int c = 0; c < LIVE_COLS; c++)
		cells[c] = (struct cell){live_columns[c].title, cols[c].width, THEME_HEADER, false};
	if (uv->live_sort >= 0) {
		snprintf(sorted, sizeof(sorted), "%s%s", live_columns[uv->live_sort].title,
		         uv->live_descending ? "▼" : "▲");
		cells[uv->live_sort].text = sorted;
		cells[uv->live_sort].el = THEME_HEADER_SORT;
	}
	draw_cells(win, 0, cells, LIVE_COLS, 0);

	if (uv->n_live_rows == 0) {
		const char *text =
		    live_watch_mode(uv->live) == LIVE_WATCH_STARTING ? "Connecting to the room…"
		    : live_watch_user_count(uv->live) ? "No connection matches the filter"
		                                      : "Nobody is connected to this room";
		if (shown)
			draw_text(win, 2, 2, w - 2, text, theme_attr(THEME_MUTED));
		else
			draw_notice(win, text, theme_attr(THEME_MUTED));
	}
	for (int row = 0; row < uv->live_height && uv->live_pos.top + row < uv->n_live_rows;
	     row++) {
		int i = uv->live_pos.top + row;
		const struct live_user *u = live_row(uv, i);
		char bufs[LIVE_COLS][64], who[600];
		for (int c = 0; c < LIVE_COLS; c++)
			cells[c] = (struct cell){
			    live_columns[c].text(u, cols[c].width, bufs[c], 64), cols[c].width,
			    live_element(u, c, now), live_columns[c].middle};
		if (is_watcher(v, u)) {
			cells[LIVE_USER].text = user_shown(v, u, who, sizeof(who));
			cells[LIVE_USER].el = THEME_MUTED;
		}
		draw_cells(win, row + 1, cells, LIVE_COLS,
		           list_row_attr(&uv->live_pos, i, focused));
	}
	if (shown)
		draw_notes(uv, win, h - notes_rows + 1, shown);
}

/* Whether live user row i matches pattern (list_match_fn). */
static bool live_matches(const void *ctx, int i, const char *pattern)
{
	const struct users_view *uv = ctx;
	return list_item_matches(&live_table, live_watch_user(uv->live, (size_t)uv->live_rows[i]),
	                         pattern);
}

static void live_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct live_user *u = live_selected(v);
	if (!u)
		return;
	char conn[16], joined[16], updated[16], who[600];
	snprintf(conn, sizeof(conn), "%d", u->actor);
	const struct detail_line lines[] = {
	    {"User", user_shown(v, u, who, sizeof(who))},
	    {"Conn", conn},
	    {"Joined", u->joined_ms ? clock_text(u->joined_ms, joined, sizeof(joined))
	                            : "before the watch began"},
	    {"Info", u->info},
	    {"Presence", u->presence},
	    {"Changed", u->updated_ms ? clock_text(u->updated_ms, updated, sizeof(updated)) : NULL},
	    {"", "B broadcast events"},
	};
	draw_detail_lines(win, top, lines, (int)(sizeof(lines) / sizeof(lines[0])));
}

/* "every 1 s", "every 250 ms" of the watch's interval. */
static void every_text(int ms, char *out, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "every %d s", ms / 1000);
	else if (ms > 1000)
		snprintf(out, n, "every %.1f s", ms / 1000.0);
	else
		snprintf(out, n, "every %d ms", ms);
}

/* The op rate and a sparkline of the last minute, as the Storage tree
 * shows them. */
static void rate_text(const struct live_watch *w, char *out, size_t n)
{
	struct live_watch_stats st;
	char spark[128];

	live_watch_get_stats(w, now_ms(), &st);
	live_watch_sparkline(&st, 10, spark, sizeof(spark));
	char rate[32];
	live_watch_rate_text(&st, rate, sizeof(rate));
	snprintf(out, n, "%s %s", rate, spark);
}

static void live_status(struct view *v, char *out, size_t n)
{
	struct users_view *uv = priv(v);
	size_t joined, left;
	char delta[64] = "", filter[320] = "", rate[256];

	live_rows(v);
	live_changes(uv, &joined, &left);
	if (joined || left)
		snprintf(delta, sizeof(delta), " │ +%zu −%zu", joined, left);
	if (uv->list.filter) {
		char *safe = ts_sanitize(uv->list.filter, (size_t)-1);
		snprintf(filter, sizeof(filter), " │ filter: %.200s (%d of %zu)", safe ? safe : "",
		         uv->n_live_rows, live_watch_user_count(uv->live));
		free(safe);
	}
	rate_text(uv->live, rate, sizeof(rate));
	snprintf(out, n, "%zu connected%s%s │ %s │ %s", live_watch_user_count(uv->live), delta,
	         filter, live_watch_mode_name(live_watch_mode(uv->live)), rate);
}

static enum view_result live_action(struct view *v, enum action a)
{
	struct users_view *uv = priv(v);

	live_rows(v);
	if (list_move(&uv->live_pos, uv->n_live_rows, uv->live_height, a)) {
		live_pin(uv);
		return VIEW_HANDLED;
	}
	switch (a) {
	case ACTION_SORT_PREV:
	case ACTION_SORT_NEXT:
		uv->live_sort =
		    list_sort_step(uv->live_sort, LIVE_COLS, a == ACTION_SORT_NEXT ? 1 : -1);
		uv->live_descending = false;
		return VIEW_HANDLED;
	case ACTION_SORT_INVERT:
		if (uv->live_sort < 0)
			app_note(v->app, "no sort column: < or > chooses one");
		else
			uv->live_descending = !uv->live_descending;
		return VIEW_HANDLED;
	case ACTION_FILTER:
		app_filter_prompt(v->app, uv->list.filter);
		return VIEW_HANDLED;
	case ACTION_REFRESH:
	case ACTION_WATCH:
	case ACTION_WATCH_FASTER:
	case ACTION_WATCH_SLOWER:
		app_message(v->app, false,
		            "live (push): joins, leaves and presence come as they happen "
		            "(users ROOM --poll re-reads instead)");
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (uv->list.filter) {
			free(uv->list.filter);
			uv->list.filter = NULL;
			app_note(v->app, "filter cleared: every row is shown");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	default:
		return VIEW_IGNORED;
	}
}

/* The poll takes over: the reason is said once, then the list is re-read
 * as before. Back to the socket's list when push comes back. */
static void live_mode_changed(struct view *v)
{
	struct users_view *uv = priv(v);
	char reason[512];
	bool polled = !uv->live || live_watch_mode(uv->live) == LIVE_WATCH_POLLING;

	if (uv->live && live_watch_take_reason(uv->live, v, reason, sizeof(reason))) {
		char *safe = ts_sanitize(reason, (size_t)-1);
		app_message(v->app, false, "users: %s", safe ? safe : "push is not available");
		free(safe);
	}
	if (polled && !uv->polling) {
		uv->polling = true;
		resview_start(v, true);
	} else if (!polled && uv->polling) {
		uv->polling = false;
		uv->list.base.watch.on = false;
	}
}

static void on_live(void *ud, unsigned what)
{
	struct view *v = ud;

	if (what & LIVE_WATCH_STATE)
		live_mode_changed(v);
	app_dirty(v->app);
}

static void users_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "users");
}

static void users_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "Nobody is connected to this room");
}

static void users_count_status(struct view *v, char *out, size_t n)
{
	const struct users_view *uv = priv(v);
	char delta[64] = "", mode[64] = "";
	if (uv->joined || uv->left)
		snprintf(delta, sizeof(delta), " │ +%zu −%zu", uv->joined, uv->left);
	if (uv->list.base.watch.on) {
		char every[32];
		every_text(uv->list.base.watch.current_ms, every, sizeof(every));
		snprintf(mode, sizeof(mode), " │ %s %s", live_watch_mode_name(LIVE_WATCH_POLLING),
		         every);
	}
	snprintf(out, n, "%d connected%s%s", users_count(uv->list.base.res), delta, mode);
}

static void users_status(struct view *v, char *out, size_t n)
{
	struct users_view *uv = priv(v);
	char wd[80];

	if (is_live(uv)) {
		live_status(v, out, n);
		return;
	}
	listview_status(v, out, n);
	/* "polling every 1 s" says what " │ watch 1s" would. */
	resview_watch_status(&uv->list.base.watch, wd, sizeof(wd));
	char *dup = wd[0] ? strstr(out, wd) : NULL;
	if (dup)
		memmove(dup, dup + strlen(wd), strlen(dup + strlen(wd)) + 1);
}

static void users_draw(struct view *v, WINDOW *win, bool focused)
{
	if (is_live(priv(v))) {
		live_draw(v, win, focused);
		return;
	}
	take(v);
	listview_draw(v, win, focused);
}

static void users_draw_detail(struct view *v, WINDOW *win, int top)
{
	if (is_live(priv(v))) {
		live_draw_detail(v, win, top);
		return;
	}
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
	if (is_live(priv(v)))
		return live_action(v, a);
	return listview_action(v, a);
}

static bool users_search(struct view *v, const char *pattern, int dir)
{
	struct users_view *uv = priv(v);

	if (!is_live(uv))
		return listview_search(v, pattern, dir);
	live_rows(v);
	if (!list_search(&uv->live_pos, uv->n_live_rows, uv->live_height, dir, live_matches, uv,
	                 pattern))
		return false;
	live_pin(uv);
	return true;
}

static void users_filter(struct view *v, const char *text)
{
	struct users_view *uv = priv(v);

	if (!is_live(uv)) {
		listview_filter(v, text);
		return;
	}
	bool had = uv->list.filter != NULL;
	free(uv->list.filter);
	uv->list.filter = text && text[0] ? strdup(text) : NULL;
	uv->list.rows_stale = true;
	live_rows(v);
	if (uv->list.filter) {
		char *safe = ts_sanitize(uv->list.filter, (size_t)-1);
		app_note(v->app, "filter: %s (%d of %zu)", safe ? safe : "", uv->n_live_rows,
		         live_watch_user_count(uv->live));
		free(safe);
	} else if (had) {
		app_note(v->app, "filter cleared: every row is shown");
	}
}

static bool users_export(struct view *v, const char *path, bool force, char *done, size_t n,
                         struct lb_error *err)
{
	struct users_view *uv = priv(v);

	if (!is_live(uv))
		return listview_export(v, path, force, done, n, err);
	live_rows(v);
	if (!list_export_file(&live_table, uv->live, uv->live_rows, uv->n_live_rows, path, force,
	                      err))
		return false;
	snprintf(done, n, "%d users", uv->n_live_rows);
	return true;
}

static bool users_selected_id(struct view *v, char *out, size_t n)
{
	if (!is_live(priv(v)))
		return listview_selected_id(v, out, n);
	const struct live_user *u = live_selected(v);
	if (!u)
		return false;
	live_id(u, out, n);
	return true;
}

static void users_changed(struct view *v, struct resource *r)
{
	if (r != resview_of(v)->res)
		return;
	listview_changed(v, r);
	take(v);
}

static struct resource *users_busy(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	/* The periodic refresh is not worth a spinner once there is data. */
	return priv(v)->polling && r->busy && !r->has_data ? r : NULL;
}

/* The poll's timer, or the next highlight of the live list to fade. */
/* Whether the sparkline of the last minute has an op to scroll out. */
static bool rate_moving(const struct users_view *uv, long long now)
{
	struct live_watch_stats st;

	live_watch_get_stats(uv->live, now, &st);
	for (int i = 0; i < LIVE_WATCH_SPARK; i++)
		if (st.spark[i])
			return true;
	return false;
}

/* The poll's timer, or the next highlight of the live list to fade; each
 * second while the rate moves. Idle, nothing wakes the loop. */
static int users_tick(struct view *v, long long now)
{
	struct users_view *uv = priv(v);
	int wait = resview_tick(v, now);

	if (!is_live(uv))
		return wait;
	long long wall = wall_ms(), next = -1;
	for (size_t i = 0; i < live_watch_user_count(uv->live); i++) {
		const struct live_user *u = live_watch_user(uv->live, i);
		long long ends[2] = {u->joined_ms ? u->joined_ms + JOINED_FRESH_MS : 0,
		                     u->updated_ms ? u->updated_ms + PRESENCE_FRESH_MS : 0};
		for (int k = 0; k < 2; k++)
			if (ends[k] > wall && (next < 0 || ends[k] - wall < next))
				next = ends[k] - wall;
	}
	if ((next < 0 || next > 1000) && rate_moving(uv, now))
		next = 1000;
	if (uv->redraw_ms && now >= uv->redraw_ms) {
		app_dirty(v->app);
		uv->redraw_ms = 0;
	}
	if (next < 0)
		return wait;
	if (!uv->redraw_ms || now + next < uv->redraw_ms)
		uv->redraw_ms = now + next;
	next = uv->redraw_ms - now;
	return wait < 0 || next < wait ? (int)next : wait;
}

/* The wheel moves the live list, a click puts the cursor on its row. */
static enum view_result users_mouse(struct view *v, const struct mouse_event *ev)
{
	struct users_view *uv = priv(v);

	if (!is_live(uv))
		return listview_mouse(v, ev);
	switch (ev->kind) {
	case MOUSE_WHEEL_UP:
		return live_action(v, ACTION_MOVE_UP);
	case MOUSE_WHEEL_DOWN:
		return live_action(v, ACTION_MOVE_DOWN);
	default:
		live_rows(v);
		if (ev->y < 1 || ev->y > uv->live_height ||
		    uv->live_pos.top + ev->y - 1 >= uv->n_live_rows)
			return VIEW_IGNORED;
		uv->live_pos.cursor = uv->live_pos.top + ev->y - 1;
		live_pin(uv);
		return VIEW_HANDLED;
	}
}

static void users_free(struct view *v)
{
	struct users_view *uv = priv(v);
	if (uv->live) {
		live_watch_unlisten(uv->live, on_live, v);
		live_watch_close(&uv->live);
	}
	free(uv->live_rows);
	free(uv->known);
	free(uv->fresh);
	listview_free(v);
}

static const struct listview_spec users_spec = {
    .table = &users_table,
    .noun = "users",
    .loading = "Loading connected users…",
    .watch = true,
    .watch_interval = "refresh",
    .empty = users_empty,
    .count_status = users_count_status,
    .element = users_element,
};

static const struct view_ops users_ops = {
    .name = "users",
    .title = users_title,
    .draw = users_draw,
    .draw_detail = users_draw_detail,
    .action = users_action,
    .changed = users_changed,
    .search = users_search,
    .scope = resview_scope,
    .status = users_status,
    .busy = users_busy,
    .tick = users_tick,
    .free = users_free,
    .mouse = users_mouse,
    .filter = users_filter,
    .export_rows = users_export,
    .selected_id = users_selected_id,
};

/* The room's socket, shared with the other views of the room; polled
 * when it cannot be had or is not wanted. */
static void users_go_live(struct view *v, const char *room, bool poll)
{
	struct users_view *uv = priv(v);
	struct lb_error err;

	uv->sel_actor = -1;
	uv->live_sort = -1;
	uv->live_height = 20;
	uv->opened_wall = wall_ms();
	uv->live = live_watch_open(app_model(v->app), room, false, false, poll, &err);
	if (uv->live && !live_watch_listen(uv->live, on_live, v))
		live_watch_close(&uv->live);
	if (!uv->live)
		app_message(v->app, true, "users: the room's socket: out of memory; polling");
	live_mode_changed(v);
	/* Taking the resource began a read the socket makes needless. */
	if (!uv->polling && uv->list.base.res->busy)
		model_cancel(app_model(v->app), uv->list.base.res);
}

static struct view *users_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	(void)watch;
	const struct live_watch_opts *o = opts;
	struct view *v = listview_new(app, &users_ops, &users_spec, sizeof(struct users_view),
	                              &(struct scope){.room = where->room},
	                              model_active_users(app_model(app), where->room));
	if (v)
		users_go_live(v, where->room, o && o->poll);
	return v;
}

static const struct view_key users_keys[] = {
    {'w', "watch"},
    {'+', "watch-faster"},
    {'=', "watch-faster"},
    {'-', "watch-slower"},
    {'B', "open-events"},
    {0, NULL},
};

const struct view_info view_info_users = {
    .name = "users",
    .keys_title = "Keys in the connected users",
    .open = users_open,
    .nav_label = "Users",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-users",
    .open_key = 'u',
    .open_help = "Open the users connected to the room",
    .open_hint = "u users",
    .item = "user",
    .keysets = VIEW_KEYS_LIST,
    .keys = users_keys,
    .place = true,
};
