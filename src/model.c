#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* How the model is kept consistent while callbacks re-enter it:
 * - every public entry point and every transport callback runs between
 *   enter() and leave(); resources are only freed (evicted) when the
 *   outermost call leaves, so no pointer held up the stack goes stale;
 * - listeners are called only after the resource is consistent, and loops
 *   over resources index the array (which a listener may grow);
 * - a request is owned by its callback; model_cancel detaches it first, so
 *   a late or synchronous callback of a cancelled request changes nothing. */

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
	/* list pages */
	char *cursor;     /* the cursor sent, NULL for the first page */
	int target_pages; /* pages to (re)load before the list is swapped in */
	/* mutations */
	enum mut_kind mut;
	char *room_id;
	model_done_fn done;
	void *ud;
};

struct model_internal {
	struct model *m;
	int refs;
	unsigned long long used;   /* LRU stamp */
	size_t bytes;              /* charged to model.bytes */
	struct req *req;           /* the one request in flight */
	enum res_state prev_state; /* restored by model_cancel */
	bool dirty;                /* invalidated while a load was in flight */
	bool loaded;               /* loaded successfully at least once */
	size_t cap_rooms;
	int pages; /* pages in the visible list */
	/* A list being (re)loaded: pages land here and are swapped in whole. */
	struct room *shadow;
	size_t n_shadow;
	size_t cap_shadow;
	int shadow_pages;
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
};

/* 16 MiB, 30 s, not read-only, the monotonic clock. */
void model_options_default(struct model_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory_budget = 16u << 20;
	o->stale_after_ms = 30000;
	o->read_only = false;
	o->clock_ms = NULL;
}

static long long mnow(const struct model *m)
{
	return m->opt.clock_ms ? m->opt.clock_ms() : now_ms();
}

/* ------------------------------------------------------------------ */
/* Bookkeeping */

static void evict(struct model *m);

static void enter(struct model *m)
{
	m->depth++;
}

static void leave(struct model *m)
{
	if (--m->depth == 0)
		evict(m);
}

static void charge(struct model *m, struct resource *r, size_t add, size_t sub)
{
	r->priv->bytes += add;
	m->bytes += add;
	if (sub > r->priv->bytes)
		sub = r->priv->bytes;
	r->priv->bytes -= sub;
	m->bytes -= sub;
}

static size_t rooms_bytes(const struct room *v, size_t n)
{
	size_t b = 0;

	for (size_t i = 0; i < n; i++)
		b += room_bytes(&v[i]);
	return b;
}

static void notify(struct model *m, struct resource *r)
{
	for (size_t i = 0; i < m->n_ls; i++)
		m->ls[i].fn(r, m->ls[i].ud);
}

static void changed(struct model *m, struct resource *r)
{
	r->generation++;
	notify(m, r);
}

static void touch(struct model *m, struct resource *r)
{
	r->priv->used = ++m->clock;
}

static bool too_old(const struct model *m, const struct resource *r)
{
	return r->has_data && mnow(m) - r->fetched_ms >= m->opt.stale_after_ms;
}

static struct req *req_new(struct model *m, struct resource *r, enum req_kind kind)
{
	struct req *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->m = m;
	q->r = r;
	q->kind = kind;
	q->next = m->reqs;
	if (m->reqs)
		m->reqs->prev = q;
	m->reqs = q;
	q->counted = true;
	m->busy++;
	return q;
}

/* Take q off the model's list (the model no longer waits for it). */
static void req_unlink(struct model *m, struct req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else if (m->reqs == q)
		m->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	if (q->counted) {
		q->counted = false;
		m->busy--;
	}
}

static void req_free(struct req *q)
{
	free(q->cursor);
	free(q->room_id);
	free(q);
}

/* ------------------------------------------------------------------ */
/* Resources */

static void shadow_discard(struct model *m, struct resource *r)
{
	struct model_internal *p = r->priv;

	charge(m, r, 0, rooms_bytes(p->shadow, p->n_shadow));
	for (size_t i = 0; i < p->n_shadow; i++)
		room_clear(&p->shadow[i]);
	free(p->shadow);
	p->shadow = NULL;
	p->n_shadow = 0;
	p->cap_shadow = 0;
	p->shadow_pages = 0;
}

