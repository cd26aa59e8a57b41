/* Comment bodies (src/res/comment_body.h): the API's JSON both ways, plain
 * text, the screen's lines (every node type, nesting, wrapping with wide
 * characters, narrow widths, terminal safety), the lossless text form and
 * its escapes, markdown as the SDK reads it, and the SDK's URL check. The
 * node for node comparison with the SDK itself is
 * tests/e2e/comment_body.test.mjs. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "comment_body.h"
#include "comment_impl.h"
#include "json.h"
#include "util.h"

/* A body from JSON that must decode. */
static struct cbody *body(const char *json)
{
	struct cbody *b = NULL;
	struct lb_error err;

	if (!cbody_decode(json, strlen(json), &b, &err))
		fail_msg("%s: %s", json, err.message);
	return b;
}

/* The body's JSON, compact. Caller frees. */
static char *json_of(const struct cbody *b)
{
	char *s = cbody_encode(b);

	assert_non_null(s);
	return s;
}

static void assert_json(const struct cbody *b, const char *want)
{
	char *s = json_of(b);

	assert_string_equal(s, want);
	free(s);
}

/* ---- JSON ----------------------------------------------------------------- */

static const char *const every_node =
    "{\"version\":1,\"content\":["
    "{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"plain\"},"
    "{\"text\":\"all\",\"bold\":true,\"italic\":true,\"strikethrough\":true,\"code\":true},"
    "{\"text\":\"off\",\"bold\":false},"
    "{\"type\":\"link\",\"url\":\"https://example.com\",\"text\":\"site\"},"
    "{\"type\":\"link\",\"url\":\"https://example.com/bare\"},"
    "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"alice\"},"
    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"team\",\"userIds\":[\"a\",\"b\"]},"
    "{\"type\":\"mention\",\"id\":\"legacy\"}]},"
    "{\"type\":\"paragraph\",\"children\":[]}]}";

static void test_decode_every_node(void **state)
{
	struct cbody *b = body(every_node);
	const struct cbody_inline *c;

	(void)state;
	assert_int_equal(b->n, 2);
	assert_int_equal(b->content[0].n, 8);
	assert_int_equal(b->content[1].n, 0);
	c = b->content[0].children;
	assert_int_equal(c[0].type, CBODY_TEXT);
	assert_string_equal(c[0].text, "plain");
	assert_int_equal(c[0].on, 0);
	assert_int_equal(c[0].set, 0);
	assert_int_equal(c[1].on, CBODY_FLAGS);
	assert_int_equal(c[1].set, CBODY_FLAGS);
	assert_int_equal(c[2].on, 0);
	assert_int_equal(c[2].set, CBODY_BOLD);
	assert_int_equal(c[3].type, CBODY_LINK);
	assert_string_equal(c[3].url, "https://example.com");
	assert_string_equal(c[3].text, "site");
	assert_null(c[4].text);
	assert_int_equal(c[5].type, CBODY_MENTION);
	assert_int_equal(c[5].kind, CBODY_KIND_USER);
	assert_string_equal(c[5].id, "alice");
	assert_false(c[5].has_user_ids);
	assert_int_equal(c[6].kind, CBODY_KIND_GROUP);
	assert_true(c[6].has_user_ids);
	assert_int_equal(c[6].user_ids.n, 2);
	assert_string_equal(c[6].user_ids.v[1], "b");
	assert_int_equal(c[7].kind, CBODY_KIND_NONE);
	cbody_free(&b);
	assert_null(b);
}

static void test_encode_is_the_api_shape(void **state)
{
	struct cbody *b = body(every_node), *again = NULL;
	struct lb_error err;
	char *s = json_of(b);

	(void)state;
	/* Keys in the API's order, flags only where they were, false kept. */
	assert_string_equal(s, every_node);
	assert_true(cbody_decode(s, strlen(s), &again, &err));
	assert_true(cbody_equal(b, again));
	free(s);
	cbody_free(&again);
	cbody_free(&b);
}

