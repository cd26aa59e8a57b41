#include "lbconfig.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

struct line {
	const char *s;
	size_t len;
};

struct side {
	struct line *lines;
	int *id;      /* equal lines have equal ids */
	bool *change; /* removed (a) or added (b) */
	int n;
};

static bool split_lines(const char *text, struct side *sd)
{
	size_t cap = 16;
	const char *p = text ? text : "";

	sd->n = 0;
	sd->lines = malloc(cap * sizeof(*sd->lines));
	if (!sd->lines)
		return false;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if ((size_t)sd->n == cap) {
			void *v;

			if (cap > (size_t)INT32_MAX / 2)
				return false;
			cap *= 2;
			v = realloc(sd->lines, cap * sizeof(*sd->lines));
			if (!v)
				return false;
			sd->lines = v;
		}
		sd->lines[sd->n].s = p;
		sd->lines[sd->n].len = len;
		sd->n++;
		p += len + (e != NULL);
	}
	sd->id = calloc((size_t)sd->n + 1, sizeof(*sd->id));
	sd->change = calloc((size_t)sd->n + 1, sizeof(*sd->change));
	return sd->id && sd->change;
}

static size_t hash_line(const struct line *l)
{
	size_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < l->len; i++)
		h = (h ^ (unsigned char)l->s[i]) * 1099511628211ULL;
	return h;
}

/* Give every distinct line an id, so the diff compares ints. */
static bool number_lines(struct side *a, struct side *b)
{
	size_t total = (size_t)a->n + (size_t)b->n, size = 16;
	const struct line **first;
	int *ids, next = 0;
	bool ok = false;

	while (size < total * 2)
		size *= 2;
	first = malloc(size * sizeof(*first));
	ids = malloc(size * sizeof(*ids));
	if (!first || !ids)
		goto out;
	for (size_t i = 0; i < size; i++)
		first[i] = NULL;
	for (int s = 0; s < 2; s++) {
		struct side *sd = s ? b : a;

		for (int i = 0; i < sd->n; i++) {
			const struct line *l = &sd->lines[i];
			size_t h = hash_line(l) & (size - 1);

			while (first[h] &&
			       (first[h]->len != l->len || memcmp(first[h]->s, l->s, l->len)))
				h = (h + 1) & (size - 1);
			if (!first[h]) {
				first[h] = l;
				ids[h] = next++;
			}
			sd->id[i] = ids[h];
		}
	}
	ok = true;
out:
	free(first);
	free(ids);
	return ok;
}

struct myers {
	const int *x;
	const int *y;
	bool *cx;
	bool *cy;
	int *v1;
	int *v2;
};

static void compare(struct myers *m, int x0, int x1, int y0, int y1);

/* Find the middle snake of x[x0..x1) and y[y0..y1) (both non-empty) and
 * recurse on both halves. */
static void bisect(struct myers *m, int x0, int x1, int y0, int y1)
{
	int n = x1 - x0, mm = y1 - y0, max_d = (n + mm + 1) / 2, off = max_d, len = 2 * max_d + 2;
	int delta = n - mm, k1start = 0, k1end = 0, k2start = 0, k2end = 0;
	bool front = (delta % 2) != 0;
	const int *x = m->x + x0, *y = m->y + y0;
	int *v1 = m->v1, *v2 = m->v2;

	for (int i = 0; i < len; i++)
		v1[i] = v2[i] = -1;
	v1[off + 1] = 0;
	v2[off + 1] = 0;
	for (int d = 0; d < max_d; d++) {
		for (int k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
			int k1o = off + k1, px, py;

			if (k1 == -d || (k1 != d && v1[k1o - 1] < v1[k1o + 1]))
				px = v1[k1o + 1];
			else
				px = v1[k1o - 1] + 1;
			py = px - k1;
			while (px < n && py < mm && x[px] == y[py])
				px++, py++;
			v1[k1o] = px;
			if (px > n) {
				k1end += 2;
			} else if (py > mm) {
				k1start += 2;
			} else if (front) {
				int k2o = off + delta - k1;

				if (k2o >= 0 && k2o < len && v2[k2o] != -1 && px >= n - v2[k2o]) {
					compare(m, x0, x0 + px, y0, y0 + py);
					compare(m, x0 + px, x1, y0 + py, y1);
					return;
				}
			}
		}
		for (int k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
			int k2o = off + k2, px, py;

			if (k2 == -d || (k2 != d && v2[k2o - 1] < v2[k2o + 1]))
				px = v2[k2o + 1];
			else
				px = v2[k2o - 1] + 1;
			py = px - k2;
			while (px < n && py < mm && x[n - px - 1] == y[mm - py - 1])
				px++, py++;
			v2[k2o] = px;
			if (px > n) {
				k2end += 2;
			} else if (py > mm) {
				k2start += 2;
			} else if (!front) {
				int k1o = off + delta - k2;

				if (k1o >= 0 && k1o < len && v1[k1o] != -1) {
					int fx = v1[k1o], fy = off + fx - k1o;

					if (fx >= n - px) {
						compare(m, x0, x0 + fx, y0, y0 + fy);
						compare(m, x0 + fx, x1, y0 + fy, y1);
						return;
					}
				}
			}
		}
	}
	/* nothing in common */
	for (int i = x0; i < x1; i++)
		m->cx[i] = true;
	for (int i = y0; i < y1; i++)
		m->cy[i] = true;
}

