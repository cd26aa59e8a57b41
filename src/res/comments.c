#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "comment_body.h"
#include "family.h"
#include "json.h"
#include "output.h"
#include "term_safe.h"
#include "threads.h"
#include "threads_impl.h"
#include "utf8.h"
#include "util.h"

/* The comments of a thread, the family of the comment commands: their
 * changes (programs of the engine, on the state and steps threads.c
 * shares) and the commands (comment show, delete, react ...). The
 * decoders and the model's kinds are the threads family's. */

/* ------------------------------------------------------------------ */
/* Changes */

static const struct op_step *delete_read(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end);

static const struct op_step *edit_read(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end);

static const struct op_step get_step = {
    .ep = EP_COMMENT_GET, .build = thread_op_build_read, .answer = thread_op_read};
static const struct op_step edit_get_step = {
    .ep = EP_COMMENT_GET, .build = thread_op_build_read, .answer = edit_read};
static const struct op_step create_step = {
    .ep = EP_COMMENT_CREATE, .build = thread_op_build, .answer = thread_op_created};
static const struct op_step edit_step = {
    .ep = EP_COMMENT_UPDATE, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step delete_get_step = {
    .ep = EP_COMMENT_GET, .build = thread_op_build_read, .answer = delete_read};
static const struct op_step delete_step = {
    .ep = EP_COMMENT_DELETE, .build = thread_op_build, .answer = thread_op_deleted};
static const struct op_step react_step = {
    .ep = EP_COMMENT_ADD_REACTION, .build = thread_op_build, .answer = thread_op_answer};
static const struct op_step unreact_step = {
    .ep = EP_COMMENT_REMOVE_REACTION, .build = thread_op_build, .answer = thread_op_answer};

static const struct op_step *delete_read(struct model *m, struct op *o,
                                         struct api_storage_result *res, struct op_end *end)
{
	(void)m;
	return thread_op_delete_read(o, res, end, "comment", &delete_step);
}

/* The body of a comment's JSON, and whether it is deleted. */
static cJSON *body_of_comment(const char *json, size_t len, bool *deleted)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	cJSON *body = cJSON_DetachItemFromObjectCaseSensitive(root, "body");

	*deleted = cJSON_GetObjectItemCaseSensitive(root, "deletedAt") != NULL;
	cJSON_Delete(root);
	return body;
}

/* An edit's read: the body it replaces must be the one that was shown,
 * else nothing is sent. */
static const struct op_step *edit_read(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end)
{
	struct thread_op *st = op_state(o);
	bool was_deleted, deleted;
	cJSON *seen, *now;
	bool same;

	(void)m;
	if (res->err.status != LB_OK) {
		end->err = res->err;
		lb_error_prefix(&end->err, "the comment was not edited");
		return NULL;
	}
	seen = body_of_comment(st->seen, strlen(st->seen), &was_deleted);
	now = body_of_comment(res->body, res->body_len, &deleted);
	same = !deleted && !was_deleted && seen && now && cJSON_Compare(seen, now, true);
	cJSON_Delete(seen);
	cJSON_Delete(now);
	if (same)
		return &edit_step;
	lb_error_set(&end->err, LB_HTTP,
	             deleted ? "the comment was deleted since it was shown; it was not edited"
	                     : "the comment changed since it was shown; it was not edited (look at "
	                       "it again and retry)");
	snprintf(end->err.code, sizeof(end->err.code), "COMMENT_CHANGED");
	op_invalidate(o, &threads_kind);
	op_invalidate(o, &thread_kind);
	return NULL;
}

THREAD_OP_PROGRAM(get_program, "comment read", false);
THREAD_OP_PROGRAM(create_program, "comment add", true);
THREAD_OP_PROGRAM(edit_program, "comment edit", true);
THREAD_OP_PROGRAM(delete_program, "comment delete", true);
THREAD_OP_PROGRAM(react_program, "comment react", true);

/* {"userId":...,"body":...}, {"body":...}, {"emoji":...,"userId":...}:
 * a member given as JSON when raw. NULL when out of memory. */
