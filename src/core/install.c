#include "lbconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "install.h"

bool install_relocate(const char *exe_dir, const char *bindir, const char *dir, char *out,
		      size_t n)
{
	/* The longest common prefix that ends at a '/'. */
	size_t common = 0;
	for (size_t i = 0; bindir[i] && bindir[i] == dir[i]; i++)
		if (bindir[i] == '/')
			common = i;
	if (bindir[common] != '/' || dir[common] != '/')
		return false;
	const char *bin_tail = bindir + common; /* "/bin" */
	size_t el = strlen(exe_dir), tl = strlen(bin_tail);
	if (el <= tl || strcmp(exe_dir + el - tl, bin_tail))
		return false;
	if (el - tl + strlen(dir + common) >= n)
		return false;
	snprintf(out, n, "%.*s%s", (int)(el - tl), exe_dir, dir + common);
	return true;
}

/* The directory of the running binary, resolved; false if unknown. */
static bool exe_dir(char *out, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0 || (size_t)len >= n - 1)
		return false;
	out[len] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		return false;
	if (slash == out)
		slash[1] = '\0';
	else
		*slash = '\0';
	return true;
}

static size_t add(char **out, size_t n, size_t max, const char *dir)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(out[i], dir))
			return n;
	if (n < max && (out[n] = strdup(dir)))
		n++;
	return n;
}

size_t install_theme_dirs(char **out, size_t max)
{
	char here[PATH_MAX], moved[PATH_MAX], build[PATH_MAX];
	size_t n = 0;
	bool known = exe_dir(here, sizeof(here));

	if (known && install_relocate(here, LBTUI_BINDIR, LBTUI_THEMEDIR, moved, sizeof(moved)))
		n = add(out, n, max, moved);
	n = add(out, n, max, LBTUI_THEMEDIR);
	/* Only an uninstalled binary reads the source tree: an installed one
	 * that did would hide a broken install. */
	if (known && realpath(LBTUI_BUILDDIR, build) && !strcmp(here, build))
		n = add(out, n, max, LBTUI_SRC_THEMEDIR);
	return n;
}
