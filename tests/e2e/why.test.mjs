// `why USER ROOM THREAD`: why a user was (not) notified about a thread,
// against the emulator seeded with the official SDK (@liveblocks/node).
// Batch mode (text and --json) through each conclusion the API can back:
// notified by a mention and by a group mention, with the channels; not
// notified because of threads=none, of their own comments, of not taking
// part; a missing room or thread; a refused key. Then the screen: `:why`
// opens the trace in the pager with the conclusion at its end.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const ROOM = uniq("why");

const para = (...children) => ({ version: 1, content: [{ type: "paragraph", children }] });
const mention = (id, kind = "user") => ({ type: "mention", kind, id });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
	await createRoom(stack.url, ROOM);
});

const running = [];

after(async () => {
	for (const t of running) await t.close();
	if (stack) await stack.stop();
});

const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env);

async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

async function fault(rule) {
	await rest(stack.url, "POST", "/__emulator/faults", { count: 1, ...rule });
}

/** A thread bob starts with these children. */
async function thread(...children) {
	return lb.createThread({ roomId: ROOM, data: { comment: { userId: "bob", body: para(...children) } } });
}

/** The conclusion: the lines after "Conclusion". */
function conclusion(stdout) {
	const at = stdout.indexOf("\nConclusion\n");
	assert.ok(at >= 0, stdout);
	return stdout.slice(at + "\nConclusion\n".length).trim();
}

