#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_storage.h"
#include "json.h"
#include "kept.h"
#include "model_impl.h"
#include "model_storage.h"
#include "util.h"

/* The changes made to what lives in a room (model_storage.h): each is an
 * op that runs its requests one after the other. */

/* ------------------------------------------------------------------ */
/* Changes */

enum op_kind {
	OP_PATCH,
	OP_REPLACE,
};

enum op_step {
	ST_MAIN,     /* the request itself (PATCH for a patch) */
	ST_CHECK,    /* a refused PATCH: GET /storage to see what changed */
	ST_REREAD,   /* read-modify-write: GET /storage */
	ST_DELETE,   /* DELETE /storage */
	ST_POST,     /* POST the patched document */
	ST_RESTORE,  /* POST the previous document back */
	ST_SETTLE,   /* GET /storage: what an answer that never came did */
};

/* One change in progress, across its requests. */
struct op {
	enum op_kind kind;
	enum op_step step;
	enum storage_path path;
	char *room_id;
	char *arg; /* guid */
	struct patch patch; /* with its tests when the document shown is known */
	char *patch_json;
	bool literal; /* values are plain LSON as they are (a rewrite) */
	char *data;   /* init document, ydoc update */
	size_t data_len;
	char *seen; /* NULL: no check */
	size_t seen_len;
	char *orig; /* the document re-read before a write */
	size_t orig_len;
	char *next; /* the patched document */
	size_t next_len;
	char *saved;           /* the file keeping orig, written before the DELETE */
	bool posted;           /* the POST of next went out */
	bool restore_tried;    /* the POST of orig went out */
	bool delete_unsure;    /* the DELETE went out and no answer said it was done */
	bool interrupted;      /* model_storage_interrupt: undo rather than finish */
	bool lost;             /* it ends with orig only in saved */
	struct lb_error first; /* the first answer, when a second path is tried */
	unsigned invalidate;   /* kinds to revalidate at the end */
	storage_done_fn sdone;
	model_done_fn mdone;
	void *ud;
};

static void op_free(struct op *o)
{
	free(o->room_id);
	free(o->arg);
	patch_clear(&o->patch);
	free(o->patch_json);
	free(o->data);
	free(o->seen);
	free(o->orig);
	free(o->next);
	free(o->saved);
	free(o);
}

/* Call the caller's callback once and free the op. m is NULL when the
 * model is gone (nothing to revalidate). */
static void op_finish(struct model *m, struct op *o, const struct lb_error *err, const char *body,
                      size_t len, const struct room *room, const char *id)
{
	if (m && o->invalidate)
		mi_invalidate_room_kinds(m, o->room_id, o->invalidate);
	/* The copy made before the DELETE is only worth keeping when the
	 * room's previous document is not in place. */
	if (o->saved && !o->lost)
		unlink(o->saved);
	else if (o->saved && m)
		m->storage_lost++;
	if (o->sdone) {
		struct storage_result res;

		memset(&res, 0, sizeof(res));
		res.err = *err;
		res.path = o->path;
		res.body = body;
		res.body_len = len;
		if (o->lost && o->orig) {
			res.body = res.previous = o->orig;
			res.body_len = res.previous_len = o->orig_len;
			res.saved = o->saved;
		}
		res.id = id;
		o->sdone(&res, o->ud);
	} else if (o->mdone) {
		o->mdone(err, err->status == LB_OK ? room : NULL, o->ud);
	}
	op_free(o);
}

static void op_fail(struct model *m, struct op *o, enum lb_status st, const char *msg)
{
	struct lb_error e;

	lb_error_set(&e, st, "%s", msg);
	op_finish(m, o, &e, NULL, 0, NULL, NULL);
}

/* Whether o is a rewrite between its DELETE and its end: the room's
 * Storage may be missing meanwhile. */
static bool rewriting(const struct op *o)
{
	return (o->kind == OP_PATCH || o->kind == OP_REPLACE) &&
	       (o->step == ST_DELETE || o->step == ST_POST || o->step == ST_RESTORE ||
	        o->step == ST_SETTLE);
}

