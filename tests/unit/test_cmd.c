/* The command language: parsing, read-only refusal, confirmation,
 * request building, pagination in batch mode, completion. */
#include "lbconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_fixture.h"
#include "cmd_impl.h"
#include "output.h"
#include "out.h"
#include "scope.h"

static const char room_json[] = "{\"type\":\"room\",\"id\":\"r1\",\"organizationId\":\"default\","
				"\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"metadata\":{},"
				"\"defaultAccesses\":[\"room:write\"],\"usersAccesses\":{},"
				"\"groupsAccesses\":{}}";

static void test_split_quotes(void **state)
{
	struct lb_error err;
	int argc;
	char **argv;

	assert_true(cmd_split("room create 'my room' --metadata \"k=a b\"", &argc, &argv, &err));
	assert_int_equal(argc, 5);
	assert_string_equal(argv[2], "my room");
	assert_string_equal(argv[4], "k=a b");
	cmd_argv_free(&argv);
	assert_null(argv);

	assert_false(cmd_split("room create 'oops", &argc, &argv, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "quote"));
}

/* A second line would be dropped by the tokenizer: refused instead. */
static void test_split_refuses_line_breaks(void **state)
{
	struct lb_error err;
	int argc;
	char **argv;

	(void)state;
	assert_false(cmd_split("rooms\nroom delete a --yes", &argc, &argv, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "one line"));
	assert_false(cmd_split("room update a --set k=v\r--unset s", &argc, &argv, &err));
	assert_true(cmd_split("rooms --prefix a", &argc, &argv, &err));
	assert_int_equal(argc, 3);
	cmd_argv_free(&argv);
	/* Inside quotes a line break is part of the word (a JSON value). */
	assert_true(cmd_split("room broadcast r '{\"a\":\n1}'", &argc, &argv, &err));
	assert_int_equal(argc, 4);
	assert_string_equal(argv[3], "{\"a\":\n1}");
	cmd_argv_free(&argv);
}

static void test_quote_roundtrip(void **state)
{
	static const char *const words[] = {"plain-id", "with space", "it's", "a\"b", "日本",
					    "$(rm -rf)", ""};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct lb_error err;
		int argc;
		char **argv;
		char *q = cmd_quote(words[i]);
		char line[256];
		snprintf(line, sizeof(line), "room show %s", q);
		assert_true(cmd_split(line, &argc, &argv, &err));
		assert_int_equal(argc, 3);
		assert_string_equal(argv[2], words[i]);
		cmd_argv_free(&argv);
		free(q);
	}
}

static void test_unknown_command_and_option(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "roms");
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "unknown command 'roms'"));

	cmd_run(&f->ctx, "rooms --bogus");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--bogus"));

	cmd_run(&f->ctx, "rooms --limit");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "needs a value"));

	cmd_run(&f->ctx, "rooms --limit 500");
	assert_int_equal(f->last.status, LB_USAGE);

	cmd_run(&f->ctx, "room create");
	assert_int_equal(f->last.status, LB_USAGE);

	cmd_run(&f->ctx, "room create a b");
	assert_int_equal(f->last.status, LB_USAGE);

	/* Every subcommand of the group, from the command table. */
	cmd_run(&f->ctx, "room");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "needs a subcommand: show, create, update, delete, "
						"upsert, rename, prewarm, broadcast, copy"));

	cmd_run(&f->ctx, "room create x --access room:fly");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "room:fly"));

	cmd_run(&f->ctx, "room update x");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "nothing to change"));

	assert_int_equal(f->done_calls, 9);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->ctx.running, 0);
}

static void test_read_only_refuses_before_any_request(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
		"room create x",
		"room update x --set a=b",
		"room delete x --yes",
		"room create x --get-or-create",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		assert_int_equal(f->last.status, LB_READONLY);
		assert_int_equal(lb_status_exit_code(f->last.status), 2);
	}
	assert_int_equal(fake_count(&f->ft), 0);
	/* Reading still works. */
	cmd_run(&f->ctx, "room show x");
	assert_int_equal(fake_count(&f->ft), 1);
}