static char *body_with(const char *k1, const char *v1, bool raw1, const char *k2, const char *v2,
                       bool raw2)
{
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	json_key(&w, k1);
	if (raw1)
		json_raw(&w, v1);
	else
		json_string(&w, v1);
	if (k2) {
		json_key(&w, k2);
		if (raw2)
			json_raw(&w, v2);
		else
			json_string(&w, v2);
	}
	json_end_object(&w);
	if (!w.ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Run prog with body (NULL: out of memory, said so). */
static http_id run_with(struct model *m, const struct op_program *prog, const struct op_step *step,
                        const char *room_id, const char *thread_id, const char *comment_id,
                        char *body, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!body)
		return op_refuse(&to, LB_NOMEM, "out of memory");
	return thread_op_run(m, prog, step, step->ep, room_id, thread_id, comment_id, body, NULL,
	                     done, ud);
}

http_id model_comment_get(struct model *m, const char *room_id, const char *thread_id,
                          const char *comment_id, storage_done_fn done, void *ud)
{
	return thread_op_run(m, &get_program, &get_step, EP_COMMENT_GET, room_id, thread_id,
	                     comment_id, NULL, NULL, done, ud);
}

http_id model_comment_create(struct model *m, const char *room_id, const char *thread_id,
                             const char *user_id, const char *body_json, storage_done_fn done,
                             void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!thread_user_given(user_id, &to) ||
	    !thread_json_given(body_json, "the comment body", &to))
		return 0;
	return run_with(m, &create_program, &create_step, room_id, thread_id, NULL,
	                body_with("userId", user_id, false, "body", body_json, true), done, ud);
}

http_id model_comment_edit(struct model *m, const char *room_id, const char *thread_id,
                           const char *comment_id, const char *body_json, const char *seen_json,
                           storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	char *body;

	if (!thread_json_given(body_json, "the comment body", &to))
		return 0;
	if (!(body = body_with("body", body_json, true, NULL, NULL, false)))
		return op_refuse(&to, LB_NOMEM, "out of memory");
	return thread_op_run(m, &edit_program, seen_json ? &edit_get_step : &edit_step,
	                     EP_COMMENT_UPDATE, room_id, thread_id, comment_id, body, seen_json,
	                     done, ud);
}

http_id model_comment_delete(struct model *m, const char *room_id, const char *thread_id,
                             const char *comment_id, const char *seen_json, storage_done_fn done,
                             void *ud)
{
	return thread_op_run(m, &delete_program, &delete_get_step, EP_COMMENT_DELETE, room_id,
	                     thread_id, comment_id, NULL, seen_json, done, ud);
}

