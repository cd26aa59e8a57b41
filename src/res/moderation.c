#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "bulk.h"
#include "json.h"
#include "kept.h"
#include "moderation.h"
#include "threads_impl.h"
#include "util.h"

/* Bulk actions on threads and comments (moderation.h): a bulk job whose
 * spec's ud is the request and its targets, copied, which is what the
 * undo reads. */

/* ------------------------------------------------------------------ */
/* The job's state */

struct mod_item {
	char *room, *thread, *comment;
	char *seen;        /* NULL when not given */
	char *thread_json; /* NULL when not given */
	char *metadata;    /* the item's own, NULL: the request's */
};

/* What the job is about; the spec's ud. */
struct mod_job {
	const char *tag; /* mod_tag: a moderation job's, for mod_undo_plan */
	struct model *m;
	enum mod_action action;
	char *user, *metadata, *emoji;
	struct mod_item *items;
	size_t n;
};

static const char mod_tag[] = "moderation";

static void mod_job_free(void *ud)
{
	struct mod_job *mj = ud;

	if (!mj)
		return;
	for (size_t i = 0; i < mj->n; i++) {
		struct mod_item *it = &mj->items[i];
		free(it->room);
		free(it->thread);
		free(it->comment);
		free(it->seen);
		free(it->thread_json);
		free(it->metadata);
	}
	free(mj->items);
	free(mj->user);
	free(mj->metadata);
	free(mj->emoji);
	free(mj);
}

/* ------------------------------------------------------------------ */
/* What each action is */

static bool is_delete(enum mod_action a)
{
	return a == MOD_DELETE_THREAD || a == MOD_DELETE_COMMENT;
}

static bool about_comments(enum mod_action a)
{
	return a == MOD_DELETE_COMMENT || a == MOD_REACT || a == MOD_UNREACT;
}

static bool needs_user(enum mod_action a)
{
	return !is_delete(a);
}

/* "resolving threads is", for refusals. */
static const char *doing(enum mod_action a)
{
	switch (a) {
	case MOD_RESOLVE:
		return "resolving threads";
	case MOD_UNRESOLVE:
		return "unresolving threads";
	case MOD_DELETE_THREAD:
		return "deleting threads";
	case MOD_DELETE_COMMENT:
		return "deleting comments";
	case MOD_METADATA:
		return "setting the metadata of threads";
	case MOD_REACT:
		return "reacting to comments";
	case MOD_UNREACT:
		return "removing reactions";
	case MOD_SUBSCRIBE:
		return "subscribing to threads";
	case MOD_UNSUBSCRIBE:
		return "unsubscribing from threads";
	}
	return "this change";
}

/* ------------------------------------------------------------------ */
/* Describing */

/* Distinct rooms of the targets. */
static size_t count_rooms(const struct mod_target *t, size_t n)
{
	size_t rooms = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = t[j].room_id && t[i].room_id && !strcmp(t[j].room_id, t[i].room_id);
		rooms += !seen;
	}
	return rooms;
}

/* "status=closed and remove priority" from a metadata object. */
static bool metadata_words(struct buf *b, const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	const cJSON *v;
	size_t sets = 0, k = 0;
	bool ok = true;

	cJSON_ArrayForEach(v, (cJSON_IsObject(root) ? root : NULL)) sets += !cJSON_IsNull(v);
	cJSON_ArrayForEach(v, (cJSON_IsObject(root) ? root : NULL))
	{
		char *text;

		if (cJSON_IsNull(v))
			continue;
		text = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
		ok = ok && buf_printf(b, "%s%s=%s", k++ ? ", " : "set ", v->string,
		                      cJSON_IsString(v) ? v->valuestring : (text ? text : "?"));
		cJSON_free(text);
	}
	k = 0;
	cJSON_ArrayForEach(v, (cJSON_IsObject(root) ? root : NULL))
	{
		if (cJSON_IsNull(v))
			ok = ok &&
			     buf_printf(b, "%s%s", k++ ? ", " : (sets ? " and remove " : "remove "),
			                v->string);
	}
	cJSON_Delete(root);
	return ok;
}

