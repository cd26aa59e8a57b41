/* The cached model layer. Views ask it for resources by what they are (the
 * rooms list with a filter, one room); it answers at once from the cache and
 * loads or revalidates in the background, one request per resource however
 * many ask. Listeners hear about every change. */
#ifndef LB_MODEL_H
#define LB_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "api_storage.h"
#include "error.h"
#include "query.h"
#include "room.h"

enum res_state {
	RES_EMPTY,   /* never loaded */
	RES_LOADING, /* first load in flight, nothing to show yet */
	RES_FRESH,   /* loaded, younger than the staleness limit */
	RES_STALE,   /* loaded, but old or invalidated by a mutation */
	RES_ERROR,   /* the last load failed and there is nothing to show */
};


/* The items of a list resource (rooms, versions, active users): the
 * kind's item type, in one array, and where its pages stand. Read it
 * through model_count, model_room_at ... below. */
struct model_list {
	void *items;
	size_t n;
	size_t cap;        /* items allocated */
	char *next_cursor; /* NULL when complete */
	bool complete;     /* every page is loaded */
	bool paging;       /* the next page is loading */
};

struct resource {
	char *key;               /* "/v2/rooms?<filter key>", "/v2/rooms/<id>", ... */
	enum res_state state;
	bool busy;               /* a request is in flight for it */
	bool has_data;
	long long fetched_ms;    /* monotonic time of the last successful load */
	long long busy_since_ms; /* when the request in flight started */
	struct lb_error err;     /* the last failure (kept while stale data shows) */
	unsigned generation;     /* bumped on every change */

	/* The room it belongs to (a room's own resource: that room); NULL for none. */
	char *room_id;
	bool gone;               /* deleted, renamed, or answered 404 */
	char *renamed_to;        /* a room's own: the new ID after a rename (gone) */

	/* Its data, by the shape of its kind (src/model/kind.h): a list's
	 * items, or one object (the room, the document; a job's own state);
	 * and what it was asked with (the rooms filter, the document's
	 * options), owned by it and freed through its kind. */
	struct model_list list;
	void *obj;
	void *args;

	/* internal */
	struct model_internal *priv;
};

/* One item of a job (a fan-out, a bulk job) as the model's job core keeps
 * it. The items of each kind of job start with JOB_ITEM_HEAD: the same
 * fields under the same names, their state in the kind's own enum. */
#define JOB_ITEM_FIELDS(state_type)                                                                \
	char *arg;             /* what the item is about */                                        \
	state_type state;      /* JOB_QUEUED, JOB_IN_FLIGHT, or how it ended */                    \
	enum lb_status status; /* of its last outcome */                                           \
	long http_status;      /* 0 when no answer came */                                         \
	char *error;           /* one line (lb_error_format), NULL when none */

struct job_item {
	JOB_ITEM_FIELDS(int)
};

#define JOB_ITEM_HEAD(state_type)                                                                  \
	union {                                                                                    \
		struct job_item job;                                                               \
		struct {                                                                           \
			JOB_ITEM_FIELDS(state_type)                                                \
		};                                                                                 \
	}

/* The states every job's items pass through; from JOB_ENDED on, each job
 * names how its items end. */
enum { JOB_QUEUED, JOB_IN_FLIGHT, JOB_ENDED };

struct model_options {
	size_t memory_budget;    /* bytes of cached data; LRU eviction above it */
	long long stale_after_ms;/* a fresh resource becomes stale after this */
	bool read_only;          /* every mutation refuses with LB_READONLY */
	/* Monotonic milliseconds; NULL = now_ms(). Tests pass a fake clock. */
	long long (*clock_ms)(void);
	/* Live watching (src/res/live_watch.h): the loop a room's socket joins
	 * (NULL: no socket, watches poll), the user ID its token is made for
	 * (NULL: "lbtui"), and watch = poll. They must outlive the model. */
	struct http *http;
	const char *watch_user;
	bool watch_poll;
};

void model_options_default(struct model_options *o); /* 16 MiB, 30 s */

struct model;

typedef void (*model_listener_fn)(struct resource *r, void *ud);

/* The model keeps a pointer to api, which must outlive it. */
struct model *model_new(struct api *api, const struct model_options *o);
/* Cancel what is in flight (mutation callbacks get LB_CANCELLED) and free
 * everything; resources must not be used afterwards. Not from a callback. */
