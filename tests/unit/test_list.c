#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "list.h"
#include "util.h"

/* A list of three columns over plain items: a name (by text), a size (by
 * number) and a note. */
struct item {
	const char *name;
	long long size;
	const char *note;
};

struct items {
	const struct item *v;
	int n;
};

static int count(const void *data)
{
	return ((const struct items *)data)->n;
}

static const void *item_at(const void *data, int i)
{
	return &((const struct items *)data)->v[i];
}

static const char *name_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct item *)item)->name;
}

static const char *name_id(const void *item, char *buf, size_t n)
{
	return name_text(item, 0, buf, n);
}

static const char *size_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	snprintf(buf, n, "%lld", ((const struct item *)item)->size);
	return buf;
}

static long long size_number(const void *item)
{
	return ((const struct item *)item)->size;
}

static const char *note_text(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct item *)item)->note;
}

static const struct list_column columns[] = {
    {.name = "name", .title = "NAME", .want = 10, .text = name_text},
    {.name = "size", .title = "SIZE", .want = 6, .text = size_text, .number = size_number},
    {.name = "note", .title = "NOTE", .want = 20, .text = note_text},
};

static const struct list_table table = {
    .cols = columns,
    .n_cols = 3,
    .count = count,
    .item = item_at,
    .id = name_id,
};

static const struct item sample[] = {
    {"beta", 20, "second"},
    {"Alpha", 300, "first, with a comma"},
    {"gamma", 20, "Red"},
    {"alpha", 5, "the \"quoted\" one"},
    {"delta", 1000, "red and blue"},
};
static const struct items data = {sample, 5};

/* The names of the rows, joined with spaces. */
static void names_of(const int *rows, int n, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
		                         sample[rows[i]].name);
}

static void assert_rows(int sort, bool descending, const char *filter, const char *want)
{
	struct list_order o = {.sort = sort, .descending = descending, .filter = filter};
	int *rows;
	int n = list_rows(&table, &data, &o, &rows);
	char got[256];
	assert_true(n >= 0);
	names_of(rows, n, got, sizeof(got));
	assert_string_equal(got, want);
	free(rows);
}

static void test_order_of_the_data(void **state)
{
	(void)state;
	assert_rows(-1, false, NULL, "beta Alpha gamma alpha delta");
	assert_rows(-1, false, "", "beta Alpha gamma alpha delta");
}

static void test_sort_by_text_ignores_case_first(void **state)
{
	(void)state;
	/* "Alpha" and "alpha" differ only in case: byte order decides. */
	assert_rows(0, false, NULL, "Alpha alpha beta delta gamma");
	assert_rows(0, true, NULL, "gamma delta beta alpha Alpha");
}

static void test_sort_by_number_is_stable(void **state)
{
	(void)state;
	/* 20 twice: beta before gamma, as in the data, both ways. */
	assert_rows(1, false, NULL, "alpha beta gamma Alpha delta");
	assert_rows(1, true, NULL, "delta Alpha beta gamma alpha");
}

static void test_filter_any_column_any_case(void **state)
{
	(void)state;
	/* "red" is in two notes, one of them "Red". */
	assert_rows(-1, false, "RED", "gamma delta");
	/* Numbers are text too: "20" is beta's and gamma's size. */
	assert_rows(-1, false, "20", "beta gamma");
	assert_rows(-1, false, "nothing like it", "");
	/* Filtered, then sorted. */
	assert_rows(1, true, "a", "delta Alpha beta gamma alpha");
	assert_rows(0, true, "red", "gamma delta");
}

static void test_item_matches(void **state)
{
	(void)state;
	assert_true(list_item_matches(&table, &sample[3], "QUOTED"));
	assert_true(list_item_matches(&table, &sample[3], ""));
	assert_false(list_item_matches(&table, &sample[3], "beta"));
}

static void test_sort_step_goes_round_through_the_data_order(void **state)
{
	(void)state;
	assert_int_equal(list_sort_step(-1, 3, 1), 0);
	assert_int_equal(list_sort_step(0, 3, 1), 1);
	assert_int_equal(list_sort_step(2, 3, 1), -1);
	assert_int_equal(list_sort_step(-1, 3, -1), 2);
	assert_int_equal(list_sort_step(0, 3, -1), -1);
	assert_int_equal(list_sort_step(2, 3, -1), 1);
}

static void assert_csv(const char *text, const char *want)
{
	struct buf b;
	buf_init(&b);
	assert_true(list_csv_field(&b, text));
	assert_true(buf_add(&b, "", 0));
	assert_string_equal(b.len ? b.data : "", want);
	buf_free(&b);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	assert_csv("plain", "plain");
	assert_csv("", "");
	assert_csv("a,b", "\"a,b\"");
	assert_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	assert_csv("two\nlines", "\"two\nlines\"");
	assert_csv("cr\rhere", "\"cr\rhere\"");
	assert_csv(" padded", "\" padded\"");
	assert_csv("padded ", "\"padded \"");
	assert_csv("in the middle is fine", "in the middle is fine");
	assert_csv("semi;colon", "semi;colon");
}

