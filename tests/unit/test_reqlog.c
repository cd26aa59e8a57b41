/* The request log: the ring of the last entries and its listeners, the
 * line -v prints, and the request as a curl command that never holds the
 * key. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqlog.h"
#include "term_safe.h"

/* An entry as the http layer makes it. */
static struct reqlog_entry entry(enum http_method m, const char *url, long status)
{
	struct reqlog_entry e;

	memset(&e, 0, sizeof(e));
	e.method = m;
	e.url = strdup(url);
	assert_non_null(e.url);
	e.path = strstr(e.url, "/v2");
	e.status = status;
	e.retry_in_ms = -1;
	return e;
}

static void set(char **field, const char *value)
{
	*field = strdup(value);
	assert_non_null(*field);
}

struct heard {
	int calls;
	unsigned long last_seq;
};

static void on_entry(const struct reqlog_entry *e, void *ud)
{
	struct heard *h = ud;

	h->calls++;
	h->last_seq = e->seq;
}

static void test_ring_keeps_the_last_and_tells_listeners(void **state)
{
	struct reqlog *l = reqlog_new(REQLOG_MAX);
	struct heard h = {0}, other = {0};
	char url[64];

	(void)state;
	assert_non_null(l);
	assert_int_equal(reqlog_count(l), 0);
	assert_null(reqlog_get(l, 0));
	assert_int_equal(reqlog_find(l, 1), -1);
	assert_true(reqlog_listen(l, on_entry, &h));
	assert_true(reqlog_listen(l, on_entry, &other));
	for (int i = 1; i <= REQLOG_MAX + 20; i++) {
		struct reqlog_entry e;

		snprintf(url, sizeof(url), "http://h/v2/rooms/r%d", i);
		e = entry(HTTP_GET, url, 200);
		reqlog_add(l, &e);
		/* The ring took the strings. */
		assert_null(e.url);
		if (i == 10)
			reqlog_unlisten(l, on_entry, &other);
	}
	assert_int_equal(h.calls, REQLOG_MAX + 20);
	assert_int_equal(h.last_seq, REQLOG_MAX + 20);
	assert_int_equal(other.calls, 10);
	assert_int_equal(reqlog_count(l), REQLOG_MAX);
	/* Newest first; the twenty oldest are gone. */
	assert_int_equal(reqlog_get(l, 0)->seq, REQLOG_MAX + 20);
	assert_string_equal(reqlog_get(l, 0)->path, "/v2/rooms/r520");
	assert_int_equal(reqlog_get(l, REQLOG_MAX - 1)->seq, 21);
	assert_string_equal(reqlog_get(l, REQLOG_MAX - 1)->path, "/v2/rooms/r21");
	assert_null(reqlog_get(l, REQLOG_MAX));
	assert_int_equal(reqlog_find(l, 20), -1);
	assert_int_equal(reqlog_find(l, 21), REQLOG_MAX - 1);
	assert_int_equal(reqlog_find(l, REQLOG_MAX + 20), 0);
	assert_int_equal(reqlog_find(l, REQLOG_MAX + 21), -1);
	reqlog_free(&l);
	assert_null(l);
}