char *mod_describe(const struct mod_request *rq, const struct mod_target *t, size_t n)
{
	size_t rooms = count_rooms(t, n);
	const char *things = about_comments(rq->action) ? "comment" : "thread";
	const char *user = rq->user_id ? rq->user_id : "";
	const char *emoji = rq->emoji ? rq->emoji : "";
	bool own_metadata = false;
	struct buf b;
	bool ok;

	for (size_t i = 0; i < n; i++)
		own_metadata = own_metadata || t[i].metadata_json;
	buf_init(&b);
	switch (rq->action) {
	case MOD_RESOLVE:
	case MOD_UNRESOLVE:
	case MOD_DELETE_THREAD:
	case MOD_DELETE_COMMENT:
		ok = buf_adds(&b, rq->action == MOD_RESOLVE     ? "resolve "
		                  : rq->action == MOD_UNRESOLVE ? "unresolve "
		                                                : "delete ");
		break;
	case MOD_METADATA:
		ok = own_metadata ? buf_adds(&b, "restore the metadata of ")
		                  : metadata_words(&b, rq->metadata_json) && buf_adds(&b, " on ");
		break;
	case MOD_REACT:
		ok = buf_printf(&b, "react %s to ", emoji);
		break;
	case MOD_UNREACT:
		ok = buf_printf(&b, "remove the %s reaction from ", emoji);
		break;
	case MOD_SUBSCRIBE:
		ok = buf_printf(&b, "subscribe %s to ", user);
		break;
	case MOD_UNSUBSCRIBE:
		ok = buf_printf(&b, "unsubscribe %s from ", user);
		break;
	default:
		ok = false;
	}
	ok = ok && buf_printf(&b, "%zu %s%s in %zu room%s", n, things, n == 1 ? "" : "s", rooms,
	                      rooms == 1 ? "" : "s");
	if (rq->action == MOD_DELETE_THREAD)
		ok = ok && buf_adds(&b, ", with their comments");
	if (is_delete(rq->action))
		ok = ok && buf_adds(&b, ": permanent, the API cannot bring them back (a copy is "
		                        "saved first)");
	else if (rq->action != MOD_SUBSCRIBE && rq->action != MOD_UNSUBSCRIBE)
		ok = ok && buf_printf(&b, ", as %s", user);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Checks before anything is sent */

/* Characters of s as the API counts them (UTF-16 units). */
static size_t utf16_units(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n += (*p & 0xF8) == 0xF0 ? 2 : 1;
	return n;
}

/* Why a metadata value v (of key k) cannot be sent, into err; false when
 * it can. */
static bool metadata_item_bad(const cJSON *v, const char *what, struct lb_error *err)
{
	if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v) && !cJSON_IsNull(v))
		lb_error_set(err, LB_USAGE,
		             "%s is not an object of strings, numbers, booleans and nulls", what);
	else if (utf16_units(v->string) > THREAD_METADATA_KEY_MAX)
		lb_error_set(err, LB_USAGE, "%s: the key '%.60s...' is longer than %d characters",
		             what, v->string, THREAD_METADATA_KEY_MAX);
	else if (cJSON_IsString(v) && utf16_units(v->valuestring) > THREAD_METADATA_VALUE_MAX)
		lb_error_set(err, LB_USAGE, "%s: the value of '%.60s' is longer than %d characters",
		             what, v->string, THREAD_METADATA_VALUE_MAX);
	else
		return false;
	return true;
}

/* A JSON object of what a metadata change may hold (the API's limits): at
 * most 50 keys of up to 40 characters, each a string of up to 4,000, a
 * number, a boolean or null. */
static bool metadata_ok(const char *json, const char *what, struct lb_error *err)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	const cJSON *v;
	int keys = 0;
	bool ok = cJSON_IsObject(root);

	if (!ok)
		lb_error_set(err, LB_USAGE,
		             "%s is not an object of strings, numbers, booleans and nulls", what);
	cJSON_ArrayForEach(v, (ok ? root : NULL))
	{
		keys++;
		if (ok && metadata_item_bad(v, what, err))
			ok = false;
	}
	cJSON_Delete(root);
	if (ok && keys == 0)
		lb_error_set(err, LB_USAGE, "%s changes nothing", what);
	else if (ok && keys > THREAD_METADATA_MAX_KEYS)
		lb_error_set(err, LB_USAGE, "%s has %d keys; the API takes at most %d", what, keys,
		             THREAD_METADATA_MAX_KEYS);
	return ok && keys > 0 && keys <= THREAD_METADATA_MAX_KEYS;
}

