/* Commands for Storage, Yjs, active users and room
 * administration: the requests they make (URLs, methods, bodies), their
 * previews, confirmation in batch and TUI, read-only refusal, the
 * read-modify-write fallback, files, and copying across two projects. */
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
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_fixture.h"
#include "cmd_impl.h"
#include "model_storage.h"

static int setup_both_ro(void **state)
{
	*state = setup_with(true, false, true);
	return 0;
}

static const char doc[] =
    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"hi\",\"shapes\":{"
    "\"liveblocksType\":\"LiveList\",\"data\":[{\"liveblocksType\":\"LiveObject\",\"data\":{"
    "\"x\":1}},{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}]}}}";

static const char empty_doc[] = "{\"liveblocksType\":\"LiveObject\",\"data\":{}}";

/* What the room has when the command re-reads it. */
static const char other_doc[] = "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"other\"}}";


/* The last error says the room's previous document was kept: the file it
 * names holds want, under the state directory, and the message says how
 * to put it back. */
static void assert_kept(struct fixture *f, const char *room, const char *want)
{
	const char *m = f->last.message;
	char lead[128], path[512], dir[128];
	size_t len;

	snprintf(lead, sizeof(lead), "the previous Storage of room %s was saved (put it back with: "
	         "storage init %s ", room, room);
	const char *at = strstr(m, lead);
	if (!at)
		fail_msg("no saved document in \"%s\"", m);
	at += strlen(lead);
	/* The path, then " --yes" in batch mode, then ')'. */
	const char *end = at + strcspn(at, " )");
	assert_true(*end == ' ' || *end == ')');
	if (!f->ctx.host.interactive)
		assert_memory_equal(end, " --yes)", 7);
	assert_true((size_t)(end - at) < sizeof(path));
	memcpy(path, at, (size_t)(end - at));
	path[end - at] = '\0';
	snprintf(dir, sizeof(dir), "%s/state/lbtui/storage-%s-", f->dir, room);
	assert_memory_equal(path, dir, strlen(dir));
	char *kept = slurp(path, &len);
	assert_string_equal(kept, want);
	free(kept);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* The last error says what was written in $EDITOR is kept: the file it
 * names holds want, and the message says how to give it again. */
static void assert_edit_kept(struct fixture *f, const char *room, const char *want)
{
	const char *m = f->last.message;
	const char *lead = "what you wrote was saved (give it again as @";
	char path[512], dir[128];
	size_t len;

	const char *at = strstr(m, lead);
	if (!at)
		fail_msg("nothing kept in \"%s\"", m);
	at += strlen(lead);
	const char *end = strchr(at, ')');
	assert_non_null(end);
	assert_true((size_t)(end - at) < sizeof(path));
	memcpy(path, at, (size_t)(end - at));
	path[end - at] = '\0';
	snprintf(dir, sizeof(dir), "%s/state/lbtui/edit-%s-", f->dir, room);
	assert_memory_equal(path, dir, strlen(dir));
	char *kept = slurp(path, &len);
	assert_string_equal(kept, want);
	free(kept);
}

static void free_all(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* Files in the state directory whose names start with prefix. */
static int count_kept(struct fixture *f, const char *prefix)
{
	char dir[160];
	int n = 0;
	snprintf(dir, sizeof(dir), "%s/state/lbtui", f->dir);
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));)
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

static const char room_r1[] =
    "{\"type\":\"room\",\"id\":\"r1\",\"organizationId\":\"default\","
    "\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"metadata\":{\"color\":\"blue\"},"
    "\"defaultAccesses\":[\"room:write\"],\"usersAccesses\":{\"alice\":[\"room:write\"]},"
    "\"groupsAccesses\":{}}";

static const char room_r2[] =
    "{\"type\":\"room\",\"id\":\"r2\",\"organizationId\":\"default\","
    "\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"metadata\":{},"
    "\"defaultAccesses\":[\"room:write\"],\"usersAccesses\":{},\"groupsAccesses\":{}}";

static const char not_implemented[] =
    "{\"error\":\"Not implemented\",\"message\":\"This endpoint isn't implemented in the "
    "Liveblocks dev server.\"}";

static const char not_found[] =
    "{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"r9\\\" not found.\"}";

/* Make the model learn whether the server has JSON patch (a probe). */
static void learn_json_patch(struct fixture *f, bool has)
{
	size_t k = fake_count(&f->ft);
	model_storage_probe(f->model, "r1", NULL, NULL);
	assert_int_equal(fake_count(&f->ft), k + 1);
	expect(&f->ft, k, HTTP_PATCH, "http://lb.test/v2/rooms/r1/storage/json-patch");
	fake_complete(&f->ft, k, has ? 200 : 501, has ? "{}" : not_implemented);
	assert_int_equal(model_storage_has_json_patch(f->model), has ? 1 : 0);
}

/* ---- storage ROOM --------------------------------------------------------- */

static void test_storage_prints_the_body_as_sent(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage r1");
	assert_int_equal(fake_count(&f->ft), 1);
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	assert_int_equal(f->done_calls, 0);
	capture_start(f);
	reply(f, &f->ft, 0, 200, doc);
	const char *out = capture_end(f);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_OK);
	/* Exactly the bytes the API sent, and a newline. */
	assert_int_equal(strlen(out), strlen(doc) + 1);
	assert_memory_equal(out, doc, strlen(doc));

	cmd_run(&f->ctx, "storage r1 --format json");
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage?format=json");
	capture_start(f);
	reply(f, &f->ft, 1, 200, "{\"title\":\"hi\"}");
	out = capture_end(f);
	assert_string_equal(out, "{\"title\":\"hi\"}\n");

	/* A missing room is an error, nothing printed. */
	cmd_run(&f->ctx, "storage r9");
	capture_start(f);
	reply(f, &f->ft, 2, 404, not_found);
	out = capture_end(f);
	assert_string_equal(out, "");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_non_null(strstr(f->last.message, "not found"));
}

static void test_storage_options(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage r1 --poll");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--poll goes with --watch"));
	cmd_run(&f->ctx, "storage r1 --format xml");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--format"));
	cmd_run(&f->ctx, "storage r1 --deep");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "storage");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "which room"));
	cmd_run(&f->ctx, "ydoc r1 --type yfoo --key k");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "ydoc r1 --type ytext");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--key"));
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->done_calls, 6);
	assert_int_equal(f->ctx.running, 0);
}

static void test_tui_opens_views(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage r1");
	assert_int_equal(f->views, 1);
	assert_string_equal(f->view, "storage");
	assert_string_equal(f->view_room, "r1");
	assert_false(f->view_watch);

	cmd_run(&f->ctx, "storage --format json --watch");
	assert_string_equal(f->view, "storage-json");
	assert_string_equal(f->view_room, "here");
	assert_true(f->view_watch);

	cmd_run(&f->ctx, "ydoc r1 --watch");
	assert_string_equal(f->view, "ydoc");
	assert_true(f->view_watch);
	assert_false(f->view_formatting);
	assert_string_equal(f->view_key, "");
	assert_string_equal(f->view_type, "");

	cmd_run(&f->ctx, "users r1 --watch");
	assert_string_equal(f->view, "users");
	assert_int_equal(f->views, 4);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->last.status, LB_OK);

	/* The TUI owns the terminal: no stdin, no printing over the screen. */
	cmd_run(&f->ctx, "storage init r1 -");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "stdin"));
	cmd_run(&f->ctx, "room broadcast r1 @-");
	assert_int_equal(f->last.status, LB_USAGE);
	f->ctx.host.show_view = NULL;
	cmd_run(&f->ctx, "storage r1");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "users r1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 0);

	/* With no view to open, a single key of the Yjs document is text. */
	cmd_run(&f->ctx, "ydoc r1 --key shapes --type yarray");
	assert_int_equal(f->views, 4);
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/ydoc?key=shapes&type=yarray");
	reply(f, &f->ft, 0, 200, "[1,2]");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "1"));
	assert_non_null(strstr(said(f), "2"));
	assert_int_equal(fake_count(&f->ft), 1);
}

/* ydoc with options in the TUI opens the tree with those options (watch
 * mode too) and requests nothing itself: the view loads the document. */
