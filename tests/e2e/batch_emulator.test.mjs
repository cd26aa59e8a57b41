// Batch mode through the emulator in front of the dev server: the room
// filters and cursor pagination the dev server ignores, metadata deletion it
// refuses, and faults it never produces (5xx, 429, malformed JSON).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, rest, runBatch, serverEnv, uniq } from "./harness.mjs";

let stack;
let env;
const P = uniq("flt");
const ids = (...xs) => xs.map((x) => `${P}-${x}`);

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	await createRoom(stack.url, `${P}-a`, { metadata: { color: "red", tier: "gold" }, usersAccesses: { ann: ["room:write"] } });
	await createRoom(stack.url, `${P}-b`, { metadata: { color: "blue" }, groupsAccesses: { staff: ["room:read"] } });
	await createRoom(stack.url, `${P}-c`, { metadata: { color: "red" }, organizationId: "org-x" });
	for (let i = 0; i < 45; i++)
		await createRoom(stack.url, `${P}-page-${String(i).padStart(2, "0")}`);
	await createRoom(stack.url, uniq("elsewhere"));
});

after(async () => {
	if (stack)
		await stack.stop();
});

// IDs of the rooms lbtui lists (JSON output), only those of this file.
async function listed(cmd) {
	const r = await runBatch(["-e", cmd, "--json"], env);
	assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
	const j = JSON.parse(r.stdout);
	return { ids: j.data.map((x) => x.id).filter((id) => id.startsWith(P)), json: j };
}

describe("filters", () => {
	test("--prefix", async () => {
		const { ids: got } = await listed(`rooms --all --prefix ${P}-page-4`);
		assert.deepEqual(got.sort(), ids("page-40", "page-41", "page-42", "page-43", "page-44"));
	});

	test("--metadata K=V (repeatable)", async () => {
		assert.deepEqual((await listed(`rooms --all --prefix ${P} --metadata color=red`)).ids.sort(), ids("a", "c"));
		assert.deepEqual((await listed(`rooms --all --prefix ${P} --metadata color=red --metadata tier=gold`)).ids, ids("a"));
	});

	test("--query with the query language", async () => {
		const q = `roomId^"${P}" AND metadata["color"]:"blue"`;
		assert.deepEqual((await listed(`rooms --all --query '${q}'`)).ids, ids("b"));
	});

	test("--user, --group and --org", async () => {
		assert.deepEqual((await listed(`rooms --all --prefix ${P} --user ann`)).ids, ids("a"));
		assert.deepEqual((await listed(`rooms --all --prefix ${P} --group staff`)).ids, ids("b"));
		assert.deepEqual((await listed(`rooms --all --prefix ${P} --org org-x`)).ids, ids("c"));
	});

	test("a filter that matches nothing prints the header and says so", async () => {
		const r = await runBatch(["-e", `rooms --prefix ${P}-nothing-here`], env);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trim().split("\n");
		assert.equal(lines.length, 1, r.stdout);
		assert.match(lines[0], /^ID\s+CREATED/);
		// A remark, not a row: on stderr, never in piped output.
		assert.equal(r.stderr.trim(), `(no rooms match roomId^"${P}-nothing-here")`);
	});
});

describe("pagination", () => {
	test("without --all only the first page is printed, with its cursor", async () => {
		const { json } = await listed(`rooms --prefix ${P}-page --limit 10`);
		assert.equal(json.data.length, 10);
		assert.equal(typeof json.nextCursor, "string");
	});

	test("--all follows every page", async () => {
		const { ids: got, json } = await listed(`rooms --all --prefix ${P}-page --limit 10`);
		assert.equal(got.length, 45);
		assert.equal(new Set(got).size, 45, "a room was listed twice");
		assert.equal(json.nextCursor, null);
	});

	test("the table with --all has every room once", async () => {
		const r = await runBatch(["-e", `rooms --all --prefix ${P}-page --limit 7`], env);
		assert.equal(r.code, 0, r.stderr);
		const rows = r.stdout.split("\n").filter((l) => l.startsWith(`${P}-page-`));
		assert.equal(rows.length, 45);
	});

	test("--limit out of range is a usage error", async () => {
		const r = await runBatch(["-e", "rooms --limit 0"], env);
		assert.equal(r.code, 2);
		const r2 = await runBatch(["-e", "rooms --limit abc"], env);
		assert.equal(r2.code, 2);
	});
});

