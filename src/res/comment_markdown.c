/* Markdown to a comment body, as the SDK's markdownToCommentBody
 * (@liveblocks/node 3.24.2) does it: the lexer of marked 15 with GFM (its
 * block and inline tokenizers, their regular expressions written out as
 * code, in marked's order), then the SDK's walk over the tokens. The
 * block rules are in comment_md_block.c, HTML and reference definitions in
 * comment_md_html.c, the inline rules in comment_md_inline.c, what they
 * share in comment_md.h; the walk and the entry point here.
 *
 * marked works on JavaScript strings, and its results depend on their
 * lengths and positions in UTF-16 units (slices, masks of equal length,
 * the last unit of a text), so these files work on UTF-16 units too: the
 * input is converted once, the body's strings converted back. A regular
 * expression with the "u" flag sees code points; the others see units.
 *
 * Every token and string lives in one arena freed at the end. Running out
 * of memory, or nesting deeper than CBODY_MAX_DEPTH, leaves through
 * longjmp to cbody_from_markdown, the one place that recovers. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_impl.h"
#include "comment_md.h"
#include "utf8.h"
#include "util.h"

/* ---- the SDK's walk over the tokens -------------------------------------- */

/* A string of the body, in UTF-8 (a lone surrogate as U+FFFD). */
static char *to_utf8(struct lexer *lx, struct str s, size_t *len)
{
	char *out = malloc(s.n * 3 + 1), *o = out;

	if (!out)
		fail(lx, LB_NOMEM);
	for (size_t i = 0; i < s.n;) {
		size_t l;
		long cp = cp_at(s, i, &l);

		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;
		o += utf8_encode((unsigned long)cp, o);
		i += l;
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

static void add_text(struct lexer *lx, struct cbody_paragraph *p, struct str s, unsigned on)
{
	size_t len;
	char *u = to_utf8(lx, s, &len);
	bool ok = cm_add_text(p, u, len, on);

	free(u);
	if (!ok)
		fail(lx, LB_NOMEM);
}

static void add_mention(struct lexer *lx, struct cbody_paragraph *p, struct str id)
{
	size_t len;
	struct cbody_inline *in;
	char *u = to_utf8(lx, id, &len);

	in = cm_add_inline(p);
	if (!in) {
		free(u);
		fail(lx, LB_NOMEM);
	}
	in->type = CBODY_MENTION;
	in->kind = CBODY_KIND_USER;
	in->id = u;
}

static bool mention_class(u16 c) /* [A-Za-z0-9_.-] */
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

/* The ID of a mention whose "@" is at at_sign: the end of
 * [A-Za-z0-9_][A-Za-z0-9_.@-]* after it, 0 when there is none. */
static size_t mention_id_end(struct str text, size_t at_sign)
{
	size_t j = at_sign + 1;

	if (at(text, at_sign) != '@' || j >= text.n || !(is_alnum(text.p[j]) || text.p[j] == '_'))
		return 0;
	j++;
	while (j < text.n && (mention_class(text.p[j]) || text.p[j] == '@'))
		j++;
	return j;
}

/* appendTextWithMentions */
static void text_with_mentions(struct lexer *lx, struct cbody_paragraph *p, struct str text,
                               unsigned on)
{
	size_t cursor = 0, i = 0;

	while (i < text.n) {
		size_t at_sign, id_start, id_end, match_end;

		/* (^|[^A-Za-z0-9_.-])@([A-Za-z0-9_][A-Za-z0-9_.@-]*) at i */
		if (i == 0 && (match_end = mention_id_end(text, 0)) != 0)
			at_sign = 0;
		else if (!mention_class(text.p[i]) &&
		         (match_end = mention_id_end(text, i + 1)) != 0)
			at_sign = i + 1;
		else {
			i++;
			continue;
		}
		id_start = at_sign + 1;
		id_end = match_end;
		while (id_end > id_start &&
		       (text.p[id_end - 1] == '.' || text.p[id_end - 1] == '-') &&
		       (id_end == text.n || is_space(text.p[id_end])))
			id_end--;
		if (at_sign > cursor)
			add_text(lx, p, sub(text, cursor, at_sign), on);
		add_mention(lx, p, sub(text, id_start, id_end));
		cursor = id_end;
		i = match_end;
	}
	if (cursor < text.n)
		add_text(lx, p, from(text, cursor), on);
}

static void plain_text(struct lexer *lx, struct sbuf *b, const struct toks *ts);

/* tokenToPlainText (for the inline tokens it meets here). */
static void plain_token(struct lexer *lx, struct sbuf *b, const struct tok *t)
{
	switch (t->type) {
	case T_ESCAPE:
	case T_HTML:
	case T_CODESPAN:
	case T_TEXT:
		sb_str(lx, b, t->text);
		break;
	case T_BR:
		sb_ch(lx, b, '\n');
		break;
	case T_STRONG:
	case T_EM:
	case T_DEL:
	case T_LINK:
		plain_text(lx, b, &t->tokens);
		break;
	case T_IMAGE:
		sb_str(lx, b, t->text.n ? t->text : t->href);
		break;
	default:
		break;
	}
}

static void plain_text(struct lexer *lx, struct sbuf *b, const struct toks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		plain_token(lx, b, ts->v[i]);
}

/* tokensToCommentBodyInlines */
static void inlines(struct lexer *lx, struct cbody_paragraph *p, const struct toks *ts, unsigned on)
{
	enter(lx);
	for (size_t i = 0; i < ts->n; i++) {
		const struct tok *t = ts->v[i];

		switch (t->type) {
		case T_ESCAPE:
		case T_HTML:
		case T_TEXT:
			if (t->type == T_TEXT && t->tokens.n)
				inlines(lx, p, &t->tokens, on);
			else
				text_with_mentions(lx, p, t->text, on);
			break;
		case T_BR:
			add_text(lx, p, lit(lx, "\n"), on);
			break;
		case T_STRONG:
			inlines(lx, p, &t->tokens, on | CBODY_BOLD);
			break;
		case T_EM:
			inlines(lx, p, &t->tokens, on | CBODY_ITALIC);
			break;
		case T_DEL:
			inlines(lx, p, &t->tokens, on | CBODY_STRIKE);
			break;
		case T_CODESPAN:
			add_text(lx, p, t->text, on | CBODY_CODE);
			break;
		case T_LINK: {
			size_t ulen, tlen;
			char *u8 = to_utf8(lx, t->href, &ulen), *url;
			bool rejected;
			struct sbuf text = {0};
			struct cbody_inline *in;

			url = cm_sanitize_url(u8, ulen, &rejected);
			free(u8);
			plain_text(lx, &text, &t->tokens);
			if (!url) {
				if (!rejected)
					fail(lx, LB_NOMEM);
				if (text.n)
					add_text(lx, p, sb_view(&text), on);
				break;
			}
			in = cm_add_inline(p);
			if (!in) {
				free(url);
				fail(lx, LB_NOMEM);
			}
			in->type = CBODY_LINK;
			in->url = url;
			in->text = to_utf8(lx, sb_view(&text), &tlen);
			break;
		}
		case T_IMAGE:
			if (t->raw.n)
				add_text(lx, p, t->raw, on);
			break;
		default: {
			struct sbuf text = {0};

			plain_token(lx, &text, t);
			if (text.n)
				text_with_mentions(lx, p, sb_view(&text), on);
			break;
		}
		}
	}
	leave(lx);
}

/* A paragraph with prefix as a text node before its children. */
static struct cbody_paragraph *new_paragraph(struct lexer *lx)
{
	struct cbody_paragraph *p = cm_add_paragraph(lx->body);

	if (!p)
		fail(lx, LB_NOMEM);
	return p;
}

/* prependTextToParagraph: the paragraph's children start at index
 * `first` of the body's paragraph p; insert a text node before them. */
static void prepend(struct lexer *lx, size_t para, struct str prefix)
{
	struct cbody_paragraph *p = &lx->body->content[para];
	struct cbody_inline moved;

	if (prefix.n == 0)
		return;
	add_text(lx, p, prefix, 0);
	moved = p->children[p->n - 1];
	memmove(p->children + 1, p->children, (p->n - 1) * sizeof(*p->children));
	p->children[0] = moved;
}

static struct str quote_prefix(struct lexer *lx, int depth)
{
	struct sbuf b = {0};

	for (int i = 0; i < depth; i++)
		sb_lit(lx, &b, "> ");
	return sb_view(&b);
}

static struct str list_prefix(struct lexer *lx, int depth, const struct tok *list, size_t index,
                              const struct tok *item)
{
	struct sbuf b = {0};
	char num[32];

	for (int i = 0; i < depth; i++)
		sb_lit(lx, &b, "  ");
	if (!list->ordered) {
		sb_lit(lx, &b, "- ");
	} else {
		snprintf(num, sizeof(num), "%ld. ",
		         (list->start < 0 ? 1 : list->start) + (long)index);
		sb_lit(lx, &b, num);
	}
	if (item->task)
		sb_lit(lx, &b, item->checked ? "[x] " : "[ ] ");
	return sb_view(&b);
}

/* tableToMarkdownRows */
static void table_rows(struct lexer *lx, const struct tok *t, int quote)
{
	static const char *const marks[] = {"---", ":---", ":---:", "---:"};
	struct str qp = quote_prefix(lx, quote);

	for (size_t r = 0; r <= t->nrows; r++) {
		const struct cell *cells = r == 0 ? t->header : t->rows[r - 1];
		struct sbuf b = {0};
		struct cbody_paragraph *p;

		sb_str(lx, &b, qp);
		sb_lit(lx, &b, "| ");
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				sb_lit(lx, &b, " | ");
			plain_text(lx, &b, &cells[c].tokens);
		}
		sb_lit(lx, &b, " |");
		p = new_paragraph(lx);
		add_text(lx, p, sb_view(&b), 0);
		if (r == 0) {
			struct sbuf a = {0};

			sb_str(lx, &a, qp);
			sb_lit(lx, &a, "| ");
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					sb_lit(lx, &a, " | ");
				sb_lit(lx, &a, marks[t->align[c]]);
			}
			sb_lit(lx, &a, " |");
			p = new_paragraph(lx);
			add_text(lx, p, sb_view(&a), 0);
		}
	}
}

