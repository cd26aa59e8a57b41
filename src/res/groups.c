#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "decode.h"
#include "family.h"
#include "groups.h"
#include "kind.h"
#include "model_impl.h"
#include "ops.h"
#include "output.h"
#include "query.h"
#include "term_safe.h"
#include "util.h"

/* Groups of users, outside any room: list (by cursor), show, create,
 * delete, add and remove members, a user's groups. The decoders, the one
 * request outside a room that groups and tokens send, and the commands. */

/* Groups asked for per page (the API's most). */
#define GROUPS_PAGE 100

/* ---- decoders ----------------------------------------------------------- */

void group_info_clear(struct group_info *g)
{
	free(g->id);
	free(g->organization_id);
	strv_free(&g->members);
	memset(g, 0, sizeof(*g));
}

void groups_free(struct group_info *g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		group_info_clear(&g[i]);
	free(g);
}

/* One group object (not the whole answer). */
static bool group_from_json(const cJSON *root, struct group_info *out, struct lb_error *err)
{
	const cJSON *members, *m;
	const char *id, *org;

	memset(out, 0, sizeof(*out));
	out->created_s = -1;
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "id"));
	members = cJSON_GetObjectItemCaseSensitive(root, "members");
	if (!cJSON_IsObject(root) || !id) {
		lb_error_set(err, LB_DECODE, "the server sent a group without an \"id\"");
		return false;
	}
	if (members && !cJSON_IsArray(members)) {
		lb_error_set(err, LB_DECODE,
		             "the server sent a group whose \"members\" is not a list");
		return false;
	}
	org = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "organizationId"));
	if (!(out->id = strdup(id)) || (org && !(out->organization_id = strdup(org))))
		goto oom;
	out->created_s = iso8601_parse(
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "createdAt")));
	cJSON_ArrayForEach(m, members)
	{
		/* {id, addedAt}; a bare string is taken as the ID too. */
		const char *member =
		    cJSON_IsString(m)
		        ? cJSON_GetStringValue(m)
		        : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
		if (!member) {
			lb_error_set(err, LB_DECODE,
			             "the server sent a group member without an \"id\"");
			group_info_clear(out);
			return false;
		}
		if (!strv_push(&out->members, member))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	group_info_clear(out);
	return false;
}

static bool group_item_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	(void)index;
	return group_from_json(o, out, err);
}

static void group_item_clear(void *item)
{
	group_info_clear(item);
}

bool group_page_decode(const char *json, size_t len, struct group_info **out, size_t *n,
                       char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "groups", sizeof(**out), group_item_from,
	                       group_item_clear, (void **)out, n, next_cursor, err);
}

bool group_decode(const char *json, size_t len, struct group_info *out, struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), group_item_from, group_item_clear, out, err);
}

/* ---- the model: the project's groups, read a page at a time ------------ */

static bool groups_decode(const char *body, size_t len, const void *args, struct item_page *out,
                          struct lb_error *err)
{
	struct group_info *g;

	(void)args;
	if (!group_page_decode(body, len, &g, &out->n, &out->next, err))
		return false;
	out->items = g;
	return true;
}

static size_t group_item_bytes(const void *item)
{
	const struct group_info *g = item;
	size_t b = sizeof(*g) + strlen(g->id) + 1 +
	           (g->organization_id ? strlen(g->organization_id) + 1 : 0);

	for (size_t i = 0; i < g->members.n; i++)
		b += sizeof(char *) + strlen(g->members.v[i]) + 1;
	return b;
}

static const char *group_item_id(const void *item)
{
	return ((const struct group_info *)item)->id;
}

static void group_item_user_ids(const void *item, void (*add)(void *ctx, const char *id),
                                void *ctx)
{
	const struct group_info *g = item;

	for (size_t i = 0; i < g->members.n; i++)
		add(ctx, g->members.v[i]);
}

static const struct item_type group_item = {
    .name = "group",
    .size = sizeof(struct group_info),
    .decode_page = groups_decode,
    .clear = group_item_clear,
    .bytes = group_item_bytes,
    .id = group_item_id,
    .user_ids = group_item_user_ids,
};

static const struct kind groups_kind = {
    .name = "groups",
    .shape = KIND_LIST,
    .ep = EP_GROUPS_LIST,
    .item = &group_item,
    .paging = {.cursor_param = "startingAfter", .page_size = GROUPS_PAGE},
};

struct resource *model_groups(struct model *m)
{
	char *key = strdup("/v2/groups");

	return key ? mi_get(m, &groups_kind, key, NULL, NULL) : NULL;
}

