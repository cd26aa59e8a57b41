#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "decode.h"
#include "family.h"
#include "files.h"
#include "json.h"
#include "kind.h"
#include "ops.h"
#include "output.h"
#include "util.h"
#include "versions.h"

/* A room's Yjs version history, the whole family: what the API sends
 * (the decoders), what the model keeps (the item type and the kind, a
 * list read a page at a time), the changes (a version's binary, a new
 * snapshot: programs of the engine) and the commands (versions, versions
 * export, versions create). Its screen is ui/views/view_versions.c. */

/* Versions asked for per page. */
#define VERSIONS_PAGE 50

/* ------------------------------------------------------------------ */
/* Decoders */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
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

/* One version {id, createdAt, authors:[{id}]}. */
static bool version_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	struct version *v = out;
	const char *id = cJSON_GetStringValue(item(o, "id"));
	const char *created = cJSON_GetStringValue(item(o, "createdAt"));
	const cJSON *authors = item(o, "authors"), *a;
	const cJSON *list = cJSON_IsArray(authors) ? authors : NULL;

	if (!id) {
		lb_error_set(err, LB_DECODE, "the server sent a version without an \"id\" (item %zu)",
		             index + 1);
		return false;
	}
	v->created_s = -1;
	if (!(v->id = strdup(id)) || (created && !(v->created_at = strdup(created))))
		goto oom;
	v->created_s = iso8601_parse(created);
	cJSON_ArrayForEach(a, list)
	{
		const char *aid =
		    cJSON_IsString(a) ? a->valuestring : cJSON_GetStringValue(item(a, "id"));

		if (aid && !strv_push(&v->authors, aid))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static void version_item_clear(void *item)
{
	version_clear(item);
}

bool version_page_decode(const char *json, size_t len, struct version **out, size_t *n,
                         char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "versions", sizeof(**out), version_from,
	                       version_item_clear, (void **)out, n, next_cursor, err);
}

/* {"data":{"id":"vh_..."}}, or {"id":...}. */
bool version_id_decode(const char *json, size_t len, char **id, struct lb_error *err)
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

/* ------------------------------------------------------------------ */
/* The model: a list of versions, read a page at a time */

static bool versions_decode(const char *body, size_t len, const void *args, struct item_page *out,
                            struct lb_error *err)
{
	struct version *v;

	(void)args;
	if (!version_page_decode(body, len, &v, &out->n, &out->next, err))
		return false;
	out->items = v;
	return true;
}

static size_t version_item_bytes(const void *item)
{
	return versions_bytes(item, 1);
}

static const char *version_item_id(const void *item)
{
	return ((const struct version *)item)->id;
}

static const struct item_type version_item = {
    .name = "version",
    .size = sizeof(struct version),
    .decode_page = versions_decode,
    .clear = version_item_clear,
    .bytes = version_item_bytes,
    .id = version_item_id,
};

static const struct kind versions_kind = {
    .name = "versions",
    .shape = KIND_LIST,
    .ep = EP_VERSIONS_LIST,
    .item = &version_item,
    .paging = {.cursor_param = "cursor", .page_size = VERSIONS_PAGE},
};

/* A room's Yjs version history, paginated. New reference. */
struct resource *model_versions(struct model *m, const char *room_id)
{
	return mi_room_get(m, &versions_kind, room_id, "/versions", NULL);
}

const struct version *model_version_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &version_item, i);
}

/* ------------------------------------------------------------------ */
/* Changes: programs of the engine (ops.h). Each has two steps, the SDK's
 * path and the reference's: the one the model last found first
 * (mi_learned), the other when the server has no such route. */

/* The key of which paths answered last: 1 the SDK's, 2 the reference's. */
static const char version_paths = 0;

struct version_op {
	char *version_id; /* the binary's */
	char *new_id;     /* the snapshot's, from the answer */
	struct lb_error first;
	bool second; /* the first path had no route: this is the other */
};

static void version_op_clear(void *state)
{
	struct version_op *st = state;

	free(st->version_id);
	free(st->new_id);
}

/* Whether a 404/405 says the path does not exist (worth the other path). */
static bool no_route(const struct lb_error *err)
{
	return api_is_no_endpoint(err) && err->http_status != 501;
}

/* The answer on path now (the reference's when ref), other the path not
 * tried yet. */
