/* The cache machinery of the model, shared by model.c (rooms) and
 * model_storage.c (what lives inside a room). Not for views or commands:
 * they use model.h and model_storage.h.
 *
 * Rules for code that uses it (the same model.c follows):
 * - every public entry point and every transport callback runs between
 *   mi_enter() and mi_leave(); resources are only evicted when the
 *   outermost call leaves, so no pointer held up the stack goes stale;
 * - data changes are followed by mi_changed() once the resource is
 *   consistent (listeners may re-enter the model);
 * - a request is a struct req owned by its callback; a load's callback
 *   starts with mi_load_begin() and ends with mi_load_end(). */
#ifndef LB_MODEL_IMPL_H
#define LB_MODEL_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum req_kind { REQ_LOAD, REQ_MORE, REQ_MUTATION };
enum mut_kind { MUT_CREATE, MUT_UPDATE, MUT_DELETE };

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
	/* room mutations (model.c) */
	enum mut_kind mut;
	char *room_id;
	model_done_fn done;
	void *ud;
	/* Requests of other modules: their state, and what model_free calls
	 * when it drops a request no callback will ever end (the owner reports
	 * LB_CANCELLED and frees ext; the model frees q). */
	void *ext;
	void (*abandon)(struct req *q);
};

/* What a resource kind defined outside model.c needs from the machinery. */
struct res_ops {
	/* Submit the load (REQ_LOAD, first page or revalidation) or next page
	 * (REQ_MORE, from q->cursor) of q->r, with a callback that ends in
	 * mi_load_begin / mi_load_end. Returns the api's id. */
	http_id (*submit)(struct model *m, struct req *q);
	/* Free the kind's own data (the byte count is settled by the model). */
	void (*clear)(struct model *m, struct resource *r);
	/* Paged kinds: drop the pages of a revalidation in progress. */
	void (*discard)(struct model *m, struct resource *r);
	bool paged; /* model_more applies */
};

struct model_internal {
	struct model *m;
	const struct res_ops *ops; /* NULL for rooms and room lists */
	void *ext;                 /* a kind's own state (its ops->clear frees it) */
	int refs;
	unsigned long long used;   /* LRU stamp */
	size_t bytes;              /* charged to model.bytes */
	struct req *req;           /* the one request in flight */
	enum res_state prev_state; /* restored by model_cancel */
	bool dirty;                /* invalidated while a load was in flight */
	bool loaded;               /* loaded successfully at least once */
	size_t cap_rooms;
	int pages; /* pages in the visible list */
	/* A list being (re)loaded: pages land here and are swapped in whole
	 * (shadow for rooms, vshadow for versions). */
	struct room *shadow;
	size_t n_shadow;
	size_t cap_shadow;
	struct version *vshadow;
	size_t n_vshadow;
	size_t cap_vshadow;
	int shadow_pages;    /* pages in the shadow */
	size_t cap_versions; /* capacity of resource.versions */
	/* The cursors the server gave since the last first page: one it gives
	 * again would start a loop, so it ends the list instead. */
	char **cursors;
	size_t n_cursors;
};

struct listener {
	model_listener_fn fn;
	void *ud;
};

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
	/* model_storage.c: what the server turned out to have (0 not known
	 * yet, 1 yes, 2 no). */
	int json_patch;
	int version_paths; /* 1: the SDK's /versions paths, 2: the reference's /version */
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
struct resource *mi_find(struct model *m, enum res_kind kind, const char *key);
struct resource *mi_find_room(struct model *m, const char *id);
/* A new, empty resource added to the model; takes key (freed on failure).
 * ops is NULL for the kinds of model.c. */
struct resource *mi_resource_add(struct model *m, char *key, enum res_kind kind,
                                 const struct res_ops *ops);
/* Remove a resource just added (the last one) and free it. */
void mi_resource_drop_last(struct model *m, struct resource *r);
/* The RES_ROOM resource of a room, created when asked. */
struct resource *mi_room_resource(struct model *m, const char *id, bool create);
/* Take a reference for a caller and load or revalidate as needed. */
void mi_acquire(struct model *m, struct resource *r);

/* Requests. */
/* A new request counted as busy and on the model's list (NULL on OOM). */
struct req *mi_req_new(struct model *m, struct resource *r, enum req_kind kind);
/* Take q off the model's list (the model no longer waits for it). */
void mi_req_unlink(struct model *m, struct req *q);
void mi_req_free(struct req *q);

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

/* Paged lists (rooms, versions). */
/* Make room for need items of size bytes in the growable array v (cap
 * allocated); *out is the array to use. False on allocation failure
 * (v unchanged). */
bool mi_reserve(void *v, size_t *cap, size_t need, size_t size, void **out);
/* The next cursor of a page of r (*next, taken), or NULL at the end: also
 * when the server answers with a cursor it gave before (the one it was
 * sent, or any since the first page), which would loop forever. */
char *mi_take_cursor(struct resource *r, char **next, const char *sent);
/* Forget r's cursors (resource_free). */
void mi_cursors_clear(struct resource *r);
/* A page of a (re)load is in the shadow (counted in shadow_pages). True
 * when the load goes on: the next page was requested with cursor (freed),
 * or that failed. False when the shadow is complete: swap it in, then call
 * mi_list_swapped. */
bool mi_page_more(struct model *m, struct resource *r, struct req *q, char *cursor);
/* The shadow is the visible list now: pages, cursor (taken), complete;
 * the load succeeded. */
void mi_list_swapped(struct model *m, struct resource *r, char *cursor);
/* The next page (model_more) failed: the list stays, with the error (none
 * for a cancel). */
void mi_more_failed(struct model *m, struct resource *r, const struct lb_error *err);
/* The next page was appended to the visible list: cursor (taken). */
void mi_more_appended(struct model *m, struct resource *r, char *cursor);

/* Bit masks of resource kinds, for invalidation. */
#define KIND(k) (1u << (k))
/* Held resources of these kinds (KIND bits) of the room go stale and
 * reload, also from an error (model_storage.c). */
void mi_invalidate_room_kinds(struct model *m, const char *room_id, unsigned kinds);

/* Rooms. */
/* No data any more, gone, with why. */
void mi_mark_gone(struct model *m, struct resource *r, const struct lb_error *err);
/* The room resource now holds the server's copy. */
void mi_room_store(struct model *m, const struct room *room);
/* Put the server's copy in the lists that show a room with old_id (the
 * room's own ID when old_id is NULL). */
void mi_replace_in_lists(struct model *m, const char *old_id, const struct room *room);
/* Every list is stale; held ones reload. */
void mi_invalidate_lists(struct model *m);
/* Drop the room from every cached list. */
void mi_remove_from_lists(struct model *m, const char *id);
/* Held resources inside the room (kinds with ops) go stale and reload. */
void mi_invalidate_room_data(struct model *m, const char *id);

#endif
