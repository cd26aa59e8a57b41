// Who is in a room and what they broadcast, live over the room's socket:
// the users view (`users ROOM --watch`, u in a room) lists the connections
// with their presence as it changes and notes joins and leaves; the
// broadcast events pane (`events ROOM`, B) logs each event with its sender.
// A real @liveblocks/client is the other side, on the official dev server
// behind the emulator (which proxies the socket and counts the requests).
// --poll, and a refused token, fall back to re-reading GET active_users.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { WebSocketServer } from "ws";
import { startStack } from "../emulator/stack.mjs";
import { LIST_X, SECRET, createRoom, emulatorControl, lbtuiBin, makeHome, rest, runBatch, serverEnv, spawnLbtui, tempDir, uniq } from "./harness.mjs";
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
		// Its presence comes right after the join.
		const row = new RegExp(`^${conn}\\s+\\(anonymous\\)\\s+null\\s+\\{\\}\\s+\\d\\d:\\d\\d:\\d\\d`);
		await t.waitFor(() => row.test(t.row(y).slice(LIST_X)));
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
		// Live: the list is never read through REST.
		assert.equal(await counted("GET", activeUsers(id)), 0);
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
		t.command(`:users ${id} --watch --poll`);
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

describe("broadcast events", () => {
	test("an event a client broadcasts shows with its time, its sender and its JSON; B and u go between the panes", async () => {
		const id = await newRoom();
		const t = start();
		await ready(t);
		t.command(`:users ${id}`);
		await t.waitFor(/live \(push\)/, { timeout: 10000 });
		t.write("B");
		await t.waitFor(/TIME\s+SENDER\s+CONN\s+EVENT/);
		await t.waitFor("No broadcast event since the watch began");
		assert.match(status(t), /0 broadcast events │ live \(push\)/);

		const live = await join(id);
		const conn = String(live.room.getSelf().connectionId);
		live.room.broadcastEvent({ type: "EMOJI", emoji: "🔥", n: 1 });
		await t.waitFor('{"type":"EMOJI","emoji":"🔥","n":1}', { timeout: 8000 });
		const y = rowOf(t, '"EMOJI"');
		assert.match(t.row(y), new RegExp(`\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\s+\\S+\\s+${conn}\\s+\\{`));
		live.room.broadcastEvent({ type: "SECOND" });
		await t.waitFor('{"type":"SECOND"}', { timeout: 8000 });
		// Newest first.
		assert.ok(rowOf(t, "SECOND") < rowOf(t, "EMOJI"));
		assert.match(status(t), /2 broadcast events │ live \(push\)/);

		t.write("u");
		await t.waitFor(/CONN\s+USER\s+INFO\s+PRESENCE/);
		await t.waitFor(/1 connected/);
	});

	test("B opens the events from a room and from its Storage tree", async () => {
		const id = await newRoom();
		const t = start();
		await ready(t);
		t.command(`:room show ${id}`);
		await t.waitFor(/B events/);
		t.write("B");
		await t.waitFor(() => t.row(0).includes(`events ${id}`));
		await t.waitFor(/TIME\s+SENDER\s+CONN\s+EVENT/);
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject/);
		t.write("B");
		// The events view is a place: going there again goes back to it.
		await t.waitFor(() => t.row(0).includes(`events ${id}`) && !t.row(0).includes("storage"));
	});

});

// --- a room server of the test's own: what the dev server cannot send ------

/**
 * A project with one room, "fake-room", whose socket says what the test
 * tells it: REST for what lbtui asks before (rooms, a token), the room's
 * socket on /v8 answering the Storage fetch with an empty document and
 * the room state given. send(messages) reaches every socket; received
 * holds what lbtui sent (text frames).
 */