static const struct op_step *version_answer(struct model *m, struct op *o,
                                            const struct api_storage_result *res,
                                            struct op_end *end, bool ref,
                                            const struct op_step *other)
{
	struct version_op *st = op_state(o);

	if (!st->second && no_route(&res->err)) {
		st->first = res->err;
		st->second = true;
		return other;
	}
	end->err = res->err;
	if (res->err.status == LB_OK)
		mi_learn(m, &version_paths, ref ? 2 : 1);
	else if (st->second && no_route(&res->err))
		end->err = st->first; /* the first answer says more */
	end->body = res->body;
	end->body_len = res->body_len;
	end->id = st->new_id;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* A version's binary: GET /versions/{id}/yjs or /version/{id} */

static bool build_version_get(struct op *o, struct api_send_args *args, char *made[2],
                              struct lb_error *err)
{
	args->params[1] = ((struct version_op *)op_state(o))->version_id;
	return true;
}

static const struct op_step get_sdk, get_ref;

static const struct op_step *get_sdk_answer(struct model *m, struct op *o,
                                            struct api_storage_result *res, struct op_end *end)
{
	return version_answer(m, o, res, end, false, &get_ref);
}

static const struct op_step *get_ref_answer(struct model *m, struct op *o,
                                            struct api_storage_result *res, struct op_end *end)
{
	return version_answer(m, o, res, end, true, &get_sdk);
}

static const struct op_step get_sdk = {
    .ep = EP_VERSION_GET_SDK, .build = build_version_get, .answer = get_sdk_answer};
static const struct op_step get_ref = {
    .ep = EP_VERSION_GET, .build = build_version_get, .answer = get_ref_answer};

static const struct op_program version_get_program = {
    .name = "version binary",
    .state_size = sizeof(struct version_op),
    .clear = version_op_clear,
    .changes = false,
};

/* ------------------------------------------------------------------ */
/* A snapshot: POST /versions {} or /version {} */

static bool build_version_create(struct op *o, struct api_send_args *args, char *made[2],
                                 struct lb_error *err)
{
	args->body = "{}";
	args->body_len = 2;
	args->ct = API_CT_JSON;
	return true;
}

/* The new version's ID is in the answer; the list of versions reloads. */
static void created(struct op *o, struct api_storage_result *res)
{
	struct version_op *st = op_state(o);

	if (res->err.status == LB_OK)
		version_id_decode(res->body, res->body_len, &st->new_id, &res->err);
	op_invalidate(o, &versions_kind);
}

static const struct op_step create_sdk, create_ref;

static const struct op_step *create_sdk_answer(struct model *m, struct op *o,
                                               struct api_storage_result *res, struct op_end *end)
{
	created(o, res);
	return version_answer(m, o, res, end, false, &create_ref);
}

static const struct op_step *create_ref_answer(struct model *m, struct op *o,
                                               struct api_storage_result *res, struct op_end *end)
{
	created(o, res);
	return version_answer(m, o, res, end, true, &create_sdk);
}

static const struct op_step create_sdk = {
    .ep = EP_VERSION_CREATE_SDK, .build = build_version_create, .answer = create_sdk_answer};
static const struct op_step create_ref = {
    .ep = EP_VERSION_CREATE, .build = build_version_create, .answer = create_ref_answer};

static const struct op_program version_create_program = {
    .name = "version create",
    .state_size = sizeof(struct version_op),
    .clear = version_op_clear,
    .changes = true,
};

/* ------------------------------------------------------------------ */

/* Whether the model found the reference's paths last. */
static bool reference_first(const struct model *m)
{
	return mi_learned(m, &version_paths) == 2;
}

/* GET a version's binary (SDK path, then the reference's). */
http_id model_version_binary(struct model *m, const char *room_id, const char *version_id,
                             storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o;

	if (!version_id || !*version_id)
		return op_refuse(&to, LB_USAGE, "no version ID");
	o = op_new(m, &version_get_program, room_id, EP_VERSION_GET_SDK, &to);
	if (!o)
		return 0;
	if (!(((struct version_op *)op_state(o))->version_id = strdup(version_id)))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, reference_first(m) ? &get_ref : &get_sdk);
}