http_id model_comment_react(struct model *m, const char *room_id, const char *thread_id,
                            const char *comment_id, const char *user_id, const char *emoji,
                            bool add, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};

	if (!thread_user_given(user_id, &to))
		return 0;
	if (!emoji || !*emoji)
		return op_refuse(&to, LB_USAGE, "no emoji");
	return run_with(m, &react_program, add ? &react_step : &unreact_step, room_id, thread_id,
	                comment_id, body_with("emoji", emoji, false, "userId", user_id, false),
	                done, ud);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_comment_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_comment_add(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_comment_edit(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_comment_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_comment_react(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec yes_opts[] = {
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec as_opts[] = {
    AS_OPT,
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec write_opts[] = {
    {"edit", OPT_FLAG, NULL, "write the comment in $EDITOR, in lbtui's text form"},
    {"file", OPT_VALUE, "FILE", "read the text from FILE (markdown; with --edit, start from it)"},
    AS_OPT,
    YES_OPT,
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"comment show", "[ROOM] THREAD COMMENT", 2, 3, false, run_comment_show, "Show a comment",
     yes_opts, SCOPE_ROOM},
    {"comment add", "[ROOM] THREAD TEXT", 1, 3, true, run_comment_add,
     "Reply in a thread: TEXT as markdown, --file FILE, or --edit", write_opts, SCOPE_ROOM},
    {"comment edit", "[ROOM] THREAD COMMENT TEXT", 2, 4, true, run_comment_edit,
     "Change a comment's text: TEXT as markdown, --file FILE, or --edit (starts from it)",
     write_opts, SCOPE_ROOM},
    {"comment delete", "[ROOM] THREAD COMMENT", 2, 3, true, run_comment_delete,
     "Delete a comment, permanently (a copy is saved first)", yes_opts, SCOPE_ROOM},
    {"comment react", "[ROOM] THREAD COMMENT EMOJI", 3, 4, true, run_comment_react,
     "Add a reaction to a comment", as_opts, SCOPE_ROOM},
    {"comment unreact", "[ROOM] THREAD COMMENT EMOJI", 3, 4, true, run_comment_react,
     "Remove a reaction from a comment", as_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* ---- comment show ---- */

/* A comment for a person, made terminal-safe; NULL when out of memory. */
static char *comment_text(const struct comment *cm)
{
	struct buf b;
	char *safe;

	buf_init(&b);
	char *text = thread_comment_plain(cm);

	if (!text ||
	    !buf_printf(&b, "comment %s of thread %s in room %s\n", cm->id,
	                cm->thread_id ? cm->thread_id : "-", cm->room_id ? cm->room_id : "-") ||
	    !thread_comment_text(&b, cm, text)) {
		free(text);
		buf_free(&b);
		return NULL;
	}
	free(text);
	safe = cmd_safe_lines(b.data);
	buf_free(&b);
	return safe;
}

static void shown(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	struct cmd_ctx *c = t->c;
	struct lb_error err = res->err;
	struct comment cm;

	if (err.status == LB_OK && c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (err.status == LB_OK && comment_decode(res->body, res->body_len, &cm, &err)) {
		char *text = comment_text(&cm);
		if (text)
			cmd_say(c, text);
		else
			lb_error_set(&err, LB_NOMEM, "out of memory");
		free(text);
		comment_clear(&cm);
	}
	thread_cmd_finish(t, &err);
}

static void run_comment_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;

	if (!thread_args_get(c, cmd, a, 2, &ta) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], ta.rest[1])))
		return;
	model_comment_get(c->model, t->room, t->thread, t->comment, shown, t);
}

/* ---- comment add, comment edit ---- */

/* "NAME ROOM THREAD [COMMENT] --as USER", quoted: the command that sends
 * a text again. NULL when out of memory. */
static char *resend_of(const char *name, const struct thread_cmd *t)
{
	const char *words[] = {t->room, t->thread, t->comment, "--as", t->user};
	struct buf b;

	buf_init(&b);
	buf_adds(&b, name);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!words[i])
			continue;
		char *q = i == 3 ? strdup(words[i]) : cmd_quote(words[i]);
		buf_printf(&b, " %s", q ? q : "''");
		free(q);
	}
	return buf_steal(&b);
}

/* The command's thread_cmd with who it writes as and how to send again. */
static struct thread_cmd *write_cmd(struct cmd_ctx *c, const struct command *cmd,
                                    const struct args *a, int nfixed, struct thread_args *ta)
{
	bool option = cmd_has_flag(a, "edit") || cmd_opt_value(a, "file");
	struct thread_cmd *t;
	const char *user;

	if (!thread_args_get(c, cmd, a, nfixed + !option, ta) || !(user = thread_writer(c, cmd, a)))
		return NULL;
	if (ta->n < nfixed) {
		cmd_finish_with(c, LB_USAGE, "'%s' needs %s (usage: %s %s)", cmd->name, cmd->args,
		                cmd->name, cmd->args);
		return NULL;
	}
	if (option && ta->n > nfixed) {
		cmd_finish_usage(
		    c, "%s", "give the text on the command line, or --edit or --file, not both");
		return NULL;
	}
	t = thread_cmd_new(c, cmd, ta->room, ta->rest[0], nfixed > 1 ? ta->rest[1] : NULL);
	if (!t)
		return NULL;
	t->user = strdup(user);
	if (!t->user || !(t->resend = resend_of(cmd->name, t))) {
		thread_cmd_nomem(t);
		return NULL;
	}
	return t;
}

static void comment_added(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "added comment %s to thread %s of room %s (as %s)",
	         res->id ? res->id : "?", t->thread, t->room, t->user);
	thread_write_answered(t, res, line);
}

static void add_go(void *state)
{
	struct thread_cmd *t = state;

	model_comment_create(t->c->model, t->room, t->thread, t->user, t->body, comment_added, t);
}

static void run_comment_add(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t = write_cmd(c, cmd, a, 1, &ta);
	struct lb_error err;
	char *shown, what[1024];

	if (!t)
		return;
	if (!thread_text_read(t, ta.n > 1 ? ta.rest[1] : NULL, cmd_opt_value(a, "file"),
	                      cmd_has_flag(a, "edit"), NULL, &shown, &err)) {
		thread_cmd_finish(t, &err);
		return;
	}
	snprintf(what, sizeof(what), "Reply in thread %s of room %s as %s:", t->thread, t->room,
	         t->user);
	thread_write_confirm(t, "comment add", what, shown, cmd_has_flag(a, "yes"), add_go);
	free(shown);
}

