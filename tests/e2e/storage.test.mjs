// Storage and Yjs on the screen: the Storage tree (expand, collapse,
// search, the JSON view, copy, the simplified format), edits through the
// command line against the official dev server (read-modify-write) and the
// emulator (JSON patch), watch mode with a real @liveblocks/client changing
// Storage live, connected users, the Yjs view and the version history.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { YUpdate } from "../demo/yupdate.mjs";
import { LIST_X, SECRET, createRoom, cursorLine, rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";
import { LiveList, LiveObject, openLiveRoom } from "./live.mjs";

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
	const list = running;
	running = [];
	for (const t of list)
		await t.close();
});

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });
const map = (data) => ({ liveblocksType: "LiveMap", data });

// A small board: every kind of node the tree shows.
const DOC = obj({
	title: "Board ✓",
	counter: 1,
	flag: true,
	nothing: null,
	shapes: list([
		obj({ x: 10, y: 20, color: "red" }),
		obj({ x: 30, y: 40, color: "blue" }),
		obj({ x: 50, y: 60, color: "green" }),
	]),
	meta: map({ owner: "alice", deep: obj({ needle: "haystack-needle" }) }),
	plain: { a: [1, 2, { b: "inner" }] },
});

// A room with DOC (or doc) as its Storage, created through base (the dev
// server unless told otherwise).
async function roomWith(doc = DOC, base = stack.devUrl) {
	const id = uniq("st");
	await createRoom(base, id, { defaultAccesses: ["room:write"] });
	const r = await rest(base, "POST", `/v2/rooms/${id}/storage`, doc);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return id;
}

// Send a Yjs update (bytes) to a room's document through REST.
async function putYdoc(id, bytes, base = stack.devUrl) {
	const r = await fetch(`${base}/v2/rooms/${encodeURIComponent(id)}/ydoc`, {
		method: "PUT",
		headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/octet-stream" },
		body: bytes,
	});
	await r.arrayBuffer();
	assert.equal(r.status, 200, `PUT ydoc: ${r.status}`);
}

// A Yjs document with a text, a map and an array at its root.
const NOTES = () =>
	new YUpdate(4242)
		.text("body", [{ text: "Hello world" }])
		.mapSet("meta", "title", "Notes")
		.mapSet("meta", "rev", 3)
		.arrayPush("tags", ["first-tag", "second-tag"])
		.encode();

const storageJson = async (id, base = stack.devUrl) =>
	(await rest(base, "GET", `/v2/rooms/${id}/storage?format=json`)).body;

function start(url = stack.devUrl, opts = {}) {
	const t = spawnLbtui({ cols: 100, rows: 30, ...opts, env: serverEnv(url, opts.env || {}) });
	running.push(t);
	return t;
}

const ready = (t) => t.waitFor(/ \d+\+? rooms │/);

// The rows of the list pane.
const listRows = (t) => t.screen().slice(1, t.rows - 2).map((r) => r.slice(LIST_X));

async function openStorage(t, id, extra = "") {
	await ready(t);
	t.command(`:storage ${id}${extra}`);
	await t.waitFor(/root LiveObject \d+ keys|root object \d+ keys/);
}

async function search(t, text) {
	t.write("/");
	await t.waitFor(() => t.row(-1).startsWith("/"));
	t.command(text);
	await t.settle();
}

// The last OSC 52 payload lbtui wrote, decoded.
function lastClipboard(t) {
	const all = [...t.output.matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g)];
	if (!all.length)
		return null;
	return Buffer.from(all[all.length - 1][1], "base64").toString("utf8");
}

