#!/usr/bin/env bash
# Rewrite the golden screens (tests/e2e/golden/*.txt) from what lbtui draws
# now, after an intended change of what a view shows, then compare once
# more to make sure the new screens are the same on a second run. Read
# `git diff tests/e2e/golden` before committing them.
#
#   scripts/update-golden.sh [NODE_TEST_OPTION...]
#
# For example --test-name-pattern='rooms' rewrites only the views whose
# name matches. LBTUI_BIN picks the binary (default: build-san/lbtui, as
# scripts/test.sh uses, else build/lbtui).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${LBTUI_BIN:-}" ] && [ -x "$ROOT/build-san/lbtui" ]; then
	export LBTUI_BIN="$ROOT/build-san/lbtui"
fi
cd "$ROOT/tests"

echo "update-golden: writing the screens (binary: ${LBTUI_BIN:-$ROOT/build/lbtui})"
UPDATE_GOLDEN=1 node --test --test-reporter=spec "$@" e2e/golden.test.mjs
echo "update-golden: comparing them with a second run"
if ! node --test --test-reporter=spec "$@" e2e/golden.test.mjs; then
	echo "update-golden: the second run failed (above); a view that draws differently each time is not stable yet" >&2
	exit 1
fi
git -C "$ROOT" status --short -- tests/e2e/golden
