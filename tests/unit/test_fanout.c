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
#include "fanout.h"
#include "model.h"

#define BASE "http://lb.test"

static long long fake_now;

static long long fake_clock(void)
{
	return fake_now;
}

/* What the test sees of the fan-out: listener calls, items ended in
 * order, and the most requests ever pending at once. */
struct seen {
	struct fake_transport *ft;
	int changes;
	size_t ended[256];
	size_t n_ended;
	size_t peak_pending;
	int ud_freed;
	/* When set, cancel this fan-out once this many children ended. */
	struct model *cancel_m;
	struct resource *cancel_r;
	size_t cancel_after;
	/* When set (child index + 1), cancel it while that child is sent. */
	size_t cancel_sending;
	/* Children sent some other way than api_send: their tickets. */
	void *tickets[64];
	bool own_way; /* get_own_way sends the child with api_send after all */
};

struct fx {
	struct fake_transport ft;
	struct api api;
	struct model *m;
	struct model_options o;
	struct seen seen;
	char ids[64][16];
	const char *args[64];
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

	if (!strcmp(model_kind_name(r), "fan-out"))
		s->changes++;
	note_pending(s);
}

static void on_ended(struct resource *r, size_t i, void *ud)
{
	struct seen *s = ud;

	if (s->n_ended < sizeof(s->ended) / sizeof(s->ended[0]))
		s->ended[s->n_ended++] = i;
	note_pending(s);
	if (s->cancel_r == r && s->n_ended == s->cancel_after)
		fanout_cancel(s->cancel_m, r);
}

static void seen_free(void *ud)
{
	((struct seen *)ud)->ud_freed++;
}

static http_id get_room(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	(void)i;
	(void)ud;
	const struct api_send_args args = {.params = {id}};

	return api_send(a, EP_ROOM_GET, &args, fanout_api_done, ticket);
}

/* Send child i some other way: the transport knows nothing of it, and its
 * answer comes through fanout_answer. */
static http_id get_own_way(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	struct seen *s = ud;

	if (s->cancel_sending == i + 1)
		fanout_cancel(s->cancel_m, s->cancel_r);
	if (!s->own_way)
		return get_room(a, i, id, ud, ticket);
	s->tickets[i] = ticket;
	return (http_id)(1000 + i);
}

/* Child 1 breaks the api's rule: neither an answer nor a request. */
static http_id get_but_lose_one(struct api *a, size_t i, const char *id, void *ud, void *ticket)
{
	return i == 1 ? 0 : get_room(a, i, id, ud, ticket);
}

static int setup_budget(void **state, size_t budget)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	fake_now = 1000000;
	model_options_default(&f->o);
	f->o.clock_ms = fake_clock;
	if (budget)
		f->o.memory_budget = budget;
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, "sk_localdev", &err));
	f->m = model_new(&f->api, &f->o);
	assert_non_null(f->m);
	f->seen.ft = &f->ft;
	model_listen(f->m, on_change, &f->seen);
	for (size_t i = 0; i < 64; i++) {
		snprintf(f->ids[i], sizeof(f->ids[i]), "room-%zu", i);
		f->args[i] = f->ids[i];
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_budget(state, 0);
}

