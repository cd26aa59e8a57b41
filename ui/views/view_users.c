#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "listview.h"
#include "model_storage.h"
#include "tree.h"
#include "util.h"
#include "view.h"

/* The users connected to a room, re-read like watch mode (on from the
 * start); connections that arrived since the previous look are highlighted. */
struct users_view {
	struct listview list; /* first: listview_of finds it */
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

/* The connections of the list's resource: the one place that knows where
 * the model keeps them. */
static int users_count(const void *data)
{
	return (int)model_count(data);
}

static const void *user_at(const void *data, int i)
{
	return model_user_at(data, (size_t)i);
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

/* The connection of user i. */
static int connection_at(const struct resource *r, int i)
{
	return ((const struct active_user *)user_at(r, i))->connection_id;
}

/* Compare the connections with the previous look. */
static void take(struct view *v)
{
	struct users_view *uv = priv(v);
	struct resource *r = uv->list.base.res;
	if (!r->has_data || (uv->seen_any && r->generation == uv->seen_gen))
		return;
	bool first = !uv->seen_any;
	uv->seen_any = true;
	uv->seen_gen = r->generation;
	size_t n = (size_t)users_count(r);
	int *now = malloc((n + 1) * sizeof(*now));
	if (!now)
		return;
	size_t joined = 0, left = 0;
	for (size_t i = 0; i < n; i++)
		now[i] = connection_at(r, (int)i);
	/* Sorted, so that a refresh of thousands of connections costs
	 * O(n log n). */
	qsort(now, n, sizeof(*now), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (!has(uv->known, uv->n_known, now[i]))
			joined++;
	for (size_t i = 0; i < uv->n_known; i++)
		if (!has(now, n, uv->known[i]))
			left++;
	if (!first && (joined || left)) {
		int *fresh = malloc((joined + 1) * sizeof(*fresh));
		if (fresh) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
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
	uv->n_known = n;
}

/* A connection is one user's tab: the same user may be there twice. */
static const char *connection_id(const void *item, char *buf, size_t n)
{
	snprintf(buf, n, "%d", ((const struct active_user *)item)->connection_id);
	return buf;
}

static const char *conn_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return connection_id(item, buf, n);
}

static long long conn_number(const void *item)
{
	return ((const struct active_user *)item)->connection_id;
}

static const char *user_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct active_user *u = item;
	return u->id ? u->id : "(anonymous)";
}

static const char *info_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct active_user *u = item;
	return u->info_json ? u->info_json : "";
}

/* The user first, then the connection, then what the app says. */
enum { COL_CONN, COL_USER, COL_INFO };
/* clang-format off */
static const struct list_column columns[] = {
    [COL_CONN] = {.name = "connectionId", .title = "CONN", .want = 6, .min = 4, .prio = 1,
                  .el = THEME_MUTED, .text = conn_text, .number = conn_number},
    [COL_USER] = {.name = "id", .title = "USER", .want = 11, .min = 11, .prio = 0, .fit = true,
                  .middle = true, .el = THEME_ID, .text = user_text},
    [COL_INFO] = {.name = "info", .title = "INFO", .want = 20, .min = 8, .prio = 2,
                  .rest = true, .el = THEME_VALUE, .text = info_text},
};
/* clang-format on */

static const struct list_table users_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = users_count,
    .item = user_at,
    .id = connection_id,
};

static const struct active_user *selected(struct view *v)
{
	return listview_selected(v);
}

/* New connections stand out; an anonymous user is muted. */
static enum theme_element users_element(struct view *v, int col, const void *item)
{
	const struct users_view *uv = priv(v);
	const struct active_user *u = item;
	if (col == COL_CONN)
		return has(uv->fresh, uv->n_fresh, u->connection_id) ? THEME_ADDED : THEME_MUTED;
	if (col == COL_USER)
		return u->id ? THEME_ID : THEME_MUTED;
	return columns[col].el;
}

static void users_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "users");
}

static void users_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "Nobody is connected to this room");
}

static void users_count_status(struct view *v, char *out, size_t n)
{
	const struct users_view *uv = priv(v);
	char delta[64] = "";
	if (uv->joined || uv->left)
		snprintf(delta, sizeof(delta), " │ +%zu −%zu", uv->joined, uv->left);
	snprintf(out, n, "%d connected%s", users_count(uv->list.base.res), delta);
}

static void users_draw(struct view *v, WINDOW *win, bool focused)
{
	take(v);
	listview_draw(v, win, focused);
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

static void users_changed(struct view *v, struct resource *r)
{
	if (r != resview_of(v)->res)
		return;
	listview_changed(v, r);
	take(v);
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
	listview_free(v);
}

static const struct listview_spec users_spec = {
    .table = &users_table,
    .noun = "users",
    .loading = "Loading connected users…",
    .watch = true,
    .watch_interval = "refresh",
    .empty = users_empty,
    .count_status = users_count_status,
    .element = users_element,
};

static const struct view_ops users_ops = {
    .name = "users",
    .title = users_title,
    .draw = users_draw,
    .draw_detail = users_draw_detail,
    .action = listview_action,
    .changed = users_changed,
    .search = listview_search,
    .scope = resview_scope,
    .status = listview_status,
    .busy = users_busy,
    .tick = resview_tick,
    .free = users_free,
    .mouse = listview_mouse,
    .filter = listview_filter,
    .export_rows = listview_export,
    .selected_id = listview_selected_id,
};

static struct view *users_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	(void)opts;
	(void)watch;
	struct view *v = listview_new(app, &users_ops, &users_spec, sizeof(struct users_view),
	                              &(struct scope){.room = where->room},
	                              model_active_users(app_model(app), where->room));
	if (v)
		resview_start(v, true);
	return v;
}

static const struct view_key users_keys[] = {
    {'w', "watch"},
    {'+', "watch-faster"},
    {'=', "watch-faster"},
    {'-', "watch-slower"},
    {0, NULL},
};

const struct view_info view_info_users = {
    .name = "users",
    .keys_title = "Keys in the connected users",
    .open = users_open,
    .nav_label = "Users",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-users",
    .open_key = 'u',
    .open_help = "Open the users connected to the room",
    .open_hint = "u users",
    .item = "user",
    .keysets = VIEW_KEYS_LIST,
    .keys = users_keys,
    .place = true,
};
