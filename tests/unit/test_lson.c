#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lson.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

static struct lson_doc *parse_ok(const char *json, bool plain)
{
	struct lb_error err;
	struct lson_doc *d;

	lb_error_clear(&err);
	d = lson_parse(json, strlen(json), plain, &err);
	if (!d)
		fail_msg("parse failed: %s", err.message);
	return d;
}

static void parse_fails(const char *json, size_t len, const char *want_in_message)
{
	struct lb_error err;
	struct lson_doc *d;

	lb_error_clear(&err);
	d = lson_parse(json, len, true, &err);
	assert_null(d);
	assert_int_equal(err.status, LB_DECODE);
	if (!strstr(err.message, want_in_message))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want_in_message);
}

static int find_ok(const struct lson_doc *d, const char *ptr)
{
	int i = lson_find(d, ptr);

	if (i < 0)
		fail_msg("no node at %s", ptr);
	return i;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Same tree: types, keys, values, shape, and the Live data of LiveText and
 * LiveFile (through their compact JSON). */
static void assert_same_doc(const struct lson_doc *a, const struct lson_doc *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct lson_node *x = &a->nodes[i], *y = &b->nodes[i];

		assert_int_equal(x->type, y->type);
		assert_int_equal(x->parent, y->parent);
		assert_int_equal(x->depth, y->depth);
		assert_int_equal(x->n_children, y->n_children);
		assert_int_equal(x->subtree, y->subtree);
		assert_int_equal(x->index, y->index);
		if (x->key || y->key)
			assert_string_equal(x->key, y->key);
		if (x->value || y->value)
			assert_string_equal(x->value, y->value);
		if (x->type == LSON_LIVE_TEXT || x->type == LSON_LIVE_FILE) {
			char *ja = lson_subtree_json(a, (int)i, true, false);
			char *jb = lson_subtree_json(b, (int)i, true, false);

			assert_string_equal(ja, jb);
			free(ja);
			free(jb);
		}
	}
}

/* A plain-LSON document: a LiveList of `shapes` LiveObjects (14 nodes
 * each), a LiveMap of `users` entries (3 nodes each, keys with '/' and
 * '~'), plus a few other values. */
static char *gen_doc(int shapes, int users, size_t *len)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	             "\"title\":\"Board\",\"version\":3,"
	             "\"notes\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"Hello "
	             "\",{\"bold\":true}],[\"world\"]]},"
	             "\"cover\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"f1\",\"name\":"
	             "\"cover.png\",\"size\":12345,\"mimeType\":\"image/png\"}},"
	             "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":[");
	for (int i = 0; i < shapes; i++)
		buf_printf(
		    &b,
		    "%s{\"liveblocksType\":\"LiveObject\",\"data\":{\"id\":\"shape-%d\",\"x\":%d,"
		    "\"y\":%d,\"w\":%d.5,\"color\":\"#%06x\",\"label\":\"Shape number %d\","
		    "\"visible\":%s,\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"t%d\","
		    "null]},\"style\":{\"stroke\":%d,\"fill\":false}}}",
		    i ? "," : "", i, i * 3, i * 7 % 1000, i % 50,
		    (unsigned)(i * 2654435761u) & 0xffffff, i, i % 2 ? "true" : "false", i % 7,
		    i % 4);
	buf_adds(&b, "]},\"users\":{\"liveblocksType\":\"LiveMap\",\"data\":{");
	for (int i = 0; i < users; i++)
		buf_printf(
		    &b,
		    "%s\"user/~%d\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"name\":\"User "
		    "%d\",\"age\":%d}}",
		    i ? "," : "", i, i, 20 + i % 50);
	buf_adds(&b, "}}}}");
	*len = b.len;
	return buf_steal(&b);
}

static const char ALL_TYPES[] =
    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
    "\"obj\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":10,\"y\":20}},"
    "\"list\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",1.5e3,true]},"
    "\"map\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":null}},"
    "\"text\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"Hello "
    "\",{\"bold\":true}],[\"world\"]],\"version\":4},"
    "\"file\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"f1\",\"name\":\"photo.png\","
    "\"size\":12400,\"mimeType\":\"image/png\"}},"
    "\"plain\":{\"a\":[1,{\"b\":false}]},"
    "\"s\":\"str\",\"n\":-0.5,\"t\":true,\"f\":false,\"z\":null}}";

/* ---- decoding ------------------------------------------------------------- */

