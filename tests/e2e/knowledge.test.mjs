// A copilot's knowledge sources from the command line (-e) against the
// emulator: listed, shown, added from the web (link, crawl, sitemap) and
// from a file (the upload), read as Markdown, links listed, deleted by
// their kind after a confirmation; the API's 404, 422 and 403.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { Liveblocks } from "@liveblocks/node";
import { startStack } from "../emulator/stack.mjs";
import { runBatch, serverEnv, tempDir, emulatorControl } from "./harness.mjs";

let stack, sdk, dir, copilot;

before(async () => {
	stack = await startStack();
	sdk = new Liveblocks({ secret: stack.secret, baseUrl: stack.url });
	dir = tempDir("lbtui-knowledge-");
	copilot = await sdk.createAiCopilot({
		name: "Docs",
		systemPrompt: "Answer",
		providerApiKey: "seed-key",
		provider: "openai",
		providerModel: "gpt-4o",
	});
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

const sources = async () => (await sdk.getKnowledgeSources({ copilotId: copilot.id })).data;

test("knowledge lists web and file sources; show prints one; --json the API's objects", async () => {
	const web = await sdk.createWebKnowledgeSource({ copilotId: copilot.id, url: "https://seed.example.com/docs", type: "crawl" });
	const file = await sdk.createFileKnowledgeSource({
		copilotId: copilot.id,
		file: new File(["# Seed\nbody"], "seed.md", { type: "text/markdown" }),
	});
	const r = await lb(`knowledge ${copilot.id}`);
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^ID +KIND +URL\/FILE$/m);
	assert.match(r.stdout, new RegExp(`^${web.id} +web crawl ready +https://seed\\.example\\.com/docs$`, "m"));
	assert.match(r.stdout, new RegExp(`^${file.id} +file ready +seed\\.md$`, "m"));

	const j = await lb(`knowledge ${copilot.id} --all`, ["--json"]);
	assert.equal(j.code, 0, j.stderr);
	const types = Object.fromEntries(JSON.parse(j.stdout).data.map((k) => [k.id, k.type]));
	assert.equal(types[web.id], "ai-knowledge-web-source");
	assert.equal(types[file.id], "ai-knowledge-file-source");

	const s = await lb(`knowledge show ${copilot.id} ${file.id}`);
	assert.equal(s.code, 0, s.stderr);
	assert.match(s.stdout, /^kind: +file source$/m);
	assert.match(s.stdout, /^file: +seed\.md$/m);
	assert.match(s.stdout, /^type: +text\/markdown$/m);
	assert.match(s.stdout, /^status: +ready$/m);
});

test("add-web: a link, a crawl, a sitemap; links lists what a web source indexed", async () => {
	const types = [["", "individual_link"], ["--crawl", "crawl"], ["--sitemap", "sitemap"]];
	const ids = [];
	for (const [flag, type] of types) {
		const url = `https://${type.replace("_", "-")}.example.com`;
		const r = await lb(`knowledge add-web ${copilot.id} ${url} ${flag}`);
		assert.equal(r.code, 0, r.stderr);
		const m = r.stdout.match(new RegExp(`^added knowledge source (ks_\\S+) \\(${type}\\)$`, "m"));
		assert.ok(m, r.stdout);
		const k = await sdk.getKnowledgeSource({ copilotId: copilot.id, knowledgeSourceId: m[1] });
		assert.deepEqual(k.link, { url, type });
		ids.push(m[1]);
	}
	assert.equal(await count("POST", "/v2/ai/copilots/*/knowledge/web"), 3);
	const both = await lb(`knowledge add-web ${copilot.id} https://x.example.com --crawl --sitemap`);
	assert.equal(both.code, 2);

	const l = await lb(`knowledge links ${copilot.id} ${ids[1]}`);
	assert.equal(l.code, 0, l.stderr);
	assert.match(l.stdout, /^ID +STATUS +URL$/m);
	for (const p of ["", "/getting-started", "/api-reference", "/faq"])
		assert.match(l.stdout, new RegExp(`^kl_\\S+ +ready +https://crawl\\.example\\.com${p}$`, "m"));
	const lj = await lb(`knowledge links ${copilot.id} ${ids[0]}`, ["--json"]);
	assert.equal(JSON.parse(lj.stdout).data.length, 1);
});

test("add-file uploads the bytes as they are; read prints the Markdown the server keeps", async () => {
	const text = "# Notes\n\nSome *facts*.\n";
	const f = path.join(dir, "notes.md");
	fs.writeFileSync(f, text);
	const r = await lb(`knowledge add-file ${copilot.id} ${f}`);
	assert.equal(r.code, 0, r.stderr);
	const id = r.stdout.match(/^added knowledge source (ks_\S+) \(notes\.md\)$/m)[1];
	assert.equal(await sdk.getFileKnowledgeSourceMarkdown({ copilotId: copilot.id, knowledgeSourceId: id }), text);
	assert.equal(await count("PUT", "/v2/ai/copilots/*/knowledge/file/notes.md"), 1);
	const kept = await sdk.getKnowledgeSource({ copilotId: copilot.id, knowledgeSourceId: id });
	assert.deepEqual(kept.file, { name: "notes.md", mimeType: "text/markdown" });

	const named = await lb(`knowledge add-file ${copilot.id} - --name from-stdin.txt`, [], { input: "plain text" });
	assert.equal(named.code, 0, named.stderr);
	assert.match(named.stdout, /\(from-stdin\.txt\)$/m);
	const bin = path.join(dir, "data.bin");
	fs.writeFileSync(bin, Buffer.from([0, 1, 2, 255]));
	const b = await lb(`knowledge add-file ${copilot.id} ${bin}`);
	assert.equal(b.code, 0, b.stderr);
	const types = Object.fromEntries((await sources()).filter((k) => k.file).map((k) => [k.file.name, k.file.mimeType]));
	assert.equal(types["from-stdin.txt"], "text/plain");
	assert.equal(types["data.bin"], "application/octet-stream");

	const rd = await lb(`knowledge read ${copilot.id} ${id}`);
	assert.equal(rd.code, 0, rd.stderr);
	assert.equal(rd.stdout, text);

	const empty = path.join(dir, "empty.md");
	fs.writeFileSync(empty, "");
	const e = await lb(`knowledge add-file ${copilot.id} ${empty}`);
	assert.equal(e.code, 2);
	assert.match(e.stderr, /empty/);
});

test("delete asks first, then uses the endpoint of the source's kind", async () => {
	const web = await sdk.createWebKnowledgeSource({ copilotId: copilot.id, url: "https://del.example.com", type: "individual_link" });
	const file = await sdk.createFileKnowledgeSource({
		copilotId: copilot.id,
		file: new File(["x"], "del.txt", { type: "text/plain" }),
	});
	const no = await lb(`knowledge delete ${copilot.id} ${web.id}`);
	assert.equal(no.code, 2);
	assert.match(no.stderr, /without confirmation/);
	assert.equal(await count("DELETE", "/v2/ai/copilots/*/knowledge/web/*"), 0);

	for (const [k, kind] of [[web, "web"], [file, "file"]]) {
		const r = await lb(`knowledge delete ${copilot.id} ${k.id} --yes`);
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, new RegExp(`^deleted knowledge source ${k.id}$`, "m"));
		assert.equal(await count("DELETE", `/v2/ai/copilots/*/knowledge/${kind}/*`), 1);
	}
	const left = (await sources()).map((k) => k.id);
	assert.ok(!left.includes(web.id) && !left.includes(file.id));
});

