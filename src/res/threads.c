#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "family.h"
#include "kept.h"
#include "kind.h"
#include "term_safe.h"
#include "thread_export.h"
#include "threads.h"
#include "threads_impl.h"
#include "util.h"

/* A room's comment threads, the family of the thread commands: what the
 * model keeps (a room's threads, one page; one thread), the changes
 * (programs of the engine, the comments' in comments.c) and the commands
 * (threads, thread ...). The decoders are in thread_decode.c, what the
 * commands share with comments.c in thread_cmd.c. */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* ------------------------------------------------------------------ */
/* The model: a room's threads (one page), one thread */

static bool threads_page_decode(const char *body, size_t len, const void *args,
                                struct item_page *out, struct lb_error *err)
{
	struct thread *t;

	(void)args;
	if (!thread_list_decode(body, len, &t, &out->n, err))
		return false;
	out->items = t;
	out->next = NULL;
	return true;
}

static bool thread_one_decode(const char *body, size_t len, const void *args, void *item,
                              struct lb_error *err)
{
	(void)args;
	return thread_decode(body, len, item, err);
}

static void thread_item_clear(void *item)
{
	thread_clear(item);
}

static size_t thread_item_bytes(const void *item)
{
	return thread_bytes(item);
}

static const char *thread_item_id(const void *item)
{
	return ((const struct thread *)item)->id;
}

/* Who wrote its comments and whom they mention. */
static void thread_item_user_ids(const void *item, void (*add)(void *ctx, const char *id),
                                 void *ctx)
{
	const struct thread *t = item;

	for (size_t i = 0; i < t->n_comments; i++) {
		add(ctx, t->comments[i].user_id);
		for (size_t k = 0; k < t->comments[i].mentions.n; k++)
			add(ctx, t->comments[i].mentions.v[k]);
	}
}

static const struct item_type thread_item = {
    .name = "thread",
    .size = sizeof(struct thread),
    .decode_page = threads_page_decode,
    .decode_one = thread_one_decode,
    .clear = thread_item_clear,
    .bytes = thread_item_bytes,
    .id = thread_item_id,
    .user_ids = thread_item_user_ids,
};

/* A room's threads are asked with their query (a string, NULL for none)
 * as arguments; a thread with its ID. */
static char *threads_query(const void *args)
{
	char *enc;
	char *out;

	if (!args)
		return strdup("");
	enc = url_encode(args);
	out = enc ? malloc(strlen(enc) + sizeof("query=")) : NULL;
	if (out)
		sprintf(out, "query=%s", enc);
	free(enc);
	return out;
}

static void args_free(void *args)
{
	free(args);
}

static const char *thread_param(const void *args)
{
	return args;
}

/* A 404 to a thread's GET: it is gone, and so is it from the lists. */
static void thread_missing(struct model *m, struct resource *r, const struct lb_error *err)
{
	char *id = r->args ? strdup(r->args) : NULL;

	mi_mark_gone(m, r, err);
	if (id)
		mi_lists_remove(m, &thread_item, id);
	free(id);
}

const struct kind threads_kind = {
    .name = "threads",
    .shape = KIND_LIST,
    .ep = EP_THREADS_LIST,
    .item = &thread_item,
    .paging = {.cursor_param = NULL, .page_size = 0},
    .args_query = threads_query,
    .args_free = args_free,
};

const struct kind thread_kind = {
    .name = "thread",
    .shape = KIND_OBJECT,
    .ep = EP_THREAD_GET,
    .item = &thread_item,
    .args_free = args_free,
    .args_param = thread_param,
    .missing = thread_missing,
};

/* "/threads", "/threads?query=...", "/threads/ID": a resource's key in
 * its room. NULL when out of memory. */
static char *threads_suffix(const char *sep, const char *what)
{
	char *enc = what ? url_encode(what) : NULL;
	struct buf b;

	buf_init(&b);
	if (!what)
		buf_adds(&b, "/threads");
	else if (enc)
		buf_printf(&b, "/threads%s%s", sep, enc);
	free(enc);
	return buf_steal(&b);
}

struct resource *model_threads(struct model *m, const char *room_id, const char *query)
{
	char *suffix = threads_suffix("?query=", query);
	char *args = query ? strdup(query) : NULL;
	struct resource *r = NULL;

	if (suffix && (!query || args))
		r = mi_room_get(m, &threads_kind, room_id, suffix, args);
	else
		free(args);
	free(suffix);
	return r;
}

const struct thread *model_thread_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &thread_item, i);
}

struct resource *model_thread(struct model *m, const char *room_id, const char *thread_id)
{
	char *suffix = thread_id ? threads_suffix("/", thread_id) : NULL;
	char *args = thread_id ? strdup(thread_id) : NULL;
	struct resource *r = NULL;

	if (suffix && args)
		r = mi_room_get(m, &thread_kind, room_id, suffix, args);
	else
		free(args);
	free(suffix);
	return r;
}

const struct thread *model_thread_of(const struct resource *r)
{
	if (!r || !r->priv || r->priv->kind != &thread_kind)
		return NULL;
	return r->obj;
}

