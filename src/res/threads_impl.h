/* What the threads and comments families (threads.c, comments.c) share:
 * the state and the common steps of their change programs, the kinds a
 * change reads again, and what their commands do alike (the room and the
 * IDs of a command, who it writes as, the question before a delete, the
 * text kept when a write fails). Not for use outside them. */
#ifndef LB_THREADS_IMPL_H
#define LB_THREADS_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd_impl.h"
#include "ops.h"
#include "threads.h"

/* The room's threads and one thread: what a change reads again. */
extern const struct kind threads_kind, thread_kind;

/* The state of every program of the two families. */
struct thread_op {
	char *thread_id;  /* NULL for a thread to create */
	char *comment_id; /* NULL: about the thread */
	char *body;       /* the request's JSON body; NULL: none */
	char *seen;       /* a delete: what the user was shown; NULL: no check */
	char *kept;       /* a delete: the file keeping what it deletes */
	char *new_id;     /* a creation: the new thread's or comment's ID */
};

void thread_op_clear(void *state);
/* A delete's result names the file keeping what it deleted. */
void thread_op_describe(const struct op *o, struct storage_result *res);
/* The thread and the comment as path parameters, the body as JSON. */
bool thread_op_build(struct op *o, struct api_send_args *args, char *made[2], struct lb_error *err);
/* The same for a read: no body. */
bool thread_op_build_read(struct op *o, struct api_send_args *args, char *made[2],
                          struct lb_error *err);
/* A one-step change or read ends with its answer; a change makes the
 * room's threads and the threads held read again. */
const struct op_step *thread_op_answer(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end);
/* A read ends with its answer. */
const struct op_step *thread_op_read(struct model *m, struct op *o, struct api_storage_result *res,
                                     struct op_end *end);
/* The same, after taking the new thread's or comment's ID from a
 * creation's answer (op_end.id). */
const struct op_step *thread_op_created(struct model *m, struct op *o,
                                        struct api_storage_result *res, struct op_end *end);
/* Refuse through to (false) a write without a user, or what is not one
 * JSON value (what names it). */
bool thread_user_given(const char *user_id, const struct op_done *to);
bool thread_json_given(const char *json, const char *what, const struct op_done *to);
/* A delete's read: check it against what was seen, keep it, then
 * remove (the DELETE step); ends the op otherwise. what: "thread",
 * "comment". */
const struct op_step *thread_op_delete_read(struct op *o, struct api_storage_result *res,
                                            struct op_end *end, const char *what,
                                            const struct op_step *remove);
/* A delete's DELETE answered: done, or a refusal (the file goes then:
 * nothing was deleted). */
const struct op_step *thread_op_deleted(struct model *m, struct op *o,
                                        struct api_storage_result *res, struct op_end *end);

/* Start prog at first about room, thread and comment (each copied, may
 * be NULL), sending body (taken, may be NULL) and checking a delete
 * against seen (copied, may be NULL); guard: the endpoint whose MUTATION
 * flag read-only mode judges. */
http_id thread_op_run(struct model *m, const struct op_program *prog, const struct op_step *first,
                      enum endpoint_id guard, const char *room_id, const char *thread_id,
                      const char *comment_id, char *body, const char *seen, storage_done_fn done,
                      void *ud);

/* ---- commands ---------------------------------------------------------------- */

/* What a command of the two families is about: the room (its first
 * argument when the command got more than nrest, else the room of the
 * scope) and the rest of its arguments. False after finishing with a
 * usage error. */
struct thread_args {
	const char *room;
	const char *const *rest; /* nrest of them, or fewer when optional */
	int n;
};
bool thread_args_get(struct cmd_ctx *c, const struct command *cmd, const struct args *a, int nrest,
                     struct thread_args *out);

/* Who a write is made as: --as, else the profile's user; NULL after
 * finishing with a usage error that says how to set it. */
const char *thread_writer(struct cmd_ctx *c, const struct command *cmd, const struct args *a);

