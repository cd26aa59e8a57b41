#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* Plain-LSON documents and values as the server reads them: every
 * liveblocksType wrapper well formed, all the way down. */

struct validator {
	struct buf path;
	struct lb_error *err;
	const char *what; /* the start of a message; NULL: a document */
};

static bool val_fail(struct validator *vd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool val_fail(struct validator *vd, const char *fmt, ...)
{
	char msg[384];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	lb_error_set(vd->err, LB_USAGE, "%s: at %s: %s",
	             vd->what ? vd->what : "not a valid Storage document",
	             vd->path.len ? vd->path.data : "the root", msg);
	return false;
}

static bool val_live(struct validator *vd, const cJSON *v);

static bool val_child(struct validator *vd, const cJSON *v, const char *key, int index)
{
	size_t mark = vd->path.len;
	bool ok;

	if (key ? !lson_pointer_append(&vd->path, key) : !buf_printf(&vd->path, "/%d", index)) {
		lb_error_set(vd->err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = val_live(vd, v);
	vd->path.len = mark;
	vd->path.data[mark] = '\0';
	return ok;
}

/* A value where a Live node may be: any object with a "liveblocksType"
 * member must be a well-formed wrapper (the server reads it as one); other
 * values are plain JSON. */
static bool val_live(struct validator *vd, const cJSON *v)
{
	const cJSON *t, *data, *m;
	enum lson_type lt;
	int k = 0;

	if (!cJSON_IsObject(v) || !(t = cJSON_GetObjectItemCaseSensitive(v, lson_s_lbtype)))
		return true;
	if (!cJSON_IsString(t) ||
	    (lt = lson_live_type_of(lson_intern(t->valuestring, strlen(t->valuestring)))) == LSON_TYPE_COUNT)
		return val_fail(
		    vd, "unknown liveblocksType (LiveObject, LiveList, LiveMap, LiveText or "
		        "LiveFile expected)");
	cJSON_ArrayForEach(m, v)
	{
		if (strcmp(m->string, lson_s_lbtype) != 0 && strcmp(m->string, lson_s_data) != 0 &&
		    !(lt == LSON_LIVE_TEXT && strcmp(m->string, lson_s_version) == 0))
			return val_fail(vd, "unexpected member \"%s\" in a %s", m->string,
			                t->valuestring);
	}
	data = cJSON_GetObjectItemCaseSensitive(v, lson_s_data);
	switch (lt) {
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
		if (!cJSON_IsObject(data))
			return val_fail(vd, "%s data must be an object", t->valuestring);
		cJSON_ArrayForEach(m, data)
		{
			if (!val_child(vd, m, m->string, 0))
				return false;
		}
		return true;
	case LSON_LIVE_LIST:
		if (!cJSON_IsArray(data))
			return val_fail(vd, "LiveList data must be an array");
		cJSON_ArrayForEach(m, data)
		{
			if (!val_child(vd, m, NULL, k++))
				return false;
		}
		return true;
	case LSON_LIVE_TEXT: {
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(v, lson_s_version);

		if (!cJSON_IsArray(data))
			return val_fail(vd,
			                "LiveText data must be an array of [text, attributes?]");
		cJSON_ArrayForEach(m, data)
		{
			int n = cJSON_GetArraySize(m);

			if (!cJSON_IsArray(m) || n < 1 || n > 2 || !cJSON_IsString(m->child) ||
			    (n == 2 && !cJSON_IsObject(m->child->next)))
				return val_fail(vd,
				                "LiveText segment %d must be [text] or [text, "
				                "{attributes}]",
				                k);
			k++;
		}
		if (ver && !cJSON_IsNumber(ver))
			return val_fail(vd, "LiveText version must be a number");
		return true;
	}
	case LSON_LIVE_FILE:
		if (!cJSON_IsObject(data) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "id")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "name")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(data, "size")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "mimeType")))
			return val_fail(vd, "LiveFile data must be {id, name, size, mimeType}");
		return true;
	default:
		return true;
	}
}

bool lson_literal_check(const cJSON *v, const char *path, struct lb_error *err)
{
	struct validator vd = {.err = err, .what = "not valid plain LSON"};
	bool ok;

	buf_init(&vd.path);
	if (!buf_adds(&vd.path, path)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = val_live(&vd, v);
	buf_free(&vd.path);
	return ok;
}

bool lson_validate_document(const char *json, size_t len, struct lb_error *err)
{
	struct validator vd = {.err = err};
	const char *t;
	cJSON *root;
	bool ok;

	char msg[128];

	if (!json || !lson_json_check(json, len, msg, sizeof(msg))) {
		lb_error_set(err, LB_USAGE, "not a valid Storage document: not valid JSON (%s)",
		             json ? msg : "nothing given");
		return false;
	}
	root = cJSON_ParseWithLength(json, len);
	if (!root) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	t = lson_cj_live_type(root);
	if (!t || strcmp(t, lson_s_live_object) != 0) {
		cJSON_Delete(root);
		lb_error_set(err, LB_USAGE,
		             "not a valid Storage document: the root must be a LiveObject "
		             "({\"liveblocksType\": \"LiveObject\", \"data\": {...}})");
		return false;
	}
	buf_init(&vd.path);
	ok = val_live(&vd, root);
	buf_free(&vd.path);
	cJSON_Delete(root);
	return ok;
}
