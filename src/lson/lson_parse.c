#include "lbconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"
#include "utf8.h"
#include "util.h"

/* The decoder is a direct parser, not cJSON: it writes the preorder node
 * array and the string pool in one pass over the text (phase 1, plain JSON
 * nodes), then turns plain-LSON wrappers into Live* nodes in place (phase
 * 2; the output is a subsequence of the phase-1 array, so it never needs a
 * second array). cJSON is used only for JSON Patch, validation and
 * conversions of small user values. */

static const char s_true[] = "true";
static const char s_false[] = "false";
static const char s_null[] = "null";

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

struct lson_internal *lson_internal_new(void)
{
	return calloc(1, sizeof(struct lson_internal));
}

char *lson_pool_alloc(struct lson_internal *in, size_t n)
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

void lson_internal_free(struct lson_internal **in)
{
	if (!*in)
		return;
	pool_free(*in);
	free(*in);
	*in = NULL;
}

int lson_node_emit(struct lson_nodes *v, enum lson_type t, const char *key, const char *value,
                   const char **why)
{
	struct lson_node *nd;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *p;

		if (cap > (size_t)INT_MAX) {
			*why = "too many values";
			return -1;
		}
		p = realloc(v->nodes, cap * sizeof(*v->nodes));
		if (!p) {
			*why = "out of memory";
			return -1;
		}
		v->nodes = p;
		v->cap = cap;
	}
	nd = &v->nodes[v->n];
	nd->type = t;
	nd->parent = 0;
	nd->depth = 0;
	nd->n_children = 0;
	nd->subtree = 0;
	nd->index = 0;
	nd->key = key;
	nd->value = value;
	return (int)v->n++;
}

/* ---- phase 1: JSON text to plain nodes ----------------------------------- */

struct parser {
	const char *p;
	const char *end;
	const char *start;
	struct lson_nodes v; /* phase 1's nodes */
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
	const char *why = NULL;
	int i = lson_node_emit(&ps->v, t, key, value, &why);

	if (i < 0)
		parse_fail(ps, why);
	return i;
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

/* Four hex digits at p (before end) into *out; false when they are not. */
bool lson_read_hex4(const char *p, const char *end, unsigned *out)
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
		const char *k = lson_intern(p, len);

		if (!k) {
			s = lson_pool_alloc(ps->in, len + 1);
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
	s = lson_pool_alloc(ps->in, raw + 1);
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
			if (!lson_read_hex4(p, q, &cp)) {
				pool_unalloc(ps->in, raw + 1);
				ps->p = p - 2;
				return parse_fail(ps, "bad \\u escape");
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo;

				if (q - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
				    lson_read_hex4(p + 2, q, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else {
					cp = 0xFFFD;
				}
			} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
				ps->saw_nul |= cp == 0;
				cp = 0xFFFD;
			}
			o += utf8_encode(cp, o);
			break;
		default:
			pool_unalloc(ps->in, raw + 1);
			ps->p = p - 2;
			return parse_fail(ps, "bad escape in a string");
		}
	}
	*o = '\0';
	{
		const char *k = lson_intern(s, (size_t)(o - s));

		pool_unalloc(ps->in, k ? raw + 1 : raw - (size_t)(o - s));
		*out = k ? k : s;
	}
	ps->p = q + 1;
	return true;
}

/* One digit or more at *q, which goes past them; on failure ps->p is
 * where a digit was wanted. */
static bool digits(struct parser *ps, const char **q)
{
	if (*q >= ps->end || !lson_is_digit(**q)) {
		ps->p = *q;
		return parse_fail(ps, "bad number");
	}
	while (*q < ps->end && lson_is_digit(**q))
		(*q)++;
	return true;
}

static bool parse_number(struct parser *ps, const char **out)
{
	const char *p = ps->p, *q = p, *end = ps->end;
	char *s;

	if (q < end && *q == '-')
		q++;
	if (q < end && *q == '0')
		q++;
	else if (!digits(ps, &q))
		return false;
	if (q < end && *q == '.') {
		q++;
		if (!digits(ps, &q))
			return false;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (!digits(ps, &q))
			return false;
	}
	s = lson_pool_alloc(ps->in, (size_t)(q - p) + 1);
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
	ps->v.nodes[me].n_children = count;
	ps->v.nodes[me].subtree = (int)ps->v.n - me - 1;
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
		if (*ps->p == '-' || lson_is_digit(*ps->p))
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

	for (int k = 0; k < nodes[obj].n_children; k++, c = lson_next_sibling(nodes, c))
		if (strcmp(nodes[c].key, key) == 0 && nodes[c].type == t)
			return c;
	return -1;
}

