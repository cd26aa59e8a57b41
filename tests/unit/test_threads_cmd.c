/* The commands of the threads and comments families (src/res/threads.c,
 * comments.c): the threads table and --json, the query built from
 * --resolved, --unresolved and --query, a thread and a comment shown, who
 * a write is made as (--as, the profile's user, or a usage error that says
 * how), metadata checked before sending, deletes asked with what goes and
 * refused in batch mode without --yes, reactions, subscriptions and
 * participants; comments written as markdown or in $EDITOR's text form,
 * shown before they are sent, an edit in the author's name that starts
 * from the comment's text, a failed write's text kept as a draft and sent
 * again with --file; the room of the scope, IDs checked and read-only
 * refused before any request, and the help. */
#include "lbconfig.h"
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd_fixture.h"
#include "cmd_impl.h"
#include "threads_impl.h"

#define R "http://lb.test/v2/rooms/r1"

#define THREAD                                                                                     \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\","                                  \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"updatedAt\":\"2024-05-02T11:00:00.000Z\","   \
	"\"metadata\":{\"status\":\"open\"},\"resolved\":false,\"comments\":["                     \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"roomId\":\"r1\","           \
	"\"userId\":\"alice\",\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"body\":{\"version\":1," \
	"\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"Hello "                    \
	"\\u001b[31mworld\"}]}]},"                                                                 \
	"\"reactions\":[{\"emoji\":\"👍\",\"createdAt\":\"2024-05-01T10:01:00.000Z\","           \
	"\"users\":[{\"id\":\"bob\"}]}],\"attachments\":[]},"                                      \
	"{\"type\":\"comment\",\"id\":\"cm_2\",\"threadId\":\"th_1\",\"roomId\":\"r1\","           \
	"\"userId\":\"bob\",\"createdAt\":\"2024-05-01T10:02:00.000Z\","                           \
	"\"deletedAt\":\"2024-05-01T10:03:00.000Z\"}]}"

#define COMMENT                                                                                    \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"roomId\":\"r1\","           \
	"\"userId\":\"alice\",\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"body\":{\"version\":1," \
	"\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"Hello\"}]}]}}"

/* The files kept in the fixture's state directory. */
static int kept_count(struct fixture *f)
{
	char dir[128];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/state/lbtui", f->dir);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_threads_table_and_json(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "threads r1");
	expect(&f->ft, 0, HTTP_GET, R "/threads");
	reset_said(f);
	reply(f, &f->ft, 0, 200, "{\"data\":[" THREAD "]}");
	assert_int_equal(f->last.status, LB_OK);
	const char *out = said(f);
	assert_non_null(strstr(out, "ID"));
	assert_non_null(strstr(out, "AUTHOR"));
	assert_non_null(strstr(out, "COMMENTS"));
	assert_non_null(strstr(out, "REACTIONS"));
	assert_non_null(strstr(out, "RESOLVED"));
	assert_non_null(strstr(out, "th_1"));
	assert_non_null(strstr(out, "2024-05-01 10:00"));
	assert_non_null(strstr(out, "2024-05-02 11:00"));
	assert_non_null(strstr(out, "alice"));
	assert_non_null(strstr(out, "status=open"));
	/* The first line of text, made terminal-safe. */
	assert_non_null(strstr(out, "Hello "));
	assert_null(strchr(out, '\x1b'));
	/* One live comment, one reaction, not resolved. */
	assert_non_null(strstr(out, "       1          1  no"));

	/* --json: the API's threads as they came. */
	f->ctx.host.json = true;
	cmd_run(&f->ctx, "threads r1");
	capture_start(f);
	reply(f, &f->ft, 1, 200, "{\"data\":[" THREAD "]}");
	out = capture_end(f);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(out, "{\"data\":[{\"type\":\"thread\",\"id\":\"th_1\""));
	assert_non_null(strstr(out, "\"deletedAt\":\"2024-05-01T10:03:00.000Z\"}]}]}"));
}

