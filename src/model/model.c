#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_impl.h"
#include "util.h"

/* How the model is kept consistent while callbacks re-enter it:
 * - every public entry point and every transport callback runs between
 *   mi_enter() and mi_leave(); resources are only freed (evicted) when the
 *   outermost call leaves, so no pointer held up the stack goes stale;
 * - listeners are called only after the resource is consistent, and loops
 *   over resources index the array (which a listener may grow);
 * - a request is owned by its callback; model_cancel detaches it first, so
 *   a late or synchronous callback of a cancelled request changes nothing. */

/* 16 MiB, 30 s, not read-only, the monotonic clock. */
void model_options_default(struct model_options *o)
{
	memset(o, 0, sizeof(*o));
	o->memory_budget = 16u << 20;
	o->stale_after_ms = 30000;
	o->read_only = false;
	o->clock_ms = NULL;
}

/* The model's clock in monotonic milliseconds. */
long long mi_now(const struct model *m)
{
	return m->opt.clock_ms ? m->opt.clock_ms() : now_ms();
}

/* ------------------------------------------------------------------ */
/* Bookkeeping */

static void evict(struct model *m);

/* Entry into the model (nesting). */
void mi_enter(struct model *m)
{
	m->depth++;
}

/* Leave; the outermost leave evicts what is over budget. */
void mi_leave(struct model *m)
{
	if (--m->depth == 0)
		evict(m);
}

/* Add and remove bytes charged to r and the model. */
void mi_charge(struct model *m, struct resource *r, size_t add, size_t sub)
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

/* Call every listener. */
void mi_notify(struct model *m, struct resource *r)
{
	for (size_t i = 0; i < m->n_ls; i++)
		m->ls[i].fn(r, m->ls[i].ud);
}

/* Bump the generation and call the listeners. */
void mi_changed(struct model *m, struct resource *r)
{
	r->generation++;
	mi_notify(m, r);
}

/* Stamp r as used now (LRU). */
void mi_touch(struct model *m, struct resource *r)
{
	r->priv->used = ++m->clock;
}

static bool too_old(const struct model *m, const struct resource *r)
{
	return r->has_data && mi_now(m) - r->fetched_ms >= m->opt.stale_after_ms;
}

/* A new request, counted as busy and on the model's list. */
struct req *mi_req_new(struct model *m, struct resource *r, enum req_kind kind)
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
void mi_req_unlink(struct model *m, struct req *q)
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

/* Free a request record. */
void mi_req_free(struct req *q)
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

	mi_charge(m, r, 0, rooms_bytes(p->shadow, p->n_shadow));
	for (size_t i = 0; i < p->n_shadow; i++)
		room_clear(&p->shadow[i]);
	free(p->shadow);
	p->shadow = NULL;
	p->n_shadow = 0;
	p->cap_shadow = 0;
	p->shadow_pages = 0;
}

/* Drop the pages of a list (re)load in progress, whatever the kind. */
static void discard(struct model *m, struct resource *r)
{
	if (r->kind == RES_ROOMS)
		shadow_discard(m, r);
	else if (r->priv->ops && r->priv->ops->discard)
		r->priv->ops->discard(m, r);
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
	discard(m, r);
	if (r->priv->ops && r->priv->ops->clear)
		r->priv->ops->clear(m, r);
	rooms_free(r);
	room_filter_clear(&r->filter);
	free(r->next_cursor);
	mi_cursors_clear(r);
	free(r->room_id);
	free(r->renamed_to);
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

/* The resource of that kind and key, or NULL. */
struct resource *mi_find(struct model *m, enum res_kind kind, const char *key)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (m->res[i]->kind == kind && strcmp(m->res[i]->key, key) == 0)
			return m->res[i];
	return NULL;
}

/* The RES_ROOM resource of a room, or NULL. */
struct resource *mi_find_room(struct model *m, const char *id)
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
struct resource *mi_resource_add(struct model *m, char *key, enum res_kind kind,
                                 const struct res_ops *ops)
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
	r->priv->ops = ops;
	m->res[m->n_res++] = r;
	mi_charge(m, r, sizeof(*r) + sizeof(*r->priv) + strlen(key) + 1, 0);
	mi_touch(m, r);
	return r;
}