static void test_batch_delete_needs_yes(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room delete r1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--yes"));
	assert_int_equal(fake_count(&f->ft), 0);

	/* The room is read first: the API says 204 to a DELETE of a room
	 * that does not exist. */
	cmd_run(&f->ctx, "room delete r1 --yes");
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(fake_req(&f->ft, 0)->method, HTTP_GET);
	assert_string_equal(fake_req(&f->ft, 0)->url, "http://lb.test/v2/rooms/r1");
	fake_complete(&f->ft, 0, 200, room_json);
	cmd_step(&f->ctx);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(fake_req(&f->ft, 1)->method, HTTP_DELETE);
	assert_string_equal(fake_req(&f->ft, 1)->url, "http://lb.test/v2/rooms/r1");
	assert_false(fake_req(&f->ft, 1)->idempotent);
	fake_complete(&f->ft, 1, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(f->printed, "deleted room r1");
}

/* A room that does not exist is not deleted, and it is said. */
static void test_delete_of_a_missing_room(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room delete 'nope:x' --yes");
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(fake_req(&f->ft, 0)->method, HTTP_GET);
	fake_complete(&f->ft, 0, 404,
		      "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"nope:x\\\" not "
		      "found.\"}");
	cmd_step(&f->ctx);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_int_equal(f->last.http_status, 404);
	assert_non_null(strstr(f->last.message, "no room 'nope:x'"));
	assert_int_equal(lb_status_exit_code(f->last.status), 1);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_null(strstr(f->said.data, "deleted"));
}

/* @FILE: a device is refused before a byte is read, a regular file over
 * the limit by its size; neither sends anything. */
static void test_file_arguments_bounded(void **state)
{
	struct fixture *f = *state;
	char path[256], line[512];

	cmd_run(&f->ctx, "room broadcast r1 @/dev/zero");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "/dev/zero is a device"));

	snprintf(path, sizeof(path), "%s/big.json", f->dir);
	FILE *big = fopen(path, "w");
	assert_non_null(big);
	assert_int_equal(ftruncate(fileno(big), (off_t)600 * 1024 * 1024), 0);
	fclose(big);
	snprintf(line, sizeof(line), "storage init r1 %s", path);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "too large (600.0 MiB; at most 512 MiB)"));
	unlink(path);

	snprintf(line, sizeof(line), "room broadcast r1 @%s", f->dir);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "is a directory"));
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Every ID argument and option is checked before anything is sent. */
static void test_ids_checked_before_any_request(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
		"room show ''",
		"room delete '' --yes",
		"room create ''",
		"room update '' --set a=1",
		"room upsert '' --set a=1",
		"room rename r1 ''",
		"room rename '' r2 --yes",
		"room prewarm ''",
		"room broadcast '' '{}'",
		"room copy r1 ''",
		"storage ''",
		"storage set '' /a 1 --yes",
		"storage delete '' --yes",
		"storage export '' out.json",
		"ydoc ''",
		"ydoc export r1 f --guid ''",
		"users ''",
		"rooms --user ''",
		"rooms --group ''",
		"rooms --group a,,b",
		"rooms --org ''",
		"room update r1 --revoke-user ''",
		"room create 'a\x01" "z'",
		"room create " /* 129 characters */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"room show '\xff'",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		assert_int_equal(f->done_calls, (int)i + 1);
		if (f->last.status != LB_USAGE)
			fail_msg("%s: %s", lines[i], f->last.message);
	}
	assert_non_null(strstr(f->last.message, "UTF-8"));
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->ctx.running, 0);

	/* An existing room may hold a control character; a new one may not. */
	cmd_run(&f->ctx, "room show 'a\x01" "z'");
	assert_int_equal(fake_count(&f->ft), 1);
	assert_string_equal(fake_req(&f->ft, 0)->url, "http://lb.test/v2/rooms/a%01z");
}

/* The 128-character limit is for a new ID: the dev server keeps longer
 * ones, and such a room must be open to every command. */
static void test_existing_long_id_taken(void **state)
{
	struct fixture *f = *state;
	char id[201], line[300], url[300];

	memset(id, 'x', 200);
	id[200] = '\0';
	snprintf(line, sizeof(line), "room show %s", id);
	cmd_run(&f->ctx, line);
	if (fake_count(&f->ft) != 1)
		fail_msg("refused: %s", f->last.message);
	snprintf(url, sizeof(url), "http://lb.test/v2/rooms/%s", id);
	assert_string_equal(fake_req(&f->ft, 0)->url, url);
	fake_cancel(&f->ft, 0);
	snprintf(line, sizeof(line), "storage %s", id);
	cmd_run(&f->ctx, line);
	assert_int_equal(fake_count(&f->ft), 2);
	fake_cancel(&f->ft, 1);
	/* a new one is still refused */
	snprintf(line, sizeof(line), "room create %s", id);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "at most 128"));
	assert_int_equal(fake_count(&f->ft), 2);
}

