#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmd.h"
#include "job.h"
#include "model_fixture.h"
#include "model_impl.h"
#include "queue.h"

/* The moderation queue on the fake transport: rooms listed page by page,
 * each room's threads read as its page comes with a bounded number in
 * flight, 429s waited out, failures recorded, the rows newest first, one
 * room read again, the whole queue run again; and job_append, which the
 * queue grows its job with, on the job core alone. */

#define ROOMS BASE "/v2/rooms?"

/* ------------------------------------------------------------------ */
/* Requests and answers */

/* The first request not finished whose URL starts with prefix, or -1. */
static long pending(struct fx *f, const char *prefix)
{
	for (size_t k = 0; k < fake_count(&f->ft); k++) {
		const struct fake_request *q = fake_req(&f->ft, k);

		if (!q->finished && !strncmp(q->url, prefix, strlen(prefix)))
			return (long)k;
	}
	return -1;
}

/* Requests not finished whose URL starts with prefix. */
static size_t n_pending(struct fx *f, const char *prefix)
{
	size_t n = 0;

	for (size_t k = 0; k < fake_count(&f->ft); k++)
		n += !fake_req(&f->ft, k)->finished &&
		     !strncmp(fake_req(&f->ft, k)->url, prefix, strlen(prefix));
	return n;
}

/* Requests made (finished or not) whose URL starts with prefix. */
static size_t n_made(struct fx *f, const char *prefix)
{
	size_t n = 0;

	for (size_t k = 0; k < fake_count(&f->ft); k++)
		n += !strncmp(fake_req(&f->ft, k)->url, prefix, strlen(prefix));
	return n;
}

/* A page of rooms: ids (space-separated) and the next cursor (NULL: none). */
static char *rooms_page(const char *ids, const char *next)
{
	struct buf b;
	char *copy = strdup(ids), *save = NULL;
	bool first = true;

	buf_init(&b);
	buf_adds(&b, "{\"data\":[");
	for (char *id = strtok_r(copy, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
		buf_printf(&b, "%s{\"type\":\"room\",\"id\":\"%s\",\"metadata\":{}}",
		           first ? "" : ",", id);
		first = false;
	}
	if (next)
		buf_printf(&b, "],\"nextCursor\":\"%s\"}", next);
	else
		buf_adds(&b, "],\"nextCursor\":null}");
	free(copy);
	return buf_steal(&b);
}

/* Answer the first pending page of rooms. */
static void answer_page(struct fx *f, const char *ids, const char *next)
{
	long k = pending(f, ROOMS);
	char *body = rooms_page(ids, next);

	assert_true(k >= 0);
	assert_true(fake_complete(&f->ft, (size_t)k, 200, body));
	free(body);
}

/* The URL prefix of a room's threads. */
static const char *threads_url(const char *room)
{
	static char url[256];

	snprintf(url, sizeof(url), BASE "/v2/rooms/%s/threads", room);
	return url;
}

/* Threads of room, each "ID@SECONDS" of "2024-01-01T00:00:00Z" plus
 * SECONDS, by alice, saying "text of ID". */
static char *threads_body(const char *room, const char *threads)
{
	struct buf b;
	char *copy = strdup(threads), *save = NULL;
	bool first = true;

	buf_init(&b);
	buf_adds(&b, "{\"data\":[");
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *at = strchr(t, '@');
		int s = atoi(at + 1);
		char when[64];

		*at = '\0';
		snprintf(when, sizeof(when), "2024-01-01T00:%02d:%02d.000Z", s / 60, s % 60);
		buf_printf(
		    &b,
		    "%s{\"type\":\"thread\",\"id\":\"%s\",\"roomId\":\"%s\",\"createdAt\":"
		    "\"%s\",\"updatedAt\":\"%s\",\"metadata\":{},\"resolved\":false,"
		    "\"comments\":[{\"type\":\"comment\",\"id\":\"cm_%s\",\"threadId\":\"%s\","
		    "\"roomId\":\"%s\",\"userId\":\"alice\",\"createdAt\":\"%s\",\"body\":{"
		    "\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{"
		    "\"text\":\"text of %s\"}]}]}}]}",
		    first ? "" : ",", t, room, when, when, t, t, room, when, t);
		first = false;
	}
	buf_adds(&b, "]}");
	free(copy);
	return buf_steal(&b);
}

