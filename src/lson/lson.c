#include "lbconfig.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lson.h"
#include "util.h"

/* The decoder is a direct parser, not cJSON: it writes the preorder node
 * array and the string pool in one pass over the text (phase 1, plain JSON
 * nodes), then turns plain-LSON wrappers into Live* nodes in place (phase
 * 2; the output is a subsequence of the phase-1 array, so it never needs a
 * second array). cJSON is used only for JSON Patch, validation and
 * conversions of small user values. */

#define LSON_MAX_DEPTH 1000

static const char *const type_names[] = {
#define LSON_TYPE_NAME(t, name) name,
    LSON_TYPES(LSON_TYPE_NAME)
#undef LSON_TYPE_NAME
};

/* Strings every plain-LSON document repeats: one static copy each, so the
 * pool does not hold them and the decoder compares pointers. */
static const char s_lbtype[] = "liveblocksType";
static const char s_data[] = "data";
static const char s_version[] = "version";
static const char s_live_object[] = "LiveObject";
static const char s_live_list[] = "LiveList";
static const char s_live_map[] = "LiveMap";
static const char s_live_text[] = "LiveText";
static const char s_live_file[] = "LiveFile";
static const char s_empty[] = "";
static const char s_true[] = "true";
static const char s_false[] = "false";
static const char s_null[] = "null";

static const char *intern(const char *s, size_t len)
{
	switch (len) {
	case 0:
		return s_empty;
	case 4:
		return memcmp(s, s_data, 4) == 0 ? s_data : NULL;
	case 7:
		if (memcmp(s, s_version, 7) == 0)
			return s_version;
		return memcmp(s, s_live_map, 7) == 0 ? s_live_map : NULL;
	case 8:
		if (memcmp(s, s_live_list, 8) == 0)
			return s_live_list;
		if (memcmp(s, s_live_text, 8) == 0)
			return s_live_text;
		return memcmp(s, s_live_file, 8) == 0 ? s_live_file : NULL;
	case 10:
		return memcmp(s, s_live_object, 10) == 0 ? s_live_object : NULL;
	case 14:
		return memcmp(s, s_lbtype, 14) == 0 ? s_lbtype : NULL;
	default:
		return NULL;
	}
}

/* ---- string pool ---------------------------------------------------------- */

struct pool_block {
	struct pool_block *next;
	size_t cap;
	size_t used;
	char data[];
};

struct lson_internal {
	int refs;
	struct pool_block *pool;
};

static char *pool_alloc(struct lson_internal *in, size_t n)
{
	struct pool_block *b = in->pool;
	char *p;

	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = in->pool;
		b->cap = cap;
		b->used = 0;
		in->pool = b;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* Give back the tail of the last allocation. */
static void pool_unalloc(struct lson_internal *in, size_t n)
{
	in->pool->used -= n;
}

static void pool_free(struct lson_internal *in)
{
	struct pool_block *b = in->pool, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	in->pool = NULL;
}

/* ---- small helpers ---------------------------------------------------------- */

const char *lson_type_name(enum lson_type t)
{
	if ((int)t < 0 || t >= LSON_TYPE_COUNT)
		return "?";
	return type_names[t];
}

bool lson_is_container(enum lson_type t)
{
	return t == LSON_LIVE_OBJECT || t == LSON_LIVE_LIST || t == LSON_LIVE_MAP ||
	       t == LSON_OBJECT || t == LSON_ARRAY;
}

static bool is_list(enum lson_type t)
{
	return t == LSON_LIVE_LIST || t == LSON_ARRAY;
}

static int next_sibling(const struct lson_node *nodes, int c)
{
	return c + nodes[c].subtree + 1;
}

/* LiveText and LiveFile keep, after their value in the pool, the compact
 * JSON of their data and an extra string (LiveText: its "version" JSON or
 * ""; LiveFile: its summary). */
static const char *live_data(const struct lson_node *nd)
{
	return nd->value + strlen(nd->value) + 1;
}

static const char *live_extra(const struct lson_node *nd)
{
	const char *data = live_data(nd);

	return data + strlen(data) + 1;
}

static bool has_live_data(const struct lson_doc *d, const struct lson_node *nd)
{
	return d->plain_lson && (nd->type == LSON_LIVE_TEXT || nd->type == LSON_LIVE_FILE);
}

/* Append s as a JSON string literal. */
static bool json_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	bool ok = buf_add(b, "\"", 1);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		ok = ok && buf_add(b, run, (size_t)(s - run));
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		ok = ok && buf_add(b, esc, n);
		run = s + 1;
	}
	ok = ok && buf_add(b, run, (size_t)(s - run));
	return ok && buf_add(b, "\"", 1);
}

/* Append a pointer token with RFC 6901 escaping. */
static bool pointer_append(struct buf *b, const char *tok)
{
	const char *run = tok;
	bool ok = buf_add(b, "/", 1);

	for (; *tok; tok++) {
		if (*tok != '~' && *tok != '/')
			continue;
		ok = ok && buf_add(b, run, (size_t)(tok - run));
		ok = ok && buf_add(b, *tok == '~' ? "~0" : "~1", 2);
		run = tok + 1;
	}
	return ok && buf_add(b, run, (size_t)(tok - run));
}

/* ---- phase 1: JSON text to plain nodes ----------------------------------- */

struct parser {
	const char *p;
	const char *end;
	const char *start;
	struct lson_node *nodes;
	size_t n;
	size_t cap;
	struct lson_internal *in;
	const char *fail; /* what went wrong, or NULL */
	const char *fail_at;
	/* Refuse keys holding \u0000: cJSON, which reads documents that
	 * lbtui sends, cuts them there, so a key would not be what it says
	 * ("data\u0000" would read as "data"). */
	bool no_nul_keys;
	bool saw_nul; /* the last string held \u0000 */
};

static bool parse_fail(struct parser *ps, const char *what)
{
	if (!ps->fail) {
		ps->fail = what;
		ps->fail_at = ps->p;
	}
	return false;
}

static int emit(struct parser *ps, enum lson_type t, const char *key, const char *value)
{
	struct lson_node *nd;

	if (ps->n == ps->cap) {
		size_t cap = ps->cap * 2;
		void *v;

		if (cap > (size_t)INT_MAX) {
			parse_fail(ps, "too many values");
			return -1;
		}
		v = realloc(ps->nodes, cap * sizeof(*ps->nodes));
		if (!v) {
			parse_fail(ps, "out of memory");
			return -1;
		}
		ps->nodes = v;
		ps->cap = cap;
	}
	nd = &ps->nodes[ps->n];
	nd->type = t;
	nd->parent = 0;
	nd->depth = 0;
	nd->n_children = 0;
	nd->subtree = 0;
	nd->index = 0;
	nd->key = key;
	nd->value = value;
	return (int)ps->n++;
}

static void skip_ws(struct parser *ps)
{
	const char *p = ps->p;

	while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	ps->p = p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return true;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* A string at ps->p (on the opening quote) into the pool. \u0000 and lone
 * surrogates become U+FFFD, since values are C strings. */
static bool parse_string(struct parser *ps, const char **out)
{
	const char *p = ps->p + 1, *q = p, *end = ps->end;
	char *o, *s;
	size_t raw;

	while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q < end && *q == '"') {
		size_t len = (size_t)(q - p);
		const char *k = intern(p, len);

		if (!k) {
			s = pool_alloc(ps->in, len + 1);
			if (!s)
				return parse_fail(ps, "out of memory");
			memcpy(s, p, len);
			s[len] = '\0';
			k = s;
		}
		*out = k;
		ps->p = q + 1;
		return true;
	}
	/* Escapes: find the end, decode into at most as many bytes. */
	for (; q < end && *q != '"'; q++) {
		if ((unsigned char)*q < 0x20) {
			ps->p = q;
			return parse_fail(ps, "control character in a string");
		}
		if (*q == '\\' && ++q == end)
			break;
	}
	if (q >= end) {
		ps->p = end;
		return parse_fail(ps, "unterminated string");
	}
	raw = (size_t)(q - p);
	s = pool_alloc(ps->in, raw + 1);
	if (!s)
		return parse_fail(ps, "out of memory");
	o = s;
	while (p < q) {
		unsigned cp;

		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p++) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '/':
			*o++ = '/';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (!read_hex4(p, q, &cp)) {
				pool_unalloc(ps->in, raw + 1);
				ps->p = p - 2;
				return parse_fail(ps, "bad \\u escape");
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo;

				if (q - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
				    read_hex4(p + 2, q, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else {
					cp = 0xFFFD;
				}
			} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
				ps->saw_nul |= cp == 0;
				cp = 0xFFFD;
			}
			o = put_utf8(o, cp);
			break;
		default:
			pool_unalloc(ps->in, raw + 1);
			ps->p = p - 2;
			return parse_fail(ps, "bad escape in a string");
		}
	}
	*o = '\0';
	{
		const char *k = intern(s, (size_t)(o - s));

		pool_unalloc(ps->in, k ? raw + 1 : raw - (size_t)(o - s));
		*out = k ? k : s;
	}
	ps->p = q + 1;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool parse_number(struct parser *ps, const char **out)
{
	const char *p = ps->p, *q = p, *end = ps->end;
	char *s;

	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0') {
		q++;
	} else if (q < end && is_digit(*q)) {
		while (q < end && is_digit(*q))
			q++;
	} else {
		ps->p = q;
		return parse_fail(ps, "bad number");
	}
	if (q < end && *q == '.') {
		q++;
		if (q >= end || !is_digit(*q)) {
			ps->p = q;
			return parse_fail(ps, "bad number");
		}
		while (q < end && is_digit(*q))
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || !is_digit(*q)) {
			ps->p = q;
			return parse_fail(ps, "bad number");
		}
		while (q < end && is_digit(*q))
			q++;
	}
	s = pool_alloc(ps->in, (size_t)(q - p) + 1);
	if (!s)
		return parse_fail(ps, "out of memory");
	memcpy(s, p, (size_t)(q - p));
	s[q - p] = '\0';
	*out = s;
	ps->p = q;
	return true;
}

static bool parse_literal(struct parser *ps, const char *word, enum lson_type t, const char *key)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return parse_fail(ps, "unexpected character");
	ps->p += n;
	return emit(ps, t, key, word) >= 0;
}

static bool parse_value(struct parser *ps, const char *key, int depth);