static void test_parse_every_type(void **state)
{
	struct lson_doc *d = parse_ok(ALL_TYPES, true);
	const struct lson_node *root = &d->nodes[0];
	int i;

	(void)state;
	assert_true(d->plain_lson);
	assert_int_equal(root->type, LSON_LIVE_OBJECT);
	assert_int_equal(root->parent, -1);
	assert_null(root->key);
	assert_int_equal(root->n_children, 11);
	assert_int_equal(root->subtree, (int)d->n - 1);

	i = find_ok(d, "/obj");
	assert_int_equal(d->nodes[i].type, LSON_LIVE_OBJECT);
	assert_int_equal(d->nodes[i].n_children, 2);
	assert_int_equal(d->nodes[i].subtree, 2);
	assert_string_equal(d->nodes[i + 1].key, "x");
	assert_string_equal(d->nodes[i + 1].value, "10");
	assert_int_equal(d->nodes[i + 1].parent, i);
	assert_int_equal(d->nodes[i + 1].depth, 2);
	assert_int_equal(d->nodes[i + 2].index, 1);

	i = find_ok(d, "/list");
	assert_int_equal(d->nodes[i].type, LSON_LIVE_LIST);
	assert_int_equal(d->nodes[i].n_children, 3);
	assert_null(d->nodes[i + 1].key);
	assert_int_equal(d->nodes[i + 1].type, LSON_STRING);
	assert_int_equal(d->nodes[i + 2].type, LSON_NUMBER);
	assert_string_equal(d->nodes[i + 2].value, "1.5e3"); /* as written */
	assert_int_equal(d->nodes[i + 3].type, LSON_BOOL);
	assert_int_equal(d->nodes[i + 3].index, 2);

	i = find_ok(d, "/map");
	assert_int_equal(d->nodes[i].type, LSON_LIVE_MAP);
	assert_int_equal(d->nodes[i + 1].type, LSON_NULL);
	assert_string_equal(d->nodes[i + 1].value, "null");

	i = find_ok(d, "/text");
	assert_int_equal(d->nodes[i].type, LSON_LIVE_TEXT);
	assert_string_equal(d->nodes[i].value, "Hello world");
	assert_int_equal(d->nodes[i].n_children, 0);

	i = find_ok(d, "/file");
	assert_int_equal(d->nodes[i].type, LSON_LIVE_FILE);
	assert_string_equal(d->nodes[i].value, "photo.png");
	assert_int_equal(d->nodes[i].n_children, 0);

	i = find_ok(d, "/plain");
	assert_int_equal(d->nodes[i].type, LSON_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/plain/a")].type, LSON_ARRAY);
	assert_int_equal(d->nodes[find_ok(d, "/plain/a/1/b")].type, LSON_BOOL);
	assert_int_equal(d->nodes[find_ok(d, "/plain/a/1/b")].depth, 4);

	assert_int_equal(d->nodes[find_ok(d, "/s")].type, LSON_STRING);
	assert_int_equal(d->nodes[find_ok(d, "/n")].type, LSON_NUMBER);
	assert_string_equal(d->nodes[find_ok(d, "/n")].value, "-0.5");
	assert_string_equal(d->nodes[find_ok(d, "/t")].value, "true");
	assert_string_equal(d->nodes[find_ok(d, "/f")].value, "false");
	assert_int_equal(d->nodes[find_ok(d, "/z")].type, LSON_NULL);
	assert_null(d->nodes[find_ok(d, "/obj")].value);

	/* every node's children are where the preorder layout says */
	for (size_t j = 0; j < d->n; j++) {
		const struct lson_node *nd = &d->nodes[j];
		int c = (int)j + 1, count = 0;

		while (c <= (int)j + nd->subtree) {
			assert_int_equal(d->nodes[c].parent, (int)j);
			assert_int_equal(d->nodes[c].index, count);
			assert_int_equal(d->nodes[c].depth, nd->depth + 1);
			count++;
			c += d->nodes[c].subtree + 1;
		}
		assert_int_equal(count, nd->n_children);
	}
	lson_unref(&d);
	assert_null(d);
}

static void test_parse_type_names(void **state)
{
	(void)state;
	assert_string_equal(lson_type_name(LSON_LIVE_OBJECT), "LiveObject");
	assert_string_equal(lson_type_name(LSON_LIVE_FILE), "LiveFile");
	assert_string_equal(lson_type_name(LSON_BOOL), "boolean");
	assert_string_equal(lson_type_name(LSON_TYPE_COUNT), "?");
	assert_true(lson_is_container(LSON_LIVE_MAP));
	assert_true(lson_is_container(LSON_ARRAY));
	assert_false(lson_is_container(LSON_LIVE_TEXT));
	assert_false(lson_is_container(LSON_STRING));
}

static void test_parse_nesting(void **state)
{
	/* Live inside Live; a wrapper inside plain JSON stays plain JSON, as
	 * the server stores it */
	const char *json =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"l\":{\"liveblocksType\":\"LiveList\","
	    "\"data\":[{\"liveblocksType\":\"LiveMap\",\"data\":{\"m\":{\"liveblocksType\":"
	    "\"LiveList\",\"data\":[[]]}}}]},\"p\":{\"inner\":{\"liveblocksType\":\"LiveList\","
	    "\"data\":[1]}},\"arr\":[{\"liveblocksType\":\"LiveObject\",\"data\":{}}]}}";
	struct lson_doc *d = parse_ok(json, true);

	(void)state;
	assert_int_equal(d->nodes[find_ok(d, "/l")].type, LSON_LIVE_LIST);
	assert_int_equal(d->nodes[find_ok(d, "/l/0")].type, LSON_LIVE_MAP);
	assert_int_equal(d->nodes[find_ok(d, "/l/0/m")].type, LSON_LIVE_LIST);
	assert_int_equal(d->nodes[find_ok(d, "/l/0/m/0")].type, LSON_ARRAY);
	assert_int_equal(d->nodes[find_ok(d, "/l/0/m/0")].depth, 4);
	assert_int_equal(d->nodes[find_ok(d, "/p/inner")].type, LSON_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/p/inner/liveblocksType")].type, LSON_STRING);
	assert_int_equal(d->nodes[find_ok(d, "/p/inner/data/0")].type, LSON_NUMBER);
	assert_int_equal(d->nodes[find_ok(d, "/arr/0")].type, LSON_OBJECT);
	lson_unref(&d);
}

static void test_parse_simplified(void **state)
{
	struct lson_doc *d = parse_ok(ALL_TYPES, false);

	(void)state;
	assert_false(d->plain_lson);
	assert_int_equal(d->nodes[0].type, LSON_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/liveblocksType")].type, LSON_STRING);
	assert_int_equal(d->nodes[find_ok(d, "/data/list/data")].type, LSON_ARRAY);
	lson_unref(&d);

	d = parse_ok("{\"shapes\":[{\"x\":1}],\"t\":[[\"hi\"]]}", false);
	assert_int_equal(d->n, 7);
	assert_int_equal(d->nodes[find_ok(d, "/shapes/0/x")].type, LSON_NUMBER);
	lson_unref(&d);
}

static void test_parse_malformed_wrappers(void **state)
{
	/* Decision: a wrapper whose liveblocksType is unknown, whose data has
	 * the wrong JSON type, or that has other members, is shown as the
	 * plain JSON object it is (nothing lost); lson_validate_document is
	 * what rejects it. */
	const char *json = "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                   "\"a\":{\"liveblocksType\":\"LiveList\",\"data\":{}},"
	                   "\"b\":{\"liveblocksType\":\"LiveFoo\",\"data\":{}},"
	                   "\"c\":{\"liveblocksType\":\"LiveObject\",\"data\":{},\"extra\":1},"
	                   "\"d\":{\"liveblocksType\":\"LiveText\",\"data\":{}},"
	                   "\"e\":{\"liveblocksType\":3,\"data\":[]},"
	                   "\"f\":{\"data\":[],\"liveblocksType\":\"LiveList\"},"
	                   "\"g\":{\"liveblocksType\":\"LiveText\",\"data\":[[1],\"x\",[\"ok\"]]},"
	                   "\"h\":{\"liveblocksType\":\"LiveFile\",\"data\":{}}}}";
	struct lson_doc *d = parse_ok(json, true);

	(void)state;
	assert_int_equal(d->nodes[0].type, LSON_LIVE_OBJECT);
	for (const char *p = "abcde"; *p; p++) {
		char ptr[4] = {'/', *p, 0};

		assert_int_equal(d->nodes[find_ok(d, ptr)].type, LSON_OBJECT);
	}
	assert_int_equal(d->nodes[find_ok(d, "/c/extra")].type, LSON_NUMBER);
	/* member order does not matter */
	assert_int_equal(d->nodes[find_ok(d, "/f")].type, LSON_LIVE_LIST);
	/* odd segments are kept in the data but give no text */
	assert_int_equal(d->nodes[find_ok(d, "/g")].type, LSON_LIVE_TEXT);
	assert_string_equal(d->nodes[find_ok(d, "/g")].value, "ok");
	assert_int_equal(d->nodes[find_ok(d, "/h")].type, LSON_LIVE_FILE);
	assert_string_equal(d->nodes[find_ok(d, "/h")].value, "");
	lson_unref(&d);

	/* a root that is a plain object is accepted (shown as it is) */
	d = parse_ok("{\"x\":1}", true);
	assert_int_equal(d->nodes[0].type, LSON_OBJECT);
	lson_unref(&d);
}

static void test_parse_unicode(void **state)
{
	const char *json = "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                   "\"caf\\u00e9\":\"\\u00e9t\\u00e9\","
	                   "\"emoji\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80\","
	                   "\"raw\":\"\xc3\xa9\xe6\x97\xa5\","
	                   "\"esc\":\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\","
	                   "\"nul\":\"x\\u0000y\","
	                   "\"lone\":\"\\ud800z\","
	                   "\"\\u006civeblocksType\":1}}";
	struct lson_doc *d = parse_ok(json, true);

	(void)state;
	assert_string_equal(d->nodes[find_ok(d, "/caf\xc3\xa9")].value, "\xc3\xa9t\xc3\xa9");
	assert_string_equal(d->nodes[find_ok(d, "/emoji")].value,
	                    "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
	assert_string_equal(d->nodes[find_ok(d, "/raw")].value, "\xc3\xa9\xe6\x97\xa5");
	assert_string_equal(d->nodes[find_ok(d, "/esc")].value, "a\"b\\c/d\n\t\r\b\f");
	/* values are C strings: U+0000 and lone surrogates become U+FFFD */
	assert_string_equal(d->nodes[find_ok(d, "/nul")].value, "x\xef\xbf\xbdy");
	assert_string_equal(d->nodes[find_ok(d, "/lone")].value, "\xef\xbf\xbdz");
	assert_int_equal(d->nodes[find_ok(d, "/liveblocksType")].type, LSON_NUMBER);
	lson_unref(&d);
}

static void test_parse_malformed(void **state)
{
	char deep[2100];
	size_t n = 0;

	(void)state;
	parse_fails("", 0, "empty");
	parse_fails("   \n", 4, "empty");
	parse_fails("[1,2]", 5, "not a JSON object");
	parse_fails("\"str\"", 5, "not a JSON object");
	parse_fails("42", 2, "not a JSON object");
	parse_fails("{\"a\":1", 6, "line 1, column 7");
	parse_fails("{\"a\":1,}", 8, "expected a key");
	parse_fails("{\"a\" 1}", 7, "expected ':'");
	parse_fails("{\"a\":[1 2]}", 11, "expected ',' or ']'");
	parse_fails("{\"a\":01}", 8, "expected ',' or '}'");
	parse_fails("{\"a\":-}", 7, "bad number");
	parse_fails("{\"a\":1.}", 8, "bad number");
	parse_fails("{\"a\":1e}", 8, "bad number");
	parse_fails("{\"a\":tru}", 9, "unexpected character");
	parse_fails("{\"a\":\"x\\q\"}", 11, "bad escape");
	parse_fails("{\"a\":\"\\u12G4\"}", 14, "bad \\u escape");
	parse_fails("{\"a\":\"line\nbreak\"}", 18, "control character");
	parse_fails("{\"a\":\"open}", 11, "unterminated string");
	parse_fails("{}\n{}", 5, "line 2, column 1: unexpected data after the document");
	parse_fails("{\"a\":1}x", 8, "unexpected data");
	/* the length is respected: the text is not read past len */
	parse_fails("{\"a\":1}", 6, "column 7: unexpected end, expected ',' or '}'");
	/* nesting beyond 1000 levels */
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < 1001; i++)
		deep[n++] = '[';
	parse_fails(deep, n, "nested too deeply");
}

static void test_ref_unref(void **state)
{
	struct lson_doc *d = parse_ok("{\"a\":\"b\"}", false), *e;

	(void)state;
	e = lson_ref(d);
	assert_ptr_equal(d, e);
	lson_unref(&e);
	assert_null(e);
	assert_string_equal(d->nodes[1].value, "b"); /* still alive */
	lson_unref(&d);
	lson_unref(&d); /* NULL is fine */
	assert_null(lson_ref(NULL));
}

/* ---- paths -------------------------------------------------------------------- */

static void test_pointer_escaping(void **state)
{
	const char *json =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a/b\":{\"liveblocksType\":"
	    "\"LiveMap\",\"data\":{\"c~d\":{\"liveblocksType\":\"LiveList\",\"data\":"
	    "[0,{\"~1\":true}]}}},\"\":5}}";
	struct lson_doc *d = parse_ok(json, true);
	char **tok = NULL;
	size_t n = 0;
	struct lb_error err;
	char *p;
	int i;

	(void)state;
	i = find_ok(d, "/a~1b/c~0d/1/~01");
	assert_int_equal(d->nodes[i].type, LSON_BOOL);
	p = lson_path(d, i);
	assert_string_equal(p, "/a~1b/c~0d/1/~01");
	free(p);
	p = lson_path(d, 0);
	assert_string_equal(p, "");
	free(p);
	i = find_ok(d, "/");
	assert_string_equal(d->nodes[i].value, "5");
	p = lson_path(d, i);
	assert_string_equal(p, "/");
	free(p);
	assert_int_equal(lson_find(d, ""), 0);
	assert_int_equal(lson_find(d, "/a/b"), -1);
	assert_int_equal(lson_find(d, "a~1b"), -1);
	assert_int_equal(lson_find(d, "/a~1b/c~0d/01"), -1);  /* leading zero */
	assert_int_equal(lson_find(d, "/a~1b/c~0d/2"), -1);   /* out of range */
	assert_int_equal(lson_find(d, "/a~1b/c~0d/-"), -1);   /* "-" is no node */
	assert_int_equal(lson_find(d, "/a~1b/c~0d/0/x"), -1); /* into a scalar */
	assert_null(lson_path(d, -1));
	assert_null(lson_path(d, (int)d->n));

	assert_true(lson_pointer_split("/a~1b/c~0d//~01", &tok, &n, &err));
	assert_int_equal(n, 4);
	assert_string_equal(tok[0], "a/b");
	assert_string_equal(tok[1], "c~d");
	assert_string_equal(tok[2], "");
	assert_string_equal(tok[3], "~1");
	lson_tokens_free(&tok, n);
	assert_null(tok);
	assert_true(lson_pointer_split("", &tok, &n, &err));
	assert_int_equal(n, 0);
	lson_tokens_free(&tok, n);
	lb_error_clear(&err);
	assert_false(lson_pointer_split("shapes/3", &tok, &n, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "must start with \"/\""));
	/* Only ~0 and ~1 are escapes; anything else is refused, not sent. */
	assert_false(lson_pointer_split("/x~2", &tok, &n, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_false(lson_pointer_split("/y~", &tok, &n, &err));
	assert_non_null(strstr(err.message, "~0"));
	lson_unref(&d);
}

static void test_path_find_roundtrip(void **state)
{
	size_t len;
	char *json = gen_doc(300, 200, &len);
	struct lb_error err;
	struct lson_doc *d = lson_parse(json, len, true, &err);

	(void)state;
	assert_non_null(d);
	assert_true(d->n > 4000);
	for (size_t i = 0; i < d->n; i++) {
		char *p = lson_path(d, (int)i);

		assert_non_null(p);
		assert_int_equal(lson_find(d, p), (int)i);
		free(p);
	}
	assert_int_equal(d->nodes[find_ok(d, "/users/user~1~01")].type, LSON_LIVE_OBJECT);
	lson_unref(&d);
	free(json);
}

/* ---- summaries ---------------------------------------------------------------- */

static void check_summary(const struct lson_doc *d, const char *ptr, size_t n, const char *want)
{
	char out[256];

	assert_true(n <= sizeof(out));
	memset(out, 'X', sizeof(out));
	lson_summary(d, find_ok(d, ptr), out, n);
	assert_string_equal(out, want);
	assert_true(strlen(out) < n);
}

static void test_summary(void **state)
{
	const char *json =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	    "\"one\":{\"liveblocksType\":\"LiveList\",\"data\":[1]},"
	    "\"none\":[],"
	    "\"mixed\":{\"a\":{\"b\":1},\"c\":[2],\"d\":[],\"e\":{},\"s\":\"hi\\n\",\"n\":null},"
	    "\"long\":\"abcdefghijklmnopqrstuvwxyz0123456789\","
	    "\"uni\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\","
	    "\"empty\":{\"liveblocksType\":\"LiveMap\",\"data\":{}},"
	    "\"tiny\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"f\",\"name\":\"a.txt\","
	    "\"size\":12,\"mimeType\":\"text/plain\"}}}}";
	struct lson_doc *d = parse_ok(json, true), *all = parse_ok(ALL_TYPES, true);
	char out[64];

	(void)state;
	check_summary(all, "/list", 64, "3 items");
	check_summary(d, "/one", 64, "1 item");
	check_summary(d, "/none", 64, "0 items");
	check_summary(all, "/obj", 64, "{x: 10, y: 20}");
	check_summary(all, "/obj", 13, "{x: 10, \xe2\x80\xa6}");
	check_summary(all, "/obj", 6, "{\xe2\x80\xa6}");
	check_summary(d, "/empty", 64, "{}");
	check_summary(
	    d, "/mixed", 128,
	    "{a: {\xe2\x80\xa6}, c: [\xe2\x80\xa6], d: [], e: {}, s: \"hi\\n\", n: null}");
	check_summary(all, "/map", 64, "{k: null}");
	check_summary(all, "/s", 64, "\"str\"");
	check_summary(d, "/long", 20, "\"abcdefghijkl\xe2\x80\xa6\"");
	check_summary(d, "/uni", 12, "\"\xc3\xa9\xc3\xa9\xe2\x80\xa6\"");
	check_summary(d, "/uni", 11, "\"\xc3\xa9\xe2\x80\xa6\"");
	check_summary(all, "/n", 64, "-0.5");
	check_summary(all, "/t", 64, "true");
	check_summary(all, "/z", 64, "null");
	check_summary(all, "/text", 64, "\"Hello world\"");
	check_summary(all, "/file", 64, "photo.png (12.1 KiB, image/png)");
	check_summary(d, "/tiny", 64, "a.txt (12 B, text/plain)");
	check_summary(all, "/file", 12, "photo.pn\xe2\x80\xa6");
	/* the root preview never walks more children than fit */
	lson_summary(all, 0, out, sizeof(out));
	assert_true(strncmp(out, "{obj: {\xe2\x80\xa6}, list: [\xe2\x80\xa6], map: {\xe2\x80\xa6}",
	                    30) == 0);
	assert_non_null(strstr(out, ", \xe2\x80\xa6}"));
	lson_summary(all, -1, out, sizeof(out));
	assert_string_equal(out, "");
	lson_unref(&d);
	lson_unref(&all);
}

/* ---- search ------------------------------------------------------------------- */

static void test_search(void **state)
{
	const char *json = "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                   "\"Alpha\":1,\"list\":{\"liveblocksType\":\"LiveList\",\"data\":["
	                   "\"beta\",\"ALPHABET\"]},"
	                   "\"gamma\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"say alpha\"]]},"
	                   "\"f\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"x\",\"name\":"
	                   "\"alpha.png\",\"size\":1,\"mimeType\":\"image/png\"}}}}";
	struct lson_doc *d = parse_ok(json, true);
	int alpha = find_ok(d, "/Alpha"), ab = find_ok(d, "/list/1"), g = find_ok(d, "/gamma"),
	    f = find_ok(d, "/f");

	(void)state;
	assert_int_equal(lson_search(d, "alpha", -1, 1), alpha); /* key, any case */
	assert_int_equal(lson_search(d, "alpha", alpha, 1), ab);
	assert_int_equal(lson_search(d, "ALPHA", ab, 1), g);     /* LiveText text */
	assert_int_equal(lson_search(d, "alpha", g, 1), f);      /* LiveFile name */
	assert_int_equal(lson_search(d, "alpha", f, 1), alpha);  /* wraps */
	assert_int_equal(lson_search(d, "alpha", alpha, -1), f); /* backward wraps */
	assert_int_equal(lson_search(d, "alpha", f, -1), g);
	assert_int_equal(lson_search(d, "alpha", -1, -1), f);
	assert_int_equal(lson_search(d, "beta", -1, 1), find_ok(d, "/list/0"));
	/* the starting node itself is found only after a full turn: never */
	assert_int_equal(lson_search(d, "gamma", g, 1), -1);
	assert_int_equal(lson_search(d, "nothing", 0, 1), -1);
	assert_int_equal(lson_search(d, "", 0, 1), -1);
	assert_true(lson_matches(d, ab, "habe"));
	assert_false(lson_matches(d, ab, "habex"));
	assert_false(lson_matches(d, find_ok(d, "/list"), "beta")); /* containers: key only */
	assert_true(lson_matches(d, find_ok(d, "/list"), "LIS"));

	/* Every match at once, in document order. */
	int *all = NULL;
	assert_int_equal(lson_search_all(d, "ALPHA", &all), 4);
	assert_non_null(all);
	assert_int_equal(all[0], alpha);
	assert_int_equal(all[1], ab);
	assert_int_equal(all[2], g);
	assert_int_equal(all[3], f);
	free(all);
	assert_int_equal(lson_search_all(d, "nothing", &all), 0);
	assert_null(all);
	assert_int_equal(lson_search_all(d, "", &all), 0);
	assert_null(all);
	lson_unref(&d);
}

/* ---- subtree JSON --------------------------------------------------------------- */

static void test_subtree_json_pretty(void **state)
{
	const char *json =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"b\":1,\"a\":{\"liveblocksType\":"
	    "\"LiveList\",\"data\":[\"x\",{\"k\":[]},{\"liveblocksType\":\"LiveMap\","
	    "\"data\":{}}]},\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"Hi, "
	    "you\",{\"bold\":true}]],\"version\":2},\"s\":\"q\\\"\\n\\u0001\"}}";
	struct lson_doc *d = parse_ok(json, true);
	char *s;

	(void)state;
	s = lson_subtree_json(d, 0, true, true);
	assert_string_equal(s, "{\n"
	                       "  \"liveblocksType\": \"LiveObject\",\n"
	                       "  \"data\": {\n"
	                       "    \"b\": 1,\n"
	                       "    \"a\": {\n"
	                       "      \"liveblocksType\": \"LiveList\",\n"
	                       "      \"data\": [\n"
	                       "        \"x\",\n"
	                       "        {\n"
	                       "          \"k\": []\n"
	                       "        },\n"
	                       "        {\n"
	                       "          \"liveblocksType\": \"LiveMap\",\n"
	                       "          \"data\": {}\n"
	                       "        }\n"
	                       "      ]\n"
	                       "    },\n"
	                       "    \"t\": {\n"
	                       "      \"liveblocksType\": \"LiveText\",\n"
	                       "      \"data\": [[\"Hi, you\", {\"bold\": true}]],\n"
	                       "      \"version\": 2\n"
	                       "    },\n"
	                       "    \"s\": \"q\\\"\\n\\u0001\"\n"
	                       "  }\n"
	                       "}");
	free(s);
	s = lson_subtree_json(d, 0, false, true);
	assert_string_equal(s, "{\n"
	                       "  \"b\": 1,\n"
	                       "  \"a\": [\n"
	                       "    \"x\",\n"
	                       "    {\n"
	                       "      \"k\": []\n"
	                       "    },\n"
	                       "    {}\n"
	                       "  ],\n"
	                       "  \"t\": [[\"Hi, you\", {\"bold\": true}]],\n"
	                       "  \"s\": \"q\\\"\\n\\u0001\"\n"
	                       "}");
	free(s);
	s = lson_subtree_json(d, 0, false, false);
	assert_string_equal(
	    s, "{\"b\":1,\"a\":[\"x\",{\"k\":[]},{}],\"t\":[[\"Hi, you\",{\"bold\":true}]],"
	       "\"s\":\"q\\\"\\n\\u0001\"}");
	free(s);
	s = lson_subtree_json(d, 0, true, false);
	assert_string_equal(s, json);
	free(s);
	s = lson_subtree_json(d, find_ok(d, "/a/1"), true, true);
	assert_string_equal(s, "{\n  \"k\": []\n}");
	free(s);
	s = lson_subtree_json(d, find_ok(d, "/b"), true, true);
	assert_string_equal(s, "1");
	free(s);
	assert_null(lson_subtree_json(d, 99, true, true));
	lson_unref(&d);
}

static void roundtrip(const char *json, size_t len, bool plain)
{
	struct lb_error err;
	struct lson_doc *d = lson_parse(json, len, plain, &err), *e;

	assert_non_null(d);
	for (int pretty = 0; pretty < 2; pretty++) {
		char *s = lson_subtree_json(d, 0, true, pretty);

		assert_non_null(s);
		e = lson_parse(s, strlen(s), plain, &err);
		assert_non_null(e);
		assert_same_doc(d, e);
		lson_unref(&e);
		free(s);
	}
	lson_unref(&d);
}

static void test_subtree_json_roundtrip(void **state)
{
	size_t len;
	char *json = gen_doc(200, 50, &len);

	(void)state;
	roundtrip(ALL_TYPES, strlen(ALL_TYPES), true);
	roundtrip(ALL_TYPES, strlen(ALL_TYPES), false);
	roundtrip(json, len, true);
	roundtrip(json, len, false);
	{
		const char *odd = "{\"\\u00e9\\n\":[\"\\ud83d\\ude00\",-1E+2,{}],\"\":\"\"}";

		roundtrip(odd, strlen(odd), true);
	}
	free(json);
}

/* ---- tree diff ------------------------------------------------------------------ */

static size_t diff_of(const char *a, const char *b, struct lson_delta **v)
{
	struct lson_doc *da = parse_ok(a, true), *db = parse_ok(b, true);
	size_t n = lson_diff(da, db, v);

	lson_unref(&da);
	lson_unref(&db);
	return n;
}

static void check_delta(const struct lson_delta *e, enum lson_change kind, const char *path,
                        const char *before, const char *after)
{
	assert_int_equal(e->kind, kind);
	assert_string_equal(e->path, path);
	if (before)
		assert_string_equal(e->before, before);
	else
		assert_null(e->before);
	if (after)
		assert_string_equal(e->after, after);
	else
		assert_null(e->after);
}

#define LO(x) "{\"liveblocksType\":\"LiveObject\",\"data\":{" x "}}"
#define LL(x) "{\"liveblocksType\":\"LiveList\",\"data\":[" x "]}"

static void test_diff_basic(void **state)
{
	struct lson_delta *v = NULL;
	size_t n;

	(void)state;
	n = diff_of(ALL_TYPES, ALL_TYPES, &v);
	assert_int_equal(n, 0);
	lson_deltas_free(&v, n);

	n = diff_of(LO("\"x\":10,\"gone\":1,\"s\":\"a\""), LO("\"x\":42,\"s\":\"a\",\"new\":[1]"),
	            &v);
	assert_int_equal(n, 3);
	check_delta(&v[0], LSON_REMOVED, "/gone", "1", NULL);
	check_delta(&v[1], LSON_ADDED, "/new", NULL, "[1]");
	check_delta(&v[2], LSON_CHANGED, "/x", "10", "42");
	lson_deltas_free(&v, n);
	assert_null(v);

	/* a type change at a path is one CHANGED, also Live vs plain */
	n = diff_of(LO("\"a\":\"1\",\"b\":" LO("\"k\":1") ",\"c\":true"),
	            LO("\"a\":1,\"b\":{\"k\":1},\"c\":false"), &v);
	assert_int_equal(n, 3);
	check_delta(&v[0], LSON_CHANGED, "/a", "\"1\"", "1");
	check_delta(&v[1], LSON_CHANGED, "/b", LO("\"k\":1"), "{\"k\":1}");
	check_delta(&v[2], LSON_CHANGED, "/c", "true", "false");
	lson_deltas_free(&v, n);

	/* a removed container is one delta, not one per descendant */
	n = diff_of(LO("\"keep\":1,\"box\":" LO("\"l\":" LL("1,2,3") ",\"o\":{\"p\":[4]}")),
	            LO("\"keep\":1"), &v);
	assert_int_equal(n, 1);
	check_delta(&v[0], LSON_REMOVED, "/box", LO("\"l\":" LL("1,2,3") ",\"o\":{\"p\":[4]}"),
	            NULL);
	lson_deltas_free(&v, n);

	/* same keys in another order: nothing changed */
	n = diff_of(LO("\"a\":1,\"b\":2,\"c\":{\"d\":3,\"e\":4}"),
	            LO("\"c\":{\"e\":4,\"d\":3},\"b\":2,\"a\":1"), &v);
	assert_int_equal(n, 0);
	lson_deltas_free(&v, n);
}

static void test_diff_lists_and_live(void **state)
{
	struct lson_delta *v = NULL;
	size_t n;

	(void)state;
	/* lists compare by index (the server's paths): inserting at the front
	 * changes every later index and adds the last */
	n = diff_of(LO("\"l\":" LL("\"a\",\"b\"")), LO("\"l\":" LL("\"z\",\"a\",\"b\"")), &v);
	assert_int_equal(n, 3);
	check_delta(&v[0], LSON_CHANGED, "/l/0", "\"a\"", "\"z\"");
	check_delta(&v[1], LSON_CHANGED, "/l/1", "\"b\"", "\"a\"");
	check_delta(&v[2], LSON_ADDED, "/l/2", NULL, "\"b\"");
	lson_deltas_free(&v, n);

	/* shrinking: removed items, in numeric path order (2 before 10) */
	{
		struct buf a, b;

		buf_init(&a);
		buf_init(&b);
		buf_adds(&a, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"l\":" LL("0"));
		buf_adds(&b, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"l\":" LL("0,1"));
		a.len -= 2; /* reopen the list */
		for (int i = 1; i < 12; i++)
			buf_printf(&a, ",%d", i);
		buf_adds(&a, "]}}}");
		buf_adds(&b, "}}");
		n = diff_of(a.data, b.data, &v);
		assert_int_equal(n, 10);
		check_delta(&v[0], LSON_REMOVED, "/l/2", "2", NULL);
		check_delta(&v[7], LSON_REMOVED, "/l/9", "9", NULL);
		check_delta(&v[8], LSON_REMOVED, "/l/10", "10", NULL);
		lson_deltas_free(&v, n);
		buf_free(&a);
		buf_free(&b);
	}

	/* nested changes, LiveText and LiveFile data, keys to escape */
	n = diff_of(
	    LO("\"m\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"a/b\":" LO(
	        "\"x\":1") "}},"
	                   "\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]},"
	                   "\"u\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}"),
	    LO("\"m\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"a/b\":" LO(
	        "\"x\":2,\"y\":3") "}},"
	                           "\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\",{"
	                           "\"bold\":true}]]},"
	                           "\"u\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}"),
	    &v);
	assert_int_equal(n, 3);
	check_delta(&v[0], LSON_CHANGED, "/m/a~1b/x", "1", "2");
	check_delta(&v[1], LSON_ADDED, "/m/a~1b/y", NULL, "3");
	check_delta(&v[2], LSON_CHANGED, "/t",
	            "{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}",
	            "{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\",{\"bold\":true}]]}");
	lson_deltas_free(&v, n);

	/* the root itself changing type */
	n = diff_of(LO(""), "{}", &v);
	assert_int_equal(n, 1);
	check_delta(&v[0], LSON_CHANGED, "", LO(""), "{}");
	lson_deltas_free(&v, n);
}

/* ---- JSON Patch ---------------------------------------------------------------- */

static void test_patch_to_json(void **state)
{
	struct patch p = {0};
	char *s;

	(void)state;
	s = patch_to_json(&p);
	assert_string_equal(s, "[]");
	free(s);
	assert_true(patch_add(&p, PATCH_ADD, "/shapes/-", NULL, "{ \"x\" : 1.50, \"t\":\"a b\" }"));
	assert_true(patch_add(&p, PATCH_REMOVE, "/a~1b", NULL, NULL));
	assert_true(patch_add(&p, PATCH_REPLACE, "/q\"", NULL, "null"));
	assert_true(patch_add(&p, PATCH_MOVE, "/to", "/from", NULL));
	assert_true(patch_add(&p, PATCH_COPY, "/c", "/d", NULL));
	assert_true(patch_add(&p, PATCH_TEST, "/t", NULL, "[1, 2]"));
	assert_int_equal(p.n, 6);
	s = patch_to_json(&p);
	assert_string_equal(
	    s, "[{\"op\":\"add\",\"path\":\"/shapes/-\",\"value\":{\"x\":1.50,\"t\":\"a b\"}},"
	       "{\"op\":\"remove\",\"path\":\"/a~1b\"},"
	       "{\"op\":\"replace\",\"path\":\"/q\\\"\",\"value\":null},"
	       "{\"op\":\"move\",\"from\":\"/from\",\"path\":\"/to\"},"
	       "{\"op\":\"copy\",\"from\":\"/d\",\"path\":\"/c\"},"
	       "{\"op\":\"test\",\"path\":\"/t\",\"value\":[1,2]}]");
	free(s);
	/* a value that is not JSON gives no body */
	assert_true(patch_add(&p, PATCH_ADD, "/x", NULL, "{oops"));
	assert_null(patch_to_json(&p));
	patch_clear(&p);
	assert_null(p.ops);
	assert_int_equal(p.n, 0);
}

static void check_from_json(const char *in, enum lson_wrap wrap, const char *want)
{
	struct lb_error err;
	char *s = lson_from_json(in, wrap, &err);

	if (!s)
		fail_msg("lson_from_json(%s): %s", in, err.message);
	assert_string_equal(s, want);
	free(s);
}

static void test_from_json(void **state)
{
	struct lb_error err;

	(void)state;
	check_from_json("{\"a\":[1,{\"b\":null}],\"c\":\"s\"}", LSON_WRAP_LIVE,
	                LO("\"a\":" LL("1," LO("\"b\":null")) ",\"c\":\"s\""));
	check_from_json("{\"u1\":{\"name\":\"A\"},\"u2\":[]}", LSON_WRAP_LIVE_MAP,
	                "{\"liveblocksType\":\"LiveMap\",\"data\":{\"u1\":" LO(
	                    "\"name\":\"A\"") ",\"u2\":" LL("") "}}");
	check_from_json("[{\"x\":1}]", LSON_WRAP_LIVE_MAP, LL(LO("\"x\":1")));
	check_from_json(" { \"a\" : [ 1.50 ] } ", LSON_WRAP_PLAIN, "{\"a\":[1.50]}");
	/* an escaped backslash ends a string: "//" after it is not a comment */
	check_from_json("{\"k\\\\\" : \"a // b\", \"q\\\"\": \" \\\" \"}", LSON_WRAP_PLAIN,
	                "{\"k\\\\\":\"a // b\",\"q\\\"\":\" \\\" \"}");
	check_from_json("42", LSON_WRAP_LIVE, "42");
	check_from_json("\"s\"", LSON_WRAP_LIVE_MAP, "\"s\"");
	/* wrappers already there are kept (and their insides converted) */
	check_from_json("{\"liveblocksType\":\"LiveMap\",\"data\":{\"a\":[1]}}", LSON_WRAP_LIVE,
	                "{\"liveblocksType\":\"LiveMap\",\"data\":{\"a\":" LL("1") "}}");
	check_from_json("{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}", LSON_WRAP_LIVE_MAP,
	                "{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}");
	/* the emulator's toLson: a wrapper with the wrong data is an object */
	check_from_json("{\"liveblocksType\":\"LiveList\",\"data\":{}}", LSON_WRAP_LIVE,
	                LO("\"liveblocksType\":\"LiveList\",\"data\":" LO("")));
	check_from_json(
	    "{\"a\":[1,{\"b\":null}],\"c\":\"s\",\"d\":{\"liveblocksType\":\"LiveFile\",\"data\":{"
	    "\"id\":\"f\"}}}",
	    LSON_WRAP_LIVE,
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":{\"liveblocksType\":\"LiveList\","
	    "\"data\":[1,{\"liveblocksType\":\"LiveObject\",\"data\":{\"b\":null}}]},\"c\":\"s\","
	    "\"d\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"f\"}}}}");
	lb_error_clear(&err);
	assert_null(lson_from_json("{\"a\":", LSON_WRAP_LIVE, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_null(lson_from_json("1 2", LSON_WRAP_PLAIN, &err));
	assert_string_equal(err.message,
	                    "not valid JSON: column 3: unexpected data after the value");
	assert_null(lson_from_json("[1.]", LSON_WRAP_LIVE, &err));
	assert_null(lson_from_json("\"tab\there\"", LSON_WRAP_PLAIN, &err));
	assert_null(lson_from_json("\"\\uZZZZ\"", LSON_WRAP_LIVE, &err));
	assert_null(lson_from_json(NULL, LSON_WRAP_PLAIN, &err));
}

/* The emulator's storage test document (tests/emulator/storage.test.mjs). */
static const char DOC[] =
    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"doc\","
    "\"list\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\"]},"
    "\"map\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":1}},"
    "\"obj\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"plain\":{\"x\":[1,2]}}}}}";

#define DOC_WITH(title, list, map, obj, extra)                                                     \
	"{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":" title                            \
	",\"list\":{\"liveblocksType\":\"LiveList\",\"data\":[" list "]},"                         \
	"\"map\":{\"liveblocksType\":\"LiveMap\",\"data\":{" map "}},"                             \
	"\"obj\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"plain\":{\"x\":[1,2]}" obj         \
	"}}" extra "}}"

struct op_spec {
	enum patch_kind kind;
	const char *path;
	const char *from;
	const char *value;
};

static char *apply_specs(const char *doc, const struct op_spec *ops, size_t n, struct lb_error *err)
{
	struct patch p = {0};
	char *out;

	for (size_t i = 0; i < n; i++)
		assert_true(patch_add(&p, ops[i].kind, ops[i].path, ops[i].from, ops[i].value));
	lb_error_clear(err);
	out = lson_patch_apply(doc, strlen(doc), &p, err);
	patch_clear(&p);
	return out;
}

static void check_apply(const struct op_spec *ops, size_t n, const char *want)
{
	struct lb_error err;
	char *out = apply_specs(DOC, ops, n, &err);

	if (!out)
		fail_msg("patch failed: %s", err.message);
	assert_string_equal(out, want);
	free(out);
}

#define CHECK_APPLY(want, ...)                                                                     \
	do {                                                                                       \
		const struct op_spec ops_[] = {__VA_ARGS__};                                       \
		check_apply(ops_, sizeof(ops_) / sizeof(ops_[0]), want);                           \
	} while (0)

/* Expected documents are what tests/emulator/lson.mjs applyPatch gives. */
static void test_patch_apply(void **state)
{
	(void)state;
	CHECK_APPLY(
	    DOC_WITH(
	        "\"renamed\"",
	        "\"first\",\"a\",\"b\",{\"liveblocksType\":\"LiveObject\",\"data\":{\"name\":\"c\","
	        "\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]}}}",
	        "\"n\":2", ",\"moved\":\"renamed\"", ""),
	    {PATCH_TEST, "/title", NULL, "\"doc\""},
	    {PATCH_ADD, "/list/-", NULL, "{\"name\":\"c\",\"tags\":[\"x\"]}"},
	    {PATCH_ADD, "/list/0", NULL, "\"first\""},
	    {PATCH_REPLACE, "/title", NULL, "\"renamed\""}, {PATCH_REMOVE, "/map/k", NULL, NULL},
	    {PATCH_ADD, "/map/n", NULL, "2"}, {PATCH_COPY, "/copy", "/title", NULL},
	    {PATCH_MOVE, "/obj/moved", "/copy", NULL},
	    {PATCH_TEST, "/list", NULL,
	     "{\"liveblocksType\":\"LiveList\",\"data\":[\"first\", \"a\", \"b\", "
	     "{\"liveblocksType\":\"LiveObject\",\"data\":{\"name\": \"c\", \"tags\": "
	     "{\"liveblocksType\":\"LiveList\",\"data\":[\"x\"]}}}]}"});
	/* a value already in plain LSON: wrappers kept, insides converted */
	CHECK_APPLY(
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":{\"liveblocksType\":"
	    "\"LiveMap\","
	    "\"data\":{\"a\":{\"liveblocksType\":\"LiveList\",\"data\":[1,{\"liveblocksType\":"
	    "\"LiveObject\",\"data\":{\"b\":2}}]}}},\"list\":{\"liveblocksType\":\"LiveList\","
	    "\"data\":"
	    "[\"a\",\"b\"]},\"map\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":1}},\"obj\":{"
	    "\"liveblocksType\":\"LiveObject\",\"data\":{\"plain\":{\"x\":[1,2]}}}}}",
	    {PATCH_ADD, "/title", NULL,
	     "{\"liveblocksType\":\"LiveMap\",\"data\":{\"a\":[1,{\"b\":2}]}}"});
	CHECK_APPLY(
	    DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	             ",\"t\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"liveblocksType\":"
	             "\"LiveList\",\"data\":{\"liveblocksType\":\"LiveObject\",\"data\":{}}}}"),
	    {PATCH_ADD, "/t", NULL, "{\"liveblocksType\":\"LiveList\",\"data\":{}}"});
	CHECK_APPLY(
	    DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	             ",\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}"),
	    {PATCH_ADD, "/t", NULL, "{\"liveblocksType\":\"LiveText\",\"data\":[[\"hi\"]]}"});
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"b\",\"a\"", "\"k\":1", "", ""),
	            {PATCH_MOVE, "/list/-", "/list/0", NULL});
	/* In the middle of a list (cJSON 1.7.15 cannot insert there itself). */
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"a\",\"mid\",\"b\"", "\"k\":1", "", ""),
	            {PATCH_ADD, "/list/1", NULL, "\"mid\""});
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"b\",\"a\",\"c\"", "\"k\":1", "", ""),
	            {PATCH_ADD, "/list/-", NULL, "\"c\""}, {PATCH_MOVE, "/list/1", "/list/0", NULL});
	CHECK_APPLY(DOC, {PATCH_MOVE, "/list/1", "/list/1", NULL});
	CHECK_APPLY("{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"doc\",\"list\":{"
	            "\"liveblocksType\":"
	            "\"LiveList\",\"data\":[\"a\",\"b\"]},\"obj\":{\"liveblocksType\":"
	            "\"LiveObject\",\"data\":"
	            "{\"plain\":{\"x\":[1,2]},\"map\":{\"liveblocksType\":\"LiveMap\",\"data\":{"
	            "\"k\":1}}}}}}",
	            {PATCH_MOVE, "/obj/map", "/map", NULL});
	/* test: type and value in plain LSON; numbers by value */
	CHECK_APPLY(DOC, {PATCH_TEST, "/map", NULL,
	                  "{\"liveblocksType\":\"LiveMap\",\"data\":{\"k\":1.0}}"});
	CHECK_APPLY(DOC, {PATCH_TEST, "/obj/plain", NULL, "{\"x\":[1,2]}"});
	/* "-" is a key like any other in a LiveMap */
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1,\"-\":null", "", ""),
	            {PATCH_ADD, "/map/-", NULL, "null"});
	CHECK_APPLY(
	    DOC_WITH("\"doc\"", "{\"liveblocksType\":\"LiveList\",\"data\":[]}", "\"k\":1", "", ""),
	    {PATCH_REMOVE, "/list/1", NULL, NULL}, {PATCH_REMOVE, "/list/0", NULL, NULL},
	    {PATCH_ADD, "/list/0", NULL, "[]"});
	CHECK_APPLY(
	    DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	             ",\"list2\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\",\"z\"]}"),
	    {PATCH_COPY, "/list2", "/list", NULL}, {PATCH_ADD, "/list2/-", NULL, "\"z\""});
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	                     ",\"a/b\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"c~d\":2}}"),
	            {PATCH_ADD, "/a~1b", NULL, "{\"c~d\":1}"},
	            {PATCH_REPLACE, "/a~1b/c~0d", NULL, "2"});
	/* add over an existing key replaces it in place */
	CHECK_APPLY(DOC_WITH("7", "\"a\",\"b\"", "\"k\":1", "", ""),
	            {PATCH_ADD, "/title", NULL, "7"});
	/* replace in a list */
	CHECK_APPLY(DOC_WITH("\"doc\"", "\"a\",{\"liveblocksType\":\"LiveList\",\"data\":[]}",
	                     "\"k\":1", "", ""),
	            {PATCH_REPLACE, "/list/1", NULL, "[]"});
}

