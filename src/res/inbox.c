#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "decode.h"
#include "family.h"
#include "inbox.h"
#include "json.h"
#include "kept.h"
#include "kind.h"
#include "notify_impl.h"
#include "ops.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"

/* A user's inbox notifications, the whole family: what the API sends
 * (thread, textMention and custom "$kind" notifications), what the model
 * keeps (a user's inbox, a page at a time), the changes (delete one,
 * delete all, trigger a custom one: programs of the engine, shared with
 * notify_settings.c through notify_impl.h) and the commands. */

/* Notifications asked for per page (the API's most). */
#define INBOX_PAGE 50

/* ------------------------------------------------------------------ */
/* Decoders */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* A copy of the string member name (NULL when absent or not a string);
 * false when out of memory. */
static bool copy_str(const cJSON *obj, const char *name, char **out)
{
	const char *s = cJSON_GetStringValue(item(obj, name));

	*out = NULL;
	return !s || (*out = strdup(s)) != NULL;
}

void inbox_note_clear(struct inbox_note *n)
{
	free(n->id);
	free(n->kind);
	free(n->room_id);
	free(n->thread_id);
	free(n->subject_id);
	free(n->mention_id);
	free(n->created_by);
	free(n->org);
	free(n->notified_at);
	free(n->last_data);
	free(n->raw_json);
	memset(n, 0, sizeof(*n));
}

void inbox_notes_free(struct inbox_note *n, size_t count)
{
	for (size_t i = 0; n && i < count; i++)
		inbox_note_clear(&n[i]);
	free(n);
}

size_t inbox_note_bytes(const struct inbox_note *n)
{
	return sizeof(*n) + str_bytes(n->id) + str_bytes(n->kind) + str_bytes(n->room_id) +
	       str_bytes(n->thread_id) + str_bytes(n->subject_id) + str_bytes(n->mention_id) +
	       str_bytes(n->created_by) + str_bytes(n->org) + str_bytes(n->notified_at) +
	       str_bytes(n->last_data) + str_bytes(n->raw_json);
}

const char *inbox_note_subject(const struct inbox_note *n)
{
	if (n->thread_id)
		return n->thread_id;
	return n->subject_id ? n->subject_id : "";
}

const char *inbox_note_section(const struct inbox_note *n)
{
	if (n->unread)
		return "unread";
	switch (n->k) {
	case INBOX_MENTION:
		return "mention";
	case INBOX_THREAD:
		return "thread";
	default:
		return "custom";
	}
}

/* One notification from its object; false with err (n then holds what was
 * copied, for the caller to clear). */
static bool note_from(const cJSON *it, struct inbox_note *n, size_t index, struct lb_error *err)
{
	const cJSON *acts = item(it, "activities");
	const cJSON *read = item(it, "readAt");
	const char *kind = cJSON_GetStringValue(item(it, "kind"));

	n->notified_s = -1;
	if (!cJSON_IsObject(it) || !cJSON_GetStringValue(item(it, "id")) || !kind) {
		lb_error_set(
		    err, LB_DECODE,
		    "the server sent an inbox notification without an \"id\" or a \"kind\" "
		    "(item %zu)",
		    index + 1);
		return false;
	}
	if (!strcmp(kind, "thread"))
		n->k = INBOX_THREAD;
	else if (!strcmp(kind, "textMention"))
		n->k = INBOX_MENTION;
	else
		n->k = INBOX_CUSTOM; /* "$name", or "custom" as the reference's schema says */
	if (!copy_str(it, "id", &n->id) || !copy_str(it, "kind", &n->kind) ||
	    !copy_str(it, "roomId", &n->room_id) || !copy_str(it, "threadId", &n->thread_id) ||
	    !copy_str(it, "subjectId", &n->subject_id) ||
	    !copy_str(it, "mentionId", &n->mention_id) ||
	    !copy_str(it, "createdBy", &n->created_by) ||
	    !copy_str(it, "organizationId", &n->org) ||
	    !copy_str(it, "notifiedAt", &n->notified_at) ||
	    !(n->raw_json = cJSON_PrintUnformatted(it)))
		goto oom;
	n->notified_s = iso8601_parse(n->notified_at);
	n->unread = !read || cJSON_IsNull(read);
	if (cJSON_IsArray(acts)) {
		const cJSON *last = cJSON_GetArrayItem(acts, cJSON_GetArraySize(acts) - 1);
		const cJSON *data = item(last, "data");

		n->activities = (size_t)cJSON_GetArraySize(acts);
		if (data && !(n->last_data = cJSON_PrintUnformatted(data)))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool note_item_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	return note_from(o, out, index, err);
}

static void note_item_clear(void *item)
{
	inbox_note_clear(item);
}

bool inbox_page_decode(const char *json, size_t len, struct inbox_note **out, size_t *n,
                       char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "inbox notifications", sizeof(**out), note_item_from,
	                       note_item_clear, (void **)out, n, next_cursor, err);
}