static void test_threads_query(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "threads r1 --unresolved");
	expect(&f->ft, 0, HTTP_GET, R "/threads?query=resolved%3Afalse");
	reply(f, &f->ft, 0, 200, "{\"data\":[]}");
	assert_int_equal(f->last.status, LB_OK);
	/* The query as typed, quotes kept, after resolved:true. */
	cmd_run(&f->ctx, "threads r1 --resolved --query metadata[\"p\"]>2");
	expect(&f->ft, 1, HTTP_GET, R "/threads?query=resolved%3Atrue%20metadata%5B%22p%22%5D%3E2");
	reply(f, &f->ft, 1, 200, "{\"data\":[]}");
	cmd_run(&f->ctx, "threads r1 --query 'metadata[\"s\"]:\"a b\"'");
	expect(&f->ft, 2, HTTP_GET, R "/threads?query=metadata%5B%22s%22%5D%3A%22a%20b%22");
	reply(f, &f->ft, 2, 200, "{\"data\":[]}");
	cmd_run(&f->ctx, "threads r1 --resolved --unresolved");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 3);
	/* An error from the server is the command's. */
	cmd_run(&f->ctx, "threads r1 --query nope:1");
	reply(f, &f->ft, 3, 422,
	      "{\"error\":\"INVALID_QUERY\",\"message\":\"Invalid field: 'nope' (at 1:1)\"}");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "INVALID_QUERY");
}

static void test_thread_show(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "thread show r1 th_1");
	expect(&f->ft, 0, HTTP_GET, R "/threads/th_1");
	reset_said(f);
	reply(f, &f->ft, 0, 200, THREAD);
	assert_int_equal(f->last.status, LB_OK);
	const char *out = said(f);
	assert_non_null(strstr(out, "thread th_1 in room r1"));
	assert_non_null(strstr(out, "unresolved, 1 comment, 1 reaction"));
	assert_non_null(strstr(out, "metadata: status=open"));
	assert_non_null(strstr(out, "cm_1  alice  2024-05-01 10:00"));
	assert_non_null(strstr(out, "reactions: 👍 1 (bob)"));
	assert_non_null(strstr(out, "cm_2  bob  2024-05-01 10:02  (deleted 2024-05-01 10:03)"));
	assert_null(strchr(out, '\x1b'));

	f->ctx.host.json = true;
	cmd_run(&f->ctx, "thread show r1 th_1");
	capture_start(f);
	reply(f, &f->ft, 1, 200, THREAD);
	out = capture_end(f);
	assert_non_null(strstr(out, "{\"type\":\"thread\",\"id\":\"th_1\""));
	f->ctx.host.json = false;

	cmd_run(&f->ctx, "thread show r1 th_x");
	reply(f, &f->ft, 2, 404,
	      "{\"error\":\"RESOURCE_NOT_FOUND\",\"message\":\"Thread with id \\\"th_x\\\" not "
	      "found.\"}");
	assert_int_equal(f->last.http_status, 404);
	assert_non_null(strstr(f->last.message, "th_x"));
}

/* On the screen a room left out is the room of the scope; THREAD is then
 * the first argument. */
