#include "lbconfig.h"

#include <stdlib.h>

#include "app.h"
#include "draw.h"
#include "output.h"
#include "resview.h"
#include "view.h"

/* Every field of one room. */
struct room_view {
	struct resview base; /* first: resview_of finds it */
	int top; /* the first line shown */
};

static struct room_view *priv(struct view *v)
{
	return v->priv;
}

static void room_title(struct view *v, char *out, size_t n)
{
	char *name = scope_name(&resview_of(v)->scope);
	snprintf(out, n, "%s", name ? name : "room");
	free(name);
}

static void room_draw(struct view *v, WINDOW *win, bool focused)
{
	struct room_view *rv = priv(v);
	struct resource *r = rv->base.res;
	int h = getmaxy(win), w = getmaxx(win);

	rv->base.height = h;
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
		resview_draw_pending(win, r, "Loading room…");
		return;
	}
	char **lines;
	size_t n = output_room_lines(model_room_of(r), &lines);
	scroll_clamp(&rv->top, (int)n, h);
	draw_field_lines(win, lines, (int)n, rv->top);
	/* What else there is to see in the room. */
	if ((int)n - rv->top + 1 < h)
		draw_safe(win, (int)n - rv->top + 1, 1, w - 1,
			  "s Storage · y Yjs · v versions · u connected users · e update · D delete",
			  theme_attr(THEME_MUTED));
	output_lines_free(&lines, n);
}

static enum view_result room_action(struct view *v, enum action a)
{
	struct room_view *rv = priv(v);
	const char *id = rv->base.scope.room;

	/* The end is found at the next draw, which clamps. */
	if (scroll_move(&rv->top, rv->base.height, 1 << 20, a))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_ROOM_UPDATE: resview_command(v, "room update %s ", id, NULL, false); break;
	case ACTION_ROOM_DELETE: resview_command(v, "room delete %s", id, NULL, true); break;
	case ACTION_OPEN_STORAGE:
		app_push(v->app, view_storage_new(v->app, id, false, false));
		break;
	case ACTION_OPEN_YDOC: app_push(v->app, view_ydoc_new(v->app, id, NULL, false)); break;
	case ACTION_OPEN_VERSIONS: app_push(v->app, view_versions_new(v->app, id)); break;
	case ACTION_OPEN_USERS: app_push(v->app, view_users_new(v->app, id)); break;
	default:
		return resview_action(v, rv->base.res, a, true);
	}
	return VIEW_HANDLED;
}

static void room_status(struct view *v, char *out, size_t n)
{
	struct resource *r = resview_of(v)->res;
	if (!resview_status_pending(r, r->has_data, out, n))
		resview_age(r, out, n);
}

static const struct view_ops room_ops = {
	.name = "room",
	.title = room_title,
	.draw = room_draw,
	.action = room_action,
	.scope = resview_scope,
	.status = room_status,
	.busy = resview_busy,
	.free = resview_free,
};

struct view *view_room_new(struct app *app, const char *id)
{
	return resview_new(app, &room_ops, sizeof(struct room_view), &(struct scope){.room = id},
			   model_room(app_model(app), id));
}
