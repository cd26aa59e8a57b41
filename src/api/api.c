#include "lbconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "api.h"
#include "api_impl.h"
#include "term_safe.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Set-up */

/* Set up; copies base_url and builds the auth header from secret. */
void api_json_library_version(struct buf *b)
{
	buf_printf(b, "cJSON %s\n", cJSON_Version());
}

bool api_init(struct api *a, struct transport t, const char *base_url, const char *secret,
              struct lb_error *err)
{
	struct buf b;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->transport = t;
	if (!base_url || !*base_url) {
		lb_error_set(err, LB_CONFIG, "no base URL");
		return false;
	}
	if (secret && strpbrk(secret, "\r\n")) {
		lb_error_set(err, LB_CONFIG, "the secret key contains a line break");
		return false;
	}
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	a->base_url = strndup(base_url, n);
	buf_init(&b);
	/* Without a secret no Authorization header is sent, and the server's
	 * 401 explains what is missing. */
	if (secret && *secret) {
		if (!buf_printf(&b, "Authorization: Bearer %s", secret)) {
			buf_free(&b);
			goto oom;
		}
		a->auth_header = buf_steal(&b);
	}
	if (!buf_printf(&b, "User-Agent: lbtui/%s", PACKAGE_VERSION)) {
		buf_free(&b);
		goto oom;
	}
	a->user_agent_header = buf_steal(&b);
	if (!a->base_url || !a->user_agent_header || ((secret && *secret) && !a->auth_header))
		goto oom;
	lb_error_clear(err);
	return true;
oom:
	api_clear(a);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* Free what api_init allocated; the secret is wiped before it is freed. */
void api_clear(struct api *a)
{
	if (!a)
		return;
	if (a->auth_header) {
		volatile char *p = a->auth_header;

		while (*p)
			*p++ = '\0';
		free(a->auth_header);
	}
	free(a->base_url);
	free(a->user_agent_header);
	a->auth_header = NULL;
	a->base_url = NULL;
	a->user_agent_header = NULL;
}

/* ------------------------------------------------------------------ */
/* Errors */

/* Copy at most n - 1 bytes without cutting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t n, const char *src, size_t len)
{
	if (n == 0)
		return;
	if (len > n - 1) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The body as one trimmed line of at most ~200 bytes, for messages. */
static void one_line(const char *body, size_t len, char *out, size_t n)
{
	char tmp[208];
	size_t o = 0;
	bool space = false;
	size_t limit = 200;

	for (size_t i = 0; i < len && o < limit; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\0')
			break;
		if (isspace(c)) {
			space = o > 0;
			continue;
		}
		if (space) {
			tmp[o++] = ' ';
			space = false;
			if (o >= limit)
				break;
		}
		tmp[o++] = (char)c;
	}
	/* Do not end inside a UTF-8 sequence. */
	if (o > 0 && ((unsigned char)tmp[o - 1] & 0x80)) {
		size_t s = o - 1;

		while (s > 0 && ((unsigned char)tmp[s] & 0xC0) == 0x80)
			s--;
		{
			unsigned char lead = (unsigned char)tmp[s];
			size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

			if (o - s < need)
				o = s;
		}
	}
	while (o > 0 && tmp[o - 1] == ' ')
		o--;
	tmp[o] = '\0';
	snprintf(out, n, "%s", tmp);
}

/* What the server said, with any secret key in it masked (a server may echo
 * the key it refused), as one line (code: cut to fit, as it is). */
static void server_text(const char *s, size_t len, bool code, char *out, size_t n)
{
	size_t masked_len;
	char *masked = ts_mask(s, len, &masked_len);

	if (!masked && masked_len == (size_t)-1) {
		snprintf(out, n, "(not shown: out of memory)");
		return;
	}
	if (masked) {
		s = masked;
		len = masked_len;
	}
	if (code)
		copy_utf8(out, n, s, strnlen(s, len));
	else
		one_line(s, len, out, n);
	free(masked);
}

static const char *fallback_message(long status)
{
	if (status == 401)
		return "the secret key is missing";
	if (status == 403)
		return "the secret key was refused \u2014 check LIVEBLOCKS_SECRET_KEY or the "
		       "profile";
	if (status == 404)
		return "not found";
	if (status == 409)
		return "already exists";
	if (status == 422)
		return "the server could not process the request";
	if (status == 429)
		return "rate limited";
	if (status >= 500)
		return "server error";
	if (status >= 400)
		return "the request was refused";
	return "unexpected response";
}

/* Parse JSON that must span the whole input (trailing blanks allowed).
 * On failure *where gets the byte offset of the problem. */
static cJSON *parse_json(const char *json, size_t len, size_t *where)
{
	const char *end = NULL;
	cJSON *root;

	*where = 0;
	if (!json || len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root) {
		*where = end && end >= json ? (size_t)(end - json) : 0;
		return NULL;
	}
	if (end) {
		size_t off = (size_t)(end - json);

		while (off < len && (isspace((unsigned char)json[off]) || json[off] == '\0'))
			off++;
		if (off < len) {
			cJSON_Delete(root);
			*where = (size_t)(end - json);
			return NULL;
		}
	}
	return root;
}

/* Parse a whole body; NULL with err set (LB_DECODE) when it is not JSON. */
cJSON *api_parse_json(const char *json, size_t len, struct lb_error *err)
{
	size_t where;
	cJSON *root = parse_json(json, len, &where);

	if (root)
		return root;
	if (!json || len == 0)
		lb_error_set(err, LB_DECODE, "the server sent malformed JSON (empty body)");
	else if (where >= len)
		lb_error_set(err, LB_DECODE,
		             "the server sent malformed JSON (it ends early, after %zu bytes)",
		             len);
	else
		lb_error_set(err, LB_DECODE, "the server sent malformed JSON (at byte %zu of %zu)",
		             where, len);
	return NULL;
}

bool api_decode_one(const char *json, size_t len, size_t item_size, api_item_from_fn item_from,
                    void (*item_clear)(void *item), void *out, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	bool ok;

	memset(out, 0, item_size);
	if (!root)
		return false;
	ok = item_from(root, out, 0, err);
	cJSON_Delete(root);
	if (ok)
		lb_error_clear(err);
	else
		item_clear(out);
	return ok;
}

bool api_decode_page(const char *json, size_t len, const char *what, size_t item_size,
                     api_item_from_fn item_from, void (*item_clear)(void *item), void **out,
                     size_t *n, char **next, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	const char *cursor;
	char *items = NULL;
	size_t k = 0, count;

	*out = NULL;
	*n = 0;
	*next = NULL;
	if (!root)
		return false;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server sent %s without a \"data\" array", what);
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count && !(items = calloc(count, item_size)))
		goto oom;
	cJSON_ArrayForEach(it, data)
	{
		if (!item_from(it, items + k * item_size, k, err)) {
			k++; /* the failed one may hold part of itself */
			goto fail;
		}
		k++;
	}
	cursor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "nextCursor"));
	if (cursor && *cursor && !(*next = strdup(cursor)))
		goto oom;
	cJSON_Delete(root);
	*out = items;
	*n = k;
	lb_error_clear(err);
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
fail:
	for (size_t i = 0; i < k; i++)
		item_clear(items + i * item_size);
	free(items);
	cJSON_Delete(root);
	return false;
}

