/* Drawing the tree widget (tree.h): its rows, ghost rows, the detail pane
 * and the JSON view of one node; what is drawn comes from tree.c. */
#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "term_safe.h"
#include "theme.h"
#include "tree.h"
#include "tree_impl.h"
#include "util.h"

static enum theme_element type_element(enum lson_type ty)
{
	switch (ty) {
	case LSON_LIVE_OBJECT: return THEME_LSON_LIVE_OBJECT;
	case LSON_LIVE_LIST: return THEME_LSON_LIVE_LIST;
	case LSON_LIVE_MAP: return THEME_LSON_LIVE_MAP;
	case LSON_LIVE_TEXT: return THEME_LSON_LIVE_TEXT;
	case LSON_LIVE_FILE: return THEME_LSON_LIVE_FILE;
	case LSON_OBJECT: return THEME_LSON_OBJECT;
	case LSON_ARRAY: return THEME_LSON_ARRAY;
	case LSON_STRING: return THEME_LSON_STRING;
	case LSON_NUMBER: return THEME_LSON_NUMBER;
	case LSON_BOOL: return THEME_LSON_BOOL;
	default: return THEME_LSON_NULL;
	}
}

static bool keyed(enum lson_type ty)
{
	return ty == LSON_LIVE_OBJECT || ty == LSON_LIVE_MAP || ty == LSON_OBJECT;
}

/* Draw raw text at *x, advancing it; stops at the window's edge. */
static void put(WINDOW *win, int y, int *x, int w, const char *raw, attr_t attr)
{
	if (*x >= w || !raw)
		return;
	char *safe = ts_sanitize(raw, (size_t)-1);
	if (!safe)
		return;
	int cw = ts_width(safe);
	if (cw > w - *x)
		cw = w - *x;
	draw_safe(win, y, *x, cw, safe, attr);
	*x += cw;
	free(safe);
}

static bool contains(const char *s, const char *pattern)
{
	return s && pattern && pattern[0] && strcasestr(s, pattern);
}

static void draw_row(struct tree *t, WINDOW *win, int y, int i, attr_t row_attr,
		     const char *pattern)
{
	const struct lson_doc *d = t->doc;
	const struct lson_node *nd = &d->nodes[i];
	unsigned char f = t->flags[i];
	int w = getmaxx(win);
	int x = 0;
#define AT(el) (row_attr ? row_attr : theme_attr(el))

	draw_blank(win, y, AT(THEME_DEFAULT));
	enum theme_element mark_el = f & F_ADDED ? THEME_ADDED : THEME_CHANGED;
	const char *gutter = f & F_ADDED ? "+" : f & F_CHANGED ? "~" : f & F_INSIDE ? "•" : " ";
	put(win, y, &x, w, gutter, f & (F_ADDED | F_CHANGED) ? theme_attr(mark_el)
					    : AT(THEME_CHANGED));
	int indent = nd->depth * 2;
	if (indent > w / 3)
		indent = w / 3;
	x += indent;
	const char *arrow = tree_node_expandable(nd) ? (f & F_EXPANDED ? "▾ " : "▸ ") : "  ";
	put(win, y, &x, w, arrow, AT(THEME_MUTED));

	char label[32];
	const char *lab = nd->key;
	enum theme_element lab_el = THEME_KEY;
	if (nd->parent < 0) {
		lab = "root";
		lab_el = THEME_HEADER;
	} else if (lab && !lab[0]) {
		lab = "\"\""; /* the empty key */
	} else if (!lab) {
		snprintf(label, sizeof(label), "[%d]", nd->index);
		lab = label;
		lab_el = THEME_MUTED;
	}
	attr_t lab_attr = AT(lab_el);
	if (f & (F_ADDED | F_CHANGED))
		lab_attr = row_attr ? row_attr : theme_attr(mark_el);
	if (contains(nd->key, pattern))
		lab_attr = theme_attr(THEME_MATCH);
	put(win, y, &x, w, lab, lab_attr);
	x++;
	put(win, y, &x, w, lson_type_name(nd->type), AT(type_element(nd->type)));
	x++;

	char sum[512];
	attr_t sum_attr = AT(THEME_VALUE);
	if (tree_node_expandable(nd) && (f & F_EXPANDED)) {
		snprintf(sum, sizeof(sum), "%d %s%s", nd->n_children, keyed(nd->type) ? "key" : "item",
			 nd->n_children == 1 ? "" : "s");
		sum_attr = AT(THEME_MUTED);
	} else {
		lson_summary(d, i, sum, sizeof(sum));
		if (lson_is_container(nd->type))
			sum_attr = AT(THEME_MUTED);
	}
	if (f & F_CHANGED && !row_attr)
		sum_attr = theme_attr(THEME_CHANGED);
	if (contains(nd->value, pattern))
		sum_attr = theme_attr(THEME_MATCH);
	put(win, y, &x, w, sum, sum_attr);
#undef AT
}