bool inbox_note_decode(const char *json, size_t len, struct inbox_note *out, struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), note_item_from, note_item_clear, out, err);
}

bool inbox_kind_check(const char *kind, struct lb_error *err)
{
	size_t n = kind ? strlen(kind) : 0;

	if (n < 2 || kind[0] != '$') {
		lb_error_set(err, LB_USAGE,
		             "a custom notification's kind starts with \"$\" (as \"$deploy\"), not "
		             "\"%.64s\"",
		             kind ? kind : "");
		return false;
	}
	if (n > 128) {
		lb_error_set(err, LB_USAGE, "a notification's kind has at most 128 characters");
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		char ch = kind[i];

		if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
			lb_error_set(
			    err, LB_USAGE,
			    "a notification's kind is \"$\" then letters or underscores only");
			return false;
		}
	}
	return true;
}

/* data: one object of strings, numbers and booleans. */
static bool activity_data_check(const cJSON *data, struct lb_error *err)
{
	const cJSON *v;

	if (!cJSON_IsObject(data)) {
		lb_error_set(err, LB_USAGE, "--data is one JSON object (as {\"version\":\"1.2\"})");
		return false;
	}
	cJSON_ArrayForEach(v, data)
	{
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v)) {
			lb_error_set(
			    err, LB_USAGE,
			    "--data: the value of \"%.64s\" is not a string, a number or a "
			    "boolean",
			    v->string ? v->string : "");
			return false;
		}
	}
	return true;
}

bool inbox_trigger_body(const char *user, const char *kind, const char *room, const char *subject,
                        const char *data, const char *org, struct buf *out, struct lb_error *err)
{
	cJSON *d;
	struct json_writer w;
	bool ok;

	if (!inbox_kind_check(kind, err) || !api_json_check(data, "--data", err))
		return false;
	if (!(d = cJSON_Parse(data))) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = activity_data_check(d, err);
	cJSON_Delete(d);
	if (!ok)
		return false;
	json_writer_init(&w, out, false);
	json_begin_object(&w);
	json_key(&w, "userId");
	json_string(&w, user);
	json_key(&w, "kind");
	json_string(&w, kind);
	json_key(&w, "subjectId");
	json_string(&w, subject);
	json_key(&w, "activityData");
	json_raw(&w, data);
	if (room) {
		json_key(&w, "roomId");
		json_string(&w, room);
	}
	if (org) {
		json_key(&w, "organizationId");
		json_string(&w, org);
	}
	json_end_object(&w);
	if (!out->data) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The model: a user's inbox, a page at a time. The kind's resources are
 * about the user: the model's loads send the resource's room_id as the
 * first path parameter, and here it holds the user's ID. */

struct inbox_args {
	bool unread;
	char org[];
};

static bool inbox_decode(const char *body, size_t len, const void *args, struct item_page *out,
                         struct lb_error *err)
{
	struct inbox_note *v;

	(void)args;
	if (!inbox_page_decode(body, len, &v, &out->n, &out->next, err))
		return false;
	out->items = v;
	return true;
}

static size_t note_item_bytes(const void *it)
{
	return inbox_note_bytes(it);
}

static const char *note_item_id(const void *it)
{
	return ((const struct inbox_note *)it)->id;
}

/* Who mentioned the user. */
static void note_item_user_ids(const void *it, void (*add)(void *ctx, const char *id), void *ctx)
{
	add(ctx, ((const struct inbox_note *)it)->created_by);
}

static const struct item_type note_item = {
    .name = "inbox notification",
    .size = sizeof(struct inbox_note),
    .decode_page = inbox_decode,
    .clear = note_item_clear,
    .bytes = note_item_bytes,
    .id = note_item_id,
    .user_ids = note_item_user_ids,
};

/* query=unread:true, organizationId=ORG; "" for neither. */
static char *inbox_query(const void *args)
{
	const struct inbox_args *a = args;
	char *org = a && a->org[0] ? url_encode(a->org) : NULL;
	struct buf b;

	if (a && a->org[0] && !org)
		return NULL;
	buf_init(&b);
	buf_adds(&b, "");
	if (a && a->unread)
		buf_adds(&b, "query=unread%3Atrue");
	if (org)
		buf_printf(&b, "%sorganizationId=%s", b.len ? "&" : "", org);
	free(org);
	return buf_steal(&b);
}

static void inbox_args_free(void *args)
{
	free(args);
}

static const struct kind inbox_kind = {
    .name = "inbox",
    .shape = KIND_LIST,
    .ep = EP_INBOX_NOTIFICATIONS_LIST,
    .item = &note_item,
    .paging = {.cursor_param = "startingAfter", .page_size = INBOX_PAGE},
    .args_query = inbox_query,
    .args_free = inbox_args_free,
    .about_user = true,
};

struct resource *model_inbox(struct model *m, const char *user, bool unread, const char *org)
{
	struct inbox_args *a;
	char *enc, *q;
	struct buf key;

	if (!m || !user || !*user)
		return NULL;
	a = calloc(1, sizeof(*a) + (org ? strlen(org) : 0) + 1);
	if (!a)
		return NULL;
	a->unread = unread;
	strcpy(a->org, org ? org : "");
	enc = url_encode(user);
	q = inbox_query(a);
	buf_init(&key);
	if (enc && q)
		buf_printf(&key, "/v2/users/%s/inbox-notifications?%s", enc, q);
	free(enc);
	free(q);
	if (!key.data) {
		free(a);
		return NULL;
	}
	return mi_get(m, &inbox_kind, buf_steal(&key), user, a);
}

const struct inbox_note *model_inbox_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &note_item, i);
}

