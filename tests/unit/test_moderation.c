/* Bulk actions on threads and comments (src/res/moderation.c) on a fake
 * transport: what each action sends, once per item; failures kept with
 * their reasons and sent again by a retry; a 429 waited out; a delete
 * that reads again first and refuses what changed, after everything it
 * could lose was saved to one file, and sends nothing when that cannot be
 * saved; what is refused before anything is sent; the undo plans; the
 * sentences. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cJSON.h>

#include "bulk.h"
#include "files.h"
#include "model_fixture.h"
#include "moderation.h"
#include "threads.h"

#define RATE_LIMITED "{\"error\":\"RATE_LIMITED\",\"message\":\"Too many requests\"}"
#define NOT_FOUND    "{\"error\":\"RESOURCE_NOT_FOUND\",\"message\":\"Comment not found\"}"

#define BODY(text)                                                                                 \
	"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"" text      \
	"\"}]}]}"

/* A comment of thread th in room r, with its reactions (a JSON list). */
static char *comment_json(const char *r, const char *th, const char *id, const char *text,
                          const char *reactions)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b,
	           "{\"type\":\"comment\",\"id\":\"%s\",\"threadId\":\"%s\",\"roomId\":\"%s\","
	           "\"userId\":\"alice\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","
	           "\"body\":{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":"
	           "[{\"text\":\"%s\"}]}]},\"reactions\":%s,\"attachments\":[],\"metadata\":{}}",
	           id, th, r, text, reactions ? reactions : "[]");
	assert_non_null(b.data);
	return buf_steal(&b);
}

/* Thread th of room r with one comment cm_<th>. */
static char *thread_json(const char *r, const char *th, bool resolved, const char *metadata,
                         const char *reactions)
{
	char cid[64];
	char *c;
	struct buf b;

	snprintf(cid, sizeof(cid), "cm_%s", th);
	c = comment_json(r, th, cid, "hello", reactions);
	buf_init(&b);
	buf_printf(&b,
	           "{\"type\":\"thread\",\"id\":\"%s\",\"roomId\":\"%s\","
	           "\"createdAt\":\"2024-05-01T10:00:00.000Z\","
	           "\"updatedAt\":\"2024-05-01T10:00:00.000Z\",\"metadata\":%s,\"resolved\":%s,"
	           "\"comments\":[%s]}",
	           th, r, metadata ? metadata : "{}", resolved ? "true" : "false", c);
	free(c);
	assert_non_null(b.data);
	return buf_steal(&b);
}

/* Up to 8 targets and the strings they point to. */
struct targets {
	struct mod_target t[8];
	char *owned[32];
	size_t n, n_owned;
};

static const char *keep(struct targets *ts, char *s)
{
	assert_true(ts->n_owned < 32);
	ts->owned[ts->n_owned++] = s;
	return s;
}

static void add_thread(struct targets *ts, const char *r, const char *th, bool resolved,
                       const char *metadata)
{
	struct mod_target *t = &ts->t[ts->n++];

	t->room_id = r;
	t->thread_id = th;
	t->seen_json = keep(ts, thread_json(r, th, resolved, metadata, NULL));
}

static void add_comment(struct targets *ts, const char *r, const char *th, const char *cm,
                        const char *reactions)
{
	struct mod_target *t = &ts->t[ts->n++];

	t->room_id = r;
	t->thread_id = th;
	t->comment_id = cm;
	t->seen_json = keep(ts, comment_json(r, th, cm, "hello", reactions));
}

static void targets_free(struct targets *ts)
{
	for (size_t i = 0; i < ts->n_owned; i++)
		free(ts->owned[i]);
	memset(ts, 0, sizeof(*ts));
}

static struct resource *moderate(struct fx *f, const struct mod_request *rq,
                                 const struct targets *ts, char **saved)
{
	struct lb_error err;
	struct resource *r = model_moderate(f->m, rq, ts->t, ts->n, saved, &err);

	if (!r)
		fail_msg("refused: %s", err.message);
	return r;
}

/* Request k: method, path after the base, body (NULL: none). */
static void sent(struct fx *f, size_t k, enum http_method method, const char *path,
                 const char *body)
{
	const struct fake_request *q = fake_req(&f->ft, k);
	char url[512];

	assert_non_null(q);
	snprintf(url, sizeof(url), BASE "/v2/rooms/%s", path);
	assert_string_equal(http_method_name(q->method), http_method_name(method));
	assert_string_equal(q->url, url);
	if (body)
		assert_string_equal(q->body ? q->body : "(none)", body);
	else
		assert_null(q->body);
	assert_int_equal(q->idempotent, method == HTTP_GET);
}

/* Answer every pending request with status and body. */
static void answer_all(struct fx *f, long status, const char *body)
{
	for (size_t k = 0; k < fake_count(&f->ft); k++)
		if (!fake_req(&f->ft, k)->finished)
			assert_true(fake_complete(&f->ft, k, status, body));
}

static int count_method(struct fx *f, enum http_method m)
{
	int n = 0;

	for (size_t k = 0; k < fake_count(&f->ft); k++)
		n += fake_req(&f->ft, k)->method == m;
	return n;
}

