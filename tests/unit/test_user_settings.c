/* A user's notification settings as the model keeps them (one object read
 * from GET notification-settings) and the toggle of one cell of the grid:
 * a partial update of just that channel.kind, checked before it is sent,
 * after which the settings read again. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"

#include "notify_settings.h"

#define SETTINGS_URL BASE "/v2/users/ada%20b/notification-settings"
#define SETTINGS_JSON                                                                              \
	"{\"email\":{\"thread\":true,\"textMention\":false,\"$deploy\":true},"                     \
	"\"slack\":{\"thread\":true,\"textMention\":true},\"teams\":null,\"webPush\":null}"

/* The settings load as one object: the grid, a channel not enabled off. */
static void test_settings_object(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_notification_settings(f->m, "ada b");
	const struct notify_settings *s;

	assert_null(model_notification_settings_of(r));
	expect_req(f, 0, HTTP_GET, SETTINGS_URL);
	assert_true(fake_complete(&f->ft, 0, 200, SETTINGS_JSON));
	s = model_notification_settings_of(r);
	assert_non_null(s);
	assert_int_equal(s->kinds.n, 3);
	assert_string_equal(s->kinds.v[2], "$deploy");
	assert_true(notify_settings_on(s, 0, "$deploy"));
	assert_false(notify_settings_on(s, 0, "textMention"));
	assert_true(s->enabled[1]);
	assert_false(s->enabled[2]);
	assert_false(notify_settings_on(s, 2, "thread"));
	model_release(f->m, &r);
}

/* A toggle sends only its cell; the answer goes to the caller and the
 * settings held are read again. */
static void test_toggle_one_cell(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_notification_settings(f->m, "ada b");
	const struct fake_request *q;
	struct sres s = {0};

	assert_true(fake_complete(&f->ft, 0, 200, SETTINGS_JSON));
	model_notification_setting_set(f->m, "ada b", 1, "textMention", false, on_sdone, &s);
	q = fake_req(&f->ft, 1);
	assert_non_null(q);
	assert_string_equal(http_method_name(q->method), "POST");
	assert_string_equal(q->url, SETTINGS_URL);
	assert_string_equal(q->body, "{\"slack\":{\"textMention\":false}}");
	assert_int_equal(s.calls, 0);
	assert_true(fake_complete(&f->ft, 1, 200,
	                          "{\"email\":{\"thread\":true},\"slack\":{\"textMention\":false},"
	                          "\"teams\":null,\"webPush\":null}"));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_OK);
	assert_non_null(strstr(s.body, "\"textMention\":false"));
	/* The settings on hold read again. */
	expect_req(f, 2, HTTP_GET, SETTINGS_URL);
	sres_clear(&s);
	model_release(f->m, &r);
}

/* What the API cannot take is refused before anything is sent; the
 * server's refusal reaches the caller. */
static void test_toggle_refused(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	model_notification_setting_set(f->m, "ada", 0, "deploy", true, on_sdone, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_USAGE);
	model_notification_setting_set(f->m, "ada", 4, "thread", true, on_sdone, &s);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.err.status, LB_USAGE);
	model_notification_setting_set(f->m, "", 0, "thread", true, on_sdone, &s);
	assert_int_equal(s.calls, 3);
	assert_int_equal(fake_count(&f->ft), 0);

	model_notification_setting_set(f->m, "ada", 0, "$deploy", true, on_sdone, &s);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_string_equal(fake_req(&f->ft, 0)->body, "{\"email\":{\"$deploy\":true}}");
	assert_true(fake_complete(&f->ft, 0, 403, "{\"error\":\"FORBIDDEN\",\"message\":\"no\"}"));
	assert_int_equal(s.calls, 4);
	assert_int_equal(s.err.status, LB_HTTP);
	assert_int_equal(s.err.http_status, 403);
	sres_clear(&s);
}

/* Read-only: the toggle is refused and nothing goes out. */
static void test_toggle_read_only(void **state)
{
	struct fx *f = *state;
	struct sres s = {0};

	model_notification_setting_set(f->m, "ada", 0, "thread", false, on_sdone, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.err.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 0);
	sres_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_settings_object, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_toggle_one_cell, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_toggle_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_toggle_read_only, setup_read_only, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
