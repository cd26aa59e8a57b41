#include "lbconfig.h"

#include "draw.h"

#include <stdlib.h>
#include <string.h>

#include "term_safe.h"

void list_clamp(struct list_pos *p, int count, int height)
{
	if (height < 1)
		height = 1;
	if (p->cursor >= count)
		p->cursor = count - 1;
	if (p->cursor < 0)
		p->cursor = 0;
	if (p->top > p->cursor)
		p->top = p->cursor;
	if (p->cursor >= p->top + height)
		p->top = p->cursor - height + 1;
	if (p->top > count - height)
		p->top = count - height;
	if (p->top < 0)
		p->top = 0;
}

bool list_move(struct list_pos *p, int count, int height, enum action a)
{
	int page = height > 1 ? height - 1 : 1;

	switch (a) {
	case ACTION_MOVE_UP: p->cursor--; break;
	case ACTION_MOVE_DOWN: p->cursor++; break;
	case ACTION_PAGE_UP:
		p->cursor -= page;
		p->top -= page;
		break;
	case ACTION_PAGE_DOWN:
		p->cursor += page;
		p->top += page;
		break;
	case ACTION_MOVE_FIRST: p->cursor = 0; break;
	case ACTION_MOVE_LAST: p->cursor = count - 1; break;
	default: return false;
	}
	list_clamp(p, count, height);
	return true;
}

attr_t list_row_attr(const struct list_pos *p, int i, bool focused)
{
	if (i != p->cursor)
		return 0;
	return theme_attr(focused ? THEME_CURSOR : THEME_CURSOR_BLUR);
}

int list_find(int n, int from, int dir, list_match_fn match, const void *ctx, const char *pattern)
{
	int start = from + (dir == 0 ? 0 : dir);
	for (int k = 0; k < n; k++) {
		int i = ((start + (dir < 0 ? -k : k)) % n + n) % n;
		if (match(ctx, i, pattern))
			return i;
	}
	return -1;
}

bool list_search(struct list_pos *p, int n, int height, int dir, list_match_fn match,
		 const void *ctx, const char *pattern)
{
	int i = list_find(n, p->cursor, dir, match, ctx, pattern);
	if (i < 0)
		return false;
	p->cursor = i;
	list_clamp(p, n, height);
	return true;
}

void scroll_clamp(int *top, int n, int height)
{
	if (*top > n - height)
		*top = n - height;
	if (*top < 0)
		*top = 0;
}

bool scroll_move(int *top, int height, int last, enum action a)
{
	int page = height > 1 ? height - 1 : 1;

	switch (a) {
	case ACTION_MOVE_UP: (*top)--; break;
	case ACTION_MOVE_DOWN: (*top)++; break;
	case ACTION_PAGE_UP: *top -= page; break;
	case ACTION_PAGE_DOWN: *top += page; break;
	case ACTION_MOVE_FIRST: *top = 0; break;
	case ACTION_MOVE_LAST: *top = last; break;
	default: return false;
	}
	if (*top < 0)
		*top = 0;
	return true;
}

void draw_safe(WINDOW *win, int y, int x, int width, const char *safe, attr_t attr)
{
	char cell[4096];

	if (width <= 0)
		return;
	ts_fit_pad(safe, width, cell, sizeof(cell));
	wattrset(win, attr);
	mvwaddstr(win, y, x, cell);
}

void draw_text(WINDOW *win, int y, int x, int width, const char *raw, attr_t attr)
{
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	if (!safe)
		return;
	draw_safe(win, y, x, width, safe, attr);
	free(safe);
}

void draw_text_middle(WINDOW *win, int y, int x, int width, const char *raw, attr_t attr)
{
	char cell[4096];

	if (width <= 0)
		return;
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	if (!safe)
		return;
	/* Room for the padding after the text. */
	size_t room =
	    (size_t)width < sizeof(cell) / 2 ? sizeof(cell) - (size_t)width : sizeof(cell) / 2;
	int used = ts_fit_middle(safe, width, cell, room);
	size_t len = strlen(cell);
	while (used++ < width && len + 1 < sizeof(cell))
		cell[len++] = ' ';
	cell[len] = '\0';
	free(safe);
	wattrset(win, attr);
	mvwaddstr(win, y, x, cell);
}

static int columns_total(const struct column *c, int n)
{
	int total = 0, shown = 0;
	for (int i = 0; i < n; i++)
		if (c[i].width > 0) {
			total += c[i].width;
			shown++;
		}
	return total + (shown > 1 ? shown - 1 : 0);
}

