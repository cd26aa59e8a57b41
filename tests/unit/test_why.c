/* Why a user was (not) notified (src/res/why.c): the conclusion drawn
 * from decoded answers, every branch, and what the thread says about the
 * user. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "why.h"

#define BODY(children)                                                                             \
	"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[" children "]}]}"
#define TEXT(s)   "{\"text\":\"" s "\"}"
#define USER(id)  "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"" id "\"}"
#define GROUP(id) "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"" id "\"}"
#define COMMENT(id, user, at, body)                                                                \
	"{\"type\":\"comment\",\"id\":\"" id                                                       \
	"\",\"threadId\":\"th_1\",\"roomId\":\"r1\",\"userId\":\"" user "\",\"createdAt\":\"" at   \
	"\",\"body\":" body ",\"reactions\":[],\"attachments\":[]}"
#define THREAD(comments)                                                                           \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\",\"createdAt\":\"2026-01-01T00:00:" \
	"00.000Z\","                                                                               \
	"\"metadata\":{},\"resolved\":false,\"comments\":[" comments "]}"
#define SUB(user, at)                                                                              \
	"{\"kind\":\"thread\",\"subjectId\":\"th_1\",\"createdAt\":\"" at "\",\"userId\":\"" user  \
	"\"}"

static const char *const channels_default =
    "{\"email\":{\"thread\":true,\"textMention\":false},\"slack\":null,"
    "\"teams\":{\"thread\":false,\"textMention\":true},\"webPush\":{\"thread\":true,"
    "\"textMention\":true}}";

/* A trace about ada, th_1 and r1, every step answered: the thread, its
 * subscriptions, the room settings (threads, mentions), default
 * channels, no group, an empty inbox. */
static void load(struct why_trace *t, const char *thread, const char *subs, const char *threads,
                 const char *mentions)
{
	char room[200];
	struct lb_error err;

	memset(t, 0, sizeof(*t));
	t->user = "ada";
	t->room = "r1";
	t->thread = "th_1";
	assert_true(thread_decode(thread, strlen(thread), &t->thread_v, &t->err[WHY_THREAD]));
	assert_true(thread_subscriptions_decode(subs, strlen(subs), &t->subs, &t->n_subs,
	                                        &t->err[WHY_SUBSCRIPTIONS]));
	snprintf(room, sizeof(room), "{\"threads\":\"%s\",\"textMentions\":\"%s\"}", threads,
	         mentions);
	assert_true(
	    room_subscription_decode(room, strlen(room), &t->room_sub, &t->err[WHY_ROOM_SETTINGS]));
	assert_true(notify_settings_decode(channels_default, strlen(channels_default), &t->channels,
	                                   &t->err[WHY_CHANNELS]));
	lb_error_clear(&t->err[WHY_GROUPS]);
	lb_error_clear(&t->err[WHY_INBOX]);
	(void)err;
}

/* The inbox: the notifications of page that are about the thread, as the
 * command keeps them. */
static void inbox(struct why_trace *t, const char *page)
{
	struct inbox_note *v;
	size_t n;
	char *next;

	assert_true(inbox_page_decode(page, strlen(page), &v, &n, &next, &t->err[WHY_INBOX]));
	t->notes = calloc(n ? n : 1, sizeof(*t->notes));
	for (size_t i = 0; i < n; i++) {
		if (why_note_about(&v[i], &t->thread_v, t->thread))
			t->notes[t->n_notes++] = v[i];
		else
			inbox_note_clear(&v[i]);
	}
	t->inbox_seen += n;
	free(v);
	free(next);
}

static void failed(struct why_trace *t, enum why_step s, long http, const char *code,
                   const char *message)
{
	lb_error_set(&t->err[s], http ? LB_HTTP : LB_NETWORK, "%s", message);
	t->err[s].http_status = http;
	snprintf(t->err[s].code, sizeof(t->err[s].code), "%s", code);
	if (s == WHY_THREAD)
		thread_clear(&t->thread_v);
}

