#include "lbconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "decode.h"
#include "family.h"
#include "job.h"
#include "json.h"
#include "model_impl.h"
#include "output.h"
#include "query.h"
#include "queue.h"
#include "term_safe.h"
#include "threads.h"
#include "util.h"

/* The moderation queue, the family of the `queue` command: a job (job.h)
 * whose items are the pages of the rooms listing and the rooms, each
 * room one GET of its threads. A page that comes appends the next page
 * first, then its rooms (job_append), so the listing stays a page ahead
 * of the rooms' reads and no slot waits for it; every read shares the
 * one bound, the model's books and the pause a 429 asks for.
 *
 * Each room keeps its threads decoded; the rows (one per thread, newest
 * first) point into them. A room read again replaces its threads: its
 * old rows die with its epoch, and the rows are put in order again when
 * next read (queue_count), not at every room, so a run of N rooms costs
 * what it reads, not N times the rows. */

/* How long to wait after a 429 that says nothing (doubled with each in a
 * row), and at most. */
#define QUEUE_WAIT_MS     1000
#define QUEUE_MAX_WAIT_MS (5 * 60 * 1000)

enum queue_state {
	QI_QUEUED = JOB_QUEUED,
	QI_IN_FLIGHT = JOB_IN_FLIGHT,
	QI_DONE = JOB_ENDED, /* a room's threads read, a page of rooms listed */
	QI_FAILED,           /* a room's threads could not be read */
	QI_CANCELLED,        /* stopped before its answer */
	QI_PAGE_FAILED,      /* a page of rooms could not be listed */
	QI_DROPPED,          /* a room no longer listed: no rows */
};

struct queue_item {
	JOB_ITEM_HEAD(int); /* arg: the room's ID, or a page's cursor (NULL: the first) */
	bool page;
	bool again;       /* read it again once its request in flight ends */
	int refused;      /* 429s in a row */
	unsigned listed;  /* the run that listed the room last */
	unsigned counted; /* the run its end was counted in */
	unsigned epoch;   /* of its rows: bumped when its threads go */
	struct thread *threads;
	size_t n_threads;
	size_t bytes; /* of its threads, charged */
};

/* A row: a thread of a room, alive while the room's epoch is its own. */
struct queue_row {
	const struct thread *t;
	size_t item;
	unsigned epoch;
};

struct queue {
	struct job job;
	struct queue_spec spec;    /* its strings are the filter's and thread_query */
	struct room_filter filter; /* the rooms listed, pages of QUEUE_PAGE_SIZE */
	char *thread_query;        /* as given */
	char *threads_params;      /* "query=..." for each room's GET; NULL: none */
	unsigned run;              /* each load is a run */
	bool running;
	bool listing_done;
	size_t rooms_listed, rooms_done, threads;
	struct lb_error list_err; /* a page failed */
	struct strv cursors;      /* given in this run: one given again ends it */
	size_t *pages;            /* the page items, used again by each run */
	size_t n_pages, pages_used;
	size_t *index; /* room ID -> item + 1, open addressing */
	size_t index_cap, index_n;
	struct queue_row *rows;
	size_t n_rows, cap_rows;
	size_t sorted; /* rows[0..sorted) are in order */
	size_t dead;   /* rows of epochs past */
};

static const struct job_policy queue_policy;

static struct queue *queue_of(const struct resource *r)
{
	return (struct queue *)job_of(r, &queue_policy.kind);
}

static struct queue_item *qitem(const struct queue *q, size_t i)
{
	return job_at(&q->job, i);
}

/* ------------------------------------------------------------------ */
/* Rooms by ID */

static size_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/* Where id is, or the empty place it would go. */
static size_t *index_slot(const struct queue *q, const char *id)
{
	size_t k = hash_id(id) & (q->index_cap - 1);

	for (;; k = (k + 1) & (q->index_cap - 1)) {
		size_t v = q->index[k];

		if (!v || !strcmp(qitem(q, v - 1)->arg, id))
			return &q->index[k];
	}
}

/* The item of room id, or -1. */
static long room_item(const struct queue *q, const char *id)
{
	size_t *p = q->index_cap ? index_slot(q, id) : NULL;

	return p && *p ? (long)(*p - 1) : -1;
}