static void rooms_free(struct resource *r)
{
	for (size_t i = 0; i < r->n_rooms; i++)
		room_clear(&r->rooms[i]);
	free(r->rooms);
	r->rooms = NULL;
	r->n_rooms = 0;
	r->priv->cap_rooms = 0;
}

static void resource_free(struct model *m, struct resource *r)
{
	shadow_discard(m, r);
	rooms_free(r);
	room_filter_clear(&r->filter);
	free(r->next_cursor);
	free(r->room_id);
	room_clear(&r->room);
	free(r->key);
	m->bytes -= r->priv->bytes < m->bytes ? r->priv->bytes : m->bytes;
	free(r->priv);
	free(r);
}

static struct resource *find(struct model *m, const char *key)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (strcmp(m->res[i]->key, key) == 0)
			return m->res[i];
	return NULL;
}

static struct resource *find_room(struct model *m, const char *id)
{
	for (size_t i = 0; i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->kind == RES_ROOM && strcmp(r->room_id, id) == 0)
			return r;
	}
	return NULL;
}

static char *room_key(const char *id)
{
	struct buf b;

	buf_init(&b);
	if (!buf_printf(&b, "/v2/rooms/%s", id)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* A new, empty resource added to the model; takes key. */
static struct resource *resource_add(struct model *m, char *key, enum res_kind kind)
{
	struct resource *r;

	if (!key)
		return NULL;
	if (m->n_res == m->cap_res) {
		size_t cap = m->cap_res ? m->cap_res * 2 : 16;
		struct resource **v = realloc(m->res, cap * sizeof(*v));

		if (!v) {
			free(key);
			return NULL;
		}
		m->res = v;
		m->cap_res = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->priv = calloc(1, sizeof(*r->priv)))) {
		free(r);
		free(key);
		return NULL;
	}
	r->key = key;
	r->kind = kind;
	r->state = RES_EMPTY;
	r->room.created_s = -1;
	r->room.last_connection_s = -1;
	r->priv->m = m;
	m->res[m->n_res++] = r;
	charge(m, r, sizeof(*r) + sizeof(*r->priv) + strlen(key) + 1, 0);
	touch(m, r);
	return r;
}

static struct resource *room_resource(struct model *m, const char *id, bool create)
{
	struct resource *r = find_room(m, id);
	char *copy;

	if (r || !create)
		return r;
	copy = strdup(id);
	if (!copy)
		return NULL;
	r = resource_add(m, room_key(id), RES_ROOM);
	if (!r) {
		free(copy);
		return NULL;
	}
	r->room_id = copy;
	return r;
}

/* Append n rooms to a growable array, moving them (the source slots are
 * zeroed so their owner frees nothing). */
static bool rooms_append(struct room **v, size_t *n, size_t *cap, struct room *src, size_t k)
{
	if (*n + k > *cap) {
		size_t c = *cap ? *cap : 32;
		struct room *nv;

		while (c < *n + k)
			c *= 2;
		nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return false;
		*v = nv;
		*cap = c;
	}
	memcpy(*v + *n, src, k * sizeof(*src));
	*n += k;
	memset(src, 0, k * sizeof(*src));
	return true;
}

/* ------------------------------------------------------------------ */
/* Loading */

static void on_load_done(struct api_result *res, void *ud);

static void attach(struct resource *r, struct req *q)
{
	r->priv->req = q;
	r->busy = true;
}

static void detach(struct resource *r)
{
	r->priv->req = NULL;
	r->busy = false;
	r->paging = false;
}

/* Submit q through the api (q is already attached). Returns false when q
 * finished synchronously (it has been handled and freed) or was cancelled
 * while being submitted. */
static bool req_submit(struct model *m, struct req *q)
{
	struct resource *r = q->r;
	http_id id;

	q->starting = true;
	if (r->kind == RES_ROOM)
		id = api_room_get(m->api, r->room_id, on_load_done, q);
	else
		id = api_rooms_list(m->api, &r->filter, q->cursor, on_load_done, q);
	q->starting = false;
	if (q->finished) {
		req_free(q);
		return false;
	}
	q->id = id;
	if (q->cancel_sent) {
		/* Cancelled by a callback while it was being submitted. */
		if (!api_cancel(m->api, id)) {
			req_unlink(m, q);
			req_free(q);
		}
		return false;
	}
	return true;
}

/* Outcome of starting a request. */
enum start { START_FAILED = -1, START_DONE = 0, START_IN_FLIGHT = 1 };

static enum start submitted(struct model *m, struct req *q)
{
	return req_submit(m, q) ? START_IN_FLIGHT : START_DONE;
}

/* Request one page of a list into the shadow (first load or revalidation).
 * START_FAILED (out of memory) changes nothing. */
static enum start start_page(struct model *m, struct resource *r, const char *cursor, int target)
{
	struct req *q = req_new(m, r, REQ_LOAD);

	if (!q)
		return START_FAILED;
	q->target_pages = target;
	if (cursor && !(q->cursor = strdup(cursor))) {
		req_unlink(m, q);
		req_free(q);
		return START_FAILED;
	}
	attach(r, q);
	return submitted(m, q);
}

static void load_failed(struct model *m, struct resource *r, const struct lb_error *err);

/* Start the first load or a revalidation; no-op while a request is in
 * flight (one request per resource). */
static void start_load(struct model *m, struct resource *r)
{
	struct model_internal *p = r->priv;
	enum start st = START_FAILED;

	if (p->req)
		return;
	p->prev_state = r->state;
	p->dirty = false;
	r->busy_since_ms = mnow(m);
	if (!r->has_data)
		r->state = RES_LOADING;
	if (r->kind == RES_ROOMS) {
		shadow_discard(m, r);
		/* Revalidation reloads as many pages as are shown, into a shadow
		 * list swapped in at the end, so the visible list never shrinks
		 * under the user's cursor while it runs. */
		st = start_page(m, r, NULL, p->pages > 0 ? p->pages : 1);
	} else {
		struct req *q = req_new(m, r, REQ_LOAD);

		if (q) {
			attach(r, q);
			st = submitted(m, q);
		}
	}
	if (st == START_IN_FLIGHT) {
		changed(m, r);
	} else if (st == START_FAILED) {
		struct lb_error e;

		lb_error_set(&e, LB_NOMEM, "out of memory");
		load_failed(m, r, &e);
	}
}

/* After a load finished: reload at once if a mutation invalidated it
 * meanwhile and someone holds it. */
static void after_load(struct model *m, struct resource *r)
{
	if (r->priv->dirty && !r->priv->req) {
		r->priv->dirty = false;
		if (r->has_data && r->state == RES_FRESH) {
			r->state = RES_STALE;
			changed(m, r);
		}
		if (r->priv->refs > 0)
			start_load(m, r);
	}
}

static void load_failed(struct model *m, struct resource *r, const struct lb_error *err)
{
	struct model_internal *p = r->priv;

	if (r->kind == RES_ROOMS)
		shadow_discard(m, r);
	if (err->status == LB_CANCELLED) {
		r->state = p->prev_state;
	} else {
		r->err = *err;
		r->state = r->has_data ? RES_STALE : RES_ERROR;
	}
	changed(m, r);
}

static void remove_from_lists(struct model *m, const char *id);

/* The room was deleted or answered 404: no data, gone, with why. */
static void mark_gone(struct model *m, struct resource *r, const struct lb_error *err)
{
	charge(m, r, 0, room_bytes(&r->room));
	room_clear(&r->room);
	r->has_data = false;
	r->gone = true;
	r->state = RES_ERROR;
	r->err = *err;
	changed(m, r);
}

static void room_loaded(struct model *m, struct resource *r, struct api_result *res)
{
	if (res->err.status == LB_HTTP && res->err.http_status == 404) {
		char *id = strdup(r->room_id);

		mark_gone(m, r, &res->err);
		if (id)
			remove_from_lists(m, id);
		free(id);
		return;
	}
	if (res->err.status != LB_OK) {
		load_failed(m, r, &res->err);
		after_load(m, r);
		return;
	}
	charge(m, r, room_bytes(&res->u.room), room_bytes(&r->room));
	room_clear(&r->room);
	r->room = res->u.room;
	memset(&res->u.room, 0, sizeof(res->u.room));
	r->has_data = true;
	r->gone = false;
	r->priv->loaded = true;
	r->fetched_ms = mnow(m);
	lb_error_clear(&r->err);
	r->state = RES_FRESH;
	changed(m, r);
	after_load(m, r);
}

/* The next cursor of a page, or NULL at the end. A server that answers
 * with the cursor it was given would loop forever: that is the end too. */
static char *take_cursor(struct room_page *page, const char *sent)
{
	char *c = page->next_cursor;

	page->next_cursor = NULL;
	if (c && sent && strcmp(c, sent) == 0) {
		free(c);
		c = NULL;
	}
	return c;
}

static void page_loaded(struct model *m, struct resource *r, struct req *q, struct api_result *res)
{
	struct model_internal *p = r->priv;
	struct room_page *page = &res->u.page;
	size_t add = rooms_bytes(page->rooms, page->n);
	char *cursor;

	if (res->err.status != LB_OK) {
		load_failed(m, r, &res->err);
		after_load(m, r);
		return;
	}
	if (!rooms_append(&p->shadow, &p->n_shadow, &p->cap_shadow, page->rooms, page->n)) {
		struct lb_error e;

		lb_error_set(&e, LB_NOMEM, "out of memory");
		load_failed(m, r, &e);
		return;
	}
	charge(m, r, add, 0);
	p->shadow_pages++;
	cursor = take_cursor(page, q->cursor);
	if (cursor && p->shadow_pages < q->target_pages) {
		/* Still the same load: the next page of the shadow. */
		enum start st = start_page(m, r, cursor, q->target_pages);

		free(cursor);
		if (st == START_FAILED) {
			struct lb_error e;

			lb_error_set(&e, LB_NOMEM, "out of memory");
			load_failed(m, r, &e);
		}
		return;
	}
	charge(m, r, 0, rooms_bytes(r->rooms, r->n_rooms));
	rooms_free(r);
	r->rooms = p->shadow;
	r->n_rooms = p->n_shadow;
	p->cap_rooms = p->cap_shadow;
	p->pages = p->shadow_pages;
	p->shadow = NULL;
	p->n_shadow = p->cap_shadow = 0;
	p->shadow_pages = 0;
	free(r->next_cursor);
	r->next_cursor = cursor;
	r->complete = cursor == NULL;
	r->has_data = true;
	p->loaded = true;
	r->fetched_ms = mnow(m);
	lb_error_clear(&r->err);
	r->state = RES_FRESH;
	changed(m, r);
	after_load(m, r);
}

static void more_loaded(struct model *m, struct resource *r, struct req *q, struct api_result *res)
{
	struct model_internal *p = r->priv;
	struct room_page *page = &res->u.page;
	size_t add = rooms_bytes(page->rooms, page->n);

	if (res->err.status != LB_OK) {
		if (res->err.status != LB_CANCELLED)
			r->err = res->err;
		changed(m, r);
		after_load(m, r);
		return;
	}
	if (!rooms_append(&r->rooms, &r->n_rooms, &p->cap_rooms, page->rooms, page->n)) {
		lb_error_set(&r->err, LB_NOMEM, "out of memory");
		changed(m, r);
		return;
	}
	charge(m, r, add, 0);
	p->pages++;
	free(r->next_cursor);
	r->next_cursor = take_cursor(page, q->cursor);
	r->complete = r->next_cursor == NULL;
	changed(m, r);
	after_load(m, r);
}

static void on_load_done(struct api_result *res, void *ud)
{
	struct req *q = ud;
	struct model *m = q->m;
	struct resource *r = q->r;

	if (!m) {
		req_free(q);
		return;
	}
	enter(m);
	req_unlink(m, q);
	if (r) {
		q->r = NULL;
		detach(r);
		if (r->kind == RES_ROOM)
			room_loaded(m, r, res);
		else if (q->kind == REQ_MORE)
			more_loaded(m, r, q, res);
		else
			page_loaded(m, r, q, res);
	}
	if (q->starting)
		q->finished = true;
	else
		req_free(q);
	leave(m);
}

/* ------------------------------------------------------------------ */
/* Eviction */

/* Free least-recently-used resources while over budget; never one that is
 * referenced or has a request in flight. */
static void evict(struct model *m)
{
	while (m->bytes > m->opt.memory_budget) {
		size_t victim = m->n_res;

		for (size_t i = 0; i < m->n_res; i++) {
			struct resource *r = m->res[i];

			if (r->priv->refs > 0 || r->busy || r->priv->req)
				continue;
			if (victim == m->n_res || r->priv->used < m->res[victim]->priv->used)
				victim = i;
		}
		if (victim == m->n_res)
			break;
		resource_free(m, m->res[victim]);
		m->res[victim] = m->res[--m->n_res];
	}
}

/* ------------------------------------------------------------------ */
/* Public: lifetime, listeners */

/* New model over api (which must outlive it); NULL on allocation failure. */
struct model *model_new(struct api *api, const struct model_options *o)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->api = api;
	if (o)
		m->opt = *o;
	else
		model_options_default(&m->opt);
	return m;
}

