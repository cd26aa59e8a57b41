#include "lbconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "decode.h"
#include "json.h"
#include "threads.h"
#include "utf8.h"

/* What the API sends about threads (threads, comments, reactions,
 * subscriptions and participants), decoded; and what the thread commands
 * send (the thread query, metadata). */

/* A comment's preview is cut here (bytes of UTF-8). */
#define PREVIEW_MAX 160

/* ------------------------------------------------------------------ */
/* Decoders */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* *out: a copy of obj's string member, NULL when it has none. False when
 * out of memory. */
static bool copy_member(const cJSON *obj, const char *name, char **out)
{
	const char *s = cJSON_GetStringValue(item(obj, name));

	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

/* The compact JSON of v, or of dflt when v is not of the kind wanted. */
static char *compact(const cJSON *v, bool want_object, const char *dflt)
{
	char *p;
	char *out;

	if (!v || (want_object && !cJSON_IsObject(v)))
		return strdup(dflt);
	p = cJSON_PrintUnformatted(v);
	out = p ? strdup(p) : NULL;
	cJSON_free(p);
	return out;
}

void reaction_clear(struct reaction *r)
{
	free(r->emoji);
	free(r->created_at);
	strv_free(&r->users);
	memset(r, 0, sizeof(*r));
}

void comment_clear(struct comment *c)
{
	free(c->id);
	free(c->thread_id);
	free(c->room_id);
	free(c->user_id);
	free(c->created_at);
	free(c->edited_at);
	free(c->deleted_at);
	free(c->body_json);
	free(c->preview);
	for (size_t i = 0; i < c->n_reactions; i++)
		reaction_clear(&c->reactions[i]);
	free(c->reactions);
	for (size_t i = 0; i < c->n_attachments; i++) {
		free(c->attachments[i].id);
		free(c->attachments[i].name);
		free(c->attachments[i].mime_type);
	}
	free(c->attachments);
	free(c->metadata_json);
	strv_free(&c->mentions);
	memset(c, 0, sizeof(*c));
}

void thread_clear(struct thread *t)
{
	free(t->id);
	free(t->room_id);
	free(t->created_at);
	free(t->updated_at);
	free(t->visibility);
	free(t->metadata_json);
	for (size_t i = 0; i < t->n_comments; i++)
		comment_clear(&t->comments[i]);
	free(t->comments);
	free(t->raw_json);
	memset(t, 0, sizeof(*t));
}

void threads_free(struct thread *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		thread_clear(&t[i]);
	free(t);
}

void thread_subscriptions_free(struct thread_subscription *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].user_id);
		free(s[i].created_at);
	}
	free(s);
}

static size_t comment_bytes(const struct comment *c)
{
	size_t b = str_bytes(c->id) + str_bytes(c->thread_id) + str_bytes(c->room_id) +
	           str_bytes(c->user_id) + str_bytes(c->created_at) + str_bytes(c->edited_at) +
	           str_bytes(c->deleted_at) + str_bytes(c->body_json) + str_bytes(c->preview) +
	           str_bytes(c->metadata_json) + strv_bytes(&c->mentions);

	for (size_t i = 0; i < c->n_reactions; i++)
		b += sizeof(c->reactions[i]) + str_bytes(c->reactions[i].emoji) +
		     str_bytes(c->reactions[i].created_at) + strv_bytes(&c->reactions[i].users);
	for (size_t i = 0; i < c->n_attachments; i++)
		b += sizeof(c->attachments[i]) + str_bytes(c->attachments[i].id) +
		     str_bytes(c->attachments[i].name) + str_bytes(c->attachments[i].mime_type);
	return b;
}

size_t thread_bytes(const struct thread *t)
{
	size_t b = sizeof(*t) + str_bytes(t->id) + str_bytes(t->room_id) +
	           str_bytes(t->created_at) + str_bytes(t->updated_at) + str_bytes(t->visibility) +
	           str_bytes(t->metadata_json) + str_bytes(t->raw_json);

	for (size_t i = 0; i < t->n_comments; i++)
		b += sizeof(t->comments[i]) + comment_bytes(&t->comments[i]);
	return b;
}

