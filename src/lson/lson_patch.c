#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* JSON Patch (RFC 6902) with the server's rules for Storage: building a
 * patch, applying it to a plain-LSON document, guarding it with test ops,
 * and turning a JSON value typed by the user into plain LSON. cJSON holds
 * the document while a patch is applied. */

/* ---- JSON Patch ------------------------------------------------------------- */

static const char *const patch_names[] = {"add", "remove", "replace", "move", "copy", "test"};

static const char *patch_name(enum patch_kind k)
{
	return (int)k >= 0 && (size_t)k < sizeof(patch_names) / sizeof(patch_names[0])
	           ? patch_names[k]
	           : "?";
}

bool patch_add(struct patch *p, enum patch_kind kind, const char *path, const char *from,
               const char *value)
{
	struct patch_op op = {kind, NULL, NULL, NULL};
	struct patch_op *v;

	op.path = xstrdup(path);
	op.from = xstrdup(from);
	op.value = xstrdup(value);
	v = realloc(p->ops, (p->n + 1) * sizeof(*v));
	if ((path && !op.path) || (from && !op.from) || (value && !op.value) || !v) {
		if (v)
			p->ops = v;
		free(op.path);
		free(op.from);
		free(op.value);
		return false;
	}
	v[p->n++] = op;
	p->ops = v;
	return true;
}

void patch_clear(struct patch *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].path);
		free(p->ops[i].from);
		free(p->ops[i].value);
	}
	free(p->ops);
	p->ops = NULL;
	p->n = 0;
}

/* Valid JSON text, minified (the user's number spelling is kept). Not
 * cJSON_Minify: it takes the quote in "a\\" for an escaped one, then
 * "//" in a later string for a comment. */
static char *json_minified(const char *text)
{
	char msg[128], *s, *o;
	bool in_str = false;

	if (!text || !lson_json_check(text, strlen(text), msg, sizeof(msg)))
		return NULL;
	s = malloc(strlen(text) + 1);
	if (!s)
		return NULL;
	for (o = s; *text; text++) {
		if (in_str) {
			if (*text == '\\' && text[1])
				*o++ = *text++;
			else if (*text == '"')
				in_str = false;
		} else if (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r') {
			continue;
		} else if (*text == '"') {
			in_str = true;
		}
		*o++ = *text;
	}
	*o = '\0';
	return s;
}

