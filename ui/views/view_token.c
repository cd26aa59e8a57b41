#include "lbconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "clipboard.h"
#include "draw.h"
#include "output.h"
#include "token_info.h"
#include "util.h"
#include "view.h"

/* A token from `token authorize`, `token identify` or `token room`: the
 * token shortened in the middle (the whole of it is never drawn, so it is
 * in no screen dump, message or scrollback), its header and claims, the
 * permissions as a table, and when it was issued and expires, in words
 * kept current as time passes. y copies it through the safe clipboard. */

/* Characters of the token shown before and after the cut. */
#define TOKEN_HEAD 12
#define TOKEN_TAIL 6
/* The width of the labels' column. */
#define LABEL_W 14

struct token_view {
	char *token; /* kept only to copy it */
	char *what;
	char *deprecated; /* the deprecated endpoint's path, or NULL */
	char *shown;      /* the token shortened */
	struct token_info info;
	char *decode_error; /* why the claims cannot be read, or NULL */
	int top, height, n_rows;
};

/* One row of the view: a label and its value, raw (drawn made safe). */
struct token_row {
	char *label, *value;
	enum theme_element label_el, value_el;
};

struct token_rows {
	struct token_row *v;
	int n, cap;
	bool oom;
};

static struct token_view *priv(struct view *v)
{
	return v->priv;
}

static void add_row(struct token_rows *r, const char *label, const char *value,
                    enum theme_element label_el, enum theme_element value_el)
{
	if (r->oom)
		return;
	if (r->n == r->cap) {
		int nc = r->cap ? r->cap * 2 : 32;
		struct token_row *g = realloc(r->v, (size_t)nc * sizeof(*g));
		if (!g) {
			r->oom = true;
			return;
		}
		r->v = g;
		r->cap = nc;
	}
	struct token_row *row = &r->v[r->n];
	row->label = strdup(label);
	row->value = strdup(value);
	row->label_el = label_el;
	row->value_el = value_el;
	if (!row->label || !row->value) {
		free(row->label);
		free(row->value);
		r->oom = true;
		return;
	}
	r->n++;
}

static void field(struct token_rows *r, const char *label, const char *value)
{
	add_row(r, label, value && *value ? value : "-", THEME_KEY,
	        value && *value ? THEME_VALUE : THEME_MUTED);
}

static void rows_free(struct token_rows *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->v[i].label);
		free(r->v[i].value);
	}
	free(r->v);
}

static const char *kind_name(const char *k)
{
	if (!k)
		return NULL;
	if (!strcmp(k, "acc"))
		return "access token (acc)";
	if (!strcmp(k, "id"))
		return "ID token (id)";
	return k;
}

/* "2026-12-04 02:17 (in 59 minutes)", the expiry's words saying
 * "expired ... ago" once past. */
static void when_text(long long t, long long now, bool expiry, char *out, size_t n)
{
	char date[32], words[64];

	output_time(t, date, sizeof(date));
	if (expiry)
		expiry_text(t, now, words, sizeof(words));
	else
		token_when(t, now, words, sizeof(words));
	snprintf(out, n, "%s (%s)", date, words);
}

/* The permissions as a table: a header, then a room pattern and its
 * permissions a row. */
static void add_perms(struct token_rows *r, const struct token_info *t)
{
	add_row(r, "", "", THEME_DEFAULT, THEME_DEFAULT);
	add_row(r, "ROOM PATTERN", "PERMISSIONS", THEME_HEADER, THEME_HEADER);
	for (size_t i = 0; i < t->n_perms; i++)
		add_row(r, t->perms[i].pattern, t->perms[i].perms ? t->perms[i].perms : "",
		        THEME_ID, THEME_VALUE);
}

/* Everything the view shows, seen at now. */
static void build_rows(const struct token_view *tv, long long now, struct token_rows *r)
{
	const struct token_info *t = &tv->info;
	char line[256];

	snprintf(line, sizeof(line), "%s (%zu bytes; y copies it)", tv->shown, strlen(tv->token));
	add_row(r, "token", line, THEME_KEY, THEME_VALUE);
	if (tv->deprecated) {
		snprintf(line, sizeof(line),
		         "%s is deprecated: use token authorize or token identify", tv->deprecated);
		add_row(r, "deprecated", line, THEME_STALE, THEME_STALE);
	}
	if (tv->decode_error) {
		add_row(r, "claims", tv->decode_error, THEME_KEY, THEME_ERROR);
		return;
	}
	snprintf(line, sizeof(line), "alg %s · typ %s · kid %s", t->alg ? t->alg : "-",
	         t->typ ? t->typ : "-", t->kid ? t->kid : "-");
	field(r, "header", line);
	field(r, "kind", kind_name(t->kind));
	field(r, "user", t->user);
	field(r, "user info", t->user_info);
	field(r, "groups", t->groups);
	field(r, "organization", t->org);
	if (t->room)
		field(r, "room", t->room);
	if (t->scopes)
		field(r, "scopes", t->scopes);
	if (t->has_iat) {
		when_text(t->iat, now, false, line, sizeof(line));
		field(r, "issued", line);
	} else {
		field(r, "issued", NULL);
	}
	if (t->has_exp) {
		when_text(t->exp, now, true, line, sizeof(line));
		add_row(r, "expires", line, THEME_KEY, t->exp < now ? THEME_ERROR : THEME_VALUE);
	} else {
		field(r, "expires", NULL);
	}
	if (t->n_perms)
		add_perms(r, t);
}

static void token_title(struct view *v, char *out, size_t n)
{
	(void)v;
	snprintf(out, n, "token");
}