/* The model is gone, or dropped the request: say what that left behind. */
static void op_cancelled(struct op *o)
{
	struct lb_error e;

	if (rewriting(o)) {
		o->lost = true;
		if (o->step == ST_DELETE)
			lb_error_set(
			    &e, LB_CANCELLED,
			    "cancelled while the Storage of room \"%s\" was being deleted: "
			    "it may be gone, and the new document was not written",
			    o->room_id);
		else
			lb_error_set(
			    &e, LB_CANCELLED,
			    "cancelled after the Storage of room \"%s\" was deleted: it may "
			    "hold neither the previous document nor the new one",
			    o->room_id);
		op_finish(NULL, o, &e, NULL, 0, NULL, NULL);
		return;
	}
	lb_error_set(&e, LB_CANCELLED, "cancelled");
	op_finish(NULL, o, &e, NULL, 0, NULL, NULL);
}

static void op_abandon(struct req *q)
{
	struct op *o = q->ext;

	q->ext = NULL;
	if (o)
		op_cancelled(o);
}

static void on_op_done(struct api_storage_result *res, void *ud);

/* Send the request of o's current step. o may be finished and freed when
 * this returns. Returns the request's id (0 when it ended at once). */
static http_id op_send(struct model *m, struct op *o)
{
	struct req *q = mi_req_new(m, NULL, REQ_MUTATION);
	struct api *a = m->api;
	http_id id = 0;

	if (!q) {
		op_fail(m, o, LB_NOMEM, "out of memory");
		return 0;
	}
	q->ext = o;
	q->abandon = op_abandon;
	q->change = true;
	q->starting = true;
	switch (o->step) {
	case ST_CHECK:
	case ST_REREAD:
	case ST_SETTLE:
		id = api_storage_get(a, o->room_id, false, on_op_done, q);
		break;
	case ST_DELETE:
		id = api_storage_delete(a, o->room_id, on_op_done, q);
		break;
	case ST_POST:
		o->posted = true;
		id = api_storage_init(a, o->room_id, o->next, o->next_len, on_op_done, q);
		break;
	case ST_RESTORE:
		o->restore_tried = true;
		id = api_storage_init(a, o->room_id, o->orig, o->orig_len, on_op_done, q);
		break;
	case ST_MAIN:
		id = api_storage_json_patch(a, o->room_id, o->patch_json, on_op_done, q);
		break;
	}
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return 0;
	}
	q->id = id;
	return id;
}

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

/* Whether a plain LSON document's root has no key. */
static bool empty_document(const char *doc, size_t len)
{
	struct lb_error err;
	struct lson_doc *d = lson_parse(doc, len, true, &err);
	bool empty = d && d->n > 0 && d->nodes[0].n_children == 0;

	lson_unref(&d);
	return empty;
}

static unsigned patch_flags(const struct op *o)
{
	return o->literal ? LSON_PATCH_LITERAL : 0;
}

static bool has_tests(const struct op *o)
{
	for (size_t i = 0; i < o->patch.n; i++)
		if (o->patch.ops[i].kind == PATCH_TEST)
			return true;
	return false;
}

/* Finish with STORAGE_CHANGED: nothing was written. */
static void refuse_changed(struct model *m, struct op *o, const char *paths)
{
	struct lb_error err;

	if (paths && *paths)
		lb_error_set(&err, LB_HTTP,
		             "the Storage of room \"%s\" changed since it was shown; nothing was "
		             "written (changed: %.600s)",
		             o->room_id, paths);
	else
		lb_error_set(&err, LB_HTTP,
		             "the Storage of room \"%s\" changed since it was shown; nothing was "
		             "written (look at it again and retry)",
		             o->room_id);
	snprintf(err.code, sizeof(err.code), "STORAGE_CHANGED");
	o->invalidate = KIND(RES_STORAGE);
	op_finish(m, o, &err, NULL, 0, NULL, NULL);
}

/* The paths whose tests fail on doc (NULL with err on a bad document or
 * OOM). */
static char *changed_paths(const struct op *o, const char *doc, size_t len, size_t *n,
                           struct lb_error *err)
{
	return lson_patch_test_failures(doc, len, &o->patch, patch_flags(o), n, err);
}