static void test_decode_keeps_what_is_absent_absent(void **state)
{
	struct cbody *b;

	(void)state;
	/* Key order and white space do not matter; unnamed keys are dropped. */
	b = body(" { \"content\" : [ { \"children\" : [ { \"italic\" : true , \"text\" : \"x\" ,"
	         " \"extra\" : 1 } ] , \"type\" : \"paragraph\" } ] , \"version\" : 1 } ");
	assert_json(b, "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	               "{\"text\":\"x\",\"italic\":true}]}]}");
	cbody_free(&b);
	b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"type\":\"link\",\"url\":\"u\",\"text\":\"\"},"
	         "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"g\",\"userIds\":[]}]}]}");
	assert_json(b, "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	               "{\"type\":\"link\",\"url\":\"u\",\"text\":\"\"},"
	               "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"g\",\"userIds\":[]}]}]}");
	cbody_free(&b);
	b = body("{\"version\":1,\"content\":[]}");
	assert_int_equal(b->n, 0);
	assert_json(b, "{\"version\":1,\"content\":[]}");
	cbody_free(&b);
}

static void test_decode_errors_say_where(void **state)
{
	static const struct {
		const char *json, *says;
	} cases[] = {
	    {"", "malformed JSON"},
	    {"{\"version\":1,\"content\":[", "malformed JSON"},
	    {"[]", "comment body: not an object"},
	    {"{\"content\":[]}", "\"version\" is not 1"},
	    {"{\"version\":2,\"content\":[]}", "\"version\" is not 1"},
	    {"{\"version\":1}", "\"content\" is not an array"},
	    {"{\"version\":1,\"content\":[1]}", "content[0]: not an object"},
	    {"{\"version\":1,\"content\":[{\"type\":\"heading\",\"children\":[]}]}",
	     "content[0]: not a paragraph"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\"}]}",
	     "content[0]: \"children\" is not an array"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{}]}]}",
	     "content[0].children[0]: no \"text\""},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":1}]}]}",
	     "content[0].children[0]: \"text\" is not a string"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"\"},"
	     "{\"text\":\"x\",\"bold\":\"yes\"}]}]}",
	     "content[0].children[1]: \"bold\" is not a boolean"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	     "\"image\","
	     "\"url\":\"x\"}]}]}",
	     "content[0].children[0]: unknown inline type \"image\""},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":7}]}]}",
	     "\"type\" is not a string"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":\"link\"}"
	     "]}]}",
	     "no \"url\""},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":\"link\","
	     "\"url\":\"u\",\"text\":null}]}]}",
	     "\"text\" is not a string"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	     "\"mention\",\"kind\":\"team\",\"id\":\"x\"}]}]}",
	     "\"kind\" is not \"user\" or \"group\""},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	     "\"mention\",\"kind\":\"user\"}]}]}",
	     "no \"id\""},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	     "\"mention\",\"id\":\"g\",\"userIds\":\"a\"}]}]}",
	     "\"userIds\" is not an array"},
	    {"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	     "\"mention\",\"id\":\"g\",\"userIds\":[\"a\",2]}]}]}",
	     "\"userIds\" holds something else than strings"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cbody *b = (struct cbody *)1;
		struct lb_error err;

		assert_false(cbody_decode(cases[i].json, strlen(cases[i].json), &b, &err));
		assert_null(b);
		assert_int_equal(err.status, LB_DECODE);
		if (!strstr(err.message, cases[i].says))
			fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].json, err.message,
			         cases[i].says);
	}
}

static void test_write_inside_a_request(void **state)
{
	struct cbody *b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":"
	                       "[{\"text\":\"hi \\\"you\\\"\\n\"}]}]}");
	struct buf out;
	struct json_writer w;

	(void)state;
	buf_init(&out);
	json_writer_init(&w, &out, false);
	json_begin_object(&w);
	json_key(&w, "userId");
	json_string(&w, "u1");
	json_key(&w, "body");
	cbody_write(&w, b);
	json_end_object(&w);
	assert_true(w.ok);
	assert_string_equal(out.data,
	                    "{\"userId\":\"u1\",\"body\":{\"version\":1,\"content\":[{\"type\":"
	                    "\"paragraph\",\"children\":[{\"text\":\"hi \\\"you\\\"\\n\"}]}]}}");
	buf_free(&out);
	cbody_free(&b);
}

static void test_equal_sees_every_difference(void **state)
{
	static const char *const variants[] = {
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"a\"}]}]"
	    "}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"b\"}]}]"
	    "}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"a\","
	    "\"bold\":true}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"a\","
	    "\"bold\":false}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":\"link\","
	    "\"url\":\"a\"}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":\"link\","
	    "\"url\":\"a\",\"text\":\"\"}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	    "\"mention\",\"id\":\"a\"}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	    "\"mention\",\"kind\":\"user\",\"id\":\"a\"}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	    "\"mention\",\"kind\":\"user\",\"id\":\"a\",\"userIds\":[]}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"type\":"
	    "\"mention\",\"kind\":\"user\",\"id\":\"a\",\"userIds\":[\"x\"]}]}]}",
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[]}]}",
	    "{\"version\":1,\"content\":[]}",
	};
	size_t n = sizeof(variants) / sizeof(variants[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n; k++) {
			struct cbody *a = body(variants[i]), *b = body(variants[k]);

			assert_int_equal(cbody_equal(a, b), i == k);
			cbody_free(&a);
			cbody_free(&b);
		}
}

/* ---- plain text ----------------------------------------------------------- */

static const char *names(void *ud, enum cbody_kind kind, const char *id)
{
	(void)ud;
	if (!strcmp(id, "alice") && kind != CBODY_KIND_GROUP)
		return "Alice A.";
	if (!strcmp(id, "team") && kind == CBODY_KIND_GROUP)
		return "The Team";
	return NULL;
}

