/* The engine that runs the model's changes (src/model/ops.h), with a
 * program of its own: read the Storage, then write it back (POST). What
 * every change gets from the engine whatever its program: steps in
 * order, a change never sent twice, a request that cannot be built
 * answered like any other, the kept copy's rules, cancel by model_free,
 * read-only refusal, invalidation at the end and one callback. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_transport.h"
#include "model.h"
#include "model_storage.h"
#include "ops.h"

#define BASE "http://lb.test"
#define ROOM BASE "/v2/rooms/r1"

struct fx {
	struct fake_transport ft;
	struct api api;
	struct model *m;
	struct model_options o;
	char dir[64]; /* XDG_STATE_HOME: where documents are kept */
};

static int setup_opts(void **state, bool read_only)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	model_options_default(&f->o);
	f->o.read_only = read_only;
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, "sk_localdev", &err));
	f->m = model_new(&f->api, &f->o);
	assert_non_null(f->m);
	snprintf(f->dir, sizeof(f->dir), "/tmp/lbtui-ops-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	setenv("XDG_STATE_HOME", f->dir, 1);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_opts(state, false);
}

static int setup_read_only(void **state)
{
	return setup_opts(state, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	model_free(&f->m);
	api_clear(&f->api);
	fake_transport_free(&f->ft);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("XDG_STATE_HOME");
	free(f);
	return 0;
}

/* ---- the program ---- */

struct toy {
	char doc[64];   /* what the read found, and the write sends */
	bool resend;    /* the write's answer asks for the write again */
	bool bad_build; /* the write cannot be built */
	bool keep;      /* keep the document before the write */
	int write_answers;
	struct lb_error write_heard;
};

static const struct op_step toy_write;

static const struct op_step *toy_read_answer(struct model *m, struct op *o,
                                             struct api_storage_result *res, struct op_end *end)
{
	struct toy *t = op_state(o);

	(void)m;
	if (res->err.status != LB_OK) {
		end->err = res->err;
		return NULL;
	}
	snprintf(t->doc, sizeof(t->doc), "%.*s", (int)res->body_len, res->body);
	if (t->keep && !op_keep(o, "storage", t->doc, strlen(t->doc), &end->err))
		return NULL;
	return &toy_write;
}

static bool toy_write_build(struct op *o, struct api_send_args *args, char *made[2],
                            struct lb_error *err)
{
	struct toy *t = op_state(o);

	(void)made;
	if (t->bad_build) {
		lb_error_set(err, LB_USAGE, "cannot build");
		return false;
	}
	args->body = t->doc;
	args->body_len = strlen(t->doc);
	args->ct = API_CT_JSON;
	return true;
}

static const struct op_step *toy_write_answer(struct model *m, struct op *o,
                                              struct api_storage_result *res, struct op_end *end)
{
	struct toy *t = op_state(o);

	(void)m;
	t->write_answers++;
	t->write_heard = res->err;
	op_invalidate(o, &storage_kind);
	if (t->resend)
		return &toy_write;
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	/* A failed write: what was kept is not known to be in place. */
	end->lost = res->err.status != LB_OK;
	return NULL;
}

static const struct op_step toy_read = {.ep = EP_STORAGE_GET, .answer = toy_read_answer};
static const struct op_step toy_write = {.ep = EP_STORAGE_INIT,
                                         .flags = OP_AT_RISK,
                                         .build = toy_write_build,
                                         .answer = toy_write_answer};

static void toy_describe(const struct op *o, struct storage_result *res)
{
	(void)o;
	res->path = STORAGE_READ_MODIFY_WRITE;
}

static const struct op_program toy_program = {
    .name = "toy",
    .state_size = sizeof(struct toy),
    .changes = true,
    .describe = toy_describe,
};

/* The same, stopped by a signal: the read in flight is cancelled. */
static int interrupts;

static bool toy_interrupt(struct op *o, const struct op_step *now)
{
	(void)o;
	interrupts++;
	return now == &toy_read;
}

static const struct op_program toy_stoppable = {
    .name = "toy stoppable",
    .state_size = sizeof(struct toy),
    .changes = true,
    .interrupt = toy_interrupt,
};

/* What the callback heard. */
struct heard {
	int calls;
	struct lb_error err;
	enum storage_path path;
	char previous[64];
	char saved[256];
	char rewrite_room[16]; /* what model_storage_each_rewrite said */
	char rewrite_saved[256];
};

static void note_rewrite(void *ud, const char *room, const char *saved)
{
	struct heard *h = ud;

	snprintf(h->rewrite_room, sizeof(h->rewrite_room), "%s", room);
	snprintf(h->rewrite_saved, sizeof(h->rewrite_saved), "%s", saved ? saved : "");
}

static void on_done(const struct storage_result *res, void *ud)
{
	struct heard *h = ud;

	h->calls++;
	h->err = res->err;
	h->path = res->path;
	snprintf(h->previous, sizeof(h->previous), "%.*s", (int)res->previous_len,
	         res->previous ? res->previous : "");
	snprintf(h->saved, sizeof(h->saved), "%s", res->saved ? res->saved : "");
}

/* Start the toy program on r1 with its options; the op's state. */
static struct toy *toy_start(struct fx *f, struct heard *h, const struct toy *opts,
                             enum endpoint_id guard)
{
	const struct op_done to = {.storage = on_done, .ud = h};
	struct op *o = op_new(f->m, &toy_program, "r1", guard, &to);
	struct toy *t;

	if (!o)
		return NULL;
	t = op_state(o);
	*t = *opts;
	op_run(f->m, o, &toy_read);
	return t;
}

static void expect_req(struct fx *f, size_t k, enum http_method method, const char *url)
{
	const struct fake_request *r = fake_req(&f->ft, k);

	assert_non_null(r);
	assert_int_equal(r->method, method);
	assert_string_equal(r->url, url);
	assert_int_equal(r->idempotent, method == HTTP_GET);
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- tests ---- */

static void test_steps_in_order(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct toy opts = {0};
	struct resource *r = model_storage(f->m, "r1", false);

	assert_true(fake_complete(&f->ft, 0, 200, "{}"));
	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	expect_req(f, 1, HTTP_GET, ROOM "/storage");
	assert_int_equal(model_changes_in_flight(f->m), 1);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"a\":1}"));
	expect_req(f, 2, HTTP_POST, ROOM "/storage");
	assert_string_equal(fake_req(&f->ft, 2)->body, "{\"a\":1}");
	assert_string_equal(fake_header(fake_req(&f->ft, 2), "Content-Type"), "application/json");
	assert_int_equal(h.calls, 0);
	assert_true(fake_complete(&f->ft, 2, 200, "{}"));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_OK);
	assert_int_equal(h.path, STORAGE_READ_MODIFY_WRITE);
	assert_int_equal(model_changes_in_flight(f->m), 0);
	/* What the steps asked for is revalidated at the end. */
	expect_req(f, 3, HTTP_GET, ROOM "/storage");
	assert_true(r->busy);
	assert_int_equal(fake_count(&f->ft), 4);
	model_release(f->m, &r);
}