/* The conclusion, its lines joined by "\n". */
static char *conclude(const struct why_trace *t, bool *notified)
{
	struct strv lines = {0};
	char *out = malloc(8192);

	assert_true(why_conclude(t, &lines, notified));
	assert_true(lines.n > 0);
	strv_join(&lines, "\n", out, 8192);
	strv_free(&lines);
	return out;
}

#define ONE_BY_BOB THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(TEXT("hi"))))

static void test_notified_with_channels(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t,
	     THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z",
	                    BODY(TEXT("hey ") "," USER("ada")))),
	     "{\"data\":[" SUB("bob", "2026-01-01T00:00:00.000Z") "]}", "replies_and_mentions",
	     "mine");
	inbox(&t,
	      "{\"nextCursor\":null,\"data\":["
	      "{\"kind\":\"textMention\",\"id\":\"in_1\",\"roomId\":\"r1\",\"notifiedAt\":\"2026-"
	      "01-01T00:00:00.000Z\","
	      "\"readAt\":null,\"createdBy\":\"bob\",\"mentionId\":\"cm_1\",\"mention\":{\"kind\":"
	      "\"user\",\"id\":\"ada\"}},"
	      "{\"kind\":\"thread\",\"id\":\"in_2\",\"roomId\":\"r1\",\"threadId\":\"th_other\","
	      "\"notifiedAt\":\"2026-01-01T00:00:00.000Z\",\"readAt\":null}]}");
	assert_int_equal(t.n_notes, 1);
	assert_int_equal(t.inbox_seen, 2);
	c = conclude(&t, &notified);
	assert_true(notified);
	assert_string_equal(
	    c, "ada was notified about thread th_1: inbox notification in_1 (textMention by "
	       "bob, unread).\nChannels for textMention notifications: email off, slack "
	       "not enabled in the project, teams on, webPush on.");
	free(c);
	why_trace_clear(&t);
}

static void test_notified_channels_unknown(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, ONE_BY_BOB, "{\"data\":[]}", "all", "mine");
	inbox(
	    &t,
	    "{\"nextCursor\":null,\"data\":[{\"kind\":\"thread\",\"id\":\"in_9\",\"roomId\":\"r1\","
	    "\"threadId\":\"th_1\",\"notifiedAt\":\"2026-01-01T00:00:00.000Z\",\"readAt\":\"2026-"
	    "01-02T00:00:00.000Z\"}]}");
	failed(&t, WHY_CHANNELS, 500, "", "the server failed");
	c = conclude(&t, &notified);
	assert_true(notified);
	assert_non_null(strstr(c, "inbox notification in_9 (thread, read)."));
	assert_non_null(
	    strstr(c, "Channels for thread notifications: unknown (500: the server failed)."));
	free(c);
	why_trace_clear(&t);
}

static void test_notified_twice(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(USER("ada")))),
	     "{\"data\":[" SUB("ada", "2025-12-01T00:00:00.000Z") "]}", "all", "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":["
	          "{\"kind\":\"thread\",\"id\":\"in_2\",\"roomId\":\"r1\",\"threadId\":\"th_1\","
	          "\"notifiedAt\":\"2026-01-01T00:00:00.000Z\",\"readAt\":null},"
	          "{\"kind\":\"textMention\",\"id\":\"in_1\",\"roomId\":\"r1\",\"notifiedAt\":"
	          "\"2026-01-01T00:00:00.000Z\","
	          "\"readAt\":\"2026-01-02T00:00:00.000Z\",\"createdBy\":\"bob\",\"mentionId\":"
	          "\"cm_1\"}]}");
	c = conclude(&t, &notified);
	assert_true(notified);
	assert_string_equal(
	    c, "ada was notified about thread th_1: inbox notifications in_2 (thread, unread), "
	       "in_1 (textMention by bob, read).\n"
	       "Channels for thread notifications: email on, slack not enabled in the project, "
	       "teams off, webPush on.\n"
	       "Channels for textMention notifications: email off, slack not enabled in the "
	       "project, teams on, webPush on.");
	free(c);
	why_trace_clear(&t);
}

