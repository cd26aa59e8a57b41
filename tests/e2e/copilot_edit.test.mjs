// Editing a copilot on the screen: e in the copilots view opens $EDITOR on
// the copilot's fields as JSON (never the provider's key), what was
// written is checked, a diff of the fields is shown and asked, and only a
// yes sends one request with exactly the fields shown. A 422 names the
// field and offers to edit again from what was written; K sets the key
// from a file; n creates a copilot the same way. The editor is a small
// script that rewrites the file, one step per call.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { cursorLine, makeHome, serverEnv, spawnLbtui, tempDir, emulatorControl } from "./harness.mjs";

let stack, sdk, dir;

before(async () => {
	stack = await startStack();
	sdk = new Liveblocks({ secret: stack.secret, baseUrl: stack.url });
	dir = tempDir("lbtui-copilot-edit-");
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

/** What the emulator keeps of a copilot, the key included. */
const stored = (id) => stack.emulator.store.s.copilots[id];

const seed = (extra = {}) =>
	sdk.createAiCopilot({
		name: "Seeded",
		systemPrompt: "Answer briefly",
		providerApiKey: "seed-key-0123456789",
		provider: "openai",
		providerModel: "gpt-4o-mini",
		...extra,
	});

/**
 * An editor that runs steps[n] on its nth call: a node function body over
 * `j`, the parsed file; "text:" and the text to write; or "raw:" and a
 * function body over `text` that returns the new text. It keeps a copy of
 * each file it was given. Returns {env, seen(n), calls()}.
 */
function editor(steps) {
	const d = fs.mkdtempSync(path.join(dir, "ed-"));
	steps.forEach((s, i) => fs.writeFileSync(path.join(d, `step-${i + 1}.js`), s));
	const script = path.join(d, "edit.mjs");
	fs.writeFileSync(
		script,
		`import fs from "node:fs";
const d = ${JSON.stringify(d)};
const cf = d + "/count";
const n = (fs.existsSync(cf) ? Number(fs.readFileSync(cf, "utf8")) : 0) + 1;
fs.writeFileSync(cf, String(n));
const file = process.argv[2];
let text = fs.readFileSync(file, "utf8");
fs.writeFileSync(d + "/seen-" + n + ".json", text);
const step = fs.readFileSync(d + "/step-" + n + ".js", "utf8");
if (step.startsWith("text:")) text = step.slice(5);
else if (step.startsWith("raw:")) text = new Function("text", step.slice(4))(text);
else { const j = JSON.parse(text); new Function("j", step)(j); text = JSON.stringify(j, null, 2) + "\\n"; }
fs.writeFileSync(file, text);
`,
	);
	return {
		env: { VISUAL: "", EDITOR: `${process.execPath} ${script}` },
		seen: (n) => fs.readFileSync(path.join(d, `seen-${n}.json`), "utf8"),
		calls: () => (fs.existsSync(path.join(d, "count")) ? Number(fs.readFileSync(path.join(d, "count"), "utf8")) : 0),
	};
}

/** A file holding the provider's key. */
function keyFile(key) {
	const f = path.join(dir, `key-${Math.random().toString(36).slice(2)}`);
	fs.writeFileSync(f, `${key}\n`, { mode: 0o600 });
	return f;
}

function keptFiles(home) {
	const d = path.join(home, ".local", "state", "lbtui");
	return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => /^copilot-.*\.json$/.test(f)).map((f) => path.join(d, f)) : [];
}

/** No file under root holds s. */
function assertNowhere(root, s) {
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.isFile()) assert.ok(!fs.readFileSync(p).includes(s), `${p} holds ${s}`);
		}
	};
	walk(root);
}

/** Open the copilots view with the copilot id selected. */
async function openOn(t, id) {
	await t.waitFor(/Rooms|rooms/);
	t.command(":copilots");
	await t.waitFor(new RegExp(id));
	for (let i = 0; i < 200 && !cursorLine(t).includes(id); i++) {
		t.key("Down");
		await t.waitIdle();
	}
	assert.ok(cursorLine(t).includes(id), t.dump());
}

/** The first cell of the row that starts with text (after the navigator). */
function rowOf(t, re) {
	const rows = t.screen();
	const y = rows.findIndex((r) => re.test(r));
	assert.ok(y >= 0, `no row matches ${re}\n${t.dump()}`);
	return { y, x: rows[y].search(/[+-] /) };
}

