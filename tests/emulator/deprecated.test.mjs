// Deprecated endpoints: thread participants, room notification-settings,
// underscore aliases, and the reference's /version paths (the SDK uses
// /versions; both are served).

import { test } from "node:test";
import assert from "node:assert/strict";
import { body, createRoom, useStack } from "./helpers.mjs";

const t = useStack();

test("room notification-settings is the old name of subscription-settings", async () => {
	const room = await createRoom(t);
	const old = `/v2/rooms/${room}/users/u1/notification-settings`;
	assert.deepEqual((await t.api("GET", old)).body, { threads: "replies_and_mentions", textMentions: "mine" });
	const up = await t.api("POST", old, { threads: "none" });
	assert.deepEqual(up.body, { threads: "none", textMentions: "mine" });
	assert.deepEqual((await t.api("GET", `/v2/rooms/${room}/users/u1/subscription-settings`)).body, up.body);
	assert.equal((await t.api("POST", old, { threads: 1 })).status, 422);
	assert.equal((await t.api("DELETE", old)).status, 204);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/users/u1/subscription-settings`)).body.threads, "replies_and_mentions");
	assert.equal((await t.api("GET", "/v2/rooms/no-room-here/users/u1/notification-settings")).status, 404);
});

test("thread participants", async () => {
	const room = await createRoom(t);
	const th = (await t.api("POST", `/v2/rooms/${room}/threads`, { comment: { userId: "a", body: body("x") } })).body;
	await t.api("POST", `/v2/rooms/${room}/threads/${th.id}/comments`, { userId: "b", body: body({ type: "mention", id: "c" }) });
	const p = await t.api("GET", `/v2/rooms/${room}/threads/${th.id}/participants`);
	assert.deepEqual(p.body.participantIds.sort(), ["a", "b", "c"]);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/threads/th_none/participants`)).status, 404);
});

test("active_users and broadcast_event aliases; /version paths", async () => {
	const room = await createRoom(t);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/active_users`)).status, 200);
	assert.equal((await t.api("POST", `/v2/rooms/${room}/broadcast_event`, { a: 1 })).status, 204);
	assert.equal((await t.api("POST", `/v2/rooms/${room}/broadcast_event`)).status, 422, "a body is required");
	const v = await t.api("POST", `/v2/rooms/${room}/version`);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/version/${v.body.data.id}`)).status, 200);
	assert.equal((await t.api("GET", `/v2/rooms/${room}/version/vh_none`)).status, 404);
});
