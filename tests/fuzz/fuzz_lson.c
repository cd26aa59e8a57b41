/* libFuzzer target for the Storage decoder and everything built on it:
 * lson_parse in both formats, paths, summaries, search, subtree JSON (which
 * must parse back to the same tree), the tree diff, validation, JSON Patch
 * application, lson_from_json and the line diff. A broken invariant
 * aborts. Build and run with tests/fuzz/run.sh. */
#include "lbconfig.h"

#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "lson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(const struct lson_doc *d)
{
	CHECK(d->n >= 1);
	CHECK(d->nodes[0].parent == -1 && d->nodes[0].depth == 0);
	CHECK(d->nodes[0].subtree == (int)d->n - 1);
	for (size_t i = 0; i < d->n; i++) {
		const struct lson_node *nd = &d->nodes[i];
		int c = (int)i + 1, count = 0;

		CHECK(nd->type >= 0 && nd->type < LSON_TYPE_COUNT);
		CHECK((size_t)i + (size_t)nd->subtree < d->n);
		CHECK(lson_is_container(nd->type) || nd->n_children == 0);
		CHECK(lson_is_container(nd->type) == (nd->value == NULL));
		while (c <= (int)i + nd->subtree) {
			CHECK(d->nodes[c].parent == (int)i);
			CHECK(d->nodes[c].index == count);
			CHECK(d->nodes[c].depth == nd->depth + 1);
			count++;
			c += d->nodes[c].subtree + 1;
		}
		CHECK(c == (int)i + nd->subtree + 1);
		CHECK(count == nd->n_children);
	}
}

static void check_same(const struct lson_doc *a, const struct lson_doc *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct lson_node *x = &a->nodes[i], *y = &b->nodes[i];

		CHECK(x->type == y->type && x->n_children == y->n_children &&
		      x->subtree == y->subtree);
		CHECK((x->key == NULL) == (y->key == NULL));
		CHECK(!x->key || strcmp(x->key, y->key) == 0);
		CHECK((x->value == NULL) == (y->value == NULL));
		CHECK(!x->value || strcmp(x->value, y->value) == 0);
	}
}

/* Two children of one object with the same key (JSON allows it; the
 * server's documents, built from JavaScript objects, never have them). */
static bool has_duplicate_keys(const struct lson_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct lson_node *nd = &d->nodes[i];

		if (!lson_is_container(nd->type) || nd->type == LSON_ARRAY ||
		    nd->type == LSON_LIVE_LIST)
			continue;
		for (int a = (int)i + 1, k = 0; k < nd->n_children;
		     k++, a += d->nodes[a].subtree + 1)
			for (int b = a + d->nodes[a].subtree + 1, m = k + 1; m < nd->n_children;
			     m++, b += d->nodes[b].subtree + 1)
				if (strcmp(d->nodes[a].key, d->nodes[b].key) == 0)
					return true;
	}
	return false;
}

static void check_paths(const struct lson_doc *d)
{
	/* with duplicate keys lson_find gives the first, so a path through a
	 * later one may lead elsewhere or nowhere */
	size_t step = d->n > 2000 ? d->n / 2000 : 1;
	bool dups = has_duplicate_keys(d);

	for (size_t i = 0; i < d->n; i += step) {
		char *p = lson_path(d, (int)i), *q;
		int j;

		CHECK(p != NULL);
		j = lson_find(d, p);
		if (dups && j != (int)i) {
			free(p);
			continue;
		}
		CHECK(j == (int)i);
		q = lson_path(d, j);
		CHECK(q && strcmp(p, q) == 0);
		free(p);
		free(q);
	}
}

static void check_roundtrip(const struct lson_doc *d, bool plain)
{
	struct lb_error err;

	for (int pretty = 0; pretty < 2; pretty++) {
		char *s = lson_subtree_json(d, 0, true, pretty);
		struct lson_doc *e;

		CHECK(s != NULL);
		e = lson_parse(s, strlen(s), plain, &err);
		CHECK(e != NULL);
		check_same(d, e);
		lson_unref(&e);
		free(s);
	}
	if (plain) {
		/* the simplified form is valid JSON too */
		char *s = lson_subtree_json(d, 0, false, false);
		struct lson_doc *e;

		CHECK(s != NULL);
		e = lson_parse(s, strlen(s), false, &err);
		CHECK(e != NULL || s[0] != '{');
		lson_unref(&e);
		free(s);
	}
}

