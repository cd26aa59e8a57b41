// The user view and user IDs on the command line, against the emulator
// seeded with the official SDK (@liveblocks/node): `user USER` on the
// screen (four sections loaded at once, each with its own error, each
// opening its full view) and in batch mode (four sections as text, or one
// object of the four answers); and Tab completing a user argument from the
// IDs the cache has seen (room accesses, comment authors and mentions,
// group members, earlier answers).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const running = [];

const para = (...children) => ({ version: 1, content: [{ type: "paragraph", children }] });

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url, { LBTUI_USER: "" });
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
});

after(async () => {
	for (const t of running)
		await t.close();
	if (stack)
		await stack.stop();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 120, rows: 30, ...opts, env: { ...env, ...opts.env } });
	running.push(t);
	return t;
}

async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

async function fault(rule) {
	await rest(stack.url, "POST", "/__emulator/faults", { count: 1, ...rule });
}

const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env);

/** A user with two notifications (one read), a group, settings with a
 * custom kind and one room's subscription settings. */
async function seedUser() {
	const user = uniq("usr");
	const room = uniq("usr-room");
	const group = uniq("usr-grp");
	await createRoom(stack.url, room);
	await lb.triggerInboxNotification({ userId: user, kind: "$deploy", subjectId: "build-1", roomId: room, activityData: { v: 1 } });
	await lb.triggerInboxNotification({ userId: user, kind: "$invite", subjectId: "inv-2", activityData: {} });
	const [newest] = (await lb.getInboxNotifications({ userId: user })).data;
	await rest(stack.url, "POST", `/v2/inbox-notifications/${newest.id}/read`);
	await lb.createGroup({ groupId: group, memberIds: [user, "someone"] });
	await lb.updateNotificationSettings({ userId: user, data: { email: { thread: false, $deploy: true } } });
	await lb.updateRoomSubscriptionSettings({ roomId: room, userId: user, data: { threads: "none", textMentions: "mine" } });
	return { user, room, group };
}

/** The rows of the section titled title, up to the next blank row. */
function section(t, title) {
	const s = t.screen();
	const y = s.findIndex((l) => l.includes(` ${title} `) || l.endsWith(` ${title}`));
	assert.ok(y >= 0, t.dump(`no section ${title}`));
	const out = [];
	for (let i = y; i < s.length && s[i].slice(15).trim(); i++)
		out.push(s[i]);
	return out.join("\n");
}