/* What was shown of target i: an object whose "id" is the thread's or
 * the comment's. */
static bool seen_ok(const struct mod_target *t, size_t i, enum mod_action a, struct lb_error *err)
{
	const char *want = a == MOD_DELETE_COMMENT ? t->comment_id : t->thread_id;
	cJSON *root = t->seen_json ? cJSON_Parse(t->seen_json) : NULL;
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "id"));
	bool ok = id && !strcmp(id, want);

	cJSON_Delete(root);
	if (!t->seen_json)
		lb_error_set(err, LB_USAGE,
		             "item %zu: %s needs the %s as it was shown, and none was given", i + 1,
		             doing(a), a == MOD_DELETE_COMMENT ? "comment" : "thread");
	else if (!ok)
		lb_error_set(err, LB_USAGE, "item %zu: what was shown is not %s %s", i + 1,
		             a == MOD_DELETE_COMMENT ? "comment" : "thread", want);
	return ok;
}

static bool given(const char *s)
{
	return s && *s;
}

/* Target i names what its action needs. */
static bool target_ok(const struct mod_request *rq, const struct mod_target *t, size_t i,
                      struct lb_error *err)
{
	char what[64];

	if (!given(t->room_id) || !given(t->thread_id) ||
	    (about_comments(rq->action) && !given(t->comment_id))) {
		lb_error_set(err, LB_USAGE, "item %zu names no %s", i + 1,
		             !given(t->room_id)     ? "room"
		             : !given(t->thread_id) ? "thread"
		                                    : "comment");
		return false;
	}
	if ((is_delete(rq->action) || rq->action == MOD_METADATA) &&
	    !seen_ok(t, i, rq->action, err))
		return false;
	if (t->thread_json && !api_json_check(t->thread_json, "the thread of a comment", err))
		return false;
	snprintf(what, sizeof(what), "the metadata of item %zu", i + 1);
	if (rq->action == MOD_METADATA && !rq->metadata_json && !t->metadata_json) {
		lb_error_set(err, LB_USAGE, "item %zu: no metadata to set", i + 1);
		return false;
	}
	return rq->action != MOD_METADATA || !t->metadata_json ||
	       metadata_ok(t->metadata_json, what, err);
}

/* "ROOM/THREAD" or "ROOM/THREAD/COMMENT": what an item is about. With
 * lengths ("4:ROOM6:THREAD"): a key no two targets share unless they name
 * the same thread (comment). NULL when out of memory. */
