/* A request to any row of the endpoint table, its answer handed back as
 * it came: for callers that build their own requests from a row (the
 * model's changes, src/model/ops.h), so that a new endpoint needs no new
 * function here. Same rules as api.h: asynchronous through the
 * transport, built by api_request_build (read-only refusal, retries of
 * the reads only), errors mapped with api_decode_error. */
#ifndef LB_API_SEND_H
#define LB_API_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "api_storage.h"

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
	const struct http_sink *sink; /* a 2xx body goes here as it arrives */
};

/* Send the request to ep. done is called exactly once: later, or before
 * this returns (then it returns 0: the request could not be built or
 * started, and res->err says why). res->body is the raw answer (nothing
 * is decoded: the decoded members of the result stay empty);
 * res->streamed says how much went to the sink. */
http_id api_send(struct api *a, enum endpoint_id ep, const struct api_send_args *args,
                 api_storage_done_fn done, void *ud);

/* Whether json is exactly one JSON text: false with err set (LB_USAGE,
 * "WHAT is not valid JSON (at byte N)") when it is not, or is NULL. */
bool api_json_check(const char *json, const char *what, struct lb_error *err);

#endif
