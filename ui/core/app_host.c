/* The screen as the commands' host (struct cmd_host): what a command
 * prints, the views it opens, its questions (one at a time, the others
 * waiting their turn), $EDITOR, and how it ended. */
#include "lbconfig.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_impl.h"
#include "cmd.h"
#include "cmdline.h"
#include "term_safe.h"
#include "view.h"

static void host_print(void *ud, const char *text)
{
	const char *nl = strchr(text, '\n');
	/* Several lines (help of a command) get a screen of their own. */
	if (nl && nl[1]) {
		app_push(ud, view_help_new(ud, "help", text));
		return;
	}
	app_message(ud, false, "%s", text);
}

static void host_show_rooms(void *ud, const struct room_filter *f)
{
	app_open_rooms(ud, f);
}

static void host_show_room(void *ud, const char *id)
{
	/* Already looking at it (e.g. after an update): app_push goes back. */
	app_open_room(ud, id);
}

static void open_question(struct app *a, const char *prompt,
			  void (*answer)(void *ctx, const char *text), void *ctx)
{
	a->mode = MODE_ASK;
	a->ask_answer = answer;
	a->ask_ctx = ctx;
	cmdline_open(a->cl, prompt, false, NULL);
	a->dirty = true;
}

static void waiting_free(struct waiting_question *q)
{
	free(q->prompt);
	free(q->title);
	free(q->preview);
	free(q->question);
}

/* One question at a time, and never over a line being typed: a question
 * that arrives then (from a command that was still loading) waits its
 * turn; past MAX_WAITING it is answered "no". False when it was not kept. */
static bool hold_question(struct app *a, struct waiting_question q)
{
	bool ok = a->n_waiting < MAX_WAITING && (q.prompt || q.question);
	if (ok)
		a->waiting[a->n_waiting++] = q;
	else
		waiting_free(&q);
	return ok;
}

static bool question_open(const struct app *a)
{
	return a->mode != MODE_NORMAL || a->confirm_answer;
}

static void host_ask(void *ud, const char *prompt, void (*answer)(void *ctx, const char *text),
		     void *ctx)
{
	struct app *a = ud;

	if (question_open(a)) {
		struct waiting_question q = {.prompt = strdup(prompt), .ask = answer, .ctx = ctx};
		if (!hold_question(a, q))
			answer(ctx, NULL);
		return;
	}
	open_question(a, prompt, answer, ctx);
}

/* What the view in front is about (views above others, as help or the
 * request log, are about nothing: a command typed there acts on nothing
 * unseen). */
void app_host_scope(void *ud, struct scope *out)
{
	struct view *v = app_top(ud);
	*out = (struct scope){0};
	if (v && v->ops->scope)
		v->ops->scope(v, out);
}

static void host_show_view(void *ud, const char *name, const struct scope *where,
			   const void *opts, bool watch)
{
	struct app *a = ud;
	const struct view_info *vi = view_info_find(name);
	struct view *v = vi && vi->open ? vi->open(a, where, opts, watch) : NULL;

	if (!vi || !vi->open) {
		app_message(a, true, "no view named %s", name);
		return;
	}
	/* Asked to watch: the view that may be on the stack does not. */
	if (watch)
		app_replace_place(a, v);
	else
		app_push(a, v);
}

void app_confirm_answered(struct app *a, bool yes)
{
	void (*answer)(void *, bool) = a->confirm_answer;
	void *actx = a->confirm_ctx;

	a->confirm_answer = NULL;
	a->confirm_ctx = NULL;
	/* The preview goes away with the question. */
	if (a->confirm_view && app_top(a) == a->confirm_view)
		app_pop(a);
	a->confirm_view = NULL;
	if (answer)
		answer(actx, yes);
}

static void host_confirm(void *ud, const char *title, const char *preview, const char *question,
			 void (*answer)(void *ctx, bool yes), void *ctx)
{
	struct app *a = ud;
	char prompt[512];

	if (question_open(a)) {
		/* One question at a time, as in host_ask. */
		struct waiting_question q = {
		    .title = title ? strdup(title) : NULL,
		    .preview = preview ? strdup(preview) : NULL,
		    .question = strdup(question ? question : "Apply this change?"),
		    .yes_no = answer,
		    .ctx = ctx,
		};
		if (!hold_question(a, q))
			answer(ctx, false);
		return;
	}
	a->confirm_answer = answer;
	a->confirm_ctx = ctx;
	a->confirm_view = NULL;
	if (preview && preview[0]) {
		struct view *pv = view_preview_new(a, title ? title : "preview", preview);
		if (pv) {
			app_push(a, pv);
			a->confirm_view = pv;
		}
	}
	char *safe = ts_sanitize(question ? question : "Apply this change?", (size_t)-1);
	snprintf(prompt, sizeof(prompt), "%s [y/N] ", safe ? safe : "");
	free(safe);
	/* The command line only shows the question: y or n answer at once. */
	a->mode = MODE_CONFIRM;
	cmdline_open(a->cl, prompt, false, NULL);
	a->dirty = true;
}

/* The command line is free: ask the next question that waited. */
void app_ask_waiting(struct app *a)
{
	if (question_open(a) || a->n_waiting == 0)
		return;
	struct waiting_question q = a->waiting[0];
	memmove(&a->waiting[0], &a->waiting[1], (size_t)(a->n_waiting - 1) * sizeof(q));
	a->n_waiting--;
	if (q.yes_no)
		host_confirm(a, q.title, q.preview, q.question, q.yes_no, q.ctx);
	else
		host_ask(a, q.prompt, q.ask, q.ctx);
	waiting_free(&q);
}