static void test_tui_delete_asks_for_the_id(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room delete r1");
	assert_int_equal(f->asked, 1);
	assert_int_equal(fake_count(&f->ft), 0);
	f->answer(f->answer_ctx, "r2");
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "room delete r1");
	f->answer(f->answer_ctx, NULL); /* Esc */
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "room delete r1");
	f->answer(f->answer_ctx, "r1");
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(fake_req(&f->ft, 0)->method, HTTP_GET);
	fake_complete(&f->ft, 0, 200, room_json);
	cmd_step(&f->ctx);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(fake_req(&f->ft, 1)->method, HTTP_DELETE);
	fake_complete(&f->ft, 1, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 3);
}

static void test_create_body(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room create 'my room' --private --metadata color=blue "
			 "--metadata-list tags=a,b --user-access alice=room:write "
			 "--group-access eng=room:read,room:presence:write --org acme");
	assert_int_equal(fake_count(&f->ft), 1);
	const struct fake_request *r = fake_req(&f->ft, 0);
	assert_int_equal(r->method, HTTP_POST);
	assert_string_equal(r->url, "http://lb.test/v2/rooms");
	assert_non_null(strstr(r->body, "\"id\":\"my room\""));
	assert_non_null(strstr(r->body, "\"defaultAccesses\":[]"));
	assert_non_null(strstr(r->body, "\"color\":\"blue\""));
	assert_non_null(strstr(r->body, "\"tags\":[\"a\",\"b\"]"));
	assert_non_null(strstr(r->body, "\"alice\":[\"room:write\"]"));
	assert_non_null(strstr(r->body, "\"eng\":[\"room:read\",\"room:presence:write\"]"));
	assert_non_null(strstr(r->body, "\"organizationId\":\"acme\""));
	fake_complete(&f->ft, 0, 409,
		      "{\"error\":\"ROOM_ALREADY_EXISTS\",\"message\":\"Room already exists.\"}");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_int_equal(f->last.http_status, 409);
	/* Not retried: a create is not idempotent. */
	assert_int_equal(fake_count(&f->ft), 1);

	cmd_run(&f->ctx, "room create r1 --get-or-create");
	assert_non_null(strstr(fake_req(&f->ft, 1)->url, "idempotent"));
	assert_non_null(strstr(fake_req(&f->ft, 1)->body, "\"defaultAccesses\":[\"room:write\"]"));
	fake_complete(&f->ft, 1, 200, room_json);
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(f->printed, "created room r1");
}

static void test_update_body_with_deletions(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room update r1 --set a=1 --unset b --grant-user u1=room:write "
			 "--revoke-user u2 --revoke-group g --public");
	assert_int_equal(fake_count(&f->ft), 1);
	const char *body = fake_req(&f->ft, 0)->body;
	assert_string_equal(fake_req(&f->ft, 0)->url, "http://lb.test/v2/rooms/r1");
	assert_non_null(strstr(body, "\"a\":\"1\""));
	assert_non_null(strstr(body, "\"b\":null"));
	assert_non_null(strstr(body, "\"u1\":[\"room:write\"]"));
	assert_non_null(strstr(body, "\"u2\":null"));
	assert_non_null(strstr(body, "\"g\":null"));
	assert_non_null(strstr(body, "\"defaultAccesses\":[\"room:write\"]"));
	fake_complete(&f->ft, 0, 200, room_json);
	assert_int_equal(f->last.status, LB_OK);
}

static void test_rooms_filters_in_url(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "rooms --query 'metadata[\"k\"]:\"v\"' --user bob --group a --group b "
			 "--org acme --limit 5");
	assert_int_equal(fake_count(&f->ft), 1);
	const char *url = fake_req(&f->ft, 0)->url;
	assert_non_null(strstr(url, "limit=5"));
	assert_non_null(strstr(url, "userId=bob"));
	assert_non_null(strstr(url, "organizationId=acme"));
	assert_non_null(strstr(url, "query="));
	assert_null(strstr(url, " "));
	assert_true(fake_req(&f->ft, 0)->idempotent);
	fake_complete(&f->ft, 0, 422,
		      "{\"error\":\"INVALID_QUERY\",\"message\":\"Invalid field: 'x' (at 1:1)\"}");
	cmd_step(&f->ctx);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_non_null(strstr(f->last.message, "Invalid field"));
}

/* A query is taken as typed: the quotes its language needs stay, and
 * quotes around the whole query (for spaces) go. */
