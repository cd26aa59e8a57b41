#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ops.h"
#include "util.h"

/* Rooms and their administration as programs of the engine (ops.h):
 * create, update, upsert and rename (one step each, the room in the
 * answer kept in the model), delete (one step, the room dropped from
 * the lists), prewarm and broadcast (one step, the answer as it came). */

/* ------------------------------------------------------------------ */
/* Create, update, delete, upsert and rename */

struct room_change {
	struct room_update update;
	struct room_create create;
	bool has_create;
	bool idempotent;  /* create: ?idempotent, get-or-create */
	char *new_id;     /* rename */
	struct room room; /* the server's copy from the answer */
};

static void room_change_clear(void *state)
{
	struct room_change *st = state;

	room_update_clear(&st->update);
	room_create_clear(&st->create);
	free(st->new_id);
	room_clear(&st->room);
}

/* A JSON body made for the request, or out of memory. */
static bool json_body(struct api_send_args *args, char *made[2], char *body, struct lb_error *err)
{
	made[0] = body;
	if (!body) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	args->body = body;
	args->body_len = strlen(body);
	args->ct = API_CT_JSON;
	return true;
}

static bool build_create(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct room_change *st = op_state(o);

	if (st->idempotent)
		args->query = "idempotent";
	return json_body(args, made, api_room_create_body(&st->create), err);
}

static bool build_update(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct room_change *st = op_state(o);

	return json_body(args, made, api_room_update_body(&st->update), err);
}

static bool build_upsert(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct room_change *st = op_state(o);

	return json_body(args, made,
	                 api_room_upsert_body(&st->update, st->has_create ? &st->create : NULL),
	                 err);
}

/* {"newRoomId":"..."} */
static bool build_rename(struct op *o, struct api_send_args *args, char *made[2],
                         struct lb_error *err)
{
	struct room_change *st = op_state(o);
	struct json_writer w;
	struct buf b;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	json_key(&w, "newRoomId");
	json_string(&w, st->new_id ? st->new_id : "");
	json_end_object(&w);
	if (!w.ok || !b.data) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	made[0] = buf_steal(&b);
	args->body = made[0];
	args->body_len = strlen(made[0]);
	args->ct = API_CT_JSON;
	return true;
}

/* After a rename: the room lives under the new ID; the old resource is
 * gone (renamed_to says where), lists show the new room and revalidate. */
static void renamed(struct model *m, const char *old_id, const struct room *room)
{
	struct resource *old = mi_find_room(m, old_id);

	mi_room_store(m, room);
	mi_replace_in_lists(m, old_id, room);
	if (old && room->id && strcmp(old_id, room->id) != 0) {
		struct lb_error why;
		char *to = strdup(room->id);

		/* A GET in flight would answer 404 and hide the reason. */
		model_cancel(m, old);
		lb_error_set(&why, LB_HTTP, "room \"%s\" was renamed to \"%s\"", old_id, room->id);
		snprintf(why.code, sizeof(why.code), "ROOM_RENAMED");
		free(old->renamed_to);
		old->renamed_to = to;
		mi_mark_gone(m, old, &why);
	}
	mi_invalidate_lists(m);
	mi_invalidate_room_data(m, old_id);
}

/* A 404 about the room itself: it is gone. */
static void room_missing(struct model *m, const char *id, const struct lb_error *err)
{
	struct resource *r;

	if (err->status != LB_HTTP || err->http_status != 404 ||
	    strcmp(err->code, "ROOM_NOT_FOUND") != 0)
		return;
	r = mi_find_room(m, id);
	if (r) {
		model_cancel(m, r);
		mi_mark_gone(m, r, err);
	}
	mi_remove_from_lists(m, id);
	mi_invalidate_room_data(m, id);
}

/* The room was deleted, or a change to it answered 404: its resource is
 * gone with why (reloaded after a GET in flight, which may say
 * otherwise), it leaves every list, and what is read inside it reloads. */
static void room_deleted(struct model *m, const char *id, const struct lb_error *why)
{
	struct resource *r = mi_find_room(m, id);

	if (r) {
		if (r->priv->req)
			r->priv->dirty = true;
		mi_mark_gone(m, r, why);
	}
	mi_remove_from_lists(m, id);
	mi_invalidate_room_data(m, id);
}

/* An outcome not known: the change may have been done, so what is shown
 * of the room and the lists is read again. */
static void reread_unsure(struct model *m, struct op *o)
{
	struct resource *r = mi_find_room(m, op_room(o));

	if (r)
		mi_invalidate(m, r);
	mi_invalidate_lists(m);
}

/* The answer holds the room: decoded, kept in the model; an outcome not
 * known reads again what is shown. */
static void room_answered(struct model *m, struct op *o, struct api_storage_result *res,
                          struct op_end *end)
{
	struct room_change *st = op_state(o);

	if (res->err.status == LB_OK)
		api_decode_room(res->body, res->body_len, &st->room, &res->err);
	if (res->err.status == LB_UNSURE)
		reread_unsure(m, o);
	end->err = res->err;
	end->room = &st->room;
}