static void paragraphs(struct lexer *lx, const struct toks *ts, int list_depth, int quote);

/* tokenToCommentBodyParagraphs */
static void paragraph_of(struct lexer *lx, const struct tok *t, int list_depth, int quote)
{
	size_t first = lx->body->n;

	switch (t->type) {
	case T_SPACE:
	case T_HR:
		break;
	case T_PARAGRAPH:
	case T_HEADING: {
		struct cbody_paragraph *p = new_paragraph(lx);

		inlines(lx, p, &t->tokens, 0);
		if (p->n == 0) {
			lx->body->n--; /* no children: no paragraph */
			break;
		}
		struct sbuf b = {0};
		sb_str(lx, &b, quote_prefix(lx, quote));
		if (t->type == T_HEADING) {
			for (int i = 0; i < t->depth; i++)
				sb_ch(lx, &b, '#');
			sb_ch(lx, &b, ' ');
		}
		prepend(lx, first, sb_view(&b));
		break;
	}
	case T_BLOCKQUOTE:
		paragraphs(lx, &t->tokens, list_depth, quote + 1);
		break;
	case T_LIST: {
		struct str qp = quote_prefix(lx, quote);

		for (size_t i = 0; i < t->items.n; i++) {
			const struct tok *item = t->items.v[i];
			struct str lp = list_prefix(lx, list_depth, t, i, item);
			size_t para = lx->body->n;

			paragraphs(lx, &item->tokens, list_depth + 1, 0);
			if (lx->body->n == para) {
				struct cbody_paragraph *p = new_paragraph(lx);

				add_text(lx, p, cat(lx, qp, lp), 0);
				continue;
			}
			prepend(lx, para, cat(lx, qp, lp));
			for (size_t k = para + 1; k < lx->body->n; k++)
				prepend(lx, k, qp);
		}
		break;
	}
	case T_LIST_ITEM:
		paragraphs(lx, &t->tokens, list_depth, quote);
		break;
	case T_CODE: {
		struct cbody_paragraph *p = new_paragraph(lx);

		add_text(lx, p, t->text, 0);
		prepend(lx, first, quote_prefix(lx, quote));
		break;
	}
	case T_TABLE:
		table_rows(lx, t, quote);
		break;
	default: {
		struct cbody_paragraph *p = new_paragraph(lx);
		struct toks one = {0};

		push_tok(lx, &one, (struct tok *)t);
		inlines(lx, p, &one, 0);
		if (p->n == 0) {
			lx->body->n--;
			break;
		}
		prepend(lx, first, quote_prefix(lx, quote));
		break;
	}
	}
}

