// Rooms: pagination, filters, query language, validation, upsert,
// update-room-id, prewarm, active users, broadcast, presence, deletion.

import { test } from "node:test";
import assert from "node:assert/strict";
import { body, createRoom, uid, useStack } from "./helpers.mjs";

const t = useStack();

test("list: newest first, limit and startingAfter cursors", async () => {
	const prefix = uid("page");
	const ids = [];
	for (let i = 0; i < 5; i++) ids.push(await createRoom(t, { id: `${prefix}-${i}` }));
	const q = encodeURIComponent(`roomId^"${prefix}"`);
	const p1 = await t.api("GET", `/v2/rooms?limit=2&query=${q}`);
	assert.equal(p1.status, 200);
	assert.deepEqual(p1.body.data.map((r) => r.id), [ids[4], ids[3]]);
	assert.equal(typeof p1.body.nextCursor, "string");
	const p2 = await t.api("GET", `/v2/rooms?limit=2&query=${q}&startingAfter=${p1.body.nextCursor}`);
	assert.deepEqual(p2.body.data.map((r) => r.id), [ids[2], ids[1]]);
	const p3 = await t.api("GET", `/v2/rooms?limit=2&query=${q}&startingAfter=${p2.body.nextCursor}`);
	assert.deepEqual(p3.body.data.map((r) => r.id), [ids[0]]);
	assert.equal(p3.body.nextCursor, null);
});

test("list: default limit is 20 and limit is bounded", async () => {
	const prefix = uid("many");
	for (let i = 0; i < 22; i++) await createRoom(t, { id: `${prefix}-${i}` });
	const q = encodeURIComponent(`roomId^"${prefix}"`);
	const r = await t.api("GET", `/v2/rooms?query=${q}`);
	assert.equal(r.body.data.length, 20);
	assert.ok(r.body.nextCursor);
	for (const bad of ["0", "101", "abc", "-1"]) {
		const e = await t.api("GET", `/v2/rooms?limit=${bad}`);
		assert.equal(e.status, 422, `limit=${bad}`);
		assert.equal(e.body.error, "UNPROCESSABLE_ENTITY");
		assert.match(e.body.message, /limit/);
	}
	const bad = await t.api("GET", "/v2/rooms?startingAfter=not-a-cursor");
	assert.equal(bad.status, 422);
});

test("list: query language on roomId and metadata, AND and juxtaposition", async () => {
	const p = uid("q");
	await createRoom(t, { id: `${p}-a`, metadata: { color: "red", kind: "whiteboard" } });
	await createRoom(t, { id: `${p}-b`, metadata: { color: "red", kind: "doc" } });
	await createRoom(t, { id: `${p}-c`, metadata: { color: ["blue", "red"] } });
	const ids = async (query) => {
		const r = await t.api("GET", `/v2/rooms?query=${encodeURIComponent(query)}`);
		assert.equal(r.status, 200, r.text);
		return r.body.data.map((x) => x.id).sort();
	};
	assert.deepEqual(await ids(`roomId^"${p}" metadata["color"]:"red"`), [`${p}-a`, `${p}-b`, `${p}-c`]);
	assert.deepEqual(await ids(`metadata["kind"]:'doc' AND roomId^"${p}"`), [`${p}-b`]);
	assert.deepEqual(await ids(`roomId^"${p}" and metadata["color"]:"blue"`), [`${p}-c`]);
	assert.deepEqual(await ids(`roomId:"${p}-a"`), [`${p}-a`]);
});

test("list: invalid queries give 422 INVALID_QUERY with the server's message", async () => {
	const cases = [
		["foo:'x'", "Invalid field: 'foo' (at 1:1)"],
		["roomId^", "Expected a string but end of input found (at 1:8)"],
		["roomId^''", "Prefix matches cannot be empty (at 1:8)"],
		["metadata['k']^'v'", "Invalid operator for field 'metadata[\"k\"]' (at 1:1)"],
		["(roomId:'a' OR roomId:'b')", "OR-expressions are not allowed for this query (at 1:1)"],
	];
	for (const [q, msg] of cases) {
		const r = await t.api("GET", `/v2/rooms?query=${encodeURIComponent(q)}`);
		assert.equal(r.status, 422, q);
		assert.deepEqual(r.body, { error: "INVALID_QUERY", message: msg });
	}
});