static void test_line(void **state)
{
	struct reqlog_entry e = entry(HTTP_GET, "http://h:1/v2/rooms?limit=5", 200);
	char *line;

	(void)state;
	e.ms = 12;
	e.bytes = 345;
	e.endpoint = "ROOMS_LIST";
	line = reqlog_line(&e);
	assert_string_equal(line, "http: GET /v2/rooms?limit=5 200 12 ms 345 bytes ROOMS_LIST");
	free(line);

	/* A retry, the next one announced, rate limits and a warning. */
	e.status = 429;
	e.retry = 1;
	e.retry_in_ms = 1000;
	set(&e.rate_limit, "100");
	set(&e.rate_remaining, "0");
	set(&e.rate_reset, "1700000000");
	set(&e.retry_after, "1");
	set(&e.warn, "slow down");
	line = reqlog_line(&e);
	assert_string_equal(line, "http: GET /v2/rooms?limit=5 429 12 ms 345 bytes ROOMS_LIST; "
	                          "retry 1; retry in 1000 ms; rate limit 100, remaining 0, reset "
	                          "1700000000; retry-after 1; warn: slow down");
	free(line);
	reqlog_entry_clear(&e);

	/* No answer, and no endpoint row. */
	e = entry(HTTP_POST, "http://h/v2/rooms/r/broadcast-event", 0);
	set(&e.failure, "no answer; not sent again");
	e.ms = 5;
	line = reqlog_line(&e);
	assert_string_equal(line, "http: POST /v2/rooms/r/broadcast-event failed (no answer; not "
	                          "sent again) 5 ms 0 bytes -");
	free(line);
	/* An answer refused after its status. */
	e.status = 200;
	free(e.failure);
	set(&e.failure, "too large");
	line = reqlog_line(&e);
	assert_non_null(strstr(line, " 200 (too large) 5 ms "));
	free(line);
	reqlog_entry_clear(&e);
}

static void test_curl_quotes_and_never_holds_the_key(void **state)
{
	struct reqlog_entry e = entry(HTTP_POST, "http://127.0.0.1:9/v2/rooms/it%27s/storage", 200);
	char *cmd;

	(void)state;
	set(&e.content_type, "application/json");
	set(&e.body, "{\"quote\":\"it's\",\"line\":\"a\nb\"}");
	e.body_len = e.body_total = strlen(e.body);
	cmd = reqlog_curl(&e);
	assert_string_equal(cmd, "curl -X POST 'http://127.0.0.1:9/v2/rooms/it%27s/storage' \\\n"
	                         "  -H \"Authorization: Bearer $LIVEBLOCKS_SECRET_KEY\" \\\n"
	                         "  -H 'Content-Type: application/json' \\\n"
	                         "  --data-binary '{\"quote\":\"it'\\''s\",\"line\":\"a\nb\"}'\n");
	assert_null(strstr(cmd, "sk_"));
	free(cmd);

	/* Binary: left out, saying so. */
	free(e.body);
	e.body = malloc(3);
	memcpy(e.body, "\x00\x01\x02", 3);
	e.body_len = e.body_total = 3;
	cmd = reqlog_curl(&e);
	assert_true(strncmp(cmd, "# The body (3 bytes) is binary", 30) == 0);
	assert_null(strstr(cmd, "--data-binary '"));
	free(cmd);
	/* Declared as bytes: the same, even if it reads as text. */
	memcpy(e.body, "abc", 3);
	free(e.content_type);
	set(&e.content_type, "application/octet-stream");
	cmd = reqlog_curl(&e);
	assert_non_null(strstr(cmd, "is binary"));
	assert_non_null(strstr(cmd, "-H 'Content-Type: application/octet-stream'"));
	free(cmd);
	/* Longer than what the log keeps. */
	e.body_total = REQLOG_BODY_MAX + 1;
	cmd = reqlog_curl(&e);
	assert_non_null(strstr(cmd, "# The body (4097 bytes) is longer than 4 KiB"));
	assert_null(strstr(cmd, "--data-binary '"));
	free(cmd);
	/* What looked like a key was not kept. */
	free(e.body);
	e.body = NULL;
	e.body_len = 0;
	e.body_total = 40;
	e.body_secret = true;
	cmd = reqlog_curl(&e);
	assert_non_null(strstr(cmd, "looks like a secret key"));
	free(cmd);
	reqlog_entry_clear(&e);

	/* A GET: no type, no body. */
	e = entry(HTTP_GET, "http://h/v2/rooms/a%20b", 200);
	cmd = reqlog_curl(&e);
	assert_string_equal(cmd, "curl -X GET 'http://h/v2/rooms/a%20b' \\\n"
	                         "  -H \"Authorization: Bearer $LIVEBLOCKS_SECRET_KEY\"\n");
	free(cmd);
	reqlog_entry_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_keeps_the_last_and_tells_listeners),
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_curl_quotes_and_never_holds_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
