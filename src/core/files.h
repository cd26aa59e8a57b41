/* Files named by the user: read whole (a document, an update, an event)
 * and written whole (an export), with the checks that keep a mistake
 * from reading a device forever or overwriting a file. */
#ifndef LB_FILES_H
#define LB_FILES_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>

#include "error.h"

/* The largest file lbtui reads (a Storage document, a Yjs update, an
 * event). */
#define FILE_MAX_BYTES ((size_t)512 * 1024 * 1024)

/* Wait until fd is ready for events (or failed: the read or write that
 * follows says how); false with errno EINTR once *stop (may be NULL) is
 * set. The flag is looked at every quarter second: a signal that came just
 * before a blocking read or write would not end it, and a pipe or a
 * terminal may never move. */
bool fd_ready(const volatile sig_atomic_t *stop, int fd, short events);

/* Read a whole file ("-" for stdin) into a NUL-terminated buffer (caller
 * frees *data). A regular file larger than FILE_MAX_BYTES, a directory or
 * a device other than a terminal is refused before a byte is read; a pipe
 * is read until the limit is passed, not further. stop (may be NULL): see
 * fd_ready (LB_CANCELLED then). False with err (LB_USAGE, LB_CANCELLED or
 * LB_NOMEM). */
bool file_read(const char *path, const volatile sig_atomic_t *stop, char **data, size_t *len,
	       struct lb_error *err);

/* Refuse early (before any request) a file that cannot be written: an
 * empty name, a directory, or an existing file without force. */
bool file_check_writable(const char *path, bool force, struct lb_error *err);

/* Write data to path; without force, never over an existing file. */
bool file_write(const char *path, const void *data, size_t len, bool force, struct lb_error *err);

/* Write all of p to fd, waiting as long as it takes; false with errno. */
bool fd_write_all(int fd, const void *p, size_t len);

#endif
