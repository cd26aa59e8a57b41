#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "api_send.h"
#include "config.h"
#include "http.h"
#include "live_room.h"
#include "live_watch.h"
#include "model.h"
#include "util.h"

/* The document is rebuilt from the live tree at most this share of the
 * time: after a rebuild that took c ms, the next waits DOC_BUDGET * c. */
#define DOC_BUDGET 20

struct listener {
	live_watch_fn fn;
	void *ud;
};

/* A caller that took the reason, and which one. */
struct reason_seen {
	const void *ud;
	unsigned serial;
};

/* A connection's user, kept after they leave for the ops still coming. */
struct actor_name {
	int actor;
	char *user_id;
};

/* A ring of at most max entries of size bytes, grown as entries come (it
 * wraps only once full). */
struct ring {
	void *items;
	size_t size, head, n, cap, max;
};

/* The op log of a watch nobody draws: printers print each op as they
 * hear of it, so a short history is enough. */
#define PRINT_LOG_MAX 1024

struct live_watch {
	struct live_watch *next; /* the registry */
	struct model *m;
	char *room;
	bool plain_json, want_doc, forced_poll;
	int refs;

	enum live_watch_mode mode;
	char reason[300];
	unsigned reason_serial;
	struct reason_seen *seen;
	size_t n_seen;

	struct live_room *live;
	http_id token_req, room_req;
	bool token_pending, token_due, refetch_due;
	bool token_unproven; /* the newest token has not opened the room yet */
	http_id verify_req;
	unsigned checks; /* re-reads compared */

	struct listener *ls;
	size_t n_ls;
	unsigned pending; /* what changed since the listeners last heard */

	struct lson_doc *doc;
	unsigned doc_gen;
	bool doc_dirty;
	long long doc_due; /* -1: none */
	long long doc_cost_ms;

	struct ring ops, notes, events;
	unsigned long op_serial, msg_serial;
	unsigned long ops_heard; /* the serial of the newest op listeners heard of */
	struct live_user *users; /* by actor, ascending */
	size_t n_users;
	struct actor_name *names;
	size_t n_names;

	unsigned spark[LIVE_WATCH_SPARK];
	long long spark_sec; /* the second spark's last slot counts */

	struct http_source timer;
};

static struct live_watch *registry;

/* ---- small pieces ------------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void *ring_at(const struct ring *r, size_t i)
{
	return (char *)r->items + ((r->head + i) % r->cap) * r->size;
}

/* The slot for a new entry (the oldest goes, cleared by clear, once the
 * ring is full); NULL when out of memory. */
