/* A bulk job: N changes (resolve or delete hundreds of comments across
 * many rooms) sent with a bounded number in flight, as one resource of
 * the model (its kind "bulk job") that listeners hear about after every item.
 *
 * Guarantees:
 * - each item is sent at most once: nothing is retried on its own (the
 *   http layer never resends a change either) but for a 429, which says
 *   the server did not act: the item goes back to the queue;
 * - every item ends with its outcome: done, failed (with its error; the
 *   server answered no, or the request never went out), unknown (sent and
 *   no answer, LB_UNSURE: it may or may not have been applied) or
 *   cancelled (never sent);
 * - bulk_retry re-queues the failed items only; unknown ones only when
 *   asked by name, since sending them again may apply them twice;
 * - a 429 pauses every send of every bulk job of the model until its
 *   Retry-After (or a growing wait when it gave none) is over; the loop
 *   asks bulk_timeout_ms when to call bulk_tick;
 * - bulk_cancel sends nothing more: queued items end cancelled, those in
 *   flight finish and say how;
 * - read-only mode refuses the job before anything is sent.
 *
 * An item is sent by the spec's send function, which calls api_send
 * with bulk_api_done as its callback and the ticket as its ud:
 *
 *   static http_id delete_room(struct api *a, size_t i, const char *id, void *ud,
 *                              void *ticket)
 *   {
 *           const struct api_send_args args = {.params = {id}};
 *
 *           return api_send(a, EP_ROOM_DELETE, &args, bulk_api_done, ticket);
 *   }
 *
 * It takes a 429's Retry-After from the answer (the http layer hands it
 * up); a send of its own kind answers with bulk_answer.
 *
 * model_release drops the caller's reference: the job goes on, and its
 * resource is evicted once nothing is left to send. model_free ends it at
 * once (items in flight are then unknown). model_refresh sends nothing. */
#ifndef LB_BULK_H
#define LB_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "model.h"

#define BULK_MAX_IN_FLIGHT  4
#define BULK_WAIT_MS        1000   /* the first wait after a 429 without Retry-After */
#define BULK_MAX_WAIT_MS    300000 /* the longest wait, whatever the server says */
#define BULK_MAX_RATE_LIMIT 10     /* 429s for one item before it fails */

/* Send item i (arg is its string from spec.args): call api_send with
 * bulk_api_done and ud = ticket, and return what it returns. */
typedef http_id (*bulk_send_fn)(struct api *a, size_t i, const char *arg, void *ud, void *ticket);

struct bulk_spec {
	const char *what;        /* for read-only refusals: "resolving comments is" */
	size_t n;                /* items */
	const char *const *args; /* n strings (copied), what each item is about */
	bulk_send_fn send;
	/* Called after item i ended (any outcome), before the listeners; the
	 * same rules as a listener. Optional. */
	void (*item_ended)(struct resource *r, size_t i, void *ud);
	void *ud;                  /* given to the functions above */
	void (*ud_free)(void *ud); /* frees ud with the resource (optional) */
	int max_in_flight;         /* 0: BULK_MAX_IN_FLIGHT */
	long wait_ms;              /* 0: BULK_WAIT_MS */
	long max_wait_ms;          /* 0: BULK_MAX_WAIT_MS */
	int max_rate_limited;      /* 0: BULK_MAX_RATE_LIMIT */
};

enum bulk_state {
	BULK_QUEUED = JOB_QUEUED,
	BULK_IN_FLIGHT = JOB_IN_FLIGHT,
	BULK_DONE = JOB_ENDED,
	BULK_FAILED,    /* not applied: the server refused, or it never went out */
	BULK_UNKNOWN,   /* sent without an answer: maybe applied */
	BULK_CANCELLED, /* never sent */
};

struct bulk_item {
	/* arg, state, status (of its last outcome), http_status (0 when no
	 * answer came), error (model.h): one line saying why it failed, is
	 * unknown or was cancelled; for a done item NULL, or what was wrong
	 * with an answer that said it was applied */
	JOB_ITEM_HEAD(enum bulk_state);
	int sends;        /* times it went to the transport */
	int rate_limited; /* 429s it got since it was queued */
};

struct bulk_progress {
	size_t total;
	size_t done;
	size_t failed;
	size_t unknown;
	size_t cancelled;
	size_t queued;
	size_t in_flight;
	long long wait_ms; /* until the rate limit's pause is over; 0 when none */
	bool cancelling;   /* cancelled, items still in flight */
};

/* A new job, with a reference for the caller; sending starts at once.
 * NULL with err set in read-only mode (LB_READONLY: nothing was sent) or
 * on out of memory. Takes spec->ud (freed with ud_free when the resource
 * goes, or at once on failure). */
struct resource *model_bulk(struct model *m, const struct bulk_spec *spec, struct lb_error *err);

/* The callback for api_send (api_storage_done_fn): ud is the ticket. */
void bulk_api_done(struct api_storage_result *res, void *ticket);
/* The same for any other way of sending: the item's outcome, its HTTP
 * status (0 when no answer came), and for a 429 the Retry-After in
 * milliseconds (-1 when not given). */
void bulk_answer(void *ticket, const struct lb_error *err, long status, long retry_after_ms);

/* An item sent as two requests, a read and then the change (a delete
 * that first checks what it deletes): the send function sends the read
 * with a callback of its own and the ticket as its ud, and returns what
 * api_send returns. That callback asks bulk_ticket for the spec's ud and
 * the item (false: the model or the job is gone; it ends with
 * bulk_api_done(res, ticket) then), and ends the item with bulk_api_done
 * or bulk_answer, or sends the change with bulk_send_next, whose send
 * calls api_send with bulk_api_done as a one-request send does. A job
 * cancelled meanwhile sends nothing more: the item ends cancelled. An
 * item's sends count its first requests. */
bool bulk_ticket(void *ticket, void **ud, size_t *i);
void bulk_send_next(void *ticket, bulk_send_fn send);
/* The spec's ud of job r (what its items are about); NULL for another
 * resource. */
void *bulk_ud(const struct resource *r);

/* Send nothing more: queued items end cancelled; those in flight finish.
 * (model_cancel does nothing to a job.) */
void bulk_cancel(struct model *m, struct resource *r);

/* What bulk_retry sends again. */
enum {
	BULK_RETRY_FAILED = 1,
	BULK_RETRY_UNKNOWN = 2, /* may apply a change twice: only when asked */
	BULK_RETRY_CANCELLED = 4,
};
/* Queue again the items in the states named by what (BULK_RETRY_*) and
 * send them; returns how many. */
size_t bulk_retry(struct model *m, struct resource *r, unsigned what);

/* Where it stands; false when r is not a bulk job. */
bool bulk_progress(const struct resource *r, struct bulk_progress *p);
/* "37/200 done, 2 failed, 1 unknown, waiting for rate limit 3s" into buf. */
const char *bulk_progress_line(const struct resource *r, char *buf, size_t n);
/* Item i, or NULL. Valid until the next change to r. */
const struct bulk_item *bulk_item(const struct resource *r, size_t i);

/* For the loop: milliseconds until a paused job may send again (0: now),
 * -1 when none waits; and the call that resumes them. */
int bulk_timeout_ms(struct model *m);
void bulk_tick(struct model *m);
/* Items of every job still queued or in flight (before quitting). */
size_t bulk_pending(const struct model *m);

#endif
