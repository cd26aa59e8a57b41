#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "fake_transport.h"
#include "fanout.h"
#include "model.h"

#define BASE         "http://lb.test"
#define RATE_LIMITED "{\"error\":\"RATE_LIMITED\",\"message\":\"Too many requests\"}"

static long long fake_now;

static long long fake_clock(void)
{
	return fake_now;
}

/* What the test sees of a job. */
struct seen {
	struct fake_transport *ft;
	int changes;
	size_t ended[256];
	size_t n_ended;
	size_t peak_pending;
	int ud_freed;
	/* Items sent some other way than api_send: their tickets. */
	void *tickets[32];
	int lose; /* items delete_but_lose_first loses, from the first */
};

struct fx {
	struct fake_transport ft;
	struct api api;
	struct model *m;
	struct model_options o;
	struct seen seen;
	char ids[3][32][16];
	const char *args[3][32];
};

static void note_pending(struct seen *s)
{
	size_t p = fake_pending(s->ft);

	if (p > s->peak_pending)
		s->peak_pending = p;
}

static void on_change(struct resource *r, void *ud)
{
	struct seen *s = ud;

	if (!strcmp(model_kind_name(r), "bulk job"))
		s->changes++;
	note_pending(s);
}

static void on_ended(struct resource *r, size_t i, void *ud)
{
	struct seen *s = ud;

	(void)r;
	if (s->n_ended < sizeof(s->ended) / sizeof(s->ended[0]))
		s->ended[s->n_ended++] = i;
	note_pending(s);
}

static void seen_free(void *ud)
{
	((struct seen *)ud)->ud_freed++;
}

static http_id delete_room(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	(void)i;
	(void)ud;
	const struct api_send_args args = {.params = {id}};

	return api_send(a, EP_ROOM_DELETE, &args, bulk_api_done, ticket);
}

/* Send item i some other way: the transport knows nothing of it, and its
 * answer comes through bulk_answer. */
static http_id delete_own_way(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	struct seen *s = ud;

	(void)a;
	(void)id;
	s->tickets[i] = ticket;
	return (http_id)(1000 + i);
}

/* Breaks the api's rule for item 0 while s->lose says so: it takes the
 * request and neither answers nor starts it. */
static http_id delete_but_lose_first(struct api *a, size_t i, const char *id, void *ud,
                                     void *ticket)
{
	struct seen *s = ud;

	if (i == 0 && s->lose > 0) {
		s->lose--;
		return 0;
	}
	return delete_room(a, i, id, ud, ticket);
}

static http_id get_room(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	const struct api_send_args args = {.params = {id}};

	(void)i;
	(void)ud;
	return api_send(a, EP_ROOM_GET, &args, fanout_api_done, ticket);
}

static int setup_opts(void **state, size_t budget, bool read_only)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	fake_now = 1000000;
	model_options_default(&f->o);
	f->o.clock_ms = fake_clock;
	f->o.read_only = read_only;
	if (budget)
		f->o.memory_budget = budget;
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, "sk_localdev", &err));
	f->m = model_new(&f->api, &f->o);
	assert_non_null(f->m);
	f->seen.ft = &f->ft;
	model_listen(f->m, on_change, &f->seen);
	for (size_t j = 0; j < 3; j++)
		for (size_t i = 0; i < 32; i++) {
			snprintf(f->ids[j][i], sizeof(f->ids[j][i]), "%c-%zu", "abc"[j], i);
			f->args[j][i] = f->ids[j][i];
		}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, 0, false);
}

static int setup_small_budget(void **state)
{
	return setup_opts(state, 1, false);
}

