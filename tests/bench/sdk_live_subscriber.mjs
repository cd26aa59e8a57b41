// The SDK side of the live benchmark (live.mjs): a @liveblocks/client
// subscriber in its own process, so that its memory and CPU can be read
// from /proc. It enters the room with the dev public key, loads Storage,
// subscribes to the whole document (isDeep) and, for every change it is
// told of, writes one line on stdout:
//   {"ms":WALL_MS,"t":VALUE_OF_ROOT_KEY_t,"updates":N}
// (WALL_MS the Date.now() when the callback ran, N the storage updates in
// that callback). "ready" on stderr once Storage is loaded and subscribed.
// With --quiet it prints nothing per change and only counts; SIGTERM or
// SIGINT end it, writing {"changes":N,"updates":M} on stdout.
//   node tests/bench/sdk_live_subscriber.mjs BASE_URL ROOM [--quiet]
import { createClient } from "@liveblocks/client";
import WebSocket from "ws";

const [baseUrl, roomId, flag] = process.argv.slice(2);
if (!baseUrl || !roomId || (flag && flag !== "--quiet")) {
	console.error("usage: node sdk_live_subscriber.mjs BASE_URL ROOM [--quiet]");
	process.exit(2);
}
const quiet = flag === "--quiet";

const client = createClient({ publicApiKey: "pk_localdev", baseUrl, polyfills: { WebSocket } });
const { room } = client.enterRoom(roomId, { initialPresence: {} });
const { root } = await room.getStorage();

let changes = 0;
let updates = 0;
room.subscribe(
	root,
	(u) => {
		const ms = Date.now();
		changes++;
		updates += u.length;
		if (!quiet)
			process.stdout.write(JSON.stringify({ ms, t: root.get("t") ?? null, updates: u.length }) + "\n");
	},
	{ isDeep: true },
);

function end() {
	process.stdout.write(JSON.stringify({ changes, updates }) + "\n", () => process.exit(0));
}
process.on("SIGTERM", end);
process.on("SIGINT", end);
process.stderr.write("ready\n");
