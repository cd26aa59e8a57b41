#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "model_impl.h"
#include "util.h"

/* A child's slot: the item callers see, and its request while in flight. */
struct slot {
	struct fanout_item it;
	struct fanout *f;
	struct req *q; /* NULL unless in flight */
};

struct fanout {
	struct resource *r;
	struct slot *slots;
	size_t n;
	fanout_submit_fn submit;
	fanout_decode_fn decode;
	void (*value_free)(void *value, void *ud);
	void (*item_ended)(struct resource *r, size_t i, void *ud);
	bool keep_body;
	void *ud;
	void (*ud_free)(void *ud);
	size_t max_in_flight;
	size_t max_kept;

	size_t next; /* no slot below it is queued */
	size_t in_flight;
	size_t finished, ok, failed, cancelled;
	size_t received, kept;
	bool running;
	bool cancelled_run; /* fanout_cancel: start nothing more in this run */
	bool pumping;       /* inside settle: a nested call only asks again */
	bool again;
	struct lb_error first; /* the first failure of the run */
};

static const struct kind fanout_kind;

static struct fanout *fanout_of(const struct resource *r)
{
	return r && r->priv->kind == &fanout_kind ? r->obj : NULL;
}

/* The outcome as one line, or NULL when memory is short (the status and
 * HTTP status still say what happened). */
static char *error_line(const struct lb_error *e)
{
	char buf[1600];

	return strdup(lb_error_format(e, buf, sizeof(buf)));
}

/* Drop what a slot keeps, giving its bytes back. */
static void result_drop(struct model *m, struct fanout *f, struct slot *s)
{
	size_t bytes = s->it.body_len + (s->it.body ? 1 : 0) + s->it.value_bytes;

	if (s->it.value && f->value_free)
		f->value_free(s->it.value, f->ud);
	free(s->it.body);
	s->it.body = NULL;
	s->it.body_len = 0;
	s->it.value = NULL;
	s->it.value_bytes = 0;
	f->kept -= bytes < f->kept ? bytes : f->kept;
	if (m)
		mi_charge(m, f->r, 0, bytes);
}

static void set_error(struct model *m, struct fanout *f, struct slot *s, const struct lb_error *err)
{
	size_t old = s->it.error ? strlen(s->it.error) + 1 : 0;

	free(s->it.error);
	s->it.error = err ? error_line(err) : NULL;
	s->it.status = err ? err->status : LB_OK;
	if (m)
		mi_charge(m, f->r, s->it.error ? strlen(s->it.error) + 1 : 0, old);
}

/* ------------------------------------------------------------------ */
/* Outcomes */

static void count_end(struct fanout *f, enum fanout_state st, const struct lb_error *err)
{
	f->finished++;
	if (st == FANOUT_OK)
		f->ok++;
	else if (st == FANOUT_CANCELLED)
		f->cancelled++;
	else
		f->failed++;
	/* The first failure, or the first cancel when nothing failed. */
	if (err &&
	    (f->first.status == LB_OK || (st == FANOUT_FAILED && f->first.status == LB_CANCELLED)))
		f->first = *err;
}

/* Keep a successful answer: the body and/or the decoded value. False with
 * err set when it could not be kept. */
static bool keep(struct model *m, struct fanout *f, struct slot *s, const char *body, size_t len,
                 struct lb_error *err)
{
	char *copy = NULL;
	void *value = NULL;
	size_t vbytes = 0;

