/* Changes to the project (model.h, model_storage.h): to what lives in a
 * room, to a room itself, and to what is outside any room (a room to
 * create), each a small program that one engine runs.
 *
 * A program is a table of steps. A step names the endpoint it sends (a
 * row of endpoints.def), a function that fills the request from the op's
 * state (path parameters, query, body), and a function that reads the
 * answer and says what comes next: another step, or the end (done or
 * failed, with what the caller is told). A program's state is a struct
 * of its own, allocated and freed by the engine.
 *
 * The engine does what every change needs, the same way for all:
 * - refusal before anything is sent: no room (for a program inside
 *   one), read-only mode (the api's answer for the endpoint whose
 *   MUTATION flag applies), a model that is stopping
 *   (model_storage_interrupt);
 * - each request on the model's books (REQ_MUTATION), sent through the
 *   api, its answer to the step; a request the api could not build or
 *   start is answered like any other (its err says why);
 * - at most once: a step that is not a read is never sent twice in an
 *   op (an outcome not known is LB_UNSURE, which the program settles; it
 *   never sends the change again);
 * - model_free while a request is in flight: the op is cancelled;
 * - a copy kept before a destructive step (op_keep): removed when the op
 *   ends with the previous or the new document in place, kept, named and
 *   handed back when it ends lost, or is cancelled in a step at risk;
 * - at the end, the kinds the steps asked for revalidated, then the
 *   caller's callback, exactly once.
 *
 * Nothing here knows one kind of change from another. */
#ifndef LB_OPS_H
#define LB_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "model_impl.h"
#include "model_storage.h"

struct op;

/* Who hears the end: a storage_done_fn or a model_done_fn (one of them,
 * or neither), with ud. */
struct op_done {
	storage_done_fn storage;
	model_done_fn room;
	void *ud;
};

/* How an op ends, filled by the step that ends it (zeroed first: LB_OK,
 * no body). */
struct op_end {
	struct lb_error err; /* LB_OK: done */
	const char *body;    /* the answer's body, valid during the callback */
	size_t body_len;
	const struct room *room; /* model_done_fn's room, given with LB_OK only */
	const char *id;          /* storage_result.id */
	/* The document kept by op_keep is not known to be in place: its file
	 * stays and the callback gets it (storage_result.previous, saved). */
	bool lost;
};

enum op_step_flag {
	/* Between a destructive request and the end of the op: what op_keep
	 * kept may be all that holds the room's previous data. A cancel
	 * here ends lost; model_storage_rewrites counts the op. */
	OP_AT_RISK = 1 << 0,
};

struct op_step {
	enum endpoint_id ep; /* what it sends */
	unsigned flags;      /* enum op_step_flag */
	/* Fill args from o's state; they come with the room as the first
	 * path parameter (none for a program outside rooms), which is all a
	 * step with no build sends. Strings
	 * made here go in made[], freed once the request is sent. False with
	 * err: nothing is sent, and answer hears err as the answer. */
	bool (*build)(struct op *o, struct api_send_args *args, char *made[2],
	              struct lb_error *err);
	/* The answer (res->err says how it went; the body is raw): the next
	 * step, or NULL to end with *end. */
	const struct op_step *(*answer)(struct model *m, struct op *o,
	                                struct api_storage_result *res, struct op_end *end);
};

struct op_program {
	const char *name; /* in the engine's own messages */
	size_t state_size;
	/* Free what the state holds (not the state itself); may be NULL. */
	void (*clear)(void *state);
	/* It changes the project (model_changes_in_flight waits for it when
	 * stopping). */
	bool changes;
	/* It is not a change inside an existing room (a room to create; a
	 * user's inbox, a group): op_new takes it without a room ID, and its
	 * steps fill the path parameters they need. An ID it is given still
	 * names the room it is about (op_room). */
	bool outside_room;
	/* Optional: what the program adds to every result it ends with (which
	 * way a Storage change went, bytes streamed). */
	void (*describe)(const struct op *o, struct storage_result *res);
	/* Optional: the message of a cancel by model_free during step now;
	 * said is what the transport answered the cancelled request with
	 * (NULL when it no longer knew it); end->lost is set already when now
	 * is at risk. Default: "cancelled". */
	void (*cancelled)(struct op *o, const struct op_step *now, const struct lb_error *said,
	                  struct op_end *end);
	/* Optional: a signal (model_storage_interrupt) while o waits in step
	 * now. True: cancel the request in flight (its answer comes as
	 * LB_CANCELLED). */
	bool (*interrupt)(struct op *o, const struct op_step *now);
};

/* Tell done why a change was not started (nothing was sent). 0. */
http_id op_refuse(const struct op_done *done, enum lb_status st, const char *msg);

/* A new op of prog for the room, its state zeroed; or NULL once done was
 * told why not: no room ID (LB_USAGE; room_id may be NULL for a program
 * outside rooms), read-only mode refusing guard
 * (the first endpoint the op would change the project with), a model
 * that is stopping when guard is a MUTATION, out of memory. */
struct op *op_new(struct model *m, const struct op_program *prog, const char *room_id,
                  enum endpoint_id guard, const struct op_done *done);
/* Give up on o before it runs: free it, tell its callback. 0. */
http_id op_drop(struct op *o, enum lb_status st, const char *msg);
/* Run o from first inside the model. Returns the first request's id, 0
 * when o ended at once (done was told). */
http_id op_run(struct model *m, struct op *o, const struct op_step *first);

void *op_state(const struct op *o);
/* The room the op is about; "" when it has none. */
const char *op_room(const struct op *o);
/* Revalidate what the room holds of kind k when o ends (up to
 * OP_MAX_INVALIDATE kinds an op). */
#define OP_MAX_INVALIDATE 4
void op_invalidate(struct op *o, const struct kind *k);
/* Keep doc (which must stay valid until o ends) in a file before a
 * destructive step (kept_save, kind "storage" for a room's Storage).
 * False with err (why the file could not be written). */
bool op_keep(struct op *o, const char *kind, const char *doc, size_t len, struct lb_error *err);

#endif
