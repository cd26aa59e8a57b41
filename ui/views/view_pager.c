#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "term_safe.h"
#include "view.h"

/* Text read whole: a value, a line of help or JSON too wide for its row,
 * the messages. Lines are wrapped at the window's width in terminal
 * columns (at a space when there is one, never inside a wide character)
 * and rewrapped when the width changes. */

/* One screen row: a piece of a line. */
struct pager_row {
	size_t line;
	size_t off, len; /* bytes of lines[line] */
};

struct pager {
	char *title;  /* terminal-safe */
	char **lines; /* terminal-safe */
	size_t n_lines;
	struct pager_row *rows;
	size_t n_rows;
	int width; /* the rows are wrapped at; 0 before the first draw */
	int top, height;
	/* The messages view: its text comes from the app, again when a
	 * message is added. */
	bool messages;
	unsigned generation;
};

static struct pager *priv(struct view *v)
{
	return v->priv;
}

static void drop_text(struct pager *p)
{
	for (size_t i = 0; i < p->n_lines; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->n_lines = 0;
	free(p->rows);
	p->rows = NULL;
	p->n_rows = 0;
	p->width = 0;
}

/* Split raw text into terminal-safe lines; false when out of memory. */
static bool set_text(struct pager *p, const char *raw)
{
	size_t n = 1;
	for (const char *c = raw; *c; c++)
		n += *c == '\n';
	drop_text(p);
	if (!(p->lines = calloc(n, sizeof(*p->lines))))
		return false;
	const char *s = raw;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		/* A final newline ends the last line rather than starting one. */
		if (!nl && len == 0 && p->n_lines > 0)
			break;
		if (!(p->lines[p->n_lines] = ts_sanitize(s, len)))
			return false;
		p->n_lines++;
		if (!nl)
			break;
		s = nl + 1;
	}
	return true;
}

static bool add_row(struct pager *p, size_t *cap, size_t line, size_t off, size_t len)
{
	if (p->n_rows == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct pager_row *r = realloc(p->rows, nc * sizeof(*r));
		if (!r)
			return false;
		p->rows = r;
		*cap = nc;
	}
	p->rows[p->n_rows++] = (struct pager_row){line, off, len};
	return true;
}

