#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_transport.h"
#include "model.h"
#include "model_storage.h"
#include "util.h"

#define BASE "http://lb.test"

static long long fake_now;

static long long fake_clock(void)
{
	return fake_now;
}

/* Listener record. */
struct heard {
	int calls;
	struct resource *last;
	unsigned last_generation;
	/* When set, the listener asks for the next page of this list. */
	struct model *more_model;
	struct resource *more_of;
	int more_calls;
};

struct fx {
	struct fake_transport ft;
	struct api api;
	struct model *m;
	struct model_options o;
	struct heard heard;
};

static void on_change(struct resource *r, void *ud)
{
	struct heard *h = ud;

	h->calls++;
	h->last = r;
	h->last_generation = r->generation;
	if (h->more_of == r && !r->busy && !model_complete(r) && r->has_data) {
		h->more_calls++;
		model_more(h->more_model, r);
	}
}

static void fx_start(struct fx *f)
{
	struct lb_error err;

	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, "sk_localdev", &err));
	f->m = model_new(&f->api, &f->o);
	assert_non_null(f->m);
	model_listen(f->m, on_change, &f->heard);
}

static int setup_opts(void **state, size_t budget, bool read_only)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_now = 1000000;
	model_options_default(&f->o);
	f->o.clock_ms = fake_clock;
	f->o.read_only = read_only;
	if (budget)
		f->o.memory_budget = budget;
	fx_start(f);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, 0, false);
}

static int setup_read_only(void **state)
{
	return setup_opts(state, 0, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	model_free(&f->m);
	assert_null(f->m);
	api_clear(&f->api);
	fake_transport_free(&f->ft);
	free(f);
	return 0;
}

/* {"data":[{"id":..},..],"nextCursor":cursor|null} for the given IDs. */
static char *page_json(const char *cursor, int n, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	buf_adds(&b, "{\"data\":[");
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%s{\"type\":\"room\",\"id\":\"%s\",\"defaultAccesses\":[]}",
		           i ? "," : "", va_arg(ap, const char *));
	va_end(ap);
	if (cursor)
		buf_printf(&b, "],\"nextCursor\":\"%s\"}", cursor);
	else
		buf_adds(&b, "],\"nextCursor\":null,\"nextPage\":null}");
	return buf_steal(&b);
}

static bool complete_page(struct fx *f, size_t k, const char *cursor, int n, ...)
{
	struct buf b;
	va_list ap;
	bool ok;

	buf_init(&b);
	buf_adds(&b, "{\"data\":[");
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%s{\"id\":\"%s\",\"metadata\":{\"n\":\"%d\"}}", i ? "," : "",
		           va_arg(ap, const char *), i);
	va_end(ap);
	if (cursor)
		buf_printf(&b, "],\"nextCursor\":\"%s\"}", cursor);
	else
		buf_adds(&b, "],\"nextCursor\":null}");
	ok = fake_complete(&f->ft, k, 200, b.data);
	buf_free(&b);
	return ok;
}

static bool list_has(const struct resource *r, const char *id)
{
	for (size_t i = 0; i < model_count(r); i++)
		if (strcmp(model_room_at(r, i)->id, id) == 0)
			return true;
	return false;
}

/* Result of a mutation. */
struct done_rec {
	int calls;
	struct lb_error err;
	char id[64];
	bool had_room;
	char color[32];
};

static void on_done(const struct lb_error *err, const struct room *room, void *ud)
{
	struct done_rec *d = ud;

	d->calls++;
	d->err = *err;
	d->had_room = room != NULL;
	d->id[0] = d->color[0] = '\0';
	if (room) {
		snprintf(d->id, sizeof(d->id), "%s", room->id);
		for (size_t i = 0; i < room->metadata.n; i++)
			if (strcmp(room->metadata.v[i].key, "color") == 0)
				snprintf(d->color, sizeof(d->color), "%s",
				         room->metadata.v[i].list.v[0]);
	}
}

static const char *color_of(const struct room *room)
{
	for (size_t i = 0; i < room->metadata.n; i++)
		if (strcmp(room->metadata.v[i].key, "color") == 0)
			return room->metadata.v[i].list.v[0];
	return NULL;
}

/* ---------------------------------------------------------------- tests */

static void test_dedup(void **state)
{
	struct fx *f = *state;
	struct resource *a = model_rooms(f->m, NULL);
	struct resource *b = model_rooms(f->m, NULL);
	struct resource *r1, *r2;

	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_string_equal(a->key, "/v2/rooms?");
	assert_int_equal(a->state, RES_LOADING);
	assert_true(a->busy);
	model_need(f->m, a);
	model_refresh(f->m, a);
	model_more(f->m, a);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(model_busy_count(f->m), 1);

	r1 = model_room(f->m, "x y");
	r2 = model_room(f->m, "x y");
	assert_ptr_equal(r1, r2);
	assert_string_equal(r1->key, "/v2/rooms/x y");
	assert_int_equal(fake_count(&f->ft), 2);
	assert_string_equal(fake_req(&f->ft, 1)->url, BASE "/v2/rooms/x%20y");
	assert_int_equal(model_busy_count(f->m), 2);

	model_release(f->m, &b);
	assert_null(b);
	model_release(f->m, &a);
	model_release(f->m, &r1);
	model_release(f->m, &r2);
}

static void test_loading_to_fresh(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);
	unsigned gen = r->generation;
	int calls = f->heard.calls;
	char *body = page_json(NULL, 2, "a", "b");

	assert_int_equal(model_age_s(r), -1);
	assert_true(fake_complete(&f->ft, 0, 200, body));
	free(body);
	assert_int_equal(r->state, RES_FRESH);
	assert_false(r->busy);
	assert_true(r->has_data);
	assert_int_equal(model_count(r), 2);
	assert_string_equal(model_room_at(r, 1)->id, "b");
	assert_true(model_complete(r));
	assert_null(model_next_cursor(r));
	assert_true(r->generation > gen);
	assert_true(f->heard.calls > calls);
	assert_ptr_equal(f->heard.last, r);
	assert_int_equal(f->heard.last_generation, r->generation);
	assert_int_equal(r->fetched_ms, fake_now);
	assert_int_equal(model_age_s(r), 0);
	fake_now += 5000;
	assert_int_equal(model_age_s(r), 5);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_true(model_bytes(f->m) > 2 * sizeof(struct room));
	/* Fresh: asking again sends nothing. */
	model_need(f->m, r);
	assert_int_equal(fake_count(&f->ft), 1);
	model_release(f->m, &r);
}

