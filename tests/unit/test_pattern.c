/* Patterns over threads (src/res/pattern.c): every term against threads
 * that have and lack what it looks for, how terms combine, the errors
 * and their columns, the part the server's thread query runs and what
 * the description says ran where, and the pattern written out again. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "threads.h"

/* 2024-05-10T00:00:00Z */
#define NOW 1715299200LL

#define BODY(text)                                                                                 \
	"{\"version\":1,\"content\":[{\"type\":\"paragraph\",\"children\":[{\"text\":\"" text      \
	"\"}]}]}"

/* th_1 in acme-support: ada then bob (a mention, a link, a reaction),
 * unresolved, updated a day before NOW, metadata status, priority, urgent. */
#define THREAD_1                                                                                      \
	"{\"type\":\"thread\",\"id\":\"th_1\",\"roomId\":\"acme-support\","                           \
	"\"createdAt\":\"2024-05-01T00:00:00.000Z\",\"updatedAt\":\"2024-05-09T00:00:00.000Z\","      \
	"\"metadata\":{\"status\":\"open\",\"priority\":2,\"urgent\":true,\"code\":\"42\"},"          \
	"\"resolved\":false,\"comments\":["                                                           \
	"{\"type\":\"comment\",\"id\":\"cm_1\",\"threadId\":\"th_1\",\"roomId\":\"acme-support\","    \
	"\"userId\":\"Ada\",\"createdAt\":\"2024-05-01T00:00:00.000Z\",\"body\":" BODY(               \
	    "The printer is ON FIRE, été") ",\"reactions\":[],\"attachments\":[]},"                   \
	                                   "{\"type\":\"comment\",\"id\":\"cm_2\",\"threadId\":"      \
	                                   "\"th_1\",\"roomId\":\"acme-support\","                    \
	                                   "\"userId\":\"bob\",\"createdAt\":\"2024-05-09T00:00:"     \
	                                   "00.000Z\",\"body\":"                                      \
	                                   "{\"version\":1,\"content\":[{\"type\":\"paragraph\","     \
	                                   "\"children\":[{\"text\":\"ask \"},"                       \
	                                   "{\"type\":\"mention\",\"kind\":\"user\",\"id\":"          \
	                                   "\"carol\"},{\"text\":\" or \"},"                          \
	                                   "{\"type\":\"link\",\"url\":\"https://"                    \
	                                   "x.io\",\"text\":\"the docs\"}]}]},"                       \
	                                   "\"reactions\":[{\"emoji\":\"👍\",\"createdAt\":\"2024-" \
	                                   "05-09T00:00:00.000Z\","                                   \
	                                   "\"users\":[{\"id\":\"dan\"}]}],\"attachments\":[]}]}"

/* th_2 in globex-wiki: carol, then a deleted comment; resolved, created
 * 3 weeks before NOW and never updated; no metadata. */
#define THREAD_2                                                                                   \
	"{\"type\":\"thread\",\"id\":\"th_2\",\"roomId\":\"globex-wiki\","                         \
	"\"createdAt\":\"2024-04-19T00:00:00.000Z\",\"metadata\":{},\"resolved\":true,"            \
	"\"comments\":["                                                                           \
	"{\"type\":\"comment\",\"id\":\"cm_3\",\"threadId\":\"th_2\",\"roomId\":\"globex-wiki\","  \
	"\"userId\":\"carol\",\"createdAt\":\"2024-04-19T00:00:00.000Z\",\"body\":" BODY(          \
	    "Wiki page needs a review") ",\"reactions\":[],\"attachments\":[]},"                   \
	                                "{\"type\":\"comment\",\"id\":\"cm_4\",\"threadId\":\"th_" \
	                                "2\",\"roomId\":\"globex-wiki\","                          \
	                                "\"userId\":\"ada\",\"createdAt\":\"2024-04-19T00:00:00."  \
	                                "000Z\","                                                  \
	                                "\"deletedAt\":\"2024-04-19T01:00:00.000Z\","              \
	                                "\"reactions\":[],\"attachments\":[]}]}"

