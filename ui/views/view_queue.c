#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "bulk.h"
#include "cmd.h"
#include "draw.h"
#include "files.h"
#include "listview.h"
#include "moderation.h"
#include "output.h"
#include "pattern.h"
#include "queue.h"
#include "term_safe.h"
#include "thread_cells.h"
#include "thread_export.h"
#include "threads.h"
#include "view.h"

/* The moderation queue: the threads of every room of the project (or of
 * the rooms a prefix or a room query picks), newest first, filled in as
 * the rooms' threads come. Rows are tagged as in mutt (t, T, ;) and the
 * changes of moderation/model_moderate run on the tagged rows, or on the
 * row under the cursor, as one bulk job: it says what it will do, asks
 * once, shows its progress, reports what failed (which stays tagged) and
 * can be undone (z) where the API can reverse it. */

struct queue_view {
	struct listview lv; /* first */
	/* The queue as asked for (owned copies): the command's thread query,
	 * and the pattern's server part added to it when limited. */
	char *prefix, *room_query, *thread_query;
	bool unresolved;
	/* The local part of the limit (L), as typed and parsed; NULL: none. */
	char *pattern_text;
	struct thread_pattern *pattern;
	char where[256]; /* which part of the limit ran where */
	bool on_tagged;  /* ; was pressed: the next action is for the tagged rows */
	/* The last bulk job, its targets (room and thread of each item) and
	 * whether its outcome was reported. */
	struct resource *job;
	char **job_rooms, **job_threads;
	size_t job_n;
	enum mod_action job_action;
	bool job_reported;
	char *job_saved; /* where a delete kept what it deleted */
	char *writer;    /* who to write as when the profile has no user = */
	long long now_s; /* the age patterns are measured from */
};

static struct queue_view *priv(struct view *v)
{
	return (struct queue_view *)v->priv;
}

/* ---- the table --------------------------------------------------------- */

static int rows_count(const void *data)
{
	return (int)queue_count(data);
}

static const void *row_at(const void *data, int i)
{
	return queue_thread_at(data, (size_t)i);
}

static const char *tag_text(const void *item, int width, char *buf, size_t n)
{
	(void)item;
	(void)width;
	(void)buf;
	(void)n;
	return "";
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "tag", .title = " ", .want = 1, .min = 1, .prio = 0, .el = THEME_TAGGED,
     .text = tag_text},
    {.name = "room", .title = "ROOM", .want = 14, .min = 6, .prio = 0, .fit = true, .middle = true,
     .el = THEME_ID, .text = thread_cell_room},
    {.name = "author", .title = "AUTHOR", .want = 10, .min = 5, .prio = 1, .fit = true,
     .el = THEME_ID, .text = thread_cell_author},
    {.name = "text", .title = "FIRST LINE", .want = 30, .min = 10, .prio = 0, .rest = true,
     .el = THEME_VALUE, .text = thread_cell_first_line},
    {.name = "comments", .title = "#", .want = 3, .min = 3, .prio = 1, .el = THEME_VALUE,
     .text = thread_cell_comments, .number = thread_comments_number},
    {.name = "reactions", .title = "REACT", .want = 5, .min = 5, .prio = 2, .el = THEME_VALUE,
     .text = thread_cell_reactions, .number = thread_reactions_number},
    {.name = "resolved", .title = "STATE", .want = 8, .min = 4, .prio = 1, .el = THEME_KEY,
     .text = thread_cell_state},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 2, .el = THEME_DATE,
     .text = thread_cell_created, .number = thread_created_number},
    {.name = "metadata", .title = "METADATA", .want = 20, .min = 8, .prio = 3,
     .el = THEME_MUTED, .text = thread_cell_metadata},
    {.name = "id", .title = "ID", .want = 12, .min = 8, .prio = 5, .fit = true, .middle = true,
     .el = THEME_ID, .text = thread_cell_id},
};
/* clang-format on */

static const struct list_table queue_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = rows_count,
    .item = row_at,
    .id = thread_cell_key,
};

static enum theme_element queue_element(struct view *v, int col, const void *item)
{
	(void)v;
	if (strcmp(columns[col].name, "resolved") == 0)
		return thread_state_element(item);
	return columns[col].el;
}

static const struct thread *selected(struct view *v)
{
	return listview_selected(v);
}

/* ---- title, status, detail ---------------------------------------------- */

/* "queue", what picks the rooms and the threads: another limit on the
 * server is another place. */