static void test_tui_ydoc_options_open_view(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "ydoc r1 --key text --type ytext");
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->views, 1);
	assert_string_equal(f->view, "ydoc");
	assert_string_equal(f->view_room, "r1");
	assert_true(f->view_ydoc);
	assert_false(f->view_formatting);
	assert_string_equal(f->view_key, "text");
	assert_string_equal(f->view_type, "ytext");
	assert_false(f->view_watch);

	cmd_run(&f->ctx, "ydoc --formatting --key 'my key' --watch");
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->views, 2);
	assert_string_equal(f->view_room, "here");
	assert_true(f->view_formatting);
	assert_string_equal(f->view_key, "my key");
	assert_string_equal(f->view_type, "");
	assert_true(f->view_watch);

	/* Options that are refused open nothing. */
	cmd_run(&f->ctx, "ydoc r1 --key text --type yfoo");
	assert_int_equal(f->last.status, LB_USAGE);
	cmd_run(&f->ctx, "ydoc r1 --type ytext --watch");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(f->views, 2);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->done_calls, 4);
}

/* ---- storage set / insert / delete PATH / move ---------------------------- */

static void test_set_batch_shows_preview_and_needs_yes(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage set r1 /title '\"bye\"'");
	assert_int_equal(fake_count(&f->ft), 1);
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 0, 200, doc);
	/* Batch mode asks the server nothing more: the preview names both ways
	 * the change could go. */
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "add --yes to apply"));
	/* The preview: the parent (the root) before and after. */
	assert_non_null(strstr(said(f), "Storage of room r1: replace /title"));
	assert_non_null(strstr(said(f), "- "));
	assert_non_null(strstr(said(f), "\"hi\""));
	assert_non_null(strstr(said(f), "+ "));
	assert_non_null(strstr(said(f), "\"bye\""));
	assert_non_null(strstr(said(f), "JSON-patch request"));
	assert_non_null(strstr(said(f), "read-modify-write"));

	reset_said(f);
	cmd_run(&f->ctx, "storage set r1 /title '\"bye\"' --yes");
	assert_int_equal(fake_count(&f->ft), 2);
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 1, 200, doc);
	/* Straight to the change: no probe. */
	assert_int_equal(fake_count(&f->ft), 3);
	expect(&f->ft, 2, HTTP_PATCH, "http://lb.test/v2/rooms/r1/storage/json-patch");
	const char *body = fake_req(&f->ft, 2)->body;
	assert_non_null(strstr(body, "\"op\":\"replace\""));
	assert_non_null(strstr(body, "\"path\":\"/title\""));
	assert_non_null(strstr(body, "\"bye\""));
	assert_false(fake_req(&f->ft, 2)->idempotent);
	reply(f, &f->ft, 2, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "storage updated (json-patch)"));
	assert_int_equal(model_storage_has_json_patch(f->model), 1);
	assert_int_equal(f->done_calls, 2);
	assert_int_equal(f->ctx.running, 0);
}

static void test_set_falls_back_to_read_modify_write(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage set r1 /title '{\"a\":[1]}'");
	reply(f, &f->ft, 0, 200, doc);
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(said(f), "read-modify-write"));
	assert_non_null(strstr(said(f), "disconnects"));
	/* The value became a LiveObject with a LiveList inside. */
	assert_non_null(strstr(said(f), "LiveObject"));
	assert_non_null(strstr(said(f), "LiveList"));

	reset_said(f);
	cmd_run(&f->ctx, "storage set r1 /title '{\"a\":[1]}' --yes");
	reply(f, &f->ft, 1, 200, doc);
	/* The change goes as a patch first; no endpoint here. */
	expect(&f->ft, 2, HTTP_PATCH, "http://lb.test/v2/rooms/r1/storage/json-patch");
	reply(f, &f->ft, 2, 501, not_implemented);
	/* Read-modify-write: re-read, refuse if changed, DELETE, POST. */
	expect(&f->ft, 3, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 3, 200, doc);
	expect(&f->ft, 4, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 4, 204, NULL);
	expect(&f->ft, 5, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	const char *body = fake_req(&f->ft, 5)->body;
	assert_non_null(strstr(body, "\"title\":{\"liveblocksType\":\"LiveObject\",\"data\":{"
	                             "\"a\":{\"liveblocksType\":\"LiveList\",\"data\":[1]}}}"));
	assert_non_null(strstr(body, "\"x\":2"));
	reply(f, &f->ft, 5, 200, body);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "storage updated (read-modify-write)"));
	assert_int_equal(model_storage_has_json_patch(f->model), 0);

	/* Someone changed the document between the preview and the write:
	 * refused, naming what changed. With --yes the preview does not say
	 * how the change would go: what was done is said once it is done. */
	reset_said(f);
	cmd_run(&f->ctx, "storage set r1 /title 1 --yes");
	reply(f, &f->ft, 6, 200, doc);
	assert_null(strstr(said(f), "disconnected"));
	assert_null(strstr(said(f), "Nothing was sent"));
	expect(&f->ft, 7, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 7, 200, empty_doc);
	assert_int_equal(fake_count(&f->ft), 8);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "STORAGE_CHANGED");
	assert_non_null(strstr(f->last.message, "(changed: /title)"));
	assert_null(strstr(said(f), "storage updated"));
	/* Without --yes the server is known now: the preview says users would
	 * be disconnected, and that nothing was sent. */
	reset_said(f);
	cmd_run(&f->ctx, "storage set r1 /title 1");
	reply(f, &f->ft, 8, 200, doc);
	assert_non_null(strstr(said(f), "Nothing was sent. With --yes, since this server has no "
	                                "JSON-patch endpoint"));
	assert_non_null(strstr(said(f), "disconnected"));
	assert_int_equal(fake_count(&f->ft), 9);
}

static void test_set_tui_confirms(void **state)
{
	struct fixture *f = *state;

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage set r1 /shapes/1/x 42");
	reply(f, &f->ft, k, 200, doc);
	assert_int_equal(f->confirms, 1);
	assert_string_equal(f->title, "Storage of room r1: replace /shapes/1/x");
	/* The parent subtree: x goes from 2 to 42. */
	assert_non_null(strstr(f->preview, "- "));
	assert_non_null(strstr(f->preview, "2"));
	assert_non_null(strstr(f->preview, "+ "));
	assert_non_null(strstr(f->preview, "42"));
	assert_null(strstr(f->preview, "\"title\""));
	assert_int_equal(fake_count(&f->ft), k + 1);
	f->yes_no(f->yes_no_ctx, false);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), k + 1);

	cmd_run(&f->ctx, "storage set r1 /shapes/1/x 42");
	reply(f, &f->ft, k + 1, 200, doc);
	assert_int_equal(f->confirms, 2);
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, k + 2, HTTP_PATCH, "http://lb.test/v2/rooms/r1/storage/json-patch");
	assert_non_null(strstr(fake_req(&f->ft, k + 2)->body, "\"path\":\"/shapes/1/x\""));
	reply(f, &f->ft, k + 2, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "storage updated (json-patch)"));

	/* The same value again: nothing to send. */
	cmd_run(&f->ctx, "storage set r1 /title '\"hi\"'");
	reply(f, &f->ft, k + 3, 200, doc);
	assert_int_equal(f->confirms, 2);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "nothing to change"));
	assert_int_equal(fake_count(&f->ft), k + 4);
	assert_int_equal(f->done_calls, 3);
}

