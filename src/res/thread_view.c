#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "comment_body.h"
#include "decode.h"
#include "ops.h"
#include "output.h"
#include "thread_view.h"

/* What the thread view reads beyond the thread: a comment's group
 * mentions and the thread as Markdown (a group's members: groups.c). */

/* ---- a comment's group mentions ----------------------------------------- */

static bool has(const struct strv *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], id))
			return true;
	return false;
}

bool comment_group_mentions(const struct comment *cm, struct strv *out)
{
	struct cbody *b = NULL;
	struct lb_error err;
	bool ok = true;

	if (cm->deleted_at || !cm->body_json)
		return true;
	if (!cbody_decode(cm->body_json, strlen(cm->body_json), &b, &err))
		return err.status != LB_NOMEM;
	for (size_t p = 0; ok && p < b->n; p++)
		for (size_t i = 0; ok && i < b->content[p].n; i++) {
			const struct cbody_inline *in = &b->content[p].children[i];
			if (in->type == CBODY_MENTION && in->kind == CBODY_KIND_GROUP &&
			    in->id[0] && !has(out, in->id))
				ok = strv_push(out, in->id);
		}
	cbody_free(&b);
	return ok;
}

/* ---- Markdown ------------------------------------------------------------- */

/* Text with what Markdown reads as syntax escaped; a line break inside a
 * text is a hard break (a backslash before it). */
static bool md_text(struct buf *b, const char *s)
{
	bool ok = true;

	for (; ok && *s; s++) {
		if (*s == '\n')
			ok = buf_adds(b, "\\\n");
		else if (strchr("\\`*_~[]<>#|", *s))
			ok = buf_add(b, "\\", 1) && buf_add(b, s, 1);
		else
			ok = buf_add(b, s, 1);
	}
	return ok;
}

/* Code text between as many backticks as it needs (one more than its
 * longest run), padded with spaces when it starts or ends with one. */
static bool md_code(struct buf *b, const char *s)
{
	size_t longest = 0, run = 0;
	char ticks[64];
	bool pad;

	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	if (longest + 1 >= sizeof(ticks))
		longest = sizeof(ticks) - 2;
	memset(ticks, '`', longest + 1);
	ticks[longest + 1] = '\0';
	pad = longest > 0 && (s[0] == '`' || s[strlen(s) - 1] == '`');
	return buf_printf(b, "%s%s%s%s%s", ticks, pad ? " " : "", s, pad ? " " : "", ticks);
}

/* One text node: the SDK's markers around it, bold outermost. */
static bool md_styled(struct buf *b, const struct cbody_inline *in)
{
	static const struct {
		unsigned flag;
		const char *mark;
	} marks[] = {{CBODY_BOLD, "**"}, {CBODY_ITALIC, "_"}, {CBODY_STRIKE, "~~"}};
	size_t n = sizeof(marks) / sizeof(marks[0]);
	bool ok = true;

	if (!in->text[0])
		return true;
	for (size_t i = 0; ok && i < n; i++)
		if (in->on & marks[i].flag)
			ok = buf_adds(b, marks[i].mark);
	ok = ok && ((in->on & CBODY_CODE) ? md_code(b, in->text) : md_text(b, in->text));
	for (size_t i = n; ok && i-- > 0;)
		if (in->on & marks[i].flag)
			ok = buf_adds(b, marks[i].mark);
	return ok;
}

/* The number of url among the links of a comment (1-based), added when
 * new. 0 when out of memory. */
static size_t md_link_number(struct strv *urls, const char *url)
{
	for (size_t i = 0; i < urls->n; i++)
		if (!strcmp(urls->v[i], url))
			return i + 1;
	return strv_push(urls, url) ? urls->n : 0;
}

static bool md_inline(struct buf *b, const struct cbody_inline *in, struct strv *urls)
{
	size_t n;

	switch (in->type) {
	case CBODY_TEXT:
		return md_styled(b, in);
	case CBODY_LINK:
		n = md_link_number(urls, in->url);
		return n && buf_adds(b, "[") && md_text(b, in->text ? in->text : in->url) &&
		       buf_printf(b, "][%zu]", n);
	case CBODY_MENTION:
		return !in->id[0] || (buf_adds(b, "@") && md_text(b, in->id));
	}
	return true;
}