/* A removed node: "-   color deleted 3s ago (was "red")", dim. */
static void draw_ghost(WINDOW *win, int y, const struct ghost *g, attr_t row_attr, long long now)
{
	int w = getmaxx(win);
	int x = 0;
#define AT(el) (row_attr ? row_attr : theme_attr(el))
	draw_blank(win, y, AT(THEME_DEFAULT));
	put(win, y, &x, w, "-", AT(THEME_REMOVED));
	int indent = g->depth * 2;
	if (indent > w / 3)
		indent = w / 3;
	x += indent + 2;
	put(win, y, &x, w, g->label[0] ? g->label : "\"\"", AT(THEME_MUTED) | A_DIM);
	char age[32], note[64];
	format_age((now - g->at_ms) / 1000, age, sizeof(age));
	snprintf(note, sizeof(note), " deleted %s ago ", age);
	put(win, y, &x, w, note, AT(THEME_REMOVED));
	x++;
	put(win, y, &x, w, "was ", AT(THEME_MUTED));
	put(win, y, &x, w, g->was, AT(THEME_MUTED) | A_DIM);
#undef AT
}

bool tree_selected_cut(const struct tree *t, int width)
{
	int i = tree_selected(t);
	if (i < 0)
		return false;
	const struct lson_doc *d = t->doc;
	const struct lson_node *nd = &d->nodes[i];
	if (lson_is_container(nd->type) || !nd->value)
		return false;
	char sum[512], label[32];
	lson_summary(d, i, sum, sizeof(sum));
	if (strlen(nd->value) + 2 >= sizeof(sum) - 1)
		return true; /* the summary itself is cut */
	const char *lab = nd->key;
	if (!lab) {
		snprintf(label, sizeof(label), "[%d]", nd->index);
		lab = label;
	} else if (!lab[0]) {
		lab = "\"\"";
	}
	/* draw_row's layout: gutter, indent, arrow, label, type, summary. */
	int indent = nd->depth * 2 > width / 3 ? width / 3 : nd->depth * 2;
	int cols = 1 + indent + 2 + draw_width(lab) + 1 + draw_width(lson_type_name(nd->type)) +
		   1 + draw_width(sum);
	return cols > width;
}

void tree_draw(struct tree *t, WINDOW *win, int y0, int height, bool focused, const char *pattern)
{
	if (height < 1)
		return;
	t->height = height;
	if (!t->doc || !t->n_vis)
		return;
	list_clamp(&t->pos, t->n_vis, t->height);
	for (int row = 0; row < height && t->pos.top + row < t->n_vis; row++) {
		int r = t->pos.top + row;
		attr_t row_attr = 0;
		if (r == t->pos.cursor)
			row_attr = theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
		if (t->vis[r] < 0)
			draw_ghost(win, y0 + row, &t->ghosts[-t->vis[r] - 1], row_attr, now_ms());
		else
			draw_row(t, win, y0 + row, t->vis[r], row_attr, pattern);
	}
}

