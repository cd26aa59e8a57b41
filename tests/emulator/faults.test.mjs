// Fault injection, request counters, the request log, coverage and reset
// through the /__emulator control endpoint.

import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { useStack } from "./helpers.mjs";

const t = useStack();

beforeEach(async () => {
	await t.control("DELETE", "/faults");
	await t.control("DELETE", "/requests");
});

const addFault = async (rule) => {
	const r = await t.control("POST", "/faults", rule);
	assert.equal(r.status, 200, r.text);
	return r.body;
};

const count = async (method, path) => (await t.control("GET", `/requests?method=${method}&path=${encodeURIComponent(path)}`)).body.count;

/** A raw GET that reports what actually arrived on the socket. */
function rawGet(path) {
	return new Promise((resolve) => {
		const req = http.get(t.url + path, { headers: { authorization: "Bearer sk_localdev" } }, (res) => {
			let n = 0;
			res.on("data", (c) => (n += c.length));
			res.on("end", () => resolve({ status: res.statusCode, declared: Number(res.headers["content-length"]), received: n, complete: true }));
			res.on("aborted", () => resolve({ status: res.statusCode, declared: Number(res.headers["content-length"]), received: n, complete: false }));
			res.on("error", () => resolve({ status: res.statusCode, declared: Number(res.headers["content-length"]), received: n, complete: false }));
		});
		req.on("error", (e) => resolve({ error: e.code ?? e.message }));
	});
}

test("status faults with count apply to the next N requests only, and are counted", async () => {
	await addFault({ method: "GET", path: "/v2/rooms", type: "status", status: 503, count: 2 });
	assert.equal((await t.api("GET", "/v2/rooms")).status, 503);
	const second = await t.api("GET", "/v2/rooms");
	assert.equal(second.status, 503);
	assert.equal(typeof second.body.message, "string");
	assert.equal((await t.api("GET", "/v2/rooms")).status, 200);
	assert.equal(await count("GET", "/v2/rooms"), 3);
	assert.deepEqual((await t.control("GET", "/faults")).body.data, [], "exhausted rules disappear");
	const req = (await t.control("GET", "/requests")).body;
	assert.equal(req.routes["GET /v2/rooms"], 3);
	assert.equal(req.total, 3);
});

test("500 and 502, method filter, glob with :params and **, regex, skip", async () => {
	await addFault({ method: "POST", path: "/v2/rooms/:roomId/threads", type: "status", status: 500 });
	assert.equal((await t.api("GET", "/v2/rooms/x/threads")).status, 404, "GET not affected");
	assert.equal((await t.api("POST", "/v2/rooms/x/threads", {})).status, 500);
	await t.control("DELETE", "/faults");
	await addFault({ path: "/v2/ai/**", type: "status", status: 502 });
	assert.equal((await t.api("GET", "/v2/ai/copilots/co_x/knowledge")).status, 502);
	await t.control("DELETE", "/faults");
	await addFault({ path: "^/v2/groups(/.*)?$", type: "status", status: 500, skip: 1, count: 1 });
	assert.equal((await t.api("GET", "/v2/groups")).status, 200, "skipped");
	assert.equal((await t.api("GET", "/v2/groups/g")).status, 500);
	assert.equal((await t.api("GET", "/v2/groups")).status, 200, "count used up");
});

test("429 carries Retry-After", async () => {
	await addFault({ path: "/v2/rooms", type: "status", status: 429, retryAfter: 7, count: 1 });
	const r = await t.api("GET", "/v2/rooms");
	assert.equal(r.status, 429);
	assert.equal(r.headers.get("retry-after"), "7");
	assert.equal(r.body.error, "RATE_LIMITED");
});

test("latency delays the real answer", async () => {
	await addFault({ path: "/v2/rooms", type: "latency", latencyMs: 300, count: 1 });
	const t0 = Date.now();
	const r = await t.api("GET", "/v2/rooms");
	assert.equal(r.status, 200);
	assert.ok(Date.now() - t0 >= 290, `took ${Date.now() - t0} ms`);
});

test("stall never answers", async () => {
	await addFault({ path: "/v2/rooms", type: "stall", count: 1 });
	await assert.rejects(
		fetch(t.url + "/v2/rooms", { headers: { authorization: "Bearer sk_localdev" }, signal: AbortSignal.timeout(300) }),
		(e) => e.name === "TimeoutError",
	);
	assert.equal((await t.api("GET", "/v2/rooms")).status, 200, "later requests work");
});

test("truncate declares more than it sends, then closes", async () => {
	await addFault({ path: "/v2/groups", type: "truncate", count: 1 });
	const r = await rawGet("/v2/groups");
	assert.equal(r.status, 200);
	assert.equal(r.complete, false);
	assert.ok(r.received < r.declared, `${r.received} < ${r.declared}`);
	await assert.rejects(async () => {
		await addFault({ path: "/v2/groups", type: "truncate", count: 1 });
		await t.api("GET", "/v2/groups");
	});
});