/* A program that asks for a change again is not obeyed: at most once. */
static void test_change_sent_once(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct toy opts = {.resend = true};

	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	assert_true(fake_complete(&f->ft, 0, 200, "{}"));
	fake_fail(&f->ft, 1, LB_UNSURE, "no answer");
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_UNSURE);
	assert_non_null(strstr(h.err.message, "toy: Initialize Storage"));
	assert_non_null(strstr(h.err.message, "was not sent a second time"));
	/* A read goes as often as asked: the same program twice reads twice. */
	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	expect_req(f, 2, HTTP_GET, ROOM "/storage");
	fake_cancel_all(&f->ft);
	assert_int_equal(h.calls, 2);
}

/* A request that cannot be built is answered with why: nothing sent. */
static void test_build_failure_is_an_answer(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct toy opts = {.bad_build = true};

	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	assert_true(fake_complete(&f->ft, 0, 200, "{}"));
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_USAGE);
	assert_string_equal(h.err.message, "cannot build");
	assert_int_equal(model_busy_count(f->m), 0);
}

/* The copy kept before a destructive step: removed when the op ends with
 * it in place, kept and handed back when it ends lost. */
static void test_kept_copy(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct toy opts = {.keep = true};

	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	assert_int_equal(model_storage_rewrites(f->m), 0);
	assert_true(fake_complete(&f->ft, 0, 200, "{\"a\":1}"));
	/* In the step at risk: counted, and named with its file. */
	assert_int_equal(model_storage_rewrites(f->m), 1);
	model_storage_each_rewrite(f->m, note_rewrite, &h);
	assert_string_equal(h.rewrite_room, "r1");
	assert_true(file_exists(h.rewrite_saved));
	assert_true(fake_complete(&f->ft, 1, 200, "{}"));
	assert_false(file_exists(h.rewrite_saved));
	assert_int_equal(h.err.status, LB_OK);
	assert_string_equal(h.previous, "");
	assert_string_equal(h.saved, "");
	assert_int_equal(model_storage_lost(f->m), 0);

	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	assert_true(fake_complete(&f->ft, 2, 200, "{\"a\":2}"));
	assert_true(fake_complete(&f->ft, 3, 500, "{\"error\":\"INTERNAL\"}"));
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.err.http_status, 500);
	assert_string_equal(h.previous, "{\"a\":2}");
	assert_non_null(strstr(h.saved, f->dir));
	assert_true(file_exists(h.saved));
	assert_int_equal(model_storage_lost(f->m), 1);
	assert_int_equal(model_storage_rewrites(f->m), 0);
}