/* Decode an error response: the API's {error, message, suggestion}, the dev
 * server's {error, reason}, or the body text when it is not JSON. */
void api_decode_error(long status, const char *body, size_t len, struct lb_error *err)
{
	cJSON *root;
	size_t where;

	lb_error_clear(err);
	err->status = LB_HTTP;
	err->http_status = status;
	if (body && len > 0 && (root = parse_json(body, len, &where)) != NULL) {
		if (cJSON_IsObject(root)) {
			const char *code =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "error"));
			const char *msg =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
			const char *sug = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(root, "suggestion"));

			if (!msg)
				msg = cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(root, "reason"));
			if (code)
				server_text(code, strlen(code), true, err->code, sizeof(err->code));
			if (msg)
				server_text(msg, strlen(msg), false, err->message,
				            sizeof(err->message));
			if (sug)
				server_text(sug, strlen(sug), false, err->suggestion,
				            sizeof(err->suggestion));
		} else if (cJSON_IsString(root)) {
			const char *s = cJSON_GetStringValue(root);

			server_text(s, strlen(s), false, err->message, sizeof(err->message));
		} else {
			server_text(body, len, false, err->message, sizeof(err->message));
		}
		cJSON_Delete(root);
	} else if (body && len > 0) {
		server_text(body, len, false, err->message, sizeof(err->message));
	}
	if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "%s", fallback_message(status));
}