/* Nothing was sent yet and the model is stopping: end o. */
static bool stop_before_writing(struct model *m, struct op *o)
{
	struct lb_error e;

	if (!m->storage_stopping && !o->interrupted)
		return false;
	lb_error_set(&e, LB_CANCELLED,
	             "interrupted before anything was written to the Storage of room \"%s\"",
	             o->room_id);
	op_finish(m, o, &e, NULL, 0, NULL, NULL);
	return true;
}

/* The re-read document is in: check, patch, keep a copy of it, and go on
 * with the DELETE. */
static void rmw_reread(struct model *m, struct op *o, struct api_storage_result *res)
{
	struct lb_error err;

	if (stop_before_writing(m, o))
		return;
	o->orig = copy_bytes(res->body, res->body_len);
	o->orig_len = res->body_len;
	if (!o->orig) {
		op_fail(m, o, LB_NOMEM, "out of memory");
		return;
	}
	if (o->kind == OP_REPLACE) {
		/* A whole new document: what it depends on is all of the old. */
		if (o->seen && !same_document(o->seen, o->seen_len, o->orig, o->orig_len)) {
			refuse_changed(m, o, NULL);
			return;
		}
		o->next = copy_bytes(o->data, o->data_len);
		if (!o->next) {
			op_fail(m, o, LB_NOMEM, "out of memory");
			return;
		}
		o->next_len = o->data_len;
	} else {
		if (has_tests(o)) {
			size_t n;
			char *paths = changed_paths(o, o->orig, o->orig_len, &n, &err);

			if (!paths) {
				op_finish(m, o, &err, NULL, 0, NULL, NULL);
				return;
			}
			if (n) {
				refuse_changed(m, o, paths);
				free(paths);
				return;
			}
			free(paths);
		}
		o->next =
		    lson_patch_apply_opts(o->orig, o->orig_len, &o->patch, patch_flags(o), &err);
		if (!o->next) {
			op_finish(m, o, &err, NULL, 0, NULL, NULL);
			return;
		}
		o->next_len = strlen(o->next);
	}
	if (o->next_len == o->orig_len && memcmp(o->next, o->orig, o->orig_len) == 0) {
		/* Nothing to change: do not disconnect everyone for nothing. */
		lb_error_clear(&err);
		op_finish(m, o, &err, NULL, 0, NULL, NULL);
		return;
	}
	/* What the DELETE could lose is on disk before it goes. */
	o->saved = kept_save("storage", o->room_id, o->orig, o->orig_len, &err);
	if (!o->saved) {
		char why[sizeof(err.message)];

		snprintf(why, sizeof(why), "%s", err.message);
		lb_error_set(&err, LB_CONFIG,
		             "cannot keep a copy of the Storage of room \"%s\" before rewriting it "
		             "(%.400s): nothing was written",
		             o->room_id, why);
		op_finish(m, o, &err, NULL, 0, NULL, NULL);
		return;
	}
	o->step = ST_DELETE;
	op_send(m, o);
}

