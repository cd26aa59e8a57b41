/* The lexer of comment_markdown.c's markdown, shared by its parts: the
 * arena, tokens, UTF-16 strings and character classes (small, inline), and
 * what the block rules (comment_md_block.c), HTML and link reference
 * definitions (comment_md_html.c), the inline rules (comment_md_inline.c)
 * and the SDK's walk (comment_markdown.c) call of each other. Internal to those files. */
#ifndef LB_COMMENT_MD_H
#define LB_COMMENT_MD_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "comment_impl.h"

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
static inline void *alloc(struct lexer *lx, size_t size);

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

static inline void fail(struct lexer *lx, enum lb_status why)
{
	lx->why = why;
	longjmp(lx->fail, 1);
}

static inline void *alloc(struct lexer *lx, size_t size)
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

static inline void enter(struct lexer *lx)
{
	if (++lx->depth > CBODY_MAX_DEPTH)
		fail(lx, LB_USAGE);
}

static inline void leave(struct lexer *lx)
{
	lx->depth--;
}

static inline struct tok *new_tok(struct lexer *lx, enum tok_type type)
{
	struct tok *t = alloc(lx, sizeof(*t));

	t->type = type;
	t->start = -1;
	return t;
}

static inline void push_tok(struct lexer *lx, struct toks *ts, struct tok *t)
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

static inline struct tok *last_tok(const struct toks *ts)
{
	return ts->n ? ts->v[ts->n - 1] : NULL;
}

/* ---- strings ------------------------------------------------------------- */

static inline struct str sub(struct str s, size_t from, size_t to)
{
	if (to > s.n)
		to = s.n;
	if (from > to)
		from = to;
	if (!s.p)
		return s; /* the empty string no memory holds */
	return (struct str){s.p + from, to - from};
}

static inline struct str from(struct str s, size_t i)
{
	return sub(s, i, s.n);
}

/* a and b joined. Where b already follows a in memory (two views of one
 * source, the usual case when a lexer joins what it read in pieces), the
 * result is a view over both: nothing is copied, so joining one piece at
 * a time stays linear. */
static inline struct str cat(struct lexer *lx, struct str a, struct str b)
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
static inline struct str lit(struct lexer *lx, const char *s)
{
	size_t n = strlen(s);
	u16 *p = alloc(lx, (n + 1) * sizeof(u16));

	for (size_t i = 0; i < n; i++)
		p[i] = (u16)(unsigned char)s[i];
	return (struct str){p, n};
}

/* a, "\n" and b joined (a view when they follow each other in memory). */
static inline struct str cat_nl(struct lexer *lx, struct str a, struct str b)
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

static inline void sb_add(struct lexer *lx, struct sbuf *b, const u16 *p, size_t n)
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

static inline void sb_str(struct lexer *lx, struct sbuf *b, struct str s)
{
	sb_add(lx, b, s.p, s.n);
}

static inline void sb_ch(struct lexer *lx, struct sbuf *b, u16 c)
{
	sb_add(lx, b, &c, 1);
}

static inline void sb_lit(struct lexer *lx, struct sbuf *b, const char *s)
{
	while (*s)
		sb_ch(lx, b, (u16)(unsigned char)*s++);
}

static inline struct str sb_view(const struct sbuf *b)
{
	return (struct str){b->p, b->n};
}

static inline bool starts_lit(struct str s, size_t i, const char *lit_)
{
	size_t n = strlen(lit_);

	if (i > s.n || s.n - i < n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (s.p[i + k] != (u16)(unsigned char)lit_[k])
			return false;
	return true;
}

static inline u16 lower(u16 c)
{
	return c >= 'A' && c <= 'Z' ? (u16)(c + 32) : c;
}

/* ASCII-case-insensitive starts_lit (lit_ in lower case). */
static inline bool starts_ci(struct str s, size_t i, const char *lit_)
{
	size_t n = strlen(lit_);

	if (i > s.n || s.n - i < n)
		return false;
	for (size_t k = 0; k < n; k++)
		if (lower(s.p[i + k]) != (u16)(unsigned char)lit_[k])
			return false;
	return true;
}

static inline u16 at(struct str s, size_t i)
{
	return i < s.n ? s.p[i] : 0;
}

/* Is c one of the ASCII characters of set? */
static inline bool in_set(u16 c, const char *set)
{
	return c != 0 && c < 128 && strchr(set, (char)c) != NULL;
}

static inline bool str_eq(struct str a, struct str b)
{
	return a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n * sizeof(u16)));
}

/* ---- characters ---------------------------------------------------------- */