static char *label(const struct mod_target *t, bool comment, bool key)
{
	const char *c = comment ? t->comment_id : "";
	struct buf b;
	bool ok;

	buf_init(&b);
	if (key)
		ok = buf_printf(&b, "%zu:%s%zu:%s%zu:%s", strlen(t->room_id), t->room_id,
		                strlen(t->thread_id), t->thread_id, strlen(c), c);
	else
		ok = buf_printf(&b, "%s/%s%s%s", t->room_id, t->thread_id, comment ? "/" : "", c);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

struct keyed {
	char *key;
	size_t i;
};

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* No two targets name the same thread (comment). */
static bool distinct(const struct mod_target *t, size_t n, bool comment, const char *const *labels,
                     struct lb_error *err)
{
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	bool ok = k != NULL;

	for (size_t i = 0; ok && i < n; i++) {
		k[i].i = i;
		ok = (k[i].key = label(&t[i], comment, true)) != NULL;
	}
	if (!ok)
		lb_error_set(err, LB_NOMEM, "out of memory");
	if (ok)
		qsort(k, n, sizeof(*k), keyed_cmp);
	for (size_t i = 1; ok && i < n; i++)
		if (!strcmp(k[i - 1].key, k[i].key)) {
			lb_error_set(err, LB_USAGE, "%s is named twice (items %zu and %zu)",
			             labels[k[i].i],
			             (k[i - 1].i < k[i].i ? k[i - 1].i : k[i].i) + 1,
			             (k[i - 1].i < k[i].i ? k[i].i : k[i - 1].i) + 1);
			ok = false;
		}
	for (size_t i = 0; k && i < n; i++)
		free(k[i].key);
	free(k);
	return ok;
}

static bool request_ok(struct model *m, const struct mod_request *rq, const struct mod_target *t,
                       size_t n, struct lb_error *err)
{
	if (!m || !rq || (!t && n)) {
		lb_error_set(err, LB_USAGE, "nothing to change");
		return false;
	}
	if ((unsigned)rq->action > MOD_UNSUBSCRIBE) {
		lb_error_set(err, LB_USAGE, "no such action");
		return false;
	}
	if (model_read_only(m)) {
		lb_error_set(err, LB_READONLY, "read-only mode: %s is refused, nothing was sent",
		             doing(rq->action));
		return false;
	}
	if (!n) {
		lb_error_set(err, LB_USAGE, "%s: no thread or comment is chosen",
		             doing(rq->action));
		return false;
	}
	if (needs_user(rq->action) && !given(rq->user_id)) {
		lb_error_set(err, LB_USAGE,
		             "%s writes as a user: give --as USER, or set user = USER in the "
		             "profile of the config file",
		             doing(rq->action));
		return false;
	}
	if ((rq->action == MOD_REACT || rq->action == MOD_UNREACT) && !given(rq->emoji)) {
		lb_error_set(err, LB_USAGE, "%s needs an emoji", doing(rq->action));
		return false;
	}
	if (rq->action == MOD_METADATA && rq->metadata_json &&
	    !metadata_ok(rq->metadata_json, "the metadata", err))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!target_ok(rq, &t[i], i, err))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* The job */

static struct mod_job *mod_job_new(struct model *m, const struct mod_request *rq,
                                   const struct mod_target *t, size_t n)
{
	struct mod_job *mj = calloc(1, sizeof(*mj));
	bool ok = mj != NULL;

	if (!ok)
		return NULL;
	mj->tag = mod_tag;
	mj->m = m;
	mj->action = rq->action;
	mj->n = n;
	mj->items = calloc(n, sizeof(*mj->items));
	ok = mj->items && (!rq->user_id || (mj->user = strdup(rq->user_id))) &&
	     (!rq->metadata_json || (mj->metadata = strdup(rq->metadata_json))) &&
	     (!rq->emoji || (mj->emoji = strdup(rq->emoji)));
	for (size_t i = 0; ok && i < n; i++) {
		struct mod_item *it = &mj->items[i];
		bool comment = about_comments(rq->action);

		ok = (it->room = strdup(t[i].room_id)) && (it->thread = strdup(t[i].thread_id)) &&
		     (!comment || (it->comment = strdup(t[i].comment_id))) &&
		     (!t[i].seen_json || (it->seen = strdup(t[i].seen_json))) &&
		     (!t[i].thread_json || (it->thread_json = strdup(t[i].thread_json))) &&
		     (!t[i].metadata_json || (it->metadata = strdup(t[i].metadata_json)));
	}
	if (!ok) {
		if (!mj->items)
			mj->n = 0;
		mod_job_free(mj);
		return NULL;
	}
	return mj;
}

/* {"userId":U}, {"metadata":M,"userId":U}, {"emoji":E,"userId":U}: the
 * body of item i. NULL when out of memory. */
static char *item_body(const struct mod_job *mj, size_t i)
{
	const struct mod_item *it = &mj->items[i];
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	if (mj->action == MOD_METADATA) {
		json_key(&w, "metadata");
		json_raw(&w, it->metadata ? it->metadata : mj->metadata);
	} else if (mj->action == MOD_REACT || mj->action == MOD_UNREACT) {
		json_key(&w, "emoji");
		json_string(&w, mj->emoji);
	}
	json_key(&w, "userId");
	json_string(&w, mj->user);
	json_end_object(&w);
	if (!w.ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static enum endpoint_id change_endpoint(enum mod_action a)
{
	switch (a) {
	case MOD_RESOLVE:
		return EP_THREAD_MARK_RESOLVED;
	case MOD_UNRESOLVE:
		return EP_THREAD_MARK_UNRESOLVED;
	case MOD_DELETE_THREAD:
		return EP_THREAD_DELETE;
	case MOD_DELETE_COMMENT:
		return EP_COMMENT_DELETE;
	case MOD_METADATA:
		return EP_THREAD_METADATA_UPDATE;
	case MOD_REACT:
		return EP_COMMENT_ADD_REACTION;
	case MOD_UNREACT:
		return EP_COMMENT_REMOVE_REACTION;
	case MOD_SUBSCRIBE:
		return EP_THREAD_SUBSCRIBE;
	case MOD_UNSUBSCRIBE:
		return EP_THREAD_UNSUBSCRIBE;
	}
	return EP_COUNT;
}

/* Item i's change: one request, answered to the bulk core. */
static http_id send_change(struct api *a, size_t i, const char *arg, void *ud, void *ticket)
{
	struct mod_job *mj = ud;
	const struct mod_item *it = &mj->items[i];
	struct api_send_args args = {.params = {it->room, it->thread, it->comment}};
	struct lb_error e;
	char *body = NULL;
	http_id id;

	(void)arg;
	if (!is_delete(mj->action)) {
		if (!(body = item_body(mj, i))) {
			lb_error_set(&e, LB_NOMEM, "out of memory: not sent");
			bulk_answer(ticket, &e, 0, -1);
			return 0;
		}
		args.body = body;
		args.body_len = strlen(body);
		args.ct = API_CT_JSON;
	}
	id = api_send(a, change_endpoint(mj->action), &args, bulk_api_done, ticket);
	free(body);
	return id;
}

/* Whether two JSON texts hold the same value. */
static bool same_json(const char *a, size_t alen, const char *b, size_t blen)
{
	cJSON *x = cJSON_ParseWithLength(a, alen);
	cJSON *y = cJSON_ParseWithLength(b, blen);
	bool same = x && y && cJSON_Compare(x, y, true);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return same;
}

/* A delete's read answered: the change goes out only where the thread or
 * comment is still what was shown. */
static void delete_read(struct api_storage_result *res, void *ticket)
{
	struct mod_job *mj;
	struct lb_error e;
	void *ud;
	size_t i;

	if (!bulk_ticket(ticket, &ud, &i) || res->status == 429) {
		/* Gone, or rate limited: the bulk core knows what to do. */
		bulk_api_done(res, ticket);
		return;
	}
	mj = ud;
	const char *what = mj->action == MOD_DELETE_THREAD ? "thread" : "comment";
	if (res->err.status != LB_OK) {
		/* Whatever became of the read, nothing was deleted. */
		e = res->err;
		if (!res->status)
			e.status = LB_NETWORK;
		lb_error_prefix(&e, "the %s could not be read again, so nothing was deleted", what);
		bulk_answer(ticket, &e, res->status, -1);
		return;
	}
	if (!same_json(mj->items[i].seen, strlen(mj->items[i].seen), res->body, res->body_len)) {
		lb_error_set(&e, LB_HTTP,
		             "the %s changed since it was shown; nothing was deleted (look at it "
		             "again and retry)",
		             what);
		snprintf(e.code, sizeof(e.code), "%s",
		         mj->action == MOD_DELETE_THREAD ? "THREAD_CHANGED" : "COMMENT_CHANGED");
		bulk_answer(ticket, &e, 0, -1);
		return;
	}
	bulk_send_next(ticket, send_change);
}

/* A delete's first request: the read. */
static http_id send_read(struct api *a, size_t i, const char *arg, void *ud, void *ticket)
{
	struct mod_job *mj = ud;
	const struct mod_item *it = &mj->items[i];
	const struct api_send_args args = {.params = {it->room, it->thread, it->comment}};

	(void)arg;
	return api_send(a, mj->action == MOD_DELETE_THREAD ? EP_THREAD_GET : EP_COMMENT_GET, &args,
	                delete_read, ticket);
}

/* Once nothing is left to send, what the rooms show is read again. */
static void item_ended(struct resource *r, size_t i, void *ud)
{
	struct mod_job *mj = ud;
	struct bulk_progress p;

	(void)i;
	if (!bulk_progress(r, &p) || p.queued || p.in_flight)
		return;
	for (size_t k = 0; k < mj->n; k++) {
		bool before = false;
		for (size_t j = 0; j < k && !before; j++)
			before = !strcmp(mj->items[j].room, mj->items[k].room);
		if (before)
			continue;
		mi_invalidate_room_kind(mj->m, mj->items[k].room, &threads_kind);
		mi_invalidate_room_kind(mj->m, mj->items[k].room, &thread_kind);
	}
}

/* ------------------------------------------------------------------ */
/* What a bulk delete could lose, saved first */

static char *save_before_delete(const struct mod_job *mj, struct lb_error *err)
{
	bool threads = mj->action == MOD_DELETE_THREAD;
	const char *room = mj->items[0].room;
	struct json_writer w;
	struct lb_error why;
	struct buf b;
	char *path = NULL;

	for (size_t i = 1; i < mj->n && room; i++)
		if (strcmp(mj->items[i].room, room))
			room = NULL;
	buf_init(&b);
	json_writer_init(&w, &b, true);
	json_begin_object(&w);
	json_key(&w, "deleted");
	json_string(&w, threads ? "threads" : "comments");
	json_key(&w, "items");
	json_begin_array(&w);
	for (size_t i = 0; i < mj->n; i++) {
		const struct mod_item *it = &mj->items[i];

		json_begin_object(&w);
		json_key(&w, "roomId");
		json_string(&w, it->room);
		json_key(&w, "threadId");
		json_string(&w, it->thread);
		if (!threads) {
			json_key(&w, "commentId");
			json_string(&w, it->comment);
		}
		json_key(&w, threads ? "thread" : "comment");
		json_raw(&w, it->seen);
		if (it->thread_json) {
			json_key(&w, "thread");
			json_raw(&w, it->thread_json);
		}
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	if (w.ok && buf_adds(&b, "\n"))
		path = kept_save(threads ? "delete-threads" : "delete-comments",
		                 room ? room : "rooms", b.data, b.len, &why);
	else
		lb_error_set(&why, LB_NOMEM, "out of memory");
	buf_free(&b);
	if (!path)
		lb_error_set(err, why.status == LB_NOMEM ? LB_NOMEM : LB_CONFIG,
		             "the %s could not be saved before deleting them (%s); nothing was "
		             "deleted",
		             threads ? "threads" : "comments", why.message);
	return path;
}

/* The bulk job of mj (taken) over items labelled labels. */
static struct resource *start_job(struct model *m, struct mod_job *mj, const char *const *labels,
                                  struct lb_error *err)
{
	char what[80];

	snprintf(what, sizeof(what), "%s is", doing(mj->action));
	const struct bulk_spec spec = {
	    .what = what,
	    .n = mj->n,
	    .args = labels,
	    .send = is_delete(mj->action) ? send_read : send_change,
	    .item_ended = item_ended,
	    .ud = mj,
	    .ud_free = mod_job_free,
	};
	return model_bulk(m, &spec, err);
}

struct resource *model_moderate(struct model *m, const struct mod_request *rq,
                                const struct mod_target *t, size_t n, char **saved,
                                struct lb_error *err)
{
	struct lb_error e;
	struct mod_job *mj = NULL;
	char **labels = NULL;
	char *path = NULL;
	struct resource *r = NULL;
	bool ok;

	if (!err)
		err = &e;
	lb_error_clear(err);
	if (saved)
		*saved = NULL;
	if (!request_ok(m, rq, t, n, err))
		return NULL;
	ok = (labels = calloc(n, sizeof(*labels))) != NULL;
	for (size_t i = 0; ok && i < n; i++)
		ok = (labels[i] = label(&t[i], about_comments(rq->action), false)) != NULL;
	if (!ok || !(mj = mod_job_new(m, rq, t, n)))
		lb_error_set(err, LB_NOMEM, "out of memory");
	else if (distinct(t, n, about_comments(rq->action), (const char *const *)labels, err) &&
	         (!is_delete(rq->action) || (path = save_before_delete(mj, err)))) {
		r = start_job(m, mj, (const char *const *)labels, err);
		mj = NULL; /* the job's, freed with it or at once */
	}
	if (!r && path) {
		/* Nothing was deleted: the copy would only be clutter. */
		unlink(path);
		free(path);
		path = NULL;
	}
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
	mod_job_free(mj);
	if (saved)
		*saved = path;
	else
		free(path);
	return r;
}

/* ------------------------------------------------------------------ */
/* Undo */

static enum mod_action reverse(enum mod_action a)
{
	switch (a) {
	case MOD_RESOLVE:
		return MOD_UNRESOLVE;
	case MOD_UNRESOLVE:
		return MOD_RESOLVE;
	case MOD_REACT:
		return MOD_UNREACT;
	case MOD_UNREACT:
		return MOD_REACT;
	case MOD_SUBSCRIBE:
		return MOD_UNSUBSCRIBE;
	case MOD_UNSUBSCRIBE:
		return MOD_SUBSCRIBE;
	default:
		return a;
	}
}

/* Whether user had reacted with emoji to the comment seen. */
static bool had_reacted(const cJSON *seen, const char *emoji, const char *user)
{
	const cJSON *r, *u;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(seen, "reactions"))
	{
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "emoji"));
		const char *flat =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "userId"));

		if (!e || strcmp(e, emoji))
			continue;
		if (flat && !strcmp(flat, user))
			return true;
		cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(r, "users"))
		{
			const char *id =
			    cJSON_IsString(u)
			        ? u->valuestring
			        : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "id"));
			if (id && !strcmp(id, user))
				return true;
		}
	}
	return false;
}

