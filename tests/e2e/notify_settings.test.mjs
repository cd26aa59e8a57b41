// How a user is notified, in batch mode, against the emulator, seeded with
// the official SDK (@liveblocks/node): the channel settings grid (a
// channel the project has not enabled shown as off), --set checked before
// anything is sent, --reset confirmed and kept; room subscription
// settings read, set and deleted; a user's list of them, paged; the
// deprecated notification-settings paths, which say so; 404, 422, 403.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, rest, runBatch, serverEnv, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const ROOM = uniq("ns");

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
	await createRoom(stack.url, ROOM);
});

after(async () => {
	if (stack) await stack.stop();
});

const lbtui = (line, ...more) => runBatch(["-e", line, ...more], env);

async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

async function fault(rule) {
	await rest(stack.url, "POST", "/__emulator/faults", { count: 1, ...rule });
}

function kept(home) {
	const dir = path.join(home, ".local", "state", "lbtui");
	return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

/** The grid's row of a channel, as words. */
const gridRow = (out, ch) => out.split("\n").find((l) => l.startsWith(ch + " ")).trim().split(/\s+/);

describe("notification settings", () => {
	test("settings: the grid channel × kind; --set changes only what it names", async () => {
		const user = uniq("ada");
		await lb.updateNotificationSettings({ userId: user, data: { slack: { thread: false }, email: { $deploy: true } } });
		let r = await lbtui(`settings ${user}`);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(r.stdout.split("\n")[0].trim().split(/\s+/), ["CHANNEL", "thread", "textMention", "$deploy"]);
		assert.deepEqual(gridRow(r.stdout, "email"), ["email", "on", "on", "on"]);
		assert.deepEqual(gridRow(r.stdout, "slack"), ["slack", "off", "on", "off"]);

		r = await lbtui(`settings ${user} --set teams.textMention=off --set email.$deploy=off`);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(gridRow(r.stdout, "teams"), ["teams", "on", "off", "off"]);
		assert.deepEqual(gridRow(r.stdout, "email"), ["email", "on", "on", "off"]);
		const now = await lb.getNotificationSettings({ userId: user });
		assert.equal(now.teams.textMention, false);
		assert.equal(now.slack.thread, false);

		r = await lbtui(`settings ${user} --json`);
		assert.equal(JSON.parse(r.stdout).teams.textMention, false);
	});

	test("--set is checked before anything is sent", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		for (const [spec, re] of [["fax.thread=on", /no channel "fax"/], ["email.thread=maybe", /on or off/],
			["email.deploy=on", /thread, textMention or a custom/], ["emailthread=on", /CHANNEL.KIND=on\|off/]]) {
			const r = await lbtui(`settings u --set ${spec}`);
			assert.equal(r.code, 2, spec);
			assert.match(r.stderr, re, spec);
		}
		assert.equal(await count("POST", "/v2/users/u/notification-settings"), 0);
		assert.equal(await count("GET", "/v2/users/u/notification-settings"), 0);
	});

	test("a channel the project has not enabled (null) is shown as off, not as an error", async () => {
		// A server that answers as the API does for a project with only email enabled.
		const srv = http.createServer((req, res) => {
			res.writeHead(200, { "content-type": "application/json" });
			res.end(JSON.stringify({ email: { thread: true, textMention: false }, slack: null, teams: null, webPush: null }));
		});
		await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
		try {
			const r = await runBatch(["-e", "settings ada"], serverEnv(`http://127.0.0.1:${srv.address().port}`));
			assert.equal(r.code, 0, r.stderr);
			assert.deepEqual(gridRow(r.stdout, "email"), ["email", "on", "off"]);
			assert.match(r.stdout, /^slack\s+off\s+off\s+\(not enabled in the project\)$/m);
			assert.match(r.stdout, /^webPush\s+off\s+off\s+\(not enabled in the project\)$/m);
			assert.doesNotMatch(r.stderr, /error/i);
		} finally {
			srv.close();
		}
	});

	test("--reset asks, needs --yes, keeps the settings it resets", async () => {
		const user = uniq("bo");
		await lb.updateNotificationSettings({ userId: user, data: { email: { thread: false } } });
		const home = makeHome();
		let r = await runBatch(["-e", `settings ${user} --reset`], env, { home });
		assert.equal(r.code, 2);
		assert.match(r.stdout, new RegExp(`Reset the notification settings of user ${user}`));
		assert.equal(await count("DELETE", `/v2/users/${user}/notification-settings`), 0);
		r = await runBatch(["-e", `settings ${user} --reset --yes`], env, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(await count("DELETE", `/v2/users/${user}/notification-settings`), 1);
		assert.equal((await lb.getNotificationSettings({ userId: user })).email.thread, true);
		const [file] = kept(home);
		assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).email.thread, false);
	});

	test("the server's 422 and 403 are said", async () => {
		await fault({ method: "POST", path: "/v2/users/*/notification-settings", type: "status", status: 422 });
		let r = await lbtui("settings u --set email.thread=off");
		assert.equal(r.code, 1);
		assert.match(r.stderr, /422/);
		await fault({ method: "GET", path: "/v2/users/*/notification-settings", type: "status", status: 403 });
		r = await lbtui("settings u");
		assert.equal(r.code, 1);
		assert.match(r.stderr, /403/);
	});
});