/* The server's copy of the room in the model and in the lists that show
 * it; every list of rooms goes stale. */
static void room_kept(struct model *m, const struct room *room)
{
	mi_room_store(m, room);
	mi_replace_in_lists(m, NULL, room);
	mi_invalidate_lists(m);
}

static bool is_404(const struct lb_error *err)
{
	return err->status == LB_HTTP && err->http_status == 404;
}

/* A new room is kept; the lists, which may or may not show it, reload. */
static const struct op_step *create_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	struct room_change *st = op_state(o);

	room_answered(m, o, res, end);
	if (res->err.status == LB_OK) {
		mi_room_store(m, &st->room);
		mi_invalidate_lists(m);
	}
	return NULL;
}

static const struct op_step *update_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	struct room_change *st = op_state(o);

	room_answered(m, o, res, end);
	if (res->err.status == LB_OK)
		room_kept(m, &st->room);
	else if (is_404(&res->err))
		room_deleted(m, op_room(o), &res->err);
	return NULL;
}

/* No room in the answer: the room is gone when the server says it is
 * deleted or has none. */
static const struct op_step *delete_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	end->err = res->err;
	if (res->err.status == LB_OK) {
		struct lb_error why;

		lb_error_set(&why, LB_HTTP, "room \"%s\" was deleted", op_room(o));
		room_deleted(m, op_room(o), &why);
		mi_invalidate_lists(m);
	} else if (is_404(&res->err)) {
		room_deleted(m, op_room(o), &res->err);
	} else if (res->err.status == LB_UNSURE) {
		reread_unsure(m, o);
	}
	return NULL;
}

static const struct op_step *upsert_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	struct room_change *st = op_state(o);

	room_answered(m, o, res, end);
	if (res->err.status == LB_OK)
		room_kept(m, &st->room);
	return NULL;
}

static const struct op_step *rename_answer(struct model *m, struct op *o,
                                           struct api_storage_result *res, struct op_end *end)
{
	struct room_change *st = op_state(o);

	room_answered(m, o, res, end);
	if (res->err.status == LB_OK)
		renamed(m, op_room(o), &st->room);
	else if (res->err.status != LB_UNSURE)
		room_missing(m, op_room(o), &res->err);
	return NULL;
}

static const struct op_step create_step = {
    .ep = EP_ROOM_CREATE, .build = build_create, .answer = create_answer};
static const struct op_step update_step = {
    .ep = EP_ROOM_UPDATE, .build = build_update, .answer = update_answer};
static const struct op_step delete_step = {.ep = EP_ROOM_DELETE, .answer = delete_answer};
static const struct op_step upsert_step = {
    .ep = EP_ROOM_UPSERT, .build = build_upsert, .answer = upsert_answer};
static const struct op_step rename_step = {
    .ep = EP_ROOM_UPDATE_ID, .build = build_rename, .answer = rename_answer};

/* Cancelled by model_free: what the transport said, as these changes
 * have always told their callers. */
static void said_cancelled(struct op *o, const struct op_step *now, const struct lb_error *said,
                           struct op_end *end)
{
	(void)o;
	(void)now;
	if (said)
		end->err = *said;
}

/* A room to create is not inside a room: its ID, when given, only names
 * what the op is about. */
static const struct op_program create_program = {
    .name = "room create",
    .state_size = sizeof(struct room_change),
    .clear = room_change_clear,
    .changes = true,
    .outside_room = true,
    .cancelled = said_cancelled,
};

static const struct op_program update_program = {
    .name = "room update",
    .state_size = sizeof(struct room_change),
    .clear = room_change_clear,
    .changes = true,
    .cancelled = said_cancelled,
};

static const struct op_program delete_program = {
    .name = "room delete",
    .changes = true,
    .cancelled = said_cancelled,
};

static const struct op_program upsert_program = {
    .name = "upsert",
    .state_size = sizeof(struct room_change),
    .clear = room_change_clear,
    .changes = true,
};

static const struct op_program rename_program = {
    .name = "rename",
    .state_size = sizeof(struct room_change),
    .clear = room_change_clear,
    .changes = true,
};

static bool copy_patch_map(struct room_patch_map *dst, const struct room_patch_map *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (!room_patch_map_set(dst, src->v[i].key, &src->v[i].value, src->v[i].is_list,
		                        src->v[i].unset))
			return false;
	return true;
}

/* Deep copies, so the caller's structs may go away before the answer. */
static bool copy_update(struct room_update *dst, const struct room_update *src)
{
	dst->default_accesses_set = src->default_accesses_set;
	return strv_copy(&dst->default_accesses, &src->default_accesses) &&
	       copy_patch_map(&dst->users_accesses, &src->users_accesses) &&
	       copy_patch_map(&dst->groups_accesses, &src->groups_accesses) &&
	       copy_patch_map(&dst->metadata, &src->metadata);
}