static void test_stale_while_revalidate(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL), *again;
	unsigned gen;
	int calls;

	assert_true(complete_page(f, 0, NULL, 2, "a", "b"));
	model_release(f->m, &r);

	/* Not old yet: nothing happens on tick. */
	fake_now += f->o.stale_after_ms - 1;
	r = model_rooms(f->m, NULL);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(fake_count(&f->ft), 1);
	calls = f->heard.calls;
	fake_now += 1;
	model_tick(f->m);
	assert_int_equal(r->state, RES_STALE);
	assert_true(f->heard.calls > calls);
	assert_int_equal(fake_count(&f->ft), 1);

	/* Coming back to it revalidates in the background, data visible. */
	gen = r->generation;
	again = model_rooms(f->m, NULL);
	assert_ptr_equal(again, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_string_equal(fake_req(&f->ft, 1)->url, BASE "/v2/rooms");
	assert_int_equal(r->state, RES_STALE);
	assert_true(r->busy);
	assert_true(r->has_data);
	assert_int_equal(model_count(r), 2);
	assert_true(r->generation > gen);
	assert_int_equal(model_age_s(r), f->o.stale_after_ms / 1000);

	gen = r->generation;
	assert_true(complete_page(f, 1, NULL, 3, "c", "a", "b"));
	assert_int_equal(r->state, RES_FRESH);
	assert_false(r->busy);
	assert_int_equal(model_count(r), 3);
	assert_string_equal(model_room_at(r, 0)->id, "c");
	assert_true(r->generation > gen);
	assert_int_equal(model_age_s(r), 0);
	model_release(f->m, &again);
	model_release(f->m, &r);
}

static void test_old_fresh_revalidates_on_access(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_room(f->m, "a");

	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"a\"}"));
	assert_int_equal(r->state, RES_FRESH);
	assert_string_equal(model_room_of(r)->id, "a");
	model_release(f->m, &r);
	fake_now += f->o.stale_after_ms + 10;
	/* No tick ran, but the data is too old: a revalidation starts. */
	r = model_room(f->m, "a");
	assert_int_equal(r->state, RES_STALE);
	assert_true(r->busy);
	assert_true(r->has_data);
	assert_int_equal(fake_count(&f->ft), 2);
	model_release(f->m, &r);
}

static void test_error_keeps_stale_data(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);
	struct resource *x = model_room(f->m, "x"), *x2;

	assert_true(complete_page(f, 0, NULL, 2, "a", "b"));
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(fake_complete(&f->ft, 2, 503, "{\"error\":\"Oops\",\"message\":\"down\"}"));
	assert_int_equal(r->state, RES_STALE);
	assert_false(r->busy);
	assert_true(r->has_data);
	assert_int_equal(model_count(r), 2);
	assert_int_equal(r->err.status, LB_HTTP);
	assert_int_equal(r->err.http_status, 503);
	assert_string_equal(r->err.message, "down");

	/* First load failing: nothing to show. */
	assert_true(fake_fail(&f->ft, 1, LB_NETWORK, "connection refused"));
	assert_int_equal(x->state, RES_ERROR);
	assert_false(x->has_data);
	assert_int_equal(x->err.status, LB_NETWORK);
	/* Asked again while still held: no retry storm... */
	x2 = model_room(f->m, "x");
	assert_ptr_equal(x2, x);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(x->state, RES_ERROR);
	model_release(f->m, &x2);
	model_release(f->m, &x);
	/* ...but a new visit retries. */
	x = model_room(f->m, "x");
	assert_int_equal(x->state, RES_LOADING);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(fake_complete(&f->ft, 3, 200, "{\"id\":\"x\"}"));
	assert_int_equal(x->state, RES_FRESH);
	assert_int_equal(x->err.status, LB_OK);

	/* A successful revalidation clears the error. */
	model_refresh(f->m, r);
	assert_true(complete_page(f, 4, NULL, 1, "a"));
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(r->err.status, LB_OK);
	model_release(f->m, &r);
	model_release(f->m, &x);
}

