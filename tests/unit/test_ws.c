#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "util.h"
#include "ws.h"
#include "ws_frames.h"

/* The client against a small WebSocket server on a thread: it writes its
 * answers and frames byte by byte as the RFC has them, so that the
 * client's handshake and libwslay's framing meet something that is not
 * themselves. */

enum scenario {
	SC_CONVERSATION, /* the upgrade, frames of every kind, a close 4109 */
	SC_REFUSED,      /* 403 */
	SC_BAD_ACCEPT,   /* 101 with the wrong Sec-WebSocket-Accept */
	SC_DROP,         /* 101, then the connection ends without a close frame */
	SC_SILENT,       /* accepts, never answers */
	SC_TOO_BIG,      /* a message longer than the client allows */
};

#define BIG_LEN (17u << 20) /* more than 16 MiB, in one message */

struct server {
	enum scenario sc;
	int listen_fd;
	int port;
	pthread_t thread;
	char request[4096];
	/* What the server read from the client after the upgrade. */
	char first_text[256];
	char pong[16];
	int close_code; /* in the client's close frame */
	bool ok;        /* the script ran to its end */
};

static void conversation(struct server *s, int fd)
{
	char buf[256], *big;
	size_t len;
	int op;
	static const char hello[] = "hello";

	/* The first frame goes out with the headers, in one write. */
	{
		uint8_t h[14];
		size_t n = ws_test_frame_head(h, true, 1, sizeof(hello) - 1);
		char accept[29], head[512];
		int hl;

		ws_test_accept_for(s->request, accept);
		hl = snprintf(head, sizeof(head),
		              "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		              accept);
		memcpy(head + hl, h, n);
		memcpy(head + hl + n, hello, sizeof(hello) - 1);
		if (!ws_test_write_all(fd, head, (size_t)hl + n + sizeof(hello) - 1))
			return;
	}
	if (!ws_test_read_frame(fd, &op, buf, sizeof(buf) - 1, &len) || op != 1)
		return;
	buf[len] = '\0';
	snprintf(s->first_text, sizeof(s->first_text), "%s", buf);
	if (!ws_test_send_frame(fd, false, 1, "frag", 4) || !ws_test_send_frame(fd, true, 0, "ment", 4) ||
	    !ws_test_send_frame(fd, true, 9, "p", 1))
		return;
	if (!ws_test_read_frame(fd, &op, buf, sizeof(buf) - 1, &len) || op != 10)
		return;
	buf[len] = '\0';
	snprintf(s->pong, sizeof(s->pong), "%.15s", buf);
	if (!ws_test_send_frame(fd, true, 2, "\x01\x02", 2))
		return;
	if (!(big = malloc(BIG_LEN)))
		return;
	memset(big, 'x', BIG_LEN);
	big[0] = '[';
	big[BIG_LEN - 1] = ']';
	/* In two fragments, as a client of the room may send it. */
	if (!ws_test_send_frame(fd, false, 1, big, BIG_LEN / 2) ||
	    !ws_test_send_frame(fd, true, 0, big + BIG_LEN / 2, BIG_LEN - BIG_LEN / 2)) {
		free(big);
		return;
	}
	free(big);
	{
		static const char reason[] = "\x10\x05token expired"; /* 4101 */
		if (!ws_test_send_frame(fd, true, 8, reason, sizeof(reason) - 1))
			return;
	}
	if (!ws_test_read_frame(fd, &op, buf, sizeof(buf), &len) || op != 8 || len < 2)
		return;
	s->close_code = (uint8_t)buf[0] << 8 | (uint8_t)buf[1];
	s->ok = true;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL);
	char accept_key[29], head[512];

	if (fd < 0)
		return NULL;
	ws_test_read_request(fd, s->request, sizeof(s->request));
	ws_test_accept_for(s->request, accept_key);
	switch (s->sc) {
	case SC_CONVERSATION:
		conversation(s, fd);
		break;
	case SC_REFUSED:
		s->ok = ws_test_write_all(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 45);
		break;
	case SC_BAD_ACCEPT:
		snprintf(head, sizeof(head),
		         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		         "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAA%s\r\n\r\n",
		         accept_key + 4);
		s->ok = ws_test_write_all(fd, head, strlen(head));
		break;
	case SC_DROP:
	case SC_TOO_BIG:
		snprintf(head, sizeof(head),
		         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		         accept_key);
		s->ok = ws_test_write_all(fd, head, strlen(head));
		if (s->sc == SC_TOO_BIG) {
			char big[2000];
			int op;
			size_t len;

			memset(big, 'y', sizeof(big));
			/* The client's text sent when it opened may come first. */
			s->ok = ws_test_send_frame(fd, true, 1, big, sizeof(big));
			do
				s->ok = s->ok && ws_test_read_frame(fd, &op, big, sizeof(big), &len);
			while (s->ok && op != 8);
			if (s->ok)
				s->close_code = (uint8_t)big[0] << 8 | (uint8_t)big[1];
		}
		break;
	case SC_SILENT:
		s->ok = true;
		sleep(1);
		break;
	}
	close(fd);
	return NULL;
}

