#!/bin/sh
# make installcheck: the installed lbtui runs, says its version and has its
# themes beside it. tests/release/install.test.mjs checks the rest (a theme
# used by name on the screen, the manual page, the completions, uninstall).
#
#   scripts/installcheck.sh BIN THEMEDIR
bin=$1
themedir=$2
fail() {
	echo "installcheck: $*" >&2
	exit 1
}
out=$("$bin" --version) || fail "$bin --version failed"
echo "$out" | head -n 1 | grep -q '^lbtui [0-9]' || fail "$bin --version printed: $out"
for lib in libcurl ncurses cJSON libedit; do
	echo "$out" | grep -q "^$lib " || fail "$bin --version names no $lib"
done
for t in default light; do
	[ -r "$themedir/$t.theme" ] || fail "$themedir/$t.theme is not installed"
done
echo "installcheck: $bin runs; its themes are in $themedir"