static void queue_title(struct view *v, char *out, size_t n)
{
	struct queue_view *q = priv(v);
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "queue");
	if (q->prefix)
		buf_printf(&b, " --prefix %s", q->prefix);
	if (q->room_query)
		buf_printf(&b, " --rooms %s", q->room_query);
	if (q->thread_query)
		buf_printf(&b, " --threads %s", q->thread_query);
	if (q->unresolved)
		buf_adds(&b, " --unresolved");
	char *safe = b.data ? ts_sanitize(b.data, b.len) : NULL;
	snprintf(out, n, "%s", safe ? safe : "queue");
	free(safe);
	buf_free(&b);
}

static void queue_empty(struct view *v, char *out, size_t n)
{
	struct queue_progress p;
	if (queue_progress(resview_of(v)->res, &p) && p.running)
		snprintf(out, n, "No threads yet — %zu of %zu rooms read", p.rooms_done,
		         p.rooms_listed);
	else
		snprintf(out, n, "No threads in these rooms");
}

/* The progress of the bulk job while it runs, else of the queue; then
 * the tags and where the limit ran. */
static void queue_count_status(struct view *v, char *out, size_t n)
{
	struct queue_view *q = priv(v);
	char line[256];
	struct bulk_progress bp;

	if (q->job && bulk_progress(q->job, &bp) && (bp.queued || bp.in_flight))
		bulk_progress_line(q->job, line, sizeof(line));
	else
		queue_progress_line(resview_of(v)->res, line, sizeof(line));
	size_t used = (size_t)snprintf(out, n, "%s", line);
	size_t tags = listview_tag_count(v);
	if (tags && used < n)
		used += (size_t)snprintf(out + used, n - used, " · %zu tagged%s", tags,
		                         q->on_tagged ? " (;)" : "");
	if (q->where[0] && used < n)
		snprintf(out + used, n - used, " · %s", q->where);
}

static void queue_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct thread *t = selected(v);
	if (t)
		thread_draw_summary(win, top, t, true, NULL);
}

/* ---- bulk jobs ------------------------------------------------------------ */

static void job_forget(struct queue_view *q, struct model *m)
{
	if (q->job)
		model_release(m, &q->job);
	for (size_t i = 0; i < q->job_n; i++) {
		free(q->job_rooms[i]);
		free(q->job_threads[i]);
	}
	free(q->job_rooms);
	free(q->job_threads);
	q->job_rooms = q->job_threads = NULL;
	q->job_n = 0;
	free(q->job_saved);
	q->job_saved = NULL;
}

static const char *action_verb(enum mod_action a)
{
	switch (a) {
	case MOD_RESOLVE:
		return "resolved";
	case MOD_UNRESOLVE:
		return "reopened";
	case MOD_DELETE_THREAD:
	case MOD_DELETE_COMMENT:
		return "deleted";
	case MOD_METADATA:
		return "changed";
	case MOD_REACT:
		return "reacted to";
	case MOD_UNREACT:
		return "unreacted";
	case MOD_SUBSCRIBE:
		return "subscribed to";
	case MOD_UNSUBSCRIBE:
		return "unsubscribed from";
	}
	return "changed";
}

/* The job ended: what went, what failed and why (the failed stay tagged,
 * the rest are untagged), and the rooms it touched read again. */
static void job_report(struct view *v)
{
	struct queue_view *q = priv(v);
	struct resource *qr = resview_of(v)->res;
	struct model *m = app_model(v->app);
	struct bulk_progress bp;
	char why[512] = "";

	if (!q->job || q->job_reported || !bulk_progress(q->job, &bp) || bp.queued || bp.in_flight)
		return;
	q->job_reported = true;
	for (size_t i = 0; i < q->job_n; i++) {
		const struct bulk_item *it = bulk_item(q->job, i);
		if (!it)
			continue;
		if (it->state != BULK_DONE && !why[0] && it->error)
			snprintf(why, sizeof(why), "%s: %s", q->job_threads[i], it->error);
		if (it->state == BULK_DONE) {
			for (size_t k = 0; k < queue_count(qr); k++) {
				const struct thread *t = queue_thread_at(qr, k);
				if (t->id && !strcmp(t->id, q->job_threads[i]))
					listview_tag_set(v, t, false);
			}
		}
		bool first_of_room = true;
		for (size_t k = 0; k < i && first_of_room; k++)
			first_of_room = strcmp(q->job_rooms[k], q->job_rooms[i]) != 0;
		if (first_of_room)
			queue_reload_room(m, qr, q->job_rooms[i]);
	}
	size_t bad = bp.failed + bp.unknown + bp.cancelled;
	if (bad)
		app_message(v->app, true,
		            "%s %zu of %zu; %zu failed (still tagged: ; retries) — %s",
		            action_verb(q->job_action), bp.done, bp.total, bad, why);
	else if (q->job_saved)
		app_message(v->app, false, "%s %zu of %zu; kept in %s", action_verb(q->job_action),
		            bp.done, bp.total, q->job_saved);
	else
		app_message(v->app, false, "%s %zu of %zu%s", action_verb(q->job_action), bp.done,
		            bp.total, q->job_action == MOD_DELETE_THREAD ? "" : " (z undoes)");
}