static void test_plain_is_the_sdks_format(void **state)
{
	struct cbody *b = body(every_node);
	char *s;

	(void)state;
	s = cbody_plain(b, NULL, NULL);
	assert_string_equal(s, "plainalloffsitehttps://example.com/bare@alice@team@legacy\n");
	free(s);
	s = cbody_plain(b, names, NULL);
	assert_string_equal(s,
	                    "plainalloffsitehttps://example.com/bare@Alice A.@The Team@legacy\n");
	free(s);
	cbody_free(&b);
	b = body(
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"a\"},"
	    "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"\"},{\"text\":\"\\u001b[31m\"}]},"
	    "{\"type\":\"paragraph\",\"children\":[{\"text\":\"b\\nc\"}]}]}");
	s = cbody_plain(b, NULL, NULL);
	/* An empty mention is left out; text is as it is (made safe by whoever
	 * prints it). */
	assert_string_equal(s, "a\x1b[31m\nb\nc");
	free(s);
	cbody_free(&b);
	b = body("{\"version\":1,\"content\":[]}");
	s = cbody_plain(b, NULL, NULL);
	assert_string_equal(s, "");
	free(s);
	cbody_free(&b);
}

/* ---- the screen ----------------------------------------------------------- */

/* The lines as text, "|" between lines, runs as they are. */
static char *lines_text(const struct cbody_lines *l)
{
	struct buf out;

	buf_init(&out);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_adds(&out, "|");
		for (size_t k = 0; k < l->lines[i].n; k++)
			buf_adds(&out, l->lines[i].runs[k].text);
	}
	return buf_steal(&out);
}

/* Render, check what every render must hold, and compare the text. */
static void render_check(const struct cbody *b, int width, cbody_name_fn fn, const char *want,
                         struct cbody_lines *keep)
{
	struct cbody_lines l;
	char *text;

	assert_true(cbody_render(b, width, fn, NULL, &l));
	for (size_t i = 0; i < l.n; i++) {
		int cols = 0;

		for (size_t k = 0; k < l.lines[i].n; k++) {
			const struct cbody_run *r = &l.lines[i].runs[k];

			assert_true(r->text[0] != '\0');
			for (const char *p = r->text; *p; p++)
				assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
			if (k > 0)
				assert_int_not_equal(r->style, l.lines[i].runs[k - 1].style);
			cols += r->cols;
		}
		assert_int_equal(cols, l.lines[i].cols);
		/* Only a wide character alone may be wider than the line. */
		if (cols > (width < 1 ? 1 : width))
			assert_true(l.lines[i].n == 1 && cols == 2);
	}
	text = lines_text(&l);
	if (want && strcmp(text, want))
		fail_msg("width %d: got \"%s\", want \"%s\"", width, text, want);
	free(text);
	if (keep)
		*keep = l;
	else
		cbody_lines_free(&l);
}

static void test_render_every_node_and_nesting(void **state)
{
	struct cbody *b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	                       "{\"text\":\"b\",\"bold\":true},"
	                       "{\"text\":\"bi\",\"bold\":true,\"italic\":true},"
	                       "{\"text\":\"s\",\"strikethrough\":true},"
	                       "{\"text\":\"c\",\"code\":true,\"bold\":false},"
	                       "{\"type\":\"link\",\"url\":\"https://l.example\",\"text\":\"L\"},"
	                       "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"alice\"},"
	                       "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"team\"},"
	                       "{\"type\":\"mention\",\"id\":\"old\"}]}]}");
	struct cbody_lines l;
	const struct cbody_run *r;

	(void)state;
	render_check(b, 80, NULL, "bbiscL[1]@alice@team@old||[1] https://l.example", &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.lines[1].n, 0);
	r = l.lines[0].runs;
	assert_int_equal(l.lines[0].n, 9);
	assert_int_equal(r[0].style, CBODY_S_BOLD);
	assert_int_equal(r[1].style, CBODY_S_BOLD | CBODY_S_ITALIC);
	assert_int_equal(r[2].style, CBODY_S_STRIKE);
	assert_int_equal(r[3].style, CBODY_S_CODE);
	assert_string_equal(r[4].text, "L");
	assert_int_equal(r[4].style, CBODY_S_LINK);
	assert_string_equal(r[5].text, "[1]");
	assert_int_equal(r[5].style, CBODY_S_FOOTNOTE);
	assert_string_equal(r[6].text, "@alice");
	assert_int_equal(r[6].style, CBODY_S_USER);
	assert_string_equal(r[7].text, "@team");
	assert_int_equal(r[7].style, CBODY_S_GROUP);
	assert_int_equal(r[8].style, CBODY_S_USER);
	assert_int_equal(l.lines[2].runs[0].style, CBODY_S_FOOTNOTE);
	assert_string_equal(l.lines[2].runs[1].text, "https://l.example");
	assert_int_equal(l.lines[2].runs[1].style, CBODY_S_FOOTNOTE | CBODY_S_LINK);
	cbody_lines_free(&l);
	/* Names from the resolver. */
	render_check(b, 80, names, "bbiscL[1]@Alice A.@The Team@old||[1] https://l.example", NULL);
	cbody_free(&b);
}