void model_free(struct model **m);

/* Called after every change to any resource (state, data, error). */
void model_listen(struct model *m, model_listener_fn fn, void *ud);
/* Stop calling a listener added with model_listen. */
void model_unlisten(struct model *m, model_listener_fn fn, void *ud);

/* The rooms list for a filter / one room, with a new reference the caller
 * releases with model_release. Starts the first load, or a background
 * revalidation when the cached copy is stale. Never NULL but on OOM. */
struct resource *model_rooms(struct model *m, const struct room_filter *f);
struct resource *model_room(struct model *m, const char *id);
void model_release(struct model *m, struct resource **r);

/* Load it if it is empty, stale or failed (no-op while busy or fresh). */
void model_need(struct model *m, struct resource *r);
/* Revalidate now, whatever its age (no-op while a request is in flight). */
void model_refresh(struct model *m, struct resource *r);
/* Load the next page of a list (no-op when complete, or while a request is
 * in flight for it: paging or revalidating). */
void model_more(struct model *m, struct resource *r);
/* Pages of a list in view so far (0 before the first is in). */
int model_pages(const struct resource *r);
/* Cancel what is in flight for it; it keeps what it had. */
void model_cancel(struct model *m, struct resource *r);
/* Mark fresh resources older than the limit stale, and resume the jobs
 * (fan-outs, bulk jobs, the moderation queue) whose wait after a 429 is
 * over (call from a timer). */
void model_tick(struct model *m);
/* For the loop: milliseconds until a job waiting out a 429 may send
 * again (0: now; then call model_tick), -1 when none waits. */
int model_timeout_ms(struct model *m);

/* Age of the data in seconds, -1 when never loaded. */
long long model_age_s(const struct resource *r);

/* Reading a resource's data. Each answers for the resources it names and
 * gives 0, NULL or false for any other, and before data came. */
/* The name of its kind: "rooms", "room", "storage", "versions" ... */
const char *model_kind_name(const struct resource *r);
/* Items in a list (rooms, versions, active users). */
size_t model_count(const struct resource *r);
/* Every page of a list is in. */
bool model_complete(const struct resource *r);
/* The next page of a list is loading. */
bool model_paging(const struct resource *r);
/* The cursor of a list's next page; NULL when complete. */
const char *model_next_cursor(const struct resource *r);
/* Room i of a list of rooms. The items of a list are one array:
 * model_room_at(r, 0) is its first of model_count(r). */
const struct room *model_room_at(const struct resource *r, size_t i);
/* The room of model_room (the server's copy; NULL without one). */
const struct room *model_room_of(const struct resource *r);
/* The filter a rooms list was asked with. */
const struct room_filter *model_rooms_filter(const struct resource *r);

/* Mutations. done is called once with the error (LB_OK on success) and the
 * room the server returned (NULL for delete or on error). The room resource
 * is updated from the response, every rooms list is marked stale, and lists
 * that are held are revalidated. */
typedef void (*model_done_fn)(const struct lb_error *err, const struct room *room, void *ud);
http_id model_room_create(struct model *m, const struct room_create *c, bool idempotent,
			  model_done_fn done, void *ud);
http_id model_room_update(struct model *m, const char *id, const struct room_update *u,
			  model_done_fn done, void *ud);
http_id model_room_delete(struct model *m, const char *id, model_done_fn done, void *ud);

/* Room IDs known to the cache (for completion), sorted, deduplicated;
 * the strings belong to the model and are valid until the next change. */
size_t model_room_ids(struct model *m, const char *prefix, const char **out, size_t max);
/* User IDs known to the cache (room accesses, comment authors and
 * mentions, group members, the users of inboxes and settings read, active
 * users), as model_room_ids. */
size_t model_user_ids(struct model *m, const char *prefix, const char **out, size_t max);

/* Cached data in bytes, and requests in flight. */
size_t model_bytes(const struct model *m);
int model_busy_count(const struct model *m);
/* Changes in flight (room and Storage changes, each of their requests):
 * what a program stopping should wait for, since it may be done. */
int model_changes_in_flight(const struct model *m);
bool model_read_only(const struct model *m);
/* What a live watch needs of the model: its API, its options. */
struct api *model_api(struct model *m);
const struct model_options *model_options_of(const struct model *m);

#endif