static void test_room_of_the_scope(void **state)
{
	struct fixture *f = *state;

	/* On the screen thread show opens the thread view, about the room of
	 * the scope; the view reads the thread. */
	cmd_run(&f->ctx, "thread show th_1");
	assert_int_equal(f->views, 1);
	assert_string_equal(f->view, "thread");
	assert_string_equal(f->view_room, "here");
	assert_int_equal(fake_count(&f->ft), 0);
	cmd_run(&f->ctx, "thread metadata th_1");
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/here/threads/th_1");
	reply(f, &f->ft, 0, 200, THREAD);
	cmd_run(&f->ctx, "comment show th_1 cm_1");
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/here/threads/th_1/comments/cm_1");
	reply(f, &f->ft, 1, 200, COMMENT);
	/* threads opens the list of the room's threads, which reads them. */
	cmd_run(&f->ctx, "threads");
	assert_int_equal(f->views, 2);
	assert_string_equal(f->view, "threads");
	assert_string_equal(f->view_room, "here");
	f->here = (struct scope){0};
	cmd_run(&f->ctx, "thread show th_1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message, "which room? (usage: thread show [ROOM] THREAD)");
	assert_int_equal(fake_count(&f->ft), 2);
}

static void test_ids_checked_before_any_request(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
	    "threads ''",
	    "thread show r1 ''",
	    "thread show ''",
	    "thread show '' th_1",
	    "thread show r1 '\xff'",
	    "thread delete r1 '' --yes",
	    "thread resolve r1 '' --as a",
	    "thread resolve r1 th_1 --as ''",
	    "thread subscribe r1 th_1 --user ''",
	    "comment show r1 th_1 ''",
	    "comment delete r1 '' cm_1 --yes",
	    "comment react r1 th_1 cm_1 '' --as a",
	    "comment react r1 th_1 cm_1 'a\tb' --as a",
	    "comment react th_1 cm_1",
	    "thread show r1 th_1 extra",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		if (f->last.status != LB_USAGE)
			fail_msg("%s: %s", lines[i], f->last.message);
	}
	/* The message names what is wrong. */
	cmd_run(&f->ctx, "thread show r1 ''");
	assert_non_null(strstr(f->last.message, "THREAD must not be empty"));
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Who a write is made as: --as, else the profile's user; neither is a
 * usage error that says how, and nothing is sent. */
static void test_writer(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "thread resolve r1 th_1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message,
	                    "'thread resolve' writes as a user: give --as USER, or set user = USER "
	                    "in the profile of the config file");
	cmd_run(&f->ctx, "comment react r1 th_1 cm_1 👍");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "thread metadata r1 th_1 --set a=1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 0);

	f->ctx.user = "mod";
	cmd_run(&f->ctx, "thread resolve r1 th_1");
	expect(&f->ft, 0, HTTP_POST, R "/threads/th_1/mark-as-resolved");
	assert_string_equal(fake_req(&f->ft, 0)->body, "{\"userId\":\"mod\"}");
	reset_said(f);
	reply(f, &f->ft, 0, 200, THREAD);
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(said(f), "resolved thread th_1 of room r1 (as mod)\n");
	cmd_run(&f->ctx, "thread unresolve r1 th_1 --as other");
	expect(&f->ft, 1, HTTP_POST, R "/threads/th_1/mark-as-unresolved");
	assert_string_equal(fake_req(&f->ft, 1)->body, "{\"userId\":\"other\"}");
	reply(f, &f->ft, 1, 200, THREAD);
	f->ctx.user = "bad\x01user";
	cmd_run(&f->ctx, "thread resolve r1 th_1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "the profile's user"));
	assert_int_equal(fake_count(&f->ft), 2);
}

static void test_metadata(void **state)
{
	struct fixture *f = *state;

	cmd_run(
	    &f->ctx,
	    "thread metadata r1 th_1 --set n=2 --set ok=true --set s='a b' --unset old --as mod");
	expect(&f->ft, 0, HTTP_POST, R "/threads/th_1/metadata");
	assert_string_equal(fake_req(&f->ft, 0)->body,
	                    "{\"metadata\":{\"n\":2,\"ok\":true,\"s\":\"a b\",\"old\":null},"
	                    "\"userId\":\"mod\"}");
	reset_said(f);
	reply(f, &f->ft, 0, 200, "{\"n\":2,\"ok\":true,\"s\":\"a b\"}");
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(said(f), "metadata of thread th_1: n=2, ok=true, s=a b\n");
	/* Without --set or --unset: what the thread has. */
	cmd_run(&f->ctx, "thread metadata r1 th_1");
	expect(&f->ft, 1, HTTP_GET, R "/threads/th_1");
	reset_said(f);
	reply(f, &f->ft, 1, 200, THREAD);
	assert_string_equal(said(f), "metadata of thread th_1: status=open\n");
	/* The limits are checked before anything is sent. */
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "thread metadata r1 th_1 --set "
	                 "a_key_that_is_much_longer_than_forty_chars=1 --as mod");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "the API takes at most 40"));
	cmd_run(&f->ctx, "thread metadata r1 th_1 --set a=1 --unset a --as mod");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "thread metadata r1 th_1 --set nokey --as mod");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), k);
}

