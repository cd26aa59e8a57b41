// The list views (rooms, versions, users) and the Storage tree as a person
// uses them: the selection follows its item through reloads, columns share
// a narrow terminal by priority, G loads every page, searches count their
// matches, empty views say so, and watch mode shows what someone else
// deleted.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { LIST_X, createRoom, cursorLine, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";
import { openLiveRoom } from "./live.mjs";

let stack;
let running = [];

before(async () => {
	stack = await startStack();
});

after(async () => {
	if (stack)
		await stack.stop();
});

afterEach(async () => {
	await fetch(`${stack.control}/faults`, { method: "DELETE" });
	const list = running;
	running = [];
	for (const t of list)
		await t.close();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 100, rows: 30, ...opts, env: serverEnv(stack.url, opts.env || {}) });
	running.push(t);
	return t;
}

const ready = (t) => t.waitFor(/ \d+\+? rooms │/);

// Open the rooms whose IDs start with prefix, and wait for them: the title
// names the filter and the status bar the count ("6 rooms", "100+ rooms";
// not checked when the status bar is too narrow to show it).
async function openRooms(t, prefix, count) {
	t.command(`:rooms --prefix ${prefix}`);
	await t.waitFor(() => t.row(0).includes(`[roomId^"${prefix}"]`));
	if (count)
		await t.waitFor(() => t.row(-2).includes(` ${count} rooms │`));
	else
		await t.waitFor(() => listRows(t, 0).some((r) => r.startsWith(prefix.slice(0, 6))));
	await t.waitIdle();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fault(rule) {
	const r = await fetch(`${stack.control}/faults`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify(rule),
	});
	assert.equal(r.status, 200, await r.text());
}

