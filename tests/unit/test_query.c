#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "query.h"

static void check_quote(const char *in, const char *want)
{
	char *got = query_quote(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void add_meta(struct room_filter *f, const char *key, const char *value)
{
	struct kv *v = realloc(f->metadata.v, (f->metadata.n + 1) * sizeof(*v));

	assert_non_null(v);
	f->metadata.v = v;
	memset(&v[f->metadata.n], 0, sizeof(v[0]));
	v[f->metadata.n].key = strdup(key);
	assert_true(strv_push(&v[f->metadata.n].list, value));
	f->metadata.n++;
}

static void check_query(const struct room_filter *f, const char *want)
{
	char *got = room_filter_query(f);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void check_params(const struct room_filter *f, const char *cursor, const char *want)
{
	char *got = room_filter_params(f, cursor);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void check_encode(const char *in, const char *want)
{
	char *got = url_encode(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_quote_plain(void **state)
{
	check_quote("abc", "\"abc\"");
	check_quote("", "\"\"");
	check_quote(NULL, "\"\"");
	check_quote("a b'c", "\"a b'c\"");
}

static void test_quote_escapes(void **state)
{
	check_quote("say \"hi\"", "\"say \\\"hi\\\"\"");
	check_quote("back\\slash", "\"back\\\\slash\"");
	check_quote("\\\"", "\"\\\\\\\"\"");
	check_quote("end\\", "\"end\\\\\"");
	check_quote("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"");
}

static void test_quote_unicode(void **state)
{
	check_quote("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
	            "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"");
}

static void test_empty_filter(void **state)
{
	struct room_filter f = {0};
	char *key, desc[64];

	check_query(&f, NULL);
	check_params(&f, NULL, "");
	check_params(NULL, NULL, "");
	key = room_filter_key(&f);
	assert_non_null(key);
	assert_string_equal(key, "");
	free(key);
	room_filter_describe(&f, desc, sizeof(desc));
	assert_string_equal(desc, "");
	/* empty strings filter nothing */
	f.query = strdup("   ");
	f.prefix = strdup("");
	f.user_id = strdup("");
	check_query(&f, NULL);
	check_params(&f, NULL, "");
	room_filter_clear(&f);
}

static void test_query_combination(void **state)
{
	struct room_filter f = {0};

	f.query = strdup("  metadata[\"a\"]:\"1\" ");
	check_query(&f, "metadata[\"a\"]:\"1\"");
	f.prefix = strdup("acme-");
	check_query(&f, "metadata[\"a\"]:\"1\" AND roomId^\"acme-\"");
	add_meta(&f, "roomType", "whiteboard");
	add_meta(&f, "k\"ey", "v\\al");
	check_query(&f,
	            "metadata[\"a\"]:\"1\" AND roomId^\"acme-\" AND "
	            "metadata[\"roomType\"]:\"whiteboard\" AND metadata[\"k\\\"ey\"]:\"v\\\\al\"");
	free(f.query);
	f.query = NULL;
	check_query(&f, "roomId^\"acme-\" AND metadata[\"roomType\"]:\"whiteboard\" AND "
	                "metadata[\"k\\\"ey\"]:\"v\\\\al\"");
	free(f.prefix);
	f.prefix = NULL;
	check_query(&f,
	            "metadata[\"roomType\"]:\"whiteboard\" AND metadata[\"k\\\"ey\"]:\"v\\\\al\"");
	room_filter_clear(&f);
	assert_null(f.query);
	assert_int_equal(f.metadata.n, 0);
}

static void test_prefix_injection_is_quoted(void **state)
{
	struct room_filter f = {0};

	/* A prefix cannot break out of its string literal. */
	f.prefix = strdup("x\" OR roomId^\"");
	check_query(&f, "roomId^\"x\\\" OR roomId^\\\"\"");
	room_filter_clear(&f);
}

static void test_url_encode(void **state)
{
	check_encode("", "");
	check_encode("AZaz09-._~", "AZaz09-._~");
	check_encode("a b", "a%20b");
	check_encode("&=?#+/%", "%26%3D%3F%23%2B%2F%25");
	check_encode("\"^[]", "%22%5E%5B%5D");
	check_encode(",:@!'", "%2C%3A%40%21%27");
	check_encode("\xc3\xa9", "%C3%A9");
	check_encode("\xf0\x9f\x98\x80", "%F0%9F%98%80");
	check_encode("\x01\x7f\xff", "%01%7F%FF");
}

static void test_params_full(void **state)
{
	struct room_filter f = {0};

	f.limit = 50;
	f.prefix = strdup("a b");
	f.user_id = strdup("user&1=x");
	assert_true(strv_push(&f.group_ids, "g1"));
	assert_true(strv_push(&f.group_ids, "g 2"));
	f.organization_id = strdup("org/1");
	check_params(&f, "cur?sor",
	             "?limit=50&startingAfter=cur%3Fsor&query=roomId%5E%22a%20b%22"
	             "&userId=user%261%3Dx&groupIds=g1,g%202&organizationId=org%2F1");
	room_filter_clear(&f);
}

static void test_params_query_is_one_parameter(void **state)
{
	struct room_filter f = {0};

	f.query = strdup("metadata[\"k\"]:\"a&b=c\"");
	add_meta(&f, "t", "\xc3\xa9");
	check_params(&f, NULL,
	             "?query=metadata%5B%22k%22%5D%3A%22a%26b%3Dc%22%20AND%20"
	             "metadata%5B%22t%22%5D%3A%22%C3%A9%22");
	room_filter_clear(&f);
}

static void test_params_cursor_and_limit(void **state)
{
	struct room_filter f = {0};

	check_params(&f, "abc", "?startingAfter=abc");
	check_params(&f, "", "");
	f.limit = 20;
	check_params(&f, NULL, "?limit=20");
	check_params(&f, "c 1", "?limit=20&startingAfter=c%201");
	f.limit = -1;
	check_params(&f, NULL, "");
}

static void test_params_groups_skip_empty(void **state)
{
	struct room_filter f = {0};

	assert_true(strv_push(&f.group_ids, ""));
	check_params(&f, NULL, "");
	assert_true(strv_push(&f.group_ids, "b,c"));
	assert_true(strv_push(&f.group_ids, "d"));
	check_params(&f, NULL, "?groupIds=b%2Cc,d");
	room_filter_clear(&f);
}

static void test_key_stable(void **state)
{
	struct room_filter a = {0}, b = {0};
	char *ka, *kb, *kc;

	a.prefix = strdup("p");
	a.user_id = strdup("u");
	a.limit = 10;
	assert_true(room_filter_copy(&b, &a));
	b.limit = 100;
	ka = room_filter_key(&a);
	kb = room_filter_key(&b);
	assert_non_null(ka);
	assert_non_null(kb);
	/* Same filter, same key; the page size does not matter. */
	assert_string_equal(ka, kb);
	assert_string_not_equal(ka, "");
	free(b.user_id);
	b.user_id = strdup("v");
	kc = room_filter_key(&b);
	assert_non_null(kc);
	assert_string_not_equal(ka, kc);
	free(ka);
	free(kb);
	free(kc);
	room_filter_clear(&a);
	room_filter_clear(&b);
}

static void test_key_distinguishes_fields(void **state)
{
	struct room_filter a = {0}, b = {0};
	char *ka, *kb;

	/* the same text as user or as organization must not collide */
	a.user_id = strdup("x");
	b.organization_id = strdup("x");
	ka = room_filter_key(&a);
	kb = room_filter_key(&b);
	assert_string_not_equal(ka, kb);
	free(ka);
	free(kb);
	room_filter_clear(&a);
	room_filter_clear(&b);
}

static void test_copy_deep(void **state)
{
	struct room_filter a = {0}, b;

	a.query = strdup("roomId^\"q\"");
	a.prefix = strdup("p");
	add_meta(&a, "k", "v");
	a.metadata.v[0].is_list = true;
	a.user_id = strdup("u");
	assert_true(strv_push(&a.group_ids, "g"));
	a.organization_id = strdup("o");
	a.limit = 7;
	assert_true(room_filter_copy(&b, &a));
	assert_ptr_not_equal(a.query, b.query);
	assert_ptr_not_equal(a.metadata.v, b.metadata.v);
	assert_ptr_not_equal(a.metadata.v[0].key, b.metadata.v[0].key);
	room_filter_clear(&a);
	/* b survives a being freed (the sanitizer would catch a shared pointer) */
	assert_string_equal(b.query, "roomId^\"q\"");
	assert_string_equal(b.prefix, "p");
	assert_int_equal(b.metadata.n, 1);
	assert_string_equal(b.metadata.v[0].key, "k");
	assert_string_equal(b.metadata.v[0].list.v[0], "v");
	assert_true(b.metadata.v[0].is_list);
	assert_string_equal(b.user_id, "u");
	assert_int_equal(b.group_ids.n, 1);
	assert_string_equal(b.group_ids.v[0], "g");
	assert_string_equal(b.organization_id, "o");
	assert_int_equal(b.limit, 7);
	room_filter_clear(&b);
}

static void test_describe(void **state)
{
	struct room_filter f = {0};
	char out[128], small[10];

	f.prefix = strdup("a");
	f.user_id = strdup("bob");
	assert_true(strv_push(&f.group_ids, "x"));
	assert_true(strv_push(&f.group_ids, "y"));
	room_filter_describe(&f, out, sizeof(out));
	assert_string_equal(out, "roomId^\"a\" user:bob groups:x,y");
	f.organization_id = strdup("acme");
	room_filter_describe(&f, out, sizeof(out));
	assert_string_equal(out, "roomId^\"a\" user:bob groups:x,y org:acme");
	room_filter_describe(&f, small, sizeof(small));
	assert_string_equal(small, "roomId^\"a");
	room_filter_clear(&f);
	f.user_id = strdup("bob");
	room_filter_describe(&f, out, sizeof(out));
	assert_string_equal(out, "user:bob");
	room_filter_clear(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote_plain),
	    cmocka_unit_test(test_quote_escapes),
	    cmocka_unit_test(test_quote_unicode),
	    cmocka_unit_test(test_empty_filter),
	    cmocka_unit_test(test_query_combination),
	    cmocka_unit_test(test_prefix_injection_is_quoted),
	    cmocka_unit_test(test_url_encode),
	    cmocka_unit_test(test_params_full),
	    cmocka_unit_test(test_params_query_is_one_parameter),
	    cmocka_unit_test(test_params_cursor_and_limit),
	    cmocka_unit_test(test_params_groups_skip_empty),
	    cmocka_unit_test(test_key_stable),
	    cmocka_unit_test(test_key_distinguishes_fields),
	    cmocka_unit_test(test_copy_deep),
	    cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
