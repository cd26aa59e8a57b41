// Storage, Yjs, versions and room administration in batch mode (-e): what
// lbtui prints, what the server holds afterwards (read back through REST)
// and, against the emulator, which requests were made (its counters and
// request log). Edits go through JSON patch on the emulator and through
// read-modify-write (GET, DELETE, POST /storage) on the official dev
// server, which has no JSON-patch endpoint.

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { YUpdate } from "../demo/yupdate.mjs";
import { SECRET, createRoom, makeHome, rest, runBatch, serverEnv, startDevServer, tempDir, uniq, emulatorControl } from "./harness.mjs";

const AUTH = { Authorization: `Bearer ${SECRET}` };

// One stack (dev server + emulator) for the describe block that calls it.
function useStack() {
	const ctx = { stack: null, dir: null };
	before(async () => {
		ctx.stack = await startStack();
		ctx.dir = tempDir("lbtui-admin-");
	});
	after(async () => {
		if (ctx.stack)
			await ctx.stack.stop();
		if (ctx.dir)
			fs.rmSync(ctx.dir, { recursive: true, force: true });
	});
	return ctx;
}

/** Run lbtui -e CMD (more -e or options after it) against base. */
function lb(base, cmd, extra = [], opts = {}) {
	return runBatch(["-e", cmd, ...extra], serverEnv(base), opts);
}

/** A single-quoted JSON argument for a command line typed after -e. */
function q(value) {
	const s = JSON.stringify(value);
	assert.ok(!s.includes("'"), "test values must not contain a single quote");
	return `'${s}'`;
}

// --- the emulator's control endpoint ----------------------------------------

const control = emulatorControl;

const resetCounts = (stack) => control(stack, "DELETE", "/requests");

/** Requests per "METHOD /route/template" since the last reset. */
async function counts(stack) {
	return (await control(stack, "GET", "/requests")).routes;
}

/** "METHOD path status" of every request since the last reset, in order. */
async function requestLog(stack) {
	const { data } = await control(stack, "GET", "/log?limit=200");
	return data.map((e) => `${e.method} ${e.path} ${e.status}`);
}

const addFault = (stack, rule) => control(stack, "POST", "/faults", rule);
const clearFaults = (stack) => control(stack, "DELETE", "/faults");

const R = {
	room: "GET /v2/rooms/:roomId",
	createRoom: "POST /v2/rooms",
	getStorage: "GET /v2/rooms/:roomId/storage",
	postStorage: "POST /v2/rooms/:roomId/storage",
	deleteStorage: "DELETE /v2/rooms/:roomId/storage",
	patch: "PATCH /v2/rooms/:roomId/storage/json-patch",
	ydocBinary: "GET /v2/rooms/:roomId/ydoc-binary",
	putYdoc: "PUT /v2/rooms/:roomId/ydoc",
	createVersion: "POST /v2/rooms/:roomId/versions",
	versionYjs: "GET /v2/rooms/:roomId/versions/:versionId/yjs",
	upsert: "POST /v2/rooms/:roomId/upsert",
	rename: "POST /v2/rooms/:roomId/update-room-id",
	prewarm: "GET /v2/rooms/:roomId/prewarm",
	broadcast: "POST /v2/rooms/:roomId/broadcast-event",
};

// --- documents ------------------------------------------------------------------

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });
const map = (data) => ({ liveblocksType: "LiveMap", data });

const BOARD = obj({
	title: "Board",
	n: 1,
	shapes: list([obj({ x: 1 }), obj({ x: 2 }), obj({ x: 3 })]),
	tags: list(["a", "b"]),
	meta: map({ owner: "alice" }),
});

// The same edits on both paths, and the document they lead to.
const EDITS = (id) => [
	`storage set ${id} /n 42 --yes`,
	`storage set ${id} /child ${q({ k: [1, { z: true }] })} --yes`,
	`storage insert ${id} /shapes ${q({ x: 9 })} --at 1 --yes`,
	`storage insert ${id} /tags ${q("c")} --yes`,
	`storage delete ${id} /shapes/0 --yes`,
	`storage move ${id} /tags/0 /tags/- --yes`,
	`storage set ${id} /meta/owner ${q("bob")} --yes`,
	`storage set ${id} /records ${q({ r1: { done: false } })} --live-map --yes`,
	`storage set ${id} /a~1b ${q("slash")} --yes`,
	`storage delete ${id} /title --yes`,
];

const EDITED = obj({
	n: 42,
	shapes: list([obj({ x: 9 }), obj({ x: 2 }), obj({ x: 3 })]),
	tags: list(["b", "c", "a"]),
	meta: map({ owner: "bob" }),
	child: obj({ k: list([1, obj({ z: true })]) }),
	records: map({ r1: obj({ done: false }) }),
	"a/b": "slash",
});

/** A room with doc as its Storage, created on base (no emulator counters
 * are touched when base is the dev server). */
async function roomWith(base, doc, prefix = "adm") {
	const id = uniq(prefix);
	await createRoom(base, id, { defaultAccesses: ["room:write"] });
	if (doc) {
		const r = await rest(base, "POST", `/v2/rooms/${encodeURIComponent(id)}/storage`, doc);
		assert.equal(r.status, 200, JSON.stringify(r.body));
	}
	return id;
}

/** The raw bytes of a GET. */
async function rawGet(base, p) {
	const r = await fetch(base + p, { headers: AUTH });
	assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
	return Buffer.from(await r.arrayBuffer());
}

const storageOf = async (base, id) =>
	JSON.parse((await rawGet(base, `/v2/rooms/${encodeURIComponent(id)}/storage`)).toString("utf8"));

const ydocOf = async (base, id) =>
	JSON.parse((await rawGet(base, `/v2/rooms/${encodeURIComponent(id)}/ydoc`)).toString("utf8"));

/** Send a Yjs update (bytes) to a room through REST. */
async function putYdoc(base, id, bytes) {
	const r = await fetch(`${base}/v2/rooms/${encodeURIComponent(id)}/ydoc`, {
		method: "PUT",
		headers: { ...AUTH, "Content-Type": "application/octet-stream" },
		body: bytes,
	});
	await r.arrayBuffer();
	assert.equal(r.status, 200, `PUT ydoc: ${r.status}`);
}

const NOTES = () =>
	new YUpdate(4242)
		.text("body", [{ text: "Hello " }, { text: "world", attrs: { bold: true } }])
		.mapSet("meta", "title", "Notes ✓")
		.mapSet("meta", "rev", 3)
		.arrayPush("tags", ["a", "b"])
		.encode();

const NOTES_JSON = { body: "Hello world", meta: { title: "Notes ✓", rev: 3 }, tags: ["a", "b"] };

