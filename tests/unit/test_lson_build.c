#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "live_tree.h"
#include "lson.h"
#include "lson_impl.h"

/* A document built value by value (lson_builder, live_tree_to_doc) is the
 * one lson_parse makes of the same values as JSON text. */

/* ---- comparing two documents ------------------------------------------------ */

static void assert_same_str(const char *a, const char *b, const char *what, size_t i)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
		fail_msg("node %zu: %s \"%s\" vs \"%s\"", i, what, a ? a : "(null)",
		         b ? b : "(null)");
}

static void assert_same_text(char *a, char *b, const char *what)
{
	assert_non_null(a);
	assert_non_null(b);
	if (strcmp(a, b))
		fail_msg("%s differs:\n  built  %s\n  parsed %s", what, a, b);
	free(a);
	free(b);
}

/* Everything lson.h shows of a document, node for node. */
static void assert_same_doc(const struct lson_doc *a, const struct lson_doc *b)
{
	struct lson_delta *deltas;
	char sa[96], sb[96], tiny_a[12], tiny_b[12];

	assert_int_equal(a->n, b->n);
	assert_int_equal(a->plain_lson, b->plain_lson);
	for (size_t i = 0; i < a->n; i++) {
		const struct lson_node *x = &a->nodes[i], *y = &b->nodes[i];

		if (x->type != y->type)
			fail_msg("node %zu: %s vs %s", i, lson_type_name(x->type),
			         lson_type_name(y->type));
		assert_int_equal(x->parent, y->parent);
		assert_int_equal(x->depth, y->depth);
		assert_int_equal(x->n_children, y->n_children);
		assert_int_equal(x->subtree, y->subtree);
		assert_int_equal(x->index, y->index);
		assert_same_str(x->key, y->key, "key", i);
		assert_same_str(x->value, y->value, "value", i);
		if (lson_has_live_data(a, x)) {
			assert_same_str(lson_live_data(x), lson_live_data(y), "data", i);
			assert_same_str(lson_live_extra(x), lson_live_extra(y), "extra", i);
		}
		lson_summary(a, (int)i, sa, sizeof(sa));
		lson_summary(b, (int)i, sb, sizeof(sb));
		assert_same_str(sa, sb, "summary", i);
		lson_summary(a, (int)i, tiny_a, sizeof(tiny_a));
		lson_summary(b, (int)i, tiny_b, sizeof(tiny_b));
		assert_same_str(tiny_a, tiny_b, "short summary", i);
		assert_same_text(lson_path(a, (int)i), lson_path(b, (int)i), "path");
	}
	for (int lson = 0; lson < 2; lson++)
		for (int pretty = 0; pretty < 2; pretty++)
			assert_same_text(lson_subtree_json(a, 0, lson, pretty),
			                 lson_subtree_json(b, 0, lson, pretty), "the root's JSON");
	assert_int_equal(lson_diff(a, b, &deltas), 0);
	assert_null(deltas);
	assert_int_equal(lson_diff(b, a, &deltas), 0);
}

/* ---- live trees ------------------------------------------------------------------ */

static struct live_tree *load(const char *nodes_json)
{
	struct live_tree *t = live_tree_new();
	cJSON *nodes = cJSON_Parse(nodes_json);
	struct lb_error err;

	assert_non_null(t);
	if (!nodes)
		fail_msg("not JSON: %s", nodes_json);
	assert_true(live_tree_add_nodes(t, nodes, &err));
	assert_true(live_tree_link(t, &err));
	cJSON_Delete(nodes);
	return t;
}

/* The document of t equals the JSON round trip's, in both formats; false
 * when neither could be made (nested too deeply). */
