#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_send.h"
#include "api_storage.h"
#include "fake_transport.h"
#include "model.h"
#include "model_storage.h"
#include "util.h"

#include "model_fixture.h"

#define DOC1                                                                                       \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":1,\"list\":"                           \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]}}}"
#define DOC2                                                                                       \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":2,\"list\":"                           \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"x\",\"y\"]}}}"
/* DOC1 with its keys in another order. */
#define DOC1_REORDERED                                                                             \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"list\":"                                   \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]},\"a\":1}}"
/* DOC1 with another list: a change the edits of /a do not depend on. */
#define DOC1_OTHER_LIST                                                                            \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":1,\"list\":"                           \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"z\"]}}}"
/* DOC1 with /a set to 42. */
#define DOC1_A42                                                                                   \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":42,\"list\":"                          \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]}}}"
#define EMPTY "{\"liveblocksType\":\"LiveObject\",\"data\":{}}"
static struct patch one_op(enum patch_kind kind, const char *path, const char *value)
{
	struct patch p = {0};

	assert_true(patch_add(&p, kind, path, NULL, value));
	return p;
}

/* The length of a document resource's body. */
static size_t body_len(const struct resource *r)
{
	size_t n;

	model_body(r, &n);
	return n;
}

/* Load the plain Storage of r1 with body. */
static struct resource *loaded_storage(struct fx *f, const char *body)
{
	struct resource *r = model_storage(f->m, "r1", false);
	size_t k = fake_count(&f->ft) - 1;

	assert_non_null(r);
	expect_req(f, k, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, k, 200, body));
	assert_int_equal(r->state, RES_FRESH);
	return r;
}

/* ------------------------------------------------------------ loading */

static void test_storage_load(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_storage(f->m, "r1", false);
	size_t before;

	assert_non_null(r);
	assert_string_equal(model_kind_name(r), "storage");
	assert_int_equal(r->state, RES_LOADING);
	assert_string_equal(r->room_id, "r1");
	assert_int_equal(fake_count(&f->ft), 1);
	expect_req(f, 0, HTTP_GET, ROOM "/storage");
	before = model_bytes(f->m);
	assert_true(fake_complete(&f->ft, 0, 200, DOC1));
	assert_int_equal(r->state, RES_FRESH);
	assert_true(r->has_data);
	assert_false(r->busy);
	assert_string_equal(model_body(r, NULL), DOC1);
	assert_int_equal(body_len(r), strlen(DOC1));
	assert_non_null(model_document(r));
	assert_true(model_document(r)->plain_lson);
	assert_int_equal(model_document(r)->nodes[0].type, LSON_LIVE_OBJECT);
	assert_true(lson_find(model_document(r), "/list/0") > 0);
	/* The body and the nodes are in the budget. */
	assert_true(model_bytes(f->m) >=
	            before + strlen(DOC1) + model_document(r)->n * sizeof(struct lson_node));
	assert_int_equal(model_age_s(r), 0);
	model_release(f->m, &r);
	assert_null(r);
}

static void test_storage_simplified_and_keys(void **state)
{
	struct fx *f = *state;
	struct resource *plain = model_storage(f->m, "a/b", false);
	struct resource *simple = model_storage(f->m, "a/b", true);

	assert_ptr_not_equal(plain, simple);
	assert_int_equal(fake_count(&f->ft), 2);
	expect_req(f, 0, HTTP_GET, BASE "/v2/rooms/a%2Fb/storage");
	expect_req(f, 1, HTTP_GET, BASE "/v2/rooms/a%2Fb/storage?format=json");
	assert_true(fake_complete(&f->ft, 1, 200, "{\"a\":1,\"list\":[\"x\"]}"));
	assert_int_equal(simple->state, RES_FRESH);
	assert_false(model_document(simple)->plain_lson);
	assert_int_equal(model_document(simple)->nodes[0].type, LSON_OBJECT);
	/* Not a room resource: the room ID is not mistaken for a room. */
	assert_int_equal(model_room_ids(f->m, "", (const char *[4]){0}, 4), 0);
	model_release(f->m, &plain);
	model_release(f->m, &simple);
}

static void test_storage_dedup(void **state)
{
	struct fx *f = *state;
	struct resource *a = model_storage(f->m, "r1", false);
	struct resource *b = model_storage(f->m, "r1", false);

	assert_ptr_equal(a, b);
	model_refresh(f->m, a);
	model_need(f->m, a);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_true(fake_complete(&f->ft, 0, 200, DOC1));
	/* Fresh: asking again sends nothing. */
	model_need(f->m, a);
	assert_int_equal(fake_count(&f->ft), 1);
	model_release(f->m, &a);
	model_release(f->m, &b);
}

static void test_storage_revalidate_keeps_old_doc(void **state)
{
	struct fx *f = *state;
	struct resource *r = loaded_storage(f, DOC1);
	struct lson_doc *old = lson_ref(model_document(r));
	unsigned gen = r->generation;
	int i;

	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	/* Stale-while-revalidate: the old document stays meanwhile. */
	assert_true(r->busy);
	assert_ptr_equal(model_document(r), old);
	assert_string_equal(model_body(r, NULL), DOC1);
	assert_true(fake_complete(&f->ft, 1, 200, DOC2));
	assert_int_equal(r->state, RES_FRESH);
	assert_true(r->generation > gen);
	assert_ptr_not_equal(model_document(r), old);
	assert_string_equal(model_body(r, NULL), DOC2);
	i = lson_find(model_document(r), "/a");
	assert_true(i > 0);
	assert_string_equal(model_document(r)->nodes[i].value, "2");
	/* The holder's copy is intact (the sanitizers check the memory). */
	i = lson_find(old, "/a");
	assert_true(i > 0);
	assert_string_equal(old->nodes[i].value, "1");
	assert_int_equal(lson_find(old, "/list/1"), -1);
	lson_unref(&old);
	assert_null(old);
	model_release(f->m, &r);
}

static void test_storage_errors(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_storage(f->m, "r1", false);

	assert_true(fake_complete(&f->ft, 0, 200, "{\"liveblocksType\":"));
	assert_int_equal(r->state, RES_ERROR);
	assert_int_equal(r->err.status, LB_DECODE);
	assert_null(model_document(r));
	/* A failed resource is retried when asked for. */
	model_need(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_true(fake_complete(&f->ft, 1, 200, DOC1));
	assert_int_equal(r->state, RES_FRESH);
	/* A failing revalidation keeps the document, stale, with the error. */
	model_refresh(f->m, r);
	assert_true(fake_complete(&f->ft, 2, 404, ROOM_NOT_FOUND));
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.http_status, 404);
	assert_string_equal(r->err.code, "ROOM_NOT_FOUND");
	assert_non_null(model_document(r));
	assert_string_equal(model_body(r, NULL), DOC1);
	model_release(f->m, &r);
}

static void test_storage_evicted_when_released(void **state)
{
	struct fx *f = *state;
	struct resource *r = loaded_storage(f, DOC1);
	size_t held = model_bytes(f->m);

	assert_true(held > strlen(DOC1));
	model_release(f->m, &r);
	/* Over a tiny budget, an unreferenced document goes. */
	model_free(&f->m);
	f->o.memory_budget = 1;
	f->m = model_new(&f->api, &f->o);
	r = loaded_storage(f, DOC1);
	assert_true(model_bytes(f->m) > 1); /* held: kept */
	model_release(f->m, &r);
	assert_int_equal(model_bytes(f->m), 0);
}