/* ------------------------------------------------------------------ */
/* Changes: one program of the engine for every request of the family
 * about a user (notify_impl.h). */

static void notify_op_clear(void *state)
{
	struct notify_op *st = state;

	for (int i = 0; i < 3; i++)
		free(st->params[i]);
	free(st->query);
	free(st->body);
	free(st->kept);
}

static void notify_op_describe(const struct op *o, struct storage_result *res)
{
	const struct notify_op *st = op_state(o);

	if (st->kept)
		res->saved = st->kept;
}

const struct op_program notify_read_program = {
    .name = "notifications read",
    .state_size = sizeof(struct notify_op),
    .clear = notify_op_clear,
    .changes = false,
    .outside_room = true,
    .describe = notify_op_describe,
};

const struct op_program notify_change_program = {
    .name = "notifications change",
    .state_size = sizeof(struct notify_op),
    .clear = notify_op_clear,
    .changes = true,
    .outside_room = true,
    .describe = notify_op_describe,
};

bool notify_op_build(struct op *o, struct api_send_args *args, char *made[2], struct lb_error *err)
{
	struct notify_op *st = op_state(o);

	(void)made;
	(void)err;
	for (int i = 0; i < 3; i++)
		args->params[i] = st->params[i];
	args->query = st->query;
	if (st->body && !st->next) {
		args->body = st->body;
		args->body_len = strlen(st->body);
		args->ct = API_CT_JSON;
	}
	return true;
}

const struct op_step *notify_op_answer(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end)
{
	struct notify_op *st = op_state(o);
	enum lb_status s = res->err.status;

	(void)m;
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	for (int i = 0; i < 2; i++)
		if (st->stale[i])
			op_invalidate(o, st->stale[i]);
	/* A refusal changed nothing: its copy would only be clutter. */
	if (st->kept && s != LB_OK && s != LB_UNSURE && s != LB_CANCELLED &&
	    res->err.http_status != 404) {
		unlink(st->kept);
		free(st->kept);
		st->kept = NULL;
	}
	return NULL;
}

const struct op_step *notify_op_keep(struct model *m, struct op *o, struct api_storage_result *res,
                                     struct op_end *end)
{
	struct notify_op *st = op_state(o);
	struct lb_error why;
	const struct op_step *next = st->next;