static bool check_format(const struct live_tree *t, bool plain_json)
{
	cJSON *j = live_tree_to_json(t, plain_json);
	char *text = cJSON_PrintUnformatted(j);
	struct lb_error e1, e2;
	struct lson_doc *parsed, *built;
	bool made;

	assert_non_null(text);
	parsed = lson_parse(text, strlen(text), !plain_json, &e1);
	made = parsed != NULL;
	built = live_tree_to_doc(t, plain_json, &e2);
	if (!parsed) {
		if (built)
			fail_msg("built a document lson_parse refuses (%s): %.200s", e1.message,
			         text);
		assert_int_equal(e2.status, LB_DECODE);
	} else {
		if (!built)
			fail_msg("%s: %.200s", e2.message, text);
		assert_same_doc(built, parsed);
	}
	lson_unref(&parsed);
	lson_unref(&built);
	cJSON_free(text);
	cJSON_Delete(j);
	return made;
}

static void check(const struct live_tree *t)
{
	assert_true(check_format(t, false));
	assert_true(check_format(t, true));
}

static void check_nodes(const char *nodes_json)
{
	struct live_tree *t = load(nodes_json);

	check(t);
	live_tree_free(&t);
}

static void apply_ok(struct live_tree *t, const char *op_json)
{
	cJSON *op = cJSON_Parse(op_json);
	struct live_change c;
	struct lb_error err;
	bool ignored;

	assert_non_null(op);
	if (!live_tree_apply(t, op, &c, &ignored, &err))
		fail_msg("%s changed nothing", op_json);
	live_change_clear(&c);
	cJSON_Delete(op);
}

/* Every node type, lists ordered by position, plain JSON inside objects
 * and registers. */
static void test_every_type(void **state)
{
	(void)state;
	check_nodes(
	    "[[\"root\",{\"title\":\"t\",\"n\":1,\"plain\":{\"a\":[1,{\"b\":null}],\"e\":{},"
	    "\"f\":[]},\"ok\":true,\"no\":false,\"nil\":null}],"
	    "[\"1:0\",1,\"root\",\"list\"],"
	    "[\"1:2\",3,\"1:0\",\"!!\",2],"
	    "[\"1:1\",3,\"1:0\",\"!\",1],"
	    "[\"1:9\",3,\"1:0\",\" ~\",\"first\"],"
	    "[\"1:3\",0,\"root\",\"obj\",{\"a\":2}],"
	    "[\"1:4\",2,\"1:3\",\"nested\"],"
	    "[\"1:5\",3,\"1:4\",\"k\",\"v\"],"
	    "[\"1:6\",3,\"1:4\",\"j\",{\"deep\":[[[]]]}],"
	    "[\"1:7\",4,\"root\",\"text\",[[\"Hello \",{\"bold\":true}],[\"world\"]]],"
	    "[\"1:8\",5,\"root\",\"file\",{\"id\":\"f1\",\"name\":\"a.png\",\"size\":12345,"
	    "\"mimeType\":\"image/png\"}],"
	    "[\"2:0\",1,\"root\",\"emptyList\"],"
	    "[\"2:1\",2,\"root\",\"emptyMap\"],"
	    "[\"2:2\",0,\"root\",\"emptyObject\"],"
	    "[\"2:3\",0,\"1:0\",\"#\",{}],"
	    "[\"2:4\",1,\"1:0\",\"$\"],"
	    "[\"2:5\",3,\"2:4\",\"!\",[1,[2,{\"x\":3}]]]]");
}

/* Numbers as cJSON prints them, strings with escapes, unicode keys. */
static void test_numbers_strings_keys(void **state)
{
	(void)state;
	check_nodes(
	    "[[\"root\",{\"big\":1e400,\"negbig\":-1e400,\"negzero\":-0,\"zero\":0,"
	    "\"frac\":0.1,\"tiny\":1e-300,\"e\":1.5e-7,\"long\":12345678901234567890,"
	    "\"int\":-42,\"max\":2147483647,\"over\":2147483648,\"third\":0.3333333333333333,"
	    "\"esc\":\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f \\u007f\","
	    "\"uni\":\"\\u00e9\\u65e5\\ud83d\\ude00 caf\xc3\xa9\",\"\":\"empty key\","
	    "\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87\":\"\xe6\x97\xa5\xe6\x9c\xac\","
	    "\"a/b~c\":\"pointer\",\"data\":\"data\",\"version\":\"LiveObject\"}],"
	    "[\"1:0\",2,\"root\",\"\xf0\x9f\x98\x80\"],"
	    "[\"1:1\",3,\"1:0\",\"\\n\\t\",1e400],"
	    "[\"1:2\",3,\"1:0\",\"liveblocksType\",\"LiveList\"],"
	    "[\"1:3\",1,\"root\",\"list\"],"
	    "[\"1:4\",3,\"1:3\",\"!\",-0],"
	    "[\"1:5\",3,\"1:3\",\"\\\"\",\"\"]]");
}

