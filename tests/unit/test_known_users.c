/* The user IDs the cache has seen, for completing a user argument:
 * model_user_ids over rooms' accesses, threads' comment authors and
 * mentions, group members, inboxes (their user and who mentioned),
 * room subscription settings (their user) and active users. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"

#include "groups.h"
#include "inbox.h"
#include "notify_settings.h"
#include "threads.h"

#define ROOM_JSON                                                                                  \
	"{\"type\":\"room\",\"id\":\"r1\",\"createdAt\":\"2024-01-01T00:00:00.000Z\","             \
	"\"defaultAccesses\":[],\"usersAccesses\":{\"ann\":[\"room:write\"],"                      \
	"\"zed\":[\"room:read\"]},\"groupsAccesses\":{\"g-team\":[\"room:write\"]},"               \
	"\"metadata\":{}}"

#define THREAD_JSON                                                                                \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"r1\","                                  \
	"\"createdAt\":\"2024-05-01T10:00:00.000Z\",\"metadata\":{},\"resolved\":false,"           \
	"\"comments\":[{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\","               \
	"\"roomId\":\"r1\",\"userId\":\"bob\",\"createdAt\":\"2024-05-01T10:00:00.000Z\","         \
	"\"reactions\":[],\"attachments\":[],\"body\":{\"version\":1,\"content\":["                \
	"{\"type\":\"paragraph\",\"children\":[{\"text\":\"hi \"},"                                \
	"{\"type\":\"mention\",\"kind\":\"user\",\"id\":\"cat\"},"                                 \
	"{\"type\":\"mention\",\"id\":\"abe\"},"                                                   \
	"{\"type\":\"mention\",\"kind\":\"group\",\"id\":\"g-ops\",\"userIds\":[\"dee\"]}]}]}}]}"

static const char *const *ids_of(struct fx *f, const char *prefix, size_t *n)
{
	static const char *out[64];

	*n = model_user_ids(f->m, prefix, out, 64);
	return out;
}

static void assert_ids(struct fx *f, const char *prefix, const char *want)
{
	size_t n;
	const char *const *ids = ids_of(f, prefix, &n);
	char got[512] = "";

	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, ids[i]);
	}
	assert_string_equal(got, want);
}

/* Nothing in the cache, nothing known; a resource still loading adds
 * nothing but the user it is about. */
static void test_empty(void **state)
{
	struct fx *f = *state;
	struct resource *r;

	assert_ids(f, "", "");
	r = model_groups(f->m);
	assert_ids(f, "", "");
	model_release(f->m, &r);
}

/* Each source adds its users, sorted, once each, the prefix kept to. */
static void test_every_source(void **state)
{
	struct fx *f = *state;
	struct resource *room = model_room(f->m, "r1");
	struct resource *threads, *groups, *inbox, *subs;
	size_t k = 0;

	assert_true(fake_complete(&f->ft, k++, 200, ROOM_JSON));
	assert_ids(f, "", "ann zed");

	threads = model_threads(f->m, "r1", NULL);
	assert_true(fake_complete(&f->ft, k++, 200, "{\"data\":[" THREAD_JSON "]}"));
	/* The author, the user mentions (one without a kind is a user's) and
	 * the users a group mention names; not the group. */
	assert_ids(f, "", "abe ann bob cat dee zed");

	groups = model_groups(f->m);
	assert_true(fake_complete(&f->ft, k++, 200,
	                          "{\"nextCursor\":null,\"data\":[{\"type\":\"group\",\"id\":"
	                          "\"g-team\",\"members\":[{\"id\":\"eve\"},{\"id\":\"ann\"}]}]}"));
	inbox = model_inbox(f->m, "fay", false, NULL);
	assert_true(fake_complete(&f->ft, k++, 200,
	                          "{\"nextCursor\":null,\"data\":[{\"kind\":\"textMention\",\"id\":"
	                          "\"in_1\",\"roomId\":\"r1\",\"threadId\":\"th_1\",\"notifiedAt\":"
	                          "\"2024-10-15T10:30:00.000Z\",\"readAt\":null,\"createdBy\":"
	                          "\"gus\",\"mentionId\":\"cm_1\"}]}"));
	subs = model_room_subscriptions(f->m, "hal");
	assert_true(fake_complete(&f->ft, k++, 200, "{\"nextCursor\":null,\"data\":[]}"));
	assert_ids(f, "", "abe ann bob cat dee eve fay gus hal zed");
	assert_ids(f, "a", "abe ann");
	assert_ids(f, "ann", "ann");
	assert_ids(f, "x", "");

	model_release(f->m, &subs);
	model_release(f->m, &inbox);
	model_release(f->m, &groups);
	model_release(f->m, &threads);
	model_release(f->m, &room);
}

/* A failed load adds nothing of its data; at most max IDs come back. */
static void test_failed_and_max(void **state)
{
	struct fx *f = *state;
	struct resource *groups = model_groups(f->m);
	const char *out[2];

	assert_true(fake_complete(&f->ft, 0, 500, "{\"error\":\"boom\"}"));
	assert_ids(f, "", "");
	model_release(f->m, &groups);

	struct resource *room = model_room(f->m, "r1");
	assert_true(fake_complete(&f->ft, 1, 200, ROOM_JSON));
	assert_int_equal(model_user_ids(f->m, "", out, 1), 1);
	assert_string_equal(out[0], "ann");
	assert_int_equal(model_user_ids(f->m, "", out, 0), 0);
	model_release(f->m, &room);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_and_max, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