	(void)m;
	if (res->err.status != LB_OK) {
		end->err = res->err;
		lb_error_prefix(&end->err, "nothing was changed");
		return NULL;
	}
	st->kept = kept_save(st->keep_kind, op_room(o), res->body, res->body_len, &why);
	if (!st->kept) {
		lb_error_set(&end->err, why.status == LB_NOMEM ? LB_NOMEM : LB_CONFIG,
		             "it could not be saved before the change (%s); nothing was changed",
		             why.message);
		return NULL;
	}
	st->next = NULL; /* the next step sends the body */
	return next;
}

http_id notify_op_run(struct model *m, struct notify_run *run, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = op_new(m, run->prog, run->user, run->guard, &to);
	struct notify_op *st;

	if (!o) {
		free(run->body);
		return 0;
	}
	st = op_state(o);
	st->body = run->body;
	st->keep_kind = run->keep_kind;
	st->next = run->next;
	st->stale[0] = run->stale[0];
	st->stale[1] = run->stale[1];
	for (int i = 0; i < 3; i++)
		if (run->params[i] && !(st->params[i] = strdup(run->params[i])))
			return op_drop(o, LB_NOMEM, "out of memory");
	if (run->query && !(st->query = strdup(run->query)))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, run->first);
}

/* ------------------------------------------------------------------ */
/* What the commands of both files share */

struct notify_cmd *notify_cmd_new(struct cmd_ctx *c, const char *user, const char *room,
                                  const char *id)
{
	struct notify_cmd *n = calloc(1, sizeof(*n));

	if (n) {
		n->c = c;
		n->user = user ? strdup(user) : NULL;
		n->room = room ? strdup(room) : NULL;
		n->id = id ? strdup(id) : NULL;
	}
	if (!n || (user && !n->user) || (room && !n->room) || (id && !n->id)) {
		notify_cmd_free(n);
		cmd_finish_nomem(c);
		return NULL;
	}
	return n;
}

void notify_cmd_free(void *state)
{
	struct notify_cmd *n = state;

	if (!n)
		return;
	free(n->user);
	free(n->room);
	free(n->id);
	free(n->body);
	free(n->query);
	free(n);
}

void notify_cmd_finish(struct notify_cmd *n, const struct lb_error *err)
{
	struct cmd_ctx *c = n->c;
	struct lb_error ok;

	lb_error_clear(&ok);
	notify_cmd_free(n);
	cmd_finish(c, err ? err : &ok);
}

void notify_cmd_answered(struct notify_cmd *n, const struct storage_result *res,
                         const char *sentence)
{
	struct cmd_ctx *c = n->c;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		if (c->host.json && res->body && res->body_len)
			cmd_print_json(c, res->body, res->body_len);
		else if (c->host.json)
			cmd_note(c, sentence);
		else
			cmd_sayf(c, "%s", sentence);
		if (res->saved)
			cmd_sayf(c, "what it held is saved in %s", res->saved);
	} else if (res->saved) {
		char *safe = ts_sanitize(res->saved, (size_t)-1);

		lb_error_prefix(&err, "a copy is saved in %s", safe ? safe : "");
		free(safe);
	}
	notify_cmd_finish(n, &err);
}

