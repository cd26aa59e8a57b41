/* The lossless text form of a comment body (comment_body.h has the
 * syntax): cbody_to_text writes it, cbody_from_text reads it. */
#include "lbconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "comment_impl.h"
#include "util.h"

/* ---- shared -------------------------------------------------------------- */

/* The characters of a short mention's ID, and those that may not come
 * right before its "@". */
static bool is_id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '@' || c == '-';
}

static bool is_id_start(unsigned char c)
{
	return is_id_char(c) && c != '.' && c != '@' && c != '-';
}

static bool blocks_mention(unsigned char c)
{
	return is_id_char(c) && c != '@';
}

static bool is_ascii_punct(unsigned char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
	       (c >= '{' && c <= '~');
}

/* A "{" + letters of "bisc" + "}" marker at s[i]: its end (past "}"), 0
 * when there is none. */
static size_t marker_end(const char *s, size_t n, size_t i)
{
	size_t j = i + 1;

	if (i >= n || s[i] != '{')
		return 0;
	while (j < n && strchr("bisc", s[j]) && s[j] != '\0')
		j++;
	return j < n && s[j] == '}' ? j + 1 : 0;
}

static unsigned marker_flags(const char *s, size_t from, size_t to)
{
	unsigned f = 0;

	for (size_t i = from; i < to; i++)
		f |= s[i] == 'b'   ? CBODY_BOLD
		     : s[i] == 'i' ? CBODY_ITALIC
		     : s[i] == 's' ? CBODY_STRIKE
		                   : CBODY_CODE;
	return f;
}

/* ---- writing ------------------------------------------------------------- */

struct writer {
	struct buf *b;
	size_t para;   /* where the paragraph being written starts */
	bool plain_nl; /* the last byte written is a line break, unescaped */
	bool ok;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->ok && !buf_add(w->b, s, n))
		w->ok = false;
	w->plain_nl = false;
}

static void puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* The last byte written in this paragraph, or 0 at its start. */
static unsigned char last(const struct writer *w)
{
	return w->b->len > w->para ? (unsigned char)w->b->data[w->b->len - 1] : 0;
}

/* A line break, escaped where a plain one could be read as a paragraph
 * break (at the start or after another one; one at the end is escaped
 * when the paragraph ends), and CR always escaped. True for both. */
static bool put_break(struct writer *w, char c)
{
	if (c == '\r') {
		put(w, "\\\r", 2);
		return true;
	}
	if (c != '\n')
		return false;
	if (last(w) == 0 || last(w) == '\n') {
		put(w, "\\\n", 2);
	} else {
		put(w, "\n", 1);
		w->plain_nl = true;
	}
	return true;
}

/* Text of a text node, outside code. */
static void put_text(struct writer *w, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool esc = false;

		if (put_break(w, s[i]))
			continue;
		if (strchr("\\*_~`[", c))
			esc = true;
		else if (c == '{')
			esc = marker_end(s, n, i) != 0;
		else if (c == '@')
			esc = i + 1 >= n || s[i + 1] == '{' ||
			      (is_id_start((unsigned char)s[i + 1]) && !blocks_mention(last(w)));
		if (esc)
			put(w, "\\", 1);
		put(w, s + i, 1);
	}
}

/* Text of a code node: only ` \ and markers mean something there. */
static void put_code(struct writer *w, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		if (put_break(w, s[i]))
			continue;
		if (s[i] == '`' || s[i] == '\\' || (s[i] == '{' && marker_end(s, n, i)))
			put(w, "\\", 1);
		put(w, s + i, 1);
	}
}

/* Inside a link's text or URL, or a mention's braces: a backslash before
 * each of `specials`, and before "{}" when braces_marker. */
static void put_escaped(struct writer *w, const char *s, const char *specials, bool braces_marker)
{
	for (size_t i = 0; s[i]; i++) {
		if (put_break(w, s[i]))
			continue;
		if (strchr(specials, s[i]) || (braces_marker && s[i] == '{' && s[i + 1] == '}'))
			put(w, "\\", 1);
		put(w, s + i, 1);
	}
}

