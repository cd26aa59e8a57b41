#!/usr/bin/env bash
# The curl side of the queue benchmark: the room IDs first (GET /v2/rooms,
# pages of 100, following nextCursor), then one curl process with every
# room's GET /threads, 16 transfers at a time (--parallel --parallel-max
# 16, kept-alive connections), each body printed as it comes. The IDs of
# the benchmark's rooms need no percent-encoding.
#   bash tests/bench/curl_queue.sh BASE_URL
set -euo pipefail
base=${1:?usage: curl_queue.sh BASE_URL}
key=${LIVEBLOCKS_SECRET_KEY:-sk_localdev}
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
cursor=""
while :; do
	args=(-G --data limit=100)
	[ -n "$cursor" ] && args+=(--data-urlencode "startingAfter=$cursor")
	body=$(curl -sS --fail-with-body -H "Authorization: Bearer $key" "${args[@]}" "$base/v2/rooms")
	grep -o '"type":"room","id":"[^"]*"' <<<"$body" |
		sed -e 's/^"type":"room","id":"//' -e 's/"$//' \
			-e "s|.*|url = \"$base/v2/rooms/&/threads\"|" >>"$cfg"
	if [[ $body =~ \"nextCursor\":\"([^\"]+)\" ]]; then
		cursor=${BASH_REMATCH[1]}
	else
		break
	fi
done
exec curl -sS --fail-with-body --parallel --parallel-max 16 \
	-H "Authorization: Bearer $key" -K "$cfg"
