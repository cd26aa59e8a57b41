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

/* The node map and the ops, against what @liveblocks/core does. */

static void test_positions(void **state)
{
	/* makePosition(x, y) of @liveblocks/core 3.x, computed with it. */
	static const struct {
		const char *lo, *hi, *want;
	} cases[] = {
	    {NULL, NULL, "!"},       {"!", NULL, "!!"},        {NULL, "!", " ~"},
	    {"!", "\"", "!O"},       {"!", "#", "\""},         {"~", NULL, "~!"},
	    {"~~", NULL, "~~  !"},   {"!~", NULL, "\""},       {NULL, " ~", " }"},
	    {NULL, "\"", "!"},       {"!!", "!\"", "!!O"},     {"a", "b", "aO"},
	    {"ab", "ac", "abO"},     {"a", "a!", "a O"},       {"~~~~", NULL, "~~~~!"},
	    {"abc", NULL, "abc !"},  {"abcde", NULL, "abcdf"}, {" ~", "!", " ~O"},
	    {"!", " ~", " ~O"},      {"0", "9", "4"},          {"a!", "a\"", "a!O"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = live_position(cases[i].lo, cases[i].hi);

		assert_non_null(got);
		if (strcmp(got, cases[i].want))
			fail_msg("makePosition(%s, %s) is \"%s\", not \"%s\"",
			         cases[i].lo ? cases[i].lo : "-", cases[i].hi ? cases[i].hi : "-", got,
			         cases[i].want);
		if (cases[i].lo && cases[i].hi) {
			const char *a = strcmp(cases[i].lo, cases[i].hi) < 0 ? cases[i].lo : cases[i].hi;
			const char *b = a == cases[i].lo ? cases[i].hi : cases[i].lo;

			assert_true(strcmp(a, got) < 0 && strcmp(got, b) < 0);
		}
		free(got);
	}
}

/* The sample the room's socket sent for a small document. */
static const char sample[] =
    "[[\"root\",{\"y\":\"a\",\"z\":true}],"
    "[\"1:0\",1,\"root\",\"list\"],"
    "[\"1:2\",3,\"1:0\",\"!!\",2],"
    "[\"1:1\",3,\"1:0\",\"!\",1],"
    "[\"1:3\",0,\"root\",\"obj\",{\"a\":2}],"
    "[\"1:4\",2,\"1:3\",\"nested\"],"
    "[\"1:5\",3,\"1:4\",\"k\",\"v\"]]";

static struct live_tree *load(const char *nodes_json)
{
	struct live_tree *t = live_tree_new();
	cJSON *nodes = cJSON_Parse(nodes_json);
	struct lb_error err;

	assert_non_null(t);
	assert_non_null(nodes);
	assert_true(live_tree_add_nodes(t, nodes, &err));
	assert_true(live_tree_link(t, &err));
	cJSON_Delete(nodes);
	return t;
}

/* The tree as plain JSON, keys sorted, for comparing. */
static char *plain(const struct live_tree *t)
{
	cJSON *v = live_tree_to_json(t, true);
	char *p = cJSON_PrintUnformatted(v);

	cJSON_Delete(v);
	return p;
}

static void assert_plain(const struct live_tree *t, const char *want)
{
	char *got = plain(t);
	cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);

	assert_non_null(b);
	if (!cJSON_Compare(a, b, true))
		fail_msg("tree is %s\n   want %s", got, want);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_free(got);
}

/* Apply one op; the change it made. */
static bool apply(struct live_tree *t, const char *op_json, struct live_change *c)
{
	cJSON *op = cJSON_Parse(op_json);
	struct lb_error err;
	bool ignored, changed;

	assert_non_null(op);
	changed = live_tree_apply(t, op, c, &ignored, &err);
	assert_int_equal(err.status, LB_OK);
	assert_true(changed != ignored);
	cJSON_Delete(op);
	return changed;
}

static void expect(struct live_tree *t, const char *op, const char *path, const char *before,
                   const char *after)
{
	struct live_change c;

	if (!apply(t, op, &c))
		fail_msg("%s changed nothing", op);
	assert_string_equal(c.path, path);
	if (before)
		assert_string_equal(c.before, before);
	else
		assert_null(c.before);
	if (after)
		assert_string_equal(c.after, after);
	else
		assert_null(c.after);
	live_change_clear(&c);
}

static void test_load(void **state)
{
	struct live_tree *t = load(sample);
	cJSON *lson;
	char *p;

	(void)state;
	/* Nodes that come before their parent still land; a list is in
	 * position order, whatever order its items came in. */
	assert_plain(t, "{\"y\":\"a\",\"z\":true,\"list\":[1,2],\"obj\":{\"a\":2,"
	                "\"nested\":{\"k\":\"v\"}}}");
	assert_int_equal(live_tree_size(t), 7);
	lson = live_tree_to_json(t, false);
	p = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(lson, "data"), "obj"));
	assert_string_equal(p, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":2,\"nested\":{"
	                       "\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":\"v\"}}}}");
	cJSON_free(p);
	cJSON_Delete(lson);
	live_tree_free(&t);
	assert_null(t);
}

