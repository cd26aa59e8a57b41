/* `storage ROOM --watch` on the command line (storage_watch.c). */
#ifndef LB_STORAGE_WATCH_H
#define LB_STORAGE_WATCH_H

#include <stdbool.h>

struct cmd_ctx;

/* Print the room's Storage ops as they come (JSON Lines with --json),
 * pushed over the room's socket, or what changed between re-reads every
 * second when push is not available or poll is set; until a signal. */
void storage_watch_print(struct cmd_ctx *c, const char *room, bool simplified, bool poll);

#endif
