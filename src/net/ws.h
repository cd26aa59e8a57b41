/* A WebSocket client in the program's poll() loop. libcurl makes the
 * connection (TCP, TLS, proxies: CONNECT_ONLY, HTTP/1.1, no ALPN), this
 * file the upgrade (RFC 6455 §4), libwslay the framing. It offers no
 * extension (no permessage-deflate), sends text frames only, answers pings
 * itself, and gives whole messages, however they were fragmented, up to
 * a size limit. Nothing here logs the URL: it may carry a token. */
#ifndef LB_WS_H
#define LB_WS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "http.h"

/* What the socket tells its owner. The callbacks run from ws_process;
 * none of them may call ws_free (free after ws_process returns). */
struct ws_events {
	/* The upgrade succeeded: ws_send_text may be used. */
	void (*open)(void *ud);
	/* A whole text message (not NUL-terminated). */
	void (*message)(void *ud, const char *text, size_t len);
	/* The socket is closed and will say nothing more. code: the close
	 * code the server sent (0 when none came: the connection dropped or
	 * never opened); reason its text ("" when none, terminal-unsafe as
	 * the server sent it); err: LB_OK on a close frame, else why
	 * (LB_NETWORK, LB_HTTP with the status the upgrade was refused
	 * with, LB_DECODE for a protocol error, LB_TOO_LARGE). */
	void (*closed)(void *ud, int code, const char *reason, const struct lb_error *err);
};

struct ws_options {
	long connect_timeout_ms; /* the connection and the upgrade, together */
	size_t max_message;      /* longer messages close the socket (1009) */
	const char *user_agent;  /* NULL: none */
};

/* Defaults: 10 s to connect and upgrade, 64 MiB messages. */
void ws_options_default(struct ws_options *o);

struct ws;

/* Start connecting to url (ws:// or wss://); NULL with err when the URL
 * cannot be used or out of memory (a refused connection comes later,
 * through closed). */
struct ws *ws_connect(const char *url, const struct ws_options *o, const struct ws_events *ev,
                      void *ud, struct lb_error *err);

/* Event loop integration, as http.h: the descriptors to poll (at most
 * WS_POLLFDS_MAX), the ms until the socket wants ws_process without
 * any (-1: none), and the processing of what poll() found. */
#define WS_POLLFDS_MAX 4
int ws_pollfds(struct ws *w, struct pollfd *fds, int max);
int ws_timeout_ms(struct ws *w);
void ws_process(struct ws *w, const struct pollfd *fds, int nfds);

/* Put the socket on the client's loop (http_add_source): the loops that
 * drive the client drive it, without ws_pollfds and ws_process of their
 * own. ws_free takes it off. */
void ws_attach(struct ws *w, struct http *h);

/* Whether the upgrade succeeded and the socket is not closing. */
bool ws_is_open(const struct ws *w);

/* Queue a text message (sent from ws_process); false with err when the
 * socket is not open or out of memory. */
bool ws_send_text(struct ws *w, const char *text, size_t len, struct lb_error *err);

/* Start closing with code (1000: normal): closed comes when the server
 * answers, or after a short wait. */
void ws_close(struct ws *w, int code);

/* Close at once (no close frame) and free; *w is NULL after. */
void ws_free(struct ws **w);

/* Counters, for the status line and the tests. */
struct ws_stats {
	size_t messages;      /* text messages received */
	size_t ignored;       /* binary messages received and dropped */
	size_t bytes_in;      /* bytes read from the connection */
	size_t bytes_out;     /* bytes written */
	size_t pings;         /* pings answered */
};
void ws_get_stats(const struct ws *w, struct ws_stats *out);

/* The socket URL for an HTTP base URL: http: becomes ws:, https: wss:,
 * the path replaced, then each name and value of query (pairs, NULL
 * ending them) URL-encoded. NULL when base is no http(s) URL or out of
 * memory. Caller frees. */
char *ws_url(const char *base, const char *path, const char *const *query);

/* The Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2),
 * into out (at least 29 bytes). */
void ws_accept_key(const char *key, char out[29]);

/* wslay's and nettle's versions: a line appended to b for --version. */
void ws_library_version(struct buf *b);

#endif