static void token_draw(struct view *v, WINDOW *win, bool focused)
{
	struct token_view *tv = priv(v);
	struct token_rows r = {0};
	int h = getmaxy(win), w = getmaxx(win) - 2;

	(void)focused;
	build_rows(tv, (long long)time(NULL), &r);
	if (r.oom) {
		rows_free(&r);
		draw_notice(win, "out of memory", theme_attr(THEME_ERROR));
		return;
	}
	/* The first row says what the token is; the rest scroll. */
	draw_text(win, 0, 1, w, tv->what, theme_attr(THEME_HEADER));
	tv->height = h - 2;
	tv->n_rows = r.n;
	scroll_clamp(&tv->top, r.n, tv->height);
	for (int y = 0; y < tv->height && tv->top + y < r.n; y++) {
		const struct token_row *row = &r.v[tv->top + y];
		int lw = w < LABEL_W + 1 ? w : LABEL_W;
		int label_w = draw_width(row->label) + 1;
		/* A room pattern longer than the column pushes its permissions
		 * right rather than being cut. */
		if (row->label_el == THEME_ID && label_w > lw)
			lw = label_w < w / 2 ? label_w : w / 2;
		draw_text(win, y + 2, 1, lw, row->label, theme_attr(row->label_el));
		if (w > lw)
			draw_text(win, y + 2, 1 + lw, w - lw, row->value,
			          theme_attr(row->value_el));
	}
	rows_free(&r);
}

static void copy_token(struct view *v)
{
	struct token_view *tv = priv(v);
	size_t len = strlen(tv->token);
	int rc = clipboard_copy(tv->token, len);

	if (rc == 0)
		app_message(v->app, false, "token copied (%zu bytes)", len);
	else if (rc == E2BIG)
		app_message(v->app, true, "could not copy: %zu bytes is too much for the terminal",
		            len);
	else if (rc == ENOMEM)
		app_message(v->app, true, "could not copy: out of memory");
	else
		app_message(v->app, true, "could not copy: cannot write to the terminal: %s",
		            strerror(rc));
}

static enum view_result token_action(struct view *v, enum action a)
{
	struct token_view *tv = priv(v);

	if (view_action_is(a, "token-copy")) {
		copy_token(v);
		return VIEW_HANDLED;
	}
	return scroll_move(&tv->top, tv->height, tv->n_rows, a) ? VIEW_HANDLED : VIEW_IGNORED;
}

static void token_status(struct view *v, char *out, size_t n)
{
	struct token_view *tv = priv(v);
	const char *k = tv->info.kind;

	snprintf(out, n, "%s · %zu bytes │ y copy, q to go back",
	         k && !strcmp(k, "acc")  ? "access token"
	         : k && !strcmp(k, "id") ? "ID token"
	                                 : "token",
	         strlen(tv->token));
}

static void token_free(struct view *v)
{
	struct token_view *tv = priv(v);

	/* Wiped before it goes back to the allocator. */
	explicit_bzero(tv->token, strlen(tv->token));
	free(tv->token);
	free(tv->what);
	free(tv->deprecated);
	free(tv->shown);
	free(tv->decode_error);
	token_info_clear(&tv->info);
	free(tv);
	free(v);
}

static const struct view_ops token_ops = {
    .name = "token",
    .title = token_title,
    .draw = token_draw,
    .action = token_action,
    .status = token_status,
    .free = token_free,
};

/* The token with its middle cut: its first TOKEN_HEAD and last TOKEN_TAIL
 * characters (fewer of a short one, so some is always left out). */
static char *shorten(const char *token)
{
	size_t len = strlen(token);
	size_t head = TOKEN_HEAD, tail = TOKEN_TAIL;
	char *out;

	if (len < (head + tail) * 2) {
		head = len / 4;
		tail = len / 6;
	}
	out = malloc(head + tail + sizeof("…"));
	if (out)
		snprintf(out, head + tail + sizeof("…"), "%.*s…%s", (int)head, token,
		         token + len - tail);
	return out;
}

static struct view *token_open(struct app *app, const struct scope *where, const void *opts,
                               bool watch)
{
	const struct token_view_opts *o = opts;
	struct view *v = o && o->token ? calloc(1, sizeof(*v)) : NULL;
	struct token_view *tv = v ? calloc(1, sizeof(*tv)) : NULL;
	struct lb_error err;

	(void)where;
	(void)watch;
	if (!tv || !(tv->token = strdup(o->token)) ||
	    !(tv->what = strdup(o->what ? o->what : "token")) || !(tv->shown = shorten(o->token)) ||
	    (o->deprecated && !(tv->deprecated = strdup(o->deprecated))))
		goto oom;
	if (!token_info_decode(o->token, &tv->info, &err) &&
	    !(tv->decode_error = strdup(err.message)))
		goto oom;
	v->ops = &token_ops;
	v->app = app;
	v->priv = tv;
	return v;
oom:
	if (tv) {
		free(tv->token);
		free(tv->what);
		free(tv->shown);
		free(tv->deprecated);
	}
	free(tv);
	free(v);
	return NULL;
}

static const struct view_command token_commands[] = {
    {"token-copy", "Copy the token to the clipboard (OSC 52)", NULL, false},
    {NULL, NULL, NULL, false},
};

static const struct view_key token_keys[] = {
    {'y', "token-copy"},
    {0, NULL},
};

const struct view_info view_info_token = {
    .name = "token",
    .keys_title = "Keys in the token view",
    .open = token_open,
    .keys = token_keys,
    .commands = token_commands,
};