static void test_pagination(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);

	assert_int_equal(model_pages(r), 0);
	assert_true(complete_page(f, 0, "c1", 2, "a", "b"));
	assert_int_equal(model_pages(r), 1);
	assert_int_equal(r->state, RES_FRESH);
	assert_false(model_complete(r));
	assert_string_equal(model_next_cursor(r), "c1");

	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_string_equal(fake_req(&f->ft, 1)->url, BASE "/v2/rooms?startingAfter=c1");
	assert_true(model_paging(r));
	assert_true(r->busy);
	model_more(f->m, r);
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(model_count(r), 2);

	assert_true(complete_page(f, 1, "c2", 2, "c", "d"));
	assert_false(model_paging(r));
	assert_false(r->busy);
	assert_int_equal(model_count(r), 4);
	assert_false(model_complete(r));
	model_more(f->m, r);
	assert_string_equal(fake_req(&f->ft, 2)->url, BASE "/v2/rooms?startingAfter=c2");
	assert_true(complete_page(f, 2, NULL, 1, "e"));
	assert_int_equal(model_pages(r), 3);
	assert_int_equal(model_count(r), 5);
	assert_true(model_complete(r));
	assert_null(model_next_cursor(r));
	assert_string_equal(model_room_at(r, 4)->id, "e");
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 3);
	model_release(f->m, &r);
}

/* Every part of a filter, and a cursor, in the list's requests: encoded,
 * the page size and the cursor first. */
static void test_filtered_list_url(void **state)
{
	struct fx *f = *state;
	struct room_filter flt = {0};
	struct resource *r;

	flt.limit = 50;
	flt.prefix = strdup("team a/");
	flt.user_id = strdup("bob smith");
	assert_true(strv_push(&flt.group_ids, "x"));
	assert_true(strv_push(&flt.group_ids, "y z"));
	flt.organization_id = strdup("org-1");
	r = model_rooms(f->m, &flt);
	room_filter_clear(&flt);
	assert_string_equal(fake_req(&f->ft, 0)->url,
	                    BASE "/v2/rooms?limit=50&query=roomId%5E%22team%20a%2F%22"
	                         "&userId=bob%20smith&groupIds=x,y%20z&organizationId=org-1");
	assert_true(fake_req(&f->ft, 0)->idempotent);
	assert_true(complete_page(f, 0, "W1s/+=", 1, "team a/1"));
	model_more(f->m, r);
	assert_string_equal(fake_req(&f->ft, 1)->url,
	                    BASE "/v2/rooms?limit=50&startingAfter=W1s%2F%2B%3D"
	                         "&query=roomId%5E%22team%20a%2F%22&userId=bob%20smith"
	                         "&groupIds=x,y%20z&organizationId=org-1");
	fake_cancel_all(&f->ft);
	model_release(f->m, &r);
}

static void test_pagination_with_filter_and_failed_page(void **state)
{
	struct fx *f = *state;
	struct room_filter flt = {0};
	struct resource *r;

	flt.prefix = strdup("a");
	flt.limit = 2;
	r = model_rooms(f->m, &flt);
	room_filter_clear(&flt);
	assert_string_equal(fake_req(&f->ft, 0)->url,
	                    BASE "/v2/rooms?limit=2&query=roomId%5E%22a%22");
	assert_true(complete_page(f, 0, "k", 2, "a1", "a2"));
	model_more(f->m, r);
	assert_string_equal(fake_req(&f->ft, 1)->url,
	                    BASE "/v2/rooms?limit=2&startingAfter=k&query=roomId%5E%22a%22");
	assert_true(fake_fail(&f->ft, 1, LB_NETWORK, "timeout"));
	assert_false(model_paging(r));
	assert_int_equal(model_count(r), 2);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(r->err.status, LB_NETWORK);
	/* The page can be asked for again. */
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_string_equal(fake_req(&f->ft, 2)->url, fake_req(&f->ft, 1)->url);
	/* A server that repeats the cursor ends the list instead of looping;
	 * the page that came clears the failure before it. */
	assert_true(complete_page(f, 2, "k", 1, "a3"));
	assert_true(model_complete(r));
	assert_int_equal(r->err.status, LB_OK);
	model_release(f->m, &r);
}

/* Cursors that come round again (k1, k2, k1 ...) end the list too. */
static void test_pagination_cursor_cycle(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);

	assert_true(complete_page(f, 0, "k1", 1, "a"));
	model_more(f->m, r);
	assert_string_equal(fake_req(&f->ft, 1)->url, BASE "/v2/rooms?startingAfter=k1");
	assert_true(complete_page(f, 1, "k2", 1, "b"));
	assert_false(model_complete(r));
	model_more(f->m, r);
	assert_string_equal(fake_req(&f->ft, 2)->url, BASE "/v2/rooms?startingAfter=k2");
	assert_true(complete_page(f, 2, "k1", 1, "c"));
	assert_true(model_complete(r));
	assert_int_equal(model_count(r), 3);
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 3);

	/* A reload starts over: k1 is a fresh cursor again, and the reload
	 * goes on to the pages that were shown. */
	model_refresh(f->m, r);
	assert_true(complete_page(f, 3, "k1", 1, "a"));
	assert_int_equal(fake_count(&f->ft), 5);
	assert_string_equal(fake_req(&f->ft, 4)->url, BASE "/v2/rooms?startingAfter=k1");
	model_release(f->m, &r);
}

