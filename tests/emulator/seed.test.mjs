// The demo seeder (tests/demo/seed.mjs) on a fresh stack.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useStack } from "./helpers.mjs";
import { NASTY, seed } from "../demo/seed.mjs";

const t = useStack();

test("seeds the demo project quickly, and a second run changes nothing", async () => {
	const t0 = Date.now();
	const s = await seed({ baseUrl: t.url, quiet: true });
	assert.ok(Date.now() - t0 < 15000, `seeding took ${Date.now() - t0} ms`);
	assert.ok(s.rooms >= 30);
	assert.deepEqual(await seed({ baseUrl: t.url, quiet: true }), { alreadySeeded: true });

	const rooms = (await t.api("GET", "/v2/rooms?limit=100")).body.data;
	assert.equal(rooms.length, s.rooms);
	const orgs = new Set(rooms.map((r) => r.organizationId));
	assert.deepEqual([...orgs].sort(), ["acme", "globex"]);
	assert.ok(rooms.some((r) => r.defaultAccesses.length === 0), "private rooms");
	assert.ok(rooms.some((r) => r.defaultAccesses.includes("room:write")), "public rooms");

	const torture = (await t.api("GET", `/v2/rooms/${encodeURIComponent("acme:terminal-torture")}`)).body;
	assert.equal(torture.metadata.ansi, NASTY.ansi);
	assert.equal(torture.metadata.csi8, NASTY.csi8);

	let nodes = 0;
	const walk = (v) => {
		if (v && typeof v === "object" && v.liveblocksType) {
			nodes++;
			Object.values(v.data).forEach(walk);
		} else if (Array.isArray(v)) v.forEach(walk);
		else nodes++;
	};
	walk((await t.api("GET", `/v2/rooms/${encodeURIComponent("acme:big-storage")}/storage`)).body);
	assert.ok(nodes > 90000 && nodes < 130000, `${nodes} nodes`);

	const ydoc = (await t.api("GET", `/v2/rooms/${encodeURIComponent("acme:yjs-notes")}/ydoc`)).body;
	assert.match(ydoc.body, /Meeting notes/);
	assert.equal(ydoc.meta.revision, 3);
	assert.equal((await t.api("GET", `/v2/rooms/${encodeURIComponent("acme:yjs-notes")}/versions`)).body.data.length, 3);

	const threads = (await t.api("GET", `/v2/rooms/${encodeURIComponent("acme:roadmap")}/threads`)).body.data;
	assert.ok(threads.length >= 3);
	const all = [];
	for (const r of rooms) all.push(...(await t.api("GET", `/v2/rooms/${encodeURIComponent(r.id)}/threads`)).body.data);
	assert.ok(all.some((th) => th.resolved) && all.some((th) => !th.resolved));
	assert.ok(all.some((th) => th.comments.some((c) => c.reactions.length > 0)));
	const inline = JSON.stringify(all);
	for (const needle of ['"bold":true', '"italic":true', '"strikethrough":true', '"code":true', '"type":"link"', '"kind":"user"', '"kind":"group"'])
		assert.ok(inline.includes(needle), needle);

	const kinds = new Set();
	let read = 0, unread = 0;
	for (const u of ["alice", "bob", "carol"])
		for (const n of (await t.api("GET", `/v2/users/${u}/inbox-notifications`)).body.data) {
			kinds.add(n.kind.startsWith("$") ? "custom" : n.kind);
			n.readAt ? read++ : unread++;
		}
	assert.deepEqual([...kinds].sort(), ["custom", "textMention", "thread"]);
	assert.ok(read > 0 && unread > 0);
	assert.equal((await t.api("GET", "/v2/users/alice/notification-settings")).body.email.thread, false);
	assert.ok((await t.api("GET", "/v2/groups")).body.data.length >= 4);
	const copilots = (await t.api("GET", "/v2/ai/copilots")).body.data;
	assert.equal(copilots.length, 2);
	for (const c of copilots) assert.equal((await t.api("GET", `/v2/ai/copilots/${c.id}/knowledge`)).body.data.length >= 2, true);
});