/* ------------------------------------------------------------------ */
/* Changes: programs of the engine (ops.h). Each change is one request
 * (sent at most once, by the engine); a delete reads what it deletes
 * first, to keep it. The comments' programs are in comments.c. */

void thread_op_clear(void *state)
{
	struct thread_op *st = state;

	free(st->thread_id);
	free(st->comment_id);
	free(st->body);
	free(st->seen);
	free(st->kept);
	free(st->new_id);
}

void thread_op_describe(const struct op *o, struct storage_result *res)
{
	const struct thread_op *st = op_state(o);

	if (st->kept)
		res->saved = st->kept;
}

bool thread_op_build(struct op *o, struct api_send_args *args, char *made[2], struct lb_error *err)
{
	struct thread_op *st = op_state(o);

	(void)made;
	(void)err;
	args->params[1] = st->thread_id;
	args->params[2] = st->comment_id;
	if (st->body) {
		args->body = st->body;
		args->body_len = strlen(st->body);
		args->ct = API_CT_JSON;
	}
	return true;
}

bool thread_op_build_read(struct op *o, struct api_send_args *args, char *made[2],
                          struct lb_error *err)
{
	struct thread_op *st = op_state(o);

	(void)made;
	(void)err;
	args->params[1] = st->thread_id;
	args->params[2] = st->comment_id;
	return true;
}

/* The "id" of a created thread or comment, from the answer. */
static char *new_id_of(const struct api_storage_result *res)
{
	cJSON *root = res->body ? cJSON_ParseWithLength(res->body, res->body_len) : NULL;
	const char *id = cJSON_GetStringValue(item(root, "id"));
	char *out = id ? strdup(id) : NULL;

	cJSON_Delete(root);
	return out;
}

const struct op_step *thread_op_answer(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end)
{
	struct thread_op *st = op_state(o);

	(void)m;
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	end->id = st->new_id;
	/* Whatever the answer, the thread may have changed. */
	op_invalidate(o, &threads_kind);
	op_invalidate(o, &thread_kind);
	return NULL;
}

const struct op_step *thread_op_created(struct model *m, struct op *o,
                                        struct api_storage_result *res, struct op_end *end)
{
	struct thread_op *st = op_state(o);

	if (res->err.status == LB_OK)
		st->new_id = new_id_of(res);
	return thread_op_answer(m, o, res, end);
}

const struct op_step *thread_op_read(struct model *m, struct op *o, struct api_storage_result *res,
                                     struct op_end *end)
{
	(void)m;
	(void)o;
	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	return NULL;
}

/* Whether two JSON texts hold the same value. */
static bool same_json(const char *a, size_t alen, const char *b, size_t blen)
{
	cJSON *x = cJSON_ParseWithLength(a, alen);
	cJSON *y = cJSON_ParseWithLength(b, blen);
	bool same = x && y && cJSON_Compare(x, y, true);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return same;
}

const struct op_step *thread_op_delete_read(struct op *o, struct api_storage_result *res,
                                            struct op_end *end, const char *what,
                                            const struct op_step *remove)
{
	struct thread_op *st = op_state(o);
	struct lb_error why;
	struct buf name;

	if (res->err.status != LB_OK) {
		end->err = res->err;
		lb_error_prefix(&end->err, "nothing was deleted");
		return NULL;
	}
	if (st->seen && !same_json(st->seen, strlen(st->seen), res->body, res->body_len)) {
		lb_error_set(&end->err, LB_HTTP,
		             "the %s changed since it was shown; nothing was deleted (look at it "
		             "again and retry)",
		             what);
		snprintf(end->err.code, sizeof(end->err.code), "%s_CHANGED",
		         !strcmp(what, "thread") ? "THREAD" : "COMMENT");
		op_invalidate(o, &threads_kind);
		op_invalidate(o, &thread_kind);
		return NULL;
	}
	/* The file is named after the room, the thread and the comment. */
	buf_init(&name);
	buf_printf(&name, "%s-%s%s%s", op_room(o), st->thread_id, st->comment_id ? "-" : "",
	           st->comment_id ? st->comment_id : "");
	st->kept = name.data ? kept_save(what, name.data, res->body, res->body_len, &why) : NULL;
	buf_free(&name);
	if (!st->kept) {
		lb_error_set(
		    &end->err, why.status == LB_NOMEM ? LB_NOMEM : LB_CONFIG,
		    "the %s could not be saved before deleting it (%s); nothing was deleted", what,
		    why.message);
		return NULL;
	}
	return remove;
}

const struct op_step *thread_op_deleted(struct model *m, struct op *o,
                                        struct api_storage_result *res, struct op_end *end)
{
	struct thread_op *st = op_state(o);
	enum lb_status s = res->err.status;

	end->err = res->err;
	if (s == LB_OK && !st->comment_id)
		mi_lists_remove(m, &thread_item, st->thread_id);
	/* A refusal deleted nothing: its copy would only be clutter. What the
	 * server may have done (no answer), or found gone already, stays
	 * saved. */
	if (s != LB_OK && s != LB_UNSURE && s != LB_CANCELLED && res->err.http_status != 404 &&
	    st->kept) {
		unlink(st->kept);
		free(st->kept);
		st->kept = NULL;
	}
	op_invalidate(o, &threads_kind);
	op_invalidate(o, &thread_kind);
	return NULL;
}

