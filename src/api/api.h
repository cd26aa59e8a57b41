/* The API layer: a request to any row of the endpoint table is built by
 * api_request_build and sent by api_send (api_send.h), asynchronously
 * through a transport; pure decoders turn an answer into typed structs,
 * and api_decode_error an error answer into an lb_error. */
#ifndef LB_API_H
#define LB_API_H

#include <stdbool.h>

#include "endpoints.h"
#include "error.h"
#include "http.h"
#include "query.h"
#include "room.h"

struct api {
	struct transport transport;
	char *base_url;    /* without trailing slash, e.g. https://api.liveblocks.io */
	char *auth_header; /* "Authorization: Bearer sk_..." — never printed */
	char *user_agent_header;
	/* Refuse every request to an endpoint that changes the project
	 * (EPF_MUTATION), before it is sent. */
	bool read_only;
};

/* Set up; copies base_url and builds the auth header from secret. */
/* cJSON's version, as loaded: a line appended to b for --version. */
void api_json_library_version(struct buf *b);

bool api_init(struct api *a, struct transport t, const char *base_url, const char *secret,
	      struct lb_error *err);
void api_clear(struct api *a);

/* The Content-Type of a request body (an uploaded file's: its own). */
enum api_content {
	API_CT_NONE,
	API_CT_JSON,
	API_CT_OCTETS,
	API_CT_MARKDOWN,
	API_CT_TEXT,
	API_CT_HTML,
	API_CT_PDF,
};

/* A request built from an endpoint row. http points into the rest (do not
 * copy the struct): http.done, http.ud and http.sink are the sender's. */
struct api_request {
	struct http_request http;
	const struct endpoint *ep;
	char *url;
	const char *headers[6];
};

/* Whether read-only mode refuses endpoint ep (a mutation): err says so,
 * naming the endpoint, when it is not NULL. The one place that decides. */
bool api_refuses(const struct api *a, enum endpoint_id ep, struct lb_error *err);

/* The request to endpoint ep: the URL from its path and the n params (see
 * endpoint_url), the optional query (encoded, without '?'), the headers
 * (the key, Accept, the body's Content-Type, User-Agent), the body (not
 * copied), idempotent from the row. False with err set when read-only
 * mode refuses it (LB_READONLY), a param is missing (LB_USAGE) or out of
 * memory; out is then clear. Free with api_request_clear. */
bool api_request_build(const struct api *a, enum endpoint_id ep, const char *const *params,
		       size_t n, const char *query, const void *body, size_t body_len,
		       enum api_content ct, struct api_request *out, struct lb_error *err);
void api_request_clear(struct api_request *r);

/* Decode an error response into err: status, the API's error/message/
 * suggestion, or the dev server's "reason"; a readable sentence when the
 * body is not JSON. */
void api_decode_error(long status, const char *body, size_t len, struct lb_error *err);

/* Decoders, pure. Return false with err set (LB_DECODE) on bad input. */
bool api_decode_room(const char *json, size_t len, struct room *out, struct lb_error *err);
bool api_decode_room_page(const char *json, size_t len, struct room_page *out,
			  struct lb_error *err);

/* What a create or update request carries. */
struct room_create {
	char *id;
	struct strv default_accesses; /* [] private, ["room:write"] public */
	bool default_accesses_set;
	struct kvv users_accesses;
	struct kvv groups_accesses;
	struct kvv metadata;
	char *organization_id;
};

/* For update: a key with unset = true becomes null (deletion). */
struct room_patch_entry {
	char *key;
	struct strv value;
	bool is_list;
	bool unset;
};
struct room_patch_map {
	struct room_patch_entry *v;
	size_t n;
};
struct room_update {
	bool default_accesses_set;
	struct strv default_accesses;
	struct room_patch_map users_accesses;
	struct room_patch_map groups_accesses;
	struct room_patch_map metadata;
};

void room_create_clear(struct room_create *c);
void room_update_clear(struct room_update *u);
bool room_patch_map_set(struct room_patch_map *m, const char *key, const struct strv *value,
			bool is_list, bool unset);

/* The bodies of POST /v2/rooms and POST /v2/rooms/{id}. Caller frees;
 * NULL on allocation failure. */
char *api_room_create_body(const struct room_create *c);
char *api_room_update_body(const struct room_update *u);

/* Cancel a request api_send started (its id); its callback gets
 * LB_CANCELLED. False when the transport does not know it. */
bool api_cancel(struct api *a, http_id id);

#endif
