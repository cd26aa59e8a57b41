#!/usr/bin/env bash
# Install, build (plain and with sanitizers) and run every test of lbtui:
# the cmocka unit tests, the emulator's tests and the end-to-end tests.
# The end-to-end run keeps what lbtui leaves on disk (LBTUI_AUDIT_DIR) and
# ends with the secrets audit of it (tests/e2e/secrets_audit.test.mjs).
# Then the release: make distcheck (the tarball builds, checks, installs
# and uninstalls) and tests/release (configure, install at a prefix).
# The last line printed is "N passed, N failed", counting every test case.
#
#   scripts/test.sh [--unit] [--emulator] [--e2e] [--release] [--no-setup]
#
# Without --unit/--emulator/--e2e/--release all four run. --no-setup uses
# the builds already in build/ and build-san/ (scripts/setup.sh
# --sanitizers made them).
# LBTUI_E2E_BIN picks the binary for the end-to-end tests (default: the
# sanitizer build, build-san/lbtui).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

RUN_UNIT=0
RUN_EMU=0
RUN_E2E=0
RUN_REL=0
SETUP=1
for arg in "$@"; do
	case "$arg" in
	--unit) RUN_UNIT=1 ;;
	--emulator) RUN_EMU=1 ;;
	--e2e) RUN_E2E=1 ;;
	--release) RUN_REL=1 ;;
	--no-setup) SETUP=0 ;;
	-h | --help)
		sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "test.sh: unknown option: $arg (try --help)" >&2
		exit 2
		;;
	esac
done
if [ "$RUN_UNIT$RUN_EMU$RUN_E2E$RUN_REL" = 0000 ]; then
	RUN_UNIT=1
	RUN_EMU=1
	RUN_E2E=1
	RUN_REL=1
fi

PASSED=0
FAILED=0
FAILURES=()
START=$(date +%s)

# A scratch directory for logs and the emulator's coverage file.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbtui-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export LBTUI_EMULATOR_COVERAGE="$WORK/endpoints-coverage"
: >"$LBTUI_EMULATOR_COVERAGE"

section() {
	printf '\n==== %s ====\n' "$*"
}

summary() {
	local elapsed=$(($(date +%s) - START))
	section "summary (${elapsed}s)"
	if [ "${#FAILURES[@]}" -gt 0 ]; then
		echo "failures:"
		printf '  %s\n' "${FAILURES[@]}"
	fi
	if [ -f "$ROOT/tests/emulator/coverage.mjs" ]; then
		node "$ROOT/tests/emulator/coverage.mjs" --quiet "$LBTUI_EMULATOR_COVERAGE" || true
	fi
	echo "$PASSED passed, $FAILED failed"
}

# --- set-up and build --------------------------------------------------------
section "set-up and build"
if [ "$SETUP" = 0 ]; then
	echo "skipped (--no-setup)"
elif ! bash "$ROOT/scripts/setup.sh" --sanitizers; then
	FAILED=$((FAILED + 1))
	FAILURES+=("scripts/setup.sh --sanitizers")
	summary
	exit 1
fi

# Sanitizer settings for everything below: leaks are errors, UB stops.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"

# --- unit tests (cmocka, sanitizer build) ------------------------------------
SAN_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:'

unit_tests() {
	local list
	# The test programs named by the build itself.
	# shellcheck disable=SC2016 # $(TESTS) is for make
	list=$(make -s -C "$ROOT/build-san" -f Makefile -f - lbtui-print-tests <<<'lbtui-print-tests: ; @echo $(TESTS)' 2>/dev/null)
	if [ -z "$list" ]; then
		echo "no unit tests are configured (is libcmocka-dev installed?)"
		FAILED=$((FAILED + 1))
		FAILURES+=("unit: no test programs")
		return
	fi
	local t out rc p f
	for t in $list; do
		out="$WORK/$(basename "$t").log"
		(cd "$ROOT/build-san" && "./$t") >"$out" 2>&1
		rc=$?
		cat "$out"
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]\+\) test.*/\1/p' "$out" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]\+\) test.*/\1/p' "$out" | tail -n 1)
		p=${p:-0}
		f=${f:-0}
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f))
		[ "$f" -gt 0 ] && FAILURES+=("unit: $t ($f failed)")
		# A crash, a sanitizer report or a bad exit status with no failed case
		# counted still fails: count the program itself once.
		if [ "$f" = 0 ] && { [ "$rc" != 0 ] || grep -qE "$SAN_RE" "$out"; }; then
			FAILED=$((FAILED + 1))
			FAILURES+=("unit: $t exited with $rc$(grep -qE "$SAN_RE" "$out" && echo ', sanitizer report')")
		fi
	done
}

