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

/* Approximate heap bytes of a users array, for the memory budget. */
size_t active_users_bytes(const struct active_user *v, size_t n)
{
	size_t b = n * sizeof(*v);

	for (size_t i = 0; v && i < n; i++)
		b += (v[i].id ? strlen(v[i].id) + 1 : 0) +
		     (v[i].info_json ? strlen(v[i].info_json) + 1 : 0);
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