/* Answer room's pending GET of its threads. */
static void answer_room(struct fx *f, const char *room, const char *threads)
{
	long k = pending(f, threads_url(room));
	char *body = threads_body(room, threads);

	assert_true(k >= 0);
	assert_true(fake_complete(&f->ft, (size_t)k, 200, body));
	free(body);
}

/* The rows as "room/ID" joined by spaces. */
static const char *rows(const struct resource *r)
{
	static char out[4096];
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < queue_count(r); i++) {
		const struct thread *t = queue_thread_at(r, i);
		char one[128];

		snprintf(one, sizeof(one), "%s%s/%s", i ? " " : "", t->room_id, t->id);
		str_append(out, sizeof(out), &pos, one);
	}
	return out;
}

/* ------------------------------------------------------------------ */
/* The queue */

static void test_pages_then_rooms_newest_first(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {.prefix = "p"};
	struct resource *r = model_queue(f->m, &spec);
	struct queue_progress p;
	char line[200];

	assert_non_null(r);
	assert_string_equal(model_kind_name(r), "queue");
	assert_true(r->busy);
	/* The first page, a hundred rooms whose ID starts with p. */
	assert_int_equal(fake_count(&f->ft), 1);
	expect_req(f, 0, HTTP_GET, ROOMS "limit=100&query=roomId%5E%22p%22");
	answer_page(f, "p1 p2", "c1");
	/* The next page goes out before the rooms of this one. */
	assert_int_equal(fake_count(&f->ft), 4);
	expect_req(f, 1, HTTP_GET, ROOMS "limit=100&startingAfter=c1&query=roomId%5E%22p%22");
	expect_req(f, 2, HTTP_GET, BASE "/v2/rooms/p1/threads");
	expect_req(f, 3, HTTP_GET, BASE "/v2/rooms/p2/threads");
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.rooms_listed, 2);
	assert_false(p.listing_done);
	assert_true(p.running);
	assert_string_equal(queue_progress_line(r, line, sizeof(line)), "rooms 0/2+ · 0 threads");
	/* The first rows are there before the last room. */
	answer_room(f, "p2", "th_b@10 th_d@30");
	assert_string_equal(rows(r), "p2/th_d p2/th_b");
	assert_true(r->busy);
	answer_page(f, "p3", NULL);
	expect_req(f, 4, HTTP_GET, BASE "/v2/rooms/p3/threads");
	answer_room(f, "p3", "th_c@20");
	assert_true(queue_progress(r, &p));
	assert_true(p.listing_done);
	assert_int_equal(p.rooms_done, 2);
	assert_int_equal(p.rooms_listed, 3);
	assert_int_equal(p.threads, 3);
	assert_string_equal(queue_progress_line(r, line, sizeof(line)), "rooms 2/3 · 3 threads");
	assert_true(r->busy);
	/* Newest first across rooms; the same second: by room, then ID. */
	answer_room(f, "p1", "th_a@40 th_e@10 th_0@10");
	assert_string_equal(rows(r), "p1/th_a p2/th_d p3/th_c p1/th_0 p1/th_e p2/th_b");
	assert_string_equal(queue_thread_at(r, 0)->comments[0].preview, "text of th_a");
	assert_null(queue_thread_at(r, 6));
	assert_false(r->busy);
	assert_int_equal(r->state, RES_FRESH);
	assert_null(queue_listing_error(r));
	assert_true(queue_progress(r, &p));
	assert_false(p.running);
	assert_int_equal(p.failed, 0);
	assert_int_equal(model_busy_count(f->m), 0);
	assert_true(model_bytes(f->m) > 0);
	model_release(f->m, &r);
}

static void test_same_spec_shared(void **state)
{
	struct fx *f = *state;
	const struct queue_spec a = {.room_query = "metadata[\"t\"]:\"x\"", .unresolved = true};
	const struct queue_spec b = {.room_query = "metadata[\"t\"]:\"x\"",
	                             .thread_query = "resolved:false"};
	const struct queue_spec c = {.room_query = "metadata[\"t\"]:\"x\""};
	struct resource *ra = model_queue(f->m, &a), *rb = model_queue(f->m, &b);
	struct resource *rc = model_queue(f->m, &c);

	/* --unresolved is resolved:false in the thread query: the same queue. */
	assert_ptr_equal(ra, rb);
	assert_ptr_not_equal(ra, rc);
	assert_int_equal(n_made(f, ROOMS), 2);
	expect_req(f, 0, HTTP_GET, ROOMS "limit=100&query=metadata%5B%22t%22%5D%3A%22x%22");
	answer_page(f, "r1", NULL);
	expect_req(f, 2, HTTP_GET, BASE "/v2/rooms/r1/threads?query=resolved%3Afalse");
	assert_string_equal(queue_spec_of(ra)->room_query, "metadata[\"t\"]:\"x\"");
	assert_true(queue_spec_of(ra)->unresolved);
	assert_null(queue_spec_of(ra)->prefix);
	model_release(f->m, &ra);
	model_release(f->m, &rb);
	model_release(f->m, &rc);
}

