#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"
#include "view.h"

/* Every field of one room. */
struct room_view {
	struct resource *res;
	char *id;
	int top;
	int height;
};

static struct room_view *priv(struct view *v)
{
	return v->priv;
}

static void room_title(struct view *v, char *out, size_t n)
{
	char *safe = ts_sanitize(priv(v)->id, (size_t)-1);
	snprintf(out, n, "%s", safe ? safe : "room");
	free(safe);
}

static void room_draw(struct view *v, WINDOW *win, bool focused)
{
	struct room_view *rv = priv(v);
	struct resource *r = rv->res;
	int h = getmaxy(win), w = getmaxx(win);

	rv->height = h;
	if (r->gone && !r->busy) {
		char msg[700], line[800];
		if (r->err.status != LB_OK && r->err.http_status == 404) {
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s", msg);
		} else {
			snprintf(line, sizeof(line), "This room was deleted. Press q to go back.");
		}
		draw_notice(win, line, theme_attr(THEME_ERROR));
		return;
	}
	if (!r->has_data) {
		if (r->state == RES_ERROR) {
			char msg[700], line[800];
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading room…", theme_attr(THEME_LOADING));
		}
		return;
	}
	char **lines;
	size_t n = output_room_lines(&r->room, &lines);
	if (rv->top > (int)n - h)
		rv->top = (int)n - h;
	if (rv->top < 0)
		rv->top = 0;
	for (int row = 0; row < h && rv->top + row < (int)n; row++) {
		const char *line = lines[rv->top + row];
		enum theme_element el = line[0] == ' ' ? THEME_VALUE : THEME_KEY;
		draw_safe(win, row, 1, w - 1, line, theme_attr(el));
	}
	/* What else there is to see in the room. */
	if ((int)n - rv->top + 1 < h)
		draw_safe(win, (int)n - rv->top + 1, 1, w - 1,
			  "s Storage · y Yjs · v versions · u connected users · e update · D delete",
			  theme_attr(THEME_MUTED));
	output_lines_free(&lines, n);
}

static void with_room(struct view *v, const char *fmt, bool run)
{
	char *q = cmd_quote(priv(v)->id);
	char line[1024];
	snprintf(line, sizeof(line), fmt, q ? q : "");
	free(q);
	if (run)
		app_command(v->app, line);
	else
		app_prompt(v->app, line);
}

static enum view_result room_action(struct view *v, enum action a)
{
	struct room_view *rv = priv(v);
	int page = rv->height > 1 ? rv->height - 1 : 1;

	switch (a) {
	case ACTION_MOVE_UP: rv->top--; break;
	case ACTION_MOVE_DOWN: rv->top++; break;
	case ACTION_PAGE_UP: rv->top -= page; break;
	case ACTION_PAGE_DOWN: rv->top += page; break;
	case ACTION_MOVE_FIRST: rv->top = 0; break;
	case ACTION_MOVE_LAST: rv->top = 1 << 20; break;
	case ACTION_REFRESH: model_refresh(app_model(v->app), rv->res); break;
	case ACTION_ROOM_UPDATE: with_room(v, "room update %s ", false); break;
	case ACTION_ROOM_DELETE: with_room(v, "room delete %s", true); break;
	case ACTION_OPEN_STORAGE:
		app_push(v->app, view_storage_new(v->app, rv->id, false, false));
		break;
	case ACTION_OPEN_YDOC: app_push(v->app, view_ydoc_new(v->app, rv->id, false)); break;
	case ACTION_OPEN_VERSIONS: app_push(v->app, view_versions_new(v->app, rv->id)); break;
	case ACTION_OPEN_USERS: app_push(v->app, view_users_new(v->app, rv->id)); break;
	case ACTION_BACK:
		if (rv->res->busy) {
			model_cancel(app_model(v->app), rv->res);
			app_message(v->app, false, "cancelled");
			break;
		}
		return VIEW_IGNORED;
	default:
		return VIEW_IGNORED;
	}
	if (rv->top < 0)
		rv->top = 0;
	return VIEW_HANDLED;
}

static const char *room_current_room(struct view *v)
{
	return priv(v)->id;
}

static void room_status(struct view *v, char *out, size_t n)
{
	struct resource *r = priv(v)->res;
	char age[32];
	if (r->has_data) {
		format_age(model_age_s(r), age, sizeof(age));
		snprintf(out, n, "%s%s ago", r->state == RES_STALE ? "stale, " : "", age);
	} else {
		snprintf(out, n, "%s", r->state == RES_ERROR ? "failed" : "loading");
	}
}

static struct resource *room_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	return r->busy ? r : NULL;
}

static void room_free(struct view *v)
{
	struct room_view *rv = priv(v);
	model_release(app_model(v->app), &rv->res);
	free(rv->id);
	free(rv);
	free(v);
}

static const struct view_ops room_ops = {
	.name = "room",
	.title = room_title,
	.draw = room_draw,
	.action = room_action,
	.current_room = room_current_room,
	.status = room_status,
	.busy = room_busy,
	.free = room_free,
};

struct view *view_room_new(struct app *app, const char *id)
{
	struct view *v = calloc(1, sizeof(*v));
	struct room_view *rv = calloc(1, sizeof(*rv));

	if (!v || !rv || !(rv->id = strdup(id)))
		goto fail;
	rv->res = model_room(app_model(app), id);
	if (!rv->res)
		goto fail;
	v->ops = &room_ops;
	v->app = app;
	v->priv = rv;
	return v;
fail:
	if (rv)
		free(rv->id);
	free(rv);
	free(v);
	return NULL;
}
