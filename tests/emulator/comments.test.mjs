// Threads, comments, reactions, metadata, resolve, subscriptions and the
// side effects of comments.

import { test } from "node:test";
import assert from "node:assert/strict";
import { body, createRoom, uid, useStack } from "./helpers.mjs";

const t = useStack();

const ID = (p) => new RegExp(`^${p}_[\\w-]{21}$`);

async function newThread(roomId, extra = {}) {
	const r = await t.api("POST", `/v2/rooms/${roomId}/threads`, {
		comment: { userId: "alice", body: body("Hello ", { text: "world", bold: true }) },
		...extra,
	});
	assert.equal(r.status, 200, r.text);
	return r.body;
}

test("create and read threads and comments with real-looking IDs", async () => {
	const room = await createRoom(t);
	const th = await newThread(room, { metadata: { status: "open", priority: 2 } });
	assert.match(th.id, ID("th"));
	assert.equal(th.type, "thread");
	assert.equal(th.roomId, room);
	assert.equal(th.resolved, false);
	assert.deepEqual(th.metadata, { status: "open", priority: 2 });
	assert.equal(th.comments.length, 1);
	const c0 = th.comments[0];
	assert.match(c0.id, ID("cm"));
	assert.equal(c0.type, "comment");
	assert.equal(c0.threadId, th.id);
	assert.deepEqual(c0.reactions, []);
	assert.ok(!Number.isNaN(Date.parse(c0.createdAt)));

	const reply = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, {
		userId: "bob",
		createdAt: "2024-01-02T03:04:05.000Z",
		body: body({ type: "link", url: "https://liveblocks.io", text: "docs" }),
	});
	assert.equal(reply.status, 200);
	assert.equal(reply.body.createdAt, "2024-01-02T03:04:05.000Z");
	const got = await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/comments/${reply.body.id}`);
	assert.deepEqual(got.body, reply.body);
	const full = await t.api("GET", `/v2/rooms/${room}/threads/${th.id}`);
	assert.equal(full.body.comments.length, 2);
	const list = await t.api("GET", `/v2/rooms/${room}/threads`);
	assert.deepEqual(list.body.data.map((x) => x.id), [th.id]);
});

test("thread and comment validation and 404s", async () => {
	const room = await createRoom(t);
	const bad = [
		{},
		{ comment: { body: body("x") } },
		{ comment: { userId: "a", body: { version: 2, content: [] } } },
		{ comment: { userId: "a", body: { version: 1, content: [{ type: "heading", children: [] }] } } },
		{ comment: { userId: "a", body: body({ type: "video", url: "x" }) } },
		{ comment: { userId: "a", body: body("x") }, metadata: { k: { nested: true } } },
		{ comment: { userId: "a", body: body("x"), createdAt: "yesterday" } },
	];
	for (const b of bad) assert.equal((await t.api("POST", `/v2/rooms/${room}/threads`, b)).status, 422, JSON.stringify(b));
	const missingRoom = await t.api("POST", `/v2/rooms/${uid("nope")}/threads`, { comment: { userId: "a", body: body("x") } });
	assert.equal(missingRoom.status, 404);
	assert.equal(missingRoom.body.error, "ROOM_NOT_FOUND");
	const th = await newThread(room);
	const nf = await t.api("GET", `/v2/rooms/${room}/threads/th_doesnotexist000000000`);
	assert.equal(nf.status, 404);
	assert.equal(nf.body.error, "RESOURCE_NOT_FOUND");
	assert.equal((await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/comments/cm_nope`)).status, 404);
	const other = await createRoom(t);
	assert.equal((await t.api("GET", `/v2/rooms/${other}/threads/${th.id}`)).status, 404, "thread belongs to another room");
	const dupId = "th_" + "x".repeat(21);
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads`, { id: dupId, comment: { userId: "a", body: body("1") } })).status, 200);
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads`, { id: dupId, comment: { userId: "a", body: body("2") } })).status, 409);
});

test("edit comment, comment metadata, thread metadata with null deletion", async () => {
	const room = await createRoom(t);
	const th = await newThread(room, { metadata: { a: "1", b: true } });
	const cid = th.comments[0].id;
	const ed = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments/${cid}`, { body: body("edited"), editedAt: "2025-01-01T00:00:00.000Z" });
	assert.equal(ed.status, 200);
	assert.equal(ed.body.editedAt, "2025-01-01T00:00:00.000Z");
	assert.deepEqual(ed.body.body, body("edited"));
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments/${cid}`, { body: "nope" })).status, 422);
	const md = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/metadata`, { metadata: { a: null, c: 3 }, userId: "alice" });
	assert.equal(md.status, 200);
	assert.deepEqual(md.body, { b: true, c: 3 });
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/metadata`, { metadata: { a: "x" } })).status, 422, "userId required");
	const tooLong = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/metadata`, { metadata: { s: "x".repeat(4001) }, userId: "a" });
	assert.equal(tooLong.status, 422);
	const cmd = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments/${cid}/metadata`, { metadata: { pinned: true }, userId: "alice" });
	assert.deepEqual(cmd.body, { pinned: true });
});