/* A change about one thread or comment, from the command to its answer. */
struct thread_cmd {
	struct cmd_ctx *c;
	char *room, *thread, *comment;
	char *user;
	char *arg;  /* the emoji; the text a write sends, as typed */
	char *seen; /* a delete, an edit: what the question showed */
	bool flag;  /* resolve or unresolve, subscribe or unsubscribe ... */
	/* A write of a comment: */
	bool edited;    /* arg was typed in $EDITOR, in lbtui's text form */
	char *body;     /* the body made of it (JSON) */
	char *metadata; /* a thread's (JSON), NULL for none */
	char *resend;   /* the command that sends it again, without the text */
};
/* NULL after finishing (read-only, out of memory). */
struct thread_cmd *thread_cmd_new(struct cmd_ctx *c, const struct command *cmd, const char *room,
                                  const char *thread, const char *comment);
void thread_cmd_free(void *state);
/* Free t and finish the command with err. */
void thread_cmd_finish(struct thread_cmd *t, const struct lb_error *err);
void thread_cmd_nomem(struct thread_cmd *t);
/* A change answered: its JSON with --json, else the sentence; then
 * finish. */
void thread_cmd_answered(struct thread_cmd *t, const struct storage_result *res,
                         const char *sentence);

/* Ask before deleting: the preview (what goes), a question that says it
 * is permanent; batch mode needs --yes. Then go(t), or t is freed. */
void thread_cmd_confirm_delete(struct thread_cmd *t, const char *title, const char *preview,
                               bool yes, cmd_go_fn go);
/* A delete answered: where what it deleted is kept, or why it failed. */
void thread_cmd_deleted(struct thread_cmd *t, const struct storage_result *res, const char *what);

/* The text a write sends (t->arg) and the body made of it (t->body): text
 * as markdown (the SDK's markdownToCommentBody), file (--file) read as
 * markdown, or edit (--edit): $EDITOR in lbtui's lossless text form,
 * starting from file or from initial (an edited comment's text). *shown: the
 * body in the text form, for the question. False with err: nothing to
 * send (no text, an empty comment, the editor failed). */
bool thread_text_read(struct thread_cmd *t, const char *text, const char *file, bool edit,
                      const char *initial, char **shown, struct lb_error *err);
/* Ask before sending a write: what it is (what) and the body it sends
 * (shown). Batch mode prints them and needs --yes. Then go(t), or t is
 * freed, what was typed in $EDITOR kept as a draft first. */
void thread_write_confirm(struct thread_cmd *t, const char *title, const char *what,
                          const char *shown, bool yes, cmd_go_fn go);
/* A write answered: the sentence (or the API's object with --json), or
 * the error, with the text kept as a draft. Finishes the command. */
void thread_write_answered(struct thread_cmd *t, const struct storage_result *res,
                           const char *sentence);
/* The comment body's plain text (the SDK's plain format); a body lbtui
 * cannot read shows its first line and says so. NULL: out of memory. */
char *thread_comment_plain(const struct comment *cm);

/* The text of a write that did not make it, kept in a draft file of the
 * state directory (mode 600): err then says first where, and the command
 * that sends it again (resend: that command line without the text, e.g.
 * "comment add r1 th_1 --as alice"). */
void thread_keep_draft(const char *text, const char *room, const char *resend,
                       struct lb_error *err);

/* Lines of a comment for a thread's text: author, dates, deleted or
 * edited, reactions, attachments; body_text: the body as plain text. */
bool thread_comment_text(struct buf *b, const struct comment *cm, const char *body_text);

/* The options the commands of both families take: --yes, --as USER. */
#define YES_OPT                                                                                    \
	{                                                                                          \
		"yes", OPT_FLAG, NULL,                                                             \
		    "do not ask (batch mode needs it where a question is asked)"                   \
	}
#define AS_OPT                                                                                     \
	{                                                                                          \
		"as", OPT_VALUE, "USER", "write as USER (default: user = in the profile)"          \
	}

/* A program of the engine over struct thread_op, the state every thread
 * and comment change keeps. */
#define THREAD_OP_PROGRAM(var, label, is_change)                                                   \
	static const struct op_program var = {                                                     \
	    .name = label,                                                                         \
	    .state_size = sizeof(struct thread_op),                                                \
	    .clear = thread_op_clear,                                                              \
	    .changes = is_change,                                                                  \
	    .describe = thread_op_describe,                                                        \
	}

#endif
