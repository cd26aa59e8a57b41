#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "family.h"
#include "model_storage.h"
#include "util.h"

/* Room administration beside create, update and delete (rooms.c):
 * upsert, rename, prewarm, broadcast an event. */

static void run_room_upsert(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_rename(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_prewarm(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_broadcast(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec upsert_opts[] = {
    CMD_ROOM_UPDATE_OPTS,
    {"create-public", OPT_FLAG, NULL, "if created: default access room:write"},
    {"create-private", OPT_FLAG, NULL, "if created: no default access"},
    {"create-access", OPT_VALUE, "PERMS", "if created: default accesses"},
    {"create-metadata", OPT_VALUE, "KEY=VALUE", "if created: a metadata string (repeatable)"},
    {"create-metadata-list", OPT_VALUE, "KEY=A,B", "if created: a metadata list (repeatable)"},
    {"create-user-access", OPT_VALUE, "USER=PERMS", "if created: a user's accesses (repeatable)"},
    {"create-group-access", OPT_VALUE, "GROUP=PERMS",
     "if created: a group's accesses (repeatable)"},
    {"create-org", OPT_VALUE, "ORG", "if created: the room's organization"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec broadcast_opts[] = {
    {"edit", OPT_FLAG, NULL, "write the event in $EDITOR"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"room upsert", "ID", 1, 1, true, run_room_upsert,
     "Update a room, or create it if it does not exist", upsert_opts, SCOPE_ROOM},
    {"room rename", "ID NEW_ID", 2, 2, true, run_room_rename,
     "Change a room's ID (asks you to type the old ID)", cmd_yes_opts, SCOPE_ROOM},
    {"room prewarm", "[ID]", 0, 1, false, run_room_prewarm,
     "Load a room on the server ahead of the first connection", cmd_no_opts, SCOPE_ROOM},
    {"room broadcast", "ID [JSON]", 1, 2, true, run_room_broadcast,
     "Send an event to everyone in a room; JSON, @FILE or @- (stdin), or --edit", broadcast_opts,
     SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* Done with a room mutation (upsert, rename). */
struct room_done {
	struct cmd_ctx *c;
	char *verb;
	char *id;
	bool show;
};

static void room_done_cb(const struct lb_error *err, const struct room *room, void *ud)
{
	struct room_done *d = ud;
	struct cmd_ctx *c = d->c;

	if (err->status == LB_OK) {
		if (c->host.json && room && room->raw_json)
			cmd_print_json(c, room->raw_json, strlen(room->raw_json));
		else
			cmd_sayf(c, "%s%s", d->verb, room ? room->id : d->id);
		if (d->show && c->host.interactive && c->host.show_room)
			c->host.show_room(c->host.ud, room ? room->id : d->id);
	}
	free(d->verb);
	free(d->id);
	free(d);
	cmd_finish(c, err);
}

static struct room_done *room_done_new(struct cmd_ctx *c, const char *verb, const char *id,
                                       bool show)
{
	struct room_done *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->c = c;
	d->show = show;
	d->verb = strdup(verb);
	d->id = strdup(id);
	if (!d->verb || !d->id) {
		free(d->verb);
		free(d->id);
		free(d);
		return NULL;
	}
	return d;
}

static void run_room_upsert(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_update u;
	struct room_create rc;
	struct lb_error err;
	bool create = false;

	if (cmd_refuse_read_only(c, cmd))
		return;
	memset(&u, 0, sizeof(u));
	memset(&rc, 0, sizeof(rc));
	if (!cmd_room_opts(a, &u, &rc, &create, &err))
		goto fail;
	if (cmd_room_update_empty(&u)) {
		lb_error_set(&err, LB_USAGE,
		             "nothing to update: give --set, --unset, --grant-user, --revoke-user, "
		             "--grant-group, --revoke-group, --public, --private or --access "
		             "(--create-... options only apply when the room is created)");
		goto fail;
	}
	/* The API wants defaultAccesses in a create. */
	if (create && !cmd_default_public(&rc, &err))
		goto fail;
	struct room_done *d = room_done_new(c, "upserted room ", a->pos[0], false);
	if (!d) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_upsert(c->model, a->pos[0], &u, create ? &rc : NULL, room_done_cb, d);
	room_update_clear(&u);
	room_create_clear(&rc);
	return;
fail:
	room_update_clear(&u);
	room_create_clear(&rc);
	cmd_finish(c, &err);
}

static void rename_go(void *state)
{
	struct cmd_room_op *o = state;
	struct cmd_ctx *c = o->c;
	struct buf verb;

	buf_init(&verb);
	buf_printf(&verb, "renamed room %s to ", o->room);
	struct room_done *d = verb.data ? room_done_new(c, verb.data, o->arg, true) : NULL;
	buf_free(&verb);
	if (!d) {
		cmd_room_op_free(o);
		cmd_finish_nomem(c);
		return;
	}
	model_room_rename(c->model, o->room, o->arg, room_done_cb, d);
	cmd_room_op_free(o);
}

static void run_room_rename(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!strcmp(a->pos[0], a->pos[1])) {
		cmd_finish_usage(c, "%s", "NEW_ID is the room's ID already");
		return;
	}
	struct cmd_room_op *o = cmd_room_op_for(c, cmd, a->pos[0], a->pos[1]);
	if (!o)
		return;
	cmd_confirm_room_id(c, "rename this room", a->pos[0], cmd_has_flag(a, "yes"), "not renamed",
	                    rename_go, cmd_room_op_free, o);
}

static void room_simple_done(const struct storage_result *res, void *ud)
{
	struct cmd_room_op *o = ud;

	struct lb_error err = res->err;

	if (err.status == LB_OK)
		cmd_sayf(o->c, "%s%s", o->arg, o->room);
	else if (o->data)
		cmd_keep_edited(o->data, o->room, &err);
	cmd_room_op_finish(o, &err);
}

static void run_room_prewarm(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *id = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!id)
		return;
	struct cmd_room_op *o = cmd_room_op_for(c, cmd, id, "prewarmed room ");
	if (!o)
		return;
	model_room_prewarm(c->model, o->room, room_simple_done, o);
}

static void run_room_broadcast(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	char *json = NULL;
	bool edit = cmd_has_flag(a, "edit");

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (edit && a->npos == 2) {
		cmd_finish_usage(c, "%s", "give JSON or --edit, not both");
		return;
	}
	if (!edit && a->npos < 2) {
		cmd_finish_usage(c, "%s",
		                 "'room broadcast' needs the event: JSON such as "
		                 "'{\"type\":\"EMOJI\"}', @FILE, or --edit");
		return;
	}
	if (!cmd_value_text(c, edit ? NULL : a->pos[1], edit, "{\n  \"type\": \"\"\n}\n",
	                    "the event", a->pos[0], &json, &err)) {
		cmd_finish(c, &err);
		return;
	}
	char size[32], verb[96];
	format_size(strlen(json), size, sizeof(size));
	snprintf(verb, sizeof(verb), "broadcast an event (%s) to room ", size);
	struct cmd_room_op *o = cmd_room_op_new(c, a->pos[0], verb);
	if (!o) {
		free(json);
		cmd_finish_nomem(c);
		return;
	}
	if (edit)
		o->data = json; /* kept if the server refuses it */
	model_room_broadcast(c->model, o->room, json, room_simple_done, o);
	if (!edit)
		free(json);
}

static const enum endpoint_id endpoints[] = {
    EP_ROOM_UPSERT,
    EP_ROOM_UPDATE_ID,
    EP_ROOM_PREWARM,
    EP_BROADCAST_EVENT_SDK,
    EP_COUNT,
};

const struct family family_room_admin = {
    .name = "room admin",
    .summary = "Room administration: upsert, rename, prewarm, broadcast",
    .commands = commands,
    .endpoints = endpoints,
};
