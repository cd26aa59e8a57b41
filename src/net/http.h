/* Asynchronous HTTP on the libcurl multi interface, driven by the program's
 * single poll() loop: keep-alive, bounded parallelism, timeouts, a response
 * size cap, cancellation, retries with backoff for idempotent requests,
 * and for the others at most one send (LB_UNSURE when no answer came). */
#ifndef LB_HTTP_H
#define LB_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "util.h"

enum http_method { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE };

struct http_response {
	long status;          /* HTTP status, 0 if none was received */
	const char *body;     /* NUL-terminated, valid only during the callback */
	size_t body_len;
	const char *content_type; /* may be NULL */
	const char *retry_after;  /* the Retry-After header, NULL when none */
	int attempts;         /* 1 + retries made */
	size_t streamed;      /* body bytes given to the request's sink (body is then empty) */
	/* LB_OK when a response arrived, whatever its status; otherwise why not
	 * (LB_NETWORK, LB_UNSURE, LB_TOO_LARGE, LB_DECODE, LB_CANCELLED). */
	struct lb_error err;
};

typedef void (*http_done_fn)(const struct http_response *resp, void *ud);

/* What a sink did with a piece of the body, or what it wants once paused. */
enum http_sink_rc {
	HTTP_SINK_TAKEN, /* all of it (drain: give me more) */
	HTTP_SINK_PAUSE, /* none of it: wait until wait_fd is writable */
	HTTP_SINK_STOP,  /* none of it, and no more: the request ends with LB_CANCELLED */
};

/* Where a 2xx body goes as it arrives, instead of into memory. A sink that
 * cannot keep up pauses the transfer rather than hold what it is given:
 * after HTTP_SINK_PAUSE the client reads nothing more, waits (in its own
 * poll set) until wait_fd is writable, calls drain, and once drain says
 * HTTP_SINK_TAKEN gives take the same piece again and goes on. */
struct http_sink {
	enum http_sink_rc (*take)(const char *p, size_t len, void *ud);
	/* Needed when take pauses: wait_fd is writable (or failed); write out
	 * what is held and say whether to go on. Answer HTTP_SINK_PAUSE only
	 * when wait_fd cannot take more, or the client asks again at once. */
	enum http_sink_rc (*drain)(void *ud);
	void *ud;
	int wait_fd;
};

struct http_request {
	enum http_method method;
	const char *url;            /* absolute, already encoded */
	const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
	const char *body;           /* may be NULL */
	size_t body_len;
	/* Retry on 5xx, 429 and network errors. Set for GET; never for a
	 * mutation unless the endpoint is known to be idempotent. Without it
	 * the request goes out at most once, even when curl would send it
	 * again on a new connection; sent without an answer, or with one cut
	 * off that is not a 4xx, it ends with LB_UNSURE. */
	bool idempotent;
	/* Its body holds a secret the layer cannot recognise (a provider's
	 * key): the request log keeps none of it. */
	bool secret_body;
	http_done_fn done;          /* called exactly once, also on cancel */
	void *ud;
	/* Optional (sink.take not NULL): a 2xx body goes to sink as it
	 * arrives, not into memory, so it has no size cap; other statuses are
	 * kept as usual. Once a byte has gone to the sink the request is never
	 * retried. Its time limit is total_timeout_ms without any data, not in
	 * all (a paused transfer does not count), and at most one layer of
	 * gzip or deflate is accepted, so that what curl decodes while paused
	 * stays small. */
	struct http_sink sink;
	/* For the request log: the endpoint table's ID ("ROOM_GET"), a string
	 * that lives as long as the program; NULL when there is none. */
	const char *endpoint;
};

/* Requests are identified by a positive number; 0 means "not submitted". */
typedef unsigned long http_id;

/* The seam the API layer talks to, so tests can replace the network. */
struct transport {
	void *ctx;
	/* Copy the request (url, headers and body are copied) and start it. */
	http_id (*submit)(void *ctx, const struct http_request *req);
	/* Cancel; `done` is called with LB_CANCELLED before this returns.
	 * False if unknown id (or already being delivered). */
	bool (*cancel)(void *ctx, http_id id);
};

struct retry_policy {
	int max_retries;       /* retries after the first attempt */
	long base_ms;          /* first backoff */
	long max_ms;           /* cap on one backoff, and on Retry-After */
};

