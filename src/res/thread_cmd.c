#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_body.h"
#include "kept.h"
#include "term_safe.h"
#include "threads_impl.h"

/* What the commands of threads and comments share: their arguments, the
 * question before a delete, the text kept when a write fails, the
 * answers. */

bool thread_args_get(struct cmd_ctx *c, const struct command *cmd, const struct args *a, int nrest,
                     struct thread_args *out)
{
	struct lb_error err;

	out->room = NULL;
	if (a->npos > nrest) {
		out->room = a->pos[0];
		out->rest = a->pos + 1;
		out->n = a->npos - 1;
	} else {
		struct scope here = {0};

		if (c->host.scope)
			c->host.scope(c->host.ud, &here);
		out->room = here.room;
		out->rest = a->pos;
		out->n = a->npos;
	}
	if (!out->room) {
		cmd_finish_with(c, LB_USAGE, "which room? (usage: %s %s)", cmd->name, cmd->args);
		return false;
	}
	if (!room_check_id(out->room, "ROOM", 0, false, &err)) {
		cmd_finish(c, &err);
		return false;
	}
	return true;
}

const char *thread_writer(struct cmd_ctx *c, const struct command *cmd, const struct args *a)
{
	const char *as = cmd_opt_value(a, "as");
	struct lb_error err;

	if (as)
		return as;
	if (!c->user) {
		cmd_finish_with(c, LB_USAGE,
		                "'%s' writes as a user: give --as USER, or set user = USER in the "
		                "profile of the config file",
		                cmd->name);
		return NULL;
	}
	if (!room_check_id(c->user, "the profile's user", 0, true, &err)) {
		cmd_finish(c, &err);
		return NULL;
	}
	return c->user;
}

void thread_cmd_free(void *state)
{
	struct thread_cmd *t = state;

	if (!t)
		return;
	free(t->room);
	free(t->thread);
	free(t->comment);
	free(t->user);
	free(t->arg);
	free(t->seen);
	free(t->body);
	free(t->metadata);
	free(t->resend);
	free(t);
}

struct thread_cmd *thread_cmd_new(struct cmd_ctx *c, const struct command *cmd, const char *room,
                                  const char *thread, const char *comment)
{
	struct thread_cmd *t;

	if (cmd_refuse_read_only(c, cmd))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t) {
		t->c = c;
		t->room = strdup(room);
		t->thread = thread ? strdup(thread) : NULL;
		t->comment = comment ? strdup(comment) : NULL;
	}
	if (!t || !t->room || (thread && !t->thread) || (comment && !t->comment)) {
		thread_cmd_free(t);
		cmd_finish_nomem(c);
		return NULL;
	}
	return t;
}

void thread_cmd_finish(struct thread_cmd *t, const struct lb_error *err)
{
	struct cmd_ctx *c = t->c;

	thread_cmd_free(t);
	cmd_finish(c, err);
}

void thread_cmd_nomem(struct thread_cmd *t)
{
	struct lb_error err;

	lb_error_set(&err, LB_NOMEM, "out of memory");
	thread_cmd_finish(t, &err);
}

void thread_cmd_answered(struct thread_cmd *t, const struct storage_result *res,
                         const char *sentence)
{
	struct cmd_ctx *c = t->c;

	if (res->err.status == LB_OK) {
		char *safe = ts_sanitize(sentence, (size_t)-1);

		if (c->host.json && res->body && res->body_len)
			cmd_print_json(c, res->body, res->body_len);
		else if (c->host.json)
			cmd_note(c, safe ? safe : "");
		else
			cmd_say(c, safe ? safe : "");
		free(safe);
	}
	thread_cmd_finish(t, &res->err);
}

void thread_cmd_confirm_delete(struct thread_cmd *t, const char *title, const char *preview,
                               bool yes, cmd_go_fn go)
{
	struct lb_error no;

	lb_error_set(&no, LB_CANCELLED, "not deleted");
	cmd_confirm_else(t->c, title, preview, "Delete it permanently? It cannot be undone", yes,
	                 &no, go, thread_cmd_free, t);
}

