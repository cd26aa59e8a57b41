// The screen as a new user meets it: keys that move rather than quit,
// failures told in full and taken back when they no longer apply, long
// text read whole in a pager, questions answered with one key, a view
// stack that goes back to a place instead of stacking it again, and the
// command line's completion and history search. lbtui runs in a
// pseudo-terminal against the official dev server with the emulator in
// front (its fault rules make loads fail on demand).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { LIST_X, createRoom, cursorLine, makeHome, rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let running = [];
const P = uniq("scr"); // every room of this file starts with P

before(async () => {
	stack = await startStack();
	// The list has rooms, so a cursor and the navigator's room items.
	for (let i = 0; i < 3; i++)
		await createRoom(stack.url, `${P}-base-${i}`);
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
	await rest(stack.url, "DELETE", "/__emulator/faults");
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 100, rows: 30, ...opts, env: serverEnv(stack.url, opts.env || {}) });
	running.push(t);
	return t;
}

const fault = (rule) => rest(stack.url, "POST", "/__emulator/faults", rule);
const clearFaults = () => rest(stack.url, "DELETE", "/__emulator/faults");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Wait until the first list has loaded (the status bar counts the rooms).
async function ready(t) {
	await t.waitFor(/ \d+\+? rooms │/);
	await t.waitIdle();
}

// Wait until nothing is in flight (q would cancel a load rather than go back).
async function settled(t) {
	await t.waitFor(() => / 0 req │/.test(t.row(-2)));
	await t.waitIdle();
}

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });

// A room with doc as its Storage.
async function roomWith(doc, tag = "st") {
	const id = `${P}-${uniq(tag)}`;
	await createRoom(stack.url, id, { defaultAccesses: ["room:write"] });
	const r = await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, doc);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return id;
}

async function openStorage(t, id, extra = "") {
	await ready(t);
	t.command(`:storage ${id}${extra}`);
	await t.waitFor(/root LiveObject \d+ keys?/);
	await t.waitIdle();
}

async function search(t, text) {
	t.write("/");
	await t.waitFor(() => t.row(-1).startsWith("/"));
	t.command(text);
	await t.settle();
}

// The cell where text first shows on the screen, with its position.
function cellOf(t, text, from = 0) {
	const s = t.screen();
	for (let y = from; y < s.length; y++) {
		const x = s[y].indexOf(text);
		if (x >= 0)
			return { x, y, ...t.cell(x, y) };
	}
	return null;
}

// The background of the focused cursor: the list's cursor row's, read
// while the list has the focus.
const cursorBg = (t) => t.cell(LIST_X + 1, t.screen().findIndex((r, y) => y > 1 && r.slice(LIST_X).trim())).bg;

// Whether the navigator's cursor (drawn in bg) is on label.
function navOn(t, label, bg) {
	const c = cellOf(t, ` ${label}`);
	return !!c && c.x < LIST_X && !c.bgDefault && c.bg === bg;
}

// The text of the list pane, rows joined (for text wrapped over rows).
const paneText = (t, x0 = LIST_X + 1) =>
	t.screen().slice(1, t.rows - 2).map((r) => r.slice(x0).trimEnd()).join("\n");

describe("keys that move", () => {
	test("h and Left at the top level move the focus to the navigator and never quit", async () => {
		const t = start();
		await ready(t);
		const bg = cursorBg(t);
		assert.ok(!navOn(t, "Rooms", bg), t.dump());
		t.write("h");
		await t.waitFor(() => navOn(t, "Rooms", bg));
		await sleep(150);
		assert.ok(!t.exitInfo, "h quit lbtui");
		// The focus is on the navigator: j moves its cursor.
		t.write("j");
		await t.waitFor(() => navOn(t, "Storage", bg) && !navOn(t, "Rooms", bg));
		t.key("Tab");
		await t.waitFor(() => !navOn(t, "Storage", bg));
		t.key("Left");
		await t.waitFor(() => navOn(t, "Storage", bg));
		t.key("Left", "Left");
		t.write("h");
		await sleep(200);
		assert.ok(!t.exitInfo, "Left quit lbtui");
		assert.match(t.row(0), /rooms/);
		// Only q leaves.
		t.write("q");
		assert.equal(await t.waitExit(), 0);
	});

	test("without a navigator (80 columns) h does nothing and q still quits", async () => {
		const t = start({ cols: 80, rows: 24 });
		await ready(t);
		const before = t.screenText();
		t.write("h");
		t.key("Left");
		await sleep(200);
		await t.waitIdle();
		assert.ok(!t.exitInfo, "h quit lbtui");
		assert.equal(t.screenText().replace(/\d+s ago/, ""), before.replace(/\d+s ago/, ""));
		t.write("q");
		assert.equal(await t.waitExit(), 0);
	});
});

