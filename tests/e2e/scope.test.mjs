// What the screen is about (its scope) as a user meets it: the navigator,
// `:storage` without a room and completion behave alike from the rooms
// list (about its selected room), from a room (about that room) and from
// help opened on top of a room (about nothing: a command typed there acts
// on no room the user cannot see). lbtui runs in a pseudo-terminal against
// the official dev server with the emulator in front.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { LIST_X, createRoom, cursorLine, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let running = [];
const P = uniq("scope"); // every room of this file starts with P
const ALPHA = `${P}-alpha`;
const BETA = `${P}-beta`;

before(async () => {
	stack = await startStack();
	await createRoom(stack.url, ALPHA);
	await createRoom(stack.url, BETA);
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

// 100 columns: the navigator, no side pane (Tab goes list, navigator).
function start() {
	const t = spawnLbtui({ cols: 100, rows: 30, env: serverEnv(stack.url) });
	running.push(t);
	return t;
}

// Wait until nothing is in flight and the screen is still.
async function settled(t) {
	await t.waitFor(() => / 0 req │/.test(t.row(-2)));
	await t.waitIdle();
}

// The rooms of this file, with the cursor on one of them; returns its ID.
async function openRooms(t) {
	await t.waitFor(/ \d+\+? rooms │/);
	t.command(`:rooms --prefix ${P}`);
	await t.waitFor(() => t.row(0).includes(`[roomId^"${P}"]`) && / 2 rooms │/.test(t.row(-2)));
	await settled(t);
	const id = cursorLine(t).trim().split(/\s+/)[0];
	assert.ok(id === ALPHA || id === BETA, t.dump());
	return id;
}

// The navigator's entries, top to bottom, and the one drawn as where the
// user is (bold on a colour, while the focus is on the list).
function navigator(t) {
	const rows = t.screen();
	const entries = [];
	let current = null;
	for (let y = 2; y < t.rows - 2; y++) {
		const label = rows[y].slice(0, LIST_X - 1).trim();
		if (!label)
			break;
		entries.push(label);
		const c = t.cell(1, y);
		if (c.bold && !c.bgDefault)
			current = label;
	}
	return { entries, current };
}

const ROOM_ENTRIES = ["Rooms", "Storage", "Yjs", "Versions", "Users", "Events", "Threads", "Queue", "Help"];

const lastRow = (t) => t.row(-1).trimEnd();

// Completion does not depend on where the user is: room IDs after a
// command whose first argument is a room, none for a new room's ID.
async function checkCompletion(t) {
	t.write(`:storage ${P}-al`);
	t.key("Tab");
	await t.waitFor(() => lastRow(t) === `:storage ${ALPHA}`);
	t.key("Ctrl-U");
	await t.waitFor(() => lastRow(t) === ":");
	t.write(`versions ${P}-`);
	t.key("Tab");
	await t.waitFor(() => t.row(-2).includes(ALPHA) && t.row(-2).includes(BETA));
	t.key("Ctrl-U");
	await t.waitFor(() => lastRow(t) === ":");
	t.write(`room create ${P}-al`);
	t.key("Tab");
	await t.waitIdle({ quiet: 150 });
	assert.equal(lastRow(t), `:room create ${P}-al`);
	t.key("Esc");
	await t.waitFor(() => !t.row(-1).startsWith(":"));
}

// `:storage` with no room opens the Storage of room, q comes back to
// where it was typed (back is the title's end before).
async function checkStorageOpens(t, room, back) {
	t.command(":storage");
	await t.waitFor(() => t.row(0).trimEnd().endsWith(`› storage ${room}`));
	await t.waitFor(/root LiveObject/);
	await settled(t);
	t.write("q");
	await t.waitFor(() => t.row(0).trimEnd().endsWith(back));
	await settled(t);
}

// Move the focus to the navigator (Tab) and its cursor to label: drawn
// there as a cursor (on a colour, not bold).
async function navTo(t, label) {
	const y = 2 + navigator(t).entries.indexOf(label);
	assert.ok(y >= 2, `${label} is not in the navigator\n${t.dump()}`);
	t.key("Tab");
	t.write("g");
	for (let i = 2; i < y; i++)
		t.write("j");
	await t.waitFor(() => t.row(y).includes(label) && !t.cell(1, y).bgDefault && !t.cell(1, y).bold);
}

// The navigator's Storage entry opens the Storage of room; its Yjs entry
// then takes the Storage's place; q comes back to where it was (back is
// the title's end before).
async function checkNavigatorOpens(t, room, back) {
	await navTo(t, "Storage");
	t.key("Enter");
	await t.waitFor(() => t.row(0).trimEnd().endsWith(`› storage ${room}`));
	await settled(t);
	assert.equal(navigator(t).current, "Storage");
	await navTo(t, "Yjs");
	t.key("Enter");
	await t.waitFor(() => t.row(0).trimEnd().endsWith(`› ydoc ${room}`));
	assert.doesNotMatch(t.row(0), /› storage /);
	await settled(t);
	assert.equal(navigator(t).current, "Yjs");
	t.write("q");
	await t.waitFor(() => t.row(0).trimEnd().endsWith(back));
	await settled(t);
}

describe("the scope of the screen", () => {
	test("from the rooms list: about the selected room", async () => {
		const t = start();
		const room = await openRooms(t);
		const title = `[roomId^"${P}"]`;
		assert.deepEqual(navigator(t), { entries: ROOM_ENTRIES, current: "Rooms" });
		await checkCompletion(t);
		await checkStorageOpens(t, room, title);
		await checkNavigatorOpens(t, room, title);
		assert.equal(await t.exit(), 0);
	});

	test("from a room: about that room", async () => {
		const t = start();
		await openRooms(t);
		t.command(`:room show ${BETA}`);
		await t.waitFor(() => t.row(0).trimEnd().endsWith(`› ${BETA}`));
		await settled(t);
		// The room's entries, with Rooms drawn as where the user is.
		assert.deepEqual(navigator(t), { entries: ROOM_ENTRIES, current: "Rooms" });
		await checkCompletion(t);
		await checkStorageOpens(t, BETA, `› ${BETA}`);
		await checkNavigatorOpens(t, BETA, `› ${BETA}`);
		assert.equal(await t.exit(), 0);
	});

	test("from help on top of a room: about nothing, and the room's again after it", async () => {
		const t = start();
		await openRooms(t);
		t.command(`:room show ${ALPHA}`);
		await t.waitFor(() => t.row(0).trimEnd().endsWith(`› ${ALPHA}`));
		await settled(t);
		t.write("?");
		await t.waitFor(() => t.row(0).trimEnd().endsWith("› help"));
		await t.waitIdle();
		assert.deepEqual(navigator(t), { entries: ["Rooms", "Queue", "Help"], current: "Help" });
		await checkCompletion(t);
		// :storage asks which room rather than act on the one under help.
		t.command(":storage");
		await t.waitFor("which room? (usage: storage ID)");
		assert.ok(t.row(0).trimEnd().endsWith("› help"), t.dump());
		// q goes back to the room, which is what the screen is about again.
		t.write("q");
		await t.waitFor(() => t.row(0).trimEnd().endsWith(`› ${ALPHA}`));
		await t.waitIdle();
		assert.deepEqual(navigator(t), { entries: ROOM_ENTRIES, current: "Rooms" });
		// The navigator's Rooms from help goes back to the root list.
		t.write("?");
		await t.waitFor(() => t.row(0).trimEnd().endsWith("› help"));
		await navTo(t, "Rooms");
		t.key("Enter");
		await t.waitFor(() => t.row(0).trimEnd() === " lbtui  rooms");
		await settled(t);
		assert.deepEqual(navigator(t).entries, ROOM_ENTRIES);
		assert.equal(await t.exit(), 0);
	});
});