static void server_start(struct server *s, enum scenario sc)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->sc = sc;
	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->listen_fd, 1), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->listen_fd);
}

/* ---- the client's side --------------------------------------------------- */

struct client {
	bool opened, closed;
	int code;
	char reason[64];
	struct lb_error err;
	char *messages[8];
	size_t lens[8];
	int n;
	struct ws *w;
};

static void on_open(void *ud)
{
	struct client *c = ud;
	struct lb_error err;

	c->opened = true;
	assert_true(ws_send_text(c->w, "[{\"type\":200}]", 14, &err));
}

static void on_message(void *ud, const char *text, size_t len)
{
	struct client *c = ud;

	if (c->n < 8) {
		c->messages[c->n] = malloc(len + 1);
		memcpy(c->messages[c->n], text, len);
		c->messages[c->n][len] = '\0';
		c->lens[c->n++] = len;
	}
}

static void on_closed(void *ud, int code, const char *reason, const struct lb_error *err)
{
	struct client *c = ud;

	c->closed = true;
	c->code = code;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->err = *err;
}

static const struct ws_events events = {on_open, on_message, on_closed};

/* Run the client's loop until it is closed, or max_ms. */
static void run(struct client *c, int max_ms)
{
	long long end = now_ms() + max_ms;

	while (!c->closed && now_ms() < end) {
		struct pollfd fds[WS_POLLFDS_MAX];
		int n = ws_pollfds(c->w, fds, WS_POLLFDS_MAX);
		int t = ws_timeout_ms(c->w);

		if (t < 0 || t > 50)
			t = 50;
		poll(fds, (nfds_t)n, t);
		ws_process(c->w, fds, n);
	}
}

static void client_connect(struct client *c, const char *url, const struct ws_options *o)
{
	struct lb_error err;

	memset(c, 0, sizeof(*c));
	c->w = ws_connect(url, o, &events, c, &err);
	assert_non_null(c->w);
}

static void client_free(struct client *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->messages[i]);
	ws_free(&c->w);
}

static void test_accept_key(void **state)
{
	char out[29];

	(void)state;
	/* RFC 6455 §1.3 */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_conversation(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	struct ws_stats st;
	char url[128];

	(void)state;
	server_start(&s, SC_CONVERSATION);
	ws_options_default(&o);
	o.user_agent = "lbtui-test";
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/v8?roomId=r1&tok=abc", s.port);
	client_connect(&c, url, &o);
	run(&c, 20000);
	server_stop(&s);

	assert_true(s.ok);
	assert_non_null(strstr(s.request, "GET /v8?roomId=r1&tok=abc HTTP/1.1\r\n"));
	assert_non_null(strstr(s.request, "Sec-WebSocket-Version: 13\r\n"));
	assert_non_null(strstr(s.request, "Upgrade: websocket\r\n"));
	assert_non_null(strstr(s.request, "User-Agent: lbtui-test\r\n"));
	assert_null(strstr(s.request, "Sec-WebSocket-Extensions"));
	assert_true(c.opened);
	assert_string_equal(s.first_text, "[{\"type\":200}]");
	assert_string_equal(s.pong, "p");
	/* The frame that came with the headers, the fragmented one, the big one. */
	assert_int_equal(c.n, 3);
	assert_string_equal(c.messages[0], "hello");
	assert_string_equal(c.messages[1], "fragment");
	assert_int_equal(c.lens[2], BIG_LEN);
	assert_int_equal(c.messages[2][0], '[');
	assert_int_equal(c.messages[2][BIG_LEN - 1], ']');
	assert_true(c.closed);
	assert_int_equal(c.code, 4101);
	assert_string_equal(c.reason, "token expired");
	assert_int_equal(c.err.status, LB_OK);
	assert_int_equal(s.close_code, 4101); /* the client echoed the code */
	ws_get_stats(c.w, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.pings, 1);
	assert_int_equal(st.messages, 3);
	client_free(&c);
}

static void test_refused(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];

	(void)state;
	server_start(&s, SC_REFUSED);
	ws_options_default(&o);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/v8?tok=secret-token-x", s.port);
	client_connect(&c, url, &o);
	run(&c, 5000);
	server_stop(&s);
	assert_true(c.closed);
	assert_false(c.opened);
	assert_int_equal(c.err.status, LB_HTTP);
	assert_int_equal(c.err.http_status, 403);
	assert_non_null(strstr(c.err.message, "refused the WebSocket upgrade (HTTP 403)"));
	assert_null(strstr(c.err.message, "secret-token-x"));
	client_free(&c);
}

static void test_bad_accept(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];

	(void)state;
	server_start(&s, SC_BAD_ACCEPT);
	ws_options_default(&o);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", s.port);
	client_connect(&c, url, &o);
	run(&c, 5000);
	server_stop(&s);
	assert_true(c.closed);
	assert_false(c.opened);
	assert_int_equal(c.err.status, LB_DECODE);
	assert_non_null(strstr(c.err.message, "Sec-WebSocket-Accept"));
	client_free(&c);
}

