#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "model_impl.h"

/* The paged list every list kind shares (rooms, versions, active users):
 * items of the kind's item type in one array, the next cursor, complete
 * and paging; a first load or a revalidation fills a shadow list with as
 * many pages as are shown and swaps it in whole, so the rows under the
 * user's cursor never vanish; a cursor the server gives again ends the
 * list; every item is charged to the memory budget; one request at a
 * time (the model's). */

static const struct item_type *type_of(const struct resource *r)
{
	return r->priv->kind->item;
}

static void *item_at(const struct model_list *l, const struct item_type *t, size_t i)
{
	return (char *)l->items + i * t->size;
}

static size_t items_bytes(const struct item_type *t, const void *items, size_t n)
{
	size_t b = 0;

	for (size_t i = 0; i < n; i++)
		b += t->bytes((const char *)items + i * t->size);
	return b;
}

/* Free every item and the array; l holds nothing after (its cursor stays). */
static void items_free(struct model_list *l, const struct item_type *t)
{
	for (size_t i = 0; i < l->n; i++)
		t->clear(item_at(l, t, i));
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->cap = 0;
}

static void page_clear(struct item_page *p, const struct item_type *t)
{
	for (size_t i = 0; i < p->n; i++)
		t->clear((char *)p->items + i * t->size);
	free(p->items);
	free(p->next);
	memset(p, 0, sizeof(*p));
}

/* Move the page's items to the end of l (32 slots at first, doubling);
 * the page's array is freed. False when out of memory: nothing moved. */
static bool append(struct model_list *l, const struct item_type *t, struct item_page *p)
{
	size_t need = l->n + p->n, cap = l->cap ? l->cap : 32;

	if (need > l->cap) {
		while (cap < need)
			cap *= 2;
		void *v = realloc(l->items, cap * t->size);
		if (!v)
			return false;
		l->items = v;
		l->cap = cap;
	}
	if (p->n)
		memcpy(item_at(l, t, l->n), p->items, p->n * t->size);
	l->n = need;
	free(p->items);
	p->items = NULL;
	p->n = 0;
	return true;
}

static void cursors_clear(struct model_internal *p)
{
	for (size_t i = 0; i < p->n_cursors; i++)
		free(p->cursors[i]);
	free(p->cursors);
	p->cursors = NULL;
	p->n_cursors = 0;
}

/* The next cursor of a page (*next, taken), or NULL at the end: also when
 * the kind reads one page only, and when the server answers with a cursor
 * it gave before (the one it was sent, or any since the first page),
 * which would loop forever. */