static void test_query_as_typed(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *line;
		const char *query; /* URL-encoded */
	} cases[] = {
		{"rooms --query roomId^\"acme-\"", "query=roomId%5E%22acme-%22"},
		{"rooms --query=roomId^\"acme-\"", "query=roomId%5E%22acme-%22"},
		{"rooms --query 'roomId^\"acme-\"'", "query=roomId%5E%22acme-%22"},
		{"rooms --query \"roomId^'acme-'\"", "query=roomId%5E%27acme-%27"},
		{"rooms --query roomId^\"acme corp\"", "query=roomId%5E%22acme%20corp%22"},
		{"rooms --query 'metadata[\"k\"]:\"v\" roomId^\"a\"'",
		 "query=metadata%5B%22k%22%5D%3A%22v%22%20roomId%5E%22a%22"},
		{"rooms --query \"roomId^\\\"a\\\"\"", "query=roomId%5E%22a%22"},
		{"rooms \"--query=roomId^\\\"a b\\\"\"", "query=roomId%5E%22a%20b%22"},
		{"rooms '--query=roomId^\"a\"'", "query=roomId%5E%22a%22"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = fake_count(&f->ft);
		cmd_run(&f->ctx, cases[i].line);
		assert_int_equal(fake_count(&f->ft), n + 1);
		const char *url = fake_req(&f->ft, n)->url;
		const char *q = strstr(url, "query=");
		assert_non_null(q);
		size_t len = strcspn(q, "&");
		if (len != strlen(cases[i].query) || strncmp(q, cases[i].query, len))
			fail_msg("%s: sent %.*s, wanted %s", cases[i].line, (int)len, q,
				 cases[i].query);
		fake_complete(&f->ft, n, 200, "{\"data\":[],\"nextCursor\":null}");
		cmd_step(&f->ctx);
		assert_int_equal(f->last.status, LB_OK);
	}
}

/* What F puts on the command line reads back as the filter it shows. */
static void test_rooms_line_round_trip(void **state)
{
	static const char *const queries[] = {
	    "roomId^\"acme-\"", "roomId^'a' metadata['k']:'v'", "metadata[\"k\"]:\"it's\" AND x",
	    "a\\b \"c\"", "'quoted'",
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct room_filter flt;
		memset(&flt, 0, sizeof(flt));
		flt.query = strdup(queries[i]);
		flt.prefix = strdup("acme corp-");
		size_t cursor;
		char *line = cmd_rooms_line(&flt, &cursor);
		assert_non_null(line);
		/* In the closing quote, to refine the query. */
		assert_int_equal(cursor, strlen(line) - 1);
		assert_true(line[cursor] == '\'' || line[cursor] == '"');
		size_t n = fake_count(&f->ft);
		cmd_run(&f->ctx, line);
		assert_int_equal(fake_count(&f->ft), n + 1);
		char *want = room_filter_params(&flt, NULL);
		const char *url = fake_req(&f->ft, n)->url;
		if (!strstr(url, want + 1))
			fail_msg("%s gave %s, wanted %s", line, url, want);
		fake_complete(&f->ft, n, 200, "{\"data\":[],\"nextCursor\":null}");
		cmd_step(&f->ctx);
		free(want);
		free(line);
		room_filter_clear(&flt);
	}
	struct room_filter empty;
	memset(&empty, 0, sizeof(empty));
	char *line = cmd_rooms_line(&empty, NULL);
	assert_string_equal(line, "rooms --query ''");
	free(line);
}

static void test_rooms_all_follows_every_page(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "rooms --all");
	assert_int_equal(f->done_calls, 0);
	/* The biggest pages the API gives, so as few requests as possible. */
	assert_non_null(strstr(fake_req(&f->ft, 0)->url, "limit=100"));
	fake_complete(&f->ft, 0, 200, "{\"data\":[{\"type\":\"room\",\"id\":\"a\"}],\"nextCursor\":\"c1\"}");
	cmd_step(&f->ctx);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_non_null(strstr(fake_req(&f->ft, 1)->url, "startingAfter=c1"));
	assert_int_equal(f->done_calls, 0);
	fake_complete(&f->ft, 1, 200, "{\"data\":[{\"type\":\"room\",\"id\":\"b\"}],\"nextCursor\":null}");
	cmd_step(&f->ctx);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_OK);
}

static void test_rooms_page_error_fails_batch(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "rooms --all");
	fake_complete(&f->ft, 0, 200, "{\"data\":[{\"type\":\"room\",\"id\":\"a\"}],\"nextCursor\":\"c1\"}");
	cmd_step(&f->ctx);
	fake_fail(&f->ft, 1, LB_NETWORK, "connection reset");
	cmd_step(&f->ctx);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_NETWORK);
}

