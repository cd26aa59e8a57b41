#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"

/* A document written value by value (a room's live tree, op by op) rather
 * than decoded from text. The builder writes the raw node array that
 * lson_parse's first phase writes from text, with the same pool, then
 * hands it to the same second phase (lson_doc_make), so wrappers, LiveText
 * and LiveFile come out exactly as lson_parse makes them. */

/* An open container: its node and the nesting its children have in the
 * document's JSON text. */
struct open_container {
	int node;
	int kid_depth;
};

struct lson_builder {
	struct lson_nodes v;
	struct lson_internal *in;
	bool plain_lson;
	struct open_container *open;
	size_t n_open, cap_open;
	bool done; /* the root is closed */
	/* the first failure; later calls do nothing */
	enum lb_status fail_status;
	char fail[160];
};

__attribute__((format(printf, 3, 4))) static bool fail(struct lson_builder *b,
                                                       enum lb_status status, const char *fmt, ...)
{
	va_list ap;

	if (b->fail_status == LB_OK) {
		b->fail_status = status;
		va_start(ap, fmt);
		vsnprintf(b->fail, sizeof(b->fail), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool fail_oom(struct lson_builder *b)
{
	return fail(b, LB_NOMEM, "out of memory building the Storage document");
}

struct lson_builder *lson_builder_new(bool plain_lson, size_t hint_nodes)
{
	struct lson_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->plain_lson = plain_lson;
	b->in = lson_internal_new();
	b->v.cap = hint_nodes ? hint_nodes : 64;
	b->v.nodes = malloc(b->v.cap * sizeof(*b->v.nodes));
	if (!b->in || !b->v.nodes)
		lson_builder_free(&b);
	return b;
}

void lson_builder_free(struct lson_builder **bp)
{
	struct lson_builder *b = *bp;

	if (!b)
		return;
	free(b->v.nodes);
	lson_internal_free(&b->in);
	free(b->open);
	free(b);
	*bp = NULL;
}

static bool is_keyed(enum lson_type t)
{
	return t == LSON_OBJECT || t == LSON_LIVE_OBJECT || t == LSON_LIVE_MAP;
}

static bool is_live_container(enum lson_type t)
{
	return t == LSON_LIVE_OBJECT || t == LSON_LIVE_LIST || t == LSON_LIVE_MAP;
}

/* s[0..len) in the pool (or its static copy), NUL bytes as U+FFFD as
 * lson_parse decodes \u0000. */
static const char *pool_string(struct lson_builder *b, const char *s, size_t len)
{
	const char *k = lson_intern(s, len);
	size_t nuls = 0;
	char *o, *w;

	if (k)
		return k;
	for (const char *p = memchr(s, '\0', len); p;
	     p = memchr(p + 1, '\0', len - (size_t)(p + 1 - s)))
		nuls++;
	if (!(o = lson_pool_alloc(b->in, len + 2 * nuls + 1)))
		return NULL;
	if (!nuls) {
		memcpy(o, s, len);
		o[len] = '\0';
		return o;
	}
	w = o;
	for (size_t i = 0; i < len; i++) {
		if (s[i]) {
			*w++ = s[i];
			continue;
		}
		memcpy(w, "\xEF\xBF\xBD", 3);
		w += 3;
	}
	*w = '\0';
	return o;
}

/* One digit or more from *p; false when there is none. */
static bool digits(const char **p, const char *end)
{
	if (*p >= end || !lson_is_digit(**p))
		return false;
	while (*p < end && lson_is_digit(**p))
		(*p)++;
	return true;
}

/* Is s[0..len) a JSON number (RFC 8259), as lson_parse reads one? */
static bool json_number(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!digits(&p, end))
		return false;
	if (p < end && *p == '.') {
		p++;
		if (!digits(&p, end))
			return false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(&p, end))
			return false;
	}
	return p == end;
}

/* Append a node of type t under the open container; its index or -1. */
static int add(struct lson_builder *b, enum lson_type t, const char *key, const char *value)
{
	const char *why = NULL, *k = NULL;
	int i;

	if (b->fail_status != LB_OK)
		return -1;
	if (b->done) {
		fail(b, LB_USAGE, "a value after the root of the Storage document");
		return -1;
	}
	if (is_live_container(t) && !b->plain_lson) {
		fail(b, LB_USAGE, "a %s in a document of plain JSON", lson_type_name(t));
		return -1;
	}
	if (!b->n_open) {
		if (t != LSON_OBJECT && !is_live_container(t)) {
			fail(b, LB_DECODE, "the Storage document is not a JSON object");
			return -1;
		}
	} else if (is_keyed(b->v.nodes[b->open[b->n_open - 1].node].type) != (key != NULL)) {
		fail(b, LB_USAGE, "%s", key ? "a key on a list item" : "a member without a key");
		return -1;
	}
	if (key && !(k = pool_string(b, key, strlen(key)))) {
		fail_oom(b);
		return -1;
	}
	if ((i = lson_node_emit(&b->v, t, k, value, &why)) < 0) {
		if (strcmp(why, "out of memory") == 0)
			fail_oom(b);
		else
			fail(b, LB_TOO_LARGE, "the Storage document has %s", why);
		return -1;
	}
	if (b->n_open)
		b->v.nodes[b->open[b->n_open - 1].node].n_children++;
	return i;
}

bool lson_builder_open(struct lson_builder *b, enum lson_type t, const char *key)
{
	int depth = b->n_open ? b->open[b->n_open - 1].kid_depth : 0;
	int kid_depth = depth + (is_live_container(t) ? 2 : 1);
	int i;

	if (!lson_is_container(t))
		return fail(b, LB_USAGE, "a %s is not a container", lson_type_name(t));
	/* As lson_parse: a Live container's data nests one deeper than it. */
	if (kid_depth > LSON_MAX_DEPTH)
		return fail(b, LB_DECODE, "the Storage document is nested more than %d deep",
		            LSON_MAX_DEPTH);
	if ((i = add(b, t, key, NULL)) < 0)
		return false;
	if (b->n_open == b->cap_open) {
		size_t cap = b->cap_open ? b->cap_open * 2 : 32;
		struct open_container *o = realloc(b->open, cap * sizeof(*o));

		if (!o)
			return fail_oom(b);
		b->open = o;
		b->cap_open = cap;
	}
	b->open[b->n_open].node = i;
	b->open[b->n_open].kid_depth = kid_depth;
	b->n_open++;
	return true;
}

bool lson_builder_leaf(struct lson_builder *b, enum lson_type t, const char *key, const char *value,
                       size_t len)
{
	const char *v;

	switch (t) {
	case LSON_STRING:
		if (!value && len)
			return fail(b, LB_USAGE, "a string without its text");
		if (b->fail_status != LB_OK)
			return false;
		if (!(v = pool_string(b, value ? value : "", len)))
			return fail_oom(b);
		break;
	case LSON_NUMBER: {
		char *s;

		if (!value || !json_number(value, len))
			return fail(b, LB_USAGE, "a number that is not a JSON number");
		if (b->fail_status != LB_OK)
			return false;
		if (!(s = lson_pool_alloc(b->in, len + 1)))
			return fail_oom(b);
		memcpy(s, value, len);
		s[len] = '\0';
		v = s;
		break;
	}
	case LSON_BOOL:
		if (value && len == 4 && memcmp(value, "true", 4) == 0)
			v = "true";
		else if (value && len == 5 && memcmp(value, "false", 5) == 0)
			v = "false";
		else
			return fail(b, LB_USAGE, "a boolean that is not true or false");
		break;
	case LSON_NULL:
		v = "null";
		break;
	default:
		return fail(b, LB_USAGE, "a %s is not a leaf (write its wrapper)",
		            lson_type_name(t));
	}
	return add(b, t, key, v) >= 0;
}

bool lson_builder_close(struct lson_builder *b)
{
	struct lson_node *nd;

	if (b->fail_status != LB_OK)
		return false;
	if (!b->n_open)
		return fail(b, LB_USAGE, "a close without an open container");
	nd = &b->v.nodes[b->open[--b->n_open].node];
	nd->subtree = (int)(b->v.n - (size_t)(nd - b->v.nodes)) - 1;
	b->done = b->n_open == 0;
	return true;
}

struct lson_doc *lson_builder_finish(struct lson_builder **bp, struct lb_error *err)
{
	struct lson_builder *b = *bp;
	struct lson_doc *d = NULL;

	if (!b) {
		lb_error_set(err, LB_NOMEM, "out of memory building the Storage document");
		return NULL;
	}
	if (b->fail_status == LB_OK && !b->done)
		fail(b, LB_USAGE, "%s",
		     b->n_open ? "the Storage document is not complete"
		               : "the Storage document is empty");
	if (b->fail_status != LB_OK)
		lb_error_set(err, b->fail_status, "%s", b->fail);
	else
		d = lson_doc_make(&b->v, &b->in, b->plain_lson, err);
	lson_builder_free(bp);
	return d;
}