http_id thread_op_run(struct model *m, const struct op_program *prog, const struct op_step *first,
                      enum endpoint_id guard, const char *room_id, const char *thread_id,
                      const char *comment_id, char *body, const char *seen, storage_done_fn done,
                      void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct op *o = op_new(m, prog, room_id, guard, &to);
	struct thread_op *st;

	if (!o) {
		free(body);
		return 0;
	}
	st = op_state(o);
	st->body = body;
	if ((thread_id && !(st->thread_id = strdup(thread_id))) ||
	    (comment_id && !(st->comment_id = strdup(comment_id))) ||
	    (seen && !(st->seen = strdup(seen))))
		return op_drop(o, LB_NOMEM, "out of memory");
	return op_run(m, o, first);
}

/* ---- the thread's programs ---- */

static const struct op_step *delete_read(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end);

static const struct op_step create_step = {
    .ep = EP_THREAD_CREATE, .build = thread_op_build, .answer = thread_op_created};
static const struct op_step delete_get_step = {
    .ep = EP_THREAD_GET, .build = thread_op_build_read, .answer = delete_read};
static const struct op_step delete_step = {
    .ep = EP_THREAD_DELETE, .build = thread_op_build, .answer = thread_op_deleted};
static const struct op_step resolve_step = {
    .ep = EP_THREAD_MARK_RESOLVED, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step unresolve_step = {
    .ep = EP_THREAD_MARK_UNRESOLVED, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step metadata_step = {
    .ep = EP_THREAD_METADATA_UPDATE, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step subscribe_step = {
    .ep = EP_THREAD_SUBSCRIBE, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step unsubscribe_step = {
    .ep = EP_THREAD_UNSUBSCRIBE, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step subscriptions_step = {
    .ep = EP_THREAD_SUBSCRIPTIONS, .build = thread_op_build_read, .answer = thread_op_read};
static const struct op_step participants_step = {
    .ep = EP_THREAD_PARTICIPANTS, .build = thread_op_build_read, .answer = thread_op_read};

static const struct op_step *delete_read(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end)
{
	(void)m;
	return thread_op_delete_read(o, res, end, "thread", &delete_step);
}

THREAD_OP_PROGRAM(create_program, "thread create", true);
THREAD_OP_PROGRAM(delete_program, "thread delete", true);
THREAD_OP_PROGRAM(resolve_program, "thread resolve", true);
THREAD_OP_PROGRAM(metadata_program, "thread metadata", true);
THREAD_OP_PROGRAM(subscribe_program, "thread subscribe", true);
THREAD_OP_PROGRAM(read_program, "thread read", false);

/* {"userId":USER} and more members: NULL-ended name, value pairs, a
 * value given as JSON when its name starts with '='. NULL when out of
 * memory. */
static char *body_of(const char *name, ...)
{
	struct buf b;
	struct json_writer w;
	va_list ap;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	va_start(ap, name);
	for (const char *n = name; n; n = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (!v)
			continue;
		json_key(&w, n[0] == '=' ? n + 1 : n);
		if (n[0] == '=')
			json_raw(&w, v);
		else
			json_string(&w, v);
	}
	va_end(ap);
	json_end_object(&w);
	if (!w.ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

bool thread_user_given(const char *user_id, const struct op_done *to)
{
	if (user_id && *user_id)
		return true;
	op_refuse(to, LB_USAGE, "no user to write as");
	return false;
}

/* Refuse at once what is not one JSON value (a body, metadata). */
bool thread_json_given(const char *json, const char *what, const struct op_done *to)
{
	struct lb_error e;

	if (api_json_check(json, what, &e))
		return true;
	op_refuse(to, e.status, e.message);
	return false;
}

http_id model_thread_create(struct model *m, const char *room_id, const char *user_id,
                            const char *body_json, const char *metadata_json, storage_done_fn done,
                            void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	char *comment, *body;

	if (!thread_user_given(user_id, &to) ||
	    !thread_json_given(body_json, "the comment body", &to) ||
	    (metadata_json && !thread_json_given(metadata_json, "the metadata", &to)))
		return 0;
	comment = body_of("userId", user_id, "=body", body_json, NULL);
	body = comment ? body_of("=comment", comment, "=metadata", metadata_json, NULL) : NULL;
	free(comment);
	if (!body)
		return op_refuse(&to, LB_NOMEM, "out of memory");
	return thread_op_run(m, &create_program, &create_step, EP_THREAD_CREATE, room_id, NULL,
	                     NULL, body, NULL, done, ud);
}

http_id model_thread_delete(struct model *m, const char *room_id, const char *thread_id,
                            const char *seen_json, storage_done_fn done, void *ud)
{
	return thread_op_run(m, &delete_program, &delete_get_step, EP_THREAD_DELETE, room_id,
	                     thread_id, NULL, NULL, seen_json, done, ud);
}

/* A change about a thread whose body is {"userId":USER} and perhaps more. */
static http_id user_change(struct model *m, const struct op_program *prog,
                           const struct op_step *step, const char *room_id, const char *thread_id,
                           char *body, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!body)
		return op_refuse(&to, LB_NOMEM, "out of memory");
	return thread_op_run(m, prog, step, step->ep, room_id, thread_id, NULL, body, NULL, done,
	                     ud);
}

http_id model_thread_resolve(struct model *m, const char *room_id, const char *thread_id,
                             const char *user_id, bool resolved, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!thread_user_given(user_id, &to))
		return 0;
	return user_change(m, &resolve_program, resolved ? &resolve_step : &unresolve_step, room_id,
	                   thread_id, body_of("userId", user_id, NULL), done, ud);
}

http_id model_thread_metadata(struct model *m, const char *room_id, const char *thread_id,
                              const char *user_id, const char *metadata_json, storage_done_fn done,
                              void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!thread_user_given(user_id, &to) ||
	    !thread_json_given(metadata_json, "the metadata", &to))
		return 0;
	return user_change(m, &metadata_program, &metadata_step, room_id, thread_id,
	                   body_of("=metadata", metadata_json, "userId", user_id, NULL), done, ud);
}

http_id model_thread_subscribe(struct model *m, const char *room_id, const char *thread_id,
                               const char *user_id, bool subscribe, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!thread_user_given(user_id, &to))
		return 0;
	return user_change(m, &subscribe_program, subscribe ? &subscribe_step : &unsubscribe_step,
	                   room_id, thread_id, body_of("userId", user_id, NULL), done, ud);
}

http_id model_thread_subscriptions(struct model *m, const char *room_id, const char *thread_id,
                                   storage_done_fn done, void *ud)
{
	return thread_op_run(m, &read_program, &subscriptions_step, EP_THREAD_SUBSCRIPTIONS,
	                     room_id, thread_id, NULL, NULL, NULL, done, ud);
}

http_id model_thread_participants(struct model *m, const char *room_id, const char *thread_id,
                                  storage_done_fn done, void *ud)
{
	return thread_op_run(m, &read_program, &participants_step, EP_THREAD_PARTICIPANTS, room_id,
	                     thread_id, NULL, NULL, NULL, done, ud);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_threads(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_resolve(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_metadata(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_subscribe(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_thread_read(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec threads_opts[] = {
    {"query", OPT_RAW, "QUERY",
     "filter with the thread query language, e.g. metadata[\"status\"]:\"open\""},
    {"resolved", OPT_FLAG, NULL, "resolved threads only (resolved:true)"},
    {"unresolved", OPT_FLAG, NULL, "unresolved threads only (resolved:false)"},
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec yes_opts[] = {
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec create_opts[] = {
    {"edit", OPT_FLAG, NULL, "write the comment in $EDITOR, in lbtui's text form"},
    {"file", OPT_VALUE, "FILE", "read the text from FILE (markdown; with --edit, start from it)"},
    {"metadata", OPT_VALUE, "KEY=VALUE",
     "the thread's metadata (repeatable; as thread metadata --set)"},
    AS_OPT,
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec as_opts[] = {
    AS_OPT,
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec metadata_opts[] = {
    {"set", OPT_VALUE, "KEY=VALUE", "set a key: a number, true, false, or text (repeatable)"},
    {"unset", OPT_VALUE, "KEY", "remove a key (repeatable)"},
    AS_OPT,
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec subscribe_opts[] = {
    {"user", OPT_VALUE, "USER", "who subscribes or unsubscribes (required)"},
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec export_opts[] = {
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"threads", "[ROOM]", 0, 1, false, run_threads, "List a room's comment threads, newest first",
     threads_opts, SCOPE_ROOM},
    {"thread show", "[ROOM] THREAD", 1, 2, false, run_thread_show, "Show a thread and its comments",
     yes_opts, SCOPE_ROOM},
    {"thread create", "[ROOM] TEXT", 0, 2, true, run_thread_create,
     "Start a thread: its first comment is TEXT as markdown, --file FILE, or --edit", create_opts,
     SCOPE_ROOM},
    {"thread delete", "[ROOM] THREAD", 1, 2, true, run_thread_delete,
     "Delete a thread and its comments, permanently (a copy is saved first)", yes_opts, SCOPE_ROOM},
    {"thread resolve", "[ROOM] THREAD", 1, 2, true, run_thread_resolve, "Mark a thread as resolved",
     as_opts, SCOPE_ROOM},
    {"thread unresolve", "[ROOM] THREAD", 1, 2, true, run_thread_resolve,
     "Mark a thread as unresolved", as_opts, SCOPE_ROOM},
    {"thread metadata", "[ROOM] THREAD", 1, 2, true, run_thread_metadata,
     "Show a thread's metadata, or set and remove keys", metadata_opts, SCOPE_ROOM},
    {"thread subscribe", "[ROOM] THREAD", 1, 2, true, run_thread_subscribe,
     "Subscribe a user to a thread's notifications", subscribe_opts, SCOPE_ROOM},
    {"thread unsubscribe", "[ROOM] THREAD", 1, 2, true, run_thread_subscribe,
     "Unsubscribe a user from a thread", subscribe_opts, SCOPE_ROOM},
    {"thread subscriptions", "[ROOM] THREAD", 1, 2, false, run_thread_read,
     "List the users subscribed to a thread", yes_opts, SCOPE_ROOM},
    {"thread participants", "[ROOM] THREAD", 1, 2, false, run_thread_read,
     "List a thread's participants (authors and mentioned users; deprecated by the API)", yes_opts,
     SCOPE_ROOM},
    {"thread export", "[ROOM] THREAD FILE", 2, 3, false, thread_export_run,
     "Write a thread to FILE: Markdown (.md) or the API's JSON (.json)", export_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* A cell of a table: terminal-safe, cut or padded to cols. */
static bool add_cell(struct buf *b, const char *raw, int cols, bool pad)
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

/* Comments not deleted. */
static size_t live_comments(const struct thread *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_comments; i++)
		n += !t->comments[i].deleted_at;
	return n;
}

static size_t thread_reactions(const struct thread *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_comments; i++)
		n += comment_reaction_count(&t->comments[i]);
	return n;
}

/* The first comment's author and line, "(deleted)" for a tombstone. */
static const char *thread_author(const struct thread *t)
{
	return t->n_comments && t->comments[0].user_id ? t->comments[0].user_id : "-";
}

static const char *thread_line(const struct thread *t)
{
	if (!t->n_comments)
		return "";
	return t->comments[0].deleted_at ? "(deleted)" : t->comments[0].preview;
}

/* ID, CREATED, UPDATED, AUTHOR, COMMENTS, REACTIONS, RESOLVED, METADATA,
 * TEXT. */
static bool threads_table(struct buf *b, const struct resource *r)
{
	int idw = 2, authorw = 6;
	bool ok;

	for (size_t i = 0; i < model_count(r); i++) {
		output_id_width(&idw, model_thread_at(r, i)->id);
		output_id_width(&authorw, thread_author(model_thread_at(r, i)));
	}
	if (authorw > 20)
		authorw = 20;
	ok = add_cell(b, "ID", idw, true) &&
	     buf_printf(b, "%-16s  %-16s  ", "CREATED", "UPDATED") &&
	     add_cell(b, "AUTHOR", authorw, true) &&
	     buf_printf(b, "%8s  %9s  %-8s  ", "COMMENTS", "REACTIONS", "RESOLVED") &&
	     add_cell(b, "METADATA", 24, true) && buf_adds(b, "TEXT\n");
	for (size_t i = 0; ok && i < model_count(r); i++) {
		const struct thread *t = model_thread_at(r, i);
		char created[32], updated[32], meta[1024];

		output_time(t->created_s, created, sizeof(created));
		output_time(t->updated_s, updated, sizeof(updated));
		thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
		ok = add_cell(b, t->id, idw, true) &&
		     buf_printf(b, "%-16s  %-16s  ", created, updated) &&
		     add_cell(b, thread_author(t), authorw, true) &&
		     buf_printf(b, "%8zu  %9zu  %-8s  ", live_comments(t), thread_reactions(t),
		                t->resolved ? "yes" : "no") &&
		     add_cell(b, meta[0] ? meta : "-", 24, true) &&
		     add_cell(b, thread_line(t), 80, false) && buf_adds(b, "\n");
	}
	return ok;
}

static void thread_json(struct json_writer *w, const void *list, size_t i)
{
	json_raw(w, model_thread_at(list, i)->raw_json);
}

static bool threads_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct buf b;
	bool ok;

	if (cmd_load_failed(c, r, ud))
		return true;
	if (c->host.json) {
		ok = cmd_print_list_json(c, r, model_count(r), thread_json, false, NULL);
	} else {
		buf_init(&b);
		ok = threads_table(&b, r);
		if (ok)
			cmd_say(c, b.data);
		buf_free(&b);
		if (ok && model_count(r) == 0) {
			char line[1200];
			if (r->args)
				snprintf(line, sizeof(line), "(no threads match %s)",
				         (const char *)r->args);
			else
				snprintf(line, sizeof(line), "(no threads)");
			char *safe = ts_sanitize(line, (size_t)-1);
			cmd_note(c, safe ? safe : "(no threads)");
			free(safe);
		}
	}
	if (!ok)
		cmd_finish_nomem(c);
	else
		cmd_finish_ok(c);
	return true;
}

static void run_threads(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	bool resolved = cmd_has_flag(a, "resolved"), unresolved = cmd_has_flag(a, "unresolved");
	bool nomem;

	if (resolved && unresolved) {
		cmd_finish_usage(c, "%s", "give --resolved or --unresolved, not both");
		return;
	}
	if (!thread_args_get(c, cmd, a, 0, &ta))
		return;
	char *query = thread_query_build(cmd_opt_value(a, "query"),
	                                 resolved ? 1 : (unresolved ? 0 : -1), &nomem);
	if (!nomem &&
	    cmd_open_view(c, "threads", &(struct scope){.room = ta.room}, query, false, "")) {
		free(query);
		return;
	}
	struct resource *r = nomem ? NULL : model_threads(c->model, ta.room, query);
	free(query);
	cmd_wait_room(c, r, ta.room, threads_step);
}

/* A thread for a person: what it is, then its comments, each with its
 * body's text (body_text gives it, NULL: the preview). Raw text. */
static bool thread_text(struct buf *b, const struct thread *t,
                        char *(*body_text)(const struct comment *cm))
{
	char created[32], updated[32], meta[1024];
	bool ok;

	output_time(t->created_s, created, sizeof(created));
	output_time(t->updated_s, updated, sizeof(updated));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	ok = buf_printf(b,
	                "thread %s in room %s\n"
	                "  created %s, updated %s\n"
	                "  %s, %zu comment%s, %zu reaction%s%s%s\n"
	                "  metadata: %s\n",
	                t->id, t->room_id ? t->room_id : "-", created, updated,
	                t->resolved ? "resolved" : "unresolved", live_comments(t),
	                live_comments(t) == 1 ? "" : "s", thread_reactions(t),
	                thread_reactions(t) == 1 ? "" : "s", t->visibility ? ", " : "",
	                t->visibility ? t->visibility : "", meta[0] ? meta : "-");
	for (size_t i = 0; ok && i < t->n_comments; i++) {
		char *text = body_text ? body_text(&t->comments[i]) : NULL;
		ok = buf_adds(b, "\n") &&
		     thread_comment_text(b, &t->comments[i], text ? text : t->comments[i].preview);
		free(text);
	}
	return ok;
}

/* Print a thread as text, made terminal-safe. */
static bool say_thread(struct cmd_ctx *c, const struct thread *t)
{
	struct buf b;
	char *safe;

	buf_init(&b);
	if (!thread_text(&b, t, thread_comment_plain)) {
		buf_free(&b);
		return false;
	}
	safe = cmd_safe_lines(b.data);
	buf_free(&b);
	if (safe)
		cmd_say(c, safe);
	free(safe);
	return safe != NULL;
}

/* The thread settled: false after finishing when it is not there or
 * could not be read. */
static bool thread_loaded(struct cmd_ctx *c, struct resource *r, const char *room)
{
	return !cmd_load_failed(c, r, room) && model_thread_of(r);
}

static bool show_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	const struct thread *t;

	if (!thread_loaded(c, r, ud))
		return true;
	t = model_thread_of(r);
	if (c->host.json)
		cmd_print_json(c, t->raw_json, strlen(t->raw_json));
	else if (!say_thread(c, t)) {
		cmd_finish_nomem(c);
		return true;
	}
	cmd_finish_ok(c);
	return true;
}

static void run_thread_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;

	if (!thread_args_get(c, cmd, a, 1, &ta) ||
	    cmd_open_view(c, "thread", &(struct scope){.room = ta.room, .thread = ta.rest[0]}, NULL,
	                  false, ""))
		return;
	cmd_wait_room(c, model_thread(c->model, ta.room, ta.rest[0]), ta.room, show_step);
}

/* ---- thread create ---- */

/* The values of every --NAME option. False when out of memory. */
static bool opt_values(const struct args *a, const char *name, struct strv *out)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name) && !strv_push(out, a->opt[i].value))
			return false;
	return true;
}

static void thread_created(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "created thread %s in room %s (as %s)",
	         res->id ? res->id : "?", t->room, t->user);
	thread_write_answered(t, res, line);
}

static void create_go(void *state)
{
	struct thread_cmd *t = state;

	model_thread_create(t->c->model, t->room, t->user, t->body, t->metadata, thread_created, t);
}

/* "NAME ROOM ... --as USER": a command line that sends a write again, the
 * words quoted; NULL when out of memory. */
static char *resend_of(const char *name, const char *const *words, size_t n, const char *user)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, name);
	for (size_t i = 0; i < n; i++) {
		char *q = cmd_quote(words[i]);
		buf_printf(&b, " %s", q ? q : "''");
		free(q);
	}
	char *q = cmd_quote(user);
	buf_printf(&b, " --as %s", q ? q : "''");
	free(q);
	return buf_steal(&b);
}

/* Whether the text comes from an option (--edit, --file), not TEXT. */
static bool text_from_option(const struct args *a)
{
	return cmd_has_flag(a, "edit") || cmd_opt_value(a, "file");
}

static void run_thread_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct strv set = {0}, none = {0};
	struct thread_cmd *t;
	struct lb_error err;
	struct buf meta;
	const char *user;
	char *shown = NULL, what[1400], summary[1024];
	bool option = text_from_option(a);

	if (!thread_args_get(c, cmd, a, option ? 0 : 1, &ta) || !(user = thread_writer(c, cmd, a)))
		return;
	if (option && ta.n) {
		cmd_finish_usage(c, "%s",
		                 "give the text on the command line, or --edit or --file, "
		                 "not both");
		return;
	}
	buf_init(&meta);
	if (!opt_values(a, "metadata", &set)) {
		strv_free(&set);
		cmd_finish_nomem(c);
		return;
	}
	bool ok = !set.n || thread_metadata_build(&set, &none, &meta, &err);
	if (!ok) {
		strv_free(&set);
		buf_free(&meta);
		cmd_finish(c, &err);
		return;
	}
	if (!(t = thread_cmd_new(c, cmd, ta.room, NULL, NULL))) {
		strv_free(&set);
		buf_free(&meta);
		return;
	}
	t->user = strdup(user);
	t->metadata = set.n ? buf_steal(&meta) : NULL;
	bool lost = set.n && !t->metadata;
	t->resend = resend_of("thread create", &ta.room, 1, user);
	for (size_t i = 0; t->resend && i < set.n; i++) {
		char *q = cmd_quote(set.v[i]);
		struct buf r;
		buf_init(&r);
		buf_printf(&r, "%s --metadata %s", t->resend, q ? q : "''");
		free(q);
		free(t->resend);
		t->resend = buf_steal(&r);
	}
	strv_free(&set);
	buf_free(&meta);
	if (!t->user || !t->resend || lost) {
		thread_cmd_nomem(t);
		return;
	}
	if (!thread_text_read(t, ta.n ? ta.rest[0] : NULL, cmd_opt_value(a, "file"),
	                      cmd_has_flag(a, "edit"), NULL, &shown, &err)) {
		thread_cmd_finish(t, &err);
		return;
	}
	thread_metadata_summary(t->metadata, summary, sizeof(summary));
	snprintf(what, sizeof(what),
	         "Start a thread in room %s as %s%s%s, with this comment:", t->room, t->user,
	         summary[0] ? ", metadata " : "", summary);
	thread_write_confirm(t, "thread create", what, shown, cmd_has_flag(a, "yes"), create_go);
	free(shown);
}

/* ---- thread delete ---- */

static void thread_deleted(const struct storage_result *res, void *ud)
{
	thread_cmd_deleted(ud, res, "thread");
}

static void delete_go(void *state)
{
	struct thread_cmd *t = state;

	model_thread_delete(t->c->model, t->room, t->thread, t->seen, thread_deleted, t);
}

/* What the question shows: the thread that goes, and that it is for good. */
static char *delete_preview(const struct thread *t)
{
	struct buf b;
	char created[32];

	output_time(t->created_s, created, sizeof(created));
	buf_init(&b);
	buf_printf(&b,
	           "Delete thread %s of room %s, started by %s on %s, with %zu comment%s and %zu "
	           "reaction%s:\n  %s\n"
	           "This is permanent: the API cannot bring it back. lbtui saves a copy in its "
	           "state directory first.\n",
	           t->id, t->room_id ? t->room_id : "-", thread_author(t), created,
	           live_comments(t), live_comments(t) == 1 ? "" : "s", thread_reactions(t),
	           thread_reactions(t) == 1 ? "" : "s", thread_line(t));
	return buf_steal(&b);
}

static bool delete_asked(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct thread_cmd *t = cmd_held(ud);
	const struct thread *th;
	char *preview;

	if (!thread_loaded(c, r, t->room)) {
		thread_cmd_free(t);
		return true;
	}
	th = model_thread_of(r);
	preview = delete_preview(th);
	if (!preview || !(t->seen = strdup(th->raw_json))) {
		free(preview);
		thread_cmd_nomem(t);
		return true;
	}
	thread_cmd_confirm_delete(t, "delete thread", preview, t->flag, delete_go);
	free(preview);
	return true;
}

static void run_thread_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;

	if (!thread_args_get(c, cmd, a, 1, &ta) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], NULL)))
		return;
	t->flag = cmd_has_flag(a, "yes");
	if (!cmd_wait_holding(c, model_thread(c->model, ta.room, ta.rest[0]), delete_asked, t)) {
		thread_cmd_free(t);
		cmd_finish_nomem(c);
	}
}