/* A second -e that refreshes what the first loaded: the answer is the
 * refresh's, not the cached rows. */
static void test_failed_refresh_fails_batch(void **state)
{
	struct fixture *f = *state;
	static const char forbidden[] = "{\"error\":\"FORBIDDEN\",\"message\":\"no\"}";

	cmd_run(&f->ctx, "rooms");
	fake_complete(&f->ft, 0, 200, "{\"data\":[{\"type\":\"room\",\"id\":\"a\"}],\"nextCursor\":null}");
	cmd_step(&f->ctx);
	assert_int_equal(f->last.status, LB_OK);
	cmd_run(&f->ctx, "rooms");
	fake_complete(&f->ft, 1, 403, forbidden);
	cmd_step(&f->ctx);
	assert_int_equal(f->done_calls, 2);
	assert_int_equal(f->last.status, LB_HTTP);

	cmd_run(&f->ctx, "room show r1");
	fake_complete(&f->ft, 2, 200, "{\"type\":\"room\",\"id\":\"r1\"}");
	cmd_step(&f->ctx);
	assert_int_equal(f->last.status, LB_OK);
	cmd_run(&f->ctx, "room show r1");
	fake_complete(&f->ft, 3, 403, forbidden);
	cmd_step(&f->ctx);
	assert_int_equal(f->done_calls, 4);
	assert_int_equal(f->last.status, LB_HTTP);
}

static void test_malformed_json_is_an_error(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room show r1");
	fake_complete(&f->ft, 0, 200, "{\"type\":\"room\",");
	cmd_step(&f->ctx);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_DECODE);
}

static void test_tui_lists_open_views(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "rooms --prefix x");
	assert_int_equal(f->shown_rooms, 1);
	cmd_run(&f->ctx, "room show 'a b'");
	assert_string_equal(f->shown_room, "a b");
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->last.status, LB_OK);
}

static void free_all(char **out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(out[i]);
}

static bool has(char **out, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(out[i], s))
			return true;
	return false;
}

static void test_completion(void **state)
{
	struct fixture *f = *state;
	char *out[64];
	size_t start, n;

	n = cmd_complete(&f->ctx, "ro", 2, &start, out, 64);
	assert_int_equal(start, 0);
	assert_true(has(out, n, "rooms"));
	assert_true(has(out, n, "room"));
	free_all(out, n);

	n = cmd_complete(&f->ctx, "room s", 6, &start, out, 64);
	assert_int_equal(start, 5);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "show");
	free_all(out, n);

	n = cmd_complete(&f->ctx, "rooms --q", 9, &start, out, 64);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "--query");
	free_all(out, n);

	/* Room IDs come from the cache. */
	cmd_run(&f->ctx, "rooms");
	fake_complete(&f->ft, 0, 200,
		      "{\"data\":[{\"type\":\"room\",\"id\":\"alpha\"},{\"type\":\"room\",\"id\":"
		      "\"alps\"},{\"type\":\"room\",\"id\":\"beta\"}],\"nextCursor\":null}");
	cmd_step(&f->ctx);
	n = cmd_complete(&f->ctx, "room show al", 12, &start, out, 64);
	assert_int_equal(start, 10);
	assert_int_equal(n, 2);
	assert_true(has(out, n, "alpha"));
	assert_true(has(out, n, "alps"));
	free_all(out, n);

	/* IDs a shell would split, or that would add an option, are quoted;
	 * a quote already typed is part of the word. */
	cmd_run(&f->ctx, "rooms --prefix v");
	fake_complete(&f->ft, 1, 200,
		      "{\"data\":[{\"type\":\"room\",\"id\":\"victim --yes\"},{\"type\":\"room\","
		      "\"id\":\"v's room\"},{\"type\":\"room\",\"id\":\"--v\"}],\"nextCursor\":null}");
	cmd_step(&f->ctx);
	n = cmd_complete(&f->ctx, "room delete vic", 15, &start, out, 64);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "'victim --yes'");
	free_all(out, n);
	n = cmd_complete(&f->ctx, "room delete 'v", 14, &start, out, 64);
	assert_int_equal(start, 12);
	assert_true(has(out, n, "'victim --yes'"));
	assert_true(has(out, n, "'v'\\''s room'"));
	free_all(out, n);
	/* A space inside the quote does not start a new word. */
	n = cmd_complete(&f->ctx, "room delete 'victim --y", 23, &start, out, 64);
	assert_int_equal(start, 12);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "'victim --yes'");
	free_all(out, n);
	/* A command whose first argument is no existing ID (a new room's)
	 * is not offered the IDs of the cache. */
	n = cmd_complete(&f->ctx, "room create al", 14, &start, out, 64);
	assert_int_equal(n, 0);
	free_all(out, n);
	/* An ID that begins like an option is not offered. */
	n = cmd_complete(&f->ctx, "room show ", 10, &start, out, 64);
	assert_false(has(out, n, "--v"));
	free_all(out, n);

	/* After a group word: every subcommand. */
	static const char *const room_subs[] = {"show",   "create", "update",    "delete", "upsert",
						"rename", "prewarm", "broadcast", "copy"};
	n = cmd_complete(&f->ctx, "room ", 5, &start, out, 64);
	for (size_t i = 0; i < sizeof(room_subs) / sizeof(room_subs[0]); i++)
		assert_true(has(out, n, room_subs[i]));
	free_all(out, n);
	/* "storage" is a command too: its subcommands, then room IDs. */
	n = cmd_complete(&f->ctx, "storage ", 8, &start, out, 64);
	assert_int_equal(start, 8);
	static const char *const storage_subs[] = {"set", "insert", "delete", "move", "init",
						   "export"};
	for (size_t i = 0; i < sizeof(storage_subs) / sizeof(storage_subs[0]); i++)
		assert_true(has(out, n, storage_subs[i]));
	assert_true(has(out, n, "alpha"));
	free_all(out, n);
	n = cmd_complete(&f->ctx, "storage s", 9, &start, out, 64);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "set");
	free_all(out, n);
}

