/* The cache machinery of the model, shared by model.c (the core and the
 * rooms), model_list.c (the paged list), model_storage.c (what lives
 * inside a room), ops.c and its programs (changes), job.c and its
 * policies (fan-outs, bulk jobs). Not for views or commands: they use
 * model.h and model_storage.h.
 *
 * Rules for code that uses it (the same model.c follows):
 * - every public entry point and every transport callback runs between
 *   mi_enter() and mi_leave(); resources are only evicted when the
 *   outermost call leaves, so no pointer held up the stack goes stale;
 * - data changes are followed by mi_changed() once the resource is
 *   consistent (listeners may re-enter the model);
 * - a request is a struct req owned by its callback, which starts with
 *   mi_answer_begin() and ends with mi_answer_end() (a load's:
 *   mi_load_begin(), mi_load_end()). */
#ifndef LB_MODEL_IMPL_H
#define LB_MODEL_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "kind.h"
#include "model.h"

enum req_kind { REQ_LOAD, REQ_MORE, REQ_MUTATION };

struct req {
	struct req *prev, *next; /* in model.reqs while the model waits for it */
	struct model *m;         /* NULL once the model is freed */
	struct resource *r;      /* NULL for mutations and once detached */
	enum req_kind kind;
	http_id id;
	bool starting;    /* inside the api call that submits it */
	bool finished;    /* its callback ran while starting */
	bool cancel_sent; /* api_cancel was called: the callback frees it */
	bool counted;     /* counted in model.busy */
	bool change;      /* it changes something: waited for when stopping */
	/* list pages */
	char *cursor;     /* the cursor sent, NULL for the first page */
	int target_pages; /* pages to (re)load before the list is swapped in */
	/* Requests of other modules: their state, and what model_free calls
	 * when it drops a request no callback will ever end (the owner reports
	 * LB_CANCELLED and frees ext; the model frees q). */
	void *ext;
	void (*abandon)(struct req *q);
};

struct model_internal {
	struct model *m;
	const struct kind *kind;   /* its row */
	int refs;
	unsigned long long used;   /* LRU stamp */
	size_t bytes;              /* charged to model.bytes */
	struct req *req;           /* the one request in flight */
	enum res_state prev_state; /* restored by model_cancel */
	bool dirty;                /* invalidated while a load was in flight */
	bool loaded;               /* loaded successfully at least once */
	int pages;                 /* pages in the visible list */
	/* A list being (re)loaded: pages land here and are swapped in whole,
	 * so the rows under the user's cursor never vanish meanwhile. */
	struct model_list shadow;
	int shadow_pages;
	/* The cursors the server gave since the last first page: one it gives
	 * again would start a loop, so it ends the list instead. */
	char **cursors;
	size_t n_cursors;
};

struct listener {
	model_listener_fn fn;
	void *ud;
};

/* How many things mi_learn keeps. */
#define MI_MAX_LEARNED 8

struct model {
	struct api *api;
	struct model_options opt;
	struct resource **res;
	size_t n_res;
	size_t cap_res;
	struct listener *ls;
	size_t n_ls;
	struct req *reqs;
	size_t bytes;
	int busy;
	unsigned long long clock;
	int depth;
	/* What the server turned out to have (mi_learned). */
	struct learned {
		const void *what;
		int value;
	} learned[MI_MAX_LEARNED];
	/* Changes are being stopped (model_storage_interrupt): new ones are
	 * refused; rewrites that ended with the previous document only in a
	 * file. */
	bool storage_stopping;
	int storage_lost;
};

/* Outcome of starting a request. */
enum start { START_FAILED = -1, START_DONE = 0, START_IN_FLIGHT = 1 };

/* Bookkeeping. */
void mi_enter(struct model *m);
void mi_leave(struct model *m);
long long mi_now(const struct model *m);
/* Add and remove bytes charged to r (and the model). */
void mi_charge(struct model *m, struct resource *r, size_t add, size_t sub);
/* Call the listeners; mi_changed bumps the generation first. */
void mi_notify(struct model *m, struct resource *r);
void mi_changed(struct model *m, struct resource *r);
void mi_touch(struct model *m, struct resource *r);

