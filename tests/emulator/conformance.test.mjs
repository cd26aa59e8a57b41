// Conformance with the official client: every @liveblocks/node method that
// maps to an endpoint of the reference, called against the emulator, with
// the SDK's own parsing (dates), iterators (pagination) and errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Liveblocks, LiveblocksError } from "@liveblocks/node";
import { LiveList, LiveObject } from "@liveblocks/client";
import { uid, useStack } from "./helpers.mjs";
import { YUpdate } from "../demo/yupdate.mjs";

const t = useStack();
let lb;
const sdk = () => (lb ??= new Liveblocks({ secret: "sk_localdev", baseUrl: t.url }));

const body = (text) => ({ version: 1, content: [{ type: "paragraph", children: [{ text }] }] });

async function rejectsWith(promise, status) {
	await assert.rejects(promise, (e) => {
		assert.ok(e instanceof LiveblocksError, `expected LiveblocksError, got ${e}`);
		assert.equal(e.name, "LiveblocksError");
		assert.equal(e.status, status);
		assert.ok(e.message.length > 0 && e.message !== "An error happened without an error message", e.message);
		return true;
	});
}

test("rooms", async () => {
	const c = sdk();
	const prefix = uid("sdk");
	const room = await c.createRoom(`${prefix}-a`, { defaultAccesses: ["room:write"], metadata: { color: "blue" }, organizationId: "org-sdk" });
	assert.ok(room.createdAt instanceof Date);
	assert.equal(room.id, `${prefix}-a`);
	await rejectsWith(c.createRoom(`${prefix}-a`, { defaultAccesses: [] }), 409);
	const same = await c.getOrCreateRoom(`${prefix}-a`, { defaultAccesses: [] });
	assert.deepEqual(same.defaultAccesses, ["room:write"]);
	for (let i = 0; i < 23; i++) await c.createRoom(`${prefix}-n${i}`, { defaultAccesses: [], metadata: { color: "red" } });
	const page = await c.getRooms({ limit: 5, query: { roomId: { startsWith: prefix } } });
	assert.equal(page.data.length, 5);
	assert.ok(page.nextCursor);
	const seen = [];
	for await (const r of c.iterRooms({ query: { roomId: { startsWith: prefix }, metadata: { color: "red" } } }, { pageSize: 20 })) seen.push(r.id);
	assert.equal(seen.length, 23, "iterRooms followed nextCursor");
	assert.equal(new Set(seen).size, 23);
	assert.equal((await c.getRooms({ organizationId: "org-sdk", query: `roomId^"${prefix}"` })).data.length, 1);
	await rejectsWith(c.getRooms({ query: "nope:1" }), 422);

	const got = await c.getRoom(`${prefix}-a`);
	assert.ok(got.createdAt instanceof Date);
	const upd = await c.updateRoom(`${prefix}-a`, { metadata: { color: null, size: "L" }, usersAccesses: { ann: ["room:write"] } });
	assert.deepEqual(upd.metadata, { size: "L" });
	const ups = await c.upsertRoom(`${prefix}-u`, { update: { metadata: { v: "1" } }, create: { defaultAccesses: [] } });
	assert.equal(ups.id, `${prefix}-u`);
	await c.prewarmRoom(`${prefix}-a`);
	assert.deepEqual(await c.getActiveUsers(`${prefix}-a`), { data: [] });
	await c.broadcastEvent(`${prefix}-a`, { type: "PING" });
	await c.setPresence(`${prefix}-a`, { userId: "bot", data: { x: 1 }, ttl: 10 });
	const moved = await c.updateRoomId({ currentRoomId: `${prefix}-u`, newRoomId: `${prefix}-v` });
	assert.equal(moved.id, `${prefix}-v`);
	assert.ok(moved.createdAt instanceof Date);
	await c.deleteRoom(`${prefix}-v`);
	await rejectsWith(c.getRoom(`${prefix}-v`), 404);
	await rejectsWith(c.prewarmRoom(`${prefix}-v`), 404);
});