/* ------------------------------------------------------------ Yjs */

static void test_ydoc_options(void **state)
{
	struct fx *f = *state;
	struct ydoc_options o = {true, "my key", "ytext"};
	struct resource *plain = model_ydoc(f->m, "r1", NULL);
	struct resource *keyed = model_ydoc(f->m, "r1", &o);
	int i;

	assert_ptr_not_equal(plain, keyed);
	assert_string_equal(model_kind_name(plain), "ydoc");
	expect_req(f, 0, HTTP_GET, ROOM "/ydoc");
	expect_req(f, 1, HTTP_GET, ROOM "/ydoc?formatting=true&key=my%20key&type=ytext");
	assert_true(fake_complete(&f->ft, 0, 200, "{\"text\":\"hello\",\"n\":[1,2]}"));
	assert_int_equal(plain->state, RES_FRESH);
	assert_false(model_document(plain)->plain_lson);
	assert_true(lson_find(model_document(plain), "/n/1") > 0);
	/* With a type the server sends the bare value: shown under its key. */
	assert_true(fake_complete(&f->ft, 1, 200, "\"hello\""));
	assert_int_equal(keyed->state, RES_FRESH);
	assert_string_equal(model_body(keyed, NULL), "\"hello\"");
	i = lson_find(model_document(keyed), "/my key");
	assert_true(i > 0);
	assert_string_equal(model_document(keyed)->nodes[i].value, "hello");
	/* The same options give the same resource. */
	{
		struct resource *again = model_ydoc(f->m, "r1", &o);

		assert_ptr_equal(again, keyed);
		model_release(f->m, &again);
	}
	assert_int_equal(fake_count(&f->ft), 2);
	model_release(f->m, &plain);
	model_release(f->m, &keyed);
}

static void test_ydoc_binary_and_update(void **state)
{
	struct fx *f = *state;
	struct resource *doc = model_ydoc(f->m, "r1", NULL);
	static const char update[] = {0x01, 0x00, 0x02, 0x7f};
	struct sres s = {0};
	const struct fake_request *req;

	assert_true(fake_complete(&f->ft, 0, 200, "{}"));
	assert_int_not_equal(model_ydoc_binary(f->m, "r1", "sub doc", on_sdone, &s), 0);
	expect_req(f, 1, HTTP_GET, ROOM "/ydoc-binary?guid=sub%20doc");
	assert_true(fake_complete(&f->ft, 1, 200, "BINARY"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_string_equal(s.body, "BINARY");
	model_ydoc_binary(f->m, "r1", NULL, on_sdone, &s);
	expect_req(f, 2, HTTP_GET, ROOM "/ydoc-binary");
	assert_true(fake_complete(&f->ft, 2, 200, "B"));

	model_ydoc_update(f->m, "r1", "g1", update, sizeof(update), on_sdone, &s);
	req = fake_req(&f->ft, 3);
	expect_req(f, 3, HTTP_PUT, ROOM "/ydoc?guid=g1");
	assert_string_equal(fake_header(req, "Content-Type"), "application/octet-stream");
	assert_int_equal(req->body_len, sizeof(update));
	assert_memory_equal(req->body, update, sizeof(update));
	assert_true(fake_complete(&f->ft, 3, 200, "{\"success\":true}"));
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.err.status, LB_OK);
	/* The held Yjs document reloads. */
	assert_int_equal(fake_count(&f->ft), 5);
	expect_req(f, 4, HTTP_GET, ROOM "/ydoc");
	assert_true(doc->busy);
	sres_clear(&s);
	model_release(f->m, &doc);
}

/* ------------------------------------------------------------ users, versions */

static void test_active_users(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_active_users(f->m, "r1");

	expect_req(f, 0, HTTP_GET, ROOM "/active-users");
	assert_true(
	    fake_complete(&f->ft, 0, 200,
	                  "{\"data\":[{\"type\":\"user\",\"id\":\"alice\",\"connectionId\":16,"
	                  "\"info\":{\"name\":\"Alice\"}},{\"type\":\"user\",\"id\":null,"
	                  "\"connectionId\":20}]}"));
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(model_count(r), 2);
	assert_string_equal(model_user_at(r, 0)->id, "alice");
	assert_int_equal(model_user_at(r, 0)->connection_id, 16);
	assert_string_equal(model_user_at(r, 0)->info_json, "{\"name\":\"Alice\"}");
	assert_null(model_user_at(r, 1)->id);
	assert_null(model_user_at(r, 1)->info_json);
	assert_int_equal(model_user_at(r, 1)->connection_id, 20);
	model_refresh(f->m, r);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"data\":[]}"));
	assert_int_equal(model_count(r), 0);
	model_refresh(f->m, r);
	assert_true(fake_complete(&f->ft, 2, 200, "{\"nope\":1}"));
	assert_int_equal(r->err.status, LB_DECODE);
	model_release(f->m, &r);
}

static void test_active_users_one_page(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_active_users(f->m, "r1");

	assert_true(fake_complete(&f->ft, 0, 200,
	                          "{\"data\":[{\"type\":\"user\",\"id\":\"alice\","
	                          "\"connectionId\":16}],\"nextCursor\":\"more\"}"));
	assert_true(model_complete(r));
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 1);
	model_refresh(f->m, r);
	expect_req(f, 1, HTTP_GET, ROOM "/active-users");
	assert_int_equal(model_count(r), 1);
	assert_string_equal(model_user_at(r, 0)->id, "alice");
	assert_true(fake_complete(&f->ft, 1, 200,
	                          "{\"data\":[{\"type\":\"user\",\"id\":\"bob\","
	                          "\"connectionId\":17}]}"));
	assert_int_equal(model_count(r), 1);
	assert_string_equal(model_user_at(r, 0)->id, "bob");
	/* Not a list of rooms: that accessor says nothing. */
	assert_null(model_room_at(r, 0));
	model_release(f->m, &r);
}

/* ------------------------------------------------------------ patches */