	if (f->keep_body) {
		copy = malloc(len + 1);
		if (!copy) {
			lb_error_set(err, LB_NOMEM, "out of memory keeping the answer");
			return false;
		}
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	if (f->decode) {
		lb_error_clear(err);
		value = f->decode(body, len, &vbytes, err, f->ud);
		if (!value) {
			if (err->status == LB_OK)
				lb_error_set(err, LB_DECODE, "the answer could not be decoded");
			free(copy);
			return false;
		}
	}
	result_drop(m, f, s);
	s->it.body = copy;
	s->it.body_len = copy ? len : 0;
	s->it.value = value;
	s->it.value_bytes = vbytes;
	size_t add = (copy ? len + 1 : 0) + vbytes;
	f->kept += add;
	mi_charge(m, f->r, add, 0);
	return true;
}

/* Record how child s ended in this run. */
static void record(struct model *m, struct fanout *f, struct slot *s, const struct lb_error *err,
                   long status, const char *body, size_t len)
{
	struct lb_error e = *err;
	enum fanout_state st;

	s->it.http_status = status;
	s->it.received = len;
	f->received += len;
	if (e.status == LB_OK && keep(m, f, s, body ? body : "", len, &e))
		st = FANOUT_OK;
	else
		st = e.status == LB_CANCELLED ? FANOUT_CANCELLED : FANOUT_FAILED;
	s->it.state = st;
	set_error(m, f, s, st == FANOUT_OK ? NULL : &e);
	count_end(f, st, st == FANOUT_OK ? NULL : &e);
}

/* Tell who listens that child i ended. */
static void announce(struct model *m, struct fanout *f, size_t i)
{
	if (f->item_ended)
		f->item_ended(f->r, i, f->ud);
	mi_changed(m, f->r);
}

/* ------------------------------------------------------------------ */
/* Running */

static void settle(struct model *m, struct fanout *f);

static void child_abandon(struct req *q)
{
	struct slot *s = q->ext;

	q->ext = NULL;
	if (s) {
		struct lb_error e;

		lb_error_set(&e, LB_CANCELLED, "cancelled");
		s->q = NULL;
		s->f->in_flight--;
		record(NULL, s->f, s, &e, 0, NULL, 0);
	}
}

/* The answer of the child whose request is q. */
static void child_done(struct req *q, const struct lb_error *err, long status, const char *body,
                       size_t len)
{
	struct slot *s = q->ext;
	struct model *m = q->m;

	q->ext = NULL;
	if (!m) {
		/* The model is being freed: the slot goes with it. */
		if (s)
			s->q = NULL;
		if (q->starting)
			q->finished = true;
		else
			mi_req_free(q);
		return;
	}
	mi_enter(m);
	mi_req_unlink(m, q);
	if (s) {
		struct fanout *f = s->f;

		s->q = NULL;
		f->in_flight--;
		record(m, f, s, err, status, body, len);
		announce(m, f, (size_t)(s - f->slots));
		settle(m, f);
	}
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	mi_leave(m);
}

void fanout_answer(void *ticket, const struct lb_error *err, long status, const char *body,
                   size_t len)
{
	struct lb_error ok;

	if (!err) {
		lb_error_clear(&ok);
		err = &ok;
	}
	child_done(ticket, err, status, body, body ? len : 0);
}

void fanout_api_done(struct api_storage_result *res, void *ticket)
{
	child_done(ticket, &res->err, res->status, res->body, res->body ? res->body_len : 0);
}

/* Send child s. It may end before this returns. */
static void start_child(struct model *m, struct fanout *f, struct slot *s)
{
	struct req *q = mi_req_new(m, NULL, REQ_LOAD);
	http_id id;

	if (!q) {
		struct lb_error e;

		lb_error_set(&e, LB_NOMEM, "out of memory");
		record(m, f, s, &e, 0, NULL, 0);
		announce(m, f, (size_t)(s - f->slots));
		return;
	}
	q->ext = s;
	q->abandon = child_abandon;
	s->q = q;
	s->it.state = FANOUT_IN_FLIGHT;
	f->in_flight++;
	q->starting = true;
	id = f->submit(m->api, (size_t)(s - f->slots), s->it.arg, f->ud, q);
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return;
	}
	q->id = id;
	if (id == 0) {
		/* No answer and no request: a submit function that broke the
		 * api's rule. q stays on the model's books, uncounted, in case an
		 * answer comes after all. */
		struct lb_error e;

		lb_error_set(&e, LB_NETWORK, "the request could not be started");
		if (q->counted) {
			q->counted = false;
			m->busy--;
		}
		q->ext = NULL;
		s->q = NULL;
		f->in_flight--;
		record(m, f, s, &e, 0, NULL, 0);
		announce(m, f, (size_t)(s - f->slots));
	} else if (q->cancel_sent && !api_cancel(m->api, id)) {
		/* Cancelled while it was being sent, and nobody will answer. */
		struct lb_error e;

		lb_error_set(&e, LB_CANCELLED, "cancelled");
		q->ext = NULL;
		s->q = NULL;
		f->in_flight--;
		mi_req_unlink(m, q);
		mi_req_free(q);
		record(m, f, s, &e, 0, NULL, 0);
		announce(m, f, (size_t)(s - f->slots));
	}
}