test("storage and Yjs", async () => {
	const c = sdk();
	const id = uid("sdk-st");
	await c.createRoom(id, { defaultAccesses: [] });
	const doc = { liveblocksType: "LiveObject", data: { list: { liveblocksType: "LiveList", data: [1] } } };
	assert.deepEqual(await c.initializeStorageDocument(id, doc), doc);
	await c.mutateStorage(id, ({ root }) => {
		root.get("list").push(2);
		root.set("obj", new LiveObject({ a: new LiveList(["x"]) }));
	});
	assert.deepEqual(await c.getStorageDocument(id, "json"), { list: [1, 2], obj: { a: ["x"] } });
	assert.equal((await c.getStorageDocument(id)).liveblocksType, "LiveObject");
	await c.deleteStorageDocument(id);
	assert.deepEqual(await c.getStorageDocument(id, "json"), {});
	await rejectsWith(c.getStorageDocument(uid("nope")), 404);

	await c.sendYjsBinaryUpdate(id, new YUpdate(3).text("text", [{ text: "hello" }]).encode());
	assert.deepEqual(await c.getYjsDocument(id), { text: "hello" });
	const bin = await c.getYjsDocumentAsBinaryUpdate(id);
	assert.ok(bin instanceof ArrayBuffer && bin.byteLength > 5);
	const snap = await c.createVersionHistorySnapshot(id);
	assert.match(snap.data.id, /^vh_/);
	const hist = await c.getVersionHistory(id, { limit: 10 });
	assert.equal(hist.data[0].id, snap.data.id);
	assert.ok(hist.data[0].createdAt instanceof Date);
	const v = await c.getYjsVersion({ roomId: id, versionId: snap.data.id });
	assert.equal(Buffer.from(v).toString("hex"), Buffer.from(bin).toString("hex"));
	await c.deleteVersion({ roomId: id, versionId: snap.data.id });
	await rejectsWith(c.getYjsVersion({ roomId: id, versionId: snap.data.id }), 404);
	await rejectsWith(c.getYjsDocument(uid("nope")), 404);
});

test("comments", async () => {
	const c = sdk();
	const roomId = uid("sdk-cm");
	await c.createRoom(roomId, { defaultAccesses: [] });
	const th = await c.createThread({ roomId, data: { comment: { userId: "alice", body: body("first"), createdAt: new Date("2024-05-01T00:00:00Z") }, metadata: { status: "open" } } });
	assert.ok(th.createdAt instanceof Date);
	assert.ok(th.updatedAt instanceof Date);
	assert.ok(th.comments[0].createdAt instanceof Date);
	assert.equal(th.comments[0].createdAt.toISOString(), "2024-05-01T00:00:00.000Z");
	const threadId = th.id;
	const cm = await c.createComment({ roomId, threadId, data: { userId: "bob", body: body("second") } });
	assert.ok(cm.createdAt instanceof Date);
	const ed = await c.editComment({ roomId, threadId, commentId: cm.id, data: { body: body("edited"), editedAt: new Date() } });
	assert.ok(ed.editedAt instanceof Date);
	assert.deepEqual((await c.getComment({ roomId, threadId, commentId: cm.id })).body, body("edited"));
	const r = await c.addCommentReaction({ roomId, threadId, commentId: cm.id, data: { emoji: "🎉", userId: "carol" } });
	assert.ok(r.createdAt instanceof Date);
	const withReaction = await c.getComment({ roomId, threadId, commentId: cm.id });
	assert.ok(withReaction.reactions[0].createdAt instanceof Date);
	await rejectsWith(c.addCommentReaction({ roomId, threadId, commentId: cm.id, data: { emoji: "🎉", userId: "carol" } }), 409);
	await c.removeCommentReaction({ roomId, threadId, commentId: cm.id, data: { emoji: "🎉", userId: "carol" } });
	assert.deepEqual(await c.editThreadMetadata({ roomId, threadId, data: { metadata: { status: "done" }, userId: "alice" } }), { status: "done" });
	assert.deepEqual(await c.editCommentMetadata({ roomId, threadId, commentId: cm.id, data: { metadata: { pin: true }, userId: "bob" } }), { pin: true });
	assert.equal((await c.markThreadAsResolved({ roomId, threadId, data: { userId: "alice" } })).resolved, true);
	assert.equal((await c.getThreads({ roomId, query: { resolved: true } })).data.length, 1);
	assert.equal((await c.getThreads({ roomId, query: { metadata: { status: "open" } } })).data.length, 0);
	assert.equal((await c.markThreadAsUnresolved({ roomId, threadId, data: { userId: "alice" } })).resolved, false);
	const sub = await c.subscribeToThread({ roomId, threadId, data: { userId: "dave" } });
	assert.ok(sub.createdAt instanceof Date);
	const subs = await c.getThreadSubscriptions({ roomId, threadId });
	assert.ok(subs.data.every((s) => s.createdAt instanceof Date));
	assert.deepEqual(subs.data.map((s) => s.userId).sort(), ["alice", "bob", "dave"]);
	await c.unsubscribeFromThread({ roomId, threadId, data: { userId: "dave" } });
	assert.deepEqual((await c.getThreadParticipants({ roomId, threadId })).participantIds.sort(), ["alice", "bob"]);
	assert.equal((await c.getThread({ roomId, threadId })).comments.length, 2);
	await c.deleteComment({ roomId, threadId, commentId: cm.id });
	await c.deleteThread({ roomId, threadId });
	await rejectsWith(c.getThread({ roomId, threadId }), 404);
	await rejectsWith(c.createThread({ roomId: uid("nope"), data: { comment: { userId: "a", body: body("x") } } }), 404);
	await rejectsWith(c.createThread({ roomId, data: { comment: { userId: "a", body: { version: 1 } } } }), 422);
});