static int setup_small_budget(void **state)
{
	return setup_budget(state, 1);
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

/* A spec over the first n room IDs, GET /v2/rooms/{id} each, bodies kept. */
static struct fanout_spec spec_for(struct fx *f, size_t n, int max_in_flight)
{
	struct fanout_spec s = {0};

	s.n = n;
	s.args = f->args;
	s.submit = get_room;
	s.keep_body = true;
	s.item_ended = on_ended;
	s.ud = &f->seen;
	s.ud_free = seen_free;
	s.max_in_flight = max_in_flight;
	return s;
}

/* The fake request for room i, or -1. */
static long req_for(struct fx *f, size_t i, bool pending_only)
{
	char url[96];

	snprintf(url, sizeof(url), BASE "/v2/rooms/%s", f->ids[i]);
	for (size_t k = fake_count(&f->ft); k-- > 0;) {
		const struct fake_request *q = fake_req(&f->ft, k);

		if (strcmp(q->url, url) == 0 && (!pending_only || !q->finished))
			return (long)k;
	}
	return -1;
}

static void answer(struct fx *f, size_t i)
{
	char body[96];
	long k = req_for(f, i, true);

	assert_true(k >= 0);
	snprintf(body, sizeof(body), "{\"id\":\"%s\"}", f->ids[i]);
	assert_true(fake_complete(&f->ft, (size_t)k, 200, body));
	note_pending(&f->seen);
}

static void test_bounded_concurrency(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 20, 3);
	struct resource *r = model_fanout(f->m, "rooms", &s);
	struct fanout_progress p;

	assert_non_null(r);
	assert_string_equal(model_kind_name(r), "fan-out");
	assert_int_equal(r->state, RES_LOADING);
	assert_true(r->busy);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(model_busy_count(f->m), 3);
	/* Answer the newest in flight first, many times over: the next
	 * child starts as each ends, never more than three at once. */
	while (fake_pending(&f->ft) > 0) {
		size_t k = fake_count(&f->ft);

		while (k-- > 0 && fake_req(&f->ft, k)->finished)
			;
		const char *url = fake_req(&f->ft, k)->url;
		size_t i = (size_t)strtoul(strrchr(url, '-') + 1, NULL, 10);
		answer(f, i);
		assert_true(fake_pending(&f->ft) <= 3);
	}
	assert_int_equal(f->seen.peak_pending, 3);
	assert_int_equal(fake_count(&f->ft), 20);
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.total, 20);
	assert_int_equal(p.finished, 20);
	assert_int_equal(p.ok, 20);
	assert_int_equal(p.failed, 0);
	assert_false(p.running);
	assert_int_equal(r->state, RES_FRESH);
	assert_false(r->busy);
	assert_int_equal(model_busy_count(f->m), 0);
	for (size_t i = 0; i < 20; i++) {
		const struct fanout_item *it = fanout_item(r, i);
		char want[96];

		snprintf(want, sizeof(want), "{\"id\":\"%s\"}", f->ids[i]);
		assert_int_equal(it->state, FANOUT_OK);
		assert_string_equal(it->arg, f->ids[i]);
		assert_string_equal(it->body, want);
		assert_null(it->error);
		assert_int_equal(it->http_status, 200);
	}
	assert_int_equal(f->seen.n_ended, 20);
	assert_null(fanout_item(r, 20));
	model_release(f->m, &r);
}

static void test_outcomes_in_any_order(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 5, 0);
	struct resource *r = model_fanout(f->m, NULL, &s);
	struct fanout_progress p;
	char line[200], want[200];
	const struct fanout_item *it;
	int changes;
	const char *not_found = "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id "
	                        "\\\"room-2\\\" not found.\"}";
	size_t ok_len = strlen("{\"id\":\"room-4\"}");

	assert_int_equal(fake_count(&f->ft), 5); /* five under the default of 8 */
	changes = f->seen.changes;
	assert_true(fake_complete(&f->ft, 4, 200, "{\"id\":\"room-4\"}"));
	assert_true(fake_complete(&f->ft, 2, 404, not_found));
	assert_true(fake_fail(&f->ft, 0, LB_NETWORK, "connection refused"));
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.finished, 3);
	assert_int_equal(p.ok, 1);
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.in_flight, 2);
	assert_true(p.running);
	assert_true(f->seen.changes >= changes + 3);
	snprintf(want, sizeof(want), "3/5, 2 failed, %zu B", ok_len + strlen(not_found));
	assert_string_equal(fanout_progress_line(r, line, sizeof(line)), want);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"room-1\"}"));
	assert_true(fake_complete(&f->ft, 3, 200, "{\"id\":\"room-3\"}"));
	/* Ended in the order answered. */
	assert_int_equal(f->seen.n_ended, 5);
	assert_int_equal(f->seen.ended[0], 4);
	assert_int_equal(f->seen.ended[1], 2);
	assert_int_equal(f->seen.ended[2], 0);
	assert_int_equal(f->seen.ended[3], 1);
	assert_int_equal(f->seen.ended[4], 3);
	it = fanout_item(r, 2);
	assert_int_equal(it->state, FANOUT_FAILED);
	assert_int_equal(it->status, LB_HTTP);
	assert_int_equal(it->http_status, 404);
	assert_non_null(strstr(it->error, "404 ROOM_NOT_FOUND"));
	assert_null(it->body);
	it = fanout_item(r, 0);
	assert_int_equal(it->state, FANOUT_FAILED);
	assert_int_equal(it->status, LB_NETWORK);
	assert_int_equal(it->http_status, 0);
	assert_non_null(strstr(it->error, "connection refused"));
	assert_int_equal(fanout_item(r, 3)->state, FANOUT_OK);
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.ok, 3);
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.received, ok_len * 3 + strlen(not_found));
	/* Some failed: what came is shown, stale, with the first failure. */
	assert_int_equal(r->state, RES_STALE);
	assert_true(r->has_data);
	assert_int_equal(r->err.http_status, 404);
	model_release(f->m, &r);
}

