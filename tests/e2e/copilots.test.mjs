// AI copilots from the command line (-e) against the emulator: what lbtui
// prints, what the server holds afterwards, which requests went out, the
// API's 404, 422 and 403 said as they came, and the provider's key, which
// is read from a file or stdin only and shows up nowhere after.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { cursorLine, makeHome, runBatch, serverEnv, spawnLbtui, tempDir, emulatorControl } from "./harness.mjs";

let stack, sdk, dir;

before(async () => {
	stack = await startStack();
	sdk = new Liveblocks({ secret: stack.secret, baseUrl: stack.url });
	dir = tempDir("lbtui-copilots-");
});

after(async () => {
	if (stack) await stack.stop();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The emulator's control endpoint (harness.mjs). */
const control = (method, p, body) => emulatorControl(stack, method, p, body);

beforeEach(async () => {
	await control("DELETE", "/faults");
	await control("DELETE", "/requests");
});

async function count(method, p) {
	const q = new URLSearchParams({ method, path: p });
	return (await control("GET", `/requests?${q}`)).count;
}

function lb(cmd, extra = [], opts = {}) {
	return runBatch(["-e", cmd, ...extra], serverEnv(stack.url), opts);
}

/** A file holding the provider's key. */
function keyFile(key) {
	const f = path.join(dir, `key-${Math.random().toString(36).slice(2)}`);
	fs.writeFileSync(f, `${key}\n`, { mode: 0o600 });
	return f;
}

/** What the emulator keeps of a copilot, the key included. */
const stored = (id) => stack.emulator.store.s.copilots[id];

const seed = (extra = {}) =>
	sdk.createAiCopilot({
		name: "Seeded",
		systemPrompt: "Answer briefly",
		providerApiKey: "seed-key",
		provider: "openai",
		providerModel: "gpt-4o-mini",
		...extra,
	});

test("copilots lists them, --json gives the API's objects, copilot show prints every field but the key", async () => {
	const a = await seed({ name: "Alpha", knowledgePrompt: "Use the docs", settings: { temperature: 0.2 } });
	const r = await lb("copilots");
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^ID +PROVIDER\/MODEL +NAME$/m);
	assert.match(r.stdout, new RegExp(`^${a.id} +openai/gpt-4o-mini +Alpha$`, "m"));

	const j = await lb("copilots", ["--json"]);
	assert.equal(j.code, 0, j.stderr);
	const list = JSON.parse(j.stdout);
	assert.ok(list.data.some((c) => c.id === a.id && c.name === "Alpha"));
	assert.equal(list.nextCursor, null);

	const s = await lb(`copilot show ${a.id}`);
	assert.equal(s.code, 0, s.stderr);
	assert.match(s.stdout, /^name: +Alpha$/m);
	assert.match(s.stdout, /^model: +gpt-4o-mini$/m);
	assert.match(s.stdout, /^settings: +\{"temperature":0\.2\}$/m);
	assert.match(s.stdout, /^knowledge prompt:\s*\nUse the docs$/m);
	assert.match(s.stdout, /^provider API key: +\(write-only/m);
	assert.equal(await count("GET", "/v2/ai/copilots/*"), 1);
});

test("copilots reads one page and says there is more; --all reads every page, 100 at a time, by cursor", async () => {
	let total = (await sdk.getAiCopilots({ limit: 100 })).data.length;
	for (; total < 101; total++) await seed({ name: `Page ${total}` });
	await control("DELETE", "/requests");
	const one = await lb("copilots");
	assert.equal(one.code, 0, one.stderr);
	assert.equal(one.stdout.split("\n").filter((l) => l.startsWith("co_")).length, 50);
	assert.match(one.stdout + one.stderr, /more copilots: add --all/);

	await control("DELETE", "/requests");
	const r = await lb("copilots --all", ["--json"]);
	assert.equal(r.code, 0, r.stderr);
	const all = JSON.parse(r.stdout);
	assert.equal(all.data.length, total);
	assert.equal(new Set(all.data.map((c) => c.id)).size, total);
	assert.equal(all.nextCursor, null);
	const { data } = await control("GET", "/log?limit=10");
	const gets = data.filter((e) => e.method === "GET" && e.path === "/v2/ai/copilots");
	assert.equal(gets.length, 2);
	assert.match(gets[0].query ?? "", /limit=100/);
	assert.match(gets[1].query ?? "", /startingAfter=/);
});

test("copilot create sends every field; the key from a file lands on the server and nowhere else", async () => {
	const key = "prov-key-FILE-7f3a9c2e51d04b8aa1";
	const home = makeHome();
	const r = await lb(
		"copilot create --name Docs --description 'The docs bot' --provider anthropic " +
			"--model claude-sonnet-4-5 --system-prompt 'Be brief' --knowledge-prompt 'Cite sources' " +
			`--always-use-knowledge on --api-key-from ${keyFile(key)} --temperature 0.4 --max-tokens 800 ` +
			"--top-p 0.9 --top-k 40 --frequency-penalty 0.1 --presence-penalty 0.2 --stop END --stop STOP " +
			"--seed 7 --max-retries 2 --thinking-budget 2048 --web-search-domain example.com",
		["-v"],
		{ home },
	);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stderr, /POST .*\/v2\/ai\/copilots/);
	const m = r.stdout.match(/^created copilot (co_\S+) \(Docs\)$/m);
	assert.ok(m, r.stdout);
	const c = stored(m[1]);
	assert.equal(c.providerApiKey, key);
	assert.equal(c.description, "The docs bot");
	assert.equal(c.knowledgePrompt, "Cite sources");
	assert.equal(c.alwaysUseKnowledge, true);
	assert.deepEqual(c.settings, {
		maxTokens: 800, temperature: 0.4, topP: 0.9, topK: 40, frequencyPenalty: 0.1,
		presencePenalty: 0.2, seed: 7, maxRetries: 2, stopSequences: ["END", "STOP"],
	});
	assert.deepEqual(c.providerOptions, {
		anthropic: { thinking: { type: "enabled", budgetTokens: 2048 }, webSearch: { allowedDomains: ["example.com"] } },
	});
	assert.equal(await count("POST", "/v2/ai/copilots"), 1);
	assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));
	assertNowhere(home, key);
});