/* ---- the scope ----------------------------------------------------------- */

static const enum scope_part all_parts[] = {SCOPE_ROOM, SCOPE_USER, SCOPE_GROUP, SCOPE_COPILOT};
#define N_PARTS (sizeof(all_parts) / sizeof(all_parts[0]))

/* A scope holding every part ("r1", "u1", "g1", "c1") but without. */
static struct scope every_part_but(enum scope_part without)
{
	struct scope s = {.room = "r1", .user = "u1", .group = "g1", .copilot = "c1"};
	switch (without) {
	case SCOPE_ROOM:
		s.room = NULL;
		break;
	case SCOPE_USER:
		s.user = NULL;
		break;
	case SCOPE_GROUP:
		s.group = NULL;
		break;
	case SCOPE_COPILOT:
		s.copilot = NULL;
		break;
	case SCOPE_NONE:
		break;
	}
	return s;
}

static void test_scope_parts(void **state)
{
	static const char *const names[] = {"room", "user", "group", "copilot"};
	static const char *const ids[] = {"r1", "u1", "g1", "c1"};
	struct scope full = every_part_but(SCOPE_NONE), empty = {0};

	(void)state;
	for (size_t i = 0; i < N_PARTS; i++) {
		assert_string_equal(scope_part_name(all_parts[i]), names[i]);
		assert_string_equal(scope_get(&full, all_parts[i]), ids[i]);
		assert_null(scope_get(&empty, all_parts[i]));
		/* Each part is its own: leaving one out leaves the others. */
		struct scope but = every_part_but(all_parts[i]);
		assert_null(scope_get(&but, all_parts[i]));
		for (size_t j = 0; j < N_PARTS; j++)
			if (j != i)
				assert_string_equal(scope_get(&but, all_parts[j]), ids[j]);
	}
	assert_string_equal(scope_part_name(SCOPE_NONE), "");
	assert_string_equal(scope_part_name((enum scope_part)99), "");
	assert_null(scope_get(&full, SCOPE_NONE));
}

static void assert_scope_name(const struct scope *s, const char *want)
{
	char *name = scope_name(s);
	assert_non_null(name);
	assert_string_equal(name, want);
	free(name);
}

/* One part: its ID alone, as in a title ("storage acme-1"); more: each
 * after its name; nothing: "". Terminal-safe either way. */
static void test_scope_name(void **state)
{
	(void)state;
	assert_scope_name(&(struct scope){0}, "");
	assert_scope_name(&(struct scope){.room = "acme-1"}, "acme-1");
	assert_scope_name(&(struct scope){.user = "ada"}, "ada");
	assert_scope_name(&(struct scope){.group = "ops"}, "ops");
	assert_scope_name(&(struct scope){.copilot = "cp_1"}, "cp_1");
	assert_scope_name(&(struct scope){.room = "acme-1", .user = "ada"},
	                  "room acme-1, user ada");
	assert_scope_name(&(struct scope){.group = "ops", .copilot = "cp_1"},
	                  "group ops, copilot cp_1");
	assert_scope_name(&(struct scope){.room = "a\x1b[2Jb"}, "a\xe2\x90\x9b[2Jb");
	assert_scope_name(&(struct scope){.room = "x\ny", .user = "\x1b"},
	                  "room x\xe2\x90\xa4y, user \xe2\x90\x9b");
}

