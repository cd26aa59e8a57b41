// Storage writes that must not lose anything: a change applies to exactly
// what its preview showed or is refused (JSON Patch tests, and the same
// tests in read-modify-write), a rewrite keeps the document it deletes in a
// file before the DELETE and puts it back when a signal stops it, an answer
// cut off after the server wrote is settled by reading back, and every
// Storage write previews first. Against the emulator (JSON patch) with its
// fault injection, and through its 501 on json-patch (read-modify-write on
// the official dev server behind it).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, lbtuiBin, makeHome, rest, runBatch, serverEnv, spawnLbtui, tempDir, uniq, emulatorControl } from "./harness.mjs";

let stack;
let running = [];

before(async () => {
	stack = await startStack();
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
	await control("DELETE", "/faults");
});

const obj = (data) => ({ liveblocksType: "LiveObject", data });
const list = (data) => ({ liveblocksType: "LiveList", data });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the emulator's control endpoint -------------------------------------------

/** The emulator's control endpoint (harness.mjs). */
const control = (method, p, body) => emulatorControl(stack, method, p, body);

const fault = (rule) => control("POST", "/faults", rule);
const NO_JSON_PATCH = { method: "PATCH", path: "/v2/rooms/*/storage/json-patch", type: "status", status: 501 };

/** How many METHOD requests the emulator got on the room's Storage (suffix:
 * "" or "/json-patch") since the counters were reset. */
async function count(method, id, suffix = "") {
	const q = new URLSearchParams({ method, path: `/v2/rooms/${id}/storage${suffix}` });
	return (await control("GET", `/requests?${q}`)).count;
}

async function counts(id) {
	return {
		GET: await count("GET", id),
		DELETE: await count("DELETE", id),
		POST: await count("POST", id),
		PATCH: await count("PATCH", id, "/json-patch"),
	};
}

/** Wait until cond() (async) holds. */
async function until(cond, what, timeout = 10000) {
	const end = Date.now() + timeout;
	while (!(await cond())) {
		assert.ok(Date.now() < end, `timed out waiting for ${what}`);
		await sleep(10);
	}
}

// --- rooms --------------------------------------------------------------------

async function roomWith(doc) {
	const id = uniq("safe");
	await createRoom(stack.devUrl, id, { defaultAccesses: ["room:write"] });
	const r = await rest(stack.devUrl, "POST", `/v2/rooms/${id}/storage`, doc);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return id;
}

async function storageOf(id) {
	const r = await rest(stack.devUrl, "GET", `/v2/rooms/${id}/storage`);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return r.body;
}

/** Another client's change, as one JSON-patch request through the emulator. */
async function theirPatch(id, ops) {
	const r = await rest(stack.url, "PATCH", `/v2/rooms/${id}/storage/json-patch`, ops);
	assert.equal(r.status, 200, JSON.stringify(r.body));
}

function lb(cmd, opts = {}) {
	return runBatch(["-e", cmd], serverEnv(stack.url), opts);
}

/** Files lbtui keeps in the state directory of home (the command history
 * lives there too). */
function keptFiles(home) {
	const dir = path.join(home, ".local", "state", "lbtui");
	return fs.existsSync(dir)
		? fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f))
		: [];
}

// --- lbtui -e in the background, to signal it ----------------------------------

const SAN = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer/;

/** Start lbtui -e cmd against the emulator with home as HOME: {child,
 * done} where done resolves to {code, signal, stdout, stderr} (and fails
 * on a sanitizer report). */
