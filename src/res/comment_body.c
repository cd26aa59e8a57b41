/* Comment bodies (comment_body.h): the type, its JSON both ways, and how
 * it is shown: plain text and lines of styled runs for the screen. The
 * markdown reader is comment_markdown.c, the text form comment_text.c. */
#include "lbconfig.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "comment_impl.h"
#include "decode.h"
#include "json.h"
#include "term_safe.h"
#include "utf8.h"
#include "util.h"

/* ---- Unicode classes ----------------------------------------------------- */

bool cm_in_ranges(const struct cm_range *r, size_t n, long cp)
{
	size_t lo = 0, hi = n;

	if (cp < 0)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uint32_t)cp < r[mid].lo)
			hi = mid;
		else if ((uint32_t)cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool cm_is_js_space(long cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* ---- building ------------------------------------------------------------ */

/* Arrays grow to the next power of two: room is made when n is 0 or a
 * power of two, so no capacity is stored. */
static bool grow(void **v, size_t n, size_t size)
{
	void *p;
	size_t cap;

	if (n != 0 && (n & (n - 1)) != 0)
		return true;
	cap = n ? n * 2 : 4;
	if (cap > SIZE_MAX / size)
		return false;
	if (n != 0 && n < 4)
		return true;
	p = realloc(*v, cap * size);
	if (!p)
		return false;
	*v = p;
	return true;
}

struct cbody *cm_body_new(void)
{
	return calloc(1, sizeof(struct cbody));
}

struct cbody_paragraph *cm_add_paragraph(struct cbody *b)
{
	struct cbody_paragraph *p;

	if (!grow((void **)&b->content, b->n, sizeof(*b->content)))
		return NULL;
	p = &b->content[b->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct cbody_inline *cm_add_inline(struct cbody_paragraph *p)
{
	struct cbody_inline *in;

	if (!grow((void **)&p->children, p->n, sizeof(*p->children)))
		return NULL;
	in = &p->children[p->n++];
	memset(in, 0, sizeof(*in));
	in->type = CBODY_TEXT;
	return in;
}

char *cm_strndup(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (!c)
		return NULL;
	if (len)
		memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

bool cm_add_text(struct cbody_paragraph *p, const char *s, size_t len, unsigned on)
{
	char *text = cm_strndup(s, len);
	struct cbody_inline *in;

	if (!text)
		return false;
	in = cm_add_inline(p);
	if (!in) {
		free(text);
		return false;
	}
	in->text = text;
	in->on = in->set = on & CBODY_FLAGS;
	return true;
}

void cm_inline_clear(struct cbody_inline *in)
{
	free(in->text);
	free(in->url);
	free(in->id);
	strv_free(&in->user_ids);
	memset(in, 0, sizeof(*in));
}

void cbody_free(struct cbody **bp)
{
	struct cbody *b = bp ? *bp : NULL;

	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		for (size_t k = 0; k < b->content[i].n; k++)
			cm_inline_clear(&b->content[i].children[k]);
		free(b->content[i].children);
	}
	free(b->content);
	free(b);
	*bp = NULL;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool inline_equal(const struct cbody_inline *a, const struct cbody_inline *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CBODY_TEXT:
		return str_eq(a->text, b->text) && a->on == b->on && a->set == b->set;
	case CBODY_LINK:
		return str_eq(a->url, b->url) && str_eq(a->text, b->text);
	case CBODY_MENTION:
		if (!str_eq(a->id, b->id) || a->kind != b->kind ||
		    a->has_user_ids != b->has_user_ids || a->user_ids.n != b->user_ids.n)
			return false;
		for (size_t i = 0; i < a->user_ids.n; i++)
			if (!str_eq(a->user_ids.v[i], b->user_ids.v[i]))
				return false;
		return true;
	}
	return false;
}

bool cbody_equal(const struct cbody *a, const struct cbody *b)
{
	if (!a || !b)
		return a == b;
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->content[i].n != b->content[i].n)
			return false;
		for (size_t k = 0; k < a->content[i].n; k++)
			if (!inline_equal(&a->content[i].children[k], &b->content[i].children[k]))
				return false;
	}
	return true;
}

/* ---- decoding ------------------------------------------------------------ */

static const struct {
	const char *key;
	unsigned bit;
} text_flags[] = {
    {"bold", CBODY_BOLD},
    {"italic", CBODY_ITALIC},
    {"strikethrough", CBODY_STRIKE},
    {"code", CBODY_CODE},
};

static bool bad(struct lb_error *err, size_t para, long child, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* LB_DECODE: "comment body: content[P].children[C]: <what>" (C < 0: the
 * paragraph; P too: the body itself). */
static bool bad(struct lb_error *err, size_t para, long child, const char *fmt, ...)
{
	char what[256], where[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (para != (size_t)-1 && child >= 0)
		snprintf(where, sizeof(where), "content[%zu].children[%ld]: ", para, child);
	else if (para != (size_t)-1)
		snprintf(where, sizeof(where), "content[%zu]: ", para);
	lb_error_set(err, LB_DECODE, "comment body: %s%s", where, what);
	return false;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool nomem(struct lb_error *err)
{
	lb_error_set(err, LB_NOMEM, "out of memory reading a comment body");
	return false;
}

/* An optional string member: absent (*out NULL), or a string copied. */
static bool optional_string(const cJSON *obj, const char *key, char **out, struct lb_error *err,
                            size_t para, long child)
{
	const cJSON *v = member(obj, key);

	*out = NULL;
	if (!v)
		return true;
	if (!cJSON_IsString(v))
		return bad(err, para, child, "\"%s\" is not a string", key);
	*out = strdup(v->valuestring);
	return *out ? true : nomem(err);
}

static bool required_string(const cJSON *obj, const char *key, char **out, struct lb_error *err,
                            size_t para, long child)
{
	if (!member(obj, key))
		return bad(err, para, child, "no \"%s\"", key);
	return optional_string(obj, key, out, err, para, child);
}

static bool decode_text(const cJSON *n, struct cbody_inline *in, struct lb_error *err, size_t para,
                        long child)
{
	in->type = CBODY_TEXT;
	for (size_t i = 0; i < sizeof(text_flags) / sizeof(text_flags[0]); i++) {
		const cJSON *f = member(n, text_flags[i].key);

		if (!f)
			continue;
		if (!cJSON_IsBool(f))
			return bad(err, para, child, "\"%s\" is not a boolean", text_flags[i].key);
		in->set |= text_flags[i].bit;
		if (cJSON_IsTrue(f))
			in->on |= text_flags[i].bit;
	}
	return required_string(n, "text", &in->text, err, para, child);
}

static bool decode_link(const cJSON *n, struct cbody_inline *in, struct lb_error *err, size_t para,
                        long child)
{
	in->type = CBODY_LINK;
	return required_string(n, "url", &in->url, err, para, child) &&
	       optional_string(n, "text", &in->text, err, para, child);
}

static bool decode_mention(const cJSON *n, struct cbody_inline *in, struct lb_error *err,
                           size_t para, long child)
{
	const cJSON *kind = member(n, "kind"), *ids = member(n, "userIds"), *it;

	in->type = CBODY_MENTION;
	if (!kind)
		in->kind = CBODY_KIND_NONE;
	else if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "user"))
		in->kind = CBODY_KIND_USER;
	else if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "group"))
		in->kind = CBODY_KIND_GROUP;
	else
		return bad(err, para, child, "\"kind\" is not \"user\" or \"group\"");
	if (!required_string(n, "id", &in->id, err, para, child))
		return false;
	if (!ids)
		return true;
	if (!cJSON_IsArray(ids))
		return bad(err, para, child, "\"userIds\" is not an array");
	in->has_user_ids = true;
	cJSON_ArrayForEach(it, ids)
	{
		if (!cJSON_IsString(it))
			return bad(err, para, child,
			           "\"userIds\" holds something else than strings");
		if (!strv_push(&in->user_ids, it->valuestring))
			return nomem(err);
	}
	return true;
}

static bool decode_inline(const cJSON *n, struct cbody_inline *in, struct lb_error *err,
                          size_t para, long child)
{
	const cJSON *type;

	if (!cJSON_IsObject(n))
		return bad(err, para, child, "not an object");
	type = member(n, "type");
	if (!type)
		return decode_text(n, in, err, para, child);
	if (!cJSON_IsString(type))
		return bad(err, para, child, "\"type\" is not a string");
	if (!strcmp(type->valuestring, "link"))
		return decode_link(n, in, err, para, child);
	if (!strcmp(type->valuestring, "mention"))
		return decode_mention(n, in, err, para, child);
	return bad(err, para, child, "unknown inline type \"%.64s\"", type->valuestring);
}

static bool decode_paragraph(const cJSON *p, struct cbody *b, struct lb_error *err, size_t para)
{
	const cJSON *type, *children, *n;
	struct cbody_paragraph *out;
	long child = 0;

	if (!cJSON_IsObject(p))
		return bad(err, para, -1, "not an object");
	type = member(p, "type");
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "paragraph") != 0)
		return bad(err, para, -1, "not a paragraph (\"type\" is not \"paragraph\")");
	children = member(p, "children");
	if (!cJSON_IsArray(children))
		return bad(err, para, -1, "\"children\" is not an array");
	out = cm_add_paragraph(b);
	if (!out)
		return nomem(err);
	cJSON_ArrayForEach(n, children)
	{
		struct cbody_inline *in = cm_add_inline(out);

		if (!in)
			return nomem(err);
		if (!decode_inline(n, in, err, para, child++))
			return false;
	}
	return true;
}

