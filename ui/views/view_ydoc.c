#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "model_storage.h"
#include "resview.h"
#include "term_safe.h"
#include "treeview.h"
#include "view.h"

/* A room's Yjs document (GET /ydoc, as JSON) as a tree (treeview.h: watch
 * mode, the change log and the JSON view), with the options it was opened
 * with: watch mode re-reads the same resource, so the same query. */
struct ydoc_view {
	struct treeview tv; /* first: treeview_of finds it */
	bool formatting;
	char *key, *type; /* NULL when not given */
};

static struct ydoc_view *priv(struct view *v)
{
	return v->priv;
}

/* "ydoc ROOM", then the options in brackets: "[formatting key=K type=T]". */
static void ydoc_title(struct view *v, char *out, size_t n)
{
	struct ydoc_view *yv = priv(v);
	resview_title(v, out, n, "ydoc");
	if (!yv->formatting && !yv->key)
		return;
	char *key = yv->key ? ts_sanitize(yv->key, (size_t)-1) : NULL;
	char *type = yv->type ? ts_sanitize(yv->type, (size_t)-1) : NULL;
	size_t len = strlen(out);
	snprintf(out + len, n - len, " [%s%s%s%s%s%s]", yv->formatting ? "formatting" : "",
		 yv->formatting && yv->key ? " " : "", yv->key ? "key=" : "",
		 key ? key : "", type ? " type=" : "", type ? type : "");
	free(key);
	free(type);
}

static void ydoc_free(struct view *v)
{
	struct ydoc_view *yv = priv(v);
	free(yv->key);
	free(yv->type);
	treeview_free(v);
}

static const struct view_ops ydoc_ops = {
	.name = "ydoc",
	.title = ydoc_title,
	.action = treeview_action,
	TREEVIEW_OPS_BUT_FREE,
	.free = ydoc_free,
};

/* opts: the Yjs options (model_storage.h), NULL for the whole document. */
static struct view *ydoc_open(struct app *app, const struct scope *where, const void *opts,
                              bool watch)
{
	static const struct ydoc_options none;
	const struct ydoc_options *o = opts ? opts : &none;
	const char *room = where->room;
	struct view *v = resview_new(app, &ydoc_ops, sizeof(struct ydoc_view),
				     &(struct scope){.room = room},
				     model_ydoc(app_model(app), room, o));
	if (!v)
		return NULL;
	struct ydoc_view *yv = priv(v);
	yv->formatting = o->formatting;
	if ((o->key && !(yv->key = strdup(o->key))) ||
	    (o->type && !(yv->type = strdup(o->type)))) {
		ydoc_free(v);
		return NULL;
	}
	return treeview_open(v, "Loading the Yjs document…", watch);
}

const struct view_info view_info_ydoc = {
    .name = "ydoc",
    .keys_title = "Keys in a Yjs document",
    .open = ydoc_open,
    .nav_label = "Yjs",
    .nav_part = SCOPE_ROOM,
    .open_action = "open-ydoc",
    .open_key = 'y',
    .open_help = "Open the room's Yjs document",
    .open_hint = "y Yjs",
    .keysets = VIEW_KEYS_TREE,
    .place = true,
};
