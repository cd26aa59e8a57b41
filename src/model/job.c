#include "lbconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "model_impl.h"

/* The job core (job.h). */

/* An item's place in the job: the ticket of its request points here. */
struct job_slot {
	struct job *j;
	struct req *q; /* NULL unless in flight */
};

static struct job_item *head(const struct job *j, size_t i)
{
	return (struct job_item *)((char *)j->items + i * j->pol->item_size);
}

void *job_at(const struct job *j, size_t i)
{
	return j && i < j->n ? head(j, i) : NULL;
}

struct job *job_of(const struct resource *r, const struct kind *k)
{
	if (!r || r->priv->kind->shape != KIND_JOB || (k && r->priv->kind != k))
		return NULL;
	return r->obj;
}

bool job_active(const struct job *j)
{
	return j->count[JOB_QUEUED] + j->count[JOB_IN_FLIGHT] > 0;
}

static void set_state(struct job *j, size_t i, int state)
{
	struct job_item *it = head(j, i);

	j->count[it->state]--;
	j->count[state]++;
	it->state = state;
	if (state == JOB_QUEUED && i < j->next)
		j->next = i;
}

void job_item_set(struct job *j, size_t i, int state, const struct lb_error *err)
{
	struct job_item *it = head(j, i);
	size_t old = it->error ? strlen(it->error) + 1 : 0;
	char buf[1600];

	free(it->error);
	it->error = err ? strdup(lb_error_format(err, buf, sizeof(buf))) : NULL;
	it->status = err ? err->status : LB_OK;
	mi_charge(j->m, j->r, it->error ? strlen(it->error) + 1 : 0, old);
	set_state(j, i, state);
	if (err && state >= JOB_ENDED &&
	    (j->first.status == LB_OK ||
	     (j->first.status == LB_CANCELLED && err->status != LB_CANCELLED)))
		j->first = *err;
}

/* ------------------------------------------------------------------ */
/* Outcomes */

/* Item i's request ended: the policy records how. True when the item
 * ended (not queued again). */
static bool record(struct job *j, size_t i, const struct job_answer *a)
{
	head(j, i)->http_status = a->status;
	j->pol->answered(j, i, a);
	return head(j, i)->state != JOB_QUEUED;
}

static void heard(struct job *j, size_t i)
{
	if (j->spec.item_ended)
		j->spec.item_ended(j->r, i, j->spec.ud);
}

/* Tell who listens that item i ended. */
static void announce(struct job *j, size_t i)
{
	heard(j, i);
	mi_changed(j->m, j->r);
}

/* Item i ended without an answer from the server: err says why. */
static void ended_unanswered(struct job *j, size_t i, enum lb_status st, const char *msg)
{
	struct lb_error e;
	struct job_answer a = {.err = &e, .retry_after_ms = -1};

	lb_error_set(&e, st, "%s", msg);
	record(j, i, &a);
	announce(j, i);
}

/* ------------------------------------------------------------------ */
/* Rate limit */

static bool paused(struct job *j)
{
	if (j->pause_until == 0)
		return false;
	if (mi_now(j->m) < j->pause_until)
		return true;
	j->pause_until = 0;
	return false;
}

/* How long to wait after a 429: what the server said, or a wait that
 * doubles with each 429 in a row that said nothing; never above the cap. */
static long long rate_limit_wait(struct job *j, long retry_after_ms)
{
	long long d;

	if (retry_after_ms >= 0) {
		d = retry_after_ms;
	} else {
		d = j->spec.wait_ms;
		for (int i = 0; i < j->streak && d < j->spec.max_wait_ms; i++)
			d *= 2;
		if (d < j->spec.max_wait_ms)
			j->streak++;
	}
	return d < j->spec.max_wait_ms ? d : j->spec.max_wait_ms;
}

/* Every job of j's kind waits until at least `until`: a 429 is about the
 * key, whichever job got it. */
static void pause_kind(struct job *j, long long until)
{
	struct model *m = j->m;
	size_t n = m->n_res;

	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct job *o = job_of(m->res[i], &j->pol->kind);

		if (o && o->pause_until < until) {
			o->pause_until = until;
			mi_changed(m, o->r);
		}
	}
}

/* The latest pause of a job of kind k (0: none), for a new one. */
static long long pause_of_kind(const struct model *m, const struct kind *k)
{
	long long until = 0;

	for (size_t i = 0; i < m->n_res; i++) {
		const struct job *o = job_of(m->res[i], k);

		if (o && o->pause_until > until)
			until = o->pause_until;
	}
	return until;
}

