#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "cmd.h"
#include "comment_body.h"
#include "draw.h"
#include "files.h"
#include "output.h"
#include "resview.h"
#include "term_safe.h"
#include "thread_view.h"
#include "threads.h"
#include "util.h"
#include "view.h"

/* One thread of a room, read as a conversation: the thread's state, then
 * each comment with its author and times, its body laid out at the
 * window's width (cbody_render: paragraphs, styles, links with numbered
 * footnotes, mentions), reactions, attachments; a deleted comment as a
 * tombstone. The text scrolls as the pager does; one comment is selected,
 * and what the view writes goes through the thread and comment commands,
 * with their questions. */

/* Where text starts: a bar marks the selected comment in column 0. */
#define HEAD_X 2
#define BODY_X 4

/* One piece of a line in one style: a body's (cbody style bits) or an
 * element's. */
struct trun {
	char *text; /* terminal-safe */
	unsigned body;
	enum theme_element el;
	int cols;
};

struct tline {
	struct trun *runs;
	size_t n;
	int comment; /* the comment it belongs to, -1 for the thread's header */
	int x;       /* where its text starts */
};

/* The members of a group a comment mentions, once asked for. */
struct group_state {
	char *id;
	bool loading;
	char *error; /* one line; NULL when none */
	struct strv members;
};

/* A read the view waits for; the view may go first (view_gone), then the
 * answer only frees it. */
struct pending {
	struct view *v;
	char *group_id; /* a group's members; NULL: the subscribers */
	struct pending *next;
};

#define PICKER_MAX 16

struct picker {
	bool open;
	int cursor;
	int n;
	struct {
		char emoji[80];
		bool mine;  /* the writing user reacted with it already */
		bool other; /* free entry */
	} items[PICKER_MAX];
};

struct thread_view {
	struct resview base; /* first: the resview_* functions find it */
	struct tline *lines;
	size_t n_lines, cap;
	size_t *heads; /* the first line of each comment */
	size_t n_heads;
	bool laid;
	unsigned laid_gen;
	int laid_width;
	int top, height;
	int sel;      /* the selected comment, -1 for none */
	char *sel_id; /* kept across reloads */
	bool subs_asked, subs_loading;
	char *subs_error;
	struct strv subscribers;
	struct group_state *groups;
	size_t n_groups;
	struct pending *pending;
	struct picker picker;
};

static struct thread_view *priv(struct view *v)
{
	return v->priv;
}

static const struct thread *thread_of(struct view *v)
{
	return model_thread_of(priv(v)->base.res);
}

static const struct comment *selected(struct view *v)
{
	const struct thread *t = thread_of(v);
	int sel = priv(v)->sel;

	return t && sel >= 0 && (size_t)sel < t->n_comments ? &t->comments[sel] : NULL;
}

/* ---- lines ---------------------------------------------------------------- */

static void lines_clear(struct thread_view *tv)
{
	for (size_t i = 0; i < tv->n_lines; i++) {
		for (size_t k = 0; k < tv->lines[i].n; k++)
			free(tv->lines[i].runs[k].text);
		free(tv->lines[i].runs);
	}
	tv->n_lines = 0;
	free(tv->heads);
	tv->heads = NULL;
	tv->n_heads = 0;
}

static struct tline *line_new(struct thread_view *tv, int comment, int x)
{
	if (tv->n_lines == tv->cap) {
		size_t cap = tv->cap ? tv->cap * 2 : 64;
		struct tline *l = realloc(tv->lines, cap * sizeof(*l));
		if (!l)
			return NULL;
		tv->lines = l;
		tv->cap = cap;
	}
	struct tline *l = &tv->lines[tv->n_lines++];
	*l = (struct tline){.comment = comment, .x = x};
	return l;
}

/* A run of terminal-safe text (taken: freed on failure). */
static bool run_add_safe(struct tline *l, char *safe, unsigned body, enum theme_element el)
{
	struct trun *r;

	if (!l || !safe || !(r = realloc(l->runs, (l->n + 1) * sizeof(*r)))) {
		free(safe);
		return false;
	}
	l->runs = r;
	l->runs[l->n++] =
	    (struct trun){.text = safe, .body = body, .el = el, .cols = ts_width(safe)};
	return true;
}

/* A run of raw text (from the server, or the view's own words). */
static bool run_add(struct tline *l, const char *raw, enum theme_element el)
{
	return !raw || !*raw || run_add_safe(l, ts_sanitize(raw, (size_t)-1), 0, el);
}

