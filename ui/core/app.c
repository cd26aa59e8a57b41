#include "lbconfig.h"

#include "app.h"
#include "app_impl.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdline.h"
#include "draw.h"
#include "keymap.h"
#include "messages.h"
#include "mouse.h"
#include "term_safe.h"
#include "theme.h"
#include "util.h"
#include "view.h"



const struct keymap *app_keymap(struct app *a)
{
	return a->keymap;
}

struct model *app_model(struct app *a)
{
	return a->model;
}

const char *app_user(struct app *a)
{
	return a->env->cfg->user;
}

void app_dirty(struct app *a)
{
	a->dirty = true;
}

const char *app_search_pattern(struct app *a)
{
	return a->search;
}

/* The error on the status bar and the message line no longer applies. */
void app_forget_error(struct app *a)
{
	messages_forget_error(&a->msg);
	a->dirty = true;
}

void app_say(struct app *a, bool error, enum subject subject, const void *res,
		const char *raw)
{
	messages_say(&a->msg, error, subject, res, raw);
	a->dirty = true;
}

void app_message(struct app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	messages_vsay(&a->msg, error, SUBJECT_OTHER, NULL, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

void app_say_about(struct app *a, enum subject subject, const void *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	messages_vsay(&a->msg, true, subject, res, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

void app_error_about(struct app *a, const struct resource *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	messages_vsay(&a->msg, true, SUBJECT_RESOURCE, r, fmt, ap);
	va_end(ap);
	a->dirty = true;
}

void app_note(struct app *a, const char *fmt, ...)
{
	char raw[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	messages_note(&a->msg, raw);
	a->dirty = true;
}

unsigned app_messages_generation(struct app *a)
{
	return a->msg.gen;
}

char *app_messages_text(struct app *a)
{
	return messages_text(&a->msg);
}

/* The stack changed: what was said about the view in front no longer
 * applies, and its load is no longer watched. */
static void stack_changed(struct app *a)
{
	a->detail_top = 0;
	a->search[0] = '\0';
	a->loading_res = NULL;
	a->relayout = true;
	a->dirty = true;
	if (a->depth > 0)
		app_forget_error(a);
}

static void tell_load_failed(struct app *a, struct resource *r)
{
	char msg[1600];
	lb_error_format(&r->err, msg, sizeof(msg));
	app_say_about(a, SUBJECT_RESOURCE, r, "%s failed: %s", r->has_data ? "reload" : "load", msg);
}

/* The load of the view now in front, if one runs, is the one whose
 * failure is told: a view starts its load before it is pushed, and a fast
 * failure may even have come before that (pushed: a new view). */
static void watch_front_load(struct app *a, bool pushed)
{
	struct view *v = app_top(a);
	struct resource *r = v && v->ops->busy ? v->ops->busy(v) : NULL;

	if (r && r->busy) {
		a->loading_res = r;
		a->loading_page = model_paging(r);
	} else if (r && pushed && !r->has_data && r->err.status != LB_OK &&
		   r->err.status != LB_CANCELLED) {
		tell_load_failed(a, r);
	}
}

static void stack_push(struct app *a, struct view *v)
{
	if (a->depth == MAX_VIEWS) {
		/* Forget the oldest view but the first. */
		struct view *old = a->stack[1];
		if (old == a->confirm_view)
			a->confirm_view = NULL;
		old->ops->free(old);
		memmove(&a->stack[1], &a->stack[2], (MAX_VIEWS - 2) * sizeof(a->stack[0]));
		a->depth--;
	}
	stack_changed(a);
	a->stack[a->depth++] = v;
	a->focus = PANE_LIST;
	watch_front_load(a, true);
}

/* Views that are places (a list, a room, what is in a room, the keys,
 * the messages): going to one that is on the stack goes back to it. Texts
 * (JSON, a command's output, a value) are not: two may share a title. */
static bool is_place(struct view *v)
{
	const struct view_info *vi = view_info_find(v->ops->name);
	return (vi && vi->place) || view_help_is_keys(v);
}

/* v's whole title (terminal-safe), however long its room's ID; NULL when
 * out of memory. A title cut short would make two rooms whose IDs start
 * alike one place. */
static char *view_title(struct view *v)
{
	for (size_t n = 256; n <= (size_t)1 << 24; n *= 4) {
		char *t = malloc(n);
		if (!t)
			return NULL;
		t[0] = '\0';
		v->ops->title(v, t, n);
		if (strlen(t) + 1 < n)
			return t;
		free(t);
	}
	return NULL;
}

/* Where on the stack a place like v (same kind, same title) is, -1 when
 * nowhere. */
static int find_place(struct app *a, struct view *v)
{
	char *want = is_place(v) ? view_title(v) : NULL;
	int found = -1;

	if (!want)
		return -1;
	for (int i = a->depth - 1; i >= 0 && found < 0; i--) {
		struct view *w = a->stack[i];
		if (w->ops != v->ops || !is_place(w))
			continue;
		char *have = view_title(w);
		if (have && !strcmp(want, have))
			found = i;
		free(have);
	}
	free(want);
	return found;
}

/* Pop the views above stack[i]. */
static void pop_to(struct app *a, int i)
{
	while (a->depth > i + 1 && a->depth > 1)
		app_pop(a);
}

void app_push(struct app *a, struct view *v)
{
	if (!v) {
		app_message(a, true, "out of memory");
		return;
	}
	int same = find_place(a, v);
	if (same >= 0) {
		v->ops->free(v);
		pop_to(a, same);
		a->focus = PANE_LIST;
		return;
	}
	/* A filtered rooms list goes right above the whole list, in place of
	 * whatever was there (as a new view does in k9s): q goes back to
	 * every room. */
	if (!strcmp(v->ops->name, "rooms"))
		pop_to(a, 0);
	stack_push(a, v);
}

/* v in place of the same place on the stack (and what is above it), or
 * pushed: a view opened again with other settings (watch). */
void app_replace_place(struct app *a, struct view *v)
{
	int same = v ? find_place(a, v) : -1;
	if (same >= 1)
		pop_to(a, same - 1);
	app_push(a, v);
}

void app_pop(struct app *a)
{
	if (a->depth <= 1)
		return;
	struct view *v = a->stack[--a->depth];
	if (v == a->confirm_view)
		a->confirm_view = NULL;
	v->ops->free(v);
	stack_changed(a);
	watch_front_load(a, false);
}

bool app_has_view(struct app *a, const struct view *v)
{
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i] == v)
			return true;
	return false;
}

void app_open_room(struct app *a, const char *id)
{
	app_push(a, view_room_new(a, id));
}

void app_open_rooms(struct app *a, const struct room_filter *f)
{
	app_push(a, view_rooms_new(a, f));
}

void app_prompt(struct app *a, const char *initial)
{
	a->mode = MODE_COMMAND;
	a->msg.line[0] = '\0';
	cmdline_open(a->cl, ":", true, initial);
	a->dirty = true;
}

void app_prompt_at(struct app *a, const char *initial, size_t cursor)
{
	app_prompt(a, initial);
	if (!initial)
		return;
	size_t len = strlen(initial);
	/* The line holds characters: step back over those after cursor. */
	for (size_t i = cursor < len ? cursor : len; i < len; i++)
		if (((unsigned char)initial[i] & 0xC0) != 0x80)
			cmdline_feed(a->cl, KEY_LEFT, true);
}

void app_filter_prompt(struct app *a, const char *initial)
{
	a->mode = MODE_FILTER;
	a->msg.line[0] = '\0';
	cmdline_open(a->cl, "\\", false, initial);
	a->dirty = true;
}

void app_command(struct app *a, const char *line)
{
	const char *p = line;
	while (*p == ' ')
		p++;
	/* The help screen shows keys and commands together. */
	if (!strcmp(p, "help") || !strcmp(p, "?")) {
		app_push(a, view_help_new(a, NULL, NULL));
		return;
	}
	if (!strcmp(p, "refresh")) {
		struct view *v = app_top(a);
		if (v && v->ops->action)
			v->ops->action(v, ACTION_REFRESH);
		return;
	}
	if (!strcmp(p, "q")) {
		app_quit(a);
		return;
	}
	if (!strcmp(p, "q!")) {
		a->quit = true;
		return;
	}
	cmd_run(cmd_is_mutation(p) ? a->changes : a->cmd, p);
}

/* A load of the view in front ended: a failure is told on the message
 * line with the server's message, even when older data stays on screen;
 * a success takes back what was said about an earlier failure. Next
 * pages are the list's to tell about. */
static void load_settled(struct app *a, struct resource *r)
{
	struct view *v = app_top(a);

	if (r->busy) {
		if (v && v->ops->busy && v->ops->busy(v) == r) {
			a->loading_res = r;
			a->loading_page = model_paging(r);
		}
		return;
	}
	bool watched = r == a->loading_res;
	if (watched)
		a->loading_res = NULL;
	if (r->err.status == LB_OK) {
		if (a->msg.error_subject == SUBJECT_RESOURCE && a->msg.error_res == r && r->has_data)
			app_forget_error(a);
		return;
	}
	if (!watched || a->loading_page || r->err.status == LB_CANCELLED)
		return;
	tell_load_failed(a, r);
}

static void on_model_change(struct resource *r, void *ud)
{
	struct app *a = ud;
	for (int i = 0; i < a->depth; i++)
		if (a->stack[i]->ops->changed)
			a->stack[i]->ops->changed(a->stack[i], r);
	load_settled(a, r);
	a->dirty = true;
}

/* ---- layout and drawing --------------------------------------------------- */

static void free_windows(struct app *a)
{
	WINDOW **ws[] = {&a->title_w, &a->nav_w, &a->list_w, &a->detail_w, &a->status_w, &a->cmd_w};
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		if (*ws[i]) {
			delwin(*ws[i]);
			*ws[i] = NULL;
		}
}

static bool nav_shown(struct app *a)
{
	return COLS >= NAV_MIN_COLS && LINES >= 6;
}

static bool wants_detail(struct app *a)
{
	struct view *v = app_top(a);
	return v && v->ops->draw_detail && COLS >= DETAIL_MIN_COLS;
}

bool app_detail_pane(struct app *a)
{
	return wants_detail(a);
}

static void layout(struct app *a)
{
	free_windows(a);
	a->relayout = false;
	if (LINES < 6 || COLS < 30)
		return;
	int body = LINES - 3;
	int nav = COLS >= NAV_MIN_COLS ? NAV_WIDTH : 0;
	int rest = COLS - nav;
	int detail = wants_detail(a) ? rest * 2 / 5 : 0;
	int list = rest - detail;

	a->title_w = newwin(1, COLS, 0, 0);
	if (nav)
		a->nav_w = newwin(body, nav - 1, 1, 0);
	a->list_w = newwin(body, list - (detail ? 1 : 0), 1, nav);
	if (detail)
		a->detail_w = newwin(body, detail, 1, nav + list);
	a->status_w = newwin(1, COLS, LINES - 2, 0);
	a->cmd_w = newwin(1, COLS, LINES - 1, 0);
	if (a->focus == PANE_NAV && !a->nav_w)
		a->focus = PANE_LIST;
	if (a->focus == PANE_DETAIL && !a->detail_w)
		a->focus = PANE_LIST;
}

/* The path of views in cols columns (the caller frees it): whole segments
 * are dropped from the left for "…" until it fits; only a last segment
 * wider than all of it is cut, keeping its end. */
static char *breadcrumbs(struct app *a, int cols)
{
	static const char sep[] = " › ", more[] = "… › ";
	char *seg[MAX_VIEWS];
	int width = 0, first = 0;
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < a->depth; i++) {
		seg[i] = view_title(a->stack[i]);
		width += ts_width(seg[i] ? seg[i] : "") + (i ? ts_width(sep) : 0);
	}
	while (width > cols && first < a->depth - 1) {
		width -= ts_width(seg[first] ? seg[first] : "") + ts_width(sep);
		if (first == 0)
			width += ts_width(more);
		first++;
	}
	if (cols > 0 && width <= cols) {
		for (int i = first; i < a->depth; i++)
			buf_printf(&b, "%s%s", i == first ? (first ? more : "") : sep,
				   seg[i] ? seg[i] : "");
	} else if (cols > 0 && a->depth > 0) {
		/* One segment wider than the bar: its end matters most. */
		const char *tail = seg[a->depth - 1] ? seg[a->depth - 1] : "";
		while (*tail && ts_width(tail) > cols - 1) {
			tail++;
			while ((*tail & 0xC0) == 0x80)
				tail++;
		}
		buf_printf(&b, "…%s", tail);
	}
	for (int i = 0; i < a->depth; i++)
		free(seg[i]);
	return buf_steal(&b);
}

static void draw_title(struct app *a)
{
	WINDOW *w = a->title_w;

	draw_blank(w, 0, theme_attr(THEME_TITLE));
	draw_safe(w, 0, 0, 7, " lbtui ", theme_attr(THEME_TITLE) | A_BOLD);

	/* Progress on the right: what is loading, and for how long. */
	char right[64] = "";
	struct view *v = app_top(a);
	struct resource *r = v && v->ops->busy ? v->ops->busy(v) : NULL;
	if (r) {
		long long ms = now_ms() - r->busy_since_ms;
		static const char spin[] = "|/-\\";
		if (ms >= BLINK_MS)
			snprintf(right, sizeof(right), "%c loading %llds ", spin[a->spinner % 4],
				 ms / 1000);
	}
	int rw = ts_width(right);
	int cw = COLS - 8 - rw;
	char *crumbs = breadcrumbs(a, cw);
	draw_safe(w, 0, 8, cw, crumbs ? crumbs : "", theme_attr(THEME_TITLE));
	free(crumbs);
	if (rw)
		draw_safe(w, 0, COLS - rw, rw, right, theme_attr(THEME_TITLE) | A_BOLD);
	wnoutrefresh(w);
}

/* ---- the navigator ------------------------------------------------------ */

/* What the navigator offers, in the order of the views (views.def): each
 * view with a nav_label, shown while the scope in front holds its part,
 * indented under it (SCOPE_NONE: always there). */
#define MAX_NAV 32

/* The navigator's entries now; returns how many. */
static int nav_list(struct app *a, const struct view_info **out)
{
	struct scope s;
	int n = 0;

	app_host_scope(a, &s);
	for (size_t i = 0; lb_views[i] && n < MAX_NAV; i++) {
		const struct view_info *vi = lb_views[i];
		if (vi->nav_label && (vi->nav_part == SCOPE_NONE || scope_get(&s, vi->nav_part)))
			out[n++] = vi;
	}
	return n;
}

/* Whether a view of this name is one of what belongs to a scope (the
 * Storage of a room ...): those are siblings. */
static bool in_scope_view(const char *name)
{
	const struct view_info *vi = view_info_find(name);
	return vi && vi->nav_label && vi->nav_part != SCOPE_NONE;
}

/* nv, what belongs to the scope, in front: in place of the sibling in
 * front (app_push goes back to one already on the stack). */
static void nav_show(struct app *a, struct view *nv)
{
	if (nv && in_scope_view(app_top(a)->ops->name) && find_place(a, nv) < 0)
		app_pop(a);
	app_push(a, nv);
}

/* Go to vi about s: what belongs to a scope in place of its sibling; a
 * view about nothing back where it is on the stack (the first: the
 * whole rooms list), else opened. */
static void nav_go(struct app *a, const struct view_info *vi, const struct scope *s)
{
	if (vi->nav_part != SCOPE_NONE) {
		nav_show(a, vi->open(a, s, NULL, false));
		return;
	}
	for (int i = 0; i < a->depth; i++)
		if (!strcmp(a->stack[i]->ops->name, vi->name)) {
			pop_to(a, i);
			return;
		}
	app_push(a, vi->open(a, s, NULL, false));
}

static void draw_nav(struct app *a)
{
	WINDOW *w = a->nav_w;
	if (!w)
		return;
	werase(w);
	int h = getmaxy(w);
	struct view *v = app_top(a);
	const struct view_info *items[MAX_NAV];
	int n = nav_list(a, items);
	if (a->nav_cursor >= n)
		a->nav_cursor = n - 1;
	draw_safe(w, 0, 0, getmaxx(w), " Resources", theme_attr(THEME_HEADER));
	for (int i = 0; i < n && i + 1 < h; i++) {
		attr_t at = theme_attr(THEME_NAV);
		const char *name = v ? v->ops->name : "";
		bool current = !strcmp(name, items[i]->name) ||
			       (items[i]->item_view && !strcmp(name, items[i]->item_view));
		if (a->focus == PANE_NAV && i == a->nav_cursor)
			at = theme_attr(THEME_CURSOR);
		else if (current)
			at = theme_attr(THEME_NAV_SELECTED);
		char item[64];
		snprintf(item, sizeof(item), " %s%s", items[i]->nav_part != SCOPE_NONE ? " " : "",
		         items[i]->nav_label);
		draw_safe(w, i + 1, 0, getmaxx(w), item, at);
	}
	/* The border between the navigator and the list. */
	wattrset(stdscr, theme_attr(THEME_BORDER));
	mvwvline(stdscr, 1, NAV_WIDTH - 1, ACS_VLINE, LINES - 3);
	wnoutrefresh(stdscr);
	wnoutrefresh(w);
}

static void draw_status(struct app *a)
{
	WINDOW *w = a->status_w;
	const struct config *cfg = a->env->cfg;
	char left[512], view_status[256] = "";
	struct view *v = app_top(a);

	if (v && v->ops->status)
		v->ops->status(v, view_status, sizeof(view_status));
	int busy = http_in_flight(a->env->http);
	snprintf(left, sizeof(left), " %s │ %s │ %s │ %d req │ %s", cfg->profile ? cfg->profile : "env",
		 a->host, a->masked_key, busy, view_status);
	draw_blank(w, 0, theme_attr(THEME_STATUS));
	draw_safe(w, 0, 0, COLS, left, theme_attr(THEME_STATUS));

	char right[600] = "";
	int x = COLS;
	if (a->msg.last_error[0]) {
		/* Half the width at most: the start of it is enough. */
		snprintf(right, sizeof(right), " %.500s ", a->msg.last_error);
		int ew = ts_width(right);
		int maxw = COLS / 2;
		if (ew > maxw)
			ew = maxw;
		x -= ew;
		draw_safe(w, 0, x, ew, right, theme_attr(THEME_STATUS_ERROR));
	}
	if (cfg->read_only) {
		x -= 11;
		draw_safe(w, 0, x, 11, " READ-ONLY ", theme_attr(THEME_STATUS_RO));
	}
	wnoutrefresh(w);
}

static void draw_cmdline(struct app *a)
{
	WINDOW *w = a->cmd_w;
	werase(w);
	if (a->mode != MODE_NORMAL) {
		cmdline_draw(a->cl, w, 0, COLS, theme_attr(THEME_CMDLINE));
		const char *cands = cmdline_candidates(a->cl);
		if (cands && a->msg.line[0] == '\0') {
			/* Candidates go on the status row while typing. */
			char *safe = ts_sanitize(cands, (size_t)-1);
			if (safe) {
				draw_blank(a->status_w, 0, theme_attr(THEME_STATUS));
				draw_safe(a->status_w, 0, 1, COLS - 1, safe, theme_attr(THEME_STATUS));
				wnoutrefresh(a->status_w);
				free(safe);
			}
		}
		wnoutrefresh(w);
		return;
	}
	if (a->msg.line[0])
		draw_safe(w, 0, 0, COLS, a->msg.line,
			  theme_attr(a->msg.line_error ? THEME_ERROR : THEME_MESSAGE));
	else
		draw_safe(w, 0, 0, COLS, "Press : for commands, ? for help, q to go back",
			  theme_attr(THEME_MUTED));
	wnoutrefresh(w);
}

static void draw(struct app *a)
{
	if (a->relayout)
		layout(a);
	a->dirty = false;
	if (!a->list_w) {
		erase();
		mvaddstr(0, 0, "terminal too small (^C quits)");
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	struct view *v = app_top(a);
	/* The detail pane comes and goes with the view in front. */
	if ((a->detail_w != NULL) != wants_detail(a)) {
		layout(a);
		if (!a->list_w)
			return;
	}
	werase(stdscr);
	wnoutrefresh(stdscr);
	draw_title(a);
	draw_nav(a);
	werase(a->list_w);
	v->ops->draw(v, a->list_w, a->focus == PANE_LIST && a->mode == MODE_NORMAL);
	wnoutrefresh(a->list_w);
	if (a->detail_w) {
		werase(a->detail_w);
		v->ops->draw_detail(v, a->detail_w, a->detail_top);
		/* The border says where the focus is when it is on this pane. */
		wattrset(stdscr, theme_attr(a->focus == PANE_DETAIL && a->mode == MODE_NORMAL
						    ? THEME_CURSOR
						    : THEME_BORDER));
		mvwvline(stdscr, 1, getbegx(a->detail_w) - 1, ACS_VLINE, LINES - 3);
		wnoutrefresh(stdscr);
		wnoutrefresh(a->detail_w);
	}
	draw_status(a);
	draw_cmdline(a);
	curs_set(a->mode != MODE_NORMAL ? 1 : 0);
	if (a->mode != MODE_NORMAL)
		wnoutrefresh(a->cmd_w); /* leaves the cursor on the command line */
	doupdate();
}

/* ---- keys ------------------------------------------------------------------ */

static void nav_open(struct app *a, int cursor)
{
	const struct view_info *items[MAX_NAV];
	int n = nav_list(a, items);
	if (cursor < 0 || cursor >= n)
		return;
	const struct view_info *e = items[cursor];
	struct scope here, s;
	app_host_scope(a, &here);
	/* A copy: going there may pop the view that holds the scope. */
	if (!scope_copy(&s, &here))
		return;
	/* What belongs to the scope is there already when in front. */
	if (e->nav_part == SCOPE_NONE || strcmp(app_top(a)->ops->name, e->name))
		nav_go(a, e, &s);
	a->focus = PANE_LIST;
	scope_free(&s);
}

static bool global_action(struct app *a, enum action act, int key)
{
	struct view *v = app_top(a);

	switch (act) {
	case ACTION_QUIT:
		app_quit(a);
		return true;
	case ACTION_PROMPT:
		app_prompt(a, NULL);
		return true;
	case ACTION_HELP:
		/* app_push goes back to the keys when they are on the stack. */
		app_push(a, view_help_new(a, NULL, NULL));
		return true;
	case ACTION_REQUESTS:
		app_push(a, view_requests_new(a, http_log(a->env->http)));
		return true;
	case ACTION_REDRAW:
		clearok(curscr, TRUE);
		a->relayout = true;
		a->dirty = true;
		return true;
	case ACTION_NEXT_PANE: {
		/* Only panes on screen at the size the next draw lays out. */
		enum pane order[3];
		int n = 0;
		if (nav_shown(a))
			order[n++] = PANE_NAV;
		order[n++] = PANE_LIST;
		if (wants_detail(a))
			order[n++] = PANE_DETAIL;
		int i = 0;
		while (i < n && order[i] != a->focus)
			i++;
		a->focus = order[(i + 1) % n];
		a->dirty = true;
		return true;
	}
	case ACTION_LEFT: {
		/* Back, as q; but where there is no going back the focus moves
		 * left (detail → list → navigator), and nothing quits. */
		if (a->focus != PANE_DETAIL && a->depth > 1)
			return global_action(a, ACTION_BACK, key);
		bool cancelled = a->focus != PANE_DETAIL && v->ops->action &&
				 v->ops->action(v, ACTION_BACK) == VIEW_HANDLED;
		if (a->focus == PANE_DETAIL)
			a->focus = PANE_LIST;
		else if (!cancelled && nav_shown(a))
			a->focus = PANE_NAV;
		a->dirty = true;
		return true;
	}
	case ACTION_SEARCH:
		a->mode = MODE_SEARCH;
		a->msg.line[0] = '\0';
		cmdline_open(a->cl, "/", false, NULL);
		a->dirty = true;
		return true;
	case ACTION_FIND_NEXT:
	case ACTION_FIND_PREV:
		if (!a->search[0]) {
			app_message(a, false, "no search: press / first");
		} else if (v->ops->search &&
			   !v->ops->search(v, a->search, act == ACTION_FIND_NEXT ? 1 : -1)) {
			char *safe = ts_sanitize(a->search, (size_t)-1);
			app_message(a, false, "no more matches for %s", safe ? safe : "");
			free(safe);
		}
		a->dirty = true;
		return true;
	case ACTION_BACK:
		if (v->ops->action && v->ops->action(v, ACTION_BACK) == VIEW_HANDLED)
			return true;
		if (a->depth > 1) {
			app_pop(a);
		} else if (key == 27) {
			a->search[0] = '\0';
			a->msg.line[0] = '\0';
			app_forget_error(a);
		} else {
			app_quit(a);
		}
		return true;
	default:
		return false;
	}
}

/* line with %r (the room of v's scope), %t (its thread) and %i (its
 * selected item's ID) put in as quoted words; NULL with a message when v
 * has no such thing, or out of memory. Caller frees. */
static char *expand_command(struct app *a, struct view *v, const char *line)
{
	struct scope s = {0};
	char id[512];
	struct buf b;

	if (v->ops->scope)
		v->ops->scope(v, &s);
	buf_init(&b);
	for (const char *p = line; *p; p++) {
		const char *word = NULL;
		if (p[0] != '%' || !p[1] || !strchr("rit", p[1])) {
			buf_add(&b, p, 1);
			continue;
		}
		if (*++p == 'r')
			word = s.room;
		else if (*p == 't')
			word = s.thread;
		else if (v->ops->selected_id && v->ops->selected_id(v, id, sizeof(id)))
			word = id;
		if (!word) {
			const struct view_info *vi = view_info_find(v->ops->name);
			app_message(a, false, "no %s selected",
			            *p == 'r'   ? "room"
			            : *p == 't' ? "thread"
			            : vi && vi->item ? vi->item
			                             : "item");
			buf_free(&b);
			return NULL;
		}
		char *q = cmd_quote(word);
		if (!q || !buf_adds(&b, q)) {
			free(q);
			buf_free(&b);
			app_message(a, true, "out of memory");
			return NULL;
		}
		free(q);
	}
	return buf_steal(&b);
}

/* A view's own action (an ID above ACTION_COUNT): open the view it opens
 * about the scope in front, or put its command on the command line (or
 * run it). False for a command the view handles itself. */
static bool view_own_action(struct app *a, struct view *v, enum action act)
{
	const struct view_command *c;
	const struct view_info *vi = view_action_owner(act, &c);
	struct scope here, s;

	if (!vi || (c && !c->line))
		return false;
	if (c) {
		char *line = expand_command(a, v, c->line);
		if (line && c->run)
			app_command(a, line);
		else if (line)
			app_prompt(a, line);
		free(line);
		return true;
	}
	app_host_scope(a, &here);
	/* A copy: the view that holds it may go. */
	if (!scope_copy(&s, &here)) {
		app_message(a, true, "out of memory");
		return true;
	}
	app_push(a, vi->open(a, &s, NULL, false));
	scope_free(&s);
	return true;
}

bool app_view_action(struct app *a, const char *name)
{
	enum action act = view_action_id(name);
	return act != ACTION_NONE && view_own_action(a, app_top(a), act);
}

static void pane_key(struct app *a, enum action act, int key)
{
	struct view *v = app_top(a);

	if (global_action(a, act, key))
		return;
	if (a->focus == PANE_NAV) {
		const struct view_info *items[MAX_NAV];
		int n = nav_list(a, items);
		if (act == ACTION_MOVE_UP && a->nav_cursor > 0)
			a->nav_cursor--;
		else if (act == ACTION_MOVE_DOWN && a->nav_cursor < n - 1)
			a->nav_cursor++;
		else if (act == ACTION_MOVE_FIRST)
			a->nav_cursor = 0;
		else if (act == ACTION_MOVE_LAST)
			a->nav_cursor = n - 1;
		else if (act == ACTION_ENTER)
			nav_open(a, a->nav_cursor);
		a->dirty = true;
		return;
	}
	if (a->focus == PANE_DETAIL) {
		int h = a->detail_w ? getmaxy(a->detail_w) : 1;
		switch (act) {
		case ACTION_MOVE_UP: a->detail_top--; break;
		case ACTION_MOVE_DOWN: a->detail_top++; break;
		case ACTION_PAGE_UP: a->detail_top -= h - 1; break;
		case ACTION_PAGE_DOWN: a->detail_top += h - 1; break;
		case ACTION_MOVE_FIRST: a->detail_top = 0; break;
		/* h and Left of a tree: left of this pane is the tree, whose
		 * nodes stay as they are. */
		case ACTION_TREE_COLLAPSE: a->focus = PANE_LIST; break;
		default:
			if (v->ops->action)
				v->ops->action(v, act);
			break;
		}
		if (a->detail_top < 0)
			a->detail_top = 0;
		a->dirty = true;
		return;
	}
	if (act >= ACTION_COUNT && view_own_action(a, v, act)) {
		a->dirty = true;
		return;
	}
	if (act != ACTION_NONE && v->ops->action) {
		int before = a->depth;
		if (v->ops->action(v, act) == VIEW_HANDLED && a->depth == before &&
		    (act == ACTION_MOVE_UP || act == ACTION_MOVE_DOWN || act == ACTION_PAGE_UP ||
		     act == ACTION_PAGE_DOWN || act == ACTION_MOVE_FIRST || act == ACTION_MOVE_LAST))
			a->detail_top = 0;
	}
	a->dirty = true;
}

static void line_key(struct app *a, wint_t ch, bool is_key)
{
	enum cmdline_state st = cmdline_feed(a->cl, ch, is_key);
	a->dirty = true;
	if (st == CMDLINE_EDITING)
		return;
	enum mode m = a->mode;
	a->mode = MODE_NORMAL;
	const char *text = st == CMDLINE_DONE ? cmdline_text(a->cl) : NULL;
	char *line = text ? strdup(text) : NULL;
	switch (m) {
	case MODE_COMMAND:
		if (line && line[0])
			app_command(a, line);
		break;
	case MODE_SEARCH:
		if (line && line[0]) {
			snprintf(a->search, sizeof(a->search), "%s", line);
			struct view *v = app_top(a);
			if (v->ops->search && !v->ops->search(v, a->search, 0)) {
				char *safe = ts_sanitize(line, (size_t)-1);
				app_message(a, false, "no match for %s", safe ? safe : "");
				free(safe);
			}
		}
		break;
	case MODE_FILTER: {
		/* Esc clears the filter, as an empty one does. */
		struct view *v = app_top(a);
		if (v->ops->filter)
			v->ops->filter(v, st == CMDLINE_DONE && line ? line : NULL);
		break;
	}
	case MODE_ASK: {
		void (*answer)(void *, const char *) = a->ask_answer;
		a->ask_answer = NULL;
		if (answer)
			answer(a->ask_ctx, st == CMDLINE_DONE ? (line ? line : "") : NULL);
		break;
	}
	default:
		break;
	}
	free(line);
	app_ask_waiting(a);
}

/* A yes/no question: y answers yes and n, Esc, Enter, ^C or ^G no, at
 * once; the keys that move scroll the preview; nothing else does a thing. */
static void confirm_key(struct app *a, wint_t ch, bool is_key)
{
	bool yes = !is_key && (ch == 'y' || ch == 'Y');
	bool no = (is_key && ch == KEY_ENTER) ||
		  (!is_key && (ch == 'n' || ch == 'N' || ch == 27 || ch == '\r' || ch == '\n' ||
			       ch == 3 || ch == 7));
	if (yes || no) {
		a->mode = MODE_NORMAL;
		cmdline_close(a->cl);
		app_confirm_answered(a, yes);
		app_ask_waiting(a);
		a->dirty = true;
		return;
	}
	struct view *v = app_top(a);
	if (!a->confirm_view || v != a->confirm_view || (!is_key && ch >= 128))
		return;
	enum action act = keymap_lookup(a->keymap, v->ops->name, (int)ch);
	switch (act) {
	case ACTION_MOVE_UP:
	case ACTION_MOVE_DOWN:
	case ACTION_PAGE_UP:
	case ACTION_PAGE_DOWN:
	case ACTION_MOVE_FIRST:
	case ACTION_MOVE_LAST:
		v->ops->action(v, act);
		a->dirty = true;
		break;
	default:
		break;
	}
}

/* The mouse acts in the list pane, on the view in front, as a key would. */
static void mouse_key(struct app *a)
{
	struct mouse_event evs[8];
	int n = mouse_read(&a->mouse, evs, 8);

	for (int i = 0; i < n && a->mode == MODE_NORMAL && a->list_w; i++) {
		struct mouse_event *ev = &evs[i];
		struct view *v = app_top(a);
		if (!wmouse_trafo(a->list_w, &ev->y, &ev->x, FALSE))
			continue;
		a->msg.line[0] = '\0';
		a->focus = PANE_LIST;
		a->dirty = true;
		if (v->ops->mouse) {
			v->ops->mouse(v, ev);
		} else if (ev->kind == MOUSE_WHEEL_UP || ev->kind == MOUSE_WHEEL_DOWN) {
			for (int k = 0; k < 3; k++)
				pane_key(a, ev->kind == MOUSE_WHEEL_UP ? ACTION_MOVE_UP
								       : ACTION_MOVE_DOWN,
					 0);
		}
	}
}

static void handle_key(struct app *a, wint_t ch, bool is_key)
{
	if (is_key && ch == KEY_RESIZE) {
		a->relayout = true;
		a->dirty = true;
		return;
	}
	/* "terminal too small": nothing is shown, so nothing is typed or done
	 * out of sight; ^C still quits (asking first if a change is on its
	 * way, once the screen is big enough to ask). */
	if (!a->list_w && !a->relayout) {
		if (!is_key && ch == 3 && a->mode == MODE_NORMAL)
			app_quit(a);
		return;
	}
	if (is_key && ch == KEY_MOUSE) {
		mouse_key(a);
		return;
	}
	if (a->mode == MODE_CONFIRM) {
		confirm_key(a, ch, is_key);
		return;
	}
	if (a->mode != MODE_NORMAL) {
		wint_t next;
		/* Alt+key arrives as Esc and the key together. */
		if (!is_key && ch == 27 && wget_wch(stdscr, &next) == OK) {
			cmdline_feed_meta(a->cl, next);
			a->dirty = true;
			return;
		}
		line_key(a, ch, is_key);
		return;
	}
	if (!is_key && ch == 3) { /* ^C */
		app_quit(a);
		return;
	}
	int key = (int)ch;
	if (!is_key && ch >= 128)
		return; /* no binding uses non-ASCII characters */
	struct view *v = app_top(a);
	enum action act = keymap_lookup(a->keymap, v->ops->name, key);
	if (act == ACTION_NONE)
		return; /* a key that is not bound does nothing, not even clear */
	a->msg.line[0] = '\0';
	pane_key(a, act, key);
}

static void read_keys(struct app *a)
{
	wint_t ch;
	int rc;
	while ((rc = wget_wch(stdscr, &ch)) != ERR) {
		handle_key(a, ch, rc == KEY_CODE_YES);
		if (a->quit)
			break;
	}
}

/* ---- the loop -------------------------------------------------------------- */

static void host_of(const char *url, char *out, size_t n)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	snprintf(out, n, "%s", p);
	char *slash = strchr(out, '/');
	if (slash)
		*slash = '\0';
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static bool any_busy(struct app *a)
{
	return http_in_flight(a->env->http) > 0;
}

void app_curses_version(struct buf *b)
{
	buf_printf(b, "%s\n", curses_version());
}

int app_run(const struct app_env *env)
{
	struct app *a = calloc(1, sizeof(*a));
	struct lb_error err;
	if (!a)
		return 1;
	a->env = env;
	a->model = env->model;
	config_mask_secret(env->cfg->secret, a->masked_key, sizeof(a->masked_key));
	host_of(env->cfg->base_url, a->host, sizeof(a->host));

	a->cl = cmdline_new(env->cfg->history_path, &err);
	if (!a->cl) {
		char msg[600];
		fprintf(stderr, "lbtui: %s\n", lb_error_format(&err, msg, sizeof(msg)));
		free(a);
		return 1;
	}
	cmdline_set_completer(a->cl, app_complete, a);

	/* Commands run in env->late rather than in struct app (see app.h);
	 * changes in their own, so that quitting knows when one is on its
	 * way. */
	a->cmd = &env->late->cmd;
	a->changes = &env->late->changes;
	memset(a->cmd, 0, sizeof(*a->cmd));
	a->cmd->model = env->model;
	a->cmd->read_only = env->cfg->read_only;
	a->cmd->user = env->cfg->user;
	a->cmd->host = app_cmd_host(a);
	*a->changes = *a->cmd;

	a->keymap = keymap_new();
	if (!a->keymap) {
		fputs("lbtui: out of memory\n", stderr);
		cmdline_free(&a->cl);
		free(a);
		return 1;
	}
	for (size_t i = 0; i < env->cfg->n_bindings; i++) {
		const struct key_binding *b = &env->cfg->bindings[i];
		if (!keymap_bind(a->keymap, b->view, b->key, b->action, &err)) {
			char msg[600];
			app_message(a, true, "config: %s", lb_error_format(&err, msg, sizeof(msg)));
		}
	}

	set_escdelay(25);
	if (!initscr()) {
		fputs("lbtui: cannot initialise the terminal\n", stderr);
		cmdline_free(&a->cl);
		free(a);
		return 1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	if (!env->cfg->mouse_off)
		mouse_start();
	if (!theme_load(env->cfg->theme, &err)) {
		char msg[600];
		app_message(a, true, "theme: %s", lb_error_format(&err, msg, sizeof(msg)));
	}
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	model_listen(env->model, on_model_change, a);
	app_push(a, view_rooms_new(a, NULL));
	a->relayout = true;
	a->dirty = true;
	a->last_tick_ms = now_ms();

	while (!a->quit && !got_signal) {
		cmd_step(a->cmd);
		cmd_step(a->changes);
		/* Watch mode: the view in front refreshes when it is due. */
		struct view *tv = app_top(a);
		int view_wait = tv && tv->ops->tick ? tv->ops->tick(tv, now_ms()) : -1;
		/* A load that began before its view was in front is watched too. */
		struct resource *loading = tv && tv->ops->busy ? tv->ops->busy(tv) : NULL;
		if (loading && !a->loading_res)
			load_settled(a, loading);
		if (a->dirty)
			draw(a);
		struct pollfd fds[64];
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		int n = 1 + http_pollfds(env->http, fds + 1, 63);
		int timeout = http_timeout_ms(env->http);
		int tick = any_busy(a) ? 100 : 1000;
		if (timeout < 0 || timeout > tick)
			timeout = tick;
		if (view_wait >= 0 && view_wait < timeout)
			timeout = view_wait;
		/* A job waiting out a 429 sends again when its pause is over. */
		int job_wait = model_timeout_ms(env->model);
		if (job_wait >= 0 && job_wait < timeout)
			timeout = job_wait;
		int rc = poll(fds, (nfds_t)n, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
			break; /* the terminal went away */
		/* Keys first (a resize arrives as a key after SIGWINCH's EINTR). */
		read_keys(a);
		http_process(env->http, fds + 1, n - 1);
		long long now = now_ms();
		if (now - a->last_tick_ms >= (any_busy(a) ? 100 : 1000) ||
		    model_timeout_ms(env->model) == 0) {
			a->last_tick_ms = now;
			a->spinner++;
			model_tick(env->model);
			a->dirty = true;
		}
	}

	endwin();
	if (a->mode == MODE_ASK && a->ask_answer)
		a->ask_answer(a->ask_ctx, NULL);
	if (a->mode == MODE_CONFIRM && a->confirm_answer)
		a->confirm_answer(a->confirm_ctx, false);
	app_refuse_waiting(a);
	model_unlisten(env->model, on_model_change, a);
	cmd_clear(a->cmd);
	cmd_clear(a->changes);
	/* What still runs ends when the model is freed, after the screen is
	 * gone: a change says how it ended on stderr (it may name a file
	 * holding a room's previous Storage). */
	a->cmd->host = (struct cmd_host){0};
	a->changes->host = (struct cmd_host){.ud = a->env->late, .done = app_late_done};
	while (a->depth > 0) {
		struct view *v = a->stack[--a->depth];
		v->ops->free(v);
	}
	free_windows(a);
	cmdline_free(&a->cl);
	keymap_free(&a->keymap);
	messages_clear(&a->msg);
	free(a);
	return 0;
}
