// The SDK side of the rooms benchmark: every room through @liveblocks/node
// getRooms, following nextCursor, printed as one JSON document.
//   node tests/bench/sdk_rooms.mjs BASE_URL
import { Liveblocks } from "@liveblocks/node";

const baseUrl = process.argv[2];
if (!baseUrl) {
	console.error("usage: node sdk_rooms.mjs BASE_URL");
	process.exit(2);
}
const lb = new Liveblocks({ secret: process.env.LIVEBLOCKS_SECRET_KEY || "sk_localdev", baseUrl });
const data = [];
let cursor;
do {
	const page = await lb.getRooms({ limit: 100, startingAfter: cursor });
	data.push(...page.data);
	cursor = page.nextCursor;
} while (cursor);
process.stdout.write(JSON.stringify({ data, nextCursor: null }) + "\n");
