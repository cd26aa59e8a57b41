#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "copilots.h"
#include "draw.h"
#include "listview.h"
#include "output.h"
#include "util.h"
#include "view.h"

/* The project's AI copilots, a page at a time; the selected one's fields
 * beside the list, its knowledge and its changes a key away. The
 * provider's key is never sent back, so never drawn. */

static int copilots_count(const void *data)
{
	return (int)model_count(data);
}

static const void *copilot_at(const void *data, int i)
{
	return model_copilot_at(data, (size_t)i);
}

static const char *copilot_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	const struct copilot *c = item;
	return c->id ? c->id : "";
}

static const char *id_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return copilot_id(item, buf, n);
}

static const char *provider_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	const struct copilot *c = item;
	snprintf(buf, n, "%s/%s", c->provider ? c->provider : "-", c->model ? c->model : "-");
	return buf;
}

static const char *name_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct copilot *c = item;
	return c->name ? c->name : "";
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "id", .title = "ID", .want = 2, .min = 12, .prio = 0, .fit = true, .middle = true,
     .el = THEME_ID, .text = id_text},
    {.name = "provider", .title = "PROVIDER/MODEL", .want = 28, .min = 10, .prio = 2,
     .el = THEME_VALUE, .text = provider_text},
    {.name = "name", .title = "NAME", .want = 20, .min = 8, .prio = 1, .rest = true,
     .el = THEME_VALUE, .text = name_text},
};
/* clang-format on */

static const struct list_table copilots_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = copilots_count,
    .item = copilot_at,
    .id = copilot_id,
};

static void copilots_title(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "copilots");
}

static void copilots_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "No copilots yet — press n to create one");
}

static void copilots_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct copilot *c = listview_selected(v);
	if (!c)
		return;
	const struct detail_line lines[] = {
	    {"ID", c->id},
	    {"Name", c->name},
	    {"About", c->description},
	    {"Provider", c->provider},
	    {"Model", c->model},
	    {"Compat.", c->compatible_name},
	    {"Base URL", c->base_url},
	    {"API key", "(write-only)"},
	    {"Knowledge", c->always_use_knowledge < 0 ? NULL
	                  : c->always_use_knowledge   ? "always used"
	                                              : "used when asked"},
	    {"Settings", c->settings_json},
	    {"Options", c->provider_options_json},
	    {"System", c->system_prompt},
	    {"K. prompt", c->knowledge_prompt},
	    {"Created", c->created_at},
	    {"Updated", c->updated_at},
	    {"", ""},
	    {"", "Enter: show · e: edit · K: set key · k: knowledge · n: new · D: delete"},
	};
	draw_detail_lines(win, top, lines, (int)(sizeof(lines) / sizeof(lines[0])));
}

/* What n and K ask (a file holding the provider's key), kept until the
 * answer: the view may be gone by then. id: the copilot whose key K
 * sets; NULL: n, a new copilot. */
struct key_question {
	struct app *app;
	char *id;
};

/* The key is read from the file by the command, never typed here: the
 * line run (and kept in the history) holds the file's path only. */
static void key_file_given(void *ctx, const char *text)
{
	struct key_question *q = ctx;
	const char *path = text ? text + strspn(text, " \t") : "";
	char *qid = q->id ? cmd_quote(q->id) : NULL, *qpath = *path ? cmd_quote(path) : NULL;
	struct buf line;

	buf_init(&line);
	if (qpath && q->id && qid)
		buf_printf(&line, "copilot update %s --api-key-from %s", qid, qpath);
	else if (qpath && !q->id)
		buf_printf(&line, "copilot create --edit --api-key-from %s", qpath);
	if (line.data)
		app_command(q->app, line.data);
	else if (*path)
		app_message(q->app, true, "out of memory");
	buf_free(&line);
	free(qpath);
	free(qid);
	free(q->id);
	free(q);
}

