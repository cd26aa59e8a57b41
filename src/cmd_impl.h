/* What the command families (cmd_room.c, ...) share with the core in
 * cmd.c: the command table types, option access, finishing a command, and
 * waiting on the model. Not for use outside src/cmd*.c. */
#ifndef LB_CMD_IMPL_H
#define LB_CMD_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "room.h"

/* Options a command accepts: a flag, or an option taking a value. */
enum opt_kind { OPT_FLAG, OPT_VALUE };

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
	/* The first positional argument is a room ID (completed from the cache). */
	bool room_arg;
};

/* The command families; each table ends with a NULL name. */
extern const struct command cmd_room_commands[];
extern const struct command cmd_storage_commands[]; /* storage, ydoc, versions, room admin */

extern const struct opt_spec cmd_no_opts[];

/* Finish the command being run: call host.done exactly once. */
void cmd_finish(struct cmd_ctx *c, const struct lb_error *err);
void cmd_finish_ok(struct cmd_ctx *c);
/* Finish with LB_USAGE and a message (fmt has one %s for arg). */
void cmd_finish_usage(struct cmd_ctx *c, const char *fmt, const char *arg);
void cmd_finish_nomem(struct cmd_ctx *c);
/* Text for the user (host.print). */
void cmd_say(struct cmd_ctx *c, const char *text);

bool cmd_has_flag(const struct args *a, const char *name);
/* The last value given for an option, or NULL. */
const char *cmd_opt_value(const struct args *a, const char *name);
/* Split "a,b,c" into list (empty items skipped); false on OOM. */
bool cmd_split_list(const char *s, struct strv *list);
/* "KEY=VALUE" into key (malloc'd) and value (points into s). */
bool cmd_split_kv(const char *s, const char *opt, char **key, const char **value,
		  struct lb_error *err);

/* Finish with LB_READONLY and return true when cmd is a mutation and the
 * context is read-only. Call before building anything. */
bool cmd_refuse_read_only(struct cmd_ctx *c, const struct command *cmd);

/* The room a command is about: the argument, or the room the user is on;
 * NULL after finishing with a usage error. */
const char *cmd_target_room(struct cmd_ctx *c, const struct command *cmd, struct args *a);

/* Wait until a resource settles, then call step; step returns true when
 * the command is finished (it must have called cmd_finish*), false to keep
 * waiting (e.g. after asking for the next page). The job holds the
 * reference (released when done) and frees ud with free(). refresh: load
 * the server's current answer first. */
typedef bool (*cmd_step_fn)(struct cmd_ctx *c, struct resource *r, void *ud);
void cmd_wait(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step, void *ud);

/* JSON text made safe for a terminal without breaking it: C0 controls but
 * newline and tab, DEL, C1 controls and bidirectional overrides become
 * \uXXXX escapes, invalid UTF-8 becomes \ufffd. Returns a malloc'd copy
 * and its length in *out_len, or NULL when nothing needs escaping (or out
 * of memory: *out_len is then (size_t)-1). Batch mode prints documents
 * through it when stdout is a terminal (cmd_storage.c). */
char *cmd_json_term_safe(const char *s, size_t len, size_t *out_len);

#endif
