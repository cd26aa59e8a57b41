// The SDK side of the Storage benchmark: a room's Storage through
// @liveblocks/node getStorageDocument (plain LSON), printed as one JSON
// document.
//   node tests/bench/sdk_storage.mjs BASE_URL ROOM
import { Liveblocks } from "@liveblocks/node";

const [baseUrl, room] = process.argv.slice(2);
if (!baseUrl || !room) {
	console.error("usage: node sdk_storage.mjs BASE_URL ROOM");
	process.exit(2);
}
const lb = new Liveblocks({ secret: process.env.LIVEBLOCKS_SECRET_KEY || "sk_localdev", baseUrl });
const doc = await lb.getStorageDocument(room, "plain-lson");
process.stdout.write(JSON.stringify(doc) + "\n");