describe("the Storage tree (official dev server)", () => {
	test("s in a room opens the tree: keys, indexes, types in colour, summaries", async () => {
		const id = await roomWith();
		const t = start();
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(id);
		t.write("s");
		await t.waitFor(/root LiveObject 7 keys/);
		const text = t.screenText();
		assert.match(text, /title string "Board ✓"/);
		assert.match(text, /counter number 1/);
		assert.match(text, /flag boolean true/);
		assert.match(text, /nothing null null/);
		assert.match(text, /▸ shapes LiveList 3 items/);
		assert.match(text, /▸ meta LiveMap \{deep: \{…\}, owner: "alice"\}/);
		assert.match(text, /▸ plain object \{a: /);
		assert.match(t.row(0), /storage .*st-/);
		// Types have colours of their own.
		const colourOf = (word) => {
			const y = t.screen().findIndex((r) => r.includes(` ${word} `));
			const x = t.screen()[y].indexOf(` ${word} `) + 1;
			return t.cell(x, y).fg;
		};
		assert.notEqual(colourOf("LiveList"), colourOf("string"));
		assert.notEqual(colourOf("number"), colourOf("boolean"));
		// The navigator offers what is inside the room.
		assert.match(text, /Storage[\s\S]*Yjs[\s\S]*Versions[\s\S]*Users/);
	});

	test("Enter, l and h, *, C and depth digits expand and collapse", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		t.write("2");
		await t.waitFor(/▾ shapes LiveList 3 items/);
		assert.match(t.screenText(), /\[0\] LiveObject \{x: 10, y: 20, color: "red"\}/);
		assert.match(t.screenText(), /▸ deep LiveObject/);
		assert.doesNotMatch(t.screenText(), /needle string/);
		t.write("1");
		await t.waitFor(/▸ shapes LiveList 3 items/);
		// Everything below the root.
		t.write("g*");
		await t.waitFor(/needle string "haystack-needle"/);
		assert.match(t.screenText(), /x number 50/);
		assert.match(t.screenText(), /b string "inner"/);
		t.write("C");
		await t.waitForGone(/needle string/);
		assert.match(t.screenText(), /▸ meta LiveMap/);
		// Enter on the root folds it to one row, and back.
		t.write("g\r");
		await t.waitForGone(/counter number/);
		assert.match(t.screenText(), /▸ root LiveObject/);
		t.write("\r");
		await t.waitFor(/counter number 1/);
		// l opens, l again goes in, h goes back out, h folds.
		await search(t, "shapes");
		await t.waitFor(() => /▸ shapes/.test(cursorLine(t)));
		t.write("l");
		await t.waitFor(() => /▾ shapes/.test(cursorLine(t)));
		t.write("l");
		await t.waitFor(() => /\[0\] LiveObject/.test(cursorLine(t)));
		t.write("h");
		await t.waitFor(() => /▾ shapes/.test(cursorLine(t)));
		t.write("h");
		await t.waitFor(() => /▸ shapes/.test(cursorLine(t)));
		// Arrows do the same.
		t.key("Right");
		await t.waitFor(() => /▾ shapes/.test(cursorLine(t)));
		t.key("Left");
		await t.waitFor(() => /▸ shapes/.test(cursorLine(t)));
	});

	test("p and ^ go to the parent; the breadcrumbs follow the cursor", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "needle");
		await t.waitFor(() => /needle string/.test(cursorLine(t)));
		await t.waitFor(() => t.row(1).includes("/ › meta › deep › needle"));
		t.write("p");
		await t.waitFor(() => /▾ deep LiveObject/.test(cursorLine(t)));
		assert.match(t.row(1), /\/ › meta › deep\s*$/);
		t.write("^");
		await t.waitFor(() => /▾ meta LiveMap/.test(cursorLine(t)));
		assert.match(t.row(1), /\/ › meta\s*$/);
	});

	test("/ searches keys and values, expanding to each match; n and N", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		// A value deep inside a collapsed LiveMap.
		await search(t, "haystack");
		await t.waitFor(() => /needle string "haystack-needle"/.test(cursorLine(t)));
		assert.match(t.screenText(), /▾ meta LiveMap/);
		// Keys: every color, in order, and back.
		t.write("g");
		await search(t, "color");
		await t.waitFor(() => /color string "red"/.test(cursorLine(t)));
		t.write("n");
		await t.waitFor(() => /color string "blue"/.test(cursorLine(t)));
		t.write("n");
		await t.waitFor(() => /color string "green"/.test(cursorLine(t)));
		t.write("N");
		await t.waitFor(() => /color string "blue"/.test(cursorLine(t)));
		// Matches are highlighted.
		const y = t.screen().findIndex((r) => /color string "red"/.test(r));
		const x = t.screen()[y].indexOf("color");
		assert.ok(!t.cell(x, y).bgDefault, "the matching key is highlighted");
		await search(t, "no-such-thing-anywhere");
		await t.waitFor(() => /no match/.test(t.row(-1)));
	});

	test("J shows the subtree as JSON: a view of its own at 100 columns", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "deep");
		await t.waitFor(() => /deep LiveObject/.test(cursorLine(t)));
		t.write("J");
		await t.waitFor(/json \/meta\/deep/);
		const text = t.screenText();
		assert.match(text, /"liveblocksType": "LiveObject"/);
		assert.match(text, /"needle": "haystack-needle"/);
		t.write("q");
		await t.waitFor(() => /deep LiveObject/.test(cursorLine(t)));
	});

	test("J at 140 columns puts the JSON in the side pane, and takes it away", async () => {
		const id = await roomWith();
		const t = start(stack.devUrl, { cols: 140 });
		await openStorage(t, id);
		await t.waitFor(/Path\s+\/ \(root\)/);
		await search(t, "shapes");
		await t.waitFor(/Path\s+\/shapes/);
		assert.match(t.screenText(), /Items\s+3/);
		t.write("J");
		await t.waitFor(/"liveblocksType": "LiveList"/);
		assert.match(t.screenText(), /"color": "green"/);
		t.write("J");
		await t.waitFor(/Path\s+\/shapes/);
	});

	test("y copies the JSON Pointer and Y the JSON, with OSC 52", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "needle");
		await t.waitFor(() => /needle string/.test(cursorLine(t)));
		t.write("y");
		await t.waitFor(() => /copied \/meta\/deep\/needle/.test(t.row(-1)));
		assert.equal(lastClipboard(t), "/meta/deep/needle");
		t.write("p");
		await t.waitFor(() => /deep LiveObject/.test(cursorLine(t)));
		t.write("Y");
		await t.waitFor(() => /copied \d+ bytes of JSON/.test(t.row(-1)));
		assert.deepEqual(JSON.parse(lastClipboard(t)), obj({ needle: "haystack-needle" }));
	});

	test("f switches to the simplified ?format=json tree and back", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		t.write("f");
		await t.waitFor(/root object 7 keys/);
		assert.match(t.row(0), /storage \(json\)/);
		assert.match(t.screenText(), /▸ shapes array 3 items/);
		assert.match(t.screenText(), /▸ meta object/);
		t.write("f");
		await t.waitFor(/▸ shapes LiveList 3 items/);
	});

	test("a 100,000-node document opens, expands fully, goes to the end and searches", async (ctx) => {
		// 8,400 rows of 11 nodes each, as the demo's big document.
		const rows = [];
		for (let i = 0; i < 8400; i++) {
			rows.push(obj({
				id: i,
				title: `Row ${i}`,
				done: i % 3 === 0,
				score: (i * 919) % 1000,
				attrs: map({ lane: `lane-${i % 5}`, owner: `user-${i % 7}` }),
				tags: list([`t${i % 10}`, i === 8399 ? "the-very-end" : `g${i % 7}`]),
			}));
		}
		const id = await roomWith(obj({ title: "Big", rows: list(rows) }));
		const t = start(stack.devUrl, { cols: 140, rows: 40 });
		await ready(t);
		const times = {};
		let s = Date.now();
		t.command(`:storage ${id}`);
		await t.waitFor(/▸ rows LiveList 8400 items/, { timeout: 20000, interval: 2 });
		times.open = Date.now() - s;
		assert.match(t.row(-2), /92403 nodes/);
		s = Date.now();
		t.write("*");
		await t.waitFor(/▾ \[0\] LiveObject 6 keys/, { interval: 2 });
		times.expandAll = Date.now() - s;
		s = Date.now();
		t.write("G");
		await t.waitFor(() => /\[1\] string "the-very-end"/.test(cursorLine(t)), { interval: 2 });
		times.end = Date.now() - s;
		assert.match(t.row(1), /\/ › rows › 8399 › tags › 1/);
		assert.match(t.screenText(), /\[8399\] LiveObject/);
		t.write("g");
		await t.waitFor(() => /root LiveObject/.test(cursorLine(t)));
		s = Date.now();
		await search(t, "the-very-end");
		await t.waitFor(() => /\[1\] string "the-very-end"/.test(cursorLine(t)), { interval: 2 });
		times.searchToLast = Date.now() - s;
		// Collapse everything, and a search still expands down to the match.
		t.write("C");
		await t.waitFor(/▸ rows LiveList/);
		await search(t, "Row 8398");
		await t.waitFor(() => /title string "Row 8398"/.test(cursorLine(t)), { interval: 2 });
		// The whole document as JSON in a view of its own (narrow terminal):
		// one line per node, built without a pause.
		t.write("g");
		await t.waitFor(() => /root LiveObject/.test(cursorLine(t)));
		t.resize(100, 40);
		await t.waitFor(() => !t.row(2).includes("Path"), { interval: 5 }); // the side pane is gone
		await t.waitIdle();
		s = Date.now();
		t.write("J");
		await t.waitFor(/json \//, { timeout: 15000, interval: 5 });
		times.jsonView = Date.now() - s;
		await t.waitFor(/"liveblocksType": "LiveObject"/);
		ctx.diagnostic(`100k-node document (ms, including the terminal round trip): ${JSON.stringify(times)}`);
	});
});