/* A decoded value per child: the body's length as text. */
static void *decode_len(const char *body, size_t len, size_t *bytes, struct lb_error *err, void *ud)
{
	char *v = malloc(32);

	(void)ud;
	if (strstr(body, "garbage")) {
		free(v);
		lb_error_set(err, LB_DECODE, "the server sent malformed JSON");
		return NULL;
	}
	snprintf(v, 32, "%zu", len);
	*bytes = 32;
	return v;
}

static void value_free(void *v, void *ud)
{
	(void)ud;
	free(v);
}

static void test_decode_and_memory_bound(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 6, 2);
	struct resource *r;
	struct fanout_progress p;
	char *body;
	size_t len;
	void *value;
	char line[200];

	s.keep_body = false;
	s.decode = decode_len;
	s.value_free = value_free;
	s.max_kept = 64; /* two values */
	r = model_fanout(f->m, "decoded", &s);
	assert_int_equal(fake_count(&f->ft), 2);
	answer(f, 0);
	assert_true(fake_complete(&f->ft, 1, 200, "garbage"));
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_FAILED);
	assert_int_equal(fanout_item(r, 1)->status, LB_DECODE);
	assert_string_equal(fanout_item(r, 0)->value, "15");
	assert_null(fanout_item(r, 0)->body);
	assert_int_equal(fake_count(&f->ft), 4);
	answer(f, 2);
	/* Two values kept, the bound reached: the next child waits, and
	 * the one in flight still lands. */
	assert_int_equal(fake_count(&f->ft), 4);
	answer(f, 3);
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(fanout_progress(r, &p));
	assert_true(p.held);
	assert_true(p.running);
	assert_int_equal(p.kept, 96);
	assert_int_equal(p.in_flight, 0);
	assert_true(r->busy);
	assert_non_null(strstr(fanout_progress_line(r, line, sizeof(line)), "waiting: 96 B"));
	/* Taking results makes room. */
	assert_true(fanout_take(f->m, r, 0, &body, &len, &value));
	assert_null(body);
	assert_string_equal(value, "15");
	free(value);
	assert_false(fanout_take(f->m, r, 0, NULL, NULL, NULL));
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(fanout_take(f->m, r, 2, NULL, NULL, NULL)); /* dropped */
	assert_int_equal(fake_count(&f->ft), 6);
	answer(f, 4);
	/* Over the bound again, but nothing is left to wait. */
	assert_true(fanout_progress(r, &p));
	assert_true(p.running);
	assert_false(p.held);
	answer(f, 5);
	assert_true(fanout_progress(r, &p));
	assert_false(p.running);
	assert_int_equal(p.ok, 5);
	assert_int_equal(p.kept, 96);
	model_release(f->m, &r);
}