static void test_object_ops(void **state)
{
	struct live_tree *t = load(sample);
	struct live_change c;

	(void)state;
	expect(t, "{\"type\":3,\"id\":\"root\",\"data\":{\"y\":\"b\"}}", "/y", "\"a\"", "\"b\"");
	expect(t, "{\"type\":3,\"id\":\"root\",\"data\":{\"new\":[1,{\"x\":null}]}}", "/new", NULL,
	       "[1,{\"x\":null}]");
	/* Several keys in one op: the object's path, before and after by key. */
	expect(t, "{\"type\":3,\"id\":\"1:3\",\"data\":{\"a\":3,\"b\":4}}", "/obj", "{\"a\":2}",
	       "{\"a\":3,\"b\":4}");
	expect(t, "{\"type\":6,\"id\":\"root\",\"key\":\"z\"}", "/z", "true", NULL);
	/* A plain value over a live child replaces the child. */
	expect(t, "{\"type\":3,\"id\":\"1:3\",\"data\":{\"nested\":0}}", "/obj/nested",
	       "{\"k\":\"v\"}", "0");
	assert_int_equal(live_tree_size(t), 5);
	assert_plain(t, "{\"y\":\"b\",\"new\":[1,{\"x\":null}],\"list\":[1,2],"
	                "\"obj\":{\"a\":3,\"b\":4,\"nested\":0}}");
	/* About a node it does not hold, or a key it does not have: nothing. */
	assert_false(apply(t, "{\"type\":3,\"id\":\"9:9\",\"data\":{\"a\":1}}", &c));
	assert_false(apply(t, "{\"type\":6,\"id\":\"root\",\"key\":\"nope\"}", &c));
	assert_false(apply(t, "{\"type\":42,\"id\":\"root\"}", &c));
	live_tree_free(&t);
}

static void test_nested_create(void **state)
{
	struct live_tree *t = load("[[\"root\",{}]]");

	(void)state;
	/* A LiveObject holding a LiveList and a LiveMap, as a client sends
	 * it: the parent first, then what is inside. */
	expect(t, "{\"type\":4,\"id\":\"2:0\",\"parentId\":\"root\",\"parentKey\":\"o\",\"data\":{\"n\":1}}",
	       "/o", NULL, "{\"n\":1}");
	expect(t, "{\"type\":2,\"id\":\"2:1\",\"parentId\":\"2:0\",\"parentKey\":\"l\"}", "/o/l",
	       NULL, "[]");
	expect(t, "{\"type\":8,\"id\":\"2:2\",\"parentId\":\"2:1\",\"parentKey\":\"!\",\"data\":\"x\"}",
	       "/o/l/0", NULL, "\"x\"");
	expect(t, "{\"type\":7,\"id\":\"2:3\",\"parentId\":\"2:0\",\"parentKey\":\"m\"}", "/o/m",
	       NULL, "{}");
	expect(t, "{\"type\":8,\"id\":\"2:4\",\"parentId\":\"2:3\",\"parentKey\":\"a/b\",\"data\":1}",
	       "/o/m/a~1b", NULL, "1");
	assert_plain(t, "{\"o\":{\"n\":1,\"l\":[\"x\"],\"m\":{\"a/b\":1}}}");
	/* The same op again changes nothing. */
	{
		struct live_change c;
		assert_false(apply(t, "{\"type\":2,\"id\":\"2:1\",\"parentId\":\"2:0\",\"parentKey\":\"l\"}",
		                   &c));
	}
	/* Deleting the object takes all of it. */
	expect(t, "{\"type\":5,\"id\":\"2:0\"}", "/o", "{\"n\":1,\"l\":[\"x\"],\"m\":{\"a/b\":1}}",
	       NULL);
	assert_int_equal(live_tree_size(t), 1);
	assert_plain(t, "{}");
	live_tree_free(&t);
}

