// A user's inbox notifications in batch mode, against the emulator,
// seeded with the official SDK (@liveblocks/node): the three kinds in
// their sections, --unread, --org, paging by cursor and --all, --json,
// one shown, one deleted (kept first), all deleted after saying how many,
// a custom one triggered with its JSON checked before anything is sent,
// and the server's 404, 422 and 403.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const ROOM = uniq("inb");

const para = (...children) => ({ version: 1, content: [{ type: "paragraph", children }] });

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
const lbtuiHome = (home, line, ...more) => runBatch(["-e", line, ...more], env, { home });

async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

async function fault(rule) {
	await rest(stack.url, "POST", "/__emulator/faults", { count: 1, ...rule });
}

/** USER's notifications as the API sends them (the SDK makes dates of
 * the strings). */
async function rawInbox(user) {
	return (await rest(stack.url, "GET", `/v2/users/${user}/inbox-notifications`)).body.data;
}

function kept(home) {
	const dir = path.join(home, ".local", "state", "lbtui");
	return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

/** USER gets a textMention (bob mentions them in a new thread) and, as the
 * thread's subscriber, a thread notification (carol replies); and one
 * custom notification. */
async function seedInbox(user) {
	const th = await lb.createThread({
		roomId: ROOM,
		data: { comment: { userId: "bob", body: para({ text: "hey " }, { type: "mention", kind: "user", id: user }) } },
	});
	await lb.createComment({ roomId: ROOM, threadId: th.id, data: { userId: user, body: para({ text: "yes" }) } });
	await lb.createComment({ roomId: ROOM, threadId: th.id, data: { userId: "carol", body: para({ text: "me too" }) } });
	await lb.triggerInboxNotification({ userId: user, kind: "$deploy", subjectId: "build-7", roomId: ROOM, activityData: { version: "1.2" } });
	return th;
}

describe("reading", () => {
	test("inbox: the three kinds in sections, with room, subject, state and detail; --json the API's objects", async () => {
		const user = uniq("ada");
		const th = await seedInbox(user);
		const all = await lb.getInboxNotifications({ userId: user });
		assert.equal(all.data.length, 3);
		// Read the mention, so the sections are not all Unread.
		const mention = all.data.find((n) => n.kind === "textMention");
		await rest(stack.url, "POST", `/v2/inbox-notifications/${mention.id}/read`);

		const r = await lbtui(`inbox ${user}`);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split("\n");
		assert.match(lines[0], /^\s+ID\s+KIND\s+ROOM\s+SUBJECT\s+NOTIFIED\s+AGE\s+STATE\s+DETAIL$/);
		const at = (s) => lines.findIndex((l) => l.startsWith(s));
		assert.ok(at("Unread (2)") > 0, r.stdout);
		assert.ok(at("Mentions (1)") > at("Unread (2)"), r.stdout);
		assert.equal(at("Threads"), -1);
		assert.equal(at("Custom"), -1);
		const row = (kind) => lines.find((l) => l.includes(` ${kind} `));
		assert.match(row("thread"), new RegExp(`${ROOM}\\s+${th.id}\\s+.*unread\\s+-$`));
		assert.match(row("$deploy"), /build-7\s+.*unread\s+1 activity \{"version":"1.2"\}$/);
		assert.match(row("textMention"), new RegExp(`${th.id}\\s+.*\\bread\\s+by bob$`));

		const j = await lbtui(`inbox ${user} --json`);
		assert.equal(j.code, 0, j.stderr);
		const body = JSON.parse(j.stdout);
		assert.deepEqual(body.data.map((n) => n.id).sort(), all.data.map((n) => n.id).sort());
		assert.equal(body.nextCursor, null);
	});

	test("inbox --unread and --org filter on the server", async () => {
		const user = uniq("bea");
		await lb.triggerInboxNotification({ userId: user, kind: "$a", subjectId: "s1", activityData: {}, organizationId: "acme" });
		await lb.triggerInboxNotification({ userId: user, kind: "$b", subjectId: "s2", activityData: {} });
		const [read] = (await lb.getInboxNotifications({ userId: user })).data.filter((n) => n.kind === "$b");
		await rest(stack.url, "POST", `/v2/inbox-notifications/${read.id}/read`);

		let r = await lbtui(`inbox ${user} --unread --json`);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(JSON.parse(r.stdout).data.map((n) => n.kind), ["$a"]);
		r = await lbtui(`inbox ${user} --org acme --json`);
		assert.deepEqual(JSON.parse(r.stdout).data.map((n) => n.kind), ["$a"]);
		r = await lbtui(`inbox ${user} --org nobody`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr + r.stdout, /\(no notifications\)/);
	});

	test("inbox pages by cursor: one page and a hint, --all follows every cursor", async () => {
		const user = uniq("cy");
		for (let i = 0; i < 53; i++)
			await lb.triggerInboxNotification({ userId: user, kind: "$n", subjectId: `s${i}`, activityData: { i } });
		await rest(stack.url, "DELETE", "/__emulator/requests");
		let r = await lbtui(`inbox ${user} --json`);
		assert.equal(r.code, 0, r.stderr);
		let body = JSON.parse(r.stdout);
		assert.equal(body.data.length, 50);
		assert.ok(body.nextCursor);
		r = await lbtui(`inbox ${user}`);
		assert.match(r.stderr + r.stdout, /more notifications: add --all/);
		await rest(stack.url, "DELETE", "/__emulator/requests");
		r = await lbtui(`inbox ${user} --all --json`);
		body = JSON.parse(r.stdout);
		assert.equal(body.data.length, 53);
		assert.equal(new Set(body.data.map((n) => n.id)).size, 53);
		assert.equal(await count("GET", `/v2/users/${user}/inbox-notifications`), 2);
	});

	test("notification show: one notification; 404 for another user's or an unknown one", async () => {
		const user = uniq("dee");
		const th = await seedInbox(user);
		const n = (await lb.getInboxNotifications({ userId: user })).data.find((x) => x.kind === "textMention");
		let r = await lbtui(`notification show ${user} ${n.id}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^notification ${n.id}\\nkind:\\s+textMention\\nroom:\\s+${ROOM}\\nsubject:\\s+${th.id}\\nmentioned: by bob in comment cm_`));
		assert.match(r.stdout, /state:\s+unread$/m);
		r = await lbtui(`notification show ${user} ${n.id} --json`);
		assert.deepEqual(JSON.parse(r.stdout), (await rawInbox(user)).find((x) => x.id === n.id));
		r = await lbtui(`notification show someone-else ${n.id}`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404/);
		assert.match(r.stderr, /not found/);
	});

	test("a 403 on the inbox is said and fails", async () => {
		await fault({ method: "GET", path: "/v2/users/*/inbox-notifications", type: "status", status: 403 });
		const r = await lbtui("inbox anyone");
		assert.equal(r.code, 1);
		assert.match(r.stderr, /403/);
	});
});