/* ------------------------------------------------------------------ */
/* Decoders */

/* Text for a scalar JSON value (string, number, bool); NULL otherwise. */
static char *scalar_text(const cJSON *v)
{
	char num[64];

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		/* Range first: casting a double beyond long long is undefined. */
		if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
			snprintf(num, sizeof(num), "%lld", (long long)d);
		else
			snprintf(num, sizeof(num), "%.17g", d);
		return strdup(num);
	}
	return NULL;
}

/* Strings of an array (other scalars as text, the rest skipped). */
static bool decode_strv(const cJSON *arr, struct strv *out)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return true;
	cJSON_ArrayForEach(it, arr)
	{
		char *s = scalar_text(it);
		bool ok;

		if (!s)
			continue;
		ok = strv_push(out, s);
		free(s);
		if (!ok)
			return false;
	}
	return true;
}

static bool kvv_append(struct kvv *m, const char *key, struct strv *list, bool is_list)
{
	struct kv *v;
	char *k = strdup(key);

	if (!k)
		return false;
	v = realloc(m->v, (m->n + 1) * sizeof(*v));
	if (!v) {
		free(k);
		return false;
	}
	m->v = v;
	m->v[m->n].key = k;
	m->v[m->n].list = *list;
	m->v[m->n].is_list = is_list;
	m->n++;
	list->v = NULL;
	list->n = 0;
	return true;
}

/* {key: string[] | string} (accesses) or {key: string | string[]} (metadata). */
static bool decode_kvv(const cJSON *obj, struct kvv *out)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return true;
	cJSON_ArrayForEach(it, obj)
	{
		struct strv list = {0};
		bool is_list;

		if (!it->string)
			continue;
		if (cJSON_IsArray(it)) {
			is_list = true;
			if (!decode_strv(it, &list))
				goto oom;
		} else {
			char *s = scalar_text(it);

			if (!s)
				continue;
			is_list = false;
			if (!strv_push(&list, s)) {
				free(s);
				goto oom;
			}
			free(s);
		}
		if (!kvv_append(out, it->string, &list, is_list)) {
			strv_free(&list);
			goto oom;
		}
		continue;
	oom:
		return false;
	}
	return true;
}

static bool opt_string(const cJSON *obj, const char *name, char **out)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));

	*out = NULL;
	if (!s)
		return true;
	*out = strdup(s);
	return *out != NULL;
}

/* One room object into out (which is cleared first). */
static bool decode_room_item(const cJSON *obj, struct room *out, struct lb_error *err)
{
	const char *id;

	memset(out, 0, sizeof(*out));
	out->created_s = -1;
	out->last_connection_s = -1;
	if (!cJSON_IsObject(obj)) {
		lb_error_set(err, LB_DECODE, "the server sent something other than a room object");
		return false;
	}
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "id"));
	if (!id) {
		lb_error_set(err, LB_DECODE, "the server sent a room without an \"id\"");
		return false;
	}
	out->id = strdup(id);
	if (!out->id || !opt_string(obj, "organizationId", &out->organization_id) ||
	    !opt_string(obj, "createdAt", &out->created_at) ||
	    !opt_string(obj, "lastConnectionAt", &out->last_connection_at) ||
	    !decode_strv(cJSON_GetObjectItemCaseSensitive(obj, "defaultAccesses"),
	                 &out->default_accesses) ||
	    !decode_kvv(cJSON_GetObjectItemCaseSensitive(obj, "usersAccesses"),
	                &out->users_accesses) ||
	    !decode_kvv(cJSON_GetObjectItemCaseSensitive(obj, "groupsAccesses"),
	                &out->groups_accesses) ||
	    !decode_kvv(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), &out->metadata))
		goto oom;
	/* Access lists are lists whatever was sent. */
	for (size_t i = 0; i < out->users_accesses.n; i++)
		out->users_accesses.v[i].is_list = true;
	for (size_t i = 0; i < out->groups_accesses.n; i++)
		out->groups_accesses.v[i].is_list = true;
	out->created_s = iso8601_parse(out->created_at);
	out->last_connection_s = iso8601_parse(out->last_connection_at);
	out->raw_json = cJSON_PrintUnformatted(obj);
	if (!out->raw_json)
		goto oom;
	return true;
