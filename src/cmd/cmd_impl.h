/* What the command families (src/res/rooms.c, ...) share with the core in
 * cmd.c: the command table types, option access, finishing a command, and
 * waiting on the model. Not for use outside src/cmd*.c. */
#ifndef LB_CMD_IMPL_H
#define LB_CMD_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "output.h"
#include "room.h"

/* Options a command accepts: a flag, or an option taking a value. An
 * OPT_RAW value is the word as typed, quotes kept, unless the whole word is
 * one quoted string: a query keeps the quotes its language needs
 * (--query roomId^"acme-"), and one with spaces can be given in quotes. */
enum opt_kind { OPT_FLAG, OPT_VALUE, OPT_RAW };

struct opt_spec {
	const char *name; /* without the leading "--" */
	enum opt_kind kind;
	const char *arg;  /* value name for help */
	const char *doc;
};

struct parsed_opt {
	const struct opt_spec *spec;
	const char *value; /* NULL for flags */
};

struct args {
	int npos;
	const char *pos[8];
	int nopt;
	struct parsed_opt opt[64];
};

struct command;
typedef void (*cmd_fn)(struct cmd_ctx *c, const struct command *cmd, struct args *a);

struct command {
	const char *name;   /* "rooms", "room show"; NULL ends a table */
	const char *args;   /* synopsis of the positional arguments */
	int min_pos, max_pos;
	bool mutation;
	cmd_fn run;
	const char *doc;
	const struct opt_spec *opts;
	/* The part of the scope whose existing ID the first positional
	 * argument is (completed from the cache; cmd_target's default),
	 * SCOPE_NONE when it is none (no ID, or a new one). */
	enum scope_part scope_arg;
};

extern const struct opt_spec cmd_no_opts[];
/* --yes alone. */
extern const struct opt_spec cmd_yes_opts[];