bool cbody_from_json(const cJSON *node, struct cbody **out, struct lb_error *err)
{
	const cJSON *version, *content, *p;
	struct cbody *b;
	size_t para = 0;

	*out = NULL;
	lb_error_clear(err);
	if (!cJSON_IsObject(node))
		return bad(err, (size_t)-1, -1, "not an object");
	version = member(node, "version");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1)
		return bad(err, (size_t)-1, -1, "\"version\" is not 1");
	content = member(node, "content");
	if (!cJSON_IsArray(content))
		return bad(err, (size_t)-1, -1, "\"content\" is not an array");
	b = cm_body_new();
	if (!b)
		return nomem(err);
	cJSON_ArrayForEach(p, content)
	{
		if (!decode_paragraph(p, b, err, para++)) {
			cbody_free(&b);
			return false;
		}
	}
	*out = b;
	return true;
}

bool cbody_decode(const char *json, size_t len, struct cbody **out, struct lb_error *err)
{
	cJSON *root;
	bool ok;

	*out = NULL;
	lb_error_clear(err);
	root = api_parse_json(json, len, err);
	if (!root) {
		lb_error_prefix(err, "comment body: ");
		return false;
	}
	ok = cbody_from_json(root, out, err);
	cJSON_Delete(root);
	return ok;
}

