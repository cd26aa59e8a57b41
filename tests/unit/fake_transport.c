#include "lbconfig.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fake_transport.h"

/* Initialise an empty recorder. */
void fake_transport_init(struct fake_transport *f)
{
	memset(f, 0, sizeof(*f));
}

static void req_free(struct fake_request *r)
{
	for (size_t i = 0; i < r->n_headers; i++)
		free(r->headers[i]);
	free(r->headers);
	free(r->url);
	free(r->body);
	free(r);
}

/* Cancel what is pending, then free every record. */
void fake_transport_free(struct fake_transport *f)
{
	fake_cancel_all(f);
	for (size_t i = 0; i < f->n; i++)
		req_free(f->reqs[i]);
	free(f->reqs);
	memset(f, 0, sizeof(*f));
}

static char *dup_or_abort(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static http_id fake_submit(void *ctx, const struct http_request *req)
{
	struct fake_transport *f = ctx;
	struct fake_request *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct fake_request **v = realloc(f->reqs, cap * sizeof(*v));

		if (!v)
			abort();
		f->reqs = v;
		f->cap = cap;
	}
	r->id = (http_id)f->n + 1;
	r->method = req->method;
	r->url = dup_or_abort(req->url ? req->url : "", req->url ? strlen(req->url) : 0);
	if (req->headers) {
		size_t n = 0;

		while (req->headers[n])
			n++;
		r->headers = calloc(n ? n : 1, sizeof(char *));
		if (!r->headers)
			abort();
		for (size_t i = 0; i < n; i++)
			r->headers[i] = dup_or_abort(req->headers[i], strlen(req->headers[i]));
		r->n_headers = n;
	}
	if (req->body) {
		r->body = dup_or_abort(req->body, req->body_len);
		r->body_len = req->body_len;
	}
	r->idempotent = req->idempotent;
	r->done = req->done;
	r->ud = req->ud;
	r->sink = req->sink;
	r->endpoint = req->endpoint;
	f->reqs[f->n++] = r;
	return r->id;
}

static struct fake_request *find(struct fake_transport *f, size_t k)
{
	return k < f->n ? f->reqs[k] : NULL;
}

/* Mark finished first, so a callback that cancels or completes it again
 * is refused. */
static bool deliver(struct fake_request *r, struct http_response *resp)
{
	if (!r || r->finished)
		return false;
	r->finished = true;
	resp->attempts = 1;
	if (r->done)
		r->done(resp, r->ud);
	return true;
}

static bool fake_cancel_id(void *ctx, http_id id)
{
	struct fake_transport *f = ctx;

	f->cancel_calls++;
	if (id == 0)
		return false;
	return fake_cancel(f, (size_t)id - 1);
}

/* The transport to hand to api_init; its ctx is f. */
struct transport fake_transport_get(struct fake_transport *f)
{
	struct transport t = {.ctx = f, .submit = fake_submit, .cancel = fake_cancel_id};

	return t;
}

/* Requests submitted so far. */
size_t fake_count(const struct fake_transport *f)
{
	return f->n;
}

/* Requests not finished. */
size_t fake_pending(const struct fake_transport *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		if (!f->reqs[i]->finished)
			n++;
	return n;
}

/* Request k (0-based), or NULL. */
const struct fake_request *fake_req(const struct fake_transport *f, size_t k)
{
	return k < f->n ? f->reqs[k] : NULL;
}

/* The last request submitted, or NULL. */
const struct fake_request *fake_last(const struct fake_transport *f)
{
	return f->n ? f->reqs[f->n - 1] : NULL;
}

/* The value of a header (name case-insensitive), or NULL. */
const char *fake_header(const struct fake_request *r, const char *name)
{
	size_t len = strlen(name);

	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_headers; i++) {
		const char *h = r->headers[i];

		if (strncasecmp(h, name, len) == 0 && h[len] == ':') {
			h += len + 1;
			while (*h == ' ')
				h++;
			return h;
		}
	}
	return NULL;
}

/* Give body to a sink in one piece, waiting (blocked) for its fd while it
 * pauses; false when it says stop. */
static bool sink_whole(const struct http_sink *k, const char *body, size_t len)
{
	enum http_sink_rc rc;

	while ((rc = k->take(body, len, k->ud)) == HTTP_SINK_PAUSE) {
		do {
			struct pollfd pfd = {.fd = k->wait_fd, .events = POLLOUT};
			poll(&pfd, 1, -1);
		} while ((rc = k->drain(k->ud)) == HTTP_SINK_PAUSE);
		if (rc == HTTP_SINK_STOP)
			return false;
	}
	return rc == HTTP_SINK_TAKEN;
}

/* Finish request k with an HTTP status and body. */
bool fake_complete(struct fake_transport *f, size_t k, long status, const char *body)
{
	struct http_response resp;

	memset(&resp, 0, sizeof(resp));
	lb_error_clear(&resp.err);
	resp.status = status;
	resp.body = body ? body : "";
	resp.body_len = body ? strlen(body) : 0;
	resp.content_type = "application/json";
	struct fake_request *r = find(f, k);
	if (r && !r->finished && r->sink.take && status >= 200 && status <= 299) {
		if (resp.body_len && !sink_whole(&r->sink, resp.body, resp.body_len)) {
			resp.status = 0;
			lb_error_set(&resp.err, LB_CANCELLED, "the rest of the response was not wanted");
		} else {
			resp.streamed = resp.body_len;
		}
		resp.body = "";
		resp.body_len = 0;
	}
	return deliver(r, &resp);
}

/* Finish request k without a response (st, msg). */
bool fake_fail(struct fake_transport *f, size_t k, enum lb_status st, const char *msg)
{
	struct http_response resp;

	memset(&resp, 0, sizeof(resp));
	lb_error_set(&resp.err, st, "%s", msg ? msg : "");
	resp.body = "";
	return deliver(find(f, k), &resp);
}

/* Finish request k as cancelled. */
bool fake_cancel(struct fake_transport *f, size_t k)
{
	struct fake_request *r = find(f, k);
	struct http_response resp;

	if (!r || r->finished)
		return false;
	r->cancelled = true;
	memset(&resp, 0, sizeof(resp));
	lb_error_set(&resp.err, LB_CANCELLED, "request cancelled");
	resp.body = "";
	return deliver(r, &resp);
}

/* Cancel every pending request; returns how many. */
size_t fake_cancel_all(struct fake_transport *f)
{
	size_t n = 0;

	/* A callback may submit more: f->n is read again on every turn. */
	for (size_t i = 0; i < f->n; i++)
		if (fake_cancel(f, i))
			n++;
	return n;
}