static void put_flags(struct writer *w, unsigned on, bool closing)
{
	static const char *const open[] = {"**", "_", "~~"};
	static const unsigned bits[] = {CBODY_BOLD, CBODY_ITALIC, CBODY_STRIKE};

	for (int k = 0; k < 3; k++) {
		int i = closing ? 2 - k : k;

		if (on & bits[i])
			puts_(w, open[i]);
	}
}

static void put_marker(struct writer *w, unsigned off)
{
	puts_(w, "{");
	if (off & CBODY_BOLD)
		puts_(w, "b");
	if (off & CBODY_ITALIC)
		puts_(w, "i");
	if (off & CBODY_STRIKE)
		puts_(w, "s");
	if (off & CBODY_CODE)
		puts_(w, "c");
	puts_(w, "}");
}

static void write_text(struct writer *w, const struct cbody_inline *in,
                       const struct cbody_inline *next)
{
	unsigned off = in->set & ~in->on;

	put_flags(w, in->on, false);
	if (in->on & CBODY_CODE) {
		puts_(w, "`");
		put_code(w, in->text);
		if (off)
			put_marker(w, off);
		puts_(w, "`");
	} else {
		put_text(w, in->text);
		/* A text with no markers around it runs into a next one that has
		 * none either: the marker keeps them apart. */
		if (off || in->text[0] == '\0' ||
		    (in->on == 0 && next && next->type == CBODY_TEXT && next->on == 0))
			put_marker(w, off);
	}
	put_flags(w, in->on & ~CBODY_CODE, true);
}

static void write_link(struct writer *w, const struct cbody_inline *in)
{
	puts_(w, "[");
	if (in->text && in->text[0] == '\0')
		puts_(w, "{}");
	else if (in->text)
		put_escaped(w, in->text, "\\[]", true);
	puts_(w, "](");
	put_escaped(w, in->url, "\\()", false);
	puts_(w, ")");
}

/* Whether what a node writes first could run on as a short mention's ID. */
static bool starts_like_id(const struct cbody_inline *in)
{
	if (!in)
		return false;
	switch (in->type) {
	case CBODY_TEXT:
		if (in->on & CBODY_BOLD)
			return false;
		if (in->on & CBODY_ITALIC)
			return true; /* "_" */
		if (in->on & (CBODY_STRIKE | CBODY_CODE))
			return false;
		return is_id_char((unsigned char)in->text[0]);
	case CBODY_LINK:
		return false;
	case CBODY_MENTION:
		return true;
	}
	return true;
}

