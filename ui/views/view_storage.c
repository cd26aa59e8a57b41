#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "live_watch.h"
#include "model_storage.h"
#include "resview.h"
#include "treeview.h"
#include "util.h"
#include "view.h"

/* A room's Storage as a tree (treeview.h: watch mode, the change log, the
 * JSON view), with keys that prefill the editing commands for the selected
 * node and one that switches to the simplified format. */
struct storage_view {
	struct treeview tv; /* first: treeview_of finds it */
	bool simplified;
};

static struct storage_view *priv(struct view *v)
{
	return v->priv;
}

static void storage_title(struct view *v, char *out, size_t n)
{
	struct storage_view *sv = priv(v);
	resview_title(v, out, n, sv->simplified ? "storage (json)" : "storage");
}

/* The command line with cmd, the room, path and tail (when not NULL), the
 * cursor keep bytes before the end. */
static void prompt_path(struct view *v, const char *cmd, const char *path, const char *tail,
			size_t keep)
{
	char *qr = cmd_quote(priv(v)->tv.base.scope.room);
	char *qp = path ? cmd_quote(path) : NULL;
	struct buf b;
	buf_init(&b);
	if (qr && qp && buf_printf(&b, "%s %s %s%s", cmd, qr, qp, tail ? tail : ""))
		app_prompt_at(v->app, b.data, b.len > keep ? b.len - keep : 0);
	else
		app_message(v->app, true, "out of memory");
	buf_free(&b);
	free(qr);
	free(qp);
}

/* The command line with cmd for the selected node, then tail. */
static void prompt_node(struct view *v, const char *cmd, const char *tail, size_t keep)
{
	char *path = tree_selected_path(priv(v)->tv.tree);
	prompt_path(v, cmd, path, tail, keep);
	free(path);
}

/* word in single quotes even when cmd_quote would leave it bare, so that
 * what the user types inside them may hold spaces. Caller frees. */
