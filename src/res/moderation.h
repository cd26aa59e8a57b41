/* Bulk actions on threads and comments, for the moderation queue: many
 * threads or comments across rooms resolved, deleted, reacted to ... as
 * one bulk job of the model (bulk.h), each item sent at most once, 429s
 * waited out, failures kept with their reasons for a retry; what a bulk
 * delete could lose saved first; and the plan that undoes what the API
 * can undo. */
#ifndef LB_MODERATION_H
#define LB_MODERATION_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "threads.h"

enum mod_action {
	MOD_RESOLVE,
	MOD_UNRESOLVE,
	MOD_DELETE_THREAD,
	MOD_DELETE_COMMENT,
	MOD_METADATA,
	MOD_REACT,
	MOD_UNREACT,
	MOD_SUBSCRIBE,
	MOD_UNSUBSCRIBE,
};

/* What an action is about. A thread action reads room_id and thread_id
 * only; a comment action (MOD_DELETE_COMMENT, MOD_REACT, MOD_UNREACT;
 * for a reaction to a thread, its first comment) comment_id too. No two
 * targets of one action may name the same thread (comment). */
struct mod_target {
	const char *room_id, *thread_id, *comment_id;
	/* The thread or comment as the user was shown it (compact JSON: the
	 * thread's raw_json, mod_comment_json): a delete goes out only where
	 * it still is that; the undo of metadata reads the previous values
	 * from it, that of a resolve or a reaction whether the item was so
	 * already. Needed by deletes and MOD_METADATA. */
	const char *seen_json;
	/* Optional, for MOD_DELETE_COMMENT: the thread the comment is in, as
	 * shown; saved with the comment, since deleting the last comment of a
	 * thread deletes the thread. */
	const char *thread_json;
	/* Optional, for MOD_METADATA: this target's own {k: v|null}, in place
	 * of the request's (an undo restores each thread's own values). */
	const char *metadata_json;
};

struct mod_request {
	enum mod_action action;
	const char *user_id;       /* who writes; who (un)subscribes */
	const char *metadata_json; /* MOD_METADATA: {k: v|null}, null removes k */
	const char *emoji;         /* MOD_REACT, MOD_UNREACT */
};

/* What the action does, for the question before it: "resolve 3 threads
 * in 1 room, as alice", "delete 14 comments in 6 rooms: permanent, the
 * API cannot bring them back (a copy is saved first)", "react 👍 to 5
 * comments in 2 rooms, as alice". Raw text (IDs, the emoji, metadata):
 * the caller makes it terminal-safe. NULL when out of memory. Caller
 * frees. */
char *mod_describe(const struct mod_request *rq, const struct mod_target *t, size_t n);

/* Start the bulk job: item i is target i (its arg "ROOM/THREAD" or
 * "ROOM/THREAD/COMMENT"), each sent at most once (a 429 waited out and
 * sent again: the server did nothing). A delete reads the thread or
 * comment again first and refuses the item (failed, code THREAD_CHANGED
 * or COMMENT_CHANGED, "changed since it was shown; nothing was deleted")
 * when it is not seen_json; before the job starts, everything a bulk
 * delete could lose (each seen_json, and thread_json) is saved to one
 * file of the state directory (kept_save), *saved its path (caller frees;
 * NULL for other actions), and nothing is sent when that fails (LB_CONFIG).
 * Per-item outcome with bulk_item(r, i); the failed ones keep their error
 * for bulk_retry. The room's threads and the threads held are read again
 * once nothing is left to send. A new reference (model_release), or NULL
 * with err: LB_READONLY in read-only mode, LB_USAGE for a write without a
 * user, a target that lacks what its action needs or is named twice, what
 * is not JSON, LB_NOMEM. Nothing is sent then. */
struct resource *model_moderate(struct model *m, const struct mod_request *rq,
                                const struct mod_target *t, size_t n, char **saved,
                                struct lb_error *err);

/* The undo of job r (of model_moderate, once nothing is left to send):
 * the request that reverses what its done items did, resolve <->
 * unresolve, react <-> unreact, subscribe <-> unsubscribe, metadata back
 * to each thread's previous values (keys that were absent become null),
 * and its targets: the done items, but those that were as the action
 * left them already (a thread resolved before a resolve, a reaction that
 * was there). Each target's seen_json is what was shown with the change
 * applied where the undo reads it (metadata, resolved). False with why
 * for deletes ("deletion cannot be undone"), a job still running, one
 * with nothing done, or another resource. Free with mod_plan_free. */
bool mod_undo_plan(const struct resource *r, struct mod_request *undo, struct mod_target **targets,
                   size_t *n, char *why, size_t why_n);
void mod_plan_free(struct mod_request *undo, struct mod_target *targets, size_t n);

/* The comment comment_id of t as the API sent it (compact JSON), for a
 * target's seen_json; NULL when t has no such comment or out of memory.
 * Caller frees. */
char *mod_comment_json(const struct thread *t, const char *comment_id);

#endif
