/* Rooms as lbtui keeps them: decoded from the API's JSON. */
#ifndef LB_ROOM_H
#define LB_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* A string list, e.g. permissions or a string[] metadata value. */
struct strv {
	char **v;
	size_t n;
};

/* One entry of a map to strings or string lists. For metadata, is_list says
 * whether the value was a string[] (then list holds it) or a string
 * (then list.n == 1). For accesses, list is the permission list. */
struct kv {
	char *key;
	struct strv list;
	bool is_list;
};

struct kvv {
	struct kv *v;
	size_t n;
};

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

void strv_free(struct strv *s);
bool strv_push(struct strv *s, const char *str);
/* "a, b, c" into out. */
void strv_join(const struct strv *s, const char *sep, char *out, size_t n);
void kvv_free(struct kvv *m);
/* Deep copies into dst (overwritten, not freed first); false on
 * allocation failure, dst then empty. */
bool strv_copy(struct strv *dst, const struct strv *src);
bool kvv_copy(struct kvv *dst, const struct kvv *src);

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