long long job_wait_left(const struct job *j)
{
	long long left;

	if (!j->pause_until || !j->count[JOB_QUEUED] || j->stopped)
		return 0;
	left = j->pause_until - mi_now(j->m);
	return left > 0 ? left : 0;
}

int job_timeout_ms(struct model *m)
{
	long long best = -1;

	for (size_t i = 0; m && i < m->n_res; i++) {
		const struct job *j = job_of(m->res[i], NULL);

		if (!j || !j->pause_until || !j->count[JOB_QUEUED] || j->stopped)
			continue;
		long long left = job_wait_left(j);
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

void job_tick(struct model *m)
{
	size_t n;

	if (!m)
		return;
	mi_enter(m);
	n = m->n_res;
	for (size_t i = 0; i < n && i < m->n_res; i++) {
		struct job *j = job_of(m->res[i], NULL);

		if (j && j->pause_until && !paused(j)) {
			mi_changed(m, j->r);
			job_settle(j);
		}
	}
	mi_leave(m);
}

size_t job_pending(const struct model *m, const struct kind *k)
{
	size_t n = 0;

	for (size_t i = 0; m && i < m->n_res; i++) {
		const struct job *j = job_of(m->res[i], k);

		if (j)
			n += j->count[JOB_QUEUED] + j->count[JOB_IN_FLIGHT];
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Sending */

static void item_abandon(struct req *q)
{
	struct job_slot *s = q->ext;

	/* The model is being freed, and the job with it. */
	q->ext = NULL;
	if (s)
		s->q = NULL;
}

/* The transport's answer to the request q of an item. */
static void item_answer(struct req *q, const struct job_answer *a)
{
	struct job_slot *s = q->ext;
	struct model *m;

	q->ext = NULL;
	m = mi_answer_begin(q);
	if (s)
		s->q = NULL; /* without a model, the job goes with it */
	if (m && s) {
		struct job *j = s->j;
		size_t i = (size_t)(s - j->slots);
		bool ended = record(j, i, a);

		/* Whatever became of the item, a 429 says to slow down. */
		if (a->status == 429 && j->spec.wait_ms > 0)
			pause_kind(j, mi_now(m) + rate_limit_wait(j, a->retry_after_ms));
		else
			j->streak = 0;
		if (ended)
			announce(j, i);
		else
			mi_changed(m, j->r);
		job_settle(j);
	}
	mi_answer_end(m, q);
}

void job_api_done(struct api_storage_result *res, void *ticket)
{
	struct job_answer a = {
	    .err = &res->err,
	    .status = res->status,
	    .body = res->body,
	    .len = res->body ? res->body_len : 0,
	    .retry_after_ms = http_retry_after_ms(res->retry_after),
	};

	item_answer(ticket, &a);
}

void job_answer(void *ticket, const struct lb_error *err, long status, const char *body, size_t len,
                long retry_after_ms)
{
	struct lb_error ok;
	struct job_answer a = {.err = err,
	                       .status = status,
	                       .body = body,
	                       .len = body ? len : 0,
	                       .retry_after_ms = retry_after_ms};

	if (!err) {
		lb_error_clear(&ok);
		a.err = &ok;
	}
	item_answer(ticket, &a);
}

/* q, item i's request, was handed to the transport as id: an answer
 * that came inside, a send that broke the api's rule, a cancel asked for
 * meanwhile. */
static void sent(struct job *j, size_t i, struct req *q, http_id id)
{
	struct model *m = j->m;
	struct job_slot *s;

	if (!mi_req_sent(q, id))
		return;
	s = &j->slots[i]; /* what answered inside may have appended items */
	if (id == 0) {
		/* Neither answered nor started: a send function that broke the
		 * api's rule. q stays on the model's books, uncounted, in case
		 * an answer comes after all. */
		mi_req_uncount(m, q);
		q->ext = NULL;
		s->q = NULL;
		if (j->pol->changes)
			ended_unanswered(j, i, LB_UNSURE,
			                 "the request was handed over and no answer will come");
		else
			ended_unanswered(j, i, LB_NETWORK, "the request could not be started");
	} else if (q->cancel_sent && !mi_req_cancel(m, q)) {
		/* Cancelled while it was being sent, and nobody will answer. */
		s->q = NULL;
		ended_unanswered(j, i, LB_CANCELLED, "cancelled");
	}
}

/* Send item i. It may end before this returns. */
static void send_item(struct job *j, size_t i)
{
	struct model *m = j->m;
	struct job_slot *s = &j->slots[i];
	struct req *q = mi_req_new(m, NULL, j->pol->changes ? REQ_MUTATION : REQ_LOAD);
	http_id id;

	if (!q) {
		ended_unanswered(j, i, LB_NOMEM, "out of memory: not sent");
		return;
	}
	q->ext = s;
	q->abandon = item_abandon;
	s->q = q;
	set_state(j, i, JOB_IN_FLIGHT);
	if (j->pol->sending)
		j->pol->sending(j, i);
	q->starting = true;
	id = j->spec.send(m->api, i, head(j, i)->arg, j->spec.ud, q);
	sent(j, i, q, id);
}

bool job_ticket(void *ticket, struct job **j, size_t *i)
{
	struct req *q = ticket;
	struct job_slot *s = q ? q->ext : NULL;

	if (!s || !q->m)
		return false;
	*j = s->j;
	*i = (size_t)(s - s->j->slots);
	return true;
}

void job_send_next(void *ticket, job_send_fn send)
{
	struct req *q = ticket;
	struct lb_error e;
	struct model *m;
	struct job *j;
	size_t i;

	if (!job_ticket(ticket, &j, &i)) {
		/* Gone: the core frees what is left. */
		lb_error_set(&e, LB_CANCELLED, "cancelled");
		job_answer(ticket, &e, 0, NULL, 0, -1);
		return;
	}
	if (j->stopped || q->cancel_sent) {
		/* Nothing more is sent: the item ends as one never sent. */
		q->ext = NULL;
		m = mi_answer_begin(q);
		j->slots[i].q = NULL;
		lb_error_set(&e, LB_CANCELLED, "cancelled: not sent");
		job_item_set(j, i, j->pol->cancelled, &e);
		announce(j, i);
		job_settle(j);
		mi_answer_end(m, q);
		return;
	}
	m = j->m;
	mi_enter(m);
	q->starting = true;
	sent(j, i, q, send(m->api, i, head(j, i)->arg, j->spec.ud, q));
	mi_leave(m);
}

static bool next_queued(struct job *j, size_t *i)
{
	while (j->next < j->n && head(j, j->next)->state != JOB_QUEUED)
		j->next++;
	*i = j->next;
	return j->next < j->n;
}

static bool may_send(struct job *j)
{
	return !j->stopped && j->count[JOB_IN_FLIGHT] < j->spec.max_in_flight && !paused(j) &&
	       (!j->pol->may_send || j->pol->may_send(j));
}

void job_settle(struct job *j)
{
	size_t i;

	if (j->pumping) {
		j->again = true;
		return;
	}
	j->pumping = true;
	do {
		j->again = false;
		while (may_send(j) && next_queued(j, &i))
			send_item(j, i);
	} while (j->again);
	j->pumping = false;
	j->pol->settled(j);
}

void job_restart(struct job *j)
{
	for (size_t i = 0; i < j->n; i++)
		set_state(j, i, JOB_QUEUED);
	j->next = 0;
	lb_error_clear(&j->first);
}

void job_go(struct job *j)
{
	j->stopped = false;
	mi_changed(j->m, j->r);
	job_settle(j);
}

/* Cut off the reads in flight. A cancel may answer at once, and what
 * listens may change other slots: each slot's request is read again after
 * every cancel. */
static void cut_off(struct job *j)
{
	struct lb_error e;
	struct job_answer a = {.err = &e, .retry_after_ms = -1};

	lb_error_set(&e, LB_CANCELLED, "cancelled");
	for (size_t i = 0; i < j->n; i++) {
		struct req *q = j->slots[i].q;

		if (!q || mi_req_cancel(j->m, q))
			continue;
		/* Unknown to the transport: no answer will come. */
		j->slots[i].q = NULL;
		record(j, i, &a);
		heard(j, i);
	}
}

void job_cancel(struct job *j)
{
	struct lb_error e;

	if (j->stopped || !job_active(j))
		return;
	mi_enter(j->m);
	j->stopped = true;
	lb_error_set(&e, LB_CANCELLED, "cancelled: not sent");
	for (size_t i = 0; i < j->n; i++) {
		if (head(j, i)->state != JOB_QUEUED)
			continue;
		job_item_set(j, i, j->pol->cancelled, &e);
		heard(j, i);
	}
	if (!j->pol->changes)
		cut_off(j);
	mi_changed(j->m, j->r);
	job_settle(j);
	mi_leave(j->m);
}

/* ------------------------------------------------------------------ */
/* The resource */

static void job_free(struct job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		struct job_item *it = head(j, i);

		/* Requests in flight were answered, cancelled or abandoned
		 * before; one whose cancel answers later finds no slot. */
		if (j->slots[i].q)
			j->slots[i].q->ext = NULL;
		if (j->pol->item_clear)
			j->pol->item_clear(j, i);
		free(it->arg);
		free(it->error);
	}
	free(j->items);
	free(j->slots);
	if (j->spec.ud_free)
		j->spec.ud_free(j->spec.ud);
	free(j);
}

http_id job_kind_submit(struct model *m, struct req *q)
{
	struct resource *r;
	struct job *j;

	if (!mi_load_begin(q, &r))
		return 0;
	if ((j = job_of(r, NULL)) != NULL)
		j->pol->load(j);
	mi_load_end(m, q);
	return 0;
}

void job_kind_clear(struct model *m, struct resource *r)
{
	(void)m;
	if (r->obj)
		job_free(r->obj);
	r->obj = NULL;
}

struct job *job_new(const struct job_policy *pol, const struct job_spec *sp)
{
	size_t n = sp->n ? sp->n : 1;
	struct job *j = calloc(1, pol->size);

	if (!j)
		return NULL;
	j->pol = pol;
	j->slots = calloc(n, sizeof(*j->slots));
	j->items = calloc(n, pol->item_size);
	if (!j->slots || !j->items) {
		job_free(j);
		return NULL;
	}
	j->n = sp->n;
	j->cap = n;
	j->count[JOB_QUEUED] = sp->n;
	for (size_t i = 0; i < sp->n; i++) {
		j->slots[i].j = j;
		if (sp->args && sp->args[i] && !(head(j, i)->arg = strdup(sp->args[i]))) {
			job_free(j); /* the spec is not kept yet: the caller's ud stays */
			return NULL;
		}
	}
	j->spec = *sp;
	j->spec.args = NULL;
	return j;
}

/* Room for at least want items, doubling. */
static bool job_grow(struct job *j, size_t want)
{
	size_t cap = j->cap ? j->cap : 1;
	struct job_slot *slots;
	void *items;

	if (want <= j->cap)
		return true;
	while (cap < want)
		cap *= 2;
	slots = realloc(j->slots, cap * sizeof(*slots));
	if (!slots)
		return false;
	j->slots = slots;
	/* A request's ticket points at its slot. */
	for (size_t i = 0; i < j->n; i++)
		if (slots[i].q)
			slots[i].q->ext = &slots[i];
	memset(slots + j->cap, 0, (cap - j->cap) * sizeof(*slots));
	items = realloc(j->items, cap * j->pol->item_size);
	if (!items)
		return false; /* the slots stay larger: harmless */
	j->items = items;
	memset((char *)items + j->cap * j->pol->item_size, 0, (cap - j->cap) * j->pol->item_size);
	j->cap = cap;
	return true;
}

bool job_append(struct job *j, size_t n, const char *const *args)
{
	size_t bytes = 0;

	if (!job_grow(j, j->n + n))
		return false;
	for (size_t k = 0; k < n; k++) {
		struct job_item *it = head(j, j->n + k);

		if (args && args[k] && !(it->arg = strdup(args[k]))) {
			while (k-- > 0) {
				free(head(j, j->n + k)->arg);
				head(j, j->n + k)->arg = NULL;
			}
			return false;
		}
		j->slots[j->n + k].j = j;
		bytes += sizeof(*j->slots) + j->pol->item_size + (it->arg ? strlen(it->arg) + 1 : 0);
	}
	j->n += n;
	j->count[JOB_QUEUED] += n;
	if (j->m)
		mi_charge(j->m, j->r, bytes, 0);
	return true;
}

static size_t job_bytes(const struct job *j)
{
	size_t b = j->pol->size + j->n * (sizeof(*j->slots) + j->pol->item_size);

	for (size_t i = 0; i < j->n; i++)
		b += head(j, i)->arg ? strlen(head(j, i)->arg) + 1 : 0;
	return b;
}

struct resource *job_add(struct model *m, struct job *j, char *key)
{
	struct resource *r = mi_resource_add(m, key, &j->pol->kind);

	if (!r) {
		job_free(j);
		return NULL;
	}
	j->m = m;
	j->r = r;
	j->pause_until = pause_of_kind(m, &j->pol->kind);
	r->obj = j;
	mi_charge(m, r, job_bytes(j), 0);
	return r;
}