static void test_render_links_and_footnotes(void **state)
{
	struct cbody *b =
	    body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"see \"},"
	         "{\"type\":\"link\",\"url\":\"https://a.example\",\"text\":\"a\"},"
	         "{\"text\":\" and \"},"
	         "{\"type\":\"link\",\"url\":\"https://b.example\"},"
	         "{\"text\":\" and \"},"
	         "{\"type\":\"link\",\"url\":\"https://a.example\",\"text\":\"again\"}]},"
	         "{\"type\":\"paragraph\",\"children\":[{\"type\":\"mention\","
	         "\"kind\":\"user\",\"id\":\"\"}]}]}");

	(void)state;
	/* One number per URL; a link without text shows its URL; an empty
	 * mention shows nothing (its paragraph is an empty line). */
	render_check(b, 80, NULL,
	             "see a[1] and https://b.example[2] and again[1]|||"
	             "|[1] https://a.example|[2] https://b.example",
	             NULL);
	cbody_free(&b);
}

static void test_render_paragraphs_and_breaks(void **state)
{
	struct cbody *b =
	    body("{\"version\":1,\"content\":["
	         "{\"type\":\"paragraph\",\"children\":[{\"text\":\"one\\ntwo\"}]},"
	         "{\"type\":\"paragraph\",\"children\":[]},"
	         "{\"type\":\"paragraph\",\"children\":[{\"text\":\"  indented\\n\\nx\"}]}"
	         "]}");

	(void)state;
	/* A blank line between paragraphs; the empty one is an empty line. */
	render_check(b, 40, NULL, "one|two||||  indented||x", NULL);
	cbody_free(&b);
	b = body("{\"version\":1,\"content\":[]}");
	render_check(b, 40, NULL, "", NULL);
	cbody_free(&b);
}

static void test_render_wraps_at_words(void **state)
{
	struct cbody *b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	                       "{\"text\":\"the quick \"},{\"text\":\"brown\",\"bold\":true},"
	                       "{\"text\":\" fox jumps over\"}]}]}");
	struct cbody_lines l;

	(void)state;
	render_check(b, 10, NULL, "the quick|brown fox|jumps over", &l);
	/* The bold word keeps its style on its line. */
	assert_string_equal(l.lines[1].runs[0].text, "brown");
	assert_int_equal(l.lines[1].runs[0].style, CBODY_S_BOLD);
	cbody_lines_free(&l);
	render_check(b, 15, NULL, "the quick brown|fox jumps over", NULL);
	render_check(b, 3, NULL, "the|qui|ck|bro|wn|fox|jum|ps|ove|r", NULL);
	cbody_free(&b);
	/* A word across two styles is one word; a long one is cut. */
	b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"ab\"},{\"text\":\"cd\",\"italic\":true},{\"text\":\" e\"}]}]}");
	render_check(b, 4, NULL, "abcd|e", NULL);
	render_check(b, 3, NULL, "abc|d e", NULL);
	cbody_free(&b);
	/* A link's marker stays with its text. */
	b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"go \"},{\"type\":\"link\",\"url\":\"u\",\"text\":\"here\"}]}]}");
	render_check(b, 8, NULL, "go|here[1]||[1] u", NULL);
	cbody_free(&b);
}

static void test_render_wide_characters(void **state)
{
	struct cbody *b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	                       "{\"text\":\"日本語のテキスト\"}]}]}");
	struct cbody_lines l;

	(void)state;
	render_check(b, 5, NULL, "日本|語の|テキ|スト", &l);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.lines[i].cols, 4);
	cbody_lines_free(&l);
	render_check(b, 4, NULL, "日本|語の|テキ|スト", NULL);
	/* Narrower than a wide character: one a line. */
	render_check(b, 1, NULL, "日|本|語|の|テ|キ|ス|ト", NULL);
	render_check(b, 0, NULL, "日|本|語|の|テ|キ|ス|ト", NULL);
	render_check(b, -5, NULL, "日|本|語|の|テ|キ|ス|ト", NULL);
	cbody_free(&b);
	/* Emoji are wide; ASCII words around them still wrap at spaces; a
	 * combining mark stays on its letter. */
	b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"ok 😀😀 cafe\\u0301 x\"}]}]}");
	render_check(b, 4, NULL, "ok|😀😀|cafe\xcc\x81|x", NULL);
	render_check(b, 3, NULL, "ok|😀|😀|caf|e\xcc\x81 x", NULL);
	render_check(b, 1, NULL, "o|k|😀|😀|c|a|f|e\xcc\x81|x", NULL);
	cbody_free(&b);
	b = body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"a中文b\"}]}]}");
	render_check(b, 3, NULL, "a中|文b", NULL);
	cbody_free(&b);
}