/* Cancel what is in flight and free everything; *mp becomes NULL. Pending
 * mutations still get their callback (LB_CANCELLED). Not from a callback. */
void model_free(struct model **mp)
{
	struct model *m = mp ? *mp : NULL;
	struct req *q, *next;

	if (!m)
		return;
	q = m->reqs;
	m->reqs = NULL;
	for (; q; q = next) {
		next = q->next;
		q->m = NULL;
		q->r = NULL;
		q->prev = q->next = NULL;
		if (q->cancel_sent)
			continue; /* its callback frees it */
		q->cancel_sent = true;
		if (!api_cancel(m->api, q->id)) {
			/* Unknown to the transport: nobody will call back. */
			if (q->kind == REQ_MUTATION && q->done) {
				struct lb_error e;

				lb_error_set(&e, LB_CANCELLED, "cancelled");
				q->done(&e, NULL, q->ud);
			}
			req_free(q);
		}
	}
	for (size_t i = 0; i < m->n_res; i++)
		resource_free(m, m->res[i]);
	free(m->res);
	free(m->ls);
	free(m);
	*mp = NULL;
}

/* Add a listener called after every change to any resource. */
void model_listen(struct model *m, model_listener_fn fn, void *ud)
{
	struct listener *v;

	if (!m || !fn)
		return;
	v = realloc(m->ls, (m->n_ls + 1) * sizeof(*v));
	if (!v)
		return;
	m->ls = v;
	m->ls[m->n_ls].fn = fn;
	m->ls[m->n_ls].ud = ud;
	m->n_ls++;
}

