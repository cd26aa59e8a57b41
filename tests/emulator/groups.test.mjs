// Groups and members.

import { test } from "node:test";
import assert from "node:assert/strict";
import { uid, useStack } from "./helpers.mjs";

const t = useStack();

test("create, get, add and remove members, delete", async () => {
	const id = uid("g");
	const c = await t.api("POST", "/v2/groups", { id, memberIds: ["a", "b", "a"], organizationId: "org-g", scopes: { mention: true } });
	assert.equal(c.status, 200, c.text);
	assert.equal(c.body.type, "group");
	assert.equal(c.body.organizationId, "org-g");
	assert.deepEqual(c.body.members.map((m) => m.id), ["a", "b"]);
	assert.ok(c.body.members[0].addedAt);
	const add = await t.api("POST", `/v2/groups/${id}/add-members`, { memberIds: ["c", "a"] });
	assert.deepEqual(add.body.members.map((m) => m.id), ["a", "b", "c"]);
	const rm = await t.api("POST", `/v2/groups/${id}/remove-members`, { memberIds: ["a"] });
	assert.deepEqual(rm.body.members.map((m) => m.id), ["b", "c"]);
	assert.deepEqual((await t.api("GET", `/v2/groups/${id}`)).body.members.map((m) => m.id), ["b", "c"]);
	assert.equal((await t.api("DELETE", `/v2/groups/${id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/groups/${id}`)).status, 404);
});

test("errors: 409 on duplicates, 400 on invalid bodies, 404 on missing groups", async () => {
	const id = uid("g");
	await t.api("POST", "/v2/groups", { id });
	const dup = await t.api("POST", "/v2/groups", { id });
	assert.equal(dup.status, 409);
	assert.equal(dup.body.error, "RESOURCE_ALREADY_EXISTS");
	for (const b of [{}, { id: "" }, { id: uid(), memberIds: "a" }, { id: uid(), memberIds: [1] }])
		assert.equal((await t.api("POST", "/v2/groups", b)).status, 400, JSON.stringify(b));
	assert.equal((await t.api("POST", `/v2/groups/${uid("nope")}/add-members`, { memberIds: ["x"] })).status, 404);
	assert.equal((await t.api("POST", `/v2/groups/${id}/add-members`, {})).status, 400);
	assert.equal((await t.api("DELETE", `/v2/groups/${uid("nope")}`)).status, 404);
});

test("list groups and a user's groups with pagination", async () => {
	const member = uid("member");
	const made = [];
	for (let i = 0; i < 3; i++) {
		const id = uid("lg");
		made.push(id);
		await t.api("POST", "/v2/groups", { id, memberIds: [member] });
	}
	const p1 = await t.api("GET", `/v2/users/${member}/groups?limit=2`);
	assert.deepEqual(p1.body.data.map((g) => g.id), [made[2], made[1]]);
	const p2 = await t.api("GET", `/v2/users/${member}/groups?limit=2&startingAfter=${p1.body.nextCursor}`);
	assert.deepEqual(p2.body.data.map((g) => g.id), [made[0]]);
	assert.equal(p2.body.nextCursor, null);
	const all = await t.api("GET", "/v2/groups?limit=100");
	for (const id of made) assert.ok(all.body.data.some((g) => g.id === id));
	assert.equal((await t.api("GET", "/v2/groups?limit=0")).status, 422);
});