describe("editing from the tree", () => {
	test("e prefills storage set with the path and value; y applies it (read-modify-write on the dev server)", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "counter");
		await t.waitFor(() => /counter number 1/.test(cursorLine(t)));
		t.write("e");
		await t.waitFor(() => t.row(-1).includes(`:storage set ${id} /counter 1`));
		t.key("Backspace");
		t.command("5");
		// The preview: a diff, how it will be sent, and the question.
		await t.waitFor(/Apply this change\? \[y\/N\]/);
		const text = t.screenText();
		assert.match(text, /│ -\s+"counter": 1,/);
		assert.match(text, /│ \+\s+"counter": 5,/);
		assert.match(text, /read-modify-write/);
		t.write("y");
		await t.waitFor(() => /storage updated \(read-modify-write\)/.test(t.row(-1)), { timeout: 10000 });
		await t.waitFor(/counter number 5/);
		assert.equal((await storageJson(id)).counter, 5);
	});

	test("answering anything but y leaves Storage as it was", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "counter");
		t.write("e");
		await t.waitFor(() => t.row(-1).includes(`:storage set ${id} /counter 1`));
		t.key("Backspace");
		t.command("7");
		await t.waitFor(/\[y\/N\]/);
		t.write("n");
		await t.waitFor(() => /not applied/.test(t.screenText()));
		await t.waitFor(/counter number 1/);
		assert.equal((await storageJson(id)).counter, 1);
	});

	test("i inserts into a LiveList and d deletes an item", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id);
		await search(t, "shapes");
		t.write("i");
		await t.waitFor(() => t.row(-1).includes(`:storage insert ${id} /shapes`));
		t.command(`'{"x":70,"y":80,"color":"violet"}'`);
		await t.waitFor(/\[y\/N\]/);
		t.write("y");
		await t.waitFor(/shapes LiveList 4 items/, { timeout: 10000 });
		let doc = await storageJson(id);
		assert.equal(doc.shapes.length, 4);
		assert.equal(doc.shapes[3].color, "violet");
		await search(t, "blue");
		await t.waitFor(() => /color string "blue"/.test(cursorLine(t)));
		t.write("p");
		await t.waitFor(() => /\[1\] LiveObject/.test(cursorLine(t)));
		t.write("d");
		await t.waitFor(() => t.row(-1).includes(`:storage delete ${id} /shapes/1`));
		t.command("");
		await t.waitFor(/\[y\/N\]/);
		t.write("y");
		await t.waitFor(/shapes LiveList 3 items/, { timeout: 10000 });
		doc = await storageJson(id);
		assert.deepEqual(doc.shapes.map((s) => s.color), ["red", "green", "violet"]);
	});

	test("m prefills storage move with quoted paths: keys with spaces, quotes and backslashes move", async () => {
		const odd = "a b'c\\d";
		const id = await roomWith(obj({ [odd]: obj({ inner: 1, other: 2 }), keep: true }));
		const t = start();
		await openStorage(t, id);
		await search(t, "inner");
		await t.waitFor(() => /inner number 1/.test(cursorLine(t)));
		t.write("m");
		// FROM and TO are quoted as the command line reads them; the cursor
		// waits inside TO's closing quote for the new key.
		const q = `'/a b'\\''c\\d`;
		await t.waitFor(() => t.row(-1).includes(`:storage move ${id} ${q}/inner' ${q}/'`));
		const line = t.row(-1).trimEnd();
		assert.equal(t.cursor().y, t.rows - 1);
		assert.equal(t.cursor().x, line.length - 1);
		t.command("moved key");
		await t.waitFor(/\[y\/N\]/, { timeout: 10000 });
		t.write("y");
		await t.waitFor(/moved key number 1/, { timeout: 10000 });
		const doc = await storageJson(id);
		assert.deepEqual(doc[odd], { "moved key": 1, other: 2 });
		assert.equal(doc.keep, true);
	});

	test("through the emulator the edit is one JSON-patch request", async () => {
		const id = await roomWith(DOC, stack.url);
		await fetch(`${stack.control}/requests`, { method: "DELETE" });
		const t = start(stack.url);
		await openStorage(t, id);
		await search(t, "owner");
		await t.waitFor(() => /owner string "alice"/.test(cursorLine(t)));
		t.write("e");
		await t.waitFor(() => t.row(-1).includes(`:storage set ${id} /meta/owner '"alice"'`));
		for (let i = 0; i < 9; i++)
			t.key("Backspace");
		t.command(`'"bob"'`);
		await t.waitFor(/\[y\/N\]/);
		t.write("y");
		await t.waitFor(() => /storage updated \(json-patch\)/.test(t.row(-1)), { timeout: 10000 });
		await t.waitFor(/owner string "bob"/);
		assert.equal((await storageJson(id, stack.url)).meta.owner, "bob");
		const req = await (await fetch(`${stack.control}/requests`)).json();
		const paths = Object.keys(req.paths).filter((p) => p.includes(id));
		assert.ok(paths.some((p) => p.startsWith("PATCH ") && p.endsWith("/storage/json-patch")), JSON.stringify(paths));
		assert.ok(!paths.some((p) => p.startsWith("DELETE ")), JSON.stringify(paths));
	});
});