size_t comment_reaction_count(const struct comment *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_reactions; i++)
		n += c->reactions[i].users.n;
	return n;
}

/* The plain text of one paragraph's children, as the SDK's plain
 * stringification has it: text as it is, a link's text or else its URL,
 * a mention as @ID. */
static bool paragraph_text(const cJSON *children, struct buf *b)
{
	const cJSON *n;

	cJSON_ArrayForEach(n, (cJSON_IsArray(children) ? children : NULL))
	{
		const char *type = cJSON_GetStringValue(item(n, "type"));
		const char *text = cJSON_GetStringValue(item(n, "text"));
		bool ok = true;

		if (!type && text)
			ok = buf_adds(b, text);
		else if (type && !strcmp(type, "link") &&
		         (text || cJSON_GetStringValue(item(n, "url"))))
			ok = buf_adds(b, text ? text : cJSON_GetStringValue(item(n, "url")));
		else if (type && !strcmp(type, "mention") && cJSON_GetStringValue(item(n, "id")) &&
		         *cJSON_GetStringValue(item(n, "id")))
			ok = buf_printf(b, "@%s", cJSON_GetStringValue(item(n, "id")));
		if (!ok)
			return false;
	}
	return true;
}

/* The first line of text of a body: its first paragraph that says
 * something, up to a line break, cut at PREVIEW_MAX bytes on a
 * character's boundary. NULL when out of memory. */
static char *body_preview(const cJSON *body)
{
	const cJSON *p;
	struct buf b;

	buf_init(&b);
	cJSON_ArrayForEach(p, (cJSON_IsArray(item(body, "content")) ? item(body, "content") : NULL))
	{
		b.len = 0;
		if (!paragraph_text(item(p, "children"), &b)) {
			buf_free(&b);
			return NULL;
		}
		if (b.len && b.data[strspn(b.data, " \t\r\n")])
			break;
		b.len = 0;
	}
	if (!b.data)
		return strdup("");
	b.data[b.len] = '\0';
	size_t keep = strcspn(b.data + strspn(b.data, " \t\r\n"), "\r\n");
	const char *start = b.data + strspn(b.data, " \t\r\n");
	if (keep > PREVIEW_MAX) {
		keep = PREVIEW_MAX;
		while (keep > 0 && utf8_is_continuation((unsigned char)start[keep]))
			keep--;
	}
	char *out = strndup(start, keep);
	buf_free(&b);
	return out;
}

/* A reaction from a comment's list ({emoji, createdAt, users:[{id}]}) or
 * the flat form ({emoji, userId, createdAt}), added to the one of the
 * same emoji in rs[0..*n) or appended. */
static bool reaction_add(struct reaction *rs, size_t *n, const cJSON *it, struct lb_error *err)
{
	const char *emoji = cJSON_GetStringValue(item(it, "emoji"));
	const cJSON *users = item(it, "users"), *u;
	const char *flat = cJSON_GetStringValue(item(it, "userId"));
	struct reaction *r = NULL;

	if (!emoji) {
		lb_error_set(err, LB_DECODE, "the server sent a reaction without an \"emoji\"");
		return false;
	}
	for (size_t i = 0; i < *n && !r; i++)
		if (!strcmp(rs[i].emoji, emoji))
			r = &rs[i];
	if (!r) {
		r = &rs[(*n)++];
		if (!(r->emoji = strdup(emoji)) || !copy_member(it, "createdAt", &r->created_at))
			goto oom;
	}
	if (flat && !strv_push(&r->users, flat))
		goto oom;
	cJSON_ArrayForEach(u, (cJSON_IsArray(users) ? users : NULL))
	{
		const char *id =
		    cJSON_IsString(u) ? u->valuestring : cJSON_GetStringValue(item(u, "id"));
		if (id && !strv_push(&r->users, id))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool attachments_decode(const cJSON *list, struct comment *c, struct lb_error *err)
{
	const cJSON *it;
	size_t count = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;

	if (!count)
		return true;
	if (!(c->attachments = calloc(count, sizeof(*c->attachments))))
		goto oom;
	cJSON_ArrayForEach(it, list)
	{
		struct attachment *a = &c->attachments[c->n_attachments];
		const cJSON *size = item(it, "size");

		if (!cJSON_IsObject(it))
			continue;
		c->n_attachments++;
		/* A size that is no byte count is not known. */
		a->size = cJSON_IsNumber(size) && size->valuedouble >= 0 && size->valuedouble < 9e15
		              ? (long long)size->valuedouble
		              : -1;
		if (!copy_member(it, "id", &a->id) || !copy_member(it, "name", &a->name) ||
		    !copy_member(it, "mimeType", &a->mime_type))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool mention_push(struct strv *v, const char *id)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], id))
			return true;
	return strv_push(v, id);
}