static int setup_read_only(void **state)
{
	return setup_opts(state, 0, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	model_free(&f->m);
	api_clear(&f->api);
	fake_transport_free(&f->ft);
	free(f);
	return 0;
}

/* A job deleting the first n rooms of list j. */
static struct bulk_spec spec_for(struct fx *f, size_t j, size_t n, int max_in_flight)
{
	struct bulk_spec s = {0};

	s.what = "deleting rooms is";
	s.n = n;
	s.args = f->args[j];
	s.send = delete_room;
	s.item_ended = on_ended;
	s.ud = &f->seen;
	s.ud_free = seen_free;
	s.max_in_flight = max_in_flight;
	return s;
}

static struct resource *start(struct fx *f, const struct bulk_spec *s)
{
	struct lb_error err;
	struct resource *r = model_bulk(f->m, s, &err);

	assert_non_null(r);
	assert_int_equal(err.status, LB_OK);
	return r;
}

static const char *url_of(struct fx *f, size_t k)
{
	return strrchr(fake_req(&f->ft, k)->url, '/') + 1;
}

static void complete(struct fx *f, size_t k, long status, const char *body)
{
	assert_true(fake_complete(&f->ft, k, status, body));
	note_pending(&f->seen);
}

static void test_bounded_with_an_outcome_each(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 10, 4);
	struct resource *r = start(f, &s);
	struct bulk_progress p;
	char line[200];

	assert_string_equal(model_kind_name(r), "bulk job");
	assert_true(r->busy);
	assert_int_equal(r->state, RES_LOADING);
	assert_int_equal(fake_count(&f->ft), 4);
	for (size_t k = 0; k < 4; k++) {
		assert_int_equal(fake_req(&f->ft, k)->method, HTTP_DELETE);
		assert_false(fake_req(&f->ft, k)->idempotent);
	}
	assert_int_equal(bulk_pending(f->m), 10);
	complete(f, 2, 204, NULL);
	assert_int_equal(fake_count(&f->ft), 5);
	complete(f, 0, 404, "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room not found.\"}");
	assert_true(
	    fake_fail(&f->ft, 1, LB_UNSURE, "no answer, so it may or may not have been applied"));
	assert_true(fake_fail(&f->ft, 3, LB_NETWORK, "could not connect"));
	assert_int_equal(fake_count(&f->ft), 8);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 1);
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.unknown, 1);
	assert_int_equal(p.in_flight, 4);
	assert_int_equal(p.queued, 2);
	for (size_t k = 4; k < fake_count(&f->ft); k++)
		if (!fake_req(&f->ft, k)->finished)
			complete(f, k, 204, NULL);
	while (fake_pending(&f->ft) > 0)
		complete(f, fake_count(&f->ft) - 1, 204, NULL);
	assert_int_equal(f->seen.peak_pending, 4);
	/* Each went out once. */
	assert_int_equal(fake_count(&f->ft), 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(bulk_item(r, i)->sends, 1);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 7);
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.unknown, 1);
	assert_int_equal(p.queued + p.in_flight, 0);
	assert_string_equal(bulk_progress_line(r, line, sizeof(line)),
	                    "7/10 done, 2 failed, 1 unknown");
	assert_int_equal(bulk_item(r, 2)->state, BULK_DONE);
	assert_null(bulk_item(r, 2)->error);
	assert_int_equal(bulk_item(r, 0)->state, BULK_FAILED);
	assert_int_equal(bulk_item(r, 0)->http_status, 404);
	assert_non_null(strstr(bulk_item(r, 0)->error, "ROOM_NOT_FOUND"));
	assert_int_equal(bulk_item(r, 1)->state, BULK_UNKNOWN);
	assert_int_equal(bulk_item(r, 1)->status, LB_UNSURE);
	assert_int_equal(bulk_item(r, 3)->state, BULK_FAILED);
	assert_int_equal(bulk_item(r, 3)->status, LB_NETWORK);
	assert_int_equal(f->seen.n_ended, 10);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_int_equal(bulk_pending(f->m), 0);
	assert_int_equal(bulk_timeout_ms(f->m), -1);
	assert_null(bulk_item(r, 10));
	model_release(f->m, &r);
}