function assertOk(r, what) {
	assert.equal(r.code, 0, `${what}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

function assertExit(r, code, what) {
	assert.equal(r.code, code, `${what}: exit ${r.code}, want ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

// The diff lines of a preview (between the title and the closing sentence).
function diffLines(out) {
	return out.split("\n").filter((l) => /^[-+] /.test(l) || /^@@ /.test(l));
}

// ===========================================================================

describe("storage: print, export, delete, init", () => {
	const ctx = useStack();

	// Strings a terminal would choke on, escapes, non-ASCII, and enough
	// items for the body to arrive in several pieces.
	const NASTY = obj({
		text: "quote \" backslash \\ tab \t newline \n esc \u001b[31m bell \u0007",
		unicode: "日本語 🚀 é",
		nums: list([0, -1.5, 1e21, 123456789012]),
		big: list(Array.from({ length: 3000 }, (_, i) => obj({ i, label: `item ${i}` }))),
		nested: map({ k: obj({ deep: list([null, true, false]) }) }),
	});

	test("storage ROOM prints the plain LSON body exactly as the server sends it", async () => {
		const { devUrl } = ctx.stack;
		const id = await roomWith(devUrl, NASTY);
		const body = (await rawGet(devUrl, `/v2/rooms/${id}/storage`)).toString("utf8");
		const r = await lb(devUrl, `storage ${id}`);
		assertOk(r, "storage");
		// Byte for byte, and a final newline (the body has none).
		assert.ok(!body.endsWith("\n"));
		assert.ok(r.stdout === body + "\n", "stdout differs from the body of GET /storage");
		assert.equal(r.stderr, "");
		// The explicit default gives the same.
		const r2 = await lb(devUrl, `storage ${id} --format plain-lson`);
		assert.ok(r2.stdout === r.stdout);
	});

	test("storage ROOM --format json prints the simplified body as the server sends it", async () => {
		const { devUrl } = ctx.stack;
		const id = await roomWith(devUrl, NASTY);
		const body = (await rawGet(devUrl, `/v2/rooms/${id}/storage?format=json`)).toString("utf8");
		const r = await lb(devUrl, `storage ${id} --format json`);
		assertOk(r, "storage --format json");
		assert.ok(r.stdout === body + "\n", "stdout differs from the body of GET /storage?format=json");
		assert.equal(JSON.parse(r.stdout).big.length, 3000);
	});

	test("a room ID with a space, a slash and non-ASCII is encoded in the URL", async () => {
		const { url } = ctx.stack;
		const id = `${uniq("sp")} ü/x`;
		await createRoom(url, id);
		await rest(url, "POST", `/v2/rooms/${encodeURIComponent(id)}/storage`, obj({ here: "yes" }));
		await resetCounts(ctx.stack);
		const r = await lb(url, `storage '${id}' --format json`);
		assertOk(r, "storage with an odd ID");
		assert.deepEqual(JSON.parse(r.stdout), { here: "yes" });
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 });
	});

	test("export writes the exact body; it never overwrites a file without --force", async () => {
		const { url, devUrl } = ctx.stack;
		const id = await roomWith(devUrl, NASTY);
		const file = path.join(ctx.dir, `${id}.json`);
		let r = await lb(url, `storage export ${id} ${file}`);
		assertOk(r, "export");
		const want = await rawGet(devUrl, `/v2/rooms/${id}/storage`);
		assert.ok(fs.readFileSync(file).equals(want), "the file is not the body of GET /storage");
		assert.match(r.stdout, new RegExp(`exported the Storage of room ${id} to .*${id}\\.json \\(`));

		fs.writeFileSync(file, "keep me");
		await resetCounts(ctx.stack);
		r = await lb(url, `storage export ${id} ${file}`);
		assertExit(r, 2, "export onto a file");
		assert.match(r.stderr, /exists: add --force/);
		assert.equal(fs.readFileSync(file, "utf8"), "keep me");
		assert.deepEqual(await counts(ctx.stack), {}, "refused before any request");

		r = await lb(url, `storage export ${id} ${file} --force --format json`);
		assertOk(r, "export --force --format json");
		const simple = await rawGet(devUrl, `/v2/rooms/${id}/storage?format=json`);
		assert.ok(fs.readFileSync(file).equals(simple));
	});

	test("export, delete --yes, init from the file: the same document again", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		const before_ = await storageOf(ctx.stack.devUrl, id);
		const file = path.join(ctx.dir, `${id}-roundtrip.json`);
		assertOk(await lb(url, `storage export ${id} ${file}`), "export");

		await resetCounts(ctx.stack);
		let r = await lb(url, `storage delete ${id}`);
		assertExit(r, 2, "delete without --yes");
		assert.match(r.stderr, /without confirmation: add --yes/);
		assert.deepEqual(await counts(ctx.stack), {});
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), before_);

		r = await lb(url, `storage delete ${id} --yes`);
		assertOk(r, "delete --yes");
		assert.match(r.stdout, new RegExp(`deleted the Storage of room ${id}`));
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({}));

		// Like every Storage write: a preview, and nothing without --yes.
		await resetCounts(ctx.stack);
		r = await lb(url, `storage init ${id} ${file}`);
		assertExit(r, 2, "init without --yes");
		assert.match(r.stderr, /add --yes to apply/);
		assert.match(r.stdout, new RegExp(`^Storage of room ${id}: initialize from .*roundtrip\\.json\n`));
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 });
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({}));

		await resetCounts(ctx.stack);
		r = await lb(url, `storage init ${id} ${file} --yes`);
		assertOk(r, "init");
		assert.match(r.stdout, new RegExp(`initialized the Storage of room ${id} from .*roundtrip\\.json \\(\\d+ bytes\\)`));
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), before_);
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1, [R.postStorage]: 1 });
	});

	test("init on a room that has Storage refuses; --replace --yes replaces it", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, obj({ old: 1 }));
		const file = path.join(ctx.dir, `${id}-new.json`);
		fs.writeFileSync(file, JSON.stringify(obj({ fresh: list([1, 2]) })));
		await resetCounts(ctx.stack);
		let r = await lb(url, `storage init ${id} ${file}`);
		assertExit(r, 2, "init onto Storage");
		assert.match(r.stderr, /already has Storage \(1 top-level key\).*--replace/);
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 });
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({ old: 1 }));

		r = await lb(url, `storage init ${id} ${file} --replace --yes`);
		assertOk(r, "init --replace --yes");
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({ fresh: list([1, 2]) }));
	});

	test("init --replace: a failed write puts the old Storage back, or keeps it in a file", async () => {
		const { url } = ctx.stack;
		const old = obj({ old: 1, keep: list(["a", "b"]) });
		const id = await roomWith(url, old);
		const file = path.join(ctx.dir, `${id}-new.json`);
		fs.writeFileSync(file, JSON.stringify(obj({ fresh: 2 })));
		const home = makeHome();
		try {
			// The new document is refused: the old one is posted back.
			await control(ctx.stack, "POST", "/faults",
				{ method: "POST", path: "/v2/rooms/:roomId/storage", type: "status", status: 500, count: 1 });
			let r = await lb(url, `storage init ${id} ${file} --replace --yes`, [], { home });
			assertExit(r, 1, "first POST fails");
			assert.match(r.stderr, /the previous document was put back/);
			assert.deepEqual(await storageOf(ctx.stack.devUrl, id), old);

			// Putting it back fails too: it is kept in a file, and the
			// command the message gives puts it back.
			await control(ctx.stack, "POST", "/faults",
				{ method: "POST", path: "/v2/rooms/:roomId/storage", type: "status", status: 500, count: 2 });
			r = await lb(url, `storage init ${id} ${file} --replace --yes`, [], { home });
			assertExit(r, 1, "both POSTs fail");
			const m = /was saved \(put it back with: (storage init \S+ (\S+) --yes)\)/.exec(r.stderr);
			assert.ok(m, r.stderr);
			const [, restore, saved] = m;
			assert.ok(saved.startsWith(path.join(home, ".local", "state", "lbtui") + "/"), saved);
			assert.equal((fs.statSync(saved).mode & 0o777), 0o600);
			assert.deepEqual(JSON.parse(fs.readFileSync(saved, "utf8")), old);
			assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({}));
			r = await lb(url, restore, [], { home });
			assertOk(r, restore);
			assert.deepEqual(await storageOf(ctx.stack.devUrl, id), old);
		} finally {
			await control(ctx.stack, "DELETE", "/faults");
			fs.rmSync(home, { recursive: true, force: true });
		}
	});

	test("init with an invalid document is refused before any request", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null);
		const cases = [
			["root-list.json", JSON.stringify(list([])), /the root must be a LiveObject/],
			["plain.json", JSON.stringify({ a: 1 }), /the root must be a LiveObject/],
			["truncated.json", '{"liveblocksType":"LiveObject","data":{"a":1', /not valid JSON \((line 1, )?column \d+: unexpected end/],
			["unknown-type.json", JSON.stringify(obj({ x: { liveblocksType: "LiveFoo", data: 1 } })), /at \/x: unknown liveblocksType/],
			["list-of-object.json", JSON.stringify(obj({ x: { liveblocksType: "LiveList", data: { a: 1 } } })), /at \/x: LiveList data must be an array/],
			["empty.json", "", /not valid JSON/],
		];
		await resetCounts(ctx.stack);
		for (const [name, text, re] of cases) {
			const file = path.join(ctx.dir, `${id}-${name}`);
			fs.writeFileSync(file, text);
			const r = await lb(url, `storage init ${id} ${file}`);
			assertExit(r, 2, `init ${name}`);
			assert.match(r.stderr, new RegExp(`${name} is not a plain LSON Storage document: `), name);
			assert.match(r.stderr, re, name);
		}
		const r = await lb(url, `storage init ${id} ${path.join(ctx.dir, "missing.json")}`);
		assertExit(r, 2, "init from a missing file");
		assert.match(r.stderr, /cannot read .*missing\.json/);
		assert.deepEqual(await counts(ctx.stack), {}, "no request for an invalid document");
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), obj({}));
	});
});

