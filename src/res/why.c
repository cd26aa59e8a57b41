#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "comment_body.h"
#include "groups.h"
#include "json.h"
#include "notify_impl.h"
#include "query.h"
#include "term_safe.h"
#include "util.h"
#include "why.h"

/* "Why was USER (not) notified about THREAD?": six reads, one after the
 * other, each kept with what was asked and what came back, then a
 * conclusion drawn from the decoded answers alone (why_conclude). */

#define WHY_INBOX_PAGES 20 /* of 50: the newest 1,000 notifications */
#define WHY_GROUP_PAGES 10

/* ------------------------------------------------------------------ */
/* The decision, pure */

void why_trace_clear(struct why_trace *t)
{
	thread_clear(&t->thread_v);
	thread_subscriptions_free(t->subs, t->n_subs);
	room_subscription_clear(&t->room_sub);
	notify_settings_clear(&t->channels);
	strv_free(&t->groups);
	inbox_notes_free(t->notes, t->n_notes);
	t->subs = NULL;
	t->n_subs = 0;
	t->notes = NULL;
	t->n_notes = 0;
}

static bool ok(const struct why_trace *t, enum why_step s)
{
	return t->err[s].status == LB_OK;
}

static bool has(const struct strv *v, const char *s)
{
	for (size_t i = 0; s && i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

bool why_note_about(const struct inbox_note *n, const struct thread *th, const char *thread_id)
{
	if (n->thread_id && thread_id && !strcmp(n->thread_id, thread_id))
		return true;
	for (size_t i = 0; n->mention_id && th && i < th->n_comments; i++)
		if (th->comments[i].id && !strcmp(th->comments[i].id, n->mention_id))
			return true;
	return false;
}

void why_role_clear(struct why_role *r)
{
	strv_free(&r->direct);
	strv_free(&r->by_group);
	strv_free(&r->missed);
	memset(r, 0, sizeof(*r));
}

/* A group mention reaches the user through its userIds when it has them,
 * else through the user's groups. */
static bool group_reaches(const struct why_trace *t, const struct cbody_inline *m)
{
	if (m->has_user_ids)
		return has(&m->user_ids, t->user);
	return ok(t, WHY_GROUPS) && has(&t->groups, m->id);
}

static bool mention_roles(const struct why_trace *t, const struct comment *c, struct why_role *r)
{
	struct cbody *body = NULL;
	struct lb_error err;

	/* A body that does not decode mentions nobody lbtui can see. */
	if (!c->body_json || !cbody_decode(c->body_json, strlen(c->body_json), &body, &err))
		return true;
	for (size_t p = 0; p < body->n; p++) {
		for (size_t i = 0; i < body->content[p].n; i++) {
			const struct cbody_inline *m = &body->content[p].children[i];
			char what[512];
			bool fine = true;

			if (m->type != CBODY_MENTION || !m->id || !*m->id)
				continue;
			if (m->kind != CBODY_KIND_GROUP) {
				if (!strcmp(m->id, t->user) && !has(&r->direct, c->id))
					fine = strv_push(&r->direct, c->id);
			} else if (group_reaches(t, m)) {
				snprintf(what, sizeof(what), "%s in %s", m->id, c->id);
				fine = has(&r->by_group, what) || strv_push(&r->by_group, what);
			} else if (!has(&r->missed, m->id)) {
				fine = strv_push(&r->missed, m->id);
			}
			if (!fine) {
				cbody_free(&body);
				return false;
			}
		}
	}
	cbody_free(&body);
	return true;
}

bool why_role_of(const struct why_trace *t, struct why_role *out)
{
	long long since = -1;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; ok(t, WHY_SUBSCRIPTIONS) && i < t->n_subs; i++)
		if (t->subs[i].user_id && !strcmp(t->subs[i].user_id, t->user)) {
			out->subscribed = true;
			out->subscribed_at = t->subs[i].created_at;
			since = t->subs[i].created_s;
		}
	for (size_t i = 0; ok(t, WHY_THREAD) && i < t->thread_v.n_comments; i++) {
		const struct comment *c = &t->thread_v.comments[i];
		bool mine = c->user_id && !strcmp(c->user_id, t->user);

		if (c->deleted_at)
			continue;
		out->comments++;
		if (mine) {
			out->authored++;
			continue;
		}
		if (since < 0 || c->created_s < 0 || c->created_s >= since)
			out->others_after++;
		if (!mention_roles(t, c, out)) {
			why_role_clear(out);
			return false;
		}
	}
	return true;
}

/* Lines of a conclusion, with a flag that stays down once out of memory. */
struct lines {
	struct strv *v;
	bool ok;
};

static void say(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct lines *l, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (l->ok && !strv_push(l->v, line))
		l->ok = false;
}

/* "404 ROOM_NOT_FOUND: Room ... not found." or the message alone. */
static void error_words(const struct lb_error *e, char *out, size_t n)
{
	if (e->http_status && e->code[0])
		snprintf(out, n, "%ld %s: %s", e->http_status, e->code, e->message);
	else if (e->http_status)
		snprintf(out, n, "%ld: %s", e->http_status, e->message);
	else
		snprintf(out, n, "%s", e->message);
}

static const char *channel_state(const struct notify_settings *s, int ch, const char *kind)
{
	if (!s->enabled[ch])
		return "not enabled in the project";
	return notify_settings_on(s, ch, kind) ? "on" : "off";
}

/* For each kind of the notifications found, where it goes beyond the
 * inbox. */
static void channels_said(const struct why_trace *t, struct lines *l)
{
	struct strv kinds = {0};
	char why[1200];

	for (size_t i = 0; i < t->n_notes; i++)
		if (!has(&kinds, t->notes[i].kind) && !strv_push(&kinds, t->notes[i].kind))
			l->ok = false;
	for (size_t k = 0; k < kinds.n; k++) {
		if (!ok(t, WHY_CHANNELS)) {
			error_words(&t->err[WHY_CHANNELS], why, sizeof(why));
			say(l, "Channels for %s notifications: unknown (%s).", kinds.v[k], why);
			continue;
		}
		say(l, "Channels for %s notifications: email %s, slack %s, teams %s, webPush %s.",
		    kinds.v[k], channel_state(&t->channels, 0, kinds.v[k]),
		    channel_state(&t->channels, 1, kinds.v[k]),
		    channel_state(&t->channels, 2, kinds.v[k]),
		    channel_state(&t->channels, 3, kinds.v[k]));
	}
	strv_free(&kinds);
}

static void notified_said(const struct why_trace *t, struct lines *l)
{
	char list[1500];
	size_t pos = 0;

	list[0] = '\0';
	for (size_t i = 0; i < t->n_notes; i++) {
		const struct inbox_note *n = &t->notes[i];
		char one[400];

		if (n->k == INBOX_MENTION && n->created_by)
			snprintf(one, sizeof(one), "%s%s (%s by %s, %s)", i ? ", " : "", n->id,
			         n->kind, n->created_by, n->unread ? "unread" : "read");
		else
			snprintf(one, sizeof(one), "%s%s (%s, %s)", i ? ", " : "", n->id, n->kind,
			         n->unread ? "unread" : "read");
		str_append(list, sizeof(list), &pos, one);
	}
	say(l, "%s was notified about thread %s: inbox notification%s %s.", t->user, t->thread,
	    t->n_notes > 1 ? "s" : "", list);
	channels_said(t, l);
}

/* The thread could not be read: a missing room or thread, a refused key,
 * or a failure. */
static void thread_failed(const struct why_trace *t, struct lines *l)
{
	const struct lb_error *e = &t->err[WHY_THREAD];
	char why[1200];

	error_words(e, why, sizeof(why));
	if (e->http_status == 404 && !strcmp(e->code, "ROOM_NOT_FOUND"))
		say(l,
		    "%s was not notified about thread %s: there is no room %s in the project (%s).",
		    t->user, t->thread, t->room, why);
	else if (e->http_status == 404)
		say(l,
		    "%s was not notified about thread %s: room %s has no such thread (%s). Check "
		    "the "
		    "IDs: `threads %s` lists the room's threads.",
		    t->user, t->thread, t->room, why, t->room);
	else if (e->http_status == 403)
		say(l,
		    "No conclusion: the secret key may not read thread %s of room %s (%s). Check "
		    "the "
		    "key of the profile.",
		    t->thread, t->room, why);
	else
		say(l, "No conclusion: thread %s of room %s could not be read (%s).", t->thread,
		    t->room, why);
}

/* What made a notification due: "subscribed, mentioned in cm_1". */
static void due_words(const struct why_role *r, bool mention_counts, const char *threads, char *out,
                      size_t n)
{
	char one[600];
	size_t pos = 0;

	out[0] = '\0';
	if (r->subscribed)
		str_append(out, n, &pos, "subscribed");
	if (mention_counts && r->direct.n)
		snprintf(one, sizeof(one), "%smentioned in %s", pos ? ", " : "", r->direct.v[0]);
	else if (mention_counts && r->by_group.n)
		snprintf(one, sizeof(one), "%smentioned as group %s", pos ? ", " : "",
		         r->by_group.v[0]);
	else
		one[0] = '\0';
	str_append(out, n, &pos, one);
	if (!r->subscribed && threads && !strcmp(threads, "all")) {
		snprintf(one, sizeof(one), "%stheir room setting is threads=all", pos ? ", " : "");
		str_append(out, n, &pos, one);
	}
}

/* Why no notification came, from the strongest reason to the weakest. */
static void not_notified_said(const struct why_trace *t, const struct why_role *r, struct lines *l)
{
	const char *threads = ok(t, WHY_ROOM_SETTINGS) ? t->room_sub.threads : NULL;
	const char *mentions = ok(t, WHY_ROOM_SETTINGS) ? t->room_sub.mentions : NULL;
	bool mentioned = r->direct.n || r->by_group.n;
	bool mention_off = mentioned && mentions && !strcmp(mentions, "none");
	bool mention_counts = mentioned && !mention_off;
	bool follows = r->subscribed || (threads && !strcmp(threads, "all"));
	char why[1200];

	if (r->comments && r->authored == r->comments) {
		say(l,
		    "%s was not notified because they wrote every comment of thread %s: nobody is "
		    "notified of their own comments.",
		    t->user, t->thread);
		return;
	}
	if (mention_off)
		say(l,
		    "%s was not notified of the mention because their room subscription setting in "
		    "%s "
		    "is textMentions=none.",
		    t->user, t->room);
	if (threads && !strcmp(threads, "none")) {
		say(l,
		    "%s was not notified because their room subscription setting in %s is "
		    "threads=none.",
		    t->user, t->room);
		return;
	}
	if (!mention_counts && !follows) {
		if (mention_off)
			return;
		say(l,
		    "%s was not notified because they are not subscribed to thread %s and not "
		    "mentioned in it%s%s.",
		    t->user, t->thread, threads ? "; their room setting is threads=" : "",
		    threads ? threads : "");
		if (r->missed.n)
			say(l, "The thread mentions group%s %s, which do%s not reach %s.",
			    r->missed.n > 1 ? "s" : "", r->missed.v[0], r->missed.n > 1 ? "" : "es",
			    t->user);
		if (!ok(t, WHY_ROOM_SETTINGS)) {
			error_words(&t->err[WHY_ROOM_SETTINGS], why, sizeof(why));
			say(l, "Their room subscription settings are unknown (%s).", why);
		}
		return;
	}
	if (!mention_counts && r->others_after == 0) {
		if (r->subscribed)
			say(l,
			    "%s was not notified because nobody else has commented on thread %s "
			    "since "
			    "they subscribed (%s).",
			    t->user, t->thread,
			    r->subscribed_at ? r->subscribed_at : "date unknown");
		else
			say(l,
			    "%s was not notified because nobody else has commented on thread %s.",
			    t->user, t->thread);
		return;
	}
	due_words(r, mention_counts, threads, why, sizeof(why));
	say(l,
	    "%s should have been notified about thread %s (%s), but their inbox holds no "
	    "notification about it: it may have been deleted.",
	    t->user, t->thread, why);
}

bool why_conclude(const struct why_trace *t, struct strv *lines, bool *notified)
{
	struct lines l = {.v = lines, .ok = true};
	struct why_role r;
	char why[1200];

	*notified = ok(t, WHY_INBOX) && t->n_notes > 0;
	if (!ok(t, WHY_THREAD) && !*notified) {
		thread_failed(t, &l);
		return l.ok;
	}
	if (*notified) {
		notified_said(t, &l);
		return l.ok;
	}
	if (!why_role_of(t, &r))
		return false;
	if (!ok(t, WHY_INBOX)) {
		error_words(&t->err[WHY_INBOX], why, sizeof(why));
		say(&l, "Whether %s was notified is unknown: their inbox could not be read (%s).",
		    t->user, why);
	} else {
		not_notified_said(t, &r, &l);
		if (t->more_inbox)
			say(&l, "(Only the newest %zu notifications of %s were searched.)",
			    t->inbox_seen, t->user);
	}
	why_role_clear(&r);
	return l.ok;
}

/* ------------------------------------------------------------------ */
/* The command: the six reads, one after the other */

struct why_cmd {
	struct cmd_ctx *c;
	char *user, *room, *thread;
	enum why_step step;
	int pages;
	char *cursor;
	struct why_trace t;
	char *request[WHY_STEPS]; /* "GET /v2/..." as sent (the first page) */
	long status[WHY_STEPS];   /* HTTP status, 0 when none came */
	char *body[WHY_STEPS];    /* the answers of the one-page steps */
};

/* notify_op_answer, with the status of a success kept for the trace. */
static const struct op_step *why_op_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	const struct op_step *next = notify_op_answer(m, o, res, end);

	if (end->err.status == LB_OK)
		end->err.http_status = res->status;
	return next;
}