static void test_thread_unreadable(void **state)
{
	static const struct {
		long http;
		const char *code, *expect;
	} cases[] = {
	    {404, "ROOM_NOT_FOUND",
	     "ada was not notified about thread th_1: there is no room r1 in the project (404 "
	     "ROOM_NOT_FOUND: gone)."},
	    {404, "RESOURCE_NOT_FOUND",
	     "ada was not notified about thread th_1: room r1 has no such thread (404 "
	     "RESOURCE_NOT_FOUND: gone). Check the IDs: `threads r1` lists the room's threads."},
	    {403, "",
	     "No conclusion: the secret key may not read thread th_1 of room r1 (403: gone). Check "
	     "the key of the profile."},
	    {0, "", "No conclusion: thread th_1 of room r1 could not be read (gone)."},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct why_trace t;
		bool notified;
		char *c;

		load(&t, ONE_BY_BOB, "{\"data\":[]}", "all", "mine");
		failed(&t, WHY_THREAD, cases[i].http, cases[i].code, "gone");
		inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
		c = conclude(&t, &notified);
		assert_false(notified);
		assert_string_equal(c, cases[i].expect);
		free(c);
		why_trace_clear(&t);
	}
}

static void test_own_comments(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t,
	     THREAD(
	         COMMENT("cm_1", "ada", "2026-01-01T00:00:00.000Z", BODY(USER("ada"))) "," COMMENT(
	             "cm_2", "ada", "2026-01-01T00:01:00.000Z", BODY(TEXT("again")))),
	     "{\"data\":[" SUB("ada", "2026-01-01T00:00:00.000Z") "]}", "all", "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_false(notified);
	assert_string_equal(c,
	                    "ada was not notified because they wrote every comment of thread th_1: "
	                    "nobody is notified of their own comments.");
	free(c);
	why_trace_clear(&t);
}

static void test_threads_none(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, ONE_BY_BOB, "{\"data\":[" SUB("ada", "2025-12-01T00:00:00.000Z") "]}", "none",
	     "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(c,
	                    "ada was not notified because their room subscription setting in r1 is "
	                    "threads=none.");
	free(c);
	why_trace_clear(&t);
}

static void test_mentions_none(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	/* Mentioned, not following: the mention setting alone. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(USER("ada")))),
	     "{\"data\":[]}", "replies_and_mentions", "none");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(c,
	                    "ada was not notified of the mention because their room subscription "
	                    "setting in r1 is textMentions=none.");
	free(c);
	why_trace_clear(&t);

	/* Both silenced: both said. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(USER("ada")))),
	     "{\"data\":[]}", "none", "none");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada was not notified of the mention because their room subscription "
	       "setting in r1 is textMentions=none.\nada was not notified because their "
	       "room subscription setting in r1 is threads=none.");
	free(c);
	why_trace_clear(&t);

	/* Mentioned and subscribed: the thread notification was due. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(USER("ada")))),
	     "{\"data\":[" SUB("ada", "2025-12-01T00:00:00.000Z") "]}", "replies_and_mentions",
	     "none");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_non_null(
	    strstr(c, "textMentions=none.\nada should have been notified about thread th_1 "
	              "(subscribed), but their inbox holds no notification about it"));
	free(c);
	why_trace_clear(&t);
}

static void test_not_involved(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(GROUP("design")))),
	     "{\"data\":[" SUB("bob", "2026-01-01T00:00:00.000Z") "]}", "replies_and_mentions",
	     "mine");
	assert_true(strv_push(&t.groups, "eng"));
	inbox(&t, "{\"nextCursor\":\"more\",\"data\":[]}");
	t.more_inbox = true;
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada was not notified because they are not subscribed to thread th_1 "
	       "and not mentioned in it; their room setting is "
	       "threads=replies_and_mentions.\nThe thread mentions group design, which "
	       "does not reach ada.\n(Only the newest 0 notifications of ada were "
	       "searched.)");
	free(c);
	why_trace_clear(&t);

	/* Room settings unreadable: said so. */
	load(&t, ONE_BY_BOB, "{\"data\":[]}", "all", "mine");
	failed(&t, WHY_ROOM_SETTINGS, 404, "ROOM_NOT_FOUND", "no room");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada was not notified because they are not subscribed to thread th_1 "
	       "and not mentioned in it.\nTheir room subscription settings are unknown "
	       "(404 ROOM_NOT_FOUND: no room).");
	free(c);
	why_trace_clear(&t);
}

