// Storage: GET/POST/DELETE pass through to the dev server; the JSON-patch
// endpoint is applied here (read plain LSON, patch, write back).

import { json } from "../util.mjs";
import { applyPatch } from "../lson.mjs";
import { upstreamError } from "../upstream.mjs";

export function createStorage({ up }) {
	// One patch at a time per room: a patch reads, applies and writes back,
	// and two interleaved would lose one of them (the platform applies
	// each atomically).
	const queues = new Map();
	function serialized(roomId, fn) {
		const prev = queues.get(roomId) ?? Promise.resolve();
		const run = prev.then(fn, fn);
		const tail = run.catch(() => {});
		queues.set(roomId, tail);
		tail.then(() => {
			if (queues.get(roomId) === tail) queues.delete(roomId);
		});
		return run;
	}

	async function jsonPatch(ctx) {
		const ops = ctx.json();
		const rid = encodeURIComponent(ctx.params.roomId);
		return serialized(ctx.params.roomId, async () => {
			const cur = await up.request("GET", `/v2/rooms/${rid}/storage`, { query: { format: "plain-lson" } });
			if (cur.status !== 200) throw upstreamError(cur);
			const doc = JSON.parse(cur.body.toString("utf8"));
			const next = applyPatch(doc, ops);
			if (ops.some((op) => op?.op !== "test")) {
				await up.json("DELETE", `/v2/rooms/${rid}/storage`);
				await up.json("POST", `/v2/rooms/${rid}/storage`, { body: next });
			}
			return json(200, {});
		});
	}

	return {
		register(router) {
			router.add("PATCH", "/v2/rooms/:roomId/storage/json-patch", jsonPatch);
		},
	};
}
