/* The threads and comments families in the model (src/res/threads.c,
 * comments.c): the decoders of threads, comments, reactions,
 * subscriptions and participants; the thread query and the metadata
 * built from options, with the API's limits; a room's threads and one
 * thread as kinds; each change's request (method, path, body), sent once
 * and never again; a delete that keeps what it deletes first, and
 * refuses what changed since it was shown; read-only refusal. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "threads.h"

#define BODY(text)                                                                                 \
	"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"" text      \
	"\"}]}]}"

#define THREAD_JSON                                                                                 \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\","                                   \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"updatedAt\":\"2024-05-02T11:00:00.000Z\","    \
	"\"metadata\":{\"status\":\"open\",\"priority\":2,\"urgent\":true},\"resolved\":true,"      \
	"\"visibility\":\"public\",\"comments\":["                                                  \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"roomId\":\"r1\","            \
	"\"userId\":\"alice\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","                          \
	"\"editedAt\":\"2024-05-01T10:05:00.000Z\",\"body\":{\"version\":1,\"content\":["           \
	"{\"type\":\"paragraph\",\"children\":[{\"text\":\" \"}]},"                                 \
	"{\"type\":\"paragraph\",\"children\":[{\"text\":\"Hi "                                     \
	"\"},{\"text\":\"all\",\"bold\":true},"                                                     \
	"{\"text\":\" \"},{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"bob\"},{\"text\":\" "    \
	"\"},"                                                                                      \
	"{\"type\":\"link\",\"url\":\"https://x.io\",\"text\":\"docs\"},{\"text\":\" \"},"          \
	"{\"type\":\"link\",\"url\":\"https://y.io\"},{\"text\":\"\\nsecond line\"}]}]},"           \
	"\"reactions\":[{\"emoji\":\"👍\",\"createdAt\":\"2024-05-01T10:01:00.000Z\","            \
	"\"users\":[{\"id\":\"bob\"},{\"id\":\"carol\"}]},{\"emoji\":\"🎉\",\"userId\":\"dan\"}," \
	"{\"emoji\":\"🎉\",\"userId\":\"erin\"}],"                                                \
	"\"attachments\":[{\"type\":\"attachment\",\"id\":\"at_1\",\"name\":\"a.pdf\","             \
	"\"size\":2048,\"mimeType\":\"application/pdf\"}],\"metadata\":{\"pinned\":true}},"         \
	"{\"type\":\"comment\",\"id\":\"cm_2\",\"threadId\":\"th_1\",\"roomId\":\"r1\","            \
	"\"userId\":\"bob\",\"createdAt\":\"2024-05-01T10:02:00.000Z\","                            \
	"\"deletedAt\":\"2024-05-01T10:03:00.000Z\",\"reactions\":[],\"attachments\":[]}]}"

/* A literal and its length. */
#define S(text) text, strlen(text)

/* What a storage_done_fn heard (a delete's file too). */
struct tres {
	int calls;
	struct lb_error err;
	char body[4096];
	char id[64];
	char saved[512];
};

static void on_tdone(const struct storage_result *res, void *ud)
{
	struct tres *t = ud;

	t->calls++;
	t->err = res->err;
	snprintf(t->body, sizeof(t->body), "%.*s", (int)res->body_len, res->body ? res->body : "");
	snprintf(t->id, sizeof(t->id), "%s", res->id ? res->id : "");
	snprintf(t->saved, sizeof(t->saved), "%s", res->saved ? res->saved : "");
}