/* ---- resolve, unresolve ---- */

static void resolved_done(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "%s thread %s of room %s (as %s)",
	         t->flag ? "resolved" : "unresolved", t->thread, t->room, t->user);
	thread_cmd_answered(t, res, line);
}

static void run_thread_resolve(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;
	const char *user;

	if (!thread_args_get(c, cmd, a, 1, &ta) || !(user = thread_writer(c, cmd, a)) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], NULL)))
		return;
	t->flag = !strcmp(cmd->name, "thread resolve");
	if (!(t->user = strdup(user))) {
		thread_cmd_nomem(t);
		return;
	}
	model_thread_resolve(c->model, t->room, t->thread, t->user, t->flag, resolved_done, t);
}

/* ---- metadata ---- */

static void metadata_done(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1400], meta[1024];
	char *text = res->body ? strndup(res->body, res->body_len) : NULL;

	thread_metadata_summary(text, meta, sizeof(meta));
	free(text);
	snprintf(line, sizeof(line), "metadata of thread %s: %s", t->thread,
	         meta[0] ? meta : "(none)");
	thread_cmd_answered(t, res, line);
}

static bool metadata_show_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	const struct thread *t;
	char meta[1024];

	if (!thread_loaded(c, r, ud))
		return true;
	t = model_thread_of(r);
	if (c->host.json) {
		cmd_print_json(c, t->metadata_json, strlen(t->metadata_json));
	} else {
		thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
		cmd_sayf(c, "metadata of thread %s: %s", t->id, meta[0] ? meta : "(none)");
	}
	cmd_finish_ok(c);
	return true;
}

