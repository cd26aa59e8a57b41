// The network misbehaving under lbtui, end to end: a change whose
// connection dies goes out once and says that its outcome is unknown.

import assert from "node:assert/strict";
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
