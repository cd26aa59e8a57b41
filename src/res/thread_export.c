#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "comment_body.h"
#include "files.h"
#include "json.h"
#include "term_safe.h"
#include "thread_export.h"
#include "threads_impl.h"

/* Threads as Markdown and as JSON (thread_export.h), and the command that
 * writes one to a file. */

enum export_format export_format_of(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot || strchr(dot, '/'))
		return (enum export_format) - 1;
	if (!strcasecmp(dot, ".md") || !strcasecmp(dot, ".markdown"))
		return EXPORT_MARKDOWN;
	if (!strcasecmp(dot, ".json"))
		return EXPORT_JSON;
	return (enum export_format) - 1;
}

/* ------------------------------------------------------------------ */
/* Markdown of text */

/* Where text is written: whether the next character starts a line. */
struct md {
	struct buf *b;
	bool line_start;
	bool one_line; /* a heading or a list item: line breaks become spaces */
	bool ok;
};

static void md_add(struct md *m, const char *s, size_t n)
{
	m->ok = m->ok && buf_add(m->b, s, n);
	if (n)
		m->line_start = s[n - 1] == '\n';
}

static void md_adds(struct md *m, const char *s)
{
	md_add(m, s, strlen(s));
}

/* Text as itself: what Markdown reads as syntax escaped, a line break a
 * hard break. */
static void md_text(struct md *m, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue; /* CR LF is one line break */
		if ((c == '\n' || c == '\r') && m->one_line) {
			md_add(m, " ", 1);
			continue;
		}
		if (c == '\n' || c == '\r') {
			md_add(m, "\\\n", 2);
			continue;
		}
		if (strchr("\\`*_~[]()#!|<>{}&", c) || (m->line_start && strchr("-+=", c))) {
			md_add(m, "\\", 1);
		} else if (m->line_start && c >= '0' && c <= '9') {
			/* "1." or "1)" at the start of a line is a list item. */
			size_t d = i;
			while (d < n && s[d] >= '0' && s[d] <= '9')
				d++;
			if (d < n && (s[d] == '.' || s[d] == ')')) {
				md_add(m, s + i, d - i);
				md_add(m, "\\", 1);
				i = d;
				c = s[d];
			}
		}
		md_add(m, &c, 1);
	}
}

static void md_texts(struct md *m, const char *s)
{
	md_text(m, s, strlen(s));
}

/* A code span of s: fenced by one more backtick than its longest run,
 * padded where it starts or ends with a backtick or a space. */
static void md_code(struct md *m, const char *s, size_t n)
{
	size_t longest = 0, run = 0;
	bool pad;

	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	pad = n && (s[0] == '`' || s[n - 1] == '`' || (s[0] == ' ' && s[n - 1] == ' '));
	for (size_t k = 0; k <= longest; k++)
		md_add(m, "`", 1);
	if (pad)
		md_add(m, " ", 1);
	for (size_t i = 0; i < n; i++)
		md_add(m, m->one_line && (s[i] == '\n' || s[i] == '\r') ? " " : s + i, 1);
	if (pad)
		md_add(m, " ", 1);
	for (size_t k = 0; k <= longest; k++)
		md_add(m, "`", 1);
}

static void md_codes(struct md *m, const char *s)
{
	md_code(m, s, strlen(s));
}

/* Text with flags: the markers around what is not blank at its ends
 * (Markdown does not read "** x **" as bold), bold outermost, code
 * innermost. */
static void md_styled(struct md *m, const char *s, size_t n, unsigned on)
{
	static const struct {
		unsigned flag;
		const char *mark;
	} marks[] = {{CBODY_BOLD, "**"}, {CBODY_ITALIC, "_"}, {CBODY_STRIKE, "~~"}};
	size_t lead = 0, trail = 0;

	/* Code alone keeps its blanks: a code span holds them. */
	while ((on & ~CBODY_CODE) && lead < n &&
	       (s[lead] == ' ' || s[lead] == '\n' || s[lead] == '\t'))
		lead++;
	while ((on & ~CBODY_CODE) && trail < n - lead &&
	       (s[n - 1 - trail] == ' ' || s[n - 1 - trail] == '\n' || s[n - 1 - trail] == '\t'))
		trail++;
	md_text(m, s, lead);
	if (lead < n) {
		for (size_t k = 0; k < 3; k++)
			if (on & marks[k].flag)
				md_adds(m, marks[k].mark);
		if (on & CBODY_CODE)
			md_code(m, s + lead, n - lead - trail);
		else
			md_text(m, s + lead, n - lead - trail);
		for (size_t k = 3; k-- > 0;)
			if (on & marks[k].flag)
				md_adds(m, marks[k].mark);
		md_text(m, s + n - trail, trail);
	}
}

/* A link's destination: what would end it or break it percent-encoded. */
static void md_url(struct md *m, const char *url)
{
	for (const char *p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char hex[4];

		if (c <= ' ' || c == 0x7f || strchr("<>()\\", c)) {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			md_adds(m, hex);
		} else {
			md_add(m, p, 1);
		}
	}
}

