// Golden screens, as tig keeps them: every view of lbtui at 80x24 and at
// 120x40 on the seeded demo project, compared exactly with a saved file
// in tests/e2e/golden/VIEW-COLSxROWS.txt: the text of each row and the
// style of each cell (a grid of letters, with a legend at the top of the
// file; golden.mjs has the format). The other tests assert on parts of
// the screen; these notice any change anywhere, of text or of colour.
//
// After an intended change of what a view shows, rewrite the saved
// screens and read their diff before committing it:
//
//   cd tests && UPDATE_GOLDEN=1 node --test e2e/golden.test.mjs
//   scripts/update-golden.sh            (the same from anywhere, then a
//                                        second run to check them)
//
// A rewritten file keeps the letters its styles had, so its diff shows
// only what changed; a file whose view is gone is removed. A new view is
// a row of VIEWS below.
//
// What makes the screens the same on every run:
// - the emulator runs with a fixed clock (SEED_CLOCK): rooms, versions and
//   whatever else it dates get their dates from it, and IDs come from a
//   fixed sequence; the seed creates them one after the other;
// - each view starts from a fresh lbtui and is captured when nothing is
//   in flight, the screen has been still for a while, and two captures in
//   a row agree;
// - three volatile parts are replaced before comparing (NORMALISE in
//   golden.mjs): the emulator's port, the age of the data ("0s ago"), and
//   the time of day in :messages. A view with volatile parts of its own
//   (durations, byte counts) needs a rule there, as narrow as it can be;
// - only what shows is compared: a blank cell's foreground colour is not.
//
// The screens are what xterm-headless shows, with its Unicode 6 widths:
// where it counts an emoji (🚀) as one column and the C library as two,
// the rest of that row is one column off, as in a terminal that old.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import xterm from "@xterm/headless";
import { startStack } from "../emulator/stack.mjs";
import { SEED_CLOCK, seed } from "../demo/seed.mjs";
import { rest, serverEnv, spawnLbtui } from "./harness.mjs";
import {
	diffGolden,
	formatGolden,
	grabScreen,
	legendByStyle,
	normaliseScreen,
	parseGolden,
	screenLines,
} from "./golden.mjs";