oom:
	room_clear(out);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* Decode one room; false with err set (LB_DECODE) on bad input. */
bool api_decode_room(const char *json, size_t len, struct room *out, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	bool ok;

	if (!root) {
		memset(out, 0, sizeof(*out));
		out->created_s = -1;
		out->last_connection_s = -1;
		return false;
	}
	ok = decode_room_item(root, out, err);
	cJSON_Delete(root);
	if (ok)
		lb_error_clear(err);
	return ok;
}

/* Decode {data: Room[], nextCursor: string|null}; false with err set. */
bool api_decode_room_page(const char *json, size_t len, struct room_page *out, struct lb_error *err)
{
	size_t count, i = 0;
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	const char *cursor;

	memset(out, 0, sizeof(*out));
	if (!root)
		return false;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
		lb_error_set(err, LB_DECODE, "the server sent a list without a \"data\" array");
		cJSON_Delete(root);
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count > 0) {
		out->rooms = calloc(count, sizeof(*out->rooms));
		if (!out->rooms) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			cJSON_Delete(root);
			return false;
		}
	}
	cJSON_ArrayForEach(it, data)
	{
		if (!decode_room_item(it, &out->rooms[i], err)) {
			if (err->status == LB_DECODE) {
				char msg[sizeof(err->message)];

				snprintf(msg, sizeof(msg), "%s", err->message);
				lb_error_set(err, LB_DECODE, "%s (item %zu of the list)", msg,
				             i + 1);
			}
			room_page_clear(out);
			cJSON_Delete(root);
			return false;
		}
		out->n = ++i;
	}
	/* A missing or null nextCursor means no next page (the dev server also
	 * sends nextPage: null, which is not used). */
	cursor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "nextCursor"));
	if (cursor && *cursor) {
		out->next_cursor = strdup(cursor);
		if (!out->next_cursor) {
			room_page_clear(out);
			cJSON_Delete(root);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	cJSON_Delete(root);
	lb_error_clear(err);
	return true;
}

/* ------------------------------------------------------------------ */
/* Request bodies */

void room_create_clear(struct room_create *c)
{
	if (!c)
		return;
	free(c->id);
	strv_free(&c->default_accesses);
	kvv_free(&c->users_accesses);
	kvv_free(&c->groups_accesses);
	kvv_free(&c->metadata);
	free(c->organization_id);
	memset(c, 0, sizeof(*c));
}

static void patch_map_free(struct room_patch_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		strv_free(&m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void room_update_clear(struct room_update *u)
{
	if (!u)
		return;
	strv_free(&u->default_accesses);
	patch_map_free(&u->users_accesses);
	patch_map_free(&u->groups_accesses);
	patch_map_free(&u->metadata);
	memset(u, 0, sizeof(*u));
}

/* Set key to value (copied), or to null when unset; a key already present
 * is replaced. False on allocation failure (map unchanged). */
bool room_patch_map_set(struct room_patch_map *m, const char *key, const struct strv *value,
                        bool is_list, bool unset)
{
	struct room_patch_entry e = {0}, *v;
	size_t i;

	if (!m || !key)
		return false;
	e.key = strdup(key);
	if (!e.key)
		return false;
	e.is_list = is_list;
	e.unset = unset;
	if (!unset && value) {
		for (size_t j = 0; j < value->n; j++) {
			if (!strv_push(&e.value, value->v[j] ? value->v[j] : "")) {
				free(e.key);
				strv_free(&e.value);
				return false;
			}
		}
	}
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			break;
	if (i < m->n) {
		free(m->v[i].key);
		strv_free(&m->v[i].value);
		m->v[i] = e;
		return true;
	}
	v = realloc(m->v, (m->n + 1) * sizeof(*v));
	if (!v) {
		free(e.key);
		strv_free(&e.value);
		return false;
	}
	m->v = v;
	m->v[m->n++] = e;
	return true;
}

static cJSON *strv_json(const struct strv *s)
{
	cJSON *arr = cJSON_CreateArray();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		cJSON *str = cJSON_CreateString(s->v[i] ? s->v[i] : "");

		if (!str) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, str);
	}
	return arr;
}

/* A string, or a list when is_list (an empty string for an empty scalar). */
static cJSON *value_json(const struct strv *s, bool is_list)
{
	if (is_list)
		return strv_json(s);
	return cJSON_CreateString(s->n > 0 && s->v[0] ? s->v[0] : "");
}

static bool add(cJSON *obj, const char *name, cJSON *item)
{
	if (!item)
		return false;
	cJSON_AddItemToObject(obj, name, item);
	return true;
}

/* {key: list} for accesses, {key: string|list} for metadata. */
static cJSON *kvv_json(const struct kvv *m, bool metadata)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct kv *e = &m->v[i];

		if (!add(obj, e->key ? e->key : "",
		         value_json(&e->list, metadata ? e->is_list : true))) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}