static const struct kind user_groups_kind = {
    .name = "user groups",
    .shape = KIND_LIST,
    .ep = EP_USER_GROUPS,
    .item = &group_item,
    .paging = {.cursor_param = "startingAfter", .page_size = GROUPS_PAGE},
    .about_user = true,
};

struct resource *model_user_groups(struct model *m, const char *user)
{
	char *enc;
	struct buf key;

	if (!m || !user || !*user || !(enc = url_encode(user)))
		return NULL;
	buf_init(&key);
	buf_printf(&key, "/v2/users/%s/groups", enc);
	free(enc);
	if (!key.data)
		return NULL;
	return mi_get(m, &user_groups_kind, buf_steal(&key), user, NULL);
}

const struct group_info *model_group_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &group_item, i);
}

/* ---- one request outside any room --------------------------------------- */

struct outside_op {
	enum endpoint_id ep;
	char *p[2];
	char *query;
	char *body;
};

static void outside_op_clear(void *state)
{
	struct outside_op *st = state;

	free(st->p[0]);
	free(st->p[1]);
	free(st->query);
	free(st->body);
}

static bool outside_build(struct op *o, struct api_send_args *args, char *made[2],
                          struct lb_error *err)
{
	struct outside_op *st = op_state(o);

	(void)made;
	(void)err;
	args->params[0] = st->p[0];
	args->params[1] = st->p[1];
	args->query = st->query;
	if (st->body) {
		args->body = st->body;
		args->body_len = strlen(st->body);
		args->ct = API_CT_JSON;
	}
	return true;
}

static const struct op_step *outside_answer(struct model *m, struct op *o,
                                            struct api_storage_result *res, struct op_end *end)
{
	(void)m;
	(void)o;
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	return NULL;
}

/* One step a row of the table: a step names its endpoint. */
#define OUTSIDE_STEP(ID)                                                                           \
	{                                                                                          \
		.ep = EP_##ID, .build = outside_build, .answer = outside_answer                    \
	}
static const struct op_step outside_steps[] = {
    OUTSIDE_STEP(GROUP_CREATE),
    OUTSIDE_STEP(GROUPS_LIST),
    OUTSIDE_STEP(GROUP_GET),
    OUTSIDE_STEP(GROUP_DELETE),
    OUTSIDE_STEP(GROUP_ADD_MEMBERS),
    OUTSIDE_STEP(GROUP_REMOVE_MEMBERS),
    OUTSIDE_STEP(USER_GROUPS),
    OUTSIDE_STEP(AUTHORIZE_USER),
    OUTSIDE_STEP(IDENTIFY_USER),
    OUTSIDE_STEP(ROOM_AUTHORIZE),
    OUTSIDE_STEP(ROOM_PUBLIC_AUTHORIZE),
};

static const struct op_program outside_read = {
    .name = "read",
    .state_size = sizeof(struct outside_op),
    .clear = outside_op_clear,
    .changes = false,
    .outside_room = true,
};

static const struct op_program outside_change = {
    .name = "change",
    .state_size = sizeof(struct outside_op),
    .clear = outside_op_clear,
    .changes = true,
    .outside_room = true,
};

static bool dup_or_null(char **to, const char *s)
{
	return !s || (*to = strdup(s)) != NULL;
}

http_id model_send_outside(struct model *m, enum endpoint_id ep, const char *p0, const char *p1,
                           const char *query, const char *body, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	const struct op_step *step = NULL;
	struct outside_op *st;
	struct op *o;

	for (size_t i = 0; i < sizeof(outside_steps) / sizeof(outside_steps[0]); i++)
		if (outside_steps[i].ep == ep)
			step = &outside_steps[i];
	if (!step)
		return op_refuse(&to, LB_USAGE, "no such request outside a room");
	o = op_new(m, endpoint_has(ep, EPF_MUTATION) ? &outside_change : &outside_read, NULL, ep,
	           &to);
	if (!o)
		return 0;
	st = op_state(o);
	st->ep = ep;
	if (!dup_or_null(&st->p[0], p0) || !dup_or_null(&st->p[1], p1) ||
	    !dup_or_null(&st->query, query) || !dup_or_null(&st->body, body))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, step);
}

http_id model_group_get(struct model *m, const char *group_id, storage_done_fn done, void *ud)
{
	if (!group_id || !*group_id) {
		const struct op_done to = {.storage = done, .ud = ud};
		return op_refuse(&to, LB_USAGE, "no group ID");
	}
	return model_send_outside(m, EP_GROUP_GET, group_id, NULL, NULL, NULL, done, ud);
}