static void exercise(const struct lson_doc *d, const char *text, size_t size)
{
	struct lson_delta *v = NULL;
	char buf[64], needle[8];
	size_t n, k;

	check_shape(d);
	check_paths(d);
	for (size_t i = 0; i < d->n && i < 200; i++) {
		for (size_t cap = 1; cap < sizeof(buf); cap += 7) {
			memset(buf, 'Z', sizeof(buf));
			lson_summary(d, (int)i, buf, cap);
			CHECK(memchr(buf, '\0', cap) != NULL);
		}
	}
	/* a needle from the input */
	k = size > 3 ? (unsigned char)text[size / 2] % 4 + 1 : 1;
	memcpy(needle, text + (size > k ? size - k : 0), k < size ? k : size);
	needle[k < size ? k : size] = '\0';
	for (int from = -1; from < 3; from++) {
		int j = lson_search(d, needle, from, from % 2 ? -1 : 1);

		CHECK(j < (int)d->n);
		CHECK(j < 0 || lson_matches(d, j, needle));
	}
	n = lson_diff(d, d, &v);
	CHECK(n == 0);
	lson_deltas_free(&v, n);
}

static void fuzz_patch(const struct lson_doc *d, const char *text, size_t size)
{
	static const char *const values[] = {
	    "1", "[1,{\"a\":[]}]", "{\"liveblocksType\":\"LiveMap\",\"data\":{}}", "\"s\"", "null"};
	struct patch p = {0};
	struct lb_error err;
	char *out;

	for (size_t i = 0; i < 4 && i < size; i++) {
		unsigned char c = (unsigned char)text[i];
		char *path = lson_path(d, (int)(c % d->n));
		char *from = lson_path(d, (int)((c * 7u + i) % d->n));

		CHECK(path && from);
		if (c % 3 == 0) {
			/* also append to the end of lists */
			char *dash = malloc(strlen(path) + 3);

			CHECK(dash);
			sprintf(dash, "%s/-", path);
			free(path);
			path = dash;
		}
		CHECK(patch_add(&p, (enum patch_kind)(c % 6), path, from, values[c % 5]));
		free(path);
		free(from);
	}
	for (unsigned flags = 0; flags <= LSON_PATCH_LITERAL; flags += LSON_PATCH_LITERAL) {
		out = lson_patch_apply_opts(text, size, &p, flags, &err);
		if (out) {
			struct lson_doc *e = lson_parse(out, strlen(out), true, &err);

			CHECK(e != NULL);
			check_shape(e);
			lson_unref(&e);
			free(out);
		}
	}
	out = patch_to_json(&p);
	CHECK(out != NULL);
	free(out);
	patch_clear(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct lb_error err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int plain = 0; plain < 2; plain++) {
		struct lson_doc *d = lson_parse(text, size, plain, &err);

		if (!d) {
			CHECK(err.status == LB_DECODE || err.status == LB_NOMEM);
			continue;
		}
		exercise(d, text, size);
		check_roundtrip(d, plain);
		if (plain) {
			if (lson_validate_document(text, size, &err))
				CHECK(d->nodes[0].type == LSON_LIVE_OBJECT);
			fuzz_patch(d, text, size);
		}
		lson_unref(&d);
	}
	for (int wrap = LSON_WRAP_LIVE; wrap <= LSON_WRAP_PLAIN; wrap++) {
		char *s = lson_from_json(text, (enum lson_wrap)wrap, &err);

		if (s && s[0] == '{') {
			struct lson_doc *e = lson_parse(s, strlen(s), true, &err);

			CHECK(e != NULL);
			lson_unref(&e);
		}
		free(s);
	}
	{
		size_t half = size / 2;
		char *a = strndup(text, half), *u;

		CHECK(a != NULL);
		u = diff_unified(a, text + half, size ? (int)(data[0] % 5) - 1 : 3);
		CHECK(u != NULL);
		free(u);
		free(a);
	}
	free(text);
	return 0;
}