describe("deleting", () => {
	test("notification delete: asks, needs --yes in batch, keeps a copy, deletes once", async () => {
		const user = uniq("eve");
		await lb.triggerInboxNotification({ userId: user, kind: "$deploy", subjectId: "s", activityData: { v: 1 } });
		const [n] = await rawInbox(user);
		const home = makeHome();
		const p = `/v2/users/${user}/inbox-notifications/${n.id}`;
		let r = await lbtuiHome(home, `notification delete ${user} ${n.id}`);
		assert.equal(r.code, 2);
		assert.match(r.stdout, new RegExp(`Delete inbox notification ${n.id} of user ${user}`));
		assert.match(r.stderr, /--yes/);
		assert.equal(await count("DELETE", p), 0);

		r = await lbtuiHome(home, `notification delete ${user} ${n.id} --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`deleted notification ${n.id} of ${user}`));
		assert.equal(await count("DELETE", p), 1);
		assert.equal((await lb.getInboxNotifications({ userId: user })).data.length, 0);
		const files = kept(home);
		assert.equal(files.length, 1);
		assert.deepEqual(JSON.parse(fs.readFileSync(files[0], "utf8")), n);

		// Gone now: the read before the delete says 404; nothing is sent.
		r = await lbtuiHome(home, `notification delete ${user} ${n.id} --yes`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /nothing was changed.*404|404.*nothing was changed/s);
		assert.equal(await count("DELETE", p), 1);
	});

	test("notification delete: a 403 to the DELETE fails and leaves no copy behind", async () => {
		const user = uniq("fay");
		await lb.triggerInboxNotification({ userId: user, kind: "$x", subjectId: "s", activityData: {} });
		const [n] = (await lb.getInboxNotifications({ userId: user })).data;
		const home = makeHome();
		await fault({ method: "DELETE", path: "/v2/users/*/inbox-notifications/*", type: "status", status: 403 });
		const r = await lbtuiHome(home, `notification delete ${user} ${n.id} --yes`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /403/);
		assert.equal(kept(home).length, 0);
		assert.equal((await lb.getInboxNotifications({ userId: user })).data.length, 1);
	});

	test("notification delete-all: says how many go, keeps them all, one DELETE", async () => {
		const user = uniq("gus");
		for (let i = 0; i < 3; i++)
			await lb.triggerInboxNotification({ userId: user, kind: "$k", subjectId: `s${i}`, activityData: { i } });
		const home = makeHome();
		const p = `/v2/users/${user}/inbox-notifications`;
		let r = await lbtuiHome(home, `notification delete-all ${user}`);
		assert.equal(r.code, 2);
		assert.match(r.stdout, new RegExp(`Delete all 3 inbox notifications of user ${user}`));
		assert.equal(await count("DELETE", p), 0);
		assert.equal(kept(home).length, 0, "a refused delete-all leaves its copy behind");

		r = await lbtuiHome(home, `notification delete-all ${user} --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`deleted 3 notifications of ${user}`));
		assert.equal(await count("DELETE", p), 1);
		assert.equal((await lb.getInboxNotifications({ userId: user })).data.length, 0);
		const saved = kept(home).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
		assert.ok(saved.some((a) => Array.isArray(a) && a.length === 3));

		// Nothing left: no question, no request.
		r = await lbtuiHome(home, `notification delete-all ${user} --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /no notifications to delete/);
		assert.equal(await count("DELETE", p), 1);
	});

	test("read-only mode refuses the deletes and the trigger before any request", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		for (const line of ["notification delete u in_1 --yes", "notification delete-all u --yes",
			"notification trigger u $k --subject s --data {}"]) {
			const r = await runBatch(["--read-only", "-e", line], env);
			assert.notEqual(r.code, 0, line);
			assert.match(r.stderr, /read-only/);
		}
		assert.equal((await rest(stack.url, "GET", "/__emulator/requests")).body.total, 0);
	});
});

describe("triggering", () => {
	test("notification trigger: the notification lands in the user's inbox, with its data", async () => {
		const user = uniq("hal");
		const r = await lbtui(`notification trigger ${user} $deploy --room ${ROOM} --subject build-9 --data '{"version":"2.0","ok":true,"n":3}'`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`triggered \\$deploy for ${user}`));
		const [n] = (await lb.getInboxNotifications({ userId: user })).data;
		assert.equal(n.kind, "$deploy");
		assert.equal(n.roomId, ROOM);
		assert.equal(n.subjectId, "build-9");
		assert.deepEqual(n.activities[0].data, { version: "2.0", ok: true, n: 3 });
	});

	test("notification trigger --data @FILE", async () => {
		const user = uniq("ian");
		const home = makeHome();
		const file = path.join(home, "data.json");
		fs.writeFileSync(file, '{"from":"file"}');
		const r = await lbtuiHome(home, `notification trigger ${user} $filed --subject s --data @${file}`);
		assert.equal(r.code, 0, r.stderr);
		const [n] = (await lb.getInboxNotifications({ userId: user })).data;
		assert.deepEqual(n.activities[0].data, { from: "file" });
	});

	test("bad kind or data is refused before anything is sent", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const cases = [
			["notification trigger u deploy --subject s --data {}", /starts with "\$"/],
			["notification trigger u $de-ploy --subject s --data {}", /letters or underscores/],
			["notification trigger u $k --subject s --data '{\"v\":'", /not valid JSON/],
			["notification trigger u $k --subject s --data '[1]'", /one JSON object/],
			["notification trigger u $k --subject s --data '{\"v\":{\"x\":1}}'", /"v" is not a string, a number or a boolean/],
			["notification trigger u $k --data {}", /--subject/],
		];
		for (const [line, re] of cases) {
			const r = await lbtui(line);
			assert.equal(r.code, 2, line);
			assert.match(r.stderr, re, line);
		}
		assert.equal(await count("POST", "/v2/inbox-notifications/trigger"), 0);
	});

	test("the server's 404 (no such room) and 422 are said", async () => {
		let r = await lbtui(`notification trigger u $k --room no-such-room-${uniq()} --subject s --data {}`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404/);
		await fault({ method: "POST", path: "/v2/inbox-notifications/trigger", type: "status", status: 422 });
		r = await lbtui("notification trigger u $k --subject s --data {}");
		assert.equal(r.code, 1);
		assert.match(r.stderr, /422/);
	});
});

describe("on the screen", () => {
	test(":inbox USER shows the sections, read ones muted; Enter reads the thread, d asks before deleting", async () => {
		const user = uniq("jo");
		const th = await seedInbox(user);
		const mention = (await rawInbox(user)).find((n) => n.kind === "textMention");
		await rest(stack.url, "POST", `/v2/inbox-notifications/${mention.id}/read`);
		const t = spawnLbtui({ cols: 160, rows: 30, env: serverEnv(stack.url, { LBTUI_USER: "" }) });
		running.push(t);
		await t.waitFor("rooms");
		t.command(`:inbox ${user}`);
		await t.waitFor("3 notifications, 2 unread");
		const s = t.screen();
		const y = (text) => s.findIndex((r) => r.includes(text));
		assert.match(t.screenText(), /SECTION\s+KIND\s+ROOM\s+SUBJECT\s+NOTIFIED\s+STATE/);
		// Unread first (the custom one, newest, then the thread), then Mentions.
		assert.ok(y("$deploy") < y(" thread ") && y(" thread ") < y("textMention"), t.dump());
		assert.match(s[y("textMention")], /Mentions\s+textMention/);
		assert.match(s[y("$deploy")], /Unread\s+\$deploy/);
		const mx = s[y("textMention")].indexOf("textMention");
		assert.ok(t.cell(mx, y("textMention")).dim, "a read notification is not muted");
		// The custom one points to no thread.
		t.key("Enter");
		await t.waitFor("points to no thread");
		// The thread notification opens the thread view.
		t.key("Down");
		await t.waitIdle();
		t.key("Enter");
		await t.waitFor("me too");
		assert.match(t.screenText(), new RegExp(th.id.slice(0, 10)));
		t.write("q");
		await t.waitFor("notifications, 2 unread");
		// d asks first; n keeps it.
		t.write("d");
		await t.waitFor("Delete it?");
		t.write("n");
		await t.waitForGone("Delete it?");
		assert.equal((await rawInbox(user)).length, 3);
	});
});
