#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_storage.h"
#include "json.h"
#include "kept.h"
#include "model_impl.h"
#include "model_storage.h"
#include "util.h"

/* Versions asked for per page. */
#define VERSIONS_PAGE 50


/* ------------------------------------------------------------------ */
/* Resource data */

/* What a decoded document costs: the body kept, the nodes, and the string
 * pool, which holds at most the text of the body. */
static size_t doc_bytes(const struct lson_doc *d, size_t body_len)
{
	return body_len + 1 + (d ? d->n * sizeof(struct lson_node) + body_len : 0);
}

static void vshadow_discard(struct model *m, struct resource *r)
{
	struct model_internal *p = r->priv;

	mi_charge(m, r, 0, versions_bytes(p->vshadow, p->n_vshadow));
	versions_free(p->vshadow, p->n_vshadow);
	p->vshadow = NULL;
	p->n_vshadow = 0;
	p->cap_vshadow = 0;
	p->shadow_pages = 0;
}

static void data_clear(struct model *m, struct resource *r)
{
	(void)m;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	lson_unref(&r->doc);
	free(r->ydoc_params);
	r->ydoc_params = NULL;
	active_users_free(r->users, r->n_users);
	r->users = NULL;
	r->n_users = 0;
	versions_free(r->versions, r->n_versions);
	r->versions = NULL;
	r->n_versions = 0;
	r->priv->cap_versions = 0;
}

/* Move k versions to the end of a growable array (the source becomes
 * empty). */
static bool versions_append(struct version **v, size_t *n, size_t *cap, struct version **src,
                            size_t *k)
{
	void *nv;

	if (!mi_reserve(*v, cap, *n + *k, sizeof(**v), &nv))
		return false;
	*v = nv;
	if (*k)
		memcpy(*v + *n, *src, *k * sizeof(**src));
	*n += *k;
	free(*src);
	*src = NULL;
	*k = 0;
	return true;
}

/* The Yjs JSON. With a key and a type the server sends the bare value
 * (a string for a Y.Text ...); it is shown as {key: value} so the tree
 * always has an object at the root. */
static struct lson_doc *ydoc_parse(const char *body, size_t len, const char *key,
                                   struct lb_error *err)
{
	size_t i = 0;
	struct buf b;
	struct lson_doc *d;

	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i >= len || body[i] == '{')
		return lson_parse(body, len, false, err);
	buf_init(&b);
	if (!buf_adds(&b, "{") || !json_quote(&b, key ? key : "value") || !buf_adds(&b, ":") ||
	    !buf_add(&b, body, len) || !buf_adds(&b, "}")) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	d = lson_parse(b.data, b.len, false, err);
	buf_free(&b);
	return d;
}

