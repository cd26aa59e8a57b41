/* Markdown to a comment body, as the SDK's markdownToCommentBody
 * (@liveblocks/node 3.24.2) does it: the lexer of marked 15 with GFM (its
 * block and inline tokenizers, their regular expressions written out as
 * code, in marked's order), then the SDK's walk over the tokens.
 *
 * marked works on JavaScript strings, and its results depend on their
 * lengths and positions in UTF-16 units (slices, masks of equal length,
 * the last unit of a text), so this file works on UTF-16 units too: the
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
#include "utf8.h"
#include "util.h"

typedef uint16_t u16;

/* A string: units p[0..n). Views share memory with what they came from. */
struct str {
	const u16 *p;
	size_t n;
};

/* ---- the arena ----------------------------------------------------------- */

struct block {
	struct block *next;
	size_t used, cap;
	max_align_t data[];
};

struct lexer;
static void *alloc(struct lexer *lx, size_t size);

/* ---- tokens -------------------------------------------------------------- */

enum tok_type {
	T_SPACE,
	T_CODE,
	T_HEADING,
	T_HR,
	T_BLOCKQUOTE,
	T_LIST,
	T_LIST_ITEM,
	T_HTML,
	T_PARAGRAPH,
	T_TEXT,
	T_TABLE,
	T_ESCAPE,
	T_LINK,
	T_IMAGE,
	T_STRONG,
	T_EM,
	T_CODESPAN,
	T_BR,
	T_DEL,
};

struct tok;

struct toks {
	struct tok **v;
	size_t n, cap;
};

struct cell {
	struct str text;
	struct toks tokens;
};

struct tok {
	enum tok_type type;
	struct str raw, text;
	struct toks tokens;
	int depth;          /* heading */
	bool ordered;       /* list */
	long start;         /* list: -1 for "" */
	struct toks items;  /* list */
	bool task, checked; /* list item */
	struct str href;    /* link, image */
	/* table */
	size_t ncols, nrows;
	int *align; /* 0 none, 1 left, 2 center, 3 right */
	struct cell *header;
	struct cell **rows;
};

struct queued {
	struct str src;
	struct toks *tokens;
};

struct def {
	struct str tag, href;
};

struct lexer {
	jmp_buf fail;
	enum lb_status why;
	struct block *arena;
	int depth;
	/* marked's lexer state */
	bool in_link, top;
	struct queued *queue;
	size_t nqueue, capqueue;
	struct def *defs;
	size_t ndefs, capdefs;
	/* the body being made */
	struct cbody *body;
};

static void fail(struct lexer *lx, enum lb_status why)
{
	lx->why = why;
	longjmp(lx->fail, 1);
}

static void *alloc(struct lexer *lx, size_t size)
{
	struct block *b = lx->arena;
	size_t units = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t);

	if (size > SIZE_MAX / 2)
		fail(lx, LB_NOMEM);
	if (!b || b->cap - b->used < units) {
		size_t cap = units > 1024 ? units : 1024;

		b = malloc(sizeof(*b) + cap * sizeof(max_align_t));
		if (!b)
			fail(lx, LB_NOMEM);
		b->next = lx->arena;
		b->used = 0;
		b->cap = cap;
		lx->arena = b;
	}
	b->used += units;
	return memset(b->data + b->used - units, 0, units * sizeof(max_align_t));
}

static void enter(struct lexer *lx)
{
	if (++lx->depth > CBODY_MAX_DEPTH)
		fail(lx, LB_USAGE);
}

static void leave(struct lexer *lx)
{
	lx->depth--;
}

static struct tok *new_tok(struct lexer *lx, enum tok_type type)
{
	struct tok *t = alloc(lx, sizeof(*t));

	t->type = type;
	t->start = -1;
	return t;
}

static void push_tok(struct lexer *lx, struct toks *ts, struct tok *t)
{
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 8;
		struct tok **v = alloc(lx, cap * sizeof(*v));

		if (ts->n)
			memcpy(v, ts->v, ts->n * sizeof(*v));
		ts->v = v;
		ts->cap = cap;
	}
	ts->v[ts->n++] = t;
}

static struct tok *last_tok(const struct toks *ts)
{
	return ts->n ? ts->v[ts->n - 1] : NULL;
}

/* ---- strings ------------------------------------------------------------- */

static struct str sub(struct str s, size_t from, size_t to)
{
	if (to > s.n)
		to = s.n;
	if (from > to)
		from = to;
	if (!s.p)
		return s; /* the empty string no memory holds */
	return (struct str){s.p + from, to - from};
}

static struct str from(struct str s, size_t i)
{
	return sub(s, i, s.n);
}

/* a and b joined. Where b already follows a in memory (two views of one
 * source, the usual case when a lexer joins what it read in pieces), the
 * result is a view over both: nothing is copied, so joining one piece at
 * a time stays linear. */
static struct str cat(struct lexer *lx, struct str a, struct str b)
{
	u16 *p;

	if (a.n && b.n && (uintptr_t)(a.p + a.n) == (uintptr_t)b.p)
		return (struct str){a.p, a.n + b.n};
	if (!b.n)
		return a;
	if (!a.n)
		return b;
	p = alloc(lx, (a.n + b.n + 1) * sizeof(u16));

	if (a.n)
		memcpy(p, a.p, a.n * sizeof(u16));
	if (b.n)
		memcpy(p + a.n, b.p, b.n * sizeof(u16));
	return (struct str){p, a.n + b.n};
}

/* A string of ASCII text. */
static struct str lit(struct lexer *lx, const char *s)
{
	size_t n = strlen(s);
	u16 *p = alloc(lx, (n + 1) * sizeof(u16));

	for (size_t i = 0; i < n; i++)
		p[i] = (u16)(unsigned char)s[i];
	return (struct str){p, n};
}

/* a, "\n" and b joined (a view when they follow each other in memory). */
static struct str cat_nl(struct lexer *lx, struct str a, struct str b)
{
	if (a.n && b.n && (uintptr_t)(a.p + a.n + 1) == (uintptr_t)b.p && a.p[a.n] == '\n')
		return (struct str){a.p, a.n + 1 + b.n};
	return cat(lx, cat(lx, a, lit(lx, "\n")), b);
}

/* A growing string. */
struct sbuf {
	u16 *p;
	size_t n, cap;
};

static void sb_add(struct lexer *lx, struct sbuf *b, const u16 *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		u16 *q;

		while (cap < b->n + n)
			cap *= 2;
		q = alloc(lx, cap * sizeof(u16));
		if (b->n)
			memcpy(q, b->p, b->n * sizeof(u16));
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n * sizeof(u16));
	b->n += n;
}

static void sb_str(struct lexer *lx, struct sbuf *b, struct str s)
{
	sb_add(lx, b, s.p, s.n);
}

static void sb_ch(struct lexer *lx, struct sbuf *b, u16 c)
{
	sb_add(lx, b, &c, 1);
}

static void sb_lit(struct lexer *lx, struct sbuf *b, const char *s)
{
	while (*s)
		sb_ch(lx, b, (u16)(unsigned char)*s++);
}

static struct str sb_view(const struct sbuf *b)
{
	return (struct str){b->p, b->n};
}

static bool starts_lit(struct str s, size_t i, const char *lit_)
{
	size_t n = strlen(lit_);

	if (i > s.n || s.n - i < n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (s.p[i + k] != (u16)(unsigned char)lit_[k])
			return false;
	return true;
}

static u16 lower(u16 c)
{
	return c >= 'A' && c <= 'Z' ? (u16)(c + 32) : c;
}

/* ASCII-case-insensitive starts_lit (lit_ in lower case). */
static bool starts_ci(struct str s, size_t i, const char *lit_)
{
	size_t n = strlen(lit_);

	if (i > s.n || s.n - i < n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (lower(s.p[i + k]) != (u16)(unsigned char)lit_[k])
			return false;
	return true;
}

static u16 at(struct str s, size_t i)
{
	return i < s.n ? s.p[i] : 0;
}

/* Is c one of the ASCII characters of set? */
static bool in_set(u16 c, const char *set)
{
	return c != 0 && c < 128 && strchr(set, (char)c) != NULL;
}

static bool str_eq(struct str a, struct str b)
{
	return a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n * sizeof(u16)));
}

/* ---- characters ---------------------------------------------------------- */

static bool is_space(u16 c) /* JavaScript's \s */
{
	return cm_is_js_space(c);
}