static void test_patch_json_patch(void **state)
{
	struct fx *f = *state;
	struct resource *r = loaded_storage(f, DOC1);
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};
	const struct fake_request *req;

	assert_int_equal(model_storage_has_json_patch(f->m), -1);
	assert_int_not_equal(
	    model_storage_patch(f->m, "r1", &p, model_body(r, NULL), body_len(r), on_sdone, &s), 0);
	assert_int_equal(fake_count(&f->ft), 2);
	req = fake_req(&f->ft, 1);
	expect_req(f, 1, HTTP_PATCH, ROOM "/storage/json-patch");
	/* Guarded by the document shown: applied only where /a is still 1. */
	assert_string_equal(req->body, "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1},"
	                               "{\"op\":\"replace\",\"path\":\"/a\",\"value\":42}]");
	assert_non_null(strstr(req->body, "\"replace\""));
	assert_string_equal(fake_header(req, "Content-Type"), "application/json");
	assert_true(fake_complete(&f->ft, 1, 200, "{}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_JSON_PATCH);
	assert_int_equal(model_storage_has_json_patch(f->m), 1);
	/* The held Storage reloads. */
	assert_int_equal(fake_count(&f->ft), 3);
	expect_req(f, 2, HTTP_GET, ROOM "/storage");
	/* A refused patch is an error, not a fallback. */
	model_storage_patch(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	assert_true(fake_complete(&f->ft, 3, 422,
	                          "{\"error\":\"INVALID_STORAGE_MUTATION_REQUEST\",\"message\":"
	                          "\"op 0 failed\"}"));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.http_status, 422);
	assert_int_equal(fake_count(&f->ft), 4);
	patch_clear(&p);
	sres_clear(&s);
	model_release(f->m, &r);
}

/* A guarded PATCH refused with 422: a re-read tells whether its tests are
 * what failed, and names what changed. */
static void test_patch_refused_by_its_tests(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};
	static const char refused[] = "{\"error\":\"INVALID_STORAGE_MUTATION_REQUEST\","
	                              "\"message\":\"Patch operation 0 (test): no match\"}";

	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 0, 422, refused));
	assert_int_equal(s.calls, 0);
	expect_req(f, 1, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 1, 200, DOC2));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_HTTP);
	assert_string_equal(s.err.code, "STORAGE_CHANGED");
	assert_non_null(strstr(s.err.message, "changed since it was shown; nothing was written"));
	assert_non_null(strstr(s.err.message, "(changed: /a)"));
	assert_int_equal(fake_count(&f->ft), 2);

	/* Its tests hold on the document: the server's own reason stands. */
	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 2, 422, refused));
	assert_true(fake_complete(&f->ft, 3, 200, DOC1_OTHER_LIST));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.http_status, 422);
	assert_string_equal(s.err.code, "INVALID_STORAGE_MUTATION_REQUEST");
	/* ... and when the re-read fails too. */
	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 4, 422, refused));
	fake_fail(&f->ft, 5, LB_NETWORK, "connection refused");
	assert_int_equal(s.calls, 3);
	assert_string_equal(s.err.code, "INVALID_STORAGE_MUTATION_REQUEST");
	assert_int_equal(fake_count(&f->ft), 6);
	/* A patch that does not apply to the document shown is not sent. */
	struct patch bad = one_op(PATCH_REMOVE, "/nope", NULL);
	model_storage_patch(f->m, "r1", &bad, DOC1, strlen(DOC1), on_sdone, &s);
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 6);
	patch_clear(&bad);
	patch_clear(&p);
	sres_clear(&s);
}

/* The read-modify-write path after the PATCH answered status/body. */
static void check_fallback(struct fx *f, long status, const char *body)
{
	struct resource *r = loaded_storage(f, DOC1);
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct lb_error err;
	char *expect = lson_patch_apply(DOC1, strlen(DOC1), &p, &err);
	struct sres s = {0};

	assert_non_null(expect);
	model_storage_patch(f->m, "r1", &p, model_body(r, NULL), body_len(r), on_sdone, &s);
	expect_req(f, 1, HTTP_PATCH, ROOM "/storage/json-patch");
	assert_true(fake_complete(&f->ft, 1, status, body));
	assert_int_equal(s.calls, 0);
	assert_int_equal(model_storage_has_json_patch(f->m), 0);
	/* Re-read right before the write. */
	expect_req(f, 2, HTTP_GET, ROOM "/storage");
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(fake_complete(&f->ft, 2, 200, DOC1));
	expect_req(f, 3, HTTP_DELETE, ROOM "/storage");
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(fake_complete(&f->ft, 3, 204, NULL));
	expect_req(f, 4, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 4)->body, expect);
	assert_non_null(strstr(fake_req(&f->ft, 4)->body, "42"));
	assert_string_equal(fake_header(fake_req(&f->ft, 4), "Content-Type"), "application/json");
	assert_int_equal(s.calls, 0);
	/* The document the DELETE removes is kept until the end. */
	assert_kept_file(f, DOC1);
	assert_true(fake_complete(&f->ft, 4, 200, expect));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	/* The held Storage reloads. */
	assert_int_equal(fake_count(&f->ft), 6);
	expect_req(f, 5, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 5, 200, expect));

	/* Known now: the next patch goes straight to the re-read. */
	model_storage_patch(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	expect_req(f, 6, HTTP_GET, ROOM "/storage");
	fake_fail(&f->ft, 6, LB_NETWORK, "connection refused");
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	assert_int_equal(fake_count(&f->ft), 7); /* nothing written */
	free(expect);
	patch_clear(&p);
	sres_clear(&s);
	model_release(f->m, &r);
}

static void test_patch_fallback_501(void **state)
{
	check_fallback(*state, 501, NOT_IMPLEMENTED);
}

static void test_patch_fallback_404_route(void **state)
{
	check_fallback(*state, 404, NO_ROUTE);
}

static void test_patch_room_not_found(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	model_storage_patch(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	assert_true(fake_complete(&f->ft, 0, 404, ROOM_NOT_FOUND));
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.err.code, "ROOM_NOT_FOUND");
	assert_int_equal(s.path, STORAGE_JSON_PATCH);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(model_storage_has_json_patch(f->m), -1);
	patch_clear(&p);
	sres_clear(&s);
}

/* Patch r1 through the fallback, up to the re-read answering reread. */
static void rmw_until_reread(struct fx *f, const struct patch *p, const char *seen,
                             const char *reread, struct sres *s)
{
	bool known = model_storage_has_json_patch(f->m) == 0;

	model_storage_patch(f->m, "r1", p, seen, seen ? strlen(seen) : 0, on_sdone, s);
	if (!known)
		assert_true(fake_complete(&f->ft, fake_count(&f->ft) - 1, 501, NOT_IMPLEMENTED));
	expect_req(f, fake_count(&f->ft) - 1, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, fake_count(&f->ft) - 1, 200, reread));
}

static void test_patch_refuses_when_changed(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};
	size_t n;

	rmw_until_reread(f, &p, DOC1, DOC2, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_HTTP);
	assert_string_equal(s.err.code, "STORAGE_CHANGED");
	assert_non_null(strstr(s.err.message, "changed since it was shown"));
	/* The same test as the JSON-patch request: what the patch depends on. */
	assert_non_null(strstr(s.err.message, "(changed: /a)"));
	n = fake_count(&f->ft);
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(fake_req(&f->ft, k)->method, HTTP_DELETE);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	/* Same content with the keys in another order is not a change. */
	rmw_until_reread(f, &p, DOC1_REORDERED, DOC1, &s);
	assert_int_equal(s.calls, 1);
	expect_req(f, fake_count(&f->ft) - 1, HTTP_DELETE, ROOM "/storage");
	fake_cancel_all(&f->ft);
	fake_cancel_all(&f->ft); /* and the re-read that follows */
	sres_clear(&s);
	/* Nor is a change to what the patch does not depend on: the list's
	 * new item is written back with the change. */
	rmw_until_reread(f, &p, DOC1, DOC1_OTHER_LIST, &s);
	assert_int_equal(s.calls, 0);
	expect_req(f, fake_count(&f->ft) - 1, HTTP_DELETE, ROOM "/storage");
	assert_true(fake_complete(&f->ft, fake_count(&f->ft) - 1, 204, NULL));
	expect_req(f, fake_count(&f->ft) - 1, HTTP_POST, ROOM "/storage");
	assert_non_null(strstr(fake_req(&f->ft, fake_count(&f->ft) - 1)->body, "\"a\":42"));
	assert_non_null(strstr(fake_req(&f->ft, fake_count(&f->ft) - 1)->body, "[\"z\"]"));
	fake_cancel_all(&f->ft);
	fake_cancel_all(&f->ft);
	patch_clear(&p);
	sres_clear(&s);
}