static void test_subscriptions(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "thread subscribe r1 th_1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message,
	                    "'thread subscribe' needs --user USER: who subscribes");
	cmd_run(&f->ctx, "thread subscribe r1 th_1 --user carol");
	expect(&f->ft, 0, HTTP_POST, R "/threads/th_1/subscribe");
	assert_string_equal(fake_req(&f->ft, 0)->body, "{\"userId\":\"carol\"}");
	reset_said(f);
	reply(f, &f->ft, 0, 200, "{\"kind\":\"thread\",\"subjectId\":\"th_1\"}");
	assert_string_equal(said(f), "subscribed carol to thread th_1 of room r1\n");
	cmd_run(&f->ctx, "thread unsubscribe r1 th_1 --user carol");
	expect(&f->ft, 1, HTTP_POST, R "/threads/th_1/unsubscribe");
	reply(f, &f->ft, 1, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);

	cmd_run(&f->ctx, "thread subscriptions r1 th_1");
	expect(&f->ft, 2, HTTP_GET, R "/threads/th_1/subscriptions");
	reset_said(f);
	reply(f, &f->ft, 2, 200,
	      "{\"data\":[{\"kind\":\"thread\",\"subjectId\":\"th_1\",\"userId\":\"alice\","
	      "\"createdAt\":\"2024-05-01T10:00:00.000Z\"}]}");
	assert_string_equal(said(f), "USER   SUBSCRIBED\nalice  2024-05-01 10:00\n\n");
	cmd_run(&f->ctx, "thread participants r1 th_1");
	expect(&f->ft, 3, HTTP_GET, R "/threads/th_1/participants");
	reset_said(f);
	reply(f, &f->ft, 3, 200, "{\"participantIds\":[\"alice\",\"bob\"]}");
	assert_string_equal(said(f), "alice\nbob\n\n");
	cmd_run(&f->ctx, "thread participants r1 th_1");
	reset_said(f);
	reply(f, &f->ft, 4, 200, "{\"participantIds\":[]}");
	assert_string_equal(said(f), "(no participants)\n");
	/* An answer that is not what the API sends is an error. */
	cmd_run(&f->ctx, "thread subscriptions r1 th_1");
	reply(f, &f->ft, 5, 200, "{\"nope\":1}");
	assert_int_equal(f->last.status, LB_DECODE);

	f->ctx.host.json = true;
	cmd_run(&f->ctx, "thread participants r1 th_1");
	capture_start(f);
	reply(f, &f->ft, 6, 200, "{\"participantIds\":[\"alice\"]}");
	assert_string_equal(capture_end(f), "{\"participantIds\":[\"alice\"]}\n");
}

/* Batch mode: a delete shows what goes and needs --yes; with it, the
 * thread is read again, kept, then deleted. */
static void test_thread_delete_batch(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "thread delete r1 th_1");
	reset_said(f);
	reply(f, &f->ft, 0, 200, THREAD);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message, "add --yes to apply");
	assert_non_null(strstr(said(f), "Delete thread th_1 of room r1, started by alice"));
	assert_non_null(strstr(said(f), "This is permanent"));
	assert_int_equal(fake_count(&f->ft), 1);

	cmd_run(&f->ctx, "thread delete r1 th_1 --yes");
	reply(f, &f->ft, 1, 200, THREAD);
	expect(&f->ft, 2, HTTP_GET, R "/threads/th_1");
	reply(f, &f->ft, 2, 200, THREAD);
	expect(&f->ft, 3, HTTP_DELETE, R "/threads/th_1");
	assert_int_equal(kept_count(f), 1);
	reset_said(f);
	reply(f, &f->ft, 3, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "deleted thread th_1 of room r1; it is saved in "));
	assert_non_null(strstr(said(f), "/state/lbtui/thread-r1-th_1-"));
	assert_int_equal(kept_count(f), 1);
}