/* What "." does not match. */
static bool is_terminator(u16 c)
{
	return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

static bool is_digit(u16 c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(u16 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(u16 c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_word(u16 c) /* \w */
{
	return is_alnum(c) || c == '_';
}

static bool is_high(u16 c)
{
	return c >= 0xD800 && c <= 0xDBFF;
}

static bool is_low(u16 c)
{
	return c >= 0xDC00 && c <= 0xDFFF;
}

/* The code point at s[i] as a "u" regular expression sees it (a lone
 * surrogate is one), its units in *len. */
static long cp_at(struct str s, size_t i, size_t *len)
{
	u16 c = s.p[i];

	if (is_high(c) && i + 1 < s.n && is_low(s.p[i + 1])) {
		*len = 2;
		return 0x10000 + (((long)c - 0xD800) << 10) + (s.p[i + 1] - 0xDC00);
	}
	*len = 1;
	return c;
}

/* [\p{P}\p{S}]; a lone surrogate is neither. */
static bool is_punct(long cp)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return false;
	return cm_in_ranges(cm_punct, cm_punct_n, cp);
}

static bool is_uspace(long cp)
{
	return cp < 0x10000 && is_space((u16)cp);
}

/* JavaScript's trim family. */
static struct str trim_start(struct str s)
{
	size_t i = 0;

	while (i < s.n && is_space(s.p[i]))
		i++;
	return from(s, i);
}

static struct str trim_end(struct str s)
{
	while (s.n > 0 && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static struct str trim(struct str s)
{
	return trim_end(trim_start(s));
}

/* marked's rtrim(str, c): drop the trailing run of c. */
static struct str rtrim_ch(struct str s, u16 c)
{
	while (s.n > 0 && s.p[s.n - 1] == c)
		s.n--;
	return s;
}

/* Index of the first unit that is not a space (search(/[^ ]/)), or -1. */
static long first_non_space(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != ' ')
			return (long)i;
	return -1;
}

/* End of the line starting at i (the index of its "\n", or n). */
static size_t line_end(struct str s, size_t i)
{
	while (i < s.n && s.p[i] != '\n')
		i++;
	return i;
}

/* Up to `max` spaces from i: how many. */
static size_t spaces(struct str s, size_t i, size_t max)
{
	size_t k = 0;

	while (k < max && i + k < s.n && s.p[i + k] == ' ')
		k++;
	return k;
}

/* src.split("\n", 1)[0] */
static struct str first_line(struct str s)
{
	return sub(s, 0, line_end(s, 0));
}

/* ---- block rules --------------------------------------------------------- */

/* /^(?:[ \t]*(?:\n|$))+/: the length, 0 when it does not match. */
static size_t m_newline(struct str s, size_t i0)
{
	size_t i = i0;
	bool any = false;

	for (;;) {
		size_t j = i;

		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
		if (j < s.n && s.p[j] == '\n') {
			i = j + 1;
			any = true;
			continue;
		}
		if (j == s.n && (j > i || !any)) {
			i = j;
			any = true;
		}
		break;
	}
	return any ? i - i0 : 0;
}

/* Blank lines from i (the rule's "(?:[ \t]*(?:\n|$))*"): where they end. */
static size_t blank_lines(struct str s, size_t i)
{
	return i + m_newline(s, i);
}

/* /^((?: {4}| {0,3}\t)[^\n]+(?:\n(?:[ \t]*(?:\n|$))*)?)+/ */
static size_t m_code(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i, k = spaces(s, i, 4);

		if (k == 4)
			j += 4;
		else if (k < 4 && at(s, i + k) == '\t')
			j += k + 1;
		else
			break;
		if (j >= s.n || s.p[j] == '\n')
			break;
		j = line_end(s, j);
		if (j < s.n)
			j = blank_lines(s, j + 1);
		i = j;
	}
	return i;
}

/* Is position i at the start of a line (after any line terminator)? */
static bool line_start(struct str s, size_t i)
{
	return i == 0 || is_terminator(s.p[i - 1]);
}

/* /^(?: {1,4}| {0,3}\t)/gm removed. */
static struct str remove_code_indent(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		if (line_start(s, i)) {
			size_t k = spaces(s, i, 4);

			if (k >= 1) {
				i += k;
				continue;
			}
			if (at(s, i) == '\t') {
				i++;
				continue;
			}
		}
		sb_ch(lx, &b, s.p[i++]);
	}
	return sb_view(&b);
}

/* A closing fence at i: ` {0,3}` + fence + [~`]* + ` *` before \n or the
 * end. Its end, or 0. */
static size_t closing_fence(struct str s, size_t i, struct str fence)
{
	size_t j = i + spaces(s, i, 3);

	if (s.n - j < fence.n || memcmp(s.p + j, fence.p, fence.n * sizeof(u16)))
		return 0;
	j += fence.n;
	while (j < s.n && (s.p[j] == '~' || s.p[j] == '`'))
		j++;
	while (j < s.n && s.p[j] == ' ')
		j++;
	return j == s.n || s.p[j] == '\n' ? j : 0;
}

/* marked's indentCodeCompensation. */
static struct str indent_code_compensation(struct lexer *lx, struct str raw, struct str text)
{
	size_t indent = 0;
	struct sbuf b = {0};

	while (indent < raw.n && is_space(raw.p[indent]))
		indent++;
	if (indent == 0 || !starts_lit(raw, indent, "```"))
		return text;
	for (size_t i = 0; i <= text.n;) {
		size_t e = line_end(text, i), ws = 0;
		struct str node = sub(text, i, e);

		while (ws < node.n && is_space(node.p[ws]))
			ws++;
		if (i > 0)
			sb_ch(lx, &b, '\n');
		sb_str(lx, &b, ws > 0 && ws >= indent ? from(node, indent) : node);
		i = e + 1;
	}
	return sb_view(&b);
}

/* fences: the code token, or NULL. */
static struct tok *tk_fences(struct lexer *lx, struct str s)
{
	size_t k = spaces(s, 0, 3), r = 0, e, pos, q, close = 0;
	u16 c = at(s, k);
	struct str fence, content = {0};
	bool have_content = false;
	struct tok *t;

	if (c != '`' && c != '~')
		return NULL;
	while (at(s, k + r) == c)
		r++;
	if (r < 3)
		return NULL;
	e = line_end(s, k + r);
	if (c == '`')
		for (size_t i = k + r; i < e; i++)
			if (s.p[i] == '`')
				return NULL;
	fence = sub(s, k, k + r);
	pos = e < s.n ? e + 1 : s.n;
	if (pos == s.n || (close = closing_fence(s, pos, fence)) != 0) {
		if (pos == s.n)
			close = s.n;
	} else {
		for (q = pos; q <= s.n; q++) {
			size_t after;

			if (q < s.n && s.p[q] == '\n')
				after = q + 1;
			else if (q == s.n)
				after = s.n;
			else
				continue;
			if (after == s.n) {
				close = s.n;
			} else if ((close = closing_fence(s, after, fence)) == 0) {
				continue;
			}
			content = sub(s, pos, q);
			have_content = true;
			break;
		}
	}
	t = new_tok(lx, T_CODE);
	t->raw = sub(s, 0, close);
	t->text = indent_code_compensation(lx, t->raw, have_content ? content : (struct str){0});
	return t;
}

/* /^ {0,3}(#{1,6})(?=\s|$)(.*)(?:\n+|$)/: the end, 0 when not a heading;
 * the depth and the text's range. */
static size_t m_heading(struct str s, int *depth, size_t *tfrom, size_t *tto)
{
	size_t k = spaces(s, 0, 3), h = 0, e;

	while (at(s, k + h) == '#')
		h++;
	if (h == 0 || h > 6 || (k + h < s.n && !is_space(s.p[k + h])))
		return 0;
	e = k + h;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	*depth = (int)h;
	*tfrom = k + h;
	*tto = e;
	if (e == s.n)
		return e;
	if (s.p[e] != '\n')
		return 0;
	while (e < s.n && s.p[e] == '\n')
		e++;
	return e;
}

static struct tok *tk_heading(struct lexer *lx, struct str s)
{
	int depth;
	size_t a, b, end = m_heading(s, &depth, &a, &b);
	struct str text;
	struct tok *t;

	if (!end)
		return NULL;
	text = trim(sub(s, a, b));
	if (text.n > 0 && text.p[text.n - 1] == '#') {
		struct str trimmed = rtrim_ch(text, '#');

		if (trimmed.n == 0 || trimmed.p[trimmed.n - 1] == ' ')
			text = trim(trimmed);
	}
	t = new_tok(lx, T_HEADING);
	t->raw = sub(s, 0, end);
	t->depth = depth;
	t->text = text;
	return t;
}

/* /^ {0,3}((?:-[\t ]*){3,}|(?:_[ \t]*){3,}|(?:\*[ \t]*){3,})(?:\n+|$)/ at
 * i: the end, 0 when not a rule. */
static size_t m_hr(struct str s, size_t i)
{
	size_t j = i + spaces(s, i, 3), count = 0;
	u16 c = at(s, j);

	if (c != '-' && c != '_' && c != '*')
		return 0;
	while (at(s, j) == c) {
		count++;
		j++;
		while (at(s, j) == ' ' || at(s, j) == '\t')
			j++;
	}
	if (count < 3 || (j < s.n && s.p[j] != '\n'))
		return 0;
	while (j < s.n && s.p[j] == '\n')
		j++;
	return j;
}

/* The tag names of marked's block HTML ("h[1-6]" included). */
static const char *const block_tags[] = {
    "address", "article", "aside",    "base",     "basefont", "blockquote", "body",
    "caption", "center",  "col",      "colgroup", "dd",       "details",    "dialog",
    "dir",     "div",     "dl",       "dt",       "fieldset", "figcaption", "figure",
    "footer",  "form",    "frame",    "frameset", "h1",       "h2",         "h3",
    "h4",      "h5",      "h6",       "head",     "header",   "hr",         "html",
    "iframe",  "legend",  "li",       "link",     "main",     "menu",       "menuitem",
    "meta",    "nav",     "noframes", "ol",       "optgroup", "option",     "p",
    "param",   "search",  "section",  "summary",  "table",    "tbody",      "td",
    "tfoot",   "th",      "thead",    "title",    "tr",       "track",      "ul",
};

/* Is s[i..i+n) one of the block tags (case-insensitive when ci)? */
static bool is_block_tag(struct str s, size_t i, size_t n, bool ci)
{
	for (size_t k = 0; k < sizeof(block_tags) / sizeof(block_tags[0]); k++) {
		const char *t = block_tags[k];

		if (strlen(t) != n)
			continue;
		size_t m = 0;
		while (m < n && (ci ? lower(s.p[i + m]) : s.p[i + m]) == (u16)(unsigned char)t[m])
			m++;
		if (m == n)
			return true;
	}
	return false;
}

/* `</?(?:tag)(?: +|\n|/?>)` at i (ci: with the "i" flag): its end, or 0. */
static size_t m_block_tag_open(struct str s, size_t i, bool ci)
{
	size_t j = i, name;
	u16 c;

	if (at(s, j) != '<' || j >= s.n)
		return 0;
	j++;
	if (at(s, j) == '/')
		j++;
	name = j;
	while (j < s.n && is_alnum(s.p[j]))
		j++;
	if (j == name || !is_block_tag(s, name, j - name, ci) || j >= s.n)
		return 0;
	c = s.p[j];
	if (c == ' ') {
		while (at(s, j) == ' ' && j < s.n)
			j++;
		return j;
	}
	if (c == '\n' || c == '>')
		return j + 1;
	if (c == '/' && at(s, j + 1) == '>')
		return j + 2;
	return 0;
}

/* The starts of a block that the paragraph and the table rows share in
 * their negative lookaheads, at i with k leading spaces. */
static bool heading_starts(struct str s, size_t i, size_t k)
{
	size_t h = 0;

	while (at(s, i + k + h) == '#')
		h++;
	return h >= 1 && h <= 6 && (i + k + h == s.n || is_space(s.p[i + k + h]));
}

/* A fence of three or more ` or ~ at j, on a line that ends (a ` fence
 * with no ` after it). */
static bool fence_starts(struct str s, size_t j)
{
	u16 c = at(s, j);
	size_t r = 0, e;

	if (c != '`' && c != '~')
		return false;
	while (at(s, j + r) == c)
		r++;
	if (r < 3)
		return false;
	e = line_end(s, j + r);
	if (e >= s.n)
		return false;
	if (c == '`')
		for (size_t x = j + r; x < e; x++)
			if (s.p[x] == '`')
				return false;
	return true;
}

/* A bullet, or an ordered item numbered 1, at j followed by a space. */
static bool first_item_starts(struct str s, size_t j)
{
	u16 c = at(s, j);

	if ((c == '*' || c == '+' || c == '-') && at(s, j + 1) == ' ' && j + 1 < s.n)
		return true;
	return c == '1' && (at(s, j + 1) == '.' || at(s, j + 1) == ')') && at(s, j + 2) == ' ' &&
	       j + 2 < s.n;
}

/* Block HTML that may interrupt: a block tag, or a raw one, or a comment. */
static bool html_interrupts(struct str s, size_t i)
{
	return m_block_tag_open(s, i, false) || starts_lit(s, i, "<script") ||
	       starts_lit(s, i, "<pre") || starts_lit(s, i, "<style") ||
	       starts_lit(s, i, "<textarea") || starts_lit(s, i, "<!--");
}

/* The interruptions of a paragraph at the start of a line (i), as the
 * negative lookahead of marked's paragraph rule has them; with_table for
 * the GFM rule. */
static bool m_table_head(struct str s, size_t i);
static bool interrupts_paragraph(struct str s, size_t i, bool with_table)
{
	size_t k = spaces(s, i, 3), sp = i;

	if (m_hr(s, i) || heading_starts(s, i, k) || (with_table && m_table_head(s, i)) ||
	    at(s, i + k) == '>' || fence_starts(s, i + k) || first_item_starts(s, i + k) ||
	    html_interrupts(s, i))
		return true;
	while (sp < s.n && s.p[sp] == ' ')
		sp++;
	return sp > i && at(s, sp) == '\n' && sp < s.n;
}

/* A paragraph from i: its first line and the lines that continue it.
 * Where it ends (at the "\n" after it, or n). */
static size_t m_paragraph_at(struct str s, size_t i, bool with_table)
{
	size_t e;

	if (i >= s.n || s.p[i] == '\n')
		return i;
	e = line_end(s, i);
	while (e < s.n && e + 1 < s.n && s.p[e + 1] != '\n' &&
	       !interrupts_paragraph(s, e + 1, with_table))
		e = line_end(s, e + 1);
	return e;
}

/* /^( {0,3}> ?(paragraph|[^\n]*)(?:\n|$))+/ */
static size_t m_blockquote(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i + spaces(s, i, 3);

		if (at(s, j) != '>' || j >= s.n)
			break;
		j++;
		if (at(s, j) == ' ' && j < s.n)
			j++;
		j = m_paragraph_at(s, j, false);
		if (j < s.n)
			j++; /* the "\n" */
		i = j;
		if (i >= s.n)
			break;
	}
	return i;
}

/* ---- the table rule ------------------------------------------------------ */

/* The delimiter row at i: /(?:\| *)?:?-+:? *(?:\| *:?-+:? *)*(?:\| *)?/
 * followed by \n or the end; where it ends, 0 when it is not one. */
static size_t m_delimiter_row(struct str s, size_t i)
{
	size_t j = i;

	if (at(s, j) == '|' && j < s.n) {
		j++;
		while (at(s, j) == ' ')
			j++;
	}
	for (;;) {
		size_t c = j;

		if (at(s, c) == ':')
			c++;
		if (at(s, c) != '-')
			return 0;
		while (at(s, c) == '-')
			c++;
		if (at(s, c) == ':')
			c++;
		while (at(s, c) == ' ')
			c++;
		j = c;
		if (at(s, j) != '|' || j >= s.n)
			break;
		j++;
		while (at(s, j) == ' ')
			j++;
		if (j >= s.n || s.p[j] == '\n')
			break; /* a final pipe */
	}
	return j == s.n || s.p[j] == '\n' ? (j > i ? j : 0) : 0;
}

/* The head of a table at i: / *([^\n ].*)\n {0,3}DELIMITER(?:\n|$)/ (the
 * rest of the rule always matches). */
static bool m_table_head(struct str s, size_t i)
{
	size_t j = i, e;

	while (at(s, j) == ' ')
		j++;
	if (j >= s.n || s.p[j] == '\n' || s.p[j] == ' ')
		return false;
	e = j;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	if (e >= s.n || s.p[e] != '\n')
		return false;
	e++;
	e += spaces(s, e, 3);
	return m_delimiter_row(s, e) != 0;
}

/* Does a table row stop at i (the negative lookahead of the rows)? */
static bool stops_rows(struct str s, size_t i)
{
	size_t sp = i, k = spaces(s, i, 3);

	while (at(s, sp) == ' ')
		sp++;
	if (sp < s.n && s.p[sp] == '\n')
		return true; /*  *\n */
	if (m_hr(s, i) || heading_starts(s, i, k) || (at(s, i + k) == '>' && i + k < s.n))
		return true;
	if (spaces(s, i, 4) == 4 && i + 4 < s.n && s.p[i + 4] != '\n')
		return true;
	if (k < 4 && at(s, i + k) == '\t' && i + k + 1 < s.n && s.p[i + k + 1] != '\n')
		return true;
	return fence_starts(s, i + k) || first_item_starts(s, i + k) || html_interrupts(s, i);
}

/* marked's splitCells. */
static struct str *split_cells(struct lexer *lx, struct str row, size_t count, size_t *out_n)
{
	struct sbuf b = {0};
	struct str *cells;
	size_t n = 0, cap = 8, start, end;

	/* "|" becomes " |" unless escaped (odd backslashes before it). */
	for (size_t i = 0; i < row.n; i++) {
		if (row.p[i] == '|') {
			bool escaped = false;
			size_t k = i;

			while (k > 0 && row.p[k - 1] == '\\') {
				escaped = !escaped;
				k--;
			}
			if (!escaped)
				sb_ch(lx, &b, ' ');
		}
		sb_ch(lx, &b, row.p[i]);
	}
	cells = alloc(lx, cap * sizeof(*cells));
	start = 0;
	for (size_t i = 0; i <= b.n; i++) {
		if (i < b.n && !(b.p[i] == ' ' && i + 1 < b.n && b.p[i + 1] == '|'))
			continue;
		if (n == cap) {
			struct str *c = alloc(lx, cap * 2 * sizeof(*c));
			memcpy(c, cells, n * sizeof(*c));
			cells = c;
			cap *= 2;
		}
		cells[n++] = sub(sb_view(&b), start, i);
		start = i + 2;
		i++;
	}
	start = 0;
	end = n;
	if (n > 0 && trim(cells[0]).n == 0)
		start = 1;
	if (end > start && trim(cells[end - 1]).n == 0)
		end--;
	n = end - start;
	cells += start;
	if (count) {
		if (n > count) {
			n = count;
		} else if (n < count) {
			struct str *c = alloc(lx, count * sizeof(*c));
			if (n)
				memcpy(c, cells, n * sizeof(*c));
			cells = c;
			n = count;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct str t = trim(cells[i]);
		struct sbuf u = {0};

		for (size_t k = 0; k < t.n; k++) {
			if (t.p[k] == '\\' && k + 1 < t.n && t.p[k + 1] == '|')
				continue;
			sb_ch(lx, &u, t.p[k]);
		}
		cells[i] = sb_view(&u);
	}
	*out_n = n;
	return cells;
}

static void queue_inline(struct lexer *lx, struct str src, struct toks *tokens);

static int align_of(struct str a)
{
	size_t i = 0, j;
	bool left = false, right = false;

	while (at(a, i) == ' ')
		i++;
	if (at(a, i) == ':') {
		left = true;
		i++;
	}
	j = i;
	while (at(a, j) == '-')
		j++;
	if (j == i)
		return 0;
	if (at(a, j) == ':') {
		right = true;
		j++;
	}
	while (at(a, j) == ' ')
		j++;
	if (j != a.n)
		return 0;
	return left && right ? 2 : left ? 1 : right ? 3 : 0;
}

static struct tok *tk_table(struct lexer *lx, struct str s)
{
	size_t j = 0, e, d, dend, rows_from, rows_to, end, nheaders, naligns = 0;
	struct str head, delim, rows_text, *headers, aligns_src, *aligns;
	struct tok *t;
	bool has_pipe_or_colon = false;

	while (at(s, j) == ' ')
		j++;
	if (j >= s.n || s.p[j] == '\n' || s.p[j] == ' ')
		return NULL;
	e = j;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	if (e >= s.n || s.p[e] != '\n')
		return NULL;
	head = sub(s, j, e);
	d = e + 1 + spaces(s, e + 1, 3);
	dend = m_delimiter_row(s, d);
	if (!dend)
		return NULL;
	delim = sub(s, d, dend);
	if (dend == s.n) {
		rows_from = rows_to = end = s.n;
	} else {
		size_t r = dend + 1;

		rows_from = r;
		while (r < s.n && !stops_rows(s, r)) {
			size_t le = r;

			while (le < s.n && !is_terminator(s.p[le]))
				le++;
			if (le < s.n && s.p[le] != '\n')
				break;
			r = le < s.n ? le + 1 : le;
		}
		rows_to = r;
		end = r;
		while (end < s.n && s.p[end] == '\n')
			end++;
	}
	for (size_t i = 0; i < delim.n; i++)
		if (delim.p[i] == ':' || delim.p[i] == '|')
			has_pipe_or_colon = true;
	if (!has_pipe_or_colon)
		return NULL;
	headers = split_cells(lx, head, 0, &nheaders);
	/* aligns: /^\||\| *$/g removed, then split at "|" */
	aligns_src = delim;
	if (aligns_src.n > 0 && aligns_src.p[0] == '|')
		aligns_src = from(aligns_src, 1);
	{
		size_t k = aligns_src.n;

		while (k > 0 && aligns_src.p[k - 1] == ' ')
			k--;
		if (k > 0 && aligns_src.p[k - 1] == '|')
			aligns_src = sub(aligns_src, 0, k - 1);
	}
	for (size_t i = 0; i <= aligns_src.n; i++)
		if (i == aligns_src.n || aligns_src.p[i] == '|')
			naligns++;
	if (nheaders != naligns)
		return NULL;
	aligns = alloc(lx, naligns * sizeof(*aligns));
	for (size_t i = 0, k = 0, st = 0; i <= aligns_src.n; i++)
		if (i == aligns_src.n || aligns_src.p[i] == '|') {
			aligns[k++] = sub(aligns_src, st, i);
			st = i + 1;
		}
	t = new_tok(lx, T_TABLE);
	t->raw = sub(s, 0, end);
	t->ncols = nheaders;
	t->align = alloc(lx, (nheaders + 1) * sizeof(int));
	t->header = alloc(lx, (nheaders + 1) * sizeof(struct cell));
	for (size_t i = 0; i < nheaders; i++) {
		t->align[i] = align_of(aligns[i]);
		t->header[i].text = headers[i];
		queue_inline(lx, headers[i], &t->header[i].tokens);
	}
	rows_text = sub(s, rows_from, rows_to);
	if (trim(rows_text).n > 0) {
		/* /\n[ \t]*$/ removed, then split at "\n" */
		size_t k = rows_text.n;

		while (k > 0 && (rows_text.p[k - 1] == ' ' || rows_text.p[k - 1] == '\t'))
			k--;
		if (k > 0 && rows_text.p[k - 1] == '\n')
			rows_text = sub(rows_text, 0, k - 1);
		for (size_t i = 0; i <= rows_text.n; i++)
			if (i == rows_text.n || rows_text.p[i] == '\n')
				t->nrows++;
		t->rows = alloc(lx, t->nrows * sizeof(*t->rows));
		for (size_t i = 0, r = 0, st = 0; i <= rows_text.n; i++) {
			size_t nc;
			struct str *cells;

			if (i < rows_text.n && rows_text.p[i] != '\n')
				continue;
			cells = split_cells(lx, sub(rows_text, st, i), nheaders, &nc);
			t->rows[r] = alloc(lx, (nheaders + 1) * sizeof(struct cell));
			for (size_t c = 0; c < nc; c++) {
				t->rows[r][c].text = cells[c];
				queue_inline(lx, cells[c], &t->rows[r][c].tokens);
			}
			r++;
			st = i + 1;
		}
	}
	return t;
}

/* ---- the setext heading rule (GFM) --------------------------------------- */

/* What may not begin the text of a setext heading, or a line of it after
 * the first: bull |blockCode|fences|blockquote|heading|html|table. */
static bool m_lheading_stop(struct str s, size_t i)
{
	size_t k = spaces(s, i, 3), j;
	u16 c = at(s, i);

	if (i >= s.n)
		return false;
	/* bullet and a space (no indent) */
	if ((c == '*' || c == '+' || c == '-') && at(s, i + 1) == ' ' && i + 1 < s.n)
		return true;
	j = i;
	while (j < s.n && j - i < 9 && is_digit(s.p[j]))
		j++;
	if (j > i && (at(s, j) == '.' || at(s, j) == ')') && at(s, j + 1) == ' ' && j + 1 < s.n)
		return true;
	/* indented code */
	if (spaces(s, i, 4) == 4 || at(s, i + k) == '\t')
		return true;
	c = at(s, i + k);
	if (i + k < s.n && (c == '`' || c == '~') && at(s, i + k + 1) == c && at(s, i + k + 2) == c)
		return true;
	if (c == '>' && i + k < s.n)
		return true;
	if (c == '#' && i + k < s.n)
		return true;
	if (c == '<' && i + k < s.n) {
		j = i + k + 1;
		if (j < s.n && s.p[j] != '\n' && s.p[j] != '>') {
			while (j < s.n && s.p[j] != '\n' && s.p[j] != '>')
				j++;
			if (at(s, j) == '>' && j < s.n && at(s, j + 1) == '\n' && j + 1 < s.n)
				return true;
		}
	}
	/* table: / {0,3}\|?(?:[:\- ]*\|)+[\:\- ]*\n/, a line of ":- |" with a
	 * pipe in it */
	{
		bool pipe = false;

		for (j = i; j < s.n && s.p[j] != '\n'; j++) {
			if (s.p[j] == '|')
				pipe = true;
			else if (!in_set(s.p[j], ":- "))
				break;
		}
		if (pipe && j < s.n && s.p[j] == '\n')
			return true;
	}
	return false;
}

/* A setext underline at i: / {0,3}(=+|-+) *(?:\n+|$)/; its end, 0 if not. */
static size_t m_underline(struct str s, size_t i, int *depth)
{
	size_t j = i + spaces(s, i, 3);
	u16 c = at(s, j);

	if ((c != '=' && c != '-') || j >= s.n)
		return 0;
	while (at(s, j) == c)
		j++;
	while (at(s, j) == ' ')
		j++;
	if (j < s.n && s.p[j] != '\n')
		return 0;
	while (j < s.n && s.p[j] == '\n')
		j++;
	*depth = c == '=' ? 1 : 2;
	return j;
}

static struct tok *tk_lheading(struct lexer *lx, struct str s)
{
	size_t i = 0;

	if (m_lheading_stop(s, 0))
		return NULL;
	/* The text: lines of characters that "." matches, joined where the
	 * next line is not blank and does not stop it; it ends before the
	 * first underline. */
	for (;;) {
		size_t e = i;
		int depth;

		while (e < s.n && !is_terminator(s.p[e]))
			e++;
		if (e >= s.n || s.p[e] != '\n')
			return NULL;
		if (e > 0) {
			size_t u = m_underline(s, e + 1, &depth);

			if (u) {
				struct tok *t = new_tok(lx, T_HEADING);

				t->raw = sub(s, 0, u);
				t->depth = depth;
				t->text = sub(s, 0, e);
				return t;
			}
		}
		/* \n(?!\s*?\n|...): not before a blank line */
		{
			size_t w = e + 1;

			while (w < s.n && is_space(s.p[w]) && s.p[w] != '\n')
				w++;
			if (w < s.n && s.p[w] == '\n')
				return NULL;
		}
		if (m_lheading_stop(s, e + 1))
			return NULL;
		i = e + 1;
	}
}

/* ---- block HTML ---------------------------------------------------------- */

/* /(?:(?:\n[ \t]*)+\n|$)/ searched lazily from i: the end of the first
 * match. */
static size_t html_block_end(struct str s, size_t i)
{
	for (; i < s.n; i++) {
		size_t j = i, last_nl = 0, count = 0;

		while (j < s.n && s.p[j] == '\n') {
			last_nl = j;
			count++;
			j++;
			while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
				j++;
		}
		if (count >= 2)
			return last_nl + 1;
	}
	return s.n;
}

/* The end of "[ \t]*" then "\n" or the end at i (a lookahead), or 0. */
static bool blank_rest(struct str s, size_t i)
{
	while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
		i++;
	return i == s.n || s.p[i] == '\n';
}

/* An attribute of block HTML: / +[a-zA-Z:_][\w.:-]*(?: *= *"[^"\n]*"|
 * *= *'[^'\n]*'| *= *[^\s"'=<>`]+)?/ — every end it can have, longest
 * first, into ends[]. */
static size_t html_attr_ends(struct str s, size_t i, bool inline_rule, size_t ends[4])
{
	size_t j = i, n = 0, name_end, v;

	if (inline_rule) {
		while (j < s.n && is_space(s.p[j]))
			j++;
	} else {
		while (at(s, j) == ' ')
			j++;
	}
	if (j == i || j >= s.n)
		return 0;
	if (!(is_alpha(s.p[j]) || s.p[j] == ':' || s.p[j] == '_'))
		return 0;
	j++;
	while (j < s.n && (is_word(s.p[j]) || s.p[j] == '.' || s.p[j] == ':' || s.p[j] == '-'))
		j++;
	name_end = j;
	/* the value */
	v = name_end;
	if (inline_rule) {
		while (v < s.n && is_space(s.p[v]))
			v++;
	} else {
		while (at(s, v) == ' ')
			v++;
	}
	if (at(s, v) == '=' && v < s.n) {
		v++;
		if (inline_rule) {
			while (v < s.n && is_space(s.p[v]))
				v++;
		} else {
			while (at(s, v) == ' ')
				v++;
		}
		u16 q = at(s, v);
		if ((q == '"' || q == '\'') && v < s.n) {
			size_t k = v + 1;

			while (k < s.n && s.p[k] != q && (inline_rule || s.p[k] != '\n'))
				k++;
			if (k < s.n && s.p[k] == q)
				ends[n++] = k + 1;
		} else {
			size_t k = v;

			while (k < s.n && !is_space(s.p[k]) && !in_set(s.p[k], "\"'=<>`"))
				k++;
			/* greedy, then shorter */
			for (size_t m = k; m > v && n < 3; m--)
				ends[n++] = m;
		}
	}
	ends[n++] = name_end;
	return n;
}

/* After a tag's attributes: / *\/?>/ (block) or /\s*\/?>/ (inline) at i,
 * then (block) only blanks to the end of the line. Its end or 0. */
static size_t html_tag_close(struct str s, size_t i, bool inline_rule)
{
	size_t j = i;

	while (j < s.n && (inline_rule ? is_space(s.p[j]) : s.p[j] == ' '))
		j++;
	if (at(s, j) == '/' && j < s.n)
		j++;
	if (at(s, j) != '>' || j >= s.n)
		return 0;
	j++;
	if (!inline_rule && !blank_rest(s, j))
		return 0;
	return j;
}

/* Attributes, lazily, then the close: the end of the tag, or 0. */
static size_t html_attrs_then_close(struct str s, size_t i, bool inline_rule, int budget)
{
	size_t ends[4], n, c;

	if ((c = html_tag_close(s, i, inline_rule)) != 0)
		return c;
	if (budget <= 0)
		return 0;
	n = html_attr_ends(s, i, inline_rule, ends);
	for (size_t k = 0; k < n; k++)
		if ((c = html_attrs_then_close(s, ends[k], inline_rule, budget - 1)) != 0)
			return c;
	return 0;
}

static bool starts_raw_tag(struct str s, size_t i)
{
	return starts_ci(s, i, "script") || starts_ci(s, i, "pre") || starts_ci(s, i, "style") ||
	       starts_ci(s, i, "textarea");
}

/* Search s from i for `lit_` (case-insensitive when ci): its index or n. */
static size_t find(struct str s, size_t i, const char *lit_, bool ci)
{
	for (; i < s.n; i++)
		if (ci ? starts_ci(s, i, lit_) : starts_lit(s, i, lit_))
			return i;
	return s.n;
}

static size_t m_html_block(struct str s)
{
	size_t k = spaces(s, 0, 3), i = k, j;

	if (at(s, i) != '<' || i >= s.n)
		return 0;
	/* 1: <script|pre|style|textarea ... </name> */
	{
		static const char *const names[] = {"script", "pre", "style", "textarea"};

		for (size_t t = 0; t < 4; t++) {
			size_t len = strlen(names[t]);

			if (!starts_ci(s, i + 1, names[t]))
				continue;
			u16 c = at(s, i + 1 + len);
			if (i + 1 + len >= s.n || !(is_space(c) || c == '>'))
				continue;
			char close[16] = "</";
			strcat(close, names[t]);
			strcat(close, ">");
			for (j = i + 1 + len + 1; j < s.n; j++) {
				size_t e;

				j = find(s, j, close, true);
				if (j >= s.n)
					break;
				e = line_end(s, j + strlen(close));
				if (e < s.n) {
					while (e < s.n && s.p[e] == '\n')
						e++;
					return e;
				}
			}
			return s.n;
		}
	}
	/* 2: comment */
	if (starts_lit(s, i, "<!--")) {
		size_t e;

		j = i + 4;
		if (starts_lit(s, j, ">"))
			e = j + 1;
		else if (starts_lit(s, j, "->"))
			e = j + 2;
		else {
			e = find(s, j, "-->", false);
			e = e < s.n ? e + 3 : s.n;
		}
		e = line_end(s, e);
		while (e < s.n && s.p[e] == '\n')
			e++;
		return e;
	}
	/* 3: <? ... ?> */
	if (starts_lit(s, i, "<?")) {
		j = find(s, i + 2, "?>", false);
		if (j >= s.n)
			return s.n;
		j += 2;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 4: <!LETTER ... > */
	if (at(s, i + 1) == '!' && is_alpha(at(s, i + 2))) {
		j = find(s, i + 3, ">", false);
		if (j >= s.n)
			return s.n;
		j++;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 5: CDATA */
	if (starts_ci(s, i, "<![cdata[")) {
		j = find(s, i + 9, "]]>", false);
		if (j >= s.n)
			return s.n;
		j += 3;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 6: a block tag */
	if ((j = m_block_tag_open(s, i, true)) != 0)
		return html_block_end(s, j);
	/* 7: any other open or closing tag alone on its line */
	if (is_alpha(at(s, i + 1)) && !starts_raw_tag(s, i + 1)) {
		j = i + 2;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		if (html_attrs_then_close(s, j, false, 64))
			return html_block_end(s, j);
		return 0;
	}
	if (at(s, i + 1) == '/' && is_alpha(at(s, i + 2)) && !starts_raw_tag(s, i + 2)) {
		j = i + 3;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		while (j < s.n && is_space(s.p[j]))
			j++;
		if (at(s, j) == '>' && j < s.n && blank_rest(s, j + 1))
			return html_block_end(s, j + 1);
	}
	return 0;
}

/* ---- reference definitions ----------------------------------------------- */

/* A title at i ("...", '...' or (...)): every end it can have, longest
 * first; the count. */
static size_t title_ends(struct str s, size_t i, bool def, size_t *ends, size_t max)
{
	u16 q = at(s, i);
	size_t n = 0;

	if (i >= s.n)
		return 0;
	if (q == '"') {
		/* "(?:\\"?|[^"\\])*": ends at the first unescaped quote, or at an
		 * escaped one read as a backslash alone. */
		size_t j = i + 1, hard = 0;
		size_t soft[64], nsoft = 0;

		while (j < s.n) {
			if (s.p[j] == '\\') {
				if (at(s, j + 1) == '"' && j + 1 < s.n && nsoft < 64)
					soft[nsoft++] = j + 2;
				j += at(s, j + 1) == '"' && j + 1 < s.n ? 2 : 1;
				continue;
			}
			if (s.p[j] == '"') {
				hard = j + 1;
				break;
			}
			j++;
		}
		if (hard && n < max)
			ends[n++] = hard;
		while (nsoft > 0 && n < max)
			ends[n++] = soft[--nsoft];
		return n;
	}
	if (q == '\'') {
		size_t j = i + 1;

		if (def) {
			/* '[^'\n]*(?:\n[^'\n]+)*\n?' */
			for (;;) {
				while (j < s.n && s.p[j] != '\'' && s.p[j] != '\n')
					j++;
				if (at(s, j) == '\'' && j < s.n)
					break;
				if (j >= s.n)
					return 0;
				/* at \n: a non-empty line follows, or \n then ' */
				if (at(s, j + 1) == '\'' && j + 1 < s.n) {
					j++;
					break;
				}
				if (j + 1 >= s.n || s.p[j + 1] == '\n')
					return 0;
				j++;
			}
			ends[n++] = j + 1;
			return n;
		}
		/* '(?:\\'?|[^'\\])*' */
		size_t hard = 0, soft[64], nsoft = 0;
		while (j < s.n) {
			if (s.p[j] == '\\') {
				if (at(s, j + 1) == '\'' && j + 1 < s.n && nsoft < 64)
					soft[nsoft++] = j + 2;
				j += at(s, j + 1) == '\'' && j + 1 < s.n ? 2 : 1;
				continue;
			}
			if (s.p[j] == '\'') {
				hard = j + 1;
				break;
			}
			j++;
		}
		if (hard && n < max)
			ends[n++] = hard;
		while (nsoft > 0 && n < max)
			ends[n++] = soft[--nsoft];
		return n;
	}
	if (q == '(') {
		size_t j = i + 1;

		if (def) {
			while (j < s.n && s.p[j] != '(' && s.p[j] != ')')
				j++;
			if (at(s, j) == ')' && j < s.n)
				ends[n++] = j + 1;
			return n;
		}
		/* \((?:\\\)?|[^)\\])*\) */
		size_t hard = 0, soft[64], nsoft = 0;
		while (j < s.n) {
			if (s.p[j] == '\\') {
				if (at(s, j + 1) == ')' && j + 1 < s.n && nsoft < 64)
					soft[nsoft++] = j + 2;
				j += at(s, j + 1) == ')' && j + 1 < s.n ? 2 : 1;
				continue;
			}
			if (s.p[j] == ')') {
				hard = j + 1;
				break;
			}
			j++;
		}
		if (hard && n < max)
			ends[n++] = hard;
		while (nsoft > 0 && n < max)
			ends[n++] = soft[--nsoft];
		return n;
	}
	return 0;
}

/* / *(?:\n+|$)/ at i: its end, or 0. */
static size_t def_tail(struct str s, size_t i)
{
	while (at(s, i) == ' ' && i < s.n)
		i++;
	if (i == s.n)
		return i;
	if (s.p[i] != '\n')
		return 0;
	while (i < s.n && s.p[i] == '\n')
		i++;
	return i;
}

/* JavaScript's /\\(punct)/gu replaced by the punct. */
static struct str unescape_punct(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		size_t len;

		if (s.p[i] == '\\' && i + 1 < s.n && is_punct(cp_at(s, i + 1, &len))) {
			sb_add(lx, &b, s.p + i + 1, len);
			i += 1 + len;
			continue;
		}
		sb_ch(lx, &b, s.p[i++]);
	}
	return sb_view(&b);
}

/* Lower-case and white space runs as one space (ASCII case only). */
static struct str def_key(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		if (is_space(s.p[i])) {
			while (i < s.n && is_space(s.p[i]))
				i++;
			sb_ch(lx, &b, ' ');
			continue;
		}
		sb_ch(lx, &b, lower(s.p[i++]));
	}
	return sb_view(&b);
}

/* /^ {0,3}\[(label)\]: *(?:\n[ \t]*)?([^<\s][^\s]*|<.*?>)(?:(?: +(?:\n[ \t]*)?|
 * *\n[ \t]*)(title))? *(?:\n+|$)/ */
static size_t m_def(struct str s, struct str *label, struct str *href)
{
	size_t i = spaces(s, 0, 3), j, lab;

	if (at(s, i) != '[' || i >= s.n)
		return 0;
	lab = i + 1;
	/* (?!\s*\]) */
	j = lab;
	while (j < s.n && is_space(s.p[j]))
		j++;
	if (at(s, j) == ']' && j < s.n)
		return 0;
	j = lab;
	while (j < s.n && s.p[j] != ']') {
		if (s.p[j] == '[')
			return 0;
		if (s.p[j] == '\\') {
			if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
				return 0;
			j += 2;
			continue;
		}
		j++;
	}
	if (j == lab || j >= s.n || at(s, j + 1) != ':' || j + 1 >= s.n)
		return 0;
	*label = sub(s, lab, j);
	j += 2;
	while (at(s, j) == ' ' && j < s.n)
		j++;
	if (at(s, j) == '\n' && j < s.n) {
		j++;
		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
	}
	/* the destination: candidates */
	size_t hstart = j, hends[64], nh = 0;
	if (at(s, j) == '<' && j < s.n) {
		for (size_t k = j + 1; k < s.n && !is_terminator(s.p[k]) && nh < 64; k++)
			if (s.p[k] == '>')
				hends[nh++] = k + 1;
	} else if (j < s.n && !is_space(s.p[j])) {
		size_t k = j + 1;

		while (k < s.n && !is_space(s.p[k]))
			k++;
		hends[nh++] = k;
	}
	for (size_t h = 0; h < nh; h++) {
		size_t he = hends[h], end;

		/* with a title */
		{
			size_t t = he, seps[2], ns = 0;

			/* ' +(?:\n[ \t]*)?' */
			if (at(s, t) == ' ' && t < s.n) {
				size_t u = t;

				while (at(s, u) == ' ' && u < s.n)
					u++;
				if (at(s, u) == '\n' && u < s.n) {
					size_t w = u + 1;

					while (w < s.n && (s.p[w] == ' ' || s.p[w] == '\t'))
						w++;
					seps[ns++] = w;
				}
				seps[ns++] = u;
			} else {
				/* ' *\n[ \t]*' */
				size_t u = t;

				while (at(s, u) == ' ' && u < s.n)
					u++;
				if (at(s, u) == '\n' && u < s.n) {
					size_t w = u + 1;

					while (w < s.n && (s.p[w] == ' ' || s.p[w] == '\t'))
						w++;
					seps[ns++] = w;
				}
			}
			for (size_t k = 0; k < ns; k++) {
				size_t te[66], nt = title_ends(s, seps[k], true, te, 66);

				for (size_t m = 0; m < nt; m++)
					if ((end = def_tail(s, te[m])) != 0)
						goto found;
			}
		}
		if ((end = def_tail(s, he)) != 0)
			goto found;
		continue;
	found:
		*href = sub(s, hstart, he);
		return end;
	}
	return 0;
}

/* ---- the block lexer ----------------------------------------------------- */

static void queue_inline(struct lexer *lx, struct str src, struct toks *tokens)
{
	if (lx->nqueue == lx->capqueue) {
		size_t cap = lx->capqueue ? lx->capqueue * 2 : 16;
		struct queued *q = alloc(lx, cap * sizeof(*q));

		if (lx->nqueue)
			memcpy(q, lx->queue, lx->nqueue * sizeof(*q));
		lx->queue = q;
		lx->capqueue = cap;
	}
	lx->queue[lx->nqueue].src = src;
	lx->queue[lx->nqueue++].tokens = tokens;
}

static struct toks *block_tokens(struct lexer *lx, struct str src, struct toks *tokens,
                                 bool last_paragraph_clipped);

static struct tok *tk_blockquote(struct lexer *lx, struct str s);
static struct tok *tk_list(struct lexer *lx, struct str s);

/* Lines of s (split at "\n"). */
static struct str *split_lines(struct lexer *lx, struct str s, size_t *n)
{
	size_t count = 1, k = 0, st = 0;
	struct str *v;

	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '\n')
			count++;
	v = alloc(lx, count * sizeof(*v));
	for (size_t i = 0; i <= s.n; i++)
		if (i == s.n || s.p[i] == '\n') {
			v[k++] = sub(s, st, i);
			st = i + 1;
		}
	*n = count;
	return v;
}

static struct str join_lines(struct lexer *lx, struct str *v, size_t n)
{
	struct str s = {0};

	for (size_t i = 0; i < n; i++)
		s = i ? cat_nl(lx, s, v[i]) : v[i];
	return s;
}

static bool blockquote_start(struct str line)
{
	size_t k = spaces(line, 0, 3);

	return at(line, k) == '>' && k < line.n;
}

/* A blockquote's lines made its text, appended to b: lazy "===" / "---"
 * lines indented (so they stay text), then the ">" markers removed. */
static struct str blockquote_text(struct lexer *lx, struct str raw, struct sbuf *bp)
{
	struct sbuf a = {0}, *b = bp;
	size_t start = b->n;
	struct str t;

	/* /\n {0,3}((?:=+|-+) *)(?=\n|$)/g -> "\n    $1" */
	for (size_t i = 0; i < raw.n;) {
		if (raw.p[i] == '\n') {
			size_t k = spaces(raw, i + 1, 3), j = i + 1 + k;
			u16 c = at(raw, j);

			if ((c == '=' || c == '-') && j < raw.n) {
				size_t e = j;

				while (at(raw, e) == c && e < raw.n)
					e++;
				while (at(raw, e) == ' ' && e < raw.n)
					e++;
				if (e == raw.n || raw.p[e] == '\n') {
					sb_lit(lx, &a, "\n    ");
					sb_str(lx, &a, sub(raw, j, e));
					i = e;
					continue;
				}
			}
		}
		sb_ch(lx, &a, raw.p[i++]);
	}
	t = sb_view(&a);
	/* /^ {0,3}>[ \t]?/gm -> "" */
	for (size_t i = 0; i < t.n;) {
		if (line_start(t, i)) {
			size_t k = spaces(t, i, 3);

			if (at(t, i + k) == '>' && i + k < t.n) {
				i += k + 1;
				if (i < t.n && (t.p[i] == ' ' || t.p[i] == '\t'))
					i++;
				if (i >= t.n)
					break;
				/* what follows is no line start (it follows ">" or a blank) */
				sb_ch(lx, b, t.p[i++]);
				continue;
			}
		}
		sb_ch(lx, b, t.p[i++]);
	}
	return (struct str){b->p + start, b->n - start};
}

static struct tok *tk_blockquote(struct lexer *lx, struct str s)
{
	size_t end = m_blockquote(s), nlines;
	struct str *lines, raw = {0}, text = {0};
	struct sbuf tb = {0};
	struct tok *t;
	bool have = false;

	if (!end)
		return NULL;
	/* The texts of the blockquote's pieces go one after the other into
	 * one buffer big enough for all of them (a "---" line may grow by
	 * four spaces), so that the text, and a paragraph that goes on from
	 * one piece to the next, are views and not copies. */
	tb.cap = 6 * end + 16;
	tb.p = alloc(lx, tb.cap * sizeof(u16));
	t = new_tok(lx, T_BLOCKQUOTE);
	lines = split_lines(lx, rtrim_ch(sub(s, 0, end), '\n'), &nlines);
	while (nlines > 0) {
		bool in_quote = false, top;
		size_t i;
		struct str current_raw, current_text;
		struct tok *last;

		for (i = 0; i < nlines; i++) {
			if (blockquote_start(lines[i]))
				in_quote = true;
			else if (in_quote)
				break;
		}
		current_raw = join_lines(lx, lines, i);
		lines += i;
		nlines -= i;
		if (have)
			sb_ch(lx, &tb, '\n');
		current_text = blockquote_text(lx, current_raw, &tb);
		raw = have ? cat_nl(lx, raw, current_raw) : current_raw;
		text = have ? cat_nl(lx, text, current_text) : current_text;
		have = true;
		top = lx->top;
		lx->top = true;
		block_tokens(lx, current_text, &t->tokens, true);
		lx->top = top;
		if (nlines == 0)
			break;
		last = last_tok(&t->tokens);
		if (last && last->type == T_CODE) {
			break;
		} else if (last && last->type == T_BLOCKQUOTE) {
			struct str new_text = cat_nl(lx, last->raw, join_lines(lx, lines, nlines));
			struct tok *nt = tk_blockquote(lx, new_text);

			t->tokens.v[t->tokens.n - 1] = nt;
			raw = cat(lx,
			          sub(raw, 0, raw.n - (last->raw.n < raw.n ? last->raw.n : raw.n)),
			          nt->raw);
			text = cat(
			    lx,
			    sub(text, 0, text.n - (last->text.n < text.n ? last->text.n : text.n)),
			    nt->text);
			break;
		} else if (last && last->type == T_LIST) {
			struct str new_text = cat_nl(lx, last->raw, join_lines(lx, lines, nlines));
			struct tok *nt = tk_list(lx, new_text);

			if (!nt)
				break;
			t->tokens.v[t->tokens.n - 1] = nt;
			raw = cat(lx,
			          sub(raw, 0, raw.n - (last->raw.n < raw.n ? last->raw.n : raw.n)),
			          nt->raw);
			text = cat(
			    lx,
			    sub(text, 0, text.n - (last->raw.n < text.n ? last->raw.n : text.n)),
			    nt->raw);
			lines = split_lines(lx, from(new_text, nt->raw.n), &nlines);
			continue;
		}
	}
	t->raw = raw;
	t->text = text;
	return t;
}

/* /^ {0,k}(?:[*+-]|\d{1,9}[.)])((?:[ \t][^\n]*)?(?:\n|$))/ on one line */
static bool next_bullet(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k), j;
	u16 c = at(line, i);

	if (i >= line.n)
		return false;
	if (c == '*' || c == '+' || c == '-') {
		j = i + 1;
	} else {
		j = i;
		while (j < line.n && j - i < 9 && is_digit(line.p[j]))
			j++;
		if (j == i || (at(line, j) != '.' && at(line, j) != ')') || j >= line.n)
			return false;
		j++;
	}
	return j == line.n || line.p[j] == ' ' || line.p[j] == '\t';
}

/* /^ {0,k}((?:- *){3,}|(?:_ *){3,}|(?:\* *){3,})(?:\n+|$)/ on one line */
static bool hr_line(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k), count = 0;
	u16 c = at(line, i);

	if ((c != '-' && c != '_' && c != '*') || i >= line.n)
		return false;
	while (i < line.n && line.p[i] == c) {
		count++;
		i++;
		while (i < line.n && line.p[i] == ' ')
			i++;
	}
	return count >= 3 && i == line.n;
}

