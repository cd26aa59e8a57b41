#include "lbconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "install.h"
#include "theme.h"

#define COLOR_DEFAULT (-1)

struct style {
	short fg;
	short bg;
	attr_t attr;
};

static const char *const element_names[THEME_COUNT] = {
#define THEME_NAME(e, name, fg, bg, attr) name,
    THEME_ELEMENTS(THEME_NAME)
#undef THEME_NAME
};

static const struct style builtin[THEME_COUNT] = {
#define THEME_STYLE(e, name, fg, bg, attr) {fg, bg, attr},
    THEME_ELEMENTS(THEME_STYLE)
#undef THEME_STYLE
};

/* What theme_attr() returns; before theme_load() the built-in attributes
 * without colour. */
static attr_t resolved[THEME_COUNT];
static bool applied;
/* Which elements the theme gives a colour of their own (not both the
 * terminal's default). */
static bool coloured[THEME_COUNT];

static const struct {
	const char *name;
	short color;
} color_names[] = {
    {"default", COLOR_DEFAULT}, {"black", COLOR_BLACK},   {"red", COLOR_RED},
    {"green", COLOR_GREEN},     {"yellow", COLOR_YELLOW}, {"blue", COLOR_BLUE},
    {"magenta", COLOR_MAGENTA}, {"cyan", COLOR_CYAN},     {"white", COLOR_WHITE},
    {"bright-black", 8},        {"bright-red", 9},        {"bright-green", 10},
    {"bright-yellow", 11},      {"bright-blue", 12},      {"bright-magenta", 13},
    {"bright-cyan", 14},        {"bright-white", 15},
};

static const struct {
	const char *name;
	attr_t attr;
} attr_names[] = {
    {"normal", A_NORMAL},   {"bold", A_BOLD},           {"dim", A_DIM},
    {"reverse", A_REVERSE}, {"underline", A_UNDERLINE}, {"standout", A_STANDOUT},
    {"blink", A_BLINK},     {"italic", A_ITALIC},
};

/* Element by its theme-file name, -1 if unknown. */
int theme_element_by_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < THEME_COUNT; i++)
		if (strcasecmp(name, element_names[i]) == 0)
			return i;
	return -1;
}

/* Colour name or number 0-255 into *out; false if it is neither. */
static bool parse_color(const char *s, short *out)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < sizeof(color_names) / sizeof(color_names[0]); i++) {
		if (strcasecmp(s, color_names[i].name) == 0) {
			*out = color_names[i].color;
			return true;
		}
	}
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 0 || n > 255)
		return false;
	*out = (short)n;
	return true;
}

static bool parse_attr(const char *s, attr_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
		if (strcasecmp(s, attr_names[i].name) == 0) {
			*out = attr_names[i].attr;
			return true;
		}
	}
	return false;
}

/* The nearest of the 8 basic colours to xterm colour n. */
static short basic_color(short n)
{
	static const int cube[6] = {0, 95, 135, 175, 215, 255};
	int rgb[3], max, min, mid, i;
	short c = 0;

	if (n < 8)
		return n;
	if (n < 16)
		return (short)(n - 8);
	if (n >= 232) {
		int level = 8 + (n - 232) * 10;

		return level >= 128 ? COLOR_WHITE : COLOR_BLACK;
	}
	n = (short)(n - 16);
	rgb[0] = cube[n / 36];
	rgb[1] = cube[(n / 6) % 6];
	rgb[2] = cube[n % 6];
	max = min = rgb[0];
	for (i = 1; i < 3; i++) {
		if (rgb[i] > max)
			max = rgb[i];
		if (rgb[i] < min)
			min = rgb[i];
	}
	/* Greys go to black or white by their lightness; colours keep the
	 * channels that stand out (COLOR_RED 1, GREEN 2, BLUE 4). */
	if (max - min < 48)
		return (max + min) / 2 >= 128 ? COLOR_WHITE : COLOR_BLACK;
	mid = (max + min) / 2;
	for (i = 0; i < 3; i++)
		if (rgb[i] > mid)
			c = (short)(c | (1 << i));
	return c;
}

