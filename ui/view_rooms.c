#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "output.h"
#include "resview.h"
#include "term_safe.h"
#include "view.h"

/* The list of rooms for one filter, with the selected room beside it. */
struct rooms_view {
	struct resview base; /* first: resview_of finds it */
	struct list_pos pos;
};

static struct rooms_view *priv(struct view *v)
{
	return v->priv;
}

static const struct room *selected(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	int i = resview_selected(v, &priv(v)->pos, (int)r->n_rooms);
	return i < 0 ? NULL : &r->rooms[i];
}

static void rooms_title(struct view *v, char *out, size_t n)
{
	char desc[256];
	room_filter_describe(&resview_of(v)->res->filter, desc, sizeof(desc));
	char *safe = ts_sanitize(desc, (size_t)-1);
	if (safe && safe[0])
		snprintf(out, n, "rooms [%s]", safe);
	else
		snprintf(out, n, "rooms");
	free(safe);
}

/* Whether room i of the resource ctx matches pattern (list_match_fn). */
static bool matches(const void *ctx, int i, const char *pattern)
{
	const struct room *r = &((const struct resource *)ctx)->rooms[i];
	char meta[1024];
	if (!pattern[0])
		return false;
	if (r->id && strcasestr(r->id, pattern))
		return true;
	room_metadata_summary(r, meta, sizeof(meta));
	return strcasestr(meta, pattern) != NULL;
}

static void rooms_draw(struct view *v, WINDOW *win, bool focused)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->base.res;
	int h = getmaxy(win), w = getmaxx(win);

	rv->base.height = h > 1 ? h - 1 : 1;
	if (!r->has_data) {
		resview_draw_pending(win, r, "Loading rooms…");
		return;
	}
	int datew = w >= 70 ? 16 : 10;
	int lastw = w >= 96 ? 16 : 0;
	int accessw = 9;
	int idw = 12;
	for (int i = rv->pos.top; i < (int)r->n_rooms && i < rv->pos.top + rv->base.height; i++) {
		int cw = draw_width(r->rooms[i].id);
		if (cw > idw)
			idw = cw;
	}
	int fixed = datew + 1 + (lastw ? lastw + 1 : 0) + accessw + 1;
	if (idw > w - fixed - 12)
		idw = w - fixed - 12;
	if (idw < 8)
		idw = 8;

	struct cell head[5];
	int nh = 0;
	head[nh++] = (struct cell){"ID", idw, THEME_HEADER};
	head[nh++] = (struct cell){"CREATED", datew, THEME_HEADER};
	if (lastw)
		head[nh++] = (struct cell){"LAST CONNECTION", lastw, THEME_HEADER};
	head[nh++] = (struct cell){"ACCESS", accessw, THEME_HEADER};
	head[nh++] = (struct cell){"METADATA", -1, THEME_HEADER};
	draw_cells(win, 0, head, nh, 0);

	if (r->n_rooms == 0) {
		draw_notice(win, r->filter.query || r->filter.prefix || r->filter.metadata.n ||
					 r->filter.user_id || r->filter.group_ids.n ||
					 r->filter.organization_id
				     ? "No rooms match this filter"
				     : "No rooms yet — press c to create one",
			    theme_attr(THEME_MUTED));
		return;
	}
	list_clamp(&rv->pos, (int)r->n_rooms, rv->base.height);
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < rv->base.height && rv->pos.top + row < (int)r->n_rooms; row++) {
		int i = rv->pos.top + row;
		const struct room *room = &r->rooms[i];
		char created[32], last[32], access[256], meta[1024];
		output_time(room->created_s, created, sizeof(created));
		output_time(room->last_connection_s, last, sizeof(last));
		if (datew < 16)
			created[10] = '\0'; /* the date alone when space is short */
		room_access_summary(room, access, sizeof(access));
		room_metadata_summary(room, meta, sizeof(meta));
		struct cell cells[5];
		int nc = 0;
		cells[nc++] = (struct cell){room->id, idw,
					    matches(r, i, pattern) ? THEME_MATCH : THEME_ID};
		cells[nc++] = (struct cell){created, datew, THEME_DATE};
		if (lastw)
			cells[nc++] = (struct cell){last, lastw, THEME_DATE};
		cells[nc++] = (struct cell){access, accessw, THEME_VALUE};
		cells[nc++] = (struct cell){meta, -1, THEME_MUTED};
		draw_cells(win, row + 1, cells, nc, list_row_attr(&rv->pos, i, focused));
	}
	resview_draw_more(v, win, &rv->pos, (int)r->n_rooms, "Loading more rooms…");
}