static struct slot *next_queued(struct fanout *f)
{
	while (f->next < f->n && f->slots[f->next].it.state != FANOUT_QUEUED)
		f->next++;
	return f->next < f->n ? &f->slots[f->next] : NULL;
}

/* Whether a child waits to be sent in this run. */
static bool any_queued(const struct fanout *f)
{
	for (size_t i = f->next; i < f->n; i++)
		if (f->slots[i].it.state == FANOUT_QUEUED)
			return true;
	return false;
}

static bool held(const struct fanout *f)
{
	return f->kept >= f->max_kept;
}

/* The run is over: how it went becomes the resource's state. */
static void run_end(struct model *m, struct fanout *f)
{
	struct resource *r = f->r;

	f->running = false;
	r->busy = false;
	if (f->ok > 0)
		r->has_data = true;
	if (r->has_data) {
		r->priv->loaded = true;
		r->fetched_ms = mi_now(m);
	}
	if (f->failed == 0 && f->cancelled == 0) {
		lb_error_clear(&r->err);
		r->state = RES_FRESH;
	} else {
		r->err = f->first;
		r->state = r->has_data ? RES_STALE : RES_ERROR;
	}
	mi_changed(m, r);
}

/* Start what may start; end the run when nothing is left. Re-entered from
 * a child that ends at once, it only asks the outer call to look again. */
static void settle(struct model *m, struct fanout *f)
{
	struct slot *s;

	if (f->pumping) {
		f->again = true;
		return;
	}
	f->pumping = true;
	do {
		f->again = false;
		while (f->running && !f->cancelled_run && f->in_flight < f->max_in_flight &&
		       !held(f) && (s = next_queued(f)) != NULL)
			start_child(m, f, s);
	} while (f->again);
	f->pumping = false;
	if (f->running && f->in_flight == 0 && (f->cancelled_run || !next_queued(f)))
		run_end(m, f);
}

/* Run every child (again). */
static void run_start(struct model *m, struct fanout *f)
{
	struct resource *r = f->r;

	if (f->running) {
		r->busy = true;
		return;
	}
	for (size_t i = 0; i < f->n; i++)
		f->slots[i].it.state = FANOUT_QUEUED;
	f->next = 0;
	f->finished = f->ok = f->failed = f->cancelled = 0;
	f->received = 0;
	f->cancelled_run = false;
	lb_error_clear(&f->first);
	f->running = true;
	r->busy = true;
	r->busy_since_ms = mi_now(m);
	mi_changed(m, r);
	settle(m, f);
}

/* The kind's submit: a load of a fan-out is a run of its children; the
 * load's own request ends here. */
static http_id ops_submit(struct model *m, struct req *q)
{
	struct resource *r;

	if (!mi_load_begin(q, &r))
		return 0;
	if (r && fanout_of(r))
		run_start(m, fanout_of(r));
	mi_load_end(m, q);
	return 0;
}

static void fanout_free(struct fanout *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct slot *s = &f->slots[i];

		/* Children in flight were cancelled or abandoned before. */
		if (s->q)
			s->q->ext = NULL;
		result_drop(NULL, f, s);
		free(s->it.arg);
		free(s->it.error);
	}
	free(f->slots);
	if (f->ud_free)
		f->ud_free(f->ud);
	free(f);
}

/* The kind's clear: the resource goes (evicted when idle, or model_free). */
static void ops_clear(struct model *m, struct resource *r)
{
	(void)m;
	if (r->obj)
		fanout_free(r->obj);
	r->obj = NULL;
}

