#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "http.h"
#include "live_print.h"
#include "live_watch.h"
#include "model_storage.h"
#include "util.h"

/* `users ROOM --watch` and `events ROOM` on the command line: what the
 * room's socket brings, a line each, until a signal stops them. */

#define POLL_MS 1000

/* ---- lines ------------------------------------------------------------------ */

/* A JSON value as itself; text that is not JSON as a string. */
cJSON *live_print_value(const char *json)
{
	cJSON *v = json ? cJSON_Parse(json) : NULL;

	return v ? v : json ? cJSON_CreateString(json) : cJSON_CreateNull();
}

void live_print_line(struct cmd_ctx *c, cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	if (text)
		cmd_print_json(c, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(o);
}

void live_poll_start(struct live_poll *p, struct model *m)
{
	struct http *h = model_options_of(m)->http;

	if (p->on)
		return;
	p->on = true;
	p->timer.due_ms = 0;
	/* The loop wakes for each re-read; the step after its pass reads. */
	if (h)
		http_timer_add(h, &p->timer);
}

struct resource *live_poll_step(struct live_poll *p, struct model *m,
                                struct resource *(*take)(void *ud), void *ud, bool *fresh)
{
	long long now = now_ms();
	struct resource *r;

	*fresh = false;
	if (!p->on)
		return NULL;
	if (!p->res) {
		if (!(p->res = take(ud)))
			return NULL;
		p->timer.due_ms = now + POLL_MS;
	}
	r = p->res;
	if ((r->has_data || r->state == RES_ERROR) && r->generation != p->seen_gen) {
		p->seen_gen = r->generation;
		*fresh = true;
	}
	if (now >= p->timer.due_ms) {
		p->timer.due_ms = now + POLL_MS;
		model_refresh(m, r);
	}
	return r;
}

void live_poll_clear(struct live_poll *p, struct model *m)
{
	http_timer_remove(&p->timer);
	model_release(m, &p->res);
	p->on = false;
}

void live_print_reason(struct cmd_ctx *c, struct live_watch *w, const void *ud)
{
	char why[320];

	if (live_watch_take_reason(w, ud, why, sizeof(why)))
		cmd_note(c, why);
}

/* One connection's line: what happened ("here", "joined", "left",
 * "presence"), who, and what is known of them (NULL: left out). */
struct user_line {
	const char *what;
	long long wall_ms;
	int actor;
	const char *user_id;
	const char *info;
	const char *presence;
};

static void print_user_line(struct cmd_ctx *c, const struct user_line *l)
{
	char at[40];

	if (c->host.json) {
		cJSON *o = cJSON_CreateObject();

		format_iso_ms(l->wall_ms, at, sizeof(at));
		cJSON_AddStringToObject(o, "time", at);
		cJSON_AddStringToObject(o, "type", l->what);
		cJSON_AddNumberToObject(o, "connectionId", l->actor);
		if (l->user_id)
			cJSON_AddStringToObject(o, "id", l->user_id);
		else
			cJSON_AddNullToObject(o, "id");
		if (l->info)
			cJSON_AddItemToObject(o, "info", live_print_value(l->info));
		if (l->presence)
			cJSON_AddItemToObject(o, "presence", live_print_value(l->presence));
		live_print_line(c, o);
		return;
	}
	format_clock_ms(l->wall_ms, at, sizeof(at));
	cmd_sayf(c, "%s  %-8s %s (connection %d)%s%s%s%s", at, l->what,
	         l->user_id ? l->user_id : "(anonymous)", l->actor, l->info ? "  info " : "",
	         l->info ? l->info : "", l->presence ? "  presence " : "",
	         l->presence ? l->presence : "");
}

/* ---- users ROOM --watch ------------------------------------------------------ */

/* A connection seen over the socket: its last presence printed. */
struct seen {
	int actor;
	long long updated_ms;
};

/* A connection of the last re-read (polling). */
struct polled {
	int actor;
	char *user_id;
};

struct users_printer {
	struct cmd_ctx *c;
	struct live_watch *live;
	bool started; /* the connections there at the start were printed */
	/* The last join or leave printed (a copy of its fields). */
	bool any_note;
	struct live_note last;
	struct seen *seen;
	size_t n_seen;
	/* Polling: the list re-read, and the connections of the last read. */
	struct live_poll poll;
	bool read_once;
	char *room;
	struct polled *polled;
	size_t n_polled;
};

static bool same_note(const struct live_note *a, const struct live_note *b)
{
	return a->wall_ms == b->wall_ms && a->actor == b->actor && a->joined == b->joined;
}

/* The presence printed for actor, added when new; NULL when out of memory. */
static struct seen *seen_of(struct users_printer *p, int actor)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (p->seen[i].actor == actor)
			return &p->seen[i];
	struct seen *v = realloc(p->seen, (p->n_seen + 1) * sizeof(*v));
	if (!v)
		return NULL;
	p->seen = v;
	p->seen[p->n_seen] = (struct seen){actor, 0};
	return &p->seen[p->n_seen++];
}

