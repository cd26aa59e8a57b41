// Storage: pass-through GET/POST/DELETE and the JSON-patch endpoint.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, uid, useStack } from "./helpers.mjs";
import { applyPatch, toJson, toLson } from "./lson.mjs";

const t = useStack();

const DOC = {
	liveblocksType: "LiveObject",
	data: {
		title: "doc",
		list: { liveblocksType: "LiveList", data: ["a", "b"] },
		map: { liveblocksType: "LiveMap", data: { k: 1 } },
		obj: { liveblocksType: "LiveObject", data: { plain: { x: [1, 2] } } },
	},
};

test("initialize, read in both formats, 409 on a second initialize, delete", async () => {
	const id = await createRoom(t);
	const init = await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	assert.equal(init.status, 200);
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/storage`)).body, DOC);
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/storage?format=json`)).body, {
		title: "doc",
		list: ["a", "b"],
		map: { k: 1 },
		obj: { plain: { x: [1, 2] } },
	});
	const again = await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	assert.equal(again.status, 409);
	assert.equal(typeof again.body.message, "string");
	assert.equal((await t.api("DELETE", `/v2/rooms/${id}/storage`)).status, 204);
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/storage?format=json`)).body, {});
});

test("storage errors: 404 for a missing room, 422 for a non-LiveObject root", async () => {
	const missing = uid("nope");
	const g = await t.api("GET", `/v2/rooms/${missing}/storage`);
	assert.equal(g.status, 404);
	assert.equal(g.body.error, "ROOM_NOT_FOUND");
	const id = await createRoom(t);
	const bad = await t.api("POST", `/v2/rooms/${id}/storage`, { liveblocksType: "LiveList", data: [] });
	assert.equal(bad.status, 422);
	assert.equal(typeof bad.body.message, "string", "error bodies always carry a message");
});

test("json-patch: add/remove/replace/move/copy/test applied atomically", async () => {
	const id = await createRoom(t);
	await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	const r = await t.api("PATCH", `/v2/rooms/${id}/storage/json-patch`, [
		{ op: "test", path: "/title", value: "doc" },
		{ op: "add", path: "/list/-", value: { name: "c", tags: ["x"] } },
		{ op: "add", path: "/list/0", value: "first" },
		{ op: "replace", path: "/title", value: "renamed" },
		{ op: "remove", path: "/map/k" },
		{ op: "add", path: "/map/n", value: 2 },
		{ op: "copy", from: "/title", path: "/copy" },
		{ op: "move", from: "/copy", path: "/obj/moved" },
		{
			op: "test",
			path: "/list",
			value: toLson(["first", "a", "b", { name: "c", tags: ["x"] }]),
		},
	]);
	assert.equal(r.status, 200, r.text);
	const doc = (await t.api("GET", `/v2/rooms/${id}/storage`)).body;
	assert.equal(doc.data.title, "renamed");
	assert.equal(doc.data.list.data[3].liveblocksType, "LiveObject", "objects become LiveObjects");
	assert.equal(doc.data.list.data[3].data.tags.liveblocksType, "LiveList", "arrays become LiveLists");
	assert.deepEqual(toJson(doc), {
		title: "renamed",
		list: ["first", "a", "b", { name: "c", tags: ["x"] }],
		map: { n: 2 },
		obj: { plain: { x: [1, 2] }, moved: "renamed" },
	});
});

test("json-patch: a failing operation changes nothing and gives 422", async () => {
	const id = await createRoom(t);
	await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	const bad = [
		[{ op: "replace", path: "/title", value: "x" }, { op: "remove", path: "/missing" }],
		[{ op: "add", path: "/obj/plain/x/0", value: 1 }],
		[{ op: "test", path: "/title", value: "other" }],
		[{ op: "add", path: "title", value: 1 }],
		[{ op: "add", path: "/list/9", value: 1 }],
		[{ op: "frobnicate", path: "/title" }],
		[{ op: "move", from: "/obj", path: "/obj/inner" }],
		{ op: "add", path: "/a", value: 1 },
	];
	for (const ops of bad) {
		const r = await t.api("PATCH", `/v2/rooms/${id}/storage/json-patch`, ops);
		assert.equal(r.status, 422, JSON.stringify(ops));
		assert.ok(["INVALID_STORAGE_MUTATION_REQUEST", "UNPROCESSABLE_ENTITY"].includes(r.body.error));
	}
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/storage`)).body, DOC);
	const missing = await t.api("PATCH", `/v2/rooms/${uid("nope")}/storage/json-patch`, []);
	assert.equal(missing.status, 404);
});

test("json-patch: test compares type and value in plain LSON", async () => {
	const id = await createRoom(t);
	await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	const patch = (ops) => t.api("PATCH", `/v2/rooms/${id}/storage/json-patch`, ops);
	for (const [path, value] of [
		["/map", DOC.data.map],
		["/list", DOC.data.list],
		["/obj", DOC.data.obj],
		["/obj/plain", { x: [1, 2] }],
		["/list/1", "b"],
		["/map/k", 1.0],
	]) {
		const r = await patch([{ op: "test", path, value }]);
		assert.equal(r.status, 200, `${path}: ${r.text}`);
	}
	for (const [path, value, why] of [
		["/map", { k: 1 }, "a plain object is not a LiveMap"],
		["/map", { liveblocksType: "LiveObject", data: { k: 1 } }, "a LiveObject is not a LiveMap"],
		["/list", ["a", "b"], "an array is not a LiveList"],
		["/obj", { plain: { x: [1, 2] } }, "the simplified form is not the value"],
		["/obj/plain", { liveblocksType: "LiveObject", data: { x: [1, 2] } }, "plain JSON is not a LiveObject"],
		["/map/k", "1", "a string is not a number"],
		["/list/1", "a", "another value"],
		["/list/2", "b", "no such item"],
	]) {
		const r = await patch([{ op: "test", path, value }, { op: "remove", path: "/title" }]);
		assert.equal(r.status, 422, why);
		assert.equal(r.body.error, "INVALID_STORAGE_MUTATION_REQUEST", why);
		assert.match(r.body.message, /^Patch operation 0 \(test\): /, why);
	}
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/storage`)).body, DOC);
});

test("json-patch: patches to one room are applied one after the other", async () => {
	const id = await createRoom(t);
	await t.api("POST", `/v2/rooms/${id}/storage`, DOC);
	const n = 8;
	const rs = await Promise.all(Array.from({ length: n }, (_, i) =>
		t.api("PATCH", `/v2/rooms/${id}/storage/json-patch`, [{ op: "add", path: "/list/-", value: i }])));
	for (const r of rs) assert.equal(r.status, 200, r.text);
	const list = (await t.api("GET", `/v2/rooms/${id}/storage`)).body.data.list.data;
	assert.equal(list.length, 2 + n, "no patch lost");
	assert.deepEqual([...list.slice(2)].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
});

test("lson helpers: toLson/toJson round trip and applyPatch leaves its input alone", () => {
	const v = { a: [1, { b: null }], c: "s" };
	assert.deepEqual(toJson(toLson(v)), v);
	const before = structuredClone(DOC);
	const out = applyPatch(DOC, [{ op: "remove", path: "/list/0" }]);
	assert.deepEqual(DOC, before);
	assert.deepEqual(out.data.list.data, ["b"]);
});
