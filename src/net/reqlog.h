/* The request log: one entry per attempt that went to the network (a
 * retry is an entry of its own, with its number), the last REQLOG_MAX of
 * them in a ring, listeners told of each new one. The screen shows it on
 * `@`; -v prints each entry's line to stderr as it is added. Nothing here
 * holds the secret key: the Authorization header is never copied, and the
 * URL, the body and the server's headers have secrets masked. */
#ifndef LB_REQLOG_H
#define LB_REQLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

#define REQLOG_MAX 500
/* The first bytes of a request body kept, to show it as a curl command. */
#define REQLOG_BODY_MAX 4096

struct reqlog_entry {
	unsigned long seq; /* 1, 2, … in the order entries were added */
	long long at_s;    /* wall clock when the attempt started */
	enum http_method method;
	char *url;            /* whole, secrets masked */
	const char *path;     /* into url: the path and the query, no host */
	const char *endpoint; /* the endpoint table's ID ("ROOM_GET"), NULL if none */
	long status;          /* 0 when no answer came (failure says why) */
	char *failure;        /* why it failed (with or without a status), or NULL */
	long long ms;         /* duration of the attempt */
	long long bytes;      /* body bytes received */
	int retry;            /* 0 for the first attempt, n for the nth retry */
	long retry_in_ms;     /* when another attempt follows, in how long; else -1 */
	/* The server's headers, terminal-safe, NULL when absent. */
	char *warn;                                     /* X-LB-Warn */
	char *rate_limit, *rate_remaining, *rate_reset; /* X-RateLimit-* */
	char *retry_after;
	/* The request body: its Content-Type, its first REQLOG_BODY_MAX
	 * bytes and how long it was. A body with something in it that looks
	 * like a secret key is not kept (body_secret). */
	char *content_type;
	char *body;
	size_t body_len;
	size_t body_total;
	bool body_secret;
};

/* Free an entry's strings (not the entry). */
void reqlog_entry_clear(struct reqlog_entry *e);

struct reqlog;

/* A ring of at most max entries; NULL when out of memory. */
struct reqlog *reqlog_new(size_t max);
void reqlog_free(struct reqlog **l);

/* Add an entry: the ring takes its strings (e is cleared) and gives it
 * the next seq; the oldest goes when the ring is full. Then each
 * listener is called with the new entry. */
void reqlog_add(struct reqlog *l, struct reqlog_entry *e);
/* Entries held, and entry i of them, 0 the newest (NULL past the end). */
size_t reqlog_count(const struct reqlog *l);
const struct reqlog_entry *reqlog_get(const struct reqlog *l, size_t i);
/* The index of the entry with this seq, or -1 when it is gone. */
long reqlog_find(const struct reqlog *l, unsigned long seq);

typedef void (*reqlog_fn)(const struct reqlog_entry *e, void *ud);
/* Call fn for each entry added from now on; false when out of memory. */
bool reqlog_listen(struct reqlog *l, reqlog_fn fn, void *ud);
void reqlog_unlisten(struct reqlog *l, reqlog_fn fn, void *ud);

/* The entry as one line, the format -v prints (caller frees; NULL when out
 * of memory):
 *   http: METHOD PATH STATUS MS ms BYTES bytes ENDPOINT[; retry N]
 *         [; retry in D ms][; rate limit L, remaining R, reset S]
 *         [; retry-after A][; warn: TEXT]
 * STATUS is the HTTP status, followed by " (WHY)" when the answer was
 * refused (too large, an encoding); "failed (WHY)" when no answer came;
 * ENDPOINT is "-" for a request not made from the endpoint table. */
char *reqlog_line(const struct reqlog_entry *e);

/* The request as a curl command that can be pasted into a shell: the key
 * read from $LIVEBLOCKS_SECRET_KEY, never written out; every argument
 * quoted. A body that is binary, was longer than REQLOG_BODY_MAX or held
 * a secret is left out, with a comment that says so. Caller frees; NULL when out of memory. */
char *reqlog_curl(const struct reqlog_entry *e);

#endif
