// Groups in batch mode (-e) against the emulator: list by cursor, show,
// create, add and remove members, delete (confirmed), a user's groups;
// seeded with @liveblocks/node; 404, 422 and 403 answers said as such.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { cursorLine, runBatch, serverEnv, spawnLbtui, uniq, emulatorControl } from "./harness.mjs";

let stack, lb;

before(async () => {
	stack = await startStack();
	lb = new Liveblocks({ secret: "sk_localdev", baseUrl: stack.url });
});

after(async () => {
	if (stack)
		await stack.stop();
});

function run(cmd, extra = [], env = {}) {
	return runBatch(["-e", cmd, ...extra], serverEnv(stack.url, env));
}

/** The emulator's control endpoint (harness.mjs). */
const control = (method, p, body) => emulatorControl(stack, method, p, body);

async function count(method, p) {
	const r = await control("GET", `/requests?method=${method}&path=${encodeURIComponent(p)}`);
	return r.count ?? r.total ?? r;
}

test("group show lists the members of a group the SDK made", async () => {
	const g = uniq("eng");
	await lb.createGroup({ groupId: g, memberIds: ["ada", "bob"] });
	const r = await run(`group show ${g}`);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, new RegExp(`group\\s+${g}`));
	assert.match(r.stdout, /members\s+2/);
	assert.match(r.stdout, /^  ada$/m);
	assert.match(r.stdout, /^  bob$/m);
	const j = await run(`group show ${g}`, ["--json"]);
	assert.equal(j.code, 0, j.stderr);
	const obj = JSON.parse(j.stdout);
	assert.equal(obj.id, g);
	assert.deepEqual(obj.members.map((m) => m.id).sort(), ["ada", "bob"]);
});

test("group create, add, remove: the server holds what was asked", async () => {
	const g = uniq("ops");
	let r = await run(`group create ${g} --member cy --member dee --org acme`);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, new RegExp(`created group ${g}`));
	let got = await lb.getGroup({ groupId: g });
	assert.deepEqual(got.members.map((m) => m.id).sort(), ["cy", "dee"]);
	assert.equal(got.organizationId, "acme");

	r = await run(`group add ${g} eve fay`);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, new RegExp(`added to group ${g}`));
	got = await lb.getGroup({ groupId: g });
	assert.deepEqual(got.members.map((m) => m.id).sort(), ["cy", "dee", "eve", "fay"]);

	r = await run(`group remove ${g} cy`);
	assert.equal(r.code, 0, r.stderr);
	got = await lb.getGroup({ groupId: g });
	assert.deepEqual(got.members.map((m) => m.id).sort(), ["dee", "eve", "fay"]);

	// A second create of the same ID: the server's 409, said, nothing changed.
	r = await run(`group create ${g} --member zed`);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /409/);
	got = await lb.getGroup({ groupId: g });
	assert.equal(got.members.length, 3);
});

test("group delete asks first; with --yes the group goes", async () => {
	const g = uniq("gone");
	await lb.createGroup({ groupId: g, memberIds: ["ada"] });
	await control("DELETE", "/requests");
	let r = await run(`group delete ${g}`);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /refusing to delete the group without confirmation: add --yes/);
	assert.equal(await count("DELETE", `/v2/groups/${g}`), 0);
	r = await run(`group delete ${g} --yes`);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, new RegExp(`deleted group ${g}`));
	assert.equal(await count("DELETE", `/v2/groups/${g}`), 1);
	r = await run(`group show ${g}`);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, new RegExp(`no group '${g}' \\(404\\)`));
});