static bool fences_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	return starts_lit(line, i, "```") || starts_lit(line, i, "~~~");
}

static bool heading_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	return at(line, i) == '#' && i < line.n;
}

/* /^ {0,k}<(?:[a-z].*>|!--)/i */
static bool html_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	if (at(line, i) != '<' || i >= line.n)
		return false;
	if (starts_lit(line, i + 1, "!--"))
		return true;
	if (!is_alpha(at(line, i + 1)) || i + 1 >= line.n)
		return false;
	for (size_t j = i + 2; j < line.n && !is_terminator(line.p[j]); j++)
		if (line.p[j] == '>')
			return true;
	return false;
}

static struct str tabs_to_spaces(struct lexer *lx, struct str s, size_t width, bool leading_only)
{
	struct sbuf b = {0};
	size_t i = 0;

	for (; i < s.n; i++) {
		if (s.p[i] == '\t') {
			for (size_t k = 0; k < width; k++)
				sb_ch(lx, &b, ' ');
			continue;
		}
		if (leading_only)
			break;
		sb_ch(lx, &b, s.p[i]);
	}
	if (leading_only)
		sb_str(lx, &b, from(s, i));
	return sb_view(&b);
}

static struct tok *tk_list(struct lexer *lx, struct str s)
{
	size_t k = spaces(s, 0, 3), b_end, e;
	u16 c = at(s, k), delim = 0;
	bool ordered;
	struct tok *list;
	struct str bull;