/* Attributes of an element when no colour is used: elements drawn on a
 * coloured background (title, status, cursor ...) become reverse video. */
static attr_t mono_attr(enum theme_element e, const struct style *s)
{
	attr_t a = s->attr;

	if (s->bg != COLOR_DEFAULT)
		a |= A_REVERSE;
	if (e == THEME_CURSOR)
		a |= A_REVERSE | A_BOLD;
	else if (e == THEME_CURSOR_BLUR || e == THEME_TITLE || e == THEME_STATUS ||
	         e == THEME_STATUS_ERROR || e == THEME_STATUS_RO)
		a |= A_REVERSE;
	return a;
}

static bool no_color_env(void)
{
	const char *v = getenv("NO_COLOR");

	return v && v[0];
}

/* Turn a table of styles into curses attributes and colour pairs. */
static void apply(const struct style *styles)
{
	static bool color_started;
	static bool default_colors;
	bool use_color = !no_color_env() && stdscr && has_colors();
	int i;

	if (use_color && !color_started) {
		if (start_color() == ERR) {
			use_color = false;
		} else {
			color_started = true;
			default_colors = use_default_colors() != ERR;
		}
	}
	if (use_color && COLOR_PAIRS <= THEME_COUNT)
		use_color = false;
	for (i = 0; i < THEME_COUNT; i++) {
		short fg = styles[i].fg, bg = styles[i].bg;

		coloured[i] = use_color && (fg != COLOR_DEFAULT || bg != COLOR_DEFAULT);
		if (!use_color) {
			resolved[i] = mono_attr((enum theme_element)i, &styles[i]);
			continue;
		}
		if (fg >= COLORS)
			fg = basic_color(fg);
		if (bg >= COLORS)
			bg = basic_color(bg);
		if (!default_colors) {
			if (fg == COLOR_DEFAULT)
				fg = COLOR_WHITE;
			if (bg == COLOR_DEFAULT)
				bg = COLOR_BLACK;
		}
		if (init_pair((short)(i + 1), fg, bg) == ERR)
			resolved[i] = mono_attr((enum theme_element)i, &styles[i]);
		else
			resolved[i] = COLOR_PAIR(i + 1) | styles[i].attr;
	}
	applied = true;
}

/* The attributes (colour pair included) of an element. */
attr_t theme_attr(enum theme_element e)
{
	if ((int)e < 0 || e >= THEME_COUNT)
		return A_NORMAL;
	if (!applied)
		return mono_attr(e, &builtin[e]);
	return resolved[e];
}

attr_t theme_attr_combined(const enum theme_element *els, size_t n)
{
	attr_t attrs = A_NORMAL, color = 0;
	bool have_color = false;

	for (size_t i = 0; i < n; i++) {
		attr_t a = theme_attr(els[i]);

		attrs |= a & ~A_COLOR;
		if (!have_color && applied && (int)els[i] >= 0 && els[i] < THEME_COUNT &&
		    coloured[els[i]]) {
			color = a & A_COLOR;
			have_color = true;
		}
	}
	return attrs | color;
}

static const char *base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p ? p + 1 : path;
}

/* Parse one `color ELEMENT FG BG [ATTR...]` line (comment already cut)
 * into styles; false with err set on a mistake. */
static bool parse_line(char *line, const char *file, int lineno, struct style *styles,
                       struct lb_error *err)
{
	char *tok[16], *save = NULL, *t;
	int n = 0, e, i;
	struct style s = {0, 0, A_NORMAL};

