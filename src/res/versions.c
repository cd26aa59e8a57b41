#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "api_storage.h"
#include "cmd_impl.h"
#include "family.h"
#include "files.h"
#include "json.h"
#include "model_storage.h"
#include "output.h"
#include "util.h"

/* Commands for a room's Yjs version history: list the versions, export
 * one, create one. */

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
		if (model_count(r) == 0)
			cmd_note(c, "(no versions)");
		if (!model_complete(r))
			cmd_note(c, "(more versions: add --all to load every page)");
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
		else if (res->body && api_decode_version_id(res->body, res->body_len, &id, &derr))
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
