// lbtui against a hostile server and a careless operator: secrets a server
// echoes, control characters on the clipboard, IDs the API cannot take, a
// secret_command that hangs, a config anyone may write to, @FILE that never
// ends, a delete of a room that does not exist, and batch output a program
// can rely on (the result alone on stdout, errors as JSON with --json).

import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { createRoom, makeHome, rest, runBatch, serverEnv, spawnLbtui, tempDir, uniq } from "./harness.mjs";

let stack;
let env;
const running = [];

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
});

afterEach(async () => {
	while (running.length)
		await running.pop().close();
});

after(async () => {
	if (stack)
		await stack.stop();
});

function start(opts = {}) {
	const t = spawnLbtui({ cols: 100, rows: 30, ...opts });
	running.push(t);
	return t;
}

async function resetCounts() {
	const r = await fetch(`${stack.control}/requests`, { method: "DELETE" });
	assert.equal(r.status, 204);
}

async function requestCount(method = "*", p = "**") {
	const q = new URLSearchParams({ method, path: p });
	return (await (await fetch(`${stack.control}/requests?${q}`)).json()).count;
}

// A server of our own: handler(req, res) answers every request.
async function hostile(handler) {
	const server = http.createServer((req, res) => {
		req.resume();
		handler(req, res);
	});
	await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
	return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

function json(res, status, body) {
	res.writeHead(status, { "Content-Type": "application/json" });
	res.end(JSON.stringify(body));
}

describe("secrets a server echoes are masked", () => {
	// The key lbtui is given, and another key the server throws in.
	const KEY = "sk_demo_Zq8wYbT3kLmN0pRsTuVwXyZ0123456789abcdefGHIJ";
	const OTHER = "sk_live_9f8e7d6c5b4a3210ffeeddccbbaa99887766";
	const leaks = (text) => [KEY, OTHER, KEY.slice(0, 24), OTHER.slice(0, 24)].filter((s) => text.includes(s));
	let server;

	before(async () => {
		server = await hostile((req, res) => {
			if (req.url.startsWith("/v2/rooms/echo/storage")) {
				// A document that quotes both, once in a piece of its own.
				res.writeHead(200, { "Content-Type": "application/json" });
				res.write(`{"liveblocksType":"LiveObject","data":{"k":"${KEY}","n":"x ${OTHER.slice(0, 10)}`);
				setTimeout(() => res.end(`${OTHER.slice(10)} y"}}`), 50);
				return;
			}
			if (req.url.startsWith("/v2/rooms/echo")) {
				return json(res, 200, {
					type: "room", id: "echo", organizationId: "o", createdAt: "2024-01-01T00:00:00.000Z",
					metadata: { note: `key=${KEY}`, other: OTHER }, defaultAccesses: [], usersAccesses: {}, groupsAccesses: {},
				});
			}
			json(res, 403, {
				error: "FORBIDDEN",
				message: `Invalid secret key ${KEY}; did you mean ${OTHER}?`,
				suggestion: `Use ${OTHER} instead`,
			});
		});
	});
	after(() => server.close());

	test("a 403 quoting the key: batch mode, with and without --json", async () => {
		const e = serverEnv(server.url, { LIVEBLOCKS_SECRET_KEY: KEY });
		for (const extra of [[], ["--json"]]) {
			const r = await runBatch(["-e", "rooms", ...extra], e);
			assert.equal(r.code, 1, r.stderr);
			assert.match(r.stderr, /403 FORBIDDEN: Invalid secret key sk_demo_…GHIJ; did you mean sk_live_…7766/);
			assert.deepEqual(leaks(r.stdout + r.stderr), [], `${extra}: ${r.stdout}\n${r.stderr}`);
		}
	});

	test("room data and a Storage document quoting keys: tables, JSON and the streamed document", async () => {
		const e = serverEnv(server.url, { LIVEBLOCKS_SECRET_KEY: KEY });
		for (const args of [["-e", "room show echo"], ["-e", "room show echo", "--json"], ["-e", "storage echo"]]) {
			const r = await runBatch(args, e);
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /sk_live_…7766/);
			assert.deepEqual(leaks(r.stdout + r.stderr), [], `${args.join(" ")}:\n${r.stdout}`);
		}
		// The document is still JSON, with the keys masked in it.
		const r = await runBatch(["-e", "storage echo"], e);
		const doc = JSON.parse(r.stdout);
		assert.equal(doc.data.k, "sk_demo_…GHIJ");
		assert.equal(doc.data.n, "x sk_live_…7766 y");
	});

	test("on the screen: the 403 and everything written to the terminal", async () => {
		const t = start({ env: serverEnv(server.url, { LIVEBLOCKS_SECRET_KEY: KEY }) });
		await t.waitFor(/403/);
		await t.waitIdle();
		assert.match(t.screenText(), /sk_live_…/);
		assert.deepEqual(leaks(t.screenText()), [], t.dump());
		assert.deepEqual(leaks(t.output), []);
		t.command(":room show echo");
		await t.waitFor(/metadata/);
		await t.waitIdle();
		assert.deepEqual(leaks(t.output), [], t.dump());
		assert.equal(await t.exit(), 0);
	});
});