static void test_cancel_midway(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 10, 3);
	struct resource *r = model_fanout(f->m, "cancelled", &s);
	struct fanout_progress p;

	answer(f, 1);
	assert_int_equal(fake_count(&f->ft), 4);
	fanout_cancel(f->m, r);
	/* The three in flight were cancelled at the transport; nothing new. */
	assert_int_equal(fake_count(&f->ft), 4);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_int_equal(f->ft.cancel_calls, 3);
	assert_true(fake_req(&f->ft, 0)->cancelled);
	assert_true(fake_req(&f->ft, 2)->cancelled);
	assert_true(fake_req(&f->ft, 3)->cancelled);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.finished, 10);
	assert_int_equal(p.ok, 1);
	assert_int_equal(p.cancelled, 9);
	assert_int_equal(p.failed, 0);
	assert_false(p.running);
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_OK);
	for (size_t i = 0; i < 10; i++)
		if (i != 1) {
			assert_int_equal(fanout_item(r, i)->state, FANOUT_CANCELLED);
			assert_int_equal(fanout_item(r, i)->status, LB_CANCELLED);
		}
	assert_int_equal(f->seen.n_ended, 10);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.status, LB_CANCELLED);
	/* A second cancel changes nothing. */
	fanout_cancel(f->m, r);
	assert_int_equal(f->ft.cancel_calls, 3);
	model_release(f->m, &r);
}

static void test_cancel_from_a_listener(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 12, 4);
	struct resource *r;

	f->seen.cancel_m = f->m;
	f->seen.cancel_after = 2;
	r = model_fanout(f->m, "listener", &s);
	f->seen.cancel_r = r;
	answer(f, 0);
	answer(f, 3); /* the second to end: cancels the rest from the hook */
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_int_equal(fake_count(&f->ft), 5);
	assert_int_equal(fanout_item(r, 0)->state, FANOUT_OK);
	assert_int_equal(fanout_item(r, 3)->state, FANOUT_OK);
	assert_int_equal(fanout_item(r, 4)->state, FANOUT_CANCELLED);
	assert_int_equal(fanout_item(r, 11)->state, FANOUT_CANCELLED);
	assert_false(r->busy);
	model_release(f->m, &r);
}

static void test_free_with_children_in_flight(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 30, 5);
	struct resource *r = model_fanout(f->m, "freed", &s);

	answer(f, 0);
	answer(f, 2);
	assert_int_equal(fake_pending(&f->ft), 5);
	(void)r; /* still held */
	model_free(&f->m);
	assert_null(f->m);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_int_equal(f->seen.ud_freed, 1);
	/* No more requests went out while it ended. */
	assert_int_equal(fake_count(&f->ft), 7);
}

static void test_shared_key(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 3, 0);
	struct seen other = {0};
	struct fanout_spec s2 = spec_for(f, 3, 0);
	struct resource *a = model_fanout(f->m, "same", &s);
	struct resource *b;

	s2.ud = &other;
	b = model_fanout(f->m, "same", &s2);
	assert_ptr_equal(a, b);
	assert_int_equal(other.ud_freed, 1); /* its spec was not used */
	assert_int_equal(fake_count(&f->ft), 3);
	model_release(f->m, &a);
	model_release(f->m, &b);
}

static void test_refresh_runs_again(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 3, 0);
	struct resource *r = model_fanout(f->m, "again", &s);

	for (size_t i = 0; i < 3; i++)
		answer(f, i);
	assert_int_equal(r->state, RES_FRESH);
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 6);
	assert_true(r->busy);
	/* Each keeps its result until the new answer replaces it. */
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_IN_FLIGHT);
	assert_string_equal(fanout_item(r, 1)->body, "{\"id\":\"room-1\"}");
	assert_true(fake_complete(&f->ft, 4, 200, "{\"id\":\"room-1\",\"n\":2}"));
	assert_string_equal(fanout_item(r, 1)->body, "{\"id\":\"room-1\",\"n\":2}");
	/* A refresh while it runs starts nothing more. */
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 6);
	assert_true(fake_fail(&f->ft, 3, LB_NETWORK, "down"));
	assert_true(fake_complete(&f->ft, 5, 200, "{\"id\":\"room-2\"}"));
	/* A failure leaves the previous result in place. */
	assert_int_equal(fanout_item(r, 0)->state, FANOUT_FAILED);
	assert_string_equal(fanout_item(r, 0)->body, "{\"id\":\"room-0\"}");
	assert_int_equal(r->state, RES_STALE);
	assert_false(r->busy);
	model_release(f->m, &r);
}

