#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "live_watch.h"
#include "model.h"

/* What a live watch decides without a socket: polling when asked to or
 * when there is no loop, its reason handed once to each caller, one watch
 * shared per room and format, and the sparkline. */

static struct model *model_with(bool watch_poll)
{
	struct model_options o;

	model_options_default(&o);
	o.watch_poll = watch_poll;
	return model_new(NULL, &o);
}

static void test_poll_reasons(void **state)
{
	struct model *m = model_with(false);
	struct lb_error err;
	struct live_watch *a, *b, *c;
	char why[200];
	int owner1, owner2;

	(void)state;
	a = live_watch_open(m, "r1", false, true, true, &err);
	assert_non_null(a);
	assert_int_equal(live_watch_mode(a), LIVE_WATCH_POLLING);
	assert_string_equal(live_watch_mode_name(live_watch_mode(a)), "polling");
	assert_true(live_watch_take_reason(a, &owner1, why, sizeof(why)));
	assert_string_equal(why, "polling (--poll)");
	/* Once for each caller. */
	assert_false(live_watch_take_reason(a, &owner1, why, sizeof(why)));
	assert_true(live_watch_take_reason(a, &owner2, why, sizeof(why)));
	/* The same room, format and wish share the watch; another format does not. */
	b = live_watch_open(m, "r1", false, false, true, &err);
	assert_ptr_equal(a, b);
	c = live_watch_open(m, "r1", true, true, true, &err);
	assert_ptr_not_equal(a, c);
	assert_null(live_watch_doc(a, NULL));
	assert_int_equal(live_watch_op_count(a), 0);
	assert_int_equal(live_watch_user_count(a), 0);
	live_watch_close(&b);
	assert_null(b);
	live_watch_close(&a);
	live_watch_close(&c);
	/* No loop for a socket: polling, said so. */
	a = live_watch_open(m, "r2", false, true, false, &err);
	assert_int_equal(live_watch_mode(a), LIVE_WATCH_POLLING);
	assert_true(live_watch_take_reason(a, &owner1, why, sizeof(why)));
	assert_string_equal(why, "polling (no socket here)");
	live_watch_close(&a);
	model_free(&m);
	/* watch = poll in the config. */
	m = model_with(true);
	a = live_watch_open(m, "r1", false, true, false, &err);
	assert_true(live_watch_take_reason(a, &owner1, why, sizeof(why)));
	assert_string_equal(why, "polling (watch = poll in the config)");
	live_watch_close(&a);
	model_free(&m);
}

static void test_sparkline(void **state)
{
	struct live_watch_stats st;
	char out[LIVE_WATCH_SPARK * 4 + 1];

	(void)state;
	memset(&st, 0, sizeof(st));
	live_watch_sparkline(&st, 4, out, sizeof(out));
	assert_string_equal(out, "▁▁▁▁");
	/* Four columns of 15 s: the minute's quarters. */
	st.spark[LIVE_WATCH_SPARK - 1] = 60;
	st.spark[LIVE_WATCH_SPARK - 16] = 30;
	st.spark[LIVE_WATCH_SPARK - 31] = 1;
	live_watch_sparkline(&st, 4, out, sizeof(out));
	assert_string_equal(out, "▁▂▅█");
	st.spark[LIVE_WATCH_SPARK - 2] = 60;
	live_watch_sparkline(&st, 4, out, sizeof(out));
	assert_string_equal(out, "▁▂▃█");
	/* No wider than what is kept, nor than out. */
	live_watch_sparkline(&st, 1000, out, sizeof(out));
	assert_int_equal(strlen(out), LIVE_WATCH_SPARK * 3);
	live_watch_sparkline(&st, 4, out, 7);
	assert_string_equal(out, "▁▂");
	/* The rate: whole above 10 a second, one decimal below. */
	st.rate = 0;
	live_watch_rate_text(&st, out, sizeof(out));
	assert_string_equal(out, "0 ops/s");
	st.rate = 2.54;
	live_watch_rate_text(&st, out, sizeof(out));
	assert_string_equal(out, "2.5 ops/s");
	st.rate = 1050.4;
	live_watch_rate_text(&st, out, sizeof(out));
	assert_string_equal(out, "1050 ops/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_poll_reasons),
	    cmocka_unit_test(test_sparkline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