static void test_bounded_in_flight(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	struct buf ids;
	size_t peak = 0, answered = 0;

	buf_init(&ids);
	for (int i = 0; i < 40; i++)
		buf_printf(&ids, "%sr%02d", i ? " " : "", i);
	answer_page(f, ids.data, NULL);
	buf_free(&ids);
	while (fake_pending(&f->ft) > 0) {
		long k = pending(f, BASE "/v2/rooms/r");
		char room[8];

		if (fake_pending(&f->ft) > peak)
			peak = fake_pending(&f->ft);
		assert_true(k >= 0);
		snprintf(room, sizeof(room), "%.3s",
		         fake_req(&f->ft, (size_t)k)->url + strlen(BASE "/v2/rooms/"));
		answer_room(f, room, "th_x@1");
		answered++;
	}
	assert_int_equal(peak, QUEUE_MAX_IN_FLIGHT);
	assert_int_equal(answered, 40);
	assert_int_equal(queue_count(r), 40);
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_rate_limit_waited_out(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	struct queue_progress p;
	char line[200];
	long k;

	answer_page(f, "r1 r2", NULL);
	k = pending(f, threads_url("r1"));
	assert_true(fake_complete_retry_after(
	    &f->ft, (size_t)k, 429, "{\"error\":\"RATE_LIMITED\",\"message\":\"slow\"}", "3"));
	/* Not failed: it waits, and so does what was not sent yet. */
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.wait_ms, 3000);
	assert_int_equal(model_timeout_ms(f->m), 3000);
	assert_string_equal(queue_progress_line(r, line, sizeof(line)),
	                    "rooms 0/2 · 0 threads · waiting 3 s (rate limit)");
	answer_room(f, "r2", "th_2@2");
	assert_int_equal(n_made(f, threads_url("r1")), 1);
	fake_now += 2999;
	model_tick(f->m);
	assert_int_equal(n_made(f, threads_url("r1")), 1);
	fake_now += 1;
	assert_int_equal(model_timeout_ms(f->m), 0);
	model_tick(f->m);
	assert_int_equal(model_timeout_ms(f->m), -1);
	assert_int_equal(n_made(f, threads_url("r1")), 2);
	assert_true(r->busy);
	answer_room(f, "r1", "th_1@1");
	assert_string_equal(rows(r), "r2/th_2 r1/th_1");
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.wait_ms, 0);
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_rate_limit_without_retry_after_grows(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	const long waits[] = {1000, 2000, 4000};

	/* The page itself is refused: it waits and goes again. */
	for (size_t i = 0; i < 3; i++) {
		long k = pending(f, ROOMS);

		assert_true(fake_complete(&f->ft, (size_t)k, 429, "{\"error\":\"RATE_LIMITED\"}"));
		assert_int_equal(model_timeout_ms(f->m), waits[i]);
		fake_now += waits[i];
		model_tick(f->m);
	}
	answer_page(f, "r1", NULL);
	answer_room(f, "r1", "th_1@1");
	assert_int_equal(queue_count(r), 1);
	assert_int_equal(n_made(f, ROOMS), 4);
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_room_failures_recorded(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	struct queue_progress p;
	const char *room, *why;
	char line[200];

	answer_page(f, "r1 r2 r3", NULL);
	assert_true(fake_complete(&f->ft, (size_t)pending(f, threads_url("r2")), 503,
	                          "{\"error\":\"UNAVAILABLE\",\"message\":\"try later\"}"));
	assert_true(
	    fake_complete(&f->ft, (size_t)pending(f, threads_url("r3")), 200, "{\"nope\":1}"));
	answer_room(f, "r1", "th_1@1");
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.failed, 2);
	assert_int_equal(p.rooms_done, 3);
	assert_int_equal(p.threads, 1);
	assert_string_equal(queue_progress_line(r, line, sizeof(line)),
	                    "rooms 3/3 · 1 thread · 2 failed");
	assert_true(queue_failure(r, 0, &room, &why));
	assert_string_equal(room, "r2");
	assert_non_null(strstr(why, "503 UNAVAILABLE: try later"));
	assert_true(queue_failure(r, 1, &room, &why));
	assert_string_equal(room, "r3");
	assert_non_null(strstr(why, "\"data\""));
	assert_false(queue_failure(r, 2, &room, &why));
	/* The rest went on; the listing is whole. */
	assert_string_equal(rows(r), "r1/th_1");
	assert_int_equal(r->state, RES_FRESH);
	assert_null(queue_listing_error(r));
	model_release(f->m, &r);
}