describe("the user view", () => {
	test(":user USER shows the inbox, groups, settings and subscriptions together, loaded at once", async () => {
		const { user, room, group } = await seedUser();
		const t = start();
		await t.waitFor(/rooms/);
		await rest(stack.url, "DELETE", "/__emulator/requests");
		// The groups answer late: the other sections do not wait for them.
		await fault({ method: "GET", path: "/v2/users/*/groups", type: "latency", latencyMs: 1500 });
		t.command(`:user ${user}`);
		await t.waitFor(/\$invite/);
		await t.waitFor(/threads none/);
		await t.waitFor(/\$deploy\s+on\s+off/);
		assert.match(section(t, "Groups"), /Loading/);
		assert.match(section(t, "Inbox"), /1 unread of 2 notifications/);
		assert.match(section(t, "Inbox"), new RegExp(`read\\s+\\$invite\\s+-\\s+inv-2`));
		assert.match(section(t, "Inbox"), new RegExp(`unread\\s+\\$deploy\\s+${room}\\s+build-1`));
		assert.match(section(t, "Notification settings"), /thread\s+off\s+on\s+on\s+on/);
		assert.match(section(t, "Notification settings"), /\$deploy\s+on\s+off\s+off\s+off/);
		assert.match(section(t, "Room subscription settings"), new RegExp(`${room}\\s+threads none\\s+mentions mine`));
		await t.waitFor(new RegExp(`${group}\\s+2 members`), { timeout: 5000 });
		assert.match(section(t, "Groups"), /in 1\b/);
		for (const p of ["inbox-notifications", "groups", "notification-settings", "room-subscription-settings"])
			assert.equal(await count("GET", `/v2/users/${user}/${p}`), 1, p);
		assert.equal(await t.exit(), 0);
	});

	test("a section that fails shows its own error; the others show", async () => {
		const { user, room } = await seedUser();
		const t = start();
		await t.waitFor(/rooms/);
		await fault({ method: "GET", path: "/v2/users/*/notification-settings", type: "status", status: 403 });
		await fault({ method: "GET", path: "/v2/users/*/groups", type: "status", status: 404 });
		t.command(`:user ${user}`);
		await t.waitFor(/threads none/);
		// The sections themselves: the status bar's port may hold the digits.
		await t.waitFor(() => /failed[\s\S]*403/.test(section(t, "Notification settings")));
		await t.waitFor(() => /failed[\s\S]*404/.test(section(t, "Groups")));
		await t.waitFor(/1 unread of 2 notifications/);
		assert.match(section(t, "Notification settings"), /failed[\s\S]*403/);
		assert.match(section(t, "Groups"), /failed[\s\S]*404/);
		assert.match(section(t, "Inbox"), /1 unread of 2 notifications/);
		assert.match(section(t, "Room subscription settings"), new RegExp(room));
		assert.match(t.row(-2), /2 of 4 sections failed/);
		assert.equal(await t.exit(), 0);
	});

	test("Enter on a section, or i g s r, opens its full view", async () => {
		const { user, room, group } = await seedUser();
		const t = start();
		await t.waitFor(/rooms/);
		t.command(`:user ${user}`);
		await t.waitFor(/threads none/);
		await t.waitIdle();
		t.write("i");
		await t.waitFor(new RegExp(`inbox ${user}`));
		await t.waitFor(/2 notifications, 1 unread/);
		t.write("q");
		await t.waitFor(/▸ Inbox/);
		t.write("g");
		await t.waitFor(new RegExp(`groups of ${user}`));
		await t.waitFor(new RegExp(`${group} .*someone`));
		t.write("q");
		await t.waitFor(/Room subscription settings/);
		t.write("r");
		await t.waitFor(new RegExp(`subscriptions ${user}`));
		await t.waitFor(new RegExp(`${room}\\s+none\\s+mine`));
		t.write("q");
		await t.waitFor(/Room subscription settings/);
		t.write("s");
		await t.waitFor(/KIND\s+email\s+slack/);
		t.write("q");
		await t.waitFor(/Room subscription settings/);
		// Enter opens the section under the cursor (the last key's, the
		// settings): up to the inbox, down to the groups.
		await t.waitFor(/▸ Notification settings/);
		t.key("Up", "Up", "Up");
		await t.waitFor(/▸ Inbox/);
		t.key("Down");
		await t.waitFor(/▸ Groups/);
		t.key("Enter");
		await t.waitFor(new RegExp(`groups of ${user}`));
		t.write("q");
		await t.waitFor(/▸ Groups/);
		t.key("Down");
		await t.waitFor(/▸ Notification settings/);
		t.key("Enter");
		await t.waitFor(new RegExp(`settings ${user}`));
		await t.waitFor(/KIND\s+email\s+slack/);
		assert.equal(await t.exit(), 0);
	});
});

