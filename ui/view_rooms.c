#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"
#include "view.h"

/* The list of rooms for one filter, with the selected room beside it. */
struct rooms_view {
	struct resource *res;
	struct list_pos pos;
	int height; /* rows of the list at the last draw */
};

static struct rooms_view *priv(struct view *v)
{
	return v->priv;
}

static const struct room *selected(struct view *v)
{
	struct rooms_view *rv = priv(v);
	if (!rv->res->has_data || rv->res->n_rooms == 0)
		return NULL;
	list_clamp(&rv->pos, (int)rv->res->n_rooms, rv->height);
	return &rv->res->rooms[rv->pos.cursor];
}

/* Load the next page before the cursor reaches the end. */
static void maybe_more(struct view *v)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->res;
	if (r->has_data && !r->complete && !r->paging && !r->busy &&
	    rv->pos.cursor + 2 * rv->height >= (int)r->n_rooms)
		model_more(app_model(v->app), r);
}

static void rooms_title(struct view *v, char *out, size_t n)
{
	char desc[256];
	room_filter_describe(&priv(v)->res->filter, desc, sizeof(desc));
	char *safe = ts_sanitize(desc, (size_t)-1);
	if (safe && safe[0])
		snprintf(out, n, "rooms [%s]", safe);
	else
		snprintf(out, n, "rooms");
	free(safe);
}

static bool matches(const struct room *r, const char *pattern)
{
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
	struct resource *r = rv->res;
	int h = getmaxy(win), w = getmaxx(win);

	rv->height = h > 1 ? h - 1 : 1;
	if (!r->has_data) {
		if (r->state == RES_ERROR) {
			char msg[700], line[800];
			lb_error_format(&r->err, msg, sizeof(msg));
			snprintf(line, sizeof(line), "%s — press r to retry", msg);
			draw_notice(win, line, theme_attr(THEME_ERROR));
		} else {
			draw_notice(win, "Loading rooms…", theme_attr(THEME_LOADING));
		}
		return;
	}
	int datew = w >= 70 ? 16 : 10;
	int lastw = w >= 96 ? 16 : 0;
	int accessw = 9;
	int idw = 12;
	for (int i = rv->pos.top; i < (int)r->n_rooms && i < rv->pos.top + rv->height; i++) {
		char *safe = ts_sanitize(r->rooms[i].id, (size_t)-1);
		if (safe) {
			int cw = ts_width(safe);
			if (cw > idw)
				idw = cw;
			free(safe);
		}
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
	list_clamp(&rv->pos, (int)r->n_rooms, rv->height);
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < rv->height; row++) {
		int i = rv->pos.top + row;
		if (i >= (int)r->n_rooms) {
			if (i == (int)r->n_rooms && !r->complete)
				draw_text(win, row + 1, 0, w, r->paging ? "Loading more rooms…" : "…",
					  theme_attr(THEME_LOADING));
			break;
		}
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
					    matches(room, pattern) ? THEME_MATCH : THEME_ID};
		cells[nc++] = (struct cell){created, datew, THEME_DATE};
		if (lastw)
			cells[nc++] = (struct cell){last, lastw, THEME_DATE};
		cells[nc++] = (struct cell){access, accessw, THEME_VALUE};
		cells[nc++] = (struct cell){meta, -1, THEME_MUTED};
		attr_t row_attr = 0;
		if (i == rv->pos.cursor)
			row_attr = theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
		draw_cells(win, row + 1, cells, nc, row_attr);
	}
}

static void rooms_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct room *room = selected(v);
	char **lines;
	if (!room)
		return;
	size_t n = output_room_lines(room, &lines);
	int h = getmaxy(win), w = getmaxx(win);
	for (int row = 0; row < h && top + row < (int)n; row++) {
		const char *line = lines[top + row];
		/* Keys in one colour, values in another. */
		enum theme_element el = line[0] == ' ' ? THEME_VALUE : THEME_KEY;
		draw_safe(win, row, 1, w - 1, line, theme_attr(el));
	}
	output_lines_free(&lines, n);
}

static void prompt_with_room(struct view *v, const char *fmt)
{
	const struct room *room = selected(v);
	if (!room) {
		app_message(v->app, false, "no room selected");
		return;
	}
	char *q = cmd_quote(room->id);
	char line[1024];
	snprintf(line, sizeof(line), fmt, q ? q : "");
	free(q);
	app_prompt(v->app, line);
}