static const struct live_user *live_user_of(struct users_printer *p, int actor)
{
	for (size_t i = 0; i < live_watch_user_count(p->live); i++)
		if (live_watch_user(p->live, i)->actor == actor)
			return live_watch_user(p->live, i);
	return NULL;
}

/* Who was there when the socket brought the room; the joins and leaves
 * seen before are not printed again. */
static void print_start(struct users_printer *p)
{
	size_t n = live_watch_note_count(p->live);

	p->started = true;
	if (n) {
		p->last = *live_watch_note(p->live, n - 1);
		p->any_note = true;
	}
	for (size_t i = 0; i < live_watch_user_count(p->live); i++) {
		const struct live_user *u = live_watch_user(p->live, i);
		struct seen *s = seen_of(p, u->actor);

		if (s)
			s->updated_ms = u->updated_ms;
		print_user_line(p->c, &(struct user_line){"here", wall_ms(), u->actor, u->user_id,
		                                          u->info, u->presence});
	}
	if (!live_watch_user_count(p->live))
		cmd_note(p->c, "(nobody is connected yet)");
}

/* The joins and leaves after the last one printed, oldest first. */
static void print_notes(struct users_printer *p)
{
	size_t n = live_watch_note_count(p->live), from = 0;

	for (size_t i = n; p->any_note && i-- > 0;)
		if (same_note(live_watch_note(p->live, i), &p->last)) {
			from = i + 1;
			break;
		}
	for (size_t i = from; i < n; i++) {
		const struct live_note *nt = live_watch_note(p->live, i);
		const struct live_user *u = nt->joined ? live_user_of(p, nt->actor) : NULL;

		print_user_line(p->c, &(struct user_line){nt->joined ? "joined" : "left",
		                                          nt->wall_ms, nt->actor, nt->user_id,
		                                          u ? u->info : NULL, NULL});
		p->last = *nt;
		p->any_note = true;
	}
}

static void print_presences(struct users_printer *p)
{
	for (size_t i = 0; i < live_watch_user_count(p->live); i++) {
		const struct live_user *u = live_watch_user(p->live, i);
		struct seen *s = seen_of(p, u->actor);

		if (!s || u->updated_ms <= s->updated_ms)
			continue;
		s->updated_ms = u->updated_ms;
		print_user_line(p->c, &(struct user_line){"presence", u->updated_ms, u->actor,
		                                          u->user_id, NULL, u->presence});
	}
}