	if (k >= s.n)
		return NULL;
	/* /^( {0,3}bull)([ \t][^\n]+?)?(?:\n|$)/ */
	if (c == '*' || c == '+' || c == '-') {
		b_end = k + 1;
	} else {
		b_end = k;
		while (b_end < s.n && b_end - k < 9 && is_digit(s.p[b_end]))
			b_end++;
		if (b_end == k || (at(s, b_end) != '.' && at(s, b_end) != ')') || b_end >= s.n)
			return NULL;
		delim = s.p[b_end];
		b_end++;
	}
	e = b_end;
	if (!(e == s.n || s.p[e] == '\n')) {
		if (!((s.p[e] == ' ' || s.p[e] == '\t') && e + 1 < s.n && s.p[e + 1] != '\n'))
			return NULL;
	}
	bull = trim(sub(s, 0, b_end));
	ordered = bull.n > 1;
	list = new_tok(lx, T_LIST);
	list->ordered = ordered;
	if (ordered) {
		long v = 0;

		for (size_t i = 0; i + 1 < bull.n; i++)
			v = v * 10 + (bull.p[i] - '0');
		list->start = v;
	}
	struct sbuf list_raw = {0};
	struct str src = s;
	while (src.n) {
		size_t ik = spaces(src, 0, 3), ib, ie, indent;
		struct str raw, cap1, cap2, line, next_line, item_contents = {0};
		bool blank_line, end_early = false;
		struct sbuf contents = {0}, raw_b = {0};

		/* itemRegex */
		if (ik >= src.n)
			break;
		if (!ordered) {
			if (src.p[ik] != bull.p[0])
				break;
			ib = ik + 1;
		} else {
			ib = ik;
			while (ib < src.n && ib - ik < 9 && is_digit(src.p[ib]))
				ib++;
			if (ib == ik || at(src, ib) != delim || ib >= src.n)
				break;
			ib++;
		}
		ie = ib;
		if (ie < src.n && (src.p[ie] == ' ' || src.p[ie] == '\t'))
			ie = line_end(src, ie);
		if (ie < src.n && src.p[ie] != '\n')
			break;
		if (ie < src.n)
			ie++;
		if (m_hr(src, 0))
			break;
		raw = sub(src, 0, ie);
		cap1 = sub(src, 0, ib);
		cap2 = sub(src, ib, ie);
		src = from(src, raw.n);
		sb_str(lx, &raw_b, raw);
		line = tabs_to_spaces(lx, first_line(cap2), 3, true);
		next_line = first_line(src);
		blank_line = trim(line).n == 0;
		if (blank_line) {
			indent = cap1.n + 1;
		} else {
			long fi = first_non_space(cap2);

			indent = fi > 4 ? 1 : (size_t)fi;
			item_contents = from(line, indent);
			indent += cap1.n;
		}
		sb_str(lx, &contents, item_contents);
		if (blank_line && blank_rest(next_line, 0)) {
			sb_str(lx, &raw_b, next_line);
			sb_ch(lx, &raw_b, '\n');
			src = from(src, next_line.n + 1);
			end_early = true;
		}
		if (!end_early) {
			size_t kk = indent - 1 < 3 ? indent - 1 : 3;

			while (src.n) {
				struct str raw_line = first_line(src), nl, nl_no_tabs;

				nl = raw_line;
				nl_no_tabs = tabs_to_spaces(lx, nl, 4, false);
				if (fences_begin(nl, kk) || heading_begin(nl, kk) ||
				    html_begin(nl, kk) || next_bullet(nl, kk) || hr_line(nl, kk))
					break;
				long fns = first_non_space(nl_no_tabs);
				if (fns >= (long)indent || trim(nl).n == 0) {
					sb_ch(lx, &contents, '\n');
					sb_str(lx, &contents, from(nl_no_tabs, indent));
				} else {
					struct str line_no_tabs =
					    tabs_to_spaces(lx, line, 4, false);

					if (blank_line)
						break;
					if (first_non_space(line_no_tabs) >= 4)
						break;
					if (fences_begin(line, kk) || heading_begin(line, kk) ||
					    hr_line(line, kk))
						break;
					sb_ch(lx, &contents, '\n');
					sb_str(lx, &contents, nl);
				}
				if (!blank_line && trim(nl).n == 0)
					blank_line = true;
				sb_str(lx, &raw_b, raw_line);
				sb_ch(lx, &raw_b, '\n');
				src = from(src, raw_line.n + 1);
				line = from(nl_no_tabs, indent);
			}
		}
		struct tok *item = new_tok(lx, T_LIST_ITEM);
		struct str text = sb_view(&contents);
		/* /^\[[ xX]\] / */
		if (text.n >= 4 && text.p[0] == '[' &&
		    (text.p[1] == ' ' || text.p[1] == 'x' || text.p[1] == 'X') &&
		    text.p[2] == ']' && text.p[3] == ' ') {
			size_t j = 3;

			item->task = true;
			item->checked = text.p[1] != ' ';
			while (j < text.n && text.p[j] == ' ')
				j++;
			text = from(text, j);
		}
		item->raw = sb_view(&raw_b);
		item->text = text;
		push_tok(lx, &list->items, item);
		sb_str(lx, &list_raw, item->raw);
	}
	if (list->items.n == 0)
		return NULL;
	{
		struct tok *lastitem = last_tok(&list->items);

		lastitem->raw = trim_end(lastitem->raw);
		lastitem->text = trim_end(lastitem->text);
	}
	list->raw = trim_end(sb_view(&list_raw));
	for (size_t i = 0; i < list->items.n; i++) {
		lx->top = false;
		block_tokens(lx, list->items.v[i]->text, &list->items.v[i]->tokens, false);
	}
	return list;
}

