// Who is in a room, live over the room's socket: the users view (`users
// ROOM --watch`, u in a room) lists the connections with their presence
// as it changes and notes joins and leaves.
// A real @liveblocks/client is the other side, on the official dev server
// behind the emulator (which proxies the socket and counts the requests).
// --poll, and a refused token, fall back to re-reading GET active_users.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { LIST_X, createRoom, emulatorControl, rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";
import { openLiveRoom } from "./live.mjs";

let stack;
let running = [];
let rooms = [];

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
	for (const r of rooms.splice(0))
		await r.leave();
	await emulatorControl(stack, "DELETE", "/faults");
});

function start(url = stack.url, opts = {}) {
	const t = spawnLbtui({ cols: 170, rows: 30, ...opts, env: serverEnv(url, opts.env || {}) });
	running.push(t);
	return t;
}

const ready = (t) => t.waitFor(/ \d+\+? rooms │/);
const status = (t) => t.row(-2);

async function newRoom() {
	const id = uniq("lu");
	await createRoom(stack.devUrl, id, { defaultAccesses: ["room:write"] });
	return id;
}

async function join(id) {
	const live = await openLiveRoom(stack.devUrl, id);
	rooms.push(live);
	return live;
}

/** How many requests the emulator counted for method and path (a pattern). */
async function counted(method, p) {
	const q = new URLSearchParams({ method, path: p });
	return (await emulatorControl(stack, "GET", `/requests?${q}`)).count;
}

/** GET active users of room id, by either of its names. */
const activeUsers = (id) => `^/v2/rooms/${id}/active[-_]users$`;

/** The screen row of the list that starts with connection conn, -1: none. */
function connRow(t, conn) {
	return t.screen().findIndex((r) => r.slice(LIST_X).startsWith(`${conn} `));
}

/** The row of the screen that holds text (its index), -1 when none. */
function rowOf(t, text) {
	return t.screen().findIndex((r) => r.includes(text));
}

/** The cell under the first character of text on the screen. */
function cellAt(t, text) {
	const y = rowOf(t, text);
	assert.ok(y >= 0, `${text} is not on the screen:\n${t.screenText()}`);
	return t.cell(t.row(y).indexOf(text), y);
}

describe("the users view, live (push)", () => {
	test("a client that joins is listed with its presence as it changes, highlighted; its join and leave are noted", async () => {
		const id = await newRoom();
		await emulatorControl(stack, "DELETE", "/requests");
		const t = start();
		await ready(t);
		t.command(`:users ${id} --watch`);
		await t.waitFor(/CONN\s+USER\s+INFO\s+PRESENCE\s+JOINED/);
		await t.waitFor(() => /live \(push\)/.test(status(t)), { timeout: 10000 });
		await t.waitFor("Nobody is connected to this room");
		assert.match(status(t), /│ 0 connected │ live \(push\) │ 0\.0 ops\/s [▁-█]{15}$/);

		const live = await join(id);
		const conn = String(live.room.getSelf().connectionId);
		await t.waitFor(/1 connected │ \+1 −0 │ live \(push\)/, { timeout: 8000 });
		// The row: its connection highlighted as new, the time it joined.
		const y = connRow(t, conn);
		assert.ok(y > 0, t.screenText());
		assert.match(t.row(y).slice(LIST_X), new RegExp(`^${conn}\\s+\\(anonymous\\)\\s+null\\s+\\{\\}\\s+\\d\\d:\\d\\d:\\d\\d`));
		const c = t.cell(LIST_X, y);
		assert.ok(!c.bgDefault, `a new connection stands out: ${JSON.stringify(c)}`);
		// The next connection to join is not highlighted once the first
		// one has been there thirty seconds: the highlight is the join's.
		// The notes under the list.
		await t.waitFor("JOINS AND LEAVES");
		assert.match(t.screenText(), new RegExp(`\\d\\d:\\d\\d:\\d\\d\\s+\\+ joined .*\\(connection ${conn}\\)`));

		// Presence as it changes.
		live.room.updatePresence({ cursor: { x: 17, y: 42 } });
		await t.waitFor('{"cursor":{"x":17,"y":42}}', { timeout: 8000 });
		const p = cellAt(t, '{"cursor"');
		assert.ok(!p.bgDefault, `a presence that just changed stands out: ${JSON.stringify(p)}`);
		live.room.updatePresence({ cursor: { x: 18, y: 42 } });
		await t.waitFor('{"cursor":{"x":18,"y":42}}', { timeout: 8000 });

		await live.leave();
		await t.waitFor(new RegExp(`− left\\s+.*\\(connection ${conn}\\)`), { timeout: 8000 });
		await t.waitFor(/0 connected │ \+1 −1 │ live \(push\)/);
		await t.waitFor("Nobody is connected to this room");
		// Live: the list was never re-read.
		// Live: the list was read once, as the view opened, never again.
		assert.equal(await counted("GET", activeUsers(id)), 1);
		assert.ok((await counted("GET", "/v8")) >= 1, "the room's socket went through the emulator");
	});

	test("the watcher is not among the connected users, though the server counts its connection", async () => {
		const id = await newRoom();
		const live = await join(id);
		const t = start();
		await ready(t);
		t.command(`:users ${id}`);
		await t.waitFor(/│ 1 connected │ live \(push\)/, { timeout: 10000 });
		// The server lists both: the client and lbtui's socket (watch_user).
		const au = await rest(stack.devUrl, "GET", `/v2/rooms/${id}/active_users`);
		assert.equal(au.status, 200);
		assert.equal(au.body.data.length, 2, JSON.stringify(au.body));
		assert.ok(au.body.data.some((u) => u.id === "lbtui"), JSON.stringify(au.body));
		// The view lists the client alone.
		const conn = live.room.getSelf().connectionId;
		assert.ok(connRow(t, conn) > 0, t.screenText());
		const rows = t.screen().slice(2, 20).filter((r) => /^\d+ /.test(r.slice(LIST_X)));
		assert.equal(rows.length, 1, t.screenText());
		assert.doesNotMatch(t.screenText(), /\blbtui\s+null/);
	});

	test("--poll re-reads GET active_users every second and says so; no socket is opened", async () => {
		const id = await newRoom();
		await join(id);
		await emulatorControl(stack, "DELETE", "/requests");
		const t = start();
		await ready(t);
		t.command(`:users ${id} --poll`);
		await t.waitFor(/│ 1 connected │ polling every 1 s │ \d+s ago/, { timeout: 10000 });
		await new Promise((r) => setTimeout(r, 2500));
		assert.ok((await counted("GET", activeUsers(id))) >= 2);
		assert.equal(await counted("GET", "/v8"), 0);
		assert.equal(await counted("POST", "/v2/authorize-user"), 0);
		await t.waitFor(/--poll/);
	});

	test("a refused token says why once, then the list is polled", async () => {
		const id = await newRoom();
		await join(id);
		await emulatorControl(stack, "POST", "/faults", {
			method: "POST",
			path: "/v2/authorize-user",
			type: "status",
			status: 403,
		});
		await emulatorControl(stack, "DELETE", "/requests");
		const t = start();
		await ready(t);
		t.command(`:users ${id}`);
		await t.waitFor(/users: .*403/, { timeout: 10000 });
		await t.waitFor(/1 connected │ polling every 1 s/, { timeout: 10000 });
		await new Promise((r) => setTimeout(r, 1500));
		assert.ok((await counted("GET", activeUsers(id))) >= 2);
	});
});