/* The change of item i (its own, else the request's), parsed. */
static cJSON *change_of(const struct mod_job *mj, size_t i)
{
	return cJSON_Parse(mj->items[i].metadata ? mj->items[i].metadata : mj->metadata);
}

/* What puts back the keys change changed: each one's value in seen's
 * metadata, null where it had none. NULL when it would change nothing
 * (every key had the value set already) or out of memory (*nomem). */
static char *metadata_restore(const cJSON *seen, const cJSON *change, bool *nomem)
{
	const cJSON *before = cJSON_GetObjectItemCaseSensitive(seen, "metadata"), *v;
	cJSON *out = cJSON_CreateObject();
	bool changes = false;
	char *text = NULL;

	*nomem = !out;
	cJSON_ArrayForEach(v, (out ? change : NULL))
	{
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(before, v->string);
		cJSON *put =
		    old && !cJSON_IsNull(old) ? cJSON_Duplicate(old, true) : cJSON_CreateNull();

		if (!put || !cJSON_AddItemToObject(out, v->string, put)) {
			cJSON_Delete(put);
			*nomem = true;
			break;
		}
		changes = changes || !cJSON_Compare(put, v, true);
	}
	if (!*nomem && changes && !(text = cJSON_PrintUnformatted(out)))
		*nomem = true;
	cJSON_Delete(out);
	if (!text)
		return NULL;
	char *copy = strdup(text);
	cJSON_free(text);
	*nomem = !copy;
	return copy;
}

