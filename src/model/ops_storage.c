#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "ops.h"

/* A room's Storage as programs of the engine (ops.h): the streamed read,
 * the JSON-patch probe, and init and delete, whose answers that say
 * nothing for sure are settled by reading the Storage back. */

/* ------------------------------------------------------------------ */
/* Documents */

/* Two plain LSON documents are the same: equal bytes, or trees with no
 * difference. */
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
		m->json_patch = 2;
		((struct probe_op *)op_state(o))->path = STORAGE_READ_MODIFY_WRITE;
		return NULL;
	}
	if (res->err.status == LB_OK)
		m->json_patch = 1;
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
	if (!m || m->json_patch == 0)
		return -1;
	return m->json_patch == 1 ? 1 : 0;
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

	op_invalidate(o, KIND(RES_STORAGE));
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