static void test_patch_bad_op_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REMOVE, "/nothing/here", NULL);
	struct sres s = {0};
	size_t n;

	rmw_until_reread(f, &p, NULL, DOC1, &s);
	n = fake_count(&f->ft);
	assert_int_equal(s.calls, 1);
	assert_int_not_equal(s.err.status, LB_OK);
	assert_int_equal(n, 2);
	patch_clear(&p);
	sres_clear(&s);
}

static void test_patch_delete_fails(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	expect_req(f, 2, HTTP_DELETE, ROOM "/storage");
	/* Refused (a 4xx): nothing was deleted. A 5xx is read back, as no
	 * answer is, below. */
	assert_true(fake_complete(&f->ft, 2, 403, "{\"error\":\"FORBIDDEN\",\"message\":\"no\"}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.http_status, 403);
	assert_non_null(strstr(s.err.message, "nothing was written"));
	assert_false(s.previous);
	assert_int_equal(fake_count(&f->ft), 3);

	assert_int_equal(kept_files(f, NULL, 0), 0);

	/* No answer at all: it may have been deleted; the re-read finds it
	 * was not yet, but a DELETE on its way (a slow proxy) may still land:
	 * the copy stays, named. */
	rmw_until_reread(f, &p, NULL, DOC1, &s);
	expect_req(f, 4, HTTP_DELETE, ROOM "/storage");
	fake_fail(&f->ft, 4, LB_NETWORK, "connection reset");
	assert_int_equal(kept_files(f, NULL, 0), 1);
	assert_int_equal(s.calls, 1);
	expect_req(f, 5, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 5, 200, DOC1));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_non_null(strstr(s.err.message, "still holds the previous document, but the "
	                                      "DELETE may yet reach it; nothing was written"));
	assert_non_null(strstr(s.err.message, "connection reset"));
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	assert_int_equal(unlink(s.saved), 0);
	/* It was: the previous document is put back. */
	rmw_until_reread(f, &p, NULL, DOC1, &s);
	fake_fail(&f->ft, 7, LB_NETWORK, "connection reset");
	assert_true(fake_complete(&f->ft, 8, 200, EMPTY));
	expect_req(f, 9, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 9)->body, DOC1);
	assert_true(fake_complete(&f->ft, 9, 200, DOC1));
	assert_int_equal(s.calls, 3);
	assert_non_null(strstr(s.err.message, "previous document was put back"));
	assert_false(s.previous);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_int_equal(fake_count(&f->ft), 10);
	patch_clear(&p);
	sres_clear(&s);
}

static void test_patch_restores_when_post_fails(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	/* The write fails, the previous document is put back. */
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	expect_req(f, 3, HTTP_POST, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 3, 422,
	                          "{\"error\":\"UNPROCESSABLE_ENTITY\","
	                          "\"message\":\"bad document\"}"));
	assert_int_equal(s.calls, 0);
	/* Read back first (an error answer may still have written it). */
	expect_req(f, 4, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 4, 200, EMPTY));
	expect_req(f, 5, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 5)->body, DOC1);
	assert_true(fake_complete(&f->ft, 5, 200, DOC1));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.http_status, 422);
	assert_non_null(strstr(s.err.message, "bad document"));
	assert_non_null(strstr(s.err.message, "previous document was put back"));
	assert_null(s.body);
	assert_false(s.previous);
	assert_int_equal(kept_files(f, NULL, 0), 0);

	/* Both fail: said clearly, and the previous document is handed back,
	 * kept in the file written before the DELETE. */
	rmw_until_reread(f, &p, NULL, DOC1, &s);
	assert_true(fake_complete(&f->ft, 7, 204, NULL));
	fake_fail(&f->ft, 8, LB_NETWORK, "connection reset");
	assert_true(fake_complete(&f->ft, 9, 200, EMPTY));
	fake_fail(&f->ft, 10, LB_NETWORK, "connection refused");
	expect_req(f, 11, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 11, 200, EMPTY));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_non_null(strstr(s.err.message, "failed too"));
	assert_non_null(strstr(s.err.message, "empty now"));
	assert_string_equal(s.body, DOC1);
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	assert_non_null(strstr(s.saved, f->dir));
	assert_int_equal(model_storage_lost(f->m), 1);
	/* One restore, never two. */
	assert_int_equal(fake_count(&f->ft), 12);
	patch_clear(&p);
	sres_clear(&s);
}

/* The answer to the POST is cut off after the server wrote it: the
 * re-read finds the new document, and nothing is put back. */
static void test_patch_post_answer_lost(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	expect_req(f, 3, HTTP_POST, ROOM "/storage");
	fake_fail(&f->ft, 3, LB_NETWORK, "transfer closed with 40 bytes remaining to read");
	expect_req(f, 4, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 4, 200, DOC1_A42));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_false(s.previous);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	/* Nothing more: no restore over the new document. */
	assert_int_equal(fake_count(&f->ft), 5);

	/* Read back, the Storage holds something else: kept, said. */
	sres_clear(&s);
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	assert_true(fake_complete(&f->ft, 6, 204, NULL));
	fake_fail(&f->ft, 7, LB_NETWORK, "connection reset");
	assert_true(fake_complete(&f->ft, 8, 200, DOC2));
	assert_int_equal(s.calls, 1);
	assert_non_null(strstr(s.err.message, "neither the previous document nor the new one"));
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	/* Or cannot be read back at all. */
	unlink(s.saved);
	sres_clear(&s);
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	assert_true(fake_complete(&f->ft, 10, 204, NULL));
	fake_fail(&f->ft, 11, LB_NETWORK, "connection reset");
	fake_fail(&f->ft, 12, LB_NETWORK, "connection refused");
	assert_int_equal(s.calls, 1);
	assert_non_null(strstr(s.err.message, "could not be read back"));
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	patch_clear(&p);
	sres_clear(&s);
}

/* Nothing is deleted unless the document is safe in a file first. */
static void test_patch_not_deleted_unless_kept(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};
	char blocker[128];

	snprintf(blocker, sizeof(blocker), "%s/file", f->dir);
	FILE *fp = fopen(blocker, "w");
	assert_non_null(fp);
	fclose(fp);
	setenv("XDG_STATE_HOME", blocker, 1);
	setenv("TMPDIR", blocker, 1);
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	unsetenv("TMPDIR");
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CONFIG);
	assert_non_null(strstr(s.err.message, "cannot keep a copy of the Storage of room \"r1\""));
	assert_non_null(strstr(s.err.message, "nothing was written"));
	assert_int_equal(fake_count(&f->ft), 2);
	patch_clear(&p);
	sres_clear(&s);
}

