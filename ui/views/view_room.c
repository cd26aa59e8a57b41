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
	/* What else there is to see in the room: what belongs to a room
	 * (each view's hint), then what can be done to it. */
	if ((int)n - rv->top + 1 < h) {
		char hint[256] = "";
		size_t used = 0;
		for (size_t i = 0; lb_views[i] && used < sizeof(hint); i++)
			if (lb_views[i]->nav_part == SCOPE_ROOM && lb_views[i]->open_hint)
				used += (size_t)snprintf(hint + used, sizeof(hint) - used, "%s · ",
				                         lb_views[i]->open_hint);
		snprintf(hint + (used < sizeof(hint) ? used : sizeof(hint) - 1),
		         sizeof(hint) - (used < sizeof(hint) ? used : sizeof(hint) - 1),
		         "e update · D delete");
		draw_safe(win, (int)n - rv->top + 1, 1, w - 1, hint, theme_attr(THEME_MUTED));
	}
	output_lines_free(&lines, n);
}

static enum view_result room_action(struct view *v, enum action a)
{
	struct room_view *rv = priv(v);

	/* The end is found at the next draw, which clamps. */
	if (scroll_move(&rv->top, rv->base.height, 1 << 20, a))
		return VIEW_HANDLED;
	return resview_action(v, rv->base.res, a, true);
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

static struct view *room_open(struct app *app, const struct scope *where, const void *opts,
                              bool watch)
{
	(void)opts;
	(void)watch;
	return view_room_new(app, where->room);
}

/* Its changes are the rooms list's (view_rooms.c). */
static const struct view_key room_keys[] = {
    {'e', "room-update"},
    {'D', "room-delete"},
    {0, NULL},
};

const struct view_info view_info_room = {
    .name = "room",
    .keys_title = "Keys in a room",
    .open = room_open,
    .keys = room_keys,
    .place = true,
    .view_of = SCOPE_ROOM,
};