static bool parse_container(struct parser *ps, const char *key, int depth, bool object)
{
	int me = emit(ps, object ? LSON_OBJECT : LSON_ARRAY, key, NULL);
	char close = object ? '}' : ']';
	int count = 0;

	if (me < 0)
		return false;
	if (depth >= LSON_MAX_DEPTH)
		return parse_fail(ps, "nested too deeply");
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		const char *k = NULL;

		if (object) {
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return parse_fail(ps, "expected a key");
			const char *at = ps->p;
			ps->saw_nul = false;
			if (!parse_string(ps, &k))
				return false;
			if (ps->no_nul_keys && ps->saw_nul) {
				ps->p = at;
				return parse_fail(ps, "a key holds \\u0000");
			}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return parse_fail(ps, "expected ':'");
			ps->p++;
		}
		if (!parse_value(ps, k, depth + 1))
			return false;
		count++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			break;
		}
		return parse_fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	ps->nodes[me].n_children = count;
	ps->nodes[me].subtree = (int)ps->n - me - 1;
	return true;
}

static bool parse_value(struct parser *ps, const char *key, int depth)
{
	const char *s;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return parse_fail(ps, "unexpected end");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, key, depth, true);
	case '[':
		return parse_container(ps, key, depth, false);
	case '"':
		return parse_string(ps, &s) && emit(ps, LSON_STRING, key, s) >= 0;
	case 't':
		return parse_literal(ps, s_true, LSON_BOOL, key);
	case 'f':
		return parse_literal(ps, s_false, LSON_BOOL, key);
	case 'n':
		return parse_literal(ps, s_null, LSON_NULL, key);
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps, &s) && emit(ps, LSON_NUMBER, key, s) >= 0;
		return parse_fail(ps, "unexpected character");
	}
}

/* ---- phase 2: plain-LSON wrappers to Live* nodes, in place ---------------- */

struct conv {
	struct lson_node *nodes;
	int q; /* next output index; always <= the raw index being read */
	struct lson_internal *in;
	bool plain;
	bool oom;
	struct buf scratch;
};

/* Compact JSON of a raw (phase-1) subtree. */
static int raw_json(struct buf *b, const struct lson_node *nodes, int i, bool *ok)
{
	const struct lson_node *nd = &nodes[i];
	int c = i + 1;

	switch (nd->type) {
	case LSON_OBJECT:
	case LSON_ARRAY:
		*ok = *ok && buf_add(b, nd->type == LSON_OBJECT ? "{" : "[", 1);
		for (int k = 0; k < nd->n_children; k++) {
			if (k)
				*ok = *ok && buf_add(b, ",", 1);
			if (nd->type == LSON_OBJECT) {
				*ok = *ok && json_quote(b, nodes[c].key);
				*ok = *ok && buf_add(b, ":", 1);
			}
			c = raw_json(b, nodes, c, ok);
		}
		*ok = *ok && buf_add(b, nd->type == LSON_OBJECT ? "}" : "]", 1);
		return c;
	case LSON_STRING:
		*ok = *ok && json_quote(b, nd->value);
		return c;
	default:
		*ok = *ok && buf_adds(b, nd->value);
		return c;
	}
}

static int raw_member(const struct lson_node *nodes, int obj, const char *key, enum lson_type t)
{
	int c = obj + 1;

	for (int k = 0; k < nodes[obj].n_children; k++, c = next_sibling(nodes, c))
		if (strcmp(nodes[c].key, key) == 0 && nodes[c].type == t)
			return c;
	return -1;
}