async function roomServer(roomState) {
	const sockets = new Set();
	const received = [];
	const server = http.createServer((req, res) => {
		const send = (status, body) => {
			res.writeHead(status, { "Content-Type": "application/json" });
			res.end(JSON.stringify(body));
		};
		if (req.headers.authorization !== `Bearer ${SECRET}`)
			return send(403, { error: "INVALID_SECRET_KEY", message: "wrong key" });
		const url = new URL(req.url, "http://localhost");
		if (req.method === "POST" && url.pathname === "/v2/authorize-user") {
			req.resume();
			return req.on("end", () => send(200, { token: "header.payload.signature" }));
		}
		if (url.pathname === "/v2/rooms")
			return send(200, { data: [], nextCursor: null });
		if (url.pathname === "/v2/rooms/fake-room")
			return send(200, {
				type: "room", id: "fake-room", createdAt: "2026-01-01T00:00:00.000Z", lastConnectionAt: null,
				metadata: {}, defaultAccesses: ["room:write"], usersAccesses: {}, groupsAccesses: {},
			});
		if (/\/active[-_]users$/.test(url.pathname))
			return send(200, { data: [] });
		return send(404, { error: "NOT_FOUND", message: "not here" });
	});
	const wss = new WebSocketServer({ noServer: true });
	server.on("upgrade", (req, socket, head) => {
		if (!req.url.startsWith("/v8"))
			return socket.destroy();
		wss.handleUpgrade(req, socket, head, (ws) => {
			sockets.add(ws);
			ws.on("close", () => sockets.delete(ws));
			ws.on("message", (data) => {
				const text = data.toString();
				received.push(text);
				if (text === "ping")
					return ws.send("pong");
				if (text === '[{"type":200}]') {
					ws.send(JSON.stringify([{ type: 104, actor: 1, nonce: "n", scopes: ["room:read"], users: roomState, meta: {} }]));
					ws.send(JSON.stringify([{ type: 210, nodes: [["root", {}]] }]));
					ws.send(JSON.stringify([{ type: 211 }]));
				}
			});
		});
	});
	await new Promise((r) => server.listen(0, "127.0.0.1", r));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		received,
		sockets: () => sockets.size,
		send(messages) {
			for (const ws of sockets)
				ws.send(JSON.stringify(messages));
		},
		async close() {
			for (const ws of sockets)
				ws.terminate();
			wss.close();
			await new Promise((r) => server.close(r));
		},
	};
}

