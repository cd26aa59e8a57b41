#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "json.h"
#include "lson_impl.h"
#include "utf8.h"
#include "util.h"

/* A document as text: one-line summaries for the tree, and subtrees as
 * JSON (compact or pretty, plain LSON or simplified). */

/* ---- summaries -------------------------------------------------------------- */

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

/* The type names as JSON strings: they need no escaping. */
static const char *const quoted_type_names[] = {
#define LSON_TYPE_QUOTED(t, name) "\"" name "\"",
    LSON_TYPES(LSON_TYPE_QUOTED)
#undef LSON_TYPE_QUOTED
};

struct printer {
	struct json_writer w;
	bool plain; /* Live nodes as their plain-LSON wrappers */
	const struct lson_doc *d;
};

static void print_node(struct printer *pr, int i);

static void print_children(struct printer *pr, int i, bool keyed)
{
	const struct lson_node *nodes = pr->d->nodes;
	int c = i + 1;

	if (keyed)
		json_begin_object(&pr->w);
	else
		json_begin_array(&pr->w);
	for (int k = 0; k < nodes[i].n_children; k++, c = lson_next_sibling(nodes, c)) {
		if (keyed)
			json_key(&pr->w, nodes[c].key ? nodes[c].key : "");
		print_node(pr, c);
	}
	if (keyed)
		json_end_object(&pr->w);
	else
		json_end_array(&pr->w);
}

static void print_node(struct printer *pr, int i)
{
	const struct lson_node *nd = &pr->d->nodes[i];
	struct json_writer *w = &pr->w;
	bool wrapped = nd->type <= LSON_LIVE_FILE && pr->plain;

	if (wrapped) {
		json_begin_object(w);
		json_key(w, lson_s_lbtype);
		json_literal(w, quoted_type_names[nd->type]);
		json_key(w, lson_s_data);
	}
	switch (nd->type) {
	case LSON_LIVE_OBJECT:
	case LSON_LIVE_MAP:
	case LSON_OBJECT:
		print_children(pr, i, true);
		break;
	case LSON_LIVE_LIST:
	case LSON_ARRAY:
		print_children(pr, i, false);
		break;
	case LSON_LIVE_TEXT:
	case LSON_LIVE_FILE:
		json_raw(w, lson_live_data(nd));
		break;
	case LSON_STRING:
		json_string(w, nd->value);
		break;
	default:
		json_literal(w, nd->value);
		break;
	}
	if (wrapped) {
		const char *extra = nd->type == LSON_LIVE_TEXT ? lson_live_extra(nd) : "";
		if (*extra) {
			json_key(w, lson_s_version);
			json_raw(w, extra);
		}
		json_end_object(w);
	}
}

char *lson_subtree_json(const struct lson_doc *d, int i, bool as_plain_lson, bool pretty)
{
	struct printer pr;
	struct buf b;

	if (!lson_valid_node(d, i))
		return NULL;
	buf_init(&b);
	json_writer_init(&pr.w, &b, pretty);
	pr.plain = as_plain_lson && d->plain_lson;
	pr.d = d;
	print_node(&pr, i);
	if (!pr.w.ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
