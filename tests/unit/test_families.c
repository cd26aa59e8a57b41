/* The registry of families (src/res/families.def): each family's commands,
 * ID names and endpoints are sound, and no two families claim the same
 * command or ID name, so that a family added cannot shadow another. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_impl.h"
#include "endpoints.h"
#include "family.h"

static size_t n_families(void)
{
	size_t n = 0;

	while (lb_families[n])
		n++;
	return n;
}

static void test_every_family_is_whole(void **state)
{
	(void)state;
	assert_true(n_families() >= 6);
	for (size_t i = 0; lb_families[i]; i++) {
		const struct family *f = lb_families[i];

		assert_non_null(f->name);
		assert_non_null(f->summary);
		assert_true(strlen(f->summary) > 10);
		assert_non_null(f->commands);
		assert_non_null(f->commands[0].name);
		for (const struct command *c = f->commands; c->name; c++) {
			assert_non_null(c->run);
			assert_non_null(c->doc);
			assert_non_null(c->opts);
			assert_true(c->min_pos <= c->max_pos);
		}
		assert_non_null(f->endpoints);
		assert_int_not_equal(f->endpoints[0], EP_COUNT);
		for (const enum endpoint_id *e = f->endpoints; *e != EP_COUNT; e++)
			assert_non_null(endpoint_get(*e));
	}
}

static void test_names_are_not_shared(void **state)
{
	(void)state;
	for (size_t i = 0; lb_families[i]; i++)
		for (size_t j = i; lb_families[j]; j++) {
			assert_true(i == j || strcmp(lb_families[i]->name, lb_families[j]->name));
			for (const struct command *a = lb_families[i]->commands; a->name; a++)
				for (const struct command *b = lb_families[j]->commands; b->name; b++)
					assert_true(a == b || strcmp(a->name, b->name));
			for (const struct id_arg *a = lb_families[i]->ids; a && a->name; a++)
				for (const struct id_arg *b = lb_families[j]->ids; b && b->name; b++)
					assert_true(a == b || strcmp(a->name, b->name));
		}
}

/* Help and completion see each family's commands, and help FAMILY says
 * what it is about. */
static void test_help_reads_the_registry(void **state)
{
	(void)state;
	const char *names[512];
	size_t n = cmd_names(names, 512);
	char *all = cmd_help(NULL);

	assert_non_null(all);
	for (size_t i = 0; lb_families[i]; i++) {
		for (const struct command *c = lb_families[i]->commands; c->name; c++) {
			bool named = false;
			for (size_t k = 0; k < n; k++)
				named = named || names[k] == c->name;
			assert_true(named);
			assert_non_null(strstr(all, c->doc));
		}
		char *one = cmd_help(lb_families[i]->name);
		assert_non_null(one);
		assert_non_null(strstr(one, lb_families[i]->summary));
		free(one);
	}
	free(all);
}

/* How much of the endpoint table the families reach (printed, for the
 * record), and that they reach every row the model and its programs send. */
static void test_coverage(void **state)
{
	(void)state;
	bool reached[EP_COUNT] = {false};
	int n = 0;

	for (size_t i = 0; lb_families[i]; i++)
		for (const enum endpoint_id *e = lb_families[i]->endpoints; *e != EP_COUNT; e++)
			reached[*e] = true;
	for (int e = 0; e < EP_COUNT; e++)
		n += reached[e];
	printf("families: %zu, endpoint rows reached: %d of %d\n", n_families(), n, EP_COUNT);
	assert_true(reached[EP_ROOMS_LIST] && reached[EP_STORAGE_JSON_PATCH] &&
	            reached[EP_ACTIVE_USERS_SDK]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_family_is_whole),
	    cmocka_unit_test(test_names_are_not_shared),
	    cmocka_unit_test(test_help_reads_the_registry),
	    cmocka_unit_test(test_coverage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
