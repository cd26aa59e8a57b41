#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "draw.h"
#include "keymap.h"
#include "term_safe.h"
#include "util.h"
#include "view.h"

/* Keys and commands, generated from the action table and the keymap so the
 * two can never disagree; or any text a command printed. */
struct help_view {
	char *title;
	char **lines; /* terminal-safe; a leading '#' marks a section */
	size_t n;
	int top;    /* a preview scrolls */
	struct list_pos pos; /* other texts have a cursor: Enter reads its line whole */
	int height;
	int width;  /* columns a line has */
	bool diff; /* colour +/- lines (a preview of a change) */
	bool keys; /* the keys and commands */
	size_t cap; /* room in lines */
};

static struct help_view *priv(struct view *v)
{
	return v->priv;
}

static bool push_line(struct help_view *hv, const char *raw)
{
	if (hv->n == hv->cap) {
		/* Doubling: a JSON view can have a line per node. */
		size_t cap = hv->cap ? hv->cap * 2 : 64;
		char **nl = realloc(hv->lines, cap * sizeof(*nl));
		if (!nl)
			return false;
		hv->lines = nl;
		hv->cap = cap;
	}
	char *safe = ts_sanitize(raw, (size_t)-1);
	if (!safe)
		return false;
	hv->lines[hv->n++] = safe;
	return true;
}

static void push_text(struct help_view *hv, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		if (line)
			push_line(hv, line);
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void build_keys(struct help_view *hv, const struct keymap *km)
{
	/* Everywhere, then each view that has a section (views.def). */
	for (size_t s = 0; s == 0 || lb_views[s - 1]; s++) {
		const struct view_info *vi = s ? lb_views[s - 1] : NULL;
		const char *view = vi ? vi->name : "generic";
		char title[128];
		if (vi && !vi->keys_title)
			continue;
		snprintf(title, sizeof(title), "#%s", vi ? vi->keys_title : "Keys everywhere");
		push_line(hv, title);
		for (int a = 1; a < action_count(); a++) {
			char keys[128], line[256], generic[128];
			keymap_keys_for(km, view, (enum action)a, keys, sizeof(keys));
			if (!keys[0])
				continue;
			/* Per-view sections list only what differs from everywhere. */
			if (vi) {
				keymap_keys_for(km, "generic", (enum action)a, generic,
						sizeof(generic));
				if (!strcmp(generic, keys))
					continue;
			}
			snprintf(line, sizeof(line), "  %-20s %s", keys, action_help((enum action)a));
			push_line(hv, line);
		}
		push_line(hv, "");
	}
	push_line(hv, "#Commands (press : to type one; Tab completes)");
	char *cmds = cmd_help(NULL);
	if (cmds) {
		char *p = cmds;
		while (*p) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			char line[512];
			snprintf(line, sizeof(line), "  %s", p);
			push_line(hv, line);
			if (!nl)
				break;
			p = nl + 1;
		}
		free(cmds);
	}
	push_line(hv, "");
	push_line(hv, "  help COMMAND shows a command's options, e.g. :help room create");
}

static void help_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", priv(v)->title);
}

static enum theme_element diff_element(const char *line)
{
	if (!strncmp(line, "+++", 3) || !strncmp(line, "---", 3) || line[0] == '@')
		return THEME_DIFF_HUNK;
	if (line[0] == '+')
		return THEME_DIFF_ADD;
	if (line[0] == '-')
		return THEME_DIFF_DEL;
	return THEME_DEFAULT;
}

/* The text of line i as drawn: a section's without its mark. */
static const char *shown_line(const struct help_view *hv, int i)
{
	const char *line = hv->lines[i];
	return !hv->diff && line[0] == '#' ? line + 1 : line;
}

static void help_draw(struct view *v, WINDOW *win, bool focused)
{
	struct help_view *hv = priv(v);
	int h = getmaxy(win), w = getmaxx(win);
	const char *pattern = app_search_pattern(v->app);

	hv->height = h;
	hv->width = w - 1;
	if (hv->diff) {
		scroll_clamp(&hv->top, (int)hv->n, h);
		for (int row = 0; row < h && hv->top + row < (int)hv->n; row++) {
			const char *line = hv->lines[hv->top + row];
			draw_safe_matches(win, row, 1, w - 1, line, theme_attr(diff_element(line)),
					  pattern);
		}
		return;
	}
	list_clamp(&hv->pos, (int)hv->n, h);
	for (int row = 0; row < h && hv->pos.top + row < (int)hv->n; row++) {
		int i = hv->pos.top + row;
		attr_t at = list_row_attr(&hv->pos, i, focused);
		if (at)
			draw_blank(win, row, at);
		else
			at = theme_attr(hv->lines[i][0] == '#' ? THEME_HELP_SECTION : THEME_DEFAULT);
		draw_safe_matches(win, row, 1, w - 1, shown_line(hv, i), at, pattern);
	}
}