describe("a room server of the test's own", () => {
	test("an event sent through the REST API (actor -1) shows as such; the watcher only fetches and pings", async () => {
		const fake = await roomServer({ 5: { id: "bot-5", info: { name: "Bot" } }, 6: { id: "lbtui", info: {} } });
		try {
			const t = start(fake.url);
			await t.waitFor(/ 0 rooms │|No rooms/);
			t.command(":events fake-room");
			await t.waitFor(/0 broadcast events │ live \(push\)/, { timeout: 10000 });
			fake.send([{ type: 103, actor: -1, event: { type: "FROM_REST", text: "\u001b[31mred" } }]);
			await t.waitFor(/REST API\s+-\s+\{"type":"FROM_REST"/);
			assert.doesNotMatch(t.screenText(), /\u001b/);
			fake.send([{ type: 103, actor: 5, event: { type: "FROM_BOT" } }]);
			await t.waitFor(/bot-5\s+5\s+\{"type":"FROM_BOT"\}/);
			// A new event's time stands out for a few seconds (the cursor
			// is on the newest: the one below it shows it).
			const restRow = rowOf(t, "FROM_REST");
			assert.ok(!t.cell(LIST_X, restRow).bgDefault, "a new event stands out");
			await t.waitFor(() => t.cell(LIST_X, rowOf(t, "FROM_REST")).bgDefault, { timeout: 5000 });
			// The REST row in its own colour, the user's as an ID.
			const rest = cellAt(t, "REST API"), bot = cellAt(t, "bot-5");
			assert.notDeepEqual([rest.fg, rest.fgDefault], [bot.fg, bot.fgDefault]);
			// The detail pane of the REST event.
			t.write("j");
			await t.waitFor(/Sender\s+the REST API/);

			// The user the room state names is listed; presence and a
			// leave come as they happen.
			t.write("u");
			await t.waitFor(/5\s+bot-5\s+\{"name":"Bot"\}\s+null\s+before/);
			// Another lbtui (a token for watch_user) is said to be one.
			await t.waitFor(/6\s+lbtui \(watcher\)\s+\{\}\s+null\s+before/);
			const w = cellAt(t, "lbtui (watcher)");
			assert.ok(w.dim, `a watcher is muted: ${JSON.stringify(w)}`);
			t.write("j");
			await t.waitFor(/User\s+lbtui \(watcher\)/);
			fake.send([{ type: 100, actor: 5, targetActor: 1, data: { cursor: 3 } }]);
			await t.waitFor(/5\s+bot-5\s+\{"name":"Bot"\}\s+\{"cursor":3\}/);
			// Highlighted as it changes, plain again two seconds later
			// with nothing else happening.
			assert.ok(!cellAt(t, '{"cursor":3}').bgDefault);
			await t.waitFor(() => cellAt(t, '{"cursor":3}').bgDefault, { timeout: 4000 });
			fake.send([{ type: 101, actor: 8, id: "late-8", info: {} }]);
			await t.waitFor(/\+ joined late-8 \(connection 8\)/);
			await t.waitFor(/3 connected │ \+1 −0 │ live \(push\)/);
			fake.send([{ type: 102, actor: 5 }]);
			await t.waitFor(/− left\s+bot-5 \(connection 5\)/);
			await t.waitFor(/2 connected │ \+1 −1 │ live \(push\)/);
			assert.deepEqual([...new Set(fake.received)].sort(), ["[{\"type\":200}]"].concat(fake.received.includes("ping") ? ["ping"] : []).sort());
		} finally {
			await fake.close();
		}
	});
});

// --- without the screen: a line each until Ctrl-C ----------------------------

/**
 * lbtui -e LINE left running: its stdout lines as they come (until(re)
 * waits for one), and stop() sends SIGINT and resolves {code, stdout,
 * stderr} once it exits. A sanitizer report fails the test.
 */
function streamBatch(args, env) {
	const home = makeHome();
	const san = tempDir("lbtui-san-");
	const child = spawn(lbtuiBin(), args, {
		env: {
			PATH: process.env.PATH,
			LANG: "C.UTF-8",
			LC_ALL: "C.UTF-8",
			HOME: home,
			XDG_CONFIG_HOME: path.join(home, ".config"),
			ASAN_OPTIONS: `log_path=${path.join(san, "asan")}`,
			UBSAN_OPTIONS: `log_path=${path.join(san, "ubsan")}:print_stacktrace=1`,
			...env,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "", stderr = "";
	child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
	child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
	const exited = new Promise((r) => child.on("close", (code, signal) => r({ code, signal })));
	return {
		lines: () => stdout.split("\n").filter(Boolean),
		stderr: () => stderr,
		async until(re, timeout = 10000) {
			const deadline = Date.now() + timeout;
			while (!re.test(stdout)) {
				if (Date.now() > deadline)
					throw new Error(`no ${re} in ${timeout} ms; stdout:\n${stdout}\nstderr:\n${stderr}`);
				await new Promise((r) => setTimeout(r, 20));
			}
		},
		async stop() {
			child.kill("SIGINT");
			const { code } = await Promise.race([exited, new Promise((_, no) => setTimeout(() => no(new Error("lbtui did not stop on SIGINT")), 10000))]);
			const reports = fs.readdirSync(san).map((f) => fs.readFileSync(path.join(san, f), "utf8")).join("\n");
			assert.equal(reports, "", "sanitizer report");
			return { code, stdout, stderr };
		},
	};
}

describe("without the screen", () => {
	test("users ROOM --watch prints who is there, joins, presence and leaves as they come; JSON Lines with --json", async () => {
		const id = await newRoom();
		const first = await join(id);
		first.room.updatePresence({ here: true });
		await first.synced();
		const a = first.room.getSelf().connectionId;
		const text = streamBatch(["-e", `users ${id} --watch`], serverEnv(stack.url));
		const json = streamBatch(["--json", "-e", `users ${id} --watch`], serverEnv(stack.url));
		// There before the watch; its presence comes with it, or right
		// after (the client sends it to each newcomer).
		await text.until(new RegExp(`here +\\(anonymous\\) \\(connection ${a}\\)  info null  presence `));
		await text.until(new RegExp(`(here|presence) +\\(anonymous\\) \\(connection ${a}\\) .*presence \\{"here":true\\}`));
		await json.until(/"type":"here"/);
		const second = await join(id);
		const b = second.room.getSelf().connectionId;
		await text.until(new RegExp(`joined +\\(anonymous\\) \\(connection ${b}\\)`));
		second.room.updatePresence({ cursor: { x: 1 } });
		await text.until(new RegExp(`presence +\\(anonymous\\) \\(connection ${b}\\)  presence \\{"cursor":\\{"x":1\\}\\}`));
		await second.leave();
		await text.until(new RegExp(`left +\\(anonymous\\) \\(connection ${b}\\)`));
		await json.until(/"type":"left"/);
		const t = await text.stop();
		assert.equal(t.code, 130);
		assert.match(t.stderr, /watching who is connected to .* through the room's socket \(Ctrl-C stops\)/);
		assert.match(t.stderr, /interrupted by SIGINT/);
		for (const l of t.stdout.trim().split("\n"))
			assert.match(l, /^\d\d:\d\d:\d\d\.\d{3}  (here|joined|left|presence) /);
		const j = await json.stop();
		// The other lbtui is a connection too, as watch_user.
		const all = j.stdout.trim().split("\n").map((l) => JSON.parse(l));
		assert.ok(all.some((o) => o.id === "lbtui"), j.stdout);
		const objs = all.filter((o) => o.connectionId === a || o.connectionId === b);
		assert.deepEqual(objs.map((o) => o.type).filter((x) => x !== "presence"), ["here", "joined", "left"]);
		assert.deepEqual(objs[0], { time: objs[0].time, type: "here", connectionId: a, id: null, info: null, presence: objs[0].presence });
		assert.ok(objs.some((o) => o.connectionId === a && o.presence?.here === true), j.stdout);
		assert.match(objs[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		assert.ok(objs.some((o) => o.type === "presence" && o.connectionId === b && o.presence?.cursor?.x === 1), j.stdout);
		// Through the socket alone: the list was never read through REST.
		assert.equal(await counted("GET", activeUsers(id)), 0);
	});

	test("users ROOM --watch with a refused token says why, then prints what re-reads show", async () => {
		const id = await newRoom();
		await emulatorControl(stack, "POST", "/faults", { method: "POST", path: "/v2/authorize-user", type: "status", status: 403 });
		const s = streamBatch(["-e", `users ${id} --watch`], serverEnv(stack.url));
		for (let i = 0; !/nobody is connected yet/.test(s.stderr()); i++) {
			if (i > 500)
				throw new Error(`no first re-read:\n${s.stderr()}`);
			await new Promise((r) => setTimeout(r, 20));
		}
		const live = await join(id);
		const conn = live.room.getSelf().connectionId;
		await s.until(new RegExp(`joined +\\(anonymous\\) \\(connection ${conn}\\)`));
		const r = await s.stop();
		assert.equal(r.code, 130);
		assert.match(r.stderr, /403/);
	});

	test("users ROOM --watch --poll prints joins and leaves between re-reads", async () => {
		const id = await newRoom();
		const s = streamBatch(["-e", `users ${id} --watch --poll`], serverEnv(stack.url));
		await s.until(/./, 100).catch(() => {});
		await new Promise((r) => setTimeout(r, 1200));
		const live = await join(id);
		const conn = live.room.getSelf().connectionId;
		await s.until(new RegExp(`joined +\\(anonymous\\) \\(connection ${conn}\\)  info \\{\\}`));
		await live.leave();
		await s.until(new RegExp(`left +\\(anonymous\\) \\(connection ${conn}\\)`));
		const r = await s.stop();
		assert.equal(r.code, 130);
		assert.match(r.stderr, /polling \(--poll\)/);
		assert.match(r.stderr, /\(nobody is connected yet\)/);
		assert.doesNotMatch(r.stdout, /here/);
	});

	test("events ROOM prints each broadcast event with its sender", async () => {
		const id = await newRoom();
		const s = streamBatch(["-e", `events ${id}`], serverEnv(stack.url));
		const j = streamBatch(["--json", "-e", `events ${id}`], serverEnv(stack.url));
		await new Promise((r) => setTimeout(r, 300));
		const live = await join(id);
		const conn = live.room.getSelf().connectionId;
		// Sent until both watchers have one: they may still be connecting.
		for (let i = 0; !/WAVE/.test(s.lines().join()) || !/WAVE/.test(j.lines().join()); i++) {
			if (i > 100)
				throw new Error(`no event printed:\n${s.stderr()}\n${j.stderr()}`);
			live.room.broadcastEvent({ type: "WAVE", i });
			await new Promise((r) => setTimeout(r, 100));
		}
		const r = await s.stop();
		assert.equal(r.code, 130);
		assert.match(r.stdout, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  \\(anonymous\\) \\(connection ${conn}\\)  \\{"type":"WAVE","i":\\d+\\}$`, "m"));
		const o = JSON.parse((await j.stop()).stdout.trim().split("\n")[0]);
		assert.deepEqual(o, { time: o.time, sender: "user", connectionId: conn, id: null, event: o.event });
		assert.equal(o.event.type, "WAVE");
	});

	test("events ROOM of a room that does not exist says so", async () => {
		const r = await runBatch(["-e", `events ${uniq("nowhere")}`], serverEnv(stack.url));
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /events come only over the room's socket: .*the room does not exist/);
	});

	test("events ROOM without a socket says why and stops", async () => {
		const id = await newRoom();
		await emulatorControl(stack, "POST", "/faults", { method: "POST", path: "/v2/authorize-user", type: "status", status: 403 });
		const r = await runBatch(["-e", `events ${id}`], serverEnv(stack.url));
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /events come only over the room's socket: .*403/);
	});
});

describe("a room server of the test's own, without the screen", () => {
	test("events ROOM prints an event of the REST API as such, in text and JSON", async () => {
		const fake = await roomServer({});
		try {
			const text = streamBatch(["-e", "events fake-room"], serverEnv(fake.url));
			const json = streamBatch(["--json", "-e", "events fake-room"], serverEnv(fake.url));
			for (let i = 0; fake.sockets() < 2; i++) {
				if (i > 200)
					throw new Error("the watchers did not connect");
				await new Promise((r) => setTimeout(r, 20));
			}
			await new Promise((r) => setTimeout(r, 200));
			fake.send([{ type: 103, actor: -1, event: { type: "FROM_REST", text: "\u001b[31mred" } }]);
			await text.until(/REST API/);
			await json.until(/FROM_REST/);
			const t = await text.stop();
			assert.match(t.stdout, /^\d\d:\d\d:\d\d\.\d{3}  REST API  \{"type":"FROM_REST","text":"\\u001b\[31mred"\}$/m);
			assert.doesNotMatch(t.stdout, /\u001b/);
			const o = JSON.parse((await json.stop()).stdout.trim());
			assert.deepEqual(o, { time: o.time, sender: "rest-api", connectionId: null, id: null, event: { type: "FROM_REST", text: "\u001b[31mred" } });
		} finally {
			await fake.close();
		}
	});
});