static void test_listing_failure(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {.room_query = "nope:1"};
	struct resource *r = model_queue(f->m, &spec);

	answer_page(f, "r1", "c1");
	assert_true(fake_complete(&f->ft, (size_t)pending(f, ROOMS), 422,
	                          "{\"error\":\"INVALID_QUERY\",\"message\":\"bad query\"}"));
	answer_room(f, "r1", "th_1@1");
	assert_non_null(queue_listing_error(r));
	assert_non_null(strstr(queue_listing_error(r)->message, "listed (1 so far)"));
	assert_string_equal(queue_listing_error(r)->code, "INVALID_QUERY");
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.http_status, 422);
	/* What came stays. */
	assert_string_equal(rows(r), "r1/th_1");
	model_release(f->m, &r);
}

static void test_reload_one_room(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	int heard;

	answer_page(f, "r1 r2", NULL);
	answer_room(f, "r1", "th_1@1 th_3@3");
	answer_room(f, "r2", "th_2@2");
	assert_string_equal(rows(r), "r1/th_3 r2/th_2 r1/th_1");
	heard = f->heard;
	queue_reload_room(f->m, r, "r1");
	assert_int_equal(fake_pending(&f->ft), 1);
	assert_int_equal(n_made(f, threads_url("r1")), 2);
	assert_int_equal(n_made(f, ROOMS), 1);
	/* The rows stay until the answer replaces them. */
	assert_string_equal(rows(r), "r1/th_3 r2/th_2 r1/th_1");
	answer_room(f, "r1", "th_4@4");
	assert_true(f->heard > heard);
	assert_string_equal(rows(r), "r1/th_4 r2/th_2");
	/* Asked again while its read is in flight: read once more after. */
	queue_reload_room(f->m, r, "r2");
	queue_reload_room(f->m, r, "r2");
	assert_int_equal(n_pending(f, threads_url("r2")), 1);
	answer_room(f, "r2", "th_5@5");
	assert_int_equal(n_pending(f, threads_url("r2")), 1);
	answer_room(f, "r2", "th_6@6");
	assert_string_equal(rows(r), "r2/th_6 r1/th_4");
	assert_int_equal(fake_pending(&f->ft), 0);
	/* A room not in the queue yet joins it. */
	queue_reload_room(f->m, r, "r9");
	answer_room(f, "r9", "th_9@9");
	assert_string_equal(rows(r), "r9/th_9 r2/th_6 r1/th_4");
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_refresh_runs_again(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	struct queue_progress p;

	answer_page(f, "r1 r2", "c1");
	answer_page(f, "r3", NULL);
	answer_room(f, "r1", "th_1@1");
	answer_room(f, "r2", "th_2@2");
	answer_room(f, "r3", "th_3@3");
	assert_int_equal(r->state, RES_FRESH);
	model_refresh(f->m, r);
	assert_true(r->busy);
	assert_int_equal(n_pending(f, ROOMS), 1);
	/* The rows of the run before stay until replaced. */
	assert_string_equal(rows(r), "r3/th_3 r2/th_2 r1/th_1");
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.rooms_listed, 0);
	assert_int_equal(p.rooms_done, 0);
	assert_int_equal(p.threads, 3);
	/* r2 is gone, r4 is new. */
	answer_page(f, "r1 r4", "c1");
	answer_room(f, "r1", "th_7@7");
	assert_string_equal(rows(r), "r1/th_7 r3/th_3 r2/th_2");
	answer_page(f, "r3", NULL);
	/* The listing is whole: what it did not list goes. */
	assert_string_equal(rows(r), "r1/th_7 r3/th_3");
	answer_room(f, "r4", "th_8@8");
	answer_room(f, "r3", "th_3@3");
	assert_string_equal(rows(r), "r4/th_8 r1/th_7 r3/th_3");
	assert_true(queue_progress(r, &p));
	assert_int_equal(p.rooms_listed, 3);
	assert_int_equal(p.rooms_done, 3);
	assert_int_equal(p.threads, 3);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_FRESH);
	/* Each run asks for the pages anew. */
	assert_int_equal(n_made(f, ROOMS), 4);
	model_release(f->m, &r);
}