static void test_render_is_terminal_safe(void **state)
{
	struct cbody *b =
	    body("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	         "{\"text\":\"red\\u001b[31m \\u0007bell \\u009b c1 \\u202e bidi\\ttab\"},"
	         "{\"type\":\"link\",\"url\":\"https://x/"
	         "\\u001b]0;title\\u0007\",\"text\":\"\\u001bL\"},"
	         "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"\\u001b[2J\"}]}]}");
	struct cbody_lines l;
	char *text;

	(void)state;
	render_check(b, 200, NULL, NULL, &l);
	text = lines_text(&l);
	assert_null(strchr(text, 0x1b));
	assert_null(strchr(text, 0x07));
	assert_null(strchr(text, '\t'));
	assert_null(strstr(text, "\xc2\x9b"));
	assert_null(strstr(text, "\xe2\x80\xae"));
	assert_non_null(strstr(text, "red\xe2\x90\x9b[31m")); /* the visible ␛ */
	assert_non_null(strstr(text, "@\xe2\x90\x9b[2J"));
	free(text);
	cbody_lines_free(&l);
	cbody_free(&b);
}

/* ---- the text form -------------------------------------------------------- */

/* body -> text is want, and text -> body is body again. */
static void text_is(const char *json, const char *want)
{
	struct cbody *b = body(json), *again;
	struct lb_error err;
	char *text = cbody_to_text(b);

	assert_non_null(text);
	if (strcmp(text, want))
		fail_msg("%s: text \"%s\", want \"%s\"", json, text, want);
	again = cbody_from_text(text, strlen(text), &err);
	assert_non_null(again);
	if (!cbody_equal(b, again)) {
		char *got = json_of(again);

		fail_msg("%s: read back as %s", json, got);
	}
	free(text);
	cbody_free(&again);
	cbody_free(&b);
}

#define P(children)      "{\"type\":\"paragraph\",\"children\":[" children "]}"
#define BODY(paragraphs) "{\"version\":1,\"content\":[" paragraphs "]}"

static void test_text_form_syntax(void **state)
{
	(void)state;
	text_is(BODY(""), "");
	text_is(BODY(P("")), "\\\n");
	text_is(BODY(P("") "," P("")), "\n\n\n");
	text_is(BODY(P("{\"text\":\"a\"}") "," P("") "," P("{\"text\":\"b\"}")), "a\n\n\n\nb\n");
	text_is(BODY(P("{\"text\":\"hello world\"}")), "hello world\n");
	text_is(BODY(P("{\"text\":\"x\",\"bold\":true}")), "**x**\n");
	text_is(BODY(P("{\"text\":\"x\",\"bold\":true,\"italic\":true,\"strikethrough\":true,"
	               "\"code\":true}")),
	        "**_~~`x`~~_**\n");
	text_is(BODY(P("{\"text\":\"a\"},{\"text\":\"b\"}")), "a{}b\n");
	text_is(BODY(P("{\"text\":\"\"}")), "{}\n");
	text_is(BODY(P("{\"text\":\"\",\"code\":true}")), "``\n");
	text_is(BODY(P("{\"text\":\"a\",\"bold\":true},{\"text\":\"b\",\"bold\":true}")),
	        "**a****b**\n");
	text_is(BODY(P("{\"text\":\"x\",\"bold\":false,\"code\":false}")), "x{bc}\n");
	text_is(BODY(P("{\"text\":\"x\",\"code\":true,\"italic\":false}")), "`x{i}`\n");
	text_is(BODY(P("{\"text\":\" * _ ~ ` [ \\\\ {} {b} \"}")),
	        " \\* \\_ \\~ \\` \\[ \\\\ \\{} \\{b} \n");
	text_is(BODY(P("{\"text\":\"`{}\\\\\",\"code\":true}")), "`\\`\\{}\\\\`\n");
	text_is(BODY(P("{\"text\":\"a\\nb\\n\\nc\\n\"}")), "a\nb\n\\\nc\\\n\n");
	text_is(BODY(P("{\"text\":\"\\r\\n\"}")), "\\\r\\\n\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"alice\"},"
	               "{\"text\":\", hi\"}")),
	        "@alice, hi\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"alice\"},"
	               "{\"text\":\"x\"}")),
	        "@{user:alice}x\n");
	text_is(BODY(P("{\"text\":\"a\"},{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"b\"}")),
	        "a@{user:b}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"end.\"}")),
	        "@{user:end.}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"team\"}")),
	        "@{group:team}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"t\",\"userIds\":"
	               "[\"a\",\"b,c\"]}")),
	        "@{group:t|a,b\\,c}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"t\",\"userIds\":[]}")),
	        "@{group:t|}\n");
	text_is(
	    BODY(P("{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"t\",\"userIds\":[\"\"]}")),
	    "@{group:t|,}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"id\":\"user:x\"}")), "@{user\\:x}\n");
	text_is(BODY(P("{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"a}b|c\"}")),
	        "@{user:a\\}b\\|c}\n");
	text_is(BODY(P("{\"type\":\"link\",\"url\":\"https://e.x/(a)\",\"text\":\"t [1]\"}")),
	        "[t \\[1\\]](https://e.x/\\(a\\))\n");
	text_is(BODY(P("{\"type\":\"link\",\"url\":\"u\"}")), "[](u)\n");
	text_is(BODY(P("{\"type\":\"link\",\"url\":\"u\",\"text\":\"\"}")), "[{}](u)\n");
	text_is(BODY(P("{\"text\":\"mail a@b.c @x @{y\"}")), "mail a@b.c \\@x \\@{y\n");
}