static void test_dev_server_single_page(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);
	char *body = page_json(NULL, 3, "x", "y", "z");

	assert_true(fake_complete(&f->ft, 0, 200, body));
	free(body);
	assert_true(model_complete(r));
	assert_int_equal(model_count(r), 3);
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_false(model_paging(r));
	model_release(f->m, &r);
}

static void test_revalidate_keeps_pages(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);

	assert_true(complete_page(f, 0, "c1", 2, "a", "b"));
	model_more(f->m, r);
	assert_true(complete_page(f, 1, "c2", 2, "c", "d"));
	model_more(f->m, r);
	assert_true(complete_page(f, 2, "c3", 2, "e", "f"));
	assert_int_equal(model_count(r), 6);

	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_string_equal(fake_req(&f->ft, 3)->url, BASE "/v2/rooms");
	assert_true(complete_page(f, 3, "n1", 2, "new", "a"));
	/* Still the old list while the reload runs. */
	assert_int_equal(model_count(r), 6);
	assert_string_equal(model_room_at(r, 0)->id, "a");
	assert_true(r->busy);
	assert_false(model_paging(r));
	assert_int_equal(fake_count(&f->ft), 5);
	assert_string_equal(fake_req(&f->ft, 4)->url, BASE "/v2/rooms?startingAfter=n1");
	model_more(f->m, r);
	assert_int_equal(fake_count(&f->ft), 5);
	assert_true(complete_page(f, 4, "n2", 2, "b", "c"));
	assert_int_equal(model_count(r), 6);
	assert_true(complete_page(f, 5, "n3", 2, "d", "e"));
	/* Swapped in whole, as many pages as before. */
	assert_false(r->busy);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(model_count(r), 6);
	assert_string_equal(model_room_at(r, 0)->id, "new");
	assert_string_equal(model_next_cursor(r), "n3");
	assert_false(model_complete(r));
	assert_int_equal(fake_count(&f->ft), 6);
	model_release(f->m, &r);
}

static void test_mutation_update(void **state)
{
	struct fx *f = *state;
	struct room_filter flt = {0};
	struct resource *held = model_rooms(f->m, NULL), *other, *room;
	struct room_update u = {0};
	struct strv v = {0};
	struct done_rec d = {0};
	size_t n;

	flt.user_id = strdup("bob");
	other = model_rooms(f->m, &flt);
	room_filter_clear(&flt);
	assert_true(complete_page(f, 0, NULL, 2, "a", "b"));
	assert_true(complete_page(f, 1, NULL, 1, "a"));
	model_release(f->m, &other);
	assert_true(strv_push(&v, "red"));
	assert_true(room_patch_map_set(&u.metadata, "color", &v, false, false));
	strv_free(&v);

	assert_int_not_equal(model_room_update(f->m, "a", &u, on_done, &d), 0);
	room_update_clear(&u);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(fake_req(&f->ft, 2)->method, HTTP_POST);
	assert_string_equal(fake_req(&f->ft, 2)->url, BASE "/v2/rooms/a");
	assert_int_equal(d.calls, 0);
	assert_true(fake_complete(
	    &f->ft, 2, 200,
	    "{\"id\":\"a\",\"metadata\":{\"color\":\"red\"},\"defaultAccesses\":[]}"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_OK);
	assert_true(d.had_room);
	assert_string_equal(d.color, "red");

	/* The room resource holds the server's copy, without a request. */
	n = fake_count(&f->ft);
	room = model_room(f->m, "a");
	assert_int_equal(fake_count(&f->ft), n);
	assert_int_equal(room->state, RES_FRESH);
	assert_string_equal(color_of(model_room_of(room)), "red");
	model_release(f->m, &room);

	/* The held list shows the new copy now and revalidates; the other
	 * list is only marked stale. */
	assert_string_equal(color_of(model_room_at(held, 0)), "red");
	assert_true(held->busy);
	assert_int_equal(held->state, RES_STALE);
	assert_int_equal(n, 4);
	assert_string_equal(fake_req(&f->ft, 3)->url, BASE "/v2/rooms");
	other = model_rooms(f->m, NULL); /* same as held */
	assert_ptr_equal(other, held);
	model_release(f->m, &other);
	flt.user_id = strdup("bob");
	other = model_rooms(f->m, &flt);
	room_filter_clear(&flt);
	/* It was stale: coming back revalidates it. */
	assert_int_equal(other->state, RES_STALE);
	assert_true(other->busy);
	assert_int_equal(fake_count(&f->ft), 5);
	assert_string_equal(fake_req(&f->ft, 4)->url, BASE "/v2/rooms?userId=bob");
	model_release(f->m, &other);
	model_release(f->m, &held);
}

static void test_mutation_create(void **state)
{
	struct fx *f = *state;
	struct resource *held = model_rooms(f->m, NULL), *room;
	struct room_create c = {0};
	struct done_rec d = {0};

	assert_true(complete_page(f, 0, NULL, 1, "a"));
	c.id = strdup("n");
	model_room_create(f->m, &c, false, on_done, &d);
	room_create_clear(&c);
	assert_string_equal(fake_req(&f->ft, 1)->url, BASE "/v2/rooms");
	assert_true(
	    fake_complete(&f->ft, 1, 200, "{\"id\":\"n\",\"defaultAccesses\":[\"room:write\"]}"));
	assert_int_equal(d.err.status, LB_OK);
	assert_string_equal(d.id, "n");
	assert_int_equal(held->state, RES_STALE);
	assert_true(held->busy);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(complete_page(f, 2, NULL, 2, "n", "a"));
	assert_int_equal(held->state, RES_FRESH);
	assert_true(list_has(held, "n"));
	room = model_room(f->m, "n");
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(room->has_data);
	assert_int_equal(model_room_of(room)->default_accesses.n, 1);
	model_release(f->m, &room);

	/* A failed create changes nothing and says why. */
	c.id = strdup("n");
	model_room_create(f->m, &c, false, on_done, &d);
	room_create_clear(&c);
	assert_true(fake_complete(&f->ft, 3, 409,
	                          "{\"error\":\"ROOM_ALREADY_EXISTS\",\"message\":\"Room with id "
	                          "\\\"n\\\" already exists.\"}"));
	assert_int_equal(d.calls, 2);
	assert_int_equal(d.err.status, LB_HTTP);
	assert_int_equal(d.err.http_status, 409);
	assert_false(d.had_room);
	assert_int_equal(held->state, RES_FRESH);
	assert_int_equal(fake_count(&f->ft), 4);
	model_release(f->m, &held);
}

static void test_mutation_during_load_reloads(void **state)
{
	struct fx *f = *state;
	struct resource *held = model_rooms(f->m, NULL);
	struct room_create c = {0};
	struct done_rec d = {0};

	c.id = strdup("n");
	model_room_create(f->m, &c, false, on_done, &d);
	room_create_clear(&c);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"n\"}"));
	/* The list request started before the create: its answer may miss
	 * the new room, so it is reloaded once it lands. */
	assert_int_equal(fake_count(&f->ft), 2);
	assert_true(complete_page(f, 0, NULL, 1, "a"));
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(held->busy);
	assert_int_equal(held->state, RES_STALE);
	assert_true(complete_page(f, 2, NULL, 2, "n", "a"));
	assert_int_equal(held->state, RES_FRESH);
	assert_int_equal(fake_count(&f->ft), 3);
	model_release(f->m, &held);
}

