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

/* "guid=G" or NULL; *oom set when it could not be built. */
static char *guid_query(const char *guid, bool *oom)
{
	struct buf b;

	*oom = false;
	if (!guid || !*guid)
		return NULL;
	buf_init(&b);
	if (!add_param(&b, "guid", guid)) {
		buf_free(&b);
		*oom = true;
		return NULL;
	}
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Requests */

enum decode {
	DEC_NONE, /* the raw body only */
	DEC_USERS,
	DEC_VERSIONS,
	DEC_VERSION_ID,
	DEC_ROOM,
};

struct call {
	struct api_call base; /* first: the api frees it */
	enum decode decode;
	api_storage_done_fn done;
	void *ud;
};

static void result_init(struct api_storage_result *res)
{
	memset(res, 0, sizeof(*res));
	res->room.created_s = -1;
	res->room.last_connection_s = -1;
}

static void result_clear(struct api_storage_result *res)
{
	active_users_free(res->users, res->n_users);
	versions_free(res->versions, res->n_versions);
	free(res->next_cursor);
	free(res->version_id);
	room_clear(&res->room);
	result_init(res);
}

static void decode(struct call *c, struct api_storage_result *res)
{
	switch (c->decode) {
	case DEC_USERS:
		api_decode_active_users(res->body, res->body_len, &res->users, &res->n_users,
		                        &res->err);
		break;
	case DEC_VERSIONS:
		api_decode_versions(res->body, res->body_len, &res->versions, &res->n_versions,
		                    &res->next_cursor, &res->err);
		break;
	case DEC_VERSION_ID:
		api_decode_version_id(res->body, res->body_len, &res->version_id, &res->err);
		break;
	case DEC_ROOM:
		api_decode_room(res->body, res->body_len, &res->room, &res->err);
		break;
	case DEC_NONE:
		break;
	}
}

static void call_finish(struct api_call *base, const struct http_response *resp)
{
	struct call *c = (struct call *)base;
	struct api_storage_result res;

	result_init(&res);
	res.status = resp->status;
	res.body = resp->body;
	res.body_len = resp->body_len;
	res.streamed = resp->streamed;
	res.retry_after = resp->retry_after;
	if (api_response_ok(resp, &res.err))
		decode(c, &res);
	c->done(&res, c->ud);
	result_clear(&res);
}

/* Call done at once with an error (the request never started). */
static http_id fail_now(enum lb_status st, const char *msg, api_storage_done_fn done, void *ud)
{
	struct api_storage_result res;

	result_init(&res);
	lb_error_set(&res.err, st, "%s", msg);
	done(&res, ud);
	return 0;
}

/* Submit a request to ep for the room (and a second path parameter, the
 * version, when the path has one), a 2xx body to sink when there is one. */
static http_id send_to_sink(struct api *a, enum endpoint_id ep, const char *room_id,
                            const char *second, const char *query, const void *body, size_t len,
                            enum api_content ct, enum decode dec, const struct http_sink *sink,
                            api_storage_done_fn done, void *ud)
{
	struct call *c = calloc(1, sizeof(*c));
	const char *params[] = {room_id ? room_id : "", second ? second : ""};

	if (!c)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	c->base.finish = call_finish;
	if (sink)
		c->base.sink = *sink;
	c->decode = dec;
	c->done = done;
	c->ud = ud;
	return api_submit(a, ep, params, endpoint_params(endpoint_get(ep)), query, body, len, ct,
	                  &c->base);
}

static http_id send_to(struct api *a, enum endpoint_id ep, const char *room_id, const char *query,
                       const void *body, size_t len, enum api_content ct, enum decode dec,
                       api_storage_done_fn done, void *ud)
{
	return send_to_sink(a, ep, room_id, NULL, query, body, len, ct, dec, NULL, done, ud);
}

/* GET /storage[?format=json] */
http_id api_storage_get(struct api *a, const char *room_id, bool simplified,
                        api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_STORAGE_GET, room_id, simplified ? "format=json" : NULL, NULL, 0,
	               API_CT_NONE, DEC_NONE, done, ud);
}

/* GET /storage[?format=json], the body to sink. */
http_id api_storage_stream(struct api *a, const char *room_id, bool simplified,
                           const struct http_sink *sink, api_storage_done_fn done, void *ud)
{
	return send_to_sink(a, EP_STORAGE_GET, room_id, NULL, simplified ? "format=json" : NULL,
	                    NULL, 0, API_CT_NONE, DEC_NONE, sink, done, ud);
}

/* POST /storage with a plain LSON document. */
http_id api_storage_init(struct api *a, const char *room_id, const char *doc, size_t len,
                         api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_STORAGE_INIT, room_id, NULL, doc ? doc : "", doc ? len : 0,
	               API_CT_JSON, DEC_NONE, done, ud);
}

/* DELETE /storage */
http_id api_storage_delete(struct api *a, const char *room_id, api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_STORAGE_DELETE, room_id, NULL, NULL, 0, API_CT_NONE, DEC_NONE, done,
	               ud);
}

/* PATCH /storage/json-patch */
http_id api_storage_json_patch(struct api *a, const char *room_id, const char *patch_json,
                               api_storage_done_fn done, void *ud)
{
	if (!patch_json)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	return send_to(a, EP_STORAGE_JSON_PATCH, room_id, NULL, patch_json, strlen(patch_json),
	               API_CT_JSON, DEC_NONE, done, ud);
}

