/* Keeping what nothing else holds any more: a room's Storage before a
 * rewrite deletes it, a thread or a comment before it is deleted, a value
 * written in $EDITOR until it is applied, a comment whose sending
 * failed. */
#ifndef LB_KEPT_H
#define LB_KEPT_H

#include <stddef.h>

#include "error.h"

/* Write data to a new file KIND-ROOM-YYYYMMDD-HHMMSS.json (or -2.json,
 * -3.json ... when taken), mode 600, in the state directory
 * ($XDG_STATE_HOME/lbtui), or in $TMPDIR (else /tmp) when that fails; the
 * room ID keeps [A-Za-z0-9._-] and the rest becomes '_'. The data is on
 * disk (fsync) when it returns. Returns the path (caller frees), or NULL
 * with err (why the state directory failed). */
char *kept_save(const char *kind, const char *room, const void *data, size_t len,
                struct lb_error *err);
/* The same with another extension than json ("txt"). */
char *kept_save_as(const char *kind, const char *room, const char *ext, const void *data,
                   size_t len, struct lb_error *err);

#endif