static void test_429_pauses_every_send(void **state)
{
	struct fx *f = *state;
	struct bulk_spec sa = spec_for(f, 0, 6, 3);
	struct bulk_spec sb = spec_for(f, 1, 2, 1);
	struct bulk_spec sc = spec_for(f, 2, 1, 0);
	struct resource *a, *b, *c;
	struct bulk_progress p;
	char line[200];

	a = start(f, &sa);
	b = start(f, &sb);
	assert_int_equal(fake_count(&f->ft), 4); /* a-0, a-1, a-2, b-0 */
	/* The server's Retry-After reaches the job through the http and api
	 * layers. */
	assert_true(fake_complete_retry_after(&f->ft, 1, 429, RATE_LIMITED, "5"));
	/* a-1 was not acted on: queued again, and every send waits. */
	assert_int_equal(bulk_item(a, 1)->state, BULK_QUEUED);
	assert_int_equal(bulk_item(a, 1)->rate_limited, 1);
	assert_int_equal(bulk_timeout_ms(f->m), 5000);
	complete(f, 3, 204, NULL); /* b-0: b-1 would go now, but waits */
	complete(f, 0, 204, NULL); /* a-0: room for a-3, which waits */
	assert_int_equal(fake_count(&f->ft), 4);
	c = start(f, &sc); /* a new job waits as well */
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(bulk_progress(a, &p));
	assert_int_equal(p.wait_ms, 5000);
	assert_int_equal(p.in_flight, 1);
	assert_string_equal(bulk_progress_line(a, line, sizeof(line)),
	                    "1/6 done, waiting for rate limit 5s");
	assert_string_equal(bulk_progress_line(b, line, sizeof(line)),
	                    "1/2 done, waiting for rate limit 5s");
	assert_string_equal(bulk_progress_line(c, line, sizeof(line)),
	                    "0/1 done, waiting for rate limit 5s");
	fake_now += 4999;
	bulk_tick(f->m);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(bulk_timeout_ms(f->m), 1);
	assert_string_equal(bulk_progress_line(a, line, sizeof(line)),
	                    "1/6 done, waiting for rate limit 1s");
	fake_now += 1;
	assert_int_equal(bulk_timeout_ms(f->m), 0);
	bulk_tick(f->m);
	/* Sending again: the item refused first, then the rest, each job
	 * within its bound. */
	assert_int_equal(fake_count(&f->ft), 8);
	assert_string_equal(url_of(f, 4), "a-1");
	assert_string_equal(url_of(f, 5), "a-3");
	assert_string_equal(url_of(f, 6), "b-1");
	assert_string_equal(url_of(f, 7), "c-0");
	assert_int_equal(bulk_timeout_ms(f->m), -1);
	while (fake_pending(&f->ft) > 0)
		for (size_t k = 0; k < fake_count(&f->ft); k++)
			if (!fake_req(&f->ft, k)->finished)
				complete(f, k, 204, NULL);
	assert_true(bulk_progress(a, &p));
	assert_int_equal(p.done, 6);
	assert_int_equal(p.wait_ms, 0);
	assert_int_equal(bulk_item(a, 1)->sends, 2);
	assert_int_equal(bulk_item(a, 1)->state, BULK_DONE);
	assert_int_equal(bulk_item(a, 0)->sends, 1);
	assert_true(bulk_progress(b, &p));
	assert_int_equal(p.done, 2);
	assert_true(bulk_progress(c, &p));
	assert_int_equal(p.done, 1);
	model_release(f->m, &a);
	model_release(f->m, &b);
	model_release(f->m, &c);
}

