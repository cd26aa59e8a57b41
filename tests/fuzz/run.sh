#!/bin/sh
# Build and run the libFuzzer targets (not part of make check):
#
#   lson        the Storage decoder and what is built on it (fuzz_lson.c)
#   api         the REST decoders: rooms, pages, errors, active users,
#               versions (fuzz_api.c)
#   query_term  the terminal-safe layer, cmd_split/cmd_quote, query_quote
#               and url_encode (fuzz_query_term.c)
#   ...         every tests/fuzz/fuzz_NAME.c is a target NAME: a family's
#               decoders get a target of their own by adding its file
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]
#
# Runs each TARGET (default: all of them) for SECONDS (default 60), one
# after the other, and exits non-zero if any of them failed.
#
# Environment: OUT (work directory, default /tmp/lbtui-fuzz), CC (default
# clang-14), JOBS (parallel fuzzing jobs per target, default 1),
# FUZZ_CFLAGS (extra compiler flags). Each target keeps its corpus in
# $OUT/TARGET/corpus between runs, seeded from tests/fuzz/seeds (lson) or
# tests/fuzz/seeds_TARGET; crashes are written to $OUT/TARGET as crash-*.
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-$(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//' | tr '\n' ' ')}
top=$(cd "$here/../.." && pwd)
out=${OUT:-/tmp/lbtui-fuzz}
cc=${CC:-clang-14}
jobs=${JOBS:-1}
extra=${FUZZ_CFLAGS:-}
src=$top/src

mkdir -p "$out"
# The sources include "lbconfig.h" (autoconf's header); the fuzz build
# needs only what they use of it.
version=$(sed -n 's/^AC_INIT(\[lbtui\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
cat > "$out/lbconfig.h" <<EOF
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define PACKAGE_VERSION "${version:-0}"
#define LBTUI_BINDIR "/usr/local/bin"
#define LBTUI_THEMEDIR "/usr/local/share/lbtui/themes"
#define LBTUI_SRC_THEMEDIR "$top/themes"
#define LBTUI_BUILDDIR "$out"
EOF

# Every target links the whole core (src/ but main.c): a list per target
# would go stale each time a module is split or added.
core_sources()
{
	find "$src" -name '*.c' ! -name main.c | sort
}

build()
{
	t=$1
	files=$(core_sources)
	# shellcheck disable=SC2046,SC2086 # word splitting is wanted
	"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$extra -I"$out" $(for d in "$src"/*/; do printf ' -I%s' "$d"; done) $(pkg-config --cflags libcurl libcjson libedit nettle) \
		-o "$out/$t/fuzz_$t" "$here/fuzz_$t.c" $files \
		$(pkg-config --libs libcurl libcjson libedit nettle) -lwslay -lm
}

run()
{
	t=$1
	case $t in
	lson) seeds=$here/seeds max_len=8192 ;;
	api) seeds=$here/seeds_api max_len=8192 ;;
	*) seeds=$here/seeds_$t max_len=4096 ;;
	esac
	mkdir -p "$out/$t/corpus"
	if [ -d "$seeds" ]; then
		for f in "$seeds"/*; do
			dest=$out/$t/corpus/$(basename "$f")
			if [ -f "$f" ] && [ ! -e "$dest" ]; then
				cp "$f" "$dest"
			fi
		done
	fi
	set -- -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
		-artifact_prefix="$out/$t/"
	if [ -f "$here/$t.dict" ]; then
		set -- "$@" -dict="$here/$t.dict"
	fi
	if [ "$jobs" -gt 1 ]; then
		set -- "$@" -jobs="$jobs" -workers="$jobs"
	fi
	(cd "$out/$t" && "./fuzz_$t" "$@" corpus)
}

for t in $targets; do
	if [ ! -f "$here/fuzz_$t.c" ]; then
		echo "run.sh: unknown target '$t' (no tests/fuzz/fuzz_$t.c)" >&2
		exit 2
	fi
done
failed=
for t in $targets; do
	mkdir -p "$out/$t"
	echo "== fuzz_$t: building" >&2
	build "$t"
	echo "== fuzz_$t: running for ${seconds}s" >&2
	run "$t" || failed="$failed $t"
done
if [ -n "$failed" ]; then
	echo "run.sh: failed:$failed (see $out/TARGET/crash-*)" >&2
	exit 1
fi
