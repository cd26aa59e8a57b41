/* The one way to send a request: to any row of the endpoint table, its
 * answer handed back as it came, for the caller to decode with the
 * decoder it needs (the model's loads and changes, fan-outs and bulk
 * jobs), so that a new endpoint needs no new function here.
 * Asynchronous through the transport, built by api_request_build
 * (read-only refusal, retries of the reads only), errors mapped with
 * api_decode_error. */
#ifndef LB_API_SEND_H
#define LB_API_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

/* The answer to a request, handed to its callback: the error (LB_OK for
 * a 2xx; a transport's error, or the API's for any other status) and
 * the body as it came, valid during the callback. Nothing is decoded. */
struct api_storage_result {
	struct lb_error err; /* LB_OK on success */
	long status;         /* 0 when no answer came */
	const char *body;
	size_t body_len;
	size_t streamed;         /* with a sink: the bytes given to it */
	const char *retry_after; /* the Retry-After header (429, 503), NULL when none */
};

/* Called exactly once: later, or before api_send returns (then it
 * returns 0). */
typedef void (*api_storage_done_fn)(struct api_storage_result *res, void *ud);

/* The most {param}s a path of the table has. */
#define API_SEND_MAX_PARAMS 4

/* What goes with the request. Nothing is copied: it is used before
 * api_send returns (the transport copies the body). */
struct api_send_args {
	/* The path's {param}s in order, as many as the row has (a NULL one
	 * is empty, which the builder refuses). */
	const char *params[API_SEND_MAX_PARAMS];
	const char *query; /* encoded, without '?'; NULL or "" for none */
	const void *body;  /* NULL for none */
	size_t body_len;
	enum api_content ct;
	/* A 2xx body goes here as it arrives instead of being kept (res->body
	 * is then empty, res->streamed says how much went): printing or
	 * saving a document of any size without holding it. An error answer
	 * is decoded as usual; a transfer cut off after bytes went to the
	 * sink is an error, and is not retried. */
	const struct http_sink *sink;
};

/* Send the request to ep. done is called exactly once: later, or before
 * this returns (then it returns 0: the request could not be built or
 * started, and res->err says why). The returned id can be passed to
 * api_cancel. */
http_id api_send(struct api *a, enum endpoint_id ep, const struct api_send_args *args,
                 api_storage_done_fn done, void *ud);

/* Whether json is exactly one JSON text: false with err set (LB_USAGE,
 * "WHAT is not valid JSON (at byte N)") when it is not, or is NULL. */
bool api_json_check(const char *json, const char *what, struct lb_error *err);

#endif