/* The key parameter of a ydoc query string, decoded; NULL if none. */
static char *query_key(const char *q)
{
	const char *p = q;

	while (p && *p) {
		if (strncmp(p, "key=", 4) == 0) {
			const char *v = p + 4;
			size_t n = strcspn(v, "&");
			char *out = malloc(n + 1);
			size_t o = 0;

			if (!out)
				return NULL;
			for (size_t i = 0; i < n; i++) {
				if (v[i] == '%' && i + 2 < n) {
					char hex[3] = {v[i + 1], v[i + 2], 0};

					out[o++] = (char)strtol(hex, NULL, 16);
					i += 2;
				} else {
					out[o++] = v[i] == '+' ? ' ' : v[i];
				}
			}
			out[o] = '\0';
			return out;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Loading */

static void on_loaded(struct api_storage_result *res, void *ud);

static http_id submit_load(struct model *m, struct req *q)
{
	struct resource *r = q->r;

	switch (r->kind) {
	case RES_STORAGE:
		return api_storage_get(m->api, r->room_id, r->simplified, on_loaded, q);
	case RES_YDOC:
		return api_ydoc_get(m->api, r->room_id, r->ydoc_params, on_loaded, q);
	case RES_ACTIVE_USERS:
		return api_active_users(m->api, r->room_id, on_loaded, q);
	default:
		return api_versions_list(m->api, r->room_id, VERSIONS_PAGE, q->cursor, on_loaded,
		                         q);
	}
}

static const struct res_ops doc_ops = {submit_load, data_clear, NULL, false};
static const struct res_ops users_ops = {submit_load, data_clear, NULL, false};
static const struct res_ops versions_ops = {submit_load, data_clear, vshadow_discard, true};

/* Storage or Yjs JSON: the new body and tree replace the old ones in one
 * step; the old tree lives on for whoever holds a reference to it. */
static void doc_loaded(struct model *m, struct resource *r, struct api_storage_result *res)
{
	struct lb_error err;
	struct lson_doc *doc;
	char *body, *key = NULL;
	size_t len = res->body_len;

	if (res->err.status != LB_OK) {
		mi_load_fail(m, r, &res->err);
		return;
	}
	body = malloc(len + 1);
	if (!body) {
		mi_load_nomem(m, r);
		return;
	}
	if (len)
		memcpy(body, res->body, len);
	body[len] = '\0';
	if (r->body_only) {
		doc = NULL;
	} else if (r->kind == RES_STORAGE) {
		doc = lson_parse(body, len, !r->simplified, &err);
	} else {
		key = query_key(r->ydoc_params);
		doc = ydoc_parse(body, len, key, &err);
		free(key);
	}
	if (!doc && !r->body_only) {
		free(body);
		mi_load_fail(m, r, &err);
		return;
	}
	mi_charge(m, r, doc_bytes(doc, len), r->body ? doc_bytes(r->doc, r->body_len) : 0);
	free(r->body);
	lson_unref(&r->doc);
	r->body = body;
	r->body_len = len;
	r->doc = doc;
	mi_load_ok(m, r);
}

static void users_loaded(struct model *m, struct resource *r, struct api_storage_result *res)
{
	if (res->err.status != LB_OK) {
		mi_load_fail(m, r, &res->err);
		return;
	}
	mi_charge(m, r, active_users_bytes(res->users, res->n_users),
	          active_users_bytes(r->users, r->n_users));
	active_users_free(r->users, r->n_users);
	r->users = res->users;
	r->n_users = res->n_users;
	res->users = NULL;
	res->n_users = 0;
	mi_load_ok(m, r);
}

/* A first page or revalidation lands in the shadow list, swapped in whole
 * once as many pages as were shown are there. */
static void versions_loaded(struct model *m, struct resource *r, struct req *q,
                            struct api_storage_result *res)
{
	struct model_internal *p = r->priv;
	size_t add = versions_bytes(res->versions, res->n_versions);
	char *cursor;

	if (res->err.status != LB_OK) {
		mi_load_fail(m, r, &res->err);
		return;
	}
	if (!versions_append(&p->vshadow, &p->n_vshadow, &p->cap_vshadow, &res->versions,
	                     &res->n_versions)) {
		mi_load_nomem(m, r);
		return;
	}
	mi_charge(m, r, add, 0);
	p->shadow_pages++;
	cursor = mi_take_cursor(r, &res->next_cursor, q->cursor);
	if (mi_page_more(m, r, q, cursor))
		return;
	mi_charge(m, r, 0, versions_bytes(r->versions, r->n_versions));
	versions_free(r->versions, r->n_versions);
	r->versions = p->vshadow;
	r->n_versions = p->n_vshadow;
	p->cap_versions = p->cap_vshadow;
	p->vshadow = NULL;
	p->n_vshadow = p->cap_vshadow = 0;
	mi_list_swapped(m, r, cursor);
}

/* The next page, appended to what is shown. */
static void versions_more(struct model *m, struct resource *r, struct req *q,
                          struct api_storage_result *res)
{
	size_t add = versions_bytes(res->versions, res->n_versions);
	struct lb_error e;

	if (res->err.status != LB_OK) {
		mi_more_failed(m, r, &res->err);
		return;
	}
	if (!versions_append(&r->versions, &r->n_versions, &r->priv->cap_versions, &res->versions,
	                     &res->n_versions)) {
		lb_error_set(&e, LB_NOMEM, "out of memory");
		mi_more_failed(m, r, &e);
		return;
	}
	mi_charge(m, r, add, 0);
	mi_more_appended(m, r, mi_take_cursor(r, &res->next_cursor, q->cursor));
}

static void on_loaded(struct api_storage_result *res, void *ud)
{
	struct req *q = ud;
	struct resource *r;
	struct model *m = mi_load_begin(q, &r);

	if (!m)
		return;
	if (r) {
		if (r->kind == RES_STORAGE || r->kind == RES_YDOC)
			doc_loaded(m, r, res);
		else if (r->kind == RES_ACTIVE_USERS)
			users_loaded(m, r, res);
		else if (q->kind == REQ_MORE)
			versions_more(m, r, q, res);
		else
			versions_loaded(m, r, q, res);
	}
	mi_load_end(m, q);
}

/* ------------------------------------------------------------------ */
/* Resources */

/* "/v2/rooms/<encoded id><suffix>"; NULL on allocation failure. */
static char *key_of(const char *room_id, const char *suffix)
{
	char *enc = url_encode(room_id);
	struct buf b;

	if (!enc)
		return NULL;
	buf_init(&b);
	if (!buf_printf(&b, "/v2/rooms/%s%s", enc, suffix)) {
		free(enc);
		buf_free(&b);
		return NULL;
	}
	free(enc);
	return buf_steal(&b);
}

/* The resource of a kind for a room, created on first use, referenced. */
static struct resource *get(struct model *m, enum res_kind kind, const char *room_id,
                            const char *suffix, const struct res_ops *ops, bool simplified,
                            const char *params)
{
	char *key;
	struct resource *r;

	if (!m || !room_id)
		return NULL;
	key = key_of(room_id, suffix);
	if (!key)
		return NULL;
	mi_enter(m);
	r = mi_find(m, kind, key);
	if (r) {
		free(key);
	} else {
		r = mi_resource_add(m, key, kind, ops);
		if (r) {
			r->simplified = simplified;
			r->room_id = strdup(room_id);
			r->ydoc_params = params ? strdup(params) : NULL;
			if (!r->room_id || (params && !r->ydoc_params)) {
				mi_resource_drop_last(m, r);
				r = NULL;
			} else {
				mi_charge(m, r,
				          strlen(room_id) + 1 + (params ? strlen(params) + 1 : 0),
				          0);
			}
		}
	}
	if (r)
		mi_acquire(m, r);
	mi_leave(m);
	return r;
}

/* A room's Storage, plain LSON or simplified. New reference. */
struct resource *model_storage(struct model *m, const char *room_id, bool simplified)
{
	return get(m, RES_STORAGE, room_id, simplified ? "/storage?format=json" : "/storage",
	           &doc_ops, simplified, NULL);
}

/* Bytes only: printing needs no tree. New reference. */
struct resource *model_storage_body(struct model *m, const char *room_id, bool simplified)
{
	struct resource *r = get(m, RES_STORAGE, room_id,
	                         simplified ? "/storage?format=json#body" : "/storage#body",
	                         &doc_ops, simplified, NULL);
	if (r)
		r->body_only = true;
	return r;
}

size_t model_storage_paths(struct model *m, const char *room_id, const char *prefix, char **out,
                           size_t max)
{
	const struct lson_doc *d = NULL;
	size_t n = 0, plen = strlen(prefix);

	if (!m || !room_id || (plen && prefix[0] != '/'))
		return 0;
	for (size_t i = 0; i < m->n_res && !d; i++) {
		const struct resource *r = m->res[i];
		if (r->kind == RES_STORAGE && !r->body_only && r->doc && r->room_id &&
		    !strcmp(r->room_id, room_id))
			d = r->doc;
	}
	if (!d)
		return 0;
	const char *slash = strrchr(prefix, '/');
	char *parent = slash ? strndup(prefix, (size_t)(slash - prefix)) : strdup("");
	int p = parent ? lson_find(d, parent) : -1;
	free(parent);
	if (p < 0 || !d->nodes[p].n_children)
		return 0;
	int c = p + 1;
	for (int k = 0; k < d->nodes[p].n_children && n < max; k++, c += d->nodes[c].subtree + 1) {
		char *path = lson_path(d, c);
		if (!path || strncmp(path, prefix, plen) != 0) {
			free(path);
			continue;
		}
		if (d->nodes[c].n_children) {
			char *dir = malloc(strlen(path) + 2);
			if (dir)
				sprintf(dir, "%s/", path);
			free(path);
			path = dir;
		}
		if (path)
			out[n++] = path;
	}
	return n;
}

/* The Yjs document as JSON with the given options. New reference. */
struct resource *model_ydoc(struct model *m, const char *room_id, const struct ydoc_options *o)
{
	static const struct ydoc_options none;
	char *q, *suffix;
	struct resource *r;
	struct buf b;

	if (!o)
		o = &none;
	q = api_ydoc_query(o->formatting, o->key, o->type);
	if (!q)
		return NULL;
	buf_init(&b);
	if (!buf_printf(&b, "/ydoc%s%s", *q ? "?" : "", q)) {
		free(q);
		buf_free(&b);
		return NULL;
	}
	suffix = buf_steal(&b);
	r = suffix ? get(m, RES_YDOC, room_id, suffix, &doc_ops, false, q) : NULL;
	free(suffix);
	free(q);
	return r;
}

/* Who is connected to a room. New reference. */
struct resource *model_active_users(struct model *m, const char *room_id)
{
	return get(m, RES_ACTIVE_USERS, room_id, "/active-users", &users_ops, false, NULL);
}

/* A room's Yjs version history, paginated. New reference. */
struct resource *model_versions(struct model *m, const char *room_id)
{
	return get(m, RES_VERSIONS, room_id, "/versions", &versions_ops, false, NULL);
}

/* Held resources of these kinds for the room go stale and reload (also
 * from an error: the change may be what makes them loadable). */
void mi_invalidate_room_kinds(struct model *m, const char *room_id, unsigned kinds)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (!(kinds & KIND(r->kind)) || r->kind == RES_ROOM || r->kind == RES_ROOMS ||
		    !r->room_id || strcmp(r->room_id, room_id) != 0)
			continue;
		if (r->state == RES_ERROR && !r->priv->req && r->priv->refs > 0)
			mi_start_load(m, r);
		else
			mi_invalidate(m, r);
	}
}

/* ------------------------------------------------------------------ */
/* Reading */

const struct version *model_version_at(const struct resource *r, size_t i)
{
	return r && r->kind == RES_VERSIONS && i < r->n_versions ? &r->versions[i] : NULL;
}

const struct active_user *model_user_at(const struct resource *r, size_t i)
{
	return r && r->kind == RES_ACTIVE_USERS && i < r->n_users ? &r->users[i] : NULL;
}

struct lson_doc *model_document(const struct resource *r)
{
	return r && (r->kind == RES_STORAGE || r->kind == RES_YDOC) ? r->doc : NULL;
}

const char *model_body(const struct resource *r, size_t *len)
{
	bool doc = r && (r->kind == RES_STORAGE || r->kind == RES_YDOC) && r->body;

	if (len)
		*len = doc ? r->body_len : 0;
	return doc ? r->body : NULL;
}
