/* The versions family's commands (src/res/versions.c): the table and
 * --json of `versions`, every page with --all, `versions export` to a
 * file, `versions create`, the view the TUI opens, the room of the
 * scope, IDs checked and read-only refused before any request, and the
 * help. */
#include "lbconfig.h"
/* cmocka needs these first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_fixture.h"
#include "cmd_impl.h"

static void test_list_export_create(void **state)
{
	struct fixture *f = *state;
	char file[256], line[600];
	size_t len;

	cmd_run(&f->ctx, "versions r1 --all");
	assert_true(strstr(fake_req(&f->ft, 0)->url, "http://lb.test/v2/rooms/r1/versions") ==
	            fake_req(&f->ft, 0)->url);
	reply(f, &f->ft, 0, 200,
	      "{\"data\":[{\"type\":\"historyVersion\",\"kind\":\"yjs\",\"id\":\"vh_1\","
	      "\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"authors\":[{\"id\":\"alice\"}]}],"
	      "\"nextCursor\":\"c1\"}");
	assert_int_equal(fake_count(&f->ft), 2);
	assert_non_null(strstr(fake_req(&f->ft, 1)->url, "cursor=c1"));
	/* The table is text for the user: the host prints it. */
	reset_said(f);
	reply(f, &f->ft, 1, 200,
	      "{\"data\":[{\"id\":\"vh_2\",\"createdAt\":\"2024-05-02T10:00:00.000Z\","
	      "\"authors\":[]}],\"nextCursor\":null}");
	const char *out = said(f);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(out, "ID"));
	assert_non_null(strstr(out, "CREATED"));
	assert_non_null(strstr(out, "AUTHORS"));
	assert_non_null(strstr(out, "vh_1"));
	assert_non_null(strstr(out, "2024-05-01 10:00"));
	assert_non_null(strstr(out, "alice"));
	assert_non_null(strstr(out, "vh_2"));

	f->ctx.host.json = true;
	cmd_run(&f->ctx, "versions r1");
	capture_start(f);
	if (fake_pending(&f->ft))
		reply(f, &f->ft, 2, 200,
		      "{\"data\":[{\"id\":\"vh_1\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","
		      "\"authors\":[{\"id\":\"alice\"}]}],\"nextCursor\":null}");
	out = capture_end(f);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(out, "\"id\":\"vh_1\""));
	assert_non_null(strstr(out, "\"authors\":[{\"id\":\"alice\"}]"));
	assert_non_null(strstr(out, "\"nextCursor\":null"));
	f->ctx.host.json = false;

	size_t k = fake_count(&f->ft);
	snprintf(file, sizeof(file), "%s", path_in(f, "v.bin"));
	snprintf(line, sizeof(line), "versions export r1 vh_1 %s", file);
	cmd_run(&f->ctx, line);
	expect(&f->ft, k, HTTP_GET, "http://lb.test/v2/rooms/r1/versions/vh_1/yjs");
	reply(f, &f->ft, k, 200, "\x07\x08");
	assert_int_equal(f->last.status, LB_OK);
	char *bytes = slurp(file, &len);
	assert_int_equal(len, 2);
	free(bytes);

	cmd_run(&f->ctx, "versions create r1");
	expect(&f->ft, k + 1, HTTP_POST, "http://lb.test/v2/rooms/r1/versions");
	reply(f, &f->ft, k + 1, 200, "{\"data\":{\"id\":\"vh_3\"}}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "created version vh_3 of room r1"));
}

/* The TUI opens the view named "versions", about the room given or the
 * room of the scope; without a room in the scope it asks which. */
static void test_tui_opens_the_view(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "versions r1");
	assert_int_equal(f->views, 1);
	assert_string_equal(f->view, "versions");
	assert_string_equal(f->view_room, "r1");
	f->here = (struct scope){.room = "r2"};
	cmd_run(&f->ctx, "versions");
	assert_int_equal(f->views, 2);
	assert_string_equal(f->view_room, "r2");
	f->here = (struct scope){.user = "u1", .group = "g1", .copilot = "c1"};
	cmd_run(&f->ctx, "versions");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "which room? (usage: versions"));
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Every ID is checked before anything is sent, VERSION_ID included. */
static void test_ids_checked_before_any_request(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
	    "versions ''",
	    "versions export r1 '' f",
	    "versions export r1 '\xff' f",
	    "versions create ''",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		if (f->last.status != LB_USAGE)
			fail_msg("%s: %s", lines[i], f->last.message);
	}
	assert_int_equal(fake_count(&f->ft), 0);
}

static void test_read_only_refuses_create(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "versions create r1");
	assert_int_equal(f->last.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 0);
}

static void test_help(void **state)
{
	(void)state;
	char *h = cmd_help(NULL);

	assert_non_null(strstr(h, "versions [ROOM]"));
	assert_non_null(strstr(h, "versions export ROOM VERSION_ID FILE"));
	assert_non_null(strstr(h, "versions create ROOM"));
	free(h);
	h = cmd_help("versions");
	assert_non_null(strstr(h, "versions: A room's Yjs version history"));
	assert_non_null(strstr(h, "--all"));
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_list_export_create, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_opens_the_view, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_ids_checked_before_any_request, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_create, setup_ro, teardown),
	    cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