/* Plain JSON shaped like a wrapper: decoded where a Live node can be (a
 * LiveObject's field, a register in a Live container), kept plain deeper
 * down, as lson_parse decodes the text. */
static void test_wrapper_shapes(void **state)
{
	(void)state;
	check_nodes(
	    "[[\"root\",{\"asMap\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"x\":1}},"
	    "\"asList\":{\"liveblocksType\":\"LiveList\",\"data\":[{\"liveblocksType\":"
	    "\"LiveObject\","
	    "\"data\":{}}]},"
	    "\"asText\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]],\"version\":3},"
	    "\"wrongData\":{\"liveblocksType\":\"LiveList\",\"data\":{}},"
	    "\"unknown\":{\"liveblocksType\":\"LiveThing\",\"data\":{}},"
	    "\"extra\":{\"liveblocksType\":\"LiveObject\",\"data\":{},\"more\":1},"
	    "\"deeper\":{\"in\":{\"liveblocksType\":\"LiveMap\",\"data\":{}}}}],"
	    "[\"1:0\",1,\"root\",\"l\"],"
	    "[\"1:1\",3,\"1:0\",\"!\",{\"liveblocksType\":\"LiveObject\",\"data\":{\"y\":2}}],"
	    "[\"1:2\",3,\"1:0\",\"\\\"\",{\"liveblocksType\":\"LiveFile\",\"data\":{\"name\":\"n\"}"
	    "}],"
	    "[\"1:3\",2,\"root\",\"m\"],"
	    "[\"1:4\",3,\"1:3\",\"liveblocksType\",\"LiveList\"],"
	    "[\"1:5\",3,\"1:3\",\"data\",[1]],"
	    "[\"1:6\",4,\"root\",\"noData\"],"
	    "[\"1:7\",5,\"root\",\"fileNoSize\",{\"name\":\"x\",\"mimeType\":\"text/plain\"}],"
	    "[\"1:8\",4,\"1:0\",\"#\",\"not a text\"]]");
}

/* Shapes the server does not send but the tree keeps: a key both in an
 * object's data and among its children, an object whose data is no
 * object. */
static void test_odd_shapes(void **state)
{
	(void)state;
	check_nodes("[[\"root\",{\"a\":1}],"
	            "[\"1:0\",3,\"root\",\"a\",2],"
	            "[\"1:1\",0,\"root\",\"num\",5],"
	            "[\"1:2\",3,\"1:1\",\"lost\",1],"
	            "[\"1:3\",0,\"root\",\"arr\",[1,2]],"
	            "[\"1:4\",3,\"1:3\",\"k\",\"kept as an item\"],"
	            "[\"1:5\",0,\"1:3\",\"o\",{\"z\":0}],"
	            "[\"1:6\",1,\"root\",\"l\"],"
	            "[\"1:7\",3,\"1:6\",\"!\",1],"
	            "[\"1:8\",3,\"1:6\",\"!\",2]]");
}