static void test_format_by_extension(void **state)
{
	(void)state;
	enum list_format f;
	assert_true(list_format_of("rooms.csv", &f));
	assert_int_equal(f, LIST_CSV);
	assert_true(list_format_of("dir.x/ROOMS.JSON", &f));
	assert_int_equal(f, LIST_JSON);
	assert_false(list_format_of("rooms.txt", &f));
	assert_false(list_format_of("rooms", &f));
	assert_false(list_format_of("csv.d/rooms", &f));
	assert_false(list_format_of("dir/.csv", &f));
}

static char *export_text(enum list_format f, int sort, const char *filter)
{
	struct list_order o = {.sort = sort, .filter = filter};
	int *rows;
	int n = list_rows(&table, &data, &o, &rows);
	struct buf b;
	buf_init(&b);
	assert_true(list_export(&table, &data, rows, n, f, &b));
	free(rows);
	return buf_steal(&b);
}

static void test_export_csv(void **state)
{
	(void)state;
	char *text = export_text(LIST_CSV, 1, "a");
	assert_string_equal(text, "NAME,SIZE,NOTE\r\n"
	                          "alpha,5,\"the \"\"quoted\"\" one\"\r\n"
	                          "beta,20,second\r\n"
	                          "gamma,20,Red\r\n"
	                          "Alpha,300,\"first, with a comma\"\r\n"
	                          "delta,1000,red and blue\r\n");
	free(text);
	text = export_text(LIST_CSV, -1, "none of them");
	assert_string_equal(text, "NAME,SIZE,NOTE\r\n");
	free(text);
}

static void test_export_json(void **state)
{
	(void)state;
	char *text = export_text(LIST_JSON, 0, "RED");
	assert_string_equal(
	    text, "[\n"
	          "  {\"name\": \"delta\", \"size\": \"1000\", \"note\": \"red and blue\"},\n"
	          "  {\"name\": \"gamma\", \"size\": \"20\", \"note\": \"Red\"}\n"
	          "]\n");
	free(text);
	text = export_text(LIST_JSON, 0, "quoted");
	assert_string_equal(
	    text, "[\n"
	          "  {\"name\": \"alpha\", \"size\": \"5\", \"note\": \"the \\\"quoted\\\" one\"}\n"
	          "]\n");
	free(text);
	text = export_text(LIST_JSON, -1, "none of them");
	assert_string_equal(text, "[]\n");
	free(text);
}

static void test_json_string_escapes(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	assert_true(buf_json_string(&b, "a\"b\\c\nd\te\x01\x7f日本"));
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f日本\"");
	buf_free(&b);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1, 4096);
	size_t n = fread(text, 1, 4095, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_export_file_refuses_to_overwrite(void **state)
{
	(void)state;
	char dir[] = "/tmp/lbtui-test-list-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], other[256];
	snprintf(path, sizeof(path), "%s/rows.csv", dir);
	snprintf(other, sizeof(other), "%s/rows.txt", dir);
	int rows[] = {0, 2};
	struct lb_error err;

	lb_error_clear(&err);
	assert_true(list_export_file(&table, &data, rows, 2, path, false, &err));
	char *text = read_all(path);
	assert_string_equal(text, "NAME,SIZE,NOTE\r\nbeta,20,second\r\ngamma,20,Red\r\n");
	free(text);

	/* There now: refused, and left as it was. */
	assert_false(list_export_file(&table, &data, rows, 1, path, false, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "exists: add --force to overwrite it"));
	text = read_all(path);
	assert_string_equal(text, "NAME,SIZE,NOTE\r\nbeta,20,second\r\ngamma,20,Red\r\n");
	free(text);

	assert_true(list_export_file(&table, &data, rows, 1, path, true, &err));
	text = read_all(path);
	assert_string_equal(text, "NAME,SIZE,NOTE\r\nbeta,20,second\r\n");
	free(text);

	/* Neither CSV nor JSON: nothing is written. */
	assert_false(list_export_file(&table, &data, rows, 1, other, false, &err));
	assert_non_null(strstr(err.message, ".csv or .json"));
	assert_int_equal(access(other, F_OK), -1);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_of_the_data),
	    cmocka_unit_test(test_sort_by_text_ignores_case_first),
	    cmocka_unit_test(test_sort_by_number_is_stable),
	    cmocka_unit_test(test_filter_any_column_any_case),
	    cmocka_unit_test(test_item_matches),
	    cmocka_unit_test(test_sort_step_goes_round_through_the_data_order),
	    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_format_by_extension),
	    cmocka_unit_test(test_export_csv),
	    cmocka_unit_test(test_export_json),
	    cmocka_unit_test(test_json_string_escapes),
	    cmocka_unit_test(test_export_file_refuses_to_overwrite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