static char *quote_always(const char *word)
{
	char *q = cmd_quote(word);
	if (!q || q[0] == '\'')
		return q;
	/* Bare words hold no quote. */
	struct buf b;
	buf_init(&b);
	bool ok = buf_printf(&b, "'%s'", q);
	free(q);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Whether the cursor is on a node someone else removed (said so). */
static bool on_removed(struct view *v, const char *what)
{
	if (!tree_selected_ghost(priv(v)->tv.tree))
		return false;
	app_message(v->app, false, "this was deleted by someone else: nothing to %s", what);
	return true;
}

/* The selected node when it is not the root, else a message with what. */
static int selected_below_root(struct view *v, const char *what)
{
	int i = tree_selected(priv(v)->tv.tree);
	if (i <= 0 && !on_removed(v, what))
		app_message(v->app, false, "select a key or an item to %s", what);
	return i;
}

static void edit_set(struct view *v)
{
	const struct lson_doc *d = tree_doc(priv(v)->tv.tree);
	int i = selected_below_root(v, "set");
	if (i <= 0)
		return;
	enum lson_type ty = d->nodes[i].type;
	char *cur = NULL;
	/* A scalar starts from its current value, ready to change. */
	if (ty == LSON_STRING || ty == LSON_NUMBER || ty == LSON_BOOL || ty == LSON_NULL)
		cur = lson_subtree_json(d, i, false, false);
	char *q = cur && strlen(cur) <= 200 ? cmd_quote(cur) : NULL;
	struct buf tail;
	buf_init(&tail);
	if (buf_printf(&tail, " %s", q ? q : ""))
		prompt_node(v, "storage set", tail.data, 0);
	else
		app_message(v->app, true, "out of memory");
	buf_free(&tail);
	free(q);
	free(cur);
}

static void edit_insert(struct view *v)
{
	const struct lson_doc *d = tree_doc(priv(v)->tv.tree);
	int i = tree_selected(priv(v)->tv.tree);
	if (i < 0) {
		on_removed(v, "insert");
		return;
	}
	const struct lson_node *nd = &d->nodes[i];
	if (nd->type == LSON_LIVE_LIST) {
		prompt_node(v, "storage insert", " ", 0);
		return;
	}
	if (nd->parent >= 0 && d->nodes[nd->parent].type == LSON_LIVE_LIST) {
		/* Before the selected item: the list's path and its index. */
		char *path = lson_path(d, nd->parent);
		char at[32];
		snprintf(at, sizeof(at), " --at %d ", nd->index);
		prompt_path(v, "storage insert", path, at, 0);
		free(path);
		return;
	}
	app_message(v->app, false, "select a LiveList or one of its items to insert");
}

static void edit_move(struct view *v)
{
	const struct lson_doc *d = tree_doc(priv(v)->tv.tree);
	int i = selected_below_root(v, "move");
	if (i <= 0)
		return;
	/* The destination starts as the parent's path, quoted, with the
	 * cursor inside the closing quote: the new key or index typed there
	 * may hold spaces. */
	char *parent = lson_path(d, d->nodes[i].parent);
	struct buf to;
	buf_init(&to);
	char *qto = parent && buf_printf(&to, "%s/", parent) ? quote_always(to.data) : NULL;
	struct buf tail;
	buf_init(&tail);
	if (qto && buf_printf(&tail, " %s", qto))
		prompt_node(v, "storage move", tail.data, 1);
	else
		app_message(v->app, true, "out of memory");
	buf_free(&tail);
	free(qto);
	buf_free(&to);
	free(parent);
}

static void toggle_format(struct view *v)
{
	struct storage_view *sv = priv(v);
	struct model *m = app_model(v->app);
	struct resource *r = model_storage(m, sv->tv.base.scope.room, !sv->simplified);
	if (!r) {
		app_message(v->app, true, "out of memory");
		return;
	}
	bool live = sv->tv.live != NULL;
	treeview_live_stop(v);
	model_release(m, &sv->tv.base.res);
	sv->tv.base.res = r;
	sv->simplified = !sv->simplified;
	sv->tv.live_plain_json = sv->simplified;
	sv->tv.untracked_next = true;
	sv->tv.seen_any = false;
	if (live)
		treeview_live_start(v);
	else
		model_need(m, r);
	treeview_take_doc(v);
	app_message(v->app, false, "%s", sv->simplified ? "simplified JSON (?format=json)"
							: "plain LSON");
}

static enum view_result storage_action(struct view *v, enum action a)
{
	struct tree *t = priv(v)->tv.tree;

	if (treeview_action(v, a) == VIEW_HANDLED)
		return VIEW_HANDLED;
	switch (a) {
	case ACTION_TOGGLE_FORMAT:
		toggle_format(v);
		return VIEW_HANDLED;
	default:
		break;
	}
	if (view_action_is(a, "storage-set")) {
		if (tree_doc(t))
			edit_set(v);
	} else if (view_action_is(a, "storage-insert")) {
		if (tree_doc(t))
			edit_insert(v);
	} else if (view_action_is(a, "storage-delete")) {
		if (tree_doc(t) && selected_below_root(v, "delete") > 0)
			prompt_node(v, "storage delete", NULL, 0);
	} else if (view_action_is(a, "storage-move")) {
		if (tree_doc(t))
			edit_move(v);
	} else {
		return VIEW_IGNORED;
	}
	return VIEW_HANDLED;
}

static const struct view_ops storage_ops = {
	.name = "storage",
	.title = storage_title,
	.action = storage_action,
	TREEVIEW_OPS,
};

static struct view *storage_new(struct app *app, const char *room, bool simplified, bool watch,
				const struct live_watch_opts *opts)
{
	struct view *v = resview_new(app, &storage_ops, sizeof(struct storage_view),
				     &(struct scope){.room = room},
				     model_storage(app_model(app), room, simplified));
	if (v) {
		struct storage_view *sv = priv(v);
		sv->simplified = simplified;
		/* w watches through the room's socket. */
		sv->tv.live_room = sv->tv.base.scope.room;
		sv->tv.live_plain_json = simplified;
		sv->tv.live_poll = opts && opts->poll;
	}
	return treeview_open(v, "Loading Storage…", watch);
}

static struct view *storage_open(struct app *app, const struct scope *where, const void *opts,
                                 bool watch)
{
	return storage_new(app, where->room, false, watch, opts);
}

/* The same tree from ?format=json. */
static struct view *storage_json_open(struct app *app, const struct scope *where,
                                      const void *opts, bool watch)
{
	return storage_new(app, where->room, true, watch, opts);
}

/* Its changes, each built from the selected node by the view. */
static const struct view_command storage_commands[] = {
    {"storage-set", "Set the selected value (command line)", NULL, false},
    {"storage-insert", "Insert into the list at the selection (command line)", NULL, false},
    {"storage-delete", "Delete the selected key or item (command line)", NULL, false},
    {"storage-move", "Move the selected key or item (command line)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key storage_keys[] = {
    {'f', "toggle-format"},
    {'e', "storage-set"},
    {'i', "storage-insert"},
    {'d', "storage-delete"},
    {KEY_DC, "storage-delete"},
    {'m', "storage-move"},
    {'B', "open-events"},
    {0, NULL},
};

const struct view_info view_info_storage = {
    .name = "storage",
    .keys_title = "Keys in a Storage tree",
    .open = storage_open,
    .nav_label = "Storage",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-storage",
    .open_key = 's',
    .open_help = "Open the room's Storage tree",
    .open_hint = "s Storage",
    .keysets = VIEW_KEYS_TREE,
    .keys = storage_keys,
    .commands = storage_commands,
    .place = true,
};

/* Opened by `storage --json`; its keys are the Storage tree's. */
const struct view_info view_info_storage_json = {
    .name = "storage-json",
    .open = storage_json_open,
    .place = true,
};