/* Remove a listener; notify() re-reads the count, so this is safe from a
 * listener too. */
void model_unlisten(struct model *m, model_listener_fn fn, void *ud)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_ls; i++)
		if (m->ls[i].fn == fn && m->ls[i].ud == ud) {
			memmove(&m->ls[i], &m->ls[i + 1], (m->n_ls - i - 1) * sizeof(m->ls[0]));
			m->n_ls--;
			return;
		}
}

/* ------------------------------------------------------------------ */
/* Public: resources */

/* Load on first use, revalidate when stale; a failed resource is retried
 * when someone comes back to it (nobody held it). */
static void on_visit(struct model *m, struct resource *r, bool revisit)
{
	if (r->busy)
		return;
	if (r->state == RES_FRESH && too_old(m, r)) {
		r->state = RES_STALE;
		changed(m, r);
	}
	if (r->state == RES_EMPTY || r->state == RES_STALE || (r->state == RES_ERROR && revisit))
		start_load(m, r);
}

/* The rooms list for a filter, referenced; loads or revalidates it. */
struct resource *model_rooms(struct model *m, const struct room_filter *f)
{
	static const struct room_filter none;
	struct resource *r;
	struct buf b;
	char *fk;
	bool revisit;

	if (!f)
		f = &none;
	fk = room_filter_key(f);
	if (!fk)
		return NULL;
	buf_init(&b);
	if (!buf_printf(&b, "/v2/rooms?%s", fk)) {
		free(fk);
		buf_free(&b);
		return NULL;
	}
	free(fk);
	enter(m);
	r = find(m, b.data);
	if (r) {
		buf_free(&b);
	} else {
		r = resource_add(m, buf_steal(&b), RES_ROOMS);
		if (r && !room_filter_copy(&r->filter, f)) {
			/* Just added, so it is the last one. */
			m->n_res--;
			resource_free(m, r);
			r = NULL;
		}
	}
	if (r) {
		revisit = r->priv->refs == 0;
		r->priv->refs++;
		touch(m, r);
		on_visit(m, r, revisit);
	}
	leave(m);
	return r;
}

