/* A user's notifications (src/res/inbox.c, notify_settings.c): the
 * decoders of the three kinds of inbox notification, the checks made on
 * a custom notification before it is sent, the settings grid with a
 * channel the project has not enabled, the room subscription settings,
 * and a user's inbox read a page at a time through the model. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inbox.h"
#include "model_fixture.h"
#include "notify_settings.h"

/* A literal and its length. */
#define LEN(s) (s), strlen(s)

#define THREAD_NOTE                                                                                \
	"{\"kind\":\"thread\",\"id\":\"in_1\",\"roomId\":\"r1\",\"threadId\":\"th_1\","            \
	"\"notifiedAt\":\"2024-10-15T10:30:00.000Z\",\"readAt\":null}"
#define MENTION_NOTE                                                                               \
	"{\"kind\":\"textMention\",\"id\":\"in_2\",\"roomId\":\"r1\",\"threadId\":\"th_2\","       \
	"\"notifiedAt\":\"2024-10-15T10:31:00.000Z\",\"readAt\":\"2024-10-15T11:00:00.000Z\","     \
	"\"createdBy\":\"bob\",\"mentionId\":\"cm_1\",\"mention\":{\"kind\":\"user\","             \
	"\"id\":\"ada\"}}"
#define CUSTOM_NOTE                                                                                \
	"{\"kind\":\"$deploy\",\"id\":\"in_3\",\"subjectId\":\"build-7\","                         \
	"\"organizationId\":\"acme\",\"notifiedAt\":\"2024-10-15T10:32:00.000Z\","                 \
	"\"readAt\":\"2024-10-15T11:00:00.000Z\",\"activities\":[{\"id\":\"a1\","                  \
	"\"createdAt\":\"x\",\"data\":{\"v\":1}},{\"id\":\"a2\",\"createdAt\":\"y\","              \
	"\"data\":{\"v\":2,\"ok\":true}}]}"

static void test_decode_kinds(void **state)
{
	struct inbox_note *v;
	size_t n;
	char *next;
	struct lb_error err;

	(void)state;
	assert_true(inbox_page_decode(LEN("{\"nextCursor\":\"c1\",\"data\":[" THREAD_NOTE
	                                  "," MENTION_NOTE "," CUSTOM_NOTE "]}"),
	                              &v, &n, &next, &err));
	assert_int_equal(n, 3);
	assert_string_equal(next, "c1");

	assert_int_equal(v[0].k, INBOX_THREAD);
	assert_string_equal(inbox_note_subject(&v[0]), "th_1");
	assert_true(v[0].unread);
	assert_string_equal(inbox_note_section(&v[0]), "unread");
	assert_true(v[0].notified_s > 0);

	assert_int_equal(v[1].k, INBOX_MENTION);
	assert_string_equal(v[1].created_by, "bob");
	assert_string_equal(v[1].mention_id, "cm_1");
	assert_false(v[1].unread);
	assert_string_equal(inbox_note_section(&v[1]), "mention");

	assert_int_equal(v[2].k, INBOX_CUSTOM);
	assert_string_equal(v[2].kind, "$deploy");
	assert_null(v[2].room_id);
	assert_string_equal(inbox_note_subject(&v[2]), "build-7");
	assert_int_equal(v[2].activities, 2);
	assert_string_equal(v[2].last_data, "{\"v\":2,\"ok\":true}");
	assert_string_equal(v[2].org, "acme");
	assert_string_equal(inbox_note_section(&v[2]), "custom");
	/* The API's object, for --json. */
	assert_non_null(strstr(v[2].raw_json, "\"activities\""));
	assert_true(inbox_note_bytes(&v[2]) > strlen(v[2].raw_json));
	inbox_notes_free(v, n);
	free(next);

	/* The last page; one notification alone. */
	assert_true(
	    inbox_page_decode(LEN("{\"nextCursor\":null,\"data\":[]}"), &v, &n, &next, &err));
	assert_int_equal(n, 0);
	assert_null(next);
	struct inbox_note one;
	assert_true(inbox_note_decode(MENTION_NOTE, strlen(MENTION_NOTE), &one, &err));
	assert_string_equal(one.id, "in_2");
	inbox_note_clear(&one);
}

