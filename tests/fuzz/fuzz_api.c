/* libFuzzer target for the REST decoders: api_decode_error, api_decode_room,
 * api_decode_room_page (src/api.h) and api_decode_active_users
 * (src/api_storage.h), with the
 * room helpers their results go through (copy, summaries, sizes). The input
 * is the response body, passed without a terminating NUL so that reading
 * past it is caught. A decoded room must decode again from its raw_json to
 * the same room (numbers up to the digits cJSON prints), every item of a
 * page must decode alone to the same room, error texts stay one trimmed
 * line that is not cut inside a character, and failures leave the outputs
 * empty. The body also goes, as the answer of a fake transport, to api_send
 * for the rows whose answers are decoded (a room, the rooms list, active
 * users, a renamed room, the Storage; and rows whose answer it does not
 * decode): its
 * callback must see the body as it came with the error api_decode_error
 * gives, and decoding a 2xx body there with the row's decoder must give
 * what a direct decode gives. A broken invariant aborts. Build and run
 * with tests/fuzz/run.sh. */
#include "lbconfig.h"

#include "fuzz.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "api.h"
#include "api_send.h"
#include "api_storage.h"
#include "error.h"
#include "http.h"
#include "query.h"
#include "room.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
static bool valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if (p[i + k] < lo || p[i + k] > hi)
				return false;
			lo = 0x80;
			hi = 0xBF;
		}
		i += need + 1;
	}
	return true;
}

/* NUL-terminated within its array. */
#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static bool same_str(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

/* A number's text, as scalar_text writes it. */
static bool number(const char *s, double *d)
{
	char *end;

	if (!*s || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return false;
	*d = strtod(s, &end);
	return *end == '\0';
}

/* Equal values: the same text, or numbers that differ only in the digits
 * cJSON drops when it prints raw_json (it keeps 15 significant digits when
 * they read back within DBL_EPSILON). */
static bool same_value(const char *a, const char *b)
{
	double x, y;

	if (strcmp(a, b) == 0)
		return true;
	if (!number(a, &x) || !number(b, &y))
		return false;
	return fabs(x - y) <= 1e-14 * fmax(fabs(x), fabs(y));
}

static bool same_strv(const struct strv *a, const struct strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!a->v[i] || !b->v[i] || !same_value(a->v[i], b->v[i]))
			return false;
	return true;
}

static bool same_kvv(const struct kvv *a, const struct kvv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!same_str(a->v[i].key, b->v[i].key) || a->v[i].is_list != b->v[i].is_list ||
		    !same_strv(&a->v[i].list, &b->v[i].list))
			return false;
	return true;
}

static bool same_room(const struct room *a, const struct room *b)
{
	return same_str(a->id, b->id) && same_str(a->organization_id, b->organization_id) &&
	       same_str(a->created_at, b->created_at) &&
	       same_str(a->last_connection_at, b->last_connection_at) &&
	       a->created_s == b->created_s && a->last_connection_s == b->last_connection_s &&
	       same_strv(&a->default_accesses, &b->default_accesses) &&
	       same_kvv(&a->users_accesses, &b->users_accesses) &&
	       same_kvv(&a->groups_accesses, &b->groups_accesses) &&
	       same_kvv(&a->metadata, &b->metadata);
}

/* A number cJSON cannot print back (it prints infinities and NaN as null),
 * so a room holding one does not survive raw_json. */
static bool non_finite(const char *s)
{
	return strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0 || strcmp(s, "nan") == 0 ||
	       strcmp(s, "-nan") == 0;
}

static bool strv_non_finite(const struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (non_finite(s->v[i]))
			return true;
	return false;
}

static bool room_non_finite(const struct room *r)
{
	const struct kvv *maps[] = {&r->users_accesses, &r->groups_accesses, &r->metadata};

	if (strv_non_finite(&r->default_accesses))
		return true;
	for (size_t m = 0; m < 3; m++)
		for (size_t i = 0; i < maps[m]->n; i++)
			if (strv_non_finite(&maps[m]->v[i].list))
				return true;
	return false;
}

