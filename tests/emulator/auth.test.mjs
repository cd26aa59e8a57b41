// Secret-key checks and the token endpoints.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, useStack } from "./helpers.mjs";

const t = useStack();

const payload = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));

test("401 without a key, 403 with a wrong key, on emulated and passed-through routes", async () => {
	for (const path of ["/v2/rooms", "/v2/groups", "/v2/users/u/inbox-notifications", "/v2/ai/copilots"]) {
		const none = await t.api("GET", path, undefined, { key: null });
		assert.equal(none.status, 401, path);
		assert.equal(none.body.error, "MISSING_SECRET_KEY");
		assert.equal(typeof none.body.message, "string");
		const wrong = await t.api("GET", path, undefined, { key: "sk_wrong" });
		assert.equal(wrong.status, 403, path);
		assert.equal(wrong.body.error, "INVALID_SECRET_KEY");
		const basic = await t.api("GET", path, undefined, { headers: { authorization: "Basic abc" } });
		assert.equal(basic.status, 403);
		const pub = await t.api("GET", path, undefined, { key: "pk_localdev" });
		assert.equal(pub.status, 401);
		assert.equal(pub.body.error, "WRONG_KEY_USED");
	}
});

test("authorize-user returns an access token with the permissions", async () => {
	const r = await t.api("POST", "/v2/authorize-user", { userId: "alice", permissions: { "room-*": ["room:write"] }, userInfo: { name: "Alice" } });
	assert.equal(r.status, 200, r.text);
	const p = payload(r.body.token);
	assert.equal(p.k, "acc");
	assert.equal(p.uid, "alice");
	assert.deepEqual(p.perms, { "room-*": ["room:write"] });
	const bad = await t.api("POST", "/v2/authorize-user", { userId: "alice", permissions: { x: ["nope"] } });
	assert.equal(bad.status, 422);
	assert.equal(typeof bad.body.message, "string");
});

test("identify-user returns an ID token with the groups", async () => {
	const r = await t.api("POST", "/v2/identify-user", { userId: "bob", groupIds: ["eng"] });
	assert.equal(r.status, 200);
	const p = payload(r.body.token);
	assert.equal(p.k, "id");
	assert.equal(p.uid, "bob");
	assert.deepEqual(p.gids, ["eng"]);
	assert.equal((await t.api("POST", "/v2/identify-user", {})).status, 422);
});

test("deprecated single-room tokens: secret-key authorize and public authorize", async () => {
	const pub = await createRoom(t, { defaultAccesses: ["room:write"] });
	const priv = await createRoom(t, { defaultAccesses: [] });
	const a = await t.api("POST", `/v2/rooms/${priv}/authorize`, { userId: "u1", groupIds: ["g"], userInfo: { name: "U" } });
	assert.equal(a.status, 200);
	const p = payload(a.body.token);
	assert.equal(p.roomId, priv);
	assert.equal(p.id, "u1");
	assert.deepEqual(p.groupIds, ["g"]);
	assert.equal((await t.api("POST", `/v2/rooms/${priv}/authorize`, { userId: 5 })).status, 422);
	assert.equal((await t.api("POST", "/v2/rooms/no-such-room-x/authorize", {})).status, 404);
	assert.equal((await t.api("POST", `/v2/rooms/${priv}/authorize`, {}, { key: null })).status, 401);

	const pa = await t.api("POST", `/v2/rooms/${pub}/public/authorize`, { publicApiKey: "pk_localdev" }, { key: null });
	assert.equal(pa.status, 200);
	assert.equal(payload(pa.body.token).roomId, pub);
	assert.equal((await t.api("POST", `/v2/rooms/${priv}/public/authorize`, { publicApiKey: "pk_localdev" }, { key: null })).status, 403);
	assert.equal((await t.api("POST", `/v2/rooms/${pub}/public/authorize`, { publicApiKey: "nope" }, { key: null })).status, 403);
});
