/* What app.c and app_host.c share of the screen's state: struct app and
 * the few functions one calls in the other. Internal to ui/core/app*.c. */
#ifndef LB_APP_IMPL_H
#define LB_APP_IMPL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "cmd.h"
#include "cmdline.h"
#include "keymap.h"
#include "messages.h"
#include "mouse.h"
#include "view.h"

#define MAX_VIEWS 32
#define NAV_WIDTH 14
/* Below these sizes the navigator and the side detail pane are hidden. */
#define NAV_MIN_COLS 100
#define DETAIL_MIN_COLS 120
/* Loads faster than this show no indicator. */
#define BLINK_MS 150

/* MODE_ASK: a line is typed in answer; MODE_CONFIRM: y or n, at once. */
enum mode { MODE_NORMAL, MODE_COMMAND, MODE_SEARCH, MODE_FILTER, MODE_ASK, MODE_CONFIRM };
enum pane { PANE_NAV, PANE_LIST, PANE_DETAIL };

/* A question held back: either a typed answer (ask) or yes/no (yes_no). */
struct waiting_question {
	char *prompt;            /* ask */
	char *title, *preview;   /* yes_no; preview may be NULL */
	char *question;          /* yes_no */
	void (*ask)(void *ctx, const char *text);
	void (*yes_no)(void *ctx, bool yes);
	void *ctx;
};
#define MAX_WAITING 8

struct app {
	const struct app_env *env;
	struct model *model;
	struct cmd_ctx *cmd;     /* commands that change nothing */
	struct cmd_ctx *changes; /* commands that change something */
	struct cmdline *cl;
	struct keymap *keymap;
	enum mode mode;
	void (*ask_answer)(void *ctx, const char *text);
	void *ask_ctx;
	/* A yes/no question about a change, with its preview on the stack. */
	void (*confirm_answer)(void *ctx, bool yes);
	void *confirm_ctx;
	struct view *confirm_view;
	/* Questions that came while another one, or a line being typed, was on
	 * the command line: asked in turn when it is free. */
	struct waiting_question waiting[MAX_WAITING];
	int n_waiting;

	struct view *stack[MAX_VIEWS];
	int depth;

	enum pane focus;
	int nav_cursor;
	int detail_top;

	struct messages msg;
	char search[256];

	/* The resource of the view in front seen loading (compared, never
	 * read: cleared whenever the stack changes), and whether it was a
	 * next page, which the list tells about itself. */
	const void *loading_res;
	bool loading_page;

	bool dirty, quit, relayout;
	WINDOW *title_w, *nav_w, *list_w, *detail_w, *status_w, *cmd_w;
	char masked_key[64];
	char host[256];
	long long last_tick_ms;
	int spinner;
	struct mouse_state mouse;
};

/* The view in front, NULL when none. */
static inline struct view *app_top(struct app *a)
{
	return a->depth > 0 ? a->stack[a->depth - 1] : NULL;
}

/* app.c: say raw text (see ui/core/messages.h), forget the error shown,
 * open v in place of the same place on the stack. */
void app_say(struct app *a, bool error, enum subject subject, const void *res, const char *raw);
void app_say_about(struct app *a, enum subject subject, const void *res, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void app_forget_error(struct app *a);
void app_replace_place(struct app *a, struct view *v);

/* app_host.c: the host the commands run with; what the view in front is
 * about; completion of the command line; quitting (asking first while a
 * change is being sent); the questions' turns; a change that ends after
 * the screen closed (ud: struct app_late). */
struct cmd_host app_cmd_host(struct app *a);
void app_host_scope(void *ud, struct scope *out);
size_t app_complete(void *ud, const char *line, size_t cursor, size_t *word_start, char **out,
		    size_t max);
void app_quit(struct app *a);
void app_confirm_answered(struct app *a, bool yes);
void app_ask_waiting(struct app *a);
void app_refuse_waiting(struct app *a);
void app_late_done(void *ud, const struct lb_error *err);

#endif