char *patch_to_json(const struct patch *p)
{
	struct buf b;
	struct json_writer w;
	bool ok = true;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_array(&w);
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];

		json_begin_object(&w);
		json_key(&w, "op");
		json_string(&w, patch_name(op->kind));
		if (op->kind == PATCH_MOVE || op->kind == PATCH_COPY) {
			json_key(&w, "from");
			json_string(&w, op->from ? op->from : "");
		}
		json_key(&w, "path");
		json_string(&w, op->path ? op->path : "");
		if (op->kind == PATCH_ADD || op->kind == PATCH_REPLACE || op->kind == PATCH_TEST) {
			char *v = json_minified(op->value);

			ok = v != NULL;
			json_key(&w, "value");
			json_raw(&w, v ? v : "null");
			free(v);
		}
		json_end_object(&w);
	}
	json_end_array(&w);
	if (!ok || !w.ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* The wrapper type of a cJSON value ("LiveObject"...), or NULL. */
const char *lson_cj_live_type(const cJSON *v)
{
	const cJSON *t;

	if (!cJSON_IsObject(v))
		return NULL;
	t = cJSON_GetObjectItemCaseSensitive(v, lson_s_lbtype);
	return cJSON_IsString(t) ? t->valuestring : NULL;
}

static cJSON *cj_wrap(const char *type, cJSON *data)
{
	cJSON *w = cJSON_CreateObject();

	if (!w || !data || !cJSON_AddStringToObject(w, lson_s_lbtype, type)) {
		cJSON_Delete(w);
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddItemToObject(w, lson_s_data, data);
	return w;
}

static cJSON *to_lson(const cJSON *v);

/* A new object whose members are f(each member of src). */
static cJSON *cj_map_object(const cJSON *src, cJSON *(*f)(const cJSON *))
{
	cJSON *o = cJSON_CreateObject(), *m;

	if (!o)
		return NULL;
	cJSON_ArrayForEach(m, src)
	{
		cJSON *x = f(m);

		if (!x) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddItemToObject(o, m->string, x);
	}
	return o;
}

static cJSON *cj_map_array(const cJSON *src, cJSON *(*f)(const cJSON *))
{
	cJSON *a = cJSON_CreateArray(), *m;

	if (!a)
		return NULL;
	cJSON_ArrayForEach(m, src)
	{
		cJSON *x = f(m);

		if (!x) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, x);
	}
	return a;
}

/* A JSON value as plain LSON, as the server's JSON Patch reads values:
 * arrays become LiveLists, objects LiveObjects, wrappers are kept. */
static cJSON *to_lson(const cJSON *v)
{
	const char *t;
	const cJSON *data;

	if (cJSON_IsArray(v))
		return cj_wrap(lson_s_live_list, cj_map_array(v, to_lson));
	if (!cJSON_IsObject(v))
		return cJSON_Duplicate(v, 1);
	t = lson_cj_live_type(v);
	data = cJSON_GetObjectItemCaseSensitive(v, lson_s_data);
	if (t && strcmp(t, lson_s_live_list) == 0 && cJSON_IsArray(data))
		return cj_wrap(lson_s_live_list, cj_map_array(data, to_lson));
	if (t && (strcmp(t, lson_s_live_object) == 0 || strcmp(t, lson_s_live_map) == 0) &&
	    cJSON_IsObject(data))
		return cj_wrap(t, cj_map_object(data, to_lson));
	if (t && (strcmp(t, lson_s_live_text) == 0 || strcmp(t, lson_s_live_file) == 0))
		return cJSON_Duplicate(v, 1);
	return cj_wrap(lson_s_live_object, cj_map_object(v, to_lson));
}

/* JavaScript deep equality of two JSON values (object key order ignored). */
static bool js_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *m;

	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if (cJSON_IsNull(a) && cJSON_IsNull(b))
		return true;
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		const cJSON *x = a->child, *y = b->child;

		for (; x && y; x = x->next, y = y->next)
			if (!js_equal(x, y))
				return false;
		return !x && !y;
	}
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return false;
		cJSON_ArrayForEach(m, a)
		{
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);

			if (!o || !js_equal(m, o))
				return false;
		}
		return true;
	}
	return false;
}

/* The Live container a cJSON value is: 'o' (LiveObject/LiveMap), 'l'
 * (LiveList) or 0 if it is not one (or its data has the wrong shape). */
static char cj_container(const cJSON *v, cJSON **data)
{
	const char *t = lson_cj_live_type(v);
	cJSON *dt;

	if (!t)
		return 0;
	dt = cJSON_GetObjectItemCaseSensitive(v, lson_s_data);
	*data = dt;
	if (strcmp(t, lson_s_live_list) == 0 && cJSON_IsArray(dt))
		return 'l';
	if ((strcmp(t, lson_s_live_object) == 0 || strcmp(t, lson_s_live_map) == 0) && cJSON_IsObject(dt))
		return 'o';
	return 0;
}

static const char *cj_type_name(const cJSON *v)
{
	const char *t = lson_cj_live_type(v);

	if (t && lson_live_type_of(lson_intern(t, strlen(t))) != LSON_TYPE_COUNT)
		return t;
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	return "null";
}

struct applier {
	cJSON *root;
	char *msg; /* the failure, without the op prefix */
	size_t msg_n;
	bool nomem;
	unsigned flags; /* LSON_PATCH_* */
};

static bool ap_fail(struct applier *ap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool ap_fail(struct applier *ap, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(ap->msg, ap->msg_n, fmt, args);
	va_end(args);
	return false;
}

/* The prefix "/a/b" of the first k tokens, for messages. */
static void prefix_of(char **tok, size_t k, char *out, size_t n)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < k; i++)
		lson_pointer_append(&b, tok[i]);
	snprintf(out, n, "%s", b.len ? b.data : "the root");
	buf_free(&b);
}

