/* The endpoint table against the emulator's list of the REST reference
 * (tests/emulator/endpoints.mjs), the request builder (path parameters,
 * retries and read-only refusal from the row), and every request of the
 * api layer going out through its row, api_send's included. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_send.h"
#include "api_storage.h"
#include "endpoints.h"
#include "fake_transport.h"

#ifndef LBTUI_ENDPOINTS_MJS
#error "LBTUI_ENDPOINTS_MJS: the path of tests/emulator/endpoints.mjs"
#endif

#define BASE   "http://lb.test"
#define SECRET "sk_localdev"

/* ---- the emulator's list ---- */

struct strs {
	char **v;
	size_t n;
};

static void strs_push(struct strs *s, const char *p, size_t len)
{
	s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	assert_non_null(s->v);
	s->v[s->n] = strndup(p, len);
	assert_non_null(s->v[s->n]);
	s->n++;
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool strs_has(const struct strs *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

/* The double-quoted strings between `start` and the next `end` in text. */
static void quoted_strings(const char *text, const char *start, const char *end, struct strs *out)
{
	const char *p = strstr(text, start), *stop;

	if (!p)
		fail_msg("endpoints.mjs has no \"%s\"", start);
	p += strlen(start);
	stop = strstr(p, end);
	assert_non_null(stop);
	while ((p = memchr(p, '"', (size_t)(stop - p)))) {
		const char *q = strchr(p + 1, '"');
		assert_non_null(q);
		strs_push(out, p + 1, (size_t)(q - p - 1));
		p = q + 1;
	}
}

/* What the emulator knows: the reference, the SDK's aliases (key, target,
 * key, target …) and the paths beside the reference. */
struct known {
	struct strs reference, aliases, extra;
};

static void known_read(struct known *k)
{
	char *text = read_file(LBTUI_ENDPOINTS_MJS);

	memset(k, 0, sizeof(*k));
	quoted_strings(text, "REFERENCE_ENDPOINTS = [", "];", &k->reference);
	quoted_strings(text, "const ALIASES = {", "};", &k->aliases);
	quoted_strings(text, "EXTRA_ENDPOINTS = [", "];", &k->extra);
	free(text);
	assert_int_equal(k->aliases.n % 2, 0);
}

static void known_free(struct known *k)
{
	strs_free(&k->reference);
	strs_free(&k->aliases);
	strs_free(&k->extra);
}

/* A row as the emulator writes it: "GET /rooms/:roomId". */
static void row_key(const struct endpoint *e, char *out, size_t n)
{
	const char *p = e->path;
	size_t o;

	assert_true(strncmp(p, "/v2/", 4) == 0);
	p += 3;
	o = (size_t)snprintf(out, n, "%s ", http_method_name(e->method));
	for (; *p && o + 1 < n; p++) {
		if (*p == '{')
			out[o++] = ':';
		else if (*p != '}')
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* The reference endpoint an alias key names, or NULL. */
static const char *alias_target(const struct known *k, const char *key)
{
	for (size_t i = 0; i + 1 < k->aliases.n; i += 2)
		if (strcmp(k->aliases.v[i], key) == 0)
			return k->aliases.v[i + 1];
	return NULL;
}

static void test_every_reference_endpoint_has_one_row(void **state)
{
	struct known k;
	char key[256];
	int bad = 0;

	(void)state;
	known_read(&k);
	/* The reference has 75 endpoints: the list was read whole. */
	assert_int_equal(k.reference.n, 75);
	for (size_t i = 0; i < k.reference.n; i++) {
		int rows = 0;

		for (int id = 0; id < EP_COUNT; id++) {
			row_key(endpoint_get(id), key, sizeof(key));
			rows += strcmp(key, k.reference.v[i]) == 0;
		}
		if (rows != 1) {
			print_error("%s: %d rows in endpoints.def\n", k.reference.v[i], rows);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	known_free(&k);
}

static void test_every_row_is_known_to_the_emulator(void **state)
{
	struct known k;
	char key[256];
	int bad = 0;

	(void)state;
	known_read(&k);
	for (int id = 0; id < EP_COUNT; id++) {
		const struct endpoint *e = endpoint_get(id);
		const char *target;
		bool sdk = strstr(e->name, "_SDK") != NULL;

		row_key(e, key, sizeof(key));
		target = alias_target(&k, key);
		if (strs_has(&k.reference, key) && !sdk)
			continue;
		/* An SDK path stands for a reference endpoint that has its row. */
		if (sdk && target && strs_has(&k.reference, target))
			continue;
		if (!sdk && strs_has(&k.extra, key))
			continue;
		print_error("%s (%s): neither in the reference, nor an alias named _SDK, nor an "
		            "extra endpoint of the emulator\n",
		            e->name, key);
		bad++;
	}
	assert_int_equal(bad, 0);
	known_free(&k);
}

static void test_rows_are_unique_and_consistent(void **state)
{
	(void)state;
	assert_null(endpoint_get(EP_COUNT));
	assert_null(endpoint_get((enum endpoint_id) - 1));
	for (int i = 0; i < EP_COUNT; i++) {
		const struct endpoint *a = endpoint_get(i);
		bool get = a->method == HTTP_GET;
		bool token = strstr(a->what, "token") != NULL;

		assert_non_null(a->what);
		assert_true(a->what[0] != '\0');
		/* Only reads are sent again; every other request changes the
		 * project, but those that hand out a token. */
		assert_int_equal(get, (a->flags & EPF_IDEMPOTENT) != 0);
		assert_int_equal(!get && !token, (a->flags & EPF_MUTATION) != 0);
		if (a->flags & EPF_DESTRUCTIVE)
			assert_true(a->flags & EPF_MUTATION);
		if (a->method == HTTP_DELETE)
			assert_true(a->flags & EPF_DESTRUCTIVE);
		for (int j = i + 1; j < EP_COUNT; j++) {
			const struct endpoint *b = endpoint_get(j);

			assert_string_not_equal(a->name, b->name);
			assert_false(a->method == b->method && strcmp(a->path, b->path) == 0);
		}
	}
	assert_true(endpoint_has(EP_ROOM_DELETE, EPF_DESTRUCTIVE));
	assert_false(endpoint_has(EP_ROOM_GET, EPF_MUTATION));
	assert_string_equal(endpoint_get(EP_VERSION_GET_SDK)->path,
	                    "/v2/rooms/{roomId}/versions/{versionId}/yjs");
	assert_int_equal(endpoint_params(endpoint_get(EP_VERSION_GET_SDK)), 2);
	assert_int_equal(endpoint_params(endpoint_get(EP_ROOMS_LIST)), 0);
}

/* ---- path parameters ---- */

static void check_url(enum endpoint_id id, const char *const *params, size_t n, const char *query,
                      const char *want)
{
	char *got = endpoint_url(endpoint_get(id), BASE, params, n, query);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_params_are_encoded(void **state)
{
	const char *space[] = {"my room"};
	const char *slash[] = {"a/b"};
	const char *unicode[] = {"日本語-チーム"};
	const char *mixed[] = {"x?y#z&w=1%"};
	const char *dots[] = {".."};
	const char *dot[] = {"."};
	const char *dotted[] = {"v1.2"};
	const char *two[] = {"r/1", "vh 1"};
	const char *empty[] = {""};
	const char *null[] = {NULL};

	(void)state;
	check_url(EP_ROOM_GET, space, 1, NULL, BASE "/v2/rooms/my%20room");
	check_url(EP_ROOM_GET, slash, 1, NULL, BASE "/v2/rooms/a%2Fb");
	check_url(EP_ROOM_GET, unicode, 1, NULL,
	          BASE "/v2/rooms/%E6%97%A5%E6%9C%AC%E8%AA%9E-%E3%83%81%E3%83%BC%E3%83%A0");
	check_url(EP_STORAGE_GET, mixed, 1, "format=json",
	          BASE "/v2/rooms/x%3Fy%23z%26w%3D1%25/storage?format=json");
	/* A room named ".." must not make the DELETE climb to /v2. */
	check_url(EP_ROOM_DELETE, dots, 1, NULL, BASE "/v2/rooms/%2E%2E");
	check_url(EP_ROOM_DELETE, dot, 1, NULL, BASE "/v2/rooms/%2E");
	check_url(EP_ROOM_GET, dotted, 1, NULL, BASE "/v2/rooms/v1.2");
	check_url(EP_VERSION_GET_SDK, two, 2, NULL, BASE "/v2/rooms/r%2F1/versions/vh%201/yjs");
	check_url(EP_ROOMS_LIST, NULL, 0, "limit=5&startingAfter=c%201",
	          BASE "/v2/rooms?limit=5&startingAfter=c%201");
	check_url(EP_ROOMS_LIST, NULL, 0, "", BASE "/v2/rooms");
	/* Not as many parameters as the path has, or an empty one: no URL. */
	check_url(EP_VERSION_GET_SDK, two, 1, NULL, NULL);
	check_url(EP_ROOM_GET, NULL, 0, NULL, NULL);
	check_url(EP_ROOM_GET, empty, 1, NULL, NULL);
	check_url(EP_ROOM_GET, null, 1, NULL, NULL);
}

/* ---- the builder ---- */

struct fx {
	struct fake_transport ft;
	struct api api;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, SECRET, &err));
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

static bool has_header(const struct api_request *r, const char *h)
{
	for (size_t i = 0; r->headers[i]; i++)
		if (strcmp(r->headers[i], h) == 0)
			return true;
	return false;
}

static void test_build_takes_the_row(void **state)
{
	struct fx *f = *state;
	struct api_request r;
	struct lb_error err;
	const char *room[] = {"a b"};

	assert_true(
	    api_request_build(&f->api, EP_ROOM_GET, room, 1, NULL, NULL, 0, API_CT_NONE, &r, &err));
	assert_int_equal(r.http.method, HTTP_GET);
	assert_string_equal(r.http.url, BASE "/v2/rooms/a%20b");
	assert_true(r.http.idempotent);
	assert_string_equal(r.http.endpoint, "ROOM_GET");
	assert_ptr_equal(r.ep, endpoint_get(EP_ROOM_GET));
	assert_true(has_header(&r, "Authorization: Bearer " SECRET));
	assert_true(has_header(&r, "Accept: application/json"));
	assert_null(r.http.body);
	api_request_clear(&r);

	assert_true(api_request_build(&f->api, EP_ROOM_DELETE, room, 1, NULL, NULL, 0, API_CT_NONE,
	                              &r, &err));
	assert_int_equal(r.http.method, HTTP_DELETE);
	assert_false(r.http.idempotent);
	api_request_clear(&r);

	assert_true(api_request_build(&f->api, EP_STORAGE_JSON_PATCH, room, 1, NULL, "[]", 2,
	                              API_CT_JSON, &r, &err));
	assert_int_equal(r.http.method, HTTP_PATCH);
	assert_string_equal(r.http.url, BASE "/v2/rooms/a%20b/storage/json-patch");
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_int_equal(r.http.body_len, 2);
	api_request_clear(&r);

	assert_true(api_request_build(&f->api, EP_YDOC_UPDATE, room, 1, "guid=g", "\x01", 1,
	                              API_CT_OCTETS, &r, &err));
	assert_int_equal(r.http.method, HTTP_PUT);
	assert_string_equal(r.http.url, BASE "/v2/rooms/a%20b/ydoc?guid=g");
	assert_true(has_header(&r, "Content-Type: application/octet-stream"));
	api_request_clear(&r);

	/* A missing or empty parameter is refused, nothing built. */
	assert_false(
	    api_request_build(&f->api, EP_ROOM_GET, NULL, 0, NULL, NULL, 0, API_CT_NONE, &r, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_null(r.url);
	room[0] = "";
	assert_false(
	    api_request_build(&f->api, EP_ROOM_GET, room, 1, NULL, NULL, 0, API_CT_NONE, &r, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_false(
	    api_request_build(&f->api, EP_COUNT, NULL, 0, NULL, NULL, 0, API_CT_NONE, &r, &err));
}

static void test_read_only_refuses_every_mutation(void **state)
{
	struct fx *f = *state;
	struct api_request r;
	struct lb_error err;
	const char *params[] = {"p1", "p2", "p3"};
	int refused = 0;

	f->api.read_only = true;
	for (int id = 0; id < EP_COUNT; id++) {
		const struct endpoint *e = endpoint_get(id);
		bool built = api_request_build(&f->api, id, params, endpoint_params(e), NULL, NULL,
		                               0, API_CT_NONE, &r, &err);

		assert_int_equal(built, !(e->flags & EPF_MUTATION));
		assert_int_equal(api_refuses(&f->api, id, NULL), !built);
		if (built) {
			api_request_clear(&r);
			continue;
		}
		refused++;
		assert_int_equal(err.status, LB_READONLY);
		assert_non_null(strstr(err.message, e->what));
		assert_non_null(strstr(err.message, e->path));
		assert_non_null(strstr(err.message, "nothing was sent"));
	}
	assert_true(refused > 40);
	assert_string_equal(
	    (api_refuses(&f->api, EP_ROOM_DELETE, &err), err.message),
	    "read-only mode: Delete room (DELETE /v2/rooms/{roomId}) refused, nothing was sent");
	f->api.read_only = false;
	assert_false(api_refuses(&f->api, EP_ROOM_DELETE, &err));
}

/* ---- every request the app sends goes through its row ---- */

static int calls;

static void on_sdone(struct api_storage_result *res, void *ud)
{
	(void)res;
	(void)ud;
	calls++;
}

/* The last request went to endpoint id with this URL, retried as its
 * row says. */
static void check_sent(struct fx *f, enum endpoint_id id, const char *url)
{
	const struct fake_request *r = fake_last(&f->ft);
	const struct endpoint *e = endpoint_get(id);

	assert_non_null(r);
	assert_string_equal(r->endpoint, e->name);
	assert_int_equal(r->method, e->method);
	assert_string_equal(r->url, url);
	assert_int_equal(r->idempotent, (e->flags & EPF_IDEMPOTENT) != 0);
	assert_non_null(fake_header(r, "Authorization"));
}

/* One request as the model's loads and programs send it: the row, its
 * params, query and body, and the URL that must go out. */
struct row_case {
	enum endpoint_id ep;
	const char *params[2];
	const char *query;
	const char *body; /* NULL for none */
	size_t body_len;
	enum api_content ct;
	const char *url;
};

static void send_case(struct fx *f, const struct row_case *k, const struct http_sink *sink)
{
	const struct api_send_args a = {.params = {k->params[0], k->params[1]},
	                                .query = k->query,
	                                .body = k->body,
	                                .body_len = k->body_len,
	                                .ct = k->ct,
	                                .sink = sink};
	const struct fake_request *r;

	api_send(&f->api, k->ep, &a, on_sdone, NULL);
	check_sent(f, k->ep, k->url);
	r = fake_last(&f->ft);
	if (!k->body) {
		assert_null(r->body);
		assert_null(fake_header(r, "Content-Type"));
		return;
	}
	assert_int_equal(r->body_len, k->body_len);
	assert_memory_equal(r->body, k->body, k->body_len);
	assert_string_equal(fake_header(r, "Content-Type"), k->ct == API_CT_OCTETS
	                                                        ? "application/octet-stream"
	                                                        : "application/json");
}

static void test_requests_use_their_rows(void **state)
{
	struct fx *f = *state;
	struct room_create c = {.id = "n"};
	struct room_update u = {0};
	char *create = api_room_create_body(&c), *update = api_room_update_body(&u);
	char *upsert = api_room_upsert_body(&u, NULL), *ydoc = api_ydoc_query(false, "k", NULL);
	/* clang-format off */
	const struct row_case cases[] = {
	    {EP_ROOMS_LIST, {NULL}, "limit=5&startingAfter=c%201", NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms?limit=5&startingAfter=c%201"},
	    {EP_ROOM_CREATE, {NULL}, "idempotent", create, strlen(create), API_CT_JSON,
	     BASE "/v2/rooms?idempotent"},
	    {EP_ROOM_CREATE, {NULL}, NULL, create, strlen(create), API_CT_JSON, BASE "/v2/rooms"},
	    {EP_ROOM_GET, {"\xc3\xa9/1"}, NULL, NULL, 0, API_CT_NONE, BASE "/v2/rooms/%C3%A9%2F1"},
	    {EP_ROOM_UPDATE, {"r"}, NULL, update, strlen(update), API_CT_JSON, BASE "/v2/rooms/r"},
	    {EP_ROOM_DELETE, {"r"}, NULL, NULL, 0, API_CT_NONE, BASE "/v2/rooms/r"},
	    {EP_STORAGE_GET, {"r"}, "format=json", NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/storage?format=json"},
	    {EP_STORAGE_INIT, {"r"}, NULL, "{}", 2, API_CT_JSON, BASE "/v2/rooms/r/storage"},
	    {EP_STORAGE_DELETE, {"r"}, NULL, NULL, 0, API_CT_NONE, BASE "/v2/rooms/r/storage"},
	    {EP_STORAGE_JSON_PATCH, {"r"}, NULL, "[]", 2, API_CT_JSON,
	     BASE "/v2/rooms/r/storage/json-patch"},
	    {EP_YDOC_GET, {"r"}, ydoc, NULL, 0, API_CT_NONE, BASE "/v2/rooms/r/ydoc?key=k"},
	    {EP_YDOC_BINARY, {"r"}, "guid=g%201", NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/ydoc-binary?guid=g%201"},
	    {EP_YDOC_UPDATE, {"r"}, NULL, "\x01", 1, API_CT_OCTETS, BASE "/v2/rooms/r/ydoc"},
	    {EP_ACTIVE_USERS_SDK, {"r"}, NULL, NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/active-users"},
	    {EP_VERSIONS_LIST, {"r"}, "limit=10&cursor=v%2F2", NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/versions?limit=10&cursor=v%2F2"},
	    {EP_VERSION_GET_SDK, {"r", "vh 1"}, NULL, NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/versions/vh%201/yjs"},
	    {EP_VERSION_GET, {"r", "vh 1"}, NULL, NULL, 0, API_CT_NONE,
	     BASE "/v2/rooms/r/version/vh%201"},
	    {EP_VERSION_CREATE_SDK, {"r"}, NULL, "{}", 2, API_CT_JSON, BASE "/v2/rooms/r/versions"},
	    {EP_VERSION_CREATE, {"r"}, NULL, "{}", 2, API_CT_JSON, BASE "/v2/rooms/r/version"},
	    {EP_ROOM_UPSERT, {"r"}, NULL, upsert, strlen(upsert), API_CT_JSON,
	     BASE "/v2/rooms/r/upsert"},
	    {EP_ROOM_UPDATE_ID, {"r"}, NULL, "{\"newRoomId\":\"s\"}", 17, API_CT_JSON,
	     BASE "/v2/rooms/r/update-room-id"},
	    {EP_ROOM_PREWARM, {"r"}, NULL, NULL, 0, API_CT_NONE, BASE "/v2/rooms/r/prewarm"},
	    {EP_BROADCAST_EVENT_SDK, {"r"}, NULL, "{}", 2, API_CT_JSON,
	     BASE "/v2/rooms/r/broadcast-event"},
	};
	const struct row_case stream = {EP_STORAGE_GET, {"r"}, NULL, NULL, 0, API_CT_NONE,
	                                BASE "/v2/rooms/r/storage"};
	const struct row_case get = {EP_ROOM_GET, {"r"}, NULL, NULL, 0, API_CT_NONE,
	                             BASE "/v2/rooms/r"};
	/* clang-format on */
	const struct api_send_args no_room = {.params = {""}};
	struct http_sink sink = {0};

	assert_non_null(create);
	assert_non_null(update);
	assert_non_null(upsert);
	assert_non_null(ydoc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		send_case(f, &cases[i], NULL);
	send_case(f, &stream, &sink);
	assert_int_equal(calls, 0);
	assert_int_equal(fake_count(&f->ft), 24);

	/* Read-only: a change goes nowhere and says why; a read still goes. */
	f->api.read_only = true;
	api_send(&f->api, EP_ROOM_DELETE, &(struct api_send_args){.params = {"r"}}, on_sdone, NULL);
	api_send(&f->api, EP_STORAGE_JSON_PATCH,
	         &(struct api_send_args){.params = {"r"}, .body = "[]", .body_len = 2}, on_sdone,
	         NULL);
	assert_int_equal(calls, 2);
	send_case(f, &get, NULL);
	assert_int_equal(fake_count(&f->ft), 25);
	/* An empty room ID is refused before the transport. */
	api_send(&f->api, EP_ROOM_GET, &no_room, on_sdone, NULL);
	assert_int_equal(calls, 3);
	assert_int_equal(fake_count(&f->ft), 25);
	fake_cancel_all(&f->ft);
	free(create);
	free(update);
	free(upsert);
	free(ydoc);
}

/* What api_send's callback heard. */
struct heard {
	int calls;
	struct lb_error err;
	char body[64];
	size_t streamed;
};

static void on_heard(struct api_storage_result *res, void *ud)
{
	struct heard *h = ud;

	h->calls++;
	h->err = res->err;
	snprintf(h->body, sizeof(h->body), "%.*s", (int)res->body_len,
	         res->body ? res->body : "");
	h->streamed = res->streamed;
}

static enum http_sink_rc take_all(const char *p, size_t len, void *ud)
{
	(void)p;
	(void)len;
	(void)ud;
	return HTTP_SINK_TAKEN;
}

/* Any row, from its params, query and body; the answer as it came. */
static void test_send_any_row(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	struct api_send_args a = {.params = {"r 1", "vh/1"}};
	struct http_sink sink = {.take = take_all};
	const struct fake_request *r;

	assert_int_not_equal(api_send(&f->api, EP_VERSION_GET, &a, on_heard, &h), 0);
	check_sent(f, EP_VERSION_GET, BASE "/v2/rooms/r%201/version/vh%2F1");
	assert_true(fake_complete(&f->ft, 0, 200, "{\"data\":{\"id\":\"vh_2\"}}"));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_OK);
	assert_string_equal(h.body, "{\"data\":{\"id\":\"vh_2\"}}");

	a = (struct api_send_args){.params = {"r"}, .query = "guid=g",
	                           .body = "\x01\x02", .body_len = 2, .ct = API_CT_OCTETS};
	api_send(&f->api, EP_YDOC_UPDATE, &a, on_heard, &h);
	check_sent(f, EP_YDOC_UPDATE, BASE "/v2/rooms/r/ydoc?guid=g");
	r = fake_last(&f->ft);
	assert_int_equal(r->body_len, 2);
	assert_memory_equal(r->body, "\x01\x02", 2);
	assert_string_equal(fake_header(r, "Content-Type"), "application/octet-stream");
	/* An error answer is decoded into err. */
	assert_true(fake_complete(&f->ft, 1, 404,
	                          "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"no room\"}"));
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.err.http_status, 404);
	assert_string_equal(h.err.code, "ROOM_NOT_FOUND");

	/* A 2xx body to the sink. */
	a = (struct api_send_args){.params = {"r"}, .sink = &sink};
	api_send(&f->api, EP_STORAGE_GET, &a, on_heard, &h);
	check_sent(f, EP_STORAGE_GET, BASE "/v2/rooms/r/storage");
	assert_true(fake_complete(&f->ft, 2, 200, "{\"a\":1}"));
	assert_int_equal(h.calls, 3);
	assert_int_equal(h.streamed, 7);

	/* A missing param, or read-only mode on a change: refused at once,
	 * nothing sent. */
	a = (struct api_send_args){.params = {"r"}};
	assert_int_equal(api_send(&f->api, EP_VERSION_GET, &a, on_heard, &h), 0);
	assert_int_equal(h.calls, 4);
	assert_int_equal(h.err.status, LB_USAGE);
	f->api.read_only = true;
	assert_int_equal(api_send(&f->api, EP_STORAGE_DELETE, &a, on_heard, &h), 0);
	assert_int_equal(h.calls, 5);
	assert_int_equal(h.err.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 3);
}

/* One JSON text, or a usage error that says where it breaks. */
static void test_json_check(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {"{a: 1}", "{} {}", "[1,", "", "\"x"};
	struct lb_error err;

	assert_true(api_json_check("{\"a\":[1,2]}", "the event", &err));
	assert_true(api_json_check(" 42 ", "the event", &err));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(api_json_check(bad[i], "the event", &err));
		assert_int_equal(err.status, LB_USAGE);
		assert_non_null(strstr(err.message, "the event is not valid JSON (at byte "));
	}
	assert_false(api_json_check("{a: 1}", "the event", &err));
	assert_string_equal(err.message, "the event is not valid JSON (at byte 2)");
	assert_false(api_json_check(NULL, "the event", &err));
	assert_string_equal(err.message, "the event is not valid JSON (at byte 0)");
	assert_int_equal(fake_count(&f->ft), 0);
}

/* What api_send handed its callback. */
struct got {
	int calls;
	enum lb_status status;
	long http_status;
	char body[64];
};

static void on_got(struct api_storage_result *res, void *ud)
{
	struct got *g = ud;

	g->calls++;
	g->status = res->err.status;
	g->http_status = res->err.http_status;
	snprintf(g->body, sizeof(g->body), "%.*s", (int)res->body_len, res->body ? res->body : "");
}

static void test_get_leaves_the_answer_undecoded(void **state)
{
	struct fx *f = *state;
	struct api_send_args room = {.params = {"a/b"}, .query = "limit=2&cursor=c%201"};
	struct api_send_args none = {0};
	struct got g = {0};

	api_send(&f->api, EP_VERSIONS_LIST, &room, on_got, &g);
	check_sent(f, EP_VERSIONS_LIST, BASE "/v2/rooms/a%2Fb/versions?limit=2&cursor=c%201");
	assert_true(fake_complete(&f->ft, 0, 200, "not JSON at all"));
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.status, LB_OK);
	assert_string_equal(g.body, "not JSON at all");

	/* An error answer is decoded as for any request. */
	api_send(&f->api, EP_ROOMS_LIST, &none, on_got, &g);
	check_sent(f, EP_ROOMS_LIST, BASE "/v2/rooms");
	assert_true(
	    fake_complete(&f->ft, 1, 404, "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"no\"}"));
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.status, LB_HTTP);
	assert_int_equal(g.http_status, 404);

	/* A missing path param is refused before the transport. */
	api_send(&f->api, EP_ROOM_GET, &none, on_got, &g);
	assert_int_equal(g.calls, 3);
	assert_int_equal(g.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_reference_endpoint_has_one_row),
	    cmocka_unit_test(test_every_row_is_known_to_the_emulator),
	    cmocka_unit_test(test_rows_are_unique_and_consistent),
	    cmocka_unit_test(test_params_are_encoded),
	    cmocka_unit_test_setup_teardown(test_build_takes_the_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_every_mutation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_requests_use_their_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_send_any_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_check, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_leaves_the_answer_undecoded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
