#include "lbconfig.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <cJSON.h>

#include "comment_body.h"
#include "json.h"
#include "pattern.h"
#include "query.h"
#include "utf8.h"
#include "util.h"

/* Patterns over threads (pattern.h): parsed into a tree of and, or, not
 * and terms; matched against a thread; the conjuncts the server's thread
 * query can say turned into it; written out again. */

enum node_kind { N_AND, N_OR, N_NOT, N_TERM };

/* ~m's comparison. */
enum meta_op { M_HAS, M_EQ, M_PREFIX, M_LT, M_LE, M_GT, M_GE };

/* What ~m KEY=V compares with: V read as metadata --set reads values. */
enum value_kind { V_TEXT, V_NUMBER, V_BOOL };

struct node {
	enum node_kind kind;
	struct node **kids; /* N_AND, N_OR: n of them; N_NOT: one */
	size_t n;
	/* N_TERM: */
	char letter;     /* 'a' 'A' 'b' 'r' 'd' 'R' 'D' 'x' 'U' 'm' */
	bool bare;       /* a word alone: ~b WORD */
	char *arg;       /* as typed, unquoted; NULL for a term without one */
	char *fold;      /* ~a ~A ~r ~b: the text to find, in lower case */
	bool start, end; /* ~a ~A ~r: ^ and $ */
	long long secs;  /* ~d */
	bool older;      /* ~d >N */
	char *key;       /* ~m */
	enum meta_op op;
	enum value_kind vk;
	char *text; /* ~m: the value's text (V_TEXT), or as typed */
	double num; /* V_NUMBER */
	bool truth; /* V_BOOL */
	bool plain; /* V_NUMBER in the query language's grammar (no exponent) */
};

struct thread_pattern {
	struct node *root;
};

/* ------------------------------------------------------------------ */
/* Text */

static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;

	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

/* s in lower case, character by character (Unicode's simple mapping
 * where the C.UTF-8 locale is there, ASCII otherwise); bytes that are not
 * UTF-8 stay as they are. NULL when out of memory. */
static char *fold(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	locale_t loc = utf8_locale();
	struct buf b;
	bool ok = true;

	buf_init(&b);
	for (size_t i = 0; ok && i < len;) {
		long cp;
		size_t k = utf8_decode(p + i, len - i, &cp);
		char enc[4];

		if (cp < 0) {
			ok = buf_add(&b, p + i, k);
		} else {
			wint_t lower = cp < 0x80 ? (wint_t)((cp >= 'A' && cp <= 'Z') ? cp + 32 : cp)
			               : loc     ? towlower_l((wint_t)cp, loc)
			                         : (wint_t)cp;
			if (lower > 0x10FFFF || (lower >= 0xD800 && lower <= 0xDFFF))
				lower = (wint_t)cp;
			ok = buf_add(&b, enc, utf8_encode(lower, enc));
		}
		i += k;
	}
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	if (!b.data)
		return strdup("");
	return buf_steal(&b);
}

/* Characters (code points; a bad byte counts one) in s[0..n). */
static size_t columns(const char *s, size_t n)
{
	size_t cols = 0;

	for (size_t i = 0; i < n;) {
		long cp;

		i += utf8_decode((const unsigned char *)s + i, n - i, &cp);
		cols++;
	}
	return cols;
}

/* ------------------------------------------------------------------ */
/* The tree */

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->arg);
	free(n->fold);
	free(n->key);
	free(n->text);
	free(n);
}

void thread_pattern_free(struct thread_pattern *p)
{
	if (!p)
		return;
	node_free(p->root);
	free(p);
}

static struct node *node_new(enum node_kind kind)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n)
		n->kind = kind;
	return n;
}

/* Add kid to n's kids (kid is n's, or freed, either way). */
static bool node_add(struct node *n, struct node *kid)
{
	struct node **more = realloc(n->kids, (n->n + 1) * sizeof(*more));

	if (!more) {
		node_free(kid);
		return false;
	}
	n->kids = more;
	n->kids[n->n++] = kid;
	return true;
}

