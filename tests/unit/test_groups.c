/* Groups (src/res/groups.c): a group and a page of groups as the API
 * sends them, and what the decoders refuse. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

#define GROUP(id, members)                                                                         \
	"{\"type\":\"group\",\"id\":\"" id "\",\"organizationId\":\"acme\","                       \
	"\"createdAt\":\"2025-01-02T03:04:05.000Z\",\"scopes\":{\"mention\":true},"                \
	"\"members\":[" members "]}"

static void test_group(void **state)
{
	const char *json = GROUP("eng", "{\"id\":\"ada\",\"addedAt\":\"x\"},{\"id\":\"bob\"}");
	struct group_info g;
	struct lb_error err;

	(void)state;
	assert_true(group_decode(json, strlen(json), &g, &err));
	assert_string_equal(g.id, "eng");
	assert_string_equal(g.organization_id, "acme");
	assert_int_equal(g.created_s, 1735787045);
	assert_int_equal(g.members.n, 2);
	assert_string_equal(g.members.v[0], "ada");
	assert_string_equal(g.members.v[1], "bob");
	group_info_clear(&g);

	assert_true(group_decode("{\"id\":\"solo\"}", 13, &g, &err));
	assert_null(g.organization_id);
	assert_int_equal(g.created_s, -1);
	assert_int_equal(g.members.n, 0);
	group_info_clear(&g);
}

static void test_page(void **state)
{
	const char *json = "{\"data\":[" GROUP("a", "{\"id\":\"u\"}") "," GROUP(
	    "b", "") "],"
	             "\"nextCursor\":\"cur-2\"}";
	struct group_info *g;
	size_t n;
	char *next;
	struct lb_error err;

	(void)state;
	assert_true(group_page_decode(json, strlen(json), &g, &n, &next, &err));
	assert_int_equal(n, 2);
	assert_string_equal(g[0].id, "a");
	assert_int_equal(g[0].members.n, 1);
	assert_string_equal(g[1].id, "b");
	assert_int_equal(g[1].members.n, 0);
	assert_string_equal(next, "cur-2");
	groups_free(g, n);
	free(next);

	/* The last page: no cursor, null or absent. */
	assert_true(
	    group_page_decode("{\"data\":[],\"nextCursor\":null}", 30, &g, &n, &next, &err));
	assert_int_equal(n, 0);
	assert_null(next);
	groups_free(g, n);
}

static void test_refused(void **state)
{
	struct group_info *g, one;
	size_t n;
	char *next;
	struct lb_error err;
	const char *bad_member = "{\"data\":[" GROUP("a", "{\"addedAt\":1}") "]}";
	const char *no_id = "{\"data\":[" GROUP("a", "") ",{\"members\":[]}]}";

	(void)state;
	assert_false(group_page_decode("{\"data\":{}}", 11, &g, &n, &next, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "\"data\""));
	assert_null(g);
	assert_false(group_page_decode(bad_member, strlen(bad_member), &g, &n, &next, &err));
	assert_non_null(strstr(err.message, "member without an \"id\""));
	assert_false(group_page_decode(no_id, strlen(no_id), &g, &n, &next, &err));
	assert_non_null(strstr(err.message, "group without an \"id\""));
	assert_false(group_page_decode("{\"data\":[", 9, &g, &n, &next, &err));
	assert_false(group_decode("{\"id\":\"g\",\"members\":{}}", 24, &one, &err));
	assert_non_null(strstr(err.message, "not a list"));
	assert_null(one.id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_page),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
