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

#include "api.h"
#include "decode.h"
#include "api_send.h"
#include "term_safe.h"
#include "fake_transport.h"

#define BASE   "http://lb.test"
#define SECRET "sk_localdev"

struct fx {
	struct fake_transport ft;
	struct api api;
};

/* What to decode an answer into, as the caller of api_send would. */
enum want { WANT_NONE, WANT_ROOM, WANT_PAGE };

/* What a callback saw: the answer's error and status, then what the
 * decoder made of a 2xx body (its error replaces LB_OK when it fails). */
struct seen {
	int calls;
	enum want want;
	struct lb_error err;
	long status;
	struct room room;
	struct room_page page;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE "/", SECRET, &err));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	api_clear(&f->api);
	fake_transport_free(&f->ft);
	free(f);
	return 0;
}

static void seen_clear(struct seen *s)
{
	room_clear(&s->room);
	room_page_clear(&s->page);
}

static void on_answer(struct api_storage_result *res, void *ud)
{
	struct seen *s = ud;

	s->calls++;
	s->err = res->err;
	s->status = res->status;
	if (res->err.status != LB_OK)
		return;
	if (s->want == WANT_ROOM)
		api_decode_room(res->body, res->body_len, &s->room, &s->err);
	else if (s->want == WANT_PAGE)
		api_decode_room_page(res->body, res->body_len, &s->page, &s->err);
}

/* Send ep for the room (NULL for a row without one) with the query and
 * a JSON body (NULL for none); the answer goes to s, decoded as want. */
static http_id send_to(struct api *a, enum endpoint_id ep, const char *room, const char *query,
                       const char *body, enum want want, struct seen *s)
{
	const struct api_send_args args = {.params = {room},
	                                   .query = query,
	                                   .body = body,
	                                   .body_len = body ? strlen(body) : 0,
	                                   .ct = body ? API_CT_JSON : API_CT_NONE};

	s->want = want;
	return api_send(a, ep, &args, on_answer, s);
}

static http_id get_room(struct fx *f, const char *id, struct seen *s)
{
	return send_to(&f->api, EP_ROOM_GET, id, NULL, NULL, WANT_ROOM, s);
}

static http_id list_rooms(struct fx *f, struct seen *s)
{
	return send_to(&f->api, EP_ROOMS_LIST, NULL, NULL, NULL, WANT_PAGE, s);
}

static http_id delete_room(struct fx *f, const char *id, struct seen *s)
{
	return send_to(&f->api, EP_ROOM_DELETE, id, NULL, NULL, WANT_NONE, s);
}

static void assert_no_secret(const struct lb_error *e)
{
	char buf[1024];

	lb_error_format(e, buf, sizeof(buf));
	assert_null(strstr(buf, SECRET));
	assert_null(strstr(e->message, SECRET));
	assert_null(strstr(e->code, SECRET));
	assert_null(strstr(e->suggestion, SECRET));
}

/* ---------------------------------------------------------------- URLs */

static void test_list_url_plain(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	const struct fake_request *r;

	assert_int_not_equal(list_rooms(f, &s), 0);
	assert_int_equal(fake_count(&f->ft), 1);
	r = fake_req(&f->ft, 0);
	assert_int_equal(r->method, HTTP_GET);
	assert_string_equal(r->url, BASE "/v2/rooms");
	assert_true(r->idempotent);
	assert_null(r->body);
	assert_int_equal(s.calls, 0);
	assert_true(fake_cancel_all(&f->ft) > 0);
}

static void test_room_url_encoding(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};

	get_room(f, "my room", &s);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/my%20room");
	get_room(f, "a/b?c#d", &s);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/a%2Fb%3Fc%23d");
	get_room(f, "caf\xc3\xa9-\xe6\x97\xa5", &s);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/caf%C3%A9-%E6%97%A5");
	delete_room(f, "100%", &s);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/100%25");
	assert_int_equal(fake_last(&f->ft)->method, HTTP_DELETE);
	assert_false(fake_last(&f->ft)->idempotent);
	assert_true(fake_cancel_all(&f->ft) > 0);
}