/* On the screen the question shows the thread and says it is permanent;
 * no sends nothing. */
static void test_thread_delete_tui(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "thread delete r1 th_1");
	reply(f, &f->ft, 0, 200, THREAD);
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "This is permanent"));
	assert_non_null(strstr(f->preview, "Hello "));
	assert_null(strchr(f->preview, '\x1b'));
	f->yes_no(f->yes_no_ctx, false);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_string_equal(f->last.message, "not deleted");
	assert_int_equal(fake_count(&f->ft), 1);

	cmd_run(&f->ctx, "comment delete r1 th_1 cm_1");
	expect(&f->ft, 1, HTTP_GET, R "/threads/th_1/comments/cm_1");
	reply(f, &f->ft, 1, 200, COMMENT);
	assert_int_equal(f->confirms, 2);
	assert_non_null(strstr(f->preview, "Delete comment cm_1 of thread th_1 in room r1, "
	                                   "written by alice"));
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 2, HTTP_GET, R "/threads/th_1/comments/cm_1");
	/* Changed since it was shown: nothing deleted. */
	reply(f, &f->ft, 2, 200, "{\"id\":\"cm_1\",\"userId\":\"alice\"}");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "COMMENT_CHANGED");
	assert_int_equal(fake_count(&f->ft), 3);
	assert_int_equal(kept_count(f), 0);
}

static void test_comment_show_and_react(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "comment show r1 th_1 cm_1");
	reset_said(f);
	reply(f, &f->ft, 0, 200, COMMENT);
	assert_non_null(strstr(said(f), "comment cm_1 of thread th_1 in room r1\n"
	                                "cm_1  alice  2024-05-01 10:00\n    Hello\n"));
	cmd_run(&f->ctx, "comment react r1 th_1 cm_1 👍 --as bob");
	expect(&f->ft, 1, HTTP_POST, R "/threads/th_1/comments/cm_1/add-reaction");
	assert_string_equal(fake_req(&f->ft, 1)->body, "{\"emoji\":\"👍\",\"userId\":\"bob\"}");
	reset_said(f);
	reply(f, &f->ft, 1, 200, "{\"emoji\":\"👍\",\"userId\":\"bob\"}");
	assert_string_equal(said(f), "added 👍 to comment cm_1 as bob\n");
	cmd_run(&f->ctx, "comment unreact r1 th_1 cm_1 👍 --as bob");
	expect(&f->ft, 2, HTTP_POST, R "/threads/th_1/comments/cm_1/remove-reaction");
	reset_said(f);
	reply(f, &f->ft, 2, 204, NULL);
	assert_string_equal(said(f), "removed 👍 from comment cm_1 as bob\n");
	/* One reaction per user per emoji: the server's 409 is the answer. */
	cmd_run(&f->ctx, "comment react r1 th_1 cm_1 👍 --as bob");
	reply(f, &f->ft, 3, 409,
	      "{\"error\":\"RESOURCE_ALREADY_EXISTS\",\"message\":\"User \\\"bob\\\" already "
	      "reacted with 👍 to this comment.\"}");
	assert_int_equal(f->last.http_status, 409);
}

static void test_read_only_refuses(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
	    "thread delete r1 th_1 --yes",
	    "thread resolve r1 th_1 --as a",
	    "thread unresolve r1 th_1 --as a",
	    "thread metadata r1 th_1 --set a=1 --as a",
	    "thread subscribe r1 th_1 --user a",
	    "thread unsubscribe r1 th_1 --user a",
	    "comment delete r1 th_1 cm_1 --yes",
	    "comment react r1 th_1 cm_1 x --as a",
	    "comment unreact r1 th_1 cm_1 x --as a",
	    "thread create r1 hello --as a --yes",
	    "comment add r1 th_1 hello --as a --yes",
	    "comment edit r1 th_1 cm_1 hello --as a --yes",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		if (f->last.status != LB_READONLY)
			fail_msg("%s: %s", lines[i], f->last.message);
		assert_true(cmd_is_mutation(lines[i]));
	}
	assert_int_equal(fake_count(&f->ft), 0);
	/* Reads go on. */
	cmd_run(&f->ctx, "thread metadata r1 th_1");
	reply(f, &f->ft, 0, 200, THREAD);
	assert_int_equal(f->last.status, LB_OK);
}

