/* libFuzzer target for the thread patterns (src/res/pattern.h): any
 * bytes as a pattern. Build and run with tests/fuzz/run.sh SECONDS
 * pattern.
 *
 * Invariants checked:
 *  - a refusal is LB_USAGE (or LB_NOMEM) with a message that starts
 *    "pattern: " and names a column within the text (or one past its
 *    end);
 *  - a pattern written out (thread_pattern_text) parses again, writes out
 *    the same, and matches exactly the threads the first one matches,
 *    whatever the time;
 *  - the server's part is not empty when there is one, there is one
 *    whenever nothing is left to run locally, and the description says
 *    "server: " or "local: ". */
#include "lbconfig.h"

#include "fuzz.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "threads.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BODY(text)                                                                                 \
	"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"" text      \
	"\"}]}]}"

static const char threads_json[] =
    "{\"data\":["
    "{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"acme-support\","
    "\"createdAt\":\"2024-05-01T00:00:00.000Z\",\"updatedAt\":\"2024-05-09T00:00:00.000Z\","
    "\"metadata\":{\"status\":\"open\",\"priority\":2,\"urgent\":true,\"code\":\"42\"},"
    "\"resolved\":false,\"comments\":["
    "{\"type\":\"comment\",\"id\":\"cm_1\",\"userId\":\"Ada\","
    "\"createdAt\":\"2024-05-01T00:00:00.000Z\",\"body\":" BODY(
        "The printer is ON FIRE, été") ",\"reactions\":[{\"emoji\":\"👍\",\"users\":[{\"id\":"
                                       "\"dan\"}]}]},"
                                       "{\"type\":\"comment\",\"id\":\"cm_2\",\"userId\":\"bob\","
                                       "\"createdAt\":\"2024-05-09T00:00:00.000Z\",\"deletedAt\":"
                                       "\"2024-05-09T01:00:00.000Z\"}]},"
                                       "{\"type\":\"thread\",\"id\":\"th_2\",\"roomId\":\"globex-"
                                       "wiki\","
                                       "\"createdAt\":\"2024-04-19T00:00:00.000Z\",\"metadata\":{"
                                       "\"n\":-1.5,\"t\":\"ab c\"},"
                                       "\"resolved\":true,\"comments\":["
                                       "{\"type\":\"comment\",\"id\":\"cm_3\",\"userId\":\"carol\","
                                       "\"createdAt\":\"2024-04-19T00:00:00.000Z\",\"body\":" BODY(
                                           "a (b) | c \\\"d\\\" ~x") "}]},"
                                                                     "{\"type\":\"thread\",\"id\":"
                                                                     "\"th_3\",\"metadata\":{},"
                                                                     "\"comments\":[]}"
                                                                     "]}";

static struct thread *threads;
static size_t n_threads;

/* Times the patterns are matched at: before, between and after the
 * threads' activity. */
static const long long times[] = {0, 1714000000LL, 1715299200LL, 4000000000LL};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lb_error err;

	(void)argc;
	(void)argv;
	CHECK(thread_list_decode(threads_json, strlen(threads_json), &threads, &n_threads, &err));
	CHECK(n_threads == 3);
	return 0;
}

static size_t characters(const char *s)
{
	size_t n = 0, len = strlen(s);

	for (size_t i = 0; i < len; n++) {
		long cp;
		i += utf8_decode((const unsigned char *)s + i, len - i, &cp);
	}
	return n;
}

static void check_refusal(const char *text, const struct lb_error *err)
{
	const char *col;

	CHECK(err->status == LB_USAGE || err->status == LB_NOMEM);
	CHECK(memchr(err->message, '\0', sizeof(err->message)) && err->message[0] != '\0');
	if (err->status == LB_NOMEM)
		return;
	CHECK(!strncmp(err->message, "pattern: ", 9));
	if ((col = strstr(err->message, "column "))) {
		long c = strtol(col + 7, NULL, 10);
		CHECK(c >= 1 && (size_t)c <= characters(text) + 1);
	}
}

static void check_pattern(const struct thread_pattern *p)
{
	struct lb_error err;
	char *text = thread_pattern_text(p), *again_text, *q, line[2048];
	struct thread_pattern *again;
	bool rest, nomem;

	CHECK(text != NULL);
	again = thread_pattern_parse(text, &err);
	if (!again) {
		fprintf(stderr, "written out: %s\nrefused: %s\n", text, err.message);
		CHECK(again != NULL);
	}
	again_text = thread_pattern_text(again);
	CHECK(again_text && !strcmp(again_text, text));
	for (size_t i = 0; i < n_threads; i++)
		for (size_t k = 0; k < sizeof(times) / sizeof(times[0]); k++)
			CHECK(thread_pattern_match(p, &threads[i], times[k]) ==
			      thread_pattern_match(again, &threads[i], times[k]));
	q = thread_pattern_server_query(p, &rest, &nomem);
	CHECK(!nomem);
	CHECK(!q || *q);
	CHECK(q || rest);
	thread_pattern_describe(p, line, sizeof(line));
	CHECK(!strncmp(line, "server: ", 8) || !strncmp(line, "local: ", 7));
	CHECK(!q || !strncmp(line, "server: ", 8));
	free(q);
	free(text);
	free(again_text);
	thread_pattern_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct thread_pattern *p;
	struct lb_error err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	p = thread_pattern_parse(text, &err);
	if (p)
		check_pattern(p);
	else
		check_refusal(text, &err);
	thread_pattern_free(p);
	free(text);
	return 0;
}
