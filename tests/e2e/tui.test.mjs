// The screen: lbtui in a pseudo-terminal against the official dev server
// with the emulator in front, asserting on what a person would see.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import {
	createRoom,
	freePort,
	makeHome,
	rest,
	serverEnv,
	spawnLbtui,
	uniq,
} from "./harness.mjs";

let stack;
let env;
const P = uniq("tui"); // every room of this file starts with P
const ROOMS = [];
let running = [];

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	for (let i = 0; i < 12; i++) {
		const id = `${P}-r-${String(i).padStart(2, "0")}`;
		ROOMS.push(id);
		await createRoom(stack.url, id, {
			metadata: { color: i % 2 ? "red" : "blue", n: String(i) },
			defaultAccesses: i % 3 === 0 ? ["room:write"] : [],
		});
	}
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

function start(opts = {}) {
	const t = spawnLbtui({ ...opts, args: opts.args || [], env: { ...env, ...(opts.env || {}) } });
	running.push(t);
	return t;
}

const getRoom = async (id) => rest(stack.url, "GET", `/v2/rooms/${encodeURIComponent(id)}`);

// The row of the screen that shows a room ID, or -1.
const rowOf = (t, id) => t.screen().findIndex((r) => r.includes(id));

// True when the room's ID is drawn highlighted (the cursor line).
function selected(t, id) {
	const y = rowOf(t, id);
	if (y < 0)
		return false;
	const x = t.screen()[y].indexOf(id);
	const c = t.cell(x, y);
	return !!c && (c.inverse || !c.bgDefault);
}

// The IDs of this file's rooms in the order the list shows them.
const shownOrder = (t) => t.screen().map((r) => ROOMS.find((id) => r.includes(id + " "))).filter(Boolean);

describe("opening", () => {
	test("shows the title, the rooms list, the status bar and a hint", async () => {
		const t = start();
		await ready(t);
		const s = t.screen();
		assert.match(s[0], /lbtui/);
		assert.match(s[0], /rooms/);
		assert.ok(s.some((r) => /\bID\b.*CREATED.*ACCESS.*METADATA/.test(r)), t.dump());
		for (const id of ROOMS.slice(0, 5))
			assert.ok(rowOf(t, id) > 0, `${id} not shown\n${t.dump()}`);
		const status = t.row(-2);
		assert.match(status, new RegExp(`127\\.0\\.0\\.1:${new URL(stack.url).port}`));
		assert.match(status, /sk_…/);
		assert.match(status, /\d+ req/);
		assert.ok(!t.screenText().includes("sk_localdev"), "the key is shown in the clear");
		assert.match(t.row(-1), /:.*command/i);
		assert.ok(t.altScreen());
		assert.equal(await t.exit(), 0);
		assert.ok(!t.altScreen(), "the terminal was not restored");
	});

	test("usable at 80x24", async () => {
		const t = start({ cols: 80, rows: 24 });
		await ready(t);
		const s = t.screen();
		assert.equal(s.length, 24);
		assert.ok(s.every((r) => r.length <= 80));
		assert.match(s[0], /lbtui/);
		assert.ok(s.some((r) => /\bID\b.*CREATED/.test(r)), t.dump());
		assert.equal(await t.exit(), 0);
	});

	test("q at the top level quits with status 0", async () => {
		const t = start();
		await ready(t);
		t.write("q");
		assert.equal(await t.waitExit(), 0);
	});
});

// Wait until a room's own view is open and loaded.
async function roomOpen(t, id) {
	await t.waitFor(`› ${id}`);
	await t.waitFor(/organization +\S/);
	await t.waitIdle();
}

// Wait until the first list has loaded (the status bar counts the rooms).
async function ready(t) {
	await t.waitFor(/ \d+\+? rooms │/);
	await t.waitIdle();
}

