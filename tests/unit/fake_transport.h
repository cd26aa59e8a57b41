/* A fake network for unit tests: a `struct transport` (see src/http.h) that
 * records every submitted request and lets the test decide when and how
 * each one finishes. Nothing happens on its own: a request stays pending
 * until the test completes, fails or cancels it (or the code under test
 * cancels it through transport.cancel, which finishes it at once with
 * LB_CANCELLED, as the real client does).
 *
 *   struct fake_transport ft;
 *   fake_transport_init(&ft);
 *   api_init(&api, fake_transport_get(&ft), "http://lb.test", "sk_localdev", &err);
 *   ... code under test submits requests ...
 *   assert_int_equal(fake_count(&ft), 1);
 *   assert_string_equal(fake_req(&ft, 0)->url, "http://lb.test/v2/rooms");
 *   fake_complete(&ft, 0, 200, "{\"data\":[],\"nextCursor\":null}");
 *   fake_transport_free(&ft);
 *
 * Requests are numbered by submission order from 0 (request k has the
 * http_id k + 1). Records stay valid, also after they finish, until
 * fake_transport_free; callbacks may submit new requests meanwhile. */
#ifndef LB_FAKE_TRANSPORT_H
#define LB_FAKE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "http.h"

/* A copy of one submitted request. */
struct fake_request {
	http_id id;
	enum http_method method;
	char *url;
	char **headers; /* n_headers "Name: value" strings */
	size_t n_headers;
	char *body; /* NULL when the request had none; NUL-terminated */
	size_t body_len;
	bool idempotent;
	bool finished;  /* completed, failed or cancelled */
	bool cancelled; /* finished through transport.cancel or fake_cancel */
	http_done_fn done;
	void *ud;
	struct http_sink sink; /* as in http_request */
	const char *endpoint;  /* as in http_request */
};

struct fake_transport {
	struct fake_request **reqs; /* in submission order */
	size_t n;
	size_t cap;
	int cancel_calls; /* transport.cancel calls, known id or not */
};

void fake_transport_init(struct fake_transport *f);
/* Cancel what is pending (callbacks get LB_CANCELLED, as http_free does, so
 * call it while their data is alive), then free the records. */
void fake_transport_free(struct fake_transport *f);
/* The transport to hand to api_init; its ctx is f. */
struct transport fake_transport_get(struct fake_transport *f);

/* Requests submitted so far, and those not finished. */
size_t fake_count(const struct fake_transport *f);
size_t fake_pending(const struct fake_transport *f);
/* Request k (0-based), or NULL when there is no such request. */
const struct fake_request *fake_req(const struct fake_transport *f, size_t k);
/* The last request submitted, or NULL. */
const struct fake_request *fake_last(const struct fake_transport *f);
/* The value of header `name` (case-insensitive) in r, or NULL. */
const char *fake_header(const struct fake_request *r, const char *name);

/* Finish request k with an HTTP response (body may be NULL for none) and
 * call its callback. False if k is unknown or already finished. A 2xx body
 * of a request with a sink goes to the sink first, as the real client
 * does (in one piece; when the sink says stop, the request ends with
 * LB_CANCELLED; when it pauses, this waits for its wait_fd and drains it
 * until it takes the piece). */
bool fake_complete(struct fake_transport *f, size_t k, long status, const char *body);
/* Finish request k without a response: err status st (e.g. LB_NETWORK,
 * LB_TOO_LARGE) and message msg. */
bool fake_fail(struct fake_transport *f, size_t k, enum lb_status st, const char *msg);
/* Finish request k as cancelled (LB_CANCELLED), as transport.cancel does. */
bool fake_cancel(struct fake_transport *f, size_t k);
/* Cancel every pending request; returns how many there were. */
size_t fake_cancel_all(struct fake_transport *f);

#endif