test("thread query filters on resolved and metadata", async () => {
	const room = await createRoom(t);
	const a = await newThread(room, { metadata: { status: "open", n: 1 } });
	const b = await newThread(room, { metadata: { status: "closed", n: 5 } });
	await t.api("POST", `/v2/rooms/${room}/threads/${b.id}/mark-as-resolved`, { userId: "alice" });
	const ids = async (q) => (await t.api("GET", `/v2/rooms/${room}/threads?query=${encodeURIComponent(q)}`)).body.data.map((x) => x.id);
	assert.deepEqual(await ids("resolved:true"), [b.id]);
	assert.deepEqual(await ids("resolved:false"), [a.id]);
	assert.deepEqual(await ids("metadata['status']:'open'"), [a.id]);
	assert.deepEqual(await ids("metadata['n']>2"), [b.id]);
	assert.deepEqual(await ids("metadata['status']^'clo' resolved:true"), [b.id]);
	assert.deepEqual(await ids("metadata['missing']:null").then((x) => x.sort()), [a.id, b.id].sort());
	const bad = await t.api("GET", `/v2/rooms/${room}/threads?query=${encodeURIComponent("nope:1")}`);
	assert.equal(bad.status, 422);
	assert.equal(bad.body.error, "INVALID_QUERY");
});

test("resolve/unresolve, reactions (409 on duplicates), subscriptions", async () => {
	const room = await createRoom(t);
	const th = await newThread(room);
	const cid = th.comments[0].id;
	const res = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/mark-as-resolved`, { userId: "alice" });
	assert.equal(res.body.resolved, true);
	const un = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/mark-as-unresolved`, { userId: "alice" });
	assert.equal(un.body.resolved, false);

	const C = `/v2/rooms/${room}/threads/${th.id}/comments/${cid}`;
	const r1 = await t.api("POST", `${C}/add-reaction`, { emoji: "👍", userId: "bob" });
	assert.equal(r1.status, 200);
	assert.equal(r1.body.emoji, "👍");
	assert.equal(r1.body.userId, "bob");
	await t.api("POST", `${C}/add-reaction`, { emoji: "👍", userId: "carol" });
	assert.equal((await t.api("POST", `${C}/add-reaction`, { emoji: "👍", userId: "bob" })).status, 409);
	assert.equal((await t.api("POST", `${C}/add-reaction`, { userId: "bob" })).status, 422);
	let c = (await t.api("GET", C)).body;
	assert.deepEqual(c.reactions[0].users, [{ id: "bob" }, { id: "carol" }]);
	assert.equal((await t.api("POST", `${C}/remove-reaction`, { emoji: "👍", userId: "bob" })).status, 204);
	c = (await t.api("GET", C)).body;
	assert.deepEqual(c.reactions[0].users, [{ id: "carol" }]);

	const sub = await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/subscribe`, { userId: "dave" });
	assert.equal(sub.status, 200);
	assert.equal(sub.body.kind, "thread");
	assert.equal(sub.body.subjectId, th.id);
	let subs = (await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/subscriptions`)).body.data.map((s) => s.userId).sort();
	assert.deepEqual(subs, ["alice", "dave"], "the author is subscribed");
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/unsubscribe`, { userId: "dave" })).status, 200);
	subs = (await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/subscriptions`)).body.data.map((s) => s.userId);
	assert.deepEqual(subs, ["alice"]);
	assert.equal((await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/subscribe`, {})).status, 422);
});

test("deleting comments: soft delete, last comment deletes the thread; deleteThread", async () => {
	const room = await createRoom(t);
	const th = await newThread(room);
	const reply = (await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "bob", body: body("r") })).body;
	assert.equal((await t.api("DELETE", `/v2/rooms/${room}/threads/${th.id}/comments/${th.comments[0].id}`)).status, 204);
	const after = (await t.api("GET", `/v2/rooms/${room}/threads/${th.id}`)).body;
	assert.equal(after.comments.length, 2);
	assert.ok(after.comments[0].deletedAt);
	assert.equal(after.comments[0].body, undefined);
	assert.equal((await t.api("DELETE", `/v2/rooms/${room}/threads/${th.id}/comments/${reply.id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/threads/${th.id}`)).status, 404);
	const th2 = await newThread(room);
	assert.equal((await t.api("DELETE", `/v2/rooms/${room}/threads/${th2.id}`)).status, 204);
	assert.equal((await t.api("DELETE", `/v2/rooms/${room}/threads/${th2.id}`)).status, 404);
});

test("mentions notify and participants include authors and mentioned users", async () => {
	const room = await createRoom(t);
	const u = uid("mentioned");
	const th = (
		await t.api("POST", `/v2/rooms/${room}/threads`, {
			comment: { userId: "alice", body: body("hey ", { type: "mention", kind: "user", id: u }) },
		})
	).body;
	const inbox = (await t.api("GET", `/v2/users/${u}/inbox-notifications`)).body.data;
	assert.equal(inbox.length, 1);
	assert.equal(inbox[0].kind, "textMention");
	assert.equal(inbox[0].createdBy, "alice");
	assert.deepEqual(inbox[0].mention, { kind: "user", id: u });
	assert.match(inbox[0].id, ID("in"));
	const p = await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/participants`);
	assert.deepEqual(p.body.participantIds.sort(), ["alice", u].sort());
	const tin = await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/inbox-notifications`);
	assert.equal(tin.body.data[0].userId, u);
});
