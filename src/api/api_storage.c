#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "api_impl.h"
#include "api_storage.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Decoders */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* Free every user's strings and the array. */
void active_users_free(struct active_user *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		active_user_clear(&v[i]);
	free(v);
}

/* Free one user's strings; it is empty after. */
void active_user_clear(struct active_user *u)
{
	free(u->id);
	free(u->info_json);
	memset(u, 0, sizeof(*u));
}

/* Free every version's strings and the array. */
void versions_free(struct version *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		version_clear(&v[i]);
	free(v);
}

/* Free one version's strings; it is empty after. */
void version_clear(struct version *v)
{
	free(v->id);
	free(v->created_at);
	strv_free(&v->authors);
	memset(v, 0, sizeof(*v));
}

/* Approximate heap bytes of a users array, for the memory budget. */
size_t active_users_bytes(const struct active_user *v, size_t n)
{
	size_t b = n * sizeof(*v);

	for (size_t i = 0; v && i < n; i++)
		b += (v[i].id ? strlen(v[i].id) + 1 : 0) +
		     (v[i].info_json ? strlen(v[i].info_json) + 1 : 0);
	return b;
}

/* Approximate heap bytes of a versions array, for the memory budget. */
size_t versions_bytes(const struct version *v, size_t n)
{
	size_t b = n * sizeof(*v);

	for (size_t i = 0; v && i < n; i++) {
		b += (v[i].id ? strlen(v[i].id) + 1 : 0) +
		     (v[i].created_at ? strlen(v[i].created_at) + 1 : 0);
		for (size_t j = 0; j < v[i].authors.n; j++)
			b += sizeof(char *) + strlen(v[i].authors.v[j]) + 1;
	}
	return b;
}

/* {data:[{type:"user", id:string|null, connectionId:number, info}]}. */
bool api_decode_active_users(const char *json, size_t len, struct active_user **out, size_t *n,
                             struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	struct active_user *v = NULL;
	size_t k = 0, count;

	*out = NULL;
	*n = 0;
	if (!root)
		return false;
	data = item(root, "data");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE,
		             "the server sent active users without a \"data\" array");
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count && !(v = calloc(count, sizeof(*v))))
		goto oom;
	cJSON_ArrayForEach(it, data)
	{
		const cJSON *id = item(it, "id"), *conn = item(it, "connectionId");
		const cJSON *info = item(it, "info");

		if (!cJSON_IsObject(it)) {
			active_users_free(v, k);
			cJSON_Delete(root);
			lb_error_set(
			    err, LB_DECODE,
			    "the server sent an active user that is not an object (item %zu)",
			    k + 1);
			return false;
		}
		if (cJSON_IsString(id) && !(v[k].id = strdup(id->valuestring)))
			goto oom_v;
		v[k].connection_id = cJSON_IsNumber(conn) ? conn->valueint : -1;
		if (info && !cJSON_IsNull(info) && !(v[k].info_json = cJSON_PrintUnformatted(info)))
			goto oom_v;
		k++;
	}
	cJSON_Delete(root);
	*out = v;
	*n = k;
	lb_error_clear(err);
	return true;
oom_v:
	active_users_free(v, k + 1);
oom:
	cJSON_Delete(root);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* {nextCursor, data:[{id, createdAt, authors:[{id}]}]}. */
