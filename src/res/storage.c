#include "lbconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_impl.h"
#include "family.h"
#include "files.h"
#include "kept.h"
#include "live_watch.h"
#include "lson.h"
#include "model_storage.h"
#include "out.h"
#include "storage_watch.h"
#include "term_safe.h"
#include "util.h"

/* Commands for a room's Storage: show or print it, change it (set,
 * insert, delete, move: previewed, then sent as a guarded JSON patch),
 * initialize it from a file, export it, delete it. */

static void run_storage(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_set(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_insert(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_move(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_init(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec storage_opts[] = {
    {"format", OPT_VALUE, "FORMAT", "json (simplified) or plain-lson (the default)"},
    {"watch", OPT_FLAG, NULL,
     "follow changes live through the room's socket (the op log on the command line)"},
    {"poll", OPT_FLAG, NULL, "with --watch: re-read every second instead of the socket"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec set_opts[] = {
    {"live", OPT_FLAG, NULL, "objects become LiveObjects, arrays LiveLists (the default)"},
    {"live-map", OPT_FLAG, NULL, "objects become LiveMaps, arrays LiveLists"},
    {"plain", OPT_FLAG, NULL, "objects and arrays stay plain JSON (rewrites the document)"},
    {"edit", OPT_FLAG, NULL, "write the value in $EDITOR (starts from the current value)"},
    {"yes", OPT_FLAG, NULL, "apply without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec insert_opts[] = {
    {"at", OPT_VALUE, "INDEX", "position in the LiveList (default: the end, -)"},
    {"live", OPT_FLAG, NULL, "objects become LiveObjects, arrays LiveLists (the default)"},
    {"live-map", OPT_FLAG, NULL, "objects become LiveMaps, arrays LiveLists"},
    {"plain", OPT_FLAG, NULL, "objects and arrays stay plain JSON (rewrites the document)"},
    {"edit", OPT_FLAG, NULL, "write the value in $EDITOR"},
    {"yes", OPT_FLAG, NULL, "apply without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec init_opts[] = {
    {"replace", OPT_FLAG, NULL, "delete the room's Storage first (asks you to type the room ID)"},
    {"yes", OPT_FLAG, NULL, "apply without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec export_opts[] = {
    {"format", OPT_VALUE, "FORMAT", "json (simplified) or plain-lson (the default)"},
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"storage", "[ROOM]", 0, 1, false, run_storage,
     "Open a room's Storage tree (-e: print the document as the API returns it)", storage_opts,
     SCOPE_ROOM},
    {"storage set", "ROOM PATH [VALUE]", 2, 3, true, run_storage_set,
     "Set the value at a JSON Pointer PATH; VALUE is JSON, @FILE or @- (stdin), or --edit",
     set_opts, SCOPE_ROOM},
    {"storage insert", "ROOM PATH [VALUE]", 2, 3, true, run_storage_insert,
     "Insert VALUE into the LiveList at PATH (at the end, or --at INDEX)", insert_opts, SCOPE_ROOM},
    {"storage delete", "ROOM [PATH]", 1, 2, true, run_storage_delete,
     "Delete the key or item at PATH; without PATH, the whole Storage (asks for the room ID)",
     cmd_yes_opts, SCOPE_ROOM},
    {"storage move", "ROOM FROM TO", 3, 3, true, run_storage_move,
     "Move the value at FROM to TO (JSON Pointers)", cmd_yes_opts, SCOPE_ROOM},
    {"storage init", "ROOM FILE", 2, 2, true, run_storage_init,
     "Initialize a room's Storage from a plain LSON file", init_opts, SCOPE_ROOM},
    {"storage export", "ROOM FILE", 2, 2, false, run_storage_export,
     "Write a room's Storage to FILE", export_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* ---- helpers ------------------------------------------------------------- */

/* After a change that failed with the room's previous document handed back
 * (res->previous): say first in err which file keeps it (res->saved, the
 * copy made before the DELETE; a new one when there is none), with the
 * command that puts it back (profile: the profile it belongs to, NULL for
 * the current one; in batch mode the command carries --yes, as init
 * needs there). */
void cmd_keep_previous(const struct cmd_ctx *c, const struct storage_result *res, const char *room,
                       const char *profile, struct lb_error *err)
{
	struct lb_error why;
	char *path;

	if (err->status == LB_OK || !res->previous)
		return;
	path = res->saved ? strdup(res->saved)
	                  : kept_save("storage", room, res->previous, res->previous_len, &why);
	if (!path && res->saved)
		lb_error_set(&why, LB_NOMEM, "out of memory");
	if (path) {
		char *q_room = cmd_quote(room), *q_path = cmd_quote(path);
		lb_error_prefix(err,
		                "the previous Storage of room %s was saved (put it back with: "
		                "storage init %s %s%s%s%s)",
		                room, q_room ? q_room : room, q_path ? q_path : path,
		                c->host.interactive ? "" : " --yes", profile ? ", in profile " : "",
		                profile ? profile : "");
		free(q_room);
		free(q_path);
		free(path);
	} else {
		lb_error_prefix(err, "the previous Storage of room %s could not be saved (%s)",
		                room, why.message);
	}
}

/* A JSON Pointer typed by the user. root_ok: "" (the whole document) is
 * accepted. */
static bool check_pointer(const char *p, const char *what, bool root_ok, struct lb_error *err)
{
	char **tokens = NULL;
	size_t n = 0;

	if (!lson_pointer_split(p, &tokens, &n, err)) {
		lb_error_set(err, LB_USAGE,
		             "%s '%s' is not a JSON Pointer: it starts with '/', e.g. /shapes/0/x "
		             "(~1 for a '/' in a key, ~0 for '~')",
		             what, p);
		return false;
	}
	lson_tokens_free(&tokens, n);
	if (n == 0 && !root_ok) {
		lb_error_set(err, LB_USAGE, "%s must name a key or an item, not the whole document",
		             what);
		return false;
	}
	return true;
}

/* ---- storage: view, print, export ------------------------------------------ */

/* --format: json (simplified) or plain-lson. */
static bool format_simplified(const struct args *a, bool *simplified, struct lb_error *err)
{
	const char *f = cmd_opt_value(a, "format");

	*simplified = false;
	if (!f || !strcmp(f, "plain-lson") || !strcmp(f, "lson"))
		return true;
	if (!strcmp(f, "json")) {
		*simplified = true;
		return true;
	}
	lb_error_set(err, LB_USAGE, "--format is json or plain-lson, not '%s'", f);
	return false;
}

static bool storage_print_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (cmd_load_failed(c, r, (const char *)ud))
		return true;
	size_t len;
	const char *body = model_body(r, &len);
	cmd_print_json(c, body ? body : "", len);
	cmd_finish_ok(c);
	return true;
}

/* Printing a document as it arrives: secrets are masked on the way to
 * the host's stream, which keeps memory bounded however slow its reader
 * (out.h): past what it may hold, the transfer pauses until the reader
 * has caught up. */
struct print_job {
	struct cmd_ctx *c;
	struct out_stream *out;
	bool ends_in_newline;
	bool nomem;                 /* the masking ran out of memory */
	struct ts_mask_stream mask; /* secrets are masked on the way */
};

/* Bytes the masking let through, to the stream. */
static bool print_bytes(void *ud, const char *p, size_t len)
{
	struct print_job *j = ud;

	if (!len)
		return true;
	j->ends_in_newline = p[len - 1] == '\n';
	return out_stream_write(j->out, p, len);
}

static enum http_sink_rc print_take(const char *p, size_t len, void *ud)
{
	struct print_job *j = ud;

	/* What is held goes first; past what it may hold the transfer waits. */
	if (!out_stream_flush(j->out))
		return HTTP_SINK_STOP;
	if (out_stream_full(j->out))
		return HTTP_SINK_PAUSE;
	if (ts_mask_stream_feed(&j->mask, p, len, print_bytes, j))
		return HTTP_SINK_TAKEN;
	if (!out_stream_error(j->out))
		j->nomem = true;
	return HTTP_SINK_STOP;
}

/* Paused, and the stream can take more: go on once the reader has caught
 * up. */
static enum http_sink_rc print_drain(void *ud)
{
	struct print_job *j = ud;

	if (!out_stream_flush(j->out))
		return HTTP_SINK_STOP;
	return out_stream_caught_up(j->out) ? HTTP_SINK_TAKEN : HTTP_SINK_PAUSE;
}

static void print_done(const struct storage_result *res, void *ud)
{
	struct print_job *j = ud;
	struct lb_error err = res->err;
	bool failed = j->nomem || out_stream_error(j->out);

	/* What the masking held back (a possible secret cut by a piece's end). */
	if (!failed && !ts_mask_stream_end(&j->mask, print_bytes, j)) {
		failed = true;
		j->nomem = !out_stream_error(j->out);
	}
	ts_mask_stream_free(&j->mask);
	/* As cmd_print_json: a final newline, so that outputs stay one per
	 * line. */
	if (!failed && err.status == LB_OK && !j->ends_in_newline)
		failed = !out_stream_write(j->out, "\n", 1);
	/* The rest, however long its reader takes (the transfer is over),
	 * unless it was cancelled (lbtui is stopping): then it is cut short
	 * anyway, and waiting on a reader that takes nothing would hold up
	 * the exit. */
	bool cut = err.status == LB_CANCELLED;
	int write_errno = out_stream_close(&j->out, !failed && !cut, j->c->stop);
	if (j->nomem && !write_errno)
		write_errno = ENOMEM;
	if (cut && !write_errno)
		write_errno = EINTR;
	if (write_errno == EPIPE)
		lb_error_clear(&err); /* the reader has all it wanted (| head) */
	else if (write_errno == EINTR)
		lb_error_set(&err, LB_CANCELLED,
		             "interrupted: the rest of the document was not written");
	else if (write_errno)
		lb_error_set(&err, LB_USAGE, "cannot write the document to standard output: %s",
		             strerror(write_errno));
	cmd_finish(j->c, &err);
	free(j);
}

static void run_storage(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	bool simplified;

	if (!format_simplified(a, &simplified, &err)) {
		cmd_finish(c, &err);
		return;
	}
	bool watch = cmd_has_flag(a, "watch"), poll = cmd_has_flag(a, "poll");
	if (poll && !watch) {
		cmd_finish_usage(c, "%s", "--poll goes with --watch");
		return;
	}
	const char *room = cmd_target(c, cmd, a, SCOPE_ROOM);
	if (!room || cmd_need_view(c))
		return;
	if (watch && !(c->host.interactive && c->host.show_view)) {
		storage_watch_print(c, room, simplified, poll);
		return;
	}
	if (cmd_open_view(c, simplified ? "storage-json" : "storage",
	                  &(struct scope){.room = room}, &(struct live_watch_opts){.poll = poll},
	                  watch, NULL))
		return;
	/* To a file or a pipe the bytes go through as they arrive; a terminal
	 * gets the whole document made safe to show. */
	struct out_stream *out = c->host.stream ? c->host.stream(c->host.ud) : NULL;
	if (out) {
		struct print_job *j = calloc(1, sizeof(*j));
		if (!j) {
			out_stream_close(&out, false, NULL);
			cmd_finish_nomem(c);
			return;
		}
		j->c = c;
		j->out = out;
		struct http_sink sink = {.take = print_take,
		                         .drain = print_drain,
		                         .ud = j,
		                         .wait_fd = out_stream_fd(out)};
		model_storage_stream(c->model, room, simplified, &sink, print_done, j);
		return;
	}
	cmd_wait_room(c, model_storage_body(c->model, room, simplified), room, storage_print_step);
}

struct export_job {
	char *room;
	char *file;
	bool force;
};

static bool storage_export_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct export_job *x = ud;
	struct lb_error err;

	if (cmd_load_failed(c, r, x->room))
		goto out;
	size_t len;
	const char *body = model_body(r, &len);
	if (!file_write(x->file, body ? body : "", len, x->force, &err)) {
		cmd_finish(c, &err);
		goto out;
	}
	char size[32];
	format_size(len, size, sizeof(size));
	cmd_sayf(c, "exported the Storage of room %s to %s (%s)", x->room, x->file, size);
	cmd_finish_ok(c);
out:
	free(x->room);
	free(x->file);
	return true;
}

static void run_storage_export(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	bool simplified;
	bool force = cmd_has_flag(a, "force");

	if (!format_simplified(a, &simplified, &err) ||
	    !file_check_writable(a->pos[1], force, &err)) {
		cmd_finish(c, &err);
		return;
	}
	struct export_job *x = calloc(1, sizeof(*x));
	if (x) {
		x->room = strdup(a->pos[0]);
		x->file = strdup(a->pos[1]);
		x->force = force;
	}
	struct resource *r =
	    x && x->room && x->file ? model_storage(c->model, a->pos[0], simplified) : NULL;
	if (!r) {
		if (x) {
			free(x->room);
			free(x->file);
		}
		free(x);
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait(c, r, true, storage_export_step, x);
}

/* ---- storage set / insert / delete PATH / move ----------------------------- */

struct edit {
	struct cmd_ctx *c;
	enum lson_edit_kind kind;
	char *room;
	char *path;  /* set, delete; insert: the LiveList; move: TO */
	char *from;  /* move */
	char *at;    /* insert: "-" or an index */
	char *value; /* JSON as given (set, insert); NULL with --edit until edited */
	char *lson;  /* value as plain LSON */
	enum lson_wrap wrap;
	bool edit;
	bool yes;
	bool rewrite; /* --plain object or array: read-modify-write, values as they are */
	struct patch patch;
	char *seen; /* the document the preview was made from */
	size_t seen_len;
	char *title;
	char *diff;
	char *kept; /* --edit: the file holding what was written, until applied */
};

static void edit_free(void *state)
{
	struct edit *e = state;

	if (!e)
		return;
	free(e->room);
	free(e->path);
	free(e->from);
	free(e->at);
	free(e->value);
	free(e->lson);
	patch_clear(&e->patch);
	free(e->seen);
	free(e->title);
	free(e->diff);
	free(e->kept);
	free(e);
}

/* Finish the command with err and free the edit; a value written in
 * $EDITOR that was not applied is kept in a file. */
static void edit_fail(struct edit *e, const struct lb_error *err)
{
	struct cmd_ctx *c = e->c;
	struct lb_error out = *err;
	if (out.status == LB_OK && e->kept)
		unlink(e->kept); /* applied: nothing to keep */
	else if (e->kept)
		cmd_edited_saved_in(e->kept, &out);
	else if (e->edit)
		cmd_keep_edited(e->value, e->room, &out);
	edit_free(e);
	cmd_finish(c, &out);
}

static bool edit_loaded(struct cmd_ctx *c, struct resource *r, void *ud);

/* err with, first, where a value written in $EDITOR is kept. */
static struct lb_error edit_refusal(const struct edit *e, const struct lb_error *err)
{
	struct lb_error out = *err;

	if (e->kept)
		cmd_edited_saved_in(e->kept, &out);
	return out;
}

/* Yes to "re-read and preview again?": the same command against the
 * document as it is now (a new preview, a new question). */
static void edit_reread(void *state)
{
	struct edit *e = state;
	struct cmd_ctx *c = e->c;

	patch_clear(&e->patch);
	free(e->seen);
	free(e->title);
	free(e->diff);
	e->seen = e->title = e->diff = NULL;
	e->seen_len = 0;
	if (!cmd_wait_holding(c, model_storage(c->model, e->room, false), edit_loaded, e)) {
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		edit_fail(e, &err);
	}
}

/* The change was refused because the Storage changed since the preview:
 * say what changed and offer to start over from the new document. */
static void edit_offer_reread(struct edit *e, const struct lb_error *why)
{
	struct cmd_ctx *c = e->c;
	struct lb_error no = edit_refusal(e, why);
	struct buf b, t;

	buf_init(&b);
	buf_init(&t);
	buf_printf(&t, "Storage of room %s changed", e->room);
	buf_printf(&b, "%s.\nNothing was written. Re-read it and preview the change again?\n",
	           why->message);
	if (!b.data || !t.data) {
		buf_free(&b);
		buf_free(&t);
		edit_fail(e, why);
		return;
	}
	cmd_confirm_else(c, t.data, b.data, "Re-read and preview again?", false, &no, edit_reread,
	                 edit_free, e);
	buf_free(&b);
	buf_free(&t);
}

static void edit_done(const struct storage_result *res, void *ud)
{
	struct edit *e = ud;
	struct cmd_ctx *c = e->c;

	struct lb_error err = res->err;

	if (err.status == LB_OK)
		cmd_sayf(c, "storage updated (%s)",
		         res->path == STORAGE_JSON_PATCH ? "json-patch" : "read-modify-write");
	if (!strcmp(err.code, "STORAGE_CHANGED") && c->host.interactive && c->host.confirm) {
		edit_offer_reread(e, &err);
		return;
	}
	cmd_keep_previous(c, res, e->room, NULL, &err);
	edit_fail(e, &err);
}

static void edit_apply(void *state)
{
	struct edit *e = state;

	if (e->rewrite)
		model_storage_rewrite(e->c->model, e->room, &e->patch, e->seen, e->seen_len,
		                      edit_done, e);
	else
		model_storage_patch(e->c->model, e->room, &e->patch, e->seen, e->seen_len,
		                    edit_done, e);
}

/* How the change would go, before it is applied (the screen's question,
 * a batch preview without --yes). */
static void edit_how(const struct edit *e, int has, struct buf *b)
{
	if (!e->c->host.interactive)
		buf_adds(b, "Nothing was sent. With --yes, ");
	else
		buf_adds(b, "Applied, ");
	if (e->rewrite)
		buf_adds(b, "since a JSON-patch request cannot store plain JSON objects and "
		            "arrays, lbtui re-reads the document, refuses if what the change "
		            "depends on changed since this preview, keeps a copy of it in a file, "
		            "and rewrites the whole document (read-modify-write: DELETE and POST "
		            "/storage). Everyone connected to the room is disconnected.\n");
	else if (has == 1)
		buf_adds(b, "it goes as one atomic JSON-patch request, with tests that make the "
		            "server refuse it if what it changes no longer holds what is shown "
		            "here.\n");
	else if (has == 0)
		buf_adds(b,
		         "since this server has no JSON-patch endpoint, lbtui re-reads the "
		         "document, refuses if what the change depends on changed since this "
		         "preview, keeps a copy of it in a file, and rewrites the whole document "
		         "(read-modify-write: DELETE and POST /storage). Everyone connected to "
		         "the room is disconnected.\n");
	else
		buf_adds(b, "it goes as one JSON-patch request, with tests that make the server "
		            "refuse it if what it changes no longer holds what is shown here; if "
		            "the server has no JSON-patch endpoint, lbtui rewrites the whole "
		            "document instead (read-modify-write), which disconnects everyone "
		            "connected to the room.\n");
}

/* The preview: the diff of the affected subtree and how it would be sent.
 * With --yes in batch mode, what was done is said once it is done. */
static void edit_confirm(struct edit *e)
{
	struct cmd_ctx *c = e->c;
	struct buf b;
	int has = model_storage_has_json_patch(c->model);

	buf_init(&b);
	buf_printf(&b, "%s\n%s", e->title, e->diff);
	if (b.len && b.data[b.len - 1] != '\n')
		buf_adds(&b, "\n");
	if (!e->yes || c->host.interactive)
		edit_how(e, has, &b);
	if (e->kept)
		buf_printf(&b, "What you wrote is kept in %s until the change is applied.\n",
		           e->kept);
	if (!b.data || !b.len) {
		buf_free(&b);
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		edit_fail(e, &err);
		return;
	}
	struct lb_error no;
	lb_error_set(&no, LB_CANCELLED, "not applied");
	no = edit_refusal(e, &no);
	cmd_confirm_else(c, e->title, b.data, "Apply this change?", e->yes, &no, edit_apply,
	                 edit_free, e);
	buf_free(&b);
}

static void edit_probed(const struct storage_result *res, void *ud)
{
	struct edit *e = ud;

	if (res->err.status == LB_CANCELLED) {
		edit_fail(e, &res->err);
		return;
	}
	/* Any other failure leaves the answer unknown; the preview says so. */
	edit_confirm(e);
}

/* --plain with an object or array: a JSON patch (the server's) stores
 * every object and array as a LiveObject or LiveList, so the value is
 * written by rewriting the document with the value as it is. Scalars go
 * as a JSON patch like any other value. */
static bool plain_container(const struct edit *e)
{
	const char *p = e->value;

	if (e->wrap != LSON_WRAP_PLAIN || !p)
		return false;
	while (*p && strchr(" \t\r\n", *p))
		p++;
	return *p == '{' || *p == '[';
}

/* The value written in $EDITOR (--edit), starting from the current one:
 * once written it stays what it is (previewed again after a refusal, it
 * is not edited again). */
static bool edit_value(struct edit *e, const struct lson_doc *doc, struct lb_error *err)
{
	int i = e->kind == LSON_EDIT_SET ? lson_find(doc, e->path) : -1;
	char *initial = i >= 0 ? lson_subtree_json(doc, i, false, true)
	                       : strdup(e->kind == LSON_EDIT_SET ? "null\n" : "{}\n");
	bool ok = initial &&
	          cmd_value_text(e->c, NULL, true, initial, "the value", e->room, &e->value, err);
	free(initial);
	if (!ok) {
		if (err->status == LB_OK)
			lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	/* Kept from now on, whatever becomes of the change (declined,
	 * refused, cancelled); removed once it is applied. */
	struct lb_error ignored;
	e->kept = kept_save("edit", e->room, e->value, strlen(e->value), &ignored);
	e->lson = lson_from_json(e->value, e->wrap, err);
	if (!e->lson) {
		err->status = err->status == LB_NOMEM ? LB_NOMEM : LB_USAGE;
		return false;
	}
	e->rewrite = plain_container(e);
	return true;
}

/* Turn the change into a patch on the loaded document, with its preview,
 * and ask. */
static void edit_prepare(struct edit *e, const struct lson_doc *doc)
{
	struct cmd_ctx *c = e->c;
	struct lb_error err;
	struct lson_edit_preview pv;
	struct buf where, title;

	lb_error_clear(&err);
	if (e->edit && !e->lson && !edit_value(e, doc, &err)) {
		edit_fail(e, &err);
		return;
	}
	buf_init(&where);
	buf_printf(&where, "the Storage of room %s", e->room);
	struct lson_edit change = {
	    .kind = e->kind,
	    .path = e->path,
	    .from = e->from,
	    .at = e->at,
	    .value = e->lson,
	    .literal = e->rewrite,
	    .where = where.data ? where.data : "the Storage",
	};
	bool ok = lson_edit_preview(doc, e->seen, e->seen_len, &change, &pv, &err);
	buf_free(&where);
	if (!ok) {
		edit_fail(e, &err);
		return;
	}
	if (pv.unchanged) {
		lson_edit_preview_clear(&pv);
		cmd_sayf(c, "nothing to change: %s already holds that value in room %s", e->path,
		         e->room);
		lb_error_clear(&err);
		edit_fail(e, &err);
		return;
	}
	buf_init(&title);
	buf_printf(&title, "Storage of room %s: %s", e->room, pv.what);
	e->title = buf_steal(&title);
	e->patch = pv.patch;
	e->diff = pv.diff;
	pv.patch = (struct patch){0};
	pv.diff = NULL;
	lson_edit_preview_clear(&pv);
	if (!e->title) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		edit_fail(e, &err);
		return;
	}
	/* The screen asks first, so it finds out how the change would go; batch
	 * mode says both ways and lets the change itself find out. A rewrite
	 * goes one way only. */
	if (!e->rewrite && model_storage_has_json_patch(c->model) < 0 && c->host.interactive)
		model_storage_probe(c->model, e->room, edit_probed, e);
	else
		edit_confirm(e);
}

static bool edit_loaded(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct edit *e = cmd_held(ud);
	struct lb_error err;

	if (cmd_load_failed(c, r, e->room)) {
		edit_free(e);
		return true;
	}
	size_t len;
	const char *body = model_body(r, &len);
	e->seen = malloc(len + 1);
	if (!e->seen || !body) {
		lb_error_set(&err, body ? LB_NOMEM : LB_DECODE,
		             body ? "out of memory" : "the Storage of room %s came without a body",
		             e->room);
		edit_fail(e, &err);
		return true;
	}
	memcpy(e->seen, body, len);
	e->seen[len] = '\0';
	e->seen_len = len;
	struct lson_doc *shown = model_document(r);
	struct lson_doc *doc =
	    shown ? lson_ref(shown) : lson_parse(e->seen, e->seen_len, true, &err);
	if (!doc) {
		edit_fail(e, &err);
		return true;
	}
	edit_prepare(e, doc);
	lson_unref(&doc);
	return true;
}

/* Read the arguments common to set, insert, delete PATH and move, check
 * them before any request, then load the document. */
static void edit_run(struct cmd_ctx *c, const struct command *cmd, struct args *a,
                     enum lson_edit_kind kind)
{
	struct lb_error err;

	if (cmd_refuse_read_only(c, cmd))
		return;
	struct edit *e = calloc(1, sizeof(*e));
	lb_error_clear(&err);
	if (!e) {
		cmd_finish_nomem(c);
		return;
	}
	e->c = c;
	e->kind = kind;
	e->yes = cmd_has_flag(a, "yes");
	e->room = strdup(a->pos[0]);
	e->path = strdup(kind == LSON_EDIT_MOVE ? a->pos[2] : a->pos[1]);
	if (!e->room || !e->path)
		goto nomem;
	if (kind == LSON_EDIT_MOVE) {
		e->from = strdup(a->pos[1]);
		if (!e->from)
			goto nomem;
		if (!check_pointer(e->from, "FROM", false, &err) ||
		    !check_pointer(e->path, "TO", false, &err))
			goto fail;
		size_t n = strlen(e->from);
		if (!strcmp(e->from, e->path)) {
			lb_error_set(&err, LB_USAGE, "FROM and TO are the same path");
			goto fail;
		}
		if (!strncmp(e->path, e->from, n) && e->path[n] == '/') {
			lb_error_set(&err, LB_USAGE, "cannot move %s into itself", e->from);
			goto fail;
		}
	} else if (!check_pointer(e->path, "PATH", kind == LSON_EDIT_INSERT, &err)) {
		goto fail;
	}
	if (kind == LSON_EDIT_SET || kind == LSON_EDIT_INSERT) {
		int wraps = cmd_has_flag(a, "live") + cmd_has_flag(a, "live-map") +
		            cmd_has_flag(a, "plain");
		if (wraps > 1) {
			lb_error_set(&err, LB_USAGE,
			             "use only one of --live, --live-map and --plain");
			goto fail;
		}
		e->wrap = cmd_has_flag(a, "plain")      ? LSON_WRAP_PLAIN
		          : cmd_has_flag(a, "live-map") ? LSON_WRAP_LIVE_MAP
		                                        : LSON_WRAP_LIVE;
		e->edit = cmd_has_flag(a, "edit");
		if (e->edit && a->npos == 3) {
			lb_error_set(&err, LB_USAGE, "give VALUE or --edit, not both");
			goto fail;
		}
		if (!e->edit && a->npos < 3) {
			lb_error_set(&err, LB_USAGE,
			             "'%s' needs VALUE: JSON such as '{\"x\":1}' or '\"text\"', "
			             "@FILE, or --edit (usage: %s %s)",
			             cmd->name, cmd->name, cmd->args);
			goto fail;
		}
		if (!e->edit) {
			if (!cmd_value_text(c, a->pos[2], false, NULL, "VALUE", e->room, &e->value,
			                    &err))
				goto fail;
			e->lson = lson_from_json(e->value, e->wrap, &err);
			if (!e->lson) {
				if (err.status != LB_NOMEM)
					err.status = LB_USAGE;
				goto fail;
			}
			e->rewrite = plain_container(e);
		}
	}
	if (kind == LSON_EDIT_INSERT) {
		const char *at = cmd_opt_value(a, "at");
		if (!at)
			at = "-";
		bool digits = at[0] != '\0';
		for (const char *p = at; *p; p++)
			if (*p < '0' || *p > '9')
				digits = false;
		if (strcmp(at, "-") && (!digits || strlen(at) > 9 || (at[0] == '0' && at[1]))) {
			lb_error_set(&err, LB_USAGE,
			             "--at is an index (0, 1, ...) or - for the end, "
			             "not '%s'",
			             at);
			goto fail;
		}
		e->at = strdup(at);
		if (!e->at)
			goto nomem;
	}

	if (cmd_wait_holding(c, model_storage(c->model, e->room, false), edit_loaded, e))
		return;
nomem:
	lb_error_set(&err, LB_NOMEM, "out of memory");
fail:
	edit_fail(e, &err);
}

static void run_storage_set(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, LSON_EDIT_SET);
}

static void run_storage_insert(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, LSON_EDIT_INSERT);
}

static void run_storage_move(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, LSON_EDIT_MOVE);
}

/* ---- storage delete ROOM / storage init ----------------------------------- */

static void storage_deleted(const struct storage_result *res, void *ud)
{
	struct cmd_room_op *o = ud;

	if (res->err.status == LB_OK)
		cmd_sayf(o->c, "deleted the Storage of room %s", o->room);
	cmd_room_op_finish(o, &res->err);
}

static void storage_delete_go(void *state)
{
	struct cmd_room_op *o = state;
	model_storage_delete(o->c->model, o->room, storage_deleted, o);
}

static void run_storage_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (a->npos == 2) {
		edit_run(c, cmd, a, LSON_EDIT_REMOVE);
		return;
	}
	struct cmd_room_op *o = cmd_room_op_for(c, cmd, a->pos[0], NULL);
	if (!o)
		return;
	cmd_confirm_room_id(c, "delete the Storage of this room", a->pos[0], cmd_has_flag(a, "yes"),
	                    "Storage not deleted", storage_delete_go, cmd_room_op_free, o);
}

static void storage_initialized(const struct storage_result *res, void *ud)
{
	struct cmd_room_op *o = ud;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		char size[32];
		format_size(o->len, size, sizeof(size));
		cmd_sayf(o->c, "%s the Storage of room %s from %s (%s)",
		         o->replace ? "replaced" : "initialized", o->room, o->arg, size);
	}
	cmd_keep_previous(o->c, res, o->room, NULL, &err);
	cmd_room_op_finish(o, &err);
}

static void storage_init_post(void *state)
{
	struct cmd_room_op *o = state;
	o->replace = false;
	model_storage_init(o->c->model, o->room, o->data, o->len, storage_initialized, o);
}

/* Keep a copy, delete, write; an uncertain or failed write is read back
 * and the old document put back where it is gone. Refused if the room's
 * Storage changed since it was read for the question. */
static void storage_replace_go(void *state)
{
	struct cmd_room_op *o = state;
	model_storage_replace(o->c->model, o->room, o->data, o->len, o->seen, o->seen_len,
	                      storage_initialized, o);
}

/* Into an empty Storage: what the file holds, and a question (in batch
 * mode, --yes), as for every Storage write. */
static void storage_init_confirm(struct cmd_ctx *c, struct cmd_room_op *o)
{
	struct lb_error err;
	struct lson_doc *d = lson_parse(o->data, o->len, true, &err);
	struct buf b, t;
	char size[32];
	int keys = d && d->n ? d->nodes[0].n_children : 0;

	buf_init(&b);
	buf_init(&t);
	format_size(o->len, size, sizeof(size));
	buf_printf(&t, "Storage of room %s: initialize from %s", o->room, o->arg);
	buf_printf(&b, "%s\n  %s, %zu node%s, %d top-level key%s", t.data ? t.data : "", size,
	           d && d->n ? d->n - 1 : 0, d && d->n == 2 ? "" : "s", keys, keys == 1 ? "" : "s");
	for (int i = 0, k = 1; d && i < keys && i < 8; i++, k += d->nodes[k].subtree + 1)
		buf_printf(&b, "%s%s", i ? ", " : ": ", d->nodes[k].key ? d->nodes[k].key : "");
	buf_printf(&b, "%s\nThe room's Storage is empty: %s the document (POST /storage).\n",
	           keys > 8 ? ", ..." : "",
	           c->host.interactive ? "applied, this writes" : "with --yes, lbtui writes");
	lson_unref(&d);
	if (!b.data || !t.data) {
		buf_free(&b);
		buf_free(&t);
		cmd_room_op_free(o);
		cmd_finish_nomem(c);
		return;
	}
	cmd_confirm(c, t.data, b.data, "Initialize the Storage?", o->yes, storage_init_post,
	            cmd_room_op_free, o);
	buf_free(&b);
	buf_free(&t);
}

static bool storage_init_loaded(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct cmd_room_op *o = cmd_held(ud);

	if (cmd_load_failed(c, r, o->room)) {
		cmd_room_op_free(o);
		return true;
	}
	const struct lson_doc *doc = model_document(r);
	int keys = doc && doc->n ? doc->nodes[0].n_children : 0;
	if (keys == 0) {
		storage_init_confirm(c, o);
		return true;
	}
	char *safe = ts_sanitize(o->room, (size_t)-1);
	if (!o->replace) {
		struct lb_error err;
		lb_error_set(&err, LB_USAGE,
		             "room %s already has Storage (%d top-level key%s): delete it first "
		             "(storage delete %s) or add --replace",
		             safe ? safe : "", keys, keys == 1 ? "" : "s", safe ? safe : "ROOM");
		free(safe);
		cmd_room_op_finish(o, &err);
		return true;
	}
	free(safe);
	size_t len;
	const char *body = model_body(r, &len);
	if (body && !(o->seen = malloc(len + 1))) {
		cmd_room_op_free(o);
		cmd_finish_nomem(c);
		return true;
	}
	if (body) {
		memcpy(o->seen, body, len);
		o->seen[len] = '\0';
		o->seen_len = len;
	}
	cmd_confirm_room_id(c, "replace the Storage of this room", o->room, o->yes,
	                    "Storage not replaced", storage_replace_go, cmd_room_op_free, o);
	return true;
}

static void run_storage_init(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;

	struct cmd_room_op *o = cmd_room_op_for(c, cmd, a->pos[0], a->pos[1]);
	if (!o)
		return;
	o->replace = cmd_has_flag(a, "replace");
	o->yes = cmd_has_flag(a, "yes");
	if (!cmd_read_input(c, a->pos[1], &o->data, &o->len, &err)) {
		cmd_room_op_finish(o, &err);
		return;
	}
	if (!lson_validate_document(o->data, o->len, &err)) {
		lb_error_prefix(&err, "%s is not a plain LSON Storage document", a->pos[1]);
		err.status = LB_USAGE;
		cmd_room_op_finish(o, &err);
		return;
	}
	if (!cmd_wait_holding(c, model_storage(c->model, o->room, false), storage_init_loaded, o)) {
		cmd_room_op_free(o);
		cmd_finish_nomem(c);
	}
}

static const enum endpoint_id endpoints[] = {
    EP_STORAGE_GET,
    EP_STORAGE_INIT,
    EP_STORAGE_DELETE,
    EP_STORAGE_JSON_PATCH,
    EP_COUNT,
};

const struct family family_storage = {
    .name = "storage",
    .summary = "A room's Storage document: read, search, change, restore",
    .commands = commands,
    .endpoints = endpoints,
};