static const struct kind fanout_kind = {
    .name = "fan-out",
    .shape = KIND_JOB,
    .submit = ops_submit,
    .clear = ops_clear,
};

/* ------------------------------------------------------------------ */
/* Public */

static struct fanout *fanout_new(const struct fanout_spec *sp)
{
	struct fanout *f = calloc(1, sizeof(*f));

	if (!f || !(f->slots = calloc(sp->n ? sp->n : 1, sizeof(*f->slots)))) {
		free(f);
		return NULL;
	}
	f->n = sp->n;
	for (size_t i = 0; i < sp->n; i++) {
		struct slot *s = &f->slots[i];

		s->f = f;
		if (sp->args && sp->args[i] && !(s->it.arg = strdup(sp->args[i]))) {
			f->ud_free = NULL; /* the caller's ud is freed by the caller */
			fanout_free(f);
			return NULL;
		}
	}
	f->submit = sp->submit;
	f->decode = sp->decode;
	f->value_free = sp->value_free;
	f->item_ended = sp->item_ended;
	f->keep_body = sp->keep_body;
	f->ud = sp->ud;
	f->ud_free = sp->ud_free;
	f->max_in_flight = sp->max_in_flight > 0 ? (size_t)sp->max_in_flight : FANOUT_MAX_IN_FLIGHT;
	f->max_kept = sp->max_kept ? sp->max_kept : FANOUT_MAX_KEPT;
	return f;
}

static size_t fanout_bytes(const struct fanout *f)
{
	size_t b = sizeof(*f) + f->n * sizeof(*f->slots);

	for (size_t i = 0; i < f->n; i++)
		b += f->slots[i].it.arg ? strlen(f->slots[i].it.arg) + 1 : 0;
	return b;
}