/* After each op of a session, the document is still the round trip's. */
static void test_ops(void **state)
{
	static const char *const ops[] = {
	    "{\"type\":3,\"id\":\"root\",\"data\":{\"y\":\"b\",\"n\":1e400}}",
	    "{\"type\":4,\"id\":\"2:0\",\"parentId\":\"root\",\"parentKey\":\"o\","
	    "\"data\":{\"n\":1,\"w\":{\"liveblocksType\":\"LiveList\",\"data\":[]}}}",
	    "{\"type\":2,\"id\":\"2:1\",\"parentId\":\"2:0\",\"parentKey\":\"l\"}",
	    "{\"type\":8,\"id\":\"2:2\",\"parentId\":\"2:1\",\"parentKey\":\"!\",\"data\":\"x\"}",
	    "{\"type\":8,\"id\":\"2:3\",\"parentId\":\"2:1\",\"parentKey\":\"!\",\"data\":\"y\"}",
	    "{\"type\":4,\"id\":\"2:4\",\"parentId\":\"2:1\",\"parentKey\":\" ~\",\"data\":{}}",
	    "{\"type\":7,\"id\":\"2:5\",\"parentId\":\"2:0\",\"parentKey\":\"m\"}",
	    "{\"type\":8,\"id\":\"2:6\",\"parentId\":\"2:5\",\"parentKey\":\"a/b\",\"data\":-0}",
	    "{\"type\":1,\"id\":\"2:2\",\"parentKey\":\"~\"}",
	    "{\"type\":8,\"id\":\"2:7\",\"parentId\":\"2:1\",\"parentKey\":\"!\",\"data\":[1],"
	    "\"intent\":\"set\",\"deletedId\":\"2:3\"}",
	    "{\"type\":3,\"id\":\"2:0\",\"data\":{\"l\":\"replaced the list\"}}",
	    "{\"type\":6,\"id\":\"2:0\",\"key\":\"n\"}",
	    "{\"type\":6,\"id\":\"root\",\"key\":\"obj\"}",
	    "{\"type\":5,\"id\":\"1:1\"}",
	    "{\"type\":5,\"id\":\"2:5\"}",
	};
	struct live_tree *t = load("[[\"root\",{\"y\":\"a\",\"z\":true}],"
	                           "[\"1:0\",1,\"root\",\"list\"],"
	                           "[\"1:2\",3,\"1:0\",\"!!\",2],"
	                           "[\"1:1\",3,\"1:0\",\"!\",1],"
	                           "[\"1:3\",0,\"root\",\"obj\",{\"a\":2}],"
	                           "[\"1:4\",2,\"1:3\",\"nested\"],"
	                           "[\"1:5\",3,\"1:4\",\"k\",\"v\"]]");

	(void)state;
	check(t);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		apply_ok(t, ops[i]);
		check(t);
	}
	live_tree_free(&t);
}

/* A chain of k LiveObjects, each the "c" of the one above. */
static struct live_tree *chain(int k)
{
	struct buf b;
	struct live_tree *t;

	buf_init(&b);
	assert_true(buf_adds(&b, "[[\"root\",{}]"));
	for (int i = 1; i < k; i++) {
		if (i == 1)
			assert_true(buf_printf(&b, ",[\"%d\",0,\"root\",\"c\"]", i));
		else
			assert_true(buf_printf(&b, ",[\"%d\",0,\"%d\",\"c\"]", i, i - 1));
	}
	assert_true(buf_adds(&b, "]"));
	t = load(b.data);
	buf_free(&b);
	return t;
}

/* Nesting is limited as lson_parse limits it: a Live container nests
 * twice in plain LSON (wrapper, data), once in simplified JSON. */
static void test_depth_limit(void **state)
{
	struct live_tree *t;

	(void)state;
	t = chain(500);
	assert_true(check_format(t, false));
	live_tree_free(&t);
	t = chain(501);
	assert_false(check_format(t, false));
	assert_true(check_format(t, true));
	live_tree_free(&t);
	t = chain(1000);
	assert_true(check_format(t, true));
	live_tree_free(&t);
	t = chain(1001);
	assert_false(check_format(t, true));
	live_tree_free(&t);
}