/* One room, referenced; loads or revalidates it. */
struct resource *model_room(struct model *m, const char *id)
{
	struct resource *r;
	bool revisit;

	if (!id)
		return NULL;
	enter(m);
	r = room_resource(m, id, true);
	if (r) {
		revisit = r->priv->refs == 0;
		r->priv->refs++;
		touch(m, r);
		on_visit(m, r, revisit);
	}
	leave(m);
	return r;
}

/* Drop a reference; *r becomes NULL. The resource stays cached. */
void model_release(struct model *m, struct resource **r)
{
	if (!m || !r || !*r)
		return;
	enter(m);
	if ((*r)->priv->refs > 0)
		(*r)->priv->refs--;
	touch(m, *r);
	*r = NULL;
	leave(m);
}

/* Load it if it is empty, stale or failed (no-op while busy or fresh). */
void model_need(struct model *m, struct resource *r)
{
	if (!m || !r)
		return;
	enter(m);
	touch(m, r);
	on_visit(m, r, true);
	leave(m);
}

/* Revalidate now, whatever its age (no-op while a request is in flight). */
void model_refresh(struct model *m, struct resource *r)
{
	if (!m || !r)
		return;
	enter(m);
	touch(m, r);
	start_load(m, r);
	leave(m);
}

/* Load the next page (no-op when complete, not loaded or busy). */
void model_more(struct model *m, struct resource *r)
{
	struct req *q;

	if (!m || !r || r->kind != RES_ROOMS || !r->has_data || r->complete || !r->next_cursor ||
	    r->priv->req)
		return;
	enter(m);
	touch(m, r);
	q = req_new(m, r, REQ_MORE);
	if (q && !(q->cursor = strdup(r->next_cursor))) {
		req_unlink(m, q);
		req_free(q);
		q = NULL;
	}
	if (q) {
		r->busy_since_ms = mnow(m);
		attach(r, q);
		r->paging = true;
		if (req_submit(m, q))
			changed(m, r);
	}
	leave(m);
}