static void paragraphs(struct lexer *lx, const struct toks *ts, int list_depth, int quote)
{
	enter(lx);
	for (size_t i = 0; i < ts->n; i++)
		paragraph_of(lx, ts->v[i], list_depth, quote);
	leave(lx);
}

/* ---- the entry point ----------------------------------------------------- */

/* The input as UTF-16, CR LF and CR as LF (marked's first step); invalid
 * UTF-8 as U+FFFD, as node reads a file, and NUL too (the SDK keeps it,
 * but no string of a body here can hold it). */
static struct str to_utf16(struct lexer *lx, const char *md, size_t len)
{
	u16 *p = alloc(lx, (len + 1) * sizeof(u16));
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		long cp;
		size_t used = utf8_decode((const unsigned char *)md + i, len - i, &cp);

		i += used;
		if (cp <= 0)
			cp = 0xFFFD; /* invalid, or NUL (no string of a body holds one) */
		if (cp == '\r') {
			if (i < len && md[i] == '\n')
				i++;
			cp = '\n';
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			p[n++] = (u16)(0xD800 + (cp >> 10));
			p[n++] = (u16)(0xDC00 + (cp & 0x3FF));
		} else {
			p[n++] = (u16)cp;
		}
	}
	return (struct str){p, n};
}

static void free_arena(struct lexer *lx)
{
	while (lx->arena) {
		struct block *next = lx->arena->next;

		free(lx->arena);
		lx->arena = next;
	}
}