/* The child tok of a Live container, or NULL with a message. */
static cJSON *cj_child(struct applier *ap, cJSON *container, char **tok, size_t k)
{
	cJSON *data = NULL;
	char kind = cj_container(container, &data);
	char where[256];

	if (kind == 'l') {
		long idx = lson_parse_index(tok[k], tok[k] + strlen(tok[k]));
		int size = cJSON_GetArraySize(data);

		if (idx < 0) {
			prefix_of(tok, k, where, sizeof(where));
			ap_fail(ap, "\"%s\" is not an index of the LiveList at %s", tok[k], where);
			return NULL;
		}
		if (idx >= size) {
			prefix_of(tok, k, where, sizeof(where));
			ap_fail(ap, "no item %ld in the LiveList at %s (%d item%s)", idx, where,
			        size, size == 1 ? "" : "s");
			return NULL;
		}
		return cJSON_GetArrayItem(data, (int)idx);
	}
	{
		cJSON *c = cJSON_GetObjectItemCaseSensitive(data, tok[k]);

		if (!c)
			ap_fail(ap, "no such key \"%s\"", tok[k]);
		return c;
	}
}

/* Walk to the parent of the last token; it must be a Live container. */
static cJSON *cj_locate(struct applier *ap, char **tok, size_t n)
{
	cJSON *cur = ap->root, *data;

	for (size_t k = 0; k + 1 < n; k++) {
		char where[256];

		cur = cj_child(ap, cur, tok, k);
		if (!cur)
			return NULL;
		if (!cj_container(cur, &data)) {
			prefix_of(tok, k + 1, where, sizeof(where));
			const char *t = cj_type_name(cur);

			ap_fail(ap, "%s is %s %s, not a LiveObject, LiveMap or LiveList", where,
			        strchr("aeiou", t[0]) ? "an" : "a", t);
			return NULL;
		}
	}
	return cur;
}


/* Insert item before position which. cJSON 1.7.15's cJSON_InsertItemInArray
 * fails for every position but the first, so link it by hand: the head's
 * prev points at the last item. */
static bool array_insert(cJSON *array, int which, cJSON *item)
{
	cJSON *after = cJSON_GetArrayItem(array, which);

	if (!after)
		return cJSON_AddItemToArray(array, item);
	item->next = after;
	item->prev = after->prev;
	after->prev = item;
	if (after == array->child)
		array->child = item;
	else
		item->prev->next = item;
	return true;
}

static bool cj_add_at(struct applier *ap, char **tok, size_t n, cJSON *value)
{
	cJSON *parent = cj_locate(ap, tok, n), *data = NULL;
	const char *key = tok[n - 1];
	bool ok;

	if (!parent) {
		cJSON_Delete(value);
		return false;
	}
	if (cj_container(parent, &data) == 'l') {
		int size = cJSON_GetArraySize(data);
		long idx = strcmp(key, "-") == 0 ? size : lson_parse_index(key, key + strlen(key));

		if (idx < 0 || idx > size) {
			cJSON_Delete(value);
			if (idx < 0)
				return ap_fail(ap, "\"%s\" is not a LiveList index or \"-\"", key);
			return ap_fail(ap, "index %ld is out of bounds (%d item%s)", idx, size,
			               size == 1 ? "" : "s");
		}
		ok = idx == size ? cJSON_AddItemToArray(data, value)
		                 : array_insert(data, (int)idx, value);
	} else if (cJSON_GetObjectItemCaseSensitive(data, key)) {
		ok = cJSON_ReplaceItemInObjectCaseSensitive(data, key, value);
	} else {
		ok = cJSON_AddItemToObject(data, key, value);
	}
	if (!ok) {
		cJSON_Delete(value);
		ap->nomem = true;
		return ap_fail(ap, "out of memory");
	}
	return true;
}