static void check_apply_fails(const struct op_spec *ops, size_t n, const char *want)
{
	struct lb_error err;
	char *out = apply_specs(DOC, ops, n, &err);

	if (out)
		fail_msg("patch succeeded: %s", out);
	assert_int_equal(err.status, LB_USAGE);
	assert_string_equal(err.message, want);
}

#define CHECK_FAILS(want, ...)                                                                     \
	do {                                                                                       \
		const struct op_spec ops_[] = {__VA_ARGS__};                                       \
		check_apply_fails(ops_, sizeof(ops_) / sizeof(ops_[0]), want);                     \
	} while (0)

static void test_patch_apply_failures(void **state)
{
	struct lb_error err;
	struct patch p = {0};

	(void)state;
	/* the emulator's failing cases, in order, then the other rules */
	CHECK_FAILS("op 1 (remove /missing): no such key \"missing\"",
	            {PATCH_REPLACE, "/title", NULL, "\"x\""},
	            {PATCH_REMOVE, "/missing", NULL, NULL});
	CHECK_FAILS("op 0 (add /obj/plain/x/0): /obj/plain is an object, not a LiveObject, LiveMap "
	            "or LiveList",
	            {PATCH_ADD, "/obj/plain/x/0", NULL, "1"});
	CHECK_FAILS("op 0 (test /title): the value does not match",
	            {PATCH_TEST, "/title", NULL, "\"other\""});
	CHECK_FAILS("op 0 (add title): path \"title\" must start with \"/\"",
	            {PATCH_ADD, "title", NULL, "1"});
	CHECK_FAILS("op 0 (add /list/9): index 9 is out of bounds (2 items)",
	            {PATCH_ADD, "/list/9", NULL, "1"});
	CHECK_FAILS("op 0 (move /obj -> /obj/inner): cannot move a node into one of its children",
	            {PATCH_MOVE, "/obj/inner", "/obj", NULL});
	CHECK_FAILS("op 0 (add ): the document root cannot be the target",
	            {PATCH_ADD, "", NULL, "1"});
	CHECK_FAILS("op 0 (remove /list/01): \"01\" is not an index of the LiveList at /list",
	            {PATCH_REMOVE, "/list/01", NULL, NULL});
	CHECK_FAILS("op 0 (remove /list/2): no item 2 in the LiveList at /list (2 items)",
	            {PATCH_REMOVE, "/list/2", NULL, NULL});
	CHECK_FAILS("op 0 (add /list/x): \"x\" is not a LiveList index or \"-\"",
	            {PATCH_ADD, "/list/x", NULL, "1"});
	CHECK_FAILS("op 0 (replace /nope): no such key \"nope\"",
	            {PATCH_REPLACE, "/nope", NULL, "1"});
	CHECK_FAILS(
	    "op 0 (add /title/x): /title is a string, not a LiveObject, LiveMap or LiveList",
	    {PATCH_ADD, "/title/x", NULL, "1"});
	CHECK_FAILS("op 0 (copy /nope -> /x): no such key \"nope\"",
	            {PATCH_COPY, "/x", "/nope", NULL});
	CHECK_FAILS("op 0 (test /list/-): \"-\" is not an index of the LiveList at /list",
	            {PATCH_TEST, "/list/-", NULL, "\"b\""});
	CHECK_FAILS("op 0 (add /a/b): no such key \"a\"", {PATCH_ADD, "/a/b", NULL, "1"});
	CHECK_FAILS("op 0 (add /x): \"value\" is required", {PATCH_ADD, "/x", NULL, NULL});
	CHECK_FAILS("op 0 (replace /title): the value is not valid JSON (column 2: unexpected end, "
	            "expected a key)",
	            {PATCH_REPLACE, "/title", NULL, "{"});
	/* stricter than cJSON, which would take these */
	CHECK_FAILS("op 0 (add /x): the value is not valid JSON (column 2: unexpected data after "
	            "the value)",
	            {PATCH_ADD, "/x", NULL, "01"});
	CHECK_FAILS("op 0 (add /x): the value is not valid JSON (column 2: bad \\u escape)",
	            {PATCH_ADD, "/x", NULL, "\"\\u12\""});
	CHECK_FAILS("op 0 (move ? -> /x): the path is missing", {PATCH_MOVE, "/x", NULL, NULL});
	CHECK_FAILS("op 0 (remove ?): the path is missing", {PATCH_REMOVE, NULL, NULL, NULL});
	CHECK_FAILS("op 0 (test /obj/plain): the value does not match",
	            {PATCH_TEST, "/obj/plain", NULL, "{\"x\":[2,1]}"});
	/* the type counts: the simplified form, another Live type, a plain
	 * object where a LiveObject is, or the other way round */
	CHECK_FAILS("op 0 (test /map): the value does not match",
	            {PATCH_TEST, "/map", NULL, "{\"k\":1}"});
	CHECK_FAILS(
	    "op 0 (test /map): the value does not match",
	    {PATCH_TEST, "/map", NULL, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"k\":1}}"});
	CHECK_FAILS("op 0 (test /list): the value does not match",
	            {PATCH_TEST, "/list", NULL, "[\"a\",\"b\"]"});
	CHECK_FAILS("op 0 (test /obj/plain): the value does not match",
	            {PATCH_TEST, "/obj/plain", NULL,
	             "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":[1,2]}}"});
	CHECK_FAILS("op 0 (test /title): the value does not match",
	            {PATCH_TEST, "/title", NULL, "[\"doc\"]"});

	/* the document itself must be plain LSON with a LiveObject root */
	assert_true(patch_add(&p, PATCH_REMOVE, "/a", NULL, NULL));
	lb_error_clear(&err);
	assert_null(lson_patch_apply("{", 1, &p, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_null(
	    lson_patch_apply("{\"liveblocksType\":\"LiveList\",\"data\":[]}", 39, &p, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "not a LiveObject"));
	patch_clear(&p);
}

static void test_patch_apply_atomic(void **state)
{
	struct lb_error err;
	const struct op_spec ops[] = {
	    {PATCH_REPLACE, "/title", NULL, "\"changed\""},
	    {PATCH_ADD, "/list/-", NULL, "\"c\""},
	    {PATCH_REMOVE, "/map/nope", NULL, NULL},
	    {PATCH_REMOVE, "/title", NULL, NULL},
	};
	char copy[sizeof(DOC)];
	char *out;

	(void)state;
	memcpy(copy, DOC, sizeof(DOC));
	out = apply_specs(copy, ops, 4, &err);
	assert_null(out);
	assert_string_equal(err.message, "op 2 (remove /map/nope): no such key \"nope\"");
	assert_memory_equal(copy, DOC, sizeof(DOC));
	/* the first two alone apply */
	out = apply_specs(copy, ops, 2, &err);
	assert_non_null(out);
	assert_string_equal(out, DOC_WITH("\"changed\"", "\"a\",\"b\",\"c\"", "\"k\":1", "", ""));
	free(out);
}

/* A board: shapes in a list, tags, settings. */
static const char BOARD[] =
    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
    "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}]},"
    "\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\",\"c\",\"d\"]},"
    "\"settings\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"theme\":\"dark\","
    "\"size\":{\"w\":1}}},\"n\":1}}";

/* The guarded patch of ops on BOARD, as JSON. */
static char *guarded(const struct op_spec *ops, size_t n, unsigned flags)
{
	struct patch p = {0}, g = {0};
	struct lb_error err;
	char *json;

	for (size_t i = 0; i < n; i++)
		assert_true(patch_add(&p, ops[i].kind, ops[i].path, ops[i].from, ops[i].value));
	if (!lson_patch_guard(BOARD, strlen(BOARD), &p, flags, &g, &err))
		fail_msg("guard failed: %s", err.message);
	json = patch_to_json(&g);
	assert_non_null(json);
	/* Guarded, it still applies to the document it was made from, with
	 * the same result. */
	char *a = lson_patch_apply_opts(BOARD, strlen(BOARD), &p, flags, &err);
	char *b = lson_patch_apply_opts(BOARD, strlen(BOARD), &g, flags, &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	patch_clear(&p);
	patch_clear(&g);
	return json;
}

#define CHECK_GUARD(want, ...)                                                                     \
	do {                                                                                       \
		const struct op_spec ops_[] = {__VA_ARGS__};                                       \
		char *got_ = guarded(ops_, sizeof(ops_) / sizeof(ops_[0]), 0);                     \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

/* Which tests a patch gets. */
static void test_patch_guard(void **state)
{
	struct patch p = {0}, g = {0};
	struct lb_error err;

	(void)state;
	/* remove a list item: the item itself */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/2\",\"value\":\"c\"},"
	            "{\"op\":\"remove\",\"path\":\"/tags/2\"}]",
	            {PATCH_REMOVE, "/tags/2", NULL, NULL});
	/* replace a key: its old value; keyed parents are not tested */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/settings/theme\",\"value\":\"dark\"},"
	            "{\"op\":\"replace\",\"path\":\"/settings/theme\",\"value\":\"light\"}]",
	            {PATCH_REPLACE, "/settings/theme", NULL, "\"light\""});
	/* add over an existing key overwrites it: its old value, type and all */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/settings/size\",\"value\":{\"w\":1}},"
	            "{\"op\":\"add\",\"path\":\"/settings/size\",\"value\":2}]",
	            {PATCH_ADD, "/settings/size", NULL, "2"});
	/* a new key: nothing to test */
	CHECK_GUARD("[{\"op\":\"add\",\"path\":\"/new\",\"value\":2}]",
	            {PATCH_ADD, "/new", NULL, "2"});
	/* a key inside a list item: the whole item (an index names whatever
	 * is there now), which covers the key's own old value */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/shapes/1\",\"value\":"
	            "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}},"
	            "{\"op\":\"replace\",\"path\":\"/shapes/1/x\",\"value\":5}]",
	            {PATCH_REPLACE, "/shapes/1/x", NULL, "5"});
	/* insert in the middle: the items on either side */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/1\",\"value\":\"b\"},"
	            "{\"op\":\"test\",\"path\":\"/tags/2\",\"value\":\"c\"},"
	            "{\"op\":\"add\",\"path\":\"/tags/2\",\"value\":\"z\"}]",
	            {PATCH_ADD, "/tags/2", NULL, "\"z\""});
	/* at the start, and at the end by index: one neighbour */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/0\",\"value\":\"a\"},"
	            "{\"op\":\"add\",\"path\":\"/tags/0\",\"value\":\"z\"}]",
	            {PATCH_ADD, "/tags/0", NULL, "\"z\""});
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/3\",\"value\":\"d\"},"
	            "{\"op\":\"add\",\"path\":\"/tags/4\",\"value\":\"z\"}]",
	            {PATCH_ADD, "/tags/4", NULL, "\"z\""});
	/* appending with "-" depends on nothing */
	CHECK_GUARD("[{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"z\"}]",
	            {PATCH_ADD, "/tags/-", NULL, "\"z\""});
	/* a move: what it takes, and the place it goes, at the end of the
	 * list once "a" is out: after "d" (a test of the item that is moved
	 * covers nothing else) */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/0\",\"value\":\"a\"},"
	            "{\"op\":\"test\",\"path\":\"/tags/3\",\"value\":\"d\"},"
	            "{\"op\":\"move\",\"from\":\"/tags/0\",\"path\":\"/tags/3\"}]",
	            {PATCH_MOVE, "/tags/3", "/tags/0", NULL});
	/* two ops: the second is guarded against the document the first
	 * leaves */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/tags/0\",\"value\":\"a\"},"
	            "{\"op\":\"remove\",\"path\":\"/tags/0\"},"
	            "{\"op\":\"test\",\"path\":\"/tags/0\",\"value\":\"b\"},"
	            "{\"op\":\"remove\",\"path\":\"/tags/0\"}]",
	            {PATCH_REMOVE, "/tags/0", NULL, NULL}, {PATCH_REMOVE, "/tags/0", NULL, NULL});
	/* a test of the caller's own is kept as it is */
	CHECK_GUARD("[{\"op\":\"test\",\"path\":\"/n\",\"value\":1}]",
	            {PATCH_TEST, "/n", NULL, "1"});
	/* ~ and / in keys are escaped in the tests' paths */
	{
		static const char doc[] =
		    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a/b\":"
		    "{\"liveblocksType\":\"LiveList\",\"data\":[{"
		    "\"liveblocksType\":\"LiveObject\",\"data\":{\"c~d\":1}}]}}}";
		char *json;

		assert_true(patch_add(&p, PATCH_REMOVE, "/a~1b/0/c~0d", NULL, NULL));
		assert_true(lson_patch_guard(doc, strlen(doc), &p, 0, &g, &err));
		json = patch_to_json(&g);
		assert_string_equal(json,
		                    "[{\"op\":\"test\",\"path\":\"/a~1b/0\",\"value\":{"
		                    "\"liveblocksType\":\"LiveObject\",\"data\":{\"c~d\":1}}},"
		                    "{\"op\":\"remove\",\"path\":\"/a~1b/0/c~0d\"}]");
		free(json);
		patch_clear(&p);
		patch_clear(&g);
	}
	/* a patch that does not apply is refused, nothing guarded */
	assert_true(patch_add(&p, PATCH_REMOVE, "/nope", NULL, NULL));
	assert_false(lson_patch_guard(BOARD, strlen(BOARD), &p, 0, &g, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_string_equal(err.message, "op 0 (remove /nope): no such key \"nope\"");
	assert_int_equal(g.n, 0);
	patch_clear(&p);
}

/* Which tests of a guarded patch fail on a document changed since. */
static void test_patch_test_failures(void **state)
{
	struct patch p = {0}, g = {0};
	struct lb_error err;
	size_t n;
	char *paths, *out;
	/* someone inserted "z" at the start of the tags */
	static const char shifted[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	    "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}]},"
	    "\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"z\",\"a\",\"b\",\"c\",\"d\"]},"
	    "\"settings\":{\"liveblocksType\":\"LiveMap\",\"data\":{\"theme\":\"dark\","
	    "\"size\":{\"w\":1}}},\"n\":1}}";
	/* someone changed n and the first shape, and made settings a LiveObject */
	static const char edited[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	    "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":7}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}]},"
	    "\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\",\"c\",\"d\"]},"
	    "\"settings\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"theme\":\"dark\","
	    "\"size\":{\"w\":1}}},\"n\":2}}";

	(void)state;
	/* delete /tags/2 ("c"): refused once "z" moved it to /tags/3 */
	assert_true(patch_add(&p, PATCH_REMOVE, "/tags/2", NULL, NULL));
	assert_true(lson_patch_guard(BOARD, strlen(BOARD), &p, 0, &g, &err));
	assert_null(lson_patch_apply(shifted, strlen(shifted), &g, &err));
	assert_string_equal(err.message, "op 0 (test /tags/2): the value does not match");
	paths = lson_patch_test_failures(shifted, strlen(shifted), &g, 0, &n, &err);
	assert_string_equal(paths, "/tags/2");
	assert_int_equal(n, 1);
	free(paths);
	/* ... and not refused by changes elsewhere */
	paths = lson_patch_test_failures(edited, strlen(edited), &g, 0, &n, &err);
	assert_string_equal(paths, "");
	assert_int_equal(n, 0);
	free(paths);
	out = lson_patch_apply(edited, strlen(edited), &g, &err);
	assert_non_null(out);
	assert_non_null(strstr(out, "[\"a\",\"b\",\"d\"]"));
	free(out);
	patch_clear(&p);
	patch_clear(&g);

	/* several ops: every failing test is named once */
	assert_true(patch_add(&p, PATCH_REPLACE, "/n", NULL, "5"));
	assert_true(patch_add(&p, PATCH_REPLACE, "/shapes/0/x", NULL, "5"));
	assert_true(patch_add(&p, PATCH_REPLACE, "/settings/theme", NULL, "\"light\""));
	assert_true(lson_patch_guard(BOARD, strlen(BOARD), &p, 0, &g, &err));
	paths = lson_patch_test_failures(edited, strlen(edited), &g, 0, &n, &err);
	assert_string_equal(paths, "/n, /shapes/0");
	assert_int_equal(n, 2);
	free(paths);
	/* the document it was made from passes */
	paths = lson_patch_test_failures(BOARD, strlen(BOARD), &g, 0, &n, &err);
	assert_string_equal(paths, "");
	free(paths);
	/* a path gone: its test fails, and the walk stops at the op */
	static const char gone[] = "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}}";
	paths = lson_patch_test_failures(gone, strlen(gone), &g, 0, &n, &err);
	assert_string_equal(paths, "/n");
	assert_int_equal(n, 1);
	free(paths);
	/* not a document */
	assert_null(lson_patch_test_failures("[", 1, &g, 0, &n, &err));
	assert_int_equal(err.status, LB_DECODE);
	patch_clear(&p);
	patch_clear(&g);
}