/* Whether "@id" reads back as this mention, where it is written. */
static bool short_mention(const struct writer *w, const struct cbody_inline *in,
                          const struct cbody_inline *next)
{
	const char *id = in->id;
	size_t n = strlen(id);

	if (in->kind != CBODY_KIND_USER || in->has_user_ids || n == 0 ||
	    !is_id_start((unsigned char)id[0]) || id[n - 1] == '.' || id[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_id_char((unsigned char)id[i]))
			return false;
	return !blocks_mention(last(w)) && !starts_like_id(next);
}

static void write_mention(struct writer *w, const struct cbody_inline *in,
                          const struct cbody_inline *next)
{
	if (short_mention(w, in, next)) {
		puts_(w, "@");
		puts_(w, in->id);
		return;
	}
	puts_(w, "@{");
	if (in->kind == CBODY_KIND_USER)
		puts_(w, "user:");
	else if (in->kind == CBODY_KIND_GROUP)
		puts_(w, "group:");
	put_escaped(w, in->id, in->kind == CBODY_KIND_NONE ? "\\{}|:" : "\\{}|", false);
	if (in->has_user_ids) {
		puts_(w, "|");
		for (size_t i = 0; i < in->user_ids.n; i++) {
			if (i > 0)
				puts_(w, ",");
			put_escaped(w, in->user_ids.v[i], "\\{}|,", false);
		}
		if (in->user_ids.n > 0 && in->user_ids.v[in->user_ids.n - 1][0] == '\0')
			puts_(w, ","); /* one final empty item is dropped when read */
	}
	puts_(w, "}");
}

/* An empty paragraph writes nothing: the blank lines around it say it is
 * there (a body of one empty paragraph is the exception, cbody_to_text). */
static void write_paragraph(struct writer *w, const struct cbody_paragraph *p)
{
	w->para = w->b->len;
	w->plain_nl = false;
	for (size_t k = 0; k < p->n; k++) {
		const struct cbody_inline *in = &p->children[k];
		const struct cbody_inline *next = k + 1 < p->n ? &p->children[k + 1] : NULL;

		switch (in->type) {
		case CBODY_TEXT:
			write_text(w, in, next);
			break;
		case CBODY_LINK:
			write_link(w, in);
			break;
		case CBODY_MENTION:
			write_mention(w, in, next);
			break;
		}
	}
	if (w->plain_nl && w->ok) {
		w->b->len--; /* a final line break would join the paragraph break */
		put(w, "\\\n", 2);
	}
}

char *cbody_to_text(const struct cbody *b)
{
	struct buf out;
	struct writer w = {.b = &out, .ok = true};

	buf_init(&out);
	if (b->n == 1 && b->content[0].n == 0)
		put(&w, "\\", 1); /* "" is a body without paragraphs */
	for (size_t i = 0; i < b->n; i++) {
		if (i > 0)
			put(&w, "\n\n", 2);
		write_paragraph(&w, &b->content[i]);
	}
	if (b->n > 0)
		put(&w, "\n", 1);
	if (!w.ok) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* ---- reading ------------------------------------------------------------- */

struct reader {
	struct cbody_paragraph *p;
	struct buf run; /* the text being gathered */
	unsigned on;    /* flags on */
	bool ok;
};

static void add(struct reader *r, const char *s, size_t n)
{
	if (r->ok && !buf_add(&r->run, s, n))
		r->ok = false;
}

/* Make a text node of the run: always, or only when it is not empty. */
static void flush(struct reader *r, bool always, unsigned off)
{
	if (!r->ok || (!always && r->run.len == 0))
		return;
	if (!cm_add_text(r->p, r->run.data, r->run.len, r->on))
		r->ok = false;
	else
		r->p->children[r->p->n - 1].set |= off & ~r->on;
	r->run.len = 0;
}

/* An escape at s[i] outside code: its length, the character kept in *c. */
static size_t escape_at(const char *s, size_t n, size_t i, char *c)
{
	if (s[i] != '\\' || i + 1 >= n)
		return 0;
	if (!is_ascii_punct((unsigned char)s[i + 1]) && s[i + 1] != '\n' && s[i + 1] != '\r')
		return 0;
	*c = s[i + 1];
	return 2;
}

/* Read up to an unescaped character of `stops` into out; "{}" is dropped
 * (and sets *marker) when braces_marker. Returns where it stopped, n when
 * no stop came or an unescaped character of `fails` came first (what
 * cbody_to_text always escapes there: giving up at it keeps reading
 * linear). */
static size_t read_until(const char *s, size_t n, size_t i, const char *stops, const char *fails,
                         bool braces_marker, struct buf *out, bool *marker, bool *ok)
{
	while (i < n && !strchr(stops, s[i])) {
		if (s[i] && strchr(fails, s[i]))
			return n;
		char c;
		size_t e = escape_at(s, n, i, &c);

		if (e) {
			*ok = *ok && buf_add(out, &c, 1);
			i += e;
		} else if (braces_marker && s[i] == '{' && i + 1 < n && s[i + 1] == '}') {
			*marker = true;
			i += 2;
		} else {
			*ok = *ok && buf_add(out, s + i, 1);
			i++;
		}
	}
	return i;
}

/* [text](url) at s[i]: its end, 0 when it is not one. */
static size_t read_link(struct reader *r, const char *s, size_t n, size_t i)
{
	struct buf text, url;
	bool marker = false, ok = true;
	size_t j;
	struct cbody_inline *in;

	buf_init(&text);
	buf_init(&url);
	j = read_until(s, n, i + 1, "]", "[", true, &text, &marker, &ok);
	if (j + 1 >= n || s[j + 1] != '(')
		goto fail;
	j = read_until(s, n, j + 2, ")", "(", false, &url, &marker, &ok);
	if (j >= n)
		goto fail;
	flush(r, false, 0);
	if (!ok || !r->ok || !(in = cm_add_inline(r->p))) {
		r->ok = false;
		goto fail;
	}
	in->type = CBODY_LINK;
	in->url = cm_strndup(url.data, url.len);
	if (text.len > 0 || marker)
		in->text = cm_strndup(text.data, text.len);
	if (!in->url || ((text.len > 0 || marker) && !in->text))
		r->ok = false;
	buf_free(&text);
	buf_free(&url);
	return j + 1;
fail:
	buf_free(&text);
	buf_free(&url);
	return 0;
}

static bool starts_with(const char *s, size_t n, size_t i, const char *prefix)
{
	size_t k = strlen(prefix);

	return n - i >= k && !memcmp(s + i, prefix, k);
}

/* The items of a userIds list s[from, to): split at unescaped commas; one
 * final empty item is dropped. */
static bool read_user_ids(const char *s, size_t from, size_t to, struct strv *ids)
{
	struct buf item;
	bool ok = true, marker = false;
	size_t i = from;

	buf_init(&item);
	while (ok && i < to) {
		i = read_until(s, to, i, ",", "", false, &item, &marker, &ok);
		if (i < to || item.len > 0)
			ok = ok && strv_push(ids, item.data);
		item.len = 0;
		if (item.cap)
			item.data[0] = '\0';
		if (i < to)
			i++; /* the comma */
		if (i == to && s[to - 1] == ',')
			break; /* a final comma: no empty item after it */
	}
	buf_free(&item);
	return ok;
}

/* @{kind:id|ids} at s[i]: its end, 0 when it is not one. */
static size_t read_long_mention(struct reader *r, const char *s, size_t n, size_t i)
{
	enum cbody_kind kind = CBODY_KIND_NONE;
	struct buf id;
	bool marker = false, ok = true, has_ids = false;
	size_t j = i + 2, ids_from = 0, ids_to = 0;
	struct cbody_inline *in;

	if (starts_with(s, n, j, "user:")) {
		kind = CBODY_KIND_USER;
		j += 5;
	} else if (starts_with(s, n, j, "group:")) {
		kind = CBODY_KIND_GROUP;
		j += 6;
	}
	buf_init(&id);
	j = read_until(s, n, j, "}|", "{", false, &id, &marker, &ok);
	if (j < n && s[j] == '|') {
		struct buf skip;

		has_ids = true;
		ids_from = j + 1;
		buf_init(&skip);
		j = read_until(s, n, ids_from, "}", "{", false, &skip, &marker, &ok);
		buf_free(&skip);
		ids_to = j;
	}
	if (j >= n) {
		buf_free(&id);
		return 0;
	}
	flush(r, false, 0);
	if (!ok || !r->ok || !(in = cm_add_inline(r->p))) {
		r->ok = false;
		buf_free(&id);
		return 0;
	}
	in->type = CBODY_MENTION;
	in->kind = kind;
	in->id = cm_strndup(id.data, id.len);
	in->has_user_ids = has_ids;
	if (!in->id || (has_ids && !read_user_ids(s, ids_from, ids_to, &in->user_ids)))
		r->ok = false;
	buf_free(&id);
	return j + 1;
}

/* @id at s[i] (already known to start one): its end. */
static size_t read_short_mention(struct reader *r, const char *s, size_t n, size_t i)
{
	size_t j = i + 1, e;
	struct cbody_inline *in;

	while (j < n && is_id_char((unsigned char)s[j]))
		j++;
	e = j;
	while (e > i + 2 && (s[e - 1] == '.' || s[e - 1] == '-'))
		e--;
	flush(r, false, 0);
	if (!r->ok || !(in = cm_add_inline(r->p))) {
		r->ok = false;
		return e;
	}
	in->type = CBODY_MENTION;
	in->kind = CBODY_KIND_USER;
	if (!(in->id = cm_strndup(s + i + 1, e - i - 1)))
		r->ok = false;
	return e;
}

/* Inside `code`, from s[i]: up to and past its closing backtick. */
static size_t read_code(struct reader *r, const char *s, size_t n, size_t i)
{
	unsigned saved = r->on;
	bool flushed = false;

	r->on |= CBODY_CODE;
	while (i < n) {
		size_t m;

		if (s[i] == '\\' && i + 1 < n && strchr("`\\{\n\r", s[i + 1]) && s[i + 1] != '\0') {
			add(r, s + i + 1, 1);
			i += 2;
		} else if (s[i] == '`') {
			flush(r, !flushed, 0);
			i++;
			break;
		} else if ((m = marker_end(s, n, i)) != 0) {
			flush(r, true, marker_flags(s, i + 1, m - 1));
			flushed = true;
			i = m;
		} else {
			add(r, s + i, 1);
			i++;
		}
	}
	flush(r, false, 0); /* an unclosed code text ends with its paragraph */
	r->on = saved;
	return i;
}

static void read_paragraph(struct reader *r, const char *s, size_t n)
{
	size_t i = 0;

	r->on = 0;
	r->run.len = 0;
	if (n == 1 && s[0] == '\\')
		return; /* an empty paragraph */
	while (i < n && r->ok) {
		unsigned char c = (unsigned char)s[i];
		char e;
		size_t m;

		if ((m = escape_at(s, n, i, &e)) != 0) {
			add(r, &e, 1);
			i += m;
		} else if (c == '*' || c == '_' || (c == '~' && i + 1 < n && s[i + 1] == '~')) {
			flush(r, false, 0);
			if (c == '*' && i + 1 < n && s[i + 1] == '*') {
				r->on ^= CBODY_BOLD;
				i += 2;
			} else if (c == '~') {
				r->on ^= CBODY_STRIKE;
				i += 2;
			} else {
				r->on ^= CBODY_ITALIC;
				i++;
			}
		} else if (c == '`') {
			flush(r, false, 0);
			i = read_code(r, s, n, i + 1);
		} else if ((m = marker_end(s, n, i)) != 0) {
			flush(r, true, marker_flags(s, i + 1, m - 1));
			i = m;
		} else if (c == '[' && (m = read_link(r, s, n, i)) != 0) {
			i = m;
		} else if (c == '@' && i + 1 < n && s[i + 1] == '{' &&
		           (m = read_long_mention(r, s, n, i)) != 0) {
			i = m;
		} else if (c == '@' && i + 1 < n && is_id_start((unsigned char)s[i + 1]) &&
		           (i == 0 || !blocks_mention((unsigned char)s[i - 1]))) {
			i = read_short_mention(r, s, n, i);
		} else {
			add(r, s + i, 1);
			i++;
		}
	}
	flush(r, false, 0);
}

struct cbody *cbody_from_text(const char *text, size_t len, struct lb_error *err)
{
	struct cbody *b = cm_body_new();
	struct reader r = {.ok = b != NULL};
	char *s = len < (SIZE_MAX - 1) / 3 ? malloc(len * 3 + 1) : NULL;
	size_t n = 0, start = 0;

	lb_error_clear(err);
	buf_init(&r.run);
	if (!s)
		r.ok = false;
	/* CR LF as LF (escapes kept as they are; a NUL byte, which no string
	 * of a body can hold, as U+FFFD), then one final line break dropped. */
	for (size_t i = 0; r.ok && i < len; i++) {
		if (text[i] == '\0') {
			memcpy(s + n, "\xEF\xBF\xBD", 3);
			n += 3;
		} else if (text[i] == '\\' && i + 1 < len && text[i + 1] != '\0') {
			s[n++] = text[i++];
			s[n++] = text[i];
		} else if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
			continue;
		} else {
			s[n++] = text[i];
		}
	}
	if (n > 0 && s[n - 1] == '\n')
		n--;
	/* Paragraphs end at an unescaped blank line. */
	for (size_t i = 0; r.ok && n > 0 && i <= n; i++) {
		if (i + 1 < n && s[i] == '\\') {
			i++;
			continue;
		}
		if (i == n || (s[i] == '\n' && i + 1 < n && s[i + 1] == '\n')) {
			if (!(r.p = cm_add_paragraph(b))) {
				r.ok = false;
				break;
			}
			read_paragraph(&r, s + start, i - start);
			start = i + 2;
			i++;
		}
	}
	buf_free(&r.run);
	free(s);
	if (!r.ok) {
		cbody_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory reading a comment");
		return NULL;
	}
	return b;
}
