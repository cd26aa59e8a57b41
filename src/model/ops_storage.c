#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "ops.h"

/* A room's Storage as programs of the engine (ops.h): the streamed read;
 * the JSON-patch probe; init and delete, whose answers that say nothing
 * for sure are settled by reading the Storage back; and the changes
 * (patch, rewrite, replace), one program whose steps are the JSON patch
 * and read-modify-write with everything that keeps it safe. */

/* ------------------------------------------------------------------ */
/* Documents */

/* Two plain LSON documents are the same: equal bytes, or trees with no
 * difference. */
/* The key of whether the server takes a JSON Patch (mi_learned): 1 yes,
 * 2 no. */
static const char json_patch_learned = 0;

static bool same_document(const char *a, size_t alen, const char *b, size_t blen)
{
	struct lb_error err;
	struct lson_doc *da, *db;
	struct lson_delta *d = NULL;
	bool same = false;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	da = lson_parse(a, alen, true, &err);
	db = da ? lson_parse(b, blen, true, &err) : NULL;
	if (da && db && da->n == db->n) {
		size_t n = lson_diff(da, db, &d);

		same = n == 0;
		lson_deltas_free(&d, n);
	}
	lson_unref(&da);
	lson_unref(&db);
	return same;
}

/* Whether a plain LSON document's root has no key. */
static bool empty_document(const char *doc, size_t len)
{
	struct lb_error err;
	struct lson_doc *d = lson_parse(doc, len, true, &err);
	bool empty = d && d->n > 0 && d->nodes[0].n_children == 0;

	lson_unref(&d);
	return empty;
}

/* A NUL-terminated copy of len bytes. */
static char *copy_bytes(const char *p, size_t len)
{
	char *c = malloc(len + 1);

	if (!c)
		return NULL;
	if (len)
		memcpy(c, p, len);
	c[len] = '\0';
	return c;
}

/* first with its message replaced by the printf of fmt (LB_NETWORK when
 * first is no error). */