/* A move takes its item out before it puts it anywhere, so where it goes
 * is named in the list without it: the guard pins the item that is there
 * then, and the neighbours the moved item will have. */
static void test_patch_guard_move(void **state)
{
	/* shapes: three LiveObjects with a LiveList each; tags: a b c d */
	static const char doc[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	    "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":["
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"n\":\"A\",\"kids\":"
	    "{\"liveblocksType\":\"LiveList\",\"data\":[]}}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"n\":\"B\",\"kids\":"
	    "{\"liveblocksType\":\"LiveList\",\"data\":[]}}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"n\":\"C\",\"kids\":"
	    "{\"liveblocksType\":\"LiveList\",\"data\":[]}}}]},"
	    "\"tags\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\",\"c\",\"d\"]}}}";
	struct patch p = {0}, g = {0};
	struct lb_error err;
	size_t n;
	char *json, *out, *paths, *theirs;

	(void)state;
	/* "a" to /tags/2: between "c" and "d" (b c a d), so those two are
	 * what it depends on: /tags/2 and /tags/3 as the tests read them,
	 * before the move */
	assert_true(patch_add(&p, PATCH_MOVE, "/tags/2", "/tags/0", NULL));
	assert_true(lson_patch_guard(doc, strlen(doc), &p, 0, &g, &err));
	json = patch_to_json(&g);
	assert_string_equal(json, "[{\"op\":\"test\",\"path\":\"/tags/0\",\"value\":\"a\"},"
	                          "{\"op\":\"test\",\"path\":\"/tags/2\",\"value\":\"c\"},"
	                          "{\"op\":\"test\",\"path\":\"/tags/3\",\"value\":\"d\"},"
	                          "{\"op\":\"move\",\"from\":\"/tags/0\",\"path\":\"/tags/2\"}]");
	free(json);
	/* someone put "x" between "c" and "d": refused, not put beside "x" */
	theirs = strdup(doc);
	assert_non_null(theirs);
	memcpy(strstr(theirs, "\"d\"]"), "\"x\"]", 4);
	assert_null(lson_patch_apply(theirs, strlen(theirs), &g, &err));
	paths = lson_patch_test_failures(theirs, strlen(theirs), &g, 0, &n, &err);
	assert_string_equal(paths, "/tags/3");
	free(paths);
	free(theirs);
	patch_clear(&p);
	patch_clear(&g);

	/* shape A into the kids of the shape that follows it, C once A is out
	 * of the way: C is pinned (at /shapes/2 before the move), not B */
	assert_true(patch_add(&p, PATCH_MOVE, "/shapes/1/kids/0", "/shapes/0", NULL));
	assert_true(lson_patch_guard(doc, strlen(doc), &p, 0, &g, &err));
	json = patch_to_json(&g);
	assert_non_null(strstr(json, "{\"op\":\"test\",\"path\":\"/shapes/2\",\"value\":"
	                             "{\"liveblocksType\":\"LiveObject\",\"data\":{\"n\":\"C\""));
	assert_null(strstr(json, "\"n\":\"B\""));
	free(json);
	/* the guarded patch does what the plain one does */
	out = lson_patch_apply(doc, strlen(doc), &g, &err);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"n\":\"C\",\"kids\":{\"liveblocksType\":\"LiveList\","
	                            "\"data\":[{\"liveblocksType\":\"LiveObject\",\"data\":"
	                            "{\"n\":\"A\""));
	free(out);
	/* C renamed meanwhile: refused */
	theirs = strdup(doc);
	assert_non_null(theirs);
	memcpy(strstr(theirs, "\"n\":\"C\""), "\"n\":\"D\"", 7);
	paths = lson_patch_test_failures(theirs, strlen(theirs), &g, 0, &n, &err);
	assert_string_equal(paths, "/shapes/2");
	free(paths);
	free(theirs);
	patch_clear(&p);
	patch_clear(&g);

	/* onto a key of the object it is taken from: that object's value is
	 * tested as it is before the move, so the move still applies */
	assert_true(patch_add(&p, PATCH_MOVE, "/shapes/1/n", "/shapes/1/kids", NULL));
	assert_true(lson_patch_guard(doc, strlen(doc), &p, 0, &g, &err));
	out = lson_patch_apply(doc, strlen(doc), &g, &err);
	if (!out)
		fail_msg("guarded move failed: %s", err.message);
	free(out);
	patch_clear(&p);
	patch_clear(&g);
}