/* Reads of what a person types, and text that is no syntax at all. */
static void test_text_form_reading(void **state)
{
	static const struct {
		const char *text, *json;
	} cases[] = {
	    {"hi\n", BODY(P("{\"text\":\"hi\"}"))},
	    {"a\r\nb\r\n\r\nc", BODY(P("{\"text\":\"a\\nb\"}") "," P("{\"text\":\"c\"}"))},
	    {"*i* _i_ **b** ~s~ ~~s~~",
	     BODY(P("{\"text\":\"i\",\"italic\":true},{\"text\":\" \"},{\"text\":\"i\",\"italic\":"
	            "true},{\"text\":\" \"},{\"text\":\"b\",\"bold\":true},{\"text\":\" ~s~ \"},"
	            "{\"text\":\"s\",\"strikethrough\":true}"))},
	    {"**bold _both_**", BODY(P("{\"text\":\"bold \",\"bold\":true},{\"text\":\"both\","
	                               "\"bold\":true,\"italic\":true}"))},
	    {"**unclosed", BODY(P("{\"text\":\"unclosed\",\"bold\":true}"))},
	    {"`a*b_c`", BODY(P("{\"text\":\"a*b_c\",\"code\":true}"))},
	    {"hi @bob.", BODY(P("{\"text\":\"hi \"},{\"type\":\"mention\",\"kind\":\"user\","
	                        "\"id\":\"bob\"},{\"text\":\".\"}"))},
	    {"x@y.z", BODY(P("{\"text\":\"x@y.z\"}"))},
	    {"@{team", BODY(P("{\"text\":\"@{team\"}"))},
	    {"[a](b", BODY(P("{\"text\":\"[a](b\"}"))},
	    {"[a] (b)", BODY(P("{\"text\":\"[a] (b)\"}"))},
	    {"C:\\dir\\file", BODY(P("{\"text\":\"C:\\\\dir\\\\file\"}"))},
	    {"trailing \\", BODY(P("{\"text\":\"trailing \\\\\"}"))},
	    {"{x}", BODY(P("{\"text\":\"{x}\"}"))},
	    {"a\n\n\nb", BODY(P("{\"text\":\"a\"}") "," P("{\"text\":\"\\nb\"}"))},
	    {"\\", BODY(P(""))},
	    {"", BODY("")},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lb_error err;
		struct cbody *got = cbody_from_text(cases[i].text, strlen(cases[i].text), &err);
		struct cbody *want = body(cases[i].json);

		assert_non_null(got);
		if (!cbody_equal(got, want)) {
			char *g = json_of(got);

			fail_msg("\"%s\": got %s, want %s", cases[i].text, g, cases[i].json);
		}
		cbody_free(&got);
		cbody_free(&want);
	}
}

/* A small generator, the same run after run. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void random_string(struct buf *b)
{
	static const char *const pieces[] = {
	    "a",  "b",    " ",  "*",    "**", "_",   "~",     "~~",     "`",  "\\", "[", "]",
	    "(",  ")",    "{",  "}",    "{}", "{b}", "@",     "@x",     "@{", "|",  ",", ":",
	    "\n", "\n\n", "\r", "\r\n", "é",  "😀",   "user:", "group:", ".",  "-",  "\t"};
	size_t n = rnd(8);

	for (size_t i = 0; i < n; i++)
		buf_adds(b, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
}

/* Random bodies, of every node and flag: body -> text -> body is the body. */
static void test_text_form_is_lossless(void **state)
{
	static const char *const keys[] = {"bold", "italic", "strikethrough", "code"};

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct buf j;
		size_t paras = rnd(4);

		buf_init(&j);
		buf_adds(&j, "{\"version\":1,\"content\":[");
		for (size_t p = 0; p < paras; p++) {
			size_t n = rnd(6);

			buf_adds(&j, p ? ",{\"type\":\"paragraph\",\"children\":["
			               : "{\"type\":\"paragraph\",\"children\":[");
			for (size_t k = 0; k < n; k++) {
				struct buf s;
				uint32_t t = rnd(10);

				buf_init(&s);
				random_string(&s);
				if (k)
					buf_adds(&j, ",");
				if (t < 6) {
					buf_adds(&j, "{\"text\":");
					buf_json_string(&j, s.data);
					for (int f = 0; f < 4; f++) {
						uint32_t v = rnd(4);

						if (v < 2)
							buf_printf(&j, ",\"%s\":%s", keys[f],
							           v ? "true" : "false");
					}
					buf_adds(&j, "}");
				} else if (t < 8) {
					buf_adds(&j, "{\"type\":\"link\",\"url\":");
					buf_json_string(&j, s.data);
					if (rnd(2)) {
						buf_adds(&j, ",\"text\":");
						s.len = 0;
						random_string(&s);
						buf_json_string(&j, s.len ? s.data : "");
					}
					buf_adds(&j, "}");
				} else {
					static const char *const kinds[] = {
					    "", ",\"kind\":\"user\"", ",\"kind\":\"group\""};

					buf_printf(
					    &j, "{\"type\":\"mention\"%s,\"id\":", kinds[rnd(3)]);
					buf_json_string(&j, s.data);
					if (rnd(3) == 0) {
						size_t m = rnd(3);

						buf_adds(&j, ",\"userIds\":[");
						for (size_t u = 0; u < m; u++) {
							s.len = 0;
							random_string(&s);
							if (u)
								buf_adds(&j, ",");
							buf_json_string(&j, s.len ? s.data : "");
						}
						buf_adds(&j, "]");
					}
					buf_adds(&j, "}");
				}
				buf_free(&s);
			}
			buf_adds(&j, "]}");
		}
		buf_adds(&j, "]}");
		{
			struct cbody *b = body(j.data), *again;
			struct lb_error err;
			char *text = cbody_to_text(b);

			assert_non_null(text);
			again = cbody_from_text(text, strlen(text), &err);
			if (!cbody_equal(b, again))
				fail_msg("%s -> \"%s\" is not the same body", j.data, text);
			free(text);
			cbody_free(&again);
			cbody_free(&b);
		}
		buf_free(&j);
	}
}

