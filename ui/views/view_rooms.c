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
};

static struct rooms_view *priv(struct view *v)
{
	return v->priv;
}

static const struct room *selected(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	int i = resview_list_selected(v);
	return i < 0 ? NULL : &r->rooms[i];
}

static int count(const struct resource *r)
{
	return (int)r->n_rooms;
}

static const char *id_of(const struct resource *r, int i, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return r->rooms[i].id ? r->rooms[i].id : "";
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

/* The list's columns, by priority: the ID first, then the date it was
 * created (the date alone when space is short), its access, its metadata
 * (what is left), and the last connection only when there is room. */
enum { COL_ID, COL_CREATED, COL_LAST, COL_ACCESS, COL_META, N_COLS };

static void fit_columns(struct view *v, int w, struct column *cols)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->base.res;
	const struct list_pos *p = &rv->base.list.pos;
	int idw = 2;
	for (int i = p->top; i < (int)r->n_rooms && i < p->top + rv->base.height; i++) {
		int cw = draw_width(r->rooms[i].id);
		if (cw > idw)
			idw = cw;
	}
	/* However long, an ID leaves room for the date. */
	if (idw > w - 11)
		idw = w - 11;
	cols[COL_ID] = (struct column){.want = idw, .min = 16, .prio = 0};
	cols[COL_CREATED] = (struct column){.want = 16, .min = 10, .prio = 1};
	cols[COL_LAST] = (struct column){.want = 16, .min = 16, .prio = 4};
	cols[COL_ACCESS] = (struct column){.want = 9, .min = 9, .prio = 2};
	cols[COL_META] = (struct column){.want = 30, .min = 12, .prio = 3, .rest = true};
	columns_fit(cols, N_COLS, w);
}

/* "No rooms match roomId^"acme-"", or none at all. */
static void draw_empty(struct view *v, WINDOW *win)
{
	char desc[256], line[320];
	room_filter_describe(&resview_of(v)->res->filter, desc, sizeof(desc));
	if (desc[0])
		snprintf(line, sizeof(line), "No rooms match %s", desc);
	else
		snprintf(line, sizeof(line), "No rooms yet — press c to create one");
	draw_notice(win, line, theme_attr(THEME_MUTED));
}

static void rooms_draw(struct view *v, WINDOW *win, bool focused)
{
	struct rooms_view *rv = priv(v);
	struct resource *r = rv->base.res;
	struct list_pos *p = &rv->base.list.pos;
	int h = getmaxy(win), w = getmaxx(win);

	rv->base.height = h > 1 ? h - 1 : 1;
	if (!r->has_data) {
		resview_draw_pending(win, r, "Loading rooms…");
		return;
	}
	resview_list_follow(v);
	struct column cols[N_COLS];
	fit_columns(v, w, cols);
	int datew = cols[COL_CREATED].width;

	struct cell head[N_COLS] = {
	    [COL_ID] = {"ID", cols[COL_ID].width, THEME_HEADER, false},
	    [COL_CREATED] = {"CREATED", datew, THEME_HEADER, false},
	    [COL_LAST] = {"LAST CONNECTION", cols[COL_LAST].width, THEME_HEADER, false},
	    [COL_ACCESS] = {"ACCESS", cols[COL_ACCESS].width, THEME_HEADER, false},
	    [COL_META] = {"METADATA", cols[COL_META].width, THEME_HEADER, false},
	};
	draw_cells(win, 0, head, N_COLS, 0);

	if (r->n_rooms == 0) {
		draw_empty(v, win);
		return;
	}
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < rv->base.height && p->top + row < (int)r->n_rooms; row++) {
		int i = p->top + row;
		const struct room *room = &r->rooms[i];
		char created[32], last[32], access[256], meta[1024];
		output_time(room->created_s, created, sizeof(created));
		output_time(room->last_connection_s, last, sizeof(last));
		if (datew < 16)
			created[10] = '\0'; /* the date alone when space is short */
		room_access_summary(room, access, sizeof(access));
		room_metadata_summary(room, meta, sizeof(meta));
		struct cell cells[N_COLS] = {
		    [COL_ID] = {room->id, cols[COL_ID].width,
		                matches(r, i, pattern) ? THEME_MATCH : THEME_ID, true},
		    [COL_CREATED] = {created, datew, THEME_DATE, false},
		    [COL_LAST] = {last, cols[COL_LAST].width, THEME_DATE, false},
		    [COL_ACCESS] = {access, cols[COL_ACCESS].width, THEME_VALUE, false},
		    [COL_META] = {meta, cols[COL_META].width, THEME_MUTED, false},
		};
		draw_cells(win, row + 1, cells, N_COLS, list_row_attr(p, i, focused));
	}
	resview_draw_more(v, win, "Loading more rooms…");
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
	struct resource *r = priv(v)->base.res;

	if (resview_list_move(v, a))
		return VIEW_HANDLED;
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

static const char *rooms_current_room(struct view *v)
{
	const struct room *room = selected(v);
	return room ? room->id : NULL;
}

static void rooms_status(struct view *v, char *out, size_t n)
{
	struct resource *r = resview_of(v)->res;
	char age[64];
	if (resview_status_pending(r, r->has_data, out, n) ||
	    resview_list_status_loading(v, out, n))
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
	.changed = resview_list_changed,
	.search = resview_list_search,
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
	if (v) {
		resview_of(v)->height = 20;
		resview_list_init(v, count, id_of, matches, true, "rooms");
	}
	return v;
}