static void test_429_without_retry_after_waits_longer(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 1, 0);
	struct resource *r;
	long waits[] = {1000, 2000, 4000};

	s.max_rate_limited = 3;
	r = start(f, &s);
	for (size_t i = 0; i < 3; i++) {
		complete(f, i, 429, RATE_LIMITED);
		assert_int_equal(bulk_timeout_ms(f->m), waits[i]);
		assert_int_equal(bulk_item(r, 0)->state, BULK_QUEUED);
		fake_now += waits[i] - 1;
		bulk_tick(f->m);
		assert_int_equal(fake_count(&f->ft), i + 1);
		fake_now += 1;
		bulk_tick(f->m);
		assert_int_equal(fake_count(&f->ft), i + 2);
	}
	/* Refused once too often: failed, with the server's words. */
	complete(f, 3, 429, RATE_LIMITED);
	assert_int_equal(bulk_item(r, 0)->state, BULK_FAILED);
	assert_int_equal(bulk_item(r, 0)->http_status, 429);
	assert_non_null(strstr(bulk_item(r, 0)->error, "429 RATE_LIMITED"));
	assert_int_equal(bulk_item(r, 0)->sends, 4);
	assert_false(r->busy);
	assert_int_equal(f->seen.n_ended, 1);
	/* A retry sends it after the wait the last 429 asked for. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 1);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(bulk_timeout_ms(f->m), 8000);
	fake_now += 8000;
	bulk_tick(f->m);
	assert_int_equal(fake_count(&f->ft), 5);
	complete(f, 4, 204, NULL);
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 0)->rate_limited, 0);
	model_release(f->m, &r);
}

static void test_retry_failed_only(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 4, 0);
	struct resource *r = start(f, &s);
	struct bulk_progress p;

	complete(f, 0, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}");
	assert_true(fake_fail(&f->ft, 1, LB_UNSURE, "no answer"));
	complete(f, 2, 204, NULL);
	complete(f, 3, 409, "{\"error\":\"CONFLICT\",\"message\":\"busy\"}");
	assert_false(r->busy);
	assert_int_equal(fake_count(&f->ft), 4);
	/* Only the failed ones go again; the unknown one stays unknown. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 2);
	assert_true(r->busy);
	assert_int_equal(fake_count(&f->ft), 6);
	assert_string_equal(url_of(f, 4), "a-0");
	assert_string_equal(url_of(f, 5), "a-3");
	assert_int_equal(bulk_item(r, 1)->state, BULK_UNKNOWN);
	assert_null(bulk_item(r, 0)->error);
	complete(f, 4, 204, NULL);
	complete(f, 5, 204, NULL);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 3);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.unknown, 1);
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 0);
	assert_int_equal(fake_count(&f->ft), 6);
	/* The unknown one only when asked by name. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_UNKNOWN), 1);
	assert_int_equal(fake_count(&f->ft), 7);
	assert_string_equal(url_of(f, 6), "a-1");
	complete(f, 6, 204, NULL);
	assert_int_equal(bulk_item(r, 1)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 1)->sends, 2);
	model_release(f->m, &r);
}

static void test_cancel_midway(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 10, 3);
	struct resource *r = start(f, &s);
	struct bulk_progress p;
	char line[200];

	complete(f, 0, 204, NULL);
	assert_int_equal(fake_count(&f->ft), 4);
	bulk_cancel(f->m, r);
	/* Nothing new; those in flight are not cut off. */
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(fake_pending(&f->ft), 3);
	assert_int_equal(f->ft.cancel_calls, 0);
	assert_true(r->busy);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.cancelled, 6);
	assert_true(p.cancelling);
	assert_string_equal(bulk_progress_line(r, line, sizeof(line)),
	                    "1/10 done, 6 cancelled, cancelling: 3 in flight");
	complete(f, 1, 204, NULL);
	complete(f, 2, 429, RATE_LIMITED); /* not acted on, and not queued again */
	assert_true(fake_fail(&f->ft, 3, LB_UNSURE, "no answer"));
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(bulk_timeout_ms(f->m), -1);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 2);
	assert_int_equal(p.cancelled, 7);
	assert_int_equal(p.unknown, 1);
	assert_false(p.cancelling);
	assert_int_equal(bulk_item(r, 2)->state, BULK_CANCELLED);
	assert_int_equal(bulk_item(r, 9)->state, BULK_CANCELLED);
	assert_int_equal(bulk_item(r, 9)->sends, 0);
	assert_int_equal(f->seen.n_ended, 10);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_FRESH);
	/* Nothing failed: a retry of failures sends nothing. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 0);
	assert_int_equal(fake_count(&f->ft), 4);
	model_release(f->m, &r);
}

static void test_free_with_items_in_flight(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 10, 3);
	struct resource *r = start(f, &s);

	complete(f, 1, 204, NULL);
	assert_int_equal(fake_pending(&f->ft), 3);
	(void)r; /* still held */
	model_free(&f->m);
	assert_null(f->m);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(f->seen.ud_freed, 1);
}

static void test_free_while_paused(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 2, 1);
	struct resource *r = start(f, &s);

	complete(f, 0, 429, RATE_LIMITED);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_true(r->busy);
	model_release(f->m, &r);
	model_free(&f->m);
	assert_int_equal(f->seen.ud_freed, 1);
	assert_int_equal(fake_count(&f->ft), 1);
}

static void test_released_job_goes_on(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 2, 1);
	struct resource *r = start(f, &s);

	complete(f, 0, 429, RATE_LIMITED);
	model_release(f->m, &r);
	model_tick(f->m);
	/* Over the budget, unreferenced, but with work left: kept. */
	assert_int_equal(f->seen.ud_freed, 0);
	assert_int_equal(bulk_pending(f->m), 2);
	fake_now += 1000;
	bulk_tick(f->m);
	assert_int_equal(fake_count(&f->ft), 2);
	complete(f, 1, 204, NULL);
	assert_int_equal(f->seen.ud_freed, 0);
	complete(f, 2, 204, NULL);
	/* Done and unreferenced: evicted. */
	assert_int_equal(f->seen.ud_freed, 1);
	assert_int_equal(bulk_pending(f->m), 0);
}

static void test_read_only_refuses(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 3, 0);
	struct lb_error err;

	assert_null(model_bulk(f->m, &s, &err));
	assert_int_equal(err.status, LB_READONLY);
	assert_non_null(strstr(err.message, "deleting rooms is refused, nothing was sent"));
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->seen.ud_freed, 1);
}