static cJSON *patch_json(const struct room_patch_map *m, bool metadata)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct room_patch_entry *e = &m->v[i];
		cJSON *v = e->unset ? cJSON_CreateNull()
		                    : value_json(&e->value, metadata ? e->is_list : true);

		if (!add(obj, e->key, v)) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}

static char *print_and_free(cJSON *root, bool ok)
{
	char *s = ok ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	return s;
}

/* {id, defaultAccesses, usersAccesses?, groupsAccesses?, metadata?,
 * organizationId?}. Caller frees; NULL on allocation failure. */
char *api_room_create_body(const struct room_create *c)
{
	static const char *const pub[] = {"room:write"};
	const struct strv public_access = {(char **)pub, 1};
	cJSON *root = cJSON_CreateObject();
	bool ok;

	if (!root)
		return NULL;
	/* The API requires defaultAccesses; unset means public, as the
	 * server's own default. */
	ok = add(root, "id", cJSON_CreateString(c->id ? c->id : "")) &&
	     add(root, "defaultAccesses",
	         strv_json(c->default_accesses_set ? &c->default_accesses : &public_access));
	if (ok && c->users_accesses.n)
		ok = add(root, "usersAccesses", kvv_json(&c->users_accesses, false));
	if (ok && c->groups_accesses.n)
		ok = add(root, "groupsAccesses", kvv_json(&c->groups_accesses, false));
	if (ok && c->metadata.n)
		ok = add(root, "metadata", kvv_json(&c->metadata, true));
	if (ok && c->organization_id)
		ok = add(root, "organizationId", cJSON_CreateString(c->organization_id));
	return print_and_free(root, ok);
}

/* Only the fields present; unset entries become null. Caller frees. */
char *api_room_update_body(const struct room_update *u)
{
	cJSON *root = cJSON_CreateObject();
	bool ok = true;

	if (!root)
		return NULL;
	if (u->default_accesses_set)
		ok = add(root, "defaultAccesses", strv_json(&u->default_accesses));
	if (ok && u->users_accesses.n)
		ok = add(root, "usersAccesses", patch_json(&u->users_accesses, false));
	if (ok && u->groups_accesses.n)
		ok = add(root, "groupsAccesses", patch_json(&u->groups_accesses, false));
	if (ok && u->metadata.n)
		ok = add(root, "metadata", patch_json(&u->metadata, true));
	return print_and_free(root, ok);
}

/* ------------------------------------------------------------------ */
/* Requests */

/* The shared request machinery (used by api_send.c). */

/* Whether read-only mode refuses ep; see api.h. */
bool api_refuses(const struct api *a, enum endpoint_id ep, struct lb_error *err)
{
	const struct endpoint *e = endpoint_get(ep);

	if (!a || !a->read_only || !endpoint_has(ep, EPF_MUTATION))
		return false;
	if (err)
		lb_error_set(err, LB_READONLY,
		             "read-only mode: %s (%s %s) refused, nothing was sent", e->what,
		             http_method_name(e->method), e->path);
	return true;
}

void api_request_clear(struct api_request *r)
{
	if (!r)
		return;
	free(r->url);
	memset(r, 0, sizeof(*r));
}