static void format_size(double size, char *out, size_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (size >= 1024 && u < 4) {
		size /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%.0f B", size);
	else
		snprintf(out, n, "%.1f %s", size, units[u]);
}

/* Store value NUL data NUL extra NUL in the pool. */
static const char *store_live(struct conv *cv, const char *value, size_t vlen, const char *data,
                              const char *extra)
{
	size_t dlen = strlen(data), elen = strlen(extra);
	char *s = pool_alloc(cv->in, vlen + dlen + elen + 3);

	if (!s) {
		cv->oom = true;
		return s_empty;
	}
	memcpy(s, value, vlen);
	s[vlen] = '\0';
	memcpy(s + vlen + 1, data, dlen + 1);
	memcpy(s + vlen + dlen + 2, extra, elen + 1);
	return s;
}

static const char *conv_text(struct conv *cv, int dt, int vt)
{
	const struct lson_node *nodes = cv->nodes;
	struct buf *b = &cv->scratch;
	size_t text_len, data_at, extra_at;
	bool ok = true;
	const char *s;
	int c = dt + 1;

	b->len = 0;
	for (int k = 0; k < nodes[dt].n_children; k++, c = next_sibling(nodes, c))
		if (nodes[c].type == LSON_ARRAY && nodes[c].n_children > 0 &&
		    nodes[c + 1].type == LSON_STRING)
			ok = ok && buf_adds(b, nodes[c + 1].value);
	text_len = b->len;
	ok = ok && buf_add(b, "", 1);
	data_at = b->len;
	raw_json(b, nodes, dt, &ok);
	ok = ok && buf_add(b, "", 1);
	extra_at = b->len;
	if (vt >= 0)
		raw_json(b, nodes, vt, &ok);
	if (!ok) {
		cv->oom = true;
		return s_empty;
	}
	s = store_live(cv, b->data, text_len, b->data + data_at, b->data + extra_at);
	return s;
}

static const char *conv_file(struct conv *cv, int dt)
{
	const struct lson_node *nodes = cv->nodes;
	int name = raw_member(nodes, dt, "name", LSON_STRING);
	int size = raw_member(nodes, dt, "size", LSON_NUMBER);
	int mime = raw_member(nodes, dt, "mimeType", LSON_STRING);
	const char *nm = name >= 0 ? nodes[name].value : "";
	struct buf *b = &cv->scratch;
	char sz[32] = "";
	size_t extra_at;
	bool ok = true;

	if (size >= 0)
		format_size(strtod(nodes[size].value, NULL), sz, sizeof(sz));
	b->len = 0;
	raw_json(b, nodes, dt, &ok);
	ok = ok && buf_add(b, "", 1);
	extra_at = b->len;
	ok = ok && buf_adds(b, nm);
	if (size >= 0 || mime >= 0) {
		ok = ok && buf_printf(b, " (%s%s%s)", sz, size >= 0 && mime >= 0 ? ", " : "",
		                      mime >= 0 ? nodes[mime].value : "");
	}
	if (!ok) {
		cv->oom = true;
		return s_empty;
	}
	return store_live(cv, nm, strlen(nm), b->data, b->data + extra_at);
}

static enum lson_type live_type_of(const char *name)
{
	if (name == s_live_object)
		return LSON_LIVE_OBJECT;
	if (name == s_live_list)
		return LSON_LIVE_LIST;
	if (name == s_live_map)
		return LSON_LIVE_MAP;
	if (name == s_live_text)
		return LSON_LIVE_TEXT;
	if (name == s_live_file)
		return LSON_LIVE_FILE;
	return LSON_TYPE_COUNT;
}

/* Convert raw node p and its subtree. live: p sits where a Live node can
 * be (the root, or a child of a Live container), so a wrapper there is
 * decoded; inside plain JSON it stays plain, as the server stores it. */
static void conv_node(struct conv *cv, int p, int parent, int depth, int index, bool live)
{
	struct lson_node r = cv->nodes[p];
	struct lson_node *o;
	int first = p + 1, nkids = r.n_children, me;
	bool kids_live = false;

	if (cv->plain && live && r.type == LSON_OBJECT && r.n_children >= 2 && r.n_children <= 3) {
		int lt = -1, dt = -1, vt = -1, c = p + 1;
		enum lson_type t = LSON_TYPE_COUNT;

		for (int k = 0; k < r.n_children; k++, c = next_sibling(cv->nodes, c)) {
			const char *key = cv->nodes[c].key;

			if (key == s_lbtype && lt < 0)
				lt = c;
			else if (key == s_data && dt < 0)
				dt = c;
			else if (key == s_version && vt < 0)
				vt = c;
		}
		if (lt >= 0 && dt >= 0 && cv->nodes[lt].type == LSON_STRING)
			t = live_type_of(cv->nodes[lt].value);
		if (t != LSON_TYPE_COUNT &&
		    (r.n_children == 2 || (vt >= 0 && t == LSON_LIVE_TEXT))) {
			enum lson_type want =
			    (t == LSON_LIVE_LIST || t == LSON_LIVE_TEXT) ? LSON_ARRAY : LSON_OBJECT;

			if (cv->nodes[dt].type == want) {
				r.type = t;
				if (t == LSON_LIVE_TEXT || t == LSON_LIVE_FILE) {
					r.value = t == LSON_LIVE_TEXT ? conv_text(cv, dt, vt)
					                              : conv_file(cv, dt);
					nkids = 0;
				} else {
					first = dt + 1;
					nkids = cv->nodes[dt].n_children;
					kids_live = true;
				}
			}
		}
	}
	me = cv->q++;
	o = &cv->nodes[me];
	o->type = r.type;
	o->parent = parent;
	o->depth = depth;
	o->index = index;
	o->key = r.key;
	o->value = r.value;
	o->n_children = nkids;
	for (int k = 0, c = first; k < nkids; k++) {
		int next = next_sibling(cv->nodes, c); /* read before c is overwritten */

		conv_node(cv, c, me, depth + 1, k, kids_live);
		c = next;
	}
	cv->nodes[me].subtree = cv->q - me - 1;
}

static void line_col(const char *start, const char *at, int *line, int *col)
{
	int l = 1, c = 1;

	for (const char *p = start; p < at; p++) {
		if (*p == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

struct lson_doc *lson_parse(const char *json, size_t len, bool plain_lson, struct lb_error *err)
{
	struct parser ps = {0};
	struct lson_doc *d = NULL;
	struct lson_internal *in = calloc(1, sizeof(*in));
	struct conv cv = {0};

	if (!in)
		goto oom;
	if (!json)
		len = 0;
	if (len > (size_t)INT_MAX) {
		lb_error_set(err, LB_TOO_LARGE, "the Storage document is too large (%zu bytes)",
		             len);
		goto fail;
	}
	ps.p = ps.start = json;
	ps.end = json + len;
	ps.in = in;
	ps.cap = len / 24 + 64;
	ps.nodes = malloc(ps.cap * sizeof(*ps.nodes));
	/* every string and number fits in the first block (it is at most as
	 * long as its text), so phase 1 allocates the pool once */
	if (!ps.nodes || !pool_alloc(in, len + 64))
		goto oom;
	pool_unalloc(in, len + 64);
	skip_ws(&ps);
	if (ps.p >= ps.end) {
		lb_error_set(err, LB_DECODE, "the Storage document is empty");
		goto fail;
	}
	if (*ps.p != '{') {
		lb_error_set(err, LB_DECODE, "the Storage document is not a JSON object");
		goto fail;
	}
	if (parse_value(&ps, NULL, 0)) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			parse_fail(&ps, "unexpected data after the document");
	}
	if (ps.fail) {
		int line, col;

		if (strcmp(ps.fail, "out of memory") == 0)
			goto oom;
		line_col(ps.start, ps.fail_at, &line, &col);
		lb_error_set(err, LB_DECODE,
		             "invalid JSON in the Storage document at line %d, column %d: %s%s",
		             line, col,
		             ps.fail_at >= ps.end && strncmp(ps.fail, "unexpected", 10) != 0
		                 ? "unexpected end, "
		                 : "",
		             ps.fail);
		goto fail;
	}

	cv.nodes = ps.nodes;
	cv.in = in;
	cv.plain = plain_lson;
	buf_init(&cv.scratch);
	conv_node(&cv, 0, -1, 0, 0, true);
	buf_free(&cv.scratch);
	if (cv.oom)
		goto oom;

	d = calloc(1, sizeof(*d));
	if (!d)
		goto oom;
	d->n = (size_t)cv.q;
	d->nodes = realloc(ps.nodes, d->n * sizeof(*d->nodes));
	if (!d->nodes)
		d->nodes = ps.nodes;
	d->plain_lson = plain_lson;
	d->priv = in;
	in->refs = 1;
	return d;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory decoding the Storage document");
fail:
	free(ps.nodes);
	if (in) {
		pool_free(in);
		free(in);
	}
	return NULL;
}

/* Is text exactly one valid JSON value (RFC 8259)? cJSON is lenient (it
 * takes "01", "1.", raw control characters and bad \u escapes), so
 * everything handed to cJSON is checked here first. On failure, msg says
 * what and where. */
static bool json_check(const char *json, size_t len, char *msg, size_t msgn)
{
	struct lson_internal in = {0};
	struct parser ps = {0};
	bool ok;

	ps.p = ps.start = json;
	ps.end = json + len;
	ps.in = &in;
	ps.no_nul_keys = true;
	ps.cap = len / 24 + 16;
	ps.nodes = malloc(ps.cap * sizeof(*ps.nodes));
	if (!ps.nodes) {
		snprintf(msg, msgn, "out of memory");
		return false;
	}
	ok = parse_value(&ps, NULL, 0);
	if (ok) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			ok = parse_fail(&ps, "unexpected data after the value");
	}
	if (!ok) {
		int line, col;

		line_col(ps.start, ps.fail_at, &line, &col);
		if (line > 1)
			snprintf(msg, msgn, "line %d, column %d: %s%s", line, col,
			         ps.fail_at >= ps.end ? "unexpected end, " : "", ps.fail);
		else
			snprintf(msg, msgn, "column %d: %s%s", col,
			         ps.fail_at >= ps.end ? "unexpected end, " : "", ps.fail);
	}
	free(ps.nodes);
	pool_free(&in);
	return ok;
}

struct lson_doc *lson_ref(struct lson_doc *d)
{
	if (d)
		d->priv->refs++;
	return d;
}

void lson_unref(struct lson_doc **pd)
{
	struct lson_doc *d = pd ? *pd : NULL;

	if (!d)
		return;
	*pd = NULL;
	if (--d->priv->refs > 0)
		return;
	pool_free(d->priv);
	free(d->priv);
	free(d->nodes);
	free(d);
}

/* ---- paths ------------------------------------------------------------------ */

static bool valid_node(const struct lson_doc *d, int i)
{
	return d && i >= 0 && (size_t)i < d->n;
}

static bool path_build(const struct lson_doc *d, int i, struct buf *b)
{
	int stack_small[64], *stack = stack_small, n = 0, depth = d->nodes[i].depth;
	bool ok = true;

	if (depth > 64) {
		stack = malloc((size_t)depth * sizeof(*stack));
		if (!stack)
			return false;
	}
	for (int j = i; d->nodes[j].parent >= 0; j = d->nodes[j].parent)
		stack[n++] = j;
	while (ok && n > 0) {
		const struct lson_node *nd = &d->nodes[stack[--n]];

		if (is_list(d->nodes[nd->parent].type) || !nd->key)
			ok = buf_printf(b, "/%d", nd->index);
		else
			ok = pointer_append(b, nd->key);
	}
	if (stack != stack_small)
		free(stack);
	return ok;
}

char *lson_path(const struct lson_doc *d, int i)
{
	struct buf b;

	if (!valid_node(d, i))
		return NULL;
	buf_init(&b);
	if (!path_build(d, i, &b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Does key equal the escaped pointer token [t, e)? */
static bool token_eq(const char *key, const char *t, const char *e)
{
	while (t < e) {
		char c = *t++;

		if (c == '~' && t < e && (*t == '0' || *t == '1'))
			c = *t++ == '0' ? '~' : '/';
		if (*key++ != c)
			return false;
	}
	return *key == '\0';
}

/* An array index token: "0" or digits without a leading zero; -1 if not. */
static long parse_index(const char *t, const char *e)
{
	long v = 0;

	if (t == e || (*t == '0' && e - t > 1))
		return -1;
	for (; t < e; t++) {
		if (!is_digit(*t) || v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*t - '0');
	}
	return v;
}

int lson_find(const struct lson_doc *d, const char *pointer)
{
	int cur = 0;
	const char *p = pointer;

	if (!d || !pointer || d->n == 0)
		return -1;
	if (*p == '\0')
		return 0;
	if (*p != '/')
		return -1;
	while (*p == '/') {
		const char *t = p + 1, *e = strchr(t, '/');
		const struct lson_node *nd = &d->nodes[cur];
		int c = cur + 1, found = -1;

		if (!e)
			e = t + strlen(t);
		if (!lson_is_container(nd->type))
			return -1;
		if (is_list(nd->type)) {
			long idx = parse_index(t, e);

			if (idx < 0 || idx >= nd->n_children)
				return -1;
			for (long k = 0; k < idx; k++)
				c = next_sibling(d->nodes, c);
			found = c;
		} else {
			for (int k = 0; k < nd->n_children; k++, c = next_sibling(d->nodes, c)) {
				if (d->nodes[c].key && token_eq(d->nodes[c].key, t, e)) {
					found = c;
					break;
				}
			}
		}
		if (found < 0)
			return -1;
		cur = found;
		p = e;
	}
	return cur;
}

/* Unescape one token: ~1 to '/', then ~0 to '~' (other '~' stay). */
static char *token_dup(const char *t, const char *e)
{
	char *s = malloc((size_t)(e - t) + 1), *o = s;

	if (!s)
		return NULL;
	while (t < e) {
		if (*t == '~' && t + 1 < e && (t[1] == '0' || t[1] == '1')) {
			*o++ = t[1] == '0' ? '~' : '/';
			t += 2;
		} else {
			*o++ = *t++;
		}
	}
	*o = '\0';
	return s;
}

bool lson_pointer_split(const char *pointer, char ***tokens, size_t *n, struct lb_error *err)
{
	size_t count = 0, k = 0;
	char **v;
	const char *p;

	*tokens = NULL;
	*n = 0;
	if (!pointer) {
		lb_error_set(err, LB_USAGE, "missing path");
		return false;
	}
	if (*pointer == '\0')
		return true;
	if (*pointer != '/') {
		lb_error_set(err, LB_USAGE, "path \"%s\" must start with \"/\"", pointer);
		return false;
	}
	for (p = pointer; *p; p++) {
		count += *p == '/';
		/* RFC 6901: "~" only as "~0" or "~1". */
		if (*p == '~' && p[1] != '0' && p[1] != '1') {
			lb_error_set(err, LB_USAGE,
				     "path \"%s\": \"~\" must be written ~0 (and \"/\" inside a key ~1)",
				     pointer);
			return false;
		}
	}
	v = calloc(count, sizeof(*v));
	if (!v) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (p = pointer; *p == '/'; k++) {
		const char *t = p + 1, *e = strchr(t, '/');

		if (!e)
			e = t + strlen(t);
		v[k] = token_dup(t, e);
		if (!v[k]) {
			lson_tokens_free(&v, k);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		p = e;
	}
	*tokens = v;
	*n = count;
	return true;
}

void lson_tokens_free(char ***tokens, size_t n)
{
	if (!tokens || !*tokens)
		return;
	for (size_t i = 0; i < n; i++)
		free((*tokens)[i]);
	free(*tokens);
	*tokens = NULL;
}

/* ---- summaries -------------------------------------------------------------- */

/* Cut point at most max bytes into s, not inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* s as a quoted, escaped preview of at most max content bytes. */
static void quoted_preview(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s), cut = utf8_cut(s, len, max);
	struct buf tmp;
	char *part;

	buf_init(&tmp);
	part = strndup(s, cut);
	if (part && json_quote(&tmp, part)) {
		if (cut < len && tmp.len > 0) {
			tmp.len--; /* the closing quote */
			buf_add(&tmp, "\xE2\x80\xA6\"", 4);
		}
		buf_add(b, tmp.data, tmp.len);
	}
	free(part);
	buf_free(&tmp);
}

static void value_preview(const struct lson_doc *d, int c, struct buf *b)
{
	const struct lson_node *nd = &d->nodes[c];

	switch (nd->type) {
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
	case LSON_OBJECT:
		buf_adds(b, nd->n_children ? "{\xE2\x80\xA6}" : "{}");
		break;
	case LSON_LIVE_LIST:
	case LSON_ARRAY:
		buf_adds(b, nd->n_children ? "[\xE2\x80\xA6]" : "[]");
		break;
	case LSON_STRING:
	case LSON_LIVE_TEXT:
	case LSON_LIVE_FILE:
		quoted_preview(b, nd->value ? nd->value : "", 24);
		break;
	default:
		buf_add(b, nd->value, utf8_cut(nd->value, strlen(nd->value), 24));
		break;
	}
}

/* Copy src into out (n bytes), ending with an ellipsis if it is cut. */
static void copy_cut(char *out, size_t n, const char *src, size_t len)
{
	size_t cut;

	if (len < n) {
		memcpy(out, src, len + 1);
		return;
	}
	if (n < 4) {
		cut = utf8_cut(src, len, n - 1);
		memcpy(out, src, cut);
		out[cut] = '\0';
		return;
	}
	cut = utf8_cut(src, len, n - 4);
	memcpy(out, src, cut);
	memcpy(out + cut, "\xE2\x80\xA6", 4);
}

void lson_summary(const struct lson_doc *d, int i, char *out, size_t n)
{
	const struct lson_node *nd;
	struct buf b;

	if (!out || n == 0)
		return;
	out[0] = '\0';
	if (!valid_node(d, i))
		return;
	nd = &d->nodes[i];
	buf_init(&b);
	switch (nd->type) {
	case LSON_LIVE_LIST:
	case LSON_ARRAY:
		snprintf(out, n, "%d item%s", nd->n_children, nd->n_children == 1 ? "" : "s");
		return;
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
	case LSON_OBJECT: {
		/* "{x: 10, y: 20, …}": members while they fit in n */
		int c = i + 1;
		bool cut = false;

		buf_add(&b, "{", 1);
		for (int k = 0; k < nd->n_children; k++, c = next_sibling(d->nodes, c)) {
			size_t mark = b.len;
			const char *key = d->nodes[c].key ? d->nodes[c].key : "";
			size_t reserve = k + 1 < nd->n_children ? 7 : 2; /* ", …}" or "}" */

			if (k)
				buf_add(&b, ", ", 2);
			if (!key[0])
				key = "\"\""; /* the empty key, as the tree shows it */
			buf_add(&b, key, utf8_cut(key, strlen(key), 32));
			buf_add(&b, ": ", 2);
			value_preview(d, c, &b);
			if (b.len + reserve > n) {
				b.len = mark;
				cut = true;
				break;
			}
		}
		if (cut)
			buf_adds(&b, b.len > 1 ? ", \xE2\x80\xA6}" : "\xE2\x80\xA6}");
		else
			buf_add(&b, "}", 1);
		break;
	}
	case LSON_STRING:
	case LSON_LIVE_TEXT:
		quoted_preview(&b, nd->value, n > 8 ? n - 8 : 1);
		break;
	case LSON_LIVE_FILE:
		buf_adds(&b, d->plain_lson ? live_extra(nd) : nd->value);
		break;
	default:
		buf_adds(&b, nd->value ? nd->value : "");
		break;
	}
	if (b.data)
		copy_cut(out, n, b.data, b.len);
	buf_free(&b);
}

/* ---- subtree as JSON -------------------------------------------------------- */

struct jw {
	struct buf b;
	bool ok;
	bool pretty;
	bool plain;
	const struct lson_doc *d;
};

static void jw_put(struct jw *w, const char *s, size_t n)
{
	w->ok = w->ok && buf_add(&w->b, s, n);
}

static void jw_puts(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

static void jw_nl(struct jw *w, int level)
{
	static const char spaces[] =
	    "                                                                ";

	if (!w->pretty)
		return;
	jw_put(w, "\n", 1);
	for (int n = level * 2; n > 0; n -= 64)
		jw_put(w, spaces, n > 64 ? 64 : (size_t)n);
}

/* Compact JSON text, with a space after ':' and ',' when pretty. */
static void jw_json_text(struct jw *w, const char *s)
{
	const char *run = s;
	bool in_str = false;

	if (!w->pretty) {
		jw_puts(w, s);
		return;
	}
	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"') {
			in_str = true;
		} else if (*s == ':' || *s == ',') {
			jw_put(w, run, (size_t)(s - run) + 1);
			jw_put(w, " ", 1);
			run = s + 1;
		}
	}
	jw_puts(w, run);
}

static void jw_member_key(struct jw *w, const char *key)
{
	w->ok = w->ok && json_quote(&w->b, key);
	jw_put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}

static void jw_node(struct jw *w, int i, int level);

static void jw_children(struct jw *w, int i, int level, bool keyed)
{
	const struct lson_node *nd = &w->d->nodes[i];
	int c = i + 1;

	jw_put(w, keyed ? "{" : "[", 1);
	for (int k = 0; k < nd->n_children; k++, c = next_sibling(w->d->nodes, c)) {
		if (k)
			jw_put(w, ",", 1);
		jw_nl(w, level + 1);
		if (keyed)
			jw_member_key(w, w->d->nodes[c].key ? w->d->nodes[c].key : "");
		jw_node(w, c, level + 1);
	}
	if (nd->n_children)
		jw_nl(w, level);
	jw_put(w, keyed ? "}" : "]", 1);
}

static void jw_node(struct jw *w, int i, int level)
{
	const struct lson_node *nd = &w->d->nodes[i];
	bool live = nd->type <= LSON_LIVE_FILE;
	const char *extra = NULL;

	if (live && w->plain) {
		jw_put(w, "{", 1);
		jw_nl(w, level + 1);
		jw_member_key(w, s_lbtype);
		jw_put(w, "\"", 1);
		jw_puts(w, lson_type_name(nd->type));
		jw_put(w, "\",", 2);
		jw_nl(w, level + 1);
		jw_member_key(w, s_data);
	}
	switch (nd->type) {
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
	case LSON_OBJECT:
		jw_children(w, i, live && w->plain ? level + 1 : level, true);
		break;
	case LSON_LIVE_LIST:
	case LSON_ARRAY:
		jw_children(w, i, live && w->plain ? level + 1 : level, false);
		break;
	case LSON_LIVE_TEXT:
	case LSON_LIVE_FILE:
		jw_json_text(w, live_data(nd));
		if (nd->type == LSON_LIVE_TEXT)
			extra = live_extra(nd);
		break;
	case LSON_STRING:
		w->ok = w->ok && json_quote(&w->b, nd->value);
		break;
	default:
		jw_puts(w, nd->value);
		break;
	}
	if (live && w->plain) {
		if (extra && *extra) {
			jw_put(w, ",", 1);
			jw_nl(w, level + 1);
			jw_member_key(w, s_version);
			jw_puts(w, extra);
		}
		jw_nl(w, level);
		jw_put(w, "}", 1);
	}
}

char *lson_subtree_json(const struct lson_doc *d, int i, bool as_plain_lson, bool pretty)
{
	struct jw w;

	if (!valid_node(d, i))
		return NULL;
	buf_init(&w.b);
	w.ok = true;
	w.pretty = pretty;
	w.plain = as_plain_lson && d->plain_lson;
	w.d = d;
	jw_node(&w, i, 0);
	if (!w.ok) {
		buf_free(&w.b);
		return NULL;
	}
	return buf_steal(&w.b);
}

/* ---- search ----------------------------------------------------------------- */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive (ASCII) substring; needle already lower-case. */
static bool ci_contains(const char *hay, const char *needle, size_t nlen)
{
	unsigned char first = (unsigned char)needle[0];

	for (; *hay; hay++) {
		size_t k;

		if (lower((unsigned char)*hay) != first)
			continue;
		for (k = 1; k < nlen; k++)
			if (!hay[k] || lower((unsigned char)hay[k]) != (unsigned char)needle[k])
				break;
		if (k == nlen)
			return true;
		if (!hay[k])
			return false;
	}
	return false;
}

static bool node_matches(const struct lson_node *nd, const char *lneedle, size_t nlen)
{
	return (nd->key && ci_contains(nd->key, lneedle, nlen)) ||
	       (nd->value && ci_contains(nd->value, lneedle, nlen));
}

static char *lower_dup(const char *s)
{
	char *o = strdup(s);

	for (char *p = o; p && *p; p++)
		*p = (char)lower((unsigned char)*p);
	return o;
}

bool lson_matches(const struct lson_doc *d, int i, const char *needle)
{
	char *ln;
	bool m;

	if (!valid_node(d, i) || !needle || !*needle)
		return false;
	ln = lower_dup(needle);
	if (!ln)
		return false;
	m = node_matches(&d->nodes[i], ln, strlen(ln));
	free(ln);
	return m;
}

int lson_search(const struct lson_doc *d, const char *needle, int from, int dir)
{
	long n, j, steps;
	size_t nlen;
	char *ln;
	int found = -1;

	if (!d || d->n == 0 || !needle || !*needle)
		return -1;
	n = (long)d->n;
	dir = dir < 0 ? -1 : 1;
	if (from < 0 || from >= n) {
		j = dir > 0 ? -1 : n; /* look at every node */
		steps = n;
	} else {
		j = from;
		steps = n - 1;
	}
	ln = lower_dup(needle);
	if (!ln)
		return -1;
	nlen = strlen(ln);
	for (long s = 0; s < steps; s++) {
		j += dir;
		if (j >= n)
			j = 0;
		else if (j < 0)
			j = n - 1;
		if (node_matches(&d->nodes[j], ln, nlen)) {
			found = (int)j;
			break;
		}
	}
	free(ln);
	return found;
}

size_t lson_search_all(const struct lson_doc *d, const char *needle, int **out)
{
	size_t n = 0, cap = 0;
	int *v = NULL;
	char *ln;

	*out = NULL;
	if (!d || d->n == 0 || !needle || !*needle)
		return 0;
	ln = lower_dup(needle);
	if (!ln)
		return (size_t)-1;
	size_t nlen = strlen(ln);
	for (size_t i = 0; i < d->n; i++) {
		if (!node_matches(&d->nodes[i], ln, nlen))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			int *nv = realloc(v, c * sizeof(*nv));
			if (!nv) {
				free(v);
				free(ln);
				return (size_t)-1;
			}
			v = nv;
			cap = c;
		}
		v[n++] = (int)i;
	}
	free(ln);
	*out = v;
	return n;
}

/* ---- diff of two trees ------------------------------------------------------ */

struct differ {
	const struct lson_doc *a;
	const struct lson_doc *b;
	struct lson_delta *v;
	size_t n;
	size_t cap;
	struct buf path;
	bool ok;
};

static bool same_scalar(const struct lson_doc *a, const struct lson_node *x,
                        const struct lson_doc *b, const struct lson_node *y)
{
	if (strcmp(x->value, y->value) != 0)
		return false;
	if (has_live_data(a, x) != has_live_data(b, y))
		return false;
	if (!has_live_data(a, x))
		return true;
	return strcmp(live_data(x), live_data(y)) == 0 && strcmp(live_extra(x), live_extra(y)) == 0;
}

static void delta_add(struct differ *df, enum lson_change kind, int ia, int ib)
{
	struct lson_delta *e;

	if (!df->ok)
		return;
	if (df->n == df->cap) {
		size_t cap = df->cap ? df->cap * 2 : 16;
		void *v = realloc(df->v, cap * sizeof(*df->v));

		if (!v) {
			df->ok = false;
			return;
		}
		df->v = v;
		df->cap = cap;
	}
	e = &df->v[df->n];
	e->kind = kind;
	e->path = strdup(df->path.data);
	e->before = ia >= 0 ? lson_subtree_json(df->a, ia, true, false) : NULL;
	e->after = ib >= 0 ? lson_subtree_json(df->b, ib, true, false) : NULL;
	df->n++;
	if (!e->path || (ia >= 0 && !e->before) || (ib >= 0 && !e->after))
		df->ok = false;
}

static void diff_node(struct differ *df, int ia, int ib);

static void diff_child(struct differ *df, const struct lson_node *child, bool list, int index,
                       enum lson_change kind, int ia, int ib)
{
	size_t mark = df->path.len;

	if (list)
		df->ok = df->ok && buf_printf(&df->path, "/%d", index);
	else
		df->ok = df->ok && pointer_append(&df->path, child->key ? child->key : "");
	if (ia >= 0 && ib >= 0)
		diff_node(df, ia, ib);
	else
		delta_add(df, kind, ia, ib);
	df->path.len = mark;
	if (df->path.cap)
		df->path.data[mark] = '\0';
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const char *key_of(const struct lson_node *nd)
{
	return nd->key ? nd->key : "";
}

/* Keyed children: lockstep while the keys agree (the usual case), then a
 * hash of b's remaining keys. */
static void diff_keyed(struct differ *df, int ia, int ib)
{
	const struct lson_node *A = df->a->nodes, *B = df->b->nodes;
	int na = A[ia].n_children, nb = B[ib].n_children, ca = ia + 1, cb = ib + 1, k = 0;
	int *table = NULL, *rest = NULL;
	bool *used = NULL;
	size_t size = 1, nrest;

	while (k < na && k < nb && strcmp(key_of(&A[ca]), key_of(&B[cb])) == 0) {
		diff_child(df, &A[ca], false, 0, LSON_CHANGED, ca, cb);
		ca = next_sibling(A, ca);
		cb = next_sibling(B, cb);
		k++;
	}
	if (k == na && k == nb)
		return;
	nrest = (size_t)(nb - k);
	while (size < nrest * 2)
		size *= 2;
	table = malloc(size * sizeof(*table));
	rest = malloc((nrest + 1) * sizeof(*rest));
	used = calloc(nrest + 1, sizeof(*used));
	if (!table || !rest || !used) {
		df->ok = false;
		goto out;
	}
	for (size_t s = 0; s < size; s++)
		table[s] = -1;
	for (size_t r = 0, c = (size_t)cb; r < nrest; r++, c = (size_t)next_sibling(B, (int)c)) {
		size_t h = hash_str(key_of(&B[c])) & (size - 1);

		rest[r] = (int)c;
		while (table[h] >= 0)
			h = (h + 1) & (size - 1);
		table[h] = (int)r;
	}
	for (int j = k; j < na; j++, ca = next_sibling(A, ca)) {
		const char *key = key_of(&A[ca]);
		size_t h = hash_str(key) & (size - 1);
		int match = -1;

		for (; table[h] >= 0; h = (h + 1) & (size - 1)) {
			int r = table[h];

			if (!used[r] && strcmp(key_of(&B[rest[r]]), key) == 0) {
				match = r;
				break;
			}
		}
		if (match >= 0) {
			used[match] = true;
			diff_child(df, &A[ca], false, 0, LSON_CHANGED, ca, rest[match]);
		} else {
			diff_child(df, &A[ca], false, 0, LSON_REMOVED, ca, -1);
		}
	}
	for (size_t r = 0; r < nrest; r++)
		if (!used[r])
			diff_child(df, &B[rest[r]], false, 0, LSON_ADDED, -1, rest[r]);
out:
	free(table);
	free(rest);
	free(used);
}

static void diff_node(struct differ *df, int ia, int ib)
{
	const struct lson_node *x = &df->a->nodes[ia], *y = &df->b->nodes[ib];

	if (!df->ok)
		return;
	if (x->type != y->type) {
		delta_add(df, LSON_CHANGED, ia, ib);
		return;
	}
	if (is_list(x->type)) {
		const struct lson_node *A = df->a->nodes, *B = df->b->nodes;
		int ca = ia + 1, cb = ib + 1, k;

		for (k = 0; k < x->n_children && k < y->n_children; k++) {
			diff_child(df, &A[ca], true, k, LSON_CHANGED, ca, cb);
			ca = next_sibling(A, ca);
			cb = next_sibling(B, cb);
		}
		for (; k < x->n_children; k++, ca = next_sibling(A, ca))
			diff_child(df, &A[ca], true, k, LSON_REMOVED, ca, -1);
		for (; k < y->n_children; k++, cb = next_sibling(B, cb))
			diff_child(df, &B[cb], true, k, LSON_ADDED, -1, cb);
	} else if (lson_is_container(x->type)) {
		diff_keyed(df, ia, ib);
	} else if (!same_scalar(df->a, x, df->b, y)) {
		delta_add(df, LSON_CHANGED, ia, ib);
	}
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Pointer order: token by token, numeric tokens by value. */
static int path_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		const char *ta = a + 1, *tb = b + 1;
		const char *ea = strchr(ta, '/'), *eb = strchr(tb, '/');
		size_t la, lb;
		int c;

		if (!ea)
			ea = ta + strlen(ta);
		if (!eb)
			eb = tb + strlen(tb);
		la = (size_t)(ea - ta);
		lb = (size_t)(eb - tb);
		if (all_digits(ta, la) && all_digits(tb, lb)) {
			while (la > 1 && *ta == '0')
				ta++, la--;
			while (lb > 1 && *tb == '0')
				tb++, lb--;
			if (la != lb)
				return la < lb ? -1 : 1;
			c = memcmp(ta, tb, la);
		} else {
			c = memcmp(ta, tb, la < lb ? la : lb);
			if (c == 0 && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c;
		a = ea;
		b = eb;
	}
	return (*a != '\0') - (*b != '\0');
}

static int delta_cmp(const void *x, const void *y)
{
	const struct lson_delta *a = x, *b = y;

	return path_cmp(a->path, b->path);
}

size_t lson_diff(const struct lson_doc *a, const struct lson_doc *b, struct lson_delta **out)
{
	struct differ df = {0};

	*out = NULL;
	if (!a || !b || a->n == 0 || b->n == 0)
		return 0;
	df.a = a;
	df.b = b;
	df.ok = true;
	buf_init(&df.path);
	diff_node(&df, 0, 0);
	buf_free(&df.path);
	if (!df.ok) {
		lson_deltas_free(&df.v, df.n);
		return 0;
	}
	if (df.n > 1)
		qsort(df.v, df.n, sizeof(*df.v), delta_cmp);
	*out = df.v;
	return df.n;
}

void lson_deltas_free(struct lson_delta **v, size_t n)
{
	if (!v || !*v)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*v)[i].path);
		free((*v)[i].before);
		free((*v)[i].after);
	}
	free(*v);
	*v = NULL;
}

/* ---- JSON Patch ------------------------------------------------------------- */

static const char *const patch_names[] = {"add", "remove", "replace", "move", "copy", "test"};

static const char *patch_name(enum patch_kind k)
{
	return (int)k >= 0 && (size_t)k < sizeof(patch_names) / sizeof(patch_names[0])
	           ? patch_names[k]
	           : "?";
}

bool patch_add(struct patch *p, enum patch_kind kind, const char *path, const char *from,
               const char *value)
{
	struct patch_op op = {kind, NULL, NULL, NULL};
	struct patch_op *v;

	op.path = xstrdup(path);
	op.from = xstrdup(from);
	op.value = xstrdup(value);
	v = realloc(p->ops, (p->n + 1) * sizeof(*v));
	if ((path && !op.path) || (from && !op.from) || (value && !op.value) || !v) {
		if (v)
			p->ops = v;
		free(op.path);
		free(op.from);
		free(op.value);
		return false;
	}
	v[p->n++] = op;
	p->ops = v;
	return true;
}

void patch_clear(struct patch *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].path);
		free(p->ops[i].from);
		free(p->ops[i].value);
	}
	free(p->ops);
	p->ops = NULL;
	p->n = 0;
}