struct cbody *cbody_from_markdown(const char *md, size_t len, struct lb_error *err)
{
	struct lexer *lx = calloc(1, sizeof(*lx));
	struct cbody *body;
	struct toks *root;

	lb_error_clear(err);
	if (!lx || !(lx->body = cm_body_new())) {
		free(lx);
		lb_error_set(err, LB_NOMEM, "out of memory reading markdown");
		return NULL;
	}
	if (setjmp(lx->fail)) {
		if (lx->why == LB_USAGE)
			lb_error_set(
			    err, LB_USAGE,
			    "the text nests deeper than %d levels (quotes, lists, emphasis)",
			    CBODY_MAX_DEPTH);
		else
			lb_error_set(err, LB_NOMEM, "out of memory reading markdown");
		cbody_free(&lx->body);
		free_arena(lx);
		free(lx);
		return NULL;
	}
	lx->top = true;
	root = alloc(lx, sizeof(*root));
	md_block_tokens(lx, to_utf16(lx, md, len), root, false);
	for (size_t i = 0; i < lx->nqueue; i++)
		md_inline_tokens(lx, lx->queue[i].src, lx->queue[i].tokens);
	paragraphs(lx, root, 0, 0);
	body = lx->body;
	free_arena(lx);
	free(lx);
	return body;
}