const requests = async (method, path) =>
	(await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(path)}`)).body.count;

// Rooms created in parallel, a few at a time.
async function createRooms(ids, extra = {}) {
	for (let i = 0; i < ids.length; i += 25)
		await Promise.all(ids.slice(i, i + 25).map((id) => createRoom(stack.url, id, extra)));
}

// The rows of the list pane (below its header), from the left edge x.
const listRows = (t, x = LIST_X) => t.screen().slice(2, t.rows - 2).map((r) => r.slice(x));

// The list-pane row drawn highlighted (the cursor), at any width: the
// first cell of a row whose background is not the default.
function highlighted(t, x = 0) {
	const s = t.screen();
	for (let y = 2; y < t.rows - 2; y++) {
		const c = t.cell(x + 1, y);
		if (c && !c.bgDefault && s[y].slice(x).trim())
			return s[y].slice(x);
	}
	return "";
}

describe("the selection follows its item", () => {
	test("through a room created above it and a reload, and to a neighbour when it is deleted", async () => {
		const P = uniq("sel");
		const ids = ["a", "b", "c", "d", "e", "f"].map((k) => `${P}-${k}`);
		await createRooms(ids);
		const t = start();
		await ready(t);
		await openRooms(t, P, 6);
		const shown = () => listRows(t).map((r) => ids.find((id) => r.startsWith(id + " "))).filter(Boolean);
		const order = shown();
		assert.equal(order.length, 6, t.dump());
		// The fourth room of the list.
		t.write("jjj");
		const chosen = order[3];
		await t.waitFor(() => cursorLine(t).startsWith(chosen + " "));

		// Another client creates a room that sorts first; a reload brings it.
		await createRoom(stack.url, `${P}-new`);
		t.write("r");
		await t.waitFor(() => / 7 rooms │/.test(t.row(-2)));
		await t.waitIdle();
		assert.ok(listRows(t).some((r) => r.startsWith(`${P}-new `)), t.dump());
		assert.ok(cursorLine(t).startsWith(chosen + " "), `the cursor left ${chosen}\n${t.dump()}`);

		// Another client deletes it: the cursor goes to the room that took
		// its place, not past the end and not to the row above.
		const before = shown();
		const at = before.indexOf(chosen);
		const next = before[at + 1];
		assert.equal((await rest(stack.url, "DELETE", `/v2/rooms/${chosen}`)).status, 204);
		t.write("r");
		await t.waitFor(() => / 6 rooms │/.test(t.row(-2)));
		await t.waitIdle();
		assert.ok(cursorLine(t).startsWith(next + " "), `expected ${next} under the cursor\n${t.dump()}`);

		// The last room deleted while selected: the one before it.
		t.write("G");
		const last = shown().at(-1);
		await t.waitFor(() => cursorLine(t).startsWith(last + " "));
		const beforeLast = shown().at(-2);
		assert.equal((await rest(stack.url, "DELETE", `/v2/rooms/${last}`)).status, 204);
		t.write("r");
		await t.waitFor(() => / 5 rooms │/.test(t.row(-2)));
		await t.waitIdle();
		assert.ok(cursorLine(t).startsWith(beforeLast + " "), `expected ${beforeLast}\n${t.dump()}`);
	});
});

describe("columns share a narrow terminal by priority", () => {
	for (const cols of [40, 60]) {
		test(`at ${cols} columns every room ID stays apart (cut in the middle when it must be)`, async () => {
			const tag = uniq("t");
			const ids = [1, 2, 3, 4, 5, 6].map((k) => `globex-${tag}:support-ticket-100${k}`);
			await createRooms(ids);
			const t = start({ cols, rows: 16 });
			await t.waitFor(/ID +CREATED/);
			await openRooms(t, `globex-${tag}:`);
			const rows = listRows(t, 0).filter((r) => r.startsWith("globex-"));
			assert.equal(rows.length, 6, t.dump());
			assert.equal(new Set(rows).size, 6, `rows alike:\n${t.dump()}`);
			// Each ID keeps its start and its end.
			for (let k = 1; k <= 6; k++)
				assert.equal(rows.filter((r) => /^globex-\S*ticket-100(\d)\b/.exec(r)?.[1] === String(k)).length, 1, t.dump());
			// The date is still there: the ID left room for it.
			assert.ok(rows.every((r) => /\b\d{4}-\d\d-\d\d\b/.test(r)), t.dump());
			assert.match(t.row(1), /^ID +CREATED/);
		});
	}
});

describe("G on a paged list", () => {
	const P = uniq("pg");
	const ids = Array.from({ length: 250 }, (_, i) => `${P}-${String(i).padStart(3, "0")}`);

	before(async () => {
		await createRooms(ids);
	});

	test("goes to the true end, loading every page", async () => {
		const t = start();
		await ready(t);
		await openRooms(t, P, "100+");
		const before = await requests("GET", "/v2/rooms");
		t.write("G");
		await t.waitFor(() => / 250 rooms │/.test(t.row(-2)), { timeout: 10000 });
		await t.waitIdle();
		assert.equal((await requests("GET", "/v2/rooms")) - before, 2, "two more pages, asked once each");
		// The last room there is, under the cursor, on screen.
		const all = (await rest(stack.url, "GET", `/v2/rooms?limit=100&query=${encodeURIComponent(`roomId^"${P}"`)}`)).body;
		let page = all;
		while (page.nextCursor)
			page = (await rest(stack.url, "GET", `/v2/rooms?limit=100&startingAfter=${page.nextCursor}&query=${encodeURIComponent(`roomId^"${P}"`)}`)).body;
		const lastId = page.data.at(-1).id;
		assert.ok(cursorLine(t).startsWith(lastId + " "), `${lastId} not under the cursor\n${t.dump()}`);
	});

	test("shows its progress, and Esc stops it where it is", async () => {
		const t = start();
		await ready(t);
		await openRooms(t, P, "100+");
		await fault({ method: "GET", path: "/v2/rooms", type: "latency", latencyMs: 5000 });
		const before = await requests("GET", "/v2/rooms");
		t.write("G");
		await t.waitFor(() => /loading page 2… 100 rooms, Esc cancels/.test(t.row(-2)));
		// The cursor waits on the last room loaded.
		const hundredth = listRows(t).filter((r) => r.startsWith(P)).at(-1).split(" ")[0];
		assert.ok(cursorLine(t).startsWith(hundredth + " "), t.dump());
		t.key("Esc");
		await t.waitFor(() => / 100\+ rooms │/.test(t.row(-2)), { timeout: 2000 });
		assert.match(t.row(-1), /stopped loading at 100 rooms/);
		assert.doesNotMatch(t.row(-2), /loading/);
		assert.doesNotMatch(t.row(0), /loading/);
		assert.ok(cursorLine(t).startsWith(hundredth + " "), t.dump());
		// Nothing more is asked for until the user moves.
		await sleep(1500);
		assert.equal((await requests("GET", "/v2/rooms")) - before, 1, "one page asked for, then cancelled");
		assert.ok(cursorLine(t).startsWith(hundredth + " "), t.dump());
		assert.equal(await t.exit(), 0);
	});
});

describe("searching counts its matches", () => {
	test("/ in the rooms list says which match of how many; n and N follow", async () => {
		const P = uniq("sr");
		const ids = ["red-1", "blue-1", "red-2", "green-1", "red-3", "blue-2"].map((k) => `${P}-${k}`);
		await createRooms(ids);
		const t = start();
		await ready(t);
		await openRooms(t, P, 6);
		t.write("/");
		await t.waitFor(() => t.row(-1).startsWith("/"));
		t.command("red");
		await t.waitFor(() => /match 1 of 3$/.test(t.row(-1).trim()));
		assert.match(cursorLine(t), /-red-\d /);
		const first = cursorLine(t).split(" ")[0];
		t.write("n");
		await t.waitFor(() => /match 2 of 3$/.test(t.row(-1).trim()));
		t.write("n");
		await t.waitFor(() => /match 3 of 3$/.test(t.row(-1).trim()));
		t.write("n");
		await t.waitFor(() => /match 1 of 3$/.test(t.row(-1).trim()));
		assert.ok(cursorLine(t).startsWith(first + " "), t.dump());
		t.write("N");
		await t.waitFor(() => /match 3 of 3$/.test(t.row(-1).trim()));
	});

	test("/ in the Storage tree counts the matches of the whole document", async () => {
		const id = uniq("srt");
		await createRoom(stack.url, id);
		const obj = (data) => ({ liveblocksType: "LiveObject", data });
		const doc = obj({
			shapes: { liveblocksType: "LiveList", data: [obj({ color: "red" }), obj({ color: "blue" }), obj({ color: "green" })] },
			colorless: 1,
		});
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc)).status, 200);
		const t = start();
		await ready(t);
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject 2 keys/);
		t.write("/");
		await t.waitFor(() => t.row(-1).startsWith("/"));
		t.command("color");
		// colorless, then the three colors inside the collapsed list.
		await t.waitFor(() => /match 1 of 4$/.test(t.row(-1).trim()));
		t.write("n");
		await t.waitFor(() => /match 2 of 4$/.test(t.row(-1).trim()));
		assert.match(cursorLine(t), /color string "red"/);
		t.write("N");
		t.write("N");
		await t.waitFor(() => /match 4 of 4$/.test(t.row(-1).trim()));
		assert.match(cursorLine(t), /color string "green"/);
	});
});

describe("empty and cancelled", () => {
	test("an empty list says so: no rooms match the filter, no versions yet, nobody connected", async () => {
		const P = uniq("none");
		const id = uniq("empty");
		await createRoom(stack.url, id);
		const t = start();
		await ready(t);
		t.command(`:rooms --prefix ${P}`);
		await t.waitFor(`No rooms match roomId^"${P}"`);
		t.command(`:versions ${id}`);
		await t.waitFor("No versions yet");
		t.command(`:users ${id}`);
		await t.waitFor("Nobody is connected to this room");
		// In batch mode too.
		const r = await runBatch(["-e", `rooms --prefix ${P}`], serverEnv(stack.url));
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr, new RegExp(`\\(no rooms match roomId\\^"${P}"\\)`));
	});

	test("an empty key shows as \"\" in the Storage tree", async () => {
		const id = uniq("ek");
		await createRoom(stack.url, id);
		const doc = { liveblocksType: "LiveObject", data: { "": "nameless", named: 1 } };
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc)).status, 200);
		const t = start();
		await ready(t);
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject 2 keys/);
		assert.match(t.screenText(), /  "" string "nameless"/);
		t.write("j");
		await t.waitFor(() => /"" string "nameless"/.test(cursorLine(t)));
		assert.match(t.row(1), /\/ › ""/);
	});

	test("a cancelled first load no longer says loading", async () => {
		const id = uniq("cl");
		await createRoom(stack.url, id);
		const t = start();
		await ready(t);
		await fault({ method: "GET", path: `/v2/rooms/${id}`, type: "latency", latencyMs: 4000 });
		t.command(`:room show ${id}`);
		await t.waitFor(() => /│ loading$/.test(t.row(-2).trim()));
		t.key("Esc");
		await t.waitFor("Not loaded");
		await t.waitIdle();
		assert.doesNotMatch(t.row(-2), /loading/, t.dump());
		assert.doesNotMatch(t.row(0), /loading/, t.dump());
		assert.match(t.row(-2), /not loaded/);
	});
});

describe("watch mode shows what someone else changed", () => {
	const obj = (data) => ({ liveblocksType: "LiveObject", data });
	const list = (data) => ({ liveblocksType: "LiveList", data });

	async function roomWith(doc) {
		const id = uniq("w");
		await createRoom(stack.url, id, { defaultAccesses: ["room:write"] });
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc)).status, 200);
		return id;
	}

	async function watch(t, id, poll = false) {
		await ready(t);
		t.command(`:storage ${id} --watch${poll ? " --poll" : ""}`);
		await t.waitFor(/root LiveObject \d+ keys/);
		await t.waitFor(() => (poll ? /\[polling every 1 s\]/ : /\[live \(push\)\]/).test(t.row(1)));
	}

	const rowIndex = (t, re) => t.screen().findIndex((r) => re.test(r));

	test("a deleted key stays a while, dim and marked; every change is counted", async () => {
		const id = await roomWith(obj({ counter: 1, extra: "gone soon", title: "t" }));
		const live = await openLiveRoom(stack.devUrl, id);
		try {
			const t = start();
			await watch(t, id);
			live.root.set("counter", 2);
			await live.synced();
			await t.waitFor(/counter number 2/, { timeout: 3000 });
			live.root.set("counter", 3);
			live.root.delete("extra");
			await live.synced();
			await t.waitFor(/counter number 3/, { timeout: 3000 });
			await t.waitFor(/extra deleted \d+s ago/, { timeout: 3000 });
			// Where it was, between counter and title, struck from the tree.
			const yc = rowIndex(t, /counter number 3/);
			const yx = rowIndex(t, /extra deleted/);
			const yt = rowIndex(t, /title string "t"/);
			assert.ok(yc < yx && yx < yt, t.dump());
			assert.match(t.screen()[yx].slice(LIST_X), /^- +extra deleted \d+s ago +was "gone soon"/);
			const x = t.screen()[yx].indexOf("extra");
			assert.ok(t.cell(x, yx).dim, "the deleted key is dim");
			assert.match(t.screenText(), /root LiveObject 2 keys/);
			// Three changes (counter twice, extra once), one of them a deletion.
			assert.match(t.row(-2), /3 changes, 1 deleted \(L log, M clear\)/);
			// It can be looked at, not edited.
			t.write("g");
			for (let k = 0; k < 5 && !/extra deleted/.test(cursorLine(t)); k++) {
				t.write("j");
				await t.waitIdle();
			}
			assert.match(cursorLine(t), /extra deleted/);
			assert.match(t.row(1), /\/ › extra \(deleted\)/);
			t.write("e");
			await t.waitFor(/deleted by someone else: nothing to set/);
			assert.ok(!t.row(-1).startsWith(":"), t.dump());
			// The op log: who, when, and each op with its old and new value.
			t.write("L");
			await t.waitFor(/delete +\/extra: "gone soon" → ∅/);
			t.write("q");
			await t.waitFor(/extra deleted/);
			// Ten seconds on, it is gone; the count stays until M.
			await t.waitForGone(/extra deleted/, { timeout: 12000 });
			assert.match(cursorLine(t), /title string "t"|counter number 3/);
			assert.match(t.row(-2), /3 changes \(L log, M clear\)/);
			t.write("M");
			await t.waitForGone(() => /changes/.test(t.row(-2)));
		} finally {
			await live.leave();
		}
	});

	test("polling: a rewrite seen between its DELETE and its POST is diffed against the last full document", async () => {
		const rows = (changed) => list(Array.from({ length: 200 }, (_, i) => obj({ score: i === 100 ? changed : i })));
		const id = await roomWith(obj({ rows: rows(100), name: "scores" }));
		const t = start();
		await watch(t, id, true);
		const reads = () => requests("GET", `/v2/rooms/${id}/storage`);
		// Another client rewrites the document: DELETE, then POST with one
		// score changed; lbtui reads it while it is empty.
		assert.equal((await rest(stack.url, "DELETE", `/v2/rooms/${id}/storage`)).status, 204);
		const seen = await reads();
		for (let i = 0; i < 300 && (await reads()) === seen; i++)
			await sleep(10);
		await t.waitIdle();
		assert.match(t.screenText(), /rows LiveList 200 items/, "the empty document is not shown at once");
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, obj({ rows: rows(999), name: "scores" }))).status, 200);
		await t.waitFor(() => /1 change \(L log/.test(t.row(-2)), { timeout: 4000 });
		t.write("L");
		await t.waitFor(/changes \//);
		assert.match(t.screenText(), /\/rows\/100\/score: 100 → 999, \d+s ago/);
		assert.doesNotMatch(t.screenText(), /\/rows: (removed|added)|\/name:/);
		t.write("q");

		// Emptied for good: after a few seconds it is shown as emptied.
		assert.equal((await rest(stack.url, "DELETE", `/v2/rooms/${id}/storage`)).status, 204);
		await t.waitFor(/empty on the server\? checking/, { timeout: 3000 });
		await t.waitFor(/root LiveObject \{\}/, { timeout: 6000 });
		await t.waitFor(/rows deleted \d+s ago/);
		assert.match(t.row(-2), /3 changes, 2 deleted/);
	});
});