test("notifications and settings", async () => {
	const c = sdk();
	const roomId = uid("sdk-in");
	const userId = uid("sdk-user");
	await c.createRoom(roomId, { defaultAccesses: [] });
	for (let i = 0; i < 12; i++)
		await c.triggerInboxNotification({ userId, kind: "$ping", subjectId: `s${i}`, roomId, activityData: { i } });
	const page = await c.getInboxNotifications({ userId, limit: 5 });
	assert.equal(page.data.length, 5);
	assert.ok(page.data[0].notifiedAt instanceof Date);
	assert.equal(page.data[0].readAt, null);
	assert.ok(page.data[0].activities[0].createdAt instanceof Date);
	const all = [];
	for await (const n of c.iterInboxNotifications({ userId }, { pageSize: 10 })) all.push(n.id);
	assert.equal(all.length, 12, "iterInboxNotifications followed nextCursor");
	const one = await c.getInboxNotification({ userId, inboxNotificationId: all[0] });
	assert.equal(one.id, all[0]);
	assert.equal((await c.getInboxNotifications({ userId, query: { unread: true } })).data.length, 12);
	await c.deleteInboxNotification({ userId, inboxNotificationId: all[0] });
	await rejectsWith(c.getInboxNotification({ userId, inboxNotificationId: all[0] }), 404);
	await c.deleteAllInboxNotifications({ userId });
	assert.equal((await c.getInboxNotifications({ userId })).data.length, 0);
	await rejectsWith(c.triggerInboxNotification({ userId, kind: "nodollar", subjectId: "s", activityData: {} }), 422);

	const ns = await c.getNotificationSettings({ userId });
	assert.deepEqual(ns.email, { thread: true, textMention: true });
	const ns2 = await c.updateNotificationSettings({ userId, data: { email: { thread: false } } });
	assert.equal(ns2.email.thread, false);
	await c.deleteNotificationSettings({ userId });
	assert.equal((await c.getNotificationSettings({ userId })).email.thread, true);

	assert.deepEqual(await c.getRoomSubscriptionSettings({ roomId, userId }), { threads: "replies_and_mentions", textMentions: "mine" });
	assert.deepEqual(await c.updateRoomSubscriptionSettings({ roomId, userId, data: { threads: "all" } }), { threads: "all", textMentions: "mine" });
	const list = await c.getUserRoomSubscriptionSettings({ userId });
	assert.deepEqual(list.data, [{ roomId, threads: "all", textMentions: "mine" }]);
	await c.deleteRoomSubscriptionSettings({ roomId, userId });
	await rejectsWith(c.updateRoomSubscriptionSettings({ roomId, userId, data: { threads: "loud" } }), 422);
});