/* ---- encoding ------------------------------------------------------------ */

static void write_inline(struct json_writer *w, const struct cbody_inline *in)
{
	json_begin_object(w);
	switch (in->type) {
	case CBODY_TEXT:
		json_key(w, "text");
		json_string(w, in->text);
		for (size_t i = 0; i < sizeof(text_flags) / sizeof(text_flags[0]); i++) {
			if (!(in->set & text_flags[i].bit))
				continue;
			json_key(w, text_flags[i].key);
			json_literal(w, in->on & text_flags[i].bit ? "true" : "false");
		}
		break;
	case CBODY_LINK:
		json_key(w, "type");
		json_string(w, "link");
		json_key(w, "url");
		json_string(w, in->url);
		if (in->text) {
			json_key(w, "text");
			json_string(w, in->text);
		}
		break;
	case CBODY_MENTION:
		json_key(w, "type");
		json_string(w, "mention");
		if (in->kind != CBODY_KIND_NONE) {
			json_key(w, "kind");
			json_string(w, in->kind == CBODY_KIND_GROUP ? "group" : "user");
		}
		json_key(w, "id");
		json_string(w, in->id);
		if (in->has_user_ids) {
			json_key(w, "userIds");
			json_begin_array(w);
			for (size_t i = 0; i < in->user_ids.n; i++)
				json_string(w, in->user_ids.v[i]);
			json_end_array(w);
		}
		break;
	}
	json_end_object(w);
}

