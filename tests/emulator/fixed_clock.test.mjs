// The fixed clock (startStack({ fixedClock })): a seeded demo project is
// the same on every run, dates and IDs included, which the golden screens
// of tests/e2e/golden.test.mjs rely on; an emulator without it keeps the
// real clock.

import { test } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "./stack.mjs";
import { request } from "./helpers.mjs";
import { SEED_CLOCK, seed } from "../demo/seed.mjs";

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "مريم", "李雷"];

/** Everything a client can list of a seeded project. */
async function seededProject() {
	const stack = await startStack({ fixedClock: SEED_CLOCK });
	try {
		await seed({ baseUrl: stack.url, quiet: true });
		const get = async (path) => {
			const r = await request(stack.url, "GET", path);
			assert.equal(r.status, 200, `${path}: ${r.text}`);
			return r.body;
		};
		const out = { rooms: (await get("/v2/rooms?limit=100")).data };
		for (const room of out.rooms) {
			const id = encodeURIComponent(room.id);
			out[`threads of ${room.id}`] = (await get(`/v2/rooms/${id}/threads`)).data;
			out[`versions of ${room.id}`] = (await get(`/v2/rooms/${id}/versions`)).data;
		}
		for (const u of USERS)
			out[`inbox of ${u}`] = await get(`/v2/users/${encodeURIComponent(u)}/inbox-notifications?limit=50`);
		out.groups = await get("/v2/groups");
		out.copilots = await get("/v2/ai/copilots");
		return out;
	} finally {
		await stack.stop();
	}
}

test("a project seeded with a fixed clock is the same on every run", async () => {
	const first = await seededProject();
	const second = await seededProject();
	for (const key of Object.keys(first))
		assert.deepEqual(second[key], first[key], key);
	const day = SEED_CLOCK.slice(0, 10);
	assert.ok(first.rooms.every((r) => r.createdAt.startsWith(day)), "rooms are dated by the fixed clock");
	// Newest first: the order the seed created them in, backwards.
	assert.equal(first.rooms.at(-1).id, "acme:readme");
	const versions = first["versions of acme:yjs-notes"];
	assert.equal(versions.length, 3);
	assert.ok(versions.every((v) => /^vh_[\w-]{21}$/.test(v.id) && v.createdAt.startsWith(day)));
	assert.ok(first["threads of acme:roadmap"].length >= 3);
});

test("an emulator without a fixed clock keeps the real one, beside one with it", async () => {
	const fixed = await startStack({ fixedClock: SEED_CLOCK });
	const real = await startStack();
	try {
		const create = async (stack) => {
			const r = await request(stack.url, "POST", "/v2/rooms", { id: `clock-${process.pid}`, defaultAccesses: [] });
			assert.equal(r.status, 200, r.text);
			return r.body.createdAt;
		};
		// At the same time: each request keeps its own emulator's clock.
		const [a, b] = await Promise.all([create(fixed), create(real)]);
		assert.equal(a, SEED_CLOCK);
		assert.ok(Math.abs(Date.parse(b) - Date.now()) < 60000, `real createdAt ${b}`);
	} finally {
		await real.stop();
		await fixed.stop();
	}
});
