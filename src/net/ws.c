#include "lbconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <nettle/version.h>
#include <wslay/wslay.h>
#include <wslay/wslayver.h>

#include "util.h"
#include "ws.h"

/* The upgrade's answer may be this long, headers and all. */
#define WS_HEAD_MAX 16384
/* How long a close waits for the server's close frame. */
#define WS_CLOSE_WAIT_MS 2000

enum ws_state { WS_CONNECTING, WS_UPGRADING, WS_OPEN, WS_CLOSING, WS_DONE };

struct ws {
	enum ws_state state;
	struct ws_options opt;
	struct ws_events ev;
	void *ud;

	CURLM *multi;
	CURL *easy;
	/* curl's sockets while it connects: its SOCKETFUNCTION fills these. */
	struct {
		curl_socket_t fd;
		int what; /* CURL_POLL_IN, _OUT, _INOUT */
	} socks[WS_POLLFDS_MAX];
	int nsocks;
	long long timer_due; /* curl's timer, -1: none */
	long long deadline;  /* connect and upgrade, then the close wait; -1: none */
	curl_socket_t fd;    /* the connection, once made */

	char *request; /* the upgrade request, sent from request_off */
	size_t request_len, request_off;
	char key[32];    /* Sec-WebSocket-Key */
	char head[WS_HEAD_MAX + 1];
	size_t head_len;
	/* Bytes read after the upgrade's headers: the first frames. */
	char *early;
	size_t early_len, early_off;

	wslay_event_context_ptr ctx;
	bool eof;           /* the connection ended */
	int close_code;     /* the server's, 0: none */
	char *close_reason;
	struct lb_error fail; /* why it failed, once it did */
	struct ws_stats stats;
	struct http *loop; /* the client it is attached to, NULL: none */
	struct http_source source;
};

void ws_options_default(struct ws_options *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 10000;
	o->max_message = 64u << 20;
}

void ws_accept_key(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];

	sha1_init(&sha);
	sha1_update(&sha, strlen(key), (const uint8_t *)key);
	sha1_update(&sha, sizeof(guid) - 1, (const uint8_t *)guid);
	sha1_digest(&sha, sizeof(digest), digest);
	base64_encode_raw((char *)out, sizeof(digest), digest);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}

/* ---- finishing ------------------------------------------------------------- */

/* The socket is closed: say so once. */
static void finish(struct ws *w)
{
	if (w->state == WS_DONE)
		return;
	w->state = WS_DONE;
	w->deadline = -1;
	if (w->ev.closed)
		w->ev.closed(w->ud, w->close_code, w->close_reason ? w->close_reason : "", &w->fail);
}

/* It failed (the first reason is the one kept): say so once. */
static void fail(struct ws *w, enum lb_status status, long http_status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct ws *w, enum lb_status status, long http_status, const char *fmt, ...)
{
	if (w->fail.status == LB_OK) {
		va_list ap;

		va_start(ap, fmt);
		lb_error_vset(&w->fail, status, fmt, ap);
		va_end(ap);
		w->fail.http_status = http_status;
	}
	finish(w);
}

/* ---- connecting: curl's multi interface --------------------------------- */

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct ws *w = userp;
	int i;

	(void)easy;
	(void)sockp;
	for (i = 0; i < w->nsocks && w->socks[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < w->nsocks)
			w->socks[i] = w->socks[--w->nsocks];
		return 0;
	}
	if (i == w->nsocks) {
		if (w->nsocks == WS_POLLFDS_MAX)
			return -1;
		w->nsocks++;
	}
	w->socks[i].fd = fd;
	w->socks[i].what = what;
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct ws *w = userp;

	(void)multi;
	w->timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

static bool start_upgrade(struct ws *w);

/* Has curl finished connecting? Then the upgrade begins. */
static void check_connected(struct ws *w)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (msg->data.result != CURLE_OK) {
			fail(w, LB_NETWORK, 0, "could not connect: %s",
			     curl_easy_strerror(msg->data.result));
			return;
		}
		curl_easy_getinfo(w->easy, CURLINFO_ACTIVESOCKET, &w->fd);
		if (w->fd == CURL_SOCKET_BAD) {
			fail(w, LB_NETWORK, 0, "%s", "could not connect: no socket");
			return;
		}
		w->nsocks = 0;
		w->timer_due = -1;
		w->state = WS_UPGRADING;
		start_upgrade(w);
		return;
	}
}

