/* The kinds of resource the model holds, each a row of its own defined
 * beside the code it is about (rooms in model.c; documents and active
 * users in model_storage.c; versions and threads in their families'
 * files; the jobs' in fanout.c and bulk.c), and the types of
 * the items they hold. The core of the model reads only these rows: a kind
 * added is a row and an item type (the row's address is its identity),
 * with nothing to change in the core.
 * Internal to the model: views and commands use model.h's accessors. */
#ifndef LB_KIND_H
#define LB_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct req;

/* A page of a list as decoded: n items of the type in one malloc'd array
 * (moved to whoever takes it), and the next page's cursor (NULL on the
 * last). */
struct item_page {
	void *items;
	size_t n;
	char *next;
};

/* What the model needs to know of the items it keeps. */
struct item_type {
	const char *name; /* "room" */
	size_t size;      /* of one item */
	/* A page of a list from the body of its answer; args are the
	 * resource's request arguments. False with err set. NULL for a type
	 * never listed. */
	bool (*decode_page)(const char *body, size_t len, const void *args, struct item_page *out,
	                    struct lb_error *err);
	/* One object into item (size bytes, zeroed); false with err set (the
	 * caller clears the item). NULL for a type never kept alone. */
	bool (*decode_one)(const char *body, size_t len, const void *args, void *item,
	                   struct lb_error *err);
	/* Free what the item holds (not the item itself). */
	void (*clear)(void *item);
	/* What it costs, itself included: charged to the memory budget. */
	size_t (*bytes)(const void *item);
	/* Its ID, for the selection, de-duplication and updates by ID; NULL
	 * for a type without one. */
	const char *(*id)(const void *item);
	/* A deep copy into dst; false on allocation failure (dst then holds
	 * nothing). NULL for a type never copied. */
	bool (*copy)(void *dst, const void *src);
	/* The users the item names (who has access, who wrote or is
	 * mentioned, who is a member), each handed to add; the strings are
	 * the item's. NULL: none. For completing user IDs. */
	void (*user_ids)(const void *item, void (*add)(void *ctx, const char *id), void *ctx);
};

enum kind_shape {
	KIND_LIST,   /* a list of items read a page at a time (resource.list) */
	KIND_OBJECT, /* one item (resource.obj) */
	KIND_JOB,    /* many requests as one, run by the job core (job.h): fan-out, bulk */
};

/* How a list asks for its pages: the query parameter that carries the
 * server's nextCursor back, and the page size asked. */
struct kind_paging {
	const char *cursor_param; /* "startingAfter", "cursor"; NULL: a single page */
	int page_size;            /* limit=N; 0: the server's default */
};

struct kind {
	const char *name;
	enum kind_shape shape;
	enum endpoint_id ep; /* the GET it reads (lists and objects) */
	const struct item_type *item;
	struct kind_paging paging;
	/* Its request arguments (resource.args, owned by the resource): the
	 * query they add to the GET (encoded, without '?', "" for none; NULL
	 * when out of memory), a page size that overrides paging.page_size
	 * when above 0, and how to free them. Each optional. */
	char *(*args_query)(const void *args);
	int (*args_page_size)(const void *args);
	void (*args_free)(void *args);
	/* The path parameter after the room, from the arguments, for a GET
	 * whose path names more than the room (a thread's ID). Optional. */
	const char *(*args_param)(const void *args);
	/* A 404 to its load: the thing itself is gone (a room). NULL: a
	 * failure like any other. */
	void (*missing)(struct model *m, struct resource *r, const struct lb_error *err);
	/* The resource is about a user (/v2/users/{userId}/...), whom its
	 * room_id holds: a user ID the cache has seen. */
	bool about_user;
	/* KIND_JOB: start a load (a run) of q->r, ending q as a load's
	 * callback does (mi_load_begin ... mi_load_end); and free the state
	 * it keeps in resource.obj. */
	http_id (*submit)(struct model *m, struct req *q);
	void (*clear)(struct model *m, struct resource *r);
};

#endif
