#include "lbconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clipboard.h"
#include "draw.h"
#include "lson.h"
#include "tree.h"
#include "util.h"

/* A plain-LSON document whose root holds the LiveMap "m" of n LiveObjects
 * {x: value}, keys k0 .. k(n-1), in reverse order when reversed; the
 * member `changed` gets x = 42 instead of its index. */
static struct lson_doc *map_doc(int n, bool reversed, int changed)
{
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"m\":{\"liveblocksType\":\"LiveMap\",\"data\":{");
	for (int k = 0; k < n; k++) {
		int i = reversed ? n - 1 - k : k;
		buf_printf(&b, "%s\"k%d\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":%d}}", k ? "," : "", i,
			   i == changed ? 42 : i);
	}
	buf_adds(&b, "}}}}");
	struct lb_error err;
	lb_error_clear(&err);
	struct lson_doc *d = lson_parse(b.data, b.len, true, &err);
	if (!d)
		fail_msg("parse failed: %s", err.message);
	buf_free(&b);
	return d;
}

static struct lson_doc *parse_ok(const char *json)
{
	struct lb_error err;
	lb_error_clear(&err);
	struct lson_doc *d = lson_parse(json, strlen(json), true, &err);
	if (!d)
		fail_msg("parse failed: %s", err.message);
	return d;
}

static void assert_selected(const struct tree *t, const char *path)
{
	char *p = tree_selected_path(t);
	assert_non_null(p);
	assert_string_equal(p, path);
	free(p);
}

/* Expansion and the cursor follow their paths when the keys of a map come
 * back in another order, small maps and big ones alike. */
static void reordered_map_keeps_expansion(int n)
{
	struct tree *t = tree_new();
	struct lson_doc *a = map_doc(n, false, -1);
	char path[32];
	snprintf(path, sizeof(path), "/m/k%d/x", n / 2);
	int target = lson_find(a, path);
	assert_true(target > 0);
	tree_set_doc(t, a, false, 0);
	tree_reveal(t, target, 20);
	/* the root, its child m, m's n children, and the one opened */
	assert_int_equal(tree_rows(t), 2 + n + 1);
	assert_selected(t, path);

	struct lson_doc *b = map_doc(n, true, n / 2);
	size_t changes = tree_set_doc(t, b, true, 1000);
	assert_int_equal(changes, 1);
	assert_int_equal(tree_rows(t), 2 + n + 1);
	assert_selected(t, path);
	assert_int_equal(tree_marks(t), 1);

	lson_unref(&a);
	lson_unref(&b);
	tree_free(&t);
	assert_null(t);
}

static void small_map_reordered(void **state)
{
	(void)state;
	reordered_map_keeps_expansion(10);
}

static void big_map_reordered(void **state)
{
	(void)state;
	reordered_map_keeps_expansion(5000);
}

/* The change log names what changed: scalars as JSON, containers by their
 * type and a preview, not as their plain-LSON wrappers. */
static void change_log_lines(void **state)
{
	(void)state;
	struct tree *t = tree_new();
	struct lson_doc *a = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
				      "\"n\":10,"
				      "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}}]},"
				      "\"old\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"a\":1,\"b\":2}},"
				      "\"plain\":{\"p\":[1,2,3]}}}");
	struct lson_doc *b = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
				      "\"n\":42,"
				      "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
				      "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":99,\"s\":\"hi\"}}]},"
				      "\"plain\":{\"p\":[1,2,3],\"q\":[4,5]},"
				      "\"layers\":{\"liveblocksType\":\"LiveList\",\"data\":[1,2,3]}}}");
	tree_set_doc(t, a, false, 0);
	assert_int_equal(tree_set_doc(t, b, true, 5000), 5);
	char *log = tree_change_log(t, "", 7000, 0);
	assert_non_null(log);
	assert_non_null(strstr(log, "/n: 10 → 42, 2s ago\n"));
	assert_non_null(strstr(log, "/shapes/1: added LiveObject {x: 99, s: \"hi\"}, 2s ago\n"));
	assert_non_null(strstr(log, "/layers: added LiveList (3 items), 2s ago\n"));
	assert_non_null(strstr(log, "/old: removed (was LiveMap {a: 1, b: 2}), 2s ago\n"));
	assert_non_null(strstr(log, "/plain/q: added [2 items], 2s ago\n"));
	assert_null(strstr(log, "liveblocksType"));
	free(log);

	/* Below a path: only what concerns it. */
	log = tree_change_log(t, "/shapes", 7000, 0);
	assert_string_equal(log, "/shapes/1: added LiveObject {x: 99, s: \"hi\"}, 2s ago\n");
	free(log);

	lson_unref(&a);
	lson_unref(&b);
	tree_free(&t);
}