/* seen with the change of item i applied where the undo's undo reads it:
 * its metadata, whether it is resolved. NULL when out of memory. */
static char *seen_after(const struct mod_job *mj, size_t i, cJSON *seen)
{
	char *text, *copy;

	if (mj->action == MOD_RESOLVE || mj->action == MOD_UNRESOLVE) {
		cJSON_DeleteItemFromObjectCaseSensitive(seen, "resolved");
		cJSON_AddBoolToObject(seen, "resolved", mj->action == MOD_RESOLVE);
	} else if (mj->action == MOD_METADATA) {
		cJSON *change = change_of(mj, i), *meta, *v;

		meta = cJSON_GetObjectItemCaseSensitive(seen, "metadata");
		if (!cJSON_IsObject(meta)) {
			cJSON_DeleteItemFromObjectCaseSensitive(seen, "metadata");
			meta = cJSON_AddObjectToObject(seen, "metadata");
		}
		cJSON_ArrayForEach(v, change)
		{
			cJSON_DeleteItemFromObjectCaseSensitive(meta, v->string);
			if (!cJSON_IsNull(v))
				cJSON_AddItemToObject(meta, v->string, cJSON_Duplicate(v, true));
		}
		cJSON_Delete(change);
	}
	text = cJSON_PrintUnformatted(seen);
	copy = text ? strdup(text) : NULL;
	cJSON_free(text);
	return copy;
}

