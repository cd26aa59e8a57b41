// Every `lbtui …` example of README.md and the manual page, run as a user
// would run it, against the official dev server with the emulator in front.
// An example the documents gain without a check here fails the first test,
// and so does a check whose example left the documents: the two cannot
// drift apart.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { startStack } from "../emulator/stack.mjs";
import {
	ROOT,
	createRoom,
	makeHome,
	rest,
	runShell,
	serverEnv,
	spawnLbtui,
	tempDir,
} from "./harness.mjs";

// --- the examples, as the documents show them ---------------------------------

/** Lines of README.md's shell blocks that run lbtui, comments dropped. */
function readmeExamples() {
	const text = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
	const out = [];
	for (const m of text.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
		if (m[1] !== "sh")
			continue;
		for (const line of m[2].split("\n")) {
			const cmd = line.replace(/\s+#.*$/, "").trim();
			if (/^lbtui(\s|$)/.test(cmd))
				out.push(cmd);
		}
	}
	return out;
}

/** Lines of the manual page's example blocks (.EX/.EE, .nf/.fi) that run
 * lbtui, with the roff escapes read. */
function manExamples() {
	const text = fs.readFileSync(path.join(ROOT, "doc", "lbtui.1"), "utf8");
	const out = [];
	let inBlock = false;
	for (const raw of text.split("\n")) {
		if (/^\.(EX|nf)\b/.test(raw))
			inBlock = true;
		else if (/^\.(EE|fi)\b/.test(raw))
			inBlock = false;
		else if (inBlock) {
			const line = raw
				.replace(/\\-/g, "-")
				.replace(/\\\(dq/g, '"')
				.replace(/\\\(aq/g, "'")
				.replace(/\\e/g, "\\")
				.replace(/\\&/g, "")
				.trim();
			if (/^lbtui(\s|$)/.test(line))
				out.push(line);
		}
	}
	return out;
}

/** The README's config file example (its ```ini block). */
function readmeConfig() {
	const text = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
	const m = /```ini\n([\s\S]*?)```/.exec(text);
	assert.ok(m, "README.md has a config example");
	return m[1];
}

/** The manual page's config file example (the .nf block of CONFIGURATION). */
function manConfig() {
	const text = fs.readFileSync(path.join(ROOT, "doc", "lbtui.1"), "utf8");
	const m = /\.SH CONFIGURATION[\s\S]*?\.nf\n([\s\S]*?)\.fi/.exec(text);
	assert.ok(m, "lbtui.1 has a config example");
	return m[1].replace(/\\-/g, "-");
}

// --- what each example must do ----------------------------------------------

let stack;
let env;
let running = [];

before(async () => {
	stack = await startStack();
	env = serverEnv(stack.url);
	for (const id of ["acme-1", "acme-2", "globex-1"])
		await createRoom(stack.url, id);
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

/** A HOME whose config file is text (mode 600) and where `pass show …`
 * and ~/.secrets/lb-staging give the dev server's key, so the profiles of
 * the documents' config examples work as written. */
function homeWithConfig(text) {
	const home = makeHome();
	const cfg = path.join(home, ".config", "lbtui", "config");
	fs.writeFileSync(cfg, text, { mode: 0o600 });
	fs.mkdirSync(path.join(home, ".secrets"), { mode: 0o700 });
	fs.writeFileSync(path.join(home, ".secrets", "lb-staging"), "sk_localdev\n", { mode: 0o600 });
	const bin = path.join(home, "bin");
	fs.mkdirSync(bin);
	fs.writeFileSync(path.join(bin, "pass"), "#!/bin/sh\necho sk_localdev\n", { mode: 0o755 });
	return { home, bin };
}

const sh = (line, opts = {}) => runShell(line, { ...env, ...(opts.env || {}) }, opts);

function screen(args, opts = {}) {
	const t = spawnLbtui({ args, env: { ...env, ...(opts.env || {}) }, home: opts.home });
	running.push(t);
	return t;
}

/** The rows of the rooms list once it has loaded. */
async function roomsShown(t) {
	await t.waitFor((s) => s.includes("acme-1") && s.includes("globex-1"), { timeout: 10000 });
	return t.screenText();
}

// Shared by the examples that work in one directory (files they read and write).
const work = tempDir("lbtui-docs-");

// Keyed by the example exactly as the documents print it; run in this order.
const CHECKS = new Map([
	[
		`lbtui -e 'rooms --query roomId^"acme-" --all' --json | jq '.data[].id'`,
		async (ex) => {
			const r = await sh(ex);
			assert.equal(r.code, 0, r.stderr);
			assert.deepEqual(r.stdout.trim().split("\n").sort(), ['"acme-1"', '"acme-2"']);
		},
	],
	[
		`lbtui -e 'room create demo --private --metadata team=core' -e 'room show demo'`,
		async (ex) => {
			const r = await sh(ex);
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /demo/);
			assert.match(r.stdout, /team/);
			const got = await rest(stack.url, "GET", "/v2/rooms/demo");
			assert.equal(got.status, 200);
			assert.deepEqual(got.body.defaultAccesses, []);
			assert.equal(got.body.metadata.team, "core");
		},
	],
	[
		`lbtui -e 'storage init demo doc.json --yes'`,
		async (ex) => {
			fs.writeFileSync(
				path.join(work, "doc.json"),
				JSON.stringify({ liveblocksType: "LiveObject", data: { title: "Q4" } }),
			);
			const r = await sh(ex, { cwd: work });
			assert.equal(r.code, 0, r.stderr);
			const got = await rest(stack.url, "GET", "/v2/rooms/demo/storage?format=json");
			assert.deepEqual(got.body, { title: "Q4" });
		},
	],
	[
		`lbtui -e 'storage demo --format json' | jq -r .title`,
		async (ex) => {
			const r = await sh(ex);
			assert.equal(r.code, 0, r.stderr);
			assert.equal(r.stdout, "Q4\n");
		},
	],
	[
		`lbtui -e 'storage export demo backup.json'`,
		async (ex) => {
			const r = await sh(ex, { cwd: work });
			assert.equal(r.code, 0, r.stderr);
			const saved = JSON.parse(fs.readFileSync(path.join(work, "backup.json"), "utf8"));
			assert.deepEqual(saved, { liveblocksType: "LiveObject", data: { title: "Q4" } });
		},
	],
	[
		`lbtui --read-only -e 'room delete demo --yes'`,
		async (ex) => {
			await rest(stack.url, "DELETE", "/__emulator/requests");
			const r = await sh(ex);
			assert.equal(r.code, 2);
			assert.match(r.stderr, /read-only/);
			const n = await rest(stack.url, "GET", "/__emulator/requests?method=DELETE&path=/v2/rooms/demo");
			assert.equal(n.body.count, 0);
			assert.equal((await rest(stack.url, "GET", "/v2/rooms/demo")).status, 200);
		},
	],
	[
		`lbtui -e 'room delete demo --yes'`,
		async (ex) => {
			const r = await sh(ex);
			assert.equal(r.code, 0, r.stderr);
			assert.equal((await rest(stack.url, "GET", "/v2/rooms/demo")).status, 404);
		},
	],
	[
		// After `export LIVEBLOCKS_SECRET_KEY=…`: the project of that key.
		`lbtui`,
		async () => {
			const t = screen([]);
			const s = await roomsShown(t);
			assert.match(s, /sk_…/);
			assert.doesNotMatch(s, /READ-ONLY/);
		},
	],
	[
		`lbtui --profile prod`,
		async (ex, doc) => {
			// The config example of the same document, as written.
			const { home, bin } = homeWithConfig(doc === "README.md" ? readmeConfig() : manConfig());
			const t = screen(["--profile", "prod"], {
				home,
				env: { PATH: `${bin}:${process.env.PATH}`, LIVEBLOCKS_SECRET_KEY: null },
			});
			const s = await roomsShown(t);
			assert.match(t.row(-2), /READ-ONLY/);
			assert.match(s, /prod/);
			// x is bound to room-delete by the example's [keys]: refused.
			t.key("Down");
			t.write("x");
			await t.waitFor(/read-only/i);
		},
	],
	[
		// The dev server's default port stands for "a local server": the
		// emulator's address is used instead, since that port may be taken.
		`lbtui --base-url http://127.0.0.1:1153`,
		async () => {
			const t = screen(["--base-url", stack.url], { env: { LIVEBLOCKS_BASE_URL: null } });
			await roomsShown(t);
			assert.match(t.row(-2), new RegExp(`127\\.0\\.0\\.1:${new URL(stack.url).port}`));
		},
	],
]);

describe("documentation examples", () => {
	const examples = [
		...readmeExamples().map((ex) => ({ ex, doc: "README.md" })),
		...manExamples().map((ex) => ({ ex, doc: "lbtui.1" })),
	];

	test("every example has a check and every check an example", () => {
		const shown = new Set(examples.map((e) => e.ex));
		const missing = [...shown].filter((ex) => !CHECKS.has(ex));
		assert.deepEqual(missing, [], "examples in the documents with no check in docs.test.mjs");
		const stale = [...CHECKS.keys()].filter((ex) => !shown.has(ex));
		assert.deepEqual(stale, [], "checks whose example is no longer in the documents");
		assert.ok(readmeExamples().length >= 5 && manExamples().length >= 5);
	});

	// Each document's examples in the order of CHECKS: a document's own
	// sequence (create, then delete) stands on its own.
	for (const doc of ["README.md", "lbtui.1"]) {
		for (const [ex, check] of CHECKS) {
			if (examples.some((e) => e.ex === ex && e.doc === doc))
				test(`${doc}: ${ex}`, () => check(ex, doc));
		}
	}
});
