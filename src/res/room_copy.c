#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api_storage.h"
#include "cmd_impl.h"
#include "family.h"
#include "lson.h"
#include "model_storage.h"
#include "term_safe.h"
#include "util.h"

/* Copying a room (metadata, accesses, Storage and Yjs) to a new ID, or
 * into another profile's project. */

static void run_room_copy(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec copy_opts[] = {
    {"to-profile", OPT_VALUE, "NAME", "copy into the project of another profile"},
    {"into-existing", OPT_FLAG, NULL,
     "copy into a room that exists (replaces its Storage, merges Yjs)"},
    {"yes", OPT_FLAG, NULL, "copy without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"room copy", "ID NEW_ID", 2, 2, false, run_room_copy,
     "Copy metadata, accesses, Storage and Yjs to a new room, here or in another profile",
     copy_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* Copy a room (metadata, accesses, Storage, Yjs) from this context's model
 * to the same or another profile's model. Read-only applies to the target:
 * the source is only read. */
struct copy {
	struct cmd_ctx *c;
	struct model *src;
	struct model *dst;
	char *from;
	char *to;
	char *profile; /* NULL: this project */
	bool into_existing;
	bool yes;
	bool exists; /* the target room exists */
	struct room room;
	char *storage; /* plain LSON; NULL when empty */
	size_t storage_len;
	size_t storage_nodes;
	char *yjs; /* binary update; NULL when empty or unavailable */
	size_t yjs_len;
	bool yjs_missing; /* the source server has no Yjs endpoint */
	char *summary;
	const char *stage;
	void (*then)(struct copy *k); /* the next step once a request succeeded */
	/* while loading */
	struct resource *src_storage;
	struct resource *dst_room;
};

static void copy_free(void *state)
{
	struct copy *k = state;

	if (!k)
		return;
	if (k->src_storage)
		model_release(k->src, &k->src_storage);
	if (k->dst_room)
		model_release(k->dst, &k->dst_room);
	free(k->from);
	free(k->to);
	free(k->profile);
	room_clear(&k->room);
	free(k->storage);
	free(k->yjs);
	free(k->summary);
	free(k);
}

/* Finish with err; mid-way, say how far the copy got. */
static void copy_fail(struct copy *k, const struct lb_error *e)
{
	struct cmd_ctx *c = k->c;
	struct lb_error err = *e;

	if (k->stage && err.status != LB_OK)
		lb_error_prefix(&err, "copy stopped at %s", k->stage);
	copy_free(k);
	cmd_finish(c, &err);
}

static void copy_finished(struct copy *k)
{
	struct lb_error ok;

	cmd_sayf(k->c, "copied room %s to %s%s%s: %s", k->from, k->to,
	         k->profile ? " in profile " : "", k->profile ? k->profile : "", k->summary);
	lb_error_clear(&ok);
	k->stage = NULL;
	copy_fail(k, &ok);
}

/* A request of the copy answered: stop on an error, or go on with then. */
static void copy_then(const struct storage_result *res, void *ud)
{
	struct copy *k = ud;

	if (res->err.status != LB_OK) {
		struct lb_error err = res->err;
		cmd_keep_previous(k->c, res, k->to, k->profile, &err);
		copy_fail(k, &err);
		return;
	}
	k->then(k);
}

static void copy_yjs(struct copy *k)
{
	if (!k->yjs) {
		copy_finished(k);
		return;
	}
	k->stage = "the Yjs document (metadata, accesses and Storage were copied)";
	k->then = copy_finished;
	model_ydoc_update(k->dst, k->to, NULL, k->yjs, k->yjs_len, copy_then, k);
}

/* Write the Storage to the target (an empty one is not written); an
 * existing target's is replaced, and put back if the write fails. */
static void copy_storage(struct copy *k)
{
	k->then = copy_yjs;
	if (k->exists && k->storage)
		model_storage_replace(k->dst, k->to, k->storage, k->storage_len, NULL, 0, copy_then,
		                      k);
	else if (k->exists)
		model_storage_delete(k->dst, k->to, copy_then, k);
	else if (k->storage)
		model_storage_init(k->dst, k->to, k->storage, k->storage_len, copy_then, k);
	else
		copy_yjs(k);
}

static void copy_room_done(const struct lb_error *err, const struct room *room, void *ud)
{
	struct copy *k = ud;

	(void)room;
	if (err->status != LB_OK) {
		copy_fail(k, err);
		return;
	}
	k->stage = "the Storage (the room, its metadata and accesses were copied)";
	copy_storage(k);
}

static bool kvv_to_patch(const struct kvv *src, struct room_patch_map *dst)
{
	for (size_t i = 0; i < src->n; i++)
		if (!room_patch_map_set(dst, src->v[i].key, &src->v[i].list, src->v[i].is_list,
		                        false))
			return false;
	return true;
}

static void copy_go(void *state)
{
	struct copy *k = state;
	struct lb_error err;
	bool ok;

	k->stage = "the room";
	if (k->exists) {
		struct room_update u;
		memset(&u, 0, sizeof(u));
		u.default_accesses_set = true;
		ok = strv_copy(&u.default_accesses, &k->room.default_accesses) &&
		     kvv_to_patch(&k->room.metadata, &u.metadata) &&
		     kvv_to_patch(&k->room.users_accesses, &u.users_accesses) &&
		     kvv_to_patch(&k->room.groups_accesses, &u.groups_accesses);
		if (ok)
			model_room_update(k->dst, k->to, &u, copy_room_done, k);
		room_update_clear(&u);
	} else {
		struct room_create rc;
		memset(&rc, 0, sizeof(rc));
		rc.id = strdup(k->to);
		rc.default_accesses_set = true;
		ok = rc.id && strv_copy(&rc.default_accesses, &k->room.default_accesses) &&
		     kvv_copy(&rc.metadata, &k->room.metadata) &&
		     kvv_copy(&rc.users_accesses, &k->room.users_accesses) &&
		     kvv_copy(&rc.groups_accesses, &k->room.groups_accesses);
		/* An organization belongs to a project: keep it only within one. */
		if (ok && k->src == k->dst && k->room.organization_id) {
			rc.organization_id = strdup(k->room.organization_id);
			ok = rc.organization_id != NULL;
		}
		if (ok)
			model_room_create(k->dst, &rc, false, copy_room_done, k);
		room_create_clear(&rc);
	}
	if (!ok) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		copy_fail(k, &err);
	}
}

/* Everything is read: summarize and ask. */
static void copy_confirm(struct copy *k)
{
	struct cmd_ctx *c = k->c;
	struct buf s, p, t;
	char size[32], access[512];

	buf_init(&s);
	buf_init(&p);
	buf_init(&t);
	size_t users = k->room.users_accesses.n, groups = k->room.groups_accesses.n;
	buf_printf(&s, "metadata %zu key%s, accesses %zu user%s %zu group%s, ", k->room.metadata.n,
	           k->room.metadata.n == 1 ? "" : "s", users, users == 1 ? "" : "s", groups,
	           groups == 1 ? "" : "s");
	if (k->storage)
		buf_printf(&s, "storage %zu node%s, ", k->storage_nodes,
		           k->storage_nodes == 1 ? "" : "s");
	else
		buf_adds(&s, "storage empty, ");
	if (k->yjs) {
		format_size(k->yjs_len, size, sizeof(size));
		buf_printf(&s, "yjs %s", size);
	} else {
		buf_adds(&s,
		         k->yjs_missing ? "yjs not available on the source server" : "yjs empty");
	}
	strv_join(&k->room.default_accesses, ", ", access, sizeof(access));
	buf_printf(&t, "Copy room %s to %s%s%s", k->from, k->to, k->profile ? " in profile " : "",
	           k->profile ? k->profile : "");
	buf_printf(&p, "%s\n  %s\n  default accesses: %s\n", t.data, s.data,
	           k->room.default_accesses.n ? access : "none (private)");
	if (k->exists)
		buf_printf(&p,
		           "Room %s exists (--into-existing): its metadata and accesses are "
		           "updated, its Storage is replaced and the Yjs document is merged "
		           "into its own. Everyone connected to it is disconnected.\n",
		           k->to);
	else
		buf_printf(&p, "Room %s does not exist%s: it will be created.\n", k->to,
		           k->profile ? " in that profile" : "");
	k->summary = buf_steal(&s);
	if (!k->summary || !p.len || !t.len) {
		buf_free(&p);
		buf_free(&t);
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		copy_fail(k, &err);
		return;
	}
	cmd_confirm(c, t.data, p.data, "Copy this room?", k->yes, copy_go, copy_free, k);
	buf_free(&p);
	buf_free(&t);
}

static void copy_got_yjs(const struct storage_result *res, void *ud)
{
	struct copy *k = ud;

	if (res->err.status != LB_OK) {
		if (!api_is_no_endpoint(&res->err)) {
			struct lb_error err = res->err;
			lb_error_prefix(&err, "cannot read the Yjs document of room %s", k->from);
			copy_fail(k, &err);
			return;
		}
		k->yjs_missing = true;
	} else if (res->body_len > 2) {
		/* Two bytes are the update of an empty document. */
		k->yjs = malloc(res->body_len);
		if (!k->yjs) {
			struct lb_error err;
			lb_error_set(&err, LB_NOMEM, "out of memory");
			copy_fail(k, &err);
			return;
		}
		memcpy(k->yjs, res->body, res->body_len);
		k->yjs_len = res->body_len;
	}
	copy_confirm(k);
}

/* The source room, its Storage and the target room are loaded. */
static bool copy_loaded(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct copy *k = cmd_held(ud);
	struct lb_error err;

	if (k->src_storage->busy || k->dst_room->busy)
		return false;
	if (cmd_load_failed(c, r, k->from)) {
		copy_free(k);
		return true;
	}
	struct resource *s = k->src_storage, *d = k->dst_room;
	if (s->err.status != LB_OK || !s->has_data) {
		err = s->err;
		if (err.status == LB_OK)
			lb_error_set(&err, LB_HTTP, "cannot read the Storage of room %s", k->from);
		copy_fail(k, &err);
		return true;
	}
	if (d->gone) {
		k->exists = false;
	} else if (d->err.status != LB_OK || !d->has_data) {
		err = d->err;
		if (err.status == LB_OK)
			lb_error_set(&err, LB_HTTP, "cannot tell whether room %s exists", k->to);
		copy_fail(k, &err);
		return true;
	} else {
		k->exists = true;
		if (!k->into_existing) {
			char *safe = ts_sanitize(k->to, (size_t)-1);
			lb_error_set(
			    &err, LB_USAGE,
			    "room %s already exists%s: choose another ID, or add "
			    "--into-existing to copy into it (replaces its Storage, merges "
			    "Yjs)",
			    safe ? safe : "", k->profile ? " in that profile" : "");
			free(safe);
			copy_fail(k, &err);
			return true;
		}
	}
	if (!room_copy(&k->room, model_room_of(r))) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		copy_fail(k, &err);
		return true;
	}
	size_t len;
	const char *body = model_body(s, &len);
	struct lson_doc *doc = model_document(s) ? lson_ref(model_document(s)) : NULL;
	if (!doc && body)
		doc = lson_parse(body, len, true, &err);
	if (!doc) {
		if (!body)
			lb_error_set(&err, LB_DECODE, "the Storage of room %s came without a body",
			             k->from);
		copy_fail(k, &err);
		return true;
	}
	if (doc->n > 1 && doc->nodes[0].n_children > 0) {
		k->storage_nodes = doc->n - 1;
		k->storage = malloc(len + 1);
		if (k->storage) {
			memcpy(k->storage, body, len);
			k->storage[len] = '\0';
			k->storage_len = len;
		}
	}
	lson_unref(&doc);
	if (k->storage_nodes && !k->storage) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		copy_fail(k, &err);
		return true;
	}
	model_release(k->src, &k->src_storage);
	model_release(k->dst, &k->dst_room);
	model_ydoc_binary(k->src, k->from, NULL, copy_got_yjs, k);
	return true;
}

