// A real Liveblocks client in Node (@liveblocks/client over the `ws`
// package) connected to a room, to change Storage live while lbtui watches.
//
//   import { openLiveRoom } from "./live.mjs";
//   const live = await openLiveRoom(devUrl, "my-room");
//   live.root.set("counter", 42);
//   await live.synced();     // the server has the change
//   await live.leave();
//
// As a command (sets one top-level key of a room's Storage and leaves):
//   node tests/e2e/live.mjs BASE_URL ROOM KEY JSON_VALUE

import { createClient, LiveList, LiveMap, LiveObject } from "@liveblocks/client";
import WebSocket from "ws";
import { pathToFileURL } from "node:url";

export { LiveList, LiveMap, LiveObject };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Enter roomId on the server at baseUrl with the dev public key. Resolves
 * once Storage is loaded: {client, room, root, synced(), leave()}.
 * opts: {initialStorage (used when the room has none), throttle = 16,
 * timeout = 10000, userId and userInfo (to enter as that user)}.
 */
export async function openLiveRoom(baseUrl, roomId, opts = {}) {
	const timeout = opts.timeout ?? 10000;
	// With a userId the client is that user (a token of
	// POST /v2/authorize-user with write access), else anonymous.
	const auth = opts.userId
		? {
				authEndpoint: async (room) => {
					const r = await fetch(`${baseUrl}/v2/authorize-user`, {
						method: "POST",
						headers: { Authorization: "Bearer sk_localdev", "Content-Type": "application/json" },
						body: JSON.stringify({ userId: opts.userId, userInfo: opts.userInfo, permissions: { [room ?? roomId]: ["room:write"] } }),
					});
					return await r.json();
				},
			}
		: { publicApiKey: "pk_localdev" };
	const client = createClient({
		...auth,
		baseUrl,
		polyfills: { WebSocket },
		throttle: opts.throttle ?? 16,
		lostConnectionTimeout: 1000,
	});
	const { room, leave } = client.enterRoom(roomId, {
		initialPresence: {},
		initialStorage: opts.initialStorage,
	});
	let timer;
	const loaded = await Promise.race([
		room.getStorage(),
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`storage of ${roomId} not loaded in ${timeout} ms`)), timeout);
		}),
	]).finally(() => clearTimeout(timer));

	/** Resolve when every local change has reached the server. */
	async function synced() {
		const deadline = Date.now() + timeout;
		// The throttle delays sending; then the status reports it.
		await sleep((opts.throttle ?? 16) + 5);
		while (room.getStorageStatus() !== "synchronized") {
			if (Date.now() > deadline)
				throw new Error(`storage of ${roomId} not synchronized in ${timeout} ms`);
			await sleep(5);
		}
	}

	let left = false;
	return {
		client,
		room,
		root: loaded.root,
		synced,
		async leave() {
			if (left)
				return;
			left = true;
			leave();
			client.logout?.();
			await sleep(20);
		},
	};
}

// As a command: set one key and leave.
if (import.meta.url === pathToFileURL(process.argv[1] || "").href) {
	const [baseUrl, roomId, key, value] = process.argv.slice(2);
	if (!baseUrl || !roomId || !key || value === undefined) {
		console.error("usage: node tests/e2e/live.mjs BASE_URL ROOM KEY JSON_VALUE");
		process.exit(2);
	}
	const live = await openLiveRoom(baseUrl, roomId);
	live.root.set(key, JSON.parse(value));
	await live.synced();
	await live.leave();
	process.exit(0);
}