/* Cancel what is in flight for it; it keeps what it had. */
void model_cancel(struct model *m, struct resource *r)
{
	struct req *q;

	if (!m || !r || !(q = r->priv->req))
		return;
	enter(m);
	detach(r);
	q->r = NULL;
	if (q->kind == REQ_LOAD) {
		if (r->kind == RES_ROOMS)
			shadow_discard(m, r);
		r->state = r->priv->prev_state;
	}
	if (q->counted) {
		q->counted = false;
		m->busy--;
	}
	q->cancel_sent = true;
	if (!q->starting && !api_cancel(m->api, q->id)) {
		req_unlink(m, q);
		req_free(q);
	}
	changed(m, r);
	leave(m);
}

/* Mark fresh resources older than the limit stale. */
void model_tick(struct model *m)
{
	size_t n;

	if (!m)
		return;
	enter(m);
	n = m->n_res;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->state == RES_FRESH && too_old(m, r)) {
			r->state = RES_STALE;
			changed(m, r);
		}
	}
	leave(m);
}

/* Age of the data in seconds, -1 when never loaded. */
long long model_age_s(const struct resource *r)
{
	long long age;

	if (!r || !r->priv->loaded)
		return -1;
	age = mnow(r->priv->m) - r->fetched_ms;
	return age < 0 ? 0 : age / 1000;
}

/* ------------------------------------------------------------------ */
/* Mutations */

static void remove_from(struct model *m, struct resource *r, struct room *v, size_t *n,
                        const char *id, bool visible)
{
	for (size_t i = 0; i < *n;) {
		if (v[i].id && strcmp(v[i].id, id) == 0) {
			charge(m, r, 0, room_bytes(&v[i]));
			room_clear(&v[i]);
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			if (visible)
				r->generation++;
		} else {
			i++;
		}
	}
}

