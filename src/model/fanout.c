#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout.h"
#include "job.h"
#include "model_impl.h"
#include "util.h"

/* A fan-out is a job (job.h) of reads, run as a whole by each load of its
 * resource, that keeps the answers up to a bound. */

_Static_assert(sizeof(enum fanout_state) == sizeof(int), "a fan-out's state is a job item's");

struct fanout {
	struct job job;
	fanout_decode_fn decode;
	void (*value_free)(void *value, void *ud);
	bool keep_body;
	size_t max_kept;
	size_t received, kept;
	bool running;
};

static const struct job_policy fanout_policy;

static struct fanout *fanout_of(const struct resource *r)
{
	return (struct fanout *)job_of(r, &fanout_policy.kind);
}

static struct fanout_item *item(const struct fanout *f, size_t i)
{
	return job_at(&f->job, i);
}

/* Bytes a child's result holds. */
static size_t result_bytes(const struct fanout_item *it)
{
	return it->body_len + (it->body ? 1 : 0) + it->value_bytes;
}

/* Forget a child's result (moved out or freed), giving its bytes back. */
static void result_forget(struct fanout *f, struct fanout_item *it)
{
	size_t bytes = result_bytes(it);

	it->body = NULL;
	it->body_len = 0;
	it->value = NULL;
	it->value_bytes = 0;
	f->kept -= bytes < f->kept ? bytes : f->kept;
	if (f->job.m)
		mi_charge(f->job.m, f->job.r, 0, bytes);
}

static void result_drop(struct fanout *f, struct fanout_item *it)
{
	if (it->value && f->value_free)
		f->value_free(it->value, f->job.spec.ud);
	free(it->body);
	result_forget(f, it);
}

static bool held(const struct fanout *f)
{
	return f->kept >= f->max_kept;
}

/* Keep a successful answer: the body and/or the decoded value. False with
 * err set when it could not be kept. */
static bool keep(struct fanout *f, struct fanout_item *it, const char *body, size_t len,
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
		value = f->decode(body, len, &vbytes, err, f->job.spec.ud);
		if (!value) {
			if (err->status == LB_OK)
				lb_error_set(err, LB_DECODE, "the answer could not be decoded");
			free(copy);
			return false;
		}
	}
	result_drop(f, it);
	it->body = copy;
	it->body_len = copy ? len : 0;
	it->value = value;
	it->value_bytes = vbytes;
	f->kept += result_bytes(it);
	mi_charge(f->job.m, f->job.r, result_bytes(it), 0);
	return true;
}

/* ------------------------------------------------------------------ */
/* The policy */

/* A child ended ok with its answer kept, or failed (a failure leaves the
 * previous result), or was cancelled. */
static void answered(struct job *j, size_t i, const struct job_answer *a)
{
	struct fanout *f = (struct fanout *)j;
	struct fanout_item *it = item(f, i);
	struct lb_error e = *a->err;

	it->received = a->len;
	f->received += a->len;
	if (e.status == LB_OK && keep(f, it, a->body ? a->body : "", a->len, &e))
		job_item_set(j, i, FANOUT_OK, NULL);
	else
		job_item_set(j, i, e.status == LB_CANCELLED ? FANOUT_CANCELLED : FANOUT_FAILED, &e);
}

/* Children start while a run goes on and the results kept are under the
 * bound. */
static bool may_send(const struct job *j)
{
	const struct fanout *f = (const struct fanout *)j;

	return f->running && !held(f);
}

/* The run is over when nothing is left: how it went becomes the
 * resource's state. */
static void settled(struct job *j)
{
	struct fanout *f = (struct fanout *)j;
	struct resource *r = j->r;

	if (!f->running || job_active(j))
		return;
	f->running = false;
	r->busy = false;
	if (j->count[FANOUT_OK] > 0)
		r->has_data = true;
	if (r->has_data) {
		r->priv->loaded = true;
		r->fetched_ms = mi_now(j->m);
	}
	if (j->count[FANOUT_FAILED] == 0 && j->count[FANOUT_CANCELLED] == 0) {
		lb_error_clear(&r->err);
		r->state = RES_FRESH;
	} else {
		r->err = j->first;
		r->state = r->has_data ? RES_STALE : RES_ERROR;
	}
	mi_changed(j->m, r);
}

/* A load runs every child (again); one while a run goes on only shows it
 * busy. */