/* What an action is about: the tagged rows after ;, else the one under
 * the cursor. */
struct plan {
	struct mod_request rq;
	struct mod_target *t;
	size_t n;
	char *metadata, *emoji, *user;
	bool from_undo; /* made by mod_undo_plan, which owns what it holds */
};

static void plan_free(struct plan *p)
{
	if (p->from_undo) {
		mod_plan_free(&p->rq, p->t, p->n);
		free(p);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		free((char *)p->t[i].room_id);
		free((char *)p->t[i].thread_id);
		free((char *)p->t[i].comment_id);
		free((char *)p->t[i].seen_json);
	}
	free(p->t);
	free(p->metadata);
	free(p->emoji);
	free(p->user);
	free(p);
}

/* The targets of action a: the tagged rows shown, or the selected one.
 * NULL with a message when none. */
static struct plan *plan_new(struct view *v, enum mod_action a)
{
	struct queue_view *q = priv(v);
	struct plan *p = calloc(1, sizeof(*p));
	bool tagged = q->on_tagged;
	/* The tagged rows shown: what a limit hides is left alone. */
	size_t n = tagged ? (size_t)listview_rows(v) : 1;

	q->on_tagged = false;
	if (!p || !(p->t = calloc(n ? n : 1, sizeof(*p->t)))) {
		free(p);
		app_message(v->app, true, "out of memory");
		return NULL;
	}
	p->rq.action = a;
	for (size_t i = 0; i < n; i++) {
		const struct thread *t = tagged ? listview_row_item(v, (int)i) : selected(v);
		if (!t || (tagged && !listview_is_tagged(v, t)))
			continue;
		const struct comment *c = t->n_comments ? &t->comments[0] : NULL;
		bool on_comment = a == MOD_REACT || a == MOD_UNREACT || a == MOD_DELETE_COMMENT;
		if (on_comment && !c)
			continue;
		/* Copies: the queue's rows may be read again before the answer. */
		struct mod_target *mt = &p->t[p->n++];
		mt->room_id = strdup(t->room_id ? t->room_id : "");
		mt->thread_id = strdup(t->id ? t->id : "");
		mt->comment_id = on_comment && c->id ? strdup(c->id) : NULL;
		/* What the change is checked against: the comment for one
		 * about a comment, else the thread. */
		mt->seen_json = on_comment ? mod_comment_json(t, c->id)
		                           : (t->raw_json ? strdup(t->raw_json) : NULL);
		if (!mt->room_id || !mt->thread_id || (on_comment && c->id && !mt->comment_id) ||
		    !mt->seen_json) {
			plan_free(p);
			app_message(v->app, true, "out of memory");
			return NULL;
		}
	}
	if (p->n == 0) {
		app_message(v->app, false,
		            tagged ? "no thread is tagged (t tags, T tags a pattern)"
		                   : "no thread selected");
		plan_free(p);
		return NULL;
	}
	return p;
}

struct pending {
	struct app *app;
	struct view *v;
	struct plan *plan;
};

static void pending_free(struct pending *pd)
{
	if (pd->plan)
		plan_free(pd->plan);
	free(pd);
}