test("groups pages by cursor; --all reads every page", async () => {
	const prefix = uniq("page");
	// More than one page of 100.
	await Promise.all(Array.from({ length: 101 }, (_, i) => lb.createGroup({ groupId: `${prefix}-${i}`, memberIds: ["u"] })));
	await control("DELETE", "/requests");
	const all = await run("groups --all", ["--json"]);
	assert.equal(all.code, 0, all.stderr);
	const ids = JSON.parse(all.stdout).data.map((g) => g.id);
	for (let i = 0; i < 101; i++)
		assert.ok(ids.includes(`${prefix}-${i}`), `${prefix}-${i} in the list`);
	assert.equal(new Set(ids).size, ids.length, "no group twice");
	assert.equal(JSON.parse(all.stdout).nextCursor, null);
	// Pages of 100: the first answer's cursor is followed with startingAfter.
	const log = await control("GET", "/log?limit=50");
	const lists = log.data.filter((e) => e.method === "GET" && e.path === "/v2/groups");
	assert.ok(lists.length >= 2, JSON.stringify(lists));
	assert.match(JSON.stringify(lists[0].query), /limit=100|"limit":"100"/);
	assert.match(JSON.stringify(lists[1].query), /startingAfter/);
	const table = await run("groups");
	assert.equal(table.code, 0, table.stderr);
	assert.match(table.stdout, /^ID\s+CREATED\s+MEMBERS/m);
	assert.match(table.stdout, new RegExp(`^${prefix}-\\d+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+u$`, "m"));
	assert.equal(table.stdout.trim().split("\n").length, 101, "a header and one page of 100");
	assert.match(table.stdout + table.stderr, /more groups: add --all/);
});

test("user-groups lists the groups a user is in", async () => {
	const user = uniq("usr");
	const g1 = uniq("ug"), g2 = uniq("ug");
	await lb.createGroup({ groupId: g1, memberIds: [user] });
	await lb.createGroup({ groupId: g2, memberIds: [user, "other"] });
	const r = await run(`user-groups ${user}`, ["--json"]);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(JSON.parse(r.stdout).data.map((g) => g.id).sort(), [g1, g2].sort());
	const t = await run(`user-groups ${user}`);
	assert.match(t.stdout, new RegExp(`^${g1}\\s`, "m"));
});

test("404, 422 and 403 answers are said, and the exit code fails", async () => {
	let r = await run(`group show ${uniq("nope")}`);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /404/);
	await control("POST", "/faults", { method: "POST", path: "/v2/groups/*/add-members", type: "status", status: 422, count: 1 });
	r = await run("group add somegroup ada");
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /422/);
	r = await run("groups", [], { LIVEBLOCKS_SECRET_KEY: "sk_wrong_key_123" });
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /403/);
});

test("read-only mode refuses a change before anything is sent", async () => {
	await control("DELETE", "/requests");
	const r = await run(`group create ${uniq("ro")} --member ada`, ["--read-only"]);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /read-only/);
	assert.equal(await count("POST", "/v2/groups"), 0);
});

test("on the screen: :groups lists them, Enter shows the members, d deletes after the ID is typed", async () => {
	const g = uniq("scr"), other = uniq("scr");
	await lb.createGroup({ groupId: g, memberIds: ["ada", "bob"] });
	await lb.createGroup({ groupId: other, memberIds: ["cy"] });
	const t = spawnLbtui({ cols: 160, rows: 30, env: serverEnv(stack.url) });
	try {
		await t.waitFor(/rooms/);
		t.command(":groups");
		await t.waitFor(new RegExp(`${other} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d cy`));
		await t.waitFor(new RegExp(`${g} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d ada, bob`));
		await t.waitIdle();
		// Newest first: the other one is selected; go down to g.
		for (let i = 0; i < 5 && !cursorLine(t).includes(g); i++) {
			t.key("Down");
			await t.waitIdle();
		}
		assert.ok(cursorLine(t).includes(g), t.dump("g selected"));
		t.key("Enter");
		await t.waitFor(new RegExp(`group +${g}`));
		await t.waitFor(/members +2/);
		assert.match(t.screenText(), /│ +ada\s*$/m);
		assert.match(t.screenText(), /│ +bob\s*$/m);
		t.write("q");
		await t.waitFor(/ groups │/);
		await t.waitIdle();
		t.write("d");
		await t.waitFor(new RegExp(`Delete group ${g}\\? Type its ID to confirm`));
		t.command(g);
		await t.waitFor(new RegExp(`deleted group ${g}`));
		await assert.rejects(lb.getGroup({ groupId: g }), /not found|404/i);
		assert.equal(await t.exit(), 0);
	} finally {
		await t.close();
	}
});