/* Remove the resource just added (the last one) and free it. */
void mi_resource_drop_last(struct model *m, struct resource *r)
{
	if (m->n_res > 0 && m->res[m->n_res - 1] == r)
		m->n_res--;
	resource_free(m, r);
}

/* The RES_ROOM resource of a room, created when asked. */
struct resource *mi_room_resource(struct model *m, const char *id, bool create)
{
	struct resource *r = mi_find_room(m, id);
	char *copy;

	if (r || !create)
		return r;
	copy = strdup(id);
	if (!copy)
		return NULL;
	r = mi_resource_add(m, room_key(id), RES_ROOM, NULL);
	if (!r) {
		free(copy);
		return NULL;
	}
	r->room_id = copy;
	return r;
}

/* Make room for need items in a growable array (32 at first, doubling). */
bool mi_reserve(void *v, size_t *cap, size_t need, size_t size, void **out)
{
	size_t c = *cap ? *cap : 32;
	void *nv;

	*out = v;
	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	nv = realloc(v, c * size);
	if (!nv)
		return false;
	*out = nv;
	*cap = c;
	return true;
}

/* Append n rooms to a growable array, moving them (the source slots are
 * zeroed so their owner frees nothing). */
static bool rooms_append(struct room **v, size_t *n, size_t *cap, struct room *src, size_t k)
{
	void *nv;

	if (!mi_reserve(*v, cap, *n + k, sizeof(**v), &nv))
		return false;
	*v = nv;
	if (k) {
		memcpy(*v + *n, src, k * sizeof(*src));
		memset(src, 0, k * sizeof(*src));
	}
	*n += k;
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
	if (r->priv->ops)
		id = r->priv->ops->submit(m, q);
	else if (r->kind == RES_ROOM)
		id = api_room_get(m->api, r->room_id, on_load_done, q);
	else
		id = api_rooms_list(m->api, &r->filter, q->cursor, on_load_done, q);
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return false;
	}
	q->id = id;
	if (q->cancel_sent) {
		/* Cancelled by a callback while it was being submitted. */
		if (!api_cancel(m->api, id)) {
			mi_req_unlink(m, q);
			mi_req_free(q);
		}
		return false;
	}
	return true;
}

static enum start submitted(struct model *m, struct req *q)
{
	return req_submit(m, q) ? START_IN_FLIGHT : START_DONE;
}

/* Request one page of a list into the shadow (first load or revalidation);
 * for kinds without pages, the one request of a load.
 * START_FAILED (out of memory) changes nothing. */
enum start mi_start_page(struct model *m, struct resource *r, const char *cursor, int target)
{
	struct req *q = mi_req_new(m, r, REQ_LOAD);

	if (!q)
		return START_FAILED;
	q->target_pages = target;
	if (cursor && !(q->cursor = strdup(cursor))) {
		mi_req_unlink(m, q);
		mi_req_free(q);
		return START_FAILED;
	}
	attach(r, q);
	return submitted(m, q);
}

/* Start the first load or a revalidation; no-op while a request is in
 * flight (one request per resource). */
void mi_start_load(struct model *m, struct resource *r)
{
	struct model_internal *p = r->priv;
	enum start st = START_FAILED;

	if (p->req)
		return;
	p->prev_state = r->state;
	p->dirty = false;
	r->busy_since_ms = mi_now(m);
	if (!r->has_data)
		r->state = RES_LOADING;
	if (r->kind == RES_ROOMS || (p->ops && p->ops->paged)) {
		discard(m, r);
		/* Revalidation reloads as many pages as are shown, into a shadow
		 * list swapped in at the end, so the visible list never shrinks
		 * under the user's cursor while it runs. */
		st = mi_start_page(m, r, NULL, p->pages > 0 ? p->pages : 1);
	} else {
		struct req *q = mi_req_new(m, r, REQ_LOAD);

		if (q) {
			attach(r, q);
			st = submitted(m, q);
		}
	}
	if (st == START_IN_FLIGHT) {
		mi_changed(m, r);
	} else if (st == START_FAILED) {
		struct lb_error e;

		lb_error_set(&e, LB_NOMEM, "out of memory");
		mi_load_failed(m, r, &e);
	}
}