// ===========================================================================

describe("storage edits through JSON patch (emulator)", () => {
	const ctx = useStack();

	test("set, insert (--at in the middle and at the end), delete, move, --live-map, ~1", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		await resetCounts(ctx.stack);
		const edits = EDITS(id);
		for (const cmd of edits) {
			const r = await lb(url, cmd);
			assertOk(r, cmd);
			assert.match(r.stdout, /\nstorage updated \(json-patch\)\n$/, cmd);
			// With --yes the preview makes no claim about how it goes;
			// the last line says what was done.
			assert.doesNotMatch(r.stdout, /Nothing was sent|Sent as one/, cmd);
		}
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), EDITED);
		// Per command: one GET of the document, then one PATCH: the
		// change. The document is never rewritten.
		assert.deepEqual(await counts(ctx.stack), {
			[R.getStorage]: edits.length,
			[R.patch]: edits.length,
		});
	});

	test("insert --at 1: the preview is the one added line, in the middle of the list", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		const r = await lb(url, `storage insert ${id} /tags ${q("mid")} --at 1 --yes`);
		assertOk(r, "insert --at 1");
		assert.match(r.stdout, new RegExp(`^Storage of room ${id}: insert into /tags at 1\n`));
		assert.deepEqual(diffLines(r.stdout).filter((l) => /^[-+]/.test(l)), ['+     "mid",']);
		assert.deepEqual((await storageOf(ctx.stack.devUrl, id)).data.tags, list(["a", "mid", "b"]));
	});

	test("without --yes: the preview diff, exit 2, nothing written", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		await resetCounts(ctx.stack);
		const r = await lb(url, `storage set ${id} /n 7`);
		assertExit(r, 2, "set without --yes");
		assert.match(r.stdout, new RegExp(`^Storage of room ${id}: replace /n\n`));
		const lines = diffLines(r.stdout);
		assert.ok(lines.some((l) => /^@@ -\d+,\d+ \+\d+,\d+ @@/.test(l)), r.stdout);
		assert.ok(lines.includes('-     "n": 1,'), r.stdout);
		assert.ok(lines.includes('+     "n": 7,'), r.stdout);
		assert.match(r.stderr, /add --yes to apply/);
		assert.doesNotMatch(r.stdout, /storage updated/);
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), BOARD);
		// The GET for the preview; nothing else.
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 });
	});

	test("an edit that changes nothing sends nothing", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		await resetCounts(ctx.stack);
		const r = await lb(url, `storage set ${id} /n 1 --yes`);
		assertOk(r, "set to the same value");
		assert.match(r.stdout, /nothing to change: \/n already holds that value/);
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 });
	});

	test("several edits in one run: each edit sees the last one's result", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		await resetCounts(ctx.stack);
		const r = await runBatch([
			"-e", `storage set ${id} /n 5 --yes`,
			"-e", `storage set ${id} /n 5 --yes`,
			"-e", `storage insert ${id} /tags ${q("z")} --yes`,
			"-e", `storage ${id} --format json`,
		], serverEnv(url));
		assertOk(r, "several edits");
		assert.equal(r.stdout.match(/^storage updated \(json-patch\)$/gm).length, 2);
		assert.match(r.stdout, /nothing to change: \/n already holds that value/);
		const last = JSON.parse(r.stdout.trimEnd().split("\n").pop());
		assert.equal(last.n, 5);
		assert.deepEqual(last.tags, ["a", "b", "z"]);
		// Three reads for three edits and one for the print; one PATCH per
		// change.
		assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 4, [R.patch]: 2 });
	});

	test("VALUE from @FILE and from @- (stdin)", async () => {
		const { url, devUrl } = ctx.stack;
		const id = await roomWith(url, BOARD);
		const file = path.join(ctx.dir, `${id}-value.json`);
		fs.writeFileSync(file, '{\n  "from": "file",\n  "list": [1, 2]\n}\n');
		let r = await lb(url, `storage set ${id} /fromFile @${file} --yes`);
		assertOk(r, "set @FILE");
		r = await lb(url, `storage insert ${id} /tags @- --at 0 --yes`, [], { input: '"stdin"\n' });
		assertOk(r, "insert @-");
		const doc = await storageOf(devUrl, id);
		assert.deepEqual(doc.data.fromFile, obj({ from: "file", list: list([1, 2]) }));
		assert.deepEqual(doc.data.tags, list(["stdin", "a", "b"]));
		r = await lb(url, `storage set ${id} /x @${path.join(ctx.dir, "no-such-value.json")} --yes`);
		assertExit(r, 2, "set @missing-file");
		assert.match(r.stderr, /no-such-value\.json/);
	});

	test("--read-only refuses every edit before any request", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		const file = path.join(ctx.dir, "ro.json");
		fs.writeFileSync(file, JSON.stringify(BOARD));
		await resetCounts(ctx.stack);
		for (const cmd of [
			`storage set ${id} /n 5 --yes`,
			`storage insert ${id} /tags ${q("x")} --at 0 --yes`,
			`storage delete ${id} /title --yes`,
			`storage move ${id} /tags/0 /tags/1 --yes`,
			`storage delete ${id} --yes`,
			`storage init ${id} ${file} --replace --yes`,
		]) {
			const r = await runBatch(["--read-only", "-e", cmd], serverEnv(url));
			assertExit(r, 2, `--read-only ${cmd}`);
			assert.match(r.stderr, /refused in read-only mode: 'storage (set|insert|delete|move|init)' would change the project/);
			assert.equal(r.stdout, "");
		}
		assert.deepEqual(await counts(ctx.stack), {});
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), BOARD);
	});

	test("--plain with an object: a plain JSON object, written by rewriting the document, no PATCH", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		const value = { k: [1, { z: true }] };
		await resetCounts(ctx.stack);
		const r = await lb(url, `storage set ${id} /o ${q(value)} --plain --yes`);
		assertOk(r, "set --plain with an object");
		assert.match(r.stdout, new RegExp(`^Storage of room ${id}: add /o\n`));
		// The preview shows the value as plain JSON; with --yes the last
		// line says how it went, although this server has JSON patch.
		const added = diffLines(r.stdout).filter((l) => l.startsWith("+"));
		assert.ok(added.includes('+     "o": {') && added.includes('+       "k": ['), r.stdout);
		assert.ok(!added.some((l) => l.includes("liveblocksType")), r.stdout);
		assert.doesNotMatch(r.stdout, /Nothing was sent|Sent as one/);
		assert.match(r.stdout, /\nstorage updated \(read-modify-write\)\n$/);
		const p = `/v2/rooms/${id}/storage`;
		assert.deepEqual(await requestLog(ctx.stack), [
			`GET ${p} 200`, // the document for the preview
			`GET ${p} 200`, // re-read right before the write
			`DELETE ${p} 204`,
			`POST ${p} 200`,
		]);
		assert.equal((await counts(ctx.stack))[R.patch], undefined);
		const doc = await storageOf(url, id);
		assert.deepEqual(doc.data.o, value);
		assert.deepEqual(doc, obj({ ...BOARD.data, o: value }));
	});
});