static char *fanout_key(const char *key)
{
	static unsigned long long seq;
	struct buf b;

	buf_init(&b);
	if (!(key ? buf_printf(&b, "fanout:%s", key) : buf_printf(&b, "fanout:#%llu", ++seq))) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

struct resource *model_fanout(struct model *m, const char *key, const struct fanout_spec *spec)
{
	struct resource *r = NULL;
	struct fanout *f;
	char *k;

	if (!m || !spec || !spec->submit)
		goto refuse;
	k = fanout_key(key);
	if (!k)
		goto refuse;
	mi_enter(m);
	r = key ? mi_find(m, &fanout_kind, k) : NULL;
	if (r) {
		free(k);
		if (spec->ud_free)
			spec->ud_free(spec->ud);
	} else if ((f = fanout_new(spec)) == NULL) {
		free(k);
	} else if ((r = mi_resource_add(m, k, &fanout_kind)) == NULL) {
		f->ud_free = NULL;
		fanout_free(f);
	} else {
		f->r = r;
		r->obj = f;
		mi_charge(m, r, fanout_bytes(f), 0);
	}
	if (r)
		mi_acquire(m, r); /* starts the run, as a load */
	mi_leave(m);
	if (!r && spec->ud_free)
		spec->ud_free(spec->ud);
	return r;
refuse:
	if (spec && spec->ud_free)
		spec->ud_free(spec->ud);
	return NULL;
}

void fanout_cancel(struct model *m, struct resource *r)
{
	struct fanout *f = fanout_of(r);
	struct lb_error e;

	if (!m || !f || !f->running || f->cancelled_run)
		return;
	mi_enter(m);
	f->cancelled_run = true;
	lb_error_set(&e, LB_CANCELLED, "cancelled: not sent");
	for (size_t i = 0; i < f->n; i++) {
		struct slot *s = &f->slots[i];

		if (s->it.state != FANOUT_QUEUED)
			continue;
		s->it.state = FANOUT_CANCELLED;
		set_error(m, f, s, &e);
		count_end(f, FANOUT_CANCELLED, &e);
		if (f->item_ended)
			f->item_ended(r, i, f->ud);
	}
	/* A cancel answers at once, and what listens may change other slots:
	 * each slot's request is read again after every cancel. */
	lb_error_set(&e, LB_CANCELLED, "cancelled");
	for (size_t i = 0; i < f->n; i++) {
		struct slot *s = &f->slots[i];
		struct req *q = s->q;

		if (!q)
			continue;
		if (q->starting) {
			q->cancel_sent = true; /* start_child cancels it */
			continue;
		}
		if (api_cancel(m->api, q->id))
			continue;
		/* Unknown to the transport: no answer will come. */
		q->ext = NULL;
		s->q = NULL;
		f->in_flight--;
		mi_req_unlink(m, q);
		mi_req_free(q);
		record(m, f, s, &e, 0, NULL, 0);
		if (f->item_ended)
			f->item_ended(r, i, f->ud);
	}
	mi_changed(m, r);
	settle(m, f);
	mi_leave(m);
}

bool fanout_progress(const struct resource *r, struct fanout_progress *p)
{
	const struct fanout *f = fanout_of(r);

	if (!f || !p)
		return false;
	memset(p, 0, sizeof(*p));
	p->total = f->n;
	p->finished = f->finished;
	p->ok = f->ok;
	p->failed = f->failed;
	p->cancelled = f->cancelled;
	p->in_flight = f->in_flight;
	p->received = f->received;
	p->kept = f->kept;
	p->running = f->running;
	p->held = f->running && !f->cancelled_run && held(f) && any_queued(f);
	return true;
}

static void human_bytes(size_t b, char *out, size_t n)
{
	if (b < 1024)
		snprintf(out, n, "%zu B", b);
	else if (b < 1024 * 1024)
		snprintf(out, n, "%.1f KiB", (double)b / 1024);
	else
		snprintf(out, n, "%.1f MiB", (double)b / (1024 * 1024));
}

const char *fanout_progress_line(const struct resource *r, char *buf, size_t n)
{
	struct fanout_progress p;
	char got[32], kept[32];
	int w;

	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	if (!fanout_progress(r, &p))
		return buf;
	human_bytes(p.received, got, sizeof(got));
	w = snprintf(buf, n, "%zu/%zu", p.finished, p.total);
	if (p.failed && w >= 0 && (size_t)w < n)
		w += snprintf(buf + w, n - (size_t)w, ", %zu failed", p.failed);
	if (p.cancelled && w >= 0 && (size_t)w < n)
		w += snprintf(buf + w, n - (size_t)w, ", %zu cancelled", p.cancelled);
	if (w >= 0 && (size_t)w < n)
		w += snprintf(buf + w, n - (size_t)w, ", %s", got);
	if (p.held && w >= 0 && (size_t)w < n) {
		human_bytes(p.kept, kept, sizeof(kept));
		snprintf(buf + w, n - (size_t)w, ", waiting: %s of results kept", kept);
	}
	return buf;
}

const struct fanout_item *fanout_item(const struct resource *r, size_t i)
{
	const struct fanout *f = fanout_of(r);

	return f && i < f->n ? &f->slots[i].it : NULL;
}

bool fanout_take(struct model *m, struct resource *r, size_t i, char **body, size_t *len,
                 void **value)
{
	struct fanout *f = fanout_of(r);
	struct slot *s;
	size_t bytes;

	if (body)
		*body = NULL;
	if (len)
		*len = 0;
	if (value)
		*value = NULL;
	if (!m || !f || i >= f->n)
		return false;
	s = &f->slots[i];
	if (!s->it.body && !s->it.value)
		return false;
	mi_enter(m);
	bytes = s->it.body_len + (s->it.body ? 1 : 0) + s->it.value_bytes;
	if (body)
		*body = s->it.body;
	else
		free(s->it.body);
	if (len)
		*len = s->it.body_len;
	if (value)
		*value = s->it.value;
	else if (s->it.value && f->value_free)
		f->value_free(s->it.value, f->ud);
	s->it.body = NULL;
	s->it.body_len = 0;
	s->it.value = NULL;
	s->it.value_bytes = 0;
	f->kept -= bytes < f->kept ? bytes : f->kept;
	mi_charge(m, r, 0, bytes);
	mi_changed(m, r);
	settle(m, f);
	mi_leave(m);
	return true;
}
