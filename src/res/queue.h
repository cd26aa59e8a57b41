/* The moderation queue (src/res/queue.c): the comment threads of every
 * room of the project, or of the rooms a prefix or a room query names,
 * newest first, as one resource of the model. Rooms are listed page by
 * page and each room's threads read as its page comes, in parallel; the
 * first rows are there before the last room is read. Same rules as
 * threads.h: the resource answers from what it has and loads in the
 * background; listeners hear of each room that ends. */
#ifndef LB_QUEUE_H
#define LB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "threads.h"

/* Requests in flight at most (a page of rooms and the rooms' threads). */
#define QUEUE_MAX_IN_FLIGHT 16
/* Rooms asked for in a page (the API's most). */
#define QUEUE_PAGE_SIZE 100
/* A request answered 429 this many times in a row (after the HTTP
 * layer's own retries) fails. */
#define QUEUE_MAX_REFUSED 10

struct queue_spec {
	/* Rooms whose ID starts with it (the room query's roomId ^ prefix),
	 * or NULL. */
	const char *prefix;
	/* A room query as typed (rooms --query), or NULL; not both with
	 * prefix. */
	const char *room_query;
	/* The thread query sent to each room's GET /threads, or NULL. */
	const char *thread_query;
	bool unresolved; /* adds resolved:false to the thread query */
};

/* The queue: every room matching the spec listed page by page (GET
 * /v2/rooms, cursor, limit 100), and each room's threads fetched in
 * parallel (at most QUEUE_MAX_IN_FLIGHT=16 in flight, kept-alive
 * connections via the existing http layer), as one resource of the model
 * (its own kind). The first rows are there before the last room is
 * fetched; listeners hear as rooms complete. New reference; a key built
 * from the spec (same spec: shared). model_refresh runs the whole queue
 * again, the rows of the run before staying until replaced. */
struct resource *model_queue(struct model *m, const struct queue_spec *spec);

/* Threads found so far, newest first (createdAt descending, then room,
 * then ID), each with its room_id. Valid until the next change to r. */
size_t queue_count(const struct resource *r);
const struct thread *queue_thread_at(const struct resource *r, size_t i);

struct queue_progress {
	/* Rooms whose threads came (or failed), rooms listed so far. */
	size_t rooms_done, rooms_listed;
	bool listing_done; /* every page of rooms listed */
	/* Threads found; rooms whose threads could not be read. */
	size_t threads, failed;
	bool running;
	long long wait_ms; /* waiting out a 429, 0 when not */
};
bool queue_progress(const struct resource *r, struct queue_progress *p);
/* "rooms 120/1000 · 412 threads · 2 failed" (+ " · waiting 3 s (rate
 * limit)"), for the progress line; "rooms 120/300+" while more pages of
 * rooms are to come. */
const char *queue_progress_line(const struct resource *r, char *buf, size_t n);
/* Rooms that failed: room ID and one line why; i < failed. */
bool queue_failure(const struct resource *r, size_t i, const char **room_id, const char **why);
/* Read one room's threads again and replace its rows (after a bulk
 * action on it); listeners hear when done. A room not in the queue yet
 * joins it. */
void queue_reload_room(struct model *m, struct resource *r, const char *room_id);

/* Added beside the interface above. */

/* Why the rooms could not all be listed (a page failed): NULL when the
 * listing did not fail. The rows of the rooms listed before stay. */
const struct lb_error *queue_listing_error(const struct resource *r);
/* The spec r was made with (its strings belong to r); NULL for another
 * resource. */
const struct queue_spec *queue_spec_of(const struct resource *r);
/* Stop: nothing more is sent, what is in flight is cut off; the rows so
 * far stay. model_refresh runs the queue again. */
void queue_cancel(struct model *m, struct resource *r);

#endif
