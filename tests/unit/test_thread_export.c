/* Threads written out (src/res/thread_export.c): the format a file's name
 * asks for; Markdown of every node of a comment body and their nesting,
 * of what Markdown would read as syntax, of edited, deleted and
 * unreadable comments, reactions, attachments and metadata; JSON that
 * reads back as the same threads. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread_export.h"
#include "threads.h"

/* th_1: every node of a body and their nesting, what Markdown reads as
 * syntax, an edited comment with reactions, attachments and metadata, a
 * deleted one, one lbtui cannot read. */
static const char thread_1[] =
    "{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\","
    "\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"updatedAt\":\"2024-05-02T11:00:00.000Z\","
    "\"metadata\":{\"status\":\"open\",\"priority\":2},\"resolved\":true,"
    "\"visibility\":\"public\",\"comments\":["
    /* cm_1 */
    "{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"roomId\":\"r1\","
    "\"userId\":\"alice\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","
    "\"editedAt\":\"2024-05-01T10:05:00.000Z\",\"body\":{\"version\":1,\"content\":["
    "{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"Plain \"},{\"text\":\"bold\",\"bold\":true},{\"text\":\" \"},"
    "{\"text\":\"it\",\"italic\":true},{\"text\":\" \"},"
    "{\"text\":\"gone\",\"strikethrough\":true},{\"text\":\" \"},"
    "{\"text\":\"x`y\",\"code\":true},{\"text\":\" \"},"
    "{\"text\":\"all\",\"bold\":true,\"italic\":true,\"strikethrough\":true,\"code\":true},"
    "{\"text\":\" \"},{\"text\":\" padded \",\"bold\":true},"
    "{\"text\":\"tw\",\"italic\":true},{\"text\":\"o\",\"italic\":true},"
    "{\"text\":\"\",\"bold\":true},{\"text\":\".\",\"bold\":false}]},"
    "{\"type\":\"paragraph\",\"children\":[]},"
    "{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"Say \"},{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"bob_smith\"},"
    "{\"text\":\" and \"},"
    "{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"eng\",\"userIds\":[\"a\"]},"
    "{\"type\":\"mention\",\"id\":\"\"},{\"text\":\", see \"},"
    "{\"type\":\"link\",\"url\":\"https://x.io/a b(c)\",\"text\":\"the [docs]\"},"
    "{\"text\":\" or \"},{\"type\":\"link\",\"url\":\"https://y.io\"},{\"text\":\".\"}]},"
    "{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"- not a list\\n1. nor this\\n# nor *this* _or_ <b>x</b> & \\\\ `c` ~s~ | "
    "{z}! 2. 3\\n+ plus\\n= eq\"}]},"
    "{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"a ``b` \",\"code\":true},{\"text\":\" \"},"
    "{\"text\":\"line\\nbreak\",\"bold\":true}]}]},"
    "\"reactions\":[{\"emoji\":\"👍\",\"createdAt\":\"2024-05-01T10:01:00.000Z\","
    "\"users\":[{\"id\":\"bob\"},{\"id\":\"carol\"}]},"
    "{\"emoji\":\"🎉\",\"users\":[{\"id\":\"dan\"}]}],"
    "\"attachments\":[{\"type\":\"attachment\",\"id\":\"at_1\",\"name\":\"a.pdf\","
    "\"size\":2048,\"mimeType\":\"application/pdf\"},"
    "{\"type\":\"attachment\",\"id\":\"at_2\",\"name\":\"b_c.png\"}],"
    "\"metadata\":{\"pinned\":true}},"
    /* cm_2 */
    "{\"type\":\"comment\",\"id\":\"cm_2\",\"threadId\":\"th_1\",\"roomId\":\"r1\","
    "\"userId\":\"bob\",\"createdAt\":\"2024-05-01T10:02:00.000Z\","
    "\"deletedAt\":\"2024-05-01T10:03:00.000Z\",\"reactions\":[],\"attachments\":[]},"
    /* cm_3 */
    "{\"type\":\"comment\",\"id\":\"cm_3\",\"threadId\":\"th_1\",\"roomId\":\"r1\","
    "\"userId\":\"carol\",\"createdAt\":\"2024-05-01T10:04:00.000Z\","
    "\"body\":{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":["
    "{\"text\":\"see pic\"},{\"type\":\"image\",\"url\":\"x\"}]}]},"
    "\"reactions\":[],\"attachments\":[]}]}";

#define WANT_1                                                                                     \
	"# Thread `th_1` in room `r1`\n"                                                           \
	"\n"                                                                                       \
	"- Resolved: yes\n"                                                                        \
	"- Created: 2024-05-01T10:00:00.000Z\n"                                                    \
	"- Updated: 2024-05-02T11:00:00.000Z\n"                                                    \
	"- Metadata: `status` = `\"open\"`, `priority` = `2`\n"                                    \
	"\n"                                                                                       \
	"## alice, 2024-05-01T10:00:00.000Z, edited 2024-05-01T10:05:00.000Z (`cm_1`)\n"           \
	"\n"                                                                                       \
	"Plain **bold** _it_ ~~gone~~ ``x`y`` **_~~`all`~~_**  **padded** _two_.\n"                \
	"\n"                                                                                       \
	"Say @bob\\_smith and @eng, see [the \\[docs\\]](https://x.io/a%20b%28c%29) or "           \
	"[https://y.io](https://y.io).\n"                                                          \
	"\n"                                                                                       \
	"\\- not a list\\\n"                                                                       \
	"1\\. nor this\\\n"                                                                        \
	"\\# nor \\*this\\* \\_or\\_ \\<b\\>x\\</b\\> \\& \\\\ \\`c\\` \\~s\\~ \\| \\{z\\}\\! 2. " \
	"3\\\n"                                                                                    \
	"\\+ plus\\\n"                                                                             \
	"\\= eq\n"                                                                                 \
	"\n"                                                                                       \
	"```a ``b` ``` **line\\\n"                                                                 \
	"break**\n"                                                                                \
	"\n"                                                                                       \
	"Reactions: 👍 2 (bob, carol) · 🎉 1 (dan)\n"                                         \
	"\n"                                                                                       \
	"Attachments:\n"                                                                           \
	"\n"                                                                                       \
	"- a.pdf (2.0 KiB, application/pdf, `at_1`)\n"                                             \
	"- b\\_c.png (size unknown, `at_2`)\n"                                                     \
	"\n"                                                                                       \
	"Metadata: `pinned` = `true`\n"                                                            \
	"\n"                                                                                       \
	"## bob, 2024-05-01T10:02:00.000Z, deleted 2024-05-01T10:03:00.000Z (`cm_2`)\n"            \
	"\n"                                                                                       \
	"_This comment was deleted._\n"                                                            \
	"\n"                                                                                       \
	"## carol, 2024-05-01T10:04:00.000Z (`cm_3`)\n"                                            \
	"\n"                                                                                       \
	"see pic\n"                                                                                \
	"\n"                                                                                       \
	"_(lbtui cannot read all of this comment: comment body: content\\[0\\].children\\[1\\]: "  \
	"unknown inline type \"image\")_\n"