test("404, 422 and 403 as the API says them", async () => {
	const s = await lb(`knowledge show ${copilot.id} ks_missing`);
	assert.equal(s.code, 1);
	assert.match(s.stderr, /404.*ks_missing/);
	const c = await lb("knowledge co_missing");
	assert.equal(c.code, 1);
	assert.match(c.stderr, /co_missing.*not found/);
	const d = await lb(`knowledge delete ${copilot.id} ks_missing --yes`);
	assert.equal(d.code, 1);
	assert.equal(await count("DELETE", "/v2/ai/copilots/*/knowledge/**"), 0);

	const bad = await lb(`knowledge add-web ${copilot.id} ftp://files.example.com`);
	assert.equal(bad.code, 1);
	assert.match(bad.stderr, /422.*'url'/);

	const f = path.join(dir, "forbidden.md");
	fs.writeFileSync(f, "# no");
	await control("POST", "/faults", { method: "PUT", path: "/v2/ai/copilots/**", type: "status", status: 403, count: 1 });
	const up = await lb(`knowledge add-file ${copilot.id} ${f}`);
	assert.equal(up.code, 1);
	assert.match(up.stderr, /403/);
	assert.equal(await count("PUT", "/v2/ai/copilots/*/knowledge/file/*"), 1);
	assert.ok(!(await sources()).some((k) => k.file?.name === "forbidden.md"));
});
