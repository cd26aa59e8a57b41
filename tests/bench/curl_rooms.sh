#!/usr/bin/env bash
# The curl side of the rooms benchmark: GET /v2/rooms page by page,
# following nextCursor, each page's body printed on its own line.
#   bash tests/bench/curl_rooms.sh BASE_URL
set -euo pipefail
base=${1:?usage: curl_rooms.sh BASE_URL}
key=${LIVEBLOCKS_SECRET_KEY:-sk_localdev}
cursor=""
while :; do
	args=(-G --data limit=100)
	[ -n "$cursor" ] && args+=(--data-urlencode "startingAfter=$cursor")
	body=$(curl -sS --fail-with-body -H "Authorization: Bearer $key" "${args[@]}" "$base/v2/rooms")
	printf '%s\n' "$body"
	# nextCursor opens or closes the reply: only the ends need searching.
	ends="${body:0:1024} ${body: -1024}"
	if [[ $ends =~ \"nextCursor\":\"([^\"]+)\" ]]; then
		cursor=${BASH_REMATCH[1]}
	else
		break
	fi
done
