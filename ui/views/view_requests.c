#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "draw.h"
#include "endpoints.h"
#include "reqlog.h"
#include "term_safe.h"
#include "util.h"
#include "view.h"

/* The request log (`@`), newest first, as lazygit shows its command log:
 * every attempt that went to the network, drawn again as each one ends.
 * The cursor stays on its request as new ones arrive; on the newest it
 * stays on the newest. Enter shows the request as a curl command. */
struct requests_view {
	struct reqlog *log;
	struct list_pos pos;
	unsigned long sel_seq; /* the request under the cursor; 0: the newest */
	unsigned long newest;  /* the newest seq at the last draw */
	int height;
};

static struct requests_view *priv(struct view *v)
{
	return v->priv;
}

static void on_entry(const struct reqlog_entry *e, void *ud)
{
	struct view *v = ud;

	(void)e;
	app_dirty(v->app);
}

/* The cursor back on its request after entries came (or went). */
static void follow(struct requests_view *rv)
{
	const struct reqlog_entry *newest = reqlog_get(rv->log, 0);
	int n = (int)reqlog_count(rv->log);
	unsigned long added = newest && rv->newest ? newest->seq - rv->newest : 0;

	rv->newest = newest ? newest->seq : 0;
	if (rv->sel_seq == 0) {
		rv->pos.cursor = 0;
	} else {
		long i = reqlog_find(rv->log, rv->sel_seq);
		rv->pos.cursor = i < 0 ? n - 1 : (int)i;
		/* Scrolled down, the rows on screen stay where they were. */
		if (rv->pos.top > 0)
			rv->pos.top += (int)added;
	}
	list_clamp(&rv->pos, n, rv->height);
}

/* Remember the request under the cursor (0: follow the newest). */
static void pin(struct requests_view *rv)
{
	const struct reqlog_entry *e = reqlog_get(rv->log, (size_t)rv->pos.cursor);

	rv->sel_seq = rv->pos.cursor == 0 || !e ? 0 : e->seq;
}

/* The status's colour: by class, a failure as a server error. */
static enum theme_element status_element(long status)
{
	if (status >= 200 && status < 300)
		return THEME_DIFF_ADD;
	if (status >= 300 && status < 400)
		return THEME_VALUE;
	if (status >= 400 && status < 500)
		return THEME_STALE;
	return THEME_ERROR;
}

static void format_ms(long long ms, char *out, size_t n)
{
	if (ms < 1000)
		snprintf(out, n, "%lld ms", ms);
	else
		snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

static void format_bytes(long long b, char *out, size_t n)
{
	if (b < 1024)
		snprintf(out, n, "%lld B", b);
	else if (b < 1024 * 1024)
		snprintf(out, n, "%.1f KiB", (double)b / 1024.0);
	else
		snprintf(out, n, "%.1f MiB", (double)b / (1024.0 * 1024.0));
}

/* What else there is to know about a request, in one cell: why it failed,
 * the server's warning, its rate limit, when it is tried again. */
static void note(const struct reqlog_entry *e, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (o < n)                                                                         \
			o += (size_t)snprintf(out + o, n - o, "%s", o ? "; " : "");                \
		if (o < n)                                                                         \
			o += (size_t)snprintf(out + o, n - o, __VA_ARGS__);                        \
	} while (0)
	if (e->failure)
		ADD("%s", e->failure);
	if (e->warn)
		ADD("warn: %s", e->warn);
	if (e->rate_remaining || e->rate_limit)
		ADD("rate %s/%s left", e->rate_remaining ? e->rate_remaining : "?",
		    e->rate_limit ? e->rate_limit : "?");
	if (e->retry_after)
		ADD("retry-after %s", e->retry_after);
	if (e->retry_in_ms >= 0)
		ADD("retry in %ld ms", e->retry_in_ms);
#undef ADD
}

enum { COL_METHOD, COL_PATH, COL_STATUS, COL_TIME, COL_BYTES, COL_RETRY, COL_NOTE, N_COLS };