/* ---- commands ----------------------------------------------------------- */

static void run_groups(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_group_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_group_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_group_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_group_members(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec all_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec create_opts[] = {
    {"member", OPT_VALUE, "USER", "a member (repeatable)"},
    {"org", OPT_VALUE, "ID", "the organization"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"groups", "", 0, 0, false, run_groups, "List the project's groups", all_opts, SCOPE_NONE},
    {"group show", "GROUP_ID", 1, 1, false, run_group_show, "Show a group and its members",
     cmd_no_opts, SCOPE_NONE},
    {"group delete", "GROUP_ID", 1, 1, true, run_group_delete,
     "Delete a group (asks you to type its ID)", cmd_yes_opts, SCOPE_NONE},
    {"group create", "NEW_GROUP", 1, 1, true, run_group_create, "Create a group with its members",
     create_opts, SCOPE_NONE},
    {"group add", "GROUP_ID USER...", 2, 8, true, run_group_members, "Add members to a group",
     cmd_no_opts, SCOPE_NONE},
    {"group remove", "GROUP_ID USER...", 2, 8, true, run_group_members,
     "Remove members from a group", cmd_no_opts, SCOPE_NONE},
    {"user-groups", "USER", 1, 1, false, run_groups, "List the groups a user is in", all_opts,
     SCOPE_USER},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* What a command about groups waits on: one request, or the pages of a
 * list. */
struct group_job {
	struct cmd_ctx *c;
	char *id;     /* the group, or the user of user-groups */
	bool user;    /* user-groups */
	bool all;     /* every page */
	bool json;    /* --json: the API's objects */
	cJSON *items; /* --json: every page's data */
	struct group_info *groups;
	size_t n;
	char *next;            /* the cursor of the next page */
	const char *done_word; /* "created", "deleted", ... */
};

static void group_job_free(void *state)
{
	struct group_job *j = state;

	free(j->id);
	cJSON_Delete(j->items);
	groups_free(j->groups, j->n);
	free(j->next);
	free(j);
}

static struct group_job *group_job_new(struct cmd_ctx *c, const char *id)
{
	struct group_job *j = calloc(1, sizeof(*j));

	if (j && id && !(j->id = strdup(id))) {
		free(j);
		j = NULL;
	}
	if (j) {
		j->c = c;
		j->json = c->host.json;
	}
	return j;
}

static void group_job_finish(struct group_job *j, const struct lb_error *err)
{
	struct cmd_ctx *c = j->c;

	group_job_free(j);
	if (err)
		cmd_finish(c, err);
	else
		cmd_finish_ok(c);
}

/* A 404 about a group or a user names it. */
static void say_not_found(struct group_job *j, struct lb_error *err)
{
	if (err->status == LB_HTTP && err->http_status == 404) {
		char *safe = ts_sanitize(j->id ? j->id : "", (size_t)-1);
		lb_error_set(err, LB_HTTP, "no %s '%s' (404)", j->user ? "user" : "group",
		             safe ? safe : "");
		err->http_status = 404;
		free(safe);
	}
}

/* ID, CREATED, MEMBERS; false when out of memory. */
static bool print_groups_table(struct cmd_ctx *c, const struct group_info *g, size_t n)
{
	struct buf b;
	int idw = 2;
	bool ok;

	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		output_id_width(&idw, g[i].id);
	ok = output_row(&b, "ID", idw, "CREATED", 16, "MEMBERS");
	for (size_t i = 0; ok && i < n; i++) {
		char when[32], members[1024];
		output_time(g[i].created_s, when, sizeof(when));
		strv_join(&g[i].members, ", ", members, sizeof(members));
		ok = output_row(&b, g[i].id, idw, when, 16, g[i].members.n ? members : "-");
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	return ok;
}

static void groups_page(const struct storage_result *res, void *ud);

static void groups_request(struct group_job *j)
{
	char *cur = j->next ? url_encode(j->next) : NULL;
	char query[64 + 1024];

	if (j->next && (!cur || strlen(cur) > 1024)) {
		free(cur);
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		group_job_finish(j, &err);
		return;
	}
	snprintf(query, sizeof(query), "limit=%d%s%s", GROUPS_PAGE, cur ? "&startingAfter=" : "",
	         cur ? cur : "");
	free(cur);
	model_send_outside(j->c->model, j->user ? EP_USER_GROUPS : EP_GROUPS_LIST,
	                   j->user ? j->id : NULL, NULL, query, NULL, groups_page, j);
}

/* Keep the answer's data items for --json. */
static bool keep_items(struct group_job *j, const struct storage_result *res)
{
	cJSON *root = cJSON_ParseWithLength(res->body, res->body_len);
	cJSON *data = root ? cJSON_DetachItemFromObjectCaseSensitive(root, "data") : NULL;
	cJSON *it;

	cJSON_Delete(root);
	if (!data)
		return false;
	if (!j->items) {
		j->items = data;
		return true;
	}
	while ((it = cJSON_DetachItemFromArray(data, 0)))
		cJSON_AddItemToArray(j->items, it);
	cJSON_Delete(data);
	return true;
}

static void groups_print(struct group_job *j)
{
	struct cmd_ctx *c = j->c;

	if (j->json) {
		cJSON *out = cJSON_CreateObject();
		char *text = NULL;
		if (out &&
		    cJSON_AddItemToObject(out, "data", j->items ? j->items : cJSON_CreateArray())) {
			j->items = NULL;
			if (j->next ? cJSON_AddStringToObject(out, "nextCursor", j->next)
			            : cJSON_AddNullToObject(out, "nextCursor"))
				text = cJSON_PrintUnformatted(out);
		}
		cJSON_Delete(out);
		if (!text) {
			group_job_free(j);
			cmd_finish_nomem(c);
			return;
		}
		cmd_print_json(c, text, strlen(text));
		cJSON_free(text);
	} else {
		if (!print_groups_table(c, j->groups, j->n)) {
			group_job_free(j);
			cmd_finish_nomem(c);
			return;
		}
		cmd_note_list_end(c, j->n, j->next != NULL, "(no groups)", "groups");
	}
	group_job_finish(j, NULL);
}

static void groups_page(const struct storage_result *res, void *ud)
{
	struct group_job *j = ud;
	struct lb_error err = res->err;
	struct group_info *g = NULL, *all;
	size_t n = 0;

	free(j->next);
	j->next = NULL;
	if (err.status != LB_OK) {
		say_not_found(j, &err);
		group_job_finish(j, &err);
		return;
	}
	if (!group_page_decode(res->body, res->body_len, &g, &n, &j->next, &err)) {
		group_job_finish(j, &err);
		return;
	}
	all = realloc(j->groups, (j->n + n + 1) * sizeof(*all));
	if (!all || (j->json && !keep_items(j, res))) {
		if (all)
			j->groups = all;
		groups_free(g, n);
		lb_error_set(&err, LB_NOMEM, "out of memory");
		group_job_finish(j, &err);
		return;
	}
	j->groups = all;
	memcpy(all + j->n, g, n * sizeof(*g));
	j->n += n;
	free(g);
	if (j->all && j->next) {
		groups_request(j);
		return;
	}
	groups_print(j);
}

static void run_groups(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	bool user = strcmp(cmd->name, "user-groups") == 0;
	struct group_job *j = group_job_new(c, user ? a->pos[0] : NULL);

	if (!j) {
		cmd_finish_nomem(c);
		return;
	}
	j->user = user;
	j->all = cmd_has_flag(a, "all");
	if (cmd_open_view(c, "groups", &(struct scope){.user = user ? a->pos[0] : NULL}, NULL,
	                  false, "")) {
		group_job_free(j);
		return;
	}
	groups_request(j);
}

/* The group's ID, organization, creation and members, a line each, as
 * one text (the screen shows it on a page of its own). */
static void print_group(struct cmd_ctx *c, const struct group_info *g)
{
	char when[32];
	struct buf b;
	char *safe;

	buf_init(&b);
	output_time(g->created_s, when, sizeof(when));
	buf_printf(&b, "group         %s\n", g->id);
	buf_printf(&b, "organization  %s\n", g->organization_id ? g->organization_id : "-");
	buf_printf(&b, "created       %s\n", when);
	buf_printf(&b, "members       %zu\n", g->members.n);
	for (size_t i = 0; i < g->members.n; i++)
		buf_printf(&b, "  %s\n", g->members.v[i]);
	if (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	safe = b.data ? cmd_safe_lines(b.data) : NULL;
	if (safe)
		cmd_say(c, safe);
	else
		cmd_note(c, "out of memory");
	free(safe);
	buf_free(&b);
}

/* The answer of show, create, add and remove: a group. */
static void group_answer_done(const struct storage_result *res, void *ud)
{
	struct group_job *j = ud;
	struct cmd_ctx *c = j->c;
	struct lb_error err = res->err;
	struct group_info g;

	if (err.status != LB_OK) {
		say_not_found(j, &err);
		group_job_finish(j, &err);
		return;
	}
	if (j->json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (group_decode(res->body, res->body_len, &g, &err)) {
		if (j->done_word)
			cmd_sayf(c, "%s group %s", j->done_word, g.id);
		print_group(c, &g);
		group_info_clear(&g);
	}
	group_job_finish(j, &err);
}

static void run_group_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct group_job *j = group_job_new(c, a->pos[0]);

	(void)cmd;
	if (!j) {
		cmd_finish_nomem(c);
		return;
	}
	model_group_get(c->model, j->id, group_answer_done, j);
}

/* {"memberIds": [...]} and the other fields of a create; NULL when out
 * of memory. */
static char *members_body(const char *id, const char *const *users, size_t n, const char *org)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *ids = cJSON_CreateArray();
	char *text = NULL;
	bool ok = o && ids;

	if (ok && id)
		ok = cJSON_AddStringToObject(o, "id", id) != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		cJSON *s = cJSON_CreateString(users[i]);
		ok = s && cJSON_AddItemToArray(ids, s);
		if (!ok)
			cJSON_Delete(s);
	}
	if (ok) {
		ok = cJSON_AddItemToObject(o, "memberIds", ids);
		ids = ok ? NULL : ids;
	}
	if (ok && org)
		ok = cJSON_AddStringToObject(o, "organizationId", org) != NULL;
	if (ok)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(ids);
	cJSON_Delete(o);
	return text;
}

static void run_group_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *users[64];
	size_t n = 0;
	struct group_job *j;
	char *body;

	if (cmd_refuse_read_only(c, cmd))
		return;
	for (int i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].spec->name, "member") == 0)
			users[n++] = a->opt[i].value;
	body = members_body(a->pos[0], users, n, cmd_opt_value(a, "org"));
	j = body ? group_job_new(c, a->pos[0]) : NULL;
	if (!j) {
		cJSON_free(body);
		cmd_finish_nomem(c);
		return;
	}
	j->done_word = "created";
	model_send_outside(c->model, EP_GROUP_CREATE, NULL, NULL, NULL, body, group_answer_done, j);
	cJSON_free(body);
}