void columns_fit(struct column *c, int n, int width)
{
	int lowest = 0;
	for (int i = 0; i < n; i++) {
		c[i].width = c[i].want > 0 ? c[i].want : 1;
		if (c[i].prio > lowest)
			lowest = c[i].prio;
	}
	for (int prio = lowest; prio >= 0; prio--) {
		for (int i = n - 1; i >= 0; i--) {
			int excess = columns_total(c, n) - width;
			if (excess <= 0)
				break;
			if (c[i].prio != prio || c[i].width == 0)
				continue;
			int give = c[i].width - c[i].min;
			if (give > 0)
				c[i].width -= give < excess ? give : excess;
			if (columns_total(c, n) > width && prio > 0)
				c[i].width = 0;
		}
	}
	/* Only columns of priority 0 are left, at their minimum. */
	for (int i = n - 1; i >= 0; i--) {
		int excess = columns_total(c, n) - width;
		if (excess <= 0)
			break;
		if (c[i].width > 1)
			c[i].width -= c[i].width - 1 < excess ? c[i].width - 1 : excess;
	}
	int left = width - columns_total(c, n);
	for (int prio = 0; prio <= lowest && left > 0; prio++)
		for (int i = 0; i < n && left > 0; i++)
			if (c[i].prio == prio && c[i].width > 0 && c[i].width < c[i].want &&
			    !c[i].rest) {
				int take = c[i].want - c[i].width;
				if (take > left)
					take = left;
				c[i].width += take;
				left -= take;
			}
	for (int i = 0; i < n && left > 0; i++)
		if (c[i].rest && c[i].width > 0) {
			c[i].width += left;
			left = 0;
		}
}

void draw_safe_matches(WINDOW *win, int y, int x, int width, const char *safe, attr_t attr,
		       const char *pattern)
{
	draw_safe(win, y, x, width, safe, attr);
	char *pat = pattern && pattern[0] ? ts_sanitize(pattern, (size_t)-1) : NULL;
	size_t plen = pat ? strlen(pat) : 0;
	for (const char *p = plen ? strcasestr(safe, pat) : NULL; p; p = strcasestr(p + plen, pat)) {
		char *before = strndup(safe, (size_t)(p - safe));
		char *match = strndup(p, plen);
		int col = before ? ts_width(before) : width;
		if (match && col < width)
			draw_safe(win, y, x + col, width - col < ts_width(match) ? width - col
									: ts_width(match),
				  match, theme_attr(THEME_MATCH));
		free(before);
		free(match);
		if (col >= width)
			break;
	}
	free(pat);
}

void draw_blank(WINDOW *win, int y, attr_t attr)
{
	int w = getmaxx(win);
	wattrset(win, attr);
	wmove(win, y, 0);
	for (int i = 0; i < w; i++)
		waddch(win, ' ');
}

void draw_cells(WINDOW *win, int y, const struct cell *cells, int n, attr_t row_attr)
{
	int w = getmaxx(win);
	int x = 0;

	draw_blank(win, y, row_attr ? row_attr : theme_attr(THEME_DEFAULT));
	for (int i = 0; i < n && x < w; i++) {
		if (cells[i].width == 0)
			continue;
		int cw = cells[i].width < 0 || x + cells[i].width > w ? w - x : cells[i].width;
		attr_t attr = row_attr ? row_attr : theme_attr(cells[i].el);
		if (cells[i].middle)
			draw_text_middle(win, y, x, cw, cells[i].text, attr);
		else
			draw_text(win, y, x, cw, cells[i].text, attr);
		x += cw + 1;
	}
}

int draw_width(const char *raw)
{
	char *safe = ts_sanitize(raw, (size_t)-1);
	int w = safe ? ts_width(safe) : 0;
	free(safe);
	return w;
}

void draw_field_lines(WINDOW *win, char *const *lines, int n, int top)
{
	int h = getmaxy(win), w = getmaxx(win);
	for (int row = 0; row < h && top + row < n; row++) {
		const char *line = lines[top + row];
		enum theme_element el = line[0] == ' ' ? THEME_VALUE : THEME_KEY;
		draw_safe(win, row, 1, w - 1, line, theme_attr(el));
	}
}

void draw_notice(WINDOW *win, const char *text, attr_t attr)
{
	int h = getmaxy(win), w = getmaxx(win);
	char *safe = ts_sanitize(text, (size_t)-1);
	if (!safe)
		return;
	int tw = ts_width(safe);
	int x = tw < w ? (w - tw) / 2 : 0;
	draw_safe(win, h / 2, x, w - x, safe, attr);
	free(safe);
}

void draw_detail_lines(WINDOW *win, int top, const struct detail_line *lines, int n)
{
	int h = getmaxy(win), w = getmaxx(win), row = 0;

	for (int i = top < 0 ? 0 : top; i < n && row < h; i++) {
		if (!lines[i].value)
			continue;
		draw_safe(win, row, 1, 9, lines[i].key, theme_attr(THEME_KEY));
		draw_text(win, row, 11, w - 11, lines[i].value,
		          theme_attr(i == n - 1 ? THEME_MUTED : THEME_VALUE));
		row++;
	}
}
