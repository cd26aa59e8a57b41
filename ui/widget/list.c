#include "lbconfig.h"

#include "list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

bool list_item_matches(const struct list_table *t, const void *item, const char *pattern)
{
	char buf[LIST_TEXT_MAX];

	if (!pattern || !pattern[0])
		return true;
	for (int c = 0; c < t->n_cols; c++)
		if (strcasestr(t->cols[c].text(item, 0, buf, sizeof(buf)), pattern))
			return true;
	return false;
}

/* What the sort compares, made once per item so that the n log n
 * comparisons only read it. */
struct sort_keys {
	const struct list_column *col;
	const void *const *items;
	char **texts;    /* by text */
	long long *nums; /* by number */
	bool descending;
};

static int compare_items(const struct sort_keys *k, int a, int b)
{
	int c;
	if (k->col->compare) {
		c = k->col->compare(k->items[a], k->items[b]);
	} else if (k->nums) {
		c = (k->nums[a] > k->nums[b]) - (k->nums[a] < k->nums[b]);
	} else {
		c = strcasecmp(k->texts[a], k->texts[b]);
		if (c == 0)
			c = strcmp(k->texts[a], k->texts[b]);
	}
	return k->descending ? -c : c;
}

/* Sort v[0..n) (item indexes) by k, stably: a merge sort, so that equal
 * items keep the order of the data whichever way the column sorts. */
static void merge_sort(int *v, int *tmp, int n, const struct sort_keys *k)
{
	for (int width = 1; width < n; width *= 2) {
		for (int lo = 0; lo < n; lo += 2 * width) {
			int mid = lo + width < n ? lo + width : n;
			int hi = lo + 2 * width < n ? lo + 2 * width : n;
			int i = lo, j = mid, o = lo;
			while (i < mid && j < hi)
				tmp[o++] = compare_items(k, v[j], v[i]) < 0 ? v[j++] : v[i++];
			while (i < mid)
				tmp[o++] = v[i++];
			while (j < hi)
				tmp[o++] = v[j++];
		}
		memcpy(v, tmp, (size_t)n * sizeof(*v));
	}
}

/* The keys of column col for the n items of data. False when out of
 * memory. */
static bool keys_make(struct sort_keys *k, const struct list_table *t, const void *data, int n,
                      const struct list_order *o)
{
	char buf[LIST_TEXT_MAX];

	memset(k, 0, sizeof(*k));
	k->col = &t->cols[o->sort];
	k->descending = o->descending;
	const void **items = calloc((size_t)n + 1, sizeof(*items));
	k->items = items;
	if (!items)
		return false;
	for (int i = 0; i < n; i++)
		items[i] = t->item(data, i);
	if (k->col->compare)
		return true;
	if (k->col->number) {
		k->nums = calloc((size_t)n + 1, sizeof(*k->nums));
		if (!k->nums)
			return false;
		for (int i = 0; i < n; i++)
			k->nums[i] = k->col->number(items[i]);
		return true;
	}
	k->texts = calloc((size_t)n + 1, sizeof(*k->texts));
	if (!k->texts)
		return false;
	for (int i = 0; i < n; i++)
		if (!(k->texts[i] = strdup(k->col->text(items[i], 0, buf, sizeof(buf)))))
			return false;
	return true;
}

static void keys_free(struct sort_keys *k, int n)
{
	if (k->texts)
		for (int i = 0; i < n; i++)
			free(k->texts[i]);
	free(k->texts);
	free(k->nums);
	free((void *)k->items);
}

int list_rows(const struct list_table *t, const void *data, const struct list_order *o, int **rows)
{
	int n = t->count(data);
	int *v = malloc(((size_t)n + 1) * sizeof(*v));
	int shown = 0;

	*rows = NULL;
	if (!v)
		return -1;
	bool filtered = o->filter && o->filter[0];
	for (int i = 0; i < n; i++) {
		const void *item = t->item(data, i);
		if ((!filtered || list_item_matches(t, item, o->filter)) &&
		    (!o->keep || o->keep(item, o->keep_ud)))
			v[shown++] = i;
	}
	if (o->sort >= 0 && o->sort < t->n_cols && shown > 1) {
		struct sort_keys k;
		int *tmp = malloc((size_t)shown * sizeof(*tmp));
		bool ok = tmp && keys_make(&k, t, data, n, o);
		if (ok)
			merge_sort(v, tmp, shown, &k);
		if (tmp)
			keys_free(&k, n);
		free(tmp);
		if (!ok) {
			free(v);
			return -1;
		}
	}
	*rows = v;
	return shown;
}

