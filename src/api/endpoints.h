/* The endpoint table (endpoints.def): one row per endpoint of the REST
 * reference and per path of the SDK that lbtui calls, with its method,
 * path template and flags. Every request is built from a row
 * (api_request_build in api.h); retries, read-only refusal and the
 * request log take what they need from it. */
#ifndef LB_ENDPOINTS_H
#define LB_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

enum endpoint_flag {
	EPF_IDEMPOTENT = 1 << 0,  /* retried: a read */
	EPF_MUTATION = 1 << 1,    /* changes the project: refused in read-only mode */
	EPF_DESTRUCTIVE = 1 << 2, /* removes something the project held */
	EPF_SECRET_BODY = 1 << 3, /* its body holds a secret: the request log never keeps it */
};

enum endpoint_id {
#define EP(id, method, path, flags, what) EP_##id,
#include "endpoints.def"
#undef EP
	EP_COUNT
};

struct endpoint {
	const char *name; /* "ROOM_GET" */
	enum http_method method;
	const char *path; /* "/v2/rooms/{roomId}" */
	unsigned flags;   /* enum endpoint_flag */
	const char *what; /* "Get room" */
};

/* The row of an endpoint; NULL for an ID outside the table. */
const struct endpoint *endpoint_get(enum endpoint_id id);
/* The row whose ID is name ("ROOM_GET"), NULL when none is. */
const struct endpoint *endpoint_by_name(const char *name);
/* Whether the endpoint's row has flag (false for an ID outside the table). */
bool endpoint_has(enum endpoint_id id, enum endpoint_flag flag);
/* How many {param}s the endpoint's path has. */
size_t endpoint_params(const struct endpoint *e);

/* base, then e's path with each {param} replaced by the next of params
 * (n of them, percent-encoded, a segment of dots included so that it can
 * never climb the path), then ?query unless query is NULL or "" (already
 * encoded). NULL when n is not the number of {param}s, a param is NULL or
 * empty, or out of memory. Caller frees. */
char *endpoint_url(const struct endpoint *e, const char *base, const char *const *params, size_t n,
                   const char *query);

#endif