/* ------------------------------------------------------------------ */

static void test_describe(void **state)
{
	struct targets ts = {0};
	struct mod_request rq = {.user_id = "mod", .emoji = "👍"};
	char *s;

	(void)state;
	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", false, NULL);
	add_thread(&ts, "r2", "th_3", false, NULL);
#define SAYS(act, count, want)                                                                     \
	do {                                                                                       \
		rq.action = act;                                                                   \
		s = mod_describe(&rq, ts.t, count);                                                \
		assert_non_null(s);                                                                \
		assert_string_equal(s, want);                                                      \
		free(s);                                                                           \
	} while (0)
	SAYS(MOD_RESOLVE, 3, "resolve 3 threads in 2 rooms, as mod");
	SAYS(MOD_RESOLVE, 1, "resolve 1 thread in 1 room, as mod");
	SAYS(MOD_UNRESOLVE, 2, "unresolve 2 threads in 1 room, as mod");
	SAYS(MOD_DELETE_THREAD, 3,
	     "delete 3 threads in 2 rooms, with their comments: permanent, the API cannot bring "
	     "them back (a copy is saved first)");
	SAYS(MOD_DELETE_COMMENT, 3,
	     "delete 3 comments in 2 rooms: permanent, the API cannot bring them back (a copy is "
	     "saved first)");
	SAYS(MOD_REACT, 3, "react 👍 to 3 comments in 2 rooms, as mod");
	SAYS(MOD_UNREACT, 1, "remove the 👍 reaction from 1 comment in 1 room, as mod");
	SAYS(MOD_SUBSCRIBE, 3, "subscribe mod to 3 threads in 2 rooms");
	SAYS(MOD_UNSUBSCRIBE, 2, "unsubscribe mod from 2 threads in 1 room");
	rq.metadata_json = "{\"status\":\"closed\",\"priority\":2,\"old\":null,\"x\":null}";
	SAYS(MOD_METADATA, 3,
	     "set status=closed, priority=2 and remove old, x on 3 threads in 2 rooms, as mod");
	rq.metadata_json = "{\"old\":null}";
	SAYS(MOD_METADATA, 1, "remove old on 1 thread in 1 room, as mod");
	ts.t[0].metadata_json = "{\"old\":1}";
	SAYS(MOD_METADATA, 1, "restore the metadata of 1 thread in 1 room, as mod");
#undef SAYS
	targets_free(&ts);
}

/* Each action's request, sent once per item. */
static void test_each_action_sends_once(void **state)
{
	static const struct {
		enum mod_action action;
		const char *path; /* after ROOM/threads/THREAD */
		const char *body;
	} cases[] = {
	    {MOD_RESOLVE, "/mark-as-resolved", "{\"userId\":\"mod\"}"},
	    {MOD_UNRESOLVE, "/mark-as-unresolved", "{\"userId\":\"mod\"}"},
	    {MOD_METADATA, "/metadata",
	     "{\"metadata\":{\"status\":\"closed\"},\"userId\":\"mod\"}"},
	    {MOD_REACT, "/comments/cm_X/add-reaction", "{\"emoji\":\"👍\",\"userId\":\"mod\"}"},
	    {MOD_UNREACT, "/comments/cm_X/remove-reaction", "{\"emoji\":\"👍\",\"userId\":\"mod\"}"},
	    {MOD_SUBSCRIBE, "/subscribe", "{\"userId\":\"mod\"}"},
	    {MOD_UNSUBSCRIBE, "/unsubscribe", "{\"userId\":\"mod\"}"},
	};
	struct fx *f = *state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct mod_request rq = {.action = cases[c].action,
		                         .user_id = "mod",
		                         .metadata_json = "{\"status\":\"closed\"}",
		                         .emoji = "👍"};
		struct targets ts = {0};
		size_t first = fake_count(&f->ft);
		char *saved = (char *)"not touched";
		const char *rooms[] = {"r1", "r1", "r 2", "r3", "r3", "r3"};
		const char *ids[] = {"th_a", "th_b", "th_c", "th_d", "th_e", "th_f"};
		struct resource *r;
		struct bulk_progress p;

		for (size_t i = 0; i < 6; i++) {
			add_thread(&ts, rooms[i], ids[i], false, NULL);
			ts.t[i].comment_id = "cm_X";
		}
		r = moderate(f, &rq, &ts, &saved);
		assert_null(saved);
		/* At most 4 at a time. */
		assert_int_equal(fake_count(&f->ft) - first, 4);
		answer_all(f, 200, "{}");
		answer_all(f, 200, "{}");
		assert_int_equal(fake_count(&f->ft) - first, 6);
		for (size_t i = 0; i < 6; i++) {
			char path[256];
			snprintf(path, sizeof(path), "%s/threads/%s%s",
			         !strcmp(rooms[i], "r 2") ? "r%202" : rooms[i], ids[i],
			         cases[c].path);
			sent(f, first + i, HTTP_POST, path, cases[c].body);
			assert_int_equal(bulk_item(r, i)->sends, 1);
			assert_int_equal(bulk_item(r, i)->state, BULK_DONE);
		}
		assert_string_equal(bulk_item(r, 2)->arg,
		                    rq.action == MOD_REACT || rq.action == MOD_UNREACT
		                        ? "r 2/th_c/cm_X"
		                        : "r 2/th_c");
		assert_true(bulk_progress(r, &p));
		assert_int_equal(p.done, 6);
		assert_false(r->busy);
		assert_int_equal(kept_files(f, NULL, 0), 0);
		model_release(f->m, &r);
		targets_free(&ts);
	}
}

