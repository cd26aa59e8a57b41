/* A room watched live, for the screen and the command line, without JSON:
 * the room's socket (live_room.h) with a token of POST /v2/authorize-user
 * made for the profile's watch_user, and what it brings kept for views
 * and printers: the Storage document (a struct lson_doc, rebuilt from the
 * live tree under a CPU budget), the op log (who, when, path, old → new,
 * grouped per message as a client sent them), who is connected with their
 * presence, joins and leaves, broadcast events, and the op rate.
 *
 * One watch per model and room, shared by whoever opens it (counted).
 * When push is not available (no token, a refusal, a protocol this does
 * not understand) or not wanted (watch = poll, --poll), the mode is
 * LIVE_WATCH_POLLING and the reason is said once (live_watch_take_reason):
 * the owner polls as before. The watcher is invisible: nothing here sends
 * presence or Storage ops. */
#ifndef LB_LIVE_WATCH_H
#define LB_LIVE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "lson.h"

struct model;

enum live_watch_mode {
	LIVE_WATCH_STARTING, /* a token is asked for, the socket opens, Storage comes */
	LIVE_WATCH_PUSH,     /* live: ops come over the socket */
	LIVE_WATCH_RETRYING, /* the socket dropped; it opens again (what is shown stays) */
	LIVE_WATCH_POLLING,  /* push is not available or not wanted: the owner polls */
};

/* What changed, for listeners (bits). */
enum {
	LIVE_WATCH_STATE = 1,  /* the mode, or a reason to say */
	LIVE_WATCH_DOC = 2,    /* a newer document (live_watch_doc) */
	LIVE_WATCH_OPS = 4,    /* ops were logged */
	LIVE_WATCH_USERS = 8,  /* someone joined, left or changed presence */
	LIVE_WATCH_EVENTS = 16 /* a broadcast event came */
};

/* One op applied, in the op log. Strings are the watch's (raw text from
 * the server: sanitize before drawing). */
struct live_op_entry {
	unsigned long serial;  /* of the op, from 1, over the watch's life */
	unsigned long message; /* of the message it came in: a client's batch */
	bool first;            /* the first op of its message */
	long long at_ms;       /* monotonic time it was applied */
	long long wall_ms;     /* the same, as milliseconds since the epoch */
	/* Who made it. The server does not say: it is the client whose
	 * presence or event came with the ops, or (guessed) the only
	 * connection that may write; -1 when neither tells (a change through
	 * the REST API, or one of several writers). */
	int actor;
	bool guessed;
	const char *user_id;   /* the actor's user, NULL when unknown */
	const char *kind;      /* "set", "delete", "insert", "move", "create", "update" */
	const char *path;      /* JSON Pointer, as the REST tree has it */
	const char *from;      /* a move: where it was; else NULL */
	const char *before;    /* compact JSON, NULL when there was none */
	const char *after;     /* compact JSON, NULL when there is none */
};

/* Someone connected to the room. */
struct live_user {
	int actor;             /* the connection */
	const char *user_id;   /* NULL when the server gave none */
	const char *info;      /* their user info, compact JSON ("null" when none) */
	const char *presence;  /* compact JSON, "null" until known */
	bool can_write;        /* their scopes let them change Storage */
	long long joined_ms;   /* wall clock; 0 when they were there before the watch */
	long long updated_ms;  /* wall clock of the last presence change; 0 when none */
};

/* A join or a leave, for the presence pane's notes. */
struct live_note {
	long long wall_ms;
	int actor;
	const char *user_id; /* NULL when unknown */
	bool joined;         /* else left */
};

/* A broadcast event. */
struct live_event {
	long long wall_ms;
	int actor;           /* the sender's connection; -1 when sent through the REST API */
	const char *user_id; /* NULL when unknown or from the REST API */
	const char *json;    /* the event, compact JSON */
};

#define LIVE_WATCH_SPARK 60 /* seconds of op counts kept for the sparkline */

struct live_watch_stats {
	size_t ops;        /* ops applied */
	size_t messages;   /* messages read */
	size_t ignored;    /* ops not applied (unknown types or nodes) */
	size_t unknown;    /* messages of a type not read */
	size_t reconnects; /* times the socket opened again */
	size_t bytes_in;   /* bytes read from the socket */
	double rate;       /* ops a second over the last 10 s */
	/* Ops in each of the last LIVE_WATCH_SPARK seconds, oldest first,
	 * the current second last. */
	unsigned spark[LIVE_WATCH_SPARK];
};