/* Whether undoing item i changes anything; *restore: MOD_METADATA's
 * values to put back. False with *nomem when out of memory. */
static bool worth_undoing(const struct mod_job *mj, size_t i, const cJSON *seen, char **restore,
                          bool *nomem)
{
	*restore = NULL;
	*nomem = false;
	if (!seen)
		return mj->action != MOD_METADATA; /* nothing says it was so already */
	switch (mj->action) {
	case MOD_RESOLVE:
	case MOD_UNRESOLVE:
		return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seen, "resolved")) ==
		       (mj->action == MOD_UNRESOLVE);
	case MOD_REACT:
	case MOD_UNREACT:
		return had_reacted(seen, mj->emoji, mj->user) == (mj->action == MOD_UNREACT);
	case MOD_METADATA: {
		cJSON *change = change_of(mj, i);
		*restore = change ? metadata_restore(seen, change, nomem) : NULL;
		*nomem = *nomem || !change;
		cJSON_Delete(change);
		return *restore != NULL;
	}
	default:
		return true;
	}
}

static void say(char *why, size_t n, const char *text)
{
	if (n)
		snprintf(why, n, "%s", text);
}

/* Target k of the plan: item i of the job, undone. False when out of
 * memory. */
static bool plan_target(const struct mod_job *mj, size_t i, cJSON *seen, char *restore,
                        struct mod_target *out)
{
	const struct mod_item *it = &mj->items[i];
	char *room = strdup(it->room), *thread = strdup(it->thread);
	char *comment = it->comment ? strdup(it->comment) : NULL;
	char *after = seen ? seen_after(mj, i, seen) : NULL;

