// The moderation queue in batch mode (`queue`), against the emulator,
// seeded with the official SDK (@liveblocks/node): 130 rooms (two pages of
// rooms), their threads newest first across rooms, --prefix, --rooms,
// --threads, --unresolved, the --json document, a room that fails (its
// failure reported, the rest printed, exit 1) and a 429 waited out.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { rest, runBatch, serverEnv, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const P = uniq("qb");
const ROOMS = 130;
const OTHER = `${uniq("qo")}-room`;
/** Every seeded thread: {id, roomId, createdAt, resolved, kind}. */
const seeded = [];

const para = (text) => ({ version: 1, content: [{ type: "paragraph", children: [{ text }] }] });
const roomId = (i) => `${P}-${String(i).padStart(3, "0")}`;

/** Run f on each of items, n at a time. */
async function parallel(items, n, f) {
	let next = 0;
	const worker = async () => {
		while (next < items.length)
			await f(items[next++]);
	};
	await Promise.all(Array.from({ length: n }, worker));
}

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
	const base = Date.UTC(2025, 0, 1);
	const ids = Array.from({ length: ROOMS }, (_, i) => i);
	// Room i: team a or b; one thread at minute i; every fifth room a
	// second one, resolved, of kind spam, a few seconds later.
	await parallel(ids, 16, async (i) => {
		await lb.createRoom(roomId(i), { defaultAccesses: [], metadata: { team: i % 2 ? "b" : "a" } });
		const spam = i % 5 === 0;
		const make = async (k, createdAt, kind) => {
			const t = await lb.createThread({
				roomId: roomId(i),
				data: { comment: { userId: `user-${i}`, body: para(`room ${i} thread ${k}`), createdAt }, metadata: { kind } },
			});
			seeded.push({ id: t.id, roomId: roomId(i), createdAt: createdAt.toISOString(), resolved: false, kind });
			return t;
		};
		await make(0, new Date(base + i * 60000), "question");
		if (spam) {
			const t = await make(1, new Date(base + i * 60000 + 5000), "spam");
			await lb.markThreadAsResolved({ roomId: roomId(i), threadId: t.id, data: { userId: "mod" } });
			seeded.find((s) => s.id === t.id).resolved = true;
		}
	});
	await lb.createRoom(OTHER, { defaultAccesses: [] });
	await lb.createThread({ roomId: OTHER, data: { comment: { userId: "zed", body: para("elsewhere") } } });
});

after(async () => {
	if (stack)
		await stack.stop();
});

/** lbtui -e LINE (more args after), its result. */
const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env, { timeout: 60000 });

/** Requests the emulator received for METHOD PATH (a glob). */
async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

/** The seeded threads f keeps, as the queue orders them: newest first. */
function expected(f = () => true) {
	return seeded.filter(f).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).map((t) => t.id);
}