static bool run_addf(struct tline *l, enum theme_element el, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool run_addf(struct tline *l, enum theme_element el, const char *fmt, ...)
{
	char raw[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	return run_add(l, raw, el);
}

/* A line of one label and one value. */
static bool label_line(struct thread_view *tv, int comment, int x, const char *label,
                       const char *value, enum theme_element el)
{
	struct tline *l = line_new(tv, comment, x);
	return l && run_add(l, label, THEME_KEY) && run_add(l, value, el);
}

static bool blank_line(struct thread_view *tv, int comment)
{
	return line_new(tv, comment, 0) != NULL;
}

static const struct group_state *group_find(const struct thread_view *tv, const char *id)
{
	for (size_t i = 0; i < tv->n_groups; i++)
		if (!strcmp(tv->groups[i].id, id))
			return &tv->groups[i];
	return NULL;
}

/* ---- the layout ------------------------------------------------------------ */

static bool lay_header(struct thread_view *tv, const struct thread *t)
{
	char created[32], updated[32], meta[1024];
	size_t live = 0;
	struct tline *l;
	bool ok;

	for (size_t i = 0; i < t->n_comments; i++)
		live += !t->comments[i].deleted_at;
	output_time(t->created_s, created, sizeof(created));
	output_time(t->updated_s, updated, sizeof(updated));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	l = line_new(tv, -1, HEAD_X);
	ok = l && run_add(l, "Thread ", THEME_HEADER) && run_add(l, t->id, THEME_ID) &&
	     run_add(l, "  in room ", THEME_MUTED) &&
	     run_add(l, t->room_id ? t->room_id : "-", THEME_ID);
	l = ok ? line_new(tv, -1, HEAD_X) : NULL;
	ok = l &&
	     run_add(l, t->resolved ? "resolved" : "unresolved",
	             t->resolved ? THEME_MESSAGE : THEME_STALE) &&
	     run_addf(l, THEME_MUTED, " · %zu comment%s%s%s", live, live == 1 ? "" : "s",
	              t->visibility ? " · " : "", t->visibility ? t->visibility : "");
	l = ok ? line_new(tv, -1, HEAD_X) : NULL;
	ok = l && run_add(l, "created ", THEME_KEY) && run_add(l, created, THEME_DATE) &&
	     run_add(l, " · updated ", THEME_KEY) && run_add(l, updated, THEME_DATE);
	ok = ok && label_line(tv, -1, HEAD_X, "metadata: ", meta[0] ? meta : "-", THEME_VALUE);
	if (ok && tv->subs_loading)
		ok = label_line(tv, -1, HEAD_X, "subscribers: ", "loading…", THEME_LOADING);
	else if (ok && tv->subs_error)
		ok = label_line(tv, -1, HEAD_X, "subscribers: ", tv->subs_error, THEME_ERROR);
	else if (ok && tv->subs_asked) {
		char who[2048];
		strv_join(&tv->subscribers, ", ", who, sizeof(who));
		ok = label_line(tv, -1, HEAD_X, "subscribers: ", tv->subscribers.n ? who : "(none)",
		                THEME_VALUE);
	} else if (ok) {
		ok = label_line(tv, -1, HEAD_X, "subscribers: ", "S shows them", THEME_MUTED);
	}
	return ok && blank_line(tv, -1);
}

/* The comment's body at width columns, or what stands for it when lbtui
 * cannot read it. */
static bool lay_body(struct thread_view *tv, int ci, const struct comment *cm, int width)
{
	struct cbody *b = NULL;
	struct cbody_lines out;
	struct lb_error err;
	bool ok = true;

	if (!cbody_decode(cm->body_json, strlen(cm->body_json), &b, &err)) {
		char why[1200];
		snprintf(why, sizeof(why), "(lbtui cannot show all of this comment: %s)",
		         err.message);
		struct tline *l = line_new(tv, ci, BODY_X);
		ok = l && run_add(l, cm->preview, THEME_VALUE);
		l = ok ? line_new(tv, ci, BODY_X) : NULL;
		return ok && run_add(l, why, THEME_ERROR);
	}
	ok = cbody_render(b, width, NULL, NULL, &out);
	cbody_free(&b);
	for (size_t i = 0; ok && i < out.n; i++) {
		struct tline *l = line_new(tv, ci, BODY_X);
		ok = l != NULL;
		for (size_t k = 0; ok && k < out.lines[i].n; k++) {
			struct cbody_run *r = &out.lines[i].runs[k];
			ok = run_add_safe(l, strdup(r->text), r->style, THEME_VALUE);
		}
	}
	cbody_lines_free(&out);
	return ok;
}

static bool lay_reactions(struct thread_view *tv, int ci, const struct comment *cm)
{
	bool ok = true;

	for (size_t i = 0; ok && i < cm->n_reactions; i++) {
		const struct reaction *r = &cm->reactions[i];
		char who[2048];
		struct tline *l = line_new(tv, ci, BODY_X);
		strv_join(&r->users, ", ", who, sizeof(who));
		ok = l && run_add(l, r->emoji, THEME_VALUE) &&
		     run_addf(l, THEME_KEY, " %zu ", r->users.n) && run_add(l, who, THEME_MUTED);
	}
	return ok;
}

static bool lay_attachments(struct thread_view *tv, int ci, const struct comment *cm)
{
	bool ok = true;

	for (size_t i = 0; ok && i < cm->n_attachments; i++) {
		const struct attachment *at = &cm->attachments[i];
		char size[32] = "?";
		struct tline *l = line_new(tv, ci, BODY_X);
		if (at->size >= 0)
			format_size((size_t)at->size, size, sizeof(size));
		ok =
		    l && run_add(l, "attachment ", THEME_KEY) &&
		    run_add(l, at->name ? at->name : (at->id ? at->id : "?"), THEME_VALUE) &&
		    run_addf(l, THEME_MUTED, "  %s  %s", at->mime_type ? at->mime_type : "?", size);
	}
	return ok;
}

/* The members of the groups the comment mentions that were asked for. */
static bool lay_groups(struct thread_view *tv, int ci, const struct comment *cm)
{
	struct strv ids = {0};
	bool ok = comment_group_mentions(cm, &ids);

	for (size_t i = 0; ok && i < ids.n; i++) {
		const struct group_state *g = group_find(tv, ids.v[i]);
		char who[2048];
		struct tline *l;
		if (!g)
			continue;
		l = line_new(tv, ci, BODY_X);
		ok = l && run_add(l, "@", THEME_MENTION_GROUP) &&
		     run_add(l, g->id, THEME_MENTION_GROUP) && run_add(l, ": ", THEME_MUTED);
		if (!ok)
			break;
		if (g->loading) {
			ok = run_add(l, "loading members…", THEME_LOADING);
		} else if (g->error) {
			ok = run_add(l, g->error, THEME_ERROR);
		} else {
			strv_join(&g->members, ", ", who, sizeof(who));
			ok = run_addf(l, THEME_KEY, "%zu member%s ", g->members.n,
			              g->members.n == 1 ? "" : "s") &&
			     run_add(l, g->members.n ? who : "", THEME_VALUE);
		}
	}
	strv_free(&ids);
	return ok;
}

static bool lay_comment(struct thread_view *tv, int ci, const struct comment *cm, int width)
{
	char when[32], other[32], meta[1024];
	struct tline *l = line_new(tv, ci, HEAD_X);
	bool ok;

	output_time(cm->created_s, when, sizeof(when));
	ok = l && run_add(l, cm->user_id ? cm->user_id : "-", THEME_COMMENT_AUTHOR) &&
	     run_add(l, "  ", THEME_DEFAULT) && run_add(l, when, THEME_DATE);
	if (ok && cm->edited_at && !cm->deleted_at) {
		output_time(cm->edited_s, other, sizeof(other));
		ok = run_addf(l, THEME_MUTED, "  (edited %s)", other);
	}
	ok = ok && run_add(l, "  ", THEME_DEFAULT) && run_add(l, cm->id, THEME_MUTED);
	if (ok && (cm->deleted_at || !cm->body_json)) {
		output_time(cm->deleted_s, other, sizeof(other));
		l = line_new(tv, ci, BODY_X);
		ok = l && run_addf(l, THEME_MUTED, "deleted %s", other);
	} else if (ok) {
		ok = lay_body(tv, ci, cm, width);
	}
	ok = ok && lay_reactions(tv, ci, cm) && lay_attachments(tv, ci, cm);
	if (ok && cm->metadata_json && strcmp(cm->metadata_json, "{}")) {
		thread_metadata_summary(cm->metadata_json, meta, sizeof(meta));
		ok = label_line(tv, ci, BODY_X, "metadata: ", meta, THEME_VALUE);
	}
	return ok && lay_groups(tv, ci, cm) && blank_line(tv, ci);
}

/* The selected comment again, by its ID, after the thread changed. */
static void reselect(struct thread_view *tv, const struct thread *t)
{
	int found = -1;

	for (size_t i = 0; tv->sel_id && i < t->n_comments; i++)
		if (!strcmp(t->comments[i].id, tv->sel_id))
			found = (int)i;
	if (found < 0)
		found = tv->sel < 0 ? 0 : tv->sel;
	if (found >= (int)t->n_comments)
		found = (int)t->n_comments - 1;
	tv->sel = found;
	free(tv->sel_id);
	tv->sel_id = found >= 0 ? strdup(t->comments[found].id) : NULL;
}

/* Lay the thread out at width columns when it or the width changed. */
static void layout(struct view *v, int width)
{
	struct thread_view *tv = priv(v);
	const struct thread *t = thread_of(v);
	struct resource *r = tv->base.res;
	bool ok;

	if (!t || (tv->laid && tv->laid_gen == r->generation && tv->laid_width == width))
		return;
	lines_clear(tv);
	tv->laid = true;
	tv->laid_gen = r->generation;
	tv->laid_width = width;
	reselect(tv, t);
	tv->heads = calloc(t->n_comments + 1, sizeof(*tv->heads));
	ok = tv->heads && lay_header(tv, t);
	for (size_t i = 0; ok && i < t->n_comments; i++) {
		tv->heads[i] = tv->n_lines;
		tv->n_heads = i + 1;
		ok = lay_comment(tv, (int)i, &t->comments[i], width - BODY_X - 1);
	}
	if (!ok)
		app_message(v->app, true, "out of memory: the thread is not shown whole");
}

/* Lay out again at the next draw (what the layout shows changed). */
static void relayout(struct view *v)
{
	priv(v)->laid = false;
	app_dirty(v->app);
}

/* ---- drawing ------------------------------------------------------------- */

/* The attributes of a body's run: its styles' elements combined, the
 * colour of the most telling one (code, link, mention) first. */
static attr_t body_attr(unsigned style)
{
	static const struct {
		unsigned bit;
		enum theme_element el;
	} order[] = {
	    {CBODY_S_CODE, THEME_COMMENT_CODE},     {CBODY_S_FOOTNOTE, THEME_COMMENT_FOOTNOTE},
	    {CBODY_S_LINK, THEME_COMMENT_LINK},     {CBODY_S_GROUP, THEME_MENTION_GROUP},
	    {CBODY_S_USER, THEME_MENTION_USER},     {CBODY_S_STRIKE, THEME_COMMENT_STRIKE},
	    {CBODY_S_ITALIC, THEME_COMMENT_ITALIC}, {CBODY_S_BOLD, THEME_COMMENT_BOLD},
	};
	enum theme_element els[sizeof(order) / sizeof(order[0]) + 1];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (style & order[i].bit)
			els[n++] = order[i].el;
	els[n++] = THEME_VALUE;
	return theme_attr_combined(els, n);
}

static void draw_line(WINDOW *win, int y, int w, const struct tline *l, const char *pattern)
{
	int x = l->x;

	for (size_t k = 0; k < l->n && x < w; k++) {
		const struct trun *r = &l->runs[k];
		int cols = r->cols < w - x ? r->cols : w - x;
		attr_t at = r->body ? body_attr(r->body) : theme_attr(r->el);
		if (pattern && pattern[0])
			draw_safe_matches(win, y, x, cols, r->text, at, pattern);
		else
			draw_safe(win, y, x, cols, r->text, at);
		x += r->cols;
	}
}

/* The lines of comment c: [first, end). */
static void comment_span(const struct thread_view *tv, int c, size_t *first, size_t *end)
{
	*first = tv->heads[c];
	*end = (size_t)c + 1 < tv->n_heads ? tv->heads[c + 1] : tv->n_lines;
}

/* Scroll so that the selected comment shows: its head at the top when it
 * is above the window, or when all of it cannot show below. */
static void show_selected(struct thread_view *tv)
{
	size_t first, end;

	if (tv->sel < 0 || (size_t)tv->sel >= tv->n_heads)
		return;
	comment_span(tv, tv->sel, &first, &end);
	if ((int)first < tv->top)
		tv->top = (int)first;
	else if ((int)end > tv->top + tv->height)
		tv->top = (int)end - tv->height > (int)first ? (int)first : (int)end - tv->height;
}

/* After a scroll: a selected comment out of the window gives way to the
 * first comment shown (scrolled down) or the last (scrolled up). */
static void follow_scroll(struct thread_view *tv)
{
	size_t first, end;
	int pick = -1;

	if (tv->sel < 0 || (size_t)tv->sel >= tv->n_heads)
		return;
	comment_span(tv, tv->sel, &first, &end);
	if ((int)end > tv->top && (int)first < tv->top + tv->height)
		return;
	for (int y = 0; y < tv->height && tv->top + y < (int)tv->n_lines; y++) {
		int c = tv->lines[tv->top + y].comment;
		if (c < 0)
			continue;
		pick = c;
		if ((int)first < tv->top)
			break; /* scrolled down: the first one shown */
	}
	if (pick >= 0)
		tv->sel = pick;
}

static void remember_selection(struct view *v)
{
	struct thread_view *tv = priv(v);
	const struct comment *cm = selected(v);

	free(tv->sel_id);
	tv->sel_id = cm ? strdup(cm->id) : NULL;
}

static void draw_picker(struct view *v, WINDOW *win)
{
	struct thread_view *tv = priv(v);
	struct picker *p = &tv->picker;
	int h = getmaxy(win), w = getmaxx(win);
	int bw = w - 4 < 48 ? w - 4 : 48, bh = p->n + 2;
	int y0 = h - bh > 0 ? h - bh : 0, x0 = w - bw - 2 > 0 ? w - bw - 2 : 0;
	const char *user = app_user(v->app);
	char title[160];

	snprintf(title, sizeof(title), " React as %s — Enter sends, Esc closes ",
	         user ? user : "?");
	for (int y = 0; y < bh && y0 + y < h; y++)
		draw_safe(win, y0 + y, x0, bw, "", theme_attr(THEME_STATUS));
	draw_text(win, y0, x0, bw, title, theme_attr(THEME_STATUS) | A_BOLD);
	for (int i = 0; i < p->n && y0 + 1 + i < h; i++) {
		char item[160];
		attr_t at = theme_attr(i == p->cursor ? THEME_CURSOR : THEME_STATUS);
		if (p->items[i].other)
			snprintf(item, sizeof(item), "  other… (type an emoji)");
		else
			snprintf(item, sizeof(item), "  %s  %s", p->items[i].emoji,
			         p->items[i].mine ? "unreact (you reacted)" : "react");
		draw_text(win, y0 + 1 + i, x0, bw, item, at);
	}
}

static void thread_draw(struct view *v, WINDOW *win, bool focused)
{
	struct thread_view *tv = priv(v);
	struct resource *r = tv->base.res;
	int h = getmaxy(win), w = getmaxx(win);
	const char *pattern = app_search_pattern(v->app);

	tv->height = h;
	if (!thread_of(v)) {
		if (r->gone)
			draw_notice(win, "This thread is gone (deleted) — q to go back",
			            theme_attr(THEME_MUTED));
		else
			resview_draw_pending(win, r, "Loading the thread…");
		return;
	}
	layout(v, w);
	scroll_clamp(&tv->top, (int)tv->n_lines, h);
	int was = tv->sel;
	follow_scroll(tv);
	if (tv->sel != was)
		remember_selection(v);
	for (int y = 0; y < h && tv->top + y < (int)tv->n_lines; y++) {
		const struct tline *l = &tv->lines[tv->top + y];
		if (l->comment >= 0 && l->comment == tv->sel)
			draw_safe(win, y, 0, 1, "▌",
			          theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR) &
			              ~A_REVERSE);
		draw_line(win, y, w, l, pattern);
	}
	if (r->gone)
		draw_safe(win, 0, 0, w,
		          "This thread is gone (deleted): what shows is the last read",
		          theme_attr(THEME_ERROR));
	if (tv->picker.open)
		draw_picker(v, win);
}

/* ---- reads on demand -------------------------------------------------------- */

static struct pending *pending_new(struct view *v, const char *group_id)
{
	struct thread_view *tv = priv(v);
	struct pending *p = calloc(1, sizeof(*p));

	if (!p || (group_id && !(p->group_id = strdup(group_id)))) {
		free(p);
		return NULL;
	}
	p->v = v;
	p->next = tv->pending;
	tv->pending = p;
	return p;
}

/* The answer came: p leaves the view's list; NULL when the view is gone. */
static struct view *pending_end(struct pending *p)
{
	struct view *v = p->v;

	if (v) {
		struct pending **pp = &priv(v)->pending;
		while (*pp && *pp != p)
			pp = &(*pp)->next;
		if (*pp)
			*pp = p->next;
	}
	free(p->group_id);
	free(p);
	return v;
}

static void subscribers_read(const struct storage_result *res, void *ud)
{
	struct view *v = pending_end(ud);
	struct thread_view *tv;
	struct thread_subscription *s = NULL;
	struct lb_error err = res->err;
	size_t n = 0;
	char msg[700];

	if (!v)
		return;
	tv = priv(v);
	tv->subs_loading = false;
	free(tv->subs_error);
	tv->subs_error = NULL;
	strv_free(&tv->subscribers);
	if (err.status == LB_OK &&
	    thread_subscriptions_decode(res->body, res->body_len, &s, &n, &err)) {
		for (size_t i = 0; i < n; i++)
			strv_push(&tv->subscribers, s[i].user_id ? s[i].user_id : "?");
		thread_subscriptions_free(s, n);
	} else {
		lb_error_format(&err, msg, sizeof(msg));
		tv->subs_error = strdup(msg);
	}
	relayout(v);
}

static void load_subscribers(struct view *v)
{
	struct thread_view *tv = priv(v);
	struct pending *p;

	if (tv->subs_loading)
		return;
	if (!(p = pending_new(v, NULL))) {
		app_message(v->app, true, "out of memory");
		return;
	}
	tv->subs_asked = tv->subs_loading = true;
	relayout(v);
	model_thread_subscriptions(app_model(v->app), tv->base.scope.room, tv->base.scope.thread,
	                           subscribers_read, p);
}

static struct group_state *group_slot(struct thread_view *tv, const char *id)
{
	struct group_state *g = (struct group_state *)group_find(tv, id);

	if (g)
		return g;
	g = realloc(tv->groups, (tv->n_groups + 1) * sizeof(*g));
	if (!g)
		return NULL;
	tv->groups = g;
	g = &tv->groups[tv->n_groups];
	*g = (struct group_state){.id = strdup(id)};
	if (!g->id)
		return NULL;
	tv->n_groups++;
	return g;
}

static void group_read(const struct storage_result *res, void *ud)
{
	struct pending *p = ud;
	char *id = p->group_id ? strdup(p->group_id) : NULL;
	struct view *v = pending_end(p);
	struct group_state *g;
	struct group_info info;
	struct lb_error err = res->err;
	char msg[700];

	if (!v || !id || !(g = group_slot(priv(v), id))) {
		free(id);
		return;
	}
	g->loading = false;
	free(g->error);
	g->error = NULL;
	strv_free(&g->members);
	if (err.status == LB_OK && group_decode(res->body, res->body_len, &info, &err)) {
		g->members = info.members;
		info.members = (struct strv){0};
		group_info_clear(&info);
		strv_join(&g->members, ", ", msg, sizeof(msg));
		app_message(v->app, false, "group %s: %zu member%s%s%s", id, g->members.n,
		            g->members.n == 1 ? "" : "s", g->members.n ? ": " : "", msg);
	} else if (err.http_status == 404) {
		g->error = strdup("group not found");
		app_message(v->app, true, "group %s not found", id);
	} else {
		lb_error_format(&err, msg, sizeof(msg));
		g->error = strdup(msg);
		app_message(v->app, true, "group %s: %s", id, msg);
	}
	free(id);
	relayout(v);
}

/* The members of every group the selected comment mentions. */
static void load_groups(struct view *v)
{
	const struct comment *cm = selected(v);
	struct strv ids = {0};

	if (!cm || !comment_group_mentions(cm, &ids)) {
		app_message(v->app, !cm ? false : true, "%s",
		            !cm ? "no comment selected" : "out of memory");
		return;
	}
	if (!ids.n)
		app_message(v->app, false, "this comment mentions no group");
	for (size_t i = 0; i < ids.n; i++) {
		struct group_state *g = group_slot(priv(v), ids.v[i]);
		struct pending *p = g && !g->loading ? pending_new(v, ids.v[i]) : NULL;
		if (!p)
			continue;
		g->loading = true;
		model_group_get(app_model(v->app), ids.v[i], group_read, p);
	}
	strv_free(&ids);
	relayout(v);
}

/* ---- the reaction picker ------------------------------------------------- */

static const char *const common_emoji[] = {"👍", "👎", "😄", "🎉", "😕", "❤️", "🚀", "👀"};

static bool reacted_by(const struct comment *cm, const char *emoji, const char *user)
{
	for (size_t i = 0; user && i < cm->n_reactions; i++)
		if (!strcmp(cm->reactions[i].emoji, emoji))
			for (size_t k = 0; k < cm->reactions[i].users.n; k++)
				if (!strcmp(cm->reactions[i].users.v[k], user))
					return true;
	return false;
}

static bool picker_has(const struct picker *p, const char *emoji)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->items[i].emoji, emoji))
			return true;
	return false;
}