static bool index_put(struct queue *q, size_t item)
{
	if ((q->index_n + 1) * 2 > q->index_cap) {
		size_t cap = q->index_cap ? q->index_cap * 2 : 64;
		size_t *old = q->index, old_cap = q->index_cap;

		if (!(q->index = calloc(cap, sizeof(*q->index)))) {
			q->index = old;
			return false;
		}
		q->index_cap = cap;
		for (size_t k = 0; k < old_cap; k++)
			if (old[k])
				*index_slot(q, qitem(q, old[k] - 1)->arg) = old[k];
		free(old);
	}
	*index_slot(q, qitem(q, item)->arg) = item + 1;
	q->index_n++;
	return true;
}

/* ------------------------------------------------------------------ */
/* Rows */

/* Newest first, then by room, then by ID. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct thread *a = ((const struct queue_row *)pa)->t;
	const struct thread *b = ((const struct queue_row *)pb)->t;
	int c;

	if (a->created_s != b->created_s)
		return a->created_s > b->created_s ? -1 : 1;
	/* Within a second, the fraction the text has. */
	if ((c = strcmp(b->created_at ? b->created_at : "", a->created_at ? a->created_at : "")))
		return c;
	if ((c = strcmp(a->room_id ? a->room_id : "", b->room_id ? b->room_id : "")))
		return c;
	return strcmp(a->id, b->id);
}

static bool row_alive(const struct queue *q, const struct queue_row *row)
{
	return row->epoch == qitem(q, row->item)->epoch;
}

/* The rows in order: the dead ones out, the new ones sorted and merged
 * into the ones in order already. */
static void rows_settle(struct queue *q)
{
	size_t w = 0, sorted = 0;
	struct queue_row *tmp;

	if (!q->dead && q->sorted == q->n_rows)
		return;
	for (size_t k = 0; k < q->n_rows; k++) {
		if (!row_alive(q, &q->rows[k]))
			continue;
		sorted += k < q->sorted;
		q->rows[w++] = q->rows[k];
	}
	q->n_rows = w;
	q->dead = 0;
	qsort(q->rows + sorted, w - sorted, sizeof(*q->rows), row_cmp);
	if (sorted && sorted < w) {
		tmp = malloc(w * sizeof(*tmp));
		if (!tmp) {
			qsort(q->rows, w, sizeof(*q->rows), row_cmp);
		} else {
			size_t a = 0, b = sorted, o = 0;

			while (a < sorted && b < w)
				tmp[o++] = row_cmp(&q->rows[b], &q->rows[a]) < 0 ? q->rows[b++]
				                                                 : q->rows[a++];
			while (a < sorted)
				tmp[o++] = q->rows[a++];
			while (b < w)
				tmp[o++] = q->rows[b++];
			memcpy(q->rows, tmp, w * sizeof(*tmp));
			free(tmp);
		}
	}
	q->sorted = w;
}

/* Room i's threads go, and their rows. */
static void threads_drop(struct queue *q, size_t i)
{
	struct queue_item *it = qitem(q, i);

	if (!it->threads && !it->n_threads)
		return;
	threads_free(it->threads, it->n_threads);
	q->dead += it->n_threads;
	q->threads -= it->n_threads;
	it->threads = NULL;
	it->n_threads = 0;
	it->epoch++;
	mi_charge(q->job.m, q->job.r, 0, it->bytes);
	it->bytes = 0;
}

/* Room i's threads are now t (n, taken), each with its room. False when
 * out of memory (t is freed, the old threads stay). */
static bool threads_replace(struct queue *q, size_t i, struct thread *t, size_t n)
{
	struct queue_item *it;
	size_t bytes = 0;

	if (q->n_rows + n > q->cap_rows) {
		size_t cap = q->cap_rows ? q->cap_rows : 64;
		struct queue_row *rows;

		while (cap < q->n_rows + n)
			cap *= 2;
		if (!(rows = realloc(q->rows, cap * sizeof(*rows)))) {
			threads_free(t, n);
			return false;
		}
		q->rows = rows;
		q->cap_rows = cap;
	}
	threads_drop(q, i);
	it = qitem(q, i);
	it->threads = t;
	it->n_threads = n;
	for (size_t k = 0; k < n; k++) {
		q->rows[q->n_rows++] = (struct queue_row){&t[k], i, it->epoch};
		bytes += thread_bytes(&t[k]);
	}
	q->threads += n;
	it->bytes = bytes;
	mi_charge(q->job.m, q->job.r, bytes, 0);
	return true;
}

/* A thread the API sent without its room gets it, in its JSON too, so
 * that every row and every object printed says where it is. */