/* ---- the upgrade ------------------------------------------------------------- */

/* The request and its key. curl parsed url (ws: and wss: read as http:
 * and https:). */
static bool build_request(struct ws *w, CURLU *u)
{
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	uint8_t raw[16];
	bool ok = false;
	int n;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (uint8_t)(now_ms() >> (i % 8)) ^ (uint8_t)(uintptr_t)w;
	}
	base64_encode_raw(w->key, sizeof(raw), raw);
	w->key[BASE64_ENCODE_RAW_LENGTH(16)] = '\0';
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) || curl_url_get(u, CURLUPART_PATH, &path, 0))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	n = asprintf(&w->request,
	             "GET %s%s%s HTTP/1.1\r\n"
	             "Host: %s%s%s\r\n"
	             "Upgrade: websocket\r\n"
	             "Connection: Upgrade\r\n"
	             "Sec-WebSocket-Key: %s\r\n"
	             "Sec-WebSocket-Version: 13\r\n"
	             "%s%s%s"
	             "\r\n",
	             path, query ? "?" : "", query ? query : "", host, port ? ":" : "",
	             port ? port : "", w->key, w->opt.user_agent ? "User-Agent: " : "",
	             w->opt.user_agent ? w->opt.user_agent : "", w->opt.user_agent ? "\r\n" : "");
	if (n >= 0) {
		w->request_len = (size_t)n;
		ok = true;
	} else {
		w->request = NULL;
	}
out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	return ok;
}

/* Send what is left of the request; false when the connection failed. */
static bool send_request(struct ws *w)
{
	while (w->request_off < w->request_len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(w->easy, w->request + w->request_off,
		                             w->request_len - w->request_off, &n);

		if (rc == CURLE_AGAIN)
			return true;
		if (rc != CURLE_OK) {
			fail(w, LB_NETWORK, 0, "the connection failed: %s", curl_easy_strerror(rc));
			return false;
		}
		w->request_off += n;
		w->stats.bytes_out += n;
	}
	return true;
}

/* The value of header name in the answer's head, NULL when it has none;
 * into buf. */
static const char *header(const char *head, const char *name, char *buf, size_t n)
{
	size_t nlen = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l; l = strstr(l, "\r\n")) {
		l += 2;
		if (!strncasecmp(l, name, nlen) && l[nlen] == ':') {
			const char *v = l + nlen + 1, *e = strstr(v, "\r\n");
			size_t len;

			v += strspn(v, " \t");
			len = e ? (size_t)(e - v) : strlen(v);
			while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			snprintf(buf, n, "%.*s", (int)len, v);
			return buf;
		}
	}
	return NULL;
}

static bool start_framing(struct ws *w);

/* Check the server's answer to the upgrade (all of it is in head, up to
 * the blank line). */
static void check_answer(struct ws *w)
{
	char value[256], want[29];
	int status = 0;

	if (sscanf(w->head, "HTTP/1.%*d %d", &status) != 1) {
		fail(w, LB_DECODE, 0, "%s", "the server's answer to the upgrade is not HTTP");
		return;
	}
	if (status != 101) {
		fail(w, LB_HTTP, status, "the server refused the WebSocket upgrade (HTTP %d)", status);
		return;
	}
	ws_accept_key(w->key, want);
	if (!header(w->head, "Upgrade", value, sizeof(value)) || strcasecmp(value, "websocket")) {
		fail(w, LB_DECODE, 0, "%s", "the server's 101 answer has no \"Upgrade: websocket\"");
		return;
	}
	if (!header(w->head, "Sec-WebSocket-Accept", value, sizeof(value)) || strcmp(value, want)) {
		fail(w, LB_DECODE, 0, "%s",
		     "the server's Sec-WebSocket-Accept does not match the key sent");
		return;
	}
	if (header(w->head, "Sec-WebSocket-Extensions", value, sizeof(value))) {
		fail(w, LB_DECODE, 0, "%s", "the server chose a WebSocket extension none was offered");
		return;
	}
	if (!start_framing(w))
		return;
	w->state = WS_OPEN;
	w->deadline = -1;
	if (w->ev.open)
		w->ev.open(w->ud);
}

