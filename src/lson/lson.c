#include "lbconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* What the parts of the Storage module share (lson_impl.h): type names,
 * the strings every plain-LSON document repeats, and JSON Pointers. The
 * parts: lson_parse.c (decoding), lson_print.c (summaries, JSON text),
 * lson_search.c, lson_diff.c, lson_patch.c (JSON Patch, user values) and
 * lson_validate.c (plain-LSON documents). */

static const char *const type_names[] = {
#define LSON_TYPE_NAME(t, name) name,
    LSON_TYPES(LSON_TYPE_NAME)
#undef LSON_TYPE_NAME
};

/* ---- strings every document repeats ---------------------------------------- */

/* Strings every plain-LSON document repeats: one static copy each, so the
 * pool does not hold them and the decoder compares pointers. */
const char lson_s_lbtype[] = "liveblocksType";
const char lson_s_data[] = "data";
const char lson_s_version[] = "version";
const char lson_s_live_object[] = "LiveObject";
const char lson_s_live_list[] = "LiveList";
const char lson_s_live_map[] = "LiveMap";
const char lson_s_live_text[] = "LiveText";
const char lson_s_live_file[] = "LiveFile";
const char lson_s_empty[] = "";

const char *lson_intern(const char *s, size_t len)
{
	switch (len) {
	case 0:
		return lson_s_empty;
	case 4:
		return memcmp(s, lson_s_data, 4) == 0 ? lson_s_data : NULL;
	case 7:
		if (memcmp(s, lson_s_version, 7) == 0)
			return lson_s_version;
		return memcmp(s, lson_s_live_map, 7) == 0 ? lson_s_live_map : NULL;
	case 8:
		if (memcmp(s, lson_s_live_list, 8) == 0)
			return lson_s_live_list;
		if (memcmp(s, lson_s_live_text, 8) == 0)
			return lson_s_live_text;
		return memcmp(s, lson_s_live_file, 8) == 0 ? lson_s_live_file : NULL;
	case 10:
		return memcmp(s, lson_s_live_object, 10) == 0 ? lson_s_live_object : NULL;
	case 14:
		return memcmp(s, lson_s_lbtype, 14) == 0 ? lson_s_lbtype : NULL;
	default:
		return NULL;
	}
}

enum lson_type lson_live_type_of(const char *name)
{
	if (name == lson_s_live_object)
		return LSON_LIVE_OBJECT;
	if (name == lson_s_live_list)
		return LSON_LIVE_LIST;
	if (name == lson_s_live_map)
		return LSON_LIVE_MAP;
	if (name == lson_s_live_text)
		return LSON_LIVE_TEXT;
	if (name == lson_s_live_file)
		return LSON_LIVE_FILE;
	return LSON_TYPE_COUNT;
}

/* ---- types, pointers --------------------------------------------------------- */

const char *lson_type_name(enum lson_type t)
{
	if ((int)t < 0 || t >= LSON_TYPE_COUNT)
		return "?";
	return type_names[t];
}

bool lson_is_container(enum lson_type t)
{
	return t == LSON_LIVE_OBJECT || t == LSON_LIVE_LIST || t == LSON_LIVE_MAP ||
	       t == LSON_OBJECT || t == LSON_ARRAY;
}

/* Append a pointer token with RFC 6901 escaping. */
bool lson_pointer_append(struct buf *b, const char *tok)
{
	const char *run = tok;
	bool ok = buf_add(b, "/", 1);

	for (; *tok; tok++) {
		if (*tok != '~' && *tok != '/')
			continue;
		ok = ok && buf_add(b, run, (size_t)(tok - run));
		ok = ok && buf_add(b, *tok == '~' ? "~0" : "~1", 2);
		run = tok + 1;
	}
	return ok && buf_add(b, run, (size_t)(tok - run));
}

/* ---- paths ------------------------------------------------------------------ */

static bool path_build(const struct lson_doc *d, int i, struct buf *b)
{
	int stack_small[64], *stack = stack_small, n = 0, depth = d->nodes[i].depth;
	bool ok = true;

	if (depth > 64) {
		stack = malloc((size_t)depth * sizeof(*stack));
		if (!stack)
			return false;
	}
	for (int j = i; d->nodes[j].parent >= 0; j = d->nodes[j].parent)
		stack[n++] = j;
	while (ok && n > 0) {
		const struct lson_node *nd = &d->nodes[stack[--n]];

		if (lson_is_list(d->nodes[nd->parent].type) || !nd->key)
			ok = buf_printf(b, "/%d", nd->index);
		else
			ok = lson_pointer_append(b, nd->key);
	}
	if (stack != stack_small)
		free(stack);
	return ok;
}