static void *ring_push(struct ring *r, void (*clear)(void *))
{
	void *slot;

	if (r->n == r->cap && r->cap < r->max) {
		/* head is 0 until the ring first wraps, which is at its most. */
		size_t cap = r->cap ? r->cap * 2 : 64;
		void *v;

		if (cap > r->max)
			cap = r->max;
		if (!(v = realloc(r->items, cap * r->size)))
			return NULL;
		r->items = v;
		r->cap = cap;
	}
	if (r->n == r->cap) {
		slot = ring_at(r, 0);
		clear(slot);
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	slot = ring_at(r, r->n);
	r->n++;
	memset(slot, 0, r->size);
	return slot;
}

/* Let r hold up to max (more than it does): a full ring that wrapped is
 * put back in order first, so that it can grow. False when out of memory
 * (r is unchanged). */
static bool ring_raise(struct ring *r, size_t max)
{
	if (r->head) {
		char *v = malloc(r->cap * r->size);

		if (!v)
			return false;
		for (size_t i = 0; i < r->n; i++)
			memcpy(v + i * r->size, ring_at(r, i), r->size);
		free(r->items);
		r->items = v;
		r->head = 0;
	}
	r->max = max;
	return true;
}

static void ring_free(struct ring *r, void (*clear)(void *))
{
	for (size_t i = 0; i < r->n; i++)
		clear(ring_at(r, i));
	free(r->items);
	r->items = NULL;
	r->n = r->head = r->cap = 0;
}

static void op_clear(void *p)
{
	struct live_op_entry *e = p;

	free((char *)e->user_id);
	free((char *)e->path);
	free((char *)e->from);
	free((char *)e->before);
	free((char *)e->after);
}

static void note_clear(void *p)
{
	free((char *)((struct live_note *)p)->user_id);
}

static void event_clear(void *p)
{
	struct live_event *e = p;

	free((char *)e->user_id);
	free((char *)e->json);
}

static void user_clear(struct live_user *u)
{
	free((char *)u->user_id);
	free((char *)u->info);
	free((char *)u->presence);
}

/* ---- listeners and the reason ---------------------------------------------------- */

static void notify(struct live_watch *w, unsigned what)
{
	/* A listener may close another view's reference, not this watch:
	 * the references keep it. */
	for (size_t i = 0; i < w->n_ls; i++)
		w->ls[i].fn(w->ls[i].ud, what);
}

static void set_mode(struct live_watch *w, enum live_watch_mode mode, const char *why)
{
	w->mode = mode;
	if (why) {
		snprintf(w->reason, sizeof(w->reason), "%s", why);
		w->reason_serial++;
	}
	/* Heard from the watch's own pass, not from inside the socket's. */
	w->pending |= LIVE_WATCH_STATE;
}

/* ---- the document --------------------------------------------------------------- */

/* The live tree as a document, as a re-read would give it. */
static struct lson_doc *tree_doc(const struct live_tree *t, bool plain_json)
{
	struct lb_error err;

	return live_tree_to_doc(t, plain_json, &err);
}

static void rebuild_doc(struct live_watch *w, long long now)
{
	const struct live_tree *t = w->live ? live_room_tree(w->live) : NULL;
	struct lson_doc *d;

	w->doc_due = -1;
	w->doc_dirty = false;
	if (!t || !(d = tree_doc(t, w->plain_json)))
		return;
	lson_unref(&w->doc);
	w->doc = d;
	w->doc_gen++;
	w->pending |= LIVE_WATCH_DOC;
}

/* The tree changed: a new document now, or when the budget allows. */
static void doc_changed(struct live_watch *w)
{
	if (!w->want_doc)
		return;
	w->doc_dirty = true;
	if (w->doc_due < 0)
		w->doc_due = now_ms() + DOC_BUDGET * w->doc_cost_ms;
}

/* ---- who is who ---------------------------------------------------------------- */

static const char *name_of(const struct live_watch *w, int actor)
{
	for (size_t i = 0; i < w->n_names; i++)
		if (w->names[i].actor == actor)
			return w->names[i].user_id;
	return NULL;
}

static void remember_name(struct live_watch *w, int actor, const char *user_id)
{
	struct actor_name *v;

	if (!user_id || name_of(w, actor))
		return;
	if (!(v = realloc(w->names, (w->n_names + 1) * sizeof(*v))))
		return;
	w->names = v;
	if ((v[w->n_names].user_id = strdup(user_id))) {
		v[w->n_names].actor = actor;
		w->n_names++;
	}
}

/* The index of actor in users, or where it goes. */
static size_t user_slot(const struct live_watch *w, int actor, bool *found)
{
	size_t lo = 0, hi = w->n_users;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->users[mid].actor < actor)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < w->n_users && w->users[lo].actor == actor;
	return lo;
}

static void add_note(struct live_watch *w, int actor, bool joined)
{
	struct live_note *n = ring_push(&w->notes, note_clear);

	if (!n)
		return;
	n->wall_ms = wall_ms();
	n->actor = actor;
	n->user_id = dup_or_null(name_of(w, actor));
	n->joined = joined;
}