static const struct op_step why_steps[WHY_STEPS] = {
    [WHY_THREAD] = {.ep = EP_THREAD_GET, .build = notify_op_build, .answer = why_op_answer},
    [WHY_SUBSCRIPTIONS] = {.ep = EP_THREAD_SUBSCRIPTIONS,
                           .build = notify_op_build,
                           .answer = why_op_answer},
    [WHY_ROOM_SETTINGS] = {.ep = EP_ROOM_SUBSCRIPTION_SETTINGS_GET,
                           .build = notify_op_build,
                           .answer = why_op_answer},
    [WHY_CHANNELS] = {.ep = EP_NOTIFICATION_SETTINGS_GET,
                      .build = notify_op_build,
                      .answer = why_op_answer},
    [WHY_GROUPS] = {.ep = EP_USER_GROUPS, .build = notify_op_build, .answer = why_op_answer},
    [WHY_INBOX] = {.ep = EP_INBOX_NOTIFICATIONS_LIST,
                   .build = notify_op_build,
                   .answer = why_op_answer},
};

static const char *const step_titles[WHY_STEPS] = {
    [WHY_THREAD] = "The thread",
    [WHY_SUBSCRIPTIONS] = "The thread's subscriptions",
    [WHY_ROOM_SETTINGS] = "The user's room subscription settings",
    [WHY_CHANNELS] = "The user's notification channels",
    [WHY_GROUPS] = "The user's groups",
    [WHY_INBOX] = "The user's inbox notifications about the thread",
};