/* An update whose answer is read as the room it returns: a 2xx that is
 * not one ends with the decoder's error. */
static void room_updated(struct api_storage_result *res, void *ticket)
{
	struct room room;

	if (res->err.status == LB_OK && api_decode_room(res->body, res->body_len, &room, &res->err))
		room_clear(&room);
	bulk_api_done(res, ticket);
}

static http_id update_room(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	const struct api_send_args args = {
	    .params = {id}, .body = "{}", .body_len = 2, .ct = API_CT_JSON};

	(void)i;
	(void)ud;
	return api_send(a, EP_ROOM_UPDATE, &args, room_updated, ticket);
}

static void test_what_an_answer_says(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 3, 0);
	struct resource *r;

	s.send = update_room;
	r = start(f, &s);
	/* A 2xx was applied, even when its body cannot be read. */
	complete(f, 0, 200, "not json");
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 0)->status, LB_DECODE);
	assert_non_null(bulk_item(r, 0)->error);
	/* Cancelled at the transport after it was handed over: maybe applied. */
	assert_true(fake_cancel(&f->ft, 1));
	assert_int_equal(bulk_item(r, 1)->state, BULK_UNKNOWN);
	assert_non_null(strstr(bulk_item(r, 1)->error, "may or may not have been applied"));
	complete(f, 2, 200, "{\"id\":\"a-2\"}");
	assert_int_equal(bulk_item(r, 2)->state, BULK_DONE);
	assert_null(bulk_item(r, 2)->error);
	model_release(f->m, &r);
}

/* A transport that answers 204 before submit returns. */
struct sync_ctx {
	int submits;
	int depth, max_depth;
};

static http_id sync_submit(void *ctx, const struct http_request *req)
{
	struct sync_ctx *c = ctx;
	struct http_response resp;

	c->submits++;
	c->depth++;
	if (c->depth > c->max_depth)
		c->max_depth = c->depth;
	memset(&resp, 0, sizeof(resp));
	resp.status = 204;
	resp.body = "";
	req->done(&resp, req->ud);
	c->depth--;
	return (http_id)c->submits;
}

static void test_synchronous_transport(void **state)
{
	struct sync_ctx c = {0};
	struct transport t = {.ctx = &c, .submit = sync_submit, .cancel = NULL};
	struct model_options o;
	struct api api;
	struct lb_error err;
	struct model *m;
	struct resource *r;
	struct bulk_progress p;
	char ids[300][16];
	const char *args[300];
	struct bulk_spec s = {0};

	(void)state;
	for (size_t i = 0; i < 300; i++) {
		snprintf(ids[i], sizeof(ids[i]), "s%zu", i);
		args[i] = ids[i];
	}
	model_options_default(&o);
	assert_true(api_init(&api, t, BASE, "sk_localdev", &err));
	m = model_new(&api, &o);
	s.n = 300;
	s.args = args;
	s.send = delete_room;
	r = model_bulk(m, &s, &err);
	assert_non_null(r);
	assert_int_equal(c.submits, 300);
	assert_int_equal(c.max_depth, 1);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 300);
	assert_false(r->busy);
	model_release(m, &r);
	model_free(&m);
	api_clear(&api);
}