static void test_delete_removes_from_lists(void **state)
{
	struct fx *f = *state;
	struct room_filter flt = {0};
	struct resource *all = model_rooms(f->m, NULL), *some, *room;
	struct done_rec d = {0};
	unsigned gen;
	const char *ids[8];

	flt.prefix = strdup("b");
	some = model_rooms(f->m, &flt);
	room_filter_clear(&flt);
	room = model_room(f->m, "b");
	assert_true(complete_page(f, 0, NULL, 3, "a", "b", "c"));
	assert_true(complete_page(f, 1, NULL, 1, "b"));
	assert_true(fake_complete(&f->ft, 2, 200, "{\"id\":\"b\"}"));
	model_release(f->m, &some);
	assert_int_equal(model_room_ids(f->m, "", ids, 8), 3);

	gen = all->generation;
	model_room_delete(f->m, "b", on_done, &d);
	assert_int_equal(fake_req(&f->ft, 3)->method, HTTP_DELETE);
	assert_string_equal(fake_req(&f->ft, 3)->url, BASE "/v2/rooms/b");
	assert_true(fake_complete(&f->ft, 3, 204, NULL));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_OK);
	assert_false(d.had_room);
	assert_int_equal(model_count(all), 2);
	assert_false(list_has(all, "b"));
	assert_true(all->generation > gen);
	assert_true(room->gone);
	assert_false(room->has_data);
	assert_int_equal(room->state, RES_ERROR);
	assert_int_equal(model_room_ids(f->m, "", ids, 8), 2);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "c");
	/* The held list revalidates, the released one is stale and empty of b. */
	assert_true(all->busy);
	assert_int_equal(fake_count(&f->ft), 5);
	some = model_rooms(f->m, &(struct room_filter){.prefix = "b"});
	assert_int_equal(model_count(some), 0);
	assert_int_equal(some->state, RES_STALE);
	model_release(f->m, &some);
	model_release(f->m, &room);
	model_release(f->m, &all);
}

/* A delete whose outcome is unknown: nothing is assumed, what is held is
 * read again to show what the server did. */
