/* The job core: many requests as one resource of the model (a kind of
 * shape KIND_JOB), sent with a bounded number in flight. It owns the
 * items' slots and their requests, the concurrency, the count of items in
 * each state, the resource, the cancel, each item's outcome (struct
 * job_item: its state, status, HTTP status and words), the notifications,
 * and the pause a 429 asks for, shared by the jobs of one kind.
 *
 * A policy says the rest (fanout.c: reads; bulk.c: changes): how an
 * answer is read and which state the item ends in, whether it may send
 * now, what the resource shows and what a load of it does. Its state is a
 * struct that starts with struct job; its items start with struct
 * job_item (fanout.h and bulk.h show how).
 *
 * Internal to the model: callers use fanout.h and bulk.h. */
#ifndef LB_JOB_H
#define LB_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "kind.h"
#include "model.h"

/* States an item can be in: JOB_QUEUED, JOB_IN_FLIGHT and the policy's. */
#define JOB_STATES 8

struct job;
struct job_slot;

/* Send item i (arg is its string): call api_send with the job's callback
 * (job_api_done, or the policy's that calls it) and ud = ticket, and
 * return what it returns. */
typedef http_id (*job_send_fn)(struct api *a, size_t i, const char *arg, void *ud, void *ticket);

/* How an item's request ended, as the policy hears it. One that never
 * went out, or never will answer, comes with status 0 and err saying so. */
struct job_answer {
	const struct lb_error *err; /* LB_OK for a 2xx */
	long status;                /* 0 when no answer came */
	const char *body;           /* NULL when none */
	size_t len;
	long retry_after_ms; /* a 429's Retry-After, -1 when not given */
};

struct job_policy {
	/* Its row: the kind's name, and JOB_KIND_HOOKS. Its address is the
	 * kind's identity (model_kind_name, job_of). */
	struct kind kind;
	size_t size;      /* of the policy's state, which starts with struct job */
	size_t item_size; /* of an item, which starts with struct job_item */
	/* The items change the project: each request is a change
	 * (REQ_MUTATION); one handed over without an answer may have been
	 * applied (LB_UNSURE); a cancel lets those in flight finish and say
	 * how they went, as one cut off might be applied all the same.
	 * Otherwise they are reads, failed when lost and cut off by a cancel. */
	bool changes;
	int cancelled; /* the state of a queued item a cancel stops */
	/* Item i's request ended (its HTTP status is set): record how, with
	 * job_item_set (JOB_QUEUED sends it again). */
	void (*answered)(struct job *j, size_t i, const struct job_answer *a);
	/* Whether more may be sent now; NULL: always (a pause aside). */
	bool (*may_send)(const struct job *j);
	/* Item i goes to the transport now. Optional. */
	void (*sending)(struct job *j, size_t i);
	/* After each round of sending: what the resource shows. */
	void (*settled)(struct job *j);
	/* A load of the resource (its first use, model_refresh, a revisit). */
	void (*load)(struct job *j);
	/* Free what item i holds beyond its struct job_item. Optional. */
	void (*item_clear)(struct job *j, size_t i);
};

/* The kind hooks of every job: a load is the policy's load; the resource
 * going frees the job. */
http_id job_kind_submit(struct model *m, struct req *q);
void job_kind_clear(struct model *m, struct resource *r);
#define JOB_KIND_HOOKS .shape = KIND_JOB, .submit = job_kind_submit, .clear = job_kind_clear

struct job_spec {
	size_t n;                /* items */
	const char *const *args; /* n strings (copied), what each item is about */
	job_send_fn send;
	/* Called after item i ended (any outcome), before the listeners; the
	 * same rules as a listener. Optional. */
	void (*item_ended)(struct resource *r, size_t i, void *ud);
	void *ud;                  /* given to send and item_ended */
	void (*ud_free)(void *ud); /* frees ud with the job (optional) */
	size_t max_in_flight;
	/* A 429 pauses every job of the kind: for its Retry-After, or wait_ms
	 * doubled with each 429 in a row that gave none; never longer than
	 * max_wait_ms. wait_ms 0: a 429 pauses nothing. */
	long wait_ms;
	long max_wait_ms;
};