/* Failures keep their reasons; a retry sends them, and them only. */
static void test_failures_reported_and_retried(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_RESOLVE, .user_id = "mod"};
	struct targets ts = {0};
	struct resource *r;
	struct bulk_progress p;
	char line[128];

	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", false, NULL);
	add_thread(&ts, "r2", "th_3", false, NULL);
	r = moderate(f, &rq, &ts, NULL);
	assert_int_equal(fake_count(&f->ft), 3);
	assert_true(fake_complete(&f->ft, 0, 404,
	                          "{\"error\":\"THREAD_NOT_FOUND\",\"message\":\"Thread not "
	                          "found\"}"));
	assert_true(fake_fail(&f->ft, 1, LB_NETWORK, "could not connect"));
	assert_true(fake_complete(&f->ft, 2, 200, "{}"));
	assert_int_equal(bulk_item(r, 0)->state, BULK_FAILED);
	assert_int_equal(bulk_item(r, 0)->http_status, 404);
	assert_non_null(strstr(bulk_item(r, 0)->error, "THREAD_NOT_FOUND: Thread not found"));
	assert_int_equal(bulk_item(r, 1)->state, BULK_FAILED);
	assert_non_null(strstr(bulk_item(r, 1)->error, "could not connect"));
	assert_int_equal(bulk_item(r, 2)->state, BULK_DONE);
	assert_string_equal(bulk_progress_line(r, line, sizeof(line)), "1/3 done, 2 failed");
	/* The retry sends the two that failed, not the one done. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 2);
	assert_int_equal(fake_count(&f->ft), 5);
	sent(f, 3, HTTP_POST, "r1/threads/th_1/mark-as-resolved", "{\"userId\":\"mod\"}");
	sent(f, 4, HTTP_POST, "r1/threads/th_2/mark-as-resolved", "{\"userId\":\"mod\"}");
	answer_all(f, 200, "{}");
	assert_true(bulk_progress(r, &p));
	assert_int_equal(p.done, 3);
	assert_int_equal(bulk_item(r, 2)->sends, 1);
	model_release(f->m, &r);
	targets_free(&ts);
}

/* A 429 says the server did nothing: the item waits and goes again. */
static void test_429_waited_out(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_REACT, .user_id = "mod", .emoji = "🎉"};
	struct targets ts = {0};
	struct resource *r;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	add_comment(&ts, "r1", "th_1", "cm_2", NULL);
	r = moderate(f, &rq, &ts, NULL);
	assert_true(fake_complete_retry_after(&f->ft, 0, 429, RATE_LIMITED, "3"));
	assert_int_equal(bulk_item(r, 0)->state, BULK_QUEUED);
	assert_int_equal(bulk_timeout_ms(f->m), 3000);
	assert_true(fake_complete(&f->ft, 1, 200, "{}"));
	assert_int_equal(fake_count(&f->ft), 2);
	fake_now += 3000;
	bulk_tick(f->m);
	assert_int_equal(fake_count(&f->ft), 3);
	sent(f, 2, HTTP_POST, "r1/threads/th_1/comments/cm_1/add-reaction",
	     "{\"emoji\":\"🎉\",\"userId\":\"mod\"}");
	assert_true(fake_complete(&f->ft, 2, 200, "{}"));
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(bulk_item(r, 0)->sends, 2);
	assert_int_equal(bulk_item(r, 1)->sends, 1);
	model_release(f->m, &r);
	targets_free(&ts);
}

/* The one file keeping what a bulk delete could lose. */
static char *read_kept(struct fx *f)
{
	char path[512];
	char *data;
	size_t len;
	struct lb_error err;

	assert_int_equal(kept_files(f, path, sizeof(path)), 1);
	assert_true(file_read(path, NULL, &data, &len, &err));
	return data;
}

