// The screen used the way a new user and a power user use it, for what a
// walk through every view found: what a failed page says and for how long,
// places told apart by their whole title, what :messages keeps, the command
// line after the terminal grows, and the empty key in a summary.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

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

async function fault(rule) {
	const r = await fetch(`${stack.control}/faults`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify(rule),
	});
	assert.equal(r.status, 200, await r.text());
}

async function createRooms(ids) {
	for (let i = 0; i < ids.length; i += 25)
		await Promise.all(ids.slice(i, i + 25).map((id) => createRoom(stack.url, id)));
}

// The message line is drawn as an error (red), not as a hint or an answer.
function messageIsError(t) {
	const c = t.cell(0, t.rows - 1);
	return c.fg === 1 && c.bold;
}

describe("a list that fails to load its next page", () => {
	const P = uniq("rvpg");

	before(async () => {
		// Two pages of rooms (lbtui asks for 100 at a time), alone in a
		// filtered list.
		await createRooms(Array.from({ length: 130 }, (_, i) => `${P}-${String(i).padStart(3, "0")}`));
	});

	async function openList(t) {
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:rooms --prefix ${P}`);
		await t.waitFor(() => t.row(-2).includes(" 100+ rooms │"));
		await t.waitIdle();
	}

	test("G after a failed reload says why it stopped", async () => {
		const t = start();
		await openList(t);
		// A reload that fails is a reload that failed, not a page.
		await fault({ method: "GET", path: "/v2/rooms", type: "status", status: 400, count: 1 });
		t.write("r");
		await t.waitFor(() => t.row(-1).startsWith("reload failed: 400"));
		assert.doesNotMatch(t.row(-2), /could not load more/);
		// Away and back: what was said about the reload no longer shows.
		t.key("Enter");
		await t.waitFor(/organization/);
		t.write("q");
		await t.waitFor(() => t.row(-2).includes(" 100+ rooms │"));
		assert.doesNotMatch(t.row(-2), /failed/);
		// G stops at the failed page, and says so.
		await fault({ method: "GET", path: "/v2/rooms", type: "status", status: 400, count: 1 });
		t.write("G");
		await t.waitFor(() => t.row(-1).startsWith("could not load more: 400"), { timeout: 5000 });
		assert.ok(messageIsError(t), t.dump());
		assert.match(t.row(-2), /could not load more: 400/);
		assert.equal(await t.exit(), 0);
	});

	test("a failed page stops being shown once the pages load", async () => {
		const t = start();
		await openList(t);
		await fault({ method: "GET", path: "/v2/rooms", type: "status", status: 400, count: 1 });
		t.write("G");
		await t.waitFor(() => t.row(-1).startsWith("could not load more: 400"));
		assert.match(t.row(-2), /could not load more/);
		// Trying again works: every room is there, and nothing says a
		// page could not be loaded.
		t.write("G");
		await t.waitFor(() => t.row(-2).includes(" 130 rooms"));
		await t.waitIdle();
		assert.doesNotMatch(t.row(-2), /could not load more/);
		assert.match(t.row(-2), / 130 rooms │ \d+s ago$/);
		const last = t.cell(t.cols - 2, t.rows - 2);
		assert.ok(last.bg !== 1, `the status bar still shows an error\n${t.dump()}`);
		assert.equal(await t.exit(), 0);
	});
});

describe("places with long IDs", () => {
	test("two rooms whose long IDs start alike are two places, and the title bar ends with the ID's end", async () => {
		// 95 wide characters: longer in bytes than a title used to be kept.
		const a = `${uniq("rvw")}-${"日本語テスト".repeat(15)}`;
		const b = `${a}-2`;
		await createRoom(stack.url, a, { metadata: { which: "first" } });
		await createRoom(stack.url, b, { metadata: { which: "second" } });
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:room show ${a}`);
		await t.waitFor(/which +first/);
		assert.ok(t.row(0).endsWith("日本語テスト"), t.dump());
		t.command(`:room show ${b}`);
		// The second room, on top of the first, not the first again.
		await t.waitFor(/which +second/);
		assert.ok(t.row(0).endsWith("日本語テスト-2"), t.dump());
		t.write("q");
		await t.waitFor(/which +first/);
		t.write("q");
		await t.waitFor(() => t.row(0).trim() === "lbtui  rooms");
		assert.equal(await t.exit(), 0);
	});
});