/** No file under dir holds key (state, history, logs, kept files). */
function assertNowhere(root, key) {
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.isFile())
				assert.ok(!fs.readFileSync(p).includes(key), `${p} holds the provider's key`);
		}
	};
	walk(root);
}

test("the key from stdin, openai-compatible with its base URL; an update with a new key; a refused one echoes nothing", async () => {
	const key = "prov-key-STDIN-0c1d2e3f4a5b6c7d8e";
	const home = makeHome();
	const r = await lb(
		"copilot create --name Local --provider openai-compatible --model llama3 " +
			"--compatible-name ollama --base-url http://127.0.0.1:11434/v1 --system-prompt Hi --api-key-from -",
		[],
		{ home, input: `${key}\n` },
	);
	assert.equal(r.code, 0, r.stderr);
	const id = r.stdout.match(/^created copilot (co_\S+)/m)[1];
	assert.equal(stored(id).providerApiKey, key);
	assert.equal(stored(id).providerBaseUrl, "http://127.0.0.1:11434/v1");
	assert.equal(stored(id).compatibleProviderName, "ollama");

	const key2 = "prov-key-NEW-99887766554433221100";
	const u = await lb(`copilot update ${id} --api-key-from ${keyFile(key2)} --reasoning-effort high --provider openai --model gpt-4o`, [], { home });
	assert.equal(u.code, 0, u.stderr);
	assert.equal(stored(id).providerApiKey, key2);
	assert.deepEqual(stored(id).providerOptions, { openai: { reasoningEffort: "high" } });

	// The server refuses (403): the key is in no message either.
	await control("POST", "/faults", { method: "POST", path: "/v2/ai/copilots/*", type: "status", status: 403, count: 1 });
	const f = await lb(`copilot update ${id} --api-key-from -`, [], { home, input: "prov-key-REFUSED-1234567890abcdef\n" });
	assert.notEqual(f.code, 0);
	assert.match(f.stderr, /403/);
	for (const k of [key, key2, "prov-key-REFUSED-1234567890abcdef"]) {
		assert.ok(![r, u, f].some((x) => x.stdout.includes(k) || x.stderr.includes(k)), k);
		assertNowhere(home, k);
	}
});

test("the key is never taken as an argument, nor from an empty file", async () => {
	const r = await lb("copilot create --name N --provider openai --model gpt-4o --system-prompt S --api-key prov-key-ARGUMENT-0a1b2c3d4e");
	assert.equal(r.code, 2);
	const empty = path.join(dir, "empty-key");
	fs.writeFileSync(empty, "\n");
	const e = await lb(`copilot create --name N --provider openai --model gpt-4o --system-prompt S --api-key-from ${empty}`);
	assert.equal(e.code, 2);
	assert.match(e.stderr, /key alone on one line/);
	const n = await lb("copilot create --name N --provider openai --model gpt-4o --system-prompt S");
	assert.equal(n.code, 2);
	assert.match(n.stderr, /--api-key-from/);
	assert.equal(await count("POST", "/v2/ai/copilots"), 0);
});

test("a 422 names the field that failed; update with --clear sets fields to null", async () => {
	const a = await seed({ description: "old", knowledgePrompt: "kp" });
	const r = await lb(`copilot update ${a.id} --provider google`);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /422/);
	assert.match(r.stderr, /providerModel/);
	assert.equal(stored(a.id).provider, "openai");

	const c = await lb(`copilot update ${a.id} --clear description --clear knowledge-prompt --name Renamed`);
	assert.equal(c.code, 0, c.stderr);
	assert.match(c.stdout, new RegExp(`^updated copilot ${a.id} \\(Renamed\\)$`, "m"));
	assert.equal(stored(a.id).description, undefined);
	assert.equal(stored(a.id).knowledgePrompt, undefined);
	assert.equal(stored(a.id).name, "Renamed");

	const n = await lb(`copilot update ${a.id}`);
	assert.equal(n.code, 2);
	assert.match(n.stderr, /nothing to update/);
});