/* The one kept file holds want, mode 600. */
static void assert_kept(struct fx *f, const char *want)
{
	char path[512];
	struct stat st;
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp;

	assert_int_equal(kept_files(f, path, sizeof(path)), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	assert_non_null(b.data);
	b.data[b.len] = '\0';
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* ---- decoders ---------------------------------------------------------- */

static void test_decode_thread(void **state)
{
	struct thread t;
	struct lb_error err;

	(void)state;
	assert_true(thread_decode(THREAD_JSON, strlen(THREAD_JSON), &t, &err));
	assert_string_equal(t.id, "th_1");
	assert_string_equal(t.room_id, "r1");
	assert_true(t.resolved);
	assert_string_equal(t.visibility, "public");
	assert_true(t.created_s > 0 && t.updated_s > t.created_s);
	assert_string_equal(t.metadata_json,
	                    "{\"status\":\"open\",\"priority\":2,\"urgent\":true}");
	/* Kept whole, as the API sent it, for --json and for a delete's copy. */
	assert_non_null(strstr(t.raw_json, "\"attachments\":[{\"type\":\"attachment\""));
	assert_int_equal(t.n_comments, 2);

	const struct comment *c = &t.comments[0];
	assert_string_equal(c->id, "cm_1");
	assert_string_equal(c->user_id, "alice");
	assert_string_equal(c->thread_id, "th_1");
	assert_non_null(c->edited_at);
	assert_true(c->edited_s > c->created_s);
	assert_null(c->deleted_at);
	assert_int_equal(c->deleted_s, -1);
	/* The body as it came; the preview is the first paragraph that says
	 * something, as plain text (a link's text or URL, a mention's ID),
	 * up to its first line break. */
	assert_non_null(strstr(c->body_json, "{\"text\":\"all\",\"bold\":true}"));
	assert_string_equal(c->preview, "Hi all @bob docs https://y.io");
	/* Reactions in both shapes the API is documented with, grouped. */
	assert_int_equal(c->n_reactions, 2);
	assert_string_equal(c->reactions[0].emoji, "👍");
	assert_int_equal(c->reactions[0].users.n, 2);
	assert_string_equal(c->reactions[0].users.v[1], "carol");
	assert_string_equal(c->reactions[1].emoji, "🎉");
	assert_int_equal(c->reactions[1].users.n, 2);
	assert_string_equal(c->reactions[1].users.v[1], "erin");
	assert_int_equal(comment_reaction_count(c), 4);
	assert_int_equal(c->n_attachments, 1);
	assert_string_equal(c->attachments[0].name, "a.pdf");
	assert_int_equal(c->attachments[0].size, 2048);
	assert_string_equal(c->attachments[0].mime_type, "application/pdf");
	assert_string_equal(c->metadata_json, "{\"pinned\":true}");

	/* A deleted comment is a tombstone: no body. */
	c = &t.comments[1];
	assert_non_null(c->deleted_at);
	assert_true(c->deleted_s > 0);
	assert_null(c->body_json);
	assert_string_equal(c->preview, "");
	assert_string_equal(c->metadata_json, "{}");
	assert_true(thread_bytes(&t) > strlen(t.raw_json));
	thread_clear(&t);
	assert_null(t.id);
}

/* A preview is cut on a character's boundary, never inside one. */
static void test_preview_cut(void **state)
{
	struct comment c;
	struct lb_error err;
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_adds(&b,
	         "{\"id\":\"cm_1\",\"body\":{\"version\":1,\"content\":[{\"type\":\"paragraph\","
	         "\"children\":[{\"text\":\"");
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "é");
	buf_adds(&b, "\"}]}]}}");
	assert_true(comment_decode(b.data, b.len, &c, &err));
	assert_true(strlen(c.preview) <= 160);
	assert_int_equal(strlen(c.preview) % 2, 0);
	assert_int_equal(strlen(c.preview), 160);
	comment_clear(&c);
	buf_free(&b);
}

static void test_decode_errors(void **state)
{
	struct thread *list = (struct thread *)1, t;
	struct comment c;
	struct reaction r;
	struct thread_subscription *s = (struct thread_subscription *)1;
	struct strv ids;
	size_t n = 7;
	struct lb_error err;

	(void)state;
	assert_false(thread_list_decode(S("["), &list, &n, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_false(thread_list_decode(S("{\"data\":{}}"), &list, &n, &err));
	assert_string_equal(err.message, "the server sent threads without a \"data\" list");
	assert_false(thread_list_decode(S("{\"data\":[{\"id\":\"th_1\"},{}]}"), &list, &n, &err));
	assert_string_equal(err.message, "the server sent a thread without an \"id\"");
	assert_null(list);
	assert_false(thread_decode(S("{\"id\":\"th_1\",\"comments\":{}}"), &t, &err));
	assert_string_equal(err.message,
	                    "the server sent a thread whose \"comments\" is not a list");
	assert_null(t.id);
	assert_false(
	    thread_decode(S("{\"id\":\"th_1\",\"comments\":[{\"userId\":\"a\"}]}"), &t, &err));
	assert_string_equal(err.message, "the server sent a comment without an \"id\"");
	assert_false(
	    comment_decode(S("{\"id\":\"cm_1\",\"reactions\":[{\"users\":[]}]}"), &c, &err));
	assert_string_equal(err.message, "the server sent a reaction without an \"emoji\"");
	assert_null(c.id);
	assert_false(reaction_decode(S("[]"), &r, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(
	    thread_subscriptions_decode(S("{\"data\":[{\"kind\":\"thread\"}]}"), &s, &n, &err));
	assert_string_equal(err.message,
	                    "the server sent a subscription without a \"userId\" (item 1)");
	assert_null(s);
	assert_false(thread_participants_decode(S("{}"), &ids, &err));
	assert_int_equal(ids.n, 0);
	/* A size that is no byte count is not known (a huge number was
	 * undefined behaviour as a long long). */
	assert_true(comment_decode(S("{\"id\":\"cm_1\",\"attachments\":[{\"id\":\"a\","
	                             "\"size\":6.6e34},{\"id\":\"b\",\"size\":-1},7]}"),
	                           &c, &err));
	assert_int_equal(c.n_attachments, 2);
	assert_int_equal(c.attachments[0].size, -1);
	assert_int_equal(c.attachments[1].size, -1);
	comment_clear(&c);
	/* A thread with nothing but its ID is a thread. */
	assert_true(thread_decode(S("{\"id\":\"th_1\"}"), &t, &err));
	assert_int_equal(t.n_comments, 0);
	assert_false(t.resolved);
	assert_string_equal(t.metadata_json, "{}");
	assert_int_equal(t.created_s, -1);
	thread_clear(&t);
}

static void test_decode_small(void **state)
{
	const char *subs = "{\"data\":[{\"kind\":\"thread\",\"subjectId\":\"th_1\","
	                   "\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"userId\":\"alice\"},"
	                   "{\"kind\":\"thread\",\"subjectId\":\"th_1\",\"userId\":\"bob\"}]}";
	struct thread_subscription *s;
	struct strv ids;
	struct reaction r;
	size_t n;
	struct lb_error err;
	char meta[64];

	(void)state;
	assert_true(thread_subscriptions_decode(subs, strlen(subs), &s, &n, &err));
	assert_int_equal(n, 2);
	assert_string_equal(s[0].user_id, "alice");
	assert_true(s[0].created_s > 0);
	assert_string_equal(s[1].user_id, "bob");
	assert_int_equal(s[1].created_s, -1);
	thread_subscriptions_free(s, n);
	assert_true(
	    thread_participants_decode(S("{\"participantIds\":[\"a\",1,\"b\"]}"), &ids, &err));
	assert_int_equal(ids.n, 2);
	assert_string_equal(ids.v[1], "b");
	strv_free(&ids);
	assert_true(reaction_decode(
	    "{\"emoji\":\"👍\",\"userId\":\"a\",\"createdAt\":\"x\"}",
	    strlen("{\"emoji\":\"👍\",\"userId\":\"a\",\"createdAt\":\"x\"}"), &r, &err));
	assert_string_equal(r.emoji, "👍");
	assert_int_equal(r.users.n, 1);
	reaction_clear(&r);
	thread_metadata_summary("{\"a\":\"x\",\"n\":2.5,\"b\":false}", meta, sizeof(meta));
	assert_string_equal(meta, "a=x, n=2.5, b=false");
	thread_metadata_summary("{}", meta, sizeof(meta));
	assert_string_equal(meta, "");
	thread_metadata_summary("[1]", meta, sizeof(meta));
	assert_string_equal(meta, "");
}

/* ---- what commands send -------------------------------------------------- */

static void check_query(const char *typed, int resolved, const char *want)
{
	bool nomem;
	char *q = thread_query_build(typed, resolved, &nomem);

	assert_false(nomem);
	if (!want) {
		assert_null(q);
		return;
	}
	assert_non_null(q);
	assert_string_equal(q, want);
	free(q);
}

static void test_query_build(void **state)
{
	(void)state;
	check_query(NULL, -1, NULL);
	check_query("  ", -1, NULL);
	check_query(NULL, 1, "resolved:true");
	check_query(NULL, 0, "resolved:false");
	check_query("metadata[\"status\"]:\"open\"", -1, "metadata[\"status\"]:\"open\"");
	/* Space-separated, as the SDK's objectToQuery joins its terms:
	 * resolved first, then what was typed, as it was typed. */
	check_query(" metadata[\"p\"]>2 ", 0, "resolved:false metadata[\"p\"]>2");
	check_query("metadata['k']^'x' AND resolved:true", 1,
	            "resolved:true metadata['k']^'x' AND resolved:true");
}

static void check_metadata(const char *const *set, size_t nset, const char *const *unset,
                           size_t nunset, const char *want, enum lb_status st, const char *msg)
{
	struct strv s = {0}, u = {0};
	struct buf b;
	struct lb_error err;
	bool ok;

	for (size_t i = 0; i < nset; i++)
		assert_true(strv_push(&s, set[i]));
	for (size_t i = 0; i < nunset; i++)
		assert_true(strv_push(&u, unset[i]));
	buf_init(&b);
	lb_error_clear(&err);
	ok = thread_metadata_build(&s, &u, &b, &err);
	if (want) {
		if (!ok)
			fail_msg("refused: %s", err.message);
		if (*want) /* "": accepted, whatever it is */
			assert_string_equal(b.data, want);
	} else {
		assert_false(ok);
		assert_int_equal(err.status, st);
		if (!strstr(err.message, msg))
			fail_msg("\"%s\" not in \"%s\"", msg, err.message);
	}
	buf_free(&b);
	strv_free(&s);
	strv_free(&u);
}

static void test_metadata_values(void **state)
{
	static const char *const set[] = {"n=42",     "f=-2.5e3", "t=true",    "no=false",
	                                  "zip=007",  "hex=0x10", "inf=1e999", "s=open",
	                                  "q=\"42\"", "e=",       "eq=a=b",    "dot=1."};
	static const char *const unset[] = {"gone"};

	(void)state;
	/* Numbers and booleans as such; what reads otherwise, and a JSON
	 * string, as text; --unset sends null. */
	check_metadata(set, 12, unset, 1,
	               "{\"n\":42,\"f\":-2.5e3,\"t\":true,\"no\":false,\"zip\":\"007\","
	               "\"hex\":\"0x10\",\"inf\":\"1e999\",\"s\":\"open\",\"q\":\"42\",\"e\":\"\","
	               "\"eq\":\"a=b\",\"dot\":\"1.\",\"gone\":null}",
	               LB_OK, NULL);
	check_metadata(NULL, 0, NULL, 0, "{}", LB_OK, NULL);
}

static void test_metadata_limits(void **state)
{
	char key41[128], key40[64], emoji_key[128];
	struct buf big;
	const char *one[1];

	(void)state;
	memset(key40, 'k', 40);
	key40[40] = '\0';
	snprintf(key41, sizeof(key41), "%s=1", key40);
	one[0] = key41;
	check_metadata(one, 1, NULL, 0, "", LB_OK, NULL);
	/* 40 characters is the most: one more is refused before sending. */
	memset(key41, 'k', 41);
	key41[41] = '\0';
	strcat(key41, "=1");
	one[0] = key41;
	check_metadata(one, 1, NULL, 0, NULL, LB_USAGE,
	               "is 41 characters long; the API takes at most 40");
	/* Characters as the API counts them: an emoji outside the BMP is 2. */
	emoji_key[0] = '\0';
	for (int i = 0; i < 20; i++)
		strcat(emoji_key, "😀");
	strcat(emoji_key, "x=1");
	one[0] = emoji_key;
	check_metadata(one, 1, NULL, 0, NULL, LB_USAGE, "is 41 characters long");
	/* Values: 4,000 characters. */
	buf_init(&big);
	buf_adds(&big, "v=");
	for (int i = 0; i < 4000; i++)
		buf_adds(&big, "a");
	one[0] = big.data;
	check_metadata(one, 1, NULL, 0, "", LB_OK, NULL);
	buf_adds(&big, "a");
	one[0] = big.data;
	check_metadata(
	    one, 1, NULL, 0, NULL, LB_USAGE,
	    "the metadata value of 'v' is 4001 characters long; the API takes at most 4000");
	buf_free(&big);
	/* 50 keys at most. */
	char *many[51];
	for (int i = 0; i < 51; i++) {
		many[i] = malloc(16);
		snprintf(many[i], 16, "k%d=1", i);
	}
	check_metadata((const char *const *)many, 50, NULL, 0, "", LB_OK, NULL);
	check_metadata((const char *const *)many, 50, (const char *const[]){"x"}, 1, NULL, LB_USAGE,
	               "51 metadata keys: the API takes at most 50");
	for (int i = 0; i < 51; i++)
		free(many[i]);
	/* Malformed and twice-given keys. */
	check_metadata((const char *const[]){"novalue"}, 1, NULL, 0, NULL, LB_USAGE,
	               "metadata wants KEY=VALUE, got 'novalue'");
	check_metadata((const char *const[]){"=x"}, 1, NULL, 0, NULL, LB_USAGE, "KEY=VALUE");
	check_metadata((const char *const[]){"a=1", "a=2"}, 2, NULL, 0, NULL, LB_USAGE,
	               "the metadata key 'a' is given twice");
	check_metadata((const char *const[]){"a=1"}, 1, (const char *const[]){"a"}, 1, NULL,
	               LB_USAGE, "the metadata key 'a' is given twice");
	check_metadata((const char *const[]){"a=\xff"}, 1, NULL, 0, NULL, LB_USAGE,
	               "is not valid UTF-8");
	check_metadata(NULL, 0, (const char *const[]){""}, 1, NULL, LB_USAGE,
	               "a metadata key must not be empty");
}

/* ---- the model ---------------------------------------------------------- */

static const char *list_body(void)
{
	return "{\"data\":[" THREAD_JSON ",{\"type\":\"thread\",\"id\":\"th_2\",\"roomId\":\"r1\","
	       "\"comments\":[]}]}";
}

static void test_threads_kind(void **state)
{
	struct fx *f = *state;
	struct resource *all = model_threads(f->m, "r1", NULL);
	struct resource *open = model_threads(f->m, "r1", "resolved:false metadata[\"a\"]:'b c'");

	assert_string_equal(model_kind_name(all), "threads");
	/* One page: no limit, no cursor; the query encoded. */
	expect_req(f, 0, HTTP_GET, ROOM "/threads");
	expect_req(f, 1, HTTP_GET,
	           ROOM "/threads?query=resolved%3Afalse%20metadata%5B%22a%22%5D%3A%27b%20c%27");
	assert_true(fake_complete(&f->ft, 0, 200, list_body()));
	assert_int_equal(model_count(all), 2);
	assert_true(model_complete(all));
	assert_null(model_next_cursor(all));
	assert_string_equal(model_thread_at(all, 0)->id, "th_1");
	assert_string_equal(model_thread_at(all, 1)->id, "th_2");
	assert_null(model_thread_at(all, 2));
	model_more(f->m, all); /* one page: nothing */
	assert_int_equal(fake_count(&f->ft), 2);
	/* Asked again, the same resource: one request however many ask. */
	struct resource *again = model_threads(f->m, "r1", NULL);
	assert_ptr_equal(again, all);
	model_release(f->m, &again);

	struct resource *one = model_thread(f->m, "r1", "th 1/x");
	assert_string_equal(model_kind_name(one), "thread");
	expect_req(f, 2, HTTP_GET, ROOM "/threads/th%201%2Fx");
	assert_null(model_thread_of(one));
	model_release(f->m, &one);

	one = model_thread(f->m, "r1", "th_1");
	expect_req(f, 3, HTTP_GET, ROOM "/threads/th_1");
	assert_true(fake_complete(&f->ft, 3, 200, THREAD_JSON));
	assert_string_equal(model_thread_of(one)->id, "th_1");
	assert_int_equal(model_thread_of(one)->n_comments, 2);
	assert_null(model_thread_of(all));
	assert_null(model_thread_at(one, 0));
	/* A 404 on a revalidation: the thread is gone, and gone from the
	 * room's threads. */
	model_refresh(f->m, one);
	assert_true(fake_complete(&f->ft, 4, 404,
	                          "{\"error\":\"RESOURCE_NOT_FOUND\",\"message\":\"Thread with id "
	                          "\\\"th_1\\\" not found.\"}"));
	assert_true(one->gone);
	assert_null(model_thread_of(one));
	assert_int_equal(model_count(all), 1);
	assert_string_equal(model_thread_at(all, 0)->id, "th_2");
	model_release(f->m, &one);
	model_release(f->m, &all);
	model_release(f->m, &open);
}

/* Request k was a change to url with body, sent as JSON, never retried. */
static void expect_change(struct fx *f, size_t k, enum http_method method, const char *url,
                          const char *body)
{
	const struct fake_request *r = fake_req(&f->ft, k);

	expect_req(f, k, method, url);
	if (body) {
		assert_non_null(r->body);
		assert_string_equal(r->body, body);
		assert_string_equal(fake_header(r, "Content-Type"), "application/json");
	} else {
		assert_null(r->body);
	}
}

static void test_thread_changes(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	struct resource *list = model_threads(f->m, "r1", NULL);

	assert_true(fake_complete(&f->ft, 0, 200, list_body()));
	model_thread_create(f->m, "r1", "alice", BODY("hi"), "{\"status\":\"open\"}", on_tdone, &t);
	expect_change(f, 1, HTTP_POST, ROOM "/threads",
	              "{\"comment\":{\"userId\":\"alice\",\"body\":" BODY(
	                  "hi") "},"
	                        "\"metadata\":{\"status\":\"open\"}}");
	assert_true(fake_complete(&f->ft, 1, 200, THREAD_JSON));
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.err.status, LB_OK);
	assert_string_equal(t.id, "th_1");
	assert_string_equal(t.body, THREAD_JSON);
	/* The room's threads are read again. */
	expect_req(f, 2, HTTP_GET, ROOM "/threads");
	assert_true(fake_complete(&f->ft, 2, 200, list_body()));

	model_thread_create(f->m, "r1", "alice", BODY("hi"), NULL, on_tdone, &t);
	expect_change(f, 3, HTTP_POST, ROOM "/threads",
	              "{\"comment\":{\"userId\":\"alice\",\"body\":" BODY("hi") "}}");
	fake_complete(&f->ft, 3, 200, THREAD_JSON);
	fake_complete(&f->ft, 4, 200, list_body());

	size_t k = fake_count(&f->ft);
	model_thread_resolve(f->m, "r1", "th_1", "bob", true, on_tdone, &t);
	expect_change(f, k, HTTP_POST, ROOM "/threads/th_1/mark-as-resolved",
	              "{\"userId\":\"bob\"}");
	fake_complete(&f->ft, k, 200, THREAD_JSON);
	fake_complete(&f->ft, k + 1, 200, list_body());
	model_thread_resolve(f->m, "r1", "th_1", "bob", false, on_tdone, &t);
	expect_change(f, k + 2, HTTP_POST, ROOM "/threads/th_1/mark-as-unresolved",
	              "{\"userId\":\"bob\"}");
	fake_complete(&f->ft, k + 2, 200, THREAD_JSON);
	fake_complete(&f->ft, k + 3, 200, list_body());
	model_thread_metadata(f->m, "r1", "th_1", "bob", "{\"a\":1,\"b\":null}", on_tdone, &t);
	expect_change(f, k + 4, HTTP_POST, ROOM "/threads/th_1/metadata",
	              "{\"metadata\":{\"a\":1,\"b\":null},\"userId\":\"bob\"}");
	fake_complete(&f->ft, k + 4, 200, "{\"a\":1}");
	assert_string_equal(t.body, "{\"a\":1}");
	fake_complete(&f->ft, k + 5, 200, list_body());
	model_thread_subscribe(f->m, "r1", "th_1", "carol", true, on_tdone, &t);
	expect_change(f, k + 6, HTTP_POST, ROOM "/threads/th_1/subscribe",
	              "{\"userId\":\"carol\"}");
	fake_complete(&f->ft, k + 6, 200, "{}");
	fake_complete(&f->ft, k + 7, 200, list_body());
	model_thread_subscribe(f->m, "r1", "th_1", "carol", false, on_tdone, &t);
	expect_change(f, k + 8, HTTP_POST, ROOM "/threads/th_1/unsubscribe",
	              "{\"userId\":\"carol\"}");
	fake_complete(&f->ft, k + 8, 200, "{}");
	fake_complete(&f->ft, k + 9, 200, list_body());
	/* Reads: no body, read again, and nothing read after. */
	model_thread_subscriptions(f->m, "r1", "th_1", on_tdone, &t);
	expect_change(f, k + 10, HTTP_GET, ROOM "/threads/th_1/subscriptions", NULL);
	fake_complete(&f->ft, k + 10, 200, "{\"data\":[]}");
	model_thread_participants(f->m, "r1", "th_1", on_tdone, &t);
	expect_change(f, k + 11, HTTP_GET, ROOM "/threads/th_1/participants", NULL);
	fake_complete(&f->ft, k + 11, 200, "{\"participantIds\":[]}");
	assert_int_equal(fake_count(&f->ft), k + 12);
	assert_int_equal(t.calls, 9);
	assert_int_equal(t.err.status, LB_OK);

	/* What no server should get: refused at once. */
	model_thread_resolve(f->m, "r1", "th_1", "", true, on_tdone, &t);
	assert_int_equal(t.err.status, LB_USAGE);
	assert_string_equal(t.err.message, "no user to write as");
	model_thread_metadata(f->m, "r1", "th_1", "bob", "{\"a\":", on_tdone, &t);
	assert_int_equal(t.err.status, LB_USAGE);
	model_thread_create(f->m, "r1", "alice", "not json", NULL, on_tdone, &t);
	assert_int_equal(t.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), k + 12);
	model_release(f->m, &list);
}

static void test_comment_changes(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	const char *comment = "{\"type\":\"comment\",\"id\":\"cm_9\",\"threadId\":\"th_1\"}";

	model_comment_get(f->m, "r1", "th_1", "cm_1", on_tdone, &t);
	expect_change(f, 0, HTTP_GET, ROOM "/threads/th_1/comments/cm_1", NULL);
	fake_complete(&f->ft, 0, 200, comment);
	assert_string_equal(t.body, comment);
	model_comment_create(f->m, "r1", "th_1", "alice", BODY("re"), on_tdone, &t);
	expect_change(f, 1, HTTP_POST, ROOM "/threads/th_1/comments",
	              "{\"userId\":\"alice\",\"body\":" BODY("re") "}");
	fake_complete(&f->ft, 1, 200, comment);
	assert_string_equal(t.id, "cm_9");
	model_comment_edit(f->m, "r1", "th_1", "cm_9", BODY("re2"), NULL, on_tdone, &t);
	expect_change(f, 2, HTTP_POST, ROOM "/threads/th_1/comments/cm_9",
	              "{\"body\":" BODY("re2") "}");
	fake_complete(&f->ft, 2, 200, comment);
	model_comment_react(f->m, "r1", "th_1", "cm_9", "bob", "👍", true, on_tdone, &t);
	expect_change(f, 3, HTTP_POST, ROOM "/threads/th_1/comments/cm_9/add-reaction",
	              "{\"emoji\":\"👍\",\"userId\":\"bob\"}");
	fake_complete(&f->ft, 3, 200, "{\"emoji\":\"👍\",\"userId\":\"bob\"}");
	model_comment_react(f->m, "r1", "th_1", "cm_9", "bob", "👍", false, on_tdone, &t);
	expect_change(f, 4, HTTP_POST, ROOM "/threads/th_1/comments/cm_9/remove-reaction",
	              "{\"emoji\":\"👍\",\"userId\":\"bob\"}");
	fake_complete(&f->ft, 4, 204, NULL);
	assert_int_equal(t.calls, 5);
	assert_int_equal(t.err.status, LB_OK);
	model_comment_react(f->m, "r1", "th_1", "cm_9", "bob", "", true, on_tdone, &t);
	assert_int_equal(t.err.status, LB_USAGE);
	model_comment_create(f->m, "r1", "th_1", NULL, BODY("re"), on_tdone, &t);
	assert_int_equal(t.err.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 5);
}

/* An edit replaces the body that was shown, or nothing: the comment is
 * read again first (a read: no body), and another body, or a deleted
 * comment, is refused; a reaction added meanwhile is no reason to refuse. */
static void test_edit_checks_what_was_shown(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	const char *seen = "{\"id\":\"cm_1\",\"reactions\":[],\"body\":" BODY("old") "}";

	model_comment_edit(f->m, "r1", "th_1", "cm_1", BODY("new"), seen, on_tdone, &t);
	expect_change(f, 0, HTTP_GET, ROOM "/threads/th_1/comments/cm_1", NULL);
	assert_true(fake_complete(&f->ft, 0, 200,
	                          "{\"id\":\"cm_1\",\"reactions\":[{\"emoji\":\"x\",\"users\":[]}],"
	                          "\"body\":" BODY("old") "}"));
	expect_change(f, 1, HTTP_POST, ROOM "/threads/th_1/comments/cm_1",
	              "{\"body\":" BODY("new") "}");
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"cm_1\"}"));
	assert_int_equal(t.err.status, LB_OK);
	size_t k = fake_count(&f->ft);

	model_comment_edit(f->m, "r1", "th_1", "cm_1", BODY("new"), seen, on_tdone, &t);
	assert_true(fake_complete(&f->ft, k, 200, "{\"id\":\"cm_1\",\"body\":" BODY("other") "}"));
	assert_int_equal(t.err.status, LB_HTTP);
	assert_string_equal(t.err.code, "COMMENT_CHANGED");
	assert_string_equal(t.err.message, "the comment changed since it was shown; it was not "
	                                   "edited (look at it again and retry)");
	model_comment_edit(f->m, "r1", "th_1", "cm_1", BODY("new"), seen, on_tdone, &t);
	for (size_t i = k + 1; i < fake_count(&f->ft); i++)
		if (fake_req(&f->ft, i)->method == HTTP_GET && !fake_req(&f->ft, i)->finished &&
		    strstr(fake_req(&f->ft, i)->url, "/comments/cm_1"))
			assert_true(fake_complete(
			    &f->ft, i, 200,
			    "{\"id\":\"cm_1\",\"deletedAt\":\"2024-01-01T00:00:00Z\"}"));
	assert_string_equal(t.err.message,
	                    "the comment was deleted since it was shown; it was not edited");
	for (size_t i = k; i < fake_count(&f->ft); i++)
		assert_int_equal(fake_req(&f->ft, i)->method, HTTP_GET);
}

/* A POST goes out once: an answer that says nothing for sure is told as
 * such (LB_UNSURE), never sent again; the thread is read again, since it
 * may have changed. */
static void test_post_at_most_once(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	struct resource *th = model_thread(f->m, "r1", "th_1");

	assert_true(fake_complete(&f->ft, 0, 200, THREAD_JSON));
	model_comment_create(f->m, "r1", "th_1", "alice", BODY("once"), on_tdone, &t);
	assert_false(fake_req(&f->ft, 1)->idempotent);
	assert_true(fake_fail(&f->ft, 1, LB_UNSURE, "the connection closed before an answer"));
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.err.status, LB_UNSURE);
	/* Nothing more but the thread read again. */
	assert_int_equal(fake_count(&f->ft), 3);
	expect_req(f, 2, HTTP_GET, ROOM "/threads/th_1");
	/* A 503 is an answer: no retry either. */
	model_thread_create(f->m, "r1", "alice", BODY("once"), NULL, on_tdone, &t);
	assert_false(fake_req(&f->ft, 3)->idempotent);
	assert_true(fake_complete(&f->ft, 3, 503, "{\"error\":\"x\",\"message\":\"busy\"}"));
	assert_int_equal(t.err.http_status, 503);
	assert_int_equal(fake_count(&f->ft), 4);
	model_release(f->m, &th);
}

