#!/usr/bin/env bash
# Install and build (scripts/setup.sh), then run the rooms benchmark and
# the Storage benchmark.
#   bash tests/bench/run.sh [--rooms N] [--reps N] [--emulator]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/scripts/setup.sh" --quiet
node "$ROOT/tests/bench/rooms.mjs" --bin "$ROOT/build/lbtui" "$@"
echo
# The Storage benchmark takes the same options except --rooms.
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rooms) shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
exec node "$ROOT/tests/bench/storage.mjs" --bin "$ROOT/build/lbtui" "${args[@]+"${args[@]}"}"
