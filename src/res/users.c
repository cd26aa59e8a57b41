#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd_impl.h"
#include "family.h"
#include "json.h"
#include "live_print.h"
#include "live_watch.h"
#include "model_storage.h"
#include "output.h"
#include "util.h"

/* The users connected to a room. */

static void run_users(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec users_opts[] = {
    {"watch", OPT_FLAG, NULL,
     "follow who connects, leaves and changes presence, live through the room's socket "
     "(the screen; without it, a line each until Ctrl-C)"},
    {"poll", OPT_FLAG, NULL, "with --watch: re-read the list every second instead of the socket"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"users", "[ROOM]", 0, 1, false, run_users, "List the users connected to a room", users_opts,
     SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static void user_json(struct json_writer *w, const void *list, size_t i)
{
	const struct active_user *u = model_user_at(list, i);

	json_begin_object(w);
	json_key(w, "type");
	json_string(w, "user");
	json_key(w, "id");
	json_string_or_null(w, u->id);
	json_key(w, "connectionId");
	json_int(w, u->connection_id);
	/* As the API sent it (compact JSON, from the decoder). */
	json_key(w, "info");
	json_raw(w, u->info_json ? u->info_json : "{}");
	json_end_object(w);
}

/* ID, CONNECTION, INFO; false when out of memory. */
static bool print_users_table(struct cmd_ctx *c, const struct resource *r)
{
	struct buf b;
	int idw = 2;
	bool ok;

	buf_init(&b);
	for (size_t i = 0; i < model_count(r); i++) {
		const char *id = model_user_at(r, i)->id;
		output_id_width(&idw, id ? id : "(anonymous)");
	}
	ok = output_row(&b, "ID", idw, "CONNECTION", 10, "INFO");
	for (size_t i = 0; ok && i < model_count(r); i++) {
		const struct active_user *u = model_user_at(r, i);
		char conn[32];
		snprintf(conn, sizeof(conn), "%d", u->connection_id);
		ok = output_row(&b, u->id ? u->id : "(anonymous)", idw, conn, 10,
		                u->info_json ? u->info_json : "{}");
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	return ok;
}

static bool users_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (cmd_load_failed(c, r, (const char *)ud))
		return true;
	if (c->host.json) {
		if (!cmd_print_list_json(c, r, model_count(r), user_json, false, NULL)) {
			cmd_finish_nomem(c);
			return true;
		}
	} else {
		if (!print_users_table(c, r)) {
			cmd_finish_nomem(c);
			return true;
		}
		if (model_count(r) == 0)
			cmd_note(c, "(nobody is connected)");
	}
	cmd_finish_ok(c);
	return true;
}

static void run_users(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	bool watch = cmd_has_flag(a, "watch"), poll = cmd_has_flag(a, "poll");
	if (poll && !watch) {
		cmd_finish_usage(c, "%s", "--poll goes with --watch");
		return;
	}
	const char *room = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!room || cmd_need_view(c))
		return;
	if (watch && !(c->host.interactive && c->host.show_view)) {
		users_watch_print(c, room, poll);
		return;
	}
	if (cmd_open_view(c, "users", &(struct scope){.room = room},
	                  &(struct live_watch_opts){.poll = poll}, watch, NULL))
		return;
	cmd_wait_room(c, model_active_users(c->model, room), room, users_step);
}

static const enum endpoint_id endpoints[] = {
    EP_ACTIVE_USERS_SDK,
    EP_COUNT,
};

const struct family family_users = {
    .name = "users",
    .summary = "Who is connected to a room",
    .commands = commands,
    .endpoints = endpoints,
};
