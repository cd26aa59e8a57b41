#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "model_storage.h"
#include "live_watch.h"
#include "term_safe.h"
#include "treeview.h"
#include "util.h"

/* A Storage tree watched live: the room's socket pushes each op, the tree
 * shows the document the watch rebuilds, the change log is the op log
 * with who did what. When push is not available the tree polls as watch
 * mode always did, and says why once. */

static void say_reason(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	char why[320];

	if (tv->live && live_watch_take_reason(tv->live, tv, why, sizeof(why)))
		app_message(v->app, live_watch_mode(tv->live) == LIVE_WATCH_POLLING &&
		                        !tv->live_poll && strncmp(why, "polling (", 9) != 0,
		            "%s", why);
}

/* Push is not to be had: poll the resource as watch mode does. */
static void fall_back(struct view *v)
{
	struct treeview *tv = treeview_of(v);

	if (tv->base.watch.on)
		return;
	watch_init(&tv->base.watch, true, now_ms());
	model_need(app_model(v->app), tv->base.res);
}

static void on_live(void *ud, unsigned what)
{
	struct view *v = ud;
	struct treeview *tv = treeview_of(v);

	if (what & LIVE_WATCH_STATE) {
		say_reason(v);
		if (live_watch_mode(tv->live) == LIVE_WATCH_POLLING)
			fall_back(v);
	}
	if (what & LIVE_WATCH_DOC)
		treeview_live_take(v);
	app_dirty(v->app);
}

bool treeview_live_start(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	struct lb_error err;

	if (tv->live || !tv->live_room)
		return true;
	tv->live = live_watch_open(app_model(v->app), tv->live_room, tv->live_plain_json, true,
	                           tv->live_poll, &err);
	if (!tv->live || !live_watch_listen(tv->live, on_live, v)) {
		live_watch_close(&tv->live);
		app_message(v->app, true, "out of memory");
		return false;
	}
	tv->live_gen = 0;
	tv->live_reread_gen = tv->base.res->generation;
	say_reason(v);
	if (live_watch_mode(tv->live) == LIVE_WATCH_POLLING)
		fall_back(v);
	else
		/* The socket brings a newer document than any re-read would. */
		treeview_live_take(v);
	return true;
}

void treeview_live_stop(struct view *v)
{
	struct treeview *tv = treeview_of(v);

	if (!tv->live)
		return;
	live_watch_unlisten(tv->live, on_live, v);
	live_watch_close(&tv->live);
	tv->base.watch.on = false;
	/* The resource is the shown document's source again: it may be
	 * older than what the socket brought, so the next re-read is
	 * compared with what is shown. */
	tv->seen_any = false;
}

bool treeview_live_pushing(const struct treeview *tv)
{
	return tv->live && live_watch_mode(tv->live) != LIVE_WATCH_POLLING;
}

void treeview_live_reread(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	struct resource *r = tv->base.res;
	struct lson_doc *rest = model_document(r), *mine;
	struct lson_delta *d = NULL;
	size_t n;

	if (!r->has_data || !rest || r->generation == tv->live_reread_gen ||
	    !(mine = live_watch_doc(tv->live, NULL)))
		return;
	tv->live_reread_gen = r->generation;
	n = lson_diff(mine, rest, &d);
	lson_deltas_free(&d, n);
	lson_unref(&mine);
	if (!n)
		return;
	live_watch_refetch(tv->live);
	app_message(v->app, false, "the live tree and a re-read of Storage disagree (%zu change%s): "
	            "fetching Storage again", n, n == 1 ? "" : "s");
}

bool treeview_live_take(struct view *v)
{
	struct treeview *tv = treeview_of(v);
	unsigned gen;
	struct lson_doc *doc;

	if (!treeview_live_pushing(tv) || !(doc = live_watch_doc(tv->live, &gen)))
		return false;
	if (gen == tv->live_gen) {
		lson_unref(&doc);
		return false;
	}
	tv->live_gen = gen;
	tree_set_doc(tv->tree, doc, tree_doc(tv->tree) != NULL && !tv->untracked_next, now_ms());
	tv->untracked_next = false;
	lson_unref(&doc);
	return true;
}