static void picker_add(struct picker *p, const struct comment *cm, const char *emoji,
                       const char *user)
{
	if (p->n >= PICKER_MAX - 1 || picker_has(p, emoji) ||
	    strlen(emoji) >= sizeof(p->items[0].emoji))
		return;
	snprintf(p->items[p->n].emoji, sizeof(p->items[0].emoji), "%s", emoji);
	p->items[p->n].mine = reacted_by(cm, emoji, user);
	p->items[p->n].other = false;
	p->n++;
}

static void picker_open(struct view *v)
{
	struct picker *p = &priv(v)->picker;
	const struct comment *cm = selected(v);
	const char *user = app_user(v->app);

	if (!cm || cm->deleted_at) {
		app_message(v->app, false, "%s",
		            cm ? "a deleted comment takes no reactions" : "no comment selected");
		return;
	}
	*p = (struct picker){.open = true};
	for (size_t i = 0; i < sizeof(common_emoji) / sizeof(common_emoji[0]); i++)
		picker_add(p, cm, common_emoji[i], user);
	/* The comment's other reactions, to add to or take back. */
	for (size_t i = 0; i < cm->n_reactions; i++)
		picker_add(p, cm, cm->reactions[i].emoji, user);
	p->items[p->n].other = true;
	p->n++;
}

