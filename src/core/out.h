/* Results on their way out of the program, for the host that owns
 * standard output (batch mode): JSON text made safe, and a document's
 * bytes as they arrive, at the pace of whoever reads them. */
#ifndef LB_OUT_H
#define LB_OUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* JSON text from the server to f with secrets masked, escaped where a
 * terminal would obey it when f is one (ts_json), ending in a newline so
 * that several outputs stay one per line; then flushed. */
void out_json_text(FILE *f, const char *s, size_t len);

/* Bytes to a file as they come. A file takes them at once (through f's
 * buffer). A pipe or a socket is written only as far as its reader takes
 * them without waiting; the rest waits in memory, so a pager never holds
 * up a download of ordinary size. Whoever feeds the stream stops past
 * OUT_STREAM_HOLD bytes waiting (out_stream_full) and goes on once the
 * reader has taken all but OUT_STREAM_RESUME of them (out_stream_caught_up),
 * polling out_stream_fd for writability meanwhile: memory stays bounded
 * whatever the size of the download and however slow its reader. */
#define OUT_STREAM_HOLD   ((size_t)8 << 20)
#define OUT_STREAM_RESUME ((size_t)2 << 20)

struct out_stream;

/* A stream over f (flushed first, so that what f holds comes first);
 * NULL when out of memory. */
struct out_stream *out_stream_open(FILE *f);
/* Write p[0..len) or keep what the reader does not take yet; false once a
 * write failed (the error is kept for out_stream_close). */
bool out_stream_write(struct out_stream *o, const char *p, size_t len);
/* Write what the reader takes now of what waits; false on a failure. */
bool out_stream_flush(struct out_stream *o);
bool out_stream_full(const struct out_stream *o);
bool out_stream_caught_up(const struct out_stream *o);
/* The descriptor to poll for writability while waiting for the reader. */
int out_stream_fd(const struct out_stream *o);
/* The first write error (an errno value), 0 when none. */
int out_stream_error(const struct out_stream *o);
/* Write what still waits when finish is true, however long the reader
 * takes (the download is over) unless *stop (may be NULL) is set meanwhile
 * (EINTR), flush f and free the stream. Returns the first write error, 0
 * when none. */
int out_stream_close(struct out_stream **o, bool finish, const volatile sig_atomic_t *stop);

#endif