/* Detach the node at the path and return it. */
static cJSON *cj_remove_at(struct applier *ap, char **tok, size_t n)
{
	cJSON *parent = cj_locate(ap, tok, n), *data = NULL;

	if (!parent || !cj_child(ap, parent, tok, n - 1))
		return NULL;
	if (cj_container(parent, &data) == 'l')
		return cJSON_DetachItemFromArray(
		    data, (int)lson_parse_index(tok[n - 1], tok[n - 1] + strlen(tok[n - 1])));
	return cJSON_DetachItemFromObjectCaseSensitive(data, tok[n - 1]);
}

static bool split_op_path(struct applier *ap, const char *path, char ***tok, size_t *n)
{
	struct lb_error e;

	if (!path)
		return ap_fail(ap, "the path is missing");
	if (*path == '\0')
		return ap_fail(ap, "the document root cannot be the target");
	if (!lson_pointer_split(path, tok, n, &e)) {
		if (e.status == LB_NOMEM)
			ap->nomem = true;
		return ap_fail(ap, "%s", e.message);
	}
	return true;
}

/* A value taken literally must be well-formed plain LSON. */
static bool literal_ok(struct applier *ap, const cJSON *v, const char *path)
{
	struct lb_error e;

	if (lson_literal_check(v, path, &e))
		return true;
	if (e.status == LB_NOMEM)
		ap->nomem = true;
	return ap_fail(ap, "%s", e.message);
}

/* The Storage value an add or replace writes: the value as plain LSON, as
 * it is (LSON_PATCH_LITERAL, checked first; *value is taken), or read as
 * the server's JSON Patch reads it. NULL with the failure set. */
static cJSON *op_value(struct applier *ap, cJSON **value, const char *path)
{
	cJSON *v;

	if (ap->flags & LSON_PATCH_LITERAL) {
		if (!literal_ok(ap, *value, path))
			return NULL;
		v = *value;
		*value = NULL;
		return v;
	}
	v = to_lson(*value);
	if (!v) {
		ap->nomem = true;
		ap_fail(ap, "out of memory");
	}
	return v;
}

static bool apply_op(struct applier *ap, const struct patch_op *op)
{
	char **path = NULL, **from = NULL;
	size_t np = 0, nf = 0;
	cJSON *value = NULL, *v;
	bool ok = false;

	if (!split_op_path(ap, op->path, &path, &np))
		goto out;
	if (op->kind == PATCH_ADD || op->kind == PATCH_REPLACE || op->kind == PATCH_TEST) {
		if (!op->value) {
			ap_fail(ap, "\"value\" is required");
			goto out;
		}
		char msg[128];

		if (!lson_json_check(op->value, strlen(op->value), msg, sizeof(msg))) {
			ap_fail(ap, "the value is not valid JSON (%s)", msg);
			goto out;
		}
		value = cJSON_ParseWithOpts(op->value, NULL, 1);
		if (!value) {
			ap->nomem = true;
			goto out;
		}
	}
	switch (op->kind) {
	case PATCH_ADD:
		v = op_value(ap, &value, op->path);
		ok = v && cj_add_at(ap, path, np, v);
		break;
	case PATCH_REMOVE:
		v = cj_remove_at(ap, path, np);
		ok = v != NULL;
		cJSON_Delete(v);
		break;
	case PATCH_REPLACE: {
		cJSON *parent = cj_locate(ap, path, np), *data = NULL;

		if (!parent || !cj_child(ap, parent, path, np - 1))
			break;
		v = op_value(ap, &value, op->path);
		if (!v)
			break;
		if (cj_container(parent, &data) == 'l')
			ok = cJSON_ReplaceItemInArray(
			    data,
			    (int)lson_parse_index(path[np - 1], path[np - 1] + strlen(path[np - 1])), v);
		else
			ok = cJSON_ReplaceItemInObjectCaseSensitive(data, path[np - 1], v);
		if (!ok) {
			cJSON_Delete(v);
			ap->nomem = true;
		}
		break;
	}
	case PATCH_MOVE:
	case PATCH_COPY: {
		size_t fl;

		if (!split_op_path(ap, op->from, &from, &nf))
			break;
		fl = strlen(op->from);
		if (op->kind == PATCH_MOVE) {
			if (strncmp(op->path, op->from, fl) == 0 && op->path[fl] == '/') {
				ap_fail(ap, "cannot move a node into one of its children");
				break;
			}
			v = cj_remove_at(ap, from, nf);
		} else {
			cJSON *parent = cj_locate(ap, from, nf), *c;

			c = parent ? cj_child(ap, parent, from, nf - 1) : NULL;
			v = c ? cJSON_Duplicate(c, 1) : NULL;
			if (c && !v)
				ap->nomem = true;
		}
		ok = v && cj_add_at(ap, path, np, v);
		break;
	}
	case PATCH_TEST: {
		/* Type and value, in plain LSON: a LiveObject is not a plain
		 * object, nor a LiveMap, whatever their data. */
		cJSON *parent = cj_locate(ap, path, np), *c;

		c = parent ? cj_child(ap, parent, path, np - 1) : NULL;
		if (!c)
			break;
		ok = js_equal(c, value);
		if (!ok)
			ap_fail(ap, "the value does not match");
		break;
	}
	default:
		ap_fail(ap, "unknown operation");
		break;
	}
out:
	cJSON_Delete(value);
	lson_tokens_free(&path, np);
	lson_tokens_free(&from, nf);
	return ok;
}