/* A string cJSON cannot keep (a NUL cuts it short, a lone surrogate is
 * refused) makes a change refused with a clear message, rather than
 * written back cut short (a rewrite posts the whole document) or reported
 * as out of memory. */
static void test_patch_unkeepable_strings(void **state)
{
	static const char *const bad[] = {
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":\"x\\u0000y\",\"n\":1}}",
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":\"x\\ud800\",\"n\":1}}",
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":\"\\uDC00x\",\"n\":1}}",
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"a\":\"\\ud800\\u0041\",\"n\":1}}",
	};
	static const char *const why[] = {
	    "a NUL character (\\u0000)",
	    "a lone UTF-16 surrogate (\\ud800)",
	    "a lone UTF-16 surrogate (\\uDC00)",
	    "a lone UTF-16 surrogate (\\ud800)",
	};
	struct patch p = {0}, g = {0};
	struct lb_error err;
	size_t n;
	char *out;

	(void)state;
	assert_true(patch_add(&p, PATCH_REPLACE, "/n", NULL, "2"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = lson_patch_apply(bad[i], strlen(bad[i]), &p, &err);
		if (out)
			fail_msg("%s applied: %s", bad[i], out);
		assert_int_equal(err.status, LB_DECODE);
		assert_non_null(strstr(err.message, why[i]));
		assert_non_null(strstr(err.message, "nothing was changed"));
		assert_false(lson_patch_guard(bad[i], strlen(bad[i]), &p, 0, &g, &err));
		assert_int_equal(err.status, LB_DECODE);
		assert_null(lson_patch_test_failures(bad[i], strlen(bad[i]), &p, 0, &n, &err));
		assert_int_equal(err.status, LB_DECODE);
	}
	/* A pair is one character; "\\u0000" after an escaped backslash is
	 * text: both are kept as they are. */
	static const char good[] = "{\"liveblocksType\":\"LiveObject\",\"data\":"
	                           "{\"a\":\"\\ud83d\\ude00 \\\\u0000\",\"n\":1}}";
	out = lson_patch_apply(good, strlen(good), &p, &err);
	if (!out)
		fail_msg("refused: %s", err.message);
	assert_string_equal(out, "{\"liveblocksType\":\"LiveObject\",\"data\":"
	                         "{\"a\":\"\xf0\x9f\x98\x80 \\\\u0000\",\"n\":2}}");
	free(out);
	patch_clear(&p);
}

/* Apply ops to DOC with flags; NULL with err on failure. */
static char *apply_flags(const struct op_spec *ops, size_t n, unsigned flags, struct lb_error *err)
{
	struct patch p = {0};
	char *out;

	for (size_t i = 0; i < n; i++)
		assert_true(patch_add(&p, ops[i].kind, ops[i].path, ops[i].from, ops[i].value));
	lb_error_clear(err);
	out = lson_patch_apply_opts(DOC, strlen(DOC), &p, flags, err);
	patch_clear(&p);
	return out;
}

static void check_literal(const struct op_spec *ops, size_t n, const char *want)
{
	struct lb_error err;
	char *out = apply_flags(ops, n, LSON_PATCH_LITERAL, &err);

	if (!out)
		fail_msg("literal patch failed: %s", err.message);
	assert_string_equal(out, want);
	/* What a literal patch gives is a document POST /storage takes. */
	assert_true(lson_validate_document(out, strlen(out), &err));
	free(out);
}

#define CHECK_LITERAL(want, ...)                                                                   \
	do {                                                                                       \
		const struct op_spec ops_[] = {__VA_ARGS__};                                       \
		check_literal(ops_, sizeof(ops_) / sizeof(ops_[0]), want);                         \
	} while (0)

static void check_literal_fails(const struct op_spec *ops, size_t n, const char *want)
{
	struct lb_error err;
	char *out = apply_flags(ops, n, LSON_PATCH_LITERAL, &err);

	if (out)
		fail_msg("literal patch succeeded: %s", out);
	assert_int_equal(err.status, LB_USAGE);
	assert_string_equal(err.message, want);
}

#define CHECK_LITERAL_FAILS(want, ...)                                                             \
	do {                                                                                       \
		const struct op_spec ops_[] = {__VA_ARGS__};                                       \
		check_literal_fails(ops_, sizeof(ops_) / sizeof(ops_[0]), want);                   \
	} while (0)

static void test_patch_apply_literal(void **state)
{
	static const char wrapped[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"p\":{\"q\":[1]},\"l\":{"
	    "\"liveblocksType\":\"LiveList\",\"data\":[{\"k\":1}]}}}";
	const struct op_spec add_plain[] = {{PATCH_ADD, "/x", NULL, "{\"a\":[1,{\"b\":2}]}"}};
	const struct op_spec add_wrapped[] = {{PATCH_ADD, "/w", NULL, wrapped}};
	struct lb_error err;
	struct lson_doc *d;
	char *out;

	(void)state;
	/* Plain objects and arrays stay plain, however deep. */
	CHECK_LITERAL(
	    DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "", ",\"x\":{\"a\":[1,{\"b\":2}]}"),
	    {PATCH_ADD, "/x", NULL, "{ \"a\" : [1, {\"b\": 2}] }"});
	out = apply_flags(add_plain, 1, LSON_PATCH_LITERAL, &err);
	assert_non_null(out);
	d = parse_ok(out, true);
	assert_int_equal(d->nodes[find_ok(d, "/x")].type, LSON_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/x/a")].type, LSON_ARRAY);
	assert_int_equal(d->nodes[find_ok(d, "/x/a/1")].type, LSON_OBJECT);
	lson_unref(&d);
	free(out);
	/* Without the flag, the same op makes Live nodes, as before. */
	out = apply_flags(add_plain, 1, 0, &err);
	assert_non_null(out);
	d = parse_ok(out, true);
	assert_int_equal(d->nodes[find_ok(d, "/x")].type, LSON_LIVE_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/x/a")].type, LSON_LIVE_LIST);
	lson_unref(&d);
	free(out);

	/* Wrappers become Live nodes; plain JSON inside them stays plain. */
	CHECK_LITERAL(DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	                       ",\"w\":"
	                       "{\"liveblocksType\":\"LiveObject\",\"data\":{\"p\":{\"q\":[1]},"
	                       "\"l\":{\"liveblocksType\":\"LiveList\",\"data\":[{\"k\":1}]}}}"),
	              {PATCH_ADD, "/w", NULL, wrapped});
	out = apply_flags(add_wrapped, 1, LSON_PATCH_LITERAL, &err);
	assert_non_null(out);
	d = parse_ok(out, true);
	assert_int_equal(d->nodes[find_ok(d, "/w")].type, LSON_LIVE_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/w/p")].type, LSON_OBJECT);
	assert_int_equal(d->nodes[find_ok(d, "/w/p/q")].type, LSON_ARRAY);
	assert_int_equal(d->nodes[find_ok(d, "/w/l")].type, LSON_LIVE_LIST);
	assert_int_equal(d->nodes[find_ok(d, "/w/l/0")].type, LSON_OBJECT);
	lson_unref(&d);
	free(out);
	/* A wrapper-like object inside plain JSON is plain JSON. */
	CHECK_LITERAL(DOC_WITH("\"doc\"", "\"a\",\"b\"", "\"k\":1", "",
	                       ",\"x\":{\"p\":{\"liveblocksType\":\"Nope\"}}"),
	              {PATCH_ADD, "/x", NULL, "{\"p\":{\"liveblocksType\":\"Nope\"}}"});

	/* Into a LiveList (insert, append, replace) and a LiveMap; scalars as they are. */
	CHECK_LITERAL(DOC_WITH("\"doc\"", "{\"k\":1},\"a\",[1,2],[]", "\"k\":{\"m\":true}", "", ""),
	              {PATCH_ADD, "/list/0", NULL, "{\"k\":1}"},
	              {PATCH_REPLACE, "/list/2", NULL, "[1,2]"}, {PATCH_ADD, "/list/-", NULL, "[]"},
	              {PATCH_REPLACE, "/map/k", NULL, "{\"m\":true}"});
	CHECK_LITERAL(DOC_WITH("7", "\"a\",\"b\"", "\"k\":1", "", ""),
	              {PATCH_REPLACE, "/title", NULL, "7"});
	/* remove, move, copy and test are what they always are. */
	CHECK_LITERAL(DOC_WITH("\"doc\"", "\"b\"", "\"k\":1", "", ",\"c\":\"a\""),
	              {PATCH_MOVE, "/c", "/list/0", NULL}, {PATCH_TEST, "/c", NULL, "\"a\""});

	/* The parent rules hold: plain JSON is never traversed, even when the
	 * same patch has just written it. */
	CHECK_LITERAL_FAILS(
	    "op 1 (add /x/b): /x is an object, not a LiveObject, LiveMap or LiveList",
	    {PATCH_ADD, "/x", NULL, "{\"a\":1}"}, {PATCH_ADD, "/x/b", NULL, "2"});
	CHECK_LITERAL_FAILS(
	    "op 1 (add /x/0): /x is an array, not a LiveObject, LiveMap or LiveList",
	    {PATCH_ADD, "/x", NULL, "[1]"}, {PATCH_ADD, "/x/0", NULL, "2"});
	CHECK_LITERAL_FAILS("op 0 (replace /obj/plain/x): /obj/plain is an object, not a "
	                    "LiveObject, LiveMap or LiveList",
	                    {PATCH_REPLACE, "/obj/plain/x", NULL, "{}"});
	CHECK_LITERAL_FAILS("op 0 (add /a/b): no such key \"a\"", {PATCH_ADD, "/a/b", NULL, "{}"});
	CHECK_LITERAL_FAILS("op 0 (add /list/5): index 5 is out of bounds (2 items)",
	                    {PATCH_ADD, "/list/5", NULL, "[]"});
	/* Wrappers must be well formed, wherever a Live node is read. */
	CHECK_LITERAL_FAILS(
	    "op 0 (add /x): not valid plain LSON: at /x: LiveList data must be an array",
	    {PATCH_ADD, "/x", NULL, "{\"liveblocksType\":\"LiveList\",\"data\":{}}"});
	CHECK_LITERAL_FAILS("op 1 (replace /list/1): not valid plain LSON: at /list/1/o: unknown "
	                    "liveblocksType (LiveObject, LiveList, LiveMap, LiveText or LiveFile "
	                    "expected)",
	                    {PATCH_ADD, "/title", NULL, "1"},
	                    {PATCH_REPLACE, "/list/1", NULL,
	                     "{\"liveblocksType\":\"LiveMap\",\"data\":{\"o\":{\"liveblocksType\":"
	                     "\"Nope\",\"data\":1}}}"});
	CHECK_LITERAL_FAILS("op 0 (add /x): the value is not valid JSON (column 2: unexpected end, "
	                    "expected a key)",
	                    {PATCH_ADD, "/x", NULL, "{"});
}

static void test_validate_document(void **state)
{
	static const struct {
		const char *json;
		const char *error; /* NULL when valid */
	} cases[] = {
	    {DOC, NULL},
	    {ALL_TYPES, NULL},
	    {LO(""), NULL},
	    /* plain JSON may hold anything, as the server stores it */
	    {LO("\"p\":{\"q\":{\"liveblocksType\":\"Nonsense\"}}"), NULL},
	    {LO("\"p\":[{\"liveblocksType\":\"LiveList\",\"data\":{}}]"), NULL},
	    {LO("\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"a\"],[\"b\",{\"i\":true}]],"
	        "\"version\":1}"),
	     NULL},
	    {"[]", "the root must be a LiveObject"},
	    {"{}", "the root must be a LiveObject"},
	    {"{\"liveblocksType\":\"LiveMap\",\"data\":{}}", "the root must be a LiveObject"},
	    {"{\"liveblocksType\":\"LiveObject\",\"data\":[]}",
	     "at the root: LiveObject data must be an object"},
	    {"{\"liveblocksType\":\"LiveObject\"",
	     "not valid JSON (column 31: unexpected end, expected ',' or '}')"},
	    {LO("\"a\":01"), "not valid JSON (column 45: expected ',' or '}')"},
	    {LO("\"a\":{\"liveblocksType\":\"LiveList\",\"data\":{}}"),
	     "at /a: LiveList data must be an array"},
	    {LO("\"a\":" LL("{\"liveblocksType\":\"LiveThing\",\"data\":1}")),
	     "at /a/0: unknown liveblocksType"},
	    {LO("\"a/b\":{\"liveblocksType\":null}"), "at /a~1b: unknown liveblocksType"},
	    {LO("\"a\":{\"liveblocksType\":\"LiveMap\",\"data\":{},\"x\":1}"),
	     "at /a: unexpected member \"x\" in a LiveMap"},
	    {LO("\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[1]]}"),
	     "at /t: LiveText segment 0 must be"},
	    {LO("\"t\":{\"liveblocksType\":\"LiveText\",\"data\":[[\"a\"]],\"version\":\"1\"}"),
	     "LiveText version must be a number"},
	    {LO("\"f\":{\"liveblocksType\":\"LiveFile\",\"data\":{\"id\":\"x\"}}"),
	     "at /f: LiveFile data must be {id, name, size, mimeType}"},
	    /* cJSON would read "data\u0000" as "data"; the server would not */
	    {"{\"liveblocksType\":\"LiveObject\",\"data\\u0000\":{}}",
	     "not valid JSON (column 32: a key holds \\u0000)"},
	    {LO("\"a\\u0000b\":1"), "a key holds \\u0000"},
	    /* in a value it is only a character */
	    {LO("\"a\":\"x\\u0000y\""), NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lb_error err;
		bool ok;

		lb_error_clear(&err);
		ok = lson_validate_document(cases[i].json, strlen(cases[i].json), &err);
		if (!cases[i].error) {
			if (!ok)
				fail_msg("case %zu rejected: %s", i, err.message);
			continue;
		}
		if (ok)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.status, LB_USAGE);
		if (!strstr(err.message, cases[i].error))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].error);
	}
}

/* ---- a 100,000-node document ------------------------------------------------------ */

/* ---- a change to one place: patch and preview ----------------------------- */

static const char EDIT_DOC[] = "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"doc\","
                               "\"list\":{\"liveblocksType\":\"LiveList\",\"data\":[\"a\",\"b\"]},"
                               "\"obj\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
                               "\"plain\":{\"y\":[1]}}}";

/* Preview e on EDIT_DOC; false with err when it is refused. */
static bool preview(struct lson_edit e, struct lson_edit_preview *pv, struct lb_error *err)
{
	struct lson_doc *d = parse_ok(EDIT_DOC, true);

	e.where = "the Storage of room r1";
	lb_error_clear(err);
	bool ok = lson_edit_preview(d, EDIT_DOC, strlen(EDIT_DOC), &e, pv, err);
	lson_unref(&d);
	return ok;
}

static void check_edit(struct lson_edit e, enum patch_kind kind, const char *path, const char *from,
                       const char *what, const char *minus, const char *plus)
{
	struct lson_edit_preview pv;
	struct lb_error err;

	if (!preview(e, &pv, &err))
		fail_msg("refused: %s", err.message);
	assert_int_equal(pv.patch.n, 1);
	assert_int_equal(pv.patch.ops[0].kind, kind);
	assert_string_equal(pv.patch.ops[0].path, path);
	if (from)
		assert_string_equal(pv.patch.ops[0].from, from);
	assert_string_equal(pv.what, what);
	assert_false(pv.unchanged);
	assert_non_null(pv.diff);
	if (minus && !strstr(pv.diff, minus))
		fail_msg("no '%s' in the diff:\n%s", minus, pv.diff);
	if (plus && !strstr(pv.diff, plus))
		fail_msg("no '%s' in the diff:\n%s", plus, pv.diff);
	lson_edit_preview_clear(&pv);
}

static void check_edit_refused(struct lson_edit e, const char *want)
{
	struct lson_edit_preview pv;
	struct lb_error err;

	assert_false(preview(e, &pv, &err));
	assert_int_equal(err.status, LB_USAGE);
	if (!strstr(err.message, want))
		fail_msg("'%s' is not in '%s'", want, err.message);
	assert_int_equal(pv.patch.n, 0);
	assert_null(pv.what);
	assert_null(pv.diff);
}

static void test_edit_preview(void **state)
{
	(void)state;
	/* set: replace what is there, add a key to a Live parent */
	check_edit((struct lson_edit){.kind = LSON_EDIT_SET, .path = "/title", .value = "\"new\""},
	           PATCH_REPLACE, "/title", NULL, "replace /title", "-     \"title\": \"doc\",",
	           "+     \"title\": \"new\",");
	check_edit((struct lson_edit){.kind = LSON_EDIT_SET, .path = "/obj/z", .value = "2"},
	           PATCH_ADD, "/obj/z", NULL, "add /obj/z", "-     \"x\": 1\n", "+     \"z\": 2");
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_SET, .path = "/nope/z", .value = "1"},
	    "cannot set /nope/z: its parent does not exist in the Storage of room "
	    "r1 (set the parent first)");
	/* insert: at the end, at an index, nowhere else than a LiveList */
	check_edit(
	    (struct lson_edit){
	        .kind = LSON_EDIT_INSERT, .path = "/list", .at = "-", .value = "\"c\""},
	    PATCH_ADD, "/list/-", NULL, "append to /list", "-     \"b\"\n", "+     \"c\"");
	check_edit(
	    (struct lson_edit){
	        .kind = LSON_EDIT_INSERT, .path = "/list", .at = "0", .value = "\"z\""},
	    PATCH_ADD, "/list/0", NULL, "insert into /list at 0", NULL, "+     \"z\",");
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_INSERT, .path = "/list", .at = "3", .value = "1"},
	    "--at 3 is past the end of /list (2 items): use 0 to 2, or - for the end");
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_INSERT, .path = "/obj", .at = "-", .value = "1"},
	    "/obj is a LiveObject, not a LiveList: use 'storage set' to add a key");
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_INSERT, .path = "/gone", .at = "-", .value = "1"},
	    "there is no /gone in the Storage of room r1");
	/* delete and move */
	check_edit((struct lson_edit){.kind = LSON_EDIT_REMOVE, .path = "/list/0"}, PATCH_REMOVE,
	           "/list/0", NULL, "delete /list/0", "-     \"a\",", NULL);
	check_edit_refused((struct lson_edit){.kind = LSON_EDIT_REMOVE, .path = "/gone"},
	                   "there is no /gone in the Storage of room r1");
	check_edit(
	    (struct lson_edit){.kind = LSON_EDIT_MOVE, .path = "/obj/title", .from = "/title"},
	    PATCH_MOVE, "/obj/title", "/title", "move /title to /obj/title",
	    "-     \"title\": \"doc\",", "+         \"title\": \"doc\"");
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_MOVE, .path = "/obj/t", .from = "/gone"},
	    "there is no /gone in the Storage of room r1");
	/* a patch the server would refuse: plain JSON is never traversed */
	check_edit_refused(
	    (struct lson_edit){.kind = LSON_EDIT_SET, .path = "/plain/y", .value = "2"},
	    "op 0 (replace /plain/y): /plain is an object, not a LiveObject");
}

