// Every list (rooms, versions, connected users) is one list view driven by
// a table of columns: sorted by any column both ways (< > I, or a click on
// a title), filtered locally (\), searched within what is shown, used with
// the mouse (click, double click, wheel; none with mouse = no), and
// exported as CSV or JSON. A small server written here serves lists whose
// every column sorts in a different order, so the order on the screen
// says which column sorts.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { LIST_X, SECRET, cursorLine, makeHome, runBatch, serverEnv, spawnLbtui } from "./harness.mjs";

// --- a server of fixed lists -------------------------------------------------

const room = (id, createdAt, lastConnectionAt, defaultAccesses, metadata) => ({
	type: "room",
	id,
	createdAt,
	lastConnectionAt,
	defaultAccesses,
	usersAccesses: {},
	groupsAccesses: {},
	metadata,
});

// In the server's order. Each column orders them differently; two pairs
// share an access, which keeps their order either way.
const ROOMS = [
	room("kiwi", "2024-03-01T10:00:00.000Z", "2024-05-01T08:00:00.000Z", ["room:write"], { color: "green" }),
	room("apple", "2024-01-15T09:30:00.000Z", "2024-06-10T12:00:00.000Z", [], { color: "red", size: "s" }),
	room("mango", "2024-02-20T14:45:00.000Z", null, ["room:read", "room:presence:write"], { team: "core" }),
	room("banana", "2024-04-05T07:15:00.000Z", "2024-04-06T00:00:00.000Z", ["room:read"], {}),
	room("cherry", "2023-12-31T23:59:00.000Z", "2024-07-01T18:30:00.000Z", ["room:write"], { color: "blue" }),
	room("fig", "2024-01-01T00:00:00.000Z", "2024-05-20T11:11:00.000Z", [], { owner: 'ann "a"' }),
];
const SERVER_ORDER = ROOMS.map((r) => r.id);

// The order each column gives, ascending and descending.
const ROOM_SORTS = [
	["ID", "apple banana cherry fig kiwi mango", "mango kiwi fig cherry banana apple"],
	["CREATED", "cherry fig apple mango kiwi banana", "banana kiwi mango apple fig cherry"],
	// mango was never connected ("-"): first.
	["LAST CONNECTION", "mango banana kiwi fig apple cherry", "cherry apple fig kiwi banana mango"],
	// private, public, read-only, room:read; equals keep the server's order.
	["ACCESS", "apple fig kiwi cherry mango banana", "banana mango kiwi cherry apple fig"],
	// banana has none.
	["METADATA", "banana cherry kiwi apple fig mango", "mango fig apple kiwi cherry banana"],
];

const VERSIONS = [
	{ type: "historyVersion", kind: "yjs", id: "vh_b", createdAt: "2024-02-01T00:00:00.000Z", authors: [{ id: "zed" }] },
	{ type: "historyVersion", kind: "yjs", id: "vh_c", createdAt: "2024-01-01T00:00:00.000Z", authors: [{ id: "amy" }, { id: "bob" }] },
	{ type: "historyVersion", kind: "yjs", id: "vh_a", createdAt: "2024-03-01T00:00:00.000Z", authors: [{ id: "kim" }] },
];

const USERS = [
	{ type: "user", connectionId: 7, id: "walt", info: { name: "Walt" } },
	{ type: "user", connectionId: 3, id: "ann", info: { name: "Zoe" } },
	{ type: "user", connectionId: 12, id: "mo", info: { name: "Bea" } },
];

/** A server of rooms (pages of pageSize at most), one room each, and the
 * versions and connected users of every room. */