/* ---- random trees ------------------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const some_keys[] = {
    "a", "b", "data", "liveblocksType", "version", "", "k\xc3\xa9y", "x/y", "~0", "\t",
};

static cJSON *random_value(int depth)
{
	static const char *const strings[] = {
	    "",
	    "text",
	    "LiveList",
	    "LiveObject",
	    "q\"b\\",
	    "\n\x01\x1f",
	    "\xe6\x97\xa5\xf0\x9f\x98\x80",
	};
	static const double numbers[] = {0,
	                                 -0.0,
	                                 1,
	                                 -1,
	                                 0.1,
	                                 1e300 * 1e300,
	                                 1e-300,
	                                 123456789012.5,
	                                 2147483648.0,
	                                 -2147483649.0,
	                                 3.14159,
	                                 1e21};
	cJSON *v;

	switch (rnd(depth > 3 ? 5 : 8)) {
	case 0:
		return cJSON_CreateString(strings[rnd(sizeof(strings) / sizeof(strings[0]))]);
	case 1:
		return cJSON_CreateNumber(numbers[rnd(sizeof(numbers) / sizeof(numbers[0]))]);
	case 2:
		return cJSON_CreateBool(rnd(2));
	case 3:
		return cJSON_CreateNull();
	case 4:
		return cJSON_CreateNumber((double)rnd(1000) - 500);
	case 5:
	case 6:
		v = cJSON_CreateObject();
		for (unsigned i = rnd(4); i > 0; i--)
			cJSON_AddItemToObject(
			    v, some_keys[rnd(sizeof(some_keys) / sizeof(some_keys[0]))],
			    random_value(depth + 1));
		if (rnd(4) == 0) {
			cJSON_AddStringToObject(v, "liveblocksType", strings[2 + rnd(2)]);
			cJSON_AddItemToObject(v, "data", random_value(depth + 1));
		}
		return v;
	default:
		v = cJSON_CreateArray();
		for (unsigned i = rnd(4); i > 0; i--)
			cJSON_AddItemToArray(v, random_value(depth + 1));
		return v;
	}
}

/* Compact nodes: containers under containers, keys that may repeat,
 * positions that may collide, data of every kind. */
static struct live_tree *random_tree(int n)
{
	cJSON *nodes = cJSON_CreateArray(), *root = cJSON_CreateArray(), *data = random_value(0);
	int *containers = calloc((size_t)n + 1, sizeof(int)), n_cont = 1;
	int *types = calloc((size_t)n + 1, sizeof(int));
	struct live_tree *t = live_tree_new();
	struct lb_error err;

	assert_non_null(containers);
	assert_non_null(types);
	if (!cJSON_IsObject(data)) {
		cJSON_Delete(data);
		data = cJSON_CreateObject();
	}
	cJSON_AddItemToArray(root, cJSON_CreateString("root"));
	cJSON_AddItemToArray(root, data);
	cJSON_AddItemToArray(nodes, root);
	types[0] = 0;
	for (int i = 1; i <= n; i++) {
		int parent = containers[rnd((unsigned)n_cont)];
		int type = (int)rnd(6);
		char id[16], pid[16], pos[4];
		cJSON *nd = cJSON_CreateArray();

		snprintf(id, sizeof(id), "%d", i);
		snprintf(pid, sizeof(pid), "%d", parent);
		cJSON_AddItemToArray(nd, cJSON_CreateString(id));
		cJSON_AddItemToArray(nd, cJSON_CreateNumber(type));
		cJSON_AddItemToArray(nd, cJSON_CreateString(parent ? pid : "root"));
		if (types[parent] == 1) {
			pos[0] = (char)('!' + rnd(8));
			pos[1] = rnd(2) ? (char)('!' + rnd(90)) : '\0';
			pos[2] = '\0';
			cJSON_AddItemToArray(nd, cJSON_CreateString(pos));
		} else {
			cJSON_AddItemToArray(
			    nd, cJSON_CreateString(
			            some_keys[rnd(sizeof(some_keys) / sizeof(some_keys[0]))]));
		}
		if (type == 0) {
			cJSON *d = random_value(1);

			if (rnd(8) && !cJSON_IsObject(d)) {
				cJSON_Delete(d);
				d = cJSON_CreateObject();
			}
			cJSON_AddItemToArray(nd, d);
		} else if (type == 3 || type == 4 || type == 5) {
			if (rnd(6))
				cJSON_AddItemToArray(nd, random_value(1));
		}
		cJSON_AddItemToArray(nodes, nd);
		types[i] = type;
		if (type <= 2)
			containers[n_cont++] = i;
	}
	assert_true(live_tree_add_nodes(t, nodes, &err));
	assert_true(live_tree_link(t, &err));
	cJSON_Delete(nodes);
	free(containers);
	free(types);
	return t;
}