static void test_decode_bad(void **state)
{
	struct inbox_note *v, one;
	size_t n;
	char *next;
	struct lb_error err;

	(void)state;
	assert_false(inbox_page_decode(LEN("{\"data\":{}}"), &v, &n, &next, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(inbox_page_decode(LEN("{\"data\":[" THREAD_NOTE ",{\"kind\":\"thread\"}]}"),
	                               &v, &n, &next, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "item 2"));
	assert_false(inbox_note_decode("not json", 8, &one, &err));
	assert_false(inbox_note_decode("[]", 2, &one, &err));
}

static void test_trigger_checks(void **state)
{
	struct lb_error err;
	struct buf b;

	(void)state;
	assert_true(inbox_kind_check("$deploy_done", &err));
	assert_false(inbox_kind_check("deploy", &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_false(inbox_kind_check("$", &err));
	assert_false(inbox_kind_check("$de-ploy", &err));

	buf_init(&b);
	assert_true(inbox_trigger_body("ada", "$deploy", "r1", "s1", "{\"v\":1,\"ok\":true}", NULL,
	                               &b, &err));
	assert_string_equal(b.data, "{\"userId\":\"ada\",\"kind\":\"$deploy\",\"subjectId\":\"s1\","
	                            "\"activityData\":{\"v\":1,\"ok\":true},\"roomId\":\"r1\"}");
	buf_free(&b);
	buf_init(&b);
	assert_false(inbox_trigger_body("ada", "$deploy", NULL, "s1", "{\"v\":", NULL, &b, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_false(inbox_trigger_body("ada", "$deploy", NULL, "s1", "[1]", NULL, &b, &err));
	assert_non_null(strstr(err.message, "object"));
	assert_false(
	    inbox_trigger_body("ada", "$deploy", NULL, "s1", "{\"v\":[1]}", NULL, &b, &err));
	assert_non_null(strstr(err.message, "\"v\""));
	buf_free(&b);
}

static void test_settings_grid(void **state)
{
	struct notify_settings s;
	struct lb_error err;

	(void)state;
	/* slack not enabled (null), teams absent, a custom kind in email. */
	assert_true(
	    notify_settings_decode(LEN("{\"email\":{\"thread\":true,\"textMention\":false,\"$"
	                               "deploy\":true},\"slack\":null,"
	                               "\"webPush\":{\"thread\":false,\"textMention\":true}}"),
	                           &s, &err));
	assert_int_equal(s.kinds.n, 3);
	assert_string_equal(s.kinds.v[2], "$deploy");
	assert_true(s.enabled[0]);
	assert_false(s.enabled[1]);
	assert_false(s.enabled[2]);
	assert_true(notify_settings_on(&s, 0, "thread"));
	assert_false(notify_settings_on(&s, 0, "textMention"));
	assert_true(notify_settings_on(&s, 0, "$deploy"));
	assert_false(notify_settings_on(&s, 1, "thread"));
	assert_false(notify_settings_on(&s, 3, "$deploy"));
	assert_true(notify_settings_on(&s, 3, "textMention"));
	notify_settings_clear(&s);

	assert_false(notify_settings_decode(LEN("{\"email\":true}"), &s, &err));
	assert_int_equal(err.status, LB_DECODE);
}

static void test_settings_body(void **state)
{
	struct strv specs = {0};
	struct lb_error err;
	struct buf b;

	(void)state;
	buf_init(&b);
	strv_push(&specs, "email.thread=off");
	strv_push(&specs, "slack.$deploy=on");
	strv_push(&specs, "email.textMention=on");
	strv_push(&specs, "email.thread=on");
	assert_true(notify_settings_body(&specs, &b, &err));
	assert_string_equal(b.data, "{\"email\":{\"textMention\":true,\"thread\":true},"
	                            "\"slack\":{\"$deploy\":true}}");
	buf_free(&b);
	strv_free(&specs);

	const char *bad[] = {"email.thread", "fax.thread=on", "email.deploy=on", "email.thread=yes",
	                     "emailthread=on"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		buf_init(&b);
		strv_push(&specs, bad[i]);
		assert_false(notify_settings_body(&specs, &b, &err));
		assert_int_equal(err.status, LB_USAGE);
		strv_free(&specs);
		buf_free(&b);
	}
}

static void test_room_subscriptions(void **state)
{
	struct room_subscription s, *v;
	size_t n;
	char *next;
	struct lb_error err;
	struct buf b;

	(void)state;
	assert_true(room_subscription_decode(LEN("{\"threads\":\"all\",\"textMentions\":\"none\"}"),
	                                     &s, &err));
	assert_string_equal(s.threads, "all");
	assert_string_equal(s.mentions, "none");
	room_subscription_clear(&s);
	assert_false(room_subscription_decode(LEN("{\"threads\":\"all\"}"), &s, &err));

	assert_true(room_subscription_page_decode(
	    LEN("{\"nextCursor\":\"c\",\"data\":[{\"roomId\":\"r1\",\"threads\":\"none\","
	        "\"textMentions\":\"mine\"}]}"),
	    &v, &n, &next, &err));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].room_id, "r1");
	assert_string_equal(next, "c");
	room_subscription_clear(&v[0]);
	free(v);
	free(next);

	buf_init(&b);
	assert_true(room_subscription_body("replies_and_mentions", NULL, &b, &err));
	assert_string_equal(b.data, "{\"threads\":\"replies_and_mentions\"}");
	buf_free(&b);
	buf_init(&b);
	assert_false(room_subscription_body(NULL, NULL, &b, &err));
	assert_false(room_subscription_body("some", NULL, &b, &err));
	assert_false(room_subscription_body(NULL, "all", &b, &err));
	buf_free(&b);
}

/* The inbox through the model: the user in the path, the filters in the
 * query, the next page by startingAfter. */
static void test_inbox_pages(void **state)
{
	struct fx *f = *state;
	struct resource *r = model_inbox(f->m, "ada lovelace", true, "acme");

	expect_req(f, 0, HTTP_GET,
	           BASE "/v2/users/ada%20lovelace/inbox-notifications?limit=50&query=unread%3Atrue"
	                "&organizationId=acme");
	assert_true(
	    fake_complete(&f->ft, 0, 200, "{\"nextCursor\":\"c1\",\"data\":[" THREAD_NOTE "]}"));
	assert_int_equal(model_count(r), 1);
	assert_false(model_complete(r));
	model_more(f->m, r);
	expect_req(f, 1, HTTP_GET,
	           BASE "/v2/users/ada%20lovelace/inbox-notifications?limit=50&startingAfter=c1"
	                "&query=unread%3Atrue&organizationId=acme");
	assert_true(
	    fake_complete(&f->ft, 1, 200, "{\"nextCursor\":null,\"data\":[" CUSTOM_NOTE "]}"));
	assert_int_equal(model_count(r), 2);
	assert_true(model_complete(r));
	assert_string_equal(model_inbox_at(r, 1)->id, "in_3");
	model_release(f->m, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_kinds),
	    cmocka_unit_test(test_decode_bad),
	    cmocka_unit_test(test_trigger_checks),
	    cmocka_unit_test(test_settings_grid),
	    cmocka_unit_test(test_settings_body),
	    cmocka_unit_test(test_room_subscriptions),
	    cmocka_unit_test_setup_teardown(test_inbox_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