char *lson_patch_apply(const char *plain_lson, size_t len, const struct patch *p,
                       struct lb_error *err)
{
	return lson_patch_apply_opts(plain_lson, len, p, 0, err);
}

/* The first \u escape in JSON text that cJSON cannot keep as it is: a
 * NUL (its strings end there) or a UTF-16 surrogate without its pair
 * (it refuses the text); NULL when there is none. Backslashes are only
 * in strings, so escapes are found without tracking them. */
static const char *unkeepable_escape(const char *s, size_t len)
{
	unsigned cp, lo;

	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] != 'u' || !lson_read_hex4(s + i + 2, s + len, &cp)) {
			i++;
			continue;
		}
		if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
			return s + i;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 12 > len || s[i + 6] != '\\' || s[i + 7] != 'u' ||
			    !lson_read_hex4(s + i + 8, s + len, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return s + i;
			i += 6;
		}
		i += 5;
	}
	return NULL;
}

/* Parse the document for an applier (msg holds the failures): false
 * with err when it is not JSON or its root is not a LiveObject. */
static bool ap_open(struct applier *ap, const char *plain_lson, size_t len, unsigned flags,
                    char *msg, size_t msg_n, struct lb_error *err)
{
	cJSON *data;

	memset(ap, 0, sizeof(*ap));
	ap->flags = flags;
	ap->msg = msg;
	ap->msg_n = msg_n;
	if (!plain_lson || !lson_json_check(plain_lson, len, msg, msg_n)) {
		lb_error_set(err, LB_DECODE, "the Storage document is not valid JSON: %s",
		             plain_lson ? msg : "(nothing)");
		return false;
	}
	/* Changed and written back, such a string would come out cut short
	 * (a rewrite would write that into the room), or not at all. */
	const char *esc = unkeepable_escape(plain_lson, len);
	if (esc) {
		lb_error_set(
		    err, LB_DECODE,
		    "the Storage document holds a string with %s (%.6s), which lbtui cannot "
		    "keep as it is in a change: nothing was changed",
		    !memcmp(esc, "\\u0000", 6) ? "a NUL character" : "a lone UTF-16 surrogate",
		    esc);
		return false;
	}
	ap->root = cJSON_ParseWithLength(plain_lson, len);
	if (!ap->root) {
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
		return false;
	}
	if (cj_container(ap->root, &data) != 'o' ||
	    strcmp(lson_cj_live_type(ap->root), lson_s_live_object) != 0) {
		cJSON_Delete(ap->root);
		ap->root = NULL;
		lb_error_set(err, LB_DECODE, "the Storage document's root is not a LiveObject");
		return false;
	}
	return true;
}

