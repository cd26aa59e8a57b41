#include "lbconfig.h"

#include "cmd_impl.h"
#include "family.h"
#include "live_print.h"

/* The broadcast events of a room, live over its socket: a view of the
 * screen (ui/views/view_events.c), or a line each until Ctrl-C. */

static void run_events(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *room = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!room || cmd_need_view(c))
		return;
	if (!cmd_open_view(c, "events", &(struct scope){.room = room}, NULL, false, NULL))
		events_watch_print(c, room);
}

static const struct command commands[] = {
    {"events", "[ROOM]", 0, 1, false, run_events,
     "Follow the broadcast events of a room, live over its socket (a line each until Ctrl-C)",
     cmd_no_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* Through the room's watch: the room is read, then a token asked for. */
static const enum endpoint_id endpoints[] = {
    EP_ROOM_GET,
    EP_AUTHORIZE_USER,
    EP_COUNT,
};

const struct family family_events = {
    .name = "events",
    .summary = "Broadcast events of a room, live",
    .commands = commands,
    .endpoints = endpoints,
};