/* ------------------------------------------------------------------ */
/* Parsing */

struct parser {
	const char *s;
	size_t pos;
	int depth;
	struct lb_error *err;
	bool failed;
};

static bool fail_at(struct parser *ps, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error about the character at byte at (only the first is kept). */
static bool fail_at(struct parser *ps, size_t at, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (ps->failed)
		return false;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lb_error_set(ps->err, LB_USAGE, "pattern: column %zu: %s", columns(ps->s, at) + 1, msg);
	return false;
}

static bool nomem(struct parser *ps)
{
	if (!ps->failed) {
		ps->failed = true;
		lb_error_set(ps->err, LB_NOMEM, "out of memory");
	}
	return false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct parser *ps)
{
	while (is_space(ps->s[ps->pos]))
		ps->pos++;
}

/* An argument: quoted ('...' "...") or up to a space or a parenthesis
 * or |; a backslash keeps the next character. NULL when there is none
 * (*none) or after failing. */
static char *read_arg(struct parser *ps, bool *none)
{
	const char *s = ps->s;
	char quote = s[ps->pos] == '"' || s[ps->pos] == '\'' ? s[ps->pos] : 0;
	size_t open = ps->pos;
	struct buf b;

	*none = false;
	if (!quote && (!s[ps->pos] || strchr("()|", s[ps->pos]) || is_space(s[ps->pos]))) {
		*none = true;
		return NULL;
	}
	buf_init(&b);
	if (quote)
		ps->pos++;
	for (;;) {
		char c = s[ps->pos];

		if (!c) {
			if (quote) {
				buf_free(&b);
				fail_at(ps, open, "the quote %c is not closed", quote);
				return NULL;
			}
			break;
		}
		if (quote ? c == quote : (is_space(c) || strchr("()|", c)))
			break;
		if (c == '\\' && s[ps->pos + 1])
			c = s[++ps->pos];
		if (!buf_add(&b, &c, 1)) {
			buf_free(&b);
			nomem(ps);
			return NULL;
		}
		ps->pos++;
	}
	if (quote)
		ps->pos++;
	if (!b.data && !(b.data = strdup(""))) {
		nomem(ps);
		return NULL;
	}
	return buf_steal(&b);
}

/* ~a ~A ~r: ^ and $ anchors, the rest found in any case. */
static bool id_term(struct parser *ps, struct node *n, size_t at)
{
	const char *a = n->arg;
	size_t len = strlen(a);
	char *id;

	n->start = a[0] == '^';
	n->end = len > (size_t)n->start && a[len - 1] == '$';
	id = strndup(a + n->start, len - n->start - n->end);
	if (!id)
		return nomem(ps);
	if (!*id) {
		free(id);
		return fail_at(ps, at, "~%c needs %s", n->letter,
		               n->letter == 'r' ? "a room ID" : "a user ID");
	}
	n->fold = fold(id);
	free(id);
	return n->fold ? true : nomem(ps);
}

/* ~d <2d, ~d >1w. */
static bool age_term(struct parser *ps, struct node *n, size_t at)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
	const char *a = n->arg;
	char *end;
	long long v;

	if ((a[0] != '<' && a[0] != '>') || a[1] < '0' || a[1] > '9')
		return fail_at(ps, at, "~d wants <AGE or >AGE, as <2d or >1w (s m h d w), not '%s'",
		               a);
	v = strtoll(a + 1, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && !end[1] && v <= (1LL << 40)) {
			n->older = a[0] == '>';
			n->secs = v * units[i].secs;
			return true;
		}
	return fail_at(ps, at, "~d wants <AGE or >AGE, as <2d or >1w (s m h d w), not '%s'", a);
}