/* After a load finished: reload at once if a mutation invalidated it
 * meanwhile and someone holds it. */
void mi_after_load(struct model *m, struct resource *r)
{
	if (r->priv->dirty && !r->priv->req) {
		r->priv->dirty = false;
		if (r->has_data && r->state == RES_FRESH) {
			r->state = RES_STALE;
			mi_changed(m, r);
		}
		if (r->priv->refs > 0)
			mi_start_load(m, r);
	}
}

/* A load failed: stale data stays with the error, or the error alone; a
 * cancelled load brings the previous state back. */
void mi_load_failed(struct model *m, struct resource *r, const struct lb_error *err)
{
	struct model_internal *p = r->priv;

	discard(m, r);
	if (err->status == LB_CANCELLED) {
		r->state = p->prev_state;
	} else {
		r->err = *err;
		r->state = r->has_data ? RES_STALE : RES_ERROR;
	}
	mi_changed(m, r);
}

/* The room was deleted, renamed or answered 404: no data, gone, with why. */
void mi_mark_gone(struct model *m, struct resource *r, const struct lb_error *err)
{
	mi_charge(m, r, 0, room_bytes(&r->room));
	room_clear(&r->room);
	r->has_data = false;
	r->gone = true;
	r->state = RES_ERROR;
	r->err = *err;
	mi_changed(m, r);
}

/* A load succeeded and the data is in place: fresh, timestamped, notified;
 * reloaded at once if a mutation invalidated it meanwhile. */
void mi_load_ok(struct model *m, struct resource *r)
{
	r->has_data = true;
	r->priv->loaded = true;
	r->fetched_ms = mi_now(m);
	lb_error_clear(&r->err);
	r->state = RES_FRESH;
	mi_changed(m, r);
	mi_after_load(m, r);
}

static void room_loaded(struct model *m, struct resource *r, struct api_result *res)
{
	if (res->err.status == LB_HTTP && res->err.http_status == 404) {
		char *id = strdup(r->room_id);

		mi_mark_gone(m, r, &res->err);
		if (id)
			mi_remove_from_lists(m, id);
		free(id);
		return;
	}
	if (res->err.status != LB_OK) {
		mi_load_fail(m, r, &res->err);
		return;
	}
	mi_charge(m, r, room_bytes(&res->u.room), room_bytes(&r->room));
	room_clear(&r->room);
	r->room = res->u.room;
	memset(&res->u.room, 0, sizeof(res->u.room));
	r->gone = false;
	free(r->renamed_to);
	r->renamed_to = NULL;
	mi_load_ok(m, r);
}

void mi_cursors_clear(struct resource *r)
{
	struct model_internal *p = r->priv;

	for (size_t i = 0; i < p->n_cursors; i++)
		free(p->cursors[i]);
	free(p->cursors);
	p->cursors = NULL;
	p->n_cursors = 0;
}

/* The next cursor of a page, or NULL at the end. */
char *mi_take_cursor(struct resource *r, char **next, const char *sent)
{
	struct model_internal *p = r->priv;
	char *c = *next;

	*next = NULL;
	if (!sent)
		mi_cursors_clear(r);
	if (!c)
		return NULL;
	bool again = sent && strcmp(c, sent) == 0;
	for (size_t i = 0; i < p->n_cursors && !again; i++)
		again = strcmp(p->cursors[i], c) == 0;
	char **v = again ? NULL : realloc(p->cursors, (p->n_cursors + 1) * sizeof(*v));
	char *copy = v ? strdup(c) : NULL;
	if (v)
		p->cursors = v;
	if (!copy) {
		/* Seen before; or no memory to remember it, and a list that
		 * might never end is worse than one cut short. */
		free(c);
		return NULL;
	}
	p->cursors[p->n_cursors++] = copy;
	return c;
}

/* A load failed: the error, then a reload if it was invalidated meanwhile. */
void mi_load_fail(struct model *m, struct resource *r, const struct lb_error *err)
{
	mi_load_failed(m, r, err);
	mi_after_load(m, r);
}