// ===========================================================================

describe("storage edits through read-modify-write (official dev server)", () => {
	const ctx = useStack();

	test("the same edits on the dev server give the same document", async () => {
		const { devUrl } = ctx.stack;
		const id = await roomWith(devUrl, BOARD);
		for (const cmd of EDITS(id)) {
			const r = await lb(devUrl, cmd);
			assertOk(r, cmd);
			assert.match(r.stdout, /\nstorage updated \(read-modify-write\)\n$/, cmd);
		}
		assert.deepEqual(await storageOf(devUrl, id), EDITED);
	});

	test("without --yes on the dev server: preview, exit 2, the document stays", async () => {
		const { devUrl } = ctx.stack;
		const id = await roomWith(devUrl, BOARD);
		const r = await lb(devUrl, `storage move ${id} /shapes/0 /shapes/2`);
		assertExit(r, 2, "move without --yes");
		assert.match(r.stdout, new RegExp(`^Storage of room ${id}: move /shapes/0 to /shapes/2\n`));
		// Batch mode does not ask the server first: the preview names both
		// ways, and says that nothing was sent.
		assert.match(r.stdout, /Nothing was sent\. With --yes, it goes as one JSON-patch request, with tests that make the server refuse it if what it changes no longer holds what is shown here; if the server has no JSON-patch endpoint, lbtui rewrites the whole document instead \(read-modify-write\), which disconnects everyone connected to the room\./);
		const changed = diffLines(r.stdout).filter((l) => /^[-+]/.test(l));
		assert.ok(changed.some((l) => l.startsWith("-")) && changed.some((l) => l.startsWith("+")), r.stdout);
		assert.deepEqual(await storageOf(devUrl, id), BOARD);
	});

	test("the fallback is GET, DELETE, POST after the JSON-patch endpoint answers 501", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD);
		await addFault(ctx.stack, { method: "PATCH", path: "/v2/rooms/*/storage/json-patch", type: "status", status: 501 });
		try {
			await resetCounts(ctx.stack);
			const r = await lb(url, `storage insert ${id} /shapes ${q({ x: 5 })} --at 2 --yes`);
			assertOk(r, "insert through the fallback");
			assert.match(r.stdout, /storage updated \(read-modify-write\)\n$/);
			const p = `/v2/rooms/${id}/storage`;
			assert.deepEqual(await requestLog(ctx.stack), [
				`GET ${p} 200`, // the document for the preview
				`PATCH ${p}/json-patch 501`, // no JSON patch here
				`GET ${p} 200`, // re-read right before the write
				`DELETE ${p} 204`,
				`POST ${p} 200`,
			]);
		} finally {
			await clearFaults(ctx.stack);
		}
		assert.deepEqual((await storageOf(ctx.stack.devUrl, id)).data.shapes,
			list([obj({ x: 1 }), obj({ x: 2 }), obj({ x: 5 }), obj({ x: 3 })]));
	});

	test("a document changed after the preview is not overwritten", async () => {
		const { url, devUrl } = ctx.stack;
		const id = await roomWith(devUrl, BOARD);
		// The JSON-patch request answers 501 after a second; meanwhile
		// someone else rewrites the document on the server.
		await addFault(ctx.stack, { method: "PATCH", path: "/v2/rooms/*/storage/json-patch", type: "status", status: 501, latencyMs: 1200 });
		try {
			await resetCounts(ctx.stack);
			const run = lb(url, `storage set ${id} /n 99 --yes`);
			const deadline = Date.now() + 10000;
			while (((await counts(ctx.stack))[R.patch] ?? 0) === 0) {
				assert.ok(Date.now() < deadline, "lbtui never sent the JSON-patch request");
				await new Promise((r) => setTimeout(r, 10));
			}
			assert.equal((await rest(devUrl, "DELETE", `/v2/rooms/${id}/storage`)).status, 204);
			assert.equal((await rest(devUrl, "POST", `/v2/rooms/${id}/storage`, obj({ theirs: true }))).status, 200);
			const r = await run;
			assertExit(r, 1, "write over a changed document");
			assert.match(r.stderr, /STORAGE_CHANGED: the Storage of room "[^"]+" changed since it was shown; nothing was written/);
			assert.doesNotMatch(r.stdout, /storage updated/);
			const c = await counts(ctx.stack);
			assert.equal(c[R.deleteStorage], undefined);
			assert.equal(c[R.postStorage], undefined);
		} finally {
			await clearFaults(ctx.stack);
		}
		assert.deepEqual(await storageOf(devUrl, id), obj({ theirs: true }));
	});
});

// ===========================================================================