describe("the clipboard gets no control characters", () => {
	test("y and Y on a key holding a bracketed-paste end and a command line", async () => {
		const id = uniq("clip");
		const evilKey = "a\u001b[201~\necho PWNED\n";
		await createRoom(stack.url, id);
		const init = await rest(stack.url, "POST", `/v2/rooms/${id}/storage`, {
			liveblocksType: "LiveObject",
			data: { [evilKey]: "v\u009b2J\u202e" },
		});
		assert.equal(init.status, 200, JSON.stringify(init.body));
		const t = start({ env });
		await t.waitFor(/ \d+\+? rooms │/);
		t.command(`:storage ${id}`);
		await t.waitFor(/root LiveObject 1 keys?/);
		t.key("Down");
		t.write("y");
		await t.waitFor(() => /copied \//.test(t.row(-1)));
		t.write("Y");
		await t.waitFor(() => /copied \d+ bytes of JSON/.test(t.row(-1)));
		const payloads = [...t.output.matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g)].map((m) => Buffer.from(m[1], "base64"));
		assert.equal(payloads.length, 2);
		for (const p of payloads) {
			const text = p.toString("utf8");
			for (const b of p)
				assert.ok(b >= 0x20 && b !== 0x7f, `byte 0x${b.toString(16)} in ${JSON.stringify(text)}`);
			assert.ok(!/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), JSON.stringify(text));
		}
		const [pointer, doc] = payloads.map((p) => p.toString("utf8"));
		// (~ is ~0 in a JSON Pointer.)
		assert.equal(pointer, "/a\\u001b[201~0\\u000aecho PWNED\\u000a");
		// The JSON is still JSON, and says the same.
		assert.deepEqual(JSON.parse(doc), "v\u009b2J\u202e");
		assert.equal(await t.exit(), 0);
	});
});