static void run_thread_metadata(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct strv set = {0}, unset = {0};
	struct lb_error err;
	struct thread_cmd *t = NULL;
	const char *user;
	struct buf body;

	if (!thread_args_get(c, cmd, a, 1, &ta))
		return;
	if (!cmd_opt_value(a, "set") && !cmd_opt_value(a, "unset")) {
		cmd_wait_room(c, model_thread(c->model, ta.room, ta.rest[0]), ta.room,
		              metadata_show_step);
		return;
	}
	buf_init(&body);
	if (!opt_values(a, "set", &set) || !opt_values(a, "unset", &unset)) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	if (!thread_metadata_build(&set, &unset, &body, &err))
		goto fail;
	if (!(user = thread_writer(c, cmd, a)) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], NULL)))
		goto finished;
	if (!(t->user = strdup(user))) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		thread_cmd_finish(t, &err);
		goto finished;
	}
	model_thread_metadata(c->model, t->room, t->thread, t->user, body.data, metadata_done, t);
	goto finished;
fail:
	cmd_finish(c, &err);
finished:
	strv_free(&set);
	strv_free(&unset);
	buf_free(&body);
}

/* ---- subscribe, unsubscribe ---- */

static void subscribed_done(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "%s %s %s thread %s of room %s",
	         t->flag ? "subscribed" : "unsubscribed", t->user, t->flag ? "to" : "from",
	         t->thread, t->room);
	thread_cmd_answered(t, res, line);
}

