// The views register themselves (ui/core/view.h, ui/views/views.def):
// what the keymap, the help, the navigator and the room view show comes
// from those registrations, and a view's own actions (opening it from the
// room, its commands) bind like the built-in ones.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
const ROOM = uniq("reg");
let running = [];

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	await createRoom(stack.url, ROOM, { metadata: { color: "blue" } });
});

after(async () => {
	if (stack)
		await stack.stop();
});

afterEach(async () => {
	const list = running;
	running = [];
	for (const t of list)
		await t.close();
});

function start(opts = {}) {
	const t = spawnLbtui({ ...opts, args: opts.args || [], env: { ...env, ...(opts.env || {}) } });
	running.push(t);
	return t;
}

function homeWith(config) {
	const home = makeHome();
	fs.writeFileSync(path.join(home, ".config", "lbtui", "config"), config, { mode: 0o600 });
	return home;
}

async function inRoom(t) {
	await t.waitFor(/ \d+\+? rooms │/);
	t.command(`:room show ${ROOM}`);
	await t.waitFor(/e update · D delete/);
	await t.waitIdle();
}

describe("views' own actions", () => {
	test("the room view offers what each view of a room registered, in their order", async () => {
		const t = start();
		await inRoom(t);
		const hint = t.screen().find((r) => r.includes("e update · D delete"));
		assert.match(hint, /s Storage · y Yjs · v versions · u users · t threads · B events · e update · D delete/);
		// The navigator lists the same views under the room.
		const nav = t.screen().map((r) => r.slice(0, 16));
		const at = (label) => nav.findIndex((r) => r.includes(label));
		assert.ok(at("Rooms") >= 0 && at("Storage") > at("Rooms"));
		assert.ok(at("Yjs") > at("Storage") && at("Versions") > at("Yjs") && at("Users") > at("Versions"));
		assert.ok(at("Help") > at("Users"));
		t.write("v");
		await t.waitFor(/versions/);
		await t.waitFor(/CREATED/);
		assert.equal(await t.exit(), 0);
	});

	test("an open action and a view's command bind to other keys like any action", async () => {
		const home = homeWith(
			"[keys]\nbind room V open-versions\nbind versions X version-create\nbind versions c none\n",
		);
		const t = start({ home });
		await inRoom(t);
		t.write("V");
		await t.waitFor(/CREATED/);
		await t.waitIdle();
		t.write("c");
		await t.settle();
		assert.ok(!t.row(-1).startsWith(":versions create"), "c still bound after bind ... none");
		t.write("X");
		await t.waitFor(() => t.row(-1).startsWith(`:versions create ${ROOM}`));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	});

	test("a view's command that needs a selection says so when there is none", async () => {
		const t = start();
		await inRoom(t);
		t.write("v");
		await t.waitFor(/No versions yet/);
		t.write("x");
		await t.waitFor(/no version selected/);
		assert.ok(!t.row(-1).startsWith(":versions export"));
		assert.equal(await t.exit(), 0);
	});

	test("the help lists each view's own actions under that view, with their keys", async () => {
		const t = start({ rows: 200 });
		await t.waitFor(/ \d+\+? rooms │/);
		t.write("?");
		await t.waitFor(/Keys everywhere/);
		await t.waitIdle(); // the whole screen, not the first rows of it
		const s = t.screen().join("\n");
		const section = (title) => s.slice(s.indexOf(title), s.indexOf("#", s.indexOf(title) + 1) >>> 0);
		assert.match(s, /Keys in a room[\s\S]*v\s+Open the room's Yjs version history/);
		assert.match(s, /Keys in the version history[\s\S]*x\s+Export the selected version to a file/);
		assert.match(s, /Keys in the rooms list[\s\S]*F\s+Filter rooms on the server/);
		assert.ok(section("Keys everywhere").length > 0);
		assert.equal(await t.exit(), 0);
	});

	test("a bind line naming no registered view says which views there are", async () => {
		const home = homeWith("[keys]\nbind nowhere x refresh\nbind versions x no-such-action\n");
		const t = start({ home, cols: 300 });
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(":messages");
		await t.waitFor(/unknown view 'nowhere' \(generic, rooms, room, storage, storage-json, ydoc, versions, thread, users, threads, queue, help, pager, messages, requests(, [a-z-]+)*\)/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\bgroups\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\binbox\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\bcopilots\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\bsettings\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\bsubscriptions\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\buser\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\bknowledge\b/);
		await t.waitFor(/unknown view 'nowhere' \([^)]*\btoken\b/);
		await t.waitFor(/unknown action 'no-such-action'/);
		assert.equal(await t.exit(), 0);
	});
});