static void test_set_with_editor(void **state)
{
	struct fixture *f = *state;

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	f->edit_result = "{\"x\": 7, \"y\": 8}";
	cmd_run(&f->ctx, "storage set r1 /shapes/0 --edit --live-map");
	reply(f, &f->ft, k, 200, doc);
	assert_int_equal(f->edits, 1);
	/* The editor starts from the current value. */
	assert_non_null(strstr(f->edit_initial, "\"x\""));
	assert_non_null(strstr(f->edit_initial, "1"));
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "LiveMap"));
	f->yes_no(f->yes_no_ctx, true);
	const char *body = fake_req(&f->ft, k + 1)->body;
	assert_non_null(strstr(body, "LiveMap"));
	assert_non_null(strstr(body, "\"y\":8"));
	/* Kept while the change is on its way, and the preview says where. */
	assert_non_null(strstr(f->preview, "What you wrote is kept in "));
	assert_int_equal(count_kept(f, "edit-r1-"), 1);
	reply(f, &f->ft, k + 1, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);
	/* Applied: nothing left behind. */
	assert_int_equal(count_kept(f, "edit-r1-"), 0);

	/* Bad JSON from the editor: a usage error naming the place. */
	f->edit_result = "{\"x\": }";
	cmd_run(&f->ctx, "storage set r1 /shapes/0 --edit");
	reply(f, &f->ft, k + 2, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "column"));
	/* ... and what was written is not lost. */
	assert_edit_kept(f, "r1", "{\"x\": }");
	/* The server refuses it: kept too. */
	f->edit_result = "{\"x\": 9}";
	cmd_run(&f->ctx, "storage set r1 /shapes/0 --edit");
	reply(f, &f->ft, k + 3, 200, doc);
	f->yes_no(f->yes_no_ctx, true);
	reply(f, &f->ft, k + 4, 422, "{\"error\":\"UNPROCESSABLE\",\"message\":\"no\"}");
	/* A 422 to a guarded patch: re-read, its tests hold, the server's
	 * reason stands. */
	expect(&f->ft, k + 5, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, k + 5, 200, doc);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "UNPROCESSABLE");
	assert_edit_kept(f, "r1", "{\"x\": 9}");
	k += 3;
	/* Declined: the message names the file that keeps what was written. */
	f->edit_result = "{\"x\": 10}";
	cmd_run(&f->ctx, "storage set r1 /shapes/0 --edit");
	reply(f, &f->ft, k + 3, 200, doc);
	f->yes_no(f->yes_no_ctx, false);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_non_null(strstr(f->last.message, "not applied"));
	assert_edit_kept(f, "r1", "{\"x\": 10}");
	k += 1;
	/* The editor failed: nothing sent. */
	f->edit_result = NULL;
	cmd_run(&f->ctx, "storage set r1 /shapes/0 --edit");
	reply(f, &f->ft, k + 3, 200, doc);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), k + 4);
	/* VALUE and --edit together. */
	cmd_run(&f->ctx, "storage set r1 /shapes/0 1 --edit");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), k + 4);
}

/* --plain with an object or an array: the value stays plain JSON, which
 * only a rewrite of the whole document can store. */
static void test_set_plain_object_rewrites(void **state)
{
	struct fixture *f = *state;

	/* The server has JSON patch; the rewrite is announced all the same. */
	learn_json_patch(f, true);
	cmd_run(&f->ctx, "storage set r1 /x '{\"a\":[1]}' --plain");
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 1, 200, doc);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "add --yes to apply"));
	assert_non_null(strstr(said(f), "Storage of room r1: add /x"));
	/* The preview shows the plain JSON value, without wrappers. */
	assert_non_null(
	    strstr(said(f), "+     \"x\": {\n+       \"a\": [\n+         1\n+       ]\n"));
	assert_null(strstr(said(f), "+     \"liveblocksType\""));
	assert_non_null(strstr(said(f), "rewrites the whole document"));
	assert_non_null(strstr(said(f), "Everyone connected to the room is disconnected"));
	assert_null(strstr(said(f), "Sent as one atomic JSON-patch request"));

	reset_said(f);
	cmd_run(&f->ctx, "storage set r1 /x '{\"a\":[1]}' --plain --yes");
	expect(&f->ft, 2, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 2, 200, doc);
	assert_null(strstr(said(f), "rewrites the whole document"));
	/* No PATCH: re-read, DELETE, POST. */
	expect(&f->ft, 3, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 3, 200, doc);
	expect(&f->ft, 4, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 4, 204, NULL);
	expect(&f->ft, 5, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	const char *body = fake_req(&f->ft, 5)->body;
	assert_non_null(strstr(body, "\"x\":{\"a\":[1]}"));
	assert_non_null(strstr(body, "\"title\":\"hi\""));
	reply(f, &f->ft, 5, 200, body);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "storage updated (read-modify-write)"));
	for (size_t k = 0; k < fake_count(&f->ft); k++)
		if (k > 0)
			assert_int_not_equal(fake_req(&f->ft, k)->method, HTTP_PATCH);

	/* An array inserted into a LiveList, with --plain, the same way. */
	reset_said(f);
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage insert r1 /shapes '[1,2]' --at 0 --plain --yes");
	expect(&f->ft, k, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, k, 200, doc);
	assert_non_null(strstr(said(f), "insert into /shapes at 0"));
	expect(&f->ft, k + 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, k + 1, 200, doc);
	expect(&f->ft, k + 2, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, k + 2, 204, NULL);
	expect(&f->ft, k + 3, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	assert_non_null(strstr(fake_req(&f->ft, k + 3)->body,
	                       "\"shapes\":{\"liveblocksType\":\"LiveList\",\"data\":[[1,2],"));
	reply(f, &f->ft, k + 3, 200, fake_req(&f->ft, k + 3)->body);
	assert_int_equal(f->last.status, LB_OK);

	/* Plain JSON cannot be the parent of a change. */
	k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage set r1 /p/y '{}' --plain --yes");
	reply(f, &f->ft, k, 200, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"p\":{\"q\":1}}}");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "/p is an object, not a LiveObject"));
	assert_int_equal(fake_count(&f->ft), k + 1);
	assert_int_equal(f->ctx.running, 0);
}

/* In the TUI, a --plain array from $EDITOR: no probe, the rewrite asked. */
static void test_tui_plain_array_from_editor(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "[1, {\"b\": true}]";
	cmd_run(&f->ctx, "storage set r1 /arr --edit --plain");
	reply(f, &f->ft, 0, 200, doc);
	assert_int_equal(f->edits, 1);
	/* No probe: a rewrite goes one way only. */
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(f->confirms, 1);
	assert_non_null(
	    strstr(f->preview, "+     \"arr\": [\n+       1,\n+       {\n+         \"b\": true\n"));
	assert_non_null(strstr(f->preview, "rewrites the whole document"));
	assert_non_null(strstr(f->preview, "disconnected"));
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 1, 200, doc);
	expect(&f->ft, 2, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 2, 204, NULL);
	expect(&f->ft, 3, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	assert_non_null(strstr(fake_req(&f->ft, 3)->body, "\"arr\":[1,{\"b\":true}]"));
	reply(f, &f->ft, 3, 200, fake_req(&f->ft, 3)->body);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "storage updated (read-modify-write)"));
}

static void test_insert_delete_move_patches(void **state)
{
	struct fixture *f = *state;

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	const char *body;

	cmd_run(&f->ctx, "storage insert r1 /shapes '{\"x\":3}' --yes");
	reply(f, &f->ft, k, 200, doc);
	body = fake_req(&f->ft, k + 1)->body;
	assert_non_null(strstr(body, "\"op\":\"add\""));
	assert_non_null(strstr(body, "\"path\":\"/shapes/-\""));
	assert_non_null(strstr(body, "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":3}}"));
	assert_non_null(strstr(said(f), "append to /shapes"));
	reply(f, &f->ft, k + 1, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);

	cmd_run(&f->ctx, "storage insert r1 /shapes 5 --at 0 --plain --yes");
	reply(f, &f->ft, k + 2, 200, doc);
	body = fake_req(&f->ft, k + 3)->body;
	assert_non_null(strstr(body, "\"path\":\"/shapes/0\""));
	assert_non_null(strstr(body, "\"value\":5"));
	assert_non_null(strstr(said(f), "insert into /shapes at 0"));
	reply(f, &f->ft, k + 3, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);

	cmd_run(&f->ctx, "storage delete r1 /shapes/0 --yes");
	reply(f, &f->ft, k + 4, 200, doc);
	body = fake_req(&f->ft, k + 5)->body;
	assert_non_null(strstr(body, "\"op\":\"remove\""));
	assert_non_null(strstr(body, "\"path\":\"/shapes/0\""));
	reply(f, &f->ft, k + 5, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);

	cmd_run(&f->ctx, "storage move r1 /shapes/0 /shapes/1 --yes");
	reply(f, &f->ft, k + 6, 200, doc);
	body = fake_req(&f->ft, k + 7)->body;
	assert_non_null(strstr(body, "\"op\":\"move\""));
	assert_non_null(strstr(body, "\"from\":\"/shapes/0\""));
	assert_non_null(strstr(body, "\"path\":\"/shapes/1\""));
	reply(f, &f->ft, k + 7, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 4);

	/* Checked against the document: no request is sent. */
	cmd_run(&f->ctx, "storage insert r1 /title 1 --yes");
	reply(f, &f->ft, k + 8, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "not a LiveList"));
	cmd_run(&f->ctx, "storage insert r1 /shapes 1 --at 3 --yes");
	reply(f, &f->ft, k + 9, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "past the end"));
	cmd_run(&f->ctx, "storage delete r1 /nope --yes");
	reply(f, &f->ft, k + 10, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "/nope"));
	cmd_run(&f->ctx, "storage set r1 /a/b 1 --yes");
	reply(f, &f->ft, k + 11, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "parent"));
	cmd_run(&f->ctx, "storage move r1 /nope /title --yes");
	reply(f, &f->ft, k + 12, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), k + 13);
}