static void load(struct job *j)
{
	struct fanout *f = (struct fanout *)j;
	struct resource *r = j->r;

	r->busy = true;
	if (f->running)
		return;
	job_restart(j);
	f->received = 0;
	f->running = true;
	r->busy_since_ms = mi_now(j->m);
	job_go(j);
}

static void item_clear(struct job *j, size_t i)
{
	struct fanout *f = (struct fanout *)j;

	result_drop(f, item(f, i));
}

static const struct job_policy fanout_policy = {
    .kind = {.name = "fan-out", JOB_KIND_HOOKS},
    .size = sizeof(struct fanout),
    .item_size = sizeof(struct fanout_item),
    .changes = false,
    .cancelled = FANOUT_CANCELLED,
    .answered = answered,
    .may_send = may_send,
    .settled = settled,
    .load = load,
    .item_clear = item_clear,
};

/* ------------------------------------------------------------------ */
/* Public */

static struct fanout *fanout_new(const struct fanout_spec *sp)
{
	const struct job_spec js = {
	    .n = sp->n,
	    .args = sp->args,
	    .send = sp->submit,
	    .item_ended = sp->item_ended,
	    .ud = sp->ud,
	    .ud_free = sp->ud_free,
	    .max_in_flight =
	        sp->max_in_flight > 0 ? (size_t)sp->max_in_flight : FANOUT_MAX_IN_FLIGHT,
	};
	struct fanout *f = (struct fanout *)job_new(&fanout_policy, &js);

	if (f) {
		f->decode = sp->decode;
		f->value_free = sp->value_free;
		f->keep_body = sp->keep_body;
		f->max_kept = sp->max_kept ? sp->max_kept : FANOUT_MAX_KEPT;
	}
	return f;
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
	r = key ? mi_find(m, &fanout_policy.kind, k) : NULL;
	if (r) {
		free(k);
		if (spec->ud_free)
			spec->ud_free(spec->ud);
	} else if ((f = fanout_new(spec)) == NULL) {
		free(k);
		if (spec->ud_free)
			spec->ud_free(spec->ud);
	} else {
		r = job_add(m, &f->job, k); /* frees f and ud when it fails */
	}
	if (r)
		mi_acquire(m, r); /* starts the run, as a load */
	mi_leave(m);
	return r;
refuse:
	if (spec && spec->ud_free)
		spec->ud_free(spec->ud);
	return NULL;
}

void fanout_api_done(struct api_storage_result *res, void *ticket)
{
	job_api_done(res, ticket);
}

void fanout_answer(void *ticket, const struct lb_error *err, long status, const char *body,
                   size_t len)
{
	job_answer(ticket, err, status, body, len, -1);
}

void fanout_cancel(struct model *m, struct resource *r)
{
	struct fanout *f = fanout_of(r);

	if (m && f)
		job_cancel(&f->job);
}

bool fanout_progress(const struct resource *r, struct fanout_progress *p)
{
	const struct fanout *f = fanout_of(r);
	const struct job *j;

	if (!f || !p)
		return false;
	j = &f->job;
	memset(p, 0, sizeof(*p));
	p->total = j->n;
	p->ok = j->count[FANOUT_OK];
	p->failed = j->count[FANOUT_FAILED];
	p->cancelled = j->count[FANOUT_CANCELLED];
	p->finished = p->ok + p->failed + p->cancelled;
	p->in_flight = j->count[FANOUT_IN_FLIGHT];
	p->received = f->received;
	p->kept = f->kept;
	p->running = f->running;
	p->held = f->running && !j->stopped && held(f) && j->count[FANOUT_QUEUED] > 0;
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

	return f ? item(f, i) : NULL;
}

bool fanout_take(struct model *m, struct resource *r, size_t i, char **body, size_t *len,
                 void **value)
{
	struct fanout *f = fanout_of(r);
	struct fanout_item *it = f ? item(f, i) : NULL;

	if (body)
		*body = NULL;
	if (len)
		*len = 0;
	if (value)
		*value = NULL;
	if (!m || !it || (!it->body && !it->value))
		return false;
	mi_enter(m);
	if (body)
		*body = it->body;
	else
		free(it->body);
	if (len)
		*len = it->body_len;
	if (value)
		*value = it->value;
	else if (it->value && f->value_free)
		f->value_free(it->value, f->job.spec.ud);
	result_forget(f, it);
	mi_changed(m, r);
	job_settle(&f->job);
	mi_leave(m);
	return true;
}
