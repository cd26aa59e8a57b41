// The room's socket, watched as lbtui watches it (tests/unit/live_room_tool
// over src/res/live_room.c), against the official dev server, while a real
// @liveblocks/client changes Storage: every op the SDK can make lands in
// the live tree, and after each burst the tree is what a REST re-read
// gives. Presence, broadcast events, a server-side close and a refused
// token are seen as such.

import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

import { startDevServer, startStack } from "../emulator/stack.mjs";
import { SECRET } from "./harness.mjs";
import { openLiveRoom, LiveList, LiveMap, LiveObject } from "./live.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function toolPath() {
	const bin = process.env.LBTUI_BIN ? path.dirname(path.resolve(process.env.LBTUI_BIN)) : null;
	const candidates = [bin, path.join(HERE, "..", "..", "build-san"), path.join(HERE, "..", "..", "build")]
		.filter(Boolean)
		.map((d) => path.join(d, "tests", "unit", "live_room_tool"));
	const found = candidates.find((p) => existsSync(p));
	if (!found)
		throw new Error(`live_room_tool not found (looked at ${candidates.join(", ")}); run make check TESTS=`);
	return found;
}

let dev;
before(async () => {
	dev = await startDevServer();
});
after(async () => {
	await dev?.stop();
});

async function rest(method, p, body) {
	const r = await fetch(`${dev.url}${p}`, {
		method,
		headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await r.text();
	return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function token(room, userId = "lbtui") {
	const r = await rest("POST", "/v2/authorize-user", { userId, permissions: { [room]: ["room:read"] } });
	assert.equal(r.status, 200);
	return r.body.token;
}

/** The tool watching room: its events as they come, and commands. */
async function watch(room, tok, base = dev.url) {
	const child = spawn(toolPath(), [base, room], {
		env: { ...process.env, LIVE_TOKEN: tok },
		stdio: ["pipe", "pipe", "inherit"],
	});
	const events = [];
	const waiters = [];
	createInterface({ input: child.stdout }).on("line", (l) => {
		const e = JSON.parse(l);
		events.push(e);
		for (const w of waiters.splice(0)) w();
	});
	async function until(pred, what, timeout = 10000) {
		const deadline = Date.now() + timeout;
		for (;;) {
			const hit = events.find(pred);
			if (hit) return hit;
			if (Date.now() > deadline) throw new Error(`no ${what} in ${timeout} ms; got ${JSON.stringify(events.slice(-8))}`);
			await new Promise((r) => {
				waiters.push(r);
				setTimeout(r, 50);
			});
		}
	}
	async function ask(cmd, key) {
		const n = events.length;
		child.stdin.write(`${cmd}\n`);
		return until((e, i) => i >= n && key in e, cmd);
	}
	return {
		events,
		until,
		ask,
		async tree() {
			return (await ask("tree", "tree")).tree;
		},
		async quit() {
			child.stdin.write("quit\n");
			await new Promise((r) => child.on("exit", r));
		},
	};
}

/** JSON equal, whatever the order of keys. */
function canon(v) {
	if (Array.isArray(v)) return v.map(canon);
	if (v && typeof v === "object")
		return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
	return v;
}

async function sameAsRest(w, room) {
	const r = await rest("GET", `/v2/rooms/${encodeURIComponent(room)}/storage`);
	assert.equal(r.status, 200);
	assert.deepEqual(canon(await w.tree()), canon(r.body));
}

/** After a burst: the ops have reached the watcher (n more changes). */
async function burst(w, live, n, fn) {
	const before = w.events.filter((e) => "op" in e).length;
	fn();
	await live.synced();
	await w.until(() => w.events.filter((e) => "op" in e).length >= before + n, `${n} ops`);
}

test("every op the SDK makes lands in the live tree, which equals a REST re-read", async () => {
	const room = "live-ops";
	const live = await openLiveRoom(dev.url, room, {
		initialStorage: { title: "t", list: new LiveList(["a", "b"]), map: new LiveMap([["k", 1]]) },
	});
	const w = await watch(room, await token(room));
	await w.until((e) => e.state === "live", "live");
	await w.until((e) => "loaded" in e, "loaded");
	await sameAsRest(w, room);
	const root = live.root;

	// LiveObject set and delete key
	await burst(w, live, 1, () => root.set("title", "T2"));
	const set = w.events.findLast((e) => "op" in e);
	assert.equal(set.path, "/title");
	assert.equal(set.before, '"t"');
	assert.equal(set.after, '"T2"');
	await burst(w, live, 1, () => root.delete("title"));
	await sameAsRest(w, room);

	// a nested create of an object, a list and a map
	await burst(w, live, 3, () =>
		root.set("nested", new LiveObject({ n: 1, l: new LiveList([1]), m: new LiveMap([["x", true]]) })),
	);
	await sameAsRest(w, room);

	// list push, insert, move, set and delete
	const list = root.get("list");
	await burst(w, live, 1, () => list.push("c"));
	await burst(w, live, 1, () => list.insert("ab", 1));
	await burst(w, live, 1, () => list.move(0, 3));
	await burst(w, live, 1, () => list.set(1, "B"));
	await burst(w, live, 1, () => list.delete(0));
	await sameAsRest(w, room);

	// map set and delete
	const map = root.get("map");
	await burst(w, live, 1, () => map.set("k2", { deep: [1, 2] }));
	await burst(w, live, 1, () => map.delete("k"));
	await sameAsRest(w, room);

	// a batch of several ops, one message
	const n = w.events.length;
	await burst(w, live, 3, () =>
		live.room.batch(() => {
			root.set("a", 1);
			root.set("b", 2);
			list.push("z");
		}),
	);
	const ops = w.events.slice(n).filter((e) => "op" in e);
	assert.ok(ops[0].first);
	assert.ok(ops.slice(1).some((e) => !e.first), "the batch came as one message");
	await sameAsRest(w, room);

	const stats = await w.ask("stats", "ops");
	assert.ok(stats.ops >= 15);
	await w.quit();
	await live.leave();
});

test("presence, joins and leaves, and broadcast events show", async () => {
	const room = "live-presence";
	await rest("POST", "/v2/rooms", { id: room, defaultAccesses: ["room:write"] });
	const w = await watch(room, await token(room));
	await w.until((e) => e.state === "live", "live");
	const live = await openLiveRoom(dev.url, room);
	const joined = await w.until((e) => "joined" in e, "a join");
	live.room.updatePresence({ cursor: { x: 1, y: 2 } });
	const p = await w.until((e) => "presence" in e && e.data?.cursor?.x === 1, "presence");
	assert.equal(p.presence, joined.joined);
	live.room.broadcastEvent({ type: "EMOJI", emoji: "🔥" });
	const ev = await w.until((e) => "event" in e && e.data?.emoji === "🔥", "a broadcast");
	assert.equal(ev.event, joined.joined);
	// (The dev server answers 501 to POST /broadcast_event: an event sent
	// through REST is checked where the emulator serves it.)
	await live.leave();
	await w.until((e) => e.left === joined.joined, "the leave");
	await w.quit();
});

test("a refused token is said once and not retried", async () => {
	const room = "live-refused";
	await rest("POST", "/v2/rooms", { id: room, defaultAccesses: [] });
	const w = await watch(room, "not-a-token");
	const failed = await w.until((e) => e.state === "failed" || e.state === "token", "a refusal");
	assert.ok(failed.why, "it says why");
	assert.doesNotMatch(failed.why, /not-a-token/);
	await new Promise((r) => setTimeout(r, 1500));
	const stats = await w.ask("stats", "reconnects");
	assert.equal(stats.reconnects, 0);
	await w.quit();
});

describe("through the emulator, which proxies the room's socket to the dev server", () => {
	let stack;
	before(async () => {
		stack = await startStack();
	});
	after(async () => {
		await stack?.stop();
	});

	async function emu(method, p) {
		const r = await fetch(`${stack.url}/__emulator${p}`, { method });
		const text = await r.text();
		return text ? JSON.parse(text) : null;
	}

	test("a live watch reads Storage once, then only the socket; a dropped socket opens again and Storage is fetched again", async () => {
		const room = "live-via-emulator";
		const live = await openLiveRoom(stack.devUrl, room, { initialStorage: { n: 0 } });
		const tok = (await (await fetch(`${stack.url}/v2/authorize-user`, {
			method: "POST",
			headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
			body: JSON.stringify({ userId: "lbtui", permissions: { [room]: ["room:read"] } }),
		})).json()).token;
		await emu("DELETE", "/requests");
		const w = await watch(room, tok, stack.url);
		await w.until((e) => "loaded" in e, "loaded");
		for (let i = 1; i <= 10; i++) {
			await burst(w, live, 1, () => live.root.set("n", i));
		}
		assert.equal((await emu("GET", "/requests?method=GET&path=/v8")).count, 1, "one socket");
		assert.equal((await emu("GET", `/requests?method=GET&path=/v2/rooms/*/storage`)).count, 0, "no Storage GET while live");

		// The network fails under the socket: it opens again, Storage
		// comes again, and what changed meanwhile is there.
		const dropped = await emu("POST", "/sockets/drop");
		assert.ok(dropped.dropped >= 1);
		await w.until((e) => e.state === "retrying", "retrying");
		live.root.set("n", 99);
		await live.synced();
		await w.until((e, i) => "loaded" in e && i > w.events.findIndex((x) => x.state === "retrying"), "loaded again");
		const tree = await w.tree();
		assert.equal(tree.data.n, 99);
		const stats = await w.ask("stats", "reconnects");
		assert.equal(stats.reconnects, 1);
		assert.equal((await emu("GET", "/requests?method=GET&path=/v8")).count, 2, "one more socket");
		await w.quit();
		await live.leave();
	});
});