/* ~m KEY, KEY=V, KEY^V, KEY<N ... */
static bool meta_term(struct parser *ps, struct node *n, size_t at)
{
	const char *a = n->arg;
	size_t k = strcspn(a, "=^<>");
	const char *v = a + k;

	if (!k)
		return fail_at(ps, at, "~m wants KEY, KEY=VALUE, KEY^TEXT or KEY>NUMBER, not '%s'",
		               a);
	if (!(n->key = strndup(a, k)))
		return nomem(ps);
	if (!*v) {
		n->op = M_HAS;
		return true;
	}
	if (*v == '=') {
		n->op = M_EQ;
		v++;
	} else if (*v == '^') {
		n->op = M_PREFIX;
		v++;
	} else {
		n->op = v[0] == '<' ? (v[1] == '=' ? M_LE : M_LT) : (v[1] == '=' ? M_GE : M_GT);
		v += 1 + (v[1] == '=');
	}
	if (n->op == M_EQ && (!strcmp(v, "true") || !strcmp(v, "false"))) {
		n->vk = V_BOOL;
		n->truth = v[0] == 't';
	} else if (n->op != M_PREFIX && json_is_number(v, &n->plain)) {
		n->vk = V_NUMBER;
		n->num = strtod(v, NULL);
	} else if (n->op != M_EQ && n->op != M_PREFIX) {
		return fail_at(ps, at, "~m %s%s wants a number after it, not '%s'", n->key,
		               n->op == M_LT   ? "<"
		               : n->op == M_LE ? "<="
		               : n->op == M_GT ? ">"
		                               : ">=",
		               v);
	} else {
		cJSON *quoted = v[0] == '"' ? cJSON_Parse(v) : NULL;
		n->vk = V_TEXT;
		n->text = strdup(cJSON_IsString(quoted) ? quoted->valuestring : v);
		cJSON_Delete(quoted);
		if (!n->text)
			return nomem(ps);
		if (n->op == M_PREFIX && !*n->text)
			return fail_at(ps, at, "~m %s^ wants the text the value starts with",
			               n->key);
		return true;
	}
	return (n->text = strdup(v)) ? true : nomem(ps);
}

/* What each letter takes. */
static const char *const letters = "aAbrdRDxUm";

static bool takes_arg(char letter)
{
	return strchr("aAbrdm", letter) != NULL;
}

/* ~LETTER [ARG], or a word alone (~b WORD). */
static struct node *parse_term(struct parser *ps)
{
	struct node *n = node_new(N_TERM);
	size_t at = ps->pos, arg_at;
	bool none, ok = true;

	if (!n) {
		nomem(ps);
		return NULL;
	}
	if (ps->s[ps->pos] != '~') {
		n->letter = 'b';
		n->bare = true;
		n->arg = read_arg(ps, &none);
		if (!n->arg || !(n->fold = fold(n->arg))) {
			if (n->arg)
				nomem(ps);
			node_free(n);
			return NULL;
		}
		return n;
	}
	n->letter = ps->s[++ps->pos];
	if (!n->letter || !strchr(letters, n->letter)) {
		fail_at(ps, at, "'~%.*s' is no pattern; the letters are a A b r d R D x U m",
		        n->letter ? (int)utf8_cut(ps->s + ps->pos, strlen(ps->s + ps->pos), 4) : 0,
		        ps->s + ps->pos);
		node_free(n);
		return NULL;
	}
	ps->pos++;
	if (!takes_arg(n->letter)) {
		if (ps->s[ps->pos] && !is_space(ps->s[ps->pos]) && !strchr("()|", ps->s[ps->pos])) {
			fail_at(ps, ps->pos, "~%c takes nothing after it; put a space", n->letter);
			node_free(n);
			return NULL;
		}
		return n;
	}
	skip_space(ps);
	arg_at = ps->pos;
	n->arg = read_arg(ps, &none);
	if (none)
		fail_at(ps, at, "~%c needs %s", n->letter,
		        n->letter == 'b'   ? "a text"
		        : n->letter == 'r' ? "a room ID"
		        : n->letter == 'd' ? "an age, as <2d or >1w"
		        : n->letter == 'm' ? "KEY or KEY=VALUE"
		                           : "a user ID");
	if (!n->arg) {
		node_free(n);
		return NULL;
	}
	switch (n->letter) {
	case 'b':
		ok = (n->fold = fold(n->arg)) != NULL || nomem(ps);
		break;
	case 'd':
		ok = age_term(ps, n, arg_at);
		break;
	case 'm':
		ok = meta_term(ps, n, arg_at);
		break;
	default:
		ok = id_term(ps, n, arg_at);
		break;
	}
	if (!ok) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_or(struct parser *ps);

static struct node *parse_unary(struct parser *ps)
{
	char c;
	size_t at;