/* Valid JSON text, minified (the user's number spelling is kept). Not
 * cJSON_Minify: it takes the quote in "a\\" for an escaped one, then
 * "//" in a later string for a comment. */
static char *json_minified(const char *text)
{
	char msg[128], *s, *o;
	bool in_str = false;

	if (!text || !json_check(text, strlen(text), msg, sizeof(msg)))
		return NULL;
	s = malloc(strlen(text) + 1);
	if (!s)
		return NULL;
	for (o = s; *text; text++) {
		if (in_str) {
			if (*text == '\\' && text[1])
				*o++ = *text++;
			else if (*text == '"')
				in_str = false;
		} else if (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r') {
			continue;
		} else if (*text == '"') {
			in_str = true;
		}
		*o++ = *text;
	}
	*o = '\0';
	return s;
}

char *patch_to_json(const struct patch *p)
{
	struct buf b;
	bool ok;

	buf_init(&b);
	ok = buf_add(&b, "[", 1);
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];

		ok = buf_printf(&b, "%s{\"op\":\"%s\"", i ? "," : "", patch_name(op->kind));
		if (op->kind == PATCH_MOVE || op->kind == PATCH_COPY) {
			ok = ok && buf_adds(&b, ",\"from\":") &&
			     json_quote(&b, op->from ? op->from : "");
		}
		ok = ok && buf_adds(&b, ",\"path\":") && json_quote(&b, op->path ? op->path : "");
		if (op->kind == PATCH_ADD || op->kind == PATCH_REPLACE || op->kind == PATCH_TEST) {
			char *v = json_minified(op->value);

			ok = ok && v && buf_adds(&b, ",\"value\":") && buf_adds(&b, v);
			free(v);
		}
		ok = ok && buf_add(&b, "}", 1);
	}
	ok = ok && buf_add(&b, "]", 1);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* The wrapper type of a cJSON value ("LiveObject"...), or NULL. */