describe("failures are told", () => {
	test("a failed reload shows the server's message; a success takes it back; :messages has it whole", async () => {
		const t = start({ rows: 24 });
		await ready(t);
		await fault({ method: "GET", path: "/v2/rooms", type: "status", status: 503 });
		t.write("r");
		await t.waitFor(() => /reload failed: 503/.test(t.row(-1)));
		// The server's own words, in the error colour, over the old rows.
		assert.match(t.row(-1), /reload failed: 503 INJECTED_FAULT: Service Unavailable/);
		const c = t.cell(0, t.rows - 1);
		assert.ok(!c.fgDefault && c.bold, `not drawn as an error: ${JSON.stringify(c)}`);
		assert.match(t.row(-2), /reload failed/);
		// Back to normal: the next reload works and the error goes.
		await clearFaults();
		t.write("r");
		await t.waitFor(() => !/reload failed/.test(t.row(-2)) && !/stale/.test(t.row(-2)));
		// :messages lists it in full, wrapped at the width.
		t.command(":messages");
		await t.waitFor(/messages/);
		await t.waitIdle();
		const text = paneText(t).replace(/\n\s*/g, " ");
		assert.match(text, /\d\d:\d\d:\d\d error reload failed: 503 INJECTED_FAULT: Service Unavailable \(injected by the emulator\)/);
		assert.ok(paneText(t).split("\n").length > 1);
		assert.ok(t.screen().every((r) => r.length <= 100));
		t.write("q");
		await ready(t);
		assert.equal(await t.exit(), 0);
	});

	test("a failing watch tick (--poll) shows the server's message", async () => {
		const id = await roomWith(obj({ n: 1 }), "watch");
		const t = start();
		await openStorage(t, id, " --watch --poll");
		await t.waitFor(() => /\[polling every 1 s\]/.test(t.row(1)));
		await fault({ method: "GET", path: "/v2/rooms/*/storage", type: "status", status: 503 });
		await t.waitFor(() => /reload failed: 503 INJECTED_FAULT/.test(t.row(-1)), { timeout: 6000 });
		// The tree keeps what it had.
		assert.match(t.screenText(), /n number 1/);
		await clearFaults();
		await t.waitFor(() => !/reload failed/.test(t.row(-2)), { timeout: 10000 });
		assert.equal(await t.exit(), 0);
	});

	test("an old error goes when a command succeeds or the view changes", async () => {
		const id = `${P}-err-${uniq("e")}`;
		await createRoom(stack.url, id);
		const t = start();
		await ready(t);
		t.command(":room");
		await t.waitFor(() => /usage error/.test(t.row(-2)));
		// A key that is not bound does nothing, not even clear the message.
		const noAge = () => t.screenText().replace(/\d+s ago/g, "");
		const shown = noAge();
		t.write("z");
		await sleep(100);
		await t.waitIdle();
		assert.equal(noAge(), shown);
		// A command that works (and changes nothing on the screen).
		t.command(`:room update ${id} --set seen=yes`);
		await t.waitFor(`updated room ${id}`);
		await t.waitFor(() => !/usage error/.test(t.row(-2)));
		// A view change takes an error back too.
		t.command(":room bogus");
		await t.waitFor(() => /usage error/.test(t.row(-2)));
		t.write("?");
		await t.waitFor(/Keys everywhere/);
		assert.ok(!/usage error/.test(t.row(-2)), t.dump());
		t.write("q");
		await t.waitForGone(/Keys everywhere/);
		await ready(t);
		assert.ok(!/usage error/.test(t.screenText()), t.dump());
		assert.equal(await t.exit(), 0);
	});
});