static void live_file_size(double size, char *out, size_t n)
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
	char *s = lson_pool_alloc(cv->in, vlen + dlen + elen + 3);

	if (!s) {
		cv->oom = true;
		return lson_s_empty;
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
	for (int k = 0; k < nodes[dt].n_children; k++, c = lson_next_sibling(nodes, c))
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
		return lson_s_empty;
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
		live_file_size(strtod(nodes[size].value, NULL), sz, sizeof(sz));
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
		return lson_s_empty;
	}
	return store_live(cv, nm, strlen(nm), b->data, b->data + extra_at);
}

/* Convert raw node p and its subtree. live: p sits where a Live node can
 * be (the root, or a child of a Live container), so a wrapper there is
 * decoded; inside plain JSON it stays plain, as the server stores it. A
 * raw node already typed as a Live container (lson_build.c writes them)
 * is one whose wrapper was decoded. */
static void conv_node(struct conv *cv, int p, int parent, int depth, int index, bool live)
{
	struct lson_node r = cv->nodes[p];
	struct lson_node *o;
	int first = p + 1, nkids = r.n_children, me;
	bool kids_live =
	    r.type == LSON_LIVE_OBJECT || r.type == LSON_LIVE_LIST || r.type == LSON_LIVE_MAP;

	if (cv->plain && live && r.type == LSON_OBJECT && r.n_children >= 2 && r.n_children <= 3) {
		int lt = -1, dt = -1, vt = -1, c = p + 1;
		enum lson_type t = LSON_TYPE_COUNT;

		for (int k = 0; k < r.n_children; k++, c = lson_next_sibling(cv->nodes, c)) {
			const char *key = cv->nodes[c].key;

			if (key == lson_s_lbtype && lt < 0)
				lt = c;
			else if (key == lson_s_data && dt < 0)
				dt = c;
			else if (key == lson_s_version && vt < 0)
				vt = c;
		}
		if (lt >= 0 && dt >= 0 && cv->nodes[lt].type == LSON_STRING)
			t = lson_live_type_of(cv->nodes[lt].value);
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
		int next = lson_next_sibling(cv->nodes, c); /* read before c is overwritten */

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

struct lson_doc *lson_doc_make(struct lson_nodes *v, struct lson_internal **in, bool plain_lson,
                               struct lb_error *err)
{
	struct conv cv = {0};
	struct lson_doc *d = NULL;

	cv.nodes = v->nodes;
	cv.in = *in;
	cv.plain = plain_lson;
	buf_init(&cv.scratch);
	conv_node(&cv, 0, -1, 0, 0, true);
	buf_free(&cv.scratch);
	if (cv.oom || !(d = calloc(1, sizeof(*d)))) {
		lb_error_set(err, LB_NOMEM, "out of memory decoding the Storage document");
		free(v->nodes);
		lson_internal_free(in);
		*v = (struct lson_nodes){0};
		return NULL;
	}
	d->n = (size_t)cv.q;
	d->nodes = realloc(v->nodes, d->n * sizeof(*d->nodes));
	if (!d->nodes)
		d->nodes = v->nodes;
	d->plain_lson = plain_lson;
	d->priv = *in;
	d->priv->refs = 1;
	*in = NULL;
	*v = (struct lson_nodes){0};
	return d;
}

struct lson_doc *lson_parse(const char *json, size_t len, bool plain_lson, struct lb_error *err)
{
	struct parser ps = {0};
	struct lson_internal *in = lson_internal_new();

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
	ps.v.cap = len / 24 + 64;
	ps.v.nodes = malloc(ps.v.cap * sizeof(*ps.v.nodes));
	/* every string and number fits in the first block (it is at most as
	 * long as its text), so phase 1 allocates the pool once */
	if (!ps.v.nodes || !lson_pool_alloc(in, len + 64))
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
	return lson_doc_make(&ps.v, &in, plain_lson, err);
oom:
	lb_error_set(err, LB_NOMEM, "out of memory decoding the Storage document");
fail:
	free(ps.v.nodes);
	lson_internal_free(&in);
	return NULL;
}

/* Is text exactly one valid JSON value (RFC 8259)? cJSON is lenient (it
 * takes "01", "1.", raw control characters and bad \u escapes), so
 * everything handed to cJSON is checked here first. On failure, msg says
 * what and where. */
bool lson_json_check(const char *json, size_t len, char *msg, size_t msgn)
{
	struct lson_internal in = {0};
	struct parser ps = {0};
	bool ok;

	ps.p = ps.start = json;
	ps.end = json + len;
	ps.in = &in;
	ps.no_nul_keys = true;
	ps.v.cap = len / 24 + 16;
	ps.v.nodes = malloc(ps.v.cap * sizeof(*ps.v.nodes));
	if (!ps.v.nodes) {
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
	free(ps.v.nodes);
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
	lson_internal_free(&d->priv);
	free(d->nodes);
	free(d);
}