describe("Yjs documents and versions", () => {
	const ctx = useStack();

	test("ydoc ROOM prints the JSON as the server sends it; --formatting, --key, --type", async () => {
		const { devUrl } = ctx.stack;
		const id = await roomWith(devUrl, null, "yd");
		await putYdoc(devUrl, id, NOTES());
		for (const [cmd, query] of [
			[`ydoc ${id}`, ""],
			[`ydoc ${id} --formatting`, "?formatting=true"],
			[`ydoc ${id} --key meta`, "?key=meta"],
			[`ydoc ${id} --key body --type ytext`, "?key=body&type=ytext"],
		]) {
			const body = (await rawGet(devUrl, `/v2/rooms/${id}/ydoc${query}`)).toString("utf8");
			const r = await lb(devUrl, cmd);
			assertOk(r, cmd);
			assert.ok(r.stdout === body + "\n", `${cmd}: ${r.stdout} vs ${body}`);
		}
		const r = await lb(devUrl, `ydoc ${id}`);
		assert.deepEqual(JSON.parse(r.stdout), NOTES_JSON);
	});

	test("ydoc update from a file: preview without --yes, sent with --yes", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null, "yd");
		const file = path.join(ctx.dir, `${id}.bin`);
		const bytes = NOTES();
		fs.writeFileSync(file, bytes);
		await resetCounts(ctx.stack);
		let r = await lb(url, `ydoc update ${id} ${file}`);
		assertExit(r, 2, "ydoc update without --yes");
		assert.match(r.stdout, new RegExp(`Send ${bytes.length} bytes from .*\\.bin as a Yjs update to room ${id}\\.`));
		assert.match(r.stderr, /add --yes/);
		assert.deepEqual(await counts(ctx.stack), {});
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, id), {});

		r = await lb(url, `ydoc update ${id} ${file} --yes`);
		assertOk(r, "ydoc update --yes");
		assert.match(r.stdout, new RegExp(`sent a Yjs update of ${bytes.length} bytes to room ${id}\n$`));
		assert.deepEqual(await counts(ctx.stack), { [R.putYdoc]: 1 });
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, id), NOTES_JSON);

		const empty = path.join(ctx.dir, "empty.bin");
		fs.writeFileSync(empty, "");
		r = await lb(url, `ydoc update ${id} ${empty} --yes`);
		assertExit(r, 2, "an empty update");
		assert.match(r.stderr, /empty\.bin is empty/);
		assert.deepEqual(await counts(ctx.stack), { [R.putYdoc]: 1 });
	});

	test("ydoc export then ydoc update into another room gives the same JSON", async () => {
		const { url } = ctx.stack;
		const a = await roomWith(url, null, "yd");
		const b = await roomWith(url, null, "yd");
		await putYdoc(url, a, NOTES());
		const file = path.join(ctx.dir, `${a}-export.bin`);
		let r = await lb(url, `ydoc export ${a} ${file}`);
		assertOk(r, "ydoc export");
		const want = await rawGet(url, `/v2/rooms/${a}/ydoc-binary`);
		assert.ok(fs.readFileSync(file).equals(want), "the file is not GET /ydoc-binary");
		assert.match(r.stdout, new RegExp(`exported the Yjs document of room ${a} to .*\\(${want.length} bytes\\)`));

		r = await lb(url, `ydoc export ${a} ${file}`);
		assertExit(r, 2, "ydoc export onto a file");
		assert.match(r.stderr, /exists: add --force/);

		r = await lb(url, `ydoc update ${b} ${file} --yes`);
		assertOk(r, "ydoc update into b");
		const ra = await lb(url, `ydoc ${a}`);
		const rb = await lb(url, `ydoc ${b}`);
		assert.equal(rb.stdout, ra.stdout);
		assert.deepEqual(JSON.parse(rb.stdout), NOTES_JSON);
	});

	test("versions: an empty list, create, list (table and --json), export", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null, "ver");
		await putYdoc(url, id, NOTES());
		let r = await lb(url, `versions ${id}`);
		assertOk(r, "versions (none)");
		assert.equal(r.stdout, "ID  CREATED           AUTHORS\n");
		assert.equal(r.stderr, "(no versions)\n");

		await resetCounts(ctx.stack);
		r = await lb(url, `versions create ${id}`);
		assertOk(r, "versions create");
		const m = new RegExp(`^created version (\\S+) of room ${id}\n$`).exec(r.stdout);
		assert.ok(m, r.stdout);
		const first = m[1];
		r = await lb(url, `versions create ${id}`, ["--json"]);
		assertOk(r, "versions create --json");
		const second = JSON.parse(r.stdout).data.id;
		assert.deepEqual(await counts(ctx.stack), { [R.createVersion]: 2 });

		const api = (await rest(url, "GET", `/v2/rooms/${id}/versions`)).body.data;
		assert.deepEqual(api.map((v) => v.id).sort(), [first, second].sort());

		r = await lb(url, `versions ${id}`);
		assertOk(r, "versions");
		const rows = r.stdout.trimEnd().split("\n");
		assert.match(rows[0], /^ID\s+CREATED\s+AUTHORS$/);
		assert.deepEqual(rows.slice(1).map((l) => l.split(/\s+/)[0]), api.map((v) => v.id));
		for (const row of rows.slice(1))
			assert.match(row, /^vh_\S+\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+-$/);

		r = await lb(url, `versions ${id}`, ["--json"]);
		assertOk(r, "versions --json");
		const j = JSON.parse(r.stdout);
		assert.equal(j.nextCursor, null);
		assert.deepEqual(j.data.map((v) => [v.type, v.kind, v.id, v.createdAt]),
			api.map((v) => ["historyVersion", "yjs", v.id, v.createdAt]));

		const file = path.join(ctx.dir, `${id}-${first}.bin`);
		await resetCounts(ctx.stack);
		r = await lb(url, `versions export ${id} ${first} ${file}`);
		assertOk(r, "versions export");
		assert.match(r.stdout, new RegExp(`exported version ${first} of room ${id} to `));
		assert.deepEqual(await counts(ctx.stack), { [R.versionYjs]: 1 });
		assert.ok(fs.readFileSync(file).equals(await rawGet(url, `/v2/rooms/${id}/versions/${first}/yjs`)));

		// The snapshot is a whole document: sent to a fresh room it gives the same JSON.
		const fresh = await roomWith(url, null, "ver");
		assertOk(await lb(url, `ydoc update ${fresh} ${file} --yes`), "update from a version");
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, fresh), NOTES_JSON);

		r = await lb(url, `versions export ${id} ${first} ${file}`);
		assertExit(r, 2, "versions export onto a file");
		const missing = path.join(ctx.dir, "no-such-version.bin");
		r = await lb(url, `versions export ${id} vh_doesnotexist ${missing}`);
		assertExit(r, 1, "an unknown version");
		assert.match(r.stderr, /404/);
		assert.equal(fs.existsSync(missing), false);
	});

	test("versions pages: the first page says there are more; --all loads them all", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null, "ver");
		await putYdoc(url, id, NOTES());
		for (let i = 0; i < 53; i += 10) {
			const batch = [];
			for (let k = i; k < Math.min(i + 10, 53); k++)
				batch.push(rest(url, "POST", `/v2/rooms/${id}/versions`, {}));
			for (const res of await Promise.all(batch))
				assert.ok(res.status < 300, JSON.stringify(res.body));
		}
		let r = await lb(url, `versions ${id}`);
		assertOk(r, "versions");
		assert.match(r.stderr, /\(more versions: add --all to load every page\)\n$/);
		assert.doesNotMatch(r.stdout, /more versions/);
		assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("vh_")).length, 50);

		r = await lb(url, `versions ${id} --all`, ["--json"]);
		assertOk(r, "versions --all --json");
		const j = JSON.parse(r.stdout);
		assert.equal(j.data.length, 53);
		assert.equal(new Set(j.data.map((v) => v.id)).size, 53);
		assert.equal(j.nextCursor, null);
	});
});

// ===========================================================================