describe("long text read whole", () => {
	const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
	const LONG = `${words} 日本語のテキスト ${"漢字".repeat(20)} \x1b[31mred\x1b[0m the-last-word`;

	test("Enter on a cut Storage value opens a pager: wrapped, scrolled, searched; containers still expand", async () => {
		const id = await roomWith(obj({ long: LONG, short: "tiny", box: obj({ inner: 1 }) }), "pager");
		const t = start({ rows: 24 });
		await openStorage(t, id);
		await search(t, "tiny");
		await t.waitFor(() => /short string "tiny"/.test(cursorLine(t)));
		// A value that fits: Enter does nothing.
		t.key("Enter");
		await sleep(150);
		await t.waitIdle();
		assert.match(t.row(0), /storage/);
		assert.doesNotMatch(t.row(0), /value/);
		// A container: Enter expands and collapses, as before.
		await search(t, "box");
		await t.waitFor(() => /▸ box LiveObject/.test(cursorLine(t)));
		t.key("Enter");
		await t.waitFor(() => /▾ box LiveObject/.test(cursorLine(t)));
		t.key("Enter");
		await t.waitFor(() => /▸ box LiveObject/.test(cursorLine(t)));
		// The long value: its row is cut; Enter shows it whole.
		await search(t, "word59");
		await t.waitFor(() => /long string "word0/.test(cursorLine(t)));
		assert.match(cursorLine(t), /…/);
		t.key("Enter");
		await t.waitFor(() => /value \/long/.test(t.row(0)));
		await t.waitIdle();
		const shown = paneText(t);
		// Wrapped at a space, every word whole; wide characters kept whole;
		// the escape sequence shown, not obeyed.
		for (let i = 0; i < 60; i++)
			assert.match(shown, new RegExp(`\\bword${i}\\b`));
		assert.ok(shown.includes("日本語のテキスト"), shown);
		assert.ok(shown.includes("␛[31mred␛[0m"), shown);
		assert.ok(t.screen().every((r) => r.length <= 100));
		// G goes to the end, g back; / highlights the match.
		t.write("G");
		await t.waitIdle();
		assert.match(paneText(t), /the-last-word/);
		t.write("g");
		await t.waitFor(() => /word0 word1/.test(paneText(t)));
		await search(t, "word42");
		await t.waitIdle();
		const m = cellOf(t, "word42", 1);
		assert.ok(m && !m.bgDefault, `match not highlighted\n${t.dump()}`);
		const plain = cellOf(t, "word43", 1);
		assert.ok(plain && plain.bgDefault, "text that does not match is highlighted");
		t.write("q");
		await t.waitFor(() => /long string/.test(cursorLine(t)));
		assert.equal(await t.exit(), 0);
	});

	test("in help, Enter on a cut line opens it whole; J's long lines too; / highlights the match", async () => {
		const id = await roomWith(obj({ long: LONG }), "json");
		const t = start({ cols: 60, rows: 24 });
		await ready(t);
		t.write("?");
		await t.waitFor(/Keys everywhere/);
		// Every match is highlighted, on the cursor's line and the others.
		await search(t, "Go to the");
		await t.waitIdle();
		const rows = t.screen().map((r, y) => [r, y]).filter(([r, y]) => y > 0 && r.includes("Go to the"));
		assert.ok(rows.length >= 2, t.dump());
		for (const [r, y] of rows) {
			const x = r.indexOf("Go to the");
			const match = t.cell(x + 3, y);
			const rest = t.cell(x + "Go to the".length + 2, y);
			assert.ok(!match.bgDefault && match.bg !== rest.bg, `match not highlighted on row ${y}\n${t.dump()}`);
		}
		await search(t, "Search keys and values");
		await t.waitIdle();
		assert.doesNotMatch(t.screenText(), /Enter jumps to the first match/);
		t.key("Enter");
		await t.waitFor(() => /help, line \d+/.test(t.row(0)));
		await t.waitFor(() => /Enter jumps to the first match/.test(paneText(t, 0).replace(/\n\s*/g, " ")));
		t.write("q");
		await t.waitFor(/Keys everywhere/);
		t.write("q");
		await ready(t);
		// The JSON view: the line of the long string, whole.
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject 1 key/);
		t.write("J");
		await t.waitFor(/json \//);
		await search(t, "word0");
		t.key("Enter");
		await t.waitFor(() => /json \/, line \d+/.test(t.row(0)));
		await t.waitIdle();
		assert.match(paneText(t, 0), /the-last-word/);
		assert.ok(t.screen().every((r) => r.length <= 60));
		assert.equal(await t.exit(), 0);
	});
});

describe("questions", () => {
	test("y and n answer at once; Esc is no; the preview scrolls with j k g G and keys are never typed", async () => {
		const id = await roomWith(obj({ key59: 59 }), "ask");
		const t = start({ rows: 24 });
		await openStorage(t, id);
		const question = () => /^Apply this change\? \[y\/N\]\s*$/.test(t.row(-1));
		// A value of 60 lines: a preview longer than the screen.
		const big = JSON.stringify(Array.from({ length: 60 }, (_, i) => i));
		t.command(`:storage set ${id} /big '${big}'`);
		await t.waitFor(/\[y\/N\]/);
		await t.waitIdle();
		const first = t.screen()[1];
		t.write("G");
		await t.waitFor(() => t.screen()[1] !== first);
		assert.ok(question(), `keys were typed into the answer: ${t.row(-1)}`);
		t.write("g");
		await t.waitFor(() => t.screen()[1] === first);
		t.write("j");
		await t.waitFor(() => t.screen()[1] !== first);
		t.write("k");
		await t.waitFor(() => t.screen()[1] === first);
		t.key("PgDn");
		await t.waitFor(() => t.screen()[1] !== first);
		t.key("PgUp");
		await t.waitFor(() => t.screen()[1] === first);
		// Keys that mean nothing here do nothing.
		t.write("xz");
		await sleep(100);
		await t.waitIdle();
		assert.ok(question(), `keys were typed into the answer: ${t.row(-1)}`);
		// n, without Enter.
		t.write("n");
		await t.waitFor(/not applied/);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}/storage?format=json`)).body.big, undefined);
		// Esc is no.
		t.command(`:storage set ${id} /key59 591`);
		await t.waitFor(/\[y\/N\]/);
		t.key("Esc");
		await t.waitFor(/not applied/);
		// y, without Enter.
		t.command(`:storage set ${id} /key59 592`);
		await t.waitFor(/\[y\/N\]/);
		t.write("y");
		await t.waitFor(/storage updated/, { timeout: 10000 });
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}/storage?format=json`)).body.key59, 592);
		assert.equal(await t.exit(), 0);
	});
});