static void run_thread_subscribe(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;
	const char *user = cmd_opt_value(a, "user");

	if (!thread_args_get(c, cmd, a, 1, &ta))
		return;
	if (!user) {
		cmd_finish_with(c, LB_USAGE, "'%s' needs --user USER: who %s", cmd->name,
		                strcmp(cmd->name, "thread subscribe") ? "unsubscribes"
		                                                      : "subscribes");
		return;
	}
	if (!(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], NULL)))
		return;
	t->flag = !strcmp(cmd->name, "thread subscribe");
	if (!(t->user = strdup(user))) {
		thread_cmd_nomem(t);
		return;
	}
	model_thread_subscribe(c->model, t->room, t->thread, t->user, t->flag, subscribed_done, t);
}

/* ---- subscriptions, participants ---- */

/* USER, SUBSCRIBED; *n: how many. */
static bool subscriptions_text(struct buf *b, const char *body, size_t len, size_t *n,
                               struct lb_error *err)
{
	struct thread_subscription *s;
	int userw = 4;
	bool ok;

	if (!thread_subscriptions_decode(body, len, &s, n, err))
		return false;
	for (size_t i = 0; i < *n; i++)
		output_id_width(&userw, s[i].user_id);
	ok = add_cell(b, "USER", userw, true) && buf_adds(b, "SUBSCRIBED\n");
	for (size_t i = 0; ok && i < *n; i++) {
		char when[32];
		output_time(s[i].created_s, when, sizeof(when));
		ok = add_cell(b, s[i].user_id, userw, true) && buf_printf(b, "%s\n", when);
	}
	thread_subscriptions_free(s, *n);
	if (!ok)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return ok;
}