/* A signal: model_storage_interrupt undoes what it can. */
static void test_patch_interrupt(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	/* The DELETE is out: its answer is waited for (a read could find the
	 * old document before a slow DELETE lands, and nothing after); then
	 * the previous document goes back. */
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	expect_req(f, 2, HTTP_DELETE, ROOM "/storage");
	assert_kept_file(f, DOC1);
	assert_int_equal(model_storage_rewrites(f->m), 1);
	assert_int_equal(model_storage_interrupt(f->m), 1);
	assert_false(fake_req(&f->ft, 2)->cancelled);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	expect_req(f, 3, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 3)->body, DOC1);
	assert_int_equal(model_storage_rewrites(f->m), 1);
	assert_true(fake_complete(&f->ft, 3, 200, DOC1));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_non_null(
	    strstr(s.err.message, "interrupted: the Storage of room \"r1\" is as it was"));
	assert_false(s.previous);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_int_equal(model_storage_rewrites(f->m), 0);
	assert_int_equal(model_storage_lost(f->m), 0);
	/* Nothing new starts. */
	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 4);
	sres_clear(&s);
	patch_clear(&p);
}

static void test_patch_interrupt_steps(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};
	struct model *m2;

	/* During the re-read: nothing written, nothing to wait for. */
	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 0, 501, NOT_IMPLEMENTED));
	assert_int_equal(model_storage_interrupt(f->m), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_non_null(strstr(s.err.message, "interrupted before anything was written"));
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(kept_files(f, NULL, 0), 0);

	/* During the POST: the re-read finds the new document: done. */
	m2 = model_new(&f->api, &f->o);
	sres_clear(&s);
	model_free(&f->m);
	f->m = m2;
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	assert_true(fake_complete(&f->ft, 4, 204, NULL));
	expect_req(f, 5, HTTP_POST, ROOM "/storage");
	assert_int_equal(model_storage_interrupt(f->m), 1);
	assert_true(fake_complete(&f->ft, 6, 200, DOC1_A42));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(kept_files(f, NULL, 0), 0);

	/* A JSON-patch request is left to end: it is atomic. */
	m2 = model_new(&f->api, &f->o);
	sres_clear(&s);
	model_free(&f->m);
	f->m = m2;
	size_t k = fake_count(&f->ft);
	model_storage_patch(f->m, "r1", &p, DOC1, strlen(DOC1), on_sdone, &s);
	assert_int_equal(model_storage_interrupt(f->m), 0);
	assert_false(fake_req(&f->ft, k)->cancelled);
	/* ... but answered 501, it does not turn into a rewrite. */
	assert_true(fake_complete(&f->ft, k, 501, NOT_IMPLEMENTED));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), k + 1);

	/* Putting it back fails: the file stays and is named. */
	m2 = model_new(&f->api, &f->o);
	sres_clear(&s);
	model_free(&f->m);
	f->m = m2;
	rmw_until_reread(f, &p, DOC1, DOC1, &s);
	k = fake_count(&f->ft);
	assert_true(fake_complete(&f->ft, k - 1, 204, NULL));
	assert_int_equal(model_storage_interrupt(f->m), 1);
	assert_true(fake_complete(&f->ft, k + 1, 200, EMPTY));
	fake_fail(&f->ft, k + 2, LB_NETWORK, "connection refused");
	assert_true(fake_complete(&f->ft, k + 3, 200, EMPTY));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_non_null(strstr(s.err.message, "empty now"));
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	assert_int_equal(model_storage_lost(f->m), 1);
	assert_int_equal(model_storage_rewrites(f->m), 0);
	sres_clear(&s);
	patch_clear(&p);
}

static void test_patch_cancelled_by_free(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	rmw_until_reread(f, &p, NULL, DOC1, &s);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	assert_int_equal(model_busy_count(f->m), 1);
	model_free(&f->m);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_non_null(strstr(s.err.message, "was deleted"));
	assert_string_equal(s.body, DOC1);
	assert_true(s.previous);
	/* The copy made before the DELETE stays, named. */
	assert_kept_file(f, DOC1);
	assert_non_null(strstr(s.saved, f->dir));
	patch_clear(&p);
	sres_clear(&s);
}

/* Cancelled while the DELETE is out: the server may have deleted it, so
 * the document is handed back too. */
static void test_patch_cancelled_during_delete(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct sres s = {0};

	rmw_until_reread(f, &p, NULL, DOC1, &s);
	expect_req(f, fake_count(&f->ft) - 1, HTTP_DELETE, ROOM "/storage");
	model_free(&f->m);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_non_null(strstr(s.err.message, "being deleted"));
	assert_string_equal(s.body, DOC1);
	assert_true(s.previous);
	assert_kept_file(f, DOC1);
	patch_clear(&p);
	sres_clear(&s);
}

/* A whole new document, as safely as a rewrite. */
static void test_replace(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	/* Refused before anything is sent when it is not plain LSON. */
	model_storage_replace(f->m, "r1", "[1]", 3, NULL, 0, on_sdone, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 0);

	/* Re-read, refuse when it changed since it was seen. */
	model_storage_replace(f->m, "r1", DOC2, strlen(DOC2), DOC1, strlen(DOC1), on_sdone, &s);
	expect_req(f, 0, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 0, 200, DOC2));
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.err.code, "STORAGE_CHANGED");
	assert_int_equal(fake_count(&f->ft), 1);

	/* Delete, post; the POST fails and so does putting DOC1 back. */
	model_storage_replace(f->m, "r1", DOC2, strlen(DOC2), DOC1, strlen(DOC1), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 1, 200, DOC1));
	expect_req(f, 2, HTTP_DELETE, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	expect_req(f, 3, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 3)->body, DOC2);
	fake_fail(&f->ft, 3, LB_NETWORK, "connection reset");
	expect_req(f, 4, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 4, 200, EMPTY));
	expect_req(f, 5, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 5)->body, DOC1);
	fake_fail(&f->ft, 5, LB_NETWORK, "connection refused");
	assert_true(fake_complete(&f->ft, 6, 200, EMPTY));
	assert_int_equal(s.calls, 3);
	assert_non_null(strstr(s.err.message, "empty now"));
	assert_true(s.previous);
	assert_string_equal(s.body, DOC1);
	assert_kept_file(f, DOC1);
	unlink(s.saved);

	/* And when all goes well. */
	model_storage_replace(f->m, "r1", DOC2, strlen(DOC2), NULL, 0, on_sdone, &s);
	assert_true(fake_complete(&f->ft, 7, 200, DOC1));
	assert_true(fake_complete(&f->ft, 8, 204, NULL));
	assert_true(fake_complete(&f->ft, 9, 200, DOC2));
	assert_int_equal(s.calls, 4);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	assert_false(s.previous);
	sres_clear(&s);
}

/* Learn that the server has JSON patch (a probe answered 200). */
static void know_json_patch(struct fx *f)
{
	size_t k = fake_count(&f->ft);

	model_storage_probe(f->m, "r1", NULL, NULL);
	expect_req(f, k, HTTP_PATCH, ROOM "/storage/json-patch");
	assert_true(fake_complete(&f->ft, k, 200, "{}"));
	assert_int_equal(model_storage_has_json_patch(f->m), 1);
}

/* DOC1 with /o set to a plain JSON object. */
#define DOC1_PLAIN_O                                                                               \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":1,\"list\":"                           \
	"{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]},\"o\":{\"k\":[1]}}}"