describe("room update --unset", () => {
	test("null deletes metadata keys, accesses and the rest stays", async () => {
		const id = `${P}-unset`;
		await createRoom(stack.url, id, { metadata: { a: "1", b: "2" }, usersAccesses: { bob: ["room:read"] } });
		const r = await runBatch(["-e", `room update ${id} --unset b --revoke-user bob --set c=3`], env);
		assert.equal(r.code, 0, r.stderr);
		const g = await rest(stack.url, "GET", `/v2/rooms/${id}`);
		assert.deepEqual(g.body.metadata, { a: "1", c: "3" });
		assert.deepEqual(g.body.usersAccesses, {});
	});
});

describe("faults", () => {
	const fault = (rule) => rest(stack.url, "POST", "/__emulator/faults", rule);
	const clear = () => rest(stack.url, "DELETE", "/__emulator/faults");
	const count = async (method, path) =>
		(await rest(stack.url, "GET", `/__emulator/requests?method=${method}&path=${encodeURIComponent(path)}`)).body.count;

	test("a GET is retried after 503 and succeeds", async () => {
		await clear();
		await rest(stack.url, "DELETE", "/__emulator/requests");
		await fault({ method: "GET", path: `/v2/rooms/${P}-a`, type: "status", status: 503, count: 2 });
		const r = await runBatch(["-e", `room show ${P}-a`], env, { timeout: 60000 });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`${P}-a`));
		assert.equal(await count("GET", `/v2/rooms/${P}-a`), 3);
	});

	test("a 429 with Retry-After is waited out", async () => {
		await clear();
		await fault({ method: "GET", path: `/v2/rooms/${P}-b`, type: "status", status: 429, retryAfter: 1, count: 1 });
		const t0 = Date.now();
		const r = await runBatch(["-e", `room show ${P}-b`], env, { timeout: 60000 });
		assert.equal(r.code, 0, r.stderr);
		assert.ok(Date.now() - t0 >= 900, "Retry-After was not honoured");
	});

	test("a POST is never retried: one 503 fails the command with 1", async () => {
		await clear();
		await rest(stack.url, "DELETE", "/__emulator/requests");
		const id = `${P}-noretry`;
		await fault({ method: "POST", path: "/v2/rooms", type: "status", status: 503, count: 1 });
		const r = await runBatch(["-e", `room create ${id}`], env, { timeout: 60000 });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /503/);
		assert.equal(await count("POST", "/v2/rooms"), 1);
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 404);
	});

	test("malformed JSON from the server is an error with 1, not a crash", async () => {
		await clear();
		await fault({ method: "GET", path: `/v2/rooms/${P}-c`, type: "malformed" });
		const r = await runBatch(["-e", `room show ${P}-c`], env, { timeout: 60000 });
		await clear();
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^lbtui: /m);
		assert.match(r.stderr, /JSON|unexpected|response/i);
	});

	test("a truncated reply is an error with 1", async () => {
		await clear();
		await fault({ method: "GET", path: "/v2/rooms", type: "truncate" });
		const r = await runBatch(["-e", "rooms"], env, { timeout: 60000 });
		await clear();
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^lbtui: /m);
	});

	// The cap is 64 MiB.
	test("an oversized reply is refused with 1", async () => {
		await clear();
		await fault({ method: "GET", path: "/v2/rooms", type: "oversize", sizeMiB: 80 });
		const r = await runBatch(["-e", "rooms"], env, { timeout: 60000 });
		await clear();
		assert.equal(r.code, 1);
		assert.match(r.stderr, /large|size|too/i);
	});
});

describe("--json inside -e", () => {
	test("every command takes --json as lbtui does; after -- it is the command's word", async () => {
		let r = await runBatch(["-e", `room show ${P}-a --json`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(JSON.parse(r.stdout).id, `${P}-a`);
		r = await runBatch(["-e", `threads ${P}-a --json`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(JSON.parse(r.stdout), { data: [] });
		r = await runBatch(["-e", `threads ${P}-a -- --json`], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /too many arguments/);
	});
});