describe("user in batch mode", () => {
	test("user USER prints the four sections; --json one object of the four answers", async () => {
		const { user, room, group } = await seedUser();
		let r = await lbtui(`user ${user}`);
		assert.equal(r.code, 0, r.stderr);
		const out = r.stdout;
		const at = (s) => out.indexOf(`\n${s}\n`);
		assert.ok(at("Inbox") > 0 && at("Groups") > at("Inbox") && at("Notification settings") > at("Groups") &&
			at("Room subscription settings") > at("Notification settings"), out);
		assert.match(out, /1 unread of 2 notifications/);
		assert.match(out, new RegExp(`${group}\\s+2 members`));
		assert.match(out, /\$deploy\s+on\s+off\s+off\s+off/);
		assert.match(out, new RegExp(`${room}\\s+threads\\s+none\\s+mentions\\s+mine`));

		r = await lbtui(`user ${user}`, "--json");
		assert.equal(r.code, 0, r.stderr);
		const j = JSON.parse(r.stdout);
		assert.equal(j.userId, user);
		const get = async (p) => (await rest(stack.url, "GET", `/v2/users/${user}/${p}`)).body;
		assert.deepEqual(j.inbox.data.map((n) => n.id), (await get("inbox-notifications")).data.map((n) => n.id));
		assert.deepEqual(j.groups.data.map((g) => g.id), [group]);
		assert.deepEqual(j.notificationSettings, await get("notification-settings"));
		assert.deepEqual(j.roomSubscriptionSettings.data, (await get("room-subscription-settings")).data);
	});

	test("a section that fails is said in its place; the others print; the exit status is 1", async () => {
		const { user, room } = await seedUser();
		await fault({ method: "GET", path: "/v2/users/*/groups", type: "status", status: 403 });
		let r = await lbtui(`user ${user}`);
		assert.equal(r.code, 1);
		assert.match(r.stdout, /\nGroups\n  error: .*403/);
		assert.match(r.stdout, new RegExp(room));
		assert.match(r.stdout, /1 unread of 2 notifications/);
		assert.match(r.stderr, /could not be read \(Groups\): 403/);

		await fault({ method: "GET", path: "/v2/users/*/notification-settings", type: "status", status: 404 });
		r = await lbtui(`user ${user}`, "--json");
		assert.equal(r.code, 1);
		const j = JSON.parse(r.stdout);
		assert.equal(j.notificationSettings.error.status, 404);
		assert.ok(Array.isArray(j.groups.data));
	});
});

/** Type line, press Tab, wait until the command line reads want, and
 * leave the command line. */
async function complete(t, line, want) {
	t.write(line);
	t.key("Tab");
	await t.waitFor(() => t.row(-1).includes(want), { timeout: 3000 }).catch(() => {
		assert.fail(`${line}<Tab> did not give "${want}":\n${t.dump("completion")}`);
	});
	t.key("Esc");
	await t.waitFor(() => !t.row(-1).startsWith(":"));
}

describe("completion of user IDs", () => {
	test("Tab after a command that takes a user completes from accesses, comments, mentions, groups and answers", async () => {
		const tag = uniq("cu");
		const u = (name) => `${tag}${name}`;
		const room = `${tag}-room`;
		await createRoom(stack.url, room, { usersAccesses: { [u("acc")]: ["room:write"] } });
		await lb.createThread({
			roomId: room,
			data: { comment: { userId: u("author"), body: para({ text: "hi " }, { type: "mention", kind: "user", id: u("mentioned") }) } },
		});
		await lb.createGroup({ groupId: `${tag}-grp`, memberIds: [u("member")] });
		await lb.triggerInboxNotification({ userId: u("inboxed"), kind: "$x", subjectId: "s", activityData: {} });

		const t = start();
		await t.waitFor(room);
		await complete(t, `:user-groups ${tag}a`, `:user-groups ${u("acc")}`);

		// The threads view loads the threads.
		t.command(`:threads ${room}`);
		await t.waitFor(/hi @/);
		await complete(t, `:settings ${tag}au`, `:settings ${u("author")}`);
		await complete(t, `:subscriptions ${tag}me`, `:subscriptions ${u("mentioned")}`);

		t.command(":groups");
		await t.waitFor(`${tag}-grp`);
		await complete(t, `:token authorize ${tag}mem`, `:token authorize ${u("member")}`);

		t.command(`:inbox ${u("inboxed")}`);
		await t.waitFor("$x");
		await complete(t, `:inbox ${tag}i`, `:inbox ${u("inboxed")}`);
		// A word that is no user's completes to nothing.
		t.write(`:user-groups ${tag}zz`);
		t.key("Tab");
		await t.settle();
		await new Promise((r) => setTimeout(r, 150));
		assert.match(t.row(-1), new RegExp(`:user-groups ${tag}zz\\s*$`));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});
});