/* Any bytes read as a body, and that body writes a text that reads back as
 * itself. */
static void test_text_form_reads_anything(void **state)
{
	(void)state;
	for (int round = 0; round < 3000; round++) {
		char bytes[64];
		size_t n = rnd(sizeof(bytes));
		struct lb_error err;
		struct cbody *b, *again;
		char *text;

		for (size_t i = 0; i < n; i++)
			bytes[i] = rnd(4) ? "*_~`\\[](){}@|,:\n\r ab"[rnd(21)] : (char)rnd(256);
		b = cbody_from_text(bytes, n, &err);
		assert_non_null(b);
		text = cbody_to_text(b);
		again = cbody_from_text(text, strlen(text), &err);
		assert_true(cbody_equal(b, again));
		free(text);
		cbody_free(&again);
		cbody_free(&b);
	}
}

/* ---- markdown ------------------------------------------------------------- */

static void markdown_is(const char *md, const char *want)
{
	struct lb_error err;
	struct cbody *b = cbody_from_markdown(md, strlen(md), &err);
	char *got;

	if (!b)
		fail_msg("\"%s\": %s", md, err.message);
	got = json_of(b);
	if (strcmp(got, want))
		fail_msg("\"%s\":\n got  %s\n want %s", md, got, want);
	free(got);
	cbody_free(&b);
}

/* The SDK's behaviour as api-contract.md section 3 describes it (the
 * corpus test checks hundreds more against the SDK itself). */
static void test_markdown_as_the_sdk(void **state)
{
	(void)state;
	markdown_is("", BODY(""));
	markdown_is("**b** __b__ *i* _i_ ~~s~~ `c`",
	            BODY(P("{\"text\":\"b\",\"bold\":true},{\"text\":\" \"},{\"text\":\"b\","
	                   "\"bold\":true},{\"text\":\" \"},{\"text\":\"i\",\"italic\":true},"
	                   "{\"text\":\" \"},{\"text\":\"i\",\"italic\":true},{\"text\":\" \"},"
	                   "{\"text\":\"s\",\"strikethrough\":true},{\"text\":\" \"},"
	                   "{\"text\":\"c\",\"code\":true}")));
	markdown_is("**a _b_**", BODY(P("{\"text\":\"a \",\"bold\":true},{\"text\":\"b\",\"bold\":"
	                                "true,\"italic\":true}")));
	markdown_is("one\n\ntwo", BODY(P("{\"text\":\"one\"}") "," P("{\"text\":\"two\"}")));
	markdown_is("hi @alice", BODY(P("{\"text\":\"hi \"},{\"type\":\"mention\",\"kind\":"
	                                "\"user\",\"id\":\"alice\"}")));
	markdown_is("a@b.com", BODY(P("{\"text\":\"a@b.com\"}")));
	markdown_is("@user:1", BODY(P("{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"user\"},"
	                              "{\"text\":\":1\"}")));
	markdown_is("`@not`", BODY(P("{\"text\":\"@not\",\"code\":true}")));
	markdown_is("[x](javascript:alert(1))", BODY(P("{\"text\":\"x\"}")));
	markdown_is("[x](https://e.x)",
	            BODY(P("{\"type\":\"link\",\"url\":\"https://e.x\",\"text\":\"x\"}")));
	markdown_is("www.e.x", BODY(P("{\"type\":\"link\",\"url\":\"http://www.e.x\",\"text\":"
	                              "\"www.e.x\"}")));
	markdown_is("<a@b.co>", BODY(P("{\"text\":\"a@b.co\"}")));
	markdown_is("![i](p.png)", BODY(P("{\"text\":\"![i](p.png)\"}")));
	markdown_is("```\n**x**\n```", BODY(P("{\"text\":\"**x**\"}")));
	markdown_is("# T", BODY(P("{\"text\":\"# \"},{\"text\":\"T\"}")));
	markdown_is("> q", BODY(P("{\"text\":\"> \"},{\"text\":\"q\"}")));
	markdown_is("- a\n- b", BODY(P("{\"text\":\"- \"},{\"text\":\"a\"}") "," P(
	                            "{\"text\":\"- \"},{\"text\":\"b\"}")));
	markdown_is("a\\*b", BODY(P("{\"text\":\"a\"},{\"text\":\"*\"},{\"text\":\"b\"}")));
	markdown_is("a\r\nb", BODY(P("{\"text\":\"a\\nb\"}")));
	/* Invalid UTF-8 reads as U+FFFD, as node reads a file. */
	markdown_is("x\xff", BODY(P("{\"text\":\"x\xef\xbf\xbd\"}")));
}