/* comment edit: what the command line said, kept while the comment is
 * read. */
struct edit_job {
	struct thread_cmd *t;
	char *text; /* TEXT, NULL with --edit or --file */
	char *file; /* --file */
	bool edit, yes;
};

static void edited(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "edited comment %s of thread %s in room %s", t->comment,
	         t->thread, t->room);
	thread_write_answered(t, res, line);
}

static void edit_go(void *state)
{
	struct thread_cmd *t = state;

	model_comment_edit(t->c->model, t->room, t->thread, t->comment, t->body, t->seen, edited,
	                   t);
}

/* The comment as it is: who wrote it, its text to start from. */
static void edit_loaded(const struct storage_result *res, void *ud)
{
	struct edit_job *j = ud;
	struct thread_cmd *t = j->t;
	struct lb_error err = res->err;
	struct cbody *old = NULL;
	struct comment cm;
	char *initial = NULL, *shown = NULL, what[1400];

	memset(&cm, 0, sizeof(cm));
	if (err.status != LB_OK || !comment_decode(res->body, res->body_len, &cm, &err)) {
		lb_error_prefix(&err, "the comment was not edited");
		goto fail;
	}
	if (cm.deleted_at || !cm.body_json) {
		lb_error_set(&err, LB_USAGE, "comment %s is deleted: there is nothing to edit",
		             t->comment);
		goto fail;
	}
	/* The API keeps the comment its author's: an edit in another name
	 * would put words in their mouth without saying so. */
	if (cm.user_id && strcmp(cm.user_id, t->user)) {
		lb_error_set(&err, LB_USAGE,
		             "comment %s was written by %s and lbtui writes as %s: give --as %s to "
		             "edit it in their name",
		             t->comment, cm.user_id, t->user, cm.user_id);
		goto fail;
	}
	if (!cbody_decode(cm.body_json, strlen(cm.body_json), &old, &err)) {
		if (j->edit) {
			lb_error_prefix(&err,
			                "lbtui cannot edit this comment without changing what it "
			                "does not understand");
			goto fail;
		}
	} else if (!(initial = cbody_to_text(old))) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	if (!(t->seen = strndup(res->body, res->body_len)))
		goto nomem;
	if (!thread_text_read(t, j->text, j->file, j->edit, initial, &shown, &err))
		goto fail;
	/* Nothing changed: nothing to send. */
	struct cbody *now = NULL;
	struct lb_error ignored;
	if (old && cbody_decode(t->body, strlen(t->body), &now, &ignored) &&
	    cbody_equal(old, now)) {
		cbody_free(&now);
		lb_error_set(&err, LB_CANCELLED, "the text is the same; nothing was sent");
		goto fail;
	}
	cbody_free(&now);
	snprintf(what, sizeof(what),
	         "Edit comment %s of thread %s in room %s, as %s; its text becomes:", t->comment,
	         t->thread, t->room, t->user);
	thread_write_confirm(t, "comment edit", what, shown, j->yes, edit_go);
	goto done;
nomem:
	lb_error_set(&err, LB_NOMEM, "out of memory");
fail:
	thread_cmd_finish(t, &err);
done:
	comment_clear(&cm);
	cbody_free(&old);
	free(initial);
	free(shown);
	free(j->text);
	free(j->file);
	free(j);
}

static void run_comment_edit(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t = write_cmd(c, cmd, a, 2, &ta);
	struct edit_job *j;

	if (!t)
		return;
	j = calloc(1, sizeof(*j));
	if (j) {
		j->t = t;
		j->edit = cmd_has_flag(a, "edit");
		j->yes = cmd_has_flag(a, "yes");
		j->text = ta.n > 2 ? strdup(ta.rest[2]) : NULL;
		j->file = cmd_opt_value(a, "file") ? strdup(cmd_opt_value(a, "file")) : NULL;
	}
	if (!j || (ta.n > 2 && !j->text) || (cmd_opt_value(a, "file") && !j->file)) {
		if (j) {
			free(j->text);
			free(j->file);
		}
		free(j);
		thread_cmd_nomem(t);
		return;
	}
	model_comment_get(c->model, t->room, t->thread, t->comment, edit_loaded, j);
}

/* ---- comment delete ---- */