static void test_edit_preview_values(void **state)
{
	(void)state;
	struct lson_edit_preview pv;
	struct lb_error err;

	/* What the document holds already: nothing to send. */
	assert_true(
	    preview((struct lson_edit){.kind = LSON_EDIT_SET, .path = "/title", .value = "\"doc\""},
	            &pv, &err));
	assert_true(pv.unchanged);
	assert_null(pv.diff);
	assert_int_equal(pv.patch.n, 1);
	lson_edit_preview_clear(&pv);
	/* An object becomes a LiveObject, as the server's JSON Patch reads it;
	 * taken literally it stays plain JSON. */
	check_edit(
	    (struct lson_edit){.kind = LSON_EDIT_SET, .path = "/obj/p", .value = "{\"a\":1}"},
	    PATCH_ADD, "/obj/p", NULL, "add /obj/p", NULL, "\"liveblocksType\": \"LiveObject\"");
	assert_true(preview(
	    (struct lson_edit){
	        .kind = LSON_EDIT_SET, .path = "/obj/p", .value = "{\"a\":1}", .literal = true},
	    &pv, &err));
	assert_non_null(strstr(pv.diff, "+     \"p\": {\n+       \"a\": 1\n+     }"));
	lson_edit_preview_clear(&pv);
	/* The preview is of the closest container holding the change. */
	assert_true(preview(
	    (struct lson_edit){.kind = LSON_EDIT_SET, .path = "/obj/x", .value = "5"}, &pv, &err));
	assert_string_equal(pv.diff, "@@ -1,6 +1,6 @@\n"
	                             "  {\n"
	                             "    \"liveblocksType\": \"LiveObject\",\n"
	                             "    \"data\": {\n"
	                             "-     \"x\": 1\n"
	                             "+     \"x\": 5\n"
	                             "    }\n"
	                             "  }\n");
	lson_edit_preview_clear(&pv);
}

