#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ai_cmd.h"
#include "cmd_impl.h"
#include "copilots.h"
#include "family.h"
#include "json.h"
#include "output.h"
#include "util.h"

/* A copilot's knowledge sources: web pages (a link, a crawl, a sitemap)
 * and uploaded files. Requests, decoders and what the commands share
 * are in copilots.c. */

static void run_knowledge(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_knowledge_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_knowledge_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_knowledge_add_web(struct cmd_ctx *c, const struct command *cmd, struct args *a);
/* The Content-Type of a file to upload, from its name's extension. */
static enum api_content file_content(const char *name)
{
	static const struct {
		const char *ext;
		enum api_content ct;
	} types[] = {
	    {".md", API_CT_MARKDOWN}, {".markdown", API_CT_MARKDOWN}, {".txt", API_CT_TEXT},
	    {".text", API_CT_TEXT},   {".html", API_CT_HTML},         {".htm", API_CT_HTML},
	    {".pdf", API_CT_PDF},     {".json", API_CT_JSON},
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].ct;
	return API_CT_OCTETS;
}

static void run_knowledge_add_file(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_knowledge_links(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_knowledge_read(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec list_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec web_opts[] = {
    {"crawl", OPT_FLAG, NULL, "crawl the site from URL"},
    {"sitemap", OPT_FLAG, NULL, "URL is a sitemap: index its pages"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec file_opts[] = {
    {"name", OPT_VALUE, "NAME", "the file's name on the server (default: FILE's own)"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"knowledge", "COPILOT", 1, 1, false, run_knowledge, "List a copilot's knowledge sources",
     list_opts, SCOPE_NONE},
    {"knowledge show", "COPILOT SOURCE", 2, 2, false, run_knowledge_show, "Show a knowledge source",
     cmd_no_opts, SCOPE_NONE},
    {"knowledge delete", "COPILOT SOURCE", 2, 2, true, run_knowledge_delete,
     "Delete a knowledge source (asks you to type its ID)", cmd_yes_opts, SCOPE_NONE},
    {"knowledge add-web", "COPILOT URL", 2, 2, true, run_knowledge_add_web,
     "Add a web page (or a crawl, or a sitemap) to a copilot's knowledge", web_opts, SCOPE_NONE},
    {"knowledge add-file", "COPILOT FILE", 2, 2, true, run_knowledge_add_file,
     "Upload a file to a copilot's knowledge", file_opts, SCOPE_NONE},
    {"knowledge links", "COPILOT SOURCE", 2, 2, false, run_knowledge_links,
     "List the pages a web source indexed", list_opts, SCOPE_NONE},
    {"knowledge read", "COPILOT SOURCE", 2, 2, false, run_knowledge_read,
     "Print a file source's content as Markdown", cmd_no_opts, SCOPE_NONE},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* "web crawl https://..." or "file text/markdown notes.md". */
static void source_what(const struct knowledge_source *k, char *mid, size_t n, const char **last)
{
	if (k->web) {
		snprintf(mid, n, "web %s %s", k->link_type ? k->link_type : "-",
		         k->status ? k->status : "-");
		*last = k->url ? k->url : "";
	} else {
		snprintf(mid, n, "file %s", k->status ? k->status : "-");
		*last = k->file_name ? k->file_name : "";
	}
}

static bool print_sources(struct cmd_ctx *c, const char *json, size_t len, bool more)
{
	struct knowledge_source *v;
	size_t n;
	char *next;
	struct lb_error err;
	struct buf b;
	int idw = 2;
	bool ok;

	if (!knowledge_page_decode(json, len, &v, &n, &next, &err))
		return err.status != LB_NOMEM && (cmd_note(c, err.message), true);
	free(next);
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		output_id_width(&idw, v[i].id);
	ok = output_row(&b, "ID", idw, "KIND", 28, "URL/FILE");
	for (size_t i = 0; ok && i < n; i++) {
		char mid[128];
		const char *last;
		source_what(&v[i], mid, sizeof(mid), &last);
		char *sid = ai_safe(v[i].id), *smid = ai_safe(mid);
		ok = sid && smid && output_row(&b, sid, idw, smid, 28, last);
		free(sid);
		free(smid);
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	knowledge_sources_free(v, n);
	if (ok)
		cmd_note_list_end(c, n, more, "(no knowledge sources)", "sources");
	return ok;
}

static void run_knowledge(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_open_view(c, "knowledge", &(struct scope){.copilot = a->pos[0]}, NULL, false, ""))
		return;
	ai_list(c, EP_KNOWLEDGE_LIST, a->pos[0], NULL, cmd_has_flag(a, "all"), print_sources);
}

static bool field_line(struct buf *b, const char *label, const char *value)
{
	return !value || buf_printf(b, "%-16s %s\n", label, value);
}

static void source_show_ok(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	struct knowledge_source k;
	struct lb_error err;
	struct buf b;

	(void)arg;
	if (c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
		return;
	}
	if (!knowledge_source_decode(res->body, res->body_len, &k, &err)) {
		cmd_note(c, err.message);
		return;
	}
	buf_init(&b);
	bool ok =
	    field_line(&b, "id:", k.id) &&
	    field_line(&b, "kind:", k.web ? "web source" : "file source") &&
	    field_line(&b, "url:", k.url) && field_line(&b, "link type:", k.link_type) &&
	    field_line(&b, "file:", k.file_name) && field_line(&b, "type:", k.mime_type) &&
	    field_line(&b, "status:", k.status) && field_line(&b, "error:", k.error_message) &&
	    field_line(&b, "created:", k.created_at) && field_line(&b, "updated:", k.updated_at) &&
	    field_line(&b, "last indexed:", k.last_indexed_at);
	char *safe = ok ? cmd_safe_lines(b.data) : NULL;
	if (safe)
		cmd_say(c, safe);
	else
		cmd_note(c, "out of memory");
	free(safe);
	buf_free(&b);
	knowledge_source_clear(&k);
}

static void run_knowledge_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_need_view(c))
		return;
	ai_call(c, EP_KNOWLEDGE_GET, a->pos[0], a->pos[1], NULL, NULL, 0, API_CT_NONE,
	        source_show_ok, NULL);
}

/* ---- delete: which kind the source is (its GET), then the question ---- */

struct source_delete {
	struct cmd_ctx *c;
	char *copilot, *source;
	bool yes, web;
};

static void source_delete_free(void *state)
{
	struct source_delete *d = state;

	free(d->copilot);
	free(d->source);
	free(d);
}

static void source_deleted(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	(void)res;
	cmd_sayf(c, "deleted knowledge source %s", arg);
}

static void source_delete_go(void *state)
{
	struct source_delete *d = state;

	ai_call(d->c, d->web ? EP_KNOWLEDGE_WEB_DELETE : EP_KNOWLEDGE_FILE_DELETE, d->copilot,
	        d->source, NULL, NULL, 0, API_CT_NONE, source_deleted, d->source);
	source_delete_free(d);
}

static void source_delete_seen(const struct storage_result *res, void *ud)
{
	struct source_delete *d = ud;
	struct cmd_ctx *c = d->c;
	struct knowledge_source k;
	struct lb_error err = res->err;
	char prompt[1024], mid[128];
	const char *what;

	if (err.status != LB_OK || !knowledge_source_decode(res->body, res->body_len, &k, &err)) {
		source_delete_free(d);
		cmd_finish(c, &err);
		return;
	}
	d->web = k.web;
	source_what(&k, mid, sizeof(mid), &what);
	char *safe = ai_safe(what), *sid = ai_safe(d->source);
	snprintf(prompt, sizeof(prompt),
	         "Delete knowledge source %s (%s %s)? Type its ID to confirm: ", sid ? sid : "",
	         mid, safe ? safe : "");
	free(safe);
	free(sid);
	knowledge_source_clear(&k);
	cmd_confirm_typed(c, "delete the knowledge source", d->source, prompt, d->yes,
	                  "not deleted", source_delete_go, source_delete_free, d);
}

static void run_knowledge_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct source_delete *d;

	if (cmd_refuse_read_only(c, cmd))
		return;
	d = calloc(1, sizeof(*d));
	if (d) {
		d->copilot = strdup(a->pos[0]);
		d->source = strdup(a->pos[1]);
	}
	if (!d || !d->copilot || !d->source) {
		if (d)
			source_delete_free(d);
		cmd_finish_nomem(c);
		return;
	}
	d->c = c;
	d->yes = cmd_has_flag(a, "yes");
	ai_request(c->model, EP_KNOWLEDGE_GET, d->copilot, d->source, NULL, NULL, 0, API_CT_NONE,
	           source_delete_seen, d);
}

/* ---- add ------------------------------------------------------------------- */

static void source_added(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	char *id = NULL;
	struct lb_error err;

	if (c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
		return;
	}
	if (ai_id_decode(res->body, res->body_len, &id, &err))
		cmd_sayf(c, "added knowledge source %s (%s)", id, arg);
	else
		cmd_sayf(c, "added a knowledge source (%s)", arg);
	free(id);
}

static void run_knowledge_add_web(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	bool crawl = cmd_has_flag(a, "crawl"), sitemap = cmd_has_flag(a, "sitemap");
	const char *type = crawl ? "crawl" : sitemap ? "sitemap" : "individual_link";
	struct buf b;
	struct json_writer w;

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (crawl && sitemap) {
		cmd_finish_usage(c, "%s", "give --crawl or --sitemap, not both");
		return;
	}
	buf_init(&b);
	json_writer_init(&w, &b, false);
	json_begin_object(&w);
	json_key(&w, "copilotId");
	json_string(&w, a->pos[0]);
	json_key(&w, "url");
	json_string(&w, a->pos[1]);
	json_key(&w, "type");
	json_string(&w, type);
	json_end_object(&w);
	if (!w.ok) {
		buf_free(&b);
		cmd_finish_nomem(c);
		return;
	}
	ai_call(c, EP_KNOWLEDGE_WEB_CREATE, a->pos[0], NULL, NULL, b.data, b.len, API_CT_JSON,
	        source_added, type);
	buf_free(&b);
}

static void run_knowledge_add_file(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *name = cmd_opt_value(a, "name");
	struct lb_error err;
	char *data = NULL;
	size_t len = 0;

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!name) {
		const char *slash = strrchr(a->pos[1], '/');
		name = slash ? slash + 1 : a->pos[1];
	}
	if (!*name || !strcmp(name, "-")) {
		cmd_finish_usage(c, "%s", "the file needs a name on the server: give --name NAME");
		return;
	}
	if (!cmd_read_input(c, a->pos[1], &data, &len, &err)) {
		cmd_finish(c, &err);
		return;
	}
	if (!len) {
		free(data);
		cmd_finish_usage(c, "%s is empty: nothing to upload", a->pos[1]);
		return;
	}
	ai_call(c, EP_KNOWLEDGE_FILE_CREATE, a->pos[0], name, NULL, data, len, file_content(name),
	        source_added, name);
	free(data);
}

/* ---- a web source's links, a file source's Markdown ------------------------ */

static bool print_links(struct cmd_ctx *c, const char *json, size_t len, bool more)
{
	struct knowledge_link *v;
	size_t n;
	char *next;
	struct lb_error err;
	struct buf b;
	int idw = 2;
	bool ok;

	if (!knowledge_links_decode(json, len, &v, &n, &next, &err))
		return err.status != LB_NOMEM && (cmd_note(c, err.message), true);
	free(next);
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		output_id_width(&idw, v[i].id ? v[i].id : "-");
	ok = output_row(&b, "ID", idw, "STATUS", 10, "URL");
	for (size_t i = 0; ok && i < n; i++) {
		char *sid = ai_safe(v[i].id ? v[i].id : "-"),
		     *st = ai_safe(v[i].status ? v[i].status : "-");
		ok = sid && st && output_row(&b, sid, idw, st, 10, v[i].url);
		free(sid);
		free(st);
	}
	/* The screen reads them in the pager, a text of their own. */
	if (ok && c->host.interactive && c->host.show_view)
		c->host.show_view(
		    c->host.ud, "pager", &(struct scope){0},
		    &(struct pager_view_opts){.title = "links of a web source", .text = b.data},
		    false);
	else if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	knowledge_links_free(v, n);
	if (ok)
		cmd_note_list_end(c, n, more, "(no links)", "links");
	return ok;
}

static void run_knowledge_links(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_need_view(c))
		return;
	ai_list(c, EP_KNOWLEDGE_WEB_LINKS, a->pos[0], a->pos[1], cmd_has_flag(a, "all"),
	        print_links);
}

static void markdown_ok(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	char *md = NULL, *safe;
	struct lb_error err;

	if (c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
		return;
	}
	if (!knowledge_markdown_decode(res->body, res->body_len, &md, &err)) {
		cmd_note(c, err.message);
		return;
	}
	/* The screen reads it in the pager, which makes it safe itself. */
	if (c->host.interactive && c->host.show_view) {
		char title[256];
		snprintf(title, sizeof(title), "Markdown of %s", arg);
		c->host.show_view(c->host.ud, "pager", &(struct scope){0},
		                  &(struct pager_view_opts){.title = title, .text = md}, false);
		free(md);
		return;
	}
	safe = cmd_safe_lines(md);
	cmd_say(c, safe ? safe : "");
	free(safe);
	free(md);
}

static void run_knowledge_read(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_need_view(c))
		return;
	ai_call(c, EP_KNOWLEDGE_FILE_GET, a->pos[0], a->pos[1], NULL, NULL, 0, API_CT_NONE,
	        markdown_ok, a->pos[1]);
}

static const struct id_arg ids[] = {
    {"COPILOT", 0, false, false, false},
    {"SOURCE", 0, false, false, false},
    {NULL, 0, false, false, false},
};

static const enum endpoint_id endpoints[] = {
    EP_KNOWLEDGE_LIST,        EP_KNOWLEDGE_GET,       EP_KNOWLEDGE_WEB_CREATE,
    EP_KNOWLEDGE_FILE_CREATE, EP_KNOWLEDGE_FILE_GET,  EP_KNOWLEDGE_FILE_DELETE,
    EP_KNOWLEDGE_WEB_DELETE,  EP_KNOWLEDGE_WEB_LINKS, EP_COUNT,
};

const struct family family_knowledge = {
    .name = "knowledge",
    .summary = "A copilot's knowledge sources: web pages and files",
    .commands = commands,
    .ids = ids,
    .endpoints = endpoints,
};