/* Apply op i; on failure set err naming it ("op 2 (remove /a): ..."). */
static bool ap_apply(struct applier *ap, const struct patch *p, size_t i, struct lb_error *err)
{
	const struct patch_op *op = &p->ops[i];

	ap->msg[0] = '\0';
	if (apply_op(ap, op))
		return true;
	if (ap->nomem)
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
	else if (op->kind == PATCH_MOVE || op->kind == PATCH_COPY)
		lb_error_set(err, LB_USAGE, "op %zu (%s %s -> %s): %s", i, patch_name(op->kind),
		             op->from ? op->from : "?", op->path ? op->path : "?", ap->msg);
	else
		lb_error_set(err, LB_USAGE, "op %zu (%s %s): %s", i, patch_name(op->kind),
		             op->path ? op->path : "?", ap->msg);
	return false;
}

char *lson_patch_apply_opts(const char *plain_lson, size_t len, const struct patch *p,
                            unsigned flags, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	char *out;

	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (!ap_apply(&ap, p, i, err)) {
			cJSON_Delete(ap.root);
			return NULL;
		}
	}
	out = cJSON_PrintUnformatted(ap.root);
	cJSON_Delete(ap.root);
	if (!out)
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
	return out;
}

/* ---- guards: the tests a patch needs ------------------------------------- */

/* The child tok of a Live container, or NULL (no message). */
static cJSON *cj_lookup(cJSON *container, const char *tok)
{
	cJSON *data = NULL;
	char kind = cj_container(container, &data);

	if (kind == 'l') {
		long idx = lson_parse_index(tok, tok + strlen(tok));
		return idx >= 0 && idx < cJSON_GetArraySize(data)
		           ? cJSON_GetArrayItem(data, (int)idx)
		           : NULL;
	}
	return kind == 'o' ? cJSON_GetObjectItemCaseSensitive(data, tok) : NULL;
}

/* Add a test of the value v at the pointer of tok[0..k) plus last (NULL:
 * none) to tests. */
static bool guard_add(struct patch *tests, char **tok, size_t k, const char *last, const cJSON *v)
{
	struct buf b;
	char *value = cJSON_PrintUnformatted(v);
	bool ok = value != NULL;

	buf_init(&b);
	for (size_t i = 0; ok && i < k; i++)
		ok = lson_pointer_append(&b, tok[i]);
	ok = ok && (!last || lson_pointer_append(&b, last)) && b.data &&
	     patch_add(tests, PATCH_TEST, b.data, NULL, value);
	buf_free(&b);
	free(value);
	return ok;
}

/* How an op uses the node a pointer names. */
enum guard_use {
	GUARD_READ,  /* remove, replace, the from of move and copy: its value */
	GUARD_WRITE, /* add, the path of move and copy: where it goes */
};

/* The tests for one pointer of an op, against the document as it is: the
 * item at each list index on the way (an index names whatever sits there
 * now), then the old value of the node read or overwritten, or for an
 * insertion into a list the items on either side of the place. A pointer
 * that does not resolve gets no test: the op fails on its own. */