static void check_strv(const struct strv *s)
{
	CHECK(s->n == 0 || s->v != NULL);
	for (size_t i = 0; i < s->n; i++)
		CHECK(s->v[i] != NULL);
}

static void check_kvv(const struct kvv *m, bool accesses)
{
	CHECK(m->n == 0 || m->v != NULL);
	for (size_t i = 0; i < m->n; i++) {
		CHECK(m->v[i].key != NULL);
		check_strv(&m->v[i].list);
		/* access values are lists whatever was sent; a metadata string
		 * is a list of one */
		CHECK(!accesses || m->v[i].is_list);
		CHECK(m->v[i].is_list || m->v[i].list.n == 1);
	}
}

/* A decoded room: its shape, its helpers, and its raw_json round trip. */
static void check_room(const struct room *r)
{
	static const size_t caps[] = {1, 2, 7, 64, 4096};
	struct room copy, again;
	struct lb_error err;
	char *buf;

	CHECK(r->id != NULL && r->raw_json != NULL);
	CHECK(r->created_s == iso8601_parse(r->created_at));
	CHECK(r->last_connection_s == iso8601_parse(r->last_connection_at));
	CHECK(r->created_at || r->created_s == -1);
	check_strv(&r->default_accesses);
	check_kvv(&r->users_accesses, true);
	check_kvv(&r->groups_accesses, true);
	check_kvv(&r->metadata, false);
	CHECK(room_bytes(r) > 0);

	buf = malloc(caps[4]);
	CHECK(buf != NULL);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(buf, 'Z', caps[i]);
		room_access_summary(r, buf, caps[i]);
		CHECK(memchr(buf, '\0', caps[i]) != NULL);
		memset(buf, 'Z', caps[i]);
		room_metadata_summary(r, buf, caps[i]);
		CHECK(memchr(buf, '\0', caps[i]) != NULL);
		memset(buf, 'Z', caps[i]);
		strv_join(&r->default_accesses, ", ", buf, caps[i]);
		CHECK(memchr(buf, '\0', caps[i]) != NULL);
	}
	free(buf);

	CHECK(room_copy(&copy, r));
	CHECK(same_room(&copy, r) && same_str(copy.raw_json, r->raw_json));
	room_clear(&copy);

	/* the raw object is the room: decoding it gives the room back */
	CHECK(api_decode_room(r->raw_json, strlen(r->raw_json), &again, &err));
	CHECK(err.status == LB_OK);
	CHECK(room_non_finite(r) || same_room(&again, r));
	CHECK(strcmp(again.raw_json, r->raw_json) == 0 || room_non_finite(r));
	room_clear(&again);
}

static void fuzz_error(const char *body, size_t len, unsigned sel)
{
	static const long statuses[] = {0,   200, 400, 401, 403, 404, 405, 409,
	                                422, 429, 500, 501, 503, 599, -1,  100000};
	long status = statuses[sel % 16];
	bool utf8 = valid_utf8(body, len);
	struct lb_error err;
	char line[1024];
	size_t caps[] = {1, 5, 40, sizeof(line)};

	memset(&err, 0x5A, sizeof(err));
	api_decode_error(status, len ? body : NULL, len, &err);
	CHECK(err.status == LB_HTTP && err.http_status == status);
	CHECK(TERMINATED(err.code) && TERMINATED(err.message) && TERMINATED(err.suggestion));
	CHECK(err.message[0] != '\0');
	/* message and suggestion are one line, blanks squeezed */
	for (const char *s = err.message; *s; s++)
		CHECK(!strchr("\n\r\t\v\f", *s) && !(s[0] == ' ' && s[1] == ' '));
	for (const char *s = err.suggestion; *s; s++)
		CHECK(!strchr("\n\r\t\v\f", *s) && !(s[0] == ' ' && s[1] == ' '));
	/* trimmed */
	CHECK(err.message[0] != ' ' && err.message[strlen(err.message) - 1] != ' ');
	CHECK(err.suggestion[0] != ' ' &&
	      (!err.suggestion[0] || err.suggestion[strlen(err.suggestion) - 1] != ' '));
	/* texts cut to fit are not cut inside a character */
	if (utf8) {
		CHECK(valid_utf8(err.code, strlen(err.code)));
		CHECK(valid_utf8(err.message, strlen(err.message)));
		CHECK(valid_utf8(err.suggestion, strlen(err.suggestion)));
	}
	api_is_no_endpoint(&err);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(line, 'Z', caps[i]);
		CHECK(lb_error_format(&err, line, caps[i]) != NULL);
		CHECK(memchr(line, '\0', caps[i]) != NULL);
	}
}