/* Finish the command being run: call host.done exactly once. */
void cmd_finish(struct cmd_ctx *c, const struct lb_error *err);
void cmd_finish_ok(struct cmd_ctx *c);
/* Finish with LB_USAGE and a message (fmt has one %s for arg). */
void cmd_finish_usage(struct cmd_ctx *c, const char *fmt, const char *arg);
void cmd_finish_nomem(struct cmd_ctx *c);
/* Finish with a status and a formatted message. */
void cmd_finish_with(struct cmd_ctx *c, enum lb_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text for the user (host.print). */
void cmd_say(struct cmd_ctx *c, const char *text);
/* A remark beside the result (host.note, else host.print). */
void cmd_note(struct cmd_ctx *c, const char *text);
/* The remarks after a list of n items: none (e.g. "(no groups)") when it
 * is empty, and, when more pages were not read, that --all reads them
 * ("(more groups: add --all to load every page)"; noun names them). */
void cmd_note_list_end(struct cmd_ctx *c, size_t n, bool more, const char *none,
                       const char *noun);
/* JSON for the user (host.print_json; without it, host.print made
 * terminal-safe). */
void cmd_print_json(struct cmd_ctx *c, const char *json, size_t len);
/* Formatted text for the user, made terminal-safe (it may quote server
 * data). */
void cmd_sayf(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cmd_note of formatted text, made terminal-safe. */
void cmd_notef(struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A terminal-safe copy of a multi-line text: each line sanitized, tabs as
 * two spaces. Caller frees. */
char *cmd_safe_lines(const char *text);

/* What to do once the user said yes (go), or to free the state after a
 * refusal (drop). */
typedef void (*cmd_go_fn)(void *state);
/* Show a preview and go on when the user agrees: the TUI asks with
 * host.confirm; batch mode prints the preview and goes on only with yes
 * (--yes). Exactly one of go and drop is called. */
void cmd_confirm(struct cmd_ctx *c, const char *title, const char *preview, const char *question,
                 bool yes, cmd_go_fn go, cmd_go_fn drop, void *state);
/* cmd_confirm where a "no" on the screen finishes the command with
 * refused (copied; NULL: LB_CANCELLED "not applied"). */
void cmd_confirm_else(struct cmd_ctx *c, const char *title, const char *preview,
                      const char *question, bool yes, const struct lb_error *refused, cmd_go_fn go,
                      cmd_go_fn drop, void *state);
/* Destructive: the TUI asks (prompt) to type id; batch mode needs yes.
 * what ("delete the room") completes "refusing to ... without
 * confirmation"; refused is the message when the answer does not match.
 * Exactly one of go and drop is called. */
void cmd_confirm_typed(struct cmd_ctx *c, const char *what, const char *id, const char *prompt,
                       bool yes, const char *refused, cmd_go_fn go, cmd_go_fn drop, void *state);

bool cmd_has_flag(const struct args *a, const char *name);
/* The last value given for an option, or NULL. */
const char *cmd_opt_value(const struct args *a, const char *name);
/* Split "a,b,c" into list (empty items skipped); false on OOM. */
bool cmd_split_list(const char *s, struct strv *list);
/* "KEY=VALUE" into key (malloc'd) and value (points into s). */
bool cmd_split_kv(const char *s, const char *opt, char **key, const char **value,
		  struct lb_error *err);

/* ---- room options (cmd_args.c): room create, update, upsert ---------- */

/* The options of `room update`, which `room upsert` accepts too. */
/* clang-format off */
#define CMD_ROOM_UPDATE_OPTS                                                                   \
	{"set", OPT_VALUE, "KEY=VALUE", "set a metadata string (repeatable)"},                 \
	{"set-list", OPT_VALUE, "KEY=A,B", "set a metadata string list (repeatable)"},         \
	{"unset", OPT_VALUE, "KEY", "remove a metadata key (repeatable)"},                     \
	{"grant-user", OPT_VALUE, "USER=PERMS", "set a user's accesses (repeatable)"},         \
	{"revoke-user", OPT_VALUE, "USER", "remove a user's accesses (repeatable)"},           \
	{"grant-group", OPT_VALUE, "GROUP=PERMS", "set a group's accesses (repeatable)"},      \
	{"revoke-group", OPT_VALUE, "GROUP", "remove a group's accesses (repeatable)"},        \
	{"public", OPT_FLAG, NULL, "default access room:write"},                               \
	{"private", OPT_FLAG, NULL, "no default access"},                                      \
	{"access", OPT_VALUE, "PERMS", "default accesses, comma-separated"}
/* clang-format on */

/* KEY=VALUE (or KEY=A,B as a list) added to a map; opt names the option
 * in messages; perms: the values are permissions (checked). */
bool cmd_kvv_put(struct kvv *m, const char *spec, const char *opt, bool as_list, bool perms,
                 struct lb_error *err);
/* Read the options of `room create` (u NULL), `room update` (rc NULL) or
 * `room upsert` (both: the create options start with "create-"): default
 * accesses, metadata, user and group accesses, organization. err is
 * cleared first. *create_given (may be NULL): a create option was given. */
bool cmd_room_opts(const struct args *a, struct room_update *u, struct room_create *rc,
                   bool *create_given, struct lb_error *err);
/* True when an update would change nothing. */
bool cmd_room_update_empty(const struct room_update *u);
/* Without default accesses a room is created public (room:write), as the
 * dashboard and the SDK examples create rooms. */
bool cmd_default_public(struct room_create *rc, struct lb_error *err);

/* Finish with LB_READONLY and return true when cmd is a mutation and the
 * context is read-only. Call before building anything. */
bool cmd_refuse_read_only(struct cmd_ctx *c, const struct command *cmd);

/* The ID of part (SCOPE_ROOM ...) a command is about: its first argument
 * when the command names that part as its first argument (scope_arg) and
 * it was given, else what the host's scope holds (the room the user is
 * on); NULL after finishing with a usage error ("which room? ..."). */
const char *cmd_target(struct cmd_ctx *c, const struct command *cmd, const struct args *a,
                       enum scope_part part);

/* Wait until a resource settles, then call step; step returns true when
 * the command is finished (it must have called cmd_finish*), false to keep
 * waiting (e.g. after asking for the next page). The job holds the
 * reference (released when done) and frees ud with free(). refresh: load
 * the server's current answer first. */
typedef bool (*cmd_step_fn)(struct cmd_ctx *c, struct resource *r, void *ud);
void cmd_wait(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step, void *ud);
/* cmd_wait that also calls progress at each cmd_step while r is busy (to
 * say how a long load goes: host.progress). */
typedef void (*cmd_progress_fn)(struct cmd_ctx *c, struct resource *r, void *ud);
/* cmd_wait without a refresh where ud is freed by ud_free (when step
 * finishes, or when the commands are dropped at exit); r may be NULL
 * (step is then called on every cmd_step with r NULL). */
void cmd_wait_free(struct cmd_ctx *c, struct resource *r, cmd_step_fn step, void *ud,
                   void (*ud_free)(void *ud));
void cmd_wait_progress(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step,
                       cmd_progress_fn progress, void *ud);

/* ---- what the families share (cmd_common.c) ----------------------------- */

struct storage_result; /* model_storage.h */

/* True when the resource of room settled without a fresh answer (the
 * command is finished then, with the error, or "room ... not found"). */
bool cmd_load_failed(struct cmd_ctx *c, struct resource *r, const char *room);
/* Destructive, about a room: the TUI asks to type the room ID; batch mode
 * needs yes. what ("delete the Storage of this room") names the change. */
void cmd_confirm_room_id(struct cmd_ctx *c, const char *what, const char *id, bool yes,
                         const char *refused, cmd_go_fn go, cmd_go_fn drop, void *state);
/* The TUI without a view for it: refuse rather than print over the
 * screen. True when finished. */
bool cmd_need_view(struct cmd_ctx *c);
/* The TUI opens the view of that name (cmd_host.show_view) about where,
 * with its options (NULL for none) (true: finished). Batch mode refuses
 * --watch with no_watch (true: finished), or goes on to print (false). */
bool cmd_open_view(struct cmd_ctx *c, const char *view, const struct scope *where,
                   const void *opts, bool watch, const char *no_watch);
/* Wait for r (NULL: out of memory), then step with a copy of the room ID
 * as ud. */
void cmd_wait_room(struct cmd_ctx *c, struct resource *r, const char *room, cmd_step_fn step);
/* Wait for r (NULL: out of memory, then false) and call step with a
 * holder of state, which the job does not free: cmd_held(ud) gives it. */
bool cmd_wait_holding(struct cmd_ctx *c, struct resource *r, cmd_step_fn step, void *state);
void *cmd_held(void *ud);
/* A list as JSON (output_list_json) to host.print_json; false when out
 * of memory. */
bool cmd_print_list_json(struct cmd_ctx *c, const void *list, size_t n, output_item_fn item,
                         bool paged, const char *next_cursor);

/* A change to a whole room (Storage, Yjs, a rename, a broadcast), run
 * after a confirmation. */
struct cmd_room_op {
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
void cmd_room_op_free(void *state);
/* NULL when out of memory. */
struct cmd_room_op *cmd_room_op_new(struct cmd_ctx *c, const char *room, const char *arg);
/* The room_op of a command about room (NULL after finishing: read-only,
 * or out of memory). */
struct cmd_room_op *cmd_room_op_for(struct cmd_ctx *c, const struct command *cmd, const char *room,
                                    const char *arg);
/* Free o and finish the command with err. */
void cmd_room_op_finish(struct cmd_room_op *o, const struct lb_error *err);

/* ---- files (cmd_files.c) --------------------------------------------------- */

/* A file named on the command line (file_read); "-" (stdin) only in batch
 * mode, as the TUI owns the terminal. */
bool cmd_read_input(struct cmd_ctx *c, const char *path, char **data, size_t *len,
                    struct lb_error *err);
/* A download to a file (ydoc export, versions export): said as "exported
 * WHAT to FILE (SIZE)" when written. */
struct cmd_download;
struct cmd_download *cmd_download_new(struct cmd_ctx *c, const char *file, bool force,
                                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The model's answer: write the body, finish the command, free d (ud). */
void cmd_download_done(const struct storage_result *res, void *ud);

/* ---- values and $EDITOR (cmd_edit.c) ------------------------------------- */

/* Where a JSON value comes from: the argument (JSON, @FILE, @-), or the
 * editor (edit) starting from initial. *out is malloc'd; false with err
 * when it is not one JSON value (what names it in messages; what was
 * written in the editor is kept, for room). */
bool cmd_value_text(struct cmd_ctx *c, const char *arg, bool edit, const char *initial,
                    const char *what, const char *room, char **out, struct lb_error *err);
/* What was written in $EDITOR did not make it to the server: keep it in a
 * file and say first in err where, and how to give it again. */
void cmd_keep_edited(const char *text, const char *room, struct lb_error *err);
/* Say first in err that what was written in $EDITOR is in the file at
 * path, and how to give it again. */
void cmd_edited_saved_in(const char *path, struct lb_error *err);

/* ---- Storage (src/res/storage.c) --------------------------------------------- */

/* After a change that failed with the room's previous document handed
 * back: say first in err which file keeps it, with the command that puts
 * it back (profile: its profile, NULL for this one). */
void cmd_keep_previous(const struct cmd_ctx *c, const struct storage_result *res, const char *room,
                       const char *profile, struct lb_error *err);

#endif