static void test_bad_input_is_refused_before_any_request(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
	    "storage set r1 /title '{\"a\":}'",
	    "storage set r1 /title '[1, 2'",
	    "storage set r1 /title '1 2'",
	    "storage set r1 title 1",
	    "storage set r1 '' 1",
	    "storage set r1 /title",
	    "storage set r1 /title 1 --live --plain",
	    "storage set r1 /title 1 --bogus",
	    "storage insert r1 /shapes 1 --at x",
	    "storage insert r1 /shapes 1 --at -1",
	    "storage move r1 /shapes /shapes/0",
	    "storage move r1 /a /a",
	    "storage delete r1 nope",
	    "storage set r1 /title @/nonexistent/file.json",
	    "room broadcast r1 '{'",
	    "room broadcast r1",
	    "room rename r1 ''",
	    "room rename r1 r1",
	    "room upsert r1",
	    "room upsert r1 --set a=1 --access room:fly",
	    "room copy r1 r1",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cmd_run(&f->ctx, lines[i]);
		if (f->last.status != LB_USAGE)
			fail_msg("'%s' gave %d: %s", lines[i], f->last.status, f->last.message);
	}
	assert_int_equal(f->done_calls, (int)(sizeof(lines) / sizeof(lines[0])));
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(f->ctx.running, 0);

	cmd_run(&f->ctx, "storage set r1 /title '{\"a\":\n  }'");
	assert_non_null(strstr(f->last.message, "line 2"));
	cmd_run(&f->ctx, "storage set r1 /title '[1, 2'");
	assert_non_null(strstr(f->last.message, "VALUE is not valid JSON"));
	cmd_run(&f->ctx, "storage set r1 title 1");
	assert_non_null(strstr(f->last.message, "JSON Pointer"));
}

static void test_read_only_refuses_before_any_request(void **state)
{
	struct fixture *f = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s", path_in(f, "doc.json"));
	write_text(path, doc, strlen(doc));
	static const char *const fmt[] = {
	    "storage set r1 /title 1 --yes",  "storage insert r1 /shapes 1 --yes",
	    "storage delete r1 /title --yes", "storage move r1 /shapes/0 /shapes/1 --yes",
	    "storage delete r1 --yes",        "storage init r1 %s --replace --yes",
	    "ydoc update r1 %s --yes",        "room upsert r1 --set a=b",
	    "room rename r1 r2 --yes",        "room broadcast r1 '{}'",
	    "room copy r1 r2 --yes",
	};
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		char line[512];
		snprintf(line, sizeof(line), fmt[i], path);
		cmd_run(&f->ctx, line);
		if (f->last.status != LB_READONLY)
			fail_msg("'%s' gave %d: %s", line, f->last.status, f->last.message);
	}
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(fake_count(&f->ft2), 0);
	assert_true(cmd_is_mutation("storage set r1 /a 1"));
	assert_true(cmd_is_mutation("storage delete r1"));
	assert_false(cmd_is_mutation("storage export r1 f"));

	/* Reading works, and so does a prewarm (it changes nothing). */
	cmd_run(&f->ctx, "storage r1");
	assert_int_equal(fake_count(&f->ft), 1);
	cmd_run(&f->ctx, "room prewarm r1");
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/prewarm");
	reply(f, &f->ft, 1, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "prewarmed room r1"));
	capture_start(f);
	reply(f, &f->ft, 0, 200, doc);
	capture_end(f);
}

/* ---- storage delete ROOM / init / export ----------------------------------- */

static void test_storage_delete_document(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage delete r1");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--yes"));
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "storage delete r1 --yes");
	expect(&f->ft, 0, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 0, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "deleted the Storage of room r1"));
}

static void test_tui_storage_delete_asks_for_the_id(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "storage delete r1");
	assert_int_equal(f->asked, 1);
	assert_non_null(strstr(f->prompt, "r1"));
	f->answer(f->answer_ctx, "r2");
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_non_null(strstr(f->last.message, "did not match"));
	cmd_run(&f->ctx, "storage delete r1");
	f->answer(f->answer_ctx, NULL);
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "storage delete r1");
	f->answer(f->answer_ctx, "r1");
	expect(&f->ft, 0, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 0, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 3);
}

static void test_storage_init(void **state)
{
	struct fixture *f = *state;
	char good[256], bad[256], line[600];

	snprintf(good, sizeof(good), "%s", path_in(f, "good.json"));
	snprintf(bad, sizeof(bad), "%s", path_in(f, "bad.json"));
	write_text(good, doc, strlen(doc));
	{
		static const char list_root[] = "{\"liveblocksType\":\"LiveList\",\"data\":[]}";
		write_text(bad, list_root, strlen(list_root));
	}

	snprintf(line, sizeof(line), "storage init r1 %s", bad);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "not a plain LSON"));
	cmd_run(&f->ctx, "storage init r1 /nonexistent/x.json");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "cannot read"));
	assert_int_equal(fake_count(&f->ft), 0);

	/* An empty Storage: a preview, and like every Storage write in batch
	 * mode, nothing without --yes. */
	snprintf(line, sizeof(line), "storage init r1 %s", good);
	cmd_run(&f->ctx, line);
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 0, 200, empty_doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "add --yes to apply"));
	assert_non_null(strstr(said(f), "Storage of room r1: initialize from "));
	assert_non_null(strstr(said(f), "6 nodes, 2 top-level keys: title, shapes"));
	assert_non_null(strstr(said(f), "with --yes, lbtui writes the document"));
	assert_int_equal(fake_count(&f->ft), 1);
	snprintf(line, sizeof(line), "storage init r1 %s --yes", good);
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 1, 200, empty_doc);
	expect(&f->ft, 2, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	assert_string_equal(fake_req(&f->ft, 2)->body, doc);
	reply(f, &f->ft, 2, 200, doc);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "initialized the Storage of room r1"));

	/* Storage exists: explain. */
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 3, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "already has Storage"));
	assert_non_null(strstr(f->last.message, "--replace"));
	assert_int_equal(fake_count(&f->ft), 4);

	/* --replace needs --yes in batch mode ... */
	snprintf(line, sizeof(line), "storage init r1 %s --replace", good);
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 4, 200, doc);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--yes"));
	assert_int_equal(fake_count(&f->ft), 5);
	/* ... and then re-reads, deletes and posts. */
	snprintf(line, sizeof(line), "storage init r1 %s --replace --yes", good);
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 5, 200, other_doc);
	expect(&f->ft, 6, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 6, 200, other_doc);
	expect(&f->ft, 7, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 7, 204, NULL);
	expect(&f->ft, 8, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 8, 200, doc);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "replaced the Storage of room r1"));
	assert_int_equal(count_kept(f, "storage-r1-"), 0);

	/* The write fails: read back, the document the room had is posted
	 * back. */
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 9, 200, other_doc);
	reply(f, &f->ft, 10, 200, other_doc);
	reply(f, &f->ft, 11, 204, NULL);
	expect(&f->ft, 12, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 12, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}");
	expect(&f->ft, 13, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 13, 200, empty_doc);
	expect(&f->ft, 14, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	assert_string_equal(fake_req(&f->ft, 14)->body, other_doc);
	reply(f, &f->ft, 14, 200, other_doc);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_non_null(strstr(f->last.message, "the previous document was put back"));
	assert_null(strstr(f->last.message, "saved"));
	assert_int_equal(count_kept(f, "storage-r1-"), 0);

	/* Putting it back fails too: it is kept in a file, and the message
	 * says where and how to put it back. */
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 15, 200, other_doc);
	reply(f, &f->ft, 16, 200, other_doc);
	reply(f, &f->ft, 17, 204, NULL);
	reply(f, &f->ft, 18, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}");
	reply(f, &f->ft, 19, 200, empty_doc);
	reply(f, &f->ft, 20, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom again\"}");
	reply(f, &f->ft, 21, 200, empty_doc);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_kept(f, "r1", other_doc);
	assert_int_equal(count_kept(f, "storage-r1-"), 1);
	assert_int_equal(fake_count(&f->ft), 22);

	/* Changed between the question and the write: refused. */
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 22, 200, doc);
	reply(f, &f->ft, 23, 200, other_doc);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "STORAGE_CHANGED");
	assert_int_equal(fake_count(&f->ft), 24);
}

