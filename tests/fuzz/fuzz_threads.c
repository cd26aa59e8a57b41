/* libFuzzer target for the threads family's decoders (src/res/threads.h):
 * a room's threads, a thread, a comment, subscriptions, participants, a
 * reaction, and the metadata summary. The input is the response body,
 * passed without a terminating NUL so that reading past it is caught. A
 * failure leaves the outputs empty and says why; what is decoded has its
 * IDs, dates parsed as the decoder says, a preview that is whole UTF-8
 * characters of at most 160 bytes and one line, a body only where the
 * comment is not deleted. Build and run with tests/fuzz/run.sh SECONDS
 * threads. */
#include "lbconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,         \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void check_failure(const struct lb_error *err)
{
	CHECK(err->status == LB_DECODE || err->status == LB_NOMEM);
	CHECK(memchr(err->message, '\0', sizeof(err->message)) && err->message[0] != '\0');
}

/* At most 160 bytes, one line. */
static void check_preview(const char *p)
{
	CHECK(strlen(p) <= 160);
	CHECK(!strchr(p, '\n') && !strchr(p, '\r'));
}

static void check_comment(const struct comment *c)
{
	CHECK(c->id != NULL);
	CHECK(c->created_s == iso8601_parse(c->created_at));
	CHECK(c->deleted_s == iso8601_parse(c->deleted_at));
	CHECK(!(c->deleted_at && c->body_json));
	CHECK(c->preview != NULL && c->metadata_json != NULL);
	check_preview(c->preview);
	size_t users = 0;
	for (size_t i = 0; i < c->n_reactions; i++) {
		CHECK(c->reactions[i].emoji != NULL);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(c->reactions[i].emoji, c->reactions[j].emoji) != 0);
		users += c->reactions[i].users.n;
	}
	CHECK(comment_reaction_count(c) == users);
}

static void check_thread(const struct thread *t)
{
	char meta[256];

	CHECK(t->id != NULL && t->raw_json != NULL && t->metadata_json != NULL);
	CHECK(t->updated_s == iso8601_parse(t->updated_at));
	for (size_t i = 0; i < t->n_comments; i++)
		check_comment(&t->comments[i]);
	CHECK(thread_bytes(t) >= sizeof(*t));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	CHECK(strlen(meta) < sizeof(meta));
}

static void fuzz_list(const char *body, size_t len)
{
	struct thread *t = (struct thread *)1;
	size_t n = 12345;
	struct lb_error err;

	if (!thread_list_decode(body, len, &t, &n, &err)) {
		check_failure(&err);
		CHECK(t == NULL && n == 0);
		return;
	}
	CHECK(err.status == LB_OK && (n == 0 || t != NULL));
	for (size_t i = 0; i < n; i++)
		check_thread(&t[i]);
	threads_free(t, n);
}

static void fuzz_one(const char *body, size_t len)
{
	struct thread t;
	struct comment c;
	struct reaction r;
	struct lb_error err;

	if (thread_decode(body, len, &t, &err)) {
		check_thread(&t);
		thread_clear(&t);
	} else {
		check_failure(&err);
		CHECK(t.id == NULL && t.comments == NULL);
	}
	if (comment_decode(body, len, &c, &err)) {
		check_comment(&c);
		comment_clear(&c);
	} else {
		check_failure(&err);
		CHECK(c.id == NULL);
	}
	if (reaction_decode(body, len, &r, &err)) {
		CHECK(r.emoji != NULL);
		reaction_clear(&r);
	} else {
		check_failure(&err);
		CHECK(r.emoji == NULL && r.users.n == 0);
	}
}

static void fuzz_small(const char *body, size_t len)
{
	struct thread_subscription *s = (struct thread_subscription *)1;
	struct strv ids;
	size_t n = 12345;
	struct lb_error err;

	if (thread_subscriptions_decode(body, len, &s, &n, &err)) {
		for (size_t i = 0; i < n; i++) {
			CHECK(s[i].user_id != NULL);
			CHECK(s[i].created_s == iso8601_parse(s[i].created_at));
		}
		thread_subscriptions_free(s, n);
	} else {
		check_failure(&err);
		CHECK(s == NULL && n == 0);
	}
	if (thread_participants_decode(body, len, &ids, &err)) {
		for (size_t i = 0; i < ids.n; i++)
			CHECK(ids.v[i] != NULL);
		strv_free(&ids);
	} else {
		check_failure(&err);
		CHECK(ids.n == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes: no NUL after the body */
	char *body = malloc(size ? size : 1);

	if (!body)
		return 0;
	memcpy(body, data, size);
	fuzz_list(body, size);
	fuzz_one(body, size);
	fuzz_small(body, size);
	free(body);
	return 0;
}