async function json(line) {
	const r = await lbtui(line, "--json");
	assert.equal(r.code, 0, `${line}: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

describe("queue", () => {
	test("--prefix: the threads of every room it names, two pages of rooms, newest first; --json the API's threads", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const r = await lbtui(`queue --prefix ${P}`, "--json");
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stderr, "");
		// One JSON document: data and failures.
		const doc = JSON.parse(r.stdout);
		assert.deepEqual(Object.keys(doc), ["data", "failures"]);
		assert.deepEqual(doc.failures, []);
		assert.deepEqual(doc.data.map((t) => t.id), expected());
		for (const t of doc.data) {
			const s = seeded.find((x) => x.id === t.id);
			assert.equal(t.roomId, s.roomId);
			assert.equal(t.type, "thread");
			assert.equal(t.createdAt, s.createdAt);
			assert.equal(t.comments[0].body.content[0].type, "paragraph");
		}
		// The rooms in pages of 100, each room's threads read once.
		assert.equal(await count("GET", "/v2/rooms"), 2);
		assert.equal(await count("GET", `/v2/rooms/${P}-*/threads`), ROOMS);
		assert.equal(await count("GET", `/v2/rooms/${OTHER}/threads`), 0);
	});

	test("without --json: a table of room, thread, author, first line, comments, resolved, created", async () => {
		const r = await lbtui(`queue --prefix ${P}`);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split("\n");
		assert.match(lines[0], /^ROOM\s+THREAD\s+AUTHOR\s+TEXT\s+COMMENTS\s+RESOLVED\s+CREATED$/);
		assert.equal(lines.length, 1 + seeded.length);
		const newest = seeded.find((t) => t.id === expected()[0]);
		const i = Number(newest.roomId.slice(-3));
		assert.match(lines[1], new RegExp(`^${newest.roomId}\\s+${newest.id}\\s+user-${i}\\s+room ${i} thread 0\\s+1\\s+no\\s+2025-01-01 02:09$`));
		const spam = seeded.find((t) => t.roomId === roomId(5) && t.kind === "spam");
		assert.match(lines.find((l) => l.includes(spam.id)), new RegExp(`^${roomId(5)}\\s+${spam.id}\\s+user-5\\s+room 5 thread 1\\s+1\\s+yes\\s+2025-01-01 00:05$`));
		// Newest first: room 129's thread, then room 128's.
		assert.ok(lines[2].startsWith(roomId(128)));
	});

	test("--rooms ROOMQUERY, --threads THREADQUERY and --unresolved: the server's queries", async () => {
		let doc = await json(`queue --rooms 'roomId^"${P}" AND metadata["team"]:"a"'`);
		assert.deepEqual(doc.data.map((t) => t.id), expected((t) => Number(t.roomId.slice(-3)) % 2 === 0));
		doc = await json(`queue --prefix ${P} --threads 'metadata["kind"]:"spam"'`);
		assert.deepEqual(doc.data.map((t) => t.id), expected((t) => t.kind === "spam"));
		assert.ok(doc.data.length >= 26);
		doc = await json(`queue --prefix ${P} --unresolved`);
		assert.deepEqual(doc.data.map((t) => t.id), expected((t) => !t.resolved));
		assert.ok(doc.data.every((t) => t.resolved === false));
		// Both: resolved:false and the query, in each room's request.
		doc = await json(`queue --prefix ${P} --unresolved --threads 'metadata["kind"]:"spam"'`);
		assert.deepEqual(doc.data, []);
		// Every room: the other one too.
		doc = await json("queue");
		assert.ok(doc.data.some((t) => t.roomId === OTHER));
		assert.ok(doc.data.length >= seeded.length + 1);
	});

	test("a room whose threads cannot be read: reported, the rest printed, exit 1", async () => {
		const bad = roomId(7);
		const rule = (await rest(stack.url, "POST", "/__emulator/faults",
			{ method: "GET", path: `/v2/rooms/${bad}/threads`, type: "status", status: 503 })).body;
		try {
			let r = await lbtui(`queue --prefix ${P}`, "--json");
			assert.equal(r.code, 1, r.stderr);
			const doc = JSON.parse(r.stdout); // one document, no error object after it
			assert.deepEqual(doc.data.map((t) => t.id), expected((t) => t.roomId !== bad));
			assert.equal(doc.failures.length, 1);
			assert.equal(doc.failures[0].roomId, bad);
			assert.match(doc.failures[0].error, /503/);
			assert.match(r.stderr, new RegExp(`room ${bad}: 503`));
			assert.match(r.stderr, /the threads of 1 of 130 rooms could not be read/);
			r = await lbtui(`queue --prefix ${P}`);
			assert.equal(r.code, 1);
			assert.equal(r.stdout.trimEnd().split("\n").length, 1 + seeded.filter((t) => t.roomId !== bad).length);
			assert.match(r.stderr, new RegExp(`room ${bad}: 503`));
		} finally {
			await rest(stack.url, "DELETE", `/__emulator/faults/${rule.id}`);
		}
	});

	test("a 429 is waited out and the request sent again, beyond the HTTP layer's own retries", async () => {
		const slow = roomId(11);
		await rest(stack.url, "DELETE", "/__emulator/requests");
		await rest(stack.url, "POST", "/__emulator/faults",
			{ method: "GET", path: `/v2/rooms/${slow}/threads`, type: "status", status: 429, retryAfter: 1, count: 5 });
		const started = Date.now();
		const doc = await json(`queue --prefix ${P}`);
		assert.deepEqual(doc.failures, []);
		assert.deepEqual(doc.data.map((t) => t.id), expected());
		// Five refusals, then the answer; each waited for its Retry-After.
		assert.equal(await count("GET", `/v2/rooms/${slow}/threads`), 6);
		assert.ok(Date.now() - started >= 5000);
	});

	test("a page of rooms that fails: the error, exit 1", async () => {
		const rule = (await rest(stack.url, "POST", "/__emulator/faults",
			{ method: "GET", path: "/v2/rooms", type: "status", status: 403, skip: 1 })).body;
		try {
			const r = await lbtui(`queue --prefix ${P}`, "--json");
			assert.equal(r.code, 1);
			assert.equal(JSON.parse(r.stdout).status, 403);
			assert.match(r.stderr, /the rooms could not all be listed \(100 so far\)/);
		} finally {
			await rest(stack.url, "DELETE", `/__emulator/faults/${rule.id}`);
		}
	});

	test("--prefix with --rooms is a usage error, nothing sent", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const r = await lbtui(`queue --prefix ${P} --rooms 'metadata["team"]:"a"'`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /give --prefix or --rooms, not both/);
		assert.equal(await count("*", "/v2/**"), 0);
	});
});