/* ---- deletes ---------------------------------------------------------- */

static void test_delete_keeps_first(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	struct resource *list = model_threads(f->m, "r1", NULL);

	assert_true(fake_complete(&f->ft, 0, 200, list_body()));
	model_thread_delete(f->m, "r1", "th_1", THREAD_JSON, on_tdone, &t);
	/* The thread as it is now is read, and kept before the DELETE. */
	expect_req(f, 1, HTTP_GET, ROOM "/threads/th_1");
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_true(fake_complete(&f->ft, 1, 200, THREAD_JSON));
	assert_int_equal(fake_count(&f->ft), 3);
	expect_req(f, 2, HTTP_DELETE, ROOM "/threads/th_1");
	assert_kept(f, THREAD_JSON);
	assert_int_equal(t.calls, 0);
	assert_true(fake_complete(&f->ft, 2, 204, NULL));
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.err.status, LB_OK);
	/* The file stays: a moderator's record; the result names it. */
	char path[512];
	assert_int_equal(kept_files(f, path, sizeof(path)), 1);
	assert_string_equal(t.saved, path);
	assert_non_null(strstr(path, "/lbtui/thread-r1-th_1-"));
	/* Gone from the room's threads at once, and read again. */
	assert_int_equal(model_count(list), 1);
	assert_string_equal(model_thread_at(list, 0)->id, "th_2");
	expect_req(f, 3, HTTP_GET, ROOM "/threads");
	model_release(f->m, &list);
}