static void test_unsure_delete_rereads(void **state)
{
	struct fx *f = *state;
	struct resource *all = model_rooms(f->m, NULL);
	struct resource *room = model_room(f->m, "b");
	struct done_rec d = {0};

	assert_true(complete_page(f, 0, NULL, 2, "a", "b"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"b\"}"));
	model_room_delete(f->m, "b", on_done, &d);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(fake_fail(&f->ft, 2, LB_UNSURE, "no answer"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_UNSURE);
	assert_true(list_has(all, "b"));
	assert_false(room->gone);
	assert_true(all->busy);
	assert_true(room->busy);
	assert_int_equal(fake_count(&f->ft), 5);
	model_release(f->m, &room);
	model_release(f->m, &all);
}

static void test_room_404_is_gone(void **state)
{
	struct fx *f = *state;
	struct resource *all = model_rooms(f->m, NULL);
	struct resource *room = model_room(f->m, "x");

	assert_true(complete_page(f, 0, NULL, 2, "x", "y"));
	assert_true(
	    fake_complete(&f->ft, 1, 404,
	                  "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"x\\\" "
	                  "not found.\"}"));
	assert_true(room->gone);
	assert_int_equal(room->state, RES_ERROR);
	assert_int_equal(room->err.http_status, 404);
	assert_string_equal(room->err.code, "ROOM_NOT_FOUND");
	assert_false(list_has(all, "x"));
	assert_int_equal(model_count(all), 1);
	model_release(f->m, &room);
	model_release(f->m, &all);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct room_create c = {0};
	struct room_update u = {0};
	struct done_rec d = {0};

	assert_true(model_read_only(f->m));
	c.id = strdup("n");
	assert_int_equal(model_room_create(f->m, &c, true, on_done, &d), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_READONLY);
	assert_false(d.had_room);
	assert_int_equal(model_room_update(f->m, "n", &u, on_done, &d), 0);
	assert_int_equal(d.calls, 2);
	assert_int_equal(d.err.status, LB_READONLY);
	assert_int_equal(model_room_delete(f->m, "n", on_done, &d), 0);
	assert_int_equal(d.calls, 3);
	assert_int_equal(d.err.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(model_busy_count(f->m), 0);
	room_create_clear(&c);
}

/* A create without ?idempotent is a POST the server may apply even when
 * no answer came: it goes out once, is never retried, and an outcome not
 * known reads again what is shown rather than sending it again. */
static void test_create_sent_at_most_once(void **state)
{
	struct fx *f = *state;
	struct resource *held = model_rooms(f->m, NULL), *room = model_room(f->m, "n");
	struct room_create c = {0};
	struct done_rec d = {0};

	assert_true(complete_page(f, 0, NULL, 1, "a"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"n\"}"));
	c.id = strdup("n");
	assert_int_not_equal(model_room_create(f->m, &c, false, on_done, &d), 0);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(fake_req(&f->ft, 2)->method, HTTP_POST);
	assert_string_equal(fake_req(&f->ft, 2)->url, BASE "/v2/rooms");
	assert_false(fake_req(&f->ft, 2)->idempotent);
	assert_non_null(strstr(fake_req(&f->ft, 2)->body, "\"id\":\"n\""));
	assert_int_equal(model_changes_in_flight(f->m), 1);
	assert_true(fake_fail(&f->ft, 2, LB_UNSURE, "no answer"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_UNSURE);
	assert_string_equal(d.err.message, "no answer");
	assert_false(d.had_room);
	assert_int_equal(model_changes_in_flight(f->m), 0);
	/* The list and the room are read again; no second POST. */
	assert_int_equal(fake_count(&f->ft), 5);
	for (size_t k = 3; k < 5; k++)
		assert_int_equal(fake_req(&f->ft, k)->method, HTTP_GET);
	assert_true(held->busy);
	assert_true(room->busy);

	/* Get-or-create: ?idempotent, still a POST the transport never
	 * retries on its own. */
	assert_int_not_equal(model_room_create(f->m, &c, true, on_done, &d), 0);
	assert_int_equal(fake_count(&f->ft), 6);
	assert_string_equal(fake_req(&f->ft, 5)->url, BASE "/v2/rooms?idempotent");
	assert_false(fake_req(&f->ft, 5)->idempotent);
	fake_cancel_all(&f->ft);
	assert_int_equal(d.calls, 2);
	room_create_clear(&c);
	model_release(f->m, &room);
	model_release(f->m, &held);
}

/* Once the model is stopping (a signal), no room change starts: nothing
 * is sent and each says so. */
static void test_stopping_refuses_room_changes(void **state)
{
	struct fx *f = *state;
	struct room_create c = {.id = "n"};
	struct room_update u = {0};
	struct done_rec d = {0};

	assert_int_equal(model_storage_interrupt(f->m), 0);
	assert_int_equal(model_room_create(f->m, &c, false, on_done, &d), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_CANCELLED);
	assert_string_equal(d.err.message, "interrupted: nothing more is sent");
	assert_int_equal(model_room_update(f->m, "n", &u, on_done, &d), 0);
	assert_int_equal(d.calls, 2);
	assert_string_equal(d.err.message, "interrupted: nothing more is sent");
	assert_int_equal(model_room_delete(f->m, "n", on_done, &d), 0);
	assert_int_equal(d.calls, 3);
	assert_int_equal(d.err.status, LB_CANCELLED);
	assert_string_equal(d.err.message, "interrupted: nothing more is sent");
	assert_false(d.had_room);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(model_busy_count(f->m), 0);
}

/* Read-only mode says so before anything, a model that is stopping too,
 * naming what would have been sent. */
static void test_read_only_refuses_room_changes_first(void **state)
{
	struct fx *f = *state;
	struct room_create c = {.id = "n"};
	struct room_update u = {0};
	struct done_rec d = {0};

	model_storage_interrupt(f->m);
	assert_int_equal(model_room_create(f->m, &c, false, on_done, &d), 0);
	assert_string_equal(
	    d.err.message,
	    "read-only mode: Create room (POST /v2/rooms) refused, nothing was sent");
	assert_int_equal(model_room_update(f->m, "n", &u, on_done, &d), 0);
	assert_string_equal(
	    d.err.message,
	    "read-only mode: Update room (POST /v2/rooms/{roomId}) refused, nothing was sent");
	assert_int_equal(model_room_delete(f->m, "n", on_done, &d), 0);
	assert_string_equal(
	    d.err.message,
	    "read-only mode: Delete room (DELETE /v2/rooms/{roomId}) refused, nothing was sent");
	assert_int_equal(d.calls, 3);
	assert_int_equal(d.err.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 0);
}

/* An update the server answers 404: the room is gone, from every list
 * too, with the server's words; the callback has no room. */
static void test_update_of_a_missing_room(void **state)
{
	struct fx *f = *state;
	struct resource *all = model_rooms(f->m, NULL);
	struct resource *room = model_room(f->m, "x");
	struct room_update u = {0};
	struct done_rec d = {0};

	assert_true(complete_page(f, 0, NULL, 2, "x", "y"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"x\"}"));
	u.default_accesses_set = true;
	model_room_update(f->m, "x", &u, on_done, &d);
	assert_string_equal(fake_req(&f->ft, 2)->body, "{\"defaultAccesses\":[]}");
	assert_true(fake_complete(&f->ft, 2, 404,
	                          "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id "
	                          "\\\"x\\\" not found.\"}"));
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.http_status, 404);
	assert_string_equal(d.err.message, "Room with id \"x\" not found.");
	assert_false(d.had_room);
	assert_true(room->gone);
	assert_int_equal(room->err.http_status, 404);
	assert_false(list_has(all, "x"));
	assert_int_equal(model_count(all), 1);

	/* An answer that is not a room: said, and nothing changes. */
	model_room_update(f->m, "y", &u, on_done, &d);
	assert_true(fake_complete(&f->ft, 3, 200, "{\"id\":"));
	assert_int_equal(d.calls, 2);
	assert_int_equal(d.err.status, LB_DECODE);
	assert_false(d.had_room);
	assert_true(list_has(all, "y"));
	assert_false(all->busy);
	room_update_clear(&u);
	model_release(f->m, &room);
	model_release(f->m, &all);
}

/* model_free while a room change is in flight: its callback hears, once,
 * what the transport said of the cancelled request. */
static void test_free_during_a_room_change(void **state)
{
	struct fx *f = *state;
	struct room_update u = {0};
	struct done_rec d = {0}, d2 = {0};

	model_room_update(f->m, "a", &u, on_done, &d);
	model_room_delete(f->m, "b", on_done, &d2);
	assert_int_equal(model_changes_in_flight(f->m), 2);
	model_free(&f->m);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_CANCELLED);
	assert_string_equal(d.err.message, "request cancelled");
	assert_false(d.had_room);
	assert_int_equal(d2.calls, 1);
	assert_string_equal(d2.err.message, "request cancelled");
	assert_int_equal(fake_pending(&f->ft), 0);
}

static void test_lru_eviction(void **state)
{
	struct fx *f = *state;
	struct resource *held, *busy, *r;
	char id[16], body[256];
	const char *ids[32];
	size_t n, k, count;

	/* Budget: a handful of small rooms. */
	model_free(&f->m);
	f->o.memory_budget = 6 * 1024;
	f->m = model_new(&f->api, &f->o);
	model_listen(f->m, on_change, &f->heard);

	held = model_room(f->m, "held");
	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"held\"}"));
	busy = model_room(f->m, "busy");
	model_release(f->m, &busy); /* unreferenced, but its request is in flight */
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "r%02d", i);
		r = model_room(f->m, id);
		snprintf(body, sizeof(body), "{\"id\":\"%s\",\"metadata\":{\"pad\":\"%080d\"}}", id,
		         i);
		assert_true(fake_complete(&f->ft, fake_count(&f->ft) - 1, 200, body));
		model_release(f->m, &r);
	}
	assert_true(model_bytes(f->m) <= f->o.memory_budget);
	n = model_room_ids(f->m, "", ids, 32);
	/* The held one survived; the oldest released ones went first. */
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], "held") == 0)
			k++;
	assert_int_equal(k, 1);
	assert_true(n < 21);

	/* The busy one was kept: its answer still lands. */
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"busy\"}"));
	n = model_room_ids(f->m, "bu", ids, 32);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "busy");

	/* The most recent is cached, the oldest must be fetched again. */
	count = fake_count(&f->ft);
	r = model_room(f->m, "r19");
	assert_int_equal(fake_count(&f->ft), count);
	model_release(f->m, &r);
	r = model_room(f->m, "r00");
	assert_int_equal(fake_count(&f->ft), count + 1);
	assert_int_equal(r->state, RES_LOADING);
	model_release(f->m, &r);
	assert_true(held->has_data);
	assert_string_equal(model_room_of(held)->id, "held");
	model_release(f->m, &held);
}