/* The words of a comment command about the selected comment: "VERB ROOM
 * THREAD COMMENT", quoted; NULL when out of memory. */
static char *comment_words(struct view *v, const char *verb, const char *emoji)
{
	struct thread_view *tv = priv(v);
	const struct comment *cm = selected(v);
	const char *words[3] = {tv->base.scope.room, tv->base.scope.thread, cm ? cm->id : NULL};
	struct buf b;

	buf_init(&b);
	buf_adds(&b, verb);
	for (size_t i = 0; i < 3; i++) {
		char *q = words[i] ? cmd_quote(words[i]) : NULL;
		if (!q || !buf_printf(&b, " %s", q)) {
			free(q);
			buf_free(&b);
			return NULL;
		}
		free(q);
	}
	if (emoji) {
		char *q = cmd_quote(emoji);
		bool ok = q && buf_printf(&b, " %s", q);
		free(q);
		if (!ok) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_steal(&b);
}

/* Enter on the picker: the reaction's command, run (it says what it did)
 * or, without a user to write as, left on the command line for --as. */
static void picker_choose(struct view *v)
{
	struct picker *p = &priv(v)->picker;
	int i = p->cursor;
	char *line;

	p->open = false;
	if (i < 0 || i >= p->n)
		return;
	if (p->items[i].other) {
		line = comment_words(v, "comment react", NULL);
		if (line) {
			char *spaced = malloc(strlen(line) + 2);
			if (spaced) {
				sprintf(spaced, "%s ", line);
				app_prompt(v->app, spaced);
			}
			free(spaced);
		}
	} else {
		line = comment_words(v, p->items[i].mine ? "comment unreact" : "comment react",
		                     p->items[i].emoji);
		if (line && app_user(v->app)) {
			app_command(v->app, line);
		} else if (line) {
			char *as = malloc(strlen(line) + sizeof(" --as "));
			if (as) {
				sprintf(as, "%s --as ", line);
				app_prompt(v->app, as);
			}
			free(as);
		}
	}
	if (!line)
		app_message(v->app, true, "out of memory");
	free(line);
}

static enum view_result picker_action(struct view *v, enum action a)
{
	struct picker *p = &priv(v)->picker;

	if (a == ACTION_MOVE_DOWN || view_action_is(a, "comment-next"))
		p->cursor = (p->cursor + 1) % p->n;
	else if (a == ACTION_MOVE_UP || view_action_is(a, "comment-prev"))
		p->cursor = (p->cursor + p->n - 1) % p->n;
	else if (a == ACTION_MOVE_FIRST)
		p->cursor = 0;
	else if (a == ACTION_MOVE_LAST)
		p->cursor = p->n - 1;
	else if (a == ACTION_ENTER)
		picker_choose(v);
	else
		p->open = false; /* Esc, q, or any other key: closed, nothing sent */
	return VIEW_HANDLED;
}

/* ---- actions -------------------------------------------------------------- */

static void select_comment(struct view *v, int dir)
{
	struct thread_view *tv = priv(v);
	int n = (int)tv->n_heads, to = tv->sel + dir;

	if (n == 0)
		return;
	if (to < 0 || to >= n) {
		app_note(v->app, "%s comment", dir > 0 ? "the last" : "the first");
		return;
	}
	tv->sel = to;
	remember_selection(v);
	show_selected(tv);
}

static void resolve_toggle(struct view *v)
{
	const struct thread *t = thread_of(v);
	struct thread_view *tv = priv(v);

	if (!t) {
		app_message(v->app, false, "the thread has not loaded");
		return;
	}
	resview_command(v, t->resolved ? "thread unresolve %s %s" : "thread resolve %s %s",
	                tv->base.scope.room, tv->base.scope.thread, true);
}

/* comment add ROOM THREAD '' with the cursor between the quotes: the
 * text is one word however many it holds. */
static void reply_prompt(struct view *v)
{
	struct thread_view *tv = priv(v);
	char *room = cmd_quote(tv->base.scope.room), *thread = cmd_quote(tv->base.scope.thread);
	struct buf b;

	buf_init(&b);
	if (room && thread && buf_printf(&b, "comment add %s %s ''", room, thread))
		app_prompt_at(v->app, b.data, b.len - 1);
	else
		app_message(v->app, true, "out of memory");
	buf_free(&b);
	free(room);
	free(thread);
}

static enum view_result thread_action(struct view *v, enum action a)
{
	struct thread_view *tv = priv(v);
	int last = (int)tv->n_lines;

	if (tv->picker.open)
		return picker_action(v, a);
	if (view_action_is(a, "comment-next") || view_action_is(a, "comment-prev")) {
		select_comment(v, view_action_is(a, "comment-next") ? 1 : -1);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "comment-reply")) {
		reply_prompt(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "comment-react")) {
		picker_open(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "resolve-toggle")) {
		resolve_toggle(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "subscribers")) {
		load_subscribers(v);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "group-members")) {
		load_groups(v);
		return VIEW_HANDLED;
	}
	switch (a) {
	case ACTION_MOVE_FIRST:
		tv->top = 0;
		tv->sel = tv->n_heads ? 0 : -1;
		remember_selection(v);
		return VIEW_HANDLED;
	case ACTION_MOVE_LAST:
		tv->top = last;
		tv->sel = (int)tv->n_heads - 1;
		remember_selection(v);
		return VIEW_HANDLED;
	default:
		break;
	}
	if (scroll_move(&tv->top, tv->height, last, a)) {
		scroll_clamp(&tv->top, (int)tv->n_lines, tv->height);
		follow_scroll(tv);
		remember_selection(v);
		return VIEW_HANDLED;
	}
	return resview_action(v, tv->base.res, a, true);
}

