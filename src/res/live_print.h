/* Who is in a room and what they broadcast, printed as it comes on the
 * command line (live_print.c): `users ROOM --watch` and `events ROOM`
 * without the screen, until a signal stops them. */
#ifndef LB_LIVE_PRINT_H
#define LB_LIVE_PRINT_H

#include <stdbool.h>

#include "http.h"

struct cJSON;
struct cmd_ctx;
struct live_watch;
struct model;
struct resource;

/* A printer's re-reads, once a second, when push is not to be had: the
 * resource it re-reads (taken when polling starts: taking it reads it)
 * and a timer that wakes the loop for the next read. Zeroed: off. */
struct live_poll {
	struct http_timer timer;
	struct resource *res;
	unsigned seen_gen;
	bool on;
};
/* Start polling (again: nothing), with take to get the resource. */
void live_poll_start(struct live_poll *p, struct model *m);
/* In a printer's step: the resource, taken with take(ud) the first time,
 * with *fresh set when it has changed since the last call (an answer or
 * an error); a re-read is started when one is due. NULL when not
 * polling, or when take failed. */
struct resource *live_poll_step(struct live_poll *p, struct model *m,
                                struct resource *(*take)(void *ud), void *ud, bool *fresh);
void live_poll_clear(struct live_poll *p, struct model *m);
/* The watch's reason, when it has one this printer has not said. */
void live_print_reason(struct cmd_ctx *c, struct live_watch *w, const void *ud);

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