static void test_evicted_when_released_and_idle(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 4, 2);
	struct resource *r = model_fanout(f->m, "evicted", &s);

	model_release(f->m, &r);
	/* Busy: not evicted though over the budget, and the children go on. */
	answer(f, 0);
	assert_int_equal(f->seen.ud_freed, 0);
	assert_int_equal(fake_count(&f->ft), 3);
	answer(f, 1);
	answer(f, 2);
	assert_int_equal(f->seen.ud_freed, 0);
	answer(f, 3); /* the last: idle, unreferenced, over budget */
	assert_int_equal(f->seen.ud_freed, 1);
	assert_int_equal(model_bytes(f->m), 0);
}

/* A transport that answers every request before submit returns. */
struct sync_ctx {
	int submits;
	int depth, max_depth;
};

static http_id sync_submit(void *ctx, const struct http_request *req)
{
	struct sync_ctx *c = ctx;
	struct http_response resp;
	char body[96];
	const char *id = strrchr(req->url, '/') + 1;

	c->submits++;
	c->depth++;
	if (c->depth > c->max_depth)
		c->max_depth = c->depth;
	memset(&resp, 0, sizeof(resp));
	snprintf(body, sizeof(body), "{\"id\":\"%s\"}", id);
	resp.status = 200;
	resp.body = body;
	resp.body_len = strlen(body);
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
	struct fanout_progress p;
	char ids[200][16];
	const char *args[200];
	struct fanout_spec s = {0};

	(void)state;
	for (size_t i = 0; i < 200; i++) {
		snprintf(ids[i], sizeof(ids[i]), "s%zu", i);
		args[i] = ids[i];
	}
	model_options_default(&o);
	assert_true(api_init(&api, t, BASE, "sk_localdev", &err));
	m = model_new(&api, &o);
	s.n = 200;
	s.args = args;
	s.submit = get_room;
	s.keep_body = true;
	r = model_fanout(m, "sync", &s);
	assert_int_equal(c.submits, 200);
	/* Each child ended inside its own submit; none was sent from inside
	 * another's answer. */
	assert_int_equal(c.max_depth, 1);
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.ok, 200);
	assert_int_equal(r->state, RES_FRESH);
	assert_string_equal(fanout_item(r, 199)->body, "{\"id\":\"s199\"}");
	model_release(m, &r);
	model_free(&m);
	api_clear(&api);
}

static void test_stale_and_needed_again(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 2, 0);
	struct resource *r = model_fanout(f->m, "aging", &s);

	answer(f, 0);
	answer(f, 1);
	assert_int_equal(r->state, RES_FRESH);
	fake_now += f->o.stale_after_ms;
	model_tick(f->m);
	assert_int_equal(r->state, RES_STALE);
	model_need(f->m, r);
	assert_int_equal(fake_count(&f->ft), 4);
	answer(f, 0);
	answer(f, 1);
	assert_int_equal(r->state, RES_FRESH);
	assert_int_equal(model_age_s(r), 0);
	model_release(f->m, &r);
}