/* model_free with a request in flight: the callback hears LB_CANCELLED
 * once; in a step at risk, with the kept copy. */
static void test_model_free_in_flight(void **state)
{
	struct fx *f = *state;
	struct heard h = {0}, h2 = {0};
	const struct toy opts = {.keep = true};

	toy_start(f, &h, &opts, EP_STORAGE_INIT);
	model_free(&f->m);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_CANCELLED);
	assert_string_equal(h.previous, "");

	f->m = model_new(&f->api, &f->o);
	toy_start(f, &h2, &opts, EP_STORAGE_INIT);
	assert_true(fake_complete(&f->ft, 1, 200, "{\"a\":3}"));
	expect_req(f, 2, HTTP_POST, ROOM "/storage");
	model_free(&f->m);
	assert_int_equal(h2.calls, 1);
	assert_int_equal(h2.err.status, LB_CANCELLED);
	assert_string_equal(h2.previous, "{\"a\":3}");
	assert_true(file_exists(h2.saved));
	/* Nothing more: the model's requests are gone with it. */
	assert_int_equal(fake_count(&f->ft), 3);
	f->m = model_new(&f->api, &f->o);
}

/* model_storage_interrupt: each op's program decides what to cancel;
 * nothing that changes starts afterwards. */
static void test_interrupt(void **state)
{
	struct fx *f = *state;
	struct heard h = {0}, h2 = {0}, h3 = {0};
	const struct op_done to = {.storage = on_done, .ud = &h};
	const struct op_done to2 = {.storage = on_done, .ud = &h2};
	const struct toy opts = {0};

	op_run(f->m, op_new(f->m, &toy_stoppable, "r1", EP_STORAGE_INIT, &to), &toy_read);
	toy_start(f, &h2, &opts, EP_STORAGE_INIT); /* no hook: left alone */
	interrupts = 0;
	assert_int_equal(model_storage_interrupt(f->m), 0);
	assert_int_equal(interrupts, 1);
	assert_true(fake_req(&f->ft, 0)->cancelled);
	assert_false(fake_req(&f->ft, 1)->finished);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_CANCELLED);
	assert_int_equal(h2.calls, 0);
	/* Nothing new that changes the project; a read still goes. */
	toy_start(f, &h3, &opts, EP_STORAGE_INIT);
	assert_int_equal(h3.calls, 1);
	assert_int_equal(h3.err.status, LB_CANCELLED);
	assert_string_equal(h3.err.message, "interrupted: nothing more is sent");
	op_run(f->m, op_new(f->m, &toy_stoppable, "r1", EP_STORAGE_GET, &to2), &toy_read);
	assert_int_equal(fake_count(&f->ft), 3);
	fake_cancel_all(&f->ft);
}

