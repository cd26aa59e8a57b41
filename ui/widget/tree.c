#include "lbconfig.h"

#include "tree.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "term_safe.h"
#include "tree_impl.h"
#include "util.h"


/* ---- a set of paths with a byte of flags each ----------------------------- */

struct pathset {
	char *arena;
	size_t len, cap;
	size_t *slots; /* arena offset + 1; 0 = empty */
	unsigned char *vals;
	size_t n, mask;
};

uint64_t tree_hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void ps_free(struct pathset *ps)
{
	free(ps->arena);
	free(ps->slots);
	free(ps->vals);
	memset(ps, 0, sizeof(*ps));
}

static bool ps_rehash(struct pathset *ps, size_t cap)
{
	size_t *slots = calloc(cap, sizeof(*slots));
	unsigned char *vals = calloc(cap, 1);
	if (!slots || !vals) {
		free(slots);
		free(vals);
		return false;
	}
	for (size_t i = 0; ps->slots && i <= ps->mask; i++) {
		if (!ps->slots[i])
			continue;
		const char *s = ps->arena + ps->slots[i] - 1;
		size_t j = tree_hash_bytes(s, strlen(s)) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = ps->slots[i];
		vals[j] = ps->vals[i];
	}
	free(ps->slots);
	free(ps->vals);
	ps->slots = slots;
	ps->vals = vals;
	ps->mask = cap - 1;
	return true;
}

/* The slot of s (found, or the empty one where it would go). */
static size_t ps_slot(const struct pathset *ps, const char *s, size_t len)
{
	size_t j = tree_hash_bytes(s, len) & ps->mask;
	while (ps->slots[j]) {
		const char *e = ps->arena + ps->slots[j] - 1;
		if (!strncmp(e, s, len) && e[len] == '\0')
			break;
		j = (j + 1) & ps->mask;
	}
	return j;
}

/* Add s with flags val (or'ed into an existing entry). */
static bool ps_put(struct pathset *ps, const char *s, size_t len, unsigned char val)
{
	if (!ps->slots || (ps->n + 1) * 2 > ps->mask + 1) {
		if (!ps_rehash(ps, ps->slots ? (ps->mask + 1) * 2 : 64))
			return false;
	}
	size_t j = ps_slot(ps, s, len);
	if (ps->slots[j]) {
		ps->vals[j] |= val;
		return true;
	}
	if (ps->len + len + 1 > ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 4096;
		while (cap < ps->len + len + 1)
			cap *= 2;
		char *a = realloc(ps->arena, cap);
		if (!a)
			return false;
		ps->arena = a;
		ps->cap = cap;
	}
	memcpy(ps->arena + ps->len, s, len);
	ps->arena[ps->len + len] = '\0';
	ps->slots[j] = ps->len + 1;
	ps->vals[j] = val;
	ps->len += len + 1;
	ps->n++;
	return true;
}

static unsigned char ps_get(const struct pathset *ps, const char *s, size_t len)
{
	if (!ps->n)
		return 0;
	size_t j = ps_slot(ps, s, len);
	return ps->slots[j] ? ps->vals[j] : 0;
}

/* ---- JSON Pointers of every node, built incrementally in preorder ---------- */

struct walker {
	char *buf;
	size_t cap;
	size_t *at; /* at[d]: length of the path of the last node at depth d-1 */
	size_t n_at;
};

