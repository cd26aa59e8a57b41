// AI copilots and knowledge sources.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useStack } from "./helpers.mjs";

const t = useStack();

const COPILOT = { name: "Helper", systemPrompt: "Be nice", providerApiKey: "fake-provider-key", provider: "openai", providerModel: "gpt-4o" };

test("copilots: create (201, no API key in answers), list newest first, get, update with null, delete", async () => {
	const c = await t.api("POST", "/v2/ai/copilots", { ...COPILOT, description: "d", knowledgePrompt: "k" });
	assert.equal(c.status, 201, c.text);
	assert.match(c.body.id, /^co_[\w-]{21}$/);
	assert.equal(c.body.type, "copilot");
	assert.equal(c.body.providerApiKey, undefined);
	assert.equal(c.body.alwaysUseKnowledge, false);
	const c2 = await t.api("POST", "/v2/ai/copilots", { ...COPILOT, name: "Second", provider: "anthropic", providerModel: "claude-sonnet-4-5" });
	const list = await t.api("GET", "/v2/ai/copilots?limit=1");
	assert.deepEqual(list.body.data.map((x) => x.id), [c2.body.id]);
	const next = await t.api("GET", `/v2/ai/copilots?limit=1&startingAfter=${list.body.nextCursor}`);
	assert.equal(next.body.data[0].id, c.body.id);
	const up = await t.api("POST", `/v2/ai/copilots/${c.body.id}`, { description: null, name: "Renamed" });
	assert.equal(up.status, 200);
	assert.equal(up.body.name, "Renamed");
	assert.equal(up.body.description, undefined);
	assert.equal(up.body.knowledgePrompt, "k");
	assert.equal((await t.api("GET", `/v2/ai/copilots/${c.body.id}`)).body.name, "Renamed");
	assert.equal((await t.api("DELETE", `/v2/ai/copilots/${c2.body.id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/ai/copilots/${c2.body.id}`)).status, 404);
});

test("copilot validation", async () => {
	const bad = [
		{ ...COPILOT, name: undefined },
		{ ...COPILOT, provider: "acme" },
		{ ...COPILOT, providerModel: "gemini-2.5-pro" },
		{ ...COPILOT, provider: "openai-compatible", providerModel: "m" },
		{ ...COPILOT, alwaysUseKnowledge: "yes" },
	];
	for (const b of bad) assert.equal((await t.api("POST", "/v2/ai/copilots", b)).status, 422, JSON.stringify(b));
	const ok = await t.api("POST", "/v2/ai/copilots", { ...COPILOT, provider: "openai-compatible", providerModel: "m", compatibleProviderName: "local", providerBaseUrl: "http://127.0.0.1:9/v1" });
	assert.equal(ok.status, 201);
	assert.equal((await t.api("POST", `/v2/ai/copilots/${ok.body.id}`, { name: null })).status, 422);
	assert.equal((await t.api("POST", "/v2/ai/copilots/co_missing", { name: "x" })).status, 404);
	assert.equal((await t.api("GET", "/v2/ai/copilots?limit=101")).status, 422);
});

test("knowledge: web source with links, file source keeps its content, delete by kind", async () => {
	const c = (await t.api("POST", "/v2/ai/copilots", COPILOT)).body;
	const K = `/v2/ai/copilots/${c.id}/knowledge`;
	const web = await t.api("POST", `${K}/web`, { copilotId: c.id, url: "https://docs.example.com", type: "crawl" });
	assert.equal(web.status, 200);
	const md = "# Handbook\n\nUse **lbtui**.\n";
	const file = await t.api("PUT", `${K}/file/handbook.md`, Buffer.from(md), { headers: { "content-type": "text/markdown" } });
	assert.equal(file.status, 200, file.text);
	const list = await t.api("GET", K);
	assert.equal(list.body.data.length, 2);
	const ws = await t.api("GET", `${K}/${web.body.id}`);
	assert.equal(ws.body.type, "ai-knowledge-web-source");
	assert.deepEqual(ws.body.link, { url: "https://docs.example.com", type: "crawl" });
	assert.equal(ws.body.status, "ready");
	const fs = await t.api("GET", `${K}/${file.body.id}`);
	assert.deepEqual(fs.body.file, { name: "handbook.md", mimeType: "text/markdown" });
	const content = await t.api("GET", `${K}/file/${file.body.id}`);
	assert.deepEqual(content.body, { id: file.body.id, content: md });
	const links = await t.api("GET", `${K}/web/${web.body.id}/links?limit=2`);
	assert.equal(links.body.data.length, 2);
	assert.equal(links.body.data[0].url, "https://docs.example.com");
	const more = await t.api("GET", `${K}/web/${web.body.id}/links?limit=2&startingAfter=${links.body.nextCursor}`);
	assert.equal(more.body.data.length, 2);
	assert.equal(more.body.nextCursor, null);
	assert.equal((await t.api("DELETE", `${K}/web/${file.body.id}`)).status, 404, "wrong kind");
	assert.equal((await t.api("DELETE", `${K}/file/${file.body.id}`)).status, 204);
	assert.equal((await t.api("DELETE", `${K}/web/${web.body.id}`)).status, 204);
	assert.deepEqual((await t.api("GET", K)).body.data, []);
});

test("knowledge errors", async () => {
	const c = (await t.api("POST", "/v2/ai/copilots", COPILOT)).body;
	const K = `/v2/ai/copilots/${c.id}/knowledge`;
	assert.equal((await t.api("POST", `${K}/web`, { url: "ftp://x", type: "crawl" })).status, 422);
	assert.equal((await t.api("POST", `${K}/web`, { url: "https://x.example", type: "spider" })).status, 422);
	assert.equal((await t.api("PUT", `${K}/file/empty.txt`, Buffer.alloc(0), { headers: { "content-type": "text/plain" } })).status, 422);
	assert.equal((await t.api("GET", `${K}/ks_missing`)).status, 404);
	assert.equal((await t.api("GET", `${K}/file/ks_missing`)).status, 404);
	assert.equal((await t.api("GET", "/v2/ai/copilots/co_missing/knowledge")).status, 404);
});