/* Enter: the line under the cursor whole, when its row cuts it. */
static void open_line(struct view *v)
{
	struct help_view *hv = priv(v);
	if (hv->n == 0 || hv->pos.cursor >= (int)hv->n)
		return;
	const char *line = shown_line(hv, hv->pos.cursor);
	if (ts_width(line) <= hv->width)
		return;
	char title[300];
	snprintf(title, sizeof(title), "%s, line %d", hv->title, hv->pos.cursor + 1);
	app_push(v->app, view_pager_new(v->app, title, line));
}

static enum view_result help_action(struct view *v, enum action a)
{
	struct help_view *hv = priv(v);
	if (hv->diff)
		return scroll_move(&hv->top, hv->height, (int)hv->n, a) ? VIEW_HANDLED
									 : VIEW_IGNORED;
	if (list_move(&hv->pos, (int)hv->n, hv->height, a))
		return VIEW_HANDLED;
	if (a == ACTION_ENTER) {
		open_line(v);
		return VIEW_HANDLED;
	}
	return VIEW_IGNORED;
}

/* Whether line i of the help_view ctx contains pattern (list_match_fn). */
static bool line_matches(const void *ctx, int i, const char *pattern)
{
	return strcasestr(((const struct help_view *)ctx)->lines[i], pattern) != NULL;
}

static bool help_search(struct view *v, const char *pattern, int dir)
{
	struct help_view *hv = priv(v);
	if (!hv->diff)
		return list_search(&hv->pos, (int)hv->n, hv->height, dir, line_matches, hv, pattern);
	int i = list_find((int)hv->n, hv->top, dir, line_matches, hv, pattern);
	if (i < 0)
		return false;
	hv->top = i;
	return true;
}

static void help_status(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", priv(v)->diff ? "y applies, n does not │ j k g G PgUp PgDn scroll"
					     : "Enter shows a cut line whole │ q to go back");
}

static void help_free(struct view *v)
{
	struct help_view *hv = priv(v);
	for (size_t i = 0; i < hv->n; i++)
		free(hv->lines[i]);
	free(hv->lines);
	free(hv->title);
	free(hv);
	free(v);
}

static const struct view_ops help_ops = {
	.name = "help",
	.title = help_title,
	.draw = help_draw,
	.action = help_action,
	.search = help_search,
	.status = help_status,
	.free = help_free,
};

struct view *view_help_new(struct app *app, const char *title, const char *text)
{
	struct view *v = calloc(1, sizeof(*v));
	struct help_view *hv = calloc(1, sizeof(*hv));
	if (!v || !hv)
		goto fail;
	char *safe = ts_sanitize(title ? title : "help", (size_t)-1);
	hv->title = safe;
	if (!hv->title)
		goto fail;
	if (text)
		push_text(hv, text);
	else
		build_keys(hv, app_keymap(app));
	hv->keys = !text;
	hv->height = 20; /* until the first draw */
	v->ops = &help_ops;
	v->app = app;
	v->priv = hv;
	return v;
fail:
	if (hv)
		free(hv->title);
	free(hv);
	free(v);
	return NULL;
}

bool view_help_is_keys(const struct view *v)
{
	return v->ops == &help_ops && ((const struct help_view *)v->priv)->keys;
}

/* Wrap the prose of a preview (not the diff lines) to width columns. */
static char *wrap_prose(const char *text, int width)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "");
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool diff_line = strchr("+-@ ", *p) != NULL;
		while (!diff_line && len > (size_t)width) {
			/* Byte offsets stand in for columns: close enough for prose. */
			size_t cut = (size_t)width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				break;
			buf_add(&b, p, cut);
			buf_adds(&b, "\n");
			p += cut + 1;
			len -= cut + 1;
		}
		buf_add(&b, p, len);
		buf_adds(&b, "\n");
		if (!nl)
			break;
		p = nl + 1;
	}
	return buf_steal(&b);
}

struct view *view_preview_new(struct app *app, const char *title, const char *text)
{
	int width = COLS >= 100 ? COLS - 18 : COLS - 4;
	char *wrapped = wrap_prose(text ? text : "", width < 20 ? 20 : width);
	struct view *v = view_help_new(app, title, wrapped ? wrapped : "");
	if (v)
		priv(v)->diff = true;
	free(wrapped);
	return v;
}

static struct view *help_open(struct app *app, const struct scope *where, const void *opts,
                              bool watch)
{
	(void)where;
	(void)opts;
	(void)watch;
	return view_help_new(app, NULL, NULL);
}

/* The keys and commands; a text shown by a command is this view too. */
const struct view_info view_info_help = {
    .name = "help",
    .open = help_open,
    .nav_label = "Help",
};