/* The users a body's mentions name, into out: a user mention's ID (one
 * without a kind is a user's), and the userIds a mention carries. */
static bool body_mentions(const cJSON *node, struct strv *out)
{
	const char *type = cJSON_GetStringValue(item(node, "type"));
	const cJSON *child;

	if (cJSON_IsObject(node) && type && !strcmp(type, "mention")) {
		const char *kind = cJSON_GetStringValue(item(node, "kind"));
		const char *id = cJSON_GetStringValue(item(node, "id"));
		const cJSON *u;

		if (id && *id && (!kind || !strcmp(kind, "user")) && !mention_push(out, id))
			return false;
		cJSON_ArrayForEach(u, item(node, "userIds"))
		{
			if (cJSON_IsString(u) && *u->valuestring && !mention_push(out, u->valuestring))
				return false;
		}
		return true;
	}
	const cJSON *parent = (cJSON_IsObject(node) || cJSON_IsArray(node)) ? node : NULL;

	cJSON_ArrayForEach(child, parent)
	{
		if (!body_mentions(child, out))
			return false;
	}
	return true;
}

/* One comment object into c (zeroed); the caller clears c on failure. */
static bool comment_from(const cJSON *it, struct comment *c, struct lb_error *err)
{
	const cJSON *body = item(it, "body"), *reactions = item(it, "reactions"), *r;
	size_t count;

	c->created_s = c->edited_s = c->deleted_s = -1;
	if (!cJSON_IsObject(it) || !cJSON_GetStringValue(item(it, "id"))) {
		lb_error_set(err, LB_DECODE, "the server sent a comment without an \"id\"");
		return false;
	}
	if (!copy_member(it, "id", &c->id) || !copy_member(it, "threadId", &c->thread_id) ||
	    !copy_member(it, "roomId", &c->room_id) || !copy_member(it, "userId", &c->user_id) ||
	    !copy_member(it, "createdAt", &c->created_at) ||
	    !copy_member(it, "editedAt", &c->edited_at) ||
	    !copy_member(it, "deletedAt", &c->deleted_at))
		goto oom;
	c->created_s = iso8601_parse(c->created_at);
	c->edited_s = iso8601_parse(c->edited_at);
	c->deleted_s = iso8601_parse(c->deleted_at);
	if (cJSON_IsObject(body) && !c->deleted_at) {
		if (!(c->body_json = compact(body, true, "{}")) ||
		    !(c->preview = body_preview(body)) || !body_mentions(body, &c->mentions))
			goto oom;
	} else if (!(c->preview = strdup(""))) {
		goto oom;
	}
	if (!(c->metadata_json = compact(item(it, "metadata"), true, "{}")))
		goto oom;
	count = cJSON_IsArray(reactions) ? (size_t)cJSON_GetArraySize(reactions) : 0;
	if (count && !(c->reactions = calloc(count, sizeof(*c->reactions))))
		goto oom;
	cJSON_ArrayForEach(r, (count ? reactions : NULL))
	{
		if (!reaction_add(c->reactions, &c->n_reactions, r, err))
			return false;
	}
	return attachments_decode(item(it, "attachments"), c, err);
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* One thread object into t (zeroed); the caller clears t on failure. */
static bool thread_from(const cJSON *it, struct thread *t, struct lb_error *err)
{
	const cJSON *comments = item(it, "comments"), *c;
	size_t count;

	t->created_s = t->updated_s = -1;
	if (!cJSON_IsObject(it) || !cJSON_GetStringValue(item(it, "id"))) {
		lb_error_set(err, LB_DECODE, "the server sent a thread without an \"id\"");
		return false;
	}
	if (!copy_member(it, "id", &t->id) || !copy_member(it, "roomId", &t->room_id) ||
	    !copy_member(it, "createdAt", &t->created_at) ||
	    !copy_member(it, "updatedAt", &t->updated_at) ||
	    !copy_member(it, "visibility", &t->visibility) ||
	    !(t->metadata_json = compact(item(it, "metadata"), true, "{}")) ||
	    !(t->raw_json = compact(it, false, "{}")))
		goto oom;
	t->created_s = iso8601_parse(t->created_at);
	t->updated_s = iso8601_parse(t->updated_at);
	t->resolved = cJSON_IsTrue(item(it, "resolved"));
	if (comments && !cJSON_IsArray(comments)) {
		lb_error_set(err, LB_DECODE,
		             "the server sent a thread whose \"comments\" is not a list");
		return false;
	}
	count = comments ? (size_t)cJSON_GetArraySize(comments) : 0;
	if (count && !(t->comments = calloc(count, sizeof(*t->comments))))
		goto oom;
	cJSON_ArrayForEach(c, (count ? comments : NULL))
	{
		if (!comment_from(c, &t->comments[t->n_comments++], err))
			return false;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool thread_one_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	(void)index;
	return thread_from(o, out, err);
}

static void thread_one_clear(void *t)
{
	thread_clear(t);
}

bool thread_decode(const char *json, size_t len, struct thread *out, struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), thread_one_from, thread_one_clear, out, err);
}