describe("watch mode with a live client (official dev server)", () => {
	test("polling (--poll): a change from @liveblocks/client shows highlighted within two intervals; L lists it", async (ctx) => {
		const id = await roomWith(obj({ counter: 1, shapes: list([obj({ x: 10 })]) }));
		const live = await openLiveRoom(stack.devUrl, id);
		try {
			const t = start();
			await openStorage(t, id, " --watch --poll");
			await t.waitFor(/counter number 1/);
			await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)));
			t.write("2");
			await t.waitFor(/\[0\] LiveObject/);
			const s = Date.now();
			live.root.set("counter", 42);
			live.root.get("shapes").push(new LiveObject({ x: 99 }));
			await live.synced();
			await t.waitFor(/counter number 42/, { timeout: 2000, interval: 5 });
			await t.waitFor(/\[1\] LiveObject \{x: 99\}/, { timeout: 2000, interval: 5 });
			const took = Date.now() - s;
			ctx.diagnostic(`change seen after ${took} ms`);
			assert.ok(took < 2000, `seen after ${took} ms`);
			// Changed and added nodes are marked and coloured.
			const row = (re) => t.screen().findIndex((r) => re.test(r));
			const yc = row(/counter number 42/);
			assert.equal(t.screen()[yc][LIST_X], "~");
			assert.ok(!t.cell(t.screen()[yc].indexOf("counter"), yc).bgDefault, "changed key highlighted");
			const ya = row(/\[1\] LiveObject \{x: 99\}/);
			assert.equal(t.screen()[ya][LIST_X], "+");
			assert.ok(!t.cell(t.screen()[ya].indexOf("[1]"), ya).bgDefault, "added item highlighted");
			assert.match(t.row(-2), /2 changes \(L log, M clear\)/);
			// The change log, with the old and new values.
			t.write("gL");
			await t.waitFor(/changes \//);
			assert.match(t.screenText(), /\/counter: 1 → 42, \d+s ago/);
			assert.match(t.screenText(), /\/shapes\/1: added LiveObject \{x: 99\}, \d+s ago/);
			t.write("q");
			await t.waitFor(/counter number 42/);
			// The cursor and the expansion stay across further updates.
			await search(t, "x");
			await t.waitFor(() => /x number 10/.test(cursorLine(t)));
			live.root.get("shapes").delete(1);
			await live.synced();
			// The item removed stays a while, marked, where it was.
			await t.waitForGone(/\[1\] LiveObject \{x: 99\}/, { timeout: 2500 });
			await t.waitFor(/\[1\] deleted \d+s ago +was LiveObject \{x: 99\}/);
			assert.match(cursorLine(t), /x number 10/);
			assert.match(t.screenText(), /▾ shapes LiveList 1 item/);
			t.write("gL");
			await t.waitFor(/\/shapes\/1: removed/);
			t.write("q");
			await t.waitFor(() => /\(L log, M clear\)/.test(t.row(-2)));
			// M forgets the highlights; w stops watching.
			t.write("M");
			await t.waitForGone(() => /\(L log, M clear\)/.test(t.row(-2)));
			t.write("w");
			await t.waitForGone(() => /\[polling/.test(t.row(1)));
		} finally {
			await live.leave();
		}
	});

	test("- and + change the polling interval", async () => {
		const id = await roomWith();
		const t = start();
		await openStorage(t, id, " --watch --poll");
		await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)));
		t.write("-");
		await t.waitFor(() => /\[polling every 2 s\]/.test(t.row(1)));
		t.write("++");
		await t.waitFor(() => /\[polling every 0\.5 s\]/.test(t.row(1)));
	});

	test("polling backs off while the server is slow or failing, and comes back when it recovers", async () => {
		const id = await roomWith(DOC, stack.url);
		const t = start(stack.url);
		await openStorage(t, id, " --watch --poll");
		await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)));
		const fault = async (rule) => {
			const r = await fetch(`${stack.control}/faults`, {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body: JSON.stringify({ method: "GET", path: `/v2/rooms/${id}/storage`, ...rule }),
			});
			assert.equal(r.status, 200, await r.text());
		};
		const clear = () => fetch(`${stack.control}/faults`, { method: "DELETE" });
		try {
			// Answers slower than the interval double it.
			await fault({ type: "latency", latencyMs: 1300 });
			await t.waitFor(() => /\[polling every 2 s \(slow\)\]/.test(t.row(1)), { timeout: 8000 });
			await clear();
			await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)), { timeout: 8000 });
			// Failures too; what was shown stays on screen.
			await fault({ type: "status", status: 500 });
			await t.waitFor(() => /\[polling every \d+ s \(failing\)\]/.test(t.row(1)), { timeout: 15000 });
			assert.match(t.screenText(), /counter number 1/);
			await clear();
			await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)), { timeout: 20000 });
		} finally {
			await clear();
		}
	});

	test("the users view lists a connected client and notices it leaving", async () => {
		const id = await roomWith();
		const live = await openLiveRoom(stack.devUrl, id);
		let left = false;
		try {
			const t = start();
			await ready(t);
			t.command(`:room show ${id}`);
			await t.waitFor(id);
			t.write("u");
			await t.waitFor(/CONN\s+USER\s+INFO/);
			await t.waitFor(/1 connected │ live \(push\)/);
			await live.leave();
			left = true;
			await t.waitFor(/0 connected|Nobody is connected/, { timeout: 8000 });
		} finally {
			if (!left)
				await live.leave();
		}
	});

	test("the Yjs view shows the document as a tree (y in a room)", async () => {
		const id = await roomWith();
		const t = start();
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(id);
		t.write("y");
		await t.waitFor(/ydoc st-/);
		await t.waitFor(/root object \{\}/);
		t.write("w");
		await t.waitFor(() => /\[watch 1s\]/.test(t.row(1)));
	});

	test(":ydoc ROOM --key K shows only that key, says so in the title, and watches with it", async () => {
		const id = await roomWith();
		await putYdoc(id, NOTES());
		const t = start();
		await ready(t);
		const tree = () => listRows(t).join("\n");
		t.command(`:ydoc ${id} --key meta`);
		await t.waitFor(() => t.row(0).includes(`ydoc ${id} [key=meta]`));
		await t.waitFor(/root object 1 key\b/);
		await t.waitFor(() => /root object/.test(cursorLine(t)));
		t.write("*");
		await t.waitFor(/title string "Notes"/);
		assert.match(tree(), /▾ meta object/);
		assert.match(tree(), /rev number 3/);
		assert.doesNotMatch(tree(), /Hello world|body|tags|first-tag/);

		// Watch mode re-reads with the same key: a new entry of meta comes
		// in, a new root key outside it does not.
		t.write("w");
		await t.waitFor(() => /\[watch 1s\]/.test(t.row(1)));
		await putYdoc(id, new YUpdate(4243).mapSet("meta", "extra", "added").text("other", [{ text: "elsewhere" }]).encode());
		await t.waitFor(/extra string "added"/, { timeout: 8000 });
		assert.match(tree(), /root object 1 key\b/);
		assert.doesNotMatch(tree(), /elsewhere|other|Hello world|first-tag/);
		assert.ok(t.row(0).includes(`ydoc ${id} [key=meta]`), t.row(0));

		// A type override: the Y.Text comes as its string.
		t.command(`:ydoc ${id} --key body --type ytext`);
		await t.waitFor(() => t.row(0).includes(`ydoc ${id} [key=body type=ytext]`));
		await t.waitFor(/body string "Hello world"/);
		assert.doesNotMatch(tree(), /title|first-tag|elsewhere/);
	});
});

describe("version history (emulator)", () => {
	test("lists versions; Enter prefills the export and c the snapshot", async () => {
		const id = await roomWith(DOC, stack.url);
		const made = await rest(stack.url, "POST", `/v2/rooms/${id}/versions`);
		assert.ok(made.status >= 200 && made.status < 300, JSON.stringify(made));
		const t = start(stack.url);
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(id);
		t.write("v");
		await t.waitFor(/ID\s+CREATED\s+AUTHORS/);
		await t.waitFor(/\b\d+ versions\b/);
		const vid = /\b(\S+)\s+\d{4}-\d\d-\d\d/.exec(t.screen().find((r) => /\d{4}-\d\d-\d\d/.test(r.slice(LIST_X))).slice(LIST_X))[1];
		t.write("\r");
		await t.waitFor(() => t.row(-1).includes(`:versions export ${id} ${vid} `));
		t.key("Esc");
		await t.waitFor(() => !t.row(-1).startsWith(":"));
		t.write("c");
		await t.waitFor(() => t.row(-1).includes(`:versions create ${id}`));
		t.key("Enter");
		await t.waitFor(/\b2 versions\b/, { timeout: 8000 });
	});
});