static const char *const step_names[WHY_STEPS] = {
    [WHY_THREAD] = "thread",
    [WHY_SUBSCRIPTIONS] = "subscriptions",
    [WHY_ROOM_SETTINGS] = "roomSubscriptionSettings",
    [WHY_CHANNELS] = "notificationSettings",
    [WHY_GROUPS] = "groups",
    [WHY_INBOX] = "inboxNotifications",
};

static void why_free(struct why_cmd *w)
{
	why_trace_clear(&w->t);
	for (int i = 0; i < WHY_STEPS; i++) {
		free(w->request[i]);
		free(w->body[i]);
	}
	free(w->cursor);
	free(w->user);
	free(w->room);
	free(w->thread);
	free(w);
}

/* The path parameters of a step, in the endpoint's order. */
static void step_params(const struct why_cmd *w, enum why_step s, const char *p[3])
{
	p[0] = p[1] = p[2] = NULL;
	switch (s) {
	case WHY_THREAD:
	case WHY_SUBSCRIPTIONS:
		p[0] = w->room;
		p[1] = w->thread;
		break;
	case WHY_ROOM_SETTINGS:
		p[0] = w->room;
		p[1] = w->user;
		break;
	default:
		p[0] = w->user;
		break;
	}
}

/* "GET /v2/rooms/r/threads/t" with the query, the parameters encoded. */
static char *request_line(enum why_step s, const char *const p[3], const char *query)
{
	const char *path = endpoint_get(why_steps[s].ep)->path;
	struct buf b;
	int k = 0;

	buf_init(&b);
	buf_adds(&b, "GET ");
	while (*path) {
		const char *close = *path == '{' ? strchr(path, '}') : NULL;

		if (close) {
			char *enc = url_encode(p[k] ? p[k] : "");

			k++;
			if (!enc || !buf_adds(&b, enc)) {
				free(enc);
				buf_free(&b);
				return NULL;
			}
			free(enc);
			path = close + 1;
		} else if (!buf_add(&b, path++, 1)) {
			buf_free(&b);
			return NULL;
		}
	}
	if (query && *query && (!buf_adds(&b, "?") || !buf_adds(&b, query))) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void why_send(struct why_cmd *w);
static void why_finish(struct why_cmd *w);

static void nomem(struct lb_error *e)
{
	lb_error_set(e, LB_NOMEM, "out of memory");
}

/* One page of the user's groups: their IDs. */
static bool groups_page(struct why_cmd *w, const char *body, size_t len, struct lb_error *err)
{
	struct group_info *g;
	size_t n;
	char *next;

	if (!group_page_decode(body, len, &g, &n, &next, err))
		return false;
	for (size_t i = 0; i < n; i++)
		if (g[i].id && !has(&w->t.groups, g[i].id) && !strv_push(&w->t.groups, g[i].id))
			nomem(err);
	groups_free(g, n);
	free(w->cursor);
	w->cursor = next;
	return err->status == LB_OK;
}

/* One page of the inbox: the notifications about the thread are kept. */
static bool inbox_page(struct why_cmd *w, const char *body, size_t len, struct lb_error *err)
{
	struct inbox_note *v;
	size_t n;
	char *next;
	const struct thread *th = w->t.err[WHY_THREAD].status == LB_OK ? &w->t.thread_v : NULL;

	if (!inbox_page_decode(body, len, &v, &n, &next, err))
		return false;
	w->t.inbox_seen += n;
	for (size_t i = 0; i < n; i++) {
		struct inbox_note *grown;

		if (!why_note_about(&v[i], th, w->thread)) {
			inbox_note_clear(&v[i]);
			continue;
		}
		grown = realloc(w->t.notes, (w->t.n_notes + 1) * sizeof(*grown));
		if (!grown) {
			inbox_note_clear(&v[i]);
			nomem(err);
			continue;
		}
		w->t.notes = grown;
		w->t.notes[w->t.n_notes++] = v[i];
	}
	free(v);
	free(w->cursor);
	w->cursor = next;
	return err->status == LB_OK;
}

/* Decode a one-page answer into the trace. */
static bool decode_answer(struct why_cmd *w, enum why_step s, const char *body, size_t len,
                          struct lb_error *err)
{
	switch (s) {
	case WHY_THREAD:
		return thread_decode(body, len, &w->t.thread_v, err);
	case WHY_SUBSCRIPTIONS:
		return thread_subscriptions_decode(body, len, &w->t.subs, &w->t.n_subs, err);
	case WHY_ROOM_SETTINGS:
		return room_subscription_decode(body, len, &w->t.room_sub, err);
	case WHY_CHANNELS:
		return notify_settings_decode(body, len, &w->t.channels, err);
	case WHY_GROUPS:
		return groups_page(w, body, len, err);
	default:
		return inbox_page(w, body, len, err);
	}
}

static void why_answered(const struct storage_result *res, void *ud)
{
	struct why_cmd *w = ud;
	enum why_step s = w->step;
	struct lb_error err = res->err;
	bool paged = s == WHY_GROUPS || s == WHY_INBOX;

	if (w->pages == 0)
		w->status[s] = err.http_status;
	if (err.status == LB_OK && !paged && !(w->body[s] = strndup(res->body, res->body_len)))
		nomem(&err);
	if (err.status == LB_OK)
		decode_answer(w, s, res->body, res->body_len, &err);
	/* A later page that fails leaves what the pages before said, with
	 * pages left unread. */
	if (err.status != LB_OK && err.status != LB_NOMEM && paged && w->pages > 0) {
		if (s == WHY_GROUPS)
			w->t.more_groups = true;
		else
			w->t.more_inbox = true;
		free(w->cursor);
		w->cursor = NULL;
	} else {
		w->t.err[s] = err;
	}
	if (err.status == LB_NOMEM) {
		struct cmd_ctx *c = w->c;

		why_free(w);
		cmd_finish(c, &err);
		return;
	}
	w->pages++;
	if (err.status == LB_OK && paged && w->cursor &&
	    w->pages < (s == WHY_INBOX ? WHY_INBOX_PAGES : WHY_GROUP_PAGES)) {
		why_send(w);
		return;
	}
	if (s == WHY_GROUPS && w->cursor)
		w->t.more_groups = true;
	if (s == WHY_INBOX && w->cursor)
		w->t.more_inbox = true;
	free(w->cursor);
	w->cursor = NULL;
	w->pages = 0;
	if (s + 1 == WHY_STEPS) {
		why_finish(w);
		return;
	}
	w->step = s + 1;
	why_send(w);
}

/* The query of a step's page: the inbox 50 at a time, the cursor of the
 * page before. False when out of memory. */
static bool page_query(const struct why_cmd *w, struct buf *q)
{
	char *enc = NULL;
	bool ok = true;

	if (w->step == WHY_INBOX)
		ok = buf_adds(q, "limit=50");
	if (ok && w->cursor)
		ok = (enc = url_encode(w->cursor)) &&
		     buf_printf(q, "%sstartingAfter=%s", q->len ? "&" : "", enc);
	free(enc);
	return ok;
}

static void why_send(struct why_cmd *w)
{
	enum why_step s = w->step;
	const char *p[3];
	struct buf q;

	step_params(w, s, p);
	buf_init(&q);
	if (!page_query(w, &q) ||
	    (!w->request[s] && !(w->request[s] = request_line(s, p, q.len ? q.data : NULL)))) {
		struct cmd_ctx *c = w->c;

		buf_free(&q);
		why_free(w);
		cmd_finish_nomem(c);
		return;
	}
	struct notify_run run = {.prog = &notify_read_program,
	                         .first = &why_steps[s],
	                         .guard = why_steps[s].ep,
	                         .user = w->user,
	                         .params = {p[0], p[1], p[2]},
	                         .query = q.len ? q.data : NULL};
	notify_op_run(w->c->model, &run, why_answered, w);
	buf_free(&q);
}

/* ---- what is shown ---- */

struct text {
	struct buf b;
	bool ok;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t->ok && !buf_adds(&t->b, line))
		t->ok = false;
}

