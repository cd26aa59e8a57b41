/* The command language: `rooms --query ...`, `room create ID --public`.
 * One implementation serves the TUI's command line and batch mode (-e); the
 * difference lives in the host callbacks. */
#ifndef LB_CMD_H
#define LB_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"
#include "scope.h"

struct ydoc_options; /* model_storage.h */
struct out_stream;  /* out.h */

struct cmd_host {
	void *ud;
	bool interactive;  /* the TUI: confirmations are asked, lists open views */
	bool json;         /* batch --json: print the API's JSON */
	/* Text for the user, terminal-safe (a message, a table, a preview):
	 * batch prints it to stdout, the TUI shows it. Commands never write
	 * to stdout themselves: everything they show goes through here,
	 * print_json, note or stream. */
	void (*print)(void *ud, const char *text);
	/* JSON from the server, or built from what it sent (--json), as it
	 * is: batch mode writes it to stdout with secrets masked, escaped
	 * where a terminal would obey it, and a newline. NULL: it goes to
	 * print, masked and made terminal-safe line by line. */
	void (*print_json)(void *ud, const char *json, size_t len);
	/* Where a document goes as it arrives (`storage ROOM` in batch mode
	 * to a file or a pipe): a stream the command writes and closes
	 * (out.h). NULL, or a NULL stream: the whole document is read first
	 * and goes to print_json (a terminal, which gets it made safe). */
	struct out_stream *(*stream)(void *ud);
	/* A remark beside the result ("(more rooms: add --all ...)"): batch
	 * mode prints it to stderr, so that piped output holds the result
	 * alone. NULL: it goes to print (the TUI's message line). */
	void (*note)(void *ud, const char *text);
	/* The TUI opens the view; batch mode never gets these (cmd prints). */
	void (*show_rooms)(void *ud, const struct room_filter *f);
	void (*show_room)(void *ud, const char *id);
	/* Ask a question on the command line; answer(ctx, NULL) if cancelled. */
	void (*ask)(void *ud, const char *prompt, void (*answer)(void *ctx, const char *text),
		    void *ctx);
	/* Show a preview (a diff of the change, a summary of a copy) and ask
	 * yes or no. The TUI shows the preview in a pane and asks on the
	 * command line. NULL in batch mode, where a command prints the preview
	 * and goes on only with --yes. */
	void (*confirm)(void *ud, const char *title, const char *preview, const char *question,
			void (*answer)(void *ctx, bool yes), void *ctx);
	/* The TUI opens the view of that name (ui/views/views.def: "storage",
	 * "storage-json", "ydoc", "versions", "users" ...) about what holds
	 * it (batch mode prints): where holds the part of the scope the view
	 * is about. opts are the view's own (the Yjs options of "ydoc",
	 * model_storage.h), NULL for none; the host copies them and where. */
	void (*show_view)(void *ud, const char *view, const struct scope *where, const void *opts,
	                  bool watch);
	/* A model for another profile's project, on the same network client,
	 * for `room copy --to-profile` (the host owns it); NULL with err. */
	struct model *(*profile_model)(void *ud, const char *profile, struct lb_error *err);
	/* Let the user edit text in $EDITOR (`storage set --edit`, `room
	 * broadcast --edit`): the TUI leaves the screen, calls
	 * cmd_edit_external and restores the screen; batch mode calls it when
	 * stdin and stdout are a terminal. *out is the edited text (caller
	 * frees); false with err when the editor failed. NULL where there is
	 * no terminal to edit on: --edit is refused. */
	bool (*edit_text)(void *ud, const char *initial, char **out, struct lb_error *err);
	/* What the user is on: the room of the view in front, or the one
	 * selected in a list (the default of `room show` etc.); each part
	 * NULL when there is none. The strings are the host's, good until the
	 * screen changes. NULL: there is no scope (batch mode). */
	void (*scope)(void *ud, struct scope *out);
	/* How a long command is going, one line that replaces the one
	 * before ("rooms 120/1000 · 412 threads"), terminal-safe; NULL: clear
	 * it. Batch mode shows it on stderr when that is a terminal; NULL
	 * where it is not shown (the TUI's views show their own). */
	void (*progress)(void *ud, const char *line);
	/* The command finished; err is LB_OK on success. Called exactly once
	 * per cmd_run. */
	void (*done)(void *ud, const struct lb_error *err);
	/* `quit` in the TUI. */
	void (*quit)(void *ud);
	/* `messages` in the TUI: the recent messages in full. */
	void (*show_messages)(void *ud);
	/* `export FILE`: the TUI writes the rows of the list in front to path
	 * (CSV or JSON by its extension; over a file that exists only with
	 * force) and says what it wrote into done (n bytes); false with err.
	 * NULL in batch mode, which refuses. */
	bool (*export_list)(void *ud, const char *path, bool force, char *done, size_t n,
			    struct lb_error *err);
};

/* The options of the "pager" view (show_view): a text read whole, and its
 * title; terminal-safe. */
struct cmd_text_view {
	const char *title;
	const char *text;
};

struct cmd_ctx {
	struct model *model;
	struct cmd_host host;
	bool read_only;
	/* Who comments, reactions and the other writes about threads are
	 * written as when a command gives no --as: the profile's user =
	 * setting; NULL when it has none. */
	const char *user;
	int running;      /* commands not finished yet */
	struct cmd_job *jobs; /* commands waiting on the model */
	/* Batch mode: non-zero once a signal asks lbtui to stop, for what
	 * waits on a pipe or a terminal (reading @-, printing to a reader
	 * that takes nothing); NULL: nothing asks. */
	const volatile sig_atomic_t *stop;
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

/* How to type an option value that is taken as typed (a query) so that
 * it reads back as value: as it is (unless quoted is set), or in quotes.
 * Caller frees. */
char *cmd_quote_raw(const char *value, bool quoted);

/* The `rooms` command that opens this filter, its query last and in
 * quotes ('' when there is none) so that it can be refined where *cursor
 * (may be NULL) says: inside the closing quote. Caller frees. */
char *cmd_rooms_line(const struct room_filter *f, size_t *cursor);

/* True when the command line would change something on a server (room
 * copy included). */
bool cmd_is_mutation(const char *line);

/* Completion candidates for the word that ends at `cursor` in line: command
 * names, subcommands, options, and the IDs the cache knows of the part of
 * the scope a command's first argument is (room IDs). Fills out with
 * malloc'd strings (caller frees each), returns how many; *word_start is the
 * byte offset where the word being completed begins. */
size_t cmd_complete(struct cmd_ctx *c, const char *line, size_t cursor, size_t *word_start,
		    char **out, size_t max);

/* Run $VISUAL, $EDITOR or vi on a private temporary file holding initial
 * (JSON, so the file ends in .json) and wait for it; the terminal must be
 * in its normal mode. *out is the saved text (caller frees). False with err
 * when the editor could not run or exited with a failure. */
bool cmd_edit_external(const char *initial, char **out, struct lb_error *err);

/* Help: the list of commands with their synopsis (one per line), or the
 * detailed help of one command. Caller frees. */
char *cmd_help(const char *command);

/* Command names, for completion and the help screen. */
size_t cmd_names(const char **out, size_t max);

#endif