static const char *cj_live_type(const cJSON *v)
{
	const cJSON *t;

	if (!cJSON_IsObject(v))
		return NULL;
	t = cJSON_GetObjectItemCaseSensitive(v, s_lbtype);
	return cJSON_IsString(t) ? t->valuestring : NULL;
}

static cJSON *cj_wrap(const char *type, cJSON *data)
{
	cJSON *w = cJSON_CreateObject();

	if (!w || !data || !cJSON_AddStringToObject(w, s_lbtype, type)) {
		cJSON_Delete(w);
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddItemToObject(w, s_data, data);
	return w;
}

static cJSON *to_lson(const cJSON *v);

/* A new object whose members are f(each member of src). */
static cJSON *cj_map_object(const cJSON *src, cJSON *(*f)(const cJSON *))
{
	cJSON *o = cJSON_CreateObject(), *m;

	if (!o)
		return NULL;
	cJSON_ArrayForEach(m, src)
	{
		cJSON *x = f(m);

		if (!x) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddItemToObject(o, m->string, x);
	}
	return o;
}

static cJSON *cj_map_array(const cJSON *src, cJSON *(*f)(const cJSON *))
{
	cJSON *a = cJSON_CreateArray(), *m;

	if (!a)
		return NULL;
	cJSON_ArrayForEach(m, src)
	{
		cJSON *x = f(m);

		if (!x) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, x);
	}
	return a;
}

