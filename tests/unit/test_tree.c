#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lson.h"
#include "tree.h"
#include "util.h"

/* A plain-LSON document whose root holds the LiveMap "m" of n LiveObjects
 * {x: value}, keys k0 .. k(n-1), in reverse order when reversed; the
 * member `changed` gets x = 42 instead of its index. */
static struct lson_doc *map_doc(int n, bool reversed, int changed)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"m\":{\"liveblocksType\":\"LiveMap\",\"data\":{");
	for (int k = 0; k < n; k++) {
		int i = reversed ? n - 1 - k : k;
		buf_printf(&b, "%s\"k%d\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":%d}}", k ? "," : "", i,
			   i == changed ? 42 : i);
	}
	buf_adds(&b, "}}}}");
	struct lb_error err;
	lb_error_clear(&err);
	struct lson_doc *d = lson_parse(b.data, b.len, true, &err);
	if (!d)
		fail_msg("parse failed: %s", err.message);
	buf_free(&b);
	return d;
}

static struct lson_doc *parse_ok(const char *json)
{
	struct lb_error err;
	lb_error_clear(&err);
	struct lson_doc *d = lson_parse(json, strlen(json), true, &err);
	if (!d)
		fail_msg("parse failed: %s", err.message);
	return d;
}

static void assert_selected(const struct tree *t, const char *path)
{
	char *p = tree_selected_path(t);
	assert_non_null(p);
	assert_string_equal(p, path);
	free(p);
}

/* Expansion and the cursor follow their paths when the keys of a map come
 * back in another order, small maps and big ones alike. */
static void reordered_map_keeps_expansion(int n)
{
	struct tree *t = tree_new();
	struct lson_doc *a = map_doc(n, false, -1);
	char path[32];
	snprintf(path, sizeof(path), "/m/k%d/x", n / 2);
	int target = lson_find(a, path);
	assert_true(target > 0);
	tree_set_doc(t, a, false, 0);
	tree_reveal(t, target, 20);
	/* the root, its child m, m's n children, and the one opened */
	assert_int_equal(tree_rows(t), 2 + n + 1);
	assert_selected(t, path);

	struct lson_doc *b = map_doc(n, true, n / 2);
	size_t changes = tree_set_doc(t, b, true, 1000);
	assert_int_equal(changes, 1);
	assert_int_equal(tree_rows(t), 2 + n + 1);
	assert_selected(t, path);
	assert_int_equal(tree_marks(t), 1);

	lson_unref(&a);
	lson_unref(&b);
	tree_free(&t);
	assert_null(t);
}

static void small_map_reordered(void **state)
{
	(void)state;
	reordered_map_keeps_expansion(10);
}

static void big_map_reordered(void **state)
{
	(void)state;
	reordered_map_keeps_expansion(5000);
}

/* The change log names what changed: scalars as JSON, containers by their
 * type and a preview, not as their plain-LSON wrappers. */
static void change_log_lines(void **state)
{
	(void)state;
	struct tree *t = tree_new();
	struct lson_doc *a = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
				      "\"n\":10,"
				      "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}}]},"
				      "\"old\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"a\":1,\"b\":2}},"
				      "\"plain\":{\"p\":[1,2,3]}}}");
	struct lson_doc *b = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
				      "\"n\":42,"
				      "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":99,\"s\":\"hi\"}}]},"
				      "\"plain\":{\"p\":[1,2,3],\"q\":[4,5]},"
				      "\"layers\":{\"liveblocksType\":\"LiveList\",\"data\":[1,2,3]}}}");
	tree_set_doc(t, a, false, 0);
	assert_int_equal(tree_set_doc(t, b, true, 5000), 5);
	char *log = tree_change_log(t, "", 7000, 0);
	assert_non_null(log);
	assert_non_null(strstr(log, "/n: 10 → 42, 2s ago\n"));
	assert_non_null(strstr(log, "/shapes/1: added LiveObject {x: 99, s: \"hi\"}, 2s ago\n"));
	assert_non_null(strstr(log, "/layers: added LiveList (3 items), 2s ago\n"));
	assert_non_null(strstr(log, "/old: removed (was LiveMap {a: 1, b: 2}), 2s ago\n"));
	assert_non_null(strstr(log, "/plain/q: added [2 items], 2s ago\n"));
	assert_null(strstr(log, "liveblocksType"));
	free(log);

	/* Below a path: only what concerns it. */
	log = tree_change_log(t, "/shapes", 7000, 0);
	assert_string_equal(log, "/shapes/1: added LiveObject {x: 99, s: \"hi\"}, 2s ago\n");
	free(log);

	lson_unref(&a);
	lson_unref(&b);
	tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_map_reordered),
		cmocka_unit_test(big_map_reordered),
		cmocka_unit_test(change_log_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
