#include "lbconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "model_impl.h"
#include "util.h"

/* An item's slot: what callers see, and its request while in flight. */
struct slot {
	struct bulk_item it;
	struct bulk *b;
	struct req *q; /* NULL unless in flight */
};

struct bulk {
	struct resource *r;
	struct slot *slots;
	size_t n;
	bulk_send_fn send;
	void (*item_ended)(struct resource *r, size_t i, void *ud);
	void *ud;
	void (*ud_free)(void *ud);
	size_t max_in_flight;
	long wait_ms;
	long max_wait_ms;
	int max_rate_limited;

	size_t count[BULK_CANCELLED + 1]; /* items in each state */
	size_t next;                      /* no slot below it is queued */
	long long pause_until;            /* no send before (model clock), 0: none */
	int streak;                       /* 429s in a row without Retry-After: each waits longer */
	bool cancelled;                   /* bulk_cancel: nothing more is sent */
	bool pumping;                     /* inside settle: a nested call only asks again */
	bool again;
};

static const struct kind bulk_kind;

static struct bulk *bulk_of(const struct resource *r)
{
	return r && r->priv->kind == &bulk_kind ? r->obj : NULL;
}

static bool active(const struct bulk *b)
{
	return b->count[BULK_QUEUED] + b->count[BULK_IN_FLIGHT] > 0;
}

static void set_state(struct bulk *b, struct slot *s, enum bulk_state st)
{
	b->count[s->it.state]--;
	b->count[st]++;
	s->it.state = st;
	if (st == BULK_QUEUED && (size_t)(s - b->slots) < b->next)
		b->next = (size_t)(s - b->slots);
}

/* Keep the outcome's words as one line (NULL: none); the bytes are charged
 * to the resource while the model lives. */
static void set_error(struct model *m, struct bulk *b, struct slot *s, const struct lb_error *e)
{
	size_t old = s->it.error ? strlen(s->it.error) + 1 : 0;
	char buf[1600];

	free(s->it.error);
	s->it.error = e ? strdup(lb_error_format(e, buf, sizeof(buf))) : NULL;
	s->it.status = e ? e->status : LB_OK;
	if (m)
		mi_charge(m, b->r, s->it.error ? strlen(s->it.error) + 1 : 0, old);
}

/* Tell who listens that item i ended. */
static void announce(struct model *m, struct bulk *b, size_t i)
{
	if (b->item_ended)
		b->item_ended(b->r, i, b->ud);
	mi_changed(m, b->r);
}

/* ------------------------------------------------------------------ */
/* Rate limit */

/* Every bulk job of the model waits until at least `until`: a 429 is about
 * the key, whichever job got it. */
static void pause_all(struct model *m, long long until)
{
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct bulk *o = bulk_of(m->res[i]);

		if (o && o->pause_until < until) {
			o->pause_until = until;
			mi_changed(m, o->r);
		}
	}
}

/* The latest pause of any job of the model (0: none), for a new job. */
static long long pause_of_model(const struct model *m)
{
	long long until = 0;

	for (size_t i = 0; i < m->n_res; i++) {
		const struct bulk *o = bulk_of(m->res[i]);

		if (o && o->pause_until > until)
			until = o->pause_until;
	}
	return until;
}

static bool paused(struct model *m, struct bulk *b)
{
	if (b->pause_until == 0)
		return false;
	if (mi_now(m) < b->pause_until)
		return true;
	b->pause_until = 0;
	return false;
}

/* How long to wait after a 429: what the server said, or a wait that
 * doubles with each 429 in a row that said nothing; never above the cap. */
static long long rate_limit_wait(struct bulk *b, long retry_after_ms)
{
	long long d;

	if (retry_after_ms >= 0) {
		d = retry_after_ms;
	} else {
		d = b->wait_ms;
		for (int i = 0; i < b->streak && d < b->max_wait_ms; i++)
			d *= 2;
		if (d < b->max_wait_ms)
			b->streak++;
	}
	return d < b->max_wait_ms ? d : b->max_wait_ms;
}

/* ------------------------------------------------------------------ */
/* Outcomes */

enum outcome { O_DONE, O_FAILED, O_UNKNOWN, O_RATE_LIMITED };