/* A copy owns its strings: it outlives what it was copied from. */
static void test_scope_copy(void **state)
{
	char room[] = "r1", group[] = "g1";
	struct scope from = {.room = room, .group = group}, copy;

	(void)state;
	assert_true(scope_copy(&copy, &from));
	room[0] = 'x';
	group[0] = 'x';
	assert_string_equal(copy.room, "r1");
	assert_string_equal(copy.group, "g1");
	assert_null(copy.user);
	assert_null(copy.copilot);
	scope_free(&copy);
	assert_null(copy.room);
	assert_null(copy.group);
	assert_true(scope_copy(&copy, &(struct scope){0}));
	for (size_t i = 0; i < N_PARTS; i++)
		assert_null(scope_get(&copy, all_parts[i]));
	scope_free(&copy);
}

/* cmd_target(part): a command's first argument when the command names
 * that part as its first argument and it was given; else the part of the
 * host's scope; else "which PART? (usage: ...)" and nothing else. */
static void test_target_each_part(void **state)
{
	struct fixture *f = *state;
	struct args given = {.npos = 1, .pos = {"typed"}}, none = {0};
	char want[128];

	for (size_t i = 0; i < N_PARTS; i++) {
		enum scope_part part = all_parts[i];
		enum scope_part other = all_parts[(i + 1) % N_PARTS];
		struct command cmd = {.name = "thing show",
		                      .args = "[ID]",
		                      .max_pos = 1,
		                      .opts = cmd_no_opts,
		                      .scope_arg = part};

		/* Given: the argument, whatever the scope holds. */
		f->here = every_part_but(SCOPE_NONE);
		assert_string_equal(cmd_target(&f->ctx, &cmd, &given, part), "typed");
		f->here = (struct scope){0};
		assert_string_equal(cmd_target(&f->ctx, &cmd, &given, part), "typed");
		/* Not given: the scope's. */
		f->here = every_part_but(other);
		assert_string_equal(cmd_target(&f->ctx, &cmd, &none, part),
		                    scope_get(&f->here, part));
		assert_int_equal(f->done_calls, 0);

		/* Missing from the scope, every other part there: asked for. */
		f->here = every_part_but(part);
		f->ctx.running++;
		assert_null(cmd_target(&f->ctx, &cmd, &none, part));
		assert_int_equal(f->done_calls, 1);
		assert_int_equal(f->last.status, LB_USAGE);
		snprintf(want, sizeof(want), "which %s? (usage: thing show ID)",
		         scope_part_name(part));
		assert_string_equal(f->last.message, want);

		/* A command whose first argument is another part's ID takes
		 * this part from the scope, never from that argument. */
		cmd.scope_arg = other;
		f->here = every_part_but(other);
		assert_string_equal(cmd_target(&f->ctx, &cmd, &given, part),
		                    scope_get(&f->here, part));
		f->here = every_part_but(part);
		f->ctx.running++;
		assert_null(cmd_target(&f->ctx, &cmd, &given, part));
		assert_int_equal(f->done_calls, 2);
		assert_string_equal(f->last.message, want);
		f->done_calls = 0;
	}
	assert_int_equal(f->ctx.running, 0);
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Batch mode has no scope: a part not given is asked for. */
static void test_target_in_batch_mode(void **state)
{
	struct fixture *f = *state;
	struct command cmd = {.name = "room show",
	                      .args = "[ID]",
	                      .max_pos = 1,
	                      .opts = cmd_no_opts,
	                      .scope_arg = SCOPE_ROOM};
	struct args given = {.npos = 1, .pos = {"r9"}}, none = {0};

	assert_null(f->ctx.host.scope);
	assert_string_equal(cmd_target(&f->ctx, &cmd, &given, SCOPE_ROOM), "r9");
	f->ctx.running++;
	assert_null(cmd_target(&f->ctx, &cmd, &none, SCOPE_ROOM));
	assert_int_equal(f->last.status, LB_USAGE);
	assert_string_equal(f->last.message, "which room? (usage: room show ID)");
	assert_int_equal(f->ctx.running, 0);
}

/* The commands that take the room from the screen: with the room in the
 * scope they go to it; without, they ask which. */
static void test_commands_take_the_room_of_the_scope(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {"room show", "storage", "ydoc", "users"};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		f->here = (struct scope){.room = "r1"};
		f->views = 0;
		f->shown_room[0] = '\0';
		cmd_run(&f->ctx, lines[i]);
		assert_int_equal(f->last.status, LB_OK);
		assert_true(!strcmp(f->shown_room, "r1") ||
		            (f->views == 1 && !strcmp(f->view_room, "r1")));
		f->here = (struct scope){.user = "u1", .group = "g1", .copilot = "c1"};
		cmd_run(&f->ctx, lines[i]);
		assert_int_equal(f->last.status, LB_USAGE);
		assert_non_null(strstr(f->last.message, "which room? (usage: "));
	}
	assert_int_equal(fake_count(&f->ft), 0);
}

