/* Drawing shared by every view: terminal-safe text in columns, list
 * cursor and scrolling. Views fill cells; these functions paint them. */
#ifndef LB_DRAW_H
#define LB_DRAW_H

#include <curses.h>
#include <stdbool.h>

#include "actions.h"
#include "theme.h"

/* Cursor and scroll position of a list of count rows shown in height rows. */
struct list_pos {
	int top;
	int cursor;
};

/* Keep cursor in [0, count) and visible. */
void list_clamp(struct list_pos *p, int count, int height);
/* Apply a movement action; false when a is not one. */
bool list_move(struct list_pos *p, int count, int height, enum action a);
/* The attribute of list row i: the cursor's, or 0 for the row's own. */
attr_t list_row_attr(const struct list_pos *p, int i, bool focused);

/* Whether item i of ctx matches pattern. */
typedef bool (*list_match_fn)(const void *ctx, int i, const char *pattern);
/* The next (dir 1), previous (-1) or first from `from` (0) of n items that
 * matches, wrapping around; -1 when none does. */
int list_find(int n, int from, int dir, list_match_fn match, const void *ctx, const char *pattern);
/* Move the cursor to list_find's match from it; false when none. */
bool list_search(struct list_pos *p, int n, int height, int dir, list_match_fn match,
		 const void *ctx, const char *pattern);

/* Keep the first shown line of a text of n lines in height rows in range. */
void scroll_clamp(int *top, int n, int height);
/* Apply a movement action to a text's first shown line (last: where
 * ACTION_MOVE_LAST goes; the next draw clamps it); false when a is not one. */
bool scroll_move(int *top, int height, int last, enum action a);

/* One cell of a row: raw text (sanitized here), its width, its element. */
struct cell {
	const char *text;
	int width; /* columns; 0: not shown; the last cell may be -1 for "the rest" */
	enum theme_element el;
	bool middle; /* cut in the middle, not at the end (IDs) */
};

/* A column of a list, for columns_fit: how wide it would like to be, how
 * narrow it may get before it is dropped, and its priority (0 first). */
struct column {
	int want;
	int min;
	int prio;
	bool rest; /* takes what is left over */
	int width; /* set by columns_fit; 0 when dropped */
};

/* Share width columns among the n columns (one space between two): while
 * they do not fit, the lowest priority shrinks to its minimum, then goes;
 * then the next. A column of priority 0 is never dropped, and shrinks
 * below its minimum only when it is alone with others of priority 0. Room
 * left goes back in priority order (up to what each wants), then to the
 * rest column. */
void columns_fit(struct column *c, int n, int width);

/* Draw cells on row y of win separated by one space, with row_attr over
 * everything when non-zero (the cursor line). Text is sanitized; cells of
 * width 0 are skipped. */
void draw_cells(WINDOW *win, int y, const struct cell *cells, int n, attr_t row_attr);

/* Draw raw (unsanitized) text at y, x, cut to width columns. */
void draw_text(WINDOW *win, int y, int x, int width, const char *raw, attr_t attr);
/* The same for text that is already terminal-safe. */
void draw_safe(WINDOW *win, int y, int x, int width, const char *safe, attr_t attr);
/* draw_text with a cut in the middle ("globex:…ticket-1004"). */
void draw_text_middle(WINDOW *win, int y, int x, int width, const char *raw, attr_t attr);

/* draw_safe, then every match of pattern (raw, any case) drawn in the
 * match colour. */
void draw_safe_matches(WINDOW *win, int y, int x, int width, const char *safe, attr_t attr,
		       const char *pattern);

/* Fill row y with spaces in attr. */
void draw_blank(WINDOW *win, int y, attr_t attr);

/* Terminal columns of raw text once sanitized (0 when out of memory). */
int draw_width(const char *raw);

/* Terminal-safe "key" / "  value" lines from row 0, line top first: keys
 * in one colour, values in another. */
void draw_field_lines(WINDOW *win, char *const *lines, int n, int top);

/* A line of a detail pane: its label and its raw value (NULL: the line
 * is left out). */
struct detail_line {
	const char *key, *value;
};
/* Draw lines from the top-th on, labels in a column of their own; the
 * last line is the pane's hint of keys, muted. */
void draw_detail_lines(WINDOW *win, int top, const struct detail_line *lines, int n);

/* A centered one-line notice ("Loading rooms…", "No rooms"). */
void draw_notice(WINDOW *win, const char *text, attr_t attr);

#endif