/* Whether line i holds a match of pattern (terminal-safe, any case). */
static bool line_matches(const void *ctx, int i, const char *pattern)
{
	const struct tline *l = &((const struct thread_view *)ctx)->lines[i];

	for (size_t k = 0; k < l->n; k++)
		if (strcasestr(l->runs[k].text, pattern))
			return true;
	return false;
}

static bool thread_search(struct view *v, const char *pattern, int dir)
{
	struct thread_view *tv = priv(v);
	char *safe = ts_sanitize(pattern, (size_t)-1);
	int i = safe && safe[0] ? list_find((int)tv->n_lines, tv->top, dir, line_matches, tv, safe)
	                        : -1;

	free(safe);
	if (i < 0)
		return false;
	tv->top = i;
	if (tv->lines[i].comment >= 0) {
		tv->sel = tv->lines[i].comment;
		remember_selection(v);
	}
	return true;
}

static void thread_changed(struct view *v, struct resource *r)
{
	struct thread_view *tv = priv(v);

	if (!resview_settled(v, r))
		return;
	if (tv->laid && r->generation != tv->laid_gen) {
		relayout(v);
		/* What the header says of the subscribers follows the thread's
		 * changes (a subscribe made here). */
		if (tv->subs_asked && !r->busy && thread_of(v))
			load_subscribers(v);
	}
}

