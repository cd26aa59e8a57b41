/* The command language: `rooms --query ...`, `room create ID --public`.
 * One implementation serves the TUI's command line and batch mode (-e); the
 * difference lives in the host callbacks. */
#ifndef LB_CMD_H
#define LB_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"

struct cmd_host {
	void *ud;
	bool interactive;  /* the TUI: confirmations are asked, lists open views */
	bool json;         /* batch --json: print the API's JSON */
	/* Text for the user: batch prints it to stdout, the TUI shows it. */
	void (*print)(void *ud, const char *text);
	/* The TUI opens the view; batch mode never gets these (cmd prints). */
	void (*show_rooms)(void *ud, const struct room_filter *f);
	void (*show_room)(void *ud, const char *id);
	/* Ask a question on the command line; answer(ctx, NULL) if cancelled. */
	void (*ask)(void *ud, const char *prompt, void (*answer)(void *ctx, const char *text),
		    void *ctx);
	/* The room the user is on (default for `room show` etc.), may be NULL. */
	const char *(*current_room)(void *ud);
	/* The command finished; err is LB_OK on success. Called exactly once
	 * per cmd_run. */
	void (*done)(void *ud, const struct lb_error *err);
	/* `quit` in the TUI. */
	void (*quit)(void *ud);
};

struct cmd_ctx {
	struct model *model;
	struct cmd_host host;
	bool read_only;
	int running;      /* commands not finished yet */
	struct cmd_job *jobs; /* commands waiting on the model */
};

/* Parse and run one line. Returns at once; host.done is called when it
 * finishes (maybe before cmd_run returns). */
void cmd_run(struct cmd_ctx *c, const char *line);

/* Advance commands waiting on the model (batch mode calls it after every
 * network event, the TUI after every loop pass). */
void cmd_step(struct cmd_ctx *c);

/* Drop commands still waiting on the model (at exit); their done is not
 * called. */
void cmd_clear(struct cmd_ctx *c);

/* Split a line the way a shell does (libedit's tokenizer). On success argv
 * is a NULL-terminated malloc'd vector; free with cmd_argv_free. */
bool cmd_split(const char *line, int *argc, char ***argv, struct lb_error *err);
void cmd_argv_free(char ***argv);

/* Quote a word so cmd_split gives it back unchanged ('it'\''s'), for
 * building command lines from data. Caller frees. */
char *cmd_quote(const char *word);

/* True when the command line would change something on the server. */
bool cmd_is_mutation(const char *line);

/* Completion candidates for the word that ends at `cursor` in line: command
 * names, subcommands, options and room IDs from the cache. Fills out with
 * malloc'd strings (caller frees each), returns how many; *word_start is the
 * byte offset where the word being completed begins. */
size_t cmd_complete(struct cmd_ctx *c, const char *line, size_t cursor, size_t *word_start,
		    char **out, size_t max);

/* Help: the list of commands with their synopsis (one per line), or the
 * detailed help of one command. Caller frees. */
char *cmd_help(const char *command);

/* Command names, for completion and the help screen. */
size_t cmd_names(const char **out, size_t max);

#endif
