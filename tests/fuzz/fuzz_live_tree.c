/* libFuzzer target for the live node map (src/lson/live_tree.h): what a
 * room's socket sends, as lbtui meets it. The input is JSON: an array
 * whose first element is a Storage message's nodes and the rest ops.
 * Whatever the server sends, loading refuses or links, every op applies
 * or is ignored, a change has a path, the tree prints as plain JSON and
 * as LSON, and its size goes down only by deletes. Build and run with
 * tests/fuzz/run.sh SECONDS live_tree. */
#include "lbconfig.h"

#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "live_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *in = cJSON_ParseWithLength((const char *)data, size), *op, *out;
	struct live_tree *t;
	struct lb_error err;

	if (!cJSON_IsArray(in) || !in->child) {
		cJSON_Delete(in);
		return 0;
	}
	t = live_tree_new();
	CHECK(t != NULL);
	if (!live_tree_add_nodes(t, in->child, &err) || !live_tree_link(t, &err)) {
		check_failure(&err);
		live_tree_free(&t);
		cJSON_Delete(in);
		return 0;
	}
	for (op = in->child->next; op; op = op->next) {
		struct live_change c;
		bool ignored;

		if (live_tree_apply(t, op, &c, &ignored, &err)) {
			CHECK(!ignored && c.path != NULL);
			CHECK(c.before || c.after);
			live_change_clear(&c);
		} else {
			CHECK(ignored || err.status == LB_NOMEM);
		}
		CHECK(live_tree_size(t) >= 1);
	}
	out = live_tree_to_json(t, true);
	CHECK(out != NULL);
	cJSON_Delete(out);
	out = live_tree_to_json(t, false);
	CHECK(out != NULL);
	cJSON_Delete(out);
	live_tree_free(&t);
	CHECK(t == NULL);
	cJSON_Delete(in);
	return 0;
}