static void test_random_trees(void **state)
{
	(void)state;
	for (int round = 0; round < 300; round++) {
		struct live_tree *t = random_tree(1 + (int)rnd(60));

		check(t);
		live_tree_free(&t);
	}
}

/* Numbers come out as cJSON prints them: short decimals (written without
 * printf), the others (exponents, 17 digits, -0, huge, tiny). */
static void test_number_texts(void **state)
{
	static const double fixed[] = {0,
	                               -0.0,
	                               1,
	                               -1,
	                               0.1,
	                               0.2,
	                               0.1 + 0.2,
	                               1.0 / 3,
	                               2.0 / 3,
	                               1e-4,
	                               -1e-4,
	                               9.99999999999999e-5,
	                               0.000100000000000001,
	                               0.00012345678901234,
	                               0.000123456789012345,
	                               1e-5,
	                               5e-5,
	                               0.00051,
	                               999999999999999,
	                               999999999999999.9,
	                               1e15,
	                               1e15 - 1,
	                               1e15 + 1,
	                               99999999999999.9,
	                               9007199254740992.0,
	                               9007199254740993.0,
	                               123456.789e3,
	                               7400.01,
	                               0.5,
	                               2.5,
	                               1e21,
	                               1e22,
	                               1.7976931348623157e308,
	                               5e-324,
	                               2.2250738585072014e-308,
	                               4.35,
	                               4.345,
	                               1.005,
	                               0.15,
	                               12345678901234.5,
	                               1234567890123.45,
	                               0.999999999999999,
	                               0.9999999999999999,
	                               100.0,
	                               -2147483648.0,
	                               2147483647.0,
	                               2147483648.5,
	                               1e14 + 0.5,
	                               3.0000000000000004};
	cJSON *root = cJSON_CreateArray(), *data = cJSON_CreateObject(),
	      *nums = cJSON_CreateArray();
	cJSON *nodes = cJSON_CreateArray();
	struct live_tree *t = live_tree_new();
	struct lb_error err;
	double scale = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		cJSON_AddItemToArray(nums, cJSON_CreateNumber(fixed[i]));
		cJSON_AddItemToArray(nums, cJSON_CreateNumber(-fixed[i]));
	}
	for (int i = 0; i < 3000; i++) {
		uint64_t bits =
		    (uint64_t)rnd(1u << 31) << 33 ^ (uint64_t)rnd(1u << 31) << 2 ^ rnd(4);
		double any;
		char text[40];

		/* short decimals of 1 to 16 digits at every scale */
		snprintf(text, sizeof(text), "%.*fe%d", (int)rnd(16), (double)rnd(1000) / 100,
		         (int)rnd(24) - 8);
		cJSON_AddItemToArray(nums, cJSON_CreateNumber(strtod(text, NULL)));
		cJSON_AddItemToArray(nums, cJSON_CreateNumber(i * 0.37 + 0.01));
		cJSON_AddItemToArray(nums, cJSON_CreateNumber((double)i / 100 * scale));
		memcpy(&any, &bits, sizeof(any));
		if (any == any && any - any == 0)
			cJSON_AddItemToArray(nums, cJSON_CreateNumber(any));
		scale = scale > 1e17 ? 1e-9 : scale * 10;
	}
	cJSON_AddItemToObject(data, "nums", nums);
	cJSON_AddItemToArray(root, cJSON_CreateString("root"));
	cJSON_AddItemToArray(root, data);
	cJSON_AddItemToArray(nodes, root);
	assert_true(live_tree_add_nodes(t, nodes, &err));
	assert_true(live_tree_link(t, &err));
	cJSON_Delete(nodes);
	check(t);
	live_tree_free(&t);
}

/* ---- the builder itself ------------------------------------------------------------ */

