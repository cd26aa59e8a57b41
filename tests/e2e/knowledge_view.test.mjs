// The knowledge view on the screen, against the emulator: :knowledge
// COPILOT (and k in the copilots view) lists a copilot's sources a page at
// a time; Enter reads a file's Markdown in the pager or lists a web
// source's links; d deletes after a confirmation that names the source;
// w adds a web source (link, crawl or sitemap), f uploads a file. The
// requests are counted on the emulator; what is drawn is read back, its
// colours included.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { cursorLine, serverEnv, spawnLbtui, tempDir, emulatorControl } from "./harness.mjs";

let stack, sdk, dir;

before(async () => {
	stack = await startStack();
	sdk = new Liveblocks({ secret: stack.secret, baseUrl: stack.url });
	dir = tempDir("lbtui-knowledge-view-");
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

/** The knowledge sources the emulator holds for a copilot. */
const sourcesOf = (copilotId) =>
	Object.values(stack.emulator.store.s.knowledge).filter((k) => k.copilotId === copilotId);

const copilot = (name) =>
	sdk.createAiCopilot({
		name,
		systemPrompt: "Answer",
		providerApiKey: "seed-key-kv-0123",
		provider: "openai",
		providerModel: "gpt-4o-mini",
	});

const addFile = (copilotId, name, text, type = "text/markdown") =>
	sdk.createFileKnowledgeSource({ copilotId, file: new File([text], name, { type }) });

/** Open the knowledge view of copilot id and wait for text. */
async function open(t, id, text) {
	await t.waitFor(/Rooms|rooms/);
	t.command(`:knowledge ${id}`);
	await t.waitFor(text);
	await t.waitIdle();
}

/** Move the cursor to the row that holds text. */
async function select(t, text) {
	for (let i = 0; i < 100 && !cursorLine(t).includes(text); i++) {
		t.key("Down");
		await t.waitIdle();
	}
	assert.ok(cursorLine(t).includes(text), t.dump());
}

test(":knowledge lists the sources: type, name or URL, status, created, updated; colours by type and status", async () => {
	const c = await copilot("Lister");
	// The oldest last: the failed one is not under the cursor.
	const bad = await sdk.createWebKnowledgeSource({ copilotId: c.id, url: "https://broken.example.com", type: "individual_link" });
	const f = await addFile(c.id, "guide.md", "# Guide\n");
	await sdk.createWebKnowledgeSource({ copilotId: c.id, url: "https://list.example.com/docs", type: "crawl" });
	stack.emulator.store.s.knowledge[bad.id].status = "error";
	stack.emulator.store.s.knowledge[bad.id].errorMessage = "The site did not answer";
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 160, rows: 30 });
	try {
		await open(t, c.id, "guide.md");
		const s = t.screenText();
		assert.match(t.row(0), new RegExp(`knowledge ${c.id}`));
		assert.match(s, /TYPE +NAME\/URL +STATUS +CREATED +UPDATED/);
		assert.match(s, /web +https:\/\/list\.example\.com\/docs +ready +\d{4}-\d\d-\d\d \d\d:\d\d/);
		assert.match(s, /file +guide\.md +ready +\d{4}-\d\d-\d\d/);
		assert.match(s, /web +https:\/\/broken\.example\.com +error/);
		assert.match(t.row(-2), /3 sources/);
		// TYPE in the key colour; the failed source drawn as an error.
		const rows = t.screen();
		const ok = rows.findIndex((r) => r.includes("guide.md"));
		const err = rows.findIndex((r) => r.includes("broken.example.com"));
		const okCell = t.cell(rows[ok].indexOf("file"), ok);
		const errCell = t.cell(rows[err].indexOf("error"), err);
		assert.equal(okCell.fg, 3, "the type is drawn in the key colour");
		assert.equal(errCell.fg, 1, "a source that failed is red");
		assert.ok(errCell.bold);
		// The detail pane: the selected source's fields, its error too.
		await select(t, "guide.md");
		await t.waitFor(/MIME +text\/markdown/);
		assert.match(t.screenText(), new RegExp(`ID +${f.id}`));
		await select(t, "broken.example.com");
		await t.waitFor(/Error +The site did not answer/);
		assert.match(t.screenText(), new RegExp(`ID +${bad.id}`));
	} finally {
		await t.close();
	}
});