/* One participant a line; *n: how many. */
static bool participants_text(struct buf *b, const char *body, size_t len, size_t *n,
                              struct lb_error *err)
{
	struct strv ids;
	bool ok = true;

	if (!thread_participants_decode(body, len, &ids, err))
		return false;
	*n = ids.n;
	for (size_t i = 0; ok && i < ids.n; i++)
		ok = add_cell(b, ids.v[i], 200, false) && buf_adds(b, "\n");
	strv_free(&ids);
	if (!ok)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return ok;
}

static void read_done(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	struct cmd_ctx *c = t->c;
	struct lb_error err = res->err;
	bool subs = t->flag;
	size_t n = 0;
	struct buf b;

	buf_init(&b);
	if (err.status == LB_OK && c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (err.status == LB_OK &&
	           (subs ? subscriptions_text(&b, res->body, res->body_len, &n, &err)
	                 : participants_text(&b, res->body, res->body_len, &n, &err))) {
		if (b.len)
			cmd_say(c, b.data);
		if (!n)
			cmd_note(c, subs ? "(no subscriptions)" : "(no participants)");
	}
	buf_free(&b);
	thread_cmd_finish(t, &err);
}

static void run_thread_read(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;

	if (!thread_args_get(c, cmd, a, 1, &ta) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], NULL)))
		return;
	t->flag = !strcmp(cmd->name, "thread subscriptions");
	if (t->flag)
		model_thread_subscriptions(c->model, t->room, t->thread, read_done, t);
	else
		model_thread_participants(c->model, t->room, t->thread, read_done, t);
}

static const struct id_arg ids[] = {
    {"THREAD", 0, false, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_THREADS_LIST,           EP_THREAD_GET,           EP_THREAD_CREATE,
    EP_THREAD_DELETE,          EP_THREAD_MARK_RESOLVED, EP_THREAD_MARK_UNRESOLVED,
    EP_THREAD_METADATA_UPDATE, EP_THREAD_SUBSCRIBE,     EP_THREAD_UNSUBSCRIBE,
    EP_THREAD_SUBSCRIPTIONS,   EP_THREAD_PARTICIPANTS,  EP_COUNT,
};

const struct family family_threads = {
    .name = "threads",
    .summary = "A room's comment threads: list, show, create, delete, resolve, metadata, "
               "subscriptions",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