	out->room_id = room;
	out->thread_id = thread;
	out->comment_id = comment;
	out->seen_json = after;
	out->metadata_json = restore;
	out->thread_json = NULL;
	return room && thread && (!it->comment || comment) && (!seen || after);
}

bool mod_undo_plan(const struct resource *r, struct mod_request *undo, struct mod_target **targets,
                   size_t *n, char *why, size_t why_n)
{
	const struct mod_job *mj = bulk_ud(r);
	struct bulk_progress p = {0};
	struct mod_target *t;
	size_t k = 0;
	bool ok = true;

	memset(undo, 0, sizeof(*undo));
	*targets = NULL;
	*n = 0;
	if (!mj || mj->tag != mod_tag) {
		say(why, why_n, "this is no moderation job");
		return false;
	}
	if (is_delete(mj->action)) {
		say(why, why_n, "deletion cannot be undone");
		return false;
	}
	if (bulk_progress(r, &p) && (p.queued || p.in_flight)) {
		say(why, why_n, "it is still running: undo it once it has ended");
		return false;
	}
	if (!(t = calloc(mj->n ? mj->n : 1, sizeof(*t)))) {
		say(why, why_n, "out of memory");
		return false;
	}
	for (size_t i = 0; ok && i < mj->n; i++) {
		const struct bulk_item *it = bulk_item(r, i);
		cJSON *seen = mj->items[i].seen ? cJSON_Parse(mj->items[i].seen) : NULL;
		char *restore = NULL;
		bool nomem = false;

		if (it && it->state == BULK_DONE && worth_undoing(mj, i, seen, &restore, &nomem))
			ok = plan_target(mj, i, seen, restore, &t[k++]);
		else
			ok = !nomem;
		cJSON_Delete(seen);
	}
	undo->action = reverse(mj->action);
	ok = ok && (!mj->user || (undo->user_id = strdup(mj->user))) &&
	     (!mj->emoji || (undo->emoji = strdup(mj->emoji)));
	if (!ok || !k) {
		mod_plan_free(undo, t, k);
		say(why, why_n,
		    !ok ? "out of memory"
		        : (p.done ? "nothing to undo: every item done was so already"
		                  : "nothing to undo: no item was done"));
		return false;
	}
	*targets = t;
	*n = k;
	return true;
}

void mod_plan_free(struct mod_request *undo, struct mod_target *targets, size_t n)
{
	if (undo) {
		free((char *)undo->user_id);
		free((char *)undo->metadata_json);
		free((char *)undo->emoji);
		memset(undo, 0, sizeof(*undo));
	}
	for (size_t i = 0; targets && i < n; i++) {
		free((char *)targets[i].room_id);
		free((char *)targets[i].thread_id);
		free((char *)targets[i].comment_id);
		free((char *)targets[i].seen_json);
		free((char *)targets[i].thread_json);
		free((char *)targets[i].metadata_json);
	}
	free(targets);
}

/* ------------------------------------------------------------------ */

char *mod_comment_json(const struct thread *t, const char *comment_id)
{
	cJSON *root = t && t->raw_json && comment_id ? cJSON_Parse(t->raw_json) : NULL;
	const cJSON *c;
	char *out = NULL;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "comments"))
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));

		if (id && !strcmp(id, comment_id)) {
			char *text = cJSON_PrintUnformatted(c);
			out = text ? strdup(text) : NULL;
			cJSON_free(text);
			break;
		}
	}
	cJSON_Delete(root);
	return out;
}