describe(":messages", () => {
	test("keeps a failure while a search goes through its matches again and again", async () => {
		const P = uniq("rvm");
		await createRooms(["a", "b", "c"].map((k) => `${P}-hit-${k}`));
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(":room show no-such-room-rvm");
		await t.waitFor(() => t.row(-1).startsWith("load failed: 404"));
		t.write("q");
		t.command(`:rooms --prefix ${P}`);
		await t.waitFor(() => t.row(-2).includes(" 3 rooms │"));
		t.write("/");
		await t.waitFor(() => t.row(-1).startsWith("/"));
		t.command("hit");
		await t.waitFor(() => /match 1 of 3$/.test(t.row(-1).trim()));
		// A power user's n, well past a hundred times.
		for (let i = 0; i < 120; i++)
			t.write("n");
		await t.waitFor(() => /match 1 of 3$/.test(t.row(-1).trim()));
		await t.waitIdle();
		t.command(":messages");
		await t.waitFor(() => t.row(0).endsWith("messages"));
		assert.match(t.screenText(), /error load failed: 404 ROOM_NOT_FOUND/);
		assert.equal(await t.exit(), 0);
	});
});

describe("the command line", () => {
	test("shows all of a line typed at 40 columns once the terminal is wide enough", async () => {
		const t = start({ cols: 40, rows: 15 });
		await t.waitFor(/rooms/);
		const line = "rooms --prefix abcdefghijklmnopqrstuvwxyz-0123456789";
		t.write(`:${line}`);
		await t.waitFor(() => t.row(-1).endsWith("0123456789"));
		assert.ok(!t.row(-1).startsWith(":rooms"), "scrolled at 40 columns");
		t.resize(100, 30);
		await t.waitFor(() => t.row(-1) === `:${line}`);
		assert.equal(t.cursor().x, line.length + 1);
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});
});

describe("the empty key", () => {
	test('reads "" in the summary of the object that holds it, as on its own row', async () => {
		const id = uniq("rvek");
		await createRoom(stack.url, id);
		const obj = (data) => ({ liveblocksType: "LiveObject", data });
		const doc = obj({ box: obj({ "": "nameless", named: 1 }) });
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc)).status, 200);
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:storage ${id}`);
		await t.waitFor(/▸ box LiveObject \{.*\}/);
		assert.match(t.screenText(), /▸ box LiveObject \{"": "nameless", named: 1\}/);
		t.write("j");
		t.key("Enter");
		await t.waitFor(/"" string "nameless"/);
		assert.equal(await t.exit(), 0);
	});
});

describe("the detail pane beside a tree", () => {
	test("h and Left move the focus back to the tree, which stays as it was", async () => {
		const id = uniq("rvdt");
		await createRoom(stack.url, id);
		const obj = (data) => ({ liveblocksType: "LiveObject", data });
		const doc = obj({ a: 1, shapes: { liveblocksType: "LiveList", data: [obj({ x: 1 }), obj({ x: 2 })] } });
		assert.equal((await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc)).status, 200);
		const t = start({ cols: 140, rows: 30 });
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:storage ${id}`);
		await t.waitFor(/▸ shapes LiveList/);
		t.write("G");
		t.key("Enter");
		await t.waitFor(/▾ shapes LiveList 2 items/);
		await t.waitFor(/Path +\/shapes/);
		const border = t.screen()[1].lastIndexOf("│");
		const row = t.screen().findIndex((r) => r.includes("▾ shapes"));
		const treeX = t.screen()[row].indexOf("▾");
		for (const key of ["Left", "h"]) {
			t.key("Tab");
			await t.waitFor(() => !t.cell(border, 3).bgDefault);
			assert.ok(t.cell(treeX, row).bg !== 6, "the tree's cursor is drawn blurred while the detail pane has the focus");
			t.write(key === "h" ? "h" : "\x1bOD");
			await t.waitFor(() => t.cell(border, 3).bgDefault);
			await t.waitIdle();
			assert.match(t.screen()[row], /▾ shapes LiveList 2 items/, `${key} collapsed the tree\n${t.dump()}`);
			assert.equal(t.cell(treeX, row).bg, 6, `${key}: the tree has the focus again\n${t.dump()}`);
		}
		assert.equal(await t.exit(), 0);
	});
});

describe("a view whose first load fails", () => {
	// The view starts its load before it is in front, and a fast answer may
	// come before the view is: the failure must be told either way.
	test("says why on the message line, each time (a fast 404, ten times)", async () => {
		for (let i = 0; i < 10; i++) {
			const t = start();
			await t.waitFor(/rooms/);
			t.command(`:room show ${uniq("nope")}`);
			await t.waitFor(/load failed: 404/, { timeout: 3000 });
			assert.ok(messageIsError(t), t.dump());
			await t.close();
		}
	});

	test("says why on the message line when the answer is slow", async () => {
		const id = uniq("nope");
		await fault({ method: "GET", path: `/v2/rooms/${id}`, type: "latency", latencyMs: 300 });
		const t = start();
		await t.waitFor(/rooms/);
		t.command(`:room show ${id}`);
		await t.waitFor(/load failed: 404/, { timeout: 5000 });
		assert.ok(messageIsError(t), t.dump());
	});
});