test("404 for a copilot that is not there; 403 as the server says it", async () => {
	const s = await lb("copilot show co_missing");
	assert.equal(s.code, 1);
	assert.match(s.stderr, /404.*co_missing.*not found/);
	const d = await lb("copilot delete co_missing --yes");
	assert.equal(d.code, 1);
	assert.match(d.stderr, /not found/);

	await control("POST", "/faults", { method: "GET", path: "/v2/ai/copilots", type: "status", status: 403, count: 1 });
	const l = await lb("copilots");
	assert.notEqual(l.code, 0);
	assert.match(l.stderr, /403/);
	assert.equal(await count("GET", "/v2/ai/copilots"), 1);
});

test("copilot delete asks first: nothing goes out without --yes; with it the copilot is gone", async () => {
	const a = await seed();
	const r = await lb(`copilot delete ${a.id}`);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /without confirmation/);
	assert.equal(await count("DELETE", "/v2/ai/copilots/*"), 0);
	assert.ok(stored(a.id));

	const y = await lb(`copilot delete ${a.id} --yes`);
	assert.equal(y.code, 0, y.stderr);
	assert.match(y.stdout, new RegExp(`^deleted copilot ${a.id}$`, "m"));
	assert.equal(stored(a.id), undefined);
	assert.equal(await count("DELETE", "/v2/ai/copilots/*"), 1);
});

test("read-only mode refuses a create before anything is sent", async () => {
	const r = await lb(`copilot create --name N --provider openai --model gpt-4o --system-prompt S --api-key-from ${keyFile("prov-key-READONLY-1234abcd")}`, ["--read-only"]);
	assert.notEqual(r.code, 0);
	assert.match(r.stderr, /read-only/);
	assert.equal(await count("POST", "/v2/ai/copilots"), 0);
});

test("on the screen: a copilot edited after :, the list and its fields shown; the key on no screen and in no file, history included", async () => {
	const a = await seed({ name: "Screen" });
	const key = "prov-key-SCREEN-a1b2c3d4e5f60718";
	const home = makeHome();
	const t = spawnLbtui({ home, env: serverEnv(stack.url) });
	try {
		await t.waitFor(/Rooms|rooms/);
		t.command(`:copilot update ${a.id} --system-prompt 'Edited on screen' --api-key-from ${keyFile(key)}`);
		await t.waitFor(new RegExp(`updated copilot ${a.id}`));
		assert.equal(stored(a.id).systemPrompt, "Edited on screen");
		assert.equal(stored(a.id).providerApiKey, key);
		t.command(`:copilot show ${a.id}`);
		await t.waitFor(/Edited on screen/);
		assert.match(t.screenText(), /provider API key: +\(write-only/);
		assert.ok(!t.output.includes(key));
		t.key("Esc");
		// The request log and the update's request as a curl command.
		t.write("@");
		await t.waitFor(new RegExp(`POST .*${a.id}`));
		for (let i = 0; i < 10 && !/^POST /.test(cursorLine(t)); i++) {
			t.key("Down");
			await t.flushed();
			await t.waitIdle();
		}
		assert.match(cursorLine(t), new RegExp(`^POST +/v2/ai/copilots/${a.id}`));
		t.key("Enter");
		await t.waitFor(/looks like a secret key/);
		t.key("Esc");
		t.key("Esc");
		t.command(":copilots");
		await t.waitFor(/PROVIDER\/MODEL/);
		assert.match(t.screenText(), new RegExp(`${a.id} +openai/gpt-4o-mini +Screen`));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	} finally {
		await t.close();
	}
	assert.ok(!t.output.includes(key));
	const history = fs.readFileSync(path.join(home, ".local", "state", "lbtui", "history"), "utf8");
	assert.match(history, /copilot\\040update/);
	assertNowhere(home, key);
});

test("the copilots view: :copilots lists them with the selected one's fields; k its knowledge", async () => {
	const a = await seed({ name: "Viewed", knowledgePrompt: "Look it up" });
	await sdk.createWebKnowledgeSource({ copilotId: a.id, url: "https://viewed.example.com", type: "individual_link" });
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 140, rows: 40 });
	try {
		await t.waitFor(/Rooms|rooms/);
		t.command(":copilots");
		await t.waitFor(new RegExp(`${a.id}`));
		assert.match(t.screenText(), /PROVIDER\/MODEL/);
		// The newest first: the one just made is selected, its fields beside.
		await t.waitFor(/Look it up/);
		assert.match(t.screenText(), /API key +\(write-only\)/);
		t.write("k");
		await t.waitFor(/https:\/\/viewed\.example\.com/);
		t.key("Esc");
		await t.waitFor(/PROVIDER\/MODEL/);
	} finally {
		await t.close();
	}
});
