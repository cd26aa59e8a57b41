// User-scoped endpoints: notification settings, room subscription settings.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, uid, useStack } from "./helpers.mjs";

const t = useStack();

test("notification settings: defaults, partial update, delete resets", async () => {
	const u = uid("u");
	const def = await t.api("GET", `/v2/users/${u}/notification-settings`);
	assert.equal(def.status, 200);
	for (const ch of ["email", "slack", "teams", "webPush"]) assert.deepEqual(def.body[ch], { thread: true, textMention: true });
	const up = await t.api("POST", `/v2/users/${u}/notification-settings`, { email: { thread: false, $invite: true }, slack: { textMention: false } });
	assert.equal(up.status, 200);
	assert.deepEqual(up.body.email, { thread: false, textMention: true, $invite: true });
	assert.deepEqual(up.body.slack, { thread: true, textMention: false });
	assert.deepEqual((await t.api("GET", `/v2/users/${u}/notification-settings`)).body, up.body);
	for (const bad of [{ fax: { thread: true } }, { email: { thread: "yes" } }, { email: { nope: true } }, [1]])
		assert.equal((await t.api("POST", `/v2/users/${u}/notification-settings`, bad)).status, 422, JSON.stringify(bad));
	assert.equal((await t.api("DELETE", `/v2/users/${u}/notification-settings`)).status, 204);
	assert.deepEqual((await t.api("GET", `/v2/users/${u}/notification-settings`)).body, def.body);
});

test("room subscription settings: get default, update, list per user, delete", async () => {
	const u = uid("u");
	const r1 = await createRoom(t, { organizationId: "org-s1" });
	const r2 = await createRoom(t, { organizationId: "org-s2" });
	const d = await t.api("GET", `/v2/rooms/${r1}/users/${u}/subscription-settings`);
	assert.deepEqual(d.body, { threads: "replies_and_mentions", textMentions: "mine" });
	const up = await t.api("POST", `/v2/rooms/${r1}/users/${u}/subscription-settings`, { threads: "all" });
	assert.deepEqual(up.body, { threads: "all", textMentions: "mine" });
	await t.api("POST", `/v2/rooms/${r2}/users/${u}/subscription-settings`, { textMentions: "none" });
	const list = await t.api("GET", `/v2/users/${u}/room-subscription-settings`);
	assert.equal(list.status, 200);
	assert.deepEqual(list.body.data.map((x) => x.roomId).sort(), [r1, r2].sort());
	const p1 = await t.api("GET", `/v2/users/${u}/room-subscription-settings?limit=1`);
	assert.equal(p1.body.data.length, 1);
	const p2 = await t.api("GET", `/v2/users/${u}/room-subscription-settings?limit=1&startingAfter=${p1.body.nextCursor}`);
	assert.equal(p2.body.data.length, 1);
	assert.notEqual(p1.body.data[0].roomId, p2.body.data[0].roomId);
	const byOrg = await t.api("GET", `/v2/users/${u}/room-subscription-settings?organizationId=org-s2`);
	assert.deepEqual(byOrg.body.data, [{ roomId: r2, threads: "replies_and_mentions", textMentions: "none" }]);
	assert.equal((await t.api("POST", `/v2/rooms/${r1}/users/${u}/subscription-settings`, { threads: "some" })).status, 422);
	assert.equal((await t.api("POST", `/v2/rooms/${r1}/users/${u}/subscription-settings`, { textMentions: "all" })).status, 422);
	assert.equal((await t.api("GET", `/v2/rooms/${uid("nope")}/users/${u}/subscription-settings`)).status, 404);
	assert.equal((await t.api("DELETE", `/v2/rooms/${r1}/users/${u}/subscription-settings`)).status, 204);
	assert.deepEqual((await t.api("GET", `/v2/rooms/${r1}/users/${u}/subscription-settings`)).body, d.body);
	assert.equal((await t.api("GET", `/v2/users/${u}/room-subscription-settings?limit=60`)).status, 422);
});