/* o->first with its message replaced by the printf of fmt. */
static void first_with(const struct op *o, struct lb_error *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void first_with(const struct op *o, struct lb_error *e, const char *fmt, ...)
{
	va_list ap;

	*e = o->first;
	if (e->status == LB_OK)
		lb_error_set(e, LB_NETWORK, "%s", "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* What went wrong first, for messages: "interrupted" or the error. */
static const char *first_why(const struct op *o)
{
	return o->first.status == LB_OK ? "no answer" : o->first.message;
}

/* The previous document is in place and the new one was not written. */
static void rewrite_undone(struct model *m, struct op *o)
{
	struct lb_error e;

	if (o->interrupted)
		first_with(o, &e,
		           "interrupted: the Storage of room \"%.200s\" is as it was; the change "
		           "was not made",
		           o->room_id);
	else if (o->restore_tried)
		first_with(o, &e,
		           "writing the new Storage failed (%.400s); the previous document was "
		           "put back",
		           first_why(o));
	else
		first_with(o, &e,
		           "writing the new Storage failed (%.400s); the Storage of room "
		           "\"%.200s\" is as it was",
		           first_why(o), o->room_id);
	op_finish(m, o, &e, NULL, 0, NULL, NULL);
}

/* The previous document is not in place: it is in o->saved. */
static void rewrite_lost(struct model *m, struct op *o, const char *what)
{
	struct lb_error e;

	first_with(o, &e, "%s", what);
	o->lost = true;
	op_finish(m, o, &e, NULL, 0, NULL, NULL);
}

/* An answer that says nothing for sure (none at all, cut off, cancelled,
 * or a failed write): read the document back and decide from it. */
static void settle(struct model *m, struct op *o, const struct lb_error *err)
{
	if (o->first.status == LB_OK)
		o->first = *err;
	o->step = ST_SETTLE;
	op_send(m, o);
}

/* The document read back after an uncertain answer. */
static void settled(struct model *m, struct op *o, struct api_storage_result *res)
{
	char msg[sizeof(res->err.message)];
	const char *doc = res->body ? res->body : "";

	if (res->err.status != LB_OK) {
		snprintf(
		    msg, sizeof(msg),
		    "writing the new Storage failed (%.300s) and the Storage of room \"%.200s\" "
		    "could not be read back to see what happened (%.300s): it may be empty",
		    first_why(o), o->room_id, res->err.message);
		rewrite_lost(m, o, msg);
		return;
	}
	if (o->posted && same_document(o->next, o->next_len, doc, res->body_len)) {
		/* It was written; only the answer was lost. */
		struct lb_error ok;

		lb_error_clear(&ok);
		op_finish(m, o, &ok, NULL, 0, NULL, NULL);
		return;
	}
	if (same_document(o->orig, o->orig_len, doc, res->body_len) && o->delete_unsure &&
	    !o->restore_tried) {
		/* The DELETE may only be on its way (a slow proxy): the copy is
		 * all that would be left after it. */
		snprintf(msg, sizeof(msg),
		         "deleting the old Storage got no answer (%.300s); the Storage of room "
		         "\"%.200s\" still holds the previous document, but the DELETE may yet "
		         "reach it; nothing was written",
		         first_why(o), o->room_id);
		rewrite_lost(m, o, msg);
		return;
	}
	if (same_document(o->orig, o->orig_len, doc, res->body_len)) {
		rewrite_undone(m, o);
		return;
	}
	if (empty_document(doc, res->body_len) && !o->restore_tried) {
		o->step = ST_RESTORE;
		op_send(m, o);
		return;
	}
	if (empty_document(doc, res->body_len))
		snprintf(
		    msg, sizeof(msg),
		    "writing the new Storage failed (%.300s) and putting the previous document "
		    "back failed too: the Storage of room \"%.200s\" is empty now",
		    first_why(o), o->room_id);
	else
		snprintf(msg, sizeof(msg),
		         "writing the new Storage failed (%.300s), and the Storage of room "
		         "\"%.200s\" now holds neither the previous document nor the new one "
		         "(someone else may have written it)",
		         first_why(o), o->room_id);
	rewrite_lost(m, o, msg);
}

/* A refused PATCH: find out whether its tests are what failed. */
static void checked(struct model *m, struct op *o, struct api_storage_result *res)
{
	struct lb_error err;

	o->invalidate = KIND(RES_STORAGE);
	if (res->err.status == LB_OK) {
		size_t n = 0;
		char *paths = changed_paths(o, res->body ? res->body : "", res->body_len, &n, &err);

		if (paths && n) {
			refuse_changed(m, o, paths);
			free(paths);
			return;
		}
		free(paths);
	}
	op_finish(m, o, &o->first, NULL, 0, NULL, NULL);
}

/* The server refused: it did nothing. A 5xx may come from a proxy after
 * the server acted, and no answer says nothing either. */
static bool refused(const struct lb_error *err)
{
	return err->status == LB_HTTP && err->http_status >= 400 && err->http_status < 500;
}

/* The steps of a Storage patch. */
static void patch_step(struct model *m, struct op *o, struct api_storage_result *res)
{
	struct lb_error e;
	char prev[sizeof(e.message)];

	switch (o->step) {
	case ST_MAIN:
		if (api_is_no_endpoint(&res->err)) {
			m->json_patch = 2;
			o->path = STORAGE_READ_MODIFY_WRITE;
			if (stop_before_writing(m, o))
				return;
			o->step = ST_REREAD;
			op_send(m, o);
			return;
		}
		if (res->err.status == LB_OK)
			m->json_patch = 1;
		if (res->err.http_status == 422 && has_tests(o)) {
			o->first = res->err;
			o->step = ST_CHECK;
			op_send(m, o);
			return;
		}
		o->invalidate = KIND(RES_STORAGE);
		op_finish(m, o, &res->err, res->body, res->body_len, NULL, NULL);
		return;
	case ST_CHECK:
		checked(m, o, res);
		return;
	case ST_REREAD:
		if (res->err.status != LB_OK) {
			if (stop_before_writing(m, o))
				return;
			op_finish(m, o, &res->err, NULL, 0, NULL, NULL);
			return;
		}
		rmw_reread(m, o, res);
		return;
	case ST_DELETE:
		o->invalidate = KIND(RES_STORAGE);
		if (res->err.status == LB_OK) {
			/* Stopping: put it back rather than go on. */
			o->step = o->interrupted ? ST_RESTORE : ST_POST;
			op_send(m, o);
			return;
		}
		if (refused(&res->err)) {
			e = res->err;
			snprintf(prev, sizeof(prev), "%s", e.message);
			snprintf(e.message, sizeof(e.message),
			         "deleting the old Storage failed, nothing was written: %.400s",
			         prev);
			op_finish(m, o, &e, NULL, 0, NULL, NULL);
			return;
		}
		/* No answer: the server may have deleted it all the same, or may
		 * yet. */
		o->delete_unsure = true;
		e = res->err;
		snprintf(prev, sizeof(prev), "%s", e.message);
		snprintf(e.message, sizeof(e.message),
		         "deleting the old Storage got no answer (%.300s)", prev);
		settle(m, o, &e);
		return;
	case ST_POST:
		if (res->err.status == LB_OK) {
			op_finish(m, o, &res->err, res->body, res->body_len, NULL, NULL);
			return;
		}
		/* Even a refusal is checked: the document may be there. */
		settle(m, o, &res->err);
		return;
	case ST_RESTORE:
		if (res->err.status == LB_OK) {
			rewrite_undone(m, o);
			return;
		}
		settle(m, o, &res->err);
		return;
	case ST_SETTLE:
		settled(m, o, res);
		return;
	}
	op_finish(m, o, &res->err, NULL, 0, NULL, NULL);
}

static void op_step_done(struct model *m, struct op *o, struct api_storage_result *res)
{
	patch_step(m, o, res);
}

static void on_op_done(struct api_storage_result *res, void *ud)
{
	struct req *q = ud;
	struct op *o = q->ext;
	struct model *m = q->m;

	q->ext = NULL;
	if (!m) {
		/* The model is being freed: report, start nothing. */
		if (o)
			op_cancelled(o);
		if (q->starting)
			q->finished = true;
		else
			mi_req_free(q);
		return;
	}
	mi_enter(m);
	mi_req_unlink(m, q);
	if (o)
		op_step_done(m, o, res);
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	mi_leave(m);
}

static struct op *op_new(enum op_kind kind, const char *room_id, storage_done_fn sdone,
                         model_done_fn mdone, void *ud)
{
	struct op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->kind = kind;
	o->path = STORAGE_JSON_PATCH;
	o->sdone = sdone;
	o->mdone = mdone;
	o->ud = ud;
	o->room_id = strdup(room_id);
	if (!o->room_id) {
		free(o);
		return NULL;
	}
	return o;
}

/* Report an error before anything was sent. */
static http_id refuse(storage_done_fn sdone, model_done_fn mdone, void *ud, enum lb_status st,
                      const char *msg)
{
	struct lb_error e;

	lb_error_set(&e, st, "%s", msg);
	if (sdone) {
		struct storage_result res;

		memset(&res, 0, sizeof(res));
		res.err = e;
		sdone(&res, ud);
	} else if (mdone) {
		mdone(&e, NULL, ud);
	}
	return 0;
}

/* Read-only mode refuses a change before anything is sent (before a
 * re-read, before a file is kept): the api decides, from the row of the
 * endpoint the op changes. */
static bool read_only(struct model *m, enum endpoint_id ep, storage_done_fn sdone,
                      model_done_fn mdone, void *ud)
{
	struct lb_error e;

	if (!api_refuses(m->api, ep, &e))
		return false;
	refuse(sdone, mdone, ud, e.status, e.message);
	return true;
}

/* Give up on o before anything was sent: out of memory. */
static http_id op_nomem(struct op *o)
{
	storage_done_fn sdone = o->sdone;
	model_done_fn mdone = o->mdone;
	void *ud = o->ud;

	op_free(o);
	return refuse(sdone, mdone, ud, LB_NOMEM, "out of memory");
}

/* Start o inside the model, with a copy of arg (NULL: none); o NULL: the
 * callback was already told why not. */
static http_id start(struct model *m, struct op *o, const char *arg)
{
	http_id id;

	if (!o)
		return 0;
	if (arg && !(o->arg = strdup(arg)))
		return op_nomem(o);
	mi_enter(m);
	id = op_send(m, o);
	mi_leave(m);
	return id;
}

/* A new op that sends to ep first (for a change: the first endpoint that
 * changes the project), or NULL after the callback was told why not. */
static struct op *begin(struct model *m, enum op_kind kind, const char *room_id,
                        enum endpoint_id ep, storage_done_fn sdone, model_done_fn mdone, void *ud)
{
	struct op *o;
	bool change = endpoint_has(ep, EPF_MUTATION);

	if (!m || !room_id || !*room_id) {
		refuse(sdone, mdone, ud, LB_USAGE, "no room ID");
		return NULL;
	}
	if (read_only(m, ep, sdone, mdone, ud))
		return NULL;
	if (change && m->storage_stopping) {
		refuse(sdone, mdone, ud, LB_CANCELLED, "interrupted: nothing more is sent");
		return NULL;
	}
	o = op_new(kind, room_id, sdone, mdone, ud);
	if (!o)
		refuse(sdone, mdone, ud, LB_NOMEM, "out of memory");
	return o;
}

/* A Storage change: JSON patch first unless literal or known to be
 * missing, else read-modify-write. */
static http_id storage_change(struct model *m, const char *room_id, const struct patch *p,
                              bool literal, const char *seen_body, size_t seen_len,
                              storage_done_fn done, void *ud)
{
	/* A rewrite's first change is the DELETE. */
	struct op *o = begin(m, OP_PATCH, room_id, literal ? EP_STORAGE_DELETE : EP_STORAGE_JSON_PATCH,
	                     done, NULL, ud);
	struct lb_error err;
	bool ok;

	if (!o)
		return 0;
	if (!p) {
		op_free(o);
		return refuse(done, NULL, ud, LB_USAGE, "no patch");
	}
	ok = true;
	if (seen_body) {
		/* Guarded by what the user was shown. */
		if (!lson_patch_guard(seen_body, seen_len, p, literal ? LSON_PATCH_LITERAL : 0,
		                      &o->patch, &err)) {
			op_free(o);
			return refuse(done, NULL, ud, err.status == LB_NOMEM ? LB_NOMEM : LB_USAGE,
			              err.message);
		}
	} else {
		for (size_t i = 0; i < p->n && ok; i++)
			ok = patch_add(&o->patch, p->ops[i].kind, p->ops[i].path, p->ops[i].from,
			               p->ops[i].value);
	}
	/* A rewrite sends no patch: the values are checked when applied. */
	o->patch_json = ok && !literal ? patch_to_json(&o->patch) : NULL;
	if (!ok || (!literal && !o->patch_json))
		return op_nomem(o);
	o->literal = literal;
	if (literal || m->json_patch == 2) {
		o->path = STORAGE_READ_MODIFY_WRITE;
		o->step = ST_REREAD;
	}
	return start(m, o, NULL);
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

/* A new op that sends plain_lson (validated first; copied into o->data),
 * or NULL after the callback was told why not. */
static struct op *begin_document(struct model *m, enum op_kind kind, const char *room_id,
                                 enum endpoint_id ep, const char *plain_lson, size_t len,
                                 storage_done_fn done, void *ud)
{
	struct lb_error err;
	struct op *o;

	/* Read-only mode says so first: the document would not be sent. */
	if (m && !api_refuses(m->api, ep, NULL) &&
	    (!plain_lson || !lson_validate_document(plain_lson, len, &err))) {
		if (!plain_lson)
			lb_error_set(&err, LB_USAGE, "no document");
		refuse(done, NULL, ud, err.status == LB_OK ? LB_USAGE : err.status, err.message);
		return NULL;
	}
	o = begin(m, kind, room_id, ep, done, NULL, ud);
	if (o && !(o->data = copy_bytes(plain_lson, len))) {
		op_nomem(o);
		return NULL;
	}
	if (o)
		o->data_len = len;
	return o;
}

/* Read-modify-write with the whole new document. */
http_id model_storage_replace(struct model *m, const char *room_id, const char *plain_lson,
                              size_t len, const char *seen_body, size_t seen_len,
                              storage_done_fn done, void *ud)
{
	struct op *o = begin_document(m, OP_REPLACE, room_id, EP_STORAGE_DELETE, plain_lson,
	                              len, done, ud);

	if (!o)
		return 0;
	if (seen_body && !(o->seen = copy_bytes(seen_body, seen_len)))
		return op_nomem(o);
	o->seen_len = seen_len;
	o->path = STORAGE_READ_MODIFY_WRITE;
	o->step = ST_REREAD;
	return start(m, o, NULL);
}

/* The op of a request of this module, or NULL. */
static struct op *op_of(const struct req *q)
{
	return q->abandon == op_abandon ? q->ext : NULL;
}

int model_storage_interrupt(struct model *m)
{
	struct req **stop = NULL;
	size_t n = 0;

	if (!m)
		return 0;
	mi_enter(m);
	m->storage_stopping = true;
	/* Collected first: a cancel calls back at once, and the callback
	 * changes the list. */
	for (struct req *q = m->reqs; q; q = q->next)
		n++;
	stop = n ? calloc(n, sizeof(*stop)) : NULL;
	n = 0;
	for (struct req *q = m->reqs; stop && q; q = q->next) {
		struct op *o = op_of(q);

		if (!o || (o->kind != OP_PATCH && o->kind != OP_REPLACE) || o->interrupted)
			continue;
		o->interrupted = true;
		if (o->first.status == LB_OK)
			lb_error_set(&o->first, LB_CANCELLED, "interrupted");
		/* The POST is not waited for: the re-read says what it did (a
		 * POST that lands after it finds the Storage full, and is
		 * refused). The DELETE is: one on its way could land after a read
		 * found the old document, and leave nothing; once it answers, the
		 * old document is put back. The rest goes on: the PATCH is atomic
		 * (and says whether it was done), the re-read writes nothing, and
		 * a restore or its check is the way back. */
		if (o->step == ST_REREAD || o->step == ST_POST)
			stop[n++] = q;
	}
	for (size_t i = 0; i < n; i++)
		api_cancel(m->api, stop[i]->id);
	free(stop);
	mi_leave(m);
	return model_storage_rewrites(m);
}

int model_storage_rewrites(const struct model *m)
{
	int n = 0;

	for (struct req *q = m ? m->reqs : NULL; q; q = q->next) {
		struct op *o = op_of(q);

		if (o && rewriting(o))
			n++;
	}
	return n;
}

void model_storage_each_rewrite(const struct model *m,
                                void (*fn)(void *ud, const char *room, const char *saved), void *ud)
{
	for (struct req *q = m ? m->reqs : NULL; q; q = q->next) {
		struct op *o = op_of(q);

		if (o && rewriting(o))
			fn(ud, o->room_id, o->saved);
	}
}

int model_storage_lost(const struct model *m)
{
	return m ? m->storage_lost : 0;
}
