// The notification settings grid on the screen, against the emulator
// seeded with the official SDK (@liveblocks/node), and against a small
// server of the test's own where the project has enabled only email:
// kinds × channels, the cursor cell moved with the arrows and hjkl, one
// cell toggled in place (pending, then the server's answer, or back as it
// was with the reason), a channel not enabled shown off and muted with a
// note, and R resetting after a confirmation that says what resets.

import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { rest, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
let lb;
const running = [];

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

function start(e = env) {
	const t = spawnLbtui({ cols: 120, rows: 30, env: e });
	running.push(t);
	return t;
}

async function count(method, p) {
	return (await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(p)}`)).body.count;
}

async function fault(rule) {
	await rest(stack.url, "POST", "/__emulator/faults", { count: 1, ...rule });
}

/** The grid's row of a kind: y, and the x where each channel's word is. */
function gridRow(t, kind) {
	const s = t.screen();
	const y = s.findIndex((l) => new RegExp(`│\\s+${kind.replace("$", "\\$")}\\s`).test(l));
	assert.ok(y > 0, t.dump(`no row ${kind}`));
	const head = s.findIndex((l) => /KIND\s+email\s+slack\s+teams\s+webPush/.test(l));
	const xs = ["email", "slack", "teams", "webPush"].map((c) => s[head].indexOf(c));
	return { y, xs, words: xs.map((x) => s[y].slice(x, x + 8).trim()) };
}

/** The words of kind's row, or null while the grid has no such row yet
 * (its header may be drawn before its rows): for waiting on. */
function gridWords(t, kind) {
	const s = t.screen();
	if (!s.some((l) => new RegExp(`│\\s+${kind.replace("$", "\\$")}\\s`).test(l)))
		return null;
	return gridRow(t, kind).words;
}

/** The attributes of the word of channel ch in kind's row. */
function cellAt(t, kind, ch) {
	const { y, xs } = gridRow(t, kind);
	return t.cell(xs[ch], y);
}

const sameLook = (a, b) =>
	a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.inverse === b.inverse && a.fgDefault === b.fgDefault && a.bgDefault === b.bgDefault;

describe("the settings grid", () => {
	test(":settings USER: kinds × channels; a cell toggled in place is pending, then the server's answer", async () => {
		const user = uniq("ada");
		await lb.updateNotificationSettings({ userId: user, data: { slack: { thread: false }, email: { $deploy: true } } });
		const t = start();
		await t.waitFor(/rooms/);
		t.command(`:settings ${user}`);
		await t.waitFor(/KIND\s+email\s+slack\s+teams\s+webPush/);
		await t.waitIdle();
		assert.deepEqual(gridRow(t, "thread").words, ["on", "off", "on", "on"]);
		assert.deepEqual(gridRow(t, "textMention").words, ["on", "on", "on", "on"]);
		assert.deepEqual(gridRow(t, "$deploy").words, ["on", "off", "off", "off"]);
		// On and off are drawn differently (the cursor is on thread × email).
		const on = cellAt(t, "textMention", 1), off = cellAt(t, "thread", 1);
		assert.ok(!sameLook(on, off), "on and off look alike");
		assert.ok(sameLook(cellAt(t, "$deploy", 1), off));
		assert.doesNotMatch(t.screenText(), /not enabled/);

		// To textMention × slack: down, right (l).
		t.key("Down");
		t.write("l");
		await t.waitIdle();
		const cursor = cellAt(t, "textMention", 1);
		assert.ok(!sameLook(cursor, on), "the cursor cell is not marked");
		// The answer takes a while: the cell shows the new value, pending.
		await fault({ method: "POST", path: "/v2/users/*/notification-settings", type: "latency", latencyMs: 1500 });
		await rest(stack.url, "DELETE", "/__emulator/requests");
		t.write(" ");
		await t.waitFor(() => gridWords(t, "textMention")?.[1] === "off…");
		t.write("h");
		await t.waitIdle();
		const pending = cellAt(t, "textMention", 1);
		assert.ok(!sameLook(pending, on) && !sameLook(pending, off), "pending looks like on or off");
		await t.waitFor(() => gridWords(t, "textMention")?.[1] === "off", { timeout: 6000 });
		assert.ok(sameLook(cellAt(t, "textMention", 1), off));
		assert.equal((await lb.getNotificationSettings({ userId: user })).slack.textMention, false);
		// Only that cell changed, with one POST.
		const now = await lb.getNotificationSettings({ userId: user });
		assert.equal(now.slack.thread, false);
		assert.equal(now.email.$deploy, true);
		assert.equal(await count("POST", `/v2/users/${user}/notification-settings`), 1);

		// Enter toggles too: email × thread back and forth.
		t.key("Up");
		t.key("Enter");
		await t.waitFor(() => gridWords(t, "thread")?.[0] === "off");
		assert.equal((await lb.getNotificationSettings({ userId: user })).email.thread, false);
		assert.equal(await t.exit(), 0);
	});

	test("a refused toggle goes back as it was and the message says why", async () => {
		const user = uniq("bo");
		await lb.updateNotificationSettings({ userId: user, data: { teams: { thread: true } } });
		const t = start();
		await t.waitFor(/rooms/);
		t.command(`:settings ${user}`);
		await t.waitFor(/KIND\s+email/);
		await t.waitIdle();
		await fault({ method: "POST", path: "/v2/users/*/notification-settings", type: "status", status: 403 });
		t.key("Right", "Right");
		t.write(" ");
		await t.waitFor(/teams\.thread not changed: .*403/);
		assert.equal(gridRow(t, "thread").words[2], "on");
		assert.equal((await lb.getNotificationSettings({ userId: user })).teams.thread, true);
		assert.equal(await t.exit(), 0);
	});

	test("R resets after a confirmation that says what resets; the grid reads the defaults", async () => {
		const user = uniq("cy");
		await lb.updateNotificationSettings({ userId: user, data: { webPush: { thread: false, textMention: false } } });
		const t = start();
		await t.waitFor(/rooms/);
		t.command(`:settings ${user}`);
		await t.waitFor(/KIND\s+email/);
		await t.waitFor(() => gridWords(t, "thread")?.[3] === "off");
		await rest(stack.url, "DELETE", "/__emulator/requests");
		t.write("R");
		await t.waitFor(new RegExp(`Reset the notification settings of user ${user} to the project's defaults`));
		await t.waitFor(/Reset them\?/);
		assert.equal(await count("DELETE", `/v2/users/${user}/notification-settings`), 0);
		t.write("y");
		// A copy is kept first and named; the grid reads the defaults again.
		await t.waitFor(/saved in \//);
		const state = path.join(t.home, ".local", "state", "lbtui");
		assert.ok(fs.readdirSync(state).some((f) => f.startsWith(`notification-settings-${user}`)),
			"the copy named on the message line is there");
		await t.waitFor(() => gridWords(t, "thread")?.[3] === "on");
		assert.deepEqual(gridRow(t, "textMention").words, ["on", "on", "on", "on"]);
		assert.equal(await count("DELETE", `/v2/users/${user}/notification-settings`), 1);
		assert.equal(await t.exit(), 0);
	});
});