/* Start the job of a plan the user said yes to. */
static void plan_run(struct view *v, struct plan *p)
{
	struct queue_view *q = priv(v);
	struct model *m = app_model(v->app);
	struct lb_error err;
	char *saved = NULL;

	lb_error_clear(&err);
	job_forget(q, m);
	q->job_rooms = calloc(p->n, sizeof(char *));
	q->job_threads = calloc(p->n, sizeof(char *));
	for (size_t i = 0; q->job_rooms && q->job_threads && i < p->n; i++) {
		q->job_rooms[i] = strdup(p->t[i].room_id);
		q->job_threads[i] = strdup(p->t[i].thread_id);
		if (q->job_rooms[i] && q->job_threads[i])
			q->job_n = i + 1;
	}
	if (q->job_n != p->n) {
		app_message(v->app, true, "out of memory");
		job_forget(q, m);
		return;
	}
	q->job = model_moderate(m, &p->rq, p->t, p->n, &saved, &err);
	if (!q->job) {
		char msg[700];
		lb_error_format(&err, msg, sizeof(msg));
		app_message(v->app, true, "%s", msg);
		free(saved);
		job_forget(q, m);
		return;
	}
	q->job_saved = saved;
	q->job_action = p->rq.action;
	q->job_reported = false;
	job_report(v);
}

static void confirmed(void *ctx, bool yes)
{
	struct pending *pd = ctx;

	if (yes && app_has_view(pd->app, pd->v))
		plan_run(pd->v, pd->plan);
	else if (app_has_view(pd->app, pd->v))
		app_message(pd->app, false, "nothing was changed");
	pending_free(pd);
}

/* Say what the plan will do and ask once. */
static void plan_ask(struct view *v, struct plan *p, bool undo)
{
	struct pending *pd = calloc(1, sizeof(*pd));
	char *raw = mod_describe(&p->rq, p->t, p->n);
	char *what = raw ? ts_sanitize(raw, strlen(raw)) : NULL;
	struct buf preview;

	free(raw);
	if (!pd || !what) {
		free(pd);
		free(what);
		plan_free(p);
		app_message(v->app, true, "out of memory");
		return;
	}
	*pd = (struct pending){.app = v->app, .v = v, .plan = p};
	buf_init(&preview);
	buf_printf(&preview, "%s%s\n\n", undo ? "Undo: " : "", what);
	for (size_t i = 0; i < p->n && i < 200; i++) {
		char *room = ts_sanitize(p->t[i].room_id, strlen(p->t[i].room_id));
		buf_printf(&preview, "  %s  %s\n", room ? room : "", p->t[i].thread_id);
		free(room);
	}
	if (p->n > 200)
		buf_printf(&preview, "  … and %zu more\n", p->n - 200);
	char question[600];
	snprintf(question, sizeof(question), "%s%s?", undo ? "Undo: " : "", what);
	question[0] =
	    (char)(question[0] >= 'a' && question[0] <= 'z' ? question[0] - 32 : question[0]);
	app_confirm(v->app, "bulk change", preview.data ? preview.data : "", question, confirmed,
	            pd);
	buf_free(&preview);
	free(what);
}

/* Who writes: the profile's user =, else the one given for this queue,
 * else ask once (then go on with the plan). */
static void with_writer(struct view *v, struct plan *p);

static void writer_given(void *ctx, const char *text)
{
	struct pending *pd = ctx;

	if (!text || !text[0] || !app_has_view(pd->app, pd->v)) {
		if (app_has_view(pd->app, pd->v))
			app_message(pd->app, false, "nothing was changed: no user to write as");
		pending_free(pd);
		return;
	}
	struct queue_view *q = priv(pd->v);
	free(q->writer);
	q->writer = strdup(text);
	struct plan *p = pd->plan;
	pd->plan = NULL;
	struct view *v = pd->v;
	pending_free(pd);
	if (q->writer)
		with_writer(v, p);
	else
		plan_free(p);
}

static void with_writer(struct view *v, struct plan *p)
{
	struct queue_view *q = priv(v);
	const char *user = app_user(v->app) ? app_user(v->app) : q->writer;
	bool needs = p->rq.action != MOD_DELETE_THREAD && p->rq.action != MOD_DELETE_COMMENT;

	if (needs && !user) {
		struct pending *pd = calloc(1, sizeof(*pd));
		if (!pd) {
			plan_free(p);
			return;
		}
		*pd = (struct pending){.app = v->app, .v = v, .plan = p};
		app_ask(v->app,
		        "write as user (user = in the profile saves asking): ", writer_given, pd);
		return;
	}
	if (user && !(p->user = strdup(user))) {
		plan_free(p);
		return;
	}
	p->rq.user_id = p->user;
	plan_ask(v, p, false);
}