static void on_users(void *ud, unsigned what)
{
	struct users_printer *p = ud;

	if (what & LIVE_WATCH_STATE)
		live_print_reason(p->c, p->live, p);
	switch (live_watch_mode(p->live)) {
	case LIVE_WATCH_POLLING:
		live_poll_start(&p->poll, p->c->model);
		return;
	case LIVE_WATCH_PUSH:
		if (!p->started)
			print_start(p);
		break;
	default:
		break;
	}
	if (p->started && (what & LIVE_WATCH_USERS)) {
		print_notes(p);
		print_presences(p);
	}
}

static bool polled_has(const struct polled *v, size_t n, int actor)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].actor == actor)
			return true;
	return false;
}

static void polled_free(struct polled *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].user_id);
	free(v);
}

/* Polling: who came and went between the last two re-reads (everyone
 * there, the first time). */
static void print_reread(struct users_printer *p, const struct resource *r)
{
	size_t n = model_count(r);
	struct polled *now = calloc(n + 1, sizeof(*now));
	long long wall = wall_ms();

	if (!now) {
		cmd_note(p->c, "out of memory: a re-read of the connected users is not shown");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct active_user *u = model_user_at(r, i);

		now[i].actor = u->connection_id;
		now[i].user_id = xstrdup(u->id);
		if (!p->read_once || !polled_has(p->polled, p->n_polled, u->connection_id))
			print_user_line(
			    p->c, &(struct user_line){p->read_once ? "joined" : "here", wall,
			                              u->connection_id, u->id,
			                              u->info_json ? u->info_json : "{}", NULL});
	}
	for (size_t i = 0; p->read_once && i < p->n_polled; i++)
		if (!polled_has(now, n, p->polled[i].actor))
			print_user_line(p->c,
			                &(struct user_line){"left", wall, p->polled[i].actor,
			                                    p->polled[i].user_id, NULL, NULL});
	if (!p->read_once && n == 0)
		cmd_note(p->c, "(nobody is connected yet)");
	polled_free(p->polled, p->n_polled);
	p->polled = now;
	p->n_polled = n;
	p->read_once = true;
}

static struct resource *take_users(void *ud)
{
	struct users_printer *p = ud;

	return model_active_users(p->c->model, p->room);
}

static bool users_step(struct cmd_ctx *c, struct resource *unused, void *ud)
{
	struct users_printer *p = ud;
	bool fresh;
	struct resource *r = live_poll_step(&p->poll, c->model, take_users, p, &fresh);
	char msg[600];

	(void)unused;
	if (!r || !fresh)
		return false;
	if (r->state == RES_ERROR) {
		lb_error_format(&r->err, msg, sizeof(msg));
		cmd_notef(c, "could not re-read the connected users: %s", msg);
	} else {
		print_reread(p, r);
	}
	return false;
}

static void users_printer_free(void *ud)
{
	struct users_printer *p = ud;

	live_poll_clear(&p->poll, p->c->model);
	if (p->live) {
		live_watch_unlisten(p->live, on_users, p);
		live_watch_close(&p->live);
	}
	polled_free(p->polled, p->n_polled);
	free(p->seen);
	free(p->room);
	free(p);
}

void users_watch_print(struct cmd_ctx *c, const char *room, bool poll)
{
	struct users_printer *p = calloc(1, sizeof(*p));
	struct lb_error err;

	if (!p || !(p->room = strdup(room))) {
		free(p);
		cmd_finish_nomem(c);
		return;
	}
	p->c = c;
	if (!(p->live = live_watch_open(c->model, room, false, false, poll, &err)) ||
	    !live_watch_listen(p->live, on_users, p)) {
		if (p->live)
			live_watch_close(&p->live);
		free(p->room);
		free(p);
		cmd_finish_nomem(c);
		return;
	}
	cmd_notef(c, "watching who is connected to %s %s (Ctrl-C stops)", room,
	          live_watch_mode(p->live) == LIVE_WATCH_POLLING ? "by polling every 1 s"
	                                                         : "through the room's socket");
	on_users(p, LIVE_WATCH_STATE);
	cmd_wait_free(c, NULL, users_step, p, users_printer_free);
}

