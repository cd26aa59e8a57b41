/* Threads written out, for a moderator's records: as Markdown a person
 * reads (each thread, then its comments with their bodies as Markdown),
 * or as the API's JSON. Pure but for the command, which writes one
 * thread to a file (thread export). */
#ifndef LB_THREAD_EXPORT_H
#define LB_THREAD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "threads.h"
#include "util.h"

enum export_format {
	EXPORT_MARKDOWN,
	EXPORT_JSON,
};

/* By the file's extension, in any case: .md or .markdown, .json; -1 for
 * anything else. */
enum export_format export_format_of(const char *path);

/* Append threads t[0..n) to out.
 *
 * Markdown: per thread a heading (its ID and room), whether it is
 * resolved, when it was created and updated, its metadata; then each
 * comment under a heading of its author and time, marked edited or
 * deleted, its body as Markdown (bold **, italic _, strikethrough ~~,
 * code `, nested as they are; links [text](url); mentions @id; line
 * breaks kept; every other character that Markdown reads as syntax
 * escaped), its reactions with who reacted, its attachments, its
 * metadata. A deleted comment says so in place of its body.
 *
 * JSON: {"data":[...]}, the threads as the API sent them.
 *
 * The text is the server's as it is (a file, not a terminal). False with
 * err (LB_NOMEM; LB_USAGE for another format). */
bool threads_export(const struct thread *const *t, size_t n, enum export_format f, struct buf *out,
                    struct lb_error *err);

/* thread export [ROOM] THREAD FILE [--force]: the threads family's
 * command (threads.c's table). */
struct cmd_ctx;
struct command;
struct args;
void thread_export_run(struct cmd_ctx *c, const struct command *cmd, struct args *a);

#endif
