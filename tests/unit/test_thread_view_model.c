/* What the thread view reads beyond a thread (src/res/thread_view.h): a
 * group's members (decoded, and read with GET /v2/groups/{id} outside any
 * room), the group mentions of a comment, the thread as Markdown; and the
 * scope's thread (src/core/scope.h). */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "output.h"
#include "scope.h"
#include "thread_view.h"
#include "threads.h"

#define GROUP_JSON                                                                                 \
	"{\"type\":\"group\",\"id\":\"eng\",\"organizationId\":\"default\","                       \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"updatedAt\":\"2024-05-01T10:00:00.000Z\","   \
	"\"scopes\":{\"mention\":true},"                                                           \
	"\"members\":[{\"id\":\"ada\",\"addedAt\":\"2024-05-01T10:00:00.000Z\"},"                  \
	"{\"id\":\"bob\",\"addedAt\":\"2024-05-01T10:00:00.000Z\"}]}"

/* A comment whose body is json (NULL: deleted). */
static struct comment comment_with(const char *json)
{
	struct comment c = {.id = "cm_1",
	                    .body_json = (char *)json,
	                    .preview = "",
	                    .created_s = -1,
	                    .edited_s = -1,
	                    .deleted_s = -1};
	if (!json)
		c.deleted_at = "2024-05-01T10:00:00.000Z";
	return c;
}

