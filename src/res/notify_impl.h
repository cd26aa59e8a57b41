/* What the families of a user's notifications (inbox.c, notify_settings.c)
 * share: one kind of program of the engine (ops.h), a request about a
 * user whose path parameters, query and body the caller gives, optionally
 * read first and kept in a file before a destructive step; and the
 * command state that waits for it. Not for use outside src/res. */
#ifndef LB_NOTIFY_IMPL_H
#define LB_NOTIFY_IMPL_H

#include <stdbool.h>

#include "cmd_impl.h"
#include "kind.h"
#include "ops.h"

struct notify_op {
	char *params[3];
	char *query;
	char *body;
	/* A read before a destructive step: the answer is kept in a file
	 * named after keep_kind and the user, then next is sent. */
	const char *keep_kind;
	const struct op_step *next;
	char *kept;
	/* Lists of the user that the change makes stale. */
	const struct kind *stale[2];
};

/* Fill args from the state (every path parameter: the programs are
 * outside rooms). */
bool notify_op_build(struct op *o, struct api_send_args *args, char *made[2], struct lb_error *err);
/* End with the answer (its body handed back); the user's lists of
 * stale[] go stale. */
const struct op_step *notify_op_answer(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end);
/* The read before a destructive step: keep what it answered, then
 * state's next. A failed read or file ends the op with nothing changed. */
const struct op_step *notify_op_keep(struct model *m, struct op *o, struct api_storage_result *res,
                                     struct op_end *end);

extern const struct op_program notify_read_program, notify_change_program;

/* Run prog about user from first: params (up to 3, NULL-padded), query
 * (may be NULL), body (taken, may be NULL), stale lists, keep_kind and
 * next for a first step that is notify_op_keep. guard: the first
 * endpoint that changes the project (read-only refusal), or the read's.
 * res->saved names the kept file. */
struct notify_run {
	const struct op_program *prog;
	const struct op_step *first;
	enum endpoint_id guard;
	const char *user;
	const char *params[3];
	const char *query;
	char *body;
	const struct kind *stale[2];
	const char *keep_kind;
	const struct op_step *next;
};
http_id notify_op_run(struct model *m, struct notify_run *run, storage_done_fn done, void *ud);

/* A command waiting for one request of the family. */
struct notify_cmd {
	struct cmd_ctx *c;
	char *user;
	char *room;
	char *id;
	char *body; /* what goes out, once confirmed; delete-all: the file kept */
	char *query;
	size_t count;
	bool yes;
	bool deprecated;
	int mode;
};
struct notify_cmd *notify_cmd_new(struct cmd_ctx *c, const char *user, const char *room,
                                  const char *id);
void notify_cmd_free(void *state);
/* Free n and finish the command with err (NULL: done). */
void notify_cmd_finish(struct notify_cmd *n, const struct lb_error *err);
/* The answer to a change: --json prints the body, else sentence is said
 * (terminal-safe); a kept file is named. Finishes. */
void notify_cmd_answered(struct notify_cmd *n, const struct storage_result *res,
                         const char *sentence);
/* A terminal-safe cell of raw, padded to cols and followed by two spaces
 * (pad), or cut to cols (the last); false when out of memory. */
bool notify_cell(struct buf *b, const char *raw, int cols, bool pad);

#endif
