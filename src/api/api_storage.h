/* What lives inside a room, as the API says it: the decoder of active
 * users, the Yjs query, the upsert body, and whether an error says an endpoint is missing. The
 * requests go through api_send (api_send.h). */
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

/* Decoders, pure. False with err set (LB_DECODE) on bad input. */
bool api_decode_active_users(const char *json, size_t len, struct active_user **out, size_t *n,
                             struct lb_error *err);

/* Free arrays made by the decoders; approximate heap bytes they hold. */
void active_users_free(struct active_user *v, size_t n);
/* Free what one of them holds (not the struct itself). */
void active_user_clear(struct active_user *u);
size_t active_users_bytes(const struct active_user *v, size_t n);

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

#endif
