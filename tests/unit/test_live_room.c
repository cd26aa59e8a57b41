#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "live_room.h"
#include "util.h"
#include "ws_frames.h"

/* The room's protocol against a scripted server on a thread: the room's
 * state, Storage, ops with and without a client's presence in the same
 * frame, an op type it does not apply, a message type it does not know,
 * text that is not JSON, a join, a REST broadcast, then a close 4001. The
 * server also records everything the watcher sent: the Storage fetch and
 * its answer to the close, nothing else. */

struct server {
	int listen_fd, port;
	pthread_t thread;
	char request[4096];
	char sent[8][128]; /* the client's text frames */
	int n_sent;
	int close_code;    /* in the client's close frame */
	bool ok;
};

static const char *const script[] = {
    "{\"type\":104,\"actor\":5,\"users\":{\"1\":{\"id\":\"alice\",\"info\":{\"name\":\"A\"},"
    "\"scopes\":[\"room:write\"]},\"2\":{\"id\":\"bob\",\"scopes\":[\"room:read\"]}}}",
    "{\"type\":210,\"nodes\":[[\"root\",{\"a\":1}]]}",
    "{\"type\":211}",
    "[{\"type\":999,\"x\":1}]",
    "[{\"type\":100,\"actor\":1,\"data\":{\"x\":1}},"
    "{\"type\":201,\"ops\":[{\"type\":3,\"id\":\"root\",\"data\":{\"a\":2}}]}]",
    "{\"type\":201,\"ops\":[{\"type\":9,\"id\":\"root\"},"
    "{\"type\":3,\"id\":\"root\",\"data\":{\"b\":3}}]}",
    "{\"type\":101,\"actor\":3,\"id\":\"carol\",\"scopes\":[\"room:write\"]}",
    "{\"type\":103,\"actor\":-1,\"event\":{\"kind\":\"rest\"}}",
    "not json",
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL), op;
	size_t len;
	char accept_key[29], head[512], buf[256];

	if (fd < 0)
		return NULL;
	ws_test_read_request(fd, s->request, sizeof(s->request));
	ws_test_accept_for(s->request, accept_key);
	snprintf(head, sizeof(head),
	         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
	         accept_key);
	if (!ws_test_write_all(fd, head, strlen(head)))
		goto out;
	/* The fetch first; then the script. */
	if (!ws_test_read_frame(fd, &op, buf, sizeof(buf) - 1, &len) || op != 1)
		goto out;
	buf[len] = '\0';
	snprintf(s->sent[s->n_sent++], sizeof(s->sent[0]), "%.120s", buf);
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		if (!ws_test_send_frame(fd, true, 1, script[i], strlen(script[i])))
			goto out;
	if (!ws_test_send_frame(fd, true, 8, "\x0f\xa1no", 4)) /* 4001 */
		goto out;
	/* Whatever else the watcher sends, until its close frame. */
	for (;;) {
		if (!ws_test_read_frame(fd, &op, buf, sizeof(buf) - 1, &len))
			goto out;
		if (op == 8) {
			s->close_code = len >= 2 ? (uint8_t)buf[0] << 8 | (uint8_t)buf[1] : 0;
			break;
		}
		buf[len] = '\0';
		if (s->n_sent < 8)
			snprintf(s->sent[s->n_sent++], sizeof(s->sent[0]), "%.120s", buf);
	}
	s->ok = true;
out:
	close(fd);
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->listen_fd, 1), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* What the watcher heard. */
struct heard {
	enum live_state state;
	char why[256];
	bool loaded;
	int changes;
	int actors[4];
	char paths[4][32];
	int joined;
	int join_actor[4];
	bool join_already[4], join_write[4];
	int presence_actor;
	char presence[64];
	int event_actor;
	char event[64];
};

static void on_state(void *ud, enum live_state st, const char *why)
{
	struct heard *h = ud;

	h->state = st;
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
}

static void on_loaded(void *ud, const struct live_tree *t)
{
	(void)t;
	((struct heard *)ud)->loaded = true;
}

static void on_change(void *ud, const struct live_change *c, bool first, long long at_ms)
{
	struct heard *h = ud;

	(void)first;
	(void)at_ms;
	if (h->changes < 4) {
		h->actors[h->changes] = c->actor;
		snprintf(h->paths[h->changes], sizeof(h->paths[0]), "%s", c->path);
	}
	h->changes++;
}