/* A job. The policy reads it; the core writes it. */
struct job {
	const struct job_policy *pol;
	struct model *m;
	struct resource *r;
	size_t n;
	size_t cap;               /* items and slots allocated (job_append grows them) */
	void *items;              /* n items of pol->item_size */
	struct job_slot *slots;   /* n: each item's request while in flight */
	size_t count[JOB_STATES]; /* items in each state */
	bool stopped;             /* cancelled: nothing more is sent */
	struct lb_error first;    /* the first error an item ended with, a cancel
	                           * giving way to any other (job_restart clears it) */
	long long pause_until;    /* no send before (model clock); 0: none */
	struct job_spec spec;     /* as given (its args are the items') */
	int streak;               /* 429s in a row without Retry-After */
	size_t next;              /* no item below it is queued */
	bool pumping;             /* inside job_settle: a nested call only asks again */
	bool again;
};

/* A new job of the policy, every item queued: the policy's state, zeroed
 * but for its struct job. NULL when out of memory (spec->ud is the
 * caller's then). */
struct job *job_new(const struct job_policy *pol, const struct job_spec *spec);
/* n more items at the end (args: n strings, copied, or NULL), queued; the
 * items and slots move (job_at's pointers go stale), requests in flight
 * follow. For what arrives while the job runs (the rooms of a listing,
 * page by page). The caller sends them with job_settle (after an answer,
 * the core does). False when out of memory: nothing is added. */
bool job_append(struct job *j, size_t n, const char *const *args);
/* j as a new resource of the model keyed key (taken), paused as long as
 * the latest pause of a job of its kind, its memory charged. NULL when
 * out of memory: j is freed, and its ud. Inside mi_enter. */
struct resource *job_add(struct model *m, struct job *j, char *key);
/* The job of r when r is one of the kind k (NULL: of any kind). */
struct job *job_of(const struct resource *r, const struct kind *k);
/* Item i (a struct job_item first), or NULL past the last. */
void *job_at(const struct job *j, size_t i);
/* Items queued or in flight. */
bool job_active(const struct job *j);

/* Item i is in state now, with err's words (NULL: none); its bytes are
 * charged to the resource. */
void job_item_set(struct job *j, size_t i, int state, const struct lb_error *err);
/* Queue every item again, each keeping its words until its new outcome,
 * and forget the first error: a new run. */
void job_restart(struct job *j);
/* Sending may go on (after a cancel too): listeners hear of it, and what
 * may be sent is. */
void job_go(struct job *j);
/* Send what may be sent, then the policy's settled. Re-entered from an
 * item that ends at once, it only asks the outer call to look again. */
void job_settle(struct job *j);
/* Send nothing more: queued items end in the policy's cancelled state;
 * reads in flight are cut off, changes finish. No-op when nothing is
 * left or it was cancelled already. */
void job_cancel(struct job *j);

/* The job and the item of a ticket whose request has not been answered
 * to the core; false when the model or the job is gone. */
bool job_ticket(void *ticket, struct job **j, size_t *i);
/* An item sent as two requests: its first was answered to the sender's
 * own callback, which sends the second with send, as the first was sent
 * (its request becomes the item's, for a cancel). A job stopped
 * meanwhile sends nothing: the item ends in the policy's cancelled
 * state. */
void job_send_next(void *ticket, job_send_fn send);

/* The callback for api_send (api_storage_done_fn): ud is the ticket. */
void job_api_done(struct api_storage_result *res, void *ticket);
/* The same from any other way of sending (err NULL: LB_OK). */
void job_answer(void *ticket, const struct lb_error *err, long status, const char *body, size_t len,
                long retry_after_ms);

/* Milliseconds until j may send again after a 429 (0 when it need not
 * wait or has nothing to send). */
long long job_wait_left(const struct job *j);
/* For the loop: milliseconds until a paused job may send again (0: now),
 * -1 when none waits; and the call that resumes them. */
int job_timeout_ms(struct model *m);
void job_tick(struct model *m);
/* Items queued or in flight in every job of kind k. */
size_t job_pending(const struct model *m, const struct kind *k);

#endif