static void test_delete_saves_first_and_refuses_what_changed(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_COMMENT};
	struct targets ts = {0};
	struct resource *r;
	char *saved = NULL, *kept, *changed;
	cJSON *root;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	add_comment(&ts, "r2", "th_2", "cm_2", NULL);
	add_comment(&ts, "r2", "th_3", "cm_3", NULL);
	ts.t[0].thread_json = keep(&ts, thread_json("r1", "th_1", false, NULL, NULL));
	r = moderate(f, &rq, &ts, &saved);
	/* Everything was saved before anything went out, in one file. */
	assert_non_null(saved);
	assert_non_null(strstr(saved, "/lbtui/delete-comments-rooms-"));
	kept = read_kept(f);
	root = cJSON_Parse(kept);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "deleted")->valuestring, "comments");
	cJSON *items = cJSON_GetObjectItem(root, "items");
	assert_int_equal(cJSON_GetArraySize(items), 3);
	for (int i = 0; i < 3; i++) {
		cJSON *it = cJSON_GetArrayItem(items, i), *want = cJSON_Parse(ts.t[i].seen_json);
		assert_string_equal(cJSON_GetObjectItem(it, "roomId")->valuestring,
		                    ts.t[i].room_id);
		assert_string_equal(cJSON_GetObjectItem(it, "commentId")->valuestring,
		                    ts.t[i].comment_id);
		assert_true(cJSON_Compare(cJSON_GetObjectItem(it, "comment"), want, true));
		assert_int_equal(cJSON_GetObjectItem(it, "thread") != NULL, i == 0);
		cJSON_Delete(want);
	}
	cJSON_Delete(root);
	free(kept);
	/* Each reads its comment first; nothing is deleted yet. */
	assert_int_equal(fake_count(&f->ft), 3);
	sent(f, 0, HTTP_GET, "r1/threads/th_1/comments/cm_1", NULL);
	sent(f, 2, HTTP_GET, "r2/threads/th_3/comments/cm_3", NULL);
	/* Unchanged (keys in another order): deleted. */
	root = cJSON_Parse(ts.t[0].seen_json);
	cJSON *body = cJSON_DetachItemFromObject(root, "body");
	cJSON_AddItemToObject(root, "body", body);
	char *reordered = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	assert_true(fake_complete(&f->ft, 0, 200, reordered));
	free(reordered);
	assert_int_equal(fake_count(&f->ft), 4);
	sent(f, 3, HTTP_DELETE, "r1/threads/th_1/comments/cm_1", NULL);
	/* Changed: refused, nothing sent for it. */
	changed = comment_json("r2", "th_2", "cm_2", "edited meanwhile", NULL);
	assert_true(fake_complete(&f->ft, 1, 200, changed));
	free(changed);
	assert_int_equal(bulk_item(r, 1)->state, BULK_FAILED);
	assert_non_null(strstr(bulk_item(r, 1)->error, "COMMENT_CHANGED"));
	assert_non_null(strstr(bulk_item(r, 1)->error,
	                       "the comment changed since it was shown; nothing was deleted"));
	/* Gone: failed with the server's words, nothing deleted. */
	assert_true(fake_complete(&f->ft, 2, 404, NOT_FOUND));
	assert_int_equal(bulk_item(r, 2)->state, BULK_FAILED);
	assert_int_equal(bulk_item(r, 2)->http_status, 404);
	assert_non_null(strstr(bulk_item(r, 2)->error,
	                       "the comment could not be read again, so nothing was deleted"));
	assert_non_null(strstr(bulk_item(r, 2)->error, "Comment not found"));
	assert_int_equal(fake_count(&f->ft), 4);
	assert_true(fake_complete(&f->ft, 3, 204, NULL));
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(count_method(f, HTTP_DELETE), 1);
	/* A retry reads again before it deletes. */
	assert_int_equal(bulk_retry(f->m, r, BULK_RETRY_FAILED), 2);
	assert_int_equal(fake_count(&f->ft), 6);
	sent(f, 4, HTTP_GET, "r2/threads/th_2/comments/cm_2", NULL);
	assert_true(fake_complete(&f->ft, 4, 200, ts.t[1].seen_json));
	sent(f, 6, HTTP_DELETE, "r2/threads/th_2/comments/cm_2", NULL);
	assert_true(fake_fail(&f->ft, 6, LB_UNSURE, "no answer, so it may have been applied"));
	assert_int_equal(bulk_item(r, 1)->state, BULK_UNKNOWN);
	assert_int_equal(kept_files(f, NULL, 0), 1);
	free(saved);
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_thread_delete_reads_the_thread(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_THREAD};
	struct targets ts = {0};
	struct resource *r;
	char *saved = NULL, *kept, *newer;

	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", true, NULL);
	r = moderate(f, &rq, &ts, &saved);
	assert_non_null(strstr(saved, "/lbtui/delete-threads-r1-"));
	kept = read_kept(f);
	assert_non_null(strstr(kept, "\"thread\": {"));
	free(kept);
	sent(f, 0, HTTP_GET, "r1/threads/th_1", NULL);
	assert_true(fake_complete(&f->ft, 0, 200, ts.t[0].seen_json));
	sent(f, 2, HTTP_DELETE, "r1/threads/th_1", NULL);
	/* A reply meanwhile: refused. */
	newer = thread_json("r1", "th_2", false, NULL, NULL);
	assert_true(fake_complete(&f->ft, 1, 200, newer));
	free(newer);
	assert_int_equal(bulk_item(r, 1)->state, BULK_FAILED);
	assert_non_null(strstr(bulk_item(r, 1)->error, "THREAD_CHANGED"));
	/* A 429 to the DELETE: read again, then deleted. */
	assert_true(fake_complete(&f->ft, 2, 429, RATE_LIMITED));
	assert_int_equal(bulk_item(r, 0)->state, BULK_QUEUED);
	fake_now += 1000;
	bulk_tick(f->m);
	sent(f, 3, HTTP_GET, "r1/threads/th_1", NULL);
	assert_true(fake_complete(&f->ft, 3, 200, ts.t[0].seen_json));
	sent(f, 4, HTTP_DELETE, "r1/threads/th_1", NULL);
	assert_true(fake_complete(&f->ft, 4, 204, NULL));
	assert_int_equal(bulk_item(r, 0)->state, BULK_DONE);
	assert_int_equal(count_method(f, HTTP_DELETE), 2);
	free(saved);
	model_release(f->m, &r);
	targets_free(&ts);
}