void cbody_write(struct json_writer *w, const struct cbody *b)
{
	json_begin_object(w);
	json_key(w, "version");
	json_int(w, 1);
	json_key(w, "content");
	json_begin_array(w);
	for (size_t i = 0; i < b->n; i++) {
		json_begin_object(w);
		json_key(w, "type");
		json_string(w, "paragraph");
		json_key(w, "children");
		json_begin_array(w);
		for (size_t k = 0; k < b->content[i].n; k++)
			write_inline(w, &b->content[i].children[k]);
		json_end_array(w);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

char *cbody_encode(const struct cbody *b)
{
	struct json_writer w;
	struct buf out;

	buf_init(&out);
	json_writer_init(&w, &out, false);
	cbody_write(&w, b);
	if (!w.ok) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* ---- plain text ---------------------------------------------------------- */

/* What a mention shows after its "@": the name names gives, or its ID. */
static const char *mention_name(const struct cbody_inline *in, cbody_name_fn names, void *ud)
{
	const char *name = names ? names(ud, in->kind, in->id) : NULL;

	return name ? name : in->id;
}

char *cbody_plain(const struct cbody *b, cbody_name_fn names, void *ud)
{
	struct buf out;
	bool ok = true;

	buf_init(&out);
	for (size_t i = 0; i < b->n && ok; i++) {
		if (i > 0)
			ok = buf_adds(&out, "\n");
		for (size_t k = 0; k < b->content[i].n && ok; k++) {
			const struct cbody_inline *in = &b->content[i].children[k];

			switch (in->type) {
			case CBODY_TEXT:
				ok = buf_adds(&out, in->text);
				break;
			case CBODY_LINK:
				ok = buf_adds(&out, in->text ? in->text : in->url);
				break;
			case CBODY_MENTION:
				if (in->id[0] != '\0')
					ok = buf_adds(&out, "@") &&
					     buf_adds(&out, mention_name(in, names, ud));
				break;
			}
		}
	}
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* ---- the screen ----------------------------------------------------------
 *
 * A paragraph becomes a row of cells, one a character (zero-width
 * characters ride on the one before), each with its style; line breaks
 * in the text are hard breaks. Lines are filled greedily: a break may
 * come at a space (the spaces are dropped there) and before or after a
 * wide character; a word wider than the line is cut between cells. Cells
 * of a line with the same style become one run. */

struct cell {
	const char *s; /* into a string of layout.texts */
	size_t len;
	int cols;
	unsigned style;
	bool space; /* an ASCII space */
	bool hard;  /* a line break, no character */
};

struct layout {
	struct cell *cells;
	size_t n, cap;
	char **texts; /* the terminal-safe strings the cells point into */
	size_t ntexts, captexts;
	char **urls; /* footnotes, in order */
	size_t nurls, capurls;
	bool ok;
};

static bool push(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * size);
	if (!p)
		return false;
	*v = p;
	*cap = c;
	return true;
}

static struct cell *new_cell(struct layout *l)
{
	if (!l->ok || !push((void **)&l->cells, &l->cap, l->n, sizeof(*l->cells))) {
		l->ok = false;
		return NULL;
	}
	memset(&l->cells[l->n], 0, sizeof(l->cells[0]));
	return &l->cells[l->n++];
}

/* Columns of one character of a terminal-safe string. */
static int char_cols(const char *s, size_t len)
{
	char one[8];

	memcpy(one, s, len);
	one[len] = '\0';
	return ts_width(one);
}

/* Cells for s[0..len) (no line breaks in it), made terminal-safe. */
static void add_cells(struct layout *l, const char *s, size_t len, unsigned style)
{
	char *safe;
	size_t i = 0, n;

	if (!l->ok || len == 0)
		return;
	safe = ts_sanitize(s, len);
	if (!safe || !push((void **)&l->texts, &l->captexts, l->ntexts, sizeof(*l->texts))) {
		free(safe);
		l->ok = false;
		return;
	}
	l->texts[l->ntexts++] = safe;
	n = strlen(safe);
	while (i < n) {
		long cp;
		size_t used = utf8_decode((const unsigned char *)safe + i, n - i, &cp);
		int cols = char_cols(safe + i, used);
		struct cell *c;

		if (cols == 0 && l->n > 0 && !l->cells[l->n - 1].hard &&
		    l->cells[l->n - 1].s + l->cells[l->n - 1].len == safe + i) {
			l->cells[l->n - 1].len += used; /* a combining mark stays on its base */
			i += used;
			continue;
		}
		c = new_cell(l);
		if (!c)
			return;
		c->s = safe + i;
		c->len = used;
		c->cols = cols;
		c->style = style;
		c->space = cp == ' ';
		i += used;
	}
}

/* Cells for a text that may hold line breaks. */
static void add_text(struct layout *l, const char *s, unsigned style)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		struct cell *c;

		add_cells(l, s, (size_t)(nl - s), style);
		c = new_cell(l);
		if (c)
			c->hard = true;
		s = nl + 1;
	}
	add_cells(l, s, strlen(s), style);
}

/* The footnote number of url (1-based), adding it when it is new. */
static size_t footnote(struct layout *l, const char *url)
{
	char *copy;

	for (size_t i = 0; i < l->nurls; i++)
		if (!strcmp(l->urls[i], url))
			return i + 1;
	copy = strdup(url);
	if (!copy || !push((void **)&l->urls, &l->capurls, l->nurls, sizeof(*l->urls))) {
		free(copy);
		l->ok = false;
		return 0;
	}
	l->urls[l->nurls++] = copy;
	return l->nurls;
}

static unsigned text_style(unsigned on)
{
	unsigned s = 0;

	if (on & CBODY_BOLD)
		s |= CBODY_S_BOLD;
	if (on & CBODY_ITALIC)
		s |= CBODY_S_ITALIC;
	if (on & CBODY_STRIKE)
		s |= CBODY_S_STRIKE;
	if (on & CBODY_CODE)
		s |= CBODY_S_CODE;
	return s;
}

static void add_inline(struct layout *l, const struct cbody_inline *in, cbody_name_fn names,
                       void *ud)
{
	char marker[32];

	switch (in->type) {
	case CBODY_TEXT:
		add_text(l, in->text, text_style(in->on));
		break;
	case CBODY_LINK:
		add_text(l, in->text ? in->text : in->url, CBODY_S_LINK);
		snprintf(marker, sizeof(marker), "[%zu]", footnote(l, in->url));
		add_cells(l, marker, strlen(marker), CBODY_S_FOOTNOTE);
		break;
	case CBODY_MENTION: {
		unsigned style = in->kind == CBODY_KIND_GROUP ? CBODY_S_GROUP : CBODY_S_USER;

		if (in->id[0] == '\0')
			break;
		add_cells(l, "@", 1, style);
		add_text(l, mention_name(in, names, ud), style);
		break;
	}
	}
}

/* Lines being made. */
struct lines_out {
	struct cbody_lines *out;
	size_t cap;
	bool ok;
	/* The line being filled. */
	struct cell **line;
	size_t nline, capline;
	int cols;
};

static void line_add(struct lines_out *o, struct cell *c)
{
	if (!o->ok || !push((void **)&o->line, &o->capline, o->nline, sizeof(*o->line))) {
		o->ok = false;
		return;
	}
	o->line[o->nline++] = c;
	o->cols += c->cols;
}

/* Close the line being filled: its cells become runs. */
static void line_end(struct lines_out *o)
{
	struct cbody_line *line;
	size_t runs = 0;

	if (!o->ok || !push((void **)&o->out->lines, &o->cap, o->out->n, sizeof(*o->out->lines))) {
		o->ok = false;
		return;
	}
	line = &o->out->lines[o->out->n++];
	memset(line, 0, sizeof(*line));
	for (size_t i = 0; i < o->nline; i++)
		if (i == 0 || o->line[i]->style != o->line[i - 1]->style)
			runs++;
	if (runs > 0 && !(line->runs = calloc(runs, sizeof(*line->runs)))) {
		o->ok = false;
		return;
	}
	for (size_t i = 0; i < o->nline;) {
		struct cbody_run *run = &line->runs[line->n];
		size_t j = i, bytes = 0;
		char *text;

		while (j < o->nline && o->line[j]->style == o->line[i]->style)
			bytes += o->line[j++]->len;
		text = malloc(bytes + 1);
		if (!text) {
			o->ok = false;
			return;
		}
		line->n++;
		run->text = text;
		run->style = o->line[i]->style;
		for (; i < j; i++) {
			memcpy(text, o->line[i]->s, o->line[i]->len);
			text += o->line[i]->len;
			run->cols += o->line[i]->cols;
		}
		*text = '\0';
		line->cols += run->cols;
	}
	o->nline = 0;
	o->cols = 0;
}

/* Place the n cells of a word on lines of width columns, cutting it where
 * it does not fit. */
static void place_word(struct lines_out *o, struct cell *w, size_t n, int width)
{
	for (size_t i = 0; i < n; i++) {
		if (o->nline > 0 && o->cols + w[i].cols > width)
			line_end(o);
		line_add(o, &w[i]);
	}
}

/* A word is a run of cells that are not spaces, cut before and after a
 * wide character. */
static size_t word_end(const struct cell *c, size_t i, size_t n)
{
	if (c[i].cols > 1)
		return i + 1;
	while (i < n && !c[i].space && !c[i].hard && c[i].cols <= 1)
		i++;
	return i;
}

static int cells_cols(const struct cell *c, size_t n)
{
	int cols = 0;

	for (size_t i = 0; i < n; i++)
		cols += c[i].cols;
	return cols;
}

/* Lay out one paragraph's cells. */
static void wrap(struct lines_out *o, struct cell *c, size_t n, int width)
{
	size_t i = 0;
	bool segment_start = true;       /* at the paragraph's start or after a hard break */
	size_t spaces = 0, spaces_n = 0; /* spaces waiting for the next word */

	while (i < n) {
		if (c[i].hard) {
			line_end(o);
			segment_start = true;
			spaces_n = 0;
			i++;
			continue;
		}
		if (c[i].space) {
			size_t j = i;

			while (j < n && c[j].space)
				j++;
			if (segment_start) /* indentation: kept, cut like a word */
				place_word(o, &c[i], j - i, width);
			else {
				spaces = i;
				spaces_n = j - i;
			}
			segment_start = false;
			i = j;
			continue;
		}
		size_t e = word_end(c, i, n);
		int need = cells_cols(&c[spaces], spaces_n) + cells_cols(&c[i], e - i);

		/* Spaces before a word go where the word goes on the same line;
		 * at a wrap they are dropped. */
		if (o->nline > 0 && o->cols + need <= width) {
			for (size_t k = 0; k < spaces_n; k++)
				line_add(o, &c[spaces + k]);
		} else if (o->nline > 0) {
			line_end(o);
		}
		spaces_n = 0;
		place_word(o, &c[i], e - i, width);
		segment_start = false;
		i = e;
	}
	line_end(o);
}

void cbody_lines_free(struct cbody_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->lines[i].n; k++)
			free(l->lines[i].runs[k].text);
		free(l->lines[i].runs);
	}
	free(l->lines);
	l->lines = NULL;
	l->n = 0;
}