void mi_load_nomem(struct model *m, struct resource *r)
{
	struct lb_error e;

	lb_error_set(&e, LB_NOMEM, "out of memory");
	mi_load_fail(m, r, &e);
}

/* Go on with the next page of a (re)load, or say the shadow is complete. */
bool mi_page_more(struct model *m, struct resource *r, struct req *q, char *cursor)
{
	enum start st;

	if (!cursor || r->priv->shadow_pages >= q->target_pages)
		return false;
	/* Still the same load: the next page of the shadow. */
	st = mi_start_page(m, r, cursor, q->target_pages);
	free(cursor);
	if (st == START_FAILED)
		mi_load_nomem(m, r);
	return true;
}

/* The shadow was swapped in: the list is loaded. */
void mi_list_swapped(struct model *m, struct resource *r, char *cursor)
{
	struct model_internal *p = r->priv;

	p->pages = p->shadow_pages;
	p->shadow_pages = 0;
	free(r->next_cursor);
	r->next_cursor = cursor;
	r->complete = cursor == NULL;
	mi_load_ok(m, r);
}

/* The next page failed; the list keeps what it has. */
void mi_more_failed(struct model *m, struct resource *r, const struct lb_error *err)
{
	if (err->status != LB_CANCELLED)
		r->err = *err;
	mi_changed(m, r);
	mi_after_load(m, r);
}

/* The next page is in the visible list. */
void mi_more_appended(struct model *m, struct resource *r, char *cursor)
{
	lb_error_clear(&r->err); /* an earlier page's failure is over */
	r->priv->pages++;
	free(r->next_cursor);
	r->next_cursor = cursor;
	r->complete = cursor == NULL;
	mi_changed(m, r);
	mi_after_load(m, r);
}

static void page_loaded(struct model *m, struct resource *r, struct req *q, struct api_result *res)
{
	struct model_internal *p = r->priv;
	struct room_page *page = &res->u.page;
	size_t add = rooms_bytes(page->rooms, page->n);
	char *cursor;

	if (res->err.status != LB_OK) {
		mi_load_fail(m, r, &res->err);
		return;
	}
	if (!rooms_append(&p->shadow, &p->n_shadow, &p->cap_shadow, page->rooms, page->n)) {
		mi_load_nomem(m, r);
		return;
	}
	mi_charge(m, r, add, 0);
	p->shadow_pages++;
	cursor = mi_take_cursor(r, &page->next_cursor, q->cursor);
	if (mi_page_more(m, r, q, cursor))
		return;
	mi_charge(m, r, 0, rooms_bytes(r->rooms, r->n_rooms));
	rooms_free(r);
	r->rooms = p->shadow;
	r->n_rooms = p->n_shadow;
	p->cap_rooms = p->cap_shadow;
	p->shadow = NULL;
	p->n_shadow = p->cap_shadow = 0;
	mi_list_swapped(m, r, cursor);
}

static void more_loaded(struct model *m, struct resource *r, struct req *q, struct api_result *res)
{
	struct model_internal *p = r->priv;
	struct room_page *page = &res->u.page;
	size_t add = rooms_bytes(page->rooms, page->n);
	struct lb_error e;

	if (res->err.status != LB_OK) {
		mi_more_failed(m, r, &res->err);
		return;
	}
	if (!rooms_append(&r->rooms, &r->n_rooms, &p->cap_rooms, page->rooms, page->n)) {
		lb_error_set(&e, LB_NOMEM, "out of memory");
		mi_more_failed(m, r, &e);
		return;
	}
	mi_charge(m, r, add, 0);
	mi_more_appended(m, r, mi_take_cursor(r, &page->next_cursor, q->cursor));
}

/* Start of a load callback: NULL when the model was freed (q is freed).
 * Otherwise the model is entered, q is off its books, and *rp is the
 * resource to update (NULL when the request was cancelled). */
struct model *mi_load_begin(struct req *q, struct resource **rp)
{
	struct model *m = q->m;
	struct resource *r = q->r;