static void test_delete_refuses_what_changed(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	const char *seen = "{\"id\":\"cm_1\",\"userId\":\"a\",\"body\":" BODY("x") "}";
	/* The same value, keys in another order: not a change. */
	const char *same = "{\"body\":" BODY("x") ",\"userId\":\"a\",\"id\":\"cm_1\"}";

	model_comment_delete(f->m, "r1", "th_1", "cm_1", seen, on_tdone, &t);
	expect_req(f, 0, HTTP_GET, ROOM "/threads/th_1/comments/cm_1");
	assert_true(fake_complete(
	    &f->ft, 0, 200, "{\"id\":\"cm_1\",\"userId\":\"a\",\"body\":" BODY("edited") "}"));
	assert_int_equal(t.err.status, LB_HTTP);
	assert_string_equal(t.err.code, "COMMENT_CHANGED");
	assert_string_equal(t.err.message, "the comment changed since it was shown; nothing was "
	                                   "deleted (look at it again and retry)");
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_string_equal(t.saved, "");

	model_comment_delete(f->m, "r1", "th_1", "cm_1", seen, on_tdone, &t);
	assert_true(fake_complete(&f->ft, 1, 200, same));
	expect_req(f, 2, HTTP_DELETE, ROOM "/threads/th_1/comments/cm_1");
	/* A refusal deleted nothing: no copy is left behind. */
	assert_int_equal(kept_files(f, NULL, 0), 1);
	assert_true(fake_complete(&f->ft, 2, 403, "{\"error\":\"FORBIDDEN\",\"message\":\"no\"}"));
	assert_int_equal(t.err.http_status, 403);
	assert_int_equal(kept_files(f, NULL, 0), 0);
	assert_string_equal(t.saved, "");
	/* A read that fails deletes nothing and says so. */
	model_comment_delete(f->m, "r1", "th_1", "cm_1", seen, on_tdone, &t);
	assert_true(fake_complete(&f->ft, 3, 404,
	                          "{\"error\":\"RESOURCE_NOT_FOUND\",\"message\":\"Comment with id "
	                          "\\\"cm_1\\\" not found.\"}"));
	assert_non_null(strstr(t.err.message, "nothing was deleted"));
	assert_int_equal(fake_count(&f->ft), 4);
}