test("page by page: 50 sources first, G reads the next page by its cursor", async () => {
	const c = await copilot("Paged");
	for (let i = 0; i < 63; i++)
		await sdk.createWebKnowledgeSource({ copilotId: c.id, url: `https://paged.example.com/p${String(i).padStart(2, "0")}`, type: "individual_link" });
	await control("DELETE", "/requests");
	// 14 rows of list: the next page is asked for once the cursor is
	// within two screens of the end.
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 140, rows: 18 });
	try {
		await open(t, c.id, "paged.example.com/p62");
		await t.waitFor(/50\+ sources/);
		const { data } = await control("GET", "/log?limit=20");
		const gets = data.filter((e) => e.method === "GET" && e.path === `/v2/ai/copilots/${c.id}/knowledge`);
		assert.equal(gets.length, 1);
		assert.match(gets[0].query ?? "", /limit=50/);
		assert.equal(await count("GET", `/v2/ai/copilots/${c.id}/knowledge`), 1);
		t.write("G");
		await t.waitFor(/63 sources/);
		await t.waitFor("paged.example.com/p00");
		const all = (await control("GET", "/log?limit=20")).data.filter((e) => e.method === "GET" && e.path === `/v2/ai/copilots/${c.id}/knowledge`);
		assert.equal(all.length, 2);
		assert.match(all.at(-1).query ?? "", /startingAfter=/);
	} finally {
		await t.close();
	}
});

test("Enter: a file's Markdown in the pager, a web source's links", async () => {
	const c = await copilot("Reader");
	await sdk.createWebKnowledgeSource({ copilotId: c.id, url: "https://read.example.com", type: "crawl" });
	await addFile(c.id, "notes.md", "# Notes\n\nA paragraph long enough to be worth reading in the pager.\n\x1b[31mred?\x1b[0m\n");
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 140, rows: 30 });
	try {
		await open(t, c.id, "notes.md");
		await select(t, "notes.md");
		await control("DELETE", "/requests");
		t.key("Enter");
		await t.waitFor(/A paragraph long enough/);
		assert.match(t.row(0), /knowledge co_\S+ › Markdown of ks_/);
		assert.match(t.screenText(), /# Notes/);
		// An escape in the file is shown as text, not obeyed.
		const rows = t.screen();
		const y = rows.findIndex((r) => r.includes("red?"));
		assert.ok(y >= 0, t.dump());
		assert.match(rows[y], /\[31mred\?/);
		assert.notEqual(t.cell(rows[y].indexOf("red?"), y).fg, 1, "the file's escape turned the text red");
		assert.equal(await count("GET", `/v2/ai/copilots/${c.id}/knowledge/file/*`), 1);
		t.key("Esc");
		await t.waitFor(/NAME\/URL/);
		await select(t, "read.example.com");
		t.key("Enter");
		await t.waitFor(/https:\/\/read\.example\.com\/getting-started/);
		assert.match(t.row(0), /knowledge co_\S+ › links of a web source/);
		assert.match(t.screenText(), /https:\/\/read\.example\.com\/faq/);
		assert.equal(await count("GET", `/v2/ai/copilots/${c.id}/knowledge/web/*/links`), 1);
	} finally {
		await t.close();
	}
});

test("d asks, naming the source: a wrong answer deletes nothing, its ID deletes it once and the list drops it", async () => {
	const c = await copilot("Deleter");
	const keep = await sdk.createWebKnowledgeSource({ copilotId: c.id, url: "https://keep.example.com", type: "individual_link" });
	const gone = await sdk.createWebKnowledgeSource({ copilotId: c.id, url: "https://gone.example.com", type: "sitemap" });
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 200, rows: 30 });
	try {
		await open(t, c.id, "gone.example.com");
		await select(t, "gone.example.com");
		t.write("d");
		await t.waitFor(new RegExp(`Delete knowledge source ${gone.id} \\(web sitemap ready https://gone\\.example\\.com\\)\\? Type its ID`));
		t.write("nope\r");
		await t.waitFor(/not deleted/);
		assert.equal(await count("DELETE", `/v2/ai/copilots/${c.id}/knowledge/**`), 0);
		assert.equal(sourcesOf(c.id).length, 2);
		t.write("d");
		await t.waitFor(/Type its ID/);
		t.write(`${gone.id}\r`);
		await t.waitFor(new RegExp(`deleted knowledge source ${gone.id}`));
		await t.waitForGone("gone.example.com");
		assert.equal(await count("DELETE", `/v2/ai/copilots/${c.id}/knowledge/web/${gone.id}`), 1);
		assert.deepEqual(sourcesOf(c.id).map((k) => k.id), [keep.id]);
		assert.match(t.screenText(), /keep\.example\.com/);
	} finally {
		await t.close();
	}
});

