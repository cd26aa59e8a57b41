#!/usr/bin/env bash
# Install and build (scripts/setup.sh), then run the rooms benchmark, the
# Storage benchmark, changes in a row, the moderation queue and the
# Storage tree on screen.
#   bash tests/bench/run.sh [--rooms N] [--reps N] [--emulator]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/scripts/setup.sh" --quiet
node "$ROOT/tests/bench/rooms.mjs" --bin "$ROOT/build/lbtui" "$@"
echo
# The Storage benchmark takes the same options except --rooms; the
# changes, the queue and the screen benchmark only --reps.
args=()
reps=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rooms) shift 2 ;;
	--reps) args+=("$1" "$2"); reps=("$1" "$2"); shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
node "$ROOT/tests/bench/storage.mjs" --bin "$ROOT/build/lbtui" "${args[@]+"${args[@]}"}"
echo
node "$ROOT/tests/bench/mutations.mjs" --bin "$ROOT/build/lbtui" "${reps[@]+"${reps[@]}"}"
echo
node "$ROOT/tests/bench/queue.mjs" --bin "$ROOT/build/lbtui" "${reps[@]+"${reps[@]}"}"
echo
exec node "$ROOT/tests/bench/tui.mjs" --bin "$ROOT/build/lbtui" "${reps[@]+"${reps[@]}"}"
