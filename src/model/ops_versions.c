#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Version history as programs of the engine (ops.h): a version's binary
 * and a new snapshot. Each has two steps, the SDK's path and the
 * reference's: the one the model last found first (mi_learned),
 * the other when the server has no such route. */

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
		api_decode_version_id(res->body, res->body_len, &st->new_id, &res->err);
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