test("groups", async () => {
	const c = sdk();
	const groupId = uid("sdk-g");
	const g = await c.createGroup({ groupId, memberIds: ["a"], organizationId: "org-g" });
	assert.ok(g.createdAt instanceof Date);
	assert.ok(g.members[0].addedAt instanceof Date);
	assert.equal((await c.addGroupMembers({ groupId, memberIds: ["b"] })).members.length, 2);
	assert.equal((await c.removeGroupMembers({ groupId, memberIds: ["a"] })).members.length, 1);
	assert.equal((await c.getGroup({ groupId })).id, groupId);
	assert.ok((await c.getGroups({ limit: 100 })).data.some((x) => x.id === groupId));
	assert.deepEqual((await c.getUserGroups({ userId: "b" })).data.map((x) => x.id), [groupId]);
	await rejectsWith(c.createGroup({ groupId }), 409);
	await c.deleteGroup({ groupId });
	await rejectsWith(c.getGroup({ groupId }), 404);
});

test("auth", async () => {
	const c = sdk();
	const s = c.prepareSession("alice", { userInfo: { name: "Alice" } });
	s.allow("room-*", s.FULL_ACCESS);
	const a = await s.authorize();
	assert.equal(a.status, 200);
	assert.ok(JSON.parse(a.body).token);
	const id = await c.identifyUser({ userId: "bob", groupIds: ["g"] });
	assert.equal(id.status, 200);
	assert.ok(JSON.parse(id.body).token);
	const wrong = new Liveblocks({ secret: "sk_wrongkey", baseUrl: t.url });
	await rejectsWith(wrong.getRooms(), 403);
	assert.equal((await wrong.identifyUser("bob")).status, 403, "auth calls return the status instead of throwing");
});

test("AI copilots and knowledge", async () => {
	const c = sdk();
	const cp = await c.createAiCopilot({ name: "Docs", systemPrompt: "Answer", providerApiKey: "fake-key", provider: "openai", providerModel: "gpt-4o-mini" });
	assert.ok(cp.createdAt instanceof Date);
	assert.ok(cp.updatedAt instanceof Date);
	assert.ok((await c.getAiCopilots({ limit: 100 })).data.some((x) => x.id === cp.id));
	assert.equal((await c.getAiCopilot(cp.id)).name, "Docs");
	assert.equal((await c.updateAiCopilot(cp.id, { name: "Docs 2" })).name, "Docs 2");
	const web = await c.createWebKnowledgeSource({ copilotId: cp.id, url: "https://example.com/docs", type: "sitemap" });
	const file = await c.createFileKnowledgeSource({ copilotId: cp.id, file: new File(["# Notes\nhello"], "notes.md", { type: "text/markdown" }) });
	const ks = await c.getKnowledgeSources({ copilotId: cp.id });
	assert.equal(ks.data.length, 2);
	assert.ok(ks.data[0].createdAt instanceof Date && ks.data[0].lastIndexedAt instanceof Date);
	assert.equal((await c.getKnowledgeSource({ copilotId: cp.id, knowledgeSourceId: web.id })).type, "ai-knowledge-web-source");
	assert.equal(await c.getFileKnowledgeSourceMarkdown({ copilotId: cp.id, knowledgeSourceId: file.id }), "# Notes\nhello");
	const links = await c.getWebKnowledgeSourceLinks({ copilotId: cp.id, knowledgeSourceId: web.id });
	assert.ok(links.data.length >= 1 && links.data[0].createdAt instanceof Date);
	await c.deleteFileKnowledgeSource({ copilotId: cp.id, knowledgeSourceId: file.id });
	await c.deleteWebKnowledgeSource({ copilotId: cp.id, knowledgeSourceId: web.id });
	await c.deleteAiCopilot(cp.id);
	await rejectsWith(c.getAiCopilot(cp.id), 404);
	await rejectsWith(c.createAiCopilot({ name: "x", systemPrompt: "y", providerApiKey: "k", provider: "nope", providerModel: "m" }), 422);
});