/* A JSON value as plain LSON, as the server's JSON Patch reads values:
 * arrays become LiveLists, objects LiveObjects, wrappers are kept. */
static cJSON *to_lson(const cJSON *v)
{
	const char *t;
	const cJSON *data;

	if (cJSON_IsArray(v))
		return cj_wrap(s_live_list, cj_map_array(v, to_lson));
	if (!cJSON_IsObject(v))
		return cJSON_Duplicate(v, 1);
	t = cj_live_type(v);
	data = cJSON_GetObjectItemCaseSensitive(v, s_data);
	if (t && strcmp(t, s_live_list) == 0 && cJSON_IsArray(data))
		return cj_wrap(s_live_list, cj_map_array(data, to_lson));
	if (t && (strcmp(t, s_live_object) == 0 || strcmp(t, s_live_map) == 0) &&
	    cJSON_IsObject(data))
		return cj_wrap(t, cj_map_object(data, to_lson));
	if (t && (strcmp(t, s_live_text) == 0 || strcmp(t, s_live_file) == 0))
		return cJSON_Duplicate(v, 1);
	return cj_wrap(s_live_object, cj_map_object(v, to_lson));
}

/* JavaScript deep equality of two JSON values (object key order ignored). */
static bool js_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *m;

	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if (cJSON_IsNull(a) && cJSON_IsNull(b))
		return true;
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		const cJSON *x = a->child, *y = b->child;

		for (; x && y; x = x->next, y = y->next)
			if (!js_equal(x, y))
				return false;
		return !x && !y;
	}
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return false;
		cJSON_ArrayForEach(m, a)
		{
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);

			if (!o || !js_equal(m, o))
				return false;
		}
		return true;
	}
	return false;
}

/* The Live container a cJSON value is: 'o' (LiveObject/LiveMap), 'l'
 * (LiveList) or 0 if it is not one (or its data has the wrong shape). */
static char cj_container(const cJSON *v, cJSON **data)
{
	const char *t = cj_live_type(v);
	cJSON *dt;

	if (!t)
		return 0;
	dt = cJSON_GetObjectItemCaseSensitive(v, s_data);
	*data = dt;
	if (strcmp(t, s_live_list) == 0 && cJSON_IsArray(dt))
		return 'l';
	if ((strcmp(t, s_live_object) == 0 || strcmp(t, s_live_map) == 0) && cJSON_IsObject(dt))
		return 'o';
	return 0;
}

static const char *cj_type_name(const cJSON *v)
{
	const char *t = cj_live_type(v);

	if (t && live_type_of(intern(t, strlen(t))) != LSON_TYPE_COUNT)
		return t;
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsBool(v))
		return "boolean";
	return "null";
}

struct applier {
	cJSON *root;
	char *msg; /* the failure, without the op prefix */
	size_t msg_n;
	bool nomem;
	unsigned flags; /* LSON_PATCH_* */
};

static bool ap_fail(struct applier *ap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool ap_fail(struct applier *ap, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(ap->msg, ap->msg_n, fmt, args);
	va_end(args);
	return false;
}

/* The prefix "/a/b" of the first k tokens, for messages. */
static void prefix_of(char **tok, size_t k, char *out, size_t n)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < k; i++)
		pointer_append(&b, tok[i]);
	snprintf(out, n, "%s", b.len ? b.data : "the root");
	buf_free(&b);
}

/* The child tok of a Live container, or NULL with a message. */
static cJSON *cj_child(struct applier *ap, cJSON *container, char **tok, size_t k)
{
	cJSON *data = NULL;
	char kind = cj_container(container, &data);
	char where[256];

	if (kind == 'l') {
		long idx = parse_index(tok[k], tok[k] + strlen(tok[k]));
		int size = cJSON_GetArraySize(data);

		if (idx < 0) {
			prefix_of(tok, k, where, sizeof(where));
			ap_fail(ap, "\"%s\" is not an index of the LiveList at %s", tok[k], where);
			return NULL;
		}
		if (idx >= size) {
			prefix_of(tok, k, where, sizeof(where));
			ap_fail(ap, "no item %ld in the LiveList at %s (%d item%s)", idx, where,
			        size, size == 1 ? "" : "s");
			return NULL;
		}
		return cJSON_GetArrayItem(data, (int)idx);
	}
	{
		cJSON *c = cJSON_GetObjectItemCaseSensitive(data, tok[k]);

		if (!c)
			ap_fail(ap, "no such key \"%s\"", tok[k]);
		return c;
	}
}

/* Walk to the parent of the last token; it must be a Live container. */
static cJSON *cj_locate(struct applier *ap, char **tok, size_t n)
{
	cJSON *cur = ap->root, *data;

	for (size_t k = 0; k + 1 < n; k++) {
		char where[256];

		cur = cj_child(ap, cur, tok, k);
		if (!cur)
			return NULL;
		if (!cj_container(cur, &data)) {
			prefix_of(tok, k + 1, where, sizeof(where));
			const char *t = cj_type_name(cur);

			ap_fail(ap, "%s is %s %s, not a LiveObject, LiveMap or LiveList", where,
			        strchr("aeiou", t[0]) ? "an" : "a", t);
			return NULL;
		}
	}
	return cur;
}


/* Insert item before position which. cJSON 1.7.15's cJSON_InsertItemInArray
 * fails for every position but the first, so link it by hand: the head's
 * prev points at the last item. */
static bool array_insert(cJSON *array, int which, cJSON *item)
{
	cJSON *after = cJSON_GetArrayItem(array, which);

	if (!after)
		return cJSON_AddItemToArray(array, item);
	item->next = after;
	item->prev = after->prev;
	after->prev = item;
	if (after == array->child)
		array->child = item;
	else
		item->prev->next = item;
	return true;
}

static bool cj_add_at(struct applier *ap, char **tok, size_t n, cJSON *value)
{
	cJSON *parent = cj_locate(ap, tok, n), *data = NULL;
	const char *key = tok[n - 1];
	bool ok;

	if (!parent) {
		cJSON_Delete(value);
		return false;
	}
	if (cj_container(parent, &data) == 'l') {
		int size = cJSON_GetArraySize(data);
		long idx = strcmp(key, "-") == 0 ? size : parse_index(key, key + strlen(key));

		if (idx < 0 || idx > size) {
			cJSON_Delete(value);
			if (idx < 0)
				return ap_fail(ap, "\"%s\" is not a LiveList index or \"-\"", key);
			return ap_fail(ap, "index %ld is out of bounds (%d item%s)", idx, size,
			               size == 1 ? "" : "s");
		}
		ok = idx == size ? cJSON_AddItemToArray(data, value)
		                 : array_insert(data, (int)idx, value);
	} else if (cJSON_GetObjectItemCaseSensitive(data, key)) {
		ok = cJSON_ReplaceItemInObjectCaseSensitive(data, key, value);
	} else {
		ok = cJSON_AddItemToObject(data, key, value);
	}
	if (!ok) {
		cJSON_Delete(value);
		ap->nomem = true;
		return ap_fail(ap, "out of memory");
	}
	return true;
}

/* Detach the node at the path and return it. */
static cJSON *cj_remove_at(struct applier *ap, char **tok, size_t n)
{
	cJSON *parent = cj_locate(ap, tok, n), *data = NULL;

	if (!parent || !cj_child(ap, parent, tok, n - 1))
		return NULL;
	if (cj_container(parent, &data) == 'l')
		return cJSON_DetachItemFromArray(
		    data, (int)parse_index(tok[n - 1], tok[n - 1] + strlen(tok[n - 1])));
	return cJSON_DetachItemFromObjectCaseSensitive(data, tok[n - 1]);
}

static bool split_op_path(struct applier *ap, const char *path, char ***tok, size_t *n)
{
	struct lb_error e;

	if (!path)
		return ap_fail(ap, "the path is missing");
	if (*path == '\0')
		return ap_fail(ap, "the document root cannot be the target");
	if (!lson_pointer_split(path, tok, n, &e)) {
		if (e.status == LB_NOMEM)
			ap->nomem = true;
		return ap_fail(ap, "%s", e.message);
	}
	return true;
}

static bool literal_ok(struct applier *ap, const cJSON *v, const char *path);

/* The Storage value an add or replace writes: the value as plain LSON, as
 * it is (LSON_PATCH_LITERAL, checked first; *value is taken), or read as
 * the server's JSON Patch reads it. NULL with the failure set. */
static cJSON *op_value(struct applier *ap, cJSON **value, const char *path)
{
	cJSON *v;

	if (ap->flags & LSON_PATCH_LITERAL) {
		if (!literal_ok(ap, *value, path))
			return NULL;
		v = *value;
		*value = NULL;
		return v;
	}
	v = to_lson(*value);
	if (!v) {
		ap->nomem = true;
		ap_fail(ap, "out of memory");
	}
	return v;
}

static bool apply_op(struct applier *ap, const struct patch_op *op)
{
	char **path = NULL, **from = NULL;
	size_t np = 0, nf = 0;
	cJSON *value = NULL, *v;
	bool ok = false;

	if (!split_op_path(ap, op->path, &path, &np))
		goto out;
	if (op->kind == PATCH_ADD || op->kind == PATCH_REPLACE || op->kind == PATCH_TEST) {
		if (!op->value) {
			ap_fail(ap, "\"value\" is required");
			goto out;
		}
		char msg[128];

		if (!json_check(op->value, strlen(op->value), msg, sizeof(msg))) {
			ap_fail(ap, "the value is not valid JSON (%s)", msg);
			goto out;
		}
		value = cJSON_ParseWithOpts(op->value, NULL, 1);
		if (!value) {
			ap->nomem = true;
			goto out;
		}
	}
	switch (op->kind) {
	case PATCH_ADD:
		v = op_value(ap, &value, op->path);
		ok = v && cj_add_at(ap, path, np, v);
		break;
	case PATCH_REMOVE:
		v = cj_remove_at(ap, path, np);
		ok = v != NULL;
		cJSON_Delete(v);
		break;
	case PATCH_REPLACE: {
		cJSON *parent = cj_locate(ap, path, np), *data = NULL;

		if (!parent || !cj_child(ap, parent, path, np - 1))
			break;
		v = op_value(ap, &value, op->path);
		if (!v)
			break;
		if (cj_container(parent, &data) == 'l')
			ok = cJSON_ReplaceItemInArray(
			    data,
			    (int)parse_index(path[np - 1], path[np - 1] + strlen(path[np - 1])), v);
		else
			ok = cJSON_ReplaceItemInObjectCaseSensitive(data, path[np - 1], v);
		if (!ok) {
			cJSON_Delete(v);
			ap->nomem = true;
		}
		break;
	}
	case PATCH_MOVE:
	case PATCH_COPY: {
		size_t fl;

		if (!split_op_path(ap, op->from, &from, &nf))
			break;
		fl = strlen(op->from);
		if (op->kind == PATCH_MOVE) {
			if (strncmp(op->path, op->from, fl) == 0 && op->path[fl] == '/') {
				ap_fail(ap, "cannot move a node into one of its children");
				break;
			}
			v = cj_remove_at(ap, from, nf);
		} else {
			cJSON *parent = cj_locate(ap, from, nf), *c;

			c = parent ? cj_child(ap, parent, from, nf - 1) : NULL;
			v = c ? cJSON_Duplicate(c, 1) : NULL;
			if (c && !v)
				ap->nomem = true;
		}
		ok = v && cj_add_at(ap, path, np, v);
		break;
	}
	case PATCH_TEST: {
		/* Type and value, in plain LSON: a LiveObject is not a plain
		 * object, nor a LiveMap, whatever their data. */
		cJSON *parent = cj_locate(ap, path, np), *c;

		c = parent ? cj_child(ap, parent, path, np - 1) : NULL;
		if (!c)
			break;
		ok = js_equal(c, value);
		if (!ok)
			ap_fail(ap, "the value does not match");
		break;
	}
	default:
		ap_fail(ap, "unknown operation");
		break;
	}
out:
	cJSON_Delete(value);
	lson_tokens_free(&path, np);
	lson_tokens_free(&from, nf);
	return ok;
}

