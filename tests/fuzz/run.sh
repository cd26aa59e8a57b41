#!/bin/sh
# Build and run the libFuzzer target for the Storage decoder (not part of
# make check).
#
#   tests/fuzz/run.sh [SECONDS]        default 60
#
# Environment: OUT (work directory, default /tmp/lbtui-fuzz), CC (default
# clang-14), JOBS (parallel fuzzing jobs, default 1). The corpus is kept in
# $OUT/corpus between runs and seeded from tests/fuzz/seeds; crashes are
# written to $OUT as crash-*.
set -eu

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${OUT:-/tmp/lbtui-fuzz}
cc=${CC:-clang-14}
jobs=${JOBS:-1}

mkdir -p "$out/corpus"
# The sources include "lbconfig.h" (autoconf's header); the fuzz build
# needs only what it enables.
cat > "$out/lbconfig.h" <<'EOF'
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
EOF

"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$out" -I"$top/src" $(pkg-config --cflags libcjson) \
	-o "$out/fuzz_lson" "$here/fuzz_lson.c" \
	"$top/src/lson.c" "$top/src/diff.c" "$top/src/util.c" "$top/src/error.c" \
	$(pkg-config --libs libcjson)

cd "$out"
if [ -d "$here/seeds" ]; then
	cp -n "$here/seeds"/* corpus/ 2>/dev/null || true
fi
set -- -max_total_time="$seconds" -max_len=8192 -timeout=10 -dict="$here/lson.dict"
if [ "$jobs" -gt 1 ]; then
	set -- "$@" -jobs="$jobs" -workers="$jobs"
fi
exec ./fuzz_lson "$@" corpus
