/* Rooms as lbtui keeps them: decoded from the API's JSON. */
#ifndef LB_ROOM_H
#define LB_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strv.h"

struct room {
	char *id;
	char *organization_id;   /* may be NULL */
	char *created_at;        /* ISO 8601 as sent, may be NULL */
	char *last_connection_at;/* may be NULL */
	long long created_s;     /* parsed, -1 if absent */
	long long last_connection_s;
	struct strv default_accesses;
	struct kvv users_accesses;
	struct kvv groups_accesses;
	struct kvv metadata;
	char *raw_json;          /* the room object exactly as the API sent it */
};

/* The longest room ID the API accepts, in characters (UTF-16 units, as the
 * API counts them). */
#define ROOM_ID_MAX 128

/* Check an ID given for the API (a room, a user, a version ...) before
 * anything is sent: not empty, valid UTF-8, at most max_units characters
 * (UTF-16 units; 0: no limit), and with no_controls, no control character
 * (C0, DEL, C1). what names it in messages ("ROOM", "--user"). False with
 * err (LB_USAGE) otherwise. */
bool room_check_id(const char *id, const char *what, size_t max_units, bool no_controls,
                   struct lb_error *err);

/* Free the room's members (not the struct itself). */
void room_clear(struct room *r);
/* Deep copy into dst; false on allocation failure. */
bool room_copy(struct room *dst, const struct room *src);
/* Approximate heap bytes held, for the cache's memory budget. */
size_t room_bytes(const struct room *r);
/* "public" (room:write), "read-only" (room:read), "private" ([]), or the
 * permissions joined. */
void room_access_summary(const struct room *r, char *out, size_t n);
/* "k=v, k2=[a,b]" summary of metadata (raw, not terminal-safe). */
void room_metadata_summary(const struct room *r, char *out, size_t n);

/* A page of rooms. */
struct room_page {
	struct room *rooms;
	size_t n;
	char *next_cursor; /* NULL when there is no next page */
};

void room_page_clear(struct room_page *p);

#endif