/* A move between siblings whose names share a prefix ("/a", "/ab"): the
 * preview covers their common parent, so both ends show. */
static void test_tui_move_preview_shows_both_ends(void **state)
{
	struct fixture *f = *state;
	static const char two[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{"
	    "\"a\":{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":{\"liveblocksType\":"
	    "\"LiveObject\",\"data\":{\"k\":1}}}},"
	    "\"ab\":{\"liveblocksType\":\"LiveObject\",\"data\":{}}}}";

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage move r1 /a/x/k /ab/k");
	reply(f, &f->ft, k, 200, two);
	assert_int_equal(f->confirms, 1);
	assert_string_equal(f->title, "Storage of room r1: move /a/x/k to /ab/k");
	/* The removal under /a, then the addition under /ab. */
	const char *minus = strstr(f->preview, "-             \"k\": 1");
	const char *ab = strstr(f->preview, "\"ab\": {");
	const char *plus = strstr(f->preview, "+         \"k\": 1");
	assert_non_null(minus);
	assert_non_null(ab);
	assert_non_null(plus);
	assert_true(minus < ab && ab < plus);
	f->yes_no(f->yes_no_ctx, false);
}

/* Tab after a room completes Storage paths from the cache, one level at a
 * time. */
static void test_complete_storage_paths(void **state)
{
	struct fixture *f = *state;
	char *out[64];
	size_t start, n;

	/* Nothing cached yet: nothing offered, nothing loaded. */
	n = cmd_complete(&f->ctx, "storage set r1 /", 16, &start, out, 64);
	assert_int_equal(n, 0);
	assert_int_equal(fake_count(&f->ft), 0);

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage set r1 /title 1");
	reply(f, &f->ft, k, 200, doc);
	assert_int_equal(f->confirms, 1);
	f->yes_no(f->yes_no_ctx, false);

	n = cmd_complete(&f->ctx, "storage set r1 /", 16, &start, out, 64);
	assert_int_equal(start, 15);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "/title");
	assert_string_equal(out[1], "/shapes/");
	free_all(out, n);
	n = cmd_complete(&f->ctx, "storage move r1 /shapes/0/ /sh", 30, &start, out, 64);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "/shapes/");
	free_all(out, n);
	n = cmd_complete(&f->ctx, "storage delete r1 /shapes/", 26, &start, out, 64);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "/shapes/0/");
	assert_string_equal(out[1], "/shapes/1/");
	free_all(out, n);
	/* Not a path argument, or another room: nothing. */
	n = cmd_complete(&f->ctx, "storage set r1 /title /", 23, &start, out, 64);
	assert_int_equal(n, 0);
	n = cmd_complete(&f->ctx, "storage set r2 /", 16, &start, out, 64);
	assert_int_equal(n, 0);
	assert_int_equal(fake_count(&f->ft), k + 1);
}

static void test_tui_storage_init_replace_asks(void **state)
{
	struct fixture *f = *state;
	char good[256], line[600];

	snprintf(good, sizeof(good), "%s", path_in(f, "good.json"));
	write_text(good, doc, strlen(doc));
	snprintf(line, sizeof(line), "storage init r1 %s --replace", good);
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 0, 200, other_doc);
	assert_int_equal(f->asked, 1);
	f->answer(f->answer_ctx, "r1");
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 1, 200, other_doc);
	expect(&f->ft, 2, HTTP_DELETE, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 2, 204, NULL);
	expect(&f->ft, 3, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 3, 200, doc);
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 1);

	/* Into an empty Storage: previewed and asked too. */
	snprintf(line, sizeof(line), "storage init r1 %s", good);
	cmd_run(&f->ctx, line);
	reply(f, &f->ft, 4, 200, empty_doc);
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->title, "Storage of room r1: initialize from "));
	assert_non_null(strstr(f->preview, "applied, this writes the document"));
	assert_int_equal(fake_count(&f->ft), 5);
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 5, HTTP_POST, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 5, 200, doc);
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 2);
}

/* Refused because the Storage changed since the preview: the screen says
 * what changed and offers to start over from the new document. */
static void test_tui_refused_edit_previews_again(void **state)
{
	struct fixture *f = *state;
	/* Someone put a shape before the first: /shapes/0 is another one. */
	static const char shifted[] =
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"title\":\"hi\",\"shapes\":{"
	    "\"liveblocksType\":\"LiveList\",\"data\":["
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":0}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}},"
	    "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":2}}]}}}";

	learn_json_patch(f, true);
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "storage delete r1 /shapes/0");
	reply(f, &f->ft, k, 200, doc);
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "Applied, it goes as one atomic JSON-patch request, "
	                                   "with tests"));
	f->yes_no(f->yes_no_ctx, true);
	/* Guarded: the item that is removed. */
	assert_non_null(strstr(fake_req(&f->ft, k + 1)->body,
	                       "{\"op\":\"test\",\"path\":\"/shapes/0\",\"value\":"
	                       "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":1}}}"));
	reply(f, &f->ft, k + 1, 422,
	      "{\"error\":\"INVALID_STORAGE_MUTATION_REQUEST\",\"message\":\"test failed\"}");
	reply(f, &f->ft, k + 2, 200, shifted);
	/* Asked, with what changed. */
	assert_int_equal(f->confirms, 2);
	assert_string_equal(f->title, "Storage of room r1 changed");
	assert_non_null(strstr(f->preview, "(changed: /shapes/0)"));
	assert_non_null(strstr(f->preview, "Re-read it and preview the change again?"));
	assert_int_equal(f->done_calls, 0);
	/* Yes: the same command against the document as it is now. */
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, k + 3, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, k + 3, 200, shifted);
	assert_int_equal(f->confirms, 3);
	assert_non_null(strstr(f->preview, "\"x\": 0"));
	f->yes_no(f->yes_no_ctx, true);
	assert_non_null(strstr(fake_req(&f->ft, k + 4)->body,
	                       "{\"op\":\"test\",\"path\":\"/shapes/0\",\"value\":"
	                       "{\"liveblocksType\":\"LiveObject\",\"data\":{\"x\":0}}}"));
	reply(f, &f->ft, k + 4, 200, "{}");
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 1);

	/* No: the refusal, naming what changed, ends the command. */
	cmd_run(&f->ctx, "storage delete r1 /shapes/0");
	reply(f, &f->ft, k + 5, 200, doc);
	f->yes_no(f->yes_no_ctx, true);
	reply(f, &f->ft, k + 6, 422,
	      "{\"error\":\"INVALID_STORAGE_MUTATION_REQUEST\",\"message\":\"test failed\"}");
	reply(f, &f->ft, k + 7, 200, shifted);
	f->yes_no(f->yes_no_ctx, false);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_string_equal(f->last.code, "STORAGE_CHANGED");
	assert_non_null(strstr(f->last.message, "(changed: /shapes/0)"));
	assert_int_equal(f->done_calls, 2);
	assert_int_equal(fake_count(&f->ft), k + 8);
	assert_int_equal(f->ctx.running, 0);
}

static void test_storage_export(void **state)
{
	struct fixture *f = *state;
	char out[256], line[600];
	size_t len;

	snprintf(out, sizeof(out), "%s", path_in(f, "out.json"));
	snprintf(line, sizeof(line), "storage export r1 %s", out);
	cmd_run(&f->ctx, line);
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/storage");
	reply(f, &f->ft, 0, 200, doc);
	assert_int_equal(f->last.status, LB_OK);
	char *written = slurp(out, &len);
	assert_string_equal(written, doc);
	free(written);
	assert_non_null(strstr(said(f), "exported the Storage of room r1"));

	/* Never over an existing file without --force. */
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--force"));
	assert_int_equal(fake_count(&f->ft), 1);

	snprintf(line, sizeof(line), "storage export r1 %s --force --format json", out);
	cmd_run(&f->ctx, line);
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/storage?format=json");
	reply(f, &f->ft, 1, 200, "{\"title\":\"hi\"}");
	assert_int_equal(f->last.status, LB_OK);
	written = slurp(out, &len);
	assert_string_equal(written, "{\"title\":\"hi\"}");
	free(written);
}