/* Read the answer to the upgrade until its blank line; what comes after
 * it is the first frames. */
static void read_answer(struct ws *w)
{
	while (w->state == WS_UPGRADING) {
		size_t n = 0;
		char *end;
		CURLcode rc;

		if (w->head_len == WS_HEAD_MAX) {
			fail(w, LB_DECODE, 0, "%s", "the server's answer to the upgrade is too long");
			return;
		}
		rc = curl_easy_recv(w->easy, w->head + w->head_len, WS_HEAD_MAX - w->head_len, &n);
		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK || n == 0) {
			fail(w, LB_NETWORK, 0, "the connection closed during the upgrade%s",
			     rc == CURLE_OK ? "" : " (a network error)");
			return;
		}
		w->stats.bytes_in += n;
		w->head_len += n;
		w->head[w->head_len] = '\0';
		if (!(end = strstr(w->head, "\r\n\r\n")))
			continue;
		end += 4;
		w->early_len = w->head_len - (size_t)(end - w->head);
		if (w->early_len && !(w->early = malloc(w->early_len))) {
			fail(w, LB_NOMEM, 0, "%s", "out of memory");
			return;
		}
		if (w->early_len)
			memcpy(w->early, end, w->early_len);
		*end = '\0';
		check_answer(w);
	}
}

static bool start_upgrade(struct ws *w)
{
	if (!send_request(w))
		return false;
	read_answer(w);
	return true;
}