static bool thread_room_fill(struct thread *t, const char *room)
{
	struct buf b;

	if (t->room_id)
		return true;
	if (!(t->room_id = strdup(room)))
		return false;
	buf_init(&b);
	buf_adds(&b, "{\"roomId\":");
	buf_json_string(&b, room);
	if (t->raw_json && strcmp(t->raw_json, "{}") && t->raw_json[0] == '{')
		buf_printf(&b, ",%s", t->raw_json + 1);
	else
		buf_adds(&b, "}");
	if (!b.data)
		return false;
	free(t->raw_json);
	t->raw_json = buf_steal(&b);
	return true;
}

/* ------------------------------------------------------------------ */
/* The listing */

/* The IDs of a page of rooms and its next cursor (NULL on the last). */
static bool rooms_page_decode(const char *body, size_t len, struct strv *ids, char **next,
                              struct lb_error *err)
{
	cJSON *root = api_parse_json(body, len, err);
	const cJSON *data, *it;
	const char *cursor;

	*next = NULL;
	if (!root)
		return false;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server sent rooms without a \"data\" list");
		return false;
	}
	cJSON_ArrayForEach(it, data)
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));

		if (!id || !*id) {
			lb_error_set(err, LB_DECODE, "the server sent a room without an \"id\"");
			goto fail;
		}
		if (!strv_push(ids, id))
			goto oom;
	}
	cursor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "nextCursor"));
	if (cursor && *cursor && !(*next = strdup(cursor)))
		goto oom;
	cJSON_Delete(root);
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
fail:
	strv_free(ids);
	cJSON_Delete(root);
	return false;
}

static bool seen_cursor(const struct queue *q, const char *cursor)
{
	for (size_t k = 0; k < q->cursors.n; k++)
		if (!strcmp(q->cursors.v[k], cursor))
			return true;
	return false;
}

/* Queue the page at cursor (NULL: the first) in a page item of its own:
 * one a run before used, or a new one. */
static bool page_queue(struct queue *q, const char *cursor)
{
	struct job *j = &q->job;
	struct queue_item *it;
	size_t i;

	if (cursor && !strv_push(&q->cursors, cursor))
		return false;
	if (q->pages_used < q->n_pages) {
		char *arg = cursor ? strdup(cursor) : NULL;

		if (cursor && !arg)
			return false;
		i = q->pages[q->pages_used];
		it = qitem(q, i);
		free(it->arg);
		it->arg = arg;
		if (it->state != JOB_QUEUED)
			job_item_set(j, i, JOB_QUEUED, NULL);
	} else {
		const char *args[1] = {cursor};
		size_t *pages = realloc(q->pages, (q->n_pages + 1) * sizeof(*pages));

		if (!pages)
			return false;
		q->pages = pages;
		if (!job_append(j, 1, args))
			return false;
		i = j->n - 1;
		qitem(q, i)->page = true;
		q->pages[q->n_pages++] = i;
	}
	qitem(q, i)->refused = 0;
	q->pages_used++;
	return true;
}

/* Every page is listed: the rooms this run did not list go. */
static void listing_end(struct queue *q)
{
	struct job *j = &q->job;

	q->listing_done = true;
	for (size_t i = 0; i < j->n; i++) {
		struct queue_item *it = qitem(q, i);

		if (it->page || it->listed == q->run || it->state == QI_DROPPED ||
		    it->state == JOB_QUEUED || it->state == JOB_IN_FLIGHT)
			continue;
		threads_drop(q, i);
		job_item_set(j, i, QI_DROPPED, NULL);
	}
}

/* A room listed in this run: read again, or new. */
static bool room_listed(struct queue *q, const char *id)
{
	struct job *j = &q->job;
	long k = room_item(q, id);
	const char *args[1] = {id};
	struct queue_item *it;

	if (k >= 0) {
		it = qitem(q, (size_t)k);
		if (it->listed == q->run)
			return true; /* listed twice */
		it->listed = q->run;
		q->rooms_listed++;
		it->refused = 0;
		if (it->state == JOB_IN_FLIGHT)
			it->again = true;
		else if (it->state != JOB_QUEUED)
			job_item_set(j, (size_t)k, JOB_QUEUED, NULL);
		return true;
	}
	if (!job_append(j, 1, args))
		return false;
	if (!index_put(q, j->n - 1)) {
		/* Unknown to the index, it would be listed again as new. */
		free(qitem(q, j->n - 1)->arg);
		qitem(q, j->n - 1)->arg = NULL;
		job_item_set(j, j->n - 1, QI_DROPPED, NULL);
		return false;
	}
	qitem(q, j->n - 1)->listed = q->run;
	q->rooms_listed++;
	return true;
}

