#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "draw.h"
#include "model_storage.h"
#include "resview.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* The users connected to a room, re-read like watch mode (on from the
 * start); connections that arrived since the previous look are highlighted. */
struct users_view {
	struct resview base; /* first: resview_of finds it */
	unsigned seen_gen;
	bool seen_any;
	int *known; /* connection IDs at the previous look, ascending */
	size_t n_known;
	int *fresh; /* connection IDs that are new since then, ascending */
	size_t n_fresh;
	size_t joined, left; /* at the last change */
};

static struct users_view *priv(struct view *v)
{
	return v->priv;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Is x in the ascending array v of n? */
static bool has(const int *v, size_t n, int x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_int);
}

/* Compare the connections with the previous look. */
static void take(struct view *v)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->base.res;
	if (!r->has_data || (uv->seen_any && r->generation == uv->seen_gen))
		return;
	bool first = !uv->seen_any;
	uv->seen_any = true;
	uv->seen_gen = r->generation;
	int *now = malloc((r->n_users + 1) * sizeof(*now));
	if (!now)
		return;
	size_t joined = 0, left = 0;
	for (size_t i = 0; i < r->n_users; i++)
		now[i] = r->users[i].connection_id;
	/* Sorted, so that a refresh of thousands of connections costs
	 * O(n log n). */
	qsort(now, r->n_users, sizeof(*now), cmp_int);
	for (size_t i = 0; i < r->n_users; i++)
		if (!has(uv->known, uv->n_known, now[i]))
			joined++;
	for (size_t i = 0; i < uv->n_known; i++)
		if (!has(now, r->n_users, uv->known[i]))
			left++;
	if (!first && (joined || left)) {
		int *fresh = malloc((joined + 1) * sizeof(*fresh));
		if (fresh) {
			size_t k = 0;
			for (size_t i = 0; i < r->n_users; i++)
				if (!has(uv->known, uv->n_known, now[i]))
					fresh[k++] = now[i];
			free(uv->fresh);
			uv->fresh = fresh;
			uv->n_fresh = k;
		}
		uv->joined = joined;
		uv->left = left;
	}
	free(uv->known);
	uv->known = now;
	uv->n_known = r->n_users;
}

static const struct active_user *selected(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	int i = resview_list_selected(v);
	return i < 0 ? NULL : &r->users[i];
}

static int count(const struct resource *r)
{
	return (int)r->n_users;
}

/* A connection is one user's tab: the same user may be there twice. */
static const char *id_of(const struct resource *r, int i, char *buf, size_t n)
{
	snprintf(buf, n, "%d", r->users[i].connection_id);
	return buf;
}

/* Whether user i of the resource ctx matches pattern (list_match_fn). */
static bool matches(const void *ctx, int i, const char *pattern)
{
	const struct active_user *u = &((const struct resource *)ctx)->users[i];
	if (!pattern[0])
		return false;
	return (u->id && strcasestr(u->id, pattern)) ||
	       (u->info_json && strcasestr(u->info_json, pattern));
}

static void users_title(struct view *v, char *out, size_t n)
{
	resview_title(out, n, "users", resview_of(v)->room);
}

