/* What the endpoint modules (api.c, api_storage.c) share: whole-body JSON
 * parsing, room URLs, and sending a request through the transport. Not for
 * use outside src/api*.c. */
#ifndef LB_API_IMPL_H
#define LB_API_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "api.h"

/* Parse JSON that must span the whole input (trailing blanks allowed);
 * NULL with err set (LB_DECODE, saying where it breaks) otherwise. */
cJSON *api_parse_json(const char *json, size_t len, struct lb_error *err);

/* base/v2/rooms/{id}{suffix}[?query] (query NULL or "" for none); NULL on
 * allocation failure. Caller frees. */
char *api_room_url(const struct api *a, const char *room_id, const char *suffix, const char *query);

/* The Content-Type of a request body. */
enum api_content { API_CT_NONE, API_CT_JSON, API_CT_OCTETS };

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

/* Build the headers and submit. call->finish runs exactly once: later, or before this returns (then
 * it returns 0); call is freed after it. url NULL means out of memory. */
http_id api_submit(struct api *a, enum http_method method, const char *url, const void *body,
                   size_t body_len, enum api_content ct, bool idempotent, struct api_call *call);

/* The part of an answer every endpoint reads alike: the transport's error,
 * or the API's error for a status outside 2xx, into err. True when it is a
 * success whose body is to be decoded. */
bool api_response_ok(const struct http_response *resp, struct lb_error *err);

#endif