/* Drop the room from every cached list (and lists being reloaded). */
static void remove_from_lists(struct model *m, const char *id)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];
		unsigned gen = r->generation;

		if (r->kind != RES_ROOMS)
			continue;
		remove_from(m, r, r->priv->shadow, &r->priv->n_shadow, id, false);
		remove_from(m, r, r->rooms, &r->n_rooms, id, true);
		if (r->generation != gen)
			notify(m, r);
	}
}

/* Put the server's copy of a room in the lists that already show it. */
static void replace_in_lists(struct model *m, const struct room *room)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];
		bool hit = false;

		if (r->kind != RES_ROOMS)
			continue;
		for (size_t j = 0; j < r->n_rooms; j++) {
			struct room copy;

			if (!r->rooms[j].id || strcmp(r->rooms[j].id, room->id) != 0)
				continue;
			if (!room_copy(&copy, room))
				continue;
			charge(m, r, room_bytes(&copy), room_bytes(&r->rooms[j]));
			room_clear(&r->rooms[j]);
			r->rooms[j] = copy;
			hit = true;
		}
		if (hit)
			changed(m, r);
	}
}

/* Every list is stale now; the held ones reload, the busy ones reload
 * when their current request ends. */
static void invalidate_lists(struct model *m)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->kind != RES_ROOMS)
			continue;
		if (r->priv->req) {
			r->priv->dirty = true;
			continue;
		}
		if (r->has_data && r->state == RES_FRESH) {
			r->state = RES_STALE;
			changed(m, r);
		}
		if (r->priv->refs > 0 && (r->state == RES_STALE || r->state == RES_EMPTY))
			start_load(m, r);
	}
}

/* The room resource now holds the server's copy. */
static void room_store(struct model *m, const struct room *room)
{
	struct resource *r = room->id ? room_resource(m, room->id, true) : NULL;
	struct room copy;

	if (!r || !room_copy(&copy, room))
		return;
	charge(m, r, room_bytes(&copy), room_bytes(&r->room));
	room_clear(&r->room);
	r->room = copy;
	r->has_data = true;
	r->gone = false;
	r->priv->loaded = true;
	r->fetched_ms = mnow(m);
	lb_error_clear(&r->err);
	/* A GET in flight may carry the old copy: reload after it. */
	if (r->priv->req)
		r->priv->dirty = true;
	else
		r->state = RES_FRESH;
	changed(m, r);
}

static void room_deleted(struct model *m, const char *id, const struct lb_error *why)
{
	struct resource *r = find_room(m, id);

	if (r) {
		if (r->priv->req)
			r->priv->dirty = true;
		mark_gone(m, r, why);
	}
	remove_from_lists(m, id);
}

static void on_mut_done(struct api_result *res, void *ud)
{
	struct req *q = ud;
	struct model *m = q->m;
	const struct room *room = NULL;

	if (!m) {
		if (q->done)
			q->done(&res->err, NULL, q->ud);
		req_free(q);
		return;
	}
	enter(m);
	req_unlink(m, q);
	if (res->err.status == LB_OK) {
		if (q->mut == MUT_DELETE) {
			struct lb_error why;

			lb_error_set(&why, LB_HTTP, "room \"%s\" was deleted", q->room_id);
			room_deleted(m, q->room_id, &why);
		} else {
			room = &res->u.room;
			room_store(m, room);
			if (q->mut == MUT_UPDATE)
				replace_in_lists(m, room);
		}
		invalidate_lists(m);
	} else if (res->err.status == LB_HTTP && res->err.http_status == 404 &&
	           q->mut != MUT_CREATE && q->room_id) {
		room_deleted(m, q->room_id, &res->err);
	}
	if (q->done)
		q->done(&res->err, room, q->ud);
	if (q->starting)
		q->finished = true;
	else
		req_free(q);
	leave(m);
}

static bool refuse_read_only(struct model *m, const char *what, model_done_fn done, void *ud)
{
	struct lb_error e;

	if (!m->opt.read_only)
		return false;
	lb_error_set(&e, LB_READONLY, "read-only mode: %s refused, nothing was sent", what);
	if (done)
		done(&e, NULL, ud);
	return true;
}