static bool wk_reserve(struct walker *w, size_t need)
{
	if (need <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap * 2 : 256;
	while (cap < need)
		cap *= 2;
	char *b = realloc(w->buf, cap);
	if (!b)
		return false;
	w->buf = b;
	w->cap = cap;
	return true;
}

/* The path of node i (its parent must have been walked before), NUL
 * terminated in w->buf; returns its length, or (size_t)-1 on OOM. */
static size_t wk_path(struct walker *w, const struct lson_doc *d, int i)
{
	const struct lson_node *nd = &d->nodes[i];
	size_t depth = (size_t)nd->depth;
	if (depth + 2 > w->n_at) {
		size_t n = (depth + 2) * 2;
		size_t *at = realloc(w->at, n * sizeof(*at));
		if (!at)
			return (size_t)-1;
		w->at = at;
		w->n_at = n;
	}
	if (depth == 0) {
		if (!wk_reserve(w, 1))
			return (size_t)-1;
		w->buf[0] = '\0';
		w->at[1] = 0;
		return 0;
	}
	size_t len = w->at[depth];
	char num[24];
	const char *tok = nd->key;
	if (!tok) {
		snprintf(num, sizeof(num), "%d", nd->index);
		tok = num;
	}
	size_t tl = strlen(tok);
	if (!wk_reserve(w, len + 2 * tl + 2))
		return (size_t)-1;
	w->buf[len++] = '/';
	for (size_t k = 0; k < tl; k++) {
		if (tok[k] == '~' || tok[k] == '/') {
			w->buf[len++] = '~';
			w->buf[len++] = tok[k] == '~' ? '0' : '1';
		} else {
			w->buf[len++] = tok[k];
		}
	}
	w->buf[len] = '\0';
	w->at[depth + 1] = len;
	return len;
}

static void wk_free(struct walker *w)
{
	free(w->buf);
	free(w->at);
	memset(w, 0, sizeof(*w));
}

/* ---- the tree --------------------------------------------------------------- */

struct tree *tree_new(void)
{
	struct tree *t = calloc(1, sizeof(*t));
	if (t) {
		t->height = 20;
		t->json_node = -1;
	}
	return t;
}

void tree_json_drop(struct tree *t)
{
	free(t->json);
	free(t->json_lines);
	t->json = NULL;
	t->json_lines = NULL;
	t->n_json_lines = 0;
	t->json_doc = NULL;
	t->json_node = -1;
}

static void change_clear(struct tree_change *c)
{
	free(c->path);
	free(c->before);
	free(c->after);
}

static void ghost_clear(struct ghost *g)
{
	free(g->path);
	free(g->parent_path);
	free(g->next_path);
	free(g->label);
	free(g->was);
}

static void ghosts_free(struct tree *t)
{
	for (size_t k = 0; k < t->n_ghosts; k++)
		ghost_clear(&t->ghosts[k]);
	free(t->ghosts);
	t->ghosts = NULL;
	t->n_ghosts = 0;
}

static void hits_drop(struct tree *t)
{
	free(t->hits_pattern);
	free(t->hits);
	t->hits_pattern = NULL;
	t->hits = NULL;
	t->n_hits = 0;
	t->hit_rank = 0;
}

void tree_free(struct tree **tp)
{
	struct tree *t = *tp;
	if (!t)
		return;
	lson_unref(&t->doc);
	free(t->flags);
	free(t->vis);
	for (size_t i = 0; i < t->n_log; i++)
		change_clear(&t->log[i]);
	free(t->log);
	ghosts_free(t);
	hits_drop(t);
	tree_json_drop(t);
	free(t);
	*tp = NULL;
}

const struct lson_doc *tree_doc(const struct tree *t)
{
	return t->doc;
}

int tree_rows(const struct tree *t)
{
	return t->n_vis;
}

/* The row entry under the cursor: a node, -(g + 1) for ghost g, or
 * INT_MIN for none. */
static int cursor_entry(const struct tree *t)
{
	if (!t->doc || t->n_vis == 0 || t->pos.cursor < 0 || t->pos.cursor >= t->n_vis)
		return INT_MIN;
	return t->vis[t->pos.cursor];
}

int tree_selected(const struct tree *t)
{
	int e = cursor_entry(t);
	return e >= 0 ? e : -1;
}

/* The ghost under the cursor, NULL when none. */
const struct ghost *tree_cursor_ghost(const struct tree *t)
{
	int e = cursor_entry(t);
	return e < 0 && e != INT_MIN ? &t->ghosts[-e - 1] : NULL;
}

bool tree_selected_ghost(const struct tree *t)
{
	return tree_cursor_ghost(t) != NULL;
}

char *tree_selected_path(const struct tree *t)
{
	int i = tree_selected(t);
	return i < 0 ? NULL : lson_path(t->doc, i);
}

bool tree_node_expandable(const struct lson_node *nd)
{
	return lson_is_container(nd->type) && nd->n_children > 0;
}

/* The node of row mid, or of the first node row after it (ghost rows sit
 * just before a node's row); -1 when only ghosts follow. */
static int node_near(const struct tree *t, int *mid, int hi)
{
	while (*mid <= hi && t->vis[*mid] < 0)
		(*mid)++;
	return *mid <= hi ? t->vis[*mid] : -1;
}

/* The row showing node i, or of its nearest visible ancestor. */
static int row_of(const struct tree *t, int i)
{
	while (i >= 0) {
		int lo = 0, hi = t->n_vis - 1;
		while (lo <= hi) {
			int mid = lo + (hi - lo) / 2, at = mid;
			int node = node_near(t, &at, hi);
			if (node == i)
				return at;
			if (node >= 0 && node < i)
				lo = at + 1;
			else
				hi = mid - 1;
		}
		i = t->doc->nodes[i].parent;
	}
	return 0;
}

/* Whether node i shows its children: it and its ancestors are expanded. */
static bool open_node(const struct tree *t, int i)
{
	for (; i >= 0; i = t->doc->nodes[i].parent)
		if (!(t->flags[i] & F_EXPANDED))
			return false;
	return true;
}

/* Rebuild the visible rows (O(rows + ghosts)) with the cursor on entry
 * keep: a node (or its nearest visible ancestor), or -(g + 1) for ghost g
 * (or its parent when it is not shown). */
static void rebuild_at(struct tree *t, int keep)
{
	const struct lson_doc *d = t->doc;
	t->n_vis = 0;
	if (!d || !d->n)
		return;
	size_t need = d->n + t->n_ghosts;
	if (need > t->cap_vis) {
		int *vis = realloc(t->vis, need * sizeof(*vis));
		if (!vis)
			return;
		t->vis = vis;
		t->cap_vis = need;
	}
	int n = (int)d->n;
	size_t g = 0;
	int keep_row = -1;
	for (int i = 0; i <= n;) {
		/* The ghosts anchored up to here whose parent is open. */
		for (; g < t->n_ghosts && t->ghosts[g].anchor <= i; g++) {
			if (!open_node(t, t->ghosts[g].parent))
				continue;
			if (keep == -(int)g - 1)
				keep_row = t->n_vis;
			t->vis[t->n_vis++] = -(int)g - 1;
		}
		if (i == n)
			break;
		t->vis[t->n_vis++] = i;
		if (tree_node_expandable(&d->nodes[i]) && (t->flags[i] & F_EXPANDED))
			i++;
		else
			i += d->nodes[i].subtree + 1;
	}
	if (keep_row >= 0)
		t->pos.cursor = keep_row;
	else if (keep < 0 && -keep - 1 < (int)t->n_ghosts)
		t->pos.cursor = row_of(t, t->ghosts[-keep - 1].parent);
	else
		t->pos.cursor = keep >= 0 ? row_of(t, keep) : 0;
	list_clamp(&t->pos, t->n_vis, t->height);
}

static void rebuild(struct tree *t, int keep)
{
	rebuild_at(t, keep >= 0 ? keep : 0);
}

size_t tree_utf8_cut(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);
	if (len <= max)
		return len;
	/* s[max] exists: back off while it continues a character (a
	 * character is at most 4 bytes; longer runs are not UTF-8 anyway). */
	size_t k = max;
	while (k > 0 && max - k < 3 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

static char *cut_value(const char *s)
{
	if (!s)
		return NULL;
	size_t len = strlen(s);
	if (len <= LOG_VALUE_MAX)
		return strdup(s);
	size_t k = tree_utf8_cut(s, LOG_VALUE_MAX);
	char *out = malloc(k + 4);
	if (!out)
		return NULL;
	memcpy(out, s, k);
	memcpy(out + k, "…", 4); /* 3 bytes and the NUL */
	return out;
}

/* A value of the change log: scalars as the JSON they are; containers,
 * LiveText and LiveFile by their type and the preview a collapsed row
 * shows ("LiveObject {x: 10, y: 20}", "LiveList (3 items)", "[2
 * items]"), so the log does not fill with plain-LSON wrappers. json is
 * compact JSON of the value, plain LSON when plain_lson. */
static char *log_value(const char *json, bool plain_lson)
{
	if (!json || (json[0] != '{' && json[0] != '['))
		return cut_value(json);
	/* The value as the only member of a root that reads it as the
	 * document did. */
	struct buf b;
	buf_init(&b);
	buf_adds(&b, plain_lson ? "{\"liveblocksType\":\"LiveObject\",\"data\":{\"v\":" : "{\"v\":");
	buf_adds(&b, json);
	buf_adds(&b, plain_lson ? "}}" : "}");
	struct lb_error err;
	lb_error_clear(&err);
	struct lson_doc *d = b.data ? lson_parse(b.data, b.len, plain_lson, &err) : NULL;
	buf_free(&b);
	if (!d || d->n < 2) {
		lson_unref(&d);
		return cut_value(json);
	}
	const struct lson_node *v = &d->nodes[1];
	char summary[LOG_VALUE_MAX];
	lson_summary(d, 1, summary, sizeof(summary));
	struct buf out;
	buf_init(&out);
	switch (v->type) {
	case LSON_OBJECT:
		buf_adds(&out, summary);
		break;
	case LSON_ARRAY:
		buf_printf(&out, "[%s]", summary);
		break;
	case LSON_LIVE_LIST:
		buf_printf(&out, "%s (%s)", lson_type_name(v->type), summary);
		break;
	default:
		buf_printf(&out, "%s %s", lson_type_name(v->type), summary);
		break;
	}
	lson_unref(&d);
	return buf_steal(&out);
}

/* Log one change; the entry, NULL when out of memory. */
static const struct tree_change *log_add(struct tree *t, const struct lson_delta *dl, long long now)
{
	if (t->n_log == LOG_MAX) {
		change_clear(&t->log[0]);
		memmove(&t->log[0], &t->log[1], (LOG_MAX - 1) * sizeof(t->log[0]));
		t->n_log--;
	}
	if (t->n_log == t->cap_log) {
		size_t cap = t->cap_log ? t->cap_log * 2 : 64;
		struct tree_change *l = realloc(t->log, cap * sizeof(*l));
		if (!l)
			return NULL;
		t->log = l;
		t->cap_log = cap;
	}
	struct tree_change *c = &t->log[t->n_log];
	c->at_ms = now;
	c->kind = dl->kind;
	c->path = strdup(dl->path ? dl->path : "");
	c->before = log_value(dl->before, t->doc->plain_lson);
	c->after = log_value(dl->after, t->doc->plain_lson);
	if (!c->path) {
		change_clear(c);
		return NULL;
	}
	t->n_log++;
	return c;
}

/* ---- ghosts: what someone else removed ------------------------------------ */

/* The last token of a pointer, unescaped (~1 is '/', ~0 is '~'). */
static char *last_token(const char *path)
{
	const char *t = strrchr(path, '/');
	t = t ? t + 1 : path;
	char *out = malloc(strlen(t) + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (; *t; t++) {
		if (t[0] == '~' && (t[1] == '0' || t[1] == '1')) {
			out[o++] = t[1] == '1' ? '/' : '~';
			t++;
		} else {
			out[o++] = *t;
		}
	}
	out[o] = '\0';
	return out;
}

static int ghost_order(const void *x, const void *y)
{
	const struct ghost *a = x, *b = y;
	if (a->anchor != b->anchor)
		return a->anchor < b->anchor ? -1 : 1;
	/* At the same place the end of a deeper subtree comes first. */
	if (a->depth != b->depth)
		return a->depth > b->depth ? -1 : 1;
	if (a->old_index != b->old_index)
		return a->old_index < b->old_index ? -1 : 1;
	return a->serial < b->serial ? -1 : a->serial > b->serial;
}

/* Place ghost g in doc: false when it has no place (its parent is gone)
 * or no reason to be (its path is back). */
static bool ghost_place(struct ghost *g, const struct lson_doc *doc)
{
	if (lson_find(doc, g->path) >= 0)
		return false;
	g->parent = lson_find(doc, g->parent_path);
	if (g->parent < 0 || !lson_is_container(doc->nodes[g->parent].type))
		return false;
	const struct lson_node *p = &doc->nodes[g->parent];
	g->depth = p->depth + 1;
	g->anchor = g->next_path ? lson_find(doc, g->next_path) : -1;
	if (g->anchor < 0 || doc->nodes[g->anchor].parent != g->parent)
		g->anchor = g->parent + p->subtree + 1;
	return true;
}

/* Keep the ghosts that still have a place in doc, in order. */
static void ghosts_place(struct tree *t, const struct lson_doc *doc)
{
	size_t k = 0;
	for (size_t j = 0; j < t->n_ghosts; j++) {
		if (ghost_place(&t->ghosts[j], doc))
			t->ghosts[k++] = t->ghosts[j];
		else
			ghost_clear(&t->ghosts[j]);
	}
	t->n_ghosts = k;
	if (k > 1)
		qsort(t->ghosts, k, sizeof(*t->ghosts), ghost_order);
}

/* The path of the first sibling after node i of old that doc still has
 * (a few are tried), NULL when none. Caller frees. */
static char *next_kept(const struct lson_doc *old, int i, const struct lson_doc *doc)
{
	int p = old->nodes[i].parent;
	int end = p + old->nodes[p].subtree;
	int s = i + old->nodes[i].subtree + 1;
	for (int k = 0; s <= end && k < 64; k++, s += old->nodes[s].subtree + 1) {
		char *path = lson_path(old, s);
		if (!path || lson_find(doc, path) >= 0)
			return path;
		free(path);
	}
	return NULL;
}

/* A ghost for the removal c, of a node of old that doc no longer has. */
static void ghost_add(struct tree *t, const struct lson_doc *old, const struct lson_doc *doc,
                      const struct tree_change *c, long long now)
{
	if (t->n_ghosts == GHOST_MAX) {
		/* The oldest goes. */
		size_t oldest = 0;
		for (size_t k = 1; k < t->n_ghosts; k++)
			if (t->ghosts[k].serial < t->ghosts[oldest].serial)
				oldest = k;
		ghost_clear(&t->ghosts[oldest]);
		t->ghosts[oldest] = t->ghosts[--t->n_ghosts];
	}
	if (!t->ghosts) {
		t->ghosts = malloc(GHOST_MAX * sizeof(*t->ghosts));
		if (!t->ghosts)
			return;
	}
	struct ghost g = {.at_ms = now, .serial = ++t->ghost_serial};
	const char *slash = strrchr(c->path, '/');
	if (!slash)
		return; /* the root is never removed */
	g.path = strdup(c->path);
	g.parent_path = strndup(c->path, (size_t)(slash - c->path));
	g.was = strdup(c->before ? c->before : "");
	char *tok = last_token(c->path);
	int i = lson_find(old, c->path);
	if (i > 0)
		g.old_index = old->nodes[i].index;
	if (i > 0 && old->nodes[i].key) {
		g.next_path = next_kept(old, i, doc);
		g.label = tok;
	} else if (tok) {
		/* An item: its index. */
		size_t n = strlen(tok) + 3;
		g.label = malloc(n);
		if (g.label)
			snprintf(g.label, n, "[%s]", tok);
		free(tok);
	}
	if (!g.path || !g.parent_path || !g.was || !g.label) {
		ghost_clear(&g);
		return;
	}
	t->ghosts[t->n_ghosts++] = g;
}

/* The serial of the ghost under the cursor, 0 for none. */
static unsigned cursor_ghost_serial(const struct tree *t)
{
	const struct ghost *g = tree_cursor_ghost(t);
	return g ? g->serial : 0;
}

/* The row entry of the ghost with that serial, INT_MIN when gone. */
static int ghost_entry(const struct tree *t, unsigned serial)
{
	for (size_t k = 0; serial && k < t->n_ghosts; k++)
		if (t->ghosts[k].serial == serial)
			return -(int)k - 1;
	return INT_MIN;
}

int tree_expire(struct tree *t, long long now)
{
	long long next = -1;
	size_t k = 0;
	unsigned keep = cursor_ghost_serial(t);
	int keep_node = tree_selected(t);
	const struct ghost *sel = tree_cursor_ghost(t);
	if (sel) {
		/* When it goes, the row that takes its place: the sibling after
		 * it, else its parent. */
		int a = sel->anchor;
		keep_node =
		    a < (int)t->doc->n && t->doc->nodes[a].parent == sel->parent ? a : sel->parent;
	}
	for (size_t j = 0; j < t->n_ghosts; j++) {
		long long left = t->ghosts[j].at_ms + GHOST_MS - now;
		if (left > 0) {
			t->ghosts[k++] = t->ghosts[j];
			if (next < 0 || left < next)
				next = left;
		} else {
			ghost_clear(&t->ghosts[j]);
		}
	}
	if (k != t->n_ghosts) {
		t->n_ghosts = k;
		int e = ghost_entry(t, keep);
		rebuild_at(t, e != INT_MIN ? e : keep_node >= 0 ? keep_node : 0);
	}
	return next < 0 ? -1 : next > INT_MAX ? INT_MAX : (int)next;
}

size_t tree_ghosts(const struct tree *t)
{
	return t->n_ghosts;
}

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

/* Deltas past this many are matched to nodes in one walk of every path
 * rather than one lookup each. */
#define DELTAS_BY_LOOKUP 256

/* The children of node i of d by key, for containers whose keys come back
 * in another order: open addressing over node indices (-1 empty). */
struct key_index {
	int *slots;
	size_t mask;
};

static bool key_index_build(struct key_index *x, const struct lson_doc *d, int i)
{
	size_t cap = 16;
	while (cap < (size_t)d->nodes[i].n_children * 2)
		cap *= 2;
	x->slots = malloc(cap * sizeof(*x->slots));
	if (!x->slots)
		return false;
	memset(x->slots, 0xff, cap * sizeof(*x->slots));
	x->mask = cap - 1;
	int c = i + 1;
	for (int m = 0; m < d->nodes[i].n_children; m++, c += d->nodes[c].subtree + 1) {
		const char *key = d->nodes[c].key;
		if (!key)
			continue;
		size_t j = tree_hash_bytes(key, strlen(key)) & x->mask;
		while (x->slots[j] >= 0)
			j = (j + 1) & x->mask;
		x->slots[j] = c;
	}
	return true;
}

static int key_index_find(const struct key_index *x, const struct lson_doc *d, const char *key)
{
	size_t j = tree_hash_bytes(key, strlen(key)) & x->mask;
	for (; x->slots[j] >= 0; j = (j + 1) & x->mask)
		if (!strcmp(d->nodes[x->slots[j]].key, key))
			return x->slots[j];
	return -1;
}

/* Containers with more children than this are searched through a
 * key_index when their keys come back in another order. */
#define KEYS_BY_SCAN 16

/* Node j of b is node i of a (the same path): carry the expansion and the
 * highlights over, and down to the children with the same key (objects,
 * maps) or index (lists). O(nodes), no strings built. */
static void carry(const struct lson_doc *a, const unsigned char *fa, int i,
		  const struct lson_doc *b, unsigned char *fb, int j)
{
	const struct lson_node *na = &a->nodes[i], *nb = &b->nodes[j];
	fb[j] = fa[i] & (F_EXPANDED | F_ADDED | F_CHANGED);
	if (!na->n_children || !nb->n_children)
		return;
	struct key_index idx = {NULL, 0};
	bool no_index = false; /* building it failed: scan instead */
	int ci = i + 1, ka = 0; /* the next child of i to try, and its position */
	int cj = j + 1;
	for (int k = 0; k < nb->n_children; k++, cj += b->nodes[cj].subtree + 1) {
		const char *key = b->nodes[cj].key;
		int match = -1;
		if (ka < na->n_children) {
			const char *ak = a->nodes[ci].key;
			if (key ? ak && !strcmp(ak, key) : !ak)
				match = ci;
		}
		/* Keys in another order: look the key up. */
		if (match < 0 && key && na->n_children > KEYS_BY_SCAN && !idx.slots && !no_index)
			no_index = !key_index_build(&idx, a, i);
		if (match < 0 && key && idx.slots) {
			match = key_index_find(&idx, a, key);
		} else if (match < 0 && key) {
			int c = i + 1;
			for (int m = 0; m < na->n_children; m++, c += a->nodes[c].subtree + 1)
				if (a->nodes[c].key && !strcmp(a->nodes[c].key, key)) {
					match = c;
					break;
				}
		}
		if (match < 0)
			continue;
		carry(a, fa, match, b, fb, cj);
		ci = match + a->nodes[match].subtree + 1;
		ka = a->nodes[match].index + 1;
	}
	free(idx.slots);
}

/* Highlight the nodes of doc named by the deltas. */
static void mark_deltas(const struct lson_doc *doc, unsigned char *flags,
			const struct lson_delta *dl, size_t n)
{
	if (n <= DELTAS_BY_LOOKUP) {
		for (size_t k = 0; k < n; k++) {
			if (dl[k].kind == LSON_REMOVED)
				continue;
			int j = lson_find(doc, dl[k].path);
			if (j >= 0)
				flags[j] |= dl[k].kind == LSON_ADDED ? F_ADDED : F_CHANGED;
		}
		return;
	}
	struct pathset ps;
	struct walker w;
	memset(&ps, 0, sizeof(ps));
	memset(&w, 0, sizeof(w));
	for (size_t k = 0; k < n; k++)
		if (dl[k].kind != LSON_REMOVED)
			ps_put(&ps, dl[k].path, strlen(dl[k].path),
			       dl[k].kind == LSON_ADDED ? F_ADDED : F_CHANGED);
	for (int i = 0; i < (int)doc->n; i++) {
		size_t len = wk_path(&w, doc, i);
		if (len == (size_t)-1)
			break;
		flags[i] |= ps_get(&ps, w.buf, len);
	}
	ps_free(&ps);
	wk_free(&w);
}

/* Set F_INSIDE on the ancestors of marked nodes and count them. */
static void mark_ancestors(struct tree *t)
{
	const struct lson_doc *d = t->doc;
	t->n_marked = 0;
	for (size_t i = 0; i < d->n; i++)
		t->flags[i] &= (unsigned char)~F_INSIDE;
	for (size_t i = 0; i < d->n; i++) {
		if (!(t->flags[i] & (F_ADDED | F_CHANGED)))
			continue;
		t->n_marked++;
		for (int p = d->nodes[i].parent; p >= 0 && !(t->flags[p] & F_INSIDE);
		     p = d->nodes[p].parent)
			t->flags[p] |= F_INSIDE;
	}
}

size_t tree_set_doc(struct tree *t, struct lson_doc *doc, bool track, long long now)
{
	if (!doc || doc == t->doc || !doc->n)
		return 0;
	unsigned char *flags = calloc(doc->n, 1);
	if (!flags)
		return 0;
	struct lson_doc *old = t->doc;
	size_t changes = 0;
	int keep = 0;
	unsigned keep_ghost = 0;
	if (!old) {
		flags[0] = F_EXPANDED;
	} else {
		const struct ghost *g = tree_cursor_ghost(t);
		char *cursor_path = g ? strdup(g->path) : tree_selected_path(t);
		keep_ghost = g ? g->serial : 0;
		carry(old, t->flags, 0, doc, flags, 0);
		if (track) {
			struct lson_delta *dl = NULL;
			changes = lson_diff(old, doc, &dl);
			for (size_t k = 0; k < changes; k++) {
				const struct tree_change *c = log_add(t, &dl[k], now);
				if (c && dl[k].kind == LSON_REMOVED)
					ghost_add(t, old, doc, c, now);
			}
			mark_deltas(doc, flags, dl, changes);
			lson_deltas_free(&dl, changes);
			t->n_changes += changes;
		}
		flags[0] |= F_EXPANDED;
		/* The cursor stays on its path, or the closest ancestor left. */
		keep = -1;
		while (cursor_path && keep < 0) {
			keep = lson_find(doc, cursor_path);
			if (keep >= 0)
				break;
			char *slash = strrchr(cursor_path, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
		if (keep < 0)
			keep = 0;
		free(cursor_path);
	}
	lson_unref(&t->doc);
	t->doc = lson_ref(doc);
	free(t->flags);
	t->flags = flags;
	tree_json_drop(t);
	hits_drop(t);
	ghosts_place(t, doc);
	mark_ancestors(t);
	int e = ghost_entry(t, keep_ghost);
	rebuild_at(t, e != INT_MIN ? e : keep);
	return changes;
}

size_t tree_marks(const struct tree *t)
{
	return t->n_marked;
}

size_t tree_change_count(const struct tree *t)
{
	return t->n_changes;
}

void tree_clear_marks(struct tree *t)
{
	int keep = tree_selected(t);
	const struct ghost *g = tree_cursor_ghost(t);
	if (g)
		keep = g->parent;
	if (t->doc)
		for (size_t i = 0; i < t->doc->n; i++)
			t->flags[i] &= F_EXPANDED;
	t->n_marked = 0;
	t->n_changes = 0;
	if (t->n_ghosts) {
		ghosts_free(t);
		rebuild(t, keep);
	}
}

/* ---- moving, expanding, searching -------------------------------------------- */

static void set_depth(struct tree *t, int depth)
{
	const struct lson_doc *d = t->doc;
	for (size_t i = 0; i < d->n; i++) {
		if (d->nodes[i].depth < depth)
			t->flags[i] |= F_EXPANDED;
		else
			t->flags[i] &= (unsigned char)~F_EXPANDED;
	}
	t->flags[0] |= F_EXPANDED;
}

bool tree_action(struct tree *t, enum action a, int height)
{
	if (height > 0)
		t->height = height;
	if (!t->doc || !t->n_vis)
		return false;
	if (list_move(&t->pos, t->n_vis, t->height, a))
		return true;
	const struct lson_doc *d = t->doc;
	int i = tree_selected(t);
	const struct ghost *g = tree_cursor_ghost(t);
	if (g) {
		/* A removed node has nothing to open: its parent's keys work
		 * from it, and h or p go to the parent. */
		if (a == ACTION_ENTER || a == ACTION_TREE_EXPAND)
			return true;
		if (a == ACTION_TREE_COLLAPSE || a == ACTION_TREE_PARENT) {
			t->pos.cursor = row_of(t, g->parent);
			list_clamp(&t->pos, t->n_vis, t->height);
			return true;
		}
		i = g->parent;
	}
	const struct lson_node *nd = &d->nodes[i];
	switch (a) {
	case ACTION_ENTER:
		if (!tree_node_expandable(nd))
			return false;
		t->flags[i] ^= F_EXPANDED;
		rebuild(t, i);
		return true;
	case ACTION_TREE_EXPAND:
		if (!tree_node_expandable(nd))
			return false;
		if (!(t->flags[i] & F_EXPANDED)) {
			t->flags[i] |= F_EXPANDED;
			rebuild(t, i);
		} else {
			t->pos.cursor++;
			list_clamp(&t->pos, t->n_vis, t->height);
		}
		return true;
	case ACTION_TREE_COLLAPSE:
		if (tree_node_expandable(nd) && (t->flags[i] & F_EXPANDED) && i != 0) {
			t->flags[i] &= (unsigned char)~F_EXPANDED;
			rebuild(t, i);
			return true;
		}
		if (nd->parent < 0)
			return false;
		t->pos.cursor = row_of(t, nd->parent);
		list_clamp(&t->pos, t->n_vis, t->height);
		return true;
	case ACTION_TREE_PARENT:
		if (nd->parent < 0)
			return false;
		t->pos.cursor = row_of(t, nd->parent);
		list_clamp(&t->pos, t->n_vis, t->height);
		return true;
	case ACTION_TREE_EXPAND_ALL:
		for (int j = i; j <= i + nd->subtree; j++)
			t->flags[j] |= F_EXPANDED;
		rebuild(t, i);
		return true;
	case ACTION_TREE_COLLAPSE_ALL:
		for (size_t j = 1; j < d->n; j++)
			t->flags[j] &= (unsigned char)~F_EXPANDED;
		t->flags[0] |= F_EXPANDED;
		rebuild(t, i);
		return true;
	default:
		if (a >= ACTION_TREE_DEPTH_1 && a <= ACTION_TREE_DEPTH_9) {
			set_depth(t, (int)(a - ACTION_TREE_DEPTH_1) + 1);
			rebuild(t, i);
			return true;
		}
		return false;
	}
}

void tree_reveal(struct tree *t, int i, int height)
{
	if (height > 0)
		t->height = height;
	if (!t->doc || i < 0 || i >= (int)t->doc->n)
		return;
	for (int p = t->doc->nodes[i].parent; p >= 0; p = t->doc->nodes[p].parent)
		t->flags[p] |= F_EXPANDED;
	rebuild(t, i);
	/* Show the match with some context above it. */
	if (t->pos.cursor - t->pos.top < 2 || t->pos.cursor >= t->pos.top + t->height) {
		t->pos.top = t->pos.cursor - t->height / 3;
		list_clamp(&t->pos, t->n_vis, t->height);
	}
}

/* The matches of pattern, found once per pattern and document. */
static bool find_hits(struct tree *t, const char *pattern)
{
	if (t->hits_pattern && !strcmp(t->hits_pattern, pattern))
		return true;
	hits_drop(t);
	int *hits = NULL;
	size_t n = lson_search_all(t->doc, pattern, &hits);
	if (n == (size_t)-1 || !(t->hits_pattern = strdup(pattern))) {
		free(hits);
		return false;
	}
	t->hits = hits;
	t->n_hits = n;
	return true;
}

bool tree_search(struct tree *t, const char *pattern, int dir, int height)
{
	if (!t->doc || !pattern || !pattern[0] || !find_hits(t, pattern) || !t->n_hits)
		return false;
	/* From the node under the cursor (a removed node's: its parent). */
	int from = tree_selected(t);
	const struct ghost *g = tree_cursor_ghost(t);
	if (g)
		from = g->parent;
	if (from < 0)
		from = 0;
	/* k: the first match at or after from. */
	size_t lo = 0, hi = t->n_hits;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->hits[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t k = lo;
	if (dir < 0)
		k = k > 0 ? k - 1 : t->n_hits - 1;
	else if (dir > 0 && k < t->n_hits && t->hits[k] == from)
		k++;
	if (k >= t->n_hits)
		k = 0;
	tree_reveal(t, t->hits[k], height);
	t->hit_rank = k + 1;
	return true;
}

size_t tree_search_count(const struct tree *t, size_t *rank)
{
	*rank = t->hit_rank;
	return t->n_hits;
}

/* ---- the change log ----------------------------------------------------------- */

const struct tree_change *tree_changes(const struct tree *t, size_t *n)
{
	*n = t->n_log;
	return t->log;
}

char *tree_change_log(const struct tree *t, const char *path, long long now, size_t max)
{
	struct buf b;
	size_t lines = 0;
	buf_init(&b);
	buf_adds(&b, "");
	for (size_t k = t->n_log; k-- > 0 && (max == 0 || lines < max);) {
		const struct tree_change *c = &t->log[k];
		/* Changes below path, and the addition or removal of path itself
		 * or of an ancestor. */
		if (path[0] && !under(c->path, path) && !under(path, c->path))
			continue;
		char age[32];
		format_age((now - c->at_ms) / 1000, age, sizeof(age));
		const char *p = c->path[0] ? c->path : "/";
		lines++;
		switch (c->kind) {
		case LSON_ADDED:
			buf_printf(&b, "%s: added %s, %s ago\n", p, c->after ? c->after : "", age);
			break;
		case LSON_REMOVED:
			buf_printf(&b, "%s: removed (was %s), %s ago\n", p,
				   c->before ? c->before : "", age);
			break;
		default:
			buf_printf(&b, "%s: %s → %s, %s ago\n", p, c->before ? c->before : "",
				   c->after ? c->after : "", age);
			break;
		}
	}
	return buf_steal(&b);
}
