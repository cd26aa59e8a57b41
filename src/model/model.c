#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "model_impl.h"
#include "api_send.h"
#include "job.h"
#include "util.h"

/* The rows of the room kinds and their item type, defined at the end. */
static const struct item_type room_item;
static const struct kind rooms_kind;
static const struct kind room_kind;

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

/* q no longer counts as busy; it stays on the model's list. */
void mi_req_uncount(struct model *m, struct req *q)
{
	if (q->counted) {
		q->counted = false;
		m->busy--;
	}
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
	mi_req_uncount(m, q);
}

/* Free a request record. */
void mi_req_free(struct req *q)
{
	free(q->cursor);
	free(q);
}

/* The call that sent q (with q->starting set) returned id: false when
 * q's callback already ran inside it (q is freed), else q->id is set. */
bool mi_req_sent(struct req *q, http_id id)
{
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return false;
	}
	q->id = id;
	return true;
}

/* Cancel q at the transport, or once it is sent when it is being sent.
 * False when no answer will come: q is then off the model's list and
 * freed, and its owner reports the cancel itself. */
bool mi_req_cancel(struct model *m, struct req *q)
{
	q->cancel_sent = true;
	if (q->starting || api_cancel(m->api, q->id))
		return true;
	mi_req_unlink(m, q);
	mi_req_free(q);
	return false;
}

/* Start of a request's callback (its owner's state already taken from
 * q->ext): NULL when the model was freed, with nothing entered; else the
 * model, entered, with q off its list. */
struct model *mi_answer_begin(struct req *q)
{
	struct model *m = q->m;

	if (m) {
		mi_enter(m);
		mi_req_unlink(m, q);
	}
	return m;
}

/* End of the callback (m from mi_answer_begin, NULL or not): q is freed,
 * or left to mi_req_sent when the callback ran inside the call that sends
 * it; the model is left. */
void mi_answer_end(struct model *m, struct req *q)
{
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	if (m)
		mi_leave(m);
}

/* ------------------------------------------------------------------ */
/* Resources */

/* Drop the pages of a list (re)load in progress. */
static void discard(struct model *m, struct resource *r)
{
	if (r->priv->kind->shape == KIND_LIST)
		mi_list_discard(m, r);
}

static void resource_free(struct model *m, struct resource *r)
{
	const struct kind *k = r->priv->kind;

	discard(m, r);
	if (k->clear)
		k->clear(m, r);
	mi_list_free(r);
	if (r->obj && k->item) {
		k->item->clear(r->obj);
		free(r->obj);
	}
	if (r->args && k->args_free)
		k->args_free(r->args);
	free(r->room_id);
	free(r->renamed_to);
	free(r->key);
	m->bytes -= r->priv->bytes < m->bytes ? r->priv->bytes : m->bytes;
	free(r->priv);
	free(r);
}

/* The resource of that kind and key, or NULL. */
struct resource *mi_find(struct model *m, const struct kind *kind, const char *key)
{
	for (size_t i = 0; i < m->n_res; i++)
		if (m->res[i]->priv->kind == kind && strcmp(m->res[i]->key, key) == 0)
			return m->res[i];
	return NULL;
}

/* The resource of a room itself, or NULL. */
struct resource *mi_find_room(struct model *m, const char *id)
{
	for (size_t i = 0; i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->priv->kind == &room_kind && strcmp(r->room_id, id) == 0)
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

/* A new, empty resource of kind k added to the model; takes key. */
struct resource *mi_resource_add(struct model *m, char *key, const struct kind *k)
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
	r->state = RES_EMPTY;
	r->priv->m = m;
	r->priv->kind = k;
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

static void args_free(const struct kind *k, void *args)
{
	if (args && k->args_free)
		k->args_free(args);
}

/* The resource of kind k and key, created when new, referenced. */
struct resource *mi_get(struct model *m, const struct kind *k, char *key, const char *room_id,
                        void *args)
{
	struct resource *r;

	if (!key) {
		args_free(k, args);
		return NULL;
	}
	mi_enter(m);
	r = mi_find(m, k, key);
	if (r) {
		free(key);
		args_free(k, args);
	} else if ((r = mi_resource_add(m, key, k)) == NULL) {
		args_free(k, args);
	} else {
		r->args = args;
		if (room_id && !(r->room_id = strdup(room_id))) {
			mi_resource_drop_last(m, r);
			r = NULL;
		} else if (room_id) {
			mi_charge(m, r, strlen(room_id) + 1, 0);
		}
	}
	if (r)
		mi_acquire(m, r);
	mi_leave(m);
	return r;
}

/* The resource of a room itself, created when asked. */
struct resource *mi_room_resource(struct model *m, const char *id, bool create)
{
	struct resource *r = mi_find_room(m, id);
	char *copy;