struct fx {
	struct thread t[2];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	assert_true(thread_decode(THREAD_1, strlen(THREAD_1), &f->t[0], &err));
	assert_true(thread_decode(THREAD_2, strlen(THREAD_2), &f->t[1], &err));
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

/* Which of the two threads text matches: "12", "1", "2" or "". */
static const char *which(struct fx *f, const char *text)
{
	static char got[3];
	struct lb_error err;
	struct thread_pattern *p = thread_pattern_parse(text, &err);
	size_t k = 0;

	if (!p)
		fail_msg("'%s' did not parse: %s", text, err.message);
	for (int i = 0; i < 2; i++)
		if (thread_pattern_match(p, &f->t[i], NOW))
			got[k++] = (char)('1' + i);
	got[k] = '\0';
	thread_pattern_free(p);
	return got;
}

#define MATCHES(text, want) assert_string_equal(which(f, text), want)

static void test_terms(void **state)
{
	struct fx *f = *state;

	/* ~a any comment's author, ~A the first one's, in any case. */
	MATCHES("~a ada", "12");
	MATCHES("~a ADA", "12");
	MATCHES("~A ada", "1");
	MATCHES("~a bob", "1");
	MATCHES("~A carol", "2");
	MATCHES("~a zed", "");
	/* Found anywhere in the ID; ^ and $ hold it to the start and end. */
	MATCHES("~a ar", "2");
	MATCHES("~a ^ar", "");
	MATCHES("~a ^ca", "2");
	MATCHES("~a ^ad$", "");
	MATCHES("~a ^ada$", "12");
	MATCHES("~a ol$", "2");
	/* ~r the room ID. */
	MATCHES("~r acme", "1");
	MATCHES("~r ^globex", "2");
	MATCHES("~r ^support", "");
	MATCHES("~r WIKI$", "2");
	/* ~b and a word alone: a comment's text, as plain text (a mention
	 * as @id, a link as its text), in any case, beyond ASCII too. */
	MATCHES("~b fire", "1");
	MATCHES("FIRE", "1");
	MATCHES("ÉTÉ", "1");
	MATCHES("'on fire'", "1");
	MATCHES("\"the docs\"", "1");
	MATCHES("@carol", "1");
	MATCHES("x.io", "");
	MATCHES("review", "2");
	MATCHES("~b 'page needs'", "2");
	/* ~d the last activity's age: th_1 a day ago, th_2 three weeks. */
	MATCHES("~d <2d", "1");
	MATCHES("~d <1d", "");
	MATCHES("~d <25h", "1");
	MATCHES("~d >1w", "2");
	MATCHES("~d >3w", "");
	MATCHES("~d <30000m", "1");
	MATCHES("~d >100s", "12");
	/* ~R reactions, ~D a deleted comment, ~x resolved, ~U unresolved. */
	MATCHES("~R", "1");
	MATCHES("~D", "2");
	MATCHES("~x", "2");
	MATCHES("~U", "1");
	/* ~m: a key, a value of its type, a prefix, a comparison. */
	MATCHES("~m status", "1");
	MATCHES("~m nope", "");
	MATCHES("~m status=open", "1");
	MATCHES("~m status=Open", "");
	MATCHES("~m status^op", "1");
	MATCHES("~m status^x", "");
	MATCHES("~m priority=2", "1");
	MATCHES("~m priority=2.0", "1");
	MATCHES("~m 'priority=\"2\"'", "");
	MATCHES("~m code=42", "");
	MATCHES("~m 'code=\"42\"'", "1");
	MATCHES("~m urgent=true", "1");
	MATCHES("~m urgent=false", "");
	MATCHES("~m priority>1", "1");
	MATCHES("~m priority>2", "");
	MATCHES("~m priority>=2", "1");
	MATCHES("~m priority<2", "");
	MATCHES("~m priority<=2", "1");
	MATCHES("~m code>1", "");
}

static void test_combining(void **state)
{
	struct fx *f = *state;

	MATCHES("~a ada ~x", "2");
	MATCHES("~a bob | ~x", "12");
	MATCHES("!~x", "1");
	MATCHES("!~a bob", "2");
	MATCHES("!!~R", "1");
	/* | binds looser than terms side by side. */
	MATCHES("~a bob | ~a carol ~U", "1");
	MATCHES("(~a bob | ~a carol) ~U", "1");
	MATCHES("(~a bob | ~a carol) ~x", "2");
	MATCHES("~a ada (fire | review) !~D", "1");
	MATCHES("!(~R | ~D)", "");
	MATCHES("  ~R  ", "1");
	MATCHES("~a\tbob", "1");
}

/* The error of text, checked against its status and message. */
static void refused(const char *text, enum lb_status st, const char *want)
{
	struct lb_error err;
	struct thread_pattern *p = thread_pattern_parse(text, &err);

	if (p)
		fail_msg("'%s' parsed", text);
	assert_int_equal(err.status, st);
	if (!strstr(err.message, want))
		fail_msg("'%s': '%s' does not say '%s'", text, err.message, want);
}

static void test_errors(void **state)
{
	char deep[PATTERN_MAX_DEPTH + 8];

	(void)state;
	refused("", LB_USAGE, "pattern: it is empty");
	refused("   ", LB_USAGE, "empty");
	refused("~q", LB_USAGE, "pattern: column 1: '~q' is no pattern; the letters are");
	refused("~a bob ~q", LB_USAGE, "column 8: '~q'");
	/* Columns count characters, not bytes. */
	refused("été ~q", LB_USAGE, "column 5:");
	refused("~", LB_USAGE, "column 1:");
	refused("~a", LB_USAGE, "column 1: ~a needs a user ID");
	refused("~b ", LB_USAGE, "~b needs a text");
	refused("~r (x)", LB_USAGE, "~r needs a room ID");
	refused("~a ^$", LB_USAGE, "column 4: ~a needs a user ID");
	refused("~d 2d", LB_USAGE, "column 4: ~d wants <AGE or >AGE");
	refused("~d <2y", LB_USAGE, "not '<2y'");
	refused("~d <d", LB_USAGE, "~d wants");
	refused("~d <99999999999999999999d", LB_USAGE, "~d wants");
	refused("~m", LB_USAGE, "~m needs KEY or KEY=VALUE");
	refused("~m =x", LB_USAGE, "~m wants KEY");
	refused("~m n>x", LB_USAGE, "~m n> wants a number after it, not 'x'");
	refused("~m n<=", LB_USAGE, "~m n<= wants a number");
	refused("~m n^", LB_USAGE, "wants the text the value starts with");
	refused("~Rx", LB_USAGE, "column 3: ~R takes nothing after it");
	refused("(~R", LB_USAGE, "column 1: this ( is not closed");
	refused("~R)", LB_USAGE, "column 3: this ) closes nothing");
	refused(")", LB_USAGE, "column 1: this ) closes nothing");
	refused("~R |", LB_USAGE, "column 5: a term is missing at the end");
	refused("| ~R", LB_USAGE, "column 1: a term is missing before this |");
	refused("~R || ~D", LB_USAGE, "column 5: a term is missing before this |");
	refused("!", LB_USAGE, "column 2: a term is missing at the end");
	refused("~b 'open", LB_USAGE, "column 4: the quote ' is not closed");
	refused("\"x", LB_USAGE, "column 1: the quote \" is not closed");
	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	refused(deep, LB_USAGE, "nested deeper than 64");
	memset(deep, '!', sizeof(deep) - 1);
	refused(deep, LB_USAGE, "nested deeper than 64");
}

/* The server's query of text, whether a part is left, and the
 * description. */
static void split_as(const char *text, const char *query, bool rest, const char *described)
{
	struct lb_error err;
	struct thread_pattern *p = thread_pattern_parse(text, &err);
	bool local_rest, nomem;
	char *q, line[512];

	if (!p)
		fail_msg("'%s' did not parse: %s", text, err.message);
	q = thread_pattern_server_query(p, &local_rest, &nomem);
	assert_false(nomem);
	if (query)
		assert_string_equal(q ? q : "(null)", query);
	else
		assert_null(q);
	assert_int_equal(local_rest, rest);
	thread_pattern_describe(p, line, sizeof(line));
	assert_string_equal(line, described);
	free(q);
	thread_pattern_free(p);
}

static void test_server_part(void **state)
{
	(void)state;
	split_as("~U ~m status=open ~a ada", "resolved:false metadata[\"status\"]:\"open\"", true,
	         "server: resolved:false metadata[\"status\"]:\"open\" · local: ~a ada");
	/* Resolved first, as the SDK writes it, then metadata in order. */
	split_as("~m n>2 !~x ~m 'tag^a b' ~m ok=true ~m x<=-1.5",
	         "resolved:false metadata[\"n\"]>2 metadata[\"tag\"]^\"a b\" metadata[\"ok\"]:true "
	         "metadata[\"x\"]<=-1.5",
	         false,
	         "server: resolved:false metadata[\"n\"]>2 metadata[\"tag\"]^\"a b\" "
	         "metadata[\"ok\"]:true metadata[\"x\"]<=-1.5");
	split_as("~x", "resolved:true", false, "server: resolved:true");
	split_as("!~U", "resolved:true", false, "server: resolved:true");
	/* Text that is a number stays text; a key with a quote is escaped. */
	split_as("~m 'n=\"42\"' ~m 'a\"b=1'", "metadata[\"n\"]:\"42\" metadata[\"a\\\"b\"]:1",
	         false, "server: metadata[\"n\"]:\"42\" metadata[\"a\\\"b\"]:1");
	/* What the query language cannot say stays local: a key alone, a
	 * number with an exponent, a second resolved. */
	split_as("~m status ~m n=1e3 ~x ~U", "resolved:true", true,
	         "server: resolved:true · local: ~m status ~m n=1e3 ~U");
	/* Not a conjunction at the top: all of it is local. */
	split_as("~x | ~a bob", NULL, true, "local: ~x | ~a bob");
	split_as("!(~x ~R)", NULL, true, "local: !(~x ~R)");
	split_as("~a ada (~R | ~D)", NULL, true, "local: ~a ada (~R | ~D)");
	split_as("~x (~R | ~D)", "resolved:true", true, "server: resolved:true · local: (~R | ~D)");
}

/* text written out is want, and want reads back as itself. */
static void written_as(const char *text, const char *want)
{
	struct lb_error err;
	struct thread_pattern *p = thread_pattern_parse(text, &err), *again;
	char *out, *out2;

	if (!p)
		fail_msg("'%s' did not parse: %s", text, err.message);
	out = thread_pattern_text(p);
	assert_non_null(out);
	assert_string_equal(out, want);
	again = thread_pattern_parse(out, &err);
	assert_non_null(again);
	out2 = thread_pattern_text(again);
	assert_string_equal(out2, out);
	free(out);
	free(out2);
	thread_pattern_free(p);
	thread_pattern_free(again);
}

static void test_written_out(void **state)
{
	(void)state;
	written_as("  ~a   ada   ~x", "~a ada ~x");
	written_as("a|b c", "a | b c");
	written_as("(a | b) c", "(a | b) c");
	written_as("((a))", "a");
	written_as("!(a b)", "!(a b)");
	written_as("! ! a", "!!a");
	written_as("'two words' \"a'b\"", "\"two words\" \"a'b\"");
	written_as("'~a' '!x' '(' '' \\\\", "\"~a\" \"!x\" \"(\" \"\" \"\\\\\"");
	written_as("~b 'x\"y' ~m 'n=\"4 2\"'", "~b \"x\\\"y\" ~m \"n=\\\"4 2\\\"\"");
	written_as("a\\ b", "\"a b\"");
	written_as("~d <3h ~m k>=2 ~r ^r1$", "~d <3h ~m k>=2 ~r ^r1$");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_terms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_combining, setup, teardown),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_server_part),
	    cmocka_unit_test(test_written_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
