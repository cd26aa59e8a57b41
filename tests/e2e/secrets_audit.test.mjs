// The secrets audit (tests/e2e/audit.mjs): no secret key, token or AI
// provider key in any history, log or request-log line lbtui wrote.
//
// scripts/test.sh sets LBTUI_AUDIT_DIR for the whole end-to-end run (the
// harness keeps every home, state directory and batch stderr there) and
// runs this file last: the audit then reads all of that. Alone, it makes
// a run of its own in a fresh directory. Either way it first does the
// things that put secrets within reach (a key typed on the command line,
// tokens made with -v, a copilot's provider key, a copy kept before a
// reset, a 403 naming the key), then audits, and fails with the file and
// line of each secret found. The audit is tested on planted secrets first,
// so that it cannot pass by finding nothing.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import { audit, kindOf, report, secretsIn, unvis } from "./audit.mjs";
import { createRoom, makeHome, runBatch, serverEnv, spawnLbtui, tempDir, uniq } from "./harness.mjs";

const JWT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJrIjoiYWNjIiwidWlkIjoiYWRhIn0.";
const PLANTED = [
	["sk_localdev", "secret key"],
	["sk_live_9f8e7d6c5b4a3210ffeeddccbbaa99887766", "secret key"],
	["sk_dev_x1y2", "secret key"],
	[JWT, "token"],
	["prov-key-PLANTED-0123456789", "provider key"],
	["sk-proj-Ab12Cd34Ef56Gh78Ij90", "provider key"],
	["AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "provider key"],
];

describe("the audit itself", () => {
	test("finds each kind of secret, and leaves masks and look-alikes alone", () => {
		for (const [s, what] of PLANTED)
			assert.deepEqual(secretsIn(`error: 403 with ${s} in it`).map((f) => f.what), [what], s);
		for (const fine of ["sk_live_…7766", "sk_…", "sk_demo_…GHIJ", "task_list", "sk_id", "mask_abcdefghijk", "eyJhbGci only", "provider key", "task-list-of-sk-things", "sk-short"])
			assert.deepEqual(secretsIn(fine), [], fine);
	});

	test("walks history, state and logs, not configuration; fails with the file and line of a planted secret", () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lbtui-audit-self-"));
		try {
			const home = path.join(dir, "tmp", "lbtui-home-x");
			const state = path.join(home, ".local", "state", "lbtui");
			fs.mkdirSync(state, { recursive: true });
			fs.mkdirSync(path.join(home, ".config", "lbtui"), { recursive: true });
			fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
			fs.writeFileSync(path.join(state, "history"), "_HiStOrY_V2_\nrooms\nroom\\040show\\040x\n");
			fs.writeFileSync(path.join(state, "storage-r1-20260101.json"), '{"title":"Q4"}\n');
			fs.writeFileSync(path.join(dir, "logs", "1.stderr.log"), "http: GET /v2/rooms 200 3 ms\n");
			// Configuration holds the key by design: left out.
			fs.writeFileSync(path.join(home, ".config", "lbtui", "config"), "secret_key = sk_localdev\n");
			let r = audit(dir);
			assert.deepEqual(r.files, { history: 1, state: 1, log: 1 });
			assert.deepEqual(r.findings, []);
			assert.equal(kindOf(path.join("tmp", "h", ".config", "lbtui", "config")), null);
			assert.equal(unvis("room\\040show\\040a\\\\b"), "room show a\\b");

			let n = 0;
			for (const [s, what] of PLANTED) {
				for (const file of [path.join(state, "history"), path.join(state, "storage-r1-20260101.json"), path.join(dir, "logs", "1.stderr.log")]) {
					const before = fs.readFileSync(file, "latin1");
					// History lines as libedit writes them, spaces escaped.
					const sep = file.endsWith("history") ? "\\040" : " ";
					fs.appendFileSync(file, `room${sep}show${sep}${s}\n`);
					r = audit(dir);
					assert.equal(r.findings.length, 1, `${what} in ${file}`);
					assert.equal(r.findings[0].file, file);
					assert.equal(r.findings[0].line, before.split("\n").length);
					assert.equal(r.findings[0].what, what);
					assert.match(report(r.findings), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: a ${what} \\(`));
					assert.ok(!report(r.findings).includes(s.slice(0, 20)) || s.length <= 12, "the report does not spread the secret");
					fs.writeFileSync(file, before);
					n++;
				}
			}
			assert.equal(n, PLANTED.length * 3);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe("after the run", () => {
	let stack;
	let dir;
	let own = false;

	before(async () => {
		if (!process.env.LBTUI_AUDIT_DIR) {
			// Alone: a run of its own, kept in a fresh directory.
			own = true;
			process.env.LBTUI_AUDIT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "lbtui-audit-"));
		}
		dir = process.env.LBTUI_AUDIT_DIR;
		stack = await startStack();
	});

	after(async () => {
		if (stack)
			await stack.stop();
		if (own) {
			delete process.env.LBTUI_AUDIT_DIR;
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	test("what puts secrets within reach: a key typed, tokens, a provider key, a kept copy, a refused key", async () => {
		const env = serverEnv(stack.url);
		const room = uniq("audit");
		await createRoom(stack.url, room);
		const home = makeHome();
		const lb = (line, more = [], opts = {}) => runBatch([...more, "-e", line], env, { home, ...opts });

		// Tokens, with the request log on stderr.
		let r = await lb("token authorize ada --room room-1=room:write", ["-v"]);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /eyJ/, "the token is the answer, on stdout");
		r = await lb("token identify ada --group eng", ["-v"]);
		assert.equal(r.code, 0, r.stderr);
		r = await lb(`token room ${room} ada`, ["-v"]);
		assert.equal(r.code, 0, r.stderr);
		// A copilot whose provider key comes from a file, then from stdin.
		const keyFile = path.join(tempDir("lbtui-audit-key-"), "key");
		fs.writeFileSync(keyFile, "prov-key-AUDIT-5e6f7a8b9c0d1e2f\n", { mode: 0o600 });
		r = await lb(`copilot create --name A --provider openai --model gpt-4o --system-prompt S --api-key-from ${keyFile}`, ["-v", "--json"]);
		assert.equal(r.code, 0, r.stderr);
		const copilot = JSON.parse(r.stdout).id;
		r = await lb(`copilot update ${copilot} --api-key-from -`, ["-v"], { input: "prov-key-AUDIT-STDIN-77665544\n" });
		assert.equal(r.code, 0, r.stderr);
		// A copy kept before a reset.
		r = await lb("settings ada --reset --yes", ["-v"]);
		assert.equal(r.code, 0, r.stderr);
		// A key the server refuses, named in the error.
		r = await runBatch(["-v", "-e", "rooms"], serverEnv(stack.url, { LIVEBLOCKS_SECRET_KEY: "sk_live_9f8e7d6c5b4a3210ffeeddccbbaa99887766" }), { home });
		assert.notEqual(r.code, 0);

		// On the screen: a key, a token and a provider key typed on the
		// command line (none may reach the history), a token made.
		const t = spawnLbtui({ env, home, cols: 120, rows: 30 });
		try {
			await t.waitFor("rooms");
			// Each line typed once the one before has its answer.
			const typed = async (line, answer) => {
				await t.waitIdle();
				t.command(line);
				await t.waitFor(answer, { timeout: 15000 });
			};
			await typed(":room show sk_dev_x1y2", /Room with id "sk_dev_/);
			await typed(`:room show ${JWT}`, /Room with id "eyJ/);
			await typed(":copilot create --name N --provider openai --model gpt-4o --system-prompt S --api-key prov-key-TYPED-0f1e2d3c4b", /unknown option --api-key/);
			await typed(":room show sk-ant-api03-Zx9Yw8Vu7Ts6Rq5P", /Room with id "sk-ant-/);
			await typed(`:room show ${room}`, new RegExp(`id +${room}`));
			// The view shows the token cut in the middle.
			await typed(":token authorize ada --room room-1=room:read", /token +eyJ[\w-]+…/);
			t.write("q");
			assert.equal(await t.exit(), 0);
		} finally {
			await t.close();
		}
		const hist = path.join(home, ".local", "state", "lbtui", "history");
		assert.ok(fs.existsSync(hist), "the screen wrote its history");
		assert.match(fs.readFileSync(hist, "utf8"), new RegExp(`room\\\\040show\\\\040${room}`), "what holds no secret is kept");
		assert.ok(fs.readdirSync(path.dirname(hist)).some((f) => f !== "history"), "a copy was kept");
	});

	test("no secret, token or provider key in any history, log or request-log line", (t) => {
		const r = audit(dir);
		const line = `secrets audit: ${r.total} files (${r.files.history} history, ${r.files.state} kept in state directories, ${r.files.log} logs), ${r.findings.length} secrets found`;
		t.diagnostic(line);
		console.log(line);
		assert.ok(r.files.history >= 1 && r.files.state >= 1 && r.files.log >= 6, line);
		assert.deepEqual(r.findings, [], `${line}\n${report(r.findings)}`);
	});
});