/* Cuts keep whole UTF-8 characters. */
static void utf8_cut_on_boundaries(void **state)
{
	(void)state;
	/* h, é (2 bytes), llo */
	assert_int_equal(tree_utf8_cut("h\xc3\xa9llo", 1), 1);
	assert_int_equal(tree_utf8_cut("h\xc3\xa9llo", 2), 1);
	assert_int_equal(tree_utf8_cut("h\xc3\xa9llo", 3), 3);
	assert_int_equal(tree_utf8_cut("h\xc3\xa9llo", 6), 6);
	assert_int_equal(tree_utf8_cut("h\xc3\xa9llo", 100), 6);
	/* € € (3 bytes each) */
	assert_int_equal(tree_utf8_cut("\xe2\x82\xac\xe2\x82\xac", 4), 3);
	assert_int_equal(tree_utf8_cut("\xe2\x82\xac\xe2\x82\xac", 5), 3);
	assert_int_equal(tree_utf8_cut("\xe2\x82\xac\xe2\x82\xac", 6), 6);
	/* a 4-byte emoji cut anywhere inside goes whole */
	assert_int_equal(tree_utf8_cut("\xf0\x9f\x98\x80!", 3), 0);
	assert_int_equal(tree_utf8_cut("\xf0\x9f\x98\x80!", 4), 4);
	/* not UTF-8: a run of continuation bytes is cut anyway */
	assert_int_equal(tree_utf8_cut("ab\x80\x80\x80\x80\x80\x80", 7), 4);
	assert_int_equal(tree_utf8_cut("", 0), 0);
}

/* The character in a cell of win. */
static wchar_t cell_char(WINDOW *win, int y, int x)
{
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1] = {0};
	attr_t attr;
	short pair;
	assert_int_equal(mvwin_wch(win, y, x, &cc), OK);
	assert_int_equal(getcchar(&cc, wch, &attr, &pair, NULL), OK);
	return wch[0];
}

/* The detail pane cuts a long value on a character boundary: a sequence
 * split in two would show as a replacement character. */
static void detail_value_cut_whole(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		skip();
	FILE *out = fopen("/dev/null", "w");
	FILE *in = fopen("/dev/null", "r");
	assert_non_null(out);
	assert_non_null(in);
	SCREEN *scr = newterm("xterm", out, in);
	if (!scr) {
		fclose(out);
		fclose(in);
		skip();
	}
	WINDOW *win = newwin(10, 40, 0, 0);
	assert_non_null(win);
	/* "x" and 100 zero-width spaces (3 bytes each, no column): the row
	 * shows every byte the pane keeps (40 * 4 + 4), and the cut falls in
	 * the middle of one of them. */
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"v\":\"x");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "\xe2\x80\x8b");
	buf_adds(&b, "\"}}");
	struct lson_doc *d = parse_ok(b.data);
	buf_free(&b);
	struct tree *t = tree_new();
	tree_set_doc(t, d, false, 0);
	tree_reveal(t, lson_find(d, "/v"), 10);
	tree_draw_detail(t, win, 0, false);
	/* Rows: Path, Type, Value; the value starts at column 11. */
	assert_int_equal(cell_char(win, 2, 1), L'V');
	assert_int_equal(cell_char(win, 2, 11), L'x');
	assert_int_equal(cell_char(win, 2, 12), L' ');
	tree_free(&t);
	lson_unref(&d);
	delwin(win);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

