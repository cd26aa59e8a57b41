#include "lbconfig.h"

#include <string.h>

#include "app.h"
#include "model_storage.h"
#include "resview.h"
#include "treeview.h"
#include "view.h"

/* A room's Yjs document (GET /ydoc, as JSON) as a tree (treeview.h: watch
 * mode, the change log and the JSON view). */

static void ydoc_title(struct view *v, char *out, size_t n)
{
	resview_title(out, n, "ydoc", resview_of(v)->room);
}

static const struct view_ops ydoc_ops = {
	.name = "ydoc",
	.title = ydoc_title,
	.action = treeview_action,
	TREEVIEW_OPS,
};

struct view *view_ydoc_new(struct app *app, const char *room, bool watch)
{
	struct ydoc_options o;

	memset(&o, 0, sizeof(o));
	struct view *v = resview_new(app, &ydoc_ops, sizeof(struct treeview), room,
				     model_ydoc(app_model(app), room, &o));
	return treeview_open(v, "Loading the Yjs document…", watch);
}