struct http_options {
	long connect_timeout_ms;
	long total_timeout_ms;     /* a request with a sink: the longest time without data */
	size_t max_response_bytes; /* 0: no cap */
	int max_parallel;       /* transfers at once; the rest wait in a queue */
	struct retry_policy retry;
	const char *user_agent;
	/* Print each entry of the request log to stderr as it is added
	 * (reqlog_line); never a request header (the key is in one). */
	bool verbose;
};

/* Defaults: 5 s connect, 30 s total, 64 MiB cap, 8 parallel,
 * 3 retries from 250 ms up to 8 s. */
void http_options_default(struct http_options *o);

struct http;

/* New client; NULL with err set on failure. Free with http_free. */
struct http *http_new(const struct http_options *o, struct lb_error *err);

/* libcurl's version and TLS backend, as loaded ("libcurl 7.88.1
 * (OpenSSL/3.0.11)"), a line appended to b for --version. */
void http_library_version(struct buf *b);
/* Requests still pending get `done` with LB_CANCELLED. Not from a callback. */
void http_free(struct http **h);

/* A transport whose ctx is this client. */
struct transport http_transport(struct http *h);

struct reqlog;
/* The client's request log (reqlog.h): every attempt that went out, the
 * last REQLOG_MAX of them. */
struct reqlog *http_log(struct http *h);

/* Copy the request and queue it; 0 (and no callback) if it could not be
 * copied. Callbacks run only from http_process, http_wait, http_cancel and
 * http_free, never from inside http_submit. */
http_id http_submit(struct http *h, const struct http_request *req);
/* As transport.cancel. */
bool http_cancel(struct http *h, http_id id);

/* Requests submitted and not finished (running, queued or waiting to retry). */
int http_in_flight(const struct http *h);

/* Event loop integration: fill up to max pollfds with curl's sockets (and
 * the wait_fd of each paused sink) and return how many; http_pollfds_max
 * says how many there may be. http_timeout_ms gives the time until the
 * next timer or retry (-1 = none). After poll(), http_process handles
 * ready sockets and sinks, expired timers, due retries, and calls the
 * callbacks of finished requests. */
int http_pollfds_max(const struct http *h);
int http_pollfds(struct http *h, struct pollfd *fds, int max);
int http_timeout_ms(struct http *h);
void http_process(struct http *h, const struct pollfd *fds, int nfds);

/* Block in poll() on the client's own sockets (and its sources') for at
 * most max_ms and process what is ready (batch mode). Returns at once
 * when nothing is in flight and no source is added. */
void http_wait(struct http *h, int max_ms);

/* Something else on the program's loop (a WebSocket, ws.h): its
 * descriptors and its timer go with the client's, so that the loops that
 * drive the client (the TUI's, batch mode's http_wait) drive it too. The
 * owner keeps the struct alive while it is added. */
struct http_source {
	int (*pollfds)(void *ud, struct pollfd *fds, int max);
	int (*timeout_ms)(void *ud); /* -1: none */
	void (*process)(void *ud, const struct pollfd *fds, int nfds);
	void *ud;
	int max_fds;
	struct http_source *next; /* the client's */
};
void http_add_source(struct http *h, struct http_source *s);
/* Safe from the source's own process callback. */
void http_remove_source(struct http *h, struct http_source *s);
/* How many sources are added. */
int http_sources(const struct http *h);

/* The pollfds of a source that has none (a timer): 0. */
int http_no_fds(void *ud, struct pollfd *fds, int max);

/* A source that is only a timer: the loop wakes at due_ms (monotonic;
 * -1: not at all) and calls fire (NULL: the wake-up is the point, what
 * runs after the loop's pass does the work). */
struct http_timer {
	struct http_source source;
	long long due_ms;
	void (*fire)(void *ud);
	void *ud;
	struct http *h; /* while added */
};
void http_timer_add(struct http *h, struct http_timer *t);
void http_timer_remove(struct http_timer *t);

/* The retry decision, pure so it can be tested. attempt is the number of
 * attempts made so far (1 after the first). status is the HTTP status, 0 on
 * a network error. retry_after is the Retry-After header value or NULL
 * (seconds or an HTTP date). rnd is a random number for the jitter.
 * Returns the delay in ms before the next attempt, or -1 for no retry. */
long http_retry_delay(const struct retry_policy *p, bool idempotent, int attempt,
		      long status, const char *retry_after, unsigned rnd);

/* A Retry-After value (seconds or an HTTP date) as a delay in ms from
 * now, at most a day; -1 when it cannot be read. */
long http_retry_after_ms(const char *value);

/* "GET", "POST", ... */
const char *http_method_name(enum http_method m);

#endif