void app_ask(struct app *a, const char *prompt, void (*answer)(void *ctx, const char *text),
             void *ctx)
{
	host_ask(a, prompt, answer, ctx);
}

void app_confirm(struct app *a, const char *title, const char *preview, const char *question,
                 void (*answer)(void *ctx, bool yes), void *ctx)
{
	host_confirm(a, title, preview, question, answer, ctx);
}

/* Leaving: every question that waited is answered "no". */
void app_refuse_waiting(struct app *a)
{
	while (a->n_waiting > 0) {
		struct waiting_question q = a->waiting[--a->n_waiting];
		if (q.yes_no)
			q.yes_no(q.ctx, false);
		else
			q.ask(q.ctx, NULL);
		waiting_free(&q);
	}
}

static void quit_answered(void *ctx, bool yes)
{
	struct app *a = ctx;
	if (yes)
		a->quit = true;
	else if (a->changes->running > 0)
		app_message(a, false, "not quitting: the change is still being sent");
}

/* A change that ended after the screen closed (the user quit during it). */
void app_late_done(void *ud, const struct lb_error *err)
{
	struct app_late *late = ud;

	if (err->status == LB_OK)
		return;
	late->failure = true;
	char *safe = ts_sanitize(err->message, (size_t)-1);
	fprintf(stderr, "lbtui: a change did not finish: %s\n", safe ? safe : "");
	free(safe);
}

/* Quit, after asking when a change is still being sent. */
void app_quit(struct app *a)
{
	int n = a->changes->running;
	if (n <= 0) {
		a->quit = true;
		return;
	}
	/* Freeing the model would cancel it half way (a read-modify-write
	 * may be between its DELETE and its POST). */
	char question[128];
	if (n == 1)
		snprintf(question, sizeof(question), "A change is still being sent — quit anyway?");
	else
		snprintf(question, sizeof(question), "%d changes are still being sent — quit anyway?",
			 n);
	host_confirm(a, NULL, NULL, question, quit_answered, a);
}

/* $EDITOR needs the terminal: leave curses for it and come back. */
static bool host_edit_text(void *ud, const char *initial, char **out, struct lb_error *err)
{
	struct app *a = ud;
	def_prog_mode();
	endwin();
	bool ok = cmd_edit_external(initial, out, err);
	reset_prog_mode();
	clearok(curscr, TRUE);
	a->relayout = true;
	a->dirty = true;
	return ok;
}

static struct model *host_profile_model(void *ud, const char *profile, struct lb_error *err)
{
	struct app *a = ud;
	if (!a->env->profile_model) {
		lb_error_set(err, LB_USAGE, "other profiles are not available here");
		return NULL;
	}
	return a->env->profile_model(a->env->profile_ud, profile, err);
}

static void host_done(void *ud, const struct lb_error *err)
{
	struct app *a = ud;
	char msg[1600];

	if (err->status == LB_OK) {
		/* A command that worked: an error shown before no longer applies. */
		if (a->msg.last_error[0])
			app_forget_error(a);
		return;
	}
	lb_error_format(err, msg, sizeof(msg));
	if (err->status == LB_CANCELLED)
		app_say(a, false, SUBJECT_OTHER, NULL, msg);
	else
		app_say_about(a, SUBJECT_COMMAND, NULL, "%s", msg);
}

/* :export: the list in front writes its rows. */
static bool host_export_list(void *ud, const char *path, bool force, char *done, size_t n,
			     struct lb_error *err)
{
	struct view *v = app_top(ud);
	if (!v || !v->ops->export_rows) {
		char lists[256] = "";
		size_t used = 0;
		for (size_t i = 0; lb_views[i] && used < sizeof(lists); i++)
			if (lb_views[i]->keysets & VIEW_KEYS_LIST)
				used += (size_t)snprintf(lists + used, sizeof(lists) - used, "%s%s",
				                         used ? ", " : "", lb_views[i]->name);
		lb_error_set(err, LB_USAGE, "export writes the rows of a list (%s): this view has none",
			     lists);
		return false;
	}
	return v->ops->export_rows(v, path, force, done, n, err);
}

static void host_show_messages(void *ud)
{
	struct app *a = ud;
	app_push(a, view_messages_new(a));
}

static void host_quit(void *ud)
{
	app_quit(ud);
}

size_t app_complete(void *ud, const char *line, size_t cursor, size_t *word_start, char **out,
		       size_t max)
{
	struct app *a = ud;
	return cmd_complete(a->cmd, line, cursor, word_start, out, max);
}

struct cmd_host app_cmd_host(struct app *a)
{
	return (struct cmd_host){
		.ud = a,
		.interactive = true,
		.print = host_print,
		.show_rooms = host_show_rooms,
		.show_room = host_show_room,
		.ask = host_ask,
		.confirm = host_confirm,
		.show_view = host_show_view,
		.profile_model = host_profile_model,
		.edit_text = host_edit_text,
		.scope = app_host_scope,
		.show_messages = host_show_messages,
		.export_list = host_export_list,
		.done = host_done,
		.quit = host_quit,
	};
}
