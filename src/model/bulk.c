#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "job.h"
#include "model_impl.h"
#include "util.h"

/* A bulk job is a job (job.h) of changes: each item goes out at most once
 * but for a 429, what failed is kept for bulk_retry, and a 429 pauses
 * every bulk job of the model. */

_Static_assert(sizeof(enum bulk_state) == sizeof(int), "a bulk item's state is a job item's");

struct bulk {
	struct job job;
	int max_rate_limited;
};

static const struct job_policy bulk_policy;

static struct bulk *bulk_of(const struct resource *r)
{
	return (struct bulk *)job_of(r, &bulk_policy.kind);
}

static struct bulk_item *item(const struct bulk *b, size_t i)
{
	return job_at(&b->job, i);
}

/* ------------------------------------------------------------------ */
/* The policy */

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

/* A 429 says the server did not act: back to the queue, unless the job
 * is cancelled or the item was refused too often (the core pauses the
 * sends). */
static void rate_limited(struct bulk *b, size_t i, const struct lb_error *err)
{
	struct bulk_item *it = item(b, i);
	struct lb_error e = *err;

	if (e.status == LB_OK) {
		lb_error_set(&e, LB_HTTP, "rate limited");
		e.http_status = 429;
	}
	it->rate_limited++;
	if (b->job.stopped)
		job_item_set(&b->job, i, BULK_CANCELLED, &e);
	else if (it->rate_limited > b->max_rate_limited)
		job_item_set(&b->job, i, BULK_FAILED, &e);
	else
		job_item_set(&b->job, i, BULK_QUEUED, NULL);
}

static void answered(struct job *j, size_t i, const struct job_answer *a)
{
	enum outcome o = classify(a->err, a->status);
	struct lb_error e;

	if (o == O_RATE_LIMITED) {
		rate_limited((struct bulk *)j, i, a->err);
	} else if (o == O_DONE) {
		/* The note of a 2xx whose body could not be read is kept. */
		job_item_set(j, i, BULK_DONE, a->err->status == LB_OK ? NULL : a->err);
	} else if (o == O_UNKNOWN && a->err->status == LB_CANCELLED) {
		lb_error_set(&e, LB_UNSURE,
		             "cancelled after it was handed to the network, so it may or may not "
		             "have been applied; check before trying again");
		job_item_set(j, i, BULK_UNKNOWN, &e);
	} else {
		job_item_set(j, i, o == O_UNKNOWN ? BULK_UNKNOWN : BULK_FAILED, a->err);
	}
}

static void sending(struct job *j, size_t i)
{
	item((struct bulk *)j, i)->sends++;
}

/* The resource says whether the job still has work. */
static void settled(struct job *j)
{
	struct resource *r = j->r;
	bool busy = job_active(j);

	if (r->busy == busy && r->state == (busy ? RES_LOADING : RES_FRESH))
		return;
	r->busy = busy;
	r->state = busy ? RES_LOADING : RES_FRESH;
	if (busy)
		r->busy_since_ms = mi_now(j->m);
	r->fetched_ms = mi_now(j->m);
	mi_changed(j->m, r);
}

/* A refresh or a load of a job sends nothing; its record is its own,
 * never a copy of the server's. */
static void load(struct job *j)
{
	struct resource *r = j->r;

	r->busy = job_active(j);
	r->state = r->busy ? RES_LOADING : RES_FRESH;
	r->fetched_ms = mi_now(j->m);
	mi_changed(j->m, r);
}

static const struct job_policy bulk_policy = {
    .kind = {.name = "bulk job", JOB_KIND_HOOKS},
    .size = sizeof(struct bulk),
    .item_size = sizeof(struct bulk_item),
    .changes = true,
    .cancelled = BULK_CANCELLED,
    .answered = answered,
    .sending = sending,
    .settled = settled,
    .load = load,
};

/* ------------------------------------------------------------------ */
/* Public */