	skip_space(ps);
	at = ps->pos;
	c = ps->s[at];
	if (c == '!' || c == '(') {
		struct node *kid, *n;

		if (ps->depth >= PATTERN_MAX_DEPTH) {
			fail_at(ps, at, "nested deeper than %d", PATTERN_MAX_DEPTH);
			return NULL;
		}
		ps->depth++;
		ps->pos++;
		if (c == '!') {
			kid = parse_unary(ps);
		} else {
			kid = parse_or(ps);
			skip_space(ps);
			if (kid && ps->s[ps->pos] != ')') {
				fail_at(ps, at, "this ( is not closed");
				node_free(kid);
				kid = NULL;
			}
			if (kid)
				ps->pos++; /* the ) */
		}
		ps->depth--;
		if (!kid || c == '(')
			return kid;
		if (!(n = node_new(N_NOT))) {
			node_free(kid);
			nomem(ps);
			return NULL;
		}
		if (!node_add(n, kid)) {
			node_free(n);
			nomem(ps);
			return NULL;
		}
		return n;
	}
	if (!c)
		fail_at(ps, at, "a term is missing at the end");
	else if (c == ')')
		fail_at(ps, at, "this ) closes nothing");
	else if (c == '|')
		fail_at(ps, at, "a term is missing before this |");
	else
		return parse_term(ps);
	return NULL;
}

/* Terms joined by kind (N_AND: side by side; N_OR: |): one term alone
 * is itself. */
static struct node *parse_list(struct parser *ps, enum node_kind kind)
{
	struct node *first = kind == N_AND ? parse_unary(ps) : parse_list(ps, N_AND), *all = NULL;

	while (first && !ps->failed) {
		skip_space(ps);
		char c = ps->s[ps->pos];
		if (!c || c == ')' || (kind == N_AND && c == '|'))
			break;
		if (kind == N_OR)
			ps->pos++; /* the | */
		struct node *next = kind == N_AND ? parse_unary(ps) : parse_list(ps, N_AND);
		if (!next)
			break;
		if (!all) {
			/* first goes into all, or is freed */
			if (!(all = node_new(kind)) || !node_add(all, first)) {
				if (!all)
					node_free(first);
				first = NULL;
				node_free(next);
				nomem(ps);
				break;
			}
		}
		if (!node_add(all, next))
			nomem(ps);
	}
	if (ps->failed) {
		node_free(all ? all : first);
		return NULL;
	}
	return all ? all : first;
}

static struct node *parse_or(struct parser *ps)
{
	return parse_list(ps, N_OR);
}

struct thread_pattern *thread_pattern_parse(const char *text, struct lb_error *err)
{
	struct lb_error e;
	struct parser ps = {.s = text ? text : "", .err = err ? err : &e};
	struct thread_pattern *p;
	struct node *root;

