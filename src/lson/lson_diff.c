#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* What changed between two versions of a document (watch mode). */

/* ---- diff of two trees ------------------------------------------------------ */

struct differ {
	const struct lson_doc *a;
	const struct lson_doc *b;
	struct lson_delta *v;
	size_t n;
	size_t cap;
	struct buf path;
	bool ok;
};

static bool same_scalar(const struct lson_doc *a, const struct lson_node *x,
                        const struct lson_doc *b, const struct lson_node *y)
{
	if (strcmp(x->value, y->value) != 0)
		return false;
	if (lson_has_live_data(a, x) != lson_has_live_data(b, y))
		return false;
	if (!lson_has_live_data(a, x))
		return true;
	return strcmp(lson_live_data(x), lson_live_data(y)) == 0 && strcmp(lson_live_extra(x), lson_live_extra(y)) == 0;
}

static void delta_add(struct differ *df, enum lson_change kind, int ia, int ib)
{
	struct lson_delta *e;

	if (!df->ok)
		return;
	if (df->n == df->cap) {
		size_t cap = df->cap ? df->cap * 2 : 16;
		void *v = realloc(df->v, cap * sizeof(*df->v));

		if (!v) {
			df->ok = false;
			return;
		}
		df->v = v;
		df->cap = cap;
	}
	e = &df->v[df->n];
	e->kind = kind;
	e->path = strdup(df->path.data);
	e->before = ia >= 0 ? lson_subtree_json(df->a, ia, true, false) : NULL;
	e->after = ib >= 0 ? lson_subtree_json(df->b, ib, true, false) : NULL;
	df->n++;
	if (!e->path || (ia >= 0 && !e->before) || (ib >= 0 && !e->after))
		df->ok = false;
}

static void diff_node(struct differ *df, int ia, int ib);

static void diff_child(struct differ *df, const struct lson_node *child, bool list, int index,
                       enum lson_change kind, int ia, int ib)
{
	size_t mark = df->path.len;