test("list: userId/groupIds (OR), organizationId, tenantId and legacy metadata filters", async () => {
	const org = uid("org");
	const a = await createRoom(t, { organizationId: org, usersAccesses: { ann: ["room:write"] }, metadata: { team: "x" } });
	const b = await createRoom(t, { organizationId: org, groupsAccesses: { eng: ["room:read"] } });
	const c = await createRoom(t, { organizationId: org });
	const ids = async (qs) => (await t.api("GET", `/v2/rooms?organizationId=${org}&${qs}`)).body.data.map((r) => r.id).sort();
	assert.deepEqual(await ids("userId=ann"), [a]);
	assert.deepEqual(await ids("groupIds=eng,ops"), [b]);
	assert.deepEqual(await ids("userId=ann&groupIds=eng"), [a, b].sort());
	assert.deepEqual(await ids("metadata.team=x"), [a]);
	assert.deepEqual(await ids(""), [a, b, c].sort());
	const viaTenant = await t.api("GET", `/v2/rooms?tenantId=${org}`);
	assert.equal(viaTenant.body.data.length, 3);
});

test("create: validation, 409 on duplicates, ?idempotent returns the existing room", async () => {
	const id = uid();
	const r = await t.api("POST", "/v2/rooms", { id, defaultAccesses: ["room:write"], metadata: { a: "b" } });
	assert.equal(r.status, 200);
	assert.equal(r.body.type, "room");
	assert.deepEqual(r.body.defaultAccesses, ["room:write"]);
	const dup = await t.api("POST", "/v2/rooms", { id, defaultAccesses: [] });
	assert.equal(dup.status, 409);
	assert.equal(dup.body.error, "ROOM_ALREADY_EXISTS");
	const idem = await t.api("POST", "/v2/rooms?idempotent", { id, defaultAccesses: [] });
	assert.equal(idem.status, 200);
	assert.deepEqual(idem.body.defaultAccesses, ["room:write"]);

	const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
	const invalid = [
		{ defaultAccesses: [] },
		{ id: uid(), defaultAccesses: ["room:fly"] },
		{ id: uid(), defaultAccesses: [], metadata: tooMany },
		{ id: uid(), defaultAccesses: [], metadata: { ["k".repeat(41)]: "v" } },
		{ id: uid(), defaultAccesses: [], metadata: { k: "v".repeat(257) } },
		{ id: uid(), defaultAccesses: [], metadata: { k: 3 } },
	];
	for (const b of invalid) {
		const e = await t.api("POST", "/v2/rooms", b);
		assert.equal(e.status, 422, JSON.stringify(b).slice(0, 80));
		assert.equal(typeof e.body.message, "string");
	}
	const badJson = await t.api("POST", "/v2/rooms", "{not json", { raw: true, headers: { "content-type": "application/json" } });
	assert.equal(badJson.status, 400);
});

test("get, update (null deletes metadata and accesses), delete", async () => {
	const id = await createRoom(t, { metadata: { a: "1", b: "2" }, usersAccesses: { u1: ["room:write"] } });
	const created = (await t.api("GET", `/v2/rooms/${id}`)).body;
	const up = await t.api("POST", `/v2/rooms/${id}`, {
		metadata: { a: null, c: "3" },
		usersAccesses: { u1: null, u2: ["room:read"] },
		defaultAccesses: ["room:read"],
	});
	assert.equal(up.status, 200, up.text);
	assert.deepEqual(up.body.metadata, { b: "2", c: "3" });
	assert.deepEqual(up.body.usersAccesses, { u2: ["room:read"] });
	assert.deepEqual(up.body.defaultAccesses, ["room:read"]);
	assert.equal(up.body.createdAt, created.createdAt, "createdAt survives the update");
	const missing = await t.api("GET", `/v2/rooms/${uid("nope")}`);
	assert.equal(missing.status, 404);
	assert.equal(missing.body.error, "ROOM_NOT_FOUND");
	const badUpdate = await t.api("POST", `/v2/rooms/${id}`, { defaultAccesses: ["nope"] });
	assert.equal(badUpdate.status, 422);
	const upMissing = await t.api("POST", `/v2/rooms/${uid("nope")}`, { metadata: { a: "b" } });
	assert.equal(upMissing.status, 404);
	assert.equal((await t.api("DELETE", `/v2/rooms/${id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/rooms/${id}`)).status, 404);
});

test("delete room deletes its threads", async () => {
	const id = await createRoom(t);
	const th = await t.api("POST", `/v2/rooms/${id}/threads`, { comment: { userId: "u", body: body("x") } });
	assert.equal(th.status, 200);
	await t.api("DELETE", `/v2/rooms/${id}`);
	await createRoom(t, { id });
	const list = await t.api("GET", `/v2/rooms/${id}/threads`);
	assert.deepEqual(list.body.data, []);
	assert.equal((await t.api("GET", `/v2/rooms/${id}/threads/${th.body.id}`)).status, 404);
});

