#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "http.h"
#include "live_room.h"
#include "util.h"
#include "ws.h"

/* The protocol's version, as the SDK's own clients send it. */
#define LIVE_PROTOCOL_CLIENT "3.24.2"
/* The heartbeat: "ping" this often, and no "pong" this long is a dead
 * connection. */
#define LIVE_PING_MS 30000
#define LIVE_PONG_MS 10000
/* Reconnection pauses: from the first, doubling, up to the last. */
#define LIVE_RETRY_FIRST_MS 250
#define LIVE_RETRY_MAX_MS 30000

/* The server's messages (@liveblocks/core's ServerMsgCode). */
enum {
	MSG_UPDATE_PRESENCE = 100,
	MSG_USER_JOINED = 101,
	MSG_USER_LEFT = 102,
	MSG_BROADCASTED_EVENT = 103,
	MSG_ROOM_STATE = 104,
	MSG_UPDATE_STORAGE = 201,
	MSG_STORAGE_CHUNK = 210,
	MSG_STORAGE_STREAM_END = 211,
};

struct live_room {
	struct http *http;
	char *base_url, *room, *token;
	struct live_room_events ev;
	void *ud;

	struct ws *ws;
	bool ws_done;           /* it closed: free it from the room's own pass */
	enum live_state state;
	struct live_tree *tree; /* what the clients hold */
	struct live_tree *next; /* Storage coming in, NULL when none */
	long long ping_due, pong_due, retry_due; /* -1: none */
	long retry_ms;
	struct live_room_stats stats;
	struct http_source timer;
};

enum live_state live_close_meaning(int code)
{
	if (code >= 4100 && code <= 4199)
		return LIVE_TOKEN;
	if ((code >= 4000 && code <= 4099) || code == 4999)
		return LIVE_FAILED;
	return LIVE_RETRYING;
}

static void set_state(struct live_room *r, enum live_state s, const char *why)
{
	r->state = s;
	if (r->ev.state)
		r->ev.state(r->ud, s, why);
}

/* ---- messages ---------------------------------------------------------------- */

static int actor_of(const cJSON *m)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "actor");

	return cJSON_IsNumber(a) ? a->valueint : -1;
}

/* Print v compact into a callback's argument; "null" when absent. */
static void with_json(const cJSON *v, void (*fn)(void *ctx, const char *json), void *ctx)
{
	char *p = v ? cJSON_PrintUnformatted(v) : NULL;

	fn(ctx, p ? p : "null");
	cJSON_free(p);
}

struct user_ctx {
	struct live_room *r;
	int actor;
	const char *id;
	bool full; /* a presence: whole; a user: there before the watch */
	bool can_write;
};

static void joined_json(void *ctx, const char *json)
{
	struct user_ctx *u = ctx;

	u->r->ev.joined(u->r->ud, u->actor, u->id, json, u->full, u->can_write);
}

/* Whether scopes let a connection change Storage. */
static bool scopes_write(const cJSON *scopes)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, (cJSON_IsArray(scopes) ? scopes : NULL))
	{
		const char *v = cJSON_GetStringValue(s);

		if (v && (!strcmp(v, "room:write") || !strcmp(v, "room:*")))
			return true;
	}
	return false;
}

static void joined(struct live_room *r, int actor, const cJSON *user, bool already)
{
	struct user_ctx u = {r, actor, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(user, "id")),
	                     already,
	                     scopes_write(cJSON_GetObjectItemCaseSensitive(user, "scopes"))};

	if (r->ev.joined)
		with_json(cJSON_GetObjectItemCaseSensitive(user, "info"), joined_json, &u);
}

static void presence_json(void *ctx, const char *json)
{
	struct user_ctx *u = ctx;

	u->r->ev.presence(u->r->ud, u->actor, json, u->full);
}

static void event_json(void *ctx, const char *json)
{
	struct user_ctx *u = ctx;

	u->r->ev.event(u->r->ud, u->actor, json);
}

/* The connection that made an op: its opId is "actor:clock". */
static int op_actor(const cJSON *op)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "opId"));
	char *end;
	long a;

	if (!id)
		return -1;
	a = strtol(id, &end, 10);
	return end != id && *end == ':' && a >= 0 && a <= 1 << 30 ? (int)a : -1;
}

/* frame_actor: the client whose other messages came in the same frame
 * (the server relays a client's flush as one frame; ops carry no actor
 * of their own), -1 when none did. */
static void storage_ops(struct live_room *r, const cJSON *ops, int frame_actor)
{
	const cJSON *op;
	bool first = true;

	if (!r->tree)
		return;
	cJSON_ArrayForEach(op, ops)
	{
		struct live_change c;
		struct lb_error err;
		bool ignored;

		if (live_tree_apply(r->tree, op, &c, &ignored, &err)) {
			c.actor = op_actor(op);
			if (c.actor < 0)
				c.actor = frame_actor;
			r->stats.ops++;
			if (r->ev.change)
				r->ev.change(r->ud, &c, first, now_ms());
			first = false;
			live_change_clear(&c);
		} else {
			r->stats.ignored++;
		}
	}
}