/* Nothing is deleted, nor read, when the copy cannot be saved. */
static void test_delete_without_a_copy_sends_nothing(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_COMMENT};
	struct targets ts = {0};
	struct lb_error err;
	char file[128], *saved = (char *)"x";
	FILE *fp;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	snprintf(file, sizeof(file), "%s/file", f->dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	setenv("XDG_STATE_HOME", file, 1);
	setenv("TMPDIR", file, 1);
	assert_null(model_moderate(f->m, &rq, ts.t, ts.n, &saved, &err));
	unsetenv("TMPDIR");
	assert_null(saved);
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(
	    strstr(err.message, "the comments could not be saved before deleting them ("));
	assert_non_null(strstr(err.message, "nothing was deleted"));
	assert_int_equal(fake_count(&f->ft), 0);
	targets_free(&ts);
}

/* A cancel while a delete reads: the DELETE never goes. */
static void test_cancel_between_read_and_delete(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_COMMENT};
	struct targets ts = {0};
	struct resource *r;
	char *saved = NULL;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	add_comment(&ts, "r1", "th_1", "cm_2", NULL);
	r = moderate(f, &rq, &ts, &saved);
	bulk_cancel(f->m, r);
	assert_true(fake_complete(&f->ft, 0, 200, ts.t[0].seen_json));
	assert_true(fake_complete(&f->ft, 1, 404, NOT_FOUND));
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_equal(bulk_item(r, 0)->state, BULK_CANCELLED);
	assert_non_null(strstr(bulk_item(r, 0)->error, "cancelled: not sent"));
	assert_int_equal(bulk_item(r, 1)->state, BULK_FAILED);
	assert_false(r->busy);
	assert_int_equal(model_busy_count(f->m), 0);
	free(saved);
	model_release(f->m, &r);
	targets_free(&ts);
}

/* The model freed with reads and deletes in flight: each request is
 * cancelled, nothing leaks. */
static void test_model_freed_in_flight(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_COMMENT};
	struct targets ts = {0};
	struct resource *r;
	char *saved = NULL;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	add_comment(&ts, "r1", "th_1", "cm_2", NULL);
	r = moderate(f, &rq, &ts, &saved);
	assert_true(fake_complete(&f->ft, 0, 200, ts.t[0].seen_json));
	assert_int_equal(fake_pending(&f->ft), 2); /* cm_2's read, cm_1's DELETE */
	(void)r;
	model_free(&f->m);
	assert_int_equal(fake_pending(&f->ft), 0);
	assert_true(fake_req(&f->ft, 1)->cancelled);
	assert_true(fake_req(&f->ft, 2)->cancelled);
	assert_int_equal(count_method(f, HTTP_DELETE), 1);
	free(saved);
	targets_free(&ts);
}

/* What is refused before anything is sent or saved. */
static void refused(struct fx *f, const struct mod_request *rq, const struct targets *ts,
                    enum lb_status st, const char *want)
{
	struct lb_error err;
	char *saved = (char *)"x";

	assert_null(model_moderate(f->m, rq, ts->t, ts->n, &saved, &err));
	assert_null(saved);
	assert_int_equal(err.status, st);
	if (!strstr(err.message, want))
		fail_msg("'%s' does not say '%s'", err.message, want);
	assert_int_equal(fake_count(&f->ft), 0);
	assert_int_equal(kept_files(f, NULL, 0), 0);
}

