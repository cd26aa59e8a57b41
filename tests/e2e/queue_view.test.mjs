// The moderation queue on the screen, against the emulator seeded with the
// official SDK (@liveblocks/node): the threads of 55 rooms in one list,
// tagging (t, T, ;), bulk resolve and delete with a question first, a bulk
// action with failures that keeps them tagged, undo, the limit (L) and the
// export.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, serverEnv, spawnLbtui, tempDir, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const running = [];
const ROOMS = 55;

const para = (text) => ({ version: 1, content: [{ type: "paragraph", children: [{ text }] }] });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
});

after(async () => {
	for (const t of running)
		await t.close();
	if (stack)
		await stack.stop();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 160, rows: 40, ...opts, env: { ...env, ...opts.env } });
	running.push(t);
	return t;
}

/** ROOMS rooms under a new prefix, each with a question by alice (every
 * fifth one spam) and an answer by bob. */
async function seed() {
	const prefix = uniq("qv");
	const rooms = Array.from({ length: ROOMS }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
	const threads = {};
	for (let i = 0; i < rooms.length; i += 11) {
		await Promise.all(rooms.slice(i, i + 11).map(async (room, k) => {
			const n = i + k;
			await createRoom(stack.url, room);
			const q = await lb.createThread({ roomId: room, data: { comment: { userId: "alice", body: para(n % 5 === 0 ? `Spam offer ${n}` : `Question ${n}`) } } });
			const a = await lb.createThread({ roomId: room, data: { comment: { userId: "bob", body: para(`Answer ${n}`) } } });
			threads[room] = { q, a };
		}));
	}
	return { prefix, rooms, threads };
}

const fault = (rule) => rest(stack.url, "POST", "/__emulator/faults", rule);
const clearFaults = () => rest(stack.url, "DELETE", "/__emulator/faults");

/** Open the queue over the prefix and wait until every room was read. */
async function openQueue(t, prefix) {
	await t.waitFor("rooms");
	t.command(`:queue --prefix ${prefix}`);
	await t.waitFor(`rooms ${ROOMS}/${ROOMS}`, { timeout: 20000 });
	await t.waitFor(`${ROOMS * 2} threads`);
}

/** Answer the question for who writes, when it is asked. */
async function writeAs(t, user) {
	await t.waitFor("write as user");
	t.command(user);
}

describe("the moderation queue on the screen", { concurrency: 1 }, () => {
	test("the threads of every room of a prefix, newest first, with a progress line", async () => {
		const { prefix, rooms } = await seed();
		// The newest thread of all, in the first room.
		await lb.createThread({ roomId: rooms[0], data: { comment: { userId: "carol", body: para("Latest news") } } });
		const t = start();
		await t.waitFor("rooms");
		t.command(`:queue --prefix ${prefix}`);
		await t.waitFor(`rooms ${ROOMS}/${ROOMS} · ${ROOMS * 2 + 1} threads`, { timeout: 20000 });
		// The cursor stayed on the row it was on as rows came above it: g
		// goes to the newest.
		t.write("g");
		await t.waitFor("Latest news");
		await t.waitIdle();
		const s = t.screen();
		assert.match(s[1], /ROOM\s+AUTHOR\s+FIRST LINE\s+#\s+REACT\s+STATE/);
		assert.match(s[2], new RegExp(`${rooms[0]}\\s+carol\\s+Latest news\\s+1\\s+open`));
		// Every room is there.
		const all = path.join(tempDir(), "all.json");
		t.command(`:export ${all}`);
		await t.waitFor(/wrote 111 threads to .*all\.json \(JSON\)/);
		const data = JSON.parse(fs.readFileSync(all, "utf8")).data;
		assert.deepEqual(new Set(data.map((th) => th.roomId)), new Set(rooms));
	});

	test("T tags a pattern, ; x resolves every tagged thread after one question; z undoes it", async () => {
		const { prefix, rooms, threads } = await seed();
		const t = start();
		await openQueue(t, prefix);
		t.write("T");
		await t.waitFor("tag threads matching");
		t.command("~b spam");
		await t.waitFor("11 tagged");
		// A tagged row is marked and drawn in the theme's tagged colour.
		const s = t.screen();
		const y = s.findIndex((r) => r.includes("Spam offer 50"));
		const x = s[y].indexOf("*");
		assert.ok(x >= 0, t.dump());
		const mark = t.cell(x, y);
		assert.ok(mark.bold && !mark.fgDefault, JSON.stringify(mark));
		t.write(";");
		t.write("x");
		await writeAs(t, "mod");
		await t.waitFor(/resolve 11 threads in 11 rooms, as mod\?/i);
		t.write("y");
		await t.waitFor(/resolved 11 of 11/, { timeout: 15000 });
		const spam = rooms.filter((_, i) => i % 5 === 0);
		for (const room of spam)
			assert.equal((await lb.getThread({ roomId: room, threadId: threads[room].q.id })).resolved, true, room);
		assert.equal((await lb.getThread({ roomId: rooms[1], threadId: threads[rooms[1]].q.id })).resolved, false);
		await t.waitFor((text) => !/\d+ tagged/.test(text.split("\n").at(-2)));
		// z: the API can reopen them.
		t.write("z");
		await t.waitFor(/undo: unresolve 11 threads in 11 rooms, as mod\?/i);
		t.write("y");
		await t.waitFor(/reopened 11 of 11/, { timeout: 15000 });
		for (const room of spam)
			assert.equal((await lb.getThread({ roomId: room, threadId: threads[room].q.id })).resolved, false, room);
	});

	test("a bulk delete asks once, saves first; the rooms that failed stay tagged", async () => {
		const { prefix, rooms, threads } = await seed();
		const t = start();
		await openQueue(t, prefix);
		t.write("T");
		await t.waitFor("tag threads matching");
		t.command(`~a bob ~r ${prefix}-0`);
		await t.waitFor("10 tagged");
		await fault({ method: "DELETE", path: `/v2/rooms/${rooms[3]}/threads/*`, type: "status", status: 500 });
		await fault({ method: "DELETE", path: `/v2/rooms/${rooms[7]}/threads/*`, type: "status", status: 403 });
		try {
			t.write(";");
			t.write("d");
			await t.waitFor(/delete 10 threads in 10 rooms.*permanent/i);
			t.write("y");
			await t.waitFor(/deleted 8 of 10; 2 failed/, { timeout: 20000 });
		} finally {
			await clearFaults();
		}
		await t.waitFor(/\b2 tagged/);
		for (const [i, room] of rooms.slice(0, 10).entries()) {
			const alive = await lb.getThread({ roomId: room, threadId: threads[room].a.id }).then(() => true, () => false);
			assert.equal(alive, i === 3 || i === 7, room);
		}
		// What went was saved first.
		const dir = path.join(t.home, ".local", "state", "lbtui");
		const saved = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
		for (const room of rooms.slice(0, 10))
			if (room !== rooms[3] && room !== rooms[7])
				assert.ok(saved.includes(threads[room].a.id), `${room} not kept`);
		// The failures stay tagged: ; d again deletes just them.
		t.write(";");
		t.write("d");
		await t.waitFor(/delete 2 threads in 2 rooms/i);
		t.write("y");
		await t.waitFor(/deleted 2 of 2/, { timeout: 15000 });
		await assert.rejects(lb.getThread({ roomId: rooms[3], threadId: threads[rooms[3]].a.id }));
		// Deleting cannot be undone, and says so.
		t.write("z");
		await t.waitFor(/cannot be undone/);
	});

	test("L limits the rows: locally, or on the server where the query can say it; :export writes them", async () => {
		const { prefix } = await seed();
		const t = start();
		await openQueue(t, prefix);
		t.write("L");
		await t.waitFor("limit to");
		t.command("~b spam");
		await t.waitFor(/local/);
		const shown = () => t.screen().slice(2, -2).filter((r) => / alice\s+Spam offer| bob\s+Answer| alice\s+Question/.test(r)).length;
		assert.equal(shown(), 11, t.dump());
		const out = path.join(tempDir(), "queue.md");
		t.command(`:export ${out}`);
		await t.waitFor(/wrote 11 threads to .*queue\.md \(Markdown\)/);
		const md = fs.readFileSync(out, "utf8");
		assert.match(md, /Spam offer 50/);
		assert.ok(!md.includes("Answer 50"));
		const json = path.join(path.dirname(out), "queue.json");
		t.command(`:export ${json}`);
		await t.waitFor(/queue\.json/);
		const data = JSON.parse(fs.readFileSync(json, "utf8")).data;
		assert.equal(data.length, 11);
		assert.ok(data.every((th) => th.type === "thread" && th.roomId.startsWith(prefix)));
		// What the server's query can say goes to the server: another queue,
		// with resolved:false added to its thread query, q comes back.
		const before = (await rest(stack.url, "GET", `/__emulator/requests?method=GET&path=${encodeURIComponent(`/v2/rooms/${prefix}-00/threads`)}`)).body.count;
		t.write("L");
		await t.waitFor("limit to");
		t.command("~U ~a bob");
		await t.waitFor(/queue --prefix \S+ --threads resolved:false/);
		await t.waitFor(`rooms ${ROOMS}/${ROOMS}`, { timeout: 20000 });
		await t.waitFor(/server: resolved:false.*local: ~a bob/);
		assert.ok(!/ alice\s/.test(t.screen().slice(2, -2).join("\n")), t.dump());
		assert.match(t.screenText(), / bob\s+Answer/);
		const after = (await rest(stack.url, "GET", `/__emulator/requests?method=GET&path=${encodeURIComponent(`/v2/rooms/${prefix}-00/threads`)}`)).body.count;
		assert.equal(after, before + 1);
		t.write("q");
		await t.waitFor(/local: ~b spam/);
	});
});