/* The text of row y of win, from column x0, trailing blanks dropped (as
 * UTF-8). */
static void row_text(WINDOW *win, int y, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int x = 0; x < getmaxx(win) && used + 8 < n; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = {0};
		attr_t attr;
		short pair;
		if (mvwin_wch(win, y, x, &cc) != OK || getcchar(&cc, wch, &attr, &pair, NULL) != OK)
			break;
		if (!wch[0])
			continue; /* the second column of a wide character */
		int k = wctomb(out + used, wch[0]);
		if (k > 0)
			used += (size_t)k;
	}
	out[used] = '\0';
	while (used > 0 && out[used - 1] == ' ')
		out[--used] = '\0';
}

/* A curses screen on /dev/null for drawing into windows; NULL (skip) when
 * there is none. */
struct screen {
	FILE *out, *in;
	SCREEN *scr;
};

static bool screen_open(struct screen *s)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return false;
	s->out = fopen("/dev/null", "w");
	s->in = fopen("/dev/null", "r");
	s->scr = s->out && s->in ? newterm("xterm", s->out, s->in) : NULL;
	if (!s->scr) {
		if (s->out)
			fclose(s->out);
		if (s->in)
			fclose(s->in);
		return false;
	}
	return true;
}

static void screen_close(struct screen *s)
{
	endwin();
	delscreen(s->scr);
	fclose(s->out);
	fclose(s->in);
}

/* What someone else removed stays on screen where it was, dim and marked,
 * is counted, cannot be edited, and goes after a while; the change count
 * counts every change. */