static void test_refused_before_sending(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_RESOLVE};
	struct targets ts = {0}, none = {0};

	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", false, NULL);
	refused(f, &rq, &ts, LB_USAGE, "resolving threads writes as a user: give --as USER");
	rq.user_id = "";
	refused(f, &rq, &ts, LB_USAGE, "writes as a user");
	rq.user_id = "mod";
	refused(f, &rq, &none, LB_USAGE, "no thread or comment is chosen");
	rq.action = MOD_REACT;
	refused(f, &rq, &ts, LB_USAGE, "reacting to comments needs an emoji");
	rq.emoji = "👍";
	refused(f, &rq, &ts, LB_USAGE, "item 1 names no comment");
	rq.action = MOD_METADATA;
	refused(f, &rq, &ts, LB_USAGE, "item 1: no metadata to set");
	rq.metadata_json = "{\"a\":[1]}";
	refused(f, &rq, &ts, LB_USAGE, "the metadata is not an object of strings");
	rq.metadata_json = "{}";
	refused(f, &rq, &ts, LB_USAGE, "the metadata changes nothing");
	rq.metadata_json = "{\"a\":1}";
	ts.t[1].seen_json = NULL;
	refused(f, &rq, &ts, LB_USAGE,
	        "item 2: setting the metadata of threads needs the thread as it was shown");
	ts.t[1].seen_json = ts.t[0].seen_json;
	refused(f, &rq, &ts, LB_USAGE, "item 2: what was shown is not thread th_2");
	rq.action = MOD_DELETE_THREAD;
	refused(f, &rq, &ts, LB_USAGE, "item 2: what was shown is not thread th_2");
	ts.t[1].thread_id = "th_1";
	refused(f, &rq, &ts, LB_USAGE, "r1/th_1 is named twice (items 1 and 2)");
	ts.t[1].room_id = "";
	refused(f, &rq, &ts, LB_USAGE, "item 2 names no room");
	/* Not the same: a room "r1/th" with thread "1" is another thread. */
	ts.t[1].room_id = "r1/th";
	ts.t[1].thread_id = "_1";
	ts.t[1].seen_json = keep(&ts, thread_json("r1/th", "_1", false, NULL, NULL));
	char *saved = NULL;
	struct lb_error err;
	struct resource *r = model_moderate(f->m, &rq, ts.t, ts.n, &saved, &err);
	assert_non_null(r);
	free(saved);
	model_release(f->m, &r);
	targets_free(&ts);
}

/* The API's metadata limits, checked before anything is sent: keys of 40
 * characters (an emoji counts two, as the API counts), values of 4,000. */
static void test_metadata_limits(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_METADATA, .user_id = "mod"};
	struct targets ts = {0};
	char big[4002], json[4200];
	struct resource *r;
	struct lb_error err;

	add_thread(&ts, "r1", "th_1", false, NULL);
	rq.metadata_json = "{\"0123456789012345678901234567890123456789x\":1}";
	refused(f, &rq, &ts, LB_USAGE, "the metadata: the key '0123456789");
	rq.metadata_json = "{\"012345678901234567890123456789012345678👍\":1}";
	refused(f, &rq, &ts, LB_USAGE, "is longer than 40 characters");
	memset(big, 'v', 4001);
	big[4001] = '\0';
	snprintf(json, sizeof(json), "{\"k\":\"%s\"}", big);
	rq.metadata_json = json;
	refused(f, &rq, &ts, LB_USAGE, "the value of 'k' is longer than 4000 characters");
	/* 51 keys. */
	size_t at = (size_t)snprintf(json, sizeof(json), "{");
	for (int k = 0; k < 51; k++)
		at += (size_t)snprintf(json + at, sizeof(json) - at, "%s\"k%d\":%d", k ? "," : "",
		                       k, k);
	snprintf(json + at, sizeof(json) - at, "}");
	refused(f, &rq, &ts, LB_USAGE, "the metadata has 51 keys; the API takes at most 50");
	snprintf(json, sizeof(json), "{\"k\":\"%s\"}", big);
	ts.t[0].metadata_json = json;
	rq.metadata_json = NULL;
	refused(f, &rq, &ts, LB_USAGE, "the metadata of item 1: the value of 'k' is longer");
	/* At the limits: sent. */
	big[4000] = '\0';
	snprintf(json, sizeof(json), "{\"k\":\"%s\",\"0123456789012345678901234567890123456👍\":1}",
	         big);
	r = model_moderate(f->m, &rq, ts.t, ts.n, NULL, &err);
	assert_non_null(r);
	assert_int_equal(fake_count(&f->ft), 1);
	answer_all(f, 200, "{}");
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_COMMENT};
	struct targets ts = {0};

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	refused(f, &rq, &ts, LB_READONLY,
	        "read-only mode: deleting comments is refused, nothing was sent");
	rq.action = MOD_REACT;
	rq.user_id = "mod";
	rq.emoji = "👍";
	refused(f, &rq, &ts, LB_READONLY, "read-only mode: reacting to comments is refused");
	targets_free(&ts);
}

/* ------------------------------------------------------------------ */
/* Undo */

/* Run rq over ts, answering item i with status[i]; the job, ended. */
static struct resource *run_to_end(struct fx *f, const struct mod_request *rq,
                                   const struct targets *ts, const long *status)
{
	struct resource *r = moderate(f, rq, ts, NULL);
	size_t first = fake_count(&f->ft) - (ts->n < 4 ? ts->n : 4);

	for (size_t k = first; k < fake_count(&f->ft); k++) {
		size_t i = k - first;
		assert_true(
		    fake_complete(&f->ft, k, status[i], status[i] == 200 ? "{}" : NOT_FOUND));
	}
	assert_false(r->busy);
	return r;
}

static void plan_of(struct resource *r, struct mod_request *undo, struct mod_target **t, size_t *n)
{
	char why[128];

	if (!mod_undo_plan(r, undo, t, n, why, sizeof(why)))
		fail_msg("no plan: %s", why);
}