static void test_headers(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct room_create c = {0};
	const struct fake_request *get, *post;
	char *body;

	get_room(f, "r", &s);
	c.id = strdup("r");
	body = api_room_create_body(&c);
	send_to(&f->api, EP_ROOM_CREATE, NULL, NULL, body, WANT_ROOM, &s);
	free(body);
	get = fake_req(&f->ft, 0);
	post = fake_req(&f->ft, 1);
	assert_string_equal(fake_header(get, "Authorization"), "Bearer " SECRET);
	assert_string_equal(fake_header(get, "Accept"), "application/json");
	assert_string_equal(fake_header(get, "User-Agent"), "lbtui/" PACKAGE_VERSION);
	assert_null(fake_header(get, "Content-Type"));
	assert_string_equal(fake_header(post, "Authorization"), "Bearer " SECRET);
	assert_string_equal(fake_header(post, "Content-Type"), "application/json");
	assert_string_equal(post->url, BASE "/v2/rooms");
	assert_int_equal(post->method, HTTP_POST);
	assert_false(post->idempotent);
	room_create_clear(&c);
	assert_true(fake_cancel_all(&f->ft) > 0);
}

static void test_init_errors(void **state)
{
	struct fx *f = *state;
	struct api a;
	struct lb_error err;

	assert_false(api_init(&a, fake_transport_get(&f->ft), BASE, "sk_x\r\nX-Evil: 1", &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_null(strstr(err.message, "sk_x"));
	assert_false(api_init(&a, fake_transport_get(&f->ft), "", SECRET, &err));
	assert_int_equal(err.status, LB_CONFIG);
	/* Trailing slashes are dropped. */
	assert_string_equal(f->api.base_url, BASE);
}

/* ---------------------------------------------------------------- bodies */

static cJSON *parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	assert_non_null(j);
	return j;
}

static void kv_add(struct kvv *m, const char *key, bool is_list, int n, ...)
{
	va_list ap;
	struct kv *v = realloc(m->v, (m->n + 1) * sizeof(*v));

	assert_non_null(v);
	m->v = v;
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].key = strdup(key);
	m->v[m->n].is_list = is_list;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_true(strv_push(&m->v[m->n].list, va_arg(ap, const char *)));
	va_end(ap);
	m->n++;
}

static void test_create_body_default_public(void **state)
{
	struct room_create c = {0};
	char *body;

	(void)state;
	c.id = strdup("new room");
	body = api_room_create_body(&c);
	assert_string_equal(body, "{\"id\":\"new room\",\"defaultAccesses\":[\"room:write\"]}");
	free(body);
	room_create_clear(&c);
}

static void test_create_body_full(void **state)
{
	struct room_create c = {0};
	cJSON *j, *md;
	char *body;

	(void)state;
	c.id = strdup("r1");
	c.default_accesses_set = true; /* private: [] */
	kv_add(&c.users_accesses, "alice", true, 1, "room:write");
	kv_add(&c.groups_accesses, "eng", true, 2, "room:read", "room:presence:write");
	kv_add(&c.metadata, "color", false, 1, "blue");
	kv_add(&c.metadata, "tags", true, 2, "a", "b \"q\"");
	c.organization_id = strdup("org");
	body = api_room_create_body(&c);
	j = parse(body);
	assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "r1");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "defaultAccesses")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "defaultAccesses")), 0);
	assert_string_equal(
	    cJSON_GetArrayItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "usersAccesses"), "alice"), 0)
	        ->valuestring,
	    "room:write");
	assert_int_equal(cJSON_GetArraySize(
	                     cJSON_GetObjectItem(cJSON_GetObjectItem(j, "groupsAccesses"), "eng")),
	                 2);
	md = cJSON_GetObjectItem(j, "metadata");
	assert_true(cJSON_IsString(cJSON_GetObjectItem(md, "color")));
	assert_string_equal(cJSON_GetObjectItem(md, "color")->valuestring, "blue");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(md, "tags")));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(md, "tags"), 1)->valuestring,
	                    "b \"q\"");
	assert_string_equal(cJSON_GetObjectItem(j, "organizationId")->valuestring, "org");
	cJSON_Delete(j);
	free(body);
	room_create_clear(&c);
}

static void test_create_idempotent(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct room_create c = {0};
	char *body;

	c.id = strdup("x");
	body = api_room_create_body(&c);
	send_to(&f->api, EP_ROOM_CREATE, NULL, "idempotent", body, WANT_ROOM, &s);
	free(body);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms?idempotent");
	assert_int_equal(fake_last(&f->ft)->method, HTTP_POST);
	assert_non_null(strstr(fake_last(&f->ft)->body, "\"id\":\"x\""));
	room_create_clear(&c);
	assert_true(fake_cancel_all(&f->ft) > 0);
}