static void test_cursor_given_again_ends(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);
	struct queue_progress p;

	answer_page(f, "r1", "c1");
	answer_page(f, "r2", "c1");
	assert_int_equal(n_made(f, ROOMS), 2);
	assert_true(queue_progress(r, &p));
	assert_true(p.listing_done);
	answer_room(f, "r1", "th_1@1");
	answer_room(f, "r2", "th_2@2");
	assert_int_equal(r->state, RES_FRESH);
	model_release(f->m, &r);
}

static void test_cancel_and_free_in_flight(void **state)
{
	struct fx *f = *state;
	const struct queue_spec spec = {0};
	struct resource *r = model_queue(f->m, &spec);

	answer_page(f, "r1 r2 r3", NULL);
	answer_room(f, "r1", "th_1@1");
	queue_cancel(f->m, r);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_false(r->busy);
	assert_int_equal(r->state, RES_STALE);
	assert_int_equal(r->err.status, LB_CANCELLED);
	assert_string_equal(rows(r), "r1/th_1");
	/* Run again, then freed with reads in flight. */
	model_refresh(f->m, r);
	answer_page(f, "r1 r2 r3", NULL);
	assert_true(fake_pending(&f->ft) > 0);
	model_release(f->m, &r);
}

/* ------------------------------------------------------------------ */
/* The command, through a host that records what it was given */

struct seen_host {
	struct buf out;   /* print and print_json */
	struct buf notes; /* note */
	int progress;     /* lines given */
	int cleared;      /* progress(NULL) */
	char line[256];   /* the last line */
	int done;
	struct lb_error err;
	char view[32];
	struct queue_spec spec; /* show_view's options, copied */
	char prefix[64];
};

static void h_print(void *ud, const char *text)
{
	struct seen_host *h = ud;

	buf_adds(&h->out, text);
	buf_adds(&h->out, "\n");
}

static void h_json(void *ud, const char *json, size_t len)
{
	buf_add(&((struct seen_host *)ud)->out, json, len);
}

static void h_note(void *ud, const char *text)
{
	struct seen_host *h = ud;

	buf_adds(&h->notes, text);
	buf_adds(&h->notes, "\n");
}

static void h_progress(void *ud, const char *line)
{
	struct seen_host *h = ud;

	if (!line) {
		h->cleared++;
		return;
	}
	h->progress++;
	snprintf(h->line, sizeof(h->line), "%s", line);
}

static void h_done(void *ud, const struct lb_error *err)
{
	struct seen_host *h = ud;

	h->done++;
	h->err = *err;
}

static void h_show_view(void *ud, const char *view, const struct scope *where, const void *opts,
                        bool watch)
{
	struct seen_host *h = ud;
	const struct queue_spec *spec = opts;

	(void)where;
	(void)watch;
	snprintf(h->view, sizeof(h->view), "%s", view);
	h->spec = *spec;
	snprintf(h->prefix, sizeof(h->prefix), "%s", spec->prefix ? spec->prefix : "");
	h->spec.prefix = NULL;
	h->spec.room_query = NULL;
	h->spec.thread_query = NULL;
}

/* Batch mode (json: --json), or the screen (interactive). */
static struct cmd_ctx batch_ctx(struct fx *f, struct seen_host *h, bool json, bool interactive)
{
	struct cmd_ctx c = {0};

	memset(h, 0, sizeof(*h));
	buf_init(&h->out);
	buf_init(&h->notes);
	c.model = f->m;
	c.host.ud = h;
	c.host.json = json;
	c.host.interactive = interactive;
	c.host.print = h_print;
	c.host.print_json = h_json;
	c.host.note = h_note;
	c.host.progress = h_progress;
	c.host.done = h_done;
	if (interactive)
		c.host.show_view = h_show_view;
	return c;
}

