/* libFuzzer target for a live tree's document made without JSON text
 * (live_tree_to_doc, lson_builder): the input is live_tree's (an array
 * whose first element is a Storage message's nodes and the rest ops).
 * After loading and after every op, in both formats, the document is the
 * one lson_parse makes of the tree's JSON: both refused, or the same
 * nodes, keys, values, JSON text and no difference. Build and run with
 * tests/fuzz/run.sh SECONDS live_doc. */
#include "lbconfig.h"

#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "live_tree.h"
#include "lson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void check_same(const struct lson_doc *a, const struct lson_doc *b)
{
	struct lson_delta *deltas;
	char *ja, *jb;

	CHECK(a->n == b->n && a->plain_lson == b->plain_lson);
	for (size_t i = 0; i < a->n; i++) {
		const struct lson_node *x = &a->nodes[i], *y = &b->nodes[i];

		CHECK(x->type == y->type && x->parent == y->parent && x->depth == y->depth);
		CHECK(x->n_children == y->n_children && x->subtree == y->subtree);
		CHECK(x->index == y->index);
		CHECK(same_str(x->key, y->key) && same_str(x->value, y->value));
	}
	for (int pretty = 0; pretty < 2; pretty++) {
		ja = lson_subtree_json(a, 0, true, pretty);
		jb = lson_subtree_json(b, 0, true, pretty);
		CHECK(ja && jb && !strcmp(ja, jb));
		free(ja);
		free(jb);
	}
	CHECK(lson_diff(a, b, &deltas) == 0);
}

static void check_doc(const struct live_tree *t, bool plain_json)
{
	cJSON *j = live_tree_to_json(t, plain_json);
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	struct lb_error e1, e2;
	struct lson_doc *parsed, *built;

	CHECK(text != NULL);
	parsed = lson_parse(text, strlen(text), !plain_json, &e1);
	built = live_tree_to_doc(t, plain_json, &e2);
	CHECK((parsed == NULL) == (built == NULL));
	if (built)
		check_same(built, parsed);
	else
		CHECK(e2.status == LB_DECODE && e2.message[0]);
	lson_unref(&parsed);
	lson_unref(&built);
	cJSON_free(text);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *in = cJSON_ParseWithLength((const char *)data, size), *op;
	struct live_tree *t;
	struct lb_error err;

	if (!cJSON_IsArray(in) || !in->child) {
		cJSON_Delete(in);
		return 0;
	}
	t = live_tree_new();
	CHECK(t != NULL);
	if (!live_tree_add_nodes(t, in->child, &err) || !live_tree_link(t, &err)) {
		live_tree_free(&t);
		cJSON_Delete(in);
		return 0;
	}
	check_doc(t, false);
	check_doc(t, true);
	for (op = in->child->next; op; op = op->next) {
		struct live_change c;
		bool ignored;

		if (live_tree_apply(t, op, &c, &ignored, &err)) {
			live_change_clear(&c);
			check_doc(t, false);
			check_doc(t, true);
		}
	}
	live_tree_free(&t);
	cJSON_Delete(in);
	return 0;
}
