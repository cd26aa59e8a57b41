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

/* A copilot's knowledge sources, a page at a time: web pages (a link, a
 * crawl, a sitemap) and uploaded files. Enter reads a file's Markdown or
 * lists a web source's links; d deletes, w and f add, each through the
 * `knowledge` commands. */

static int sources_count(const void *data)
{
	return (int)model_count(data);
}

static const void *source_at(const void *data, int i)
{
	return model_knowledge_at(data, (size_t)i);
}

static const char *source_id(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	return ((const struct knowledge_source *)item)->id;
}

static const char *type_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct knowledge_source *)item)->web ? "web" : "file";
}

/* A web source's URL, a file source's name. */
static const char *name_text(const void *item, int width, char *buf, size_t n)
{
	const struct knowledge_source *k = item;
	const char *s = k->web ? k->url : k->file_name;

	(void)width;
	(void)buf;
	(void)n;
	return s ? s : "-";
}

static const char *status_text(const void *item, int width, char *buf, size_t n)
{
	const char *s = ((const struct knowledge_source *)item)->status;

	(void)width;
	(void)buf;
	(void)n;
	return s ? s : "-";
}

/* An ISO date as the lists show dates (the day alone when narrow). */
static const char *date_text(const char *iso, int width, char *buf, size_t n)
{
	long long s = iso ? iso8601_parse(iso) : -1;

	if (s < 0) {
		snprintf(buf, n, "%s", iso ? iso : "-");
		return buf;
	}
	output_time(s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

static const char *created_text(const void *item, int width, char *buf, size_t n)
{
	return date_text(((const struct knowledge_source *)item)->created_at, width, buf, n);
}

static long long created_number(const void *item)
{
	const char *s = ((const struct knowledge_source *)item)->created_at;
	return s ? iso8601_parse(s) : -1;
}

static const char *updated_text(const void *item, int width, char *buf, size_t n)
{
	return date_text(((const struct knowledge_source *)item)->updated_at, width, buf, n);
}

static long long updated_number(const void *item)
{
	const char *s = ((const struct knowledge_source *)item)->updated_at;
	return s ? iso8601_parse(s) : -1;
}

/* clang-format off */
static const struct list_column columns[] = {
    {.name = "type", .title = "TYPE", .want = 4, .min = 4, .prio = 1, .el = THEME_KEY,
     .text = type_text},
    {.name = "name", .title = "NAME/URL", .want = 30, .min = 12, .prio = 0, .rest = true,
     .middle = true, .el = THEME_VALUE, .text = name_text},
    {.name = "status", .title = "STATUS", .want = 9, .min = 5, .prio = 2, .el = THEME_VALUE,
     .text = status_text},
    {.name = "createdAt", .title = "CREATED", .want = 16, .min = 10, .prio = 3,
     .el = THEME_DATE, .text = created_text, .number = created_number},
    {.name = "updatedAt", .title = "UPDATED", .want = 16, .min = 10, .prio = 4,
     .el = THEME_DATE, .text = updated_text, .number = updated_number},
};
/* clang-format on */

static const struct list_table knowledge_table = {
    .cols = columns,
    .n_cols = sizeof(columns) / sizeof(columns[0]),
    .count = sources_count,
    .item = source_at,
    .id = source_id,
};

static const char *copilot_of(struct view *v)
{
	return resview_of(v)->scope.copilot;
}

static void knowledge_title(struct view *v, char *out, size_t n)
{
	resview_title(v, out, n, "knowledge");
}

static void knowledge_empty(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "No knowledge sources — w adds a web page, f a file");
}

static void knowledge_count_status(struct view *v, char *out, size_t n)
{
	const struct resource *r = resview_of(v)->res;
	int k = sources_count(r);
	snprintf(out, n, "%d%s source%s", k, model_complete(r) ? "" : "+",
	         k == 1 && model_complete(r) ? "" : "s");
}

/* A source whose indexing failed stands out; one still ingesting is
 * muted until it is ready. */
static enum theme_element knowledge_element(struct view *v, int col, const void *item)
{
	const char *s = ((const struct knowledge_source *)item)->status;

	(void)v;
	if (s && !strcmp(s, "error"))
		return THEME_ERROR;
	if (s && !strcmp(s, "ingesting"))
		return THEME_MUTED;
	return columns[col].el;
}

static void knowledge_draw_detail(struct view *v, WINDOW *win, int top)
{
	const struct knowledge_source *k = listview_selected(v);
	if (!k)
		return;
	const struct detail_line lines[] = {
	    {"ID", k->id},
	    {"Type", k->web ? "web source" : "file source"},
	    {"URL", k->url},
	    {"Crawl", k->link_type},
	    {"File", k->file_name},
	    {"MIME", k->mime_type},
	    {"Status", k->status},
	    {"Error", k->error_message},
	    {"Created", k->created_at},
	    {"Updated", k->updated_at},
	    {"Indexed", k->last_indexed_at},
	    {"", ""},
	    {"", k->web ? "Enter: links · d: delete · w: add web · f: add file"
	                : "Enter: read · d: delete · w: add web · f: add file"},
	};
	draw_detail_lines(win, top, lines, (int)(sizeof(lines) / sizeof(lines[0])));
}

/* ---- adding: the questions, then the command ------------------------------ */

/* What w and f ask about, kept until the last answer (the view may be
 * gone by then: only the app and copies are used). */
struct knowledge_add {
	struct app *app;
	char *copilot;
	char *url;
};

static void add_free(struct knowledge_add *q)
{
	free(q->copilot);
	free(q->url);
	free(q);
}

static struct knowledge_add *add_new(struct view *v)
{
	struct knowledge_add *q = calloc(1, sizeof(*q));

	if (q && !(q->copilot = strdup(copilot_of(v)))) {
		free(q);
		q = NULL;
	}
	if (q)
		q->app = v->app;
	else
		app_message(v->app, true, "out of memory");
	return q;
}

/* Run "knowledge VERB COPILOT ARG[ REST]", the words quoted. */
static void add_run(struct knowledge_add *q, const char *verb, const char *arg, const char *rest)
{
	char *qc = cmd_quote(q->copilot), *qa = cmd_quote(arg);
	struct buf line;

	buf_init(&line);
	if (qc && qa)
		buf_printf(&line, "knowledge %s %s %s%s", verb, qc, qa, rest);
	if (line.data)
		app_command(q->app, line.data);
	else
		app_message(q->app, true, "out of memory");
	buf_free(&line);
	free(qc);
	free(qa);
}

/* A blank answer is a cancel, as Esc is. */
static bool blank(const char *text)
{
	return !text || !text[strspn(text, " \t")];
}

static void web_kind_given(void *ctx, const char *text)
{
	struct knowledge_add *q = ctx;
	const char *rest = NULL;

	if (!blank(text)) {
		text += strspn(text, " \t");
		if (!strcmp(text, "l") || !strcmp(text, "link"))
			rest = "";
		else if (!strcmp(text, "c") || !strcmp(text, "crawl"))
			rest = " --crawl";
		else if (!strcmp(text, "s") || !strcmp(text, "sitemap"))
			rest = " --sitemap";
		else
			app_message(q->app, true,
			            "not added: answer l (a link), c (a crawl) or s (a sitemap)");
	}
	if (rest)
		add_run(q, "add-web", q->url, rest);
	add_free(q);
}

static void web_url_given(void *ctx, const char *text)
{
	struct knowledge_add *q = ctx;

	if (blank(text) || !(q->url = strdup(text + strspn(text, " \t")))) {
		add_free(q);
		return;
	}
	app_ask(q->app, "index it as l: the link alone, c: a crawl of the site, s: a sitemap? ",
	        web_kind_given, q);
}

static void file_path_given(void *ctx, const char *text)
{
	struct knowledge_add *q = ctx;

	if (!blank(text))
		add_run(q, "add-file", text + strspn(text, " \t"), "");
	add_free(q);
}

static enum view_result knowledge_action(struct view *v, enum action a)
{
	const struct knowledge_source *k = listview_selected(v);
	struct knowledge_add *q;

	if (a == ACTION_ENTER && k) {
		resview_command(v, k->web ? "knowledge links %s %s" : "knowledge read %s %s",
		                copilot_of(v), k->id, true);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "knowledge-delete") && k) {
		resview_command(v, "knowledge delete %s %s", copilot_of(v), k->id, true);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "knowledge-add-web")) {
		if ((q = add_new(v)))
			app_ask(v->app, "add a web page to the knowledge, URL: ", web_url_given, q);
		return VIEW_HANDLED;
	}
	if (view_action_is(a, "knowledge-add-file")) {
		if ((q = add_new(v)))
			app_ask(v->app, "upload a file to the knowledge, path: ", file_path_given,
			        q);
		return VIEW_HANDLED;
	}
	return listview_action(v, a);
}