/* The body a write sends is made of TEXT as the SDK's markdown makes it,
 * shown first: batch mode prints it and needs --yes. */
static void test_comment_add(void **state)
{
	struct fixture *f = *state;

	reset_said(f);
	cmd_run(&f->ctx, "comment add r1 th_1 'Hello **world** @bob' --as alice");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message, "add --yes to apply");
	assert_non_null(strstr(said(f), "Reply in thread th_1 of room r1 as alice:\n"
	                                "  Hello **world** @bob\n"));
	assert_int_equal(fake_count(&f->ft), 0);
	/* Nothing typed in $EDITOR: no draft for a text on the command line. */
	assert_int_equal(kept_count(f), 0);

	cmd_run(&f->ctx, "comment add r1 th_1 'Hello **world** @bob' --as alice --yes");
	expect(&f->ft, 0, HTTP_POST, R "/threads/th_1/comments");
	assert_string_equal(
	    fake_req(&f->ft, 0)->body,
	    "{\"userId\":\"alice\",\"body\":{\"version\":1,\"content\":[{\"type\":"
	    "\"paragraph\",\"children\":[{\"text\":\"Hello \"},{\"text\":\"world\","
	    "\"bold\":true},{\"text\":\" \"},{\"type\":\"mention\",\"kind\":\"user\","
	    "\"id\":\"bob\"}]}]}}");
	reset_said(f);
	reply(f, &f->ft, 0, 200, "{\"type\":\"comment\",\"id\":\"cm_7\",\"threadId\":\"th_1\"}");
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(said(f), "added comment cm_7 to thread th_1 of room r1 (as alice)\n");
	/* Nothing to send. */
	cmd_run(&f->ctx, "comment add r1 th_1 '   ' --as alice --yes");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message, "the comment is empty; nothing was sent");
	cmd_run(&f->ctx, "comment add r1 th_1 --as alice --yes");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "comment add r1 th_1 text --edit --as alice --yes");
	assert_int_equal(f->last.status, LB_USAGE);
	/* --edit needs a terminal (batch mode here has none). */
	cmd_run(&f->ctx, "comment add r1 th_1 --edit --as alice --yes");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--edit needs a terminal"));
	assert_int_equal(fake_count(&f->ft), 1);
}

/* A failed send keeps the text in a draft and says how to send it
 * again; --file sends it. */
static void test_failed_write_keeps_the_draft(void **state)
{
	struct fixture *f = *state;
	char path[512], line[800];

	cmd_run(&f->ctx, "comment add r1 th_1 '_keep_ me' --as alice --yes");
	reply(f, &f->ft, 0, 503, "{\"error\":\"UNAVAILABLE\",\"message\":\"busy\"}");
	assert_int_equal(f->last.http_status, 503);
	assert_int_equal(fake_count(&f->ft), 1);
	const char *m = f->last.message;
	const char *p = strstr(m, "your text is saved in ");
	assert_non_null(p);
	p += strlen("your text is saved in ");
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, " "), p);
	char *text = slurp(path, NULL);
	assert_string_equal(text, "_keep_ me");
	free(text);
	snprintf(line, sizeof(line),
	         "(send it again with: comment add r1 th_1 --as alice --file %s)", path);
	assert_non_null(strstr(m, line));
	assert_non_null(strstr(m, "busy"));

	snprintf(line, sizeof(line), "comment add r1 th_1 --as alice --file %s --yes", path);
	cmd_run(&f->ctx, line);
	expect(&f->ft, 1, HTTP_POST, R "/threads/th_1/comments");
	assert_non_null(strstr(fake_req(&f->ft, 1)->body, "{\"text\":\"keep\",\"italic\":true}"));
	/* An answer that may have landed says to look first. */
	fake_fail(&f->ft, 1, LB_UNSURE, "no answer");
	cmd_step(&f->ctx);
	assert_int_equal(f->last.status, LB_UNSURE);
	assert_non_null(strstr(f->last.message, "look whether it arrived before sending it again"));
}