static void test_cancel(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);
	int calls = f->heard.calls;

	model_cancel(f->m, r);
	assert_true(fake_req(&f->ft, 0)->cancelled);
	assert_int_equal(r->state, RES_EMPTY);
	assert_false(r->busy);
	assert_true(f->heard.calls > calls);
	assert_int_equal(model_busy_count(f->m), 0);
	/* A late answer is refused: the request is finished. */
	assert_false(complete_page(f, 0, NULL, 1, "a"));
	assert_false(r->has_data);

	model_need(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_true(complete_page(f, 1, "c", 2, "a", "b"));

	/* Cancelling a revalidation keeps the data and state. */
	model_refresh(f->m, r);
	model_cancel(f->m, r);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(model_count(r), 2);
	assert_false(r->busy);

	/* Cancelling a page load keeps the pages loaded. */
	model_more(f->m, r);
	assert_true(model_paging(r));
	model_cancel(f->m, r);
	assert_false(model_paging(r));
	assert_false(r->busy);
	assert_int_equal(model_count(r), 2);
	assert_string_equal(model_next_cursor(r), "c");
	assert_int_equal(r->err.status, LB_OK);
	model_cancel(f->m, r); /* nothing in flight: no-op */
	assert_int_equal(fake_count(&f->ft), 4);
	model_release(f->m, &r);
}