static struct toks *block_tokens(struct lexer *lx, struct str src, struct toks *tokens,
                                 bool last_paragraph_clipped)
{
	enter(lx);
	while (src.n) {
		struct tok *t, *last;
		size_t n;
		struct str label, href;

		if ((n = m_newline(src, 0)) != 0) {
			t = new_tok(lx, T_SPACE);
			t->raw = sub(src, 0, n);
			src = from(src, n);
			last = last_tok(tokens);
			if (n == 1 && last) {
				/* marked adds "\n" to the last token's raw; only a list's
				 * and a quote's raw is ever read again (when a quote
				 * reads them anew), so only theirs is kept. */
				if (last->type == T_LIST || last->type == T_BLOCKQUOTE)
					last->raw = cat(lx, last->raw, lit(lx, "\n"));
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((n = m_code(src)) != 0) {
			t = new_tok(lx, T_CODE);
			t->raw = sub(src, 0, n);
			t->text = rtrim_ch(remove_code_indent(lx, t->raw), '\n');
			src = from(src, n);
			last = last_tok(tokens);
			if (last && (last->type == T_PARAGRAPH || last->type == T_TEXT)) {
				last->text = cat_nl(lx, last->text, t->text);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((t = tk_fences(lx, src)) != NULL || (t = tk_heading(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			if (t->type == T_HEADING)
				queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_hr(src, 0)) != 0) {
			t = new_tok(lx, T_HR);
			t->raw = rtrim_ch(sub(src, 0, n), '\n');
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_blockquote(lx, src)) != NULL || (t = tk_list(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_html_block(src)) != 0) {
			t = new_tok(lx, T_HTML);
			t->raw = t->text = sub(src, 0, n);
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_def(src, &label, &href)) != 0) {
			struct str raw = sub(src, 0, n);

			src = from(src, n);
			last = last_tok(tokens);
			if (last && (last->type == T_PARAGRAPH || last->type == T_TEXT)) {
				last->text = cat_nl(lx, last->text, raw);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				struct str tag = def_key(lx, label);
				bool known = false;

				for (size_t i = 0; i < lx->ndefs; i++)
					if (str_eq(lx->defs[i].tag, tag))
						known = true;
				if (!known) {
					if (lx->ndefs == lx->capdefs) {
						size_t cap = lx->capdefs ? lx->capdefs * 2 : 8;
						struct def *d = alloc(lx, cap * sizeof(*d));

						if (lx->ndefs)
							memcpy(d, lx->defs, lx->ndefs * sizeof(*d));
						lx->defs = d;
						lx->capdefs = cap;
					}
					if (href.n >= 2 && href.p[0] == '<' &&
					    href.p[href.n - 1] == '>')
						href = sub(href, 1, href.n - 1);
					lx->defs[lx->ndefs].tag = tag;
					lx->defs[lx->ndefs++].href = unescape_punct(lx, href);
				}
			}
			continue;
		}
		if ((t = tk_table(lx, src)) != NULL || (t = tk_lheading(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			if (t->type == T_HEADING)
				queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
			continue;
		}
		if (lx->top && (n = m_paragraph_at(src, 0, true)) != 0) {
			t = new_tok(lx, T_PARAGRAPH);
			t->raw = sub(src, 0, n);
			t->text = t->raw;
			last = last_tok(tokens);
			if (last_paragraph_clipped && last && last->type == T_PARAGRAPH) {
				last->text = cat_nl(lx, last->text, t->text);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				queue_inline(lx, t->text, &t->tokens);
				push_tok(lx, tokens, t);
			}
			last_paragraph_clipped = false;
			src = from(src, n);
			continue;
		}
		n = line_end(src, 0);
		t = new_tok(lx, T_TEXT);
		t->raw = t->text = sub(src, 0, n);
		src = from(src, n);
		last = last_tok(tokens);
		if (last && last->type == T_TEXT) {
			last->text = cat_nl(lx, last->text, t->text);
			lx->queue[lx->nqueue - 1].src = last->text;
		} else {
			queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
		}
	}
	lx->top = true;
	leave(lx);
	return tokens;
}

/* ---- inline rules -------------------------------------------------------- */

static bool is_escapable(u16 c)
{
	return in_set(c, "!\"#$%&'()*+,-./:;<=>?@[]\\^_`{|}~");
}

/* The inline tag rule: its length, or 0. */
static size_t m_tag(struct str s)
{
	size_t j;

	if (at(s, 0) != '<' || s.n < 2)
		return 0;
	if (starts_lit(s, 0, "<!--")) {
		if (starts_lit(s, 4, ">"))
			return 5;
		if (starts_lit(s, 4, "->"))
			return 6;
		j = find(s, 4, "-->", false);
		return j < s.n ? j + 3 : 0;
	}
	if (s.p[1] == '/' && is_alpha(at(s, 2))) {
		j = 3;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == ':' || s.p[j] == '-'))
			j++;
		while (j < s.n && is_space(s.p[j]))
			j++;
		return at(s, j) == '>' && j < s.n ? j + 1 : 0;
	}
	if (is_alpha(s.p[1])) {
		j = 2;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		return html_attrs_then_close(s, j, true, 64);
	}
	if (s.p[1] == '?') {
		j = find(s, 2, "?>", false);
		return j < s.n ? j + 2 : 0;
	}
	if (s.p[1] == '!' && is_alpha(at(s, 2))) {
		j = 2;
		while (j < s.n && is_alpha(s.p[j]))
			j++;
		if (j >= s.n || !is_space(s.p[j]))
			return 0;
		j = find(s, j + 1, ">", false);
		return j < s.n ? j + 1 : 0;
	}
	if (starts_lit(s, 0, "<![CDATA[")) {
		j = find(s, 9, "]]>", false);
		return j < s.n ? j + 3 : 0;
	}
	return 0;
}

/* _inlineLabel followed by "]": where the label ends (at "]"), or SIZE_MAX. */
static size_t inline_label_end(struct str s, size_t i)
{
	while (i < s.n) {
		u16 c = s.p[i];

		if (c == ']')
			return i;
		if (c == '[') {
			size_t j = i + 1;

			while (j < s.n && s.p[j] != ']') {
				if (s.p[j] == '[')
					return SIZE_MAX;
				if (s.p[j] == '\\') {
					if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
						return SIZE_MAX;
					j += 2;
					continue;
				}
				j++;
			}
			if (j >= s.n)
				return SIZE_MAX;
			i = j + 1;
		} else if (c == '\\') {
			if (i + 1 >= s.n || is_terminator(s.p[i + 1]))
				return SIZE_MAX;
			i += 2;
		} else if (c == '`') {
			size_t j = i + 1;

			while (j < s.n && s.p[j] != '`')
				j++;
			if (j >= s.n)
				return SIZE_MAX;
			i = j + 1;
		} else {
			i++;
		}
	}
	return SIZE_MAX;
}

/* After a link's title or destination: /\s*\)/ at i; its end or 0. */
static size_t close_paren(struct str s, size_t i)
{
	while (i < s.n && is_space(s.p[i]))
		i++;
	return at(s, i) == ')' && i < s.n ? i + 1 : 0;
}

/* The link rule's destination and title from i (after "(\s*"): the end of
 * the match, the destination's range. */
static size_t link_rest(struct str s, size_t i, size_t *hend)
{
	size_t cands[2], nc = 0, e;

	/* <(?:\\.|[^\n<>\\])+> */
	if (at(s, i) == '<' && i < s.n) {
		size_t j = i + 1;

		while (j < s.n && s.p[j] != '>') {
			if (s.p[j] == '\\') {
				if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
					break;
				j += 2;
				continue;
			}
			if (s.p[j] == '\n' || s.p[j] == '<')
				break;
			j++;
		}
		if (at(s, j) == '>' && j < s.n && j > i + 1)
			cands[nc++] = j + 1;
	}
	for (size_t c = 0; c <= nc; c++) {
		size_t first, last;

		if (c < nc) {
			first = last = cands[c];
		} else {
			/* [^ \t\n\x00-\x1f]*, greedy then shorter */
			size_t j = i;

			while (j < s.n && s.p[j] > 0x1f && s.p[j] != ' ')
				j++;
			first = j;
			last = i;
		}
		for (size_t h = first + 1; h-- > last;) {
			/* (?:[ \t]*(?:\n[ \t]*)?(title))? then \s*\) */
			size_t t = h, te[66], nt;

			while (t < s.n && (s.p[t] == ' ' || s.p[t] == '\t'))
				t++;
			if (at(s, t) == '\n' && t < s.n) {
				t++;
				while (t < s.n && (s.p[t] == ' ' || s.p[t] == '\t'))
					t++;
			}
			nt = title_ends(s, t, false, te, 66);
			for (size_t m = 0; m < nt; m++)
				if ((e = close_paren(s, te[m])) != 0) {
					*hend = h;
					return e;
				}
			if ((e = close_paren(s, h)) != 0) {
				*hend = h;
				return e;
			}
		}
	}
	return 0;
}

/* marked's findClosingBracket(str, "()"). */
static long closing_bracket(struct str s)
{
	long level = 0;
	bool any = false;

	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == ')')
			any = true;
	if (!any)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '\\') {
			i++;
		} else if (s.p[i] == '(') {
			level++;
		} else if (s.p[i] == ')') {
			level--;
			if (level < 0)
				return (long)i;
		}
	}
	return level > 0 ? -2 : -1;
}

static void inline_tokens(struct lexer *lx, struct str src, struct toks *tokens);

static struct tok *output_link(struct lexer *lx, struct str raw, struct str label, struct str href)
{
	struct tok *t = new_tok(lx, raw.n && raw.p[0] == '!' ? T_IMAGE : T_LINK);
	struct sbuf b = {0};

	for (size_t i = 0; i < label.n; i++) {
		if (label.p[i] == '\\' && i + 1 < label.n &&
		    (label.p[i + 1] == '[' || label.p[i + 1] == ']'))
			continue;
		sb_ch(lx, &b, label.p[i]);
	}
	t->raw = raw;
	t->href = href;
	t->text = sb_view(&b);
	lx->in_link = true;
	inline_tokens(lx, t->text, &t->tokens);
	lx->in_link = false;
	return t;
}

static struct tok *tk_link(struct lexer *lx, struct str s)
{
	size_t i = 0, lab, lend, j, hend = 0, end;
	struct str cap0, cap1, cap2, href, trimmed;

	if (at(s, 0) == '!')
		i++;
	if (at(s, i) != '[' || i >= s.n)
		return NULL;
	lab = i + 1;
	lend = inline_label_end(s, lab);
	if (lend == SIZE_MAX || at(s, lend + 1) != '(' || lend + 1 >= s.n)
		return NULL;
	j = lend + 2;
	/* \s* (greedy; shorter tried after) */
	{
		size_t ws = j;

		while (ws < s.n && is_space(s.p[ws]))
			ws++;
		end = 0;
		for (size_t w = ws + 1; w-- > j;) {
			if ((end = link_rest(s, w, &hend)) != 0) {
				j = w;
				break;
			}
		}
		if (!end)
			return NULL;
	}
	cap0 = sub(s, 0, end);
	cap1 = sub(s, lab, lend);
	cap2 = sub(s, j, hend);
	trimmed = trim(cap2);
	if (trimmed.n && trimmed.p[0] == '<') {
		size_t slash = 0;

		if (trimmed.p[trimmed.n - 1] != '>')
			return NULL;
		while (slash + 1 < trimmed.n && trimmed.p[trimmed.n - 2 - slash] == '\\')
			slash++;
		if ((slash + 1) % 2 == 0)
			return NULL;
	} else {
		long last_paren = closing_bracket(cap2);

		if (last_paren == -2)
			return NULL;
		if (last_paren > -1) {
			size_t start = cap0.n && cap0.p[0] == '!' ? 5 : 4;
			size_t link_len = start + cap1.n + (size_t)last_paren;

			cap2 = sub(cap2, 0, (size_t)last_paren);
			cap0 = trim(sub(cap0, 0, link_len));
		}
	}
	href = trim(cap2);
	if (href.n && href.p[0] == '<')
		href = sub(href, 1, href.n >= 1 ? href.n - 1 : 0);
	if (href.n)
		href = unescape_punct(lx, href);
	return output_link(lx, cap0, cap1, href);
}

/* _blockLabel at i: /(?!\s*\])(?:\\.|[^\[\]\\])+/ then "]": the label's end
 * (at "]"), or SIZE_MAX. */
static size_t block_label_end(struct str s, size_t i)
{
	size_t j = i;

	while (j < s.n && is_space(s.p[j]))
		j++;
	if (at(s, j) == ']' && j < s.n)
		return SIZE_MAX;
	j = i;
	while (j < s.n && s.p[j] != ']') {
		if (s.p[j] == '[')
			return SIZE_MAX;
		if (s.p[j] == '\\') {
			if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
				return SIZE_MAX;
			j += 2;
			continue;
		}
		j++;
	}
	return j < s.n && j > i ? j : SIZE_MAX;
}

/* reflink at i: /!?\[(label)\]\[(ref)\]/; its end, or 0. */
static size_t m_reflink(struct str s, size_t i, struct str *label, struct str *ref)
{
	size_t j = i, lend, rend;

	if (at(s, j) == '!' && j < s.n)
		j++;
	if (at(s, j) != '[' || j >= s.n)
		return 0;
	lend = inline_label_end(s, j + 1);
	if (lend == SIZE_MAX || at(s, lend + 1) != '[' || lend + 1 >= s.n)
		return 0;
	rend = block_label_end(s, lend + 2);
	if (rend == SIZE_MAX)
		return 0;
	*label = sub(s, j + 1, lend);
	*ref = sub(s, lend + 2, rend);
	return rend + 1;
}

/* nolink at i: /!?\[(ref)\](?:\[\])?/; its end, or 0. */
static size_t m_nolink(struct str s, size_t i, struct str *ref)
{
	size_t j = i, rend;

	if (at(s, j) == '!' && j < s.n)
		j++;
	if (at(s, j) != '[' || j >= s.n)
		return 0;
	rend = block_label_end(s, j + 1);
	if (rend == SIZE_MAX)
		return 0;
	*ref = sub(s, j + 1, rend);
	if (starts_lit(s, rend + 1, "[]"))
		return rend + 3;
	return rend + 1;
}

static const struct def *find_def(struct lexer *lx, struct str key)
{
	for (size_t i = 0; i < lx->ndefs; i++)
		if (str_eq(lx->defs[i].tag, key))
			return &lx->defs[i];
	return NULL;
}

static struct tok *tk_reflink(struct lexer *lx, struct str s)
{
	struct str label, ref, key;
	size_t end = m_reflink(s, 0, &label, &ref);
	const struct def *d;

	if (!end) {
		end = m_nolink(s, 0, &ref);
		if (!end)
			return NULL;
		label = ref;
	}
	key = def_key(lx, ref);
	d = find_def(lx, key);
	if (!d) {
		struct tok *t = new_tok(lx, T_TEXT);

		t->raw = t->text = sub(s, 0, 1);
		return t;
	}
	return output_link(lx, sub(s, 0, end), label, d->href);
}

/* ---- emphasis ------------------------------------------------------------ */

static bool is_alnum_unit(u16 c)
{
	return !(c >= 0xD800 && c <= 0xDFFF) && cm_in_ranges(cm_alnum, cm_alnum_n, c);
}

/* The GFM flavours of the classes (a "~" counts as a letter there). */
static bool c_punct(long cp, bool gfm)
{
	return is_punct(cp) && !(gfm && cp == '~');
}

static bool c_punct_space(long cp, bool gfm)
{
	return is_uspace(cp) || c_punct(cp, gfm);
}

static bool c_not_punct_space(long cp, bool gfm)
{
	return !is_uspace(cp) && (!is_punct(cp) || (gfm && cp == '~'));
}

/* One match of emStrongRDelimAst / emStrongRDelimUnd from *pos in m:
 * which group matched (1-6, 0 for a match without one), the match's
 * index, its delimiter run. False when there is none. */
static bool rdelim_next(struct str m, size_t *pos, u16 d, bool gfm, int *group, size_t *index,
                        size_t *run)
{
	u16 other = d == '*' ? '_' : '*';

	for (size_t p = *pos; p < m.n;) {
		size_t len;
		long cp = cp_at(m, p, &len);

		/* ^[^_*]*?XX[^_*]*?Y[^_*]*?(?=XX) at the very start (XX: "__" for
		 * "*", "**" for "_"; Y the delimiter) */
		if (p == 0) {
			size_t j = 0;

			while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
				j++;
			if (at(m, j) == other && at(m, j + 1) == other && j + 1 < m.n) {
				j += 2;
				while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
					j++;
				if (at(m, j) == d && j < m.n) {
					j++;
					while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
						j++;
					if (at(m, j) == other && at(m, j + 1) == other &&
					    j + 1 < m.n) {
						*group = 0;
						*index = 0;
						*pos = j;
						return true;
					}
				}
			}
		}
		/* [^d]+(?=[^d]) */
		if (cp != d) {
			size_t q = p + len, last = p;

			while (q < m.n) {
				size_t l2;
				long c2 = cp_at(m, q, &l2);

				if (c2 == d)
					break;
				last = q;
				q += l2;
			}
			if (last > p) {
				*group = 0;
				*index = p;
				*pos = last;
				return true;
			}
		}
		if (cp != d) {
			size_t r = p + len, e;
			long next = -1;

			while (at(m, r) == d && r < m.n)
				r++;
			e = r;
			if (r > p + len) {
				size_t l3;

				if (r < m.n)
					next = cp_at(m, r, &l3);
				int g = 0;
				bool at_end = r >= m.n;
				if (c_punct(cp, gfm) && (at_end || is_uspace(next)))
					g = 1;
				else if (c_not_punct_space(cp, gfm) &&
				         (at_end || c_punct_space(next, gfm)))
					g = 2;
				else if (c_punct_space(cp, gfm) && !at_end &&
				         c_not_punct_space(next, gfm))
					g = 3;
				else if (is_uspace(cp) && !at_end && c_punct(next, gfm))
					g = 4;
				else if (c_punct(cp, gfm) && !at_end && c_punct(next, gfm))
					g = 5;
				else if (d == '*' && c_not_punct_space(cp, gfm) && !at_end &&
				         c_not_punct_space(next, gfm))
					g = 6;
				if (g) {
					*group = g;
					*index = p;
					*run = r - p - len;
					*pos = e;
					return true;
				}
			}
		}
		p += len;
	}
	return false;
}

/* The masked copy of the inline source, as marked makes it (links found by
 * reference, escapes, code spans, links and tags hidden), for emphasis. */
static struct str mask_source(struct lexer *lx, struct str src)
{
	struct sbuf b = {0};
	struct str m;
	u16 *w;

	sb_str(lx, &b, src);
	w = b.p;
	m = sb_view(&b);
	if (lx->ndefs > 0) {
		/* reflink|nolink(?!\() searched over the string */
		for (size_t i = 0; i < m.n;) {
			struct str label, ref;
			size_t e = m_reflink(m, i, &label, &ref);

			if (!e) {
				e = m_nolink(m, i, &ref);
				/* (?!\(): an optional "[]" gives itself back first */
				if (e && at(m, e) == '(' && e < m.n)
					e = e >= 2 && m.p[e - 1] == ']' && m.p[e - 2] == '[' &&
					            at(m, e - 2) != '('
					        ? e - 2
					        : 0;
			}
			if (!e) {
				i++;
				continue;
			}
			/* the text between the last "[" and the final character */
			size_t lb = e - 1;
			while (lb > i && m.p[lb] != '[')
				lb--;
			struct str inner = sub(m, lb + 1, e - 1);
			bool known = false;
			for (size_t k = 0; k < lx->ndefs; k++)
				if (str_eq(lx->defs[k].tag, inner))
					known = true;
			if (known) {
				w[i] = '[';
				for (size_t k = i + 1; k + 1 < e; k++)
					w[k] = 'a';
				w[e - 1] = ']';
			}
			i = e;
		}
	}
	/* \\(punct) -> "++", as marked's loop does it: the search goes on
	 * from where the match ended in the string before the replacement, so
	 * after "\\" and an astral symbol (three units become two) one unit is
	 * skipped. */
	{
		struct sbuf c = {0};
		size_t last = 0;

		sb_str(lx, &c, m);
		for (;;) {
			size_t i = last, len = 0;
			struct str cur = sb_view(&c);

			while (i + 1 < cur.n &&
			       !(cur.p[i] == '\\' && is_punct(cp_at(cur, i + 1, &len))))
				i++;
			if (i + 1 >= cur.n)
				break;
			c.p[i] = '+';
			c.p[i + 1] = '+';
			if (len == 2) {
				memmove(c.p + i + 2, c.p + i + 3, (c.n - i - 3) * sizeof(u16));
				c.n--;
			}
			last = i + 1 + len;
		}
		m = sb_view(&c);
		w = c.p;
	}
	/* blockSkip: [..](..), `..`, <..> become "[aaa]" */
	for (size_t i = 0; i < m.n;) {
		size_t e = 0;

		if (m.p[i] == '[') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '[' && m.p[j] != ']')
				j++;
			if (at(m, j) == ']' && j < m.n && at(m, j + 1) == '(' && j + 1 < m.n) {
				j += 2;
				for (;;) {
					if (j >= m.n)
						break;
					if (m.p[j] == '\\') {
						if (j + 1 < m.n && !is_terminator(m.p[j + 1])) {
							j += 2;
							continue;
						}
						break;
					}
					if (m.p[j] == ')') {
						e = j + 1;
						break;
					}
					if (m.p[j] == '(') {
						size_t k = j + 1;
						bool closed = false;

						while (k < m.n) {
							if (m.p[k] == '\\' && k + 1 < m.n &&
							    !is_terminator(m.p[k + 1])) {
								k += 2;
								continue;
							}
							if (m.p[k] == '\\' || m.p[k] == '(')
								break;
							if (m.p[k] == ')') {
								closed = true;
								break;
							}
							k++;
						}
						if (!closed)
							break;
						j = k + 1;
						continue;
					}
					j++;
				}
			}
		} else if (m.p[i] == '`') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '`')
				j++;
			if (j < m.n)
				e = j + 1;
		} else if (m.p[i] == '<') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '<' && m.p[j] != '>')
				j++;
			if (at(m, j) == '>' && j < m.n)
				e = j + 1;
		}
		if (!e) {
			i++;
			continue;
		}
		w[i] = '[';
		for (size_t k = i + 1; k + 1 < e; k++)
			w[k] = 'a';
		w[e - 1] = ']';
		i = e;
	}
	return m;
}

