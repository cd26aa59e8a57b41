// The network misbehaving under lbtui, end to end: a change whose
// connection dies goes out once and says that its outcome is unknown; a
// server that never answers is reported with the limit it ran into.

import assert from "node:assert/strict";
import net from "node:net";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

const UNSURE =
	/outcome unknown: no answer from 127\.0\.0\.1:\d+: the connection closed after the request was sent, so it may or may not have been applied; check before trying again/;

describe("a change goes out at most once", () => {
	let stack, env;
	const room = uniq("once");
	const running = [];

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url);
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});
	afterEach(async () => {
		for (const t of running.splice(0))
			await t.close();
	});

	async function control(method, p, body) {
		const r = await fetch(stack.control + p, {
			method,
			headers: body ? { "Content-Type": "application/json" } : {},
			body: body ? JSON.stringify(body) : undefined,
		});
		const text = await r.text();
		assert.ok(r.ok, `${method} ${p}: ${r.status} ${text}`);
		return text ? JSON.parse(text) : null;
	}
	const count = async (method, route) =>
		(await control("GET", `/requests?method=${method}&path=${encodeURIComponent(route)}`)).count;
	// The server does the change, then closes the connection without an answer.
	const dropAfter = (method, path) => control("POST", "/faults", { method, path, type: "drop", after: true, count: 1 });

	afterEach(async () => {
		await control("DELETE", "/faults");
		await control("DELETE", "/requests");
	});

	// `room show` first leaves a kept-alive connection for the change to take.
	test("room broadcast on a connection that closes under it: sent once, outcome unknown", async () => {
		await dropAfter("POST", "/v2/rooms/:roomId/broadcast-event");
		const r = await runBatch(["-e", `room show ${room}`, "-e", `room broadcast ${room} '{"kind":"ping"}'`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, UNSURE);
		assert.equal(await count("POST", "/v2/rooms/:roomId/broadcast-event"), 1);
		assert.equal(await count("GET", "/v2/rooms/:roomId"), 1);
	});

	test("room create on a connection that closes under it: sent once, the room made once", async () => {
		const id = uniq("once-new");
		await dropAfter("POST", "/v2/rooms");
		const r = await runBatch(["-e", `room show ${room}`, "-e", `room create ${id}`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, UNSURE);
		assert.equal(await count("POST", "/v2/rooms"), 1);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 200, "the server did create it");
	});

	test("D on the screen, the connection closes under the DELETE: sent once, told, still running", async () => {
		const id = uniq("once-del");
		await createRoom(stack.url, id);
		const t = spawnLbtui({ cols: 180, rows: 24, env });
		running.push(t);
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:rooms --prefix ${id}`);
		await t.waitFor(/rooms \[/);
		await t.waitFor(id);
		await t.waitIdle();
		await dropAfter("DELETE", "/v2/rooms/:roomId");
		t.write("D");
		await t.waitFor(() => t.row(-1).includes(`Delete room ${id}?`));
		t.command(id);
		await t.waitFor(UNSURE, { timeout: 10000 });
		assert.equal(await count("DELETE", "/v2/rooms/:roomId"), 1);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 404, "the server did delete it");
		// Still running and usable.
		t.command(`:room show ${room}`);
		await t.waitFor(`› ${room}`);
		assert.equal(await t.exit(), 0);
	});
});

describe("a server that never answers", () => {
	let stack, env;
	const room = uniq("stall");

	before(async () => {
		stack = await startStack();
		env = serverEnv(stack.url, { LBTUI_TIMEOUT: "1" });
		await createRoom(stack.url, room);
	});
	after(async () => {
		if (stack)
			await stack.stop();
	});

	const fault = (rule) =>
		fetch(stack.control + "/faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) }).then((r) => r.text());
	afterEach(() => fetch(stack.control + "/faults", { method: "DELETE" }));

	// "(ran 1.2 s)": the seconds.
	function ran(stderr) {
		const m = /\(ran (\d+\.\d) s\)/.exec(stderr);
		assert.ok(m, stderr);
		return Number(m[1]);
	}

	test("a read the server stalls: the request limit and how long each attempt ran", async () => {
		await fault({ method: "GET", path: "/v2/rooms/:roomId", type: "stall" });
		const r = await runBatch(["-e", `room show ${room}`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^lbtui: network error: no response from 127\.0\.0\.1:\d+ within the 1 s limit for a request \(ran \d+\.\d s\); gave up after 4 attempts$/m);
		assert.ok(ran(r.stderr) >= 1 && ran(r.stderr) < 3, r.stderr);
	});

	test("a change the server stalls: the limit, the time, and that it may have been applied", async () => {
		await fault({ method: "POST", path: "/v2/rooms/:roomId/broadcast-event", type: "stall" });
		const r = await runBatch(["-e", `room broadcast ${room} '{"kind":"ping"}'`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /^lbtui: outcome unknown: no response from 127\.0\.0\.1:\d+ within the 1 s limit for a request \(ran \d+\.\d s\), so it may or may not have been applied; check before trying again$/m);
		assert.ok(ran(r.stderr) >= 1 && ran(r.stderr) < 3, r.stderr);
	});

	test("a TCP server that accepts and says nothing: no response within the limit, not 'could not connect'", async () => {
		const sockets = new Set();
		const server = net.createServer((s) => {
			sockets.add(s);
			s.on("error", () => {});
			s.on("close", () => sockets.delete(s));
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		const url = `http://127.0.0.1:${server.address().port}`;
		try {
			const r = await runBatch(["-e", "room broadcast x '{}'"], serverEnv(url, { LBTUI_TIMEOUT: "1.5", LBTUI_CONNECT_TIMEOUT: "1" }));
			assert.equal(r.code, 1, r.stderr);
			assert.match(r.stderr, new RegExp(`no response from 127\\.0\\.0\\.1:${server.address().port} within the 1\\.5 s limit for a request \\(ran \\d+\\.\\d s\\)`));
			assert.ok(ran(r.stderr) >= 1.5 && ran(r.stderr) < 3.5, r.stderr);
			assert.doesNotMatch(r.stderr, /could not connect/);
		} finally {
			for (const s of sockets)
				s.destroy();
			await new Promise((r) => server.close(r));
		}
	});

	test("LBTUI_TIMEOUT that is not a number of seconds is a configuration error", async () => {
		const r = await runBatch(["-e", `room show ${room}`], serverEnv(stack.url, { LBTUI_TIMEOUT: "soon" }));
		assert.equal(r.code, 2);
		assert.match(r.stderr, /LBTUI_TIMEOUT must be a number of seconds, above 0 and at most 86400 \(it is 'soon'\)/);
	});
});