describe("room subscription settings", () => {
	test("subscription: read, set, and the user's list across rooms", async () => {
		const user = uniq("cy");
		let r = await lbtui(`subscription ${ROOM} ${user}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /threads:\s+replies_and_mentions\nmentions:\s+mine/);

		r = await lbtui(`subscription ${ROOM} ${user} --threads all --mentions none`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /threads:\s+all\nmentions:\s+none/);
		const s = await lb.getRoomSubscriptionSettings({ roomId: ROOM, userId: user });
		assert.equal(s.threads, "all");
		assert.equal(s.textMentions, "none");

		r = await lbtui(`subscriptions ${user}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^${ROOM}\\s+all\\s+none$`, "m"));
		r = await lbtui(`subscriptions ${user} --json`);
		assert.deepEqual(JSON.parse(r.stdout).data, [{ roomId: ROOM, threads: "all", textMentions: "none" }]);
	});

	test("subscriptions pages by cursor; --all follows every cursor", async () => {
		const user = uniq("dot");
		const rooms = [];
		for (let i = 0; i < 52; i++) {
			const id = `${ROOM}-p${i}`;
			await createRoom(stack.url, id);
			await lb.updateRoomSubscriptionSettings({ roomId: id, userId: user, data: { threads: "none" } });
			rooms.push(id);
		}
		let r = await lbtui(`subscriptions ${user} --json`);
		assert.equal(r.code, 0, r.stderr);
		let body = JSON.parse(r.stdout);
		assert.equal(body.data.length, 50);
		assert.ok(body.nextCursor);
		r = await lbtui(`subscriptions ${user}`);
		assert.match(r.stderr + r.stdout, /more rooms: add --all/);
		r = await lbtui(`subscriptions ${user} --all --json`);
		body = JSON.parse(r.stdout);
		assert.deepEqual(body.data.map((d) => d.roomId).sort(), rooms.sort());
	});

	test("values are checked before anything is sent; the room must exist (404)", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		let r = await lbtui(`subscription ${ROOM} u --threads some`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /all, replies_and_mentions or none/);
		r = await lbtui(`subscription ${ROOM} u --mentions all`);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /mine or none/);
		assert.equal((await rest(stack.url, "GET", "/__emulator/requests")).body.total, 0);
		r = await lbtui(`subscription no-such-${uniq()} u`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /404/);
	});

	test("--delete asks, keeps the settings, and the defaults apply again", async () => {
		const user = uniq("ed");
		await lb.updateRoomSubscriptionSettings({ roomId: ROOM, userId: user, data: { threads: "none" } });
		const home = makeHome();
		const p = `/v2/rooms/${ROOM}/users/${user}/subscription-settings`;
		let r = await runBatch(["-e", `subscription ${ROOM} ${user} --delete`], env, { home });
		assert.equal(r.code, 2);
		assert.equal(await count("DELETE", p), 0);
		r = await runBatch(["-e", `subscription ${ROOM} ${user} --delete --yes`], env, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.equal(await count("DELETE", p), 1);
		assert.equal((await lb.getRoomSubscriptionSettings({ roomId: ROOM, userId: user })).threads, "replies_and_mentions");
		const [file] = kept(home);
		assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).threads, "none");
	});

	test("a 422 and a 403 from the server are said", async () => {
		await fault({ method: "POST", path: "/v2/rooms/*/users/*/subscription-settings", type: "status", status: 422 });
		let r = await lbtui(`subscription ${ROOM} u --threads all`);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /422/);
		await fault({ method: "GET", path: "/v2/users/*/room-subscription-settings", type: "status", status: 403 });
		r = await lbtui("subscriptions u");
		assert.equal(r.code, 1);
		assert.match(r.stderr, /403/);
	});

	test("the deprecated notification-settings paths work and say they are deprecated", async () => {
		const user = uniq("fi");
		let r = await lbtui(`notification-settings ${ROOM} ${user} --threads none`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr + r.stdout, /deprecated/);
		assert.match(r.stdout, /threads:\s+none/);
		assert.equal(await count("POST", `/v2/rooms/${ROOM}/users/${user}/notification-settings`), 1);
		r = await lbtui(`notification-settings ${ROOM} ${user}`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /threads:\s+none/);
		assert.equal(await count("GET", `/v2/rooms/${ROOM}/users/${user}/notification-settings`), 1);
		r = await lbtui(`notification-settings ${ROOM} ${user} --delete --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr + r.stdout, /deprecated/);
		assert.equal(await count("DELETE", `/v2/rooms/${ROOM}/users/${user}/notification-settings`), 1);
	});

	test("read-only mode refuses every change before any request", async () => {
		await rest(stack.url, "DELETE", "/__emulator/requests");
		for (const line of [`subscription ${ROOM} u --threads all`, `subscription ${ROOM} u --delete --yes`,
			"settings u --set email.thread=off", "settings u --reset --yes"]) {
			const r = await runBatch(["--read-only", "-e", line], env);
			assert.notEqual(r.code, 0, line);
			assert.match(r.stderr, /read-only/, line);
		}
		assert.equal((await rest(stack.url, "GET", "/__emulator/requests")).body.total, 0);
	});
});