/* ---- ydoc -------------------------------------------------------------------- */

static void test_ydoc_batch(void **state)
{
	struct fixture *f = *state;
	char file[256], line[600];
	size_t len;

	/* Watch mode needs the screen, options or not. */
	cmd_run(&f->ctx, "ydoc r1 --key text --watch");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "screen"));
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "ydoc r1 --formatting --key text --type ytext");
	expect(&f->ft, 0, HTTP_GET,
	       "http://lb.test/v2/rooms/r1/ydoc?formatting=true&key=text&type=ytext");
	capture_start(f);
	reply(f, &f->ft, 0, 200, "{\"text\":\"hello\"}");
	assert_string_equal(capture_end(f), "{\"text\":\"hello\"}\n");
	assert_int_equal(f->last.status, LB_OK);

	snprintf(file, sizeof(file), "%s", path_in(f, "doc.bin"));
	snprintf(line, sizeof(line), "ydoc export r1 %s --guid sub1", file);
	cmd_run(&f->ctx, line);
	expect(&f->ft, 1, HTTP_GET, "http://lb.test/v2/rooms/r1/ydoc-binary?guid=sub1");
	reply(f, &f->ft, 1, 200, "\x01\x02\x03\xff");
	assert_int_equal(f->last.status, LB_OK);
	char *bytes = slurp(file, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(bytes, "\x01\x02\x03\xff", 4);
	free(bytes);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 2);

	/* An update: previewed, sent only with --yes. */
	snprintf(line, sizeof(line), "ydoc update r1 %s", file);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(said(f), "4 bytes"));
	assert_int_equal(fake_count(&f->ft), 2);
	snprintf(line, sizeof(line), "ydoc update r1 %s --guid sub1 --yes", file);
	cmd_run(&f->ctx, line);
	const struct fake_request *r = fake_req(&f->ft, 2);
	expect(&f->ft, 2, HTTP_PUT, "http://lb.test/v2/rooms/r1/ydoc?guid=sub1");
	assert_int_equal(r->body_len, 4);
	assert_memory_equal(r->body, "\x01\x02\x03\xff", 4);
	assert_string_equal(fake_header(r, "Content-Type"), "application/octet-stream");
	reply(f, &f->ft, 2, 200, "{\"success\":true}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "sent a Yjs update of 4 bytes to room r1"));
}

static void test_tui_ydoc_update_confirms(void **state)
{
	struct fixture *f = *state;
	char file[256], line[600];

	snprintf(file, sizeof(file), "%s", path_in(f, "u.bin"));
	write_text(file, "\x00\x00\x01", 3);
	snprintf(line, sizeof(line), "ydoc update r1 %s", file);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "3 bytes"));
	assert_int_equal(fake_count(&f->ft), 0);
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 0, HTTP_PUT, "http://lb.test/v2/rooms/r1/ydoc");
	assert_int_equal(fake_req(&f->ft, 0)->body_len, 3);
	reply(f, &f->ft, 0, 200, "{\"success\":true}");
	assert_int_equal(f->last.status, LB_OK);
}

/* ---- users ---------------------------------------------------------------- */

static void test_users(void **state)
{
	struct fixture *f = *state;
	static const char users[] =
	    "{\"data\":[{\"type\":\"user\",\"id\":\"alice\",\"connectionId\":16,\"info\":"
	    "{\"name\":\"Alice\"}},{\"type\":\"user\",\"id\":null,\"connectionId\":20,"
	    "\"info\":{}}]}";

	cmd_run(&f->ctx, "users r1");
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/rooms/r1/active-users");
	reset_said(f);
	reply(f, &f->ft, 0, 200, users);
	const char *out = said(f);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(out, "CONNECTION"));
	assert_non_null(strstr(out, "alice"));
	assert_non_null(strstr(out, "16"));
	assert_non_null(strstr(out, "Alice"));
	assert_non_null(strstr(out, "(anonymous)"));

	f->ctx.host.json = true;
	cmd_run(&f->ctx, "users r1");
	capture_start(f);
	if (fake_pending(&f->ft))
		reply(f, &f->ft, 1, 200, users);
	out = capture_end(f);
	assert_non_null(strstr(out, "\"id\":\"alice\""));
	assert_non_null(strstr(out, "\"connectionId\":16"));
	assert_non_null(strstr(out, "\"name\":\"Alice\""));
	assert_non_null(strstr(out, "\"id\":null"));
	cmd_run(&f->ctx, "users r1 --poll");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--watch"));
}

/* ---- room administration ---------------------------------------------------- */

static void test_room_upsert(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room upsert r1 --set color=red --grant-user bob=room:read "
	                 "--create-private --create-metadata team=a");
	expect(&f->ft, 0, HTTP_POST, "http://lb.test/v2/rooms/r1/upsert");
	const char *body = fake_req(&f->ft, 0)->body;
	assert_non_null(strstr(body, "\"update\":{"));
	assert_non_null(strstr(body, "\"color\":\"red\""));
	assert_non_null(strstr(body, "\"bob\":[\"room:read\"]"));
	assert_non_null(strstr(body, "\"create\":{"));
	assert_non_null(strstr(body, "\"defaultAccesses\":[]"));
	assert_non_null(strstr(body, "\"team\":\"a\""));
	reply(f, &f->ft, 0, 200, room_r1);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "upserted room r1"));

	/* Without --create-... options, no create part. */
	cmd_run(&f->ctx, "room upsert r1 --public");
	body = fake_req(&f->ft, 1)->body;
	assert_null(strstr(body, "\"create\""));
	assert_non_null(strstr(body, "\"defaultAccesses\":[\"room:write\"]"));
	reply(f, &f->ft, 1, 200, room_r1);
	assert_int_equal(f->last.status, LB_OK);
}

static void test_room_rename(void **state)
{
	struct fixture *f = *state;
	char long_id[200];

	memset(long_id, 'a', 129);
	long_id[129] = '\0';
	char line[300];
	snprintf(line, sizeof(line), "room rename r1 %s --yes", long_id);
	cmd_run(&f->ctx, line);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "128"));
	cmd_run(&f->ctx, "room rename r1 \"a\tb\" --yes");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "control"));
	cmd_run(&f->ctx, "room rename r1 r2");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--yes"));
	assert_int_equal(fake_count(&f->ft), 0);

	memset(long_id, 'a', 128);
	long_id[128] = '\0';
	snprintf(line, sizeof(line), "room rename r1 %s --yes", long_id);
	cmd_run(&f->ctx, line);
	assert_int_equal(fake_count(&f->ft), 1);
	fake_cancel(&f->ft, 0);

	cmd_run(&f->ctx, "room rename r1 r2 --yes");
	expect(&f->ft, 1, HTTP_POST, "http://lb.test/v2/rooms/r1/update-room-id");
	assert_non_null(strstr(fake_req(&f->ft, 1)->body, "\"newRoomId\":\"r2\""));
	reply(f, &f->ft, 1, 200, room_r2);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "renamed room r1 to r2"));
}

static void test_tui_rename_asks_and_follows(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room rename r1 r2");
	assert_int_equal(f->asked, 1);
	f->answer(f->answer_ctx, "r2");
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 0);

	cmd_run(&f->ctx, "room rename r1 r2");
	f->answer(f->answer_ctx, "r1");
	expect(&f->ft, 0, HTTP_POST, "http://lb.test/v2/rooms/r1/update-room-id");
	reply(f, &f->ft, 0, 200, room_r2);
	assert_int_equal(f->last.status, LB_OK);
	assert_string_equal(f->shown_room, "r2");
}