// Start lbtui and narrow the list to the rooms of ROOMS (other tests add
// rooms of their own); resolves with the IDs in the order shown.
async function startMine(opts = {}) {
	const t = start(opts);
	await ready(t);
	t.command(`:rooms --prefix ${P}-r-`);
	await t.waitFor(/rooms \[/);
	await t.waitFor(() => shownOrder(t).length >= Math.min(ROOMS.length, t.rows - 5));
	await t.waitIdle();
	return { t, order: shownOrder(t) };
}

describe("moving and opening", () => {
	test("j/k, arrows, G and g move the cursor", async () => {
		const { t, order } = await startMine();
		assert.ok(selected(t, order[0]), `first room not selected\n${t.dump()}`);
		t.write("j");
		await t.waitFor(() => selected(t, order[1]));
		assert.ok(!selected(t, order[0]));
		t.key("Down");
		await t.waitFor(() => selected(t, order[2]));
		t.write("k");
		await t.waitFor(() => selected(t, order[1]));
		t.key("Up");
		await t.waitFor(() => selected(t, order[0]));
		t.write("G");
		await t.waitFor(() => selected(t, order[order.length - 1]));
		t.write("g");
		await t.waitFor(() => selected(t, order[0]));
		t.key("End");
		await t.waitFor(() => selected(t, order[order.length - 1]));
		t.key("Home");
		await t.waitFor(() => selected(t, order[0]));
		assert.equal(await t.exit(), 0);
	});

	test("Enter opens the room with every field; q goes back", async () => {
		const { t, order } = await startMine();
		const id = order[2];
		const i = ROOMS.indexOf(id);
		t.write("jj");
		await t.waitFor(() => selected(t, id));
		t.key("Enter");
		await t.waitFor(`› ${id}`);
		await t.waitFor(/color/);
		await t.waitIdle();
		const text = t.screenText();
		assert.match(text, new RegExp(`id:? +${id}`));
		assert.match(text, new RegExp(`color +${i % 2 ? "red" : "blue"}`));
		assert.match(text, /organization +default/);
		assert.match(text, /created +\d{4}-\d{2}-\d{2}/);
		assert.match(text, /default access/);
		t.write("q");
		await t.waitForGone(`› ${id}`);
		await t.waitFor(() => selected(t, id));
		assert.equal(await t.exit(), 0);
	});

	test("Esc goes back too, and the list is shown at once from the cache", async () => {
		const { t, order } = await startMine();
		t.key("Enter");
		await roomOpen(t, order[0]);
		t.key("Esc");
		await t.waitForGone(`› ${order[0]}`);
		assert.ok(rowOf(t, order[0]) > 0, t.dump());
		assert.equal(await t.exit(), 0);
	});

	test("at 130 columns the selected room shows in a detail pane beside the list", async () => {
		const { t, order } = await startMine({ cols: 130, rows: 30 });
		const detailHas = (id) => t.screen().some((r) => {
			const k = r.indexOf(id);
			return k > 70 && /\bid\b/.test(r.slice(70));
		});
		await t.waitFor(() => detailHas(order[0]));
		t.write("j");
		await t.waitFor(() => detailHas(order[1]));
		assert.equal(await t.exit(), 0);
	});

	test("PgDn and PgUp move by a page", async () => {
		const { t, order } = await startMine({ rows: 12 });
		t.key("PgDn");
		await t.waitFor(() => !selected(t, order[0]));
		const after = shownOrder(t).find((id) => selected(t, id));
		assert.ok(after && ROOMS.includes(after), t.dump());
		t.key("PgUp");
		await t.waitFor(() => selected(t, order[0]));
		assert.equal(await t.exit(), 0);
	});
});

describe("search and filter", () => {
	test("/ finds a room, n and N go to the next and previous match", async () => {
		const { t, order } = await startMine();
		const target = order[7];
		t.write(`/${target}`);
		await t.waitFor(() => t.row(-1).includes(`/${target}`));
		t.key("Enter");
		await t.waitFor(() => selected(t, target));
		// "red" is in the metadata of every other room.
		const reds = order.filter((id) => ROOMS.indexOf(id) % 2 === 1);
		t.write("g/red");
		t.key("Enter");
		await t.waitFor(() => selected(t, reds[0]) || selected(t, reds[1]));
		const at = reds.findIndex((id) => selected(t, id));
		t.write("n");
		await t.waitFor(() => selected(t, reds[at + 1]));
		t.write("N");
		await t.waitFor(() => selected(t, reds[at]));
		t.write(`/no-such-thing-${P}`);
		t.key("Enter");
		await t.waitFor(/no match/);
		assert.ok(selected(t, reds[at]), "a failed search moved the cursor");
		assert.equal(await t.exit(), 0);
	});

	test(":rooms --prefix filters on the server and the title says so", async () => {
		const other = uniq("other");
		await createRoom(stack.url, other);
		const t = start();
		await ready(t);
		t.command(`:rooms --prefix ${P}-r-1`);
		await t.waitFor(/rooms \[/);
		await t.waitFor(ROOMS[10]);
		await t.waitIdle();
		const text = t.screenText();
		assert.ok(text.includes(ROOMS[11]));
		assert.ok(!text.includes(ROOMS[0] + " "), t.dump());
		assert.ok(!text.includes(other), t.dump());
		t.write("q");
		await t.waitForGone(/rooms \[/);
		await ready(t);
		assert.equal(await t.exit(), 0);
	});

	test("a metadata query filters too; an invalid query shows the server's message", async () => {
		const t = start();
		await ready(t);
		t.command(`:rooms --query 'roomId^"${P}" AND metadata["color"]:"red"'`);
		await t.waitFor(/rooms \[/);
		await t.waitFor(ROOMS[1]);
		await t.waitIdle();
		assert.equal(rowOf(t, ROOMS[0]), -1, t.dump());
		t.write("q");
		await t.waitForGone(/rooms \[/);
		t.command(":rooms --query 'bogus query'");
		await t.waitFor(/INVALID_QUERY|Expected/);
		assert.ok(!t.exitInfo);
		assert.equal(await t.exit(), 0);
	});
});

describe("commands", () => {
	test("room create, update and delete from the command line", async () => {
		const id = uniq("cmd");
		const t = start();
		await ready(t);
		t.command(`:room create ${id} --public --metadata owner=ann`);
		await t.waitFor(`created room ${id}`);
		let g = await getRoom(id);
		assert.equal(g.status, 200);
		assert.deepEqual(g.body.metadata, { owner: "ann" });
		assert.deepEqual(g.body.defaultAccesses, ["room:write"]);

		t.command(`:room update ${id} --set owner=bob --grant-user u1=room:read`);
		await t.waitFor(`updated room ${id}`);
		g = await getRoom(id);
		assert.deepEqual(g.body.metadata, { owner: "bob" });
		assert.deepEqual(g.body.usersAccesses, { u1: ["room:read"] });

		t.command(`:room delete ${id}`);
		await t.waitFor(/Type its ID to confirm/);
		t.command("not-the-id");
		await t.waitFor(/not deleted/);
		assert.equal((await getRoom(id)).status, 200);

		t.command(`:room delete ${id}`);
		await t.waitFor(/Type its ID to confirm/);
		t.command(id);
		await t.waitFor(`deleted room ${id}`);
		assert.equal((await getRoom(id)).status, 404);
		assert.equal(await t.exit(), 0);
	});

	test("a typed-ID question on a narrow terminal keeps its instruction in view", async () => {
		const id = `${P}-long-${"x".repeat(80)}-${uniq("r")}`;
		await createRoom(stack.url, id);
		const t = start({ cols: 60, rows: 12 });
		await ready(t);
		t.command(`:room delete ${id}`);
		await t.waitFor(() => /^….*Type its ID to confirm: $/.test(t.row(-1).trimEnd() + " "));
		t.key("Esc");
		await t.waitFor(/not deleted/);
		assert.equal((await getRoom(id)).status, 200);
		assert.equal(await t.exit(), 0);
	});

	test("a room created elsewhere shows after r (refresh)", async () => {
		const t = start();
		await ready(t);
		const id = `${P}-00a-${uniq("r")}`;
		await createRoom(stack.url, id);
		t.write("r");
		await t.waitFor(id);
		assert.equal(await t.exit(), 0);
	});

	test(":room show opens a room; a missing room shows 404 and lbtui keeps running", async () => {
		const t = start();
		await ready(t);
		t.command(`:room show ${ROOMS[3]}`);
		await roomOpen(t, ROOMS[3]);
		t.write("q");
		await t.waitForGone(`› ${ROOMS[3]}`);
		t.command(":room show no-such-room-tui");
		await t.waitFor(/404|not found/i);
		t.key("Esc");
		t.key("Esc");
		t.write("j");
		await t.waitFor(() => rowOf(t, ROOMS[0]) > 0);
		assert.equal(await t.exit(), 0);
	});
});

describe("slow server", () => {
	const fault = (rule) => rest(stack.url, "POST", "/__emulator/faults", rule);
	const clear = () => rest(stack.url, "DELETE", "/__emulator/faults");

	test("a question that comes while a line is being typed waits for it", async () => {
		const id = ROOMS[8];
		const t = start();
		await ready(t);
		await fault({ method: "GET", path: "/v2/rooms/*/storage", type: "latency", latencyMs: 1500, count: 1 });
		try {
			t.command(`:storage set ${id} /waited 1`);
			t.write(":roo");
			await new Promise((r) => setTimeout(r, 2500));
			// Still the line being typed; nothing was answered for the user.
			assert.match(t.row(-1), /^:roo/);
			assert.ok(!/not applied/.test(t.screenText()), t.dump());
			t.key("Esc");
			await t.waitFor(/Apply this change\? \[y\/N\]/);
			t.write("n");
			await t.waitFor(/not applied/);
		} finally {
			await clear();
		}
		assert.equal(await t.exit(), 0);
	});

	test("a next page that fails is shown, and asked for again only when the user moves", async () => {
		const pre = `${P}-pg-${uniq("p")}`;
		// More than the view loads ahead on its own (twice its height).
		for (let i = 0; i < 60; i++)
			await createRoom(stack.url, `${pre}-${String(i).padStart(2, "0")}`);
		const t = start({ rows: 20 });
		await ready(t);
		const pages = async () =>
			(await rest(stack.url, "GET", "/__emulator/requests?method=GET&path=/v2/rooms")).body.count;
		try {
			t.command(`:rooms --prefix ${pre} --limit 10`);
			await t.waitFor(`${pre}-59`);
			await t.waitFor(() => /0 req/.test(t.row(-2)));
			await t.waitIdle();
			await fault({ method: "GET", path: "/v2/rooms", type: "status", status: 403 });
			const before = await pages();
			t.write("G");
			await t.waitFor(/could not load more: .*403/);
			await new Promise((r) => setTimeout(r, 1500));
			const asked = (await pages()) - before;
			assert.ok(asked >= 1 && asked <= 2, `${asked} requests for the next page`);
			// The server is back: moving asks again, and the page comes.
			await clear();
			t.write("k");
			t.write("G");
			await t.waitFor(() => /│ 60 rooms │/.test(t.row(-2)));
			assert.ok((await pages()) - before > asked, "asked again after the move");
		} finally {
			await clear();
		}
		assert.equal(await t.exit(), 0);
	});

	test("a slow load shows progress, keys keep working, Esc cancels it", async () => {
		const id = ROOMS[6];
		const t = start();
		await ready(t);
		await fault({ method: "GET", path: `/v2/rooms/${id}`, type: "latency", latencyMs: 4000 });
		try {
			t.command(`:room show ${id}`);
			await t.waitFor("Loading room");
			await t.waitFor(() => /1 req/.test(t.row(-2)));
			await t.waitFor(() => /loading \d+s/.test(t.row(0)), { timeout: 3000 });
			// The help screen opens and closes while the request runs.
			t.write("?");
			await t.waitFor(/Keys everywhere/);
			t.write("q");
			await t.waitFor("Loading room");
			const t0 = Date.now();
			t.key("Esc");
			await t.waitFor(() => /0 req/.test(t.row(-2)), { timeout: 3000 });
			assert.ok(Date.now() - t0 < 3000, "Esc did not cancel the load");
			// Nothing claims to be loading any more.
			await t.waitFor("Not loaded");
		} finally {
			await clear();
		}
		assert.equal(await t.exit(), 0);
	});

	test("quitting while a change is being sent asks first", async () => {
		const id = ROOMS[7];
		const t = start();
		await ready(t);
		const slowUpdate = () =>
			fault({ method: "POST", path: `/v2/rooms/${id}`, type: "latency", latencyMs: 2500, count: 1 });
		const question = /A change is still being sent — quit anyway\? \[y\/N\]/;
		try {
			// q, and n: lbtui stays and the change arrives.
			await slowUpdate();
			t.command(`:room update ${id} --set slow=one`);
			await t.waitFor(() => /1 req/.test(t.row(-2)));
			t.write("q");
			await t.waitFor(question);
			t.write("n");
			await t.waitFor(`updated room ${id}`, { timeout: 8000 });
			assert.ok(!t.exitInfo, "lbtui quit");
			assert.equal((await getRoom(id)).body.metadata.slow, "one");
			// Nothing in flight: q quits at once.
			await t.waitFor(() => /0 req/.test(t.row(-2)));
			t.write("q");
			assert.equal(await t.waitExit(), 0);

			// ^C, and y: lbtui quits while the change is still on its way.
			const t2 = start();
			await ready(t2);
			await slowUpdate();
			t2.command(`:room update ${id} --set slow=two`);
			await t2.waitFor(() => /1 req/.test(t2.row(-2)));
			t2.key("Ctrl-C");
			await t2.waitFor(question);
			t2.write("y");
			// It is cancelled as lbtui ends, which it says, with status 1.
			assert.equal(await t2.waitExit(), 1);
			assert.match(t2.screenText(), /a change did not finish: .*cancelled/);
		} finally {
			await clear();
		}
	});
});

describe("bad input", () => {
	test("an unknown command shows a message and lbtui keeps running", async () => {
		const t = start();
		await ready(t);
		t.command(":frobnicate");
		await t.waitFor(() => t.row(-1).includes("frobnicate"));
		t.command(":rooms --bogus");
		await t.waitFor(() => t.row(-1).includes("--bogus"));
		t.command(":room");
		await t.waitFor(() => /subcommand|show, create/.test(t.row(-1)));
		t.write("\x01\x02Z"); // keys bound to nothing
		t.command(`:room show ${ROOMS[1]}`);
		await t.waitFor(`› ${ROOMS[1]}`);
		assert.equal(await t.exit(), 0);
	});

	test("a wrong key shows 403 on screen; the key is never drawn", async () => {
		const key = "sk_wrongkey42";
		const t = start({ env: { LIVEBLOCKS_SECRET_KEY: key } });
		await t.waitFor(/403/);
		await t.waitIdle();
		assert.ok(!t.screenText().includes(key));
		assert.match(t.row(-2), /sk_…/);
		assert.equal(await t.exit(), 0);
	});

	test("an unreachable host shows a network error and r retries", async () => {
		const dead = `http://127.0.0.1:${await freePort()}`;
		const t = start({ env: { LIVEBLOCKS_BASE_URL: dead } });
		await t.waitFor(/connect|network|refused|reach/i, { timeout: 30000 });
		t.write("r");
		await t.waitFor(/connect|network|refused|reach|loading/i, { timeout: 30000 });
		assert.equal(await t.exit(), 0);
	});

	test("no key: lbtui says what to set and exits 2", async () => {
		const t = start({ env: { LIVEBLOCKS_SECRET_KEY: null } });
		const code = await t.waitExit();
		assert.equal(code, 2);
		assert.match(t.output, /LIVEBLOCKS_SECRET_KEY/);
	});

	test("--read-only shows READ-ONLY and refuses changes", async () => {
		const t = start({ args: ["--read-only"] });
		await ready(t);
		assert.match(t.row(-2), /READ-ONLY/);
		t.command(`:room delete ${ROOMS[0]} --yes`);
		await t.waitFor(/read-only/);
		assert.equal((await getRoom(ROOMS[0])).status, 200);
		t.command(":room create should-not-exist-ro");
		await t.waitFor(/read-only/);
		assert.equal((await getRoom("should-not-exist-ro")).status, 404);
		assert.equal(await t.exit(), 0);
	});
});

describe("command line", () => {
	test("history: Up recalls earlier commands, also in the next run", async () => {
		const home = makeHome();
		const t = start({ home });
		await ready(t);
		t.command(`:room show ${ROOMS[4]}`);
		await roomOpen(t, ROOMS[4]);
		t.write("q");
		await t.waitForGone(`› ${ROOMS[4]}`);
		t.write(":");
		t.key("Up");
		await t.waitFor((s) => s.split("\n").at(-1).includes(`room show ${ROOMS[4]}`));
		t.key("Esc");
		await t.waitFor(() => !t.row(-1).startsWith(":"));
		t.write("q"); // not :quit, which would be the newest history entry
		assert.equal(await t.waitExit(), 0);

		const t2 = start({ home });
		await ready(t2);
		t2.write(":");
		t2.key("Up");
		await t2.waitFor((s) => s.split("\n").at(-1).includes(`room show ${ROOMS[4]}`));
		t2.key("Enter");
		await roomOpen(t2, ROOMS[4]);
		assert.equal(await t2.exit(), 0);
	});

	test("history keeps task_list but never a word that is a key", async () => {
		const home = makeHome();
		const t = start({ home });
		await ready(t);
		t.command(":room show task_list");
		await t.waitFor(/not found|404/i);
		t.command(":room show sk_dev_x1y2");
		await t.waitFor(/not found|404/i);
		assert.equal(await t.exit(), 0);
		const hist = fs.readFileSync(path.join(home, ".local", "state", "lbtui", "history"), "utf8");
		assert.match(hist, /task_list/);
		assert.ok(!hist.includes("sk_dev_x1y2"), hist);
	});

	test("emacs keys edit the line", async () => {
		const t = start();
		await ready(t);
		t.write(`:room shw ${ROOMS[5]}`);
		t.key("Ctrl-A");
		for (let i = 0; i < 7; i++)
			t.key("Ctrl-F");
		t.write("o");
		await t.waitFor((s) => s.split("\n").at(-1).includes(`room show ${ROOMS[5]}`));
		t.key("Enter");
		await t.waitFor(`› ${ROOMS[5]}`);
		assert.equal(await t.exit(), 0);
	});

	test("Tab completes command names and room IDs", async () => {
		const id = `${P}-zebra-${uniq("z")}`;
		await createRoom(stack.url, id);
		const t = start();
		await t.waitFor(id);
		const last = () => t.row(-1);
		t.write(":room sh");
		t.key("Tab");
		await t.waitFor(() => /:room show\b/.test(last()));
		t.key("Ctrl-U");
		await t.waitFor(() => !last().includes("room"));
		t.write(`room show ${P}-zeb`);
		t.key("Tab");
		await t.waitFor(() => last().includes(`room show ${id}`));
		t.key("Enter");
		await t.waitFor(`› ${id}`);
		assert.equal(await t.exit(), 0);
	});
});

describe("keys", () => {
	test("c, e and D start create, update and delete of the selected room", async () => {
		const { t, order } = await startMine();
		t.write("j");
		await t.waitFor(() => selected(t, order[1]));
		t.write("c");
		await t.waitFor(() => /^:room create /.test(t.row(-1)));
		t.key("Esc");
		await t.waitFor(() => !t.row(-1).startsWith(":"));
		t.write("e");
		await t.waitFor(() => t.row(-1).startsWith(`:room update ${order[1]}`));
		t.key("Esc");
		await t.waitFor(() => !t.row(-1).startsWith(":"));
		t.write("D");
		await t.waitFor(() => t.row(-1).includes(`Delete room ${order[1]}?`));
		t.key("Esc");
		await t.waitFor(/not deleted|cancelled/);
		assert.equal((await getRoom(order[1])).status, 200);
		assert.equal(await t.exit(), 0);
	});

	test("Tab moves the focus off the list and back", async () => {
		const { t, order } = await startMine();
		t.key("Tab");
		t.write("j");
		await t.settle();
		await new Promise((r) => setTimeout(r, 100));
		assert.ok(selected(t, order[0]) || !selected(t, order[1]), "j moved the list without the focus");
		t.key("Tab");
		t.write("j");
		await t.waitFor(() => selected(t, order[1]));
		assert.equal(await t.exit(), 0);
	});

	test("a bind line in the config file changes a key", async () => {
		const home = makeHome();
		const file = path.join(home, ".config", "lbtui", "config");
		fs.writeFileSync(file, "[keys]\nbind rooms x room-create\n", { mode: 0o600 });
		const t = start({ home });
		await ready(t);
		t.write("x");
		await t.waitFor(() => /^:room create /.test(t.row(-1)));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});

	test("NO_COLOR draws without colours; themes change the colours", async () => {
		const colours = (t) => {
			const set = new Set();
			for (let y = 0; y < t.rows; y++) {
				for (let x = 0; x < t.cols; x++) {
					const c = t.cell(x, y);
					if (c && !c.fgDefault)
						set.add(`f${c.fg}`);
					if (c && !c.bgDefault)
						set.add(`b${c.bg}`);
				}
			}
			return [...set].sort().join(",");
		};
		const plain = start({ env: { NO_COLOR: "1" } });
		await ready(plain);
		assert.equal(colours(plain), "", "colours drawn under NO_COLOR");
		assert.equal(await plain.exit(), 0);
		const dark = start();
		await ready(dark);
		const light = start({ args: ["--theme", "light"] });
		await ready(light);
		assert.notEqual(colours(dark), "");
		assert.notEqual(colours(dark), colours(light));
		assert.equal(await dark.exit(), 0);
		assert.equal(await light.exit(), 0);
	});
});

describe("screen", () => {
	test("? shows help made from the keymap and the commands; q closes it", async () => {
		const t = start();
		await ready(t);
		t.write("?");
		await t.waitFor(/Keys everywhere/);
		await t.waitFor(/Move down/);
		await t.waitFor(/Open the command line/);
		t.write("q");
		await ready(t);
		assert.equal(await t.exit(), 0);
	});

	test("resizing at any moment is safe", async () => {
		const t = start();
		await ready(t);
		const sizes = [[80, 24], [130, 40], [60, 15], [20, 5], [200, 60], [100, 30]];
		for (const [c, r] of sizes) {
			t.resize(c, r);
			await t.waitFor((s) => {
				const rows = s.split("\n");
				return rows.length === r && (c < 40 || r < 10 || rows[0].includes("lbtui"));
			});
		}
		await ready(t);
		assert.match(t.row(0), /lbtui/);
		// While the command line is open too.
		t.write(":room sh");
		t.resize(90, 25);
		await t.waitFor((s) => s.split("\n").length === 25 && s.split("\n").at(-1).includes("room sh"));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});

	test("keys typed while the terminal is too small do nothing out of sight", async () => {
		const t = start();
		await ready(t);
		t.resize(25, 4);
		await t.waitFor(/terminal too small/);
		t.write("jD:abc");
		await t.waitIdle();
		t.resize(100, 30);
		await ready(t);
		assert.ok(!/Type its ID|:abc/.test(t.screenText()), t.dump());
		assert.equal(t.row(-1).trim().startsWith(":"), false);
		assert.equal(await t.exit(), 0);
	});

	test("Ctrl-L redraws the same screen", async () => {
		const t = start();
		await ready(t);
		const before = t.screenText();
		t.key("Ctrl-L");
		await t.settle();
		await new Promise((r) => setTimeout(r, 100));
		await t.settle();
		assert.equal(t.screenText(), before);
		assert.equal(await t.exit(), 0);
	});

	test("server strings cannot drive the terminal; wide characters keep columns", async () => {
		const evil = `${P}-x-evil`;
		const wide = `${P}-x-wide`;
		const plain = `${P}-x-plain`;
		await createRoom(stack.url, evil, { metadata: { note: "\x1b[31mRED\x1b]0;pwned\x07\x1b[2J" } });
		await createRoom(stack.url, wide, { metadata: { emoji: "日本語🎉" } });
		await createRoom(stack.url, plain, { metadata: { emoji: "abc" } });
		let titleChanged = false;
		const t = start();
		t.term.onTitleChange(() => (titleChanged = true));
		await ready(t);
		t.command(`:rooms --prefix ${P}-x-`);
		await t.waitFor(evil);
		await t.waitFor(wide);
		await t.waitFor(plain);
		await t.waitIdle();
		assert.ok(!titleChanged, "a server string set the terminal title");
		const y = rowOf(t, evil);
		const row = t.screen()[y];
		const x = row.indexOf("RED");
		assert.ok(x > 0, `the text of the server string is not shown\n${t.dump()}`);
		const c = t.cell(x, y);
		assert.ok(c.fgDefault || c.fg !== 1, "RED was coloured by the server string");
		assert.match(row, /[^\x20-\x7e]|\\|\^|\?/, "no visible placeholder for the escape character");
		// The screen was not cleared by ESC[2J: the title is still there.
		assert.match(t.row(0), /lbtui/);
		// The column after METADATA's neighbours lines up on the wide row.
		const cols = (s) => [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\u{1f300}-\u{1faff}]/u.test(ch) ? 2 : 1), 0);
		const rows = t.screen();
		const wideRow = rows[rowOf(t, wide)];
		const plainRow = rows[rowOf(t, plain)];
		const startOf = (r, text) => cols(r.slice(0, r.indexOf(text)));
		assert.equal(startOf(wideRow, "emoji"), startOf(plainRow, "emoji"), t.dump());
		assert.equal(startOf(wideRow, "private"), startOf(plainRow, "private"), t.dump());
		assert.match(wideRow, /日本語/);
		assert.equal(await t.exit(), 0);
	});
});