static void on_joined(void *ud, int actor, const char *user_id, const char *info, bool already,
                      bool can_write)
{
	struct heard *h = ud;

	(void)user_id;
	(void)info;
	if (h->joined < 4) {
		h->join_actor[h->joined] = actor;
		h->join_already[h->joined] = already;
		h->join_write[h->joined] = can_write;
	}
	h->joined++;
}

static void on_presence(void *ud, int actor, const char *json, bool full)
{
	struct heard *h = ud;

	(void)full;
	h->presence_actor = actor;
	snprintf(h->presence, sizeof(h->presence), "%s", json);
}

static void on_event(void *ud, int actor, const char *json)
{
	struct heard *h = ud;

	h->event_actor = actor;
	snprintf(h->event, sizeof(h->event), "%s", json);
}

static void test_protocol(void **state)
{
	static const struct live_room_events ev = {on_state, on_loaded, on_change, on_joined,
	                                           NULL,     on_presence, on_event};
	struct server s;
	struct heard h = {.presence_actor = -9, .event_actor = -9};
	struct http_options ho;
	struct lb_error err;
	struct http *http;
	struct live_room *r;
	struct live_room_stats st;
	char base[64];
	long long end;

	(void)state;
	http_options_default(&ho);
	http = http_new(&ho, &err);
	assert_non_null(http);
	server_start(&s);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
	r = live_room_open(http, base, "room 1", "tok.en", &ev, &h, &err);
	assert_non_null(r);
	end = now_ms() + 10000;
	while (h.state != LIVE_FAILED && now_ms() < end)
		http_wait(http, 100);
	/* The answer to the close goes out before the room is freed. */
	end = now_ms() + 2000;
	while (!s.close_code && now_ms() < end)
		http_wait(http, 50);
	live_room_get_stats(r, &st);
	live_room_free(&r);
	pthread_join(s.thread, NULL);
	close(s.listen_fd);
	http_free(&http);

	/* The token and the room went in the URL, encoded; nothing else. */
	assert_non_null(strstr(s.request, "GET /v8?roomId=room+1&tok=tok.en&version="));
	assert_true(s.ok);
	assert_int_equal(s.n_sent, 1);
	assert_string_equal(s.sent[0], "[{\"type\":200}]");
	assert_int_equal(s.close_code, 4001);

	assert_int_equal(h.state, LIVE_FAILED);
	assert_non_null(strstr(h.why, "4001"));
	assert_true(h.loaded);
	/* Alice's op came with her presence: hers. The other was not told. */
	assert_int_equal(h.changes, 2);
	assert_string_equal(h.paths[0], "/a");
	assert_int_equal(h.actors[0], 1);
	assert_string_equal(h.paths[1], "/b");
	assert_int_equal(h.actors[1], -1);
	/* Alice and Bob were there; Carol joined. Only writers can write. */
	assert_int_equal(h.joined, 3);
	assert_true(h.join_already[0] && h.join_already[1]);
	assert_false(h.join_already[2]);
	assert_int_equal(h.join_actor[2], 3);
	assert_true(h.join_write[0]);
	assert_false(h.join_write[1]);
	assert_true(h.join_write[2]);
	assert_int_equal(h.presence_actor, 1);
	assert_string_equal(h.presence, "{\"x\":1}");
	assert_int_equal(h.event_actor, -1);
	assert_string_equal(h.event, "{\"kind\":\"rest\"}");
	/* The type 999 message and the text that is not JSON; the type 9 op. */
	assert_int_equal(st.unknown, 2);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.ops, 2);
	assert_int_equal(st.reconnects, 0);
}

static void test_close_meaning(void **state)
{
	(void)state;
	assert_int_equal(live_close_meaning(4109), LIVE_TOKEN);
	assert_int_equal(live_close_meaning(4100), LIVE_TOKEN);
	assert_int_equal(live_close_meaning(4001), LIVE_FAILED);
	assert_int_equal(live_close_meaning(4999), LIVE_FAILED);
	assert_int_equal(live_close_meaning(1006), LIVE_RETRYING);
	assert_int_equal(live_close_meaning(1011), LIVE_RETRYING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_protocol),
	    cmocka_unit_test(test_close_meaning),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