static void layout_free(struct layout *l)
{
	for (size_t i = 0; i < l->ntexts; i++)
		free(l->texts[i]);
	for (size_t i = 0; i < l->nurls; i++)
		free(l->urls[i]);
	free(l->texts);
	free(l->urls);
	free(l->cells);
}

bool cbody_render(const struct cbody *b, int width, cbody_name_fn names, void *ud,
                  struct cbody_lines *out)
{
	struct layout l = {.ok = true};
	struct lines_out o = {.out = out, .ok = true};
	size_t *starts;

	memset(out, 0, sizeof(*out));
	if (width < 1)
		width = 1;
	/* Cells first, all of them (they point into strings the layout owns),
	 * then the lines: paragraph i is cells [starts[i], starts[i + 1]). */
	starts = calloc(b->n + 1, sizeof(*starts));
	if (!starts)
		return false;
	for (size_t i = 0; i < b->n && l.ok; i++) {
		starts[i] = l.n;
		for (size_t k = 0; k < b->content[i].n; k++)
			add_inline(&l, &b->content[i].children[k], names, ud);
	}
	starts[b->n] = l.n;
	for (size_t i = 0; i < b->n && l.ok && o.ok; i++) {
		if (i > 0)
			line_end(&o);
		if (starts[i + 1] > starts[i])
			wrap(&o, l.cells + starts[i], starts[i + 1] - starts[i], width);
		else
			line_end(&o); /* an empty paragraph: an empty line */
	}
	free(starts);
	if (l.ok && o.ok && l.nurls > 0) {
		size_t first = l.n;

		for (size_t i = 0; i < l.nurls && l.ok; i++) {
			char marker[32];

			snprintf(marker, sizeof(marker), "[%zu] ", i + 1);
			add_cells(&l, marker, strlen(marker), CBODY_S_FOOTNOTE);
			add_cells(&l, l.urls[i], strlen(l.urls[i]),
			          CBODY_S_FOOTNOTE | CBODY_S_LINK);
			if (i + 1 < l.nurls) {
				struct cell *c = new_cell(&l);

				if (c)
					c->hard = true;
			}
		}
		if (l.ok) {
			line_end(&o);
			wrap(&o, l.cells + first, l.n - first, width);
		}
	}
	free(o.line);
	layout_free(&l);
	if (!l.ok || !o.ok) {
		cbody_lines_free(out);
		return false;
	}
	return true;
}