static void test_a_child_never_started(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 3, 0);
	struct resource *r;
	const struct fanout_item *it;

	s.submit = get_but_lose_one;
	r = model_fanout(f->m, "lost", &s);
	/* It failed at once, counted as a failure, not as a request. */
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(model_busy_count(f->m), 2);
	it = fanout_item(r, 1);
	assert_int_equal(it->state, FANOUT_FAILED);
	assert_int_equal(it->status, LB_NETWORK);
	assert_int_equal(it->http_status, 0);
	assert_non_null(strstr(it->error, "could not be started"));
	assert_int_equal(f->seen.n_ended, 1);
	assert_int_equal(f->seen.ended[0], 1);
	answer(f, 0);
	answer(f, 2);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.status, LB_NETWORK);
	assert_int_equal(model_busy_count(f->m), 0);
	model_release(f->m, &r);
}

static void test_answers_another_way(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 4, 0);
	struct resource *r;
	struct fanout_progress p;
	struct lb_error err;

	s.submit = get_own_way;
	f->seen.own_way = true;
	r = model_fanout(f->m, "own way", &s);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(model_busy_count(f->m), 4);
	fanout_answer(f->seen.tickets[2], NULL, 200, "{\"id\":\"room-2\"}", 15);
	lb_error_set(&err, LB_NETWORK, "connection reset");
	fanout_answer(f->seen.tickets[0], &err, 0, NULL, 0);
	assert_string_equal(fanout_item(r, 2)->body, "{\"id\":\"room-2\"}");
	assert_int_equal(fanout_item(r, 2)->http_status, 200);
	assert_int_equal(fanout_item(r, 0)->state, FANOUT_FAILED);
	assert_non_null(strstr(fanout_item(r, 0)->error, "connection reset"));
	/* A cancel reaches no transport: the two left end cancelled at once. */
	fanout_cancel(f->m, r);
	assert_int_equal(f->ft.cancel_calls, 2);
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_CANCELLED);
	assert_int_equal(fanout_item(r, 3)->state, FANOUT_CANCELLED);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_true(fanout_progress(r, &p));
	assert_int_equal(p.ok, 1);
	assert_int_equal(p.failed, 1);
	assert_int_equal(p.cancelled, 2);
	assert_false(p.running);
	/* The first failure is the run's error, not the cancel after it. */
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.status, LB_NETWORK);
	model_release(f->m, &r);
}

static void test_cancel_while_a_child_is_sent(void **state)
{
	struct fx *f = *state;
	struct fanout_spec s = spec_for(f, 4, 1);
	struct resource *r;

	s.submit = get_own_way;
	f->seen.cancel_m = f->m;
	f->seen.cancel_sending = 2; /* child 1 */
	r = model_fanout(f->m, "sending", &s);
	f->seen.cancel_r = r;
	/* Sent some other way, unknown to the transport: nobody will answer
	 * it, so it ends cancelled as soon as it is sent. */
	f->seen.own_way = true;
	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"room-0\"}"));
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_CANCELLED);
	assert_int_equal(fanout_item(r, 1)->status, LB_CANCELLED);
	assert_null(strstr(fanout_item(r, 1)->error, "not sent"));
	assert_non_null(strstr(fanout_item(r, 3)->error, "not sent"));
	assert_int_equal(fanout_item(r, 3)->state, FANOUT_CANCELLED);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_int_equal(f->seen.n_ended, 4);
	assert_false(r->busy);
	assert_int_equal(r->err.status, LB_CANCELLED);
	/* Run again, the child sent with api_send: cancelled at the transport
	 * once it is sent. */
	f->seen.own_way = false;
	model_refresh(f->m, r);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"room-0\"}"));
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(fake_req(&f->ft, 2)->cancelled);
	assert_int_equal(fanout_item(r, 1)->state, FANOUT_CANCELLED);
	assert_int_equal(fanout_item(r, 2)->state, FANOUT_CANCELLED);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_false(r->busy);
	model_release(f->m, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bounded_concurrency, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outcomes_in_any_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decode_and_memory_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_midway, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_from_a_listener, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_with_children_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shared_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_runs_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_evicted_when_released_and_idle, setup_small_budget,
	                                    teardown),
	    cmocka_unit_test(test_synchronous_transport),
	    cmocka_unit_test_setup_teardown(test_stale_and_needed_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_child_never_started, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_answers_another_way, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_while_a_child_is_sent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
