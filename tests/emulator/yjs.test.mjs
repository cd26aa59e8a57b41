// Yjs: pass-through document endpoints and the emulator's version history.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRoom, uid, useStack } from "./helpers.mjs";
import { YUpdate } from "../demo/yupdate.mjs";

const t = useStack();

test("PUT an update, read it as JSON, by key, with formatting and as binary", async () => {
	const id = await createRoom(t);
	const u = new YUpdate(99)
		.text("text", [{ text: "plain " }, { text: "bold", attrs: { bold: true } }])
		.mapSet("meta", "n", 3)
		.arrayPush("list", ["x", "y"]);
	const put = await t.api("PUT", `/v2/rooms/${id}/ydoc`, u.encode());
	assert.equal(put.status, 200);
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/ydoc`)).body, { text: "plain bold", meta: { n: 3 }, list: ["x", "y"] });
	assert.deepEqual((await t.api("GET", `/v2/rooms/${id}/ydoc?key=meta&type=ymap`)).body, { n: 3 });
	const fmt = await t.api("GET", `/v2/rooms/${id}/ydoc?formatting=true`);
	assert.ok(JSON.stringify(fmt.body).includes('"bold"'));
	const bin = await t.api("GET", `/v2/rooms/${id}/ydoc-binary`);
	assert.equal(bin.status, 200);
	assert.equal(bin.headers.get("content-type"), "application/octet-stream");
	assert.ok(bin.buf.length > 10);
});

test("Yjs errors: missing room 404, garbage update 422, wrong content type 400", async () => {
	const missing = uid("nope");
	assert.equal((await t.api("GET", `/v2/rooms/${missing}/ydoc`)).status, 404);
	assert.equal((await t.api("GET", `/v2/rooms/${missing}/ydoc-binary`)).status, 404);
	const id = await createRoom(t);
	const garbage = await t.api("PUT", `/v2/rooms/${id}/ydoc`, Buffer.from([255, 255, 255, 1]));
	assert.equal(garbage.status, 422);
	const wrongType = await t.api("PUT", `/v2/rooms/${id}/ydoc`, Buffer.from([0, 0]), { headers: { "content-type": "text/plain" } });
	assert.equal(wrongType.status, 400);
});

test("versions: create (both paths), list newest first with cursor, get, delete", async () => {
	const id = await createRoom(t);
	await t.api("PUT", `/v2/rooms/${id}/ydoc`, new YUpdate(5).text("t", [{ text: "v1" }]).encode());
	const v1 = await t.api("POST", `/v2/rooms/${id}/versions`, {});
	assert.equal(v1.status, 200);
	assert.match(v1.body.data.id, /^vh_[\w-]{21}$/);
	await t.api("PUT", `/v2/rooms/${id}/ydoc`, new YUpdate(6).text("t", [{ text: "+v2" }]).encode());
	const v2 = await t.api("POST", `/v2/rooms/${id}/version`);
	assert.equal(v2.status, 200);
	const list = await t.api("GET", `/v2/rooms/${id}/versions?limit=1`);
	assert.equal(list.body.data.length, 1);
	assert.equal(list.body.data[0].id, v2.body.data.id);
	assert.equal(list.body.data[0].type, "historyVersion");
	assert.equal(list.body.data[0].kind, "yjs");
	assert.ok(list.body.nextCursor);
	const next = await t.api("GET", `/v2/rooms/${id}/versions?limit=1&cursor=${list.body.nextCursor}`);
	assert.equal(next.body.data[0].id, v1.body.data.id);
	assert.equal(next.body.nextCursor, null);
	const b1 = await t.api("GET", `/v2/rooms/${id}/versions/${v1.body.data.id}/yjs`);
	const b2 = await t.api("GET", `/v2/rooms/${id}/version/${v2.body.data.id}`);
	assert.equal(b1.status, 200);
	assert.ok(b2.buf.length > b1.buf.length, "later snapshot holds more");
	assert.equal((await t.api("DELETE", `/v2/rooms/${id}/versions/${v1.body.data.id}`)).status, 204);
	assert.equal((await t.api("GET", `/v2/rooms/${id}/version/${v1.body.data.id}`)).status, 404);
	assert.equal((await t.api("GET", `/v2/rooms/${uid("nope")}/versions`)).status, 404);
	assert.equal((await t.api("POST", `/v2/rooms/${uid("nope")}/version`)).status, 404);
	assert.equal((await t.api("GET", `/v2/rooms/${id}/versions?limit=101`)).status, 422);
});