/* Resources. */
/* The resource of that kind and key, or NULL. */
struct resource *mi_find(struct model *m, const struct kind *kind, const char *key);
struct resource *mi_find_room(struct model *m, const char *id);
/* A new, empty resource of kind k added to the model; takes key (freed on
 * failure). */
struct resource *mi_resource_add(struct model *m, char *key, const struct kind *k);
/* The resource of kind k and key, referenced (mi_acquire), created when
 * new with room_id (copied, may be NULL) and args (taken: freed through
 * k when not used, also on failure). NULL when out of memory. Takes
 * key. */
struct resource *mi_get(struct model *m, const struct kind *k, char *key, const char *room_id,
                        void *args);
/* Remove a resource just added (the last one) and free it. */
void mi_resource_drop_last(struct model *m, struct resource *r);
/* The resource of a room itself, created when asked. */
struct resource *mi_room_resource(struct model *m, const char *id, bool create);
/* Take a reference for a caller and load or revalidate as needed. */
void mi_acquire(struct model *m, struct resource *r);

/* Requests. */
/* A new request counted as busy and on the model's list (NULL on OOM). */
struct req *mi_req_new(struct model *m, struct resource *r, enum req_kind kind);
/* Take q off the model's list (the model no longer waits for it). */
void mi_req_unlink(struct model *m, struct req *q);
void mi_req_free(struct req *q);
/* q no longer counts as busy; it stays on the model's list. */
void mi_req_uncount(struct model *m, struct req *q);
/* The life of a request of any owner (a load, an op, a job's item), whose
 * answer may come before the call that sends it returns:
 *
 *   q->starting = true;
 *   if (!mi_req_sent(q, api_send(m->api, ep, &args, on_answer, q)))
 *           return;   (it ended inside: q is freed)
 *
 *   static void on_answer(struct api_storage_result *res, void *ud)
 *   {
 *           struct req *q = ud;
 *           struct mine *o = q->ext;      (taken before anything else)
 *           struct model *m;
 *
 *           q->ext = NULL;
 *           m = mi_answer_begin(q);       (NULL: the model was freed)
 *           ...
 *           mi_answer_end(m, q);
 *   }
 *
 * mi_req_sent: false when q's callback already ran inside the call (q is
 * freed), else q->id is set. */
bool mi_req_sent(struct req *q, http_id id);
/* NULL when the model was freed (nothing entered); else the model,
 * entered, with q off its list. */
struct model *mi_answer_begin(struct req *q);
/* q is freed, or left to mi_req_sent when the callback ran inside the
 * call that sends it; m (when not NULL) is left. */
void mi_answer_end(struct model *m, struct req *q);
/* Cancel q at the transport, or once it is sent when it is being sent.
 * False when no answer will come: q is then off the model's list and
 * freed, and its owner reports the cancel itself. */
bool mi_req_cancel(struct model *m, struct req *q);

/* Loading. */
/* Start the first load or a revalidation (no-op while one is in flight). */
void mi_start_load(struct model *m, struct resource *r);
/* Request one page of a paged list (cursor NULL for the first) as part of
 * a (re)load of target pages. */
enum start mi_start_page(struct model *m, struct resource *r, const char *cursor, int target);
/* Start of a load callback: NULL when the model was freed (q is freed
 * then, nothing else to do). Otherwise the model is entered, q is off its
 * books, and *r is the resource to update (NULL when it was cancelled). */
struct model *mi_load_begin(struct req *q, struct resource **r);
/* End of a load callback (after mi_load_begin returned m). */
void mi_load_end(struct model *m, struct req *q);
/* A load succeeded: the data is in place; fresh, timestamped, notified,
 * and reloaded at once if it was invalidated meanwhile. */
