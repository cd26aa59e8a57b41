// Inbox notifications: thread, textMention and custom kinds; read/unread,
// query, pagination, delete, delete all, trigger.

import { test } from "node:test";
import assert from "node:assert/strict";
import { body, createRoom, uid, useStack } from "./helpers.mjs";

const t = useStack();

test("new comments notify thread subscribers (one unread notification per thread)", async () => {
	const room = await createRoom(t);
	const author = uid("author");
	const th = (await t.api("POST", `/v2/rooms/${room}/threads`, { comment: { userId: author, body: body("first") } })).body;
	assert.deepEqual((await t.api("GET", `/v2/users/${author}/inbox-notifications`)).body.data, [], "no notification for own comment");
	await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "bob", body: body("reply 1") });
	await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "carol", body: body("reply 2") });
	const inbox = (await t.api("GET", `/v2/users/${author}/inbox-notifications`)).body;
	assert.equal(inbox.data.length, 1);
	assert.equal(inbox.data[0].kind, "thread");
	assert.equal(inbox.data[0].threadId, th.id);
	assert.equal(inbox.data[0].roomId, room);
	assert.equal(inbox.data[0].readAt, null);
	const bobs = (await t.api("GET", `/v2/users/bob/inbox-notifications?query=${encodeURIComponent(`roomId:"${room}"`)}`)).body.data;
	assert.equal(bobs.length, 1, "bob subscribed by commenting, notified by carol");
});

test("mark as read, unread query, get one, delete one, delete all", async () => {
	const user = uid("u");
	for (let i = 0; i < 3; i++)
		assert.equal((await t.api("POST", "/v2/inbox-notifications/trigger", { userId: user, kind: "$invite", subjectId: `s${i}`, activityData: { n: i } })).status, 200);
	const all = (await t.api("GET", `/v2/users/${user}/inbox-notifications`)).body.data;
	assert.equal(all.length, 3);
	assert.equal(all[0].subjectId, "s2", "newest first");
	const rd = await t.api("POST", `/v2/inbox-notifications/${all[0].id}/read`);
	assert.equal(rd.status, 204);
	const unread = (await t.api("GET", `/v2/users/${user}/inbox-notifications?query=unread:true`)).body.data;
	assert.deepEqual(unread.map((n) => n.id), [all[1].id, all[2].id]);
	const read = (await t.api("GET", `/v2/users/${user}/inbox-notifications?query=unread:false`)).body.data;
	assert.equal(read.length, 1);
	assert.ok(read[0].readAt);
	const one = await t.api("GET", `/v2/users/${user}/inbox-notifications/${all[1].id}`);
	assert.equal(one.body.id, all[1].id);
	assert.equal((await t.api("GET", `/v2/users/someone-else/inbox-notifications/${all[1].id}`)).status, 404);
	assert.equal((await t.api("DELETE", `/v2/users/${user}/inbox-notifications/${all[1].id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/users/${user}/inbox-notifications/${all[1].id}`)).status, 404);
	assert.equal((await t.api("DELETE", `/v2/users/${user}/inbox-notifications/${all[1].id}`)).status, 404);
	assert.equal((await t.api("DELETE", `/v2/users/${user}/inbox-notifications`)).status, 204);
	assert.deepEqual((await t.api("GET", `/v2/users/${user}/inbox-notifications`)).body.data, []);
	assert.equal((await t.api("POST", "/v2/inbox-notifications/in_missing/read")).status, 404);
});

test("pagination: limit 1-50, startingAfter", async () => {
	const user = uid("p");
	for (let i = 0; i < 5; i++) await t.api("POST", "/v2/inbox-notifications/trigger", { userId: user, kind: "$k", subjectId: `s${i}`, activityData: {} });
	const p1 = (await t.api("GET", `/v2/users/${user}/inbox-notifications?limit=2`)).body;
	assert.equal(p1.data.length, 2);
	const p2 = (await t.api("GET", `/v2/users/${user}/inbox-notifications?limit=2&startingAfter=${p1.nextCursor}`)).body;
	const p3 = (await t.api("GET", `/v2/users/${user}/inbox-notifications?limit=2&startingAfter=${p2.nextCursor}`)).body;
	assert.equal(p3.data.length, 1);
	assert.equal(p3.nextCursor, null);
	const ids = new Set([...p1.data, ...p2.data, ...p3.data].map((n) => n.id));
	assert.equal(ids.size, 5);
	assert.equal((await t.api("GET", `/v2/users/${user}/inbox-notifications?limit=51`)).status, 422);
	assert.equal((await t.api("GET", `/v2/users/${user}/inbox-notifications?query=bogus:1`)).status, 422);
});

test("trigger: custom kinds batch activities per subject; validation; room and organization", async () => {
	const user = uid("t");
	const room = await createRoom(t, { organizationId: "org-notif" });
	const send = (b) => t.api("POST", "/v2/inbox-notifications/trigger", { userId: user, kind: "$fileUploaded", subjectId: "file-1", roomId: room, activityData: { size: 1 }, ...b });
	await send({});
	await send({ activityData: { size: 2 } });
	const list = (await t.api("GET", `/v2/users/${user}/inbox-notifications`)).body.data;
	assert.equal(list.length, 1);
	assert.equal(list[0].kind, "$fileUploaded");
	assert.equal(list[0].activities.length, 2);
	assert.deepEqual(list[0].activities[1].data, { size: 2 });
	assert.equal(list[0].roomId, room);
	const byOrg = (await t.api("GET", `/v2/users/${user}/inbox-notifications?organizationId=org-notif`)).body.data;
	assert.equal(byOrg.length, 1);
	assert.equal((await t.api("GET", `/v2/users/${user}/inbox-notifications?organizationId=other`)).body.data.length, 0);
	for (const bad of [{ kind: "fileUploaded" }, { kind: "$bad-kind" }, { subjectId: "" }, { userId: undefined }, { activityData: { x: {} } }])
		assert.equal((await send(bad)).status, 422, JSON.stringify(bad));
	assert.equal((await send({ roomId: uid("nope") })).status, 404);
});

test("room subscription setting 'none' silences thread notifications", async () => {
	const room = await createRoom(t);
	const quiet = uid("quiet");
	await t.api("POST", `/v2/rooms/${room}/users/${quiet}/subscription-settings`, { threads: "none", textMentions: "none" });
	const th = (await t.api("POST", `/v2/rooms/${room}/threads`, { comment: { userId: quiet, body: body("x") } })).body;
	await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "z", body: body("hi ", { type: "mention", kind: "user", id: quiet }) });
	assert.deepEqual((await t.api("GET", `/v2/users/${quiet}/inbox-notifications`)).body.data, []);
	const loud = uid("loud");
	await t.api("POST", `/v2/rooms/${room}/users/${loud}/subscription-settings`, { threads: "all" });
	await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "z", body: body("again") });
	assert.equal((await t.api("GET", `/v2/users/${loud}/inbox-notifications`)).body.data.length, 1);
});

test("group mentions notify the group's members", async () => {
	const room = await createRoom(t);
	const g = uid("grp");
	await t.api("POST", "/v2/groups", { id: g, memberIds: ["m1-" + g, "m2-" + g] });
	await t.api("POST", `/v2/rooms/${room}/threads`, { comment: { userId: "alice", body: body({ type: "mention", kind: "group", id: g }) } });
	for (const m of ["m1-" + g, "m2-" + g]) {
		const n = (await t.api("GET", `/v2/users/${m}/inbox-notifications`)).body.data;
		assert.equal(n.length, 1);
		assert.deepEqual(n[0].mention, { kind: "group", id: g });
	}
});