static bool comment_one_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	(void)index;
	return comment_from(o, out, err);
}

static void comment_one_clear(void *c)
{
	comment_clear(c);
}

bool comment_decode(const char *json, size_t len, struct comment *out, struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), comment_one_from, comment_one_clear, out,
	                      err);
}

bool thread_list_decode(const char *json, size_t len, struct thread **out, size_t *n,
                        struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	struct thread *t = NULL;
	size_t k = 0, count;

	*out = NULL;
	*n = 0;
	if (!root)
		return false;
	data = item(root, "data");
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server sent threads without a \"data\" list");
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count && !(t = calloc(count, sizeof(*t)))) {
		cJSON_Delete(root);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	cJSON_ArrayForEach(it, data)
	{
		if (!thread_from(it, &t[k++], err)) {
			threads_free(t, k);
			cJSON_Delete(root);
			return false;
		}
	}
	cJSON_Delete(root);
	*out = t;
	*n = k;
	lb_error_clear(err);
	return true;
}

bool thread_subscriptions_decode(const char *json, size_t len, struct thread_subscription **out,
                                 size_t *n, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	struct thread_subscription *s = NULL;
	size_t k = 0, count;

	*out = NULL;
	*n = 0;
	if (!root)
		return false;
	data = item(root, "data");
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE,
		             "the server sent subscriptions without a \"data\" list");
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count && !(s = calloc(count, sizeof(*s))))
		goto oom;
	cJSON_ArrayForEach(it, data)
	{
		if (!cJSON_GetStringValue(item(it, "userId"))) {
			thread_subscriptions_free(s, k);
			cJSON_Delete(root);
			lb_error_set(
			    err, LB_DECODE,
			    "the server sent a subscription without a \"userId\" (item %zu)",
			    k + 1);
			return false;
		}
		k++;
		if (!copy_member(it, "userId", &s[k - 1].user_id) ||
		    !copy_member(it, "createdAt", &s[k - 1].created_at)) {
			thread_subscriptions_free(s, k);
			goto oom;
		}
		s[k - 1].created_s = iso8601_parse(s[k - 1].created_at);
	}
	cJSON_Delete(root);
	*out = s;
	*n = k;
	lb_error_clear(err);
	return true;