char *lson_path(const struct lson_doc *d, int i)
{
	struct buf b;

	if (!lson_valid_node(d, i))
		return NULL;
	buf_init(&b);
	if (!path_build(d, i, &b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Does key equal the escaped pointer token [t, e)? */
static bool token_eq(const char *key, const char *t, const char *e)
{
	while (t < e) {
		char c = *t++;

		if (c == '~' && t < e && (*t == '0' || *t == '1'))
			c = *t++ == '0' ? '~' : '/';
		if (*key++ != c)
			return false;
	}
	return *key == '\0';
}

/* An array index token: "0" or digits without a leading zero; -1 if not. */
long lson_parse_index(const char *t, const char *e)
{
	long v = 0;

	if (t == e || (*t == '0' && e - t > 1))
		return -1;
	for (; t < e; t++) {
		if (!lson_is_digit(*t) || v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*t - '0');
	}
	return v;
}

int lson_find(const struct lson_doc *d, const char *pointer)
{
	int cur = 0;
	const char *p = pointer;

	if (!d || !pointer || d->n == 0)
		return -1;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -1;
	while (*p == '/') {
		const char *t = p + 1, *e = strchr(t, '/');
		const struct lson_node *nd = &d->nodes[cur];
		int c = cur + 1, found = -1;

		if (!e)
			e = t + strlen(t);
		if (!lson_is_container(nd->type))
			return -1;
		if (lson_is_list(nd->type)) {
			long idx = lson_parse_index(t, e);

			if (idx < 0 || idx >= nd->n_children)
				return -1;
			for (long k = 0; k < idx; k++)
				c = lson_next_sibling(d->nodes, c);
			found = c;
		} else {
			for (int k = 0; k < nd->n_children; k++, c = lson_next_sibling(d->nodes, c)) {
				if (d->nodes[c].key && token_eq(d->nodes[c].key, t, e)) {
					found = c;
					break;
				}
			}
		}
		if (found < 0)
			return -1;
		cur = found;
		p = e;
	}
	return cur;
}

/* Unescape one token: ~1 to '/', then ~0 to '~' (other '~' stay). */
static char *token_dup(const char *t, const char *e)
{
	char *s = malloc((size_t)(e - t) + 1), *o = s;

	if (!s)
		return NULL;
	while (t < e) {
		if (*t == '~' && t + 1 < e && (t[1] == '0' || t[1] == '1')) {
			*o++ = t[1] == '0' ? '~' : '/';
			t += 2;
		} else {
			*o++ = *t++;
		}
	}
	*o = '\0';
	return s;
}

bool lson_pointer_split(const char *pointer, char ***tokens, size_t *n, struct lb_error *err)
{
	size_t count = 0, k = 0;
	char **v;
	const char *p;

	*tokens = NULL;
	*n = 0;
	if (!pointer) {
		lb_error_set(err, LB_USAGE, "missing path");
		return false;
	}
	if (*pointer == '\0')
		return true;
	if (*pointer != '/') {
		lb_error_set(err, LB_USAGE, "path \"%s\" must start with \"/\"", pointer);
		return false;
	}
	for (p = pointer; *p; p++) {
		count += *p == '/';
		/* RFC 6901: "~" only as "~0" or "~1". */
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			lb_error_set(err, LB_USAGE,
				     "path \"%s\": \"~\" must be written ~0 (and \"/\" inside a key ~1)",
				     pointer);
			return false;
		}
	}
	v = calloc(count, sizeof(*v));
	if (!v) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (p = pointer; *p == '/'; k++) {
		const char *t = p + 1, *e = strchr(t, '/');

		if (!e)
			e = t + strlen(t);
		v[k] = token_dup(t, e);
		if (!v[k]) {
			lson_tokens_free(&v, k);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		p = e;
	}
	*tokens = v;
	*n = count;
	return true;
}

void lson_tokens_free(char ***tokens, size_t n)
{
	if (!tokens || !*tokens)
		return;
	for (size_t i = 0; i < n; i++)
		free((*tokens)[i]);
	free(*tokens);
	*tokens = NULL;
}