static void test_update_body(void **state)
{
	struct room_update u = {0};
	struct strv v = {0};
	cJSON *j, *md, *ua;
	char *body;

	(void)state;
	body = api_room_update_body(&u);
	assert_string_equal(body, "{}");
	free(body);

	assert_true(strv_push(&v, "room:write"));
	assert_true(room_patch_map_set(&u.users_accesses, "alice", &v, true, false));
	assert_true(room_patch_map_set(&u.users_accesses, "bob", NULL, true, true));
	assert_true(room_patch_map_set(&u.metadata, "color", &v, false, false));
	assert_true(room_patch_map_set(&u.metadata, "old", NULL, false, true));
	/* Setting a key again replaces it. */
	strv_free(&v);
	assert_true(strv_push(&v, "red"));
	assert_true(room_patch_map_set(&u.metadata, "color", &v, false, false));
	strv_free(&v);
	assert_true(strv_push(&v, "a"));
	assert_true(strv_push(&v, "b"));
	assert_true(room_patch_map_set(&u.metadata, "list", &v, true, false));
	strv_free(&v);
	assert_int_equal(u.metadata.n, 3);

	body = api_room_update_body(&u);
	j = parse(body);
	assert_null(cJSON_GetObjectItem(j, "defaultAccesses"));
	assert_null(cJSON_GetObjectItem(j, "groupsAccesses"));
	ua = cJSON_GetObjectItem(j, "usersAccesses");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(ua, "alice")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(ua, "bob")));
	md = cJSON_GetObjectItem(j, "metadata");
	assert_string_equal(cJSON_GetObjectItem(md, "color")->valuestring, "red");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(md, "old")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(md, "list")), 2);
	cJSON_Delete(j);
	free(body);

	u.default_accesses_set = true; /* [] = private */
	body = api_room_update_body(&u);
	j = parse(body);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "defaultAccesses")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "defaultAccesses")), 0);
	cJSON_Delete(j);
	free(body);
	room_update_clear(&u);
}

static void test_update_request(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct room_update u = {0};
	char *body;

	assert_true(room_patch_map_set(&u.metadata, "k", NULL, false, true));
	body = api_room_update_body(&u);
	send_to(&f->api, EP_ROOM_UPDATE, "a b", NULL, body, WANT_ROOM, &s);
	free(body);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/a%20b");
	assert_int_equal(fake_last(&f->ft)->method, HTTP_POST);
	assert_false(fake_last(&f->ft)->idempotent);
	assert_string_equal(fake_last(&f->ft)->body, "{\"metadata\":{\"k\":null}}");
	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"a b\",\"metadata\":{}}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_string_equal(s.room.id, "a b");
	seen_clear(&s);
	room_update_clear(&u);
}

/* ---------------------------------------------------------------- decoders */

static const char good_room[] =
    "{\"type\":\"room\",\"id\":\"react-todo\",\"organizationId\":\"org\","
    "\"createdAt\":\"2022-07-13T14:32:50.697Z\",\"lastConnectionAt\":\"2022-08-04T21:07:09.380Z\","
    "\"metadata\":{\"color\":\"blue\",\"target\":[\"abc\",\"def\"]},"
    "\"defaultAccesses\":[\"room:write\"],"
    "\"groupsAccesses\":{\"marketing\":[\"room:write\"]},"
    "\"usersAccesses\":{\"alice\":[\"room:read\",\"room:presence:write\"],\"vinod\":[]}}";

