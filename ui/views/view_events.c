#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "draw.h"
#include "live_watch.h"
#include "scope.h"
#include "term_safe.h"
#include "util.h"
#include "view.h"

/* The broadcast events of a room, newest first, as they come over the
 * room's socket (live_watch.h): when, who sent it (user and connection, or
 * the REST API) and the event. The cursor stays on its event as new ones
 * arrive; on the newest it stays on the newest. */
struct events_view {
	struct scope scope; /* the room (owned) */
	struct live_watch *live;
	struct list_pos pos;
	int height;
	size_t seen;         /* events at the last look: the cursor follows its own */
	char reason[512];    /* why there is no push, once said */
	long long redraw_ms; /* when the newest event's highlight fades */
};

/* A new event stands out this long. */
#define FRESH_MS 3000

static struct events_view *priv(struct view *v)
{
	return v->priv;
}

static size_t count(const struct events_view *ev)
{
	return ev->live ? live_watch_event_count(ev->live) : 0;
}

/* Row i, newest first. */
static const struct live_event *event_at(const struct events_view *ev, int i)
{
	size_t n = count(ev);
	if (i < 0 || (size_t)i >= n)
		return NULL;
	return live_watch_event(ev->live, n - 1 - (size_t)i);
}

/* The cursor back on its event after new ones came on top. */
static void follow(struct events_view *ev)
{
	size_t n = count(ev);

	if (n > ev->seen && ev->pos.cursor > 0) {
		int added = (int)(n - ev->seen);
		ev->pos.cursor += added;
		if (ev->pos.top > 0)
			ev->pos.top += added;
	}
	ev->seen = n;
	list_clamp(&ev->pos, (int)n, ev->height);
}

/* "14:05:09.120" of ms since the epoch, local time. */
static const char *clock_text(long long ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char hms[16];
	if (!localtime_r(&t, &tm) || !strftime(hms, sizeof(hms), "%H:%M:%S", &tm))
		hms[0] = '\0';
	snprintf(buf, n, "%s.%03lld", hms, ms % 1000);
	return buf;
}

static bool from_rest(const struct live_event *e)
{
	return e->actor < 0;
}

static const char *sender_text(const struct live_event *e)
{
	if (from_rest(e))
		return "REST API";
	return e->user_id ? e->user_id : "(anonymous)";
}

static const char *conn_text(const struct live_event *e, char *buf, size_t n)
{
	if (from_rest(e))
		return "-";
	snprintf(buf, n, "%d", e->actor);
	return buf;
}

enum { COL_TIME, COL_USER, COL_CONN, COL_EVENT, N_COLS };