void thread_cmd_deleted(struct thread_cmd *t, const struct storage_result *res, const char *what)
{
	struct lb_error err = res->err;
	char *safe = ts_sanitize(res->saved ? res->saved : "", (size_t)-1);

	if (err.status == LB_OK) {
		char line[2048];

		snprintf(line, sizeof(line), "deleted %s %s of room %s; it is saved in %s", what,
		         t->comment ? t->comment : t->thread, t->room, safe ? safe : "");
		char *said = ts_sanitize(line, (size_t)-1);
		if (t->c->host.json)
			cmd_note(t->c, said ? said : line);
		else
			cmd_say(t->c, said ? said : line);
		free(said);
	} else if (res->saved) {
		lb_error_prefix(&err, "the %s is saved in %s", what, safe ? safe : "");
	}
	free(safe);
	thread_cmd_finish(t, &err);
}

void thread_keep_draft(const char *text, const char *room, const char *resend, struct lb_error *err)
{
	struct lb_error why;
	char *path;

	if (!text || !*text)
		return;
	path = kept_save_as("draft", room, "txt", text, strlen(text), &why);
	if (!path) {
		lb_error_prefix(err, "your text could not be saved (%s)", why.message);
		return;
	}
	char *q = cmd_quote(path);
	if (err->status == LB_UNSURE)
		lb_error_prefix(
		    err,
		    "your text is saved in %s (look whether it arrived before sending it "
		    "again with: %s --file %s)",
		    path, resend, q ? q : path);
	else
		lb_error_prefix(err, "your text is saved in %s (send it again with: %s --file %s)",
		                path, resend, q ? q : path);
	free(q);
	free(path);
}

/* Whether a body says nothing: no link, no mention, no text but blanks. */
static bool body_says_nothing(const struct cbody *b)
{
	for (size_t i = 0; i < b->n; i++)
		for (size_t j = 0; j < b->content[i].n; j++) {
			const struct cbody_inline *in = &b->content[i].children[j];
			if (in->type != CBODY_TEXT || in->text[strspn(in->text, " \t\r\n")])
				return false;
		}
	return true;
}