test("e: the fields in $EDITOR (no key), a diff of what changed, one POST with exactly those fields on yes", async () => {
	const a = await seed({ name: "Before", knowledgePrompt: "Use the docs", settings: { temperature: 0.2 } });
	const ed = editor([`j.name = "After"; j.settings = { temperature: 0.7, maxTokens: 500 }; j.description = "now described";`]);
	const home = makeHome();
	const t = spawnLbtui({ home, env: { ...serverEnv(stack.url), ...ed.env }, cols: 140, rows: 40 });
	try {
		await openOn(t, a.id);
		await control("DELETE", "/requests");
		t.write("e");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		// Every field of the reference was offered, the key not.
		const given = JSON.parse(ed.seen(1));
		assert.deepEqual(Object.keys(given), [
			"name", "description", "provider", "providerModel", "compatibleProviderName", "providerBaseUrl",
			"systemPrompt", "knowledgePrompt", "alwaysUseKnowledge", "settings", "providerOptions",
		]);
		assert.equal(given.name, "Before");
		assert.equal(given.knowledgePrompt, "Use the docs");
		assert.ok(!ed.seen(1).includes("seed-key"), "the key is never written out");
		// The preview: the changed fields only, old and new, coloured.
		const s = t.screenText();
		assert.match(s, /- name +"Before"/);
		assert.match(s, /\+ name +"After"/);
		assert.match(s, /- description +null/);
		assert.match(s, /\+ description +"now described"/);
		assert.match(s, /\+ settings +\{"temperature":0\.7,"maxTokens":500\}/);
		assert.doesNotMatch(s, /[-+] (systemPrompt|provider |knowledgePrompt)/);
		const add = rowOf(t, /\+ name +"After"/), del = rowOf(t, /- name +"Before"/);
		assert.equal(t.cell(add.x, add.y).fg, 2, "an added line is green");
		assert.equal(t.cell(del.x, del.y).fg, 1, "a removed line is red");
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 0, "nothing goes out before the answer");
		t.write("y");
		await t.waitFor(new RegExp(`updated copilot ${a.id} \\(After\\)`));
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 1);
		const { data } = await control("GET", "/log?limit=20");
		const post = data.filter((e) => e.method === "POST" && e.path === `/v2/ai/copilots/${a.id}`);
		assert.equal(post.length, 1);
		const c = stored(a.id);
		assert.equal(c.name, "After");
		assert.equal(c.description, "now described");
		assert.deepEqual(c.settings, { temperature: 0.7, maxTokens: 500 });
		assert.equal(c.knowledgePrompt, "Use the docs");
		assert.equal(c.providerApiKey, "seed-key-0123456789", "the key is untouched");
		// The list reads the copilot again: its new name is drawn.
		await t.waitFor(new RegExp(`${a.id} +openai/gpt-4o-mini +After`));
		assert.deepEqual(keptFiles(home), [], "applied: nothing kept");
	} finally {
		await t.close();
	}
});

test("e then no: nothing is sent, the copilot is as it was, what was written is kept and named", async () => {
	const a = await seed({ name: "Keep me" });
	const ed = editor([`j.systemPrompt = "A prompt not applied";`]);
	const home = makeHome();
	const t = spawnLbtui({ home, env: { ...serverEnv(stack.url), ...ed.env }, cols: 240, rows: 40 });
	try {
		await openOn(t, a.id);
		t.write("e");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		assert.match(t.screenText(), /\+ systemPrompt +"A prompt not applied"/);
		t.write("n");
		await t.waitFor(/cancelled: what you wrote was saved .*: not applied/);
		const files = keptFiles(home);
		assert.equal(files.length, 1, files.join(", "));
		assert.equal(JSON.parse(fs.readFileSync(files[0], "utf8")).systemPrompt, "A prompt not applied");
		assert.ok(t.screenText().includes(`give it again as @${files[0]}`), t.dump());
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 0);
		assert.equal(stored(a.id).systemPrompt, "Answer briefly");
	} finally {
		await t.close();
	}
});