describe("IDs are checked before any request", () => {
	const commands = [
		"room show ''",
		"room create ''",
		"room update '' --set a=1",
		"room delete '' --yes",
		"room upsert '' --set a=1",
		"room rename '' new --yes",
		"room rename old '' --yes",
		"room prewarm ''",
		"room broadcast '' '{}'",
		"room copy '' new --yes",
		"room copy old '' --yes",
		"storage ''",
		"storage set '' /a 1 --yes",
		"storage insert '' /a 1 --yes",
		"storage delete '' --yes",
		"storage delete '' /a --yes",
		"storage move '' /a /b --yes",
		"storage init '' doc.json",
		"storage export '' out.json",
		"ydoc ''",
		"ydoc export '' out.bin",
		"ydoc update '' in.bin --yes",
		"versions ''",
		"versions export '' v1 out.bin",
		"versions export r '' out.bin",
		"versions create ''",
		"users ''",
		"rooms --user ''",
		"rooms --group ''",
		"rooms --org ''",
	];

	test("every ID-taking command with '' exits 2 with a usage message and sends nothing", async () => {
		const home = makeHome();
		await resetCounts();
		for (const c of commands) {
			const r = await runBatch(["-e", c], env, { home });
			assert.equal(r.code, 2, `${c}: ${r.stderr}`);
			assert.match(r.stderr, /^lbtui: usage error: .*must not be empty/m, c);
			assert.equal(await requestCount(), 0, `${c} sent a request`);
		}
	});

	test("a room ID longer than the API takes is refused too", async () => {
		await resetCounts();
		const r = await runBatch(["-e", `room create ${"x".repeat(129)}`], env);
		assert.equal(r.code, 2);
		assert.match(r.stderr, /129 characters long; the API takes at most 128/);
		assert.equal(await requestCount(), 0);
	});
});

describe("a room that does not exist is not deleted", () => {
	test("room delete nope:x --yes says there is no such room, exits 1, sends no DELETE", async () => {
		const id = uniq("nope") + ":x";
		await resetCounts();
		const r = await runBatch(["-e", `room delete ${id} --yes`], env);
		assert.equal(r.code, 1, r.stderr);
		assert.match(r.stderr, new RegExp(`no room '${id}'`));
		assert.doesNotMatch(r.stdout, /deleted/);
		assert.equal(await requestCount("DELETE"), 0);
	});

	test("a room that exists is still deleted", async () => {
		const id = uniq("del");
		await createRoom(stack.url, id);
		const r = await runBatch(["-e", `room delete ${id} --yes`], env);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`deleted room ${id}`));
		assert.equal((await rest(stack.url, "GET", `/v2/rooms/${id}`)).status, 404);
	});
});

describe("the config and the secret_command", () => {
	function homeWith(text) {
		const home = makeHome();
		const file = path.join(home, ".config", "lbtui", "config");
		fs.writeFileSync(file, text, { mode: 0o600 });
		fs.chmodSync(file, 0o600);
		return { home, file };
	}

	test("a secret_command that hangs is stopped after secret_timeout, with what it started", async () => {
		const pidFile = path.join(tempDir(), "pid");
		const { home } = homeWith(`[profile slow]\nsecret_command = echo $$ > ${pidFile}; exec sleep 100\n` +
			`secret_timeout = 1\nbase_url = ${stack.url}\n`);
		const t0 = Date.now();
		const r = await runBatch(["--profile", "slow", "-e", "rooms"], {}, { home, timeout: 15000 });
		const took = Date.now() - t0;
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /secret_command did not finish within 1 s and was stopped/);
		assert.match(r.stderr, /secret_timeout/);
		assert.ok(took < 8000, `took ${took} ms`);
		const pid = Number(fs.readFileSync(pidFile, "utf8"));
		assert.throws(() => process.kill(pid, 0), /ESRCH/, "the secret_command's sleep still runs");
	});

	test("a config directory writable by others is refused, with the path and the chmod", async () => {
		const { home } = homeWith(`[profile local]\nsecret = sk_localdev\nbase_url = ${stack.url}\n`);
		const dir = path.join(home, ".config", "lbtui");
		fs.chmodSync(dir, 0o777);
		await resetCounts();
		const r = await runBatch(["--profile", "local", "-e", "rooms"], {}, { home });
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /~\/\.config\/lbtui is writable by others/);
		assert.ok(r.stderr.includes(`chmod go-w ${dir}`), r.stderr);
		assert.equal(await requestCount(), 0);
		fs.chmodSync(dir, 0o700);
		const ok = await runBatch(["--profile", "local", "-e", "rooms"], {}, { home });
		assert.equal(ok.code, 0, ok.stderr);
	});
});