struct live_watch;

/* How a command asks a view to watch (its opts): poll forces polling. */
struct live_watch_opts {
	bool poll;
};

/* Watch room with m's settings (its API, its loop, watch_user, watch =
 * poll). plain_json: the document as ?format=json gives it, else plain
 * LSON. want_doc: build documents (the screen; a printer of the op log
 * does not need them). poll forces polling (--poll). The same model, room
 * and format share one watch (its count goes up). NULL with err when out
 * of memory. */
struct live_watch *live_watch_open(struct model *m, const char *room, bool plain_json,
                                   bool want_doc, bool poll, struct lb_error *err);
/* Let go of a watch; the last one closes the socket. *w is NULL after.
 * Not from a listener. */
void live_watch_close(struct live_watch **w);

/* Listeners hear what changed (the bits above), from the loop. A
 * listener may read the watch, not close it. */
typedef void (*live_watch_fn)(void *ud, unsigned what);
bool live_watch_listen(struct live_watch *w, live_watch_fn fn, void *ud);
void live_watch_unlisten(struct live_watch *w, live_watch_fn fn, void *ud);

enum live_watch_mode live_watch_mode(const struct live_watch *w);
/* "live (push)", "connecting", "reconnecting", "polling". */
const char *live_watch_mode_name(enum live_watch_mode mode);
/* Why the mode is what it is ("the server refused the token: 403 ...",
 * "watch = poll in the config"), or NULL; each reason is handed out once
 * per caller: true with it copied into out the first time for that ud. */
bool live_watch_take_reason(struct live_watch *w, const void *ud, char *out, size_t n);

/* The document as it is now, with a new reference (lson_unref it); NULL
 * before Storage came or when want_doc was not set. *generation (when
 * not NULL) goes up with each new document. */
struct lson_doc *live_watch_doc(struct live_watch *w, unsigned *generation);

/* The op log, oldest first: how many entries are kept (at most
 * LIVE_WATCH_LOG_MAX, or 1,024 for a watch opened without want_doc, whose
 * printers print each op as they hear of it; older ones go), and entry i
 * of them. The serial of the newest is live_watch_stats' ops. */
#define LIVE_WATCH_LOG_MAX 10000
size_t live_watch_op_count(const struct live_watch *w);
const struct live_op_entry *live_watch_op(const struct live_watch *w, size_t i);

/* Who made op e, for an op log's message line: "alice (connection 3)",
 * "anonymous (connection 3) — guessed: the only writer", or that it was
 * not told. Raw text (the user ID is the server's). */
void live_op_who(const struct live_op_entry *e, char *out, size_t n);

/* Who is connected, by connection, ascending. */
size_t live_watch_user_count(const struct live_watch *w);
const struct live_user *live_watch_user(const struct live_watch *w, size_t i);
/* Joins and leaves seen, oldest first (at most LIVE_WATCH_LOG_MAX). */
size_t live_watch_note_count(const struct live_watch *w);
const struct live_note *live_watch_note(const struct live_watch *w, size_t i);
/* Broadcast events seen, oldest first (at most LIVE_WATCH_LOG_MAX). */
size_t live_watch_event_count(const struct live_watch *w);
const struct live_event *live_watch_event(const struct live_watch *w, size_t i);

/* Counts, the rate and the sparkline as of now (monotonic ms). */
void live_watch_get_stats(const struct live_watch *w, long long now, struct live_watch_stats *out);
/* "0 ops/s", "2.5 ops/s", "1050 ops/s": the rate for a status line. */
void live_watch_rate_text(const struct live_watch_stats *s, char *out, size_t n);
/* "▁▂▅█" of the last minute in cols characters (each the ops of
 * 60 / cols seconds, the newest last): UTF-8 into out. */
void live_watch_sparkline(const struct live_watch_stats *s, int cols, char *out, size_t n);

/* Fetch Storage again over the socket (a re-read made elsewhere, after
 * an edit through REST, disagreed with the live tree). */
void live_watch_refetch(struct live_watch *w);

/* Check the live tree against a REST re-read of Storage: when they
 * disagree, Storage is fetched again over the socket and the reason says
 * so. The answer comes later (listeners hear LIVE_WATCH_STATE). */
void live_watch_verify(struct live_watch *w);

#endif