test("a 422 names the field, keeps what was written and edits it again from there; then one POST", async () => {
	const a = await seed({ name: "Model" });
	// 1: a model of another provider (the server's 422); 2: from what was
	// written, the model put right.
	const ed = editor([`j.providerModel = "claude-sonnet-4-5"; j.name = "Model 2";`, `j.providerModel = "gpt-4o";`]);
	const home = makeHome();
	const t = spawnLbtui({ home, env: { ...serverEnv(stack.url), ...ed.env }, cols: 140, rows: 40 });
	try {
		await openOn(t, a.id);
		await control("DELETE", "/requests");
		t.write("e");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		t.write("y");
		await t.waitFor(/Edit it again\? \[y\/N\]/, { timeout: 10000 });
		const s = t.screenText();
		assert.match(s, /422/);
		assert.match(s, /providerModel/);
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 1);
		const files = keptFiles(home);
		assert.equal(files.length, 1);
		assert.equal(JSON.parse(fs.readFileSync(files[0], "utf8")).providerModel, "claude-sonnet-4-5");
		t.write("y");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		// The second edit started from what was written, not from the server's.
		assert.equal(JSON.parse(ed.seen(2)).name, "Model 2");
		assert.equal(JSON.parse(ed.seen(2)).providerModel, "claude-sonnet-4-5");
		assert.match(t.screenText(), /\+ providerModel +"gpt-4o"/);
		t.write("y");
		await t.waitFor(new RegExp(`updated copilot ${a.id} \\(Model 2\\)`));
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 2);
		assert.equal(stored(a.id).providerModel, "gpt-4o");
		assert.equal(stored(a.id).name, "Model 2");
		assert.deepEqual(keptFiles(home), []);
	} finally {
		await t.close();
	}
});

test("checked before anything is sent: bad JSON, an unknown provider, the key as a field; no, and nothing went out", async () => {
	const a = await seed({ name: "Checked" });
	const ed = editor([
		`text:{"name": "broken",\n  "provider": }\n`,
		`raw:return text.replace('"provider": }', '"provider": "acme"}');`,
		`j.providerApiKey = "typed-key-in-the-editor";`,
	]);
	const t = spawnLbtui({ env: { ...serverEnv(stack.url), ...ed.env }, cols: 140, rows: 40 });
	try {
		await openOn(t, a.id);
		await control("DELETE", "/requests");
		t.write("e");
		await t.waitFor(/Edit it again\? \[y\/N\]/, { timeout: 10000 });
		assert.match(t.screenText(), /not valid JSON: error at line 2/);
		// Edit again: the broken text is what the editor gets.
		t.write("y");
		await t.waitFor(/provider "acme" is not one of openai/, { timeout: 10000 });
		assert.match(ed.seen(2), /"provider": }/);
		await t.waitFor(/Edit it again\? \[y\/N\]/);
		t.write("n");
		await t.waitFor(/what you wrote was saved/);
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 0);
		assert.equal(stored(a.id).name, "Checked");
		// Once more, with the key written as a field: refused, never sent,
		// and not kept in a file.
		t.write("e");
		await t.waitFor(/providerApiKey is write-only/, { timeout: 10000 });
		assert.match(t.screenText(), /What you wrote is in no file/);
		t.write("n");
		await t.waitFor(/cancelled: usage error: providerApiKey|providerApiKey is write-only/);
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 0);
		assert.equal(stored(a.id).providerApiKey, "seed-key-0123456789");
		assertNowhere(t.home, "typed-key-in-the-editor");
	} finally {
		await t.close();
	}
});

test("K asks for the file holding the key: set, masked, in no request log line, screen or file", async () => {
	const a = await seed({ name: "Keyed" });
	const key = "prov-key-K-ON-SCREEN-5a6b7c8d9e0f";
	const f = keyFile(key);
	const home = makeHome();
	const t = spawnLbtui({ home, env: serverEnv(stack.url), cols: 140, rows: 40 });
	try {
		await openOn(t, a.id);
		await control("DELETE", "/requests");
		t.write("K");
		await t.waitFor(/file holding the new provider API key of/);
		t.write(f + "\r");
		await t.waitFor(new RegExp(`updated copilot ${a.id} \\(Keyed\\)`));
		assert.equal(stored(a.id).providerApiKey, key);
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 1);
		// The request log shows the request, not the key.
		t.write("@");
		await t.waitFor(new RegExp(`POST .*${a.id}`));
		t.key("Esc");
		assert.equal(await t.exit(), 0);
	} finally {
		await t.close();
	}
	assert.ok(!t.output.includes(key), "the key was never drawn");
	assertNowhere(home, key);
});

