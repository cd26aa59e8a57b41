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
			 const struct scope *scope, struct resource *res)
{
	struct view *v = calloc(1, sizeof(*v));
	struct resview *rv = calloc(1, size);

	if (!v || !rv || !res || (scope && !scope_copy(&rv->scope, scope))) {
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

void resview_scope(struct view *v, struct scope *out)
{
	*out = resview_of(v)->scope;
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

void resview_free(struct view *v)
{
	struct resview *rv = resview_of(v);
	model_release(app_model(v->app), &rv->res);
	scope_free(&rv->scope);
	free(rv);
	free(v);
}

void resview_title(struct view *v, char *out, size_t n, const char *what)
{
	char *name = scope_name(&resview_of(v)->scope);
	snprintf(out, n, "%s %s", what, name ? name : "");
	free(name);
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

	switch (a) {
	case ACTION_REFRESH:
		model_refresh(m, r);
		return VIEW_HANDLED;
	case ACTION_BACK:
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
