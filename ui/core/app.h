/* The screen: the event loop, panes, the view stack, the command line and
 * the status bar. */
#ifndef LB_APP_H
#define LB_APP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "config.h"
#include "http.h"
#include "model.h"
#include "query.h"

/* What outlives the screen: the command contexts, since a change the user
 * quit during ends only when the model is freed, after app_run returned,
 * and must still find its context then; and whether it failed (it said so
 * on stderr). The caller keeps it until after model_free. */
struct app_late {
	struct cmd_ctx cmd;     /* commands that change nothing */
	struct cmd_ctx changes; /* commands that change something */
	bool failure;
};

struct app_env {
	struct model *model;
	const struct config *cfg;
	struct http *http; /* polled by the loop */
	/* Another profile's project (for copying between projects); the
	 * caller owns what it returns. */
	struct model *(*profile_model)(void *ud, const char *profile, struct lb_error *err);
	void *profile_ud;
	struct app_late *late;
};

/* Run until the user quits; returns the exit status. */
int app_run(const struct app_env *env);

/* ncurses's version, as loaded: a line appended to b for --version. */
void app_curses_version(struct buf *b);

struct app;
struct view;

struct model *app_model(struct app *a);
/* Who writes comments and reactions (user = in the profile); NULL when
 * not set (a write then needs --as). */
const char *app_user(struct app *a);
/* The keys in use (defaults and the config's bind lines). */
const struct keymap *app_keymap(struct app *a);
/* Push a view on the stack (the app owns it) / pop the top one. */
void app_push(struct app *a, struct view *v);
void app_pop(struct app *a);
void app_open_room(struct app *a, const char *id);
void app_open_rooms(struct app *a, const struct room_filter *f);
/* Open the command line with text already typed. */
void app_prompt(struct app *a, const char *initial);
/* Do the view in front's own action of that name (view.h's commands and
 * open actions): false when there is none to do here. */
bool app_view_action(struct app *a, const char *name);
/* The same with the cursor at byte offset cursor of initial (on a
 * character boundary) instead of at its end. */
void app_prompt_at(struct app *a, const char *initial, size_t cursor);
/* Open the filter's line (its prompt a backslash) with initial typed:
 * Enter gives the text to the view in front (its filter), Esc NULL. */
void app_filter_prompt(struct app *a, const char *initial);
/* Run a command as if typed. */
void app_command(struct app *a, const char *line);
/* Ask on the command line (answer(ctx, NULL) when cancelled), or show a
 * preview and ask yes or no, as commands do: one question at a time. ctx
 * must live until the answer; app_has_view tells whether the view that
 * asked is still there. */
void app_ask(struct app *a, const char *prompt, void (*answer)(void *ctx, const char *text),
             void *ctx);
void app_confirm(struct app *a, const char *title, const char *preview, const char *question,
                 void (*answer)(void *ctx, bool yes), void *ctx);
bool app_has_view(struct app *a, const struct view *v);
/* A message on the last line (its first line; :messages keeps it whole);
 * errors also go to the status bar until what they are about changes. */
void app_message(struct app *a, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error about a load of r: it leaves the status bar when r loads. */
void app_error_about(struct app *a, const struct resource *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A passing word on the message line (which match of how many a search
 * is at): not kept in :messages, where it would push out what matters. */
void app_note(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether the view in front has its side detail pane at the terminal's
 * current size. */
bool app_detail_pane(struct app *a);
/* The messages given so far, newest first, one per line with its time and
 * kind (raw text: sanitize), and a number that changes when one is added. */
char *app_messages_text(struct app *a);
unsigned app_messages_generation(struct app *a);
/* Ask for a redraw. */
void app_dirty(struct app *a);
/* The search pattern in force ("" when none), for highlighting. */
const char *app_search_pattern(struct app *a);

#endif