static void storage_end(struct live_room *r)
{
	struct lb_error err;

	if (!r->next)
		return;
	if (!live_tree_link(r->next, &err)) {
		live_tree_free(&r->next);
		ws_close(r->ws, 1000);
		set_state(r, LIVE_FAILED, err.message);
		return;
	}
	live_tree_free(&r->tree);
	r->tree = r->next;
	r->next = NULL;
	r->retry_ms = 0;
	set_state(r, LIVE_LIVE, NULL);
	if (r->ev.loaded)
		r->ev.loaded(r->ud, r->tree);
}

static void one_message(struct live_room *r, cJSON *m, int frame_actor)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
	struct user_ctx u = {r, actor_of(m), NULL, true, false};
	struct lb_error err;

	switch (cJSON_IsNumber(type) ? type->valueint : -1) {
	case MSG_ROOM_STATE: {
		const cJSON *users = cJSON_GetObjectItemCaseSensitive(m, "users"), *it;

		cJSON_ArrayForEach(it, (cJSON_IsObject(users) ? users : NULL))
			joined(r, atoi(it->string), it, true);
		break;
	}
	case MSG_USER_JOINED:
		joined(r, u.actor, m, false);
		break;
	case MSG_USER_LEFT:
		if (r->ev.left)
			r->ev.left(r->ud, u.actor);
		break;
	case MSG_UPDATE_PRESENCE:
		/* A full presence is addressed to one connection (targetActor). */
		u.full = cJSON_GetObjectItemCaseSensitive(m, "targetActor") != NULL;
		if (r->ev.presence)
			with_json(cJSON_GetObjectItemCaseSensitive(m, "data"), presence_json, &u);
		break;
	case MSG_BROADCASTED_EVENT:
		if (r->ev.event)
			with_json(cJSON_GetObjectItemCaseSensitive(m, "event"), event_json, &u);
		break;
	case MSG_STORAGE_CHUNK:
		if (!r->next && !(r->next = live_tree_new()))
			break;
		if (!live_tree_take_nodes(r->next, cJSON_GetObjectItemCaseSensitive(m, "nodes"), &err)) {
			live_tree_free(&r->next);
			ws_close(r->ws, 1000);
			set_state(r, LIVE_FAILED, err.message);
		}
		break;
	case MSG_STORAGE_STREAM_END:
		storage_end(r);
		break;
	case MSG_UPDATE_STORAGE:
		storage_ops(r, cJSON_GetObjectItemCaseSensitive(m, "ops"), frame_actor);
		break;
	default:
		r->stats.unknown++;
		break;
	}
}

static void on_message(void *ud, const char *text, size_t len)
{
	struct live_room *r = ud;
	cJSON *root;
	cJSON *m;

	r->stats.messages++;
	r->stats.bytes_in += len;
	if (len == 4 && !memcmp(text, "pong", 4)) {
		r->pong_due = -1;
		return;
	}
	if (!(root = cJSON_ParseWithLength(text, len))) {
		r->stats.unknown++;
		return;
	}
	if (cJSON_IsArray(root)) {
		int frame_actor = -1;

		cJSON_ArrayForEach(m, root)
		{
			const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
			int t = cJSON_IsNumber(type) ? type->valueint : -1;

			if ((t == MSG_UPDATE_PRESENCE || t == MSG_BROADCASTED_EVENT) && actor_of(m) >= 0) {
				frame_actor = actor_of(m);
				break;
			}
		}
		cJSON_ArrayForEach(m, root)
			one_message(r, m, frame_actor);
	} else {
		one_message(r, root, -1);
	}
	cJSON_Delete(root);
}

/* ---- the socket ----------------------------------------------------------------- */

static bool connect_socket(struct live_room *r, struct lb_error *err);

/* Ask for Storage: the one message the watcher sends but the heartbeat. */
static bool send_fetch(struct live_room *r, struct lb_error *err)
{
	static const char fetch[] = "[{\"type\":200}]";

	live_tree_free(&r->next);
	return ws_send_text(r->ws, fetch, sizeof(fetch) - 1, err);
}

static void on_open(void *ud)
{
	struct live_room *r = ud;
	struct lb_error err;

	r->ping_due = now_ms() + LIVE_PING_MS;
	set_state(r, LIVE_LOADING, NULL);
	if (!send_fetch(r, &err))
		ws_close(r->ws, 1000);
}

bool live_room_refetch(struct live_room *r, struct lb_error *err)
{
	if (!ws_is_open(r->ws)) {
		lb_error_set(err, LB_NETWORK, "%s", "the room's socket is not open");
		return false;
	}
	return send_fetch(r, err);
}