/* POST a version snapshot (SDK path, then the reference's). */
http_id model_version_create(struct model *m, const char *room_id, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = op_new(m, &version_create_program, room_id, EP_VERSION_CREATE_SDK, &to);

	if (!o)
		return 0;
	return op_run(m, o, reference_first(m) ? &create_ref : &create_sdk);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_versions(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_versions_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_versions_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec versions_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec force_opts[] = {
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"versions", "[ROOM]", 0, 1, false, run_versions, "List a room's Yjs version history",
     versions_opts, SCOPE_ROOM},
    {"versions export", "ROOM VERSION_ID FILE", 3, 3, false, run_versions_export,
     "Write a version's Yjs document to FILE (binary)", force_opts, SCOPE_ROOM},
    {"versions create", "ROOM", 1, 1, true, run_versions_create,
     "Create a version history snapshot of a room's Yjs document", cmd_no_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static void version_json(struct json_writer *w, const void *list, size_t i)
{
	const struct version *v = model_version_at(list, i);

	json_begin_object(w);
	json_key(w, "type");
	json_string(w, "historyVersion");
	json_key(w, "kind");
	json_string(w, "yjs");
	json_key(w, "id");
	json_string(w, v->id ? v->id : "");
	json_key(w, "createdAt");
	json_string_or_null(w, v->created_at);
	json_key(w, "authors");
	json_begin_array(w);
	for (size_t k = 0; k < v->authors.n; k++) {
		json_begin_object(w);
		json_key(w, "id");
		json_string(w, v->authors.v[k]);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

/* ID, CREATED, AUTHORS; false when out of memory. */
static bool print_versions_table(struct cmd_ctx *c, const struct resource *r)
{
	struct buf b;
	int idw = 2;
	bool ok;

	buf_init(&b);
	for (size_t i = 0; i < model_count(r); i++) {
		const char *id = model_version_at(r, i)->id;
		output_id_width(&idw, id ? id : "");
	}
	ok = output_row(&b, "ID", idw, "CREATED", 16, "AUTHORS");
	for (size_t i = 0; ok && i < model_count(r); i++) {
		const struct version *v = model_version_at(r, i);
		char when[32], authors[1024];
		output_time(v->created_s, when, sizeof(when));
		strv_join(&v->authors, ", ", authors, sizeof(authors));
		ok =
		    output_row(&b, v->id ? v->id : "", idw, when, 16, v->authors.n ? authors : "-");
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	return ok;
}

struct versions_job {
	bool all;
	char room[];
};

static bool versions_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct versions_job *j = ud;

	if (r->err.status != LB_OK && (!r->has_data || (j->all && !model_complete(r)))) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (cmd_load_failed(c, r, j->room))
		return true;
	if (j->all && !model_complete(r)) {
		model_more(c->model, r);
		return false;
	}
	if (c->host.json) {
		if (!cmd_print_list_json(c, r, model_count(r), version_json, true,
		                         model_next_cursor(r))) {
			cmd_finish_nomem(c);
			return true;
		}
	} else {
		if (!print_versions_table(c, r)) {
			cmd_finish_nomem(c);
			return true;
		}
		cmd_note_list_end(c, model_count(r), !model_complete(r), "(no versions)", "versions");
	}
	cmd_finish_ok(c);
	return true;
}

static void run_versions(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *room = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!room || cmd_need_view(c) ||
	    cmd_open_view(c, "versions", &(struct scope){.room = room}, NULL, false, ""))
		return;
	struct versions_job *j = malloc(sizeof(*j) + strlen(room) + 1);
	struct resource *r = j ? model_versions(c->model, room) : NULL;
	if (!r) {
		free(j);
		cmd_finish_nomem(c);
		return;
	}
	j->all = cmd_has_flag(a, "all");
	strcpy(j->room, room);
	cmd_wait(c, r, true, versions_step, j);
}

static void run_versions_export(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	bool force = cmd_has_flag(a, "force");

	if (!file_check_writable(a->pos[2], force, &err)) {
		cmd_finish(c, &err);
		return;
	}
	struct cmd_download *d =
	    cmd_download_new(c, a->pos[2], force, "version %s of room %s", a->pos[1], a->pos[0]);
	if (!d) {
		cmd_finish_nomem(c);
		return;
	}
	model_version_binary(c->model, a->pos[0], a->pos[1], cmd_download_done, d);
}

static void version_created(const struct storage_result *res, void *ud)
{
	struct cmd_room_op *o = ud;
	struct cmd_ctx *c = o->c;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		char *id = NULL;
		struct lb_error derr;
		if (c->host.json && res->body)
			cmd_print_json(c, res->body, res->body_len);
		else if (res->body && version_id_decode(res->body, res->body_len, &id, &derr))
			cmd_sayf(c, "created version %s of room %s", id, o->room);
		else
			cmd_sayf(c, "created a version of room %s", o->room);
		free(id);
	}
	cmd_room_op_finish(o, &err);
}

static void run_versions_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct cmd_room_op *o = cmd_room_op_for(c, cmd, a->pos[0], NULL);
	if (!o)
		return;
	model_version_create(c->model, o->room, version_created, o);
}

static const struct id_arg ids[] = {
    {"VERSION_ID", 0, false, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_VERSIONS_LIST,
    EP_VERSION_GET_SDK,
    EP_VERSION_GET,
    EP_VERSION_CREATE_SDK,
    EP_VERSION_CREATE,
    EP_COUNT,
};

const struct family family_versions = {
    .name = "versions",
    .summary = "A room's Yjs version history: list, export, create",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