async function listServer({ rooms = ROOMS, pageSize = 100 } = {}) {
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, "http://localhost");
		const send = (status, body) => {
			res.writeHead(status, { "Content-Type": "application/json" });
			res.end(JSON.stringify(body));
		};
		if (req.headers.authorization !== `Bearer ${SECRET}`)
			return send(403, { error: "INVALID_SECRET_KEY", message: "wrong key" });
		if (req.method !== "GET")
			return send(405, { error: "METHOD_NOT_ALLOWED", message: "read only" });
		if (url.pathname === "/v2/rooms") {
			const limit = Math.min(Number(url.searchParams.get("limit") || 20), pageSize);
			const after = url.searchParams.get("startingAfter");
			const start = after ? rooms.findIndex((r) => r.id === after) + 1 : 0;
			const data = rooms.slice(start, start + limit);
			return send(200, { data, nextCursor: start + limit < rooms.length ? data.at(-1).id : null });
		}
		let m = /^\/v2\/rooms\/([^/]+)(\/versions|\/active-users)?$/.exec(url.pathname);
		const found = m && rooms.find((r) => r.id === decodeURIComponent(m[1]));
		if (!found)
			return send(404, { error: "ROOM_NOT_FOUND", message: "no such room" });
		if (m[2] === "/versions")
			return send(200, { data: VERSIONS, nextCursor: null });
		if (m[2] === "/active-users")
			return send(200, { data: USERS });
		return send(200, found);
	});
	await new Promise((r) => server.listen(0, "127.0.0.1", r));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		close: () => new Promise((r) => server.close(r)),
	};
}

// --- driving the screen ---------------------------------------------------------

let server;
let running = [];

before(async () => {
	server = await listServer();
});

after(async () => {
	if (server)
		await server.close();
});

afterEach(async () => {
	const list = running;
	running = [];
	for (const t of list)
		await t.close();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 100, rows: 30, ...opts, env: serverEnv(opts.url || server.url) });
	running.push(t);
	return t;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The list pane starts at x (after the navigator at 100 columns and more).
const paneX = (t) => (t.cols >= 100 ? LIST_X : 0);

// The first word of each row of the list pane, below its header.
const shownIds = (t) =>
	t.screen().slice(2, t.rows - 2).map((r) => r.slice(paneX(t)).split(" ")[0]).filter(Boolean);
const shown = (t) => shownIds(t).join(" ");

// The row under the cursor, at any width.
function cursorRow(t) {
	const s = t.screen();
	for (let y = 2; y < t.rows - 2; y++) {
		const c = t.cell(paneX(t) + 1, y);
		if (c && !c.bgDefault && s[y].slice(paneX(t)).trim())
			return s[y].slice(paneX(t));
	}
	return "";
}
const selectedId = (t) => cursorRow(t).split(" ")[0];

const header = (t) => t.row(1).slice(paneX(t));

async function ready(t, count = ROOMS.length) {
	await t.waitFor(() => t.row(-2).includes(` ${count} rooms │`));
	await t.waitIdle();
}

async function select(t, id) {
	t.write("g");
	for (let i = 0; i < 200 && selectedId(t) !== id; i++) {
		t.write("j");
		await t.waitIdle({ quiet: 20 });
	}
	assert.equal(selectedId(t), id, t.dump());
}

// An SGR mouse report (xterm 1006) at screen cell x, y: a press and its
// release; the wheel is buttons 64 (up) and 65 (down), pressed only.
function click(t, x, y) {
	t.write(`\x1b[<0;${x + 1};${y + 1}M\x1b[<0;${x + 1};${y + 1}m`);
}
function wheel(t, down, x, y) {
	t.write(`\x1b[<${down ? 65 : 64};${x + 1};${y + 1}M`);
}
const rowOf = (t, id) => t.screen().findIndex((r, y) => y > 1 && r.slice(paneX(t)).startsWith(id + " "));

// --- sort -------------------------------------------------------------------------