static void seen_host_free(struct seen_host *h)
{
	buf_free(&h->out);
	buf_free(&h->notes);
}

static void test_command_table_and_progress(void **state)
{
	struct fx *f = *state;
	struct seen_host h;
	struct cmd_ctx c = batch_ctx(f, &h, false, false);

	cmd_run(&c, "queue --prefix p --unresolved");
	/* While it runs: how far it is, on the progress line. */
	assert_int_equal(h.done, 0);
	assert_int_equal(h.progress, 1);
	assert_string_equal(h.line, "rooms 0/0+ · 0 threads");
	expect_req(f, 0, HTTP_GET, ROOMS "limit=100&query=roomId%5E%22p%22");
	answer_page(f, "p1 p2", NULL);
	expect_req(f, 1, HTTP_GET, BASE "/v2/rooms/p1/threads?query=resolved%3Afalse");
	answer_room(f, "p1", "th_1@1");
	answer_room(f, "p2", "th_2@62");
	cmd_step(&c);
	assert_int_equal(h.done, 1);
	assert_int_equal(h.err.status, LB_OK);
	assert_int_equal(h.cleared, 1);
	assert_non_null(h.out.data);
	h.out.data[h.out.len] = '\0';
	assert_non_null(strstr(h.out.data, "ROOM  THREAD  AUTHOR  TEXT"));
	assert_non_null(strstr(h.out.data, "COMMENTS  RESOLVED  CREATED\n"
	                                   "p2    th_2    alice   text of th_2"));
	assert_non_null(strstr(h.out.data, "       1  no        2024-01-01 00:01\n"
	                                   "p1    th_1    alice   text of th_1"));
	assert_int_equal(h.notes.len, 0);
	seen_host_free(&h);
}

static void test_command_json_with_failures(void **state)
{
	struct fx *f = *state;
	struct seen_host h;
	struct cmd_ctx c = batch_ctx(f, &h, true, false);
	char *body = threads_body("r1", "th_1@1");
	struct buf want;

	cmd_run(&c, "queue --rooms metadata[\"t\"]:\"x\" --threads metadata[\"s\"]:\"open\"");
	expect_req(f, 0, HTTP_GET, ROOMS "limit=100&query=metadata%5B%22t%22%5D%3A%22x%22");
	answer_page(f, "r1 r2", NULL);
	expect_req(f, 1, HTTP_GET,
	           BASE "/v2/rooms/r1/threads?query=metadata%5B%22s%22%5D%3A%22open%22");
	assert_true(fake_complete(&f->ft, 1, 200, body));
	assert_true(fake_complete(&f->ft, 2, 503, "{\"error\":\"DOWN\",\"message\":\"later\"}"));
	cmd_step(&c);
	assert_int_equal(h.done, 1);
	/* Exit 1, the document saying what failed. */
	assert_int_equal(h.err.status, LB_PARTIAL);
	assert_string_equal(h.err.message, "the threads of 1 of 2 rooms could not be read");
	h.out.data[h.out.len] = '\0';
	buf_init(&want);
	/* The API's thread as it came, then the failure. */
	buf_printf(&want, "{\"data\":[%.*s],\"failures\":[{\"roomId\":\"r2\",\"error\":\"",
	           (int)(strlen(body) - strlen("{\"data\":[") - 2), body + strlen("{\"data\":["));
	assert_int_equal(strncmp(h.out.data, want.data, want.len), 0);
	assert_non_null(strstr(h.out.data, "503 DOWN: later\"}]}"));
	h.notes.data[h.notes.len] = '\0';
	assert_non_null(strstr(h.notes.data, "room r2: 503 DOWN: later"));
	assert_int_equal(lb_status_exit_code(h.err.status), 1);
	assert_int_equal(h.progress, 1);
	buf_free(&want);
	free(body);
	seen_host_free(&h);
}

static void test_command_usage_and_screen(void **state)
{
	struct fx *f = *state;
	struct seen_host h;
	struct cmd_ctx c = batch_ctx(f, &h, false, false);

	cmd_run(&c, "queue --prefix p --rooms x");
	assert_int_equal(h.done, 1);
	assert_int_equal(h.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 0);
	seen_host_free(&h);
	/* On the screen: the queue view, with the spec; nothing loaded here. */
	c = batch_ctx(f, &h, false, true);
	cmd_run(&c, "queue --prefix p --unresolved");
	assert_int_equal(h.done, 1);
	assert_int_equal(h.err.status, LB_OK);
	assert_string_equal(h.view, "queue");
	assert_string_equal(h.prefix, "p");
	assert_true(h.spec.unresolved);
	assert_int_equal(fake_count(&f->ft), 0);
	seen_host_free(&h);
}