static void comment_deleted(const struct storage_result *res, void *ud)
{
	thread_cmd_deleted(ud, res, "comment");
}

static void delete_go(void *state)
{
	struct thread_cmd *t = state;

	model_comment_delete(t->c->model, t->room, t->thread, t->comment, t->seen, comment_deleted,
	                     t);
}

/* The comment as it is now: what the question shows. */
static void delete_asked(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	struct lb_error err = res->err;
	struct comment cm;
	struct buf b;
	char when[32];

	if (err.status != LB_OK || !comment_decode(res->body, res->body_len, &cm, &err)) {
		lb_error_prefix(&err, "nothing was deleted");
		thread_cmd_finish(t, &err);
		return;
	}
	output_time(cm.created_s, when, sizeof(when));
	buf_init(&b);
	buf_printf(&b,
	           "Delete comment %s of thread %s in room %s, written by %s on %s:\n  %s\n"
	           "This is permanent: the API cannot bring it back. lbtui saves a copy in its "
	           "state directory first.\n",
	           cm.id, t->thread, t->room, cm.user_id ? cm.user_id : "-", when,
	           cm.deleted_at ? "(deleted already)" : cm.preview);
	comment_clear(&cm);
	t->seen = strndup(res->body, res->body_len);
	if (!b.data || !t->seen) {
		buf_free(&b);
		thread_cmd_nomem(t);
		return;
	}
	thread_cmd_confirm_delete(t, "delete comment", b.data, t->flag, delete_go);
	buf_free(&b);
}

static void run_comment_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;

	if (!thread_args_get(c, cmd, a, 2, &ta) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], ta.rest[1])))
		return;
	t->flag = cmd_has_flag(a, "yes");
	model_comment_get(c->model, t->room, t->thread, t->comment, delete_asked, t);
}

/* ---- comment react, unreact ---- */

static void reacted(const struct storage_result *res, void *ud)
{
	struct thread_cmd *t = ud;
	char line[1024];

	snprintf(line, sizeof(line), "%s %s %s comment %s as %s", t->flag ? "added" : "removed",
	         t->arg, t->flag ? "to" : "from", t->comment, t->user);
	thread_cmd_answered(t, res, line);
}

/* An emoji: any text the API takes, but not empty, not a control
 * character and not longer than the API's 64. */
static bool check_emoji(const char *e, struct lb_error *err)
{
	size_t n = strlen(e), units = 0;

	if (!n) {
		lb_error_set(err, LB_USAGE, "EMOJI must not be empty");
		return false;
	}
	for (size_t i = 0; i < n;) {
		long cp;

		i += utf8_decode((const unsigned char *)e + i, n - i, &cp);
		if (cp < 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			lb_error_set(err, LB_USAGE,
			             "EMOJI must be UTF-8 text without control characters");
			return false;
		}
		units += cp > 0xffff ? 2 : 1;
	}
	if (units > 64) {
		lb_error_set(err, LB_USAGE,
		             "EMOJI is %zu characters long; the API takes at most 64", units);
		return false;
	}
	return true;
}

static void run_comment_react(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct thread_cmd *t;
	struct lb_error err;
	const char *user;

	if (!thread_args_get(c, cmd, a, 3, &ta))
		return;
	if (!check_emoji(ta.rest[2], &err)) {
		cmd_finish(c, &err);
		return;
	}
	if (!(user = thread_writer(c, cmd, a)) ||
	    !(t = thread_cmd_new(c, cmd, ta.room, ta.rest[0], ta.rest[1])))
		return;
	t->flag = !strcmp(cmd->name, "comment react");
	t->user = strdup(user);
	t->arg = strdup(ta.rest[2]);
	if (!t->user || !t->arg) {
		thread_cmd_nomem(t);
		return;
	}
	model_comment_react(c->model, t->room, t->thread, t->comment, t->user, t->arg, t->flag,
	                    reacted, t);
}

static const struct id_arg ids[] = {
    {"COMMENT", 0, false, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_COMMENT_GET,          EP_COMMENT_CREATE,          EP_COMMENT_UPDATE, EP_COMMENT_DELETE,
    EP_COMMENT_ADD_REACTION, EP_COMMENT_REMOVE_REACTION, EP_COUNT,
};

const struct family family_comments = {
    .name = "comments",
    .summary = "The comments of a thread: show, add, edit, delete, react",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