static struct lson_doc *parse(const char *json, bool plain_lson)
{
	struct lb_error err;
	struct lson_doc *d = lson_parse(json, strlen(json), plain_lson, &err);

	if (!d)
		fail_msg("%s: %s", json, err.message);
	return d;
}

/* NUL bytes in a string read as lson_parse reads \u0000; other bytes
 * (a lone surrogate's UTF-8 too) stay as they are. */
static void test_builder_strings(void **state)
{
	struct lson_builder *b = lson_builder_new(false, 0);
	struct lson_doc *built, *parsed;
	struct lb_error err;

	(void)state;
	assert_true(lson_builder_open(b, LSON_OBJECT, NULL));
	assert_true(lson_builder_leaf(b, LSON_STRING, "nul", "a\0b\0", 4));
	assert_true(lson_builder_leaf(b, LSON_STRING, "raw", "\xed\xa0\x80", 3));
	assert_true(lson_builder_leaf(b, LSON_STRING, "empty", NULL, 0));
	assert_true(lson_builder_leaf(b, LSON_NUMBER, "n", "-1.50e+07", 9));
	assert_true(lson_builder_leaf(b, LSON_BOOL, "t", "true", 4));
	assert_true(lson_builder_leaf(b, LSON_NULL, "z", NULL, 0));
	assert_true(lson_builder_close(b));
	built = lson_builder_finish(&b, &err);
	assert_null(b);
	assert_non_null(built);
	parsed = parse("{\"nul\":\"a\\u0000b\\u0000\",\"raw\":\"\xed\xa0\x80\",\"empty\":\"\","
	               "\"n\":-1.50e+07,\"t\":true,\"z\":null}",
	               false);
	assert_same_doc(built, parsed);
	assert_string_equal(built->nodes[1].value, "a\xef\xbf\xbd"
	                                           "b\xef\xbf\xbd");
	lson_unref(&built);
	lson_unref(&parsed);
}

/* Live containers opened directly, a LiveText written as its wrapper,
 * and references. */
static void test_builder_live(void **state)
{
	struct lson_builder *b = lson_builder_new(true, 2);
	struct lson_doc *built, *parsed, *ref;
	struct lb_error err;

	(void)state;
	assert_true(lson_builder_open(b, LSON_LIVE_OBJECT, NULL));
	assert_true(lson_builder_open(b, LSON_LIVE_LIST, "l"));
	assert_true(lson_builder_open(b, LSON_LIVE_MAP, NULL));
	assert_true(lson_builder_leaf(b, LSON_NUMBER, "k", "1", 1));
	assert_true(lson_builder_close(b));
	assert_true(lson_builder_open(b, LSON_OBJECT, NULL));
	assert_true(lson_builder_leaf(b, LSON_STRING, "liveblocksType", "LiveText", 8));
	assert_true(lson_builder_open(b, LSON_ARRAY, "data"));
	assert_true(lson_builder_open(b, LSON_ARRAY, NULL));
	assert_true(lson_builder_leaf(b, LSON_STRING, NULL, "Hi", 2));
	assert_true(lson_builder_close(b));
	assert_true(lson_builder_close(b));
	assert_true(lson_builder_close(b));
	assert_true(lson_builder_close(b));
	assert_true(lson_builder_close(b));
	built = lson_builder_finish(&b, &err);
	assert_non_null(built);
	parsed = parse("{\"liveblocksType\":\"LiveObject\",\"data\":{\"l\":{\"liveblocksType\":"
	               "\"LiveList\",\"data\":[{\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":1}},"
	               "{\"liveblocksType\":\"LiveText\",\"data\":[[\"Hi\"]]}]}}}",
	               true);
	assert_same_doc(built, parsed);
	assert_int_equal(built->nodes[4].type, LSON_LIVE_TEXT);
	assert_string_equal(built->nodes[4].value, "Hi");
	ref = lson_ref(built);
	lson_unref(&built);
	assert_int_equal(ref->nodes[0].type, LSON_LIVE_OBJECT);
	lson_unref(&ref);
	lson_unref(&parsed);
}