static http_id mut_start(struct model *m, enum mut_kind kind, const char *id,
                         const struct room_create *c, bool idempotent, const struct room_update *u,
                         model_done_fn done, void *ud)
{
	struct req *q;
	http_id hid;

	q = req_new(m, NULL, REQ_MUTATION);
	if (!q || (id && !(q->room_id = strdup(id)))) {
		struct lb_error e;

		if (q) {
			req_unlink(m, q);
			req_free(q);
		}
		lb_error_set(&e, LB_NOMEM, "out of memory");
		if (done)
			done(&e, NULL, ud);
		return 0;
	}
	q->mut = kind;
	q->done = done;
	q->ud = ud;
	q->starting = true;
	if (kind == MUT_CREATE)
		hid = api_room_create(m->api, c, idempotent, on_mut_done, q);
	else if (kind == MUT_UPDATE)
		hid = api_room_update(m->api, id, u, on_mut_done, q);
	else
		hid = api_room_delete(m->api, id, on_mut_done, q);
	q->starting = false;
	if (q->finished) {
		req_free(q);
		return 0;
	}
	q->id = hid;
	return hid;
}

/* POST /v2/rooms through the model; see model.h. */
http_id model_room_create(struct model *m, const struct room_create *c, bool idempotent,
                          model_done_fn done, void *ud)
{
	http_id id;

	if (refuse_read_only(m, "creating a room is", done, ud))
		return 0;
	enter(m);
	id = mut_start(m, MUT_CREATE, c->id, c, idempotent, NULL, done, ud);
	leave(m);
	return id;
}

/* POST /v2/rooms/{id} through the model; see model.h. */
http_id model_room_update(struct model *m, const char *id, const struct room_update *u,
                          model_done_fn done, void *ud)
{
	http_id hid;

	if (refuse_read_only(m, "updating a room is", done, ud))
		return 0;
	enter(m);
	hid = mut_start(m, MUT_UPDATE, id, NULL, false, u, done, ud);
	leave(m);
	return hid;
}

/* DELETE /v2/rooms/{id} through the model; see model.h. */
http_id model_room_delete(struct model *m, const char *id, model_done_fn done, void *ud)
{
	http_id hid;

	if (refuse_read_only(m, "deleting a room is", done, ud))
		return 0;
	enter(m);
	hid = mut_start(m, MUT_DELETE, id, NULL, false, NULL, done, ud);
	leave(m);
	return hid;
}

/* ------------------------------------------------------------------ */
/* Queries */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool ids_push(const char ***v, size_t *n, size_t *cap, const char *id)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		const char **nv = realloc((void *)*v, c * sizeof(*nv));

		if (!nv)
			return false;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = id;
	return true;
}

/* Room IDs known to the cache starting with prefix, sorted and unique. */
size_t model_room_ids(struct model *m, const char *prefix, const char **out, size_t max)
{
	const char **all = NULL;
	size_t n = 0, cap = 0, k = 0, plen = prefix ? strlen(prefix) : 0;
	bool ok = true;

	if (!m || !out || max == 0)
		return 0;
	for (size_t i = 0; i < m->n_res && ok; i++) {
		const struct resource *r = m->res[i];

		if (r->kind == RES_ROOM) {
			if (r->has_data && !r->gone && r->room.id &&
			    strncmp(r->room.id, prefix ? prefix : "", plen) == 0)
				ok = ids_push(&all, &n, &cap, r->room.id);
			continue;
		}
		for (size_t j = 0; j < r->n_rooms && ok; j++) {
			const char *id = r->rooms[j].id;

			if (id && strncmp(id, prefix ? prefix : "", plen) == 0)
				ok = ids_push(&all, &n, &cap, id);
		}
	}
	if (n > 1)
		qsort((void *)all, n, sizeof(*all), cmp_str);
	for (size_t i = 0; i < n && k < max; i++)
		if (k == 0 || strcmp(out[k - 1], all[i]) != 0)
			out[k++] = all[i];
	free((void *)all);
	return k;
}

/* Cached data in bytes. */
size_t model_bytes(const struct model *m)
{
	return m ? m->bytes : 0;
}

/* Requests in flight (loads and mutations). */
int model_busy_count(const struct model *m)
{
	return m ? m->busy : 0;
}

bool model_read_only(const struct model *m)
{
	return m && m->opt.read_only;
}