static void metadata_given(void *ctx, const char *text)
{
	struct pending *pd = ctx;
	struct lb_error err;
	struct strv set = {0}, unset = {0};
	struct buf obj;

	if (!text || !text[0] || !app_has_view(pd->app, pd->v)) {
		pending_free(pd);
		return;
	}
	/* KEY=VALUE sets, KEY= (or -KEY) removes; words split as on the
	 * command line, so a value with spaces is quoted. */
	buf_init(&obj);
	lb_error_clear(&err);
	int argc = 0;
	char **argv = NULL;
	bool split = cmd_split(text, &argc, &argv, &err);
	for (int i = 0; split && i < argc; i++) {
		char *w = argv[i];
		size_t len = strlen(w);
		if (w[0] == '-')
			strv_push(&unset, w + 1);
		else if (len && w[len - 1] == '=') {
			w[len - 1] = '\0';
			strv_push(&unset, w);
		} else
			strv_push(&set, w);
	}
	if (split)
		cmd_argv_free(&argv);
	struct view *v = pd->v;
	if (split && thread_metadata_build(&set, &unset, &obj, &err)) {
		struct plan *p = pd->plan;
		pd->plan = NULL;
		p->metadata = buf_steal(&obj);
		p->rq.metadata_json = p->metadata;
		with_writer(v, p);
	} else {
		char msg[700];
		lb_error_format(&err, msg, sizeof(msg));
		app_message(pd->app, true, "%s", msg);
	}
	buf_free(&obj);
	strv_free(&set);
	strv_free(&unset);
	pending_free(pd);
}

static void emoji_given(void *ctx, const char *text)
{
	struct pending *pd = ctx;

	if (!text || !text[0] || !app_has_view(pd->app, pd->v)) {
		pending_free(pd);
		return;
	}
	struct plan *p = pd->plan;
	pd->plan = NULL;
	struct view *v = pd->v;
	pending_free(pd);
	if (!(p->emoji = strdup(text))) {
		plan_free(p);
		return;
	}
	p->rq.emoji = p->emoji;
	with_writer(v, p);
}

/* Start action a on the tagged rows (after ;) or the selected one. */
static void act(struct view *v, enum mod_action a)
{
	struct plan *p = plan_new(v, a);
	if (!p)
		return;
	if (a == MOD_METADATA || a == MOD_REACT || a == MOD_UNREACT) {
		struct pending *pd = calloc(1, sizeof(*pd));
		if (!pd) {
			plan_free(p);
			return;
		}
		*pd = (struct pending){.app = v->app, .v = v, .plan = p};
		if (a == MOD_METADATA)
			app_ask(v->app, "metadata (KEY=VALUE sets, KEY= removes): ", metadata_given,
			        pd);
		else
			app_ask(
			    v->app,
			    a == MOD_REACT
			        ? "react with (👍 ❤️ 🎉 😄 👀 🚀 ✅ or any emoji): "
			        : "remove the reaction: ",
			    emoji_given, pd);
		return;
	}
	with_writer(v, p);
}

static void undo(struct view *v)
{
	struct queue_view *q = priv(v);
	struct bulk_progress bp;
	char why[256] = "";

	if (!q->job) {
		app_message(v->app, false, "nothing to undo");
		return;
	}
	if (bulk_progress(q->job, &bp) && (bp.queued || bp.in_flight)) {
		app_message(v->app, false, "the last change is still running");
		return;
	}
	struct plan *p = calloc(1, sizeof(*p));
	if (!p) {
		app_message(v->app, true, "out of memory");
		return;
	}
	if (!mod_undo_plan(q->job, &p->rq, &p->t, &p->n, why, sizeof(why))) {
		app_message(v->app, false, "%s", why[0] ? why : "this cannot be undone");
		free(p);
		return;
	}
	p->from_undo = true;
	plan_ask(v, p, true);
}

/* ---- the limit (L) --------------------------------------------------------- */

static bool keep_row(const void *item, void *ud)
{
	struct queue_view *q = ud;
	return !q->pattern || thread_pattern_match(q->pattern, item, q->now_s);
}

struct queue_opts {
	struct queue_spec spec;
	const char *pattern; /* a local limit to start with; NULL: none */
};

static struct view *queue_new(struct app *app, const struct queue_opts *o);

/* Limit to the threads a pattern matches: the part the server's thread
 * query can say goes to the server (another queue, q goes back), the rest
 * is matched here. */