typedef bool (*misuse_fn)(struct lson_builder *b);

static bool leaf_root(struct lson_builder *b)
{
	return lson_builder_leaf(b, LSON_NUMBER, NULL, "1", 1);
}
static bool array_root(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_ARRAY, NULL);
}
static bool no_key(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) &&
	       lson_builder_leaf(b, LSON_NULL, NULL, NULL, 0);
}
static bool key_in_list(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) && lson_builder_open(b, LSON_ARRAY, "a") &&
	       lson_builder_leaf(b, LSON_NULL, "k", NULL, 0);
}
static bool live_in_plain(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_LIVE_OBJECT, NULL);
}
static bool bad_number(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) &&
	       lson_builder_leaf(b, LSON_NUMBER, "n", "01", 2);
}
static bool bad_bool(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) &&
	       lson_builder_leaf(b, LSON_BOOL, "b", "yes", 3);
}
static bool text_leaf(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) &&
	       lson_builder_leaf(b, LSON_LIVE_TEXT, "t", "x", 1);
}
static bool after_root(struct lson_builder *b)
{
	return lson_builder_open(b, LSON_OBJECT, NULL) && lson_builder_close(b) &&
	       lson_builder_open(b, LSON_OBJECT, NULL);
}
static bool extra_close(struct lson_builder *b)
{
	return lson_builder_close(b);
}

/* Misuse fails once, every later call fails, and finish says why. */
static void test_builder_misuse(void **state)
{
	static const struct {
		misuse_fn fn;
		enum lb_status status;
		const char *says;
	} cases[] = {
	    {leaf_root, LB_DECODE, "not a JSON object"},
	    {array_root, LB_DECODE, "not a JSON object"},
	    {no_key, LB_USAGE, "without a key"},
	    {key_in_list, LB_USAGE, "a key on a list item"},
	    {live_in_plain, LB_USAGE, "LiveObject in a document of plain JSON"},
	    {bad_number, LB_USAGE, "not a JSON number"},
	    {bad_bool, LB_USAGE, "not true or false"},
	    {text_leaf, LB_USAGE, "LiveText is not a leaf"},
	    {after_root, LB_USAGE, "after the root"},
	    {extra_close, LB_USAGE, "close without"},
	};
	struct lb_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lson_builder *b = lson_builder_new(false, 0);

		assert_false(cases[i].fn(b));
		assert_false(lson_builder_close(b));
		assert_false(lson_builder_leaf(b, LSON_NULL, "x", NULL, 0));
		assert_null(lson_builder_finish(&b, &err));
		assert_null(b);
		assert_int_equal(err.status, cases[i].status);
		if (!strstr(err.message, cases[i].says))
			fail_msg("case %zu says \"%s\"", i, err.message);
	}
	{
		struct lson_builder *b = lson_builder_new(false, 0);

		assert_null(lson_builder_finish(&b, &err));
		assert_string_equal(err.message, "the Storage document is empty");
		b = lson_builder_new(false, 0);
		assert_true(lson_builder_open(b, LSON_OBJECT, NULL));
		assert_null(lson_builder_finish(&b, &err));
		assert_string_equal(err.message, "the Storage document is not complete");
		b = lson_builder_new(true, 0);
		assert_true(lson_builder_open(b, LSON_OBJECT, NULL));
		lson_builder_free(&b);
		assert_null(b);
	}
}

static void test_no_root(void **state)
{
	struct live_tree *t = live_tree_new();
	struct lb_error err;

	(void)state;
	assert_null(live_tree_to_doc(t, false, &err));
	assert_int_equal(err.status, LB_DECODE);
	live_tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_numbers_strings_keys),
	    cmocka_unit_test(test_wrapper_shapes),
	    cmocka_unit_test(test_odd_shapes),
	    cmocka_unit_test(test_ops),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_random_trees),
	    cmocka_unit_test(test_number_texts),
	    cmocka_unit_test(test_builder_strings),
	    cmocka_unit_test(test_builder_live),
	    cmocka_unit_test(test_builder_misuse),
	    cmocka_unit_test(test_no_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
