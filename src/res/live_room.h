/* A room watched through its socket, as its clients see it: Storage
 * fetched once and then changed op by op (src/lson/live_tree.h), who is
 * connected and their presence, the broadcast events. The watcher is
 * invisible: it sends only the Storage fetch and the heartbeat, never
 * presence or ops (there is no function here that could). */
#ifndef LB_LIVE_ROOM_H
#define LB_LIVE_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "live_tree.h"

struct http;

enum live_state {
	LIVE_CONNECTING, /* the socket opens */
	LIVE_LOADING,    /* open; Storage comes */
	LIVE_LIVE,       /* Storage is here; ops follow */
	LIVE_RETRYING,   /* the socket dropped; it opens again after a pause */
	LIVE_TOKEN,      /* the server wants a new token (live_room_set_token) */
	LIVE_FAILED,     /* no retry: the owner polls instead (why says why) */
};

struct live_room_events {
	/* The state changed; why says why for RETRYING, TOKEN and FAILED. */
	void (*state)(void *ud, enum live_state s, const char *why);
	/* Storage came whole (the first time and after each reconnection). */
	void (*loaded)(void *ud, const struct live_tree *t);
	/* One op applied; first is true for the first op of a message (the
	 * ops a client sent together), at_ms when it was applied. Ops carry
	 * no author: c->actor is the client whose presence or event came in
	 * the same frame (the server relays a client's flush as one), -1
	 * when none did. */
	void (*change)(void *ud, const struct live_change *c, bool first, long long at_ms);
	/* Someone is connected: actor is their connection, info_json their
	 * user info ("null" when none); already is true when they were there
	 * before the watch (the room's state), false for a join; can_write
	 * when their scopes let them change Storage. */
	void (*joined)(void *ud, int actor, const char *user_id, const char *info_json,
	               bool already, bool can_write);
	void (*left)(void *ud, int actor);
	/* A connection's presence, or a part of it (full false). */
	void (*presence)(void *ud, int actor, const char *json, bool full);
	/* A broadcast event: actor < 0 when it came through the REST API. */
	void (*event)(void *ud, int actor, const char *json);
};

struct live_room;

/* Open room's socket on the server of the API base URL, with a token of
 * POST /v2/authorize-user, on h's loop. NULL with err when the URL
 * cannot be made or out of memory. */
struct live_room *live_room_open(struct http *h, const char *base_url, const char *room,
                                 const char *token, const struct live_room_events *ev, void *ud,
                                 struct lb_error *err);
/* After LIVE_TOKEN: connect again with a new token (not from a
 * callback of the room). */
bool live_room_set_token(struct live_room *r, const char *token, struct lb_error *err);
/* Fetch Storage again over the open socket (after a disagreement with a
 * re-read): the tree is replaced when it has come. */
bool live_room_refetch(struct live_room *r, struct lb_error *err);
/* Close the socket and free; *r is NULL after. Not from a callback. */
void live_room_free(struct live_room **r);

/* The tree as it is now, NULL before Storage came. */
const struct live_tree *live_room_tree(const struct live_room *r);

struct live_room_stats {
	size_t messages;   /* messages read */
	size_t ops;        /* ops applied */
	size_t ignored;    /* ops not applied (unknown types, unknown nodes) */
	size_t unknown;    /* messages of a type not read */
	size_t reconnects; /* times the socket opened again */
	size_t bytes_in;   /* bytes read from the socket */
};
void live_room_get_stats(const struct live_room *r, struct live_room_stats *out);

/* What a close code means (the protocol's): 4100-4199 a new token,
 * 4000-4099 and 4999 no retry, anything else a retry. For tests. */
enum live_state live_close_meaning(int code);

#endif