describe("sort by any column", () => {
	test("> and < step through the columns, I inverts; the header marks the column and its direction", async () => {
		const t = start();
		await ready(t);
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
		assert.doesNotMatch(header(t), /[▲▼]/, "no column sorts at first: the server's order");
		await select(t, "fig");
		for (const [title, up, down] of ROOM_SORTS) {
			t.write(">");
			await t.waitFor(() => header(t).includes(`${title}▲`));
			await t.waitFor(() => shown(t) === up);
			await t.waitFor(() => t.row(-1).includes(`sorted by ${title}, ascending`));
			await t.waitIdle();
			// The title of the sort column stands out.
			const x = t.row(1).indexOf(title);
			assert.ok(!t.cell(x, 1).bgDefault, `${title} not highlighted\n${t.dump()}`);
			assert.equal(selectedId(t), "fig", `the selection left fig sorting by ${title}\n${t.dump()}`);
			t.write("I");
			await t.waitFor(() => header(t).includes(`${title}▼`));
			await t.waitFor(() => shown(t) === down);
			await t.waitIdle();
			assert.equal(selectedId(t), "fig", t.dump());
		}
		// After the last column: the server's order again.
		t.write(">");
		await t.waitFor(() => !/[▲▼]/.test(header(t)));
		await t.waitFor(/in the server's order/);
		await t.waitIdle();
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
		// < goes the other way round: the last column first.
		t.write("<");
		await t.waitFor(() => header(t).includes("METADATA▲"));
		await t.waitFor(() => shown(t) === ROOM_SORTS[4][1]);
		t.write("<");
		await t.waitFor(() => header(t).includes("ACCESS▲"));
		await t.waitFor(() => shown(t) === ROOM_SORTS[3][1]);
		await t.waitIdle();
		assert.equal(selectedId(t), "fig");
		assert.equal(await t.exit(), 0);
	});

	test("I without a sort column says how to choose one", async () => {
		const t = start();
		await ready(t);
		t.write("I");
		await t.waitFor(/no sort column: < or > chooses one/);
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
	});

	test("the versions and the connected users sort the same way", async () => {
		const t = start();
		await ready(t);
		t.command(":versions kiwi");
		await t.waitFor(() => / 3 versions │/.test(t.row(-2)));
		await t.waitFor(() => shown(t) === "vh_b vh_c vh_a");
		t.write(">");
		await t.waitFor(() => header(t).includes("ID▲"));
		await t.waitFor(() => shown(t) === "vh_a vh_b vh_c");
		t.write(">");
		await t.waitFor(() => header(t).includes("CREATED▲"));
		await t.waitFor(() => shown(t) === "vh_c vh_b vh_a");
		t.write(">");
		await t.waitFor(() => header(t).includes("AUTHORS▲"));
		await t.waitFor(() => shown(t) === "vh_c vh_a vh_b");
		t.write("I");
		await t.waitFor(() => header(t).includes("AUTHORS▼"));
		await t.waitFor(() => shown(t) === "vh_b vh_a vh_c");

		t.command(":users kiwi");
		await t.waitFor(() => / 3 connected/.test(t.row(-2)));
		await t.waitFor(() => shown(t) === "7 3 12");
		t.write(">");
		await t.waitFor(() => header(t).includes("CONN▲"));
		await t.waitFor(() => shown(t) === "3 7 12");
		t.write("I");
		await t.waitFor(() => header(t).includes("CONN▼"));
		await t.waitFor(() => shown(t) === "12 7 3");
		t.write(">");
		await t.waitFor(() => header(t).includes("USER▲"));
		await t.waitFor(() => shown(t) === "3 12 7");
		t.write(">");
		await t.waitFor(() => header(t).includes("INFO▲"));
		await t.waitFor(() => shown(t) === "12 7 3");
		assert.equal(await t.exit(), 0);
	});

	test("a list with pages still to load sorts what is loaded and says so; G loads the rest into the sort", async () => {
		const many = Array.from({ length: 150 }, (_, i) =>
			room(`pg-${String((i * 37) % 150).padStart(3, "0")}`, "2024-01-01T00:00:00.000Z", null, [], {}));
		const paged = await listServer({ rooms: many, pageSize: 100 });
		try {
			const t = start({ url: paged.url });
			await t.waitFor(() => / 100\+ rooms │/.test(t.row(-2)));
			await t.waitIdle();
			t.write(">");
			await t.waitFor(() => header(t).includes("ID▲"));
			await t.waitFor(() => /sorted by ID, ascending: the 100 rooms loaded so far \(G loads the rest\)/.test(t.row(-1)));
			await t.waitFor(() => /100\+ rooms │ sorted: the 100 loaded \(G loads all\)/.test(t.row(-2)));
			const loaded = many.slice(0, 100).map((r) => r.id).sort();
			await t.waitIdle();
			assert.equal(shownIds(t)[0], loaded[0]);
			// The selection stays on its room, now at the other end.
			t.write("I");
			await t.waitFor(() => header(t).includes("ID▼"));
			await t.waitIdle();
			assert.equal(selectedId(t), loaded[0]);
			t.write("g");
			await t.waitFor(() => selectedId(t) === loaded.at(-1));
			await t.waitIdle();
			assert.equal(shownIds(t)[0], loaded.at(-1));
			// Every page: the sort takes them in.
			t.write("G");
			await t.waitFor(() => / 150 rooms │/.test(t.row(-2)), { timeout: 10000 });
			await t.waitIdle();
			assert.doesNotMatch(t.row(-2), /sorted: the/);
			await t.waitIdle();
			assert.equal(selectedId(t), "pg-000", "G goes to the last row of the sort");
			t.write("g");
			await t.waitFor(() => selectedId(t) === "pg-149");
			assert.equal(await t.exit(), 0);
		} finally {
			await paged.close();
		}
	});
});

// --- filter -----------------------------------------------------------------------

describe("a local filter", () => {
	test("\\ hides the rows without the text, counts the rest, keeps the selection; Esc clears it", async () => {
		const t = start();
		await ready(t);
		await select(t, "apple");
		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\"));
		t.command("COLOR");
		await t.waitFor(() => shown(t) === "kiwi apple cherry");
		await t.waitFor(() => /6 rooms │ filter: COLOR \(3 of 6\) │/.test(t.row(-2)));
		await t.waitFor(() => /filter: COLOR \(3 of 6\)/.test(t.row(-1)));
		await t.waitIdle();
		assert.equal(selectedId(t), "apple");
		// Sorted within the filter, the selection kept.
		t.write(">");
		await t.waitFor(() => shown(t) === "apple cherry kiwi");
		await t.waitIdle();
		assert.equal(selectedId(t), "apple");
		// / searches what is shown: mango has "an", but it is hidden.
		t.write("/");
		await t.waitFor(() => t.row(-1).startsWith("/"));
		t.command("an");
		await t.waitFor(/no match for an/);
		t.write("/");
		await t.waitFor(() => t.row(-1).startsWith("/"));
		t.command("e");
		await t.waitFor(/match 1 of 3 in the 3 rooms shown/);
		// \ again shows the filter to change; Esc there clears it.
		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\COLOR"));
		t.key("Esc");
		await t.waitFor(() => shown(t) === ROOM_SORTS[0][1]);
		await t.waitFor(() => /filter cleared/.test(t.row(-1)));
		assert.doesNotMatch(t.row(-2), /filter:/);
		await t.waitIdle();
		assert.equal(selectedId(t), "apple");
		assert.equal(await t.exit(), 0);
	});

	test("an empty filter clears it, and so does Esc in the list; nothing shown says why", async () => {
		const t = start();
		await ready(t);
		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\"));
		t.command("zzz");
		await t.waitFor('No rooms contain "zzz" — Esc clears the filter');
		await t.waitFor(() => /filter: zzz \(0 of 6\)/.test(t.row(-2)));
		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\zzz"));
		t.key("Backspace", "Backspace", "Backspace", "Enter");
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
		assert.doesNotMatch(t.row(-2), /filter:/);

		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\"));
		t.command("an");
		await t.waitFor(() => shown(t) === "mango banana fig");
		t.key("Esc");
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
		// The list is still there: Esc cleared the filter, it did not go back.
		await t.waitFor(() => /rooms/.test(t.row(0)));
		assert.equal(await t.exit(), 0);
	});
});

// --- narrow ------------------------------------------------------------------------

describe("narrow terminals", () => {
	for (const cols of [40, 60]) {
		test(`at ${cols} columns sorted and filtered rows stay apart, the sort column still marked`, async () => {
			const ids = [1, 2, 3, 4, 5, 6].map((k) => `globex:support-ticket-100${k}`);
			const rooms = ids.map((id, k) => room(id, `2024-01-0${k + 1}T00:00:00.000Z`, null, [], { n: String(k) }));
			const narrow = await listServer({ rooms });
			try {
				const t = start({ url: narrow.url, cols, rows: 16 });
				await t.waitFor(() => shownIds(t).length === 6);
				t.write(">I");
				await t.waitFor(() => /ID▼/.test(header(t)));
				await t.waitIdle();
				const rows = t.screen().slice(2, 8);
				assert.equal(new Set(rows).size, 6, t.dump());
				// Each keeps the end that tells it apart, in descending order.
				assert.deepEqual(rows.map((r) => /100(\d)\b/.exec(r)?.[1]), ["6", "5", "4", "3", "2", "1"], t.dump());
				assert.ok(rows.every((r) => /\b2024-01-0\d\b/.test(r)), t.dump());
				t.write("\\");
				await t.waitFor(() => t.row(-1).startsWith("\\"));
				t.command("1003");
				await t.waitFor(() => t.screen().slice(2, 14).filter((r) => /\S/.test(r)).length === 1);
				assert.match(t.screen()[2], /1003/);
				assert.ok(t.screen().every((r) => r.length <= cols));
			} finally {
				await narrow.close();
			}
		});
	}
});

// --- mouse -------------------------------------------------------------------------

describe("the mouse", () => {
	test("a click selects a row, a title sorts, a double click opens the room", async () => {
		const t = start();
		await ready(t);
		assert.equal(t.term.modes.mouseTrackingMode, "vt200", "lbtui asks for mouse reports");
		const y = rowOf(t, "banana");
		click(t, LIST_X + 2, y);
		await t.waitFor(() => selectedId(t) === "banana");
		click(t, LIST_X + 2, rowOf(t, "fig"));
		await t.waitFor(() => selectedId(t) === "fig");
		// A click on CREATED sorts by it; again, the other way.
		click(t, t.row(1).indexOf("CREATED") + 2, 1);
		await t.waitFor(() => header(t).includes("CREATED▲"));
		await t.waitFor(() => shown(t) === ROOM_SORTS[1][1]);
		await t.waitIdle();
		assert.equal(selectedId(t), "fig");
		await sleep(500); // not a double click
		click(t, t.row(1).indexOf("CREATED") + 2, 1);
		await t.waitFor(() => header(t).includes("CREATED▼"));
		await t.waitFor(() => shown(t) === ROOM_SORTS[1][2]);
		await sleep(500);
		const ya = rowOf(t, "apple");
		click(t, LIST_X + 3, ya);
		click(t, LIST_X + 3, ya);
		await t.waitFor(() => /rooms › apple/.test(t.row(0)));
		await t.waitFor(/color/);
		assert.equal(await t.exit(), 0);
	});

	test("the wheel scrolls the list", async () => {
		const many = Array.from({ length: 40 }, (_, i) =>
			room(`w-${String(i).padStart(2, "0")}`, "2024-01-01T00:00:00.000Z", null, [], {}));
		const wide = await listServer({ rooms: many });
		try {
			const t = start({ url: wide.url, rows: 20 });
			await ready(t, 40);
			await t.waitIdle();
			assert.equal(shownIds(t)[0], "w-00");
			wheel(t, true, LIST_X + 5, 5);
			await t.waitFor(() => shownIds(t)[0] === "w-03");
			wheel(t, true, LIST_X + 5, 5);
			await t.waitFor(() => shownIds(t)[0] === "w-06");
			// The cursor stays on the screen.
			await t.waitIdle();
			assert.equal(selectedId(t), "w-06");
			wheel(t, false, LIST_X + 5, 5);
			await t.waitFor(() => shownIds(t)[0] === "w-03");
			await t.waitIdle();
			assert.equal(selectedId(t), "w-06", "a row still on screen keeps the cursor");
			assert.equal(await t.exit(), 0);
		} finally {
			await wide.close();
		}
	});

	test("mouse = no leaves the mouse to the terminal", async () => {
		const home = makeHome();
		fs.writeFileSync(path.join(home, ".config", "lbtui", "config"), "mouse = no\n", { mode: 0o600 });
		const t = start({ home });
		await ready(t);
		assert.equal(t.term.modes.mouseTrackingMode, "none", "no mouse reports asked for");
		await t.waitIdle();
		assert.equal(selectedId(t), "kiwi");
		// A report that came anyway changes nothing.
		click(t, LIST_X + 2, rowOf(t, "banana"));
		await sleep(300);
		await t.waitIdle();
		assert.equal(selectedId(t), "kiwi", t.dump());
		await t.waitFor(() => shown(t) === SERVER_ORDER.join(" "));
		assert.equal(await t.exit(), 0);
	});

	test("a bad mouse setting is refused with its line", async () => {
		const home = makeHome();
		fs.writeFileSync(path.join(home, ".config", "lbtui", "config"), "theme = default\nmouse = maybe\n", { mode: 0o600 });
		const r = await runBatch(["-e", "rooms"], serverEnv(server.url), { home });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /config:2: mouse must be yes or no/);
	});
});