/* A comment's body, paragraphs on blank lines; urls collects its links. */
static bool md_body(struct buf *b, const struct comment *cm, struct strv *urls)
{
	struct cbody *body = NULL;
	struct lb_error err;
	bool ok = true;

	if (!cbody_decode(cm->body_json, strlen(cm->body_json), &body, &err)) {
		if (err.status == LB_NOMEM)
			return false;
		/* What lbtui cannot read whole: its first line, and why. */
		return md_text(b, cm->preview) &&
		       buf_printf(b, "\n\n(lbtui cannot show all of this comment: %s)\n",
		                  err.message);
	}
	for (size_t p = 0; ok && p < body->n; p++) {
		ok = (p == 0 || buf_adds(b, "\n\n"));
		for (size_t i = 0; ok && i < body->content[p].n; i++)
			ok = md_inline(b, &body->content[p].children[i], urls);
	}
	ok = ok && buf_adds(b, "\n");
	cbody_free(&body);
	return ok;
}

static bool md_comment(struct buf *b, const struct comment *cm)
{
	char when[32], edited[32], deleted[32], meta[1024];
	struct strv urls = {0};
	bool ok;

	output_time(cm->created_s, when, sizeof(when));
	output_time(cm->edited_s, edited, sizeof(edited));
	output_time(cm->deleted_s, deleted, sizeof(deleted));
	ok = buf_printf(b, "\n## %s · %s", cm->user_id ? cm->user_id : "-", when);
	if (ok && cm->deleted_at)
		ok = buf_printf(b, " · deleted %s", deleted);
	else if (ok && cm->edited_at)
		ok = buf_printf(b, " · edited %s", edited);
	ok = ok && buf_printf(b, "\n\n<!-- comment %s -->\n\n", cm->id);
	if (ok && (cm->deleted_at || !cm->body_json))
		ok = buf_printf(b, "_(deleted %s)_\n", deleted);
	else if (ok)
		ok = md_body(b, cm, &urls);
	if (ok && cm->n_reactions)
		ok = buf_adds(b, "\nReactions:");
	for (size_t i = 0; ok && i < cm->n_reactions; i++) {
		const struct reaction *r = &cm->reactions[i];
		ok = buf_printf(b, "%s %s %zu (", i ? " ·" : "", r->emoji, r->users.n);
		for (size_t k = 0; ok && k < r->users.n; k++)
			ok = buf_printf(b, "%s%s", k ? ", " : "", r->users.v[k]);
		ok = ok && buf_adds(b, ")");
	}
	if (ok && cm->n_reactions)
		ok = buf_adds(b, "\n");
	for (size_t i = 0; ok && i < cm->n_attachments; i++) {
		const struct attachment *at = &cm->attachments[i];
		char size[32] = "?";
		if (at->size >= 0)
			format_size((size_t)at->size, size, sizeof(size));
		ok = buf_printf(b, "%sAttachment: %s (%s, %s)\n", i ? "" : "\n",
		                at->name ? at->name : (at->id ? at->id : "?"),
		                at->mime_type ? at->mime_type : "?", size);
	}
	if (ok && cm->metadata_json && strcmp(cm->metadata_json, "{}")) {
		thread_metadata_summary(cm->metadata_json, meta, sizeof(meta));
		ok = buf_printf(b, "\nMetadata: %s\n", meta);
	}
	if (ok && urls.n)
		ok = buf_adds(b, "\n");
	for (size_t i = 0; ok && i < urls.n; i++)
		ok = buf_printf(b, "[%zu]: <%s>\n", i + 1, urls.v[i]);
	strv_free(&urls);
	return ok;
}

bool thread_markdown(const struct thread *t, struct buf *out)
{
	char created[32], updated[32], meta[1024];
	bool ok;

	output_time(t->created_s, created, sizeof(created));
	output_time(t->updated_s, updated, sizeof(updated));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	ok = buf_printf(out,
	                "# Thread %s\n\n"
	                "- Room: %s\n"
	                "- Status: %s\n"
	                "- Created: %s\n"
	                "- Updated: %s\n"
	                "- Metadata: %s\n",
	                t->id, t->room_id ? t->room_id : "-",
	                t->resolved ? "resolved" : "unresolved", created, updated,
	                meta[0] ? meta : "-");
	for (size_t i = 0; ok && i < t->n_comments; i++)
		ok = md_comment(out, &t->comments[i]);
	return ok;
}