static void run_room_copy(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	const char *profile = cmd_opt_value(a, "to-profile");
	struct model *dst = c->model;

	if (profile) {
		if (!c->host.profile_model) {
			cmd_finish_usage(c, "%s", "--to-profile is not available here");
			return;
		}
		lb_error_clear(&err);
		dst = c->host.profile_model(c->host.ud, profile, &err);
		if (!dst) {
			if (err.status == LB_OK)
				lb_error_set(&err, LB_CONFIG, "no profile '%s'", profile);
			cmd_finish(c, &err);
			return;
		}
	}
	/* The core does not guard this command: only the target is written. */
	if (model_read_only(dst) || (dst == c->model && c->read_only)) {
		cmd_finish_with(
		    c, LB_READONLY,
		    "'room copy' would change %s (read-only: started with --read-only or a "
		    "read_only profile)",
		    dst == c->model ? "this project" : "that profile's project");
		return;
	}
	if (dst == c->model && !strcmp(a->pos[0], a->pos[1])) {
		cmd_finish_usage(c, "%s",
		                 "NEW_ID is the room's ID: copy to another ID, or to "
		                 "another profile with --to-profile");
		return;
	}
	struct copy *k = calloc(1, sizeof(*k));
	if (!k) {
		cmd_finish_nomem(c);
		return;
	}
	k->c = c;
	k->src = c->model;
	k->dst = dst;
	k->into_existing = cmd_has_flag(a, "into-existing");
	k->yes = cmd_has_flag(a, "yes");
	k->from = strdup(a->pos[0]);
	k->to = strdup(a->pos[1]);
	k->profile = profile ? strdup(profile) : NULL;
	struct resource *r = NULL;
	if (k->from && k->to && (!profile || k->profile)) {
		r = model_room(k->src, k->from);
		k->src_storage = model_storage(k->src, k->from, false);
		k->dst_room = model_room(k->dst, k->to);
	}
	if (!r || !k->src_storage || !k->dst_room) {
		if (r)
			model_release(k->src, &r);
		copy_free(k);
		cmd_finish_nomem(c);
		return;
	}
	/* Fresh answers: the copy must see what is there now. */
	if (!k->src_storage->busy && k->src_storage->state != RES_LOADING)
		model_refresh(k->src, k->src_storage);
	if (!k->dst_room->busy && k->dst_room->state != RES_LOADING)
		model_refresh(k->dst, k->dst_room);
	if (!cmd_wait_holding(c, r, copy_loaded, k)) {
		copy_free(k);
		cmd_finish_nomem(c);
	}
}

static const enum endpoint_id endpoints[] = {
    EP_ROOM_GET,
    EP_ROOM_CREATE,
    EP_STORAGE_GET,
    EP_STORAGE_INIT,
    EP_YDOC_BINARY,
    EP_YDOC_UPDATE,
    EP_COUNT,
};

const struct family family_room_copy = {
    .name = "room copy",
    .summary = "A room copied with its Storage and Yjs, here or to another project",
    .commands = commands,
    .endpoints = endpoints,
};
