/* The Liveblocks query language for rooms, and the query strings of list
 * requests. */
#ifndef LB_QUERY_H
#define LB_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "room.h"

/* What the user asked the rooms list to be filtered by. */
struct room_filter {
	char *query;          /* typed query language text, may be NULL */
	char *prefix;         /* roomId^"prefix", may be NULL */
	struct kvv metadata;  /* metadata["k"]:"v" clauses (list.v[0] is the value) */
	char *user_id;
	struct strv group_ids;
	char *organization_id;/* also accepted as tenantId */
	int limit;            /* 0 = server default */
};

void room_filter_clear(struct room_filter *f);
bool room_filter_copy(struct room_filter *dst, const struct room_filter *src);

/* Quote a string as a query-language string literal: "..." with \" and \\
 * escaped. Caller frees. */
char *query_quote(const char *s);

/* The query-language text for the filter: the typed query, then
 * roomId^"prefix", then metadata clauses, joined with " AND ". NULL when
 * there is nothing to filter by. Caller frees. */
char *room_filter_query(const struct room_filter *f);

/* The URL query string for GET /v2/rooms ("?limit=..&query=.." or ""),
 * every value URL-encoded, with startingAfter=cursor when cursor is given.
 * Caller frees. */
char *room_filter_params(const struct room_filter *f, const char *cursor);

/* A stable text naming the filter, used as the cache key of the list
 * ("" when unfiltered). Caller frees. */
char *room_filter_key(const struct room_filter *f);

/* A short human description: `roomId^"a" user:bob groups:x,y`. */
void room_filter_describe(const struct room_filter *f, char *out, size_t n);

/* Percent-encode s for a path segment or query value (RFC 3986 unreserved
 * kept). Caller frees. */
char *url_encode(const char *s);

#endif