/* ------------------------------------------------------------------ */
/* job_append on the job core */

struct tjob {
	struct job job;
};

static void t_answered(struct job *j, size_t i, const struct job_answer *a)
{
	job_item_set(j, i, a->err->status == LB_OK ? JOB_ENDED : JOB_ENDED + 1, a->err);
}

static void t_settled(struct job *j)
{
	if (!job_active(j))
		j->r->busy = false;
}

static void t_load(struct job *j)
{
	j->r->busy = true;
	job_go(j);
}

static const struct job_policy t_policy = {
    .kind = {.name = "test job", JOB_KIND_HOOKS},
    .size = sizeof(struct tjob),
    .item_size = sizeof(struct job_item),
    .cancelled = JOB_ENDED + 2,
    .answered = t_answered,
    .settled = t_settled,
    .load = t_load,
};

static http_id t_send(struct api *a, size_t i, const char *arg, void *ud, void *ticket)
{
	const struct api_send_args args = {.params = {arg}};

	(void)i;
	(void)ud;
	return api_send(a, EP_ROOM_GET, &args, job_api_done, ticket);
}

static void test_job_append_while_in_flight(void **state)
{
	struct fx *f = *state;
	const char *first[] = {"a0", "a1"};
	const char *more[] = {"b0", "b1", "b2", "b3", "b4"};
	const struct job_spec js = {.n = 2, .args = first, .send = t_send, .max_in_flight = 2};
	struct job *j = job_new(&t_policy, &js);
	struct resource *r;

	assert_non_null(j);
	assert_int_equal(j->cap, 2);
	mi_enter(f->m);
	r = job_add(f->m, j, strdup("test-job"));
	assert_non_null(r);
	mi_acquire(f->m, r);
	mi_leave(f->m);
	assert_int_equal(fake_count(&f->ft), 2);
	/* Grown while both are in flight: their answers still find them. */
	assert_true(job_append(j, 5, more));
	assert_true(j->cap >= 7);
	assert_int_equal(j->n, 7);
	assert_int_equal(j->count[JOB_QUEUED], 5);
	assert_int_equal(j->count[JOB_IN_FLIGHT], 2);
	assert_string_equal(((struct job_item *)job_at(j, 6))->arg, "b4");
	assert_true(fake_complete(&f->ft, 1, 200, "{}"));
	assert_int_equal(((struct job_item *)job_at(j, 1))->state, JOB_ENDED);
	/* The next goes as one ends, in order, two at most. */
	assert_int_equal(fake_count(&f->ft), 3);
	assert_string_equal(fake_req(&f->ft, 2)->url, BASE "/v2/rooms/b0");
	assert_true(fake_fail(&f->ft, 0, LB_NETWORK, "refused"));
	assert_int_equal(((struct job_item *)job_at(j, 0))->state, JOB_ENDED + 1);
	assert_string_equal(fake_req(&f->ft, 3)->url, BASE "/v2/rooms/b1");
	while (fake_pending(&f->ft) > 0) {
		assert_true(fake_pending(&f->ft) <= 2);
		assert_true(fake_complete(&f->ft, (size_t)pending(f, BASE), 200, "{}"));
	}
	assert_int_equal(fake_count(&f->ft), 7);
	assert_int_equal(j->count[JOB_ENDED], 6);
	assert_false(r->busy);
	assert_null(job_at(j, 7));
	/* Appended once it is over: sent when settled. */
	assert_true(job_append(j, 1, (const char *[]){"c0"}));
	mi_enter(f->m);
	job_settle(j);
	mi_leave(f->m);
	assert_string_equal(fake_last(&f->ft)->url, BASE "/v2/rooms/c0");
	model_release(f->m, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pages_then_rooms_newest_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_spec_shared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounded_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit_waited_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limit_without_retry_after_grows, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_room_failures_recorded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_one_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_runs_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cursor_given_again_ends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_and_free_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_command_table_and_progress, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_command_json_with_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_command_usage_and_screen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_job_append_while_in_flight, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