/* What an answer says about a change. An answer in 2xx means it was
 * applied even when the body could not be read; no answer means it went
 * out (or may have) unless the error says it never did. */
static enum outcome classify(const struct lb_error *err, long status)
{
	if (status == 429)
		return O_RATE_LIMITED;
	if (err->status == LB_OK || (status >= 200 && status <= 299))
		return O_DONE;
	if (status > 0)
		return O_FAILED;
	switch (err->status) {
	case LB_UNSURE:
	case LB_CANCELLED:
	case LB_TOO_LARGE:
	case LB_DECODE:
		return O_UNKNOWN;
	default:
		return O_FAILED; /* refused before it was sent */
	}
}

/* A 429: back to the queue, unless the job is cancelled or the item was
 * refused too often; and every job waits. True when the item ended. */
static bool rate_limited(struct model *m, struct bulk *b, struct slot *s,
                         const struct lb_error *err, long retry_after_ms)
{
	struct lb_error e = *err;
	long long until = mi_now(m) + rate_limit_wait(b, retry_after_ms);
	bool ended = true;

	if (e.status == LB_OK) {
		lb_error_set(&e, LB_HTTP, "rate limited");
		e.http_status = 429;
	}
	s->it.rate_limited++;
	if (b->cancelled) {
		set_error(m, b, s, &e);
		set_state(b, s, BULK_CANCELLED);
	} else if (s->it.rate_limited > b->max_rate_limited) {
		set_error(m, b, s, &e);
		set_state(b, s, BULK_FAILED);
	} else {
		set_error(m, b, s, NULL);
		set_state(b, s, BULK_QUEUED);
		ended = false;
	}
	/* Whatever became of this item, the server said to slow down. */
	pause_all(m, until);
	return ended;
}

/* Record how item s's send ended. */
static void outcome(struct model *m, struct bulk *b, struct slot *s, const struct lb_error *err,
                    long status, long retry_after_ms)
{
	enum outcome o = classify(err, status);
	struct lb_error e;
	size_t i = (size_t)(s - b->slots);

	s->it.http_status = status;
	if (o == O_RATE_LIMITED) {
		if (rate_limited(m, b, s, err, retry_after_ms))
			announce(m, b, i);
		else
			mi_changed(m, b->r);
		return;
	}
	b->streak = 0;
	if (o == O_DONE) {
		/* The note of a 2xx whose body could not be read is kept. */
		set_error(m, b, s, err->status == LB_OK ? NULL : err);
		set_state(b, s, BULK_DONE);
	} else if (o == O_UNKNOWN && err->status == LB_CANCELLED) {
		lb_error_set(&e, LB_UNSURE,
		             "cancelled after it was handed to the network, so it may or may not "
		             "have been applied; check before trying again");
		set_error(m, b, s, &e);
		set_state(b, s, BULK_UNKNOWN);
	} else {
		set_error(m, b, s, err);
		set_state(b, s, o == O_UNKNOWN ? BULK_UNKNOWN : BULK_FAILED);
	}
	announce(m, b, i);
}

/* ------------------------------------------------------------------ */
/* Sending */

static void settle(struct model *m, struct bulk *b);

/* In flight while the model is freed: nobody can tell what became of it. */
static void item_orphaned(struct slot *s)
{
	struct lb_error e;

	s->q = NULL;
	lb_error_set(&e, LB_UNSURE, "the program stopped waiting for the answer");
	set_error(NULL, s->b, s, &e);
	set_state(s->b, s, BULK_UNKNOWN);
}

static void item_abandon(struct req *q)
{
	struct slot *s = q->ext;

	q->ext = NULL;
	if (s)
		item_orphaned(s);
}

static void item_done(struct req *q, const struct lb_error *err, long status, long retry_after_ms)
{
	struct slot *s = q->ext;
	struct model *m = q->m;

	q->ext = NULL;
	if (!m) {
		if (s)
			item_orphaned(s);
		if (q->starting)
			q->finished = true;
		else
			mi_req_free(q);
		return;
	}
	mi_enter(m);
	mi_req_unlink(m, q);
	if (s) {
		s->q = NULL;
		outcome(m, s->b, s, err, status, retry_after_ms);
		settle(m, s->b);
	}
	if (q->starting)
		q->finished = true;
	else
		mi_req_free(q);
	mi_leave(m);
}