void tree_breadcrumbs(const struct tree *t, char *out, size_t n)
{
	const struct ghost *g = tree_cursor_ghost(t);
	int i = g ? g->parent : tree_selected(t);
	size_t used;
	if (n == 0)
		return;
	used = (size_t)snprintf(out, n, "/");
	/* The chain of ancestors, root first. */
	int chain[64];
	int k = 0;
	for (int p = i; p > 0 && k < 64; p = t->doc->nodes[p].parent)
		chain[k++] = p;
	bool cut = k == 64 && t->doc->nodes[chain[63]].parent > 0;
	if (cut && used < n)
		used += (size_t)snprintf(out + used, n - used, " › …");
	while (k-- > 0 && used < n) {
		const struct lson_node *nd = &t->doc->nodes[chain[k]];
		int w;
		if (nd->key)
			w = snprintf(out + used, n - used, " › %s", nd->key[0] ? nd->key : "\"\"");
		else
			w = snprintf(out + used, n - used, " › %d", nd->index);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (g && used < n)
		snprintf(out + used, n - used, " › %s (deleted)", g->label[0] ? g->label : "\"\"");
}

char *tree_selected_json(const struct tree *t, bool pretty)
{
	int i = tree_selected(t);
	if (i < 0)
		return NULL;
	return lson_subtree_json(t->doc, i, t->doc->plain_lson, pretty);
}

static bool json_prepare(struct tree *t, int i)
{
	if (t->json && t->json_doc == t->doc && t->json_node == i)
		return true;
	tree_json_drop(t);
	t->json = lson_subtree_json(t->doc, i, t->doc->plain_lson, true);
	if (!t->json)
		return false;
	size_t cap = 64;
	t->json_lines = malloc(cap * sizeof(*t->json_lines));
	if (!t->json_lines) {
		tree_json_drop(t);
		return false;
	}
	const char *p = t->json;
	t->json_lines[t->n_json_lines++] = 0;
	while ((p = strchr(p, '\n'))) {
		*(char *)p = '\0';
		p++;
		if (!*p)
			break;
		if (t->n_json_lines == cap) {
			size_t *l = realloc(t->json_lines, cap * 2 * sizeof(*l));
			if (!l)
				break;
			t->json_lines = l;
			cap *= 2;
		}
		t->json_lines[t->n_json_lines++] = (size_t)(p - t->json);
	}
	t->json_doc = t->doc;
	t->json_node = i;
	return true;
}

static void detail_line(WINDOW *win, int *row, int top, const char *key, const char *raw,
			attr_t attr)
{
	int h = getmaxy(win), w = getmaxx(win);
	int y = *row - top;
	(*row)++;
	if (y < 0 || y >= h)
		return;
	int x = 1;
	if (key) {
		draw_safe(win, y, x, 9, key, theme_attr(THEME_KEY));
		x += 10;
	}
	/* A value can be megabytes; one row shows at most a few bytes per
	 * column, so sanitize only those (cut on a character boundary). */
	size_t room = (size_t)(w > 0 ? w : 1) * 4 + 4;
	size_t n = tree_utf8_cut(raw, room);
	if (raw[n]) {
		char *cut = strndup(raw, n);
		if (cut) {
			draw_text(win, y, x, w - x, cut, attr);
			free(cut);
			return;
		}
	}
	draw_text(win, y, x, w - x, raw, attr);
}

/* A removed node in the side pane: where it was, when it went, what it
 * held. */
static void ghost_detail(const struct ghost *g, WINDOW *win, int top)
{
	int row = 0;
	char age[32], when[64];
	format_age((now_ms() - g->at_ms) / 1000, age, sizeof(age));
	snprintf(when, sizeof(when), "deleted %s ago, by someone else", age);
	detail_line(win, &row, top, "Path", g->path, theme_attr(THEME_BREADCRUMB));
	detail_line(win, &row, top, "Seen", when, theme_attr(THEME_REMOVED));
	detail_line(win, &row, top, "Was", g->was, theme_attr(THEME_MUTED));
}

void tree_draw_detail(struct tree *t, WINDOW *win, int top, bool json)
{
	const struct ghost *g = tree_cursor_ghost(t);
	if (g) {
		ghost_detail(g, win, top);
		return;
	}
	int i = tree_selected(t);
	if (i < 0)
		return;
	const struct lson_doc *d = t->doc;
	const struct lson_node *nd = &d->nodes[i];
	int h = getmaxy(win), w = getmaxx(win);

	if (json) {
		if (!json_prepare(t, i)) {
			draw_text(win, 0, 1, w - 1, "out of memory", theme_attr(THEME_ERROR));
			return;
		}
		for (int row = 0; row < h && top + row < (int)t->n_json_lines; row++)
			draw_text(win, row, 1, w - 1, t->json + t->json_lines[top + row],
				  theme_attr(THEME_VALUE));
		return;
	}
	int row = 0;
	char *path = lson_path(d, i);
	char buf[512];
	detail_line(win, &row, top, "Path", path && path[0] ? path : "/ (root)",
		    theme_attr(THEME_BREADCRUMB));
	detail_line(win, &row, top, "Type", lson_type_name(nd->type),
		    theme_attr(type_element(nd->type)));
	if (lson_is_container(nd->type)) {
		snprintf(buf, sizeof(buf), "%d", nd->n_children);
		detail_line(win, &row, top, keyed(nd->type) ? "Keys" : "Items", buf,
			    theme_attr(THEME_VALUE));
		snprintf(buf, sizeof(buf), "%d", nd->subtree + 1);
		detail_line(win, &row, top, "Nodes", buf, theme_attr(THEME_VALUE));
		lson_summary(d, i, buf, sizeof(buf));
		detail_line(win, &row, top, "Summary", buf, theme_attr(THEME_MUTED));
	} else {
		detail_line(win, &row, top, "Value", nd->value ? nd->value : "",
			    theme_attr(type_element(nd->type)));
	}
	if (t->flags[i] & (F_ADDED | F_CHANGED))
		detail_line(win, &row, top, "Seen",
			    t->flags[i] & F_ADDED ? "added since the last look"
						  : "changed since the last look",
			    theme_attr(t->flags[i] & F_ADDED ? THEME_ADDED : THEME_CHANGED));
	char *log = path ? tree_change_log(t, path, now_ms(), 50) : NULL;
	if (log && log[0]) {
		row++;
		detail_line(win, &row, top, NULL, "Changes (L for all):", theme_attr(THEME_HEADER));
		char *p = log;
		for (int k = 0; k < 50 && *p; k++) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			detail_line(win, &row, top, NULL, p, theme_attr(THEME_VALUE));
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	row++;
	detail_line(win, &row, top, NULL, "J: the JSON of this subtree", theme_attr(THEME_MUTED));
	free(log);
	free(path);
}

