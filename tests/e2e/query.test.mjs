// Queries as a user types them: after `:`, after F (which fills in the
// current query to refine), and with -e.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, runBatch, serverEnv, spawnLbtui, uniq } from "./harness.mjs";

let stack;
let env;
const P = uniq("q");
let running = [];

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	await createRoom(stack.url, `${P}-a-1`, { metadata: { color: "red" } });
	await createRoom(stack.url, `${P}-a-2`, { metadata: { color: "blue" } });
	await createRoom(stack.url, `${P}-b-1`, { metadata: { color: "red" } });
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

function start() {
	const t = spawnLbtui({ env });
	running.push(t);
	return t;
}

const shows = (t, id) => t.screen().some((r) => r.includes(id + " ") || r.endsWith(id));

describe("queries", () => {
	test("-e takes the query's quotes as typed", async () => {
		const r = await runBatch(["-e", `rooms --query roomId^"${P}-a-" --all`, "--json"], env);
		assert.equal(r.code, 0, r.stderr);
		const ids = JSON.parse(r.stdout).data.map((x) => x.id).sort();
		assert.deepEqual(ids, [`${P}-a-1`, `${P}-a-2`]);
	});

	test("a query typed after : filters the list", async () => {
		const t = start();
		await t.waitFor(`${P}-b-1`);
		t.command(`:rooms --query roomId^"${P}-a-"`);
		await t.waitFor(() => shows(t, `${P}-a-1`) && !shows(t, `${P}-b-1`));
		assert.ok(shows(t, `${P}-a-2`));
		assert.doesNotMatch(t.row(-1), /INVALID_QUERY|error/i);
	});

	test("F fills in the current query, quoted, to refine it in place", async () => {
		const t = start();
		await t.waitFor(`${P}-b-1`);
		t.command(`:rooms --query roomId^"${P}-a-"`);
		await t.waitFor(() => !shows(t, `${P}-b-1`) && shows(t, `${P}-a-1`));
		t.write("F");
		await t.waitFor(`:rooms --query 'roomId^"${P}-a-"'`);
		// The cursor stands in the closing quote: what is typed joins the query.
		t.write(` metadata["color"]:"red"`);
		await t.waitFor(`:rooms --query 'roomId^"${P}-a-" metadata["color"]:"red"'`);
		t.key("Enter");
		await t.waitFor(() => shows(t, `${P}-a-1`) && !shows(t, `${P}-a-2`));
		assert.ok(!shows(t, `${P}-b-1`));
		assert.doesNotMatch(t.row(-1), /INVALID_QUERY|error/i);
	});

	test("F on an unfiltered list gives an empty query to type into", async () => {
		const t = start();
		await t.waitFor(`${P}-b-1`);
		t.write("F");
		await t.waitFor(":rooms --query ''");
		t.write(`roomId^"${P}-b-"`);
		t.key("Enter");
		await t.waitFor(() => shows(t, `${P}-b-1`) && !shows(t, `${P}-a-1`));
	});
});