test("n: the key's file, then a new copilot's fields in $EDITOR; cancel sends nothing, yes exactly one POST", async () => {
	const key = "prov-key-NEW-ON-SCREEN-1f2e3d4c5b6a";
	const f = keyFile(key);
	const ed = editor([
		`j.name = "Drafted"; j.providerModel = "gpt-4o"; j.systemPrompt = "Be kind";`,
		`j.name = "Made on screen"; j.providerModel = "gpt-4o"; j.systemPrompt = "Be kind"; j.settings = { temperature: 0.1 };`,
	]);
	const home = makeHome();
	await seed({ name: "Anchor" });
	const t = spawnLbtui({ home, env: { ...serverEnv(stack.url), ...ed.env }, cols: 140, rows: 40 });
	try {
		await t.waitFor(/Rooms|rooms/);
		t.command(":copilots");
		await t.waitFor(/PROVIDER\/MODEL/);
		await control("DELETE", "/requests");
		t.write("n");
		await t.waitFor(/new copilot: file holding its provider API key/);
		t.write(f + "\r");
		await t.waitFor(/Create this copilot\? \[y\/N\]/, { timeout: 10000 });
		const s = t.screenText();
		assert.match(s, /\+ name +"Drafted"/);
		assert.match(s, /\+ providerApiKey +\(write-only, never shown; read from \//);
		assert.ok(!s.includes(key));
		t.write("n");
		await t.waitFor(/cancelled: what you wrote was saved/);
		assert.equal(await count("POST", "/v2/ai/copilots"), 0);

		t.write("n");
		await t.waitFor(/new copilot: file holding its provider API key/);
		t.write(f + "\r");
		await t.waitFor(/Create this copilot\? \[y\/N\]/, { timeout: 10000 });
		t.write("y");
		const m = await t.waitFor(/created copilot (co_\S+) \(Made on screen\)/);
		const id = m[1];
		assert.equal(await count("POST", "/v2/ai/copilots"), 1);
		const c = stored(id);
		assert.equal(c.providerApiKey, key);
		assert.equal(c.systemPrompt, "Be kind");
		assert.deepEqual(c.settings, { temperature: 0.1 });
		await t.waitFor(new RegExp(`${id} +openai/gpt-4o +Made on screen`));
	} finally {
		await t.close();
	}
	assert.ok(!t.output.includes(key));
	assertNowhere(home, key);
});

test("k opens the selected copilot's knowledge; the navigator offers it too", async () => {
	const a = await seed({ name: "Knows" });
	await sdk.createWebKnowledgeSource({ copilotId: a.id, url: "https://knows.example.com", type: "individual_link" });
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 140, rows: 40 });
	try {
		await openOn(t, a.id);
		assert.ok(t.screen().some((r) => /^ +Knowledge +│/.test(r)), t.dump());
		t.write("k");
		await t.waitFor(/https:\/\/knows\.example\.com/);
		assert.match(t.screenText(), new RegExp(`knowledge ${a.id}`));
	} finally {
		await t.close();
	}
});

test("a POST that gets no answer is not sent again nor offered again; what was written stays in its file", async () => {
	const a = await seed({ name: "Dropped" });
	const ed = editor([`j.name = "Maybe";`]);
	const home = makeHome();
	const t = spawnLbtui({ home, env: { ...serverEnv(stack.url), ...ed.env }, cols: 240, rows: 40 });
	try {
		await openOn(t, a.id);
		await control("DELETE", "/requests");
		await control("POST", "/faults", { method: "POST", path: "/v2/ai/copilots/*", type: "drop", after: true, count: 1 });
		t.write("e");
		await t.waitFor(/Apply this change\? \[y\/N\]/, { timeout: 10000 });
		t.write("y");
		await t.waitFor(/outcome unknown/, { timeout: 15000 });
		assert.doesNotMatch(t.row(-1), /Edit it again/);
		assert.match(t.screenText(), /what you wrote was saved/);
		await t.waitIdle({ quiet: 300 });
		assert.equal(await count("POST", "/v2/ai/copilots/*"), 1);
		assert.equal(stored(a.id).name, "Maybe", "the server did it, once");
		assert.equal(keptFiles(home).length, 1);
	} finally {
		await t.close();
	}
});
