#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kept.h"
#include "ops.h"

/* The engine that runs the changes' programs (ops.h). */

/* The most steps that are not reads one op can send. */
#define OP_MAX_SENT 8

struct op {
	const struct op_program *prog;
	const struct op_step *step; /* the step in flight (the last one sent) */
	char *room_id;
	struct op_done done;
	const struct kind *invalidate[OP_MAX_INVALIDATE]; /* to revalidate at the end */
	char *kept;           /* the file op_keep wrote, NULL for none */
	const char *kept_doc; /* what it holds (the program's bytes) */
	size_t kept_len;
	/* Steps sent that are not reads: never sent again in this op. */
	const struct op_step *sent[OP_MAX_SENT];
	size_t n_sent;
	void *state; /* the program's */
};

static void op_free(struct op *o)
{
	if (o->prog->clear)
		o->prog->clear(o->state);
	free(o->state);
	free(o->room_id);
	free(o->kept);
	free(o);
}

http_id op_refuse(const struct op_done *done, enum lb_status st, const char *msg)
{
	struct lb_error e;

	lb_error_set(&e, st, "%s", msg);
	if (done->storage) {
		struct storage_result res;

		memset(&res, 0, sizeof(res));
		res.err = e;
		done->storage(&res, done->ud);
	} else if (done->room) {
		done->room(&e, NULL, done->ud);
	}
	return 0;
}

/* Call the caller's callback once and free o. m is NULL when the model is
 * gone (nothing to revalidate). */
static void op_finish(struct model *m, struct op *o, const struct op_end *end)
{
	for (size_t i = 0; m && *o->room_id && i < OP_MAX_INVALIDATE && o->invalidate[i]; i++)
		mi_invalidate_room_kind(m, o->room_id, o->invalidate[i]);
	/* The copy made before a destructive step is only worth keeping when
	 * what it holds is not in place. */
	if (o->kept && !end->lost)
		unlink(o->kept);
	else if (o->kept && m)
		m->storage_lost++;
	if (o->done.storage) {
		struct storage_result res;

		memset(&res, 0, sizeof(res));
		res.err = end->err;
		res.body = end->body;
		res.body_len = end->body_len;
		if (o->prog->describe)
			o->prog->describe(o, &res);
		if (end->lost && o->kept) {
			res.body = res.previous = o->kept_doc;
			res.body_len = res.previous_len = o->kept_len;
			res.saved = o->kept;
		}
		res.id = end->id;
		o->done.storage(&res, o->done.ud);
	} else if (o->done.room) {
		o->done.room(&end->err, end->err.status == LB_OK ? end->room : NULL, o->done.ud);
	}
	op_free(o);
}

static void op_fail(struct model *m, struct op *o, enum lb_status st, const char *msg)
{
	struct op_end end;

	memset(&end, 0, sizeof(end));
	lb_error_set(&end.err, st, "%s", msg);
	op_finish(m, o, &end);
}

/* Whether o is in a step at risk: what op_keep kept may be all there is. */
static bool at_risk(const struct op *o)
{
	return o->step && (o->step->flags & OP_AT_RISK);
}

/* The model is gone: say what that left behind. said: the transport's
 * answer to the cancelled request, NULL when it no longer knew it. */
static void op_cancelled(struct op *o, const struct lb_error *said)
{
	struct op_end end;

	memset(&end, 0, sizeof(end));
	end.lost = at_risk(o);
	lb_error_set(&end.err, LB_CANCELLED, "cancelled");
	if (o->prog->cancelled)
		o->prog->cancelled(o, o->step, said, &end);
	op_finish(NULL, o, &end);
}

static void op_abandon(struct req *q)
{
	struct op *o = q->ext;

	q->ext = NULL;
	if (o)
		op_cancelled(o, NULL);
}

/* The op of a request of the engine, or NULL. */
static struct op *op_of(const struct req *q)
{
	return q->abandon == op_abandon ? q->ext : NULL;
}

/* Whether step may go out: a read always, anything else once. Recorded
 * as gone when it may. */
static bool send_once(struct op *o, const struct op_step *step)
{
	if (endpoint_has(step->ep, EPF_IDEMPOTENT))
		return true;
	for (size_t i = 0; i < o->n_sent; i++)
		if (o->sent[i] == step)
			return false;
	if (o->n_sent == OP_MAX_SENT)
		return false;
	o->sent[o->n_sent++] = step;
	return true;
}

/* A program asked for a change already sent: end without sending it. */
static void refuse_resend(struct model *m, struct op *o, const struct op_step *step)
{
	const struct endpoint *e = endpoint_get(step->ep);
	struct op_end end;

	memset(&end, 0, sizeof(end));
	end.lost = (step->flags & OP_AT_RISK) != 0;
	lb_error_set(&end.err, LB_UNSURE,
	             "%s: %s (%s %s) was not sent a second time: a change goes out at most once, "
	             "and what the first one did is not known",
	             o->prog->name, e ? e->what : "a request", e ? http_method_name(e->method) : "",
	             e ? e->path : "");
	op_finish(m, o, &end);
}