describe("room administration", () => {
	const ctx = useStack();

	test("room upsert creates the room, then updates it (one request each)", async () => {
		const { url } = ctx.stack;
		const id = uniq("up");
		await resetCounts(ctx.stack);
		let r = await lb(url, `room upsert ${id} --set color=red --create-metadata team=a --create-public`);
		assertOk(r, "upsert (create)");
		assert.equal(r.stdout, `upserted room ${id}\n`);
		let room = (await rest(url, "GET", `/v2/rooms/${id}`)).body;
		assert.deepEqual(room.metadata, { color: "red", team: "a" });
		assert.deepEqual(room.defaultAccesses, ["room:write"]);
		const created = room.createdAt;

		r = await lb(url, `room upsert ${id} --set color=blue --grant-user alice=room:read --create-metadata team=b --create-private`);
		assertOk(r, "upsert (update)");
		room = (await rest(url, "GET", `/v2/rooms/${id}`)).body;
		assert.deepEqual(room.metadata, { color: "blue", team: "a" }, "--create-... applies only when created");
		assert.deepEqual(room.defaultAccesses, ["room:write"]);
		assert.deepEqual(room.usersAccesses, { alice: ["room:read"] });
		assert.equal(room.createdAt, created);

		r = await lb(url, `room upsert ${id} --unset color`, ["--json"]);
		assertOk(r, "upsert --json");
		assert.equal(JSON.parse(r.stdout).id, id);
		assert.deepEqual(JSON.parse(r.stdout).metadata, { team: "a" });
		assert.equal((await counts(ctx.stack))[R.upsert], 3);

		r = await lb(url, `room upsert ${id} --create-public`);
		assertExit(r, 2, "upsert with nothing to update");
		assert.match(r.stderr, /nothing to update/);
		assert.equal((await counts(ctx.stack))[R.upsert], 3);
	});

	test("room rename moves metadata, Storage and Yjs; lbtui follows the room", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, BOARD, "rn");
		await rest(url, "POST", `/v2/rooms/${id}`, { metadata: { kind: "board" } });
		await putYdoc(url, id, NOTES());
		const to = `${id}-new`;

		await resetCounts(ctx.stack);
		let r = await lb(url, `room rename ${id} ${to}`);
		assertExit(r, 2, "rename without --yes");
		assert.match(r.stderr, /add --yes/);
		assert.deepEqual(await counts(ctx.stack), {});

		// In one run: rename, then read the Storage under the new ID.
		r = await runBatch(["-e", `room rename ${id} ${to} --yes`, "-e", `storage ${to} --format json`, "-e", `ydoc ${to}`], serverEnv(url));
		assertOk(r, "rename --yes");
		const { routes, paths } = await control(ctx.stack, "GET", "/requests");
		assert.equal(routes[R.rename], 1);
		assert.equal(paths[`POST /v2/rooms/${id}/update-room-id`], 1);
		assert.equal(paths[`GET /v2/rooms/${to}/storage`], 1);
		assert.equal(paths[`GET /v2/rooms/${id}/storage`], undefined);
		const [said, storageLine, ydocLine] = r.stdout.trimEnd().split("\n");
		assert.equal(said, `renamed room ${id} to ${to}`);
		assert.deepEqual(JSON.parse(storageLine), (await rest(ctx.stack.devUrl, "GET", `/v2/rooms/${to}/storage?format=json`)).body);
		assert.deepEqual(JSON.parse(ydocLine), NOTES_JSON);

		assert.equal((await rest(url, "GET", `/v2/rooms/${id}`)).status, 404);
		const room = (await rest(url, "GET", `/v2/rooms/${to}`)).body;
		assert.deepEqual(room.metadata, { kind: "board" });
		assert.deepEqual(await storageOf(ctx.stack.devUrl, to), BOARD);
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, to), NOTES_JSON);
	});

	test("room rename onto an existing ID fails with 409 and changes nothing", async () => {
		const { url } = ctx.stack;
		const a = await roomWith(url, obj({ who: "a" }), "rn");
		const b = await roomWith(url, obj({ who: "b" }), "rn");
		const r = await lb(url, `room rename ${a} ${b} --yes`);
		assertExit(r, 1, "rename onto an existing room");
		assert.match(r.stderr, /409/);
		assert.deepEqual(await storageOf(ctx.stack.devUrl, a), obj({ who: "a" }));
		assert.deepEqual(await storageOf(ctx.stack.devUrl, b), obj({ who: "b" }));

		const same = await lb(url, `room rename ${a} ${a} --yes`);
		assertExit(same, 2, "rename to the same ID");
		assert.match(same.stderr, /NEW_ID is the room's ID already/);
	});

	test("room prewarm: one GET /prewarm; a missing room exits 1", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null, "pw");
		await resetCounts(ctx.stack);
		let r = await lb(url, `room prewarm ${id}`);
		assertOk(r, "prewarm");
		assert.equal(r.stdout, `prewarmed room ${id}\n`);
		assert.deepEqual(await counts(ctx.stack), { [R.prewarm]: 1 });
		r = await lb(url, `room prewarm ${id}-missing`);
		assertExit(r, 1, "prewarm a missing room");
		assert.match(r.stderr, /404 ROOM_NOT_FOUND/);
	});

	test("room broadcast: one POST broadcast-event, from the line, @FILE or @-", async () => {
		const { url } = ctx.stack;
		const id = await roomWith(url, null, "bc");
		await resetCounts(ctx.stack);
		let r = await lb(url, `room broadcast ${id} '{"type":"x"}'`);
		assertOk(r, "broadcast");
		assert.equal(r.stdout, `broadcast an event (12 bytes) to room ${id}\n`);
		assert.deepEqual(await counts(ctx.stack), { [R.broadcast]: 1 });

		const file = path.join(ctx.dir, "event.json");
		fs.writeFileSync(file, '{"type":"file"}');
		assertOk(await lb(url, `room broadcast ${id} @${file}`), "broadcast @FILE");
		assertOk(await lb(url, `room broadcast ${id} @-`, [], { input: '{"type":"stdin"}' }), "broadcast @-");
		assert.deepEqual(await counts(ctx.stack), { [R.broadcast]: 3 });

		r = await lb(url, `room broadcast ${id} '{"type":'`);
		assertExit(r, 2, "broadcast bad JSON");
		assert.match(r.stderr, /the event is not valid JSON: error at line 1, column \d+/);
		r = await lb(url, `room broadcast ${id}`);
		assertExit(r, 2, "broadcast without an event");
		assert.deepEqual(await counts(ctx.stack), { [R.broadcast]: 3 });

		r = await lb(url, `room broadcast ${id}-missing '{"type":"x"}'`);
		assertExit(r, 1, "broadcast to a missing room");
		assert.match(r.stderr, /404/);
	});

	test("room broadcast sends the event as typed, as application/json", async () => {
		const seen = [];
		const server = http.createServer((req, res) => {
			let body = "";
			req.setEncoding("utf8");
			req.on("data", (d) => (body += d));
			req.on("end", () => {
				seen.push({ method: req.method, url: req.url, type: req.headers["content-type"], auth: req.headers.authorization, body });
				res.writeHead(204);
				res.end();
			});
		});
		await new Promise((r) => server.listen(0, "127.0.0.1", r));
		try {
			const base = `http://127.0.0.1:${server.address().port}`;
			const r = await lb(base, `room broadcast 'my room/1' '{"type":"EMOJI","emoji":"🔥","n":[1,2]}'`);
			assertOk(r, "broadcast to the capture server");
			assert.equal(seen.length, 1);
			assert.equal(seen[0].method, "POST");
			assert.equal(seen[0].url, "/v2/rooms/my%20room%2F1/broadcast-event");
			assert.match(seen[0].type, /^application\/json/);
			assert.equal(seen[0].auth, `Bearer ${SECRET}`);
			assert.deepEqual(JSON.parse(seen[0].body), { type: "EMOJI", emoji: "🔥", n: [1, 2] });
		} finally {
			await new Promise((r) => server.close(r));
		}
	});

	test("room copy copies metadata, accesses, Storage and Yjs, and says what it copied", async () => {
		const { url } = ctx.stack;
		const from = uniq("cp");
		await createRoom(url, from, {
			defaultAccesses: ["room:read", "room:presence:write"],
			metadata: { k: "v", l: ["a", "b"] },
			usersAccesses: { alice: ["room:write"] },
			groupsAccesses: { eng: ["room:read", "room:presence:write"] },
		});
		await rest(url, "POST", `/v2/rooms/${from}/storage`, BOARD);
		const bytes = NOTES();
		await putYdoc(url, from, bytes);
		const yjsLen = (await rawGet(url, `/v2/rooms/${from}/ydoc-binary`)).length;
		const to = `${from}-copy`;

		await resetCounts(ctx.stack);
		let r = await lb(url, `room copy ${from} ${to}`);
		assertExit(r, 2, "copy without --yes");
		assert.match(r.stdout, new RegExp(`Room ${to} does not exist: it will be created\\.`));
		assert.equal((await rest(url, "GET", `/v2/rooms/${to}`)).status, 404);

		await resetCounts(ctx.stack);
		r = await lb(url, `room copy ${from} ${to} --yes`);
		assertOk(r, "copy --yes");
		// BOARD has 14 nodes below the root.
		const summary = `metadata 2 keys, accesses 1 user 1 group, storage 14 nodes, yjs ${yjsLen} bytes`;
		assert.ok(r.stdout.endsWith(`copied room ${from} to ${to}: ${summary}\n`), r.stdout);
		assert.match(r.stdout, /default accesses: room:read, room:presence:write/);
		assert.deepEqual(await counts(ctx.stack), {
			[R.room]: 2, // the source, and whether the target exists
			[R.getStorage]: 1,
			[R.ydocBinary]: 1,
			[R.createRoom]: 1,
			[R.postStorage]: 1,
			[R.putYdoc]: 1,
		});

		const src = (await rest(url, "GET", `/v2/rooms/${from}`)).body;
		const dst = (await rest(url, "GET", `/v2/rooms/${to}`)).body;
		for (const k of ["metadata", "defaultAccesses", "usersAccesses", "groupsAccesses"])
			assert.deepEqual(dst[k], src[k], k);
		assert.deepEqual(await storageOf(ctx.stack.devUrl, to), BOARD);
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, to), NOTES_JSON);
	});

	test("room copy refuses a target that exists, unless --into-existing", async () => {
		const { url } = ctx.stack;
		const from = await roomWith(url, obj({ v: "source" }), "cp");
		const to = await roomWith(url, obj({ v: "target", extra: 1 }), "cp");
		await putYdoc(url, from, NOTES());
		await resetCounts(ctx.stack);
		let r = await lb(url, `room copy ${from} ${to} --yes`);
		assertExit(r, 2, "copy onto an existing room");
		assert.match(r.stderr, new RegExp(`room ${to} already exists: choose another ID, or add --into-existing`));
		const c = await counts(ctx.stack);
		for (const k of [R.createRoom, R.postStorage, R.deleteStorage, R.putYdoc, "POST /v2/rooms/:roomId"])
			assert.equal(c[k], undefined, `${k} after a refused copy`);
		assert.deepEqual(await storageOf(ctx.stack.devUrl, to), obj({ v: "target", extra: 1 }));

		r = await lb(url, `room copy ${from} ${to} --into-existing --yes`);
		assertOk(r, "copy --into-existing");
		assert.match(r.stdout, new RegExp(`Room ${to} exists \\(--into-existing\\)`));
		assert.deepEqual(await storageOf(ctx.stack.devUrl, to), obj({ v: "source" }));
		assert.deepEqual(await ydocOf(ctx.stack.devUrl, to), NOTES_JSON);

		r = await lb(url, `room copy ${from} ${from} --yes`);
		assertExit(r, 2, "copy onto itself");
		r = await lb(url, `room copy ${from}-missing ${from}-x --yes`);
		assertExit(r, 1, "copy a missing room");
		assert.match(r.stderr, /404/);
	});

	test("room copy --to-profile copies into another project; a read_only profile is refused", async () => {
		const { url } = ctx.stack;
		const other = await startDevServer();
		try {
			const home = makeHome();
			const config = path.join(home, ".config", "lbtui", "config");
			fs.writeFileSync(config,
				`[profile local]\nsecret = ${SECRET}\nbase_url = ${other.url}\n` +
				`[profile frozen]\nsecret = ${SECRET}\nbase_url = ${other.url}\nread_only = yes\n`,
				{ mode: 0o600 });
			const from = await roomWith(url, BOARD, "cp");
			await rest(url, "POST", `/v2/rooms/${from}`, { metadata: { env: "prod" } });
			await putYdoc(url, from, NOTES());

			let r = await runBatch(["-e", `room copy ${from} ${from} --to-profile frozen --yes`], serverEnv(url), { home });
			assertExit(r, 2, "copy to a read_only profile");
			assert.match(r.stderr, /refused in read-only mode: 'room copy' would change that profile's project/);
			assert.equal((await rest(other.url, "GET", `/v2/rooms/${from}`)).status, 404);

			// --read-only on the command line covers every project the run opens.
			r = await runBatch(["--read-only", "-e", `room copy ${from} ${from} --to-profile local --yes`], serverEnv(url), { home });
			assertExit(r, 2, "copy under --read-only");
			assert.match(r.stderr, /refused in read-only mode/);
			assert.equal((await rest(other.url, "GET", `/v2/rooms/${from}`)).status, 404);

			r = await runBatch(["-e", `room copy ${from} ${from} --to-profile local --yes`], serverEnv(url), { home });
			assertOk(r, "copy --to-profile");
			assert.match(r.stdout, new RegExp(`copied room ${from} to ${from} in profile local: metadata 1 key, accesses 0 users 0 groups, storage 14 nodes, yjs \\d+ bytes\n$`));
			assert.deepEqual((await rest(other.url, "GET", `/v2/rooms/${from}`)).body.metadata, { env: "prod" });
			assert.deepEqual(await storageOf(other.url, from), BOARD);
			assert.deepEqual(await ydocOf(other.url, from), NOTES_JSON);

			r = await runBatch(["-e", `room copy ${from} ${from} --to-profile local --yes`], serverEnv(url), { home });
			assertExit(r, 2, "copy again to the same profile");
			assert.match(r.stderr, /already exists in that profile/);
		} finally {
			await other.stop();
		}
	});

	test("room copy of an empty room writes no Storage and no Yjs", async () => {
		const { url } = ctx.stack;
		const from = await roomWith(url, null, "cp");
		const to = `${from}-copy`;
		await resetCounts(ctx.stack);
		const r = await lb(url, `room copy ${from} ${to} --yes`);
		assertOk(r, "copy an empty room");
		assert.match(r.stdout, new RegExp(`copied room ${from} to ${to}: metadata 0 keys, accesses 0 users 0 groups, storage empty, yjs empty\n$`));
		const c = await counts(ctx.stack);
		assert.equal(c[R.createRoom], 1);
		assert.equal(c[R.postStorage], undefined);
		assert.equal(c[R.putYdoc], undefined);
		assert.equal((await rest(url, "GET", `/v2/rooms/${to}`)).body.defaultAccesses[0], "room:write");
	});
});