oom:
	cJSON_Delete(root);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

bool thread_participants_decode(const char *json, size_t len, struct strv *out,
                                struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *ids, *it;

	memset(out, 0, sizeof(*out));
	if (!root)
		return false;
	ids = item(root, "participantIds");
	if (!cJSON_IsArray(ids)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE,
		             "the server sent participants without a \"participantIds\" list");
		return false;
	}
	cJSON_ArrayForEach(it, ids)
	{
		if (!cJSON_IsString(it))
			continue;
		if (!strv_push(out, it->valuestring)) {
			strv_free(out);
			cJSON_Delete(root);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	cJSON_Delete(root);
	lb_error_clear(err);
	return true;
}

bool reaction_decode(const char *json, size_t len, struct reaction *out, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	size_t n = 0;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!root)
		return false;
	if (cJSON_IsObject(root)) {
		ok = reaction_add(out, &n, root, err);
	} else {
		ok = false;
		lb_error_set(err, LB_DECODE, "the server sent a reaction that is not an object");
	}
	cJSON_Delete(root);
	if (!ok)
		reaction_clear(out);
	else
		lb_error_clear(err);
	return ok;
}

void thread_metadata_summary(const char *metadata_json, char *out, size_t n)
{
	cJSON *root = metadata_json ? cJSON_Parse(metadata_json) : NULL;
	const cJSON *v;
	size_t pos = 0;

	if (n)
		out[0] = '\0';
	cJSON_ArrayForEach(v, (cJSON_IsObject(root) ? root : NULL))
	{
		char value[64];

		if (cJSON_IsString(v))
			snprintf(value, sizeof(value), "%s", v->valuestring);
		else if (cJSON_IsBool(v))
			snprintf(value, sizeof(value), "%s", cJSON_IsTrue(v) ? "true" : "false");
		else if (cJSON_IsNumber(v))
			snprintf(value, sizeof(value), "%.15g", v->valuedouble);
		else
			snprintf(value, sizeof(value), "?");
		if (pos)
			str_append(out, n, &pos, ", ");
		str_append(out, n, &pos, v->string ? v->string : "");
		str_append(out, n, &pos, "=");
		str_append(out, n, &pos, value);
	}
	cJSON_Delete(root);
}

/* ------------------------------------------------------------------ */
/* What commands send: the thread query, metadata */

char *thread_query_build(const char *typed, int resolved, bool *nomem)
{
	struct buf b;
	const char *q = typed ? typed + strspn(typed, " \t") : "";
	size_t qlen = strlen(q);

	*nomem = false;
	while (qlen && (q[qlen - 1] == ' ' || q[qlen - 1] == '\t'))
		qlen--;
	if (resolved < 0 && !qlen)
		return NULL;
	buf_init(&b);
	if (resolved >= 0)
		buf_adds(&b, resolved ? "resolved:true" : "resolved:false");
	if (qlen && b.len)
		buf_adds(&b, " ");
	if (qlen)
		buf_add(&b, q, qlen);
	if (!b.data)
		*nomem = true;
	return buf_steal(&b);
}

/* UTF-16 units of s as the API counts them; -1 when s is not UTF-8. */
static long utf16_units(const char *s)
{
	size_t n = strlen(s);
	long units = 0;

	for (size_t i = 0; i < n;) {
		long cp;

		i += utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp < 0)
			return -1;
		units += cp > 0xffff ? 2 : 1;
	}
	return units;
}