static void test_decode_room_good(void **state)
{
	struct room r;
	struct lb_error err;
	char buf[256];

	(void)state;
	assert_true(api_decode_room(good_room, strlen(good_room), &r, &err));
	assert_int_equal(err.status, LB_OK);
	assert_string_equal(r.id, "react-todo");
	assert_string_equal(r.organization_id, "org");
	assert_string_equal(r.created_at, "2022-07-13T14:32:50.697Z");
	assert_int_equal(r.created_s, 1657722770LL);
	assert_int_equal(r.last_connection_s, 1659647229LL);
	assert_int_equal(r.default_accesses.n, 1);
	assert_string_equal(r.default_accesses.v[0], "room:write");
	assert_int_equal(r.users_accesses.n, 2);
	assert_string_equal(r.users_accesses.v[0].key, "alice");
	assert_int_equal(r.users_accesses.v[0].list.n, 2);
	assert_int_equal(r.users_accesses.v[1].list.n, 0);
	assert_int_equal(r.groups_accesses.n, 1);
	assert_int_equal(r.metadata.n, 2);
	assert_false(r.metadata.v[0].is_list);
	assert_int_equal(r.metadata.v[0].list.n, 1);
	assert_string_equal(r.metadata.v[0].list.v[0], "blue");
	assert_true(r.metadata.v[1].is_list);
	assert_int_equal(r.metadata.v[1].list.n, 2);
	assert_string_equal(r.metadata.v[1].list.v[1], "def");
	assert_non_null(r.raw_json);
	assert_non_null(strstr(r.raw_json, "\"id\":\"react-todo\""));
	assert_null(strchr(r.raw_json, '\n'));
	room_access_summary(&r, buf, sizeof(buf));
	assert_string_equal(buf, "public");
	room_metadata_summary(&r, buf, sizeof(buf));
	assert_string_equal(buf, "color=blue, target=[abc,def]");
	assert_true(room_bytes(&r) > sizeof(r) + strlen(r.raw_json));
	room_clear(&r);
	assert_null(r.id);
}

static void test_decode_room_minimal_and_wrong_types(void **state)
{
	struct room r;
	struct lb_error err;
	const char *min = "{\"id\":\"x\"}";
	const char *wrong =
	    "{\"id\":\"y\",\"organizationId\":5,\"createdAt\":true,"
	    "\"lastConnectionAt\":\"not a date\",\"defaultAccesses\":\"room:write\","
	    "\"usersAccesses\":[\"a\"],\"groupsAccesses\":{\"g\":\"room:read\","
	    "\"h\":null,\"i\":{}},\"metadata\":{\"n\":3,\"b\":false,\"o\":{},"
	    "\"l\":[\"s\",1,null,{}]}}";
	char buf[128];

	(void)state;
	/* Numbers too big for an integer (the sanitizer build aborts on the
	 * undefined conversion if they reach it). */
	const char *huge = "{\"id\":\"z\",\"metadata\":{\"k\":1e19,\"inf\":1e999},"
			   "\"defaultAccesses\":[-1e300]}";
	assert_true(api_decode_room(huge, strlen(huge), &r, &err));
	room_clear(&r);
	assert_true(api_decode_room(min, strlen(min), &r, &err));
	assert_string_equal(r.id, "x");
	assert_null(r.organization_id);
	assert_null(r.created_at);
	assert_int_equal(r.created_s, -1);
	assert_int_equal(r.last_connection_s, -1);
	assert_int_equal(r.default_accesses.n, 0);
	assert_int_equal(r.metadata.n, 0);
	room_access_summary(&r, buf, sizeof(buf));
	assert_string_equal(buf, "private");
	room_clear(&r);

	assert_true(api_decode_room(wrong, strlen(wrong), &r, &err));
	assert_string_equal(r.id, "y");
	assert_null(r.organization_id);
	assert_null(r.created_at);
	assert_int_equal(r.last_connection_s, -1);
	assert_int_equal(r.default_accesses.n, 0);
	assert_int_equal(r.users_accesses.n, 0);
	/* A lone string is taken as a one-element list; null and {} are skipped. */
	assert_int_equal(r.groups_accesses.n, 1);
	assert_true(r.groups_accesses.v[0].is_list);
	assert_string_equal(r.groups_accesses.v[0].list.v[0], "room:read");
	/* Scalars become text, objects are skipped. */
	assert_int_equal(r.metadata.n, 3);
	assert_string_equal(r.metadata.v[0].list.v[0], "3");
	assert_string_equal(r.metadata.v[1].list.v[0], "false");
	assert_true(r.metadata.v[2].is_list);
	assert_int_equal(r.metadata.v[2].list.n, 2);
	room_clear(&r);
}

