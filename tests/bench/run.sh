#!/usr/bin/env bash
# Install and build (scripts/setup.sh), then run the rooms benchmark.
#   bash tests/bench/run.sh [--rooms N] [--reps N] [--emulator]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/scripts/setup.sh" --quiet
exec node "$ROOT/tests/bench/rooms.mjs" --bin "$ROOT/build/lbtui" "$@"