	*rp = NULL;
	if (!m) {
		mi_req_free(q);
		return NULL;
	}
	mi_enter(m);
	mi_req_unlink(m, q);
	if (r) {
		q->r = NULL;
		detach(r);
		*rp = r;
	}
	return m;
}

/* End of a load callback: q is freed, or left to the code submitting it
 * when the callback ran inside the submission. */
void mi_load_end(struct model *m, struct req *q)
{
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	mi_leave(m);
}

static void on_load_done(struct api_result *res, void *ud)
{
	struct req *q = ud;
	struct resource *r;
	struct model *m = mi_load_begin(q, &r);

	if (!m)
		return;
	if (r) {
		if (r->kind == RES_ROOM)
			room_loaded(m, r, res);
		else if (q->kind == REQ_MORE)
			more_loaded(m, r, q, res);
		else
			page_loaded(m, r, q, res);
	}
	mi_load_end(m, q);
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
	/* The api refuses every mutation from here on (api_refuses). */
	if (m->opt.read_only && api)
		api->read_only = true;
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
			if (q->abandon) {
				q->abandon(q);
			} else if (q->kind == REQ_MUTATION && q->done) {
				struct lb_error e;

				lb_error_set(&e, LB_CANCELLED, "cancelled");
				q->done(&e, NULL, q->ud);
			}
			mi_req_free(q);
		}
	}
	for (size_t i = 0; i < m->n_res; i++)
		resource_free(m, m->res[i]);
	free(m->res);
	free(m->ls);
	free(m);
	*mp = NULL;
}

int model_changes_in_flight(const struct model *m)
{
	int n = 0;

	for (const struct req *q = m ? m->reqs : NULL; q; q = q->next)
		n += q->change;
	return n;
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

/* Remove a listener; mi_notify() re-reads the count, so this is safe from a
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
		mi_changed(m, r);
	}
	if (r->state == RES_EMPTY || r->state == RES_STALE || (r->state == RES_ERROR && revisit))
		mi_start_load(m, r);
}

/* Take a reference for a caller; load or revalidate as needed (a failed
 * resource nobody held is retried). */
void mi_acquire(struct model *m, struct resource *r)
{
	bool revisit = r->priv->refs == 0;

	r->priv->refs++;
	mi_touch(m, r);
	on_visit(m, r, revisit);
}

/* The rooms list for a filter, referenced; loads or revalidates it. */
struct resource *model_rooms(struct model *m, const struct room_filter *f)
{
	static const struct room_filter none;
	struct resource *r;
	struct buf b;
	char *fk;

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
	mi_enter(m);
	r = find(m, b.data);
	if (r) {
		buf_free(&b);
	} else {
		r = mi_resource_add(m, buf_steal(&b), RES_ROOMS, NULL);
		if (r && !room_filter_copy(&r->filter, f)) {
			mi_resource_drop_last(m, r);
			r = NULL;
		}
	}
	if (r)
		mi_acquire(m, r);
	mi_leave(m);
	return r;
}

/* One room, referenced; loads or revalidates it. */
struct resource *model_room(struct model *m, const char *id)
{
	struct resource *r;

	if (!id)
		return NULL;
	mi_enter(m);
	r = mi_room_resource(m, id, true);
	if (r)
		mi_acquire(m, r);
	mi_leave(m);
	return r;
}

/* Drop a reference; *r becomes NULL. The resource stays cached. */
void model_release(struct model *m, struct resource **r)
{
	if (!m || !r || !*r)
		return;
	mi_enter(m);
	if ((*r)->priv->refs > 0)
		(*r)->priv->refs--;
	mi_touch(m, *r);
	*r = NULL;
	mi_leave(m);
}

/* Used now: load as on a visit, or (force) revalidate whatever its age. */
static void use(struct model *m, struct resource *r, bool force)
{
	if (!m || !r)
		return;
	mi_enter(m);
	mi_touch(m, r);
	if (force)
		mi_start_load(m, r);
	else
		on_visit(m, r, true);
	mi_leave(m);
}

/* Load it if it is empty, stale or failed (no-op while busy or fresh). */
void model_need(struct model *m, struct resource *r)
{
	use(m, r, false);
}

/* Revalidate now, whatever its age (no-op while a request is in flight). */
void model_refresh(struct model *m, struct resource *r)
{
	use(m, r, true);
}

/* Load the next page (no-op when complete, not loaded or busy). */
void model_more(struct model *m, struct resource *r)
{
	struct req *q;

	if (!m || !r || !(r->kind == RES_ROOMS || (r->priv->ops && r->priv->ops->paged)) ||
	    !r->has_data || r->complete || !r->next_cursor || r->priv->req)
		return;
	mi_enter(m);
	mi_touch(m, r);
	q = mi_req_new(m, r, REQ_MORE);
	if (q && !(q->cursor = strdup(r->next_cursor))) {
		mi_req_unlink(m, q);
		mi_req_free(q);
		q = NULL;
	}
	if (q) {
		r->busy_since_ms = mi_now(m);
		attach(r, q);
		r->paging = true;
		if (req_submit(m, q))
			mi_changed(m, r);
	}
	mi_leave(m);
}

/* Pages of a list in view so far. */
int model_pages(const struct resource *r)
{
	return r && r->priv ? r->priv->pages : 0;
}

/* Cancel what is in flight for it; it keeps what it had. */
void model_cancel(struct model *m, struct resource *r)
{
	struct req *q;

	if (!m || !r || !(q = r->priv->req))
		return;
	mi_enter(m);
	detach(r);
	q->r = NULL;
	if (q->kind == REQ_LOAD) {
		discard(m, r);
		r->state = r->priv->prev_state;
	}
	if (q->counted) {
		q->counted = false;
		m->busy--;
	}
	q->cancel_sent = true;
	if (!q->starting && !api_cancel(m->api, q->id)) {
		mi_req_unlink(m, q);
		mi_req_free(q);
	}
	mi_changed(m, r);
	mi_leave(m);
}

/* Mark fresh resources older than the limit stale. */
void model_tick(struct model *m)
{
	size_t n;

	if (!m)
		return;
	mi_enter(m);
	n = m->n_res;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->state == RES_FRESH && too_old(m, r)) {
			r->state = RES_STALE;
			mi_changed(m, r);
		}
	}
	mi_leave(m);
}