static void test_decode_room_bad(void **state)
{
	struct room r;
	struct lb_error err;
	static const char *const bad[] = {
	    "{\"name\":\"no id\"}", "{\"id\":42}", "{\"id\":null}",
	    "[{\"id\":\"x\"}]",     "\"x\"",       "null",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_false(api_decode_room(bad[i], strlen(bad[i]), &r, &err));
		assert_int_equal(err.status, LB_DECODE);
		assert_null(r.id);
		room_clear(&r);
	}
	assert_false(api_decode_room("{\"id\":\"x\"", 9, &r, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "malformed JSON"));
	assert_false(api_decode_room("{\"id\":\"x\"} trailing", 19, &r, &err));
	assert_non_null(strstr(err.message, "malformed JSON"));
	assert_false(api_decode_room("", 0, &r, &err));
	assert_non_null(strstr(err.message, "empty"));
	/* The length is honoured: the same text cut short is malformed. */
	assert_false(api_decode_room("{\"id\":\"x\"}", 5, &r, &err));
	assert_true(api_decode_room("{\"id\":\"x\"}  \n", 13, &r, &err));
	room_clear(&r);
}

static void test_decode_page(void **state)
{
	struct room_page p;
	struct lb_error err;
	const char *two = "{\"nextCursor\":\"abc\",\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}";
	const char *dev = "{\"data\":[{\"id\":\"a\"}],\"nextCursor\":null,\"nextPage\":null}";
	const char *missing = "{\"data\":[]}";
	const char *no_data = "{\"rooms\":[]}";
	const char *bad_item = "{\"data\":[{\"id\":\"a\"},{\"x\":1}],\"nextCursor\":\"c\"}";

	(void)state;
	assert_true(api_decode_room_page(two, strlen(two), &p, &err));
	assert_int_equal(p.n, 2);
	assert_string_equal(p.rooms[1].id, "b");
	assert_string_equal(p.next_cursor, "abc");
	room_page_clear(&p);

	assert_true(api_decode_room_page(dev, strlen(dev), &p, &err));
	assert_int_equal(p.n, 1);
	assert_null(p.next_cursor);
	room_page_clear(&p);

	assert_true(api_decode_room_page(missing, strlen(missing), &p, &err));
	assert_int_equal(p.n, 0);
	assert_null(p.next_cursor);
	room_page_clear(&p);

	assert_false(api_decode_room_page(no_data, strlen(no_data), &p, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(api_decode_room_page(bad_item, strlen(bad_item), &p, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "item 2"));
	assert_int_equal(p.n, 0);
	assert_null(p.rooms);
	assert_false(api_decode_room_page("{\"data\":[", 9, &p, &err));
	assert_non_null(strstr(err.message, "malformed JSON"));
}

/* ---------------------------------------------------------------- errors */

static void test_error_api_shape(void **state)
{
	struct lb_error e;
	const char *body = "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"x\\\" not "
	                   "found.\",\"suggestion\":\"Check the room ID\",\"docs\":\"https://x\"}";
	char buf[512];

	(void)state;
	api_decode_error(404, body, strlen(body), &e);
	assert_int_equal(e.status, LB_HTTP);
	assert_int_equal(e.http_status, 404);
	assert_string_equal(e.code, "ROOM_NOT_FOUND");
	assert_string_equal(e.message, "Room with id \"x\" not found.");
	assert_string_equal(e.suggestion, "Check the room ID");
	lb_error_format(&e, buf, sizeof(buf));
	assert_string_equal(
	    buf, "404 ROOM_NOT_FOUND: Room with id \"x\" not found. (Check the room ID)");
}

static void test_error_dev_server_shapes(void **state)
{
	struct lb_error e;
	const char *reason =
	    "{\"error\":\"Unprocessable Entity\",\"reason\":\"Missing key: 'id'\"}";
	const char *invalid =
	    "{\"error\":\"INVALID_QUERY\",\"message\":\"Invalid field: 'foo' (at 1:1)\"}";
	const char *forbidden = "{\"error\":\"Forbidden\"}";

	(void)state;
	api_decode_error(422, reason, strlen(reason), &e);
	assert_string_equal(e.code, "Unprocessable Entity");
	assert_string_equal(e.message, "Missing key: 'id'");
	assert_string_equal(e.suggestion, "");

	api_decode_error(422, invalid, strlen(invalid), &e);
	assert_string_equal(e.code, "INVALID_QUERY");
	assert_string_equal(e.message, "Invalid field: 'foo' (at 1:1)");

	api_decode_error(403, forbidden, strlen(forbidden), &e);
	assert_string_equal(e.code, "Forbidden");
	assert_non_null(strstr(e.message, "the secret key was refused"));
	assert_non_null(strstr(e.message, "LIVEBLOCKS_SECRET_KEY"));
}

static void test_error_not_json_and_empty(void **state)
{
	struct lb_error e;
	char body[1200];
	char buf[600];

	(void)state;
	snprintf(body, sizeof(body), "  <html>\r\n<body>\n\tBad   gateway</body></html>\n");
	api_decode_error(502, body, strlen(body), &e);
	assert_int_equal(e.http_status, 502);
	assert_string_equal(e.code, "");
	assert_string_equal(e.message, "<html> <body> Bad gateway</body></html>");

	/* Long text: one line, at most ~200 bytes. */
	memset(body, 'x', 1000);
	body[500] = '\n';
	body[1000] = '\0';
	api_decode_error(500, body, strlen(body), &e);
	assert_true(strlen(e.message) <= 200);
	assert_true(strlen(e.message) >= 150);
	assert_null(strchr(e.message, '\n'));

	api_decode_error(401, "", 0, &e);
	assert_string_equal(e.message, "the secret key is missing");
	lb_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "401: the secret key is missing");
	api_decode_error(403, NULL, 0, &e);
	assert_non_null(strstr(e.message, "refused"));
	api_decode_error(404, "   ", 3, &e);
	assert_string_equal(e.message, "not found");
	api_decode_error(429, "", 0, &e);
	assert_string_equal(e.message, "rate limited");
	api_decode_error(503, "", 0, &e);
	assert_string_equal(e.message, "server error");
	/* JSON that is not an object is shown as text. */
	api_decode_error(500, "[1,2]", 5, &e);
	assert_string_equal(e.message, "[1,2]");
	api_decode_error(500, "\"boom\"", 6, &e);
	assert_string_equal(e.message, "boom");
	/* Wrong types are ignored. */
	snprintf(body, sizeof(body), "{\"error\":7,\"message\":[\"x\"]}");
	api_decode_error(400, body, strlen(body), &e);
	assert_string_equal(e.code, "");
	assert_string_equal(e.message, "the request was refused");
}

/* A server that echoes a secret key gets it masked in every field, before
 * the message is cut to one line (a cut must not leave half a key). */
static void test_error_masks_secrets(void **state)
{
	struct lb_error e;
	char body[1024];
	char pad[181];

	(void)state;
	ts_add_secret("sk_test_abc");
	snprintf(body, sizeof(body),
	         "{\"error\":\"BAD sk_live_abcdefghij\",\"message\":\"Key sk_test_abc is not "
	         "sk_live_0123456789abcdefWXYZ\",\"suggestion\":\"use sk_stage_abcdefgh1234\"}");
	api_decode_error(403, body, strlen(body), &e);
	assert_string_equal(e.code, "BAD sk_live_\u2026");
	assert_string_equal(e.message, "Key sk_test_\u2026 is not sk_live_\u2026WXYZ");
	assert_string_equal(e.suggestion, "use sk_stage_\u2026" "1234");
	/* The key where the one-line cut falls, and in a body that is not JSON. */
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(body, sizeof(body), "%s sk_live_0123456789abcdefghijklmnop", pad);
	api_decode_error(403, body, strlen(body), &e);
	assert_null(strstr(e.message, "sk_live_0"));
	assert_non_null(strstr(e.message, "sk_live_\u2026"));
	ts_forget_secrets();
}

/* ---------------------------------------------------------------- flow */

static void test_flow_get_ok_and_errors(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};

	get_room(f, "react-todo", &s);
	assert_true(fake_complete(&f->ft, 0, 200, good_room));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_int_equal(s.status, 200);
	assert_string_equal(s.room.id, "react-todo");
	seen_clear(&s);

	/* Malformed JSON in a 2xx answer. */
	memset(&s, 0, sizeof(s));
	get_room(f, "x", &s);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"x\",,}"));
	assert_int_equal(s.err.status, LB_DECODE);
	assert_non_null(strstr(s.err.message, "the server sent malformed JSON ("));
	assert_no_secret(&s.err);

	/* An API error. */
	memset(&s, 0, sizeof(s));
	get_room(f, "x", &s);
	assert_true(
	    fake_complete(&f->ft, 2, 404,
	                  "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"x\\\" "
	                  "not found.\"}"));
	assert_int_equal(s.err.status, LB_HTTP);
	assert_int_equal(s.err.http_status, 404);
	assert_string_equal(s.err.code, "ROOM_NOT_FOUND");
	assert_no_secret(&s.err);

	/* A 403 for a wrong key never repeats the key. */
	memset(&s, 0, sizeof(s));
	get_room(f, "x", &s);
	assert_true(fake_complete(&f->ft, 3, 403, ""));
	assert_int_equal(s.err.http_status, 403);
	assert_no_secret(&s.err);

	/* Network errors pass through. */
	memset(&s, 0, sizeof(s));
	get_room(f, "x", &s);
	assert_true(fake_fail(&f->ft, 4, LB_NETWORK, "could not connect to lb.test"));
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_string_equal(s.err.message, "could not connect to lb.test");
	assert_int_equal(s.status, 0);
	assert_no_secret(&s.err);
}