/* emStrong at the start of s; masked is the whole masked source, whose
 * end lines up with the end of s. */
static struct tok *tk_em_strong(struct lexer *lx, struct str s, struct str masked, long prev)
{
	u16 d = at(s, 0);
	size_t run = 0, l_len, len, start;
	long next_cp, next_char = -1;
	bool gfm_punct_next;
	struct str m;
	size_t pos = 0;
	long delim_total, mid_total = 0;

	if ((d != '*' && d != '_') || s.n < 2)
		return NULL;
	while (run < s.n && s.p[run] == d)
		run++;
	if (run >= s.n)
		return NULL;
	next_cp = cp_at(s, run, &len);
	if (d == '*') {
		if (c_punct(next_cp, true) && next_cp != '*')
			next_char = next_cp; /* group 1 */
		else if (is_uspace(next_cp))
			return NULL;
	} else {
		bool punct = is_punct(next_cp) && next_cp != '~';

		if (punct)
			next_char = next_cp; /* group 2 */
		else if (is_uspace(next_cp))
			return NULL;
		else if (prev >= 0 && prev < 0x10000 && is_alnum_unit((u16)prev))
			return NULL; /* group 3 after a letter or digit */
	}
	gfm_punct_next = next_char >= 0;
	if (gfm_punct_next && prev >= 0) {
		/* /^((?![*_])[\s\p{P}\p{S}])/ on the previous character */
		bool p = prev != '*' && prev != '_' &&
		         ((prev < 0x10000 && is_space((u16)prev)) ||
		          (!(prev >= 0xD800 && prev <= 0xDFFF) && is_punct(prev)));

		if (!p)
			return NULL;
	}
	l_len = run;
	/* maskedSrc.slice(-1 * src.length + lLength) */
	if (s.n - l_len > masked.n)
		start = 0;
	else
		start = masked.n - (s.n - l_len);
	m = from(masked, start);
	delim_total = (long)l_len;
	for (;;) {
		int group;
		size_t index, r_len;
		long rl;

		if (!rdelim_next(m, &pos, d, d == '*', &group, &index, &r_len))
			return NULL;
		if (group == 0)
			continue;
		rl = (long)r_len;
		if (group == 3 || group == 4) {
			delim_total += rl;
			continue;
		} else if (group == 5 || group == 6) {
			if (l_len % 3 && !((l_len + r_len) % 3)) {
				mid_total += rl;
				continue;
			}
		}
		delim_total -= rl;
		if (delim_total > 0)
			continue;
		rl = rl < rl + delim_total + mid_total ? rl : rl + delim_total + mid_total;
		{
			size_t first_len, end;
			struct str raw;
			struct tok *t;

			cp_at(m, index, &first_len);
			end = l_len + index + first_len + (size_t)rl;
			raw = sub(s, 0, end);
			if ((l_len < (size_t)rl ? l_len : (size_t)rl) % 2) {
				t = new_tok(lx, T_EM);
				t->raw = raw;
				t->text = sub(raw, 1, raw.n >= 1 ? raw.n - 1 : 0);
			} else {
				t = new_tok(lx, T_STRONG);
				t->raw = raw;
				t->text = sub(raw, 2, raw.n >= 2 ? raw.n - 2 : 0);
			}
			inline_tokens(lx, t->text, &t->tokens);
			return t;
		}
	}
}