static void on_answer(struct api_storage_result *res, void *ud);

/* Send step's request. o may be finished and freed when this returns.
 * Returns the request's id (0 when it ended at once). */
static http_id op_send(struct model *m, struct op *o, const struct op_step *step)
{
	struct api_send_args args;
	char *made[2] = {NULL, NULL};
	struct lb_error err;
	struct req *q;
	http_id id = 0;

	o->step = step;
	if (!send_once(o, step)) {
		refuse_resend(m, o, step);
		return 0;
	}
	q = mi_req_new(m, NULL, REQ_MUTATION);
	if (!q) {
		op_fail(m, o, LB_NOMEM, "out of memory");
		return 0;
	}
	q->ext = o;
	q->abandon = op_abandon;
	q->change = o->prog->changes;
	q->starting = true;
	memset(&args, 0, sizeof(args));
	if (!o->prog->outside_room)
		args.params[0] = o->room_id;
	if (!step->build || step->build(o, &args, made, &err)) {
		id = api_send(m->api, step->ep, &args, on_answer, q);
	} else {
		/* Answered as the api answers a request it cannot build. */
		struct api_storage_result res;

		memset(&res, 0, sizeof(res));
		res.err = err;
		on_answer(&res, q);
	}
	free(made[0]);
	free(made[1]);
	return mi_req_sent(q, id) ? id : 0;
}

static void on_answer(struct api_storage_result *res, void *ud)
{
	struct req *q = ud;
	struct op *o = q->ext;
	struct model *m;

	q->ext = NULL;
	m = mi_answer_begin(q);
	if (!m && o) {
		/* The model is being freed: report, start nothing. */
		op_cancelled(o, &res->err);
	} else if (o) {
		struct op_end end;
		const struct op_step *next;

		memset(&end, 0, sizeof(end));
		next = o->step->answer(m, o, res, &end);
		if (next)
			op_send(m, o, next);
		else
			op_finish(m, o, &end);
	}
	mi_answer_end(m, q);
}

struct op *op_new(struct model *m, const struct op_program *prog, const char *room_id,
                  enum endpoint_id guard, const struct op_done *done)
{
	struct lb_error e;
	struct op *o;

	if (!m || (!prog->outside_room && (!room_id || !*room_id))) {
		op_refuse(done, LB_USAGE, "no room ID");
		return NULL;
	}
	/* Read-only mode refuses before anything is sent (before a re-read,
	 * before a file is kept): the api decides, from guard's row. */
	if (api_refuses(m->api, guard, &e)) {
		op_refuse(done, e.status, e.message);
		return NULL;
	}
	if (endpoint_has(guard, EPF_MUTATION) && m->storage_stopping) {
		op_refuse(done, LB_CANCELLED, "interrupted: nothing more is sent");
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (o) {
		o->prog = prog;
		o->done = *done;
		o->room_id = strdup(room_id ? room_id : "");
		o->state = calloc(1, prog->state_size ? prog->state_size : 1);
	}
	if (!o || !o->room_id || !o->state) {
		if (o) {
			free(o->room_id);
			free(o->state);
			free(o);
		}
		op_refuse(done, LB_NOMEM, "out of memory");
		return NULL;
	}
	return o;
}

http_id op_drop(struct op *o, enum lb_status st, const char *msg)
{
	struct op_done done = o->done;

	op_free(o);
	return op_refuse(&done, st, msg);
}

http_id op_run(struct model *m, struct op *o, const struct op_step *first)
{
	http_id id;

	if (!o)
		return 0;
	mi_enter(m);
	id = op_send(m, o, first);
	mi_leave(m);
	return id;
}

void *op_state(const struct op *o)
{
	return o->state;
}

const char *op_room(const struct op *o)
{
	return o->room_id;
}

void op_invalidate(struct op *o, const struct kind *k)
{
	size_t i = 0;

	while (i < OP_MAX_INVALIDATE - 1 && o->invalidate[i] && o->invalidate[i] != k)
		i++;
	o->invalidate[i] = k;
}

bool op_keep(struct op *o, const char *kind, const char *doc, size_t len, struct lb_error *err)
{
	char *path = kept_save(kind, o->room_id, doc, len, err);

	if (!path)
		return false;
	free(o->kept);
	o->kept = path;
	o->kept_doc = doc;
	o->kept_len = len;
	return true;
}

/* ------------------------------------------------------------------ */
/* Stopping (model_storage.h) */

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

		if (o && o->prog->interrupt && o->prog->interrupt(o, o->step))
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

		if (o && at_risk(o))
			n++;
	}
	return n;
}

void model_storage_each_rewrite(const struct model *m,
                                void (*fn)(void *ud, const char *room, const char *saved), void *ud)
{
	for (struct req *q = m ? m->reqs : NULL; q; q = q->next) {
		struct op *o = op_of(q);

		if (o && at_risk(o))
			fn(ud, o->room_id, o->kept);
	}
}

int model_storage_lost(const struct model *m)
{
	return m ? m->storage_lost : 0;
}
