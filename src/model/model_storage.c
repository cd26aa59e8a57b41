#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_storage.h"
#include "json.h"
#include "model_impl.h"
#include "model_storage.h"
#include "util.h"


/* ------------------------------------------------------------------ */
/* Documents: a room's Storage and its Yjs document */

/* What a Storage or Yjs resource was asked with. */
struct doc_args {
	bool simplified; /* Storage: ?format=json */
	bool body_only;  /* keep the body, decode nothing */
	char *query;     /* Yjs: the query string ("" for none) */
	char *key;       /* Yjs: the one key asked for, decoded; NULL for none */
};

/* A document as the API sent it, and decoded (the model's reference;
 * NULL with body_only). */
struct document {
	char *body;
	size_t body_len;
	struct lson_doc *doc;
};

static void doc_args_free(void *args)
{
	struct doc_args *a = args;

	free(a->query);
	free(a->key);
	free(a);
}

static char *storage_query(const void *args)
{
	return strdup(((const struct doc_args *)args)->simplified ? "format=json" : "");
}

static char *ydoc_query(const void *args)
{
	return strdup(((const struct doc_args *)args)->query);
}

static void document_clear(void *item)
{
	struct document *d = item;

	free(d->body);
	lson_unref(&d->doc);
	memset(d, 0, sizeof(*d));
}

/* What a decoded document costs: the body kept, the nodes, and the string
 * pool, which holds at most the text of the body. */
static size_t document_bytes(const void *item)
{
	const struct document *d = item;

	return d->body_len + 1 + (d->doc ? d->doc->n * sizeof(struct lson_node) + d->body_len : 0);
}