	for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == (int)(sizeof(tok) / sizeof(tok[0]))) {
			lb_error_set(err, LB_CONFIG, "%s:%d: too many words", file, lineno);
			return false;
		}
		tok[n++] = t;
	}
	if (n == 0)
		return true;
	if (strcmp(tok[0], "color") != 0 && strcmp(tok[0], "colour") != 0) {
		lb_error_set(err, LB_CONFIG, "%s:%d: unknown command '%.40s' (expected 'color')",
		             file, lineno, tok[0]);
		return false;
	}
	if (n < 4) {
		lb_error_set(err, LB_CONFIG, "%s:%d: expected 'color ELEMENT FG BG [ATTR...]'",
		             file, lineno);
		return false;
	}
	e = theme_element_by_name(tok[1]);
	if (e < 0) {
		lb_error_set(err, LB_CONFIG, "%s:%d: unknown element '%.40s'", file, lineno,
		             tok[1]);
		return false;
	}
	for (i = 2; i < 4; i++) {
		if (!parse_color(tok[i], i == 2 ? &s.fg : &s.bg)) {
			lb_error_set(err, LB_CONFIG, "%s:%d: unknown colour '%.40s'", file, lineno,
			             tok[i]);
			return false;
		}
	}
	for (i = 4; i < n; i++) {
		attr_t a;

		if (!parse_attr(tok[i], &a)) {
			lb_error_set(err, LB_CONFIG, "%s:%d: unknown attribute '%.40s'", file,
			             lineno, tok[i]);
			return false;
		}
		s.attr |= a;
	}
	styles[e] = s;
	return true;
}

/* Read a theme file over styles; false with err set on the first mistake. */
static bool parse_file(FILE *fp, const char *file, struct style *styles, struct lb_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	bool ok = true;

	while (ok && getline(&line, &cap, fp) >= 0) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash)
			*hash = '\0';
		ok = parse_line(line, file, lineno, styles, err);
	}
	if (ok && ferror(fp)) {
		lb_error_set(err, LB_CONFIG, "%s: cannot read: %s", file, strerror(errno));
		ok = false;
	}
	free(line);
	return ok;
}

/* Open the theme file for name; the path opened goes to path, the
 * directories looked in to tried. */
static FILE *open_theme(const char *name, char *path, size_t n, char *tried, size_t tn)
{
	char *dirs[4];
	size_t ndirs = 0, used = 0;
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char user_dir[4096];
	FILE *fp = NULL;

	if (strchr(name, '/')) {
		snprintf(path, n, "%s", name);
		snprintf(tried, tn, "%s", name);
		return fopen(name, "r");
	}
	user_dir[0] = '\0';
	if (xdg && xdg[0] == '/')
		snprintf(user_dir, sizeof(user_dir), "%s/lbtui/themes", xdg);
	else if (home && home[0])
		snprintf(user_dir, sizeof(user_dir), "%s/.config/lbtui/themes", home);
	if (user_dir[0] && (dirs[0] = strdup(user_dir)))
		ndirs++;
	ndirs += install_theme_dirs(dirs + ndirs, sizeof(dirs) / sizeof(dirs[0]) - ndirs);
	tried[0] = '\0';
	for (size_t i = 0; i < ndirs; i++) {
		if (!fp) {
			int w;

			snprintf(path, n, "%s/%s.theme", dirs[i], name);
			w = snprintf(tried + used, tn - used, "%s%s", used ? ", " : "", dirs[i]);
			if (w > 0 && (size_t)w < tn - used)
				used += (size_t)w;
			fp = fopen(path, "r");
		}
		free(dirs[i]);
	}
	return fp;
}

/* Load a theme after initscr(); see theme.h for the lookup order. */
bool theme_load(const char *name, struct lb_error *err)
{
	struct style styles[THEME_COUNT];
	char path[4200], tried[8600];
	FILE *fp;
	bool ok;

	memcpy(styles, builtin, sizeof(styles));
	if (!name || !name[0])
		name = "default";
	fp = open_theme(name, path, sizeof(path), tried, sizeof(tried));
	if (!fp) {
		int e = errno;

		apply(builtin);
		/* The built-in defaults are the default theme. */
		if (strcmp(name, "default") == 0)
			return true;
		if (strchr(name, '/'))
			lb_error_set(err, LB_CONFIG, "cannot open theme %s: %s", name, strerror(e));
		else
			lb_error_set(err, LB_CONFIG, "theme '%s' not found (looked in %s)", name,
			             tried);
		return false;
	}
	ok = parse_file(fp, strchr(name, '/') ? path : base_name(path), styles, err);
	fclose(fp);
	apply(ok ? styles : builtin);
	return ok;
}
