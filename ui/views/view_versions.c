#include "lbconfig.h"

#include <string.h>
#include <strings.h>

#include "app.h"
#include "draw.h"
#include "model_storage.h"
#include "output.h"
#include "resview.h"
#include "tree.h"
#include "view.h"

/* The version history of a room's Yjs document, a page at a time. */
struct versions_view {
	struct resview base; /* first: resview_of finds it */
};

static struct versions_view *priv(struct view *v)
{
	return v->priv;
}

static const struct version *selected(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	int i = resview_list_selected(v);
	return i < 0 ? NULL : &r->versions[i];
}

static int count(const struct resource *r)
{
	return (int)r->n_versions;
}

static const char *id_of(const struct resource *r, int i, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return r->versions[i].id ? r->versions[i].id : "";
}

static void authors(const struct version *ver, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ver->authors.n && used < n; i++) {
		int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", ver->authors.v[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Whether version i of the resource ctx matches pattern (list_match_fn). */
static bool matches(const void *ctx, int i, const char *pattern)
{
	const struct version *ver = &((const struct resource *)ctx)->versions[i];
	if (!pattern[0])
		return false;
	if (ver->id && strcasestr(ver->id, pattern))
		return true;
	for (size_t k = 0; k < ver->authors.n; k++)
		if (strcasestr(ver->authors.v[k], pattern))
			return true;
	return false;
}

static void versions_title(struct view *v, char *out, size_t n)
{
	resview_title(out, n, "versions", resview_of(v)->room);
}

static void versions_draw(struct view *v, WINDOW *win, bool focused)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->base.res;
	struct list_pos *p = &vv->base.list.pos;
	int h = getmaxy(win), w = getmaxx(win);

	vv->base.height = h > 1 ? h - 1 : 1;
	if (!r->has_data) {
		resview_draw_pending(win, r, "Loading versions…");
		return;
	}
	resview_list_follow(v);
	int idw = 2;
	for (int i = p->top; i < (int)r->n_versions && i < p->top + vv->base.height; i++) {
		int cw = draw_width(r->versions[i].id ? r->versions[i].id : "");
		if (cw > idw)
			idw = cw;
	}
	/* The ID first, then when it was made (the date alone when space is
	 * short), then who made it. */
	struct column cols[3] = {
	    {.want = idw, .min = 12, .prio = 0},
	    {.want = 16, .min = 10, .prio = 1},
	    {.want = 20, .min = 8, .prio = 2, .rest = true},
	};
	columns_fit(cols, 3, w);
	struct cell head[] = {
	    {"ID", cols[0].width, THEME_HEADER, false},
	    {"CREATED", cols[1].width, THEME_HEADER, false},
	    {"AUTHORS", cols[2].width, THEME_HEADER, false},
	};
	draw_cells(win, 0, head, 3, 0);
	if (r->n_versions == 0) {
		draw_notice(win, "No versions yet — press c to create a snapshot",
			    theme_attr(THEME_MUTED));
		return;
	}
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < vv->base.height && p->top + row < (int)r->n_versions; row++) {
		int i = p->top + row;
		const struct version *ver = &r->versions[i];
		char created[32], who[1024];
		output_time(ver->created_s, created, sizeof(created));
		if (cols[1].width < 16)
			created[10] = '\0';
		authors(ver, who, sizeof(who));
		struct cell cells[] = {
		    {ver->id ? ver->id : "", cols[0].width,
		     matches(r, i, pattern) ? THEME_MATCH : THEME_ID, true},
		    {created, cols[1].width, THEME_DATE, false},
		    {who, cols[2].width, THEME_VALUE, false},
		};
		draw_cells(win, row + 1, cells, 3, list_row_attr(p, i, focused));
	}
	resview_draw_more(v, win, "Loading more versions…");
}

static void versions_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct version *ver = selected(v);
	if (!ver)
		return;
	int h = getmaxy(win), w = getmaxx(win);
	char created[32];
	output_time(ver->created_s, created, sizeof(created));
	struct {
		const char *key, *value;
	} lines[64];
	int n = 0;
	lines[n].key = "ID";
	lines[n++].value = ver->id ? ver->id : "";
	lines[n].key = "Created";
	lines[n++].value = ver->created_at ? ver->created_at : created;
	lines[n].key = "Authors";
	lines[n++].value = ver->authors.n ? "" : "(none)";
	for (size_t i = 0; i < ver->authors.n && n < 60; i++) {
		lines[n].key = "";
		lines[n++].value = ver->authors.v[i];
	}
	lines[n].key = "";
	lines[n++].value = "";
	lines[n].key = "";
	lines[n++].value = "Enter or x: export to a file · c: new snapshot";
	for (int row = 0; row < h && top + row < n; row++) {
		draw_safe(win, row, 1, 9, lines[top + row].key, theme_attr(THEME_KEY));
		draw_text(win, row, 11, w - 11, lines[top + row].value,
			  theme_attr(top + row == n - 1 ? THEME_MUTED : THEME_VALUE));
	}
}

static enum view_result versions_action(struct view *v, enum action a)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->base.res;

	if (resview_list_move(v, a))
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_ENTER:
	case ACTION_VERSION_EXPORT: {
		const struct version *ver = selected(v);
		if (!ver || !ver->id)
			app_message(v->app, false, "no version selected");
		else
			resview_command(v, "versions export %s %s ", vv->base.room, ver->id, false);
		return VIEW_HANDLED;
	}
	case ACTION_VERSION_CREATE:
		resview_command(v, "versions create %s%s", vv->base.room, NULL, false);
		return VIEW_HANDLED;
	default:
		break;
	}
	/* w alone here: this view has no interval keys. */
	if (resview_watch_action(v, &vv->base.watch, a, NULL) == VIEW_HANDLED)
		return VIEW_HANDLED;
	return resview_action(v, r, a, !r->has_data);
}

static void versions_status(struct view *v, char *out, size_t n)
{
	struct versions_view *vv = priv(v);
	struct resource *r = vv->base.res;
	char age[64], wd[80];
	if (resview_status_pending(r, r->has_data, out, n) ||
	    resview_list_status_loading(v, out, n))
		return;
	resview_watch_status(&vv->base.watch, wd, sizeof(wd));
	resview_age(r, age, sizeof(age));
	snprintf(out, n, "%zu%s versions%s │ %s", r->n_versions, r->complete ? "" : "+", wd, age);
}

static const struct view_ops versions_ops = {
	.name = "versions",
	.title = versions_title,
	.draw = versions_draw,
	.draw_detail = versions_draw_detail,
	.action = versions_action,
	.changed = resview_list_changed,
	.search = resview_list_search,
	.current_room = resview_current_room,
	.status = versions_status,
	.busy = resview_busy,
	.tick = resview_tick,
	.free = resview_free,
};

struct view *view_versions_new(struct app *app, const char *room)
{
	struct view *v = resview_new(app, &versions_ops, sizeof(struct versions_view), room,
				     model_versions(app_model(app), room));
	if (v) {
		resview_list_init(v, count, id_of, matches, true, "versions");
		resview_start(v, false);
	}
	return v;
}