/* What is typed: TEXT, --file FILE, or $EDITOR. */
static bool typed_text(struct thread_cmd *t, const char *text, const char *file, bool edit,
                       const char *initial, struct lb_error *err)
{
	struct cmd_ctx *c = t->c;
	char *start = NULL;
	size_t len;
	bool ok;

	if (edit) {
		if (!c->host.edit_text) {
			lb_error_set(
			    err, LB_USAGE,
			    "--edit needs a terminal: give the text on the command line, or "
			    "--file FILE");
			return false;
		}
		if (file && !cmd_read_input(c, file, &start, &len, err))
			return false;
		ok = c->host.edit_text(c->host.ud, start ? start : (initial ? initial : ""),
		                       &t->arg, err);
		free(start);
		t->edited = ok;
		return ok;
	}
	if (file)
		return cmd_read_input(c, file, &t->arg, &len, err);
	if (!text) {
		lb_error_set(err, LB_USAGE, "give the text, --file FILE or --edit");
		return false;
	}
	if (!(t->arg = strdup(text))) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

bool thread_text_read(struct thread_cmd *t, const char *text, const char *file, bool edit,
                      const char *initial, char **shown, struct lb_error *err)
{
	struct cbody *b;

	*shown = NULL;
	if (!typed_text(t, text, file, edit, initial, err))
		return false;
	b = t->edited ? cbody_from_text(t->arg, strlen(t->arg), err)
	              : cbody_from_markdown(t->arg, strlen(t->arg), err);
	if (!b)
		return false;
	if (body_says_nothing(b)) {
		cbody_free(&b);
		lb_error_set(err, t->edited ? LB_CANCELLED : LB_USAGE,
		             "the comment is empty; nothing was sent");
		return false;
	}
	t->body = cbody_encode(b);
	*shown = cbody_to_text(b);
	cbody_free(&b);
	if (!t->body || !*shown) {
		free(*shown);
		*shown = NULL;
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

/* The command that sends the text again, --edit when it was typed there. */
static const char *resend_line(struct thread_cmd *t)
{
	if (t->edited && t->resend && !strstr(t->resend, " --edit")) {
		size_t n = strlen(t->resend);
		char *more = realloc(t->resend, n + sizeof(" --edit"));
		if (more) {
			strcpy(more + n, " --edit");
			t->resend = more;
		}
	}
	return t->resend ? t->resend : "";
}

/* The question was answered no (or batch mode had no --yes): what was
 * typed in $EDITOR is kept; TEXT is still on the command line. */
static void write_dropped(void *state)
{
	struct thread_cmd *t = state;

	if (t->edited) {
		struct lb_error said;

		lb_error_set(&said, LB_CANCELLED, "not sent");
		thread_keep_draft(t->arg, t->room, resend_line(t), &said);
		char *safe = ts_sanitize(said.message, (size_t)-1);
		cmd_note(t->c, safe ? safe : said.message);
		free(safe);
	}
	thread_cmd_free(t);
}

void thread_write_confirm(struct thread_cmd *t, const char *title, const char *what,
                          const char *shown, bool yes, cmd_go_fn go)
{
	struct buf b;
	struct lb_error no;

	buf_init(&b);
	buf_printf(&b, "%s\n", what);
	for (const char *p = shown; *p;) {
		size_t n = strcspn(p, "\n");
		buf_adds(&b, "  ");
		buf_add(&b, p, n);
		buf_adds(&b, "\n");
		p += n + (p[n] == '\n');
	}
	if (!b.data) {
		write_dropped(t);
		cmd_finish_nomem(t->c);
		return;
	}
	lb_error_set(&no, LB_CANCELLED, "not sent");
	cmd_confirm_else(t->c, title, b.data, "Send it?", yes, &no, go, write_dropped, t);
	buf_free(&b);
}

void thread_write_answered(struct thread_cmd *t, const struct storage_result *res,
                           const char *sentence)
{
	struct storage_result kept = *res;

	if (res->err.status != LB_OK)
		thread_keep_draft(t->arg, t->room, resend_line(t), &kept.err);
	thread_cmd_answered(t, &kept, sentence);
}

char *thread_comment_plain(const struct comment *cm)
{
	struct cbody *b = NULL;
	struct lb_error err;
	char *text;

	if (!cm->body_json)
		return strdup("");
	if (!cbody_decode(cm->body_json, strlen(cm->body_json), &b, &err)) {
		struct buf out;

		buf_init(&out);
		buf_printf(&out, "%s\n(lbtui cannot show all of this comment: %s)", cm->preview,
		           err.message);
		return buf_steal(&out);
	}
	text = cbody_plain(b, NULL, NULL);
	cbody_free(&b);
	return text;
}

/* Lines of a comment for a thread's text: who wrote it and when, edited
 * or deleted, its body's text, reactions with who reacted, attachments.
 * Raw text: the caller makes it terminal-safe. */
bool thread_comment_text(struct buf *b, const struct comment *cm, const char *body_text)
{
	char when[32], edited[32], deleted[32];
	bool ok;

	output_time(cm->created_s, when, sizeof(when));
	output_time(cm->edited_s, edited, sizeof(edited));
	output_time(cm->deleted_s, deleted, sizeof(deleted));
	ok = buf_printf(b, "%s  %s  %s", cm->id, cm->user_id ? cm->user_id : "-", when);
	if (cm->deleted_at)
		ok = ok && buf_printf(b, "  (deleted %s)", deleted);
	else if (cm->edited_at)
		ok = ok && buf_printf(b, "  (edited %s)", edited);
	ok = ok && buf_adds(b, "\n");
	for (const char *p = cm->deleted_at ? "" : body_text; ok && p && *p;) {
		size_t n = strcspn(p, "\n");
		ok = buf_adds(b, "    ") && buf_add(b, p, n) && buf_adds(b, "\n");
		p += n + (p[n] == '\n');
	}
	for (size_t i = 0; ok && i < cm->n_reactions; i++) {
		char who[512];
		strv_join(&cm->reactions[i].users, ", ", who, sizeof(who));
		ok = buf_printf(b, "%s%s %zu (%s)",
		                i ? "  " : "    reactions: ", cm->reactions[i].emoji,
		                cm->reactions[i].users.n, who);
		if (ok && i + 1 == cm->n_reactions)
			ok = buf_adds(b, "\n");
	}
	for (size_t i = 0; ok && i < cm->n_attachments; i++) {
		const struct attachment *at = &cm->attachments[i];
		char size[32] = "?";
		if (at->size >= 0)
			format_size((size_t)at->size, size, sizeof(size));
		ok = buf_printf(b, "    attachment: %s (%s, %s)\n",
		                at->name ? at->name : (at->id ? at->id : "?"), size,
		                at->mime_type ? at->mime_type : "?");
	}
	if (ok && cm->metadata_json && strcmp(cm->metadata_json, "{}")) {
		char meta[1024];
		thread_metadata_summary(cm->metadata_json, meta, sizeof(meta));
		ok = buf_printf(b, "    metadata: %s\n", meta);
	}
	return ok;
}
