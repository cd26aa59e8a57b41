/* Who is in a room and what they broadcast, printed as it comes on the
 * command line (live_print.c): `users ROOM --watch` and `events ROOM`
 * without the screen, until a signal stops them. */
#ifndef LB_LIVE_PRINT_H
#define LB_LIVE_PRINT_H

#include <stdbool.h>

struct cJSON;
struct cmd_ctx;

/* What the live printers share (this file's and storage_watch.c): a JSON
 * value as itself, text that is not JSON as a string, NULL as null; and
 * one object printed as one line (JSON Lines), then freed. */
struct cJSON *live_print_value(const char *json);
void live_print_line(struct cmd_ctx *c, struct cJSON *o);

/* Joins, leaves and presence changes of room's connections, one line each
 * (JSON Lines with --json): through the room's socket, or, when push is
 * not available or poll is set, joins and leaves seen between re-reads of
 * GET active_users every second. */
void users_watch_print(struct cmd_ctx *c, const char *room, bool poll);

/* The room's broadcast events, one line each (JSON Lines with --json);
 * finishes with the reason when the room's socket cannot be had, since
 * events come through nothing else. */
void events_watch_print(struct cmd_ctx *c, const char *room);

#endif