/* One paragraph: runs of text with the same flags joined first, so that
 * their markers are not written twice. */
static void md_paragraph(struct md *m, const struct cbody_paragraph *p)
{
	struct buf run;
	unsigned on = 0;

	buf_init(&run);
	for (size_t i = 0; i <= p->n; i++) {
		const struct cbody_inline *in = i < p->n ? &p->children[i] : NULL;

		if (in && in->type == CBODY_TEXT && (!run.len || in->on == on)) {
			on = in->on;
			m->ok = m->ok && buf_adds(&run, in->text);
			continue;
		}
		if (run.len)
			md_styled(m, run.data, run.len, on);
		run.len = 0;
		if (!in)
			break;
		if (in->type == CBODY_TEXT) {
			on = in->on;
			m->ok = m->ok && buf_adds(&run, in->text);
		} else if (in->type == CBODY_LINK) {
			md_adds(m, "[");
			md_texts(m, in->text && *in->text ? in->text : in->url);
			md_adds(m, "](");
			md_url(m, in->url);
			md_adds(m, ")");
		} else if (in->id && *in->id) {
			md_adds(m, "@");
			md_texts(m, in->id);
		}
	}
	buf_free(&run);
}

/* A body as Markdown, paragraphs apart; empty paragraphs left out. */
static void md_body(struct md *m, const struct cbody *b)
{
	bool first = true;

	for (size_t i = 0; i < b->n; i++) {
		if (!b->content[i].n)
			continue;
		if (!first)
			md_adds(m, "\n\n");
		first = false;
		m->line_start = true;
		md_paragraph(m, &b->content[i]);
	}
	if (!first)
		md_adds(m, "\n");
}

/* ------------------------------------------------------------------ */
/* Markdown of threads */

/* "`status` = `"open"`, `priority` = `2`"; false when there is none. */
static bool md_metadata(struct md *m, const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;
	const cJSON *v;
	bool any = false;

	cJSON_ArrayForEach(v, (cJSON_IsObject(root) ? root : NULL))
	{
		char *text = cJSON_PrintUnformatted(v);

		if (any)
			md_adds(m, ", ");
		any = true;
		md_codes(m, v->string);
		md_adds(m, " = ");
		md_codes(m, text ? text : "?");
		m->ok = m->ok && text;
		cJSON_free(text);
	}
	cJSON_Delete(root);
	return any;
}

static void md_reactions(struct md *m, const struct comment *c)
{
	char line[64];

	if (!c->n_reactions)
		return;
	md_adds(m, "\nReactions:");
	for (size_t i = 0; i < c->n_reactions; i++) {
		const struct reaction *r = &c->reactions[i];

		md_adds(m, i ? " · " : " ");
		md_texts(m, r->emoji);
		snprintf(line, sizeof(line), " %zu (", r->users.n);
		md_adds(m, line);
		for (size_t k = 0; k < r->users.n; k++) {
			if (k)
				md_adds(m, ", ");
			md_texts(m, r->users.v[k]);
		}
		md_adds(m, ")");
	}
	md_adds(m, "\n");
}

static void md_attachments(struct md *m, const struct comment *c)
{
	if (!c->n_attachments)
		return;
	md_adds(m, "\nAttachments:\n\n");
	for (size_t i = 0; i < c->n_attachments; i++) {
		const struct attachment *a = &c->attachments[i];
		char size[32] = "size unknown";

		if (a->size >= 0)
			format_size((size_t)a->size, size, sizeof(size));
		md_adds(m, "- ");
		md_texts(m, a->name ? a->name : "(no name)");
		md_adds(m, " (");
		md_adds(m, size);
		if (a->mime_type) {
			md_adds(m, ", ");
			md_texts(m, a->mime_type);
		}
		if (a->id) {
			md_adds(m, ", ");
			md_codes(m, a->id);
		}
		md_adds(m, ")\n");
	}
}

static void md_comment(struct md *m, const struct comment *c)
{
	struct cbody *b = NULL;
	struct lb_error err;

	m->one_line = true;
	md_adds(m, "\n## ");
	md_texts(m, c->user_id ? c->user_id : "(no author)");
	md_adds(m, ", ");
	md_texts(m, c->created_at ? c->created_at : "(no date)");
	if (c->deleted_at) {
		md_adds(m, ", deleted ");
		md_texts(m, c->deleted_at);
	} else if (c->edited_at) {
		md_adds(m, ", edited ");
		md_texts(m, c->edited_at);
	}
	md_adds(m, " (");
	md_codes(m, c->id);
	md_adds(m, ")\n\n");
	m->one_line = false;
	if (c->deleted_at) {
		md_adds(m, "_This comment was deleted._\n");
	} else if (c->body_json && cbody_decode(c->body_json, strlen(c->body_json), &b, &err)) {
		md_body(m, b);
		cbody_free(&b);
	} else if (c->body_json) {
		m->line_start = true;
		md_texts(m, c->preview ? c->preview : "");
		md_adds(m, "\n\n_(lbtui cannot read all of this comment: ");
		md_texts(m, err.message);
		md_adds(m, ")_\n");
	}
	m->one_line = true;
	md_reactions(m, c);
	md_attachments(m, c);
	if (c->metadata_json && strcmp(c->metadata_json, "{}")) {
		md_adds(m, "\nMetadata: ");
		md_metadata(m, c->metadata_json);
		md_adds(m, "\n");
	}
	m->one_line = false;
}