describe("@FILE is looked at before it is read", () => {
	test("@/dev/zero is refused at once", async () => {
		const id = uniq("zero");
		await createRoom(stack.url, id);
		await resetCounts();
		const t0 = Date.now();
		const r = await runBatch(["-e", `room broadcast ${id} @/dev/zero`], env);
		const took = Date.now() - t0;
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /\/dev\/zero is a device, not a file/);
		assert.ok(took < 3000, `took ${took} ms`);
		assert.equal(await requestCount(), 0);
	});

	test("a sparse file over 512 MiB is refused by its size, before it is read", async () => {
		const id = uniq("big");
		await createRoom(stack.url, id);
		const dir = tempDir();
		const file = path.join(dir, "big.json");
		fs.closeSync(fs.openSync(file, "w"));
		fs.truncateSync(file, 600 * 1024 * 1024);
		await resetCounts();
		const t0 = Date.now();
		const r = await runBatch(["-e", `storage init ${id} ${file}`], env);
		const took = Date.now() - t0;
		fs.rmSync(dir, { recursive: true, force: true });
		assert.equal(r.code, 2, r.stderr);
		assert.match(r.stderr, /is too large \(600\.0 MiB; at most 512 MiB\)/);
		assert.ok(took < 3000, `took ${took} ms`);
		assert.equal(await requestCount(), 0);
	});
});

describe("batch output a program can rely on", () => {
	test("a remark such as (more rooms: ...) goes to stderr; piped output is the table alone", async () => {
		const p = uniq("page");
		for (let i = 0; i < 4; i++)
			await createRoom(stack.url, `${p}-${i}`);
		const r = await runBatch(["-e", `rooms --prefix ${p} --limit 2`], env);
		assert.equal(r.code, 0, r.stderr);
		const lines = r.stdout.trimEnd().split("\n");
		assert.equal(lines.length, 3, r.stdout);
		assert.match(lines[0], /^ID\s+CREATED/);
		assert.ok(lines.slice(1).every((l) => l.startsWith(`${p}-`)), r.stdout);
		assert.match(r.stderr, /\(more rooms: add --all to load every page\)/);
	});

	test("--json: a usage error is one JSON object on stdout, and the human line on stderr", async () => {
		const r = await runBatch(["-e", "room delete '' --yes", "--json"], env);
		assert.equal(r.code, 2);
		const o = JSON.parse(r.stdout);
		assert.deepEqual(Object.keys(o).sort(), ["error", "message", "status"]);
		assert.equal(o.error, "USAGE");
		assert.match(o.message, /ID must not be empty/);
		assert.equal(o.status, null);
		assert.match(r.stderr, /^lbtui: usage error: ID must not be empty/m);

		const u = await runBatch(["-e", "rooms", "--bogus", "--json"], env);
		assert.equal(u.code, 2);
		assert.equal(JSON.parse(u.stdout).error, "USAGE");
	});

	test("--json: an API error carries the API's code and the HTTP status", async () => {
		const id = uniq("missing");
		const r = await runBatch(["-e", `room show ${id}`, "--json"], env);
		assert.equal(r.code, 1);
		const o = JSON.parse(r.stdout);
		assert.equal(o.error, "ROOM_NOT_FOUND");
		assert.equal(o.status, 404);
		assert.match(o.message, new RegExp(`404 ROOM_NOT_FOUND: .*${id}`));
		assert.match(r.stderr, /^lbtui: 404 ROOM_NOT_FOUND/m);
	});

	test("--json: an error after output still ends with one JSON object on its own line", async () => {
		const id = uniq("first");
		await createRoom(stack.url, id);
		const r = await runBatch(["-e", `room show ${id}`, "-e", `room show ${id}-gone`, "--json"], env);
		assert.equal(r.code, 1);
		const lines = r.stdout.trimEnd().split("\n");
		assert.equal(lines.length, 2, r.stdout);
		assert.equal(JSON.parse(lines[0]).id, id);
		assert.equal(JSON.parse(lines[1]).error, "ROOM_NOT_FOUND");
	});
});