static void test_drop(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];

	(void)state;
	server_start(&s, SC_DROP);
	ws_options_default(&o);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", s.port);
	client_connect(&c, url, &o);
	run(&c, 5000);
	server_stop(&s);
	assert_true(c.opened);
	assert_true(c.closed);
	assert_int_equal(c.code, 0);
	assert_int_equal(c.err.status, LB_NETWORK);
	client_free(&c);
}

static void test_silent(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];
	long long t0;

	(void)state;
	server_start(&s, SC_SILENT);
	ws_options_default(&o);
	o.connect_timeout_ms = 300;
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", s.port);
	t0 = now_ms();
	client_connect(&c, url, &o);
	run(&c, 5000);
	assert_true(c.closed);
	assert_true(now_ms() - t0 < 900);
	server_stop(&s);
	assert_int_equal(c.err.status, LB_NETWORK);
	assert_non_null(strstr(c.err.message, "did not open in time"));
	client_free(&c);
}

static void test_too_big(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];

	(void)state;
	server_start(&s, SC_TOO_BIG);
	ws_options_default(&o);
	o.max_message = 1024;
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", s.port);
	client_connect(&c, url, &o);
	run(&c, 5000);
	server_stop(&s);
	assert_true(c.closed);
	assert_int_equal(c.n, 0);
	assert_int_equal(s.close_code, 1009);
	assert_int_equal(c.err.status, LB_TOO_LARGE);
	client_free(&c);
}

static void test_no_server(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	char url[128];
	int port;

	(void)state;
	/* A port that was listening a moment ago and is not any more. */
	server_start(&s, SC_SILENT);
	port = s.port;
	{
		struct client k;
		struct ws_options ko;
		char u[64];

		ws_options_default(&ko);
		ko.connect_timeout_ms = 200;
		snprintf(u, sizeof(u), "ws://127.0.0.1:%d/", port);
		client_connect(&k, u, &ko);
		run(&k, 2000);
		client_free(&k);
	}
	server_stop(&s);
	ws_options_default(&o);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
	client_connect(&c, url, &o);
	run(&c, 5000);
	assert_true(c.closed);
	assert_false(c.opened);
	assert_int_equal(c.err.status, LB_NETWORK);
	assert_non_null(strstr(c.err.message, "could not connect"));
	client_free(&c);
}

/* On the HTTP client's loop: http_wait drives the socket, and freeing it
 * takes it off the loop. */
static void test_attached(void **state)
{
	struct server s;
	struct client c;
	struct ws_options o;
	struct http_options ho;
	struct lb_error err;
	struct http *h;
	char url[128];
	long long end;

	(void)state;
	http_options_default(&ho);
	h = http_new(&ho, &err);
	assert_non_null(h);
	server_start(&s, SC_CONVERSATION);
	ws_options_default(&o);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/v8", s.port);
	client_connect(&c, url, &o);
	ws_attach(c.w, h);
	assert_int_equal(http_sources(h), 1);
	assert_int_equal(http_in_flight(h), 0);
	end = now_ms() + 20000;
	while (!c.closed && now_ms() < end)
		http_wait(h, 100);
	server_stop(&s);
	assert_true(s.ok);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.code, 4101);
	client_free(&c);
	assert_int_equal(http_sources(h), 0);
	http_free(&h);
}

static void test_url(void **state)
{
	static const char *const q[] = {"roomId", "my room/1", "tok", "a.b+c", NULL};
	char *u;

	(void)state;
	u = ws_url("http://127.0.0.1:4000/ignored?x=1", "/v8", q);
	assert_string_equal(u, "ws://127.0.0.1:4000/v8?roomId=my+room%2f1&tok=a.b%2bc");
	free(u);
	u = ws_url("https://api.liveblocks.io", "/v8", NULL);
	assert_string_equal(u, "wss://api.liveblocks.io/v8");
	free(u);
	assert_null(ws_url("ftp://x/", "/v8", NULL));
	assert_null(ws_url("not a url", "/v8", NULL));
}

static void test_bad_url(void **state)
{
	struct ws_options o;
	struct lb_error err;
	struct client c = {0};

	(void)state;
	ws_options_default(&o);
	assert_null(ws_connect("http://127.0.0.1/", &o, &events, &c, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_null(ws_connect("not a url", &o, &events, &c, &err));
	assert_int_equal(err.status, LB_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_key), cmocka_unit_test(test_conversation),
	    cmocka_unit_test(test_refused),    cmocka_unit_test(test_bad_accept),
	    cmocka_unit_test(test_drop),       cmocka_unit_test(test_silent),
	    cmocka_unit_test(test_too_big),    cmocka_unit_test(test_no_server),
	    cmocka_unit_test(test_bad_url),    cmocka_unit_test(test_attached),
	    cmocka_unit_test(test_url),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