describe("batch", () => {
	test("a direct mention: notified, the notification named, the channels said; each read once", async () => {
		const ada = uniq("ada");
		const th = await thread({ text: "look " }, mention(ada));
		// The project has no slack channel for ada; email is off for mentions.
		await lb.updateNotificationSettings({ userId: ada, data: { email: { textMention: false } } });
		const [note] = (await lb.getInboxNotifications({ userId: ada })).data;
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const r = await lbtui(`why ${ada} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		const out = r.stdout;
		assert.match(out, new RegExp(`^Why was ${ada} \\(not\\) notified about thread ${th.id} in room ${ROOM}\\?`));
		assert.match(out, new RegExp(`1\\. The thread\\n   GET /v2/rooms/${ROOM}/threads/${th.id} -> 200\\n   1 comment; ${ada} wrote 0\\n   ${ada} is mentioned in ${th.comments[0].id}`));
		assert.match(out, /2\. The thread's subscriptions\n.*subscriptions -> 200\n   1 subscriber: bob\n/);
		assert.match(out, /3\. The user's room subscription settings\n.* -> 200\n   threads=replies_and_mentions, textMentions=mine/);
		assert.match(out, /email    thread on, textMention off/);
		assert.match(out, new RegExp(`GET /v2/users/${ada}/inbox-notifications\\?limit=50 -> 200\\n   1 of 1 notification read are about the thread\\n   ${note.id}  textMention  unread`));
		assert.equal(conclusion(out),
			`${ada} was notified about thread ${th.id}: inbox notification ${note.id} (textMention by bob, unread).\n` +
			"Channels for textMention notifications: email off, slack on, teams on, webPush on.");
		for (const p of [`/v2/rooms/${ROOM}/threads/${th.id}`, `/v2/rooms/${ROOM}/threads/${th.id}/subscriptions`,
			`/v2/rooms/${ROOM}/users/${ada}/subscription-settings`, `/v2/users/${ada}/notification-settings`,
			`/v2/users/${ada}/groups`, `/v2/users/${ada}/inbox-notifications`])
			assert.equal(await count("GET", p), 1, p);
	});

	test("--json: one object with every step, what was asked and what came back, and the conclusion", async () => {
		const ada = uniq("ada");
		const th = await thread(mention(ada));
		const r = await runBatch(["--json", "-e", `why ${ada} ${ROOM} ${th.id}`], env);
		assert.equal(r.code, 0, r.stderr);
		const j = JSON.parse(r.stdout);
		assert.deepEqual(Object.keys(j), ["user", "roomId", "threadId", "steps", "notified", "conclusion"]);
		assert.equal(j.notified, true);
		assert.deepEqual(j.steps.map((s) => [s.step, s.status]), [
			["thread", 200], ["subscriptions", 200], ["roomSubscriptionSettings", 200],
			["notificationSettings", 200], ["groups", 200], ["inboxNotifications", 200],
		]);
		assert.equal(j.steps[0].request, `GET /v2/rooms/${ROOM}/threads/${th.id}`);
		assert.equal(j.steps[0].answer.id, th.id);
		assert.deepEqual(j.steps[2].answer, { threads: "replies_and_mentions", textMentions: "mine" });
		assert.equal(j.steps[5].answer.length, 1);
		assert.equal(j.steps[5].answer[0].kind, "textMention");
		assert.match(j.conclusion[0], new RegExp(`^${ada} was notified about thread ${th.id}: inbox notification in_`));
	});

	test("a group mention: the member is notified, the trace says through which group", async () => {
		const ada = uniq("ada");
		const g = uniq("eng");
		await lb.createGroup({ groupId: g, memberIds: [ada] });
		const th = await thread({ text: "team " }, mention(g, "group"));
		const r = await lbtui(`why ${ada} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`1 group: ${g}\\n`));
		assert.match(r.stdout, new RegExp(`${ada} is mentioned as a member of group ${g} in ${th.comments[0].id}`));
		assert.match(conclusion(r.stdout), new RegExp(`^${ada} was notified about thread ${th.id}: inbox notification in_\\S+ \\(textMention by bob, unread\\)\\.`));
	});

	test("not notified: threads=none, their own comments, not taking part", async () => {
		const ada = uniq("ada");
		// Subscribed by commenting, but the room setting silences the thread.
		await lb.updateRoomSubscriptionSettings({ roomId: ROOM, userId: ada, data: { threads: "none" } });
		const th = await thread({ text: "first" });
		await lb.createComment({ roomId: ROOM, threadId: th.id, data: { userId: ada, body: para({ text: "me" }) } });
		await lb.createComment({ roomId: ROOM, threadId: th.id, data: { userId: "carol", body: para({ text: "and me" }) } });
		let r = await lbtui(`why ${ada} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`${ada} is subscribed \\(since `));
		assert.equal(conclusion(r.stdout), `${ada} was not notified because their room subscription setting in ${ROOM} is threads=none.`);

		const own = await lb.createThread({ roomId: ROOM, data: { comment: { userId: ada, body: para({ text: "mine" }) } } });
		r = await lbtui(`why ${ada} ${ROOM} ${own.id}`);
		assert.equal(conclusion(r.stdout), `${ada} was not notified because they wrote every comment of thread ${own.id}: nobody is notified of their own comments.`);

		const dan = uniq("dan");
		r = await lbtui(`why ${dan} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(conclusion(r.stdout),
			`${dan} was not notified because they are not subscribed to thread ${th.id} and not mentioned in it; their room setting is threads=replies_and_mentions.`);
	});

	test("a missing room or thread is a conclusion; a refused key is none, and the command fails", async () => {
		let r = await lbtui(`why ada ${ROOM} th_missing`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`GET /v2/rooms/${ROOM}/threads/th_missing -> 404\\n   404 \\S+: Thread with id "th_missing" not found\\.`));
		assert.equal(conclusion(r.stdout),
			`ada was not notified about thread th_missing: room ${ROOM} has no such thread (404 RESOURCE_NOT_FOUND: Thread with id "th_missing" not found.). Check the IDs: \`threads ${ROOM}\` lists the room's threads.`);

		const nowhere = uniq("nowhere");
		r = await lbtui(`why ada ${nowhere} th_missing`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(conclusion(r.stdout), new RegExp(`^ada was not notified about thread th_missing: there is no room ${nowhere} in the project \\(404 ROOM_NOT_FOUND: `));

		const th = await thread({ text: "x" });
		await fault({ method: "GET", path: `/v2/rooms/${ROOM}/threads/${th.id}`, type: "status", status: 403 });
		r = await lbtui(`why ada ${ROOM} ${th.id}`);
		assert.notEqual(r.code, 0);
		assert.match(r.stdout, /-> 403\n/);
		assert.match(conclusion(r.stdout), new RegExp(`^No conclusion: the secret key may not read thread ${th.id} of room ${ROOM} \\(403`));
		assert.match(r.stderr, /no conclusion/);
	});

	test("the inbox is read page by page: the notification about the thread on the second is found", async () => {
		const ada = uniq("ada");
		const th = await thread(mention(ada));
		// 55 newer notifications push the mention to the second page of 50.
		for (let i = 0; i < 55; i++)
			await lb.triggerInboxNotification({ userId: ada, kind: "$build", subjectId: `b${i}`, activityData: { n: i } });
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const r = await lbtui(`why ${ada} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /   1 of 56 notifications read are about the thread\n   in_\S+  textMention  unread/);
		assert.match(conclusion(r.stdout), new RegExp(`^${ada} was notified about thread ${th.id}`));
		assert.equal(await count("GET", `/v2/users/${ada}/inbox-notifications`), 2);
	});

	test("a later page that fails leaves what the first said, with older pages not read", async () => {
		const ada = uniq("ada");
		for (let i = 0; i < 55; i++)
			await lb.triggerInboxNotification({ userId: ada, kind: "$build", subjectId: `b${i}`, activityData: { n: i } });
		const th = await thread(mention(ada));
		await fault({ method: "GET", path: `/v2/users/${ada}/inbox-notifications`, type: "status", status: 403, skip: 1 });
		const r = await lbtui(`why ${ada} ${ROOM} ${th.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /   1 of 50 notifications read are about the thread \(older pages not read\)\n/);
		assert.match(conclusion(r.stdout), new RegExp(`^${ada} was notified about thread ${th.id}`));
	});

	test("it takes three arguments", async () => {
		const r = await lbtui("why ada");
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /USER ROOM THREAD/);
	});
});

describe("screen", () => {
	test(":why opens the trace in the pager, the conclusion at its end; q goes back", async () => {
		const ada = uniq("ada");
		const th = await thread({ text: "ping " }, mention(ada));
		const t = spawnLbtui({ cols: 150, rows: 60, env: serverEnv(stack.url, { LBTUI_USER: "" }) });
		running.push(t);
		await t.waitFor("rooms");
		t.command(`:why ${ada} ${ROOM} ${th.id}`);
		await t.waitFor("Conclusion");
		await t.waitFor(/rows 1–\d+ of \d+ │ \/ search, q to go back/);
		const s = t.screen();
		const y = (text) => s.findIndex((row) => row.includes(text));
		assert.ok(y(`why ${ada}`) >= 0, t.dump());
		assert.ok(y(`Why was ${ada} (not) notified about thread ${th.id}`) > y(`why ${ada}`), t.dump());
		assert.ok(y("6. The user's inbox notifications about the thread") > y("1. The thread"), t.dump());
		const c = y("Conclusion");
		assert.ok(c > y("6. The user's inbox"), t.dump());
		// The conclusion is the last thing, the lines wrapped at the pager's width.
		assert.match(s[c + 1], new RegExp(`${ada} was notified about thread ${th.id}: inbox`));
		const ch = y("Channels for textMention notifications: email on, slack on, teams on, webPush on.");
		assert.ok(ch > c + 1, t.dump());
		const status = s.findIndex((row) => /rows 1–\d+ of \d+/.test(row));
		assert.ok(s.slice(ch + 1, status).every((row) => row.slice(14).trim() === ""), t.dump());
		t.write("q");
		await t.waitFor((txt) => !txt.includes("Conclusion"));
	});

	test(":why about a missing thread shows its conclusion in the pager too", async () => {
		const t = spawnLbtui({ cols: 150, rows: 60, env: serverEnv(stack.url, { LBTUI_USER: "" }) });
		running.push(t);
		await t.waitFor("rooms");
		t.command(`:why ada ${ROOM} th_gone`);
		await t.waitFor(`room ${ROOM} has no such thread`);
		assert.match(t.screenText(), /-> 404/);
	});
});