static void on_joined(void *ud, int actor, const char *user_id, const char *info, bool already,
                      bool can_write)
{
	struct live_watch *w = ud;
	bool found;
	size_t i = user_slot(w, actor, &found);
	struct live_user u = {.actor = actor,
	                      .user_id = dup_or_null(user_id),
	                      .info = strdup(info),
	                      .presence = strdup("null"),
	                      .joined_ms = already ? 0 : wall_ms(),
	                      .can_write = can_write};

	remember_name(w, actor, user_id);
	if (!u.info || !u.presence || (user_id && !u.user_id)) {
		user_clear(&u);
		return;
	}
	if (found) {
		/* The room's state again after a reconnection: the presence stays. */
		free((char *)u.presence);
		u.presence = w->users[i].presence;
		u.updated_ms = w->users[i].updated_ms;
		w->users[i].presence = NULL;
		user_clear(&w->users[i]);
		w->users[i] = u;
	} else {
		struct live_user *v = realloc(w->users, (w->n_users + 1) * sizeof(*v));

		if (!v) {
			user_clear(&u);
			return;
		}
		w->users = v;
		memmove(v + i + 1, v + i, (w->n_users - i) * sizeof(*v));
		v[i] = u;
		w->n_users++;
		if (!already)
			add_note(w, actor, true);
	}
	w->pending |= LIVE_WATCH_USERS;
}

static void on_left(void *ud, int actor)
{
	struct live_watch *w = ud;
	bool found;
	size_t i = user_slot(w, actor, &found);

	if (!found)
		return;
	user_clear(&w->users[i]);
	memmove(w->users + i, w->users + i + 1, (w->n_users - i - 1) * sizeof(*w->users));
	w->n_users--;
	add_note(w, actor, false);
	w->pending |= LIVE_WATCH_USERS;
}