/* messages shows the screen's messages; batch mode has none to show. */
static void test_messages(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "messages");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "batch mode"));
	assert_int_equal(fake_count(&f->ft), 0);
}

/* Room JSON printed on a terminal (as batch mode prints --json): what the
 * terminal would obey (a C1 CSI, a bidi override) is escaped; to a file
 * it is left as sent. */
static void test_room_json_on_a_terminal(void **state)
{
	(void)state;
	int master, slave;
	struct room r;
	char got[512];

	memset(&r, 0, sizeof(r));
	r.raw_json = strdup("{\"id\":\"evil\xc2\x9b" "31m\xe2\x80\xae\"}");
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	FILE *tty = fdopen(slave, "w");
	assert_non_null(tty);
	struct buf b;
	buf_init(&b);
	assert_true(output_rooms_json(&b, &r, 1, "c\xc2\x9b"));
	out_json_text(tty, b.data, b.len);
	buf_free(&b);
	fclose(tty);
	ssize_t n = read(master, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_non_null(strstr(got, "evil\\u009b31m\\u202e"));
	assert_non_null(strstr(got, "\"nextCursor\":\"c\\u009b\""));
	assert_null(strstr(got, "\xc2\x9b"));
	close(master);

	FILE *file = tmpfile();
	assert_non_null(file);
	out_json_text(file, r.raw_json, strlen(r.raw_json));
	rewind(file);
	assert_non_null(fgets(got, sizeof(got), file));
	assert_non_null(strstr(got, "evil\xc2\x9b" "31m"));
	fclose(file);
	free(r.raw_json);
}

static void test_is_mutation_and_help(void **state)
{
	assert_true(cmd_is_mutation("room delete x"));
	assert_true(cmd_is_mutation("room create x"));
	assert_false(cmd_is_mutation("rooms"));
	assert_false(cmd_is_mutation("room show x"));
	assert_true(cmd_is_mutation("room copy a b --into-existing"));
	assert_true(cmd_is_mutation("storage set r /a 1"));
	assert_false(cmd_is_mutation("storage r"));
	char *h = cmd_help(NULL);
	assert_non_null(strstr(h, "room create"));
	free(h);
	h = cmd_help("room update");
	assert_non_null(strstr(h, "--revoke-user"));
	free(h);
	assert_null(cmd_help("nothing"));
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_quotes),
	    cmocka_unit_test(test_quote_roundtrip),
	    cmocka_unit_test(test_is_mutation_and_help),
	    cmocka_unit_test_setup_teardown(test_unknown_command_and_option, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_before_any_request, setup_ro,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_batch_delete_needs_yes, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_delete_asks_for_the_id, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_of_a_missing_room, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_file_arguments_bounded, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_existing_long_id_taken, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_ids_checked_before_any_request, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_create_body, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_update_body_with_deletions, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_rooms_filters_in_url, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_query_as_typed, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_rooms_line_round_trip, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_rooms_all_follows_every_page, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rooms_page_error_fails_batch, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_failed_refresh_fails_batch, setup_batch, teardown),
	    cmocka_unit_test(test_room_json_on_a_terminal),
	    cmocka_unit_test(test_split_refuses_line_breaks),
	    cmocka_unit_test_setup_teardown(test_malformed_json_is_an_error, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_lists_open_views, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_completion, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_messages, setup_batch, teardown),
	    cmocka_unit_test(test_scope_parts),
	    cmocka_unit_test(test_scope_name),
	    cmocka_unit_test(test_scope_copy),
	    cmocka_unit_test_setup_teardown(test_target_each_part, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_target_in_batch_mode, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_commands_take_the_room_of_the_scope, setup_tui,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
