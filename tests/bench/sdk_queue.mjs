// The SDK side of the queue benchmark: every room through
// @liveblocks/node's iterRooms (pages of 100), and getThreads for each
// room, one after the other, printed as one JSON document.
//   node tests/bench/sdk_queue.mjs BASE_URL
import { Liveblocks } from "@liveblocks/node";

const baseUrl = process.argv[2];
if (!baseUrl) {
	console.error("usage: node sdk_queue.mjs BASE_URL");
	process.exit(2);
}
const lb = new Liveblocks({ secret: process.env.LIVEBLOCKS_SECRET_KEY || "sk_localdev", baseUrl });
const data = [];
for await (const room of lb.iterRooms({}, { pageSize: 100 })) {
	const { data: threads } = await lb.getThreads({ roomId: room.id });
	data.push(...threads);
}
process.stdout.write(JSON.stringify({ data }) + "\n");