static void page_failed(struct queue *q, size_t i, const struct lb_error *err)
{
	job_item_set(&q->job, i, QI_PAGE_FAILED, err);
	q->list_err = *err;
	lb_error_prefix(&q->list_err, "the rooms could not all be listed (%zu so far)",
	                q->rooms_listed);
}

static void page_answered(struct queue *q, size_t i, const struct job_answer *a)
{
	struct lb_error e = *a->err;
	struct strv ids = {0};
	char *next = NULL;
	bool ok = true;

	if (e.status != LB_OK ||
	    !rooms_page_decode(a->body ? a->body : "", a->len, &ids, &next, &e)) {
		page_failed(q, i, &e);
		return;
	}
	job_item_set(&q->job, i, QI_DONE, NULL);
	q->job.r->has_data = true;
	if (next && seen_cursor(q, next)) {
		/* A cursor given again would list the same rooms for ever. */
		free(next);
		next = NULL;
	}
	/* The next page before this page's rooms: it goes out first. */
	if (next)
		ok = page_queue(q, next);
	for (size_t k = 0; ok && k < ids.n; k++)
		ok = room_listed(q, ids.v[k]);
	if (ok && !next)
		listing_end(q);
	if (!ok) {
		lb_error_set(&e, LB_NOMEM, "out of memory");
		page_failed(q, i, &e);
	}
	strv_free(&ids);
	free(next);
}

/* ------------------------------------------------------------------ */
/* The rooms */

