/* What the screen has said (ui/core/messages.c): the message line, the
 * status bar's error and what it is about, and the log of :messages. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"

static void test_say_and_forget(void **state)
{
	struct messages m;
	int res;

	(void)state;
	memset(&m, 0, sizeof(m));
	messages_say(&m, false, SUBJECT_OTHER, NULL, "saved\nsecond line");
	assert_string_equal(m.line, "saved");
	assert_false(m.line_error);
	assert_string_equal(m.last_error, "");
	messages_say(&m, true, SUBJECT_RESOURCE, &res, "load failed: \x1b[31mred");
	/* Terminal-safe: the escape is shown, not sent. */
	assert_null(strchr(m.line, '\x1b'));
	assert_true(m.line_error);
	assert_string_equal(m.last_error, m.line);
	assert_int_equal(m.error_subject, SUBJECT_RESOURCE);
	assert_ptr_equal(m.error_res, &res);
	messages_forget_error(&m);
	assert_string_equal(m.line, "");
	assert_string_equal(m.last_error, "");
	assert_int_equal(m.error_subject, SUBJECT_OTHER);
	assert_null(m.error_res);
	messages_clear(&m);
}

static void test_note_is_not_logged(void **state)
{
	struct messages m;

	(void)state;
	memset(&m, 0, sizeof(m));
	messages_say(&m, true, SUBJECT_COMMAND, NULL, "bad");
	messages_note(&m, "3/10 rooms");
	assert_string_equal(m.line, "3/10 rooms");
	assert_false(m.line_error);
	/* The status bar keeps the error; the log has only what was said. */
	assert_string_equal(m.last_error, "bad");
	assert_int_equal(m.log_n, 1);
	/* Forgetting the error leaves a note on the line. */
	messages_forget_error(&m);
	assert_string_equal(m.line, "3/10 rooms");
	messages_clear(&m);
}

static void test_log_counts_repeats_and_keeps_the_newest(void **state)
{
	struct messages m;
	char text[32];

	(void)state;
	memset(&m, 0, sizeof(m));
	messages_say(&m, false, SUBJECT_OTHER, NULL, "copied");
	unsigned gen = m.gen;
	messages_say(&m, false, SUBJECT_OTHER, NULL, "copied");
	assert_int_equal(m.log_n, 1);
	assert_true(m.gen != gen);
	char *t = messages_text(&m);
	assert_non_null(strstr(t, "info  copied (×2)"));
	free(t);
	for (int i = 0; i < MAX_LOGGED + 5; i++) {
		snprintf(text, sizeof(text), "message %d", i);
		messages_say(&m, i % 2, SUBJECT_OTHER, NULL, text);
	}
	assert_int_equal(m.log_n, MAX_LOGGED);
	t = messages_text(&m);
	/* Newest first; the oldest went. */
	char newest[32];
	snprintf(newest, sizeof(newest), "message %d\n", MAX_LOGGED + 4);
	assert_true(strstr(t, newest) < strstr(t, "message 5\n"));
	assert_null(strstr(t, "message 4\n"));
	assert_null(strstr(t, "copied"));
	free(t);
	messages_clear(&m);
	assert_int_equal(m.log_n, 0);
}

static void test_text_of_a_message_of_lines(void **state)
{
	struct messages m;

	(void)state;
	memset(&m, 0, sizeof(m));
	char *t = messages_text(&m);
	assert_string_equal(t, "No messages yet.\n");
	free(t);
	messages_say(&m, true, SUBJECT_COMMAND, NULL, "storage set failed\nat /a: not a list\n");
	t = messages_text(&m);
	/* HH:MM:SS error  first line, then the next under it. */
	assert_int_equal(strlen(t), strlen("00:00:00 error storage set failed\n               at /a: not a list\n"));
	assert_non_null(strstr(t, " error storage set failed\n               at /a: not a list\n"));
	free(t);
	messages_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_say_and_forget),
	    cmocka_unit_test(test_note_is_not_logged),
	    cmocka_unit_test(test_log_counts_repeats_and_keeps_the_newest),
	    cmocka_unit_test(test_text_of_a_message_of_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
