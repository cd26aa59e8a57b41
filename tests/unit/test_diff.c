#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diff.h"
#include "util.h"

static void check_diff(const char *a, const char *b, int context, const char *want)
{
	char *got = diff_unified(a, b, context);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_identical(void **state)
{
	(void)state;
	check_diff("", "", 3, "");
	check_diff(NULL, NULL, 3, "");
	check_diff(NULL, "", -1, "");
	check_diff("a\nb\n", "a\nb\n", 3, "");
	check_diff("a\nb\n", "a\nb\n", -1, "");
	/* a missing final newline is not a change */
	check_diff("a\nb", "a\nb\n", 3, "");
}

static void test_simple_change(void **state)
{
	(void)state;
	check_diff("{\n  \"x\": 10,\n  \"y\": 20\n}", "{\n  \"x\": 42,\n  \"y\": 20\n}", 1,
	           "@@ -1,3 +1,3 @@\n"
	           "  {\n"
	           "-   \"x\": 10,\n"
	           "+   \"x\": 42,\n"
	           "    \"y\": 20\n");
	check_diff("a\nb\nc\n", "a\nB\nc\n", 0, "@@ -2,1 +2,1 @@\n- b\n+ B\n");
	check_diff("a\nb\nc\n", "a\nB\nc\n", -1, "  a\n- b\n+ B\n  c\n");
}

static void test_insert_delete(void **state)
{
	(void)state;
	check_diff("", "x\ny\n", 3, "@@ -0,0 +1,2 @@\n+ x\n+ y\n");
	check_diff("x\ny\n", "", 3, "@@ -1,2 +0,0 @@\n- x\n- y\n");
	check_diff("a\nb\n", "new\na\nb\n", 1, "@@ -1,1 +1,2 @@\n+ new\n  a\n");
	check_diff("a\nb\n", "a\nb\nnew\n", 1, "@@ -2,1 +2,2 @@\n  b\n+ new\n");
	check_diff("a\nb\nc\n", "a\nc\n", 5, "@@ -1,3 +1,2 @@\n  a\n- b\n  c\n");
	/* removed lines come before added ones within a change */
	check_diff("a\nb\nc\n", "x\ny\n", -1, "- a\n- b\n- c\n+ x\n+ y\n");
}

static void test_hunks(void **state)
{
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";

	(void)state;
	/* changes at 2 and 6: 3 equal lines between, context 2 merges */
	check_diff(a, "1\nX\n3\n4\n5\nY\n7\n8\n9\n10\n11\n12\n", 2,
	           "@@ -1,8 +1,8 @@\n  1\n- 2\n+ X\n  3\n  4\n  5\n- 6\n+ Y\n  7\n  8\n");
	/* changes at 2 and 11: two hunks */
	check_diff(a, "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n", 1,
	           "@@ -1,3 +1,3 @@\n  1\n- 2\n+ X\n  3\n"
	           "@@ -10,3 +10,3 @@\n  10\n- 11\n+ Y\n  12\n");
	/* line numbers of the second hunk follow insertions in the first */
	check_diff(a, "1\nnew\n2\n3\n4\n5\n6\n7\n8\n9\n10\n12\n", 1,
	           "@@ -1,2 +1,3 @@\n  1\n+ new\n  2\n"
	           "@@ -10,3 +11,2 @@\n  10\n- 11\n  12\n");
}

static void test_count(void **state)
{
	char *d = diff_unified("a\nb\nc\n", "a\nx\ny\nc\nz\n", 1);
	size_t added = 99, removed = 99;

	(void)state;
	assert_non_null(d);
	diff_count(d, &added, &removed);
	assert_int_equal(added, 3);
	assert_int_equal(removed, 1);
	free(d);
	diff_count("", &added, &removed);
	assert_int_equal(added, 0);
	assert_int_equal(removed, 0);
	diff_count(NULL, NULL, NULL);
}

/* ---- property: the diff rebuilds both texts and is minimal ---------------- */

static unsigned rng_state = 12345;

static unsigned rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 16;
}

