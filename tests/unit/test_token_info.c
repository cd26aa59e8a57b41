/* The token as the token view reads it (src/res/token_info.h): header and
 * claims into plain strings, the permissions as rows, the times in words. */

#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "token_info.h"

/* {"alg":"HS256","typ":"JWT","kid":"key-7"} .
 * {"k":"acc","uid":"ada","ui":{"name":"Ada"},"tid":"acme",
 *  "perms":{"room-1":["room:write"],"team-*":["room:read","comments:write"]},
 *  "iat":1000,"exp":4600} */
static const char access_token[] =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImtleS03In0."
    "eyJrIjoiYWNjIiwidWlkIjoiYWRhIiwidWkiOnsibmFtZSI6IkFkYSJ9LCJ0aWQiOiJhY21lIiwicGVybXMiOnsic"
    "m9vbS0xIjpbInJvb206d3JpdGUiXSwidGVhbS0qIjpbInJvb206cmVhZCIsImNvbW1lbnRzOndyaXRlIl19LCJpYX"
    "QiOjEwMDAsImV4cCI6NDYwMH0.sig";

/* {"alg":"none"} . {"roomId":"r1","id":"cy","groupIds":["eng","ops"],
 * "userInfo":{"n":1},"scopes":["room:write"]}: a single-room token. */
static const char room_token[] =
    "eyJhbGciOiJub25lIn0."
    "eyJyb29tSWQiOiJyMSIsImlkIjoiY3kiLCJncm91cElkcyI6WyJlbmciLCJvcHMiXSwidXNlckluZm8iOnsibiI6MX"
    "0sInNjb3BlcyI6WyJyb29tOndyaXRlIl19.x";

static void test_access_token(void **state)
{
	struct token_info t;
	struct lb_error err;

	(void)state;
	assert_true(token_info_decode(access_token, &t, &err));
	assert_string_equal(t.alg, "HS256");
	assert_string_equal(t.typ, "JWT");
	assert_string_equal(t.kid, "key-7");
	assert_string_equal(t.kind, "acc");
	assert_string_equal(t.user, "ada");
	assert_string_equal(t.user_info, "{\"name\":\"Ada\"}");
	assert_string_equal(t.org, "acme");
	assert_null(t.groups);
	assert_null(t.room);
	assert_int_equal(t.n_perms, 2);
	assert_string_equal(t.perms[0].pattern, "room-1");
	assert_string_equal(t.perms[0].perms, "room:write");
	assert_string_equal(t.perms[1].pattern, "team-*");
	assert_string_equal(t.perms[1].perms, "room:read, comments:write");
	assert_true(t.has_iat && t.has_exp);
	assert_int_equal(t.iat, 1000);
	assert_int_equal(t.exp, 4600);
	token_info_clear(&t);
	assert_null(t.alg);
}

static void test_room_token(void **state)
{
	struct token_info t;
	struct lb_error err;

	(void)state;
	assert_true(token_info_decode(room_token, &t, &err));
	assert_string_equal(t.alg, "none");
	assert_null(t.typ);
	assert_null(t.kid);
	assert_string_equal(t.user, "cy");
	assert_string_equal(t.room, "r1");
	assert_string_equal(t.groups, "eng, ops");
	assert_string_equal(t.user_info, "{\"n\":1}");
	assert_string_equal(t.scopes, "room:write");
	assert_int_equal(t.n_perms, 0);
	assert_false(t.has_iat || t.has_exp);
	token_info_clear(&t);
}

static void test_not_a_token(void **state)
{
	struct token_info t;
	struct lb_error err;

	(void)state;
	assert_false(token_info_decode("abc", &t, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_non_null(strstr(err.message, "not a JWT"));
	assert_false(token_info_decode("e30.!!!.x", &t, &err));
	assert_non_null(strstr(err.message, "claims"));
	assert_null(t.alg);
	assert_int_equal(t.n_perms, 0);
}

static void test_when(void **state)
{
	char s[64];

	(void)state;
	token_when(1000 + 3540, 1000, s, sizeof(s));
	assert_string_equal(s, "in 59 minutes");
	token_when(1000, 1000 + 180, s, sizeof(s));
	assert_string_equal(s, "3 minutes ago");
	token_when(1000, 1000, s, sizeof(s));
	assert_string_equal(s, "0 seconds ago");
	token_when(1000, 1000 + 3600, s, sizeof(s));
	assert_string_equal(s, "60 minutes ago");
	expiry_text(1000, 1000 + 180, s, sizeof(s));
	assert_string_equal(s, "expired 3 minutes ago");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_access_token),
	    cmocka_unit_test(test_room_token),
	    cmocka_unit_test(test_not_a_token),
	    cmocka_unit_test(test_when),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