static void room_answered(struct queue *q, size_t i, const struct job_answer *a)
{
	struct lb_error e = *a->err;
	struct thread *t = NULL;
	size_t n = 0;
	bool ok =
	    e.status == LB_OK && thread_list_decode(a->body ? a->body : "", a->len, &t, &n, &e);
	struct queue_item *it;

	for (size_t k = 0; ok && k < n; k++)
		if (!thread_room_fill(&t[k], qitem(q, i)->arg)) {
			threads_free(t, n);
			lb_error_set(&e, LB_NOMEM, "out of memory");
			ok = false;
		}
	if (ok && !threads_replace(q, i, t, n)) {
		lb_error_set(&e, LB_NOMEM, "out of memory");
		ok = false;
	}
	if (ok)
		job_item_set(&q->job, i, QI_DONE, NULL);
	else /* a failure keeps the rows of the room's last read */
		job_item_set(&q->job, i, e.status == LB_CANCELLED ? QI_CANCELLED : QI_FAILED, &e);
	it = qitem(q, i);
	if (it->state != QI_CANCELLED && it->listed == q->run && it->counted != q->run) {
		it->counted = q->run;
		q->rooms_done++;
	}
	if (it->again) {
		it->again = false;
		job_item_set(&q->job, i, JOB_QUEUED, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* The policy */

static void answered(struct job *j, size_t i, const struct job_answer *a)
{
	struct queue *q = (struct queue *)j;
	struct queue_item *it = qitem(q, i);

	/* The core pauses every read of the kind; this one goes again. */
	if (a->status == 429 && ++it->refused < QUEUE_MAX_REFUSED) {
		job_item_set(j, i, JOB_QUEUED, NULL);
		return;
	}
	it->refused = 0;
	if (it->page)
		page_answered(q, i, a);
	else
		room_answered(q, i, a);
}

/* The run is over when nothing is left: the listing says how it went. */
static void settled(struct job *j)
{
	struct queue *q = (struct queue *)j;
	struct resource *r = j->r;

	if (!q->running || job_active(j))
		return;
	q->running = false;
	r->busy = false;
	if (r->has_data) {
		r->priv->loaded = true;
		r->fetched_ms = mi_now(j->m);
	}
	if (q->list_err.status == LB_OK && q->listing_done && !j->stopped) {
		lb_error_clear(&r->err);
		r->state = RES_FRESH;
	} else {
		if (q->list_err.status != LB_OK)
			r->err = q->list_err;
		else
			lb_error_set(&r->err, LB_CANCELLED, "cancelled");
		r->state = r->has_data ? RES_STALE : RES_ERROR;
	}
	mi_changed(j->m, r);
}

/* A load runs the queue again from its first page, each room keeping its
 * rows until its new answer; one while a run goes on only shows it busy. */
static void load(struct job *j)
{
	struct queue *q = (struct queue *)j;
	struct resource *r = j->r;

	r->busy = true;
	if (q->running)
		return;
	q->run++;
	q->running = true;
	q->listing_done = false;
	q->rooms_listed = q->rooms_done = 0;
	q->pages_used = 0;
	strv_free(&q->cursors);
	lb_error_clear(&q->list_err);
	lb_error_clear(&j->first);
	r->busy_since_ms = mi_now(j->m);
	if (!page_queue(q, NULL))
		lb_error_set(&q->list_err, LB_NOMEM, "out of memory");
	job_go(j);
}

static void item_clear(struct job *j, size_t i)
{
	struct queue_item *it = job_at(j, i);

	threads_free(it->threads, it->n_threads);
	it->threads = NULL;
	it->n_threads = 0;
}

static const struct job_policy queue_policy = {
    .kind = {.name = "queue", JOB_KIND_HOOKS},
    .size = sizeof(struct queue),
    .item_size = sizeof(struct queue_item),
    .changes = false,
    .cancelled = QI_CANCELLED,
    .answered = answered,
    .settled = settled,
    .load = load,
    .item_clear = item_clear,
};

/* Send item i: a page of rooms, or a room's threads. */
static http_id queue_send(struct api *a, size_t i, const char *arg, void *ud, void *ticket)
{
	struct queue *q = ud;
	struct api_send_args args = {0};
	char *params;
	http_id id;

	if (!qitem(q, i)->page) {
		args.params[0] = arg;
		args.query = q->threads_params;
		return api_send(a, EP_THREADS_LIST, &args, job_api_done, ticket);
	}
	if (!(params = room_filter_params(&q->filter, arg))) {
		struct lb_error e;

		lb_error_set(&e, LB_NOMEM, "out of memory");
		job_answer(ticket, &e, 0, NULL, 0, -1);
		return 0;
	}
	args.query = params[0] == '?' ? params + 1 : params;
	id = api_send(a, EP_ROOMS_LIST, &args, job_api_done, ticket);
	free(params);
	return id;
}

/* What the queue owns beyond the job's items (freed with the job). */
static void queue_state_free(void *ud)
{
	struct queue *q = ud;

	room_filter_clear(&q->filter);
	free(q->thread_query);
	free(q->threads_params);
	strv_free(&q->cursors);
	free(q->pages);
	free(q->index);
	free(q->rows);
}

/* The thread query sent to each room: resolved:false first with
 * unresolved, then the query as typed. *nomem when out of memory. */
static char *threads_query_of(const struct queue_spec *spec, bool *nomem)
{
	return thread_query_build(spec->thread_query, spec->unresolved ? 0 : -1, nomem);
}

static struct queue *queue_new(const struct queue_spec *spec)
{
	const struct job_spec js = {
	    .n = 0,
	    .send = queue_send,
	    .max_in_flight = QUEUE_MAX_IN_FLIGHT,
	    .wait_ms = QUEUE_WAIT_MS,
	    .max_wait_ms = QUEUE_MAX_WAIT_MS,
	};
	struct room_filter f = {.limit = QUEUE_PAGE_SIZE};
	char *thread_query = NULL, *params = NULL, *sent, *enc;
	struct queue *q;
	bool nomem;

	sent = threads_query_of(spec, &nomem);
	enc = sent ? url_encode(sent) : NULL;
	if (enc && (params = malloc(strlen(enc) + sizeof("query="))))
		sprintf(params, "query=%s", enc);
	nomem = nomem || (sent && !params);
	free(enc);
	free(sent);
	if ((spec->prefix && !(f.prefix = strdup(spec->prefix))) ||
	    (spec->room_query && !(f.query = strdup(spec->room_query))) ||
	    (spec->thread_query && !(thread_query = strdup(spec->thread_query))) || nomem ||
	    !(q = (struct queue *)job_new(&queue_policy, &js))) {
		room_filter_clear(&f);
		free(thread_query);
		free(params);
		return NULL;
	}
	q->filter = f;
	q->thread_query = thread_query;
	q->threads_params = params;
	q->spec.prefix = f.prefix;
	q->spec.room_query = f.query;
	q->spec.thread_query = thread_query;
	q->spec.unresolved = spec->unresolved;
	q->job.spec.ud = q;
	q->job.spec.ud_free = queue_state_free;
	return q;
}

/* "queue?prefix=...&rooms=...&threads=...": what the rooms and the
 * threads are asked with. */
static char *queue_key(const struct queue_spec *spec)
{
	const char *parts[3] = {spec->prefix, spec->room_query, NULL};
	const char *names[3] = {"prefix", "rooms", "threads"};
	bool nomem, ok = true;
	char *threads = threads_query_of(spec, &nomem);
	struct buf b;

	parts[2] = threads;
	buf_init(&b);
	ok = !nomem && buf_adds(&b, "queue?");
	for (int k = 0; ok && k < 3; k++) {
		char *enc = parts[k] ? url_encode(parts[k]) : NULL;

		ok = (!parts[k] || enc) &&
		     buf_printf(&b, "%s%s=%s", k ? "&" : "", names[k], enc ? enc : "");
		free(enc);
	}
	free(threads);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Public */

struct resource *model_queue(struct model *m, const struct queue_spec *spec)
{
	struct resource *r;
	struct queue *q;
	char *key;

	if (!m || !spec || !(key = queue_key(spec)))
		return NULL;
	mi_enter(m);
	r = mi_find(m, &queue_policy.kind, key);
	if (r)
		free(key);
	else if (!(q = queue_new(spec)))
		free(key);
	else
		r = job_add(m, &q->job, key); /* frees q and key when it fails */
	if (r)
		mi_acquire(m, r); /* starts the first run, as a load */
	mi_leave(m);
	return r;
}

size_t queue_count(const struct resource *r)
{
	struct queue *q = queue_of(r);

	if (!q)
		return 0;
	rows_settle(q);
	return q->n_rows;
}

const struct thread *queue_thread_at(const struct resource *r, size_t i)
{
	struct queue *q = queue_of(r);

	if (!q)
		return NULL;
	rows_settle(q);
	return i < q->n_rows ? q->rows[i].t : NULL;
}

bool queue_progress(const struct resource *r, struct queue_progress *p)
{
	const struct queue *q = queue_of(r);

	if (!q || !p)
		return false;
	memset(p, 0, sizeof(*p));
	p->rooms_done = q->rooms_done;
	p->rooms_listed = q->rooms_listed;
	p->listing_done = q->listing_done;
	p->threads = q->threads;
	p->failed = q->job.count[QI_FAILED];
	p->running = q->running || job_active(&q->job);
	p->wait_ms = job_wait_left(&q->job);
	return true;
}

const char *queue_progress_line(const struct resource *r, char *buf, size_t n)
{
	struct queue_progress p;
	size_t pos = 0;
	char part[128];

	if (!buf || !n)
		return buf;
	buf[0] = '\0';
	if (!queue_progress(r, &p))
		return buf;
	/* "+" while more pages of rooms are to come. */
	snprintf(part, sizeof(part), "rooms %zu/%zu%s · %zu thread%s", p.rooms_done, p.rooms_listed,
	         p.listing_done || !p.running ? "" : "+", p.threads, p.threads == 1 ? "" : "s");
	str_append(buf, n, &pos, part);
	if (p.failed) {
		snprintf(part, sizeof(part), " · %zu failed", p.failed);
		str_append(buf, n, &pos, part);
	}
	if (p.wait_ms > 0) {
		snprintf(part, sizeof(part), " · waiting %lld s (rate limit)",
		         (p.wait_ms + 999) / 1000);
		str_append(buf, n, &pos, part);
	}
	return buf;
}

bool queue_failure(const struct resource *r, size_t i, const char **room_id, const char **why)
{
	const struct queue *q = queue_of(r);

	for (size_t k = 0; q && k < q->job.n; k++) {
		const struct queue_item *it = qitem(q, k);

		if (it->state != QI_FAILED || i-- > 0)
			continue;
		if (room_id)
			*room_id = it->arg;
		if (why)
			*why = it->error ? it->error : "failed";
		return true;
	}
	return false;
}

void queue_reload_room(struct model *m, struct resource *r, const char *room_id)
{
	struct queue *q = queue_of(r);
	struct job *j;
	long k;

	if (!m || !q || !room_id || !*room_id)
		return;
	j = &q->job;
	mi_enter(m);
	k = room_item(q, room_id);
	if (k < 0) {
		/* Not in the queue yet (a room made since): it is now. */
		const char *args[1] = {room_id};

		if (job_append(j, 1, args) && !index_put(q, j->n - 1))
			job_item_set(j, j->n - 1, QI_DROPPED, NULL);
	} else if (qitem(q, (size_t)k)->state == JOB_IN_FLIGHT) {
		qitem(q, (size_t)k)->again = true;
	} else if (qitem(q, (size_t)k)->state != JOB_QUEUED) {
		qitem(q, (size_t)k)->refused = 0;
		job_item_set(j, (size_t)k, JOB_QUEUED, NULL);
	}
	job_go(j);
	mi_leave(m);
}

const struct lb_error *queue_listing_error(const struct resource *r)
{
	const struct queue *q = queue_of(r);

	return q && q->list_err.status != LB_OK ? &q->list_err : NULL;
}

const struct queue_spec *queue_spec_of(const struct resource *r)
{
	const struct queue *q = queue_of(r);

	return q ? &q->spec : NULL;
}

void queue_cancel(struct model *m, struct resource *r)
{
	struct queue *q = queue_of(r);

	if (m && q)
		job_cancel(&q->job);
}

/* ------------------------------------------------------------------ */
/* The command */

/* Shown at most this often on the progress line. */
#define PROGRESS_EVERY_MS 100

struct queue_cmd {
	long long shown_ms; /* when the progress line was last written, 0: never */
};

static void queue_cmd_progress(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct queue_cmd *st = ud;
	long long now = now_ms();
	char line[256];

	if (!c->host.progress || now - st->shown_ms < PROGRESS_EVERY_MS)
		return;
	st->shown_ms = now;
	c->host.progress(c->host.ud, queue_progress_line(r, line, sizeof(line)));
}

/* A cell: terminal-safe, cut (and padded) to cols. */
static bool add_cell(struct buf *b, const char *raw, int cols, bool pad)
{
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	char cell[1024];

	if (!safe)
		return false;
	if (pad)
		ts_fit_pad(safe, cols, cell, sizeof(cell));
	else
		ts_fit(safe, cols, cell, sizeof(cell));
	free(safe);
	return buf_adds(b, cell) && (!pad || buf_adds(b, "  "));
}

/* The first comment's author and first line; comments not deleted. */
static const char *first_author(const struct thread *t)
{
	return t->n_comments && t->comments[0].user_id ? t->comments[0].user_id : "-";
}

static const char *first_line(const struct thread *t)
{
	if (!t->n_comments)
		return "";
	return t->comments[0].deleted_at ? "(deleted)" : t->comments[0].preview;
}

static size_t live_comments(const struct thread *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_comments; i++)
		n += !t->comments[i].deleted_at;
	return n;
}

/* ROOM, THREAD, AUTHOR, TEXT, COMMENTS, RESOLVED, CREATED. */
static bool queue_table(struct buf *b, const struct resource *r)
{
	size_t n = queue_count(r);
	int roomw = 4, idw = 6, authorw = 6;
	bool ok;

	for (size_t i = 0; i < n; i++) {
		const struct thread *t = queue_thread_at(r, i);

		output_id_width(&roomw, t->room_id);
		output_id_width(&idw, t->id);
		output_id_width(&authorw, first_author(t));
	}
	if (authorw > 20)
		authorw = 20;
	ok = add_cell(b, "ROOM", roomw, true) && add_cell(b, "THREAD", idw, true) &&
	     add_cell(b, "AUTHOR", authorw, true) && add_cell(b, "TEXT", 48, true) &&
	     buf_printf(b, "%8s  %-8s  %s\n", "COMMENTS", "RESOLVED", "CREATED");
	for (size_t i = 0; ok && i < n; i++) {
		const struct thread *t = queue_thread_at(r, i);
		char created[32];

		output_time(t->created_s, created, sizeof(created));
		ok = add_cell(b, t->room_id, roomw, true) && add_cell(b, t->id, idw, true) &&
		     add_cell(b, first_author(t), authorw, true) &&
		     add_cell(b, first_line(t), 48, true) &&
		     buf_printf(b, "%8zu  %-8s  %s\n", live_comments(t), t->resolved ? "yes" : "no",
		                created);
	}
	return ok;
}

/* {"data":[the API's threads],"failures":[{"roomId","error"}]}. */
static bool queue_json(struct buf *b, const struct resource *r)
{
	struct json_writer w;
	const char *room, *why;
	size_t n = queue_count(r);

	json_writer_init(&w, b, false);
	json_begin_object(&w);
	json_key(&w, "data");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		json_raw(&w, queue_thread_at(r, i)->raw_json);
	json_end_array(&w);
	json_key(&w, "failures");
	json_begin_array(&w);
	for (size_t i = 0; queue_failure(r, i, &room, &why); i++) {
		json_begin_object(&w);
		json_key(&w, "roomId");
		json_string(&w, room);
		json_key(&w, "error");
		json_string(&w, why);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	return w.ok;
}

/* Each room that failed, on a line of its own (batch mode: stderr). */
static void note_failures(struct cmd_ctx *c, const struct resource *r)
{
	const char *room, *why;

	for (size_t i = 0; queue_failure(r, i, &room, &why); i++) {
		struct buf b;
		char *safe;

		buf_init(&b);
		buf_printf(&b, "room %s: %s", room, why);
		safe = b.data ? ts_sanitize(b.data, (size_t)-1) : NULL;
		if (safe)
			cmd_note(c, safe);
		free(safe);
		buf_free(&b);
	}
}

static bool queue_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct queue_cmd *st = ud;
	struct queue_progress p;
	struct buf b;
	bool ok;

	if (st->shown_ms && c->host.progress)
		c->host.progress(c->host.ud, NULL);
	if (queue_listing_error(r)) {
		cmd_finish(c, queue_listing_error(r));
		return true;
	}
	if (r->err.status != LB_OK) {
		cmd_finish(c, &r->err);
		return true;
	}
	queue_progress(r, &p);
	buf_init(&b);
	ok = c->host.json ? queue_json(&b, r) : queue_table(&b, r);
	if (ok && c->host.json)
		cmd_print_json(c, b.data, b.len);
	else if (ok && queue_count(r))
		cmd_say(c, b.data);
	buf_free(&b);
	if (!ok) {
		cmd_finish_nomem(c);
		return true;
	}
	if (!c->host.json && !queue_count(r))
		cmd_note(c, p.rooms_listed ? "(no threads)" : "(no rooms)");
	note_failures(c, r);
	if (p.failed)
		cmd_finish_with(c, LB_PARTIAL, "the threads of %zu of %zu rooms could not be read",
		                p.failed, p.rooms_listed);
	else
		cmd_finish_ok(c);
	return true;
}

static void run_queue(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *prefix = cmd_opt_value(a, "prefix"), *rooms = cmd_opt_value(a, "rooms");
	const struct queue_spec spec = {
	    .prefix = prefix && *prefix ? prefix : NULL,
	    .room_query = rooms && *rooms ? rooms : NULL,
	    .thread_query = cmd_opt_value(a, "threads"),
	    .unresolved = cmd_has_flag(a, "unresolved"),
	};
	struct queue_cmd *st;
	struct resource *r;

	(void)cmd;
	if (prefix && rooms) {
		cmd_finish_usage(c, "%s", "give --prefix or --rooms, not both");
		return;
	}
	if (cmd_open_view(c, "queue", &(struct scope){0}, &spec, false, ""))
		return;
	r = model_queue(c->model, &spec);
	st = r ? calloc(1, sizeof(*st)) : NULL;
	if (!st) {
		if (r)
			model_release(c->model, &r);
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait_progress(c, r, true, queue_step, queue_cmd_progress, st);
}

static const struct opt_spec queue_opts[] = {
    {"prefix", OPT_VALUE, "P", "only the rooms whose ID starts with P"},
    {"rooms", OPT_RAW, "ROOMQUERY",
     "only the rooms the room query matches, e.g. metadata[\"team\"]:\"support\""},
    {"threads", OPT_RAW, "THREADQUERY",
     "only the threads the thread query matches, e.g. metadata[\"status\"]:\"open\""},
    {"unresolved", OPT_FLAG, NULL, "unresolved threads only (resolved:false)"},
    {"yes", OPT_FLAG, NULL, "do not ask (nothing is asked here)"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"queue", "", 0, 0, false, run_queue,
     "The moderation queue: the threads of every room, or of the rooms --prefix or --rooms "
     "names, newest first",
     queue_opts, SCOPE_NONE},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static const enum endpoint_id endpoints[] = {EP_ROOMS_LIST, EP_THREADS_LIST, EP_COUNT};

const struct family family_queue = {
    .name = "queue",
    .summary = "The moderation queue: the threads of many rooms at once, newest first",
    .commands = commands,
    .ids = NULL,
    .endpoints = endpoints,
};