test("upsert creates, then updates", async () => {
	const id = uid("ups");
	const c = await t.api("POST", `/v2/rooms/${id}/upsert`, {
		update: { metadata: { v: "1" } },
		create: { defaultAccesses: ["room:read"], organizationId: "org-up" },
	});
	assert.equal(c.status, 200, c.text);
	assert.equal(c.body.id, id);
	assert.deepEqual(c.body.defaultAccesses, ["room:read"]);
	assert.equal(c.body.organizationId, "org-up");
	const u = await t.api("POST", `/v2/rooms/${id}/upsert`, {
		update: { metadata: { v: "2" } },
		create: { defaultAccesses: ["room:write"] },
	});
	assert.deepEqual(u.body.metadata, { v: "2" });
	assert.deepEqual(u.body.defaultAccesses, ["room:read"]);
	assert.equal((await t.api("POST", `/v2/rooms/${id}/upsert`, { create: {} })).status, 422);
});

test("update-room-id moves storage, Yjs and threads", async () => {
	const id = await createRoom(t, { metadata: { m: "1" } });
	await t.api("POST", `/v2/rooms/${id}/storage`, { liveblocksType: "LiveObject", data: { n: 7 } });
	const th = await t.api("POST", `/v2/rooms/${id}/threads`, { comment: { userId: "u", body: body("moved") } });
	const { YUpdate } = await import("../demo/yupdate.mjs");
	const ybytes = new YUpdate(7).text("t", [{ text: "yjs moved" }]).encode();
	assert.equal((await t.api("PUT", `/v2/rooms/${id}/ydoc`, ybytes)).status, 200);
	const newId = uid("moved");
	const r = await t.api("POST", `/v2/rooms/${id}/update-room-id`, { newRoomId: newId });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.id, newId);
	assert.deepEqual(r.body.metadata, { m: "1" });
	assert.equal((await t.api("GET", `/v2/rooms/${id}`)).status, 404);
	const st = await t.api("GET", `/v2/rooms/${newId}/storage?format=json`);
	assert.deepEqual(st.body, { n: 7 });
	const y = await t.api("GET", `/v2/rooms/${newId}/ydoc`);
	assert.deepEqual(y.body, { t: "yjs moved" });
	const thr = await t.api("GET", `/v2/rooms/${newId}/threads/${th.body.id}`);
	assert.equal(thr.status, 200);
	assert.equal(thr.body.roomId, newId);
	assert.equal(thr.body.comments[0].roomId, newId);
	assert.equal((await t.api("POST", `/v2/rooms/${newId}/update-room-id`, {})).status, 422);
	assert.equal((await t.api("POST", `/v2/rooms/${uid("nope")}/update-room-id`, { newRoomId: uid() })).status, 404);
	const other = await createRoom(t);
	assert.equal((await t.api("POST", `/v2/rooms/${newId}/update-room-id`, { newRoomId: other })).status, 409);
});

test("update-organization-id (docs) moves a room to another organization", async () => {
	const id = await createRoom(t, { organizationId: "org-a" });
	const r = await t.api("POST", `/v2/rooms/${id}/update-organization-id`, { fromOrganizationId: "org-a", toOrganizationId: "org-b" });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.organizationId, "org-b");
	const wrong = await t.api("POST", `/v2/rooms/${id}/update-organization-id`, { fromOrganizationId: "org-a", toOrganizationId: "org-c" });
	assert.equal(wrong.status, 422);
});

test("prewarm, active users, broadcast event, presence", async () => {
	const id = await createRoom(t);
	assert.equal((await t.api("GET", `/v2/rooms/${id}/prewarm`)).status, 204);
	assert.equal((await t.api("GET", `/v2/rooms/${uid("nope")}/prewarm`)).status, 404);
	for (const p of ["active-users", "active_users"]) {
		const r = await t.api("GET", `/v2/rooms/${id}/${p}`);
		assert.equal(r.status, 200);
		assert.deepEqual(r.body, { data: [] });
	}
	for (const p of ["broadcast-event", "broadcast_event"]) {
		assert.equal((await t.api("POST", `/v2/rooms/${id}/${p}`, { type: "EMOJI", emoji: "🔥" })).status, 204);
		assert.equal((await t.api("POST", `/v2/rooms/${uid("nope")}/${p}`, { a: 1 })).status, 404);
	}
	const pr = await t.api("POST", `/v2/rooms/${id}/presence`, { userId: "agent", data: { cursor: 1 }, userInfo: { name: "Bot" }, ttl: 30 });
	assert.equal(pr.status, 204);
	const au = await t.api("GET", `/v2/rooms/${id}/active-users`);
	assert.equal(au.body.data.length, 1);
	assert.equal(au.body.data[0].id, "agent");
	assert.deepEqual(au.body.data[0].info, { name: "Bot" });
	assert.equal((await t.api("POST", `/v2/rooms/${id}/presence`, { userId: "a", data: {}, ttl: 1 })).status, 422);
	assert.equal((await t.api("POST", `/v2/rooms/${id}/presence`, { data: {} })).status, 422);
});