/* ---- framing: libwslay ----------------------------------------------------- */

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *ud)
{
	struct ws *w = ud;
	size_t n = 0;
	CURLcode rc;

	(void)flags;
	if (w->early_off < w->early_len) {
		n = w->early_len - w->early_off;
		if (n > len)
			n = len;
		memcpy(buf, w->early + w->early_off, n);
		w->early_off += n;
		return (ssize_t)n;
	}
	rc = curl_easy_recv(w->easy, buf, len, &n);
	if (rc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (rc != CURLE_OK || n == 0) {
		w->eof = true;
		if (rc != CURLE_OK && w->fail.status == LB_OK)
			lb_error_set(&w->fail, LB_NETWORK, "the connection failed: %s",
			             curl_easy_strerror(rc));
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	w->stats.bytes_in += n;
	return (ssize_t)n;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
	struct ws *w = ud;
	size_t n = 0;
	CURLcode rc;

	(void)flags;
	rc = curl_easy_send(w->easy, data, len, &n);
	if (rc == CURLE_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (rc != CURLE_OK) {
		w->eof = true;
		if (w->fail.status == LB_OK)
			lb_error_set(&w->fail, LB_NETWORK, "the connection failed: %s",
			             curl_easy_strerror(rc));
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	w->stats.bytes_out += n;
	return (ssize_t)n;
}

static int on_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
	(void)ctx;
	(void)ud;
	if (getrandom(buf, len, 0) != (ssize_t)len)
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
	return 0;
}

static void on_message(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                       void *ud)
{
	struct ws *w = ud;

	(void)ctx;
	switch (arg->opcode) {
	case WSLAY_TEXT_FRAME:
		w->stats.messages++;
		if (w->ev.message && w->state == WS_OPEN)
			w->ev.message(w->ud, (const char *)arg->msg, arg->msg_length);
		break;
	case WSLAY_BINARY_FRAME:
		w->stats.ignored++;
		break;
	case WSLAY_PING:
		w->stats.pings++;
		break;
	case WSLAY_CONNECTION_CLOSE:
		w->close_code = arg->status_code;
		free(w->close_reason);
		w->close_reason = NULL;
		if (arg->msg_length > 2 && (w->close_reason = malloc(arg->msg_length - 1))) {
			memcpy(w->close_reason, arg->msg + 2, arg->msg_length - 2);
			w->close_reason[arg->msg_length - 2] = '\0';
		}
		if (w->close_code == WSLAY_CODE_MESSAGE_TOO_BIG && w->fail.status == LB_OK)
			lb_error_set(&w->fail, LB_TOO_LARGE, "a message was longer than %zu bytes",
			             w->opt.max_message);
		break;
	default:
		break;
	}
}

static bool start_framing(struct ws *w)
{
	static const struct wslay_event_callbacks cb = {
	    .recv_callback = on_recv,
	    .send_callback = on_send,
	    .genmask_callback = on_genmask,
	    .on_msg_recv_callback = on_message,
	};

	if (wslay_event_context_client_init(&w->ctx, &cb, w) != 0) {
		fail(w, LB_NOMEM, 0, "%s", "out of memory");
		return false;
	}
	wslay_event_config_set_max_recv_msg_length(w->ctx, w->opt.max_message);
	return true;
}

/* Read and write what the connection allows; finish when neither is
 * wanted any more. */
static void pump(struct ws *w, bool readable)
{
	int rc = 0;

	if (readable || w->early_off < w->early_len)
		rc = wslay_event_recv(w->ctx);
	/* Even after a failed read: what it failed on may have queued a
	 * close frame to tell the server why (1009, 1002). */
	if (!w->eof && wslay_event_want_write(w->ctx)) {
		int sent = wslay_event_send(w->ctx);

		if (rc == 0)
			rc = sent;
	}
	if (rc == WSLAY_ERR_NOMEM) {
		fail(w, LB_NOMEM, 0, "%s", "out of memory");
		return;
	}
	if (rc != 0 && !w->eof && w->fail.status == LB_OK)
		lb_error_set(&w->fail, LB_DECODE, "%s", "the server broke the WebSocket protocol");
	if (w->eof || rc != 0 ||
	    (!wslay_event_want_read(w->ctx) && !wslay_event_want_write(w->ctx))) {
		/* libwslay closed it for a reason of its own. */
		int sent = wslay_event_get_close_sent(w->ctx)
		               ? wslay_event_get_status_code_sent(w->ctx)
		               : 0;

		if (w->close_code == 0 && w->fail.status == LB_OK && sent == WSLAY_CODE_MESSAGE_TOO_BIG)
			lb_error_set(&w->fail, LB_TOO_LARGE, "a message was longer than %zu bytes",
			             w->opt.max_message);
		else if (w->close_code == 0 && w->fail.status == LB_OK &&
		         sent == WSLAY_CODE_PROTOCOL_ERROR)
			lb_error_set(&w->fail, LB_DECODE, "%s",
			             "the server broke the WebSocket protocol");
		if (w->close_code == 0 && w->fail.status == LB_OK)
			lb_error_set(&w->fail, LB_NETWORK, "%s", "the connection dropped");
		finish(w);
	}
}

/* ---- the interface -------------------------------------------------------- */

struct ws *ws_connect(const char *url, const struct ws_options *o, const struct ws_events *ev,
                      void *ud, struct lb_error *err)
{
	struct ws *w = calloc(1, sizeof(*w));
	CURLU *u = curl_url();
	char *scheme = NULL, *http_url = NULL;
	bool tls;

	lb_error_clear(err);
	if (!w || !u)
		goto nomem;
	w->opt = *o;
	w->ev = *ev;
	w->ud = ud;
	w->fd = CURL_SOCKET_BAD;
	w->timer_due = -1;
	/* curl_url knows ws: and wss: only where curl was built with
	 * WebSockets; any scheme is taken, then checked here. */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "ws") && strcmp(scheme, "wss"))) {
		lb_error_set(err, LB_USAGE, "%s", "not a ws:// or wss:// URL");
		goto fail;
	}
	tls = !strcmp(scheme, "wss");
	if (curl_url_set(u, CURLUPART_SCHEME, tls ? "https" : "http", 0) ||
	    curl_url_get(u, CURLUPART_URL, &http_url, 0) || !build_request(w, u))
		goto nomem;
	if (!(w->multi = curl_multi_init()) || !(w->easy = curl_easy_init()))
		goto nomem;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	curl_easy_setopt(w->easy, CURLOPT_URL, http_url);
	curl_easy_setopt(w->easy, CURLOPT_CONNECT_ONLY, 1L);
	/* The upgrade is HTTP/1.1: over TLS, a server offered h2 by ALPN
	 * would answer in HTTP/2 and the upgrade dies. */
	curl_easy_setopt(w->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(w->easy, CURLOPT_SSL_ENABLE_ALPN, 0L);
	curl_easy_setopt(w->easy, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
	if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK)
		goto nomem;
	w->deadline = o->connect_timeout_ms > 0 ? now_ms() + o->connect_timeout_ms : -1;
	curl_free(scheme);
	curl_free(http_url);
	curl_url_cleanup(u);
	return w;
nomem:
	lb_error_set(err, LB_NOMEM, "%s", "out of memory");
fail:
	curl_free(scheme);
	curl_free(http_url);
	curl_url_cleanup(u);
	ws_free(&w);
	return NULL;
}

int ws_pollfds(struct ws *w, struct pollfd *fds, int max)
{
	int n = 0;

	switch (w->state) {
	case WS_CONNECTING:
		for (int i = 0; i < w->nsocks && n < max; i++, n++) {
			fds[n].fd = w->socks[i].fd;
			fds[n].events = (short)((w->socks[i].what & CURL_POLL_IN ? POLLIN : 0) |
			                        (w->socks[i].what & CURL_POLL_OUT ? POLLOUT : 0));
			fds[n].revents = 0;
		}
		break;
	case WS_UPGRADING:
	case WS_OPEN:
	case WS_CLOSING:
		if (max < 1)
			break;
		fds[0].fd = w->fd;
		fds[0].events = POLLIN;
		if (w->state == WS_UPGRADING ? w->request_off < w->request_len
		                             : wslay_event_want_write(w->ctx))
			fds[0].events |= POLLOUT;
		fds[0].revents = 0;
		n = 1;
		break;
	case WS_DONE:
		break;
	}
	return n;
}

int ws_timeout_ms(struct ws *w)
{
	long long due = -1, now = now_ms();

	if (w->state == WS_DONE)
		return -1;
	if (w->state == WS_CONNECTING && w->timer_due >= 0)
		due = w->timer_due;
	if (w->deadline >= 0 && (due < 0 || w->deadline < due))
		due = w->deadline;
	/* Frames read with the upgrade's answer wait for no descriptor. */
	if (w->early_off < w->early_len)
		due = now;
	if (due < 0)
		return -1;
	return due <= now ? 0 : (int)(due - now > 60000 ? 60000 : due - now);
}

void ws_process(struct ws *w, const struct pollfd *fds, int nfds)
{
	long long now = now_ms();
	int running;

	if (w->state == WS_CONNECTING) {
		bool any = false;

		for (int i = 0; i < nfds; i++) {
			int ev = 0;

			for (int s = 0; s < w->nsocks; s++)
				if (w->socks[s].fd == fds[i].fd)
					ev = 1;
			if (!ev || !fds[i].revents)
				continue;
			ev = (fds[i].revents & POLLIN ? CURL_CSELECT_IN : 0) |
			     (fds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0) |
			     (fds[i].revents & (POLLERR | POLLHUP) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(w->multi, fds[i].fd, ev, &running);
			any = true;
		}
		if (!any && w->timer_due >= 0 && now >= w->timer_due) {
			w->timer_due = -1;
			curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		check_connected(w);
	}
	if (w->state != WS_DONE && w->deadline >= 0 && now >= w->deadline) {
		if (w->state == WS_CLOSING) {
			finish(w);
		} else if (w->state != WS_OPEN) {
			fail(w, LB_NETWORK, 0, "%s",
			     "the WebSocket did not open in time (connection or upgrade)");
		}
		return;
	}
	if (w->state == WS_UPGRADING) {
		/* Read even without an event: TLS may hold what poll() cannot see. */
		if (send_request(w))
			read_answer(w);
	}
	if (w->state == WS_OPEN || w->state == WS_CLOSING) {
		bool readable = false;

		for (int i = 0; i < nfds; i++)
			if (fds[i].fd == w->fd && fds[i].revents)
				readable = true;
		pump(w, readable || w->state == WS_OPEN);
	}
}

bool ws_is_open(const struct ws *w)
{
	return w && w->state == WS_OPEN;
}

bool ws_send_text(struct ws *w, const char *text, size_t len, struct lb_error *err)
{
	struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, (const uint8_t *)text, len};
	int rc;

	if (!ws_is_open(w)) {
		lb_error_set(err, LB_NETWORK, "%s", "the WebSocket is not open");
		return false;
	}
	rc = wslay_event_queue_msg(w->ctx, &msg);
	if (rc == WSLAY_ERR_NOMEM) {
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		return false;
	}
	if (rc != 0) {
		lb_error_set(err, LB_NETWORK, "%s", "the WebSocket is closing");
		return false;
	}
	lb_error_clear(err);
	return true;
}

void ws_close(struct ws *w, int code)
{
	if (!w || w->state == WS_DONE || w->state == WS_CLOSING)
		return;
	if (w->state != WS_OPEN) {
		lb_error_set(&w->fail, LB_CANCELLED, "%s", "closed before it opened");
		finish(w);
		return;
	}
	wslay_event_queue_close(w->ctx, (uint16_t)code, NULL, 0);
	w->state = WS_CLOSING;
	w->deadline = now_ms() + WS_CLOSE_WAIT_MS;
}

static int source_pollfds(void *ud, struct pollfd *fds, int max)
{
	return ws_pollfds(ud, fds, max);
}

static int source_timeout(void *ud)
{
	return ws_timeout_ms(ud);
}

static void source_process(void *ud, const struct pollfd *fds, int nfds)
{
	ws_process(ud, fds, nfds);
}

void ws_attach(struct ws *w, struct http *h)
{
	w->source = (struct http_source){.pollfds = source_pollfds,
	                                 .timeout_ms = source_timeout,
	                                 .process = source_process,
	                                 .ud = w,
	                                 .max_fds = WS_POLLFDS_MAX};
	w->loop = h;
	http_add_source(h, &w->source);
}

void ws_free(struct ws **wp)
{
	struct ws *w = *wp;

	if (!w)
		return;
	if (w->loop)
		http_remove_source(w->loop, &w->source);
	if (w->ctx)
		wslay_event_context_free(w->ctx);
	if (w->multi && w->easy)
		curl_multi_remove_handle(w->multi, w->easy);
	if (w->easy)
		curl_easy_cleanup(w->easy);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	free(w->request);
	free(w->early);
	free(w->close_reason);
	free(w);
	*wp = NULL;
}

void ws_get_stats(const struct ws *w, struct ws_stats *out)
{
	*out = w->stats;
}

char *ws_url(const char *base, const char *path, const char *const *query)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *url = NULL, *out = NULL;

	if (!u || curl_url_set(u, CURLUPART_URL, base, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")))
		goto done;
	if (curl_url_set(u, CURLUPART_SCHEME, strcmp(scheme, "http") ? "https" : "http", 0) ||
	    curl_url_set(u, CURLUPART_PATH, path, 0) || curl_url_set(u, CURLUPART_QUERY, NULL, 0) ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0))
		goto done;
	for (; query && query[0] && query[1]; query += 2) {
		char *pair = NULL;

		if (asprintf(&pair, "%s=%s", query[0], query[1]) < 0)
			goto done;
		if (curl_url_set(u, CURLUPART_QUERY, pair, CURLU_APPENDQUERY | CURLU_URLENCODE)) {
			free(pair);
			goto done;
		}
		free(pair);
	}
	if (curl_url_get(u, CURLUPART_URL, &url, 0))
		goto done;
	/* http: and https: were kept for curl_url, which knows ws: only
	 * where curl was built with WebSockets. */
	if (!strncmp(url, "https:", 6)) {
		if (asprintf(&out, "wss:%s", url + 6) < 0)
			out = NULL;
	} else if (asprintf(&out, "ws:%s", url + 5) < 0) {
		out = NULL;
	}
done:
	curl_free(scheme);
	curl_free(url);
	curl_url_cleanup(u);
	return out;
}

void ws_library_version(struct buf *b)
{
	/* wslay says its version only to the compiler. */
	buf_printf(b, "wslay %s, nettle %d.%d\n", WSLAY_VERSION, nettle_version_major(),
	           nettle_version_minor());
}