describe("the view stack", () => {
	test(":rooms and the navigator go back to a view on the stack instead of opening it again", async () => {
		const id = `${P}-nav-${uniq("n")}`;
		await createRoom(stack.url, id);
		const t = start();
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(() => t.row(0).includes(`rooms › ${id}`));
		t.command(":rooms");
		await t.waitFor(() => /^ lbtui  rooms\s*$/.test(t.row(0)));
		// A filter takes the place of the last one; q goes back to all rooms.
		t.command(`:rooms --prefix ${P}-a`);
		await t.waitFor(() => t.row(0).includes(`rooms › rooms [roomId^"${P}-a"]`));
		t.command(`:rooms --prefix ${P}-nav`);
		await t.waitFor(() => t.row(0).includes(`rooms › rooms [roomId^"${P}-nav"]`));
		assert.ok(!t.row(0).includes(`${P}-a"`), t.row(0));
		await settled(t);
		t.write("q");
		await t.waitFor(() => /^ lbtui  rooms\s*$/.test(t.row(0)));
		// The navigator: what is in a room replaces what was, and Rooms goes
		// back to the list.
		t.command(`:room show ${id}`);
		await t.waitFor(() => t.row(0).includes(`rooms › ${id}`));
		const navTo = async (label) => {
			t.key("Tab");
			t.write("g");
			const y = t.screen().findIndex((r) => r.slice(0, LIST_X - 1).trim() === label);
			assert.ok(y > 0, `${label} not in the navigator\n${t.dump()}`);
			for (let i = 2; i < y; i++)
				t.write("j");
			t.key("Enter");
			await t.settle();
		};
		await navTo("Storage");
		await t.waitFor(() => t.row(0).includes(`rooms › ${id} › storage ${id}`));
		await navTo("Yjs");
		await t.waitFor(() => t.row(0).includes(`rooms › ${id} › ydoc ${id}`));
		assert.doesNotMatch(t.row(0), /storage/);
		t.command(`:room show ${id}`);
		await t.waitFor(() => /^ lbtui  rooms › \S+\s*$/.test(t.row(0)));
		await navTo("Rooms");
		await t.waitFor(() => /^ lbtui  rooms\s*$/.test(t.row(0)));
		assert.equal(await t.exit(), 0);
	});

	test("a breadcrumb too long drops whole segments from the left", async () => {
		const id = `${P}-crumb-${"x".repeat(20)}`;
		await createRoom(stack.url, id);
		await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, obj({ a: 1 }));
		const t = start({ cols: 60, rows: 20 });
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(id);
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject/);
		t.command(`:ydoc ${id}`);
		await t.waitFor(() => /ydoc/.test(t.row(0)));
		const title = t.row(0).replace(/^ lbtui  /, "").trimEnd();
		assert.match(title, /^… › /);
		// Every segment shown is whole: the last two views, each complete.
		const segs = title.slice(4).split(" › ");
		assert.deepEqual(segs.slice(-1), [`ydoc ${id}`]);
		for (const s of segs)
			assert.ok([`storage ${id}`, `ydoc ${id}`].includes(s), `a cut segment: ${s}\n${t.dump()}`);
		assert.equal(await t.exit(), 0);
	});

	test("Tab goes only through the panes on screen, and shows where the focus is", async () => {
		const id = `${P}-tab-${uniq("t")}`;
		await createRoom(stack.url, id);
		const wide = start({ cols: 130 });
		await ready(wide);
		wide.command(`:rooms --prefix ${id}`);
		await wide.waitFor(() => wide.screen().some((r) => r.slice(100).includes(id)));
		await wide.waitIdle();
		const border = () => {
			const y = 3;
			const x = wide.screen()[y].lastIndexOf("│");
			return wide.cell(x, y);
		};
		const wideBg = cursorBg(wide);
		const navFocused = () => navOn(wide, "Rooms", wideBg);
		const before = border();
		assert.ok(before.bgDefault);
		// List, then detail (its border in the cursor's colours), then the
		// navigator, then the list again.
		wide.key("Tab");
		await wide.waitFor(() => !border().bgDefault);
		assert.ok(!navFocused());
		wide.key("Tab");
		await wide.waitFor(navFocused);
		assert.ok(border().bgDefault);
		wide.key("Tab");
		await wide.waitFor(() => !navFocused());
		assert.ok(border().bgDefault);
		wide.key("Tab");
		await wide.waitFor(() => !border().bgDefault);
		assert.equal(await wide.exit(), 0);

		// 100 columns: no detail pane, so Tab goes navigator, list, navigator.
		const mid = start({ cols: 100 });
		await ready(mid);
		const midBg = cursorBg(mid);
		const midNav = () => navOn(mid, "Rooms", midBg);
		mid.key("Tab");
		await mid.waitFor(midNav);
		mid.key("Tab");
		await mid.waitFor(() => !midNav());
		mid.key("Tab");
		await mid.waitFor(midNav);
		assert.equal(await mid.exit(), 0);
	});
});

