#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* A document as text: one-line summaries for the tree, and subtrees as
 * JSON (compact or pretty, plain LSON or simplified). */

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
	if (part && lson_json_quote(&tmp, part)) {
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
	if (!lson_valid_node(d, i))
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
		for (int k = 0; k < nd->n_children; k++, c = lson_next_sibling(d->nodes, c)) {
			size_t mark = b.len;
			const char *key = d->nodes[c].key ? d->nodes[c].key : "";
			size_t reserve = k + 1 < nd->n_children ? 7 : 2; /* ", …}" or "}" */

			if (k)
				buf_add(&b, ", ", 2);
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
		buf_adds(&b, d->plain_lson ? lson_live_extra(nd) : nd->value);
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
	w->ok = w->ok && lson_json_quote(&w->b, key);
	jw_put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}

static void jw_node(struct jw *w, int i, int level);

static void jw_children(struct jw *w, int i, int level, bool keyed)
{
	const struct lson_node *nd = &w->d->nodes[i];
	int c = i + 1;

	jw_put(w, keyed ? "{" : "[", 1);
	for (int k = 0; k < nd->n_children; k++, c = lson_next_sibling(w->d->nodes, c)) {
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
		jw_member_key(w, lson_s_lbtype);
		jw_put(w, "\"", 1);
		jw_puts(w, lson_type_name(nd->type));
		jw_put(w, "\",", 2);
		jw_nl(w, level + 1);
		jw_member_key(w, lson_s_data);
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
		jw_json_text(w, lson_live_data(nd));
		if (nd->type == LSON_LIVE_TEXT)
			extra = lson_live_extra(nd);
		break;
	case LSON_STRING:
		w->ok = w->ok && lson_json_quote(&w->b, nd->value);
		break;
	default:
		jw_puts(w, nd->value);
		break;
	}
	if (live && w->plain) {
		if (extra && *extra) {
			jw_put(w, ",", 1);
			jw_nl(w, level + 1);
			jw_member_key(w, lson_s_version);
			jw_puts(w, extra);
		}
		jw_nl(w, level);
		jw_put(w, "}", 1);
	}
}

char *lson_subtree_json(const struct lson_doc *d, int i, bool as_plain_lson, bool pretty)
{
	struct jw w;

	if (!lson_valid_node(d, i))
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