/* On the screen --edit opens $EDITOR with lbtui's text form; the question
 * shows the body; no keeps what was written. */
static void test_edit_on_the_screen(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "**bold** and @{group:eng}\n";
	cmd_run(&f->ctx, "thread create r1 --edit --as alice --metadata status=open");
	assert_int_equal(f->edits, 1);
	assert_string_equal(f->edit_initial, "");
	assert_int_equal(f->confirms, 1);
	assert_non_null(
	    strstr(f->preview, "Start a thread in room r1 as alice, metadata status=open"));
	assert_non_null(strstr(f->preview, "  **bold** and @{group:eng}"));
	f->yes_no(f->yes_no_ctx, false);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 0);
	/* What was written in the editor is kept. */
	assert_int_equal(kept_count(f), 1);

	cmd_run(&f->ctx, "thread create r1 --edit --as alice --metadata status=open");
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 0, HTTP_POST, R "/threads");
	assert_string_equal(
	    fake_req(&f->ft, 0)->body,
	    "{\"comment\":{\"userId\":\"alice\",\"body\":{\"version\":1,\"content\":"
	    "[{\"type\":\"paragraph\",\"children\":[{\"text\":\"bold\",\"bold\":true},"
	    "{\"text\":\" and \"},{\"type\":\"mention\",\"kind\":\"group\",\"id\":"
	    "\"eng\"}]}]}},\"metadata\":{\"status\":\"open\"}}");
	reply(f, &f->ft, 0, 200, "{\"type\":\"thread\",\"id\":\"th_5\"}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(f->printed, "created thread th_5 in room r1 (as alice)"));
}

#define MINE                                                                                       \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"userId\":\"alice\","        \
	"\"body\":{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":"    \
	"\"old \"},{\"text\":\"words\",\"italic\":true}]}]}}"

/* An edit starts from the comment's text, is made in its author's name
 * only, and goes out where the comment still says what was shown. */
static void test_comment_edit(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "new _words_\n";
	cmd_run(&f->ctx, "comment edit r1 th_1 cm_1 --edit --as bob");
	expect(&f->ft, 0, HTTP_GET, R "/threads/th_1/comments/cm_1");
	reply(f, &f->ft, 0, 200, MINE);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message,
	                    "comment cm_1 was written by alice and lbtui writes as "
	                    "bob: give --as alice to edit it in their name");
	assert_int_equal(f->edits, 0);

	cmd_run(&f->ctx, "comment edit r1 th_1 cm_1 --edit --as alice");
	reply(f, &f->ft, 1, 200, MINE);
	assert_string_equal(f->edit_initial, "old _words_\n");
	assert_non_null(
	    strstr(f->preview, "Edit comment cm_1 of thread th_1 in room r1, as alice"));
	assert_non_null(strstr(f->preview, "  new _words_"));
	f->yes_no(f->yes_no_ctx, true);
	/* Read again, then sent. */
	expect(&f->ft, 2, HTTP_GET, R "/threads/th_1/comments/cm_1");
	reply(f, &f->ft, 2, 200, MINE);
	expect(&f->ft, 3, HTTP_POST, R "/threads/th_1/comments/cm_1");
	assert_string_equal(
	    fake_req(&f->ft, 3)->body,
	    "{\"body\":{\"version\":1,\"content\":[{\"type\":\"paragraph\","
	    "\"children\":[{\"text\":\"new \"},{\"text\":\"words\",\"italic\":true}]}"
	    "]}}");
	reply(f, &f->ft, 3, 200, MINE);
	assert_int_equal(f->last.status, LB_OK);

	/* The same text: nothing to send. */
	f->edit_result = "old _words_";
	cmd_run(&f->ctx, "comment edit r1 th_1 cm_1 --edit --as alice");
	reply(f, &f->ft, 4, 200, MINE);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_string_equal(f->last.message, "the text is the same; nothing was sent");
	/* Changed meanwhile: not sent, and what was written is kept. */
	f->edit_result = "newer";
	cmd_run(&f->ctx, "comment edit r1 th_1 cm_1 --edit --as alice");
	reply(f, &f->ft, 5, 200, MINE);
	f->yes_no(f->yes_no_ctx, true);
	reply(f, &f->ft, 6, 200,
	      "{\"id\":\"cm_1\",\"userId\":\"alice\",\"body\":{\"version\":1,\"content\":[]}}");
	assert_string_equal(f->last.code, "COMMENT_CHANGED");
	assert_non_null(strstr(f->last.message, "your text is saved in "));
	assert_non_null(
	    strstr(f->last.message, "comment edit r1 th_1 cm_1 --as alice --edit --file "));
	assert_int_equal(fake_count(&f->ft), 7);
}