static void test_listener_reenters(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);

	/* A view that loads the next page whenever the list changes. */
	f->heard.more_model = f->m;
	f->heard.more_of = r;
	assert_true(complete_page(f, 0, "c1", 1, "a"));
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(fake_pending(&f->ft), 1);
	assert_true(model_paging(r));
	assert_true(complete_page(f, 1, "c2", 1, "b"));
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(complete_page(f, 2, NULL, 1, "c"));
	assert_true(model_complete(r));
	assert_int_equal(model_count(r), 3);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(fake_pending(&f->ft), 0);
	f->heard.more_of = NULL;
	model_release(f->m, &r);
}

/* A transport that answers inside submit, as a cache or a fast error
 * path could. */
struct sync_ctx {
	int submits;
};

static http_id sync_submit(void *ctx, const struct http_request *req)
{
	struct sync_ctx *s = ctx;
	struct http_response resp;

	s->submits++;
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.body = strstr(req->url, "/v2/rooms/")
	                ? "{\"id\":\"s\"}"
	                : "{\"data\":[{\"id\":\"s\"}],\"nextCursor\":null}";
	resp.body_len = strlen(resp.body);
	req->done(&resp, req->ud);
	return (http_id)s->submits;
}

static void test_synchronous_transport(void **state)
{
	struct sync_ctx s = {0};
	struct transport t = {.ctx = &s, .submit = sync_submit, .cancel = NULL};
	struct model_options o;
	struct api api;
	struct lb_error err;
	struct model *m;
	struct resource *r, *room;
	struct done_rec d = {0};

	(void)state;
	model_options_default(&o);
	assert_true(api_init(&api, t, BASE, "sk_localdev", &err));
	m = model_new(&api, &o);
	r = model_rooms(m, NULL);
	assert_int_equal(r->state, RES_FRESH);
	assert_false(r->busy);
	assert_int_equal(model_count(r), 1);
	room = model_room(m, "s");
	assert_int_equal(room->state, RES_FRESH);
	model_room_delete(m, "s", on_done, &d);
	assert_int_equal(d.calls, 1);
	assert_true(room->gone);
	/* The held list was revalidated at once, synchronously. */
	assert_int_equal(s.submits, 4);
	assert_int_equal(model_busy_count(m), 0);
	model_release(m, &room);
	model_release(m, &r);
	model_free(&m);
	api_clear(&api);
}

static void test_free_with_requests_in_flight(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_rooms(f->m, NULL);
	struct room_create c = {0};
	struct done_rec d = {0};

	c.id = strdup("n");
	model_room_create(f->m, &c, false, on_done, &d);
	room_create_clear(&c);
	assert_int_equal(model_busy_count(f->m), 2);
	(void)r;
	model_free(&f->m);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.err.status, LB_CANCELLED);
}

static void test_room_ids(void **state)
{
	struct fx *f = *state;
	struct resource *a = model_rooms(f->m, NULL);
	struct resource *b = model_room(f->m, "beta");
	const char *ids[8];

	assert_true(complete_page(f, 0, NULL, 4, "beta", "alpha", "bravo", "alpha"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"beta\"}"));
	assert_int_equal(model_room_ids(f->m, NULL, ids, 8), 3);
	assert_string_equal(ids[0], "alpha");
	assert_string_equal(ids[1], "beta");
	assert_string_equal(ids[2], "bravo");
	assert_int_equal(model_room_ids(f->m, "b", ids, 8), 2);
	assert_string_equal(ids[0], "beta");
	assert_int_equal(model_room_ids(f->m, "b", ids, 1), 1);
	assert_int_equal(model_room_ids(f->m, "zz", ids, 8), 0);
	model_release(f->m, &a);
	model_release(f->m, &b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loading_to_fresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_while_revalidate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_old_fresh_revalidates_on_access, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_keeps_stale_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filtered_list_url, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pagination_with_filter_and_failed_page, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_pagination_cursor_cycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dev_server_single_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revalidate_keeps_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mutation_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mutation_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mutation_during_load_reloads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_removes_from_lists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsure_delete_rereads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_room_404_is_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	    cmocka_unit_test_setup_teardown(test_create_sent_at_most_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stopping_refuses_room_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_room_changes_first,
	                                    setup_read_only, teardown),
	    cmocka_unit_test_setup_teardown(test_update_of_a_missing_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_during_a_room_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listener_reenters, setup, teardown),
	    cmocka_unit_test(test_synchronous_transport),
	    cmocka_unit_test_setup_teardown(test_free_with_requests_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_room_ids, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