/* ---- events ROOM ----------------------------------------------------------- */

struct events_printer {
	struct cmd_ctx *c;
	struct live_watch *live;
	size_t printed; /* events printed */
	bool failed;    /* push is not available: the reason is in why */
	char why[320];
};

static void print_event(struct cmd_ctx *c, const struct live_event *e)
{
	char at[40];

	if (c->host.json) {
		cJSON *o = cJSON_CreateObject();

		format_iso_ms(e->wall_ms, at, sizeof(at));
		cJSON_AddStringToObject(o, "time", at);
		cJSON_AddStringToObject(o, "sender", e->actor < 0 ? "rest-api" : "user");
		if (e->actor < 0)
			cJSON_AddNullToObject(o, "connectionId");
		else
			cJSON_AddNumberToObject(o, "connectionId", e->actor);
		if (e->user_id)
			cJSON_AddStringToObject(o, "id", e->user_id);
		else
			cJSON_AddNullToObject(o, "id");
		cJSON_AddItemToObject(o, "event", live_print_value(e->json));
		live_print_line(c, o);
		return;
	}
	format_clock_ms(e->wall_ms, at, sizeof(at));
	if (e->actor < 0)
		cmd_sayf(c, "%s  REST API  %s", at, e->json);
	else
		cmd_sayf(c, "%s  %s (connection %d)  %s", at,
		         e->user_id ? e->user_id : "(anonymous)", e->actor, e->json);
}

static void on_events(void *ud, unsigned what)
{
	struct events_printer *p = ud;
	size_t n = live_watch_event_count(p->live);

	if (live_watch_mode(p->live) == LIVE_WATCH_POLLING && !p->failed) {
		p->failed = true;
		if (!live_watch_take_reason(p->live, p, p->why, sizeof(p->why)))
			snprintf(p->why, sizeof(p->why), "push is not available");
		/* Events are not polled: the command ends instead. */
		char *tail = strstr(p->why, ": polling instead");
		if (tail)
			*tail = '\0';
		return;
	}
	if (!(what & LIVE_WATCH_EVENTS))
		return;
	/* The log keeps the last LIVE_WATCH_LOG_MAX: past it, each new one
	 * pushes the oldest out. */
	if (n == LIVE_WATCH_LOG_MAX && p->printed >= n)
		p->printed = n - 1;
	for (size_t i = p->printed; i < n; i++)
		print_event(p->c, live_watch_event(p->live, i));
	p->printed = n;
}

static bool events_step(struct cmd_ctx *c, struct resource *unused, void *ud)
{
	struct events_printer *p = ud;
	struct lb_error err;

	(void)unused;
	if (!p->failed)
		return false;
	/* The watch read the room first: one that does not exist says so. */
	lb_error_set(&err, LB_NETWORK, "events come only over the room's socket: %s", p->why);
	cmd_finish(c, &err);
	return true;
}

static void events_printer_free(void *ud)
{
	struct events_printer *p = ud;

	if (p->live) {
		live_watch_unlisten(p->live, on_events, p);
		live_watch_close(&p->live);
	}
	free(p);
}

void events_watch_print(struct cmd_ctx *c, const char *room)
{
	struct events_printer *p = calloc(1, sizeof(*p));
	struct lb_error err;

	if (!p) {
		cmd_finish_nomem(c);
		return;
	}
	p->c = c;
	if (!(p->live = live_watch_open(c->model, room, false, false, false, &err)) ||
	    !live_watch_listen(p->live, on_events, p)) {
		if (p->live)
			live_watch_close(&p->live);
		free(p);
		cmd_finish_nomem(c);
		return;
	}
	cmd_notef(c, "watching the broadcast events of %s (Ctrl-C stops)", room);
	on_events(p, LIVE_WATCH_STATE);
	cmd_wait_free(c, NULL, events_step, p, events_printer_free);
}