static void removed_nodes_stay_a_while(void **state)
{
	(void)state;
	struct tree *t = tree_new();
	struct lson_doc *a =
	    parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"a\":1,\"b\":\"bee\",\"c\":{\"liveblocksType\":\"LiveObject\","
	             "\"data\":{\"x\":1}},\"\":\"nameless\"}}");
	struct lson_doc *b = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                              "\"a\":2,\"c\":{\"liveblocksType\":\"LiveObject\","
	                              "\"data\":{\"x\":1}},\"\":\"nameless\"}}");
	tree_set_doc(t, a, false, 0);
	assert_int_equal(tree_rows(t), 5); /* root a b c "" */
	assert_int_equal(tree_set_doc(t, b, true, 1000), 2);
	assert_int_equal(tree_change_count(t), 2);
	assert_int_equal(tree_ghosts(t), 1);
	/* b stays where it was: after a, before c. */
	assert_int_equal(tree_rows(t), 5);
	assert_true(tree_action(t, ACTION_MOVE_DOWN, 20));
	assert_selected(t, "/a");
	assert_true(tree_action(t, ACTION_MOVE_DOWN, 20));
	assert_true(tree_selected_ghost(t));
	assert_int_equal(tree_selected(t), -1);
	assert_null(tree_selected_path(t));
	assert_null(tree_selected_json(t, false));
	char crumbs[128];
	tree_breadcrumbs(t, crumbs, sizeof(crumbs));
	assert_string_equal(crumbs, "/ › b (deleted)");
	/* Opening does nothing; h goes to the parent, j on to c. */
	assert_true(tree_action(t, ACTION_ENTER, 20));
	assert_true(tree_selected_ghost(t));
	assert_true(tree_action(t, ACTION_MOVE_DOWN, 20));
	assert_selected(t, "/c");

	struct screen scr;
	if (screen_open(&scr)) {
		WINDOW *win = newwin(10, 60, 0, 0);
		char line[256];
		tree_draw(t, win, 0, 10, true, "");
		row_text(win, 2, line, sizeof(line));
		assert_non_null(strstr(line, "b deleted"));
		assert_non_null(strstr(line, "was \"bee\""));
		assert_int_equal(line[0], '-');
		/* The empty key reads "". */
		row_text(win, 4, line, sizeof(line));
		assert_non_null(strstr(line, "\"\" string \"nameless\""));
		delwin(win);
		screen_close(&scr);
	}

	/* Another update keeps it, in its place; the count goes on. */
	struct lson_doc *c = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                              "\"a\":3,\"c\":{\"liveblocksType\":\"LiveObject\","
	                              "\"data\":{\"x\":1}},\"\":\"nameless\"}}");
	assert_int_equal(tree_set_doc(t, c, true, 2000), 1);
	assert_int_equal(tree_change_count(t), 3);
	assert_int_equal(tree_ghosts(t), 1);
	assert_int_equal(tree_rows(t), 5);
	assert_selected(t, "/c");
	/* Ten seconds after it went it goes. */
	assert_int_equal(tree_expire(t, 10999), 1);
	assert_int_equal(tree_rows(t), 5);
	assert_int_equal(tree_expire(t, 11000), -1);
	assert_int_equal(tree_ghosts(t), 0);
	assert_int_equal(tree_rows(t), 4);
	assert_selected(t, "/c");

	/* A removed node that comes back is no ghost: it is added. */
	tree_set_doc(t, a, true, 12000);
	assert_int_equal(tree_ghosts(t), 0);
	assert_int_equal(tree_set_doc(t, b, true, 13000), 2);
	assert_int_equal(tree_ghosts(t), 1);
	assert_int_equal(tree_set_doc(t, a, true, 14000), 2);
	assert_int_equal(tree_ghosts(t), 0);
	assert_int_equal(tree_rows(t), 5);
	/* Two neighbours removed together stay in their order, before what
	 * followed them. */
	struct lson_doc *d = parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                              "\"c\":{\"liveblocksType\":\"LiveObject\","
	                              "\"data\":{\"x\":1}},\"\":\"nameless\"}}");
	tree_set_doc(t, d, true, 14500);
	assert_int_equal(tree_ghosts(t), 2);
	tree_action(t, ACTION_MOVE_FIRST, 20);
	char crumbs2[128];
	tree_action(t, ACTION_MOVE_DOWN, 20);
	tree_breadcrumbs(t, crumbs2, sizeof(crumbs2));
	assert_string_equal(crumbs2, "/ › a (deleted)");
	tree_action(t, ACTION_MOVE_DOWN, 20);
	tree_breadcrumbs(t, crumbs2, sizeof(crumbs2));
	assert_string_equal(crumbs2, "/ › b (deleted)");
	tree_action(t, ACTION_MOVE_DOWN, 20);
	assert_selected(t, "/c");
	lson_unref(&d);
	tree_clear_marks(t);
	tree_set_doc(t, a, false, 14800);

	/* M forgets the marks, the count and the ghosts. */
	tree_set_doc(t, b, true, 15000);
	assert_int_equal(tree_ghosts(t), 1);
	tree_clear_marks(t);
	assert_int_equal(tree_change_count(t), 0);
	assert_int_equal(tree_ghosts(t), 0);
	assert_int_equal(tree_rows(t), 4);

	lson_unref(&a);
	lson_unref(&b);
	lson_unref(&c);
	tree_free(&t);
}

/* Removed items of a list and keys of a collapsed object: shown at the
 * end of their list, and only while their parent is open. */
