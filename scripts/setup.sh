#!/usr/bin/env bash
# Install what lbtui needs on Debian 12 (apt packages, the npm test tools
# pinned in tests/package-lock.json) and build it out of tree in build/.
#
#   scripts/setup.sh [--sanitizers] [--no-build] [--no-npm] [--quiet]
#
#   --sanitizers  also build with AddressSanitizer + UBSan into build-san/,
#                 including the unit test programs
#   --no-build    install only
#   --no-npm      skip the npm tools (enough to build and run lbtui itself)
#   --quiet       print the steps, not the output of the commands (unless
#                 one fails)
#
# Safe to run again: every step is skipped when it is already done.
# Extra configure flags can be given in LBTUI_CONFIGURE_FLAGS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SANITIZERS=0
BUILD=1
NPM=1
QUIET=0

for arg in "$@"; do
	case "$arg" in
	--sanitizers) SANITIZERS=1 ;;
	--no-build) BUILD=0 ;;
	--no-npm) NPM=0 ;;
	--quiet) QUIET=1 ;;
	-h | --help)
		sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "setup.sh: unknown option: $arg (try --help)" >&2
		exit 2
		;;
	esac
done

say() {
	echo "setup: $*"
}

# Run a command; in quiet mode show its output only when it fails.
run() {
	if [ "$QUIET" = 0 ]; then
		"$@"
	else
		local log
		log=$(mktemp)
		if ! "$@" >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			return 1
		fi
		rm -f "$log"
	fi
}

JOBS=$(nproc 2>/dev/null || echo 2)

# --- apt -------------------------------------------------------------------
APT_PACKAGES=(
	gcc g++ make libc6-dev autoconf automake libtool pkg-config
	libncurses-dev libcurl4-openssl-dev libcjson-dev libedit-dev libcmocka-dev
	libwslay-dev nettle-dev
	curl ca-certificates time python3 jq
	# the completion tests and the install test (man finds the page)
	bash-completion zsh fish man-db
)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done
# Node.js may come from Debian or from another packaging that bundles npm;
# only ask apt for what is really absent, so the two never conflict.
if ! command -v node >/dev/null 2>&1; then
	missing+=(nodejs libnode-dev)
fi
if ! command -v npm >/dev/null 2>&1 && [ "$NPM" = 1 ]; then
	missing+=(npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup.sh: these Debian packages are missing: ${missing[*]}" >&2
		echo "setup.sh: run this script as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	say "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	run apt-get update -q
	run apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	[ "$QUIET" = 1 ] || say "Debian packages already installed"
fi

# --- npm tools (dev server, SDKs, emulator, terminal driver) ---------------
npm_stamp() {
	# What node_modules was installed from: the lockfile and the runtime that
	# compiled node-pty.
	{
		sha256sum "$ROOT/tests/package-lock.json"
		node --version
	} | sha256sum | cut -d' ' -f1
}

npm_ok() {
	local nm="$ROOT/tests/node_modules"
	[ -f "$nm/.lbtui-stamp" ] &&
		[ "$(cat "$nm/.lbtui-stamp")" = "$(npm_stamp)" ] &&
		[ -f "$nm/node-pty/build/Release/pty.node" ] &&
		[ -x "$nm/bun/bin/bun.exe" ] &&
		"$nm/bun/bin/bun.exe" --version >/dev/null 2>&1
}

if [ "$NPM" = 1 ]; then
	if npm_ok; then
		[ "$QUIET" = 1 ] || say "npm tools up to date"
	else
		say "installing npm tools (npm ci in tests/)"
		# Install scripts must run: bun links its binary, node-pty compiles
		# with node-gyp against the system's Node headers.
		(
			cd "$ROOT/tests"
			export npm_config_ignore_scripts=false
			export npm_config_fund=false
			export npm_config_audit=false
			export npm_config_update_notifier=false
			if [ -d /usr/include/node ] && [ -z "${npm_config_nodedir:-}" ]; then
				export npm_config_nodedir=/usr
			fi
			run npm ci --no-audit --no-fund --loglevel=error
		)
		if [ ! -f "$ROOT/tests/node_modules/node-pty/build/Release/pty.node" ]; then
			echo "setup.sh: node-pty did not compile (needs python3, g++, make and the Node.js headers)" >&2
			exit 1
		fi
		if ! "$ROOT/tests/node_modules/bun/bin/bun.exe" --version >/dev/null 2>&1; then
			echo "setup.sh: the bun binary from npm does not run" >&2
			exit 1
		fi
		npm_stamp >"$ROOT/tests/node_modules/.lbtui-stamp"
	fi
fi

# --- build -----------------------------------------------------------------
[ "$BUILD" = 1 ] || exit 0

cd "$ROOT"
need_autoreconf=0
if [ ! -x configure ] || [ ! -f Makefile.in ] || [ ! -f config.h.in ] ||
	[ ! -f build-aux/install-sh ]; then
	need_autoreconf=1
elif [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	need_autoreconf=1
fi
if [ "$need_autoreconf" = 1 ]; then
	say "autoreconf -fi"
	run autoreconf -fi
fi

# build_in DIR [configure flags...]
build_in() {
	local dir=$1
	shift
	local flags=("$@")
	# shellcheck disable=SC2206
	flags+=(${LBTUI_CONFIGURE_FLAGS:-})
	local want="${flags[*]}"
	local stamp="$ROOT/$dir/.lbtui-configure-flags"
	if [ ! -f "$ROOT/$dir/Makefile" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
		[ "$ROOT/configure" -nt "$ROOT/$dir/config.status" ]; then
		# Start from an empty directory: files left by an older configuration
		# (a generated header under an old name, say) would shadow the sources.
		rm -rf "${ROOT:?}/$dir"
		mkdir -p "$ROOT/$dir"
		cd "$ROOT/$dir"
		say "configure in $dir/ ${want}"
		run ../configure -q "${flags[@]}"
		echo "$want" >"$stamp"
	fi
	cd "$ROOT/$dir"
	say "make in $dir/"
	run make -s -j"$JOBS"
	cd "$ROOT"
}

build_in build
if [ "$SANITIZERS" = 1 ]; then
	build_in build-san --enable-sanitizers
	# The unit test programs, without running them (scripts/test.sh does).
	cd "$ROOT/build-san"
	run make -s -j"$JOBS" check TESTS=
	cd "$ROOT"
fi
[ "$QUIET" = 1 ] || say "done: $ROOT/build/lbtui"