test("w adds a web source (asks URL, then link, crawl or sitemap); f uploads a file; each shows in the list", async () => {
	const c = await copilot("Adder");
	const file = path.join(dir, "faq.md");
	fs.writeFileSync(file, "# FAQ\n\nQ: Why?\nA: Because.\n");
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 160, rows: 30 });
	try {
		await open(t, c.id, /No knowledge sources/);
		t.write("w");
		await t.waitFor(/add a web page to the knowledge, URL:/);
		t.write("https://added.example.com/docs\r");
		await t.waitFor(/l: the link alone, c: a crawl of the site, s: a sitemap\?/);
		// An answer that is none of them adds nothing.
		t.write("x\r");
		await t.waitFor(/not added: answer l/);
		assert.equal(await count("POST", `/v2/ai/copilots/${c.id}/knowledge/web`), 0);
		t.write("w");
		await t.waitFor(/URL:/);
		t.write("https://added.example.com/docs\r");
		await t.waitFor(/a sitemap\?/);
		t.write("c\r");
		await t.waitFor(/web +https:\/\/added\.example\.com\/docs +ready/);
		assert.equal(await count("POST", `/v2/ai/copilots/${c.id}/knowledge/web`), 1);
		assert.deepEqual(sourcesOf(c.id).map((k) => k.link), [{ url: "https://added.example.com/docs", type: "crawl" }]);

		// Esc at the question adds nothing.
		t.write("f");
		await t.waitFor(/upload a file to the knowledge, path:/);
		t.key("Esc");
		await t.waitIdle();
		t.write("f");
		await t.waitFor(/path:/);
		t.write(`${file}\r`);
		await t.waitFor(/file +faq\.md +ready/);
		assert.equal(await count("PUT", `/v2/ai/copilots/${c.id}/knowledge/file/*`), 1);
		const up = sourcesOf(c.id).find((k) => k.file);
		assert.equal(up.file.name, "faq.md");
		assert.equal(up.content, "# FAQ\n\nQ: Why?\nA: Because.\n");
		assert.match(t.row(-2), /2 sources/);
	} finally {
		await t.close();
	}
});

test("k in the copilots view opens the selected copilot's knowledge; 404 for a copilot that is not there", async () => {
	const c = await copilot("Opened from the list");
	await addFile(c.id, "opened.md", "# Opened\n");
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 140, rows: 30 });
	try {
		await t.waitFor(/Rooms|rooms/);
		t.command(":copilots");
		await t.waitFor(c.id);
		await select(t, c.id);
		t.write("k");
		await t.waitFor("opened.md");
		assert.match(t.row(0), new RegExp(`copilots › knowledge ${c.id}`));
		t.command(":knowledge co_missing");
		await t.waitFor(/not found/);
		assert.match(t.screenText(), /\b404\b/);
	} finally {
		await t.close();
	}
});

test("the server's 422 and 403 said on the screen; the list as it was", async () => {
	const c = await copilot("Refused");
	await addFile(c.id, "stays.md", "# Stays\n");
	const t = spawnLbtui({ env: serverEnv(stack.url), cols: 200, rows: 30 });
	try {
		await open(t, c.id, "stays.md");
		t.write("w");
		await t.waitFor(/URL:/);
		t.write("not-a-url\r");
		await t.waitFor(/a sitemap\?/);
		t.write("l\r");
		await t.waitFor(/422.*'url'/);
		assert.equal(await count("POST", `/v2/ai/copilots/${c.id}/knowledge/web`), 1);
		await control("POST", "/faults", { method: "DELETE", path: "/v2/ai/copilots/*/knowledge/**", type: "status", status: 403, count: 1 });
		await select(t, "stays.md");
		t.write("d");
		await t.waitFor(/Type its ID/);
		t.write(`${sourcesOf(c.id)[0].id}\r`);
		await t.waitFor(/\b403 [A-Z_]+:/);
		assert.equal(sourcesOf(c.id).length, 1);
		await t.waitIdle();
		assert.match(t.screenText(), /file +stays\.md +ready/);
		assert.match(t.row(-2), /│ 1 source │/);
	} finally {
		await t.close();
	}
});