static void test_list_ops(void **state)
{
	struct live_tree *t = load("[[\"root\",{}],[\"1:0\",1,\"root\",\"l\"],"
	                           "[\"1:1\",3,\"1:0\",\"!\",\"a\"],[\"1:2\",3,\"1:0\",\"\\\"\",\"b\"]]");
	struct live_change c;

	(void)state;
	/* push: after the last */
	expect(t, "{\"type\":8,\"id\":\"3:0\",\"parentId\":\"1:0\",\"parentKey\":\"#\",\"data\":\"c\"}",
	       "/l/2", NULL, "\"c\"");
	/* insert between the first two */
	expect(t, "{\"type\":8,\"id\":\"3:1\",\"parentId\":\"1:0\",\"parentKey\":\"!O\",\"data\":\"ab\"}",
	       "/l/1", NULL, "\"ab\"");
	assert_plain(t, "{\"l\":[\"a\",\"ab\",\"b\",\"c\"]}");
	/* An insert at a taken position shifts the item that held it, to
	 * between it and the next, as the SDK does. */
	expect(t, "{\"type\":8,\"id\":\"3:2\",\"parentId\":\"1:0\",\"parentKey\":\"!\",\"data\":\"new\"}",
	       "/l/0", NULL, "\"new\"");
	assert_plain(t, "{\"l\":[\"new\",\"a\",\"ab\",\"b\",\"c\"]}");
	/* set: the item at the position is replaced (deletedId) */
	expect(t, "{\"type\":8,\"id\":\"3:3\",\"parentId\":\"1:0\",\"parentKey\":\"\\\"\","
	          "\"data\":\"B\",\"intent\":\"set\",\"deletedId\":\"1:2\"}",
	       "/l/3", "\"b\"", "\"B\"");
	assert_plain(t, "{\"l\":[\"new\",\"a\",\"ab\",\"B\",\"c\"]}");
	/* move: the first to the end */
	assert_true(apply(t, "{\"type\":1,\"id\":\"3:2\",\"parentKey\":\"$\"}", &c));
	assert_string_equal(c.from, "/l/0");
	assert_string_equal(c.path, "/l/4");
	assert_string_equal(c.after, "\"new\"");
	live_change_clear(&c);
	assert_plain(t, "{\"l\":[\"a\",\"ab\",\"B\",\"c\",\"new\"]}");
	/* delete */
	expect(t, "{\"type\":5,\"id\":\"3:1\"}", "/l/1", "\"ab\"", NULL);
	assert_plain(t, "{\"l\":[\"a\",\"B\",\"c\",\"new\"]}");
	/* a move to where it is changes nothing */
	assert_false(apply(t, "{\"type\":1,\"id\":\"3:2\",\"parentKey\":\"$\"}", &c));
	live_tree_free(&t);
}

static void test_bad_nodes(void **state)
{
	struct live_tree *t = live_tree_new();
	struct lb_error err;
	cJSON *bad = cJSON_Parse("[[\"1:0\",\"x\",\"root\",\"l\"]]");
	cJSON *orphan = cJSON_Parse("[[\"root\",{}],[\"5:0\",3,\"nowhere\",\"k\",1],"
	                            "[\"5:1\",3,\"5:0\",\"k\",2]]");

	(void)state;
	assert_false(live_tree_add_nodes(t, bad, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(live_tree_link(t, &err));
	assert_non_null(strstr(err.message, "without its root"));
	assert_true(live_tree_add_nodes(t, orphan, &err));
	assert_true(live_tree_link(t, &err));
	/* The node whose parent never came, and what hangs on a register,
	 * are no part of the tree. */
	assert_int_equal(live_tree_size(t), 1);
	assert_plain(t, "{}");
	cJSON_Delete(bad);
	cJSON_Delete(orphan);
	live_tree_free(&t);

	/* Nodes that are their own parent, or each other's, are no part of
	 * it either, and an op on them changes nothing. */
	{
		struct live_tree *c = load("[[\"root\",{}],[\"x\",0,\"x\",\"self\"],"
		                           "[\"a\",0,\"b\",\"k\"],[\"b\",0,\"a\",\"k\"],"
		                           "[\"r\",3,\"a\",\"v\",1]]");
		struct live_change ch;

		assert_int_equal(live_tree_size(c), 1);
		assert_false(apply(c, "{\"type\":5,\"id\":\"x\"}", &ch));
		assert_false(apply(c, "{\"type\":3,\"id\":\"a\",\"data\":{\"z\":1}}", &ch));
		assert_plain(c, "{}");
		live_tree_free(&c);
	}
}

/* Taking the nodes gives the tree adding them gives, and empties the
 * message as it goes. */
static void test_take_nodes(void **state)
{
	struct live_tree *a = load(sample), *b = live_tree_new();
	cJSON *nodes = cJSON_Parse(sample);
	struct lb_error err;
	char *pa, *pb;

	(void)state;
	assert_true(live_tree_take_nodes(b, nodes, &err));
	assert_true(live_tree_link(b, &err));
	assert_int_equal(cJSON_GetArraySize(nodes), 0);
	pa = plain(a);
	pb = plain(b);
	assert_string_equal(pa, pb);
	assert_int_equal(live_tree_size(a), live_tree_size(b));
	cJSON_free(pa);
	cJSON_free(pb);
	cJSON_Delete(nodes);
	live_tree_free(&a);
	live_tree_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positions),     cmocka_unit_test(test_load),
	    cmocka_unit_test(test_take_nodes),
	    cmocka_unit_test(test_object_ops),    cmocka_unit_test(test_nested_create),
	    cmocka_unit_test(test_list_ops),      cmocka_unit_test(test_bad_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
