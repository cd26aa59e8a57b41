/* What the thread view (ui/views/view_thread.c) reads beyond the thread
 * itself (threads.h): the members of a group a comment mentions, read on
 * demand (groups.h); the group mentions of a comment; and a thread written out as
 * Markdown for :export. Pure but for model_group_get. */
#ifndef LB_THREAD_VIEW_H
#define LB_THREAD_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "groups.h"
#include "model_storage.h"
#include "strv.h"
#include "threads.h"
#include "util.h"

/* The IDs of the groups a comment's body mentions, each once, in the
 * order they first appear, appended to out. A deleted comment, or a body
 * lbtui cannot read, mentions none. False when out of memory. */
bool comment_group_mentions(const struct comment *cm, struct strv *out);

/* The thread as Markdown, appended to out: a title, the thread's state,
 * dates and metadata, then each comment under a heading of its author and
 * times (a deleted comment as a tombstone), its body with the SDK's
 * markers (**bold**, _italic_, ~~strike~~, `code`), links as numbered
 * references listed after the comment, mentions as @id; its reactions
 * with who reacted, attachments and metadata. The text is the server's,
 * as it is (a file, not the screen). False when out of memory. */
bool thread_markdown(const struct thread *t, struct buf *out);

#endif