static void test_rewrite_even_with_json_patch(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_ADD, "/o", "{\"k\":[1]}");
	struct sres s = {0};
	struct resource *r;

	know_json_patch(f);
	r = loaded_storage(f, DOC1);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_not_equal(
	    model_storage_rewrite(f->m, "r1", &p, model_body(r, NULL), body_len(r), on_sdone, &s),
	    0);
	/* No PATCH, though the server has it: re-read, DELETE, POST. */
	assert_int_equal(fake_count(&f->ft), 3);
	expect_req(f, 2, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 2, 200, DOC1));
	expect_req(f, 3, HTTP_DELETE, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 3, 204, NULL));
	expect_req(f, 4, HTTP_POST, ROOM "/storage");
	/* The value as it is: a plain JSON object, not a LiveObject. */
	assert_string_equal(fake_req(&f->ft, 4)->body, DOC1_PLAIN_O);
	assert_int_equal(s.calls, 0);
	assert_true(fake_complete(&f->ft, 4, 200, DOC1_PLAIN_O));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	assert_int_equal(model_storage_has_json_patch(f->m), 1);
	/* The held Storage reloads. */
	assert_int_equal(fake_count(&f->ft), 6);
	expect_req(f, 5, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 5, 200, DOC1_PLAIN_O));
	assert_int_equal(model_document(r)->nodes[lson_find(model_document(r), "/o")].type,
	                 LSON_OBJECT);

	/* Changed since it was shown where it depends: refused, nothing
	 * deleted. */
	struct patch over_a = one_op(PATCH_REPLACE, "/a", "{\"k\":[1]}");
	model_storage_rewrite(f->m, "r1", &over_a, DOC1, strlen(DOC1), on_sdone, &s);
	patch_clear(&over_a);
	expect_req(f, 6, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 6, 200, DOC2));
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.err.code, "STORAGE_CHANGED");
	assert_non_null(strstr(s.err.message, "(changed: /a)"));
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	for (size_t k = 6; k < fake_count(&f->ft); k++)
		assert_int_not_equal(fake_req(&f->ft, k)->method, HTTP_DELETE);
	fake_cancel_all(&f->ft);
	patch_clear(&p);
	sres_clear(&s);
	model_release(f->m, &r);
}

static void test_rewrite_restores_and_checks(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/list/0", "[1,{\"b\":2}]");
	struct patch bad =
	    one_op(PATCH_ADD, "/o", "{\"liveblocksType\":\"LiveList\",\"data\":{\"k\":1}}");
	struct patch same = one_op(PATCH_REPLACE, "/a", "1");
	struct sres s = {0};

	/* The POST fails: the previous document is put back. */
	model_storage_rewrite(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	expect_req(f, 0, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 0, 200, DOC1));
	assert_true(fake_complete(&f->ft, 1, 204, NULL));
	expect_req(f, 2, HTTP_POST, ROOM "/storage");
	assert_non_null(strstr(fake_req(&f->ft, 2)->body, "\"data\":[[1,{\"b\":2}]]"));
	assert_true(fake_complete(&f->ft, 2, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}"));
	assert_true(fake_complete(&f->ft, 3, 200, EMPTY));
	expect_req(f, 4, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 4)->body, DOC1);
	assert_true(fake_complete(&f->ft, 4, 200, DOC1));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.http_status, 500);
	assert_non_null(strstr(s.err.message, "previous document was put back"));

	/* A malformed wrapper is refused after the re-read, before any write. */
	model_storage_rewrite(f->m, "r1", &bad, NULL, 0, on_sdone, &s);
	assert_true(fake_complete(&f->ft, 5, 200, DOC1));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_non_null(strstr(s.err.message, "LiveList data must be an array"));
	/* Nothing to change: nothing written. */
	model_storage_rewrite(f->m, "r1", &same, NULL, 0, on_sdone, &s);
	assert_true(fake_complete(&f->ft, 6, 200, DOC1));
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(fake_count(&f->ft), 7);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	/* The model never learned anything about JSON patch. */
	assert_int_equal(model_storage_has_json_patch(f->m), -1);
	patch_clear(&p);
	patch_clear(&bad);
	patch_clear(&same);
	sres_clear(&s);
}

static void test_probe(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	model_storage_probe(f->m, "r1", on_sdone, &s);
	expect_req(f, 0, HTTP_PATCH, ROOM "/storage/json-patch");
	assert_string_equal(fake_req(&f->ft, 0)->body, "[]");
	/* Not an answer about the endpoint: still unknown. */
	assert_true(fake_complete(&f->ft, 0, 403, "{\"error\":\"Forbidden\"}"));
	assert_int_equal(s.err.http_status, 403);
	assert_int_equal(model_storage_has_json_patch(f->m), -1);
	model_storage_probe(f->m, "r1", on_sdone, &s);
	assert_true(fake_complete(&f->ft, 1, 501, NOT_IMPLEMENTED));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_READ_MODIFY_WRITE);
	assert_int_equal(model_storage_has_json_patch(f->m), 0);
	model_storage_probe(f->m, "r1", on_sdone, &s);
	assert_true(fake_complete(&f->ft, 2, 200, "{}"));
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.path, STORAGE_JSON_PATCH);
	assert_int_equal(model_storage_has_json_patch(f->m), 1);
	assert_int_equal(fake_count(&f->ft), 3);
	sres_clear(&s);
}

/* ------------------------------------------------------------ init, delete */