/* Keep the body (the answer's is only lent to the callback). */
static bool keep_body(struct document *d, const char *body, size_t len, struct lb_error *err)
{
	d->body = malloc(len + 1);
	if (!d->body) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	if (len)
		memcpy(d->body, body, len);
	d->body[len] = '\0';
	d->body_len = len;
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

/* Storage: plain LSON, or the simplified JSON. */
static bool storage_decode(const char *body, size_t len, const void *args, void *item,
                           struct lb_error *err)
{
	const struct doc_args *a = args;
	struct document *d = item;

	if (!keep_body(d, body, len, err))
		return false;
	if (a->body_only)
		return true;
	d->doc = lson_parse(d->body, len, !a->simplified, err);
	return d->doc != NULL;
}

/* Yjs: plain JSON, a bare value shown under its key. */
static bool ydoc_decode(const char *body, size_t len, const void *args, void *item,
                        struct lb_error *err)
{
	const struct doc_args *a = args;
	struct document *d = item;

	if (!keep_body(d, body, len, err))
		return false;
	d->doc = ydoc_parse(d->body, len, a->key, err);
	return d->doc != NULL;
}

static const struct item_type storage_item = {
    .name = "Storage document",
    .size = sizeof(struct document),
    .decode_one = storage_decode,
    .clear = document_clear,
    .bytes = document_bytes,
};

static const struct item_type ydoc_item = {
    .name = "Yjs document",
    .size = sizeof(struct document),
    .decode_one = ydoc_decode,
    .clear = document_clear,
    .bytes = document_bytes,
};

const struct kind storage_kind = {
    .name = "storage",
    .shape = KIND_OBJECT,
    .ep = EP_STORAGE_GET,
    .item = &storage_item,
    .args_query = storage_query,
    .args_free = doc_args_free,
};

const struct kind ydoc_kind = {
    .name = "ydoc",
    .shape = KIND_OBJECT,
    .ep = EP_YDOC_GET,
    .item = &ydoc_item,
    .args_query = ydoc_query,
    .args_free = doc_args_free,
};

/* ------------------------------------------------------------------ */
/* Active users: a list of one page */

static bool users_decode(const char *body, size_t len, const void *args, struct item_page *out,
                         struct lb_error *err)
{
	struct active_user *v;

	(void)args;
	if (!api_decode_active_users(body, len, &v, &out->n, err))
		return false;
	out->items = v;
	return true;
}

static void user_item_clear(void *item)
{
	active_user_clear(item);
}

static size_t user_item_bytes(const void *item)
{
	return active_users_bytes(item, 1);
}

static const char *user_item_id(const void *item)
{
	return ((const struct active_user *)item)->id;
}

static void user_item_user_ids(const void *item, void (*add)(void *ctx, const char *id),
                               void *ctx)
{
	add(ctx, ((const struct active_user *)item)->id);
}

static const struct item_type user_item = {
    .name = "active user",
    .size = sizeof(struct active_user),
    .decode_page = users_decode,
    .clear = user_item_clear,
    .bytes = user_item_bytes,
    .id = user_item_id,
    .user_ids = user_item_user_ids,
};

static const struct kind users_kind = {
    .name = "active users",
    .shape = KIND_LIST,
    .ep = EP_ACTIVE_USERS_SDK,
    .item = &user_item,
    .paging = {.cursor_param = NULL, .page_size = 0},
};

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

/* The resource of kind k for a room, created on first use, referenced;
 * args are taken. See model_impl.h. */
struct resource *mi_room_get(struct model *m, const struct kind *k, const char *room_id,
                             const char *suffix, void *args)
{
	if (!m || !room_id) {
		if (args && k->args_free)
			k->args_free(args);
		return NULL;
	}
	return mi_get(m, k, key_of(room_id, suffix), room_id, args);
}

static struct doc_args *storage_args(bool simplified, bool body_only)
{
	struct doc_args *a = calloc(1, sizeof(*a));

	if (a) {
		a->simplified = simplified;
		a->body_only = body_only;
	}
	return a;
}

/* A room's Storage, plain LSON or simplified. New reference. */
struct resource *model_storage(struct model *m, const char *room_id, bool simplified)
{
	struct doc_args *a = storage_args(simplified, false);

	if (!a)
		return NULL;
	return mi_room_get(m, &storage_kind, room_id, simplified ? "/storage?format=json" : "/storage", a);
}

/* Bytes only: printing needs no tree. New reference. */
struct resource *model_storage_body(struct model *m, const char *room_id, bool simplified)
{
	struct doc_args *a = storage_args(simplified, true);

	if (!a)
		return NULL;
	return mi_room_get(m, &storage_kind, room_id,
	           simplified ? "/storage?format=json#body" : "/storage#body", a);
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
		if (r->priv->kind == &storage_kind && r->room_id && !strcmp(r->room_id, room_id))
			d = model_document(r);
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
	struct doc_args *a;
	char *suffix;
	struct buf b;

	if (!o)
		o = &none;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->query = api_ydoc_query(o->formatting, o->key, o->type))) {
		free(a);
		return NULL;
	}
	a->key = query_key(a->query);
	buf_init(&b);
	if (!buf_printf(&b, "/ydoc%s%s", *a->query ? "?" : "", a->query)) {
		buf_free(&b);
		doc_args_free(a);
		return NULL;
	}
	suffix = buf_steal(&b);
	if (!suffix) {
		doc_args_free(a);
		return NULL;
	}
	struct resource *r = mi_room_get(m, &ydoc_kind, room_id, suffix, a);
	free(suffix);
	return r;
}

/* Who is connected to a room. New reference. */
struct resource *model_active_users(struct model *m, const char *room_id)
{
	return mi_room_get(m, &users_kind, room_id, "/active-users", NULL);
}


/* Held resources of these kinds for the room go stale and reload (also
 * from an error: the change may be what makes them loadable). */
void mi_invalidate_room_kind(struct model *m, const char *room_id, const struct kind *k)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct resource *r = m->res[i];

		if (r->priv->kind != k || !r->room_id || strcmp(r->room_id, room_id) != 0)
			continue;
		if (r->state == RES_ERROR && !r->priv->req && r->priv->refs > 0)
			mi_start_load(m, r);
		else
			mi_invalidate(m, r);
	}
}

/* ------------------------------------------------------------------ */
/* Reading */


const struct active_user *model_user_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &user_item, i);
}

static const struct document *document_of(const struct resource *r)
{
	if (!r || !r->priv || r->priv->kind->shape != KIND_OBJECT ||
	    (r->priv->kind->item != &storage_item && r->priv->kind->item != &ydoc_item))
		return NULL;
	return r->obj;
}

struct lson_doc *model_document(const struct resource *r)
{
	const struct document *d = document_of(r);

	return d ? d->doc : NULL;
}

const char *model_body(const struct resource *r, size_t *len)
{
	const struct document *d = document_of(r);

	if (len)
		*len = d ? d->body_len : 0;
	return d ? d->body : NULL;
}