static void limit_given(void *ctx, const char *text)
{
	struct pending *pd = ctx;
	struct view *v = pd->v;
	struct app *app = pd->app;

	pending_free(pd);
	if (!text || !app_has_view(app, v))
		return;
	struct queue_view *q = priv(v);
	if (!text[0]) {
		thread_pattern_free(q->pattern);
		q->pattern = NULL;
		free(q->pattern_text);
		q->pattern_text = NULL;
		q->where[0] = '\0';
		listview_keep(v, NULL, NULL);
		app_note(app, "limit cleared: every thread is shown");
		return;
	}
	struct lb_error err;
	lb_error_clear(&err);
	struct thread_pattern *pat = thread_pattern_parse(text, &err);
	if (!pat) {
		char msg[700];
		lb_error_format(&err, msg, sizeof(msg));
		app_message(app, true, "%s", msg);
		return;
	}
	bool rest = false, nomem = false;
	char *server = thread_pattern_server_query(pat, &rest, &nomem);
	if (nomem) {
		thread_pattern_free(pat);
		app_message(app, true, "out of memory");
		return;
	}
	if (server) {
		struct buf tq;
		buf_init(&tq);
		if (q->thread_query)
			buf_printf(&tq, "%s ", q->thread_query);
		buf_adds(&tq, server);
		struct queue_opts o = {
		    .spec = {.prefix = q->prefix,
		             .room_query = q->room_query,
		             .thread_query = tq.data,
		             .unresolved = q->unresolved},
		    .pattern = text,
		};
		thread_pattern_free(pat);
		free(server);
		struct view *nv = queue_new(app, &o);
		buf_free(&tq);
		app_push(app, nv);
		return;
	}
	thread_pattern_free(q->pattern);
	q->pattern = pat;
	free(q->pattern_text);
	q->pattern_text = strdup(text);
	thread_pattern_describe(pat, q->where, sizeof(q->where));
	q->now_s = (long long)time(NULL);
	listview_keep(v, keep_row, q);
}

static void ask_limit(struct view *v)
{
	struct pending *pd = calloc(1, sizeof(*pd));
	if (!pd)
		return;
	*pd = (struct pending){.app = v->app, .v = v};
	app_ask(v->app,
	        "limit to (~a author ~b text ~r room ~d age ~R reactions ~D deleted ~U open): ",
	        limit_given, pd);
}

/* T: tag every row shown that a pattern matches. */
static void tag_given(void *ctx, const char *text)
{
	struct pending *pd = ctx;
	struct view *v = pd->v;
	struct app *app = pd->app;

	pending_free(pd);
	if (!text || !text[0] || !app_has_view(app, v))
		return;
	struct lb_error err;
	lb_error_clear(&err);
	struct thread_pattern *pat = thread_pattern_parse(text, &err);
	if (!pat) {
		char msg[700];
		lb_error_format(&err, msg, sizeof(msg));
		app_message(app, true, "%s", msg);
		return;
	}
	long long now = (long long)time(NULL);
	size_t tagged = 0;
	int rows = listview_rows(v);
	for (int i = 0; i < rows; i++) {
		const struct thread *t = listview_row_item(v, i);
		if (t && thread_pattern_match(pat, t, now) && listview_tag_set(v, t, true))
			tagged++;
	}
	thread_pattern_free(pat);
	app_note(app, "tagged %zu threads (%zu tagged in all)", tagged, listview_tag_count(v));
}

static void ask_tag(struct view *v)
{
	struct pending *pd = calloc(1, sizeof(*pd));
	if (!pd)
		return;
	*pd = (struct pending){.app = v->app, .v = v};
	app_ask(v->app, "tag threads matching: ", tag_given, pd);
}

/* ---- keys ---------------------------------------------------------------- */

static void open_thread(struct view *v)
{
	const struct thread *t = selected(v);
	if (!t) {
		app_message(v->app, false, "no thread selected");
		return;
	}
	char *room = cmd_quote(t->room_id ? t->room_id : "");
	char *id = cmd_quote(t->id ? t->id : "");
	struct buf line;
	buf_init(&line);
	if (room && id && buf_printf(&line, "thread show %s %s", room, id))
		app_command(v->app, line.data);
	buf_free(&line);
	free(room);
	free(id);
}

static enum view_result queue_action(struct view *v, enum action a)
{
	struct queue_view *q = priv(v);