static bool copy_create(struct room_create *dst, const struct room_create *src)
{
	dst->default_accesses_set = src->default_accesses_set;
	return (!src->id || (dst->id = strdup(src->id))) &&
	       (!src->organization_id || (dst->organization_id = strdup(src->organization_id))) &&
	       strv_copy(&dst->default_accesses, &src->default_accesses) &&
	       kvv_copy(&dst->users_accesses, &src->users_accesses) &&
	       kvv_copy(&dst->groups_accesses, &src->groups_accesses) &&
	       kvv_copy(&dst->metadata, &src->metadata);
}

/* POST /upsert: update the room, or create it with create. */
http_id model_room_upsert(struct model *m, const char *room_id, const struct room_update *update,
                          const struct room_create *create, model_done_fn done, void *ud)
{
	const struct op_done to = {.room = done, .ud = ud};
	struct op *o = op_new(m, &upsert_program, room_id, EP_ROOM_UPSERT, &to);
	struct room_change *st;

	if (!o)
		return 0;
	st = op_state(o);
	st->has_create = create != NULL;
	if ((update && !copy_update(&st->update, update)) ||
	    (create && !copy_create(&st->create, create)))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &upsert_step);
}

/* POST /update-room-id; the room and its lists follow the new ID. */
http_id model_room_rename(struct model *m, const char *room_id, const char *new_id,
                          model_done_fn done, void *ud)
{
	const struct op_done to = {.room = done, .ud = ud};
	struct op *o;

	/* Read-only mode says so first: the new ID would not be sent. */
	if (m && !api_refuses(m->api, EP_ROOM_UPDATE_ID, NULL)) {
		if (!new_id || !*new_id)
			return op_refuse(&to, LB_USAGE, "the new room ID is empty");
		for (const char *p = new_id; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return op_refuse(&to, LB_USAGE,
				                 "the new room ID contains a control character");
		if (room_id && strcmp(room_id, new_id) == 0)
			return op_refuse(&to, LB_USAGE,
			                 "the new room ID is the same as the old one");
	}
	o = op_new(m, &rename_program, room_id, EP_ROOM_UPDATE_ID, &to);
	if (o && !(((struct room_change *)op_state(o))->new_id = strdup(new_id)))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &rename_step);
}

/* POST /v2/rooms through the model; see model.h. */
http_id model_room_create(struct model *m, const struct room_create *c, bool idempotent,
                          model_done_fn done, void *ud)
{
	const struct op_done to = {.room = done, .ud = ud};
	struct op *o = op_new(m, &create_program, c->id, EP_ROOM_CREATE, &to);
	struct room_change *st;

	if (!o)
		return 0;
	st = op_state(o);
	st->idempotent = idempotent;
	if (!copy_create(&st->create, c))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &create_step);
}

/* POST /v2/rooms/{id} through the model; see model.h. */
http_id model_room_update(struct model *m, const char *id, const struct room_update *u,
                          model_done_fn done, void *ud)
{
	const struct op_done to = {.room = done, .ud = ud};
	struct op *o = op_new(m, &update_program, id, EP_ROOM_UPDATE, &to);

	if (o && !copy_update(&((struct room_change *)op_state(o))->update, u))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &update_step);
}

/* DELETE /v2/rooms/{id} through the model; see model.h. */
http_id model_room_delete(struct model *m, const char *id, model_done_fn done, void *ud)
{
	const struct op_done to = {.room = done, .ud = ud};

	return op_run(m, op_new(m, &delete_program, id, EP_ROOM_DELETE, &to), &delete_step);
}

/* ------------------------------------------------------------------ */
/* Prewarm and broadcast */

struct room_event {
	char *json;
};

static void room_event_clear(void *state)
{
	free(((struct room_event *)state)->json);
}

/* The event, checked before it is sent. */
static bool build_event(struct op *o, struct api_send_args *args, char *made[2],
                        struct lb_error *err)
{
	struct room_event *st = op_state(o);

	if (!api_json_check(st->json, "the event", err))
		return false;
	args->body = st->json;
	args->body_len = strlen(st->json);
	args->ct = API_CT_JSON;
	return true;
}

/* The answer as it came. */
static const struct op_step *as_answered(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end)
{
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	return NULL;
}

static const struct op_step prewarm_step = {.ep = EP_ROOM_PREWARM, .answer = as_answered};
static const struct op_step broadcast_step = {
    .ep = EP_BROADCAST_EVENT_SDK, .build = build_event, .answer = as_answered};

static const struct op_program prewarm_program = {
    .name = "prewarm",
    .changes = false,
};

static const struct op_program broadcast_program = {
    .name = "broadcast",
    .state_size = sizeof(struct room_event),
    .clear = room_event_clear,
    .changes = true,
};

/* GET /prewarm (allowed in read-only mode: it changes nothing). */
http_id model_room_prewarm(struct model *m, const char *room_id, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	return op_run(m, op_new(m, &prewarm_program, room_id, EP_ROOM_PREWARM, &to), &prewarm_step);
}

/* POST /broadcast-event with any JSON. */
http_id model_room_broadcast(struct model *m, const char *room_id, const char *json,
                             storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = op_new(m, &broadcast_program, room_id, EP_BROADCAST_EVENT_SDK, &to);

	if (o && !(((struct room_event *)op_state(o))->json = strdup(json ? json : "")))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, &broadcast_step);
}