static void test_room_broadcast(void **state)
{
	struct fixture *f = *state;
	char file[256], line[600];

	cmd_run(&f->ctx, "room broadcast r1 '{\"type\":\"EMOJI\",\"emoji\":\"🔥\"}'");
	expect(&f->ft, 0, HTTP_POST, "http://lb.test/v2/rooms/r1/broadcast-event");
	assert_string_equal(fake_req(&f->ft, 0)->body, "{\"type\":\"EMOJI\",\"emoji\":\"🔥\"}");
	reply(f, &f->ft, 0, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "broadcast an event"));

	snprintf(file, sizeof(file), "%s", path_in(f, "event.json"));
	write_text(file, "[1, 2, 3]\n", 10);
	snprintf(line, sizeof(line), "room broadcast r1 @%s", file);
	cmd_run(&f->ctx, line);
	assert_string_equal(fake_req(&f->ft, 1)->body, "[1, 2, 3]\n");
	reply(f, &f->ft, 1, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);

	cmd_run(&f->ctx, "room broadcast r1 '{\"a\": tru}'");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "column"));
	cmd_run(&f->ctx, "room broadcast r1 --edit");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "terminal"));
	assert_int_equal(fake_count(&f->ft), 2);
}

static void test_tui_broadcast_with_editor(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "{\"type\":\"PING\"}";
	cmd_run(&f->ctx, "room broadcast r1 --edit");
	assert_int_equal(f->edits, 1);
	expect(&f->ft, 0, HTTP_POST, "http://lb.test/v2/rooms/r1/broadcast-event");
	assert_string_equal(fake_req(&f->ft, 0)->body, "{\"type\":\"PING\"}");
	reply(f, &f->ft, 0, 204, NULL);
	assert_int_equal(f->last.status, LB_OK);

	f->edit_result = "   \n";
	cmd_run(&f->ctx, "room broadcast r1 --edit");
	assert_int_equal(f->last.status, LB_CANCELLED);
	assert_int_equal(fake_count(&f->ft), 1);

	/* Refused by the server: what was written is kept. */
	f->edit_result = "{\"type\":\"PONG\"}";
	cmd_run(&f->ctx, "room broadcast r1 --edit");
	reply(f, &f->ft, 1, 400, "{\"error\":\"BAD\",\"message\":\"no\"}");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_edit_kept(f, "r1", "{\"type\":\"PONG\"}");
	/* A broadcast typed on the command line is not. */
	cmd_run(&f->ctx, "room broadcast r1 '{\"type\":\"X\"}'");
	reply(f, &f->ft, 2, 400, "{\"error\":\"BAD\",\"message\":\"no\"}");
	assert_null(strstr(f->last.message, "saved"));
}

/* Where the state directory cannot be made, $TMPDIR takes the file. */
static void test_kept_in_tmpdir_when_state_dir_fails(void **state)
{
	struct fixture *f = *state;
	char blocker[128], want[160];

	snprintf(blocker, sizeof(blocker), "%s/not-a-dir", f->dir);
	write_text(blocker, "x", 1);
	setenv("XDG_STATE_HOME", blocker, 1);
	setenv("TMPDIR", f->dir, 1);
	f->edit_result = "{\"type\":\"PONG\"}";
	cmd_run(&f->ctx, "room broadcast r1 --edit");
	reply(f, &f->ft, 0, 400, "{\"error\":\"BAD\",\"message\":\"no\"}");
	unsetenv("TMPDIR");
	snprintf(want, sizeof(want), "(give it again as @%s/edit-r1-", f->dir);
	assert_non_null(strstr(f->last.message, want));
}

/* ---- room copy -------------------------------------------------------------- */

/* Answer the three loads of a copy, in whatever order they were sent: the
 * source room and its Storage (this project), the target room (dst). */
static void answer_copy_loads(struct fixture *f, struct fake_transport *dst, const char *storage,
                              long target_status, const char *target)
{
	const char *dst_base = dst == &f->ft2 ? "http://local.test" : "http://lb.test";
	char room_url[128], storage_url[128], target_url[128];
	int answered = 0;

	snprintf(room_url, sizeof(room_url), "http://lb.test/v2/rooms/r1");
	snprintf(storage_url, sizeof(storage_url), "http://lb.test/v2/rooms/r1/storage");
	snprintf(target_url, sizeof(target_url), "%s/v2/rooms/r2", dst_base);
	for (int pass = 0; pass < 2; pass++) {
		struct fake_transport *ft = pass ? dst : &f->ft;
		if (pass && dst == &f->ft)
			break;
		size_t n = fake_count(ft);
		for (size_t i = 0; i < n; i++) {
			const struct fake_request *r = fake_req(ft, i);
			if (r->finished)
				continue;
			assert_int_equal(r->method, HTTP_GET);
			if (!strcmp(r->url, storage_url) && ft == &f->ft)
				reply(f, ft, i, 200, storage);
			else if (!strcmp(r->url, room_url) && ft == &f->ft)
				reply(f, ft, i, 200, room_r1);
			else if (!strcmp(r->url, target_url) && ft == dst)
				reply(f, ft, i, target_status, target);
			else
				fail_msg("unexpected request %s", r->url);
			answered++;
		}
	}
	assert_int_equal(answered, 3);
}

static void test_copy_from_read_only_source_to_another_profile(void **state)
{
	struct fixture *f = *state;

	/* The context (the source) is read-only; the target is not. */
	cmd_run(&f->ctx, "room copy r1 r2 --to-profile local");
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(fake_count(&f->ft2), 1);
	expect(&f->ft2, 0, HTTP_GET, "http://local.test/v2/rooms/r2");
	answer_copy_loads(f, &f->ft2, doc, 404, not_found);
	/* Then the Yjs document of the source. */
	assert_int_equal(fake_count(&f->ft), 3);
	expect(&f->ft, 2, HTTP_GET, "http://lb.test/v2/rooms/r1/ydoc-binary");
	reply(f, &f->ft, 2, 200, "\x01\x05\x09\x0a\x0b");
	/* Batch mode: the summary, and --yes is needed. */
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "--yes"));
	assert_non_null(strstr(said(f), "Copy room r1 to r2 in profile local"));
	assert_non_null(strstr(said(f), "metadata 1 key, accesses 1 user 0 groups, storage 6 "
	                                "nodes, yjs 5 bytes"));
	assert_int_equal(fake_count(&f->ft2), 1);

	reset_said(f);
	cmd_run(&f->ctx, "room copy r1 r2 --to-profile local --yes");
	answer_copy_loads(f, &f->ft2, doc, 404, not_found);
	reply(f, &f->ft, 5, 200, "\x01\x05\x09\x0a\x0b");
	/* Writes go to the target only. */
	assert_int_equal(fake_count(&f->ft), 6);
	expect(&f->ft2, 2, HTTP_POST, "http://local.test/v2/rooms");
	const char *body = fake_req(&f->ft2, 2)->body;
	assert_non_null(strstr(body, "\"id\":\"r2\""));
	assert_non_null(strstr(body, "\"color\":\"blue\""));
	assert_non_null(strstr(body, "\"alice\":[\"room:write\"]"));
	assert_non_null(strstr(body, "\"defaultAccesses\":[\"room:write\"]"));
	/* The organization belongs to the source project. */
	assert_null(strstr(body, "organizationId"));
	reply(f, &f->ft2, 2, 200, room_r2);
	expect(&f->ft2, 3, HTTP_POST, "http://local.test/v2/rooms/r2/storage");
	assert_string_equal(fake_req(&f->ft2, 3)->body, doc);
	reply(f, &f->ft2, 3, 200, doc);
	expect(&f->ft2, 4, HTTP_PUT, "http://local.test/v2/rooms/r2/ydoc");
	assert_int_equal(fake_req(&f->ft2, 4)->body_len, 5);
	assert_memory_equal(fake_req(&f->ft2, 4)->body, "\x01\x05\x09\x0a\x0b", 5);
	reply(f, &f->ft2, 4, 200, "{\"success\":true}");
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "copied room r1 to r2 in profile local: metadata 1 key"));
	assert_int_equal(fake_count(&f->ft), 6);
	assert_int_equal(fake_count(&f->ft2), 5);
	assert_int_equal(f->ctx.running, 0);

	/* The same project is read-only: refused before any request. */
	cmd_run(&f->ctx, "room copy r1 r2 --yes");
	assert_int_equal(f->last.status, LB_READONLY);
	cmd_run(&f->ctx, "room copy r1 r2 --to-profile nope --yes");
	assert_int_equal(f->last.status, LB_CONFIG);
	assert_int_equal(fake_count(&f->ft), 6);
	assert_int_equal(fake_count(&f->ft2), 5);
}

static void test_copy_to_read_only_target_is_refused(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room copy r1 r2 --to-profile local --yes");
	assert_int_equal(f->last.status, LB_READONLY);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(fake_count(&f->ft2), 0);
}