static void thread_summary(const struct why_cmd *w, const struct why_role *r, struct text *o)
{
	put(o, "   %zu comment%s; %s wrote %zu\n", r->comments, r->comments == 1 ? "" : "s",
	    w->user, r->authored);
	for (size_t i = 0; i < r->direct.n; i++)
		put(o, "   %s is mentioned in %s\n", w->user, r->direct.v[i]);
	for (size_t i = 0; i < r->by_group.n; i++)
		put(o, "   %s is mentioned as a member of group %s\n", w->user, r->by_group.v[i]);
	for (size_t i = 0; i < r->missed.n; i++)
		put(o, "   group %s is mentioned, and %s is not in it\n", r->missed.v[i], w->user);
	if (!r->direct.n && !r->by_group.n)
		put(o, "   %s is not mentioned\n", w->user);
}

static void step_summary(const struct why_cmd *w, enum why_step s, const struct why_role *r,
                         struct text *o)
{
	const struct why_trace *t = &w->t;
	char line[1200];
	size_t pos = 0;

	switch (s) {
	case WHY_THREAD:
		thread_summary(w, r, o);
		break;
	case WHY_SUBSCRIPTIONS:
		put(o, "   %zu subscriber%s", t->n_subs, t->n_subs == 1 ? "" : "s");
		for (size_t i = 0; i < t->n_subs && i < 20; i++)
			put(o, "%s%s", i ? ", " : ": ", t->subs[i].user_id);
		put(o, "%s\n", t->n_subs > 20 ? ", ..." : "");
		if (r->subscribed)
			put(o, "   %s is subscribed (since %s)\n", w->user,
			    r->subscribed_at ? r->subscribed_at : "?");
		else
			put(o, "   %s is not subscribed\n", w->user);
		break;
	case WHY_ROOM_SETTINGS:
		put(o, "   threads=%s, textMentions=%s\n", t->room_sub.threads,
		    t->room_sub.mentions);
		break;
	case WHY_CHANNELS:
		for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
			if (!t->channels.enabled[ch]) {
				put(o, "   %-8s not enabled in the project\n", notify_channels[ch]);
				continue;
			}
			line[0] = '\0';
			pos = 0;
			for (size_t k = 0; k < t->channels.kinds.n; k++) {
				char one[300];

				snprintf(
				    one, sizeof(one), "%s%s %s", k ? ", " : "",
				    t->channels.kinds.v[k],
				    notify_settings_on(&t->channels, ch, t->channels.kinds.v[k])
				        ? "on"
				        : "off");
				str_append(line, sizeof(line), &pos, one);
			}
			put(o, "   %-8s %s\n", notify_channels[ch], line);
		}
		break;
	case WHY_GROUPS:
		strv_join(&t->groups, ", ", line, sizeof(line));
		put(o, "   %zu group%s%s%s%s\n", t->groups.n, t->groups.n == 1 ? "" : "s",
		    t->groups.n ? ": " : "", line, t->more_groups ? " (more pages not read)" : "");
		break;
	default:
		put(o, "   %zu of %zu notification%s read are about the thread%s\n", t->n_notes,
		    t->inbox_seen, t->inbox_seen == 1 ? "" : "s",
		    t->more_inbox ? " (older pages not read)" : "");
		for (size_t i = 0; i < t->n_notes; i++)
			put(o, "   %s  %s  %s  %s\n", t->notes[i].id, t->notes[i].kind,
			    t->notes[i].unread ? "unread" : "read",
			    t->notes[i].notified_at ? t->notes[i].notified_at : "");
		break;
	}
}