static void events_draw(struct view *v, WINDOW *win, bool focused)
{
	struct events_view *ev = priv(v);
	int h = getmaxy(win), w = getmaxx(win);
	int n = (int)count(ev);
	int userw = 8;

	ev->height = h > 1 ? h - 1 : 1;
	follow(ev);
	for (int i = ev->pos.top; i < n && i < ev->pos.top + ev->height; i++) {
		int cw = draw_width(sender_text(event_at(ev, i)));
		if (cw > userw)
			userw = cw;
	}
	struct column cols[N_COLS] = {
	    [COL_TIME] = {.want = 12, .min = 8, .prio = 1},
	    [COL_USER] = {.want = userw, .min = 8, .prio = 0},
	    [COL_CONN] = {.want = 4, .min = 4, .prio = 2},
	    [COL_EVENT] = {.want = 30, .min = 10, .prio = 0, .rest = true},
	};
	columns_fit(cols, N_COLS, w);
	struct cell head[N_COLS] = {
	    [COL_TIME] = {"TIME", cols[COL_TIME].width, THEME_HEADER, false},
	    [COL_USER] = {"SENDER", cols[COL_USER].width, THEME_HEADER, false},
	    [COL_CONN] = {"CONN", cols[COL_CONN].width, THEME_HEADER, false},
	    [COL_EVENT] = {"EVENT", cols[COL_EVENT].width, THEME_HEADER, false},
	};
	draw_cells(win, 0, head, N_COLS, 0);
	if (n == 0) {
		enum live_watch_mode mode =
		    ev->live ? live_watch_mode(ev->live) : LIVE_WATCH_POLLING;
		char text[600];
		if (mode == LIVE_WATCH_STARTING)
			snprintf(text, sizeof(text), "Connecting to the room…");
		else if (mode == LIVE_WATCH_POLLING)
			snprintf(text, sizeof(text),
			         "Broadcast events come only over the room's socket%s%s",
			         ev->reason[0] ? ": " : "", ev->reason);
		else
			snprintf(text, sizeof(text), "No broadcast event since the watch began");
		draw_notice(win, text, theme_attr(THEME_MUTED));
		return;
	}
	const char *pattern = app_search_pattern(v->app);
	long long now = wall_ms();
	for (int row = 0; row < ev->height && ev->pos.top + row < n; row++) {
		int i = ev->pos.top + row;
		const struct live_event *e = event_at(ev, i);
		char when[32], conn[16];
		bool hit = pattern[0] && strcasestr(e->json, pattern);
		struct cell cells[N_COLS] = {
		    [COL_TIME] = {clock_text(e->wall_ms, when, sizeof(when)), cols[COL_TIME].width,
		                  now - e->wall_ms < FRESH_MS ? THEME_ADDED : THEME_DATE, false},
		    [COL_USER] = {sender_text(e), cols[COL_USER].width,
		                  from_rest(e) ? THEME_KEY
		                  : e->user_id ? THEME_ID
		                               : THEME_MUTED,
		                  true},
		    [COL_CONN] = {conn_text(e, conn, sizeof(conn)), cols[COL_CONN].width,
		                  THEME_MUTED, false},
		    [COL_EVENT] = {e->json, cols[COL_EVENT].width, hit ? THEME_MATCH : THEME_VALUE,
		                   false},
		};
		draw_cells(win, row + 1, cells, N_COLS, list_row_attr(&ev->pos, i, focused));
	}
}

static void events_draw_detail(struct view *v, WINDOW *win, int top)
{
	struct events_view *ev = priv(v);
	follow(ev);
	const struct live_event *e = event_at(ev, ev->pos.cursor);
	if (!e)
		return;
	char when[32], conn[16];
	const struct detail_line lines[] = {
	    {"Time", clock_text(e->wall_ms, when, sizeof(when))},
	    {"Sender",
	     from_rest(e) ? "the REST API (POST /v2/rooms/{id}/broadcast_event)" : sender_text(e)},
	    {"Conn", from_rest(e) ? NULL : conn_text(e, conn, sizeof(conn))},
	    {"Event", e->json},
	    {"", "u users"},
	};
	draw_detail_lines(win, top, lines, (int)(sizeof(lines) / sizeof(lines[0])));
}

static enum view_result events_action(struct view *v, enum action a)
{
	struct events_view *ev = priv(v);

	follow(ev);
	return list_move(&ev->pos, (int)count(ev), ev->height, a) ? VIEW_HANDLED : VIEW_IGNORED;
}

/* Whether event row i matches pattern (list_match_fn). */
static bool matches(const void *ctx, int i, const char *pattern)
{
	const struct live_event *e = event_at(ctx, i);
	return strcasestr(e->json, pattern) || strcasestr(sender_text(e), pattern);
}

static bool events_search(struct view *v, const char *pattern, int dir)
{
	struct events_view *ev = priv(v);

	follow(ev);
	return list_search(&ev->pos, (int)count(ev), ev->height, dir, matches, ev, pattern);
}

static void events_title(struct view *v, char *out, size_t n)
{
	char *safe = ts_sanitize(priv(v)->scope.room, (size_t)-1);
	snprintf(out, n, "events %s", safe ? safe : "");
	free(safe);
}