static void test_no_room(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct op_done to = {.storage = on_done, .ud = &h};

	assert_null(op_new(f->m, &toy_program, "", EP_STORAGE_INIT, &to));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Read-only mode: refused by the guard's row before anything is sent; a
 * program whose guard is a read starts, and its change is refused by the
 * api and answered as such. */
static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct toy opts = {0};

	assert_null(toy_start(f, &h, &opts, EP_STORAGE_INIT));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_READONLY);
	assert_non_null(strstr(h.err.message, "nothing was sent"));
	assert_int_equal(fake_count(&f->ft), 0);

	toy_start(f, &h, &opts, EP_STORAGE_GET);
	assert_true(fake_complete(&f->ft, 0, 200, "{}"));
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.err.status, LB_READONLY);
}

/* ---- a program outside rooms ---- */

struct outside {
	char said[64]; /* what the transport said of a cancel */
	bool heard_cancel;
};

static bool outside_build(struct op *o, struct api_send_args *args, char *made[2],
                          struct lb_error *err)
{
	(void)o;
	(void)made;
	(void)err;
	args->body = "{}";
	args->body_len = 2;
	args->ct = API_CT_JSON;
	return true;
}

static const struct op_step *outside_answer(struct model *m, struct op *o,
                                            struct api_storage_result *res, struct op_end *end)
{
	(void)m;
	op_invalidate(o, &storage_kind);
	end->err = res->err;
	return NULL;
}

static struct outside *outside_seen;

static void outside_cancelled(struct op *o, const struct op_step *now, const struct lb_error *said,
                              struct op_end *end)
{
	(void)o;
	(void)now;
	(void)end;
	outside_seen->heard_cancel = true;
	snprintf(outside_seen->said, sizeof(outside_seen->said), "%.60s",
	         said ? said->message : "");
}

static const struct op_step outside_create = {
    .ep = EP_ROOM_CREATE, .build = outside_build, .answer = outside_answer};
/* A step that leaves its path parameter to the engine. */
static const struct op_step outside_get = {.ep = EP_ROOM_GET, .answer = outside_answer};

static const struct op_program outside_program = {
    .name = "outside",
    .changes = true,
    .outside_room = true,
    .cancelled = outside_cancelled,
};

/* A change not inside a room starts without a room ID; the ID it may be
 * given names it and is not a path parameter; the cancel hook hears what
 * the transport said. */
static void test_outside_a_room(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	struct outside seen = {0};
	const struct op_done to = {.storage = on_done, .ud = &h};
	struct op *o = op_new(f->m, &outside_program, NULL, EP_ROOM_CREATE, &to);

	outside_seen = &seen;
	assert_non_null(o);
	assert_string_equal(op_room(o), "");
	assert_int_not_equal(op_run(f->m, o, &outside_create), 0);
	expect_req(f, 0, HTTP_POST, BASE "/v2/rooms");
	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"n\"}"));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_OK);

	o = op_new(f->m, &outside_program, "n", EP_ROOM_CREATE, &to);
	assert_string_equal(op_room(o), "n");
	assert_int_equal(op_run(f->m, o, &outside_get), 0);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 1);

	/* Read-only and stopping still refuse it first. */
	model_storage_interrupt(f->m);
	assert_null(op_new(f->m, &outside_program, NULL, EP_ROOM_CREATE, &to));
	assert_int_equal(h.calls, 3);
	assert_string_equal(h.err.message, "interrupted: nothing more is sent");

	model_free(&f->m);
	f->m = model_new(&f->api, &f->o);
	op_run(f->m, op_new(f->m, &outside_program, NULL, EP_ROOM_CREATE, &to), &outside_create);
	model_free(&f->m);
	assert_int_equal(h.calls, 4);
	assert_int_equal(h.err.status, LB_CANCELLED);
	assert_true(seen.heard_cancel);
	assert_string_equal(seen.said, "request cancelled");
	f->m = model_new(&f->api, &f->o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_steps_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_change_sent_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_build_failure_is_an_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_free_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outside_a_room, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
