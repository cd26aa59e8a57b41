/* The versions family (src/res/versions.c) in the model: the decoders,
 * the list read a page at a time and revalidated, a cursor that comes
 * round again, a version's binary and a new snapshot on either path with
 * the one that answered remembered, read-only refusal. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "versions.h"

static char *versions_page(const char *cursor, const char *a, const char *b)
{
	struct buf buf;

	buf_init(&buf);
	buf_printf(&buf,
	           "{\"nextCursor\":%s%s%s,\"data\":[{\"type\":\"historyVersion\",\"id\":\"%s\","
	           "\"createdAt\":\"2024-10-15T10:30:00.000Z\",\"authors\":[{\"id\":\"u1\"}],"
	           "\"kind\":\"yjs\"}",
	           cursor ? "\"" : "", cursor ? cursor : "null", cursor ? "\"" : "", a);
	if (b)
		buf_printf(&buf, ",{\"id\":\"%s\",\"createdAt\":\"2024-10-14T10:30:00.000Z\"}", b);
	buf_adds(&buf, "]}");
	return buf_steal(&buf);
}

static bool complete_versions(struct fx *f, size_t k, const char *cursor, const char *a,
                              const char *b)
{
	char *body = versions_page(cursor, a, b);
	bool ok = fake_complete(&f->ft, k, 200, body);

	free(body);
	return ok;
}

static void test_pagination(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_versions(f->m, "r1");

	assert_string_equal(model_kind_name(r), "versions");
	expect_req(f, 0, HTTP_GET, ROOM "/versions?limit=50");
	assert_true(complete_versions(f, 0, "c 1", "vh_3", "vh_2"));
	assert_int_equal(model_count(r), 2);
	assert_false(model_complete(r));
	assert_string_equal(model_next_cursor(r), "c 1");
	assert_string_equal(model_version_at(r, 0)->id, "vh_3");
	assert_int_equal(model_version_at(r, 0)->authors.n, 1);
	assert_string_equal(model_version_at(r, 0)->authors.v[0], "u1");
	assert_true(model_version_at(r, 0)->created_s > 0);
	model_more(f->m, r);
	assert_true(model_paging(r));
	expect_req(f, 1, HTTP_GET, ROOM "/versions?limit=50&cursor=c%201");
	assert_true(complete_versions(f, 1, NULL, "vh_1", NULL));
	assert_int_equal(model_count(r), 3);
	assert_true(model_complete(r));
	assert_string_equal(model_version_at(r, 2)->id, "vh_1");
	model_more(f->m, r); /* complete: nothing */
	assert_int_equal(fake_count(&f->ft), 2);

	/* Revalidation reloads both pages before swapping the list in. */
	model_refresh(f->m, r);
	expect_req(f, 2, HTTP_GET, ROOM "/versions?limit=50");
	assert_true(complete_versions(f, 2, "c2", "vh_4", "vh_3"));
	assert_int_equal(model_count(r), 3); /* not yet swapped */
	assert_string_equal(model_version_at(r, 0)->id, "vh_3");
	expect_req(f, 3, HTTP_GET, ROOM "/versions?limit=50&cursor=c2");
	assert_true(complete_versions(f, 3, NULL, "vh_2", "vh_1"));
	assert_int_equal(model_count(r), 4);
	assert_string_equal(model_version_at(r, 0)->id, "vh_4");
	assert_true(model_complete(r));
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

/* The paged list is one for every list kind: a cursor the server gives
 * again ends the version history as it ends the rooms list. */
static void test_cursor_again_ends(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_versions(f->m, "r1");

	assert_true(complete_versions(f, 0, "c1", "vh_3", "vh_2"));
	model_more(f->m, r);
	expect_req(f, 1, HTTP_GET, ROOM "/versions?limit=50&cursor=c1");
	assert_true(complete_versions(f, 1, "c1", "vh_1", NULL));
	assert_int_equal(model_count(r), 3);
	assert_true(model_complete(r));
	assert_null(model_next_cursor(r));
	model_release(f->m, &r);
}

/* Another list's resource is no version history. */
static void test_other_lists_hold_no_versions(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_active_users(f->m, "r1");

	assert_true(fake_complete(&f->ft, 0, 200,
	                          "{\"data\":[{\"type\":\"user\",\"id\":\"alice\","
	                          "\"connectionId\":16}]}"));
	assert_int_equal(model_count(r), 1);
	assert_null(model_version_at(r, 0));
	model_release(f->m, &r);
}

