/* One function per REST endpoint for what lives inside a room: Storage,
 * the Yjs document, active users, version history, and the rest of room
 * administration (upsert, update-room-id, prewarm, broadcast). Same rules
 * as api.h: asynchronous through the transport, errors mapped with
 * api_decode_error, GETs idempotent (retried by the transport), every
 * other method never retried. */
#ifndef LB_API_STORAGE_H
#define LB_API_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

struct active_user {
	char *id;          /* NULL for anonymous users */
	int connection_id;
	char *info_json;   /* the "info" object as compact JSON, may be NULL */
};

struct version {
	char *id;          /* "vh_..." */
	char *created_at;
	long long created_s;
	struct strv authors;
};

/* Result of one call. body is the raw response (binary for ydoc-binary and
 * version downloads), valid during the callback. The decoded members are
 * filled according to the endpoint and owned by the api layer: move what
 * you keep (set the members you took to NULL / zero). */
struct api_storage_result {
	struct lb_error err; /* LB_OK on success */
	long status;
	const char *body;
	size_t body_len;
	size_t streamed; /* api_storage_stream: bytes given to the sink */
	const char *retry_after; /* the Retry-After header (429, 503), NULL when none */
	struct active_user *users; /* GET /active-users */
	size_t n_users;
	struct version *versions; /* GET /versions */
	size_t n_versions;
	char *next_cursor; /* GET /versions: NULL on the last page */
	char *version_id;  /* POST /versions: the new snapshot's ID */
	struct room room;  /* upsert, update-room-id */
};

/* Called exactly once: later, or before the request function returns
 * (then it returns 0). */
typedef void (*api_storage_done_fn)(struct api_storage_result *res, void *ud);

/* Decoders, pure. False with err set (LB_DECODE) on bad input. */
bool api_decode_active_users(const char *json, size_t len, struct active_user **out, size_t *n,
                             struct lb_error *err);
bool api_decode_versions(const char *json, size_t len, struct version **out, size_t *n,
                         char **next_cursor, struct lb_error *err);
/* {"data":{"id":"vh_..."}} (the id is also accepted at the top level). */
bool api_decode_version_id(const char *json, size_t len, char **id, struct lb_error *err);

/* Free arrays made by the decoders; approximate heap bytes they hold. */
void active_users_free(struct active_user *v, size_t n);
void versions_free(struct version *v, size_t n);
/* Free what one of them holds (not the struct itself). */
void active_user_clear(struct active_user *u);
void version_clear(struct version *v);
size_t active_users_bytes(const struct active_user *v, size_t n);
size_t versions_bytes(const struct version *v, size_t n);

/* Whether an error says the server has no such endpoint (a 501, or a
 * 404/405 that is not about a missing room or resource): the dev server
 * answers 501 {"error":"Not implemented"} for what it lacks and 404
 * {"error":"Not Found"} for an unknown route. */
bool api_is_no_endpoint(const struct lb_error *err);

/* The query string of GET /ydoc without the '?': "formatting=true",
 * "key=K", "type=T" joined by '&' ("" for none; type only with a key is
 * meaningful, but it is sent as given). Caller frees. */
char *api_ydoc_query(bool formatting, const char *key, const char *type);

/* The body of POST /upsert: {"update":{...},"create":{...}} where create
 * (optional, NULL to leave out) is a create body without "id". Caller
 * frees; NULL on allocation failure. */
char *api_room_upsert_body(const struct room_update *update, const struct room_create *create);

/* GET /v2/rooms/{id}/storage, or ?format=json when simplified. The body
 * is left for the caller to decode. */
http_id api_storage_get(struct api *a, const char *room_id, bool simplified,
                        api_storage_done_fn done, void *ud);
/* The same GET, the document passed to sink as it arrives instead of kept
 * (res->body is then empty, res->streamed says how much went): printing
 * or saving a document of any size without holding it. An error answer is
 * decoded as usual; a transfer cut off after bytes went to the sink is an
 * error and is not retried. */
http_id api_storage_stream(struct api *a, const char *room_id, bool simplified,
                           const struct http_sink *sink, api_storage_done_fn done, void *ud);
/* POST /v2/rooms/{id}/storage with a plain LSON document. */
http_id api_storage_init(struct api *a, const char *room_id, const char *doc, size_t len,
                         api_storage_done_fn done, void *ud);
/* DELETE /v2/rooms/{id}/storage */
http_id api_storage_delete(struct api *a, const char *room_id, api_storage_done_fn done, void *ud);
/* PATCH /v2/rooms/{id}/storage/json-patch with a JSON array of ops. */
http_id api_storage_json_patch(struct api *a, const char *room_id, const char *patch_json,
                               api_storage_done_fn done, void *ud);

/* GET /v2/rooms/{id}/ydoc?query (query from api_ydoc_query, may be ""). */
http_id api_ydoc_get(struct api *a, const char *room_id, const char *query,
                     api_storage_done_fn done, void *ud);
/* GET /v2/rooms/{id}/ydoc-binary[?guid=] */
http_id api_ydoc_binary(struct api *a, const char *room_id, const char *guid,
                        api_storage_done_fn done, void *ud);
/* PUT /v2/rooms/{id}/ydoc[?guid=], Content-Type: application/octet-stream. */
http_id api_ydoc_update(struct api *a, const char *room_id, const char *guid, const void *update,
                        size_t len, api_storage_done_fn done, void *ud);

/* GET /v2/rooms/{id}/active-users */
http_id api_active_users(struct api *a, const char *room_id, api_storage_done_fn done, void *ud);

/* GET /v2/rooms/{id}/versions?limit=N&cursor=C (limit 0 = server default,
 * cursor NULL for the first page). */
http_id api_versions_list(struct api *a, const char *room_id, int limit, const char *cursor,
                          api_storage_done_fn done, void *ud);
/* GET /v2/rooms/{id}/versions/{vid}/yjs, or with reference_path the
 * reference's GET /v2/rooms/{id}/version/{vid}. Binary. */
http_id api_version_get(struct api *a, const char *room_id, const char *version_id,
                        bool reference_path, api_storage_done_fn done, void *ud);
/* POST /v2/rooms/{id}/versions {}, or with reference_path POST
 * /v2/rooms/{id}/version. */
http_id api_version_create(struct api *a, const char *room_id, bool reference_path,
                           api_storage_done_fn done, void *ud);

/* POST /v2/rooms/{id}/upsert (body from api_room_upsert_body). */
http_id api_room_upsert(struct api *a, const char *room_id, const struct room_update *update,
                        const struct room_create *create, api_storage_done_fn done, void *ud);
/* POST /v2/rooms/{id}/update-room-id {"newRoomId": new_id} */
http_id api_room_update_id(struct api *a, const char *room_id, const char *new_id,
                           api_storage_done_fn done, void *ud);
/* GET /v2/rooms/{id}/prewarm */
http_id api_room_prewarm(struct api *a, const char *room_id, api_storage_done_fn done, void *ud);
/* POST /v2/rooms/{id}/broadcast-event with any JSON (validated first:
 * LB_USAGE without a request when it is not JSON). */
http_id api_room_broadcast(struct api *a, const char *room_id, const char *json,
                           api_storage_done_fn done, void *ud);

#endif