	lb_error_clear(ps.err);
	skip_space(&ps);
	if (!ps.s[ps.pos]) {
		lb_error_set(ps.err, LB_USAGE, "pattern: it is empty");
		return NULL;
	}
	root = parse_or(&ps);
	if (root && ps.s[ps.pos] == ')') {
		fail_at(&ps, ps.pos, "this ) closes nothing");
		node_free(root);
		return NULL;
	}
	if (!root)
		return NULL;
	if (!(p = calloc(1, sizeof(*p)))) {
		node_free(root);
		lb_error_set(ps.err, LB_NOMEM, "out of memory");
		return NULL;
	}
	p->root = root;
	return p;
}

/* ------------------------------------------------------------------ */
/* Matching */

/* Whether hay holds the term's text (folded), held to the start or the
 * end as its anchors say. */
static bool id_matches(const struct node *n, const char *hay)
{
	char *h = hay ? fold(hay) : NULL;
	size_t hl, nl = strlen(n->fold);
	bool ok;

	if (!h)
		return false;
	hl = strlen(h);
	if (n->start && n->end)
		ok = !strcmp(h, n->fold);
	else if (n->start)
		ok = !strncmp(h, n->fold, nl);
	else if (n->end)
		ok = hl >= nl && !strcmp(h + hl - nl, n->fold);
	else
		ok = strstr(h, n->fold) != NULL;
	free(h);
	return ok;
}

/* A comment's text as the SDK's plain format has it; its first line when
 * lbtui cannot read the body. NULL for a deleted comment. */
static char *comment_text(const struct comment *c)
{
	struct cbody *b = NULL;
	struct lb_error err;
	char *text;

	if (c->deleted_at || !c->body_json)
		return NULL;
	if (!cbody_decode(c->body_json, strlen(c->body_json), &b, &err))
		return strdup(c->preview ? c->preview : "");
	text = cbody_plain(b, NULL, NULL);
	cbody_free(&b);
	return text;
}

static bool body_matches(const struct node *n, const struct thread *t)
{
	for (size_t i = 0; i < t->n_comments; i++) {
		char *text = comment_text(&t->comments[i]);
		char *low = text ? fold(text) : NULL;
		bool found = low && strstr(low, n->fold);

		free(text);
		free(low);
		if (found)
			return true;
	}
	return false;
}

static bool age_matches(const struct node *n, const struct thread *t, long long now_s)
{
	long long last = t->updated_s > t->created_s ? t->updated_s : t->created_s;

	if (last < 0)
		return false;
	return n->older ? now_s - last > n->secs : now_s - last < n->secs;
}

static bool meta_value_matches(const struct node *n, const cJSON *v)
{
	switch (n->op) {
	case M_HAS:
		return true;
	case M_EQ:
		if (n->vk == V_BOOL)
			return cJSON_IsBool(v) && cJSON_IsTrue(v) == n->truth;
		if (n->vk == V_NUMBER)
			return cJSON_IsNumber(v) && v->valuedouble == n->num;
		return cJSON_IsString(v) && !strcmp(v->valuestring, n->text);
	case M_PREFIX:
		return cJSON_IsString(v) && !strncmp(v->valuestring, n->text, strlen(n->text));
	case M_LT:
		return cJSON_IsNumber(v) && v->valuedouble < n->num;
	case M_LE:
		return cJSON_IsNumber(v) && v->valuedouble <= n->num;
	case M_GT:
		return cJSON_IsNumber(v) && v->valuedouble > n->num;
	case M_GE:
		return cJSON_IsNumber(v) && v->valuedouble >= n->num;
	}
	return false;
}

static bool meta_matches(const struct node *n, const struct thread *t)
{
	cJSON *meta = t->metadata_json ? cJSON_Parse(t->metadata_json) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, n->key);
	bool ok = v && !cJSON_IsNull(v) && meta_value_matches(n, v);

	cJSON_Delete(meta);
	return ok;
}

static bool any_comment(const struct thread *t, bool (*test)(const struct comment *c))
{
	for (size_t i = 0; i < t->n_comments; i++)
		if (test(&t->comments[i]))
			return true;
	return false;
}

static bool has_reactions(const struct comment *c)
{
	return comment_reaction_count(c) > 0;
}

static bool is_deleted(const struct comment *c)
{
	return c->deleted_at != NULL;
}