/* A part of a presence laid over the whole one: its keys replace. */
static char *presence_merge(const char *whole, const char *part)
{
	cJSON *a = cJSON_Parse(whole), *b = cJSON_Parse(part), *it;
	char *out = NULL;

	if (!cJSON_IsObject(a)) {
		cJSON_Delete(a);
		a = cJSON_CreateObject();
	}
	if (a && cJSON_IsObject(b)) {
		cJSON_ArrayForEach(it, b)
		{
			cJSON *copy = cJSON_Duplicate(it, true);

			if (!copy || !cJSON_ReplaceItemInObjectCaseSensitive(a, it->string, copy)) {
				if (copy && !cJSON_AddItemToObject(a, it->string, copy))
					cJSON_Delete(copy);
			}
		}
		out = cJSON_PrintUnformatted(a);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	if (!out)
		return NULL;
	/* cJSON_free and free are the same allocator here; keep it one. */
	char *copy = strdup(out);
	cJSON_free(out);
	return copy;
}

static void on_presence(void *ud, int actor, const char *json, bool full)
{
	struct live_watch *w = ud;
	bool found;
	size_t i = user_slot(w, actor, &found);
	char *p;

	if (!found)
		return;
	p = full ? strdup(json) : presence_merge(w->users[i].presence, json);
	if (!p)
		return;
	free((char *)w->users[i].presence);
	w->users[i].presence = p;
	w->users[i].updated_ms = wall_ms();
	w->pending |= LIVE_WATCH_USERS;
}

static void on_event(void *ud, int actor, const char *json)
{
	struct live_watch *w = ud;
	struct live_event *e = ring_push(&w->events, event_clear);

	if (!e)
		return;
	e->wall_ms = wall_ms();
	e->actor = actor;
	e->user_id = actor >= 0 ? dup_or_null(name_of(w, actor)) : NULL;
	e->json = strdup(json);
	w->pending |= LIVE_WATCH_EVENTS;
}

/* ---- ops ---------------------------------------------------------------------- */

/* Move the sparkline's window to now's second. */
static void spark_advance(unsigned spark[LIVE_WATCH_SPARK], long long *at_sec, long long now)
{
	long long sec = now / 1000, shift = sec - *at_sec;

	if (shift <= 0)
		return;
	if (shift >= LIVE_WATCH_SPARK) {
		memset(spark, 0, LIVE_WATCH_SPARK * sizeof(*spark));
	} else {
		memmove(spark, spark + shift, (size_t)(LIVE_WATCH_SPARK - shift) * sizeof(*spark));
		memset(spark + LIVE_WATCH_SPARK - shift, 0, (size_t)shift * sizeof(*spark));
	}
	*at_sec = sec;
}

static const char *kind_of(const struct live_change *c)
{
	if (c->from)
		return "move";
	if (!c->before)
		return c->op == LIVE_OP_UPDATE_OBJECT ? "set" : "insert";
	if (!c->after)
		return "delete";
	return "set";
}

/* The one connected user who may write, -1 when none or several. */
static int only_writer(const struct live_watch *w)
{
	int actor = -1;

	for (size_t i = 0; i < w->n_users; i++)
		if (w->users[i].can_write) {
			if (actor >= 0)
				return -1;
			actor = w->users[i].actor;
		}
	return actor;
}

static void on_change(void *ud, const struct live_change *c, bool first, long long at_ms)
{
	struct live_watch *w = ud;
	struct live_op_entry *e;

	/* A message of more ops than the log holds: its listeners hear of the
	 * oldest before they go (from inside the socket's pass, only then). */
	if (w->ops.n == w->ops.max &&
	    ((struct live_op_entry *)ring_at(&w->ops, 0))->serial > w->ops_heard) {
		w->ops_heard = w->op_serial;
		notify(w, LIVE_WATCH_OPS);
	}
	e = ring_push(&w->ops, op_clear);
	if (first)
		w->msg_serial++;
	w->op_serial++;
	spark_advance(w->spark, &w->spark_sec, at_ms);
	w->spark[LIVE_WATCH_SPARK - 1]++;
	doc_changed(w);
	w->pending |= LIVE_WATCH_OPS;
	if (!e)
		return;
	e->serial = w->op_serial;
	e->message = w->msg_serial;
	e->first = first;
	e->at_ms = at_ms;
	e->wall_ms = wall_ms();
	e->actor = c->actor;
	if (e->actor < 0) {
		int writer = only_writer(w);

		e->guessed = writer >= 0;
		e->actor = writer;
	}
	e->user_id = e->actor >= 0 ? dup_or_null(name_of(w, e->actor)) : NULL;
	e->kind = kind_of(c);
	e->path = dup_or_null(c->path);
	e->from = dup_or_null(c->from);
	e->before = dup_or_null(c->before);
	e->after = dup_or_null(c->after);
}

static void on_loaded(void *ud, const struct live_tree *t)
{
	struct live_watch *w = ud;

	(void)t;
	if (w->want_doc)
		rebuild_doc(w, now_ms());
}

/* ---- the socket's states and the token ------------------------------------------- */

static void ask_token(struct live_watch *w);

static void on_state(void *ud, enum live_state s, const char *why)
{
	struct live_watch *w = ud;
	char line[300];

	switch (s) {
	case LIVE_CONNECTING:
	case LIVE_LOADING:
		if (w->mode != LIVE_WATCH_RETRYING)
			set_mode(w, LIVE_WATCH_STARTING, NULL);
		break;
	case LIVE_LIVE:
		w->token_unproven = false;
		set_mode(w, LIVE_WATCH_PUSH, NULL);
		break;
	case LIVE_RETRYING:
		snprintf(line, sizeof(line), "%s: connecting again", why ? why : "the socket closed");
		set_mode(w, LIVE_WATCH_RETRYING, line);
		break;
	case LIVE_TOKEN:
		if (w->token_unproven) {
			/* A new token that never opened the room: no point asking again. */
			snprintf(line, sizeof(line), "no push (%s, with a new token): polling instead",
			         why ? why : "the server wants another token");
			set_mode(w, LIVE_WATCH_POLLING, line);
			break;
		}
		/* Not from the room's callback: the timer asks. */
		w->token_due = true;
		set_mode(w, LIVE_WATCH_RETRYING, "the token expired: asking for a new one");
		break;
	case LIVE_FAILED:
		snprintf(line, sizeof(line), "no push (%s): polling instead",
		         why ? why : "the server refused the socket");
		set_mode(w, LIVE_WATCH_POLLING, line);
		break;
	}
}

static void token_done(struct api_storage_result *res, void *ud)
{
	struct live_watch *w = ud;
	static const struct live_room_events ev = {on_state,    on_loaded, on_change, on_joined,
	                                           on_left,     on_presence, on_event};
	cJSON *body = NULL;
	const char *tok = NULL;
	char line[300], msg[256];
	struct lb_error err;

	w->token_pending = false;
	w->token_req = 0;
	if (res->err.status == LB_CANCELLED)
		return;
	if (res->err.status == LB_OK) {
		body = cJSON_ParseWithLength(res->body, res->body_len);
		tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
	}
	if (!tok) {
		if (res->err.status == LB_OK)
			snprintf(msg, sizeof(msg), "%s", "the answer holds no token");
		else
			lb_error_format(&res->err, msg, sizeof(msg));
		snprintf(line, sizeof(line), "no push (could not get a token: %.200s): polling instead",
		         msg);
		cJSON_Delete(body);
		live_room_free(&w->live);
		set_mode(w, LIVE_WATCH_POLLING, line);
		return;
	}
	lb_error_clear(&err);
	w->token_unproven = true;
	if (w->live ? !live_room_set_token(w->live, tok, &err)
	            : !(w->live = live_room_open(model_options_of(w->m)->http,
	                                         model_api(w->m)->base_url, w->room, tok, &ev, w,
	                                         &err))) {
		snprintf(line, sizeof(line), "no push (%.200s): polling instead", err.message);
		set_mode(w, LIVE_WATCH_POLLING, line);
	}
	/* The token is in the socket's URL only. */
	memset((char *)tok, 0, strlen(tok));
	cJSON_Delete(body);
}

/* The room exists (a socket to a room that does not would create it):
 * then the token. */
static void room_done(struct api_storage_result *res, void *ud)
{
	struct live_watch *w = ud;
	char msg[256], line[300];

	w->room_req = 0;
	if (res->err.status == LB_CANCELLED)
		return;
	if (res->err.status == LB_OK) {
		ask_token(w);
		return;
	}
	if (res->status == 404)
		snprintf(line, sizeof(line), "%s", "no push (the room does not exist): polling instead");
	else {
		lb_error_format(&res->err, msg, sizeof(msg));
		snprintf(line, sizeof(line), "no push (could not read the room: %.200s): polling instead",
		         msg);
	}
	set_mode(w, LIVE_WATCH_POLLING, line);
}

static void check_room(struct live_watch *w)
{
	w->room_req = api_send(model_api(w->m), EP_ROOM_GET,
	                       &(struct api_send_args){.params = {w->room}}, room_done, w);
}

/* POST /v2/authorize-user for watch_user, reading this room only. */
static void ask_token(struct live_watch *w)
{
	const char *user = model_options_of(w->m)->watch_user;
	cJSON *body = cJSON_CreateObject(), *perms = cJSON_CreateObject(), *list;
	char *text = NULL;

	if (body && perms && cJSON_AddStringToObject(body, "userId", user ? user : CONFIG_WATCH_USER) &&
	    (list = cJSON_AddArrayToObject(perms, w->room)) &&
	    cJSON_AddItemToArray(list, cJSON_CreateString("room:read")) &&
	    cJSON_AddItemToObject(body, "permissions", perms)) {
		perms = NULL;
		text = cJSON_PrintUnformatted(body);
	}
	cJSON_Delete(perms);
	cJSON_Delete(body);
	if (!text) {
		set_mode(w, LIVE_WATCH_POLLING, "no push (out of memory): polling instead");
		return;
	}
	w->token_pending = true;
	w->token_req = api_send(model_api(w->m), EP_AUTHORIZE_USER,
	                        &(struct api_send_args){.body = text,
	                                                .body_len = strlen(text),
	                                                .ct = API_CT_JSON},
	                        token_done, w);
	cJSON_free(text);
}

/* ---- checking against a re-read --------------------------------------------------- */

static void verify_done(struct api_storage_result *res, void *ud)
{
	struct live_watch *w = ud;
	const struct live_tree *t = w->live ? live_room_tree(w->live) : NULL;
	cJSON *got, *mine;
	char msg[256];

	w->verify_req = 0;
	if (res->err.status == LB_CANCELLED || !t)
		return;
	if (res->err.status != LB_OK) {
		lb_error_format(&res->err, msg, sizeof(msg));
		snprintf(w->reason, sizeof(w->reason), "could not re-read Storage: %s", msg);
		w->reason_serial++;
		w->pending |= LIVE_WATCH_STATE;
		return;
	}
	got = cJSON_ParseWithLength(res->body, res->body_len);
	mine = live_tree_to_json(t, w->plain_json);
	w->checks++;
	if (got && mine && cJSON_Compare(got, mine, true)) {
		snprintf(w->reason, sizeof(w->reason),
		         "check %u: the live tree is what a re-read of Storage gives", w->checks);
	} else {
		snprintf(w->reason, sizeof(w->reason),
		         "check %u: the live tree and a re-read of Storage disagree: fetching Storage "
		         "again",
		         w->checks);
		w->refetch_due = true;
	}
	w->reason_serial++;
	cJSON_Delete(got);
	cJSON_Delete(mine);
	w->pending |= LIVE_WATCH_STATE;
}

void live_watch_refetch(struct live_watch *w)
{
	if (w->mode == LIVE_WATCH_PUSH)
		w->refetch_due = true;
}

void live_watch_verify(struct live_watch *w)
{
	if (w->mode != LIVE_WATCH_PUSH || w->verify_req)
		return;
	w->verify_req = api_send(model_api(w->m), EP_STORAGE_GET,
	                         &(struct api_send_args){.params = {w->room},
	                                                 .query = w->plain_json ? "format=json"
	                                                                        : NULL},
	                         verify_done, w);
}

/* ---- the watch's own pass on the loop --------------------------------------------- */

static int timer_timeout(void *ud)
{
	struct live_watch *w = ud;
	long long now;

	if (w->pending || w->token_due || w->refetch_due)
		return 0;
	if (w->doc_due < 0)
		return -1;
	now = now_ms();
	return w->doc_due <= now ? 0 : (int)(w->doc_due - now);
}

static void timer_process(void *ud, const struct pollfd *fds, int nfds)
{
	struct live_watch *w = ud;
	long long now = now_ms();
	unsigned what;
	struct lb_error err;

	(void)fds;
	(void)nfds;
	if (w->token_due) {
		w->token_due = false;
		ask_token(w);
	}
	if (w->refetch_due) {
		w->refetch_due = false;
		if (w->live && !live_room_refetch(w->live, &err)) {
			snprintf(w->reason, sizeof(w->reason), "could not fetch Storage again: %.200s",
			         err.message);
			w->reason_serial++;
			w->pending |= LIVE_WATCH_STATE;
		}
	}
	if (w->mode == LIVE_WATCH_POLLING && w->live)
		live_room_free(&w->live);
	bool rebuilt = w->doc_dirty && w->doc_due >= 0 && now >= w->doc_due;
	if (rebuilt)
		rebuild_doc(w, now);
	what = w->pending;
	w->pending = 0;
	if (what & LIVE_WATCH_OPS)
		w->ops_heard = w->op_serial;
	if (what)
		notify(w, what);
	/* The budget counts what a new document costs its viewers too (the
	 * tree compares it with the one it showed). */
	if (rebuilt)
		w->doc_cost_ms = now_ms() - now;
}

/* ---- the interface ---------------------------------------------------------------- */

static void watch_free(struct live_watch *w)
{
	struct http *h = model_options_of(w->m)->http;

	if (h)
		http_remove_source(h, &w->timer);
	if (w->token_req)
		api_cancel(model_api(w->m), w->token_req);
	if (w->room_req)
		api_cancel(model_api(w->m), w->room_req);
	if (w->verify_req)
		api_cancel(model_api(w->m), w->verify_req);
	live_room_free(&w->live);
	lson_unref(&w->doc);
	ring_free(&w->ops, op_clear);
	ring_free(&w->notes, note_clear);
	ring_free(&w->events, event_clear);
	for (size_t i = 0; i < w->n_users; i++)
		user_clear(&w->users[i]);
	free(w->users);
	for (size_t i = 0; i < w->n_names; i++)
		free(w->names[i].user_id);
	free(w->names);
	free(w->seen);
	free(w->ls);
	free(w->room);
	free(w);
}

struct live_watch *live_watch_open(struct model *m, const char *room, bool plain_json,
                                   bool want_doc, bool poll, struct lb_error *err)
{
	const struct model_options *o = model_options_of(m);
	struct live_watch *w;

	for (w = registry; w; w = w->next)
		if (w->m == m && w->plain_json == plain_json && !strcmp(w->room, room) &&
		    w->forced_poll == poll) {
			w->refs++;
			if (want_doc && !w->want_doc) {
				w->want_doc = true;
				ring_raise(&w->ops, LIVE_WATCH_LOG_MAX);
				if (w->live && live_room_tree(w->live))
					rebuild_doc(w, now_ms());
			}
			return w;
		}
	if (!(w = calloc(1, sizeof(*w))) || !(w->room = strdup(room))) {
		free(w);
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		return NULL;
	}
	w->m = m;
	w->refs = 1;
	w->plain_json = plain_json;
	w->want_doc = want_doc;
	w->forced_poll = poll;
	w->doc_due = -1;
	w->ops.size = sizeof(struct live_op_entry);
	w->ops.max = want_doc ? LIVE_WATCH_LOG_MAX : PRINT_LOG_MAX;
	w->notes.size = sizeof(struct live_note);
	w->notes.max = LIVE_WATCH_LOG_MAX;
	w->events.size = sizeof(struct live_event);
	w->events.max = LIVE_WATCH_LOG_MAX;
	w->spark_sec = now_ms() / 1000;
	w->timer = (struct http_source){.pollfds = http_no_fds,
	                                .timeout_ms = timer_timeout,
	                                .process = timer_process,
	                                .ud = w};
	w->next = registry;
	registry = w;
	if (poll || o->watch_poll || !o->http) {
		w->mode = LIVE_WATCH_POLLING;
		snprintf(w->reason, sizeof(w->reason), "%s",
		         poll            ? "polling (--poll)"
		         : o->watch_poll ? "polling (watch = poll in the config)"
		                         : "polling (no socket here)");
		w->reason_serial++;
		return w;
	}
	http_add_source(o->http, &w->timer);
	w->mode = LIVE_WATCH_STARTING;
	check_room(w);
	return w;
}

void live_watch_close(struct live_watch **wp)
{
	struct live_watch *w = *wp, **p;

	*wp = NULL;
	if (!w || --w->refs > 0)
		return;
	for (p = &registry; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	watch_free(w);
}

bool live_watch_listen(struct live_watch *w, live_watch_fn fn, void *ud)
{
	struct listener *v = realloc(w->ls, (w->n_ls + 1) * sizeof(*v));

	if (!v)
		return false;
	w->ls = v;
	v[w->n_ls++] = (struct listener){fn, ud};
	return true;
}

void live_watch_unlisten(struct live_watch *w, live_watch_fn fn, void *ud)
{
	for (size_t i = 0; i < w->n_ls; i++)
		if (w->ls[i].fn == fn && w->ls[i].ud == ud) {
			memmove(w->ls + i, w->ls + i + 1, (w->n_ls - i - 1) * sizeof(*w->ls));
			w->n_ls--;
			return;
		}
}

enum live_watch_mode live_watch_mode(const struct live_watch *w)
{
	return w->mode;
}

const char *live_watch_mode_name(enum live_watch_mode mode)
{
	switch (mode) {
	case LIVE_WATCH_STARTING:
		return "connecting";
	case LIVE_WATCH_PUSH:
		return "live (push)";
	case LIVE_WATCH_RETRYING:
		return "reconnecting";
	case LIVE_WATCH_POLLING:
		break;
	}
	return "polling";
}

bool live_watch_take_reason(struct live_watch *w, const void *ud, char *out, size_t n)
{
	size_t i;

	if (!w->reason_serial)
		return false;
	for (i = 0; i < w->n_seen; i++)
		if (w->seen[i].ud == ud)
			break;
	if (i == w->n_seen) {
		struct reason_seen *v = realloc(w->seen, (w->n_seen + 1) * sizeof(*v));

		if (!v)
			return false;
		w->seen = v;
		v[w->n_seen++] = (struct reason_seen){ud, 0};
	}
	if (w->seen[i].serial == w->reason_serial)
		return false;
	w->seen[i].serial = w->reason_serial;
	snprintf(out, n, "%s", w->reason);
	return true;
}

struct lson_doc *live_watch_doc(struct live_watch *w, unsigned *generation)
{
	if (generation)
		*generation = w->doc_gen;
	return w->doc ? lson_ref(w->doc) : NULL;
}

size_t live_watch_op_count(const struct live_watch *w)
{
	return w->ops.n;
}

const struct live_op_entry *live_watch_op(const struct live_watch *w, size_t i)
{
	return i < w->ops.n ? ring_at(&w->ops, i) : NULL;
}

void live_op_who(const struct live_op_entry *e, char *out, size_t n)
{
	if (e->actor < 0)
		snprintf(out, n, "%s", "(who: not told; the REST API or one of several writers)");
	else
		snprintf(out, n, "%.200s (connection %d)%s", e->user_id ? e->user_id : "anonymous",
		         e->actor, e->guessed ? " — guessed: the only writer" : "");
}

size_t live_watch_user_count(const struct live_watch *w)
{
	return w->n_users;
}

const struct live_user *live_watch_user(const struct live_watch *w, size_t i)
{
	return i < w->n_users ? &w->users[i] : NULL;
}

size_t live_watch_note_count(const struct live_watch *w)
{
	return w->notes.n;
}

const struct live_note *live_watch_note(const struct live_watch *w, size_t i)
{
	return i < w->notes.n ? ring_at(&w->notes, i) : NULL;
}

size_t live_watch_event_count(const struct live_watch *w)
{
	return w->events.n;
}

const struct live_event *live_watch_event(const struct live_watch *w, size_t i)
{
	return i < w->events.n ? ring_at(&w->events, i) : NULL;
}

void live_watch_get_stats(const struct live_watch *w, long long now, struct live_watch_stats *out)
{
	struct live_room_stats rs;
	long long sec = w->spark_sec;
	unsigned sum = 0;

	memset(out, 0, sizeof(*out));
	if (w->live) {
		live_room_get_stats(w->live, &rs);
		out->messages = rs.messages;
		out->ignored = rs.ignored;
		out->unknown = rs.unknown;
		out->reconnects = rs.reconnects;
		out->bytes_in = rs.bytes_in;
	}
	out->ops = w->op_serial;
	memcpy(out->spark, w->spark, sizeof(out->spark));
	spark_advance(out->spark, &sec, now);
	/* The last 10 whole seconds, the current one not yet whole. */
	for (int i = LIVE_WATCH_SPARK - 11; i < LIVE_WATCH_SPARK - 1; i++)
		sum += out->spark[i];
	out->rate = sum / 10.0;
}

void live_watch_rate_text(const struct live_watch_stats *s, char *out, size_t n)
{
	snprintf(out, n, s->rate > 0 && s->rate < 10 ? "%.1f ops/s" : "%.0f ops/s", s->rate);
}

void live_watch_sparkline(const struct live_watch_stats *s, int cols, char *out, size_t n)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	unsigned sums[LIVE_WATCH_SPARK] = {0}, max = 0;
	int per, first;
	size_t len = 0;

	if (n)
		out[0] = '\0';
	if (cols <= 0)
		return;
	if (cols > LIVE_WATCH_SPARK)
		cols = LIVE_WATCH_SPARK;
	/* The minute in cols columns of per seconds each, the newest last. */
	per = (LIVE_WATCH_SPARK + cols - 1) / cols;
	first = LIVE_WATCH_SPARK - per * cols;
	for (int c = 0; c < cols; c++) {
		for (int i = first + c * per; i < first + (c + 1) * per; i++)
			if (i >= 0)
				sums[c] += s->spark[i];
		if (sums[c] > max)
			max = sums[c];
	}
	for (int c = 0; c < cols; c++) {
		const char *b = max && sums[c] ? bars[1 + sums[c] * 6 / max] : bars[0];

		if (len + strlen(b) + 1 > n)
			break;
		memcpy(out + len, b, strlen(b) + 1);
		len += strlen(b);
	}
}