static struct bulk *bulk_new(const struct bulk_spec *sp)
{
	const struct job_spec js = {
	    .n = sp->n,
	    .args = sp->args,
	    .send = sp->send,
	    .item_ended = sp->item_ended,
	    .ud = sp->ud,
	    .ud_free = sp->ud_free,
	    .max_in_flight = sp->max_in_flight > 0 ? (size_t)sp->max_in_flight : BULK_MAX_IN_FLIGHT,
	    .wait_ms = sp->wait_ms > 0 ? sp->wait_ms : BULK_WAIT_MS,
	    .max_wait_ms = sp->max_wait_ms > 0 ? sp->max_wait_ms : BULK_MAX_WAIT_MS,
	};
	struct bulk *b = (struct bulk *)job_new(&bulk_policy, &js);

	if (b)
		b->max_rate_limited =
		    sp->max_rate_limited > 0 ? sp->max_rate_limited : BULK_MAX_RATE_LIMIT;
	return b;
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
	r = job_add(m, &b->job, bulk_key()); /* frees b and ud when it fails */
	if (!r) {
		mi_leave(m);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	r->priv->refs++;
	r->priv->loaded = true;
	r->has_data = true;
	r->state = RES_EMPTY;
	job_settle(&b->job);
	mi_leave(m);
	return r;
}

void bulk_api_done(struct api_storage_result *res, void *ticket)
{
	job_api_done(res, ticket);
}

void bulk_answer(void *ticket, const struct lb_error *err, long status, long retry_after_ms)
{
	job_answer(ticket, err, status, NULL, 0, retry_after_ms);
}

bool bulk_ticket(void *ticket, void **ud, size_t *i)
{
	struct job *j;

	if (!job_ticket(ticket, &j, i) || j->pol != &bulk_policy)
		return false;
	*ud = j->spec.ud;
	return true;
}

void bulk_send_next(void *ticket, bulk_send_fn send)
{
	job_send_next(ticket, send);
}

void *bulk_ud(const struct resource *r)
{
	const struct bulk *b = bulk_of(r);

	return b ? b->job.spec.ud : NULL;
}

void bulk_cancel(struct model *m, struct resource *r)
{
	struct bulk *b = bulk_of(r);

	if (m && b)
		job_cancel(&b->job);
}

size_t bulk_retry(struct model *m, struct resource *r, unsigned what)
{
	struct bulk *b = bulk_of(r);
	size_t n = 0;

	if (!m || !b)
		return 0;
	mi_enter(m);
	for (size_t i = 0; i < b->job.n; i++) {
		struct bulk_item *it = item(b, i);
		enum bulk_state st = it->state;

		if (!((st == BULK_FAILED && (what & BULK_RETRY_FAILED)) ||
		      (st == BULK_UNKNOWN && (what & BULK_RETRY_UNKNOWN)) ||
		      (st == BULK_CANCELLED && (what & BULK_RETRY_CANCELLED))))
			continue;
		job_item_set(&b->job, i, BULK_QUEUED, NULL);
		it->http_status = 0;
		it->rate_limited = 0;
		n++;
	}
	if (n)
		job_go(&b->job);
	mi_leave(m);
	return n;
}

bool bulk_progress(const struct resource *r, struct bulk_progress *p)
{
	const struct bulk *b = bulk_of(r);
	const struct job *j;

	if (!b || !p)
		return false;
	j = &b->job;
	memset(p, 0, sizeof(*p));
	p->total = j->n;
	p->done = j->count[BULK_DONE];
	p->failed = j->count[BULK_FAILED];
	p->unknown = j->count[BULK_UNKNOWN];
	p->cancelled = j->count[BULK_CANCELLED];
	p->queued = j->count[BULK_QUEUED];
	p->in_flight = j->count[BULK_IN_FLIGHT];
	p->wait_ms = job_wait_left(j);
	p->cancelling = j->stopped && p->in_flight > 0;
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

	return b ? item(b, i) : NULL;
}

int bulk_timeout_ms(struct model *m)
{
	return job_timeout_ms(m);
}

void bulk_tick(struct model *m)
{
	job_tick(m);
}

size_t bulk_pending(const struct model *m)
{
	return job_pending(m, &bulk_policy.kind);
}