static const struct listview_spec knowledge_spec = {
    .table = &knowledge_table,
    .noun = "sources",
    .loading = "Loading knowledge sources…",
    .loading_more = "Loading more knowledge sources…",
    .paged = true,
    .empty = knowledge_empty,
    .count_status = knowledge_count_status,
    .element = knowledge_element,
};

static const struct view_ops knowledge_ops = {
    .name = "knowledge",
    .title = knowledge_title,
    LISTVIEW_OPS,
    .draw_detail = knowledge_draw_detail,
    .action = knowledge_action,
};

static struct view *knowledge_open(struct app *app, const struct scope *where, const void *opts,
                                   bool watch)
{
	struct view *v;

	(void)opts;
	if (!where->copilot)
		return NULL;
	v = listview_new(app, &knowledge_ops, &knowledge_spec, sizeof(struct listview),
	                 &(struct scope){.copilot = where->copilot},
	                 model_knowledge(app_model(app), where->copilot));
	if (v)
		resview_start(v, watch);
	return v;
}

static const struct view_command knowledge_commands[] = {
    {"knowledge-delete", "Delete the selected source (asks to type its ID)", NULL, false},
    {"knowledge-add-web", "Add a web page, a crawl or a sitemap (asks the URL)", NULL, false},
    {"knowledge-add-file", "Upload a file (asks its path)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key knowledge_keys[] = {
    {'d', "knowledge-delete"},
    {'w', "knowledge-add-web"},
    {'f', "knowledge-add-file"},
    {0, NULL},
};

const struct view_info view_info_knowledge = {
    .name = "knowledge",
    .keys_title = "Keys in a copilot's knowledge",
    .open = knowledge_open,
    .nav_label = "Knowledge",
    .nav_part = SCOPE_COPILOT,
    .item = "knowledge source",
    .keysets = VIEW_KEYS_LIST,
    .keys = knowledge_keys,
    .commands = knowledge_commands,
    .place = true,
};