/* The request to ep; see api.h. */
bool api_request_build(const struct api *a, enum endpoint_id ep, const char *const *params,
                       size_t n, const char *query, const void *body, size_t body_len,
                       enum api_content ct, struct api_request *out, struct lb_error *err)
{
	const struct endpoint *e = endpoint_get(ep);
	size_t h = 0;

	memset(out, 0, sizeof(*out));
	if (!e) {
		lb_error_set(err, LB_USAGE, "no such endpoint");
		return false;
	}
	if (api_refuses(a, ep, err))
		return false;
	if (n != endpoint_params(e)) {
		lb_error_set(err, LB_USAGE, "%s takes %zu path parameters, not %zu", e->name,
		             endpoint_params(e), n);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!params[i] || !params[i][0]) {
			lb_error_set(err, LB_USAGE, "%s: path parameter %zu of %s is empty",
			             e->what, i + 1, e->path);
			return false;
		}
	out->url = endpoint_url(e, a->base_url, params, n, query);
	if (!out->url) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	out->ep = e;
	if (a->auth_header)
		out->headers[h++] = a->auth_header;
	out->headers[h++] = "Accept: application/json";
	if (ct == API_CT_JSON)
		out->headers[h++] = "Content-Type: application/json";
	else if (ct == API_CT_OCTETS)
		out->headers[h++] = "Content-Type: application/octet-stream";
	else if (ct == API_CT_MARKDOWN)
		out->headers[h++] = "Content-Type: text/markdown";
	else if (ct == API_CT_TEXT)
		out->headers[h++] = "Content-Type: text/plain";
	else if (ct == API_CT_HTML)
		out->headers[h++] = "Content-Type: text/html";
	else if (ct == API_CT_PDF)
		out->headers[h++] = "Content-Type: application/pdf";
	if (a->user_agent_header)
		out->headers[h++] = a->user_agent_header;
	out->headers[h] = NULL;
	out->http.method = e->method;
	out->http.url = out->url;
	out->http.headers = out->headers;
	out->http.body = body;
	out->http.body_len = body ? body_len : 0;
	out->http.idempotent = (e->flags & EPF_IDEMPOTENT) != 0;
	out->http.secret_body = (e->flags & EPF_SECRET_BODY) != 0;
	out->http.endpoint = e->name;
	lb_error_clear(err);
	return true;
}

static void on_http_done(const struct http_response *resp, void *ud)
{
	struct api_call *call = ud;

	call->finish(call, resp);
	if (call->submitting)
		call->finished = true;
	else
		free(call);
}

/* Report an error before anything was sent, and free the call. */
static http_id call_fail(struct api_call *call, const struct lb_error *err)
{
	struct http_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.err = *err;
	call->finish(call, &resp);
	free(call);
	return 0;
}

http_id api_submit(struct api *a, enum endpoint_id ep, const char *const *params, size_t n,
                   const char *query, const void *body, size_t body_len, enum api_content ct,
                   struct api_call *call)
{
	struct api_request req;
	struct lb_error err;
	http_id id;

	if (!a->transport.submit) {
		lb_error_set(&err, LB_NETWORK, "no transport to send the request");
		return call_fail(call, &err);
	}
	if (!api_request_build(a, ep, params, n, query, body, body_len, ct, &req, &err))
		return call_fail(call, &err);
	req.http.done = on_http_done;
	req.http.ud = call;
	req.http.sink = call->sink;
	call->submitting = true;
	id = a->transport.submit(a->transport.ctx, &req.http);
	call->submitting = false;
	api_request_clear(&req);
	if (call->finished) {
		free(call);
		return 0;
	}
	if (id == 0) {
		lb_error_set(&err, LB_NETWORK, "the request could not be started");
		return call_fail(call, &err);
	}
	return id;
}

bool api_response_ok(const struct http_response *resp, struct lb_error *err)
{
	if (resp->err.status != LB_OK) {
		*err = resp->err;
		return false;
	}
	if (resp->status < 200 || resp->status > 299) {
		api_decode_error(resp->status, resp->body, resp->body_len, err);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Cancelling */

/* Cancel a request; its callback gets LB_CANCELLED. False if unknown. */
bool api_cancel(struct api *a, http_id id)
{
	if (!a || !a->transport.cancel || id == 0)
		return false;
	return a->transport.cancel(a->transport.ctx, id);
}