// ===========================================================================

describe("errors and --read-only", () => {
	const ctx = useStack();
	let id;

	before(async () => {
		id = await roomWith(ctx.stack.url, BOARD, "err");
	});

	// Run cmd and expect exit code, stderr matching re, and no request at all.
	async function refused(cmd, code, re, extra = []) {
		await resetCounts(ctx.stack);
		const r = await runBatch([...extra, "-e", cmd], serverEnv(ctx.stack.url));
		assertExit(r, code, cmd);
		assert.match(r.stderr, re, cmd);
		assert.deepEqual(await counts(ctx.stack), {}, `${cmd} made requests`);
		return r;
	}

	test("a bad JSON value exits 2 and names the position, before any request", async () => {
		await refused(`storage set ${id} /n '{"x": 1,}' --yes`, 2, /VALUE is not valid JSON: error at line 1, column 9/);
		await refused(`storage insert ${id} /tags '[1,\n 2' --yes`, 2, /VALUE is not valid JSON: error at line 2, column \d+/);
		await refused(`storage set ${id} /n nope --yes`, 2, /VALUE is not valid JSON: error at line 1, column 1 .*single quotes/);
		await refused(`storage set ${id} /n --yes`, 2, /needs VALUE/);
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), BOARD);
	});

	test("a bad path exits 2 before any request", async () => {
		await refused(`storage set ${id} n 1 --yes`, 2, /PATH 'n' is not a JSON Pointer: it starts with '\/'/);
		await refused(`storage set ${id} '' 1 --yes`, 2, /PATH must name a key or an item, not the whole document/);
		await refused(`storage delete ${id} tags/0 --yes`, 2, /PATH 'tags\/0' is not a JSON Pointer/);
		await refused(`storage move ${id} /tags /tags/0 --yes`, 2, /cannot move \/tags into itself/);
		await refused(`storage move ${id} /tags /tags --yes`, 2, /FROM and TO are the same path/);
		await refused(`storage insert ${id} /tags 1 --at x --yes`, 2, /--at is an index \(0, 1, \.\.\.\) or - for the end, not 'x'/);
		await refused(`storage insert ${id} /tags 1 --at 01 --yes`, 2, /--at is an index/);
	});

	test("a path that is not in the document exits 2 after reading it, without a change", async () => {
		const { url } = ctx.stack;
		for (const [cmd, re] of [
			[`storage set ${id} /nope/deeper 1 --yes`, /cannot set \/nope\/deeper: its parent does not exist/],
			[`storage delete ${id} /nope --yes`, /there is no \/nope in the Storage of room/],
			[`storage move ${id} /nope /n2 --yes`, /there is no \/nope in the Storage of room/],
			[`storage insert ${id} /n 1 --yes`, /\/n is a number, not a LiveList: use 'storage set'/],
			[`storage insert ${id} /meta 1 --yes`, /\/meta is a LiveMap, not a LiveList/],
			[`storage insert ${id} /tags 1 --at 3 --yes`, /--at 3 is past the end of \/tags \(2 items\): use 0 to 2/],
			[`storage move ${id} /tags/0 /tags/5 --yes`, /index 5 is out of bounds/],
		]) {
			await resetCounts(ctx.stack);
			const r = await lb(url, cmd);
			assertExit(r, 2, cmd);
			assert.match(r.stderr, re, cmd);
			assert.deepEqual(await counts(ctx.stack), { [R.getStorage]: 1 }, cmd);
		}
		assert.deepEqual(await storageOf(ctx.stack.devUrl, id), BOARD);
	});

	test("a room that does not exist exits 1 with 404", async () => {
		const { url } = ctx.stack;
		const gone = `${id}-missing`;
		const file = path.join(ctx.dir, "missing-room.json");
		for (const cmd of [
			`storage ${gone}`,
			`storage ${gone} --format json`,
			`storage set ${gone} /a 1 --yes`,
			`storage delete ${gone} --yes`,
			`storage export ${gone} ${file}`,
			`ydoc ${gone}`,
			`versions ${gone}`,
			`room rename ${gone} ${gone}-2 --yes`,
		]) {
			const r = await lb(url, cmd);
			assertExit(r, 1, cmd);
			assert.match(r.stderr, /404 ROOM_NOT_FOUND: Room with id "[^"]+-missing" not found/, cmd);
			assert.equal(r.stdout, "", cmd);
		}
		assert.equal(fs.existsSync(file), false, "no file for a missing room");
	});

	test("an unknown option exits 2, names it, before any request", async () => {
		await refused(`storage set ${id} /n 1 --bogus`, 2, /unknown option --bogus for 'storage set' \(see: help storage set\)/);
		await refused(`storage ${id} --depth 3`, 2, /unknown option --depth for 'storage'/);
		await refused(`ydoc update ${id} x.bin --force`, 2, /unknown option --force for 'ydoc update'/);
		await refused(`versions create ${id} --all`, 2, /unknown option --all for 'versions create'/);
		await refused(`room copy ${id} ${id}-2 --nope`, 2, /unknown option --nope for 'room copy'/);
		await refused(`room rename ${id} ${id}-2 --force`, 2, /unknown option --force for 'room rename'/);
		await refused(`storage ${id} --format yaml`, 2, /--format is json or plain-lson, not 'yaml'/);
		await refused(`ydoc ${id} --type ymap`, 2, /--type goes with --key KEY/);
		await refused(`ydoc ${id} --key k --type tree`, 2, /--type is ymap, ytext, yxmltext, yxmlfragment or yarray, not 'tree'/);
	});

	test("--read-only refuses Yjs, versions and room changes before any request", async () => {
		const file = path.join(ctx.dir, "ro.bin");
		fs.writeFileSync(file, NOTES());
		for (const cmd of [
			`ydoc update ${id} ${file} --yes`,
			`versions create ${id}`,
			`room upsert ${id} --set a=b`,
			`room rename ${id} ${id}-2 --yes`,
			`room broadcast ${id} '{"type":"x"}'`,
		])
			await refused(cmd, 2, /refused in read-only mode: '[a-z ]+' would change the project/, ["--read-only"]);
		await refused(`room copy ${id} ${id}-2 --yes`, 2, /refused in read-only mode: 'room copy' would change this project/, ["--read-only"]);
		// Reading is still allowed.
		const r = await runBatch(["--read-only", "-e", `storage ${id}`], serverEnv(ctx.stack.url));
		assertOk(r, "storage --read-only");
		assert.deepEqual(JSON.parse(r.stdout), BOARD);
	});
});