char *lson_patch_apply(const char *plain_lson, size_t len, const struct patch *p,
                       struct lb_error *err)
{
	return lson_patch_apply_opts(plain_lson, len, p, 0, err);
}

/* The first \u escape in JSON text that cJSON cannot keep as it is: a
 * NUL (its strings end there) or a UTF-16 surrogate without its pair
 * (it refuses the text); NULL when there is none. Backslashes are only
 * in strings, so escapes are found without tracking them. */
static const char *unkeepable_escape(const char *s, size_t len)
{
	unsigned cp, lo;

	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] != 'u' || !read_hex4(s + i + 2, s + len, &cp)) {
			i++;
			continue;
		}
		if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
			return s + i;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 12 > len || s[i + 6] != '\\' || s[i + 7] != 'u' ||
			    !read_hex4(s + i + 8, s + len, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return s + i;
			i += 6;
		}
		i += 5;
	}
	return NULL;
}

/* Parse the document for an applier (msg holds the failures): false
 * with err when it is not JSON or its root is not a LiveObject. */
static bool ap_open(struct applier *ap, const char *plain_lson, size_t len, unsigned flags,
                    char *msg, size_t msg_n, struct lb_error *err)
{
	cJSON *data;

	memset(ap, 0, sizeof(*ap));
	ap->flags = flags;
	ap->msg = msg;
	ap->msg_n = msg_n;
	if (!plain_lson || !json_check(plain_lson, len, msg, msg_n)) {
		lb_error_set(err, LB_DECODE, "the Storage document is not valid JSON: %s",
		             plain_lson ? msg : "(nothing)");
		return false;
	}
	/* Changed and written back, such a string would come out cut short
	 * (a rewrite would write that into the room), or not at all. */
	const char *esc = unkeepable_escape(plain_lson, len);
	if (esc) {
		lb_error_set(
		    err, LB_DECODE,
		    "the Storage document holds a string with %s (%.6s), which lbtui cannot "
		    "keep as it is in a change: nothing was changed",
		    !memcmp(esc, "\\u0000", 6) ? "a NUL character" : "a lone UTF-16 surrogate",
		    esc);
		return false;
	}
	ap->root = cJSON_ParseWithLength(plain_lson, len);
	if (!ap->root) {
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
		return false;
	}
	if (cj_container(ap->root, &data) != 'o' ||
	    strcmp(cj_live_type(ap->root), s_live_object) != 0) {
		cJSON_Delete(ap->root);
		ap->root = NULL;
		lb_error_set(err, LB_DECODE, "the Storage document's root is not a LiveObject");
		return false;
	}
	return true;
}

/* Apply op i; on failure set err naming it ("op 2 (remove /a): ..."). */
static bool ap_apply(struct applier *ap, const struct patch *p, size_t i, struct lb_error *err)
{
	const struct patch_op *op = &p->ops[i];

	ap->msg[0] = '\0';
	if (apply_op(ap, op))
		return true;
	if (ap->nomem)
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
	else if (op->kind == PATCH_MOVE || op->kind == PATCH_COPY)
		lb_error_set(err, LB_USAGE, "op %zu (%s %s -> %s): %s", i, patch_name(op->kind),
		             op->from ? op->from : "?", op->path ? op->path : "?", ap->msg);
	else
		lb_error_set(err, LB_USAGE, "op %zu (%s %s): %s", i, patch_name(op->kind),
		             op->path ? op->path : "?", ap->msg);
	return false;
}

char *lson_patch_apply_opts(const char *plain_lson, size_t len, const struct patch *p,
                            unsigned flags, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	char *out;

	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (!ap_apply(&ap, p, i, err)) {
			cJSON_Delete(ap.root);
			return NULL;
		}
	}
	out = cJSON_PrintUnformatted(ap.root);
	cJSON_Delete(ap.root);
	if (!out)
		lb_error_set(err, LB_NOMEM, "out of memory applying the patch");
	return out;
}

/* ---- guards: the tests a patch needs ------------------------------------- */

/* The child tok of a Live container, or NULL (no message). */
static cJSON *cj_lookup(cJSON *container, const char *tok)
{
	cJSON *data = NULL;
	char kind = cj_container(container, &data);

	if (kind == 'l') {
		long idx = parse_index(tok, tok + strlen(tok));
		return idx >= 0 && idx < cJSON_GetArraySize(data)
		           ? cJSON_GetArrayItem(data, (int)idx)
		           : NULL;
	}
	return kind == 'o' ? cJSON_GetObjectItemCaseSensitive(data, tok) : NULL;
}

/* Add a test of the value v at the pointer of tok[0..k) plus last (NULL:
 * none) to tests. */
static bool guard_add(struct patch *tests, char **tok, size_t k, const char *last, const cJSON *v)
{
	struct buf b;
	char *value = cJSON_PrintUnformatted(v);
	bool ok = value != NULL;

	buf_init(&b);
	for (size_t i = 0; ok && i < k; i++)
		ok = pointer_append(&b, tok[i]);
	ok = ok && (!last || pointer_append(&b, last)) && b.data &&
	     patch_add(tests, PATCH_TEST, b.data, NULL, value);
	buf_free(&b);
	free(value);
	return ok;
}

/* How an op uses the node a pointer names. */
enum guard_use {
	GUARD_READ,  /* remove, replace, the from of move and copy: its value */
	GUARD_WRITE, /* add, the path of move and copy: where it goes */
};

/* The tests for one pointer of an op, against the document as it is: the
 * item at each list index on the way (an index names whatever sits there
 * now), then the old value of the node read or overwritten, or for an
 * insertion into a list the items on either side of the place. A pointer
 * that does not resolve gets no test: the op fails on its own. */
static bool guard_pointer(cJSON *root, const char *pointer, enum guard_use use, struct patch *tests)
{
	char **tok = NULL;
	size_t n = 0;
	struct lb_error e;
	cJSON *cur = root, *data = NULL, *c;
	bool ok = true;

	if (!pointer || !*pointer || !lson_pointer_split(pointer, &tok, &n, &e))
		return !pointer || !*pointer || e.status != LB_NOMEM;
	for (size_t k = 0; ok && k + 1 < n; k++) {
		char kind = cj_container(cur, &data);

		c = cj_lookup(cur, tok[k]);
		if (!c || !kind)
			goto out;
		if (kind == 'l')
			ok = guard_add(tests, tok, k + 1, NULL, c);
		cur = c;
	}
	if (!ok || !cj_container(cur, &data))
		goto out;
	c = cj_lookup(cur, tok[n - 1]);
	if (use == GUARD_WRITE && cj_container(cur, &data) == 'l') {
		long idx = parse_index(tok[n - 1], tok[n - 1] + strlen(tok[n - 1]));
		int size = cJSON_GetArraySize(data);
		char before[32];

		if (idx > 0 && idx <= size) {
			snprintf(before, sizeof(before), "%ld", idx - 1);
			ok = guard_add(tests, tok, n - 1, before,
			               cJSON_GetArrayItem(data, (int)idx - 1));
		}
		if (ok && c)
			ok = guard_add(tests, tok, n, NULL, c);
	} else if (c) {
		ok = guard_add(tests, tok, n, NULL, c);
	}
out:
	lson_tokens_free(&tok, n);
	return ok;
}

/* The node at tok[0..n) from root, or NULL. */
static cJSON *cj_at(cJSON *root, char **tok, size_t n)
{
	cJSON *cur = root;

	for (size_t k = 0; cur && k < n; k++)
		cur = cj_lookup(cur, tok[k]);
	return cur;
}

/* The tests for where a move puts its node. A move takes the node out
 * first, so its path names a place in the document without it: the
 * tests are made there, then their paths are named as the document
 * before the move has them (the tests run before the op): past the taken
 * item, an index of its list is one more. Their values are read there
 * too, so that a node the move takes something out of is tested whole. */
static bool guard_move_target(cJSON *root, const struct patch_op *op, struct patch *tests)
{
	char **from = NULL, **tok = NULL;
	size_t nf = 0, nt = 0;
	struct patch post = {0};
	struct lb_error e;
	char msg[256];
	struct applier ap = {.msg = msg, .msg_n = sizeof(msg)};
	cJSON *taken, *parent, *data = NULL;
	long f = -1;
	bool ok = true;

	if (!op->from || !*op->from || !lson_pointer_split(op->from, &from, &nf, &e))
		return !op->from || !*op->from || e.status != LB_NOMEM;
	parent = cj_at(root, from, nf - 1);
	if (parent && cj_container(parent, &data) == 'l')
		f = parse_index(from[nf - 1], from[nf - 1] + strlen(from[nf - 1]));
	ap.root = cJSON_Duplicate(root, 1);
	ok = ap.root != NULL;
	taken = ok ? cj_remove_at(&ap, from, nf) : NULL;
	/* A from that does not resolve: the op fails on its own. */
	if (taken)
		ok = guard_pointer(ap.root, op->path, GUARD_WRITE, &post);
	cJSON_Delete(taken);
	cJSON_Delete(ap.root);
	for (size_t i = 0; ok && i < post.n; i++) {
		ok = lson_pointer_split(post.ops[i].path, &tok, &nt, &e);
		if (!ok)
			break;
		bool same_list = f >= 0 && nt >= nf;
		for (size_t k = 0; same_list && k + 1 < nf; k++)
			same_list = !strcmp(tok[k], from[k]);
		long idx =
		    same_list ? parse_index(tok[nf - 1], tok[nf - 1] + strlen(tok[nf - 1])) : -1;
		if (idx >= f && f >= 0) {
			char *shifted = malloc(24);

			ok = shifted != NULL;
			if (ok) {
				snprintf(shifted, 24, "%ld", idx + 1);
				free(tok[nf - 1]);
				tok[nf - 1] = shifted;
			}
		}
		cJSON *node = ok ? cj_at(root, tok, nt) : NULL;
		if (node)
			ok = guard_add(tests, tok, nt, NULL, node);
		lson_tokens_free(&tok, nt);
	}
	patch_clear(&post);
	lson_tokens_free(&from, nf);
	return ok;
}