static void requests_draw(struct view *v, WINDOW *win, bool focused)
{
	struct requests_view *rv = priv(v);
	int h = getmaxy(win), w = getmaxx(win);
	int n = (int)reqlog_count(rv->log);
	int pathw = 4;

	rv->height = h > 1 ? h - 1 : 1;
	follow(rv);
	for (int i = rv->pos.top; i < n && i < rv->pos.top + rv->height; i++) {
		int cw = draw_width(reqlog_get(rv->log, (size_t)i)->path);
		if (cw > pathw)
			pathw = cw;
	}
	struct column cols[N_COLS] = {
	    [COL_METHOD] = {.want = 6, .min = 6, .prio = 0},
	    [COL_PATH] = {.want = pathw, .min = 20, .prio = 0},
	    [COL_STATUS] = {.want = 6, .min = 6, .prio = 0},
	    [COL_TIME] = {.want = 8, .min = 6, .prio = 1},
	    [COL_BYTES] = {.want = 9, .min = 5, .prio = 2},
	    [COL_RETRY] = {.want = 5, .min = 5, .prio = 4},
	    [COL_NOTE] = {.want = 30, .min = 8, .prio = 3, .rest = true},
	};
	columns_fit(cols, N_COLS, w);
	struct cell head[N_COLS] = {
	    [COL_METHOD] = {"METHOD", cols[COL_METHOD].width, THEME_HEADER, false},
	    [COL_PATH] = {"PATH", cols[COL_PATH].width, THEME_HEADER, false},
	    [COL_STATUS] = {"STATUS", cols[COL_STATUS].width, THEME_HEADER, false},
	    [COL_TIME] = {"TIME", cols[COL_TIME].width, THEME_HEADER, false},
	    [COL_BYTES] = {"BYTES", cols[COL_BYTES].width, THEME_HEADER, false},
	    [COL_RETRY] = {"RETRY", cols[COL_RETRY].width, THEME_HEADER, false},
	    [COL_NOTE] = {"NOTE", cols[COL_NOTE].width, THEME_HEADER, false},
	};
	draw_cells(win, 0, head, N_COLS, 0);
	if (n == 0) {
		draw_notice(win, "No requests yet", theme_attr(THEME_MUTED));
		return;
	}
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < rv->height && rv->pos.top + row < n; row++) {
		int i = rv->pos.top + row;
		const struct reqlog_entry *e = reqlog_get(rv->log, (size_t)i);
		char status[16], ms[32], bytes[32], retry[16], more[1024];
		bool hit = pattern[0] && strcasestr(e->path, pattern);

		if (e->status)
			snprintf(status, sizeof(status), "%ld", e->status);
		else
			snprintf(status, sizeof(status), "failed");
		format_ms(e->ms, ms, sizeof(ms));
		format_bytes(e->bytes, bytes, sizeof(bytes));
		retry[0] = '\0';
		if (e->retry)
			snprintf(retry, sizeof(retry), "%d", e->retry);
		note(e, more, sizeof(more));
		struct cell cells[N_COLS] = {
		    [COL_METHOD] = {http_method_name(e->method), cols[COL_METHOD].width, THEME_KEY,
		                    false},
		    [COL_PATH] = {e->path, cols[COL_PATH].width, hit ? THEME_MATCH : THEME_VALUE,
		                  true},
		    [COL_STATUS] = {status, cols[COL_STATUS].width, status_element(e->status),
		                    false},
		    [COL_TIME] = {ms, cols[COL_TIME].width, THEME_DATE, false},
		    [COL_BYTES] = {bytes, cols[COL_BYTES].width, THEME_MUTED, false},
		    [COL_RETRY] = {retry, cols[COL_RETRY].width, THEME_STALE, false},
		    [COL_NOTE] = {more, cols[COL_NOTE].width, e->warn ? THEME_STALE : THEME_MUTED,
		                  false},
		};
		draw_cells(win, row + 1, cells, N_COLS, list_row_attr(&rv->pos, i, focused));
	}
}

static const struct reqlog_entry *selected(struct view *v)
{
	struct requests_view *rv = priv(v);

	follow(rv);
	return reqlog_get(rv->log, (size_t)rv->pos.cursor);
}

/* "Key" and "  value" lines of the selected request for the detail pane. */
static void requests_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct reqlog_entry *e = selected(v);
	const struct endpoint *ep;
	char *lines[40], buf[1200];
	int n = 0;

	if (!e)
		return;
	ep = endpoint_by_name(e->endpoint);
