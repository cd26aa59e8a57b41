/* Tokens (src/res/tokens.c): the permissions builder against the API's
 * list and its patterns, base64url and JWT decoding, and the expiry as
 * text. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokens.h"

static void test_permissions(void **state)
{
	(void)state;
	assert_true(token_permission_ok("room:write"));
	assert_true(token_permission_ok("room:read"));
	assert_true(token_permission_ok("room:presence:write"));
	assert_true(token_permission_ok("comments:write"));
	assert_true(token_permission_ok("comments:read"));
	assert_false(token_permission_ok("room:admin"));
	assert_false(token_permission_ok("ROOM:WRITE"));
	assert_false(token_permission_ok(""));
}

static void test_patterns(void **state)
{
	char long_id[140];

	(void)state;
	assert_true(token_pattern_ok("room-1"));
	assert_true(token_pattern_ok("team-*"));
	assert_true(token_pattern_ok("*"));
	assert_false(token_pattern_ok(""));
	assert_false(token_pattern_ok("a*b"));
	assert_false(token_pattern_ok("**"));
	memset(long_id, 'a', 128);
	long_id[128] = '\0';
	assert_true(token_pattern_ok(long_id));
	long_id[128] = '*';
	long_id[129] = '\0';
	assert_true(token_pattern_ok(long_id));
	long_id[128] = 'a';
	assert_false(token_pattern_ok(long_id));
}

static void test_perms_builder(void **state)
{
	cJSON *perms = cJSON_CreateObject();
	struct lb_error err;
	char *text;

	(void)state;
	assert_true(token_perms_add(perms, "room-1=room:write", &err));
	assert_true(token_perms_add(perms, "team-*=room:read,comments:write", &err));
	text = cJSON_PrintUnformatted(perms);
	assert_string_equal(
	    text, "{\"room-1\":[\"room:write\"],\"team-*\":[\"room:read\",\"comments:write\"]}");
	cJSON_free(text);

	assert_false(token_perms_add(perms, "room-2=room:admin", &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "unknown permission 'room:admin'"));
	assert_false(token_perms_add(perms, "a*b=room:read", &err));
	assert_non_null(strstr(err.message, "'a*b' is not a room pattern"));
	assert_false(token_perms_add(perms, "room-1=room:read", &err));
	assert_non_null(strstr(err.message, "given twice"));
	assert_false(token_perms_add(perms, "room-3", &err));
	assert_non_null(strstr(err.message, "PATTERN=PERMS"));
	assert_false(token_perms_add(perms, "room-3=", &err));
	assert_false(token_perms_add(perms, "=room:read", &err));
	/* Nothing failed was added. */
	assert_int_equal(cJSON_GetArraySize(perms), 2);

	for (int i = 2; i < TOKEN_MAX_PATTERNS; i++) {
		char spec[32];
		snprintf(spec, sizeof(spec), "r%d=room:read", i);
		assert_true(token_perms_add(perms, spec, &err));
	}
	assert_false(token_perms_add(perms, "one-more=room:read", &err));
	assert_non_null(strstr(err.message, "at most 10"));
	cJSON_Delete(perms);
}

static void test_base64url(void **state)
{
	char *out;
	size_t n;

	(void)state;
	assert_true(base64url_decode("aGVsbG8", 7, &out, &n));
	assert_int_equal(n, 5);
	assert_string_equal(out, "hello");
	free(out);
	assert_true(base64url_decode("aGVsbG8=", 8, &out, &n));
	assert_string_equal(out, "hello");
	free(out);
	/* - and _ where base64 has + and /. */
	assert_true(base64url_decode("-_8", 3, &out, &n));
	assert_int_equal(n, 2);
	assert_int_equal((unsigned char)out[0], 0xfb);
	assert_int_equal((unsigned char)out[1], 0xff);
	free(out);
	assert_true(base64url_decode("", 0, &out, &n));
	assert_int_equal(n, 0);
	free(out);
	assert_false(base64url_decode("a+b/", 4, &out, &n));
	assert_false(base64url_decode("abcde", 5, &out, &n));
}

/* The dev server's kind of token: {"alg":"none","typ":"JWT"} and claims. */
#define TOKEN                                                                                      \
	"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."                                                     \
	"eyJrIjoiYWNjIiwidWlkIjoiYWRhIiwicGVybXMiOnsidGVhbS0qIjpbInJvb206cmVhZCJdfSwiZXhwIjoxNzAw" \
	"MDAzNjAwfQ."

static void test_jwt(void **state)
{
	struct jwt j;
	struct lb_error err;

	(void)state;
	assert_true(jwt_decode(TOKEN, &j, &err));
	assert_string_equal(cJSON_GetObjectItem(j.header, "alg")->valuestring, "none");
	assert_string_equal(cJSON_GetObjectItem(j.claims, "uid")->valuestring, "ada");
	assert_string_equal(
	    cJSON_GetArrayItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(j.claims, "perms"), "team-*"), 0)
	        ->valuestring,
	    "room:read");
	assert_int_equal((long long)cJSON_GetObjectItem(j.claims, "exp")->valuedouble, 1700003600);
	jwt_clear(&j);

	assert_false(jwt_decode("not-a-token", &j, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_null(j.header);
	assert_false(jwt_decode("eyJhbGciOiJub25lIn0.!!!.", &j, &err));
	assert_non_null(strstr(err.message, "claims"));
	assert_null(j.header);
	/* A part that is JSON but no object. */
	assert_false(jwt_decode("WzFd.WzFd.", &j, &err));
	assert_non_null(strstr(err.message, "header"));
}

static void test_expiry_text(void **state)
{
	char s[64];

	(void)state;
	expiry_text(1000 + 3599, 1000, s, sizeof(s));
	assert_string_equal(s, "in 59 minutes");
	expiry_text(1000 + 60, 1000, s, sizeof(s));
	assert_string_equal(s, "in 1 minute");
	expiry_text(1000 + 30, 1000, s, sizeof(s));
	assert_string_equal(s, "in 30 seconds");
	expiry_text(1000, 1000, s, sizeof(s));
	assert_string_equal(s, "in 0 seconds");
	expiry_text(1000 + 5 * 3600 + 10, 1000, s, sizeof(s));
	assert_string_equal(s, "in 5 hours");
	expiry_text(1000 + 3 * 86400, 1000, s, sizeof(s));
	assert_string_equal(s, "in 3 days");
	expiry_text(1000, 1000 + 180, s, sizeof(s));
	assert_string_equal(s, "expired 3 minutes ago");
	expiry_text(1000, 1001, s, sizeof(s));
	assert_string_equal(s, "expired 1 second ago");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_permissions),   cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_perms_builder), cmocka_unit_test(test_base64url),
	    cmocka_unit_test(test_jwt),           cmocka_unit_test(test_expiry_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
