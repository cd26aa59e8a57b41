/* A fan-out: one read made of N child requests (the threads of every room
 * matching a query, a GET for each of many IDs), run with a bounded number
 * in flight, as one resource of the model (its kind "fan-out"). Each child
 * has its own outcome: its answer (the body, or a value decoded from it),
 * or its error. Listeners hear of every child that ends; the progress
 * counts what ended, failed and how many bytes came; the results kept are
 * bounded, and no child starts while they are over the bound.
 *
 * A child is sent by the spec's submit function, which calls api_send
 * with fanout_api_done as its callback and the ticket it was given as
 * its ud:
 *
 *   static http_id get_room(struct api *a, size_t i, const char *id, void *ud,
 *                           void *ticket)
 *   {
 *           const struct api_send_args args = {.params = {id}};
 *
 *           return api_send(a, EP_ROOM_GET, &args, fanout_api_done, ticket);
 *   }
 *
 * The model's rules hold: model_release drops the caller's reference (the
 * children go on; the resource is evicted once idle and unreferenced),
 * model_refresh and model_need on a stale or failed fan-out run it again
 * (each item keeps its previous result until the new one arrives), and
 * model_free cancels the children in flight and frees it all. */
#ifndef LB_FANOUT_H
#define LB_FANOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "model.h"

/* At most this many children in flight unless the spec says otherwise. */
#define FANOUT_MAX_IN_FLIGHT 8
/* Bytes of results kept (bodies and decoded values) unless the spec says
 * otherwise. */
#define FANOUT_MAX_KEPT (8u << 20)

/* Send child i (arg is its string from spec.args): call api_send with
 * fanout_api_done and ud = ticket, and return what it returns. */
typedef http_id (*fanout_submit_fn)(struct api *a, size_t i, const char *arg, void *ud,
                                    void *ticket);
/* Turn an answer's body into the value kept for the item (NULL with err
 * set, e.g. LB_DECODE, when it cannot); *bytes says how much memory it
 * holds. */
typedef void *(*fanout_decode_fn)(const char *body, size_t len, size_t *bytes, struct lb_error *err,
                                  void *ud);

struct fanout_spec {
	size_t n;                /* children */
	const char *const *args; /* n strings (copied), what each child is about */
	fanout_submit_fn submit;
	fanout_decode_fn decode;                   /* optional */
	void (*value_free)(void *value, void *ud); /* for decoded values */
	bool keep_body;                            /* keep each successful answer's body */
	/* Called after child i ended (any outcome), before the listeners; the
	 * same rules as a listener. Optional. */
	void (*item_ended)(struct resource *r, size_t i, void *ud);
	void *ud;                  /* given to the functions above */
	void (*ud_free)(void *ud); /* frees ud with the resource (optional) */
	int max_in_flight;         /* 0: FANOUT_MAX_IN_FLIGHT */
	size_t max_kept;           /* 0: FANOUT_MAX_KEPT */
};

enum fanout_state {
	FANOUT_QUEUED = JOB_QUEUED, /* not sent yet in this run */
	FANOUT_IN_FLIGHT = JOB_IN_FLIGHT,
	FANOUT_OK = JOB_ENDED,
	FANOUT_FAILED,
	FANOUT_CANCELLED, /* cancelled in flight, or never sent */
};

/* One child. The result (body, value) is the last successful one: a run
 * again keeps it until the new answer replaces it, and a failure leaves
 * it. */
struct fanout_item {
	/* arg, state, status (of its last outcome), http_status (0 when no
	 * answer came), error (one line, NULL unless it failed): model.h */
	JOB_ITEM_HEAD(enum fanout_state);
	char *body; /* NUL-terminated; kept with spec.keep_body */
	size_t body_len;
	void *value; /* from spec.decode */
	size_t value_bytes;
	size_t received; /* bytes of its last answer */
};

struct fanout_progress {
	size_t total;
	size_t finished; /* ended in this run: ok, failed or cancelled */
	size_t ok;
	size_t failed;
	size_t cancelled;
	size_t in_flight;
	size_t received; /* bytes of the answers of this run */
	size_t kept;     /* bytes of results kept */
	bool held;       /* children wait: the results kept are over the bound */
	bool running;
};

/* The fan-out for key, with a new reference; started (when new) or run
 * again (when stale or failed) as model_need would. A fan-out with the
 * same key is shared and its spec kept: the spec given is then unused
 * and its ud freed. NULL key: a fan-out of its own. Takes spec->ud (freed
 * with ud_free when the resource goes, or at once on failure). NULL on
 * out of memory. */
struct resource *model_fanout(struct model *m, const char *key, const struct fanout_spec *spec);

/* The callback for api_send (api_storage_done_fn): ud is the ticket. */
void fanout_api_done(struct api_storage_result *res, void *ticket);
/* The same for any other way of sending: the child's answer (status 0 and
 * no body when none came). */
void fanout_answer(void *ticket, const struct lb_error *err, long status, const char *body,
                   size_t len);

/* Cancel: the children in flight end LB_CANCELLED, the rest are not sent
 * (LB_CANCELLED too). What came before stays. (model_cancel does nothing
 * to a fan-out.) */
void fanout_cancel(struct model *m, struct resource *r);

/* Where it stands; false when r is not a fan-out. */
bool fanout_progress(const struct resource *r, struct fanout_progress *p);
/* "37/200, 2 failed, 1.2 MiB" and what it waits for, into buf. */
const char *fanout_progress_line(const struct resource *r, char *buf, size_t n);
/* Child i, or NULL. Valid until the next change to r. */
const struct fanout_item *fanout_item(const struct resource *r, size_t i);

/* Move child i's result out to the caller, who frees the body with free()
 * and the value with the spec's value_free; NULL when there is none. This
 * makes room under the bound (held children start). False when there was
 * nothing to take. */
bool fanout_take(struct model *m, struct resource *r, size_t i, char **body, size_t *len,
                 void **value);

#endif