#define LINE(...)                                                                                  \
	do {                                                                                       \
		snprintf(buf, sizeof(buf), __VA_ARGS__);                                           \
		if (n < 40 && (lines[n] = ts_sanitize(buf, (size_t)-1)))                           \
			n++;                                                                       \
	} while (0)
	LINE("Endpoint");
	if (ep)
		LINE("  %s: %s", ep->name, ep->what);
	else
		LINE("  %s", e->endpoint ? e->endpoint : "(none)");
	LINE("Request");
	LINE("  %s %s", http_method_name(e->method), e->path);
	LINE("Answer");
	if (e->status && e->failure)
		LINE("  %ld, refused: %s", e->status, e->failure);
	else if (e->status)
		LINE("  %ld", e->status);
	else
		LINE("  none: %s", e->failure ? e->failure : "no answer");
	LINE("  %lld ms, %lld bytes received", e->ms, e->bytes);
	if (e->retry)
		LINE("  retry %d", e->retry);
	if (e->retry_in_ms >= 0)
		LINE("  tried again in %ld ms", e->retry_in_ms);
	if (e->warn) {
		LINE("X-LB-Warn");
		LINE("  %s", e->warn);
	}
	if (e->rate_limit || e->rate_remaining || e->rate_reset) {
		LINE("Rate limit");
		LINE("  limit %s, remaining %s, reset %s", e->rate_limit ? e->rate_limit : "?",
		     e->rate_remaining ? e->rate_remaining : "?",
		     e->rate_reset ? e->rate_reset : "?");
	}
	if (e->retry_after) {
		LINE("Retry-After");
		LINE("  %s", e->retry_after);
	}
	if (e->body_total) {
		LINE("Body");
		LINE("  %zu bytes%s%s", e->body_total, e->content_type ? ", " : "",
		     e->content_type ? e->content_type : "");
	}
	char when[32];
	time_t t = (time_t)e->at_s;
	struct tm tm;
	if (localtime_r(&t, &tm) && strftime(when, sizeof(when), "%H:%M:%S", &tm)) {
		LINE("Sent");
		LINE("  %s", when);
	}
	LINE("Enter");
	LINE("  as a curl command");
#undef LINE
	draw_field_lines(win, lines, n, top);
	for (int i = 0; i < n; i++)
		free(lines[i]);
}

/* The selected request as a curl command, in the pager. */
static void show_curl(struct view *v)
{
	const struct reqlog_entry *e = selected(v);
	char *line, *cmd, title[64];
	struct buf b;

	if (!e) {
		app_message(v->app, false, "no request selected");
		return;
	}
	line = reqlog_line(e);
	cmd = reqlog_curl(e);
	buf_init(&b);
	if (line && cmd && buf_printf(&b, "# %s\n%s", line, cmd)) {
		snprintf(title, sizeof(title), "request %lu as curl", e->seq);
		app_push(v->app, view_pager_new(v->app, title, b.data));
	} else {
		app_message(v->app, true, "out of memory");
	}
	buf_free(&b);
	free(line);
	free(cmd);
}

static enum view_result requests_action(struct view *v, enum action a)
{
	struct requests_view *rv = priv(v);

	follow(rv);
	if (list_move(&rv->pos, (int)reqlog_count(rv->log), rv->height, a)) {
		pin(rv);
		return VIEW_HANDLED;
	}
	if (a == ACTION_ENTER) {
		show_curl(v);
		return VIEW_HANDLED;
	}
	return VIEW_IGNORED;
}

/* Whether request i of the log ctx matches pattern (list_match_fn). */
static bool matches(const void *ctx, int i, const char *pattern)
{
	const struct reqlog_entry *e = reqlog_get(ctx, (size_t)i);
	char status[16];

	snprintf(status, sizeof(status), "%ld", e->status);
	return strcasestr(e->path, pattern) || (e->endpoint && strcasestr(e->endpoint, pattern)) ||
	       strcasecmp(http_method_name(e->method), pattern) == 0 ||
	       strcmp(status, pattern) == 0 || (e->warn && strcasestr(e->warn, pattern)) ||
	       (e->failure && strcasestr(e->failure, pattern));
}

static bool requests_search(struct view *v, const char *pattern, int dir)
{
	struct requests_view *rv = priv(v);

	follow(rv);
	if (!list_search(&rv->pos, (int)reqlog_count(rv->log), rv->height, dir, matches, rv->log,
	                 pattern))
		return false;
	pin(rv);
	return true;
}

static void requests_title(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "requests");
}

static void requests_status(struct view *v, char *out, size_t n)
{
	struct requests_view *rv = priv(v);
	size_t count = reqlog_count(rv->log);

	snprintf(out, n, "%zu request%s │ Enter: as curl", count, count == 1 ? "" : "s");
}

static void requests_free(struct view *v)
{
	reqlog_unlisten(priv(v)->log, on_entry, v);
	free(v->priv);
	free(v);
}

static const struct view_ops requests_ops = {
    .name = "requests",
    .title = requests_title,
    .draw = requests_draw,
    .draw_detail = requests_draw_detail,
    .action = requests_action,
    .search = requests_search,
    .status = requests_status,
    .free = requests_free,
};

/* The request log; see view.h. */
struct view *view_requests_new(struct app *app, struct reqlog *log)
{
	struct view *v = calloc(1, sizeof(*v));
	struct requests_view *rv = calloc(1, sizeof(*rv));

	if (!v || !rv || !log || !reqlog_listen(log, on_entry, v)) {
		free(rv);
		free(v);
		return NULL;
	}
	rv->log = log;
	rv->height = 20;
	v->ops = &requests_ops;
	v->app = app;
	v->priv = rv;
	return v;
}

/* The request log: opened by the app, registered for its keys. */
const struct view_info view_info_requests = {
    .name = "requests",
};