static char *trace_text(const struct why_cmd *w, const struct strv *conclusion)
{
	struct text o = {.ok = true};
	struct why_role r;
	char why[1200];

	if (!why_role_of(&w->t, &r))
		return NULL;
	buf_init(&o.b);
	put(&o, "Why was %s (not) notified about thread %s in room %s?\n", w->user, w->thread,
	    w->room);
	for (int s = 0; s < WHY_STEPS; s++) {
		put(&o, "\n%d. %s\n   %s", s + 1, step_titles[s],
		    w->request[s] ? w->request[s] : "");
		if (w->status[s])
			put(&o, " -> %ld\n", w->status[s]);
		else
			put(&o, " -> no answer\n");
		if (w->t.err[s].status == LB_OK) {
			step_summary(w, (enum why_step)s, &r, &o);
		} else {
			error_words(&w->t.err[s], why, sizeof(why));
			put(&o, "   %s\n", why);
		}
	}
	put(&o, "\nConclusion\n");
	for (size_t i = 0; i < conclusion->n; i++)
		put(&o, "%s\n", conclusion->v[i]);
	why_role_clear(&r);
	if (!o.ok) {
		buf_free(&o.b);
		return NULL;
	}
	return buf_steal(&o.b);
}

/* One JSON object: what was asked, what came back, the conclusion. */
static char *trace_json(const struct why_cmd *w, const struct strv *conclusion, bool notified)
{
	struct buf b;
	struct json_writer j;

	buf_init(&b);
	json_writer_init(&j, &b, false);
	json_begin_object(&j);
	json_key(&j, "user");
	json_string(&j, w->user);
	json_key(&j, "roomId");
	json_string(&j, w->room);
	json_key(&j, "threadId");
	json_string(&j, w->thread);
	json_key(&j, "steps");
	json_begin_array(&j);
	for (int s = 0; s < WHY_STEPS; s++) {
		const struct lb_error *e = &w->t.err[s];

		json_begin_object(&j);
		json_key(&j, "step");
		json_string(&j, step_names[s]);
		json_key(&j, "request");
		json_string(&j, w->request[s] ? w->request[s] : "");
		json_key(&j, "status");
		if (w->status[s])
			json_int(&j, w->status[s]);
		else
			json_null(&j);
		json_key(&j, "answer");
		if (e->status != LB_OK) {
			json_null(&j);
			json_key(&j, "error");
			json_string(&j, e->message);
		} else if (s == WHY_GROUPS) {
			json_begin_array(&j);
			for (size_t i = 0; i < w->t.groups.n; i++)
				json_string(&j, w->t.groups.v[i]);
			json_end_array(&j);
		} else if (s == WHY_INBOX) {
			json_begin_array(&j);
			for (size_t i = 0; i < w->t.n_notes; i++)
				json_raw(&j, w->t.notes[i].raw_json);
			json_end_array(&j);
		} else {
			json_raw(&j, w->body[s]);
		}
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "notified");
	json_literal(&j, notified ? "true" : "false");
	json_key(&j, "conclusion");
	json_begin_array(&j);
	for (size_t i = 0; i < conclusion->n; i++)
		json_string(&j, conclusion->v[i]);
	json_end_array(&j);
	json_end_object(&j);
	return b.data ? buf_steal(&b) : NULL;
}