static bool guard_pointer(cJSON *root, const char *pointer, enum guard_use use, struct patch *tests)
{
	char **tok = NULL;
	size_t n = 0;
	struct lb_error e;
	cJSON *cur = root, *data = NULL, *c;
	bool ok = true;

	if (!pointer || !*pointer || !lson_pointer_split(pointer, &tok, &n, &e))
		return !pointer || !*pointer || e.status != LB_NOMEM;
	for (size_t k = 0; ok && k + 1 < n; k++) {
		char kind = cj_container(cur, &data);

		c = cj_lookup(cur, tok[k]);
		if (!c || !kind)
			goto out;
		if (kind == 'l')
			ok = guard_add(tests, tok, k + 1, NULL, c);
		cur = c;
	}
	if (!ok || !cj_container(cur, &data))
		goto out;
	c = cj_lookup(cur, tok[n - 1]);
	if (use == GUARD_WRITE && cj_container(cur, &data) == 'l') {
		long idx = lson_parse_index(tok[n - 1], tok[n - 1] + strlen(tok[n - 1]));
		int size = cJSON_GetArraySize(data);
		char before[32];

		if (idx > 0 && idx <= size) {
			snprintf(before, sizeof(before), "%ld", idx - 1);
			ok = guard_add(tests, tok, n - 1, before,
			               cJSON_GetArrayItem(data, (int)idx - 1));
		}
		if (ok && c)
			ok = guard_add(tests, tok, n, NULL, c);
	} else if (c) {
		ok = guard_add(tests, tok, n, NULL, c);
	}
out:
	lson_tokens_free(&tok, n);
	return ok;
}

/* The node at tok[0..n) from root, or NULL. */
static cJSON *cj_at(cJSON *root, char **tok, size_t n)
{
	cJSON *cur = root;

	for (size_t k = 0; cur && k < n; k++)
		cur = cj_lookup(cur, tok[k]);
	return cur;
}

/* The tests for where a move puts its node. A move takes the node out
 * first, so its path names a place in the document without it: the
 * tests are made there, then their paths are named as the document
 * before the move has them (the tests run before the op): past the taken
 * item, an index of its list is one more. Their values are read there
 * too, so that a node the move takes something out of is tested whole. */
static bool guard_move_target(cJSON *root, const struct patch_op *op, struct patch *tests)
{
	char **from = NULL, **tok = NULL;
	size_t nf = 0, nt = 0;
	struct patch post = {0};
	struct lb_error e;
	char msg[256];
	struct applier ap = {.msg = msg, .msg_n = sizeof(msg)};
	cJSON *taken, *parent, *data = NULL;
	long f = -1;
	bool ok = true;

	if (!op->from || !*op->from || !lson_pointer_split(op->from, &from, &nf, &e))
		return !op->from || !*op->from || e.status != LB_NOMEM;
	parent = cj_at(root, from, nf - 1);
	if (parent && cj_container(parent, &data) == 'l')
		f = lson_parse_index(from[nf - 1], from[nf - 1] + strlen(from[nf - 1]));
	ap.root = cJSON_Duplicate(root, 1);
	ok = ap.root != NULL;
	taken = ok ? cj_remove_at(&ap, from, nf) : NULL;
	/* A from that does not resolve: the op fails on its own. */
	if (taken)
		ok = guard_pointer(ap.root, op->path, GUARD_WRITE, &post);
	cJSON_Delete(taken);
	cJSON_Delete(ap.root);
	for (size_t i = 0; ok && i < post.n; i++) {
		ok = lson_pointer_split(post.ops[i].path, &tok, &nt, &e);
		if (!ok)
			break;
		bool same_list = f >= 0 && nt >= nf;
		for (size_t k = 0; same_list && k + 1 < nf; k++)
			same_list = !strcmp(tok[k], from[k]);
		long idx =
		    same_list ? lson_parse_index(tok[nf - 1], tok[nf - 1] + strlen(tok[nf - 1])) : -1;
		if (idx >= f && f >= 0) {
			char *shifted = malloc(24);

			ok = shifted != NULL;
			if (ok) {
				snprintf(shifted, 24, "%ld", idx + 1);
				free(tok[nf - 1]);
				tok[nf - 1] = shifted;
			}
		}
		cJSON *node = ok ? cj_at(root, tok, nt) : NULL;
		if (node)
			ok = guard_add(tests, tok, nt, NULL, node);
		lson_tokens_free(&tok, nt);
	}
	patch_clear(&post);
	lson_tokens_free(&from, nf);
	return ok;
}