// --- export ------------------------------------------------------------------------

describe(":export", () => {
	// The private rooms by date: fig's metadata has quotes, apple's a comma.
	const CSV =
		"ID,CREATED,LAST CONNECTION,ACCESS,METADATA\r\n" +
		"fig,2024-01-01 00:00,2024-05-20 11:11,private,\"owner=ann \"\"a\"\"\"\r\n" +
		"apple,2024-01-15 09:30,2024-06-10 12:00,private,\"color=red, size=s\"\r\n";
	const JSON_TEXT =
		"[\n" +
		'  {"id": "fig", "createdAt": "2024-01-01 00:00", "lastConnectionAt": "2024-05-20 11:11", "access": "private", "metadata": "owner=ann \\"a\\""},\n' +
		'  {"id": "apple", "createdAt": "2024-01-15 09:30", "lastConnectionAt": "2024-06-10 12:00", "access": "private", "metadata": "color=red, size=s"}\n' +
		"]\n";

	test("writes the rows shown, filtered and sorted, every column whole: CSV quoted as RFC 4180 says, JSON keyed by column names", async () => {
		// Narrow: the columns are cut on the screen, never in the file.
		const t = start({ cols: 60 });
		await ready(t);
		t.write("\\");
		await t.waitFor(() => t.row(-1).startsWith("\\"));
		t.command("private");
		await t.waitFor(() => shown(t) === "apple fig");
		t.write(">>");
		await t.waitFor(() => /CREATED▲/.test(header(t)));
		await t.waitFor(() => shown(t) === "fig apple");
		t.command(":export out.csv");
		await t.waitFor(/wrote 2 rows to out\.csv/);
		assert.equal(fs.readFileSync(path.join(t.home, "out.csv"), "utf8"), CSV);
		t.command(":export out.json");
		await t.waitFor(/wrote 2 rows to out\.json/);
		assert.equal(fs.readFileSync(path.join(t.home, "out.json"), "utf8"), JSON_TEXT);

		// There already: refused, the file as it was.
		t.write("I");
		await t.waitFor(() => /CREATED▼/.test(header(t)));
		t.command(":export out.csv");
		await t.waitFor(/out\.csv exists: add --force to overwrite it/);
		assert.equal(fs.readFileSync(path.join(t.home, "out.csv"), "utf8"), CSV);
		t.command(":export out.csv --force");
		await t.waitFor(/wrote 2 rows to out\.csv/);
		const lines = fs.readFileSync(path.join(t.home, "out.csv"), "utf8").split("\r\n");
		assert.deepEqual(lines.slice(1, -1).map((l) => l.split(",")[0]), ["apple", "fig"]);
		// Neither CSV nor JSON.
		t.command(":export out.txt");
		await t.waitFor(/out\.txt: the file name says the format/);
		assert.ok(!fs.existsSync(path.join(t.home, "out.txt")));
		assert.equal(await t.exit(), 0);
	});

	test("a view that is no list has nothing to export; batch mode refuses", async () => {
		const t = start();
		await ready(t);
		t.key("Enter");
		await t.waitFor(() => /rooms › kiwi/.test(t.row(0)));
		t.command(":export x.csv");
		await t.waitFor(/export writes the rows of a list/);
		assert.ok(!fs.existsSync(path.join(t.home, "x.csv")));
		assert.equal(await t.exit(), 0);

		const home = makeHome();
		const r = await runBatch(["-e", "export x.csv"], serverEnv(server.url), { home });
		assert.equal(r.code, 2);
		assert.match(r.stderr, /export works on the screen; in batch mode use --json/);
		assert.ok(!fs.existsSync(path.join(home, "x.csv")));
	});
});