void bulk_answer(void *ticket, const struct lb_error *err, long status, long retry_after_ms)
{
	struct lb_error ok;

	if (!err) {
		lb_error_clear(&ok);
		err = &ok;
	}
	item_done(ticket, err, status, retry_after_ms);
}

void bulk_api_done(struct api_storage_result *res, void *ticket)
{
	item_done(ticket, &res->err, res->status, http_retry_after_ms(res->retry_after));
}

/* Send item s. It may end before this returns. */
static void send_item(struct model *m, struct bulk *b, struct slot *s)
{
	struct req *q = mi_req_new(m, NULL, REQ_MUTATION);
	size_t i = (size_t)(s - b->slots);
	struct lb_error e;
	http_id id;

	if (!q) {
		lb_error_set(&e, LB_NOMEM, "out of memory: not sent");
		set_error(m, b, s, &e);
		set_state(b, s, BULK_FAILED);
		announce(m, b, i);
		return;
	}
	q->ext = s;
	q->abandon = item_abandon;
	s->q = q;
	set_state(b, s, BULK_IN_FLIGHT);
	s->it.sends++;
	q->starting = true;
	id = b->send(m->api, i, s->it.arg, b->ud, q);
	q->starting = false;
	if (q->finished) {
		mi_req_free(q);
		return;
	}
	q->id = id;
	if (id == 0) {
		/* Handed over and neither answered nor started: a send function
		 * that broke the api's rule. Whether it went out nobody knows. q
		 * stays on the model's books, uncounted, in case an answer comes
		 * after all. */
		if (q->counted) {
			q->counted = false;
			m->busy--;
		}
		q->ext = NULL;
		s->q = NULL;
		lb_error_set(&e, LB_UNSURE, "the request was handed over and no answer will come");
		set_error(m, b, s, &e);
		set_state(b, s, BULK_UNKNOWN);
		announce(m, b, i);
	}
}

static struct slot *next_queued(struct bulk *b)
{
	while (b->next < b->n && b->slots[b->next].it.state != BULK_QUEUED)
		b->next++;
	return b->next < b->n ? &b->slots[b->next] : NULL;
}

/* The resource says whether the job still has work. */
static void show_activity(struct model *m, struct bulk *b)
{
	struct resource *r = b->r;
	bool busy = active(b);

	if (r->busy == busy && r->state == (busy ? RES_LOADING : RES_FRESH))
		return;
	r->busy = busy;
	r->state = busy ? RES_LOADING : RES_FRESH;
	if (busy)
		r->busy_since_ms = mi_now(m);
	r->fetched_ms = mi_now(m);
	mi_changed(m, r);
}

/* Send what may be sent. Re-entered from an item that ends at once, it
 * only asks the outer call to look again. */
static void settle(struct model *m, struct bulk *b)
{
	struct slot *s;

	if (b->pumping) {
		b->again = true;
		return;
	}
	b->pumping = true;
	do {
		b->again = false;
		while (!b->cancelled && b->count[BULK_IN_FLIGHT] < b->max_in_flight &&
		       !paused(m, b) && (s = next_queued(b)) != NULL)
			send_item(m, b, s);
	} while (b->again);
	b->pumping = false;
	show_activity(m, b);
}

/* ------------------------------------------------------------------ */
/* The resource */

/* The kind's submit: a refresh or a load of a job sends nothing; its record
 * is its own, never a copy of the server's. */
static http_id ops_submit(struct model *m, struct req *q)
{
	struct resource *r;
	struct bulk *b;

	if (!mi_load_begin(q, &r))
		return 0;
	if (r && (b = bulk_of(r)) != NULL) {
		r->busy = active(b);
		r->state = r->busy ? RES_LOADING : RES_FRESH;
		r->fetched_ms = mi_now(m);
		mi_changed(m, r);
	}
	mi_load_end(m, q);
	return 0;
}

static void bulk_free(struct bulk *b)
{
	for (size_t i = 0; i < b->n; i++) {
		/* Items in flight were answered or abandoned before. */
		if (b->slots[i].q)
			b->slots[i].q->ext = NULL;
		free(b->slots[i].it.arg);
		free(b->slots[i].it.error);
	}
	free(b->slots);
	if (b->ud_free)
		b->ud_free(b->ud);
	free(b);
}