static void test_binary_fallback(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	model_version_binary(f->m, "r1", "vh_1", on_sdone, &s);
	expect_req(f, 0, HTTP_GET, ROOM "/versions/vh_1/yjs");
	assert_true(fake_complete(&f->ft, 0, 404, NO_ROUTE));
	assert_int_equal(s.calls, 0);
	expect_req(f, 1, HTTP_GET, ROOM "/version/vh_1");
	assert_true(fake_complete(&f->ft, 1, 200, "YJS"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_string_equal(s.body, "YJS");
	/* Remembered: the reference's path first now. */
	model_version_binary(f->m, "r1", "vh_2", on_sdone, &s);
	expect_req(f, 2, HTTP_GET, ROOM "/version/vh_2");
	/* A missing version is an answer, not a missing route. */
	assert_true(fake_complete(&f->ft, 2, 404,
	                          "{\"error\":\"RESOURCE_NOT_FOUND\",\"message\":\"Version "
	                          "\\\"vh_2\\\" not found in room \\\"r1\\\".\"}"));
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.http_status, 404);
	assert_string_equal(s.err.code, "RESOURCE_NOT_FOUND");
	/* No version ID: refused at once. */
	model_version_binary(f->m, "r1", "", on_sdone, &s);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 3);
	sres_clear(&s);
}

static void test_create(void **state)
{
	struct fx *f = *state;
	struct resource *list = model_versions(f->m, "r1");
	struct sres s = {0};

	assert_true(complete_versions(f, 0, NULL, "vh_1", NULL));
	model_version_create(f->m, "r1", on_sdone, &s);
	expect_req(f, 1, HTTP_POST, ROOM "/versions");
	assert_string_equal(fake_req(&f->ft, 1)->body, "{}");
	assert_string_equal(fake_header(fake_req(&f->ft, 1), "Content-Type"), "application/json");
	assert_true(fake_complete(&f->ft, 1, 404, NO_ROUTE));
	expect_req(f, 2, HTTP_POST, ROOM "/version");
	assert_true(fake_complete(&f->ft, 2, 200, "{\"data\":{\"id\":\"vh_9\"}}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_string_equal(s.id, "vh_9");
	assert_string_equal(s.body, "{\"data\":{\"id\":\"vh_9\"}}");
	/* The held list reloads. */
	expect_req(f, 3, HTTP_GET, ROOM "/versions?limit=50");
	assert_true(list->busy);
	model_release(f->m, &list);
	/* A 501 is not a missing route: no second path. */
	model_free(&f->m);
	f->m = model_new(&f->api, &f->o);
	model_version_create(f->m, "r1", on_sdone, &s);
	assert_true(fake_complete(&f->ft, 4, 501, NOT_IMPLEMENTED));
	assert_int_equal(fake_count(&f->ft), 5); /* 501: no second path */
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.http_status, 501);
	sres_clear(&s);
}

/* A snapshot is a change, refused in read-only mode; a binary is a read. */
static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	model_version_create(f->m, "r1", on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	assert_int_equal(s.calls, 1);
	assert_int_equal(fake_count(&f->ft), 0);
	model_version_binary(f->m, "r1", "vh_1", on_sdone, &s);
	assert_int_equal(fake_count(&f->ft), 1);
	fake_cancel_all(&f->ft);
	sres_clear(&s);
}

static void test_decoders(void **state)
{
	struct lb_error err;
	struct version *v;
	size_t n;
	char *cursor, *id;

	(void)state;
	assert_false(version_page_decode("{\"data\":[{}]}", 13, &v, &n, &cursor, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_string_equal(err.message, "the server sent a version without an \"id\" (item 1)");
	assert_false(version_page_decode("[", 1, &v, &n, &cursor, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(version_page_decode("{\"data\":{}}", 11, &v, &n, &cursor, &err));
	assert_true(version_page_decode("{\"data\":[{\"id\":\"vh_1\",\"authors\":[\"a\",{\"id\":\"b\"}]}],"
	                                "\"nextCursor\":\"\"}",
	                                67, &v, &n, &cursor, &err));
	assert_int_equal(n, 1);
	assert_null(cursor); /* an empty cursor is the last page */
	assert_int_equal(v[0].authors.n, 2);
	assert_int_equal(v[0].created_s, -1);
	assert_true(versions_bytes(v, n) > sizeof(*v));
	versions_free(v, n);
	assert_true(version_id_decode("{\"id\":\"vh_1\"}", 13, &id, &err));
	assert_string_equal(id, "vh_1");
	free(id);
	assert_true(version_id_decode("{\"data\":{\"id\":\"vh_2\"}}", 22, &id, &err));
	assert_string_equal(id, "vh_2");
	free(id);
	assert_false(version_id_decode("{}", 2, &id, &err));
	assert_null(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cursor_again_ends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_lists_hold_no_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_binary_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	    cmocka_unit_test(test_decoders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