static void rooms_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct room *room = selected(v);
	char **lines;
	if (!room)
		return;
	size_t n = output_room_lines(room, &lines);
	draw_field_lines(win, lines, (int)n, top);
	output_lines_free(&lines, n);
}

/* fmt with the selected room (resview_command). */
static void with_selected(struct view *v, const char *fmt, bool run)
{
	const struct room *room = selected(v);
	if (room)
		resview_command(v, fmt, room->id, NULL, run);
	else
		app_message(v->app, false, "no room selected");
}

static enum view_result rooms_action(struct view *v, enum action a)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->base.res;

	if (list_move(&rv->pos, (int)r->n_rooms, rv->base.height, a)) {
		resview_more(v, &rv->pos, (int)r->n_rooms);
		return VIEW_HANDLED;
	}
	switch (a) {
	case ACTION_ENTER: {
		const struct room *room = selected(v);
		if (room)
			app_open_room(v->app, room->id);
		return VIEW_HANDLED;
	}
	case ACTION_ROOM_CREATE:
		app_prompt(v->app, "room create ");
		return VIEW_HANDLED;
	case ACTION_ROOM_UPDATE:
		with_selected(v, "room update %s ", false);
		return VIEW_HANDLED;
	case ACTION_ROOM_DELETE:
		with_selected(v, "room delete %s", true);
		return VIEW_HANDLED;
	case ACTION_ROOM_FILTER: {
		/* The current filter, to refine. */
		size_t cursor;
		char *line = cmd_rooms_line(&r->filter, &cursor);
		if (line)
			app_prompt_at(v->app, line, cursor);
		free(line);
		return VIEW_HANDLED;
	}
	default:
		return resview_action(v, r, a, true);
	}
}

static void rooms_changed(struct view *v, struct resource *r)
{
	resview_paged_changed(v, r, &priv(v)->pos, (int)r->n_rooms);
}

static bool rooms_search(struct view *v, const char *pattern, int dir)
{
	int n = (int)resview_of(v)->res->n_rooms;
	return resview_search(v, &priv(v)->pos, n, dir, matches, pattern, true);
}

static const char *rooms_current_room(struct view *v)
{
	const struct room *room = selected(v);
	return room ? room->id : NULL;
}

static void rooms_status(struct view *v, char *out, size_t n)
{
	struct resource *r = resview_of(v)->res;
	char age[64];
	if (resview_status_pending(r, r->has_data, out, n))
		return;
	resview_age(r, age, sizeof(age));
	snprintf(out, n, "%zu%s rooms │ %s", r->n_rooms, r->complete ? "" : "+", age);
}

static const struct view_ops rooms_ops = {
	.name = "rooms",
	.title = rooms_title,
	.draw = rooms_draw,
	.draw_detail = rooms_draw_detail,
	.action = rooms_action,
	.changed = rooms_changed,
	.search = rooms_search,
	.current_room = rooms_current_room,
	.status = rooms_status,
	.busy = resview_busy,
	.free = resview_free,
};

struct view *view_rooms_new(struct app *app, const struct room_filter *f)
{
	struct room_filter want;

	/* A shallow copy (the model copies it deeply) with big pages: fewer
	 * requests while scrolling a long list. */
	if (f)
		want = *f;
	else
		memset(&want, 0, sizeof(want));
	if (want.limit == 0)
		want.limit = 100;
	struct view *v = resview_new(app, &rooms_ops, sizeof(struct rooms_view), NULL,
				     model_rooms(app_model(app), &want));
	if (v)
		resview_of(v)->height = 20;
	return v;
}