describe("the command line", () => {
	test("Ctrl-R searches the history backwards", async () => {
		const home = makeHome();
		const a = `${P}-hist-a-${uniq("h")}`;
		await createRoom(stack.url, a);
		const t = start({ home });
		await ready(t);
		t.command(`:room show ${a}`);
		await t.waitFor(() => t.row(0).includes(a));
		await settled(t);
		t.write("q");
		await ready(t);
		t.command(`:rooms --prefix ${P}-none`);
		await t.waitFor(/roomId\^/);
		await settled(t);
		t.write("q");
		await ready(t);
		t.write(":");
		t.key("Ctrl-R");
		await t.waitFor(() => t.row(-1).startsWith("(reverse-i-search)`': "));
		t.write("sho");
		await t.waitFor(() => t.row(-1).startsWith(`(reverse-i-search)\`sho': room show ${a}`));
		// Enter runs the line found.
		t.key("Enter");
		await t.waitFor(() => t.row(0).includes(`rooms › ${a}`));
		// A pattern nowhere in the history says so and keeps the line.
		t.write(":room sh");
		t.key("Ctrl-R");
		t.write("zzz");
		await t.waitFor(() => t.row(-1).startsWith("(failed reverse-i-search)`zzz': room sh"));
		// Esc gives back the line as it was, still being typed.
		t.key("Esc");
		await t.waitFor(() => t.row(-1).startsWith(":room sh"));
		t.key("Esc");
		await t.waitFor(() => !t.row(-1).startsWith(":"));
		assert.equal(await t.exit(), 0);
	});

	test("completion and the group word's message list every subcommand", async () => {
		const t = start({ cols: 140 });
		await ready(t);
		t.command(":room");
		await t.waitFor(() => /needs a subcommand/.test(t.row(-1)));
		assert.match(t.row(-1), /show, create, update, delete, upsert, rename, prewarm, broadcast, copy/);
		t.write(":storage ");
		t.key("Tab");
		await t.waitFor(() => /\bset\b.*\binsert\b.*\bdelete\b.*\bmove\b.*\binit\b.*\bexport\b/.test(t.row(-2)));
		t.key("Ctrl-U");
		t.write("ydoc ");
		t.key("Tab");
		await t.waitFor(() => /\bexport\b.*\bupdate\b/.test(t.row(-2)));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});
});
