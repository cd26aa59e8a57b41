#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "query.h"
#include "util.h"

/* The Yjs document as programs of the engine (ops.h): its binary (GET
 * /ydoc-binary) and an update (PUT /ydoc), one step each, for the whole
 * document or the subdocument named by a guid. */

struct ydoc_op {
	char *guid; /* NULL: the whole document */
	char *update;
	size_t update_len;
};

static void ydoc_op_clear(void *state)
{
	struct ydoc_op *st = state;

	free(st->guid);
	free(st->update);
}

/* ?guid=G when there is one. */
static bool build_guid(struct op *o, struct api_send_args *args, char *made[2],
                       struct lb_error *err)
{
	struct ydoc_op *st = op_state(o);
	struct buf b;
	char *enc;

	if (!st->guid || !*st->guid)
		return true;
	buf_init(&b);
	enc = url_encode(st->guid);
	if (enc && buf_printf(&b, "guid=%s", enc))
		made[0] = buf_steal(&b);
	buf_free(&b);
	free(enc);
	if (!made[0]) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	args->query = made[0];
	return true;
}

static bool build_update(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct ydoc_op *st = op_state(o);

	if (!build_guid(o, args, made, err))
		return false;
	/* A zero-length body is still a body: the transport copies len bytes. */
	args->body = st->update;
	args->body_len = st->update_len;
	args->ct = API_CT_OCTETS;
	return true;
}

static const struct op_step *binary_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	return NULL;
}

/* The Yjs document held in the model reloads, whatever the answer. */
static const struct op_step *update_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	op_invalidate(o, &ydoc_kind);
	return binary_answer(m, o, res, end);
}

static const struct op_step binary_step = {
    .ep = EP_YDOC_BINARY, .build = build_guid, .answer = binary_answer};
static const struct op_step update_step = {
    .ep = EP_YDOC_UPDATE, .build = build_update, .answer = update_answer};

static const struct op_program binary_program = {
    .name = "ydoc binary",
    .state_size = sizeof(struct ydoc_op),
    .clear = ydoc_op_clear,
    .changes = false,
};

static const struct op_program update_program = {
    .name = "ydoc update",
    .state_size = sizeof(struct ydoc_op),
    .clear = ydoc_op_clear,
    .changes = true,
};

/* A new op of prog with a copy of guid (NULL: none), or NULL once done
 * was told why not. */
static struct op *ydoc_op(struct model *m, const struct op_program *prog, const char *room_id,
                          enum endpoint_id ep, const char *guid, const struct op_done *to)
{
	struct op *o = op_new(m, prog, room_id, ep, to);
	struct ydoc_op *st = o ? op_state(o) : NULL;

	if (st && guid && !(st->guid = strdup(guid))) {
		op_drop(o, LB_NOMEM, "out of memory");
		return NULL;
	}
	return o;
}

/* GET /ydoc-binary into res->body. */
http_id model_ydoc_binary(struct model *m, const char *room_id, const char *guid,
                          storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	return op_run(m, ydoc_op(m, &binary_program, room_id, EP_YDOC_BINARY, guid, &to),
	              &binary_step);
}

/* PUT /ydoc with a binary update. */
http_id model_ydoc_update(struct model *m, const char *room_id, const char *guid,
                          const void *update, size_t len, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = ydoc_op(m, &update_program, room_id, EP_YDOC_UPDATE, guid, &to);
	struct ydoc_op *st;

	if (!o)
		return 0;
	st = op_state(o);
	st->update_len = update ? len : 0;
	st->update = malloc(st->update_len + 1);
	if (!st->update)
		return op_drop(o, LB_NOMEM, "out of memory");
	if (st->update_len)
		memcpy(st->update, update, st->update_len);
	return op_run(m, o, &update_step);
}