/* A thread without comments, metadata or dates, in a room whose ID has a
 * backtick. */
#define THREAD_2 "{\"type\":\"thread\",\"id\":\"th_2\",\"roomId\":\"r`2\",\"comments\":[]}"

#define WANT_2                                                                                     \
	"# Thread `th_2` in room ``r`2``\n"                                                        \
	"\n"                                                                                       \
	"- Resolved: no\n"                                                                         \
	"- Created: unknown\n"                                                                     \
	"- Updated: unknown\n"                                                                     \
	"- Metadata: none\n"

struct fx {
	struct thread t[2];
	const struct thread *p[2];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	if (!thread_decode(thread_1, strlen(thread_1), &f->t[0], &err))
		fail_msg("%s", err.message);
	assert_true(thread_decode(THREAD_2, strlen(THREAD_2), &f->t[1], &err));
	f->p[0] = &f->t[0];
	f->p[1] = &f->t[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	thread_clear(&f->t[0]);
	thread_clear(&f->t[1]);
	free(f);
	return 0;
}

static void test_format_of(void **state)
{
	(void)state;
	assert_int_equal((int)export_format_of("queue.md"), EXPORT_MARKDOWN);
	assert_int_equal((int)export_format_of("/tmp/a.b/Queue.MD"), EXPORT_MARKDOWN);
	assert_int_equal((int)export_format_of("t.markdown"), EXPORT_MARKDOWN);
	assert_int_equal((int)export_format_of("t.json"), EXPORT_JSON);
	assert_int_equal((int)export_format_of("t.JSON"), EXPORT_JSON);
	assert_int_equal((int)export_format_of("t.txt"), -1);
	assert_int_equal((int)export_format_of("md"), -1);
	assert_int_equal((int)export_format_of("a.md/file"), -1);
	assert_int_equal((int)export_format_of("t.md.gz"), -1);
	assert_int_equal((int)export_format_of(NULL), -1);
}

static void test_markdown(void **state)
{
	struct fx *f = *state;
	struct lb_error err;
	struct buf b;

	buf_init(&b);
	assert_true(threads_export(f->p, 1, EXPORT_MARKDOWN, &b, &err));
	assert_string_equal(b.data, WANT_1);
	/* Appended, one thread after the other. */
	assert_true(threads_export(f->p + 1, 1, EXPORT_MARKDOWN, &b, &err));
	assert_string_equal(b.data, WANT_1 WANT_2);
	b.len = 0;
	assert_true(threads_export(f->p, 2, EXPORT_MARKDOWN, &b, &err));
	assert_string_equal(b.data, WANT_1 "\n" WANT_2);
	buf_free(&b);
}

/* Line breaks in the server's strings: a hard break in a body (CR LF as
 * one), a space where Markdown wants one line (a heading, a list item). */
static void test_line_breaks(void **state)
{
	static const char json[] =
	    "{\"type\":\"thread\",\"id\":\"th\\n3\",\"roomId\":\"r\\r\\n3\","
	    "\"comments\":[{\"type\":\"comment\",\"id\":\"cm\\n1\",\"userId\":\"a\\nb\","
	    "\"createdAt\":\"2024\\n\",\"body\":{\"version\":1,\"content\":[{\"type\":"
	    "\"paragraph\",\"children\":[{\"text\":\"x\\r\\ny\\rz\"}]}]},"
	    "\"reactions\":[{\"emoji\":\"\\n\",\"users\":[{\"id\":\"u\\nv\"}]}],"
	    "\"attachments\":[{\"type\":\"attachment\",\"id\":\"at\",\"name\":\"n\\r\\nm\","
	    "\"size\":1}]}]}";
	struct thread t;
	const struct thread *p = &t;
	struct lb_error err;
	struct buf b;

	(void)state;
	assert_true(thread_decode(json, strlen(json), &t, &err));
	buf_init(&b);
	assert_true(threads_export(&p, 1, EXPORT_MARKDOWN, &b, &err));
	assert_string_equal(b.data, "# Thread `th 3` in room `r  3`\n"
	                            "\n"
	                            "- Resolved: no\n"
	                            "- Created: unknown\n"
	                            "- Updated: unknown\n"
	                            "- Metadata: none\n"
	                            "\n"
	                            "## a b, 2024  (`cm 1`)\n"
	                            "\n"
	                            "x\\\ny\\\nz\n"
	                            "\n"
	                            "Reactions:   1 (u v)\n"
	                            "\n"
	                            "Attachments:\n"
	                            "\n"
	                            "- n m (1 byte, `at`)\n");
	buf_free(&b);
	thread_clear(&t);
}

static void test_json_round_trip(void **state)
{
	struct fx *f = *state;
	struct lb_error err;
	struct thread *back;
	size_t n;
	struct buf b;

	buf_init(&b);
	assert_true(threads_export(f->p, 2, EXPORT_JSON, &b, &err));
	assert_true(thread_list_decode(b.data, b.len, &back, &n, &err));
	assert_int_equal(n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(back[i].raw_json, f->t[i].raw_json);
		assert_string_equal(back[i].id, f->t[i].id);
		assert_int_equal(back[i].n_comments, f->t[i].n_comments);
	}
	assert_int_equal(b.data[b.len - 1], '\n');
	threads_free(back, n);
	b.len = 0;
	assert_true(threads_export(f->p, 0, EXPORT_JSON, &b, &err));
	assert_string_equal(b.data, "{\n  \"data\": []\n}\n");
	assert_false(threads_export(f->p, 1, (enum export_format)7, &b, &err));
	assert_int_equal(err.status, LB_USAGE);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_of),
	    cmocka_unit_test_setup_teardown(test_markdown, setup, teardown),
	    cmocka_unit_test(test_line_breaks),
	    cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