static void test_init_and_delete(void **state)
{
	struct fx *f = *state;
	struct resource *r = loaded_storage(f, DOC1);
	struct sres s = {0};
	static const char bad[] = "{\"liveblocksType\":\"LiveList\",\"data\":[]}";

	/* Validated first: a bad document sends nothing. */
	model_storage_init(f->m, "r1", bad, strlen(bad), on_sdone, &s);
	assert_int_equal(s.calls, 1);
	assert_int_not_equal(s.err.status, LB_OK);
	assert_int_equal(fake_count(&f->ft), 1);

	model_storage_init(f->m, "r1", DOC2, strlen(DOC2), on_sdone, &s);
	expect_req(f, 1, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 1)->body, DOC2);
	assert_string_equal(fake_header(fake_req(&f->ft, 1), "Content-Type"), "application/json");
	assert_true(fake_complete(&f->ft, 1, 200, DOC2));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_OK);
	expect_req(f, 2, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 2, 200, DOC2));
	assert_string_equal(model_body(r, NULL), DOC2);

	model_storage_delete(f->m, "r1", on_sdone, &s);
	expect_req(f, 3, HTTP_DELETE, ROOM "/storage");
	assert_null(fake_req(&f->ft, 3)->body);
	assert_true(fake_complete(&f->ft, 3, 204, NULL));
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.err.status, LB_OK);
	expect_req(f, 4, HTTP_GET, ROOM "/storage");
	/* Stale, still showing the old one while it reloads. */
	assert_int_equal(r->state, RES_STALE);
	assert_true(r->has_data);
	assert_true(r->busy);
	assert_true(fake_complete(&f->ft, 4, 200, EMPTY));

	/* An answer cut off: read back, it was done. */
	model_storage_init(f->m, "r1", DOC2, strlen(DOC2), on_sdone, &s);
	fake_fail(&f->ft, 5, LB_NETWORK, "transfer closed with 20 bytes remaining to read");
	expect_req(f, 6, HTTP_GET, ROOM "/storage");
	assert_true(fake_complete(&f->ft, 6, 200, DOC2));
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.err.status, LB_OK);
	assert_true(fake_complete(&f->ft, 7, 200, DOC2)); /* the revalidation */
	model_storage_delete(f->m, "r1", on_sdone, &s);
	fake_fail(&f->ft, 8, LB_NETWORK, "connection reset");
	assert_true(fake_complete(&f->ft, 9, 200, EMPTY));
	assert_int_equal(s.calls, 5);
	assert_int_equal(s.err.status, LB_OK);
	assert_true(fake_complete(&f->ft, 10, 200, EMPTY));
	/* ... or not done: the error, and what is there. */
	model_storage_init(f->m, "r1", DOC2, strlen(DOC2), on_sdone, &s);
	fake_fail(&f->ft, 11, LB_NETWORK, "connection reset");
	assert_true(fake_complete(&f->ft, 12, 200, EMPTY));
	assert_int_equal(s.calls, 6);
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_non_null(strstr(s.err.message, "connection reset (read back, the Storage of room "
	                                      "\"r1\" is still empty)"));
	assert_true(fake_complete(&f->ft, 13, 200, EMPTY));
	model_storage_delete(f->m, "r1", on_sdone, &s);
	assert_true(
	    fake_complete(&f->ft, 14, 502, "{\"error\":\"BAD_GATEWAY\",\"message\":\"bad\"}"));
	fake_fail(&f->ft, 15, LB_NETWORK, "connection refused");
	assert_int_equal(s.calls, 7);
	assert_int_equal(s.err.http_status, 502);
	assert_non_null(strstr(s.err.message, "could not be read back to see whether it was done"));
	/* A refusal is taken at its word: no read. */
	assert_true(fake_complete(&f->ft, 16, 200, EMPTY));
	model_storage_init(f->m, "r1", DOC2, strlen(DOC2), on_sdone, &s);
	assert_true(fake_complete(&f->ft, 17, 409,
	                          "{\"error\":\"CANNOT_UPDATE_EXISTING_STORAGE\","
	                          "\"message\":\"exists\"}"));
	assert_int_equal(s.calls, 8);
	assert_int_equal(s.err.http_status, 409);
	expect_req(f, 18, HTTP_GET, ROOM "/storage"); /* only the revalidation */
	assert_int_equal(fake_count(&f->ft), 19);
	sres_clear(&s);
	model_release(f->m, &r);
}

/* ------------------------------------------------------------ rooms */