static void test_markdown_refuses_deep_nesting(void **state)
{
	struct buf md;
	struct lb_error err;
	struct cbody *b;

	(void)state;
	buf_init(&md);
	for (int i = 0; i < CBODY_MAX_DEPTH + 10; i++)
		buf_adds(&md, "> ");
	buf_adds(&md, "deep");
	b = cbody_from_markdown(md.data, md.len, &err);
	assert_null(b);
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "nests deeper"));
	buf_free(&md);
	/* Within the limit, a level of quote is a level. */
	buf_init(&md);
	for (int i = 0; i < 90; i++)
		buf_adds(&md, "> ");
	buf_adds(&md, "*a **b** a*");
	b = cbody_from_markdown(md.data, md.len, &err);
	assert_non_null(b);
	assert_int_equal(b->n, 1);
	assert_int_equal(strlen(b->content[0].children[0].text), 180);
	assert_int_equal(b->content[0].children[2].on, CBODY_ITALIC | CBODY_BOLD);
	cbody_free(&b);
	buf_free(&md);
}

static void url_is(const char *in, const char *want)
{
	bool rejected;
	char *got = cm_sanitize_url(in, strlen(in), &rejected);

	if (!want) {
		if (got)
			fail_msg("\"%s\": got \"%s\", want it refused", in, got);
		assert_true(rejected);
		return;
	}
	if (!got)
		fail_msg("\"%s\": refused, want \"%s\"", in, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_sanitize_url(void **state)
{
	(void)state;
	url_is("https://example.com", "https://example.com");
	url_is("https://example.com/", "https://example.com/");
	url_is("HTTP://EXAMPLE.COM:80/a/./b/../c?q=a b#f", "http://example.com/a/c?q=a%20b#f");
	url_is("www.example.com", "https://www.example.com");
	url_is("https://user:pw@example.com:8080/", "https://example.com:8080/");
	url_is("/relative/path/", "/relative/path/");
	url_is("../up", "/up");
	url_is("#", "#");
	url_is("#top", "#top");
	url_is("https://0x7f.1/", "https://127.0.0.1/");
	url_is("https://[2001:db8:0:0:0:0:0:1]/", "https://[2001:db8::1]/");
	url_is("https://münchen.de/", "https://xn--mnchen-3ya.de/");
	url_is("javascript:alert(1)", NULL);
	url_is("mailto:a@b.c", NULL);
	url_is("ftp://e.x", NULL);
	url_is("", NULL);
	url_is("https://exa mple.com", NULL);
	url_is("https://256.0.0.1/", NULL);
	url_is("https://xn--/", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_every_node),
	    cmocka_unit_test(test_encode_is_the_api_shape),
	    cmocka_unit_test(test_decode_keeps_what_is_absent_absent),
	    cmocka_unit_test(test_decode_errors_say_where),
	    cmocka_unit_test(test_write_inside_a_request),
	    cmocka_unit_test(test_equal_sees_every_difference),
	    cmocka_unit_test(test_plain_is_the_sdks_format),
	    cmocka_unit_test(test_render_every_node_and_nesting),
	    cmocka_unit_test(test_render_links_and_footnotes),
	    cmocka_unit_test(test_render_paragraphs_and_breaks),
	    cmocka_unit_test(test_render_wraps_at_words),
	    cmocka_unit_test(test_render_wide_characters),
	    cmocka_unit_test(test_render_is_terminal_safe),
	    cmocka_unit_test(test_text_form_syntax),
	    cmocka_unit_test(test_text_form_reading),
	    cmocka_unit_test(test_text_form_is_lossless),
	    cmocka_unit_test(test_text_form_reads_anything),
	    cmocka_unit_test(test_markdown_as_the_sdk),
	    cmocka_unit_test(test_markdown_refuses_deep_nesting),
	    cmocka_unit_test(test_sanitize_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