static bool term_matches(const struct node *n, const struct thread *t, long long now_s)
{
	switch (n->letter) {
	case 'a':
		for (size_t i = 0; i < t->n_comments; i++)
			if (id_matches(n, t->comments[i].user_id))
				return true;
		return false;
	case 'A':
		return t->n_comments && id_matches(n, t->comments[0].user_id);
	case 'b':
		return body_matches(n, t);
	case 'r':
		return id_matches(n, t->room_id);
	case 'd':
		return age_matches(n, t, now_s);
	case 'R':
		return any_comment(t, has_reactions);
	case 'D':
		return any_comment(t, is_deleted);
	case 'x':
		return t->resolved;
	case 'U':
		return !t->resolved;
	case 'm':
		return meta_matches(n, t);
	}
	return false;
}

static bool node_matches(const struct node *n, const struct thread *t, long long now_s)
{
	switch (n->kind) {
	case N_AND:
		for (size_t i = 0; i < n->n; i++)
			if (!node_matches(n->kids[i], t, now_s))
				return false;
		return true;
	case N_OR:
		for (size_t i = 0; i < n->n; i++)
			if (node_matches(n->kids[i], t, now_s))
				return true;
		return false;
	case N_NOT:
		return !node_matches(n->kids[0], t, now_s);
	case N_TERM:
		return term_matches(n, t, now_s);
	}
	return false;
}

bool thread_pattern_match(const struct thread_pattern *p, const struct thread *t, long long now_s)
{
	return p && t && node_matches(p->root, t, now_s);
}

/* ------------------------------------------------------------------ */
/* Writing a pattern out */

/* An argument as the parser reads it back: quoted when it must be. */
static bool write_arg(struct buf *b, const char *arg, bool bare)
{
	bool quote = !*arg || (bare && (arg[0] == '~' || arg[0] == '!'));

	for (const char *p = arg; *p && !quote; p++)
		quote = is_space(*p) || strchr("()|'\"\\", *p);
	if (!quote)
		return buf_adds(b, arg);
	if (!buf_adds(b, "\""))
		return false;
	for (const char *p = arg; *p; p++)
		if ((strchr("\"\\", *p) && !buf_adds(b, "\\")) || !buf_add(b, p, 1))
			return false;
	return buf_adds(b, "\"");
}

/* How tightly a node binds: | loosest, side by side, then ! and terms. */
static int binding(const struct node *n)
{
	return n->kind == N_OR ? 1 : n->kind == N_AND ? 2 : 3;
}

static bool write_node(struct buf *b, const struct node *n, int need)
{
	bool paren = binding(n) < need, ok = !paren || buf_adds(b, "(");

	switch (n->kind) {
	case N_AND:
	case N_OR:
		for (size_t i = 0; ok && i < n->n; i++)
			ok = (!i || buf_adds(b, n->kind == N_OR ? " | " : " ")) &&
			     write_node(b, n->kids[i], binding(n) + 1);
		break;
	case N_NOT:
		ok = ok && buf_adds(b, "!") && write_node(b, n->kids[0], 3);
		break;
	case N_TERM:
		if (n->bare)
			ok = ok && write_arg(b, n->arg, true);
		else
			ok = ok && buf_printf(b, "~%c", n->letter) &&
			     (!n->arg || (buf_adds(b, " ") && write_arg(b, n->arg, false)));
		break;
	}
	return ok && (!paren || buf_adds(b, ")"));
}

