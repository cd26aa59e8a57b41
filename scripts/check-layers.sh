#!/usr/bin/env bash
# Check that each layer includes only what lies below it (doc/ARCHITECTURE.md):
#
#   src/core  <- src/net, src/lson <- src/api <- src/model <- src/cmd
#             <- src/res (one file a family) <- ui/core, ui/widget <- ui/views
#
# and that the libraries stay where they belong: libcurl (and libwslay and
# nettle, for the WebSocket) in src/net only,
# cJSON in the decoders (src/api, src/lson, src/res, src/cmd), curses in
# ui/ only; and that src/cmd and src/res never write to standard output (they
# go through struct cmd_host). Prints each violation as FILE:LINE and
# exits 1 when there is one.
#
#   scripts/check-layers.sh [TOP]
set -uo pipefail

top=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$top" || exit 2

# What each directory may include, by the directory of the included header.
declare -A allowed=(
	[src/core]="src/core"
	[src/net]="src/core src/net"
	[src/lson]="src/core src/lson"
	[src/api]="src/core src/net src/api"
	[src/model]="src/core src/net src/api src/lson src/model"
	[src/cmd]="src/core src/net src/api src/lson src/model src/cmd"
	[src/res]="src/core src/net src/api src/lson src/model src/cmd src/res"
	[src]="src/core src/net src/api src/lson src/model src/cmd src/res ui/core"
	[ui/core]="src/core src/net src/api src/lson src/model src/cmd src/res ui/core ui/widget"
	[ui/widget]="src/core src/net src/api src/lson src/model src/cmd src/res ui/core ui/widget"
	[ui/views]="src/core src/net src/api src/lson src/model src/cmd src/res ui/core ui/widget ui/views"
)
# Which directories may include a library's headers.
declare -A libs=(
	[curl]="src/net"
	[cjson]="src/api src/lson src/cmd src/res"
	[curses]="ui/core ui/widget ui/views"
	[wslay]="src/net"
	[nettle]="src/net"
)

# Where each project header (and X-macro table) lives.
declare -A home
while IFS= read -r h; do
	home[$(basename "$h")]=$(dirname "$h")
done < <(find src ui -name '*.h' -o -name '*.def' | sort)

bad=0
complain() {
	echo "$1: $2"
	bad=1
}

while IFS= read -r f; do
	dir=$(dirname "$f")
	[ -n "${allowed[$dir]+x}" ] || {
		complain "$f" "in no layer (add its directory to scripts/check-layers.sh)"
		continue
	}
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		\#*include*) ;;
		*) continue ;;
		esac
		if [[ $line =~ ^#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
			h=${BASH_REMATCH[1]}
			# What configure and make write.
			[ "$h" = lbconfig.h ] || [ "$h" = lbversion.h ] && continue
			where=${home[$(basename "$h")]:-}
			if [ -z "$where" ]; then
				complain "$f:$n" "includes \"$h\", which is no header of the project"
			elif [[ " ${allowed[$dir]} " != *" $where "* ]]; then
				complain "$f:$n" "includes $where/$h: $dir may include only ${allowed[$dir]}"
			fi
		elif [[ $line =~ ^#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
			h=${BASH_REMATCH[1]}
			lib=
			case $h in
			curl/*) lib=curl ;;
			cJSON.h | cjson/*) lib=cjson ;;
			curses.h | ncurses.h | ncursesw/*) lib=curses ;;
			wslay/*) lib=wslay ;;
			nettle/*) lib=nettle ;;
			esac
			if [ -n "$lib" ] && [[ " ${libs[$lib]} " != *" $dir "* ]]; then
				complain "$f:$n" "includes <$h>: only ${libs[$lib]} may"
			fi
		fi
	done <"$f"
done < <(find src ui -name '*.[ch]' | sort)

# The command layer speaks only through its host (struct cmd_host): no
# stdout, no STDOUT_FILENO, no printf, puts or putchar in src/cmd, outside
# comments.
while IFS= read -r f; do
	while IFS=: read -r n line; do
		complain "$f:$n" "writes to standard output: commands go through their host ($line)"
	done < <(awk '
		{
			out = ""; line = $0
			while (line != "") {
				if (incomment) {
					i = index(line, "*/")
					if (!i) { line = ""; break }
					line = substr(line, i + 2); incomment = 0
				} else {
					i = index(line, "/*"); j = index(line, "//")
					if (j && (!i || j < i)) { out = out substr(line, 1, j - 1); line = ""; break }
					if (!i) { out = out line; line = ""; break }
					out = out substr(line, 1, i - 1); line = substr(line, i + 2); incomment = 1
				}
			}
			if (out ~ /(^|[^A-Za-z0-9_])(stdout|STDOUT_FILENO)([^A-Za-z0-9_]|$)/ ||
			    out ~ /(^|[^A-Za-z0-9_])(printf|vprintf|puts|putchar)[ \t]*\(/)
				print FNR ":" out
		}' "$f")
done < <(find src/cmd src/res -name '*.[ch]' | sort)

if [ "$bad" = 0 ]; then
	echo "layers: every include goes down; src/cmd and src/res write nothing to stdout"
fi
exit "$bad"