/* Bytes of the UTF-8 character at s. */
static size_t char_len(const char *s)
{
	size_t n = 1;
	while ((s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* Cut every line into rows of at most width columns. */
static void wrap(struct pager *p, int width)
{
	size_t cap = 0;

	free(p->rows);
	p->rows = NULL;
	p->n_rows = 0;
	p->width = width;
	for (size_t i = 0; i < p->n_lines; i++) {
		const char *line = p->lines[i];
		size_t off = 0, len = strlen(line);
		do {
			size_t n = ts_prefix_bytes(line + off, width);
			if (off + n < len) {
				/* Break after the last space that fits, if any. */
				size_t sp = n;
				while (sp > 0 && line[off + sp - 1] != ' ')
					sp--;
				if (sp > 0)
					n = sp;
				else if (n == 0)
					n = char_len(line + off); /* wider than the window */
			}
			if (!add_row(p, &cap, i, off, n))
				return;
			off += n;
		} while (off < len);
	}
}

static void refresh_messages(struct view *v)
{
	struct pager *p = priv(v);
	unsigned gen = app_messages_generation(v->app);
	if (!p->messages || (p->lines && gen == p->generation))
		return;
	char *text = app_messages_text(v->app);
	if (text)
		set_text(p, text);
	free(text);
	p->generation = gen;
}

static void pager_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", priv(v)->title);
}

static void pager_draw(struct view *v, WINDOW *win, bool focused)
{
	struct pager *p = priv(v);
	int h = getmaxy(win), w = getmaxx(win) - 2;

	(void)focused;
	refresh_messages(v);
	if (w < 1)
		w = 1;
	if (w != p->width)
		wrap(p, w);
	p->height = h;
	scroll_clamp(&p->top, (int)p->n_rows, h);
	const char *pattern = app_search_pattern(v->app);
	for (int y = 0; y < h && p->top + y < (int)p->n_rows; y++) {
		const struct pager_row *r = &p->rows[p->top + y];
		char *piece = strndup(p->lines[r->line] + r->off, r->len);
		if (piece)
			draw_safe_matches(win, y, 1, w, piece, theme_attr(THEME_DEFAULT), pattern);
		free(piece);
	}
}

static enum view_result pager_action(struct view *v, enum action a)
{
	struct pager *p = priv(v);
	return scroll_move(&p->top, p->height, (int)p->n_rows, a) ? VIEW_HANDLED : VIEW_IGNORED;
}

/* Whether a match of pattern starts on row i of the pager ctx. */
static bool row_matches(const void *ctx, int i, const char *pattern)
{
	const struct pager *p = ctx;
	const struct pager_row *r = &p->rows[i];
	const char *line = p->lines[r->line];
	const char *m = strcasestr(line + r->off, pattern);
	return m && (size_t)(m - line) < r->off + r->len;
}

static bool pager_search(struct view *v, const char *pattern, int dir)
{
	struct pager *p = priv(v);
	char *safe = ts_sanitize(pattern, (size_t)-1);
	int i = safe && safe[0] ? list_find((int)p->n_rows, p->top, dir, row_matches, p, safe) : -1;
	free(safe);
	if (i < 0)
		return false;
	p->top = i;
	return true;
}

static void pager_status(struct view *v, char *out, size_t n)
{
	struct pager *p = priv(v);
	int last = p->top + p->height < (int)p->n_rows ? p->top + p->height : (int)p->n_rows;
	snprintf(out, n, "rows %d–%d of %zu │ / search, q to go back", p->n_rows ? p->top + 1 : 0,
	         last, p->n_rows);
}

static void pager_free(struct view *v)
{
	struct pager *p = priv(v);
	drop_text(p);
	free(p->title);
	free(p);
	free(v);
}

static const struct view_ops pager_ops = {
    .name = "pager",
    .title = pager_title,
    .draw = pager_draw,
    .action = pager_action,
    .search = pager_search,
    .status = pager_status,
    .free = pager_free,
};

/* The messages are a place (app.c goes back to them rather than opening
 * them twice): a kind of their own. */
static const struct view_ops messages_ops = {
    .name = "messages",
    .title = pager_title,
    .draw = pager_draw,
    .action = pager_action,
    .search = pager_search,
    .status = pager_status,
    .free = pager_free,
};

static struct view *pager_new(struct app *app, const struct view_ops *ops, const char *title,
                              const char *text)
{
	struct view *v = calloc(1, sizeof(*v));
	struct pager *p = calloc(1, sizeof(*p));
	if (!v || !p || !(p->title = ts_sanitize(title, (size_t)-1)) ||
	    (text && !set_text(p, text))) {
		if (p) {
			drop_text(p);
			free(p->title);
		}
		free(p);
		free(v);
		return NULL;
	}
	v->ops = ops;
	v->app = app;
	v->priv = p;
	return v;
}

struct view *view_pager_new(struct app *app, const char *title, const char *text)
{
	return pager_new(app, &pager_ops, title, text ? text : "");
}

struct view *view_messages_new(struct app *app)
{
	struct view *v = pager_new(app, &messages_ops, "messages", NULL);
	if (v) {
		priv(v)->messages = true;
		refresh_messages(v);
	}
	return v;
}

/* Opened by a command (show_view "pager"): opts is its cmd_text_view. */
static struct view *pager_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	const struct cmd_text_view *t = opts;

	(void)where;
	(void)watch;
	return t ? view_pager_new(app, t->title ? t->title : "", t->text) : NULL;
}

/* A text read whole: opened by the app or a command, registered for its
 * keys. */
const struct view_info view_info_pager = {
    .name = "pager",
    .open = pager_open,
};

/* The recent messages: opened by the app, registered for its keys. */
const struct view_info view_info_messages = {
    .name = "messages",
    .place = true,
};