static enum view_result rooms_action(struct view *v, enum action a)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->res;

	if (list_move(&rv->pos, (int)r->n_rooms, rv->height, a)) {
		maybe_more(v);
		return VIEW_HANDLED;
	}
	switch (a) {
	case ACTION_ENTER: {
		const struct room *room = selected(v);
		if (room)
			app_open_room(v->app, room->id);
		return VIEW_HANDLED;
	}
	case ACTION_REFRESH:
		model_refresh(app_model(v->app), r);
		return VIEW_HANDLED;
	case ACTION_BACK:
		if (r->busy) {
			model_cancel(app_model(v->app), r);
			app_message(v->app, false, "cancelled");
			return VIEW_HANDLED;
		}
		return VIEW_IGNORED;
	case ACTION_ROOM_CREATE:
		app_prompt(v->app, "room create ");
		return VIEW_HANDLED;
	case ACTION_ROOM_UPDATE:
		prompt_with_room(v, "room update %s ");
		return VIEW_HANDLED;
	case ACTION_ROOM_DELETE: {
		const struct room *room = selected(v);
		if (!room) {
			app_message(v->app, false, "no room selected");
			return VIEW_HANDLED;
		}
		char *q = cmd_quote(room->id);
		char line[1024];
		snprintf(line, sizeof(line), "room delete %s", q ? q : "");
		free(q);
		app_command(v->app, line);
		return VIEW_HANDLED;
	}
	case ACTION_ROOM_FILTER:
		app_prompt(v->app, "rooms --query ");
		return VIEW_HANDLED;
	default:
		return VIEW_IGNORED;
	}
}

static void rooms_changed(struct view *v, struct resource *r)
{
	struct rooms_view *rv = priv(v);
	if (r != rv->res)
		return;
	if (r->has_data)
		list_clamp(&rv->pos, (int)r->n_rooms, rv->height);
	maybe_more(v);
}

static bool rooms_search(struct view *v, const char *pattern, int dir)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->res;
	int n = (int)r->n_rooms;
	if (n == 0)
		return false;
	int start = rv->pos.cursor + (dir == 0 ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int step = dir < 0 ? -k : k;
		int i = ((start + step) % n + n) % n;
		if (matches(&r->rooms[i], pattern)) {
			rv->pos.cursor = i;
			list_clamp(&rv->pos, n, rv->height);
			maybe_more(v);
			return true;
		}
	}
	return false;
}

static const char *rooms_current_room(struct view *v)
{
	const struct room *room = selected(v);
	return room ? room->id : NULL;
}

static void rooms_status(struct view *v, char *out, size_t n)
{
	struct resource *r = priv(v)->res;
	char age[32] = "";
	if (r->has_data) {
		format_age(model_age_s(r), age, sizeof(age));
		snprintf(out, n, "%zu%s rooms │ %s%s ago", r->n_rooms, r->complete ? "" : "+",
			 r->state == RES_STALE ? "stale, " : "", age);
	} else if (r->state == RES_ERROR) {
		snprintf(out, n, "failed");
	} else {
		snprintf(out, n, "loading");
	}
}

static struct resource *rooms_busy(struct view *v)
{
	struct resource *r = priv(v)->res;
	return r->busy ? r : NULL;
}

static void rooms_free(struct view *v)
{
	struct rooms_view *rv = priv(v);
	model_release(app_model(v->app), &rv->res);
	free(rv);
	free(v);
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
	.busy = rooms_busy,
	.free = rooms_free,
};

struct view *view_rooms_new(struct app *app, const struct room_filter *f)
{
	struct room_filter none;
	struct view *v = calloc(1, sizeof(*v));
	struct rooms_view *rv = calloc(1, sizeof(*rv));

	if (!v || !rv)
		goto fail;
	memset(&none, 0, sizeof(none));
	rv->res = model_rooms(app_model(app), f ? f : &none);
	if (!rv->res)
		goto fail;
	rv->height = 20;
	v->ops = &rooms_ops;
	v->app = app;
	v->priv = rv;
	return v;
fail:
	free(rv);
	free(v);
	return NULL;
}