bool api_decode_versions(const char *json, size_t len, struct version **out, size_t *n,
                         char **next_cursor, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *data, *it;
	struct version *v = NULL;
	size_t k = 0, count;
	const char *cursor;

	*out = NULL;
	*n = 0;
	*next_cursor = NULL;
	if (!root)
		return false;
	data = item(root, "data");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(data)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server sent versions without a \"data\" array");
		return false;
	}
	count = (size_t)cJSON_GetArraySize(data);
	if (count && !(v = calloc(count, sizeof(*v))))
		goto oom;
	cJSON_ArrayForEach(it, data)
	{
		const char *id = cJSON_GetStringValue(item(it, "id"));
		const char *created = cJSON_GetStringValue(item(it, "createdAt"));
		const cJSON *authors = item(it, "authors"), *a;
		const cJSON *list = cJSON_IsArray(authors) ? authors : NULL;

		if (!id) {
			versions_free(v, k);
			cJSON_Delete(root);
			lb_error_set(err, LB_DECODE,
			             "the server sent a version without an \"id\" (item %zu)",
			             k + 1);
			return false;
		}
		v[k].created_s = -1;
		if (!(v[k].id = strdup(id)) || (created && !(v[k].created_at = strdup(created))))
			goto oom_v;
		v[k].created_s = iso8601_parse(created);
		cJSON_ArrayForEach(a, list)
		{
			const char *aid = cJSON_IsString(a) ? a->valuestring
			                                    : cJSON_GetStringValue(item(a, "id"));

			if (aid && !strv_push(&v[k].authors, aid))
				goto oom_v;
		}
		k++;
	}
	cursor = cJSON_GetStringValue(item(root, "nextCursor"));
	if (cursor && *cursor && !(*next_cursor = strdup(cursor)))
		goto oom_v0;
	cJSON_Delete(root);
	*out = v;
	*n = k;
	lb_error_clear(err);
	return true;
oom_v:
	versions_free(v, k + 1);
	goto oom;
oom_v0:
	versions_free(v, k);
oom:
	cJSON_Delete(root);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* {"data":{"id":"vh_..."}}, or {"id":...}. */
bool api_decode_version_id(const char *json, size_t len, char **id, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const char *s;

	*id = NULL;
	if (!root)
		return false;
	s = cJSON_GetStringValue(item(item(root, "data"), "id"));
	if (!s)
		s = cJSON_GetStringValue(item(root, "id"));
	if (!s) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server did not send the new version's \"id\"");
		return false;
	}
	*id = strdup(s);
	cJSON_Delete(root);
	if (!*id) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	lb_error_clear(err);
	return true;
}

/* No endpoint: 501, or 404/405 not about a missing room or resource. */
bool api_is_no_endpoint(const struct lb_error *err)
{
	if (!err || err->status != LB_HTTP)
		return false;
	if (err->http_status == 501)
		return true;
	if (err->http_status != 404 && err->http_status != 405)
		return false;
	return strcmp(err->code, "ROOM_NOT_FOUND") != 0 &&
	       strcmp(err->code, "RESOURCE_NOT_FOUND") != 0;
}

/* ------------------------------------------------------------------ */
/* Request bodies and URLs */

static bool add_param(struct buf *b, const char *name, const char *value)
{
	char *enc = url_encode(value);
	bool ok;

	if (!enc)
		return false;
	ok = buf_adds(b, b->len ? "&" : "") && buf_adds(b, name) && buf_adds(b, "=") &&
	     buf_adds(b, enc);
	free(enc);
	return ok;
}

/* "formatting=true&key=K&type=T" ("" for none). Caller frees. */
char *api_ydoc_query(bool formatting, const char *key, const char *type)
{
	struct buf b;

	buf_init(&b);
	if ((formatting && !add_param(&b, "formatting", "true")) ||
	    (key && !add_param(&b, "key", key)) || (type && !add_param(&b, "type", type))) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* {"update":{...},"create":{... without id}}. Caller frees. */
char *api_room_upsert_body(const struct room_update *update, const struct room_create *create)
{
	static const struct room_update none;
	char *u = api_room_update_body(update ? update : &none);
	char *c = create ? api_room_create_body(create) : NULL;
	cJSON *root = cJSON_CreateObject(), *uj = NULL, *cj = NULL;
	char *out = NULL;

	if (!root || !u || (create && !c))
		goto done;
	uj = cJSON_Parse(u);
	if (!uj)
		goto done;
	cJSON_AddItemToObject(root, "update", uj);
	if (c) {
		cj = cJSON_Parse(c);
		if (!cj)
			goto done;
		cJSON_DeleteItemFromObjectCaseSensitive(cj, "id");
		cJSON_AddItemToObject(root, "create", cj);
	}
	out = cJSON_PrintUnformatted(root);
done:
	cJSON_Delete(root);
	free(u);
	free(c);
	return out;
}