test("malformed JSON", async () => {
	await addFault({ path: "/v2/rooms", type: "malformed", count: 1 });
	const r = await t.api("GET", "/v2/rooms");
	assert.equal(r.status, 200);
	assert.match(r.headers.get("content-type"), /json/);
	assert.throws(() => JSON.parse(r.text));
});

test("oversized body of N MiB", async () => {
	await addFault({ path: "/v2/rooms", type: "oversize", sizeMiB: 3, count: 1 });
	const r = await t.api("GET", "/v2/rooms");
	assert.equal(r.status, 200);
	assert.equal(r.buf.length, 3 * 1024 * 1024);
	assert.equal(Number(r.headers.get("content-length")), 3 * 1024 * 1024);
	assert.ok(JSON.parse(r.text).padding.length > 3_000_000);
});

test("drop closes the connection without an answer", async () => {
	await addFault({ path: "/v2/rooms", type: "drop", count: 1 });
	const r = await rawGet("/v2/rooms");
	assert.ok(r.error, "request failed");
	assert.equal((await t.api("GET", "/v2/rooms")).status, 200);
	assert.equal(await count("GET", "/v2/rooms"), 2, "dropped requests are counted");
});

test("drop after: the request is done, then the connection closes without an answer", async () => {
	const id = `drop-after-${Date.now()}`;
	await addFault({ method: "POST", path: "/v2/rooms", type: "drop", after: true, count: 1 });
	const r = await new Promise((resolve) => {
		const req = http.request(t.url + "/v2/rooms", { method: "POST", headers: { authorization: "Bearer sk_localdev", "content-type": "application/json" } }, (res) =>
			resolve({ status: res.statusCode }),
		);
		req.on("error", (e) => resolve({ error: e.code ?? e.message }));
		req.end(JSON.stringify({ id, defaultAccesses: [] }));
	});
	assert.ok(r.error, `no answer expected, got ${JSON.stringify(r)}`);
	assert.equal((await t.api("GET", `/v2/rooms/${id}`)).status, 200, "the room was created");
	assert.equal(await count("POST", "/v2/rooms"), 1);
	const log = (await t.control("GET", "/log?limit=2")).body.data;
	assert.equal(log[0].fault, "drop after");
	assert.equal(log[0].status, 0);
	for (const bad of [{ path: "/x", type: "drop", after: "yes" }, { path: "/x", type: "stall", after: true }])
		assert.equal((await t.control("POST", "/faults", bad)).status, 422, JSON.stringify(bad));
});

test("rule management: list, delete by id, invalid rules", async () => {
	const rule = await addFault({ path: "/v2/groups", type: "status", status: 500 });
	assert.match(rule.id, /^f\d+$/);
	assert.equal((await t.control("GET", "/faults")).body.data.length, 1);
	assert.equal((await t.control("DELETE", `/faults/${rule.id}`)).status, 204);
	assert.equal((await t.control("DELETE", `/faults/${rule.id}`)).status, 404);
	for (const bad of [{ path: "/x", type: "explode" }, { type: "status", path: "/x" }, { type: "drop" }, { path: "/x", type: "latency" }, { path: "/x", type: "status", status: 99 }])
		assert.equal((await t.control("POST", "/faults", bad)).status, 422, JSON.stringify(bad));
	const many = await t.control("POST", "/faults", [{ path: "/a", type: "drop" }, { path: "/b", type: "stall" }]);
	assert.equal(many.body.data.length, 2);
});

test("request log records method, path, status and the fault", async () => {
	await addFault({ path: "/v2/rooms", type: "status", status: 500, count: 1 });
	await t.api("GET", "/v2/rooms?limit=5");
	await t.api("GET", "/v2/rooms");
	const log = (await t.control("GET", "/log?limit=2")).body.data;
	assert.equal(log.length, 2);
	assert.equal(log[0].path, "/v2/rooms");
	assert.equal(log[0].query, "?limit=5");
	assert.equal(log[0].status, 500);
	assert.equal(log[0].fault, "status 500");
	assert.equal(log[1].status, 200);
	assert.equal(log[1].fault, undefined);
});

test("coverage report and reset", async () => {
	await t.api("GET", "/v2/groups");
	await t.api("GET", "/v2/rooms/r/active-users");
	const cov = (await t.control("GET", "/coverage")).body;
	assert.equal(cov.total, 75);
	assert.ok(cov.exercised >= 2);
	assert.ok(!cov.missing.includes("GET /groups"));
	assert.ok(!cov.missing.includes("GET /rooms/:roomId/active_users"), "SDK alias counts for the reference endpoint");
	assert.equal(cov.line, `endpoints exercised: ${cov.exercised}/75`);
	await t.api("POST", "/v2/groups", { id: "reset-me" });
	await addFault({ path: "/x", type: "drop" });
	assert.equal((await t.control("POST", "/reset")).status, 204);
	assert.equal((await t.api("GET", "/v2/groups/reset-me")).status, 404);
	assert.deepEqual((await t.control("GET", "/faults")).body.data, []);
	assert.equal((await t.control("GET", "/requests")).body.total, 1);
	assert.equal((await t.control("GET", "/nope")).status, 404);
});