/* GET /ydoc?query */
http_id api_ydoc_get(struct api *a, const char *room_id, const char *query,
                     api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_YDOC_GET, room_id, query, NULL, 0, API_CT_NONE, DEC_NONE, done, ud);
}

/* GET /ydoc-binary[?guid=] */
http_id api_ydoc_binary(struct api *a, const char *room_id, const char *guid,
                        api_storage_done_fn done, void *ud)
{
	bool oom;
	char *q = guid_query(guid, &oom);
	http_id id;

	if (oom)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	id = send_to(a, EP_YDOC_BINARY, room_id, q, NULL, 0, API_CT_NONE, DEC_NONE, done, ud);
	free(q);
	return id;
}

/* PUT /ydoc[?guid=] with a binary update. */
http_id api_ydoc_update(struct api *a, const char *room_id, const char *guid, const void *update,
                        size_t len, api_storage_done_fn done, void *ud)
{
	bool oom;
	char *q = guid_query(guid, &oom);
	http_id id;

	if (oom)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	/* A zero-length body is still a body: the transport copies len bytes. */
	id = send_to(a, EP_YDOC_UPDATE, room_id, q, update ? update : "", update ? len : 0,
	             API_CT_OCTETS, DEC_NONE, done, ud);
	free(q);
	return id;
}

/* GET /active-users */
http_id api_active_users(struct api *a, const char *room_id, api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_ACTIVE_USERS_SDK, room_id, NULL, NULL, 0, API_CT_NONE, DEC_USERS,
	               done, ud);
}

/* GET /versions?limit&cursor */
http_id api_versions_list(struct api *a, const char *room_id, int limit, const char *cursor,
                          api_storage_done_fn done, void *ud)
{
	struct buf q;
	http_id id;
	bool ok = true;

	buf_init(&q);
	if (limit > 0)
		ok = buf_printf(&q, "limit=%d", limit);
	if (ok && cursor)
		ok = add_param(&q, "cursor", cursor);
	if (!ok) {
		buf_free(&q);
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	}
	id = send_to(a, EP_VERSIONS_LIST, room_id, q.data, NULL, 0, API_CT_NONE, DEC_VERSIONS, done,
	             ud);
	buf_free(&q);
	return id;
}

/* GET /versions/{vid}/yjs or /version/{vid} */
http_id api_version_get(struct api *a, const char *room_id, const char *version_id,
                        bool reference_path, api_storage_done_fn done, void *ud)
{
	return send_to_sink(a, reference_path ? EP_VERSION_GET : EP_VERSION_GET_SDK, room_id,
	                    version_id, NULL, NULL, 0, API_CT_NONE, DEC_NONE, NULL, done, ud);
}

/* POST /versions {} or POST /version {} */
http_id api_version_create(struct api *a, const char *room_id, bool reference_path,
                           api_storage_done_fn done, void *ud)
{
	return send_to(a, reference_path ? EP_VERSION_CREATE : EP_VERSION_CREATE_SDK, room_id,
	               NULL, "{}", 2, API_CT_JSON, DEC_VERSION_ID, done, ud);
}

/* POST /upsert */
http_id api_room_upsert(struct api *a, const char *room_id, const struct room_update *update,
                        const struct room_create *create, api_storage_done_fn done, void *ud)
{
	char *body = api_room_upsert_body(update, create);
	http_id id;

	if (!body)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	id = send_to(a, EP_ROOM_UPSERT, room_id, NULL, body, strlen(body), API_CT_JSON, DEC_ROOM,
	             done, ud);
	free(body);
	return id;
}

/* POST /update-room-id {"newRoomId": ...} */
http_id api_room_update_id(struct api *a, const char *room_id, const char *new_id,
                           api_storage_done_fn done, void *ud)
{
	cJSON *root = cJSON_CreateObject();
	char *body = NULL;
	http_id id;

	if (root && cJSON_AddStringToObject(root, "newRoomId", new_id ? new_id : ""))
		body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!body)
		return fail_now(LB_NOMEM, "out of memory", done, ud);
	id = send_to(a, EP_ROOM_UPDATE_ID, room_id, NULL, body, strlen(body), API_CT_JSON, DEC_ROOM,
	             done, ud);
	free(body);
	return id;
}

/* GET /prewarm */
http_id api_room_prewarm(struct api *a, const char *room_id, api_storage_done_fn done, void *ud)
{
	return send_to(a, EP_ROOM_PREWARM, room_id, NULL, NULL, 0, API_CT_NONE, DEC_NONE, done, ud);
}

/* POST /broadcast-event with any JSON, validated first. */
http_id api_room_broadcast(struct api *a, const char *room_id, const char *json,
                           api_storage_done_fn done, void *ud)
{
	const char *end = NULL;
	cJSON *root = json ? cJSON_ParseWithOpts(json, &end, 1) : NULL;

	if (!root) {
		char msg[96];

		snprintf(msg, sizeof(msg), "the event is not valid JSON (at byte %zu)",
		         json && end && end >= json ? (size_t)(end - json) : 0);
		return fail_now(LB_USAGE, msg, done, ud);
	}
	cJSON_Delete(root);
	return send_to(a, EP_BROADCAST_EVENT_SDK, room_id, NULL, json, strlen(json), API_CT_JSON,
	               DEC_NONE, done, ud);
}