/* The sparkline's width on the status line: the minute in 10 columns. */
#define SPARK_COLS 10

bool treeview_live_moving(const struct treeview *tv, long long now)
{
	struct live_watch_stats st;

	if (!treeview_live_pushing(tv))
		return false;
	live_watch_get_stats(tv->live, now, &st);
	/* Until the last op has left the minute the sparkline shows. */
	for (int i = 0; i < LIVE_WATCH_SPARK; i++)
		if (st.spark[i])
			return true;
	return false;
}

bool treeview_live_describe(const struct treeview *tv, bool status, char *out, size_t n)
{
	struct live_watch_stats st;
	enum live_watch_mode mode;
	char spark[LIVE_WATCH_SPARK * 4], extra[64] = "", rate[32];

	if (!tv->live)
		return false;
	mode = live_watch_mode(tv->live);
	if (mode == LIVE_WATCH_POLLING) {
		char iv[32];

		/* The status line keeps watch mode's short " │ watch 1s". */
		if (status)
			return false;

		snprintf(iv, sizeof(iv), "%.2g", tv->base.watch.current_ms / 1000.0);
		snprintf(out, n, "polling every %s s%s", iv,
		         tv->base.watch.failing ? " (failing)" : tv->base.watch.slow ? " (slow)" : "");
		return true;
	}
	live_watch_get_stats(tv->live, now_ms(), &st);
	if (!status) {
		snprintf(out, n, "%s", live_watch_mode_name(mode));
		return true;
	}
	/* The mode is on the breadcrumb line; here the rate and the minute. */
	live_watch_sparkline(&st, SPARK_COLS, spark, sizeof(spark));
	if (st.unknown || st.ignored)
		snprintf(extra, sizeof(extra), ", %zu unknown", st.unknown + st.ignored);
	live_watch_rate_text(&st, rate, sizeof(rate));
	snprintf(out, n, "%s %s%s", rate, spark, extra);
	return true;
}

/* Whether path is prefix or below it. */
static bool at_or_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return path && !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

/* A value for the log: cut, "∅" for none. */
static void log_value(struct buf *b, const char *json)
{
	size_t len = json ? strlen(json) : 0;

	if (!json)
		buf_printf(b, "∅");
	else if (len > 120)
		buf_printf(b, "%.*s…", (int)tree_utf8_cut(json, 120), json);
	else
		buf_printf(b, "%s", json);
}

char *treeview_live_log(const struct treeview *tv, const char *path)
{
	struct buf b;
	size_t n = tv->live ? live_watch_op_count(tv->live) : 0;
	unsigned long shown_msg = 0;

	buf_init(&b);
	/* Newest message first; its ops in the order they were made. */
	for (size_t end = n; end > 0;) {
		size_t start = end - 1;
		const struct live_op_entry *e;

		while (start > 0 && live_watch_op(tv->live, start - 1)->message ==
		                        live_watch_op(tv->live, end - 1)->message)
			start--;
		for (size_t i = start; i < end; i++) {
			char at[32];

			e = live_watch_op(tv->live, i);
			if (!at_or_below(e->path, path) && !at_or_below(e->from, path))
				continue;
			if (shown_msg != e->message) {
				shown_msg = e->message;
				char who[300];

				format_clock_ms(e->wall_ms, at, sizeof(at));
				live_op_who(e, who, sizeof(who));
				buf_printf(&b, "%s%s  %s\n", b.len ? "\n" : "", at, who);
			}
			buf_printf(&b, "  %-6s %s%s%s: ", e->kind, e->from ? e->from : "",
			           e->from ? " → " : "", e->path[0] ? e->path : "/");
			log_value(&b, e->before);
			buf_printf(&b, " → ");
			log_value(&b, e->after);
			buf_printf(&b, "\n");
		}
		end = start;
	}
	return buf_steal(&b);
}