/* A DELETE without an answer may have happened: the copy stays, named. */
static void test_delete_unsure_keeps_the_copy(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};

	model_comment_delete(f->m, "r1", "th_1", "cm_1", NULL, on_tdone, &t);
	assert_true(fake_complete(&f->ft, 0, 200, "{\"id\":\"cm_1\"}"));
	assert_false(fake_req(&f->ft, 1)->idempotent);
	assert_true(fake_fail(&f->ft, 1, LB_UNSURE, "no answer"));
	assert_int_equal(t.err.status, LB_UNSURE);
	assert_kept(f, "{\"id\":\"cm_1\"}");
	assert_non_null(strstr(t.saved, "/comment-r1-th_1-cm_1-"));
	/* Read again after, never deleted again. */
	for (size_t k = 2; k < fake_count(&f->ft); k++)
		assert_int_equal(fake_req(&f->ft, k)->method, HTTP_GET);
}

/* Nowhere to keep the copy: nothing is deleted. */
static void test_delete_without_a_copy_deletes_nothing(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};
	char file[128];

	/* The state directory and $TMPDIR are files, not directories. */
	snprintf(file, sizeof(file), "%s/file", f->dir);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	setenv("XDG_STATE_HOME", file, 1);
	setenv("TMPDIR", file, 1);
	model_thread_delete(f->m, "r1", "th_1", NULL, on_tdone, &t);
	assert_true(fake_complete(&f->ft, 0, 200, THREAD_JSON));
	unsetenv("TMPDIR");
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.err.status, LB_CONFIG);
	assert_non_null(strstr(t.err.message, "the thread could not be saved before deleting it"));
	assert_non_null(strstr(t.err.message, "nothing was deleted"));
	assert_int_equal(fake_count(&f->ft), 1);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct tres t = {0};

	model_thread_create(f->m, "r1", "a", BODY("x"), NULL, on_tdone, &t);
	model_thread_delete(f->m, "r1", "th_1", NULL, on_tdone, &t);
	model_thread_resolve(f->m, "r1", "th_1", "a", true, on_tdone, &t);
	model_thread_metadata(f->m, "r1", "th_1", "a", "{}", on_tdone, &t);
	model_thread_subscribe(f->m, "r1", "th_1", "a", true, on_tdone, &t);
	model_comment_create(f->m, "r1", "th_1", "a", BODY("x"), on_tdone, &t);
	model_comment_edit(f->m, "r1", "th_1", "cm_1", BODY("x"), NULL, on_tdone, &t);
	model_comment_delete(f->m, "r1", "th_1", "cm_1", NULL, on_tdone, &t);
	model_comment_react(f->m, "r1", "th_1", "cm_1", "a", "x", true, on_tdone, &t);
	model_comment_react(f->m, "r1", "th_1", "cm_1", "a", "x", false, on_tdone, &t);
	assert_int_equal(t.calls, 10);
	assert_int_equal(t.err.status, LB_READONLY);
	/* Not even a delete's read went out. */
	assert_int_equal(fake_count(&f->ft), 0);
	/* Reads are reads. */
	model_thread_subscriptions(f->m, "r1", "th_1", on_tdone, &t);
	model_comment_get(f->m, "r1", "th_1", "cm_1", on_tdone, &t);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_true(fake_complete(&f->ft, 0, 200, "{\"data\":[]}"));
	assert_true(fake_complete(&f->ft, 1, 200, "{\"id\":\"cm_1\"}"));
	assert_int_equal(t.err.status, LB_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_thread),
	    cmocka_unit_test(test_preview_cut),
	    cmocka_unit_test(test_decode_errors),
	    cmocka_unit_test(test_decode_small),
	    cmocka_unit_test(test_query_build),
	    cmocka_unit_test(test_metadata_values),
	    cmocka_unit_test(test_metadata_limits),
	    cmocka_unit_test_setup_teardown(test_threads_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_comment_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_edit_checks_what_was_shown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_post_at_most_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_keeps_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_refuses_what_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_unsure_keeps_the_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_without_a_copy_deletes_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup_read_only, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