static void test_listeners_hear_each_item(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 5, 2);
	struct resource *r = start(f, &s);
	int before = f->seen.changes;

	complete(f, 1, 204, NULL);
	assert_true(f->seen.changes > before);
	before = f->seen.changes;
	complete(f, 0, 204, NULL);
	assert_true(f->seen.changes > before);
	complete(f, 3, 204, NULL);
	complete(f, 2, 204, NULL);
	complete(f, 4, 204, NULL);
	assert_int_equal(f->seen.n_ended, 5);
	assert_int_equal(f->seen.ended[0], 1);
	assert_int_equal(f->seen.ended[1], 0);
	assert_int_equal(f->seen.ended[2], 3);
	assert_int_equal(f->seen.ended[3], 2);
	assert_int_equal(f->seen.ended[4], 4);
	/* A refresh sends nothing. */
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 5);
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_an_item_handed_over_without_answer(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 3, 0);
	struct resource *r;
	const struct bulk_item *it;

	s.send = delete_but_lose_first;
	f->seen.lose = 1;
	r = start(f, &s);
	/* Whether it went out nobody knows: unknown, not failed, and not a
	 * request the model waits for. */
	it = bulk_item(r, 0);
	assert_int_equal(it->state, BULK_UNKNOWN);
	assert_int_equal(it->status, LB_UNSURE);
	assert_int_equal(it->sends, 1);
	assert_non_null(strstr(it->error, "no answer will come"));
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(model_busy_count(f->m), 2);
	complete(f, 0, 204, NULL);
	complete(f, 1, 204, NULL);
	assert_false(r->busy);
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 0);
	/* Sent again only when asked by name. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_UNKNOWN), 1);
	assert_int_equal(fake_count(&f->ft), 3);
	complete(f, 2, 204, NULL);
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 0)->sends, 2);
	assert_int_equal(model_busy_count(f->m), 0);
	model_release(f->m, &r);
}

static void test_answers_another_way(void **state)
{
	struct fx *f = *state;
	struct bulk_spec s = spec_for(f, 0, 3, 0);
	struct resource *r;
	struct bulk_progress p;
	struct lb_error err;

	s.send = delete_own_way;
	r = start(f, &s);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(bulk_pending(f->m), 3);
	bulk_answer(f->seen.tickets[1], NULL, 204, -1);
	lb_error_set(&err, LB_HTTP, "rate limited");
	err.http_status = 429;
	bulk_answer(f->seen.tickets[0], &err, 429, 2000);
	lb_error_set(&err, LB_UNSURE, "no answer");
	bulk_answer(f->seen.tickets[2], &err, 0, -1);
	assert_int_equal(bulk_item(r, 1)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 2)->state, BULK_UNKNOWN);
	/* The Retry-After it was given holds every send. */
	assert_int_equal(bulk_item(r, 0)->state, BULK_QUEUED);
	assert_int_equal(bulk_timeout_ms(f->m), 2000);
	fake_now += 2000;
	bulk_tick(f->m);
	assert_int_equal(bulk_item(r, 0)->sends, 2);
	bulk_answer(f->seen.tickets[0], NULL, 204, -1);
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 2);
	assert_int_equal(p.unknown, 1);
	assert_false(r->busy);
	assert_int_equal(model_busy_count(f->m), 0);
	model_release(f->m, &r);
}

static void test_429_pauses_bulk_jobs_only(void **state)
{
	struct fx *f = *state;
	struct bulk_spec sb = spec_for(f, 0, 2, 1);
	struct fanout_spec sf = {0};
	struct resource *b, *fo;
	struct fanout_progress p;

	b = start(f, &sb);
	assert_true(fake_complete_retry_after(&f->ft, 0, 429, RATE_LIMITED, "5"));
	assert_int_equal(bulk_timeout_ms(f->m), 5000);
	/* A fan-out of reads does not wait for the changes' pause. */
	sf.n = 3;
	sf.args = f->args[1];
	sf.submit = get_room;
	sf.keep_body = true;
	fo = model_fanout(f->m, NULL, &sf);
	assert_int_equal(fake_count(&f->ft), 4);
	/* Nor does a 429 to one of its reads pause anything: it failed. */
	assert_true(fake_complete_retry_after(&f->ft, 1, 429, RATE_LIMITED, "60"));
	assert_true(fake_complete(&f->ft, 2, 200, "{\"id\":\"b-1\"}"));
	assert_true(fake_complete(&f->ft, 3, 200, "{\"id\":\"b-2\"}"));
	assert_int_equal(fanout_item(fo, 0)->state, FANOUT_FAILED);
	assert_int_equal(fanout_item(fo, 0)->http_status, 429);
	assert_true(fanout_progress(fo, &p));
	assert_false(p.running);
	assert_int_equal(bulk_timeout_ms(f->m), 5000);
	assert_int_equal(bulk_pending(f->m), 2);
	fake_now += 5000;
	bulk_tick(f->m);
	assert_int_equal(fake_count(&f->ft), 5);
	complete(f, 4, 204, NULL);
	complete(f, 5, 204, NULL);
	assert_int_equal(bulk_pending(f->m), 0);
	model_release(f->m, &fo);
	model_release(f->m, &b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bounded_with_an_outcome_each, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_429_pauses_every_send, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_429_without_retry_after_waits_longer, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_retry_failed_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_midway, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_with_items_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_while_paused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_released_job_goes_on, setup_small_budget,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses, setup_read_only, teardown),
	    cmocka_unit_test_setup_teardown(test_what_an_answer_says, setup, teardown),
	    cmocka_unit_test(test_synchronous_transport),
	    cmocka_unit_test_setup_teardown(test_listeners_hear_each_item, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_an_item_handed_over_without_answer, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_answers_another_way, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_429_pauses_bulk_jobs_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
