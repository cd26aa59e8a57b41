#!/usr/bin/env bash
# Install and build lbtui, start a local demo project (the official
# Liveblocks dev server, lbtui's emulator in front of it, seeded with demo
# rooms) and open lbtui on it. Both servers stop when lbtui exits.
#
#   scripts/demo.sh [LBTUI ARGS...]      e.g. scripts/demo.sh --theme light
#
# LBTUI_DEMO_KEEP_LOGS=1 keeps the servers' logs (their path is printed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NM="$ROOT/tests/node_modules"

bash "$ROOT/scripts/setup.sh" --quiet

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/lbtui-demo.XXXXXX")
PGIDS=()

# shellcheck disable=SC2317 # called by the traps
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	local g
	for g in "${PGIDS[@]}"; do
		kill -TERM -- "-$g" 2>/dev/null || true
	done
	# Give them a moment to exit, then make sure.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		local alive=0
		for g in "${PGIDS[@]}"; do
			kill -0 -- "-$g" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for g in "${PGIDS[@]}"; do
		kill -KILL -- "-$g" 2>/dev/null || true
	done
	if [ "${LBTUI_DEMO_KEEP_LOGS:-0}" = 1 ]; then
		echo "demo: logs kept in $SCRATCH" >&2
	else
		rm -rf "$SCRATCH"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# start_group LOG CMD... : run CMD in its own session (so its process group
# can be stopped as a whole, and a Ctrl-C meant for lbtui never reaches it).
# Sets STARTED_PID.
start_group() {
	local log=$1
	shift
	setsid "$@" </dev/null >"$log" 2>&1 &
	STARTED_PID=$!
	PGIDS+=("$STARTED_PID")
}

# wait_for_line LOG REGEX PID WHAT : print the first match of REGEX in LOG.
wait_for_line() {
	local log=$1 re=$2 pid=$3 what=$4 m
	for _ in $(seq 1 300); do
		m=$(grep -aoE "$re" "$log" 2>/dev/null | head -n 1 || true)
		if [ -n "$m" ]; then
			echo "$m"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "demo: $what exited:" >&2
			cat "$log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "demo: $what did not start in 15 s:" >&2
	cat "$log" >&2
	return 1
}

# 1. The official dev server on a free port (bun directly: one process).
start_group "$SCRATCH/dev-server.log" env TMPDIR="$SCRATCH" NO_COLOR=1 \
	"$NM/bun/bin/bun.exe" "$NM/liveblocks/dist/index.js" dev --random-port --no-check --no-persist
DEV_PID=$STARTED_PID
DEV_PORT=$(wait_for_line "$SCRATCH/dev-server.log" 'localhost:[0-9]+' "$DEV_PID" "the dev server")
DEV_URL="http://127.0.0.1:${DEV_PORT#localhost:}"
for _ in $(seq 1 200); do
	curl -fsS -o /dev/null -H 'Authorization: Bearer sk_localdev' "$DEV_URL/v2/rooms" 2>/dev/null && break
	sleep 0.05
done

# 2. The emulator in front of it: the endpoints the dev server lacks.
start_group "$SCRATCH/emulator.log" node "$ROOT/tests/emulator/main.mjs" --port 0 --upstream "$DEV_URL"
EMU_PID=$STARTED_PID
EMU_URL=$(wait_for_line "$SCRATCH/emulator.log" 'listening on http://[^ ]+' "$EMU_PID" "the emulator")
EMU_URL=${EMU_URL#listening on }

# 3. The demo project.
if ! node "$ROOT/tests/demo/seed.mjs" --base-url "$EMU_URL" >"$SCRATCH/seed.log" 2>&1; then
	echo "demo: seeding the demo project failed:" >&2
	cat "$SCRATCH/seed.log" >&2
	exit 1
fi

echo "demo: dev server $DEV_URL, emulator $EMU_URL; starting lbtui"

# 4. lbtui, in the foreground; cleanup runs when it exits.
set +e
LIVEBLOCKS_SECRET_KEY=sk_localdev LIVEBLOCKS_BASE_URL="$EMU_URL" "$ROOT/build/lbtui" "$@"
rc=$?
set -e
exit "$rc"