	if (a == ACTION_ENTER) {
		open_thread(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "queue-tag")) {
		const struct thread *t = selected(v);
		if (t)
			listview_tag_set(v, t, !listview_is_tagged(v, t));
		listview_action(v, ACTION_MOVE_DOWN);
	} else if (view_action_is(a, "queue-tag-pattern")) {
		ask_tag(v);
	} else if (view_action_is(a, "queue-untag-all")) {
		listview_untag_all(v);
		app_note(v->app, "every tag cleared");
	} else if (view_action_is(a, "queue-on-tagged")) {
		if (!listview_tag_count(v)) {
			app_message(v->app, false,
			            "no thread is tagged (t tags, T tags a pattern)");
		} else {
			q->on_tagged = true;
			app_note(v->app, "; the next action is for the %zu tagged threads",
			         listview_tag_count(v));
		}
	} else if (view_action_is(a, "queue-limit")) {
		ask_limit(v);
	} else if (view_action_is(a, "queue-resolve")) {
		act(v, MOD_RESOLVE);
	} else if (view_action_is(a, "queue-unresolve")) {
		act(v, MOD_UNRESOLVE);
	} else if (view_action_is(a, "queue-delete")) {
		act(v, MOD_DELETE_THREAD);
	} else if (view_action_is(a, "queue-metadata")) {
		act(v, MOD_METADATA);
	} else if (view_action_is(a, "queue-react")) {
		act(v, MOD_REACT);
	} else if (view_action_is(a, "queue-unreact")) {
		act(v, MOD_UNREACT);
	} else if (view_action_is(a, "queue-subscribe")) {
		act(v, MOD_SUBSCRIBE);
	} else if (view_action_is(a, "queue-unsubscribe")) {
		act(v, MOD_UNSUBSCRIBE);
	} else if (view_action_is(a, "queue-undo")) {
		undo(v);
	} else {
		if (a == ACTION_BACK && q->on_tagged) {
			q->on_tagged = false;
			app_note(v->app, "; cancelled");
			return VIEW_HANDLED;
		}
		return listview_action(v, a);
	}
	return VIEW_HANDLED;
}

static void queue_changed(struct view *v, struct resource *r)
{
	struct queue_view *q = priv(v);

	if (q->job && r == q->job) {
		job_report(v);
		return;
	}
	listview_changed(v, r);
}

static struct resource *queue_busy(struct view *v)
{
	struct queue_view *q = priv(v);
	struct bulk_progress bp;

	if (q->job && bulk_progress(q->job, &bp) && (bp.queued || bp.in_flight))
		return q->job;
	return resview_busy(v);
}

/* :export FILE: Markdown or the API's JSON of the rows shown (.md, .json);
 * CSV as every list. */
static bool queue_export(struct view *v, const char *path, bool force, char *done, size_t n,
                         struct lb_error *err)
{
	enum export_format f = export_format_of(path);
	const char *dot = strrchr(path, '.');

	if (dot && !strcmp(dot, ".csv"))
		return listview_export(v, path, force, done, n, err);
	if ((int)f < 0) {
		lb_error_set(err, LB_USAGE, "export to .md, .json or .csv");
		return false;
	}
	int rows = listview_rows(v);
	const struct thread **t = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*t));
	struct buf out;
	bool ok = t != NULL;

	buf_init(&out);
	for (int i = 0; ok && i < rows; i++)
		t[i] = listview_row_item(v, i);
	if (!ok)
		lb_error_set(err, LB_NOMEM, "out of memory");
	ok = ok && threads_export(t, (size_t)rows, f, &out, err) &&
	     file_write(path, out.data ? out.data : "", out.len, force, err);
	if (ok) {
		char *safe = ts_sanitize(path, strlen(path));
		struct queue_progress qp;
		bool partial = queue_progress(resview_of(v)->res, &qp) && qp.running;
		snprintf(done, n, "wrote %d thread%s to %s (%s)%s", rows, rows == 1 ? "" : "s",
		         safe ? safe : path, f == EXPORT_JSON ? "JSON" : "Markdown",
		         partial ? ": the rooms read so far" : "");
		free(safe);
	}
	buf_free(&out);
	free(t);
	return ok;
}

static void queue_free(struct view *v)
{
	struct queue_view *q = priv(v);

	job_forget(q, app_model(v->app));
	free(q->prefix);
	free(q->room_query);
	free(q->thread_query);
	free(q->pattern_text);
	thread_pattern_free(q->pattern);
	free(q->writer);
	listview_free(v);
}