/* Whether key is in keys[0..n). */
static bool has_key(char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

/* Check one key: not empty, UTF-8, not too long, not given before. */
static bool check_key(const char *key, char *const *seen, size_t n, struct lb_error *err)
{
	long units = utf16_units(key);

	if (!*key) {
		lb_error_set(err, LB_USAGE, "a metadata key must not be empty");
		return false;
	}
	if (units < 0) {
		lb_error_set(err, LB_USAGE, "the metadata key '%s' is not valid UTF-8", key);
		return false;
	}
	if (units > THREAD_METADATA_KEY_MAX) {
		lb_error_set(err, LB_USAGE,
		             "the metadata key '%.60s...' is %ld characters long; the API takes at "
		             "most %d",
		             key, units, THREAD_METADATA_KEY_MAX);
		return false;
	}
	if (has_key(seen, n, key)) {
		lb_error_set(err, LB_USAGE, "the metadata key '%s' is given twice", key);
		return false;
	}
	return true;
}

/* The JSON of one value as typed (number, true, false, "string", or
 * text). */
static bool write_value(struct json_writer *w, const char *key, const char *v, struct lb_error *err)
{
	if (!strcmp(v, "true") || !strcmp(v, "false") || json_is_number(v, NULL)) {
		json_literal(w, v);
		return true;
	}
	cJSON *quoted = v[0] == '"' ? cJSON_Parse(v) : NULL;
	const char *text = cJSON_IsString(quoted) ? quoted->valuestring : v;
	long units = utf16_units(text);
	bool ok = units >= 0 && units <= THREAD_METADATA_VALUE_MAX;

	if (units < 0)
		lb_error_set(err, LB_USAGE, "the metadata value of '%s' is not valid UTF-8", key);
	else if (!ok)
		lb_error_set(err, LB_USAGE,
		             "the metadata value of '%s' is %ld characters long; the API takes at "
		             "most %d",
		             key, units, THREAD_METADATA_VALUE_MAX);
	else
		json_string(w, text);
	cJSON_Delete(quoted);
	return ok;
}

bool thread_metadata_build(const struct strv *set, const struct strv *unset, struct buf *out,
                           struct lb_error *err)
{
	size_t total = set->n + unset->n;
	char **keys = calloc(total ? total : 1, sizeof(*keys));
	struct json_writer w;
	size_t k = 0;
	bool ok = keys != NULL;

	if (!keys) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	if (total > THREAD_METADATA_MAX_KEYS) {
		lb_error_set(err, LB_USAGE, "%zu metadata keys: the API takes at most %d", total,
		             THREAD_METADATA_MAX_KEYS);
		free(keys);
		return false;
	}
	json_writer_init(&w, out, false);
	json_begin_object(&w);
	for (size_t i = 0; ok && i < set->n; i++) {
		const char *eq = strchr(set->v[i], '=');

		if (!eq || eq == set->v[i]) {
			lb_error_set(err, LB_USAGE, "metadata wants KEY=VALUE, got '%s'",
			             set->v[i]);
			ok = false;
		} else if (!(keys[k] = strndup(set->v[i], (size_t)(eq - set->v[i])))) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			ok = false;
		} else if (!(ok = check_key(keys[k], keys, k, err))) {
			free(keys[k]);
		} else {
			json_key(&w, keys[k]);
			ok = write_value(&w, keys[k++], eq + 1, err);
		}
	}
	size_t owned = k;
	for (size_t i = 0; ok && i < unset->n; i++) {
		if ((ok = check_key(unset->v[i], keys, k, err))) {
			keys[k++] = unset->v[i];
			json_key(&w, unset->v[i]);
			json_null(&w);
		}
	}
	json_end_object(&w);
	for (size_t i = 0; i < owned; i++)
		free(keys[i]);
	free(keys);
	if (ok && !w.ok) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		ok = false;
	}
	return ok;
}