/* Whether pointer a names b or one of b's ancestors. */
static bool pointer_covers(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* Append the tests that guard op to out: each once, none that a test of an
 * ancestor already covers. */
static bool guard_op(cJSON *root, const struct patch_op *op, struct patch *out)
{
	struct patch tests = {0};
	bool ok = true;

	switch (op->kind) {
	case PATCH_REMOVE:
	case PATCH_REPLACE:
		ok = guard_pointer(root, op->path, GUARD_READ, &tests);
		break;
	case PATCH_ADD:
		ok = guard_pointer(root, op->path, GUARD_WRITE, &tests);
		break;
	case PATCH_MOVE:
		ok = guard_pointer(root, op->from, GUARD_READ, &tests) &&
		     guard_move_target(root, op, &tests);
		break;
	case PATCH_COPY:
		ok = guard_pointer(root, op->from, GUARD_READ, &tests) &&
		     guard_pointer(root, op->path, GUARD_WRITE, &tests);
		break;
	case PATCH_TEST:
		break;
	}
	for (size_t i = 0; ok && i < tests.n; i++) {
		bool covered = false;

		for (size_t j = 0; j < tests.n && !covered; j++)
			covered = j != i && pointer_covers(tests.ops[j].path, tests.ops[i].path) &&
			          (strcmp(tests.ops[j].path, tests.ops[i].path) != 0 || j < i);
		if (!covered)
			ok =
			    patch_add(out, PATCH_TEST, tests.ops[i].path, NULL, tests.ops[i].value);
	}
	patch_clear(&tests);
	return ok;
}

bool lson_patch_guard(const char *plain_lson, size_t len, const struct patch *p, unsigned flags,
                      struct patch *out, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	bool ok = true;

	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return false;
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];

		if (!guard_op(ap.root, op, out) ||
		    !patch_add(out, op->kind, op->path, op->from, op->value)) {
			lb_error_set(err, LB_NOMEM, "out of memory guarding the patch");
			ok = false;
		} else {
			ok = ap_apply(&ap, p, i, err);
		}
	}
	cJSON_Delete(ap.root);
	if (!ok)
		patch_clear(out);
	return ok;
}

char *lson_patch_test_failures(const char *plain_lson, size_t len, const struct patch *p,
                               unsigned flags, size_t *count, struct lb_error *err)
{
	struct applier ap;
	char msg[512];
	struct buf b;
	bool ok = true;

	*count = 0;
	if (!ap_open(&ap, plain_lson, len, flags, msg, sizeof(msg), err))
		return NULL;
	buf_init(&b);
	ok = buf_adds(&b, "");
	for (size_t i = 0; ok && i < p->n; i++) {
		const struct patch_op *op = &p->ops[i];
		bool seen = false;

		if (ap_apply(&ap, p, i, err))
			continue;
		if (err->status == LB_NOMEM) {
			ok = false;
			break;
		}
		if (op->kind != PATCH_TEST)
			break; /* the ops after it would be guesses */
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->ops[j].kind == PATCH_TEST && !strcmp(p->ops[j].path, op->path);
		if (!seen) {
			ok = buf_printf(&b, "%s%s", *count ? ", " : "", op->path);
			(*count)++;
		}
	}
	cJSON_Delete(ap.root);
	if (!ok) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	lb_error_clear(err);
	return buf_steal(&b);
}

/* ---- user values and documents -------------------------------------------- */

char *lson_from_json(const char *json, enum lson_wrap wrap, struct lb_error *err)
{
	cJSON *v, *out;
	char *s;

	char msg[128];

	if (!json || !json_check(json, strlen(json), msg, sizeof(msg))) {
		lb_error_set(err, LB_USAGE, "not valid JSON: %s", json ? msg : "nothing given");
		return NULL;
	}
	v = cJSON_ParseWithOpts(json, NULL, 1);
	if (!v) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	if (wrap == LSON_WRAP_PLAIN) {
		cJSON_Delete(v);
		s = json_minified(json);
		if (!s)
			lb_error_set(err, LB_NOMEM, "out of memory");
		return s;
	}
	if (wrap == LSON_WRAP_LIVE_MAP && cJSON_IsObject(v) && !cj_live_type(v))
		out = cj_wrap(s_live_map, cj_map_object(v, to_lson));
	else
		out = to_lson(v);
	cJSON_Delete(v);
	s = out ? cJSON_PrintUnformatted(out) : NULL;
	cJSON_Delete(out);
	if (!s)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return s;
}

struct validator {
	struct buf path;
	struct lb_error *err;
	const char *what; /* the start of a message; NULL: a document */
};

static bool val_fail(struct validator *vd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool val_fail(struct validator *vd, const char *fmt, ...)
{
	char msg[384];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	lb_error_set(vd->err, LB_USAGE, "%s: at %s: %s",
	             vd->what ? vd->what : "not a valid Storage document",
	             vd->path.len ? vd->path.data : "the root", msg);
	return false;
}

static bool val_live(struct validator *vd, const cJSON *v);

static bool val_child(struct validator *vd, const cJSON *v, const char *key, int index)
{
	size_t mark = vd->path.len;
	bool ok;

	if (key ? !pointer_append(&vd->path, key) : !buf_printf(&vd->path, "/%d", index)) {
		lb_error_set(vd->err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = val_live(vd, v);
	vd->path.len = mark;
	vd->path.data[mark] = '\0';
	return ok;
}

/* A value where a Live node may be: any object with a "liveblocksType"
 * member must be a well-formed wrapper (the server reads it as one); other
 * values are plain JSON. */
static bool val_live(struct validator *vd, const cJSON *v)
{
	const cJSON *t, *data, *m;
	enum lson_type lt;
	int k = 0;

	if (!cJSON_IsObject(v) || !(t = cJSON_GetObjectItemCaseSensitive(v, s_lbtype)))
		return true;
	if (!cJSON_IsString(t) ||
	    (lt = live_type_of(intern(t->valuestring, strlen(t->valuestring)))) == LSON_TYPE_COUNT)
		return val_fail(
		    vd, "unknown liveblocksType (LiveObject, LiveList, LiveMap, LiveText or "
		        "LiveFile expected)");
	cJSON_ArrayForEach(m, v)
	{
		if (strcmp(m->string, s_lbtype) != 0 && strcmp(m->string, s_data) != 0 &&
		    !(lt == LSON_LIVE_TEXT && strcmp(m->string, s_version) == 0))
			return val_fail(vd, "unexpected member \"%s\" in a %s", m->string,
			                t->valuestring);
	}
	data = cJSON_GetObjectItemCaseSensitive(v, s_data);
	switch (lt) {
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
		if (!cJSON_IsObject(data))
			return val_fail(vd, "%s data must be an object", t->valuestring);
		cJSON_ArrayForEach(m, data)
		{
			if (!val_child(vd, m, m->string, 0))
				return false;
		}
		return true;
	case LSON_LIVE_LIST:
		if (!cJSON_IsArray(data))
			return val_fail(vd, "LiveList data must be an array");
		cJSON_ArrayForEach(m, data)
		{
			if (!val_child(vd, m, NULL, k++))
				return false;
		}
		return true;
	case LSON_LIVE_TEXT: {
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(v, s_version);

		if (!cJSON_IsArray(data))
			return val_fail(vd,
			                "LiveText data must be an array of [text, attributes?]");
		cJSON_ArrayForEach(m, data)
		{
			int n = cJSON_GetArraySize(m);

			if (!cJSON_IsArray(m) || n < 1 || n > 2 || !cJSON_IsString(m->child) ||
			    (n == 2 && !cJSON_IsObject(m->child->next)))
				return val_fail(vd,
				                "LiveText segment %d must be [text] or [text, "
				                "{attributes}]",
				                k);
			k++;
		}
		if (ver && !cJSON_IsNumber(ver))
			return val_fail(vd, "LiveText version must be a number");
		return true;
	}
	case LSON_LIVE_FILE:
		if (!cJSON_IsObject(data) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "id")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "name")) ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(data, "size")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "mimeType")))
			return val_fail(vd, "LiveFile data must be {id, name, size, mimeType}");
		return true;
	default:
		return true;
	}
}

/* A literal patch value is read where a Live node may be: its wrappers
 * must be well formed. Messages name the place from the op's path. */
static bool literal_ok(struct applier *ap, const cJSON *v, const char *path)
{
	struct lb_error e;
	struct validator vd = {.err = &e, .what = "not valid plain LSON"};
	bool ok;

	buf_init(&vd.path);
	if (!buf_adds(&vd.path, path)) {
		ap->nomem = true;
		return ap_fail(ap, "out of memory");
	}
	ok = val_live(&vd, v);
	buf_free(&vd.path);
	if (ok)
		return true;
	if (e.status == LB_NOMEM)
		ap->nomem = true;
	return ap_fail(ap, "%s", e.message);
}

bool lson_validate_document(const char *json, size_t len, struct lb_error *err)
{
	struct validator vd = {.err = err};
	const char *t;
	cJSON *root;
	bool ok;

	char msg[128];

	if (!json || !json_check(json, len, msg, sizeof(msg))) {
		lb_error_set(err, LB_USAGE, "not a valid Storage document: not valid JSON (%s)",
		             json ? msg : "nothing given");
		return false;
	}
	root = cJSON_ParseWithLength(json, len);
	if (!root) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	t = cj_live_type(root);
	if (!t || strcmp(t, s_live_object) != 0) {
		cJSON_Delete(root);
		lb_error_set(err, LB_USAGE,
		             "not a valid Storage document: the root must be a LiveObject "
		             "({\"liveblocksType\": \"LiveObject\", \"data\": {...}})");
		return false;
	}
	buf_init(&vd.path);
	ok = val_live(&vd, root);
	buf_free(&vd.path);
	cJSON_Delete(root);
	return ok;
}
