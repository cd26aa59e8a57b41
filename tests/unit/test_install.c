/* Where an installed lbtui finds its files (src/core/install.c): the
 * configured directories moved with the binary (DESTDIR, a moved prefix),
 * and the source tree only for a binary in its build directory. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "install.h"

static void test_relocate_destdir(void **state)
{
	char out[256];

	(void)state;
	assert_true(install_relocate("/tmp/stage/usr/local/bin", "/usr/local/bin",
				     "/usr/local/share/lbtui/themes", out, sizeof(out)));
	assert_string_equal(out, "/tmp/stage/usr/local/share/lbtui/themes");
	/* Where configure put it: the same directory. */
	assert_true(install_relocate("/usr/local/bin", "/usr/local/bin",
				     "/usr/local/share/lbtui/themes", out, sizeof(out)));
	assert_string_equal(out, "/usr/local/share/lbtui/themes");
}

static void test_relocate_other_layouts(void **state)
{
	char out[256];

	(void)state;
	/* A prefix moved whole, with a deeper bindir. */
	assert_true(install_relocate("/opt/lb-2/libexec/x", "/opt/lb/libexec/x",
				     "/opt/lb/data/themes", out, sizeof(out)));
	assert_string_equal(out, "/opt/lb-2/data/themes");
	/* Prefixes that share only part of a name share no directory but the
	 * root: the binary moves with the whole of its bindir. */
	assert_false(install_relocate("/home/u/app/bin", "/usr/bin", "/usr2/share/t", out,
				      sizeof(out)));
	assert_true(install_relocate("/stage/usr/bin", "/usr/bin", "/usr2/share/t", out,
				     sizeof(out)));
	assert_string_equal(out, "/stage/usr2/share/t");
}

static void test_relocate_refuses(void **state)
{
	char out[32] = "untouched";

	(void)state;
	/* A binary outside any bin directory (a build directory). */
	assert_false(install_relocate("/work/lbtui/build", "/usr/local/bin",
				      "/usr/local/share/lbtui/themes", out, sizeof(out)));
	/* "xbin" does not end with "/bin". */
	assert_false(install_relocate("/opt/xbin", "/usr/local/bin",
				      "/usr/local/share/lbtui/themes", out, sizeof(out)));
	/* The whole of exe_dir is the tail: no prefix left. */
	assert_false(install_relocate("/bin", "/usr/local/bin", "/usr/local/share/t", out,
				      sizeof(out)));
	/* Too long for out. */
	assert_false(install_relocate("/a-very-long-staging-directory/usr/local/bin",
				      "/usr/local/bin", "/usr/local/share/lbtui/themes", out,
				      sizeof(out)));
	assert_string_equal(out, "untouched");
}

static void test_theme_dirs_of_a_build(void **state)
{
	char *dirs[4];
	size_t n;

	(void)state;
	/* This test runs from tests/unit of a build directory: not the build
	 * directory itself, so the source tree is not offered. */
	n = install_theme_dirs(dirs, 4);
	assert_true(n >= 1);
	bool configured = false;
	for (size_t i = 0; i < n; i++) {
		configured |= !strcmp(dirs[i], LBTUI_THEMEDIR);
		assert_string_not_equal(dirs[i], LBTUI_SRC_THEMEDIR);
		free(dirs[i]);
	}
	assert_true(configured);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_relocate_destdir),
	    cmocka_unit_test(test_relocate_other_layouts),
	    cmocka_unit_test(test_relocate_refuses),
	    cmocka_unit_test(test_theme_dirs_of_a_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