static inline bool is_space(u16 c) /* JavaScript's \s */
{
	return cm_is_js_space(c);
}

/* What "." does not match. */
static inline bool is_terminator(u16 c)
{
	return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

static inline bool is_digit(u16 c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(u16 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_alnum(u16 c)
{
	return is_alpha(c) || is_digit(c);
}

static inline bool is_word(u16 c) /* \w */
{
	return is_alnum(c) || c == '_';
}

static inline bool is_high(u16 c)
{
	return c >= 0xD800 && c <= 0xDBFF;
}

static inline bool is_low(u16 c)
{
	return c >= 0xDC00 && c <= 0xDFFF;
}

/* The code point at s[i] as a "u" regular expression sees it (a lone
 * surrogate is one), its units in *len. */
static inline long cp_at(struct str s, size_t i, size_t *len)
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
static inline bool is_punct(long cp)
{
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return false;
	return cm_in_ranges(cm_punct, cm_punct_n, cp);
}

static inline bool is_uspace(long cp)
{
	return cp < 0x10000 && is_space((u16)cp);
}

/* JavaScript's trim family. */
static inline struct str trim_start(struct str s)
{
	size_t i = 0;

	while (i < s.n && is_space(s.p[i]))
		i++;
	return from(s, i);
}

static inline struct str trim_end(struct str s)
{
	while (s.n > 0 && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static inline struct str trim(struct str s)
{
	return trim_end(trim_start(s));
}

/* marked's rtrim(str, c): drop the trailing run of c. */
static inline struct str rtrim_ch(struct str s, u16 c)
{
	while (s.n > 0 && s.p[s.n - 1] == c)
		s.n--;
	return s;
}

/* Index of the first unit that is not a space (search(/[^ ]/)), or -1. */
static inline long first_non_space(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != ' ')
			return (long)i;
	return -1;
}

/* End of the line starting at i (the index of its "\n", or n). */
static inline size_t line_end(struct str s, size_t i)
{
	while (i < s.n && s.p[i] != '\n')
		i++;
	return i;
}

/* Up to `max` spaces from i: how many. */
static inline size_t spaces(struct str s, size_t i, size_t max)
{
	size_t k = 0;

	while (k < max && i + k < s.n && s.p[i + k] == ' ')
		k++;
	return k;
}

/* src.split("\n", 1)[0] */
static inline struct str first_line(struct str s)
{
	return sub(s, 0, line_end(s, 0));
}

/* ---- between the parts ---------------------------------------------------- */

/* `</?(?:tag)(?: +|\n|/?>)` at i (ci: with the "i" flag): its end, or 0. */
size_t md_block_tag_open(struct str s, size_t i, bool ci);

/* The end of "[ \t]*" then "\n" or the end at i (a lookahead), or 0. */
bool md_blank_rest(struct str s, size_t i);

/* /^ {0,3}\[(label)\]: *(?:\n[ \t]*)?([^<\s][^\s]*|<.*?>)(?:(?: +(?:\n[ \t]*)?|
 * *\n[ \t]*)(title))? *(?:\n+|$)/ */
size_t md_def(struct str s, struct str *label, struct str *href);

/* marked's block html rule (its seven kinds, up to 3 spaces in) at the
 * start of s: the length it takes, or 0. */
size_t md_html_block(struct str s);

/* Lower-case and white space runs as one space (ASCII case only). */
struct str md_def_key(struct lexer *lx, struct str s);

/* Search s from i for `lit_` (case-insensitive when ci): its index or n. */
size_t md_find(struct str s, size_t i, const char *lit_, bool ci);

/* Attributes, lazily, then the close: the end of the tag, or 0. */
size_t md_html_attrs_then_close(struct str s, size_t i, bool inline_rule, int budget);

/* A title at i ("...", '...' or (...)): every end it can have, longest
 * first; the count. */
size_t md_title_ends(struct str s, size_t i, bool def, size_t *ends, size_t max);

/* JavaScript's /\\(punct)/gu replaced by the punct. */
struct str md_unescape_punct(struct lexer *lx, struct str s);

/* marked's block lexer: the block tokens of src appended to tokens, the
 * inline text of each queued (lx->queue) for md_inline_tokens; returns
 * tokens. */
struct toks *md_block_tokens(struct lexer *lx, struct str src, struct toks *tokens,
			     bool last_paragraph_clipped);

/* marked's inline lexer: the inline tokens of src appended to tokens. */
void md_inline_tokens(struct lexer *lx, struct str src, struct toks *tokens);

#endif