void mi_load_ok(struct model *m, struct resource *r);
/* A load failed (or was cancelled: then the old state comes back). */
void mi_load_failed(struct model *m, struct resource *r, const struct lb_error *err);
/* After a load ended: reload if it was invalidated meanwhile and held. */
void mi_after_load(struct model *m, struct resource *r);
/* A load failed: mi_load_failed then mi_after_load; out of memory. */
void mi_load_fail(struct model *m, struct resource *r, const struct lb_error *err);
void mi_load_nomem(struct model *m, struct resource *r);
/* Stale now: reloaded at once when held, after the current request when
 * busy. */
void mi_invalidate(struct model *m, struct resource *r);

/* The one object of r becomes item (taken; NULL for none), charged; the
 * old one is freed. */
void mi_object_set(struct model *m, struct resource *r, void *item);

/* The paged list (model_list.c), for every list kind. */
/* The answer to one of its page requests (q: REQ_LOAD for a page of a
 * first load or revalidation, which lands in the shadow list and is
 * swapped in whole once complete; REQ_MORE for the next page, appended
 * to what is shown). */
void mi_list_loaded(struct model *m, struct resource *r, struct req *q,
                    struct api_storage_result *res);
/* Drop the pages of a (re)load in progress. */
void mi_list_discard(struct model *m, struct resource *r);
/* Free the items, the shadow and the cursors (the resource goes). */
void mi_list_free(struct resource *r);
/* Item i of r's list when r lists items of type t, else NULL. */
const void *mi_list_at(const struct resource *r, const struct item_type *t, size_t i);
/* Every list of items of type t, by the items' IDs: in each, the item
 * with ID old_id becomes a copy of item (its own ID when old_id is NULL);
 * the item with ID id goes, also from a list being reloaded; */
void mi_lists_replace(struct model *m, const struct item_type *t, const char *old_id,
                      const void *item);
void mi_lists_remove(struct model *m, const struct item_type *t, const char *id);
/* and each goes stale (held ones reload, busy ones after their request). */
void mi_lists_invalidate(struct model *m, const struct item_type *t);

/* The kinds of what a room holds that its changes invalidate
 * (model_storage.c). */
extern const struct kind storage_kind, ydoc_kind;

/* The resource of kind k in a room, keyed "/v2/rooms/<encoded room><suffix>"
 * (suffix tells apart resources of one kind: "/storage?format=json"),
 * created on first use with args (taken), referenced. NULL when out of
 * memory or without a model or a room. */
struct resource *mi_room_get(struct model *m, const struct kind *k, const char *room_id,
                             const char *suffix, void *args);

/* What the server turned out to have, by a key a family owns (the
 * address of one of its rows or steps): 0 not known yet, else what the
 * family stored with mi_learn (which path it answers on, whether it takes
 * a request). Kept for the model's life. */
int mi_learned(const struct model *m, const void *what);
void mi_learn(struct model *m, const void *what, int value);

/* Held resources of this kind in the room go stale and reload, also from
 * an error (model_storage.c). */
void mi_invalidate_room_kind(struct model *m, const char *room_id, const struct kind *k);

/* Rooms: the room kinds' wrappers over the above. */
/* No data any more, gone, with why. */
void mi_mark_gone(struct model *m, struct resource *r, const struct lb_error *err);
/* The room resource now holds the server's copy. */
void mi_room_store(struct model *m, const struct room *room);
/* Put the server's copy in the lists that show a room with old_id (the
 * room's own ID when old_id is NULL). */
void mi_replace_in_lists(struct model *m, const char *old_id, const struct room *room);
/* Every list of rooms is stale; held ones reload. */
void mi_invalidate_lists(struct model *m);
/* Drop the room from every cached list. */
void mi_remove_from_lists(struct model *m, const char *id);
/* Held resources inside the room (all but the room itself) go stale and
 * reload. */
void mi_invalidate_room_data(struct model *m, const char *id);

#endif
