#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "family.h"
#include "files.h"
#include "lson.h"
#include "model_storage.h"
#include "util.h"

/* Commands for a room's Yjs document: show it as JSON, export it as a
 * binary update, send an update. */

static void run_ydoc(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_ydoc_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_ydoc_update(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec ydoc_opts[] = {
    {"formatting", OPT_FLAG, NULL, "include text formatting (formatting=true)"},
    {"key", OPT_VALUE, "KEY", "only this top-level key"},
    {"type", OPT_VALUE, "TYPE", "read KEY as ymap, ytext, yxmltext, yxmlfragment or yarray"},
    {"watch", OPT_FLAG, NULL, "re-read on an interval and highlight changes (TUI)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec ydoc_export_opts[] = {
    {"guid", OPT_VALUE, "GUID", "a subdocument"},
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec ydoc_update_opts[] = {
    {"guid", OPT_VALUE, "GUID", "a subdocument"},
    {"yes", OPT_FLAG, NULL, "send without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"ydoc", "[ROOM]", 0, 1, false, run_ydoc, "Show a room's Yjs document as JSON", ydoc_opts,
     SCOPE_ROOM},
    {"ydoc export", "ROOM FILE", 2, 2, false, run_ydoc_export,
     "Write the Yjs document of a room to FILE as a binary update", ydoc_export_opts, SCOPE_ROOM},
    {"ydoc update", "ROOM FILE", 2, 2, true, run_ydoc_update,
     "Send a binary Yjs update from FILE to a room", ydoc_update_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static bool ydoc_type_ok(const char *t)
{
	static const char *const types[] = {"ymap", "ytext", "yxmltext", "yxmlfragment", "yarray"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

static bool ydoc_print_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (cmd_load_failed(c, r, (const char *)ud))
		return true;
	size_t len;
	const char *body = model_body(r, &len);
	const struct lson_doc *doc = model_document(r);
	if (c->host.interactive) {
		/* The TUI shows several lines in a pager of their own. */
		char *pretty = doc ? lson_subtree_json(doc, 0, false, true) : NULL;
		char *safe = cmd_safe_lines(pretty ? pretty : (body ? body : ""));
		cmd_say(c, safe ? safe : "");
		free(safe);
		free(pretty);
	} else {
		cmd_print_json(c, body ? body : "", len);
	}
	cmd_finish_ok(c);
	return true;
}

static void run_ydoc(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct ydoc_options o;

	memset(&o, 0, sizeof(o));
	o.formatting = cmd_has_flag(a, "formatting");
	o.key = cmd_opt_value(a, "key");
	o.type = cmd_opt_value(a, "type");
	if (o.type && !ydoc_type_ok(o.type)) {
		cmd_finish_usage(
		    c, "--type is ymap, ytext, yxmltext, yxmlfragment or yarray, not '%s'", o.type);
		return;
	}
	if (o.type && !o.key) {
		cmd_finish_usage(c, "%s", "--type goes with --key KEY (the type of that key)");
		return;
	}
	const char *room = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!room)
		return;
	/* The TUI opens the tree with the options, watch mode included. */
	if (cmd_open_view(c, "ydoc", &(struct scope){.room = room}, &o,
	                  cmd_has_flag(a, "watch"),
	                  "--watch needs the screen: run lbtui without -e"))
		return;
	cmd_wait_room(c, model_ydoc(c->model, room, &o), room, ydoc_print_step);
}

static void run_ydoc_export(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	bool force = cmd_has_flag(a, "force");

	if (!file_check_writable(a->pos[1], force, &err)) {
		cmd_finish(c, &err);
		return;
	}
	const char *guid = cmd_opt_value(a, "guid");
	struct cmd_download *d =
	    guid
	        ? cmd_download_new(c, a->pos[1], force,
	                           "subdocument %s of the Yjs document of room %s", guid, a->pos[0])
	        : cmd_download_new(c, a->pos[1], force, "the Yjs document of room %s", a->pos[0]);
	if (!d) {
		cmd_finish_nomem(c);
		return;
	}
	model_ydoc_binary(c->model, a->pos[0], guid, cmd_download_done, d);
}

static void ydoc_updated(const struct storage_result *res, void *ud)
{
	struct cmd_room_op *o = ud;

	if (res->err.status == LB_OK) {
		char size[32];
		format_size(o->len, size, sizeof(size));
		cmd_sayf(o->c, "sent a Yjs update of %s to room %s", size, o->room);
	}
	cmd_room_op_finish(o, &res->err);
}

static void ydoc_update_go(void *state)
{
	struct cmd_room_op *o = state;
	model_ydoc_update(o->c->model, o->room, o->arg, o->data, o->len, ydoc_updated, o);
}

static void run_ydoc_update(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;

	const char *guid = cmd_opt_value(a, "guid");
	struct cmd_room_op *o = cmd_room_op_for(c, cmd, a->pos[0], guid);
	if (!o)
		return;
	if (!cmd_read_input(c, a->pos[1], &o->data, &o->len, &err)) {
		cmd_room_op_finish(o, &err);
		return;
	}
	if (o->len == 0) {
		lb_error_set(&err, LB_USAGE, "%s is empty: a Yjs update has at least two bytes",
		             a->pos[1]);
		cmd_room_op_finish(o, &err);
		return;
	}
	char size[32], title[512], preview[1536];
	format_size(o->len, size, sizeof(size));
	snprintf(title, sizeof(title), "Yjs update for room %s", o->room);
	snprintf(preview, sizeof(preview),
	         "%s\nSend %s from %s as a Yjs update to room %s%s%s.\n"
	         "Yjs merges the update into the document; it cannot be taken back.\n",
	         title, size, a->pos[1], o->room, guid ? ", subdocument " : "", guid ? guid : "");
	cmd_confirm(c, title, preview, "Send this update?", cmd_has_flag(a, "yes"), ydoc_update_go,
	            cmd_room_op_free, o);
}

static const enum endpoint_id endpoints[] = {
    EP_YDOC_GET,
    EP_YDOC_BINARY,
    EP_YDOC_UPDATE,
    EP_COUNT,
};

const struct family family_ydoc = {
    .name = "ydoc",
    .summary = "A room's Yjs document: read as JSON, export, update",
    .commands = commands,
    .endpoints = endpoints,
};