static void run_group_members(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	bool add = strcmp(cmd->name, "group add") == 0;
	struct group_job *j;
	char *body;

	if (cmd_refuse_read_only(c, cmd))
		return;
	body = members_body(NULL, a->pos + 1, (size_t)a->npos - 1, NULL);
	j = body ? group_job_new(c, a->pos[0]) : NULL;
	if (!j) {
		cJSON_free(body);
		cmd_finish_nomem(c);
		return;
	}
	j->done_word = add ? "added to" : "removed from";
	model_send_outside(c->model, add ? EP_GROUP_ADD_MEMBERS : EP_GROUP_REMOVE_MEMBERS, j->id,
	                   NULL, NULL, body, group_answer_done, j);
	cJSON_free(body);
}

static void group_deleted(const struct storage_result *res, void *ud)
{
	struct group_job *j = ud;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		if (j->json)
			cmd_print_json(j->c, "{\"deleted\":true}", 16);
		else
			cmd_sayf(j->c, "deleted group %s", j->id);
	}
	say_not_found(j, &err);
	group_job_finish(j, &err);
}

static void delete_confirmed(void *state)
{
	struct group_job *j = state;

	model_send_outside(j->c->model, EP_GROUP_DELETE, j->id, NULL, NULL, NULL, group_deleted, j);
}

static void run_group_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct group_job *j;
	char prompt[512];
	char *safe;

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!(j = group_job_new(c, a->pos[0]))) {
		cmd_finish_nomem(c);
		return;
	}
	safe = ts_sanitize(j->id, (size_t)-1);
	snprintf(prompt, sizeof(prompt),
	         "Delete group %s? Type its ID to confirm: ", safe ? safe : "");
	free(safe);
	cmd_confirm_typed(c, "delete the group", j->id, prompt, cmd_has_flag(a, "yes"),
	                  "not deleted", delete_confirmed, group_job_free, j);
}

static const struct id_arg ids[] = {
    {"GROUP_ID", 0, false, false, false},
    {"NEW_GROUP", 0, true, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_GROUP_CREATE,      EP_GROUPS_LIST,          EP_GROUP_GET,   EP_GROUP_DELETE,
    EP_GROUP_ADD_MEMBERS, EP_GROUP_REMOVE_MEMBERS, EP_USER_GROUPS, EP_COUNT,
};

const struct family family_groups = {
    .name = "groups",
    .summary = "Groups of users: list, show, create, delete, members, a user's groups",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