static void test_copy_within_project(void **state)
{
	struct fixture *f = *state;

	/* The target exists: refused without --into-existing. */
	cmd_run(&f->ctx, "room copy r1 r2 --yes");
	assert_int_equal(fake_count(&f->ft), 3);
	answer_copy_loads(f, &f->ft, doc, 200, room_r2);
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "already exists"));
	assert_non_null(strstr(f->last.message, "--into-existing"));
	assert_int_equal(fake_count(&f->ft), 3);

	/* Into the existing room: update, replace Storage, merge Yjs. An
	 * empty Yjs document is not sent. */
	size_t k = fake_count(&f->ft);
	cmd_run(&f->ctx, "room copy r1 r2 --into-existing --yes");
	answer_copy_loads(f, &f->ft, empty_doc, 200, room_r2);
	expect(&f->ft, k + 3, HTTP_GET, "http://lb.test/v2/rooms/r1/ydoc-binary");
	reply(f, &f->ft, k + 3, 200, "\x00\x00");
	assert_non_null(strstr(said(f), "storage empty, yjs empty"));
	assert_non_null(strstr(said(f), "Storage is replaced"));
	expect(&f->ft, k + 4, HTTP_POST, "http://lb.test/v2/rooms/r2");
	assert_non_null(strstr(fake_req(&f->ft, k + 4)->body, "\"color\":\"blue\""));
	reply(f, &f->ft, k + 4, 200, room_r2);
	expect(&f->ft, k + 5, HTTP_DELETE, "http://lb.test/v2/rooms/r2/storage");
	reply(f, &f->ft, k + 5, 204, NULL);
	assert_int_equal(fake_count(&f->ft), k + 6);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "copied room r1 to r2: "));
	/* A target with Storage of its own: replaced as safely as init
	 * --replace; when the write and the way back both fail, the target's
	 * old document is kept in a file. */
	k = fake_count(&f->ft);
	cmd_run(&f->ctx, "room copy r1 r2 --into-existing --yes");
	answer_copy_loads(f, &f->ft, doc, 200, room_r2);
	reply(f, &f->ft, k + 3, 200, "\x00\x00");
	reply(f, &f->ft, k + 4, 200, room_r2);
	expect(&f->ft, k + 5, HTTP_GET, "http://lb.test/v2/rooms/r2/storage");
	reply(f, &f->ft, k + 5, 200, other_doc);
	expect(&f->ft, k + 6, HTTP_DELETE, "http://lb.test/v2/rooms/r2/storage");
	reply(f, &f->ft, k + 6, 204, NULL);
	expect(&f->ft, k + 7, HTTP_POST, "http://lb.test/v2/rooms/r2/storage");
	assert_string_equal(fake_req(&f->ft, k + 7)->body, doc);
	reply(f, &f->ft, k + 7, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}");
	expect(&f->ft, k + 8, HTTP_GET, "http://lb.test/v2/rooms/r2/storage");
	reply(f, &f->ft, k + 8, 200, empty_doc);
	expect(&f->ft, k + 9, HTTP_POST, "http://lb.test/v2/rooms/r2/storage");
	assert_string_equal(fake_req(&f->ft, k + 9)->body, other_doc);
	reply(f, &f->ft, k + 9, 500, "{\"error\":\"INTERNAL\",\"message\":\"boom\"}");
	reply(f, &f->ft, k + 10, 200, empty_doc);
	assert_int_equal(f->last.status, LB_HTTP);
	assert_non_null(strstr(f->last.message, "copy stopped at the Storage"));
	assert_kept(f, "r2", other_doc);
}

static void test_tui_copy_confirms_and_reports_a_failed_step(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "room copy r1 r2");
	answer_copy_loads(f, &f->ft, doc, 404, not_found);
	reply(f, &f->ft, 3, 200, "\x01\x02\x03");
	assert_int_equal(f->confirms, 1);
	assert_string_equal(f->title, "Copy room r1 to r2");
	assert_non_null(strstr(f->preview, "storage 6 nodes"));
	assert_non_null(strstr(f->preview, "will be created"));
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 4, HTTP_POST, "http://lb.test/v2/rooms");
	/* Within one project the organization is kept. */
	assert_non_null(strstr(fake_req(&f->ft, 4)->body, "\"organizationId\":\"default\""));
	reply(f, &f->ft, 4, 200, room_r2);
	expect(&f->ft, 5, HTTP_POST, "http://lb.test/v2/rooms/r2/storage");
	reply(f, &f->ft, 5, 422, "{\"error\":\"UNPROCESSABLE_ENTITY\",\"message\":\"Bad doc\"}");
	assert_int_equal(f->last.status, LB_HTTP);
	assert_non_null(strstr(f->last.message, "copy stopped at the Storage"));
	assert_non_null(strstr(f->last.message, "Bad doc"));
	assert_int_equal(fake_count(&f->ft), 6);
	assert_int_equal(f->done_calls, 1);
}

/* ---- helpers exposed for the hosts -------------------------------------- */

static void test_edit_external_runs_the_editor(void **state)
{
	struct lb_error err;
	char *out = NULL;

	setenv("VISUAL", "", 1);
	setenv("EDITOR", "sed -i s/1/42/", 1);
	assert_true(cmd_edit_external("{\"x\": 1}\n", &out, &err));
	assert_string_equal(out, "{\"x\": 42}\n");
	free(out);

	setenv("EDITOR", "false", 1);
	assert_false(cmd_edit_external("1", &out, &err));
	assert_int_equal(err.status, LB_CANCELLED);
	assert_null(out);
	setenv("EDITOR", "exit 127;", 1);
	assert_false(cmd_edit_external("1", &out, &err));
	assert_int_equal(err.status, LB_CONFIG);
	unsetenv("EDITOR");
	unsetenv("VISUAL");
}

static void test_help_lists_the_commands(void **state)
{
	char *h = cmd_help(NULL);
	static const char *const names[] = {
	    "storage [ROOM]",  "storage set",    "storage insert",  "storage delete",
	    "storage move",    "storage init",   "storage export",  "ydoc [ROOM]",
	    "ydoc export",     "ydoc update",    "users",           "room upsert",
	    "room rename",
	    "room prewarm",    "room broadcast", "room copy",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strstr(h, names[i]))
			fail_msg("help does not list '%s'", names[i]);
	free(h);
	h = cmd_help("storage set");
	assert_non_null(strstr(h, "--live-map"));
	assert_non_null(strstr(h, "--edit"));
	free(h);
	h = cmd_help("room copy");
	assert_non_null(strstr(h, "--to-profile"));
	assert_non_null(strstr(h, "--into-existing"));
	free(h);
	/* A copy writes, though read-only mode judges it by its target. */
	assert_true(cmd_is_mutation("room copy a b"));
	assert_true(cmd_is_mutation("room rename a b"));
	assert_false(cmd_is_mutation("room prewarm a"));
	assert_true(cmd_is_mutation("ydoc update a f"));
	assert_false(cmd_is_mutation("ydoc export a f"));
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edit_external_runs_the_editor),
	    cmocka_unit_test(test_help_lists_the_commands),
	    cmocka_unit_test_setup_teardown(test_storage_prints_the_body_as_sent, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_storage_options, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_opens_views, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_ydoc_options_open_view, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_set_batch_shows_preview_and_needs_yes, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_set_falls_back_to_read_modify_write, setup_batch,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_set_tui_confirms, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_set_with_editor, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_set_plain_object_rewrites, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_plain_array_from_editor, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_insert_delete_move_patches, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_input_is_refused_before_any_request,
	                                    setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_before_any_request, setup_ro,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_storage_delete_document, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_storage_delete_asks_for_the_id, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_storage_init, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_complete_storage_paths, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_move_preview_shows_both_ends, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tui_storage_init_replace_asks, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tui_refused_edit_previews_again, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_storage_export, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_ydoc_batch, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_ydoc_update_confirms, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_users, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_room_upsert, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_room_rename, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_rename_asks_and_follows, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_room_broadcast, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_in_tmpdir_when_state_dir_fails, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tui_broadcast_with_editor, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_copy_from_read_only_source_to_another_profile,
	                                    setup_ro, teardown),
	    cmocka_unit_test_setup_teardown(test_copy_to_read_only_target_is_refused, setup_both_ro,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_copy_within_project, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_tui_copy_confirms_and_reports_a_failed_step,
	                                    setup_tui, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