static void first_with(const struct lb_error *first, struct lb_error *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void first_with(const struct lb_error *first, struct lb_error *e, const char *fmt, ...)
{
	va_list ap;

	*e = *first;
	if (e->status == LB_OK)
		lb_error_set(e, LB_NETWORK, "%s", "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* The server refused: it did nothing. A 5xx may come from a proxy after
 * the server acted, and no answer says nothing either. */
static bool refused(const struct lb_error *err)
{
	return err->status == LB_HTTP && err->http_status >= 400 && err->http_status < 500;
}

/* The answer as it came. */
static const struct op_step *as_answered(struct op_end *end, const struct api_storage_result *res)
{
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The streamed read: GET /storage, the body to a sink */

struct stream_op {
	bool simplified;
	struct http_sink sink;
	size_t streamed;
};

static bool build_stream(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct stream_op *st = op_state(o);

	args->query = st->simplified ? "format=json" : NULL;
	args->sink = &st->sink;
	return true;
}

static const struct op_step *stream_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	((struct stream_op *)op_state(o))->streamed = res->streamed;
	return as_answered(end, res);
}

static void stream_describe(const struct op *o, struct storage_result *res)
{
	res->streamed = ((const struct stream_op *)op_state(o))->streamed;
}

static const struct op_step stream_step = {
    .ep = EP_STORAGE_GET, .build = build_stream, .answer = stream_answer};

static const struct op_program stream_program = {
    .name = "storage stream",
    .state_size = sizeof(struct stream_op),
    .changes = false,
    .describe = stream_describe,
};

/* GET /storage to a sink. */
http_id model_storage_stream(struct model *m, const char *room_id, bool simplified,
                             const struct http_sink *sink, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = op_new(m, &stream_program, room_id, EP_STORAGE_GET, &to);

	if (o) {
		struct stream_op *st = op_state(o);

		st->simplified = simplified;
		st->sink = *sink;
	}
	return op_run(m, o, &stream_step);
}

/* ------------------------------------------------------------------ */
/* The probe: an empty JSON patch, to learn whether the endpoint exists */

struct probe_op {
	enum storage_path path;
};

static bool build_probe(struct op *o, struct api_send_args *args, char *made[2],
                        struct lb_error *err)
{
	args->body = "[]";
	args->body_len = 2;
	args->ct = API_CT_JSON;
	return true;
}

static const struct op_step *probe_answer(struct model *m, struct op *o,
                                          struct api_storage_result *res, struct op_end *end)
{
	if (api_is_no_endpoint(&res->err)) {
		mi_learn(m, &json_patch_learned, 2);
		((struct probe_op *)op_state(o))->path = STORAGE_READ_MODIFY_WRITE;
		return NULL;
	}
	if (res->err.status == LB_OK)
		mi_learn(m, &json_patch_learned, 1);
	return as_answered(end, res);
}

static void probe_describe(const struct op *o, struct storage_result *res)
{
	res->path = ((const struct probe_op *)op_state(o))->path;
}

static const struct op_step probe_step = {
    .ep = EP_STORAGE_JSON_PATCH, .build = build_probe, .answer = probe_answer};

static const struct op_program probe_program = {
    .name = "json-patch probe",
    .state_size = sizeof(struct probe_op),
    .changes = false,
    .describe = probe_describe,
};

/* 1 yes, 0 no, -1 not known yet. */
int model_storage_has_json_patch(const struct model *m)
{
	if (!m || mi_learned(m, &json_patch_learned) == 0)
		return -1;
	return mi_learned(m, &json_patch_learned) == 1 ? 1 : 0;
}

/* Send an empty patch to learn whether the endpoint exists. */
http_id model_storage_probe(struct model *m, const char *room_id, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	/* Refused in read-only mode too: it is a PATCH, even if empty. */
	return op_run(m, op_new(m, &probe_program, room_id, EP_STORAGE_JSON_PATCH, &to),
	              &probe_step);
}

/* ------------------------------------------------------------------ */
/* Init and delete: one write, settled by a read when the answer says
 * nothing for sure */

struct write_op {
	char *doc; /* init: the document */
	size_t len;
	struct lb_error first; /* the answer that said nothing for sure */
};

static void write_op_clear(void *state)
{
	free(((struct write_op *)state)->doc);
}

static bool build_init(struct op *o, struct api_send_args *args, char *made[2],
                       struct lb_error *err)
{
	struct write_op *st = op_state(o);

	args->body = st->doc;
	args->body_len = st->len;
	args->ct = API_CT_JSON;
	return true;
}

/* The write's answer: taken at its word when it is a success or a
 * refusal (4xx), else settled by reading the Storage back. */
static const struct op_step *written(struct op *o, struct api_storage_result *res,
                                     struct op_end *end, const struct op_step *settle)
{
	struct write_op *st = op_state(o);

	op_invalidate(o, &storage_kind);
	if (res->err.status != LB_OK && !refused(&res->err)) {
		if (st->first.status == LB_OK)
			st->first = res->err;
		return settle;
	}
	return as_answered(end, res);
}

/* The Storage read back: done after all when it holds what the write
 * meant (done_there), or the first error with what is there (holds). */
static const struct op_step *write_settled(struct op *o, const struct api_storage_result *res,
                                           struct op_end *end, bool done_there, const char *holds)
{
	struct write_op *st = op_state(o);

	if (res->err.status == LB_OK && done_there)
		return NULL;
	if (res->err.status != LB_OK)
		first_with(&st->first, &end->err,
		           "%.400s (and the Storage of room \"%.200s\" could not be read back "
		           "to see whether it was done: %.300s)",
		           st->first.message, op_room(o), res->err.message);
	else
		first_with(&st->first, &end->err,
		           "%.400s (read back, the Storage of room \"%.200s\" %s)",
		           st->first.message, op_room(o), holds);
	return NULL;
}

static const struct op_step init_settle_step, delete_settle_step;

static const struct op_step *init_answer(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end)
{
	return written(o, res, end, &init_settle_step);
}

static const struct op_step *init_settled(struct model *m, struct op *o,
                                          struct api_storage_result *res, struct op_end *end)
{
	struct write_op *st = op_state(o);
	const char *doc = res->body ? res->body : "";

	return write_settled(o, res, end, same_document(st->doc, st->len, doc, res->body_len),
	                     empty_document(doc, res->body_len) ? "is still empty"
	                                                        : "holds another document");
}

static const struct op_step *delete_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	return written(o, res, end, &delete_settle_step);
}

static const struct op_step *delete_settled(struct model *m, struct op *o,
                                            struct api_storage_result *res, struct op_end *end)
{
	const char *doc = res->body ? res->body : "";

	return write_settled(o, res, end, empty_document(doc, res->body_len), "is still there");
}

static const struct op_step init_step = {
    .ep = EP_STORAGE_INIT, .build = build_init, .answer = init_answer};
static const struct op_step init_settle_step = {.ep = EP_STORAGE_GET, .answer = init_settled};
static const struct op_step delete_step = {.ep = EP_STORAGE_DELETE, .answer = delete_answer};
static const struct op_step delete_settle_step = {.ep = EP_STORAGE_GET, .answer = delete_settled};

static const struct op_program init_program = {
    .name = "storage init",
    .state_size = sizeof(struct write_op),
    .clear = write_op_clear,
    .changes = true,
};

static const struct op_program delete_program = {
    .name = "storage delete",
    .state_size = sizeof(struct write_op),
    .clear = write_op_clear,
    .changes = true,
};

/* Whether plain_lson may be sent (validated first); false once done was
 * told why not. Read-only mode says so first: the document would not be
 * sent (op_new refuses it). */
static bool document_ok(struct model *m, enum endpoint_id guard, const char *plain_lson, size_t len,
                        const struct op_done *to)
{
	struct lb_error err;

	if (m && !api_refuses(m->api, guard, NULL) &&
	    (!plain_lson || !lson_validate_document(plain_lson, len, &err))) {
		if (!plain_lson)
			lb_error_set(&err, LB_USAGE, "no document");
		op_refuse(to, err.status == LB_OK ? LB_USAGE : err.status, err.message);
		return false;
	}
	return true;
}

/* POST /storage with a validated plain LSON document. */
http_id model_storage_init(struct model *m, const char *room_id, const char *plain_lson, size_t len,
                           storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct write_op *st;
	struct op *o;

	if (!document_ok(m, EP_STORAGE_INIT, plain_lson, len, &to))
		return 0;
	o = op_new(m, &init_program, room_id, EP_STORAGE_INIT, &to);
	if (!o)
		return 0;
	st = op_state(o);
	st->doc = copy_bytes(plain_lson, len);
	st->len = len;
	if (!st->doc)
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &init_step);
}

/* DELETE /storage. */
http_id model_storage_delete(struct model *m, const char *room_id, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	return op_run(m, op_new(m, &delete_program, room_id, EP_STORAGE_DELETE, &to), &delete_step);
}

/* ------------------------------------------------------------------ */
/* Changes: one atomic JSON patch where the server has the endpoint;
 * otherwise read-modify-write: re-read, test, keep a copy, DELETE, POST,
 * and an answer that says nothing for sure settled by a read (the new
 * document there, the previous one, or none: the previous one POSTed
 * back once). */

struct change_op {
	struct patch patch; /* with its tests when the document shown is known */
	char *patch_json;
	bool literal; /* values are plain LSON as they are (a rewrite) */
	char *whole;  /* a replacement: the new document */
	size_t whole_len;
	char *seen; /* a replacement: the document shown (NULL: no check) */
	size_t seen_len;
	char *orig; /* the document re-read before the write, kept before the DELETE */
	size_t orig_len;
	char *next; /* the document written */
	size_t next_len;
	bool posted;           /* the POST of next went out */
	bool restore_tried;    /* the POST of orig went out */
	bool delete_unsure;    /* the DELETE went out and no answer said it was done */
	bool interrupted;      /* model_storage_interrupt: undo rather than finish */
	struct lb_error first; /* the first answer, when a second request is tried */
	enum storage_path path;
};

static void change_op_clear(void *state)
{
	struct change_op *st = state;

	patch_clear(&st->patch);
	free(st->patch_json);
	free(st->whole);
	free(st->seen);
	free(st->orig);
	free(st->next);
}

static const struct op_step change_patch, change_check, change_reread, change_reread_whole,
    change_delete, change_post, change_restore, change_settle;

static unsigned patch_flags(const struct change_op *st)
{
	return st->literal ? LSON_PATCH_LITERAL : 0;
}

static bool has_tests(const struct change_op *st)
{
	for (size_t i = 0; i < st->patch.n; i++)
		if (st->patch.ops[i].kind == PATCH_TEST)
			return true;
	return false;
}

/* The paths whose tests fail on doc (NULL with err on a bad document or
 * OOM). */
static char *changed_paths(const struct change_op *st, const char *doc, size_t len, size_t *n,
                           struct lb_error *err)
{
	return lson_patch_test_failures(doc, len, &st->patch, patch_flags(st), n, err);
}

/* End with STORAGE_CHANGED: nothing was written. */
static const struct op_step *refuse_changed(struct op *o, const char *paths, struct op_end *end)
{
	if (paths && *paths)
		lb_error_set(&end->err, LB_HTTP,
		             "the Storage of room \"%s\" changed since it was shown; nothing was "
		             "written (changed: %.600s)",
		             op_room(o), paths);
	else
		lb_error_set(&end->err, LB_HTTP,
		             "the Storage of room \"%s\" changed since it was shown; nothing was "
		             "written (look at it again and retry)",
		             op_room(o));
	snprintf(end->err.code, sizeof(end->err.code), "STORAGE_CHANGED");
	op_invalidate(o, &storage_kind);
	return NULL;
}

/* Nothing was sent yet and the model is stopping: end o (true). */
static bool stop_before_writing(struct model *m, struct op *o, struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (!m->storage_stopping && !st->interrupted)
		return false;
	lb_error_set(&end->err, LB_CANCELLED,
	             "interrupted before anything was written to the Storage of room \"%s\"",
	             op_room(o));
	return true;
}

/* What went wrong first, for messages. */
static const char *first_why(const struct change_op *st)
{
	return st->first.status == LB_OK ? "no answer" : st->first.message;
}

/* An answer that says nothing for sure (none at all, cut off, cancelled,
 * or a failed write): read the document back and decide from it. */
static const struct op_step *settle(struct change_op *st, const struct lb_error *err)
{
	if (st->first.status == LB_OK)
		st->first = *err;
	return &change_settle;
}

/* The previous document is in place and the new one was not written. */
static const struct op_step *rewrite_undone(struct op *o, struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (st->interrupted)
		first_with(&st->first, &end->err,
		           "interrupted: the Storage of room \"%.200s\" is as it was; the change "
		           "was not made",
		           op_room(o));
	else if (st->restore_tried)
		first_with(&st->first, &end->err,
		           "writing the new Storage failed (%.400s); the previous document was "
		           "put back",
		           first_why(st));
	else
		first_with(&st->first, &end->err,
		           "writing the new Storage failed (%.400s); the Storage of room "
		           "\"%.200s\" is as it was",
		           first_why(st), op_room(o));
	return NULL;
}

/* The previous document is not in place: it is in the kept file. */
static const struct op_step *rewrite_lost(struct op *o, struct op_end *end, const char *what)
{
	struct change_op *st = op_state(o);

	first_with(&st->first, &end->err, "%s", what);
	end->lost = true;
	return NULL;
}

/* The JSON patch's answer: done, refused (a 422 to a guarded patch is
 * looked into), or no such endpoint: read-modify-write. */
static const struct op_step *patch_answer(struct model *m, struct op *o,
                                          struct api_storage_result *res, struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (api_is_no_endpoint(&res->err)) {
		mi_learn(m, &json_patch_learned, 2);
		st->path = STORAGE_READ_MODIFY_WRITE;
		if (stop_before_writing(m, o, end))
			return NULL;
		return &change_reread;
	}
	if (res->err.status == LB_OK)
		mi_learn(m, &json_patch_learned, 1);
	if (res->err.http_status == 422 && has_tests(st)) {
		st->first = res->err;
		return &change_check;
	}
	op_invalidate(o, &storage_kind);
	return as_answered(end, res);
}

/* A refused PATCH: find out whether its tests are what failed. */
static const struct op_step *check_answer(struct model *m, struct op *o,
                                          struct api_storage_result *res, struct op_end *end)
{
	struct change_op *st = op_state(o);
	struct lb_error err;

	op_invalidate(o, &storage_kind);
	if (res->err.status == LB_OK) {
		size_t n = 0;
		char *paths =
		    changed_paths(st, res->body ? res->body : "", res->body_len, &n, &err);

		if (paths && n) {
			refuse_changed(o, paths, end);
			free(paths);
			return NULL;
		}
		free(paths);
	}
	end->err = st->first;
	return NULL;
}

/* The re-read document is in st->orig (true), or o ends. */
static bool reread_in(struct model *m, struct op *o, const struct api_storage_result *res,
                      struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (stop_before_writing(m, o, end))
		return false;
	if (res->err.status != LB_OK) {
		end->err = res->err;
		return false;
	}
	st->orig = copy_bytes(res->body, res->body_len);
	st->orig_len = res->body_len;
	if (!st->orig) {
		lb_error_set(&end->err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

/* st->next is the document to write: nothing to do when it is the one
 * there; else keep a copy of that one, and DELETE. */
static const struct op_step *keep_then_delete(struct op *o, struct op_end *end)
{
	struct change_op *st = op_state(o);
	struct lb_error err;

	if (st->next_len == st->orig_len && memcmp(st->next, st->orig, st->orig_len) == 0)
		return NULL; /* do not disconnect everyone for nothing */
	/* What the DELETE could lose is on disk before it goes. */
	if (!op_keep(o, "storage", st->orig, st->orig_len, &err)) {
		char why[sizeof(err.message)];

		snprintf(why, sizeof(why), "%s", err.message);
		lb_error_set(&end->err, LB_CONFIG,
		             "cannot keep a copy of the Storage of room \"%s\" before rewriting it "
		             "(%.400s): nothing was written",
		             op_room(o), why);
		return NULL;
	}
	return &change_delete;
}

/* The document re-read for a patch: its tests, then the patch applied. */
static const struct op_step *reread_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (!reread_in(m, o, res, end))
		return NULL;
	if (has_tests(st)) {
		size_t n;
		char *paths = changed_paths(st, st->orig, st->orig_len, &n, &end->err);

		if (!paths)
			return NULL;
		if (n) {
			refuse_changed(o, paths, end);
			free(paths);
			return NULL;
		}
		free(paths);
	}
	st->next =
	    lson_patch_apply_opts(st->orig, st->orig_len, &st->patch, patch_flags(st), &end->err);
	if (!st->next)
		return NULL;
	st->next_len = strlen(st->next);
	lb_error_clear(&end->err);
	return keep_then_delete(o, end);
}

/* The document re-read for a replacement: what it depends on is all of
 * the old one. */
static const struct op_step *reread_whole_answer(struct model *m, struct op *o,
                                                 struct api_storage_result *res, struct op_end *end)
{
	struct change_op *st = op_state(o);

	if (!reread_in(m, o, res, end))
		return NULL;
	if (st->seen && !same_document(st->seen, st->seen_len, st->orig, st->orig_len))
		return refuse_changed(o, NULL, end);
	st->next = copy_bytes(st->whole, st->whole_len);
	if (!st->next) {
		lb_error_set(&end->err, LB_NOMEM, "out of memory");
		return NULL;
	}
	st->next_len = st->whole_len;
	return keep_then_delete(o, end);
}

static const struct op_step *delete_done(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end)
{
	struct change_op *st = op_state(o);
	struct lb_error e;
	char prev[sizeof(e.message)];

	op_invalidate(o, &storage_kind);
	if (res->err.status == LB_OK) {
		/* Stopping: put it back rather than go on. */
		if (st->interrupted) {
			st->restore_tried = true;
			return &change_restore;
		}
		st->posted = true;
		return &change_post;
	}
	e = res->err;
	snprintf(prev, sizeof(prev), "%s", e.message);
	if (refused(&res->err)) {
		snprintf(e.message, sizeof(e.message),
		         "deleting the old Storage failed, nothing was written: %.400s", prev);
		end->err = e;
		return NULL;
	}
	/* No answer: the server may have deleted it all the same, or may
	 * yet. */
	st->delete_unsure = true;
	snprintf(e.message, sizeof(e.message), "deleting the old Storage got no answer (%.300s)",
	         prev);
	return settle(st, &e);
}

static const struct op_step *post_done(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end)
{
	if (res->err.status == LB_OK)
		return as_answered(end, res);
	/* Even a refusal is checked: the document may be there. */
	return settle(op_state(o), &res->err);
}

static const struct op_step *restore_done(struct model *m, struct op *o,
                                          struct api_storage_result *res, struct op_end *end)
{
	if (res->err.status == LB_OK)
		return rewrite_undone(o, end);
	return settle(op_state(o), &res->err);
}

/* The document read back after an uncertain answer. */
static const struct op_step *settled(struct model *m, struct op *o, struct api_storage_result *res,
                                     struct op_end *end)
{
	struct change_op *st = op_state(o);
	char msg[sizeof(res->err.message)];
	const char *doc = res->body ? res->body : "";

	if (res->err.status != LB_OK) {
		snprintf(
		    msg, sizeof(msg),
		    "writing the new Storage failed (%.300s) and the Storage of room \"%.200s\" "
		    "could not be read back to see what happened (%.300s): it may be empty",
		    first_why(st), op_room(o), res->err.message);
		return rewrite_lost(o, end, msg);
	}
	if (st->posted && same_document(st->next, st->next_len, doc, res->body_len))
		return NULL; /* it was written; only the answer was lost */
	if (same_document(st->orig, st->orig_len, doc, res->body_len) && st->delete_unsure &&
	    !st->restore_tried) {
		/* The DELETE may only be on its way (a slow proxy): the copy is
		 * all that would be left after it. */
		snprintf(msg, sizeof(msg),
		         "deleting the old Storage got no answer (%.300s); the Storage of room "
		         "\"%.200s\" still holds the previous document, but the DELETE may yet "
		         "reach it; nothing was written",
		         first_why(st), op_room(o));
		return rewrite_lost(o, end, msg);
	}
	if (same_document(st->orig, st->orig_len, doc, res->body_len))
		return rewrite_undone(o, end);
	if (empty_document(doc, res->body_len) && !st->restore_tried) {
		st->restore_tried = true;
		return &change_restore;
	}
	if (empty_document(doc, res->body_len))
		snprintf(
		    msg, sizeof(msg),
		    "writing the new Storage failed (%.300s) and putting the previous document "
		    "back failed too: the Storage of room \"%.200s\" is empty now",
		    first_why(st), op_room(o));
	else
		snprintf(msg, sizeof(msg),
		         "writing the new Storage failed (%.300s), and the Storage of room "
		         "\"%.200s\" now holds neither the previous document nor the new one "
		         "(someone else may have written it)",
		         first_why(st), op_room(o));
	return rewrite_lost(o, end, msg);
}

static bool build_patch(struct op *o, struct api_send_args *args, char *made[2],
                        struct lb_error *err)
{
	struct change_op *st = op_state(o);

	args->body = st->patch_json;
	args->body_len = strlen(st->patch_json);
	args->ct = API_CT_JSON;
	return true;
}

static bool build_post(struct op *o, struct api_send_args *args, char *made[2],
                       struct lb_error *err)
{
	struct change_op *st = op_state(o);

	args->body = st->next;
	args->body_len = st->next_len;
	args->ct = API_CT_JSON;
	return true;
}

static bool build_restore(struct op *o, struct api_send_args *args, char *made[2],
                          struct lb_error *err)
{
	struct change_op *st = op_state(o);

	args->body = st->orig;
	args->body_len = st->orig_len;
	args->ct = API_CT_JSON;
	return true;
}

static const struct op_step change_patch = {
    .ep = EP_STORAGE_JSON_PATCH, .build = build_patch, .answer = patch_answer};
static const struct op_step change_check = {.ep = EP_STORAGE_GET, .answer = check_answer};
static const struct op_step change_reread = {.ep = EP_STORAGE_GET, .answer = reread_answer};
static const struct op_step change_reread_whole = {.ep = EP_STORAGE_GET,
                                                   .answer = reread_whole_answer};
/* From the DELETE on, the room's Storage may be missing: the kept copy
 * may be all that holds it. */
static const struct op_step change_delete = {
    .ep = EP_STORAGE_DELETE, .flags = OP_AT_RISK, .answer = delete_done};
static const struct op_step change_post = {
    .ep = EP_STORAGE_INIT, .flags = OP_AT_RISK, .build = build_post, .answer = post_done};
static const struct op_step change_restore = {
    .ep = EP_STORAGE_INIT, .flags = OP_AT_RISK, .build = build_restore, .answer = restore_done};
static const struct op_step change_settle = {
    .ep = EP_STORAGE_GET, .flags = OP_AT_RISK, .answer = settled};

static void change_describe(const struct op *o, struct storage_result *res)
{
	res->path = ((const struct change_op *)op_state(o))->path;
}

/* Cancelled after the DELETE went out: say what that left behind. */
static void change_cancelled(struct op *o, const struct op_step *now, const struct lb_error *said,
                             struct op_end *end)
{
	(void)said;
	if (now == &change_delete)
		lb_error_set(&end->err, LB_CANCELLED,
		             "cancelled while the Storage of room \"%s\" was being deleted: it may "
		             "be gone, and the new document was not written",
		             op_room(o));
	else if (now && (now->flags & OP_AT_RISK))
		lb_error_set(&end->err, LB_CANCELLED,
		             "cancelled after the Storage of room \"%s\" was deleted: it may hold "
		             "neither the previous document nor the new one",
		             op_room(o));
}

/* A signal. The POST is not waited for: the re-read says what it did (a
 * POST that lands after it finds the Storage full, and is refused). The
 * DELETE is: one on its way could land after a read found the old
 * document, and leave nothing; once it answers, the old document is put
 * back. The rest goes on: the PATCH is atomic (and says whether it was
 * done), the re-read writes nothing, and a restore or its check is the
 * way back. */
static bool change_interrupt(struct op *o, const struct op_step *now)
{
	struct change_op *st = op_state(o);

	if (st->interrupted)
		return false;
	st->interrupted = true;
	if (st->first.status == LB_OK)
		lb_error_set(&st->first, LB_CANCELLED, "interrupted");
	return now == &change_reread || now == &change_reread_whole || now == &change_post;
}

static const struct op_program change_program = {
    .name = "storage change",
    .state_size = sizeof(struct change_op),
    .clear = change_op_clear,
    .changes = true,
    .describe = change_describe,
    .cancelled = change_cancelled,
    .interrupt = change_interrupt,
};

/* A Storage change: JSON patch first unless literal or known to be
 * missing, else read-modify-write. */
static http_id storage_change(struct model *m, const char *room_id, const struct patch *p,
                              bool literal, const char *seen_body, size_t seen_len,
                              storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	/* A rewrite's first change is the DELETE. */
	struct op *o = op_new(m, &change_program, room_id,
	                      literal ? EP_STORAGE_DELETE : EP_STORAGE_JSON_PATCH, &to);
	struct change_op *st;
	struct lb_error err;
	bool ok = true;

	if (!o)
		return 0;
	if (!p)
		return op_drop(o, LB_USAGE, "no patch");
	st = op_state(o);
	if (seen_body) {
		/* Guarded by what the user was shown. */
		if (!lson_patch_guard(seen_body, seen_len, p, literal ? LSON_PATCH_LITERAL : 0,
		                      &st->patch, &err))
			return op_drop(o, err.status == LB_NOMEM ? LB_NOMEM : LB_USAGE,
			               err.message);
	} else {
		for (size_t i = 0; i < p->n && ok; i++)
			ok = patch_add(&st->patch, p->ops[i].kind, p->ops[i].path, p->ops[i].from,
			               p->ops[i].value);
	}
	/* A rewrite sends no patch: the values are checked when applied. */
	st->patch_json = ok && !literal ? patch_to_json(&st->patch) : NULL;
	if (!ok || (!literal && !st->patch_json))
		return op_drop(o, LB_NOMEM, "out of memory");
	st->literal = literal;
	if (literal || mi_learned(m, &json_patch_learned) == 2) {
		st->path = STORAGE_READ_MODIFY_WRITE;
		return op_run(m, o, &change_reread);
	}
	return op_run(m, o, &change_patch);
}

/* JSON patch, or read-modify-write where the server has no endpoint. */
http_id model_storage_patch(struct model *m, const char *room_id, const struct patch *p,
                            const char *seen_body, size_t seen_len, storage_done_fn done, void *ud)
{
	return storage_change(m, room_id, p, false, seen_body, seen_len, done, ud);
}

/* Read-modify-write with the values taken literally. */
http_id model_storage_rewrite(struct model *m, const char *room_id, const struct patch *p,
                              const char *seen_body, size_t seen_len, storage_done_fn done,
                              void *ud)
{
	return storage_change(m, room_id, p, true, seen_body, seen_len, done, ud);
}

/* Read-modify-write with the whole new document. */
http_id model_storage_replace(struct model *m, const char *room_id, const char *plain_lson,
                              size_t len, const char *seen_body, size_t seen_len,
                              storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct change_op *st;
	struct op *o;

	if (!document_ok(m, EP_STORAGE_DELETE, plain_lson, len, &to))
		return 0;
	o = op_new(m, &change_program, room_id, EP_STORAGE_DELETE, &to);
	if (!o)
		return 0;
	st = op_state(o);
	st->whole = copy_bytes(plain_lson, len);
	st->whole_len = len;
	if (!st->whole || (seen_body && !(st->seen = copy_bytes(seen_body, seen_len))))
		return op_drop(o, LB_NOMEM, "out of memory");
	st->seen_len = seen_len;
	st->path = STORAGE_READ_MODIFY_WRITE;
	return op_run(m, o, &change_reread_whole);
}