/* ---- the other inline rules ---------------------------------------------- */

static struct tok *tk_codespan(struct lexer *lx, struct str s)
{
	size_t n = 0, q;
	struct tok *t;

	while (at(s, n) == '`' && n < s.n)
		n++;
	if (n == 0 || n >= s.n)
		return NULL;
	for (q = n + 1; q <= s.n; q++) {
		size_t r = 0;

		if (s.p[q - 1] == '`')
			continue;
		while (q + r < s.n && s.p[q + r] == '`')
			r++;
		if (r == n) {
			struct sbuf b = {0};
			struct str text;
			bool non_space = false;

			for (size_t i = n; i < q; i++)
				sb_ch(lx, &b, s.p[i] == '\n' ? ' ' : s.p[i]);
			text = sb_view(&b);
			for (size_t i = 0; i < text.n; i++)
				if (text.p[i] != ' ')
					non_space = true;
			if (non_space && text.n >= 2 && text.p[0] == ' ' &&
			    text.p[text.n - 1] == ' ')
				text = sub(text, 1, text.n - 1);
			t = new_tok(lx, T_CODESPAN);
			t->raw = sub(s, 0, q + n);
			t->text = text;
			return t;
		}
	}
	return NULL;
}

static size_t m_br(struct str s)
{
	size_t i = 0;

	if (at(s, 0) == '\\' && s.n > 0) {
		i = 1;
	} else {
		while (at(s, i) == ' ' && i < s.n)
			i++;
		if (i < 2)
			return 0;
	}
	if (at(s, i) != '\n' || i >= s.n)
		return 0;
	/* (?!\s*$) */
	for (size_t j = i + 1; j < s.n; j++)
		if (!is_space(s.p[j]))
			return i + 1;
	return 0;
}