/* What kept the trace from a conclusion (the command fails with it), or
 * NULL: the thread or the inbox could not be read, other than a 404. */
static const struct lb_error *why_blocker(const struct why_trace *t, bool notified)
{
	if (notified)
		return NULL;
	if (!ok(t, WHY_THREAD))
		return t->err[WHY_THREAD].http_status == 404 ? NULL : &t->err[WHY_THREAD];
	return ok(t, WHY_INBOX) ? NULL : &t->err[WHY_INBOX];
}

static void why_finish(struct why_cmd *w)
{
	struct cmd_ctx *c = w->c;
	struct strv conclusion = {0};
	bool notified = false;
	char *out = NULL;
	const struct lb_error *blocker;
	struct lb_error err;

	if (why_conclude(&w->t, &conclusion, &notified))
		out = c->host.json ? trace_json(w, &conclusion, notified)
		                   : trace_text(w, &conclusion);
	strv_free(&conclusion);
	if (!out) {
		why_free(w);
		cmd_finish_nomem(c);
		return;
	}
	if (c->host.json) {
		cmd_print_json(c, out, strlen(out));
	} else {
		char *safe = cmd_safe_lines(out);
		char title[600];

		snprintf(title, sizeof(title), "why %s · %s · %s", w->user, w->room, w->thread);
		if (safe && c->host.interactive && c->host.show_view) {
			struct pager_view_opts view = {.title = title, .text = safe};

			c->host.show_view(c->host.ud, "pager", NULL, &view, false);
		} else if (safe) {
			cmd_say(c, safe);
		}
		if (!safe) {
			free(out);
			why_free(w);
			cmd_finish_nomem(c);
			return;
		}
		free(safe);
	}
	free(out);
	blocker = why_blocker(&w->t, notified);
	if (blocker) {
		err = *blocker;
		lb_error_prefix(&err, "no conclusion");
	} else {
		lb_error_clear(&err);
	}
	why_free(w);
	cmd_finish(c, &err);
}

void run_why(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct why_cmd *w = calloc(1, sizeof(*w));

	(void)cmd;
	if (!w || !(w->user = strdup(a->pos[0])) || !(w->room = strdup(a->pos[1])) ||
	    !(w->thread = strdup(a->pos[2]))) {
		if (w)
			why_free(w);
		cmd_finish_nomem(c);
		return;
	}
	w->c = c;
	w->t.user = w->user;
	w->t.room = w->room;
	w->t.thread = w->thread;
	why_send(w);
}