# node_tests NAME FILES... : run node's test runner, count its cases.
node_tests() {
	local name=$1
	shift
	if [ "$#" = 0 ]; then
		echo "no $name tests found"
		FAILED=$((FAILED + 1))
		FAILURES+=("$name: no test files")
		return
	fi
	local tap="$WORK/$name.tap" rc p f
	node --test --test-timeout=300000 --test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$tap" "$@" </dev/null
	rc=$?
	p=$(sed -n 's/^# pass \([0-9]\+\)$/\1/p' "$tap" | tail -n 1)
	f=$(sed -n 's/^# fail \([0-9]\+\)$/\1/p' "$tap" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	[ "$f" -gt 0 ] && FAILURES+=("$name: $f failed")
	if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
		FAILED=$((FAILED + 1))
		FAILURES+=("$name: node --test exited with $rc")
	fi
}

if [ "$RUN_UNIT" = 1 ]; then
	section "unit tests (cmocka, ASan + UBSan)"
	unit_tests
	section "layers"
	if bash "$ROOT/scripts/check-layers.sh" "$ROOT"; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		FAILURES+=("layers: scripts/check-layers.sh")
	fi
fi

if [ "$RUN_EMU" = 1 ]; then
	section "emulator tests"
	shopt -s nullglob
	node_tests emulator "$ROOT"/tests/emulator/*.test.mjs
	shopt -u nullglob
fi

if [ "$RUN_E2E" = 1 ]; then
	section "end-to-end tests"
	export LBTUI_BIN="${LBTUI_E2E_BIN:-$ROOT/build-san/lbtui}"
	echo "binary: $LBTUI_BIN"
	# Every home, history, kept file and batch stderr of the run stays in
	# one directory; the audit reads it once everything else has run.
	export LBTUI_AUDIT_DIR="$WORK/audit"
	mkdir -p "$LBTUI_AUDIT_DIR"
	AUDIT_TEST="$ROOT/tests/e2e/secrets_audit.test.mjs"
	E2E_FILES=()
	shopt -s nullglob
	for f in "$ROOT"/tests/e2e/*.test.mjs; do
		[ "$f" != "$AUDIT_TEST" ] && E2E_FILES+=("$f")
	done
	shopt -u nullglob
	node_tests e2e "${E2E_FILES[@]}"
	section "secrets audit (history, logs, request logs, kept files)"
	node_tests audit "$AUDIT_TEST"
	unset LBTUI_AUDIT_DIR
fi

if [ "$RUN_REL" = 1 ]; then
	# The tarball from the plain build's tree: a file left out of it fails
	# here, not for the first packager.
	section "release: the tarball (make distcheck)"
	if make -C "$ROOT/build" -j"$(nproc 2>/dev/null || echo 2)" distcheck >"$WORK/distcheck.log" 2>&1; then
		grep -A3 'archives ready for distribution' "$WORK/distcheck.log"
		PASSED=$((PASSED + 1))
	else
		tail -n 80 "$WORK/distcheck.log"
		FAILED=$((FAILED + 1))
		FAILURES+=("release: make distcheck")
	fi
	rm -f "$ROOT"/build/lbtui-*.tar.gz
	section "release: configure and install"
	shopt -s nullglob
	node_tests release "$ROOT"/tests/release/*.test.mjs
	shopt -u nullglob
fi

summary
if [ "$FAILED" -gt 0 ] || [ "$PASSED" = 0 ]; then
	exit 1
fi
exit 0