static void fuzz_room(const char *body, size_t len)
{
	struct room r;
	struct lb_error err;

	memset(&r, 0x5A, sizeof(r));
	if (!api_decode_room(body, len, &r, &err)) {
		check_failure(&err);
		CHECK(r.id == NULL && r.raw_json == NULL && r.metadata.n == 0);
		room_clear(&r);
		return;
	}
	CHECK(err.status == LB_OK);
	check_room(&r);
	room_clear(&r);
}

static void fuzz_room_page(const char *body, size_t len)
{
	struct room_page p;
	struct lb_error err;
	cJSON *root, *item;
	size_t i = 0;

	memset(&p, 0x5A, sizeof(p));
	if (!api_decode_room_page(body, len, &p, &err)) {
		check_failure(&err);
		CHECK(p.rooms == NULL && p.n == 0 && p.next_cursor == NULL);
		return;
	}
	CHECK(err.status == LB_OK);
	CHECK(p.next_cursor == NULL || p.next_cursor[0] != '\0');
	for (size_t k = 0; k < p.n; k++)
		check_room(&p.rooms[k]);

	/* every item of "data" is in the page, and decodes alone the same */
	root = cJSON_ParseWithLength(body, len);
	CHECK(root != NULL);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "data"))
	{
		char *json = cJSON_PrintUnformatted(item);
		struct room one;

		CHECK(json != NULL && i < p.n);
		CHECK(api_decode_room(json, strlen(json), &one, &err));
		CHECK(room_non_finite(&p.rooms[i]) || same_room(&one, &p.rooms[i]));
		room_clear(&one);
		free(json);
		i++;
	}
	CHECK(i == p.n);
	cJSON_Delete(root);
	room_page_clear(&p);
	CHECK(p.rooms == NULL && p.n == 0 && p.next_cursor == NULL);
}

static void fuzz_active_users(const char *body, size_t len)
{
	struct active_user *v = (struct active_user *)1;
	size_t n = 12345;
	struct lb_error err;

	if (!api_decode_active_users(body, len, &v, &n, &err)) {
		check_failure(&err);
		CHECK(v == NULL && n == 0);
		return;
	}
	CHECK(err.status == LB_OK);
	CHECK(n == 0 || v != NULL);
	for (size_t i = 0; i < n; i++) {
		if (v[i].info_json) {
			/* compact JSON that parses back */
			cJSON *info = cJSON_Parse(v[i].info_json);

			CHECK(info != NULL);
			cJSON_Delete(info);
		}
	}
	CHECK(active_users_bytes(v, n) >= n * sizeof(*v));
	active_users_free(v, n);
}

/* ---- the same bodies through the request functions ------------------- */

/* A transport that keeps the request; the test answers it. */
struct fake {
	http_done_fn done;
	void *ud;
	http_id last;
};

static http_id fake_submit(void *ctx, const struct http_request *req)
{
	struct fake *f = ctx;

	CHECK(req->url && req->headers && req->done && !f->done);
	f->done = req->done;
	f->ud = req->ud;
	return ++f->last;
}

static bool fake_cancel(void *ctx, http_id id)
{
	(void)ctx;
	(void)id;
	return false;
}

/* What the callback must see: the status, the body, and the error the
 * decoder (or api_decode_error) gives. */
struct expect {
	long status;
	struct lb_error err;
	const char *body;
	size_t len;
	int kind; /* which request */
	int calls;
};

/* The error a direct decode of the body gives (LB_OK when it decodes). */
static void expected_decode(int kind, const char *body, size_t len, struct lb_error *err)
{
	struct room r;
	struct room_page p;
	struct active_user *u;
	size_t n;

	lb_error_clear(err);
	switch (kind) {
	case 0:
	case 5:
		if (api_decode_room(body, len, &r, err))
			room_clear(&r);
		break;
	case 1:
		if (api_decode_room_page(body, len, &p, err))
			room_page_clear(&p);
		break;
	case 2:
		if (api_decode_active_users(body, len, &u, &n, err))
			active_users_free(u, n);
		break;
	default:
		break; /* the body is not decoded */
	}
}