static void test_flow_list(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};

	list_rooms(f, &s);
	assert_true(fake_complete(
	    &f->ft, 0, 200, "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"nextCursor\":\"n1\"}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.page.n, 2);
	assert_string_equal(s.page.next_cursor, "n1");
	seen_clear(&s);
	memset(&s, 0, sizeof(s));
	list_rooms(f, &s);
	assert_true(fake_complete(&f->ft, 1, 422,
	                          "{\"error\":\"INVALID_QUERY\",\"message\":\"Invalid field: 'foo' "
	                          "(at 1:1)\"}"));
	assert_int_equal(s.err.status, LB_HTTP);
	assert_string_equal(s.err.message, "Invalid field: 'foo' (at 1:1)");
	assert_int_equal(s.page.n, 0);
}

static void test_flow_delete(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};

	delete_room(f, "a", &s);
	assert_true(fake_complete(&f->ft, 0, 204, NULL));
	assert_int_equal(s.err.status, LB_OK);
	delete_room(f, "a", &s);
	assert_true(fake_complete(&f->ft, 1, 200, "{}"));
	assert_int_equal(s.err.status, LB_OK);
	delete_room(f, "a", &s);
	assert_true(fake_complete(&f->ft, 2, 404, "{\"error\":\"ROOM_NOT_FOUND\"}"));
	assert_int_equal(s.err.status, LB_HTTP);
	assert_int_equal(s.calls, 3);
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	http_id id = get_room(f, "a", &s);

	assert_true(api_cancel(&f->api, id));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_CANCELLED);
	assert_true(fake_req(&f->ft, 0)->cancelled);
	assert_false(api_cancel(&f->api, id));
	assert_false(fake_complete(&f->ft, 0, 200, "{\"id\":\"a\"}"));
	assert_int_equal(s.calls, 1);
}

