#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "family.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"

static void run_rooms(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_update(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec rooms_opts[] = {
	{"query", OPT_RAW, "QUERY", "filter with the query language, e.g. roomId^\"acme-\""},
	{"prefix", OPT_VALUE, "PREFIX", "rooms whose ID starts with PREFIX"},
	{"metadata", OPT_VALUE, "KEY=VALUE", "rooms whose metadata KEY is VALUE (repeatable)"},
	{"user", OPT_VALUE, "USER", "rooms USER has access to"},
	{"group", OPT_VALUE, "GROUP", "rooms GROUP has access to (repeatable)"},
	{"org", OPT_VALUE, "ORG", "rooms of an organization"},
	{"tenant", OPT_VALUE, "ORG", "same as --org"},
	{"limit", OPT_VALUE, "N", "rooms per page, 1 to 100"},
	{"all", OPT_FLAG, NULL, "load every page"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec create_opts[] = {
	{"public", OPT_FLAG, NULL, "anyone with a token may write (room:write)"},
	{"private", OPT_FLAG, NULL, "no default access"},
	{"access", OPT_VALUE, "PERMS", "default accesses, comma-separated"},
	{"metadata", OPT_VALUE, "KEY=VALUE", "a metadata string (repeatable)"},
	{"metadata-list", OPT_VALUE, "KEY=A,B", "a metadata string list (repeatable)"},
	{"user-access", OPT_VALUE, "USER=PERMS", "give a user accesses (repeatable)"},
	{"group-access", OPT_VALUE, "GROUP=PERMS", "give a group accesses (repeatable)"},
	{"org", OPT_VALUE, "ORG", "the room's organization"},
	{"get-or-create", OPT_FLAG, NULL, "return the existing room instead of failing"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec update_opts[] = {
    CMD_ROOM_UPDATE_OPTS,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec delete_opts[] = {
	{"yes", OPT_FLAG, NULL, "do not ask for confirmation"},
	{NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
	{"rooms", "", 0, 0, false, run_rooms, "List rooms, with filters", rooms_opts,
	 SCOPE_NONE},
	{"room show", "[ID]", 0, 1, false, run_room_show, "Show every field of a room", cmd_no_opts,
	 SCOPE_ROOM},
	{"room create", "ID", 1, 1, true, run_room_create, "Create a room", create_opts,
	 SCOPE_NONE},
	{"room update", "[ID]", 0, 1, true, run_room_update,
	 "Change a room's metadata and accesses", update_opts, SCOPE_ROOM},
	{"room delete", "[ID]", 0, 1, true, run_room_delete,
	 "Delete a room (asks you to type its ID)", delete_opts, SCOPE_ROOM},
	{NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* An empty list says so: "(no rooms)", "(no rooms match roomId^"x")". */
/* A remark for an empty list, beside the result (batch: on stderr). */
static void note_no_rooms(struct cmd_ctx *c, const struct room_filter *f)
{
	char desc[512], line[600];
	room_filter_describe(f, desc, sizeof(desc));
	if (desc[0])
		snprintf(line, sizeof(line), "(no rooms match %s)", desc);
	else
		snprintf(line, sizeof(line), "(no rooms)");
	char *safe = ts_sanitize(line, (size_t)-1);
	cmd_note(c, safe ? safe : "(no rooms)");
	free(safe);
}

/* Print the list once loaded (every page with --all). */
static bool rooms_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	bool all = *(bool *)ud;

	/* The command asked for a fresh answer: an error now is its outcome,
	 * even with older rows in the cache. */
	if (r->err.status != LB_OK) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (!r->has_data)
		return false;
	if (all && !model_complete(r)) {
		model_more(c->model, r);
		return false;
	}
	struct buf b;
	buf_init(&b);
	const struct room *rooms = model_room_at(r, 0);
	size_t n = model_count(r);
	bool ok = c->host.json ? output_rooms_json(&b, rooms, n, model_next_cursor(r))
	                       : output_rooms_table(&b, rooms, n);
	if (!ok) {
		buf_free(&b);
		cmd_finish_nomem(c);
		return true;
	}
	if (c->host.json)
		cmd_print_json(c, b.data, b.len);
	else
		cmd_say(c, b.data);
	buf_free(&b);
	if (!c->host.json && n == 0)
		note_no_rooms(c, model_rooms_filter(r));
	if (!c->host.json && !model_complete(r))
		cmd_note(c, "(more rooms: add --all to load every page)");
	cmd_finish_ok(c);
	return true;
}

/* A room as the API sent it. */
static void print_room_json(struct cmd_ctx *c, const struct room *room)
{
	const char *json = room->raw_json ? room->raw_json : "null";
	cmd_print_json(c, json, strlen(json));
}

static bool room_show_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (r->gone || r->state == RES_ERROR || r->err.status != LB_OK) {
		struct lb_error err = r->err;
		if (err.status == LB_OK)
			lb_error_set(&err, LB_HTTP, "room not found");
		cmd_finish(c, &err);
		return true;
	}
	const struct room *room = model_room_of(r);
	if (!room)
		return false;
	if (c->host.json) {
		print_room_json(c, room);
	} else {
		struct buf b;
		buf_init(&b);
		if (!output_room_detail(&b, room)) {
			buf_free(&b);
			cmd_finish_nomem(c);
			return true;
		}
		cmd_say(c, b.len ? b.data : "");
		buf_free(&b);
	}
	cmd_finish_ok(c);
	return true;
}

static bool build_filter(const struct args *a, struct room_filter *f, struct lb_error *err)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].spec->name;
		const char *v = a->opt[i].value;
		if (!strcmp(name, "query")) {
			free(f->query);
			f->query = strdup(v);
		} else if (!strcmp(name, "prefix")) {
			free(f->prefix);
			f->prefix = strdup(v);
		} else if (!strcmp(name, "metadata")) {
			if (!cmd_kvv_put(&f->metadata, v, "metadata", false, false, err))
				return false;
		} else if (!strcmp(name, "user")) {
			free(f->user_id);
			f->user_id = strdup(v);
		} else if (!strcmp(name, "group")) {
			if (!cmd_split_list(v, &f->group_ids))
				goto nomem;
		} else if (!strcmp(name, "org") || !strcmp(name, "tenant")) {
			free(f->organization_id);
			f->organization_id = strdup(v);
		} else if (!strcmp(name, "limit")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 100) {
				lb_error_set(err, LB_USAGE, "--limit must be a number from 1 to 100");
				return false;
			}
			f->limit = (int)n;
		}
	}
	return true;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static void run_rooms(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_filter f;
	struct lb_error err;

	if (!build_filter(a, &f, &err)) {
		room_filter_clear(&f);
		cmd_finish(c, &err);
		return;
	}
	/* Every page: as few requests as the API allows. */
	if (f.limit == 0 && cmd_has_flag(a, "all"))
		f.limit = 100;
	if (c->host.interactive && c->host.show_rooms) {
		c->host.show_rooms(c->host.ud, &f);
		room_filter_clear(&f);
		cmd_finish_ok(c);
		return;
	}
	struct resource *r = model_rooms(c->model, &f);
	room_filter_clear(&f);
	if (!r) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		cmd_finish(c, &err);
		return;
	}
	bool *all = malloc(sizeof(*all));
	if (!all) {
		model_release(c->model, &r);
		cmd_finish_nomem(c);
		return;
	}
	*all = cmd_has_flag(a, "all");
	cmd_wait(c, r, true, rooms_step, all);
}


static void run_room_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *id = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!id)
		return;
	if (c->host.interactive && c->host.show_room) {
		c->host.show_room(c->host.ud, id);
		cmd_finish_ok(c);
		return;
	}
	struct resource *r = model_room(c->model, id);
	if (!r) {
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait(c, r, true, room_show_step, NULL);
}

struct mutation {
	struct cmd_ctx *c;
	char *verb;
	char *id;
	bool show; /* open the room when done (TUI) */
};

static void mutation_done(const struct lb_error *err, const struct room *room, void *ud)
{
	struct mutation *m = ud;
	struct cmd_ctx *c = m->c;

	if (err->status == LB_OK) {
		if (c->host.json && room) {
			print_room_json(c, room);
		} else {
			cmd_sayf(c, "%s room %s", m->verb, room ? room->id : m->id);
		}
		if (m->show && c->host.interactive && c->host.show_room && room)
			c->host.show_room(c->host.ud, room->id);
	}
	cmd_finish(c, err);
	free(m->verb);
	free(m->id);
	free(m);
}

static struct mutation *mutation_new(struct cmd_ctx *c, const char *verb, const char *id)
{
	struct mutation *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->c = c;
	m->verb = strdup(verb);
	m->id = strdup(id);
	if (!m->verb || !m->id) {
		free(m->verb);
		free(m->id);
		free(m);
		return NULL;
	}
	return m;
}

static void run_room_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_create rc;
	struct lb_error err;

	if (cmd_refuse_read_only(c, cmd))
		return;
	memset(&rc, 0, sizeof(rc));
	rc.id = strdup(a->pos[0]);
	if (!cmd_room_opts(a, NULL, &rc, NULL, &err) || !cmd_default_public(&rc, &err))
		goto fail;
	struct mutation *m = mutation_new(c, "created", rc.id);
	if (!m) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_create(c->model, &rc, cmd_has_flag(a, "get-or-create"), mutation_done, m);
	room_create_clear(&rc);
	return;
fail:
	room_create_clear(&rc);
	cmd_finish(c, &err);
}

static void run_room_update(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_update u;
	struct lb_error err;

	if (cmd_refuse_read_only(c, cmd))
		return;
	const char *id = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!id)
		return;
	memset(&u, 0, sizeof(u));
	if (!cmd_room_opts(a, &u, NULL, NULL, &err))
		goto fail;
	if (cmd_room_update_empty(&u)) {
		lb_error_set(&err, LB_USAGE,
			     "nothing to change: give --set, --unset, --grant-user, --revoke-user, "
			     "--grant-group, --revoke-group, --public, --private or --access");
		goto fail;
	}
	struct mutation *m = mutation_new(c, "updated", id);
	if (!m) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_update(c->model, id, &u, mutation_done, m);
	room_update_clear(&u);
	return;
fail:
	room_update_clear(&u);
	cmd_finish(c, &err);
}

struct confirm {
	struct cmd_ctx *c;
	char *id;
};

static void confirm_free(void *state)
{
	struct confirm *k = state;

	free(k->id);
	free(k);
}

static void delete_now(struct cmd_ctx *c, const char *id)
{
	struct mutation *m = mutation_new(c, "deleted", id);
	if (!m) {
		cmd_finish_nomem(c);
		return;
	}
	model_room_delete(c->model, id, mutation_done, m);
}

/* The room as the server has it now: the API answers a DELETE of a room
 * that does not exist with 204, as if it had deleted it. */
static bool delete_checked(struct cmd_ctx *c, struct resource *r, void *ud)
{
	const char *id = ud;

	if (r->gone) {
		struct lb_error err = r->err;
		char *safe = ts_sanitize(id, (size_t)-1);
		lb_error_set(&err, LB_HTTP, "no room '%s': nothing was deleted", safe ? safe : "");
		free(safe);
		err.http_status = r->err.http_status ? r->err.http_status : 404;
		snprintf(err.code, sizeof(err.code), "%s", r->err.code);
		cmd_finish(c, &err);
		return true;
	}
	if (r->err.status != LB_OK) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (!r->has_data)
		return false;
	delete_now(c, id);
	return true;
}

static void delete_confirmed(void *state)
{
	struct confirm *k = state;
	struct cmd_ctx *c = k->c;
	struct resource *r = model_room(c->model, k->id);

	if (!r) {
		confirm_free(k);
		cmd_finish_nomem(c);
		return;
	}
	/* The job frees the ID with free(). */
	char *id = k->id;
	k->id = NULL;
	confirm_free(k);
	cmd_wait(c, r, true, delete_checked, id);
}

static void run_room_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (cmd_refuse_read_only(c, cmd))
		return;
	const char *id = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!id)
		return;
	struct confirm *k = calloc(1, sizeof(*k));
	if (k)
		k->id = strdup(id);
	if (!k || !k->id) {
		free(k);
		cmd_finish_nomem(c);
		return;
	}
	k->c = c;
	char *safe = ts_sanitize(id, (size_t)-1);
	char prompt[512];
	snprintf(prompt, sizeof(prompt), "Delete room %s? Type its ID to confirm: ",
		 safe ? safe : "");
	free(safe);
	cmd_confirm_typed(c, "delete", id, prompt, cmd_has_flag(a, "yes"), "not deleted",
	                  delete_confirmed, confirm_free, k);
}