bool notify_cell(struct buf *b, const char *raw, int cols, bool pad)
{
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	char cell[1024];

	if (!safe)
		return false;
	if (pad)
		ts_fit_pad(safe, cols, cell, sizeof(cell));
	else
		ts_fit(safe, cols, cell, sizeof(cell));
	free(safe);
	return buf_adds(b, cell) && buf_adds(b, pad ? "  " : "");
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_inbox(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_note_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_note_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_note_delete_all(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_note_trigger(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec inbox_opts[] = {
    {"unread", OPT_FLAG, NULL, "unread notifications only"},
    {"org", OPT_VALUE, "ID", "of one organization"},
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec delete_all_opts[] = {
    {"org", OPT_VALUE, "ID", "of one organization"},
    {"yes", OPT_FLAG, NULL, "apply without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec trigger_opts[] = {
    {"room", OPT_VALUE, "ROOM", "the room it is about"},
    {"subject", OPT_VALUE, "ID", "what it is about (required)"},
    {"data", OPT_VALUE, "JSON|@FILE", "the activity's data: an object (required)"},
    {"org", OPT_VALUE, "ID", "the organization"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"inbox", "[USER]", 0, 1, false, run_inbox,
     "List a user's inbox notifications (Unread, Mentions, Threads, Custom)", inbox_opts,
     SCOPE_USER},
    {"notification show", "USER NOTIFICATION", 2, 2, false, run_note_show,
     "Show one inbox notification", cmd_no_opts, SCOPE_USER},
    {"notification delete", "USER NOTIFICATION", 2, 2, true, run_note_delete,
     "Delete one inbox notification (a copy is kept)", cmd_yes_opts, SCOPE_USER},
    {"notification delete-all", "USER", 1, 1, true, run_note_delete_all,
     "Delete every inbox notification of a user (a copy is kept)", delete_all_opts, SCOPE_USER},
    {"notification trigger", "USER KIND", 2, 2, true, run_note_trigger,
     "Trigger a custom notification ($KIND) for a user", trigger_opts, SCOPE_USER},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* "5m", "3h", "2d": how long ago s was; "-" when unknown. */
static void age_of(long long s, char *out, size_t n)
{
	long long d = (long long)time(NULL) - s;

	if (s < 0)
		snprintf(out, n, "-");
	else if (d < 60)
		snprintf(out, n, "%llds", d < 0 ? 0 : d);
	else if (d < 3600)
		snprintf(out, n, "%lldm", d / 60);
	else if (d < 86400)
		snprintf(out, n, "%lldh", d / 3600);
	else
		snprintf(out, n, "%lldd", d / 86400);
}

/* What a notification's row says after its subject: who mentioned, the
 * last activity's data. */
static void note_detail(const struct inbox_note *n, char *out, size_t len)
{
	if (n->k == INBOX_MENTION)
		snprintf(out, len, "by %s", n->created_by ? n->created_by : "?");
	else if (n->k == INBOX_CUSTOM)
		snprintf(out, len, "%zu activit%s %s", n->activities,
		         n->activities == 1 ? "y" : "ies", n->last_data ? n->last_data : "");
	else
		snprintf(out, len, "-");
}

static bool note_row(struct buf *b, const struct inbox_note *n, int idw)
{
	char when[32], age[32], detail[512];

	output_time(n->notified_s, when, sizeof(when));
	age_of(n->notified_s, age, sizeof(age));
	note_detail(n, detail, sizeof(detail));
	return buf_adds(b, "  ") && notify_cell(b, n->id, idw, true) &&
	       notify_cell(b, n->kind, 12, true) &&
	       notify_cell(b, n->room_id ? n->room_id : "-", 20, true) &&
	       notify_cell(b, inbox_note_subject(n), 26, true) && notify_cell(b, when, 16, true) &&
	       notify_cell(b, age, 4, true) &&
	       notify_cell(b, n->unread ? "unread" : "read", 6, true) &&
	       notify_cell(b, detail, 60, false) && buf_adds(b, "\n");
}

/* The notifications in four sections, each with a header. */
static bool inbox_table(struct buf *b, const struct resource *r)
{
	static const char *const sections[][2] = {{"unread", "Unread"},
	                                          {"mention", "Mentions"},
	                                          {"thread", "Threads"},
	                                          {"custom", "Custom"}};
	int idw = 2;
	bool ok;

	for (size_t i = 0; i < model_count(r); i++)
		output_id_width(&idw, model_inbox_at(r, i)->id);
	ok = buf_adds(b, "  ") && notify_cell(b, "ID", idw, true) &&
	     notify_cell(b, "KIND", 12, true) && notify_cell(b, "ROOM", 20, true) &&
	     notify_cell(b, "SUBJECT", 26, true) && notify_cell(b, "NOTIFIED", 16, true) &&
	     notify_cell(b, "AGE", 4, true) && notify_cell(b, "STATE", 6, true) &&
	     buf_adds(b, "DETAIL\n");
	for (size_t s = 0; ok && s < 4; s++) {
		size_t count = 0;

		for (size_t i = 0; i < model_count(r); i++)
			count += !strcmp(inbox_note_section(model_inbox_at(r, i)), sections[s][0]);
		if (!count)
			continue;
		ok = buf_printf(b, "%s (%zu)\n", sections[s][1], count);
		for (size_t i = 0; ok && i < model_count(r); i++) {
			const struct inbox_note *n = model_inbox_at(r, i);

			if (!strcmp(inbox_note_section(n), sections[s][0]))
				ok = note_row(b, n, idw);
		}
	}
	return ok;
}

static void note_json(struct json_writer *w, const void *list, size_t i)
{
	json_raw(w, model_inbox_at(list, i)->raw_json);
}

struct inbox_job {
	bool all;
	char user[];
};

static bool inbox_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct inbox_job *j = ud;
	struct buf b;

	if (r->err.status != LB_OK || !r->has_data) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (j->all && !model_complete(r)) {
		model_more(c->model, r);
		return false;
	}
	if (c->host.json) {
		if (!cmd_print_list_json(c, r, model_count(r), note_json, true,
		                         model_next_cursor(r))) {
			cmd_finish_nomem(c);
			return true;
		}
		cmd_finish_ok(c);
		return true;
	}
	buf_init(&b);
	if (!inbox_table(&b, r)) {
		buf_free(&b);
		cmd_finish_nomem(c);
		return true;
	}
	cmd_say(c, b.data);
	buf_free(&b);
	cmd_note_list_end(c, model_count(r), !model_complete(r), "(no notifications)",
	                  "notifications");
	cmd_finish_ok(c);
	return true;
}

static void run_inbox(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *user = cmd_target(c, cmd, a, SCOPE_USER);
	struct inbox_job *j;
	struct resource *r;

	if (!user || cmd_open_view(c, "inbox", &(struct scope){.user = user},
	                           &(struct inbox_view_opts){cmd_has_flag(a, "unread"),
	                                                     cmd_opt_value(a, "org")},
	                           false, ""))
		return;
	j = malloc(sizeof(*j) + strlen(user) + 1);
	r = j ? model_inbox(c->model, user, cmd_has_flag(a, "unread"), cmd_opt_value(a, "org"))
	      : NULL;
	if (!r) {
		free(j);
		cmd_finish_nomem(c);
		return;
	}
	j->all = cmd_has_flag(a, "all");
	strcpy(j->user, user);
	cmd_wait(c, r, true, inbox_step, j);
}

/* ---- notification show ---- */

static bool note_text(struct buf *b, const struct inbox_note *n)
{
	char when[32], age[32];

	output_time(n->notified_s, when, sizeof(when));
	age_of(n->notified_s, age, sizeof(age));
	buf_printf(b, "notification %s\nkind:      %s\nroom:      %s\nsubject:   %s\n", n->id,
	           n->kind, n->room_id ? n->room_id : "-", inbox_note_subject(n));
	if (n->k == INBOX_MENTION)
		buf_printf(b, "mentioned: by %s in comment %s\n",
		           n->created_by ? n->created_by : "?",
		           n->mention_id ? n->mention_id : "?");
	if (n->k == INBOX_CUSTOM)
		buf_printf(b, "activities: %zu, the last: %s\n", n->activities,
		           n->last_data ? n->last_data : "{}");
	if (n->org)
		buf_printf(b, "organization: %s\n", n->org);
	return buf_printf(b, "notified:  %s (%s ago)\nstate:     %s", when, age,
	                  n->unread ? "unread" : "read");
}

static void note_shown(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	struct cmd_ctx *c = n->c;
	struct lb_error err = res->err;
	struct inbox_note note;

	if (err.status == LB_OK && c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (err.status == LB_OK &&
	           inbox_note_decode(res->body, res->body_len, &note, &err)) {
		struct buf b;
		char *safe;

		buf_init(&b);
		note_text(&b, &note);
		safe = b.data ? cmd_safe_lines(b.data) : NULL;
		if (safe)
			cmd_say(c, safe);
		else
			lb_error_set(&err, LB_NOMEM, "out of memory");
		free(safe);
		buf_free(&b);
		inbox_note_clear(&note);
	}
	notify_cmd_finish(n, &err);
}

static const struct op_step note_get_step = {
    .ep = EP_INBOX_NOTIFICATION_GET, .build = notify_op_build, .answer = notify_op_answer};

static void run_note_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct notify_cmd *n = notify_cmd_new(c, a->pos[0], NULL, a->pos[1]);
	struct notify_run run = {.prog = &notify_read_program,
	                         .first = &note_get_step,
	                         .guard = EP_INBOX_NOTIFICATION_GET,
	                         .user = a->pos[0],
	                         .params = {a->pos[0], a->pos[1]}};

	(void)cmd;
	if (n)
		notify_op_run(c->model, &run, note_shown, n);
}

/* ---- notification delete ---- */

static const struct op_step note_delete_step = {
    .ep = EP_INBOX_NOTIFICATION_DELETE, .build = notify_op_build, .answer = notify_op_answer};
static const struct op_step note_keep_step = {
    .ep = EP_INBOX_NOTIFICATION_GET, .build = notify_op_build, .answer = notify_op_keep};

static void note_deleted(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	char line[1024];

	snprintf(line, sizeof(line), "deleted notification %s of %s", n->id, n->user);
	notify_cmd_answered(n, res, line);
}

static void note_delete_go(void *state)
{
	struct notify_cmd *n = state;
	struct notify_run run = {.prog = &notify_change_program,
	                         .first = &note_keep_step,
	                         .guard = EP_INBOX_NOTIFICATION_DELETE,
	                         .user = n->user,
	                         .params = {n->user, n->id},
	                         .stale = {&inbox_kind},
	                         .keep_kind = "notification",
	                         .next = &note_delete_step};

	notify_op_run(n->c->model, &run, note_deleted, n);
}

static void run_note_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct notify_cmd *n;
	struct lb_error no;
	char preview[1024];

	if (cmd_refuse_read_only(c, cmd) || !(n = notify_cmd_new(c, a->pos[0], NULL, a->pos[1])))
		return;
	snprintf(preview, sizeof(preview),
	         "Delete inbox notification %s of user %s.\nThe API cannot bring it back; lbtui "
	         "saves a copy in its state directory first.\n",
	         a->pos[1], a->pos[0]);
	lb_error_set(&no, LB_CANCELLED, "not deleted");
	cmd_confirm_else(c, "delete notification", preview, "Delete it?", cmd_has_flag(a, "yes"),
	                 &no, note_delete_go, notify_cmd_free, n);
}

/* ---- notification delete-all: read them all first, to say how many go
 * and to keep them ---- */

static const struct op_step all_delete_step = {
    .ep = EP_INBOX_NOTIFICATIONS_DELETE_ALL, .build = notify_op_build, .answer = notify_op_answer};

struct delete_all {
	struct notify_cmd *n;
	char *org;
};

static void all_deleted(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	char line[1024];

	snprintf(line, sizeof(line), "deleted %zu notification%s of %s", n->count,
	         n->count == 1 ? "" : "s", n->user);
	notify_cmd_answered(n, res, line);
}

static void delete_all_go(void *state)
{
	struct notify_cmd *n = state;
	struct storage_result res;
	struct notify_run run = {.prog = &notify_change_program,
	                         .first = &all_delete_step,
	                         .guard = EP_INBOX_NOTIFICATIONS_DELETE_ALL,
	                         .user = n->user,
	                         .params = {n->user},
	                         .query = n->query,
	                         .stale = {&inbox_kind}};

	/* Nothing to delete: no request. */
	if (n->count == 0) {
		memset(&res, 0, sizeof(res));
		notify_cmd_answered(n, &res, "no notifications to delete");
		return;
	}
	notify_op_run(n->c->model, &run, all_deleted, n);
}

/* Nothing was deleted: the copy made for the question would only be
 * clutter. */
static void delete_all_refused(void *state)
{
	struct notify_cmd *n = state;

	if (n->body)
		unlink(n->body);
	notify_cmd_free(n);
}

/* The notifications as one JSON array, to keep. */
static char *notes_json(const struct resource *r)
{
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, true);
	json_begin_array(&w);
	for (size_t i = 0; i < model_count(r); i++)
		json_raw(&w, model_inbox_at(r, i)->raw_json);
	json_end_array(&w);
	return buf_steal(&b);
}

static bool delete_all_counted(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct notify_cmd *n = cmd_held(ud);
	struct lb_error err, no;
	char preview[1024], *doc, *kept;

	if (r->err.status != LB_OK || !r->has_data) {
		err = r->err;
		lb_error_prefix(&err,
		                "the notifications could not be counted; nothing was deleted");
		notify_cmd_finish(n, &err);
		return true;
	}
	if (!model_complete(r)) {
		model_more(c->model, r);
		return false;
	}
	n->count = model_count(r);
	if (n->count == 0) {
		cmd_say(c, "no notifications to delete");
		notify_cmd_finish(n, NULL);
		return true;
	}
	/* Kept before the question: what the answer would delete. */
	doc = n->count ? notes_json(r) : NULL;
	kept = doc ? kept_save("notifications", n->user, doc, strlen(doc), &err) : NULL;
	free(doc);
	if (n->count && !kept) {
		lb_error_prefix(&err, "the notifications could not be saved; nothing was deleted");
		notify_cmd_finish(n, &err);
		return true;
	}
	snprintf(preview, sizeof(preview),
	         "Delete all %zu inbox notification%s of user %s%s%s.\n%s%s%s", n->count,
	         n->count == 1 ? "" : "s", n->user, n->id ? " in organization " : "",
	         n->id ? n->id : "", kept ? "They are saved in " : "", kept ? kept : "",
	         kept ? "\n" : "");
	n->body = kept; /* what a "no" takes away again */
	lb_error_set(&no, LB_CANCELLED, "not deleted");
	{
		char question[128];

		snprintf(question, sizeof(question), "Delete %zu notification%s?", n->count,
		         n->count == 1 ? "" : "s");
		cmd_confirm_else(c, "delete all notifications", preview, question, n->yes, &no,
		                 delete_all_go, delete_all_refused, n);
	}
	return true;
}

static void run_note_delete_all(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *org = cmd_opt_value(a, "org");
	struct notify_cmd *n;
	char *enc;

	if (cmd_refuse_read_only(c, cmd) || !(n = notify_cmd_new(c, a->pos[0], NULL, org)))
		return;
	n->yes = cmd_has_flag(a, "yes");
	if (org) {
		struct buf q;

		enc = url_encode(org);
		buf_init(&q);
		if (enc)
			buf_printf(&q, "organizationId=%s", enc);
		free(enc);
		if (!(n->query = buf_steal(&q))) {
			notify_cmd_free(n);
			cmd_finish_nomem(c);
			return;
		}
	}
	if (!cmd_wait_holding(c, model_inbox(c->model, n->user, false, org), delete_all_counted,
	                      n)) {
		notify_cmd_free(n);
		cmd_finish_nomem(c);
	}
}

/* ---- notification trigger ---- */

static const struct op_step trigger_step = {
    .ep = EP_INBOX_NOTIFICATION_TRIGGER, .build = notify_op_build, .answer = notify_op_answer};

static void triggered(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	char line[1024];

	snprintf(line, sizeof(line), "triggered %s for %s", n->id, n->user);
	notify_cmd_answered(n, res, line);
}

static void run_note_trigger(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *subject = cmd_opt_value(a, "subject");
	const char *data_arg = cmd_opt_value(a, "data");
	struct lb_error err;
	struct notify_cmd *n;
	char *data = NULL;
	struct buf body;

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!inbox_kind_check(a->pos[1], &err)) {
		cmd_finish(c, &err);
		return;
	}
	if (!subject || !*subject || !data_arg) {
		cmd_finish_usage(c, "%s",
		                 "notification trigger needs --subject ID and --data JSON|@FILE");
		return;
	}
	if (!cmd_value_text(c, data_arg, false, NULL, "--data", NULL, &data, &err)) {
		cmd_finish(c, &err);
		return;
	}
	buf_init(&body);
	if (!inbox_trigger_body(a->pos[0], a->pos[1], cmd_opt_value(a, "room"), subject, data,
	                        cmd_opt_value(a, "org"), &body, &err)) {
		free(data);
		buf_free(&body);
		cmd_finish(c, &err);
		return;
	}
	free(data);
	if (!(n = notify_cmd_new(c, a->pos[0], NULL, a->pos[1]))) {
		buf_free(&body);
		return;
	}
	struct notify_run run = {.prog = &notify_change_program,
	                         .first = &trigger_step,
	                         .guard = EP_INBOX_NOTIFICATION_TRIGGER,
	                         .user = a->pos[0],
	                         .body = buf_steal(&body),
	                         .stale = {&inbox_kind}};
	notify_op_run(c->model, &run, triggered, n);
}

static const struct id_arg ids[] = {
    {"NOTIFICATION", 0, false, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_INBOX_NOTIFICATIONS_LIST,       EP_INBOX_NOTIFICATION_GET,     EP_INBOX_NOTIFICATION_DELETE,
    EP_INBOX_NOTIFICATIONS_DELETE_ALL, EP_INBOX_NOTIFICATION_TRIGGER, EP_COUNT,
};

const struct family family_inbox = {
    .name = "inbox",
    .summary = "A user's inbox notifications: list, show, delete, delete all, trigger",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