static http_id refuse_submit(void *ctx, const struct http_request *req)
{
	(void)ctx;
	(void)req;
	return 0;
}

static void test_submit_refused(void **state)
{
	struct api a;
	struct lb_error err;
	struct seen s = {0};
	struct transport t = {.ctx = NULL, .submit = refuse_submit, .cancel = NULL};

	(void)state;
	assert_true(api_init(&a, t, BASE, SECRET, &err));
	assert_int_equal(send_to(&a, EP_ROOM_GET, "x", NULL, NULL, WANT_ROOM, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_NETWORK);
	assert_false(api_cancel(&a, 1));
	api_clear(&a);
}

static void test_room_helpers(void **state)
{
	struct room r, c;
	struct lb_error err;
	char buf[64];
	const char *ro =
	    "{\"id\":\"r\",\"defaultAccesses\":[\"room:read\",\"room:presence:write\"]}";
	const char *odd = "{\"id\":\"r\",\"defaultAccesses\":[\"comments:write\",\"room:read\"]}";

	(void)state;
	assert_true(api_decode_room(ro, strlen(ro), &r, &err));
	room_access_summary(&r, buf, sizeof(buf));
	assert_string_equal(buf, "read-only");
	room_clear(&r);
	assert_true(api_decode_room(odd, strlen(odd), &r, &err));
	room_access_summary(&r, buf, sizeof(buf));
	assert_string_equal(buf, "comments:write, room:read");
	/* Truncation stays inside the buffer. */
	room_access_summary(&r, buf, 8);
	assert_string_equal(buf, "comment");
	room_clear(&r);

	assert_true(api_decode_room(good_room, strlen(good_room), &r, &err));
	assert_true(room_copy(&c, &r));
	assert_ptr_not_equal(c.id, r.id);
	assert_string_equal(c.id, r.id);
	assert_string_equal(c.metadata.v[1].list.v[0], "abc");
	assert_true(c.metadata.v[1].is_list);
	assert_string_equal(c.raw_json, r.raw_json);
	assert_int_equal(room_bytes(&c), room_bytes(&r));
	room_clear(&r);
	room_clear(&c);
}

/* ---- api_decode_page ---------------------------------------------------- */

struct named {
	char *name;
};

static int named_cleared;

static bool named_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name"));
	struct named *n = out;

	if (!name) {
		lb_error_set(err, LB_DECODE, "item %zu has no name", index + 1);
		return false;
	}
	n->name = strdup(name);
	return n->name != NULL;
}