static void removed_items_in_place(void **state)
{
	(void)state;
	struct tree *t = tree_new();
	struct lson_doc *a =
	    parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"l\":{\"liveblocksType\":\"LiveList\",\"data\":[1,2,3]},"
	             "\"o\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"p\":1,\"q\":2}},"
	             "\"z\":0}}");
	struct lson_doc *b =
	    parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"l\":{\"liveblocksType\":\"LiveList\",\"data\":[1]},"
	             "\"o\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"q\":2}},"
	             "\"z\":0}}");
	tree_set_doc(t, a, false, 0);
	tree_reveal(t, lson_find(a, "/l/0"), 20);
	/* root l [0] [1] [2] o z */
	assert_int_equal(tree_rows(t), 7);
	assert_int_equal(tree_set_doc(t, b, true, 1000), 3);
	assert_int_equal(tree_ghosts(t), 3);
	/* root l [0] -[1] -[2] o z: o is closed, its removed p hidden. */
	assert_int_equal(tree_rows(t), 7);
	assert_selected(t, "/l/0");
	tree_action(t, ACTION_MOVE_DOWN, 20);
	tree_action(t, ACTION_MOVE_DOWN, 20);
	assert_true(tree_selected_ghost(t));
	char crumbs[128];
	tree_breadcrumbs(t, crumbs, sizeof(crumbs));
	assert_string_equal(crumbs, "/ › l › [2] (deleted)");
	tree_action(t, ACTION_MOVE_DOWN, 20);
	assert_selected(t, "/o");
	/* Open o: p shows, before q. */
	tree_action(t, ACTION_ENTER, 20);
	assert_int_equal(tree_rows(t), 9);
	tree_action(t, ACTION_MOVE_DOWN, 20);
	assert_true(tree_selected_ghost(t));
	tree_action(t, ACTION_MOVE_DOWN, 20);
	assert_selected(t, "/o/q");
	/* The whole list goes: one ghost for it, its items' go with it. */
	struct lson_doc *c =
	    parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"o\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"q\":2}},"
	             "\"z\":0}}");
	assert_int_equal(tree_set_doc(t, c, true, 2000), 1);
	assert_int_equal(tree_ghosts(t), 2); /* /l and /o/p */
	assert_selected(t, "/o/q");
	lson_unref(&a);
	lson_unref(&b);
	lson_unref(&c);
	tree_free(&t);
}

/* A search knows how many nodes match and which one it is on. */
static void search_counts_matches(void **state)
{
	(void)state;
	struct tree *t = tree_new();
	struct lson_doc *d =
	    parse_ok("{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"colorless\":1,\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
	             "{\"liveblocksType\":\"LiveObject\",\"data\":{\"color\":\"red\"}},"
	             "{\"liveblocksType\":\"LiveObject\",\"data\":{\"color\":\"blue\"}}]}}}");
	size_t rank;
	tree_set_doc(t, d, false, 0);
	assert_int_equal(tree_search_count(t, &rank), 0);
	assert_true(tree_search(t, "COLOR", 0, 20));
	assert_int_equal(tree_search_count(t, &rank), 3);
	assert_int_equal(rank, 1);
	assert_selected(t, "/colorless");
	assert_true(tree_search(t, "COLOR", 1, 20));
	assert_int_equal(tree_search_count(t, &rank), 3);
	assert_int_equal(rank, 2);
	assert_selected(t, "/shapes/0/color");
	assert_true(tree_search(t, "COLOR", -1, 20));
	assert_true(tree_search(t, "COLOR", -1, 20));
	tree_search_count(t, &rank);
	assert_int_equal(rank, 3);
	assert_selected(t, "/shapes/1/color");
	assert_true(tree_search(t, "blue", 0, 20));
	assert_int_equal(tree_search_count(t, &rank), 1);
	assert_false(tree_search(t, "nothing", 1, 20));
	lson_unref(&d);
	tree_free(&t);
}

/* Columns share a width by priority: the lowest shrinks to its minimum,
 * then goes, then the next; what is left goes back. */