static struct tok *tk_del(struct lexer *lx, struct str s)
{
	size_t n = 0, i;

	while (at(s, n) == '~' && n < s.n)
		n++;
	if (n == 0)
		return NULL;
	for (size_t tries = n >= 2 ? 2 : 1; tries >= 1; tries--) {
		size_t k = tries;

		if (k >= s.n || is_space(s.p[k]) || s.p[k] == '~')
			continue;
		/* lazy items, then the closing run of k tildes not followed by ~ */
		for (i = k; i < s.n;) {
			size_t item_end;
			bool may_end;

			if (s.p[i] == '\\') {
				if (i + 1 >= s.n || is_terminator(s.p[i + 1]))
					break;
				item_end = i + 2;
				may_end = true;
			} else {
				item_end = i + 1;
				may_end = !is_space(s.p[i]) && s.p[i] != '~';
			}
			if (may_end) {
				size_t r = 0;

				while (r < k && item_end + r < s.n && s.p[item_end + r] == '~')
					r++;
				if (r == k && at(s, item_end + k) != '~') {
					struct tok *t = new_tok(lx, T_DEL);

					t->raw = sub(s, 0, item_end + k);
					t->text = sub(s, k, item_end);
					inline_tokens(lx, t->text, &t->tokens);
					return t;
				}
			}
			i = item_end;
		}
		if (tries == 1)
			break;
	}
	return NULL;
}

/* The local part of an e-mail address in the autolink rule, and in the
 * text rule (which has no "^"). */
static bool is_email_local(u16 c)
{
	return is_alnum(c) || in_set(c, ".!#$%&'*+/=?^_`{|}~-");
}

static bool is_text_email(u16 c)
{
	return is_alnum(c) || in_set(c, ".!#$%&'*+/=?_`{|}~-");
}

/* [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])? labels joined by ".", at
 * least two, filling s[i..e) exactly. */
static bool email_domain(struct str s, size_t i, size_t e)
{
	size_t labels = 0;

	while (i < e) {
		size_t j = i;

		while (j < e && (is_alnum(s.p[j]) || s.p[j] == '-'))
			j++;
		if (j == i || j - i > 63 || s.p[i] == '-' || s.p[j - 1] == '-')
			return false;
		labels++;
		if (j == e)
			break;
		if (s.p[j] != '.')
			return false;
		i = j + 1;
		if (i == e)
			return false;
	}
	return labels >= 2;
}

static struct tok *tk_autolink(struct lexer *lx, struct str s)
{
	size_t j = 1, e;
	struct tok *t, *text;
	struct str body;
	bool email = false;

	if (at(s, 0) != '<' || s.n < 3)
		return NULL;
	e = 1;
	if (is_alpha(s.p[1])) {
		j = 2;
		while (j < s.n && j - 1 < 32 &&
		       (is_alnum(s.p[j]) || s.p[j] == '+' || s.p[j] == '.' || s.p[j] == '-'))
			j++;
		if (at(s, j) == ':' && j < s.n && j - 1 >= 2) {
			e = j + 1;
			while (e < s.n && !is_space(s.p[e]) && s.p[e] > 0x1f && s.p[e] != '<' &&
			       s.p[e] != '>')
				e++;
			if (at(s, e) != '>' || e >= s.n)
				e = 0;
		} else {
			e = 0;
		}
	} else {
		e = 0;
	}
	if (!e) {
		size_t at_sign = 1;

		while (at_sign < s.n && is_email_local(s.p[at_sign]))
			at_sign++;
		if (at_sign == 1 || at(s, at_sign) != '@' || at_sign >= s.n)
			return NULL;
		e = at_sign + 1;
		while (e < s.n && s.p[e] != '>')
			e++;
		if (e >= s.n || !email_domain(s, at_sign + 1, e))
			return NULL;
		email = true;
	}
	body = sub(s, 1, e);
	t = new_tok(lx, T_LINK);
	t->raw = sub(s, 0, e + 1);
	t->text = body;
	t->href = email ? cat(lx, lit(lx, "mailto:"), body) : body;
	text = new_tok(lx, T_TEXT);
	text->raw = text->text = body;
	push_tok(lx, &t->tokens, text);
	return t;
}

/* marked's _backpedal, once: the leftmost match's length. */
static size_t backpedal_once(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i;

		if (i >= s.n)
			break;
		u16 c = s.p[i];
		if (!in_set(c, "?!.,:;*_'\"~()&")) {
			while (j < s.n && !in_set(s.p[j], "?!.,:;*_'\"~()&"))
				j++;
			i = j;
			continue;
		}
		if (c == '(') {
			j = i + 1;
			while (j < s.n && s.p[j] != ')')
				j++;
			if (j < s.n) {
				i = j + 1;
				continue;
			}
		}
		if (c == '&') {
			/* &(?![a-zA-Z0-9]+;$) */
			j = i + 1;
			while (j < s.n && is_alnum(s.p[j]))
				j++;
			if (!(j > i + 1 && at(s, j) == ';' && j + 1 == s.n)) {
				i++;
				continue;
			}
			break;
		}
		if (in_set(c, "?!.,:;*_'\"~)")) {
			j = i;
			while (j < s.n && in_set(s.p[j], "?!.,:;*_'\"~)"))
				j++;
			if (j == s.n) {
				if (j - i >= 2) {
					i = j - 1;
					continue;
				}
				break;
			}
			i = j;
			continue;
		}
		break;
	}
	return i;
}

static struct tok *tk_url(struct lexer *lx, struct str s)
{
	size_t p, e;
	struct str cap0;
	bool www = false;
	struct tok *t, *text;

	if (starts_ci(s, 0, "https://"))
		p = 8;
	else if (starts_ci(s, 0, "http://") || starts_ci(s, 0, "ftp://"))
		p = s.p[0] == 'f' || s.p[0] == 'F' ? 6 : 7;
	else if (starts_ci(s, 0, "www.")) {
		p = 4;
		www = starts_lit(s, 0, "www.");
	} else
		return NULL;
	if (p >= s.n || !(is_alnum(s.p[p]) || s.p[p] == '-'))
		return NULL;
	e = p;
	while (e < s.n && !is_space(s.p[e]) && s.p[e] != '<')
		e++;
	cap0 = sub(s, 0, e);
	for (;;) {
		size_t n = backpedal_once(cap0);

		if (n == cap0.n)
			break;
		cap0 = sub(cap0, 0, n);
	}
	t = new_tok(lx, T_LINK);
	t->raw = cap0;
	t->text = cap0;
	t->href = www ? cat(lx, lit(lx, "http://"), cap0) : cap0;
	text = new_tok(lx, T_TEXT);
	text->raw = text->text = cap0;
	push_tok(lx, &t->tokens, text);
	return t;
}

/* The GFM inline text rule: its length. */
static size_t m_inline_text(struct str s)
{
	size_t i;

	if (s.n == 0)
		return 0;
	if (s.p[0] == '`' || s.p[0] == '~') {
		i = 0;
		while (i < s.n && (s.p[i] == '`' || s.p[i] == '~'))
			i++;
	} else {
		i = 1;
	}
	/* (?= {2,}\n) */
	{
		size_t k = i;

		while (k < s.n && s.p[k] == ' ')
			k++;
		if (k - i >= 2 && at(s, k) == '\n' && k < s.n)
			return i;
	}
	/* (?=[email chars]+@) */
	{
		size_t k = i;

		while (k < s.n && is_text_email(s.p[k]))
			k++;
		if (k > i && at(s, k) == '@' && k < s.n)
			return i;
	}
	for (size_t j = i;; j++) {
		u16 c;

		if (j >= s.n)
			return j;
		c = s.p[j];
		if (in_set(c, "\\<![`*~_") || starts_lit(s, j, "http://") ||
		    starts_lit(s, j, "https://") || starts_lit(s, j, "ftp://") ||
		    starts_lit(s, j, "www."))
			return j;
		if (c != ' ') {
			size_t k = j + 1;

			while (k < s.n && s.p[k] == ' ')
				k++;
			if (k - (j + 1) >= 2 && at(s, k) == '\n' && k < s.n)
				return j + 1;
		}
		if (!is_text_email(c)) {
			size_t k = j + 1;

			while (k < s.n && is_text_email(s.p[k]))
				k++;
			if (k > j + 1 && at(s, k) == '@' && k < s.n)
				return j + 1;
		}
	}
}

static void inline_tokens(struct lexer *lx, struct str src, struct toks *tokens)
{
	struct str masked = mask_source(lx, src);
	bool keep_prev = false;
	long prev = -1; /* -1: "" */

	enter(lx);
	while (src.n) {
		struct tok *t, *last;
		size_t n;

		if (!keep_prev)
			prev = -1;
		keep_prev = false;
		if (at(src, 0) == '\\' && src.n >= 2 && is_escapable(src.p[1])) {
			t = new_tok(lx, T_ESCAPE);
			t->raw = sub(src, 0, 2);
			t->text = sub(src, 1, 2);
			src = from(src, 2);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_tag(src)) != 0) {
			struct str raw = sub(src, 0, n);

			if (!lx->in_link && starts_ci(raw, 0, "<a ")) /* /^<a /i */
				lx->in_link = true;
			else if (lx->in_link && starts_ci(raw, 0, "</a>"))
				lx->in_link = false;
			/* (marked's inRawBlock only marks text as escaped: unused) */
			t = new_tok(lx, T_HTML);
			t->raw = t->text = raw;
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_link(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_reflink(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			last = last_tok(tokens);
			if (t->type == T_TEXT && last && last->type == T_TEXT) {
				last->raw = cat(lx, last->raw, t->raw);
				last->text = cat(lx, last->text, t->text);
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((t = tk_em_strong(lx, src, masked, prev)) != NULL ||
		    (t = tk_codespan(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_br(src)) != 0) {
			t = new_tok(lx, T_BR);
			t->raw = sub(src, 0, n);
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_del(lx, src)) != NULL || (t = tk_autolink(lx, src)) != NULL ||
		    (!lx->in_link && (t = tk_url(lx, src)) != NULL)) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		n = m_inline_text(src);
		t = new_tok(lx, T_TEXT);
		t->raw = t->text = sub(src, 0, n);
		src = from(src, n);
		if (t->raw.p[t->raw.n - 1] != '_')
			prev = t->raw.p[t->raw.n - 1];
		keep_prev = true;
		last = last_tok(tokens);
		if (last && last->type == T_TEXT) {
			last->raw = cat(lx, last->raw, t->raw);
			last->text = cat(lx, last->text, t->text);
		} else {
			push_tok(lx, tokens, t);
		}
	}
	leave(lx);
}

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
	block_tokens(lx, to_utf16(lx, md, len), root, false);
	for (size_t i = 0; i < lx->nqueue; i++)
		inline_tokens(lx, lx->queue[i].src, lx->queue[i].tokens);
	paragraphs(lx, root, 0, 0);
	body = lx->body;
	free_arena(lx);
	free(lx);
	return body;
}