static void test_pointer_parent_and_common(void **state)
{
	(void)state;
	char *s;

	assert_string_equal(s = lson_pointer_parent("/a/b"), "/a");
	free(s);
	assert_string_equal(s = lson_pointer_parent("/a"), "");
	free(s);
	assert_string_equal(s = lson_pointer_common("/a/b", "/a/c"), "/a");
	free(s);
	/* whole tokens: /a is not an ancestor of /ab */
	assert_string_equal(s = lson_pointer_common("/a", "/ab"), "");
	free(s);
	assert_string_equal(s = lson_pointer_common("/a/b", "/a/b"), "/a/b");
	free(s);
}

static void test_big_document(void **state)
{
	size_t len, n;
	char *json = gen_doc(7000, 1500, &len), *changed, *s;
	struct lb_error err;
	struct lson_doc *d, *e;
	struct lson_delta *v = NULL;
	struct timespec t0;
	double t_parse, t_find, t_search, t_diff, t_json;
	int last, hit;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = lson_parse(json, len, true, &err);
	t_parse = ms_since(&t0);
	assert_non_null(d);
	assert_true(d->n >= 100000);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = lson_find(d, "/users/user~1~01499/age");
	t_find = ms_since(&t0);
	assert_int_equal(last, (int)d->n - 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	hit = lson_search(d, "User 1499", 0, 1);
	t_search = ms_since(&t0);
	assert_int_equal(hit, (int)d->n - 2);
	assert_int_equal(lson_search(d, "no such text anywhere", 0, 1), -1);

	/* the same document with one value changed, one key added */
	changed = malloc(len + 32);
	assert_non_null(changed);
	s = strstr(json, "\"Shape number 6999\"");
	assert_non_null(s);
	memcpy(changed, json, (size_t)(s - json));
	strcpy(changed + (s - json), "\"Shape renamed\"");
	strcat(changed, s + strlen("\"Shape number 6999\""));
	changed[strlen(changed) - 2] = '\0';
	strcat(changed, ",\"z\":1}}");
	e = lson_parse(changed, strlen(changed), true, &err);
	assert_non_null(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = lson_diff(d, e, &v);
	t_diff = ms_since(&t0);
	assert_int_equal(n, 2);
	check_delta(&v[0], LSON_CHANGED, "/shapes/6999/label", "\"Shape number 6999\"",
	            "\"Shape renamed\"");
	check_delta(&v[1], LSON_ADDED, "/z", NULL, "1");
	lson_deltas_free(&v, n);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = lson_subtree_json(d, 0, true, true);
	t_json = ms_since(&t0);
	assert_non_null(s);
	free(s);

	print_message("  %zu nodes, %zu bytes: parse %.1f ms, find last %.2f ms, search %.2f ms, "
	              "diff %.1f ms, pretty JSON %.1f ms\n",
	              d->n, len, t_parse, t_find, t_search, t_diff, t_json);
	/* generous bounds (sanitizer builds are slow): quadratic work would
	 * take minutes */
	assert_true(t_parse < 3000);
	assert_true(t_search < 1000);
	assert_true(t_diff < 3000);
	assert_true(t_json < 3000);
	lson_unref(&d);
	lson_unref(&e);
	free(changed);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_every_type),
	    cmocka_unit_test(test_parse_type_names),
	    cmocka_unit_test(test_parse_nesting),
	    cmocka_unit_test(test_parse_simplified),
	    cmocka_unit_test(test_parse_malformed_wrappers),
	    cmocka_unit_test(test_parse_unicode),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_ref_unref),
	    cmocka_unit_test(test_pointer_escaping),
	    cmocka_unit_test(test_path_find_roundtrip),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_search),
	    cmocka_unit_test(test_subtree_json_pretty),
	    cmocka_unit_test(test_subtree_json_roundtrip),
	    cmocka_unit_test(test_diff_basic),
	    cmocka_unit_test(test_diff_lists_and_live),
	    cmocka_unit_test(test_patch_to_json),
	    cmocka_unit_test(test_from_json),
	    cmocka_unit_test(test_patch_apply),
	    cmocka_unit_test(test_patch_apply_failures),
	    cmocka_unit_test(test_patch_apply_atomic),
	    cmocka_unit_test(test_patch_guard),
	    cmocka_unit_test(test_patch_test_failures),
	    cmocka_unit_test(test_patch_guard_move),
	    cmocka_unit_test(test_patch_unkeepable_strings),
	    cmocka_unit_test(test_patch_apply_literal),
	    cmocka_unit_test(test_validate_document),
	    cmocka_unit_test(test_edit_preview),
	    cmocka_unit_test(test_edit_preview_values),
	    cmocka_unit_test(test_pointer_parent_and_common),
	    cmocka_unit_test(test_big_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