function startBatch(cmd, home) {
	const san = tempDir("lbtui-san-");
	const log = path.join(san, "san");
	const child = spawn(lbtuiBin(), ["-e", cmd], {
		env: {
			PATH: process.env.PATH || "/usr/bin:/bin",
			LANG: "C.UTF-8",
			LC_ALL: "C.UTF-8",
			HOME: home,
			XDG_CONFIG_HOME: path.join(home, ".config"),
			XDG_STATE_HOME: path.join(home, ".local", "state"),
			ASAN_OPTIONS: `detect_leaks=1:log_path=${log}`,
			UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${log}`,
			LSAN_OPTIONS: `log_path=${log}`,
			...serverEnv(stack.url),
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8");
	child.stderr.setEncoding("utf8");
	child.stdout.on("data", (d) => (stdout += d));
	child.stderr.on("data", (d) => (stderr += d));
	const timer = setTimeout(() => child.kill("SIGKILL"), 40000);
	const done = new Promise((resolve) => {
		child.on("close", (code, signal) => {
			clearTimeout(timer);
			let reports = SAN.test(stderr) ? stderr : "";
			for (const f of fs.readdirSync(san))
				reports += fs.readFileSync(path.join(san, f), "utf8");
			fs.rmSync(san, { recursive: true, force: true });
			assert.equal(reports, "", `sanitizer report:\n${reports}`);
			resolve({ code, signal, stdout, stderr });
		});
	});
	return { child, done };
}

// ===========================================================================

describe("a change applies to what its preview showed, or is refused", () => {
	test("on the screen: another client's insert before the item being deleted refuses the delete, which is previewed again", async () => {
		const id = await roomWith(obj({ title: "t" }));
		assert.equal((await lb(`storage set ${id} /list '["a","b","c","d"]' --yes`)).code, 0);
		const t = spawnLbtui({ env: serverEnv(stack.url), cols: 120, rows: 40 });
		running.push(t);
		await t.waitFor(/rooms/);
		t.command(`:storage delete ${id} /list/2`);
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		assert.match(t.screenText(), /-\s+"c",/);
		// While the question is open, someone inserts "z" at the start.
		await control("DELETE", "/requests");
		await theirPatch(id, [{ op: "add", path: "/list/0", value: "z" }]);
		t.write("y");
		// Refused: nothing deleted; the screen names what changed and asks.
		await t.waitFor(/Re-read and preview again\? \[y\/N\]/, { timeout: 10000 });
		assert.match(t.screenText(), /changed: \/list\/2/);
		assert.deepEqual((await storageOf(id)).data.list, list(["z", "a", "b", "c", "d"]));
		assert.equal(await count("PATCH", id, "/json-patch"), 2); // theirs, then ours refused
		// Yes: the same command against the document as it is now, a new
		// preview (now "b" is at /list/2) and a new question.
		t.write("y");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		assert.match(t.screenText(), /-\s+"b",/);
		assert.doesNotMatch(t.screenText(), /-\s+"c",/);
		t.write("y");
		await t.waitFor(() => /storage updated \(json-patch\)/.test(t.row(-1)), { timeout: 10000 });
		assert.deepEqual((await storageOf(id)).data.list, list(["z", "a", "c", "d"]));
	});

	test("batch, JSON patch: a value changed by someone else is not overwritten; exit 1 names the path", async () => {
		const id = await roomWith(obj({ n: 1, other: 1 }));
		// Our PATCH waits a second at the emulator; theirs goes first.
		await fault({ method: "PATCH", path: "/v2/rooms/*/storage/json-patch", type: "latency", latencyMs: 1200, count: 1 });
		await control("DELETE", "/requests");
		const run = lb(`storage set ${id} /n 99 --yes`);
		await until(async () => (await count("PATCH", id, "/json-patch")) === 1, "lbtui's PATCH");
		await theirPatch(id, [{ op: "replace", path: "/n", value: 5 }]);
		const r = await run;
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /STORAGE_CHANGED: the Storage of room "[^"]+" changed since it was shown; nothing was written \(changed: \/n\)/);
		assert.doesNotMatch(r.stdout, /storage updated/);
		assert.deepEqual(await storageOf(id), obj({ n: 5, other: 1 }));
		// The preview's read, our PATCH (refused), theirs, and the read that
		// found what changed; nothing rewritten.
		assert.deepEqual(await counts(id), { GET: 2, DELETE: 0, POST: 0, PATCH: 2 });
	});

	test("batch, read-modify-write: a change elsewhere does not refuse, a change to what the edit depends on does", async () => {
		const id = await roomWith(obj({ n: 1, other: 1 }));
		// The 501 comes after a second; meanwhile someone changes /other.
		const slow501 = { ...NO_JSON_PATCH, latencyMs: 1200, count: 1 };
		await fault(slow501);
		await control("DELETE", "/requests");
		let run = lb(`storage set ${id} /n 99 --yes`);
		await until(async () => (await count("PATCH", id, "/json-patch")) === 1, "lbtui's PATCH");
		await rest(stack.devUrl, "DELETE", `/v2/rooms/${id}/storage`);
		await rest(stack.devUrl, "POST", `/v2/rooms/${id}/storage`, obj({ n: 1, other: 2 }));
		let r = await run;
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /\nstorage updated \(read-modify-write\)\n$/);
		// Their change is kept, ours is made.
		assert.deepEqual(await storageOf(id), obj({ n: 99, other: 2 }));

		// Now they change /n itself: refused, nothing deleted.
		await fault(slow501);
		await control("DELETE", "/requests");
		run = lb(`storage set ${id} /n 7 --yes`);
		await until(async () => (await count("PATCH", id, "/json-patch")) === 1, "lbtui's PATCH");
		await rest(stack.devUrl, "DELETE", `/v2/rooms/${id}/storage`);
		await rest(stack.devUrl, "POST", `/v2/rooms/${id}/storage`, obj({ n: 5, other: 2 }));
		r = await run;
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /changed since it was shown; nothing was written \(changed: \/n\)/);
		assert.deepEqual(await storageOf(id), obj({ n: 5, other: 2 }));
		assert.deepEqual(await counts(id), { GET: 2, DELETE: 0, POST: 0, PATCH: 1 });
	});
});

// ===========================================================================

describe("a signal during a rewrite leaves the old Storage, or a file and the command that restores it", () => {
	const OLD = obj({ n: 1, keep: list(["a", "b"]) });

	// Start `storage set ID /n 2 --yes` through read-modify-write with the
	// DELETE held back a moment at the emulator and the POST of the new
	// document stalled (postStall: the rule for it). Checks that the old
	// document is in a file before the DELETE reaches the server, and
	// returns once the POST is stalled.
	async function startRewrite(postStall) {
		const id = await roomWith(OLD);
		const home = makeHome();
		await fault(NO_JSON_PATCH);
		await fault({ method: "DELETE", path: "/v2/rooms/*/storage", type: "latency", latencyMs: 700, count: 1 });
		await fault({ method: "POST", path: "/v2/rooms/*/storage", type: "stall", ...postStall });
		await control("DELETE", "/requests");
		const run = startBatch(`storage set ${id} /n 2 --yes`, home);
		await until(async () => (await count("DELETE", id)) === 1, "the DELETE");
		// The DELETE has reached the emulator but not the server: the
		// Storage is intact, and its copy is already on disk.
		const files = keptFiles(home);
		assert.equal(files.length, 1, files.join(", "));
		assert.match(path.basename(files[0]), new RegExp(`^storage-${id}-\\d{8}-\\d{6}\\.json$`));
		assert.equal(fs.statSync(files[0]).mode & 0o777, 0o600);
		assert.deepEqual(JSON.parse(fs.readFileSync(files[0], "utf8")), OLD);
		assert.deepEqual(await storageOf(id), OLD);
		await until(async () => (await count("POST", id)) === 1, "the POST");
		assert.deepEqual(await storageOf(id), obj({}), "deleted, not written yet");
		return { id, home, run, file: files[0] };
	}

	/** The restore command the output names, run; the old document is back. */
	async function restoreWith(text, id, home, file) {
		const m = /put it back with: (storage init \S+ (\S+) --yes)\)/.exec(text);
		assert.ok(m, text);
		assert.equal(m[2], file);
		await control("DELETE", "/faults");
		const r = await lb(m[1], { home });
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(await storageOf(id), OLD);
	}

	test("SIGINT: the stalled write is abandoned, the Storage read back and the old document put back; exit 130", async () => {
		const { id, home, run } = await startRewrite({ count: 1 });
		run.child.kill("SIGINT");
		const r = await run.done;
		assert.equal(r.code, 130, r.stderr);
		assert.match(r.stderr, /interrupted: the Storage of room "[^"]+" is as it was; the change was not made/);
		assert.doesNotMatch(r.stdout, /storage updated/);
		assert.deepEqual(await storageOf(id), OLD);
		// Preview read, re-read, read back after the signal; one DELETE; the
		// stalled POST and the one that put the old document back.
		assert.deepEqual(await counts(id), { GET: 3, DELETE: 1, POST: 2, PATCH: 1 });
		assert.deepEqual(keptFiles(home), [], "the copy goes once the document is back");
	});

	test("SIGTERM twice: the second stops the wait; the file and its restore command are printed, and the command restores it", async () => {
		// Every POST stalls: putting the old document back cannot finish.
		const { id, home, run, file } = await startRewrite({});
		run.child.kill("SIGTERM");
		await until(async () => (await count("POST", id)) === 2, "the POST putting the old document back");
		run.child.kill("SIGTERM");
		const r = await run.done;
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, new RegExp(`stopped while rewriting the Storage of room ${id}, which may be empty: its previous document is saved in ${file.replace(/[.]/g, "\\.")}`));
		assert.deepEqual(await counts(id), { GET: 3, DELETE: 1, POST: 2, PATCH: 1 });
		assert.deepEqual(await storageOf(id), obj({}));
		assert.deepEqual(keptFiles(home), [file]);
		await restoreWith(r.stderr, id, home, file);
	});

	test("SIGHUP: putting the old document back fails; exit 1 with the file and the command that restores it", async () => {
		const { id, home, run, file } = await startRewrite({ count: 1 });
		await fault({ method: "POST", path: "/v2/rooms/*/storage", type: "status", status: 503 });
		run.child.kill("SIGHUP");
		const r = await run.done;
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, /putting the previous document back failed too: the Storage of room "[^"]+" is empty now/);
		// Read back after the signal and after the failed restore; one
		// restore only.
		assert.deepEqual(await counts(id), { GET: 4, DELETE: 1, POST: 2, PATCH: 1 });
		assert.deepEqual(keptFiles(home), [file]);
		await restoreWith(r.stderr, id, home, file);
	});

	test("SIGINT with the way back stalled: the wait is bounded, then the file and its command are printed", async () => {
		const { id, home, run, file } = await startRewrite({});
		const start = Date.now();
		run.child.kill("SIGINT");
		const r = await run.done;
		const waited = Date.now() - start;
		assert.equal(r.code, 1, r.stderr);
		assert.ok(waited >= 9000 && waited < 20000, `waited ${waited} ms`);
		assert.match(r.stderr, /its previous document is saved in/);
		assert.deepEqual(await counts(id), { GET: 3, DELETE: 1, POST: 2, PATCH: 1 });
		await restoreWith(r.stderr, id, home, file);
	});
});

// ===========================================================================

describe("an answer cut off after the server wrote", () => {
	test("a truncated answer to the rewrite's POST: read back, the new document is there, nothing is put back", async () => {
		const id = await roomWith(obj({ n: 1 }));
		const home = makeHome();
		await fault(NO_JSON_PATCH);
		await fault({ method: "POST", path: "/v2/rooms/*/storage", type: "truncate", count: 1 });
		await control("DELETE", "/requests");
		const r = await lb(`storage set ${id} /n 2 --yes`, { home });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /\nstorage updated \(read-modify-write\)\n$/);
		assert.equal(r.stderr, "");
		assert.deepEqual(await storageOf(id), obj({ n: 2 }));
		// One POST (the one cut off), then a read instead of a restore.
		assert.deepEqual(await counts(id), { GET: 3, DELETE: 1, POST: 1, PATCH: 1 });
		assert.deepEqual(keptFiles(home), []);
	});
});

// ===========================================================================

describe("every Storage write previews first", () => {
	test("storage init without --yes previews and writes nothing; with --yes it writes", async () => {
		const id = uniq("safe");
		await createRoom(stack.devUrl, id, { defaultAccesses: ["room:write"] });
		const dir = tempDir("lbtui-safety-");
		const file = path.join(dir, "doc.json");
		fs.writeFileSync(file, JSON.stringify(obj({ a: 1, b: list([1]) })));
		try {
			await control("DELETE", "/requests");
			let r = await lb(`storage init ${id} ${file}`);
			assert.equal(r.code, 2, r.stderr);
			assert.match(r.stdout, new RegExp(`^Storage of room ${id}: initialize from ${file}\n`));
			assert.match(r.stdout, /2 top-level keys: a, b/);
			assert.match(r.stdout, /The room's Storage is empty: with --yes, lbtui writes the document \(POST \/storage\)\./);
			assert.match(r.stderr, /add --yes to apply/);
			assert.deepEqual(await counts(id), { GET: 1, DELETE: 0, POST: 0, PATCH: 0 });
			assert.deepEqual(await storageOf(id), obj({}));
			r = await lb(`storage init ${id} ${file} --yes`);
			assert.equal(r.code, 0, r.stderr);
			assert.deepEqual(await storageOf(id), obj({ a: 1, b: list([1]) }));
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	test("a preview without --yes says nothing was sent; with --yes the last line says how it went", async () => {
		const id = await roomWith(obj({ n: 1 }));
		await control("DELETE", "/requests");
		let r = await lb(`storage set ${id} /n 2`);
		assert.equal(r.code, 2);
		assert.doesNotMatch(r.stdout, /Sent as one/);
		assert.match(r.stdout, /Nothing was sent\. With --yes, it goes as one JSON-patch request/);
		assert.deepEqual(await counts(id), { GET: 1, DELETE: 0, POST: 0, PATCH: 0 });
		r = await lb(`storage set ${id} /n 2 --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.doesNotMatch(r.stdout, /Sent as one|Nothing was sent/);
		assert.match(r.stdout, /\nstorage updated \(json-patch\)\n$/);
	});

	test("on the screen, declining a value written in $EDITOR names the file that kept it", async () => {
		const id = await roomWith(obj({ n: 1 }));
		const t = spawnLbtui({ env: { ...serverEnv(stack.url), VISUAL: "", EDITOR: "sed -i s/1/42/" }, cols: 220, rows: 30 });
		running.push(t);
		await t.waitFor(/rooms/);
		t.command(`:storage set ${id} /n --edit`);
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		t.write("n");
		await t.waitFor(/not applied/);
		const files = keptFiles(t.home);
		assert.equal(files.length, 1, files.join(", "));
		assert.equal(fs.readFileSync(files[0], "utf8").trim(), "42");
		assert.ok(t.screenText().includes(`give it again as @${files[0]}`), t.screenText());
		assert.deepEqual(await storageOf(id), obj({ n: 1 }));
	});
});