	if (r || !create)
		return r;
	copy = strdup(id);
	if (!copy)
		return NULL;
	r = mi_resource_add(m, room_key(id), &room_kind);
	if (!r) {
		free(copy);
		return NULL;
	}
	r->room_id = copy;
	return r;
}

/* The one object of r (an object kind) becomes item, charged. */
void mi_object_set(struct model *m, struct resource *r, void *item)
{
	const struct item_type *t = r->priv->kind->item;
	void *old = r->obj;

	if (r->priv->kind->shape != KIND_OBJECT)
		return;
	mi_charge(m, r, item ? t->bytes(item) : 0, old ? t->bytes(old) : 0);
	r->obj = item;
	if (old) {
		t->clear(old);
		free(old);
	}
}

/* The object of r when it is one item of type t, else NULL. */
static const void *object_of(const struct resource *r, const struct item_type *t)
{
	if (!r || !r->priv || r->priv->kind->shape != KIND_OBJECT || r->priv->kind->item != t)
		return NULL;
	return r->obj;
}

/* ------------------------------------------------------------------ */
/* Loading */

static void on_load_done(struct api_storage_result *res, void *ud);

static void attach(struct resource *r, struct req *q)
{
	r->priv->req = q;
	r->busy = true;
}

static void detach(struct resource *r)
{
	r->priv->req = NULL;
	r->busy = false;
	r->list.paging = false;
}

/* The query of a load: the page size, the cursor of the page asked for,
 * then the arguments' own parameters; NULL when out of memory. */
static char *load_query(const struct kind *k, const void *args, const char *cursor)
{
	int size = k->args_page_size ? k->args_page_size(args) : 0;
	char *own = k->args_query ? k->args_query(args) : NULL;
	bool ok = !k->args_query || own;
	struct buf b;

	buf_init(&b);
	if (size <= 0)
		size = k->paging.page_size;
	if (ok && size > 0)
		ok = buf_printf(&b, "limit=%d", size);
	if (ok && cursor && k->paging.cursor_param) {
		char *enc = url_encode(cursor);

		ok = enc && (b.len == 0 || buf_adds(&b, "&")) &&
		     buf_printf(&b, "%s=%s", k->paging.cursor_param, enc);
		free(enc);
	}
	if (ok && own && *own)
		ok = (b.len == 0 || buf_adds(&b, "&")) && buf_adds(&b, own);
	free(own);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Send the GET of q's load from the row of its kind (the endpoint, the
 * room as its path parameter, the query), or hand it to a job kind. */
static http_id submit_load(struct model *m, struct req *q)
{
	struct resource *r = q->r;
	const struct kind *k = r->priv->kind;
	struct api_send_args args = {.params = {r->room_id}};
	char *query;
	http_id id;

	if (k->submit)
		return k->submit(m, q);
	if (k->args_param)
		args.params[1] = k->args_param(r->args);
	query = load_query(k, r->args, q->cursor);
	if (!query) {
		struct api_storage_result res;

		memset(&res, 0, sizeof(res));
		lb_error_set(&res.err, LB_NOMEM, "out of memory");
		on_load_done(&res, q);
		return 0;
	}
	args.query = query;
	id = api_send(m->api, k->ep, &args, on_load_done, q);
	free(query);
	return id;
}

/* Submit q through the api (q is already attached). Returns false when q
 * finished synchronously (it has been handled and freed) or was cancelled
 * while being submitted. */
static bool req_submit(struct model *m, struct req *q)
{
	q->starting = true;
	if (!mi_req_sent(q, submit_load(m, q)))
		return false;
	if (q->cancel_sent) {
		/* Cancelled by a callback while it was being submitted. */
		mi_req_cancel(m, q);
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
	if (p->kind->shape == KIND_LIST) {
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
	mi_object_set(m, r, NULL);
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

/* One object, decoded by its item type, replaces the one there was. */
static void object_loaded(struct model *m, struct resource *r, struct api_storage_result *res)
{
	const struct item_type *t = r->priv->kind->item;
	struct lb_error err = res->err;
	void *item = NULL;

	if (err.status == LB_OK && !(item = calloc(1, t->size)))
		lb_error_set(&err, LB_NOMEM, "out of memory");
	if (item && !t->decode_one(res->body, res->body_len, r->args, item, &err)) {
		t->clear(item);
		free(item);
		item = NULL;
	}
	if (!item) {
		mi_load_fail(m, r, &err);
		return;
	}
	mi_object_set(m, r, item);
	r->gone = false;
	free(r->renamed_to);
	r->renamed_to = NULL;
	mi_load_ok(m, r);
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

/* Start of a load callback: NULL when the model was freed (q is freed).
 * Otherwise the model is entered, q is off its books, and *rp is the
 * resource to update (NULL when the request was cancelled). */
struct model *mi_load_begin(struct req *q, struct resource **rp)
{
	struct resource *r = q->r;
	struct model *m = mi_answer_begin(q);

	*rp = NULL;
	if (!m) {
		mi_answer_end(NULL, q);
		return NULL;
	}
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
	mi_answer_end(m, q);
}

static void on_load_done(struct api_storage_result *res, void *ud)
{
	struct req *q = ud;
	struct resource *r;
	struct model *m = mi_load_begin(q, &r);

	if (!m)
		return;
	if (r) {
		const struct kind *k = r->priv->kind;

		if (res->err.status == LB_HTTP && res->err.http_status == 404 && k->missing)
			k->missing(m, r, &res->err);
		else if (k->shape == KIND_LIST)
			mi_list_loaded(m, r, q, res);
		else
			object_loaded(m, r, res);
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
			if (q->abandon)
				q->abandon(q);
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
	struct room_filter *args;
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
	args = malloc(sizeof(*args));
	if (!args || !room_filter_copy(args, f)) {
		free(args);
		buf_free(&b);
		return NULL;
	}
	return mi_get(m, &rooms_kind, buf_steal(&b), NULL, args);
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

	if (!m || !r || r->priv->kind->shape != KIND_LIST || !r->priv->kind->paging.cursor_param ||
	    !r->has_data || r->list.complete || !r->list.next_cursor || r->priv->req)
		return;
	mi_enter(m);
	mi_touch(m, r);
	q = mi_req_new(m, r, REQ_MORE);
	if (q && !(q->cursor = strdup(r->list.next_cursor))) {
		mi_req_unlink(m, q);
		mi_req_free(q);
		q = NULL;
	}
	if (q) {
		r->busy_since_ms = mi_now(m);
		attach(r, q);
		r->list.paging = true;
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
	mi_req_uncount(m, q);
	mi_req_cancel(m, q);
	mi_changed(m, r);
	mi_leave(m);
}

/* Mark fresh resources older than the limit stale, and let the jobs
 * whose wait after a 429 is over send again. */
void model_tick(struct model *m)
{
	size_t n;

	if (!m)
		return;
	job_tick(m);
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

int model_timeout_ms(struct model *m)
{
	return job_timeout_ms(m);
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
/* What changes do to rooms in the cache (their programs: ops_room.c) */

/* Drop the room from every cached list (and lists being reloaded). */
void mi_remove_from_lists(struct model *m, const char *id)
{
	mi_lists_remove(m, &room_item, id);
}

/* Put the server's copy of a room in the lists that show a room with
 * old_id (the room's own ID when old_id is NULL). */
void mi_replace_in_lists(struct model *m, const char *old_id, const struct room *room)
{
	mi_lists_replace(m, &room_item, old_id, room);
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

/* Every list of rooms is stale now; the held ones reload, the busy ones
 * reload when their current request ends. */
void mi_invalidate_lists(struct model *m)
{
	mi_lists_invalidate(m, &room_item);
}

/* What is cached inside a room (Storage, Yjs, users, versions) is stale:
 * held resources reload. */
void mi_invalidate_room_data(struct model *m, const char *id)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->priv->kind != &room_kind && r->room_id && strcmp(r->room_id, id) == 0)
			mi_invalidate(m, r);
	}
}

/* The room resource now holds the server's copy. */
void mi_room_store(struct model *m, const struct room *room)
{
	struct resource *r = room->id ? mi_room_resource(m, room->id, true) : NULL;
	struct room *copy = r ? malloc(sizeof(*copy)) : NULL;

	if (!copy || !room_copy(copy, room)) {
		free(copy);
		return;
	}
	mi_object_set(m, r, copy);
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
		const struct room *room = object_of(r, &room_item);

		if (room) {
			if (r->has_data && !r->gone && room->id &&
			    strncmp(room->id, prefix ? prefix : "", plen) == 0)
				ok = ids_push(&all, &n, &cap, room->id);
			continue;
		}
		for (size_t j = 0; (room = mi_list_at(r, &room_item, j)) && ok; j++)
			if (room->id && strncmp(room->id, prefix ? prefix : "", plen) == 0)
				ok = ids_push(&all, &n, &cap, room->id);
	}
	if (n > 1)
		qsort((void *)all, n, sizeof(*all), cmp_str);
	for (size_t i = 0; i < n && k < max; i++)
		if (k == 0 || strcmp(out[k - 1], all[i]) != 0)
			out[k++] = all[i];
	free((void *)all);
	return k;
}

/* What model_user_ids gathers: the IDs that start with the prefix. */
struct user_ids {
	const char *prefix;
	size_t plen;
	const char **all;
	size_t n, cap;
	bool ok;
};

static void user_ids_add(void *ctx, const char *id)
{
	struct user_ids *u = ctx;

	if (u->ok && id && *id && strncmp(id, u->prefix, u->plen) == 0)
		u->ok = ids_push(&u->all, &u->n, &u->cap, id);
}

size_t model_user_ids(struct model *m, const char *prefix, const char **out, size_t max)
{
	struct user_ids u = {.prefix = prefix ? prefix : "", .ok = true};
	size_t k = 0;

	if (!m || !out || max == 0)
		return 0;
	u.plen = strlen(u.prefix);
	for (size_t i = 0; i < m->n_res && u.ok; i++) {
		const struct resource *r = m->res[i];
		const struct kind *kind = r->priv->kind;
		const struct item_type *t = kind->item;

		if (kind->about_user)
			user_ids_add(&u, r->room_id);
		if (!t || !t->user_ids || !r->has_data)
			continue;
		if (kind->shape == KIND_OBJECT && r->obj)
			t->user_ids(r->obj, user_ids_add, &u);
		for (size_t j = 0; kind->shape == KIND_LIST && j < r->list.n && u.ok; j++)
			t->user_ids((const char *)r->list.items + j * t->size, user_ids_add, &u);
	}
	if (u.n > 1)
		qsort((void *)u.all, u.n, sizeof(*u.all), cmp_str);
	for (size_t i = 0; i < u.n && k < max; i++)
		if (k == 0 || strcmp(out[k - 1], u.all[i]) != 0)
			out[k++] = u.all[i];
	free((void *)u.all);
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

struct api *model_api(struct model *m)
{
	return m->api;
}

const struct model_options *model_options_of(const struct model *m)
{
	return &m->opt;
}

/* ------------------------------------------------------------------ */
/* Reading */

static bool is_list(const struct resource *r)
{
	return r && r->priv && r->priv->kind->shape == KIND_LIST;
}

int mi_learned(const struct model *m, const void *what)
{
	for (size_t i = 0; i < MI_MAX_LEARNED && m->learned[i].what; i++)
		if (m->learned[i].what == what)
			return m->learned[i].value;
	return 0;
}

void mi_learn(struct model *m, const void *what, int value)
{
	size_t i = 0;

	while (i < MI_MAX_LEARNED - 1 && m->learned[i].what && m->learned[i].what != what)
		i++;
	m->learned[i].what = what;
	m->learned[i].value = value;
}

const char *model_kind_name(const struct resource *r)
{
	return r && r->priv ? r->priv->kind->name : "";
}

size_t model_count(const struct resource *r)
{
	return is_list(r) ? r->list.n : 0;
}

bool model_complete(const struct resource *r)
{
	return is_list(r) && r->list.complete;
}

bool model_paging(const struct resource *r)
{
	return is_list(r) && r->list.paging;
}

const char *model_next_cursor(const struct resource *r)
{
	return is_list(r) ? r->list.next_cursor : NULL;
}

const struct room *model_room_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &room_item, i);
}

const struct room *model_room_of(const struct resource *r)
{
	return object_of(r, &room_item);
}

const struct room_filter *model_rooms_filter(const struct resource *r)
{
	return r && r->priv && r->priv->kind == &rooms_kind ? r->args : NULL;
}

/* ------------------------------------------------------------------ */
/* The room, and lists of rooms */

static bool room_page_decode(const char *body, size_t len, const void *args, struct item_page *out,
                             struct lb_error *err)
{
	struct room_page page;

	(void)args;
	if (!api_decode_room_page(body, len, &page, err))
		return false;
	out->items = page.rooms;
	out->n = page.n;
	out->next = page.next_cursor;
	return true;
}

static bool room_decode(const char *body, size_t len, const void *args, void *item,
                        struct lb_error *err)
{
	(void)args;
	return api_decode_room(body, len, item, err);
}

static void room_item_clear(void *item)
{
	room_clear(item);
}

static size_t room_item_bytes(const void *item)
{
	return room_bytes(item);
}

static const char *room_item_id(const void *item)
{
	return ((const struct room *)item)->id;
}

static bool room_item_copy(void *dst, const void *src)
{
	return room_copy(dst, src);
}

/* Who has access to the room. */
static void room_user_ids(const void *item, void (*add)(void *ctx, const char *id), void *ctx)
{
	const struct room *room = item;

	for (size_t i = 0; i < room->users_accesses.n; i++)
		add(ctx, room->users_accesses.v[i].key);
}

static const struct item_type room_item = {
    .name = "room",
    .size = sizeof(struct room),
    .decode_page = room_page_decode,
    .decode_one = room_decode,
    .clear = room_item_clear,
    .bytes = room_item_bytes,
    .id = room_item_id,
    .copy = room_item_copy,
    .user_ids = room_user_ids,
};

/* A rooms list's arguments are its filter, whose parameters are also its
 * key (room_filter_key); its page size is the filter's limit. */
static char *filter_query(const void *args)
{
	return room_filter_key(args);
}

static int filter_page_size(const void *args)
{
	return ((const struct room_filter *)args)->limit;
}

static void filter_free(void *args)
{
	room_filter_clear(args);
	free(args);
}

static const struct kind rooms_kind = {
    .name = "rooms",
    .shape = KIND_LIST,
    .ep = EP_ROOMS_LIST,
    .item = &room_item,
    .paging = {.cursor_param = "startingAfter", .page_size = 0},
    .args_query = filter_query,
    .args_page_size = filter_page_size,
    .args_free = filter_free,
};

/* A 404 to a room's GET: it is gone, and so is it from the lists. */
static void room_missing(struct model *m, struct resource *r, const struct lb_error *err)
{
	char *id = strdup(r->room_id);

	mi_mark_gone(m, r, err);
	if (id)
		mi_remove_from_lists(m, id);
	free(id);
}

static const struct kind room_kind = {
    .name = "room",
    .shape = KIND_OBJECT,
    .ep = EP_ROOM_GET,
    .item = &room_item,
    .missing = room_missing,
};