static void on_closed(void *ud, int code, const char *reason, const struct lb_error *err)
{
	struct live_room *r = ud;
	enum live_state next = code ? live_close_meaning(code) : LIVE_RETRYING;
	char why[256];

	(void)reason;
	r->ws_done = true;
	r->ping_due = r->pong_due = -1;
	live_tree_free(&r->next);
	if (r->state == LIVE_FAILED)
		return;
	if (code)
		snprintf(why, sizeof(why), "the server closed the room's socket (%d)", code);
	else
		snprintf(why, sizeof(why), "%.200s", err->message[0] ? err->message : "the socket closed");
	/* A refusal of the upgrade itself (a 4xx) will not go better. */
	if (!code && err->status == LB_HTTP && err->http_status >= 400 && err->http_status < 500)
		next = LIVE_FAILED;
	if (next == LIVE_RETRYING) {
		r->retry_ms = r->retry_ms ? r->retry_ms * 2 : LIVE_RETRY_FIRST_MS;
		if (r->retry_ms > LIVE_RETRY_MAX_MS)
			r->retry_ms = LIVE_RETRY_MAX_MS;
		r->retry_due = now_ms() + r->retry_ms;
	}
	set_state(r, next, why);
}

static bool connect_socket(struct live_room *r, struct lb_error *err)
{
	static const struct ws_events events = {on_open, on_message, on_closed};
	const char *query[] = {"roomId", r->room, "tok", r->token, "version", LIVE_PROTOCOL_CLIENT,
	                       NULL};
	struct ws_options o;
	char *url = ws_url(r->base_url, "/v8", query);

	if (!url) {
		lb_error_set(err, LB_CONFIG, "%s", "the API's base URL makes no socket URL");
		return false;
	}
	ws_options_default(&o);
	r->ws = ws_connect(url, &o, &events, r, err);
	/* The URL holds the token: wiped, never logged. */
	memset(url, 0, strlen(url));
	free(url);
	if (!r->ws)
		return false;
	ws_attach(r->ws, r->http);
	r->ws_done = false;
	set_state(r, LIVE_CONNECTING, NULL);
	return true;
}

/* ---- timers: the room's own pass on the loop ---------------------------------- */

static int timer_timeout(void *ud)
{
	struct live_room *r = ud;
	long long due = -1, now = now_ms();
	long long t[] = {r->ping_due, r->pong_due, r->retry_due};

	if (r->ws_done)
		return 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] >= 0 && (due < 0 || t[i] < due))
			due = t[i];
	return due < 0 ? -1 : due <= now ? 0 : (int)(due - now);
}

static void timer_process(void *ud, const struct pollfd *fds, int nfds)
{
	struct live_room *r = ud;
	long long now = now_ms();
	struct lb_error err;

	(void)fds;
	(void)nfds;
	if (r->ws_done && r->ws)
		ws_free(&r->ws);
	if (r->ping_due >= 0 && now >= r->ping_due && ws_is_open(r->ws)) {
		r->ping_due = now + LIVE_PING_MS;
		r->pong_due = now + LIVE_PONG_MS;
		if (!ws_send_text(r->ws, "ping", 4, &err))
			ws_close(r->ws, 1000);
	}
	if (r->pong_due >= 0 && now >= r->pong_due) {
		/* No answer to the heartbeat: the connection is gone. */
		r->pong_due = -1;
		ws_close(r->ws, 1000);
	}
	if (r->retry_due >= 0 && now >= r->retry_due && !r->ws) {
		r->retry_due = -1;
		r->stats.reconnects++;
		if (!connect_socket(r, &err))
			set_state(r, LIVE_FAILED, err.message);
	}
}

/* ---- the interface -------------------------------------------------------------- */

struct live_room *live_room_open(struct http *h, const char *base_url, const char *room,
                                 const char *token, const struct live_room_events *ev, void *ud,
                                 struct lb_error *err)
{
	struct live_room *r = calloc(1, sizeof(*r));

	if (!r || !(r->base_url = strdup(base_url)) || !(r->room = strdup(room)) ||
	    !(r->token = strdup(token))) {
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		live_room_free(&r);
		return NULL;
	}
	r->http = h;
	r->ev = *ev;
	r->ud = ud;
	r->ping_due = r->pong_due = r->retry_due = -1;
	r->timer = (struct http_source){.pollfds = http_no_fds,
	                                .timeout_ms = timer_timeout,
	                                .process = timer_process,
	                                .ud = r};
	http_add_source(h, &r->timer);
	if (!connect_socket(r, err)) {
		live_room_free(&r);
		return NULL;
	}
	return r;
}

bool live_room_set_token(struct live_room *r, const char *token, struct lb_error *err)
{
	char *t = strdup(token);

	if (!t) {
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		return false;
	}
	if (r->token) {
		memset(r->token, 0, strlen(r->token));
		free(r->token);
	}
	r->token = t;
	if (r->ws)
		ws_free(&r->ws);
	return connect_socket(r, err);
}

void live_room_free(struct live_room **rp)
{
	struct live_room *r = *rp;

	if (!r)
		return;
	if (r->http)
		http_remove_source(r->http, &r->timer);
	ws_free(&r->ws);
	live_tree_free(&r->tree);
	live_tree_free(&r->next);
	if (r->token)
		memset(r->token, 0, strlen(r->token));
	free(r->token);
	free(r->base_url);
	free(r->room);
	free(r);
	*rp = NULL;
}

const struct live_tree *live_room_tree(const struct live_room *r)
{
	return r->tree;
}

void live_room_get_stats(const struct live_room *r, struct live_room_stats *out)
{
	*out = r->stats;
}