static void test_undo_resolve_and_unresolve(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_RESOLVE, .user_id = "mod"}, undo, again;
	struct targets ts = {0};
	const long status[] = {200, 200, 404};
	struct mod_target *t, *t2;
	size_t n, n2;
	struct resource *r, *u;
	cJSON *seen;

	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", true, NULL); /* resolved already */
	add_thread(&ts, "r2", "th_3", false, NULL);
	r = run_to_end(f, &rq, &ts, status);
	/* th_1 only: th_2 was resolved before, th_3 failed. */
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_UNRESOLVE);
	assert_string_equal(undo.user_id, "mod");
	assert_int_equal(n, 1);
	assert_string_equal(t[0].room_id, "r1");
	assert_string_equal(t[0].thread_id, "th_1");
	assert_null(t[0].comment_id);
	seen = cJSON_Parse(t[0].seen_json);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(seen, "resolved")));
	cJSON_Delete(seen);
	/* The undo runs as any action, and has its own undo. */
	const long ok[] = {200};
	u = run_to_end(f, &undo, &(struct targets){.t = {t[0]}, .n = 1}, ok);
	sent(f, fake_count(&f->ft) - 1, HTTP_POST, "r1/threads/th_1/mark-as-unresolved",
	     "{\"userId\":\"mod\"}");
	plan_of(u, &again, &t2, &n2);
	assert_int_equal(again.action, MOD_RESOLVE);
	assert_int_equal(n2, 1);
	mod_plan_free(&again, t2, n2);
	mod_plan_free(&undo, t, n);
	model_release(f->m, &u);
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_undo_reactions(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_REACT, .user_id = "mod", .emoji = "👍"}, undo;
	struct targets ts = {0};
	const long status[] = {200, 200, 200};
	struct mod_target *t;
	size_t n;
	struct resource *r;

	add_comment(&ts, "r1", "th_1", "cm_1", NULL);
	/* mod had reacted with 👍 already: no change to undo. */
	add_comment(&ts, "r1", "th_1", "cm_2",
	            "[{\"emoji\":\"👍\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","
	            "\"users\":[{\"id\":\"bob\"},{\"id\":\"mod\"}]}]");
	/* Someone else's 👍 and mod's 🎉: the react added one. */
	add_comment(&ts, "r2", "th_2", "cm_3",
	            "[{\"emoji\":\"👍\",\"users\":[{\"id\":\"bob\"}]},"
	            "{\"emoji\":\"🎉\",\"users\":[{\"id\":\"mod\"}]}]");
	r = run_to_end(f, &rq, &ts, status);
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_UNREACT);
	assert_string_equal(undo.emoji, "👍");
	assert_int_equal(n, 2);
	assert_string_equal(t[0].comment_id, "cm_1");
	assert_string_equal(t[1].comment_id, "cm_3");
	mod_plan_free(&undo, t, n);
	model_release(f->m, &r);

	/* Removing: only where mod's reaction was there. */
	rq.action = MOD_UNREACT;
	r = run_to_end(f, &rq, &ts, status);
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_REACT);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].comment_id, "cm_2");
	mod_plan_free(&undo, t, n);
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_undo_subscriptions(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_SUBSCRIBE, .user_id = "mod"}, undo;
	struct targets ts = {0};
	const long status[] = {200, 404};
	struct mod_target *t;
	size_t n;
	struct resource *r;

	add_thread(&ts, "r1", "th_1", false, NULL);
	add_thread(&ts, "r1", "th_2", false, NULL);
	r = run_to_end(f, &rq, &ts, status);
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_UNSUBSCRIBE);
	assert_string_equal(undo.user_id, "mod");
	assert_int_equal(n, 1);
	assert_string_equal(t[0].thread_id, "th_1");
	mod_plan_free(&undo, t, n);
	model_release(f->m, &r);
	rq.action = MOD_UNSUBSCRIBE;
	r = run_to_end(f, &rq, &ts, status);
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_SUBSCRIBE);
	mod_plan_free(&undo, t, n);
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_undo_metadata(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_METADATA,
	                         .user_id = "mod",
	                         .metadata_json = "{\"status\":\"closed\",\"tag\":null,\"n\":3}"},
	                   undo, again;
	struct targets ts = {0};
	const long status[] = {200, 200, 200};
	struct mod_target *t, *t2;
	size_t n, n2;
	struct resource *r, *u;
	char *desc;

	add_thread(&ts, "r1", "th_1", false, "{\"status\":\"open\",\"tag\":\"x\",\"keep\":true}");
	add_thread(&ts, "r1", "th_2", false, "{}");
	/* As the change leaves it already: nothing to undo. */
	add_thread(&ts, "r2", "th_3", false, "{\"status\":\"closed\",\"n\":3}");
	r = run_to_end(f, &rq, &ts, status);
	plan_of(r, &undo, &t, &n);
	assert_int_equal(undo.action, MOD_METADATA);
	assert_null(undo.metadata_json);
	assert_int_equal(n, 2);
	/* Each thread's previous values; keys that were absent become null. */
	assert_string_equal(t[0].metadata_json, "{\"status\":\"open\",\"tag\":\"x\",\"n\":null}");
	assert_string_equal(t[1].metadata_json, "{\"status\":null,\"tag\":null,\"n\":null}");
	/* What was shown, with the change applied. */
	cJSON *seen = cJSON_Parse(t[0].seen_json),
	      *want = cJSON_Parse("{\"status\":\"closed\",\"keep\":true,\"n\":3}");
	assert_true(cJSON_Compare(cJSON_GetObjectItem(seen, "metadata"), want, true));
	cJSON_Delete(seen);
	cJSON_Delete(want);
	desc = mod_describe(&undo, t, n);
	assert_string_equal(desc, "restore the metadata of 2 threads in 1 room, as mod");
	free(desc);
	/* The undo sends each thread its own values; its undo is the change. */
	struct targets plan = {.n = n};
	memcpy(plan.t, t, n * sizeof(*t));
	u = run_to_end(f, &undo, &plan, status);
	size_t last = fake_count(&f->ft);
	sent(f, last - 2, HTTP_POST, "r1/threads/th_1/metadata",
	     "{\"metadata\":{\"status\":\"open\",\"tag\":\"x\",\"n\":null},\"userId\":\"mod\"}");
	sent(f, last - 1, HTTP_POST, "r1/threads/th_2/metadata",
	     "{\"metadata\":{\"status\":null,\"tag\":null,\"n\":null},\"userId\":\"mod\"}");
	plan_of(u, &again, &t2, &n2);
	assert_int_equal(n2, 2);
	assert_string_equal(t2[0].metadata_json, "{\"status\":\"closed\",\"tag\":null,\"n\":3}");
	assert_string_equal(t2[1].metadata_json, "{\"status\":\"closed\",\"tag\":null,\"n\":3}");
	mod_plan_free(&again, t2, n2);
	mod_plan_free(&undo, t, n);
	model_release(f->m, &u);
	model_release(f->m, &r);
	targets_free(&ts);
}