static void test_upsert(void **state)
{
	struct fx *f = *state;
	struct room_update u = {0};
	struct room_create c = {0};
	struct strv blue = {0};
	struct mres d = {0};
	struct resource *room;

	assert_true(strv_push(&blue, "blue"));
	assert_true(room_patch_map_set(&u.metadata, "color", &blue, false, false));
	c.id = strdup("ignored");
	model_room_upsert(f->m, "r1", &u, &c, on_mdone, &d);
	/* The model copied what it needs. */
	room_update_clear(&u);
	room_create_clear(&c);
	strv_free(&blue);
	expect_req(f, 0, HTTP_POST, ROOM "/upsert");
	assert_string_equal(fake_req(&f->ft, 0)->body,
	                    "{\"update\":{\"metadata\":{\"color\":\"blue\"}},"
	                    "\"create\":{\"defaultAccesses\":[\"room:write\"]}}");
	assert_true(fake_complete(&f->ft, 0, 200,
	                          "{\"type\":\"room\",\"id\":\"r1\",\"metadata\":{\"color\":"
	                          "\"blue\"},\"defaultAccesses\":[\"room:write\"]}"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_OK);
	assert_string_equal(d.id, "r1");
	/* Stored: asking for the room sends nothing. */
	room = model_room(f->m, "r1");
	assert_true(room->has_data);
	assert_int_equal(fake_count(&f->ft), 1);
	model_release(f->m, &room);
	/* Without create. */
	model_room_upsert(f->m, "r1", &u, NULL, on_mdone, &d);
	assert_string_equal(fake_req(&f->ft, 1)->body, "{\"update\":{}}");
	assert_true(fake_complete(&f->ft, 1, 422,
	                          "{\"error\":\"UNPROCESSABLE_ENTITY\","
	                          "\"message\":\"update is empty\"}"));
	assert_int_equal(d.calls, 2);
	assert_int_equal(d.err.http_status, 422);
	assert_string_equal(d.id, "");
}

static void test_rename(void **state)
{
	struct fx *f = *state;
	struct resource *list = model_rooms(f->m, NULL);
	struct resource *old = model_room(f->m, "old");
	struct resource *renamed;
	struct mres d = {0};

	assert_true(fake_complete(
	    &f->ft, 0, 200, "{\"data\":[{\"id\":\"a\"},{\"id\":\"old\"}],\"nextCursor\":null}"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"old\"}"));
	model_room_rename(f->m, "old", "new room", on_mdone, &d);
	expect_req(f, 2, HTTP_POST, BASE "/v2/rooms/old/update-room-id");
	assert_string_equal(fake_req(&f->ft, 2)->body, "{\"newRoomId\":\"new room\"}");
	assert_true(fake_complete(&f->ft, 2, 200, "{\"type\":\"room\",\"id\":\"new room\"}"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_OK);
	assert_string_equal(d.id, "new room");
	/* The old resource is gone and says where the room went. */
	assert_true(old->gone);
	assert_false(old->has_data);
	assert_int_equal(old->state, RES_ERROR);
	assert_string_equal(old->renamed_to, "new room");
	assert_string_equal(old->err.code, "ROOM_RENAMED");
	/* The list shows the new ID in the same place and revalidates. */
	assert_int_equal(model_count(list), 2);
	assert_string_equal(model_room_at(list, 1)->id, "new room");
	assert_true(list->busy);
	expect_req(f, 3, HTTP_GET, BASE "/v2/rooms");
	/* The new room is known without a request. */
	renamed = model_room(f->m, "new room");
	assert_true(renamed->has_data);
	assert_false(renamed->busy);
	assert_int_equal(fake_count(&f->ft), 4);

	/* Checked before sending. */
	model_room_rename(f->m, "new room", "new room", on_mdone, &d);
	assert_int_equal(d.err.status, LB_USAGE);
	model_room_rename(f->m, "new room", "", on_mdone, &d);
	assert_int_equal(d.err.status, LB_USAGE);
	model_room_rename(f->m, "new room", "a\nb", on_mdone, &d);
	assert_int_equal(d.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 4);

	/* A missing room is gone. */
	model_room_rename(f->m, "new room", "x", on_mdone, &d);
	assert_true(fake_complete(&f->ft, 4, 404, ROOM_NOT_FOUND));
	assert_int_equal(d.err.http_status, 404);
	assert_true(renamed->gone);
	assert_null(renamed->renamed_to);
	model_release(f->m, &renamed);
	model_release(f->m, &old);
	model_release(f->m, &list);
}

/* A rename or an upsert whose outcome is unknown: what is held of the room
 * and the lists is read again, to show what the server did. */
static void test_room_change_unsure_rereads(void **state)
{
	struct fx *f = *state;
	struct resource *list = model_rooms(f->m, NULL);
	struct resource *room = model_room(f->m, "old");
	struct room_update u = {0};
	struct mres d = {0};

	assert_true(fake_complete(
	    &f->ft, 0, 200, "{\"data\":[{\"id\":\"a\"},{\"id\":\"old\"}],\"nextCursor\":null}"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"old\"}"));
	model_room_rename(f->m, "old", "new", on_mdone, &d);
	expect_req(f, 2, HTTP_POST, BASE "/v2/rooms/old/update-room-id");
	assert_true(fake_fail(&f->ft, 2, LB_UNSURE, "no answer"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_UNSURE);
	assert_false(room->gone);
	assert_true(list->busy);
	assert_true(room->busy);
	assert_int_equal(fake_count(&f->ft), 5);
	assert_true(fake_complete(
	    &f->ft, 3, 200, "{\"data\":[{\"id\":\"a\"},{\"id\":\"old\"}],\"nextCursor\":null}"));
	assert_true(fake_complete(&f->ft, 4, 200, "{\"id\":\"old\"}"));

	u.default_accesses_set = true;
	model_room_upsert(f->m, "old", &u, NULL, on_mdone, &d);
	assert_true(fake_fail(&f->ft, 5, LB_UNSURE, "no answer"));
	assert_int_equal(d.calls, 2);
	assert_true(list->busy);
	assert_true(room->busy);
	model_release(f->m, &room);
	model_release(f->m, &list);
}

static void test_room_delete_reloads_storage(void **state)
{
	struct fx *f = *state;
	struct resource *r = loaded_storage(f, DOC1);
	struct resource *other = model_storage(f->m, "r2", false);
	struct mres d = {0};

	assert_true(fake_complete(&f->ft, 1, 200, DOC1));
	model_room_delete(f->m, "r1", on_mdone, &d);
	expect_req(f, 2, HTTP_DELETE, ROOM);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	assert_int_equal(d.err.status, LB_OK);
	/* Only the deleted room's Storage reloads, and finds it gone. */
	assert_int_equal(fake_count(&f->ft), 4);
	expect_req(f, 3, HTTP_GET, ROOM "/storage");
	assert_false(other->busy);
	assert_true(fake_complete(&f->ft, 3, 404, ROOM_NOT_FOUND));
	assert_int_equal(r->state, RES_STALE);
	assert_string_equal(r->err.code, "ROOM_NOT_FOUND");
	model_release(f->m, &other);
	model_release(f->m, &r);
}

static void test_prewarm_and_broadcast(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};
	struct lb_error err;

	model_room_prewarm(f->m, "r1", on_sdone, &s);
	expect_req(f, 0, HTTP_GET, ROOM "/prewarm");
	assert_true(fake_complete(&f->ft, 0, 204, NULL));
	assert_int_equal(s.err.status, LB_OK);
	model_room_broadcast(f->m, "r1", "{\"type\":\"EMOJI\",\"emoji\":\"\xf0\x9f\x94\xa5\"}",
	                     on_sdone, &s);
	expect_req(f, 1, HTTP_POST, ROOM "/broadcast-event");
	assert_string_equal(fake_req(&f->ft, 1)->body,
	                    "{\"type\":\"EMOJI\",\"emoji\":\"\xf0\x9f\x94\xa5\"}");
	assert_string_equal(fake_header(fake_req(&f->ft, 1), "Content-Type"), "application/json");
	assert_true(fake_complete(&f->ft, 1, 204, NULL));
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_OK);
	/* Not JSON: refused before sending, in api_json_check's words. */
	model_room_broadcast(f->m, "r1", "{type: 1}", on_sdone, &s);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_false(api_json_check("{type: 1}", "the event", &err));
	assert_string_equal(s.err.message, err.message);
	assert_int_equal(fake_count(&f->ft), 2);
	/* No room: refused before sending. */
	model_room_prewarm(f->m, "", on_sdone, &s);
	assert_int_equal(s.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 2);
	sres_clear(&s);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct patch p = one_op(PATCH_REPLACE, "/a", "42");
	struct room_update u = {0};
	struct sres s = {0};
	struct mres d = {0};

	model_storage_patch(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_storage_rewrite(f->m, "r1", &p, NULL, 0, on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_storage_probe(f->m, "r1", on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_storage_init(f->m, "r1", DOC1, strlen(DOC1), on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_storage_delete(f->m, "r1", on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_ydoc_update(f->m, "r1", NULL, "x", 1, on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	model_room_broadcast(f->m, "r1", "{}", on_sdone, &s);
	assert_int_equal(s.err.status, LB_READONLY);
	assert_int_equal(s.calls, 7);
	model_room_upsert(f->m, "r1", &u, NULL, on_mdone, &d);
	assert_int_equal(d.err.status, LB_READONLY);
	model_room_rename(f->m, "r1", "r2", on_mdone, &d);
	assert_int_equal(d.err.status, LB_READONLY);
	assert_non_null(strstr(d.err.message, "nothing was sent"));
	assert_int_equal(d.calls, 2);
	assert_int_equal(fake_count(&f->ft), 0);
	/* Reads are allowed. */
	model_room_prewarm(f->m, "r1", on_sdone, &s);
	model_ydoc_binary(f->m, "r1", NULL, on_sdone, &s);
	assert_int_equal(fake_count(&f->ft), 2);
	fake_cancel_all(&f->ft);
	patch_clear(&p);
	sres_clear(&s);
}

/* ------------------------------------------------------------ decoders */

static void test_decoders(void **state)
{
	struct lb_error err;
	struct active_user *u;
	size_t n;
	char *q;

	(void)state;
	assert_false(api_decode_active_users("{\"data\":[1]}", 12, &u, &n, &err));
	assert_int_equal(err.status, LB_DECODE);
	q = api_ydoc_query(false, NULL, NULL);
	assert_string_equal(q, "");
	free(q);
	q = api_ydoc_query(true, NULL, NULL);
	assert_string_equal(q, "formatting=true");
	free(q);
	lb_error_clear(&err);
	err.status = LB_HTTP;
	err.http_status = 501;
	assert_true(api_is_no_endpoint(&err));
	err.http_status = 404;
	assert_true(api_is_no_endpoint(&err));
	snprintf(err.code, sizeof(err.code), "ROOM_NOT_FOUND");
	assert_false(api_is_no_endpoint(&err));
	err.http_status = 500;
	err.code[0] = '\0';
	assert_false(api_is_no_endpoint(&err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_storage_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage_simplified_and_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage_dedup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage_revalidate_keeps_old_doc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage_evicted_when_released, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ydoc_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ydoc_binary_and_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_active_users, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_active_users_one_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_json_patch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_refused_by_its_tests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_fallback_501, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_fallback_404_route, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_room_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_refuses_when_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_bad_op_writes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_delete_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_restores_when_post_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_post_answer_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_not_deleted_unless_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_interrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_interrupt_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_cancelled_by_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch_cancelled_during_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewrite_even_with_json_patch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rewrite_restores_and_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_and_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upsert, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_room_change_unsure_rereads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_room_delete_reloads_storage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prewarm_and_broadcast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	    cmocka_unit_test(test_decoders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