	if (list)
		df->ok = df->ok && buf_printf(&df->path, "/%d", index);
	else
		df->ok = df->ok && lson_pointer_append(&df->path, child->key ? child->key : "");
	if (ia >= 0 && ib >= 0)
		diff_node(df, ia, ib);
	else
		delta_add(df, kind, ia, ib);
	df->path.len = mark;
	if (df->path.cap)
		df->path.data[mark] = '\0';
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const char *key_of(const struct lson_node *nd)
{
	return nd->key ? nd->key : "";
}

/* Keyed children: lockstep while the keys agree (the usual case), then a
 * hash of b's remaining keys. */
static void diff_keyed(struct differ *df, int ia, int ib)
{
	const struct lson_node *A = df->a->nodes, *B = df->b->nodes;
	int na = A[ia].n_children, nb = B[ib].n_children, ca = ia + 1, cb = ib + 1, k = 0;
	int *table = NULL, *rest = NULL;
	bool *used = NULL;
	size_t size = 1, nrest;

	while (k < na && k < nb && strcmp(key_of(&A[ca]), key_of(&B[cb])) == 0) {
		diff_child(df, &A[ca], false, 0, LSON_CHANGED, ca, cb);
		ca = lson_next_sibling(A, ca);
		cb = lson_next_sibling(B, cb);
		k++;
	}
	if (k == na && k == nb)
		return;
	nrest = (size_t)(nb - k);
	while (size < nrest * 2)
		size *= 2;
	table = malloc(size * sizeof(*table));
	rest = malloc((nrest + 1) * sizeof(*rest));
	used = calloc(nrest + 1, sizeof(*used));
	if (!table || !rest || !used) {
		df->ok = false;
		goto out;
	}
	for (size_t s = 0; s < size; s++)
		table[s] = -1;
	for (size_t r = 0, c = (size_t)cb; r < nrest; r++, c = (size_t)lson_next_sibling(B, (int)c)) {
		size_t h = hash_str(key_of(&B[c])) & (size - 1);

		rest[r] = (int)c;
		while (table[h] >= 0)
			h = (h + 1) & (size - 1);
		table[h] = (int)r;
	}
	for (int j = k; j < na; j++, ca = lson_next_sibling(A, ca)) {
		const char *key = key_of(&A[ca]);
		size_t h = hash_str(key) & (size - 1);
		int match = -1;

		for (; table[h] >= 0; h = (h + 1) & (size - 1)) {
			int r = table[h];

			if (!used[r] && strcmp(key_of(&B[rest[r]]), key) == 0) {
				match = r;
				break;
			}
		}
		if (match >= 0) {
			used[match] = true;
			diff_child(df, &A[ca], false, 0, LSON_CHANGED, ca, rest[match]);
		} else {
			diff_child(df, &A[ca], false, 0, LSON_REMOVED, ca, -1);
		}
	}
	for (size_t r = 0; r < nrest; r++)
		if (!used[r])
			diff_child(df, &B[rest[r]], false, 0, LSON_ADDED, -1, rest[r]);
out:
	free(table);
	free(rest);
	free(used);
}

static void diff_node(struct differ *df, int ia, int ib)
{
	const struct lson_node *x = &df->a->nodes[ia], *y = &df->b->nodes[ib];

	if (!df->ok)
		return;
	if (x->type != y->type) {
		delta_add(df, LSON_CHANGED, ia, ib);
		return;
	}
	if (lson_is_list(x->type)) {
		const struct lson_node *A = df->a->nodes, *B = df->b->nodes;
		int ca = ia + 1, cb = ib + 1, k;

		for (k = 0; k < x->n_children && k < y->n_children; k++) {
			diff_child(df, &A[ca], true, k, LSON_CHANGED, ca, cb);
			ca = lson_next_sibling(A, ca);
			cb = lson_next_sibling(B, cb);
		}
		for (; k < x->n_children; k++, ca = lson_next_sibling(A, ca))
			diff_child(df, &A[ca], true, k, LSON_REMOVED, ca, -1);
		for (; k < y->n_children; k++, cb = lson_next_sibling(B, cb))
			diff_child(df, &B[cb], true, k, LSON_ADDED, -1, cb);
	} else if (lson_is_container(x->type)) {
		diff_keyed(df, ia, ib);
	} else if (!same_scalar(df->a, x, df->b, y)) {
		delta_add(df, LSON_CHANGED, ia, ib);
	}
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lson_is_digit(s[i]))
			return false;
	return true;
}

/* Pointer order: token by token, numeric tokens by value. */
static int path_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		const char *ta = a + 1, *tb = b + 1;
		const char *ea = strchr(ta, '/'), *eb = strchr(tb, '/');
		size_t la, lb;
		int c;

		if (!ea)
			ea = ta + strlen(ta);
		if (!eb)
			eb = tb + strlen(tb);
		la = (size_t)(ea - ta);
		lb = (size_t)(eb - tb);
		if (all_digits(ta, la) && all_digits(tb, lb)) {
			while (la > 1 && *ta == '0')
				ta++, la--;
			while (lb > 1 && *tb == '0')
				tb++, lb--;
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(ta, tb, la);
		} else {
			c = memcmp(ta, tb, la < lb ? la : lb);
			if (c == 0 && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
		a = ea;
		b = eb;
	}
	return (*a != '\0') - (*b != '\0');
}

static int delta_cmp(const void *x, const void *y)
{
	const struct lson_delta *a = x, *b = y;

	return path_cmp(a->path, b->path);
}

size_t lson_diff(const struct lson_doc *a, const struct lson_doc *b, struct lson_delta **out)
{
	struct differ df = {0};

	*out = NULL;
	if (!a || !b || a->n == 0 || b->n == 0)
		return 0;
	df.a = a;
	df.b = b;
	df.ok = true;
	buf_init(&df.path);
	diff_node(&df, 0, 0);
	buf_free(&df.path);
	if (!df.ok) {
		lson_deltas_free(&df.v, df.n);
		return 0;
	}
	if (df.n > 1)
		qsort(df.v, df.n, sizeof(*df.v), delta_cmp);
	*out = df.v;
	return df.n;
}

void lson_deltas_free(struct lson_delta **v, size_t n)
{
	if (!v || !*v)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*v)[i].path);
		free((*v)[i].before);
		free((*v)[i].after);
	}
	free(*v);
	*v = NULL;
}
