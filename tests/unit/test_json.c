/* The core's one JSON writer and escaper, and its one UTF-8 decoder. */
#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json.h"
#include "utf8.h"
#include "util.h"

static void check_quote(const char *s, const char *want)
{
	struct buf b;

	buf_init(&b);
	assert_true(json_quote(&b, s));
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_quote(void **state)
{
	(void)state;
	check_quote("", "\"\"");
	check_quote("plain", "\"plain\"");
	check_quote("a\"b\\c", "\"a\\\"b\\\\c\"");
	check_quote("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	check_quote("\x01\x1f", "\"\\u0001\\u001f\"");
	/* DEL, UTF-8 and C1 controls stay: JSON does not need them escaped. */
	check_quote("\x7f\xc3\xa9\xc2\x9b", "\"\x7f\xc3\xa9\xc2\x9b\"");
}

/* Writes a document with every kind of value. */
static char *write_sample(bool pretty)
{
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, pretty);
	json_begin_object(&w);
	json_key(&w, "s");
	json_string(&w, "x\"y");
	json_key(&w, "n");
	json_int(&w, -42);
	json_key(&w, "none");
	json_string_or_null(&w, NULL);
	json_key(&w, "empty");
	json_begin_object(&w);
	json_end_object(&w);
	json_key(&w, "list");
	json_begin_array(&w);
	json_literal(&w, "1.50");
	json_raw(&w, "{\"a\":[1,2],\"b\":\"c:d,e\"}");
	json_begin_array(&w);
	json_end_array(&w);
	json_null(&w);
	json_end_array(&w);
	json_end_object(&w);
	assert_true(w.ok);
	return buf_steal(&b);
}

static void test_writer(void **state)
{
	(void)state;
	char *compact = write_sample(false);
	assert_string_equal(compact, "{\"s\":\"x\\\"y\",\"n\":-42,\"none\":null,\"empty\":{},"
	                             "\"list\":[1.50,{\"a\":[1,2],\"b\":\"c:d,e\"},[],null]}");
	free(compact);
	/* Pretty: two spaces a level, "key": value, a space after ':' and ','
	 * in raw JSON but not inside its strings, empty containers closed. */
	char *pretty = write_sample(true);
	assert_string_equal(pretty, "{\n"
	                            "  \"s\": \"x\\\"y\",\n"
	                            "  \"n\": -42,\n"
	                            "  \"none\": null,\n"
	                            "  \"empty\": {},\n"
	                            "  \"list\": [\n"
	                            "    1.50,\n"
	                            "    {\"a\": [1, 2], \"b\": \"c:d,e\"},\n"
	                            "    [],\n"
	                            "    null\n"
	                            "  ]\n"
	                            "}");
	free(pretty);
}

static void test_writer_top_level_scalar(void **state)
{
	(void)state;
	struct buf b;
	struct json_writer w;

	buf_init(&b);
	json_writer_init(&w, &b, true);
	json_string(&w, "alone");
	assert_true(w.ok);
	assert_string_equal(b.data, "\"alone\"");
	buf_free(&b);
}

static long decode_one(const char *s, size_t *used)
{
	long cp;

	*used = utf8_decode((const unsigned char *)s, strlen(s), &cp);
	return cp;
}

static void test_utf8_decode(void **state)
{
	(void)state;
	size_t used;

	assert_int_equal(decode_one("A", &used), 'A');
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xc3\xa9", &used), 0xE9);
	assert_int_equal(used, 2);
	assert_int_equal(decode_one("\xe2\x80\xa6", &used), 0x2026);
	assert_int_equal(used, 3);
	assert_int_equal(decode_one("\xf0\x9f\x98\x80", &used), 0x1F600);
	assert_int_equal(used, 4);
	/* Ill-formed: one U+FFFD a maximal subpart. */
	assert_int_equal(decode_one("\x80", &used), -1);
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xc0\xaf", &used), -1); /* overlong lead */
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xe0\x80\x80", &used), -1); /* overlong */
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xed\xa0\x80", &used), -1); /* surrogate */
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xf4\x90\x80\x80", &used), -1); /* above U+10FFFF */
	assert_int_equal(used, 1);
	assert_int_equal(decode_one("\xe2\x80", &used), -1); /* cut short */
	assert_int_equal(used, 2);
	assert_int_equal(decode_one("\xe2\x28\xa1", &used), -1);
	assert_int_equal(used, 1);
}

static void test_utf8_encode_and_cut(void **state)
{
	(void)state;
	char out[4];
	static const unsigned long cps[] = {0x41, 0xE9, 0x7FF, 0x800, 0xFFFD, 0x10000, 0x10FFFF};

	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		long back;
		size_t n = utf8_encode(cps[i], out);
		assert_int_equal(utf8_decode((const unsigned char *)out, n, &back), n);
		assert_int_equal(back, (long)cps[i]);
	}
	/* "é…" is 2 + 3 bytes: a cut never splits either. */
	const char *s = "\xc3\xa9\xe2\x80\xa6";
	assert_int_equal(utf8_cut(s, 5, 9), 5);
	assert_int_equal(utf8_cut(s, 5, 4), 2);
	assert_int_equal(utf8_cut(s, 5, 2), 2);
	assert_int_equal(utf8_cut(s, 5, 1), 0);
	assert_true(utf8_is_continuation(0x80));
	assert_false(utf8_is_continuation(0xC3));
}

static void test_is_number(void **state)
{
	static const char *const yes[] = {"0", "1", "-2.5", "1e3", "1E-2", "-0.0", "123456789"};
	static const char *const no[] = {"", "-", "007", "0x1", "inf", "1.", ".5", "1e", "+1",
	                                 "1 ", "NaN", "1e999"};
	bool plain;

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(json_is_number(yes[i], NULL));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(json_is_number(no[i], &plain));
	assert_true(json_is_number("-2.5", &plain));
	assert_true(plain);
	assert_true(json_is_number("1e3", &plain));
	assert_false(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote),
	    cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_writer_top_level_scalar),
	    cmocka_unit_test(test_utf8_decode),
	    cmocka_unit_test(test_utf8_encode_and_cut),
	    cmocka_unit_test(test_is_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