static void md_thread(struct md *m, const struct thread *t)
{
	m->one_line = true;
	md_adds(m, "# Thread ");
	md_codes(m, t->id);
	md_adds(m, " in room ");
	md_codes(m, t->room_id ? t->room_id : "?");
	md_adds(m, "\n\n- Resolved: ");
	md_adds(m, t->resolved ? "yes" : "no");
	md_adds(m, "\n- Created: ");
	md_texts(m, t->created_at ? t->created_at : "unknown");
	md_adds(m, "\n- Updated: ");
	md_texts(m, t->updated_at ? t->updated_at : "unknown");
	md_adds(m, "\n- Metadata: ");
	if (!md_metadata(m, t->metadata_json))
		md_adds(m, "none");
	md_adds(m, "\n");
	m->one_line = false;
	for (size_t i = 0; i < t->n_comments; i++)
		md_comment(m, &t->comments[i]);
}

bool threads_export(const struct thread *const *t, size_t n, enum export_format f, struct buf *out,
                    struct lb_error *err)
{
	if (f == EXPORT_MARKDOWN) {
		struct md m = {.b = out, .line_start = true, .ok = true};

		for (size_t i = 0; i < n; i++) {
			if (i)
				md_adds(&m, "\n");
			md_thread(&m, t[i]);
		}
		if (!m.ok)
			lb_error_set(err, LB_NOMEM, "out of memory");
		return m.ok;
	}
	if (f == EXPORT_JSON) {
		struct json_writer w;

		json_writer_init(&w, out, true);
		json_begin_object(&w);
		json_key(&w, "data");
		json_begin_array(&w);
		for (size_t i = 0; i < n; i++)
			json_raw(&w, t[i]->raw_json);
		json_end_array(&w);
		json_end_object(&w);
		if (!w.ok || !buf_adds(out, "\n")) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		return true;
	}
	lb_error_set(err, LB_USAGE, "threads are exported as Markdown or JSON only");
	return false;
}

/* ------------------------------------------------------------------ */
/* thread export [ROOM] THREAD FILE [--force] */

struct export_job {
	enum export_format format;
	bool force;
	char *room, *file; /* in the same block */
};

static bool export_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	struct export_job *x = ud;
	const struct thread *t;
	struct lb_error err;
	struct buf b;
	char size[32];

	if (cmd_load_failed(c, r, x->room))
		return true;
	if (!(t = model_thread_of(r))) {
		cmd_finish_with(c, LB_DECODE, "the thread did not come");
		return true;
	}
	buf_init(&b);
	if (threads_export(&t, 1, x->format, &b, &err) &&
	    file_write(x->file, b.data, b.len, x->force, &err)) {
		format_size(b.len, size, sizeof(size));
		char line[2048];
		snprintf(line, sizeof(line), "exported thread %s of room %s to %s (%s)", t->id,
		         x->room, x->file, size);
		char *safe = ts_sanitize(line, (size_t)-1);
		if (c->host.json)
			cmd_note(c, safe ? safe : line);
		else
			cmd_say(c, safe ? safe : line);
		free(safe);
		lb_error_clear(&err);
	}
	buf_free(&b);
	cmd_finish(c, &err);
	return true;
}

void thread_export_run(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct thread_args ta;
	struct lb_error err;
	struct export_job *x;
	bool force = cmd_has_flag(a, "force");
	int format;

	if (!thread_args_get(c, cmd, a, 2, &ta))
		return;
	if ((format = (int)export_format_of(ta.rest[1])) < 0) {
		cmd_finish_usage(c, "'%s' should end in .md (Markdown) or .json (the API's JSON)",
		                 ta.rest[1]);
		return;
	}
	if (!file_check_writable(ta.rest[1], force, &err)) {
		cmd_finish(c, &err);
		return;
	}
	/* One block, which cmd_wait frees. */
	size_t rl = strlen(ta.room) + 1, fl = strlen(ta.rest[1]) + 1;
	if (!(x = calloc(1, sizeof(*x) + rl + fl))) {
		cmd_finish_nomem(c);
		return;
	}
	x->format = (enum export_format)format;
	x->force = force;
	x->room = memcpy((char *)(x + 1), ta.room, rl);
	x->file = memcpy(x->room + rl, ta.rest[1], fl);
	struct resource *r = model_thread(c->model, ta.room, ta.rest[0]);
	if (!r) {
		free(x);
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait(c, r, true, export_step, x);
}