static void columns_share_by_priority(void **state)
{
	(void)state;
	/* The rooms list: ID, created, last connection, access, metadata. */
	struct column c[5];
	struct column rooms[5] = {
	    {.want = 26, .min = 16, .prio = 0},
	    {.want = 16, .min = 10, .prio = 1},
	    {.want = 16, .min = 16, .prio = 4},
	    {.want = 9, .min = 9, .prio = 2},
	    {.want = 30, .min = 12, .prio = 3, .rest = true},
	};
	memcpy(c, rooms, sizeof(c));
	columns_fit(c, 5, 86);
	assert_int_equal(c[0].width, 26);
	assert_int_equal(c[1].width, 16);
	assert_int_equal(c[2].width, 0);
	assert_int_equal(c[3].width, 9);
	assert_int_equal(c[4].width, 86 - 26 - 16 - 9 - 3);
	memcpy(c, rooms, sizeof(c));
	columns_fit(c, 5, 120);
	assert_int_equal(c[2].width, 16);
	assert_int_equal(c[4].width, 120 - 26 - 16 - 16 - 9 - 4);
	/* 40: the metadata and the access go, the date gets short. */
	memcpy(c, rooms, sizeof(c));
	columns_fit(c, 5, 40);
	assert_int_equal(c[0].width, 26);
	assert_int_equal(c[1].width, 13);
	assert_int_equal(c[2].width + c[3].width + c[4].width, 0);
	/* An ID wider than everything: alone, cut to the width. */
	memcpy(c, rooms, sizeof(c));
	c[0].want = 50;
	columns_fit(c, 5, 40);
	assert_int_equal(c[0].width, 40);
	assert_int_equal(c[1].width + c[2].width + c[3].width + c[4].width, 0);
	/* 29 columns for the ID and 11 left for the date. */
	memcpy(c, rooms, sizeof(c));
	c[0].want = 29;
	columns_fit(c, 5, 40);
	assert_int_equal(c[0].width, 29);
	assert_int_equal(c[1].width, 10);
}

/* Standard output pointed at fd while fn runs; returns fn's result. */
static int with_stdout(int fd, const char *text, size_t len)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	int rc = clipboard_copy(text, len);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	return rc;
}

/* OSC 52 carries the text in base64; failures say why. */
static void clipboard_copy_reasons(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(with_stdout(p[1], "/a b", 4), 0);
	close(p[1]);
	char got[64] = {0};
	ssize_t n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	assert_true(n > 0);
	assert_string_equal(got, "\033]52;c;L2EgYg==\a");

	/* Controls never reach the clipboard: a bracketed-paste end and line
	 * breaks in a key come out as \u escapes. */
	static const char evil[] = "/a\x1b[201~\necho PWNED\n";
	assert_int_equal(pipe(p), 0);
	assert_int_equal(with_stdout(p[1], evil, strlen(evil)), 0);
	close(p[1]);
	char seq[256] = {0};
	n = read(p[0], seq, sizeof(seq) - 1);
	close(p[0]);
	assert_true(n > 9);
	assert_memory_equal(seq, "\033]52;c;", 7);
	assert_int_equal(seq[n - 1], '\a');
	/* "/a\u001b[201~\u000aecho PWNED\u000a" in base64 */
	seq[n - 1] = '\0';
	assert_string_equal(seq + 7, "L2FcdTAwMWJbMjAxflx1MDAwYWVjaG8gUFdORURcdTAwMGE=");

	/* Too much for a terminal: nothing is written. */
	char *big = malloc(CLIPBOARD_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', CLIPBOARD_MAX + 1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(with_stdout(p[1], big, CLIPBOARD_MAX + 1), E2BIG);
	close(p[1]);
	assert_int_equal(read(p[0], got, sizeof(got)), 0);
	close(p[0]);
	free(big);

	/* A terminal that cannot be written: its errno. */
	int ro = open("/dev/null", O_RDONLY);
	assert_true(ro >= 0);
	assert_int_equal(with_stdout(ro, "x", 1), EBADF);
	close(ro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_map_reordered),
		cmocka_unit_test(big_map_reordered),
		cmocka_unit_test(change_log_lines),
		cmocka_unit_test(utf8_cut_on_boundaries),
		cmocka_unit_test(detail_value_cut_whole),
		cmocka_unit_test(clipboard_copy_reasons),
		cmocka_unit_test(removed_nodes_stay_a_while),
		cmocka_unit_test(removed_items_in_place),
		cmocka_unit_test(search_counts_matches),
		cmocka_unit_test(columns_share_by_priority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
