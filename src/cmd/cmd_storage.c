#include "lbconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "api_storage.h"
#include "cmd_impl.h"
#include "config.h"
#include "diff.h"
#include "files.h"
#include "json.h"
#include "kept.h"
#include "lson.h"
#include "model_storage.h"
#include "out.h"
#include "output.h"
#include "term_safe.h"
#include "utf8.h"
#include "util.h"

/* Commands for what lives inside a room (Storage, Yjs, versions, active
 * users) and the rest of room administration (upsert, rename, prewarm,
 * broadcast, copy). */

static void run_storage(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_set(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_insert(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_move(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_init(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_storage_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_ydoc(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_ydoc_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_ydoc_update(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_versions(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_versions_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_versions_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_users(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_upsert(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_rename(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_prewarm(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_broadcast(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_copy(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec storage_opts[] = {
    {"format", OPT_VALUE, "FORMAT", "json (simplified) or plain-lson (the default)"},
    {"watch", OPT_FLAG, NULL, "re-read on an interval and highlight changes (TUI)"},
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

static const struct opt_spec yes_opts[] = {
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

static const struct opt_spec ydoc_opts[] = {
    {"formatting", OPT_FLAG, NULL, "include text formatting (formatting=true)"},
    {"key", OPT_VALUE, "KEY", "only this top-level key"},
    {"type", OPT_VALUE, "TYPE", "read KEY as ymap, ytext, yxmltext, yxmlfragment or yarray"},
    {"watch", OPT_FLAG, NULL, "re-read on an interval and highlight changes (TUI)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec ydoc_export_opts[] = {
    {"guid", OPT_VALUE, "GUID", "a subdocument"},
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec ydoc_update_opts[] = {
    {"guid", OPT_VALUE, "GUID", "a subdocument"},
    {"yes", OPT_FLAG, NULL, "send without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec versions_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec force_opts[] = {
    {"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec users_opts[] = {
    {"watch", OPT_FLAG, NULL, "re-read on an interval (TUI)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec upsert_opts[] = {
    CMD_ROOM_UPDATE_OPTS,
    {"create-public", OPT_FLAG, NULL, "if created: default access room:write"},
    {"create-private", OPT_FLAG, NULL, "if created: no default access"},
    {"create-access", OPT_VALUE, "PERMS", "if created: default accesses"},
    {"create-metadata", OPT_VALUE, "KEY=VALUE", "if created: a metadata string (repeatable)"},
    {"create-metadata-list", OPT_VALUE, "KEY=A,B", "if created: a metadata list (repeatable)"},
    {"create-user-access", OPT_VALUE, "USER=PERMS", "if created: a user's accesses (repeatable)"},
    {"create-group-access", OPT_VALUE, "GROUP=PERMS",
     "if created: a group's accesses (repeatable)"},
    {"create-org", OPT_VALUE, "ORG", "if created: the room's organization"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec broadcast_opts[] = {
    {"edit", OPT_FLAG, NULL, "write the event in $EDITOR"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec copy_opts[] = {
    {"to-profile", OPT_VALUE, "NAME", "copy into the project of another profile"},
    {"into-existing", OPT_FLAG, NULL,
     "copy into a room that exists (replaces its Storage, merges Yjs)"},
    {"yes", OPT_FLAG, NULL, "copy without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

const struct command cmd_storage_commands[] = {
    {"storage", "[ROOM]", 0, 1, false, run_storage,
     "Open a room's Storage tree (-e: print the document as the API returns it)", storage_opts,
     true},
    {"storage set", "ROOM PATH [VALUE]", 2, 3, true, run_storage_set,
     "Set the value at a JSON Pointer PATH; VALUE is JSON, @FILE or @- (stdin), or --edit",
     set_opts, true},
    {"storage insert", "ROOM PATH [VALUE]", 2, 3, true, run_storage_insert,
     "Insert VALUE into the LiveList at PATH (at the end, or --at INDEX)", insert_opts, true},
    {"storage delete", "ROOM [PATH]", 1, 2, true, run_storage_delete,
     "Delete the key or item at PATH; without PATH, the whole Storage (asks for the room ID)",
     yes_opts, true},
    {"storage move", "ROOM FROM TO", 3, 3, true, run_storage_move,
     "Move the value at FROM to TO (JSON Pointers)", yes_opts, true},
    {"storage init", "ROOM FILE", 2, 2, true, run_storage_init,
     "Initialize a room's Storage from a plain LSON file", init_opts, true},
    {"storage export", "ROOM FILE", 2, 2, false, run_storage_export,
     "Write a room's Storage to FILE", export_opts, true},
    {"ydoc", "[ROOM]", 0, 1, false, run_ydoc, "Show a room's Yjs document as JSON", ydoc_opts,
     true},
    {"ydoc export", "ROOM FILE", 2, 2, false, run_ydoc_export,
     "Write the Yjs document of a room to FILE as a binary update", ydoc_export_opts, true},
    {"ydoc update", "ROOM FILE", 2, 2, true, run_ydoc_update,
     "Send a binary Yjs update from FILE to a room", ydoc_update_opts, true},
    {"versions", "[ROOM]", 0, 1, false, run_versions, "List a room's Yjs version history",
     versions_opts, true},
    {"versions export", "ROOM VERSION_ID FILE", 3, 3, false, run_versions_export,
     "Write a version's Yjs document to FILE (binary)", force_opts, true},
    {"versions create", "ROOM", 1, 1, true, run_versions_create,
     "Create a version history snapshot of a room's Yjs document", cmd_no_opts, true},
    {"users", "[ROOM]", 0, 1, false, run_users, "List the users connected to a room", users_opts,
     true},
    {"room upsert", "ID", 1, 1, true, run_room_upsert,
     "Update a room, or create it if it does not exist", upsert_opts, true},
    {"room rename", "ID NEW_ID", 2, 2, true, run_room_rename,
     "Change a room's ID (asks you to type the old ID)", yes_opts, true},
    {"room prewarm", "[ID]", 0, 1, false, run_room_prewarm,
     "Load a room on the server ahead of the first connection", cmd_no_opts, true},
    {"room broadcast", "ID [JSON]", 1, 2, true, run_room_broadcast,
     "Send an event to everyone in a room; JSON, @FILE or @- (stdin), or --edit", broadcast_opts,
     true},
    {"room copy", "ID NEW_ID", 2, 2, false, run_room_copy,
     "Copy metadata, accesses, Storage and Yjs to a new room, here or in another profile",
     copy_opts, true},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, false},
};

/* ---- small helpers -------------------------------------------------------- */

/* A file named on the command line; "-" (stdin) only in batch mode, as the
 * TUI owns the terminal. */
static bool read_input(struct cmd_ctx *c, const char *path, char **data, size_t *len,
                       struct lb_error *err)
{
	if (c->host.interactive && !strcmp(path, "-")) {
		*data = NULL;
		*len = 0;
		lb_error_set(err, LB_USAGE, "- (stdin) works only with -e; give a file name");
		return false;
	}
	return file_read(path, data, len, err);
}

/* Say first in err that what was written in $EDITOR is in the file at
 * path, and how to give it again. */
static void edited_saved_in(const char *path, struct lb_error *err)
{
	char *arg = malloc(strlen(path) + 2);
	char *q = NULL;

	if (arg) {
		arg[0] = '@';
		strcpy(arg + 1, path);
		q = cmd_quote(arg);
	}
	lb_error_prefix(err, "what you wrote was saved (give it again as %s)", q ? q : path);
	free(q);
	free(arg);
}

/* What was written in $EDITOR did not make it to the server: keep it, and
 * say first in err where, and how to use it again. */
static void keep_edited(const char *text, const char *room, struct lb_error *err)
{
	struct lb_error why;
	char *path;

	if (!text || !*text)
		return;
	path = kept_save("edit", room, text, strlen(text), &why);
	if (path) {
		edited_saved_in(path, err);
		free(path);
	} else {
		lb_error_prefix(err, "what you wrote could not be saved (%s)", why.message);
	}
}

/* After a change that failed with the room's previous document handed back
 * (res->previous): say first in err which file keeps it (res->saved, the
 * copy made before the DELETE; a new one when there is none), with the
 * command that puts it back (profile: the profile it belongs to, NULL for
 * the current one; in batch mode the command carries --yes, as init
 * needs there). */
static void keep_previous(const struct cmd_ctx *c, const struct storage_result *res,
                          const char *room, const char *profile, struct lb_error *err)
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
		lb_error_prefix(err, "the previous Storage of room %s could not be saved (%s)", room,
		             why.message);
	}
}

/* Check that text is one JSON value; the message names where it breaks. */
static bool check_json(const char *text, size_t len, const char *what, struct lb_error *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	const char *stop = end ? end : text;

	if (j) {
		cJSON_Delete(j);
		while (stop < text + len && strchr(" \t\r\n", *stop))
			stop++;
		if (stop >= text + len)
			return true;
	}
	if (stop > text + len)
		stop = text + len;
	int line = 1, col = 1;
	for (const char *p = text; p < stop; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (!utf8_is_continuation((unsigned char)*p)) {
			col++;
		}
	}
	if (len == 0 || stop == text + len)
		lb_error_set(err, LB_USAGE,
		             "%s is not valid JSON: it ends too early (line %d, column %d)", what,
		             line, col);
	else if (j)
		lb_error_set(err, LB_USAGE,
		             "%s is not valid JSON: unexpected text after the value at "
		             "line %d, column %d",
		             what, line, col);
	else
		lb_error_set(err, LB_USAGE, "%s is not valid JSON: error at line %d, column %d",
		             what, line, col);
	return false;
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

/* The JSON Pointer of the parent ("" for a top-level key). Caller frees. */
static char *pointer_parent(const char *p)
{
	const char *slash = strrchr(p, '/');
	return strndup(p, slash ? (size_t)(slash - p) : 0);
}

/* The longest common ancestor of two pointers, whole tokens. Caller frees. */
static char *pointer_common(const char *a, const char *b)
{
	size_t i = 0, last = 0;

	/* A boundary only where both paths have one: "/a" is not a parent
	 * of "/ab". */
	while (a[i] && a[i] == b[i]) {
		i++;
		if ((a[i] == '/' || a[i] == '\0') && (b[i] == '/' || b[i] == '\0'))
			last = i;
	}
	return strndup(a, last);
}

/* True when the resource settled without a fresh answer (finished then). */
static bool load_failed(struct cmd_ctx *c, struct resource *r, const char *room)
{
	if (r->err.status == LB_OK && !r->gone && r->has_data)
		return false;
	struct lb_error err = r->err;
	if (err.status == LB_OK) {
		char *safe = ts_sanitize(room, (size_t)-1);
		lb_error_set(&err, LB_HTTP, "room %s not found", safe ? safe : "");
		free(safe);
	}
	cmd_finish(c, &err);
	return true;
}


/* Destructive: the TUI asks to type the room ID; batch mode needs --yes. */
static void confirm_typed(struct cmd_ctx *c, const char *what, const char *id, bool yes,
                          const char *refused, cmd_go_fn go, cmd_go_fn drop, void *state)
{
	char *safe = ts_sanitize(id, (size_t)-1);
	char prompt[768];
	char upper[256];

	snprintf(upper, sizeof(upper), "%s", what);
	upper[0] = (char)(upper[0] >= 'a' && upper[0] <= 'z' ? upper[0] - 'a' + 'A' : upper[0]);
	snprintf(prompt, sizeof(prompt), "%s? Type the room ID (%s) to confirm: ", upper,
	         safe ? safe : "");
	free(safe);
	cmd_confirm_typed(c, what, id, prompt, yes, refused, go, drop, state);
}

/* ---- values from the command line, a file or $EDITOR ---------------------- */

bool cmd_edit_external(const char *initial, char **out, struct lb_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	struct sigaction ign, old_int, old_quit;
	int status = 0;

	*out = NULL;
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	snprintf(path, sizeof(path), "%s/lbtui-edit-XXXXXX.json", tmpdir);
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		lb_error_set(err, LB_CONFIG, "cannot create a file for the editor in %s: %s",
		             tmpdir, strerror(errno));
		return false;
	}
	if (!fd_write_all(fd, initial, strlen(initial))) {
		lb_error_set(err, LB_CONFIG, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);

	const char *editor = getenv("VISUAL");
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	char *qpath = cmd_quote(path);
	struct buf line;
	buf_init(&line);
	if (!qpath || !buf_printf(&line, "%s %s", editor, qpath)) {
		free(qpath);
		buf_free(&line);
		unlink(path);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	free(qpath);

	/* As system(3): the editor gets ^C, lbtui waits. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execl("/bin/sh", "sh", "-c", line.data, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *safe = ts_sanitize(editor, (size_t)-1);
		if (pid < 0)
			lb_error_set(err, LB_CONFIG, "cannot start the editor: %s",
			             strerror(errno));
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			lb_error_set(err, LB_CONFIG, "cannot run the editor '%s' (set $EDITOR)",
			             safe ? safe : "");
		else
			lb_error_set(err, LB_CANCELLED, "the editor '%s' failed; nothing changed",
			             safe ? safe : "");
		free(safe);
		buf_free(&line);
		unlink(path);
		return false;
	}
	buf_free(&line);
	size_t len;
	bool ok = file_read(path, out, &len, err);
	unlink(path);
	return ok;
}

/* Where a JSON value comes from: the argument (JSON, @FILE, @-), or the
 * editor (--edit) starting from initial. *out is malloc'd. */
static bool value_text(struct cmd_ctx *c, const char *arg, bool edit, const char *initial,
                       const char *what, const char *room, char **out, struct lb_error *err)
{
	size_t len;

	*out = NULL;
	if (edit) {
		bool ok;
		if (c->host.edit_text)
			ok = c->host.edit_text(c->host.ud, initial, out, err);
		else {
			lb_error_set(err, LB_USAGE,
			             "--edit needs a terminal: give %s on the command "
			             "line or as @FILE",
			             what);
			return false;
		}
		if (!ok)
			return false;
		len = strlen(*out);
	} else if (arg[0] == '@') {
		if (!read_input(c, arg + 1, out, &len, err))
			return false;
	} else {
		*out = strdup(arg);
		if (!*out) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		len = strlen(*out);
	}
	const char *p = *out;
	while (*p && strchr(" \t\r\n", *p))
		p++;
	if (!*p) {
		free(*out);
		*out = NULL;
		lb_error_set(err, edit ? LB_CANCELLED : LB_USAGE, "%s is empty%s", what,
		             edit ? "; nothing changed" : "");
		return false;
	}
	if (!check_json(*out, len, what, err)) {
		/* The command line splits like a shell: {"x":1} loses its quotes. */
		if (!edit && arg[0] != '@') {
			size_t n = strlen(err->message);
			snprintf(err->message + n, sizeof(err->message) - n, "%s",
			         " (put JSON in single quotes: '{\"x\":1}', '\"text\"')");
		}
		if (edit)
			keep_edited(*out, room, err);
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}

/* ---- storage: view, print, export ------------------------------------------ */

/* The TUI without a view for it: refuse rather than print over the
 * screen. True when finished. */
static bool need_view(struct cmd_ctx *c)
{
	if (!c->host.interactive || c->host.show_view)
		return false;
	cmd_finish_usage(c, "%s", "this view is not available here; run it with lbtui -e");
	return true;
}

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
	if (load_failed(c, r, (const char *)ud))
		return true;
	cmd_print_json(c, r->body ? r->body : "", r->body ? r->body_len : 0);
	cmd_finish_ok(c);
	return true;
}

/* The TUI opens the view, with the Yjs options ydoc (NULL for none)
 * (true: finished). Batch mode refuses --watch with no_watch (true:
 * finished), or goes on to print (false). */
static bool open_view_with(struct cmd_ctx *c, enum cmd_view view, const char *room,
                           const struct ydoc_options *ydoc, bool watch, const char *no_watch)
{
	if (c->host.interactive && c->host.show_view) {
		c->host.show_view(c->host.ud, view, room, ydoc, watch);
		cmd_finish_ok(c);
		return true;
	}
	if (watch) {
		cmd_finish_usage(c, "%s", no_watch);
		return true;
	}
	return false;
}

/* open_view_with no Yjs options. */
static bool open_view(struct cmd_ctx *c, enum cmd_view view, const char *room, bool watch,
                      const char *no_watch)
{
	return open_view_with(c, view, room, NULL, watch, no_watch);
}

/* Wait for r (NULL: out of memory), then step with a copy of the room ID
 * as ud. */
static void wait_room(struct cmd_ctx *c, struct resource *r, const char *room, cmd_step_fn step)
{
	char *id = r ? strdup(room) : NULL;

	if (!id) {
		if (r)
			model_release(c->model, &r);
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait(c, r, true, step, id);
}

/* cmd_wait frees its ud: a holder lets a job point at state it does not
 * own. */
struct holder {
	void *state;
};

static void *held(void *ud)
{
	return ((struct holder *)ud)->state;
}

/* Wait for r (NULL: out of memory, then false) and call step with a
 * holder of state. */
static bool wait_holding(struct cmd_ctx *c, struct resource *r, cmd_step_fn step, void *state)
{
	struct holder *h = r ? malloc(sizeof(*h)) : NULL;

	if (!h) {
		if (r)
			model_release(c->model, &r);
		return false;
	}
	h->state = state;
	cmd_wait(c, r, true, step, h);
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
	/* The rest, however long its reader takes (the transfer is over). */
	int write_errno = out_stream_close(&j->out, !failed);
	if (j->nomem && !write_errno)
		write_errno = ENOMEM;
	if (write_errno == EPIPE)
		lb_error_clear(&err); /* the reader has all it wanted (| head) */
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
	const char *room = cmd_target_room(c, cmd, a);
	if (!room || need_view(c) ||
	    open_view(c, simplified ? CMD_VIEW_STORAGE_JSON : CMD_VIEW_STORAGE, room,
	              cmd_has_flag(a, "watch"),
	              "--watch needs the screen: run lbtui without -e and type "
	              "'storage ROOM --watch'"))
		return;
	/* To a file or a pipe the bytes go through as they arrive; a terminal
	 * gets the whole document made safe to show. */
	struct out_stream *out = c->host.stream ? c->host.stream(c->host.ud) : NULL;
	if (out) {
		struct print_job *j = calloc(1, sizeof(*j));
		if (!j) {
			out_stream_close(&out, false);
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
	wait_room(c, model_storage_body(c->model, room, simplified), room, storage_print_step);
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

	if (load_failed(c, r, x->room))
		goto out;
	if (!file_write(x->file, r->body ? r->body : "", r->body ? r->body_len : 0, x->force,
	                &err)) {
		cmd_finish(c, &err);
		goto out;
	}
	char size[32];
	format_size(r->body_len, size, sizeof(size));
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

	if (!format_simplified(a, &simplified, &err) || !file_check_writable(a->pos[1], force, &err)) {
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

enum edit_kind { EDIT_SET, EDIT_INSERT, EDIT_REMOVE, EDIT_MOVE };

struct edit {
	struct cmd_ctx *c;
	enum edit_kind kind;
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
		edited_saved_in(e->kept, &out);
	else if (e->edit)
		keep_edited(e->value, e->room, &out);
	edit_free(e);
	cmd_finish(c, &out);
}

static bool edit_loaded(struct cmd_ctx *c, struct resource *r, void *ud);

/* err with, first, where a value written in $EDITOR is kept. */
static struct lb_error edit_refusal(const struct edit *e, const struct lb_error *err)
{
	struct lb_error out = *err;

	if (e->kept)
		edited_saved_in(e->kept, &out);
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
	if (!wait_holding(c, model_storage(c->model, e->room, false), edit_loaded, e)) {
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
	keep_previous(c, res, e->room, NULL, &err);
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
		buf_printf(&b, "What you wrote is kept in %s until the change is applied.\n", e->kept);
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

/* The before/after text of the subtree at pointer p ("" when absent). */
static char *subtree_text(const struct lson_doc *d, const char *p)
{
	int i = lson_find(d, p);
	return i >= 0 ? lson_subtree_json(d, i, true, true) : strdup("");
}

/* Build the patch from the loaded document, apply it locally and diff. */
static void edit_prepare(struct edit *e, const struct lson_doc *doc)
{
	struct cmd_ctx *c = e->c;
	struct lb_error err;
	char *after = NULL, *anc = NULL, *before_text = NULL, *after_text = NULL;
	struct lson_doc *adoc = NULL;
	struct buf what;

	lb_error_clear(&err);
	buf_init(&what);
	/* Once written, a value stays what it is (previewed again after a
	 * refusal, it is not edited again). */
	if (e->edit && !e->lson) {
		int i = e->kind == EDIT_SET ? lson_find(doc, e->path) : -1;
		char *initial = i >= 0 ? lson_subtree_json(doc, i, false, true)
		                       : strdup(e->kind == EDIT_SET ? "null\n" : "{}\n");
		bool ok =
		    initial &&
		    value_text(c, NULL, true, initial, "the value", e->room, &e->value, &err);
		free(initial);
		if (!ok) {
			if (err.status == LB_OK)
				lb_error_set(&err, LB_NOMEM, "out of memory");
			goto fail;
		}
		/* Kept from now on, whatever becomes of the change (declined,
		 * refused, cancelled); removed once it is applied. */
		struct lb_error ignored;
		e->kept = kept_save("edit", e->room, e->value, strlen(e->value), &ignored);
		e->lson = lson_from_json(e->value, e->wrap, &err);
		if (!e->lson) {
			err.status = err.status == LB_NOMEM ? LB_NOMEM : LB_USAGE;
			goto fail;
		}
		e->rewrite = plain_container(e);
	}

	int i;
	switch (e->kind) {
	case EDIT_SET:
		i = lson_find(doc, e->path);
		if (i < 0) {
			char *parent = pointer_parent(e->path);
			int pi = parent ? lson_find(doc, parent) : -1;
			free(parent);
			if (pi < 0) {
				lb_error_set(
				    &err, LB_USAGE,
				    "cannot set %s: its parent does not exist in the Storage "
				    "of room %s (set the parent first)",
				    e->path, e->room);
				goto fail;
			}
		}
		if (!patch_add(&e->patch, i >= 0 ? PATCH_REPLACE : PATCH_ADD, e->path, NULL,
		               e->lson))
			goto nomem;
		buf_printf(&what, "%s %s", i >= 0 ? "replace" : "add", e->path);
		break;
	case EDIT_INSERT: {
		i = lson_find(doc, e->path);
		if (i < 0) {
			lb_error_set(&err, LB_USAGE, "there is no %s in the Storage of room %s",
			             e->path[0] ? e->path : "root", e->room);
			goto fail;
		}
		if (doc->nodes[i].type != LSON_LIVE_LIST) {
			lb_error_set(&err, LB_USAGE,
			             "%s is a %s, not a LiveList: use 'storage set' to add a key",
			             e->path[0] ? e->path : "the root",
			             lson_type_name(doc->nodes[i].type));
			goto fail;
		}
		if (strcmp(e->at, "-") && atol(e->at) > doc->nodes[i].n_children) {
			lb_error_set(&err, LB_USAGE,
			             "--at %s is past the end of %s (%d items): use 0 to %d, or - "
			             "for the end",
			             e->at, e->path, doc->nodes[i].n_children,
			             doc->nodes[i].n_children);
			goto fail;
		}
		struct buf full;
		buf_init(&full);
		if (!buf_printf(&full, "%s/%s", e->path, e->at) ||
		    !patch_add(&e->patch, PATCH_ADD, full.data, NULL, e->lson)) {
			buf_free(&full);
			goto nomem;
		}
		buf_free(&full);
		if (strcmp(e->at, "-"))
			buf_printf(&what, "insert into %s at %s", e->path, e->at);
		else
			buf_printf(&what, "append to %s", e->path);
		break;
	}
	case EDIT_REMOVE:
		if (lson_find(doc, e->path) < 0) {
			lb_error_set(&err, LB_USAGE, "there is no %s in the Storage of room %s",
			             e->path, e->room);
			goto fail;
		}
		if (!patch_add(&e->patch, PATCH_REMOVE, e->path, NULL, NULL))
			goto nomem;
		buf_printf(&what, "delete %s", e->path);
		break;
	case EDIT_MOVE:
		if (lson_find(doc, e->from) < 0) {
			lb_error_set(&err, LB_USAGE, "there is no %s in the Storage of room %s",
			             e->from, e->room);
			goto fail;
		}
		if (!patch_add(&e->patch, PATCH_MOVE, e->path, e->from, NULL))
			goto nomem;
		buf_printf(&what, "move %s to %s", e->from, e->path);
		break;
	}

	after = lson_patch_apply_opts(e->seen, e->seen_len, &e->patch,
	                              e->rewrite ? LSON_PATCH_LITERAL : 0, &err);
	if (!after) {
		if (err.status != LB_NOMEM)
			err.status = LB_USAGE;
		goto fail;
	}
	if (e->kind == EDIT_INSERT) {
		anc = strdup(e->path);
	} else if (e->kind == EDIT_MOVE) {
		char *pf = pointer_parent(e->from), *pt = pointer_parent(e->path);
		anc = pf && pt ? pointer_common(pf, pt) : NULL;
		free(pf);
		free(pt);
	} else {
		anc = pointer_parent(e->path);
	}
	if (!anc)
		goto nomem;
	adoc = lson_parse(after, strlen(after), true, &err);
	if (!adoc)
		goto fail;
	before_text = subtree_text(doc, anc);
	after_text = subtree_text(adoc, anc);
	if (!before_text || !after_text)
		goto nomem;
	if (!strcmp(before_text, after_text)) {
		cmd_sayf(c, "nothing to change: %s already holds that value in room %s", e->path,
		         e->room);
		struct lb_error okay;
		lb_error_clear(&okay);
		edit_fail(e, &okay);
		goto out;
	}
	e->diff = diff_unified(before_text, after_text, 3);
	if (!e->diff)
		goto nomem;
	struct buf t;
	buf_init(&t);
	if (!buf_printf(&t, "Storage of room %s: %s", e->room, what.data ? what.data : "") ||
	    !(e->title = buf_steal(&t))) {
		buf_free(&t);
		goto nomem;
	}
	/* The screen asks first, so it finds out how the change would go; batch
	 * mode says both ways and lets the change itself find out. A rewrite
	 * goes one way only. */
	if (!e->rewrite && model_storage_has_json_patch(c->model) < 0 && c->host.interactive)
		model_storage_probe(c->model, e->room, edit_probed, e);
	else
		edit_confirm(e);
	goto out;
nomem:
	lb_error_set(&err, LB_NOMEM, "out of memory");
fail:
	edit_fail(e, &err);
out:
	buf_free(&what);
	free(after);
	free(anc);
	free(before_text);
	free(after_text);
	lson_unref(&adoc);
}

static bool edit_loaded(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct edit *e = held(ud);
	struct lb_error err;

	if (load_failed(c, r, e->room)) {
		edit_free(e);
		return true;
	}
	e->seen = malloc(r->body_len + 1);
	if (!e->seen || !r->body) {
		lb_error_set(&err, r->body ? LB_NOMEM : LB_DECODE,
		             r->body ? "out of memory"
		                     : "the Storage of room %s came without a body",
		             e->room);
		edit_fail(e, &err);
		return true;
	}
	memcpy(e->seen, r->body, r->body_len);
	e->seen[r->body_len] = '\0';
	e->seen_len = r->body_len;
	struct lson_doc *doc =
	    r->doc ? lson_ref(r->doc) : lson_parse(e->seen, e->seen_len, true, &err);
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
                     enum edit_kind kind)
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
	e->path = strdup(kind == EDIT_MOVE ? a->pos[2] : a->pos[1]);
	if (!e->room || !e->path)
		goto nomem;
	if (kind == EDIT_MOVE) {
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
	} else if (!check_pointer(e->path, "PATH", kind == EDIT_INSERT, &err)) {
		goto fail;
	}
	if (kind == EDIT_SET || kind == EDIT_INSERT) {
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
			if (!value_text(c, a->pos[2], false, NULL, "VALUE", e->room, &e->value, &err))
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
	if (kind == EDIT_INSERT) {
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

	if (wait_holding(c, model_storage(c->model, e->room, false), edit_loaded, e))
		return;
nomem:
	lb_error_set(&err, LB_NOMEM, "out of memory");
fail:
	edit_fail(e, &err);
}

static void run_storage_set(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, EDIT_SET);
}

static void run_storage_insert(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, EDIT_INSERT);
}

static void run_storage_move(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	edit_run(c, cmd, a, EDIT_MOVE);
}

/* ---- storage delete ROOM / storage init ----------------------------------- */

/* A change to a whole room (Storage, Yjs, a rename), run after a
 * confirmation. */
struct room_op {
	struct cmd_ctx *c;
	char *room;
	char *arg;  /* init: the file name; rename: the new ID; ydoc: guid */
	char *data; /* init: the document; ydoc update: the update */
	size_t len;
	char *seen; /* init --replace: the document the room had when asked */
	size_t seen_len;
	bool replace;
	bool yes;
};

static void room_op_free(void *state)
{
	struct room_op *o = state;

	if (!o)
		return;
	free(o->room);
	free(o->arg);
	free(o->data);
	free(o->seen);
	free(o);
}

static struct room_op *room_op_new(struct cmd_ctx *c, const char *room, const char *arg)
{
	struct room_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->c = c;
	o->room = strdup(room);
	o->arg = arg ? strdup(arg) : NULL;
	if (!o->room || (arg && !o->arg)) {
		room_op_free(o);
		return NULL;
	}
	return o;
}

/* The room_op of a command about room (NULL after finishing: read-only,
 * or out of memory). */
static struct room_op *room_op_for(struct cmd_ctx *c, const struct command *cmd, const char *room,
                                   const char *arg)
{
	struct room_op *o;

	if (cmd_refuse_read_only(c, cmd))
		return NULL;
	o = room_op_new(c, room, arg);
	if (!o)
		cmd_finish_nomem(c);
	return o;
}

static void room_op_finish(struct room_op *o, const struct lb_error *err)
{
	struct cmd_ctx *c = o->c;
	room_op_free(o);
	cmd_finish(c, err);
}

static void storage_deleted(const struct storage_result *res, void *ud)
{
	struct room_op *o = ud;

	if (res->err.status == LB_OK)
		cmd_sayf(o->c, "deleted the Storage of room %s", o->room);
	room_op_finish(o, &res->err);
}

static void storage_delete_go(void *state)
{
	struct room_op *o = state;
	model_storage_delete(o->c->model, o->room, storage_deleted, o);
}

static void run_storage_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (a->npos == 2) {
		edit_run(c, cmd, a, EDIT_REMOVE);
		return;
	}
	struct room_op *o = room_op_for(c, cmd, a->pos[0], NULL);
	if (!o)
		return;
	confirm_typed(c, "delete the Storage of this room", a->pos[0], cmd_has_flag(a, "yes"),
	              "Storage not deleted", storage_delete_go, room_op_free, o);
}

static void storage_initialized(const struct storage_result *res, void *ud)
{
	struct room_op *o = ud;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		char size[32];
		format_size(o->len, size, sizeof(size));
		cmd_sayf(o->c, "%s the Storage of room %s from %s (%s)",
		         o->replace ? "replaced" : "initialized", o->room, o->arg, size);
	}
	keep_previous(o->c, res, o->room, NULL, &err);
	room_op_finish(o, &err);
}

static void storage_init_post(void *state)
{
	struct room_op *o = state;
	o->replace = false;
	model_storage_init(o->c->model, o->room, o->data, o->len, storage_initialized, o);
}

/* Keep a copy, delete, write; an uncertain or failed write is read back
 * and the old document put back where it is gone. Refused if the room's
 * Storage changed since it was read for the question. */
static void storage_replace_go(void *state)
{
	struct room_op *o = state;
	model_storage_replace(o->c->model, o->room, o->data, o->len, o->seen, o->seen_len,
	                      storage_initialized, o);
}

/* Into an empty Storage: what the file holds, and a question (in batch
 * mode, --yes), as for every Storage write. */
static void storage_init_confirm(struct cmd_ctx *c, struct room_op *o)
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
		room_op_free(o);
		cmd_finish_nomem(c);
		return;
	}
	cmd_confirm(c, t.data, b.data, "Initialize the Storage?", o->yes, storage_init_post,
	            room_op_free, o);
	buf_free(&b);
	buf_free(&t);
}

static bool storage_init_loaded(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct room_op *o = held(ud);

	if (load_failed(c, r, o->room)) {
		room_op_free(o);
		return true;
	}
	int keys = r->doc && r->doc->n ? r->doc->nodes[0].n_children : 0;
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
		room_op_finish(o, &err);
		return true;
	}
	free(safe);
	if (r->body && !(o->seen = malloc(r->body_len + 1))) {
		room_op_free(o);
		cmd_finish_nomem(c);
		return true;
	}
	if (r->body) {
		memcpy(o->seen, r->body, r->body_len);
		o->seen[r->body_len] = '\0';
		o->seen_len = r->body_len;
	}
	confirm_typed(c, "replace the Storage of this room", o->room, o->yes,
	              "Storage not replaced", storage_replace_go, room_op_free, o);
	return true;
}

static void run_storage_init(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;

	struct room_op *o = room_op_for(c, cmd, a->pos[0], a->pos[1]);
	if (!o)
		return;
	o->replace = cmd_has_flag(a, "replace");
	o->yes = cmd_has_flag(a, "yes");
	if (!read_input(c, a->pos[1], &o->data, &o->len, &err)) {
		room_op_finish(o, &err);
		return;
	}
	if (!lson_validate_document(o->data, o->len, &err)) {
		lb_error_prefix(&err, "%s is not a plain LSON Storage document", a->pos[1]);
		err.status = LB_USAGE;
		room_op_finish(o, &err);
		return;
	}
	if (!wait_holding(c, model_storage(c->model, o->room, false), storage_init_loaded, o)) {
		room_op_free(o);
		cmd_finish_nomem(c);
	}
}

/* ---- ydoc -------------------------------------------------------------------- */

static bool ydoc_type_ok(const char *t)
{
	static const char *const types[] = {"ymap", "ytext", "yxmltext", "yxmlfragment", "yarray"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

static bool ydoc_print_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (load_failed(c, r, (const char *)ud))
		return true;
	if (c->host.interactive) {
		/* The TUI shows several lines in a pager of their own. */
		char *pretty = r->doc ? lson_subtree_json(r->doc, 0, false, true) : NULL;
		char *safe = cmd_safe_lines(pretty ? pretty : (r->body ? r->body : ""));
		cmd_say(c, safe ? safe : "");
		free(safe);
		free(pretty);
	} else {
		cmd_print_json(c, r->body ? r->body : "", r->body ? r->body_len : 0);
	}
	cmd_finish_ok(c);
	return true;
}

static void run_ydoc(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct ydoc_options o;

	memset(&o, 0, sizeof(o));
	o.formatting = cmd_has_flag(a, "formatting");
	o.key = cmd_opt_value(a, "key");
	o.type = cmd_opt_value(a, "type");
	if (o.type && !ydoc_type_ok(o.type)) {
		cmd_finish_usage(
		    c, "--type is ymap, ytext, yxmltext, yxmlfragment or yarray, not '%s'", o.type);
		return;
	}
	if (o.type && !o.key) {
		cmd_finish_usage(c, "%s", "--type goes with --key KEY (the type of that key)");
		return;
	}
	const char *room = cmd_target_room(c, cmd, a);
	if (!room)
		return;
	/* The TUI opens the tree with the options, watch mode included. */
	if (open_view_with(c, CMD_VIEW_YDOC, room, &o, cmd_has_flag(a, "watch"),
	                   "--watch needs the screen: run lbtui without -e"))
		return;
	wait_room(c, model_ydoc(c->model, room, &o), room, ydoc_print_step);
}

/* A download to a file: ydoc export, versions export. */
struct download {
	struct cmd_ctx *c;
	char *file;
	char *what;
	bool force;
};

static void download_free(struct download *d)
{
	free(d->file);
	free(d->what);
	free(d);
}

static struct download *download_new(struct cmd_ctx *c, const char *file, bool force,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct download *download_new(struct cmd_ctx *c, const char *file, bool force,
                                     const char *fmt, ...)
{
	struct download *d = calloc(1, sizeof(*d));
	char what[1024];
	va_list ap;

	if (!d)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->c = c;
	d->force = force;
	d->file = strdup(file);
	d->what = strdup(what);
	if (!d->file || !d->what) {
		download_free(d);
		return NULL;
	}
	return d;
}

static void download_done(const struct storage_result *res, void *ud)
{
	struct download *d = ud;
	struct cmd_ctx *c = d->c;
	struct lb_error err = res->err;

	if (err.status == LB_OK && file_write(d->file, res->body ? res->body : "",
	                                      res->body ? res->body_len : 0, d->force, &err)) {
		char size[32];
		format_size(res->body_len, size, sizeof(size));
		cmd_sayf(c, "exported %s to %s (%s)", d->what, d->file, size);
	}
	download_free(d);
	cmd_finish(c, &err);
}

static void run_ydoc_export(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	bool force = cmd_has_flag(a, "force");

	if (!file_check_writable(a->pos[1], force, &err)) {
		cmd_finish(c, &err);
		return;
	}
	const char *guid = cmd_opt_value(a, "guid");
	struct download *d =
	    guid ? download_new(c, a->pos[1], force,
	                        "subdocument %s of the Yjs document of room %s", guid, a->pos[0])
	         : download_new(c, a->pos[1], force, "the Yjs document of room %s", a->pos[0]);
	if (!d) {
		cmd_finish_nomem(c);
		return;
	}
	model_ydoc_binary(c->model, a->pos[0], guid, download_done, d);
}

static void ydoc_updated(const struct storage_result *res, void *ud)
{
	struct room_op *o = ud;

	if (res->err.status == LB_OK) {
		char size[32];
		format_size(o->len, size, sizeof(size));
		cmd_sayf(o->c, "sent a Yjs update of %s to room %s", size, o->room);
	}
	room_op_finish(o, &res->err);
}

static void ydoc_update_go(void *state)
{
	struct room_op *o = state;
	model_ydoc_update(o->c->model, o->room, o->arg, o->data, o->len, ydoc_updated, o);
}

static void run_ydoc_update(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;

	const char *guid = cmd_opt_value(a, "guid");
	struct room_op *o = room_op_for(c, cmd, a->pos[0], guid);
	if (!o)
		return;
	if (!read_input(c, a->pos[1], &o->data, &o->len, &err)) {
		room_op_finish(o, &err);
		return;
	}
	if (o->len == 0) {
		lb_error_set(&err, LB_USAGE, "%s is empty: a Yjs update has at least two bytes",
		             a->pos[1]);
		room_op_finish(o, &err);
		return;
	}
	char size[32], title[512], preview[1536];
	format_size(o->len, size, sizeof(size));
	snprintf(title, sizeof(title), "Yjs update for room %s", o->room);
	snprintf(preview, sizeof(preview),
	         "%s\nSend %s from %s as a Yjs update to room %s%s%s.\n"
	         "Yjs merges the update into the document; it cannot be taken back.\n",
	         title, size, a->pos[1], o->room, guid ? ", subdocument " : "", guid ? guid : "");
	cmd_confirm(c, title, preview, "Send this update?", cmd_has_flag(a, "yes"), ydoc_update_go,
	            room_op_free, o);
}

/* ---- versions, users ------------------------------------------------------ */

/* Write item i of a list as a JSON object. */
typedef void (*json_item_fn)(struct json_writer *w, const struct resource *r, size_t i);

/* Print {"data":[n items]}, with "nextCursor" for a paged list, compactly;
 * false when out of memory. */
static bool print_data_json(struct cmd_ctx *c, const struct resource *r, size_t n,
                            json_item_fn item, bool paged)
{
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	json_key(&w, "data");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		item(&w, r, i);
	json_end_array(&w);
	if (paged) {
		json_key(&w, "nextCursor");
		json_string_or_null(&w, r->next_cursor);
	}
	json_end_object(&w);
	if (w.ok)
		cmd_print_json(c, b.data, b.len);
	buf_free(&b);
	return w.ok;
}

static void version_json(struct json_writer *w, const struct resource *r, size_t i)
{
	const struct version *v = &r->versions[i];

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
	for (size_t i = 0; i < r->n_versions; i++)
		output_id_width(&idw, r->versions[i].id ? r->versions[i].id : "");
	ok = output_row(&b, "ID", idw, "CREATED", 16, "AUTHORS");
	for (size_t i = 0; ok && i < r->n_versions; i++) {
		const struct version *v = &r->versions[i];
		char when[32], authors[1024];
		output_time(v->created_s, when, sizeof(when));
		strv_join(&v->authors, ", ", authors, sizeof(authors));
		ok = output_row(&b, v->id ? v->id : "", idw, when, 16, v->authors.n ? authors : "-");
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

	if (r->err.status != LB_OK && (!r->has_data || (j->all && !r->complete))) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (load_failed(c, r, j->room))
		return true;
	if (j->all && !r->complete) {
		model_more(c->model, r);
		return false;
	}
	if (c->host.json) {
		if (!print_data_json(c, r, r->n_versions, version_json, true)) {
			cmd_finish_nomem(c);
			return true;
		}
	} else {
		if (!print_versions_table(c, r)) {
			cmd_finish_nomem(c);
			return true;
		}
		if (r->n_versions == 0)
			cmd_note(c, "(no versions)");
		if (!r->complete)
			cmd_note(c, "(more versions: add --all to load every page)");
	}
	cmd_finish_ok(c);
	return true;
}

static void run_versions(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *room = cmd_target_room(c, cmd, a);
	if (!room || need_view(c) || open_view(c, CMD_VIEW_VERSIONS, room, false, ""))
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
	struct download *d =
	    download_new(c, a->pos[2], force, "version %s of room %s", a->pos[1], a->pos[0]);
	if (!d) {
		cmd_finish_nomem(c);
		return;
	}
	model_version_binary(c->model, a->pos[0], a->pos[1], download_done, d);
}

static void version_created(const struct storage_result *res, void *ud)
{
	struct room_op *o = ud;
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
	room_op_finish(o, &err);
}

static void run_versions_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_op *o = room_op_for(c, cmd, a->pos[0], NULL);
	if (!o)
		return;
	model_version_create(c->model, o->room, version_created, o);
}

static void user_json(struct json_writer *w, const struct resource *r, size_t i)
{
	const struct active_user *u = &r->users[i];

	json_begin_object(w);
	json_key(w, "type");
	json_string(w, "user");
	json_key(w, "id");
	json_string_or_null(w, u->id);
	json_key(w, "connectionId");
	json_int(w, u->connection_id);
	/* As the API sent it (compact JSON, from the decoder). */
	json_key(w, "info");
	json_raw(w, u->info_json ? u->info_json : "{}");
	json_end_object(w);
}

/* ID, CONNECTION, INFO; false when out of memory. */
static bool print_users_table(struct cmd_ctx *c, const struct resource *r)
{
	struct buf b;
	int idw = 2;
	bool ok;

	buf_init(&b);
	for (size_t i = 0; i < r->n_users; i++)
		output_id_width(&idw, r->users[i].id ? r->users[i].id : "(anonymous)");
	ok = output_row(&b, "ID", idw, "CONNECTION", 10, "INFO");
	for (size_t i = 0; ok && i < r->n_users; i++) {
		const struct active_user *u = &r->users[i];
		char conn[32];
		snprintf(conn, sizeof(conn), "%d", u->connection_id);
		ok = output_row(&b, u->id ? u->id : "(anonymous)", idw, conn, 10,
		                u->info_json ? u->info_json : "{}");
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	return ok;
}

static bool users_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	if (load_failed(c, r, (const char *)ud))
		return true;
	if (c->host.json) {
		if (!print_data_json(c, r, r->n_users, user_json, false)) {
			cmd_finish_nomem(c);
			return true;
		}
	} else {
		if (!print_users_table(c, r)) {
			cmd_finish_nomem(c);
			return true;
		}
		if (r->n_users == 0)
			cmd_note(c, "(nobody is connected)");
	}
	cmd_finish_ok(c);
	return true;
}

static void run_users(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *room = cmd_target_room(c, cmd, a);
	if (!room || need_view(c) ||
	    open_view(c, CMD_VIEW_ACTIVE_USERS, room, cmd_has_flag(a, "watch"),
	              "--watch needs the screen: run lbtui without -e"))
		return;
	wait_room(c, model_active_users(c->model, room), room, users_step);
}

/* ---- room upsert / rename / prewarm / broadcast ----------------------------- */

/* Done with a room mutation (upsert, rename). */
struct room_done {
	struct cmd_ctx *c;
	char *verb;
	char *id;
	bool show;
};

static void room_done_cb(const struct lb_error *err, const struct room *room, void *ud)
{
	struct room_done *d = ud;
	struct cmd_ctx *c = d->c;

	if (err->status == LB_OK) {
		if (c->host.json && room && room->raw_json)
			cmd_print_json(c, room->raw_json, strlen(room->raw_json));
		else
			cmd_sayf(c, "%s%s", d->verb, room ? room->id : d->id);
		if (d->show && c->host.interactive && c->host.show_room)
			c->host.show_room(c->host.ud, room ? room->id : d->id);
	}
	free(d->verb);
	free(d->id);
	free(d);
	cmd_finish(c, err);
}

static struct room_done *room_done_new(struct cmd_ctx *c, const char *verb, const char *id,
                                       bool show)
{
	struct room_done *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->c = c;
	d->show = show;
	d->verb = strdup(verb);
	d->id = strdup(id);
	if (!d->verb || !d->id) {
		free(d->verb);
		free(d->id);
		free(d);
		return NULL;
	}
	return d;
}

static void run_room_upsert(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_update u;
	struct room_create rc;
	struct lb_error err;
	bool create = false;

	if (cmd_refuse_read_only(c, cmd))
		return;
	memset(&u, 0, sizeof(u));
	memset(&rc, 0, sizeof(rc));
	if (!cmd_room_opts(a, &u, &rc, &create, &err))
		goto fail;
	if (cmd_room_update_empty(&u)) {
		lb_error_set(&err, LB_USAGE,
		             "nothing to update: give --set, --unset, --grant-user, --revoke-user, "
		             "--grant-group, --revoke-group, --public, --private or --access "
		             "(--create-... options only apply when the room is created)");
		goto fail;
	}
	/* The API wants defaultAccesses in a create. */
	if (create && !cmd_default_public(&rc, &err))
		goto fail;
	struct room_done *d = room_done_new(c, "upserted room ", a->pos[0], false);
	if (!d) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_upsert(c->model, a->pos[0], &u, create ? &rc : NULL, room_done_cb, d);
	room_update_clear(&u);
	room_create_clear(&rc);
	return;
fail:
	room_update_clear(&u);
	room_create_clear(&rc);
	cmd_finish(c, &err);
}

static void rename_go(void *state)
{
	struct room_op *o = state;
	struct cmd_ctx *c = o->c;
	struct buf verb;

	buf_init(&verb);
	buf_printf(&verb, "renamed room %s to ", o->room);
	struct room_done *d = verb.data ? room_done_new(c, verb.data, o->arg, true) : NULL;
	buf_free(&verb);
	if (!d) {
		room_op_free(o);
		cmd_finish_nomem(c);
		return;
	}
	model_room_rename(c->model, o->room, o->arg, room_done_cb, d);
	room_op_free(o);
}

static void run_room_rename(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!strcmp(a->pos[0], a->pos[1])) {
		cmd_finish_usage(c, "%s", "NEW_ID is the room's ID already");
		return;
	}
	struct room_op *o = room_op_for(c, cmd, a->pos[0], a->pos[1]);
	if (!o)
		return;
	confirm_typed(c, "rename this room", a->pos[0], cmd_has_flag(a, "yes"), "not renamed",
	              rename_go, room_op_free, o);
}

static void room_simple_done(const struct storage_result *res, void *ud)
{
	struct room_op *o = ud;

	struct lb_error err = res->err;

	if (err.status == LB_OK)
		cmd_sayf(o->c, "%s%s", o->arg, o->room);
	else if (o->data)
		keep_edited(o->data, o->room, &err);
	room_op_finish(o, &err);
}

static void run_room_prewarm(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *id = cmd_target_room(c, cmd, a);
	if (!id)
		return;
	struct room_op *o = room_op_for(c, cmd, id, "prewarmed room ");
	if (!o)
		return;
	model_room_prewarm(c->model, o->room, room_simple_done, o);
}

static void run_room_broadcast(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	char *json = NULL;
	bool edit = cmd_has_flag(a, "edit");

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (edit && a->npos == 2) {
		cmd_finish_usage(c, "%s", "give JSON or --edit, not both");
		return;
	}
	if (!edit && a->npos < 2) {
		cmd_finish_usage(c, "%s",
		                 "'room broadcast' needs the event: JSON such as "
		                 "'{\"type\":\"EMOJI\"}', @FILE, or --edit");
		return;
	}
	if (!value_text(c, edit ? NULL : a->pos[1], edit, "{\n  \"type\": \"\"\n}\n", "the event",
	                a->pos[0], &json, &err)) {
		cmd_finish(c, &err);
		return;
	}
	char size[32], verb[96];
	format_size(strlen(json), size, sizeof(size));
	snprintf(verb, sizeof(verb), "broadcast an event (%s) to room ", size);
	struct room_op *o = room_op_new(c, a->pos[0], verb);
	if (!o) {
		free(json);
		cmd_finish_nomem(c);
		return;
	}
	if (edit)
		o->data = json; /* kept if the server refuses it */
	model_room_broadcast(c->model, o->room, json, room_simple_done, o);
	if (!edit)
		free(json);
}

/* ---- room copy ------------------------------------------------------------------ */

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
		keep_previous(k->c, res, k->to, k->profile, &err);
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
	struct copy *k = held(ud);
	struct lb_error err;

	if (k->src_storage->busy || k->dst_room->busy)
		return false;
	if (load_failed(c, r, k->from)) {
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
	if (!room_copy(&k->room, &r->room)) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		copy_fail(k, &err);
		return true;
	}
	struct lson_doc *doc = s->doc ? lson_ref(s->doc) : NULL;
	if (!doc && s->body)
		doc = lson_parse(s->body, s->body_len, true, &err);
	if (!doc) {
		if (!s->body)
			lb_error_set(&err, LB_DECODE, "the Storage of room %s came without a body",
			             k->from);
		copy_fail(k, &err);
		return true;
	}
	if (doc->n > 1 && doc->nodes[0].n_children > 0) {
		k->storage_nodes = doc->n - 1;
		k->storage = malloc(s->body_len + 1);
		if (k->storage) {
			memcpy(k->storage, s->body, s->body_len);
			k->storage[s->body_len] = '\0';
			k->storage_len = s->body_len;
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
	if (!wait_holding(c, r, copy_loaded, k)) {
		copy_free(k);
		cmd_finish_nomem(c);
	}
}
