/* Files named by the user: read whole (a document, an update, an event)
 * and written whole (an export), with the checks that keep a mistake
 * from reading a device forever or overwriting a file. */
#ifndef LB_FILES_H
#define LB_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The largest file lbtui reads (a Storage document, a Yjs update, an
 * event). */
#define FILE_MAX_BYTES ((size_t)512 * 1024 * 1024)

/* Read a whole file ("-" for stdin) into a NUL-terminated buffer (caller
 * frees *data). A regular file larger than FILE_MAX_BYTES, a directory or
 * a device other than a terminal is refused before a byte is read; a pipe
 * is read until the limit is passed, not further. False with err (LB_USAGE,
 * or LB_NOMEM). */
bool file_read(const char *path, char **data, size_t *len, struct lb_error *err);

/* Refuse early (before any request) a file that cannot be written: an
 * empty name, a directory, or an existing file without force. */
bool file_check_writable(const char *path, bool force, struct lb_error *err);

/* Write data to path; without force, never over an existing file. */
bool file_write(const char *path, const void *data, size_t len, bool force, struct lb_error *err);

/* Write all of p to fd, waiting as long as it takes; false with errno. */
bool fd_write_all(int fd, const void *p, size_t len);

#endif