static void named_clear(void *item)
{
	struct named *n = item;

	free(n->name);
	n->name = NULL;
	named_cleared++;
}

static void test_api_decode_page(void **state)
{
	struct lb_error err;
	struct named *v;
	size_t n;
	char *next;
	const char *ok = "{\"data\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"nextCursor\":\"c2\"}";
	const char *last = "{\"data\":[],\"nextCursor\":null}";
	const char *bad_item = "{\"data\":[{\"name\":\"a\"},{},{\"name\":\"c\"}]}";

	(void)state;
	assert_true(api_decode_page(ok, strlen(ok), "names", sizeof(*v), named_from, named_clear,
	                            (void **)&v, &n, &next, &err));
	assert_int_equal(n, 2);
	assert_string_equal(v[1].name, "b");
	assert_string_equal(next, "c2");
	named_clear(&v[0]);
	named_clear(&v[1]);
	free(v);
	free(next);

	assert_true(api_decode_page(last, strlen(last), "names", sizeof(*v), named_from,
	                            named_clear, (void **)&v, &n, &next, &err));
	assert_int_equal(n, 0);
	assert_null(next);
	free(v);

	/* The failed item is cleared with the ones before it, nothing is
	 * returned, and the item's message comes through. */
	named_cleared = 0;
	assert_false(api_decode_page(bad_item, strlen(bad_item), "names", sizeof(*v), named_from,
	                             named_clear, (void **)&v, &n, &next, &err));
	assert_int_equal(named_cleared, 2);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_string_equal(err.message, "item 2 has no name");

	assert_false(api_decode_page("{\"data\":{}}", 11, "names", sizeof(*v), named_from,
	                             named_clear, (void **)&v, &n, &next, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "names without a \"data\" array"));
	assert_false(api_decode_page("[1]", 3, "names", sizeof(*v), named_from, named_clear,
	                             (void **)&v, &n, &next, &err));
	assert_false(api_decode_page("{\"data\":[", 9, "names", sizeof(*v), named_from,
	                             named_clear, (void **)&v, &n, &next, &err));
	assert_non_null(strstr(err.message, "malformed JSON"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_list_url_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_room_url_encoding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
	    cmocka_unit_test(test_create_body_default_public),
	    cmocka_unit_test(test_create_body_full),
	    cmocka_unit_test_setup_teardown(test_create_idempotent, setup, teardown),
	    cmocka_unit_test(test_update_body),
	    cmocka_unit_test_setup_teardown(test_update_request, setup, teardown),
	    cmocka_unit_test(test_decode_room_good),
	    cmocka_unit_test(test_decode_room_minimal_and_wrong_types),
	    cmocka_unit_test(test_decode_room_bad),
	    cmocka_unit_test(test_decode_page),
	    cmocka_unit_test(test_error_api_shape),
	    cmocka_unit_test(test_error_dev_server_shapes),
	    cmocka_unit_test(test_error_not_json_and_empty),
	    cmocka_unit_test(test_error_masks_secrets),
	    cmocka_unit_test_setup_teardown(test_flow_get_ok_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test(test_submit_refused),
	    cmocka_unit_test(test_room_helpers),
	    cmocka_unit_test(test_api_decode_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
