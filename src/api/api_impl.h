/* What the api modules (api.c, api_send.c, api_storage.c) share:
 * whole-body JSON parsing, and sending a request through the transport.
 * Not for use outside src/api*.c. */
#ifndef LB_API_IMPL_H
#define LB_API_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "api.h"
#include "decode.h"


/* One request in flight. A module embeds it as the first member of its own
 * call struct, allocated with malloc: the api frees it with free(). */
struct api_call {
	/* The answer came, or the request could not be sent (then resp has
	 * no status and err says why): decode it and call the caller's
	 * callback. */
	void (*finish)(struct api_call *call, const struct http_response *resp);
	bool submitting; /* inside transport.submit */
	bool finished;   /* finish ran while submitting */
	/* Optional: a 2xx body goes here as it arrives (http_request.sink). */
	struct http_sink sink;
};

/* Build the request to ep (api_request_build) and submit it. call->finish
 * runs exactly once: later, or before this returns (then it returns 0, and
 * resp has no status: err says why); call is freed after it. */
http_id api_submit(struct api *a, enum endpoint_id ep, const char *const *params, size_t n,
                   const char *query, const void *body, size_t body_len, enum api_content ct,
                   struct api_call *call);

/* The part of an answer every endpoint reads alike: the transport's error,
 * or the API's error for a status outside 2xx, into err. True when it is a
 * success whose body is to be decoded. */
bool api_response_ok(const struct http_response *resp, struct lb_error *err);

#endif