static void users_draw(struct view *v, WINDOW *win, bool focused)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->base.res;
	int h = getmaxy(win);

	uv->base.height = h > 1 ? h - 1 : 1;
	take(v);
	if (!r->has_data) {
		resview_draw_pending(win, r, "Loading connected users…");
		return;
	}
	resview_list_follow(v);
	struct list_pos *p = &uv->base.list.pos;
	int idw = 11;
	for (int i = p->top; i < (int)r->n_users && i < p->top + uv->base.height; i++) {
		int cw = r->users[i].id ? draw_width(r->users[i].id) : 11;
		if (cw > idw)
			idw = cw;
	}
	/* The user first, then the connection, then what the app says. */
	struct column cols[3] = {
	    {.want = 6, .min = 4, .prio = 1},
	    {.want = idw, .min = 11, .prio = 0},
	    {.want = 20, .min = 8, .prio = 2, .rest = true},
	};
	columns_fit(cols, 3, getmaxx(win));
	struct cell head[] = {
	    {"CONN", cols[0].width, THEME_HEADER, false},
	    {"USER", cols[1].width, THEME_HEADER, false},
	    {"INFO", cols[2].width, THEME_HEADER, false},
	};
	draw_cells(win, 0, head, 3, 0);
	if (r->n_users == 0) {
		draw_notice(win, "Nobody is connected to this room", theme_attr(THEME_MUTED));
		return;
	}
	const char *pattern = app_search_pattern(v->app);
	for (int row = 0; row < uv->base.height && p->top + row < (int)r->n_users; row++) {
		int i = p->top + row;
		const struct active_user *u = &r->users[i];
		char conn[16];
		snprintf(conn, sizeof(conn), "%d", u->connection_id);
		bool fresh = has(uv->fresh, uv->n_fresh, u->connection_id);
		struct cell cells[] = {
		    {conn, cols[0].width, fresh ? THEME_ADDED : THEME_MUTED, false},
		    {u->id ? u->id : "(anonymous)", cols[1].width,
		     matches(r, i, pattern) ? THEME_MATCH
		     : u->id                ? THEME_ID
		                            : THEME_MUTED,
		     true},
		    {u->info_json ? u->info_json : "", cols[2].width, THEME_VALUE, false},
		};
		draw_cells(win, row + 1, cells, 3, list_row_attr(p, i, focused));
	}
}

static void users_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct active_user *u = selected(v);
	if (!u)
		return;
	int w = getmaxx(win);
	char conn[16];
	snprintf(conn, sizeof(conn), "%d", u->connection_id);
	const char *keys[] = {"User", "Conn", "Info"};
	const char *vals[] = {u->id ? u->id : "(anonymous)", conn,
			      u->info_json ? u->info_json : "(none)"};
	for (int row = 0; row < 3 - top && row < getmaxy(win); row++) {
		draw_safe(win, row, 1, 6, keys[top + row], theme_attr(THEME_KEY));
		draw_text(win, row, 8, w - 8, vals[top + row], theme_attr(THEME_VALUE));
	}
}

static enum view_result users_action(struct view *v, enum action a)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->base.res;

	if (resview_list_move(v, a))
		return VIEW_HANDLED;
	if (resview_watch_action(v, &uv->base.watch, a, "refresh") == VIEW_HANDLED)
		return VIEW_HANDLED;
	return resview_action(v, r, a, !r->has_data);
}

static void users_changed(struct view *v, struct resource *r)
{
	if (r != resview_of(v)->res)
		return;
	resview_list_changed(v, r);
	take(v);
}

static void users_status(struct view *v, char *out, size_t n)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->base.res;
	char age[32], wd[80], delta[64] = "";
	if (resview_status_pending(r, r->has_data, out, n))
		return;
	resview_watch_status(&uv->base.watch, wd, sizeof(wd));
	if (uv->joined || uv->left)
		snprintf(delta, sizeof(delta), " │ +%zu −%zu", uv->joined, uv->left);
	format_age(model_age_s(r), age, sizeof(age));
	snprintf(out, n, "%zu connected%s%s │ %s ago", r->n_users, delta, wd, age);
}

static struct resource *users_busy(struct view *v)
{
	struct resource *r = resview_of(v)->res;
	/* The periodic refresh is not worth a spinner once there is data. */
	return r->busy && !r->has_data ? r : NULL;
}

static void users_free(struct view *v)
{
	struct users_view *uv = priv(v);
	free(uv->known);
	free(uv->fresh);
	resview_free(v);
}

static const struct view_ops users_ops = {
	.name = "users",
	.title = users_title,
	.draw = users_draw,
	.draw_detail = users_draw_detail,
	.action = users_action,
	.changed = users_changed,
	.search = resview_list_search,
	.current_room = resview_current_room,
	.status = users_status,
	.busy = users_busy,
	.tick = resview_tick,
	.free = users_free,
};

struct view *view_users_new(struct app *app, const char *room)
{
	struct view *v = resview_new(app, &users_ops, sizeof(struct users_view), room,
				     model_active_users(app_model(app), room));
	if (v) {
		resview_list_init(v, count, id_of, matches, false, "users");
		resview_start(v, true);
	}
	return v;
}