static void test_nobody_since(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, ONE_BY_BOB, "{\"data\":[" SUB("ada", "2026-02-01T00:00:00.000Z") "]}",
	     "replies_and_mentions", "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(c,
	                    "ada was not notified because nobody else has commented on thread th_1 "
	                    "since they subscribed (2026-02-01T00:00:00.000Z).");
	free(c);
	why_trace_clear(&t);

	/* threads=all without a subscription, every comment deleted. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", "null")),
	     "{\"data\":[]}", "all", "mine");
	t.thread_v.comments[0].deleted_at = strdup("2026-01-02T00:00:00.000Z");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada was not notified because nobody else has commented on thread th_1.");
	free(c);
	why_trace_clear(&t);

	/* Their own comment, and one by others deleted. */
	load(&t,
	     THREAD(COMMENT("cm_1", "ada", "2026-01-01T00:00:00.000Z", BODY(TEXT("x"))) "," COMMENT(
	         "cm_2", "bob", "2026-01-01T00:00:00.000Z", "null")),
	     "{\"data\":[]}", "all", "mine");
	t.thread_v.comments[1].deleted_at = strdup("2026-01-02T00:00:00.000Z");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(c,
	                    "ada was not notified because they wrote every comment of thread th_1: "
	                    "nobody is notified of their own comments.");
	free(c);
	why_trace_clear(&t);
}

static void test_should_have_been(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	/* A group mention that reaches ada through her groups. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(GROUP("eng")))),
	     "{\"data\":[]}", "replies_and_mentions", "mine");
	assert_true(strv_push(&t.groups, "eng"));
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada should have been notified about thread th_1 (mentioned as group eng "
	       "in cm_1), but their inbox holds no notification about it: it may have "
	       "been deleted.");
	free(c);
	why_trace_clear(&t);

	/* Subscribed and mentioned directly. */
	load(&t, THREAD(COMMENT("cm_1", "bob", "2026-01-01T00:00:00.000Z", BODY(USER("ada")))),
	     "{\"data\":[" SUB("ada", "2025-12-01T00:00:00.000Z") "]}", "replies_and_mentions",
	     "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada should have been notified about thread th_1 (subscribed, mentioned in "
	       "cm_1), but their inbox holds no notification about it: it may have been "
	       "deleted.");
	free(c);
	why_trace_clear(&t);

	/* threads=all, others commented. */
	load(&t, ONE_BY_BOB, "{\"data\":[]}", "all", "mine");
	inbox(&t, "{\"nextCursor\":null,\"data\":[]}");
	c = conclude(&t, &notified);
	assert_string_equal(
	    c, "ada should have been notified about thread th_1 (their room setting is "
	       "threads=all), but their inbox "
	       "holds no notification about it: it may have been deleted.");
	free(c);
	why_trace_clear(&t);
}