/* Age of the data in seconds, -1 when never loaded. */
long long model_age_s(const struct resource *r)
{
	long long age;

	if (!r || !r->priv->loaded)
		return -1;
	age = mi_now(r->priv->m) - r->fetched_ms;
	return age < 0 ? 0 : age / 1000;
}

/* ------------------------------------------------------------------ */
/* Mutations */

static void remove_from(struct model *m, struct resource *r, struct room *v, size_t *n,
                        const char *id, bool visible)
{
	for (size_t i = 0; i < *n;) {
		if (v[i].id && strcmp(v[i].id, id) == 0) {
			mi_charge(m, r, 0, room_bytes(&v[i]));
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
void mi_remove_from_lists(struct model *m, const char *id)
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
			mi_notify(m, r);
	}
}

/* Put the server's copy of a room in the lists that show a room with
 * old_id (the room's own ID when old_id is NULL). */
void mi_replace_in_lists(struct model *m, const char *old_id, const struct room *room)
{
	size_t n = m->n_res;

	if (!old_id)
		old_id = room->id;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];
		bool hit = false;

		if (r->kind != RES_ROOMS)
			continue;
		for (size_t j = 0; j < r->n_rooms; j++) {
			struct room copy;

			if (!r->rooms[j].id || strcmp(r->rooms[j].id, old_id) != 0)
				continue;
			if (!room_copy(&copy, room))
				continue;
			mi_charge(m, r, room_bytes(&copy), room_bytes(&r->rooms[j]));
			room_clear(&r->rooms[j]);
			r->rooms[j] = copy;
			hit = true;
		}
		if (hit)
			mi_changed(m, r);
	}
}

/* Stale now: reloaded at once when held, after the current request when
 * one is in flight. */