describe("a channel the project has not enabled", () => {
	test("is off and muted with a note, never an error; it cannot toggle; another cell sends just its channel.kind", async () => {
		const state = { email: { thread: true, textMention: false }, slack: null, teams: null, webPush: null };
		const posts = [];
		const srv = http.createServer((req, res) => {
			let body = "";
			req.on("data", (d) => (body += d));
			req.on("end", () => {
				if (req.method === "POST") {
					posts.push(JSON.parse(body));
					for (const [ch, kinds] of Object.entries(JSON.parse(body)))
						Object.assign(state[ch], kinds);
				}
				const p = req.url.split("?")[0];
				res.writeHead(p === "/v2/users/ada/notification-settings" ? 200 : 404, { "content-type": "application/json" });
				res.end(p === "/v2/users/ada/notification-settings" ? JSON.stringify(state) : JSON.stringify({ data: [], nextCursor: null }));
			});
		});
		await new Promise((ok) => srv.listen(0, "127.0.0.1", ok));
		try {
			const t = start(serverEnv(`http://127.0.0.1:${srv.address().port}`, { LBTUI_USER: "" }));
			await t.waitFor(/rooms|Rooms/);
			t.command(":settings ada");
			await t.waitFor(/KIND\s+email/);
			await t.waitIdle();
			assert.deepEqual(gridRow(t, "thread").words, ["on", "off", "off", "off"]);
			assert.deepEqual(gridRow(t, "textMention").words, ["off", "off", "off", "off"]);
			for (const ch of ["slack", "teams", "webPush"])
				assert.match(t.screenText(), new RegExp(`${ch}: not enabled for this project`));
			const muted = cellAt(t, "textMention", 1), off = cellAt(t, "textMention", 0);
			assert.ok(muted.dim && !off.dim, "a channel not enabled is not muted");
			assert.doesNotMatch(t.row(-2), /error|failed/i);

			t.write("l");
			t.write(" ");
			await t.waitFor(/slack is not enabled for this project/);
			assert.equal(posts.length, 0);
			assert.equal(gridRow(t, "thread").words[1], "off");

			t.write("h");
			t.key("Down");
			t.write(" ");
			await t.waitFor(() => gridWords(t, "textMention")?.[0] === "on");
			assert.deepEqual(posts, [{ email: { textMention: true } }]);
			assert.equal(await t.exit(), 0);
		} finally {
			srv.close();
		}
	});
});