static int random_text(struct buf *b, const char **lines, int alphabet, int max_lines)
{
	int n = (int)(rng() % (unsigned)(max_lines + 1));

	for (int i = 0; i < n; i++) {
		int k = (int)(rng() % (unsigned)alphabet);

		lines[i] = k == 0   ? "alpha"
		           : k == 1 ? "beta"
		           : k == 2 ? "gamma"
		           : k == 3 ? ""
		                    : "delta";
		buf_adds(b, lines[i]);
		buf_adds(b, "\n");
	}
	return n;
}

static int lcs(const char **a, int n, const char **b, int m)
{
	int *t = calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof(int)), r;

	assert_non_null(t);
	for (int i = n - 1; i >= 0; i--)
		for (int j = m - 1; j >= 0; j--) {
			int *c = &t[i * (m + 1) + j];

			if (strcmp(a[i], b[j]) == 0)
				*c = t[(i + 1) * (m + 1) + j + 1] + 1;
			else
				*c = t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
				         ? t[(i + 1) * (m + 1) + j]
				         : t[i * (m + 1) + j + 1];
		}
	r = t[0];
	free(t);
	return r;
}

static void test_random_rebuild_and_minimal(void **state)
{
	const char *la[64], *lb[64];

	(void)state;
	for (int round = 0; round < 2000; round++) {
		struct buf a, b, ra, rb;
		int n, m, changed = 0;
		char *d;
		const char *p;

		buf_init(&a);
		buf_init(&b);
		buf_init(&ra);
		buf_init(&rb);
		n = random_text(&a, la, 2 + round % 4, 40);
		m = random_text(&b, lb, 2 + round % 4, 40);
		d = diff_unified(a.data, b.data, -1);
		assert_non_null(d);
		for (p = d; *p;) {
			const char *e = strchr(p, '\n');

			assert_non_null(e);
			assert_true(p[1] == ' ');
			if (p[0] != '+')
				buf_add(&ra, p + 2, (size_t)(e - p - 1));
			if (p[0] != '-')
				buf_add(&rb, p + 2, (size_t)(e - p - 1));
			changed += p[0] != ' ';
			p = e + 1;
		}
		if (lcs(la, n, lb, m) == n && n == m) {
			assert_string_equal(d, ""); /* same lines */
		} else {
			assert_string_equal(ra.data, a.data);
			assert_string_equal(rb.data, b.data);
			assert_int_equal(changed, n + m - 2 * lcs(la, n, lb, m));
		}
		free(d);
		buf_free(&a);
		buf_free(&b);
		buf_free(&ra);
		buf_free(&rb);
	}
}

static void test_large(void **state)
{
	struct buf a, b;
	char *d;
	size_t added, removed;

	(void)state;
	buf_init(&a);
	buf_init(&b);
	for (int i = 0; i < 5000; i++) {
		buf_printf(&a, "line %d\n", i);
		if (i % 100 == 7)
			buf_printf(&b, "changed %d\n", i);
		else if (i % 250 != 3)
			buf_printf(&b, "line %d\n", i);
	}
	d = diff_unified(a.data, b.data, 3);
	assert_non_null(d);
	diff_count(d, &added, &removed);
	assert_int_equal(added, 50);
	assert_int_equal(removed, 70);
	free(d);
	/* nothing in common at all */
	buf_free(&b);
	buf_init(&b);
	for (int i = 0; i < 3000; i++)
		buf_printf(&b, "other %d\n", i);
	d = diff_unified(a.data, b.data, 0);
	assert_non_null(d);
	diff_count(d, &added, &removed);
	assert_int_equal(added, 3000);
	assert_int_equal(removed, 5000);
	free(d);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identical),     cmocka_unit_test(test_simple_change),
	    cmocka_unit_test(test_insert_delete), cmocka_unit_test(test_hunks),
	    cmocka_unit_test(test_count),         cmocka_unit_test(test_random_rebuild_and_minimal),
	    cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