/* A write that failed keeps its text in a draft file (mode 600) and says
 * where, and the command that sends it again. */
static void test_draft_kept(void **state)
{
	struct lb_error err;
	char path[256], *text;
	struct stat st;

	(void)state; /* its XDG_STATE_HOME */
	lb_error_set(&err, LB_HTTP, "503 UNAVAILABLE");
	thread_keep_draft("**hello** @bob\nsecond line", "r 1", "comment add 'r 1' th_1 --as alice",
	                  &err);
	assert_int_equal(err.status, LB_HTTP);
	const char *at = strstr(err.message, "/state/lbtui/draft-r_1-");
	assert_non_null(at);
	const char *start = strstr(err.message, "saved in ") + strlen("saved in ");
	size_t n = strcspn(start, " ");
	snprintf(path, sizeof(path), "%.*s", (int)n, start);
	assert_non_null(strstr(path, ".txt"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(path, NULL);
	assert_string_equal(text, "**hello** @bob\nsecond line");
	free(text);
	char want[600];
	snprintf(
	    want, sizeof(want),
	    "(send it again with: comment add 'r 1' th_1 --as alice --file %s): 503 UNAVAILABLE",
	    path);
	assert_non_null(strstr(err.message, want));
	/* Nothing typed, nothing kept. */
	lb_error_set(&err, LB_HTTP, "x");
	thread_keep_draft("", "r1", "comment add r1 th_1", &err);
	assert_string_equal(err.message, "x");
}

static void test_help(void **state)
{
	(void)state;
	char *h = cmd_help(NULL);

	assert_non_null(strstr(h, "threads [ROOM]"));
	assert_non_null(strstr(h, "thread show [ROOM] THREAD"));
	assert_non_null(strstr(h, "comment react [ROOM] THREAD COMMENT EMOJI"));
	free(h);
	h = cmd_help("threads");
	assert_non_null(strstr(h, "threads: A room's comment threads"));
	assert_non_null(strstr(h, "--unresolved"));
	free(h);
	h = cmd_help("thread");
	assert_non_null(strstr(h, "usage: thread delete [ROOM] THREAD [options]"));
	assert_non_null(strstr(h, "--yes"));
	free(h);
	h = cmd_help("comments");
	assert_non_null(strstr(h, "comments: The comments of a thread"));
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_threads_table_and_json, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_threads_query, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_show, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_room_of_the_scope, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_ids_checked_before_any_request, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_writer, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_metadata, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_subscriptions, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_delete_batch, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_delete_tui, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_comment_show_and_react, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses, setup_ro, teardown),
	    cmocka_unit_test_setup_teardown(test_comment_add, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_write_keeps_the_draft, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_edit_on_the_screen, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_comment_edit, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_draft_kept, setup_batch, teardown),
	    cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