void mi_invalidate(struct model *m, struct resource *r)
{
	if (r->priv->req) {
		r->priv->dirty = true;
		return;
	}
	if (r->has_data && r->state == RES_FRESH) {
		r->state = RES_STALE;
		mi_changed(m, r);
	}
	if (r->priv->refs > 0 && (r->state == RES_STALE || r->state == RES_EMPTY))
		mi_start_load(m, r);
}

/* Every list is stale now; the held ones reload, the busy ones reload
 * when their current request ends. */
void mi_invalidate_lists(struct model *m)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++)
		if (m->res[i]->kind == RES_ROOMS)
			mi_invalidate(m, m->res[i]);
}

/* What is cached inside a room (Storage, Yjs, users, versions) is stale:
 * held resources reload. */
void mi_invalidate_room_data(struct model *m, const char *id)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->priv->ops && r->room_id && strcmp(r->room_id, id) == 0)
			mi_invalidate(m, r);
	}
}

/* The room resource now holds the server's copy. */
void mi_room_store(struct model *m, const struct room *room)
{
	struct resource *r = room->id ? mi_room_resource(m, room->id, true) : NULL;
	struct room copy;

	if (!r || !room_copy(&copy, room))
		return;
	mi_charge(m, r, room_bytes(&copy), room_bytes(&r->room));
	room_clear(&r->room);
	r->room = copy;
	r->has_data = true;
	r->gone = false;
	free(r->renamed_to);
	r->renamed_to = NULL;
	r->priv->loaded = true;
	r->fetched_ms = mi_now(m);
	lb_error_clear(&r->err);
	/* A GET in flight may carry the old copy: reload after it. */
	if (r->priv->req)
		r->priv->dirty = true;
	else
		r->state = RES_FRESH;
	mi_changed(m, r);
}

static void room_deleted(struct model *m, const char *id, const struct lb_error *why)
{
	struct resource *r = mi_find_room(m, id);

	if (r) {
		if (r->priv->req)
			r->priv->dirty = true;
		mi_mark_gone(m, r, why);
	}
	mi_remove_from_lists(m, id);
	mi_invalidate_room_data(m, id);
}

static void on_mut_done(struct api_result *res, void *ud)
{
	struct req *q = ud;
	struct model *m = q->m;
	const struct room *room = NULL;

	if (!m) {
		if (q->done)
			q->done(&res->err, NULL, q->ud);
		mi_req_free(q);
		return;
	}
	mi_enter(m);
	mi_req_unlink(m, q);
	if (res->err.status == LB_OK) {
		if (q->mut == MUT_DELETE) {
			struct lb_error why;

			lb_error_set(&why, LB_HTTP, "room \"%s\" was deleted", q->room_id);
			room_deleted(m, q->room_id, &why);
		} else {
			room = &res->u.room;
			mi_room_store(m, room);
			if (q->mut == MUT_UPDATE)
				mi_replace_in_lists(m, NULL, room);
		}
		mi_invalidate_lists(m);
	} else if (res->err.status == LB_HTTP && res->err.http_status == 404 &&
	           q->mut != MUT_CREATE && q->room_id) {
		room_deleted(m, q->room_id, &res->err);
	} else if (res->err.status == LB_UNSURE) {
		/* It may have been applied: what is shown is read again. */
		struct resource *r = q->room_id ? mi_find_room(m, q->room_id) : NULL;
		if (r)
			mi_invalidate(m, r);
		mi_invalidate_lists(m);
	}
	if (q->done)
		q->done(&res->err, room, q->ud);
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	mi_leave(m);
}

/* The endpoint a room mutation sends to. */
static enum endpoint_id mut_endpoint(enum mut_kind kind)
{
	return kind == MUT_CREATE ? EP_ROOM_CREATE : kind == MUT_UPDATE ? EP_ROOM_UPDATE
	                                                                : EP_ROOM_DELETE;
}

/* Read-only mode refuses a mutation before anything is made: the api
 * decides, from the endpoint's row. */
static bool refuse_read_only(struct model *m, enum mut_kind kind, model_done_fn done, void *ud)
{
	struct lb_error e;

	if (!api_refuses(m->api, mut_endpoint(kind), &e))
		return false;
	if (done)
		done(&e, NULL, ud);
	return true;
}