static void events_scope(struct view *v, struct scope *out)
{
	*out = (struct scope){.room = priv(v)->scope.room};
}

static void events_status(struct view *v, char *out, size_t n)
{
	struct events_view *ev = priv(v);
	size_t k = count(ev);
	enum live_watch_mode mode = ev->live ? live_watch_mode(ev->live) : LIVE_WATCH_POLLING;

	snprintf(out, n, "%zu broadcast event%s │ %s", k, k == 1 ? "" : "s",
	         mode == LIVE_WATCH_POLLING ? "no socket: nothing to show"
	                                    : live_watch_mode_name(mode));
}

/* The reason push is not available, said once and kept for the notice. */
static void take_reason(struct view *v)
{
	struct events_view *ev = priv(v);
	char reason[sizeof(ev->reason)];

	if (!ev->live || !live_watch_take_reason(ev->live, v, reason, sizeof(reason)))
		return;
	char *safe = ts_sanitize(reason, (size_t)-1);
	snprintf(ev->reason, sizeof(ev->reason), "%s", safe ? safe : "");
	free(safe);
	app_message(v->app, false, "events: %s", ev->reason);
}

static void on_live(void *ud, unsigned what)
{
	struct view *v = ud;

	if (what & LIVE_WATCH_STATE)
		take_reason(v);
	if (what & (LIVE_WATCH_STATE | LIVE_WATCH_EVENTS))
		app_dirty(v->app);
}

/* Wake when the newest event's highlight fades; idle, never. */
static int events_tick(struct view *v, long long now)
{
	struct events_view *ev = priv(v);
	const struct live_event *newest = event_at(ev, 0);
	long long left = newest ? newest->wall_ms + FRESH_MS - wall_ms() : -1;

	if (ev->redraw_ms && (now >= ev->redraw_ms || left <= 0)) {
		app_dirty(v->app);
		ev->redraw_ms = 0;
	}
	if (left <= 0)
		return -1;
	ev->redraw_ms = now + left;
	return (int)left;
}

static void events_free(struct view *v)
{
	struct events_view *ev = priv(v);
	if (ev->live) {
		live_watch_unlisten(ev->live, on_live, v);
		live_watch_close(&ev->live);
	}
	scope_free(&ev->scope);
	free(ev);
	free(v);
}

static const struct view_ops events_ops = {
    .name = "events",
    .title = events_title,
    .draw = events_draw,
    .draw_detail = events_draw_detail,
    .action = events_action,
    .search = events_search,
    .scope = events_scope,
    .status = events_status,
    .tick = events_tick,
    .free = events_free,
};

static struct view *events_open(struct app *app, const struct scope *where, const void *opts,
                                bool watch)
{
	(void)opts;
	(void)watch;
	struct view *v = calloc(1, sizeof(*v));
	struct events_view *ev = calloc(1, sizeof(*ev));
	struct lb_error err;

	if (!v || !ev || !where->room ||
	    !scope_copy(&ev->scope, &(struct scope){.room = where->room})) {
		free(ev);
		free(v);
		return NULL;
	}
	ev->height = 20;
	v->ops = &events_ops;
	v->app = app;
	v->priv = ev;
	ev->live = live_watch_open(app_model(app), ev->scope.room, false, false, false, &err);
	if (ev->live && !live_watch_listen(ev->live, on_live, v))
		live_watch_close(&ev->live);
	if (!ev->live)
		snprintf(ev->reason, sizeof(ev->reason), "out of memory");
	take_reason(v);
	return v;
}

static const struct view_key events_keys[] = {
    {'u', "open-users"},
    {0, NULL},
};

const struct view_info view_info_events = {
    .name = "events",
    .keys_title = "Keys in the broadcast events",
    .open = events_open,
    .nav_label = "Events",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-events",
    .open_key = 'B',
    .open_help = "Open the broadcast events of the room, live",
    .open_hint = "B events",
    .item = "event",
    .keys = events_keys,
    .place = true,
};