static void thread_title(struct view *v, char *out, size_t n)
{
	struct thread_view *tv = priv(v);
	char *thread = ts_sanitize(tv->base.scope.thread ? tv->base.scope.thread : "", (size_t)-1);
	char *room = ts_sanitize(tv->base.scope.room ? tv->base.scope.room : "", (size_t)-1);

	snprintf(out, n, "thread %s (%s)", thread ? thread : "", room ? room : "");
	free(thread);
	free(room);
}

static void thread_status(struct view *v, char *out, size_t n)
{
	struct thread_view *tv = priv(v);
	const struct thread *t = thread_of(v);
	char age[64];

	if (resview_status_pending(tv->base.res, t != NULL, out, n))
		return;
	resview_age(tv->base.res, age, sizeof(age));
	snprintf(out, n, "comment %d of %zu │ %s", tv->sel + 1, t->n_comments, age);
}

static bool thread_selected_id(struct view *v, char *out, size_t n)
{
	const struct comment *cm = selected(v);

	if (!cm)
		return false;
	snprintf(out, n, "%s", cm->id);
	return true;
}

/* :export FILE.md or FILE.json: the thread as Markdown, or as the API
 * sent it. */
static bool thread_export(struct view *v, const char *path, bool force, char *done, size_t n,
                          struct lb_error *err)
{
	const struct thread *t = thread_of(v);
	const char *dot = strrchr(path, '.');
	bool json = dot && !strcasecmp(dot, ".json");
	bool md = dot && (!strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown"));
	struct buf b;
	bool ok;

	if (!json && !md) {
		lb_error_set(err, LB_USAGE, "export a thread to FILE.md (Markdown) or FILE.json");
		return false;
	}
	if (!t) {
		lb_error_set(err, LB_USAGE, "nothing to export yet: the thread has not loaded");
		return false;
	}
	buf_init(&b);
	ok = json ? buf_adds(&b, t->raw_json) && buf_adds(&b, "\n") : thread_markdown(t, &b);
	if (!ok) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = file_write(path, b.data, b.len, force, err);
	if (ok)
		snprintf(done, n, "wrote thread %s (%zu comment%s, %s) to %s", t->id, t->n_comments,
		         t->n_comments == 1 ? "" : "s", json ? "JSON" : "Markdown", path);
	buf_free(&b);
	return ok;
}

static void thread_free(struct view *v)
{
	struct thread_view *tv = priv(v);

	/* Reads still on their way find no view. */
	for (struct pending *p = tv->pending; p; p = p->next)
		p->v = NULL;
	lines_clear(tv);
	free(tv->lines);
	free(tv->sel_id);
	free(tv->subs_error);
	strv_free(&tv->subscribers);
	for (size_t i = 0; i < tv->n_groups; i++) {
		free(tv->groups[i].id);
		free(tv->groups[i].error);
		strv_free(&tv->groups[i].members);
	}
	free(tv->groups);
	resview_free(v);
}

static const struct view_ops thread_ops = {
    .name = "thread",
    .title = thread_title,
    .draw = thread_draw,
    .action = thread_action,
    .changed = thread_changed,
    .search = thread_search,
    .scope = resview_scope,
    .status = thread_status,
    .busy = resview_busy,
    .tick = resview_tick,
    .free = thread_free,
    .selected_id = thread_selected_id,
    .export_rows = thread_export,
};

static struct view *thread_open(struct app *app, const struct scope *where, const void *opts,
                                bool watch)
{
	struct view *v;

	(void)opts;
	if (!where->room || !where->thread)
		return NULL;
	v = resview_new(app, &thread_ops, sizeof(struct thread_view),
	                &(struct scope){.room = where->room, .thread = where->thread},
	                model_thread(app_model(app), where->room, where->thread));
	if (v) {
		priv(v)->sel = -1;
		resview_start(v, watch);
	}
	return v;
}

/* What the view writes goes through the commands: their checks, their
 * questions (a delete shows what goes), their drafts. */
static const struct view_command thread_commands[] = {
    {"comment-next", "Select the next comment", NULL, false},
    {"comment-prev", "Select the previous comment", NULL, false},
    {"comment-reply", "Reply: type the text (markdown) between the quotes on the command line",
     NULL, false},
    {"comment-reply-editor", "Reply in $EDITOR (lbtui's text form)", "comment add %r %t --edit",
     true},
    {"comment-edit", "Edit the selected comment in $EDITOR", "comment edit %r %t %i --edit", true},
    {"comment-delete", "Delete the selected comment (asks first; a copy is saved)",
     "comment delete %r %t %i", true},
    {"comment-react", "React to the selected comment: a picker of emoji, or type one", NULL, false},
    {"group-members", "Show the members of the groups the selected comment mentions", NULL, false},
    {"resolve-toggle", "Resolve the thread, or unresolve it", NULL, false},
    {"delete-thread", "Delete the thread (asks first; a copy is saved)", "thread delete %r %t",
     true},
    {"thread-metadata-set", "Set or remove the thread's metadata (command line)",
     "thread metadata %r %t --set ", false},
    {"thread-subscribe", "Subscribe a user to the thread (command line)",
     "thread subscribe %r %t --user ", false},
    {"thread-unsubscribe", "Unsubscribe a user from the thread (command line)",
     "thread unsubscribe %r %t --user ", false},
    {"subscribers", "Show who is subscribed, in the header", NULL, false},
    {"thread-participants", "List the thread's participants", "thread participants %r %t", true},
    {NULL, NULL, NULL, false},
};

static const struct view_key thread_keys[] = {
    {KEY_DOWN, "comment-next"},   {KEY_UP, "comment-prev"},     {']', "comment-next"},
    {'[', "comment-prev"},        {'c', "comment-reply"},       {'C', "comment-reply-editor"},
    {'e', "comment-edit"},        {'d', "comment-delete"},      {'+', "comment-react"},
    {'m', "group-members"},       {'R', "resolve-toggle"},      {'D', "delete-thread"},
    {'M', "thread-metadata-set"}, {'s', "thread-subscribe"},    {'u', "thread-unsubscribe"},
    {'S', "subscribers"},         {'P', "thread-participants"}, {0, NULL},
};

const struct view_info view_info_thread = {
    .name = "thread",
    .keys_title = "Keys in a thread",
    .open = thread_open,
    .item = "comment",
    .keys = thread_keys,
    .commands = thread_commands,
    .place = true,
};