static void compare(struct myers *m, int x0, int x1, int y0, int y1)
{
	while (x0 < x1 && y0 < y1 && m->x[x0] == m->y[y0])
		x0++, y0++;
	while (x0 < x1 && y0 < y1 && m->x[x1 - 1] == m->y[y1 - 1])
		x1--, y1--;
	if (x0 == x1) {
		for (int i = y0; i < y1; i++)
			m->cy[i] = true;
	} else if (y0 == y1) {
		for (int i = x0; i < x1; i++)
			m->cx[i] = true;
	} else {
		bisect(m, x0, x1, y0, y1);
	}
}

struct op {
	char tag; /* ' ', '-', '+' */
	int line; /* index in a (' ', '-') or b ('+') */
};

static bool emit_line(struct buf *out, char tag, const struct line *l)
{
	char t[2] = {tag, ' '};

	return buf_add(out, t, 2) && buf_add(out, l->s, l->len) && buf_add(out, "\n", 1);
}

static bool emit_ops(struct buf *out, const struct op *ops, size_t n, const struct side *a,
                     const struct side *b, int context)
{
	size_t i = 0;
	bool ok = true;

	if (context < 0) {
		for (i = 0; ok && i < n; i++)
			ok = emit_line(out, ops[i].tag,
			               ops[i].tag == '+' ? &b->lines[ops[i].line]
			                                 : &a->lines[ops[i].line]);
		return ok;
	}
	while (ok && i < n) {
		size_t first, last, j, k;
		int la = 0, lb = 0, ca = 0, cb = 0;

		while (i < n && ops[i].tag == ' ')
			i++;
		if (i == n)
			break;
		/* the hunk: from context lines before this change to context
		 * lines after the last change closer than 2*context */
		first = i >= (size_t)context ? i - (size_t)context : 0;
		last = i;
		for (j = i; j < n; j++) {
			if (ops[j].tag != ' ') {
				last = j;
			} else if (j - last > 2 * (size_t)context) {
				break;
			}
		}
		k = last + (size_t)context + 1 < n ? last + (size_t)context + 1 : n;
		/* start lines: count lines of a and b before first */
		for (j = 0; j < first; j++) {
			la += ops[j].tag != '+';
			lb += ops[j].tag != '-';
		}
		for (j = first; j < k; j++) {
			ca += ops[j].tag != '+';
			cb += ops[j].tag != '-';
		}
		ok = buf_printf(out, "@@ -%d,%d +%d,%d @@\n", ca ? la + 1 : la, ca,
		                cb ? lb + 1 : lb, cb);
		for (j = first; ok && j < k; j++)
			ok = emit_line(out, ops[j].tag,
			               ops[j].tag == '+' ? &b->lines[ops[j].line]
			                                 : &a->lines[ops[j].line]);
		i = k;
	}
	return ok;
}

void diff_count(const char *diff, size_t *added, size_t *removed)
{
	size_t a = 0, r = 0;

	for (const char *p = diff ? diff : ""; *p;) {
		const char *e = strchr(p, '\n');

		a += p[0] == '+' && p[1] == ' ';
		r += p[0] == '-' && p[1] == ' ';
		if (!e)
			break;
		p = e + 1;
	}
	if (added)
		*added = a;
	if (removed)
		*removed = r;
}

char *diff_unified(const char *ta, const char *tb, int context)
{
	struct side a = {0}, b = {0};
	struct myers m = {0};
	struct op *ops = NULL;
	struct buf out;
	size_t n = 0;
	char *result = NULL;
	bool ok;

	buf_init(&out);
	if (!split_lines(ta, &a) || !split_lines(tb, &b) || !number_lines(&a, &b))
		goto out;
	m.x = a.id;
	m.y = b.id;
	m.cx = a.change;
	m.cy = b.change;
	m.v1 = malloc(((size_t)a.n + (size_t)b.n + 4) * sizeof(int));
	m.v2 = malloc(((size_t)a.n + (size_t)b.n + 4) * sizeof(int));
	ops = malloc(((size_t)a.n + (size_t)b.n + 1) * sizeof(*ops));
	if (!m.v1 || !m.v2 || !ops)
		goto out;
	compare(&m, 0, a.n, 0, b.n);
	for (int i = 0, j = 0; i < a.n || j < b.n;) {
		if (i < a.n && a.change[i]) {
			ops[n++] = (struct op){'-', i++};
		} else if (j < b.n && b.change[j]) {
			ops[n++] = (struct op){'+', j++};
		} else {
			ops[n++] = (struct op){' ', i++};
			j++;
		}
	}
	ok = true;
	for (size_t i = 0; i < n && ok; i++)
		ok = ops[i].tag == ' ';
	if (ok) {
		result = strdup("");
		goto out;
	}
	if (emit_ops(&out, ops, n, &a, &b, context))
		result = buf_steal(&out);
out:
	buf_free(&out);
	free(ops);
	free(m.v1);
	free(m.v2);
	free(a.lines);
	free(a.id);
	free(a.change);
	free(b.lines);
	free(b.id);
	free(b.change);
	return result;
}