static void test_no_undo(void **state)
{
	struct fx *f = *state;
	struct mod_request rq = {.action = MOD_DELETE_THREAD}, undo;
	struct targets ts = {0};
	struct mod_target dummy, *t = &dummy;
	size_t n = 9;
	char why[128], *saved = NULL;
	struct resource *r;

	add_thread(&ts, "r1", "th_1", false, NULL);
	r = moderate(f, &rq, &ts, &saved);
	assert_false(mod_undo_plan(r, &undo, &t, &n, why, sizeof(why)));
	assert_string_equal(why, "deletion cannot be undone");
	assert_null(t);
	assert_int_equal(n, 0);
	free(saved);
	model_release(f->m, &r);
	rq.action = MOD_RESOLVE;
	rq.user_id = "mod";
	r = moderate(f, &rq, &ts, NULL);
	assert_false(mod_undo_plan(r, &undo, &t, &n, why, sizeof(why)));
	assert_string_equal(why, "it is still running: undo it once it has ended");
	answer_all(f, 404, NOT_FOUND);
	assert_false(mod_undo_plan(r, &undo, &t, &n, why, sizeof(why)));
	assert_string_equal(why, "nothing to undo: no item was done");
	model_release(f->m, &r);
	/* Done, but resolved already. */
	ts.t[0].seen_json = keep(&ts, thread_json("r1", "th_1", true, NULL, NULL));
	const long ok[] = {200};
	r = run_to_end(f, &rq, &ts, ok);
	assert_false(mod_undo_plan(r, &undo, &t, &n, why, sizeof(why)));
	assert_string_equal(why, "nothing to undo: every item done was so already");
	model_release(f->m, &r);
	/* Not a moderation job. */
	assert_false(mod_undo_plan(NULL, &undo, &t, &n, why, sizeof(why)));
	assert_string_equal(why, "this is no moderation job");
	targets_free(&ts);
}

static void test_comment_json(void **state)
{
	char *json = thread_json("r1", "th_1", false, NULL, "[]"), *c, *want;
	struct thread t;
	struct lb_error err;

	(void)state;
	assert_true(thread_decode(json, strlen(json), &t, &err));
	c = mod_comment_json(&t, "cm_th_1");
	want = comment_json("r1", "th_1", "cm_th_1", "hello", "[]");
	assert_non_null(c);
	assert_string_equal(c, want);
	assert_null(mod_comment_json(&t, "cm_none"));
	free(c);
	free(want);
	free(json);
	thread_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test_setup_teardown(test_each_action_sends_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures_reported_and_retried, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_429_waited_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_saves_first_and_refuses_what_changed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_thread_delete_reads_the_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_without_a_copy_sends_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_cancel_between_read_and_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_model_freed_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_before_sending, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metadata_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	    cmocka_unit_test_setup_teardown(test_undo_resolve_and_unresolve, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_undo_reactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_undo_subscriptions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_undo_metadata, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_undo, setup, teardown),
	    cmocka_unit_test(test_comment_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