static void ops_clear(struct model *m, struct resource *r)
{
	(void)m;
	if (r->obj)
		bulk_free(r->obj);
	r->obj = NULL;
}

static const struct kind bulk_kind = {
    .name = "bulk job",
    .shape = KIND_JOB,
    .submit = ops_submit,
    .clear = ops_clear,
};

static struct bulk *bulk_new(const struct bulk_spec *sp)
{
	struct bulk *b = calloc(1, sizeof(*b));

	if (!b || !(b->slots = calloc(sp->n ? sp->n : 1, sizeof(*b->slots)))) {
		free(b);
		return NULL;
	}
	b->n = sp->n;
	for (size_t i = 0; i < sp->n; i++) {
		struct slot *s = &b->slots[i];

		s->b = b;
		s->it.state = BULK_QUEUED;
		if (sp->args && sp->args[i] && !(s->it.arg = strdup(sp->args[i]))) {
			bulk_free(b); /* ud_free is not set yet: the caller's ud stays */
			return NULL;
		}
	}
	b->count[BULK_QUEUED] = sp->n;
	b->send = sp->send;
	b->item_ended = sp->item_ended;
	b->ud = sp->ud;
	b->ud_free = sp->ud_free;
	b->max_in_flight = sp->max_in_flight > 0 ? (size_t)sp->max_in_flight : BULK_MAX_IN_FLIGHT;
	b->wait_ms = sp->wait_ms > 0 ? sp->wait_ms : BULK_WAIT_MS;
	b->max_wait_ms = sp->max_wait_ms > 0 ? sp->max_wait_ms : BULK_MAX_WAIT_MS;
	b->max_rate_limited = sp->max_rate_limited > 0 ? sp->max_rate_limited : BULK_MAX_RATE_LIMIT;
	return b;
}

static size_t bulk_bytes(const struct bulk *b)
{
	size_t n = sizeof(*b) + b->n * sizeof(*b->slots);

	for (size_t i = 0; i < b->n; i++)
		n += b->slots[i].it.arg ? strlen(b->slots[i].it.arg) + 1 : 0;
	return n;
}