static void test_inbox_unreadable(void **state)
{
	struct why_trace t;
	bool notified;
	char *c;

	(void)state;
	load(&t, ONE_BY_BOB, "{\"data\":[]}", "all", "mine");
	failed(&t, WHY_INBOX, 403, "", "forbidden");
	c = conclude(&t, &notified);
	assert_false(notified);
	assert_string_equal(c, "Whether ada was notified is unknown: their inbox could not be read "
	                       "(403: forbidden).");
	free(c);
	why_trace_clear(&t);
}

static void test_role(void **state)
{
	struct why_trace t;
	struct why_role r;

	(void)state;
	load(&t,
	     THREAD(COMMENT(
	         "cm_1", "ada", "2026-01-01T00:00:00.000Z",
	         BODY(USER("ada") "," GROUP(
	             "eng"))) "," COMMENT("cm_2", "bob", "2026-01-03T00:00:00.000Z",
	                                  BODY(USER("ada") "," USER(
	                                      "ada") ",{\"type\":\"mention\",\"kind\":\"group\","
	                                             "\"id\":\"ops\",\"userIds\":[\"ada\"]}," GROUP(
	                                                 "eng"))) "," COMMENT("cm_3", "carl",
	                                                                      "2026-01-01T00:00:00."
	                                                                      "000Z",
	                                                                      BODY(TEXT("early")))),
	     "{\"data\":[" SUB("ada", "2026-01-02T00:00:00.000Z") "]}", "all", "mine");
	assert_true(why_role_of(&t, &r));
	assert_int_equal(r.comments, 3);
	assert_int_equal(r.authored, 1);
	assert_true(r.subscribed);
	assert_string_equal(r.subscribed_at, "2026-01-02T00:00:00.000Z");
	assert_int_equal(r.others_after, 1); /* carl's came before the subscription */
	assert_int_equal(r.direct.n, 1);     /* her own mention does not count */
	assert_string_equal(r.direct.v[0], "cm_2");
	assert_int_equal(r.by_group.n, 1); /* ops through userIds; eng: not her group */
	assert_string_equal(r.by_group.v[0], "ops in cm_2");
	assert_int_equal(r.missed.n, 1);
	assert_string_equal(r.missed.v[0], "eng");
	why_role_clear(&r);

	/* Failed steps count as nothing found. */
	failed(&t, WHY_THREAD, 404, "", "gone");
	failed(&t, WHY_SUBSCRIPTIONS, 404, "", "gone");
	assert_true(why_role_of(&t, &r));
	assert_int_equal(r.comments, 0);
	assert_false(r.subscribed);
	why_role_clear(&r);
	why_trace_clear(&t);
}

static void test_note_about(void **state)
{
	struct inbox_note n = {0};
	struct thread th = {0};
	struct comment cm[1] = {{.id = "cm_7"}};

	(void)state;
	th.comments = cm;
	th.n_comments = 1;
	n.thread_id = "th_1";
	assert_true(why_note_about(&n, NULL, "th_1"));
	assert_false(why_note_about(&n, NULL, "th_2"));
	n.thread_id = NULL;
	n.mention_id = "cm_7";
	assert_true(why_note_about(&n, &th, "th_1"));
	assert_false(why_note_about(&n, NULL, "th_1"));
	n.mention_id = "cm_8";
	assert_false(why_note_about(&n, &th, "th_1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notified_with_channels),
	    cmocka_unit_test(test_notified_channels_unknown),
	    cmocka_unit_test(test_notified_twice),
	    cmocka_unit_test(test_thread_unreadable),
	    cmocka_unit_test(test_own_comments),
	    cmocka_unit_test(test_threads_none),
	    cmocka_unit_test(test_mentions_none),
	    cmocka_unit_test(test_not_involved),
	    cmocka_unit_test(test_nobody_since),
	    cmocka_unit_test(test_should_have_been),
	    cmocka_unit_test(test_inbox_unreadable),
	    cmocka_unit_test(test_role),
	    cmocka_unit_test(test_note_about),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