static void test_group_decode(void **state)
{
	struct group_info g;
	struct lb_error err;

	(void)state;
	assert_true(group_decode(GROUP_JSON, strlen(GROUP_JSON), &g, &err));
	assert_string_equal(g.id, "eng");
	assert_int_equal(g.members.n, 2);
	assert_string_equal(g.members.v[0], "ada");
	assert_string_equal(g.members.v[1], "bob");
	group_info_clear(&g);

	/* No members at all: none. */
	assert_true(group_decode("{\"id\":\"solo\"}", 13, &g, &err));
	assert_int_equal(g.members.n, 0);
	group_info_clear(&g);

	/* What is not a group is refused, and says so. */
	assert_false(group_decode("[]", 2, &g, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(group_decode("{\"members\":[]}", 14, &g, &err));
	assert_string_equal(err.message, "the server sent a group without an \"id\"");
	assert_false(group_decode("{\"id\":\"g\",\"members\":{}}", 24, &g, &err));
	assert_string_equal(err.message, "the server sent a group whose \"members\" is not a list");
	assert_false(group_decode("{\"id\":\"g\",\"members\":[{\"addedAt\":1}]}", 36, &g, &err));
	assert_string_equal(err.message, "the server sent a group member without an \"id\"");
	assert_false(group_decode("{\"id\":", 6, &g, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_null(g.id);
}

struct heard {
	int calls;
	struct lb_error err;
	char body[1024];
};

static void on_done(const struct storage_result *res, void *ud)
{
	struct heard *h = ud;

	h->calls++;
	h->err = res->err;
	snprintf(h->body, sizeof(h->body), "%.*s", (int)res->body_len, res->body ? res->body : "");
}

static void test_group_get(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};
	const struct fake_request *r;

	model_group_get(f->m, "eng team", on_done, &h);
	assert_int_equal(fake_count(&f->ft), 1);
	r = fake_req(&f->ft, 0);
	assert_int_equal(r->method, HTTP_GET);
	assert_string_equal(r->url, BASE "/v2/groups/eng%20team");
	assert_true(r->idempotent);
	assert_null(r->body);
	assert_true(fake_complete(&f->ft, 0, 200, GROUP_JSON));
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.err.status, LB_OK);
	assert_string_equal(h.body, GROUP_JSON);

	/* A group that does not exist: the 404 as it came. */
	model_group_get(f->m, "ghost", on_done, &h);
	assert_true(fake_complete(
	    &f->ft, 1, 404, "{\"error\":\"GROUP_NOT_FOUND\",\"message\":\"Group not found\"}"));
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.err.status, LB_HTTP);
	assert_int_equal(h.err.http_status, 404);

	/* No ID: nothing is sent. */
	model_group_get(f->m, "", on_done, &h);
	assert_int_equal(h.calls, 3);
	assert_int_equal(h.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 2);
}

/* A read: read-only mode sends it. */
static void test_group_get_read_only(void **state)
{
	struct fx *f = *state;
	struct heard h = {0};

	model_group_get(f->m, "eng", on_done, &h);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_true(fake_complete(&f->ft, 0, 200, GROUP_JSON));
	assert_int_equal(h.err.status, LB_OK);
}

static void test_group_mentions(void **state)
{
	static const char body[] =
	    "{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
	    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"eng\"},{\"text\":\" \"},"
	    "{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"ada\"},"
	    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"\"}]},"
	    "{\"type\":\"paragraph\",\"children\":["
	    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"ops\",\"userIds\":[\"x\"]},"
	    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"eng\"},"
	    "{\"type\":\"mention\",\"id\":\"nokind\"}]}]}";
	struct strv ids = {0};
	struct comment c = comment_with(body);

	(void)state;
	assert_true(comment_group_mentions(&c, &ids));
	assert_int_equal(ids.n, 2);
	assert_string_equal(ids.v[0], "eng");
	assert_string_equal(ids.v[1], "ops");
	strv_free(&ids);

	/* A tombstone, and a body lbtui cannot read, mention none. */
	c = comment_with(NULL);
	assert_true(comment_group_mentions(&c, &ids));
	assert_int_equal(ids.n, 0);
	c = comment_with("{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":"
	                 "[{\"type\":\"image\"}]}]}");
	assert_true(comment_group_mentions(&c, &ids));
	assert_int_equal(ids.n, 0);
}

#define RICH_THREAD                                                                                \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\","                                  \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"updatedAt\":\"2024-05-02T11:00:00.000Z\","   \
	"\"metadata\":{\"status\":\"open\"},\"resolved\":true,\"comments\":["                      \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"userId\":\"ada\","                                \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"editedAt\":\"2024-05-01T10:05:00.000Z\","    \
	"\"body\":{\"version\":1,\"content\":["                                                    \
	"{\"type\":\"paragraph\",\"children\":[{\"text\":\"a *star* \"},"                          \
	"{\"text\":\"b\",\"bold\":true},{\"text\":\" \"},{\"text\":\"bi\",\"bold\":true,"          \
	"\"italic\":true},{\"text\":\" \"},{\"text\":\"s\",\"strikethrough\":true},"               \
	"{\"text\":\" \"},{\"text\":\"x`y\",\"code\":true},{\"text\":\" \"},"                      \
	"{\"type\":\"link\",\"url\":\"https://x.io\",\"text\":\"docs\"},{\"text\":\" \"},"         \
	"{\"type\":\"link\",\"url\":\"https://x.io\"},{\"text\":\"\\nnext\"}]},"                   \
	"{\"type\":\"paragraph\",\"children\":[{\"type\":\"mention\",\"kind\":\"user\","           \
	"\"id\":\"bob\"},{\"text\":\" \"},{\"type\":\"mention\",\"kind\":\"group\","               \
	"\"id\":\"eng\"}]}]},"                                                                     \
	"\"reactions\":[{\"emoji\":\"👍\",\"createdAt\":\"2024-05-01T10:01:00.000Z\","           \
	"\"users\":[{\"id\":\"bob\"},{\"id\":\"carol\"}]}],"                                       \
	"\"attachments\":[{\"type\":\"attachment\",\"id\":\"at_1\",\"name\":\"a.pdf\","            \
	"\"size\":2048,\"mimeType\":\"application/pdf\"}],\"metadata\":{\"pinned\":true}},"        \
	"{\"type\":\"comment\",\"id\":\"cm_2\",\"userId\":\"bob\","                                \
	"\"createdAt\":\"2024-05-01T10:02:00.000Z\",\"deletedAt\":\"2024-05-01T10:03:00.000Z\","   \
	"\"reactions\":[],\"attachments\":[]}]}"

static void test_markdown(void **state)
{
	struct thread t;
	struct lb_error err;
	struct buf b;
	char created[32], edited[32], deleted[32], c2[32], want[4096];

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_true(thread_decode(RICH_THREAD, strlen(RICH_THREAD), &t, &err));
	buf_init(&b);
	assert_true(thread_markdown(&t, &b));
	output_time(t.comments[0].created_s, created, sizeof(created));
	output_time(t.comments[0].edited_s, edited, sizeof(edited));
	output_time(t.comments[1].created_s, c2, sizeof(c2));
	output_time(t.comments[1].deleted_s, deleted, sizeof(deleted));
	snprintf(want, sizeof(want),
	         "# Thread th_1\n\n"
	         "- Room: r1\n"
	         "- Status: resolved\n"
	         "- Created: %s\n"
	         "- Updated: 2024-05-02 11:00\n"
	         "- Metadata: status=open\n"
	         "\n## ada · %s · edited %s\n\n<!-- comment cm_1 -->\n\n"
	         "a \\*star\\* **b** **_bi_** ~~s~~ ``x`y`` [docs][1] [https://x.io][1]\\\nnext"
	         "\n\n@bob @eng\n"
	         "\nReactions: 👍 2 (bob, carol)\n"
	         "\nAttachment: a.pdf (application/pdf, 2.0 KiB)\n"
	         "\nMetadata: pinned=true\n"
	         "\n[1]: <https://x.io>\n"
	         "\n## bob · %s · deleted %s\n\n<!-- comment cm_2 -->\n\n_(deleted %s)_\n",
	         created, created, edited, c2, deleted, deleted);
	assert_string_equal(b.data, want);
	buf_free(&b);
	thread_clear(&t);
}

static void test_scope_thread(void **state)
{
	struct scope s, copy;
	char *name;

	(void)state;
	s = (struct scope){.room = "acme-1", .thread = "th_1"};
	name = scope_name(&s);
	assert_string_equal(name, "room acme-1, thread th_1");
	free(name);
	/* A thread alone is named as a part alone is; made terminal-safe. */
	name = scope_name(&(struct scope){.thread = "th\x1b[2J"});
	assert_string_equal(name, "th␛[2J");
	free(name);
	assert_true(scope_copy(&copy, &s));
	assert_string_equal(copy.room, "acme-1");
	assert_string_equal(copy.thread, "th_1");
	assert_ptr_not_equal(copy.thread, s.thread);
	scope_free(&copy);
	assert_null(copy.thread);
	assert_null(copy.room);
	/* No thread stays none. */
	assert_true(scope_copy(&copy, &(struct scope){.room = "r"}));
	assert_null(copy.thread);
	scope_free(&copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_group_decode),
	    cmocka_unit_test_setup_teardown(test_group_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_get_read_only, setup_read_only, teardown),
	    cmocka_unit_test(test_group_mentions),
	    cmocka_unit_test(test_markdown),
	    cmocka_unit_test(test_scope_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