static char *bulk_key(void)
{
	static unsigned long long seq;
	struct buf b;

	buf_init(&b);
	if (!buf_printf(&b, "bulk:#%llu", ++seq)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

struct resource *model_bulk(struct model *m, const struct bulk_spec *spec, struct lb_error *err)
{
	struct lb_error e;
	struct resource *r = NULL;
	struct bulk *b = NULL;

	if (!err)
		err = &e;
	lb_error_clear(err);
	if (!m || !spec || !spec->send)
		lb_error_set(err, LB_USAGE, "nothing says how to send the items");
	else if (m->opt.read_only)
		lb_error_set(err, LB_READONLY, "read-only mode: %s refused, nothing was sent",
		             spec->what ? spec->what : "this change is");
	else if (!(b = bulk_new(spec)))
		lb_error_set(err, LB_NOMEM, "out of memory");
	if (!b) {
		if (spec && spec->ud_free)
			spec->ud_free(spec->ud);
		return NULL;
	}
	mi_enter(m);
	r = mi_resource_add(m, bulk_key(), &bulk_kind);
	if (!r) {
		mi_leave(m);
		lb_error_set(err, LB_NOMEM, "out of memory");
		bulk_free(b); /* frees ud */
		return NULL;
	}
	b->r = r;
	b->pause_until = pause_of_model(m);
	r->obj = b;
	r->priv->refs++;
	r->priv->loaded = true;
	r->has_data = true;
	r->state = RES_EMPTY;
	mi_charge(m, r, bulk_bytes(b), 0);
	settle(m, b);
	mi_leave(m);
	return r;
}

void bulk_cancel(struct model *m, struct resource *r)
{
	struct bulk *b = bulk_of(r);
	struct lb_error e;

	if (!m || !b || b->cancelled || !active(b))
		return;
	mi_enter(m);
	b->cancelled = true;
	lb_error_set(&e, LB_CANCELLED, "cancelled: not sent");
	for (size_t i = 0; i < b->n; i++) {
		struct slot *s = &b->slots[i];

		if (s->it.state != BULK_QUEUED)
			continue;
		set_error(m, b, s, &e);
		set_state(b, s, BULK_CANCELLED);
		if (b->item_ended)
			b->item_ended(r, i, b->ud);
	}
	mi_changed(m, r);
	settle(m, b);
	mi_leave(m);
}

size_t bulk_retry(struct model *m, struct resource *r, unsigned what)
{
	struct bulk *b = bulk_of(r);
	size_t n = 0;

	if (!m || !b)
		return 0;
	mi_enter(m);
	for (size_t i = 0; i < b->n; i++) {
		struct slot *s = &b->slots[i];
		enum bulk_state st = s->it.state;

		if (!((st == BULK_FAILED && (what & BULK_RETRY_FAILED)) ||
		      (st == BULK_UNKNOWN && (what & BULK_RETRY_UNKNOWN)) ||
		      (st == BULK_CANCELLED && (what & BULK_RETRY_CANCELLED))))
			continue;
		set_error(m, b, s, NULL);
		s->it.http_status = 0;
		s->it.rate_limited = 0;
		set_state(b, s, BULK_QUEUED);
		n++;
	}
	if (n) {
		b->cancelled = false;
		mi_changed(m, r);
		settle(m, b);
	}
	mi_leave(m);
	return n;
}

static long long wait_left(const struct bulk *b)
{
	long long left;

	if (!b->pause_until || !b->count[BULK_QUEUED] || b->cancelled)
		return 0;
	left = b->pause_until - mi_now(b->r->priv->m);
	return left > 0 ? left : 0;
}

bool bulk_progress(const struct resource *r, struct bulk_progress *p)
{
	const struct bulk *b = bulk_of(r);

	if (!b || !p)
		return false;
	memset(p, 0, sizeof(*p));
	p->total = b->n;
	p->done = b->count[BULK_DONE];
	p->failed = b->count[BULK_FAILED];
	p->unknown = b->count[BULK_UNKNOWN];
	p->cancelled = b->count[BULK_CANCELLED];
	p->queued = b->count[BULK_QUEUED];
	p->in_flight = b->count[BULK_IN_FLIGHT];
	p->wait_ms = wait_left(b);
	p->cancelling = b->cancelled && p->in_flight > 0;
	return true;
}

const char *bulk_progress_line(const struct resource *r, char *buf, size_t n)
{
	struct bulk_progress p;
	struct buf o;

	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	if (!bulk_progress(r, &p))
		return buf;
	buf_init(&o);
	buf_printf(&o, "%zu/%zu done", p.done, p.total);
	if (p.failed)
		buf_printf(&o, ", %zu failed", p.failed);
	if (p.unknown)
		buf_printf(&o, ", %zu unknown", p.unknown);
	if (p.cancelled)
		buf_printf(&o, ", %zu cancelled", p.cancelled);
	if (p.cancelling)
		buf_printf(&o, ", cancelling: %zu in flight", p.in_flight);
	if (p.wait_ms > 0)
		buf_printf(&o, ", waiting for rate limit %llds", (p.wait_ms + 999) / 1000);
	snprintf(buf, n, "%s", o.data ? o.data : "");
	buf_free(&o);
	return buf;
}

const struct bulk_item *bulk_item(const struct resource *r, size_t i)
{
	const struct bulk *b = bulk_of(r);

	return b && i < b->n ? &b->slots[i].it : NULL;
}

int bulk_timeout_ms(struct model *m)
{
	long long best = -1;

	for (size_t i = 0; m && i < m->n_res; i++) {
		const struct bulk *b = bulk_of(m->res[i]);

		if (!b || !b->pause_until || !b->count[BULK_QUEUED] || b->cancelled)
			continue;
		long long left = wait_left(b);
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

void bulk_tick(struct model *m)
{
	size_t n;

	if (!m)
		return;
	mi_enter(m);
	n = m->n_res;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct bulk *b = bulk_of(m->res[i]);

		if (b && b->pause_until && !paused(m, b)) {
			mi_changed(m, b->r);
			settle(m, b);
		}
	}
	mi_leave(m);
}

size_t bulk_pending(const struct model *m)
{
	size_t n = 0;

	for (size_t i = 0; m && i < m->n_res; i++) {
		const struct bulk *b = bulk_of(m->res[i]);

		if (b)
			n += b->count[BULK_QUEUED] + b->count[BULK_IN_FLIGHT];
	}
	return n;
}