char *thread_pattern_text(const struct thread_pattern *p)
{
	struct buf b;

	buf_init(&b);
	if (!p || !write_node(&b, p->root, 0)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* The server's part */

/* Whether n is ~x or ~U, or one of them negated: *resolved then. */
static bool resolved_term(const struct node *n, bool *resolved)
{
	bool negated = n->kind == N_NOT;

	if (negated)
		n = n->kids[0];
	if (n->kind != N_TERM || (n->letter != 'x' && n->letter != 'U'))
		return false;
	*resolved = (n->letter == 'x') != negated;
	return true;
}

/* Whether the query language can say n (a ~m term but KEY alone, with a
 * number of its grammar). */
static bool meta_for_server(const struct node *n)
{
	return n->kind == N_TERM && n->letter == 'm' && n->op != M_HAS &&
	       (n->vk != V_NUMBER || n->plain);
}

static bool write_meta_clause(struct buf *b, const struct node *n)
{
	static const char *const ops[] = {
	    [M_EQ] = ":",  [M_PREFIX] = "^", [M_LT] = "<",
	    [M_LE] = "<=", [M_GT] = ">",     [M_GE] = ">=",
	};
	char *key = query_quote(n->key);
	bool ok = key && buf_printf(b, "%smetadata[%s]%s", b->len ? " " : "", key, ops[n->op]);

	free(key);
	if (ok && n->vk == V_TEXT) {
		char *v = query_quote(n->text);
		ok = v && buf_adds(b, v);
		free(v);
	} else if (ok) {
		ok = buf_adds(b, n->vk == V_BOOL ? (n->truth ? "true" : "false") : n->text);
	}
	return ok;
}

/* The top's conjuncts: the kids of a top N_AND, or the top alone. */
static size_t conjuncts(const struct thread_pattern *p, const struct node *const **out)
{
	if (p->root->kind == N_AND) {
		*out = (const struct node *const *)p->root->kids;
		return p->root->n;
	}
	*out = (const struct node *const *)&p->root;
	return 1;
}

/* Which conjuncts go to the server (server[i]); the query into q. */
static bool split(const struct thread_pattern *p, bool *server, struct buf *q)
{
	const struct node *const *c;
	size_t n = conjuncts(p, &c);
	bool resolved, said = false;

	for (size_t i = 0; i < n; i++) {
		server[i] = false;
		if (!said && resolved_term(c[i], &resolved)) {
			server[i] = said = true;
			if (!buf_adds(q, resolved ? "resolved:true" : "resolved:false"))
				return false;
		}
	}
	/* The SDK's order: resolved first, then metadata. */
	for (size_t i = 0; i < n; i++)
		if (meta_for_server(c[i])) {
			server[i] = true;
			if (!write_meta_clause(q, c[i]))
				return false;
		}
	return true;
}

char *thread_pattern_server_query(const struct thread_pattern *p, bool *local_rest, bool *nomem)
{
	const struct node *const *c;
	size_t n;
	bool *server;
	struct buf q;

	*nomem = false;
	*local_rest = true;
	if (!p)
		return NULL;
	n = conjuncts(p, &c);
	if (!(server = calloc(n, sizeof(*server)))) {
		*nomem = true;
		return NULL;
	}
	buf_init(&q);
	if (!split(p, server, &q)) {
		*nomem = true;
		buf_free(&q);
		free(server);
		return NULL;
	}
	*local_rest = false;
	for (size_t i = 0; i < n; i++)
		*local_rest = *local_rest || !server[i];
	free(server);
	if (!q.len) {
		buf_free(&q);
		return NULL;
	}
	return buf_steal(&q);
}

void thread_pattern_describe(const struct thread_pattern *p, char *out, size_t n)
{
	const struct node *const *c;
	size_t k;
	bool *server;
	struct buf q, local;
	bool ok;

	if (!n)
		return;
	out[0] = '\0';
	if (!p)
		return;
	k = conjuncts(p, &c);
	if (!(server = calloc(k, sizeof(*server))))
		return;
	buf_init(&q);
	buf_init(&local);
	ok = split(p, server, &q);
	for (size_t i = 0; ok && i < k; i++)
		if (!server[i])
			ok = (!local.len || buf_adds(&local, " ")) &&
			     write_node(&local, c[i], k > 1 ? 2 : 0);
	if (ok && q.len && local.len)
		snprintf(out, n, "server: %s \xc2\xb7 local: %s", q.data, local.data);
	else if (ok && q.len)
		snprintf(out, n, "server: %s", q.data);
	else if (ok)
		snprintf(out, n, "local: %s", local.data ? local.data : "");
	buf_free(&q);
	buf_free(&local);
	free(server);
}