static void add_opt(struct buf *b, const char *name, const char *value)
{
	char *q = cmd_quote(value);
	if (q)
		buf_printf(b, " --%s %s", name, q);
	free(q);
}

char *cmd_rooms_line(const struct room_filter *f, size_t *cursor)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "rooms");
	if (f->prefix)
		add_opt(&b, "prefix", f->prefix);
	for (size_t i = 0; i < f->metadata.n; i++) {
		if (!f->metadata.v[i].list.n)
			continue;
		struct buf kv;
		buf_init(&kv);
		buf_printf(&kv, "%s=%s", f->metadata.v[i].key, f->metadata.v[i].list.v[0]);
		if (kv.data)
			add_opt(&b, "metadata", kv.data);
		buf_free(&kv);
	}
	if (f->user_id)
		add_opt(&b, "user", f->user_id);
	for (size_t i = 0; i < f->group_ids.n; i++)
		add_opt(&b, "group", f->group_ids.v[i]);
	if (f->organization_id)
		add_opt(&b, "org", f->organization_id);
	buf_adds(&b, " --query ");
	char *q = cmd_quote_raw(f->query ? f->query : "", true);
	if (q)
		buf_adds(&b, q);
	free(q);
	if (cursor)
		*cursor = b.len ? b.len - 1 : 0;
	return buf_steal(&b);
}

static const enum endpoint_id endpoints[] = {
    EP_ROOMS_LIST,
    EP_ROOM_GET,
    EP_ROOM_CREATE,
    EP_ROOM_UPDATE,
    EP_ROOM_DELETE,
    EP_COUNT,
};

const struct family family_rooms = {
    .name = "rooms",
    .summary = "Rooms: list with filters, show, create, update, delete",
    .commands = commands,
    .endpoints = endpoints,
};