int list_sort_step(int sort, int n_cols, int dir)
{
	int next = sort + (dir < 0 ? -1 : 1);
	if (next >= n_cols)
		return -1;
	if (next < -1)
		return n_cols - 1;
	return next;
}

bool list_csv_field(struct buf *b, const char *text)
{
	size_t len = strlen(text);
	bool quote = strpbrk(text, ",\"\r\n") != NULL ||
	             (len > 0 && (text[0] == ' ' || text[len - 1] == ' '));

	if (!quote)
		return buf_add(b, text, len);
	bool ok = buf_add(b, "\"", 1);
	for (const char *p = text; ok && *p; p++)
		ok = *p == '"' ? buf_add(b, "\"\"", 2) : buf_add(b, p, 1);
	return ok && buf_add(b, "\"", 1);
}

bool list_format_of(const char *path, enum list_format *f)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!dot || dot == path || (slash && dot < slash) || dot[-1] == '/')
		return false;
	if (!strcasecmp(dot, ".csv"))
		*f = LIST_CSV;
	else if (!strcasecmp(dot, ".json"))
		*f = LIST_JSON;
	else
		return false;
	return true;
}

static bool export_csv(const struct list_table *t, const void *data, const int *rows, int n,
                       struct buf *out)
{
	char buf[LIST_TEXT_MAX];
	bool ok = true;

	for (int c = 0; ok && c < t->n_cols; c++)
		ok = (c == 0 || buf_add(out, ",", 1)) && list_csv_field(out, t->cols[c].title);
	ok = ok && buf_add(out, "\r\n", 2);
	for (int r = 0; ok && r < n; r++) {
		const void *item = t->item(data, rows ? rows[r] : r);
		for (int c = 0; ok && c < t->n_cols; c++)
			ok = (c == 0 || buf_add(out, ",", 1)) &&
			     list_csv_field(out, t->cols[c].text(item, 0, buf, sizeof(buf)));
		ok = ok && buf_add(out, "\r\n", 2);
	}
	return ok;
}

static bool export_json(const struct list_table *t, const void *data, const int *rows, int n,
                        struct buf *out)
{
	char buf[LIST_TEXT_MAX];
	bool ok = buf_adds(out, n ? "[\n" : "[");

	for (int r = 0; ok && r < n; r++) {
		const void *item = t->item(data, rows ? rows[r] : r);
		ok = buf_adds(out, "  {");
		for (int c = 0; ok && c < t->n_cols; c++)
			ok = (c == 0 || buf_adds(out, ", ")) &&
			     buf_json_string(out, t->cols[c].name) && buf_adds(out, ": ") &&
			     buf_json_string(out, t->cols[c].text(item, 0, buf, sizeof(buf)));
		ok = ok && buf_adds(out, r + 1 < n ? "},\n" : "}\n");
	}
	return ok && buf_adds(out, "]\n");
}

bool list_export(const struct list_table *t, const void *data, const int *rows, int n,
                 enum list_format f, struct buf *out)
{
	return f == LIST_CSV ? export_csv(t, data, rows, n, out)
	                     : export_json(t, data, rows, n, out);
}

bool list_export_file(const struct list_table *t, const void *data, const int *rows, int n,
                      const char *path, bool force, struct lb_error *err)
{
	enum list_format f;
	struct buf b;

	if (!list_format_of(path, &f)) {
		lb_error_set(err, LB_USAGE,
		             "%s: the file name says the format: end it in .csv or .json", path);
		return false;
	}
	buf_init(&b);
	if (!list_export(t, data, rows, n, f, &b)) {
		buf_free(&b);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	/* "x": never over a file that is there, even one made just now. */
	FILE *fp = fopen(path, force ? "w" : "wx");
	if (!fp) {
		if (errno == EEXIST)
			lb_error_set(err, LB_USAGE, "%s exists: add --force to overwrite it", path);
		else
			lb_error_set(err, LB_USAGE, "cannot write %s: %s", path, strerror(errno));
		buf_free(&b);
		return false;
	}
	bool ok = fwrite(b.data, 1, b.len, fp) == b.len;
	int saved = errno;
	if (fclose(fp) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	buf_free(&b);
	if (!ok) {
		/* Half a file would pass for the list. */
		unlink(path);
		lb_error_set(err, LB_USAGE, "cannot write %s: %s", path, strerror(saved));
	}
	return ok;
}
