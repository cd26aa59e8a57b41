/* A list described by a table of columns (tig's view_column_data): each
 * column says what its header is, how it shares a narrow terminal, how an
 * item's text is made and how items sort. The rows shown are the items
 * that pass the filter, in the order of the sort column. Nothing here
 * draws (listview.c does), so the rows, the sort, the filter and the
 * export are tested without a screen. */
#ifndef LB_LIST_H
#define LB_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "theme.h"
#include "util.h"

/* Room for the text of one cell (a room's whole metadata fits). */
#define LIST_TEXT_MAX 16384
/* The most columns a table may have. */
#define LIST_MAX_COLS 16

struct list_column {
	const char *name;    /* stable: the key of an exported JSON object ("createdAt") */
	const char *title;   /* the header ("CREATED") */
	int want, min, prio; /* how it shares the width (struct column, draw.h) */
	bool rest;           /* takes what is left over */
	bool fit;            /* wants the width of its widest text on screen */
	bool middle;         /* cut in the middle, not at the end (IDs) */
	enum theme_element el;
	/* The text of item (raw: made safe where it is drawn) for a cell width
	 * columns wide; width 0 asks for the whole text (sort, filter, search,
	 * export). It may be written into buf (n bytes). Never NULL. */
	const char *(*text)(const void *item, int width, char *buf, size_t n);
	/* The order of two items by this column: compare when set, else
	 * number when set, else the whole text (ignoring case first). */
	int (*compare)(const void *a, const void *b);
	long long (*number)(const void *item);
};

/* A list's columns and how to reach its items in the data it is given
 * (for a view, its model resource). */
struct list_table {
	const struct list_column *cols;
	int n_cols;
	int (*count)(const void *data);
	const void *(*item)(const void *data, int i);
	/* The item's ID, to follow the selection; buf (n bytes) may hold it. */
	const char *(*id)(const void *item, char *buf, size_t n);
};

/* Which items are shown and in what order. */
struct list_order {
	int sort;           /* the sort column, -1 for the order of the data */
	bool descending;    /* the sort column's order inverted (equal items keep theirs) */
	const char *filter; /* only the items that contain it; NULL or "" for all */
	/* Only the items it keeps too (a view's own filter); NULL: all. */
	bool (*keep)(const void *item, void *ud);
	void *keep_ud;
};

/* Whether any column's whole text of item contains pattern, ignoring case. */
bool list_item_matches(const struct list_table *t, const void *item, const char *pattern);

/* The rows: the indexes of the items shown, in order, into *rows (the
 * caller frees it). Returns how many, -1 when out of memory (*rows NULL). */
int list_rows(const struct list_table *t, const void *data, const struct list_order *o, int **rows);

/* The sort column after moving dir (1 right, -1 left) from sort: past
 * either end comes the order of the data (-1), then the other end. */
int list_sort_step(int sort, int n_cols, int dir);

/* Append text as one CSV field (RFC 4180): in double quotes, doubled
 * inside, when it holds a comma, a quote, CR or LF or starts or ends
 * with a space. False when out of memory. */
bool list_csv_field(struct buf *b, const char *text);

enum list_format { LIST_CSV, LIST_JSON };

/* The format a file name asks for by its extension (.csv, .json, any
 * case); false when it is neither. */
bool list_format_of(const char *path, enum list_format *f);

/* The n rows of data (indexes from list_rows; NULL: the first n items in
 * order), every column's whole text:
 * CSV with a header of the titles and CRLF line ends, or a JSON array of
 * objects keyed by the columns' names. False when out of memory. */
bool list_export(const struct list_table *t, const void *data, const int *rows, int n,
                 enum list_format f, struct buf *out);

/* list_export into the file at path, in the format its extension names;
 * without force, never over a file that exists. False with err (LB_USAGE)
 * saying why. */
bool list_export_file(const struct list_table *t, const void *data, const int *rows, int n,
                      const char *path, bool force, struct lb_error *err);

#endif