static http_id mut_send(struct model *m, enum mut_kind kind, const char *id,
                        const struct room_create *c, bool idempotent, const struct room_update *u,
                        model_done_fn done, void *ud)
{
	struct req *q;
	http_id hid;

	q = mi_req_new(m, NULL, REQ_MUTATION);
	if (!q || (id && !(q->room_id = strdup(id)))) {
		struct lb_error e;

		if (q) {
			mi_req_unlink(m, q);
			mi_req_free(q);
		}
		lb_error_set(&e, LB_NOMEM, "out of memory");
		if (done)
			done(&e, NULL, ud);
		return 0;
	}
	q->mut = kind;
	q->done = done;
	q->ud = ud;
	q->change = true;
	q->starting = true;
	if (kind == MUT_CREATE)
		hid = api_room_create(m->api, c, idempotent, on_mut_done, q);
	else if (kind == MUT_UPDATE)
		hid = api_room_update(m->api, id, u, on_mut_done, q);
	else
		hid = api_room_delete(m->api, id, on_mut_done, q);
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return 0;
	}
	q->id = hid;
	return hid;
}

/* A mutation from a public entry point: refused in read-only mode, else
 * sent inside the model. */
static http_id mut_start(struct model *m, enum mut_kind kind, const char *id,
                         const struct room_create *c, bool idempotent, const struct room_update *u,
                         model_done_fn done, void *ud)
{
	http_id hid;

	if (refuse_read_only(m, kind, done, ud))
		return 0;
	if (m->storage_stopping) {
		struct lb_error e;

		lb_error_set(&e, LB_CANCELLED, "interrupted: nothing more is sent");
		if (done)
			done(&e, NULL, ud);
		return 0;
	}
	mi_enter(m);
	hid = mut_send(m, kind, id, c, idempotent, u, done, ud);
	mi_leave(m);
	return hid;
}

/* POST /v2/rooms through the model; see model.h. */
http_id model_room_create(struct model *m, const struct room_create *c, bool idempotent,
                          model_done_fn done, void *ud)
{
	return mut_start(m, MUT_CREATE, c->id, c, idempotent, NULL, done, ud);
}

/* POST /v2/rooms/{id} through the model; see model.h. */
http_id model_room_update(struct model *m, const char *id, const struct room_update *u,
                          model_done_fn done, void *ud)
{
	return mut_start(m, MUT_UPDATE, id, NULL, false, u, done, ud);
}

/* DELETE /v2/rooms/{id} through the model; see model.h. */
http_id model_room_delete(struct model *m, const char *id, model_done_fn done, void *ud)
{
	return mut_start(m, MUT_DELETE, id, NULL, false, NULL, done, ud);
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

/* Whether mutations are refused (--read-only). */
bool model_read_only(const struct model *m)
{
	return m && m->opt.read_only;
}

/* ------------------------------------------------------------------ */
/* Reading */

static bool is_list(const struct resource *r)
{
	return r &&
	       (r->kind == RES_ROOMS || r->kind == RES_VERSIONS || r->kind == RES_ACTIVE_USERS);
}

size_t model_count(const struct resource *r)
{
	if (!is_list(r))
		return 0;
	return r->kind == RES_ROOMS      ? r->n_rooms
	       : r->kind == RES_VERSIONS ? r->n_versions
	                                 : r->n_users;
}

bool model_complete(const struct resource *r)
{
	return is_list(r) && r->complete;
}

bool model_paging(const struct resource *r)
{
	return is_list(r) && r->paging;
}

const char *model_next_cursor(const struct resource *r)
{
	return is_list(r) ? r->next_cursor : NULL;
}

const struct room *model_room_at(const struct resource *r, size_t i)
{
	return r && r->kind == RES_ROOMS && i < r->n_rooms ? &r->rooms[i] : NULL;
}

const struct room *model_room_of(const struct resource *r)
{
	return r && r->kind == RES_ROOM && r->has_data ? &r->room : NULL;
}

const struct room_filter *model_rooms_filter(const struct resource *r)
{
	return r && r->kind == RES_ROOMS ? &r->filter : NULL;
}