const { Terminal } = xterm;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.join(HERE, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const SIZES = [[80, 24], [120, 40]];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let stack;
let running = [];

before(async () => {
	stack = await startStack({ fixedClock: SEED_CLOCK });
	await seed({ baseUrl: stack.url, secret: stack.secret, quiet: true });
	if (UPDATE)
		fs.mkdirSync(DIR, { recursive: true });
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

// --- getting to each view ----------------------------------------------------

// Nothing in flight: the status bar counts requests ("2 req") and says
// when something is loading.
const status = (t) => t.row(-2);
const idle = (t) => !/\b[1-9]\d* req\b|loading/.test(status(t));

// Wait until the screen shows what (as t.waitFor), with room for a slow
// machine.
const see = (t, what) => t.waitFor(what, { timeout: 20000 });

// The rooms list, loaded (the newest room shows), with nothing in flight.
async function top(t) {
	await see(t, (s) => s.includes("globex:rtl-") && idle(t));
	await t.waitIdle();
}

// Run a command line and wait until what shows says it is done.
async function run(t, line, what) {
	t.command(line);
	await see(t, what);
	await t.waitIdle();
}

async function storage(t, room = "acme:readme") {
	await top(t);
	await run(t, `:storage ${room}`, /root LiveObject/);
}

/**
 * The views: name, how to get there from a fresh lbtui (open), what must
 * be true before it is captured (ready(t), by default nothing in flight)
 * and what to do after (close).
 */
const VIEWS = [
	{ name: "rooms", open: top },
	{
		name: "room",
		async open(t) {
			await top(t);
			t.write("/acme:roadmap\r");
			await t.waitIdle();
			t.key("Enter");
			await see(t, "engineering");
		},
	},
	{ name: "storage", open: (t) => storage(t) },
	{
		name: "storage-collapsed",
		async open(t) {
			await storage(t);
			t.key("Enter");
			await see(t, "▸ root");
		},
	},
	{
		name: "storage-level-2",
		async open(t) {
			await storage(t);
			t.write("2");
			await see(t, "Overview");
			t.key("Down", "Down", "Down", "Down");
		},
	},
	{
		name: "storage-json",
		async open(t) {
			await storage(t);
			t.write("f");
			await see(t, /root object/);
		},
	},
	{
		name: "ydoc",
		async open(t) {
			await top(t);
			await run(t, ":ydoc acme:yjs-notes", "Meeting notes");
		},
	},
	{
		name: "versions",
		async open(t) {
			await top(t);
			await run(t, ":versions acme:yjs-notes", (s) => s.match(/\bvh_/g)?.length >= 3);
		},
	},
	{
		name: "users",
		async open(t) {
			await top(t);
			await run(t, ":users acme:readme", (s) => s.includes("Nobody is connected") && /live \(push\)/.test(status(t)));
		},
	},
	{
		name: "thread",
		async open(t) {
			await top(t);
			// The room's thread with the most comments (the oldest of
			// those): replies, reactions, styles.
			const threads = await rest(stack.url, "GET", `/v2/rooms/${encodeURIComponent("acme:readme")}/threads`);
			const most = Math.max(...threads.body.data.map((th) => th.comments.length));
			const id = threads.body.data.filter((th) => th.comments.length === most).at(-1).id;
			await run(t, `:thread show acme:readme ${id}`, `Thread ${id}`);
		},
	},
	{
		name: "threads",
		async open(t) {
			await top(t);
			await run(t, ":threads acme:readme", / threads, \d+ open/);
		},
	},
	{
		name: "queue",
		async open(t) {
			await top(t);
			await run(t, ":queue --prefix acme:", (s) => /rooms (\d+)\/\1 · \d+ threads/.test(s) && !/Listing rooms/.test(s));
			// The cursor stayed on the row that came first: the newest.
			t.write("g");
			await t.waitIdle();
			t.key("Ctrl-L");
			await t.waitIdle();
		},
	},
	{
		name: "help",
		async open(t) {
			await top(t);
			t.write("?");
			await see(t, "Quit lbtui");
		},
	},
	{
		name: "json",
		async open(t) {
			await storage(t);
			t.write("G"); // the last row: sections
			// A view of its own at 80 columns, the detail pane at 120.
			t.write("J");
			await see(t, '"liveblocksType": "LiveList"');
		},
	},
	{
		name: "pager",
		async open(t) {
			await storage(t, "acme:terminal-torture");
			t.write("Gk"); // the row above the last: longWord
			t.key("Enter");
			await see(t, () => t.row(0).includes("longWord"));
		},
	},
	{
		name: "messages",
		async open(t) {
			await storage(t);
			t.write("f");
			await see(t, "simplified JSON");
			t.write("f");
			await see(t, "plain LSON");
			await run(t, ":frobnicate", "frobnicate'");
			await run(t, ":messages", /frobnicate[\s\S]*plain LSON[\s\S]*simplified JSON/);
		},
	},
	{
		name: "question",
		async open(t) {
			await storage(t);
			t.command(":storage set acme:readme /published false");
			await see(t, "[y/N]");
		},
		// The answer is no, and the project stays as seeded.
		async close(t) {
			t.write("n");
			await t.waitIdle();
			const r = await rest(stack.url, "GET", `/v2/rooms/${encodeURIComponent("acme:readme")}/storage?format=json`);
			assert.equal(r.body.published, true);
		},
	},
	{
		name: "completion",
		async open(t) {
			await top(t);
			t.write(":storage ");
			t.key("Tab");
			await see(t, /\binsert\b.*acme:/);
		},
		ready: (t) => /\binsert\b.*acme:/.test(t.row(-2)),
	},
	{
		// h at the top moves the focus to the navigator; at 80 columns there
		// is none, and the list keeps it.
		name: "navigator",
		async open(t) {
			await top(t);
			t.write("h");
		},
	},
	{
		name: "settings",
		async open(t) {
			await top(t);
			await run(t, ":settings alice", /KIND\s+email[\s\S]*\$deploymentFailed/);
		},
	},
	{
		name: "user",
		async open(t) {
			await top(t);
			await run(t, ":user alice", /unread of[\s\S]*engineering[\s\S]*\$deploymentFail[\s\S]*acme:readme/);
		},
	},
	{
		name: "subscriptions",
		async open(t) {
			await top(t);
			await run(t, ":subscriptions alice", /acme:readme\s+replies_and_mentions\s+mine/);
		},
	},
	{
		name: "knowledge",
		async open(t) {
			await top(t);
			const list = await rest(stack.url, "GET", "/v2/ai/copilots");
			const docs = list.body.data.find((c) => c.name === "Acme Docs Assistant");
			await run(t, `:knowledge ${docs.id}`, (s) => s.includes("handbook.md") && idle(t));
		},
	},
	{
		name: "token",
		async open(t) {
			await top(t);
			await run(t, `:token authorize ada --room 'acme:*=room:read,comments:read' --room acme:readme=room:write --info '{"name":"Ada"}'`, /acme:readme\s+room:write/);
		},
	},
	{
		name: "events",
		async open(t) {
			await top(t);
			await run(t, ":events acme:readme", (s) => s.includes("No broadcast event since the watch began") && /live \(push\)/.test(status(t)));
		},
	},
];

// --- capturing and comparing ---------------------------------------------------

/**
 * The screen once it is ready and still: nothing drawn for a while, and
 * two captures in a row the same once normalised.
 */
async function stableScreen(t, ready) {
	const deadline = Date.now() + 20000;
	let last = null;
	for (;;) {
		await t.waitIdle({ quiet: 150, timeout: 20000 });
		if (ready(t)) {
			const shot = normaliseScreen(grabScreen(t));
			const text = formatGolden("", shot);
			if (text === last)
				return shot;
			last = text;
		} else {
			last = null;
		}
		if (Date.now() > deadline)
			throw new Error(`the screen never settled\n${t.dump()}`);
		await sleep(100);
	}
}

const goldenPath = (name, cols, rows) => path.join(DIR, `${name}-${cols}x${rows}.txt`);

function readGolden(file) {
	return fs.existsSync(file) ? parseGolden(fs.readFileSync(file, "utf8")) : null;
}

for (const [cols, rows] of SIZES) {
	describe(`golden screens at ${cols}x${rows}`, () => {
		for (const view of VIEWS) {
			test(view.name, async () => {
				const t = spawnLbtui({ cols, rows, env: serverEnv(stack.url) });
				running.push(t);
				await view.open(t);
				const shot = await stableScreen(t, view.ready ?? idle);
				if (view.close)
					await view.close(t);
				const file = goldenPath(view.name, cols, rows);
				const name = `${view.name} at ${cols}x${rows}`;
				const saved = readGolden(file);
				if (UPDATE) {
					const legend = saved ? legendByStyle(saved) : new Map();
					fs.writeFileSync(file, formatGolden(view.name, shot, legend));
					return;
				}
				assert.ok(saved, `${path.relative(process.cwd(), file)} is missing: ` +
					"run `UPDATE_GOLDEN=1 node --test e2e/golden.test.mjs` from tests/ (or scripts/update-golden.sh) and read what it wrote");
				const diff = diffGolden(saved, shot);
				if (diff)
					assert.fail(`${name} differs from ${path.relative(process.cwd(), file)}:\n${diff}\n\n` +
						"If the change is intended: UPDATE_GOLDEN=1 node --test e2e/golden.test.mjs (from tests/), then read the diff of the files");
			});
		}
	});
}

// Every saved file belongs to a view of this file: a view renamed or
// removed does not leave a file that nothing compares (an update removes
// it).
test("no saved screen without its view", () => {
	const known = new Set();
	for (const [cols, rows] of SIZES)
		for (const v of VIEWS)
			known.add(path.basename(goldenPath(v.name, cols, rows)));
	const stray = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => !known.has(f)) : [];
	if (UPDATE) {
		for (const f of stray)
			fs.rmSync(path.join(DIR, f));
		return;
	}
	assert.deepEqual(stray, [], `files in ${DIR} that no view of golden.test.mjs compares`);
});

// --- the comparison itself ----------------------------------------------------

describe("golden screen files", () => {
	// A screen drawn by bytes on a bare terminal, as grabScreen reads it.
	async function screenOf(bytes, cols = 40, rows = 2) {
		const term = new Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
		await new Promise((r) => term.write(bytes, r));
		return normaliseScreen(grabScreen({ term, cols, rows }));
	}
	const saved = (shot) => parseGolden(formatGolden("test", shot));

	test("a change of colour alone fails, and the report points at its cells", async () => {
		const before = await screenOf("id \x1b[32mroom-1\x1b[0m");
		const after = await screenOf("id \x1b[31mroom-1\x1b[0m");
		assert.equal(diffGolden(saved(before), before), "");
		const diff = diffGolden(saved(before), after);
		assert.match(diff, /^row 0 \(styles differ\):/);
		assert.match(diff, /saved styles: \.\.\.aaaaaa\.+\n {2}got styles: {3}\.\.\.bbbbbb\.+\n {19}\^{6}$/m);
		assert.match(diff, /^ {2}b red {3}\(on the screen, not in the saved file as this letter\)$/m);
	});

	test("a change of text fails with both rows", async () => {
		const diff = diffGolden(saved(await screenOf("3 rooms")), await screenOf("4 rooms"));
		assert.match(diff, /^row 0 \(text differs\):\n {2}saved text: {3}3 rooms\n {2}got text: {5}4 rooms$/m);
	});

	test("the port, ages and message times are replaced, and the row stays aligned", async () => {
		const a = await screenOf("127.0.0.1:4321 │ \x1b[7m3s ago\x1b[0m │ x\r\n09:15:02 info  hi");
		const b = await screenOf("127.0.0.1:54321 │ \x1b[7m12s ago\x1b[0m │ x\r\n23:01:59 info  hi");
		assert.equal(diffGolden(saved(a), b), "");
		assert.deepEqual(screenLines(a), ["127.0.0.1:PORT │ 0s ago │ x", "hh:mm:ss info  hi"]);
		// The replaced age keeps its style; what follows moved with it.
		assert.equal(saved(a).grid[0], `${".".repeat(17)}aaaaaa${".".repeat(17)}`);
	});

	test("the colour of blank cells does not count, their background does", async () => {
		const plain = await screenOf("ab");
		assert.equal(diffGolden(saved(plain), await screenOf("ab\x1b[33;1m    \x1b[0m")), "");
		assert.match(diffGolden(saved(plain), await screenOf("ab\x1b[44m    \x1b[0m")), /row 0 \(styles differ\)/);
	});

	test("a wide character takes two letters in the grid", async () => {
		const f = saved(await screenOf("\x1b[32m日本\x1b[0m|x", 8, 1));
		assert.equal(f.text[0], "日本|x");
		assert.equal(f.grid[0], "aaaa....");
	});

	test("a rewritten file keeps the letters its styles had", async () => {
		const first = parseGolden(formatGolden("t", await screenOf("\x1b[32mg\x1b[31mr\x1b[0m")));
		const again = parseGolden(formatGolden("t", await screenOf("\x1b[34mb\x1b[31mr\x1b[0m"), legendByStyle(first)));
		assert.equal(first.legend.get("b"), "red");
		assert.equal(again.legend.get("b"), "red");
		assert.equal(again.grid[0].slice(0, 2), "cb");
	});
});
