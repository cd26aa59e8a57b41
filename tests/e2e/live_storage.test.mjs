// Storage watched live by push, through lbtui itself: `storage ROOM --watch`
// on the command line (the op log, JSON Lines with --json) and on the
// screen (w in the tree), while real @liveblocks/client clients change
// Storage. Every op the SDK can make lands; after each burst the live tree
// is what a REST re-read gives; who made a change is said; nothing polls
// while the socket pushes; a dropped socket, an expired token and a refusal
// are handled as the protocol says; --poll and watch = poll poll.

import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";

import { startStack } from "../emulator/stack.mjs";
import { SECRET, createRoom, lbtuiBin, makeHome, rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";
import { openLiveRoom, LiveList, LiveMap, LiveObject } from "./live.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let stack;
const running = [];
before(async () => {
	stack = await startStack();
});
after(async () => {
	for (const p of running.splice(0)) await p.close?.();
	await stack?.stop();
});

async function emu(method, p, body) {
	const r = await fetch(`${stack.url}/__emulator${p}`, {
		method,
		headers: body ? { "Content-Type": "application/json" } : {},
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await r.text();
	assert.ok(r.status < 300, `${method} /__emulator${p}: ${r.status} ${text}`);
	return text ? JSON.parse(text) : null;
}
const count = async (method, p) => (await emu("GET", `/requests?method=${method}&path=${encodeURIComponent(p)}`)).count;

async function roomWith(data, base = stack.devUrl) {
	const id = uniq("live");
	await createRoom(base, id, { defaultAccesses: ["room:write"] });
	const r = await rest(base, "POST", `/v2/rooms/${id}/storage`, { liveblocksType: "LiveObject", data });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return id;
}

function homeWith(config) {
	const home = makeHome();
	fs.writeFileSync(path.join(home, ".config", "lbtui", "config"), config, { mode: 0o600 });
	return home;
}

/**
 * `lbtui -e 'storage ROOM --watch ...' --json` running: its op lines as
 * they come (ops), its notes (notes), until(pred) and stop().
 */
function watchBatch(room, { base = stack.url, extra = "", home, env = {} } = {}) {
	const args = ["-e", `storage ${room} --watch${extra}`, "--json"];
	const child = spawn(lbtuiBin(), args, {
		env: {
			...process.env,
			...serverEnv(base),
			HOME: home ?? makeHome(),
			...(home ? { XDG_CONFIG_HOME: path.join(home, ".config"), XDG_STATE_HOME: path.join(home, ".local", "state") } : {}),
			...env,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	const w = { child, ops: [], notes: [], stderr: "" };
	const waiters = [];
	const wake = () => waiters.splice(0).forEach((f) => f());
	createInterface({ input: child.stdout }).on("line", (l) => {
		w.ops.push(JSON.parse(l));
		wake();
	});
	createInterface({ input: child.stderr }).on("line", (l) => {
		w.notes.push(l);
		w.stderr += l + "\n";
		wake();
	});
	const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
	w.until = async (pred, what, timeout = 10000) => {
		const deadline = Date.now() + timeout;
		for (;;) {
			if (pred(w)) return;
			if (Date.now() > deadline)
				throw new Error(`no ${what} in ${timeout} ms; ops ${JSON.stringify(w.ops.slice(-5))}; stderr ${w.stderr}`);
			await new Promise((r) => {
				waiters.push(r);
				setTimeout(r, 50);
			});
		}
	};
	w.stop = async () => {
		child.kill("SIGINT");
		const r = await exited;
		assert.doesNotMatch(w.stderr, /AddressSanitizer|runtime error|LeakSanitizer/, w.stderr);
		return r;
	};
	w.close = async () => {
		if (child.exitCode === null) child.kill("SIGKILL");
	};
	running.push(w);
	return w;
}

const live = (w) => w.until((x) => x.notes.some((n) => /watching the Storage/.test(n)), "start note");

describe("storage ROOM --watch on the command line (through the emulator)", () => {
	test("ten seconds live: every op printed once, with path, old and new value; one socket, no Storage GET", async () => {
		const room = await roomWith({ n: 0 });
		const alice = await openLiveRoom(stack.devUrl, room, { userId: "alice" });
		try {
			await emu("DELETE", "/requests");
			const w = watchBatch(room);
			await live(w);
			await sleep(500); // the socket is open and Storage came
			const started = Date.now();
			let i = 0;
			while (Date.now() - started < 10000) {
				alice.root.set("n", ++i);
				await alice.synced();
				await sleep(400);
			}
			await w.until((x) => x.ops.filter((o) => o.path === "/n").length === i, `${i} ops`);
			assert.equal(await count("GET", "/v2/rooms/*/storage"), 0, "no Storage GET while live");
			assert.equal(await count("GET", "/v8"), 1, "one socket");
			assert.equal(await count("POST", "/v2/authorize-user"), 1, "one token");
			const ns = w.ops.filter((o) => o.path === "/n");
			assert.deepEqual(ns.map((o) => o.after), Array.from({ length: i }, (_, k) => k + 1));
			assert.deepEqual(ns.map((o) => o.before), Array.from({ length: i }, (_, k) => k));
			for (const o of ns) {
				assert.equal(o.op, "set");
				assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
				assert.equal(o.user, "alice", "the only writer");
				assert.equal(o.guessed, true);
			}
			const r = await w.stop();
			assert.equal(r.code, 130);
		} finally {
			await alice.leave();
		}
	});

	test("one message of more ops than the op log keeps (1,024 for a printer): every op is printed", async () => {
		const room = await roomWith({ list: { liveblocksType: "LiveList", data: [] } });
		const alice = await openLiveRoom(stack.devUrl, room, { timeout: 60000 });
		try {
			const w = watchBatch(room);
			await live(w);
			await sleep(500);
			const N = 3000;
			alice.room.batch(() => {
				const l = alice.root.get("list");
				for (let i = 0; i < N; i++) l.push(i);
			});
			await alice.synced(); // the dev server takes a while over thousands of ops
			await w.until((x) => x.ops.length >= N, `${N} ops`, 60000);
			assert.equal(w.ops.length, N);
			assert.equal(new Set(w.ops.map((o) => o.message)).size, 1, "one message");
			assert.deepEqual(w.ops.map((o) => o.serial), Array.from({ length: N }, (_, i) => i + 1));
			assert.equal(w.ops[N - 1].path, `/list/${N - 1}`);
			assert.doesNotMatch(w.stderr, /faster than they could be printed/);
			await w.stop();
		} finally {
			await alice.leave();
		}
	});

	test("who: a client's presence in the same frame names it; with two writers a bare change is not pinned on anyone", async () => {
		const room = await roomWith({ n: 0 });
		const alice = await openLiveRoom(stack.devUrl, room, { userId: "alice" });
		const bob = await openLiveRoom(stack.devUrl, room, { userId: "bob" });
		try {
			const w = watchBatch(room);
			await live(w);
			await sleep(500);
			// Presence and Storage together: one flush, one frame.
			alice.room.batch(() => {
				alice.room.updatePresence({ cursor: { x: 1 } });
				alice.root.set("by", "alice");
			});
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.path === "/by"), "alice's op");
			const a = w.ops.find((o) => o.path === "/by");
			assert.equal(a.user, "alice");
			assert.equal(a.guessed, undefined, "said, not guessed");
			assert.equal(typeof a.actor, "number");
			bob.root.set("n", 7);
			await bob.synced();
			await w.until((x) => x.ops.some((o) => o.path === "/n"), "bob's op");
			const b = w.ops.find((o) => o.path === "/n");
			assert.equal(b.user, null, "two writers: not told");
			assert.equal(b.actor, null);
			await w.stop();
		} finally {
			await alice.leave();
			await bob.leave();
		}
	});

	test("a dropped socket opens again and Storage is fetched again; an expired token (4109) is renewed", async () => {
		const room = await roomWith({ n: 0 });
		const alice = await openLiveRoom(stack.devUrl, room);
		try {
			await emu("DELETE", "/requests");
			const w = watchBatch(room);
			await live(w);
			await sleep(500);
			alice.root.set("n", 1);
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.after === 1), "first op");

			assert.ok((await emu("POST", "/sockets/drop")).dropped >= 1);
			await w.until((x) => x.notes.some((n) => /connecting again/.test(n)), "the reconnection note");
			for (let k = 0; k < 100 && (await count("GET", "/v8")) < 2; k++) await sleep(50);
			assert.equal(await count("GET", "/v8"), 2, w.stderr);
			await sleep(500);
			alice.root.set("n", 2);
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.after === 2), "an op after the reconnection");

			const closed = await emu("POST", "/sockets/close?code=4109");
			assert.ok(closed.closed >= 1);
			await w.until((x) => x.notes.some((n) => /token expired/.test(n)), "the token note");
			for (let k = 0; k < 100 && (await count("POST", "/v2/authorize-user")) < 2; k++) await sleep(50);
			assert.equal(await count("POST", "/v2/authorize-user"), 2, "a new token");
			await sleep(800);
			alice.root.set("n", 3);
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.after === 3), "an op after the new token");
			assert.equal(await count("GET", "/v2/rooms/*/storage"), 0, "still no Storage GET");
			await w.stop();
		} finally {
			await alice.leave();
		}
	});

	test("a server close (1011) reconnects; a token expiry whose new token is refused falls back to polling", async () => {
		const room = await roomWith({ n: 0 });
		const alice = await openLiveRoom(stack.devUrl, room);
		try {
			await emu("DELETE", "/requests");
			const w = watchBatch(room);
			await live(w);
			await sleep(500);
			await emu("POST", "/sockets/close?code=1011");
			await w.until((x) => x.notes.some((n) => /the server closed the room's socket \(1011\): connecting again/.test(n)), "the reconnection note");
			for (let k = 0; k < 100 && (await count("GET", "/v8")) < 2; k++) await sleep(50);
			await sleep(500);
			alice.root.set("n", 1);
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.after === 1), "an op after the reconnection");

			await emu("POST", "/faults", { method: "POST", path: "/v2/authorize-user", type: "status", status: 403, count: 1 });
			await emu("POST", "/sockets/close?code=4109");
			await w.until((x) => x.notes.some((n) => /no push \(could not get a token: .*403.*\): polling instead/.test(n)), "the fallback note");
			// The first re-read is what later ones are compared with.
			for (let k = 0; k < 100 && (await count("GET", "/v2/rooms/*/storage")) < 2; k++) await sleep(50);
			alice.root.set("n", 2);
			await alice.synced();
			await w.until((x) => x.ops.some((o) => o.op === "changed" && o.path === "/n" && o.after === 2), "a polled change");
			await w.stop();
		} finally {
			await alice.leave();
		}
	});

	test("a refused token falls back to polling and says why once", async () => {
		const room = await roomWith({ n: 0 });
		await emu("POST", "/faults", { method: "POST", path: "/v2/authorize-user", type: "status", status: 403, count: 1 });
		await emu("DELETE", "/requests");
		const w = watchBatch(room);
		await w.until((x) => x.notes.some((n) => /no push \(could not get a token: .*403.*\): polling instead/.test(n)), "the fallback note");
		await sleep(1500);
		assert.ok((await count("GET", "/v2/rooms/*/storage")) >= 1, "it polls");
		assert.equal(await count("GET", "/v8"), 0, "no socket");
		assert.equal((await rest(stack.url, "PATCH", `/v2/rooms/${room}/storage/json-patch`, [{ op: "replace", path: "/n", value: 5 }])).status, 200);
		await w.until((x) => x.ops.some((o) => o.path === "/n" && o.op === "changed" && o.after === 5), "a polled change");
		assert.equal(w.notes.filter((n) => /polling instead/.test(n)).length, 1, "said once");
		await w.stop();
	});

	test("a server refusal (4001) falls back to polling", async () => {
		const room = await roomWith({ n: 0 });
		const w = watchBatch(room);
		await live(w);
		await sleep(600);
		await emu("POST", "/sockets/close?code=4001");
		await w.until((x) => x.notes.some((n) => /no push \(the server closed the room's socket \(4001\)\): polling instead/.test(n)), "the fallback note");
		await sleep(1500); // the first re-read, which later ones are compared with
		assert.equal((await rest(stack.url, "PATCH", `/v2/rooms/${room}/storage/json-patch`, [{ op: "add", path: "/m", value: 1 }])).status, 200);
		await w.until((x) => x.ops.some((o) => o.path === "/m" && o.op === "added"), "a polled change");
		await w.stop();
	});

	test("--poll and watch = poll re-read instead of opening the socket", async () => {
		const room = await roomWith({ n: 0 });
		for (const how of ["flag", "config"]) {
			await emu("DELETE", "/requests");
			const w =
				how === "flag"
					? watchBatch(room, { extra: " --poll" })
					: watchBatch(room, { home: homeWith("watch = poll\n") });
			await w.until((x) => x.notes.some((n) => (how === "flag" ? /polling \(--poll\)/ : /polling \(watch = poll in the config\)/).test(n)), "the polling note");
			await sleep(2300);
			assert.ok((await count("GET", "/v2/rooms/*/storage")) >= 2, `${how}: it re-reads`);
			assert.equal(await count("GET", "/v8"), 0, `${how}: no socket`);
			assert.equal(await count("POST", "/v2/authorize-user"), 0, `${how}: no token`);
			await w.stop();
		}
	});

	test("a room that does not exist is not created by watching it: exit 1 with the server's 404", async () => {
		const room = uniq("nosuch");
		await emu("DELETE", "/requests");
		const w = watchBatch(room);
		const r = await new Promise((res) => w.child.on("exit", (code) => res(code)));
		assert.equal(r, 1, w.stderr);
		assert.match(w.stderr, /no push \(the room does not exist\)/);
		assert.match(w.stderr, /404/);
		assert.equal(await count("GET", "/v8"), 0, "no socket");
		assert.equal(await count("POST", "/v2/authorize-user"), 0, "no token");
		assert.equal((await rest(stack.devUrl, "GET", `/v2/rooms/${room}`)).status, 404, "still no room");
	});

	test("watch_user names the watcher's token user; the watcher is invisible to the app's clients", async () => {
		const room = await roomWith({ n: 0 });
		const alice = await openLiveRoom(stack.devUrl, room, { userId: "alice" });
		try {
			const home = homeWith(`profile = p\n[profile p]\nsecret = ${SECRET}\nbase_url = ${stack.url}\nwatch_user = ops-watcher\n`);
			const w = watchBatch(room, { home, env: { LIVEBLOCKS_SECRET_KEY: "", LIVEBLOCKS_BASE_URL: "" } });
			await live(w);
			let users = [];
			for (let k = 0; k < 50; k++) {
				users = (await rest(stack.devUrl, "GET", `/v2/rooms/${room}/active_users`)).body.data.map((u) => u.id);
				if (users.includes("ops-watcher")) break;
				await sleep(100);
			}
			assert.ok(users.includes("ops-watcher"), JSON.stringify(users));
			// It never sends presence: the app's clients do not list it.
			await sleep(300);
			assert.equal(alice.room.getOthers().length, 0, JSON.stringify(alice.room.getOthers()));
			await w.stop();
		} finally {
			await alice.leave();
		}
	});
});

describe("w in the Storage tree (official dev server)", () => {
	function start(opts = {}) {
		const t = spawnLbtui({ cols: 110, rows: 32, ...opts, env: serverEnv(stack.devUrl, opts.env || {}) });
		running.push(t);
		return t;
	}

	// Press r and wait for the check's answer (they are numbered).
	async function checked(t, n) {
		t.write("r");
		await t.waitFor(new RegExp(`check ${n}: `), { timeout: 8000 });
		assert.match(t.row(-1), new RegExp(`check ${n}: the live tree is what a re-read of Storage gives`), t.dump());
	}

	test("every op the SDK makes lands in the tree; after each burst the live tree is what a re-read gives", async () => {
		const room = await roomWith({ n: 0, burst: 0 });
		const c = await openLiveRoom(stack.devUrl, room, { userId: "alice" });
		try {
			const t = start();
			await t.waitFor(/ \d+\+? rooms │/);
			t.command(`:storage ${room}`);
			await t.waitFor(/root LiveObject 2 keys/);
			t.write("w");
			await t.waitFor(() => /\[live \(push\)\]/.test(t.row(1)));
			assert.match(t.row(-2), /ops\/s/);
			let burst = 0;
			let checks = 0;
			const step = async (what, fn) => {
				fn();
				c.root.set("burst", ++burst);
				await c.synced();
				await t.waitFor(new RegExp(`burst number ${burst}\\b`), { timeout: 5000 });
				await checked(t, ++checks);
			};
			await step("object set and delete key", () => {
				c.root.set("title", "hello");
				c.root.set("tmp", 1);
				c.root.delete("tmp");
			});
			await step("nested create", () =>
				c.root.set("obj", new LiveObject({ a: 1, list: new LiveList([1, 2]), map: new LiveMap([["k", new LiveObject({ v: 1 })]]) })),
			);
			const list = () => c.root.get("obj").get("list");
			const map = () => c.root.get("obj").get("map");
			await step("list push", () => list().push(3));
			await step("list insert", () => list().insert(0, 0));
			await step("list move", () => list().move(0, 3));
			await step("list set", () => list().set(1, 10));
			await step("list delete", () => list().delete(2));
			await step("map set", () => map().set("k2", 2));
			await step("map delete", () => map().delete("k"));
			await step("a batch of several ops", () =>
				c.room.batch(() => {
					c.root.set("n", 5);
					list().push(4);
					map().set("k3", new LiveObject({ z: 1 }));
					c.root.get("obj").set("a", 2);
				}),
			);
			assert.doesNotMatch(t.output, /disagree/);
			// The op log: who, then each op with old → new, the newest message first.
			t.write("gL");
			await t.waitFor(/changes \//);
			const log = t.screenText();
			assert.match(log, /alice \(connection \d+\)/);
			assert.match(log, /set +\/burst: \d+ → \d+/);
			t.write("q");
			await t.waitFor(/root LiveObject/);
		} finally {
			await c.leave();
		}
	});

	test("storage ROOM --watch opens live: a change is highlighted, removed rows stay, L names who did it", async () => {
		const room = await roomWith({ counter: 1, extra: "x" });
		const c = await openLiveRoom(stack.devUrl, room, { userId: "alice" });
		try {
			const t = start();
			await t.waitFor(/ \d+\+? rooms │/);
			t.command(`:storage ${room} --watch`);
			await t.waitFor(/counter number 1/);
			await t.waitFor(() => /\[live \(push\)\]/.test(t.row(1)));
			c.root.set("counter", 42);
			c.root.delete("extra");
			await c.synced();
			await t.waitFor(/counter number 42/, { timeout: 3000 });
			await t.waitFor(/extra deleted \d+s ago/, { timeout: 3000 });
			const y = t.screen().findIndex((r) => /counter number 42/.test(r));
			assert.ok(!t.cell(t.screen()[y].indexOf("counter"), y).bgDefault, "changed key highlighted");
			assert.match(t.row(-2), /2 changes, 1 deleted/);
			t.write("gL");
			await t.waitFor(/changes \//);
			assert.match(t.screenText(), /\d\d:\d\d:\d\d\.\d{3}  alice \(connection \d+\)/);
			assert.match(t.screenText(), /set +\/counter: 1 → 42/);
			assert.match(t.screenText(), /delete +\/extra: "x" → ∅/);
			t.write("q");
			// w stops it; the tree stays.
			t.write("w");
			await t.waitFor(/watch off/);
			await t.waitForGone(() => /\[live/.test(t.row(1)));
			assert.match(t.screenText(), /counter number 42/);
		} finally {
			await c.leave();
		}
	});

	test("an edit from the tree while watching live shows in the live tree (a server that does not push REST changes is caught up)", async () => {
		const room = await roomWith({ counter: 1 });
		const t = start();
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:storage ${room} --watch`);
		await t.waitFor(/counter number 1/);
		await t.waitFor(() => /\[live \(push\)\]/.test(t.row(1)));
		t.write("j");
		await t.waitIdle();
		t.write("e");
		await t.waitFor(() => t.row(-1).includes(`:storage set ${room} /counter 1`));
		t.key("Backspace");
		t.command("5");
		await t.waitFor(/Apply this change\? \[y\/N\]/);
		t.write("y");
		await t.waitFor(/counter number 5/, { timeout: 8000 });
		assert.match(t.row(1), /\[live \(push\)\]/);
		// And it is the live tree, not a re-read shown over it: a client's
		// next change lands on top of it.
		const c = await openLiveRoom(stack.devUrl, room);
		try {
			c.root.set("other", 1);
			await c.synced();
			await t.waitFor(/other number 1/, { timeout: 3000 });
			assert.match(t.screenText(), /counter number 5/);
		} finally {
			await c.leave();
		}
	});
});