static const struct listview_spec queue_spec_ui = {
    .table = &queue_table,
    .noun = "threads",
    .loading = "Listing rooms and reading their threads…",
    .empty = queue_empty,
    .count_status = queue_count_status,
    .element = queue_element,
    .taggable = true,
};

static const struct view_ops queue_ops = {
    .name = "queue",
    .title = queue_title,
    .draw = listview_draw,
    .draw_detail = queue_draw_detail,
    .action = queue_action,
    .changed = queue_changed,
    .search = listview_search,
    .scope = resview_scope,
    .status = listview_status,
    .busy = queue_busy,
    .tick = resview_tick,
    .free = queue_free,
    .mouse = listview_mouse,
    .filter = listview_filter,
    .export_rows = queue_export,
    .selected_id = listview_selected_id,
};

static char *dup_or_null(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

static struct view *queue_new(struct app *app, const struct queue_opts *o)
{
	struct resource *r = model_queue(app_model(app), &o->spec);
	struct view *v =
	    r ? listview_new(app, &queue_ops, &queue_spec_ui, sizeof(struct queue_view), NULL, r)
	      : NULL;
	if (!v)
		return NULL;
	struct queue_view *q = priv(v);
	q->prefix = dup_or_null(o->spec.prefix);
	q->room_query = dup_or_null(o->spec.room_query);
	q->thread_query = dup_or_null(o->spec.thread_query);
	q->unresolved = o->spec.unresolved;
	resview_start(v, false);
	if (o->pattern) {
		struct lb_error err;
		lb_error_clear(&err);
		struct thread_pattern *pat = thread_pattern_parse(o->pattern, &err);
		bool rest = false, nomem = false;
		char *server = pat ? thread_pattern_server_query(pat, &rest, &nomem) : NULL;
		free(server);
		if (pat)
			thread_pattern_describe(pat, q->where, sizeof(q->where));
		if (pat && rest) {
			q->pattern = pat;
			q->pattern_text = strdup(o->pattern);
			q->now_s = (long long)time(NULL);
			listview_keep(v, keep_row, q);
		} else {
			thread_pattern_free(pat);
		}
	}
	return v;
}

/* opts: the struct queue_spec of the queue command. */
static struct view *queue_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	(void)where;
	(void)watch;
	struct queue_opts o = {0};
	if (opts)
		o.spec = *(const struct queue_spec *)opts;
	return queue_new(app, &o);
}

static const struct view_command queue_commands[] = {
    {"queue-tag", "Tag or untag the selected thread, and move down", NULL, false},
    {"queue-tag-pattern", "Tag every thread shown that a pattern matches", NULL, false},
    {"queue-untag-all", "Untag every thread", NULL, false},
    {"queue-on-tagged", "Apply the next action to every tagged thread", NULL, false},
    {"queue-limit", "Show only the threads a pattern matches (the server's query where it can)",
     NULL, false},
    {"queue-resolve", "Resolve (asks first)", NULL, false},
    {"queue-unresolve", "Reopen (asks first)", NULL, false},
    {"queue-delete", "Delete, saving first (asks first; cannot be undone)", NULL, false},
    {"queue-metadata", "Set or remove metadata (asks first)", NULL, false},
    {"queue-react", "React to the first comment (asks first)", NULL, false},
    {"queue-unreact", "Remove a reaction from the first comment (asks first)", NULL, false},
    {"queue-subscribe", "Subscribe the writing user (asks first)", NULL, false},
    {"queue-unsubscribe", "Unsubscribe the writing user (asks first)", NULL, false},
    {"queue-undo", "Undo the last change where the API can reverse it", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key queue_keys[] = {
    {'t', "queue-tag"},         {'T', "queue-tag-pattern"}, {'U', "queue-untag-all"},
    {';', "queue-on-tagged"},   {'L', "queue-limit"},       {'x', "queue-resolve"},
    {'X', "queue-unresolve"},   {'d', "queue-delete"},      {'m', "queue-metadata"},
    {'+', "queue-react"},       {'-', "queue-unreact"},     {'s', "queue-subscribe"},
    {'S', "queue-unsubscribe"}, {'z', "queue-undo"},        {0, NULL},
};

const struct view_info view_info_queue = {
    .name = "queue",
    .keys_title = "Keys in the moderation queue",
    .open = queue_open,
    .nav_label = "Queue",
    .nav_part = SCOPE_NONE,
    .item = "thread",
    .keysets = VIEW_KEYS_LIST,
    .keys = queue_keys,
    .commands = queue_commands,
    .place = true,
};