static void ask_key_file(struct view *v, const char *id)
{
	struct key_question *q = calloc(1, sizeof(*q));
	char prompt[512];

	if (!q || (id && !(q->id = strdup(id)))) {
		free(q);
		app_message(v->app, true, "out of memory");
		return;
	}
	q->app = v->app;
	if (id)
		snprintf(
		    prompt, sizeof(prompt),
		    "file holding the new provider API key of %s (the key itself is never typed): ",
		    id);
	else
		snprintf(prompt, sizeof(prompt),
		         "new copilot: file holding its provider API key (the key itself is never "
		         "typed): ");
	app_ask(v->app, prompt, key_file_given, q);
}

/* Enter shows the selected copilot, as `copilot show` does; n and K ask
 * for the file that holds a provider's key. */
static enum view_result copilots_action(struct view *v, enum action a)
{
	const struct copilot *c = listview_selected(v);

	if (a == ACTION_ENTER && app_view_action(v->app, "copilot-show"))
		return VIEW_HANDLED;
	if (view_action_is(a, "copilot-new")) {
		ask_key_file(v, NULL);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "copilot-key") && c && c->id) {
		ask_key_file(v, c->id);
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

/* The selected copilot: the navigator offers its knowledge. */
static void copilots_scope(struct view *v, struct scope *out)
{
	const struct copilot *c = listview_selected(v);
	*out = (struct scope){.copilot = c ? c->id : NULL};
}

static const struct listview_spec copilots_spec = {
    .table = &copilots_table,
    .noun = "copilots",
    .loading = "Loading copilots…",
    .loading_more = "Loading more copilots…",
    .paged = true,
    .empty = copilots_empty,
};

static const struct view_ops copilots_ops = {
    .name = "copilots",
    .title = copilots_title,
    .draw = listview_draw,
    .draw_detail = copilots_draw_detail,
    .action = copilots_action,
    .changed = listview_changed,
    .search = listview_search,
    .scope = copilots_scope,
    .status = listview_status,
    .busy = resview_busy,
    .tick = resview_tick,
    .free = listview_free,
    .mouse = listview_mouse,
    .filter = listview_filter,
    .export_rows = listview_export,
    .selected_id = listview_selected_id,
};

static struct view *copilots_open(struct app *app, const struct scope *where, const void *opts,
                                  bool watch)
{
	(void)where;
	(void)opts;
	(void)watch;
	struct view *v = listview_new(app, &copilots_ops, &copilots_spec, sizeof(struct listview),
	                              NULL, model_copilots(app_model(app)));
	if (v)
		resview_start(v, false);
	return v;
}

/* %i is the selected copilot. */
static const struct view_command copilots_commands[] = {
    {"copilot-show", "Show the selected copilot's fields", "copilot show %i", true},
    {"copilot-knowledge", "The selected copilot's knowledge sources", "knowledge %i", true},
    {"copilot-create", "Create a copilot (command line; the key from a file)",
     "copilot create --name  --provider  --model  --system-prompt  --api-key-from ", false},
    {"copilot-update", "Change the selected copilot (command line)", "copilot update %i ", false},
    {"copilot-delete", "Delete the selected copilot (asks first)", "copilot delete %i", true},
    {"copilot-edit", "Edit the selected copilot's fields in $EDITOR (previewed, then asked)",
     "copilot update %i --edit", true},
    {"copilot-new", "Create a copilot in $EDITOR (asks for the file holding its key)", NULL, false},
    {"copilot-key", "Set the selected copilot's provider API key (asks for the file holding it)",
     NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key copilots_keys[] = {
    {'k', "copilot-knowledge"},
    {'n', "copilot-new"},
    {'e', "copilot-edit"},
    {'K', "copilot-key"},
    {'D', "copilot-delete"},
    {0, NULL},
};

const struct view_info view_info_copilots = {
    .name = "copilots",
    .keys_title = "Keys in the copilots list",
    .open = copilots_open,
    .item = "copilot",
    .keysets = VIEW_KEYS_LIST,
    .keys = copilots_keys,
    .commands = copilots_commands,
    .place = true,
};