/* The answer as it came; a 2xx decoded as the caller of its row would. */
static void on_answer(struct api_storage_result *res, void *ud)
{
	struct expect *x = ud;
	struct lb_error err = res->err;

	x->calls++;
	CHECK(res->status == x->status && res->body == x->body && res->body_len == x->len);
	if (err.status == LB_OK)
		expected_decode(x->kind, res->body, res->body_len, &err);
	CHECK(err.status == x->err.status && err.http_status == x->err.http_status);
	CHECK(strcmp(err.message, x->err.message) == 0 && strcmp(err.code, x->err.code) == 0);
}

static void fuzz_requests(const char *body, size_t len, unsigned sel)
{
	static const long statuses[] = {200, 201, 204, 299, 404, 429, 500, 0};
	struct fake f = {0};
	struct transport t = {&f, fake_submit, fake_cancel};
	struct api_send_args args = {.params = {"r"}};
	enum endpoint_id ep;
	char limit[16];
	struct http_response resp;
	struct expect x = {0};
	int kind = (int)(sel % 7);
	char *term = malloc(len + 1);
	struct api a;
	http_id id = 0;

	CHECK(term != NULL);
	memcpy(term, body, len);
	term[len] = '\0';
	CHECK(api_init(&a, t, "http://127.0.0.1:1/", "sk_localdev", &x.err));

	memset(&resp, 0, sizeof(resp));
	resp.status = statuses[(sel >> 3) % 8];
	resp.body = term;
	resp.body_len = len;
	resp.attempts = 1;
	if (resp.status == 0) {
		/* no answer at all */
		lb_error_set(&resp.err, LB_NETWORK, "connection refused");
		x.err = resp.err;
	} else if (resp.status >= 200 && resp.status <= 299) {
		expected_decode(kind, term, len, &x.err);
	} else {
		api_decode_error(resp.status, term, len, &x.err);
	}
	x.status = resp.status;
	x.body = term;
	x.len = len;
	x.kind = kind;

	switch (kind) {
	case 0:
		ep = EP_ROOM_GET;
		args.params[0] = "room/\xc3\xa9 ?#";
		break;
	case 1:
		ep = EP_ROOMS_LIST;
		args.query = (sel & 0x80) ? "startingAfter=c%26%3D1" : NULL;
		break;
	case 2:
		ep = EP_ACTIVE_USERS_SDK;
		break;
	case 3:
		ep = EP_VERSIONS_LIST;
		snprintf(limit, sizeof(limit), "limit=%u", sel % 5);
		args.query = sel % 5 ? limit : NULL;
		break;
	case 4:
		ep = (sel & 0x80) ? EP_VERSION_CREATE : EP_VERSION_CREATE_SDK;
		args.body = "{}";
		args.body_len = 2;
		args.ct = API_CT_JSON;
		break;
	case 5:
		ep = EP_ROOM_UPDATE_ID;
		args.body = "{\"newRoomId\":\"new id\"}";
		args.body_len = strlen(args.body);
		args.ct = API_CT_JSON;
		break;
	default:
		ep = EP_STORAGE_GET;
		args.query = (sel & 0x80) ? "format=json" : NULL;
		break;
	}
	id = api_send(&a, ep, &args, on_answer, &x);
	CHECK(id != 0 && id == f.last && f.done && x.calls == 0);
	f.done(&resp, f.ud);
	CHECK(x.calls == 1);
	api_clear(&a);
	free(term);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes: no NUL after the body */
	char *body = malloc(size ? size : 1);

	if (!body)
		return 0;
	memcpy(body, data, size);
	fuzz_error(body, size, size ? data[size - 1] : 0);
	fuzz_room(body, size);
	fuzz_room_page(body, size);
	fuzz_active_users(body, size);
	fuzz_requests(body, size, size ? data[0] : 0);
	free(body);
	return 0;
}