static char *take_cursor(struct resource *r, char **next, const char *sent)
{
	struct model_internal *p = r->priv;
	char *c = *next;

	*next = NULL;
	if (!sent)
		cursors_clear(p);
	if (!c || !p->kind->paging.cursor_param) {
		free(c);
		return NULL;
	}
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

/* The list's pages, cursor (taken) and completeness. */
static void set_cursor(struct resource *r, char *cursor)
{
	free(r->list.next_cursor);
	r->list.next_cursor = cursor;
	r->list.complete = cursor == NULL;
}

/* A page of a (re)load: into the shadow; then the next page, or the shadow
 * becomes the list and the load succeeded. */
static void page_loaded(struct model *m, struct resource *r, struct req *q, struct item_page *page)
{
	struct model_internal *p = r->priv;
	const struct item_type *t = type_of(r);
	size_t add = items_bytes(t, page->items, page->n);

	if (!append(&p->shadow, t, page)) {
		page_clear(page, t);
		mi_load_nomem(m, r);
		return;
	}
	mi_charge(m, r, add, 0);
	p->shadow_pages++;
	char *cursor = take_cursor(r, &page->next, q->cursor);
	if (cursor && p->shadow_pages < q->target_pages) {
		/* Still the same load: the next page of the shadow. */
		enum start st = mi_start_page(m, r, cursor, q->target_pages);

		free(cursor);
		if (st == START_FAILED)
			mi_load_nomem(m, r);
		return;
	}
	mi_charge(m, r, 0, items_bytes(t, r->list.items, r->list.n));
	items_free(&r->list, t);
	r->list.items = p->shadow.items;
	r->list.n = p->shadow.n;
	r->list.cap = p->shadow.cap;
	memset(&p->shadow, 0, sizeof(p->shadow));
	p->pages = p->shadow_pages;
	p->shadow_pages = 0;
	set_cursor(r, cursor);
	mi_load_ok(m, r);
}

/* The next page failed; the list keeps what it has, with the error (none
 * for a cancel). */
static void more_failed(struct model *m, struct resource *r, const struct lb_error *err)
{
	if (err->status != LB_CANCELLED)
		r->err = *err;
	mi_changed(m, r);
	mi_after_load(m, r);
}

/* The next page, appended to what is shown. */
static void more_loaded(struct model *m, struct resource *r, struct req *q, struct item_page *page)
{
	const struct item_type *t = type_of(r);
	size_t add = items_bytes(t, page->items, page->n);

	if (!append(&r->list, t, page)) {
		struct lb_error e;

		page_clear(page, t);
		lb_error_set(&e, LB_NOMEM, "out of memory");
		more_failed(m, r, &e);
		return;
	}
	mi_charge(m, r, add, 0);
	lb_error_clear(&r->err); /* an earlier page's failure is over */
	r->priv->pages++;
	set_cursor(r, take_cursor(r, &page->next, q->cursor));
	mi_changed(m, r);
	mi_after_load(m, r);
}

/* The answer to a page request of r's list, decoded by its item type. */
void mi_list_loaded(struct model *m, struct resource *r, struct req *q,
                    struct api_storage_result *res)
{
	struct item_page page = {0};
	struct lb_error err = res->err;

	if (err.status == LB_OK)
		type_of(r)->decode_page(res->body, res->body_len, r->args, &page, &err);
	if (err.status != LB_OK) {
		if (q->kind == REQ_MORE)
			more_failed(m, r, &err);
		else
			mi_load_fail(m, r, &err);
		return;
	}
	if (q->kind == REQ_MORE)
		more_loaded(m, r, q, &page);
	else
		page_loaded(m, r, q, &page);
}

/* Drop the pages of a (re)load in progress. */
void mi_list_discard(struct model *m, struct resource *r)
{
	struct model_internal *p = r->priv;
	const struct item_type *t = type_of(r);

	if (!t)
		return;
	mi_charge(m, r, 0, items_bytes(t, p->shadow.items, p->shadow.n));
	items_free(&p->shadow, t);
	p->shadow_pages = 0;
}

/* Free the items, the shadow and the cursors. */
void mi_list_free(struct resource *r)
{
	const struct item_type *t = type_of(r);

	if (t) {
		items_free(&r->list, t);
		items_free(&r->priv->shadow, t);
	}
	free(r->list.next_cursor);
	r->list.next_cursor = NULL;
	cursors_clear(r->priv);
}

/* Item i when r lists items of type t. */
const void *mi_list_at(const struct resource *r, const struct item_type *t, size_t i)
{
	if (!r || !r->priv || r->priv->kind->shape != KIND_LIST || type_of(r) != t ||
	    i >= r->list.n)
		return NULL;
	return item_at(&r->list, t, i);
}

static bool lists(const struct resource *r, const struct item_type *t)
{
	return r->priv->kind->shape == KIND_LIST && type_of(r) == t;
}

static bool has_id(const struct item_type *t, const void *item, const char *id)
{
	const char *own = t->id(item);

	return own && strcmp(own, id) == 0;
}

/* Take the items with that ID out of l; visible: each is a change. */
static void remove_from(struct model *m, struct resource *r, struct model_list *l, const char *id,
                        bool visible)
{
	const struct item_type *t = type_of(r);

	for (size_t i = 0; i < l->n;) {
		void *it = item_at(l, t, i);

		if (!has_id(t, it, id)) {
			i++;
			continue;
		}
		mi_charge(m, r, 0, t->bytes(it));
		t->clear(it);
		memmove(it, item_at(l, t, i + 1), (l->n - i - 1) * t->size);
		l->n--;
		if (visible)
			r->generation++;
	}
}

/* Drop the item with that ID from every list of type t (and from lists
 * being reloaded). */
void mi_lists_remove(struct model *m, const struct item_type *t, const char *id)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];
		unsigned gen = r->generation;

		if (!lists(r, t))
			continue;
		remove_from(m, r, &r->priv->shadow, id, false);
		remove_from(m, r, &r->list, id, true);
		if (r->generation != gen)
			mi_notify(m, r);
	}
}

/* Put a copy of item in the lists of type t that show one with old_id (the
 * item's own ID when old_id is NULL). */
void mi_lists_replace(struct model *m, const struct item_type *t, const char *old_id,
                      const void *item)
{
	size_t n = m->n_res;

	if (!old_id)
		old_id = t->id(item);
	if (!old_id)
		return;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];
		bool hit = false;

		if (!lists(r, t))
			continue;
		for (size_t j = 0; j < r->list.n; j++) {
			void *it = item_at(&r->list, t, j);
			void *copy;

			if (!has_id(t, it, old_id) || !(copy = calloc(1, t->size)))
				continue;
			if (t->copy(copy, item)) {
				mi_charge(m, r, t->bytes(copy), t->bytes(it));
				t->clear(it);
				memcpy(it, copy, t->size);
				hit = true;
			}
			free(copy);
		}
		if (hit)
			mi_changed(m, r);
	}
}

/* Every list of type t is stale now; the held ones reload, the busy ones
 * when their current request ends. */
void mi_lists_invalidate(struct model *m, const struct item_type *t)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++)
		if (lists(m->res[i], t))
			mi_invalidate(m, m->res[i]);
}