/* Whether pointer a names b or one of b's ancestors. */
static bool pointer_covers(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* Append the tests that guard op to out: each once, none that a test of an
 * ancestor already covers. */
static bool guard_op(cJSON *root, const struct patch_op *op, struct patch *out)
{
	struct patch tests = {0};
	bool ok = true;

	switch (op->kind) {
	case PATCH_REMOVE:
	case PATCH_REPLACE:
		ok = guard_pointer(root, op->path, GUARD_READ, &tests);
		break;
	case PATCH_ADD:
		ok = guard_pointer(root, op->path, GUARD_WRITE, &tests);
		break;
	case PATCH_MOVE:
		ok = guard_pointer(root, op->from, GUARD_READ, &tests) &&
		     guard_move_target(root, op, &tests);
		break;
	case PATCH_COPY:
		ok = guard_pointer(root, op->from, GUARD_READ, &tests) &&
		     guard_pointer(root, op->path, GUARD_WRITE, &tests);
		break;
	case PATCH_TEST:
		break;
	}
	for (size_t i = 0; ok && i < tests.n; i++) {
		bool covered = false;

		for (size_t j = 0; j < tests.n && !covered; j++)
			covered = j != i && pointer_covers(tests.ops[j].path, tests.ops[i].path) &&
			          (strcmp(tests.ops[j].path, tests.ops[i].path) != 0 || j < i);
		if (!covered)
			ok =
			    patch_add(out, PATCH_TEST, tests.ops[i].path, NULL, tests.ops[i].value);
	}
	patch_clear(&tests);
	return ok;
}

bool lson_patch_guard(const char *plain_lson, size_t len, const struct patch *p, unsigned flags,
                      struct patch *out, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	bool ok = true;

	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return false;
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];

		if (!guard_op(ap.root, op, out) ||
		    !patch_add(out, op->kind, op->path, op->from, op->value)) {
			lb_error_set(err, LB_NOMEM, "out of memory guarding the patch");
			ok = false;
		} else {
			ok = ap_apply(&ap, p, i, err);
		}
	}
	cJSON_Delete(ap.root);
	if (!ok)
		patch_clear(out);
	return ok;
}

char *lson_patch_test_failures(const char *plain_lson, size_t len, const struct patch *p,
                               unsigned flags, size_t *count, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	struct buf b;
	bool ok = true;

	*count = 0;
	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return NULL;
	buf_init(&b);
	ok = buf_adds(&b, "");
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];
		bool seen = false;

		if (ap_apply(&ap, p, i, err))
			continue;
		if (err->status == LB_NOMEM) {
			ok = false;
			break;
		}
		if (op->kind != PATCH_TEST)
			break; /* the ops after it would be guesses */
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->ops[j].kind == PATCH_TEST && !strcmp(p->ops[j].path, op->path);
		if (!seen) {
			ok = buf_printf(&b, "%s%s", *count ? ", " : "", op->path);
			(*count)++;
		}
	}
	cJSON_Delete(ap.root);
	if (!ok) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	lb_error_clear(err);
	return buf_steal(&b);
}

/* ---- user values ------------------------------------------------------------ */

char *lson_from_json(const char *json, enum lson_wrap wrap, struct lb_error *err)
{
	cJSON *v, *out;
	char *s;

	char msg[128];

	if (!json || !lson_json_check(json, strlen(json), msg, sizeof(msg))) {
		lb_error_set(err, LB_USAGE, "not valid JSON: %s", json ? msg : "nothing given");
		return NULL;
	}
	v = cJSON_ParseWithOpts(json, NULL, 1);
	if (!v) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	if (wrap == LSON_WRAP_PLAIN) {
		cJSON_Delete(v);
		s = json_minified(json);
		if (!s)
			lb_error_set(err, LB_NOMEM, "out of memory");
		return s;
	}
	if (wrap == LSON_WRAP_LIVE_MAP && cJSON_IsObject(v) && !lson_cj_live_type(v))
		out = cj_wrap(lson_s_live_map, cj_map_object(v, to_lson));
	else
		out = to_lson(v);
	cJSON_Delete(v);
	s = out ? cJSON_PrintUnformatted(out) : NULL;
	cJSON_Delete(out);
	if (!s)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return s;
}
