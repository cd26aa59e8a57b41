/* The watch timer the live views poll with (ui/widget/watch.c): the
 * interval's steps, back-off while the server is slow or failing, recovery,
 * and what the status line says. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "watch.h"

static void test_interval_steps(void **state)
{
	struct watch w;
	char s[64];

	(void)state;
	watch_init(&w, true, 0);
	assert_int_equal(w.interval_ms, WATCH_DEFAULT_MS);
	assert_int_equal(w.due_ms, WATCH_DEFAULT_MS);
	watch_describe(&w, s, sizeof(s));
	assert_string_equal(s, "watch 1s");
	/* More often: 500 ms, then 250 ms, and no further. */
	watch_adjust(&w, 1, 0);
	assert_int_equal(w.interval_ms, 500);
	watch_adjust(&w, 1, 0);
	watch_adjust(&w, 1, 0);
	assert_int_equal(w.interval_ms, 250);
	watch_describe(&w, s, sizeof(s));
	assert_string_equal(s, "watch 0.25s");
	/* Less often, up to 30 s. */
	for (int i = 0; i < 10; i++)
		watch_adjust(&w, -1, 0);
	assert_int_equal(w.interval_ms, 30000);
	assert_int_equal(w.current_ms, 30000);
	/* Off says nothing; on again looks at once. */
	watch_toggle(&w, 5000);
	watch_describe(&w, s, sizeof(s));
	assert_string_equal(s, "");
	watch_toggle(&w, 7000);
	assert_true(w.on);
	assert_int_equal(w.due_ms, 7000);
}

static void test_back_off_and_recover(void **state)
{
	struct watch w;
	struct resource r;
	char s[64];

	(void)state;
	memset(&r, 0, sizeof(r));
	watch_init(&w, true, 0);
	/* Nothing in flight: nothing settles. */
	assert_false(watch_settled(&w, &r, 10));
	/* A refresh that failed doubles the interval ... */
	w.started_ms = 1000;
	r.state = RES_ERROR;
	r.fetched_ms = 1100;
	assert_true(watch_settled(&w, &r, 1100));
	assert_true(w.failing);
	assert_int_equal(w.current_ms, 2000);
	assert_int_equal(w.due_ms, 3100);
	watch_describe(&w, s, sizeof(s));
	assert_string_equal(s, "watch 2s (failing)");
	/* ... and again, up to 30 s. */
	for (int i = 0; i < 6; i++) {
		w.started_ms = 5000;
		assert_true(watch_settled(&w, &r, 5100));
	}
	assert_int_equal(w.current_ms, WATCH_MAX_MS);
	/* A slow answer backs off too. */
	r.state = RES_FRESH;
	w.current_ms = 1000;
	w.started_ms = 10000;
	r.fetched_ms = 12500;
	assert_true(watch_settled(&w, &r, 12500));
	assert_true(w.slow);
	assert_false(w.failing);
	watch_describe(&w, s, sizeof(s));
	assert_string_equal(s, "watch 2s (slow)");
	/* A quick good answer comes back to the chosen interval. */
	w.started_ms = 20000;
	r.fetched_ms = 20100;
	assert_true(watch_settled(&w, &r, 20100));
	assert_false(w.slow);
	assert_int_equal(w.current_ms, 1000);
	assert_int_equal(w.due_ms, 21100);
	/* Still busy: not settled yet. */
	w.started_ms = 30000;
	r.busy = true;
	assert_false(watch_settled(&w, &r, 30500));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interval_steps),
	    cmocka_unit_test(test_back_off_and_recover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
